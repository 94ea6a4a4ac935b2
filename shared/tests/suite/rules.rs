//! The notice's rules: on the generated county against its answer key, on small
//! hand-built counties one rule at a time, and the domain records through Automerge.

use automerge::{ActorId, AutoCommit};
use chrono::NaiveDate;
use shared::demo::{self, DemoSpec};
use shared::domain::docs::{
    ensure_branch_maps, new_branch_document, new_office_document, office_genesis, put,
    read_branch_records, read_office, withdraw, write_county,
};
use shared::domain::generator::{generate, Gaps, GenSpec};
use shared::domain::records::*;
use shared::domain::rules::{self, evaluate, FindingKey, RuleCode};
use shared::model::{Person, Role, Visit, VisitKind};
use std::collections::BTreeSet;
use std::time::Instant;

const YEAR: i32 = 2008;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, m, d).unwrap()
}

fn year_end() -> NaiveDate {
    day(12, 31)
}

fn keys(data: &CountyData, as_of: NaiveDate) -> BTreeSet<FindingKey> {
    evaluate(data, YEAR, as_of)
        .iter()
        .map(|f| f.key())
        .collect()
}

/// Fails with the difference spelled out, so a broken rule says what it got wrong.
fn assert_same(got: &BTreeSet<FindingKey>, want: &BTreeSet<FindingKey>) {
    let missing: Vec<_> = want.difference(got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "findings differ from the answer key\n  missing: {missing:#?}\n  unexpected: {extra:#?}"
    );
}

// ---------------------------------------------------------------- generated county

#[test]
fn small_county_findings_match_the_answer_key_exactly() {
    let g = generate(GenSpec::SMALL);
    assert_eq!(
        g.data.registry,
        demo::registry(DemoSpec::SMALL),
        "the demo's registry, ids and all"
    );
    assert_same(&keys(&g.data, GenSpec::SMALL.as_of()), &g.key.keys());
}

#[test]
fn generation_is_deterministic() {
    let a = generate(GenSpec::SMALL);
    let b = generate(GenSpec::SMALL);
    assert_eq!(a.data, b.data);
    assert_eq!(a.key, b.key);
    let other = generate(GenSpec {
        seed: 7,
        ..GenSpec::SMALL
    });
    assert_ne!(a.data, other.data, "the seed matters");
}

#[test]
fn a_county_without_planted_gaps_has_only_its_structural_ones() {
    // Same size of leaders, branches and places: nothing is uncovered, nothing repeats.
    let spec = GenSpec {
        demo: DemoSpec {
            townships: 2,
            places_per_township: 5,
            office_branches: 10,
            members_per_branch: 3,
        },
        gaps: Gaps::NONE,
        ..GenSpec::SMALL
    };
    let g = generate(spec);
    assert!(g.key.keys().is_empty(), "{:#?}", g.key);
    assert_eq!(evaluate(&g.data, YEAR, spec.as_of()), vec![]);
}

#[test]
fn full_county_matches_its_answer_key_and_every_rule_fires() {
    let spec = GenSpec::COUNTY;
    let t = Instant::now();
    let g = generate(spec);
    let generated = t.elapsed();
    let t = Instant::now();
    let findings = evaluate(&g.data, spec.year, spec.as_of());
    let evaluated = t.elapsed();
    let records = g.data.record_count();
    println!(
        "full county: {} places, {} branches, {} people, {records} records generated in {generated:?}; \
         {} findings evaluated in {evaluated:?}",
        g.data.registry.places.len(),
        g.data.registry.branches.len(),
        g.data.registry.people.len(),
        findings.len(),
    );
    let r = &g.data.registry;
    assert_eq!(
        r.committees
            .values()
            .filter(|c| c.id.starts_with('t'))
            .count(),
        20
    );
    assert_eq!(r.places.len(), 320);
    assert_eq!(r.writing_branches().count(), 320);
    let members = r.people.values().filter(|p| p.role != Role::Leader).count();
    assert!((4_500..=5_500).contains(&members), "{members} members");
    assert!((80_000..=130_000).contains(&records), "{records} records");

    let got: BTreeSet<FindingKey> = findings.iter().map(|f| f.key()).collect();
    assert_same(&got, &g.key.keys());
    let fired: BTreeSet<RuleCode> = findings.iter().map(|f| f.rule).collect();
    // 日期需核实 is judged against the real today by `impossible_dates`, not by the view's
    // as-of day of `evaluate`: `issue_17_records_dated_after_tomorrow_are_to_verify` has it.
    for code in RuleCode::ALL
        .iter()
        .filter(|c| **c != RuleCode::DateToVerify)
        // Issue 14's 需核实 of contradicting records: the generator makes none (its incomes
        // are months apart, a leader's visits of one day read alike); `edit.rs` has them.
        .filter(|c| !matches!(c, RuleCode::IncomeToVerify | RuleCode::VisitToVerify))
    {
        assert!(
            fired.contains(code),
            "no generated gap exercises {}",
            code.label()
        );
    }
}

