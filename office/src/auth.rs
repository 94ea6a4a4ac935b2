//! The console's login: the same `/api/login` as the phone's, kept under its own storage
//! key so logging in or out here never touches a phone session in the same browser (the
//! field app's `sanlian.session`, its documents and drafts).

use gloo_net::http::{Request, Response};
use shared::access::AccountRole;
use shared::registry_admin::Session;

const KEY: &str = "sanlian.office-session";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The saved login, if it has not expired. The console is online-only, so unlike the
/// phone there is no grace: an expired token would be refused by every request anyway.
pub fn load() -> Option<Session> {
    let text = storage()?.get_item(KEY).ok()??;
    crate::components::api::parse::<Session>(&text)
        .ok()
        .filter(|s| s.expires_at > now_secs())
}

/// `Authorization` header value of the saved login.
pub fn bearer() -> String {
    load().map_or_else(String::new, |s| format!("Bearer {}", s.token))
}

/// Whether the console has anything for this role: the county office and administrators
/// see the county, committee staff their committee's branches (the server enforces it).
pub fn is_console_role(session: &Session) -> bool {
    matches!(
        AccountRole::from_code(&session.account.role),
        Some(AccountRole::OfficeStaff | AccountRole::Admin | AccountRole::CommitteeStaff)
    )
}

/// Whether the console's user is a committee's staff (issue 18): their pages show their
/// committee's part, and the county office's own (sync health, inspections) are hidden.
/// Only what is shown depends on it; the server scopes every answer by itself.
pub fn is_committee_staff() -> bool {
    load().is_some_and(|s| {
        AccountRole::from_code(&s.account.role) == Some(AccountRole::CommitteeStaff)
    })
}

/// The server's error for the user: its JSON `error` (Chinese), else the status. A 401
/// means the login ended (expired, revoked, logged out elsewhere): the saved session goes,
/// so the next start shows the login form instead of pages that all refuse.
pub async fn error_text(resp: &Response) -> String {
    if resp.status() == 401 {
        if let Some(s) = storage() {
            let _ = s.remove_item(KEY);
        }
    }
    resp.json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("服务器返回 {}", resp.status()))
}

/// Logs in and keeps the session, unless the account is a field role: those log their
/// records on the phone app, and a console session would only show refusals.
pub async fn login(phone: &str, password: &str) -> Result<Session, String> {
    let body = serde_json::json!({ "phone": phone, "password": password });
    let resp = Request::post("/api/login")
        .json(&body)
        .map_err(|_| "请求无法发送".to_string())?
        .send()
        .await
        .map_err(|_| "无法连接服务器，工作台需要联网".to_string())?;
    if !resp.ok() {
        return Err(error_text(&resp).await);
    }
    let session: Session = resp
        .text()
        .await
        .ok()
        .and_then(|text| crate::components::api::parse(&text).ok())
        .ok_or_else(|| "服务器回复无法读取".to_string())?;
    if !is_console_role(&session) {
        // The token is of no use here; end it rather than leave it on the server.
        end_on_server(&session.token).await;
        return Err(FIELD_ROLE.to_string());
    }
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(&session)) {
        let _ = s.set_item(KEY, &text);
    }
    Ok(session)
}

pub const FIELD_ROLE: &str =
    "工作台供县委组织部和党（工）委工作人员使用。支部书记、联点领导和党员请在手机上打开 “三联共建” 记录（网址 /）。";

async fn end_on_server(token: &str) {
    let _ = Request::post("/api/logout")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await;
}

/// Ends the session here first, then on the server if it can be reached: a page loaded
/// while the server is asked (a reload, another tab) must find no dead session to use.
pub async fn logout() {
    let saved = load();
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
    if let Some(s) = saved {
        end_on_server(&s.token).await;
    }
}
