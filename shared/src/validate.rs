//! What every form's validation returns: errors as codes with their values, rendered in
//! the user's language by the app. Each kind's own checks live with the kind
//! (`crate::records`); the checks every form shares, in `crate::forms`.

use crate::msg::Msg;

pub const MAX_NOTE_CHARS: usize = 2000;

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

pub(crate) fn err(field: &'static str, msg: Msg) -> FieldError {
    FieldError { field, msg }
}

// The visit's own checks live with the visit.
pub use crate::records::visit::{validate_visit, VisitDraft};
