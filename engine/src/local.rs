//! The origin's localStorage as [`shared::store::Store`]: the phone's one storage, read
//! and written by its pages and by its document engine alike. One file, compiled into
//! both (`frontend/src/storage.rs` names it by path), so both agree on every name.

use gloo_storage::{LocalStorage, Storage};
use shared::store::StorageFull;

/// Every name the app stores starts with this in localStorage.
pub const PREFIX: &str = "sanlian.";

/// The origin's localStorage.
pub struct Local;

impl shared::store::Store for Local {
    fn get(&self, name: &str) -> Option<String> {
        LocalStorage::raw().get_item(&key(name)).ok()?
    }

    fn set(&self, name: &str, value: &str) -> Result<(), StorageFull> {
        LocalStorage::raw()
            .set_item(&key(name), value)
            .map_err(|e| StorageFull(format!("{e:?}")))
    }

    fn remove(&self, name: &str) {
        LocalStorage::delete(key(name));
    }

    fn names(&self) -> Vec<String> {
        let raw = LocalStorage::raw();
        let n = raw.length().unwrap_or(0);
        (0..n)
            .filter_map(|i| raw.key(i).ok().flatten())
            .filter_map(|k| k.strip_prefix(PREFIX).map(str::to_string))
            .collect()
    }
}

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}
