//! The phone's pages and its document engine over one store (issue 18): entries are ops
//! first, the engine writes them into the documents, and the pages draw the view the
//! engine stored. Each test is a story of tabs of one browser profile: the pages record,
//! an engine opens (now, later, or in another tab), and what the person sees is checked.

use shared::domain::records::BranchRecords;
use shared::engine::{
    push_op, stored_ops, Command, Engine, Op, Scalar, Stamped, View, ORPHAN_AFTER_MS,
};
use shared::forms::{Entry, FormKind};
use shared::ids::DocId;
use shared::model::{Visit, VisitKind};
use shared::repo::Fresh;
use shared::store::{self, MemoryStore, Store};
use std::rc::Rc;

const ME: &str = "p1-2";

fn b1() -> DocId {
    DocId::branch("b1").unwrap()
}

fn visit(id: &str, note: &str) -> Visit {
    Visit {
        id: id.into(),
        author: ME.into(),
        date: "2026-11-20".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: note.into(),
        recorded_at: 1_790_000_000_000,
        withdrawn: false,
    }
}

/// One browser profile with `ME` logged in.
struct Phone {
    store: Rc<MemoryStore>,
}

/// A start of the app: its pages' writer and the bytes its engine opens with.
struct Tab {
    fresh: [u8; 60],
    next: u32,
}

impl Tab {
    fn new(n: u8) -> Tab {
        let mut fresh = [0u8; 60];
        fresh[..4].copy_from_slice(&[n, n, n, n]);
        fresh[16..20].copy_from_slice(&[n, n, n, n]);
        Tab { fresh, next: 0 }
    }

    fn writer(&self) -> String {
        Fresh::from_bytes(&self.fresh).writer
    }
}

impl Phone {
    fn new() -> Phone {
        let store = Rc::new(MemoryStore::new());
        store::set_json(&*store, "me", ME).unwrap();
        Phone { store }
    }

    /// The pages record an op (as `frontend/src/engine.rs::record` does).
    fn record(&self, tab: &mut Tab, phone_ms: i64, op: Op) -> Result<(), store::StorageFull> {
        tab.next += 1;
        let stamped = Stamped {
            at_ms: 1_790_000_000_000 + phone_ms,
            phone_ms,
            op,
        };
        push_op(
            &*self.store,
            &store::ns(ME),
            &tab.writer(),
            tab.next,
            &stamped,
        )
        .map(|_| ())
    }

    /// What the pages draw before the engine runs: the stored view and every op.
    fn pages(&self) -> View {
        let stored = View::stored(&*self.store, ME).unwrap_or_else(|| View::empty(ME));
        let ops: Vec<Stamped> = stored_ops(&*self.store, &store::ns(ME))
            .into_iter()
            .map(|(_, op)| op)
            .collect();
        stored.with_ops(&ops)
    }

    fn engine(&self, tab: &Tab) -> Engine {
        Engine::open(
            self.store.clone(),
            Fresh::from_bytes(&tab.fresh),
            vec![b1()],
        )
        .0
    }

    fn ops(&self) -> usize {
        stored_ops(&*self.store, &store::ns(ME)).len()
    }
}

fn notes(records: &BranchRecords) -> Vec<(String, String, bool)> {
    records
        .visits
        .values()
        .map(|v| (v.id.clone(), v.note.clone(), v.withdrawn))
        .collect()
}

fn save(id: &str, note: &str) -> Op {
    Op::Save {
        doc: b1(),
        entry: Entry::Visit(visit(id, note)),
    }
}

fn engine_view(engine: &mut Engine) -> View {
    serde_json::from_str(&engine.view_json()).unwrap()
}

