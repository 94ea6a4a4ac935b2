//! The shared crate's integration tests, one binary.

mod forms;
mod merge;
mod rules;
