//! This phone's signing key per person (issue 15): made and kept by the document engine
//! (`shared::repo::device_key`), which signs every change of the person it sends; only
//! its public half is ever sent, registered with the person's actors before a sync.

use crate::storage;

/// The public key the server last registered for all of this person's actors here.
fn registered_name(person: &str) -> String {
    format!("{}signkey.registered", storage::ns(person))
}

/// The public half of the person's key on this phone, once the engine has opened for them.
pub fn public_key() -> Option<String> {
    crate::engine::opened()
        .map(|o| o.public_key)
        .filter(|k| !k.is_empty())
}

/// Whether every actor of the person on this phone was registered with this key.
pub fn all_registered(person: &str, key: &str) -> bool {
    storage::get::<String>(&registered_name(person)).as_deref() == Some(key)
}

pub fn note_all_registered(person: &str, key: &str) {
    let _ = storage::set(&registered_name(person), key);
}
