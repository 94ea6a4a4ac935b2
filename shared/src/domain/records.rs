//! The records of the three links and of the county office, beyond visits.
//!
//! Same conventions as [`crate::model`]: records in maps keyed by a device-made id,
//! dates as `YYYY-MM-DD` strings, enums stored by their code with the notice's term as
//! label, nothing deleted (`withdrawn`). Every field added later must carry
//! `#[autosurgeon(missing = "Default::default")]` and `#[serde(default)]`, so documents
//! written by older phones still hydrate.

use crate::model::{labelled_enum, Registry, Visit};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// 五个结合: tags on a place (or a deed) tying the work to other programmes.
    TieIn {
        DemoVillage => "新农村示范点",
        PovertyKey => "扶贫开发重点村",
        Destitute => "特困村",
        NoActivityRoom => "无活动场所村",
        Disaster => "受灾村",
    }
);

labelled_enum!(
    /// Who a help target is (困难党员和群众).
    TargetKind {
        PoorMember => "困难党员",
        PoorResident => "困难群众",
    }
);

labelled_enum!(
    /// The notice's three kinds of help target, each with its own duty (因人制宜).
    Labour {
        Able => "有劳动能力",
        Potential => "有发展潜力",
        Unable => "缺乏劳动能力",
    }
);

labelled_enum!(
    /// 三个方案.
    PlanKind {
        Economic => "经济发展规划",
        CoBuilding => "共建方案",
        Help => "帮扶方案",
    }
);

labelled_enum!(
    PlanStatus {
        Draft => "草拟中",
        Adopted => "已制定",
        Done => "已落实",
    }
);

labelled_enum!(
    /// 三个活动.
    ActivityKind {
        FiveSend => "五送一建",
        CoResident => "共驻共建",
        PartyLabour => "党工共建",
    }
);

labelled_enum!(
    /// 三件实事; the third deed of the notice is three things (measure, member, cadre),
    /// each required every year, so they are separate kinds.
    DeedKind {
        Difficulty => "解决实际困难",
        Grower => "培养产业大户或经济发展能人",
        Measure => "创新党建工作措施",
        NewMember => "发展新党员",
        ReserveCadre => "培养后备干部",
    }
);

labelled_enum!(
    /// What a leader helps their point raise each year (领导联点·抓产业).
    CultivationKind {
        Grower => "产业大户",
        Technician => "技术骨干",
        ModelWorker => "岗位标兵",
    }
);

labelled_enum!(
    /// One help record for one household (党员联帮).
    HelpKind {
        Project => "选定发展项目",
        Skill => "掌握实用技术",
        Support => "帮扶支持",
        Income => "收入核定",
    }
);

labelled_enum!(
    /// 双向培养.
    TrainingDirection {
        MemberToEarner => "困难党员培养成致富能手",
        EarnerToMember => "致富能手培养成党员",
    }
);

labelled_enum!(
    TrainingStage {
        Chosen => "确定培养对象",
        InProgress => "培养中",
        Achieved => "培养成功",
    }
);

labelled_enum!(
    /// The paperwork each committee sends to the county office.
    FilingKind {
        ActivityPlan => "活动方案",
        Roster => "活动花名册",
        RegistrationForms => "活动登记表",
    }
);

labelled_enum!(
    /// A 党（工）委's own plans: the yearly 活动方案 it files with the county office
    /// (split by leaders, branches and members), and how it supervises its branches (督查).
    CommitteePlanKind {
        Activity => "活动方案",
        Supervision => "督查工作安排",
    }
);

labelled_enum!(
    InspectionKind {
        Quarterly => "季度检查",
        Random => "不定期检查",
    }
);

labelled_enum!(
    PublicityKind {
        Model => "先进典型",
        News => "工作动态",
        Experience => "经验总结",
    }
);

// ---------------------------------------------------------------- branch documents

/// 领导联点: a leader's contact point for a year. Kept in the leader's branch document.
/// Ids are device-made like every record, so a leader naming two points is visible
/// (and flagged) rather than silently overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct LeaderPoint {
    pub id: String,
    pub year: i32,
    pub leader: String,
    pub place: String,
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// 支部联建: the office branch (whose document this is) pairs with a place's branch.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct BranchPair {
    pub id: String,
    pub year: i32,
    /// The 机关/事业 branch.
    pub branch: String,
    /// The village, community or enterprise branch.
    pub partner: String,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// 党员联帮: a member's help target for a year, with the household as surveyed that year
