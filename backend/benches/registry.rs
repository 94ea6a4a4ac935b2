//! The county's 信息库 as a workbook (issue 13), on the generator's full county
//! (≈ 20 townships, 320 places, 300+ branches, 5 000 people): writing the export, the
//! import's dry run, the real import into an empty server, the export of what was stored,
//! and re-importing that export (which must change nothing). Goals: import ≤ 5 s each,
//! export ≤ 2 s.
//!
//! `cargo bench -p backend --bench registry` (prints a table; see BENCHMARKS.md).

use backend::registry::{book::Book, create_admin, load_book, sheet, store_book};
use backend::{AppState, Config};
use shared::domain::generator::{generate, GenSpec};
use std::collections::HashMap;
use std::time::Instant;

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    let gen = generate(GenSpec::COUNTY);
    let mut book = Book {
        registry: gen.data.registry.clone(),
        ..Default::default()
    };
    for (i, id) in book.registry.people.keys().enumerate() {
        book.phones.insert(id.clone(), format!("139{:08}", i));
    }
    let r = &book.registry;
    println!(
        "county: {} committees, {} branches, {} places, {} people",
        r.committees.len(),
        r.branches.len(),
        r.places.len(),
        r.people.len()
    );
    let (xlsx, write_ms) = time(|| sheet::write(Some(&book)).expect("the workbook writes"));
    println!(
        "workbook: {} KiB, written in {write_ms:.0} ms",
        xlsx.len() / 1024
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = AppState::open(Config {
        data_dir: Some(dir.path().to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .expect("the server opens");
    let admin = create_admin(&state, "13800009999", "管理员", "bench-password").expect("admin");
    let unsynced = HashMap::new();

    let current = load_book(&state).expect("book");
    let (dry, dry_ms) = time(|| sheet::import(&xlsx, &current, &unsynced, true));
    assert!(
        dry.report.ok,
        "{:?}",
        &dry.report.errors[..dry.report.errors.len().min(5)]
    );
    println!("import dry run: {dry_ms:.0} ms ({:?})", dry.report.summary);

    let (_, real_ms) = time(|| {
        let current = load_book(&state).expect("book");
        let done = sheet::import(&xlsx, &current, &unsynced, false);
        assert!(done.report.ok);
        store_book(&state, &admin, &current, &done.book).expect("stored");
    });
    println!("import, real (read + check + store): {real_ms:.0} ms");

    let (export, export_ms) = time(|| {
        let b = load_book(&state).expect("book");
        sheet::write(Some(&b)).expect("export")
    });
    println!(
        "export (load + write): {export_ms:.0} ms, {} KiB",
        export.len() / 1024
    );

    let (again, again_ms) = time(|| {
        let current = load_book(&state).expect("book");
        sheet::import(&export, &current, &unsynced, false)
    });
    assert!(again.report.ok);
    assert!(
        again
            .report
            .summary
            .values()
            .all(|s| s.added + s.changed + s.retired == 0),
        "{:?}",
        again.report.summary
    );
    println!("re-import of the export (nothing changes): {again_ms:.0} ms");
}
