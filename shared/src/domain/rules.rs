//! The notice's rules as pure functions of the county's data, a year and "today".
//!
//! Each rule returns findings: who (a place, branch, person, household, committee or the
//! county office), what (a rule code and a Chinese message) and how far off (`expected`
//! vs `actual`). Nothing here ranks anyone. The server runs [`evaluate`] on the merged
//! county; a phone can run the same functions on what it holds and keep the findings
//! that [`Finding::concerns`] its user — coverage and repeats need the whole county, so
//! phones should show those from the server's summary instead.
//!
//! Common reading of the records: withdrawn records never count; links count for the
//! year they name; dated records count when dated in the year and not after `as_of`
//! (a record dated in the future is a typing error and must not satisfy a rule early).

use super::docs::OFFICE_DOC;
use super::records::*;
use crate::model::{labelled_enum, BranchKind, Registry, Role, Visit, VisitKind};
use crate::msg::Msg;
use autosurgeon::{Hydrate, Reconcile};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// 每年到点不少于6次.
pub const MIN_VISITS: usize = 6;
/// 人均收入增长不低于10%.
pub const MIN_GROWTH_PERCENT: i64 = 10;

labelled_enum!(
    RuleCode {
        PlaceWithoutPoint => "无联点领导",
        PlaceWithoutPair => "无结对支部",
        PointRepeated => "联系点重复",
        PairRepeated => "支部重复结对",
        TargetRepeated => "帮扶对象重复",
        LeaderPoints => "联系点数量不符",
        BranchPairs => "结对数量不符",
        MemberWithoutTarget => "未确定帮扶对象",
        LeaderVisits => "到点次数不足",
        BranchPlan => "三个方案未完成",
        BranchActivity => "三个活动未开展",
        BranchDeed => "三件实事未完成",
        LeaderCultivation => "未培养产业大户、技术骨干或岗位标兵",
        TargetProject => "未选定发展项目",
        TargetSkill => "未掌握实用技术",
        TargetIncome => "收入增长未达10%",
        TargetIncomeUnknown => "收入未核定",
        FilingLate => "报送迟于期限",
        FilingMissing => "逾期未报送",
        QuarterlyInspection => "季度检查未开展",
        DateToVerify => "日期需核实",
        IncomeToVerify => "收入核定需核实",
        VisitToVerify => "到点记录需核实",
    }
);

labelled_enum!(
    SubjectKind {
        Place => "联系点",
        Branch => "支部",
        Person => "党员",
        Household => "帮扶对象",
        Committee => "党委（工委）",
        CountyOffice => "县委组织部",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    /// Registry id; a help target's id for a household; `place:name` for a household
    /// found under two members (it has no id of its own).
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleCode,
    pub subject: Subject,
    /// What in particular, when one subject can fail a rule several ways: a plan, deed or
    /// filing kind code, a quarter (`Q2`); empty otherwise.
    pub item: String,
    /// The other side: both leaders of a repeated point, the leader's point, the member
    /// helping a household…
    pub others: Vec<Subject>,
    pub expected: i64,
    pub actual: i64,
    /// `msg` in Chinese: what the office's Chinese pages, exports and the server's logs
    /// show. The phone renders `msg` in the user's language instead.
    pub message: String,
    /// What the finding says, as a code with its values.
    pub msg: Msg,
}

/// What identifies a finding in tests and answer keys: rule, subject id, item, other
/// ids and the number found.
pub type FindingKey = (RuleCode, String, String, Vec<String>, i64);

impl Finding {
    pub fn key(&self) -> FindingKey {
        (
            self.rule,
            self.subject.id.clone(),
            self.item.clone(),
            self.others.iter().map(|o| o.id.clone()).collect(),
            self.actual,
        )
    }

    /// Whether the finding is about this id (person, branch, place…) on either side.
    pub fn concerns(&self, id: &str) -> bool {
        self.subject.id == id || self.others.iter().any(|o| o.id == id)
    }
}

/// A rule: all findings of one kind for the county, a year, as of a day.
pub type Rule = fn(&CountyData, i32, NaiveDate) -> Vec<Finding>;

/// Every rule, in the order the county view lists them.
pub const RULES: &[(&str, Rule)] = &[
    ("coverage", coverage),
    ("repeats", repeats),
    ("leader_points", leader_points),
    ("branch_pairs", branch_pairs),
    ("member_targets", member_targets),
    ("leader_visits", leader_visits),
    ("branch_plans", branch_plans),
    ("branch_activities", branch_activities),
    ("branch_deeds", branch_deeds),
    ("leader_cultivation", leader_cultivation),
    ("target_help", target_help),
    ("contradictions", contradictions),
    ("filings", filings),
    ("inspections", inspections),
];

/// All findings, sorted by rule then subject.
pub fn evaluate(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let mut all: Vec<Finding> = RULES
        .iter()
        .flat_map(|(_, r)| r(data, year, as_of))
        .collect();
    all.sort();
    all
}

// ---------------------------------------------------------------- reading helpers

fn date(s: &str) -> Option<NaiveDate> {
    crate::day::parse(s)
}

fn counts(s: &str, year: i32, as_of: NaiveDate) -> bool {
    date(s).is_some_and(|d| d.year() == year && d <= as_of)
}

fn ymd(year: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, m, d).expect("fixed calendar dates exist")
}

