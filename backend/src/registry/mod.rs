//! The county's own 信息库 (issue 13): the office keeps committees, branches, places and
//! people (`/api/office/registry/…`), round-trips them through a workbook, and makes
//! accounts for the people in it with printable activation codes
//! (`/api/office/accounts/…`, `/api/activate`). The routes and wire types are listed in
//! [`shared::registry_admin`].
//!
//! Every change is a change to the `registry` document (phones and 五个结合 tags: to
//! `county-office`) made with the office user's own actor ([`crate::auth::Auth::office_actor`]),
//! so each item's 修改历史 names who changed what and when. Phones receive the registry
//! by their normal sync; the office views are recomputed because the hub's generation
//! moves. Accounts follow the registry: a person moved is reassigned (the handover keeps
//! the old branch writable 14 days) and told so at the next login; a person retired is
//! disabled.

pub mod book;
pub mod sheet;

use crate::auth::store::Account;
use crate::auth::{hash_password, valid_phone, User};
use crate::{county_now, now_secs, AppError, AppState};
use automerge::{AutoCommit, PatchAction, Prop, ROOT};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use book::{is_field, Book, Member, Problem};
use serde::Deserialize;
use shared::access::{self, AccountRole, Position};
use shared::domain::records::{PlaceTag, TieIn};
use shared::ids::DocId;
use shared::model::{Branch, Committee, Place, Status};
use shared::registry_admin::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/office/registry", get(listing))
        .route("/api/office/registry/template.xlsx", get(template))
        .route("/api/office/registry/export.xlsx", get(export))
        .route(
            "/api/office/registry/import",
            post(import).layer(DefaultBodyLimit::max(shared::wire::MAX_BODY_BYTES)),
        )
        .route("/api/office/registry/committees", post(add_committee))
        .route(
            "/api/office/registry/committees/{id}",
            axum::routing::put(edit_committee),
        )
        .route("/api/office/registry/branches", post(add_branch))
        .route(
            "/api/office/registry/branches/{id}",
            axum::routing::put(edit_branch),
        )
        .route("/api/office/registry/branches/{id}/move", post(move_branch))
        .route("/api/office/registry/places", post(add_place))
        .route(
            "/api/office/registry/places/{id}",
            axum::routing::put(edit_place),
        )
        .route("/api/office/registry/places/{id}/merge", post(merge_place))
        .route("/api/office/registry/people", post(add_person))
        .route(
            "/api/office/registry/people/{id}",
            axum::routing::put(edit_person),
        )
        .route("/api/office/registry/people/{id}/move", post(move_person))
        .route("/api/office/registry/{kind}/{id}/retire", post(retire))
        .route("/api/office/registry/{kind}/{id}/restore", post(restore))
        .route("/api/office/registry/{kind}/{id}/history", get(history))
        .route("/api/office/accounts", get(accounts))
        .route("/api/office/accounts/activation", post(bulk_slips))
        .route("/api/office/accounts/{person}/activation", post(one_slip))
        .route("/api/office/accounts/{person}/disable", post(disable))
        .route("/api/office/accounts/{person}/enable", post(enable))
}

/// One registry change at a time (edits and imports): each reads the book, changes it and
/// stores it, so two clerks at once must not each overwrite the other's change.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Someone who keeps (part of) the registry and its accounts: county office staff and
/// administrators for the county, committee staff for their committee.
pub struct Manager(pub User);

impl FromRequestParts<AppState> for Manager {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = User::from_request_parts(parts, state).await?;
        match user.account.role {
            AccountRole::Admin | AccountRole::OfficeStaff | AccountRole::CommitteeStaff => {
                Ok(Manager(user))
            }
            _ => {
                tracing::warn!(user = %user.account.id, path = %parts.uri.path(), "registry API refused");
                Err(AppError::Forbidden(
                    "仅供县委组织部和党（工）委工作人员使用".into(),
                ))
            }
        }
    }
}

// One reading of JSON bodies and one way off the async workers, shared with the other routes.
use crate::auth::routes::json;
use crate::office::blocking;

/// The book as stored now.
pub fn load_book(state: &AppState) -> Result<Book, AppError> {
    let registry = state.hub().registry()?;
    let (phones, tags) = state.hub().read(&DocId::Office, |doc| {
        let phones: BTreeMap<String, String> =
            autosurgeon::hydrate_prop::<_, Option<BTreeMap<String, String>>, _, _>(
                doc, ROOT, "contacts",
            )
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut tags: BTreeMap<String, BTreeSet<TieIn>> = BTreeMap::new();
        if let Ok(office) = shared::domain::docs::read_office(doc) {
            for t in office.tags.values().filter(|t| !t.withdrawn) {
                tags.entry(t.place.clone()).or_default().insert(t.tag);
            }
        }
        (phones, tags)
    })?;
    Ok(Book {
        registry,
        phones,
        tags,
    })
}

/// What one registry change writes into `county-office`: the phone numbers (when they
/// changed) and the 五个结合 tag records to put.
struct OfficeWrite {
    phones: Option<BTreeMap<String, String>>,
    tags: Vec<PlaceTag>,
}

impl OfficeWrite {
    /// From `old` to `new`; tags added from this year on, removed ones withdrawn.
    fn between(old: &Book, new: &Book, year: i32) -> Self {
        let mut tags = Vec::new();
        let places: BTreeSet<&String> = old.tags.keys().chain(new.tags.keys()).collect();
        for place in places {
            let before = old.tags.get(place).cloned().unwrap_or_default();
            let after = new.tags.get(place).cloned().unwrap_or_default();
            for (t, withdrawn) in after
                .difference(&before)
                .map(|t| (t, false))
                .chain(before.difference(&after).map(|t| (t, true)))
            {
                tags.push(PlaceTag {
                    id: format!("{place}-{}", t.code()),
                    place: place.clone(),
                    tag: *t,
                    since: year,
                    withdrawn,
                });
            }
        }
        OfficeWrite {
            phones: (new.phones != old.phones).then(|| new.phones.clone()),
            tags,
        }
    }

