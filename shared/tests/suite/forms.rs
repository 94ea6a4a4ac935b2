//! Issue 3 on the phone: every form a field user fills in, its validation messages, and
//! the person's own findings computed from what the phone holds.

use automerge::ActorId;
use chrono::NaiveDate;
use shared::access::AccountRole;
use shared::demo::{self, DemoSpec};
use shared::domain::docs::{new_branch_document, read_branch_records};
use shared::domain::records::*;
use shared::domain::rules::{self, RuleCode};
use shared::forms::{self, entries, form, forms_for, submit, Entry, FormContext, FormKind, Input};
use shared::model::{Registry, Role};
use shared::records::appraisal::{Appraisal, AppraisalGrade};
use std::collections::BTreeMap;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
}

fn registry() -> Registry {
    demo::registry(DemoSpec::SMALL)
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Fills a form as the phone would: its defaults, then what the user typed.
fn fill(kind: FormKind, ctx: &FormContext, typed: &[(&str, &str)]) -> BTreeMap<String, String> {
    let f = form(kind, ctx);
    let mut v: BTreeMap<String, String> = f
        .fields
        .iter()
        .map(|f| (f.name.to_string(), f.default.clone()))
        .collect();
    v.extend(values(typed));
    v
}

struct Phone {
    registry: Registry,
    records: BranchRecords,
    doc: automerge::AutoCommit,
    next: u32,
}

impl Phone {
    fn new() -> Self {
        let doc = new_branch_document("b1", ActorId::from([7u8; 16])).unwrap();
        Phone {
            registry: registry(),
            records: read_branch_records(&doc).unwrap(),
            doc,
            next: 0,
        }
    }

    /// Submits a form as `who` and, when valid, saves it into the branch document.
    fn save(
        &mut self,
        who: &str,
        kind: FormKind,
        typed: &[(&str, &str)],
    ) -> Result<Entry, Vec<(&'static str, String)>> {
        let me = self.registry.people[who].clone();
        let ctx = FormContext {
            registry: &self.registry,
            me: &me,
            records: &self.records,
            today: today(),
            last_place: None,
        };
        let v = fill(kind, &ctx, typed);
        self.next += 1;
        let entry = submit(
            kind,
            &v,
            &ctx,
            format!("r{}", self.next),
            1_000 + i64::from(self.next),
        )
        .map_err(|es| {
            es.into_iter()
                .map(|e| (e.field, e.message()))
                .collect::<Vec<_>>()
        })?;
        entry.put(&mut self.doc, 1).unwrap();
        self.records = read_branch_records(&self.doc).unwrap();
        Ok(entry)
    }

    fn findings(&self, who: &str) -> Vec<rules::Finding> {
        rules::for_person(&self.registry, &self.records, who, 2026, today())
    }
}

fn messages(errs: &[(&'static str, String)], field: &str) -> Vec<String> {
    errs.iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, m)| m.clone())
        .collect()
}

#[test]
fn issue_3_each_role_gets_the_forms_of_its_link() {
    assert!(forms_for(Role::Leader).contains(&FormKind::Point));
    assert!(!forms_for(Role::Member).contains(&FormKind::Point));
    assert!(forms_for(Role::Secretary).contains(&FormKind::Plan));
    assert!(!forms_for(Role::Member).contains(&FormKind::Plan));
    // Every kind is some account's form and every field id is unique within its form.
    for kind in FormKind::ALL {
        assert!(
            AccountRole::ALL
                .iter()
                .any(|r| forms::forms_for_account(*r).contains(kind)),
            "{kind:?} is nobody's form"
        );
        assert_eq!(FormKind::from_slug(kind.slug()), Some(*kind));
    }

    let mut phone = Phone::new();
    let errs = phone
        .save("p1-2", FormKind::Plan, &[("kind", "Help")])
        .unwrap_err();
    assert_eq!(messages(&errs, "form"), ["党员不能记“三个方案”"]);
    assert!(phone.records.plans.is_empty(), "nothing saved");
}

#[test]
fn issue_3_household_numbers_must_be_numbers_at_least_zero() {
    let mut phone = Phone::new();
    let errs = phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", ""),
                ("household_size", "0"),
                ("baseline_income", "两千"),
            ],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "name"), ["请填写户主姓名"]);
    assert_eq!(
        messages(&errs, "household_size"),
        ["家庭人口须为不小于 1 的整数"]
    );
    assert_eq!(
        messages(&errs, "baseline_income"),
        ["年初人均纯收入须为整数（不小于 0）"]
    );
    let errs = phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", "王某某"),
                ("household_size", "4"),
                ("baseline_income", "-3"),
            ],
        )
        .unwrap_err();
    assert_eq!(
        messages(&errs, "baseline_income"),
        ["年初人均纯收入须为不小于 0 的整数"]
    );
    assert!(phone.records.targets.is_empty());

    // What people actually type: thousands separators and the unit.
    let Entry::Target(t) = phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", " 王某某 "),
                ("household_size", "4人"),
                ("baseline_income", "2,400元"),
            ],
        )
        .unwrap()
    else {
        panic!("a target form makes a target")
    };
    assert_eq!(
        (t.name.as_str(), t.household_size, t.baseline_income),
        ("王某某", 4, 2400)
    );
    assert_eq!(t.member, "p1-2", "attributed to who is logged in");
    assert_eq!(t.year, 2026);
}

