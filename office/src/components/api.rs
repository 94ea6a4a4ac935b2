//! How the county office's pages talk to the server: JSON GETs under `/api/office/`, with
//! the year and as-of day carried in every page's query string so a drill-down keeps them.

use gloo_net::http::Request;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::sync::Arc;

/// A reply the console cannot read (a server of another version, a proxy's page): the
/// user is told so in Chinese; the parser's own text goes to the console for whoever
/// looks into it, never onto the page.
fn unreadable(e: impl std::fmt::Display) -> String {
    leptos::logging::error!("reply: {e}");
    "服务器回复无法读取，请刷新页面后再试".to_string()
}

pub async fn fetch_json<T: DeserializeOwned>(url: String) -> Result<T, String> {
    let text = fetch_text(url).await?;
    parse(&text).map_err(unreadable)
}

/// The request itself, once for every type: `fetch_json::<T>` only adds the parse, so the
/// wasm holds one copy of the request's future instead of one per page.
async fn fetch_text(url: String) -> Result<String, String> {
    let resp = Request::get(&url)
        .header("Authorization", &crate::auth::bearer())
        .send()
        .await
        .map_err(|_| "无法连接服务器，信息库需要联网查看".to_string())?;
    if !resp.ok() {
        return Err(crate::auth::error_text(&resp).await);
    }
    resp.text().await.map_err(unreadable)
}

/// Every reply is read in two steps: the text into a `serde_json::Value` (one parser in
/// the wasm), then the value into `T`, rather than a text parser inlined into every type's
/// `Deserialize` (measured 0.6 KiB brotli smaller; BENCHMARKS.md, issue 18).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(serde_json::from_str::<serde_json::Value>(text)?)
}

/// Fetches a file with the login and hands it to the browser's downloads: a plain link
/// would go without the `Authorization` header and be refused. Returns the file name and
/// its size.
pub async fn download(url: String) -> Result<(String, usize), String> {
    let resp = Request::get(&url)
        .header("Authorization", &crate::auth::bearer())
        .send()
        .await
        .map_err(|_| "无法连接服务器，下载需要联网".to_string())?;
    if !resp.ok() {
        return Err(crate::auth::error_text(&resp).await);
    }
    let name = resp
        .headers()
        .get("content-disposition")
        .and_then(|d| file_name(&d))
        .unwrap_or_else(|| "三联共建.xlsx".to_string());
    let kind = resp.headers().get("content-type").unwrap_or_default();
    let bytes = resp.binary().await.map_err(|e| {
        leptos::logging::error!("download: {e}");
        "下载中断，请重试".to_string()
    })?;
    save(&bytes, &name, &kind).map_err(|_| "浏览器无法保存文件".to_string())?;
    Ok((name, bytes.len()))
}

/// `filename*=UTF-8''…` of a Content-Disposition (the Chinese name), else `filename="…"`.
fn file_name(disposition: &str) -> Option<String> {
    let mut plain = None;
    for part in disposition.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=UTF-8''") {
            if let Ok(s) = js_sys::decode_uri_component(v) {
                return Some(s.into());
            }
        } else if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_string());
        }
    }
    plain
}

fn save(bytes: &[u8], name: &str, kind: &str) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// Percent-encodes a query value (ids are plain, search text is not).
pub fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

/// `year=…&as_of=…` from the current page's query, to pass on to the API and to links.
pub fn period() -> Signal<String> {
    query_of(&["year", "as_of"])
}

/// `key=value&…` of those of `keys` the current page's query sets: the URL is where a
/// page's filters live (issue 18), so a filtered page reloads, bookmarks and goes back.
pub fn query_of(keys: &'static [&'static str]) -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || {
        q.with(|q| joined(keys.iter().map(|k| (*k, q.get(k).unwrap_or_default()))))
    })
}

/// `key=value&…` of the pairs whose value is not blank, values percent-encoded.
pub fn joined<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

/// A filter's field: its value in the page's query, again whenever the query changes
/// (back, forward, a link), while the user may edit it in between.
pub fn query_field(key: &'static str) -> RwSignal<String> {
    let q = use_query_map();
    let field = RwSignal::new(q.with_untracked(|q| q.get(key).unwrap_or_default()));
    Effect::new(move || field.set(q.with(|q| q.get(key).unwrap_or_default())));
    field
}

/// A GET as a resource: it fetches again whenever `url` changes (`None`: nothing to
/// fetch, resolved as an empty error that [`loaded`] shows as nothing). The reply is kept
/// as text and read as `T` where it is used, so every page shares one resource type: one
/// resource per reply type cost ~5–8 KB of wasm each (BENCHMARKS.md, issue 18).
pub struct Fetched<T> {
    text: LocalResource<Result<Arc<str>, String>>,
    read: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetched<T> {}

pub fn fetched<T>(url: impl Fn() -> Option<String> + Send + Sync + 'static) -> Fetched<T> {
    Fetched {
        text: text_resource(Signal::derive(url)),
        read: PhantomData,
    }
}

fn text_resource(url: Signal<Option<String>>) -> LocalResource<Result<Arc<str>, String>> {
    LocalResource::new(move || {
        let url = url.get();
        async move {
            match url {
                None => Err(String::new()),
                Some(url) => fetch_text(url).await.map(Arc::from),
            }
        }
    })
}

impl<T: DeserializeOwned> Fetched<T> {
    /// `None` while the first reply is awaited; tracked like any signal.
    pub fn get(&self) -> Option<Result<T, String>> {
        let text = self.text.get()?;
        Some(text.and_then(|t| parse(&t).map_err(unreadable)))
    }
}

/// Shows a loading line, the error, or the loaded value.
pub fn loaded<T: DeserializeOwned + 'static, V: IntoView + 'static>(
    res: Fetched<T>,
    show: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView {
    use leptos::either::EitherOf3;
    move || match res.get() {
        None => EitherOf3::A(view! { <p class="empty">"正在读取…"</p> }),
        Some(Err(e)) => {
            EitherOf3::B((!e.is_empty()).then(|| view! { <p class="warning" role="alert">{e}</p> }))
        }
        Some(Ok(v)) => EitherOf3::C(show(v)),
    }
}

/// A form's outcome line: what was done (`stamp`, a status) or the error (`warning`, an
/// alert). One function for every page, so the wasm holds one copy of this view instead of
/// two boxed ones per page (BENCHMARKS.md, issue 18).
pub fn notice(id: &'static str, m: Result<String, String>) -> impl IntoView {
    let (class, role, text) = match m {
        Ok(t) => ("stamp", "status", t),
        Err(e) => ("warning", "alert", e),
    };
    view! { <p id=id class=class role=role>{text}</p> }
}

/// "3/5" with the shortfall marked, for figures that should be complete.
pub fn ratio(done: usize, of: usize) -> impl IntoView {
    view! { <span class="ratio" class:short=done < of>{done} "/" {of}</span> }
}

/// Today in the browser's time zone, `YYYY-MM-DD` (a form's default; the server checks).
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}