    fn is_empty(&self) -> bool {
        self.phones.is_none() && self.tags.is_empty()
    }

    /// What puts back the document as it was before `self`: the old phone numbers and,
    /// per tag record touched, the record as it stood (or, if it did not exist, withdrawn).
    fn undo(&self, old: &Book, stored: &BTreeMap<String, PlaceTag>) -> Self {
        OfficeWrite {
            phones: self.phones.as_ref().map(|_| old.phones.clone()),
            tags: self
                .tags
                .iter()
                .map(|t| {
                    stored.get(&t.id).cloned().unwrap_or_else(|| PlaceTag {
                        withdrawn: true,
                        ..t.clone()
                    })
                })
                .collect(),
        }
    }

    fn apply(&self, doc: &mut AutoCommit, now: i64) -> Result<(), shared::doc::DocError> {
        if let Some(phones) = &self.phones {
            autosurgeon::reconcile_prop(doc, ROOT, "contacts", phones)
                .map_err(|e| shared::doc::DocError::Reconcile(Box::new(e)))?;
            doc.commit_with(automerge::transaction::CommitOptions::default().with_time(now));
        }
        if !self.tags.is_empty() {
            shared::domain::docs::put_many(doc, &self.tags, now)?;
        }
        Ok(())
    }
}

/// Stores `new` (what differs from `old`) as `user`, then lets the accounts follow.
///
/// All or nothing across the two documents (an import touches both): `county-office` is
/// written first, then the `registry`; should the registry's write fail (a full or
/// read-only disk), `county-office` is put back as it was before the error is answered,
/// so the county never holds the phones of one workbook with the tree of another. That
/// order also keeps phones, which sync only the registry, from ever seeing a change
/// whose other half is not stored.
pub fn store_book(state: &AppState, user: &str, old: &Book, new: &Book) -> Result<(), AppError> {
    let now = now_secs();
    let actor = state.auth().office_actor(user)?;
    let office = OfficeWrite::between(old, new, chrono::Datelike::year(&county_now()));
    let mut undo = None;
    if !office.is_empty() {
        let stored = state.hub().read(&DocId::Office, |doc| {
            shared::domain::docs::read_office(doc)
                .map(|o| o.tags)
                .unwrap_or_default()
        })?;
        state
            .hub()
            .modify_as(&DocId::Office, &actor, |doc| office.apply(doc, now))?;
        undo = Some(office.undo(old, &stored));
    }
    if new.registry != old.registry {
        let written = state.hub().modify_as(&DocId::Registry, &actor, |doc| {
            shared::doc::write_registry(doc, &new.registry, now)
        });
        if let Err(e) = written {
            if let Some(undo) = undo {
                let put_back = state
                    .hub()
                    .modify_as(&DocId::Office, &actor, |doc| undo.apply(doc, now));
                if let Err(again) = put_back {
                    // Both failed: the disk is gone. The import is reported failed; its
                    // phones and tags may stand until it is imported again.
                    tracing::error!(error = %again, "registry change: county-office not put back");
                }
            }
            tracing::warn!(error = %e, by = %user, "registry change not stored");
            return Err(e.into());
        }
    }
    follow_accounts(state, old, new, now)
}

/// The account position a registry person gets.
pub fn position_of(m: &Member) -> Position {
    let role = match m.identity {
        Identity::Member => AccountRole::Member,
        Identity::Leader => AccountRole::Leader,
        Identity::Secretary => AccountRole::Secretary,
        Identity::CommitteeStaff => AccountRole::CommitteeStaff,
        Identity::OfficeStaff => AccountRole::OfficeStaff,
    };
    Position {
        role,
        org: if m.identity == Identity::OfficeStaff {
            String::new()
        } else {
            m.org.clone()
        },
    }
}

fn org_name(book: &Book, org: &str) -> String {
    let r = &book.registry;
    if let Some(b) = r.branches.get(org) {
        return b.name.clone();
    }
    if let Some(c) = r.committees.get(org) {
        return c.name.clone();
    }
    if org.is_empty() {
        "县委组织部".into()
    } else {
        org.into()
    }
}

/// Accounts follow the registry: moved → handover and a notice; retired → disabled;
/// back in use → enabled; name and phone kept as the registry has them.
fn follow_accounts(state: &AppState, old: &Book, new: &Book, now: i64) -> Result<(), AppError> {
    let auth = state.auth();
    for m in new.members() {
        let Some(account) = auth.store().get(&m.id)? else {
            continue;
        };
        let before = old.member(&m.id);
        let was_active = before.as_ref().is_some_and(|b| b.status.is_active());
        if !m.status.is_active() {
            if was_active {
                auth.set_disabled(&m.id, true)?;
            }
            continue;
        }
        if before.as_ref().is_some_and(|b| !b.status.is_active()) {
            auth.set_disabled(&m.id, false)?;
        }
        let mut updated = account.clone();
        updated.name = m.name.clone();
        if let Some(phone) = new.phones.get(&m.id) {
            if valid_phone(phone) {
                updated.phone = phone.clone();
            }
        }
        if updated != account {
            auth.store().update(&updated).map_err(|e| {
                tracing::warn!(error = %e, user = %m.id, "account update failed");
                AppError::Conflict(format!("手机号 {} 已被其他账号使用", updated.phone))
            })?;
        }
        // Administrators stay administrators whatever their 身份 says.
        if account.role == AccountRole::Admin {
            continue;
        }
        let to = position_of(&m);
        if (to.role, to.org.as_str()) != (account.role, account.org.as_str())
            && access::check_position(&to, &new.registry).is_ok()
        {
            auth.reassign(&m.id, to.clone(), now)?;
            let notice = if to.role.is_field() && account.role.is_field() && to.role == account.role
            {
                format!("您已调至 {}", org_name(new, &to.org))
            } else {
                format!(
                    "您的身份已改为 {}（{}）",
                    to.role.label(),
                    org_name(new, &to.org)
                )
            };
            auth.set_notice(&m.id, &notice, now + auth.config().handover_secs)?;
        }
    }
    Ok(())
}

