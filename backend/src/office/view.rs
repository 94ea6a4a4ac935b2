//! The county office's views, computed once per hub generation from the merged county
//! and the rules' findings: the overview, the drill-downs, search and the assessment.
//! Every figure is derived from the findings, so what the overview counts is exactly what
//! the rules report.
//!
//! What costs most — listing every record with its names for search and drill-downs — is
//! kept per branch document ([`Part`]) and carried over from the previous view while the
//! document (and the registry naming it) is unchanged: after a sync only the documents it
//! touched are listed again; the county-wide rules are re-run over the shared records.

use chrono::{Datelike, NaiveDate};
use shared::domain::records::*;
use shared::domain::rules::{evaluate, growth_percent, Finding, RuleCode, MIN_VISITS};
use shared::model::{Registry, Role, VisitKind};
use shared::office::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// Records per page in drill-downs and search.
pub const PER_PAGE: usize = 50;

/// Rules that, when they name a household, keep it from being "on track".
const HOUSEHOLD_RULES: [RuleCode; 4] = [
    RuleCode::TargetProject,
    RuleCode::TargetSkill,
    RuleCode::TargetIncome,
    RuleCode::TargetIncomeUnknown,
];

/// Everything the office pages read, for one reading of the county (one hub
/// generation), year, as-of day and real today.
pub struct View {
    pub year: i32,
    pub as_of: NaiveDate,
    /// The server's real day the impossible dates were judged against.
    pub today: NaiveDate,
    /// The county as read once for this generation, shared with every view of it and
    /// with the county summary (`crate::county`): never copied per view.
    pub data: Arc<CountyData>,
    pub findings: Vec<Finding>,
    /// Subject or other-side id → indices into `findings`.
    concerns: HashMap<String, Vec<usize>>,
    /// Subject id → indices, subject side only.
    about: HashMap<String, Vec<usize>>,
    /// Leader → distinct places named as point this year.
    points: BTreeMap<String, BTreeSet<String>>,
    /// Place → leaders naming it.
    place_leaders: BTreeMap<String, BTreeSet<String>>,
    /// Office branch → partner (place) branches; place → office branches.
    branch_partners: BTreeMap<String, BTreeSet<String>>,
    place_partners: BTreeMap<String, BTreeSet<String>>,
    /// Leader → visits counted towards the 6 (to their point, or anywhere while none).
    point_visits: HashMap<String, usize>,
    /// Place → leaders' visits there this year.
    place_visits: HashMap<String, usize>,
    /// Member → their targets this year (branch id, target).
    targets: BTreeMap<String, Vec<(String, HelpTarget)>>,
    /// Households failing a household rule.
    off_track: HashSet<String>,
    /// Every branch document's listed records, by branch id.
    parts: Vec<Arc<Part>>,
    /// How many of `parts` were carried over from the previous view.
    reused: usize,
    /// Place → its own (village, community, enterprise) branch.
    place_branch: HashMap<String, String>,
    /// Branch → its people, in id order.
    branch_people: HashMap<String, Vec<String>>,
    /// The overview is the same for every request on this view but its stamp.
    overview: OnceLock<Overview>,
    pub point_visits_by_month: Vec<usize>,
    pub help_visits_by_month: Vec<usize>,
}

/// One branch document's records as listed rows, newest first, named from `registry`.
pub struct Part {
    branch: String,
    records: Arc<BranchRecords>,
    registry: Arc<Registry>,
    rows: Vec<Indexed>,
    /// Person id → indices into `rows` of what they authored.
    by_author: HashMap<String, Vec<usize>>,
    /// The visits not withdrawn, their dates read once: every view counts them.
    visits: Vec<DatedVisit>,
}

struct DatedVisit {
    date: NaiveDate,
    help: bool,
    author: String,
    place: String,
}

impl Part {
    fn new(branch: &str, records: Arc<BranchRecords>, registry: Arc<Registry>) -> Part {
        let rows = flatten(&registry, branch, &records);
        let mut by_author: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by_author.entry(r.person().to_string()).or_default().push(i);
        }
        let visits = records
            .visits
            .values()
            .filter(|v| !v.withdrawn)
            .filter_map(|v| {
                Some(DatedVisit {
                    date: NaiveDate::parse_from_str(&v.date, "%Y-%m-%d").ok()?,
                    help: v.kind == VisitKind::Help,
                    author: v.author.clone(),
                    place: v.place.clone(),
                })
            })
            .collect();
        Part {
            branch: branch.to_string(),
            records,
            registry,
            rows,
            by_author,
            visits,
        }
    }

    fn is_for(&self, branch: &str, records: &Arc<BranchRecords>, registry: &Arc<Registry>) -> bool {
        self.branch == branch
            && Arc::ptr_eq(&self.records, records)
            && Arc::ptr_eq(&self.registry, registry)
    }
}

