//! The records of 三联共建, as stored in Automerge documents.
//!
//! Records live in maps keyed by their id rather than in lists: phones add records
//! concurrently and offline, and a map entry per id merges without any ordering
//! question, and a new record is written with one `reconcile_prop` instead of a diff of
//! the whole collection. Ids and dates are plain strings (Automerge scalars), never
//! collaborative text: they are never edited character by character, and scalars are
//! much smaller in the document.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Declares a unit enum stored by its variant name, with its Chinese label.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:expr),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Reconcile, Hydrate)]
        pub enum $name { $($variant),+ }

        // As serde's derive writes a unit variant (its name, which is its code), read
        // through `from_code`: the derive's own per-enum visitor was ≈ 1.3 KB of the
        // phone's wasm for each of some twenty enums (issue 18).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <String as serde::Deserialize>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    <D::Error as serde::de::Error>::unknown_variant(&code, Self::CODES)
                })
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            const CODES: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// The term used in the notice and shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The stable name stored in documents and used in forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}
// Shared with the `domain` records so every enum there carries label/code the same way.
pub(crate) use labelled_enum;

// A visit is a record kind like the others (`crate::records::visit`); kept reachable here
// for the skeleton's callers.
pub use crate::records::visit::{Visit, VisitKind};

labelled_enum!(
    /// The places that must all be covered (覆盖到每个村、社区或企业).
    PlaceKind {
        Village => "村",
        Community => "社区",
        Enterprise => "企业",
    }
);

labelled_enum!(
    BranchKind {
        Office => "机关支部",
        Institution => "事业支部",
        Village => "农村支部",
        Community => "社区支部",
        Enterprise => "企业支部",
    }
);

labelled_enum!(
    CommitteeKind {
        Township => "乡镇党委",
        Working => "工委",
        // Issue 13: the county's 部门党委 (e.g. of the county's departments).
        Department => "部门党委",
    }
);

labelled_enum!(
    /// Whether an item of the registry is in use. Nothing is hard-deleted (issue 13): a
    /// retired committee, branch or place (撤销) or person (停用) stays, with its name, so
    /// the records naming it still read; it is no longer offered for new records.
    Status {
        Active => "在用",
        Retired => "撤销",
    }
);

// The enum macro cannot carry `#[default]` on a variant.
#[allow(clippy::derivable_impls)]
impl Default for Status {
    fn default() -> Self {
        Status::Active
    }
}

impl Status {
    pub fn is_active(self) -> bool {
        self == Status::Active
    }
}

labelled_enum!(
    /// The registry's people who are not field people: they log no records and need no
    /// branch document, so they sit in their own map (older apps, which read only
    /// `people`, keep working).
    StaffRole {
        CommitteeStaff => "党（工）委工作人员",
        OfficeStaff => "组织部工作人员",
    }
);

labelled_enum!(
    Role {
        Leader => "联点领导",
        Secretary => "支部书记",
        Member => "党员",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Committee {
    pub id: String,
    pub name: String,
    pub kind: CommitteeKind,
    /// 在用 or retired; documents written before issue 13 have none and read as 在用.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Branch {
    pub id: String,
    pub name: String,
    pub kind: BranchKind,
    pub committee: String,
    /// For village, community and enterprise branches: the place they belong to.
    pub place: Option<String>,
    /// 在用 or retired; documents written before issue 13 have none and read as 在用.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    /// The township committee the place belongs to.
    pub township: String,
    /// 在用 or retired; documents written before issue 13 have none and read as 在用.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub status: Status,
    /// 撤并: the place this one was merged into; its records show under that one.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    /// The 机关/事业 branch whose document holds this person's records.
    pub branch: String,
    pub role: Role,
    /// Position or unit, e.g. "县农业局局长".
    pub position: String,
    /// 在用 or retired; documents written before issue 13 have none and read as 在用.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub status: Status,
}

/// A committee's or the county office's staff member (issue 13).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: StaffRole,
    /// The committee of committee staff; empty for the county office.
    pub org: String,
    pub position: String,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub status: Status,
}

/// The org tree, places and people of the county: the `registry` document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Registry {
    pub county: String,
    pub committees: BTreeMap<String, Committee>,
    pub branches: BTreeMap<String, Branch>,
    pub places: BTreeMap<String, Place>,
    pub people: BTreeMap<String, Person>,
    /// Committee and county office staff (issue 13); absent in older documents.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub staff: BTreeMap<String, Staff>,
}

impl Registry {
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.get(id)
    }

    pub fn place_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.places.get(id).map_or(id, |p| p.name.as_str())
    }

    pub fn person_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.people.get(id).map_or(id, |p| p.name.as_str())
    }

    /// The place whose records a place's records show under: itself, or after 撤并 the
    /// place it was merged into (following chains; a cycle stops at the first repeat).
    pub fn resolve_place<'a>(&'a self, id: &'a str) -> &'a str {
        let mut cur = id;
        for _ in 0..16 {
            match self.places.get(cur).and_then(|p| p.merged_into.as_deref()) {
                Some(next) if next != cur && self.places.contains_key(next) => cur = next,
                _ => break,
            }
        }
        cur
    }

    /// The 机关/事业 branches, whose documents hold the field records.
    pub fn writing_branches(&self) -> impl Iterator<Item = &Branch> {
        self.branches
            .values()
            .filter(|b| matches!(b.kind, BranchKind::Office | BranchKind::Institution))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_keys_round_trip_and_carry_notice_terms() {
        for k in VisitKind::ALL {
            assert_eq!(VisitKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(VisitKind::BuildTeam.label(), "建班子");
        assert_eq!(VisitKind::from_code("nonsense"), None);
    }

    /// Issue 18: the enums' serde is written by hand (one visitor for all); what it
    /// writes and reads must stay what serde's derive wrote, in every stored JSON.
    #[test]
    fn issue_18_enums_read_and_write_as_the_derive_did() {
        assert_eq!(
            serde_json::to_string(&VisitKind::BuildTeam).unwrap(),
            r#""BuildTeam""#
        );
        let kinds: Vec<VisitKind> = serde_json::from_str(r#"["Help","BuildTeam"]"#).unwrap();
        assert_eq!(kinds, [VisitKind::Help, VisitKind::BuildTeam]);
        let keyed: std::collections::BTreeMap<Role, u8> =
            serde_json::from_str(r#"{"Leader":1}"#).unwrap();
        assert_eq!(keyed[&Role::Leader], 1);
        let err = serde_json::from_str::<VisitKind>(r#""Nonsense""#).unwrap_err();
        assert!(err.to_string().contains("BuildTeam"), "{err}");
    }
}
