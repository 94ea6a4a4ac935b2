//! The phone's documents: loaded from browser storage at start, written back after every
//! change (incrementally: one entry costs one small chunk, not a rewrite of the whole
//! document), and synced with the server by [`crate::sync`].
//!
//! Everything is the logged-in person's (`storage::ns`); any number of tabs may hold the
//! same documents at once (write-once chunks, see `storage` and ARCHITECTURE.md).
//!
//! Lives in a thread-local: the app is single-threaded wasm, and Automerge documents are
//! not something the reactive system should clone or track.

use crate::storage::{self, StorageFull};
use automerge::sync as am_sync;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value, ROOT,
};
use shared::client::SyncClient;
use shared::doc::{new_document, read_registry};
use shared::domain::records::BranchRecords;
use shared::ids::DocId;
use shared::model::Registry;
use shared::wire::{SyncRequest, SyncResponse};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

thread_local! {
    static REPO: RefCell<Repo> = RefCell::new(Repo::load());
}

pub fn with<R>(f: impl FnOnce(&mut Repo) -> R) -> R {
    REPO.with(|r| f(&mut r.borrow_mut()))
}

/// Opens the storage of whoever is logged in now (`me`): after a login, on a shared phone
/// the next person's documents, never the previous one's.
pub fn reopen() {
    REPO.with(|r| *r.borrow_mut() = Repo::load());
}

/// Compaction rewrites a document as one full save once this many chunks (of every tab)
/// are stored: more would cost more to load than the rewrite costs to write.
const MAX_CHUNKS: usize = 32;

/// What storage holds of one document, as far as this tab knows.
struct Stored {
    /// The chunk keys read into the document or written by this tab.
    keys: BTreeSet<String>,
    /// Heads whose changes are all in storage; later ones are still to be written.
    heads: Vec<ChangeHash>,
}

/// A record with changes the server does not hold yet.
#[derive(Debug, Clone)]
struct PendingRecord {
    record: String,
    /// Who made the change (from its actor), `None` for nobody's.
    person: Option<String>,
    at_secs: i64,
}

pub struct Repo {
    /// The person whose storage this is (`me`), `None` when nobody is logged in.
    person: Option<String>,
    /// Their storage namespace (`storage::ns`).
    ns: String,
    /// Random per tab and start: the chunks this tab writes are named after it, so no two
    /// tabs ever write the same key.
    writer: String,
    next_chunk: u32,
    actor_suffix: Vec<u8>,
    client: SyncClient,
    stored: BTreeMap<DocId, Stored>,
    loaded: BTreeSet<DocId>,
    /// The last storage failure, shown until a save succeeds again.
    pub storage_error: Option<StorageFull>,
    /// Hydrated branch records by the heads they were read at: the entry list, the
    /// findings and the forms all read them after every change, and hydrating a thousand
    /// records on a cheap phone takes longer than drawing them.
    records_cache: BTreeMap<DocId, (Vec<automerge::ChangeHash>, std::rc::Rc<BranchRecords>)>,
    /// Pending records per document, by (heads, heads shared with the server).
    pending_cache: BTreeMap<DocId, PendingAt>,
    /// The person's registry slice, read from storage at start and replaced by each new
    /// one the server sends; kept here even when storage refuses it.
    slice: Option<StoredSlice>,
    /// A document this app cannot read because a newer app wrote it (issue 16: it used to
    /// read as no records at all). Shown as 「请更新应用」 until it reads again.
    pub newer_app: bool,
}

/// A document's pending records as computed at (its heads, the heads shared with the server).
type PendingAt = (Vec<ChangeHash>, Vec<ChangeHash>, Vec<PendingRecord>);

/// Heads as sets: Automerge returns them sorted, but a decoded sync state need not be.
fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Without randomness ids could collide across phones; failing loudly is better.
    getrandom::fill(&mut buf).expect("the browser provides crypto.getRandomValues");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

use shared::ids::{actor_for, person_of_actor};

use shared::wire::ExportFile;

/// The person's slice of the registry (issue 15) as the server last sent it, with its
/// `ETag`: what every view reads, offline too.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredSlice {
    pub etag: String,
    pub registry: Registry,
}

/// Where the slice is kept: its JSON, so a slice stored by an older app still reads
/// after an update (new fields come with serde defaults), deflated and packed like the
/// documents — plain, the JSON of a county's places and branches took 2.5× the quota
/// of the whole registry document it replaces (BENCHMARKS.md, issue 15).
pub const SLICE_KEY: &str = "registry-slice";

fn slice_key(ns: &str) -> String {
    format!("{ns}{SLICE_KEY}")
}

fn read_slice(ns: &str) -> Option<StoredSlice> {
    let packed = storage::get_packed(&slice_key(ns))?;
    let json = shared::wire::inflate_bytes(&packed).ok()?;
    // Read as text, as gloo reads the server's reply: `from_slice` would be a second
    // copy of the registry's whole deserializer (≈ 39 KB before wasm-opt).
    serde_json::from_str(std::str::from_utf8(&json).ok()?).ok()
}

fn write_slice(ns: &str, slice: &StoredSlice) -> Result<(), StorageFull> {
    let json = serde_json::to_vec(slice).expect("a registry serializes");
    storage::set_packed(&slice_key(ns), &shared::wire::deflate_bytes(&json))
}

/// The id of the old whole-registry document, which apps before issue 15 synced and
/// stored as chunks `<ns>d3.registry.<writer>.<n>`.
const OLD_REGISTRY: &str = "registry";

/// Signatures of others' changes carried by this person's phone, from imported files.
fn relayed_key(ns: &str) -> String {
    format!("{ns}relayed-sigs")
}

