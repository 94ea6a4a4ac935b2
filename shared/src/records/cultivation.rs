//! 培养人才: a 产业大户, 技术骨干 or 岗位标兵 a leader helps their point raise each year
//! (领导联点·抓产业).

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
    /// What a leader helps their point raise each year.
    CultivationKind {
        Grower => "产业大户",
        Technician => "技术骨干",
        ModelWorker => "岗位标兵",
    }
);

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

impl RecordKind for Cultivation {
    const KIND: super::FormKind = super::FormKind::Cultivation;
    const LABEL: &'static str = "培养人才";
    const SLUG: &'static str = "cultivation";
    const ACTION: &'static str = "记培养的人才";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Leader, 2)];
    owned_by!(leader);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            date_field(ctx, "日期"),
            select("place", "联系点", ctx.places(), ctx.likely_place()),
            select(
                "kind",
                "培养类别",
                choices_of!(CultivationKind),
                CultivationKind::Grower.code(),
            ),
            field(
                "name",
                "培养对象姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            long(
                "note",
                "培养情况",
                "例：帮助其建成 50 亩茶园，带动 8 户增收",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let date = c.date("date", "日期");
        let place_ok = ctx.registry.places.contains_key(c.raw("place"));
        let place = c.one_of("place", place_ok, "联系点");
        let ckind = c.code("kind", CultivationKind::from_code, "培养类别");
        let name = c.text("name", "培养对象姓名", MAX_NAME_CHARS, true);
        let note = c.text("note", "培养情况", MAX_NOTE_CHARS, false);
        Some(Cultivation {
            id,
            date: date?,
            leader: ctx.me.id.clone(),
            place: place?,
            kind: ckind?,
            name: name?,
            note: note?,
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("place", self.place.clone()),
            ("kind", self.kind.code().into()),
            ("name", self.name.clone()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: self.date.clone(),
            tag: term(self.kind.label()),
            title: format!("{}（{}）", self.name, l.place(&self.place)),
            detail: self.note.clone(),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "培养",
            date: self.date.clone(),
            kind: self.kind.label(),
            place: self.place.clone(),
            author: self.leader.clone(),
            about: None,
            note: format!("{}：{}", self.name, self.note),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => CultivationKind::from_code(code).map(CultivationKind::label),
            _ => None,
        }
    }
}
