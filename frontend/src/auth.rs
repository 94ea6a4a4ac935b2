//! The phone's login: a bearer token kept in browser storage until it expires, so the app
//! works offline after one online login; and the Automerge actors this phone wrote with,
//! which the server must know are this user's before it accepts their changes.

use crate::storage;
use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub phone: String,
    /// `shared::access::AccountRole` code.
    pub role: String,
    pub org: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
    pub account: Account,
}

impl Session {
    pub fn role_label(&self) -> &'static str {
        shared::access::AccountRole::from_code(&self.account.role).map_or("", |r| r.label())
    }

    pub fn is_field(&self) -> bool {
        shared::access::AccountRole::from_code(&self.account.role).is_some_and(|r| r.is_field())
    }
}

const SESSION: &str = "session";
/// Actors this phone wrote with that the server has not confirmed yet.
const UNREGISTERED: &str = "actors.unregistered";

/// The saved login, if it has not expired.
pub fn load(now_secs: i64) -> Option<Session> {
    storage::get::<Session>(SESSION).filter(|s| s.expires_at > now_secs)
}

/// `Authorization` header value of the saved login, for the server's JSON APIs.
pub fn bearer() -> String {
    let now = js_sys::Date::now() as i64 / 1000;
    load(now).map_or_else(String::new, |s| format!("Bearer {}", s.token))
}

pub fn forget() {
    use gloo_storage::{LocalStorage, Storage};
    // `storage` prefixes every key with "sanlian.".
    LocalStorage::delete(format!("sanlian.{SESSION}"));
}

/// Remembers that this phone writes with `actor` until the server has registered it.
pub fn note_actor(actor: String) {
    let mut list: Vec<String> = storage::get(UNREGISTERED).unwrap_or_default();
    if !list.contains(&actor) {
        list.push(actor);
        let _ = storage::set(UNREGISTERED, &list);
    }
}

fn unregistered() -> Vec<String> {
    storage::get(UNREGISTERED).unwrap_or_default()
}

/// The server's error for the user: its JSON `error` (Chinese), else the status.
pub async fn error_text(resp: &Response) -> String {
    resp.json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("服务器返回 {}", resp.status()))
}

/// Logs in, registering every actor this phone wrote with.
pub async fn login(phone: &str, password: &str) -> Result<Session, String> {
    let actors = unregistered();
    let body = serde_json::json!({ "phone": phone, "password": password, "actors": actors });
    let resp = Request::post("/api/login")
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "无法连接服务器：首次登录需要联网".to_string())?;
    if !resp.ok() {
        return Err(error_text(&resp).await);
    }
    let session: Session = resp.json().await.map_err(|e| e.to_string())?;
    let _ = storage::set(SESSION, &session);
    let _ = storage::set(UNREGISTERED, &Vec::<String>::new());
    Ok(session)
}

/// Ends the session on the server if it can be reached, and on the phone in any case.
pub async fn logout(session: &Session) {
    let _ = Request::post("/api/logout")
        .header("Authorization", &format!("Bearer {}", session.token))
        .send()
        .await;
    forget();
}

pub enum RegisterError {
    Offline,
    /// The server refused the login: log in again.
    Unauthorized(String),
    Failed(String),
}

/// Registers the actors written with since the last registration; a no-op when there are none.
pub async fn register_actors(session: &Session) -> Result<(), RegisterError> {
    let actors = unregistered();
    if actors.is_empty() {
        return Ok(());
    }
    let resp = Request::post("/api/actors")
        .header("Authorization", &format!("Bearer {}", session.token))
        .json(&serde_json::json!({ "actors": actors }))
        .map_err(|e| RegisterError::Failed(e.to_string()))?
        .send()
        .await
        .map_err(|_| RegisterError::Offline)?;
    match resp.status() {
        204 => {
            let left: Vec<String> = unregistered()
                .into_iter()
                .filter(|a| !actors.contains(a))
                .collect();
            let _ = storage::set(UNREGISTERED, &left);
            Ok(())
        }
        401 => Err(RegisterError::Unauthorized(error_text(&resp).await)),
        _ => Err(RegisterError::Failed(error_text(&resp).await)),
    }
}
