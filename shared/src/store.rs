//! The phone's storage, behind a trait (issue 16, samod-style): the browser's
//! localStorage in the app (`frontend/src/storage.rs`), [`MemoryStore`] in tests, so the
//! repo's logic ([`crate::repo`]) — saves, pending, export/import, conflicts, several
//! tabs, a full quota, old formats — runs and is tested natively.
//!
//! A store holds strings under names, as localStorage does; binary data is packed 15
//! bits per UTF-16 code unit ([`pack`]) instead of base64's 6, because localStorage
//! counts its quota in code units: a document takes 2.5× less of it. The code units used
//! (U+1000..=U+8FFF) are plain BMP characters, never surrogates, so they survive the
//! round trip through Rust `String`s and every browser's storage.
//!
//! Stored formats (names are the app's own; the browser store prefixes them `sanlian.`):
//! - 1 (walking skeleton): `doc.<id>` and `sync.<id>` hold a JSON string of base64.
//! - 2: `d2.<id>` (a JSON chunk count) plus chunks `d2.<id>.<k>`, `s2.<id>` sync states,
//!   `pending`, `actors.unregistered`. Every tab wrote the same keys, so two tabs
//!   overwrote each other's chunks (issue 17).
//! - 3 (now): everything of one person lives under their own namespace `u.<person>.`
//!   (documents, sync states, actors not yet registered, drafts), so a shared phone keeps
//!   each person's unsynced entries apart. A document is any number of **write-once
//!   chunks** `u.<person>.d3.<doc>.<writer>.<n>`, where `<writer>` is random per tab and
//!   start: no two tabs ever write the same key, a chunk is never rewritten, and loading
//!   a document is loading every chunk found under its prefix (Automerge merges them in
//!   any order). Compaction writes one full save as a new chunk, then removes only the
//!   chunks it read and merged into it, so a chunk another tab writes meanwhile is kept.
//!   Whatever is interrupted where, every change is still in some chunk.
//!
//! Versions 1 and 2 are converted by [`migrate`] at every start (an old tab still open
//! during an update may write them again): into the namespace of the person last logged
//! in, each old key removed only once its copy is written.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use serde::{de::DeserializeOwned, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

pub const FORMAT: u32 = 3;

/// The store refused a write (the browser's quota is full). Its text is the browser's
/// own, for the log only; what the person sees is the app's warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFull(pub String);

/// Strings under names, shared by every tab of one browser profile.
pub trait Store {
    fn get(&self, name: &str) -> Option<String>;
    fn set(&self, name: &str, value: &str) -> Result<(), StorageFull>;
    fn remove(&self, name: &str);
    /// Every name held (in no particular order).
    fn names(&self) -> Vec<String>;
}

/// Whether `name` is a cache any tab may drop to make room: a person's stored view
/// (`crate::engine::VIEW_KEY`), which the next engine writes again.
pub fn is_cache(name: &str) -> bool {
    let view = crate::engine::VIEW_KEY;
    name.starts_with("u.")
        && (name.ends_with(&format!(".{view}")) || name.ends_with(&format!(".{view}-key")))
}

impl<T: Store + ?Sized> Store for &T {
    fn get(&self, name: &str) -> Option<String> {
        (**self).get(name)
    }
    fn set(&self, name: &str, value: &str) -> Result<(), StorageFull> {
        (**self).set(name, value)
    }
    fn remove(&self, name: &str) {
        (**self).remove(name)
    }
    fn names(&self) -> Vec<String> {
        (**self).names()
    }
}

/// A store that, when a write does not fit, drops the caches ([`is_cache`]) and tries
/// once more: an entry must never give way to a copy of entries (issue 18).
pub struct Evicting<S>(pub S);

impl<S: Store> Store for Evicting<S> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name)
    }

    fn set(&self, name: &str, value: &str) -> Result<(), StorageFull> {
        match self.0.set(name, value) {
            Ok(()) => Ok(()),
            Err(full) => {
                let caches: Vec<String> = self
                    .0
                    .names()
                    .into_iter()
                    .filter(|n| is_cache(n) && n != name)
                    .collect();
                if caches.is_empty() {
                    return Err(full);
                }
                for cache in caches {
                    self.0.remove(&cache);
                }
                self.0.set(name, value)
            }
        }
    }

    fn remove(&self, name: &str) {
        self.0.remove(name);
    }

    fn names(&self) -> Vec<String> {
        self.0.names()
    }
}