#[test]
fn issue_3_dates_cannot_be_in_the_future_and_years_are_near() {
    let mut phone = Phone::new();
    let errs = phone
        .save(
            "l1",
            FormKind::Cultivation,
            &[("date", "2026-09-02"), ("name", "张某")],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "date"), ["日期不能晚于今天"]);
    let errs = phone
        .save("l1", FormKind::Point, &[("year", "2030")])
        .unwrap_err();
    assert_eq!(messages(&errs, "year"), ["年度须为 2025–2027 年"]);
    let errs = phone
        .save(
            "l1",
            FormKind::Visit,
            &[("date", "2026-09-02"), ("note", "到村")],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "date"), ["到点日期不能晚于今天"]);
}

#[test]
fn issue_3_help_is_for_my_own_households_and_income_records_carry_an_income() {
    let mut phone = Phone::new();
    let help = form(
        FormKind::Help,
        &FormContext {
            registry: &phone.registry,
            me: &phone.registry.people["p1-2"].clone(),
            records: &phone.records,
            today: today(),
            last_place: None,
        },
    );
    assert_eq!(help.blocked.as_deref(), Some("请先确定帮扶对象，再记帮扶"));

    let mine = phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", "王某某"),
                ("household_size", "4"),
                ("baseline_income", "3000"),
            ],
        )
        .unwrap();
    let theirs = phone
        .save(
            "p1-3",
            FormKind::Target,
            &[
                ("name", "李某某"),
                ("household_size", "3"),
                ("baseline_income", "3000"),
            ],
        )
        .unwrap();

    // The form offers only my households, the first one chosen.
    let me = phone.registry.people["p1-2"].clone();
    let ctx = FormContext {
        registry: &phone.registry,
        me: &me,
        records: &phone.records,
        today: today(),
        last_place: None,
    };
    let f = form(FormKind::Help, &ctx);
    let target = f.fields.iter().find(|f| f.name == "target").unwrap();
    let Input::Choice { choices, .. } = &target.input else {
        panic!("the household is chosen, not typed")
    };
    assert_eq!(choices.len(), 1);
    assert_eq!(target.default, mine.id());
    let income = f.fields.iter().find(|f| f.name == "income").unwrap();
    assert_eq!(income.shown_when, Some(("kind", &["Income"][..])));

    let errs = phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("target", theirs.id()), ("detail", "送种苗")],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "target"), ["请选择自己的帮扶对象"]);
    let errs = phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("kind", "Income"), ("detail", "入户核算"), ("income", "")],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "income"), ["请填写核定的人均纯收入"]);
    let Entry::Help(h) = phone
        .save(
            "p1-2",
            FormKind::Help,
            &[
                ("kind", "Income"),
                ("detail", "入户核算"),
                ("income", "3180"),
            ],
        )
        .unwrap()
    else {
        panic!("a help form makes a help record")
    };
    assert_eq!((h.target.as_str(), h.income), (mine.id(), Some(3180)));
    // An income typed into a hidden box of another kind is not stored.
    let Entry::Help(h) = phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("kind", "Skill"), ("detail", "学会嫁接"), ("income", "99")],
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(h.income, None);
}