#[test]
fn issue_18_an_entry_saved_before_the_engine_shows_at_once_and_is_written_when_it_opens() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "走访")).unwrap();

    // The pages, with no engine yet: the entry is there, waiting.
    let before = phone.pages();
    assert_eq!(
        notes(&before.records(&b1())),
        [("v-1".into(), "走访".into(), false)]
    );
    assert_eq!((before.pending, before.my_pending), (1, 1));

    // The engine arrives and opens in the same tab: the op becomes a document change.
    let mut engine = phone.engine(&tab);
    assert!(engine.apply_ops(&[], 1_000).is_empty());
    assert_eq!(phone.ops(), 0, "an applied op is removed");
    let view = engine_view(&mut engine);
    assert_eq!(
        notes(&view.records(&b1())),
        [("v-1".into(), "走访".into(), false)]
    );
    assert_eq!(view.pending, 1, "still waiting for the server");

    // The next start draws the stored view before its engine has run.
    assert_eq!(View::stored(&*phone.store, ME), Some(view.clone()));
    assert_eq!(phone.pages(), view);

    // And the next engine reads the entry from the document itself.
    let mut next = phone.engine(&Tab::new(2));
    assert_eq!(
        notes(&next.repo().records(&b1())),
        [("v-1".into(), "走访".into(), false)]
    );
}

#[test]
fn issue_18_a_tab_closed_before_its_engine_ran_loses_nothing() {
    let phone = Phone::new();
    let mut closed = Tab::new(1);
    phone
        .record(&mut closed, 0, save("v-1", "关掉前记的"))
        .unwrap();

    // Another tab's engine leaves a fresh op to its own tab, whose engine may still come…
    let mut other = phone.engine(&Tab::new(2));
    other.apply_ops(&[], ORPHAN_AFTER_MS - 1);
    assert_eq!(phone.ops(), 1);
    assert!(other.repo().records(&b1()).visits.is_empty());

    // …and takes it once it is older than any live tab's engine would leave it.
    other.apply_ops(&[], ORPHAN_AFTER_MS + 1);
    assert_eq!(phone.ops(), 0);
    assert_eq!(
        notes(&other.repo().records(&b1())),
        [("v-1".into(), "关掉前记的".into(), false)]
    );
}

#[test]
fn issue_18_two_engines_applying_one_op_write_the_same_record_and_no_conflict() {
    let phone = Phone::new();
    let mut slow = Tab::new(1);
    phone.record(&mut slow, 0, save("v-1", "一条")).unwrap();

    // Both engines apply it before either has read the other's chunk: the slow tab's
    // own engine, and another tab's that took it for left behind.
    let mut own = phone.engine(&slow);
    let mut other = phone.engine(&Tab::new(2));
    other.apply_ops(&[], ORPHAN_AFTER_MS + 1);
    own.apply_ops(&[], ORPHAN_AFTER_MS + 1);

    for engine in [&mut own, &mut other] {
        engine.repo().merge_all_stored();
        assert_eq!(
            notes(&engine.repo().records(&b1())),
            [("v-1".into(), "一条".into(), false)]
        );
        assert!(
            engine.repo().conflicts(&b1()).is_empty(),
            "equal values are no conflict"
        );
    }
}

#[test]
fn issue_18_corrections_withdrawals_and_restores_show_before_the_engine_and_apply_in_order() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "初记")).unwrap();
    phone.record(&mut tab, 0, save("v-2", "另一条")).unwrap();
    phone
        .record(
            &mut tab,
            1,
            Op::Edit {
                doc: b1(),
                entry: Entry::Visit(visit("v-1", "改过")),
                original: Entry::Visit(visit("v-1", "初记")),
            },
        )
        .unwrap();
    phone
        .record(
            &mut tab,
            2,
            Op::Withdraw {
                doc: b1(),
                kind: FormKind::Visit,
                id: "v-2".into(),
            },
        )
        .unwrap();
    let want = [
        ("v-1".to_string(), "改过".to_string(), false),
        ("v-2".to_string(), "另一条".to_string(), true),
    ];
    let pages = phone.pages();
    assert_eq!(notes(&pages.records(&b1())), want);
    assert_eq!(
        pages.pending, 2,
        "two records wait, whatever was done to them"
    );

    let mut engine = phone.engine(&tab);
    engine.apply_ops(&[], 10);
    assert_eq!(notes(&engine_view(&mut engine).records(&b1())), want);

    // 恢复, with the engine running.
    phone
        .record(
            &mut tab,
            3,
            Op::Restore {
                doc: b1(),
                kind: FormKind::Visit,
                id: "v-2".into(),
            },
        )
        .unwrap();
    engine.apply_ops(&[], 11);
    let records = engine_view(&mut engine).records(&b1());
    assert!(!records.visits["v-2"].withdrawn);
    let history = engine.repo().history(&b1(), "visits", "v-1");
    assert!(
        history
            .iter()
            .any(|l| l.field == "note" && l.value == "改过"),
        "{history:?}"
    );
}

