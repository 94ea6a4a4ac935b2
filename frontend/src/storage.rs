//! Browser storage: the documents and sync states survive reloads and cold starts with no
//! network, with any number of tabs of one profile open at once, and with several people
//! using one phone.
//!
//! localStorage counts its quota in UTF-16 code units, so binary data is packed 15 bits
//! per code unit ([`pack`]) instead of base64's 6: a document takes 2.5× less of the quota.
//! The code units used (U+1000..=U+8FFF) are all plain BMP characters, never surrogates,
//! so they survive the round trip through Rust `String`s and every browser's storage.
//!
//! Stored formats (every key starts with `sanlian.`):
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
use gloo_storage::{LocalStorage, Storage};
use serde::{de::DeserializeOwned, Serialize};

const PREFIX: &str = "sanlian.";
pub const FORMAT: u32 = 3;

/// Chromium, Firefox and Safari all give an origin about 5 M UTF-16 code units of
/// localStorage (10 MiB as Chromium counts it); the browser does not report it.
pub const LOCAL_QUOTA_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFull(pub String);

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

pub fn get<T: DeserializeOwned>(name: &str) -> Option<T> {
    LocalStorage::get(key(name)).ok()
}

pub fn set<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<(), StorageFull> {
    LocalStorage::set(key(name), value).map_err(|e| StorageFull(e.to_string()))
}

pub fn remove(name: &str) {
    LocalStorage::delete(key(name));
}

/// Version 1 bytes (base64 in a JSON string); read only to migrate.
fn get_base64(name: &str) -> Option<Vec<u8>> {
    let s: String = get(name)?;
    STANDARD_NO_PAD.decode(s).ok()
}

pub fn get_packed(name: &str) -> Option<Vec<u8>> {
    let raw = LocalStorage::raw().get_item(&key(name)).ok()??;
    unpack(&raw)
}