#[test]
fn issue_3_a_later_plan_status_updates_the_same_plan() {
    let mut phone = Phone::new();
    phone
        .save(
            "p1-1",
            FormKind::Plan,
            &[("kind", "Help"), ("status", "Draft")],
        )
        .unwrap();
    phone
        .save(
            "p1-1",
            FormKind::Plan,
            &[("kind", "Help"), ("status", "Adopted")],
        )
        .unwrap();
    assert_eq!(phone.records.plans.len(), 1, "one plan of a kind a year");
    let plan = phone.records.plans.values().next().unwrap();
    assert_eq!(plan.status, PlanStatus::Adopted);
    assert_eq!(plan.title, "2026年度帮扶方案");
}

#[test]
fn issue_3_every_form_saves_with_its_defaults_and_lists_as_mine() {
    let mut phone = Phone::new();
    // A leader: point, visit, cultivation.
    phone
        .save("l1", FormKind::Point, &[("place", "v2")])
        .unwrap();
    phone
        .save("l1", FormKind::Visit, &[("note", "召开村两委会")])
        .unwrap();
    phone
        .save("l1", FormKind::Cultivation, &[("name", "张某")])
        .unwrap();
    // The visit and cultivation default to the leader's point: nobody picks it twice.
    assert!(phone.records.visits.values().all(|v| v.place == "v2"));
    assert!(phone.records.cultivations.values().all(|c| c.place == "v2"));

    // The secretary: the branch's pair, plan, activity, deed.
    phone
        .save("p1-1", FormKind::Pair, &[("partner", "vb3")])
        .unwrap();
    phone.save("p1-1", FormKind::Plan, &[]).unwrap();
    let Entry::Activity(a) = phone
        .save("p1-1", FormKind::Activity, &[("note", "送技术下乡")])
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        a.partner, "vb3",
        "the activity defaults to the paired branch"
    );
    phone
        .save(
            "p1-1",
            FormKind::Deed,
            &[("note", "修通组级公路"), ("tie_in", "PovertyKey")],
        )
        .unwrap();
    let errs = phone
        .save(
            "p1-1",
            FormKind::Deed,
            &[("note", "x"), ("tie_in", "Nonsense")],
        )
        .unwrap_err();
    assert_eq!(messages(&errs, "tie_in"), ["请选择五个结合"]);
    // A member: target, help, training.
    phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", "王某某"),
                ("household_size", "4"),
                ("baseline_income", "3000"),
            ],
        )
        .unwrap();
    phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("kind", "Project"), ("detail", "养猪")],
        )
        .unwrap();
    phone
        .save("p1-2", FormKind::Training, &[("name", "赵某")])
        .unwrap();

    let kinds_in = |records: &BranchRecords, who: &str| -> Vec<FormKind> {
        let r = &phone.registry;
        let mut k: Vec<FormKind> = entries(records, r, &r.people[who])
            .into_iter()
            .map(|e| e.kind)
            .collect();
        k.sort();
        k
    };
    let kinds = |who: &str| kinds_in(&phone.records, who);
    use FormKind::*;
    assert_eq!(kinds("l1"), [Visit, Point, Cultivation]);
    assert_eq!(
        kinds("p1-1"),
        [Pair, Plan, Activity, Deed],
        "the branch's own records"
    );
    assert_eq!(kinds("p1-2"), [Target, Help, Training]);
    assert!(
        kinds("p1-3").is_empty(),
        "another member's records are not mine"
    );

    // Withdrawing keeps the record in the document, and (issue 14) in the list, marked,
    // so its owner can restore it.
    let target = phone.records.targets.keys().next().unwrap().clone();
    assert!(forms::withdraw(&mut phone.doc, Target, &target, 2).unwrap());
    let after = read_branch_records(&phone.doc).unwrap();
    assert!(after.targets[&target].withdrawn);
    assert_eq!(kinds_in(&after, "p1-2"), [Target, Help, Training]);
    let r = &phone.registry;
    let line = entries(&after, r, &r.people["p1-2"])
        .into_iter()
        .find(|e| e.id == target)
        .unwrap();
    assert!(line.withdrawn);
}

