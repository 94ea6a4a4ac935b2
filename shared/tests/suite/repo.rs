//! The phone's repo over a store in memory (issue 16): everything the app's repo does —
//! saves, reloads, pending, several tabs, a full quota, old formats, export/import,
//! conflicts, the registry slice — tested natively, through the calls the app makes.
//! A [`Phone`] is one browser profile; each [`Phone::tab`] is a start of the app in it.

use automerge::sync as am_sync;
use automerge::sync::SyncDoc;
use automerge::AutoCommit;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use shared::doc::{new_document, put_visit};
use shared::forms::Entry;
use shared::ids::{actor_for, DocId};
use shared::model::{Registry, Visit, VisitKind};
use shared::repo::{Fresh, Repo, MAX_CHUNKS};
use shared::store::{self, MemoryStore, Store};
use shared::wire::{DocMessage, ExportFile, SyncResponse};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

fn visit(id: &str) -> Visit {
    Visit {
        id: id.into(),
        author: "p1-2".into(),
        date: "2026-11-20".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "走访".into(),
        recorded_at: 1,
        withdrawn: false,
    }
}

fn b1() -> DocId {
    DocId::branch("b1").unwrap()
}

/// Starts of the app in this test binary: each draws different "random" bytes, as
/// every start of the real app does (two phones with one actor would collide).
static STARTS: AtomicU32 = AtomicU32::new(0);

#[derive(Default)]
struct Phone {
    store: Rc<MemoryStore>,
}

impl Phone {
    /// A start of the app (a tab) with `person` logged in; each with its own randomness.
    fn tab(&self, person: &str) -> Repo {
        store::set_json(&*self.store, "me", person).unwrap();
        let n = STARTS.fetch_add(1, Ordering::Relaxed) + 1;
        // What two starts must not share: their writer (bytes 0..4) and actor (16..28).
        let mut bytes = [0u8; 60];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        bytes[16..20].copy_from_slice(&n.to_be_bytes());
        Repo::open(self.store.clone(), Fresh::from_bytes(&bytes))
    }

    fn chunks(&self, person: &str) -> usize {
        store::doc_chunk_keys(&*self.store, &store::ns(person), "branch/b1").len()
    }

    fn packed(&self, name: &str) -> Option<Vec<u8>> {
        store::get_packed(&*self.store, name)
    }
}

fn save(repo: &mut Repo, v: &Visit, now_secs: i64) {
    repo.save_entry(&b1(), &Entry::Visit(v.clone()), now_secs)
        .unwrap();
}

fn visit_ids(repo: &mut Repo) -> Vec<String> {
    repo.records(&b1()).visits.keys().cloned().collect()
}

fn branch_doc_with(visits: &[Visit], person: &str) -> AutoCommit {
    let mut doc = new_document(&b1(), actor_for(Some(person), &[7; 12]));
    for v in visits {
        put_visit(&mut doc, v, 5).unwrap();
    }
    doc
}

#[test]
fn a_saved_visit_survives_a_reload_and_stays_pending() {
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("a1"), 1);
    assert!(repo.storage_error.is_none());

    // A reload: a new Repo reads everything back from storage.
    let mut reloaded = phone.tab("p1-2");
    assert_eq!(visit_ids(&mut reloaded), ["a1"]);
    assert_eq!(reloaded.pending_count(), 1);
    assert_eq!(reloaded.pending_since_ms(), Some(1000));
    assert_eq!(reloaded.device(), repo.device(), "the device id is kept");
}

/// Issue 16: a branch document a newer app wrote (a higher schema) used to read as no
/// records at all; now the person is told to update, and the records come back as soon
/// as the document reads again.
#[test]
fn issue_16_a_document_of_a_newer_app_says_update_instead_of_showing_nothing() {
    use automerge::transaction::Transactable;
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("kept"), 1);
    assert_eq!(repo.records(&b1()).visits.len(), 1);
    assert!(!repo.newer_app);
    repo.document(&b1())
        .put(automerge::ROOT, "schema", shared::doc::SCHEMA + 1)
        .unwrap();
    assert!(repo.records(&b1()).visits.is_empty());
    assert!(repo.newer_app, "the person is told to update the app");
    repo.document(&b1())
        .put(automerge::ROOT, "schema", shared::doc::SCHEMA)
        .unwrap();
    assert_eq!(repo.records(&b1()).visits.len(), 1, "nothing was lost");
    assert!(!repo.newer_app);
}

