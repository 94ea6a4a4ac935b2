//! The phone's documents: loaded from browser storage at start, written back after every
//! change (incrementally: one entry costs one small chunk, not a rewrite of the whole
//! document), and synced with the server by [`crate::sync`].
//!
//! Lives in a thread-local: the app is single-threaded wasm, and Automerge documents are
//! not something the reactive system should clone or track.

use crate::storage::{self, DocMeta, StorageFull};
use automerge::sync as am_sync;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value, ROOT,
};
use serde::{Deserialize, Serialize};
use shared::client::SyncClient;
use shared::doc::{new_document, read_registry};
use shared::domain::records::BranchRecords;
use shared::ids::DocId;
use shared::model::{Registry, Role};
use shared::wire::{SyncRequest, SyncResponse};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

thread_local! {
    static REPO: RefCell<Repo> = RefCell::new(Repo::load());
}

pub fn with<R>(f: impl FnOnce(&mut Repo) -> R) -> R {
    REPO.with(|r| f(&mut r.borrow_mut()))
}

/// Compaction rewrites a document as one full save once its incremental chunks would
/// cost more to load than the rewrite costs to write.
const MAX_CHUNKS: u32 = 32;

/// What has been written to storage of one document.
struct Saved {
    meta: DocMeta,
    heads: Vec<ChangeHash>,
}

pub struct Repo {
    actor_suffix: Vec<u8>,
    client: SyncClient,
    saved: BTreeMap<DocId, Saved>,
    loaded: BTreeSet<DocId>,
    /// Records saved here and not yet known to be on the server, per document.
    pending: BTreeMap<DocId, BTreeSet<String>>,
    /// When the oldest of them was saved (ms), for "最早 X 天前".
    pending_since: Option<i64>,
    /// The last storage failure, shown until a save succeeds again.
    pub storage_error: Option<StorageFull>,
    /// Hydrated branch records by the heads they were read at: the entry list, the
    /// findings and the forms all read them after every change, and hydrating a thousand
    /// records on a cheap phone takes longer than drawing them.
    records_cache: BTreeMap<DocId, (Vec<automerge::ChangeHash>, std::rc::Rc<BranchRecords>)>,
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Without randomness ids could collide across phones; failing loudly is better.
    getrandom::fill(&mut buf).expect("the browser provides crypto.getRandomValues");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn state_key(id: &DocId) -> String {
    format!("s2.{id}")
}

/// Actor ids carry the person who writes: `person id`, a zero byte, then random bytes.
/// The history shows names without any lookup table that could get out of step, and the
/// random part is fresh every start: if storage ever lost a change that had already
/// synced, reusing an actor would mint a second change with the same sequence number,
/// which Automerge refuses.
fn actor_for(person: Option<&str>, suffix: &[u8]) -> ActorId {
    let mut bytes = person.unwrap_or("").as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(suffix);
    ActorId::from(bytes)
}

/// The person in an actor id made by [`actor_for`], if any.
pub fn person_of_actor(actor: &ActorId) -> Option<String> {
    let bytes = actor.to_bytes();
    let end = bytes.iter().position(|b| *b == 0)?;
    let person = std::str::from_utf8(&bytes[..end]).ok()?;
    shared::ids::is_plain_id(person).then(|| person.to_string())
}

const BUNDLE_MAGIC: &[u8; 8] = b"SANLIAN\x01";

/// The export file: every document of the phone as a full Automerge save.
#[derive(Serialize, Deserialize)]
struct Bundle {
    docs: Vec<(String, Vec<u8>)>,
}

/// A field of a record holding more than one value after a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub doc: DocId,
    pub map: String,
    pub record: String,
    pub field: String,
    /// The value shown now first, then the others.
    pub values: Vec<ScalarValue>,
    /// Who wrote the record, for the right to choose.
    pub author: Option<String>,
}

/// One line of a record's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub at_secs: i64,
    pub person: Option<String>,
    pub field: String,
    pub value: String,
}

pub fn show_scalar(v: &ScalarValue) -> String {
    match v {
        ScalarValue::Str(s) => s.to_string(),
        ScalarValue::Boolean(true) => "是".into(),
        ScalarValue::Boolean(false) => "否".into(),
        ScalarValue::Null => "（空）".into(),
        other => other.to_string(),
    }
}

