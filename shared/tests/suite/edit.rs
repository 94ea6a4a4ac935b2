//! Issue 14: correcting entries. Merge stories (fork → edit on both → merge → hydrate →
//! assert) for field-level edits, withdrawal and restoration, the one ownership rule of
//! phone and server, and the contradictions merging cannot see (需核实).

use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, Value, ROOT};
use chrono::NaiveDate;
use shared::access::{
    foreign_records, may_touch_own_branch_record, may_touch_record, own_records_only, owner_field,
    AccountRole, Position,
};
use shared::demo::{self, DemoSpec};
use shared::domain::docs::{new_branch_document, read_branch_records};
use shared::domain::records::BranchRecords;
use shared::domain::rules::{self, RuleCode};
use shared::forms::{self, entry_of, form, submit, submit_edit, Entry, FormContext, FormKind};
use shared::ids::DocId;
use shared::model::Registry;
use std::collections::BTreeMap;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
}

fn registry() -> Registry {
    demo::registry(DemoSpec::SMALL)
}

/// An app actor naming its person, as `repo.rs` makes them (`p1-2\0<random>`).
fn actor(person: &str, n: u8) -> ActorId {
    let mut bytes = person.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend([n; 8]);
    ActorId::from(bytes)
}

fn ctx<'a>(reg: &'a Registry, records: &'a BranchRecords, who: &str) -> FormContext<'a> {
    FormContext {
        registry: reg,
        me: &reg.people[who],
        records,
        today: today(),
        last_place: None,
    }
}

/// Submits a new record of `kind` as `who` (the form's defaults, then `typed`) and puts it.
fn add(
    doc: &mut AutoCommit,
    reg: &Registry,
    who: &str,
    kind: FormKind,
    typed: &[(&str, &str)],
    id: &str,
) -> Entry {
    let records = read_branch_records(doc).unwrap();
    let c = ctx(reg, &records, who);
    let mut v: BTreeMap<String, String> = form(kind, &c)
        .fields
        .iter()
        .map(|f| (f.name.to_string(), f.default.clone()))
        .collect();
    for (k, x) in typed {
        v.insert(k.to_string(), x.to_string());
    }
    let entry = submit(kind, &v, &c, id.into(), 1_000).unwrap_or_else(|e| panic!("{e:?}"));
    entry.put(doc, 1).unwrap();
    entry
}

/// An edit as the phone makes it: the record's form prefilled, some fields retyped,
/// validated, then only what changed written.
fn edit(
    doc: &mut AutoCommit,
    reg: &Registry,
    who: &str,
    kind: FormKind,
    id: &str,
    typed: &[(&str, &str)],
    at: i64,
) -> Result<Vec<String>, Vec<String>> {
    let records = read_branch_records(doc).unwrap();
    let original = entry_of(&records, kind, id).expect("the record is there");
    let mut v = original.values();
    for (k, x) in typed {
        v.insert(k.to_string(), x.to_string());
    }
    let edited = submit_edit(&v, &ctx(reg, &records, who), &original)
        .map_err(|es| es.into_iter().map(|e| e.message()).collect::<Vec<_>>())?;
    Ok(edited.edit(doc, &original, at).unwrap())
}

fn fork(doc: &mut AutoCommit, who: &str, n: u8) -> AutoCommit {
    doc.fork().with_actor(actor(who, n))
}

fn merged(a: &mut AutoCommit, b: &mut AutoCommit) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
}

/// How many values a field of a record holds (2 or more: a conflict, 需确认).
fn values_of(doc: &AutoCommit, map: &str, id: &str, field: &str) -> usize {
    let Some((Value::Object(ObjType::Map), m)) = doc.get(ROOT, map).unwrap() else {
        panic!("no map {map}")
    };
    let Some((Value::Object(ObjType::Map), rec)) = doc.get(&m, id).unwrap() else {
        panic!("no record {id}")
    };
    doc.get_all(&rec, field).unwrap().len()
}

/// A member's household and help record, and a leader's visit, on one phone.
fn branch_with_records(reg: &Registry) -> AutoCommit {
    let mut doc = new_branch_document("b1", actor("p1-2", 1)).unwrap();
    add(
        &mut doc,
        reg,
        "p1-2",
        FormKind::Target,
        &[
            ("name", "王某某"),
            ("household_size", "4"),
            ("baseline_income", "3000"),
        ],
        "t1",
    );
    add(
        &mut doc,
        reg,
        "p1-2",
        FormKind::Visit,
        &[("date", "2026-08-20"), ("note", "走访王某某家")],
        "v1",
    );
    doc
}