/// Storage full, then space again. Found moving the repo here (issue 16): the save after
/// the failed one writes both entries as one chunk larger than the document's first, the
/// load took the largest chunk for a whole document, could not load it alone and
/// dropped it — both entries were gone at the next start.
#[test]
fn issue_16_a_full_storage_quota_keeps_the_visit_in_memory_and_warns_then_saves_it_later() {
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("before"), 1);
    phone.store.quota_full();
    save(&mut repo, &visit("during"), 2);
    assert!(repo.storage_error.is_some(), "the user must be warned");
    assert_eq!(
        visit_ids(&mut repo),
        ["before", "during"],
        "nothing is dropped"
    );
    assert_eq!(repo.pending_count(), 2, "and it still goes to the server");
    // Space again (the person freed some): the next save writes both.
    phone.store.set_quota(None);
    save(&mut repo, &visit("after"), 3);
    assert!(repo.storage_error.is_none(), "the warning goes");
    assert_eq!(
        visit_ids(&mut phone.tab("p1-2")),
        ["after", "before", "during"]
    );
}

#[test]
fn issue_5_version_1_storage_loads_after_the_update() {
    let phone = Phone::default();
    let s = &*phone.store;
    // Exactly what the walking skeleton wrote: base64 JSON strings, no format key.
    let mut doc = branch_doc_with(&[visit("old1"), visit("old2")], "p1-2");
    let b64 = STANDARD_NO_PAD.encode(doc.save());
    store::set_json(s, "doc.branch/b1", &b64).unwrap();
    let state = STANDARD_NO_PAD.encode(am_sync::State::new().encode());
    store::set_json(s, "sync.branch/b1", &state).unwrap();
    s.set("pending", r#"{"branch/b1":["old2"]}"#).unwrap();
    store::set_json(s, "device", "dev1").unwrap();

    let mut repo = phone.tab("p1-2");
    assert_eq!(visit_ids(&mut repo), ["old1", "old2"]);
    // Pending is read from the document now: neither was ever confirmed by the server.
    assert_eq!(
        repo.pending_count(),
        2,
        "pending entries survive the update"
    );
    assert_eq!(repo.device(), "dev1");
    for old in ["doc.branch/b1", "sync.branch/b1", "pending"] {
        assert!(s.get(old).is_none(), "{old} removed");
    }
    assert!(s.get("u.p1-2.s3.branch/b1").is_some());
    assert_eq!(store::get_json::<u32>(s, "format"), Some(store::FORMAT));
    let keys = store::doc_chunk_keys(s, "u.p1-2.", "branch/b1");
    assert_eq!(keys.len(), 1);
    let packed = s.get(&keys[0]).unwrap();
    assert!(
        packed.encode_utf16().count() * 2 < b64.len(),
        "packed is far smaller than base64"
    );

    // New entries after the migration, then another start: everything is there.
    save(&mut repo, &visit("new1"), 9);
    assert_eq!(visit_ids(&mut phone.tab("p1-2")), ["new1", "old1", "old2"]);
}

#[test]
fn issue_5_saves_are_incremental_and_compacted() {
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("v0"), 1);
    assert_eq!(phone.chunks("p1-2"), 1);
    let first = store::doc_chunk_keys(&*phone.store, "u.p1-2.", "branch/b1");
    let base_chunk = phone.packed(&first[0]);
    for i in 1..10 {
        save(&mut repo, &visit(&format!("v{i}")), 1 + i);
    }
    assert_eq!(phone.chunks("p1-2"), 10, "one new chunk per entry");
    assert_eq!(
        phone.packed(&first[0]),
        base_chunk,
        "a chunk is never rewritten"
    );
    for i in 10..60 {
        save(&mut repo, &visit(&format!("v{i:02}")), 1 + i);
    }
    assert!(
        phone.chunks("p1-2") < MAX_CHUNKS,
        "compacted: {}",
        phone.chunks("p1-2")
    );
    assert_eq!(phone.tab("p1-2").records(&b1()).visits.len(), 60);
}

