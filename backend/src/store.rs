//! Durable storage of Automerge documents, behind a small trait.
//!
//! A document is a list of chunks: a full save followed by incremental saves. Appending a
//! chunk is what makes a sync durable; compaction replaces the list with one full save,
//! atomically. Concatenated chunks load with `AutoCommit::load`.

use rusqlite::{params, Connection};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{mpsc, Mutex};

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
///
/// Writes go through one writer thread that commits what arrived together in one
/// transaction (group commit): syncs landing at the same moment share one fsync, and each
/// caller returns only once the transaction holding its write is on disk. Reads use their
/// own connection, which WAL lets run beside the writer.
pub struct SqliteStore {
    reader: Mutex<Connection>,
    writer: Mutex<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// One write, run inside the batch's transaction under its own savepoint, so a failed write
/// leaves the others of its batch whole.
type WriteOp = Box<dyn FnOnce(&Connection) -> Result<(), StoreError> + Send>;

enum Job {
    Write(WriteOp, mpsc::SyncSender<Result<(), StoreError>>),
    /// Runs on the writer's connection outside any transaction (per-connection pragmas).
    Direct(Box<dyn FnOnce(&Connection) + Send>),
}

/// The most writes one transaction carries: bounds how long the first of them waits.
const MAX_BATCH: usize = 256;

const SCHEMA: &str = "PRAGMA journal_mode=WAL;
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
     );";

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let writer = Connection::open(path)?;
        writer.execute_batch(SCHEMA)?;
        let reader = Connection::open(path)?;
        reader.execute_batch("PRAGMA busy_timeout=5000;")?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(writer, rx))?;
        Ok(SqliteStore {
            reader: Mutex::new(reader),
            writer: Mutex::new(tx),
            thread: Some(thread),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (it has its own
        // transactions), so a poisoned lock is safe to keep using.
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| writer_gone())
    }

    /// Runs `op` in the next group commit; returns once it is committed (or failed).
    fn write(
        &self,
        op: impl FnOnce(&Connection) -> Result<(), StoreError> + Send + 'static,
    ) -> Result<(), StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        self.send(Job::Write(Box::new(op), done))?;
        wait.recv().map_err(|_| writer_gone())?
    }

    /// Runs `f` on the writer's connection, between transactions.
    fn with_writer<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        self.send(Job::Direct(Box::new(move |c| {
            let _ = done.send(f(c));
        })))?;
        wait.recv().map_err(|_| writer_gone())
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel ends the writer after the writes already queued; joining it
        // closes its connection before anyone reopens the file.
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(
            &mut *self.writer.lock().unwrap_or_else(|e| e.into_inner()),
            closed,
        ));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn writer_gone() -> StoreError {
    StoreError::Io(std::io::Error::other("the database writer has stopped"))
}

fn write_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Write(op, done) => batch.push((op, done)),
                Job::Direct(f) => {
                    // Keep the order callers asked in: what came before runs first.
                    commit_batch(&mut conn, std::mem::take(&mut batch));
                    f(&conn);
                }
            }
            if batch.len() < MAX_BATCH {
                next = jobs.try_recv().ok();
            }
        }
        commit_batch(&mut conn, batch);
    }
}

type Batch = Vec<(WriteOp, mpsc::SyncSender<Result<(), StoreError>>)>;

/// One transaction for the whole batch, one savepoint per write; every caller is answered
/// only after the commit, with its own write's outcome.
fn commit_batch(conn: &mut Connection, batch: Batch) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        return fail_all(batch.into_iter().map(|(_, d)| d), e.into());
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for (op, done) in batch {
        let result = exec(conn, "SAVEPOINT op")
            .map_err(StoreError::from)
            .and_then(|()| op(conn));
        let result = match result {
            Ok(()) => exec(conn, "RELEASE op").map_err(StoreError::from),
            Err(e) => {
                if conn.is_autocommit() {
                    // SQLite rolled the whole transaction back (disk full, I/O error): the
                    // writes before this one are gone too.
                    let text = format!("transaction rolled back: {e}");
                    let _ = done.send(Err(e));
                    let dones = outcomes.into_iter().map(|(d, _)| d);
                    return fail_all(dones, StoreError::Io(std::io::Error::other(text)));
                }
                let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
                Err(e)
            }
        };
        outcomes.push((done, result));
    }
    match exec(conn, "COMMIT") {
        Ok(()) => {
            for (done, result) in outcomes {
                let _ = done.send(result);
            }
        }
        Err(e) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            fail_all(outcomes.into_iter().map(|(d, _)| d), e.into());
        }
    }
}

/// Runs one statement of the batch's frame, prepared once: a sync's write is small, and
/// parsing these statements anew for each was a good part of it.
fn exec(conn: &Connection, sql: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Answers every caller of a batch that did not commit; the first gets the cause itself.
fn fail_all(
    dones: impl IntoIterator<Item = mpsc::SyncSender<Result<(), StoreError>>>,
    cause: StoreError,
) {
    let text = cause.to_string();
    let mut cause = Some(cause);
    for done in dones {
        let err = cause.take().unwrap_or_else(|| {
            StoreError::Io(std::io::Error::other(format!(
                "batch not committed: {text}"
            )))
        });
        let _ = done.send(Err(err));
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
        let (doc, chunk) = (doc.to_string(), chunk.to_vec());
        self.write(move |c| {
            c.prepare_cached("INSERT INTO chunks (doc, data) VALUES (?1, ?2)")?
                .execute(params![doc, chunk])?;
            Ok(())
        })
    }

    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), StoreError> {
        let (doc, full) = (doc.to_string(), full.to_vec());
        self.write(move |c| {
            c.prepare_cached("DELETE FROM chunks WHERE doc = ?1")?
                .execute(params![doc])?;
            c.prepare_cached("INSERT INTO chunks (doc, data) VALUES (?1, ?2)")?
                .execute(params![doc, full])?;
            Ok(())
        })
    }

    fn list(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT DISTINCT doc FROM chunks ORDER BY doc")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn quarantine(&self, doc: &str, reason: &str, at_secs: i64) -> Result<(), StoreError> {
        let (doc, reason) = (doc.to_string(), reason.to_string());
        self.write(move |c| {
            let chunks: Vec<Vec<u8>> = {
                let mut stmt = c.prepare("SELECT data FROM chunks WHERE doc = ?1 ORDER BY seq")?;
                let rows = stmt.query_map(params![doc], |r| r.get::<_, Vec<u8>>(0))?;
                rows.collect::<Result<_, _>>()?
            };
            // Another request may have moved it already.
            if !chunks.is_empty() {
                c.execute(
                    "INSERT INTO quarantine (doc, reason, at, data) VALUES (?1, ?2, ?3, ?4)",
                    params![doc, reason, at_secs, chunks.concat()],
                )?;
                c.execute("DELETE FROM chunks WHERE doc = ?1", params![doc])?;
            }
            Ok(())
        })
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
        // Through the writer, so health rides along in a group commit instead of racing it.
        let devices = devices.to_vec();
        self.write(move |conn| {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO devices (device, last_sync, app_version, user, pending, oldest_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(device) DO UPDATE SET last_sync = excluded.last_sync,
                     app_version = excluded.app_version, user = excluded.user,
                     pending = excluded.pending, oldest_ms = excluded.oldest_ms",
            )?;
            for d in &devices {
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
            Ok(())
        })
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
        // A per-connection setting: it must be the writer's.
        self.with_writer(move |c| {
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
        })??;
        Ok(())
    }

    /// How many pages the database uses now.
    pub fn page_count(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }
}