fn problem_text(p: &Problem) -> String {
    format!("{}：{}", p.field.column(p.kind), p.message)
}

/// Checks a changed book; the first problem is the answer.
fn checked(new: &Book, old: &Book) -> Result<(), AppError> {
    match new.check(old).first() {
        Some(p) => Err(AppError::BadRequest(format!(
            "{} {}：{}",
            p.kind.label(),
            p.id,
            problem_text(p)
        ))),
        None => Ok(()),
    }
}

fn may(user: &User, committee: Option<&str>) -> Result<(), AppError> {
    if access::may_edit_registry(&user.position(), committee) {
        Ok(())
    } else {
        tracing::warn!(user = %user.account.id, ?committee, "registry change refused");
        Err(AppError::Forbidden(match committee {
            None => "只有县委组织部可以做这项修改".into(),
            Some(_) => "只能修改本党（工）委的支部、村社区企业和人员".into(),
        }))
    }
}

fn plain_code(id: &str) -> Result<(), AppError> {
    if shared::ids::is_plain_id(id) && id.len() <= 64 {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "编码只能用字母、数字、- 和 _（最多 64 个）".into(),
        ))
    }
}

/// Applies `change` to the stored book as `user` after `authorise` allowed it on the old
/// and new book; answers what changed.
async fn change_book(
    state: AppState,
    user: User,
    kind: ItemKind,
    id: String,
    change: impl FnOnce(&mut Book) -> Result<(), AppError> + Send + 'static,
    authorise: impl Fn(&User, &Book) -> Result<(), AppError> + Send + 'static,
) -> Result<Saved, AppError> {
    blocking(move || {
        let _one = WRITING.lock().unwrap_or_else(|e| e.into_inner());
        let old = load_book(&state)?;
        authorise(&user, &old)?;
        let mut new = old.clone();
        change(&mut new)?;
        authorise(&user, &new)?;
        checked(&new, &old)?;
        let changed = new != old;
        if changed {
            store_book(&state, &user.account.id, &old, &new)?;
            tracing::info!(by = %user.account.id, kind = kind.code(), %id, "registry changed");
        }
        Ok(Saved {
            kind,
            id,
            changed,
            warnings: Vec::new(),
        })
    })
    .await
}

fn need<'a, T>(item: Option<&'a T>, kind: ItemKind, id: &str) -> Result<&'a T, AppError> {
    item.ok_or_else(|| AppError::NotFound(format!("没有编码为 {id} 的{}", kind.label())))
}

async fn listing(
    State(state): State<AppState>,
    Manager(user): Manager,
) -> Result<Json<RegistryListing>, AppError> {
    let out = blocking(move || {
        let book = load_book(&state)?;
        let pos = user.position();
        let phones = book
            .phones
            .iter()
            .filter(|(id, _)| {
                access::may_edit_registry(&pos, book.committee_of(ItemKind::Person, id).as_deref())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let tags = book
            .tags
            .iter()
            .map(|(p, t)| (p.clone(), t.iter().map(|t| t.code().to_string()).collect()))
            .collect();
        Ok(RegistryListing {
            registry: book.registry,
            phones,
            tags,
        })
    })
    .await?;
    Ok(Json(out))
}

// ---- committees ----

async fn add_committee(
    State(state): State<AppState>,
    Manager(user): Manager,
    body: Result<Json<CommitteeEdit>, JsonRejection>,
) -> Result<Response, AppError> {
    let e = json(body)?;
    plain_code(&e.id)?;
    let id = e.id.clone();
    let saved = change_book(
        state,
        user,
        ItemKind::Committee,
        id.clone(),
        move |b| {
            if b.registry.committees.contains_key(&e.id) || b.registry.branches.contains_key(&e.id)
            {
                return Err(AppError::Conflict(format!("编码 {} 已存在", e.id)));
            }
            b.registry.committees.insert(
                e.id.clone(),
                Committee {
                    id: e.id,
                    name: e.name.trim().to_string(),
                    kind: e.kind,
                    status: Status::Active,
                },
            );
            Ok(())
        },
        |u, _| may(u, None),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn edit_committee(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<CommitteeEdit>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let key = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Committee,
            id,
            move |b| {
                let c = b
                    .registry
                    .committees
                    .get_mut(&key)
                    .ok_or_else(|| AppError::NotFound(format!("没有编码为 {key} 的党组织")))?;
                c.name = e.name.trim().to_string();
                c.kind = e.kind;
                Ok(())
            },
            |u, _| may(u, None),
        )
        .await?,
    ))
}

// ---- branches ----

fn branch_scope(id: String) -> impl Fn(&User, &Book) -> Result<(), AppError> {
    move |u, b| may(u, b.committee_of(ItemKind::Branch, &id).as_deref())
}

async fn add_branch(
    State(state): State<AppState>,
    Manager(user): Manager,
    body: Result<Json<BranchEdit>, JsonRejection>,
) -> Result<Response, AppError> {
    let e = json(body)?;
    plain_code(&e.id)?;
    let id = e.id.clone();
    let committee = e.committee.clone();
    let saved = change_book(
        state,
        user,
        ItemKind::Branch,
        id,
        move |b| {
            if b.registry.committees.contains_key(&e.id) || b.registry.branches.contains_key(&e.id)
            {
                return Err(AppError::Conflict(format!("编码 {} 已存在", e.id)));
            }
            b.registry.branches.insert(
                e.id.clone(),
                Branch {
                    id: e.id,
                    name: e.name.trim().to_string(),
                    kind: e.kind,
                    committee: e.committee,
                    place: e.place.filter(|p| !p.is_empty()),
                    status: Status::Active,
                },
            );
            Ok(())
        },
        move |u, _| may(u, Some(&committee)),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn edit_branch(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<BranchEdit>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let key = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Branch,
            id.clone(),
            move |b| {
                let br = b
                    .registry
                    .branches
                    .get_mut(&key)
                    .ok_or_else(|| AppError::NotFound(format!("没有编码为 {key} 的支部")))?;
                br.name = e.name.trim().to_string();
                br.kind = e.kind;
                br.committee = e.committee;
                br.place = e.place.filter(|p| !p.is_empty());
                Ok(())
            },
            branch_scope(id),
        )
        .await?,
    ))
}

