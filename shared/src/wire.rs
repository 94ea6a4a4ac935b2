//! What phone and server send each other.
//!
//! One HTTP request carries Automerge sync messages for several documents at once, so a
//! phone catches up on everything it holds in as few round trips as possible. Bodies are
//! postcard-encoded: the sync messages are already compact binary, and JSON or base64
//! would inflate them.
//!
//! Since version 2 a body is the protocol version (a postcard varint, readable by every
//! version) followed by the raw-deflated postcard value. Automerge sends each change as its
//! own chunk, and a reconnect's changes share actor, keys and wording: compressing the whole
//! body is what makes bytes per record nearly independent of how many records there are.
//! A version-1 body starts with the varint 1, so old apps get a clear "update the app".
//!
//! Since version 3 the changes inside an Automerge sync message may travel as one
//! *bundle* ([`bundle_changes`]) instead of one chunk per change. Each change on its own
//! repeats its header, actor and dependency hashes (32 random bytes that no compression
//! shrinks); a bundle writes a reconnect's changes column by column with their
//! dependencies as indices into the bundle, about half the bytes after deflate from four
//! changes on. Automerge calls the bundle format EXPERIMENTAL (it may change between
//! releases), so it is used on the wire only: the receiver turns it back into ordinary
//! changes as it applies the message, and what is stored is Automerge's stable formats
//! (`save_incremental`, `save`). Any automerge upgrade must keep
//! `bundle_format_is_pinned` passing or bump [`PROTOCOL_VERSION`].
//!
//! Since version 4 each document's message carries the signatures of the changes in it
//! ([`DocMessage::sigs`], see [`crate::signing`]): a field beside the Automerge message,
//! not inside it, so the protocol stays readable and Automerge's formats untouched. An app
//! of version 3 signs nothing and is told to update (nothing it holds is lost).

use automerge::sync;
use automerge::{AutoCommit, Bundle, Change};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

pub const SYNC_PATH: &str = "/api/sync";
pub const SYNC_CONTENT_TYPE: &str = "application/x-sanlian-sync";
/// Bumped on any incompatible change to these types; the server refuses other versions.
/// 3: change bundles inside sync messages (automerge 0.12's bundle format).
/// 4: signatures of the changes beside each message (issue 15).
pub const PROTOCOL_VERSION: u16 = 4;
/// The largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most documents one request may carry.
pub const MAX_DOCS_PER_REQUEST: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u16,
    /// A random id the device keeps; the server keeps one sync state per device and document.
    pub device: String,
    /// True on the first round of a sync session: both sides then restart the Automerge
    /// sync state from what they last knew for sure, so a reply lost in transit is sent again.
    pub reset: bool,
    pub docs: Vec<DocMessage>,
    /// The phone's own state (app version, entries not yet synced) for the county's sync
    /// health; added in protocol version 2.
    pub report: Option<crate::office::DeviceReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    /// A [`crate::ids::DocId`] in its string form.
    pub doc: String,
    /// An encoded `automerge::sync::Message`.
    pub msg: Vec<u8>,
    /// The signatures of the changes the message carries, by their authors' device keys
    /// (protocol 4). The server sends none down: it has verified what it relays.
    pub sigs: Vec<ChangeSig>,
}

/// One change's signature: the change hash and its author's Ed25519 signature of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChangeSig {
    pub hash: [u8; 32],
    /// 64 bytes (a `Vec` because serde has no arrays that long); other lengths never verify.
    pub sig: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub docs: Vec<DocMessage>,
    /// Documents the server would not sync, with the reason; the others went through.
    pub refused: Vec<DocRefusal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRefusal {
    pub doc: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("malformed sync body: {0}")]
    Malformed(#[from] postcard::Error),
    #[error("sync body does not decompress: {0}")]
    Compression(#[from] std::io::Error),
    #[error("sync body decompresses to more than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// The body speaks another protocol version; nothing else of it was read.
    #[error("unsupported protocol version {0}")]
    Version(u16),
}

thread_local! {
    // A deflate state is a few hundred KB to allocate and zero, far more work than
    // compressing a small sync message; each thread keeps one and resets it.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::best(), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    DEFLATE.with_borrow_mut(|c| {
        c.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        loop {
            let read = c.total_in() as usize;
            let status = c
                .compress_vec(&bytes[read..], &mut out, FlushCompress::Finish)
                .expect("deflating from memory into a Vec cannot fail");
            if status == Status::StreamEnd {
                return out;
            }
            // Only the Vec's spare capacity is written: make more and go on.
            out.reserve(out.capacity().max(64));
        }
    })
}

