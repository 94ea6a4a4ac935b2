//! The 三联共建 server: syncs the phones' Automerge documents, keeps them durably, and
//! computes the county's merged views. `main.rs` only parses arguments and binds.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod county;
pub mod error;
pub mod headers;
pub mod hub;
pub mod limits;
pub mod office;
pub mod registry;
pub mod store;

use auth::store::{AccountStore, MemAccounts, SqliteAccounts};
use auth::{Auth, AuthConfig, User};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
pub use error::AppError;
use hub::{Hub, HubError};
use serde::Deserialize;
use shared::county::CountySummary;
use shared::demo::{self, DemoSpec};
use shared::domain::rules::Finding;
use shared::wire::{
    SyncRequest, WireError, MAX_BODY_BYTES, MAX_DOCS_PER_REQUEST, PROTOCOL_VERSION,
    SYNC_CONTENT_TYPE, SYNC_PATH,
};
use std::path::PathBuf;
use std::sync::Arc;
use store::{DocStore, MemStore, SqliteStore};
use tower_http::services::{ServeDir, ServeFile};

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the embedded database lives; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// The built frontend (Trunk's `dist/`), served with its precompressed files.
    pub assets_dir: Option<PathBuf>,
    /// Load the demo county into an empty store.
    pub demo: bool,
}

/// Where the accounts live: beside the documents, in the same SQLite file.
fn account_store(config: &Config) -> Result<Arc<dyn AccountStore>, AppError> {
    Ok(match &config.data_dir {
        Some(dir) => Arc::new(SqliteAccounts::open(&dir.join("sanlian.sqlite3"))?),
        None => Arc::new(MemAccounts::default()),
    })
}

#[derive(Clone)]
pub struct AppState {
    hub: Hub,
    auth: Auth,
    /// The one county view: `/api/county`, `/api/findings` and the office console all
    /// derive from one reading of the county per change.
    county: Arc<county::County>,
    assets_dir: Option<PathBuf>,
    rate: Arc<limits::DeviceRate>,
    /// Syncs doing Automerge and SQLite work at once; the rest wait their turn in line.
    sync_slots: Arc<tokio::sync::Semaphore>,
}

/// Enough syncs at once to fill the cores and a group commit, few enough that a burst of
/// phones does not become hundreds of blocking threads, each with its own stack and malloc
/// arena (at N = 1 000 phones that alone was ~150 MB of server memory).
const SYNC_SLOTS: usize = 16;