/// A store in memory, with a quota counted as browsers count localStorage's (UTF-16
/// code units of names and values). Several "tabs" share one by `Rc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: RefCell<BTreeMap<String, String>>,
    quota_units: Cell<Option<usize>>,
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Code units in use, names and values.
    pub fn used_units(&self) -> usize {
        self.items
            .borrow()
            .iter()
            .map(|(k, v)| units(k) + units(v))
            .sum()
    }

    /// Refuses every write that would take more than this many code units in all;
    /// `quota_full` makes the quota what is in use now, so nothing more fits.
    pub fn set_quota(&self, units: Option<usize>) {
        self.quota_units.set(units);
    }

    pub fn quota_full(&self) {
        self.set_quota(Some(self.used_units()));
    }

    pub fn clear(&self) {
        self.items.borrow_mut().clear();
    }
}

impl Store for MemoryStore {
    fn get(&self, name: &str) -> Option<String> {
        self.items.borrow().get(name).cloned()
    }

    fn set(&self, name: &str, value: &str) -> Result<(), StorageFull> {
        if let Some(quota) = self.quota_units.get() {
            let old = self
                .items
                .borrow()
                .get(name)
                .map_or(0, |v| units(name) + units(v));
            if self.used_units() - old + units(name) + units(value) > quota {
                return Err(StorageFull("QuotaExceededError".into()));
            }
        }
        self.items
            .borrow_mut()
            .insert(name.to_string(), value.to_string());
        Ok(())
    }

    fn remove(&self, name: &str) {
        self.items.borrow_mut().remove(name);
    }

    fn names(&self) -> Vec<String> {
        self.items.borrow().keys().cloned().collect()
    }
}

/// A JSON value, as gloo-storage writes it (the app's first versions used gloo's own
/// calls, so values stored then still read).
pub fn get_json<T: DeserializeOwned>(store: &dyn Store, name: &str) -> Option<T> {
    serde_json::from_str(&store.get(name)?).ok()
}

pub fn set_json<T: Serialize + ?Sized>(
    store: &dyn Store,
    name: &str,
    value: &T,
) -> Result<(), StorageFull> {
    let json = serde_json::to_string(value).map_err(|e| StorageFull(e.to_string()))?;
    store.set(name, &json)
}

pub fn get_packed(store: &dyn Store, name: &str) -> Option<Vec<u8>> {
    unpack(&store.get(name)?)
}

pub fn set_packed(store: &dyn Store, name: &str, bytes: &[u8]) -> Result<(), StorageFull> {
    store.set(name, &pack(bytes))
}

/// Version 1 bytes (base64 in a JSON string); read only to migrate.
fn get_base64(store: &dyn Store, name: &str) -> Option<Vec<u8>> {
    let s: String = get_json(store, name)?;
    STANDARD_NO_PAD.decode(s).ok()
}

/// Names starting with `prefix`.
pub fn names_with_prefix(store: &dyn Store, prefix: &str) -> Vec<String> {
    store
        .names()
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

const UNIT_BASE: u32 = 0x1000;

/// Bytes → string of 15-bit code units. The first unit says how many padding bits the
/// last one carries, so any length round-trips.
pub fn pack(bytes: &[u8]) -> String {
    let bits = bytes.len() * 8;
    let units = bits.div_ceil(15);
    let padding = units * 15 - bits;
    let mut out = String::with_capacity((units + 1) * 3);
    out.push(char::from_u32(UNIT_BASE + padding as u32).expect("below the surrogates"));
    let (mut acc, mut n) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        n += 8;
        if n >= 15 {
            n -= 15;
            out.push(char::from_u32(UNIT_BASE + (acc >> n)).expect("below the surrogates"));
            acc &= (1 << n) - 1;
        }
    }
    if n > 0 {
        out.push(char::from_u32(UNIT_BASE + (acc << (15 - n))).expect("below the surrogates"));
    }
    out
}

/// The inverse of [`pack`]; `None` for anything [`pack`] cannot have produced.
pub fn unpack(s: &str) -> Option<Vec<u8>> {
    let mut chars = s.chars();
    let padding = (chars.next()? as u32).checked_sub(UNIT_BASE)?;
    if padding >= 15 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 15 / 24 + 1);
    let (mut acc, mut n) = (0u32, 0u32);
    let mut units = 0usize;
    for c in chars {
        let v = (c as u32).checked_sub(UNIT_BASE).filter(|v| *v < 1 << 15)?;
        units += 1;
        acc = (acc << 15) | v;
        n += 15;
        while n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
            acc &= (1 << n) - 1;
        }
    }
    let total_bits = (units * 15).checked_sub(padding as usize)?;
    if total_bits % 8 != 0 {
        return None;
    }
    out.truncate(total_bits / 8);
    Some(out)
}

/// The namespace of one person: `u.<person>.`. Person ids are plain ids (no dots).
pub fn ns(person: &str) -> String {
    format!("u.{person}.")
}

fn chunk_prefix(ns: &str, doc: &str) -> String {
    format!("{ns}d3.{doc}.")
}

/// Names of every stored chunk of `doc` in namespace `ns`.
pub fn doc_chunk_keys(store: &dyn Store, ns: &str, doc: &str) -> Vec<String> {
    names_with_prefix(store, &chunk_prefix(ns, doc))
}

