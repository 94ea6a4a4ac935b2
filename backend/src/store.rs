//! Durable storage of Automerge documents, behind a small trait.
//!
//! A document is a list of chunks: a full save followed by incremental saves. Appending a
//! chunk is what makes a sync durable; compaction replaces the list with one full save,
//! atomically. Concatenated chunks load with `AutoCommit::load`.

use rusqlite::{params, Connection};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // Boxed: rusqlite's error is large and travels in every Result of the server.
    #[error("sqlite: {0}")]
    Sqlite(Box<rusqlite::Error>),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(Box::new(e))
    }
}

pub trait DocStore: Send + Sync + 'static {
    /// The document's chunks, oldest first; empty if the document was never stored.
    fn load(&self, doc: &str) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Appends a chunk; when this returns Ok the chunk is on disk.
    fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), StoreError>;
    /// Replaces all chunks with one full save, all or nothing.
    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), StoreError>;
    /// Every stored document id.
    fn list(&self) -> Result<Vec<String>, StoreError>;
    /// Moves a document that cannot be loaded out of the way, all or nothing: its bytes are
    /// kept for an operator, and the document starts again from what phones send.
    fn quarantine(&self, doc: &str, reason: &str, at_secs: i64) -> Result<(), StoreError>;
    /// What has been quarantined, oldest first.
    fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError>;
    /// Upserts what devices last said at their sync (county sync health), all in one write.
    /// A store that keeps no health forgets it: devices reappear at their next sync.
    fn put_devices(&self, _devices: &[DeviceSeen]) -> Result<(), StoreError> {
        Ok(())
    }
    /// Every device's last sync and report, as last put.
    fn devices(&self) -> Result<Vec<DeviceSeen>, StoreError> {
        Ok(Vec::new())
    }
}

/// A device's last sync (seconds since the epoch) and what it reported then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSeen {
    pub device: String,
    pub last_sync: i64,
    pub report: shared::office::DeviceReport,
}

/// A document moved aside because it could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quarantined {
    pub doc: String,
    pub reason: String,
    /// Unix seconds.
    pub at: i64,
    pub bytes: usize,
}

/// For tests and throw-away servers.
#[derive(Default)]
pub struct MemStore(
    Mutex<BTreeMap<String, Vec<Vec<u8>>>>,
    Mutex<Vec<Quarantined>>,
    Mutex<BTreeMap<String, DeviceSeen>>,
);

impl DocStore for MemStore {
    fn load(&self, doc: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(self.0.lock().unwrap().get(doc).cloned().unwrap_or_default())
    }
    fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap()
            .entry(doc.to_string())
            .or_default()
            .push(chunk.to_vec());
        Ok(())
    }
    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap()
            .insert(doc.to_string(), vec![full.to_vec()]);
        Ok(())
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.0.lock().unwrap().keys().cloned().collect())
    }
    fn quarantine(&self, doc: &str, reason: &str, at_secs: i64) -> Result<(), StoreError> {
        if let Some(chunks) = self.0.lock().unwrap().remove(doc) {
            self.1.lock().unwrap().push(Quarantined {
                doc: doc.to_string(),
                reason: reason.to_string(),
                at: at_secs,
                bytes: chunks.iter().map(Vec::len).sum(),
            });
        }
        Ok(())
    }
    fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        Ok(self.1.lock().unwrap().clone())
    }
    fn put_devices(&self, devices: &[DeviceSeen]) -> Result<(), StoreError> {
        let mut all = self.2.lock().unwrap();
        for d in devices {
            all.insert(d.device.clone(), d.clone());
        }
        Ok(())
    }
    fn devices(&self) -> Result<Vec<DeviceSeen>, StoreError> {
        Ok(self.2.lock().unwrap().values().cloned().collect())
    }
}

