//! The tab's repo: `shared::repo::Repo` (the phone's documents, saves, pending,
//! export/import, conflicts — sans-IO and tested natively, issue 16) over the browser's
//! localStorage, with this start's randomness.
//!
//! Lives in a thread-local: the app is single-threaded wasm, and Automerge documents are
//! not something the reactive system should clone or track.

use shared::model::Registry;
use shared::repo::{Fresh, Repo as Shared};
use std::cell::RefCell;
use std::rc::Rc;

pub use shared::history::show_scalar;
pub use shared::repo::SLICE_KEY;
pub type Repo = Shared;

thread_local! {
    static REPO: RefCell<Repo> = RefCell::new(load());
}

pub fn with<R>(f: impl FnOnce(&mut Repo) -> R) -> R {
    REPO.with(|r| f(&mut r.borrow_mut()))
}

/// Opens the storage of whoever is logged in now (`me`): after a login, on a shared phone
/// the next person's documents, never the previous one's.
pub fn reopen() {
    REPO.with(|r| *r.borrow_mut() = load());
}

fn load() -> Repo {
    Repo::open(Rc::new(crate::storage::Local), fresh())
}

/// This start's random bytes. Without randomness ids could collide across phones and
/// tabs; failing loudly is better.
pub fn fresh() -> Fresh {
    let mut bytes = [0u8; 60];
    getrandom::fill(&mut bytes).expect("the browser provides crypto.getRandomValues");
    Fresh::from_bytes(&bytes)
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the browser provides crypto.getRandomValues");
    shared::signing::hex(&buf)
}

/// Whether `person` may edit, withdraw, restore or settle a conflict on a record of
/// their branch document's `map` that names `owner`: the server's rule
/// (`shared::access::may_touch_record`, which its sync guard refuses changes by), used
/// as is, so the phone never offers what the server would refuse.
pub fn may_resolve(registry: &Registry, person: &str, map: &str, owner: Option<&str>) -> bool {
    shared::access::may_touch_own_branch_record(registry, person, map, owner)
}

/// The repo's logic is tested natively over a store in memory (`shared/tests/suite/
/// repo.rs`); these run it over the real localStorage, as the app does: its names, its
/// quota, its old formats.
#[cfg(test)]
mod tests {
    use super::*;
    use gloo_storage::{LocalStorage, Storage};
    use shared::forms::Entry;
    use shared::ids::DocId;
    use shared::model::{Visit, VisitKind};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn visit(id: &str) -> Entry {
        Entry::Visit(Visit {
            id: id.into(),
            author: "p1-2".into(),
            date: "2026-11-20".into(),
            place: "v1".into(),
            kind: VisitKind::Help,
            note: "走访".into(),
            recorded_at: 1,
            withdrawn: false,
        })
    }

    fn b1() -> DocId {
        DocId::branch("b1").unwrap()
    }

    /// A start of the app (a tab) with `person` logged in: the app's own `load`.
    fn tab(person: &str) -> Repo {
        crate::storage::set("me", person).unwrap();
        load()
    }

    fn visit_ids(repo: &mut Repo) -> Vec<String> {
        repo.records(&b1()).visits.keys().cloned().collect()
    }

    /// Fills the origin's quota completely: halves the filler each time the browser
    /// refuses, down to a single character, so not even a small save fits.
    fn fill_storage() {
        let raw = LocalStorage::raw();
        let mut chunk = 256 * 1024;
        let mut i = 0;
        loop {
            if raw
                .set_item(&format!("filler.{i}"), &"满".repeat(chunk))
                .is_ok()
            {
                i += 1;
                assert!(i < 10_000, "storage never filled up");
            } else if chunk == 1 {
                break;
            } else {
                chunk /= 2;
            }
        }
    }

    #[wasm_bindgen_test]
    fn a_full_browser_quota_keeps_the_visit_in_memory_and_warns() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_entry(&b1(), &visit("before"), 1).unwrap();
        fill_storage();
        repo.save_entry(&b1(), &visit("during"), 2).unwrap();
        assert!(repo.storage_error.is_some(), "the user must be warned");
        assert_eq!(
            visit_ids(&mut repo),
            ["before", "during"],
            "nothing is dropped"
        );
        LocalStorage::clear();
    }

    /// Issue 5: what the walking skeleton left in localStorage (base64 JSON under
    /// `sanlian.doc.` and `sanlian.sync.`) loads after the update, and is removed.
    #[wasm_bindgen_test]
    fn issue_5_version_1_storage_loads_after_the_update() {
        use base64::engine::general_purpose::STANDARD_NO_PAD;
        use base64::Engine;
        LocalStorage::clear();
        let mut doc =
            shared::doc::new_document(&b1(), shared::ids::actor_for(Some("p1-2"), &[7; 12]));
        let Entry::Visit(v) = visit("old1") else {
            unreachable!()
        };
        shared::doc::put_visit(&mut doc, &v, 5).unwrap();
        LocalStorage::set("sanlian.doc.branch/b1", STANDARD_NO_PAD.encode(doc.save())).unwrap();
        LocalStorage::set("sanlian.device", "dev1").unwrap();

        let mut repo = tab("p1-2");
        assert_eq!(visit_ids(&mut repo), ["old1"]);
        assert_eq!(
            repo.pending_count(),
            1,
            "pending entries survive the update"
        );
        assert_eq!(repo.device(), "dev1");
        let raw = LocalStorage::raw();
        assert!(raw.get_item("sanlian.doc.branch/b1").unwrap().is_none());
        let chunks = shared::store::doc_chunk_keys(&crate::storage::Local, "u.p1-2.", "branch/b1");
        assert_eq!(chunks.len(), 1);
        assert!(raw
            .get_item(&format!("sanlian.{}", chunks[0]))
            .unwrap()
            .is_some());
        LocalStorage::clear();
    }

    /// Issue 17: two tabs of one profile writing offline keep every entry in the real
    /// localStorage (each tab's chunks under its own names).
    #[wasm_bindgen_test]
    fn issue_17_two_tabs_keep_every_entry() {
        LocalStorage::clear();
        let mut one = tab("p1-2");
        let mut two = tab("p1-2");
        for i in 0..3 {
            one.save_entry(&b1(), &visit(&format!("one{i}")), 10 + i)
                .unwrap();
            two.save_entry(&b1(), &visit(&format!("two{i}")), 20 + i)
                .unwrap();
        }
        assert!(one.merge_all_stored());
        let all = ["one0", "one1", "one2", "two0", "two1", "two2"];
        assert_eq!(visit_ids(&mut one), all);
        assert_eq!(visit_ids(&mut tab("p1-2")), all);
        LocalStorage::clear();
    }
}
