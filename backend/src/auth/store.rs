//! Accounts, sessions and device actors, behind a small trait like [`crate::store::DocStore`]:
//! in memory for tests, SQLite (its own table set in the server's database file) for real.

use crate::audit::AuditEntry;
use crate::store::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use shared::access::AccountRole;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// For field roles, the person's id in the registry: it is the `author` of their records.
    pub id: String,
    pub name: String,
    pub phone: String,
    pub role: AccountRole,
    pub org: String,
    /// After a handover: the old position, still writable until `handover_until` so that
    /// what the phone logged offline before the move can still be handed in.
    pub previous: Option<(AccountRole, String)>,
    pub handover_until: i64,
}

/// What issue 13 keeps beside an account (its own table, so older databases need no
/// migration): disabled by a manager, the last login, and a notice for the phone
/// (「您已调至 …」) shown until `notice_until`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountExtra {
    pub disabled: bool,
    pub last_login: i64,
    pub notice: String,
    pub notice_until: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub expires_at: i64,
    pub revoked: bool,
}

/// Why an insert did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Id,
    Phone,
}

pub trait AccountStore: Send + Sync + 'static {
    fn is_empty(&self) -> Result<bool, StoreError>;
    /// Inserts a new account with its password hash (PHC string); refuses a taken id or phone.
    fn insert(
        &self,
        account: &Account,
        password_hash: &str,
    ) -> Result<Result<(), Taken>, StoreError>;
    fn update(&self, account: &Account) -> Result<(), StoreError>;
    fn get(&self, id: &str) -> Result<Option<Account>, StoreError>;
    /// The account and its password hash.
    fn by_phone(&self, phone: &str) -> Result<Option<(Account, String)>, StoreError>;
    fn insert_session(&self, token_hash: &str, session: &Session) -> Result<(), StoreError>;
    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError>;
    fn revoke_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Revokes every session of a user; returns how many were live.
    fn revoke_all(&self, user: &str) -> Result<usize, StoreError>;
    /// Binds an actor to a user; returns the user it is bound to (the existing owner if it
    /// was already bound, which may be someone else).
    fn bind_actor(&self, actor: &str, user: &str) -> Result<String, StoreError>;
    fn actors_of(&self, user: &str) -> Result<Vec<String>, StoreError>;
    /// The user an actor is bound to, if any.
    fn actor_owner(&self, actor: &str) -> Result<Option<String>, StoreError>;
    /// Registers the public signing key of an actor's device (issue 15); the first key
    /// registered for an actor stays. Returns the actor's key after the call.
    fn set_actor_key(&self, actor: &str, key: &[u8; 32]) -> Result<[u8; 32], StoreError>;
    /// The public key an actor's changes must be signed with, if its device registered one.
    fn actor_key(&self, actor: &str) -> Result<Option<[u8; 32]>, StoreError>;
    /// Keeps the signatures of accepted changes (hash → signature): the proof of who wrote
    /// them, beside the documents.
    fn put_change_sigs(&self, sigs: &[([u8; 32], Vec<u8>)]) -> Result<(), StoreError>;
    fn change_sig(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every account (the office's account list).
    fn list(&self) -> Result<Vec<Account>, StoreError>;
    fn extra(&self, id: &str) -> Result<AccountExtra, StoreError>;
    fn all_extras(&self) -> Result<BTreeMap<String, AccountExtra>, StoreError>;
    fn set_extra(&self, id: &str, extra: &AccountExtra) -> Result<(), StoreError>;
    fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError>;
    /// The one live activation code of an account (hashed), replacing any earlier one.
    fn set_activation(&self, id: &str, code_hash: &str, expires_at: i64) -> Result<(), StoreError>;
    fn activation(&self, id: &str) -> Result<Option<(String, i64)>, StoreError>;
    /// Account id → expiry of its live code.
    fn all_activations(&self) -> Result<BTreeMap<String, i64>, StoreError>;
    fn clear_activation(&self, id: &str) -> Result<(), StoreError>;
    /// A login-limit counter (`auth::limit`): its count and when it last changed; (0, 0)
    /// when there is none.
    fn counter(&self, key: &str) -> Result<(u32, i64), StoreError>;
    fn set_counter(&self, key: &str, count: u32, at: i64) -> Result<(), StoreError>;
    /// Every counter whose key starts with `prefix`: key, count, when.
    fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, u32, i64)>, StoreError>;
    /// Appends to the audit log of office actions (`crate::audit`); nothing edits it.
    fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The newest `limit` audit entries, newest first.
    fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
}

