//! The phone's documents: loaded from browser storage at start, written back after every
//! change, and synced with the server by [`crate::sync`].
//!
//! Lives in a thread-local: the app is single-threaded wasm, and Automerge documents are
//! not something the reactive system should clone or track.

use crate::storage::{self, StorageFull};
use automerge::sync as am_sync;
use automerge::{ActorId, AutoCommit};
use shared::client::SyncClient;
use shared::doc::{new_document, put_visit, read_branch, read_registry};
use shared::ids::DocId;
use shared::model::{Registry, Visit};
use shared::wire::{SyncRequest, SyncResponse};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

thread_local! {
    static REPO: RefCell<Repo> = RefCell::new(Repo::load());
}

pub fn with<R>(f: impl FnOnce(&mut Repo) -> R) -> R {
    REPO.with(|r| f(&mut r.borrow_mut()))
}

pub struct Repo {
    actor: ActorId,
    client: SyncClient,
    /// Records saved here and not yet known to be on the server, per document.
    pending: BTreeMap<DocId, BTreeSet<String>>,
    /// The last storage failure, shown until a save succeeds again.
    pub storage_error: Option<StorageFull>,
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Without randomness ids could collide across phones; failing loudly is better.
    getrandom::fill(&mut buf).expect("the browser provides crypto.getRandomValues");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn doc_key(id: &DocId) -> String {
    format!("doc.{id}")
}

fn state_key(id: &DocId) -> String {
    format!("sync.{id}")
}

impl Repo {
    fn load() -> Self {
        let device = storage::get::<String>("device")
            .filter(|d| shared::ids::is_plain_id(d))
            .unwrap_or_else(|| {
                let d = random_hex(12);
                let _ = storage::set("device", &d);
                d
            });
        let pending: BTreeMap<String, BTreeSet<String>> =
            storage::get("pending").unwrap_or_default();
        let pending = pending
            .into_iter()
            .filter_map(|(k, v)| DocId::parse(&k).ok().map(|id| (id, v)))
            .collect();
        Repo {
            // A fresh actor every start: if storage ever lost a change that had already
            // synced, reusing the actor would mint a second change with the same sequence
            // number, which Automerge refuses.
            actor: ActorId::random(),
            client: SyncClient::new(device),
            pending,
            storage_error: None,
        }
    }

    /// The document, loaded from storage on first use.
    fn doc(&mut self, id: &DocId) -> &mut AutoCommit {
        if !self.client.contains(id) {
            let stored = storage::get_bytes(&doc_key(id)).and_then(|b| AutoCommit::load(&b).ok());
            let doc = match (stored, id) {
                (Some(d), _) => d.with_actor(self.actor.clone()),
                // The registry comes from the server; an empty document asks for all of it.
                (None, DocId::Registry) => AutoCommit::new().with_actor(self.actor.clone()),
                (None, DocId::Branch(_) | DocId::Office) => new_document(id, self.actor.clone()),
            };
            let state =
                storage::get_bytes(&state_key(id)).and_then(|b| am_sync::State::decode(&b).ok());
            self.client.insert(id.clone(), doc, state);
        }
        self.client.doc(id).expect("inserted above")
    }

    fn save_doc(&mut self, id: &DocId) {
        let bytes = self.doc(id).save();
        let result = storage::set_bytes(&doc_key(id), &bytes);
        self.note_storage(result);
    }

    fn note_storage(&mut self, result: Result<(), StorageFull>) {
        match result {
            Ok(()) => self.storage_error = None,
            Err(e) => self.storage_error = Some(e),
        }
    }

    fn save_pending(&mut self) {
        let plain: BTreeMap<String, &BTreeSet<String>> = self
            .pending
            .iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let result = storage::set("pending", &plain);
        self.note_storage(result);
    }

    pub fn registry(&mut self) -> Option<Registry> {
        read_registry(self.doc(&DocId::Registry))
            .ok()
            .filter(|r| !r.people.is_empty())
    }

    pub fn visits(&mut self, branch: &DocId) -> Vec<Visit> {
        read_branch(self.doc(branch))
            .map(|b| b.visits.into_values().collect())
            .unwrap_or_default()
    }

    /// Saves a visit: in memory at once, then to browser storage. A storage failure keeps
    /// the visit in memory (and it still syncs); the caller shows the warning.
    pub fn save_visit(
        &mut self,
        branch: &DocId,
        visit: &Visit,
        now_secs: i64,
    ) -> Result<(), String> {
        put_visit(self.doc(branch), visit, now_secs).map_err(|e| e.to_string())?;
        self.pending
            .entry(branch.clone())
            .or_default()
            .insert(visit.id.clone());
        self.save_doc(branch);
        self.save_pending();
        Ok(())
    }

    /// This start's Automerge actor, as the server registers it.
    pub fn actor_hex(&self) -> String {
        self.actor.to_hex_string()
    }

    /// The documents holding records not yet on the server.
    pub fn pending_docs(&self) -> Vec<DocId> {
        self.pending
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn pending_count(&self) -> usize {
        self.pending.values().map(BTreeSet::len).sum()
    }

    pub fn next_request(&mut self, docs: &[DocId], reset: bool) -> Option<SyncRequest> {
        for id in docs {
            self.doc(id);
        }
        self.client.next_request(docs, reset)
    }

    /// Applies the server's replies and saves what changed; returns the problems met.
    pub fn apply_response(&mut self, resp: SyncResponse) -> Vec<String> {
        let applied = self.client.apply(resp);
        for id in &applied.changed {
            self.save_doc(id);
        }
        applied.problems
    }

    /// After a session: records of documents the server holds in full are no longer
    /// pending, and the sync states are kept for the next session.
    pub fn settle(&mut self, docs: &[DocId]) {
        for id in docs {
            if self.client.in_sync(id) {
                self.pending.remove(id);
            }
            if let Some(encoded) = self.client.encoded_state(id) {
                let result = storage::set_bytes(&state_key(id), &encoded);
                self.note_storage(result);
            }
        }
        self.save_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gloo_storage::{LocalStorage, Storage};
    use shared::model::VisitKind;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

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

    #[wasm_bindgen_test]
    fn a_saved_visit_survives_a_reload_and_stays_pending() {
        LocalStorage::clear();
        let mut repo = Repo::load();
        repo.save_visit(&b1(), &visit("a1"), 1).unwrap();
        assert!(repo.storage_error.is_none());

        // A reload: a new Repo reads everything back from browser storage.
        let mut reloaded = Repo::load();
        let ids: Vec<String> = reloaded.visits(&b1()).into_iter().map(|v| v.id).collect();
        assert_eq!(ids, ["a1"]);
        assert_eq!(reloaded.pending_count(), 1);
        assert_eq!(
            reloaded.client.device, repo.client.device,
            "the device id is kept"
        );
    }

    #[wasm_bindgen_test]
    fn a_full_storage_quota_keeps_the_visit_in_memory_and_warns() {
        LocalStorage::clear();
        let mut repo = Repo::load();
        repo.save_visit(&b1(), &visit("before"), 1).unwrap();
        // Fill the origin's quota completely: halve the filler each time the browser
        // refuses, down to a single character, so not even a small save fits.
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
        repo.save_visit(&b1(), &visit("during"), 2).unwrap();
        assert!(repo.storage_error.is_some(), "the user must be warned");
        let ids: Vec<String> = repo.visits(&b1()).into_iter().map(|v| v.id).collect();
        assert_eq!(ids, ["before", "during"], "nothing is dropped");
        LocalStorage::clear();
    }
}