#[test]
fn issue_14_edits_of_different_fields_merge_silently() {
    let reg = registry();
    let mut base = branch_with_records(&reg);
    let mut a = fork(&mut base, "p1-2", 2);
    let mut b = fork(&mut base, "p1-2", 3);
    assert_eq!(
        edit(
            &mut a,
            &reg,
            "p1-2",
            FormKind::Visit,
            "v1",
            &[("note", "帮助联系销路")],
            10
        ),
        Ok(vec!["note".to_string()]),
        "only the changed field is written"
    );
    assert_eq!(
        edit(
            &mut b,
            &reg,
            "p1-2",
            FormKind::Visit,
            "v1",
            &[("date", "2026-08-21")],
            11
        ),
        Ok(vec!["date".to_string()])
    );
    merged(&mut a, &mut b);
    for doc in [&a, &b] {
        let v = &read_branch_records(doc).unwrap().visits["v1"];
        assert_eq!(
            (v.date.as_str(), v.note.as_str()),
            ("2026-08-21", "帮助联系销路")
        );
        for field in ["id", "author", "date", "place", "kind", "note", "withdrawn"] {
            assert_eq!(values_of(doc, "visits", "v1", field), 1, "{field}");
        }
    }
    // Nothing typed differently: no change at all.
    let heads = a.get_heads();
    assert_eq!(
        edit(&mut a, &reg, "p1-2", FormKind::Visit, "v1", &[], 12),
        Ok(vec![])
    );
    assert_eq!(a.get_heads(), heads);
}

#[test]
fn issue_14_the_same_field_edited_twice_offline_keeps_both_until_one_is_chosen() {
    let reg = registry();
    let mut base = branch_with_records(&reg);
    let mut a = fork(&mut base, "p1-2", 2);
    let mut b = fork(&mut base, "p1-2", 3);
    edit(
        &mut a,
        &reg,
        "p1-2",
        FormKind::Target,
        "t1",
        &[("baseline_income", "3500")],
        10,
    )
    .unwrap();
    edit(
        &mut b,
        &reg,
        "p1-2",
        FormKind::Target,
        "t1",
        &[("baseline_income", "4200")],
        11,
    )
    .unwrap();
    merged(&mut a, &mut b);
    assert_eq!(
        values_of(&a, "targets", "t1", "baseline_income"),
        2,
        "需确认"
    );
    assert_eq!(
        values_of(&a, "targets", "t1", "name"),
        1,
        "the rest untouched"
    );
    // Both phones show the same value meanwhile.
    let shown = |d: &AutoCommit| read_branch_records(d).unwrap().targets["t1"].baseline_income;
    assert_eq!(shown(&a), shown(&b));
    // An edit of another field leaves the conflict for a person to settle.
    edit(
        &mut a,
        &reg,
        "p1-2",
        FormKind::Target,
        "t1",
        &[("note", "缺技术")],
        12,
    )
    .unwrap();
    assert_eq!(values_of(&a, "targets", "t1", "baseline_income"), 2);
    // Settling it: a third figure typed in the edit form writes over both.
    edit(
        &mut b,
        &reg,
        "p1-2",
        FormKind::Target,
        "t1",
        &[("baseline_income", "3800")],
        13,
    )
    .unwrap();
    merged(&mut a, &mut b);
    assert_eq!(values_of(&a, "targets", "t1", "baseline_income"), 1);
    assert_eq!(shown(&a), 3800);
    assert_eq!(shown(&b), 3800);
    assert_eq!(
        read_branch_records(&a).unwrap().targets["t1"].note,
        "缺技术"
    );
    // The history keeps all three figures.
    let all: Vec<i64> = a
        .get_changes(&[])
        .iter()
        .flat_map(|c| {
            let (deps, hash) = (c.deps().to_vec(), c.hash());
            a.diff(&deps, &[hash])
        })
        .filter_map(|p| match p.action {
            automerge::PatchAction::PutMap { key, value, .. } if key == "baseline_income" => {
                value.0.as_i64()
            }
            _ => None,
        })
        .collect();
    for figure in [3000, 3500, 4200, 3800] {
        assert!(all.contains(&figure), "{figure} in {all:?}");
    }
}

#[test]
fn issue_14_an_edit_is_validated_like_a_new_record_and_keeps_its_identity() {
    let reg = registry();
    let mut doc = branch_with_records(&reg);
    let errs = edit(
        &mut doc,
        &reg,
        "p1-2",
        FormKind::Visit,
        "v1",
        &[("date", "2026-09-30")],
        5,
    )
    .unwrap_err();
    assert_eq!(errs, ["到点日期不能晚于今天"]);
    let errs = edit(
        &mut doc,
        &reg,
        "p1-2",
        FormKind::Target,
        "t1",
        &[("household_size", "四")],
        5,
    )
    .unwrap_err();
    assert_eq!(errs, ["家庭人口须为整数（不小于 1）"]);
    assert_eq!(
        read_branch_records(&doc).unwrap().targets["t1"].household_size,
        4
    );
    // A secretary correcting a member's household keeps it the member's.
    edit(
        &mut doc,
        &reg,
        "p1-1",
        FormKind::Target,
        "t1",
        &[("name", "王某")],
        6,
    )
    .unwrap();
    let t = &read_branch_records(&doc).unwrap().targets["t1"];
    assert_eq!(
        (t.name.as_str(), t.member.as_str(), t.recorded_at),
        ("王某", "p1-2", 1_000)
    );
}