#[test]
fn issue_18_a_full_storage_keeps_the_entry_in_memory_until_there_is_room() {
    let phone = Phone::new();
    let tab = Tab::new(1);
    let mut engine = phone.engine(&tab);
    engine.apply_ops(&[], 0);
    engine.view_json();
    phone.store.quota_full();

    // The pages could not store the op: they hand it to the engine as it is.
    let inline = Stamped {
        at_ms: 1_790_000_000_000,
        phone_ms: 5,
        op: save("v-1", "存不下"),
    };
    assert!(engine
        .apply_ops(std::slice::from_ref(&inline), 5)
        .is_empty());
    let view = engine_view(&mut engine);
    assert!(view.storage_full, "the person is told");
    assert_eq!(
        notes(&view.records(&b1()))[0].1,
        "存不下",
        "nothing is dropped"
    );
    // Handed again (every later change hands the pages' unstored ops), it is not
    // written twice.
    engine.apply_ops(std::slice::from_ref(&inline), 6);
    assert_eq!(engine.repo().records(&b1()).visits.len(), 1);

    // Room again: the next save writes it too.
    phone.store.set_quota(None);
    let mut tab2 = Tab {
        fresh: tab.fresh,
        next: 10,
    };
    phone.record(&mut tab2, 7, save("v-2", "有空间了")).unwrap();
    engine.apply_ops(std::slice::from_ref(&inline), 7);
    assert!(!engine_view(&mut engine).storage_full);
    let mut next = phone.engine(&Tab::new(3));
    assert_eq!(next.repo().records(&b1()).visits.len(), 2);
}

#[test]
fn issue_18_a_stale_or_foreign_view_is_never_drawn() {
    let phone = Phone::new();
    let mut engine = phone.engine(&Tab::new(1));
    let json = engine.view_json();
    let name = format!("{}{}", store::ns(ME), shared::engine::VIEW_KEY);
    assert_eq!(phone.store.get(&name).as_deref(), Some(json.as_str()));
    // Another person's view is not this person's (a shared phone).
    assert_eq!(View::stored(&*phone.store, "p1-3"), None);
    // A view of another format (a newer app wrote it) is not drawn.
    let newer = json.replace("\"format\":1", "\"format\":2");
    phone.store.set(&name, &newer).unwrap();
    assert_eq!(View::stored(&*phone.store, ME), None);
}

#[test]
fn issue_18_a_chosen_value_settles_a_conflict_through_an_op() {
    let phone = Phone::new();
    let mut one = Tab::new(1);
    let mut two = Tab::new(2);
    phone.record(&mut one, 0, save("v-1", "初记")).unwrap();
    let mut a = phone.engine(&one);
    a.apply_ops(&[], 0);
    let mut b = phone.engine(&two);
    b.repo().records(&b1());
    // Both correct the note before seeing each other's change (each tab's engine
    // writes its own at once).
    phone
        .record(
            &mut two,
            1,
            Op::Edit {
                doc: b1(),
                entry: Entry::Visit(visit("v-1", "乙改")),
                original: Entry::Visit(visit("v-1", "初记")),
            },
        )
        .unwrap();
    b.apply_ops(&[], 1);
    phone
        .record(
            &mut one,
            1,
            Op::Edit {
                doc: b1(),
                entry: Entry::Visit(visit("v-1", "甲改")),
                original: Entry::Visit(visit("v-1", "初记")),
            },
        )
        .unwrap();
    a.apply_ops(&[], 1);
    a.repo().merge_all_stored();
    let view = engine_view(&mut a);
    assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
    let conflict = &view.conflicts[0];
    assert_eq!(conflict.field, "note");
    assert!(conflict.values.contains(&Scalar::Str("乙改".into())));

    phone
        .record(
            &mut one,
            2,
            Op::Resolve {
                doc: b1(),
                map: conflict.map.clone(),
                record: conflict.record.clone(),
                field: conflict.field.clone(),
                chosen: Scalar::Str("乙改".into()),
            },
        )
        .unwrap();
    // Shown settled at once, before the engine has written it…
    assert!(phone.pages().conflicts.is_empty());
    a.apply_ops(&[], 2);
    let view = engine_view(&mut a);
    assert!(view.conflicts.is_empty());
    assert_eq!(view.records(&b1()).visits["v-1"].note, "乙改");
}