/// Writes a new chunk of `doc`; `writer` is unique to this tab and start, `n` counts up,
/// so the name has never been written before. Returns the name.
pub fn write_chunk(
    store: &dyn Store,
    ns: &str,
    doc: &str,
    writer: &str,
    n: u32,
    bytes: &[u8],
) -> Result<String, StorageFull> {
    let name = format!("{}{writer}.{n}", chunk_prefix(ns, doc));
    set_packed(store, &name, bytes)?;
    Ok(name)
}

/// The document a chunk name of namespace `ns` belongs to.
pub fn chunk_doc(ns: &str, name: &str) -> Option<String> {
    let rest = name.strip_prefix(ns)?.strip_prefix("d3.")?;
    // `<doc>.<writer>.<n>`: document ids hold no dots.
    let mut parts = rest.rsplitn(3, '.');
    let (_n, _writer, doc) = (parts.next()?, parts.next()?, parts.next()?);
    Some(doc.to_string())
}

/// Ids of the documents stored in namespace `ns`.
pub fn stored_doc_names(store: &dyn Store, ns: &str) -> Vec<String> {
    let mut docs: Vec<String> = names_with_prefix(store, &format!("{ns}d3."))
        .iter()
        .filter_map(|k| chunk_doc(ns, k))
        .collect();
    docs.sort();
    docs.dedup();
    docs
}

/// The phone's device id (the server knows the phone by it): the one stored, or
/// `fresh`, stored now, on a phone that has none yet.
pub fn device_id(store: &dyn Store, fresh: &str) -> String {
    get_json::<String>(store, "device")
        .filter(|d| crate::ids::is_plain_id(d))
        .unwrap_or_else(|| {
            let _ = set_json(store, "device", fresh);
            fresh.to_string()
        })
}

/// Who is logged in on this phone (`me`), if anyone.
pub fn logged_in(store: &dyn Store) -> Option<String> {
    get_json::<String>(store, "me").filter(|p| crate::ids::is_plain_id(p))
}

/// Converts version 1 and 2 storage into version 3 chunks in the namespace of the person
/// last logged in (`me`; the app before issue 17 kept it after logging out). A key is
/// removed only after its copy is written; one that cannot be copied for lack of space
/// stays and is converted at a later start, so no user's data is ever dropped by an
/// update. Two tabs converting at once each write their own copies: duplicates of the
/// same changes, which Automerge merges away.
pub fn migrate(store: &dyn Store, writer: &str) {
    let Some(person) = logged_in(store) else {
        return;
    };
    let ns = ns(&person);
    let mut n = 0u32;
    let mut copy = |doc: &str, bytes: &[u8]| {
        n += 1;
        write_chunk(store, &ns, doc, &format!("{writer}m"), n, bytes).is_ok()
    };
    for name in names_with_prefix(store, "doc.") {
        let doc = name["doc.".len()..].to_string();
        match get_base64(store, &name) {
            Some(bytes) if !copy(&doc, &bytes) => continue,
            _ => store.remove(&name),
        }
    }
    for name in names_with_prefix(store, "d2.") {
        let rest = &name["d2.".len()..];
        // The meta key `d2.<doc>` holds only a count; chunks are `d2.<doc>.<k>`.
        if let Some((doc, _k)) = rest.rsplit_once('.') {
            match get_packed(store, &name) {
                Some(bytes) if !copy(doc, &bytes) => continue,
                _ => {}
            }
        }
        store.remove(&name);
    }
    for (old, read) in [
        (
            "sync.",
            get_base64 as fn(&dyn Store, &str) -> Option<Vec<u8>>,
        ),
        ("s2.", get_packed),
    ] {
        for name in names_with_prefix(store, old) {
            let doc = &name[old.len()..];
            if let Some(bytes) = read(store, &name) {
                if set_packed(store, &format!("{ns}s3.{doc}"), &bytes).is_err() {
                    continue;
                }
            }
            store.remove(&name);
        }
    }
    // Actors not yet registered: only this person's go into their list (an actor names
    // its person); another person's would make this person's login fail (issue 17).
    if let Some(list) = get_json::<Vec<String>>(store, "actors.unregistered") {
        let mine: Vec<String> = list
            .into_iter()
            .filter(|a| crate::ids::person_of_actor_hex(a).as_deref() == Some(person.as_str()))
            .collect();
        let key = format!("{ns}actors");
        let mut all: Vec<String> = get_json(store, &key).unwrap_or_default();
        for a in mine {
            if !all.contains(&a) {
                all.push(a);
            }
        }
        if set_json(store, &key, &all).is_ok() {
            store.remove("actors.unregistered");
        }
    }
    // Pending records are now read from the documents themselves.
    store.remove("pending");
    store.remove("pending_since");
    let _ = set_json(store, "format", &FORMAT);
}
