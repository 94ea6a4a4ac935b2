//! This phone's signing key per person (issue 15). Drawn once from the browser's
//! randomness and kept in the person's own storage; only its public half is ever sent
//! (registered with the person's actors before a sync). Signing lives in
//! `shared::signing`; the sync client signs every change of the person it sends.

use crate::storage;
use shared::signing::DeviceKey;

/// The public key the server last registered for all of this person's actors here.
fn registered_name(person: &str) -> String {
    format!("{}signkey.registered", storage::ns(person))
}

/// The person's key on this phone (`shared::repo::device_key`: made at the first use).
pub fn key(person: &str) -> DeviceKey {
    shared::repo::device_key(&storage::Local, person, crate::repo::fresh().seed)
}

/// Whether every actor of the person on this phone was registered with this key.
pub fn all_registered(person: &str, key: &DeviceKey) -> bool {
    storage::get::<String>(&registered_name(person)).as_deref() == Some(key.public_hex().as_str())
}

pub fn note_all_registered(person: &str, key: &DeviceKey) {
    let _ = storage::set(&registered_name(person), &key.public_hex());
}