/// Issue 17: two tabs of one profile, offline, entries alternating. Before, each tab
/// rewrote the same chunk keys and one tab's entries were gone after a reload.
#[test]
fn issue_17_two_tabs_keep_every_entry() {
    let phone = Phone::default();
    let mut one = phone.tab("p1-2");
    let mut two = phone.tab("p1-2");
    for i in 0..3 {
        save(&mut one, &visit(&format!("one{i}")), 10 + i);
        save(&mut two, &visit(&format!("two{i}")), 20 + i);
    }
    // What the `storage` event makes a tab do: read the other's chunks, write nothing.
    assert!(one.merge_all_stored());
    assert!(two.merge_all_stored());
    let all = ["one0", "one1", "one2", "two0", "two1", "two2"];
    assert_eq!(visit_ids(&mut one), all);
    assert_eq!(visit_ids(&mut two), all);
    assert_eq!(one.pending_count(), 6, "the counts agree");
    assert_eq!(two.pending_count(), 6);
    // A merge does not count as unsaved: the next entry writes only itself.
    let before = phone.chunks("p1-2");
    save(&mut one, &visit("one3"), 30);
    assert_eq!(phone.chunks("p1-2"), before + 1);
    let small = store::doc_chunk_keys(&*phone.store, "u.p1-2.", "branch/b1")
        .into_iter()
        .filter_map(|k| phone.packed(&k))
        .map(|b| b.len())
        .min()
        .unwrap();
    assert!(small < 400, "the new chunk holds one change: {small} bytes");
    for _ in 0..2 {
        assert_eq!(visit_ids(&mut phone.tab("p1-2")).len(), 7);
    }
}

/// Issue 17: one tab compacts again and again while the other keeps writing; no entry
/// of either is lost, and the chunks stay few.
#[test]
fn issue_17_compaction_while_another_tab_writes() {
    let phone = Phone::default();
    let mut one = phone.tab("p1-2");
    let mut two = phone.tab("p1-2");
    for i in 0..80 {
        save(&mut one, &visit(&format!("one{i:02}")), 10 + i);
        if i % 3 == 0 {
            save(&mut two, &visit(&format!("two{i:02}")), 10 + i);
        }
        if i % 10 == 0 {
            // The second tab sees the first's compactions (and keeps its own writes).
            two.merge_all_stored();
        }
    }
    assert!(
        phone.chunks("p1-2") <= MAX_CHUNKS + 1,
        "{}",
        phone.chunks("p1-2")
    );
    assert_eq!(phone.tab("p1-2").records(&b1()).visits.len(), 80 + 27);
    two.merge_all_stored();
    assert_eq!(
        two.records(&b1()).visits.len(),
        80 + 27,
        "the other tab sees all"
    );
}

