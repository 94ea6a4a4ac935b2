//! The phone's document engine and what its pages see (issue 18), sans-IO.
//!
//! The phone is two programs over one storage. The **pages** (`frontend/`, the first
//! load) hold no Automerge: they draw a [`View`] and record what people do as [`Op`]s.
//! The **engine** (`engine/`, fetched after the pages have started and kept by the
//! service worker) is [`Engine`]: the phone's [`Repo`] (documents, saves, sync,
//! export/import, conflicts, history) behind the calls below, and the only code that
//! writes documents.
//!
//! - **Every change is an op first.** A save, a correction, a withdrawal, a committee
//!   plan or a chosen value is written to storage as one write-once key
//!   `u.<person>.op.<writer>.<n>` ([`push_op`]) before anything else. The engine turns
//!   ops into document changes ([`Engine::apply_ops`]) and removes each op only once the
//!   chunk holding its change is stored. So an entry never waits for the engine's code
//!   to arrive (a fresh phone on a slow link saves before it has), a tab closed before
//!   its engine ran loses nothing (its ops are taken by the next engine that finds them
//!   [`ORPHAN_AFTER_MS`] old), and an engine that fails leaves every op where it was.
//! - **The view is stored.** After each change the engine writes its [`View`] as JSON
//!   to `u.<person>.view`; at the next start the pages draw it at once, before the
//!   engine has loaded, with the ops not yet applied laid over it ([`View::with_ops`]).
//!   It is a cache: any tab may write it, a stale one is replaced as soon as an engine
//!   runs, and one that does not fit in storage is removed rather than left stale.
//!
//! Two tabs applying one op (a tab whose engine was slower than [`ORPHAN_AFTER_MS`])
//! write the same values twice; [`Repo::conflicts`] shows no conflict between equal
//! values, so nothing reaches a person.

use crate::domain::records::{BranchRecords, CommitteePlan, CommitteeRecords};
use crate::forms::{Entry, FormKind};
use crate::ids::DocId;
use crate::model::Registry;
use crate::office::DeviceReport;
use crate::repo::{Conflict, Fresh, Repo};
use crate::store::{self, StorageFull, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The stored view's format: a view of another format is not drawn (the engine writes a
/// new one when it runs).
pub const VIEW_FORMAT: u32 = 1;

/// An op older than this (by the phone's own clock, which every tab reads alike) whose
/// tab has not applied it is taken by whichever engine finds it: its tab was closed
/// before its engine ran. A live tab's engine applies its own ops within moments.
pub const ORPHAN_AFTER_MS: i64 = 30_000;

/// Where the engine keeps its view for the next start.
pub const VIEW_KEY: &str = "view";

/// What a person did, as the pages record it for the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// A new record from a form.
    Save { doc: DocId, entry: Entry },
    /// A correction (issue 14): only the fields that differ from `original` are written.
    Edit {
        doc: DocId,
        entry: Entry,
        original: Entry,
    },
    Withdraw {
        doc: DocId,
        kind: FormKind,
        id: String,
    },
    Restore {
        doc: DocId,
        kind: FormKind,
        id: String,
    },
    /// A 党（工）委's own plan.
    CommitteePlan { doc: DocId, plan: CommitteePlan },
    /// The value chosen for a field holding several after a merge (需确认).
    Resolve {
        doc: DocId,
        map: String,
        record: String,
        field: String,
        chosen: Scalar,
    },
}

/// An op with when it was done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// The county's time (the phone's clock corrected by the server's): the change's time.
    pub at_ms: i64,
    /// The phone's own clock, for [`ORPHAN_AFTER_MS`].
    pub phone_ms: i64,
    pub op: Op,
}

impl Stamped {
    /// The record it concerns, and its document.
    pub fn record(&self) -> (&DocId, &str) {
        match &self.op {
            Op::Save { doc, entry } | Op::Edit { doc, entry, .. } => (doc, entry.id()),
            Op::Withdraw { doc, id, .. } | Op::Restore { doc, id, .. } => (doc, id),
            Op::CommitteePlan { doc, plan } => (doc, &plan.id),
            Op::Resolve { doc, record, .. } => (doc, record),
        }
    }
}

