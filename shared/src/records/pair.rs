//! 支部联建: the office branch (whose document this is) pairs with a village's,
//! community's or enterprise's branch for a year.

use super::{county_day, owned_by, Line, Listing, RecordKind};
use crate::forms::{field, select, Check, Field, FormContext, Input};
use crate::model::Role;
use crate::msg::Msg;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct BranchPair {
    pub id: String,
    pub year: i32,
    /// The 机关/事业 branch.
    pub branch: String,
    /// The village, community or enterprise branch.
    pub partner: String,
    pub author: String,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

impl RecordKind for BranchPair {
    const KIND: super::FormKind = super::FormKind::Pair;
    const LABEL: &'static str = "支部联建";
    const SLUG: &'static str = "pair";
    const ACTION: &'static str = "确定结对支部";
    const PERSONAL: bool = false;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Secretary, 4)];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let fields = vec![
            field("year", "年度", Input::Year, ctx.year().to_string()),
            select(
                "partner",
                "结对的村（社区、企业）支部",
                ctx.partners(),
                ctx.my_pair().unwrap_or_default(),
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let year = c.year("year");
        let ok = ctx.partners().iter().any(|p| p.value == c.raw("partner"));
        let partner = c.one_of("partner", ok, "结对的村（社区、企业）支部");
        Some(BranchPair {
            id,
            year: year?,
            branch: ctx.me.branch.clone(),
            partner: partner?,
            author: ctx.me.id.clone(),
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("year", self.year.to_string()),
            ("partner", self.partner.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: county_day(self.recorded_at),
            tag: Msg::PairOfYear { year: self.year },
            title: l.branch(&self.partner),
            detail: String::new(),
        }
    }
}