#[test]
fn generated_county_survives_its_documents() {
    let g = generate(GenSpec::SMALL);
    let mut docs = write_county(&g.data, ActorId::from([7; 16]), 1).unwrap();
    let back = docs.read().unwrap();
    assert_eq!(back, g.data);
    // And the whole county saved and loaded from bytes, as the server stores it.
    let bytes = docs.saved_bytes();
    let reloaded = AutoCommit::load(&docs.office.save()).unwrap();
    assert_eq!(read_office(&reloaded).unwrap(), g.data.office);
    println!(
        "small county: {} records in {bytes} B of documents",
        g.data.record_count()
    );
}

// ---------------------------------------------------------------- hand-built counties

/// One township, one place (v1, branch vb1), one office branch b1 with leader l1 and
/// member p1-1: every rule satisfied for the whole year.
fn clean() -> CountyData {
    let registry = demo::registry(DemoSpec {
        townships: 1,
        places_per_township: 1,
        office_branches: 1,
        members_per_branch: 1,
    });
    let mut b = BranchRecords {
        branch: "b1".into(),
        ..Default::default()
    };
    b.points.insert("pt1".into(), point("pt1", "l1", "v1"));
    b.pairs.insert("pr1".into(), pair("pr1", "b1", "vb1"));
    b.targets
        .insert("t1".into(), target("t1", "p1-1", "王某某", 1000));
    for (id, kind, income) in [
        ("h1", HelpKind::Project, None),
        ("h2", HelpKind::Skill, None),
        ("h3", HelpKind::Income, Some(1100)),
    ] {
        b.help
            .insert(id.into(), help(id, "t1", kind, "2008-11-20", income));
    }
    for i in 1..=6 {
        let id = format!("lv{i}");
        b.visits
            .insert(id.clone(), visit(&id, "l1", "v1", &format!("2008-0{i}-10")));
    }
    for (i, kind) in PlanKind::ALL.iter().enumerate() {
        let id = format!("plan{i}");
        b.plans
            .insert(id.clone(), plan(&id, *kind, PlanStatus::Adopted));
    }
    for (i, kind) in DeedKind::ALL.iter().enumerate() {
        let id = format!("deed{i}");
        b.deeds.insert(id.clone(), deed(&id, *kind, "2008-09-01"));
    }
    // vb1 is a village's branch: the pair calls for 五送一建.
    b.activities.insert(
        "act1".into(),
        activity("act1", ActivityKind::FiveSend, "2008-08-01"),
    );
    b.cultivations.insert(
        "cu1".into(),
        Cultivation {
            id: "cu1".into(),
            date: "2008-10-01".into(),
            leader: "l1".into(),
            place: "v1".into(),
            kind: CultivationKind::Grower,
            name: "李大户".into(),
            note: String::new(),
            recorded_at: 0,
            withdrawn: false,
        },
    );
    let mut office = OfficeRecords::default();
    for c in ["t1", "c1"] {
        for kind in FilingKind::ALL {
            let id = format!("{c}-{}", kind.code());
            office
                .filings
                .insert(id.clone(), filing(&id, c, *kind, "2008-07-08"));
        }
    }
    for (q, date) in ["2008-02-15", "2008-05-15", "2008-08-15", "2008-11-15"]
        .iter()
        .enumerate()
    {
        let id = format!("q{q}");
        office
            .inspections
            .insert(id.clone(), inspection(&id, InspectionKind::Quarterly, date));
    }
    CountyData {
        registry,
        branches: [("b1".to_string(), b.into())].into(),
        office,
    }
}

