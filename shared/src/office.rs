//! What the county office's pages receive from the server (issue 6): summaries computed
//! from the merged county, and one page of records at a time. The server builds them
//! (`backend::office`), the app reads them; both share these types so neither side
//! guesses the other's JSON.

use crate::domain::rules::Finding;
use serde::{Deserialize, Serialize};

/// An id with the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The front page: the county's figures for a year, as of a day, per committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub county: String,
    pub year: i32,
    /// The day the rules were judged at, `YYYY-MM-DD`.
    pub as_of: String,
    pub stamp: Stamp,
    pub totals: Totals,
    pub committees: Vec<CommitteeRow>,
    /// Findings per rule: code, the notice's term, how many.
    pub rules: Vec<RuleCount>,
    /// Leaders' visits to points (建班子/抓产业/保稳定) per month of the year.
    pub point_visits_by_month: Vec<usize>,
    /// Members' help visits (帮扶) per month.
    pub help_visits_by_month: Vec<usize>,
    pub quarters: Vec<QuarterInspections>,
    /// Every committee the reader may narrow the overview to (the county office: all;
    /// committee staff: theirs), for the console's 党（工）委 filter (issue 18).
    #[serde(default)]
    pub choices: Vec<Named>,
    /// Every township (its committee, a place's `township`), for the console's 乡镇
    /// filter (issue 18): named for committee staff too, since their branches pair with
    /// places all over the county.
    #[serde(default)]
    pub townships: Vec<Named>,
}

/// "数据截至 …" and what is known to be still on phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// When the server computed the figures, county time, `YYYY-MM-DD HH:MM`.
    pub data_as_of: String,
    /// Entries that phones reported as not yet synced, at their last sync.
    pub unsynced: usize,
    /// Devices whose report this is.
    pub devices: usize,
}

impl Stamp {
    pub fn line(&self) -> String {
        format!(
            "数据截至 {}；已知未同步 {} 条（{} 台设备报告）",
            self.data_as_of, self.unsynced, self.devices
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub places: usize,
    /// Places with both a leader's point and a paired branch.
    pub covered: usize,
    pub without_point: usize,
    pub without_pair: usize,
    pub point_repeats: usize,
    pub pair_repeats: usize,
    pub target_repeats: usize,
    pub leaders: usize,
    /// Leaders with at least 6 visits to their point.
    pub leaders_visits_ok: usize,
    /// 机关/事业 branches.
    pub branches: usize,
    /// Branches with all 三个方案 past the draft stage.
    pub branches_plans_ok: usize,
    /// Branches with every yearly 实事 done.
    pub branches_deeds_ok: usize,
    /// Paired branches that held the activity each pair calls for (三个活动, issue 16).
    #[serde(default)]
    pub branches_activities_ok: usize,
    pub members: usize,
    pub members_without_target: usize,
    /// Labour-capable households (有劳动能力).
    pub households: usize,
    /// Of those: project, skill and income growth ≥ 10 % all met.
    pub households_on_track: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub totals: Totals,
    /// 活动方案 (10 July), 花名册 and 登记表 (15 July).
    pub filings: Vec<FilingStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingStatus {
    pub kind: String,
    /// 按时 / 迟 N 天 / 未报送 / 未到期.
    pub status: String,
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    pub rule: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterInspections {
    pub quarter: u32,
    pub quarterly: usize,
    pub random: usize,
    /// The quarter has ended and had no quarterly inspection.
    pub missing: bool,
}

/// What the console reads of a [`Finding`]: the rule and the Chinese message. The details
/// (`F`) read as this leave [`crate::msg::Msg`]'s deserializer, the largest single function
/// in the console's wasm (~94 KB before wasm-opt), out of the console (BENCHMARKS.md, issue 18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLine {
    pub rule: crate::domain::rules::RuleCode,
    pub message: String,
}

/// One committee: its places (coverage) and its 机关/事业 branches. `F` is how its findings
/// are read: whole on the server and in tests, [`FindingLine`] in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeDetail<F = Finding> {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub totals: Totals,
    pub places: Vec<PlaceRow>,
    /// One page of its 机关/事业 branches (the county offices' working committee has
    /// hundreds), in id order.
    pub branches: Vec<BranchRow>,
    /// All its branches, of which `branches` is page `page` (from 0) of `per_page`.
    pub branch_total: usize,
    pub page: usize,
    pub per_page: usize,
    /// About the committee itself (filings).
    pub findings: Vec<F>,
    /// The committee's own plans of the year (活动方案, 督查工作安排), from its document
    /// (issue 18: its staff see their plans beside their branches).
    #[serde(default)]
    pub plans: Vec<PlanRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// 五个结合 tags.
    pub tags: Vec<String>,
    pub leaders: Vec<Named>,
    /// Office branches paired with the place's branch.
    pub partners: Vec<Named>,
    /// Leaders' visits to the place this year.
    pub visits: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub people: usize,
    pub partners: Vec<Named>,
    /// 三个方案 past the draft stage, of 3.
    pub plans_ok: usize,
    /// Kinds of yearly 实事 done, of 5.
    pub deeds_ok: usize,
    /// Paired, and the activity each pair calls for held this year (三个活动).
    #[serde(default)]
    pub activities_ok: bool,
    pub households: usize,
    pub households_on_track: usize,
    /// Findings about the branch or its people.
    pub findings: usize,
}

/// One branch: its pair, plans, deeds and people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchDetail<F = Finding> {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub committee: Named,
    pub partners: Vec<Named>,
    pub plans: Vec<PlanRow>,
    /// 实事 kind label → how many this year.
    pub deeds: Vec<(String, usize)>,
    pub people: Vec<PersonRow>,
    /// About the branch itself.
    pub findings: Vec<F>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub kind: String,
    pub status: String,
    pub date: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub position: String,
    pub points: Vec<Named>,
    /// Visits counted for the leader rule (to their point).
    pub point_visits: usize,
    pub targets: usize,
    pub targets_on_track: usize,
    pub findings: usize,
}

/// One person: links, findings and a page of their records, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetail<F = Finding> {
    pub id: String,
    pub name: String,
    pub role: String,
    pub position: String,
    pub branch: Named,
    pub points: Vec<Named>,
    pub targets: Vec<TargetRow>,
    pub findings: Vec<F>,
    pub records: RecordPage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRow {
    pub id: String,
    pub name: String,
    pub place: String,
    pub kind: String,
    pub labour: String,
    pub household_size: u32,
    pub baseline_income: i64,
    pub latest_income: Option<i64>,
    pub growth_percent: Option<i64>,
    pub projects: Vec<String>,
    pub skills: Vec<String>,
    pub on_track: bool,
    pub note: String,
}

/// One page of records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPage {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub records: Vec<RecordRow>,
}