#[derive(Default)]
struct Mem {
    extras: BTreeMap<String, AccountExtra>,
    activations: BTreeMap<String, (String, i64)>,
    accounts: BTreeMap<String, (Account, String)>,
    sessions: BTreeMap<String, Session>,
    actors: BTreeMap<String, String>,
    actor_keys: BTreeMap<String, [u8; 32]>,
    change_sigs: BTreeMap<[u8; 32], Vec<u8>>,
    counters: BTreeMap<String, (u32, i64)>,
    audit: Vec<AuditEntry>,
}

/// For tests and throw-away servers.
#[derive(Default)]
pub struct MemAccounts(Mutex<Mem>);

impl MemAccounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Mem> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AccountStore for MemAccounts {
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.lock().accounts.is_empty())
    }
    fn insert(
        &self,
        account: &Account,
        password_hash: &str,
    ) -> Result<Result<(), Taken>, StoreError> {
        let mut m = self.lock();
        if m.accounts.contains_key(&account.id) {
            return Ok(Err(Taken::Id));
        }
        if m.accounts.values().any(|(a, _)| a.phone == account.phone) {
            return Ok(Err(Taken::Phone));
        }
        m.accounts.insert(
            account.id.clone(),
            (account.clone(), password_hash.to_string()),
        );
        Ok(Ok(()))
    }
    fn update(&self, account: &Account) -> Result<(), StoreError> {
        if let Some((a, _)) = self.lock().accounts.get_mut(&account.id) {
            *a = account.clone();
        }
        Ok(())
    }
    fn get(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(id).map(|(a, _)| a.clone()))
    }
    fn by_phone(&self, phone: &str) -> Result<Option<(Account, String)>, StoreError> {
        Ok(self
            .lock()
            .accounts
            .values()
            .find(|(a, _)| a.phone == phone)
            .cloned())
    }
    fn insert_session(&self, token_hash: &str, session: &Session) -> Result<(), StoreError> {
        self.lock()
            .sessions
            .insert(token_hash.to_string(), session.clone());
        Ok(())
    }
    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.lock().sessions.get(token_hash).cloned())
    }
    fn revoke_session(&self, token_hash: &str) -> Result<(), StoreError> {
        if let Some(s) = self.lock().sessions.get_mut(token_hash) {
            s.revoked = true;
        }
        Ok(())
    }
    fn revoke_all(&self, user: &str) -> Result<usize, StoreError> {
        let mut n = 0;
        for s in self.lock().sessions.values_mut() {
            if s.user == user && !s.revoked {
                s.revoked = true;
                n += 1;
            }
        }
        Ok(n)
    }
    fn bind_actor(&self, actor: &str, user: &str) -> Result<String, StoreError> {
        Ok(self
            .lock()
            .actors
            .entry(actor.to_string())
            .or_insert_with(|| user.to_string())
            .clone())
    }
    fn actors_of(&self, user: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .actors
            .iter()
            .filter(|(_, u)| *u == user)
            .map(|(a, _)| a.clone())
            .collect())
    }
    fn actor_owner(&self, actor: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().actors.get(actor).cloned())
    }
    fn set_actor_key(&self, actor: &str, key: &[u8; 32]) -> Result<[u8; 32], StoreError> {
        Ok(*self
            .lock()
            .actor_keys
            .entry(actor.to_string())
            .or_insert(*key))
    }
    fn actor_key(&self, actor: &str) -> Result<Option<[u8; 32]>, StoreError> {
        Ok(self.lock().actor_keys.get(actor).copied())
    }
    fn put_change_sigs(&self, sigs: &[([u8; 32], Vec<u8>)]) -> Result<(), StoreError> {
        let mut m = self.lock();
        for (h, s) in sigs {
            m.change_sigs.entry(*h).or_insert_with(|| s.clone());
        }
        Ok(())
    }
    fn change_sig(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().change_sigs.get(hash).cloned())
    }
    fn list(&self) -> Result<Vec<Account>, StoreError> {
        Ok(self
            .lock()
            .accounts
            .values()
            .map(|(a, _)| a.clone())
            .collect())
    }
    fn extra(&self, id: &str) -> Result<AccountExtra, StoreError> {
        Ok(self.lock().extras.get(id).cloned().unwrap_or_default())
    }
    fn all_extras(&self) -> Result<BTreeMap<String, AccountExtra>, StoreError> {
        Ok(self.lock().extras.clone())
    }
    fn set_extra(&self, id: &str, extra: &AccountExtra) -> Result<(), StoreError> {
        self.lock().extras.insert(id.to_string(), extra.clone());
        Ok(())
    }
    fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        if let Some((_, p)) = self.lock().accounts.get_mut(id) {
            *p = password_hash.to_string();
        }
        Ok(())
    }
    fn set_activation(&self, id: &str, code_hash: &str, expires_at: i64) -> Result<(), StoreError> {
        self.lock()
            .activations
            .insert(id.to_string(), (code_hash.to_string(), expires_at));
        Ok(())
    }
    fn activation(&self, id: &str) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self.lock().activations.get(id).cloned())
    }
    fn all_activations(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        Ok(self
            .lock()
            .activations
            .iter()
            .map(|(k, (_, e))| (k.clone(), *e))
            .collect())
    }
    fn clear_activation(&self, id: &str) -> Result<(), StoreError> {
        self.lock().activations.remove(id);
        Ok(())
    }
    fn counter(&self, key: &str) -> Result<(u32, i64), StoreError> {
        Ok(self.lock().counters.get(key).copied().unwrap_or((0, 0)))
    }
    fn set_counter(&self, key: &str, count: u32, at: i64) -> Result<(), StoreError> {
        self.lock().counters.insert(key.to_string(), (count, at));
        Ok(())
    }
    fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, u32, i64)>, StoreError> {
        Ok(self
            .lock()
            .counters
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, (n, at))| (k.clone(), *n, *at))
            .collect())
    }
    fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.lock().audit.push(entry.clone());
        Ok(())
    }
    fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .lock()
            .audit
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }
}

