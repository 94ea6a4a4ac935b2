//! The pages' side of the phone's document engine (issue 18; `shared::engine` says how
//! the two fit). The pages hold no Automerge: they draw the engine's [`View`] — at a
//! start the one it stored, before its code has even arrived — and record every change
//! as an op in storage first ([`record`]), so an entry never waits for the engine.
//! The engine's module (`engine/`, its own wasm) is fetched once the pages have started
//! ([`load`]), opened for whoever is logged in, and from then on applies each op as it
//! is recorded and answers the sync rounds, histories and files.
//!
//! Lives in a thread-local: the app is single-threaded wasm, and the engine is one
//! module per tab.

use crate::clock;
use crate::i18n::t;
use crate::storage::{self, Local, STORE};
use js_sys::{Function, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use shared::domain::records::{BranchRecords, CommitteeRecords};
use shared::engine::{Applied, Command, Op, Opened, Stamped, View};
use shared::ids::DocId;
use shared::model::Registry;
use shared::repo::Fresh;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the engine stands in this tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Its code is on the way (or not asked for yet).
    Loading,
    Ready,
    /// It could not be loaded or it failed: the ops stay in storage for the next start.
    Failed(String),
}

/// The engine module's functions (engine/src/main.rs).
struct Module {
    open: Function,
    call: Function,
    view: Function,
    next_request: Function,
    apply_response: Function,
    export_bundle: Function,
    import_bundle: Function,
}

struct State {
    /// This start's random bytes: they name the tab's ops and chunks.
    fresh: Fresh,
    fresh_hex: String,
    next_op: u32,
    module: Option<Rc<Module>>,
    /// Opened for the person logged in now.
    opened: Option<Opened>,
    /// An open is under way ([`ensure`] waits for it rather than starting another).
    opening: bool,
    /// The engine threw: its memory may be half-changed, so it is not used again this
    /// start (the ops it did not apply are still in storage).
    broken: bool,
    status: Status,
    /// Ops that did not fit in storage (full), with whose they are: kept for this start
    /// and handed to that person's engine, which keeps their changes in memory and syncs
    /// them.
    unstored: Vec<(String, Stamped)>,
    /// What the engine could not apply since the last sync session asked ([`take_problems`]).
    problems: Vec<String>,
    /// The view as the engine (or storage, before it ran) last gave it, and its JSON.
    base: Rc<View>,
    base_json: String,
    /// `base` with the ops not yet applied laid over it: what the pages draw.
    shown: Rc<View>,
    /// A registry slice fetched before the engine ran (its `ETag`, the server's JSON and
    /// what it reads as), handed to the engine when it opens.
    fetched: Option<(String, String, Registry)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(start());
}

/// This start's random bytes: the tab's writer, actor and, for a phone that has none
/// yet, its device id and signing key.
fn fresh() -> (Fresh, String) {
    let mut bytes = [0u8; 60];
    getrandom::fill(&mut bytes).expect("the browser provides crypto.getRandomValues");
    (Fresh::from_bytes(&bytes), shared::signing::hex(&bytes))
}