/// Any record a field user logs, flattened for listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: String,
    /// What sort of record: 到点走访, 帮扶记录, 实事, 活动, 培养, 双向培养, 方案.
    pub record: String,
    pub date: String,
    /// The label of its kind (建班子, 选定发展项目…).
    pub kind: String,
    pub place: String,
    pub author: Named,
    pub branch: Named,
    pub note: String,
    pub withdrawn: bool,
}

/// Per device: what it said at its last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceHealth {
    pub device: String,
    pub user: Option<Named>,
    pub app_version: String,
    /// Seconds since the Unix epoch.
    pub last_sync: i64,
    pub last_sync_text: String,
    pub pending: u32,
    /// Age in days of the oldest entry still on the phone, when it had any.
    pub oldest_unsynced_days: Option<i64>,
    pub silent_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHealth {
    pub silent_after_days: i64,
    pub devices: Vec<DeviceHealth>,
    /// Devices not heard of for more than `silent_after_days`.
    pub silent: Vec<DeviceHealth>,
    pub unsynced: usize,
}

/// The year's assessment roll-up the notice describes: outcomes per person or branch,
/// never a score or an order of merit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub year: i32,
    pub committee: Named,
    /// 领导干部 → 领导班子及领导干部年度考核.
    pub leaders: Vec<Outcome>,
    /// 党支部 → 上一级党委党建组织工作年度考核.
    pub branches: Vec<Outcome>,
    /// 党员 → 年终民主评议.
    pub members: Vec<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    /// What was done, in words.
    pub done: String,
    /// 已完成 or 未完成.
    pub outcome: String,
    /// The open findings' messages.
    pub open: Vec<String>,
}

/// A printable / downloadable official form: sheets of rows under headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub title: String,
    /// Whose form: the county or a committee.
    pub scope: String,
    pub stamp: Stamp,
    pub sheets: Vec<Sheet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a phone reports about itself on each sync request, for the county's sync health.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceReport {
    pub app_version: String,
    /// The person chosen on the phone, if any.
    pub user: Option<String>,
    /// Entries saved on the phone the server has not confirmed.
    pub pending: u32,
    /// When the oldest of them was recorded, ms since the Unix epoch.
    pub oldest_pending_ms: Option<i64>,
}

/// One line of a record's 修改历史 in the console's drill-down (issue 18), as
/// `GET /api/office/records/{branch}/{id}/history` sends it: already in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// County time, `YYYY-MM-DD HH:MM`.
    pub at: String,
    pub who: Named,
    /// The field's name as people know it (情况记录, 日期…).
    pub field: String,
    pub old: Option<String>,
    pub value: String,
}