/// Maps whose entries are records (`visits` and the domain's record maps).
fn record_maps(doc: &AutoCommit) -> Vec<(String, automerge::ObjId)> {
    doc.keys(&ROOT)
        .filter_map(|key| match doc.get(&ROOT, key.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some((key, id)),
            _ => None,
        })
        .collect()
}

impl Repo {
    fn load() -> Self {
        storage::migrate();
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
        let mut suffix = vec![0u8; 12];
        getrandom::fill(&mut suffix).expect("the browser provides crypto.getRandomValues");
        Repo {
            actor_suffix: suffix,
            client: SyncClient::new(device),
            saved: BTreeMap::new(),
            loaded: BTreeSet::new(),
            pending,
            pending_since: storage::get("pending_since"),
            storage_error: None,
            records_cache: BTreeMap::new(),
        }
    }

    fn actor(&self) -> ActorId {
        actor_for(storage::get::<String>("me").as_deref(), &self.actor_suffix)
    }

    /// The document, loaded from storage on first use.
    fn doc(&mut self, id: &DocId) -> &mut AutoCommit {
        if !self.client.contains(id) {
            let name = id.to_string();
            let actor = self.actor();
            let mut stored = None;
            if let Some((meta, chunks)) = storage::load_doc_chunks(&name) {
                if let Ok(mut d) = AutoCommit::load(&chunks[0]) {
                    for chunk in &chunks[1..] {
                        // A damaged chunk loses only its own changes, which the server
                        // still has or the next sync resends.
                        let _ = d.load_incremental(chunk);
                    }
                    let heads = d.get_heads();
                    self.saved.insert(id.clone(), Saved { meta, heads });
                    stored = Some(d);
                }
            }
            if stored.is_none() {
                // A version 1 copy that could not be migrated for lack of space: the
                // next save writes it in the new format (no `saved` entry = full save).
                stored = storage::legacy_doc(&name).and_then(|b| AutoCommit::load(&b).ok());
            }
            let doc = match (stored, id) {
                (Some(d), _) => d.with_actor(actor),
                // The registry comes from the server; an empty document asks for all of it.
                (None, DocId::Registry) => AutoCommit::new().with_actor(actor),
                (None, DocId::Branch(_) | DocId::Office | DocId::Committee(_)) => {
                    new_document(id, actor)
                }
            };
            let state =
                storage::get_packed(&state_key(id)).and_then(|b| am_sync::State::decode(&b).ok());
            self.client.insert(id.clone(), doc, state);
            self.loaded.insert(id.clone());
        }
        self.client.doc(id).expect("inserted above")
    }

    /// The person writing from now on: changes carry their id (see [`actor_for`]).
    pub fn set_person(&mut self, person: &str) {
        let actor = actor_for(Some(person), &self.actor_suffix);
        for id in &self.loaded {
            if let Some(doc) = self.client.doc(id) {
                doc.set_actor(actor.clone());
            }
        }
    }

    /// Writes what changed since the last save: one appended chunk, or a full rewrite when
    /// the chunks have piled up or nothing is stored yet. On failure nothing is marked
    /// saved, so the next save writes the same changes again.
    fn save_doc(&mut self, id: &DocId) {
        let name = id.to_string();
        let saved = self
            .saved
            .get(id)
            .map(|s| (s.meta.clone(), s.heads.clone()));
        let doc = self.doc(id);
        let heads = doc.get_heads();
        let result = match saved {
            Some((meta, old_heads))
                if meta.chunks < MAX_CHUNKS
                    && meta.incremental_bytes <= meta.base_bytes.max(4096) =>
            {
                if old_heads == heads {
                    return;
                }
                let bytes = doc.save_after(&old_heads);
                storage::append_doc_chunk(&name, &bytes, &meta)
            }
            old => {
                let bytes = doc.save();
                let r = storage::write_doc_base(&name, &bytes, old.as_ref().map(|(m, _)| m));
                if r.is_ok() {
                    storage::drop_legacy_doc(&name);
                }
                r
            }
        };
        let result = result.map(|meta| {
            self.saved.insert(id.clone(), Saved { meta, heads });
        });
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
        if self.pending_count() == 0 {
            self.pending_since = None;
            storage::remove("pending_since");
        } else if let Some(since) = self.pending_since {
            let _ = storage::set("pending_since", &since);
        }
    }