/// Issue 17: version 2 storage converted by two tabs started at once (each read the old
/// keys before the other removed them): every entry once, nothing lost.
#[test]
fn issue_17_a_migration_started_by_two_tabs() {
    let phone = Phone::default();
    let s = &*phone.store;
    let mut doc = branch_doc_with(&[visit("old1")], "p1-2");
    let base = doc.save();
    let heads = doc.get_heads();
    put_visit(&mut doc, &visit("old2"), 6).unwrap();
    let more = doc.save_after(&heads);
    let write_v2 = || {
        s.set(
            "d2.branch/b1",
            r#"{"chunks":2,"base_bytes":1,"incremental_bytes":1}"#,
        )
        .unwrap();
        store::set_packed(s, "d2.branch/b1.0", &base).unwrap();
        store::set_packed(s, "d2.branch/b1.1", &more).unwrap();
        // p1-2's actor and p1-3's, left by the old app in one list.
        s.set("actors.unregistered", r#"["70312d320001","70312d330001"]"#)
            .unwrap();
    };
    write_v2();
    store::set_json(s, "me", "p1-2").unwrap();
    store::migrate(s, "tabone");
    // The second tab read the old keys before the first removed them.
    write_v2();
    store::migrate(s, "tabtwo");
    assert!(s.get("d2.branch/b1.0").is_none());
    assert_eq!(
        store::get_json::<Vec<String>>(s, "u.p1-2.actors"),
        Some(vec!["70312d320001".to_string()]),
        "only p1-2's own actor is theirs to register"
    );
    let mut repo = phone.tab("p1-2");
    assert_eq!(visit_ids(&mut repo), ["old1", "old2"]);
    assert_eq!(repo.pending_count(), 2);
}

/// A migration that finds storage full converts what fits and keeps the rest in the old
/// format for a later start: no entry is dropped by an update.
#[test]
fn issue_17_a_migration_without_space_keeps_the_old_keys() {
    let phone = Phone::default();
    let s = &*phone.store;
    let doc = branch_doc_with(&[visit("old1")], "p1-2").save();
    store::set_json(s, "doc.branch/b1", &STANDARD_NO_PAD.encode(&doc)).unwrap();
    store::set_json(s, "me", "p1-2").unwrap();
    s.quota_full();
    store::migrate(s, "tabone");
    assert!(
        s.get("doc.branch/b1").is_some(),
        "kept until it can be copied"
    );
    s.set_quota(None);
    let mut repo = phone.tab("p1-2");
    assert!(s.get("doc.branch/b1").is_none());
    assert_eq!(visit_ids(&mut repo), ["old1"]);
}

/// Issue 17: a shared phone. Each person's entries stay in their own storage: the next
/// person neither sees nor counts nor sends them, and they are there again when their
/// author logs in.
#[test]
fn issue_17_each_person_keeps_their_own_storage() {
    let phone = Phone::default();
    let mut a = phone.tab("p1-2");
    save(&mut a, &visit("mine"), 1);
    assert_eq!(a.my_pending_count(), 1);
    let mut b = phone.tab("p1-3");
    assert_eq!(visit_ids(&mut b), Vec::<String>::new(), "not p1-3's to see");
    assert_eq!(b.pending_count(), 0);
    assert_eq!(
        b.pending_docs(),
        Vec::<DocId>::new(),
        "nothing of p1-2's is synced"
    );
    assert_eq!(
        shared::ids::person_of_actor_hex(&b.actor_hex()).as_deref(),
        Some("p1-3")
    );
    let mut back = phone.tab("p1-2");
    assert_eq!(visit_ids(&mut back), ["mine"]);
    assert_eq!(back.my_pending_count(), 1);
    assert_eq!(back.pending_docs(), [b1()]);
}

#[test]
fn issue_5_export_import_merges_and_repeats_are_harmless() {
    let file = {
        let phone = Phone::default();
        let mut a = phone.tab("p1-2");
        save(&mut a, &visit("from-a"), 1);
        a.export_bundle()
    };
    let phone = Phone::default();
    let mut b = phone.tab("p1-2");
    save(&mut b, &visit("from-b"), 2);
    assert_eq!(b.import_bundle(&file, 0), Ok(1));
    assert_eq!(
        b.import_bundle(&file, 0),
        Ok(0),
        "a second import adds nothing"
    );
    assert_eq!(visit_ids(&mut b), ["from-a", "from-b"]);
    assert_eq!(
        b.pending_count(),
        2,
        "imported entries wait for the server too"
    );

    // Bad files: a clear message, nothing changed.
    assert!(b.import_bundle(b"hello", 0).unwrap_err().contains("不是"));
    let mut cut = file.clone();
    cut.truncate(file.len() - 10);
    assert!(b.import_bundle(&cut, 0).is_err());
    assert_eq!(
        visit_ids(&mut phone.tab("p1-2")),
        ["from-a", "from-b"],
        "the merge was saved"
    );
}

#[test]
fn issue_5_concurrent_edits_show_as_conflict_until_one_is_chosen() {
    use shared::history::show_scalar;
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    let original = visit("v1");
    save(&mut repo, &original, 1);
    let mut other = AutoCommit::load(&repo.document(&b1()).save())
        .unwrap()
        .with_actor(actor_for(Some("p1-3"), &[9; 12]));
    let mut theirs = original.clone();
    theirs.note = "对方的备注".into();
    put_visit(&mut other, &theirs, 3).unwrap();
    let mut mine = original.clone();
    mine.note = "我的备注".into();
    save(&mut repo, &mine, 4);
    let bundle = ExportFile {
        docs: vec![("branch/b1".into(), other.save())],
        sigs: Vec::new(),
    }
    .encode();
    repo.import_bundle(&bundle, 0).unwrap();

    let conflicts = repo.conflicts(&b1());
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!((c.record.as_str(), c.field.as_str()), ("v1", "note"));
    let mut shown: Vec<String> = c.values.iter().map(show_scalar).collect();
    shown.sort();
    assert_eq!(shown, ["对方的备注", "我的备注"]);

    let chosen = c
        .values
        .iter()
        .find(|v| show_scalar(v) == "对方的备注")
        .unwrap()
        .clone();
    repo.resolve(c, &chosen, 5).unwrap();
    assert!(repo.conflicts(&b1()).is_empty());
    assert_eq!(repo.records(&b1()).visits["v1"].note, "对方的备注");
    // The choice was stored: another start shows no conflict either.
    assert!(phone.tab("p1-2").conflicts(&b1()).is_empty());

    let history = repo.history(&b1(), "visits", "v1");
    let notes: Vec<(Option<String>, String)> = history
        .iter()
        .filter(|l| l.field == "note")
        .map(|l| (l.person.clone(), l.value.clone()))
        .collect();
    assert!(
        notes.contains(&(Some("p1-2".into()), "我的备注".into())),
        "{notes:?}"
    );
    assert!(
        notes.contains(&(Some("p1-3".into()), "对方的备注".into())),
        "{notes:?}"
    );
}

/// What an app before issue 15 left: the whole registry document, synced, stored as a
/// chunk of the person's, with its sync state.
fn store_old_registry(s: &dyn Store, person: &str) -> Registry {
    let whole = shared::demo::registry(shared::demo::DemoSpec::SMALL);
    let mut doc = new_document(&DocId::Registry, actor_for(None, &[5; 12]));
    shared::doc::write_registry(&mut doc, &whole, 1).unwrap();
    let ns = store::ns(person);
    store::write_chunk(s, &ns, "registry", "oldtab", 1, &doc.save()).unwrap();
    store::set_packed(
        s,
        &format!("{ns}s3.registry"),
        &am_sync::State::new().encode(),
    )
    .unwrap();
    whole
}

fn b1_slice() -> Registry {
    let mut slice = shared::demo::registry(shared::demo::DemoSpec::SMALL);
    slice.people.retain(|_, p| p.branch == "b1");
    slice
}

fn old_registry_stored(s: &dyn Store, person: &str) -> bool {
    !store::doc_chunk_keys(s, &store::ns(person), "registry").is_empty()
        || s.get(&format!("{}s3.registry", store::ns(person)))
            .is_some()
}

/// Issue 15: a phone updated from an app that synced the whole registry keeps reading it
/// until its first slice is stored, then holds the slice only (and exports no
/// registry); the slice serves every later start, offline.
#[test]
fn issue_15_the_old_registry_serves_until_the_first_slice_is_stored_then_goes() {
    let phone = Phone::default();
    let s = &*phone.store;
    let whole = store_old_registry(s, "p1-2");
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("kept"), 1);
    assert_eq!(
        repo.registry(),
        Some(whole.clone()),
        "the old document until then"
    );
    assert_eq!(
        repo.registry_etag(),
        None,
        "nothing to send with the first request"
    );

    assert!(repo.store_registry("\"t1\"".into(), b1_slice()));
    assert_eq!(repo.registry(), Some(b1_slice()));
    assert!(!old_registry_stored(s, "p1-2"), "the old document is gone");
    assert!(
        !repo.store_registry("\"t1\"".into(), b1_slice()),
        "the same slice again changes nothing"
    );
    let file = ExportFile::decode(&repo.export_bundle()).unwrap();
    let names: Vec<&str> = file.docs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["branch/b1"], "an export carries no registry");

    // Another start, offline: the slice, its tag, and the entry.
    let mut again = phone.tab("p1-2");
    assert_eq!(again.registry(), Some(b1_slice()));
    assert_eq!(again.registry_etag().as_deref(), Some("\"t1\""));
    assert_eq!(visit_ids(&mut again), ["kept"]);
    assert!(!old_registry_stored(s, "p1-2"));
    // Another person on this phone has their own (none yet).
    assert_eq!(phone.tab("p2-2").registry(), None);
}

