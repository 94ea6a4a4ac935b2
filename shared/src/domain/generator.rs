//! A deterministic county with a year of records, deliberate gaps and repeats, and the
//! answer key saying exactly which findings the rules must report.
//!
//! The registry is [`crate::demo::registry`] for the same [`DemoSpec`], so ids follow the
//! demo's pattern (`v<n>`, `vb<n>`, `b<n>`, `l<n>`, `p<n>-<k>`, `t<n>`, `c1`); at
//! [`GenSpec::SMALL`] it is the demo registry unchanged. Branches past the demo's named
//! offices get real-sounding unit names, and township government branches belong to
//! their township committee.
//!
//! The generator first decides the *truth* (who is linked to what, how many visits each
//! leader made, which households fell short) and derives the answer key from it; the
//! records it writes add noise the rules must see through: withdrawn entries, last
//! year's entries, the same link entered twice, drafts, visits to other places, and a
//! mid-year income that is higher than the final one.
//!
//! Randomness is a seeded SplitMix64: tiny, deterministic across platforms, and no
//! dependency for a crate that must stay sans-IO.

use super::docs::OFFICE_DOC;
use super::records::*;
use super::rules::{due, growth_percent, FindingKey, RuleCode, MIN_VISITS};
use crate::demo::{self, DemoSpec};
use crate::model::{BranchKind, Registry, Role, Visit, VisitKind};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// How many of each deliberate gap to plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gaps {
    /// Leader names another leader's place: a repeat, and their own place left uncovered.
    pub point_repeats: usize,
    /// Leader with no point (half of them withdrew the one they had).
    pub leaders_without_point: usize,
    /// Leader naming a second place, whose own leader withdrew their point.
    pub leaders_with_two_points: usize,
    pub pair_repeats: usize,
    pub branches_without_pair: usize,
    pub branches_with_two_pairs: usize,
    pub members_without_target: usize,
    /// A household entered by a member of another branch as well.
    pub target_repeats: usize,
    pub leaders_short_of_visits: usize,
    /// (branch, plan kind) with no plan at all.
    pub plans_missing: usize,
    /// (branch, plan kind) with only a draft.
    pub plans_draft: usize,
    pub deeds_missing: usize,
    /// (branch, activity kind its pair calls for) with no such activity (三个活动).
    pub activities_missing: usize,
    pub leaders_without_cultivation: usize,
    pub targets_without_project: usize,
    pub targets_without_skill: usize,
    pub targets_without_income: usize,
    pub targets_under_growth: usize,
    pub filings_late: usize,
    pub filings_missing: usize,
    pub quarters_without_inspection: usize,
}

impl Gaps {
    pub const ONE_EACH: Gaps = Gaps {
        point_repeats: 1,
        leaders_without_point: 1,
        leaders_with_two_points: 1,
        pair_repeats: 1,
        branches_without_pair: 1,
        branches_with_two_pairs: 1,
        members_without_target: 1,
        target_repeats: 1,
        leaders_short_of_visits: 1,
        plans_missing: 1,
        plans_draft: 1,
        deeds_missing: 1,
        activities_missing: 1,
        leaders_without_cultivation: 1,
        targets_without_project: 1,
        targets_without_skill: 1,
        targets_without_income: 1,
        targets_under_growth: 1,
        filings_late: 1,
        filings_missing: 1,
        quarters_without_inspection: 1,
    };
    pub const NONE: Gaps = Gaps {
        point_repeats: 0,
        leaders_without_point: 0,
        leaders_with_two_points: 0,
        pair_repeats: 0,
        branches_without_pair: 0,
        branches_with_two_pairs: 0,
        members_without_target: 0,
        target_repeats: 0,
        leaders_short_of_visits: 0,
        plans_missing: 0,
        plans_draft: 0,
        deeds_missing: 0,
        activities_missing: 0,
        leaders_without_cultivation: 0,
        targets_without_project: 0,
        targets_without_skill: 0,
        targets_without_income: 0,
        targets_under_growth: 0,
        filings_late: 0,
        filings_missing: 0,
        quarters_without_inspection: 0,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenSpec {
    pub demo: DemoSpec,
    pub year: i32,
    pub seed: u64,
    pub gaps: Gaps,
    /// Help visits (走访) per member in the year: min and max.
    pub help_visits: (usize, usize),
}

impl GenSpec {
    /// The demo county (its registry is `demo::registry(DemoSpec::SMALL)`), one gap of each
    /// kind. It has 12 places for 6 leaders and 6 branches, so half the places are
    /// uncovered on top of the planted gaps.
    pub const SMALL: GenSpec = GenSpec {
        demo: DemoSpec::SMALL,
        year: 2008,
        seed: 20080630,
        gaps: Gaps::ONE_EACH,
        help_visits: (3, 6),
    };

    /// Xunyang's size: 20 townships, 320 places (280 villages and communities, 40
    /// enterprises), 320 office branches with a leader each, 5 120 members, ~100 000
    /// records in the year.
    pub const COUNTY: GenSpec = GenSpec {
        demo: DemoSpec {
            townships: 20,
            places_per_township: 16,
            office_branches: 320,
            members_per_branch: 16,
        },
        year: 2008,
        seed: 20080630,
        gaps: Gaps {
            point_repeats: 4,
            leaders_without_point: 4,
            leaders_with_two_points: 3,
            pair_repeats: 4,
            branches_without_pair: 4,
            branches_with_two_pairs: 3,
            members_without_target: 25,
            target_repeats: 12,
            leaders_short_of_visits: 20,
            plans_missing: 10,
            plans_draft: 10,
            deeds_missing: 15,
            activities_missing: 10,
            leaders_without_cultivation: 12,
            targets_without_project: 30,
            targets_without_skill: 30,
            targets_without_income: 30,
            targets_under_growth: 60,
            filings_late: 5,
            filings_missing: 3,
            quarters_without_inspection: 1,
        },
        help_visits: (6, 14),
    };

    /// The day the answer key holds for: the generator writes a whole year.
    pub fn as_of(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).expect("31 December exists")
    }
}

/// What the rules must find in the generated county, as of 31 December of its year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerKey {
    pub year: i32,
    /// Every leader → the places they truly name as point (empty: none).
    pub points: BTreeMap<String, BTreeSet<String>>,
    /// Every office branch → the place branches it truly pairs with.
    pub pairs: BTreeMap<String, BTreeSet<String>>,
    pub uncovered_by_point: BTreeSet<String>,
    pub uncovered_by_pair: BTreeSet<String>,
    /// Place → its leaders, when more than one.
    pub point_repeats: BTreeMap<String, BTreeSet<String>>,
    /// Place branch → its office branches, when more than one.
    pub pair_repeats: BTreeMap<String, BTreeSet<String>>,
    /// (place, head of household) → its members, when more than one.
    pub target_repeats: BTreeMap<(String, String), BTreeSet<String>>,
    /// Member → their branch.
    pub members_without_target: BTreeMap<String, String>,
    /// Leaders short of 6 visits → visits counted.
    pub leaders_short: BTreeMap<String, usize>,
    pub plans_missing: BTreeSet<(String, PlanKind)>,
    pub deeds_missing: BTreeSet<(String, DeedKind)>,
    /// (branch, activity kind) → the paired branches that call for it.
    pub activities_missing: BTreeMap<(String, ActivityKind), BTreeSet<String>>,
    pub leaders_without_cultivation: BTreeSet<String>,
    /// Target id → member.
    pub targets_without_project: BTreeMap<String, String>,
    pub targets_without_skill: BTreeMap<String, String>,
    pub targets_without_income: BTreeMap<String, String>,
    /// Target id → (member, growth in whole percent).
    pub targets_under_growth: BTreeMap<String, (String, i64)>,
    /// (committee, kind) → days late.
    pub filings_late: BTreeMap<(String, FilingKind), i64>,
    /// (committee, kind) → days overdue on 31 December.
    pub filings_missing: BTreeMap<(String, FilingKind), i64>,
    pub quarters_without_inspection: BTreeSet<u32>,
}