    pub fn registry(&mut self) -> Option<Registry> {
        read_registry(self.doc(&DocId::Registry))
            .ok()
            .filter(|r| !r.people.is_empty())
    }

    // Only the tests read and write bare visits now; the app goes through forms.
    #[cfg(test)]
    pub fn visits(&mut self, branch: &DocId) -> Vec<shared::model::Visit> {
        shared::doc::read_branch(self.doc(branch))
            .map(|b| b.visits.into_values().collect())
            .unwrap_or_default()
    }

    fn mark_pending(&mut self, doc: &DocId, record: String, now_ms: i64) {
        self.pending.entry(doc.clone()).or_default().insert(record);
        self.pending_since.get_or_insert(now_ms);
    }

    #[cfg(test)]
    /// Saves a visit: in memory at once, then to browser storage. A storage failure keeps
    /// the visit in memory (and it still syncs); the caller shows the warning.
    pub fn save_visit(
        &mut self,
        branch: &DocId,
        visit: &shared::model::Visit,
        now_secs: i64,
    ) -> Result<(), String> {
        shared::doc::put_visit(self.doc(branch), visit, now_secs).map_err(|e| e.to_string())?;
        self.mark_pending(branch, visit.id.clone(), now_secs * 1000);
        self.save_doc(branch);
        self.save_pending();
        Ok(())
    }

    /// This start's Automerge actor, as the server registers it.
    pub fn actor_hex(&self) -> String {
        self.actor().to_hex_string()
    }