/// Lists the documents that have no part in `previous`, spread over the cores (after a
/// start every document is listed).
fn parts(
    data: &CountyData,
    registry: &Arc<Registry>,
    previous: Option<&View>,
) -> (Vec<Arc<Part>>, usize) {
    let old: HashMap<&str, &Arc<Part>> = previous
        .map(|v| v.parts.iter().map(|p| (p.branch.as_str(), p)).collect())
        .unwrap_or_default();
    let mut out: Vec<Option<Arc<Part>>> = Vec::with_capacity(data.branches.len());
    let mut todo = Vec::new();
    for (i, (b, recs)) in data.branches.iter().enumerate() {
        match old.get(b.as_str()) {
            Some(p) if p.is_for(b, recs, registry) => out.push(Some(Arc::clone(p))),
            _ => {
                out.push(None);
                todo.push((i, b.as_str(), recs));
            }
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(todo.len().max(1));
    let per_thread = todo.len().div_ceil(threads).max(1);
    let made: Vec<(usize, Arc<Part>)> = std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(per_thread)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(i, b, recs)| {
                            (
                                *i,
                                Arc::new(Part::new(b, Arc::clone(recs), registry.clone())),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let reused = out.len() - made.len();
    for (i, p) in made {
        out[i] = Some(p);
    }
    (out.into_iter().flatten().collect(), reused)
}

/// Merges lists that are each newest first into one, newest first (ties: earlier list
/// first, as one list sorted stably would), skipping `skip` and keeping at most `take`.
fn merge(lists: Vec<Vec<&Indexed>>, skip: usize, take: usize) -> (usize, Vec<&Indexed>) {
    let total = lists.iter().map(Vec::len).sum();
    let mut heap = BinaryHeap::new();
    for (l, list) in lists.iter().enumerate() {
        if let Some(r) = list.first() {
            heap.push((r.row.date.as_str(), r.row.id.as_str(), Reverse(l), 0usize));
        }
    }
    let mut out = Vec::new();
    let mut seen = 0;
    while let Some((_, _, Reverse(l), i)) = heap.pop() {
        if seen >= skip {
            if out.len() >= take {
                break;
            }
            out.push(lists[l][i]);
        }
        seen += 1;
        if let Some(r) = lists[l].get(i + 1) {
            heap.push((r.row.date.as_str(), r.row.id.as_str(), Reverse(l), i + 1));
        }
    }
    (total, out)
}

fn counts(date: &str, year: i32, as_of: NaiveDate) -> bool {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok_and(|d| d.year() == year && d <= as_of)
}

pub fn named(id: &str, name: &str) -> Named {
    Named {
        id: id.to_string(),
        name: name.to_string(),
    }
}

impl View {
    /// The view of `data` (whose registry is `registry`), reusing what `previous` listed
    /// of documents that have not changed since. `today` is passed in, not read, so the
    /// view is a function of its inputs and the cache can key on the day it was judged.
    pub fn build(
        data: Arc<CountyData>,
        registry: Arc<Registry>,
        year: i32,
        as_of: NaiveDate,
        today: NaiveDate,
        previous: Option<&View>,
    ) -> View {
        let mut findings = evaluate(&data, year, as_of);
        // Issue 17: records dated after the server's real today are 需核实 for the office
        // and in `/api/findings`, which reads these very findings.
        findings.extend(shared::domain::rules::impossible_dates(&data, today));
        let mut concerns: HashMap<String, Vec<usize>> = HashMap::new();
        let mut about: HashMap<String, Vec<usize>> = HashMap::new();
        let mut off_track = HashSet::new();
        for (i, f) in findings.iter().enumerate() {
            about.entry(f.subject.id.clone()).or_default().push(i);
            concerns.entry(f.subject.id.clone()).or_default().push(i);
            for o in &f.others {
                if o.id != f.subject.id {
                    concerns.entry(o.id.clone()).or_default().push(i);
                }
            }
            if HOUSEHOLD_RULES.contains(&f.rule) {
                off_track.insert(f.subject.id.clone());
            }
        }

        let mut points: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut place_leaders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut branch_partners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut place_partners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut targets: BTreeMap<String, Vec<(String, HelpTarget)>> = BTreeMap::new();
        for (bid, b) in &data.branches {
            for p in b.points.values().filter(|p| !p.withdrawn && p.year == year) {
                points
                    .entry(p.leader.clone())
                    .or_default()
                    .insert(p.place.clone());
                // A merged village's (撤并) links and visits show under its successor.
                place_leaders
                    .entry(data.registry.resolve_place(&p.place).to_string())
                    .or_default()
                    .insert(p.leader.clone());
            }
            for p in b.pairs.values().filter(|p| !p.withdrawn && p.year == year) {
                branch_partners
                    .entry(p.branch.clone())
                    .or_default()
                    .insert(p.partner.clone());
                if let Some(place) = data
                    .registry
                    .branches
                    .get(&p.partner)
                    .and_then(|vb| vb.place.clone())
                {
                    place_partners
                        .entry(data.registry.resolve_place(&place).to_string())
                        .or_default()
                        .insert(p.branch.clone());
                }
            }
            for t in b
                .targets
                .values()
                .filter(|t| !t.withdrawn && t.year == year)
            {
                targets
                    .entry(t.member.clone())
                    .or_default()
                    .push((bid.clone(), t.clone()));
            }
        }

        let (parts, reused) = parts(&data, &registry, previous);
        let mut point_visits: HashMap<String, usize> = HashMap::new();
        let mut place_visits: HashMap<String, usize> = HashMap::new();
        let mut point_by_month = vec![0; 12];
        let mut help_by_month = vec![0; 12];
        for v in parts.iter().flat_map(|p| p.visits.iter()) {
            if v.date.year() != year || v.date > as_of {
                continue;
            }
            let m = v.date.month0() as usize;
            if v.help {
                help_by_month[m] += 1;
                continue;
            }
            point_by_month[m] += 1;
            *place_visits
                .entry(data.registry.resolve_place(&v.place).to_string())
                .or_default() += 1;
            // The leader rule's reading: visits to their point, or anywhere while none.
            let to_point = points.get(&v.author).is_none_or(|ps| ps.contains(&v.place));
            if to_point {
                *point_visits.entry(v.author.clone()).or_default() += 1;
            }
        }

        let place_branch = data
            .registry
            .branches
            .values()
            .filter_map(|b| Some((b.place.clone()?, b.id.clone())))
            .collect();
        let mut branch_people: HashMap<String, Vec<String>> = HashMap::new();
        for p in data.registry.people.values() {
            branch_people
                .entry(p.branch.clone())
                .or_default()
                .push(p.id.clone());
        }

        View {
            year,
            as_of,
            today,
            data,
            findings,
            concerns,
            about,
            points,
            place_leaders,
            branch_partners,
            place_partners,
            point_visits,
            place_visits,
            targets,
            off_track,
            parts,
            reused,
            place_branch,
            branch_people,
            overview: OnceLock::new(),
            point_visits_by_month: point_by_month,
            help_visits_by_month: help_by_month,
        }
    }

    /// Branch documents whose listing was carried over from the previous view.
    pub fn reused_listings(&self) -> usize {
        self.reused
    }

    fn reg(&self) -> &Registry {
        &self.data.registry
    }

    fn has(&self, id: &str, rule: RuleCode) -> bool {
        self.about
            .get(id)
            .is_some_and(|is| is.iter().any(|i| self.findings[*i].rule == rule))
    }

    fn count_about(&self, id: &str, rule: RuleCode) -> usize {
        self.about.get(id).map_or(0, |is| {
            is.iter()
                .filter(|i| self.findings[**i].rule == rule)
                .count()
        })
    }

    pub fn findings_concerning(&self, id: &str) -> Vec<Finding> {
        self.concerns
            .get(id)
            .into_iter()
            .flatten()
            .map(|i| self.findings[*i].clone())
            .collect()
    }

    fn findings_about(&self, id: &str) -> Vec<Finding> {
        self.about
            .get(id)
            .into_iter()
            .flatten()
            .map(|i| self.findings[*i].clone())
            .collect()
    }

    fn able_targets<'a>(&'a self, member: &str) -> impl Iterator<Item = &'a HelpTarget> + 'a {
        self.targets
            .get(member)
            .into_iter()
            .flatten()
            .map(|(_, t)| t)
            .filter(|t| t.labour == Labour::Able)
    }

    fn branch_name(&self, id: &str) -> String {
        self.reg()
            .branches
            .get(id)
            .map_or_else(|| id.to_string(), |b| b.name.clone())
    }

    fn branch_named(&self, id: &str) -> Named {
        named(id, &self.branch_name(id))
    }

    fn place_named(&self, id: &str) -> Named {
        named(id, self.reg().place_name(id))
    }

    fn person_named(&self, id: &str) -> Named {
        named(id, self.reg().person_name(id))
    }

    /// Figures for the places of `places` and the office branches of `branches`.
    fn totals<'a>(
        &self,
        places: impl Iterator<Item = &'a str>,
        branches: impl Iterator<Item = &'a str>,
    ) -> Totals {
        let mut t = Totals::default();
        for p in places {
            t.places += 1;
            let no_point = self.has(p, RuleCode::PlaceWithoutPoint);
            let no_pair = self.has(p, RuleCode::PlaceWithoutPair);
            t.without_point += usize::from(no_point);
            t.without_pair += usize::from(no_pair);
            t.covered += usize::from(!no_point && !no_pair);
            t.point_repeats += self.count_about(p, RuleCode::PointRepeated);
            if let Some(vb) = self.place_branch.get(p) {
                t.pair_repeats += self.count_about(vb, RuleCode::PairRepeated);
            }
        }
        let branch_set: HashSet<&str> = branches.collect();
        for b in &branch_set {
            t.branches += 1;
            let plans = self.count_about(b, RuleCode::BranchPlan);
            let deeds = self.count_about(b, RuleCode::BranchDeed);
            t.branches_plans_ok += usize::from(plans == 0);
            t.branches_deeds_ok += usize::from(deeds == 0);
            t.branches_activities_ok += usize::from(self.activities_held(b));
        }
        for p in branch_set.iter().flat_map(|b| self.people_of(b)) {
            if p.role == Role::Leader {
                t.leaders += 1;
                t.leaders_visits_ok += usize::from(!self.has(&p.id, RuleCode::LeaderVisits));
                continue;
            }
            t.members += 1;
            t.members_without_target += usize::from(self.has(&p.id, RuleCode::MemberWithoutTarget));
            for target in self.able_targets(&p.id) {
                t.households += 1;
                t.households_on_track += usize::from(!self.off_track.contains(&target.id));
            }
        }
        t
    }

    fn committee_places<'a>(&'a self, c: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.reg()
            .places
            .values()
            .filter(move |p| p.township == c && p.status.is_active())
            .map(|p| p.id.as_str())
    }

    fn committee_branches<'a>(&'a self, c: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.reg()
            .writing_branches()
            .filter(move |b| b.committee == c)
            .map(|b| b.id.as_str())
    }

    fn filings(&self, committee: &str) -> Vec<FilingStatus> {
        FilingKind::ALL
            .iter()
            .map(|kind| {
                let of = |rule| {
                    self.about.get(committee).and_then(|is| {
                        is.iter()
                            .map(|i| &self.findings[*i])
                            .find(|f| f.rule == rule && f.item == kind.code())
                    })
                };
                let received = self.data.office.filings.values().any(|f| {
                    !f.withdrawn
                        && f.year == self.year
                        && f.committee == committee
                        && f.kind == *kind
                        && NaiveDate::parse_from_str(&f.date, "%Y-%m-%d")
                            .is_ok_and(|d| d <= self.as_of)
                });
                let (status, ok) = if let Some(f) = of(RuleCode::FilingLate) {
                    (format!("迟 {} 天", f.actual), false)
                } else if let Some(f) = of(RuleCode::FilingMissing) {
                    (format!("未报送（逾期 {} 天）", f.actual), false)
                } else if received {
                    ("按时".to_string(), true)
                } else {
                    ("未到期".to_string(), true)
                };
                FilingStatus {
                    kind: kind.label().to_string(),
                    status,
                    ok,
                }
            })
            .collect()
    }

    /// The overview, computed once per view; only the stamp is of the request.
    pub fn overview(&self, stamp: Stamp) -> Overview {
        let mut o = self
            .overview
            .get_or_init(|| self.compute_overview())
            .clone();
        o.stamp = stamp;
        o
    }

    /// The overview of one committee's part of the county, for its staff (issue 18): its
    /// totals, its row, the findings about it, its branches, their people and
    /// households and its places, and its branches' visits per month. `None` for a
    /// committee the registry does not have.
    pub fn overview_of(&self, committee: &str, stamp: Stamp) -> Option<Overview> {
        let r = self.reg();
        let c = r.committees.get(committee)?;
        let branches: HashSet<&str> = self.committee_branches(committee).collect();
        // Whatever a finding can be about inside the committee's part.
        let mut subjects: HashSet<&str> = branches.clone();
        subjects.insert(committee);
        subjects.extend(self.committee_places(committee));
        for b in &branches {
            for p in self.people_of(b) {
                subjects.insert(p.id.as_str());
                for (_, t) in self.targets.get(&p.id).into_iter().flatten() {
                    subjects.insert(t.id.as_str());
                }
            }
        }
        let mut per_rule: BTreeMap<RuleCode, usize> = BTreeMap::new();
        for f in &self.findings {
            if subjects.contains(f.subject.id.as_str()) {
                *per_rule.entry(f.rule).or_default() += 1;
            }
        }
        let mut totals = self.totals(
            self.committee_places(committee),
            self.committee_branches(committee),
        );
        totals.target_repeats = per_rule
            .get(&RuleCode::TargetRepeated)
            .copied()
            .unwrap_or(0);
        let mut point_by_month = vec![0; 12];
        let mut help_by_month = vec![0; 12];
        for part in self
            .parts
            .iter()
            .filter(|p| branches.contains(p.branch.as_str()))
        {
            for v in &part.visits {
                if v.date.year() != self.year || v.date > self.as_of {
                    continue;
                }
                let by_month = if v.help {
                    &mut help_by_month
                } else {
                    &mut point_by_month
                };
                by_month[v.date.month0() as usize] += 1;
            }
        }
        Some(Overview {
            county: format!("{} · {}", r.county, c.name),
            year: self.year,
            as_of: self.as_of.to_string(),
            stamp,
            totals: totals.clone(),
            committees: vec![CommitteeRow {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.label().to_string(),
                totals,
                filings: self.filings(&c.id),
            }],
            rules: RuleCode::ALL
                .iter()
                .map(|r| RuleCount {
                    rule: r.code().to_string(),
                    label: r.label().to_string(),
                    count: per_rule.get(r).copied().unwrap_or(0),
                })
                .collect(),
            point_visits_by_month: point_by_month,
            help_visits_by_month: help_by_month,
            // Inspections are the county office's own; a committee is told nothing of them.
            quarters: Vec::new(),
            choices: vec![named(&c.id, &c.name)],
            townships: self.townships(),
        })
    }

    /// Whether a branch belongs to `committee` (scoped console pages, issue 18).
    pub fn branch_in(&self, branch: &str, committee: &str) -> bool {
        self.reg()
            .branches
            .get(branch)
            .is_some_and(|b| b.committee == committee)
    }

    /// Whether a person's branch belongs to `committee`.
    pub fn person_in(&self, person: &str, committee: &str) -> bool {
        self.reg()
            .people
            .get(person)
            .is_some_and(|p| self.branch_in(&p.branch, committee))
    }

    fn compute_overview(&self) -> Overview {
        let stamp = Stamp {
            data_as_of: String::new(),
            unsynced: 0,
            devices: 0,
        };
        let r = self.reg();
        let mut totals = self.totals(
            r.places
                .values()
                .filter(|p| p.status.is_active())
                .map(|p| p.id.as_str()),
            r.writing_branches().map(|b| b.id.as_str()),
        );
        totals.target_repeats = self
            .findings
            .iter()
            .filter(|f| f.rule == RuleCode::TargetRepeated)
            .count();
        let committees = r
            .committees
            .values()
            .map(|c| CommitteeRow {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.label().to_string(),
                totals: self.totals(self.committee_places(&c.id), self.committee_branches(&c.id)),
                filings: self.filings(&c.id),
            })
            .collect();
        let mut per_rule: BTreeMap<RuleCode, usize> = BTreeMap::new();
        for f in &self.findings {
            *per_rule.entry(f.rule).or_default() += 1;
        }
        let rules = RuleCode::ALL
            .iter()
            .map(|r| RuleCount {
                rule: r.code().to_string(),
                label: r.label().to_string(),
                count: per_rule.get(r).copied().unwrap_or(0),
            })
            .collect();
        Overview {
            county: r.county.clone(),
            year: self.year,
            as_of: self.as_of.to_string(),
            stamp,
            totals,
            committees,
            rules,
            point_visits_by_month: self.point_visits_by_month.clone(),
            help_visits_by_month: self.help_visits_by_month.clone(),
            quarters: self.quarters(),
            choices: self.committee_choices(),
            townships: self.townships(),
        }
    }

    /// Every committee, in id order: what the county office may narrow its pages to.
    pub fn committee_choices(&self) -> Vec<Named> {
        self.reg()
            .committees
            .values()
            .map(|c| named(&c.id, &c.name))
            .collect()
    }

    /// The township committees, which places belong to, in id order.
    fn townships(&self) -> Vec<Named> {
        self.reg()
            .committees
            .values()
            .filter(|c| c.kind == shared::model::CommitteeKind::Township)
            .map(|c| named(&c.id, &c.name))
            .collect()
    }

    fn quarters(&self) -> Vec<QuarterInspections> {
        (1..=4u32)
            .map(|q| {
                let mut quarterly = 0;
                let mut random = 0;
                for i in self.data.office.inspections.values() {
                    let Ok(d) = NaiveDate::parse_from_str(&i.date, "%Y-%m-%d") else {
                        continue;
                    };
                    if i.withdrawn || d.year() != self.year || d > self.as_of {
                        continue;
                    }
                    if (d.month0() / 3 + 1) != q {
                        continue;
                    }
                    match i.kind {
                        InspectionKind::Quarterly => quarterly += 1,
                        InspectionKind::Random => random += 1,
                    }
                }
                let missing = self
                    .findings
                    .iter()
                    .any(|f| f.rule == RuleCode::QuarterlyInspection && f.item == format!("Q{q}"));
                QuarterInspections {
                    quarter: q,
                    quarterly,
                    random,
                    missing,
                }
            })
            .collect()
    }

    /// A committee's places and one page of its branches.
    pub fn committee(&self, id: &str, page: usize) -> Option<CommitteeDetail> {
        let r = self.reg();
        let c = r.committees.get(id)?;
        let places = r
            .places
            .values()
            .filter(|p| p.township == id && p.merged_into.is_none())
            .map(|p| PlaceRow {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: p.kind.label().to_string(),
                tags: self.tags(&p.id),
                leaders: self
                    .place_leaders
                    .get(&p.id)
                    .into_iter()
                    .flatten()
                    .map(|l| self.person_named(l))
                    .collect(),
                partners: self
                    .place_partners
                    .get(&p.id)
                    .into_iter()
                    .flatten()
                    .map(|b| self.branch_named(b))
                    .collect(),
                visits: self.place_visits.get(&p.id).copied().unwrap_or(0),
            })
            .collect();
        let branch_total = self.committee_branches(id).count();
        let branches = self
            .committee_branches(id)
            .skip(page.saturating_mul(PER_PAGE))
            .take(PER_PAGE)
            .map(|b| self.branch_row(b))
            .collect();
        Some(CommitteeDetail {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind.label().to_string(),
            totals: self.totals(self.committee_places(id), self.committee_branches(id)),
            places,
            branches,
            branch_total,
            page,
            per_page: PER_PAGE,
            findings: self.findings_about(id),
            // Kept in the committee's own document, which the county view does not read:
            // the handler adds them.
            plans: Vec::new(),
        })
    }

    fn tags(&self, place: &str) -> Vec<String> {
        self.data
            .office
            .tags
            .values()
            .filter(|t| !t.withdrawn && t.place == place && t.since <= self.year)
            .map(|t| t.tag.label().to_string())
            .collect()
    }

    fn people_of<'a>(&'a self, branch: &str) -> impl Iterator<Item = &'a shared::model::Person> {
        self.branch_people
            .get(branch)
            .into_iter()
            .flatten()
            .filter_map(|id| self.reg().people.get(id))
    }

    fn branch_row(&self, id: &str) -> BranchRow {
        let b = &self.reg().branches[id];
        let mut households = 0;
        let mut on_track = 0;
        let mut findings = self.about.get(id).map_or(0, Vec::len);
        let mut people = 0;
        for p in self.people_of(id) {
            people += 1;
            findings += self.about.get(&p.id).map_or(0, Vec::len);
            for t in self.able_targets(&p.id) {
                households += 1;
                on_track += usize::from(!self.off_track.contains(&t.id));
                findings += self.about.get(&t.id).map_or(0, Vec::len);
            }
        }
        BranchRow {
            id: id.to_string(),
            name: b.name.clone(),
            kind: b.kind.label().to_string(),
            people,
            partners: self.partners(id),
            plans_ok: PlanKind::ALL.len() - self.count_about(id, RuleCode::BranchPlan),
            deeds_ok: DeedKind::ALL.len() - self.count_about(id, RuleCode::BranchDeed),
            activities_ok: self.activities_held(id),
            households,
            households_on_track: on_track,
            findings,
        }
    }

    /// 三个活动: the branch is paired and held the activity each pair calls for (an
    /// unpaired branch has the pair's finding instead, and nothing to hold yet).
    fn activities_held(&self, branch: &str) -> bool {
        self.branch_partners
            .get(branch)
            .is_some_and(|p| !p.is_empty())
            && self.count_about(branch, RuleCode::BranchActivity) == 0
    }

    fn partners(&self, branch: &str) -> Vec<Named> {
        self.branch_partners
            .get(branch)
            .into_iter()
            .flatten()
            .map(|vb| self.branch_named(vb))
            .collect()
    }

    pub fn branch(&self, id: &str) -> Option<BranchDetail> {
        let r = self.reg();
        let b = r.branches.get(id)?;
        let empty = BranchRecords::default();
        let recs = self.data.branches.get(id).map_or(&empty, |r| &**r);
        let mut plans: Vec<PlanRow> = recs
            .plans
            .values()
            .filter(|p| !p.withdrawn && p.year == self.year)
            .map(|p| PlanRow {
                kind: p.kind.label().to_string(),
                status: p.status.label().to_string(),
                date: p.date.clone(),
                title: p.title.clone(),
            })
            .collect();
        sort_plans(&mut plans);
        let deeds = DeedKind::ALL
            .iter()
            .map(|k| {
                let n = recs
                    .deeds
                    .values()
                    .filter(|d| {
                        !d.withdrawn && d.kind == *k && counts(&d.date, self.year, self.as_of)
                    })
                    .count();
                (k.label().to_string(), n)
            })
            .collect();
        let people = self
            .people_of(id)
            .map(|p| {
                let targets: Vec<&HelpTarget> = self.able_targets(&p.id).collect();
                PersonRow {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    role: p.role.label().to_string(),
                    position: p.position.clone(),
                    points: self.person_points(&p.id),
                    point_visits: self.point_visits.get(&p.id).copied().unwrap_or(0),
                    targets: self.targets.get(&p.id).map_or(0, Vec::len),
                    targets_on_track: targets
                        .iter()
                        .filter(|t| !self.off_track.contains(&t.id))
                        .count(),
                    findings: self.about.get(&p.id).map_or(0, Vec::len)
                        + targets
                            .iter()
                            .map(|t| self.about.get(&t.id).map_or(0, Vec::len))
                            .sum::<usize>(),
                }
            })
            .collect();
        Some(BranchDetail {
            id: id.to_string(),
            name: b.name.clone(),
            kind: b.kind.label().to_string(),
            committee: named(
                &b.committee,
                r.committees
                    .get(&b.committee)
                    .map_or(b.committee.as_str(), |c| c.name.as_str()),
            ),
            partners: self.partners(id),
            plans,
            deeds,
            people,
            findings: self.findings_about(id),
        })
    }

    fn person_points(&self, id: &str) -> Vec<Named> {
        self.points
            .get(id)
            .into_iter()
            .flatten()
            .map(|p| self.place_named(p))
            .collect()
    }

    fn target_row(&self, branch: &str, t: &HelpTarget) -> TargetRow {
        let empty = BranchRecords::default();
        let recs = self.data.branches.get(branch).map_or(&empty, |r| &**r);
        let help: Vec<&HelpRecord> = recs
            .help
            .values()
            .filter(|h| !h.withdrawn && h.target == t.id && counts(&h.date, self.year, self.as_of))
            .collect();
        let of = |k: HelpKind| -> Vec<String> {
            help.iter()
                .filter(|h| h.kind == k)
                .map(|h| h.detail.clone())
                .collect()
        };
        // Same reading as the rule: the latest income established this year.
        let latest = help
            .iter()
            .filter(|h| h.kind == HelpKind::Income)
            .filter_map(|h| Some(((&h.date, h.recorded_at, &h.id), h.income?)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, i)| i);
        TargetRow {
            id: t.id.clone(),
            name: t.name.clone(),
            place: self.reg().place_name(&t.place).to_string(),
            kind: t.kind.label().to_string(),
            labour: t.labour.label().to_string(),
            household_size: t.household_size,
            baseline_income: t.baseline_income,
            latest_income: latest,
            growth_percent: latest.map(|i| growth_percent(t.baseline_income, i)),
            projects: of(HelpKind::Project),
            skills: of(HelpKind::Skill),
            on_track: t.labour == Labour::Able && !self.off_track.contains(&t.id),
            note: t.note.clone(),
        }
    }

    pub fn person(&self, id: &str, page: usize) -> Option<PersonDetail> {
        let r = self.reg();
        let p = r.people.get(id)?;
        let targets = self
            .targets
            .get(id)
            .into_iter()
            .flatten()
            .map(|(b, t)| self.target_row(b, t))
            .collect::<Vec<_>>();
        let mut findings = self.findings_concerning(id);
        for t in &targets {
            findings.extend(self.findings_about(&t.id));
        }
        findings.sort();
        findings.dedup();
        let start = page.saturating_mul(PER_PAGE);
        let (total, rows) = merge(self.authored(id), start, PER_PAGE);
        Some(PersonDetail {
            id: id.to_string(),
            name: p.name.clone(),
            role: p.role.label().to_string(),
            position: p.position.clone(),
            branch: self.branch_named(&p.branch),
            points: self.person_points(id),
            targets,
            findings,
            records: RecordPage {
                total,
                page,
                per_page: PER_PAGE,
                records: rows.into_iter().map(|r| r.row.clone()).collect(),
            },
        })
    }

    /// Per document, newest first: what the person authored there.
    fn authored(&self, person: &str) -> Vec<Vec<&Indexed>> {
        self.parts
            .iter()
            .filter_map(|p| {
                Some(
                    p.by_author
                        .get(person)?
                        .iter()
                        .map(|i| &p.rows[*i])
                        .collect(),
                )
            })
            .collect()
    }

    /// Records matching every given filter, newest first, one page.
    pub fn search(&self, f: &Filter, page: usize) -> RecordPage {
        let r = self.reg();
        let tagged: Option<HashSet<&str>> = f.tag.map(|tag| {
            self.data
                .office
                .tags
                .values()
                .filter(|t| !t.withdrawn && t.tag == tag)
                .map(|t| t.place.as_str())
                .collect()
        });
        let from = f.from.map(|d| d.to_string());
        let to = f.to.map(|d| d.to_string());
        let year = f.year.map(|y| format!("{y:04}-"));
        let keep = |row: &&Indexed| {
            let place = row.place_id.as_str();
            let place_rec = r.places.get(place);
            f.township
                .as_deref()
                .is_none_or(|t| place_rec.is_some_and(|p| p.township == t))
                && f.committee.as_deref().is_none_or(|c| {
                    r.branches
                        .get(&row.row.branch.id)
                        .is_some_and(|b| b.committee == c)
                        || place_rec.is_some_and(|p| p.township == c)
                })
                && f.branch.as_deref().is_none_or(|b| row.row.branch.id == b)
                && f.person.as_deref().is_none_or(|p| row.person() == p)
                && tagged
                    .as_ref()
                    .is_none_or(|set| set.contains(place) || row.tie_in == f.tag)
                && year.as_deref().is_none_or(|y| row.row.date.starts_with(y))
                && from.as_deref().is_none_or(|d| row.row.date.as_str() >= d)
                && to.as_deref().is_none_or(|d| row.row.date.as_str() <= d)
                && f.text.as_deref().is_none_or(|q| {
                    row.row.note.contains(q)
                        || row.row.place.contains(q)
                        || row.row.author.name.contains(q)
                        || row.row.kind.contains(q)
                })
        };
        let lists = self
            .parts
            .iter()
            .filter(|p| f.branch.as_deref().is_none_or(|b| p.branch == b))
            .map(|p| p.rows.iter().filter(keep).collect())
            .collect();
        let (total, rows) = merge(lists, page.saturating_mul(PER_PAGE), PER_PAGE);
        RecordPage {
            total,
            page,
            per_page: PER_PAGE,
            records: rows.into_iter().map(|r| r.row.clone()).collect(),
        }
    }

    /// The year's outcomes for a committee's leaders, branches and members.
    pub fn assessment(&self, committee: &str) -> Option<Assessment> {
        let r = self.reg();
        let c = r.committees.get(committee)?;
        let messages = |id: &str| -> Vec<String> {
            self.about
                .get(id)
                .into_iter()
                .flatten()
                .map(|i| self.findings[*i].message.clone())
                .collect()
        };
        let outcome = |open: &[String]| {
            if open.is_empty() {
                "已完成"
            } else {
                "未完成"
            }
            .to_string()
        };
        let mut leaders = Vec::new();
        let mut members = Vec::new();
        let mut branches = Vec::new();
        for b in r.writing_branches().filter(|b| b.committee == committee) {
            let open = messages(&b.id);
            let plans = PlanKind::ALL.len() - self.count_about(&b.id, RuleCode::BranchPlan);
            let deeds = DeedKind::ALL.len() - self.count_about(&b.id, RuleCode::BranchDeed);
            let partners = self.partners(&b.id);
            branches.push(Outcome {
                id: b.id.clone(),
                name: b.name.clone(),
                done: format!(
                    "结对 {}；三个方案 {plans}/3；三个活动{}；实事 {deeds}/{}",
                    if partners.is_empty() {
                        "无".to_string()
                    } else {
                        partners
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    },
                    if self.activities_held(&b.id) {
                        "已开展"
                    } else {
                        "未开展"
                    },
                    DeedKind::ALL.len()
                ),
                outcome: outcome(&open),
                open,
            });
            for p in self.people_of(&b.id) {
                let mut open = messages(&p.id);
                if p.role == Role::Leader {
                    let pts = self.person_points(&p.id);
                    let visits = self.point_visits.get(&p.id).copied().unwrap_or(0);
                    leaders.push(Outcome {
                        id: p.id.clone(),
                        name: p.name.clone(),
                        done: format!(
                            "联系点 {}；到点 {visits} 次（要求不少于 {MIN_VISITS} 次）",
                            if pts.is_empty() {
                                "无".to_string()
                            } else {
                                pts.iter()
                                    .map(|p| p.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join("、")
                            }
                        ),
                        outcome: outcome(&open),
                        open,
                    });
                } else {
                    let mut n = 0;
                    let mut ok = 0;
                    for t in self.able_targets(&p.id) {
                        n += 1;
                        ok += usize::from(!self.off_track.contains(&t.id));
                        open.extend(messages(&t.id));
                    }
                    let all = self.targets.get(&p.id).map_or(0, Vec::len);
                    members.push(Outcome {
                        id: p.id.clone(),
                        name: p.name.clone(),
                        done: format!("帮扶对象 {all} 户；有劳动能力 {n} 户，达标 {ok} 户"),
                        outcome: outcome(&open),
                        open,
                    });
                }
            }
        }
        Some(Assessment {
            year: self.year,
            committee: named(&c.id, &c.name),
            leaders,
            branches,
            members,
        })
    }

    /// For the 登记表: targets of a member, with their branch.
    pub fn member_targets(&self, member: &str) -> impl Iterator<Item = TargetRow> + '_ {
        self.targets
            .get(member)
            .into_iter()
            .flatten()
            .map(|(b, t)| self.target_row(b, t))
    }

    pub fn points_of(&self, leader: &str) -> Vec<Named> {
        self.person_points(leader)
    }

    pub fn point_visit_count(&self, leader: &str) -> usize {
        self.point_visits.get(leader).copied().unwrap_or(0)
    }

    pub fn partners_of(&self, branch: &str) -> Vec<Named> {
        self.partners(branch)
    }

    pub fn tags_of(&self, place: &str) -> Vec<String> {
        self.tags(place)
    }

    /// Newest-first records of a person, all of them (forms, not pages).
    pub fn records_of(&self, person: &str) -> impl Iterator<Item = &RecordRow> {
        merge(self.authored(person), 0, usize::MAX)
            .1
            .into_iter()
            .map(|r| &r.row)
    }
}