fn ids<'a>(it: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    it.into_iter().cloned().collect()
}

impl AnswerKey {
    /// The findings' keys (see [`super::rules::Finding::key`]) the rules must return.
    pub fn keys(&self) -> BTreeSet<FindingKey> {
        let mut k = BTreeSet::new();
        let mut add = |rule, subject: &str, item: &str, others: Vec<String>, actual: i64| {
            k.insert((rule, subject.to_string(), item.to_string(), others, actual));
        };
        for p in &self.uncovered_by_point {
            add(RuleCode::PlaceWithoutPoint, p, "", vec![], 0);
        }
        for p in &self.uncovered_by_pair {
            add(RuleCode::PlaceWithoutPair, p, "", vec![], 0);
        }
        for (p, ls) in &self.point_repeats {
            add(RuleCode::PointRepeated, p, "", ids(ls), ls.len() as i64);
        }
        for (vb, bs) in &self.pair_repeats {
            add(RuleCode::PairRepeated, vb, "", ids(bs), bs.len() as i64);
        }
        for ((p, name), ms) in &self.target_repeats {
            add(
                RuleCode::TargetRepeated,
                &format!("{p}:{name}"),
                "",
                ids(ms),
                ms.len() as i64,
            );
        }
        for (l, ps) in self.points.iter().filter(|(_, ps)| ps.len() != 1) {
            add(RuleCode::LeaderPoints, l, "", ids(ps), ps.len() as i64);
        }
        for (b, vbs) in self.pairs.iter().filter(|(_, v)| v.len() != 1) {
            add(RuleCode::BranchPairs, b, "", ids(vbs), vbs.len() as i64);
        }
        for (m, b) in &self.members_without_target {
            add(RuleCode::MemberWithoutTarget, m, "", vec![b.clone()], 0);
        }
        let pts = |l: &str| self.points.get(l).map(ids).unwrap_or_default();
        for (l, n) in &self.leaders_short {
            add(RuleCode::LeaderVisits, l, "", pts(l), *n as i64);
        }
        for (b, kind) in &self.plans_missing {
            add(RuleCode::BranchPlan, b, kind.code(), vec![], 0);
        }
        for (b, kind) in &self.deeds_missing {
            add(RuleCode::BranchDeed, b, kind.code(), vec![], 0);
        }
        for ((b, kind), partners) in &self.activities_missing {
            add(RuleCode::BranchActivity, b, kind.code(), ids(partners), 0);
        }
        for l in &self.leaders_without_cultivation {
            add(RuleCode::LeaderCultivation, l, "", pts(l), 0);
        }
        for (t, m) in &self.targets_without_project {
            add(RuleCode::TargetProject, t, "", vec![m.clone()], 0);
        }
        for (t, m) in &self.targets_without_skill {
            add(RuleCode::TargetSkill, t, "", vec![m.clone()], 0);
        }
        for (t, m) in &self.targets_without_income {
            add(RuleCode::TargetIncomeUnknown, t, "", vec![m.clone()], 0);
        }
        for (t, (m, g)) in &self.targets_under_growth {
            add(RuleCode::TargetIncome, t, "", vec![m.clone()], *g);
        }
        for ((c, kind), days) in &self.filings_late {
            add(RuleCode::FilingLate, c, kind.code(), vec![], *days);
        }
        for ((c, kind), days) in &self.filings_missing {
            add(RuleCode::FilingMissing, c, kind.code(), vec![], *days);
        }
        for q in &self.quarters_without_inspection {
            add(
                RuleCode::QuarterlyInspection,
                OFFICE_DOC,
                &format!("Q{q}"),
                vec![],
                0,
            );
        }
        k
    }
}

/// The generated county and what the rules must find in it.
#[derive(Debug, Clone)]
pub struct Generated {
    pub data: CountyData,
    pub key: AnswerKey,
}

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "高", "林", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
];
const GIVEN: &[&str] = &[
    "德", "福", "贵", "春", "秀", "明", "国", "建", "志", "文", "玉", "兰", "芳", "富", "长", "兴",
    "海", "山", "林", "成", "金", "银", "安", "平", "永", "治", "光", "启", "凤", "英", "桂", "顺",
];
const UNITS: &[&str] = &[
    "县发展和改革局",
    "县公安局",
    "县工商联",
    "县总工会",
    "团县委",
    "县妇联",
    "县科技局",
    "县粮食局",
    "县畜牧局",
    "县扶贫局",
    "县环保局",
    "县档案局",
    "县广播电视局",
    "县信用联社",
    "县农业银行",
    "县供电分公司",
    "县烟草公司",
    "县邮政局",
    "县电信分公司",
    "县国税局",
    "县地税局",
    "县人民医院",
    "县中医院",
    "县疾控中心",
    "县职业中学",
    "县第一中学",
    "县农技中心",
    "县水文站",
];
const PROJECTS: &[&str] = &[
    "种植魔芋",
    "养殖生猪",
    "种植烤烟",
    "栽植核桃",
    "发展蚕桑",
    "种植黄姜",
    "养殖土鸡",
];
const SKILLS: &[&str] = &[
    "魔芋栽培技术",
    "生猪防疫技术",
    "烤烟烘烤技术",
    "核桃嫁接技术",
    "养蚕技术",
    "电焊技能",
];
const SUPPORT: &[&str] = &[
    "送化肥两袋",
    "帮助申请小额贷款",
    "协调技术员上门指导",
    "送去米面油",
    "帮助联系务工",
];

