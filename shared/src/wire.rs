//! What phone and server send each other.
//!
//! One HTTP request carries Automerge sync messages for several documents at once, so a
//! phone catches up on everything it holds in as few round trips as possible. Bodies are
//! postcard-encoded: the sync messages are already compact binary, and JSON or base64
//! would inflate them.

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
#[error("malformed sync body: {0}")]
pub struct WireError(#[from] postcard::Error);

macro_rules! postcard_codec {
    ($t:ty) => {
        impl $t {
            pub fn encode(&self) -> Vec<u8> {
                postcard::to_stdvec(self).expect("encoding to a Vec cannot fail")
            }
            pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
                Ok(postcard::from_bytes(bytes)?)
            }
        }
    };
}
postcard_codec!(SyncRequest);
postcard_codec!(SyncResponse);

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
    }
}
