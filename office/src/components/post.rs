//! The county office's writes: JSON or a file as the body of a POST (or PUT) under `/api/office/`,
//! with the login token, answered by JSON. Errors are the server's Chinese message.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

async fn answer<T: DeserializeOwned>(req: RequestBuilder, body: Body<'_>) -> Result<T, String> {
    let text = answer_text(req, body).await?;
    // A 204 or an empty body is a plain "done".
    let text = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    crate::components::api::parse(text).map_err(|_| crate::i18n::t("office.bad_reply").to_string())
}

/// The request, once for every reply type (see `api::fetch_text`).
async fn answer_text(req: RequestBuilder, body: Body<'_>) -> Result<String, String> {
    let req = req.header("Authorization", &crate::auth::bearer());
    let req = match body {
        Body::Json(v) => req.json(&v),
        Body::Bytes(b, kind) => req
            .header("Content-Type", kind)
            .body(js_sys::Uint8Array::from(b)),
        Body::None => req.build(),
    }
    .map_err(|_| crate::i18n::t("office.bad_request").to_string())?;
    let resp = req
        .send()
        .await
        .map_err(|_| crate::i18n::t("office.offline").to_string())?;
    if !resp.ok() {
        return Err(crate::auth::error_text(&resp).await);
    }
    Ok(resp.text().await.unwrap_or_default())
}

enum Body<'a> {
    Json(serde_json::Value),
    Bytes(&'a [u8], &'a str),
    None,
}

pub async fn post_json<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, String> {
    let v = serde_json::to_value(body).map_err(|e| e.to_string())?;
    answer(Request::post(url), Body::Json(v)).await
}

pub async fn put_json<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, String> {
    let v = serde_json::to_value(body).map_err(|e| e.to_string())?;
    answer(Request::put(url), Body::Json(v)).await
}

pub async fn post_empty<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    answer(Request::post(url), Body::None).await
}

pub async fn post_bytes<T: DeserializeOwned>(
    url: &str,
    bytes: &[u8],
    content_type: &str,
) -> Result<T, String> {
    answer(Request::post(url), Body::Bytes(bytes, content_type)).await
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
