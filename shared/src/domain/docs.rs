//! Writing and reading the domain records in Automerge documents.
//!
//! **Branch documents** get their new root maps from a second deterministic change,
//! the *extension*: made by the genesis actor at time 0 directly on top of the branch's
//! genesis change, so it is byte-identical on every device, like genesis itself. It is
//! merged in (not written) the first time a device writes a new kind of record, so two
//! phones that both add a plan offline create the same `plans` map instead of two
//! conflicting ones. Documents made by older apps only lack the extension; `visits` and
//! the genesis are untouched, so [`read_branch_records`] reads both kinds alike (the maps
//! they lack read as empty).
//!
//! **The county office's document** ([`DocId::Office`], `county-office`) holds the
//! office's own records; its genesis is [`crate::doc::genesis`]'s like every other.

use super::records::*;
use crate::doc::{genesis, DocError, SCHEMA};
// The other documents' maps are made by their genesis (`crate::doc`).
pub use crate::doc::{put_committee_roots, put_office_roots, COMMITTEE_MAPS, OFFICE_MAPS};
use crate::ids::DocId;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ROOT};
use autosurgeon::ReadDoc;
use autosurgeon::{hydrate, hydrate_prop, reconcile_prop, Hydrate, Reconcile};
use std::collections::BTreeMap;

/// The id string of the county office's document (`DocId::Office.to_string()`).
pub const OFFICE_DOC: &str = "county-office";

/// Root maps added to branch documents by the first extension change, in creation order.
/// Changing this list or its order changes the extension's hash: a new kind's map comes
/// with a later extension instead ([`branch_extensions`], from each kind's
/// `RecordKind::EXTENSION`).
pub const BRANCH_MAPS: &[&str] = &[
    "points",
    "pairs",
    "targets",
    "plans",
    "activities",
    "deeds",
    "cultivations",
    "help",
    "trainings",
];

/// Which document a record type lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Branch,
    Office,
    Committee,
}

/// A record stored in a root map of a document, keyed by its id.
pub trait Record: Reconcile + Hydrate + Clone {
    const MAP: &'static str;
    const HOME: Home;
    fn id(&self) -> &str;
    fn withdrawn(&self) -> bool;
    fn set_withdrawn(&mut self);
}

macro_rules! record {
    ($t:ty, $map:literal, $home:ident) => {
        impl Record for $t {
            const MAP: &'static str = $map;
            const HOME: Home = Home::$home;
            fn id(&self) -> &str {
                &self.id
            }
            fn withdrawn(&self) -> bool {
                self.withdrawn
            }
            fn set_withdrawn(&mut self) {
                self.withdrawn = true;
            }
        }
    };
}

// The branch kinds' `Record` comes from their one list (`crate::records`).
record!(PlaceTag, "tags", Office);
record!(Filing, "filings", Office);
record!(Inspection, "inspections", Office);
record!(Publicity, "publicity", Office);
record!(CommitteePlan, "plans", Committee);

/// The identical first change of the county office's document.
pub fn office_genesis() -> AutoCommit {
    genesis(&DocId::Office)
}

/// Genesis plus the caller's actor.
pub fn new_office_document(actor: ActorId) -> AutoCommit {
    let mut doc = office_genesis();
    doc.set_actor(actor);
    doc
}

/// The maps each extension adds to a branch document, in order: the first is
/// [`BRANCH_MAPS`] (frozen), each later one the maps of the kinds that name it
/// (`RecordKind::EXTENSION`), in the kinds' list order. An extension, once released, must
/// not change: its change's hash is what makes every device's copy the same one.
pub fn branch_extensions() -> Vec<Vec<&'static str>> {
    let last = crate::records::BRANCH_KIND_MAPS
        .iter()
        .map(|(_, e)| *e)
        .max()
        .unwrap_or(1);
    let mut out = vec![BRANCH_MAPS.to_vec()];
    for n in 2..=last {
        out.push(
            crate::records::BRANCH_KIND_MAPS
                .iter()
                .filter(|(_, e)| *e == n)
                .map(|(m, _)| *m)
                .collect(),
        );
    }
    out
}

