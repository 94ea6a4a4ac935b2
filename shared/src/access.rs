//! Who may read and write which document, decided from the org tree in the registry.
//!
//! Pure policy, no IO: the server enforces it at every sync, and the phone can use the
//! same function to know which documents to hold. The unit of access is the document
//! (see ARCHITECTURE.md, "Document partition" and "Access control").

use crate::doc::genesis;
use crate::domain::docs::new_branch_document;
use crate::ids::DocId;
use crate::model::{labelled_enum, Registry, Role, StaffRole};
use automerge::{ActorId, AutoCommit, ChangeHash, PatchAction, Prop, ReadDoc, ROOT};
use autosurgeon::{Hydrate, Reconcile};
use std::collections::BTreeSet;

labelled_enum!(
    /// What an account is, in the notice's terms.
    AccountRole {
        Member => "党员",
        Leader => "联点领导",
        Secretary => "支部书记",
        CommitteeStaff => "党（工）委工作人员",
        OfficeStaff => "县委组织部工作人员",
        Admin => "县级管理员",
    }
);

impl AccountRole {
    /// The roles whose `org` is a 机关/事业 branch: they log records in its document.
    pub fn is_field(self) -> bool {
        matches!(
            self,
            AccountRole::Member | AccountRole::Leader | AccountRole::Secretary
        )
    }
}

impl From<Role> for AccountRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Leader => AccountRole::Leader,
            Role::Secretary => AccountRole::Secretary,
            Role::Member => AccountRole::Member,
        }
    }
}

/// A user's place in the org tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub role: AccountRole,
    /// The branch of field roles, the committee of committee staff, empty for county roles.
    pub org: String,
}

/// Ordered: `Write` implies `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
}

/// What `who` may do with `doc` through sync.
///
/// - field roles (member, leader, secretary) write their own branch's document; a member
///   and a secretary differ inside it, not in which documents they hold;
/// - committee staff read the documents of the branches under their committee and the
///   county office's document, and write their own committee's document (its plans);
/// - county office staff and administrators read every document;
/// - the county office's document is read by the county and committees, the registry
///   document by the county only (issue 15: everyone else gets their
///   [`registry_slice`] as JSON, never the document, which names every party member of
///   the county); both are written on the server only, never through a phone's sync.
///   A committee's document exists only for a committee of the registry.
pub fn access(who: &Position, doc: &DocId, registry: &Registry) -> Access {
    match (who.role, doc) {
        (_, DocId::Committee(c)) if !registry.committees.contains_key(c) => Access::None,
        _ if written_documents(who).contains(doc) => Access::Write,
        // County roles write no branch's or committee's records: their history stays theirs.
        (AccountRole::OfficeStaff | AccountRole::Admin, _) => Access::Read,
        (_, DocId::Registry) => Access::None,
        (AccountRole::CommitteeStaff, DocId::Office) => Access::Read,
        (AccountRole::CommitteeStaff, DocId::Branch(b)) => match registry.branches.get(b) {
            Some(branch) if branch.committee == who.org => Access::Read,
            _ => Access::None,
        },
        _ => Access::None,
    }
}

/// The documents a position writes through sync — a field role its branch's, committee
/// staff their committee's — and so the documents its phone holds and syncs (issue 16:
/// the phone asks this, not a list of its own). A phone holds none it only reads; after
/// a handover it also hands in the old branch's unsynced entries. Needs no registry, so
/// a first login syncs at once, before its registry slice has arrived.
pub fn written_documents(who: &Position) -> Vec<DocId> {
    let doc = match who.role {
        AccountRole::CommitteeStaff => DocId::committee(who.org.clone()),
        r if r.is_field() => DocId::branch(who.org.clone()),
        _ => return Vec::new(),
    };
    doc.into_iter().collect()
}

impl Position {
    /// The position a login is for, `None` for a role code this app does not know.
    pub fn of_session(session: &crate::registry_admin::Session) -> Option<Position> {
        Some(Position {
            role: AccountRole::from_code(&session.account.role)?,
            org: session.account.org.clone(),
        })
    }
}

