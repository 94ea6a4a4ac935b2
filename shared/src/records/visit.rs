//! 到点记录 / 帮扶走访: a visit to a contact point or a helped household. The skeleton's
//! record: its map is in the genesis, and its validation was the first.

use super::{owned_by, term, Line, Listing, OfficeLine, RecordKind};
use crate::doc::DocError;
use crate::forms::{choices_of, date_field, long, select, Check, Field, FormContext};
use crate::model::{labelled_enum, Registry, Role};
use crate::msg::Msg;
use crate::validate::{err, FieldError, MAX_NOTE_CHARS};
use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The visit form's label of its day (the form's field of the same name).
const DATE: &str = "到点日期";

fn what(label: &str) -> String {
    label.to_string()
}

labelled_enum!(
    /// What a visit worked on: the three tasks of 领导联点, or 帮扶 for a member's help.
    VisitKind {
        BuildTeam => "建班子",
        Industry => "抓产业",
        Stability => "保稳定",
        Help => "帮扶",
    }
);

/// A visit to a contact point or a helped household: 到点记录 / 帮扶走访.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Visit {
    /// Made on the device that recorded the visit, so a retried save or a re-sent sync can
    /// never create a second copy.
    pub id: String,
    /// The person who made the visit.
    pub author: String,
    /// The day of the visit, `YYYY-MM-DD`.
    pub date: String,
    pub place: String,
    pub kind: VisitKind,
    /// What was found and what was done.
    pub note: String,
    /// When it was recorded on the phone, milliseconds since the Unix epoch.
    pub recorded_at: i64,
    /// Withdrawn entries are kept and marked, never deleted.
    #[autosurgeon(missing = "Default::default")]
    pub withdrawn: bool,
}

/// A visit form as typed, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitDraft {
    pub date: String,
    pub place: String,
    pub kind: String,
    pub note: String,
}

/// Checks a draft; on success returns the visit with the given id, author and time.
/// `today` is the phone's local date: a visit cannot be dated in the future.
pub fn validate_visit(
    draft: &VisitDraft,
    registry: &Registry,
    today: NaiveDate,
    id: String,
    author: String,
    recorded_at: i64,
) -> Result<Visit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date = match crate::day::parse(&draft.date).ok_or(()) {
        Ok(d) if d > today => {
            errors.push(err("date", Msg::DateAfterToday { what: what(DATE) }));
            None
        }
        // The same bound as every other form's day (`forms::Check::date`): not before last year.
        Ok(d) if d.year() < today.year() - 1 => {
            errors.push(err("date", Msg::DateBeforeLastYear { what: what(DATE) }));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(err("date", Msg::DateRequired { what: what(DATE) }));
            None
        }
    };
    if !registry.places.contains_key(draft.place.as_str()) {
        errors.push(err(
            "place",
            Msg::Choose {
                what: what("联系点（村、社区或企业）"),
            },
        ));
    }
    let kind = VisitKind::from_code(&draft.kind);
    if kind.is_none() {
        errors.push(err(
            "kind",
            Msg::Choose {
                what: what("工作内容"),
            },
        ));
    }
    let note = draft.note.trim();
    if note.is_empty() {
        errors.push(err(
            "note",
            Msg::Required {
                what: what("了解到的情况和所做的工作"),
            },
        ));
    } else if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(err(
            "note",
            Msg::TooLong {
                what: what("记录"),
                max: MAX_NOTE_CHARS,
            },
        ));
    }
    if !registry.people.contains_key(author.as_str()) {
        errors.push(err("author", Msg::NotInRoster));
    }
    match (date, kind, errors.is_empty()) {
        (Some(date), Some(kind), true) => Ok(Visit {
            id,
            author,
            date: crate::day::iso(date),
            place: draft.place.clone(),
            kind,
            note: note.to_string(),
            recorded_at,
            withdrawn: false,
        }),
        _ => Err(errors),
    }
}

impl RecordKind for Visit {
    const KIND: super::FormKind = super::FormKind::Visit;
    const LABEL: &'static str = "到点记录";
    const SLUG: &'static str = "visit";
    const ACTION: &'static str = "记一次到点";
    const PERSONAL: bool = true;
    const EXTENSION: u8 = 0;
    const OFFERED: &'static [(Role, u8)] =
        &[(Role::Leader, 0), (Role::Member, 2), (Role::Secretary, 2)];
    owned_by!(author);

    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>) {
        let default_kind = if ctx.me.role == Role::Leader {
            VisitKind::BuildTeam
        } else {
            VisitKind::Help
        };
        let fields = vec![
            date_field(ctx, "日期"),
            select("place", "联系点", ctx.places(), ctx.likely_place()),
            select(
                "kind",
                "工作内容",
                choices_of!(VisitKind),
                default_kind.code(),
            ),
            long(
                "note",
                "了解的情况和所做的工作",
                "例：到村查看茶园，协调解决灌溉用水问题",
            ),
        ];
        (fields, None)
    }

    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self> {
        let get = |k: &str| c.values.get(k).cloned().unwrap_or_default();
        let draft = VisitDraft {
            date: get("date"),
            place: get("place"),
            kind: get("kind"),
            note: get("note"),
        };
        match validate_visit(
            &draft,
            ctx.registry,
            ctx.today,
            id,
            ctx.me.id.clone(),
            recorded_at,
        ) {
            Ok(v) => Some(v),
            Err(errors) => {
                c.errors.extend(errors);
                None
            }
        }
    }

    fn values(&self) -> BTreeMap<String, String> {
        super::form_values(&[
            ("date", self.date.clone()),
            ("place", self.place.clone()),
            ("kind", self.kind.code().into()),
            ("note", self.note.clone()),
        ])
    }

    fn line(&self, l: &Listing) -> Line {
        Line {
            date: self.date.clone(),
            tag: term(self.kind.label()),
            title: l.place(&self.place),
            detail: self.note.clone(),
        }
    }

    fn office_row(&self, _: &super::BranchRecords) -> Option<OfficeLine> {
        let record = if self.kind == VisitKind::Help {
            "帮扶走访"
        } else {
            "到点走访"
        };
        Some(OfficeLine {
            record,
            date: self.date.clone(),
            kind: self.kind.label(),
            place: self.place.clone(),
            author: self.author.clone(),
            about: None,
            note: self.note.clone(),
            tie_in: None,
        })
    }

    fn code_label(field: &str, code: &str) -> Option<&'static str> {
        match field {
            "kind" => VisitKind::from_code(code).map(VisitKind::label),
            _ => None,
        }
    }

    /// Through the skeleton's own call: `visits` is in the genesis, so a visit needs no
    /// extension merged in.
    fn put(&self, doc: &mut AutoCommit, now_secs: i64) -> Result<(), DocError> {
        crate::doc::put_visit(doc, self, now_secs)
    }

    /// One change per visit, as phones make them.
    fn put_all(
        doc: &mut AutoCommit,
        all: &BTreeMap<String, Self>,
        now_secs: i64,
    ) -> Result<(), DocError> {
        for v in all.values() {
            crate::doc::put_visit(doc, v, now_secs)?;
        }
        Ok(())
    }
}
