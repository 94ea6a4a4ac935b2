//! The server's side of sync: documents held in memory, one Automerge sync state per
//! device and document, and durable storage of every change before it is acknowledged.

use crate::store::{DocStore, StoreError};
use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit, ChangeHash};
use shared::access::{foreign_records, system_changes, Access};
use shared::doc::{new_document, read_registry, DocError};
use shared::domain::docs::{check_branch_changes, read_branch_records, read_office};
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
    /// Whether a change made by this actor may come from this user.
    fn may_author(&self, actor: &ActorId) -> bool;
    /// `Some(user id)` when the user may only add and edit records under their own name.
    fn own_records_only(&self) -> Option<&str>;
}

/// After this many incremental chunks a document is compacted into one full save.
const COMPACT_AFTER_CHUNKS: usize = 64;

/// The server's own actor: it only writes genesis-based documents it creates and the registry.
fn server_actor() -> ActorId {
    ActorId::from(*b"sanlian-server\0\0")
}

struct Entry {
    doc: AutoCommit,
    chunks: usize,
    peers: HashMap<String, sync::State>,
    /// The branch records as of the heads they were read at: hydrating a whole county
    /// takes seconds, so views re-read only documents that changed.
    records: Option<(Vec<ChangeHash>, Arc<BranchRecords>)>,
}