#[test]
fn issue_3_my_findings_say_what_is_still_needed() {
    let mut phone = Phone::new();
    phone
        .save("l1", FormKind::Point, &[("place", "v2")])
        .unwrap();
    for d in ["2026-03-01", "2026-05-01"] {
        phone
            .save("l1", FormKind::Visit, &[("date", d), ("note", "到村")])
            .unwrap();
    }
    let leader = phone.findings("l1");
    let visits = leader
        .iter()
        .find(|f| f.rule == RuleCode::LeaderVisits)
        .expect("two visits are short of six");
    assert_eq!(visits.message, "已到点 2 次，12月31日前还需到点 4 次");
    assert!(
        leader.iter().all(|f| f.concerns("l1")),
        "only the leader's own"
    );

    // A member whose household grew 6 %.
    phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", "王某某"),
                ("household_size", "4"),
                ("baseline_income", "3000"),
            ],
        )
        .unwrap();
    phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("kind", "Income"), ("detail", "核算"), ("income", "3180")],
        )
        .unwrap();
    let member: Vec<String> = phone
        .findings("p1-2")
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert!(
        member.contains(&"帮扶对象王某某 收入增长 6%，未达 10%".to_string()),
        "{member:?}"
    );
    assert!(member.contains(&"帮扶对象王某某 尚未选定发展项目".to_string()));
    assert!(
        !member.iter().any(|m| m.contains("到点")),
        "a leader's shortfall is not the member's"
    );

    // Reaching 10 % clears it.
    phone
        .save(
            "p1-2",
            FormKind::Help,
            &[("kind", "Income"), ("detail", "复核"), ("income", "3300")],
        )
        .unwrap();
    assert!(!phone
        .findings("p1-2")
        .iter()
        .any(|f| f.rule == RuleCode::TargetIncome));

    // The secretary sees the branch's open items and the members still without a target.
    let sec = phone.findings("p1-1");
    assert!(sec.iter().any(|f| f.rule == RuleCode::BranchPlan));
    assert!(sec
        .iter()
        .any(|f| f.rule == RuleCode::MemberWithoutTarget && f.subject.id == "p1-3"));
    assert!(
        !sec.iter().any(|f| f.concerns("b2")),
        "nothing of other branches"
    );
}

/// Issue 4: a 党（工）委's staff keep their committee's own plans: the form's defaults
/// submit, a later status is the same plan, and what is typed wrong is said in Chinese.
#[test]
fn issue_4_the_committee_plan_form_submits_into_the_committee_document() {
    use shared::domain::docs::{put, read_committee};
    use shared::ids::DocId;
    assert_eq!(
        forms::forms_for_account(AccountRole::CommitteeStaff),
        [FormKind::CommitteePlan]
    );
    assert!(forms::forms_for_account(AccountRole::OfficeStaff).is_empty());
    assert!(!forms_for(Role::Secretary).contains(&FormKind::CommitteePlan));

    let form = forms::committee_form(today());
    let mut typed: BTreeMap<String, String> = form
        .fields
        .iter()
        .map(|f| (f.name.to_string(), f.default.clone()))
        .collect();
    typed.insert("status".into(), "Draft".into());
    let draft = forms::submit_committee_plan(&typed, "c1-staff", today(), 1).unwrap();
    assert_eq!(draft.year, 2026);
    assert_eq!(draft.kind, CommitteePlanKind::Activity);
    assert_eq!(draft.title, "2026年度活动方案");
    assert_eq!(draft.author, "c1-staff");

    let mut doc = shared::doc::new_document(&DocId::committee("c1").unwrap(), ActorId::random());
    put(&mut doc, &draft, 1).unwrap();
    typed.insert("status".into(), "Adopted".into());
    typed.insert(
        "content".into(),
        "分领导干部、机关支部、党员三个层次".into(),
    );
    let adopted = forms::submit_committee_plan(&typed, "c1-staff", today(), 2).unwrap();
    put(&mut doc, &adopted, 2).unwrap();
    let read = read_committee(&doc).unwrap();
    assert_eq!(read.committee, "c1");
    assert_eq!(read.plans.len(), 1, "one plan of a kind a year");
    assert_eq!(read.plans[&draft.id].status, PlanStatus::Adopted);

    // Bad input: a year far off, a date in the future, a kind that does not exist.
    typed.insert("year".into(), "2030".into());
    typed.insert("date".into(), "2026-12-01".into());
    typed.insert("kind".into(), "Nothing".into());
    let errs: Vec<(&str, String)> = forms::submit_committee_plan(&typed, "c1-staff", today(), 3)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.message()))
        .collect();
    assert_eq!(
        errs,
        [
            ("year", "年度须为 2025–2027 年".to_string()),
            ("kind", "请选择方案".to_string()),
            ("date", "日期不能晚于今天".to_string()),
        ]
    );
}

