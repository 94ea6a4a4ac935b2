//! 帮扶记录: one entry of help for one of a member's households — the project chosen,
//! the skill learned, support given, or the income established.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::forms::{
    choices_of, date_field, field, long, select, Check, Choice, Field, FormContext, Input,
    MAX_INCOME,
};
use crate::model::{labelled_enum, Role};
use crate::validate::MAX_NOTE_CHARS;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// One help record for one household (党员联帮).
    HelpKind {
        Project => "选定发展项目",
        Skill => "掌握实用技术",
        Support => "帮扶支持",
        Income => "收入核定",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct HelpRecord {
    pub id: String,
    pub date: String,
    pub member: String,
    /// A [`super::target::HelpTarget`] id in the same document.
    pub target: String,
    pub kind: HelpKind,
    /// The project, the skill, the support given, or how the income was established.
    pub detail: String,
    /// Per-capita yearly income, yuan; set on [`HelpKind::Income`] records.
    pub income: Option<i64>,
    pub recorded_at: i64,
    pub withdrawn: bool,
}

impl RecordKind for HelpRecord {
    const KIND: super::FormKind = super::FormKind::Help;
    const LABEL: &'static str = "帮扶记录";
    const SLUG: &'static str = "help";
    const ACTION: &'static str = "记一次帮扶";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 1;
    const OFFERED: &'static [(Role, u8)] = &[(Role::Member, 0), (Role::Secretary, 0)];
    owned_by!(member);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let targets = ctx.my_targets();
        let blocked = targets
            .is_empty()
            .then(|| "请先确定帮扶对象，再记帮扶".to_string());
        let choices = targets
            .iter()
            .map(|t| Choice {
                value: t.id.clone(),
                label: format!("{}（{}）", t.name, ctx.registry.place_name(&t.place)),
                group: String::new(),
            })
            .collect::<Vec<_>>();
        let first = choices.first().map(|c| c.value.clone()).unwrap_or_default();
        let fields = vec![
            date_field(ctx, "日期"),
            select("target", "帮扶对象", choices, first),
            select(
                "kind",
                "帮扶内容",
                choices_of!(HelpKind),
                HelpKind::Support.code(),
            ),
            long("detail", "具体情况", "例：选定发展生猪养殖，购仔猪 5 头"),
            Field {
                shown_when: Some(("kind", &["Income"])),
                ..field(
                    "income",
                    "核定的人均纯收入",
                    Input::Number { unit: "元" },
                    "",
                )
            },
        ];
        (fields, blocked)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let date = c.date("date", "日期");
        let mine = ctx.my_targets();
        let ok = mine.iter().any(|t| t.id == c.raw("target"));
        let target = c.one_of("target", ok, "自己的帮扶对象");
        let hkind = c.code("kind", HelpKind::from_code, "帮扶内容");
        let detail = c.text("detail", "具体情况", MAX_NOTE_CHARS, true);
        let income = if hkind == Some(HelpKind::Income) {
            c.number("income", "核定的人均纯收入", 0, MAX_INCOME)
                .map(Some)
        } else {
            Some(None)
        };
        Some(HelpRecord {
            id,
            date: date?,
            member: ctx.me.id.clone(),
            target: target?,
            kind: hkind?,
            detail: detail?,
            income: income?,
            recorded_at,
            withdrawn: false,
        })
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("target", self.target.clone()),
            ("kind", self.kind.code().into()),
            ("detail", self.detail.clone()),
            (
                "income",
                self.income.map(|i| i.to_string()).unwrap_or_default(),
            ),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        let who = l
            .records
            .targets
            .get(&self.target)
            .map_or_else(|| self.target.clone(), |t| t.name.clone());
        let detail = match self.income {
            Some(i) => format!("人均纯收入 {i} 元。{}", self.detail),
            None => self.detail.clone(),
        };
        Line {
            date: self.date.clone(),
            tag: term(self.kind.label()),
            title: who,
            detail,
        }
    }

    fn office_row(&self, records: &super::BranchRecords) -> Option<OfficeLine> {
        let (name, place) = records
            .targets
            .get(&self.target)
            .map_or(("", ""), |t| (t.name.as_str(), t.place.as_str()));
        let mut note = format!("{name}：{}", self.detail);
        if let Some(i) = self.income {
            note.push_str(&format!("（人均收入 {i} 元）"));
        }
        Some(OfficeLine {
            record: "帮扶记录",
            date: self.date.clone(),
            kind: self.kind.label(),
            place: place.to_string(),
            author: self.member.clone(),
            about: None,
            note,
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => HelpKind::from_code(code).map(HelpKind::label),
            _ => None,
        }
    }
}