/// Where the person's view is stored.
pub fn view_key(person: &str) -> String {
    format!("{}{VIEW_KEY}", store::ns(person))
}

fn op_prefix(ns: &str) -> String {
    format!("{ns}op.")
}

/// Writes an op as this tab's `n`th (write-once, like the documents' chunks). The key.
pub fn push_op(
    store: &dyn Store,
    ns: &str,
    writer: &str,
    n: u32,
    op: &Stamped,
) -> Result<String, StorageFull> {
    // Zero-padded, so the keys of one tab sort in the order they were written.
    let key = format!("{}{writer}.{n:06}", op_prefix(ns));
    store::set_json(store, &key, op)?;
    Ok(key)
}

/// The writer (tab) of an op's key.
fn op_writer<'a>(ns: &str, key: &'a str) -> Option<&'a str> {
    key.strip_prefix(&op_prefix(ns))?.split('.').next()
}

/// Every op stored for the person, in the order they were made: within a tab the order
/// it wrote them (its keys), across tabs by the phone's own clock (never the corrected
/// time, which moves when the server's offset is learned), each tab's ops kept in their
/// order. An op this app cannot read (a newer app wrote it) is left in storage for an
/// app that can.
pub fn stored_ops(store: &dyn Store, ns: &str) -> Vec<(String, Stamped)> {
    let mut ops: Vec<(String, Stamped)> = store::names_with_prefix(store, &op_prefix(ns))
        .into_iter()
        .filter_map(|k| store::get_json::<Stamped>(store, &k).map(|op| (k, op)))
        .collect();
    ops.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    let mut timed: Vec<(i64, String, Stamped)> = ops
        .into_iter()
        .map(|(key, op)| {
            let writer = op_writer(ns, &key).unwrap_or_default().to_string();
            let at = last
                .get(&writer)
                .map_or(op.phone_ms, |t| (*t).max(op.phone_ms));
            last.insert(writer, at);
            (at, key, op)
        })
        .collect();
    timed.sort_by(|(ta, ka, _), (tb, kb, _)| ta.cmp(tb).then_with(|| ka.cmp(kb)));
    timed.into_iter().map(|(_, key, op)| (key, op)).collect()
}

/// A stored value of a field, as a page shows and chooses it: Automerge's scalar
/// without Automerge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Null,
    /// Anything else, as Automerge writes it (floats, bytes, counters, timestamps: no
    /// record field holds one), shown but never chosen.
    Other(String),
}

impl Scalar {
    /// As the history shows a value: strings as they are, yes/no in Chinese.
    pub fn shown(&self) -> String {
        match self {
            Scalar::Str(s) | Scalar::Other(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Uint(u) => u.to_string(),
            Scalar::Bool(true) => "是".into(),
            Scalar::Bool(false) => "否".into(),
            Scalar::Null => "（空）".into(),
        }
    }

    fn of(v: &automerge::ScalarValue) -> Self {
        use automerge::ScalarValue as S;
        match v {
            S::Str(s) => Scalar::Str(s.to_string()),
            S::Int(i) => Scalar::Int(*i),
            S::Uint(u) => Scalar::Uint(*u),
            S::Boolean(b) => Scalar::Bool(*b),
            S::Null => Scalar::Null,
            other => Scalar::Other(crate::history::show_scalar(other)),
        }
    }

    fn value(&self) -> Option<automerge::ScalarValue> {
        use automerge::ScalarValue as S;
        Some(match self {
            Scalar::Str(s) => S::Str(s.as_str().into()),
            Scalar::Int(i) => S::Int(*i),
            Scalar::Uint(u) => S::Uint(*u),
            Scalar::Bool(b) => S::Boolean(*b),
            Scalar::Null => S::Null,
            Scalar::Other(_) => return None,
        })
    }
}

/// A field of a record holding more than one value after a merge ([`Conflict`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub doc: DocId,
    pub map: String,
    pub record: String,
    pub field: String,
    /// The value shown now first, then the others.
    pub values: Vec<Scalar>,
    /// Who wrote each value, in the order of `values`.
    pub writers: Vec<Option<String>>,
    /// The person the record is under, for the right to choose.
    pub owner: Option<String>,
}

