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
    #[error("登录尝试过于频繁，请 {}后再试", wait_text(*.0))]
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
    /// The disk failed during an office change that stored nothing (issue 13): the
    /// message says what the clerk should do, the cause goes to the log.
    #[error("{0}")]
    NotStored(String),
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
            AppError::NotStored(m) => (StatusCode::SERVICE_UNAVAILABLE, m.clone()),
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

/// The parameter or field a refused query string or JSON body got wrong, as axum's
/// extractors found it (they deserialize through `serde_path_to_error`): read from the
/// error's structure, never from its English text. `None` when the whole input was bad.
fn bad_path(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        let path = e
            .downcast_ref::<serde_path_to_error::Error<serde_urlencoded::de::Error>>()
            .map(|e| e.path().to_string())
            .or_else(|| {
                e.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
                    .map(|e| e.path().to_string())
            });
        if let Some(path) = path {
            return (!path.is_empty() && path != ".").then_some(path);
        }
        next = e.source();
    }
    None
}

impl AppError {
    /// A query string that does not read, in Chinese: which parameter, never the parser's text.
    pub fn query(rejection: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(match bad_path(&rejection) {
            Some(name) => format!("查询参数 {name} 的值有误"),
            None => "查询参数有误".into(),
        })
    }

    /// A JSON body that does not read, in Chinese, starting with what the body is
    /// (e.g. 「登录信息」): which field, or that it is no JSON at all.
    pub fn json(what: &str, rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        AppError::BadRequest(match &rejection {
            R::MissingJsonContentType(_) => {
                format!("{what}无法读取：Content-Type 应为 application/json")
            }
            R::JsonSyntaxError(_) => format!("{what}无法读取：不是有效的 JSON"),
            R::BytesRejection(_) => format!("{what}无法读取：请求不完整或过大"),
            _ => match bad_path(&rejection) {
                Some(field) => format!("{what}无法读取：字段 {field} 缺失或格式不对"),
                None => format!("{what}无法读取：缺少必填字段或格式不对"),
            },
        })
    }
}

/// 「N 秒」 under a minute, else 「N 分钟」 rounded up.
fn wait_text(secs: i64) -> String {
    if secs < 60 {
        format!("{} 秒", secs.max(1))
    } else {
        format!("{} 分钟", (secs + 59) / 60)
    }
}
