//! The county office (issue 6): the merged database's overview and drill-downs, the
//! official forms as JSON (printable page) and .xlsx, search, the year's assessment,
//! sync health, and the office's own inspections. Everything lives under `/api/office/`
//! so access control can gate the whole office in one place.
//!
//! Views are the one county view's (`crate::county`): computed from the county read once
//! per hub generation (and per year / as-of day) and kept; a new view reuses the old one's
//! per-document listings of documents that did not change. The browser receives summaries
//! and one page of records at a time.

pub mod forms;
pub mod view;

use crate::auth::routes::{CountyReader, OfficeReader, OfficeScope};
use crate::{county_now, county_today, now_secs, year_and_day, AppError, AppState};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use shared::domain::docs::{read_branch_records, read_committee};
use shared::domain::records::{Inspection, InspectionKind, TieIn};
use shared::history;
use shared::ids::DocId;
use shared::office::{DeviceHealth, HistoryRow, Named, PlanRow, Stamp, SyncHealth};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use view::Filter;

/// Devices not heard from for longer than this are listed as silent, unless asked otherwise.
const DEFAULT_SILENT_DAYS: i64 = 7;

/// The console's API. The drill-down, search, forms and assessment answer committee
/// staff too, scoped to their committee by [`OfficeReader`] (issue 18); sync health and
/// inspections are the county office's alone.
pub fn routes(state: AppState) -> Router<AppState> {
    let county_only = Router::new()
        .route("/api/office/sync-health", get(sync_health))
        .route("/api/office/inspections", post(add_inspection))
        .route_layer(middleware::from_extractor_with_state::<
            CountyReader,
            AppState,
        >(state));
    Router::new()
        .route("/api/office/overview", get(overview))
        .route("/api/office/committees/{id}", get(committee))
        .route("/api/office/branches/{id}", get(branch))
        .route("/api/office/people/{id}", get(person))
        .route("/api/office/search", get(search))
        .route("/api/office/assessment", get(assessment))
        .route("/api/office/forms/{name}", get(form))
        .route(
            "/api/office/records/{branch}/{id}/history",
            get(record_history),
        )
        .merge(county_only)
}

/// A record's 修改历史 for the drill-down (issue 18): every correction, old → new, who and
/// when, read from the branch document's changes by the phone's own reading
/// (`shared::history`), in words — codes as their labels, places and households by name.
async fn record_history(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    Path((branch, id)): Path<(String, String)>,
) -> Result<Json<Vec<HistoryRow>>, AppError> {
    let gone = {
        let id = id.clone();
        move || AppError::NotFound(format!("没有这条记录：{id}"))
    };
    let doc_id = DocId::branch(branch.clone()).map_err(|_| gone())?;
    let out = blocking(move || {
        let registry = state.hub().shared_registry()?;
        let Some(b) = registry.branches.get(&branch) else {
            return Err(gone());
        };
        if !scope.covers(&b.committee) {
            return Err(outside_scope());
        }
        let mut doc = state.hub().snapshot(&doc_id)?;
        let map = history::map_holding(&doc, &id).ok_or_else(gone)?;
        let kind = history::kind_of(&map);
        let records = read_branch_records(&doc).unwrap_or_default();
        let shown = |field: &str, v: &str| -> String {
            let named = match field {
                "place" => registry.places.get(v).map(|p| p.name.clone()),
                "partner" => registry.branches.get(v).map(|b| b.name.clone()),
                "target" => records.targets.get(v).map(|t| t.name.clone()),
                _ => kind
                    .and_then(|k| history::code_label(k, field, v))
                    .map(str::to_string),
            };
            named.unwrap_or_else(|| v.to_string())
        };
        Ok(history::record_history(&mut doc, &map, &id)
            .into_iter()
            .filter(history::tells)
            .map(|l| {
                let who = l.person.clone().unwrap_or_default();
                HistoryRow {
                    at: county_time(l.at_secs),
                    who: Named {
                        name: registry.person_name(&who).to_string(),
                        id: who,
                    },
                    field: history::field_label(&l.field).to_string(),
                    old: l.old.as_deref().map(|o| shown(&l.field, o)),
                    value: shown(&l.field, &l.value),
                }
            })
            .collect())
    })
    .await?;
    Ok(Json(out))
}

