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
    /// The org tree, places and people: read by every phone, written by the county office.
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
