//! The whole 三联共建 domain beyond visits (issue 3): the records of the three links and of
//! the county office, where they are stored, the notice's rules, and a generated county.
//!
//! - [`records`]: the records, mapped onto Automerge with autosurgeon.
//! - [`docs`]: which document each record lives in; writing and reading them.
//! - [`rules`]: the notice's rules as pure functions yielding findings.
//! - [`my_branch`]: 本支部, what a secretary's phone shows of their branch.
//! - [`generator`]: a deterministic county with known gaps and its answer key.

pub mod docs;
pub mod generator;
pub mod my_branch;
pub mod records;
pub mod rules;