/// A committee's own plans of `year` from its document, by kind and date.
fn committee_plans(state: &AppState, id: &str, year: i32) -> Result<Vec<PlanRow>, AppError> {
    let Ok(doc_id) = DocId::committee(id.to_string()) else {
        return Ok(Vec::new());
    };
    let doc = state.hub().snapshot(&doc_id)?;
    let records = read_committee(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut plans: Vec<PlanRow> = records
        .plans
        .values()
        .filter(|p| !p.withdrawn && p.year == year)
        .map(|p| PlanRow {
            kind: p.kind.label().to_string(),
            status: p.status.label().to_string(),
            date: p.date.clone(),
            title: p.title.clone(),
        })
        .collect();
    view::sort_plans(&mut plans);
    Ok(plans)
}

/// `YYYY-MM-DD HH:MM` in the county's time (UTC+8) of a change's time.
fn county_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs + 8 * 3600, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// What committee staff are told when they ask for another committee's part.
fn outside_scope() -> AppError {
    AppError::Forbidden("只能查看本党（工）委所属的支部、人员和记录".into())
}

/// The committee a scoped request is for: the one asked for, which committee staff must
/// not set to another than theirs; for them, theirs when none is asked for.
fn scoped_committee(
    scope: &OfficeScope,
    asked: Option<String>,
) -> Result<Option<String>, AppError> {
    match (scope.committee(), asked) {
        (None, asked) => Ok(asked),
        (Some(mine), Some(asked)) if asked != mine => Err(outside_scope()),
        (Some(mine), _) => Ok(Some(mine.to_string())),
    }
}

/// "数据截至 …" now, with what phones last said they still hold.
pub fn stamp(state: &AppState) -> Stamp {
    let devices = state.hub().devices();
    let now = county_now();
    Stamp {
        data_as_of: now.format("%Y-%m-%d %H:%M").to_string(),
        unsynced: devices.iter().map(|(_, _, r)| r.pending as usize).sum(),
        devices: devices.len(),
    }
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i32>,
    as_of: Option<NaiveDate>,
    page: Option<usize>,
    committee: Option<String>,
}

fn parse<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, AppError> {
    q.map(|Query(q)| q).map_err(AppError::query)
}

/// Runs view work off the async workers: hydrating the county is CPU-bound.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn overview(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    // The county office may narrow the overview to one committee (a township is its
    // committee); committee staff have theirs, and asking for another is refused.
    let committee = scoped_committee(&scope, some(q.committee))?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let out = blocking(move || {
        let v = state.view(year, as_of)?;
        let Some(c) = committee else {
            return Ok(v.overview(stamp(&state)));
        };
        let mut o = v
            .overview_of(&c, stamp(&state))
            .ok_or_else(|| AppError::NotFound(format!("没有这个党委（工委）：{c}")))?;
        if scope.committee().is_none() {
            // Narrowed by the county office, which may choose another next.
            o.choices = v.committee_choices();
        }
        Ok(o)
    })
    .await?;
    Ok(Json(out).into_response())
}

async fn committee(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    Path(id): Path<String>,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    if !scope.covers(&id) {
        return Err(outside_scope());
    }
    let q = parse(q)?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let page = q.page.unwrap_or(0);
    let out = blocking(move || {
        let mut detail = state
            .view(year, as_of)?
            .committee(&id, page)
            .ok_or_else(|| AppError::NotFound(format!("没有这个党委（工委）：{id}")))?;
        detail.plans = committee_plans(&state, &id, year)?;
        Ok(detail)
    })
    .await?;
    Ok(Json(out).into_response())
}

async fn branch(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    Path(id): Path<String>,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let out = blocking(move || {
        let v = state.view(year, as_of)?;
        if scope.committee().is_some_and(|c| !v.branch_in(&id, c)) {
            return Err(outside_scope());
        }
        v.branch(&id)
            .ok_or_else(|| AppError::NotFound(format!("没有这个支部：{id}")))
    })
    .await?;
    Ok(Json(out).into_response())
}

async fn person(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    Path(id): Path<String>,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let page = q.page.unwrap_or(0);
    let out = blocking(move || {
        let v = state.view(year, as_of)?;
        if scope.committee().is_some_and(|c| !v.person_in(&id, c)) {
            return Err(outside_scope());
        }
        v.person(&id, page)
            .ok_or_else(|| AppError::NotFound(format!("没有这个人：{id}")))
    })
    .await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    year: Option<i32>,
    as_of: Option<NaiveDate>,
    page: Option<usize>,
    township: Option<String>,
    committee: Option<String>,
    branch: Option<String>,
    person: Option<String>,
    /// A 五个结合 code or its Chinese term.
    tag: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    q: Option<String>,
}