fn names(subjects: &[Subject]) -> Vec<String> {
    subjects.iter().map(|s| s.name.clone()).collect()
}

fn place(r: &Registry, id: &str) -> Subject {
    Subject {
        kind: SubjectKind::Place,
        id: id.into(),
        name: r.place_name(id).into(),
    }
}

fn person(r: &Registry, id: &str) -> Subject {
    Subject {
        kind: SubjectKind::Person,
        id: id.into(),
        name: r.person_name(id).into(),
    }
}

fn branch(r: &Registry, id: &str) -> Subject {
    Subject {
        kind: SubjectKind::Branch,
        id: id.into(),
        name: r.branches.get(id).map_or(id, |b| b.name.as_str()).into(),
    }
}

fn household(r: &Registry, t: &HelpTarget) -> Subject {
    Subject {
        kind: SubjectKind::Household,
        id: t.id.clone(),
        name: format!("{}（{}）", t.name, r.place_name(&t.place)),
    }
}

fn finding(
    rule: RuleCode,
    subject: Subject,
    item: &str,
    others: Vec<Subject>,
    expected: i64,
    actual: i64,
    msg: Msg,
) -> Finding {
    Finding {
        rule,
        subject,
        item: item.into(),
        others,
        expected,
        actual,
        message: msg.zh(),
        msg,
    }
}

fn points(data: &CountyData, year: i32) -> impl Iterator<Item = &LeaderPoint> {
    data.branches
        .values()
        .flat_map(|b| b.points.values())
        .filter(move |p| !p.withdrawn && p.year == year)
}

fn pairs(data: &CountyData, year: i32) -> impl Iterator<Item = &BranchPair> {
    data.branches
        .values()
        .flat_map(|b| b.pairs.values())
        .filter(move |p| !p.withdrawn && p.year == year)
}

fn targets(data: &CountyData, year: i32) -> impl Iterator<Item = (&BranchRecords, &HelpTarget)> {
    data.branches.values().flat_map(move |b| {
        b.targets
            .values()
            .filter(move |t| !t.withdrawn && t.year == year)
            .map(move |t| (&**b, t))
    })
}

/// Office branch → the distinct branches it names as partner this year.
fn partners_by_branch(data: &CountyData, year: i32) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut by_branch: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in pairs(data, year) {
        by_branch.entry(&p.branch).or_default().insert(&p.partner);
    }
    by_branch
}

/// Leader → the distinct places they name as point this year.
fn points_by_leader(data: &CountyData, year: i32) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut m: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in points(data, year) {
        m.entry(&p.leader).or_default().insert(&p.place);
    }
    m
}

fn leaders(r: &Registry) -> impl Iterator<Item = &crate::model::Person> {
    // Issue 13: people 停用 in the registry are no longer judged.
    r.people
        .values()
        .filter(|p| p.role == Role::Leader && p.status.is_active())
}

// ---------------------------------------------------------------- the rules

/// 覆盖到每个村、社区或企业: every place has a leader's point and a paired branch.
pub fn coverage(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    // A merged village's (撤并) links count for the place it was merged into.
    let pointed: BTreeSet<&str> = points(data, year)
        .map(|p| r.resolve_place(&p.place))
        .collect();
    let paired: BTreeSet<&str> = pairs(data, year)
        .filter_map(|p| r.branches.get(&p.partner)?.place.as_deref())
        .map(|p| r.resolve_place(p))
        .collect();
    let mut out = Vec::new();
    for p in r.places.values().filter(|p| p.status.is_active()) {
        if !pointed.contains(p.id.as_str()) {
            out.push(finding(
                RuleCode::PlaceWithoutPoint,
                place(r, &p.id),
                "",
                vec![],
                1,
                0,
                Msg::PlaceWithoutLeader {
                    place: p.name.clone(),
                },
            ));
        }
        if !paired.contains(p.id.as_str()) {
            out.push(finding(
                RuleCode::PlaceWithoutPair,
                place(r, &p.id),
                "",
                vec![],
                1,
                0,
                Msg::PlaceWithoutPair {
                    place: p.name.clone(),
                },
            ));
        }
    }
    out
}

