//! Accounts, passwords, sessions, login rate limits and the per-document guard of sync.
//!
//! - Passwords: argon2id (the `argon2` crate's defaults, PHC strings with their own salt).
//! - Sessions: an opaque random bearer token (32 bytes from the OS); only its SHA-256 is
//!   stored, so a copy of the database does not let anyone log in. Tokens expire
//!   ([`AuthConfig::session_ttl_secs`], 30 days by default) and can be revoked.
//! - Devices: a phone's Automerge actor ids are bound to the user on login (and later with
//!   the session's token); sync takes each change from the user its actor is bound to and
//!   refuses changes by unbound actors or by people who may not write the document.
//! - Access: [`shared::access`] decides per document from the org tree.

pub mod demo;
mod limit;
pub mod routes;
pub mod store;

use crate::error::AppError;
use crate::hub::SyncGuard;
use crate::store::StoreError;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use automerge::{ActorId, AutoCommit, ChangeHash};
use sha2::{Digest, Sha256};
use shared::access::{self, parse_actor, Access, AccountRole, Position};
use shared::ids::hex;
use shared::ids::DocId;
use shared::model::Registry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use store::{Account, AccountExtra, AccountStore, Session, Taken};

pub use limit::{Attempt, LoginLimits};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// How long a login lasts; the phone works offline with it until then.
    pub session_ttl_secs: i64,
    /// Behind a TLS proxy (see ARCHITECTURE.md): take the client's address from the last
    /// `X-Forwarded-For` entry, which the proxy appends. Off, the header is ignored, since
    /// anyone could send it.
    pub trust_proxy: bool,
    pub limits: LoginLimits,
    /// How long someone moved to another branch or role may still hand in what their phone
    /// logged under the old one.
    pub handover_secs: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl_secs: 30 * 24 * 3600,
            trust_proxy: false,
            limits: LoginLimits::default(),
            handover_secs: 14 * 24 * 3600,
        }
    }
}

/// The most actor ids one request may register.
pub const MAX_ACTORS: usize = 16;

/// The logged-in caller of a request.
#[derive(Debug, Clone)]
pub struct User {
    pub account: Account,
    token_hash: String,
}

impl User {
    pub fn position(&self) -> Position {
        Position {
            role: self.account.role,
            org: self.account.org.clone(),
        }
    }

    /// Every position whose documents the account may use now (the handover's previous
    /// one included).
    pub fn positions(&self, now: i64) -> Vec<Position> {
        positions_of(&self.account, now)
    }

    /// Reads every document: the county office's views are for these users.
    pub fn reads_county(&self) -> bool {
        matches!(
            self.account.role,
            AccountRole::OfficeStaff | AccountRole::Admin
        )
    }
}

/// The positions whose documents an account may use now: the current one, and during a
/// handover the previous one.
fn positions_of(account: &Account, now: i64) -> Vec<Position> {
    let mut out = vec![Position {
        role: account.role,
        org: account.org.clone(),
    }];
    if let Some((role, org)) = &account.previous {
        if now < account.handover_until {
            out.push(Position {
                role: *role,
                org: org.clone(),
            });
        }
    }
    out
}

