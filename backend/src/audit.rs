//! The audit log of office actions (issue 15): every registry edit, import, account
//! change, inspection and form download, with who, when, what and from which client.
//!
//! It is kept in the account store's `audit` table, appended by a middleware over the
//! whole router (so no handler can forget it and a new office route is covered by its
//! path), read by administrators at `GET /api/admin/audit`, and never changed through the
//! API: there is no route that edits or deletes an entry.

use crate::auth::routes::client_ip;
use crate::auth::User;
use crate::error::AppError;
use crate::{now_secs, AppState};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::{Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::access::AccountRole;
use std::net::SocketAddr;

/// One office action as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Seconds since the epoch.
    pub at: i64,
    pub user: String,
    pub name: String,
    /// Method and path with its query, e.g. `POST /api/office/registry/import?dry_run=false`.
    pub action: String,
    /// The HTTP status it was answered with: refused attempts are logged too.
    pub status: u16,
    /// The client's address, as the login limits see it.
    pub client: String,
}

/// Whether a request is an office action: any change under the office, account and
/// administration APIs, and every download of a form or the registry.
fn is_office_action(method: &Method, path: &str) -> bool {
    let office = ["/api/office/", "/api/accounts", "/api/admin/"]
        .iter()
        .any(|p| path.starts_with(p));
    if !office || path == "/api/admin/audit" {
        return false;
    }
    *method != Method::GET || path.starts_with("/api/office/forms/") || path.ends_with(".xlsx")
}

/// Middleware: logs the office actions of logged-in users after they are answered.
/// Other requests (syncs above all) pass untouched: no second token check on a hot path.
pub async fn record(
    State(state): State<AppState>,
    req: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    if !is_office_action(&method, &path) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let user = User::from_request_parts(&mut parts, &state).await;
    let req = Request::from_parts(parts, body);
    let action = match req.uri().query() {
        Some(q) => format!("{method} {path}?{q}"),
        None => format!("{method} {path}"),
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client = client_ip(&state, req.headers(), peer).map_or_else(String::new, |i| i.to_string());
    let resp = next.run(req).await;
    // Without a login the request was refused before doing anything: nothing to audit.
    if let Ok(user) = user {
        let entry = AuditEntry {
            at: now_secs(),
            user: user.account.id.clone(),
            name: user.account.name.clone(),
            action,
            status: resp.status().as_u16(),
            client,
        };
        let auth = state.auth().clone();
        let stored = tokio::task::spawn_blocking(move || auth.store().append_audit(&entry)).await;
        if !matches!(stored, Ok(Ok(()))) {
            tracing::error!(user = %user.account.id, "audit entry not stored");
        }
    }
    resp
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<usize>,
}

/// `GET /api/admin/audit?limit=N`: the newest entries first, for administrators.
pub async fn listing(
    State(state): State<AppState>,
    user: User,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    if user.account.role != AccountRole::Admin {
        return Err(AppError::Forbidden("操作记录仅供县级管理员查看".into()));
    }
    let limit = q
        .map_err(AppError::query)?
        .0
        .limit
        .unwrap_or(500)
        .clamp(1, 5000);
    let auth = state.auth().clone();
    let entries = tokio::task::spawn_blocking(move || auth.store().audit(limit))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_actions_are_changes_and_downloads_not_views() {
        for (m, p) in [
            (Method::POST, "/api/office/registry/import"),
            (Method::POST, "/api/office/inspections"),
            (Method::POST, "/api/accounts"),
            (Method::POST, "/api/accounts/p1-2/revoke"),
            (Method::GET, "/api/office/forms/roster"),
            (Method::GET, "/api/office/registry/export.xlsx"),
        ] {
            assert!(is_office_action(&m, p), "{m} {p}");
        }
        for (m, p) in [
            (Method::GET, "/api/office/overview"),
            (Method::GET, "/api/admin/audit"),
            (Method::POST, "/api/sync"),
            (Method::POST, "/api/login"),
        ] {
            assert!(!is_office_action(&m, p), "{m} {p}");
        }
    }
}