async fn move_branch(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<MoveBranch>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let key = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Branch,
            id,
            move |b| {
                let br = b
                    .registry
                    .branches
                    .get_mut(&key)
                    .ok_or_else(|| AppError::NotFound(format!("没有编码为 {key} 的支部")))?;
                br.committee = e.committee;
                Ok(())
            },
            |u, _| may(u, None),
        )
        .await?,
    ))
}

// ---- places ----

fn parse_tags(tags: &[String]) -> Result<BTreeSet<TieIn>, AppError> {
    tags.iter()
        .map(|t| {
            TieIn::ALL
                .iter()
                .copied()
                .find(|k| k.code() == t || k.label() == t)
                .ok_or_else(|| AppError::BadRequest(format!("五个结合：没有“{t}”这个标签")))
        })
        .collect()
}

async fn add_place(
    State(state): State<AppState>,
    Manager(user): Manager,
    body: Result<Json<PlaceEdit>, JsonRejection>,
) -> Result<Response, AppError> {
    let e = json(body)?;
    plain_code(&e.id)?;
    let tags = parse_tags(&e.tags)?;
    let township = e.township.clone();
    let saved = change_book(
        state,
        user,
        ItemKind::Place,
        e.id.clone(),
        move |b| {
            if b.registry.places.contains_key(&e.id) {
                return Err(AppError::Conflict(format!("编码 {} 已存在", e.id)));
            }
            b.registry.places.insert(
                e.id.clone(),
                Place {
                    id: e.id.clone(),
                    name: e.name.trim().to_string(),
                    kind: e.kind,
                    township: e.township,
                    status: Status::Active,
                    merged_into: None,
                },
            );
            if !tags.is_empty() {
                b.tags.insert(e.id, tags);
            }
            Ok(())
        },
        move |u, _| may(u, Some(&township)),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn edit_place(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<PlaceEdit>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let tags = parse_tags(&e.tags)?;
    let key = id.clone();
    let scope = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Place,
            id,
            move |b| {
                let p = b.registry.places.get_mut(&key).ok_or_else(|| {
                    AppError::NotFound(format!("没有编码为 {key} 的村、社区或企业"))
                })?;
                p.name = e.name.trim().to_string();
                p.kind = e.kind;
                p.township = e.township;
                if tags.is_empty() {
                    b.tags.remove(&key);
                } else {
                    b.tags.insert(key, tags);
                }
                Ok(())
            },
            move |u, b| may(u, b.committee_of(ItemKind::Place, &scope).as_deref()),
        )
        .await?,
    ))
}

async fn merge_place(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<MergePlace>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let key = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Place,
            id,
            move |b| {
                need(b.registry.places.get(&key), ItemKind::Place, &key)?;
                let into = need(b.registry.places.get(&e.into), ItemKind::Place, &e.into)?;
                if e.into == key || b.registry.resolve_place(&e.into) == key {
                    return Err(AppError::BadRequest("不能并入自身".into()));
                }
                if !into.status.is_active() {
                    return Err(AppError::BadRequest(format!(
                        "{}（{}）已撤销，不能并入",
                        into.id, into.name
                    )));
                }
                if let Some(p) = b.registry.places.get_mut(&key) {
                    p.status = Status::Retired;
                    p.merged_into = Some(e.into);
                }
                Ok(())
            },
            |u, _| may(u, None),
        )
        .await?,
    ))
}

// ---- people ----

fn person_scope(id: String) -> impl Fn(&User, &Book) -> Result<(), AppError> {
    move |u, b| {
        let Some(m) = b.member(&id) else {
            return Ok(());
        };
        match m.identity {
            // Only the county office manages county staff.
            Identity::OfficeStaff => may(u, None),
            _ => may(u, access::committee_of(&b.registry, &m.org)),
        }
    }
}

fn member_from(e: &PersonEdit, status: Status) -> Member {
    Member {
        id: e.id.clone(),
        name: e.name.trim().to_string(),
        org: e.org.trim().to_string(),
        identity: e.identity,
        position: e.position.trim().to_string(),
        status,
    }
}

fn set_phone(b: &mut Book, id: &str, phone: &str) -> Result<(), AppError> {
    let phone = phone.trim();
    if phone.is_empty() {
        b.phones.remove(id);
        return Ok(());
    }
    if !valid_phone(phone) {
        return Err(AppError::BadRequest(format!(
            "手机号 {phone} 应为 1 开头的 11 位数字"
        )));
    }
    b.phones.insert(id.to_string(), phone.to_string());
    Ok(())
}

async fn add_person(
    State(state): State<AppState>,
    Manager(user): Manager,
    body: Result<Json<PersonEdit>, JsonRejection>,
) -> Result<Response, AppError> {
    let e = json(body)?;
    plain_code(&e.id)?;
    let id = e.id.clone();
    let saved = change_book(
        state,
        user,
        ItemKind::Person,
        id.clone(),
        move |b| {
            if b.member(&e.id).is_some() {
                return Err(AppError::Conflict(format!("编码 {} 已存在", e.id)));
            }
            b.put_member(&member_from(&e, Status::Active));
            set_phone(b, &e.id, &e.phone)
        },
        person_scope(id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn edit_person(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<PersonEdit>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let mut e = json(body)?;
    e.id = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            ItemKind::Person,
            id.clone(),
            move |b| {
                let old = b
                    .member(&e.id)
                    .ok_or_else(|| AppError::NotFound(format!("没有编码为 {} 的人员", e.id)))?;
                if is_field(old.identity) != is_field(e.identity) {
                    return Err(AppError::BadRequest(format!(
                        "身份不能由{}改为{}：请将原编码停用，以新编码添加",
                        old.identity.label(),
                        e.identity.label()
                    )));
                }
                b.put_member(&member_from(&e, old.status));
                set_phone(b, &e.id, &e.phone)
            },
            person_scope(id),
        )
        .await?,
    ))
}

