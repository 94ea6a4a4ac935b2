//! 三个活动: 五送一建 with the paired branch, 共驻共建 with a community's units, 党工共建
//! in enterprises (which one a pair calls for: `domain::rules::activity_for`).

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{choices_of, date_field, long, select, Check, Field, FormContext};
use crate::model::{labelled_enum, Role};
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// 三个活动.
    ActivityKind {
        FiveSend => "五送一建",
        CoResident => "共驻共建",
        PartyLabour => "党工共建",
    }
);

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

impl RecordKind for Activity {
    const KIND: super::FormKind = super::FormKind::Activity;
    const LABEL: &'static str = "三个活动";
    const SLUG: &'static str = "activity";
    const ACTION: &'static str = "记一次活动";
    const PERSONAL: bool = false;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Secretary, 6)];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let mut partners = ctx.partners();
        partners.retain(|c| !c.value.is_empty());
        let fields = vec![
            date_field(ctx, "日期"),
            select(
                "kind",
                "活动",
                choices_of!(ActivityKind),
                ActivityKind::FiveSend.code(),
            ),
            select(
                "partner",
                "共建对象",
                partners,
                ctx.my_pair().unwrap_or_default(),
            ),
            long(
                "note",
                "活动内容",
                "例：为村里送去种苗 2000 株，开展技术培训 1 场",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let date = c.date("date", "活动日期");
        let akind = c.code("kind", ActivityKind::from_code, "活动");
        // The partners the form offers (issue 16: `submit` used to take any branch).
        let ok = ctx.partners().iter().any(|p| p.value == c.raw("partner"));
        let partner = c.one_of("partner", ok, "共建对象");
        let note = c.text("note", "活动内容", MAX_NOTE_CHARS, true);
        Some(Activity {
            id,
            date: date?,
            kind: akind?,
            partner: partner?,
            note: note?,
            author: ctx.me.id.clone(),
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("kind", self.kind.code().into()),
            ("partner", self.partner.clone()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: self.date.clone(),
            tag: term(self.kind.label()),
            title: l.branch(&self.partner),
            detail: self.note.clone(),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        Some(OfficeLine {
            record: "活动",
            date: self.date.clone(),
            kind: self.kind.label(),
            place: self.partner.clone(),
            author: self.author.clone(),
            about: None,
            note: self.note.clone(),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => ActivityKind::from_code(code).map(ActivityKind::label),
            _ => None,
        }
    }
}
