//! The county office on the generator's full county (issue 6): time for the overview
//! (cold, right after a change, and cached), one drill-down at each level, the county-wide
//! roster and registration forms as .xlsx, the JSON sizes the browser receives, and the
//! server's memory with everything loaded.
//!
//! `cargo bench -p backend --bench office` (prints a table; see BENCHMARKS.md).

use backend::office::{forms, stamp};
use backend::store::{DocStore, SqliteStore};
use backend::{AppState, Config};
use shared::automerge::ActorId;
use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec};
use shared::ids::DocId;
use std::time::Instant;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1000.0)
}

/// Where a start's first view spends its time, step by step on one thread, over a sample
/// of the stored branch documents (the server does these steps per document).
fn breakdown(db: &std::path::Path) {
    const SAMPLE: usize = 32;
    let store = SqliteStore::open(db).expect("store");
    let docs: Vec<String> = store
        .list()
        .unwrap()
        .into_iter()
        .filter(|d| d.starts_with("branch/"))
        .take(SAMPLE)
        .collect();
    let (mut read, mut load, mut cursor, mut hydrate) = (0.0, 0.0, 0.0, 0.0);
    for d in &docs {
        let (chunks, t) = time(|| store.load(d).unwrap());
        read += t;
        let (mut doc, t) = time(|| shared::automerge::AutoCommit::load(&chunks.concat()).unwrap());
        load += t;
        let (_, t) = time(|| doc.save_incremental());
        cursor += t;
        let (_, t) = time(|| shared::domain::docs::read_branch_records(&doc).unwrap());
        hydrate += t;
    }
    let n = docs.len().max(1) as f64;
    println!(
        "first-view breakdown, per branch document (mean of {SAMPLE}, one thread): \
         SQLite read {:.1} ms, Automerge load {:.1} ms, read records {:.1} ms; \
         setting the save cursor by a save, which the server no longer does, {:.1} ms\n",
        read / n,
        load / n,
        hydrate / n,
        cursor / n
    );
}