/// Everything the phone's pages draw, as the engine last read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub format: u32,
    /// Whose storage it is.
    pub person: String,
    /// The person's registry slice (issue 15).
    pub registry: Option<Registry>,
    /// Its `ETag`, sent with the next request for it.
    pub registry_etag: Option<String>,
    /// The branch documents the person writes, by document id (`branch/b1`); shared, as
    /// every page reads them after every change.
    pub branches: BTreeMap<String, Rc<BranchRecords>>,
    /// The committee documents the person writes (`committee/c1`).
    pub committees: BTreeMap<String, CommitteeRecords>,
    /// 需确认: fields of those documents' records holding several values.
    pub conflicts: Vec<ConflictView>,
    /// Records waiting for the server, of everyone in the person's storage.
    pub pending: usize,
    /// The person's own among them (the logout warning).
    pub my_pending: usize,
    /// When the oldest change still waiting was made (ms).
    pub pending_since_ms: Option<i64>,
    /// The documents holding records not yet on the server.
    pub pending_docs: Vec<DocId>,
    /// Those records (document, record id): an op on one of them adds none to `pending`.
    pub pending_ids: Vec<(DocId, String)>,
    /// A document this app cannot read: a newer app wrote it (「请更新应用」).
    pub newer_app: bool,
    /// The last save did not fit in storage (the entry is in memory and still syncs).
    pub storage_full: bool,
}

impl View {
    /// The view of nobody's storage yet (a fresh phone before the engine ran).
    pub fn empty(person: &str) -> View {
        View {
            format: VIEW_FORMAT,
            person: person.to_string(),
            ..View::default()
        }
    }

    /// The stored view of the person, if it is of this app's format.
    pub fn stored(store: &dyn Store, person: &str) -> Option<View> {
        Self::stored_json(store, person).map(|(_, view)| view)
    }

    /// [`View::stored`] with the JSON it was read from (a page compares it with the
    /// engine's next one rather than reading an equal view again).
    pub fn stored_json(store: &dyn Store, person: &str) -> Option<(String, View)> {
        let json = store.get(&view_key(person))?;
        let view = Self::parse(&json, person)?;
        Some((json, view))
    }

    /// A view's JSON, if it is of this app's format and of `person`.
    pub fn parse(json: &str, person: &str) -> Option<View> {
        serde_json::from_str::<View>(json)
            .ok()
            .filter(|v| v.format == VIEW_FORMAT && v.person == person)
    }

    /// The records of a branch document as the pages show them (none yet: empty).
    pub fn records(&self, doc: &DocId) -> Rc<BranchRecords> {
        self.branches
            .get(&doc.to_string())
            .cloned()
            .unwrap_or_default()
    }

    /// The view with `ops` the engine has not applied yet laid over it: what the
    /// person sees of their entries before the engine has run. Corrections show whole
    /// (the engine writes only the fields they changed).
    pub fn with_ops<'a>(&self, ops: impl IntoIterator<Item = &'a Stamped>) -> View {
        let mut view = self.clone();
        let mut waiting = BTreeSet::new();
        for op in ops {
            waiting.insert((op.record().0.clone(), op.record().1.to_string()));
            view.pending_since_ms = Some(
                view.pending_since_ms
                    .map_or(op.at_ms, |since| since.min(op.at_ms)),
            );
            match &op.op {
                Op::Save { doc, entry } | Op::Edit { doc, entry, .. } => {
                    if let Some(r) = branch_mut(&mut view.branches, doc) {
                        r.upsert(entry.clone());
                    }
                }
                Op::Withdraw { doc, kind, id } | Op::Restore { doc, kind, id } => {
                    let withdrawn = matches!(op.op, Op::Withdraw { .. });
                    if let Some(r) = branch_mut(&mut view.branches, doc) {
                        r.mark_withdrawn(*kind, id, withdrawn);
                    }
                }
                Op::CommitteePlan { doc, plan } => {
                    let DocId::Committee(c) = doc else { continue };
                    view.committees
                        .entry(doc.to_string())
                        .or_insert_with(|| CommitteeRecords {
                            committee: c.clone(),
                            ..CommitteeRecords::default()
                        })
                        .plans
                        .insert(plan.id.clone(), plan.clone());
                }
                Op::Resolve {
                    doc,
                    map,
                    record,
                    field,
                    ..
                } => view.conflicts.retain(|c| {
                    !(&c.doc == doc && &c.map == map && &c.record == record && &c.field == field)
                }),
            }
            if !view.pending_docs.contains(op.record().0) {
                view.pending_docs.push(op.record().0.clone());
            }
        }
        // Every op is the person's own; one on a record already waiting adds nothing.
        let new = waiting
            .iter()
            .filter(|r| !self.pending_ids.contains(r))
            .count();
        view.pending += new;
        view.my_pending += new;
        view
    }
}

