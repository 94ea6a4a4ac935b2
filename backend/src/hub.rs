//! The server's side of sync: documents held in memory, one Automerge sync state per
//! device and document, and durable storage of every change before it is acknowledged.

use crate::store::{DocStore, StoreError};
use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit, ChangeHash};
use shared::access::{system_changes, Access};
use shared::doc::{new_document, read_registry, DocError};
use shared::domain::docs::{check_doc_changes, read_branch_records, read_committee, read_office};
use shared::domain::records::{BranchRecords, CountyData};
use shared::ids::DocId;
use shared::model::{Registry, Visit};
use shared::wire::{DocMessage, DocRefusal, SyncRequest, SyncResponse};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// What the user of a sync request may do; decided by `auth` from the org tree.
pub trait SyncGuard {
    /// Who is syncing, for the log.
    fn who(&self) -> &str;
    fn access(&self, doc: &DocId) -> Access;
    /// Judges the changes a message added to a writable document since `before`, leaving
    /// out `system` (the changes every device makes alike): whose actor made each, and
    /// whether that person may write what it touched. `Ok(Err(reason))` refuses them all;
    /// the hub then reverts the document, so nothing of them is kept.
    fn check_changes(
        &self,
        doc: &DocId,
        am: &mut AutoCommit,
        before: &[ChangeHash],
        system: &[ChangeHash],
    ) -> Result<Result<(), String>, StoreError>;
    /// Judges the signatures of the same changes (issue 15) against `sigs`, the ones sent
    /// with the message: `Ok(Ok(kept))` are the signatures to keep once the changes are
    /// stored, `Ok(Err(reason))` refuses them all. By default nothing is checked (benches).
    fn check_signatures(
        &self,
        _doc: &DocId,
        _am: &mut AutoCommit,
        _before: &[ChangeHash],
        _system: &[ChangeHash],
        _sigs: &HashMap<ChangeHash, Vec<u8>>,
    ) -> Result<Result<KeptSignatures, String>, StoreError> {
        Ok(Ok(Vec::new()))
    }
    /// Keeps the signatures of changes just stored.
    fn keep_signatures(&self, _sigs: &[([u8; 32], Vec<u8>)]) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Signatures to keep once their changes are stored: (change hash, signature).
pub type KeptSignatures = Vec<([u8; 32], Vec<u8>)>;

/// After this many incremental chunks a document is compacted into one full save.
const COMPACT_AFTER_CHUNKS: usize = 64;

/// Documents held in memory at once. A branch document of the full county (≈ 300
/// records) takes ≈ 160 KB in memory, ≈ 290 KB once its records are read for a county
/// view, so the whole county (320 branches) fits; past this many the least recently used idle ones are
/// dropped (what is in memory is always what is on disk, so nothing is lost) and loaded
/// again at their next use.
pub const DEFAULT_MAX_OPEN_DOCS: usize = 384;

/// Sync states kept per document. Each device syncing a document has one; past this many
/// the least recently used is dropped, which costs that device one more round trip in its
/// next session (it then starts from what both sides surely share, as after a restart).
const MAX_PEERS_PER_DOC: usize = 512;

/// The server's own actor: it only writes genesis-based documents it creates and the registry.
fn server_actor() -> ActorId {
    ActorId::from(*b"sanlian-server\0\0")
}

struct Entry {
    doc: AutoCommit,
    chunks: usize,
    /// The heads of what is on disk: the next chunk holds the changes after them.
    saved: Vec<ChangeHash>,
    /// Device → (sync state, use tick for dropping the least recently used).
    peers: HashMap<String, (sync::State, u64)>,
    peer_tick: u64,
    /// The branch records as of the heads they were read at: hydrating a whole county
    /// takes seconds, so views re-read only documents that changed.
    records: Option<(Vec<ChangeHash>, Arc<BranchRecords>)>,
    /// The changes every device makes alike (the document's genesis), once computed.
    system: Option<Arc<Vec<ChangeHash>>>,
}

/// Holds every document the server has touched. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// The documents in memory, with a use tick each for dropping the least recently used.
struct Docs {
    map: HashMap<DocId, (Arc<Mutex<Entry>>, u64)>,
    tick: u64,
    max: usize,
}

impl Docs {
    fn get(&mut self, id: &DocId) -> Option<Arc<Mutex<Entry>>> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(id).map(|(e, t)| {
            *t = tick;
            e.clone()
        })
    }