/// (the 登记表's basic situation). The household has no county-wide id: the county tells
/// two members' targets apart by village and name, as the paper ledger does.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct HelpTarget {
    pub id: String,
    pub year: i32,
    pub member: String,
    /// Head of household.
    pub name: String,
    pub place: String,
    pub kind: TargetKind,
    pub labour: Labour,
    pub household_size: u32,
    /// Per-capita yearly income at the start of the year, yuan.
    pub baseline_income: i64,
    /// Situation and problems found.
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// One of 三个方案.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub year: i32,
    pub kind: PlanKind,
    pub status: PlanStatus,
    /// Date of the current status.
    pub date: String,
    pub title: String,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// One of 三个活动.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub date: String,
    pub kind: ActivityKind,
    /// Branch, unit or place worked with.
    pub partner: String,
    pub note: String,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// One of 三件实事.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Deed {
    pub id: String,
    pub date: String,
    pub kind: DeedKind,
    pub place: String,
    pub note: String,
    pub tie_in: Option<TieIn>,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// A 产业大户, 技术骨干 or 岗位标兵 raised by a leader at their point.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Cultivation {
    pub id: String,
    pub date: String,
    pub leader: String,
    pub place: String,
    pub kind: CultivationKind,
    /// The person raised.
    pub name: String,
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// One entry of help for one target.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct HelpRecord {
    pub id: String,
    pub date: String,
    pub member: String,
    /// A [`HelpTarget`] id in the same document.
    pub target: String,
    pub kind: HelpKind,
    /// The project, the skill, the support given, or how the income was established.
    pub detail: String,
    /// Per-capita yearly income, yuan; set on [`HelpKind::Income`] records.
    pub income: Option<i64>,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// 双向培养 progress for one person.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Training {
    pub id: String,
    pub date: String,
    pub member: String,
    pub direction: TrainingDirection,
    pub stage: TrainingStage,
    /// The person trained (often a help target's head of household).
    pub name: String,
    pub place: String,
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// Everything in a `branch/<id>` document: [`crate::model::BranchDoc`]'s visits plus the
/// records above. Maps missing from older documents read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct BranchRecords {
    pub branch: String,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub visits: BTreeMap<String, Visit>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub points: BTreeMap<String, LeaderPoint>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub pairs: BTreeMap<String, BranchPair>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub targets: BTreeMap<String, HelpTarget>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub plans: BTreeMap<String, Plan>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub activities: BTreeMap<String, Activity>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub deeds: BTreeMap<String, Deed>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub cultivations: BTreeMap<String, Cultivation>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub help: BTreeMap<String, HelpRecord>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub trainings: BTreeMap<String, Training>,
}

// ---------------------------------------------------------------- county office document

/// A 五个结合 tag on a place, from a year on.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct PlaceTag {
    /// `<place>-<tag code>`: tagging a place twice is the same record.
    pub id: String,
    pub place: String,
    pub tag: TieIn,
    pub since: i32,
    pub withdrawn: bool,
}

/// Paperwork received from a committee: the activity plan (due 10 July), the roster and
/// the registration forms (due 15 July).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Filing {
    pub id: String,
    pub year: i32,
    pub committee: String,
    pub kind: FilingKind,
    /// Day received by the county office.
    pub date: String,
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// A quarterly or random inspection, with what it found per organisation.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub date: String,
    pub kind: InspectionKind,
    pub inspectors: String,
    /// Organisation (committee or branch) id → what was found there.
    pub findings: BTreeMap<String, String>,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// News, an advanced model (先进典型) or a summary of experience.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Publicity {
    pub id: String,
    pub date: String,
    pub kind: PublicityKind,
    pub title: String,
    /// Person, branch or place the item is about.
    pub subject: String,
    pub note: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// Everything in the `county-office` document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct OfficeRecords {
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub tags: BTreeMap<String, PlaceTag>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub filings: BTreeMap<String, Filing>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub inspections: BTreeMap<String, Inspection>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub publicity: BTreeMap<String, Publicity>,
}

// ---------------------------------------------------------------- committee documents

/// One of a 党（工）委's own plans, in its `committee/<id>` document.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CommitteePlan {
    pub id: String,
    pub year: i32,
    pub kind: CommitteePlanKind,
    pub status: PlanStatus,
    /// Date of the current status.
    pub date: String,
    pub title: String,
    /// What the plan asks of leaders, branches and members.
    pub content: String,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// Everything in a `committee/<id>` document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CommitteeRecords {
    pub committee: String,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub plans: BTreeMap<String, CommitteePlan>,
}

/// What the rules read: the registry, every branch's records, the county office's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyData {
    pub registry: Registry,
    /// Branch id → its document's records. Shared, so the server's merged views reuse the
    /// records it already read per document instead of copying the county on every change.
    pub branches: BTreeMap<String, std::sync::Arc<BranchRecords>>,
    pub office: OfficeRecords,
}

impl CountyData {
    /// Number of records of every kind, withdrawn ones included.
    pub fn record_count(&self) -> usize {
        let b: usize = self
            .branches
            .values()
            .map(|b| {
                b.visits.len()
                    + b.points.len()
                    + b.pairs.len()
                    + b.targets.len()
                    + b.plans.len()
                    + b.activities.len()
                    + b.deeds.len()
                    + b.cultivations.len()
                    + b.help.len()
                    + b.trainings.len()
            })
            .sum();
        b + self.office.tags.len()
            + self.office.filings.len()
            + self.office.inspections.len()
            + self.office.publicity.len()
    }
}
