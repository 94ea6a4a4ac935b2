//! 三个方案: the branch's 经济发展规划, 共建方案 and 帮扶方案 for a year, with its progress.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{
    choices_of, field, select, Check, Choice, Field, FormContext, Input, MAX_TITLE_CHARS,
};
use crate::model::{labelled_enum, Role};
use autosurgeon::{Hydrate, Reconcile};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// 三个方案.
    PlanKind {
        Economic => "经济发展规划",
        CoBuilding => "共建方案",
        Help => "帮扶方案",
    }
);

labelled_enum!(
    /// A plan's progress (a committee's plans too).
    PlanStatus {
        Draft => "草拟中",
        Adopted => "已制定",
        Done => "已落实",
    }
);

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

impl RecordKind for Plan {
    const KIND: super::FormKind = super::FormKind::Plan;
    const LABEL: &'static str = "三个方案";
    const SLUG: &'static str = "plan";
    const ACTION: &'static str = "记方案进度";
    const PERSONAL: bool = false;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Secretary, 5)];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = plan_fields(ctx.today, choices_of!(PlanKind), PlanKind::Economic.code());
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, _id: String, recorded_at: i64) -> Option<Self> {
        let read = read_plan(c, PlanKind::from_code, PlanKind::label)?;
        Some(Plan {
            // One plan of each kind a year: a later status is the same record, so two
            // secretaries' phones converge on it instead of listing two plans.
            id: format!("{}-{}", read.year, read.kind.code()),
            year: read.year,
            kind: read.kind,
            status: read.status,
            date: read.date,
            title: read.title,
            author: ctx.me.id.clone(),
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("year", self.year.to_string()),
            ("kind", self.kind.code().into()),
            ("status", self.status.code().into()),
            ("date", self.date.clone()),
            ("title", self.title.clone()),
        ])
    }

    fn line(&self, _: &Listing) -> Line {
        Line {
            date: self.date.clone(),
            tag: term(self.status.label()),
            title: self.title.clone(),
            detail: self.kind.label().to_string(),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "方案",
            date: self.date.clone(),
            kind: self.kind.label(),
            place: String::new(),
            author: self.author.clone(),
            about: None,
            note: format!("{}（{}）", self.title, self.status.label()),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => PlanKind::from_code(code).map(PlanKind::label),
            "status" => PlanStatus::from_code(code).map(PlanStatus::label),
            _ => None,
        }
    }
}

/// The fields of every plan's form — a branch's 三个方案 and a committee's own plans: the
/// year, which plan, its progress, the day of that progress and an optional title.
pub(crate) fn plan_fields(today: NaiveDate, kinds: Vec<Choice>, default_kind: &str) -> Vec<Field> {
    vec![
        field("year", "年度", Input::Year, today.year().to_string()),
        select("kind", "方案", kinds, default_kind),
        select(
            "status",
            "进度",
            choices_of!(PlanStatus),
            PlanStatus::Adopted.code(),
        ),
        field("date", "日期", Input::Date, crate::day::iso(today)),
        field(
            "title",
            "标题（可不填）",
            Input::Text {
                placeholder: "不填则为“年度 + 方案名”",
            },
            "",
        ),
    ]
}

/// What [`plan_fields`] hold, checked.
pub(crate) struct PlanRead<K> {
    pub year: i32,
    pub kind: K,
    pub status: PlanStatus,
    pub date: String,
    /// As typed, or "<year>年度<plan>" when left empty.
    pub title: String,
}

/// Reads [`plan_fields`]; every field is checked (all errors go to `c`) before `None`.
pub(crate) fn read_plan<K: Copy>(
    c: &mut Check,
    parse: fn(&str) -> Option<K>,
    label: fn(K) -> &'static str,
) -> Option<PlanRead<K>> {
    let year = c.year("year");
    let kind = c.code("kind", parse, "方案");
    let status = c.code("status", PlanStatus::from_code, "进度");
    let date = c.date("date", "日期");
    let title = c.text("title", "标题", MAX_TITLE_CHARS, false);
    let (year, kind) = (year?, kind?);
    let title = title
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{year}年度{}", label(kind)));
    Some(PlanRead {
        year,
        kind,
        status: status?,
        date: date?,
        title,
    })
}
