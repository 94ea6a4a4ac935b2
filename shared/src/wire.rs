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

use serde::{Deserialize, Serialize};

pub const SYNC_PATH: &str = "/api/sync";
pub const SYNC_CONTENT_TYPE: &str = "application/x-sanlian-sync";
/// Bumped on any incompatible change to these types; the server refuses other versions.
pub const PROTOCOL_VERSION: u16 = 2;
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

fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Inflates at most [`MAX_BODY_BYTES`], so a small body cannot expand into a huge one.
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, WireError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)?;
    if out.len() > MAX_BODY_BYTES {
        return Err(WireError::TooLarge);
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
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
        assert!(SyncRequest::decode(&[0xff; 3]).is_err());
        let mut v1 = vec![1u8];
        v1.extend(postcard::to_stdvec(&req).unwrap());
        assert!(matches!(
            SyncRequest::decode(&v1),
            Err(WireError::Version(1))
        ));
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