pub fn set_packed(name: &str, bytes: &[u8]) -> Result<(), StorageFull> {
    LocalStorage::raw()
        .set_item(&key(name), &pack(bytes))
        .map_err(|e| StorageFull(format!("{e:?}")))
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

/// Keys (without `sanlian.`) of every stored chunk of `doc` in namespace `ns`.
pub fn doc_chunk_keys(ns: &str, doc: &str) -> Vec<String> {
    keys_with_prefix(&chunk_prefix(ns, doc))
}

/// Writes a new chunk of `doc`; `writer` is unique to this tab and start, `n` counts up,
/// so the key has never been written before. Returns the key.
pub fn write_chunk(
    ns: &str,
    doc: &str,
    writer: &str,
    n: u32,
    bytes: &[u8],
) -> Result<String, StorageFull> {
    let name = format!("{}{writer}.{n}", chunk_prefix(ns, doc));
    set_packed(&name, bytes)?;
    Ok(name)
}

/// The document a chunk key (with or without `sanlian.`) of namespace `ns` belongs to.
pub fn chunk_doc(ns: &str, key: &str) -> Option<String> {
    let rest = key.strip_prefix(PREFIX).unwrap_or(key);
    let rest = rest.strip_prefix(ns)?.strip_prefix("d3.")?;
    // `<doc>.<writer>.<n>`: document ids hold no dots.
    let mut parts = rest.rsplitn(3, '.');
    let (_n, _writer, doc) = (parts.next()?, parts.next()?, parts.next()?);
    Some(doc.to_string())
}

/// Ids of the documents stored in namespace `ns`.
pub fn stored_doc_names(ns: &str) -> Vec<String> {
    let mut docs: Vec<String> = keys_with_prefix(&format!("{ns}d3."))
        .iter()
        .filter_map(|k| chunk_doc(ns, k))
        .collect();
    docs.sort();
    docs.dedup();
    docs
}

fn legacy_person() -> Option<String> {
    get::<String>("me").filter(|p| shared::ids::is_plain_id(p))
}

/// Converts version 1 and 2 storage into version 3 chunks in the namespace of the person
/// last logged in (`me`; the app before issue 17 kept it after logging out). A key is
/// removed only after its copy is written; one that cannot be copied for lack of space
/// stays and is converted at a later start, so no user's data is ever dropped by an
/// update. Two tabs converting at once each write their own copies: duplicates of the
/// same changes, which Automerge merges away.
pub fn migrate(writer: &str) {
    let Some(person) = legacy_person() else {
        return;
    };
    let ns = ns(&person);
    let mut n = 0u32;
    let mut copy = |doc: &str, bytes: &[u8]| {
        n += 1;
        write_chunk(&ns, doc, &format!("{writer}m"), n, bytes).is_ok()
    };
    for name in keys_with_prefix("doc.") {
        let doc = name["doc.".len()..].to_string();
        match get_base64(&name) {
            Some(bytes) if !copy(&doc, &bytes) => continue,
            _ => remove(&name),
        }
    }
    for name in keys_with_prefix("d2.") {
        let rest = &name["d2.".len()..];
        // The meta key `d2.<doc>` holds only a count; chunks are `d2.<doc>.<k>`.
        if let Some((doc, _k)) = rest.rsplit_once('.') {
            match get_packed(&name) {
                Some(bytes) if !copy(doc, &bytes) => continue,
                _ => {}
            }
        }
        remove(&name);
    }
    for name in keys_with_prefix("sync.") {
        let doc = &name["sync.".len()..];
        if let Some(bytes) = get_base64(&name) {
            if set_packed(&format!("{ns}s3.{doc}"), &bytes).is_err() {
                continue;
            }
        }
        remove(&name);
    }
    for name in keys_with_prefix("s2.") {
        let doc = &name["s2.".len()..];
        if let Some(bytes) = get_packed(&name) {
            if set_packed(&format!("{ns}s3.{doc}"), &bytes).is_err() {
                continue;
            }
        }
        remove(&name);
    }
    // Actors not yet registered: only this person's go into their list (an actor names
    // its person); another person's would make this person's login fail (issue 17).
    if let Some(list) = get::<Vec<String>>("actors.unregistered") {
        let mine: Vec<String> = list
            .into_iter()
            .filter(|a| shared::ids::person_of_actor_hex(a).as_deref() == Some(person.as_str()))
            .collect();
        let key = format!("{ns}actors");
        let mut all: Vec<String> = get(&key).unwrap_or_default();
        for a in mine {
            if !all.contains(&a) {
                all.push(a);
            }
        }
        if set(&key, &all).is_ok() {
            remove("actors.unregistered");
        }
    }
    // Pending records are now read from the documents themselves.
    remove("pending");
    remove("pending_since");
    let _ = set("format", &FORMAT);
}

/// Names (without the prefix) of the app's keys starting with `prefix`.
fn keys_with_prefix(prefix: &str) -> Vec<String> {
    let raw = LocalStorage::raw();
    let full = key(prefix);
    let n = raw.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| raw.key(i).ok().flatten())
        .filter(|k| k.starts_with(&full))
        .map(|k| k[PREFIX.len()..].to_string())
        .collect()
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
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn packing_round_trips_every_length_and_byte() {
        for len in 0..64usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255 - len) as u8).collect();
            assert_eq!(
                unpack(&pack(&bytes)).as_deref(),
                Some(&bytes[..]),
                "len {len}"
            );
        }
        let all: Vec<u8> = (0..=255).collect();
        let packed = pack(&all);
        assert!(packed
            .chars()
            .all(|c| (0x1000..0x9000).contains(&(c as u32))));
        // 256 bytes in 138 code units (1 header + ceil(2048 / 15)), base64 would need 342.
        assert_eq!(packed.encode_utf16().count(), 138);
        assert_eq!(unpack(&packed), Some(all));
    }

    #[wasm_bindgen_test]
    fn packed_bytes_survive_local_storage() {
        LocalStorage::clear();
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect();
        set_packed("t", &bytes).unwrap();
        assert_eq!(get_packed("t"), Some(bytes));
        LocalStorage::clear();
    }

    #[wasm_bindgen_test]
    fn garbage_is_refused_not_misread() {
        assert_eq!(unpack(""), None);
        assert_eq!(unpack("abc"), None);
        assert_eq!(unpack("\u{1000}\u{9000}"), None);
    }
}