/// Issue 15: a slice that does not fit in a full storage is used from memory; the old
/// document stays (a reload offline still has a registry) and no entry is touched.
#[test]
fn issue_15_a_slice_that_does_not_fit_stays_in_memory_and_loses_nothing() {
    let phone = Phone::default();
    let s = &*phone.store;
    let whole = store_old_registry(s, "p1-2");
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("before"), 1);
    // Even the next start's `me` does not fit.
    store::set_json(s, "me", "p1-2").unwrap();
    s.quota_full();
    assert!(repo.store_registry("\"t2\"".into(), b1_slice()));
    assert_eq!(repo.registry(), Some(b1_slice()), "used from memory");
    assert_eq!(repo.registry_etag().as_deref(), Some("\"t2\""));
    assert!(old_registry_stored(s, "p1-2"), "the old document is kept");
    assert_eq!(visit_ids(&mut repo), ["before"]);
    let mut reloaded = phone.tab("p1-2");
    assert_eq!(reloaded.registry(), Some(whole), "a reload still has one");
    assert_eq!(
        reloaded.registry_etag(),
        None,
        "so the slice is asked for again"
    );
    assert_eq!(visit_ids(&mut reloaded), ["before"]);
}

/// Issue 15: an export file of an older app carries the whole registry; importing it
/// takes the entries and leaves the registry out.
#[test]
fn issue_15_importing_an_old_export_takes_no_registry() {
    let file = {
        let phone = Phone::default();
        store_old_registry(&*phone.store, "p1-2");
        let mut old = phone.tab("p1-2");
        save(&mut old, &visit("from-old"), 1);
        let file = old.export_bundle();
        assert!(ExportFile::decode(&file)
            .unwrap()
            .docs
            .iter()
            .any(|(n, _)| n == "registry"));
        file
    };
    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    assert_eq!(repo.import_bundle(&file, 0), Ok(1));
    assert_eq!(visit_ids(&mut repo), ["from-old"]);
    assert!(!old_registry_stored(&*phone.store, "p1-2"));
    assert_eq!(repo.registry(), None);
}