fn load_relayed(ns: &str) -> std::collections::HashMap<ChangeHash, Vec<u8>> {
    storage::get_packed(&relayed_key(ns))
        .and_then(|b| postcard::from_bytes::<Vec<([u8; 32], Vec<u8>)>>(&b).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(h, s)| (ChangeHash(h), s))
        .collect()
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
    /// Who wrote each value (from its change's actor), in the order of `values`.
    pub writers: Vec<Option<String>>,
    /// The person the record is under (`shared::access::owner_field`), for the right
    /// to choose; `None` for the branch's own records.
    pub owner: Option<String>,
}

// One reading of a record's history for the phone and the server (`shared::history`).
pub use shared::history::{show_scalar, HistoryLine};

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
        let writer = random_hex(4);
        storage::migrate(&writer);
        let device = storage::get::<String>("device")
            .filter(|d| shared::ids::is_plain_id(d))
            .unwrap_or_else(|| {
                let d = random_hex(12);
                let _ = storage::set("device", &d);
                d
            });
        let person = storage::get::<String>("me").filter(|p| shared::ids::is_plain_id(p));
        let mut suffix = vec![0u8; 12];
        getrandom::fill(&mut suffix).expect("the browser provides crypto.getRandomValues");
        let mut client = SyncClient::new(device);
        if let Some(p) = &person {
            // Issue 15: every change of this person sent from here is signed; those of
            // colleagues carried from an imported file go with their own signatures.
            client.signer = Some(shared::client::Signer {
                person: p.clone(),
                key: crate::signing::key(p),
            });
            client.relayed = load_relayed(&storage::ns(p));
        }
        let ns = storage::ns(person.as_deref().unwrap_or(""));
        Repo {
            slice: person.as_ref().and_then(|_| read_slice(&ns)),
            ns,
            person,
            writer,
            next_chunk: 0,
            actor_suffix: suffix,
            client,
            stored: BTreeMap::new(),
            loaded: BTreeSet::new(),
            storage_error: None,
            records_cache: BTreeMap::new(),
            newer_app: false,
            pending_cache: BTreeMap::new(),
        }
    }

    /// This tab's name in storage (its chunks, the sync lease).
    pub fn writer(&self) -> &str {
        &self.writer
    }

    /// This person's storage namespace (`u.<person>.`).
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    fn actor(&self) -> ActorId {
        actor_for(self.person.as_deref(), &self.actor_suffix)
    }

    fn state_key(&self, id: &DocId) -> String {
        format!("{}s3.{id}", self.ns)
    }

    /// The document, loaded from storage on first use: every chunk any tab wrote.
    fn doc(&mut self, id: &DocId) -> &mut AutoCommit {
        if !self.client.contains(id) {
            let name = id.to_string();
            let actor = self.actor();
            let mut chunks: Vec<(String, Vec<u8>)> = storage::doc_chunk_keys(&self.ns, &name)
                .into_iter()
                .filter_map(|k| storage::get_packed(&k).map(|b| (k, b)))
                .collect();
            // The largest chunk is the last compaction's full save: loading it whole is
            // much faster than applying its changes one by one.
            chunks.sort_by_key(|(_, b)| std::cmp::Reverse(b.len()));
            let mut keys = BTreeSet::new();
            let mut doc = None;
            for (k, bytes) in &chunks {
                match doc.as_mut() {
                    None => {
                        if let Ok(d) = AutoCommit::load(bytes) {
                            doc = Some(d);
                            keys.insert(k.clone());
                        }
                    }
                    // A damaged chunk loses only its own changes, which the server
                    // still has or the next sync resends.
                    Some(d) => {
                        if d.load_incremental(bytes).is_ok() {
                            keys.insert(k.clone());
                        }
                    }
                }
            }
            let heads = doc.as_mut().map(|d| d.get_heads()).unwrap_or_default();
            let doc = match (doc, id) {
                (Some(d), _) => d.with_actor(actor),
                // The registry comes from the server; an empty document asks for all of it.
                (None, DocId::Registry) => AutoCommit::new().with_actor(actor),
                (None, DocId::Branch(_) | DocId::Office | DocId::Committee(_)) => {
                    new_document(id, actor)
                }
            };
            self.stored.insert(id.clone(), Stored { keys, heads });
            let state = storage::get_packed(&self.state_key(id))
                .and_then(|b| am_sync::State::decode(&b).ok());
            self.client.insert(id.clone(), doc, state);
            self.loaded.insert(id.clone());
        }
        self.client.doc(id).expect("inserted above")
    }

    /// Reads the chunks other tabs wrote since this one last looked, into the document
    /// in memory (nothing is written). Returns whether the document changed.
    pub fn merge_stored(&mut self, id: &DocId) -> bool {
        if !self.client.contains(id) {
            // Not open here: it is read whole when first needed.
            return false;
        }
        let current: BTreeSet<String> = storage::doc_chunk_keys(&self.ns, &id.to_string())
            .into_iter()
            .collect();
        let stored = self.stored.entry(id.clone()).or_insert_with(|| Stored {
            keys: BTreeSet::new(),
            heads: Vec::new(),
        });
        // Chunks another tab compacted away: their changes are in its new chunk.
        stored.keys.retain(|k| current.contains(k));
        let new: Vec<String> = current.difference(&stored.keys).cloned().collect();
        if new.is_empty() {
            return false;
        }
        let doc = self.client.doc(id).expect("contains");
        let before = doc.get_heads();
        let written = same_heads(&before, &stored.heads);
        for k in new {
            if let Some(bytes) = storage::get_packed(&k) {
                if doc.load_incremental(&bytes).is_ok() {
                    stored.keys.insert(k);
                }
            }
        }
        let after = doc.get_heads();
        if written {
            // Everything here is in storage: what was just read is, by definition.
            stored.heads = after.clone();
        }
        !same_heads(&before, &after)
    }

    /// [`Repo::merge_stored`] for every open document; whether any changed.
    pub fn merge_all_stored(&mut self) -> bool {
        let ids: Vec<DocId> = self.loaded.iter().cloned().collect();
        let mut changed = false;
        for id in ids {
            changed |= self.merge_stored(&id);
        }
        changed
    }

    /// Takes the sync state another tab wrote after its session (the tabs share the
    /// server's view of what it holds, so pending counts agree).
    pub fn reload_state(&mut self, id: &DocId) {
        let Some(state) =
            storage::get_packed(&self.state_key(id)).and_then(|b| am_sync::State::decode(&b).ok())
        else {
            return;
        };
        // Its tab wrote its chunks before syncing: read them first. A state naming
        // changes still unknown here is left for the next session to rebuild.
        self.merge_stored(id);
        if let Some(doc) = self.client.doc(id) {
            if state
                .shared_heads
                .iter()
                .any(|h| doc.get_change_by_hash(h).is_none())
            {
                return;
            }
            let doc = std::mem::take(doc);
            self.client.insert(id.clone(), doc, Some(state));
        }
    }

    /// Writes what changed since the last save as a new chunk of this tab's, or compacts
    /// once the document's chunks have piled up. On failure nothing is marked saved, so
    /// the next save writes the same changes again.
    fn save_doc(&mut self, id: &DocId) {
        self.doc(id);
        let piled_up = self
            .stored
            .get(id)
            .is_some_and(|s| s.keys.len() >= MAX_CHUNKS);
        if piled_up && self.compact(id) {
            return;
        }
        let name = id.to_string();
        let old_heads = self
            .stored
            .get(id)
            .map(|s| s.heads.clone())
            .unwrap_or_default();
        let doc = self.client.doc(id).expect("loaded above");
        let heads = doc.get_heads();
        if same_heads(&heads, &old_heads) {
            return;
        }
        let bytes = if old_heads.is_empty() {
            doc.save()
        } else {
            doc.save_after(&old_heads)
        };
        self.next_chunk += 1;
        let result = storage::write_chunk(&self.ns, &name, &self.writer, self.next_chunk, &bytes)
            .map(|key| {
                let stored = self.stored.get_mut(id).expect("loaded above");
                stored.keys.insert(key);
                stored.heads = heads;
            });
        self.note_storage(result);
    }

    /// One full save replaces the chunks: first everything any tab stored is merged in,
    /// then the save is written as a new chunk, and only then are the chunks it holds
    /// removed. A chunk another tab writes in between is not among them and stays.
    /// Whether it was done (for lack of space it is not, and nothing is removed).
    fn compact(&mut self, id: &DocId) -> bool {
        self.merge_stored(id);
        let name = id.to_string();
        let doc = self.client.doc(id).expect("loaded");
        let bytes = doc.save();
        let heads = doc.get_heads();
        self.next_chunk += 1;
        match storage::write_chunk(&self.ns, &name, &self.writer, self.next_chunk, &bytes) {
            Ok(key) => {
                let stored = self.stored.get_mut(id).expect("loaded");
                for old in std::mem::take(&mut stored.keys) {
                    storage::remove(&old);
                }
                stored.keys.insert(key);
                stored.heads = heads;
                self.storage_error = None;
                true
            }
            Err(_) => false,
        }
    }

    fn note_storage(&mut self, result: Result<(), StorageFull>) {
        match result {
            Ok(()) => self.storage_error = None,
            Err(e) => self.storage_error = Some(e),
        }
    }

    /// The registry as this phone knows it: the person's slice (issue 15); until the first
    /// slice arrives, the whole registry document an older app synced, if it left one.
    pub fn registry(&mut self) -> Option<Registry> {
        if let Some(s) = &self.slice {
            return Some(s.registry.clone());
        }
        let old = self.client.contains(&DocId::Registry)
            || !storage::doc_chunk_keys(&self.ns, OLD_REGISTRY).is_empty();
        if !old {
            return None;
        }
        read_registry(self.doc(&DocId::Registry))
            .ok()
            .filter(|r| !r.people.is_empty())
    }

    /// The `ETag` of the slice held, sent with the next request for it.
    pub fn registry_etag(&self) -> Option<String> {
        self.slice.as_ref().map(|s| s.etag.clone())
    }

    /// Keeps a slice the server sent. Stored in the person's namespace; once it is, the
    /// old whole-registry document (chunks and sync state) goes: the slice holds all the
    /// phone reads of it. If storage refuses the slice (full), it is kept in memory only
    /// and the old document stays, so a reload offline still has a registry; the next
    /// session then asks for the slice again. Nothing else is touched, so no entry is
    /// ever at risk. Whether anything changed.
    pub fn store_registry(&mut self, etag: String, registry: Registry) -> bool {
        let slice = StoredSlice { etag, registry };
        if self.slice.as_ref() == Some(&slice) {
            return false;
        }
        if write_slice(&self.ns, &slice).is_ok() {
            self.drop_old_registry();
        }
        self.slice = Some(slice);
        true
    }

    /// Another tab stored a slice: take it. Whether the registry shown changed.
    pub fn reload_slice(&mut self) -> bool {
        match read_slice(&self.ns) {
            Some(s) if self.slice.as_ref() != Some(&s) => {
                self.slice = Some(s);
                true
            }
            _ => false,
        }
    }

    /// Removes the whole registry document an app before issue 15 stored.
    fn drop_old_registry(&mut self) {
        for key in storage::doc_chunk_keys(&self.ns, OLD_REGISTRY) {
            storage::remove(&key);
        }
        storage::remove(&self.state_key(&DocId::Registry));
        self.client.remove(&DocId::Registry);
        self.stored.remove(&DocId::Registry);
        self.loaded.remove(&DocId::Registry);
    }

    // The tests' shorthands for a visit, through the very calls the app makes (issue 16:
    // they used to write the document their own way).
    #[cfg(test)]
    pub fn visits(&mut self, branch: &DocId) -> Vec<shared::model::Visit> {
        self.records(branch).visits.values().cloned().collect()
    }

    #[cfg(test)]
    pub fn save_visit(
        &mut self,
        branch: &DocId,
        visit: &shared::model::Visit,
        now_secs: i64,
    ) -> Result<(), String> {
        self.save_entry(
            branch,
            &shared::forms::Entry::Visit(visit.clone()),
            now_secs,
        )
    }

    /// This start's Automerge actor, as the server registers it.
    pub fn actor_hex(&self) -> String {
        self.actor().to_hex_string()
    }

    /// Documents stored for this person or open here (never another person's).
    fn known_docs(&mut self) -> Vec<DocId> {
        let mut ids: BTreeSet<DocId> = self.loaded.clone();
        ids.extend(
            storage::stored_doc_names(&self.ns)
                .iter()
                .filter_map(|n| DocId::parse(n).ok()),
        );
        ids.into_iter().collect()
    }

    /// The heads the server is known to hold of a document (from the sync state).
    fn shared_heads(&self, id: &DocId) -> Vec<ChangeHash> {
        self.client
            .encoded_state(id)
            .and_then(|b| am_sync::State::decode(&b).ok())
            .map(|s| s.shared_heads)
            .unwrap_or_default()
    }

    /// The records touched by changes the server does not hold yet. Read from the
    /// document and the sync state themselves, so every tab (and every start) counts the
    /// same, with no list of its own that two tabs could overwrite.
    fn pending_records(&mut self, id: &DocId) -> Vec<PendingRecord> {
        if matches!(id, DocId::Registry | DocId::Office) {
            // Written by the server only.
            return Vec::new();
        }
        self.doc(id);
        let shared = self.shared_heads(id);
        let doc = self.client.doc(id).expect("loaded above");
        // Heads another tab's sync state names may not be merged here yet: only those
        // this document holds count (unknown ones would mean nothing to `get_changes`).
        let shared: Vec<ChangeHash> = shared
            .into_iter()
            .filter(|h| doc.get_change_by_hash(h).is_some())
            .collect();
        let heads = doc.get_heads();
        if let Some((h, s, found)) = self.pending_cache.get(id) {
            if same_heads(h, &heads) && same_heads(s, &shared) {
                return found.clone();
            }
        }
        let doc = self.client.doc(id).expect("loaded");
        let changes: Vec<(ChangeHash, Vec<ChangeHash>, i64, ActorId)> = doc
            .get_changes(&shared)
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
        let maps: BTreeSet<String> = record_maps(doc).into_iter().map(|(m, _)| m).collect();
        let mut found = Vec::new();
        for (hash, deps, at_secs, actor) in changes {
            // The genesis and extension changes every device makes are nobody's.
            let Some(person) = person_of_actor(&actor) else {
                continue;
            };
            let mut records = BTreeSet::new();
            for patch in doc.diff(&deps, &[hash]) {
                // Root-level patches make the record maps themselves: no record.
                let Some((_, Prop::Map(map))) = patch.path.first() else {
                    continue;
                };
                if !maps.contains(map.as_str()) {
                    continue;
                }
                match (patch.path.get(1), &patch.action) {
                    (Some((_, Prop::Map(record))), _) => {
                        records.insert(record.clone());
                    }
                    (None, PatchAction::PutMap { key, .. }) => {
                        records.insert(key.clone());
                    }
                    _ => {}
                }
            }
            found.extend(records.into_iter().map(|record| PendingRecord {
                record,
                person: Some(person.clone()),
                at_secs,
            }));
        }
        self.pending_cache
            .insert(id.clone(), (heads, shared, found.clone()));
        found
    }

    /// (document, record) pairs waiting for the server, of everyone or of one person.
    fn pending_set(&mut self, person: Option<&str>) -> BTreeSet<(DocId, String)> {
        let mut out = BTreeSet::new();
        for id in self.known_docs() {
            for p in self.pending_records(&id) {
                if person.is_none() || p.person.as_deref() == person {
                    out.insert((id.clone(), p.record));
                }
            }
        }
        out
    }

    /// The documents holding records not yet on the server.
    pub fn pending_docs(&mut self) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self.pending_set(None).into_iter().map(|(d, _)| d).collect();
        docs.dedup();
        docs
    }

    /// Records on this phone (of this person's storage) not yet on the server.
    pub fn pending_count(&mut self) -> usize {
        self.pending_set(None).len()
    }

    /// The logged-in person's own records among them (the logout warning counts these).
    pub fn my_pending_count(&mut self) -> usize {
        let me = self.person.clone();
        match me {
            Some(me) => self.pending_set(Some(&me)).len(),
            None => 0,
        }
    }

    /// When the oldest change still waiting for the server was made (ms).
    pub fn pending_since_ms(&mut self) -> Option<i64> {
        let mut oldest = None::<i64>;
        for id in self.known_docs() {
            for p in self.pending_records(&id) {
                oldest = Some(oldest.map_or(p.at_secs, |o| o.min(p.at_secs)));
            }
        }
        oldest.map(|s| s * 1000)
    }

    /// Every record of a branch document, as this phone holds it.
    pub fn records(&mut self, branch: &DocId) -> std::rc::Rc<BranchRecords> {
        let heads = self.doc(branch).get_heads();
        if let Some((at, records)) = self.records_cache.get(branch) {
            if *at == heads {
                return records.clone();
            }
        }
        let read = shared::domain::docs::read_branch_records(self.doc(branch));
        // Nothing is shown rather than a part, and the person is told why.
        self.newer_app = matches!(read, Err(shared::doc::DocError::NewerSchema(_)));
        let records = std::rc::Rc::new(read.unwrap_or_default());
        self.records_cache
            .insert(branch.clone(), (heads, records.clone()));
        records
    }

    /// Saves any record made by a form: in memory at once, then to browser storage. A
    /// storage failure keeps the record in memory (and it still syncs); the caller shows
    /// the warning.
    pub fn save_entry(
        &mut self,
        branch: &DocId,
        entry: &shared::forms::Entry,
        now_secs: i64,
    ) -> Result<(), String> {
        entry
            .put(self.doc(branch), now_secs)
            .map_err(|e| e.to_string())?;
        self.save_doc(branch);
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
        self.save_doc(committee);
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
            self.save_doc(branch);
        }
        Ok(())
    }

    /// Saves an edit of a record (issue 14): only the fields that differ from `original`,
    /// the record as the form was opened on; same guarantees as [`Repo::save_entry`].
    pub fn edit_entry(
        &mut self,
        branch: &DocId,
        edited: &shared::forms::Entry,
        original: &shared::forms::Entry,
        now_secs: i64,
    ) -> Result<Vec<String>, String> {
        let written = edited
            .edit(self.doc(branch), original, now_secs)
            .map_err(|e| e.to_string())?;
        if !written.is_empty() {
            self.save_doc(branch);
        }
        Ok(written)
    }

    /// Takes a withdrawal back (恢复).
    pub fn restore_entry(
        &mut self,
        branch: &DocId,
        kind: shared::forms::FormKind,
        id: &str,
        now_secs: i64,
    ) -> Result<(), String> {
        let changed = shared::forms::restore(self.doc(branch), kind, id, now_secs)
            .map_err(|e| e.to_string())?;
        if changed {
            self.save_doc(branch);
        }
        Ok(())
    }

    /// When a withdrawn record was last withdrawn (seconds), from its history.
    pub fn withdrawn_at(&mut self, id: &DocId, map: &str, record: &str) -> Option<i64> {
        self.history(id, map, record)
            .into_iter()
            .filter(|l| l.field == "withdrawn" && l.value == "是")
            .map(|l| l.at_secs)
            .max()
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

    /// After a session: the sync states are kept for the next session (and tell every
    /// tab what the server holds).
    pub fn settle(&mut self, docs: &[DocId]) {
        for id in docs {
            if let Some(encoded) = self.client.encoded_state(id) {
                let result = storage::set_packed(&self.state_key(id), &encoded);
                self.note_storage(result);
            }
        }
    }

    /// Every actor of this person in the documents on this phone (hex): registered with
    /// a new signing key, so what they wrote before it existed is accepted signed.
    pub fn own_actors(&mut self) -> Vec<String> {
        let Some(me) = self.person.clone() else {
            return Vec::new();
        };
        self.merge_all_stored();
        let mut out = BTreeSet::new();
        for id in self.known_docs() {
            for c in self.doc(&id).get_changes_meta(&[]) {
                if person_of_actor(&c.actor).as_deref() == Some(me.as_str()) {
                    out.insert(c.actor.to_hex_string());
                }
            }
        }
        out.into_iter().collect()
    }

    /// The export file ([`ExportFile`]).
    pub fn export_bundle(&mut self) -> Vec<u8> {
        // Everything any tab stored, not just what this one made.
        self.merge_all_stored();
        let mut docs = Vec::new();
        let mut sigs = Vec::new();
        let signer = self.client.signer.clone();
        let relayed = self.client.relayed.clone();
        for id in self.known_docs() {
            let doc = self.doc(&id);
            let bytes = doc.save();
            for c in doc.get_changes_meta(&[]) {
                let sig = match relayed.get(&c.hash) {
                    Some(s) => Some(s.clone()),
                    None => signer
                        .as_ref()
                        .filter(|s| person_of_actor(&c.actor).as_deref() == Some(s.person.as_str()))
                        .map(|s| s.key.sign(&c.hash)),
                };
                if let Some(sig) = sig {
                    sigs.push((c.hash.0, sig));
                }
            }
            docs.push((id.to_string(), bytes));
        }
        ExportFile { docs, sigs }.encode()
    }

    /// Merges an export file (with signatures, or of an older app without). Merging is
    /// idempotent and commutative, so importing the same file twice, or older files after
    /// newer ones, changes nothing more. Everything is checked before anything is merged:
    /// a bad file changes nothing. Returns how many records were new here.
    pub fn import_bundle(&mut self, bytes: &[u8], _now_ms: i64) -> Result<usize, String> {
        let ExportFile { docs, sigs } = ExportFile::decode(bytes).map_err(|e| e.to_string())?;
        let mut incoming = Vec::new();
        for (name, doc_bytes) in docs {
            let id = DocId::parse(&name).map_err(|_| format!("文件中的文档编号有误：{name}"))?;
            if id == DocId::Registry {
                // Files of apps before issue 15 carry the whole registry: it holds no
                // entries, and this phone holds only its slice, from the server.
                continue;
            }
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
            // They count as waiting (pending is read from the document) until a sync
            // confirms the server holds them.
            new_records += after.difference(&before).count();
            self.save_doc(&id);
        }
        // The signatures go with the changes when they are sent; the server checks them.
        if !sigs.is_empty() {
            for (h, s) in sigs {
                self.client.relayed.entry(ChangeHash(h)).or_insert(s);
            }
            let all: Vec<([u8; 32], Vec<u8>)> = self
                .client
                .relayed
                .iter()
                .map(|(h, s)| (h.0, s.clone()))
                .collect();
            let packed = postcard::to_allocvec(&all).expect("a list of bytes encodes");
            let result = storage::set_packed(&relayed_key(&self.ns), &packed);
            self.note_storage(result);
        }
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
                let owner =
                    shared::access::owner_field(&map).and_then(|f| match doc.get(&rec, f) {
                        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
                        _ => None,
                    });
                for field in doc.keys(&rec).collect::<Vec<_>>() {
                    let Ok(all) = doc.get_all(&rec, &field) else {
                        continue;
                    };
                    if all.len() < 2 {
                        continue;
                    }
                    // get_all lists the winner last; the shown value goes first.
                    let mut values: Vec<ScalarValue> = Vec::new();
                    let mut writers = Vec::new();
                    for (v, op) in all.iter().rev() {
                        let Value::Scalar(v) = v else { continue };
                        if values.contains(v.as_ref()) {
                            continue;
                        }
                        values.push(v.as_ref().clone());
                        writers.push(match op {
                            automerge::ObjId::Id(_, actor, _) => person_of_actor(actor),
                            automerge::ObjId::Root => None,
                        });
                    }
                    if values.len() > 1 {
                        found.push(Conflict {
                            doc: id.clone(),
                            map: map.clone(),
                            record: record.clone(),
                            field: field.clone(),
                            values,
                            writers,
                            owner: owner.clone(),
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
        self.save_doc(&c.doc);
        Ok(())
    }

    /// Who changed which field of a record and when, oldest first.
    pub fn history(&mut self, id: &DocId, map: &str, record: &str) -> Vec<HistoryLine> {
        shared::history::record_history(self.doc(id), map, record)
    }
}

/// Whether `person` may edit, withdraw, restore or settle a conflict on a record of
/// their branch document's `map` that names `owner`: the server's rule
/// (`shared::access::may_touch_record`, which its sync guard refuses changes by), used
/// as is, so the phone never offers what the server would refuse.
pub fn may_resolve(registry: &Registry, person: &str, map: &str, owner: Option<&str>) -> bool {
    shared::access::may_touch_own_branch_record(registry, person, map, owner)
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

    /// A start of the app (a tab) with `person` logged in.
    fn tab(person: &str) -> Repo {
        storage::set("me", person).unwrap();
        Repo::load()
    }

    fn chunks(person: &str) -> usize {
        storage::doc_chunk_keys(&storage::ns(person), "branch/b1").len()
    }

    #[wasm_bindgen_test]
    fn a_saved_visit_survives_a_reload_and_stays_pending() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("a1"), 1).unwrap();
        assert!(repo.storage_error.is_none());

        // A reload: a new Repo reads everything back from browser storage.
        let mut reloaded = tab("p1-2");
        let ids: Vec<String> = reloaded.visits(&b1()).into_iter().map(|v| v.id).collect();
        assert_eq!(ids, ["a1"]);
        assert_eq!(reloaded.pending_count(), 1);
        assert_eq!(reloaded.pending_since_ms(), Some(1000));
        assert_eq!(
            reloaded.client.device, repo.client.device,
            "the device id is kept"
        );
    }

    /// Issue 16: a branch document a newer app wrote (a higher schema) used to read as no
    /// records at all; now the person is told to update, and the records come back as
    /// soon as the document reads again.
    #[wasm_bindgen_test]
    fn issue_16_a_document_of_a_newer_app_says_update_instead_of_showing_nothing() {
        use automerge::transaction::Transactable;
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("kept"), 1).unwrap();
        assert_eq!(repo.records(&b1()).visits.len(), 1);
        assert!(!repo.newer_app);
        repo.doc(&b1())
            .put(automerge::ROOT, "schema", shared::doc::SCHEMA + 1)
            .unwrap();
        assert!(repo.records(&b1()).visits.is_empty());
        assert!(repo.newer_app, "the person is told to update the app");
        repo.doc(&b1())
            .put(automerge::ROOT, "schema", shared::doc::SCHEMA)
            .unwrap();
        assert_eq!(repo.records(&b1()).visits.len(), 1, "nothing was lost");
        assert!(!repo.newer_app);
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
    fn a_full_storage_quota_keeps_the_visit_in_memory_and_warns() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("before"), 1).unwrap();
        fill_storage();
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

        let mut repo = tab("p1-2");
        assert_eq!(visit_ids(&mut repo), ["old1", "old2"]);
        // Pending is read from the document now: neither was ever confirmed by the server.
        assert_eq!(
            repo.pending_count(),
            2,
            "pending entries survive the update"
        );
        assert_eq!(repo.client.device, "dev1");
        let raw = LocalStorage::raw();
        for old in [
            "sanlian.doc.branch/b1",
            "sanlian.sync.branch/b1",
            "sanlian.pending",
        ] {
            assert!(raw.get_item(old).unwrap().is_none(), "{old} removed");
        }
        assert!(raw
            .get_item("sanlian.u.p1-2.s3.branch/b1")
            .unwrap()
            .is_some());
        assert_eq!(storage::get::<u32>("format"), Some(storage::FORMAT));
        let keys = storage::doc_chunk_keys("u.p1-2.", "branch/b1");
        assert_eq!(keys.len(), 1);
        let packed = raw
            .get_item(&format!("sanlian.{}", keys[0]))
            .unwrap()
            .unwrap();
        assert!(
            packed.encode_utf16().count() * 2 < b64.len(),
            "packed is far smaller than base64"
        );

        // New entries after the migration, then another start: everything is there.
        repo.save_visit(&b1(), &visit("new1"), 9).unwrap();
        let mut again = tab("p1-2");
        assert_eq!(visit_ids(&mut again), ["new1", "old1", "old2"]);
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_saves_are_incremental_and_compacted() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("v0"), 1).unwrap();
        assert_eq!(chunks("p1-2"), 1);
        let first = storage::doc_chunk_keys("u.p1-2.", "branch/b1");
        let base_chunk = storage::get_packed(&first[0]);
        for i in 1..10 {
            repo.save_visit(&b1(), &visit(&format!("v{i}")), 1 + i)
                .unwrap();
        }
        assert_eq!(chunks("p1-2"), 10, "one new chunk per entry");
        assert_eq!(
            storage::get_packed(&first[0]),
            base_chunk,
            "a chunk is never rewritten"
        );
        for i in 10..60 {
            repo.save_visit(&b1(), &visit(&format!("v{i:02}")), 1 + i)
                .unwrap();
        }
        assert!(chunks("p1-2") < MAX_CHUNKS, "compacted: {}", chunks("p1-2"));
        let mut reloaded = tab("p1-2");
        assert_eq!(reloaded.visits(&b1()).len(), 60);
        LocalStorage::clear();
    }

    /// Issue 17: two tabs of one profile, offline, entries alternating. Before, each tab
    /// rewrote the same chunk keys and one tab's entries were gone after a reload.
    #[wasm_bindgen_test]
    fn issue_17_two_tabs_keep_every_entry() {
        LocalStorage::clear();
        let mut one = tab("p1-2");
        let mut two = tab("p1-2");
        for i in 0..3 {
            one.save_visit(&b1(), &visit(&format!("one{i}")), 10 + i)
                .unwrap();
            two.save_visit(&b1(), &visit(&format!("two{i}")), 20 + i)
                .unwrap();
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
        let before = chunks("p1-2");
        one.save_visit(&b1(), &visit("one3"), 30).unwrap();
        assert_eq!(chunks("p1-2"), before + 1);
        let small = storage::doc_chunk_keys("u.p1-2.", "branch/b1")
            .into_iter()
            .filter_map(|k| storage::get_packed(&k))
            .map(|b| b.len())
            .min()
            .unwrap();
        assert!(small < 400, "the new chunk holds one change: {small} bytes");
        // Both reloaded: everything in each.
        for _ in 0..2 {
            let mut reloaded = tab("p1-2");
            assert_eq!(visit_ids(&mut reloaded).len(), 7);
        }
        LocalStorage::clear();
    }

    /// Issue 17: one tab compacts again and again while the other keeps writing; no entry
    /// of either is lost, and the chunks stay few.
    #[wasm_bindgen_test]
    fn issue_17_compaction_while_another_tab_writes() {
        LocalStorage::clear();
        let mut one = tab("p1-2");
        let mut two = tab("p1-2");
        for i in 0..80 {
            one.save_visit(&b1(), &visit(&format!("one{i:02}")), 10 + i)
                .unwrap();
            if i % 3 == 0 {
                two.save_visit(&b1(), &visit(&format!("two{i:02}")), 10 + i)
                    .unwrap();
            }
            if i % 10 == 0 {
                // The second tab sees the first's compactions (and keeps its own writes).
                two.merge_all_stored();
            }
        }
        assert!(chunks("p1-2") <= MAX_CHUNKS + 1, "{}", chunks("p1-2"));
        let mut reloaded = tab("p1-2");
        assert_eq!(reloaded.visits(&b1()).len(), 80 + 27);
        two.merge_all_stored();
        assert_eq!(two.visits(&b1()).len(), 80 + 27, "the other tab sees all");
        LocalStorage::clear();
    }

    /// Issue 17: version 2 storage converted by two tabs started at once (each read the
    /// old keys before the other removed them): every entry once, nothing lost.
    #[wasm_bindgen_test]
    fn issue_17_a_migration_started_by_two_tabs() {
        LocalStorage::clear();
        let mut doc = branch_doc_with(&[visit("old1")], "p1-2");
        let base = doc.save();
        let heads = doc.get_heads();
        put_visit(&mut doc, &visit("old2"), 6).unwrap();
        let more = doc.save_after(&heads);
        let write_v2 = || {
            let raw = LocalStorage::raw();
            raw.set_item(
                "sanlian.d2.branch/b1",
                r#"{"chunks":2,"base_bytes":1,"incremental_bytes":1}"#,
            )
            .unwrap();
            raw.set_item("sanlian.d2.branch/b1.0", &storage::pack(&base))
                .unwrap();
            raw.set_item("sanlian.d2.branch/b1.1", &storage::pack(&more))
                .unwrap();
            // p1-2's actor and p1-3's, left by the old app in one list.
            raw.set_item(
                "sanlian.actors.unregistered",
                r#"["70312d320001","70312d330001"]"#,
            )
            .unwrap();
        };
        write_v2();
        storage::set("me", "p1-2").unwrap();
        storage::migrate("tabone");
        // The second tab read the old keys before the first removed them.
        write_v2();
        storage::migrate("tabtwo");
        assert!(LocalStorage::raw()
            .get_item("sanlian.d2.branch/b1.0")
            .unwrap()
            .is_none());
        assert_eq!(
            storage::get::<Vec<String>>("u.p1-2.actors"),
            Some(vec!["70312d320001".to_string()]),
            "only p1-2's own actor is theirs to register"
        );
        let mut repo = tab("p1-2");
        assert_eq!(visit_ids(&mut repo), ["old1", "old2"]);
        assert_eq!(repo.pending_count(), 2);
        LocalStorage::clear();
    }

    /// Issue 17: a shared phone. Each person's entries stay in their own storage: the
    /// next person neither sees nor counts nor sends them, and they are there again when
    /// their author logs in.
    #[wasm_bindgen_test]
    fn issue_17_each_person_keeps_their_own_storage() {
        LocalStorage::clear();
        let mut a = tab("p1-2");
        a.save_visit(&b1(), &visit("mine"), 1).unwrap();
        assert_eq!(a.my_pending_count(), 1);
        let mut b = tab("p1-3");
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
        let mut back = tab("p1-2");
        assert_eq!(visit_ids(&mut back), ["mine"]);
        assert_eq!(back.my_pending_count(), 1);
        assert_eq!(back.pending_docs(), [b1()]);
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_export_import_merges_and_repeats_are_harmless() {
        LocalStorage::clear();
        let mut a = tab("p1-2");
        a.save_visit(&b1(), &visit("from-a"), 1).unwrap();
        let file = a.export_bundle();
        LocalStorage::clear();

        let mut b = tab("p1-2");
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
        let reloaded_ids = visit_ids(&mut tab("p1-2"));
        assert_eq!(reloaded_ids, ["from-a", "from-b"], "the merge was saved");
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn issue_5_concurrent_edits_show_as_conflict_until_one_is_chosen() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
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
        repo.save_visit(&b1(), &mine, 4).unwrap();
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

    /// What an app before issue 15 left: the whole registry document, synced, stored as
    /// a chunk of the person's, with its sync state.
    fn store_old_registry(person: &str) -> Registry {
        let whole = shared::demo::registry(shared::demo::DemoSpec::SMALL);
        let mut doc = new_document(&DocId::Registry, actor_for(None, &[5; 12]));
        shared::doc::write_registry(&mut doc, &whole, 1).unwrap();
        let ns = storage::ns(person);
        storage::write_chunk(&ns, "registry", "oldtab", 1, &doc.save()).unwrap();
        storage::set_packed(&format!("{ns}s3.registry"), &am_sync::State::new().encode()).unwrap();
        whole
    }

    fn b1_slice() -> Registry {
        let mut slice = shared::demo::registry(shared::demo::DemoSpec::SMALL);
        slice.people.retain(|_, p| p.branch == "b1");
        slice
    }

    fn old_registry_stored(person: &str) -> bool {
        !storage::doc_chunk_keys(&storage::ns(person), "registry").is_empty()
            || storage::get_packed(&format!("{}s3.registry", storage::ns(person))).is_some()
    }

    /// Issue 15: a phone updated from an app that synced the whole registry keeps reading
    /// it until its first slice is stored, then holds the slice only (and exports no
    /// registry); the slice serves every later start, offline.
    #[wasm_bindgen_test]
    fn issue_15_the_old_registry_serves_until_the_first_slice_is_stored_then_goes() {
        LocalStorage::clear();
        let whole = store_old_registry("p1-2");
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("kept"), 1).unwrap();
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
        assert!(!old_registry_stored("p1-2"), "the old document is gone");
        assert!(
            !repo.store_registry("\"t1\"".into(), b1_slice()),
            "the same slice again changes nothing"
        );
        let file = ExportFile::decode(&repo.export_bundle()).unwrap();
        let names: Vec<&str> = file.docs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["branch/b1"], "an export carries no registry");

        // Another start, offline: the slice, its tag, and the entry.
        let mut again = tab("p1-2");
        assert_eq!(again.registry(), Some(b1_slice()));
        assert_eq!(again.registry_etag().as_deref(), Some("\"t1\""));
        assert_eq!(visit_ids(&mut again), ["kept"]);
        assert!(!old_registry_stored("p1-2"));
        // Another person on this phone has their own (none yet).
        assert_eq!(tab("p2-2").registry(), None);
        LocalStorage::clear();
    }

    /// Issue 15: a slice that does not fit in a full storage is used from memory; the old
    /// document stays (a reload offline still has a registry) and no entry is touched.
    #[wasm_bindgen_test]
    fn issue_15_a_slice_that_does_not_fit_stays_in_memory_and_loses_nothing() {
        LocalStorage::clear();
        let whole = store_old_registry("p1-2");
        let mut repo = tab("p1-2");
        repo.save_visit(&b1(), &visit("before"), 1).unwrap();
        fill_storage();
        assert!(repo.store_registry("\"t2\"".into(), b1_slice()));
        assert_eq!(repo.registry(), Some(b1_slice()), "used from memory");
        assert_eq!(repo.registry_etag().as_deref(), Some("\"t2\""));
        assert!(old_registry_stored("p1-2"), "the old document is kept");
        assert_eq!(visit_ids(&mut repo), ["before"]);
        let mut reloaded = tab("p1-2");
        assert_eq!(reloaded.registry(), Some(whole), "a reload still has one");
        assert_eq!(
            reloaded.registry_etag(),
            None,
            "so the slice is asked for again"
        );
        assert_eq!(visit_ids(&mut reloaded), ["before"]);
        LocalStorage::clear();
    }

    /// Issue 15: an export file of an older app carries the whole registry; importing it
    /// takes the entries and leaves the registry out.
    #[wasm_bindgen_test]
    fn issue_15_importing_an_old_export_takes_no_registry() {
        LocalStorage::clear();
        store_old_registry("p1-2");
        let mut old = tab("p1-2");
        old.save_visit(&b1(), &visit("from-old"), 1).unwrap();
        let file = old.export_bundle();
        assert!(ExportFile::decode(&file)
            .unwrap()
            .docs
            .iter()
            .any(|(n, _)| n == "registry"));
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        assert_eq!(repo.import_bundle(&file, 0), Ok(1));
        assert_eq!(visit_ids(&mut repo), ["from-old"]);
        assert!(!old_registry_stored("p1-2"));
        assert_eq!(repo.registry(), None);
        LocalStorage::clear();
    }
}