/// Warns when someone moved still has entries on a phone that the server has not seen:
/// the handover keeps the old branch open 14 days for them.
fn warn_if_unsynced(state: &AppState, mut saved: Saved, before: Option<Member>) -> Saved {
    let Some(before) = before else {
        return saved;
    };
    let pending = unsynced_by_person(state)
        .get(&before.id)
        .copied()
        .unwrap_or(0);
    let moved = load_book(state)
        .ok()
        .and_then(|b| b.member(&before.id))
        .is_some_and(|m| m.org != before.org);
    if saved.changed && moved && pending > 0 {
        saved.warnings.push(format!(
            "{} 的手机上还有 {pending} 条未同步的记录；调动后原支部 {} 仍可在 14 天内接收，请提醒其尽快联网同步",
            before.name, before.org
        ));
    }
    saved
}

async fn move_person(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(id): Path<String>,
    body: Result<Json<MovePerson>, JsonRejection>,
) -> Result<Json<Saved>, AppError> {
    let e = json(body)?;
    let key = id.clone();
    let before = load_book(&state)?.member(&id);
    let warned = state.clone();
    Ok(Json(warn_if_unsynced(
        &warned,
        change_book(
            state,
            user,
            ItemKind::Person,
            id.clone(),
            move |b| {
                let mut m = b
                    .member(&key)
                    .ok_or_else(|| AppError::NotFound(format!("没有编码为 {key} 的人员")))?;
                m.org = e.org.trim().to_string();
                b.put_member(&m);
                Ok(())
            },
            person_scope(id),
        )
        .await?,
        before,
    )))
}

// ---- retire, restore, history ----

fn kind_of(segment: &str) -> Result<ItemKind, AppError> {
    ItemKind::from_segment(segment).ok_or_else(|| AppError::NotFound("没有这个接口".into()))
}

fn item_scope(kind: ItemKind, id: String) -> impl Fn(&User, &Book) -> Result<(), AppError> {
    move |u, b| match kind {
        ItemKind::Committee => may(u, None),
        ItemKind::Person => person_scope(id.clone())(u, b),
        _ => may(u, b.committee_of(kind, &id).as_deref()),
    }
}

async fn set_status(
    state: AppState,
    user: User,
    segment: String,
    id: String,
    status: Status,
) -> Result<Json<Saved>, AppError> {
    let kind = kind_of(&segment)?;
    let key = id.clone();
    Ok(Json(
        change_book(
            state,
            user,
            kind,
            id.clone(),
            move |b| {
                if b.status_of(kind, &key).is_none() {
                    return Err(AppError::NotFound(format!(
                        "没有编码为 {key} 的{}",
                        kind.label()
                    )));
                }
                b.set_status(kind, &key, status);
                if kind == ItemKind::Place && status.is_active() {
                    if let Some(p) = b.registry.places.get_mut(&key) {
                        p.merged_into = None;
                    }
                }
                Ok(())
            },
            item_scope(kind, id),
        )
        .await?,
    ))
}