    /// Keeps the first entry inserted for an id, so no document's state is ever split.
    fn insert(&mut self, id: &DocId, entry: Entry) -> Arc<Mutex<Entry>> {
        self.tick += 1;
        let tick = self.tick;
        let e = self
            .map
            .entry(id.clone())
            .or_insert_with(|| (Arc::new(Mutex::new(entry)), tick))
            .0
            .clone();
        self.shrink();
        e
    }

    /// Drops the least recently used documents nobody is using until at most `max` remain.
    /// The registry and the county office's document are read on every request: they stay.
    fn shrink(&mut self) {
        if self.map.len() <= self.max {
            return;
        }
        let mut idle: Vec<(u64, DocId)> = self
            .map
            .iter()
            .filter(|(id, (e, _))| matches!(id, DocId::Branch(_)) && Arc::strong_count(e) == 1)
            .map(|(id, (_, t))| (*t, id.clone()))
            .collect();
        idle.sort_unstable_by_key(|(t, _)| *t);
        let excess = self.map.len() - self.max;
        for (_, id) in idle.into_iter().take(excess) {
            self.map.remove(&id);
        }
    }
}

struct Inner {
    store: Arc<dyn DocStore>,
    docs: Mutex<Docs>,
    /// The 机关/事业 branches of the registry: the only branch documents that may exist.
    branches: RwLock<HashSet<String>>,
    /// Bumped on every durable change, so cached views know when they are stale.
    generation: AtomicU64,
    /// How many times every branch document's records were gathered for a county view:
    /// the cheapest witness that the views read the county once per change, not once each.
    county_reads: AtomicU64,
    /// The registry as of the heads it was read at: every sync request's access check
    /// reads it, and hydrating a county's registry on each would dominate small syncs.
    registry: Mutex<Option<(Vec<ChangeHash>, Arc<Registry>)>>,
    /// Device → (last sync, seconds since the epoch; what it reported), and what is not
    /// yet stored. Stored in batches, not at every sync: a sync would otherwise pay a
    /// second disk flush for a health line.
    devices: Mutex<Devices>,
}

#[derive(Default)]
struct Devices {
    seen: std::collections::BTreeMap<String, (i64, shared::office::DeviceReport)>,
    unstored: std::collections::BTreeSet<String>,
    stored_at: i64,
}

/// Sync health reaches the disk at most this often (and when the server stops): a crash
/// loses at most this much of it, and a silent device is counted in days.
const DEVICES_STORED_EVERY_SECS: i64 = 60;