/// The accounts tables in the server's SQLite file (WAL, `synchronous=FULL`, like the documents).
pub struct SqliteAccounts(Mutex<Connection>);

impl SqliteAccounts {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS accounts (
                 id             TEXT PRIMARY KEY,
                 name           TEXT NOT NULL,
                 phone          TEXT NOT NULL UNIQUE,
                 role           TEXT NOT NULL,
                 org            TEXT NOT NULL,
                 prev_role      TEXT,
                 prev_org       TEXT,
                 handover_until INTEGER NOT NULL DEFAULT 0,
                 password       TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS sessions (
                 token_hash TEXT PRIMARY KEY,
                 user       TEXT NOT NULL,
                 expires_at INTEGER NOT NULL,
                 revoked    INTEGER NOT NULL DEFAULT 0
             );
             CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
             CREATE TABLE IF NOT EXISTS actors (
                 actor TEXT PRIMARY KEY,
                 user  TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS actors_user ON actors(user);
             CREATE TABLE IF NOT EXISTS actor_keys (
                 actor TEXT PRIMARY KEY,
                 key   BLOB NOT NULL
             );
             CREATE TABLE IF NOT EXISTS change_sigs (
                 hash BLOB PRIMARY KEY,
                 sig  BLOB NOT NULL
             );
             CREATE TABLE IF NOT EXISTS account_extra (
                 id           TEXT PRIMARY KEY,
                 disabled     INTEGER NOT NULL DEFAULT 0,
                 last_login   INTEGER NOT NULL DEFAULT 0,
                 notice       TEXT NOT NULL DEFAULT '',
                 notice_until INTEGER NOT NULL DEFAULT 0
             );
             CREATE TABLE IF NOT EXISTS activations (
                 id         TEXT PRIMARY KEY,
                 code_hash  TEXT NOT NULL,
                 expires_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS audit (
                 seq    INTEGER PRIMARY KEY AUTOINCREMENT,
                 at     INTEGER NOT NULL,
                 user   TEXT NOT NULL,
                 name   TEXT NOT NULL,
                 action TEXT NOT NULL,
                 status INTEGER NOT NULL,
                 client TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS login_counters (
                 key   TEXT PRIMARY KEY,
                 count INTEGER NOT NULL,
                 at    INTEGER NOT NULL
             );",
        )?;
        Ok(SqliteAccounts(Mutex::new(conn)))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // SQLite keeps itself consistent with its own transactions; a poisoned lock is safe.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn role(code: &str) -> rusqlite::Result<AccountRole> {
    AccountRole::from_code(code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown role {code:?}").into(),
        )
    })
}

const ACCOUNT_COLUMNS: &str =
    "id, name, phone, role, org, prev_role, prev_org, handover_until, password";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Account, String)> {
    let prev_role: Option<String> = r.get(5)?;
    let prev_org: Option<String> = r.get(6)?;
    let previous = match (prev_role, prev_org) {
        (Some(pr), Some(po)) => Some((role(&pr)?, po)),
        _ => None,
    };
    Ok((
        Account {
            id: r.get(0)?,
            name: r.get(1)?,
            phone: r.get(2)?,
            role: role(&r.get::<_, String>(3)?)?,
            org: r.get(4)?,
            previous,
            handover_until: r.get(7)?,
        },
        r.get(8)?,
    ))
}