async fn retire(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Json<Saved>, AppError> {
    set_status(state, user, segment, id, Status::Retired).await
}

async fn restore(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Json<Saved>, AppError> {
    set_status(state, user, segment, id, Status::Active).await
}

fn field_label(key: &str) -> &str {
    match key {
        "name" => "名称",
        "kind" => "类别",
        "committee" => "上级编码",
        "place" => "联建对象编码",
        "township" => "所属乡镇",
        "status" => "状态",
        "merged_into" => "撤并至",
        "branch" | "org" => "所在党组织",
        "role" => "身份",
        "position" => "单位及职务",
        "id" => "编码",
        other => other,
    }
}

fn value_text(v: &automerge::Value<'_>) -> String {
    match v {
        automerge::Value::Scalar(s) => match s.as_ref() {
            automerge::ScalarValue::Str(s) => match s.as_str() {
                "Active" => "在用".into(),
                "Retired" => "撤销/停用".into(),
                other => other.to_string(),
            },
            automerge::ScalarValue::Null => "（空）".into(),
            other => other.to_string(),
        },
        automerge::Value::Object(_) => String::new(),
    }
}

/// The changes of `doc` that touched `map/id` (or, with `id` = None, the map's key
/// `key`), with what they set.
fn item_changes(
    doc: &mut AutoCommit,
    path: &[&str],
    accounts: &dyn Fn(&automerge::ActorId) -> (String, String),
) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    let changes: Vec<_> = doc
        .get_changes_meta(&[])
        .into_iter()
        .map(|c| (c.hash, c.deps, c.actor.into_owned(), c.timestamp))
        .collect();
    for (hash, deps, actor, time) in changes {
        let mut what = Vec::new();
        for patch in doc.diff(&deps, &[hash]) {
            let keys: Vec<String> = patch
                .path
                .iter()
                .map(|(_, p)| match p {
                    Prop::Map(k) => k.clone(),
                    Prop::Seq(i) => i.to_string(),
                })
                .collect();
            let matches_prefix = |full: &[String]| {
                full.len() >= path.len() && path.iter().zip(full).all(|(a, b)| a == b)
            };
            match &patch.action {
                PatchAction::PutMap { key, value, .. } => {
                    let mut full = keys.clone();
                    full.push(key.clone());
                    if full.len() == path.len() && matches_prefix(&full) {
                        what.push(match value.0 {
                            automerge::Value::Object(_) => "新增".to_string(),
                            _ => value_text(&value.0),
                        });
                    } else if full.len() > path.len() && matches_prefix(&full) {
                        let v = value_text(&value.0);
                        if !v.is_empty() {
                            what.push(format!("{}：{v}", field_label(key)));
                        }
                    }
                }
                _ => {
                    if matches_prefix(&keys) {
                        what.push("修改".into());
                    }
                }
            }
        }
        if what.is_empty() {
            continue;
        }
        let (by, by_name) = accounts(&actor);
        let when = chrono::DateTime::from_timestamp(time + 8 * 3600, 0)
            .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        out.push(HistoryEntry {
            at: time,
            when,
            by,
            by_name,
            what,
        });
    }
    out
}

async fn history(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    let kind = kind_of(&segment)?;
    let out = blocking(move || {
        let book = load_book(&state)?;
        if book.status_of(kind, &id).is_none() {
            return Err(AppError::NotFound(format!(
                "没有编码为 {id} 的{}",
                kind.label()
            )));
        }
        item_scope(kind, id.clone())(&user, &book)?;
        let store = state.auth().store();
        let names = |actor: &automerge::ActorId| -> (String, String) {
            match store.actor_owner(&actor.to_hex_string()).ok().flatten() {
                Some(owner) => {
                    let name = store
                        .get(&owner)
                        .ok()
                        .flatten()
                        .map(|a| a.name)
                        .unwrap_or_else(|| owner.clone());
                    (owner, name)
                }
                None => (String::new(), "系统".into()),
            }
        };
        let map = match kind {
            ItemKind::Committee => "committees",
            ItemKind::Branch => "branches",
            ItemKind::Place => "places",
            ItemKind::Person if book.registry.staff.contains_key(&id) => "staff",
            ItemKind::Person => "people",
        };
        let mut registry = state.hub().snapshot(&DocId::Registry)?;
        let mut out = item_changes(&mut registry, &[map, id.as_str()], &names);
        let mut office = state.hub().snapshot(&DocId::Office)?;
        match kind {
            ItemKind::Person => {
                for mut h in item_changes(&mut office, &["contacts", id.as_str()], &names) {
                    h.what = h.what.into_iter().map(|w| format!("手机号：{w}")).collect();
                    out.push(h);
                }
            }
            ItemKind::Place => {
                for t in TieIn::ALL {
                    let tag_id = format!("{id}-{}", t.code());
                    for mut h in item_changes(&mut office, &["tags", tag_id.as_str()], &names) {
                        h.what = vec![format!("五个结合：{}", t.label())];
                        out.push(h);
                    }
                }
            }
            _ => {}
        }
        out.sort_by_key(|h| h.at);
        Ok(out)
    })
    .await?;
    Ok(Json(out))
}

// ---- workbook ----

fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn template(Manager(_user): Manager) -> Result<Response, AppError> {
    let bytes =
        blocking(|| sheet::write(None).map_err(|e| AppError::Internal(format!("xlsx: {e}"))))
            .await?;
    Ok(xlsx(bytes, "registry-template.xlsx"))
}

async fn export(
    State(state): State<AppState>,
    Manager(user): Manager,
) -> Result<Response, AppError> {
    may(&user, None)?;
    let bytes = blocking(move || {
        let book = load_book(&state)?;
        sheet::write(Some(&book)).map_err(|e| AppError::Internal(format!("xlsx: {e}")))
    })
    .await?;
    Ok(xlsx(bytes, "registry.xlsx"))
}

#[derive(Deserialize)]
struct ImportQuery {
    dry_run: Option<bool>,
}

/// What each person's phones still hold unsynced, from sync health.
fn unsynced_by_person(state: &AppState) -> HashMap<String, u32> {
    let mut out: HashMap<String, u32> = HashMap::new();
    for (_, _, report) in state.hub().devices() {
        if let Some(user) = report.user {
            *out.entry(user).or_default() += report.pending;
        }
    }
    out
}

async fn import(
    State(state): State<AppState>,
    Manager(user): Manager,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, AppError> {
    may(&user, None)?;
    let dry_run = q.map_err(AppError::query)?.0.dry_run.unwrap_or(true);
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(shared::wire::MAX_BODY_BYTES)
        } else {
            AppError::BadRequest("没有收到文件，请重新选择工作簿后上传".into())
        }
    })?;
    let report = blocking(move || {
        let _one = WRITING.lock().unwrap_or_else(|e| e.into_inner());
        let current = load_book(&state)?;
        let unsynced = unsynced_by_person(&state);
        let done = sheet::import(&body, &current, &unsynced, dry_run);
        if done.report.ok && !dry_run && done.book != current {
            store_book(&state, &user.account.id, &current, &done.book).map_err(|e| match e {
                AppError::Storage(e) => {
                    tracing::error!(error = %e, "import not stored");
                    AppError::NotStored(
                        "服务器存储暂时不可用，本次导入没有写入任何内容，请稍后重新导入".into(),
                    )
                }
                e => e,
            })?;
            tracing::info!(by = %user.account.id, summary = ?done.report.summary, "registry imported");
        }
        Ok(done.report)
    })
    .await?;
    Ok(Json(report))
}

// ---- accounts ----

#[derive(Deserialize, Default)]
struct AccountQuery {
    branch: Option<String>,
    committee: Option<String>,
}

/// Each person's last sync, from sync health.
fn last_sync_by_person(state: &AppState) -> HashMap<String, i64> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for (_, last, report) in state.hub().devices() {
        if let Some(user) = report.user {
            let e = out.entry(user).or_default();
            *e = (*e).max(last);
        }
    }
    out
}

fn in_scope(user: &User, book: &Book, m: &Member) -> bool {
    match m.identity {
        Identity::OfficeStaff => access::may_edit_registry(&user.position(), None),
        _ => access::may_edit_registry(
            &user.position(),
            access::committee_of(&book.registry, &m.org),
        ),
    }
}