/// Whether someone writing `doc` from these positions may add and edit only records
/// under their own name ([`foreign_records`]): members and leaders in a branch document.
/// A secretary manages their branch's records, committee staff their committee's.
pub fn own_records_only(positions: &[Position], doc: &DocId) -> bool {
    match doc {
        DocId::Branch(b) => !positions
            .iter()
            .any(|p| p.role == AccountRole::Secretary && p.org == *b),
        _ => false,
    }
}

/// The documents a phone of this user should hold and sync. The registry is among them
/// only for the county (everyone else holds their [`registry_slice`] instead).
pub fn documents(who: &Position, registry: &Registry) -> Vec<DocId> {
    let mut docs = Vec::new();
    for doc in [DocId::Registry, DocId::Office] {
        if access(who, &doc, registry) >= Access::Read {
            docs.push(doc);
        }
    }
    docs.extend(
        registry
            .committees
            .keys()
            .filter_map(|c| DocId::committee(c.clone()).ok())
            .filter(|d| access(who, d, registry) >= Access::Read),
    );
    docs.extend(
        registry
            .writing_branches()
            .filter_map(|b| DocId::branch(b.id.clone()).ok())
            .filter(|d| access(who, d, registry) >= Access::Read),
    );
    docs
}

/// Where a phone fetches its [`registry_slice`] (`GET`, JSON, with an `ETag`).
pub const REGISTRY_SLICE_PATH: &str = "/api/registry";

/// What of the registry a phone of these positions holds (issue 15): every committee,
/// branch and place (forms, the branch pair, the history and the year rollover name any
/// of them, and they name no one), and only the people of the branches whose documents
/// the positions may read — a field user's own branch, during a handover also the
/// previous one (`positions` are all of the account's live positions), a committee's
/// staff the branches under it. Of `staff`, only the staff of a committee the user works
/// for as committee staff: that holds the user's own entry (committee staff sit in their
/// committee), the phone reads nothing else of it, and a field user gets none. The
/// county office and administrators read the whole registry document anyway, so they
/// get all of it.
///
/// A CRDT document cannot be replicated in part and phones never write the registry, so
/// the server sends this as plain JSON rather than a document.
pub fn registry_slice(positions: &[Position], registry: &Registry) -> Registry {
    if positions
        .iter()
        .any(|p| matches!(p.role, AccountRole::OfficeStaff | AccountRole::Admin))
    {
        return registry.clone();
    }
    // Access is judged per branch, not per person: a county has a few hundred branches
    // and thousands of people.
    let readable: BTreeSet<&str> = registry
        .people
        .values()
        .map(|p| p.branch.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|b| {
            DocId::branch(*b).is_ok_and(|doc| {
                positions
                    .iter()
                    .any(|p| access(p, &doc, registry) >= Access::Read)
            })
        })
        .collect();
    let people = registry
        .people
        .iter()
        .filter(|(_, p)| readable.contains(p.branch.as_str()))
        .map(|(id, p)| (id.clone(), p.clone()))
        .collect();
    let staff = registry
        .staff
        .iter()
        .filter(|(_, s)| {
            s.role == StaffRole::CommitteeStaff
                && positions
                    .iter()
                    .any(|p| p.role == AccountRole::CommitteeStaff && p.org == s.org)
        })
        .map(|(id, s)| (id.clone(), s.clone()))
        .collect();
    Registry {
        county: registry.county.clone(),
        committees: registry.committees.clone(),
        branches: registry.branches.clone(),
        places: registry.places.clone(),
        people,
        staff,
    }
}

/// Whether `org` is a valid place in the tree for `role`; the error is for the user.
pub fn check_position(who: &Position, registry: &Registry) -> Result<(), String> {
    if who.role.is_field() {
        if registry.writing_branches().any(|b| b.id == who.org) {
            return Ok(());
        }
        return Err(format!("没有这个机关/事业支部：{}", who.org));
    }
    match who.role {
        AccountRole::CommitteeStaff if registry.committees.contains_key(&who.org) => Ok(()),
        AccountRole::CommitteeStaff => Err(format!("没有这个党（工）委：{}", who.org)),
        _ if who.org.is_empty() => Ok(()),
        _ => Err("县级账号不属于任何支部或党（工）委，单位应留空".into()),
    }
}

