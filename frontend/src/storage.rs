//! Browser storage through gloo-storage: the documents and sync states survive reloads and
//! cold starts with no network. Binary data is stored base64-encoded.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use gloo_storage::{LocalStorage, Storage};
use serde::{de::DeserializeOwned, Serialize};

const PREFIX: &str = "sanlian.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFull(pub String);

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

pub fn get<T: DeserializeOwned>(name: &str) -> Option<T> {
    LocalStorage::get(key(name)).ok()
}

pub fn set<T: Serialize>(name: &str, value: &T) -> Result<(), StorageFull> {
    LocalStorage::set(key(name), value).map_err(|e| StorageFull(e.to_string()))
}

pub fn get_bytes(name: &str) -> Option<Vec<u8>> {
    let s: String = get(name)?;
    STANDARD_NO_PAD.decode(s).ok()
}

pub fn set_bytes(name: &str, bytes: &[u8]) -> Result<(), StorageFull> {
    set(name, &STANDARD_NO_PAD.encode(bytes))
}
