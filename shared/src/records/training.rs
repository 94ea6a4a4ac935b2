//! 双向培养: a poor member raised into an able earner, or an able earner into a member.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{
    choices_of, date_field, field, long, select, Check, Field, FormContext, Input, MAX_NAME_CHARS,
};
use crate::model::{labelled_enum, Role};
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

impl RecordKind for Training {
    const KIND: super::FormKind = super::FormKind::Training;
    const LABEL: &'static str = "双向培养";
    const SLUG: &'static str = "training";
    const ACTION: &'static str = "记双向培养";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Member, 3), (Role::Secretary, 3)];
    owned_by!(member);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            date_field(ctx, "日期"),
            select(
                "direction",
                "培养方向",
                choices_of!(TrainingDirection),
                TrainingDirection::MemberToEarner.code(),
            ),
            select(
                "stage",
                "进度",
                choices_of!(TrainingStage),
                TrainingStage::Chosen.code(),
            ),
            field(
                "name",
                "培养对象姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            select("place", "所在村（社区）", ctx.places(), ctx.likely_place()),
            long("note", "培养情况", "例：参加养殖技术培训，已带动 2 户"),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let date = c.date("date", "日期");
        let direction = c.code("direction", TrainingDirection::from_code, "培养方向");
        let stage = c.code("stage", TrainingStage::from_code, "进度");
        let name = c.text("name", "培养对象姓名", MAX_NAME_CHARS, true);
        let place_ok = ctx.registry.places.contains_key(c.raw("place"));
        let place = c.one_of("place", place_ok, "所在村（社区）");
        let note = c.text("note", "培养情况", MAX_NOTE_CHARS, false);
        Some(Training {
            id,
            date: date?,
            member: ctx.me.id.clone(),
            direction: direction?,
            stage: stage?,
            name: name?,
            place: place?,
            note: note?,
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("direction", self.direction.code().into()),
            ("stage", self.stage.code().into()),
            ("name", self.name.clone()),
            ("place", self.place.clone()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: self.date.clone(),
            tag: term(self.stage.label()),
            title: format!("{}（{}）", self.name, l.place(&self.place)),
            detail: format!("{}。{}", self.direction.label(), self.note),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "双向培养",
            date: self.date.clone(),
            kind: self.direction.label(),
            place: self.place.clone(),
            author: self.member.clone(),
            about: None,
            note: format!("{}（{}）：{}", self.name, self.stage.label(), self.note),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "direction" => TrainingDirection::from_code(code).map(TrainingDirection::label),
            "stage" => TrainingStage::from_code(code).map(TrainingStage::label),
            _ => None,
        }
    }
}
