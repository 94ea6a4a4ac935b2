//! The shared crate's integration tests, one binary.

mod edit;
mod engine;
mod forms;
mod merge;
mod my_branch;
mod repo;
mod rules;
