//! The phone's side of a sync session, without any IO: the app feeds it documents loaded
//! from storage and sends its requests over HTTP; tests and benchmarks call the server
//! directly. One implementation, so what is measured is what phones run.

use crate::ids::person_of_actor;
use crate::ids::DocId;
use crate::signing::DeviceKey;
use crate::wire::{ChangeSig, DocMessage, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use std::collections::{BTreeMap, HashMap};

/// A session stops after this many round trips even if unfinished; the next one goes on.
pub const MAX_ROUNDS: usize = 8;

#[derive(Default)]
pub struct SyncClient {
    pub device: String,
    /// Sent with every request: what the phone says about itself (sync health).
    pub report: Option<crate::office::DeviceReport>,
    /// Who signs on this device (issue 15): every change sent whose actor names this
    /// person is signed with their device key, those made before the key existed too.
    pub signer: Option<Signer>,
    /// Signatures of other people's changes this phone carries (from an imported export
    /// file), sent with those changes: the server accepts a relayed change only with them.
    pub relayed: HashMap<ChangeHash, Vec<u8>>,
    docs: BTreeMap<DocId, (AutoCommit, sync::State)>,
}

/// The person logged in on a device and their device key.
#[derive(Clone)]
pub struct Signer {
    pub person: String,
    pub key: DeviceKey,
}

/// What one reply did to the phone's documents.
#[derive(Debug, Default)]
pub struct Applied {
    /// Documents that received changes and should be saved.
    pub changed: Vec<DocId>,
    /// Refusals and unreadable replies, one line each.
    pub problems: Vec<String>,
}

impl SyncClient {
    pub fn new(device: impl Into<String>) -> Self {
        SyncClient {
            device: device.into(),
            report: None,
            signer: None,
            relayed: HashMap::new(),
            docs: BTreeMap::new(),
        }
    }

    pub fn contains(&self, id: &DocId) -> bool {
        self.docs.contains_key(id)
    }

    /// Adds a document with the sync state persisted for it (or a new one).
    pub fn insert(&mut self, id: DocId, doc: AutoCommit, state: Option<sync::State>) {
        self.docs.insert(id, (doc, state.unwrap_or_default()));
    }

    /// Stops holding a document (the phone's old copy of the whole registry, issue 15).
    pub fn remove(&mut self, id: &DocId) {
        self.docs.remove(id);
    }

    pub fn doc(&mut self, id: &DocId) -> Option<&mut AutoCommit> {
        self.docs.get_mut(id).map(|(d, _)| d)
    }

    /// The part of the sync state worth keeping across sessions.
    pub fn encoded_state(&self, id: &DocId) -> Option<Vec<u8>> {
        self.docs.get(id).map(|(_, s)| s.encode())
    }

    /// True when the server is known to hold everything this phone has of the document.
    pub fn in_sync(&mut self, id: &DocId) -> bool {
        let Some((doc, state)) = self.docs.get_mut(id) else {
            return false;
        };
        let mut shared = state.shared_heads.clone();
        let mut mine = doc.get_heads();
        shared.sort();
        mine.sort();
        shared == mine
    }

    /// The next request of a session, or `None` when there is nothing to say. `reset` on
    /// the first round restarts each sync state from what both sides surely share, so
    /// anything lost in flight last time is offered again.
    pub fn next_request(&mut self, ids: &[DocId], reset: bool) -> Option<SyncRequest> {
        let mut out = Vec::new();
        for id in ids {
            let Some((doc, state)) = self.docs.get_mut(id) else {
                continue;
            };
            if reset {
                *state = sync::State::decode(&state.encode()).unwrap_or_default();
                assume_server_holds_shared_heads(state);
            }
            let msg = doc.sync().generate_sync_message(state);
            if let Some(mut msg) = msg {
                let sigs = signatures(self.signer.as_ref(), &self.relayed, doc, &msg);
                crate::wire::bundle_changes(doc, &mut msg);
                out.push(DocMessage {
                    doc: id.to_string(),
                    msg: msg.encode(),
                    sigs,
                });
            }
        }
        (!out.is_empty()).then(|| SyncRequest {
            version: PROTOCOL_VERSION,
            device: self.device.clone(),
            reset,
            docs: out,
            report: self.report.clone(),
        })
    }

    pub fn apply(&mut self, resp: SyncResponse) -> Applied {
        let mut applied = Applied {
            problems: resp
                .refused
                .into_iter()
                .map(|r| format!("{}：{}", r.doc, r.reason))
                .collect(),
            ..Default::default()
        };
        for DocMessage { doc, msg, .. } in resp.docs {
            let Some((id, (d, state))) = DocId::parse(&doc)
                .ok()
                .and_then(|id| self.docs.get_mut(&id).map(|e| (id, e)))
            else {
                applied
                    .problems
                    .push(format!("{doc}：服务器回复了未请求的文档"));
                continue;
            };
            let Ok(msg) = sync::Message::decode(&msg) else {
                applied.problems.push(format!("{doc}：服务器回复无法解析"));
                continue;
            };
            let before = d.get_heads();
            let received = d.sync().receive_sync_message(state, msg);
            match received {
                Ok(()) if d.get_heads() != before => applied.changed.push(id),
                Ok(()) => {}
                // Automerge's text is for developers; the next session retries.
                Err(_) => applied
                    .problems
                    .push(format!("{doc}：服务器回复无法应用，稍后自动重试")),
            }
        }
        applied
    }

    /// Runs a whole session against `send` (the transport), returning the problems met
    /// and the bytes that crossed the wire both ways. Transport errors end the session.
    pub fn session<E>(
        &mut self,
        ids: &[DocId],
        mut send: impl FnMut(Vec<u8>) -> Result<Vec<u8>, E>,
    ) -> Result<SessionReport, E> {
        let mut report = SessionReport::default();
        let mut reset = true;
        for _ in 0..MAX_ROUNDS {
            let Some(req) = self.next_request(ids, reset) else {
                break;
            };
            reset = false;
            let body = req.encode();
            report.bytes_up += body.len();
            let reply = send(body)?;
            report.bytes_down += reply.len();
            report.round_trips += 1;
            match SyncResponse::decode(&reply) {
                Ok(resp) => {
                    let applied = self.apply(resp);
                    report.changed.extend(applied.changed);
                    report.problems.extend(applied.problems);
                }
                Err(e) => {
                    report.problems.push(e.to_string());
                    break;
                }
            }
        }
        Ok(report)
    }
}

/// The signatures to send with a message: a carried signature for a change that has one
/// (a colleague's, relayed), else this device's own for changes of the signing person.
fn signatures(
    signer: Option<&Signer>,
    relayed: &HashMap<ChangeHash, Vec<u8>>,
    doc: &mut AutoCommit,
    msg: &sync::Message,
) -> Vec<ChangeSig> {
    if signer.is_none() && relayed.is_empty() {
        return Vec::new();
    }
    crate::wire::changes_sent(doc, msg)
        .into_iter()
        .filter_map(|(hash, actor)| {
            let sig = match relayed.get(&hash) {
                Some(sig) => sig.clone(),
                None => {
                    let s = signer?;
                    if person_of_actor(&actor).as_deref() != Some(s.person.as_str()) {
                        return None;
                    }
                    s.key.sign(&hash)
                }
            };
            Some(ChangeSig { hash: hash.0, sig })
        })
        .collect()
}

/// Lets the first message of a session carry the changes made since the last sync, instead
/// of waiting a round trip for the server to say what it has: the server stored everything
/// up to the shared heads before it acknowledged them. If it no longer has them (restored
/// from an older backup), Automerge answers with a reset and the session goes on as if
/// nothing had been assumed. Without shared heads (a first sync) nothing is assumed.
fn assume_server_holds_shared_heads(state: &mut sync::State) {
    if state.shared_heads.is_empty() {
        return;
    }
    state.their_heads = Some(state.shared_heads.clone());
    state.their_need = Some(Vec::new());
    state.their_have = Some(vec![sync::Have {
        last_sync: state.shared_heads.clone(),
        bloom: sync::BloomFilter::default(),
    }]);
}

#[derive(Debug, Default)]
pub struct SessionReport {
    pub round_trips: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub changed: Vec<DocId>,
    pub problems: Vec<String>,
}