/// Raw deflate as the sync bodies are made: the phone keeps its registry slice this way
/// (issue 15: its JSON is mostly repeated keys and names, a tenth deflated).
pub fn deflate_bytes(bytes: &[u8]) -> Vec<u8> {
    deflate(bytes)
}

/// The inverse of [`deflate_bytes`], bounded like a body ([`MAX_BODY_BYTES`]).
pub fn inflate_bytes(bytes: &[u8]) -> Result<Vec<u8>, WireError> {
    inflate(bytes)
}

/// Inflates at most [`MAX_BODY_BYTES`], so a small body cannot expand into a huge one.
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, WireError> {
    INFLATE.with_borrow_mut(|d| {
        d.reset(false);
        let mut out = Vec::with_capacity((bytes.len() * 4).min(MAX_BODY_BYTES + 1));
        loop {
            let (read, written) = (d.total_in(), d.total_out());
            let status = d
                .decompress_vec(&bytes[read as usize..], &mut out, FlushDecompress::Finish)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            if out.len() > MAX_BODY_BYTES {
                return Err(WireError::TooLarge);
            }
            if status == Status::StreamEnd {
                return Ok(out);
            }
            if out.len() == out.capacity() {
                // Exact, so the output never grows past the limit by more than a byte.
                let room = out.capacity().max(64).min(MAX_BODY_BYTES + 1 - out.len());
                out.reserve_exact(room);
            } else if d.total_in() == read && d.total_out() == written {
                // Room to write, yet nothing read or written: the input ended early.
                return Err(WireError::Compression(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "deflate stream ends early",
                )));
            }
        }
    })
}

macro_rules! wire_codec {
    ($t:ty, $version:expr) => {
        impl $t {
            /// `version` as a varint, then the deflated postcard value.
            pub fn encode(&self) -> Vec<u8> {
                #[allow(clippy::redundant_closure_call)]
                let version: u16 = ($version)(self);
                let mut out = postcard::to_stdvec(&version).expect("encoding to a Vec cannot fail");
                let plain = postcard::to_stdvec(self).expect("encoding to a Vec cannot fail");
                out.extend(deflate(&plain));
                out
            }
            /// Reads the version first: another version is [`WireError::Version`].
            pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
                let (version, rest) = postcard::take_from_bytes::<u16>(bytes)?;
                if version != PROTOCOL_VERSION {
                    return Err(WireError::Version(version));
                }
                Ok(postcard::from_bytes(&inflate(rest)?)?)
            }
        }
    };
}
wire_codec!(SyncRequest, |r: &SyncRequest| r.version);
wire_codec!(SyncResponse, |_: &SyncResponse| PROTOCOL_VERSION);

/// The fewest changes sent as a bundle. Below this the bundle's own header and columns
/// cost more than they save: measured on visits after deflate, 3 changes are 633 B as
/// chunks and 634 B as a bundle, 4 are 728 B and 693 B, 100 are 8 975 B and 4 700 B.
pub const BUNDLE_FROM: usize = 4;

/// Automerge's storage chunk types: the byte after the magic and the checksum.
const CHANGE_CHUNK: u8 = 1;
const COMPRESSED_CHANGE_CHUNK: u8 = 2;
const BUNDLE_CHUNK: u8 = 3;
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Splits bytes into Automerge storage chunks (magic, checksum, type, LEB128 length, data),
/// with the type of each; `None` if they are not a whole number of chunks. An entry of a
/// sync message is one chunk in message V1, and in V2 every change sent, back to back.
fn storage_chunks(mut bytes: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if !bytes.starts_with(&CHUNK_MAGIC) {
            return None;
        }
        let typ = *bytes.get(8)?;
        let (mut len, mut at) = (0u64, 9);
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(at)?;
            at += 1;
            len |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        out.push((typ, bytes.get(..end)?));
        bytes = &bytes[end..];
    }
    Some(out)
}

/// Whether an entry of a sync message carries a bundle.
pub fn is_bundle(entry: &[u8]) -> bool {
    storage_chunks(entry).is_some_and(|c| c.iter().any(|(t, _)| *t == BUNDLE_CHUNK))
}