/// A branch document's records in a view, made empty if the view has none yet.
fn branch_mut<'v>(
    branches: &'v mut BTreeMap<String, Rc<BranchRecords>>,
    doc: &DocId,
) -> Option<&'v mut BranchRecords> {
    let DocId::Branch(id) = doc else { return None };
    let records = branches.entry(doc.to_string()).or_insert_with(|| {
        Rc::new(BranchRecords {
            branch: id.clone(),
            ..BranchRecords::default()
        })
    });
    Some(Rc::make_mut(records))
}

/// What the engine says when it opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    /// This start's Automerge actor, to register with the server before a sync.
    pub actor: String,
    /// The person's signing key's public half (issue 15).
    pub public_key: String,
}

/// What applying the ops due came to ([`Engine::apply_ops`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    /// Ops that could not be written now (a document a newer app wrote, say): kept in
    /// storage, shown, and tried again.
    pub failed: usize,
    /// Ops set aside because applying one stopped an engine (`op-aside.` keys): kept,
    /// never applied again by themselves.
    pub set_aside: usize,
    /// What went wrong, for the log (never the page: the words are the libraries').
    pub details: Vec<String>,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.failed == 0 && self.set_aside == 0
    }
}

/// What the pages ask of the engine besides the sync messages and files ([`Engine`]'s
/// methods of the same names), as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Applies the ops in storage and `inline` ones that did not fit there. → problems
    Apply {
        inline: Vec<Stamped>,
        now_phone_ms: i64,
    },
    /// Another tab wrote a chunk of the document. → whether anything changed
    MergeStored { doc: DocId },
    /// Before a session: every tab's chunks, and every op due. → problems
    MergeAll { now_phone_ms: i64 },
    /// Another tab's sync state after its session. → whether anything changed
    ReloadState { doc: DocId },
    /// Another tab stored a registry slice. → whether anything changed
    ReloadSlice,
    /// A slice the server sent, as the server's JSON (the pages read it for themselves
    /// and never write it). → whether anything changed
    StoreRegistry { etag: String, json: String },
    /// A record's 修改历史. → lines
    History {
        doc: DocId,
        map: String,
        record: String,
    },
    /// When a withdrawn record was withdrawn (seconds). → number or null
    WithdrawnAt {
        doc: DocId,
        map: String,
        record: String,
    },
    /// Every actor of the person in the documents here (a new signing key registers them). → list
    OwnActors,
    /// After a session: the sync states are kept. → null
    Settle { docs: Vec<DocId> },
}

/// The op an engine is applying (`op-trying.<writer>`), for [`Engine::apply_ops`]'s
/// guard against an op that stops engines.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Trying {
    key: String,
    phone_ms: i64,
}

/// The engine: the phone's repo, and the view it keeps for the pages.
pub struct Engine {
    repo: Repo,
    store: Rc<dyn Store>,
    /// The documents whose records the view holds (those the person writes).
    docs: Vec<DocId>,
    /// Ops applied by this engine whose chunk is not stored yet (storage full): applied
    /// once, removed from storage once a save succeeds.
    applied: BTreeSet<String>,
    /// Inline ops applied (they have no key).
    applied_inline: Vec<Stamped>,
    /// The view's JSON and what it was read at.
    view: Option<(ViewKey, String)>,
    /// Which build of the engine this is (the pages pass its file's name): a view stored
    /// by another build is read anew, as that build may have read the documents otherwise.
    build: String,
}