struct Gen {
    rng: SplitMix,
    year: i32,
    counter: u64,
    recs: BTreeMap<String, BranchRecords>,
    office: OfficeRecords,
}

impl Gen {
    fn id(&mut self, d: NaiveDate) -> (String, i64) {
        self.counter += 1;
        let ms = d
            .and_hms_opt(10, 0, 0)
            .expect("10:00 exists")
            .and_utc()
            .timestamp_millis()
            + (self.counter % 36_000) as i64 * 1000;
        (format!("{ms}-{:06x}", self.counter), ms)
    }

    /// A day in months `from..=to` of year `year`.
    fn day_in(&mut self, year: i32, from: u32, to: u32) -> NaiveDate {
        let m = self.rng.range(from as usize, to as usize) as u32;
        let d = self.rng.range(1, 28) as u32;
        NaiveDate::from_ymd_opt(year, m, d).expect("days 1–28 exist in every month")
    }

    fn day(&mut self, from: u32, to: u32) -> NaiveDate {
        self.day_in(self.year, from, to)
    }

    fn branch(&mut self, b: &str) -> &mut BranchRecords {
        self.recs
            .entry(b.to_string())
            .or_insert_with(|| BranchRecords {
                branch: b.to_string(),
                ..Default::default()
            })
    }

    fn name(&mut self) -> String {
        let s = *self.rng.pick(SURNAMES);
        let a = *self.rng.pick(GIVEN);
        let b = *self.rng.pick(GIVEN);
        format!("{s}{a}{b}")
    }
}

fn ymd(d: NaiveDate) -> String {
    crate::day::iso(d)
}

/// Gives branches past the demo's named offices real-sounding units: township government
/// branches under their township committee first, then county units.
fn enrich(r: &mut Registry, demo_named: usize) {
    let townships: Vec<(String, String)> = r
        .committees
        .values()
        .filter(|c| c.id.starts_with('t'))
        .map(|c| (c.id.clone(), c.name.trim_end_matches("党委").to_string()))
        .collect();
    let branch_ids: Vec<String> = r.writing_branches().map(|b| b.id.clone()).collect();
    let mut extra = 0usize;
    for id in branch_ids {
        let n: usize = id[1..].parse().unwrap_or(0);
        if n <= demo_named {
            continue;
        }
        let (unit, committee, kind, position) = if extra < townships.len() {
            let (t, name) = &townships[extra];
            (
                format!("{name}人民政府"),
                t.clone(),
                BranchKind::Office,
                "党委书记",
            )
        } else {
            let i = extra - townships.len();
            let unit = UNITS[i % UNITS.len()];
            let unit = match i / UNITS.len() {
                0 => unit.to_string(),
                k => format!("{unit}第{}", k + 1),
            };
            let kind = if unit.contains("医院") || unit.contains("中") || unit.contains("站") {
                BranchKind::Institution
            } else {
                BranchKind::Office
            };
            (unit, "c1".to_string(), kind, "主要负责人")
        };
        extra += 1;
        if let Some(b) = r.branches.get_mut(&id) {
            b.name = format!("{unit}机关党支部");
            b.kind = kind;
            b.committee = committee;
        }
        for p in r.people.values_mut().filter(|p| p.branch == id) {
            p.position = match p.role {
                Role::Leader => format!("{unit}{position}"),
                Role::Secretary => format!("{unit}机关党支部书记"),
                Role::Member => format!("{unit}干部"),
            };
        }
    }
}

/// Takes `n` items off the end of a shuffled pool (fewer if it runs out).
/// Owner → the partners entered for it.
type Links = BTreeMap<String, BTreeSet<String>>;

/// One kind of one-to-one link for the year, with deliberate gaps. `base` is each owner's
/// true partner. `repeats` owners take another owner's partner instead (a repeat); `without`
/// owners have none (every other one leaves a withdrawn entry behind); `with_two` owners
/// take a second owner's partner too, and that owner is left with a withdrawn entry.
/// Returns the answer key (owner → partners) and the entries to record as withdrawn.
fn plan_links(
    rng: &mut SplitMix,
    owners: &[String],
    base: &BTreeMap<String, String>,
    (repeats, without, with_two): (usize, usize, usize),
) -> (Links, Vec<(String, String)>) {
    let mut key: Links = owners
        .iter()
        .map(|o| (o.clone(), base.get(o).into_iter().cloned().collect()))
        .collect();
    let mut withdrawn = Vec::new();
    let mut pool: Vec<String> = base.keys().cloned().collect();
    rng.shuffle(&mut pool);
    for _ in 0..repeats {
        if let [a, b] = take(&mut pool, 2).as_slice() {
            key.insert(a.clone(), BTreeSet::from([base[b].clone()]));
        }
    }
    for (i, c) in take(&mut pool, without).into_iter().enumerate() {
        if i % 2 == 0 {
            withdrawn.push((c.clone(), base[&c].clone()));
        }
        key.insert(c, BTreeSet::new());
    }
    for _ in 0..with_two {
        if let [d, e] = take(&mut pool, 2).as_slice() {
            key.get_mut(d)
                .expect("every owner has an entry")
                .insert(base[e].clone());
            withdrawn.push((e.clone(), base[e].clone()));
            key.insert(e.clone(), BTreeSet::new());
        }
    }
    (key, withdrawn)
}

fn take<T>(pool: &mut Vec<T>, n: usize) -> Vec<T> {
    let keep = pool.len().saturating_sub(n);
    pool.split_off(keep)
}

/// Per-household truth for a labour-capable target.
#[derive(Clone, Copy, Default)]
struct HelpTruth {
    no_project: bool,
    no_skill: bool,
    no_income: bool,
    under: bool,
}

