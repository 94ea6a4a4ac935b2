//! The sync engine: runs Automerge sync sessions with the server in the background and
//! exposes what the user needs to see as signals. Entry never waits for it.

use crate::auth::{self, RegisterError, Session};
use crate::clock;
use crate::engine;
use crate::i18n::t;
use gloo_net::http::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::client::MAX_ROUNDS;
use shared::engine::Command;
use shared::ids::DocId;
use shared::model::Registry;
use shared::wire::{SYNC_CONTENT_TYPE, SYNC_PATH};
use std::time::Duration;

const AUTO_SYNC_EVERY: Duration = Duration::from_secs(10);
/// After a failed session the next automatic one waits 10 s, 20 s, 40 s … up to 5 min, so
/// a phone on a bad link does not drain its battery; `online` and the button skip the wait.
const BACKOFF_FIRST_MS: i64 = 10_000;
const BACKOFF_MAX_MS: i64 = 300_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Never,
    /// Round `n` of a session of at most `of`.
    Syncing {
        round: usize,
        of: usize,
    },
    Synced {
        at_ms: i64,
    },
    Offline,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct SyncState {
    pub status: RwSignal<Status>,
    pub pending: RwSignal<usize>,
    pub registry: RwSignal<Option<Registry>>,
    /// The logged-in user; entries are attributed to them.
    pub session: RwSignal<Option<Session>>,
    pub me: RwSignal<Option<String>>,
    /// Bumped whenever the local documents change, so views re-read them.
    pub revision: RwSignal<u64>,
    pub storage_warning: RwSignal<Option<String>>,
    /// A document written by a newer app (`Repo::newer_app`): 「请更新应用」.
    pub newer_app: RwSignal<bool>,
    /// When the oldest entry waiting for the server was saved (ms).
    pub pending_since: RwSignal<Option<i64>>,
    /// The logged-in person's own entries among the pending ones (the logout warning).
    pub my_pending: RwSignal<usize>,
    /// Server time minus phone time (ms), as last learned (`clock`).
    pub clock_offset: RwSignal<i64>,
    /// A new version of the app is in the phone's cache; the next start opens it.
    pub new_version: RwSignal<bool>,
    /// Where the document engine stands (issue 18): histories and files wait for it.
    pub engine: RwSignal<engine::Status>,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    /// Consecutive failed sessions, and the earliest time the next automatic one may run.
    failures: StoredValue<u32>,
    next_auto_ms: StoredValue<i64>,
}

enum SyncError {
    Offline,
    Failed(String),
    /// The server no longer accepts the login.
    LoggedOut(String),
}

impl SyncState {
    pub fn start() -> Self {
        let session = auth::load(clock::now_secs());
        let me = session.as_ref().map(|s| s.account.id.clone());
        if let Some(person) = &me {
            if crate::storage::get::<String>("me").as_ref() != Some(person) {
                let _ = crate::storage::set("me", person);
            }
        }
        let s = SyncState {
            status: RwSignal::new(Status::Never),
            pending: RwSignal::new(0),
            registry: RwSignal::new(None),
            session: RwSignal::new(session),
            me: RwSignal::new(me),
            revision: RwSignal::new(0),
            storage_warning: RwSignal::new(None),
            newer_app: RwSignal::new(false),
            pending_since: RwSignal::new(None),
            my_pending: RwSignal::new(0),
            clock_offset: RwSignal::new(clock::offset_ms()),
            new_version: RwSignal::new(false),
            engine: RwSignal::new(engine::status()),
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            failures: StoredValue::new(0),
            next_auto_ms: StoredValue::new(0),
        };
        s.refresh();
        // The engine's code is fetched once the page has started (issue 18); until it has
        // run, the page draws the view it stored and entries are kept as ops.
        if s.session.get_untracked().is_some() {
            spawn_local(async move {
                let _ = s.open_engine().await;
            });
        }
        s.sync_now();
        // The interval and listener live as long as the app.
        let _ = set_interval_with_handle(
            move || {
                if clock::now_ms() >= s.next_auto_ms.get_value() {
                    s.sync_now();
                }
            },
            AUTO_SYNC_EVERY,
        );
        let _ = window_event_listener(leptos::ev::online, move |_| {
            s.failures.set_value(0);
            s.sync_now();
        });
        // Other tabs of this profile (issue 17): the browser tells every other tab of a
        // key written, so their entries show here within a moment.
        let _ = window_event_listener(leptos::ev::storage, move |ev| s.other_tab_wrote(&ev));
        // A tab closed or reloaded mid-session does not keep the others waiting.
        // Its ops the engine has not applied are handed to the next engine at once.
        let _ = window_event_listener(leptos::ev::pagehide, |_| {
            lease::release();
            engine::leave_ops();
        });
        s
    }