fn extra_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountExtra> {
    Ok(AccountExtra {
        disabled: r.get(0)?,
        last_login: r.get(1)?,
        notice: r.get(2)?,
        notice_until: r.get(3)?,
    })
}

impl AccountStore for SqliteAccounts {
    fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    fn insert(&self, a: &Account, password_hash: &str) -> Result<Result<(), Taken>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let taken = |sql: &str, v: &str| -> rusqlite::Result<bool> {
            tx.query_row(sql, params![v], |_| Ok(()))
                .optional()
                .map(|o| o.is_some())
        };
        if taken("SELECT 1 FROM accounts WHERE id = ?1", &a.id)? {
            return Ok(Err(Taken::Id));
        }
        if taken("SELECT 1 FROM accounts WHERE phone = ?1", &a.phone)? {
            return Ok(Err(Taken::Phone));
        }
        tx.execute(
            &format!("INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                a.id,
                a.name,
                a.phone,
                a.role.code(),
                a.org,
                a.previous.as_ref().map(|p| p.0.code()),
                a.previous.as_ref().map(|p| p.1.as_str()),
                a.handover_until,
                password_hash
            ],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn update(&self, a: &Account) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE accounts SET name = ?2, phone = ?3, role = ?4, org = ?5, prev_role = ?6,
                 prev_org = ?7, handover_until = ?8 WHERE id = ?1",
            params![
                a.id,
                a.name,
                a.phone,
                a.role.code(),
                a.org,
                a.previous.as_ref().map(|p| p.0.code()),
                a.previous.as_ref().map(|p| p.1.as_str()),
                a.handover_until
            ],
        )?;
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<Account>, StoreError> {
        // Cached statements: every request authenticates, and preparing the SQL each time
        // was most of that work.
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
            ))?
            .query_row(params![id], account_row)
            .optional()?
            .map(|(a, _)| a))
    }

    fn by_phone(&self, phone: &str) -> Result<Option<(Account, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE phone = ?1"),
                params![phone],
                account_row,
            )
            .optional()?)
    }

    fn insert_session(&self, token_hash: &str, s: &Session) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO sessions (token_hash, user, expires_at, revoked) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, s.user, s.expires_at, s.revoked],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT user, expires_at, revoked FROM sessions WHERE token_hash = ?1")?
            .query_row(params![token_hash], |r| {
                Ok(Session {
                    user: r.get(0)?,
                    expires_at: r.get(1)?,
                    revoked: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn revoke_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sessions SET revoked = 1 WHERE token_hash = ?1",
            params![token_hash],
        )?;
        Ok(())
    }

    fn revoke_all(&self, user: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE sessions SET revoked = 1 WHERE user = ?1 AND revoked = 0",
            params![user],
        )?)
    }

    fn bind_actor(&self, actor: &str, user: &str) -> Result<String, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO actors (actor, user) VALUES (?1, ?2)",
            params![actor, user],
        )?;
        Ok(conn.query_row(
            "SELECT user FROM actors WHERE actor = ?1",
            params![actor],
            |r| r.get(0),
        )?)
    }

    fn actors_of(&self, user: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT actor FROM actors WHERE user = ?1")?;
        let rows = stmt.query_map(params![user], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn actor_owner(&self, actor: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT user FROM actors WHERE actor = ?1")?
            .query_row(params![actor], |r| r.get(0))
            .optional()?)
    }

    fn set_actor_key(&self, actor: &str, key: &[u8; 32]) -> Result<[u8; 32], StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO actor_keys (actor, key) VALUES (?1, ?2)",
            params![actor, key.as_slice()],
        )?;
        let stored: Vec<u8> = conn.query_row(
            "SELECT key FROM actor_keys WHERE actor = ?1",
            params![actor],
            |r| r.get(0),
        )?;
        Ok(<[u8; 32]>::try_from(stored.as_slice()).unwrap_or([0; 32]))
    }

    fn actor_key(&self, actor: &str) -> Result<Option<[u8; 32]>, StoreError> {
        let stored: Option<Vec<u8>> = self
            .conn()
            .prepare_cached("SELECT key FROM actor_keys WHERE actor = ?1")?
            .query_row(params![actor], |r| r.get(0))
            .optional()?;
        // A key of another length cannot have been stored by `set_actor_key`; it verifies
        // nothing (all zeros is no valid key), so such an actor's changes are refused.
        Ok(stored.map(|k| <[u8; 32]>::try_from(k.as_slice()).unwrap_or([0; 32])))
    }

    fn put_change_sigs(&self, sigs: &[([u8; 32], Vec<u8>)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT OR IGNORE INTO change_sigs (hash, sig) VALUES (?1, ?2)")?;
            for (h, s) in sigs {
                stmt.execute(params![h.as_slice(), s])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn change_sig(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT sig FROM change_sigs WHERE hash = ?1")?
            .query_row(params![hash.as_slice()], |r| r.get(0))
            .optional()?)
    }

    fn list(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts"))?;
        let rows = stmt.query_map([], account_row)?;
        Ok(rows.map(|r| r.map(|(a, _)| a)).collect::<Result<_, _>>()?)
    }

    fn extra(&self, id: &str) -> Result<AccountExtra, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT disabled, last_login, notice, notice_until FROM account_extra WHERE id = ?1",
            )?
            .query_row(params![id], extra_row)
            .optional()?
            .unwrap_or_default())
    }

    fn all_extras(&self) -> Result<BTreeMap<String, AccountExtra>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT disabled, last_login, notice, notice_until, id FROM account_extra")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(4)?, extra_row(r)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_extra(&self, id: &str, e: &AccountExtra) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO account_extra (id, disabled, last_login, notice, notice_until)
                 VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET disabled = ?2, last_login = ?3, notice = ?4,
                 notice_until = ?5",
            params![id, e.disabled, e.last_login, e.notice, e.notice_until],
        )?;
        Ok(())
    }

    fn set_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE accounts SET password = ?2 WHERE id = ?1",
            params![id, password_hash],
        )?;
        Ok(())
    }

    fn set_activation(&self, id: &str, code_hash: &str, expires_at: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO activations (id, code_hash, expires_at) VALUES (?1, ?2, ?3)",
            params![id, code_hash, expires_at],
        )?;
        Ok(())
    }

    fn activation(&self, id: &str) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT code_hash, expires_at FROM activations WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn all_activations(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, expires_at FROM activations")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn clear_activation(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM activations WHERE id = ?1", params![id])?;
        Ok(())
    }
    fn counter(&self, key: &str) -> Result<(u32, i64), StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT count, at FROM login_counters WHERE key = ?1")?
            .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0)))
    }
    fn set_counter(&self, key: &str, count: u32, at: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO login_counters (key, count, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET count = excluded.count, at = excluded.at",
            )?
            .execute(params![key, count, at])?;
        Ok(())
    }
    fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, u32, i64)>, StoreError> {
        let conn = self.conn();
        // `substr` rather than LIKE: phone numbers and addresses hold no wildcards, but
        // nothing here should depend on that.
        let mut stmt = conn.prepare_cached(
            "SELECT key, count, at FROM login_counters WHERE substr(key, 1, length(?1)) = ?1",
        )?;
        let rows = stmt
            .query_map(params![prefix], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
    fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO audit (at, user, name, action, status, client)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![e.at, e.user, e.name, e.action, e.status, e.client])?;
        Ok(())
    }
    fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT at, user, name, action, status, client FROM audit ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    name: r.get(2)?,
                    action: r.get(3)?,
                    status: r.get(4)?,
                    client: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