#[test]
fn issue_14_a_withdrawn_entry_edited_elsewhere_stays_withdrawn_until_restored() {
    let reg = registry();
    let mut base = branch_with_records(&reg);
    let mut a = fork(&mut base, "p1-2", 2);
    let mut b = fork(&mut base, "p1-2", 3);
    assert!(forms::withdraw(&mut a, FormKind::Visit, "v1", 10).unwrap());
    edit(
        &mut b,
        &reg,
        "p1-2",
        FormKind::Visit,
        "v1",
        &[("note", "补充：已联系")],
        11,
    )
    .unwrap();
    merged(&mut a, &mut b);
    let v = read_branch_records(&a).unwrap().visits["v1"].clone();
    assert!(v.withdrawn, "the withdrawal survives the edit");
    assert_eq!(
        v.note, "补充：已联系",
        "and the edit survives the withdrawal"
    );
    assert_eq!(values_of(&a, "visits", "v1", "note"), 1);
    // Restored: counted again, history keeps both.
    assert!(forms::restore(&mut b, FormKind::Visit, "v1", 12).unwrap());
    assert!(
        !forms::restore(&mut b, FormKind::Visit, "v1", 13).unwrap(),
        "already"
    );
    merged(&mut a, &mut b);
    assert!(!read_branch_records(&a).unwrap().visits["v1"].withdrawn);
}

/// Issue 14: the phone offers 修改/撤回/恢复/选这个 by the very rule the server's sync guard
/// refuses changes by. Every field role × every kind of branch record × owner (me or a
/// colleague): the phone's answer equals what the server does with the change.
#[test]
fn issue_14_the_phone_and_the_server_judge_records_by_one_rule() {
    let reg = registry();
    let mut doc = new_branch_document("b1", actor("sys", 1)).unwrap();
    // One record of each kind, each by someone whose form it is.
    let made = [
        (
            FormKind::Visit,
            "l1",
            "visit-l1",
            vec![("note", "查看茶园")],
        ),
        (FormKind::Visit, "p1-2", "visit-p2", vec![("note", "走访")]),
        (FormKind::Point, "l1", "point", vec![]),
        (FormKind::Cultivation, "l1", "cult", vec![("name", "李某")]),
        (FormKind::Pair, "p1-1", "pair", vec![("partner", "vb1")]),
        (FormKind::Plan, "p1-1", "plan", vec![]),
        (FormKind::Activity, "p1-1", "act", vec![("note", "送种苗")]),
        (FormKind::Deed, "p1-1", "deed", vec![("note", "修路")]),
        (
            FormKind::Target,
            "p1-2",
            "target",
            vec![
                ("name", "王某"),
                ("household_size", "3"),
                ("baseline_income", "2000"),
            ],
        ),
        (FormKind::Help, "p1-2", "help", vec![("detail", "养猪")]),
        (
            FormKind::Training,
            "p1-3",
            "training",
            vec![("name", "赵某")],
        ),
    ];
    let mut records = Vec::new();
    for (kind, who, id, typed) in &made {
        let e = add(&mut doc, &reg, who, *kind, typed, id);
        records.push((*kind, e.id().to_string(), e.owner().to_string()));
    }
    let b1 = DocId::branch("b1").unwrap();
    for me in ["l1", "p1-1", "p1-2", "p1-3"] {
        let person = &reg.people[me];
        let positions = [Position {
            role: AccountRole::from(person.role),
            org: person.branch.clone(),
        }];
        for (kind, id, owner) in &records {
            let map = kind.map();
            let named = owner_field(map).map(|_| owner.as_str());
            let phone = may_touch_own_branch_record(&reg, me, map, named);
            // The server: the same change (a withdrawal, one field) through its guard.
            let mut theirs = fork(&mut doc, me, 9);
            let before = theirs.get_heads();
            assert!(forms::withdraw(&mut theirs, *kind, id, 20).unwrap());
            let server = !own_records_only(&positions, &b1)
                || foreign_records(&mut theirs, &before, me).is_empty();
            assert_eq!(phone, server, "{me} on {map}/{id} of {owner}");
            let expected = person.role == shared::model::Role::Secretary
                || (owner_field(map).is_some() && owner == me);
            assert_eq!(phone, expected, "{me} on {map}/{id} of {owner}");
        }
    }
    assert!(!may_touch_record(true, "plans", Some("p1-2"), "p1-2"));
    assert!(may_touch_record(false, "plans", Some("p1-2"), "p1-1"));
}

