//! The records of the three links and of the county office, beyond visits.
//!
//! Same conventions as [`crate::model`]: records in maps keyed by a device-made id,
//! dates as `YYYY-MM-DD` strings, enums stored by their code with the notice's term as
//! label, nothing deleted (`withdrawn`). Every field added later must carry
//! `#[autosurgeon(missing = "Default::default")]` and `#[serde(default)]`, so documents
//! written by older phones still hydrate.

use crate::model::{labelled_enum, Registry};
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

// Each kind of a branch document is one file of `crate::records`; reachable here, with
// the branch document's type, for every reader of the domain.
pub use crate::records::activity::{Activity, ActivityKind};
pub use crate::records::cultivation::{Cultivation, CultivationKind};
pub use crate::records::deed::{Deed, DeedKind};
pub use crate::records::help::{HelpKind, HelpRecord};
pub use crate::records::pair::BranchPair;
pub use crate::records::plan::{Plan, PlanKind, PlanStatus};
pub use crate::records::point::LeaderPoint;
pub use crate::records::target::{HelpTarget, Labour, TargetKind};
pub use crate::records::training::{Training, TrainingDirection, TrainingStage};
pub use crate::records::BranchRecords;

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
        let b: usize = self.branches.values().map(|b| b.len()).sum();
        b + self.office.tags.len()
            + self.office.filings.len()
            + self.office.inspections.len()
            + self.office.publicity.len()
    }
}