/// 原则上不重复: a place is the point of one leader, a place's branch is paired with one
/// office branch, a household is helped by one member. Both sides are listed.
pub fn repeats(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let mut out = Vec::new();

    let mut by_place: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in points(data, year) {
        by_place.entry(&p.place).or_default().insert(&p.leader);
    }
    for (pl, ls) in by_place.into_iter().filter(|(_, ls)| ls.len() > 1) {
        let others: Vec<Subject> = ls.iter().map(|l| person(r, l)).collect();
        let subject = place(r, pl);
        let message = Msg::PointRepeated {
            place: subject.name.clone(),
            n: ls.len(),
            leaders: names(&others),
        };
        out.push(finding(
            RuleCode::PointRepeated,
            subject,
            "",
            others,
            1,
            ls.len() as i64,
            message,
        ));
    }

    let mut by_partner: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in pairs(data, year) {
        by_partner.entry(&p.partner).or_default().insert(&p.branch);
    }
    for (vb, bs) in by_partner.into_iter().filter(|(_, bs)| bs.len() > 1) {
        let others: Vec<Subject> = bs.iter().map(|b| branch(r, b)).collect();
        let subject = branch(r, vb);
        let message = Msg::PairRepeated {
            branch: subject.name.clone(),
            n: bs.len(),
            branches: names(&others),
        };
        out.push(finding(
            RuleCode::PairRepeated,
            subject,
            "",
            others,
            1,
            bs.len() as i64,
            message,
        ));
    }

    let mut by_household: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for (_, t) in targets(data, year) {
        by_household
            .entry((&t.place, &t.name))
            .or_default()
            .insert(&t.member);
    }
    for ((pl, name), ms) in by_household.into_iter().filter(|(_, ms)| ms.len() > 1) {
        let others: Vec<Subject> = ms.iter().map(|m| person(r, m)).collect();
        let subject = Subject {
            kind: SubjectKind::Household,
            id: format!("{pl}:{name}"),
            name: format!("{name}（{}）", r.place_name(pl)),
        };
        let message = Msg::TargetRepeated {
            household: subject.name.clone(),
            n: ms.len(),
            members: names(&others),
        };
        out.push(finding(
            RuleCode::TargetRepeated,
            subject,
            "",
            others,
            1,
            ms.len() as i64,
            message,
        ));
    }
    out
}

/// 确定一个联系点: each leader names exactly one point a year.
pub fn leader_points(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let by_leader = points_by_leader(data, year);
    let mut out = Vec::new();
    for l in leaders(r) {
        let places = by_leader.get(l.id.as_str());
        let n = places.map_or(0, BTreeSet::len);
        if n == 1 {
            continue;
        }
        let others: Vec<Subject> = places.into_iter().flatten().map(|p| place(r, p)).collect();
        let message = if n == 0 {
            Msg::NoPoint {
                leader: l.name.clone(),
            }
        } else {
            Msg::PointsNotOne {
                leader: l.name.clone(),
                n,
                places: names(&others),
            }
        };
        out.push(finding(
            RuleCode::LeaderPoints,
            person(r, &l.id),
            "",
            others,
            1,
            n as i64,
            message,
        ));
    }
    out
}

/// 与1个支部结成对子: each 机关/事业 branch pairs with exactly one place branch.
pub fn branch_pairs(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let by_branch = partners_by_branch(data, year);
    let mut out = Vec::new();
    for b in r.writing_branches().filter(|b| b.status.is_active()) {
        let partners = by_branch.get(b.id.as_str());
        let n = partners.map_or(0, BTreeSet::len);
        if n == 1 {
            continue;
        }
        let others: Vec<Subject> = partners
            .into_iter()
            .flatten()
            .map(|p| branch(r, p))
            .collect();
        let message = if n == 0 {
            Msg::NotPaired {
                branch: b.name.clone(),
            }
        } else {
            Msg::PairsNotOne {
                branch: b.name.clone(),
                n,
                partners: names(&others),
            }
        };
        out.push(finding(
            RuleCode::BranchPairs,
            branch(r, &b.id),
            "",
            others,
            1,
            n as i64,
            message,
        ));
    }
    out
}