/// How many changes an entry of a sync message carries: a bundle counts the changes in
/// it, any other chunk (a change, a whole document) one; bytes that do not split into
/// chunks, and bundles that do not decode, count as one, and are refused when applied.
pub fn changes_in_chunk(entry: &[u8]) -> usize {
    let Some(chunks) = storage_chunks(entry) else {
        return 1;
    };
    chunks
        .iter()
        .map(|(typ, chunk)| match *typ {
            BUNDLE_CHUNK => decode_bundle(chunk).map_or(1, |c| c.len()),
            _ => 1,
        })
        .sum()
}

/// The changes of a bundle, each as a change chunk checked by Automerge's stable decoder.
///
/// Automerge 0.12's bundle decoder is experimental and panics on some hostile bytes (index
/// out of range in its column decoders; found by `issue_7_fuzzed_sync_requests_…`), so it
/// runs here on a copy, apart from any document, with the panic caught: a bad bundle is an
/// error, never a half-applied document. (Catching needs `panic = "unwind"`, which the
/// server's build profile sets; the phone only reads bundles its own server wrote.)
fn decode_bundle(chunk: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if !checksum_valid(chunk) {
        return Err("捆绑校验和不符".to_string());
    }
    std::panic::catch_unwind(|| -> Result<Vec<Vec<u8>>, String> {
        let changes = Bundle::try_from(chunk)
            .map_err(|e| e.to_string())?
            .to_changes()
            .map_err(|e| e.to_string())?;
        changes
            .iter()
            .map(|c| {
                let raw = c.raw_bytes().to_vec();
                match Change::from_bytes(raw.clone()) {
                    Ok(again) if again.hash() == c.hash() => Ok(raw),
                    _ => Err("捆绑中的修改无法读取".to_string()),
                }
            })
            .collect()
    })
    .unwrap_or_else(|_| Err("捆绑无法读取".to_string()))
}

/// Automerge's chunk checksum: the first 4 bytes of the SHA-256 of type, length and data.
/// `Bundle::try_from` does not check it (loading a document does).
fn checksum_valid(chunk: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let Some(typed) = chunk.get(8..) else {
        return false;
    };
    let hash = Sha256::digest(typed);
    chunk.get(4..8) == Some(&hash[..4])
}

/// The most probes a received Bloom filter may ask for per hash, and the most bits per
/// entry; Automerge writes 7 and 10. Both are LEB128 numbers in the message that Automerge
/// 0.12 trusts: `BloomFilter::get_probes` allocates and fills a `Vec` of `num_probes`
/// values for every hash it looks up, so one mutated byte (a probe count of 2³²) made the
/// server fill 16 GB per lookup; it was OOM-killed under `issue_7_fuzzed_sync_requests_…`.
/// Zero bits per entry with entries would divide by zero in the same function.
pub const MAX_BLOOM_PROBES: u32 = 32;
pub const MAX_BLOOM_BITS_PER_ENTRY: u32 = 64;

/// Refuses a received sync message whose Bloom filters Automerge would choke on (see
/// [`MAX_BLOOM_PROBES`]); checked before the message reaches a document or a sync state.
pub fn check_message_limits(msg: &sync::Message) -> Result<(), String> {
    for have in &msg.have {
        let bytes = have.bloom.to_bytes();
        // An empty filter writes nothing; otherwise entries, bits per entry, probes.
        let mut rest = bytes.as_slice();
        let mut next = || -> Option<u64> {
            let (mut v, mut shift) = (0u64, 0u32);
            loop {
                let (&b, tail) = rest.split_first()?;
                rest = tail;
                v |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    return Some(v);
                }
                shift += 7;
            }
        };
        let Some(entries) = next() else {
            continue;
        };
        let (bits, probes) = (next().unwrap_or(0), next().unwrap_or(0));
        if entries > 0
            && (bits == 0
                || bits > u64::from(MAX_BLOOM_BITS_PER_ENTRY)
                || probes > u64::from(MAX_BLOOM_PROBES))
        {
            return Err(format!(
                "同步消息的布隆过滤器参数超出范围（每项 {bits} 位、{probes} 次探测）"
            ));
        }
    }
    Ok(())
}

