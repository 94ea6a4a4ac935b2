//! The phone's documents (issue 16: the repo's logic, sans-IO, over a [`Store`]): loaded
//! from storage when first used, written back after every change (incrementally: one
//! entry costs one small chunk, not a rewrite of the whole document), and synced with
//! the server through [`SyncClient`] by the app's `sync` module.
//!
//! Everything is the logged-in person's ([`store::ns`]); any number of tabs may hold the
//! same documents at once (write-once chunks, see [`crate::store`] and ARCHITECTURE.md).
//! The app keeps one `Repo` per tab over the browser's localStorage; the tests open
//! several over one [`crate::store::MemoryStore`], as tabs of one profile.

use crate::client::SyncClient;
use crate::doc::{new_document, read_registry};
use crate::domain::records::BranchRecords;
use crate::ids::DocId;
use crate::model::Registry;
use crate::signing::{hex, unhex, DeviceKey};
use crate::store::{self, StorageFull, Store};
use crate::wire::{SyncRequest, SyncResponse};
use automerge::sync as am_sync;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value, ROOT,
};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// What one start of the app draws from the platform's randomness, passed in (this
/// crate does no IO): without it ids could collide across tabs and phones.
#[derive(Debug, Clone)]
pub struct Fresh {
    /// Names this tab's chunks (see [`crate::store`]); 8 hex digits.
    pub writer: String,
    /// The device id, used only if the phone has none yet; 24 hex digits.
    pub device: String,
    /// The tail of this start's Automerge actor.
    pub actor_suffix: [u8; 12],
    /// A signing key's seed, used only if the person has no key on this phone yet.
    pub seed: [u8; 32],
}

impl Fresh {
    /// From 60 random bytes.
    pub fn from_bytes(b: &[u8; 60]) -> Self {
        let mut actor_suffix = [0; 12];
        actor_suffix.copy_from_slice(&b[16..28]);
        let mut seed = [0; 32];
        seed.copy_from_slice(&b[28..60]);
        Fresh {
            writer: hex(&b[..4]),
            device: hex(&b[4..16]),
            actor_suffix,
            seed,
        }
    }
}

fn key_name(person: &str) -> String {
    format!("{}signkey", store::ns(person))
}

/// The person's signing key on this phone (issue 15), made from `seed` at the first use
/// (an app updated from before signing makes it then; entries made before are signed
/// when they are sent). Only its public half is ever sent.
pub fn device_key(store: &dyn Store, person: &str, seed: [u8; 32]) -> DeviceKey {
    let stored = store::get_json::<String>(store, &key_name(person))
        .and_then(|h| unhex(&h))
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
    if let Some(seed) = stored {
        return DeviceKey::from_seed(seed);
    }
    // If storage is full the key lives for this start only: changes are still signed,
    // and the next start makes and registers a new one.
    let _ = store::set_json(store, &key_name(person), &hex(&seed));
    DeviceKey::from_seed(seed)
}

/// Compaction rewrites a document as one full save once this many chunks (of every tab)
/// are stored: more would cost more to load than the rewrite costs to write.
pub const MAX_CHUNKS: usize = 32;

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
    store: Rc<dyn Store>,
    /// The person whose storage this is (`me`), `None` when nobody is logged in.
    person: Option<String>,
    /// Their storage namespace ([`store::ns`]).
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

use crate::ids::{actor_for, person_of_actor};
use crate::wire::ExportFile;

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

fn read_slice(store: &dyn Store, ns: &str) -> Option<StoredSlice> {
    let packed = store::get_packed(store, &slice_key(ns))?;
    let json = crate::wire::inflate_bytes(&packed).ok()?;
    // Read as text, as gloo reads the server's reply: `from_slice` would be a second
    // copy of the registry's whole deserializer (≈ 39 KB before wasm-opt).
    serde_json::from_str(std::str::from_utf8(&json).ok()?).ok()
}

fn write_slice(store: &dyn Store, ns: &str, slice: &StoredSlice) -> Result<(), StorageFull> {
    let json = serde_json::to_vec(slice).expect("a registry serializes");
    store::set_packed(store, &slice_key(ns), &crate::wire::deflate_bytes(&json))
}

