//! 三件实事: a difficulty solved, a grower or able earner raised, and each year a new
//! party-building measure, a new member and a reserve cadre.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::domain::records::TieIn;
use crate::forms::{choices_of, date_field, field, long, select, Check, Field, FormContext, Input};
use crate::model::{labelled_enum, Role};
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

impl RecordKind for Deed {
    const KIND: super::FormKind = super::FormKind::Deed;
    const LABEL: &'static str = "三件实事";
    const SLUG: &'static str = "deed";
    const ACTION: &'static str = "记一件实事";
    const PERSONAL: bool = false;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Secretary, 7)];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            date_field(ctx, "日期"),
            select(
                "kind",
                "实事",
                choices_of!(DeedKind),
                DeedKind::Difficulty.code(),
            ),
            select("place", "地点", ctx.places(), ctx.likely_place()),
            Field {
                input: Input::Choice {
                    choices: choices_of!(TieIn),
                    optional: true,
                },
                ..field("tie_in", "结合（五个结合，可不选）", Input::Date, "")
            },
            long(
                "note",
                "办了什么、结果如何",
                "例：协调资金 3 万元修通组级公路 1.2 公里",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let date = c.date("date", "日期");
        let dkind = c.code("kind", DeedKind::from_code, "实事");
        let place_ok = ctx.registry.places.contains_key(c.raw("place"));
        let place = c.one_of("place", place_ok, "地点");
        let tie_in = match c.raw("tie_in") {
            "" => Some(None),
            _ => c.code("tie_in", TieIn::from_code, "五个结合").map(Some),
        };
        let note = c.text("note", "办了什么、结果如何", MAX_NOTE_CHARS, true);
        Some(Deed {
            id,
            date: date?,
            kind: dkind?,
            place: place?,
            note: note?,
            tie_in: tie_in?,
            author: ctx.me.id.clone(),
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("kind", self.kind.code().into()),
            ("place", self.place.clone()),
            (
                "tie_in",
                self.tie_in
                    .map(|t| t.code().to_string())
                    .unwrap_or_default(),
            ),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        let tie = self
            .tie_in
            .map(|t| format!("（{}）", t.label()))
            .unwrap_or_default();
        Line {
            date: self.date.clone(),
            tag: term(self.kind.label()),
            title: format!("{}{tie}", l.place(&self.place)),
            detail: self.note.clone(),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "实事",
            date: self.date.clone(),
            kind: self.kind.label(),
            place: self.place.clone(),
            author: self.author.clone(),
            about: None,
            note: self.note.clone(),
            tie_in: self.tie_in,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => DeedKind::from_code(code).map(DeedKind::label),
            "tie_in" => TieIn::from_code(code).map(TieIn::label),
            _ => None,
        }
    }
}