/// Whether `manager` may create an account at `target`, or move someone to or from it:
/// the county office for anyone but administrators (only administrators make those),
/// a committee for the field roles of its own branches.
pub fn may_manage(manager: &Position, target: &Position, registry: &Registry) -> bool {
    match manager.role {
        AccountRole::Admin => true,
        AccountRole::OfficeStaff => target.role != AccountRole::Admin,
        AccountRole::CommitteeStaff => {
            target.role.is_field()
                && registry
                    .branches
                    .get(&target.org)
                    .is_some_and(|b| b.committee == manager.org)
        }
        _ => false,
    }
}

/// Whether `manager` may change a registry item (issue 13) that belongs to `committee`:
/// a branch's or place's committee (township), a person's branch's committee, or the
/// committee itself for its staff. `None` is a county-wide change (committees, moving a
/// branch between committees, 撤并, imports): the county office's alone. County office
/// staff and administrators change anything; committee staff only their own committee's
/// branches, places and people; field roles nothing.
pub fn may_edit_registry(manager: &Position, committee: Option<&str>) -> bool {
    match manager.role {
        AccountRole::Admin | AccountRole::OfficeStaff => true,
        AccountRole::CommitteeStaff => committee == Some(manager.org.as_str()),
        _ => false,
    }
}

/// The committee an org id (branch or committee) belongs to, if it is in the registry.
pub fn committee_of<'a>(registry: &'a Registry, org: &'a str) -> Option<&'a str> {
    if registry.committees.contains_key(org) {
        return Some(org);
    }
    registry.branches.get(org).map(|b| b.committee.as_str())
}

/// The deterministic changes every device makes alike (genesis, branch extension), by
/// the genesis actor: the only changes a phone may send that no user authored. (The
/// actor passed in is set after them, so its value does not matter.)
pub fn system_changes(doc: &DocId) -> Vec<ChangeHash> {
    let mut d = match doc {
        DocId::Branch(b) => match new_branch_document(b, ActorId::from([0xff_u8; 16])) {
            Ok(d) => d,
            Err(_) => return Vec::new(),
        },
        _ => genesis(doc),
    };
    d.get_changes(&[]).iter().map(|c| c.hash()).collect()
}

/// The field naming whose a record of the branch document's map `map` is (`author`,
/// `leader`, `member`) for the records a person logs under their own name; `None` for the
/// branch's own records (支部联建, 三个方案, 三个活动, 三件实事…), managed by its secretary.
/// Each kind says which it is (`RecordKind::PERSONAL`).
pub fn owner_field(map: &str) -> Option<&'static str> {
    crate::forms::FormKind::of_branch_map(map)?.personal_owner()
}

/// **The one ownership rule** (issue 14), for the server's sync guard and the phone alike:
/// whether `me` may add, edit, withdraw, restore or settle a conflict on the record of
/// `map` that names `owner`, in a document they write. `own_only` is
/// [`own_records_only`] of their positions for that document: members and leaders touch
/// only records under their own name, a secretary every record of the branch. The
/// server refuses a change this says no to ([`foreign_records`]); the phone offers only
/// what this says yes to, so it never offers an edit the server would refuse.
pub fn may_touch_record(own_only: bool, map: &str, owner: Option<&str>, me: &str) -> bool {
    !own_only || (owner_field(map).is_some() && !me.is_empty() && owner == Some(me))
}

/// [`may_touch_record`] for a field user of the registry in their own branch's
/// document: what the phone asks before it shows 修改, 撤回, 恢复 or 选这个.
pub fn may_touch_own_branch_record(
    registry: &Registry,
    me: &str,
    map: &str,
    owner: Option<&str>,
) -> bool {
    let Some(person) = registry.person(me) else {
        return false;
    };
    let position = Position {
        role: person.role.into(),
        org: person.branch.clone(),
    };
    let Ok(doc) = DocId::branch(person.branch.clone()) else {
        return false;
    };
    may_touch_record(own_records_only(&[position], &doc), map, owner, me)
}