    /// Another tab (or window, or the installed app) wrote `ev.key()`.
    fn other_tab_wrote(&self, ev: &web_sys::StorageEvent) {
        let Some(key) = ev.key() else {
            // storage.clear(): nothing the app does; start from what is left.
            let _ = window().location().reload();
            return;
        };
        let Some(name) = key.strip_prefix("sanlian.") else {
            return;
        };
        if name == auth::SESSION {
            // Another tab logged in or out: who this tab writes for is no longer sure.
            // Reloading opens the right person's storage; typed text is kept as drafts.
            let now = auth::load(clock::now_secs()).map(|s| s.account.id);
            if now != self.me.get_untracked() {
                let _ = window().location().reload();
            }
            return;
        }
        if name == "clock.offset" {
            clock::reread();
            self.clock_offset.set(clock::offset_ms());
            return;
        }
        let ns = crate::storage::ns(&self.me.get_untracked().unwrap_or_default());
        let Some(rest) = name.strip_prefix(&ns) else {
            return;
        };
        let ready = engine::ready();
        let changed = if let Some(doc) = shared::store::chunk_doc(&ns, name) {
            let Ok(doc) = DocId::parse(&doc) else { return };
            ready && engine::call::<bool>(&Command::MergeStored { doc }) == Some(true)
        } else if rest == shared::repo::SLICE_KEY {
            // Another tab's session brought a new registry slice.
            ready && engine::call::<bool>(&Command::ReloadSlice) == Some(true)
        } else if let Some(doc) = rest.strip_prefix("s3.") {
            // Its sync state after a session: the server holds what it says.
            let Ok(doc) = DocId::parse(doc) else { return };
            ready
                && !self.running.get_value()
                && engine::call::<bool>(&Command::ReloadState { doc }).is_some()
        } else if rest.starts_with("op.") {
            // Another tab's entry, shown here until its engine has written it.
            engine::other_tab_changed_ops();
            self.refresh();
            false
        } else if rest == shared::engine::VIEW_KEY {
            engine::other_tab_stored_view();
            self.refresh();
            false
        } else {
            false
        };
        if changed {
            engine::reread();
            self.refresh();
        }
    }

    fn note_outcome(&self, ok: bool) {
        let failures = if ok { 0 } else { self.failures.get_value() + 1 };
        self.failures.set_value(failures);
        let wait = if ok {
            0
        } else {
            (BACKOFF_FIRST_MS << (failures - 1).min(5)).min(BACKOFF_MAX_MS)
        };
        self.next_auto_ms.set_value(clock::now_ms() + wait);
    }

    pub fn label(&self) -> String {
        let pending = self.pending.get();
        let queued = if pending > 0 {
            format!("{pending} {}", t("sync.pending"))
        } else {
            String::new()
        };
        let queued = match self.pending_since.get() {
            Some(since) if pending > 0 => {
                let days = (clock::now_ms() - since).max(0) / 86_400_000;
                let age = if days == 0 {
                    t("sync.today").to_string()
                } else {
                    format!("{days} {}", t("sync.days_ago"))
                };
                format!("{queued}（{} {age}）", t("sync.oldest"))
            }
            _ => queued,
        };
        let with_queue = |head: &str| {
            if queued.is_empty() {
                head.to_string()
            } else {
                format!("{head} · {queued}")
            }
        };
        match self.status.get() {
            Status::Syncing { round, of } if round > 1 => {
                with_queue(&format!("{} {round}/{of}", t("sync.syncing")))
            }
            Status::Syncing { .. } => with_queue(t("sync.syncing")),
            Status::Offline => with_queue(t("sync.offline")),
            Status::Failed(reason) => with_queue(&format!("{}{reason}", t("sync.failed"))),
            Status::Synced { at_ms } if pending == 0 => {
                format!("{} {}", t("sync.synced"), clock::format_ms(at_ms))
            }
            Status::Never if pending == 0 => t("sync.never").to_string(),
            Status::Synced { .. } | Status::Never => queued,
        }
    }

