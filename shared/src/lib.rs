//! The 三联共建 domain, shared by the phone app and the server.
//!
//! This crate does no IO: no clock, no randomness, no network, and storage only through
//! the [`store::Store`] trait the caller implements. Callers pass in "now", ids, actors
//! and random bytes, so every behaviour here is deterministic and testable.
//! It knows nothing of leptos, axum or web_sys.
//!
//! - [`access`]: who may read and write which document, from the org tree.
//! - [`ids`]: document ids — which Automerge document a record lives in.
//! - [`model`]: the records, mapped onto Automerge with autosurgeon.
//! - [`doc`]: creating, reading and writing the documents.
//! - [`wire`]: the sync request/response types sent between phone and server.
//! - [`client`]: the phone's side of a sync session, transport passed in.
//! - [`validate`]: form validation with Chinese messages, run on the phone before saving.
//! - [`forms`]: every form a field user fills in, as data, with its validation.
//! - [`county`]: the county's merged view, computed from all documents.
//! - [`demo`]: a deterministic demo county.
//! - [`domain`]: every link, record and rule of the notice; the generated county.
//! - [`records`]: each kind of a branch document's record, one file each, listed once.
//! - [`office`]: the county office's summaries and forms as the server sends them.
//! - [`signing`]: each device's Ed25519 key and the signatures of its changes (issue 15).
//! - [`history`]: a record's 修改历史 read from the document's changes (phone and server).
//! - [`registry_admin`]: the county's 信息库: registry edits, import/export, accounts (issue 13).
//! - [`store`]: the phone's storage behind a trait (browser or memory), its formats (issue 16).
//! - [`repo`]: the phone's documents over a store: saves, pending, export/import, conflicts.
//! - [`rollover`]: last year's links offered to their owners as this year's drafts (issue 13).

pub mod access;
pub mod client;
pub mod county;
pub mod day;
pub mod demo;
pub mod doc;
pub mod domain;
pub mod engine;
pub mod forms;
pub mod history;
pub mod ids;
pub mod model;
pub mod msg;
pub mod office;
pub mod records;
pub mod registry_admin;
pub mod repo;
pub mod rollover;
pub mod signing;
pub mod store;
pub mod validate;
pub mod wire;

pub use automerge;
pub use autosurgeon;