pub fn generate(spec: GenSpec) -> Generated {
    let mut g = Gen {
        rng: SplitMix::new(spec.seed),
        year: spec.year,
        counter: 0,
        recs: BTreeMap::new(),
        office: OfficeRecords::default(),
    };
    let w = World::new(spec, &mut g);
    let mut key = AnswerKey {
        year: spec.year,
        ..Default::default()
    };
    // In this order: each part draws from the one random stream in turn, so the county
    // stays the same for a seed.
    let base_point = leader_points(&w, &mut g, &mut key);
    branch_pairs(&w, &mut g, &mut key);
    leader_visits(&w, &mut g, &mut key, &base_point);
    cultivations(&w, &mut g, &mut key, &base_point);
    member_help(&w, &mut g, &mut key);
    branch_work(&w, &mut g, &mut key);
    county_office(&w, &mut g, &mut key);
    Generated {
        data: CountyData {
            registry: w.registry,
            branches: g.recs.into_iter().map(|(b, r)| (b, r.into())).collect(),
            office: g.office,
        },
        key,
    }
}

/// What every part of the generation reads: the county's registry, its year and planted
/// gaps, and the lists drawn from the registry once.
struct World {
    spec: GenSpec,
    registry: Registry,
    year: i32,
    as_of: NaiveDate,
    gaps: Gaps,
    /// The office branches (who write).
    branches: Vec<String>,
    /// (leader, their branch).
    leaders: Vec<(String, String)>,
    /// Place → the branch of that village, community or enterprise.
    place_branch: BTreeMap<String, String>,
    /// Every place, shuffled: the order leaders and branches are given their links in.
    places: Vec<String>,
}

impl World {
    fn new(spec: GenSpec, g: &mut Gen) -> World {
        let mut registry = demo::registry(spec.demo);
        enrich(&mut registry, DemoSpec::SMALL.office_branches.max(16));
        let branches: Vec<String> = registry.writing_branches().map(|b| b.id.clone()).collect();
        for b in &branches {
            g.branch(b);
        }
        let leaders: Vec<(String, String)> = registry
            .people
            .values()
            .filter(|p| p.role == Role::Leader)
            .map(|p| (p.id.clone(), p.branch.clone()))
            .collect();
        let place_branch: BTreeMap<String, String> = registry
            .branches
            .values()
            .filter_map(|b| Some((b.place.clone()?, b.id.clone())))
            .collect();
        let mut places: Vec<String> = registry.places.keys().cloned().collect();
        g.rng.shuffle(&mut places);
        World {
            spec,
            registry,
            year: spec.year,
            as_of: spec.as_of(),
            gaps: spec.gaps,
            branches,
            leaders,
            place_branch,
            places,
        }
    }
}

/// The secretary of an office branch in the generated county (`b7` → `p7-1`).
fn secretary(b: &str) -> String {
    format!("p{}-1", &b[1..])
}

/// 领导联点: the truth of who links with which place, then the records, with noise the
/// rules must not count. Returns each leader's first place (their visits and cultivation go
/// there even when their point was withdrawn).
fn leader_points(w: &World, g: &mut Gen, key: &mut AnswerKey) -> BTreeMap<String, String> {
    let (year, gaps) = (w.year, w.gaps);
    let (leaders, places) = (w.leaders.clone(), w.places.clone());
    let leader_ids: Vec<String> = leaders.iter().map(|(l, _)| l.clone()).collect();
    let base_point: BTreeMap<String, String> = leader_ids
        .iter()
        .zip(&places)
        .map(|(l, p)| (l.clone(), p.clone()))
        .collect();
    let (points, withdrawn_points) = plan_links(
        &mut g.rng,
        &leader_ids,
        &base_point,
        (
            gaps.point_repeats,
            gaps.leaders_without_point,
            gaps.leaders_with_two_points,
        ),
    );
    key.points.extend(points);
    let leader_branch: BTreeMap<String, String> = leaders.iter().cloned().collect();
    for (l, ps) in key.points.clone() {
        let b = leader_branch[&l].clone();
        for p in &ps {
            let d = g.day(1, 3);
            let (id, at) = g.id(d);
            let rec = LeaderPoint {
                id: id.clone(),
                year,
                leader: l.clone(),
                place: p.clone(),
                note: "确定为本年度党建工作联系点".into(),
                recorded_at: at,
                withdrawn: false,
            };
            // The same point entered again on another phone must not count twice.
            if g.rng.percent(10) {
                let (id2, at2) = g.id(d);
                let mut dup = rec.clone();
                dup.id = id2.clone();
                dup.recorded_at = at2;
                g.branch(&b).points.insert(id2, dup);
            }
            g.branch(&b).points.insert(id, rec);
        }
        // Last year's point, somewhere else: a different year never counts.
        if g.rng.percent(25) {
            let d = g.day_in(year - 1, 1, 3);
            let (id, at) = g.id(d);
            let place = g.rng.pick(&places).clone();
            g.branch(&b).points.insert(
                id.clone(),
                LeaderPoint {
                    id,
                    year: year - 1,
                    leader: l.clone(),
                    place,
                    note: "上年度联系点".into(),
                    recorded_at: at,
                    withdrawn: false,
                },
            );
        }
    }
    for (l, p) in withdrawn_points {
        let b = leader_branch[&l].clone();
        let d = g.day(1, 2);
        let (id, at) = g.id(d);
        g.branch(&b).points.insert(
            id.clone(),
            LeaderPoint {
                id,
                year,
                leader: l,
                place: p,
                note: "误报，已撤回".into(),
                recorded_at: at,
                withdrawn: true,
            },
        );
    }

    base_point
}