/// The records a change between `before` and the document's heads added or touched that
/// are not `me`'s to write: another person's visit, household or help record (or one that
/// no longer names anyone), or any of the branch's own records. Members and leaders log
/// and edit only their own, so the name on a record can be trusted like its actor.
/// Returned as `map/id`.
pub fn foreign_records(doc: &mut AutoCommit, before: &[ChangeHash], me: &str) -> Vec<String> {
    let after = doc.get_heads();
    foreign_records_between(doc, before, &after, me)
}

/// [`foreign_records`] of the changes between two states of the document's history,
/// judged by [`may_touch_record`] (as for a member: own records only) on the records as
/// they stand at `after` *and*, for a record that existed before, as it stood at
/// `before`: what one change (`before` = its deps, `after` = itself) did, whoever sent
/// it. Judging both sides means nobody takes over a colleague's record by writing their
/// own name into it.
pub fn foreign_records_between(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    after: &[ChangeHash],
    me: &str,
) -> Vec<String> {
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    for patch in doc.diff(before, after) {
        // Changes at the root (the maps themselves) are the schema's business, checked
        // by the document validation; records live one level down.
        let Some((_, Prop::Map(map))) = patch.path.first() else {
            continue;
        };
        match (patch.path.get(1), &patch.action) {
            (Some((_, Prop::Map(id))), _) => {
                touched.insert((map.clone(), id.clone()));
            }
            (
                None,
                PatchAction::PutMap { key, .. }
                | PatchAction::DeleteMap { key }
                | PatchAction::Conflict {
                    prop: Prop::Map(key),
                },
            ) => {
                touched.insert((map.clone(), key.clone()));
            }
            _ => {}
        }
    }
    // `None` when the record is not there at `heads`; `Some(None)` when it names nobody.
    let named = |doc: &AutoCommit,
                 map: &str,
                 id: &str,
                 field: Option<&str>,
                 heads: &[ChangeHash]|
     -> Option<Option<String>> {
        let (_, map_obj) = doc.get_at(ROOT, map, heads).ok()??;
        let (_, rec) = doc.get_at(&map_obj, id, heads).ok()??;
        let Some(field) = field else {
            return Some(None);
        };
        Some(match doc.get_at(&rec, field, heads).ok().flatten() {
            Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
                automerge::ScalarValue::Str(name) => Some(name.to_string()),
                _ => None,
            },
            _ => None,
        })
    };
    touched
        .into_iter()
        .filter(|(map, id)| {
            if id.is_empty() {
                return true;
            }
            let field = owner_field(map);
            let now = named(doc, map, id, field, after).flatten();
            if !may_touch_record(true, map, now.as_deref(), me) {
                return true;
            }
            match named(doc, map, id, field, before) {
                Some(then) => !may_touch_record(true, map, then.as_deref(), me),
                None => false,
            }
        })
        .map(|(map, id)| format!("{map}/{id}"))
        .collect()
}

