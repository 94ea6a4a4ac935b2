//! 三个方案: the branch's 经济发展规划, 共建方案 and 帮扶方案 for a year, with its progress.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{
    choices_of, date_field, field, select, Check, Field, FormContext, Input, MAX_TITLE_CHARS,
};
use crate::model::{labelled_enum, Role};
use autosurgeon::{Hydrate, Reconcile};
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
        let fields = vec![
            field("year", "年度", Input::Year, ctx.year().to_string()),
            select(
                "kind",
                "方案",
                choices_of!(PlanKind),
                PlanKind::Economic.code(),
            ),
            select(
                "status",
                "进度",
                choices_of!(PlanStatus),
                PlanStatus::Adopted.code(),
            ),
            date_field(ctx, "日期"),
            field(
                "title",
                "标题（可不填）",
                Input::Text {
                    placeholder: "不填则为“年度 + 方案名”",
                },
                "",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, _id: String, recorded_at: i64) -> Option<Self> {
        let year = c.year("year");
        let pkind = c.code("kind", PlanKind::from_code, "方案");
        let status = c.code("status", PlanStatus::from_code, "进度");
        let date = c.date("date", "日期");
        let title = c.text("title", "标题", MAX_TITLE_CHARS, false);
        let (year, pkind) = (year?, pkind?);
        let title = title.filter(|t| !t.is_empty());
        Some(Plan {
            // One plan of each kind a year: a later status is the same record, so two
            // secretaries' phones converge on it instead of listing two plans.
            id: format!("{year}-{}", pkind.code()),
            year,
            kind: pkind,
            status: status?,
            date: date?,
            title: title.unwrap_or_else(|| format!("{year}年度{}", pkind.label())),
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