/// The id of the old whole-registry document, which apps before issue 15 synced and
/// stored as chunks `<ns>d3.registry.<writer>.<n>`.
const OLD_REGISTRY: &str = "registry";

/// Signatures of others' changes carried by this person's phone, from imported files.
fn relayed_key(ns: &str) -> String {
    format!("{ns}relayed-sigs")
}

fn load_relayed(store: &dyn Store, ns: &str) -> std::collections::HashMap<ChangeHash, Vec<u8>> {
    store::get_packed(store, &relayed_key(ns))
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
    /// The person the record is under (`crate::access::owner_field`), for the right
    /// to choose; `None` for the branch's own records.
    pub owner: Option<String>,
}

// One reading of a record's history for the phone and the server (`crate::history`).
pub use crate::history::{show_scalar, HistoryLine};

/// The records of the maps `maps` that the changes between `from` and `to` touch.
fn touched_records(
    doc: &mut AutoCommit,
    maps: &BTreeSet<String>,
    from: &[ChangeHash],
    to: &[ChangeHash],
) -> BTreeSet<String> {
    let mut records = BTreeSet::new();
    for patch in doc.diff(from, to) {
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
    records
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
    /// Opens the storage of whoever is logged in now (`me`): after a login, on a shared
    /// phone the next person's documents, never the previous one's. Old formats are
    /// converted first ([`store::migrate`]).
    pub fn open(store: Rc<dyn Store>, fresh: Fresh) -> Self {
        store::migrate(&*store, &fresh.writer);
        let device = store::device_id(&*store, &fresh.device);
        let person = store::logged_in(&*store);
        let mut client = SyncClient::new(device);
        if let Some(p) = &person {
            // Issue 15: every change of this person sent from here is signed; those of
            // colleagues carried from an imported file go with their own signatures.
            client.signer = Some(crate::client::Signer {
                person: p.clone(),
                key: device_key(&*store, p, fresh.seed),
            });
            client.relayed = load_relayed(&*store, &store::ns(p));
        }
        let ns = store::ns(person.as_deref().unwrap_or(""));
        Repo {
            slice: person.as_ref().and_then(|_| read_slice(&*store, &ns)),
            ns,
            person,
            writer: fresh.writer,
            next_chunk: 0,
            actor_suffix: fresh.actor_suffix.to_vec(),
            client,
            stored: BTreeMap::new(),
            loaded: BTreeSet::new(),
            storage_error: None,
            records_cache: BTreeMap::new(),
            newer_app: false,
            pending_cache: BTreeMap::new(),
            store,
        }
    }

    /// The device id the server knows this phone by.
    pub fn device(&self) -> &str {
        &self.client.device
    }

    /// This tab's name in storage (its chunks, the sync lease).
    pub fn writer(&self) -> &str {
        &self.writer
    }

    /// Whose storage this is (`me`), if anyone's.
    pub fn person(&self) -> Option<&str> {
        self.person.as_deref()
    }

    /// The person's signing key's public half (issue 15), if someone is logged in.
    pub fn public_key(&self) -> Option<String> {
        self.client.signer.as_ref().map(|s| s.key.public_hex())
    }

    /// Everything a view of the person's documents depends on, as bytes to compare:
    /// every document's heads and the heads the server holds of it, the registry slice
    /// held, and whether storage is full. Equal keys, equal views (`crate::engine`).
    pub fn view_key(&mut self) -> Vec<u8> {
        let mut key = Vec::new();
        for id in self.known_docs() {
            key.extend_from_slice(id.to_string().as_bytes());
            key.push(0);
            for h in self.doc(&id).get_heads() {
                key.extend_from_slice(&h.0);
            }
            key.push(1);
            for h in self.shared_heads(&id) {
                key.extend_from_slice(&h.0);
            }
        }
        key.extend_from_slice(self.registry_etag().unwrap_or_default().as_bytes());
        key.push(u8::from(self.storage_error.is_some()));
        key
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

    /// The document as this tab holds it, for reading. What is written to it reaches
    /// storage only through the `save_*` calls; tests use it to play another app.
    pub fn document(&mut self, id: &DocId) -> &mut AutoCommit {
        self.doc(id)
    }

    /// The document, loaded from storage on first use: every chunk any tab wrote.
    fn doc(&mut self, id: &DocId) -> &mut AutoCommit {
        if !self.client.contains(id) {
            let name = id.to_string();
            let actor = self.actor();
            let mut chunks: Vec<(String, Vec<u8>)> =
                store::doc_chunk_keys(&*self.store, &self.ns, &name)
                    .into_iter()
                    .filter_map(|k| store::get_packed(&*self.store, &k).map(|b| (k, b)))
                    .collect();
            // The largest chunk is the last compaction's full save: loading it whole is
            // much faster than applying its changes one by one.
            chunks.sort_by_key(|(_, b)| std::cmp::Reverse(b.len()));
            let mut keys = BTreeSet::new();
            let mut doc = None::<AutoCommit>;
            // Chunks that are not a document on their own (changes whose history is in
            // another chunk: an entry saved after a failed save, an import into a small
            // document, can be the largest chunk) wait for one that is.
            let mut waiting = Vec::new();
            for (k, bytes) in &chunks {
                match doc.as_mut() {
                    None => match AutoCommit::load(bytes) {
                        Ok(d) if d.get_missing_deps(&[]).is_empty() => {
                            doc = Some(d);
                            keys.insert(k.clone());
                        }
                        _ => waiting.push((k, bytes)),
                    },
                    // A damaged chunk loses only its own changes, which the server
                    // still has or the next sync resends.
                    Some(d) => {
                        if d.load_incremental(bytes).is_ok() {
                            keys.insert(k.clone());
                        }
                    }
                }
            }
            if doc.is_none() && !waiting.is_empty() {
                // No chunk is whole (never written so by this app): the changes alone.
                doc = Some(AutoCommit::new());
            }
            if let Some(d) = doc.as_mut() {
                for (k, bytes) in waiting {
                    if d.load_incremental(bytes).is_ok() {
                        keys.insert(k.clone());
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
            let state = store::get_packed(&*self.store, &self.state_key(id))
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
        let current: BTreeSet<String> =
            store::doc_chunk_keys(&*self.store, &self.ns, &id.to_string())
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
            if let Some(bytes) = store::get_packed(&*self.store, &k) {
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
        let Some(state) = store::get_packed(&*self.store, &self.state_key(id))
            .and_then(|b| am_sync::State::decode(&b).ok())
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
        let result = store::write_chunk(
            &*self.store,
            &self.ns,
            &name,
            &self.writer,
            self.next_chunk,
            &bytes,
        )
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
        match store::write_chunk(
            &*self.store,
            &self.ns,
            &name,
            &self.writer,
            self.next_chunk,
            &bytes,
        ) {
            Ok(key) => {
                let stored = self.stored.get_mut(id).expect("loaded");
                for old in std::mem::take(&mut stored.keys) {
                    self.store.remove(&old);
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
            || !store::doc_chunk_keys(&*self.store, &self.ns, OLD_REGISTRY).is_empty();
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
        if write_slice(&*self.store, &self.ns, &slice).is_ok() {
            self.drop_old_registry();
        }
        self.slice = Some(slice);
        true
    }

    /// Another tab stored a slice: take it. Whether the registry shown changed.
    pub fn reload_slice(&mut self) -> bool {
        match read_slice(&*self.store, &self.ns) {
            Some(s) if self.slice.as_ref() != Some(&s) => {
                self.slice = Some(s);
                true
            }
            _ => false,
        }
    }

    /// Removes the whole registry document an app before issue 15 stored.
    fn drop_old_registry(&mut self) {
        for key in store::doc_chunk_keys(&*self.store, &self.ns, OLD_REGISTRY) {
            self.store.remove(&key);
        }
        self.store.remove(&self.state_key(&DocId::Registry));
        self.client.remove(&DocId::Registry);
        self.stored.remove(&DocId::Registry);
        self.loaded.remove(&DocId::Registry);
    }

    /// This start's Automerge actor, as the server registers it.
    pub fn actor_hex(&self) -> String {
        self.actor().to_hex_string()
    }

    /// Documents stored for this person or open here (never another person's).
    fn known_docs(&mut self) -> Vec<DocId> {
        let mut ids: BTreeSet<DocId> = self.loaded.clone();
        ids.extend(
            store::stored_doc_names(&*self.store, &self.ns)
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
        let people: BTreeSet<String> = changes
            .iter()
            .filter_map(|(_, _, _, actor)| person_of_actor(actor))
            .collect();
        if let (1, Some(person)) = (people.len(), people.first()) {
            // One person's changes (a phone's usual case): one diff over all of them.
            // A diff per change costs the document's size each, so a thousand entries
            // made offline took seconds to count (issue 18's benchmark).
            let at_secs = changes
                .iter()
                .filter(|(_, _, _, actor)| person_of_actor(actor).as_ref() == Some(person))
                .map(|(_, _, at, _)| *at)
                .min()
                .unwrap_or_default();
            found.extend(
                touched_records(doc, &maps, &shared, &heads)
                    .into_iter()
                    .map(|record| PendingRecord {
                        record,
                        person: Some(person.clone()),
                        at_secs,
                    }),
            );
        } else {
            for (hash, deps, at_secs, actor) in changes {
                // The genesis and extension changes every device makes are nobody's.
                let Some(person) = person_of_actor(&actor) else {
                    continue;
                };
                found.extend(touched_records(doc, &maps, &deps, &[hash]).into_iter().map(
                    |record| PendingRecord {
                        record,
                        person: Some(person.clone()),
                        at_secs,
                    },
                ));
            }
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

    /// (document, record) pairs waiting for the server, of everyone in this storage.
    pub fn pending_records_all(&mut self) -> Vec<(DocId, String)> {
        self.pending_set(None).into_iter().collect()
    }

    /// Whether everything this tab holds of a document is in storage (its last save was
    /// written, or there was nothing to write).
    pub fn is_stored(&mut self, id: &DocId) -> bool {
        let heads = self.doc(id).get_heads();
        self.stored
            .get(id)
            .is_some_and(|s| same_heads(&s.heads, &heads))
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
        let read = crate::domain::docs::read_branch_records(self.doc(branch));
        // Nothing is shown rather than a part, and the person is told why.
        self.newer_app = matches!(read, Err(crate::doc::DocError::NewerSchema(_)));
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
        entry: &crate::forms::Entry,
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
    ) -> crate::domain::records::CommitteeRecords {
        crate::domain::docs::read_committee(self.doc(committee)).unwrap_or_default()
    }

    /// Saves a committee plan; same guarantees as [`Repo::save_entry`].
    pub fn save_committee_plan(
        &mut self,
        committee: &DocId,
        plan: &crate::domain::records::CommitteePlan,
        now_secs: i64,
    ) -> Result<(), String> {
        crate::domain::docs::put(self.doc(committee), plan, now_secs).map_err(|e| e.to_string())?;
        self.save_doc(committee);
        Ok(())
    }

    /// Withdraws one of the person's records: kept and marked, never deleted.
    pub fn withdraw_entry(
        &mut self,
        branch: &DocId,
        kind: crate::forms::FormKind,
        id: &str,
        now_secs: i64,
    ) -> Result<(), String> {
        let changed = crate::forms::withdraw(self.doc(branch), kind, id, now_secs)
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
        edited: &crate::forms::Entry,
        original: &crate::forms::Entry,
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
        kind: crate::forms::FormKind,
        id: &str,
        now_secs: i64,
    ) -> Result<(), String> {
        let changed = crate::forms::restore(self.doc(branch), kind, id, now_secs)
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
                let result = store::set_packed(&*self.store, &self.state_key(id), &encoded);
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
                // Automerge's own text names actors and sequence numbers: no use to a
                // person, who can only export the file again.
                .map_err(|_| format!("文件中的文档 {id} 无法合并，请重新导出"))?;
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
            let result = store::set_packed(&*self.store, &relayed_key(&self.ns), &packed);
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
                let owner = crate::access::owner_field(&map).and_then(|f| match doc.get(&rec, f) {
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
        crate::history::record_history(self.doc(id), map, record)
    }
}
