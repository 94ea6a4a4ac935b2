//! Browser storage: the documents and sync states survive reloads and cold starts with no
//! network.
//!
//! localStorage counts its quota in UTF-16 code units, so binary data is packed 15 bits
//! per code unit ([`pack`]) instead of base64's 6: a document takes 2.5× less of the quota.
//! The code units used (U+1000..=U+8FFF) are all plain BMP characters, never surrogates,
//! so they survive the round trip through Rust `String`s and every browser's storage.
//!
//! Stored format versions (key `sanlian.format`):
//! - 1 (walking skeleton, no key): `sanlian.doc.<id>` and `sanlian.sync.<id>` hold a JSON
//!   string of base64; every save rewrote the whole document.
//! - 2: a document is `sanlian.d2.<id>` (JSON [`DocMeta`]) plus chunks `sanlian.d2.<id>.<k>`
//!   (packed): chunk 0 a full save, the rest incremental saves appended after it. Sync
//!   states are packed under `sanlian.s2.<id>`. Version 1 keys are converted by
//!   [`migrate`] at start and only removed once their version 2 copy is written.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use gloo_storage::{LocalStorage, Storage};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

const PREFIX: &str = "sanlian.";
pub const FORMAT: u32 = 2;

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

/// What is stored of one document: how many chunks, and their size, to decide when to
/// compact.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocMeta {
    pub chunks: u32,
    pub base_bytes: u64,
    pub incremental_bytes: u64,
}

fn doc_meta_key(doc: &str) -> String {
    format!("d2.{doc}")
}

fn chunk_key(doc: &str, k: u32) -> String {
    format!("d2.{doc}.{k}")
}

pub fn doc_meta(doc: &str) -> Option<DocMeta> {
    get(&doc_meta_key(doc))
}

/// The stored chunks of a document in order: the base, then the incremental saves.
/// `None` if there is no version 2 copy (or its base is unreadable).
pub fn load_doc_chunks(doc: &str) -> Option<(DocMeta, Vec<Vec<u8>>)> {
    let meta = doc_meta(doc)?;
    let mut chunks = Vec::with_capacity(meta.chunks as usize);
    for k in 0..meta.chunks {
        match get_packed(&chunk_key(doc, k)) {
            Some(c) => chunks.push(c),
            None if k == 0 => return None,
            // A later chunk can only be missing if it was being written; the sync with
            // the server recovers its changes, so the rest of the document still loads.
            None => break,
        }
    }
    Some((meta, chunks))
}

/// Writes a full save as the only chunk. Crash-safe in any order of interruption: the base
/// is overwritten first, and stale incremental chunks a crash might leave behind hold
/// only changes the base already has, which Automerge ignores on load.
pub fn write_doc_base(
    doc: &str,
    bytes: &[u8],
    old: Option<&DocMeta>,
) -> Result<DocMeta, StorageFull> {
    set_packed(&chunk_key(doc, 0), bytes)?;
    let meta = DocMeta {
        chunks: 1,
        base_bytes: bytes.len() as u64,
        incremental_bytes: 0,
    };
    set(&doc_meta_key(doc), &meta)?;
    for k in 1..old.map_or(0, |m| m.chunks) {
        remove(&chunk_key(doc, k));
    }
    Ok(meta)
}

/// Appends an incremental save. The chunk is written before the count that makes it
/// visible, so an interrupted append leaves the document as it was.
pub fn append_doc_chunk(doc: &str, bytes: &[u8], meta: &DocMeta) -> Result<DocMeta, StorageFull> {
    set_packed(&chunk_key(doc, meta.chunks), bytes)?;
    let next = DocMeta {
        chunks: meta.chunks + 1,
        base_bytes: meta.base_bytes,
        incremental_bytes: meta.incremental_bytes + bytes.len() as u64,
    };
    set(&doc_meta_key(doc), &next)?;
    Ok(next)
}

/// Converts version 1 storage to version 2. A key is removed only after its new copy is
/// written; one that cannot be converted for lack of space stays and is still read by
/// [`legacy_doc`], so no user's data is ever dropped by an update.
pub fn migrate() {
    if get::<u32>("format") == Some(FORMAT) {
        return;
    }
    let mut complete = true;
    for name in keys_with_prefix("doc.") {
        let Some(bytes) = get_base64(&name) else {
            continue;
        };
        let doc = &name["doc.".len()..];
        // A version 2 copy can only exist if an earlier migration was cut short; its
        // chunks may hold newer changes, so the old save is added, never written over.
        let written = match doc_meta(doc) {
            Some(meta) => append_doc_chunk(doc, &bytes, &meta).map(drop),
            None => write_doc_base(doc, &bytes, None).map(drop),
        };
        if written.is_ok() {
            remove(&name);
        } else {
            complete = false;
        }
    }
    for name in keys_with_prefix("sync.") {
        if let Some(bytes) = get_base64(&name) {
            if set_packed(&format!("s2.{}", &name["sync.".len()..]), &bytes).is_err() {
                complete = false;
                continue;
            }
        }
        remove(&name);
    }
    if complete {
        let _ = set("format", &FORMAT);
    }
}

/// A version 1 document that [`migrate`] could not convert yet.
pub fn legacy_doc(doc: &str) -> Option<Vec<u8>> {
    get_base64(&format!("doc.{doc}"))
}

/// Removes a version 1 copy once a version 2 one is written.
pub fn drop_legacy_doc(doc: &str) {
    remove(&format!("doc.{doc}"));
}

/// Ids of the documents stored in version 2.
pub fn stored_doc_names() -> Vec<String> {
    keys_with_prefix("d2.")
        .into_iter()
        .filter_map(|k| {
            let rest = &k["d2.".len()..];
            (!rest.contains('.')).then(|| rest.to_string())
        })
        .collect()
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
