//! 本支部 (issue 18): what a branch secretary's phone shows of their branch — its
//! people with their open items, and the branch's own 三个方案 / 三个活动 / 三件实事 of
//! the year. Read from the one branch document the phone holds, so it works offline and
//! changes the moment an entry is saved; the findings are [`rules::for_person`]'s, the
//! same the secretary's home page and the server judge by. Outcomes, never a ranking:
//! people are listed as the registry orders them.

use crate::domain::records::{ActivityKind, BranchRecords, DeedKind, PlanKind, PlanStatus};
use crate::domain::rules::{self, Finding};
use crate::model::{Registry, Role};
use chrono::{Datelike, NaiveDate};

/// One person of the branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Visits of the year (to the contact point, or to households), not withdrawn.
    pub visits: usize,
    /// Households they help this year.
    pub households: usize,
    /// Their open findings (about them or the households they help).
    pub findings: Vec<Finding>,
}

/// How many records of one kind the branch has this year: the kind's label (the notice's
/// term, translated by the app) and the count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchPage {
    pub members: Vec<MemberLine>,
    /// Per 方案 kind: plans adopted or carried out (a draft is not yet a plan).
    pub plans: Vec<KindCount>,
    pub activities: Vec<KindCount>,
    pub deeds: Vec<KindCount>,
    /// Findings about the branch itself (its pair, plans, deeds…).
    pub branch_findings: Vec<Finding>,
}

fn dated_in(date: &str, year: i32, as_of: NaiveDate) -> bool {
    crate::day::parse(date).is_some_and(|d| d.year() == year && d <= as_of)
}

/// One [`KindCount`] per kind, in the notice's order.
fn per_kind<K: Copy>(
    all: &[K],
    label: fn(K) -> &'static str,
    count: impl Fn(K) -> usize,
) -> Vec<KindCount> {
    all.iter()
        .map(|&k| KindCount {
            label: label(k),
            count: count(k),
        })
        .collect()
}

/// The 本支部 page of `secretary`'s branch as of `as_of` (its year). `None` when the
/// person is not in the registry.
pub fn branch_page(
    registry: &Registry,
    records: &BranchRecords,
    secretary: &str,
    as_of: NaiveDate,
) -> Option<BranchPage> {
    let me = registry.people.get(secretary)?;
    let year = as_of.year();
    let findings = rules::for_person(registry, records, secretary, year, as_of);
    let members = registry
        .people
        .values()
        .filter(|p| p.branch == me.branch && p.status.is_active())
        .map(|p| MemberLine {
            id: p.id.clone(),
            name: p.name.clone(),
            role: p.role,
            visits: records
                .visits
                .values()
                .filter(|v| !v.withdrawn && v.author == p.id && dated_in(&v.date, year, as_of))
                .count(),
            households: records
                .targets
                .values()
                .filter(|t| !t.withdrawn && t.member == p.id && t.year == year)
                .count(),
            findings: findings
                .iter()
                .filter(|f| f.concerns(&p.id))
                .cloned()
                .collect(),
        })
        .collect();
    let plans = per_kind(PlanKind::ALL, PlanKind::label, |k| {
        records
            .plans
            .values()
            .filter(|p| {
                !p.withdrawn && p.kind == k && p.year == year && p.status != PlanStatus::Draft
            })
            .count()
    });
    let activities = per_kind(ActivityKind::ALL, ActivityKind::label, |k| {
        records
            .activities
            .values()
            .filter(|a| !a.withdrawn && a.kind == k && dated_in(&a.date, year, as_of))
            .count()
    });
    let deeds = per_kind(DeedKind::ALL, DeedKind::label, |k| {
        records
            .deeds
            .values()
            .filter(|d| !d.withdrawn && d.kind == k && dated_in(&d.date, year, as_of))
            .count()
    });
    let branch_findings = findings
        .iter()
        .filter(|f| f.subject.id == me.branch)
        .cloned()
        .collect();
    Some(BranchPage {
        members,
        plans,
        activities,
        deeds,
        branch_findings,
    })
}