/// Issue 16: 民主评议参考, the branch secretary's year-end record per member for the
/// 年终民主评议 — the member's year, read from the branch document, beside the branch's
/// own conclusion. The kind was added as one file and a line in the list of kinds.
#[test]
fn issue_16_a_secretary_records_a_members_appraisal_beside_their_year() {
    let mut phone = Phone::new();
    // The member's year: a household whose income grew 10 %, one help visit.
    phone
        .save(
            "p1-2",
            FormKind::Target,
            &[
                ("name", "王某某"),
                ("household_size", "3"),
                ("baseline_income", "1000"),
            ],
        )
        .unwrap();
    let household = phone.records.targets.values().next().unwrap().id.clone();
    phone
        .save(
            "p1-2",
            FormKind::Help,
            &[
                ("target", household.as_str()),
                ("kind", "Income"),
                ("detail", "核定收入"),
                ("income", "1100"),
                ("date", "2026-08-01"),
            ],
        )
        .unwrap();
    phone
        .save(
            "p1-2",
            FormKind::Visit,
            &[("note", "走访王某某"), ("date", "2026-08-02")],
        )
        .unwrap();

    // Only the secretary keeps it.
    assert!(forms_for(Role::Secretary).contains(&FormKind::Appraisal));
    assert!(!forms_for(Role::Member).contains(&FormKind::Appraisal));
    let errs = phone
        .save("p1-2", FormKind::Appraisal, &[("member", "p1-2")])
        .unwrap_err();
    assert_eq!(messages(&errs, "form"), ["党员不能记“民主评议参考”"]);
    // Only a person of the secretary's own branch can be appraised.
    let errs = phone
        .save("p1-1", FormKind::Appraisal, &[("member", "p2-2")])
        .unwrap_err();
    assert_eq!(messages(&errs, "member"), ["请选择评议的党员"]);

    let first = phone
        .save(
            "p1-1",
            FormKind::Appraisal,
            &[
                ("member", "p1-2"),
                ("grade", "Excellent"),
                ("note", "群众评价好"),
            ],
        )
        .unwrap();
    assert_eq!(first.id(), "2026-p1-2");
    // A later conclusion for the member and year is the same record.
    phone
        .save(
            "p1-1",
            FormKind::Appraisal,
            &[
                ("member", "p1-2"),
                ("grade", "Qualified"),
                ("note", "群众评价好"),
            ],
        )
        .unwrap();
    assert_eq!(phone.records.appraisals.len(), 1);
    assert_eq!(
        phone.records.appraisals["2026-p1-2"].grade,
        AppraisalGrade::Qualified
    );

    let secretary = phone.registry.people["p1-1"].clone();
    let lines = entries(&phone.records, &phone.registry, &secretary);
    let line = lines
        .iter()
        .find(|l| l.kind == FormKind::Appraisal)
        .expect("the secretary lists it");
    assert_eq!(
        line.detail,
        "全年走访 1 次·帮扶对象 1 户·帮扶 1 次·收入增长达 10% 的 1 户。支部意见：群众评价好"
    );
    assert!(line.title.starts_with(&phone.registry.people["p1-2"].name));
    // The member appraised does not list the branch's record as theirs.
    let member = phone.registry.people["p1-2"].clone();
    assert!(entries(&phone.records, &phone.registry, &member)
        .iter()
        .all(|l| l.kind != FormKind::Appraisal));
    // Nobody but the secretary may touch it (the branch's own record).
    assert_eq!(shared::access::owner_field(FormKind::Appraisal.map()), None);
}