/// Replaces every bundle in a received sync message by the ordinary change chunks it holds,
/// so that applying the message never runs the experimental bundle decoder on a document;
/// an error if a bundle does not decode (the message must then be refused unapplied).
pub fn unbundle(msg: &mut sync::Message) -> Result<(), String> {
    if !msg.changes.iter().any(is_bundle) {
        return Ok(());
    }
    let mut entries = Vec::with_capacity(msg.changes.len());
    for entry in msg.changes.iter() {
        let Some(chunks) = storage_chunks(entry) else {
            entries.push(entry.to_vec());
            continue;
        };
        let mut out = Vec::with_capacity(entry.len());
        for (typ, chunk) in chunks {
            if typ == BUNDLE_CHUNK {
                for change in decode_bundle(chunk)? {
                    out.extend(change);
                }
            } else {
                out.extend_from_slice(chunk);
            }
        }
        entries.push(out);
    }
    msg.changes = sync::ChunkList::from(entries);
    Ok(())
}

/// The changes an outgoing sync message carries, with their actors: each change chunk
/// of a message V1, and every change of the document for a message V2 that sends it whole
/// (the receiver keeps what it lacks). Read before [`bundle_changes`].
pub fn changes_sent(
    doc: &mut AutoCommit,
    msg: &sync::Message,
) -> Vec<(automerge::ChangeHash, automerge::ActorId)> {
    let mut out = Vec::new();
    for entry in msg.changes.iter() {
        let Some(chunks) = storage_chunks(entry) else {
            continue;
        };
        for (typ, chunk) in chunks {
            match typ {
                CHANGE_CHUNK | COMPRESSED_CHANGE_CHUNK => {
                    if let Ok(c) = Change::from_bytes(chunk.to_vec()) {
                        out.push((c.hash(), c.actor_id().clone()));
                    }
                }
                BUNDLE_CHUNK => {}
                _ => {
                    return doc
                        .get_changes(&[])
                        .iter()
                        .map(|c| (c.hash(), c.actor_id().clone()))
                        .collect()
                }
            }
        }
    }
    out
}

/// Replaces the change chunks of an outgoing sync message by one bundle of the same
/// changes, when there are at least [`BUNDLE_FROM`]. The receiver needs nothing special:
/// Automerge's `receive_sync_message` loads a bundle like any other chunk, so its sync state
/// learns of the changes exactly as before. A message carrying the whole document (sync
/// message V2) or anything that is not plain changes is left as it is, and so is a bundle
/// that does not read back as the very same changes (the format is experimental: the sender
/// checks it rather than the receiver finding out).
pub fn bundle_changes(doc: &AutoCommit, msg: &mut sync::Message) {
    let mut changes = Vec::new();
    for entry in msg.changes.iter() {
        let Some(chunks) = storage_chunks(entry) else {
            return;
        };
        for (typ, chunk) in chunks {
            if typ != CHANGE_CHUNK && typ != COMPRESSED_CHANGE_CHUNK {
                return;
            }
            changes.push(chunk);
        }
    }
    if changes.len() < BUNDLE_FROM {
        return;
    }
    let Ok(hashes) = changes
        .iter()
        .map(|c| Change::from_bytes(c.to_vec()).map(|c| c.hash()))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let Ok(bundle) = doc.bundle(hashes.iter().copied()) else {
        return;
    };
    let bytes = bundle.bytes().to_vec();
    let reads_back = Bundle::try_from(bytes.as_slice())
        .ok()
        .and_then(|b| b.to_changes().ok())
        .is_some_and(|changes| {
            let mut got: Vec<_> = changes.iter().map(|c| c.hash()).collect();
            let mut sent = hashes.clone();
            got.sort_unstable();
            sent.sort_unstable();
            got == sent
        });
    let chunks: usize = msg.changes.iter().map(<[u8]>::len).sum();
    if reads_back && bytes.len() < chunks {
        msg.changes = sync::ChunkList::from(bytes);
    }
}

// ---------------------------------------------------------------- export files

/// The export file of apps before issue 15: magic, then every document as a full Automerge
/// save. Still imported.
pub const EXPORT_MAGIC_V1: &[u8; 8] = b"SANLIAN\x01";
/// The export file since issue 15: the documents and the signatures of their changes.
pub const EXPORT_MAGIC: &[u8; 8] = b"SANLIAN\x02";

/// A phone's export file (导出/导入, issue 5): every document as a full Automerge save, and
/// the signatures of its changes (change hash, signature): the exporting person's and those
/// that phone carried. The phone that imports it sends them with the changes, so the server
/// accepts them as relayed by their authors; no private key is ever in the file. The
/// layout's one home: the phone writes and reads it, the e2e stories make files with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub docs: Vec<(String, Vec<u8>)>,
    pub sigs: Vec<([u8; 32], Vec<u8>)>,
}

