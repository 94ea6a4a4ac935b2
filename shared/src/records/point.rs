//! 领导联点: a leader's contact point for a year, kept in the leader's branch document.

use super::{county_day, owned_by, Line, Listing, RecordKind};
use crate::forms::{field, long, select, Check, Field, FormContext, Input};
use crate::model::Role;
use crate::msg::Msg;
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

impl RecordKind for LeaderPoint {
    const KIND: super::FormKind = super::FormKind::Point;
    const LABEL: &'static str = "领导联点";
    const SLUG: &'static str = "point";
    const ACTION: &'static str = "确定联系点";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Leader, 1)];
    owned_by!(leader);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            field("year", "年度", Input::Year, ctx.year().to_string()),
            select(
                "place",
                "联系点（村、社区或企业）",
                ctx.places(),
                ctx.likely_place(),
            ),
            long("note", "联点说明", "例：联系该村，重点抓茶叶产业和班子建设"),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let year = c.year("year");
        let place_ok = ctx.registry.places.contains_key(c.raw("place"));
        let place = c.one_of("place", place_ok, "联系点（村、社区或企业）");
        let note = c.text("note", "联点说明", MAX_NOTE_CHARS, false);
        Some(LeaderPoint {
            id,
            year: year?,
            leader: ctx.me.id.clone(),
            place: place?,
            note: note?,
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("year", self.year.to_string()),
            ("place", self.place.clone()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: county_day(self.recorded_at),
            tag: Msg::PointOfYear { year: self.year },
            title: l.place(&self.place),
            detail: self.note.clone(),
        }
    }
}