/// Issue 16: a new kind's map comes with a second extension of the branch document. The
/// first extension is unchanged (an older app's documents share it), two phones that add
/// the new map offline make the same one, and a document of an older app still loads.
#[test]
fn issue_16_a_new_map_comes_with_a_second_extension_and_old_documents_still_load() {
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{ObjType, ReadDoc, ROOT};
    use shared::domain::docs::{self, BRANCH_MAPS};
    use shared::ids::DocId;

    // The document an older app made: the genesis and the first extension only.
    let id = DocId::branch("b1").unwrap();
    let mut old = shared::doc::genesis(&id);
    for key in BRANCH_MAPS {
        old.put_object(ROOT, *key, ObjType::Map).unwrap();
    }
    old.commit_with(CommitOptions::default().with_time(0));
    let old_changes: Vec<_> = old.get_changes(&[]).iter().map(|c| c.hash()).collect();
    let system = shared::access::system_changes(&id);
    assert_eq!(system.len(), old_changes.len() + 1, "one more extension");
    assert_eq!(
        &system[..old_changes.len()],
        &old_changes[..],
        "the first is unchanged"
    );
    let mut old = old.with_actor(ActorId::from([1u8; 16]));
    let plan = Plan {
        id: "2026-Help".into(),
        year: 2026,
        kind: PlanKind::Help,
        status: PlanStatus::Adopted,
        date: "2026-03-01".into(),
        title: "帮扶方案".into(),
        author: "p1-1".into(),
        recorded_at: 1,
        withdrawn: false,
    };
    docs::put(&mut old, &plan, 1).unwrap();
    // Read as the older app left it: no appraisals, the plan intact.
    let read = read_branch_records(&old).unwrap();
    assert!(read.appraisals.is_empty());
    assert_eq!(read.plans["2026-Help"], plan);

    // Two phones each add an appraisal offline, then merge.
    let appraisal = |member: &str| Appraisal {
        id: format!("2026-{member}"),
        year: 2026,
        member: member.into(),
        grade: AppraisalGrade::Qualified,
        note: String::new(),
        author: "p1-1".into(),
        recorded_at: 2,
        withdrawn: false,
    };
    let mut a = old.fork().with_actor(ActorId::from([2u8; 16]));
    let mut b = old.fork().with_actor(ActorId::from([3u8; 16]));
    docs::put(&mut a, &appraisal("p1-2"), 2).unwrap();
    docs::put(&mut b, &appraisal("p1-3"), 3).unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(
        a.get_all(ROOT, "appraisals").unwrap().len(),
        1,
        "one map, no conflict"
    );
    let merged = read_branch_records(&a).unwrap();
    assert_eq!(
        merged.appraisals.keys().collect::<Vec<_>>(),
        ["2026-p1-2", "2026-p1-3"]
    );
    assert_eq!(merged.plans["2026-Help"], plan);
    // A new phone's document merges with both.
    let mut fresh = new_branch_document("b1", ActorId::from([4u8; 16])).unwrap();
    fresh.merge(&mut a).unwrap();
    assert_eq!(read_branch_records(&fresh).unwrap(), merged);
}

/// Issue 16: a phone not yet updated reads a branch document that a newer app gave a new
/// map (the second extension, 民主评议参考): the map it does not know is ignored, its
/// own records read as before.
#[test]
fn issue_16_an_older_app_still_reads_a_document_with_a_newer_map() {
    use autosurgeon::{hydrate, Hydrate};
    use shared::model::Visit;
    /// What an app before issue 16 hydrated: no `appraisals`.
    #[derive(Debug, Hydrate)]
    struct BeforeIssue16 {
        branch: String,
        visits: BTreeMap<String, Visit>,
        plans: BTreeMap<String, Plan>,
    }
    let mut doc = new_branch_document("b1", ActorId::from([5u8; 16])).unwrap();
    let appraisal = Appraisal {
        id: "2026-p1-2".into(),
        year: 2026,
        member: "p1-2".into(),
        grade: AppraisalGrade::Excellent,
        note: String::new(),
        author: "p1-1".into(),
        recorded_at: 1,
        withdrawn: false,
    };
    shared::domain::docs::put(&mut doc, &appraisal, 1).unwrap();
    let plan = Plan {
        id: "2026-Help".into(),
        year: 2026,
        kind: PlanKind::Help,
        status: PlanStatus::Done,
        date: "2026-05-01".into(),
        title: "帮扶方案".into(),
        author: "p1-1".into(),
        recorded_at: 2,
        withdrawn: false,
    };
    shared::domain::docs::put(&mut doc, &plan, 2).unwrap();
    let old: BeforeIssue16 = hydrate(&doc).expect("an older app reads the document");
    assert_eq!(old.branch, "b1");
    assert_eq!(old.plans["2026-Help"], plan);
    assert!(old.visits.is_empty());
}
