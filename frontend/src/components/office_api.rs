//! How the county office's pages talk to the server: JSON GETs under `/api/office/`, with
//! the year and as-of day carried in every page's query string so a drill-down keeps them.

use gloo_net::http::Request;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;

pub async fn fetch_json<T: DeserializeOwned>(url: String) -> Result<T, String> {
    let resp = Request::get(&url)
        .header("Authorization", &crate::auth::bearer())
        .send()
        .await
        .map_err(|_| "无法连接服务器，信息库需要联网查看".to_string())?;
    if !resp.ok() {
        return Err(crate::auth::error_text(&resp).await);
    }
    resp.json()
        .await
        .map_err(|e| format!("服务器回复无法读取：{e}"))
}

/// Percent-encodes a query value (ids are plain, search text is not).
pub fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

/// `year=…&as_of=…` from the current page's query, to pass on to the API and to links.
pub fn period() -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || {
        q.with(|q| {
            let mut out = Vec::new();
            for key in ["year", "as_of"] {
                if let Some(v) = q.get(key).filter(|v| !v.is_empty()) {
                    out.push(format!("{key}={}", enc(&v)));
                }
            }
            out.join("&")
        })
    })
}

/// Shows a loading line, the error, or the loaded value.
pub fn loaded<T: Clone + Send + Sync + 'static, V: IntoView + 'static>(
    res: LocalResource<Result<T, String>>,
    show: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match res.get() {
        None => view! { <p class="empty">"正在读取…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="warning">{e}</p> }.into_any(),
        Some(Ok(v)) => show(v).into_any(),
    }
}

/// "3/5" with the shortfall marked, for figures that should be complete.
pub fn ratio(done: usize, of: usize) -> impl IntoView {
    view! { <span class="ratio" class:short=done < of>{done} "/" {of}</span> }
}