fn point(id: &str, leader: &str, place: &str) -> LeaderPoint {
    LeaderPoint {
        id: id.into(),
        year: YEAR,
        leader: leader.into(),
        place: place.into(),
        note: String::new(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn pair(id: &str, branch: &str, partner: &str) -> BranchPair {
    BranchPair {
        id: id.into(),
        year: YEAR,
        branch: branch.into(),
        partner: partner.into(),
        author: "p1-1".into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn target(id: &str, member: &str, name: &str, baseline: i64) -> HelpTarget {
    HelpTarget {
        id: id.into(),
        year: YEAR,
        member: member.into(),
        name: name.into(),
        place: "v1".into(),
        kind: TargetKind::PoorResident,
        labour: Labour::Able,
        household_size: 4,
        baseline_income: baseline,
        note: String::new(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn help(id: &str, target: &str, kind: HelpKind, date: &str, income: Option<i64>) -> HelpRecord {
    HelpRecord {
        id: id.into(),
        date: date.into(),
        member: "p1-1".into(),
        target: target.into(),
        kind,
        detail: kind.label().into(),
        income,
        recorded_at: 0,
        withdrawn: false,
    }
}

fn visit(id: &str, author: &str, place: &str, date: &str) -> Visit {
    Visit {
        id: id.into(),
        author: author.into(),
        date: date.into(),
        place: place.into(),
        kind: VisitKind::Industry,
        note: "查看产业".into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn plan(id: &str, kind: PlanKind, status: PlanStatus) -> Plan {
    Plan {
        id: id.into(),
        year: YEAR,
        kind,
        status,
        date: "2008-05-01".into(),
        title: kind.label().into(),
        author: "p1-1".into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn deed(id: &str, kind: DeedKind, date: &str) -> Deed {
    Deed {
        id: id.into(),
        date: date.into(),
        kind,
        place: "v1".into(),
        note: String::new(),
        tie_in: Some(TieIn::PovertyKey),
        author: "p1-1".into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn activity(id: &str, kind: ActivityKind, date: &str) -> Activity {
    Activity {
        id: id.into(),
        date: date.into(),
        kind,
        partner: "vb1".into(),
        note: String::new(),
        author: "p1-1".into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn filing(id: &str, committee: &str, kind: FilingKind, date: &str) -> Filing {
    Filing {
        id: id.into(),
        year: YEAR,
        committee: committee.into(),
        kind,
        date: date.into(),
        note: String::new(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn inspection(id: &str, kind: InspectionKind, date: &str) -> Inspection {
    Inspection {
        id: id.into(),
        date: date.into(),
        kind,
        inspectors: "督查组".into(),
        findings: [("t1".to_string(), "台帐齐全".to_string())].into(),
        recorded_at: 0,
        withdrawn: false,
    }
}

fn b1(d: &mut CountyData) -> &mut BranchRecords {
    std::sync::Arc::make_mut(d.branches.get_mut("b1").unwrap())
}

fn add_person(d: &mut CountyData, id: &str, name: &str, role: Role) {
    d.registry.people.insert(
        id.into(),
        Person {
            id: id.into(),
            name: name.into(),
            branch: "b1".into(),
            role,
            position: String::new(),
            status: Default::default(),
        },
    );
}

/// The findings of one rule, as (subject, others, actual, message).
fn of(d: &CountyData, code: RuleCode, as_of: NaiveDate) -> Vec<(String, Vec<String>, i64, String)> {
    evaluate(d, YEAR, as_of)
        .into_iter()
        .filter(|f| f.rule == code)
        .map(|f| {
            (
                f.subject.id,
                f.others.into_iter().map(|o| o.id).collect(),
                f.actual,
                f.message,
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn the_clean_county_has_no_findings_at_any_time_of_year() {
    let d = clean();
    assert_eq!(evaluate(&d, YEAR, year_end()), vec![]);
    // Before the deadlines and before quarters end nothing is due yet either; visits and
    // deeds dated later than "today" are not counted, so they do show as open.
    let early = evaluate(&d, YEAR, day(3, 1));
    assert!(
        early.iter().all(|f| matches!(
            f.rule,
            RuleCode::LeaderVisits
                | RuleCode::BranchActivity
                | RuleCode::BranchDeed
                | RuleCode::LeaderCultivation
                | RuleCode::TargetProject
                | RuleCode::TargetSkill
                | RuleCode::TargetIncomeUnknown
        )),
        "{early:#?}"
    );
}

#[test]
fn coverage_finds_a_place_with_no_point_and_no_pair() {
    let mut d = clean();
    let mut v2 = d.registry.places["v1"].clone();
    v2.id = "v2".into();
    v2.name = "柳树村".into();
    d.registry.places.insert("v2".into(), v2);
    assert_eq!(
        of(&d, RuleCode::PlaceWithoutPoint, year_end()),
        [(s("v2"), vec![], 0, s("柳树村没有联点领导"))]
    );
    assert_eq!(of(&d, RuleCode::PlaceWithoutPair, year_end()).len(), 1);
    // Last year's point and a withdrawn pair do not cover it.
    let mut old = point("old", "l1", "v2");
    old.year = YEAR - 1;
    b1(&mut d).points.insert("old".into(), old);
    let mut gone = pair("gone", "b1", "vb1");
    gone.withdrawn = true;
    b1(&mut d).pairs.insert("pr1".into(), gone);
    assert_eq!(of(&d, RuleCode::PlaceWithoutPoint, year_end()).len(), 1);
    assert_eq!(of(&d, RuleCode::PlaceWithoutPair, year_end()).len(), 2);
}

#[test]
fn a_place_named_by_two_leaders_lists_both() {
    let mut d = clean();
    add_person(&mut d, "l9", "赵书记", Role::Leader);
    b1(&mut d)
        .points
        .insert("pt9".into(), point("pt9", "l9", "v1"));
    // The same leader's point entered twice on two phones is not a repeat.
    b1(&mut d)
        .points
        .insert("pt1b".into(), point("pt1b", "l1", "v1"));
    let f = of(&d, RuleCode::PointRepeated, year_end());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "v1");
    assert_eq!(f[0].1, [s("l1"), s("l9")]);
    assert_eq!(f[0].2, 2);
    assert!(f[0].3.contains("2 位领导"), "{}", f[0].3);
    assert!(
        of(&d, RuleCode::LeaderPoints, year_end()).is_empty(),
        "each has one point"
    );
}

#[test]
fn a_place_branch_paired_twice_and_a_household_helped_twice_are_repeats() {
    let mut d = clean();
    let mut b2 = d.registry.branches["b1"].clone();
    b2.id = "b2".into();
    d.registry.branches.insert("b2".into(), b2);
    let mut recs = BranchRecords {
        branch: "b2".into(),
        ..Default::default()
    };
    recs.pairs.insert("pr2".into(), pair("pr2", "b2", "vb1"));
    // A member of b2 enters the same household (same village, same name) as p1-1.
    d.registry.people.insert(
        "p2-1".into(),
        Person {
            id: "p2-1".into(),
            name: "钱干部".into(),
            branch: "b2".into(),
            role: Role::Member,
            position: String::new(),
            status: Default::default(),
        },
    );
    recs.targets
        .insert("t9".into(), target("t9", "p2-1", "王某某", 1000));
    d.branches.insert("b2".into(), recs.into());
    let f = of(&d, RuleCode::PairRepeated, year_end());
    assert_eq!(f, [(s("vb1"), vec![s("b1"), s("b2")], 2, f[0].3.clone())]);
    let f = of(&d, RuleCode::TargetRepeated, year_end());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "v1:王某某");
    assert_eq!(f[0].1, [s("p1-1"), s("p2-1")]);
    // A different head of household in the same village is not a repeat.
    std::sync::Arc::make_mut(d.branches.get_mut("b2").unwrap())
        .targets
        .get_mut("t9")
        .unwrap()
        .name = "王某".into();
    assert!(of(&d, RuleCode::TargetRepeated, year_end()).is_empty());
}

#[test]
fn each_leader_names_exactly_one_point() {
    let mut d = clean();
    b1(&mut d).points.get_mut("pt1").unwrap().withdrawn = true;
    assert_eq!(
        of(&d, RuleCode::LeaderPoints, year_end()),
        [(
            s("l1"),
            vec![],
            0,
            s(&format!("{}尚未确定联系点", d.registry.people["l1"].name))
        )]
    );
    b1(&mut d).points.get_mut("pt1").unwrap().withdrawn = false;
    let mut v2 = d.registry.places["v1"].clone();
    v2.id = "v2".into();
    d.registry.places.insert("v2".into(), v2);
    b1(&mut d)
        .points
        .insert("pt2".into(), point("pt2", "l1", "v2"));
    let f = of(&d, RuleCode::LeaderPoints, year_end());
    assert_eq!((f[0].1.clone(), f[0].2), (vec![s("v1"), s("v2")], 2));
}

#[test]
fn each_office_branch_pairs_exactly_once() {
    let mut d = clean();
    b1(&mut d).pairs.clear();
    assert_eq!(of(&d, RuleCode::BranchPairs, year_end())[0].2, 0);
    b1(&mut d).pairs.insert("a".into(), pair("a", "b1", "vb1"));
    b1(&mut d).pairs.insert("b".into(), pair("b", "b1", "vb7"));
    let f = of(&d, RuleCode::BranchPairs, year_end());
    assert_eq!((f[0].1.clone(), f[0].2), (vec![s("vb1"), s("vb7")], 2));
}

#[test]
fn every_member_has_a_target_but_leaders_are_held_to_their_point() {
    let mut d = clean();
    add_person(&mut d, "p1-2", "孙干部", Role::Member);
    add_person(&mut d, "l2", "周局长", Role::Leader);
    let f = of(&d, RuleCode::MemberWithoutTarget, year_end());
    assert_eq!(
        f,
        [(s("p1-2"), vec![s("b1")], 0, s("孙干部尚未确定帮扶对象"))]
    );
    let mut t = target("t2", "p1-2", "刘某", 900);
    t.labour = Labour::Unable;
    b1(&mut d).targets.insert("t2".into(), t);
    assert!(of(&d, RuleCode::MemberWithoutTarget, year_end()).is_empty());
}

#[test]
fn leader_visits_count_only_this_years_kept_visits_to_the_point_and_forecast_the_rest() {
    let mut d = clean();
    let v = &mut b1(&mut d).visits;
    v.remove("lv5");
    v.remove("lv6");
    // None of these count: withdrawn, last year, another place, a help visit, after today.
    let mut w = visit("w", "l1", "v1", "2008-06-20");
    w.withdrawn = true;
    v.insert("w".into(), w);
    v.insert("y".into(), visit("y", "l1", "v1", "2007-12-20"));
    v.insert("o".into(), visit("o", "l1", "v9", "2008-06-20"));
    let mut h = visit("h", "l1", "v1", "2008-06-20");
    h.kind = VisitKind::Help;
    v.insert("h".into(), h);
    v.insert("f".into(), visit("f", "l1", "v1", "2008-07-20"));
    let f = of(&d, RuleCode::LeaderVisits, day(6, 30));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].1.clone(), f[0].2), (vec![s("v1")], 4));
    assert_eq!(f[0].3, "已到点 4 次，12月31日前还需到点 2 次");
    // By the year's end the July visit counts: one short, and the year is over.
    let f = of(&d, RuleCode::LeaderVisits, year_end());
    assert_eq!(f[0].2, 5);
    assert_eq!(f[0].3, "全年到点 5 次，少于 6 次，差 1 次");
    b1(&mut d)
        .visits
        .insert("g".into(), visit("g", "l1", "v1", "2008-12-30"));
    assert!(of(&d, RuleCode::LeaderVisits, year_end()).is_empty());
}

#[test]
fn three_plans_must_be_past_draft() {
    let mut d = clean();
    b1(&mut d).plans.get_mut("plan1").unwrap().status = PlanStatus::Draft;
    b1(&mut d).plans.get_mut("plan2").unwrap().year = YEAR - 1;
    let f: Vec<_> = evaluate(&d, YEAR, year_end())
        .into_iter()
        .filter(|f| f.rule == RuleCode::BranchPlan)
        .map(|f| (f.item, f.message))
        .collect();
    let name = &d.registry.branches["b1"].name;
    assert_eq!(
        f,
        [
            (s("CoBuilding"), format!("{name}的共建方案尚在草拟中")),
            (s("Help"), format!("{name}尚未制定帮扶方案")),
        ]
    );
    // A second, adopted version of the draft settles it.
    b1(&mut d).plans.insert(
        "plan1b".into(),
        plan("plan1b", PlanKind::CoBuilding, PlanStatus::Done),
    );
    assert_eq!(of(&d, RuleCode::BranchPlan, year_end()).len(), 1);
}

#[test]
fn three_deeds_each_year() {
    let mut d = clean();
    b1(&mut d).deeds.get_mut("deed3").unwrap().withdrawn = true;
    b1(&mut d).deeds.get_mut("deed4").unwrap().date = "2007-09-01".into();
    let f: Vec<String> = evaluate(&d, YEAR, year_end())
        .into_iter()
        .filter(|f| f.rule == RuleCode::BranchDeed)
        .map(|f| f.item)
        .collect();
    assert_eq!(f, ["NewMember", "ReserveCadre"]);
}

/// 搞好三个活动: the pair decides which activity is due — 五送一建 with a village's branch,
/// 共驻共建 with a community's, 党工共建 with an enterprise's.
#[test]
fn issue_16_three_activities_follow_the_pair() {
    let activities = |d: &CountyData, as_of| -> Vec<(String, Vec<String>)> {
        evaluate(d, YEAR, as_of)
            .into_iter()
            .filter(|f| f.rule == RuleCode::BranchActivity)
            .map(|f| (f.item, f.others.into_iter().map(|o| o.id).collect()))
            .collect()
    };
    let mut d = clean();
    assert_eq!(activities(&d, year_end()), vec![]);
    // Not held yet on 1 July: it is dated 1 August.
    assert_eq!(activities(&d, day(7, 1)), [(s("FiveSend"), vec![s("vb1")])]);
    // Another activity does not stand in for the one the pair calls for; a withdrawn
    // one does not count.
    b1(&mut d).activities.insert(
        "act2".into(),
        activity("act2", ActivityKind::PartyLabour, "2008-08-02"),
    );
    b1(&mut d).activities.get_mut("act1").unwrap().withdrawn = true;
    let open = evaluate(&d, YEAR, year_end());
    let f: Vec<_> = open
        .iter()
        .filter(|f| f.rule == RuleCode::BranchActivity)
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].subject.id.as_str(), f[0].item.as_str()),
        ("b1", "FiveSend")
    );
    assert_eq!(
        f[0].message,
        "县农业农村局机关党支部本年尚未开展“五送一建”活动（结对支部：城关枣园村党支部）"
    );
    // Paired with a community's branch instead: 共驻共建 is due.
    d.registry.branches.get_mut("vb1").unwrap().kind = shared::model::BranchKind::Community;
    assert_eq!(
        activities(&d, year_end()),
        [(s("CoResident"), vec![s("vb1")])]
    );
    b1(&mut d).activities.insert(
        "act3".into(),
        activity("act3", ActivityKind::CoResident, "2008-08-03"),
    );
    assert_eq!(activities(&d, year_end()), vec![]);
    // A branch with no pair has the pair's finding, not one per activity.
    b1(&mut d).pairs.clear();
    b1(&mut d).activities.clear();
    assert_eq!(activities(&d, year_end()), vec![]);
    assert_eq!(of(&d, RuleCode::BranchPairs, year_end()).len(), 1);
}

#[test]
fn each_leader_raises_a_grower_technician_or_model_worker() {
    let mut d = clean();
    b1(&mut d).cultivations.get_mut("cu1").unwrap().date = "2007-10-01".into();
    let f = of(&d, RuleCode::LeaderCultivation, year_end());
    assert_eq!((f[0].0.clone(), f[0].1.clone()), (s("l1"), vec![s("v1")]));
}

#[test]
fn labour_capable_households_need_project_skill_and_ten_percent() {
    let mut d = clean();
    {
        let h = &mut b1(&mut d).help;
        h.get_mut("h1").unwrap().withdrawn = true;
        h.get_mut("h2").unwrap().date = "2007-05-01".into();
        // The latest income counts, not the highest: 1 060 on 1 000 is 6 %.
        h.insert(
            "h4".into(),
            help("h4", "t1", HelpKind::Income, "2008-12-20", Some(1060)),
        );
    }
    let f = of(&d, RuleCode::TargetIncome, year_end());
    assert_eq!(
        f,
        [(
            s("t1"),
            vec![s("p1-1")],
            6,
            s("帮扶对象王某某 收入增长 6%，未达 10%")
        )]
    );
    assert_eq!(of(&d, RuleCode::TargetProject, year_end()).len(), 1);
    assert_eq!(of(&d, RuleCode::TargetSkill, year_end()).len(), 1);
    // Exactly 10 % is enough; 9.9 % is not, and shows as 9 %.
    b1(&mut d).help.get_mut("h4").unwrap().income = Some(1100);
    assert!(of(&d, RuleCode::TargetIncome, year_end()).is_empty());
    b1(&mut d).help.get_mut("h4").unwrap().income = Some(1099);
    assert_eq!(of(&d, RuleCode::TargetIncome, year_end())[0].2, 9);
    // No income established at all.
    b1(&mut d).help.retain(|_, h| h.kind != HelpKind::Income);
    assert_eq!(of(&d, RuleCode::TargetIncomeUnknown, year_end()).len(), 1);
    // Households with potential or unable to work are not held to these three.
    b1(&mut d).targets.get_mut("t1").unwrap().labour = Labour::Potential;
    let open: Vec<_> = evaluate(&d, YEAR, year_end());
    assert_eq!(open, vec![]);
}

#[test]
fn filings_are_due_10_and_15_july_per_committee() {
    let mut d = clean();
    d.office.filings.remove("t1-ActivityPlan");
    d.office.filings.remove("t1-Roster");
    d.office
        .filings
        .get_mut("c1-RegistrationForms")
        .unwrap()
        .date = "2008-07-20".into();
    // On 12 July the plan is 2 days overdue; the roster is not due yet; the forms
    // arriving on the 20th are not known yet.
    let f: Vec<_> = evaluate(&d, YEAR, day(7, 12))
        .into_iter()
        .filter(|f| matches!(f.rule, RuleCode::FilingLate | RuleCode::FilingMissing))
        .map(|f| (f.rule, f.subject.id, f.item, f.actual))
        .collect();
    assert_eq!(
        f,
        [(RuleCode::FilingMissing, s("t1"), s("ActivityPlan"), 2)]
    );
    let f: Vec<_> = evaluate(&d, YEAR, day(8, 1))
        .into_iter()
        .filter(|f| matches!(f.rule, RuleCode::FilingLate | RuleCode::FilingMissing))
        .map(|f| (f.rule, f.subject.id, f.item, f.actual, f.message))
        .collect();
    assert_eq!(f.len(), 3);
    assert_eq!(f[0].0, RuleCode::FilingLate);
    assert_eq!(
        (f[0].1.as_str(), f[0].2.as_str(), f[0].3),
        ("c1", "RegistrationForms", 5)
    );
    assert!(
        f[0].4.contains("7月20日报送，晚于7月15日（迟 5 天）"),
        "{}",
        f[0].4
    );
    assert_eq!((f[1].0, f[1].3), (RuleCode::FilingMissing, 22));
    assert_eq!(
        (f[2].0, f[2].2.as_str(), f[2].3),
        (RuleCode::FilingMissing, "Roster", 17)
    );
}

#[test]
fn every_ended_quarter_needs_a_quarterly_inspection() {
    let mut d = clean();
    // Ids q0..q3 are the quarters' inspections.
    d.office.inspections.get_mut("q0").unwrap().kind = InspectionKind::Random;
    d.office.inspections.get_mut("q1").unwrap().withdrawn = true;
    let items = |d: &CountyData, as_of| -> Vec<String> {
        evaluate(d, YEAR, as_of)
            .into_iter()
            .filter(|f| f.rule == RuleCode::QuarterlyInspection)
            .map(|f| f.item)
            .collect()
    };
    assert_eq!(items(&d, day(6, 29)), ["Q1"]);
    assert_eq!(items(&d, day(6, 30)), ["Q1", "Q2"]);
    assert_eq!(items(&d, year_end()), ["Q1", "Q2"]);
}

#[test]
fn findings_concern_both_sides_for_the_home_page() {
    let mut d = clean();
    b1(&mut d).help.get_mut("h3").unwrap().income = Some(1050);
    let f = evaluate(&d, YEAR, year_end());
    let mine: Vec<_> = f.iter().filter(|f| f.concerns("p1-1")).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].message, "帮扶对象王某某 收入增长 5%，未达 10%");
    assert!(rules::RULES.len() >= 12);
}

// ---------------------------------------------------------------- documents and merges

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

#[test]
fn old_and_new_branch_documents_merge_their_new_maps() {
    // A phone with the skeleton's document and a phone with the new one, both offline.
    let id = shared::ids::DocId::branch("b1").unwrap();
    let mut old = shared::doc::new_document(&id, actor(1));
    shared::doc::put_visit(&mut old, &visit("v-a", "l1", "v1", "2008-03-01"), 1).unwrap();
    let mut new = new_branch_document("b1", actor(2)).unwrap();

    // The old one adds a plan (its maps arrive by the extension); the new one another plan.
    put(
        &mut old,
        &plan("pa", PlanKind::Economic, PlanStatus::Draft),
        2,
    )
    .unwrap();
    put(
        &mut new,
        &plan("pb", PlanKind::Help, PlanStatus::Adopted),
        2,
    )
    .unwrap();
    old.merge(&mut new).unwrap();
    new.merge(&mut old).unwrap();

    let a = read_branch_records(&old).unwrap();
    assert_eq!(a, read_branch_records(&new).unwrap());
    assert_eq!(
        a.plans.keys().collect::<Vec<_>>(),
        ["pa", "pb"],
        "neither plan hidden by a root conflict"
    );
    assert_eq!(a.visits.len(), 1);
    ensure_branch_maps(&mut old).unwrap();
    assert_eq!(
        old.get_heads(),
        new.get_heads(),
        "the extension is one identical change"
    );
}

#[test]
fn help_records_fork_edit_merge_and_withdraw() {
    let mut phone_a = new_branch_document("b1", actor(1)).unwrap();
    put(&mut phone_a, &target("t1", "p1-1", "王某某", 1000), 1).unwrap();
    put(
        &mut phone_a,
        &help("h1", "t1", HelpKind::Income, "2008-06-01", Some(1050)),
        1,
    )
    .unwrap();
    let mut phone_b = phone_a.fork().with_actor(actor(2));

    // A corrects the mid-year income; B withdraws it and logs the year-end one.
    put(
        &mut phone_a,
        &help("h1", "t1", HelpKind::Income, "2008-06-01", Some(1080)),
        2,
    )
    .unwrap();
    assert!(withdraw::<HelpRecord>(&mut phone_b, "h1", 2).unwrap());
    put(
        &mut phone_b,
        &help("h2", "t1", HelpKind::Income, "2008-12-01", Some(1150)),
        3,
    )
    .unwrap();
    assert!(!withdraw::<HelpRecord>(&mut phone_b, "nope", 3).unwrap());
    phone_a.merge(&mut phone_b).unwrap();
    phone_b.merge(&mut phone_a).unwrap();

    let a = read_branch_records(&phone_a).unwrap();
    assert_eq!(a, read_branch_records(&phone_b).unwrap());
    assert_eq!(a.help.len(), 2);
    let h1 = &a.help["h1"];
    assert!(
        h1.withdrawn,
        "the withdrawal survives the concurrent correction"
    );
    assert_eq!(h1.income, Some(1080), "and so does the correction");
    assert_eq!(a.help["h2"].income, Some(1150));
}

#[test]
fn county_office_documents_made_apart_merge() {
    let mut server = new_office_document(actor(1));
    let mut laptop = new_office_document(actor(2));
    assert_eq!(office_genesis().get_heads(), server.get_heads());
    put(
        &mut server,
        &filing("f1", "t1", FilingKind::ActivityPlan, "2008-07-09"),
        1,
    )
    .unwrap();
    put(
        &mut laptop,
        &inspection("i1", InspectionKind::Random, "2008-07-20"),
        1,
    )
    .unwrap();
    server.merge(&mut laptop).unwrap();
    let o = read_office(&server).unwrap();
    assert_eq!((o.filings.len(), o.inspections.len()), (1, 1));
    assert_eq!(o.inspections["i1"].findings["t1"], "台帐齐全");
}

/// Issue 17: a phone clock a year fast dated a visit a year ahead and nobody noticed.
/// Records dated more than a day after the real today are 需核实 for their author and
/// branch — kept, never refused — whatever day a view is "as of".
#[test]
fn issue_17_records_dated_after_tomorrow_are_to_verify() {
    let mut d = clean();
    let today = day(12, 30);
    assert_eq!(
        rules::impossible_dates(&d, year_end()),
        vec![],
        "the clean county"
    );
    let tomorrow = "2008-12-31";
    b1(&mut d)
        .visits
        .insert("soon".into(), visit("soon", "p1-1", "v1", tomorrow));
    b1(&mut d)
        .visits
        .insert("fast".into(), visit("fast", "p1-1", "v1", "2009-12-30"));
    b1(&mut d).deeds.insert(
        "late".into(),
        deed("late", DeedKind::Difficulty, "2009-01-02"),
    );
    let mut gone = visit("gone", "p1-1", "v1", "2010-01-01");
    gone.withdrawn = true;
    b1(&mut d).visits.insert("gone".into(), gone);

    let found = rules::impossible_dates(&d, today);
    let ids: Vec<(&str, &str, i64)> = found
        .iter()
        .map(|f| (f.item.as_str(), f.subject.id.as_str(), f.actual))
        .collect();
    assert_eq!(
        ids,
        [("fast", "p1-1", 365), ("late", "p1-1", 3)],
        "tomorrow is within the slack, a withdrawn record is no one's concern"
    );
    assert!(found.iter().all(|f| f.rule == RuleCode::DateToVerify
        && f.concerns("b1")
        && f.message.contains("需核实")));
    assert!(
        found[0].message.contains("2009-12-30"),
        "{}",
        found[0].message
    );
    // The records are still there and counted as usual once their day comes.
    assert!(["soon", "fast", "gone"]
        .iter()
        .all(|k| d.branches["b1"].visits.contains_key(*k)));
    assert_eq!(
        rules::impossible_dates(&d, NaiveDate::from_ymd_opt(2009, 12, 29).unwrap()),
        vec![],
        "judged against the real today only"
    );
}