/// Genesis and every extension of a branch document, all by the genesis actor at time
/// 0, each directly on top of the one before: byte-identical on every device.
fn branch_extension(branch: &str) -> Result<AutoCommit, DocError> {
    let id = DocId::branch(branch).map_err(|_| DocError::MissingRoot("branch"))?;
    let mut doc = genesis(&id);
    for maps in branch_extensions() {
        for key in maps {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        doc.commit_with(CommitOptions::default().with_time(0));
    }
    Ok(doc)
}

/// A new branch document with the extensions already in: what a device should create
/// from now on. Merges with documents made by [`crate::doc::new_document`].
pub fn new_branch_document(branch: &str, actor: ActorId) -> Result<AutoCommit, DocError> {
    let mut doc = branch_extension(branch)?;
    doc.set_actor(actor);
    Ok(doc)
}

/// Adds the extensions a branch document lacks (an older app's document has none, or
/// only the first). Idempotent.
pub fn ensure_branch_maps(doc: &mut AutoCommit) -> Result<(), DocError> {
    if crate::records::BRANCH_KIND_MAPS
        .iter()
        .all(|(k, _)| matches!(doc.get(&ROOT, *k), Ok(Some(_))))
    {
        return Ok(());
    }
    let branch: Option<String> = hydrate_prop(doc, ROOT, "branch")?;
    let branch = branch.ok_or(DocError::MissingRoot("branch"))?;
    let mut ext = branch_extension(&branch)?;
    doc.merge(&mut ext)?;
    Ok(())
}

fn check_schema(doc: &impl ReadDoc) -> Result<(), DocError> {
    let schema: Option<u64> = hydrate_prop(doc, ROOT, "schema")?;
    match schema {
        Some(s) if s > SCHEMA => Err(DocError::NewerSchema(s)),
        _ => Ok(()),
    }
}

fn root_map(doc: &AutoCommit, key: &'static str) -> Result<automerge::ObjId, DocError> {
    match doc.get(&ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::MissingRoot(key)),
    }
}

fn prepare<R: Record>(doc: &mut AutoCommit) -> Result<automerge::ObjId, DocError> {
    prepare_map(doc, R::HOME, R::MAP)
}

/// [`prepare`]'s work, not generic: one copy in the phone's wasm instead of one per kind.
fn prepare_map(
    doc: &mut AutoCommit,
    home: Home,
    name: &'static str,
) -> Result<automerge::ObjId, DocError> {
    check_schema(doc)?;
    if home == Home::Branch {
        ensure_branch_maps(doc)?;
    }
    root_map(doc, name)
}

/// Adds or updates one record and commits. Writes only that record, so its cost does
/// not grow with the document.
pub fn put<R: Record>(doc: &mut AutoCommit, record: &R, now_secs: i64) -> Result<(), DocError> {
    put_many(doc, std::slice::from_ref(record), now_secs)
}

/// Adds or updates records of one kind in one change (imports, the generator).
pub fn put_many<'a, R: Record + 'a>(
    doc: &mut AutoCommit,
    records: impl IntoIterator<Item = &'a R>,
    now_secs: i64,
) -> Result<(), DocError> {
    let map = prepare::<R>(doc)?;
    for r in records {
        reconcile_prop(doc, &map, r.id(), r)?;
    }
    doc.commit_with(CommitOptions::default().with_time(now_secs));
    Ok(())
}

/// Marks a record withdrawn; it stays in the document and its history.
pub fn withdraw<R: Record>(
    doc: &mut AutoCommit,
    id: &str,
    now_secs: i64,
) -> Result<bool, DocError> {
    set_withdrawn::<R>(doc, id, true, now_secs)
}

/// Takes a withdrawal back (issue 14: 恢复): the record counts again, and the history
/// keeps both the withdrawal and the restoration.
pub fn restore<R: Record>(doc: &mut AutoCommit, id: &str, now_secs: i64) -> Result<bool, DocError> {
    set_withdrawn::<R>(doc, id, false, now_secs)
}

/// Writes the record's `withdrawn` field alone (one field-level change), so a withdrawal
/// never touches, let alone settles, a field two people changed at once. `false` when
/// there is no such record or it already reads so.
fn set_withdrawn<R: Record>(
    doc: &mut AutoCommit,
    id: &str,
    flag: bool,
    now_secs: i64,
) -> Result<bool, DocError> {
    // Only the reading of the record is generic; the rest is in the two helpers, one
    // copy each in the phone's wasm instead of one per kind.
    let Some(map) = withdrawal_map(doc, R::HOME, R::MAP, id)? else {
        return Ok(false);
    };
    let Some(record) = hydrate_prop::<_, Option<R>, _, _>(doc, &map, id)? else {
        return Ok(false);
    };
    put_withdrawn(doc, &map, id, record.withdrawn() == flag, flag, now_secs)
}