/// What a view depends on ([`Repo::view_key`]).
type ViewKey = Vec<u8>;

impl Engine {
    /// Opens the storage of whoever is logged in (`me`), converting old formats
    /// ([`Repo::open`]). `docs`: the documents the person writes, whose records the view
    /// holds. Ops in storage are not applied yet: [`Command::Apply`] does.
    pub fn open(store: Rc<dyn Store>, fresh: Fresh, docs: Vec<DocId>) -> (Engine, Opened) {
        let repo = Repo::open(store.clone(), fresh);
        let opened = Opened {
            actor: repo.actor_hex(),
            public_key: repo.public_key().unwrap_or_default(),
        };
        let engine = Engine {
            repo,
            store,
            docs,
            applied: BTreeSet::new(),
            applied_inline: Vec::new(),
            view: None,
            build: String::new(),
        };
        (engine, opened)
    }

    /// Names the engine's build ([`Engine::view_json`] trusts a stored view of it).
    pub fn with_build(mut self, build: &str) -> Self {
        self.build = build.to_string();
        self
    }

    /// What the view depends on: [`Repo::view_key`], the documents it holds, the build.
    fn view_key(&mut self) -> ViewKey {
        let mut key = self.repo.view_key();
        for id in &self.docs {
            key.extend_from_slice(id.to_string().as_bytes());
            key.push(0);
        }
        key.extend_from_slice(self.build.as_bytes());
        key.extend_from_slice(&VIEW_FORMAT.to_be_bytes());
        key
    }

    /// The repo, for the sync rounds and tests.
    pub fn repo(&mut self) -> &mut Repo {
        &mut self.repo
    }

    /// Answers a [`Command`] as JSON.
    pub fn handle(&mut self, cmd: Command) -> String {
        fn json<T: Serialize>(v: &T) -> String {
            serde_json::to_string(v).unwrap_or_else(|_| "null".into())
        }
        match cmd {
            Command::Apply {
                inline,
                now_phone_ms,
            } => json(&self.apply_ops(&inline, now_phone_ms)),
            Command::MergeStored { doc } => json(&self.repo.merge_stored(&doc)),
            Command::MergeAll { now_phone_ms } => {
                self.repo.merge_all_stored();
                json(&self.apply_ops(&[], now_phone_ms))
            }
            Command::ReloadState { doc } => {
                self.repo.reload_state(&doc);
                json(&true)
            }
            Command::ReloadSlice => json(&self.repo.reload_slice()),
            Command::StoreRegistry { etag, json: slice } => {
                match serde_json::from_str::<Registry>(&slice) {
                    Ok(registry) => json(&self.repo.store_registry(etag, registry)),
                    Err(_) => json(&false),
                }
            }
            Command::History { doc, map, record } => json(&self.repo.history(&doc, &map, &record)),
            Command::WithdrawnAt { doc, map, record } => {
                json(&self.repo.withdrawn_at(&doc, &map, &record))
            }
            Command::OwnActors => json(&self.repo.own_actors()),
            Command::Settle { docs } => {
                self.repo.settle(&docs);
                json(&())
            }
        }
    }

