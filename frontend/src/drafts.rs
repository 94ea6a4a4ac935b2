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

/// The draft key of a 修改 form (issue 14): one per record, so correcting two entries
/// keeps two drafts, and a new record's draft is never mixed into an edit.
pub fn edit_key(form: &str, id: &str) -> String {
    format!("{form}.edit.{id}")
}

/// What an edit's draft keeps: only the fields that differ from the record as it was
/// opened. Restored over the record *as it stands then*, so a field another phone
/// changed meanwhile is not put back to its old value by a draft that never touched it.
pub fn changed_from(
    values: &BTreeMap<String, String>,
    base: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    shared::records::string_map(
        values
            .iter()
            .filter(|(k, v)| base.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone())),
    )
}

/// The 修改 form left open (form slug, record id), so a reload, an update or the login
/// form coming back returns to the correction being typed, not to an empty new form.
/// Per person, like the drafts.
pub fn open_edit(person: &str) -> Option<(String, String)> {
    storage::get(&format!("{}draft.editing", storage::ns(person)))
}

pub fn set_open_edit(person: &str, edit: Option<(&str, &str)>) {
    let key = format!("{}draft.editing", storage::ns(person));
    match edit {
        Some(e) => {
            let _ = storage::set(&key, &e);
        }
        None => storage::remove(&key),
    }
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

    #[wasm_bindgen_test]
    fn issue_14_an_edit_keeps_a_draft_of_the_changed_fields_over_the_record_as_it_stands() {
        LocalStorage::clear();
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let opened = map(&[("note", "原来的备注"), ("kind", "Help")]);
        let typed = map(&[("note", "改了一半"), ("kind", "Help")]);
        let key = edit_key("visit", "r1");
        keep("p1-2", &key, &changed_from(&typed, &opened), 7);
        set_open_edit("p1-2", Some(("visit", "r1")));
        assert_eq!(load("p1-2", "visit"), None, "a new record's draft is apart");
        assert_eq!(
            open_edit("p1-2"),
            Some(("visit".to_string(), "r1".to_string()))
        );
        assert_eq!(open_edit("p1-3"), None, "per person");
        // Another phone changed the kind meanwhile: the draft does not put it back.
        let now = map(&[("note", "原来的备注"), ("kind", "Industry")]);
        let restored = restore(now, load("p1-2", &key).as_ref());
        assert_eq!(restored, map(&[("note", "改了一半"), ("kind", "Industry")]));
        set_open_edit("p1-2", None);
        assert_eq!(open_edit("p1-2"), None);
        LocalStorage::clear();
    }
}