/// Search filters; `None` matches everything.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub township: Option<String>,
    pub committee: Option<String>,
    pub branch: Option<String>,
    pub person: Option<String>,
    pub tag: Option<TieIn>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Records dated in this year (the page's 年度, e.g. last year's for the assessment).
    pub year: Option<i32>,
    pub text: Option<String>,
}

/// A listed record with what filters need beyond what is shown.
pub struct Indexed {
    pub row: RecordRow,
    pub place_id: String,
    pub tie_in: Option<TieIn>,
    /// Whom the record is about when not its author (`OfficeLine::about`).
    pub about: Option<String>,
}

impl Indexed {
    /// The person whose page lists the record: whom it is about, else its author.
    fn person(&self) -> &str {
        self.about.as_deref().unwrap_or(&self.row.author.id)
    }
}

impl std::ops::Deref for Indexed {
    type Target = RecordRow;
    fn deref(&self) -> &RecordRow {
        &self.row
    }
}

/// Plans as every page lists them: by kind, then date.
pub(crate) fn sort_plans(plans: &mut [PlanRow]) {
    plans.sort_by(|a, b| (&a.kind, &a.date).cmp(&(&b.kind, &b.date)));
}

fn flatten(r: &Registry, bid: &str, b: &BranchRecords) -> Vec<Indexed> {
    let branch = named(bid, r.branches.get(bid).map_or(bid, |x| x.name.as_str()));
    // Each kind says what its row is (`RecordKind::office_row`); this view knows none.
    let mut out: Vec<Indexed> = b
        .office_rows()
        .into_iter()
        .map(|(id, withdrawn, l)| Indexed {
            row: RecordRow {
                id: id.to_string(),
                record: l.record.to_string(),
                date: l.date,
                kind: l.kind.to_string(),
                place: r.place_name(&l.place).to_string(),
                author: named(&l.author, r.person_name(&l.author)),
                branch: branch.clone(),
                note: l.note,
                withdrawn,
            },
            place_id: l.place,
            tie_in: l.tie_in,
            about: l.about,
        })
        .collect();
    // Newest first; the id breaks ties so pages are stable.
    out.sort_by(|a, b| (&b.row.date, &b.row.id).cmp(&(&a.row.date, &a.row.id)));
    out
}