/// 支部联建, then what coverage and repeats follow from the links' truth.
fn branch_pairs(w: &World, g: &mut Gen, key: &mut AnswerKey) {
    let (year, gaps, registry) = (w.year, w.gaps, &w.registry);
    let (branches, places, place_branch) =
        (w.branches.clone(), w.places.clone(), w.place_branch.clone());
    let base_pair: BTreeMap<String, String> = branches
        .iter()
        .zip(&places)
        .filter_map(|(b, p)| Some((b.clone(), place_branch.get(p)?.clone())))
        .collect();
    let (pairs, withdrawn_pairs) = plan_links(
        &mut g.rng,
        &branches,
        &base_pair,
        (
            gaps.pair_repeats,
            gaps.branches_without_pair,
            gaps.branches_with_two_pairs,
        ),
    );
    key.pairs.extend(pairs);
    // Entries are dated between January and `last_month`.
    let put_pair = |g: &mut Gen, b: &str, partner: String, last_month, withdrawn| {
        let d = g.day(1, last_month);
        let (id, at) = g.id(d);
        g.branch(b).pairs.insert(
            id.clone(),
            BranchPair {
                id,
                year,
                branch: b.to_string(),
                partner,
                author: secretary(b),
                recorded_at: at,
                withdrawn,
            },
        );
    };
    for (b, vbs) in key.pairs.clone() {
        for vb in vbs {
            put_pair(g, &b, vb, 3, false);
        }
    }
    for (b, vb) in withdrawn_pairs {
        put_pair(g, &b, vb, 2, true);
    }

    // Coverage and repeats follow from the truth.
    let pointed: BTreeSet<&String> = key.points.values().flatten().collect();
    let paired: BTreeSet<&String> = key.pairs.values().flatten().collect();
    for p in registry.places.keys() {
        if !pointed.contains(p) {
            key.uncovered_by_point.insert(p.clone());
        }
        if !place_branch.get(p).is_some_and(|vb| paired.contains(vb)) {
            key.uncovered_by_pair.insert(p.clone());
        }
    }
    for (l, ps) in &key.points {
        for p in ps {
            key.point_repeats
                .entry(p.clone())
                .or_default()
                .insert(l.clone());
        }
    }
    key.point_repeats.retain(|_, ls| ls.len() > 1);
    for (b, vbs) in &key.pairs {
        for vb in vbs {
            key.pair_repeats
                .entry(vb.clone())
                .or_default()
                .insert(b.clone());
        }
    }
    key.pair_repeats.retain(|_, bs| bs.len() > 1);
}

/// 领导到点: each leader's visits to their point, some short of six.
fn leader_visits(
    w: &World,
    g: &mut Gen,
    key: &mut AnswerKey,
    base_point: &BTreeMap<String, String>,
) {
    let (year, gaps) = (w.year, w.gaps);
    let (leaders, places) = (w.leaders.clone(), w.places.clone());
    let mut short: Vec<String> = leaders.iter().map(|(l, _)| l.clone()).collect();
    g.rng.shuffle(&mut short);
    let short: BTreeSet<String> = take(&mut short, gaps.leaders_short_of_visits)
        .into_iter()
        .collect();
    for (l, b) in &leaders {
        let pts: Vec<String> = key.points[l].iter().cloned().collect();
        let go_to: Vec<String> = if pts.is_empty() {
            vec![base_point
                .get(l)
                .cloned()
                .unwrap_or_else(|| places[0].clone())]
        } else {
            pts.clone()
        };
        let n = if short.contains(l) {
            g.rng.range(0, MIN_VISITS - 1)
        } else {
            g.rng.range(MIN_VISITS, MIN_VISITS + 6)
        };
        if n < MIN_VISITS {
            key.leaders_short.insert(l.clone(), n);
        }
        let write = |g: &mut Gen, d: NaiveDate, place: String, withdrawn: bool| {
            let (id, at) = g.id(d);
            // By the day, not at random: two visits of one leader on one day read alike,
            // which is a repeat, not the contradiction `rules::contradictions` reports.
            let kind = [
                VisitKind::BuildTeam,
                VisitKind::Industry,
                VisitKind::Stability,
            ][d.ordinal0() as usize % 3];
            let note = match kind {
                VisitKind::BuildTeam => "参加村两委班子会，指导选配后备干部",
                VisitKind::Industry => "查看魔芋基地，协调技术员指导",
                _ => "走访群众，调解邻里纠纷",
            };
            g.branch(b).visits.insert(
                id.clone(),
                Visit {
                    id,
                    author: l.clone(),
                    date: ymd(d),
                    place,
                    kind,
                    note: note.into(),
                    recorded_at: at,
                    withdrawn,
                },
            );
        };
        for i in 0..n {
            let d = g.day(1, 12);
            write(g, d, go_to[i % go_to.len()].clone(), false);
        }
        // Noise the count must not include, heavier on the leaders whose count matters.
        let noisy = short.contains(l) || g.rng.percent(20);
        if noisy {
            let d = g.day(1, 12);
            write(g, d, go_to[0].clone(), true);
            let d = g.day_in(year - 1, 10, 12);
            write(g, d, go_to[0].clone(), false);
            if !pts.is_empty() {
                if let Some(other) = places.iter().find(|p| !pts.contains(p)) {
                    let d = g.day(1, 12);
                    write(g, d, other.clone(), false);
                }
            }
        }
    }
}

/// 培养产业大户、技术骨干或岗位标兵, one per leader, some only last year.
fn cultivations(
    w: &World,
    g: &mut Gen,
    key: &mut AnswerKey,
    base_point: &BTreeMap<String, String>,
) {
    let (year, gaps) = (w.year, w.gaps);
    let (leaders, places) = (w.leaders.clone(), w.places.clone());
    let mut pool: Vec<String> = leaders.iter().map(|(l, _)| l.clone()).collect();
    g.rng.shuffle(&mut pool);
    key.leaders_without_cultivation = take(&mut pool, gaps.leaders_without_cultivation)
        .into_iter()
        .collect();
    for (l, b) in &leaders {
        let place = key.points[l]
            .iter()
            .next()
            .cloned()
            .or_else(|| base_point.get(l).cloned())
            .unwrap_or_else(|| places[0].clone());
        let lacking = key.leaders_without_cultivation.contains(l);
        let d = if lacking {
            g.day_in(year - 1, 6, 11)
        } else {
            g.day(4, 11)
        };
        let (id, at) = g.id(d);
        let kind = *g.rng.pick(CultivationKind::ALL);
        let name = g.name();
        g.branch(b).cultivations.insert(
            id.clone(),
            Cultivation {
                id,
                date: ymd(d),
                leader: l.clone(),
                place,
                kind,
                name,
                note: "帮助其扩大种养规模".into(),
                recorded_at: at,
                withdrawn: false,
            },
        );
    }
}

