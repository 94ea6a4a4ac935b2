//! The phone's login: a bearer token kept in browser storage until it expires, so the app
//! works offline after one online login; and the Automerge actors this phone wrote with,
//! which the server must know are this user's before it accepts their changes.

use crate::storage;
use gloo_net::http::{Request, Response};

/// The login reply as the phone keeps it (one type with the office console's login).
pub use shared::registry_admin::Session;

pub const SESSION: &str = "session";

/// A saved login stays usable on the phone this long after it expired: the phone's own
/// clock may run fast, and a user in a village must never be locked out of entering
/// offline because of it. The server still refuses the token when the phone next syncs,
/// and the login form then appears (entries stay on the phone, see `storage`).
pub const OFFLINE_GRACE_SECS: i64 = 14 * 86_400;

/// The saved login, unless it expired more than the grace ago (`now_secs` is the
/// corrected time, `clock::now_secs`).
pub fn load(now_secs: i64) -> Option<Session> {
    storage::get::<Session>(SESSION).filter(|s| s.expires_at + OFFLINE_GRACE_SECS > now_secs)
}

/// Ends the session on the phone: the next person to log in starts from their own
/// storage, and nothing of this person's (documents, drafts, actors to register) is
/// removed: it is handed in at their next login.
pub fn forget() {
    storage::remove(SESSION);
    storage::remove("me");
}

/// Where a person's actors not yet registered are kept: in their own namespace, so a
/// login only ever sends the person's own (issue 17: another's made the server refuse).
fn unregistered_key(person: &str) -> String {
    format!("{}actors", storage::ns(person))
}

thread_local! {
    /// Actors whose note did not fit in a full storage (issue 16: they were dropped, so
    /// this start's entries were never accepted). Kept for this start, so it still
    /// registers them and its entries still sync.
    static UNSTORED: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers that `person` writes with `actor` on this phone until the server has
/// registered it: in storage, or in memory when storage is full.
pub fn note_actor(person: &str, actor: String) {
    let key = unregistered_key(person);
    let mut list: Vec<String> = storage::get(&key).unwrap_or_default();
    if list.contains(&actor) {
        return;
    }
    list.push(actor.clone());
    if storage::set(&key, &list).is_err() {
        UNSTORED.with(|u| {
            let mut u = u.borrow_mut();
            if !u.iter().any(|(p, a)| p == person && *a == actor) {
                u.push((person.to_string(), actor));
            }
        });
    }
}

/// The person's actors still to register; only those that name them (a list can never
/// carry another person's actor to the server).
fn unregistered(person: &str) -> Vec<String> {
    let mut list: Vec<String> =
        storage::get::<Vec<String>>(&unregistered_key(person)).unwrap_or_default();
    UNSTORED.with(|u| {
        for (p, a) in u.borrow().iter() {
            if p == person && !list.contains(a) {
                list.push(a.clone());
            }
        }
    });
    list.into_iter()
        .filter(|a| shared::ids::person_of_actor_hex(a).as_deref() == Some(person))
        .collect()
}

/// Forgets actors the server has registered, wherever they were kept.
fn registered(person: &str, done: &[String]) {
    let left: Vec<String> = storage::get::<Vec<String>>(&unregistered_key(person))
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !done.contains(a))
        .collect();
    let _ = storage::set(&unregistered_key(person), &left);
    UNSTORED.with(|u| {
        u.borrow_mut()
            .retain(|(p, a)| !(p == person && done.contains(a)))
    });
}

/// `POST /api/actors`: actors to register with the phone's public signing key.
#[derive(serde::Serialize)]
struct Actors<'a> {
    actors: &'a [String],
    key: &'a str,
}

/// The server's error body (`backend`'s `AppError`).
#[derive(serde::Deserialize)]
struct ErrorBody {
    error: String,
}

/// The server's error for the user: its JSON `error` (Chinese), else the status.
pub async fn error_text(resp: &Response) -> String {
    resp.json::<ErrorBody>()
        .await
        .map(|b| b.error)
        .unwrap_or_else(|_| format!("服务器返回 {}", resp.status()))
}

/// Logs in. The phone does not know whose number it is before the server answers, so it
/// sends no actors here: the person's own are registered before their first sync
/// ([`register_actors`]), and nobody else's are ever sent.
pub async fn login(phone: &str, password: &str) -> Result<Session, String> {
    #[derive(serde::Serialize)]
    struct Login<'a> {
        phone: &'a str,
        password: &'a str,
        actors: [&'a str; 0],
        device: Option<String>,
    }
    let body = Login {
        phone,
        password,
        actors: [],
        device: device_id(),
    };
    let resp = Request::post("/api/login")
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "无法连接服务器：首次登录需要联网".to_string())?;
    crate::clock::learn(&resp);
    if !resp.ok() {
        return Err(error_text(&resp).await);
    }
    let session: Session = resp.json().await.map_err(|e| e.to_string())?;
    let _ = storage::set(SESSION, &session);
    Ok(session)
}

/// This phone's device id (made by the repo at its first start, kept for good): the server
/// never slows a login from a device that has logged in to the account before, whatever
/// others typed for the number (issue 15).
pub fn device_id() -> Option<String> {
    storage::get::<String>("device")
}

/// Ends the session on the server if it can be reached, and on the phone in any case.
pub async fn logout(session: &Session) {
    let _ = Request::post("/api/logout")
        .header("Authorization", &format!("Bearer {}", session.token))
        .send()
        .await;
    forget();
}

pub enum RegisterError {
    Offline,
    /// The server refused the login: log in again.
    Unauthorized(String),
    Failed(String),
}

/// Registers the actors written with since the last registration, with this phone's
/// public signing key (issue 15); a no-op when there are none. The first time a key is
/// used (an app updated from before signing), every actor of the person in the phone's
/// documents is registered with it, so entries made before the key existed are signed
/// and accepted when they are sent. At most [`MAX_ACTORS_PER_REQUEST`] a request.
pub async fn register_actors(session: &Session) -> Result<(), RegisterError> {
    let person = &session.account.id;
    // The session opened the engine for the person before this.
    let Some(key) = crate::signing::public_key() else {
        return Err(RegisterError::Failed(
            crate::i18n::t("engine.not_ready").to_string(),
        ));
    };
    let everything = !crate::signing::all_registered(person, &key);
    let mut actors = unregistered(person);
    if everything {
        let own: Vec<String> =
            crate::engine::call(&shared::engine::Command::OwnActors).unwrap_or_default();
        for a in own {
            if !actors.contains(&a) {
                actors.push(a);
            }
        }
    }
    for chunk in actors.chunks(MAX_ACTORS_PER_REQUEST) {
        let resp = Request::post("/api/actors")
            .header("Authorization", &format!("Bearer {}", session.token))
            .json(&Actors {
                actors: chunk,
                key: &key,
            })
            .map_err(|e| RegisterError::Failed(e.to_string()))?
            .send()
            .await
            .map_err(|_| RegisterError::Offline)?;
        match resp.status() {
            204 => registered(person, chunk),
            401 => return Err(RegisterError::Unauthorized(error_text(&resp).await)),
            _ => return Err(RegisterError::Failed(error_text(&resp).await)),
        }
    }
    if everything {
        crate::signing::note_all_registered(person, &key);
    }
    Ok(())
}

/// The server's limit per registration (`backend::auth::MAX_ACTORS`).
const MAX_ACTORS_PER_REQUEST: usize = 16;
