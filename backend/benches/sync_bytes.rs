//! Bytes on the wire for a phone that reconnects: it holds H earlier visits (already on the
//! server), logs k new ones offline, then syncs. Runs the phone's real session code
//! (`shared::client`) against the server's real sync handler (`Hub`), in memory.
//!
//! `cargo bench -p backend --bench sync_bytes`

use automerge::ActorId;
use backend::hub::Hub;
use backend::store::MemStore;
use shared::client::SyncClient;
use shared::demo::{self, DemoSpec};
use shared::doc::{new_document, put_visit};
use shared::ids::DocId;
use shared::model::{Visit, VisitKind};
use shared::wire::SyncRequest;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

fn visit(i: usize) -> Visit {
    Visit {
        id: format!("1764000000000-{i:06x}"),
        author: "p1-2".into(),
        date: "2026-11-20".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "走访帮扶对象，了解茶园管护和务工收入情况，协调技术员下周来村指导".into(),
        recorded_at: 1_764_000_000_000 + i as i64,
        withdrawn: false,
    }
}

/// The bench measures bytes, not access control: one user who may write everything.
struct Everyone;

impl backend::hub::SyncGuard for Everyone {
    fn who(&self) -> &str {
        "bench"
    }
    fn access(&self, _: &shared::ids::DocId) -> shared::access::Access {
        shared::access::Access::Write
    }
    fn may_author(&self, _: &automerge::ActorId) -> bool {
        true
    }
    fn own_records_only(&self) -> Option<&str> {
        None
    }
}

fn transport(hub: &Hub) -> impl FnMut(Vec<u8>) -> Result<Vec<u8>, Infallible> + '_ {
    move |body| {
        let req = SyncRequest::decode(&body).expect("client sends valid requests");
        Ok(hub
            .sync(req, &Everyone)
            .unwrap_or_else(|e| panic!("server failed: {e}"))
            .encode())
    }
}

fn main() {
    println!("| H earlier | k new | round trips | bytes up | bytes down | total | session time |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for history in [100usize, 1000] {
        for new in [1usize, 10, 100] {
            let hub = Hub::new(Arc::new(MemStore::default())).unwrap();
            hub.write_registry(&demo::registry(DemoSpec::SMALL), 0)
                .unwrap();
            let branch = DocId::branch("b1").unwrap();
            let docs = [DocId::Registry, branch.clone()];

            let mut doc = new_document(&branch, ActorId::random());
            for i in 0..history {
                put_visit(&mut doc, &visit(i), i as i64).unwrap();
            }
            let mut phone = SyncClient::new("bench-phone");
            phone.insert(DocId::Registry, automerge::AutoCommit::new(), None);
            phone.insert(branch.clone(), doc, None);
            phone.session(&docs, transport(&hub)).unwrap();

            // The app restarts: documents and the persisted part of the sync states reload.
            let mut reopened = SyncClient::new("bench-phone");
            for id in &docs {
                let state = phone
                    .encoded_state(id)
                    .map(|s| automerge::sync::State::decode(&s).unwrap());
                let bytes = phone.doc(id).unwrap().save();
                let doc = automerge::AutoCommit::load(&bytes)
                    .unwrap()
                    .with_actor(ActorId::random());
                reopened.insert(id.clone(), doc, state);
            }
            for i in history..history + new {
                put_visit(reopened.doc(&branch).unwrap(), &visit(i), i as i64).unwrap();
            }
            let started = Instant::now();
            let report = reopened.session(&docs, transport(&hub)).unwrap();
            let took = started.elapsed();
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            assert!(reopened.in_sync(&branch), "session did not finish");
            let on_server = hub
                .all_visits()
                .unwrap()
                .into_iter()
                .find(|(b, _)| b == "b1")
                .unwrap()
                .1
                .len();
            assert_eq!(on_server, history + new);
            println!(
                "| {history} | {new} | {} | {} | {} | {} | {:.1} ms |",
                report.round_trips,
                report.bytes_up,
                report.bytes_down,
                report.bytes_up + report.bytes_down,
                took.as_secs_f64() * 1000.0
            );
        }
    }
}
