//! The county's 信息库 as one value (issue 13): the `registry` document plus what the
//! county office keeps beside it in `county-office` (phone numbers, 五个结合 tags), one
//! consistency check used by both the item edits and the spreadsheet import, and the
//! difference between two books (what an import adds, changes and retires).

use shared::domain::records::TieIn;
use shared::model::{
    Branch, BranchKind, Committee, CommitteeKind, Person, Place, PlaceKind, Registry, Role, Staff,
    StaffRole, Status,
};
use shared::registry_admin::{Identity, ItemKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    pub registry: Registry,
    /// Person or staff id → phone number.
    pub phones: BTreeMap<String, String>,
    /// Place id → its 五个结合 tags in force.
    pub tags: BTreeMap<String, BTreeSet<TieIn>>,
}

/// A field of an item, for messages and the spreadsheet's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    Name,
    Kind,
    Parent,
    Place,
    Township,
    Tags,
    Status,
    Phone,
    Org,
    Identity,
    Position,
}

impl Field {
    /// The column header in the item's sheet.
    pub fn column(self, kind: ItemKind) -> &'static str {
        match (self, kind) {
            (Field::Code, _) => "编码",
            (Field::Name, ItemKind::Person) => "姓名",
            (Field::Name, _) => "名称",
            (Field::Kind, ItemKind::Place) => "类型",
            (Field::Kind, _) => "类别",
            (Field::Parent, _) => "上级编码",
            (Field::Place, _) => "联建对象编码",
            (Field::Township, _) => "所属乡镇",
            (Field::Tags, _) => "五个结合",
            (Field::Status, _) => "状态",
            (Field::Phone, _) => "手机号",
            (Field::Org, _) => "所在党组织编码",
            (Field::Identity, _) => "身份",
            (Field::Position, _) => "单位及职务",
        }
    }
}

/// One inconsistency: which item, which field, what is wrong (without the item's place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ItemKind,
    pub id: String,
    pub field: Field,
    pub message: String,
}

/// A person of the registry with their 身份, wherever they are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub org: String,
    pub identity: Identity,
    pub position: String,
    pub status: Status,
}

pub fn identity_of(role: Role) -> Identity {
    match role {
        Role::Member => Identity::Member,
        Role::Leader => Identity::Leader,
        Role::Secretary => Identity::Secretary,
    }
}

pub fn is_field(identity: Identity) -> bool {
    matches!(
        identity,
        Identity::Member | Identity::Leader | Identity::Secretary
    )
}

