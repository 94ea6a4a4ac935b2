//! This phone's signing key per person (issue 15). Drawn once from the browser's
//! randomness and kept in the person's own storage; only its public half is ever sent
//! (registered with the person's actors before a sync). Signing lives in
//! `shared::signing`; the sync client signs every change of the person it sends.

use crate::storage;
use shared::signing::{hex, unhex, DeviceKey};

fn key_name(person: &str) -> String {
    format!("{}signkey", storage::ns(person))
}

/// The public key the server last registered for all of this person's actors here.
fn registered_name(person: &str) -> String {
    format!("{}signkey.registered", storage::ns(person))
}

/// The person's key on this phone, made at the first use (an app updated from before
/// signing makes it then; entries made before are signed when they are sent).
pub fn key(person: &str) -> DeviceKey {
    let stored = storage::get::<String>(&key_name(person))
        .and_then(|h| unhex(&h))
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
    if let Some(seed) = stored {
        return DeviceKey::from_seed(seed);
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the browser provides crypto.getRandomValues");
    let key = DeviceKey::from_seed(seed);
    // If storage is full the key lives for this start only: changes are still signed,
    // and the next start makes and registers a new one.
    let _ = storage::set(&key_name(person), &hex(&seed));
    key
}

/// Whether every actor of the person on this phone was registered with this key.
pub fn all_registered(person: &str, key: &DeviceKey) -> bool {
    storage::get::<String>(&registered_name(person)).as_deref() == Some(key.public_hex().as_str())
}

pub fn note_all_registered(person: &str, key: &DeviceKey) {
    let _ = storage::set(&registered_name(person), &key.public_hex());
}
