//! Document ids.
//!
//! The county's data is partitioned into Automerge documents so that a phone only ever
//! holds what its user works with, and so that access control can be decided per
//! document (see ARCHITECTURE.md, "Document partition").

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which document a record lives in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocId {
    /// The org tree, places and people: written by the county office, read as a document
    /// by the county only; phones get their slice of it (`access::registry_slice`).
    Registry,
    /// One 机关/事业 branch's records for all years: its members' and leaders' visits and help.
    Branch(String),
    /// The county office's own records: 五个结合 tags, filings, inspections, publicity.
    Office,
    /// One 党（工）委's own records (its yearly plans), by the committee's id.
    Committee(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocIdError {
    #[error("unknown document id {0:?}")]
    Unknown(String),
    #[error("bad branch id {0:?}: 1–64 letters, digits, '-' or '_'")]
    BadBranch(String),
    #[error("bad committee id {0:?}: 1–64 letters, digits, '-' or '_'")]
    BadCommittee(String),
}

impl DocId {
    pub fn branch(id: impl Into<String>) -> Result<Self, DocIdError> {
        let id = id.into();
        if is_plain_id(&id) {
            Ok(DocId::Branch(id))
        } else {
            Err(DocIdError::BadBranch(id))
        }
    }

    pub fn committee(id: impl Into<String>) -> Result<Self, DocIdError> {
        let id = id.into();
        if is_plain_id(&id) {
            Ok(DocId::Committee(id))
        } else {
            Err(DocIdError::BadCommittee(id))
        }
    }

    pub fn parse(s: &str) -> Result<Self, DocIdError> {
        match s {
            "registry" => Ok(DocId::Registry),
            "county-office" => Ok(DocId::Office),
            _ => {
                if let Some(b) = s.strip_prefix("branch/") {
                    DocId::branch(b)
                } else if let Some(c) = s.strip_prefix("committee/") {
                    DocId::committee(c)
                } else {
                    Err(DocIdError::Unknown(s.to_string()))
                }
            }
        }
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Registry => f.write_str("registry"),
            DocId::Branch(b) => write!(f, "branch/{b}"),
            DocId::Office => f.write_str("county-office"),
            DocId::Committee(c) => write!(f, "committee/{c}"),
        }
    }
}

/// Ids of places, people, branches and records are short ASCII tokens; anything else is
/// refused early so that ids can be used as storage keys and in URLs without escaping.
pub fn is_plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids_round_trip_and_reject_junk() {
        for id in [
            DocId::Registry,
            DocId::Office,
            DocId::branch("b1").unwrap(),
            DocId::committee("c1").unwrap(),
        ] {
            assert_eq!(DocId::parse(&id.to_string()).unwrap(), id);
        }
        assert_eq!(DocId::Office.to_string(), crate::domain::docs::OFFICE_DOC);
        assert!(DocId::parse("branch/").is_err());
        assert!(DocId::parse("branch/../etc").is_err());
        assert!(DocId::parse("county").is_err());
        assert!(DocId::parse("committee/").is_err());
        assert!(DocId::parse("committee/c 1").is_err());
        assert!(DocId::parse(&format!("branch/{}", "x".repeat(65))).is_err());
    }
}

// ---- the actor-id format -------------------------------------------------------------

/// Actor ids the app makes carry the person who writes: `person id`, a zero byte, then
/// random bytes. The history shows names without any lookup table that could get out of
/// step, and the random part is fresh every start: if storage ever lost a change that had
/// already synced, reusing an actor would mint a second change with the same sequence
/// number, which Automerge refuses. This is the format's one home; phone and server both
/// read it through these functions.
pub fn actor_for(person: Option<&str>, suffix: &[u8]) -> automerge::ActorId {
    let mut bytes = person.unwrap_or("").as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(suffix);
    automerge::ActorId::from(bytes)
}

/// The person an app-made actor id names: the bytes before its first zero byte, when they
/// are a plain id (`p1-2\0<random>`). Other actors (genesis, server) name nobody.
pub fn person_of_actor(actor: &automerge::ActorId) -> Option<String> {
    let bytes = actor.to_bytes();
    let end = bytes.iter().position(|b| *b == 0)?;
    let person = std::str::from_utf8(&bytes[..end]).ok()?;
    is_plain_id(person).then(|| person.to_string())
}

/// A hex actor id as phones send it: 1–128 bytes.
pub fn parse_actor(hex: &str) -> Option<automerge::ActorId> {
    if hex.is_empty() || hex.len() > 256 {
        return None;
    }
    unhex(hex).map(automerge::ActorId::from)
}

/// Lower-case hex, as actor ids, keys and tokens travel.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string; `None` unless it is an even number of hex digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The person named by a hex actor id, if it is one the app made.
pub fn person_of_actor_hex(hex: &str) -> Option<String> {
    person_of_actor(&parse_actor(hex)?)
}

#[cfg(test)]
mod actor_tests {
    use super::*;

    #[test]
    fn an_actor_names_its_person_in_bytes_and_in_hex() {
        let actor = actor_for(Some("p1-2"), &[7; 12]);
        assert_eq!(person_of_actor(&actor).as_deref(), Some("p1-2"));
        assert_eq!(
            person_of_actor_hex(&actor.to_hex_string()).as_deref(),
            Some("p1-2")
        );
        assert_eq!(person_of_actor(&actor_for(None, &[1; 4])), None);
        assert_eq!(
            person_of_actor(&automerge::ActorId::from(vec![1u8, 2, 3])),
            None
        );
        assert_eq!(
            parse_actor("0a0b"),
            Some(automerge::ActorId::from(vec![10u8, 11]))
        );
        assert_eq!(parse_actor("zz"), None);
        assert_eq!(parse_actor(""), None);
        assert_eq!(parse_actor("abc"), None);
    }
}
