//! The generator's full county (≈ 100 000 records) built as phones build it, synced branch
//! by branch through the server's real sync handler into SQLite, and judged there: bytes
//! per record in the documents and on the wire, time to sync, time to evaluate every rule
//! on the merged county, and whether the findings are exactly the answer key's.
//!
//! `cargo bench -p backend --bench county_sync` (`-- small` for the demo-sized county)

use automerge::ActorId;
use backend::hub::Hub;
use backend::store::SqliteStore;
use shared::client::SyncClient;
use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec};
use shared::domain::rules::evaluate;
use shared::ids::DocId;
use shared::wire::SyncRequest;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

/// Access control is measured by the API tests; here every phone may write its branch.
struct Everyone;

impl backend::hub::SyncGuard for Everyone {
    fn who(&self) -> &str {
        "bench"
    }
    fn access(&self, _: &DocId) -> shared::access::Access {
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

fn main() {
    let spec = if std::env::args().any(|a| a == "small") {
        GenSpec::SMALL
    } else {
        GenSpec::COUNTY
    };
    let t = Instant::now();
    let generated = generate(spec);
    let records = generated.data.record_count();
    println!(
        "generated {records} records, {} branches, in {:.2?}",
        generated.data.branches.len(),
        t.elapsed()
    );

    // Every branch document written record by record through the apps' own calls.
    let t = Instant::now();
    let mut docs = write_county(&generated.data, ActorId::from([7u8; 16]), 0).expect("write");
    let doc_bytes = docs.saved_bytes();
    println!(
        "documents written in {:.2?}: {doc_bytes} B saved = {:.1} B/record",
        t.elapsed(),
        doc_bytes as f64 / records as f64
    );

    let dir = std::env::temp_dir().join(format!("county-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = SqliteStore::open(&dir.join("sanlian.db")).expect("sqlite");
    let hub = Hub::new(Arc::new(store)).expect("hub");
    hub.write_registry(&generated.data.registry, 0)
        .expect("registry");
    hub.modify(&DocId::Office, |doc| {
        doc.merge(&mut docs.office)?;
        Ok(())
    })
    .expect("office records");

    // One phone per branch, each starting from nothing on the server. The registry is
    // not sent to them here: that download is the same for every phone and measured
    // by the sync_bytes bench; this measures the records.
    let (mut up, mut down, mut trips) = (0usize, 0usize, 0usize);
    let t = Instant::now();
    let branches = std::mem::take(&mut docs.branches);
    for (id, doc) in branches {
        let doc_id = DocId::branch(id.clone()).expect("generated ids are plain");
        let mut phone = SyncClient::new(format!("phone-{id}"));
        phone.insert(doc_id.clone(), doc, None);
        let report = phone
            .session(std::slice::from_ref(&doc_id), |body: Vec<u8>| {
                let req = SyncRequest::decode(&body).expect("valid request");
                Ok::<_, Infallible>(hub.sync(req, &Everyone).expect("server accepts").encode())
            })
            .expect("session");
        assert!(report.problems.is_empty(), "{id}: {:?}", report.problems);
        assert!(phone.in_sync(&doc_id), "{id} did not finish");
        up += report.bytes_up;
        down += report.bytes_down;
        trips += report.round_trips;
    }
    let sync_time = t.elapsed();
    println!(
        "synced {} branch documents in {sync_time:.2?} ({trips} round trips): \
         {up} B up = {:.1} B/record, {down} B down",
        generated.data.branches.len(),
        up as f64 / records as f64
    );

    // The server's merged view and the rules on it.
    let t = Instant::now();
    let data = hub.county_data().expect("county data");
    let hydrate = t.elapsed();
    assert_eq!(data.record_count(), records, "every record arrived");
    let t = Instant::now();
    let findings = evaluate(&data, spec.year, spec.as_of());
    let eval = t.elapsed();
    let t = Instant::now();
    let again = hub.county_data().expect("county data");
    let cached = t.elapsed();
    assert_eq!(again.record_count(), records);
    let got: BTreeSet<_> = findings.iter().map(|f| f.key()).collect();
    let want = generated.key.keys();
    assert_eq!(got, want, "the server's findings are the answer key's");
    println!(
        "server: merged county read in {hydrate:.2?} (cached re-read {cached:.2?}); \
         every rule evaluated in {eval:.2?} → {} findings, exactly the answer key",
        findings.len()
    );
    drop(hub);
    let _ = std::fs::remove_dir_all(&dir);
}