/// SQLite in WAL mode with `synchronous=FULL`: a committed append survives power loss.
pub struct SqliteStore(Mutex<Connection>);

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS chunks (
                 seq  INTEGER PRIMARY KEY AUTOINCREMENT,
                 doc  TEXT NOT NULL,
                 data BLOB NOT NULL
             );
             CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc, seq);
             CREATE TABLE IF NOT EXISTS quarantine (
                 seq    INTEGER PRIMARY KEY AUTOINCREMENT,
                 doc    TEXT NOT NULL,
                 reason TEXT NOT NULL,
                 at     INTEGER NOT NULL,
                 data   BLOB NOT NULL
             );
             CREATE TABLE IF NOT EXISTS devices (
                 device      TEXT PRIMARY KEY,
                 last_sync   INTEGER NOT NULL,
                 app_version TEXT NOT NULL,
                 user        TEXT,
                 pending     INTEGER NOT NULL,
                 oldest_ms   INTEGER
             );",
        )?;
        Ok(SqliteStore(Mutex::new(conn)))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (it has its own
        // transactions), so a poisoned lock is safe to keep using.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl DocStore for SqliteStore {
    fn load(&self, doc: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT data FROM chunks WHERE doc = ?1 ORDER BY seq")?;
        let rows = stmt.query_map(params![doc], |r| r.get::<_, Vec<u8>>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("INSERT INTO chunks (doc, data) VALUES (?1, ?2)")?
            .execute(params![doc, chunk])?;
        Ok(())
    }

    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM chunks WHERE doc = ?1", params![doc])?;
        tx.execute(
            "INSERT INTO chunks (doc, data) VALUES (?1, ?2)",
            params![doc, full],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT DISTINCT doc FROM chunks ORDER BY doc")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn quarantine(&self, doc: &str, reason: &str, at_secs: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let chunks: Vec<Vec<u8>> = {
            let mut stmt = tx.prepare("SELECT data FROM chunks WHERE doc = ?1 ORDER BY seq")?;
            let rows = stmt.query_map(params![doc], |r| r.get::<_, Vec<u8>>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        // Another request may have moved it already.
        if !chunks.is_empty() {
            tx.execute(
                "INSERT INTO quarantine (doc, reason, at, data) VALUES (?1, ?2, ?3, ?4)",
                params![doc, reason, at_secs, chunks.concat()],
            )?;
            tx.execute("DELETE FROM chunks WHERE doc = ?1", params![doc])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT doc, reason, at, length(data) FROM quarantine ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok(Quarantined {
                doc: r.get(0)?,
                reason: r.get(1)?,
                at: r.get(2)?,
                bytes: r.get::<_, i64>(3)? as usize,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn put_devices(&self, devices: &[DeviceSeen]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO devices (device, last_sync, app_version, user, pending, oldest_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(device) DO UPDATE SET last_sync = excluded.last_sync,
                     app_version = excluded.app_version, user = excluded.user,
                     pending = excluded.pending, oldest_ms = excluded.oldest_ms",
            )?;
            for d in devices {
                let r = &d.report;
                stmt.execute(params![
                    d.device,
                    d.last_sync,
                    r.app_version,
                    r.user,
                    r.pending,
                    r.oldest_pending_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn devices(&self) -> Result<Vec<DeviceSeen>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT device, last_sync, app_version, user, pending, oldest_ms FROM devices",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeviceSeen {
                device: r.get(0)?,
                last_sync: r.get(1)?,
                report: shared::office::DeviceReport {
                    app_version: r.get(2)?,
                    user: r.get(3)?,
                    pending: r.get(4)?,
                    oldest_pending_ms: r.get(5)?,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl SqliteStore {
    /// Caps the database at `pages` pages (of 4 KiB), as a full disk would: writes past it
    /// fail with SQLITE_FULL. For tests of what a full disk does to a sync.
    pub fn limit_pages(&self, pages: u32) -> Result<(), StoreError> {
        self.conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// How many pages the database uses now.
    pub fn page_count(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }
}