async fn accounts(
    State(state): State<AppState>,
    Manager(user): Manager,
    q: Result<Query<AccountQuery>, QueryRejection>,
) -> Result<Json<Vec<AccountRow>>, AppError> {
    let q = q.map_err(AppError::query)?.0;
    let out = blocking(move || {
        let book = load_book(&state)?;
        let store = state.auth().store();
        let accounts: BTreeMap<String, Account> = store
            .list()?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let extras = store.all_extras()?;
        let codes = store.all_activations()?;
        let syncs = last_sync_by_person(&state);
        let now = now_secs();
        let mut rows = Vec::new();
        let mut listed = BTreeSet::new();
        for m in book.members() {
            if !in_scope(&user, &book, &m) {
                continue;
            }
            if q.branch.as_ref().is_some_and(|b| *b != m.org) {
                continue;
            }
            if q.committee
                .as_ref()
                .is_some_and(|c| access::committee_of(&book.registry, &m.org) != Some(c.as_str()))
            {
                continue;
            }
            listed.insert(m.id.clone());
            let account = accounts.get(&m.id);
            let pos = account
                .map(|a| Position {
                    role: a.role,
                    org: a.org.clone(),
                })
                .unwrap_or_else(|| position_of(&m));
            let extra = extras.get(&m.id).cloned().unwrap_or_default();
            rows.push(AccountRow {
                person: m.id.clone(),
                name: m.name.clone(),
                role: pos.role.code().into(),
                role_label: pos.role.label().into(),
                org_name: org_name(&book, &pos.org),
                org: pos.org,
                phone: book
                    .phones
                    .get(&m.id)
                    .cloned()
                    .or_else(|| account.map(|a| a.phone.clone()))
                    .unwrap_or_default(),
                has_account: account.is_some(),
                enabled: !extra.disabled,
                activation_pending: codes.get(&m.id).is_some_and(|e| *e > now),
                last_login: extra.last_login,
                last_sync: syncs.get(&m.id).copied().unwrap_or(0),
                in_registry: m.status.is_active(),
                failed_logins: 0,
            });
        }
        // County accounts not (yet) in the registry: administrators made before it.
        if access::may_edit_registry(&user.position(), None) && q.branch.is_none() {
            for a in accounts.values().filter(|a| !listed.contains(&a.id)) {
                if !a.role.is_field() && a.role != AccountRole::CommitteeStaff {
                    let extra = extras.get(&a.id).cloned().unwrap_or_default();
                    rows.push(AccountRow {
                        person: a.id.clone(),
                        name: a.name.clone(),
                        role: a.role.code().into(),
                        role_label: a.role.label().into(),
                        org: a.org.clone(),
                        org_name: org_name(&book, &a.org),
                        phone: a.phone.clone(),
                        has_account: true,
                        enabled: !extra.disabled,
                        activation_pending: codes.get(&a.id).is_some_and(|e| *e > now),
                        last_login: extra.last_login,
                        last_sync: syncs.get(&a.id).copied().unwrap_or(0),
                        in_registry: false,
                        failed_logins: 0,
                    });
                }
            }
        }
        for row in rows.iter_mut().filter(|r| !r.phone.is_empty()) {
            row.failed_logins = state.auth().recent_login_failures(&row.phone, now)?;
        }
        Ok(rows)
    })
    .await?;
    Ok(Json(out))
}