    /// The branch document of the logged-in member, leader or secretary.
    pub fn my_branch(&self) -> Option<DocId> {
        let session = self.session.get_untracked()?;
        if !session.is_field() {
            return None;
        }
        DocId::branch(session.account.org).ok()
    }

    /// The 党（工）委 document of logged-in committee staff: they write its plans.
    pub fn my_committee(&self) -> Option<DocId> {
        let session = self.session.get_untracked()?;
        (shared::access::AccountRole::from_code(&session.account.role)
            == Some(shared::access::AccountRole::CommitteeStaff))
        .then(|| DocId::committee(session.account.org).ok())
        .flatten()
    }

    /// The documents to sync: those the person writes (`shared::access`'s rule, which
    /// the server enforces). Not the registry: since issue 15 the phone holds its slice
    /// of it, fetched as JSON at each session ([`fetch_registry`]).
    fn docs(&self) -> Vec<DocId> {
        let mut docs = self
            .session
            .get_untracked()
            .and_then(|s| shared::access::Position::of_session(&s))
            .map(|p| shared::access::written_documents(&p))
            .unwrap_or_default();
        // After a handover the old branch's unsynced entries are still handed in (the
        // server keeps the old branch writable for a while); nothing stays on the phone.
        for id in engine::view().pending_docs.iter().cloned() {
            if !docs.contains(&id) {
                docs.push(id);
            }
        }
        docs
    }

    pub fn logged_in(&self, session: Session) {
        let person = session.account.id.clone();
        let _ = crate::storage::set("me", &person);
        self.me.set(Some(person));
        self.session.set(Some(session));
        // Their own storage: documents, sync states, actors and drafts of this person
        // only; whatever the previous user left unsynced stays in theirs. The session
        // below opens the engine for them.
        engine::forget_person();
        self.refresh();
        self.sync_now();
    }

    /// Opens the engine for the person logged in (once at a time; a second caller waits
    /// for the first) and registers this start's actor for them: their changes carry it,
    /// and the server must know it is theirs before it takes them.
    async fn open_engine(&self) -> Result<(), String> {
        let docs = self.written_docs();
        let result = engine::ensure(&docs).await;
        if let (Ok(opened), Some(person)) = (&result, self.me.get_untracked()) {
            auth::note_actor(&person, opened.actor.clone());
        }
        self.refresh();
        result.map(|_| ())
    }

    /// The engine, opened for the person logged in (for what only it can do: files,
    /// histories); opened now if it was not.
    pub async fn engine_ready(&self) -> Result<(), String> {
        self.open_engine().await
    }

    /// The documents the person writes (`shared::access`'s rule, which the server enforces).
    fn written_docs(&self) -> Vec<DocId> {
        self.session
            .get_untracked()
            .and_then(|s| shared::access::Position::of_session(&s))
            .map(|p| shared::access::written_documents(&p))
            .unwrap_or_default()
    }

    fn logged_out(&self) {
        auth::forget();
        self.session.set(None);
        self.me.set(None);
    }

    /// Re-reads what the views show from the repo.
    pub fn refresh(&self) {
        let view = engine::view();
        self.newer_app.set(view.newer_app);
        self.pending_since.set(view.pending_since_ms);
        self.my_pending.set(view.my_pending);
        self.clock_offset.set(clock::offset_ms());
        if self.registry.get_untracked() != view.registry {
            self.registry.set(view.registry.clone());
        }
        self.pending.set(view.pending);
        // The browser's own text is logged where the save failed, never shown.
        let full = view.storage_full || engine::unstored();
        self.storage_warning.set(full.then(String::new));
        self.engine.set(engine::status());
        self.revision.update(|r| *r += 1);
    }

