//! Browser storage: the documents and sync states survive reloads and cold starts with no
//! network, with any number of tabs of one profile open at once, and with several people
//! using one phone. The formats and the repo's logic are `shared::store` and
//! `shared::repo` (issue 16), tested natively over a store in memory, and run by the
//! document engine (issue 18); here are the pages' small JSON values (session, drafts,
//! the language) in the same localStorage, and the bytes in use.

use gloo_storage::{LocalStorage, Storage};
use serde::{de::DeserializeOwned, Serialize};
pub use shared::store::{ns, StorageFull};

/// Chromium, Firefox and Safari all give an origin about 5 M UTF-16 code units of
/// localStorage (10 MiB as Chromium counts it); the browser does not report it.
pub const LOCAL_QUOTA_BYTES: u64 = 10 * 1024 * 1024;

// The origin's localStorage as `shared::store::Store`: one file with the document
// engine's (issue 18), so the pages and the engine name every key alike.
#[path = "../../engine/src/local.rs"]
mod local;
pub use local::Local;

/// localStorage as the pages write it: a write that does not fit drops the stored views
/// (caches) first and tries again (`shared::store::Evicting`).
pub const STORE: shared::store::Evicting<Local> = shared::store::Evicting(Local);

pub fn get<T: DeserializeOwned>(name: &str) -> Option<T> {
    shared::store::get_json(&Local, name)
}

pub fn set<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<(), StorageFull> {
    shared::store::set_json(&STORE, name, value)
}

pub fn remove(name: &str) {
    shared::store::Store::remove(&Local, name);
}

/// Bytes of localStorage in use by this origin, counted as browsers count the quota
/// (UTF-16: two bytes per code unit of keys and values).
pub fn local_bytes_used() -> u64 {
    let raw = LocalStorage::raw();
    let n = raw.length().unwrap_or(0);
    let mut units = 0u64;
    for i in 0..n {
        if let Ok(Some(k)) = raw.key(i) {
            let v = raw.get_item(&k).ok().flatten().unwrap_or_default();
            units += (k.encode_utf16().count() + v.encode_utf16().count()) as u64;
        }
    }
    units * 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::store::{get_packed, set_packed};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The packing's code units survive the real localStorage (the round trip itself is
    /// tested natively in `shared`).
    #[wasm_bindgen_test]
    fn packed_bytes_survive_local_storage() {
        LocalStorage::clear();
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect();
        set_packed(&Local, "t", &bytes).unwrap();
        assert_eq!(get_packed(&Local, "t"), Some(bytes));
        assert_eq!(shared::store::Store::names(&Local), ["t"]);
        LocalStorage::clear();
    }
}