impl Inner {
    fn store_devices(&self, devices: &mut Devices, now_secs: i64) -> Result<(), StoreError> {
        if devices.unstored.is_empty() {
            return Ok(());
        }
        let batch: Vec<crate::store::DeviceSeen> = devices
            .unstored
            .iter()
            .filter_map(|d| {
                let (t, r) = devices.seen.get(d)?;
                Some(crate::store::DeviceSeen {
                    device: d.clone(),
                    last_sync: *t,
                    report: r.clone(),
                })
            })
            .collect();
        self.store.put_devices(&batch)?;
        devices.unstored.clear();
        devices.stored_at = now_secs;
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let mut devices = std::mem::take(&mut *lock(&self.devices));
        if let Err(e) = self.store_devices(&mut devices, unix_now()) {
            tracing::warn!(error = %e, "sync health not stored at shutdown");
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Entries are only mutated by automerge calls that leave them whole even if we
    // panicked afterwards; a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored document {doc} cannot be loaded: {reason}")]
    Corrupt { doc: String, reason: String },
}

impl Hub {
    pub fn new(store: Arc<dyn DocStore>) -> Result<Self, HubError> {
        let devices = Devices {
            seen: store
                .devices()?
                .into_iter()
                .map(|d| (d.device, (d.last_sync, d.report)))
                .collect(),
            ..Default::default()
        };
        let hub = Hub {
            inner: Arc::new(Inner {
                store,
                docs: Mutex::new(Docs {
                    map: HashMap::new(),
                    tick: 0,
                    max: DEFAULT_MAX_OPEN_DOCS,
                }),
                branches: RwLock::new(HashSet::new()),
                generation: AtomicU64::new(0),
                county_reads: AtomicU64::new(0),
                registry: Mutex::new(None),
                devices: Mutex::new(devices),
            }),
        };
        hub.refresh_branches()?;
        Ok(hub)
    }

    /// How many documents stay in memory at most (see [`DEFAULT_MAX_OPEN_DOCS`]).
    pub fn set_max_open_docs(&self, max: usize) {
        let mut docs = lock(&self.inner.docs);
        docs.max = max.max(1);
        docs.shrink();
    }

    /// How many documents are in memory now.
    pub fn open_docs(&self) -> usize {
        lock(&self.inner.docs).map.len()
    }

    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// How many times [`Hub::all_branch_records`] gathered the county so far.
    pub fn county_reads(&self) -> u64 {
        self.inner.county_reads.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> Result<bool, HubError> {
        Ok(self.inner.store.list()?.is_empty())
    }

    fn refresh_branches(&self) -> Result<(), HubError> {
        let registry = self.shared_registry()?;
        let ids = registry.writing_branches().map(|b| b.id.clone()).collect();
        *self
            .inner
            .branches
            .write()
            .unwrap_or_else(|e| e.into_inner()) = ids;
        Ok(())
    }

    /// Loads stored documents into memory until the cache is full, so the first sync of
    /// each after a start does not pay for loading it (≈ 8 ms for a county branch: with
    /// hundreds of phones reconnecting after a restart, those loads were the latency
    /// tail). Meant for a background thread at start; a sync that comes first loads its
    /// document itself, and the first copy in memory is kept. Returns how many it loaded.
    pub fn warm(&self) -> Result<usize, HubError> {
        let mut loaded = 0;
        for key in self.inner.store.list()? {
            let Ok(id) = DocId::parse(&key) else {
                continue;
            };
            {
                let docs = lock(&self.inner.docs);
                if docs.map.len() >= docs.max {
                    break;
                }
                if docs.map.contains_key(&id) {
                    continue;
                }
            }
            self.entry(&id)?;
            loaded += 1;
        }
        Ok(loaded)
    }

    /// Loads a document into memory; a document never stored starts from its genesis.
    fn entry(&self, id: &DocId) -> Result<Arc<Mutex<Entry>>, HubError> {
        if let Some(e) = lock(&self.inner.docs).get(id) {
            return Ok(e);
        }
        let key = id.to_string();
        let chunks = self.inner.store.load(&key)?;
        // A document never stored is its genesis, in memory only: reading must not make
        // the store look non-empty. The first durable change writes the genesis with it.
        let chunk_count = chunks.len();
        let entry = match self.load_checked(id, chunks) {
            Ok(mut doc) => Entry {
                saved: if chunk_count == 0 {
                    Vec::new()
                } else {
                    doc.get_heads()
                },
                doc,
                chunks: chunk_count,
                peers: HashMap::new(),
                peer_tick: 0,
                records: None,
                system: None,
            },
            Err(HubError::Corrupt { doc, reason }) => {
                // One damaged document must not take the county down: move it aside for
                // an operator and start it again; the phones that wrote it still hold
                // its changes and send them in their next session.
                tracing::error!(%doc, %reason, "stored document cannot be loaded: quarantined");
                self.inner.store.quarantine(&key, &reason, unix_now())?;
                self.inner.generation.fetch_add(1, Ordering::AcqRel);
                Entry {
                    doc: new_document(id, server_actor()),
                    chunks: 0,
                    saved: Vec::new(),
                    peers: HashMap::new(),
                    peer_tick: 0,
                    records: None,
                    system: None,
                }
            }
            Err(e) => return Err(e),
        };
        // Another request may have loaded it meanwhile; the first is kept.
        Ok(lock(&self.inner.docs).insert(id, entry))
    }

    /// Loads a stored document; the registry and the office's document are read once, so
    /// one that loads but no longer reads as its schema is caught here. A branch document
    /// is only loaded (Automerge checks every chunk's checksum): reading all its records
    /// takes 3× as long as loading it, and the first sync of every branch would pay that.
    /// Its records are read, and checked, at the first county view (`all_branch_records`),
    /// which quarantines it as here if they do not read; every change a phone sends is
    /// checked against the schema before it is stored.
    fn load_checked(&self, id: &DocId, chunks: Vec<Vec<u8>>) -> Result<AutoCommit, HubError> {
        let stored = !chunks.is_empty();
        let doc = self.load_doc(id, chunks)?;
        let corrupt = |reason: String| HubError::Corrupt {
            doc: id.to_string(),
            reason,
        };
        match id {
            DocId::Registry if stored => {
                read_registry(&doc).map_err(|e| corrupt(e.to_string()))?;
            }
            DocId::Office if stored => {
                read_office(&doc).map_err(|e| corrupt(e.to_string()))?;
            }
            DocId::Committee(_) if stored => {
                read_committee(&doc).map_err(|e| corrupt(e.to_string()))?;
            }
            _ => {}
        }
        Ok(doc)
    }

    /// Documents moved aside because they could not be loaded.
    pub fn quarantined(&self) -> Result<Vec<crate::store::Quarantined>, HubError> {
        Ok(self.inner.store.quarantined()?)
    }

    fn load_doc(&self, id: &DocId, chunks: Vec<Vec<u8>>) -> Result<AutoCommit, HubError> {
        if chunks.is_empty() {
            return Ok(new_document(id, server_actor()));
        }
        // The next chunk is saved after `Entry::saved`, not with `save_incremental`, whose
        // cursor `load` leaves at the start: moving it would encode the whole history.
        Ok(AutoCommit::load(&chunks.concat())
            .map_err(|e| HubError::Corrupt {
                doc: id.to_string(),
                reason: e.to_string(),
            })?
            .with_actor(server_actor()))
    }

    /// Drops the in-memory copy, so the next use reloads what is on disk.
    fn evict(&self, id: &DocId) {
        lock(&self.inner.docs).map.remove(id);
    }

    /// Puts the entry back to what is on disk, under its lock, so no other request ever
    /// sees a change that is being refused. Sync states restart: peers re-offer their
    /// changes in their next session.
    fn revert(&self, id: &DocId, e: &mut Entry) -> Result<(), HubError> {
        let chunks = self.inner.store.load(&id.to_string())?;
        e.chunks = chunks.len();
        e.doc = self.load_doc(id, chunks)?;
        e.saved = if e.chunks == 0 {
            Vec::new()
        } else {
            e.doc.get_heads()
        };
        e.peers.clear();
        Ok(())
    }

    pub fn registry(&self) -> Result<Registry, HubError> {
        let entry = self.entry(&DocId::Registry)?;
        let e = lock(&entry);
        read_registry(&e.doc).map_err(|err| HubError::Corrupt {
            doc: "registry".into(),
            reason: err.to_string(),
        })
    }

    /// The registry, read again only when it has changed.
    pub fn shared_registry(&self) -> Result<Arc<Registry>, HubError> {
        self.registry_at_heads().map(|(_, r)| r)
    }

    /// The registry and the heads it was read at (which name its version: the phones'
    /// registry slices are tagged by them).
    pub fn registry_at_heads(&self) -> Result<(Vec<ChangeHash>, Arc<Registry>), HubError> {
        let entry = self.entry(&DocId::Registry)?;
        let mut e = lock(&entry);
        let heads = e.doc.get_heads();
        if let Some((h, r)) = &*lock(&self.inner.registry) {
            if *h == heads {
                return Ok((heads, r.clone()));
            }
        }
        let registry = Arc::new(read_registry(&e.doc).map_err(|err| HubError::Corrupt {
            doc: "registry".into(),
            reason: err.to_string(),
        })?);
        *lock(&self.inner.registry) = Some((heads.clone(), registry.clone()));
        Ok((heads, registry))
    }

    /// Writes the registry (county office / demo start-up) durably.
    pub fn write_registry(&self, registry: &Registry, now_secs: i64) -> Result<(), HubError> {
        self.modify(&DocId::Registry, |doc| {
            shared::doc::write_registry(doc, registry, now_secs)
        })?;
        self.refresh_branches()
    }

    /// Applies a change made by an office user (issue 13): under `actor`, bound to them,
    /// so the document's history names who made it. The document keeps the server's actor
    /// for its own changes afterwards. A registry change refreshes the set of branches.
    pub fn modify_as(
        &self,
        id: &DocId,
        actor: &ActorId,
        f: impl FnOnce(&mut AutoCommit) -> Result<(), DocError>,
    ) -> Result<(), HubError> {
        {
            let entry = self.entry(id)?;
            let mut e = lock(&entry);
            let corrupt = |err: DocError| HubError::Corrupt {
                doc: id.to_string(),
                reason: err.to_string(),
            };
            e.doc.set_actor(actor.clone());
            let done = f(&mut e.doc);
            e.doc.set_actor(server_actor());
            if let Err(err) = done {
                // Nothing half-made stays in memory: back to what is on disk.
                let _ = self.revert(id, &mut e);
                return Err(corrupt(err));
            }
            self.persist(id, &mut e)?;
        }
        if *id == DocId::Registry {
            self.refresh_branches()?;
        }
        Ok(())
    }

    /// Reads a document under its lock.
    pub fn read<T>(&self, id: &DocId, f: impl FnOnce(&AutoCommit) -> T) -> Result<T, HubError> {
        let entry = self.entry(id)?;
        let e = lock(&entry);
        Ok(f(&e.doc))
    }

    /// Reads a document (a clone of it, so the caller may walk its history at leisure).
    pub fn snapshot(&self, id: &DocId) -> Result<AutoCommit, HubError> {
        let entry = self.entry(id)?;
        let mut e = lock(&entry);
        Ok(e.doc.fork())
    }

    /// Applies a local change to a document and stores it before returning.
    pub fn modify(
        &self,
        id: &DocId,
        f: impl FnOnce(&mut AutoCommit) -> Result<(), DocError>,
    ) -> Result<(), HubError> {
        let entry = self.entry(id)?;
        let mut e = lock(&entry);
        let corrupt = |err: DocError| HubError::Corrupt {
            doc: id.to_string(),
            reason: err.to_string(),
        };
        f(&mut e.doc).map_err(corrupt)?;
        self.persist(id, &mut e)
    }

    fn persist(&self, id: &DocId, e: &mut Entry) -> Result<(), HubError> {
        let heads = e.doc.get_heads();
        if heads == e.saved {
            return Ok(());
        }
        let key = id.to_string();
        let stored = if e.chunks >= COMPACT_AFTER_CHUNKS {
            let full = e.doc.save();
            self.inner.store.replace(&key, &full).map(|()| e.chunks = 1)
        } else {
            let chunk = e.doc.save_after(&e.saved);
            self.inner
                .store
                .append(&key, &chunk)
                .map(|()| e.chunks += 1)
        };
        if let Err(err) = stored {
            // What is in memory is not on disk: go back to the disk's version, so nobody is
            // told it is safe and the phones, which still hold the changes, send them again.
            if self.revert(id, e).is_err() {
                self.evict(id);
            }
            return Err(err.into());
        }
        e.saved = heads;
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Handles one sync round for all documents in the request.
    pub fn sync(&self, req: SyncRequest, guard: &dyn SyncGuard) -> Result<SyncResponse, HubError> {
        let mut resp = SyncResponse::default();
        for DocMessage { doc, msg, sigs } in req.docs {
            let sigs: HashMap<ChangeHash, Vec<u8>> = sigs
                .into_iter()
                .map(|s| (ChangeHash(s.hash), s.sig))
                .collect();
            match self.sync_one(guard, &req.device, req.reset, &doc, &msg, &sigs) {
                Ok(Some(reply)) => resp.docs.push(DocMessage {
                    doc,
                    msg: reply,
                    sigs: Vec::new(),
                }),
                Ok(None) => {}
                Err(SyncRefusal::Refused(reason)) => {
                    tracing::warn!(user = guard.who(), device = %req.device, %doc, %reason, "sync refused");
                    resp.refused.push(DocRefusal { doc, reason })
                }
                Err(SyncRefusal::Failed(e)) => return Err(e),
            }
        }
        Ok(resp)
    }

    fn sync_one(
        &self,
        guard: &dyn SyncGuard,
        device: &str,
        reset: bool,
        doc: &str,
        msg: &[u8],
        sigs: &HashMap<ChangeHash, Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, SyncRefusal> {
        let id = DocId::parse(doc).map_err(|e| SyncRefusal::Refused(e.to_string()))?;
        // An unreadable document is refused before it is looked up, so the reply says
        // nothing of whether it exists.
        let access = guard.access(&id);
        if access == Access::None {
            return Err(SyncRefusal::Refused(format!("无权查看 {id}")));
        }
        let writable = match &id {
            // The registry and the county office's records are written on the server only.
            DocId::Registry | DocId::Office => false,
            DocId::Branch(b) => {
                if !self
                    .inner
                    .branches
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .contains(b)
                {
                    return Err(SyncRefusal::Refused(format!("没有这个支部：{b}")));
                }
                access == Access::Write
            }
            // Only committees of the registry have one (the policy says so).
            DocId::Committee(_) => access == Access::Write,
        };
        let mut msg = sync::Message::decode(msg).map_err(|e| unreadable_message(&id, &e))?;
        // Numbers in the message Automerge trusts and would allocate by (see the function).
        shared::wire::check_message_limits(&msg).map_err(|e| unreadable_message(&id, &e))?;
        // Bundles (protocol 3) are unpacked apart from the document, so Automerge's
        // experimental bundle decoder never runs under the entry lock (see `unbundle`).
        shared::wire::unbundle(&mut msg).map_err(|e| unreadable_message(&id, &e))?;
        if !writable && !msg.changes.is_empty() {
            return Err(SyncRefusal::Refused(match id {
                DocId::Branch(_) | DocId::Committee(_) => format!("无权修改 {id}，修改未保存"),
                _ => format!("{id} 是只读文档"),
            }));
        }
        let entry = self.entry(&id)?;
        let mut e = lock(&entry);
        let before = e.doc.get_heads();
        let mut state = e.peers.remove(device).map(|(s, _)| s).unwrap_or_default();
        if reset {
            // A new session: keep only what both sides are known to share, so anything
            // in flight when the last session broke off is offered again.
            state = sync::State::decode(&state.encode()).unwrap_or_default();
        }
        // Indexes the changes as they are applied, so the checks below read only what
        // they touched instead of scanning the whole document for the difference.
        e.doc.update_diff_cursor();
        // The checks below see each change of a bundle, and `persist` stores them in
        // Automerge's stable change format, never the experimental bundle.
        // Automerge 0.12 panics on some hostile changes with a valid checksum (an actor its
        // ops name but the document lacks: `lookup_actor(..).unwrap()` in `import_ops`;
        // found by the fuzz test once it sealed its mutations). The document may then be
        // half-applied: it goes back to what is on disk, like any refused change. (Catching
        // needs `panic = "unwind"`, which the server's build profile sets.)
        let doc = &mut e.doc;
        let received = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            doc.sync()
                .receive_sync_message(&mut state, msg)
                .map_err(|err| err.to_string())
        }))
        .unwrap_or_else(|_| Err("内容无法读取".to_string()));
        let checked = self.check_and_persist(guard, &id, &mut e, &before, received, sigs);
        e.doc.reset_diff_cursor();
        checked?;
        // A phone that missed several colleagues' changes gets them as one bundle (wire
        // only: what is stored above is ordinary changes; see `shared::wire`).
        let reply = e.doc.sync().generate_sync_message(&mut state);
        let reply = reply.map(|mut m| {
            shared::wire::bundle_changes(&e.doc, &mut m);
            m.encode()
        });
        e.peer_tick += 1;
        let tick = e.peer_tick;
        e.peers.insert(device.to_string(), (state, tick));
        if e.peers.len() > MAX_PEERS_PER_DOC {
            if let Some(oldest) = e
                .peers
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(d, _)| d.clone())
            {
                e.peers.remove(&oldest);
            }
        }
        Ok(reply)
    }

    /// After a sync message was applied: refuses (and reverts) what this user may not
    /// write or what does not read as the document's schema, and stores the rest.
    fn check_and_persist(
        &self,
        guard: &dyn SyncGuard,
        id: &DocId,
        e: &mut Entry,
        before: &[ChangeHash],
        received: Result<(), String>,
        sigs: &HashMap<ChangeHash, Vec<u8>>,
    ) -> Result<(), SyncRefusal> {
        if let Err(err) = received {
            self.revert(id, e)?;
            return Err(SyncRefusal::Refused(format!("同步消息无法应用：{err}")));
        }
        if e.doc.get_heads() != before {
            // Who made each new change, and may they write what it touched? Checked under
            // the entry lock, before anything is stored or seen by anyone.
            let system = e
                .system
                .get_or_insert_with(|| Arc::new(system_changes(id)))
                .clone();
            let refusal = match guard.check_changes(id, &mut e.doc, before, &system) {
                Ok(Ok(())) => None,
                Ok(Err(reason)) => Some(SyncRefusal::Refused(reason)),
                Err(err) => Some(SyncRefusal::Failed(err.into())),
            };
            if let Some(refusal) = refusal {
                self.revert(id, e)?;
                return Err(refusal);
            }
            // Each change signed by its author's device (issue 15), or refused whole.
            let kept = match guard.check_signatures(id, &mut e.doc, before, &system, sigs) {
                Ok(Ok(kept)) => kept,
                Ok(Err(reason)) => {
                    self.revert(id, e)?;
                    return Err(SyncRefusal::Refused(reason));
                }
                Err(err) => {
                    self.revert(id, e)?;
                    return Err(SyncRefusal::Failed(err.into()));
                }
            };
            // Changes that do not read as the document's schema would break every reader:
            // refuse them before they reach the disk or any other phone.
            if let Err(err) = check_doc_changes(id, &mut e.doc, before) {
                self.revert(id, e)?;
                return Err(SyncRefusal::Refused(format!(
                    "内容不符合格式，已拒收：{err}"
                )));
            }
            // The proof before the changes: a change is never stored without its
            // signature; a signature of a change whose storing then fails is harmless
            // (the phone sends both again).
            if let Err(err) = guard.keep_signatures(&kept) {
                self.revert(id, e)?;
                return Err(SyncRefusal::Failed(err.into()));
            }
            self.persist(id, e)?;
        }
        Ok(())
    }

    /// Every stored branch document's records, for the county's merged views; documents
    /// unchanged since they were last read are not read again.
    pub fn all_branch_records(&self) -> Result<Vec<(String, Arc<BranchRecords>)>, HubError> {
        self.inner.county_reads.fetch_add(1, Ordering::AcqRel);
        let mut branches: Vec<String> = self
            .inner
            .branches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        branches.sort();
        let stored: HashSet<String> = self.inner.store.list()?.into_iter().collect();
        branches.retain(|b| {
            let id = DocId::Branch(b.clone());
            stored.contains(&id.to_string()) || lock(&self.inner.docs).map.contains_key(&id)
        });
        // Loading and reading a document is CPU work independent of every other document:
        // after a start, when all of them are read, it is spread over the cores.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(branches.len().max(1));
        let per_thread = branches.len().div_ceil(threads).max(1);
        type Read = Result<Vec<(String, Arc<BranchRecords>)>, HubError>;
        let read = |chunk: &[String]| -> Read {
            let mut out = Vec::with_capacity(chunk.len());
            for b in chunk {
                if let Some(r) = self.branch_records(b)? {
                    out.push((b.clone(), r));
                }
            }
            Ok(out)
        };
        if threads <= 1 {
            return read(&branches);
        }
        let parts: Vec<Read> = std::thread::scope(|s| {
            let handles: Vec<_> = branches
                .chunks(per_thread)
                .map(|chunk| s.spawn(move || read(chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut out = Vec::with_capacity(branches.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    /// One branch document's records, read again only if it changed since last read;
    /// `None` when the stored document does not read as its schema and was quarantined.
    fn branch_records(&self, branch: &str) -> Result<Option<Arc<BranchRecords>>, HubError> {
        let id = DocId::Branch(branch.to_string());
        let entry = self.entry(&id)?;
        let mut e = lock(&entry);
        let heads = e.doc.get_heads();
        if let Some((h, r)) = &e.records {
            if *h == heads {
                return Ok(Some(r.clone()));
            }
        }
        match read_branch_records(&e.doc) {
            Ok(r) => {
                let r = Arc::new(r);
                e.records = Some((heads, r.clone()));
                Ok(Some(r))
            }
            Err(err) if e.chunks > 0 && e.saved == heads => {
                // Stored as it is, yet not readable: quarantined like a document that does
                // not load (see `entry`), and started again.
                let reason = err.to_string();
                tracing::error!(doc = %id, %reason, "stored document cannot be read: quarantined");
                self.inner
                    .store
                    .quarantine(&id.to_string(), &reason, unix_now())?;
                self.inner.generation.fetch_add(1, Ordering::AcqRel);
                e.doc = new_document(&id, server_actor());
                e.chunks = 0;
                e.saved = Vec::new();
                e.peers.clear();
                e.records = None;
                Ok(None)
            }
            Err(err) => Err(HubError::Corrupt {
                doc: id.to_string(),
                reason: err.to_string(),
            }),
        }
    }

    /// Every branch document's visits.
    pub fn all_visits(&self) -> Result<Vec<(String, Vec<Visit>)>, HubError> {
        Ok(self
            .all_branch_records()?
            .into_iter()
            .map(|(b, r)| (b, r.visits.values().cloned().collect()))
            .collect())
    }

    /// Everything the rules read: registry, every branch's records, the county office's.
    pub fn county_data(&self) -> Result<CountyData, HubError> {
        let registry = (*self.shared_registry()?).clone();
        let branches = self.all_branch_records()?.into_iter().collect();
        let office = {
            let entry = self.entry(&DocId::Office)?;
            let e = lock(&entry);
            read_office(&e.doc).map_err(|err| HubError::Corrupt {
                doc: DocId::Office.to_string(),
                reason: err.to_string(),
            })?
        };
        Ok(CountyData {
            registry,
            branches,
            office,
        })
    }

    // ------------------------------------------------------------ county office (issue 6)

    /// Remembers what a device said about itself at its sync (county sync health).
    pub fn note_device(
        &self,
        device: &str,
        report: Option<shared::office::DeviceReport>,
        now_secs: i64,
    ) {
        let mut devices = lock(&self.inner.devices);
        let report = report
            .or_else(|| devices.seen.get(device).map(|(_, r)| r.clone()))
            .unwrap_or_default();
        devices.seen.insert(device.to_string(), (now_secs, report));
        devices.unstored.insert(device.to_string());
        if now_secs - devices.stored_at >= DEVICES_STORED_EVERY_SECS {
            // Health is not worth failing a sync for: it is kept in memory and retried.
            if let Err(e) = self.inner.store_devices(&mut devices, now_secs) {
                tracing::warn!(error = %e, "sync health not stored");
            }
        }
    }

    /// Stores what devices said since the last batch (at shutdown).
    pub fn store_devices(&self) -> Result<(), HubError> {
        let mut devices = lock(&self.inner.devices);
        Ok(self.inner.store_devices(&mut devices, unix_now())?)
    }

    /// Every device heard from: last sync and last report (kept across restarts).
    pub fn devices(&self) -> Vec<(String, i64, shared::office::DeviceReport)> {
        lock(&self.inner.devices)
            .seen
            .iter()
            .map(|(d, (t, r))| (d.clone(), *t, r.clone()))
            .collect()
    }

    /// Writes one record into the county office's document, durably.
    pub fn put_office_record<R: shared::domain::docs::Record>(
        &self,
        record: &R,
        now_secs: i64,
    ) -> Result<(), HubError> {
        debug_assert!(R::HOME == shared::domain::docs::Home::Office);
        self.modify(&DocId::Office, |doc| {
            shared::domain::docs::put(doc, record, now_secs)
        })
    }
}

enum SyncRefusal {
    /// This document is refused; the rest of the request goes on.
    Refused(String),
    /// The server cannot work: the whole request fails and nothing is acknowledged.
    Failed(HubError),
}

impl From<HubError> for SyncRefusal {
    fn from(e: HubError) -> Self {
        match e {
            // One damaged document must not stop a phone from syncing the others.
            HubError::Corrupt { doc, reason } => {
                tracing::error!(%doc, %reason, "stored document cannot be loaded");
                SyncRefusal::Refused("服务器上的该文档暂时无法读取，已报告管理员".into())
            }
            e => SyncRefusal::Failed(e),
        }
    }
}

/// A sync message that does not decode: the decoder's own text goes to the log, the phone
/// gets a sentence it can show (its entries stay on it).
fn unreadable_message(id: &DocId, error: &dyn std::fmt::Display) -> SyncRefusal {
    tracing::warn!(doc = %id, %error, "sync message does not decode");
    SyncRefusal::Refused(format!("{id} 的同步消息无法解析，数据仍保存在手机上"))
}