    /// Whether a sync session is under way (an update waits for it to end).
    pub fn busy(&self) -> bool {
        self.running.get_value()
    }

    /// Starts a session now, or right after the one running.
    pub fn sync_now(&self) {
        if self.running.get_value() {
            self.again.set_value(true);
            return;
        }
        // One tab of the profile syncs at a time (they share the device's sync state on
        // the server); another tab's session hands in this tab's entries too, as every
        // session first merges what all tabs stored.
        if !lease::take() {
            return;
        }
        self.running.set_value(true);
        self.status.set(Status::Syncing {
            round: 1,
            of: MAX_ROUNDS,
        });
        let s = *self;
        spawn_local(async move {
            loop {
                let Some(login) = s.session.get_untracked() else {
                    s.status.set(Status::Never);
                    break;
                };
                lease::take();
                let docs = s.docs();
                let status = match session(s, &docs, &login).await {
                    Ok(problems) if problems.is_empty() => Status::Synced {
                        at_ms: clock::now_ms(),
                    },
                    Ok(problems) => Status::Failed(problems.join("；")),
                    Err(SyncError::Offline) => Status::Offline,
                    Err(SyncError::Failed(reason)) => Status::Failed(reason),
                    Err(SyncError::LoggedOut(reason)) => {
                        // Nothing local is dropped: the documents stay, and sync again
                        // after the next login.
                        s.logged_out();
                        Status::Failed(reason)
                    }
                };
                s.note_outcome(matches!(status, Status::Synced { .. }));
                s.refresh();
                s.status.set(status);
                if !s.again.get_value() {
                    break;
                }
                s.again.set_value(false);
            }
            s.running.set_value(false);
            lease::release();
        });
    }
}

/// Which tab syncs now: `sanlian.sync.lease` names it until a time (by the phone's own
/// clock, which every tab reads alike). A tab that dies mid-session blocks the others
/// only until its lease runs out.
mod lease {
    use serde::{Deserialize, Serialize};

    const KEY: &str = "sync.lease";
    /// Longer than a round normally takes; renewed at every round.
    const HOLD_MS: i64 = 15_000;

    #[derive(Serialize, Deserialize)]
    struct Lease {
        tab: String,
        until_ms: i64,
    }

    fn me() -> String {
        crate::engine::writer()
    }

    /// Takes (or renews) the lease unless another tab holds it.
    pub fn take() -> bool {
        let me = me();
        let now = crate::clock::phone_ms();
        if let Some(l) = crate::storage::get::<Lease>(KEY) {
            if l.tab != me && l.until_ms > now {
                return false;
            }
        }
        let _ = crate::storage::set(
            KEY,
            &Lease {
                tab: me.clone(),
                until_ms: now + HOLD_MS,
            },
        );
        // Two tabs taking it at the same moment: the last write wins, the other yields.
        crate::storage::get::<Lease>(KEY).is_none_or(|l| l.tab == me)
    }

    pub fn release() {
        if crate::storage::get::<Lease>(KEY).is_some_and(|l| l.tab == me()) {
            crate::storage::remove(KEY);
        }
    }
}

async fn session(s: SyncState, docs: &[DocId], login: &Session) -> Result<Vec<String>, SyncError> {
    let mut problems = Vec::new();
    // The registry first, and without the engine, so a first login shows the person's
    // page (and forms) at once, even before the engine's code has arrived; a failure
    // here is reported, and the entries still go up below.
    if wants_registry(login) {
        match fetch_registry(&login.token).await? {
            Fetched::Unchanged => {}
            Fetched::New(etag, json, registry) => {
                engine::registry_fetched(etag, json, registry);
                s.refresh();
            }
            Fetched::Failed(reason) => problems.push(reason),
        }
    }
    s.open_engine().await.map_err(SyncError::Failed)?;
    // What other tabs stored since is handed in too (and never written over), and
    // entries left by a tab closed before its engine ran.
    engine::merge_all();
    problems.extend(engine::take_problems());
    auth::register_actors(login).await.map_err(|e| match e {
        RegisterError::Offline => SyncError::Offline,
        RegisterError::Unauthorized(m) => SyncError::LoggedOut(m),
        RegisterError::Failed(m) => SyncError::Failed(m),
    })?;
    let mut version = None;
    let mut reset = true;
    for round in 1..=MAX_ROUNDS {
        let Some(req) = engine::next_request(docs, reset).map_err(SyncError::Failed)? else {
            break;
        };
        reset = false;
        lease::take();
        s.status.set(Status::Syncing {
            round,
            of: MAX_ROUNDS,
        });
        let (resp, served) = post(req, &login.token).await?;
        version = served.or(version);
        // Applying a large reply is the expensive part: give the page a frame to paint
        // and take taps before and after it, so entry never waits for sync.
        gloo_timers::future::sleep(Duration::ZERO).await;
        problems.extend(engine::apply_response(&resp).map_err(SyncError::Failed)?);
        // Views re-read the documents once, after the session: re-reading a large branch
        // after every round would cost more than the round itself.
        gloo_timers::future::sleep(Duration::ZERO).await;
    }
    let _ = engine::call::<()>(&Command::Settle {
        docs: docs.to_vec(),
    });
    engine::reread();
    crate::update::seen(s.new_version, version);
    Ok(problems)
}