/// 党员联帮: households, help records with incomes, help visits.
fn member_help(w: &World, g: &mut Gen, key: &mut AnswerKey) {
    let (spec, year, gaps, registry) = (w.spec, w.year, w.gaps, &w.registry);
    let (branches, places) = (w.branches.clone(), w.places.clone());
    let members: Vec<(String, String)> = registry
        .people
        .values()
        .filter(|p| p.role != Role::Leader && branches.contains(&p.branch))
        .map(|p| (p.id.clone(), p.branch.clone()))
        .collect();
    let mut pool: Vec<usize> = (0..members.len()).collect();
    g.rng.shuffle(&mut pool);
    let without: BTreeSet<usize> = take(&mut pool, gaps.members_without_target)
        .into_iter()
        .collect();
    for i in &without {
        let (m, b) = &members[*i];
        key.members_without_target.insert(m.clone(), b.clone());
    }
    let mut used_names: BTreeSet<(String, String)> = BTreeSet::new();
    // (branch, target id) of every labour-capable target, for planting gaps.
    let mut able: Vec<(String, String)> = Vec::new();
    let mut all_targets: Vec<(String, HelpTarget)> = Vec::new();
    for (i, (m, b)) in members.iter().enumerate() {
        if without.contains(&i) {
            continue;
        }
        let home: Vec<String> = key.pairs[b]
            .iter()
            .filter_map(|vb| registry.branches.get(vb)?.place.clone())
            .collect();
        let n = if g.rng.percent(30) { 2 } else { 1 };
        for _ in 0..n {
            let place = if home.is_empty() || g.rng.percent(15) {
                g.rng.pick(&places).clone()
            } else {
                g.rng.pick(&home).clone()
            };
            let name = loop {
                let name = g.name();
                if used_names.insert((place.clone(), name.clone())) {
                    break name;
                }
            };
            let labour = match g.rng.below(10) {
                0..=5 => Labour::Able,
                6 | 7 => Labour::Potential,
                _ => Labour::Unable,
            };
            let kind = if g.rng.percent(20) {
                TargetKind::PoorMember
            } else {
                TargetKind::PoorResident
            };
            let d = g.day(1, 3);
            let (id, at) = g.id(d);
            let t = HelpTarget {
                id: id.clone(),
                year,
                member: m.clone(),
                name,
                place,
                kind,
                labour,
                household_size: g.rng.range(1, 6) as u32,
                baseline_income: g.rng.range(60, 240) as i64 * 10,
                note: "缺资金、缺技术".into(),
                recorded_at: at,
                withdrawn: false,
            };
            if labour == Labour::Able {
                able.push((b.clone(), id.clone()));
            }
            all_targets.push((b.clone(), t));
        }
    }
    // Repeats: a member of another branch enters the same household.
    let mut pool: Vec<usize> = (0..members.len())
        .filter(|i| !without.contains(i))
        .collect();
    g.rng.shuffle(&mut pool);
    let mut repeated_copies: Vec<(String, HelpTarget)> = Vec::new();
    for _ in 0..gaps.target_repeats {
        let Some(m2) = pool.pop() else { break };
        let (m2, b2) = &members[m2];
        let original = loop {
            let (b1, t) = &all_targets[g.rng.below(all_targets.len())];
            if b1 != b2
                && !key
                    .target_repeats
                    .contains_key(&(t.place.clone(), t.name.clone()))
            {
                break t.clone();
            }
        };
        let d = g.day(2, 4);
        let (id, at) = g.id(d);
        let copy = HelpTarget {
            id,
            member: m2.clone(),
            recorded_at: at,
            ..original.clone()
        };
        key.target_repeats.insert(
            (original.place.clone(), original.name.clone()),
            BTreeSet::from([original.member.clone(), m2.clone()]),
        );
        repeated_copies.push((b2.clone(), copy));
    }
    all_targets.extend(repeated_copies);

    g.rng.shuffle(&mut able);
    let mut truth: BTreeMap<String, HelpTruth> = BTreeMap::new();
    for (n, set) in [
        (gaps.targets_without_project, 0),
        (gaps.targets_without_skill, 1),
        (gaps.targets_without_income, 2),
        (gaps.targets_under_growth, 3),
    ] {
        for (_, t) in take(&mut able, n) {
            let h = truth.entry(t).or_default();
            match set {
                0 => h.no_project = true,
                1 => h.no_skill = true,
                2 => h.no_income = true,
                _ => h.under = true,
            }
        }
    }

    for (b, t) in &all_targets {
        let h = truth.get(&t.id).copied().unwrap_or_default();
        let help = |g: &mut Gen,
                    d: NaiveDate,
                    kind: HelpKind,
                    detail: &str,
                    income: Option<i64>,
                    withdrawn: bool| {
            let (id, at) = g.id(d);
            g.branch(b).help.insert(
                id.clone(),
                HelpRecord {
                    id,
                    date: ymd(d),
                    member: t.member.clone(),
                    target: t.id.clone(),
                    kind,
                    detail: detail.into(),
                    income,
                    recorded_at: at,
                    withdrawn,
                },
            );
        };
        let supports = match t.labour {
            Labour::Able => g.rng.range(1, 3),
            Labour::Potential => g.rng.range(1, 3),
            Labour::Unable => g.rng.range(2, 5),
        };
        for _ in 0..supports {
            let d = g.day(2, 12);
            let s = *g.rng.pick(SUPPORT);
            help(g, d, HelpKind::Support, s, None, false);
        }
        if t.labour == Labour::Potential {
            for (stage, from, to) in [
                (TrainingStage::Chosen, 3, 5),
                (TrainingStage::InProgress, 7, 11),
            ] {
                let d = g.day(from, to);
                let (id, at) = g.id(d);
                let direction = if t.kind == TargetKind::PoorMember {
                    TrainingDirection::MemberToEarner
                } else {
                    TrainingDirection::EarnerToMember
                };
                g.branch(b).trainings.insert(
                    id.clone(),
                    Training {
                        id,
                        date: ymd(d),
                        member: t.member.clone(),
                        direction,
                        stage,
                        name: t.name.clone(),
                        place: t.place.clone(),
                        note: String::new(),
                        recorded_at: at,
                        withdrawn: false,
                    },
                );
            }
        }
        if t.labour != Labour::Able {
            continue;
        }
        let project = *g.rng.pick(PROJECTS);
        if h.no_project {
            // Only a withdrawn choice: it must not count.
            let d = g.day(3, 6);
            help(g, d, HelpKind::Project, project, None, true);
            key.targets_without_project
                .insert(t.id.clone(), t.member.clone());
        } else {
            let d = g.day(3, 6);
            help(g, d, HelpKind::Project, project, None, false);
        }
        let skill = *g.rng.pick(SKILLS);
        if h.no_skill {
            // Only last year's skill: it must not count.
            let d = g.day_in(year - 1, 4, 9);
            help(g, d, HelpKind::Skill, skill, None, false);
            key.targets_without_skill
                .insert(t.id.clone(), t.member.clone());
        } else {
            let d = g.day(4, 9);
            help(g, d, HelpKind::Skill, skill, None, false);
        }
        let base = t.baseline_income;
        if h.no_income {
            key.targets_without_income
                .insert(t.id.clone(), t.member.clone());
            continue;
        }
        let final_income = if h.under {
            base + g.rng.range(0, (base * 9 / 100) as usize) as i64
        } else {
            (base * 110 + 99) / 100 + g.rng.range(0, (base / 4) as usize) as i64
        };
        if h.under {
            key.targets_under_growth.insert(
                t.id.clone(),
                (t.member.clone(), growth_percent(base, final_income)),
            );
        }
        // A mid-year estimate on the other side of 10 %: only the latest figure counts.
        if h.under || g.rng.percent(30) {
            let mid = if h.under {
                base * 112 / 100
            } else {
                base * 104 / 100
            };
            let d = g.day(6, 7);
            help(g, d, HelpKind::Income, "年中测算", Some(mid), false);
        }
        let d = g.day(11, 12);
        help(
            g,
            d,
            HelpKind::Income,
            "年终核定",
            Some(final_income),
            false,
        );
    }
    for (b, t) in all_targets {
        g.branch(&b).targets.insert(t.id.clone(), t);
    }
    // Help visits (走访) by members.
    let targets_by_member: BTreeMap<String, Vec<String>> = g
        .recs
        .values()
        .flat_map(|r| r.targets.values())
        .fold(BTreeMap::new(), |mut m, t| {
            m.entry(t.member.clone()).or_default().push(t.place.clone());
            m
        });
    for (m, b) in &members {
        let go_to = targets_by_member
            .get(m)
            .cloned()
            .unwrap_or_else(|| vec![places[0].clone()]);
        for _ in 0..g.rng.range(spec.help_visits.0, spec.help_visits.1) {
            let d = g.day(1, 12);
            let (id, at) = g.id(d);
            let place = g.rng.pick(&go_to).clone();
            g.branch(b).visits.insert(
                id.clone(),
                Visit {
                    id,
                    author: m.clone(),
                    date: ymd(d),
                    place,
                    kind: VisitKind::Help,
                    note: "入户走访，了解生产生活情况".into(),
                    recorded_at: at,
                    withdrawn: false,
                },
            );
        }
    }
}