/// The kind's root map, prepared, if it holds a record `id`.
fn withdrawal_map(
    doc: &mut AutoCommit,
    home: Home,
    name: &'static str,
    id: &str,
) -> Result<Option<automerge::ObjId>, DocError> {
    check_schema(doc)?;
    // Look before preparing: merging the extension into a document that cannot hold the
    // record would make a no-op withdrawal a change to sync.
    let exists = match doc.get(&ROOT, name)? {
        Some((automerge::Value::Object(ObjType::Map), map)) => doc.get(&map, id)?.is_some(),
        _ => false,
    };
    if !exists {
        return Ok(None);
    }
    prepare_map(doc, home, name).map(Some)
}

/// Writes `withdrawn` unless the record already reads so (`unchanged`).
fn put_withdrawn(
    doc: &mut AutoCommit,
    map: &automerge::ObjId,
    id: &str,
    unchanged: bool,
    flag: bool,
    now_secs: i64,
) -> Result<bool, DocError> {
    if unchanged {
        return Ok(false);
    }
    let Some((automerge::Value::Object(ObjType::Map), rec)) = doc.get(map, id)? else {
        return Ok(false);
    };
    doc.put(&rec, "withdrawn", flag)?;
    doc.commit_with(CommitOptions::default().with_time(now_secs));
    Ok(true)
}

/// A record's fields as the scalars autosurgeon writes for them (`None` if a field is
/// not a scalar: records are flat, so that would be a new shape).
fn scalar_fields<R: Record>(record: &R) -> Option<BTreeMap<String, automerge::ScalarValue>> {
    let mut scratch = AutoCommit::new();
    reconcile_prop(&mut scratch, ROOT, "r", record).ok()?;
    scalars_of(&scratch)
}

/// [`scalar_fields`]' reading of the scratch document, not generic (one copy, not one
/// per kind).
fn scalars_of(scratch: &AutoCommit) -> Option<BTreeMap<String, automerge::ScalarValue>> {
    let Ok(Some((automerge::Value::Object(ObjType::Map), obj))) = scratch.get(&ROOT, "r") else {
        return None;
    };
    let mut out = BTreeMap::new();
    for key in automerge::ReadDoc::keys(scratch, &obj) {
        match scratch.get(&obj, key.as_str()).ok()?? {
            (automerge::Value::Scalar(v), _) => {
                out.insert(key, v.into_owned());
            }
            (automerge::Value::Object(_), _) => return None,
        }
    }
    Some(out)
}

/// An edit (issue 14): writes only the fields of `new` that differ from `old` (the record
/// as the editor saw it), one Automerge `put` each, in one change. Two people editing
/// different fields of one record therefore merge with no conflict, the same field
/// shows in 需确认, and no field left alone is written (which would settle a conflict on
/// it). Returns the fields written; none written, no change is made. A record missing
/// from the document is put whole.
pub fn edit<R: Record>(
    doc: &mut AutoCommit,
    old: &R,
    new: &R,
    now_secs: i64,
) -> Result<Vec<String>, DocError> {
    let map = prepare::<R>(doc)?;
    let rec = match doc.get(&map, new.id())? {
        Some((automerge::Value::Object(ObjType::Map), rec)) => rec,
        _ => {
            put(doc, new, now_secs)?;
            return Ok(vec!["*".into()]);
        }
    };
    let (Some(before), Some(after)) = (scalar_fields(old), scalar_fields(new)) else {
        put(doc, new, now_secs)?;
        return Ok(vec!["*".into()]);
    };
    let changed: Vec<(String, automerge::ScalarValue)> = after
        .into_iter()
        .filter(|(k, v)| before.get(k) != Some(v))
        .collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    for (key, value) in &changed {
        doc.put(&rec, key.as_str(), value.clone())?;
    }
    doc.commit_with(CommitOptions::default().with_time(now_secs));
    Ok(changed.into_iter().map(|(k, _)| k).collect())
}

/// Reads every record of a branch document, old or new.
pub fn read_branch_records(doc: &impl ReadDoc) -> Result<BranchRecords, DocError> {
    check_schema(doc)?;
    Ok(hydrate(doc)?)
}

pub fn read_office(doc: &impl ReadDoc) -> Result<OfficeRecords, DocError> {
    check_schema(doc)?;
    Ok(hydrate(doc)?)
}

pub fn read_committee(doc: &impl ReadDoc) -> Result<CommitteeRecords, DocError> {
    check_schema(doc)?;
    Ok(hydrate(doc)?)
}

/// Checks that a document still reads as its schema after changes made since `before`
/// (the server refuses changes that would break readers). Branch documents are checked
/// record by record ([`check_branch_changes`]); the others are small and read whole.
pub fn check_doc_changes(
    id: &DocId,
    doc: &mut AutoCommit,
    before: &[automerge::ChangeHash],
) -> Result<(), DocError> {
    match id {
        DocId::Branch(_) => check_branch_changes(doc, before),
        DocId::Committee(c) => {
            let read = read_committee(doc)?;
            if read.committee != *c {
                return Err(DocError::MissingRoot("committee"));
            }
            Ok(())
        }
        DocId::Office => read_office(doc).map(|_| ()),
        DocId::Registry => crate::doc::read_registry(doc).map(|_| ()),
    }
}