    /// Turns the ops due into document changes: this tab's own (`inline` ones too, the
    /// pages' ops that did not fit in storage), any other tab's older than
    /// [`ORPHAN_AFTER_MS`], and every op, of any tab and age, on a record one of those
    /// touches (a correction in this tab of an entry another tab has not written yet must
    /// come after it). Each op's key is removed once the chunk holding its change is
    /// stored; an op that cannot be written now stays and is tried again. Applying one
    /// op at a time is announced in storage, so an op that stops the engine (a panic) is
    /// set aside by the next engine instead of stopping every engine after it.
    pub fn apply_ops(&mut self, inline: &[Stamped], now_phone_ms: i64) -> Applied {
        let ns = self.repo.namespace().to_string();
        let writer = self.repo.writer().to_string();
        let mut result = Applied::default();
        self.set_aside_trapped(&ns, now_phone_ms, &mut result);
        let ops = stored_ops(&*self.store, &ns);
        let own = |key: &str| op_writer(&ns, key) == Some(writer.as_str());
        let due =
            |key: &str, op: &Stamped| own(key) || now_phone_ms - op.phone_ms >= ORPHAN_AFTER_MS;
        let mut records: BTreeSet<(DocId, String)> = ops
            .iter()
            .filter(|(key, op)| due(key, op))
            .map(|(_, op)| (op.record().0.clone(), op.record().1.to_string()))
            .collect();
        records.extend(
            inline
                .iter()
                .map(|op| (op.record().0.clone(), op.record().1.to_string())),
        );
        let taken: Vec<(String, Stamped)> = ops
            .into_iter()
            .filter(|(key, op)| {
                due(key, op)
                    || records.contains(&(op.record().0.clone(), op.record().1.to_string()))
            })
            .collect();
        if taken.iter().any(|(key, _)| !own(key)) {
            // What another tab wrote of them may be stored already: read it first, so
            // equal values are not written twice.
            self.repo.merge_all_stored();
        }
        let trying = format!("{ns}op-trying.{writer}");
        let mut done = Vec::new();
        for (key, op) in &taken {
            if self.applied.contains(key) {
                done.push((key.clone(), op.record().0.clone()));
                continue;
            }
            let _ = store::set_json(
                &*self.store,
                &trying,
                &Trying {
                    key: key.clone(),
                    phone_ms: now_phone_ms,
                },
            );
            let outcome = self.apply(op);
            self.store.remove(&trying);
            match outcome {
                Ok(()) => {
                    self.applied.insert(key.clone());
                    done.push((key.clone(), op.record().0.clone()));
                }
                Err(e) => {
                    result.failed += 1;
                    result.details.push(e);
                }
            }
        }
        for op in inline {
            if !self.applied_inline.contains(op) {
                match self.apply(op) {
                    Ok(()) => self.applied_inline.push(op.clone()),
                    Err(e) => {
                        result.failed += 1;
                        result.details.push(e);
                    }
                }
            }
        }
        for (key, doc) in done {
            if self.repo.is_stored(&doc) {
                self.store.remove(&key);
                self.applied.remove(&key);
            }
        }
        result
    }

    /// Sets aside the op an engine was applying when it stopped: announced more than
    /// [`ORPHAN_AFTER_MS`] ago (a live engine applies an op in moments) and still stored.
    fn set_aside_trapped(&mut self, ns: &str, now_phone_ms: i64, result: &mut Applied) {
        let prefix = format!("{ns}op-trying.");
        for name in store::names_with_prefix(&*self.store, &prefix) {
            let Some(t) = store::get_json::<Trying>(&*self.store, &name) else {
                continue;
            };
            if now_phone_ms - t.phone_ms < ORPHAN_AFTER_MS {
                continue;
            }
            if let Some(value) = self.store.get(&t.key) {
                let aside = t.key.replacen(&op_prefix(ns), &format!("{ns}op-aside."), 1);
                if self.store.set(&aside, &value).is_ok() {
                    self.store.remove(&t.key);
                    result.set_aside += 1;
                    result.details.push(format!(
                        "set aside {}: an engine stopped applying it",
                        t.key
                    ));
                }
            }
            self.store.remove(&name);
        }
    }