    /// The documents holding records not yet on the server.
    pub fn pending_docs(&self) -> Vec<DocId> {
        self.pending
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Every record of a branch document, as this phone holds it.
    pub fn records(&mut self, branch: &DocId) -> std::rc::Rc<BranchRecords> {
        let heads = self.doc(branch).get_heads();
        if let Some((at, records)) = self.records_cache.get(branch) {
            if *at == heads {
                return records.clone();
            }
        }
        let records = std::rc::Rc::new(
            shared::domain::docs::read_branch_records(self.doc(branch)).unwrap_or_default(),
        );
        self.records_cache
            .insert(branch.clone(), (heads, records.clone()));
        records
    }

    /// Saves any record made by a form; same guarantees as [`Repo::save_visit`].
    pub fn save_entry(
        &mut self,
        branch: &DocId,
        entry: &shared::forms::Entry,
        now_secs: i64,
    ) -> Result<(), String> {
        entry
            .put(self.doc(branch), now_secs)
            .map_err(|e| e.to_string())?;
        self.mark_pending(branch, entry.id().to_string(), now_secs * 1000);
        self.save_doc(branch);
        self.save_pending();
        Ok(())
    }

    /// A 党（工）委's own records (its plans), as this phone holds them.
    pub fn committee_records(
        &mut self,
        committee: &DocId,
    ) -> shared::domain::records::CommitteeRecords {
        shared::domain::docs::read_committee(self.doc(committee)).unwrap_or_default()
    }

    /// Saves a committee plan; same guarantees as [`Repo::save_entry`].
    pub fn save_committee_plan(
        &mut self,
        committee: &DocId,
        plan: &shared::domain::records::CommitteePlan,
        now_secs: i64,
    ) -> Result<(), String> {
        shared::domain::docs::put(self.doc(committee), plan, now_secs)
            .map_err(|e| e.to_string())?;
        self.mark_pending(committee, plan.id.clone(), now_secs * 1000);
        self.save_doc(committee);
        self.save_pending();
        Ok(())
    }

    /// Withdraws one of the person's records: kept and marked, never deleted.
    pub fn withdraw_entry(
        &mut self,
        branch: &DocId,
        kind: shared::forms::FormKind,
        id: &str,
        now_secs: i64,
    ) -> Result<(), String> {
        let changed = shared::forms::withdraw(self.doc(branch), kind, id, now_secs)
            .map_err(|e| e.to_string())?;
        if changed {
            self.mark_pending(branch, format!("{id}/withdrawn"), now_secs * 1000);
            self.save_doc(branch);
            self.save_pending();
        }
        Ok(())
    }

    pub fn pending_count(&self) -> usize {
        self.pending.values().map(BTreeSet::len).sum()
    }

    /// When the oldest entry still waiting for the server was saved.
    pub fn pending_since_ms(&self) -> Option<i64> {
        self.pending_since
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
                let result = storage::set_packed(&state_key(id), &encoded);
                self.note_storage(result);
            }
        }
        self.save_pending();
    }

    /// Every document this phone holds, stored or loaded.
    fn known_docs(&mut self) -> Vec<DocId> {
        let mut ids: BTreeSet<DocId> = self.loaded.clone();
        ids.extend(self.pending.keys().cloned());
        ids.extend(
            storage::stored_doc_names()
                .iter()
                .filter_map(|n| DocId::parse(n).ok()),
        );
        ids.into_iter().collect()
    }

    /// The export file: magic header, then a postcard list of (document id, full save).
    pub fn export_bundle(&mut self) -> Vec<u8> {
        let mut docs = Vec::new();
        for id in self.known_docs() {
            let bytes = self.doc(&id).save();
            docs.push((id.to_string(), bytes));
        }
        let mut out = BUNDLE_MAGIC.to_vec();
        out.extend(postcard::to_allocvec(&Bundle { docs }).expect("a list of bytes encodes"));
        out
    }

    /// Merges an export file. Merging is idempotent and commutative, so importing the
    /// same file twice, or older files after newer ones, changes nothing more. Everything
    /// is checked before anything is merged: a bad file changes nothing.
    /// Returns how many records were new here.
    pub fn import_bundle(&mut self, bytes: &[u8], now_ms: i64) -> Result<usize, String> {
        let body = bytes
            .strip_prefix(BUNDLE_MAGIC.as_slice())
            .ok_or("这不是三联共建导出的文件")?;
        let bundle: Bundle =
            postcard::from_bytes(body).map_err(|_| "文件不完整或已损坏，请重新导出".to_string())?;
        let mut incoming = Vec::new();
        for (name, doc_bytes) in bundle.docs {
            let id = DocId::parse(&name).map_err(|_| format!("文件中的文档编号有误：{name}"))?;
            let doc = AutoCommit::load(&doc_bytes)
                .map_err(|_| format!("文件中的文档 {name} 已损坏，请重新导出"))?;
            incoming.push((id, doc));
        }
        let mut new_records = 0;
        for (id, mut other) in incoming {
            let before = self.record_ids(&id);
            self.doc(&id)
                .merge(&mut other)
                .map_err(|e| format!("合并 {id} 失败：{e}"))?;
            let after = self.record_ids(&id);
            for record in after.difference(&before) {
                new_records += 1;
                // The server may not have them yet: they count as waiting until a sync
                // confirms it holds the whole document.
                if matches!(id, DocId::Branch(_)) {
                    self.mark_pending(&id, record.clone(), now_ms);
                }
            }
            self.save_doc(&id);
        }
        self.save_pending();
        Ok(new_records)
    }

    fn record_ids(&mut self, id: &DocId) -> BTreeSet<String> {
        let doc = self.doc(id);
        let mut ids = BTreeSet::new();
        for (_, obj) in record_maps(doc) {
            for key in doc.keys(&obj) {
                ids.insert(key);
            }
        }
        ids
    }

    /// Fields of records that hold concurrent values after a merge ("需确认").
    pub fn conflicts(&mut self, id: &DocId) -> Vec<Conflict> {
        let doc = self.doc(id);
        let mut found = Vec::new();
        for (map, map_obj) in record_maps(doc) {
            for record in doc.keys(&map_obj).collect::<Vec<_>>() {
                let Ok(Some((Value::Object(ObjType::Map), rec))) = doc.get(&map_obj, &record)
                else {
                    continue;
                };
                let author = match doc.get(&rec, "author") {
                    Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
                    _ => None,
                };
                for field in doc.keys(&rec).collect::<Vec<_>>() {
                    let Ok(all) = doc.get_all(&rec, &field) else {
                        continue;
                    };
                    if all.len() < 2 {
                        continue;
                    }
                    let mut values: Vec<ScalarValue> = all
                        .iter()
                        .filter_map(|(v, _)| match v {
                            Value::Scalar(s) => Some(s.as_ref().clone()),
                            Value::Object(_) => None,
                        })
                        .collect();
                    // get_all lists the winner last; the shown value goes first.
                    values.reverse();
                    values.dedup();
                    if values.len() > 1 {
                        found.push(Conflict {
                            doc: id.clone(),
                            map: map.clone(),
                            record: record.clone(),
                            field: field.clone(),
                            values,
                            author: author.clone(),
                        });
                    }
                }
            }
        }
        found
    }

    /// Writes the chosen value over all the concurrent ones. The old values stay in the
    /// document's history.
    pub fn resolve(
        &mut self,
        c: &Conflict,
        chosen: &ScalarValue,
        now_secs: i64,
    ) -> Result<(), String> {
        let doc = self.doc(&c.doc);
        let map = match doc.get(&ROOT, c.map.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), m))) => m,
            _ => return Err("记录已不存在".into()),
        };
        let rec = match doc.get(&map, c.record.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), r))) => r,
            _ => return Err("记录已不存在".into()),
        };
        doc.put(&rec, c.field.as_str(), chosen.clone())
            .map_err(|e| e.to_string())?;
        doc.commit_with(CommitOptions::default().with_time(now_secs));
        self.mark_pending(&c.doc, c.record.clone(), now_secs * 1000);
        self.save_doc(&c.doc);
        self.save_pending();
        Ok(())
    }

    /// Who changed which field of a record and when, oldest first, from the changes in
    /// the document (each change is diffed against its parents).
    pub fn history(&mut self, id: &DocId, map: &str, record: &str) -> Vec<HistoryLine> {
        let doc = self.doc(id);
        let changes: Vec<(ChangeHash, Vec<ChangeHash>, i64, ActorId)> = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| {
                (
                    c.hash(),
                    c.deps().to_vec(),
                    c.timestamp(),
                    c.actor_id().clone(),
                )
            })
            .collect();
        let mut lines = Vec::new();
        for (hash, deps, at_secs, actor) in changes {
            for patch in doc.diff(&deps, &[hash]) {
                let in_record = patch.path.len() == 2
                    && matches!(&patch.path[0].1, Prop::Map(m) if m == map)
                    && matches!(&patch.path[1].1, Prop::Map(r) if r == record);
                if !in_record {
                    continue;
                }
                if let PatchAction::PutMap { key, value, .. } = patch.action {
                    let value = match value.0 {
                        Value::Scalar(s) => show_scalar(&s),
                        Value::Object(_) => "…".into(),
                    };
                    lines.push(HistoryLine {
                        at_secs,
                        person: person_of_actor(&actor),
                        field: key,
                        value,
                    });
                }
            }
        }
        lines
    }
}