#[test]
fn issue_18_the_pages_ask_through_json() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "走访")).unwrap();
    let mut engine = phone.engine(&tab);
    let ask = |engine: &mut Engine, cmd: Command| -> serde_json::Value {
        let json = serde_json::to_string(&cmd).unwrap();
        serde_json::from_str(&engine.handle(serde_json::from_str(&json).unwrap())).unwrap()
    };
    assert_eq!(
        ask(
            &mut engine,
            Command::Apply {
                inline: vec![],
                now_phone_ms: 1
            }
        ),
        serde_json::to_value(shared::engine::Applied::default()).unwrap()
    );
    let lines = ask(
        &mut engine,
        Command::History {
            doc: b1(),
            map: "visits".into(),
            record: "v-1".into(),
        },
    );
    assert!(lines.as_array().is_some_and(|l| !l.is_empty()), "{lines}");
    assert_eq!(
        ask(&mut engine, Command::MergeStored { doc: b1() }),
        serde_json::json!(false)
    );
}

#[test]
fn issue_18_a_correction_in_one_tab_of_an_entry_another_tab_has_not_written_comes_after_it() {
    let phone = Phone::new();
    let mut slow = Tab::new(1);
    let mut quick = Tab::new(2);
    // The slow tab's engine has not come: its entry is only an op, shown in both tabs.
    phone.record(&mut slow, 0, save("v-1", "甲")).unwrap();
    // The quick tab corrects it, and then withdraws another of the slow tab's entries.
    phone.record(&mut slow, 1, save("v-2", "另一条")).unwrap();
    phone
        .record(
            &mut quick,
            2,
            Op::Edit {
                doc: b1(),
                entry: Entry::Visit(visit("v-1", "乙")),
                original: Entry::Visit(visit("v-1", "甲")),
            },
        )
        .unwrap();
    phone
        .record(
            &mut quick,
            3,
            Op::Withdraw {
                doc: b1(),
                kind: FormKind::Visit,
                id: "v-2".into(),
            },
        )
        .unwrap();
    let mut engine = phone.engine(&quick);
    assert!(engine.apply_ops(&[], 4).is_empty());
    assert_eq!(
        phone.ops(),
        0,
        "the slow tab's ops were taken with the corrections"
    );
    // The slow tab's engine arrives later and finds nothing left to write over them.
    phone.engine(&slow).apply_ops(&[], 5);
    let mut next = phone.engine(&Tab::new(3));
    assert_eq!(
        notes(&next.repo().records(&b1())),
        [
            ("v-1".into(), "乙".into(), false),
            ("v-2".into(), "另一条".into(), true)
        ]
    );
}