/// The county's documents, as the server holds them.
pub struct CountyDocs {
    pub registry: AutoCommit,
    /// Branch id → `branch/<id>` document.
    pub branches: BTreeMap<String, AutoCommit>,
    pub office: AutoCommit,
}

impl CountyDocs {
    /// Reads all documents into what the rules take.
    pub fn read(&self) -> Result<CountyData, DocError> {
        Ok(CountyData {
            registry: crate::doc::read_registry(&self.registry)?,
            branches: self
                .branches
                .iter()
                .map(|(id, d)| Ok((id.clone(), read_branch_records(d)?.into())))
                .collect::<Result<_, DocError>>()?,
            office: read_office(&self.office)?,
        })
    }

    /// Bytes of all documents saved in full.
    pub fn saved_bytes(&mut self) -> usize {
        self.registry.save().len()
            + self.office.save().len()
            + self
                .branches
                .values_mut()
                .map(|d| d.save().len())
                .sum::<usize>()
    }
}

/// Writes county data into fresh documents through the same calls the apps use:
/// `write_registry` for the registry, `put_visit` for visits, [`put_many`] for the rest
/// (one change per record kind per branch, which is what an import would do).
pub fn write_county(
    data: &CountyData,
    actor: ActorId,
    now_secs: i64,
) -> Result<CountyDocs, DocError> {
    let mut registry = crate::doc::new_document(&DocId::Registry, actor.clone());
    crate::doc::write_registry(&mut registry, &data.registry, now_secs)?;
    let mut branches = BTreeMap::new();
    for (id, b) in &data.branches {
        let mut doc = new_branch_document(id, actor.clone())?;
        write_branch(&mut doc, b, now_secs)?;
        branches.insert(id.clone(), doc);
    }
    let mut office = new_office_document(actor);
    put_many(&mut office, data.office.tags.values(), now_secs)?;
    put_many(&mut office, data.office.filings.values(), now_secs)?;
    put_many(&mut office, data.office.inspections.values(), now_secs)?;
    put_many(&mut office, data.office.publicity.values(), now_secs)?;
    Ok(CountyDocs {
        registry,
        branches,
        office,
    })
}

fn write_branch(doc: &mut AutoCommit, b: &BranchRecords, now_secs: i64) -> Result<(), DocError> {
    b.put_into(doc, now_secs)
}

/// Checks that a branch document still reads as its schema after changes made since
/// `before`, reading only the records those changes touched: reading the whole document
/// costs ≈ 0.1 ms per record, and the server checks on every sync. A change at the root
/// (a new map, the schema number) is checked by reading everything.
pub fn check_branch_changes(
    doc: &mut AutoCommit,
    before: &[automerge::ChangeHash],
) -> Result<(), DocError> {
    use automerge::Prop;
    check_schema(doc)?;
    let after = doc.get_heads();
    let mut touched: std::collections::BTreeSet<(String, String)> = Default::default();
    for patch in doc.diff(before, &after) {
        let key_of = |p: &Prop| match p {
            Prop::Map(k) => Some(k.clone()),
            Prop::Seq(_) => None,
        };
        let map = patch.path.first().and_then(|(_, p)| key_of(p));
        let id = match patch.path.get(1) {
            Some((_, p)) => key_of(p),
            None => match &patch.action {
                automerge::PatchAction::PutMap { key, .. }
                | automerge::PatchAction::DeleteMap { key } => Some(key.clone()),
                _ => None,
            },
        };
        match (map, id) {
            (Some(m), Some(i)) => {
                touched.insert((m, i));
            }
            // At the root, or a shape we do not know: read it all.
            _ => return read_branch_records(doc).map(|_| ()),
        }
    }
    for (map, id) in touched {
        let Some((automerge::Value::Object(ObjType::Map), obj)) =
            automerge::ReadDoc::get(&*doc, ROOT, map.as_str())?
        else {
            return read_branch_records(doc).map(|_| ());
        };
        if automerge::ReadDoc::get(&*doc, &obj, id.as_str())?.is_none() {
            continue;
        }
        match crate::records::check_record(doc, &map, &obj, &id) {
            Some(read) => read?,
            None => return read_branch_records(doc).map(|_| ()),
        }
    }
    Ok(())
}