/// Whether `person` may settle a conflict on a record written by `author`: the author,
/// their branch secretary, or a leader.
pub fn may_resolve(registry: &Registry, person: &str, author: Option<&str>) -> bool {
    let Some(me) = registry.person(person) else {
        return false;
    };
    if author == Some(person) {
        return true;
    }
    match me.role {
        Role::Leader => true,
        Role::Secretary => author
            .and_then(|a| registry.person(a))
            .is_some_and(|a| a.branch == me.branch),
        Role::Member => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;
    use gloo_storage::{LocalStorage, Storage};
    use shared::doc::put_visit;
    use shared::model::{Visit, VisitKind};
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

    fn branch_doc_with(visits: &[Visit], person: &str) -> AutoCommit {
        let mut doc = new_document(&b1(), actor_for(Some(person), &[7; 12]));
        for v in visits {
            put_visit(&mut doc, v, 5).unwrap();
        }
        doc
    }

    fn visit_ids(repo: &mut Repo) -> Vec<String> {
        let mut ids: Vec<String> = repo.visits(&b1()).into_iter().map(|v| v.id).collect();
        ids.sort();
        ids
    }

    #[wasm_bindgen_test]
    fn issue_5_version_1_storage_loads_after_the_update() {
        LocalStorage::clear();
        // Exactly what the walking skeleton wrote: base64 JSON strings, no format key.
        let mut doc = branch_doc_with(&[visit("old1"), visit("old2")], "p1-2");
        let b64 = STANDARD_NO_PAD.encode(doc.save());
        LocalStorage::set("sanlian.doc.branch/b1", &b64).unwrap();
        LocalStorage::set(
            "sanlian.sync.branch/b1",
            STANDARD_NO_PAD.encode(am_sync::State::new().encode()),
        )
        .unwrap();
        LocalStorage::set(
            "sanlian.pending",
            serde_json::json!({"branch/b1": ["old2"]}),
        )
        .unwrap();
        LocalStorage::set("sanlian.device", "dev1").unwrap();

        let mut repo = Repo::load();
        assert_eq!(visit_ids(&mut repo), ["old1", "old2"]);
        assert_eq!(
            repo.pending_count(),
            1,
            "pending entries survive the update"
        );
        assert_eq!(repo.client.device, "dev1");
        assert!(
            LocalStorage::raw()
                .get_item("sanlian.doc.branch/b1")
                .unwrap()
                .is_none(),
            "old copy removed"
        );
        assert_eq!(storage::get::<u32>("format"), Some(storage::FORMAT));
        let packed = LocalStorage::raw()
            .get_item("sanlian.d2.branch/b1.0")
            .unwrap()
            .unwrap();
        assert!(
            packed.encode_utf16().count() * 2 < b64.len(),
            "packed is far smaller than base64"
        );

        // New entries after the migration, then another start: everything is there.
        repo.save_visit(&b1(), &visit("new1"), 9).unwrap();
        let mut again = Repo::load();
        assert_eq!(visit_ids(&mut again), ["new1", "old1", "old2"]);
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_saves_are_incremental_and_compacted() {
        LocalStorage::clear();
        let mut repo = Repo::load();
        repo.save_visit(&b1(), &visit("v0"), 1).unwrap();
        let base = storage::doc_meta("branch/b1").unwrap();
        assert_eq!(base.chunks, 1);
        let base_chunk = LocalStorage::raw()
            .get_item("sanlian.d2.branch/b1.0")
            .unwrap();
        for i in 1..10 {
            repo.save_visit(&b1(), &visit(&format!("v{i}")), 1 + i)
                .unwrap();
        }
        let meta = storage::doc_meta("branch/b1").unwrap();
        assert_eq!(meta.chunks, 10, "one appended chunk per entry");
        assert_eq!(
            LocalStorage::raw()
                .get_item("sanlian.d2.branch/b1.0")
                .unwrap(),
            base_chunk,
            "the base is not rewritten for each entry"
        );
        for i in 10..60 {
            repo.save_visit(&b1(), &visit(&format!("v{i:02}")), 1 + i)
                .unwrap();
        }
        let meta = storage::doc_meta("branch/b1").unwrap();
        assert!(meta.chunks < MAX_CHUNKS, "compacted: {meta:?}");
        let mut reloaded = Repo::load();
        assert_eq!(reloaded.visits(&b1()).len(), 60);
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_export_import_merges_and_repeats_are_harmless() {
        LocalStorage::clear();
        let mut a = Repo::load();
        a.save_visit(&b1(), &visit("from-a"), 1).unwrap();
        let file = a.export_bundle();
        LocalStorage::clear();

        let mut b = Repo::load();
        b.save_visit(&b1(), &visit("from-b"), 2).unwrap();
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
        let reloaded_ids = visit_ids(&mut Repo::load());
        assert_eq!(reloaded_ids, ["from-a", "from-b"], "the merge was saved");
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_concurrent_edits_show_as_conflict_until_one_is_chosen() {
        LocalStorage::clear();
        let mut repo = Repo::load();
        let original = visit("v1");
        repo.save_visit(&b1(), &original, 1).unwrap();
        let mut other = AutoCommit::load(&repo.doc(&b1()).save())
            .unwrap()
            .with_actor(actor_for(Some("p1-3"), &[9; 12]));
        let mut theirs = original.clone();
        theirs.note = "对方的备注".into();
        put_visit(&mut other, &theirs, 3).unwrap();
        let mut mine = original.clone();
        mine.note = "我的备注".into();
        repo.set_person("p1-2");
        repo.save_visit(&b1(), &mine, 4).unwrap();
        let mut bundle = BUNDLE_MAGIC.to_vec();
        bundle.extend(
            postcard::to_allocvec(&Bundle {
                docs: vec![("branch/b1".into(), other.save())],
            })
            .unwrap(),
        );
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
        assert_eq!(repo.visits(&b1())[0].note, "对方的备注");

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
        LocalStorage::clear();
    }
}