/// The server's side of a sync, as plain Automerge: one document and sync state each.
#[derive(Default)]
struct Server {
    docs: std::collections::BTreeMap<String, (AutoCommit, am_sync::State)>,
}

impl Server {
    /// One whole session of `repo` for `docs`, as the app's `sync` runs it: requests
    /// until there is nothing more to say, then the sync states are kept.
    fn session(&mut self, repo: &mut Repo, docs: &[DocId]) {
        let mut reset = true;
        while let Some(req) = repo.next_request(docs, reset) {
            reset = false;
            let mut resp = SyncResponse::default();
            for m in req.docs {
                let (doc, state) = self.docs.entry(m.doc.clone()).or_default();
                let mut msg = am_sync::Message::decode(&m.msg).unwrap();
                shared::wire::unbundle(&mut msg).unwrap();
                doc.sync().receive_sync_message(state, msg).unwrap();
                if let Some(reply) = doc.sync().generate_sync_message(state) {
                    resp.docs.push(DocMessage {
                        doc: m.doc,
                        msg: reply.encode(),
                        sigs: Vec::new(),
                    });
                }
            }
            assert!(repo.apply_response(resp).is_empty());
        }
        repo.settle(docs);
    }
}

/// The sync state a session leaves tells every tab what the server holds: after one
/// tab's sync, the other's pending count agrees once it reads that state, and so does
/// the next start's.
#[test]
fn issue_17_a_synced_tab_tells_the_other_what_is_no_longer_pending() {
    let phone = Phone::default();
    let mut one = phone.tab("p1-2");
    let mut two = phone.tab("p1-2");
    save(&mut one, &visit("a1"), 1);
    two.merge_all_stored();
    assert_eq!(two.pending_count(), 1);

    let mut server = Server::default();
    server.session(&mut one, &[b1()]);
    assert_eq!(one.pending_count(), 0, "the server holds it");
    let held = shared::domain::docs::read_branch_records(&server.docs["branch/b1"].0).unwrap();
    assert!(held.visits.contains_key("a1"));

    two.reload_state(&b1());
    assert_eq!(two.pending_count(), 0, "the other tab agrees");
    assert_eq!(phone.tab("p1-2").pending_count(), 0, "and the next start");
    // A new entry is pending again, everywhere.
    save(&mut two, &visit("a2"), 2);
    assert_eq!(two.pending_count(), 1);
    assert_eq!(phone.tab("p1-2").pending_count(), 1);
}

