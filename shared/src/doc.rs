//! Creating, reading and writing the Automerge documents.
//!
//! Every document starts from a *genesis* change that is byte-for-byte the same wherever
//! it is made (fixed actor, fixed time). A phone that creates its branch document offline
//! and the server that creates it on start-up therefore share the same root maps, and
//! their records merge. Without this, two independently created `visits` maps would
//! conflict at the root key and one side's records would be hidden after a merge.

use crate::ids::DocId;
use crate::model::{Registry, Visit};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ROOT};
use autosurgeon::ReadDoc;
use autosurgeon::{hydrate, hydrate_prop, reconcile, reconcile_prop};

/// Schema version written into every document; readers refuse newer schemas.
pub const SCHEMA: u64 = 1;

/// The actor of genesis changes. No device uses it for anything else.
const GENESIS_ACTOR: [u8; 16] = [0; 16];

// The wrapped errors are boxed: they are large, and `DocError` travels in every Result of
// the server and the app.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("document is not readable: {0}")]
    Automerge(Box<automerge::AutomergeError>),
    #[error("document content is not as expected: {0}")]
    Hydrate(Box<autosurgeon::HydrateError>),
    #[error("could not write record: {0}")]
    Reconcile(Box<autosurgeon::ReconcileError>),
    #[error("document has no {0:?} map: not a genesis-based document")]
    MissingRoot(&'static str),
    #[error("document schema {0} is newer than this app understands ({SCHEMA}); please update")]
    NewerSchema(u64),
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Automerge(Box::new(e))
    }
}

impl From<autosurgeon::HydrateError> for DocError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        DocError::Hydrate(Box::new(e))
    }
}

impl From<autosurgeon::ReconcileError> for DocError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        DocError::Reconcile(Box::new(e))
    }
}

/// Root maps of the county office's document, in creation order (changing it changes the genesis).
pub const OFFICE_MAPS: &[&str] = &["tags", "filings", "inspections", "publicity"];

/// Root maps of a committee's document (changing it changes the genesis).
pub const COMMITTEE_MAPS: &[&str] = &["plans"];

/// Puts the county office document's root maps (after `schema`, which the caller puts).
pub fn put_office_roots<T: Transactable>(doc: &mut T) -> Result<(), automerge::AutomergeError> {
    for key in OFFICE_MAPS {
        doc.put_object(ROOT, *key, ObjType::Map)?;
    }
    Ok(())
}

/// Puts a committee document's keys (after `schema`, which the caller puts).
pub fn put_committee_roots<T: Transactable>(
    doc: &mut T,
    committee: &str,
) -> Result<(), automerge::AutomergeError> {
    doc.put(ROOT, "committee", committee)?;
    for key in COMMITTEE_MAPS {
        doc.put_object(ROOT, *key, ObjType::Map)?;
    }
    Ok(())
}

/// The identical first change of a document. The caller sets its own actor afterwards.
pub fn genesis(id: &DocId) -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
    // Puts on a fresh document cannot fail; `expect` documents that rather than hiding it.
    let put = |doc: &mut AutoCommit| -> Result<(), automerge::AutomergeError> {
        doc.put(ROOT, "schema", SCHEMA)?;
        match id {
            DocId::Registry => {
                doc.put(ROOT, "county", "")?;
                for key in ["committees", "branches", "places", "people"] {
                    doc.put_object(ROOT, key, ObjType::Map)?;
                }
            }
            DocId::Branch(b) => {
                doc.put(ROOT, "branch", b.as_str())?;
                doc.put_object(ROOT, "visits", ObjType::Map)?;
            }
            DocId::Office => put_office_roots(doc)?,
            DocId::Committee(c) => put_committee_roots(doc, c)?,
        }
        Ok(())
    };
    put(&mut doc).expect("writing a fresh genesis document cannot fail");
    doc.commit_with(CommitOptions::default().with_time(0));
    doc
}

/// Genesis plus the caller's actor: the starting point of a document on a device.
pub fn new_document(id: &DocId, actor: ActorId) -> AutoCommit {
    let mut doc = genesis(id);
    doc.set_actor(actor);
    doc
}

fn check_schema(doc: &impl ReadDoc) -> Result<(), DocError> {
    let schema: Option<u64> = hydrate_prop(doc, ROOT, "schema")?;
    match schema {
        Some(s) if s > SCHEMA => Err(DocError::NewerSchema(s)),
        _ => Ok(()),
    }
}

fn root_map(doc: &impl ReadDoc, key: &'static str) -> Result<automerge::ObjId, DocError> {
    match doc.get(&ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::MissingRoot(key)),
    }
}

/// Adds or updates one visit. Writes only that record, so its cost does not grow with the
/// number of records already in the document.
pub fn put_visit(doc: &mut AutoCommit, visit: &Visit, now_secs: i64) -> Result<(), DocError> {
    check_schema(doc)?;
    let visits = root_map(doc, "visits")?;
    reconcile_prop(doc, &visits, visit.id.as_str(), visit)?;
    doc.commit_with(CommitOptions::default().with_time(now_secs));
    Ok(())
}

pub fn read_registry(doc: &impl ReadDoc) -> Result<Registry, DocError> {
    check_schema(doc)?;
    Ok(hydrate(doc)?)
}

/// Replaces the registry's content (county office only). Unchanged entries produce no ops.
pub fn write_registry(
    doc: &mut AutoCommit,
    registry: &Registry,
    now_secs: i64,
) -> Result<(), DocError> {
    check_schema(doc)?;
    reconcile(
        doc,
        RegistryRoot {
            schema: SCHEMA,
            registry,
        },
    )?;
    doc.commit_with(CommitOptions::default().with_time(now_secs));
    Ok(())
}

/// The registry plus the schema key, so reconciling the root keeps `schema` in place.
struct RegistryRoot<'a> {
    schema: u64,
    registry: &'a Registry,
}

impl autosurgeon::Reconcile for RegistryRoot<'_> {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        use autosurgeon::reconcile::MapReconciler;
        let mut m = reconciler.map()?;
        m.put("schema", self.schema)?;
        m.put("county", &self.registry.county)?;
        m.put("committees", &self.registry.committees)?;
        m.put("branches", &self.registry.branches)?;
        m.put("places", &self.registry.places)?;
        m.put("people", &self.registry.people)?;
        // Issue 13: written once there is staff, so a registry without any stays
        // byte-for-byte what older servers wrote.
        if !self.registry.staff.is_empty() {
            m.put("staff", &self.registry.staff)?;
        }
        Ok(())
    }
}
