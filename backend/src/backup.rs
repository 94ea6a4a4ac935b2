//! Operations on the data directory: online backup and restore of the SQLite database,
//! a plain export of every document, and the listing of quarantined documents.
//!
//! The backup uses SQLite's online backup API, so it runs while the server keeps syncing
//! and always yields one consistent database (never a file copied mid-write).

use crate::store::{DocStore, Quarantined, SqliteStore, StoreError};
use crate::{AppError, AppState};
use automerge::AutoCommit;
use axum::extract::State;
use axum::Json;
use rusqlite::{Connection, OpenFlags, MAIN_DB};
use std::path::{Path, PathBuf};

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sanlian.sqlite3")
}

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("数据库出错：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("文件读写出错：{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// What a backup, restore or export covered.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Documents that load.
    pub documents: usize,
    /// Documents whose stored bytes do not load (exported raw, as `.corrupt`).
    pub unreadable: Vec<String>,
    pub bytes: u64,
}

/// Copies the live database of `data_dir` to `to`, then checks the copy.
pub fn backup(data_dir: &Path, to: &Path) -> Result<Summary, OpsError> {
    let src_path = db_path(data_dir);
    if !src_path.exists() {
        return Err(OpsError::Invalid(format!(
            "{} 处没有数据库",
            src_path.display()
        )));
    }
    if to.exists() {
        return Err(OpsError::Invalid(format!(
            "{} 已存在，不会覆盖已有的备份",
            to.display()
        )));
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let src = Connection::open_with_flags(&src_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(std::time::Duration::from_secs(5))?;
    src.backup(MAIN_DB, to, None::<fn(rusqlite::backup::Progress)>)?;
    drop(src);
    // The copy is a standalone file: no WAL beside it.
    let copy = Connection::open(to)?;
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);
    verify(to)
}

/// Checks that `file` is a sound database whose documents load.
pub fn verify(file: &Path) -> Result<Summary, OpsError> {
    {
        let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(OpsError::Invalid(format!(
                "{} 未通过完整性检查：{check}",
                file.display()
            )));
        }
    }
    let store = SqliteStore::open(file)?;
    let mut summary = Summary {
        bytes: std::fs::metadata(file)?.len(),
        ..Summary::default()
    };
    for doc in store.list()? {
        match AutoCommit::load(&store.load(&doc)?.concat()) {
            Ok(_) => summary.documents += 1,
            Err(_) => summary.unreadable.push(doc),
        }
    }
    Ok(summary)
}

/// Puts the backup `from` in place as the database of `data_dir`. Run with the server
/// stopped. The database it replaces is kept beside it as `sanlian.sqlite3.before-restore`.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Summary, OpsError> {
    let summary = verify(from)?;
    std::fs::create_dir_all(data_dir)?;
    let target = db_path(data_dir);
    if target.exists() {
        let keep = data_dir.join("sanlian.sqlite3.before-restore");
        let _ = std::fs::remove_file(&keep);
        // Through the backup API again, so the old WAL is folded into the kept copy.
        let old = Connection::open(&target)?;
        old.backup(MAIN_DB, &keep, None::<fn(rusqlite::backup::Progress)>)?;
    }
    let mut dst = Connection::open(&target)?;
    dst.busy_timeout(std::time::Duration::from_secs(5))?;
    dst.restore(MAIN_DB, from, None::<fn(rusqlite::backup::Progress)>)?;
    dst.pragma_update(None, "journal_mode", "WAL")?;
    drop(dst);
    Ok(summary)
}

/// Writes every document of `data_dir` as a standalone `.automerge` file under `out`
/// (`registry.automerge`, `branch/<id>.automerge`, …), readable by any Automerge
/// implementation. A document that does not load is written raw as `.corrupt`.
pub fn export(data_dir: &Path, out: &Path) -> Result<Summary, OpsError> {
    let src = db_path(data_dir);
    if !src.exists() {
        return Err(OpsError::Invalid(format!("{} 处没有数据库", src.display())));
    }
    let store = SqliteStore::open(&src)?;
    let mut summary = Summary::default();
    for doc in store.list()? {
        if doc
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        {
            return Err(OpsError::Invalid(format!(
                "文档编号 {doc} 不合规，已停止导出"
            )));
        }
        let raw = store.load(&doc)?.concat();
        let (bytes, ext) = match AutoCommit::load(&raw) {
            Ok(mut d) => {
                summary.documents += 1;
                (d.save(), "automerge")
            }
            Err(_) => {
                summary.unreadable.push(doc.clone());
                (raw, "corrupt")
            }
        };
        let path = out.join(format!("{doc}.{ext}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        summary.bytes += bytes.len() as u64;
        std::fs::write(path, bytes)?;
    }
    Ok(summary)
}

/// `GET /api/admin/quarantine`: documents set aside because they could not be loaded.
pub async fn quarantine_listing(
    State(state): State<AppState>,
) -> Result<Json<Vec<Quarantined>>, AppError> {
    let hub = state.hub().clone();
    let list = tokio::task::spawn_blocking(move || hub.quarantined())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(list))
}