fn main() {
    let spec = GenSpec::COUNTY;
    let gen = generate(spec);
    let records = gen.data.record_count();
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let t = Instant::now();
        let mut docs =
            write_county(&gen.data, ActorId::from([1u8; 16]), 1_214_800_000).expect("writes");
        let store = SqliteStore::open(&dir.path().join("sanlian.sqlite3")).expect("store");
        store.replace("registry", &docs.registry.save()).unwrap();
        store
            .replace(&DocId::Office.to_string(), &docs.office.save())
            .unwrap();
        for (b, doc) in &mut docs.branches {
            store.replace(&format!("branch/{b}"), &doc.save()).unwrap();
        }
        eprintln!(
            "(setup: county written to documents and stored in {:.0} s)",
            t.elapsed().as_secs_f64()
        );
    }
    drop(gen);
    breakdown(&dir.path().join("sanlian.sqlite3"));
    let rss_before = rss_mib();
    let state = AppState::open(Config {
        data_dir: Some(dir.path().to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .expect("opens");
    let (year, as_of) = (spec.year, spec.as_of());

    println!("county office on GenSpec::COUNTY: {records} records\n");
    println!("| step | time | JSON to the browser |");
    println!("|---|---:|---:|");
    // First request after start: every document is loaded and hydrated.
    let (view, first) = time(|| state.view(year, as_of).expect("view"));
    println!("| first view after start (load + hydrate all documents, rules, indexes) | {first:.0} ms | |");
    let (o, warm) = time(|| {
        let v = state.view(year, as_of).expect("view");
        serde_json::to_vec(&v.overview(stamp(&state))).unwrap()
    });
    println!(
        "| overview, first on a view (figures computed) | {warm:.1} ms | {} B |",
        o.len()
    );
    let (o, warm) = time(|| {
        let v = state.view(year, as_of).expect("view");
        serde_json::to_vec(&v.overview(stamp(&state))).unwrap()
    });
    println!(
        "| overview, cached view (per request) | {warm:.1} ms | {} B |",
        o.len()
    );

    // A change arrives: the next overview recomputes from the cached per-document records.
    state
        .hub()
        .modify(&DocId::Office, |doc| {
            shared::domain::docs::put(
                doc,
                &shared::domain::records::PlaceTag {
                    id: "v1-DemoVillage".into(),
                    place: "v1".into(),
                    tag: shared::domain::records::TieIn::DemoVillage,
                    since: 2008,
                    withdrawn: false,
                },
                1,
            )
        })
        .expect("a change");
    let (o, cold) = time(|| {
        let v = state.view(year, as_of).expect("view");
        serde_json::to_vec(&v.overview(stamp(&state))).unwrap()
    });
    println!(
        "| overview after a change to the office's document | {cold:.0} ms | {} B |",
        o.len()
    );

    // A phone syncs a visit into one branch document: that document is read again and
    // listed again; the other 319 listings are reused.
    let visit = shared::model::Visit {
        id: "1230000000000-bench".into(),
        author: "p1-1".into(),
        date: "2008-12-30".into(),
        place: "v1".into(),
        kind: shared::model::VisitKind::Stability,
        note: "年终回访".into(),
        recorded_at: 1_230_000_000_000,
        withdrawn: false,
    };
    let b1 = DocId::branch("b1").unwrap();
    state
        .hub()
        .modify(&b1, |doc| shared::doc::put_visit(doc, &visit, 2))
        .expect("a change");
    let (o, cold) = time(|| {
        let v = state.view(year, as_of).expect("view");
        serde_json::to_vec(&v.overview(stamp(&state))).unwrap()
    });
    let v = state.view(year, as_of).expect("view");
    println!(
        "| overview after one branch document changed ({} of {} listings reused) | {cold:.0} ms | {} B |",
        v.reused_listings(),
        v.data.branches.len(),
        o.len()
    );
    // What that recompute is made of, each step again on its own.
    state
        .hub()
        .modify(&b1, |doc| {
            shared::doc::put_visit(
                doc,
                &shared::model::Visit {
                    id: "1230000000001-bench".into(),
                    ..visit.clone()
                },
                3,
            )
        })
        .expect("a change");
    let (data, gather) = time(|| state.hub().county_data().expect("county"));
    let (_, rules) = time(|| shared::domain::rules::evaluate(&data, year, as_of));
    let (v2, build) = time(|| {
        backend::office::view::View::build(
            std::sync::Arc::new(data),
            state.hub().shared_registry().unwrap(),
            year,
            as_of,
            v.today,
            Some(&v),
        )
    });
    let (_, figures) = time(|| v2.overview(stamp(&state)));
    println!(
        "| — of which: gather the county's records {gather:.0} ms; rules {rules:.0} ms; \
         view (rules included) {build:.0} ms; overview figures {figures:.0} ms | | |"
    );
    drop((v, v2));
    let view = {
        drop(view);
        state.view(year, as_of).expect("view")
    };

    let (c, t) = time(|| serde_json::to_vec(&view.committee("c1", 0).unwrap()).unwrap());
    println!(
        "| drill-down: committee c1 (320 branches), first page of branches | {t:.1} ms | {} B |",
        c.len()
    );
    let (c, t) = time(|| serde_json::to_vec(&view.committee("t1", 0).unwrap()).unwrap());
    println!(
        "| drill-down: township t1 (16 places) | {t:.1} ms | {} B |",
        c.len()
    );
    let (c, t) = time(|| serde_json::to_vec(&view.branch("b1").unwrap()).unwrap());
    println!("| drill-down: branch b1 | {t:.1} ms | {} B |", c.len());
    let (c, t) = time(|| serde_json::to_vec(&view.person("p1-2", 0).unwrap()).unwrap());
    println!(
        "| drill-down: person p1-2, first page of records | {t:.1} ms | {} B |",
        c.len()
    );
    let filter = backend::office::view::Filter {
        text: Some("走访".into()),
        ..Default::default()
    };
    let (c, t) = time(|| serde_json::to_vec(&view.search(&filter, 0)).unwrap());
    println!(
        "| search \"走访\" over every record, first page | {t:.1} ms | {} B |",
        c.len()
    );

    let scope = forms::Scope { committee: None };
    let (x, t) = time(|| forms::xlsx(&forms::roster(&view, &scope, stamp(&state))).unwrap());
    println!(
        "| county roster (花名册) .xlsx | {t:.0} ms | {} B file |",
        x.len()
    );
    let (x, t) = time(|| forms::xlsx(&forms::registration(&view, &scope, stamp(&state))).unwrap());
    println!(
        "| county registration forms (登记表) .xlsx | {t:.0} ms | {} B file |",
        x.len()
    );
    println!(
        "\nserver memory (RSS): {rss_before:.0} MiB before opening, {:.0} MiB with the county loaded and the view cached",
        rss_mib()
    );
}
