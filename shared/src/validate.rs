//! Validation of what people type on the phone, with messages in the notice's terms.

use crate::model::{Registry, Visit, VisitKind};
use chrono::NaiveDate;

pub const MAX_NOTE_CHARS: usize = 2000;

/// A visit form as typed, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitDraft {
    pub date: String,
    pub place: String,
    pub kind: String,
    pub note: String,
}

/// One problem with one field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
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
            errors.push(err("date", "到点日期不能晚于今天"));
            None
        }
        Ok(d) if d < today - chrono::Days::new(366) => {
            errors.push(err("date", "到点日期不能早于一年前"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(err("date", "请填写到点日期（年-月-日）"));
            None
        }
    };
    if !registry.places.contains_key(draft.place.as_str()) {
        errors.push(err("place", "请选择联系点（村、社区或企业）"));
    }
    let kind = VisitKind::from_code(&draft.kind);
    if kind.is_none() {
        errors.push(err("kind", "请选择工作内容"));
    }
    let note = draft.note.trim();
    if note.is_empty() {
        errors.push(err("note", "请填写了解到的情况和所做的工作"));
    } else if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(err("note", format!("记录不能超过 {MAX_NOTE_CHARS} 字")));
    }
    if !registry.people.contains_key(author.as_str()) {
        errors.push(err("author", "名册中没有当前登录的用户，请联系县委组织部"));
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