/// 三个方案, 三件实事, 三个活动 of each office branch.
fn branch_work(w: &World, g: &mut Gen, key: &mut AnswerKey) {
    let (spec, year, gaps, registry) = (w.spec, w.year, w.gaps, &w.registry);
    let (branches, places) = (w.branches.clone(), w.places.clone());
    let mut plan_pool: Vec<(String, PlanKind)> = branches
        .iter()
        .flat_map(|b| PlanKind::ALL.iter().map(move |k| (b.clone(), *k)))
        .collect();
    g.rng.shuffle(&mut plan_pool);
    let missing: BTreeSet<(String, PlanKind)> = take(&mut plan_pool, gaps.plans_missing)
        .into_iter()
        .collect();
    let draft: BTreeSet<(String, PlanKind)> =
        take(&mut plan_pool, gaps.plans_draft).into_iter().collect();
    key.plans_missing = missing.union(&draft).cloned().collect();
    let mut deed_pool: Vec<(String, DeedKind)> = branches
        .iter()
        .flat_map(|b| DeedKind::ALL.iter().map(move |k| (b.clone(), *k)))
        .collect();
    g.rng.shuffle(&mut deed_pool);
    key.deeds_missing = take(&mut deed_pool, gaps.deeds_missing)
        .into_iter()
        .collect();
    // Branch → the activities its pairs call for (kind → partners), and the planted
    // gaps among them, drawn from a stream of their own (see below).
    let activities_due: BTreeMap<String, BTreeMap<ActivityKind, BTreeSet<String>>> = branches
        .iter()
        .map(|b| {
            let mut due: BTreeMap<ActivityKind, BTreeSet<String>> = BTreeMap::new();
            for partner in key.pairs.get(b).into_iter().flatten() {
                if let Some(kind) = super::rules::activity_for(registry, partner) {
                    due.entry(kind).or_default().insert(partner.clone());
                }
            }
            (b.clone(), due)
        })
        .collect();
    let mut activity_pool: Vec<((String, ActivityKind), BTreeSet<String>)> = activities_due
        .iter()
        .flat_map(|(b, due)| due.iter().map(move |(k, ps)| ((b.clone(), *k), ps.clone())))
        .collect();
    SplitMix::new(spec.seed ^ 0x5a17_ac71).shuffle(&mut activity_pool);
    let activities_missing: BTreeMap<(String, ActivityKind), BTreeSet<String>> =
        take(&mut activity_pool, gaps.activities_missing)
            .into_iter()
            .collect();
    for b in &branches {
        let author = secretary(b);
        for kind in PlanKind::ALL {
            let k = (b.clone(), *kind);
            let plan = |g: &mut Gen, y: i32, status: PlanStatus| {
                let d = g.day_in(y, 2, 6);
                let (id, at) = g.id(d);
                g.branch(b).plans.insert(
                    id.clone(),
                    Plan {
                        id,
                        year: y,
                        kind: *kind,
                        status,
                        date: ymd(d),
                        title: format!("{}年度{}", y, kind.label()),
                        author: author.clone(),
                        recorded_at: at,
                        withdrawn: false,
                    },
                );
            };
            if missing.contains(&k) {
                plan(g, year - 1, PlanStatus::Done);
            } else if draft.contains(&k) {
                plan(g, year, PlanStatus::Draft);
            } else {
                if g.rng.percent(30) {
                    plan(g, year, PlanStatus::Draft);
                }
                let status = if g.rng.percent(50) {
                    PlanStatus::Adopted
                } else {
                    PlanStatus::Done
                };
                plan(g, year, status);
            }
        }
        let partner = key.pairs[b].iter().next().cloned().unwrap_or_default();
        let partner_place = registry
            .branches
            .get(&partner)
            .and_then(|x| x.place.clone())
            .unwrap_or_else(|| places[0].clone());
        for kind in DeedKind::ALL {
            let lacking = key.deeds_missing.contains(&(b.clone(), *kind));
            let n = if lacking { 1 } else { g.rng.range(1, 2) };
            for _ in 0..n {
                let d = g.day(3, 12);
                let (id, at) = g.id(d);
                let tie_in = if g.rng.percent(20) {
                    Some(*g.rng.pick(TieIn::ALL))
                } else {
                    None
                };
                g.branch(b).deeds.insert(
                    id.clone(),
                    Deed {
                        id,
                        date: ymd(d),
                        kind: *kind,
                        place: partner_place.clone(),
                        note: kind.label().into(),
                        tie_in,
                        author: author.clone(),
                        recorded_at: at,
                        // A lacking deed was entered and then withdrawn.
                        withdrawn: lacking,
                    },
                );
            }
        }
        for _ in 0..g.rng.range(2, 5) {
            let d = g.day(2, 12);
            let (id, at) = g.id(d);
            let kind = *g.rng.pick(ActivityKind::ALL);
            g.branch(b).activities.insert(
                id.clone(),
                Activity {
                    id,
                    date: ymd(d),
                    kind,
                    partner: partner.clone(),
                    note: kind.label().into(),
                    author: author.clone(),
                    recorded_at: at,
                    withdrawn: false,
                },
            );
        }
        // 三个活动: every pair's activity is held, except the planted gaps, whose
        // activities of that kind were entered and then withdrawn. A random activity is
        // turned into the one due, so the main random stream (and every record after it)
        // stays as it was before this rule.
        for (kind, partners) in &activities_due[b] {
            let acts = &mut g.branch(b).activities;
            if let Some(partners) = activities_missing.get(&(b.clone(), *kind)) {
                for a in acts.values_mut().filter(|a| a.kind == *kind) {
                    a.withdrawn = true;
                }
                key.activities_missing
                    .insert((b.clone(), *kind), partners.clone());
                continue;
            }
            if acts.values().any(|a| a.kind == *kind && !a.withdrawn) {
                continue;
            }
            let spare = acts
                .values_mut()
                .find(|a| !a.withdrawn && !activities_due[b].contains_key(&a.kind));
            if let Some(a) = spare {
                a.kind = *kind;
                a.note = kind.label().into();
                a.partner = partners.iter().next().cloned().unwrap_or_default();
            } else {
                let d = NaiveDate::from_ymd_opt(year, 9, 1).expect("1 September exists");
                let (id, at) = g.id(d);
                g.branch(b).activities.insert(
                    id.clone(),
                    Activity {
                        id,
                        date: ymd(d),
                        kind: *kind,
                        partner: partners.iter().next().cloned().unwrap_or_default(),
                        note: kind.label().into(),
                        author: author.clone(),
                        recorded_at: at,
                        withdrawn: false,
                    },
                );
            }
        }
    }
}

