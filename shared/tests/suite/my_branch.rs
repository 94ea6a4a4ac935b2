//! Issue 18: the secretary's 本支部 page, read from the branch document alone.

use chrono::NaiveDate;
use shared::demo::{self, DemoSpec};
use shared::domain::my_branch::branch_page;
use shared::domain::records::{
    Activity, ActivityKind, BranchRecords, Deed, DeedKind, HelpTarget, Labour, Plan, PlanKind,
    PlanStatus, TargetKind,
};
use shared::domain::rules::RuleCode;
use shared::model::{Role, Visit, VisitKind};

fn visit(id: &str, author: &str, date: &str, withdrawn: bool) -> Visit {
    Visit {
        id: id.into(),
        author: author.into(),
        date: date.into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "走访".into(),
        recorded_at: 1,
        withdrawn,
    }
}

#[test]
fn issue_18_the_secretarys_branch_page_counts_this_years_work_and_each_persons_open_items() {
    let reg = demo::registry(DemoSpec::SMALL);
    let today = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let mut r = BranchRecords {
        branch: "b1".into(),
        ..Default::default()
    };
    for v in [
        visit("a", "p1-2", "2026-03-01", false),
        visit("b", "p1-2", "2026-04-01", false),
        visit("c", "p1-2", "2026-05-01", true), // withdrawn: not counted
        visit("d", "p1-2", "2025-05-01", false), // last year
        visit("e", "p1-3", "2026-06-01", false),
    ] {
        r.visits.insert(v.id.clone(), v);
    }
    r.targets.insert(
        "t1".into(),
        HelpTarget {
            id: "t1".into(),
            year: 2026,
            member: "p1-3".into(),
            name: "张某某".into(),
            place: "v1".into(),
            kind: TargetKind::PoorResident,
            labour: Labour::Able,
            household_size: 4,
            baseline_income: 3000,
            note: String::new(),
            recorded_at: 1,
            withdrawn: false,
        },
    );
    for (id, status) in [("pl1", PlanStatus::Adopted), ("pl2", PlanStatus::Draft)] {
        r.plans.insert(
            id.into(),
            Plan {
                id: id.into(),
                year: 2026,
                kind: PlanKind::Help,
                status,
                date: "2026-07-01".into(),
                title: "帮扶方案".into(),
                author: "p1-1".into(),
                recorded_at: 1,
                withdrawn: false,
            },
        );
    }
    r.activities.insert(
        "ac1".into(),
        Activity {
            id: "ac1".into(),
            date: "2026-07-02".into(),
            kind: ActivityKind::FiveSend,
            partner: "vb1".into(),
            note: "送政策".into(),
            author: "p1-1".into(),
            recorded_at: 1,
            withdrawn: false,
        },
    );
    r.deeds.insert(
        "de1".into(),
        Deed {
            id: "de1".into(),
            date: "2026-12-01".into(), // after today: not yet counted
            kind: DeedKind::Difficulty,
            place: "v1".into(),
            note: "修路".into(),
            tie_in: None,
            author: "p1-1".into(),
            recorded_at: 1,
            withdrawn: false,
        },
    );

    let page = branch_page(&reg, &r, "p1-1", today).expect("the secretary is in the registry");
    let ids: Vec<&str> = page.members.iter().map(|m| m.id.as_str()).collect();
    let b1: Vec<&str> = reg
        .people
        .values()
        .filter(|p| p.branch == "b1")
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, b1, "everyone of the branch, in the registry's order");
    let line = |id: &str| page.members.iter().find(|m| m.id == id).unwrap();
    assert_eq!(line("p1-2").visits, 2);
    assert_eq!(line("p1-3").visits, 1);
    assert_eq!(line("p1-3").households, 1);
    assert_eq!(line("l1").role, Role::Leader);
    // p1-2 helps nobody yet: that is their open item; p1-3's household lacks a project.
    assert!(line("p1-2")
        .findings
        .iter()
        .any(|f| f.rule == RuleCode::MemberWithoutTarget));
    assert!(line("p1-3").findings.iter().all(|f| f.concerns("p1-3")));
    let count = |list: &[shared::domain::my_branch::KindCount], label: &str| {
        list.iter().find(|k| k.label == label).map(|k| k.count)
    };
    assert_eq!(
        count(&page.plans, "帮扶方案"),
        Some(1),
        "a draft is no plan yet"
    );
    assert_eq!(count(&page.plans, "共建方案"), Some(0));
    assert_eq!(count(&page.activities, "五送一建"), Some(1));
    assert_eq!(count(&page.deeds, "解决实际困难"), Some(0));
    assert!(
        page.branch_findings.iter().all(|f| f.subject.id == "b1"),
        "{:?}",
        page.branch_findings
    );
    assert!(page
        .branch_findings
        .iter()
        .any(|f| f.rule == RuleCode::BranchPlan));
    // A member's phone has no such page: only people of the registry get one.
    assert!(branch_page(&reg, &r, "nobody", today).is_none());
}