    fn apply(&mut self, op: &Stamped) -> Result<(), String> {
        let secs = op.at_ms.div_euclid(1000);
        let r = &mut self.repo;
        match &op.op {
            Op::Save { doc, entry } => r.save_entry(doc, entry, secs),
            Op::Edit {
                doc,
                entry,
                original,
            } => r.edit_entry(doc, entry, original, secs).map(|_| ()),
            Op::Withdraw { doc, kind, id } => r.withdraw_entry(doc, *kind, id, secs),
            Op::Restore { doc, kind, id } => r.restore_entry(doc, *kind, id, secs),
            Op::CommitteePlan { doc, plan } => r.save_committee_plan(doc, plan, secs),
            Op::Resolve {
                doc,
                map,
                record,
                field,
                chosen,
            } => {
                // Not a value a record holds: nothing to choose (and never will be).
                let Some(value) = chosen.value() else {
                    return Ok(());
                };
                let conflict = Conflict {
                    doc: doc.clone(),
                    map: map.clone(),
                    record: record.clone(),
                    field: field.clone(),
                    values: Vec::new(),
                    writers: Vec::new(),
                    owner: None,
                };
                // A record that is gone has nothing left to choose.
                r.resolve(&conflict, &value, secs).or(Ok(()))
            }
        }
    }

    /// The view as JSON, read anew only when something it shows changed; stored for the
    /// next start (removed when it does not fit: a stale view is worse than none).
    pub fn view_json(&mut self) -> String {
        let key = self.view_key();
        if let Some((at, json)) = &self.view {
            if *at == key {
                return json.clone();
            }
        }
        let name = format!("{}{VIEW_KEY}", self.repo.namespace());
        let key_name = format!("{name}-key");
        let key_hex = crate::signing::hex(&key);
        let stored_key = self.store.get(&key_name);
        // A start that finds the documents as the stored view read them (by this build)
        // takes that view: reading a thousand records, their conflicts and what waits
        // for the server again would hold a slow phone's page for a second.
        if self.view.is_none() && stored_key.as_deref() == Some(key_hex.as_str()) {
            if let Some(json) = self.store.get(&name) {
                self.view = Some((key, json.clone()));
                return json;
            }
        }
        let view = self.read_view();
        let json = serde_json::to_string(&view).unwrap_or_default();
        if self.repo.person().is_some() {
            // An equal view stored (another tab's engine, or the last start's) is not
            // written again: 100 KB of every tab's storage events for nothing.
            let written = self.store.get(&name).as_deref() == Some(json.as_str())
                || self.store.set(&name, &json).is_ok();
            let keyed = written
                && (stored_key.as_deref() == Some(key_hex.as_str())
                    || self.store.set(&key_name, &key_hex).is_ok());
            if !keyed {
                // Stale is worse than none.
                self.store.remove(&name);
                self.store.remove(&key_name);
            }
        }
        self.view = Some((key, json.clone()));
        json
    }

    /// The view, read from the documents.
    pub fn read_view(&mut self) -> View {
        let r = &mut self.repo;
        let mut view = View::empty(r.person().unwrap_or_default());
        view.registry = r.registry();
        view.registry_etag = r.registry_etag();
        for id in &self.docs {
            match id {
                DocId::Branch(_) => {
                    view.branches.insert(id.to_string(), r.records(id));
                    view.newer_app |= r.newer_app;
                }
                DocId::Committee(_) => {
                    view.committees
                        .insert(id.to_string(), r.committee_records(id));
                }
                DocId::Registry | DocId::Office => continue,
            }
            view.conflicts
                .extend(r.conflicts(id).into_iter().map(|c| ConflictView {
                    values: c.values.iter().map(Scalar::of).collect(),
                    doc: c.doc,
                    map: c.map,
                    record: c.record,
                    field: c.field,
                    writers: c.writers,
                    owner: c.owner,
                }));
        }
        view.pending = r.pending_count();
        view.my_pending = r.my_pending_count();
        view.pending_since_ms = r.pending_since_ms();
        view.pending_docs = r.pending_docs();
        view.pending_ids = r.pending_records_all();
        view.storage_full = r.storage_error.is_some();
        view
    }

    /// What the phone tells the county office about itself with a sync request.
    pub fn report(&mut self, app_version: &str) -> DeviceReport {
        DeviceReport {
            app_version: app_version.to_string(),
            user: self.repo.person().map(str::to_string),
            pending: u32::try_from(self.repo.pending_count()).unwrap_or(u32::MAX),
            oldest_pending_ms: self.repo.pending_since_ms(),
        }
    }
}
