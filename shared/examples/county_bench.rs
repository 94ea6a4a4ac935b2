//! Times the full generated county: generation, rule evaluation, documents.
//! `cargo run -p shared --example county_bench --release` (or without `--release`).

use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec};
use shared::domain::rules::evaluate;
use std::time::Instant;

fn main() {
    let spec = GenSpec::COUNTY;
    let t = Instant::now();
    let g = generate(spec);
    let gen = t.elapsed();
    let records = g.data.record_count();
    let t = Instant::now();
    let findings = evaluate(&g.data, spec.year, spec.as_of());
    let eval = t.elapsed();
    println!(
        "generate: {records} records in {gen:?}; evaluate: {} findings in {eval:?}",
        findings.len()
    );
    let t = Instant::now();
    let mut docs = write_county(&g.data, shared::automerge::ActorId::from([7u8; 16]), 0)
        .expect("documents write");
    let write = t.elapsed();
    let t = Instant::now();
    let back = docs.read().expect("documents read");
    let read = t.elapsed();
    assert_eq!(back, g.data);
    let t = Instant::now();
    let bytes = docs.saved_bytes();
    let save = t.elapsed();
    println!(
        "documents: write {write:?}, hydrate {read:?}, save {save:?}: {bytes} B = {:.1} B/record",
        bytes as f64 / records as f64
    );
}