/// Bad network: a phone whose first sync did not get through saves an entry offline (its
/// first chunk: the new document and that entry); the next sync brings the branch's
/// hundreds of records as a chunk far larger than the first. Every one of them is there
/// after a reload, offline — the load used to take the largest chunk for the document,
/// fail to load it alone, and show only the entry until the next sync.
#[test]
fn issue_16_records_synced_after_an_offline_entry_survive_a_reload() {
    let mut colleague = new_document(&b1(), actor_for(Some("p1-3"), &[3; 12]));
    for i in 0..300 {
        let mut v = visit(&format!("old{i:03}"));
        v.author = "p1-3".into();
        put_visit(&mut colleague, &v, 5).unwrap();
    }
    let mut server = Server::default();
    server
        .docs
        .insert("branch/b1".into(), (colleague, am_sync::State::new()));

    let phone = Phone::default();
    let mut repo = phone.tab("p1-2");
    save(&mut repo, &visit("offline"), 10);
    server.session(&mut repo, &[b1()]);
    assert_eq!(repo.records(&b1()).visits.len(), 301);
    assert_eq!(repo.pending_count(), 0);

    let mut reloaded = phone.tab("p1-2");
    assert_eq!(
        reloaded.records(&b1()).visits.len(),
        301,
        "nothing is missing offline"
    );
    assert_eq!(reloaded.pending_count(), 0, "and nothing is sent again");
}

#[test]
fn packing_round_trips_every_length_and_byte() {
    for len in 0..64usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255 - len) as u8).collect();
        assert_eq!(
            store::unpack(&store::pack(&bytes)).as_deref(),
            Some(&bytes[..]),
            "len {len}"
        );
    }
    let all: Vec<u8> = (0..=255).collect();
    let packed = store::pack(&all);
    assert!(packed
        .chars()
        .all(|c| (0x1000..0x9000).contains(&(c as u32))));
    // 256 bytes in 138 code units (1 header + ceil(2048 / 15)), base64 would need 342.
    assert_eq!(packed.encode_utf16().count(), 138);
    assert_eq!(store::unpack(&packed), Some(all));
    assert_eq!(store::unpack(""), None);
    assert_eq!(store::unpack("abc"), None);
    assert_eq!(store::unpack("\u{1000}\u{9000}"), None);
}
