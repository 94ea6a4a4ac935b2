//! Drafts (issue 17): what a person types into a form is kept in storage, per person and
//! form, from the first keystroke until it is saved as a record or discarded. So it
//! survives switching forms, the back button, a reload, the login form replacing the
//! form when the server ends the session, and an app update; on a shared phone the next
//! person never sees it (it lives in its author's namespace, `storage::ns`).

use crate::storage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Field name → what is in it.
    pub values: BTreeMap<String, String>,
    /// When it was last edited (corrected clock, ms).
    pub edited_ms: i64,
}

fn key(person: &str, form: &str) -> String {
    format!("{}draft.{form}", storage::ns(person))
}

pub fn load(person: &str, form: &str) -> Option<Draft> {
    storage::get(&key(person, form))
}

/// Keeps what is typed. A full storage loses only the draft, never a saved record.
pub fn keep(person: &str, form: &str, values: &BTreeMap<String, String>, now_ms: i64) -> Draft {
    let draft = Draft {
        values: values.clone(),
        edited_ms: now_ms,
    };
    let _ = storage::set(&key(person, form), &draft);
    draft
}

pub fn discard(person: &str, form: &str) {
    storage::remove(&key(person, form));
}

/// The form's values: its defaults, with what the draft holds for its fields on top.
pub fn restore(
    defaults: BTreeMap<String, String>,
    draft: Option<&Draft>,
) -> BTreeMap<String, String> {
    let mut values = defaults;
    if let Some(d) = draft {
        for (name, value) in &d.values {
            if let Some(v) = values.get_mut(name) {
                v.clone_from(value);
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use gloo_storage::{LocalStorage, Storage};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn issue_17_a_draft_is_kept_per_person_and_form_until_discarded() {
        LocalStorage::clear();
        let typed: BTreeMap<String, String> = [("note".to_string(), "走访了三户".to_string())]
            .into_iter()
            .collect();
        keep("p1-2", "visit", &typed, 42);
        assert_eq!(load("p1-2", "visit").map(|d| d.edited_ms), Some(42));
        assert_eq!(load("p1-3", "visit"), None, "another person never sees it");
        assert_eq!(load("p1-2", "help"), None, "another form starts empty");
        let defaults: BTreeMap<String, String> = [
            ("note".to_string(), String::new()),
            ("date".to_string(), "2026-12-01".to_string()),
        ]
        .into_iter()
        .collect();
        let restored = restore(defaults.clone(), load("p1-2", "visit").as_ref());
        assert_eq!(restored["note"], "走访了三户");
        assert_eq!(
            restored["date"], "2026-12-01",
            "untouched fields keep defaults"
        );
        discard("p1-2", "visit");
        assert_eq!(
            restore(defaults.clone(), load("p1-2", "visit").as_ref()),
            defaults
        );
        LocalStorage::clear();
    }
}