#[test]
fn issue_18_ops_apply_in_the_order_they_were_made_whatever_the_clock_said() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    // The server's offset was learned between the two: the correction's county time
    // is earlier than the entry's.
    tab.next += 1;
    let first = Stamped {
        at_ms: 1_790_000_900_000,
        phone_ms: 10,
        op: save("v-1", "甲"),
    };
    push_op(
        &*phone.store,
        &store::ns(ME),
        &tab.writer(),
        tab.next,
        &first,
    )
    .unwrap();
    tab.next += 1;
    let then = Stamped {
        at_ms: 1_790_000_000_000,
        phone_ms: 5,
        op: Op::Edit {
            doc: b1(),
            entry: Entry::Visit(visit("v-1", "乙")),
            original: Entry::Visit(visit("v-1", "甲")),
        },
    };
    push_op(
        &*phone.store,
        &store::ns(ME),
        &tab.writer(),
        tab.next,
        &then,
    )
    .unwrap();
    assert_eq!(notes(&phone.pages().records(&b1()))[0].1, "乙");
    let mut engine = phone.engine(&tab);
    engine.apply_ops(&[], 20);
    assert_eq!(engine.repo().records(&b1()).visits["v-1"].note, "乙");
}

#[test]
fn issue_18_an_op_that_cannot_be_written_now_stays_shown_and_is_tried_again() {
    use automerge::transaction::Transactable;
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    let mut engine = phone.engine(&tab);
    // A newer app wrote the branch document: this app may not write it.
    engine
        .repo()
        .document(&b1())
        .put(automerge::ROOT, "schema", 999_u64)
        .unwrap();
    phone.record(&mut tab, 0, save("v-1", "走访")).unwrap();
    let applied = engine.apply_ops(&[], 1);
    assert_eq!((applied.failed, applied.set_aside), (1, 0));
    assert_eq!(phone.ops(), 1, "the entry is kept");
    assert_eq!(
        notes(&phone.pages().records(&b1()))[0].1,
        "走访",
        "and shown"
    );
    assert_eq!(engine.apply_ops(&[], 2).failed, 1, "tried again");
}

#[test]
fn issue_18_an_op_that_stopped_an_engine_is_set_aside_by_the_next_one() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "走访")).unwrap();
    phone.record(&mut tab, 1, save("v-2", "另一条")).unwrap();
    let keys = store::names_with_prefix(&*phone.store, &format!("{}op.", store::ns(ME)));
    let mut keys = keys;
    keys.sort();
    // An engine announced v-1's op and never came back (its wasm trapped).
    store::set_json(
        &*phone.store,
        &format!("{}op-trying.{}", store::ns(ME), tab.writer()),
        &serde_json::json!({ "key": keys[0], "phone_ms": 2 }),
    )
    .unwrap();
    // A live engine's announcement is left alone…
    let mut engine = phone.engine(&Tab::new(2));
    assert_eq!(engine.apply_ops(&[], 10).set_aside, 0);
    assert_eq!(phone.ops(), 2);
    // …an old one names the op to keep out of every engine's way.
    let mut engine = phone.engine(&Tab::new(3));
    let applied = engine.apply_ops(&[], 2 + ORPHAN_AFTER_MS);
    assert_eq!(applied.set_aside, 1);
    assert_eq!(notes(&engine.repo().records(&b1()))[0].0, "v-2");
    let aside = store::names_with_prefix(&*phone.store, &format!("{}op-aside.", store::ns(ME)));
    assert_eq!(aside.len(), 1, "kept, not applied");
}

#[test]
fn issue_18_a_full_storage_drops_the_stored_views_before_an_entry() {
    let phone = Phone::new();
    let mut engine = phone.engine(&Tab::new(1));
    engine.view_json();
    // Another person's view on this shared phone, and a storage that is then full.
    let other = shared::engine::view_key("p1-3");
    phone.store.set(&other, &"很长的视图".repeat(2000)).unwrap();
    phone.store.set_quota(Some(phone.store.used_units()));
    let evicting = store::Evicting(&*phone.store);
    let op = Stamped {
        at_ms: 1,
        phone_ms: 1,
        op: save("v-1", "走访"),
    };
    push_op(&evicting, &store::ns(ME), "w", 1, &op).expect("room was made");
    assert_eq!(phone.store.get(&other), None, "the cache gave way");
    assert_eq!(phone.ops(), 1);
}

