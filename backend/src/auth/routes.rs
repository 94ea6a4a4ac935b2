//! The account endpoints (JSON) and the bearer-token extractor every protected route uses.

use super::store::Account;
use super::{hash_password, valid_phone, LoginOk, User, MIN_PASSWORD_CHARS};
use crate::error::AppError;
use crate::{now_secs, AppState};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use shared::access::{self, AccountRole, Position};
use std::net::{IpAddr, SocketAddr};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/activate", post(activate))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/actors", post(register_actors))
        .route("/api/accounts", post(create_account))
        .route("/api/accounts/{id}/reassign", post(reassign))
        .route("/api/accounts/{id}/revoke", post(revoke))
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(value) = value else {
            tracing::warn!(path = %parts.uri.path(), "request without a login");
            return Err(AppError::Unauthorized("请先登录".into()));
        };
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(|| AppError::Unauthorized("登录凭证格式有误，请重新登录".into()))?;
        let auth = state.auth().clone();
        let token = token.to_string();
        tokio::task::spawn_blocking(move || auth.authenticate(&token, now_secs()))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

/// A user who reads the whole county (county office staff, administrators): guards the
/// county office's API.
pub struct CountyReader(pub User);

impl FromRequestParts<AppState> for CountyReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = User::from_request_parts(parts, state).await?;
        if !user.reads_county() {
            tracing::warn!(user = %user.account.id, path = %parts.uri.path(), "county office API refused");
            return Err(AppError::Forbidden("仅供县委组织部使用".into()));
        }
        Ok(CountyReader(user))
    }
}

/// Whose part of the county an office console page may show (issue 18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficeScope {
    /// The county office and administrators: everything.
    County,
    /// A 党（工）委's staff: its branches, their people and records, its places.
    Committee(String),
}

impl OfficeScope {
    /// The committee a scoped page is limited to, `None` for the county.
    pub fn committee(&self) -> Option<&str> {
        match self {
            OfficeScope::County => None,
            OfficeScope::Committee(c) => Some(c),
        }
    }

    /// Whether this scope covers `committee`'s part of the county.
    pub fn covers(&self, committee: &str) -> bool {
        self.committee().is_none_or(|c| c == committee)
    }
}

/// A caller of the console's drill-down pages: the county office (everything), or
/// committee staff, who 指导和督查 their branches and so see those — the same pages,
/// scoped by the server, never by the console. Everyone else is refused.
pub struct OfficeReader(pub User, pub OfficeScope);

impl FromRequestParts<AppState> for OfficeReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = User::from_request_parts(parts, state).await?;
        if user.reads_county() {
            return Ok(OfficeReader(user, OfficeScope::County));
        }
        if user.account.role == AccountRole::CommitteeStaff && !user.account.org.is_empty() {
            let scope = OfficeScope::Committee(user.account.org.clone());
            return Ok(OfficeReader(user, scope));
        }
        tracing::warn!(user = %user.account.id, path = %parts.uri.path(), "office API refused");
        Err(AppError::Forbidden(
            "仅供县委组织部和党（工）委工作人员使用".into(),
        ))
    }
}

pub(crate) fn json<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(t)| t)
        .map_err(|e| AppError::json("请求内容", e))
}