impl Book {
    /// Everyone of the registry: field people and staff.
    pub fn members(&self) -> Vec<Member> {
        let mut out: Vec<Member> = self
            .registry
            .people
            .values()
            .map(|p| Member {
                id: p.id.clone(),
                name: p.name.clone(),
                org: p.branch.clone(),
                identity: identity_of(p.role),
                position: p.position.clone(),
                status: p.status,
            })
            .collect();
        out.extend(self.registry.staff.values().map(|s| Member {
            id: s.id.clone(),
            name: s.name.clone(),
            org: s.org.clone(),
            identity: match s.role {
                StaffRole::CommitteeStaff => Identity::CommitteeStaff,
                StaffRole::OfficeStaff => Identity::OfficeStaff,
            },
            position: s.position.clone(),
            status: s.status,
        }));
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    pub fn member(&self, id: &str) -> Option<Member> {
        if let Some(p) = self.registry.people.get(id) {
            return Some(Member {
                id: p.id.clone(),
                name: p.name.clone(),
                org: p.branch.clone(),
                identity: identity_of(p.role),
                position: p.position.clone(),
                status: p.status,
            });
        }
        self.registry.staff.get(id).map(|s| Member {
            id: s.id.clone(),
            name: s.name.clone(),
            org: s.org.clone(),
            identity: match s.role {
                StaffRole::CommitteeStaff => Identity::CommitteeStaff,
                StaffRole::OfficeStaff => Identity::OfficeStaff,
            },
            position: s.position.clone(),
            status: s.status,
        })
    }

    /// Puts a person into the map of their 身份. Changing between a field 身份 and a staff
    /// one is refused by [`Book::check`] (the records name field people by their id).
    pub fn put_member(&mut self, m: &Member) {
        let role = match m.identity {
            Identity::Member => Some(Role::Member),
            Identity::Leader => Some(Role::Leader),
            Identity::Secretary => Some(Role::Secretary),
            _ => None,
        };
        match role {
            Some(role) => {
                self.registry.people.insert(
                    m.id.clone(),
                    Person {
                        id: m.id.clone(),
                        name: m.name.clone(),
                        branch: m.org.clone(),
                        role,
                        position: m.position.clone(),
                        status: m.status,
                    },
                );
            }
            None => {
                self.registry.staff.insert(
                    m.id.clone(),
                    Staff {
                        id: m.id.clone(),
                        name: m.name.clone(),
                        role: if m.identity == Identity::CommitteeStaff {
                            StaffRole::CommitteeStaff
                        } else {
                            StaffRole::OfficeStaff
                        },
                        org: m.org.clone(),
                        position: m.position.clone(),
                        status: m.status,
                    },
                );
            }
        }
    }

    pub fn status_of(&self, kind: ItemKind, id: &str) -> Option<Status> {
        let r = &self.registry;
        match kind {
            ItemKind::Committee => r.committees.get(id).map(|c| c.status),
            ItemKind::Branch => r.branches.get(id).map(|b| b.status),
            ItemKind::Place => r.places.get(id).map(|p| p.status),
            ItemKind::Person => self.member(id).map(|m| m.status),
        }
    }

    pub fn set_status(&mut self, kind: ItemKind, id: &str, status: Status) -> bool {
        let r = &mut self.registry;
        let slot = match kind {
            ItemKind::Committee => r.committees.get_mut(id).map(|c| &mut c.status),
            ItemKind::Branch => r.branches.get_mut(id).map(|b| &mut b.status),
            ItemKind::Place => r.places.get_mut(id).map(|p| &mut p.status),
            ItemKind::Person => match r.people.get_mut(id) {
                Some(p) => Some(&mut p.status),
                None => r.staff.get_mut(id).map(|s| &mut s.status),
            },
        };
        match slot {
            Some(s) => {
                *s = status;
                true
            }
            None => false,
        }
    }

    /// The committee an item belongs to, for the access check: a branch's committee, a
    /// place's township, a person's branch's committee (staff: their committee).
    /// `None` for committees and county staff: county-wide.
    pub fn committee_of(&self, kind: ItemKind, id: &str) -> Option<String> {
        let r = &self.registry;
        match kind {
            ItemKind::Committee => None,
            ItemKind::Branch => r.branches.get(id).map(|b| b.committee.clone()),
            ItemKind::Place => r.places.get(id).map(|p| p.township.clone()),
            ItemKind::Person => {
                let m = self.member(id)?;
                shared::access::committee_of(r, &m.org).map(str::to_string)
            }
        }
    }

    /// Every inconsistency of the book, in a stable order. An empty list means the book
    /// may be stored.
    pub fn check(&self, before: &Book) -> Vec<Problem> {
        let mut out = Vec::new();
        let r = &self.registry;
        let mut problem = |kind: ItemKind, id: &str, field: Field, message: String| {
            out.push(Problem {
                kind,
                id: id.to_string(),
                field,
                message,
            })
        };
        let name_ok = |n: &str| !n.trim().is_empty() && n.chars().count() <= 64;
        for c in r.committees.values() {
            if !name_ok(&c.name) {
                problem(
                    ItemKind::Committee,
                    &c.id,
                    Field::Name,
                    "请填写名称（最多 64 字）".into(),
                );
            }
            if r.branches.contains_key(&c.id) {
                problem(
                    ItemKind::Committee,
                    &c.id,
                    Field::Code,
                    format!("编码 {} 已被一个支部使用", c.id),
                );
            }
        }
        for b in r.branches.values() {
            let kind = ItemKind::Branch;
            if !name_ok(&b.name) {
                problem(kind, &b.id, Field::Name, "请填写名称（最多 64 字）".into());
            }
            match r.committees.get(&b.committee) {
                None if b.committee.trim().is_empty() => problem(
                    kind,
                    &b.id,
                    Field::Parent,
                    "支部应填写上级党组织（乡镇党委、工委或部门党委）的编码".into(),
                ),
                None if r.branches.contains_key(&b.committee) => problem(
                    kind,
                    &b.id,
                    Field::Parent,
                    format!("{} 是支部，不是乡镇党委、工委或部门党委", b.committee),
                ),
                None => problem(
                    kind,
                    &b.id,
                    Field::Parent,
                    format!("没有编码为 {} 的党组织", b.committee),
                ),
                Some(c) if b.status.is_active() && !c.status.is_active() => problem(
                    kind,
                    &b.id,
                    Field::Parent,
                    format!("上级党组织 {}（{}）已撤销", c.id, c.name),
                ),
                Some(_) => {}
            }
            let wants = match b.kind {
                BranchKind::Village => Some(PlaceKind::Village),
                BranchKind::Community => Some(PlaceKind::Community),
                BranchKind::Enterprise => Some(PlaceKind::Enterprise),
                BranchKind::Office | BranchKind::Institution => None,
            };
            match (wants, b.place.as_deref()) {
                (None, Some(p)) => problem(
                    kind,
                    &b.id,
                    Field::Place,
                    format!(
                        "{}不联系村社区企业，联建对象编码应留空（现为 {p}）",
                        b.kind.label()
                    ),
                ),
                (Some(_), None) => problem(
                    kind,
                    &b.id,
                    Field::Place,
                    format!("{}应填写所在村、社区或企业的编码", b.kind.label()),
                ),
                (Some(want), Some(p)) => match r.places.get(p) {
                    None => problem(
                        kind,
                        &b.id,
                        Field::Place,
                        format!("没有编码为 {p} 的村、社区或企业"),
                    ),
                    Some(place) if place.kind != want => problem(
                        kind,
                        &b.id,
                        Field::Place,
                        format!(
                            "{}应联系{}，{p}（{}）是{}",
                            b.kind.label(),
                            want.label(),
                            place.name,
                            place.kind.label()
                        ),
                    ),
                    Some(_) => {}
                },
                (None, None) => {}
            }
        }
        for p in r.places.values() {
            let kind = ItemKind::Place;
            if !name_ok(&p.name) {
                problem(kind, &p.id, Field::Name, "请填写名称（最多 64 字）".into());
            }
            match r.committees.get(&p.township) {
                Some(c) if c.kind == CommitteeKind::Township => {}
                Some(c) => problem(
                    kind,
                    &p.id,
                    Field::Township,
                    format!("{}（{}）是{}，不是乡镇党委", c.id, c.name, c.kind.label()),
                ),
                None if p.township.trim().is_empty() => problem(
                    kind,
                    &p.id,
                    Field::Township,
                    "请填写所属乡镇党委的编码".into(),
                ),
                None => problem(
                    kind,
                    &p.id,
                    Field::Township,
                    format!("没有编码为 {} 的乡镇党委", p.township),
                ),
            }
            if let Some(into) = &p.merged_into {
                if into == &p.id || !r.places.contains_key(into) {
                    problem(
                        kind,
                        &p.id,
                        Field::Status,
                        format!("撤并去向 {into} 不是另一个村、社区或企业"),
                    );
                }
            }
        }
        // Phones: well-formed and one person each.
        let mut seen_phones: HashMap<&str, &str> = HashMap::new();
        for (id, phone) in &self.phones {
            if phone.is_empty() {
                continue;
            }
            if !crate::auth::valid_phone(phone) {
                problem(
                    ItemKind::Person,
                    id,
                    Field::Phone,
                    format!("手机号 {phone} 应为 1 开头的 11 位数字"),
                );
            } else if let Some(other) = seen_phones.insert(phone, id) {
                problem(
                    ItemKind::Person,
                    id,
                    Field::Phone,
                    format!("手机号 {phone} 与 {other} 重复"),
                );
            }
        }
        for m in self.members() {
            let kind = ItemKind::Person;
            if !name_ok(&m.name) {
                problem(kind, &m.id, Field::Name, "请填写姓名（最多 64 字）".into());
            }
            if r.people.contains_key(&m.id) && r.staff.contains_key(&m.id) {
                problem(kind, &m.id, Field::Code, format!("编码 {} 重复", m.id));
            }
            if let Some(old) = before.member(&m.id) {
                if is_field(old.identity) != is_field(m.identity) {
                    problem(
                        kind,
                        &m.id,
                        Field::Identity,
                        format!(
                            "身份不能由{}改为{}：请将原编码停用，以新编码添加",
                            old.identity.label(),
                            m.identity.label()
                        ),
                    );
                }
            }
            if !m.status.is_active() {
                continue;
            }
            match m.identity {
                Identity::Member | Identity::Leader | Identity::Secretary => {
                    match r.branches.get(&m.org) {
                        Some(b) if !b.status.is_active() => problem(
                            kind,
                            &m.id,
                            Field::Org,
                            format!("支部 {}（{}）已撤销", b.id, b.name),
                        ),
                        Some(_) => {}
                        None if r.committees.contains_key(&m.org) => problem(
                            kind,
                            &m.id,
                            Field::Org,
                            format!(
                                "{}应属于支部，{} 是党（工）委；党（工）委的人员身份应为党（工）委工作人员",
                                m.identity.label(),
                                m.org
                            ),
                        ),
                        None if m.org.trim().is_empty() => problem(
                            kind,
                            &m.id,
                            Field::Org,
                            format!("{}应填写所在支部的编码", m.identity.label()),
                        ),
                        None => problem(
                            kind,
                            &m.id,
                            Field::Org,
                            format!("没有编码为 {} 的党组织", m.org),
                        ),
                    }
                }
                Identity::CommitteeStaff => match r.committees.get(&m.org) {
                    Some(c) if !c.status.is_active() => problem(
                        kind,
                        &m.id,
                        Field::Org,
                        format!("党组织 {}（{}）已撤销", c.id, c.name),
                    ),
                    Some(_) => {}
                    None if r.branches.contains_key(&m.org) => problem(
                        kind,
                        &m.id,
                        Field::Org,
                        format!(
                            "党（工）委工作人员应属于乡镇党委、工委或部门党委，{} 是支部",
                            m.org
                        ),
                    ),
                    None => problem(
                        kind,
                        &m.id,
                        Field::Org,
                        format!("没有编码为 {} 的党组织", m.org),
                    ),
                },
                Identity::OfficeStaff => {
                    if !m.org.trim().is_empty() {
                        problem(
                            kind,
                            &m.id,
                            Field::Org,
                            "组织部工作人员不属于支部或党（工）委，所在党组织编码应留空".into(),
                        );
                    }
                }
            }
        }
        // Nothing retired may still hold something in use.
        for c in r.committees.values().filter(|c| !c.status.is_active()) {
            let active = r
                .branches
                .values()
                .filter(|b| b.committee == c.id && b.status.is_active())
                .count();
            if active > 0 {
                problem(
                    ItemKind::Committee,
                    &c.id,
                    Field::Status,
                    format!("下面还有 {active} 个在用的支部，请先调整或撤销它们"),
                );
            }
        }
        for b in r.branches.values().filter(|b| !b.status.is_active()) {
            let active = r
                .people
                .values()
                .filter(|p| p.branch == b.id && p.status.is_active())
                .count();
            if active > 0 {
                problem(
                    ItemKind::Branch,
                    &b.id,
                    Field::Status,
                    format!("还有 {active} 名在用的人员，请先调走或停用"),
                );
            }
        }
        for (place, tags) in &self.tags {
            if !r.places.contains_key(place) && !tags.is_empty() {
                problem(
                    ItemKind::Place,
                    place,
                    Field::Tags,
                    format!("没有编码为 {place} 的村、社区或企业"),
                );
            }
        }
        out
    }
}

/// How one item differs between two books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Changed,
    Retired,
    Unchanged,
}

/// Compares an item: added, retired (was in use, is not), changed, unchanged.
pub fn compare<T: PartialEq>(
    old: Option<&T>,
    new: &T,
    old_status: Option<Status>,
    new_status: Status,
) -> Change {
    match old {
        None => Change::Added,
        Some(o) if o == new => Change::Unchanged,
        Some(_) if old_status == Some(Status::Active) && !new_status.is_active() => Change::Retired,
        Some(_) => Change::Changed,
    }
}

/// Shortcuts used by edits and tests.
pub fn committee(id: &str, name: &str, kind: CommitteeKind) -> Committee {
    Committee {
        id: id.into(),
        name: name.into(),
        kind,
        status: Status::Active,
    }
}

pub fn branch(
    id: &str,
    name: &str,
    kind: BranchKind,
    committee: &str,
    place: Option<&str>,
) -> Branch {
    Branch {
        id: id.into(),
        name: name.into(),
        kind,
        committee: committee.into(),
        place: place.map(str::to_string),
        status: Status::Active,
    }
}

pub fn place(id: &str, name: &str, kind: PlaceKind, township: &str) -> Place {
    Place {
        id: id.into(),
        name: name.into(),
        kind,
        township: township.into(),
        status: Status::Active,
        merged_into: None,
    }
}