impl From<HubError> for AppError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::Store(e) => AppError::Storage(e),
            e @ HubError::Corrupt { .. } => AppError::Internal(e.to_string()),
        }
    }
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl AppState {
    pub fn open(config: Config) -> Result<Self, AppError> {
        Self::open_with(config, AuthConfig::default())
    }

    pub fn open_with(config: Config, auth_config: AuthConfig) -> Result<Self, AppError> {
        let auth = Auth::new(account_store(&config)?, auth_config)?;
        let store: Arc<dyn DocStore> = match &config.data_dir {
            Some(dir) => Arc::new(SqliteStore::open(&backup::db_path(dir))?),
            None => Arc::new(MemStore::default()),
        };
        Self::assemble(store, auth, config)
    }

    /// The state over a given document store, accounts in memory (`config.data_dir` is
    /// not read): tests put faults between the server and its disk this way.
    pub fn with_store(store: Arc<dyn DocStore>, config: Config) -> Result<Self, AppError> {
        let auth = Auth::new(Arc::new(MemAccounts::default()), AuthConfig::default())?;
        Self::assemble(store, auth, config)
    }

    fn assemble(store: Arc<dyn DocStore>, auth: Auth, config: Config) -> Result<Self, AppError> {
        let hub = Hub::new(store)?;
        if config.demo && hub.is_empty()? {
            tracing::info!("empty store: loading the demo county");
            hub.write_registry(&demo::registry(DemoSpec::SMALL), now_secs())?;
        }
        if config.demo && auth.store().is_empty()? {
            let n = auth::demo::seed(&auth, &hub.registry()?)?;
            tracing::info!(
                "created {n} demo accounts (password {:?}; phone numbers in README.md)",
                auth::demo::DEMO_PASSWORD
            );
        }
        Ok(AppState {
            hub,
            auth,
            county: Arc::default(),
            assets_dir: config.assets_dir,
            rate: Arc::new(limits::DeviceRate::default()),
            sync_slots: Arc::new(tokio::sync::Semaphore::new(SYNC_SLOTS)),
        })
    }

    /// Replaces the per-device sync rate limit (tests, load benchmarks).
    pub fn with_device_rate(mut self, rate: limits::DeviceRate) -> Self {
        self.rate = Arc::new(rate);
        self
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The office view of the merged county for a year and as-of day, computed once per
    /// change to the county (and per real day); `/api/findings` reads its findings.
    pub fn view(&self, year: i32, as_of: NaiveDate) -> Result<Arc<office::view::View>, AppError> {
        self.county.view(&self.hub, year, as_of)
    }

    /// The merged county's visits summary, made once per change from the same reading of
    /// the county as the views.
    pub fn county_summary(&self) -> Result<Arc<CountySummary>, AppError> {
        Ok(self.county.reading(&self.hub)?.summary())
    }
}

pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route(
            SYNC_PATH,
            post(sync).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/api/county", get(county))
        .route("/api/findings", get(findings))
        .route(shared::access::REGISTRY_SLICE_PATH, get(registry_slice))
        .route("/api/health", get(|| async { "ok" }))
        // The console's pages guard themselves: committee staff see their part (issue 18).
        .merge(office::routes(state.clone()))
        .merge(
            Router::new()
                // Which documents failed to load is the county's business too.
                .route("/api/admin/quarantine", get(backup::quarantine_listing))
                .route("/api/admin/audit", get(audit::listing))
                .route_layer(middleware::from_extractor_with_state::<
                    auth::routes::CountyReader,
                    AppState,
                >(state.clone())),
        )
        // The county's 信息库 (issue 13): its own guard, committee staff included.
        .merge(registry::routes())
        // Unknown API paths get a JSON error, never the app's index.html.
        .route(
            "/api/{*rest}",
            any(|| async { AppError::NotFound("没有这个接口".into()) }),
        );
    let router = headers::no_store(Router::new().merge(api).merge(auth::routes::routes()));
    let router = router.layer(middleware::from_fn_with_state(state.clone(), audit::record));
    let csp = headers::content_security_policy(state.assets_dir.as_deref());
    let router = match &state.assets_dir {
        Some(dir) => {
            let index = ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            let files = ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index);
            // The county office console (issue 18) is its own app in `dist/office/`: its
            // page for /office and every route under it, its hashed assets beside it.
            let office_dir = dir.join("office");
            let office_index = ServeFile::new(office_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            let office = ServeDir::new(office_dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(office_index);
            let version = app_version(dir);
            router
                .nest_service("/office", office)
                .fallback_service(files)
                .layer(middleware::from_fn(move |req, next| {
                    cache_headers(req, next, version.clone())
                }))
        }
        None => router,
    };
    headers::secure(router, &csp)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Trunk names built assets with a content hash, so they can be cached for good; anything
/// else (index.html, SPA routes) must be revalidated so a new version is picked up.
///
/// Every response also names the app version served (`x-app-version`), so a phone whose
/// service worker answers the page from its cache learns of a new version from the syncs
/// it makes anyway, without an extra request on each start.
async fn cache_headers(
    req: Request<axum::body::Body>,
    next: Next,
    version: Option<HeaderValue>,
) -> Response {
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    if let Some(v) = version {
        resp.headers_mut().insert(APP_VERSION_HEADER, v);
    }
    if path.starts_with("/api/") {
        return resp;
    }
    // A 304 refreshes the stored copy's headers, so it must say `immutable` too.
    let fresh = matches!(resp.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let value = if is_hashed_asset(&path) && fresh {
        "public, max-age=31536000, immutable"
    } else if path == "/sw.js" && fresh {
        // The browser's own update check reads the worker through the HTTP cache
        // (`updateViaCache: 'all'`), so it costs no request on every start; the app
        // re-fetches it when a sync reports a new version (Chromium caps this at a day).
        "max-age=86400"
    } else {
        "no-cache"
    };
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    // The same URL is served brotli, gzip or plain: shared caches must key on the encoding.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    resp
}

pub const APP_VERSION_HEADER: &str = "x-app-version";

/// The version of the app in `dist`: a digest of the page (which names every hashed
/// asset) and the service worker, so any rebuild or deploy changes it.
fn app_version(dist: &std::path::Path) -> Option<HeaderValue> {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for name in ["index.html", "sw.js"] {
        digest.update(std::fs::read(dist.join(name)).ok()?);
    }
    let hex = shared::ids::hex(&digest.finalize()[..8]);
    HeaderValue::from_str(&hex).ok()
}

fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        // Trunk prints its 64-bit hash without leading zeros: usually 16 hex digits, one in
        // sixteen builds 15, rarely fewer.
        .is_some_and(|(_, hash)| {
            (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

async fn sync(
    State(state): State<AppState>,
    user: User,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(MAX_BODY_BYTES),
        _ => {
            tracing::warn!(error = %e, "sync body unreadable");
            AppError::BadRequest("请求无法读取，请检查网络后重试".into())
        }
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != SYNC_CONTENT_TYPE {
        return Err(AppError::BadRequest(format!(
            "Content-Type 应为 {SYNC_CONTENT_TYPE}"
        )));
    }
    let req = SyncRequest::decode(&body).map_err(|e| match e {
        WireError::Version(v) => AppError::UnsupportedVersion(v),
        WireError::TooLarge => AppError::TooLarge(MAX_BODY_BYTES),
        e => AppError::BadRequest(e.to_string()),
    })?;
    if req.version != PROTOCOL_VERSION {
        return Err(AppError::UnsupportedVersion(req.version));
    }
    if req.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(AppError::BadRequest(format!(
            "一次最多同步 {MAX_DOCS_PER_REQUEST} 个文档"
        )));
    }
    if !shared::ids::is_plain_id(&req.device) {
        return Err(AppError::BadRequest("设备编号无效".into()));
    }
    state
        .rate
        .check(&req.device)
        .map_err(AppError::RateLimited)?;
    let hub = state.hub.clone();
    let auth = state.auth.clone();
    let arrived = std::time::Instant::now();
    let slot = state
        .sync_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Automerge and SQLite work is blocking and CPU-bound; keep it off the async workers.
    let resp = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let _slot = slot;
        let started = arrived.elapsed();
        // Sync health; now and then this writes a batch of it to the store.
        hub.note_device(&req.device, req.report.clone(), now_secs());
        if limits::changes_in(&req) > limits::MAX_CHANGES_PER_REQUEST {
            return Err(AppError::TooManyChanges(limits::MAX_CHANGES_PER_REQUEST));
        }
        let guard = auth.guard(&user, hub.shared_registry()?, now_secs())?;
        let guarded = arrived.elapsed();
        let resp = hub.sync(req, &guard)?;
        // Where a slow sync's time went: waiting for a slot and a thread, the access
        // check, the documents (load, lock, apply, commit).
        tracing::debug!(
            waited_ms = started.as_secs_f64() * 1e3,
            guard_ms = (guarded - started).as_secs_f64() * 1e3,
            sync_ms = (arrived.elapsed() - guarded).as_secs_f64() * 1e3,
            "sync"
        );
        Ok(resp)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(([(header::CONTENT_TYPE, SYNC_CONTENT_TYPE)], resp.encode()).into_response())
}

/// The most entries one county page lists; the cached summary holds no more than this.
pub(crate) const MAX_COUNTY_ENTRIES: usize = 1000;

#[derive(Deserialize)]
struct CountyQuery {
    limit: Option<usize>,
}

async fn county(
    State(state): State<AppState>,
    user: User,
    q: Result<Query<CountyQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    if !user.reads_county() {
        return Err(AppError::Forbidden("全县汇总仅供县委组织部查看".into()));
    }
    let Query(q) = q.map_err(AppError::query)?;
    let limit = q.limit.unwrap_or(200).min(MAX_COUNTY_ENTRIES);
    let s = tokio::task::spawn_blocking(move || state.county_summary())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let page = CountySummary {
        county: s.county.clone(),
        total: s.total,
        places: s.places.clone(),
        entries: s.entries.iter().take(limit).cloned().collect(),
    };
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
struct FindingsQuery {
    year: Option<i32>,
    /// `YYYY-MM-DD`; defaults to today (UTC+8, the county's day).
    as_of: Option<NaiveDate>,
    /// Only findings about this id (person, branch, place, committee), on either side.
    about: Option<String>,
}

#[derive(serde::Serialize)]
struct FindingsPage {
    year: i32,
    as_of: NaiveDate,
    total: usize,
    findings: Vec<Finding>,
}

/// The county's clock: the server may run in UTC, the county lives in UTC+8.
pub(crate) fn county_now() -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(now_secs() + 8 * 3600, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn county_today() -> NaiveDate {
    county_now().date()
}

/// The year and "as of" day a county view asks for: today and its year by default.
pub(crate) fn year_and_day(
    year: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Result<(i32, NaiveDate), AppError> {
    let as_of = as_of.unwrap_or_else(county_today);
    let year = year.unwrap_or(as_of.year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::BadRequest(
            "年份有误，应在 2000 至 2100 之间".into(),
        ));
    }
    Ok((year, as_of))
}

/// The notice's rules over the merged data of the whole county, or of one subject.
async fn findings(
    State(state): State<AppState>,
    user: User,
    q: Result<Query<FindingsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = q.map_err(AppError::query)?;
    // Everyone sees the findings about themselves and their own branch; the county all.
    let own = q
        .about
        .as_ref()
        .is_some_and(|a| *a == user.account.id || *a == user.account.org);
    if !user.reads_county() && !own {
        return Err(AppError::Forbidden("只能查看本人或本支部的情况".into()));
    }
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    // The office view's findings: the list the console counts and lists is this list.
    let view = tokio::task::spawn_blocking(move || state.view(year, as_of))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let all = &view.findings;
    let findings: Vec<Finding> = match &q.about {
        Some(id) => all.iter().filter(|f| f.concerns(id)).cloned().collect(),
        None => all.to_vec(),
    };
    Ok(Json(FindingsPage {
        year,
        as_of,
        total: findings.len(),
        findings,
    })
    .into_response())
}

/// The version of the slice rules (`shared::access::registry_slice`): bumped when they
/// change, so every phone's stored slice is replaced at its next sync.
const SLICE_VERSION: &str = "sanlian registry slice v1";

/// The `ETag` of a caller's registry slice: what it is computed from, the registry's
/// version (its heads) and the caller's positions (which change with a move and again
/// when the handover ends).
fn slice_etag(heads: &[automerge::ChangeHash], positions: &[shared::access::Position]) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(SLICE_VERSION);
    let mut heads = heads.to_vec();
    heads.sort();
    for h in &heads {
        digest.update(h.0);
    }
    for p in positions {
        digest.update([0]);
        digest.update(p.role.code());
        digest.update([0]);
        digest.update(&p.org);
    }
    format!("\"{}\"", shared::ids::hex(&digest.finalize()[..16]))
}

/// Whether `If-None-Match` names `etag` (a list of tags, weak or strong, or `*`).
fn none_match_hits(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// Whether the client takes a gzip'd body (`Accept-Encoding`, a `q=0` refuses it).
fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)
        .and_then(|()| enc.finish())
        .expect("gzip into a Vec cannot fail")
}

/// Issue 15: what of the registry the caller's phone holds (`shared::access::registry_slice`:
/// every organisation and place, the people of the branches they may read), as JSON with
/// an `ETag`; `304` when the phone already holds it. Phones no longer sync the registry
/// document, which names every party member of the county.
async fn registry_slice(
    State(state): State<AppState>,
    user: User,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let positions = user.positions(now_secs());
    let hub = state.hub.clone();
    let gzipped = accepts_gzip(&headers);
    let reply = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let (heads, registry) = hub.registry_at_heads()?;
        let etag = slice_etag(&heads, &positions);
        if none_match_hits(&headers, &etag) {
            return Ok((etag, None));
        }
        let slice = shared::access::registry_slice(&positions, &registry);
        let body = serde_json::to_vec(&slice).map_err(|e| AppError::Internal(e.to_string()))?;
        // Its names and field keys repeat: gzip'd it is a tenth (BENCHMARKS.md, issue 15),
        // less than the deflated registry document phones synced before.
        Ok((etag, Some(if gzipped { gzip(&body) } else { body })))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let (etag, body) = reply;
    let etag = HeaderValue::from_str(&etag).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(body) = body else {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    };
    let mut resp = (
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    if gzipped {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, app_version, is_hashed_asset, none_match_hits};
    use axum::http::{header, HeaderMap, HeaderValue};

    fn with(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn issue_15_if_none_match_and_accept_encoding_are_read_as_lists() {
        let tag = "\"abc\"";
        for hit in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            assert!(
                none_match_hits(&with(header::IF_NONE_MATCH, hit), tag),
                "{hit}"
            );
        }
        for miss in ["\"abcd\"", "abc", ""] {
            assert!(
                !none_match_hits(&with(header::IF_NONE_MATCH, miss), tag),
                "{miss}"
            );
        }
        assert!(!none_match_hits(&HeaderMap::new(), tag));
        for yes in ["gzip, deflate, br", "br;q=1.0, GZIP;q=0.5", "*"] {
            assert!(accepts_gzip(&with(header::ACCEPT_ENCODING, yes)), "{yes}");
        }
        for no in ["br", "gzip;q=0", "identity", "x-gzip2"] {
            assert!(!accepts_gzip(&with(header::ACCEPT_ENCODING, no)), "{no}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn issue_5_a_changed_page_or_worker_is_a_new_app_version() {
        let dist = tempfile::tempdir().expect("temp dir");
        assert_eq!(app_version(dist.path()), None, "no app, no version");
        std::fs::write(dist.path().join("index.html"), "<html>1</html>").unwrap();
        std::fs::write(dist.path().join("sw.js"), "const VERSION = 2;").unwrap();
        let first = app_version(dist.path()).expect("a version");
        assert_eq!(app_version(dist.path()), Some(first.clone()), "stable");
        std::fs::write(dist.path().join("sw.js"), "const VERSION = 3;").unwrap();
        let second = app_version(dist.path()).expect("a version");
        assert_ne!(first, second);
        std::fs::write(dist.path().join("index.html"), "<html>2</html>").unwrap();
        assert_ne!(app_version(dist.path()), Some(second));
    }

    #[test]
    fn issue_5_hashes_without_leading_zeros_still_count_as_hashed() {
        assert!(is_hashed_asset("/frontend-b1d40de3373dcfb.js"), "15 digits");
        assert!(is_hashed_asset("/frontend-0b1d40de3373dcfb_bg.wasm"));
        assert!(is_hashed_asset("/style-9f86d081884c7d65.css"));
        for plain in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/icon-192.png",
        ] {
            assert!(!is_hashed_asset(plain), "{plain} must be revalidated");
        }
    }
}