pub use crate::ids::parse_actor;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{registry, DemoSpec};

    fn at(role: AccountRole, org: &str) -> Position {
        Position {
            role,
            org: org.into(),
        }
    }

    /// Issue 16: the phone syncs `written_documents` (no registry needed); for every
    /// position of the county they are exactly the documents `access` lets it write.
    #[test]
    fn issue_16_the_phones_documents_are_those_access_lets_it_write() {
        let reg = registry(DemoSpec::SMALL);
        let mut positions: Vec<Position> = reg
            .people
            .values()
            .map(|p| at(p.role.into(), &p.branch))
            .collect();
        positions.extend(
            reg.committees
                .keys()
                .map(|c| at(AccountRole::CommitteeStaff, c)),
        );
        positions.push(at(AccountRole::OfficeStaff, ""));
        positions.push(at(AccountRole::Admin, ""));
        for who in &positions {
            let writable: Vec<DocId> = documents(who, &reg)
                .into_iter()
                .filter(|d| access(who, d, &reg) == Access::Write)
                .collect();
            assert_eq!(written_documents(who), writable, "{who:?}");
        }
        assert_eq!(
            written_documents(&at(AccountRole::Member, "b1")),
            [DocId::branch("b1").unwrap()]
        );
        assert!(written_documents(&at(AccountRole::OfficeStaff, "")).is_empty());
    }

    #[test]
    fn access_follows_the_org_tree() {
        let reg = registry(DemoSpec::SMALL);
        let b1 = DocId::branch("b1").unwrap();
        let b2 = DocId::branch("b2").unwrap();
        let member = at(AccountRole::Member, "b1");
        assert_eq!(access(&member, &b1, &reg), Access::Write);
        assert_eq!(access(&member, &b2, &reg), Access::None);
        // Issue 15: a phone gets its slice of the registry, not the document.
        assert_eq!(access(&member, &DocId::Registry, &reg), Access::None);
        assert_eq!(access(&member, &DocId::Office, &reg), Access::None);
        let c1 = at(AccountRole::CommitteeStaff, "c1");
        assert_eq!(access(&c1, &b2, &reg), Access::Read);
        let t1 = at(AccountRole::CommitteeStaff, "t1");
        assert_eq!(access(&t1, &b2, &reg), Access::None);
        let office = at(AccountRole::OfficeStaff, "");
        assert_eq!(access(&office, &b2, &reg), Access::Read);
        assert_eq!(access(&office, &DocId::Office, &reg), Access::Read);
        assert_eq!(access(&office, &DocId::Registry, &reg), Access::Read);
        assert_eq!(access(&c1, &DocId::Registry, &reg), Access::None);
        assert_eq!(
            documents(&member, &reg),
            [DocId::branch("b1").unwrap()],
            "a member's phone holds its branch only (and its slice of the registry)"
        );
        assert_eq!(documents(&c1, &reg).len(), 1 + 1 + 6);
        assert_eq!(
            documents(&office, &reg)[..2],
            [DocId::Registry, DocId::Office]
        );
        assert!(documents(&c1, &reg).contains(&DocId::committee("c1").unwrap()));
        // A committee writes its own plans; the county office reads them; nobody else.
        let own = DocId::committee("c1").unwrap();
        assert_eq!(access(&c1, &own, &reg), Access::Write);
        assert_eq!(access(&t1, &own, &reg), Access::None);
        assert_eq!(access(&office, &own, &reg), Access::Read);
        assert_eq!(access(&member, &own, &reg), Access::None);
        assert_eq!(
            access(&at(AccountRole::Secretary, "b1"), &own, &reg),
            Access::None
        );
        let unknown = DocId::committee("nowhere").unwrap();
        assert_eq!(access(&office, &unknown, &reg), Access::None);
        let nowhere = at(AccountRole::CommitteeStaff, "nowhere");
        assert_eq!(access(&nowhere, &unknown, &reg), Access::None);
    }

    /// The demo county with a committee's and the county office's staff.
    fn with_staff() -> Registry {
        use crate::model::Staff;
        let mut reg = registry(DemoSpec::SMALL);
        for (id, role, org) in [
            ("c1-staff", StaffRole::CommitteeStaff, "c1"),
            ("t1-staff", StaffRole::CommitteeStaff, "t1"),
            ("office", StaffRole::OfficeStaff, ""),
        ] {
            reg.staff.insert(
                id.into(),
                Staff {
                    id: id.into(),
                    name: format!("{id} 的名字"),
                    role,
                    org: org.into(),
                    position: String::new(),
                    status: Default::default(),
                },
            );
        }
        reg
    }

    fn branches_of_people(reg: &Registry) -> BTreeSet<&str> {
        reg.people.values().map(|p| p.branch.as_str()).collect()
    }

    #[test]
    fn issue_15_the_registry_a_members_phone_holds_has_no_people_of_other_branches() {
        let reg = with_staff();
        assert!(
            branches_of_people(&reg).len() > 1,
            "a county of many branches"
        );
        for role in [
            AccountRole::Member,
            AccountRole::Leader,
            AccountRole::Secretary,
        ] {
            let slice = registry_slice(&[at(role, "b1")], &reg);
            assert_eq!(
                branches_of_people(&slice),
                BTreeSet::from(["b1"]),
                "{role:?}"
            );
            let own: Vec<&String> = reg
                .people
                .iter()
                .filter(|(_, p)| p.branch == "b1")
                .map(|(id, _)| id)
                .collect();
            assert_eq!(slice.people.keys().collect::<Vec<_>>(), own);
            assert!(slice.people.contains_key("p1-2"));
            // The organisations and places all: forms and names need them.
            assert_eq!(slice.committees, reg.committees);
            assert_eq!(slice.branches, reg.branches);
            assert_eq!(slice.places, reg.places);
            assert_eq!(slice.county, reg.county);
            assert!(slice.staff.is_empty(), "a field user needs no staff");
        }
    }

    #[test]
    fn issue_15_a_handover_holds_both_branches_and_a_committee_its_own() {
        let reg = with_staff();
        // A secretary moved from b1 to b2, still handing in b1's entries.
        let moved = [
            at(AccountRole::Secretary, "b2"),
            at(AccountRole::Secretary, "b1"),
        ];
        assert_eq!(
            branches_of_people(&registry_slice(&moved, &reg)),
            BTreeSet::from(["b1", "b2"])
        );
        // Committee staff: the people of the branches under their committee, their
        // committee's staff (themselves among them), nobody else.
        let c1 = [at(AccountRole::CommitteeStaff, "c1")];
        let slice = registry_slice(&c1, &reg);
        let under_c1: BTreeSet<&str> = reg
            .branches
            .values()
            .filter(|b| b.committee == "c1")
            .map(|b| b.id.as_str())
            .collect();
        assert!(!branches_of_people(&slice).is_empty());
        assert!(branches_of_people(&slice).is_subset(&under_c1));
        assert_eq!(
            slice.staff.keys().map(String::as_str).collect::<Vec<_>>(),
            ["c1-staff"]
        );
        let t1 = registry_slice(&[at(AccountRole::CommitteeStaff, "t1")], &reg);
        assert!(t1.people.is_empty(), "t1 has no 机关 branch, so no people");
        assert_eq!(t1.branches, reg.branches);
        // The county reads the whole registry document anyway.
        for role in [AccountRole::OfficeStaff, AccountRole::Admin] {
            assert_eq!(registry_slice(&[at(role, "")], &reg), reg, "{role:?}");
        }
        assert!(
            registry_slice(&[], &reg).people.is_empty(),
            "no position, nobody"
        );
    }

    #[test]
    fn issue_4_own_records_only_for_members_and_leaders_in_a_branch() {
        let b1 = DocId::branch("b1").unwrap();
        let member = [at(AccountRole::Member, "b1")];
        assert!(own_records_only(&member, &b1));
        assert!(!own_records_only(&[at(AccountRole::Secretary, "b1")], &b1));
        // A former secretary of b2, now a member of b1, is a member in b1.
        let moved = [
            at(AccountRole::Member, "b1"),
            at(AccountRole::Secretary, "b2"),
        ];
        assert!(own_records_only(&moved, &b1));
        assert!(!own_records_only(&moved, &DocId::branch("b2").unwrap()));
        let c1 = [at(AccountRole::CommitteeStaff, "c1")];
        assert!(!own_records_only(&c1, &DocId::committee("c1").unwrap()));
    }

    #[test]
    fn positions_and_management_follow_the_tree() {
        let reg = registry(DemoSpec::SMALL);
        assert!(check_position(&at(AccountRole::Member, "b1"), &reg).is_ok());
        assert!(check_position(&at(AccountRole::Member, "vb1"), &reg).is_err());
        assert!(check_position(&at(AccountRole::CommitteeStaff, "c1"), &reg).is_ok());
        assert!(check_position(&at(AccountRole::Admin, "b1"), &reg).is_err());
        let c1 = at(AccountRole::CommitteeStaff, "c1");
        assert!(may_manage(&c1, &at(AccountRole::Member, "b2"), &reg));
        assert!(!may_manage(&c1, &at(AccountRole::OfficeStaff, ""), &reg));
        let t1 = at(AccountRole::CommitteeStaff, "t1");
        assert!(!may_manage(&t1, &at(AccountRole::Member, "b2"), &reg));
        let office = at(AccountRole::OfficeStaff, "");
        assert!(!may_manage(&office, &at(AccountRole::Admin, ""), &reg));
        assert!(!may_manage(
            &at(AccountRole::Secretary, "b1"),
            &at(AccountRole::Member, "b1"),
            &reg
        ));
    }

    #[test]
    fn issue_4_foreign_records_are_those_not_under_my_name_or_the_branchs() {
        use crate::doc::put_visit;
        use crate::domain::docs::put;
        use crate::domain::records::{HelpTarget, Labour, Plan, PlanKind, PlanStatus, TargetKind};
        use crate::model::{Visit, VisitKind};
        let visit = |id: &str, author: &str| Visit {
            id: id.into(),
            author: author.into(),
            date: "2026-03-02".into(),
            place: "v1".into(),
            kind: VisitKind::Help,
            note: "走访".into(),
            recorded_at: 1,
            withdrawn: false,
        };
        let target = |id: &str, member: &str| HelpTarget {
            id: id.into(),
            year: 2026,
            member: member.into(),
            name: "王某某".into(),
            place: "v1".into(),
            kind: TargetKind::PoorResident,
            labour: Labour::Able,
            household_size: 4,
            baseline_income: 3000,
            note: String::new(),
            recorded_at: 1,
            withdrawn: false,
        };
        let mut doc = new_branch_document("b1", ActorId::from([3u8; 16])).unwrap();
        put_visit(&mut doc, &visit("theirs", "p1-3"), 1).unwrap();
        let before = doc.get_heads();
        put_visit(&mut doc, &visit("mine", "p1-2"), 2).unwrap();
        put(&mut doc, &target("my-household", "p1-2"), 2).unwrap();
        assert!(foreign_records(&mut doc, &before, "p1-2").is_empty());
        put_visit(&mut doc, &visit("forged", "p1-3"), 3).unwrap();
        let mut edited = visit("theirs", "p1-3");
        edited.note = "改了别人的".into();
        put_visit(&mut doc, &edited, 4).unwrap();
        put(&mut doc, &target("their-household", "p1-3"), 5).unwrap();
        // The branch's own plans are the secretary's to record.
        let plan = Plan {
            id: "2026-Help".into(),
            year: 2026,
            kind: PlanKind::Help,
            status: PlanStatus::Adopted,
            date: "2026-03-01".into(),
            title: "帮扶方案".into(),
            author: "p1-2".into(),
            recorded_at: 6,
            withdrawn: false,
        };
        put(&mut doc, &plan, 6).unwrap();
        assert_eq!(
            foreign_records(&mut doc, &before, "p1-2"),
            [
                "plans/2026-Help",
                "targets/their-household",
                "visits/forged",
                "visits/theirs"
            ]
        );
    }

    #[test]
    fn issue_13_committee_staff_edit_only_their_own_committee() {
        let reg = registry(DemoSpec::SMALL);
        let c1 = at(AccountRole::CommitteeStaff, "c1");
        assert!(may_edit_registry(&c1, committee_of(&reg, "b1")));
        assert!(!may_edit_registry(&c1, committee_of(&reg, "vb1")));
        assert!(
            !may_edit_registry(&c1, None),
            "county-wide changes are the office's"
        );
        assert!(may_edit_registry(&at(AccountRole::OfficeStaff, ""), None));
        assert!(!may_edit_registry(
            &at(AccountRole::Secretary, "b1"),
            Some("c1")
        ));
    }

    #[test]
    fn system_changes_are_what_a_phone_creates() {
        let b1 = DocId::branch("b1").unwrap();
        let mut phone = new_branch_document("b1", ActorId::from([7u8; 16])).unwrap();
        let made: Vec<_> = phone.get_changes(&[]).iter().map(|c| c.hash()).collect();
        assert_eq!(system_changes(&b1), made);
    }
}