/// Why bytes are not an export file the app can import.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportFileError {
    #[error("这不是三联共建导出的文件")]
    NotOurs,
    #[error("文件不完整或已损坏，请重新导出")]
    Broken,
}

impl ExportFile {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = EXPORT_MAGIC.to_vec();
        out.extend(postcard::to_allocvec(self).expect("lists of bytes encode"));
        out
    }

    /// Reads a file of this app or of one before issue 15 (no signatures).
    pub fn decode(bytes: &[u8]) -> Result<Self, ExportFileError> {
        if let Some(body) = bytes.strip_prefix(EXPORT_MAGIC.as_slice()) {
            postcard::from_bytes(body).map_err(|_| ExportFileError::Broken)
        } else if let Some(body) = bytes.strip_prefix(EXPORT_MAGIC_V1.as_slice()) {
            let docs = postcard::from_bytes(body).map_err(|_| ExportFileError::Broken)?;
            Ok(ExportFile {
                docs,
                sigs: Vec::new(),
            })
        } else {
            Err(ExportFileError::NotOurs)
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn export_files_of_this_and_older_apps_read_back_and_junk_is_named() {
        let file = ExportFile {
            docs: vec![("branch/b1".into(), vec![1, 2, 3])],
            sigs: vec![([7; 32], vec![9; 64])],
        };
        assert_eq!(ExportFile::decode(&file.encode()), Ok(file.clone()));
        let mut v1 = EXPORT_MAGIC_V1.to_vec();
        v1.extend(postcard::to_allocvec(&file.docs).unwrap());
        assert_eq!(
            ExportFile::decode(&v1),
            Ok(ExportFile {
                docs: file.docs.clone(),
                sigs: Vec::new()
            })
        );
        assert_eq!(
            ExportFile::decode(b"not an export"),
            Err(ExportFileError::NotOurs)
        );
        assert_eq!(
            ExportFile::decode(&file.encode()[..12]),
            Err(ExportFileError::Broken)
        );
    }
    use super::*;

    #[test]
    fn request_round_trips_and_garbage_is_an_error() {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            device: "d1".into(),
            reset: true,
            docs: vec![DocMessage {
                doc: "registry".into(),
                msg: vec![0x42, 1, 2, 255],
                sigs: vec![ChangeSig {
                    hash: [3; 32],
                    sig: vec![4; 64],
                }],
            }],
            report: Some(crate::office::DeviceReport {
                app_version: "0.1.0".into(),
                user: Some("p1-2".into()),
                pending: 3,
                oldest_pending_ms: Some(1_770_000_000_000),
            }),
        };
        assert_eq!(SyncRequest::decode(&req.encode()).unwrap(), req);
        let bytes = req.encode();
        assert!(SyncRequest::decode(&bytes[..bytes.len() - 2]).is_err());
        // The thread's deflate state is reused: a failed decode leaves nothing behind, and
        // encoding the same value again gives the same bytes.
        for cut in 3..bytes.len() {
            assert!(
                SyncRequest::decode(&bytes[..cut]).is_err(),
                "cut at {cut} decoded"
            );
        }
        assert_eq!(SyncRequest::decode(&bytes).unwrap(), req);
        assert_eq!(req.encode(), bytes);
        assert!(SyncRequest::decode(&[0xff; 3]).is_err());
        let mut v1 = vec![1u8];
        v1.extend(postcard::to_stdvec(&req).unwrap());
        assert!(matches!(
            SyncRequest::decode(&v1),
            Err(WireError::Version(1))
        ));
        // Apps of protocol 2 (deflated, but no bundles) and 3 (no signatures) are told
        // their version too.
        for old in [2, 3] {
            let v = SyncRequest {
                version: old,
                ..req.clone()
            };
            assert!(matches!(
                SyncRequest::decode(&v.encode()),
                Err(WireError::Version(o)) if o == old
            ));
        }
    }

    use crate::doc::{new_document, put_visit};
    use crate::ids::DocId;
    use crate::model::{Visit, VisitKind};
    use automerge::sync::SyncDoc;
    use automerge::ActorId;

    fn visit(i: u32) -> Visit {
        Visit {
            id: format!("1770000000000-{i:04}"),
            author: "p1-2".into(),
            date: "2026-03-01".into(),
            place: "v1".into(),
            kind: VisitKind::Help,
            note: format!("走访第{i}户，了解务工收入"),
            recorded_at: 1_770_000_000_000 + i64::from(i),
            withdrawn: false,
        }
    }

    /// One message from `from` to `to`, bundled as `SyncClient` and the hub do and carried
    /// inside an encoded request; `None` when `from` has nothing to say, else whether it
    /// carried a bundle.
    fn send(
        from: &mut AutoCommit,
        from_state: &mut sync::State,
        to: &mut AutoCommit,
        to_state: &mut sync::State,
    ) -> Option<bool> {
        let mut msg = from.sync().generate_sync_message(from_state)?;
        bundle_changes(from, &mut msg);
        let bundled = msg.changes.iter().any(is_bundle);
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            device: "d".into(),
            reset: false,
            docs: vec![DocMessage {
                doc: "branch/b1".into(),
                msg: msg.encode(),
                sigs: Vec::new(),
            }],
            report: None,
        };
        let got = SyncRequest::decode(&req.encode()).unwrap();
        let msg = sync::Message::decode(&got.docs[0].msg).unwrap();
        to.sync().receive_sync_message(to_state, msg).unwrap();
        Some(bundled)
    }

    /// A whole sync; returns the round trips and whether a message carried a bundle up
    /// (phone to server) and down.
    fn sync_through_the_wire(
        phone: &mut AutoCommit,
        server: &mut AutoCommit,
    ) -> (usize, bool, bool) {
        let (mut ps, mut ss) = (sync::State::new(), sync::State::new());
        let (mut up, mut down) = (false, false);
        for round in 0..10 {
            let Some(bundled) = send(phone, &mut ps, server, &mut ss) else {
                return (round, up, down);
            };
            up |= bundled;
            down |= send(server, &mut ss, phone, &mut ps).unwrap_or(false);
        }
        panic!("no convergence in 10 rounds");
    }

    #[test]
    fn bundled_changes_arrive_whole_and_the_sync_state_knows_it() {
        let b1 = DocId::branch("b1").unwrap();
        let mut server = new_document(&b1, ActorId::from([9u8; 16]));
        let mut phone = new_document(&b1, ActorId::from([1u8; 16]));
        // A history long enough that a few new changes are not worth sending the whole
        // document for (Automerge does that above a third of it).
        for i in 0..40 {
            put_visit(&mut phone, &visit(1000 + i), 0).unwrap();
        }
        sync_through_the_wire(&mut phone, &mut server);

        // Offline over two app starts (a new actor each start, as the app does), so the
        // bundle holds two actors and depends on a change outside it.
        for i in 0..3 {
            put_visit(&mut phone, &visit(i), 0).unwrap();
        }
        phone.set_actor(ActorId::from([2u8; 16]));
        for i in 3..7 {
            put_visit(&mut phone, &visit(i), 0).unwrap();
        }
        // Meanwhile a colleague's five visits reached the server.
        let mut colleague = server.fork().with_actor(ActorId::from([3u8; 16]));
        for i in 100..105 {
            put_visit(&mut colleague, &visit(i), 0).unwrap();
        }
        server.merge(&mut colleague).unwrap();
        let expected: Vec<_> = {
            let mut all = phone.clone();
            all.merge(&mut server.clone()).unwrap();
            let mut h = all
                .get_changes(&[])
                .iter()
                .map(|c| c.hash())
                .collect::<Vec<_>>();
            h.sort_unstable();
            h
        };

        let (rounds, up, down) = sync_through_the_wire(&mut phone, &mut server);
        assert!(up, "the phone's seven new changes travel as a bundle");
        assert!(down, "the colleague's five travel down as a bundle");
        assert!(rounds <= 3, "bundles cost no extra round trip: {rounds}");
        for doc in [&mut phone, &mut server] {
            let mut got: Vec<_> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
            got.sort_unstable();
            assert_eq!(got, expected, "both sides hold every change, each once");
        }
        assert_eq!(phone.get_heads(), server.get_heads());
        assert_eq!(
            crate::domain::docs::read_branch_records(&server)
                .unwrap()
                .visits
                .len(),
            40 + 7 + 5
        );
        // What the server would store is ordinary changes, readable without bundle support.
        let stored = server.save_after(&[]);
        assert!(AutoCommit::load(&stored).is_ok());
    }

    /// Every change but the document's genesis (which every phone already has), as bytes.
    fn changes_after_genesis(doc: &mut AutoCommit) -> Vec<Vec<u8>> {
        doc.get_changes(&[])
            .iter()
            .skip(1)
            .map(|c| c.raw_bytes().to_vec())
            .collect()
    }

    #[test]
    fn a_few_changes_travel_as_they_are() {
        let b1 = DocId::branch("b1").unwrap();
        let mut doc = new_document(&b1, ActorId::from([1u8; 16]));
        for i in 0..(BUNDLE_FROM as u32 - 1) {
            put_visit(&mut doc, &visit(i), 0).unwrap();
        }
        let mut msg = doc
            .sync()
            .generate_sync_message(&mut sync::State::new())
            .unwrap();
        // A first message carries no changes; ask for all of them.
        msg.changes = sync::ChunkList::from(changes_after_genesis(&mut doc));
        let before = msg.clone();
        bundle_changes(&doc, &mut msg);
        assert_eq!(msg, before);
        assert!(!msg.changes.iter().any(is_bundle));
        // From BUNDLE_FROM changes on, one bundle counting all of them.
        put_visit(&mut doc, &visit(99), 0).unwrap();
        msg.changes = sync::ChunkList::from(changes_after_genesis(&mut doc));
        bundle_changes(&doc, &mut msg);
        assert_eq!(msg.changes.len(), 1);
        let chunk = msg.changes.iter().next().unwrap();
        assert!(is_bundle(chunk));
        assert_eq!(changes_in_chunk(chunk), BUNDLE_FROM);
        assert_eq!(changes_in_chunk(&chunk[..chunk.len() / 2]), 1);

        // The receiver unpacks it into the very chunks that were bundled.
        let mut received = msg.clone();
        unbundle(&mut received).unwrap();
        assert!(!received.changes.iter().any(is_bundle));
        let expected = changes_after_genesis(&mut doc).concat();
        assert_eq!(
            received.changes.iter().collect::<Vec<_>>().concat(),
            expected
        );
        // A bundle cut short is an error, not a panic and not a partial message.
        let mut cut = msg.clone();
        cut.changes = sync::ChunkList::from(chunk[..chunk.len() - 3].to_vec());
        assert!(
            unbundle(&mut cut).is_ok(),
            "not a whole chunk: left for Automerge to refuse"
        );
        let mut bad = chunk.to_vec();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        let mut damaged = msg.clone();
        damaged.changes = sync::ChunkList::from(bad);
        assert!(unbundle(&mut damaged).is_err());
    }

    /// The bytes automerge 0.12 writes for a fixed bundle. If an automerge upgrade changes
    /// them, or can no longer read them, phones and server of different builds would not
    /// understand each other's bundles: bump `PROTOCOL_VERSION` and renew this fixture.
    #[test]
    fn bundle_format_is_pinned() {
        let fixture = include_str!("../testdata/bundle-v3.hex").trim();
        let b1 = DocId::branch("b1").unwrap();
        let mut doc = new_document(&b1, ActorId::from([7u8; 16]));
        for i in 0..5 {
            put_visit(&mut doc, &visit(i), 1_770_000_000).unwrap();
        }
        let hashes: Vec<_> = doc
            .get_changes(&[])
            .iter()
            .skip(1)
            .map(|c| c.hash())
            .collect();
        let bytes = doc.bundle(hashes.iter().copied()).unwrap().bytes().to_vec();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if std::env::var_os("SANLIAN_RENEW_FIXTURES").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/bundle-v3.hex"),
                &hex,
            )
            .unwrap();
        }
        assert_eq!(hex, fixture, "automerge writes bundles differently now");
        let pinned: Vec<u8> = (0..fixture.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&fixture[i..i + 2], 16).unwrap())
            .collect();
        let read: Vec<_> = Bundle::try_from(pinned.as_slice())
            .expect("automerge reads the pinned bundle")
            .to_changes()
            .unwrap()
            .iter()
            .map(|c| c.hash())
            .collect();
        assert_eq!(read, hashes);
    }

    #[test]
    fn a_body_that_inflates_past_the_limit_is_refused() {
        let mut bomb = postcard::to_stdvec(&PROTOCOL_VERSION).unwrap();
        bomb.extend(deflate(&vec![0u8; MAX_BODY_BYTES + 10]));
        assert!(bomb.len() < 64 * 1024);
        assert!(matches!(
            SyncRequest::decode(&bomb),
            Err(WireError::TooLarge)
        ));
    }
}