/// Makes (or keeps) the account of a registry person and issues a new code for it.
fn slip_for(state: &AppState, user: &User, book: &Book, id: &str) -> Result<LoginSlip, AppError> {
    let m = book
        .member(id)
        .ok_or_else(|| AppError::NotFound(format!("名册中没有编码为 {id} 的人员")))?;
    if !in_scope(user, book, &m) {
        return Err(AppError::Forbidden(
            "只能为本党（工）委的人员办理账号".into(),
        ));
    }
    if !m.status.is_active() {
        return Err(AppError::BadRequest(format!(
            "{}（{id}）已停用，不能办理账号",
            m.name
        )));
    }
    let auth = state.auth();
    let existing = auth.store().get(id)?;
    // The registry's number; an account made before the registry had one keeps its own.
    let phone = book
        .phones
        .get(id)
        .cloned()
        .or_else(|| existing.as_ref().map(|a| a.phone.clone()))
        .unwrap_or_default();
    if !valid_phone(&phone) {
        return Err(AppError::BadRequest(format!(
            "{}（{id}）没有手机号，请先在信息库中填写",
            m.name
        )));
    }
    let pos = match &existing {
        Some(a) => Position {
            role: a.role,
            org: a.org.clone(),
        },
        None => position_of(&m),
    };
    if let Err(why) = access::check_position(&pos, &book.registry) {
        return Err(AppError::BadRequest(format!(
            "{}（{id}）暂不能办理账号：{why}（记录由机关、事业支部的党员填写）",
            m.name
        )));
    }
    if !access::may_manage(&user.position(), &pos, &book.registry) {
        return Err(AppError::Forbidden("无权为该单位或角色管理账号".into()));
    }
    match existing {
        Some(_) => {
            if auth.store().extra(id)?.disabled {
                return Err(AppError::BadRequest(format!(
                    "{}（{id}）的账号已停用，请先启用",
                    m.name
                )));
            }
        }
        None => {
            // No password anyone knows until the person sets theirs with the code.
            let mut raw = [0u8; 32];
            argon2::password_hash::rand_core::RngCore::fill_bytes(
                &mut argon2::password_hash::rand_core::OsRng,
                &mut raw,
            );
            let unusable = hash_password(&format!("{raw:?}"))?;
            auth.insert(
                &Account {
                    id: id.to_string(),
                    name: m.name.clone(),
                    phone: phone.clone(),
                    role: pos.role,
                    org: pos.org.clone(),
                    previous: None,
                    handover_until: 0,
                },
                &unusable,
            )?;
            tracing::info!(by = %user.account.id, account = %id, "account created from the registry");
        }
    }
    let (code, expires_at) = auth.issue_code(id, now_secs())?;
    let expires = chrono::DateTime::from_timestamp(expires_at + 8 * 3600, 0)
        .map(|d| d.naive_utc().format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    Ok(LoginSlip {
        person: id.to_string(),
        name: m.name.clone(),
        org_name: org_name(book, &pos.org),
        org: pos.org,
        phone,
        code,
        expires_at,
        expires,
    })
}

async fn one_slip(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(person): Path<String>,
) -> Result<Json<LoginSlip>, AppError> {
    let out = blocking(move || {
        let book = load_book(&state)?;
        slip_for(&state, &user, &book, &person)
    })
    .await?;
    Ok(Json(out))
}

async fn bulk_slips(
    State(state): State<AppState>,
    Manager(user): Manager,
    body: Result<Json<SlipRequest>, JsonRejection>,
) -> Result<Json<Vec<LoginSlip>>, AppError> {
    let req = json(body)?;
    let out = blocking(move || {
        let book = load_book(&state)?;
        let mut slips = Vec::new();
        for id in &req.people {
            slips.push(slip_for(&state, &user, &book, id)?);
        }
        if req.branch.is_some() || req.committee.is_some() {
            let extras = state.auth().store().all_extras()?;
            for m in book.members() {
                let in_group = req.branch.as_ref().is_some_and(|b| *b == m.org)
                    || req.committee.as_ref().is_some_and(|c| {
                        access::committee_of(&book.registry, &m.org) == Some(c.as_str())
                    });
                if !in_group || req.people.contains(&m.id) {
                    continue;
                }
                let extra = extras.get(&m.id).cloned().unwrap_or_default();
                if req.only_new && extra.last_login > 0 {
                    continue;
                }
                // A group's slips are for those who can have an account; the others
                // (no phone, village branches, disabled, other committees) are skipped.
                if let Ok(slip) = slip_for(&state, &user, &book, &m.id) {
                    slips.push(slip);
                }
            }
        }
        slips.sort_by(|a, b| (&a.org, &a.name, &a.person).cmp(&(&b.org, &b.name, &b.person)));
        Ok(slips)
    })
    .await?;
    Ok(Json(out))
}

fn account_row(state: &AppState, book: &Book, id: &str) -> Result<AccountRow, AppError> {
    let a = state
        .auth()
        .store()
        .get(id)?
        .ok_or_else(|| AppError::NotFound(format!("没有这个账号：{id}")))?;
    let extra = state.auth().store().extra(id)?;
    let code = state.auth().store().activation(id)?;
    Ok(AccountRow {
        person: a.id.clone(),
        name: a.name.clone(),
        role: a.role.code().into(),
        role_label: a.role.label().into(),
        org: a.org.clone(),
        org_name: org_name(book, &a.org),
        phone: a.phone.clone(),
        has_account: true,
        enabled: !extra.disabled,
        activation_pending: code.is_some_and(|(_, e)| e > now_secs()),
        last_login: extra.last_login,
        last_sync: last_sync_by_person(state).get(id).copied().unwrap_or(0),
        in_registry: book.member(id).is_some_and(|m| m.status.is_active()),
        failed_logins: state.auth().recent_login_failures(&a.phone, now_secs())?,
    })
}

async fn set_enabled(
    state: AppState,
    user: User,
    person: String,
    enabled: bool,
) -> Result<Json<AccountRow>, AppError> {
    let out = blocking(move || {
        let book = load_book(&state)?;
        let a = state
            .auth()
            .store()
            .get(&person)?
            .ok_or_else(|| AppError::NotFound(format!("没有这个账号：{person}")))?;
        if person == user.account.id {
            return Err(AppError::BadRequest("不能停用或启用自己的账号".into()));
        }
        let pos = Position {
            role: a.role,
            org: a.org.clone(),
        };
        if !access::may_manage(&user.position(), &pos, &book.registry) {
            return Err(AppError::Forbidden("无权为该单位或角色管理账号".into()));
        }
        if enabled && book.member(&person).is_some_and(|m| !m.status.is_active()) {
            return Err(AppError::BadRequest(
                "此人在信息库中已停用：请先在信息库中恢复为在用".into(),
            ));
        }
        state.auth().set_disabled(&person, !enabled)?;
        tracing::info!(by = %user.account.id, account = %person, enabled, "account enabled/disabled");
        account_row(&state, &book, &person)
    })
    .await?;
    Ok(Json(out))
}

async fn disable(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(person): Path<String>,
) -> Result<Json<AccountRow>, AppError> {
    set_enabled(state, user, person, false).await
}

async fn enable(
    State(state): State<AppState>,
    Manager(user): Manager,
    Path(person): Path<String>,
) -> Result<Json<AccountRow>, AppError> {
    set_enabled(state, user, person, true).await
}

/// `backend create-admin`: the first county administrator of a data directory, in the
/// registry as 组织部工作人员 (so the account list and history name them like anyone
/// else). Refused if an administrator with that phone exists. Returns the account id.
pub fn create_admin(
    state: &AppState,
    phone: &str,
    name: &str,
    password: &str,
) -> Result<String, AppError> {
    if !valid_phone(phone) {
        return Err(AppError::BadRequest("手机号应为 1 开头的 11 位数字".into()));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(AppError::BadRequest("请填写姓名（最多 32 字）".into()));
    }
    if password.chars().count() < crate::auth::MIN_PASSWORD_CHARS || password.len() > 256 {
        return Err(AppError::BadRequest(format!(
            "密码至少 {} 位",
            crate::auth::MIN_PASSWORD_CHARS
        )));
    }
    let auth = state.auth();
    if let Some((a, _)) = auth.store().by_phone(phone)? {
        return Err(AppError::Conflict(if a.role == AccountRole::Admin {
            format!("手机号 {phone} 已是管理员（{}）", a.name)
        } else {
            format!("手机号 {phone} 已有账号（{}，{}）", a.name, a.role.label())
        }));
    }
    let old = load_book(state)?;
    // The registry person with this phone, or a new 组织部工作人员.
    let id = old
        .phones
        .iter()
        .find(|(_, p)| p.as_str() == phone)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| format!("admin{phone}"));
    let mut new = old.clone();
    if new.member(&id).is_none() {
        new.put_member(&Member {
            id: id.clone(),
            name: name.to_string(),
            org: String::new(),
            identity: Identity::OfficeStaff,
            position: "县委组织部 管理员".into(),
            status: Status::Active,
        });
        new.phones.insert(id.clone(), phone.to_string());
    }
    let account = Account {
        id: id.clone(),
        name: name.to_string(),
        phone: phone.to_string(),
        role: AccountRole::Admin,
        org: String::new(),
        previous: None,
        handover_until: 0,
    };
    auth.insert(&account, &hash_password(password)?)?;
    if new != old {
        store_book(state, &id, &old, &new)?;
    }
    Ok(id)
}
