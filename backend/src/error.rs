use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Every error a request can end in. Its response names what the client can act on and
/// never leaks internals; those go to the log.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// No login, or one that has expired or been revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// The account was disabled by a manager (issue 13): login, activation and sync are
    /// refused with a message and code the phone shows as such.
    #[error("{}", shared::registry_admin::ACCOUNT_DISABLED_MESSAGE)]
    Disabled,
    /// Too many logins; the seconds until the next one may succeed.
    #[error("登录尝试过于频繁，请 {} 分钟后再试", (.0 + 59) / 60)]
    TooManyRequests(i64),
    #[error("请求过大：最多 {0} 字节")]
    TooLarge(usize),
    #[error("一次同步的更改过多：最多 {0} 条，请分批同步")]
    TooManyChanges(usize),
    #[error("同步过于频繁，请 {} 秒后再试", .0.as_secs().max(1))]
    RateLimited(std::time::Duration),
    #[error("同步协议版本 {0} 不受支持，请更新应用")]
    UnsupportedVersion(u16),
    #[error("storage: {0}")]
    Storage(#[from] crate::store::StoreError),
    #[error("document: {0}")]
    Document(#[from] shared::doc::DocError),
    #[error("internal: {0}")]
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, self.to_string()),
            AppError::TooLarge(_) | AppError::TooManyChanges(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, self.to_string())
            }
            AppError::RateLimited(wait) => {
                let secs = wait.as_secs().max(1).to_string();
                let mut resp = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(serde_json::json!({ "error": self.to_string() })),
                )
                    .into_response();
                if let Ok(v) = axum::http::HeaderValue::from_str(&secs) {
                    resp.headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, v);
                }
                return resp;
            }
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, self.to_string()),
            AppError::Disabled => {
                tracing::warn!("disabled account refused");
                return (
                    StatusCode::FORBIDDEN,
                    Json(serde_json::json!({
                        "error": self.to_string(),
                        "code": shared::registry_admin::ACCOUNT_DISABLED_CODE,
                    })),
                )
                    .into_response();
            }
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, self.to_string()),
            AppError::Conflict(_) => (StatusCode::CONFLICT, self.to_string()),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, self.to_string()),
            AppError::UnsupportedVersion(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            AppError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "服务器存储暂时不可用，数据仍保存在手机上，请稍后再同步".to_string(),
                )
            }
            AppError::Document(e) => {
                tracing::error!(error = %e, "stored document unreadable");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误".to_string(),
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误".to_string(),
                )
            }
        };
        if status.is_client_error() {
            tracing::warn!(%status, %message, "request refused");
        }
        let mut resp = (status, Json(serde_json::json!({ "error": message }))).into_response();
        if let AppError::TooManyRequests(secs) = self {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        resp
    }
}