/// 所有党员要确定帮扶对象: every member of a 机关/事业 branch has at least one target.
/// Leaders are held to their point instead (their link is 领导联点).
pub fn member_targets(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let with_target: BTreeSet<&str> = targets(data, year)
        .map(|(_, t)| t.member.as_str())
        .collect();
    let writing: BTreeSet<&str> = r.writing_branches().map(|b| b.id.as_str()).collect();
    r.people
        .values()
        .filter(|p| {
            p.role != Role::Leader && p.status.is_active() && writing.contains(p.branch.as_str())
        })
        .filter(|p| !with_target.contains(p.id.as_str()))
        .map(|p| {
            finding(
                RuleCode::MemberWithoutTarget,
                person(r, &p.id),
                "",
                vec![branch(r, &p.branch)],
                1,
                0,
                Msg::NoTarget {
                    member: p.name.clone(),
                },
            )
        })
        .collect()
}

/// 每年到点不少于6次: visits to the leader's point (to any place while they have none),
/// with how many are still needed by 31 December.
pub fn leader_visits(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let by_leader = points_by_leader(data, year);
    let mut visits: BTreeMap<&str, Vec<&Visit>> = BTreeMap::new();
    for v in data.branches.values().flat_map(|b| b.visits.values()) {
        if !v.withdrawn && v.kind != VisitKind::Help && counts(&v.date, year, as_of) {
            visits.entry(&v.author).or_default().push(v);
        }
    }
    let year_end = ymd(year, 12, 31);
    let mut out = Vec::new();
    for l in leaders(r) {
        let pts = by_leader.get(l.id.as_str());
        let n = visits.get(l.id.as_str()).map_or(0, |vs| {
            vs.iter()
                .filter(|v| pts.is_none_or(|p| p.contains(v.place.as_str())))
                .count()
        });
        if n >= MIN_VISITS {
            continue;
        }
        let need = MIN_VISITS - n;
        let message = if as_of < year_end {
            Msg::VisitsDue { done: n, need }
        } else {
            Msg::VisitsShort {
                done: n,
                min: MIN_VISITS,
                short: need,
            }
        };
        let others = pts.into_iter().flatten().map(|p| place(r, p)).collect();
        out.push(finding(
            RuleCode::LeaderVisits,
            person(r, &l.id),
            "",
            others,
            MIN_VISITS as i64,
            n as i64,
            message,
        ));
    }
    out
}

/// 定好三个方案: each 机关/事业 branch has each plan of the year past the draft stage.
pub fn branch_plans(data: &CountyData, year: i32, _as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let empty = BranchRecords::default();
    let mut out = Vec::new();
    for b in r.writing_branches().filter(|b| b.status.is_active()) {
        let recs = data.branches.get(&b.id).map_or(&empty, |r| &**r);
        for kind in PlanKind::ALL {
            let of_kind: Vec<&Plan> = recs
                .plans
                .values()
                .filter(|p| !p.withdrawn && p.year == year && p.kind == *kind)
                .collect();
            if of_kind.iter().any(|p| p.status != PlanStatus::Draft) {
                continue;
            }
            let (branch_name, plan) = (b.name.clone(), kind.label().to_string());
            let message = if of_kind.is_empty() {
                Msg::PlanMissing {
                    branch: branch_name,
                    plan,
                }
            } else {
                Msg::PlanDraft {
                    branch: branch_name,
                    plan,
                }
            };
            out.push(finding(
                RuleCode::BranchPlan,
                branch(r, &b.id),
                kind.code(),
                vec![],
                1,
                0,
                message,
            ));
        }
    }
    out
}

/// The activity of 三个活动 a pair with this branch calls for: 与联建支部开展"五送一建"
/// (a village branch), 协助驻社区单位开展"共驻共建" (a community's), 指导企业开展"党工共建"
/// (an enterprise's). `None` for a partner that is not a village, community or enterprise
/// branch; a partner missing from the registry is judged by nothing.
pub fn activity_for(r: &Registry, partner: &str) -> Option<ActivityKind> {
    match r.branches.get(partner)?.kind {
        BranchKind::Village => Some(ActivityKind::FiveSend),
        BranchKind::Community => Some(ActivityKind::CoResident),
        BranchKind::Enterprise => Some(ActivityKind::PartyLabour),
        BranchKind::Office | BranchKind::Institution => None,
    }
}