/// Issue 14: a member cannot take over a colleague's record by writing their own name
/// into it: the guard judges the record as it stood before the change too.
#[test]
fn issue_14_writing_my_name_into_a_colleagues_record_is_foreign() {
    let reg = registry();
    let mut doc = branch_with_records(&reg);
    let mut forged = fork(&mut doc, "p1-3", 4);
    let before = forged.get_heads();
    let records = read_branch_records(&forged).unwrap();
    let original = entry_of(&records, FormKind::Target, "t1").unwrap();
    let Entry::Target(mut t) = original.clone() else {
        unreachable!()
    };
    t.member = "p1-3".into();
    t.baseline_income = 1;
    Entry::Target(t).edit(&mut forged, &original, 9).unwrap();
    assert_eq!(
        foreign_records(&mut forged, &before, "p1-3"),
        ["targets/t1"]
    );
    assert!(
        foreign_records(&mut forged, &before, "p1-2").len() == 1,
        "nor is it p1-2's now"
    );
}

fn help_income(doc: &mut AutoCommit, reg: &Registry, id: &str, income: &str, date: &str) {
    add(
        doc,
        reg,
        "p1-2",
        FormKind::Help,
        &[
            ("target", "t1"),
            ("kind", "Income"),
            ("detail", "年底核定"),
            ("income", income),
            ("date", date),
        ],
        id,
    );
}

/// Issue 14: 3 500 元 and 4 200 元 certified on two phones for one household: 需核实 for the
/// member, the secretary and the office; the growth is not judged on the later figure.
#[test]
fn issue_14_two_certified_incomes_are_to_verify_not_the_later_one() {
    let reg = registry();
    let mut base = branch_with_records(&reg);
    let mut a = fork(&mut base, "p1-2", 2);
    let mut b = fork(&mut base, "p1-2", 3);
    help_income(&mut a, &reg, "h-a", "3500", "2026-08-01");
    help_income(&mut b, &reg, "h-b", "4200", "2026-08-02");
    merged(&mut a, &mut b);
    let records = read_branch_records(&a).unwrap();
    let mine = rules::for_person(&reg, &records, "p1-2", 2026, today());
    let verify: Vec<_> = mine
        .iter()
        .filter(|f| f.rule == RuleCode::IncomeToVerify)
        .collect();
    assert_eq!(verify.len(), 1, "{mine:?}");
    assert!(
        verify[0].message.contains("3500 元、4200 元"),
        "{}",
        verify[0].message
    );
    assert!(
        !mine.iter().any(|f| matches!(
            f.rule,
            RuleCode::TargetIncome | RuleCode::TargetIncomeUnknown
        )),
        "no growth judged on either figure: {mine:?}"
    );
    let secretary = rules::for_person(&reg, &records, "p1-1", 2026, today());
    assert!(secretary.iter().any(|f| f.rule == RuleCode::IncomeToVerify));
    // Withdrawing the wrong one settles it: growth is judged on the one left (3500 on
    // 3000 is 16 %, enough).
    forms::withdraw(&mut a, FormKind::Help, "h-b", 20).unwrap();
    let records = read_branch_records(&a).unwrap();
    let after = rules::for_person(&reg, &records, "p1-2", 2026, today());
    assert!(!after.iter().any(|f| matches!(
        f.rule,
        RuleCode::IncomeToVerify | RuleCode::TargetIncome | RuleCode::TargetIncomeUnknown
    )));
}

#[test]
fn issue_14_two_visits_of_one_day_with_different_notes_are_to_verify() {
    let reg = registry();
    let mut doc = branch_with_records(&reg);
    let visit = |doc: &mut AutoCommit, id: &str, note: &str| {
        add(
            doc,
            &reg,
            "l1",
            FormKind::Visit,
            &[("date", "2026-08-20"), ("place", "v1"), ("note", note)],
            id,
        )
    };
    visit(&mut doc, "a", "查看茶园");
    visit(&mut doc, "b", "查看茶园");
    let found = |doc: &AutoCommit, who: &str| {
        let records = read_branch_records(doc).unwrap();
        rules::for_person(&reg, &records, who, 2026, today())
            .into_iter()
            .filter(|f| f.rule == RuleCode::VisitToVerify)
            .count()
    };
    assert_eq!(
        found(&doc, "l1"),
        0,
        "the same note twice is one visit's repeat, not a contradiction"
    );
    visit(&mut doc, "c", "协调灌溉用水");
    assert_eq!(found(&doc, "l1"), 1);
    assert_eq!(found(&doc, "p1-1"), 1, "the secretary sees it too");
    assert_eq!(found(&doc, "p1-2"), 0);
}