/// The client's address: the connection's, or behind a trusted proxy the one it appended.
pub(crate) fn client_ip(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<IpAddr> {
    if state.auth().config().trust_proxy {
        // Only the entry the proxy appended can be trusted; earlier ones came from the client.
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|s| s.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip())
}

#[derive(Deserialize)]
struct LoginBody {
    phone: String,
    password: String,
    /// The Automerge actor ids this device writes with (hex).
    #[serde(default)]
    actors: Vec<String>,
    /// The phone's device id (as in its syncs): a device that logged in before is not
    /// slowed by failures from elsewhere (issue 15).
    #[serde(default)]
    device: Option<String>,
    /// The device's public signing key (hex, issue 15), registered for `actors`.
    #[serde(default)]
    key: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Json<LoginOk>, AppError> {
    let body = json(body)?;
    if !valid_phone(&body.phone) {
        return Err(AppError::BadRequest("手机号应为 11 位数字".into()));
    }
    if body.password.is_empty() || body.password.len() > 256 {
        return Err(AppError::BadRequest("请输入密码".into()));
    }
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(&state, &headers, peer);
    let auth = state.auth().clone();
    let ok = tokio::task::spawn_blocking(move || {
        auth.login_from(
            &body.phone,
            &body.password,
            ip,
            body.device.as_deref(),
            &body.actors,
            now_secs(),
        )
        .and_then(|ok| {
            if let Some(key) = &body.key {
                auth.register_key(&ok.account.id, &body.actors, key)?;
            }
            Ok(ok)
        })
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(ok))
}

/// First login with the code of a login slip (issue 13): sets the person's password.
async fn activate(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<Json<shared::registry_admin::ActivateRequest>, JsonRejection>,
) -> Result<Json<LoginOk>, AppError> {
    let body = json(body)?;
    if !valid_phone(&body.phone) {
        return Err(AppError::BadRequest("手机号应为 11 位数字".into()));
    }
    let code: String = body.code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() || code.len() > 32 {
        return Err(AppError::BadRequest("请输入登录凭条上的激活码".into()));
    }
    if body.password.chars().count() < MIN_PASSWORD_CHARS || body.password.len() > 256 {
        return Err(AppError::BadRequest(format!(
            "新密码至少 {MIN_PASSWORD_CHARS} 位"
        )));
    }
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(&state, &headers, peer);
    let auth = state.auth().clone();
    let ok = tokio::task::spawn_blocking(move || {
        let attempt = super::Attempt {
            phone: &body.phone,
            device: body.device.as_deref(),
            ip,
        };
        auth.activate(attempt, &code, &body.password, &body.actors, now_secs())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(ok))
}

async fn logout(State(state): State<AppState>, user: User) -> Result<StatusCode, AppError> {
    state.auth().logout(&user)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize)]
struct Me {
    account: Account,
    /// The documents this user's phone should hold.
    docs: Vec<String>,
    /// What the registry changed about this person (issue 13), e.g. 「您已调至 …」.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
}

async fn me(State(state): State<AppState>, user: User) -> Result<Json<Me>, AppError> {
    let registry = state.hub().registry()?;
    let docs = access::documents(&user.position(), &registry)
        .iter()
        .map(ToString::to_string)
        .collect();
    let extra = state.auth().store().extra(&user.account.id)?;
    Ok(Json(Me {
        notice: super::live_notice(&extra, now_secs()),
        account: user.account,
        docs,
    }))
}

#[derive(Deserialize)]
struct ActorsBody {
    actors: Vec<String>,
    /// The device's public signing key (hex, issue 15), registered for these actors.
    #[serde(default)]
    key: Option<String>,
}

/// A phone starts a new actor on each start (see frontend repo.rs); it registers it here
/// with its session before syncing what it wrote offline.
async fn register_actors(
    State(state): State<AppState>,
    user: User,
    body: Result<Json<ActorsBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let body = json(body)?;
    state.auth().bind_actors(&user.account.id, &body.actors)?;
    if let Some(key) = &body.key {
        state
            .auth()
            .register_key(&user.account.id, &body.actors, key)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewAccount {
    id: String,
    name: String,
    phone: String,
    role: String,
    #[serde(default)]
    org: String,
    password: String,
}

fn role(code: &str) -> Result<AccountRole, AppError> {
    AccountRole::from_code(code)
        .ok_or_else(|| AppError::BadRequest(format!("没有这个角色：{code}")))
}

/// Checks that `manager` may put someone at `target`, which must exist in the org tree.
fn authorise(state: &AppState, manager: &User, target: &Position) -> Result<(), AppError> {
    let registry = state.hub().registry()?;
    access::check_position(target, &registry).map_err(AppError::BadRequest)?;
    if !access::may_manage(&manager.position(), target, &registry) {
        tracing::warn!(manager = %manager.account.id, role = target.role.code(), org = %target.org, "account management refused");
        return Err(AppError::Forbidden("无权为该单位或角色管理账号".into()));
    }
    Ok(())
}

async fn create_account(
    State(state): State<AppState>,
    user: User,
    body: Result<Json<NewAccount>, JsonRejection>,
) -> Result<Response, AppError> {
    let body = json(body)?;
    if !shared::ids::is_plain_id(&body.id) {
        return Err(AppError::BadRequest(
            "账号编号只能用字母、数字、- 和 _".into(),
        ));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(AppError::BadRequest("请填写姓名（最多 32 字）".into()));
    }
    if !valid_phone(&body.phone) {
        return Err(AppError::BadRequest("手机号应为 11 位数字".into()));
    }
    if body.password.chars().count() < MIN_PASSWORD_CHARS || body.password.len() > 256 {
        return Err(AppError::BadRequest(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 位"
        )));
    }
    let target = Position {
        role: role(&body.role)?,
        org: body.org.clone(),
    };
    authorise(&state, &user, &target)?;
    // Issue 13: accounts are for the people of the registry (field roles: the person
    // whose id is the author of their records), so nobody is left at 「名册中还没有您的信息」.
    let registry = state.hub().registry()?;
    let in_use = registry
        .people
        .get(&body.id)
        .map(|p| p.status)
        .or_else(|| registry.staff.get(&body.id).map(|s| s.status));
    match in_use {
        Some(s) if s.is_active() => {}
        Some(_) => {
            return Err(AppError::BadRequest(format!(
                "编码为 {} 的人员已停用，不能办理账号",
                body.id
            )))
        }
        None if !target.role.is_field() && target.role != AccountRole::CommitteeStaff => {}
        None => {
            return Err(AppError::BadRequest(format!(
                "名册中没有编码为 {} 的人员：请先在信息库中添加",
                body.id
            )))
        }
    }
    let account = Account {
        id: body.id,
        name: name.to_string(),
        phone: body.phone,
        role: target.role,
        org: target.org,
        previous: None,
        handover_until: 0,
    };
    let auth = state.auth().clone();
    let created = account.clone();
    tokio::task::spawn_blocking(move || {
        let hash = hash_password(&body.password)?;
        auth.insert(&created, &hash)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    tracing::info!(by = %user.account.id, account = %account.id, "account created");
    Ok((StatusCode::CREATED, Json(account)).into_response())
}

#[derive(Deserialize)]
struct Reassign {
    role: String,
    #[serde(default)]
    org: String,
}

/// Handover: the manager must be allowed to manage both the old and the new position.
async fn reassign(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    body: Result<Json<Reassign>, JsonRejection>,
) -> Result<Json<Account>, AppError> {
    let body = json(body)?;
    let target = Position {
        role: role(&body.role)?,
        org: body.org,
    };
    let Some(current) = state.auth().store().get(&id)? else {
        return Err(AppError::NotFound(format!("没有这个账号：{id}")));
    };
    authorise(
        &state,
        &user,
        &Position {
            role: current.role,
            org: current.org.clone(),
        },
    )?;
    authorise(&state, &user, &target)?;
    Ok(Json(state.auth().reassign(&id, target, now_secs())?))
}

/// Ends every session of an account (a lost phone): by its managers or by the user.
async fn revoke(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    if id != user.account.id {
        let Some(target) = state.auth().store().get(&id)? else {
            return Err(AppError::NotFound(format!("没有这个账号：{id}")));
        };
        authorise(
            &state,
            &user,
            &Position {
                role: target.role,
                org: target.org,
            },
        )?;
    }
    let ended = state.auth().store().revoke_all(&id)?;
    tracing::info!(by = %user.account.id, account = %id, ended, "sessions revoked");
    Ok(Json(serde_json::json!({ "revoked": ended })))
}