/// Whether this login's phone needs the registry: field users (their forms, names and
/// findings) and committee staff (their committee's name). The county office and
/// administrators work in the office console; their phone shows no page reading it, so
/// it does not take the whole county's registry into its storage.
fn wants_registry(login: &Session) -> bool {
    login.is_field()
        || shared::access::AccountRole::from_code(&login.account.role)
            == Some(shared::access::AccountRole::CommitteeStaff)
}

enum Fetched {
    /// `304`: the slice held is the current one.
    Unchanged,
    /// A new slice: its `ETag`, the server's JSON and what it reads as.
    New(String, String, Registry),
    /// Why there is no new slice, for the sync bar.
    Failed(String),
}

/// `GET /api/registry` with the login and the `ETag` of the slice held (issue 15).
async fn fetch_registry(token: &str) -> Result<Fetched, SyncError> {
    let mut request = Request::get(shared::access::REGISTRY_SLICE_PATH)
        .header("Authorization", &format!("Bearer {token}"));
    if let Some(etag) = engine::view().registry_etag.clone() {
        request = request.header("If-None-Match", &etag);
    }
    let resp = request.send().await.map_err(|_| SyncError::Offline)?;
    clock::learn(&resp);
    match resp.status() {
        304 => return Ok(Fetched::Unchanged),
        401 => return Err(SyncError::LoggedOut(crate::auth::error_text(&resp).await)),
        _ if !resp.ok() => {
            let reason = crate::auth::error_text(&resp).await;
            return Ok(Fetched::Failed(format!(
                "{}{reason}",
                t("sync.registry_failed")
            )));
        }
        _ => {}
    }
    let etag = resp.headers().get("etag").unwrap_or_default();
    let Ok(json) = resp.text().await else {
        return Err(SyncError::Offline);
    };
    Ok(match serde_json::from_str::<Registry>(&json) {
        Ok(registry) => Fetched::New(etag, json, registry),
        Err(_) => Fetched::Failed(t("sync.registry_unreadable").to_string()),
    })
}

/// The server's reply, and the app version it serves (`x-app-version`).
async fn post(body: Vec<u8>, token: &str) -> Result<(Vec<u8>, Option<String>), SyncError> {
    let request = Request::post(SYNC_PATH)
        .header("Content-Type", SYNC_CONTENT_TYPE)
        .header("Authorization", &format!("Bearer {token}"))
        .body(js_sys::Uint8Array::from(body.as_slice()))
        .map_err(|e| SyncError::Failed(e.to_string()))?;
    // A fetch that fails outright means no network or no server: the phone is offline.
    let resp = request.send().await.map_err(|_| SyncError::Offline)?;
    clock::learn(&resp);
    if !resp.ok() {
        let reason = crate::auth::error_text(&resp).await;
        if resp.status() == 401 {
            return Err(SyncError::LoggedOut(reason));
        }
        return Err(SyncError::Failed(reason));
    }
    let version = resp.headers().get("x-app-version");
    let bytes = resp.binary().await.map_err(|_| SyncError::Offline)?;
    Ok((bytes, version))
}