/// Blank form fields arrive as empty strings: they mean "any".
fn some(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn search(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    let committee = scoped_committee(&scope, some(q.committee))?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let tag = match some(q.tag) {
        None => None,
        Some(t) => Some(
            TieIn::ALL
                .iter()
                .copied()
                .find(|x| x.code() == t || x.label() == t)
                .ok_or_else(|| AppError::BadRequest(format!("没有这个“五个结合”标签：{t}")))?,
        ),
    };
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(AppError::BadRequest("起始日期不能晚于截止日期".into()));
        }
    }
    let text = some(q.q);
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::BadRequest("搜索词最多 100 个字".into()));
    }
    let filter = Filter {
        township: some(q.township),
        committee,
        branch: some(q.branch),
        person: some(q.person),
        tag,
        from: q.from,
        to: q.to,
        // Only when asked: without a year, records of every year are searched.
        year: q.year,
        text,
    };
    let page = q.page.unwrap_or(0);
    let out = blocking(move || Ok(state.view(year, as_of)?.search(&filter, page))).await?;
    Ok(Json(out).into_response())
}

async fn assessment(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    // The assessment is of the whole year: judged on 31 December unless asked otherwise.
    let (year, _) = year_and_day(q.year, q.as_of)?;
    let as_of = q
        .as_of
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_else(county_today));
    let Some(c) = scoped_committee(&scope, some(q.committee))? else {
        return Err(AppError::BadRequest("请选择党委（工委）".into()));
    };
    let out = blocking(move || {
        state
            .view(year, as_of)?
            .assessment(&c)
            .ok_or_else(|| AppError::NotFound(format!("没有这个党委（工委）：{c}")))
    })
    .await?;
    Ok(Json(out).into_response())
}

/// `roster` / `registration` as JSON (the printable page), `roster.xlsx` /
/// `registration.xlsx` as a workbook. Without `committee`, the whole county.
async fn form(
    State(state): State<AppState>,
    OfficeReader(_, scope): OfficeReader,
    Path(name): Path<String>,
    q: Result<Query<YearQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    let (year, as_of) = year_and_day(q.year, q.as_of)?;
    let (kind, xlsx) = match name.strip_suffix(".xlsx") {
        Some(k) => (k.to_string(), true),
        None => (name.clone(), false),
    };
    if kind != "roster" && kind != "registration" {
        return Err(AppError::NotFound(format!(
            "没有这个表：{name}（可选 roster 花名册、registration 登记表）"
        )));
    }
    let committee = scoped_committee(&scope, some(q.committee))?;
    let out = blocking(move || {
        let v = state.view(year, as_of)?;
        if let Some(c) = &committee {
            if !v.data.registry.committees.contains_key(c) {
                return Err(AppError::NotFound(format!("没有这个党委（工委）：{c}")));
            }
        }
        let scope = forms::Scope {
            committee: committee.as_deref(),
        };
        let stamp = stamp(&state);
        let form = if kind == "roster" {
            forms::roster(&v, &scope, stamp)
        } else {
            forms::registration(&v, &scope, stamp)
        };
        if !xlsx {
            return Ok(Json(form).into_response());
        }
        let bytes = forms::xlsx(&form).map_err(|e| AppError::Internal(e.to_string()))?;
        let file = format!("{}-{}-{year}.xlsx", form.title, form.scope);
        // RFC 5987: the Chinese file name percent-encoded, with an ASCII fallback.
        let disposition = format!(
            "attachment; filename=\"{kind}-{year}.xlsx\"; filename*=UTF-8''{}",
            percent_encode(&file)
        );
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response())
    })
    .await?;
    Ok(out)
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct HealthQuery {
    silent_days: Option<i64>,
}

async fn sync_health(
    State(state): State<AppState>,
    q: Result<Query<HealthQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = parse(q)?;
    let silent_after = q.silent_days.unwrap_or(DEFAULT_SILENT_DAYS);
    if !(1..=365).contains(&silent_after) {
        return Err(AppError::BadRequest("天数应在 1 至 365 之间".into()));
    }
    let out = blocking(move || health(&state, silent_after, now_secs())).await?;
    Ok(Json(out).into_response())
}