fn start() -> State {
    let (fresh, fresh_hex) = fresh();
    // The device id exists from the first start, before any login (`auth::device_id`).
    shared::store::device_id(&STORE, &fresh.device);
    let mut state = State {
        fresh_hex,
        fresh,
        next_op: 0,
        module: None,
        opened: None,
        opening: false,
        broken: false,
        status: Status::Loading,
        unstored: Vec::new(),
        problems: Vec::new(),
        base: Rc::new(View::default()),
        base_json: String::new(),
        shown: Rc::new(View::default()),
        fetched: None,
    };
    read_stored(&mut state);
    state
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

fn me() -> String {
    storage::get::<String>("me").unwrap_or_default()
}

/// The view stored by the last engine of the person logged in now (none: empty).
fn read_stored(state: &mut State) {
    let me = me();
    let (json, view) =
        View::stored_json(&Local, &me).unwrap_or_else(|| (String::new(), View::empty(&me)));
    state.base = Rc::new(view);
    state.base_json = json;
    overlay(state);
}

/// The person's ops that did not fit in storage.
fn unstored_of(state: &State, person: &str) -> Vec<Stamped> {
    state
        .unstored
        .iter()
        .filter(|(p, _)| p == person)
        .map(|(_, op)| op.clone())
        .collect()
}

/// Lays the ops still in storage over the view: before the engine runs, all of them;
/// after, those it has not written yet (another tab's, or one that could not be written)
/// — an op is removed once its change is stored. Ops that did not fit in storage are
/// laid over only before the engine runs (after, its view holds them).
fn overlay(state: &mut State) {
    let person = state.base.person.clone();
    let ns = storage::ns(&person);
    let mut ops: Vec<Stamped> = shared::engine::stored_ops(&Local, &ns)
        .into_iter()
        .map(|(_, op)| op)
        .collect();
    if state.opened.is_none() {
        ops.extend(unstored_of(state, &person));
    }
    let mut shown = state.base.with_ops(&ops);
    if let Some((etag, _, registry)) = &state.fetched {
        shown.registry = Some(registry.clone());
        shown.registry_etag = Some(etag.clone());
    }
    state.shown = Rc::new(shown);
}

/// What the pages draw now.
pub fn view() -> Rc<View> {
    with(|s| s.shown.clone())
}

/// The records of a branch document as the pages show them.
pub fn records(doc: &DocId) -> Rc<BranchRecords> {
    view().records(doc)
}

/// A 党（工）委's own records (its plans).
pub fn committee_records(doc: &DocId) -> CommitteeRecords {
    view()
        .committees
        .get(&doc.to_string())
        .cloned()
        .unwrap_or_default()
}

pub fn status() -> Status {
    with(|s| s.status.clone())
}

/// This tab's name in storage (its ops and chunks, the sync lease).
pub fn writer() -> String {
    with(|s| s.fresh.writer.clone())
}

/// Whether ops could not be stored this start (the storage warning).
pub fn unstored() -> bool {
    with(|s| !s.unstored.is_empty())
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the browser provides crypto.getRandomValues");
    shared::signing::hex(&buf)
}

/// Records what the person did: stored as an op at once (in memory if storage is full),
/// then applied by the engine if it is running, or laid over the view until it is.
/// Nothing the engine says can undo it: what it could not write stays stored, is shown
/// and is tried again, and the next sync session reports it ([`take_problems`]).
pub fn record(op: Op) {
    let stamped = Stamped {
        at_ms: clock::now_ms(),
        phone_ms: clock::phone_ms(),
        op,
    };
    let person = me();
    let stored = with(|s| {
        s.next_op += 1;
        let ns = storage::ns(&person);
        shared::engine::push_op(&STORE, &ns, &s.fresh.writer, s.next_op, &stamped)
    });
    if let Err(full) = stored {
        leptos::logging::warn!("storage: {}", full.0);
        with(|s| s.unstored.push((person, stamped)));
    }
    if ready() {
        apply();
    }
    with(overlay);
}

/// Has the engine apply the ops due (its tab's own, others' left behind) and re-reads
/// its view. What it could not apply waits for the next session's report.
fn apply() {
    let inline = with(|s| unstored_of(s, &me()));
    let Some(applied) = call::<Applied>(&Command::Apply {
        inline,
        now_phone_ms: clock::phone_ms(),
    }) else {
        return;
    };
    note(applied);
    reread();
}

/// Keeps what the engine could not apply for the sync bar, in the app's words; the
/// libraries' own words go to the log only.
fn note(applied: Applied) {
    for detail in &applied.details {
        leptos::logging::warn!("engine: {detail}");
    }
    with(|s| {
        if applied.failed > 0 {
            s.problems
                .push(t("engine.ops_failed").replace("{}", &applied.failed.to_string()));
        }
        if applied.set_aside > 0 {
            s.problems
                .push(t("engine.ops_set_aside").replace("{}", &applied.set_aside.to_string()));
        }
    });
}

/// What the engine could not apply since the last call (a sync session reports it).
pub fn take_problems() -> Vec<String> {
    with(|s| std::mem::take(&mut s.problems))
}

/// Before a sync session: every tab's chunks, and the ops due (the tab's own, and those
/// a closed tab left).
pub fn merge_all() {
    if let Some(applied) = call::<Applied>(&Command::MergeAll {
        now_phone_ms: clock::phone_ms(),
    }) {
        note(applied);
    }
    reread();
}

/// Re-reads the engine's view (after a change it made or merged).
pub fn reread() {
    let Some(module) = module().filter(|_| ready()) else {
        return;
    };
    let json = match module.view.call0(&JsValue::NULL) {
        Ok(json) => json,
        Err(e) => {
            failed(&e);
            return;
        }
    };
    let Some(json) = json.as_string() else {
        return;
    };
    // Most starts find the documents as the stored view has them: the page keeps what
    // it drew instead of reading a thousand records again.
    if with(|s| s.base_json == json) {
        return;
    }
    let Some(view) = View::parse(&json, &me()) else {
        return;
    };
    with(|s| {
        s.base = Rc::new(view);
        s.base_json = json;
        overlay(s);
    });
}

/// The tab is going (closed, reloaded, navigated away): the ops its engine has not
/// applied (it never ran, or storage was full) are marked as left behind, so the next
/// engine to find them applies them at once rather than after
/// [`shared::engine::ORPHAN_AFTER_MS`] (a reload right after an entry on a slow link).
/// Should the page come back (the back button), its engine applies them as its own; a
/// second application writes equal values, which is no conflict.
pub fn leave_ops() {
    let ns = storage::ns(&me());
    let own = format!("{ns}op.{}.", writer());
    for (key, mut op) in shared::engine::stored_ops(&Local, &ns) {
        if key.starts_with(&own) {
            op.phone_ms -= shared::engine::ORPHAN_AFTER_MS;
            let _ = shared::store::set_json(&STORE, &key, &op);
        }
    }
}

/// Another tab wrote an op or a view: what this tab shows may change.
pub fn other_tab_changed_ops() {
    with(overlay);
}

/// Another tab stored its view; before this tab's engine runs, it is the newest known.
pub fn other_tab_stored_view() {
    if ready() {
        return;
    }
    with(|s| {
        // Removed (a full storage made room): keep what is drawn.
        if let Some((json, view)) = View::stored_json(&Local, &me()) {
            s.base = Rc::new(view);
            s.base_json = json;
            overlay(s);
        }
    });
}

pub fn ready() -> bool {
    with(|s| s.opened.is_some())
}

fn module() -> Option<Rc<Module>> {
    with(|s| s.module.clone())
}

/// A command to the running engine, its answer read as `T`; `None` when the engine is
/// not running or failed (the failure is logged).
pub fn call<T: DeserializeOwned>(command: &Command) -> Option<T> {
    let module = module().filter(|_| ready())?;
    let json = serde_json::to_string(command).ok()?;
    match module.call.call1(&JsValue::NULL, &JsValue::from_str(&json)) {
        Ok(answer) => answer
            .as_string()
            .and_then(|a| serde_json::from_str(&a).ok()),
        Err(e) => {
            failed(&e);
            None
        }
    }
}

/// An engine that threw (a bug, or a trap) is not called again this start: its state
/// may be half-changed. The ops stay in storage for the next start.
fn failed(e: &JsValue) {
    leptos::logging::error!("engine: {e:?}");
    with(|s| {
        s.opened = None;
        s.broken = true;
        s.status = Status::Failed(t("engine.failed").into());
    });
}

/// The person logged in changed (a login on a shared phone): the pages show what is
/// stored of theirs, and the engine is opened anew for them ([`ensure`]).
pub fn forget_person() {
    // The previous person's ops the engine has not applied go to their next engine at
    // once; this tab starts anew as a writer (a reopened engine with the same writer
    // would number its chunks from 1 again, over the ones it wrote).
    leave_ops();
    let (fresh, fresh_hex) = fresh();
    with(|s| {
        s.fresh = fresh;
        s.fresh_hex = fresh_hex;
        s.next_op = 0;
        s.opened = None;
        s.fetched = None;
        if !s.broken {
            s.status = Status::Loading;
        }
        read_stored(s);
    });
}

/// The engine opened for the person logged in now: opens it unless it is (or is being)
/// opened. `docs`: the documents the person writes.
pub async fn ensure(docs: &[DocId]) -> Result<Opened, String> {
    loop {
        if let Some(opened) = opened() {
            return Ok(opened);
        }
        if with(|s| s.broken) {
            return Err(status_text());
        }
        if !with(|s| s.opening) {
            break;
        }
        // Another caller is opening it (the start's and a sync session's).
        gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
    }
    with(|s| s.opening = true);
    let result = open(docs).await;
    with(|s| s.opening = false);
    result
}

/// Opens the engine for whoever is logged in now (after a login on a shared phone, the
/// next person's storage) and applies the ops waiting. The engine loads first if it
/// has not. What it says (actor, key), or why not.
async fn open(docs: &[DocId]) -> Result<Opened, String> {
    let module = match module() {
        Some(m) => m,
        None => {
            let m = fetch_module().await.inspect_err(|e| {
                with(|s| s.status = Status::Failed(e.clone()));
            })?;
            with(|s| s.module = Some(m.clone()));
            m
        }
    };
    let (fresh, docs_json) = (
        with(|s| s.fresh_hex.clone()),
        serde_json::to_string(docs).unwrap_or_default(),
    );
    // The engine's file names its build (its hash changes with its code).
    let build = leptos::prelude::document()
        .query_selector("link[rel=sanlian-engine]")
        .ok()
        .flatten()
        .and_then(|l| l.get_attribute("href"))
        .unwrap_or_default();
    let answer = module
        .open
        .call3(
            &JsValue::NULL,
            &JsValue::from_str(&fresh),
            &JsValue::from_str(&docs_json),
            &JsValue::from_str(&build),
        )
        .map_err(|e| {
            failed(&e);
            status_text()
        })?;
    let opened = answer
        .as_string()
        .and_then(|o| serde_json::from_str::<Opened>(&o).ok())
        .ok_or_else(|| t("engine.failed").to_string())?;
    with(|s| {
        s.opened = Some(opened.clone());
        s.status = Status::Ready;
    });
    if let Some((etag, json, _)) = with(|s| s.fetched.take()) {
        let _ = call::<bool>(&Command::StoreRegistry { etag, json });
    }
    apply();
    Ok(opened)
}

/// What the engine said when it opened for the person logged in now.
pub fn opened() -> Option<Opened> {
    with(|s| s.opened.clone())
}

/// A slice of the registry the server sent (issue 15; `json` as sent, `registry` as
/// read): the engine keeps it; before it runs, the pages show it and hand it over when
/// it opens.
pub fn registry_fetched(etag: String, json: String, registry: Registry) {
    if ready() {
        let _ = call::<bool>(&Command::StoreRegistry { etag, json });
        reread();
    } else {
        with(|s| {
            s.fetched = Some((etag, json, registry));
            overlay(s);
        });
    }
}

/// Fetches and starts the engine's module (index.html's `sanlianShell.engine`).
async fn fetch_module() -> Result<Rc<Module>, String> {
    let unavailable = || t("engine.unavailable").to_string();
    let shell = Reflect::get(
        &leptos::prelude::window(),
        &JsValue::from_str("sanlianShell"),
    )
    .map_err(|_| unavailable())?;
    let load: Function = Reflect::get(&shell, &JsValue::from_str("engine"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(unavailable)?;
    let promise: js_sys::Promise = load
        .call0(&shell)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or_else(unavailable)?;
    let exports = JsFuture::from(promise).await.map_err(|e| {
        leptos::logging::warn!("engine: {e:?}");
        unavailable()
    })?;
    let function = |name: &str| -> Result<Function, String> {
        Reflect::get(&exports, &JsValue::from_str(name))
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(unavailable)
    };
    Ok(Rc::new(Module {
        open: function("open")?,
        call: function("call")?,
        view: function("view")?,
        next_request: function("next_request")?,
        apply_response: function("apply_response")?,
        export_bundle: function("export_bundle")?,
        import_bundle: function("import_bundle")?,
    }))
}

fn running() -> Result<Rc<Module>, String> {
    module()
        .filter(|_| ready())
        .ok_or_else(|| t("engine.not_ready").to_string())
}

fn bytes_of(value: &JsValue) -> Vec<u8> {
    Uint8Array::new(value).to_vec()
}

/// The next sync request for `docs`; `None` when there is nothing to say.
pub fn next_request(docs: &[DocId], reset: bool) -> Result<Option<Vec<u8>>, String> {
    let module = running()?;
    let docs = serde_json::to_string(docs).unwrap_or_default();
    let args = js_sys::Array::of3(
        &JsValue::from_str(&docs),
        &JsValue::from_bool(reset),
        &JsValue::from_str(env!("CARGO_PKG_VERSION")),
    );
    match module.next_request.apply(&JsValue::NULL, &args) {
        Ok(v) if v.is_undefined() || v.is_null() => Ok(None),
        Ok(v) => Ok(Some(bytes_of(&v))),
        Err(e) => {
            failed(&e);
            Err(status_text())
        }
    }
}

/// Applies the server's reply; the problems met.
pub fn apply_response(body: &[u8]) -> Result<Vec<String>, String> {
    let module = running()?;
    match module
        .apply_response
        .call1(&JsValue::NULL, &Uint8Array::from(body))
    {
        Ok(v) => Ok(v
            .as_string()
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default()),
        Err(e) => {
            failed(&e);
            Err(status_text())
        }
    }
}

fn status_text() -> String {
    match status() {
        Status::Failed(why) => why,
        _ => t("engine.not_ready").into(),
    }
}

/// The export file of everything on this phone of the person's.
pub fn export_bundle() -> Result<Vec<u8>, String> {
    let module = running()?;
    module
        .export_bundle
        .call0(&JsValue::NULL)
        .map(|v| bytes_of(&v))
        .map_err(|e| {
            failed(&e);
            status_text()
        })
}

/// Merges an export file: how many records were new here.
pub fn import_bundle(file: &[u8]) -> Result<usize, String> {
    let module = running()?;
    let answer = module
        .import_bundle
        .call2(
            &JsValue::NULL,
            &Uint8Array::from(file),
            &JsValue::from_f64(clock::now_ms() as f64),
        )
        .map_err(|e| {
            failed(&e);
            status_text()
        })?;
    let result = answer
        .as_string()
        .and_then(|j| serde_json::from_str::<Result<usize, String>>(&j).ok())
        .unwrap_or_else(|| Err(t("engine.unreadable").into()));
    reread();
    result
}
