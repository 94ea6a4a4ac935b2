//! Validation of what people type on the phone, with messages in the notice's terms.

use crate::model::{Registry, Visit, VisitKind};
use crate::msg::Msg;
use chrono::{Datelike, NaiveDate};

/// The visit form's label of its day (`forms`' field of the same name).
const DATE: &str = "到点日期";

pub const MAX_NOTE_CHARS: usize = 2000;

/// A visit form as typed, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitDraft {
    pub date: String,
    pub place: String,
    pub kind: String,
    pub note: String,
}

/// One problem with one field of a form, as a code with its values: the app renders it
/// in the user's language ([`Msg`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub msg: Msg,
}

impl FieldError {
    /// The problem in Chinese.
    pub fn message(&self) -> String {
        self.msg.zh()
    }
}

fn err(field: &'static str, msg: Msg) -> FieldError {
    FieldError { field, msg }
}

fn what(label: &str) -> String {
    label.to_string()
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
    let date = match NaiveDate::parse_from_str(draft.date.trim(), "%Y-%m-%d") {
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
            date: date.format("%Y-%m-%d").to_string(),
            place: draft.place.clone(),
            kind,
            note: note.to_string(),
            recorded_at,
            withdrawn: false,
        }),
        _ => Err(errors),
    }
}
