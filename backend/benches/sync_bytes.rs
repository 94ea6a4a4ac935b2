//! Bytes on the wire for a phone that reconnects: it holds H earlier visits (already on the
//! server), logs k new ones offline (one change each, as the app makes them), restarts, then
//! syncs. Runs the phone's real session code (`shared::client`) against the server's real
//! sync handler (`Hub`), in memory, and beside it the floor: the k new records as gzip'd JSON.
//! Also times adding one record to a document of H records, as the phone does on "save".
//!
//! Since protocol 3 the phone's new changes travel as one Automerge bundle (four or more);
//! a second table compares the two forms of the k changes alone.
//!
//! Last, issue 15: the registry bytes a member's phone receives on the full generated
//! county, before (a fresh phone's sync of the whole `registry` document, as the wire
//! carries it) and after (the member's slice, `GET /api/registry`'s JSON: raw, and gzip'd
//! as the server sends it to a browser), and what each takes of the phone's storage.
//!
//! `cargo bench -p backend --bench sync_bytes` (`-- 100 1000` for other H). The
//! automerge-repo side of the comparison is `node xtask/side-by-side/automerge-repo.mjs`
//! (see BENCHMARKS.md).

use automerge::ActorId;
use backend::hub::Hub;
use backend::store::MemStore;
use flate2::write::GzEncoder;
use shared::client::SyncClient;
use shared::demo::{self, DemoSpec};
use shared::doc::{new_document, put_visit};
use shared::ids::DocId;
use shared::model::{Visit, VisitKind};
use shared::wire::SyncRequest;
use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

const PHRASES: &[&str] = &[
    "走访帮扶对象",
    "了解茶园管护情况",
    "询问务工收入",
    "协调技术员下周来村指导",
    "查看危房改造进度",
    "召开村两委班子会",
    "排查邻里矛盾纠纷",
    "宣讲惠民政策",
    "落实产业奖补",
    "对接农产品销路",
    "慰问留守老人",
    "帮助申报小额贷款",
];