/// The county office's own records: filings, inspections, tags, publicity.
fn county_office(w: &World, g: &mut Gen, key: &mut AnswerKey) {
    let (year, as_of, gaps, registry) = (w.year, w.as_of, w.gaps, &w.registry);
    let branches = w.branches.clone();
    let committees: Vec<String> = registry.committees.keys().cloned().collect();
    let mut filing_pool: Vec<(String, FilingKind)> = committees
        .iter()
        .flat_map(|c| FilingKind::ALL.iter().map(move |k| (c.clone(), *k)))
        .collect();
    g.rng.shuffle(&mut filing_pool);
    let late: BTreeSet<(String, FilingKind)> = take(&mut filing_pool, gaps.filings_late)
        .into_iter()
        .collect();
    let absent: BTreeSet<(String, FilingKind)> = take(&mut filing_pool, gaps.filings_missing)
        .into_iter()
        .collect();
    for c in &committees {
        for kind in FilingKind::ALL {
            let k = (c.clone(), *kind);
            let due_day = due(*kind, year);
            if absent.contains(&k) {
                key.filings_missing.insert(k, (as_of - due_day).num_days());
                continue;
            }
            let d = if late.contains(&k) {
                let d = due_day + chrono::Days::new(g.rng.range(1, 30) as u64);
                key.filings_late.insert(k, (d - due_day).num_days());
                d
            } else {
                due_day - chrono::Days::new(g.rng.range(0, 12) as u64)
            };
            let (id, at) = g.id(d);
            g.office.filings.insert(
                id.clone(),
                Filing {
                    id,
                    year,
                    committee: c.clone(),
                    kind: *kind,
                    date: ymd(d),
                    note: String::new(),
                    recorded_at: at,
                    withdrawn: false,
                },
            );
        }
    }
    let mut quarters: Vec<u32> = (1..=4).collect();
    g.rng.shuffle(&mut quarters);
    key.quarters_without_inspection = take(&mut quarters, gaps.quarters_without_inspection)
        .into_iter()
        .collect();
    let orgs: Vec<String> = committees.iter().chain(branches.iter()).cloned().collect();
    for q in 1..=4u32 {
        let missing = key.quarters_without_inspection.contains(&q);
        // A gap quarter still has a random inspection: only quarterly ones count.
        for kind in [InspectionKind::Quarterly, InspectionKind::Random] {
            if kind == InspectionKind::Quarterly && missing {
                continue;
            }
            if kind == InspectionKind::Random && !missing && g.rng.percent(50) {
                continue;
            }
            let d = g.day(3 * q - 2, 3 * q);
            let (id, at) = g.id(d);
            let mut findings = BTreeMap::new();
            for _ in 0..g.rng.range(3, 6) {
                let org = g.rng.pick(&orgs).clone();
                findings.insert(org, "台帐不全，已要求限期补齐".to_string());
            }
            g.office.inspections.insert(
                id.clone(),
                Inspection {
                    id,
                    date: ymd(d),
                    kind,
                    inspectors: "组织部督查组".into(),
                    findings,
                    recorded_at: at,
                    withdrawn: false,
                },
            );
        }
    }
    for p in registry.places.keys() {
        if g.rng.percent(15) {
            let tag = *g.rng.pick(TieIn::ALL);
            let id = format!("{p}-{}", tag.code());
            g.office.tags.insert(
                id.clone(),
                PlaceTag {
                    id,
                    place: p.clone(),
                    tag,
                    since: year,
                    withdrawn: false,
                },
            );
        }
    }
    for c in &committees {
        let d = g.day(8, 12);
        let (id, at) = g.id(d);
        let kind = *g.rng.pick(PublicityKind::ALL);
        g.office.publicity.insert(
            id.clone(),
            Publicity {
                id,
                date: ymd(d),
                kind,
                title: format!("{}：{}", registry.committees[c].name, kind.label()),
                subject: c.clone(),
                note: String::new(),
                recorded_at: at,
                withdrawn: false,
            },
        );
    }
}