/// 搞好三个活动: each 机关/事业 branch holds this year, for each branch it is paired with,
/// the activity that pair calls for ([`activity_for`]). A branch with no pair has
/// [`branch_pairs`]'s finding instead. Any activity of the kind counts, whoever it was
/// held with: the notice asks the activity of the branch, and a 共驻共建 is held with
/// the community's units, not only its branch.
pub fn branch_activities(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let empty = BranchRecords::default();
    let by_branch = partners_by_branch(data, year);
    let mut out = Vec::new();
    for b in r.writing_branches().filter(|b| b.status.is_active()) {
        let recs = data.branches.get(&b.id).map_or(&empty, |r| &**r);
        let held: BTreeSet<ActivityKind> = recs
            .activities
            .values()
            .filter(|a| !a.withdrawn && counts(&a.date, year, as_of))
            .map(|a| a.kind)
            .collect();
        // Partner → the activity it calls for; two partners of one kind ask for it once.
        let mut due: BTreeMap<ActivityKind, Vec<&str>> = BTreeMap::new();
        for partner in by_branch.get(b.id.as_str()).into_iter().flatten() {
            if let Some(kind) = activity_for(r, partner) {
                due.entry(kind).or_default().push(partner);
            }
        }
        for (kind, partners) in due.into_iter().filter(|(k, _)| !held.contains(k)) {
            let others: Vec<Subject> = partners.iter().map(|p| branch(r, p)).collect();
            out.push(finding(
                RuleCode::BranchActivity,
                branch(r, &b.id),
                kind.code(),
                others.clone(),
                1,
                0,
                Msg::ActivityMissing {
                    branch: b.name.clone(),
                    activity: kind.label().into(),
                    partners: names(&others),
                },
            ));
        }
    }
    out
}

/// 办好三件实事: each 机关/事业 branch does each of the yearly deeds at least once.
pub fn branch_deeds(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let empty = BranchRecords::default();
    let mut out = Vec::new();
    for b in r.writing_branches().filter(|b| b.status.is_active()) {
        let recs = data.branches.get(&b.id).map_or(&empty, |r| &**r);
        let done: BTreeSet<DeedKind> = recs
            .deeds
            .values()
            .filter(|d| !d.withdrawn && counts(&d.date, year, as_of))
            .map(|d| d.kind)
            .collect();
        for kind in DeedKind::ALL.iter().filter(|k| !done.contains(k)) {
            out.push(finding(
                RuleCode::BranchDeed,
                branch(r, &b.id),
                kind.code(),
                vec![],
                1,
                0,
                Msg::DeedMissing {
                    branch: b.name.clone(),
                    deed: kind.label().into(),
                },
            ));
        }
    }
    out
}

/// 每年帮助联系点培养1名产业大户、技术骨干或岗位标兵.
pub fn leader_cultivation(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let done: BTreeSet<&str> = data
        .branches
        .values()
        .flat_map(|b| b.cultivations.values())
        .filter(|c| !c.withdrawn && counts(&c.date, year, as_of))
        .map(|c| c.leader.as_str())
        .collect();
    let by_leader = points_by_leader(data, year);
    leaders(r)
        .filter(|l| !done.contains(l.id.as_str()))
        .map(|l| {
            let others = by_leader
                .get(l.id.as_str())
                .into_iter()
                .flatten()
                .map(|p| place(r, p))
                .collect();
            finding(
                RuleCode::LeaderCultivation,
                person(r, &l.id),
                "",
                others,
                1,
                0,
                Msg::NoCultivation {
                    leader: l.name.clone(),
                },
            )
        })
        .collect()
}

/// The income a household's help records establish: the latest income record's (by day,
/// then by when it was recorded), not the highest.
pub fn latest_income(help: &[&HelpRecord]) -> Option<i64> {
    help.iter()
        .filter(|h| h.kind == HelpKind::Income)
        .filter_map(|h| Some(((&h.date, h.recorded_at, &h.id), h.income?)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, income)| income)
}

/// 人均收入增长不低于10%: `income` on a year's `baseline`.
pub fn income_on_track(baseline: i64, income: i64) -> bool {
    income * 100 >= baseline * (100 + MIN_GROWTH_PERCENT)
}