/// A visit whose note differs from its neighbours', as real notes do (identical notes would
/// compress to nothing and flatter every method).
fn visit(i: usize) -> Visit {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D;
    let mut note = String::new();
    for _ in 0..3 {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        note.push_str(PHRASES[(x % PHRASES.len() as u64) as usize]);
        note.push('，');
    }
    note.push_str(&format!("共{}户。", 2 + x % 17));
    Visit {
        id: format!(
            "{}-{:08x}",
            1_764_000_000_000u64 + i as u64 * 60_000,
            x as u32
        ),
        author: "p1-2".into(),
        date: format!("2026-{:02}-{:02}", 1 + (i / 28) % 12, 1 + i % 28),
        place: format!("v{}", 1 + i % 4),
        kind: [VisitKind::Help, VisitKind::Industry, VisitKind::BuildTeam][i % 3],
        note,
        recorded_at: 1_764_000_000_000 + i as i64 * 60_000,
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
    fn check_changes(
        &self,
        _: &shared::ids::DocId,
        _: &mut automerge::AutoCommit,
        _: &[automerge::ChangeHash],
        _: &[automerge::ChangeHash],
    ) -> Result<Result<(), String>, backend::store::StoreError> {
        Ok(Ok(()))
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

fn deflated(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len()
}

/// The changes since `before`, deflated as one chunk each and as one bundle.
fn change_sizes(
    doc: &mut automerge::AutoCommit,
    before: &[automerge::ChangeHash],
) -> (usize, usize) {
    let changes = doc.get_changes(before);
    let chunks: Vec<u8> = changes
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    let bundle = doc
        .bundle(changes.iter().map(|c| c.hash()))
        .unwrap()
        .bytes()
        .to_vec();
    (deflated(&chunks), deflated(&bundle))
}

fn gzip_json(visits: &[Visit]) -> usize {
    let json = serde_json::to_vec(visits).unwrap();
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&json).unwrap();
    enc.finish().unwrap().len()
}

fn main() {
    let hs: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let hs = if hs.is_empty() { vec![100, 10_000] } else { hs };
    println!("| H earlier | k new | round trips | bytes up | bytes down | total | session time | gzip'd JSON of the k records | add one record at H |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let branch = DocId::branch("b1").unwrap();
    // The phone syncs its branch only: since issue 15 its registry is a JSON slice
    // (`GET /api/registry`, measured at the end).
    let docs = [branch.clone()];
    let mut sizes = Vec::new();
    for &history in &hs {
        let mut doc = new_document(&branch, ActorId::random());
        for i in 0..history {
            put_visit(&mut doc, &visit(i), i as i64).unwrap();
        }
        let saved = doc.save();
        // Saving one more record into a document of H, as the app does on "save".
        let mut timing = automerge::AutoCommit::load(&saved).unwrap();
        let mut adds = Vec::new();
        for j in 0..20 {
            let t = Instant::now();
            put_visit(&mut timing, &visit(1_000_000 + j), 0).unwrap();
            adds.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        adds.sort_by(|a, b| a.total_cmp(b));
        let add_ms = adds[adds.len() / 2];

        for new in [1usize, 10, 100] {
            let hub = Hub::new(Arc::new(MemStore::default())).unwrap();
            hub.write_registry(&demo::registry(DemoSpec::SMALL), 0)
                .unwrap();
            let mut phone = SyncClient::new("bench-phone");
            phone.insert(
                branch.clone(),
                automerge::AutoCommit::load(&saved).unwrap(),
                None,
            );
            let first = phone.session(&docs, transport(&hub)).unwrap();
            assert!(first.problems.is_empty(), "{:?}", first.problems);

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
            let fresh: Vec<Visit> = (history..history + new).map(visit).collect();
            let before = reopened.doc(&branch).unwrap().get_heads();
            for v in &fresh {
                put_visit(reopened.doc(&branch).unwrap(), v, 0).unwrap();
            }
            sizes.push((
                history,
                new,
                change_sizes(reopened.doc(&branch).unwrap(), &before),
            ));
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
                "| {history} | {new} | {} | {} | {} | {} | {:.1} ms | {} | {add_ms:.2} ms |",
                report.round_trips,
                report.bytes_up,
                report.bytes_down,
                report.bytes_up + report.bytes_down,
                took.as_secs_f64() * 1000.0,
                gzip_json(&fresh),
            );
        }
    }
    println!(
        "\nThe k new changes alone, deflated as the body is (protocol 3 bundles from {} on):\n",
        shared::wire::BUNDLE_FROM
    );
    println!("| H | k | one chunk per change | one bundle | bundle ÷ chunks |");
    println!("|---:|---:|---:|---:|---:|");
    for (h, k, (chunks, bundle)) in sizes {
        println!(
            "| {h} | {k} | {chunks} | {bundle} | {:.2} |",
            bundle as f64 / chunks as f64
        );
    }
    // Nothing new on either side: a phone that reconnects with nothing to say.
    let hub = Hub::new(Arc::new(MemStore::default())).unwrap();
    hub.write_registry(&demo::registry(DemoSpec::SMALL), 0)
        .unwrap();
    let mut phone = SyncClient::new("idle-phone");
    let mut doc = new_document(&branch, ActorId::random());
    put_visit(&mut doc, &visit(0), 0).unwrap();
    phone.insert(branch.clone(), doc, None);
    phone.session(&docs, transport(&hub)).unwrap();
    let idle = phone.session(&docs, transport(&hub)).unwrap();
    println!(
        "\nreconnect with nothing new on either side: {} round trips, {} B up, {} B down",
        idle.round_trips, idle.bytes_up, idle.bytes_down
    );
    registry_bytes();
}

fn gzip(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len()
}

/// localStorage bytes of binary as the phone stores it (`frontend/src/storage.rs`: packed
/// 15 bits a UTF-16 code unit, two bytes each): a document's chunk, the deflated slice.
fn stored_packed(bytes: usize) -> usize {
    (bytes * 8).div_ceil(15) * 2 + 2
}

/// Issue 15: what of the registry a member's phone receives on the full generated county.
fn registry_bytes() {
    use shared::access::{registry_slice, AccountRole, Position};
    use shared::domain::generator::{generate, GenSpec};
    use shared::model::Role;
    let registry = generate(GenSpec::COUNTY).data.registry;
    let hub = Hub::new(Arc::new(MemStore::default())).unwrap();
    hub.write_registry(&registry, 0).unwrap();

    // Before: a fresh phone syncs the whole document (as the app did until issue 15).
    let mut phone = SyncClient::new("fresh-phone");
    phone.insert(DocId::Registry, automerge::AutoCommit::new(), None);
    let full = phone.session(&[DocId::Registry], transport(&hub)).unwrap();
    assert!(full.problems.is_empty(), "{:?}", full.problems);
    let saved = phone.doc(&DocId::Registry).unwrap().save().len();

    // After: one member's slice as JSON.
    let member = registry
        .people
        .values()
        .find(|p| p.role == Role::Member)
        .expect("a member");
    let positions = [Position {
        role: AccountRole::Member,
        org: member.branch.clone(),
    }];
    let slice = registry_slice(&positions, &registry);
    let json = serde_json::to_vec(&slice).unwrap();
    let whole = serde_json::to_vec(&registry).unwrap();

    println!(
        "\nThe registry a member's phone receives, full generated county ({} committees, {} branches, {} places, {} people; the member's slice {} people):\n",
        registry.committees.len(),
        registry.branches.len(),
        registry.places.len(),
        registry.people.len(),
        slice.people.len(),
    );
    println!("| | on the wire | gzip'd | stored on the phone |");
    println!("|---|---:|---:|---:|");
    println!(
        "| before: sync of the whole `registry` document ({} round trips; body deflated) | {} B ({} up, {} down) | — | {} B (its save, packed) |",
        full.round_trips,
        full.bytes_up + full.bytes_down,
        full.bytes_up,
        full.bytes_down,
        stored_packed(saved),
    );
    println!(
        "| **after: the member's slice**, `GET /api/registry` JSON (gzip'd for a browser) | {} B raw | **{} B** | {} B (its JSON deflated, packed) |",
        json.len(),
        gzip(&json),
        stored_packed(shared::wire::deflate_bytes(&json).len()),
    );
    println!(
        "| the whole registry as JSON (the county office's reply) | {} B | {} B | — |",
        whole.len(),
        gzip(&whole),
    );
}