/// Holds every document the server has touched. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn DocStore>,
    docs: Mutex<HashMap<DocId, Arc<Mutex<Entry>>>>,
    /// The 机关/事业 branches of the registry: the only branch documents that may exist.
    branches: RwLock<HashSet<String>>,
    /// Bumped on every durable change, so cached views know when they are stale.
    generation: AtomicU64,
    /// The registry as of the heads it was read at: every sync request's access check
    /// reads it, and hydrating a county's registry on each would dominate small syncs.
    registry: Mutex<Option<(Vec<ChangeHash>, Arc<Registry>)>>,
    /// Device → (last sync, seconds since the epoch; what it reported). Sync health only,
    /// so kept in memory: after a restart devices reappear at their next sync.
    devices: Mutex<std::collections::BTreeMap<String, (i64, shared::office::DeviceReport)>>,
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
        let hub = Hub {
            inner: Arc::new(Inner {
                store,
                docs: Mutex::new(HashMap::new()),
                branches: RwLock::new(HashSet::new()),
                generation: AtomicU64::new(0),
                registry: Mutex::new(None),
                devices: Mutex::new(Default::default()),
            }),
        };
        hub.refresh_branches()?;
        Ok(hub)
    }

    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> Result<bool, HubError> {
        Ok(self.inner.store.list()?.is_empty())
    }

    fn refresh_branches(&self) -> Result<(), HubError> {
        let registry = self.registry()?;
        let ids = registry.writing_branches().map(|b| b.id.clone()).collect();
        *self
            .inner
            .branches
            .write()
            .unwrap_or_else(|e| e.into_inner()) = ids;
        Ok(())
    }

    /// Loads a document into memory; a document never stored starts from its genesis.
    fn entry(&self, id: &DocId) -> Result<Arc<Mutex<Entry>>, HubError> {
        if let Some(e) = lock(&self.inner.docs).get(id) {
            return Ok(e.clone());
        }
        let key = id.to_string();
        let chunks = self.inner.store.load(&key)?;
        // A document never stored is its genesis, in memory only: reading must not make
        // the store look non-empty. The first durable change writes the genesis with it.
        let chunk_count = chunks.len();
        let entry = match self.load_checked(id, chunks) {
            Ok((doc, records)) => Entry {
                doc,
                chunks: chunk_count,
                peers: HashMap::new(),
                records,
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
                    peers: HashMap::new(),
                    records: None,
                }
            }
            Err(e) => return Err(e),
        };
        let mut docs = lock(&self.inner.docs);
        // Another request may have loaded it meanwhile; keep the first so no state is split.
        Ok(docs
            .entry(id.clone())
            .or_insert_with(|| Arc::new(Mutex::new(entry)))
            .clone())
    }

    /// Loads a stored document and, for a branch, reads it once, so a document that loads
    /// but no longer reads as its schema is caught here rather than in every view.
    #[allow(clippy::type_complexity)]
    fn load_checked(
        &self,
        id: &DocId,
        chunks: Vec<Vec<u8>>,
    ) -> Result<(AutoCommit, Option<(Vec<ChangeHash>, Arc<BranchRecords>)>), HubError> {
        let stored = !chunks.is_empty();
        let mut doc = self.load_doc(id, chunks)?;
        let corrupt = |reason: String| HubError::Corrupt {
            doc: id.to_string(),
            reason,
        };
        let records = match id {
            DocId::Branch(_) if stored => {
                let r = read_branch_records(&doc).map_err(|e| corrupt(e.to_string()))?;
                Some((doc.get_heads(), Arc::new(r)))
            }
            DocId::Registry if stored => {
                read_registry(&doc).map_err(|e| corrupt(e.to_string()))?;
                None
            }
            DocId::Office if stored => {
                read_office(&doc).map_err(|e| corrupt(e.to_string()))?;
                None
            }
            _ => None,
        };
        Ok((doc, records))
    }

    /// Documents moved aside because they could not be loaded.
    pub fn quarantined(&self) -> Result<Vec<crate::store::Quarantined>, HubError> {
        Ok(self.inner.store.quarantined()?)
    }

    fn load_doc(&self, id: &DocId, chunks: Vec<Vec<u8>>) -> Result<AutoCommit, HubError> {
        if chunks.is_empty() {
            return Ok(new_document(id, server_actor()));
        }
        let mut doc = AutoCommit::load(&chunks.concat())
            .map_err(|e| HubError::Corrupt {
                doc: id.to_string(),
                reason: e.to_string(),
            })?
            .with_actor(server_actor());
        // `load` leaves the save cursor at the start; without this the next incremental
        // save would store the whole history again.
        let _ = doc.save_incremental();
        Ok(doc)
    }

    /// Drops the in-memory copy, so the next use reloads what is on disk.
    fn evict(&self, id: &DocId) {
        lock(&self.inner.docs).remove(id);
    }

    /// Puts the entry back to what is on disk, under its lock, so no other request ever
    /// sees a change that is being refused. Sync states restart: peers re-offer their
    /// changes in their next session.
    fn revert(&self, id: &DocId, e: &mut Entry) -> Result<(), HubError> {
        let chunks = self.inner.store.load(&id.to_string())?;
        e.chunks = chunks.len();
        e.doc = self.load_doc(id, chunks)?;
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
        let entry = self.entry(&DocId::Registry)?;
        let mut e = lock(&entry);
        let heads = e.doc.get_heads();
        if let Some((h, r)) = &*lock(&self.inner.registry) {
            if *h == heads {
                return Ok(r.clone());
            }
        }
        let registry = Arc::new(read_registry(&e.doc).map_err(|err| HubError::Corrupt {
            doc: "registry".into(),
            reason: err.to_string(),
        })?);
        *lock(&self.inner.registry) = Some((heads, registry.clone()));
        Ok(registry)
    }

    /// Writes the registry (county office / demo start-up) durably.
    pub fn write_registry(&self, registry: &Registry, now_secs: i64) -> Result<(), HubError> {
        self.modify(&DocId::Registry, |doc| {
            shared::doc::write_registry(doc, registry, now_secs)
        })?;
        self.refresh_branches()
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
        let chunk = e.doc.save_incremental();
        if chunk.is_empty() {
            return Ok(());
        }
        let key = id.to_string();
        let stored = if e.chunks >= COMPACT_AFTER_CHUNKS {
            let full = e.doc.save();
            self.inner.store.replace(&key, &full).map(|()| e.chunks = 1)
        } else {
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
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Handles one sync round for all documents in the request.
    pub fn sync(&self, req: SyncRequest, guard: &dyn SyncGuard) -> Result<SyncResponse, HubError> {
        let mut resp = SyncResponse::default();
        for DocMessage { doc, msg } in req.docs {
            match self.sync_one(guard, &req.device, req.reset, &doc, &msg) {
                Ok(Some(reply)) => resp.docs.push(DocMessage { doc, msg: reply }),
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
        };
        let mut msg = sync::Message::decode(msg)
            .map_err(|e| SyncRefusal::Refused(format!("同步消息无法解析：{e}")))?;
        // Bundles (protocol 3) are unpacked apart from the document, so Automerge's
        // experimental bundle decoder never runs under the entry lock (see `unbundle`).
        shared::wire::unbundle(&mut msg)
            .map_err(|e| SyncRefusal::Refused(format!("同步消息无法解析：{e}")))?;
        if !writable && !msg.changes.is_empty() {
            return Err(SyncRefusal::Refused(match id {
                DocId::Branch(_) => format!("无权修改 {id}，修改未保存"),
                _ => format!("{id} 是只读文档"),
            }));
        }
        let entry = self.entry(&id)?;
        let mut e = lock(&entry);
        let before = e.doc.get_heads();
        let mut state = e.peers.remove(device).unwrap_or_default();
        if reset {
            // A new session: keep only what both sides are known to share, so anything
            // in flight when the last session broke off is offered again.
            state = sync::State::decode(&state.encode()).unwrap_or_default();
        }
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
        if let Err(err) = received {
            self.revert(&id, &mut e)?;
            return Err(SyncRefusal::Refused(format!("同步消息无法应用：{err}")));
        }
        if e.doc.get_heads() != before {
            // Every new change must be by an actor bound to this user (or be one of the
            // changes every device makes alike): otherwise the history's "who" is forged.
            // Checked under the entry lock, before anything is stored or seen by anyone.
            let system = system_changes(&id);
            let foreign = e
                .doc
                .get_changes_meta(&before)
                .iter()
                .find(|c| !guard.may_author(&c.actor) && !system.contains(&c.hash))
                .map(|c| c.actor.to_hex_string());
            if let Some(actor) = foreign {
                self.revert(&id, &mut e)?;
                return Err(SyncRefusal::Refused(format!(
                    "修改的设备编号 {actor} 未登记在本账号下，已拒收；请重新登录后再同步"
                )));
            }
            if let Some(me) = guard.own_records_only() {
                let foreign = foreign_records(&mut e.doc, &before, me);
                if !foreign.is_empty() {
                    self.revert(&id, &mut e)?;
                    return Err(SyncRefusal::Refused(format!(
                        "只能记录和修改本人的记录，支部的结对、方案、活动和实事由支部书记记录（{}），已拒收",
                        foreign.join("、")
                    )));
                }
            }
            // Changes that do not read as a branch document would break every reader:
            // refuse them before they reach the disk or any other phone.
            if let Err(err) = check_branch_changes(&mut e.doc, &before) {
                self.revert(&id, &mut e)?;
                return Err(SyncRefusal::Refused(format!(
                    "内容不符合格式，已拒收：{err}"
                )));
            }
            self.persist(&id, &mut e)?;
        }
        // A phone that missed several colleagues' changes gets them as one bundle (wire
        // only: what is stored above is ordinary changes; see `shared::wire`).
        let reply = e.doc.sync().generate_sync_message(&mut state);
        let reply = reply.map(|mut m| {
            shared::wire::bundle_changes(&e.doc, &mut m);
            m.encode()
        });
        e.peers.insert(device.to_string(), state);
        Ok(reply)
    }

    /// Every stored branch document's records, for the county's merged views; documents
    /// unchanged since they were last read are not read again.
    pub fn all_branch_records(&self) -> Result<Vec<(String, Arc<BranchRecords>)>, HubError> {
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
        let mut out = Vec::new();
        for b in branches {
            let id = DocId::Branch(b.clone());
            if !stored.contains(&id.to_string()) && !lock(&self.inner.docs).contains_key(&id) {
                continue;
            }
            let entry = self.entry(&id)?;
            let mut e = lock(&entry);
            let heads = e.doc.get_heads();
            let records = match &e.records {
                Some((h, r)) if *h == heads => r.clone(),
                _ => {
                    let r =
                        Arc::new(
                            read_branch_records(&e.doc).map_err(|err| HubError::Corrupt {
                                doc: id.to_string(),
                                reason: err.to_string(),
                            })?,
                        );
                    e.records = Some((heads, r.clone()));
                    r
                }
            };
            out.push((b, records));
        }
        Ok(out)
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
        let registry = self.registry()?;
        let branches = self
            .all_branch_records()?
            .into_iter()
            .map(|(b, r)| (b, (*r).clone()))
            .collect();
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
            .or_else(|| devices.get(device).map(|(_, r)| r.clone()))
            .unwrap_or_default();
        devices.insert(device.to_string(), (now_secs, report));
    }

    /// Every device heard from since the server started: last sync and last report.
    pub fn devices(&self) -> Vec<(String, i64, shared::office::DeviceReport)> {
        lock(&self.inner.devices)
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