#[test]
fn issue_18_an_op_on_a_record_already_waiting_adds_no_second_one() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "甲")).unwrap();
    let mut engine = phone.engine(&tab);
    engine.apply_ops(&[], 1);
    let view = engine_view(&mut engine);
    assert_eq!(view.pending, 1);
    let edit = Stamped {
        at_ms: 2,
        phone_ms: 2,
        op: Op::Edit {
            doc: b1(),
            entry: Entry::Visit(visit("v-1", "乙")),
            original: Entry::Visit(visit("v-1", "甲")),
        },
    };
    assert_eq!(view.with_ops([&edit]).pending, 1);
    assert_eq!(
        view.with_ops([&Stamped {
            op: save("v-2", "丙"),
            ..edit.clone()
        }])
        .pending,
        2
    );
}

#[test]
fn issue_18_a_start_takes_the_view_its_build_stored_for_the_same_documents() {
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    phone.record(&mut tab, 0, save("v-1", "走访")).unwrap();
    let mut first = phone.engine(&tab).with_build("/engine/engine-1.js");
    first.apply_ops(&[], 1);
    first.view_json();
    // Marked, to tell the stored view from one read anew.
    let name = shared::engine::view_key(ME);
    let stored = phone.store.get(&name).unwrap();
    phone
        .store
        .set(&name, &stored.replace("走访", "存的"))
        .unwrap();

    let mut same = phone.engine(&Tab::new(2)).with_build("/engine/engine-1.js");
    assert!(
        same.view_json().contains("存的"),
        "the same build takes what it stored"
    );
    let mut other = phone.engine(&Tab::new(3)).with_build("/engine/engine-2.js");
    let json = other.view_json();
    assert!(
        json.contains("走访") && !json.contains("存的"),
        "another build reads anew"
    );
    // The documents change: read anew.
    phone.record(&mut tab, 2, save("v-2", "又一条")).unwrap();
    let mut later = phone.engine(&Tab::new(4)).with_build("/engine/engine-2.js");
    later.apply_ops(&[], 2 + ORPHAN_AFTER_MS);
    assert!(later.view_json().contains("又一条"));
}

/// Numbers for BENCHMARKS.md, not a pass/fail test: what an engine's start costs on a
/// phone holding a thousand entries made offline (none on the server yet). Run with
/// `cargo test --release -p shared --test suite bench_issue_18 -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: prints numbers for BENCHMARKS.md"]
fn bench_issue_18_an_engine_starts_with_a_thousand_unsynced_entries() {
    use std::time::Instant;
    const N: i64 = 1000;
    let phone = Phone::new();
    let mut tab = Tab::new(1);
    for i in 0..N {
        let note = format!("第{i}次到点：召开班子会，研究产业发展，走访困难群众两户");
        phone
            .record(&mut tab, i, save(&format!("v-{i:04}"), &note))
            .unwrap();
    }
    let mut first = phone.engine(&tab).with_build("bench");
    let t = Instant::now();
    first.apply_ops(&[], N + 1);
    println!("applying {N} ops (one change each): {:?}", t.elapsed());
    first.view_json();
    for run in 1..=3 {
        // As a start of the app: open, apply, the view (the stored one, same build).
        let t0 = Instant::now();
        let mut engine = phone.engine(&Tab::new(10 + run)).with_build("bench");
        engine.apply_ops(&[], 2 * N);
        let json = engine.view_json();
        let start = t0.elapsed();
        // The same read in full (another build): its parts.
        let t1 = Instant::now();
        let mut engine = phone.engine(&Tab::new(20 + run)).with_build("other");
        let r = engine.repo();
        let records = r.records(&b1());
        let t2 = Instant::now();
        r.conflicts(&b1());
        let t3 = Instant::now();
        let pending = r.pending_count();
        let t4 = Instant::now();
        // Not stored: the next start must find this build's view.
        let _ = serde_json::to_string(&engine.read_view());
        let t5 = Instant::now();
        println!(
            "start {run}: {start:?} with the stored view ({} B); read in full: documents and records {:?} ({}), conflicts {:?}, pending {:?} ({pending}), the rest and the JSON {:?}",
            json.len(),
            t2 - t1,
            records.visits.len(),
            t3 - t2,
            t4 - t3,
            t5 - t4,
        );
    }
}