pub fn health(state: &AppState, silent_after: i64, now: i64) -> Result<SyncHealth, AppError> {
    let registry = state.hub().registry()?;
    let mut devices: Vec<DeviceHealth> = state
        .hub()
        .devices()
        .into_iter()
        .map(|(device, last, r)| DeviceHealth {
            device,
            user: r
                .user
                .as_deref()
                .map(|u| view::named(u, registry.person_name(u))),
            app_version: r.app_version,
            last_sync: last,
            last_sync_text: chrono::DateTime::from_timestamp(last + 8 * 3600, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            pending: r.pending,
            oldest_unsynced_days: r
                .oldest_pending_ms
                .map(|ms| (now - ms / 1000).max(0) / 86_400),
            silent_days: (now - last).max(0) / 86_400,
        })
        .collect();
    // Longest silent first: those are the ones to call.
    devices.sort_by(|a, b| (a.last_sync, &a.device).cmp(&(b.last_sync, &b.device)));
    let silent = devices
        .iter()
        .filter(|d| d.silent_days > silent_after)
        .cloned()
        .collect();
    Ok(SyncHealth {
        silent_after_days: silent_after,
        unsynced: devices.iter().map(|d| d.pending as usize).sum(),
        devices,
        silent,
    })
}

#[derive(Deserialize)]
struct InspectionForm {
    date: String,
    /// `Quarterly` / `Random` or 季度检查 / 不定期检查.
    kind: String,
    inspectors: String,
    findings: Vec<OrgFinding>,
}

#[derive(Deserialize)]
struct OrgFinding {
    /// A committee or branch id.
    org: String,
    found: String,
    #[serde(default)]
    follow_up: String,
}

const MAX_TEXT: usize = 2000;

/// Checks an inspection form; every message names what to fix, in the office's words.
fn validate_inspection(
    form: InspectionForm,
    registry: &shared::model::Registry,
    today: NaiveDate,
) -> Result<(NaiveDate, InspectionKind, String, BTreeMap<String, String>), AppError> {
    let bad = |m: String| Err(AppError::BadRequest(m));
    let Ok(date) = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") else {
        return bad("检查日期格式应为 年-月-日，如 2008-09-20".into());
    };
    if date > today {
        return bad("检查日期不能晚于今天".into());
    }
    let kind_text = form.kind.trim();
    let Some(kind) = InspectionKind::ALL
        .iter()
        .copied()
        .find(|k| k.code() == kind_text || k.label() == kind_text)
    else {
        return bad("检查类别应为“季度检查”或“不定期检查”".into());
    };
    let inspectors = form.inspectors.trim().to_string();
    if inspectors.is_empty() {
        return bad("请填写检查人".into());
    }
    if inspectors.chars().count() > 100 {
        return bad("检查人最多 100 个字".into());
    }
    if form.findings.is_empty() {
        return bad("请至少填写一个被检查组织的检查情况".into());
    }
    let mut findings = BTreeMap::new();
    for f in form.findings {
        let org = f.org.trim();
        let name = registry
            .committees
            .get(org)
            .map(|c| c.name.as_str())
            .or_else(|| registry.branches.get(org).map(|b| b.name.as_str()));
        let Some(name) = name else {
            return bad(format!("没有这个党组织：{org}"));
        };
        let found = f.found.trim();
        if found.is_empty() {
            return bad(format!("请填写对{name}的检查发现"));
        }
        let follow_up = f.follow_up.trim();
        if found.chars().count() + follow_up.chars().count() > MAX_TEXT {
            return bad(format!("对{name}的检查情况最多 {MAX_TEXT} 个字"));
        }
        if findings.contains_key(org) {
            return bad(format!("{name}填写了两次，请合并为一条"));
        }
        let text = if follow_up.is_empty() {
            format!("发现：{found}")
        } else {
            format!("发现：{found}；整改要求：{follow_up}")
        };
        findings.insert(org.to_string(), text);
    }
    Ok((date, kind, inspectors, findings))
}

/// Server-made record ids: milliseconds plus a per-process counter, in the plain-id form.
fn new_id(now_ms: i64) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{now_ms}-o{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Records a quarterly or random inspection in the county office's document.
async fn add_inspection(
    State(state): State<AppState>,
    body: Result<Json<InspectionForm>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(form) = body.map_err(|e| AppError::json("检查记录", e))?;
    let out = blocking(move || {
        let registry = state.hub().registry()?;
        let (date, kind, inspectors, findings) =
            validate_inspection(form, &registry, county_today())?;
        let now = now_secs();
        let record = Inspection {
            id: new_id(now * 1000),
            date: date.to_string(),
            kind,
            inspectors,
            findings,
            recorded_at: now * 1000,
            withdrawn: false,
        };
        state.hub().put_office_record(&record, now)?;
        Ok(record)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}
