//! 民主评议参考: the branch secretary's year-end record per member for the members'
//! 年终民主评议, which the notice ties the work to (纳入年终民主评议). It holds the
//! branch's own conclusion; the member's year — visits, households helped, help given,
//! incomes that grew by the notice's 10 % — is read from the branch document whenever it
//! is shown, so the summary beside the conclusion is never out of date.

use super::{owned_by, term, BranchRecords, Line, Listing, OfficeLine, RecordKind};
use crate::domain::rules::{income_on_track, latest_income, MIN_GROWTH_PERCENT};
use crate::forms::{choices_of, field, long, select, Check, Choice, Field, FormContext, Input};
use crate::model::{labelled_enum, Role};
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// The grades of 民主评议党员.
    AppraisalGrade {
        Excellent => "优秀",
        Qualified => "合格",
        BasicallyQualified => "基本合格",
        Unqualified => "不合格",
    }
);

/// One member's 民主评议参考 for a year. One per member a year (id `<year>-<member>`):
/// a later conclusion is the same record, so two phones of the branch converge on it.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Appraisal {
    pub id: String,
    pub year: i32,
    /// The member appraised (a person of the branch).
    pub member: String,
    pub grade: AppraisalGrade,
    /// The branch's own conclusion in words.
    pub note: String,
    /// The secretary who recorded it.
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

/// A member's year as the branch document holds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Year {
    pub visits: usize,
    pub households: usize,
    pub help: usize,
    /// Households whose latest established income this year is at least 10 % over the
    /// year's baseline.
    pub incomes_up: usize,
}

impl Year {
    pub fn of(records: &BranchRecords, member: &str, year: i32) -> Year {
        let prefix = format!("{year}-");
        let in_year = |date: &str| date.starts_with(&prefix);
        let visits = records
            .visits
            .values()
            .filter(|v| !v.withdrawn && v.author == member && in_year(&v.date))
            .count();
        let targets: Vec<_> = records
            .targets
            .values()
            .filter(|t| !t.withdrawn && t.member == member && t.year == year)
            .collect();
        let help: Vec<_> = records
            .help
            .values()
            .filter(|h| !h.withdrawn && h.member == member && in_year(&h.date))
            .collect();
        // The income each household's records establish and the 10 % goal, as the rules
        // judge them (`rules::target_help`).
        let incomes_up = targets
            .iter()
            .filter(|t| {
                let own: Vec<_> = help.iter().copied().filter(|h| h.target == t.id).collect();
                latest_income(&own).is_some_and(|i| income_on_track(t.baseline_income, i))
            })
            .count();
        Year {
            visits,
            households: targets.len(),
            help: help.len(),
            incomes_up,
        }
    }

    /// The summary beside the conclusion (Chinese, as the printed 民主评议 form says it).
    pub fn summary(&self) -> String {
        format!(
            "全年走访 {} 次·帮扶对象 {} 户·帮扶 {} 次·收入增长达 {}% 的 {} 户",
            self.visits, self.households, self.help, MIN_GROWTH_PERCENT, self.incomes_up
        )
    }
}

impl Appraisal {
    fn summary_with_note(&self, records: &BranchRecords) -> String {
        let year = Year::of(records, &self.member, self.year).summary();
        if self.note.is_empty() {
            year
        } else {
            format!("{year}。支部意见：{}", self.note)
        }
    }
}

impl RecordKind for Appraisal {
    const KIND: super::FormKind = super::FormKind::Appraisal;
    const LABEL: &'static str = "民主评议参考";
    const SLUG: &'static str = "appraisal";
    const ACTION: &'static str = "记民主评议参考";
    const PERSONAL: bool = false;
    const EXTENSION: u8 = 2;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Secretary, 8)];
    const FIELD_LABELS: &'static [(&'static str, &'static str)] = &[("grade", "评议结论")];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let members = members(ctx);
        let first = members.first().map(|m| m.value.clone()).unwrap_or_default();
        let fields = vec![
            field("year", "年度", Input::Year, ctx.year().to_string()),
            select("member", "评议的党员", members, first),
            select(
                "grade",
                "评议结论",
                choices_of!(AppraisalGrade),
                AppraisalGrade::Qualified.code(),
            ),
            long(
                "note",
                "支部意见",
                "例：全年走访帮扶对象 8 次，帮助选定养殖项目，群众评价好",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, _id: String, recorded_at: i64) -> Option<Self> {
        let year = c.year("year");
        let ok = members(ctx).iter().any(|m| m.value == c.raw("member"));
        let member = c.one_of("member", ok, "评议的党员");
        let grade = c.code("grade", AppraisalGrade::from_code, "评议结论");
        let note = c.text("note", "支部意见", MAX_NOTE_CHARS, false);
        let (year, member) = (year?, member?);
        Some(Appraisal {
            id: format!("{year}-{member}"),
            year,
            member,
            grade: grade?,
            note: note?,
            author: ctx.me.id.clone(),
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("year", self.year.to_string()),
            ("member", self.member.clone()),
            ("grade", self.grade.code().into()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: super::county_day(self.recorded_at),
            tag: term(self.grade.label()),
            title: format!(
                "{}（{}年）",
                l.registry.person_name(&self.member),
                self.year
            ),
            detail: self.summary_with_note(l.records),
        }
    }

    /// About the member appraised, so their page in the console shows it with their year.
    fn office_row(&self, records: &BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "民主评议参考",
            date: super::county_day(self.recorded_at),
            kind: self.grade.label(),
            place: String::new(),
            author: self.author.clone(),
            about: Some(self.member.clone()),
            note: self.summary_with_note(records),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "grade" => AppraisalGrade::from_code(code).map(AppraisalGrade::label),
            _ => None,
        }
    }
}

/// The branch's people in use, the secretary's own branch.
fn members(ctx: &FormContext) -> Vec<Choice> {
    ctx.registry
        .people
        .values()
        .filter(|p| p.branch == ctx.me.branch && p.status.is_active())
        .map(|p| Choice {
            value: p.id.clone(),
            label: p.name.clone(),
            group: String::new(),
        })
        .collect()
}