/// 对有劳动能力的帮扶对象: 1 project, 1 skill, per-capita income up at least 10 % on the
/// year's baseline, judged on the latest income established this year.
pub fn target_help(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let mut out = Vec::new();
    for recs in data.branches.values() {
        let mut help: BTreeMap<&str, Vec<&HelpRecord>> = BTreeMap::new();
        for h in recs.help.values() {
            if !h.withdrawn && counts(&h.date, year, as_of) {
                help.entry(&h.target).or_default().push(h);
            }
        }
        for t in recs.targets.values() {
            if t.withdrawn || t.year != year || t.labour != Labour::Able {
                continue;
            }
            let hs = help.get(t.id.as_str()).map_or(&[][..], Vec::as_slice);
            let has = |k: HelpKind| hs.iter().any(|h| h.kind == k);
            let who = || household(r, t);
            let member = || vec![person(r, &t.member)];
            if !has(HelpKind::Project) {
                out.push(finding(
                    RuleCode::TargetProject,
                    who(),
                    "",
                    member(),
                    1,
                    0,
                    Msg::TargetNoProject {
                        household: t.name.clone(),
                    },
                ));
            }
            if !has(HelpKind::Skill) {
                out.push(finding(
                    RuleCode::TargetSkill,
                    who(),
                    "",
                    member(),
                    1,
                    0,
                    Msg::TargetNoSkill {
                        household: t.name.clone(),
                    },
                ));
            }
            if !contradictory_incomes(hs).is_empty() {
                // Two figures for one year: [`contradictions`] asks which is right; the
                // growth is not judged on whichever happens to be later.
                continue;
            }
            match latest_income(hs) {
                None => out.push(finding(
                    RuleCode::TargetIncomeUnknown,
                    who(),
                    "",
                    member(),
                    MIN_GROWTH_PERCENT,
                    0,
                    Msg::TargetIncomeUnknown {
                        household: t.name.clone(),
                    },
                )),
                Some(income) if !income_on_track(t.baseline_income, income) => {
                    let growth = growth_percent(t.baseline_income, income);
                    out.push(finding(
                        RuleCode::TargetIncome,
                        who(),
                        "",
                        member(),
                        MIN_GROWTH_PERCENT,
                        growth,
                        Msg::TargetIncomeShort {
                            household: t.name.clone(),
                            growth,
                            goal: MIN_GROWTH_PERCENT,
                        },
                    ));
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// Days within which two different certified incomes of one household contradict each
/// other: a household's income is measured mid-year and certified at the year's end, so
/// two figures a few days apart are the same certification entered twice.
pub const INCOME_CONTRADICTION_DAYS: i64 = 14;

/// The different per-capita incomes certified (收入核定) in these help records within
/// [`INCOME_CONTRADICTION_DAYS`] of each other; empty when there are none.
fn contradictory_incomes(hs: &[&HelpRecord]) -> BTreeSet<i64> {
    let certified: Vec<(NaiveDate, i64)> = hs
        .iter()
        .filter(|h| h.kind == HelpKind::Income)
        .filter_map(|h| Some((date(&h.date)?, h.income?)))
        .collect();
    let mut out = BTreeSet::new();
    for (i, (d1, a)) in certified.iter().enumerate() {
        for (d2, b) in &certified[i + 1..] {
            if a != b && (*d1 - *d2).num_days().abs() <= INCOME_CONTRADICTION_DAYS {
                out.insert(*a);
                out.insert(*b);
            }
        }
    }
    out
}

/// 需核实 (issue 14): contradictions between records that merging cannot see, because
/// they are different records, each valid on its own — typically the same thing entered
/// on two phones with different figures. Never resolved silently: the people concerned
/// (the record's owner, and, naming the branch, its secretary and the county office)
/// are asked to withdraw or correct the wrong one.
///
/// - one household, two different certified incomes (收入核定) within
///   [`INCOME_CONTRADICTION_DAYS`] of each other: the growth of
///   [`target_help`] is not judged until one figure remains;
/// - one person, one place, one day, two visits with different notes.
pub fn contradictions(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let mut out = Vec::new();
    for (branch_id, recs) in &data.branches {
        let mut help: BTreeMap<&str, Vec<&HelpRecord>> = BTreeMap::new();
        for h in recs.help.values() {
            if !h.withdrawn && counts(&h.date, year, as_of) {
                help.entry(&h.target).or_default().push(h);
            }
        }
        for t in recs.targets.values() {
            if t.withdrawn || t.year != year {
                continue;
            }
            let hs = help.get(t.id.as_str()).map_or(&[][..], Vec::as_slice);
            let incomes = contradictory_incomes(hs);
            if incomes.len() < 2 {
                continue;
            }
            out.push(finding(
                RuleCode::IncomeToVerify,
                household(r, t),
                "",
                vec![person(r, &t.member), branch(r, branch_id)],
                1,
                incomes.len() as i64,
                Msg::IncomesContradict {
                    household: t.name.clone(),
                    year,
                    incomes: incomes.iter().copied().collect(),
                },
            ));
        }
        let mut visits: BTreeMap<(&str, &str, &str), Vec<&Visit>> = BTreeMap::new();
        for v in recs.visits.values() {
            if !v.withdrawn && counts(&v.date, year, as_of) {
                visits
                    .entry((&v.author, &v.place, &v.date))
                    .or_default()
                    .push(v);
            }
        }
        for ((author, place_id, day), vs) in visits {
            let notes: BTreeSet<&str> = vs.iter().map(|v| v.note.trim()).collect();
            if notes.len() < 2 {
                continue;
            }
            out.push(finding(
                RuleCode::VisitToVerify,
                person(r, author),
                day,
                vec![place(r, place_id), branch(r, branch_id)],
                1,
                vs.len() as i64,
                Msg::VisitsContradict {
                    leader: r.person_name(author).into(),
                    place: r.place_name(place_id).into(),
                    day: day.to_string(),
                    n: vs.len(),
                },
            ));
        }
    }
    out
}

/// Growth in whole percent, rounded down so a shortfall never displays as "10%".
pub fn growth_percent(baseline: i64, income: i64) -> i64 {
    if baseline <= 0 {
        return 0;
    }
    ((income - baseline) * 100).div_euclid(baseline)
}

/// The due day of a filing: the plan by 10 July, the ledger (roster and forms) by 15 July.
pub fn due(kind: FilingKind, year: i32) -> NaiveDate {
    match kind {
        FilingKind::ActivityPlan => ymd(year, 7, 10),
        FilingKind::Roster | FilingKind::RegistrationForms => ymd(year, 7, 15),
    }
}

/// 7月10日 / 7月15日, per committee: late if first received after the day, missing once the
/// day has passed without it. Not yet due and not yet received is no finding.
pub fn filings(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let r = &data.registry;
    let mut first: BTreeMap<(&str, FilingKind), NaiveDate> = BTreeMap::new();
    for f in data.office.filings.values() {
        if f.withdrawn || f.year != year {
            continue;
        }
        let Some(d) = date(&f.date).filter(|d| *d <= as_of) else {
            continue;
        };
        first
            .entry((f.committee.as_str(), f.kind))
            .and_modify(|e| *e = (*e).min(d))
            .or_insert(d);
    }
    let mut out = Vec::new();
    for c in r.committees.values() {
        let subject = || Subject {
            kind: SubjectKind::Committee,
            id: c.id.clone(),
            name: c.name.clone(),
        };
        for kind in FilingKind::ALL {
            let due = due(*kind, year);
            match first.get(&(c.id.as_str(), *kind)) {
                Some(d) if *d <= due => {}
                Some(d) => {
                    let late = (*d - due).num_days();
                    out.push(finding(
                        RuleCode::FilingLate,
                        subject(),
                        kind.code(),
                        vec![],
                        0,
                        late,
                        Msg::FilingLate {
                            committee: c.name.clone(),
                            filing: kind.label().into(),
                            on: crate::day::iso(*d),
                            due: crate::day::iso(due),
                            late,
                        },
                    ));
                }
                None if as_of > due => {
                    let over = (as_of - due).num_days();
                    out.push(finding(
                        RuleCode::FilingMissing,
                        subject(),
                        kind.code(),
                        vec![],
                        0,
                        over,
                        Msg::FilingMissing {
                            committee: c.name.clone(),
                            filing: kind.label().into(),
                            due: crate::day::iso(due),
                            over,
                        },
                    ));
                }
                None => {}
            }
        }
    }
    out
}

/// 季度检查: at least one quarterly inspection in every quarter that has ended.
pub fn inspections(data: &CountyData, year: i32, as_of: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    for q in 1..=4u32 {
        let start = ymd(year, 3 * q - 2, 1);
        let end = if q == 4 {
            ymd(year, 12, 31)
        } else {
            ymd(year, 3 * q + 1, 1).pred_opt().expect("a day before")
        };
        if as_of < end {
            continue;
        }
        let n = data
            .office
            .inspections
            .values()
            .filter(|i| !i.withdrawn && i.kind == InspectionKind::Quarterly)
            .filter(|i| date(&i.date).is_some_and(|d| d >= start && d <= end))
            .count();
        if n == 0 {
            out.push(finding(
                RuleCode::QuarterlyInspection,
                Subject {
                    kind: SubjectKind::CountyOffice,
                    id: OFFICE_DOC.into(),
                    name: "县委组织部".into(),
                },
                &format!("Q{q}"),
                vec![],
                1,
                0,
                Msg::QuarterWithoutInspection { quarter: q },
            ));
        }
    }
    out
}

/// The rules a phone can judge from one branch document: they concern only that
/// branch and its people. Coverage, repeats, filings and inspections need the whole
/// county and come from the server.
pub const LOCAL_RULES: &[(&str, Rule)] = &[
    ("leader_points", leader_points),
    ("branch_pairs", branch_pairs),
    ("member_targets", member_targets),
    ("leader_visits", leader_visits),
    ("branch_plans", branch_plans),
    ("branch_activities", branch_activities),
    ("branch_deeds", branch_deeds),
    ("leader_cultivation", leader_cultivation),
    ("target_help", target_help),
    ("contradictions", contradictions),
];

/// A person's own open findings, from what their phone holds: about them, and for a
/// branch secretary also about their branch and its members (whose findings name the
/// branch or the member).
pub fn for_person(
    registry: &Registry,
    records: &BranchRecords,
    me: &str,
    year: i32,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let Some(person) = registry.people.get(me) else {
        return Vec::new();
    };
    let mut branches = BTreeMap::new();
    branches.insert(person.branch.clone(), records.clone().into());
    let data = CountyData {
        registry: registry.clone(),
        branches,
        office: OfficeRecords::default(),
    };
    let secretary = person.role == Role::Secretary;
    let members: BTreeSet<&str> = registry
        .people
        .values()
        .filter(|p| p.branch == person.branch)
        .map(|p| p.id.as_str())
        .collect();
    let mut out: Vec<Finding> = LOCAL_RULES
        .iter()
        .flat_map(|(_, r)| r(&data, year, as_of))
        .filter(|f| {
            f.concerns(me)
                || (secretary
                    && (f.concerns(&person.branch) || members.iter().any(|m| f.concerns(m))))
        })
        .collect();
    out.sort();
    out
}

// ---------------------------------------------------------------- impossible dates

/// Days after `today` a record may be dated before it is impossible: a day covers the
/// time zones and midnight.
pub const FUTURE_SLACK_DAYS: i64 = 1;

/// 需核实: records dated more than a day after `today` (issue 17: a phone clock a year
/// fast dated a visit 2027). They are kept and shown as entered — nothing is refused or
/// lost — and, like every dated record, count for no rule before their date; this finding
/// asks their author (and, naming the branch, its secretary and the county office) to
/// check them. `today` is the judge's real day: the server's for the county, the phone's
/// corrected day (`clock`) on a phone. Unlike the rules of [`RULES`] it does not depend on
/// the year or day a view is "as of": a date is impossible only against the real today.
pub fn impossible_dates(data: &CountyData, today: NaiveDate) -> Vec<Finding> {
    let latest = today + chrono::Duration::days(FUTURE_SLACK_DAYS);
    let r = &data.registry;
    let mut out = Vec::new();
    for (branch_id, b) in &data.branches {
        let dated = b
            .visits
            .values()
            .map(|v| ("到点记录", &v.id, &v.date, &v.author, v.withdrawn))
            .chain(
                b.plans
                    .values()
                    .map(|x| ("三个方案", &x.id, &x.date, &x.author, x.withdrawn)),
            )
            .chain(
                b.activities
                    .values()
                    .map(|x| ("三个活动", &x.id, &x.date, &x.author, x.withdrawn)),
            )
            .chain(
                b.deeds
                    .values()
                    .map(|x| ("三件实事", &x.id, &x.date, &x.author, x.withdrawn)),
            )
            .chain(
                b.cultivations
                    .values()
                    .map(|x| ("培养人才", &x.id, &x.date, &x.leader, x.withdrawn)),
            )
            .chain(
                b.help
                    .values()
                    .map(|x| ("帮扶记录", &x.id, &x.date, &x.member, x.withdrawn)),
            )
            .chain(
                b.trainings
                    .values()
                    .map(|x| ("双向培养", &x.id, &x.date, &x.member, x.withdrawn)),
            );
        for (kind, id, d, author, withdrawn) in dated {
            let Some(d) = date(d).filter(|d| !withdrawn && *d > latest) else {
                continue;
            };
            let ahead = (d - today).num_days();
            out.push(finding(
                RuleCode::DateToVerify,
                person(r, author),
                id,
                vec![branch(r, branch_id)],
                0,
                ahead,
                Msg::DateAhead {
                    author: r.person_name(author).into(),
                    record: kind.into(),
                    day: crate::day::iso(d),
                    today: crate::day::iso(today),
                },
            ));
        }
    }
    out.sort();
    out
}

/// [`impossible_dates`] on a phone: of the records of the person's branch document, those
/// of the person (a secretary: of the whole branch), against the phone's corrected day.
pub fn impossible_dates_for(
    registry: &Registry,
    records: &BranchRecords,
    me: &str,
    today: NaiveDate,
) -> Vec<Finding> {
    let Some(person) = registry.people.get(me) else {
        return Vec::new();
    };
    let mut branches = BTreeMap::new();
    branches.insert(person.branch.clone(), records.clone().into());
    let data = CountyData {
        registry: registry.clone(),
        branches,
        office: OfficeRecords::default(),
    };
    let secretary = person.role == Role::Secretary;
    impossible_dates(&data, today)
        .into_iter()
        .filter(|f| f.subject.id == me || (secretary && f.concerns(&person.branch)))
        .collect()
}