#[derive(Debug, serde::Serialize)]
pub struct LoginOk {
    pub token: String,
    pub expires_at: i64,
    pub account: Account,
    /// What the registry changed about this person since (issue 13), e.g.
    /// 「您已调至 县财政局机关党支部」; absent when there is nothing to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// Activation codes: 8 digits (typed on a cheap phone from a printed slip), one-time,
/// valid [`shared::registry_admin::ACTIVATION_DAYS`] days, stored as an argon2id hash with
/// light parameters — a code lives a week and guessing is rate-limited like logins, and a
/// branch's slips are hashed in one request.
fn code_hasher() -> Argon2<'static> {
    let params = argon2::Params::new(4096, 1, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

fn hash_code(code: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    code_hasher()
        .hash_password(code.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

fn verify_code(code: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| code_hasher().verify_password(code.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// The notice an account carries now, if any.
pub fn live_notice(extra: &AccountExtra, now: i64) -> Option<String> {
    (!extra.notice.is_empty() && now < extra.notice_until).then(|| extra.notice.clone())
}

#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn AccountStore>,
    config: AuthConfig,
    /// Verified against when the phone number is unknown, so a wrong number takes as long
    /// as a wrong password and does not reveal which numbers have accounts.
    dummy_hash: String,
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Chinese mobile numbers: 11 digits starting with 1.
pub fn valid_phone(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// The password rule lives in `shared`, so the phone checks the same one before asking.
pub use shared::registry_admin::MIN_PASSWORD_CHARS;

impl Auth {
    pub fn new(store: Arc<dyn AccountStore>, config: AuthConfig) -> Result<Self, AppError> {
        let dummy_hash = hash_password("no account has this password")?;
        Ok(Auth {
            inner: Arc::new(Inner {
                store,
                config,
                dummy_hash,
            }),
        })
    }

    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    pub fn store(&self) -> &dyn AccountStore {
        &*self.inner.store
    }

    /// Creates an account whose password is already hashed (PHC string).
    pub fn insert(&self, account: &Account, password_hash: &str) -> Result<(), AppError> {
        match self.inner.store.insert(account, password_hash)? {
            Ok(()) => Ok(()),
            Err(Taken::Id) => Err(AppError::Conflict(format!("编号 {} 已有账号", account.id))),
            Err(Taken::Phone) => Err(AppError::Conflict(format!(
                "手机号 {} 已有账号",
                account.phone
            ))),
        }
    }

    /// Checks a login, rate-limited per phone number (failures) and per address (attempts).
    pub fn login(
        &self,
        phone: &str,
        password: &str,
        ip: Option<IpAddr>,
        actors: &[String],
        now: i64,
    ) -> Result<LoginOk, AppError> {
        self.login_from(phone, password, ip, None, actors, now)
    }

    /// A login from a phone that names its device id: a device that has logged in to this
    /// account before is never slowed by failures typed elsewhere (`limit`).
    pub fn login_from(
        &self,
        phone: &str,
        password: &str,
        ip: Option<IpAddr>,
        device: Option<&str>,
        actors: &[String],
        now: i64,
    ) -> Result<LoginOk, AppError> {
        let attempt = limit::Attempt { phone, device, ip };
        let (limits, store) = (&self.inner.config.limits, &*self.inner.store);
        limit::check(limits, store, &attempt, now)?;
        let found = self.inner.store.by_phone(phone)?;
        let ok = match &found {
            Some((_, phc)) => verify_password(password, phc),
            None => {
                let _ = verify_password(password, &self.inner.dummy_hash);
                false
            }
        };
        let Some((account, _)) = found.filter(|_| ok) else {
            limit::failed(limits, store, &attempt, now)?;
            tracing::warn!(%phone, ip = %attempt.address(), "login refused: wrong phone number or password");
            return Err(AppError::Unauthorized("手机号或密码不正确".into()));
        };
        limit::succeeded(limits, store, &attempt, now)?;
        self.start_session(account, actors, now)
    }

    /// A new session for a checked account: refused if it is disabled.
    fn start_session(
        &self,
        account: Account,
        actors: &[String],
        now: i64,
    ) -> Result<LoginOk, AppError> {
        let mut extra = self.inner.store.extra(&account.id)?;
        if extra.disabled {
            tracing::warn!(user = %account.id, "login refused: account disabled");
            return Err(AppError::Disabled);
        }
        self.bind_actors(&account.id, actors)?;
        extra.last_login = now;
        self.inner.store.set_extra(&account.id, &extra)?;
        let notice = live_notice(&extra, now);
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let token = hex(&raw);
        let expires_at = now + self.inner.config.session_ttl_secs;
        self.inner.store.insert_session(
            &token_hash(&token),
            &Session {
                user: account.id.clone(),
                expires_at,
                revoked: false,
            },
        )?;
        tracing::info!(user = %account.id, "logged in");
        Ok(LoginOk {
            token,
            expires_at,
            account,
            notice,
        })
    }

    /// First login with an activation code (issue 13): checks the code (rate-limited like
    /// a password), sets the person's own password, uses the code up, starts a session.
    pub fn activate(
        &self,
        attempt: Attempt,
        code: &str,
        password: &str,
        actors: &[String],
        now: i64,
    ) -> Result<LoginOk, AppError> {
        let phone = attempt.phone;
        let (limits, store) = (&self.inner.config.limits, &*self.inner.store);
        limit::check(limits, store, &attempt, now)?;
        let found = self.inner.store.by_phone(phone)?;
        let live = match &found {
            Some((a, _)) => self.inner.store.activation(&a.id)?,
            None => None,
        };
        let ok = match &live {
            Some((hash, expires)) => verify_code(code, hash) && now < *expires,
            None => {
                let _ = verify_code(code, &self.inner.dummy_hash);
                false
            }
        };
        let Some((account, _)) = found.filter(|_| ok) else {
            limit::failed(limits, store, &attempt, now)?;
            tracing::warn!(%phone, ip = %attempt.address(), "activation refused");
            return Err(AppError::Unauthorized(
                "激活码不正确、已用过或已过期，请向管理员索取新的登录凭条".into(),
            ));
        };
        if self.inner.store.extra(&account.id)?.disabled {
            return Err(AppError::Disabled);
        }
        let hash = hash_password(password)?;
        self.inner.store.set_password(&account.id, &hash)?;
        self.inner.store.clear_activation(&account.id)?;
        limit::succeeded(limits, store, &attempt, now)?;
        tracing::info!(user = %account.id, "account activated");
        self.start_session(account, actors, now)
    }

    /// Failed logins for a phone number in the last day (the account page shows them).
    pub fn recent_login_failures(&self, phone: &str, now: i64) -> Result<u32, AppError> {
        limit::recent_failures(&self.inner.config.limits, &*self.inner.store, phone, now)
    }

    /// A new one-time code for an account (first slip or password reset); the earlier
    /// code stops working. The current password keeps working until the code is used.
    pub fn issue_code(&self, id: &str, now: i64) -> Result<(String, i64), AppError> {
        let mut raw = [0u8; 8];
        OsRng.fill_bytes(&mut raw);
        let code = format!("{:08}", u64::from_le_bytes(raw) % 100_000_000);
        let expires_at = now + shared::registry_admin::ACTIVATION_DAYS * 24 * 3600;
        self.inner
            .store
            .set_activation(id, &hash_code(&code)?, expires_at)?;
        Ok((code, expires_at))
    }

    /// Disables or enables an account; disabling ends its sessions (its phone is told
    /// why at its next request: [`AppError::Disabled`]).
    pub fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), AppError> {
        let mut extra = self.inner.store.extra(id)?;
        extra.disabled = disabled;
        self.inner.store.set_extra(id, &extra)?;
        if disabled {
            self.inner.store.revoke_all(id)?;
            self.inner.store.clear_activation(id)?;
        }
        tracing::info!(user = %id, disabled, "account enabled/disabled");
        Ok(())
    }

    /// Leaves a notice for the person's phone until `until`.
    pub fn set_notice(&self, id: &str, notice: &str, until: i64) -> Result<(), AppError> {
        let mut extra = self.inner.store.extra(id)?;
        extra.notice = notice.to_string();
        extra.notice_until = until;
        self.inner.store.set_extra(id, &extra)?;
        Ok(())
    }

    /// The Automerge actor an office user writes the registry and `county-office` with:
    /// `<account id>\0office`, bound to them, so the documents' history names them
    /// (the phone's history reads the name from the bytes before the zero, as for its own
    /// actors).
    pub fn office_actor(&self, user: &str) -> Result<ActorId, AppError> {
        let mut bytes = user.as_bytes().to_vec();
        bytes.extend_from_slice(b"\0office");
        let actor = ActorId::from(bytes);
        let owner = self.inner.store.bind_actor(&actor.to_hex_string(), user)?;
        if owner != user {
            return Err(AppError::Conflict(
                "该账号的修改编号已登记给其他用户，无法记录修改人".into(),
            ));
        }
        Ok(actor)
    }

    /// The user of a bearer token, if it is live.
    pub fn authenticate(&self, token: &str, now: i64) -> Result<User, AppError> {
        let hash = token_hash(token);
        let session = self.inner.store.session(&hash)?;
        let refuse = |why: &str, message: &str| {
            tracing::warn!(reason = why, "bearer token refused");
            Err(AppError::Unauthorized(message.into()))
        };
        let Some(session) = session else {
            return refuse("unknown", "登录无效，请重新登录");
        };
        if session.revoked {
            // Why it ended, when the phone can be told (issue 13): disabled, or moved.
            let extra = self.inner.store.extra(&session.user)?;
            if extra.disabled {
                tracing::warn!(user = %session.user, "disabled account refused");
                return Err(AppError::Disabled);
            }
            if let Some(n) = live_notice(&extra, now) {
                tracing::warn!(reason = "revoked", "bearer token refused");
                return Err(AppError::Unauthorized(format!("{n}，请重新登录")));
            }
            return refuse("revoked", "登录已被注销，请重新登录");
        }
        if now >= session.expires_at {
            return refuse("expired", "登录已过期，请联网重新登录");
        }
        let Some(account) = self.inner.store.get(&session.user)? else {
            return refuse("no account", "账号不存在，请联系管理员");
        };
        Ok(User {
            account,
            token_hash: hash,
        })
    }

    pub fn logout(&self, user: &User) -> Result<(), AppError> {
        self.inner.store.revoke_session(&user.token_hash)?;
        Ok(())
    }

    /// Binds device actor ids to a user; an actor already bound to someone else is refused.
    pub fn bind_actors(&self, user: &str, actors: &[String]) -> Result<(), AppError> {
        if actors.len() > MAX_ACTORS {
            return Err(AppError::BadRequest(format!(
                "一次最多登记 {MAX_ACTORS} 个设备编号"
            )));
        }
        for a in actors {
            let Some(actor) = parse_actor(a) else {
                return Err(AppError::BadRequest(format!("设备编号无效：{a}")));
            };
            if actor == ActorId::from([0u8; 16]) {
                return Err(AppError::BadRequest("设备编号无效：保留编号".into()));
            }
            // The app's actors start with the writer's id (the history names people by
            // it): an actor naming another account would put words in their mouth.
            if let Some(named) = shared::ids::person_of_actor(&actor) {
                if named != user && self.inner.store.get(&named)?.is_some() {
                    tracing::warn!(%user, actor = %a, %named, "actor names another user");
                    return Err(AppError::Conflict(
                        "设备编号属于其他用户，不能登记在本账号下".into(),
                    ));
                }
            }
            let owner = self.inner.store.bind_actor(&actor.to_hex_string(), user)?;
            if owner != user {
                tracing::warn!(%user, actor = %a, "actor already bound to another user");
                return Err(AppError::Conflict(
                    "该设备编号已登记给其他用户，请刷新页面后重新登录".into(),
                ));
            }
        }
        Ok(())
    }

    /// Registers a device's public signing key (issue 15) for actors of this user (bound
    /// by [`Self::bind_actors`] just before): from then on every change of these actors
    /// must carry its signature. The first key registered for an actor stays: a later
    /// different one (the same person's other phone claiming it) is logged, not stored.
    pub fn register_key(&self, user: &str, actors: &[String], key: &str) -> Result<(), AppError> {
        let Some(public) = shared::signing::parse_public(key) else {
            return Err(AppError::BadRequest(
                "签名密钥无效，请更新应用后重新登录".into(),
            ));
        };
        for a in actors {
            let Some(actor) = parse_actor(a) else {
                return Err(AppError::BadRequest(format!("设备编号无效：{a}")));
            };
            let hex = actor.to_hex_string();
            if self.inner.store.actor_owner(&hex)?.as_deref() != Some(user) {
                return Err(AppError::Conflict(
                    "该设备编号已登记给其他用户，请刷新页面后重新登录".into(),
                ));
            }
            let stored = self.inner.store.set_actor_key(&hex, &public)?;
            if stored != public {
                tracing::warn!(%user, actor = %hex, "actor already has another signing key: kept");
            }
        }
        Ok(())
    }

    /// What this user may do in a sync, as of `now`.
    pub fn guard(
        &self,
        user: &User,
        registry: Arc<Registry>,
        now: i64,
    ) -> Result<UserGuard, AppError> {
        let actors = self
            .inner
            .store
            .actors_of(&user.account.id)?
            .into_iter()
            .collect();
        Ok(UserGuard {
            user: user.account.id.clone(),
            positions: user.positions(now),
            registry,
            actors,
            store: self.inner.store.clone(),
            now,
        })
    }

    /// Moves someone to another branch or role. Their sessions end (the phone logs in
    /// again and learns its new documents); the old branch document stays writable for
    /// [`AuthConfig::handover_secs`], so what the phone logged offline is still handed in;
    /// what they recorded stays in the old branch's document, where their successor sees it.
    pub fn reassign(&self, id: &str, to: Position, now: i64) -> Result<Account, AppError> {
        let Some(mut account) = self.inner.store.get(id)? else {
            return Err(AppError::NotFound(format!("没有这个账号：{id}")));
        };
        let from = (account.role, account.org.clone());
        if (from.0, from.1.as_str()) == (to.role, to.org.as_str()) {
            return Err(AppError::BadRequest("新岗位与原岗位相同".into()));
        }
        account.previous = Some(from);
        account.handover_until = now + self.inner.config.handover_secs;
        account.role = to.role;
        account.org = to.org;
        self.inner.store.update(&account)?;
        let ended = self.inner.store.revoke_all(id)?;
        tracing::info!(user = %id, role = account.role.code(), org = %account.org, ended, "account reassigned");
        Ok(account)
    }
}

/// A user's rights in one sync request.
pub struct UserGuard {
    user: String,
    positions: Vec<Position>,
    registry: Arc<Registry>,
    actors: HashSet<String>,
    /// For the owners of actors that are not the user's: a colleague's changes that the
    /// user's phone brings in (an imported export file).
    store: Arc<dyn AccountStore>,
    now: i64,
}

/// The person behind the changes of one actor.
struct Writer {
    id: String,
    /// Whether they may touch only records under their own name in this document.
    own_only: bool,
}

impl UserGuard {
    /// The person an actor that is not this user's is bound to, if that person may write
    /// `doc` now; otherwise why the changes are refused.
    fn colleague(&self, doc: &DocId, actor: &str) -> Result<Result<Writer, String>, StoreError> {
        let unknown = || {
            format!(
                "修改的设备编号 {actor} 尚未登记，已拒收；请重新登录后再同步（若是从他人导入的记录，待其本人联网同步后即可同步）"
            )
        };
        let Some(owner) = self.store.actor_owner(actor)? else {
            return Ok(Err(unknown()));
        };
        let Some(account) = self.store.get(&owner)? else {
            return Ok(Err(unknown()));
        };
        let positions = positions_of(&account, self.now);
        let may_write = positions
            .iter()
            .any(|p| access::access(p, doc, &self.registry) == Access::Write);
        if !may_write {
            return Ok(Err(format!(
                "修改的设备编号 {actor} 属于 {}（{owner}），其无权修改 {doc}，已拒收",
                account.name
            )));
        }
        Ok(Ok(Writer {
            own_only: access::own_records_only(&positions, doc),
            id: owner,
        }))
    }
}

fn not_theirs(who: &str, records: &[String]) -> String {
    format!(
        "{who}只能记录和修改本人的记录，支部的结对、方案、活动和实事由支部书记记录（{}），已拒收",
        records.join("、")
    )
}

impl SyncGuard for UserGuard {
    fn who(&self) -> &str {
        &self.user
    }
    fn access(&self, doc: &DocId) -> Access {
        self.positions
            .iter()
            .map(|p| access::access(p, doc, &self.registry))
            .max()
            .unwrap_or(Access::None)
    }

    /// Each change is taken from the person its actor is bound to, and judged by that
    /// person's rights: the user's own, or a colleague's that the user's phone relays
    /// (an export file imported from their phone) when the colleague may write this
    /// document and the change keeps to their own records where they must. The history
    /// then names the colleague, who made it; unbound actors are refused.
    fn check_changes(
        &self,
        id: &DocId,
        doc: &mut AutoCommit,
        before: &[ChangeHash],
        system: &[ChangeHash],
    ) -> Result<Result<(), String>, StoreError> {
        let changes: Vec<(ActorId, ChangeHash, Vec<ChangeHash>)> = doc
            .get_changes_meta(before)
            .into_iter()
            .filter(|c| !system.contains(&c.hash))
            .map(|c| (c.actor.into_owned(), c.hash, c.deps))
            .collect();
        let mine = access::own_records_only(&self.positions, id);
        let mut writers: HashMap<ActorId, Writer> = HashMap::new();
        for (actor, _, _) in &changes {
            if writers.contains_key(actor) {
                continue;
            }
            let hex = actor.to_hex_string();
            let writer = if self.actors.contains(&hex) {
                Writer {
                    id: self.user.clone(),
                    own_only: mine,
                }
            } else {
                match self.colleague(id, &hex)? {
                    Ok(w) => w,
                    Err(reason) => return Ok(Err(reason)),
                }
            };
            writers.insert(actor.clone(), writer);
        }
        let relayed: BTreeSet<&str> = writers
            .values()
            .map(|w| w.id.as_str())
            .filter(|w| *w != self.user)
            .collect();
        if relayed.is_empty() {
            // All the user's own: one diff over all of them.
            if mine {
                let foreign = access::foreign_records(doc, before, &self.user);
                if !foreign.is_empty() {
                    return Ok(Err(not_theirs("", &foreign)));
                }
            }
            return Ok(Ok(()));
        }
        // Several people's changes: each change by its own author's rules.
        for (actor, hash, deps) in &changes {
            let w = &writers[actor];
            if !w.own_only {
                continue;
            }
            let foreign = access::foreign_records_between(doc, deps, &[*hash], &w.id);
            if !foreign.is_empty() {
                let who = if w.id == self.user {
                    String::new()
                } else {
                    format!("转交的修改出自 {}，", w.id)
                };
                return Ok(Err(not_theirs(&who, &foreign)));
            }
        }
        tracing::info!(user = %self.user, doc = %id, relayed = ?relayed, "colleagues' changes relayed");
        Ok(Ok(()))
    }

    /// Every change of an actor with a registered key carries that key's valid signature;
    /// a relayed change (an actor not the user's) needs its author's key and signature.
    /// The user's own actors registered before signing existed (no key) are taken as
    /// before: what older apps handed in stays theirs.
    fn check_signatures(
        &self,
        _id: &DocId,
        doc: &mut AutoCommit,
        before: &[ChangeHash],
        system: &[ChangeHash],
        sigs: &HashMap<ChangeHash, Vec<u8>>,
    ) -> Result<Result<crate::hub::KeptSignatures, String>, StoreError> {
        let changes: Vec<(ActorId, ChangeHash)> = doc
            .get_changes_meta(before)
            .into_iter()
            .filter(|c| !system.contains(&c.hash))
            .map(|c| (c.actor.into_owned(), c.hash))
            .collect();
        let mut keys: HashMap<ActorId, Option<[u8; 32]>> = HashMap::new();
        let mut kept = Vec::with_capacity(changes.len());
        for (actor, hash) in changes {
            let key = match keys.get(&actor) {
                Some(k) => *k,
                None => {
                    let k = self.store.actor_key(&actor.to_hex_string())?;
                    keys.insert(actor.clone(), k);
                    k
                }
            };
            let hex = actor.to_hex_string();
            let Some(key) = key else {
                if self.actors.contains(&hex) {
                    continue;
                }
                let owner = self.store.actor_owner(&hex)?.unwrap_or_default();
                return Ok(Err(format!(
                    "转交的修改出自 {owner}，其设备尚未登记签名密钥，已拒收；待其本人联网同步后即可同步"
                )));
            };
            match sigs.get(&hash) {
                None => return Ok(Err(unsigned(&hex))),
                Some(sig) if !shared::signing::verify(&key, &hash, sig) => {
                    tracing::warn!(user = %self.user, actor = %hex, change = %hash, "wrongly signed change");
                    return Ok(Err(wrongly_signed(&hex)));
                }
                Some(sig) => kept.push((hash.0, sig.clone())),
            }
        }
        Ok(Ok(kept))
    }

    fn keep_signatures(&self, sigs: &[([u8; 32], Vec<u8>)]) -> Result<(), StoreError> {
        if sigs.is_empty() {
            return Ok(());
        }
        self.store.put_change_sigs(sigs)
    }
}

/// Why the changes of a message are refused for their signatures (issue 15).
fn unsigned(actor: &str) -> String {
    format!("修改缺少设备签名（设备编号 {actor}），已拒收；请更新应用后再同步，数据仍保存在手机上")
}

fn wrongly_signed(actor: &str) -> String {
    format!("修改的签名与设备编号 {actor} 登记的密钥不符，已拒收")
}
