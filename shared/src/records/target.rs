//! 党员联帮's household: a member's help target for a year, with the household as
//! surveyed that year (the 登记表's basic situation).

use super::{county_day, owned_by, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{
    choices_of, field, long, select, Check, Field, FormContext, Input, MAX_HOUSEHOLD, MAX_INCOME,
    MAX_NAME_CHARS,
};
use crate::model::{labelled_enum, Role};
use crate::msg::Msg;
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// The household has no county-wide id: the county tells two members' targets apart by
/// village and name, as the paper ledger does.
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

impl RecordKind for HelpTarget {
    const KIND: super::FormKind = super::FormKind::Target;
    const LABEL: &'static str = "帮扶对象";
    const SLUG: &'static str = "target";
    const ACTION: &'static str = "确定帮扶对象";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Member, 1), (Role::Secretary, 1)];
    owned_by!(member);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            field("year", "年度", Input::Year, ctx.year().to_string()),
            field(
                "name",
                "户主姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            select("place", "所在村（社区）", ctx.places(), ctx.likely_place()),
            select(
                "kind",
                "对象类别",
                choices_of!(TargetKind),
                TargetKind::PoorResident.code(),
            ),
            select(
                "labour",
                "劳动能力",
                choices_of!(Labour),
                Labour::Able.code(),
            ),
            field(
                "household_size",
                "家庭人口",
                Input::Number { unit: "人" },
                "",
            ),
            field(
                "baseline_income",
                "年初人均纯收入",
                Input::Number { unit: "元" },
                "",
            ),
            long(
                "note",
                "基本情况和存在的问题",
                "例：缺技术、缺资金，有发展养殖的意愿",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let year = c.year("year");
        let name = c.text("name", "户主姓名", MAX_NAME_CHARS, true);
        let place_ok = ctx.registry.places.contains_key(c.raw("place"));
        let place = c.one_of("place", place_ok, "所在村（社区）");
        let tkind = c.code("kind", TargetKind::from_code, "对象类别");
        let labour = c.code("labour", Labour::from_code, "劳动能力");
        let size = c.number("household_size", "家庭人口", 1, MAX_HOUSEHOLD);
        let income = c.number("baseline_income", "年初人均纯收入", 0, MAX_INCOME);
        let note = c.text("note", "基本情况和存在的问题", MAX_NOTE_CHARS, false);
        Some(HelpTarget {
            id,
            year: year?,
            member: ctx.me.id.clone(),
            name: name?,
            place: place?,
            kind: tkind?,
            labour: labour?,
            household_size: u32::try_from(size?).ok()?,
            baseline_income: income?,
            note: note?,
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("year", self.year.to_string()),
            ("name", self.name.clone()),
            ("place", self.place.clone()),
            ("kind", self.kind.code().into()),
            ("labour", self.labour.code().into()),
            ("household_size", self.household_size.to_string()),
            ("baseline_income", self.baseline_income.to_string()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        let detail = format!(
            "{}·{}·{} 人·年初人均 {} 元{}{}",
            self.kind.label(),
            self.labour.label(),
            self.household_size,
            self.baseline_income,
            if self.note.is_empty() { "" } else { "。" },
            self.note
        );
        Line {
            date: county_day(self.recorded_at),
            tag: Msg::TargetOfYear { year: self.year },
            title: format!("{}（{}）", self.name, l.place(&self.place)),
            detail,
        }
    }

    /// Households are rows too, so the console's search finds a household by its head's
    /// name and a member's records list the households they took on (issue 18).
    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "帮扶对象",
            date: county_day(self.recorded_at),
            kind: self.kind.label(),
            place: self.place.clone(),
            author: self.member.clone(),
            about: None,
            note: format!(
                "{}（{}年，{}，{}口人，年初人均收入 {} 元）{}{}",
                self.name,
                self.year,
                self.labour.label(),
                self.household_size,
                self.baseline_income,
                if self.note.is_empty() { "" } else { "：" },
                self.note
            ),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => TargetKind::from_code(code).map(TargetKind::label),
            "labour" => Labour::from_code(code).map(Labour::label),
            _ => None,
        }
    }
}
