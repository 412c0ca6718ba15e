//! The SQLite store: opening (and refusing) database files, migrations, settings.
//! One module per concern: `catalog` (instruments, assignments), `observe` (the
//! changes a user makes, each its own transaction with an audit row), `audit` (the
//! hash chain), `load` (reading everything into a [`crate::domain::model::Dataset`]),
//! `lock` (one workstation per file; commands that change it wait their turn).

mod accounts;
pub mod audit;
mod catalog;
pub(crate) mod digest;
mod evidence;
mod header;
mod history;
mod load;
pub mod lock;
mod observe;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::Problem;

pub use audit::{
    AuditRow, ChainBreak, ChainCheck, GENESIS, check_rows, rows as audit_rows, verify_chain,
};
pub use catalog::{AssignmentOutcome, InstrumentOutcome, InstrumentRow};
pub use evidence::EvidenceRow;
pub use observe::{ProductRef, RecordOutcome};

/// The `meta` key that marks a central database (`patuh central merge`), and its value.
pub const ROLE_KEY: &str = "role";
pub const ROLE_CENTRAL: &str = "central";

/// `PRAGMA application_id` of every patuh database: "PTUH".
pub const APPLICATION_ID: i32 = 0x5054_5548;

/// The migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../schema/0001_init.sql")),
    // Central consolidation of signed exports (src/exchange/merge.rs).
    (
        "0002_central",
        include_str!("../../schema/0002_central.sql"),
    ),
    // Each product's values in compact form, and an index of the notes, so that a
    // nation's workstation opens at once (src/store/digest.rs, docs/performance.md).
    ("0003_digest", include_str!("../../schema/0003_digest.sql")),
    // A keystroke's change: the digest trigger fires for values only, looking once.
    (
        "0004_digest_trigger",
        include_str!("../../schema/0004_digest_trigger.sql"),
    ),
    // Evidence references removed in the workstation are kept, not deleted
    // (src/store/history.rs).
    (
        "0005_evidence_removed",
        include_str!("../../schema/0005_evidence_removed.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Something the store refuses or cannot do; every message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: not a patuh database ({reason}); the file was left untouched. Check the path, or choose another with --db"
    )]
    NotPatuh { path: PathBuf, reason: String },
    #[error(
        "{path}: made by a newer patuh (schema version {found}, this patuh knows up to {known}); the file was left untouched. Update patuh to open it"
    )]
    Newer {
        path: PathBuf,
        found: i32,
        known: i32,
    },
    #[error(
        "{path}: the database is damaged ({detail}); the file was left untouched. Restore it from a backup or an export"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: no database here. Create one with `patuh init` (or `patuh init --demo`)")]
    Missing { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: database error: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{file}: {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error(
        "{path}: open in the workstation ({holder}); make the change there, or quit the workstation and try again. Reading (`patuh score`, `show`, `export`) works meanwhile"
    )]
    InUse { path: PathBuf, holder: String },
    #[error("{0}")]
    Refused(String),
    #[error(
        "{product} was finalized at {at} and is read-only; reopen it (with a reason) to change it"
    )]
    Finalized { product: String, at: String },
    // The four below are SQLite's answers in the user's words, typed so that the
    // workstation can say them in its language (src/tui/runtime.rs).
    #[error(
        "{}: the database is in use by another patuh; close it there, then try again",
        path.display()
    )]
    Busy { path: PathBuf },
    #[error(
        "{}: cannot write the database ({detail}); check that the file and its folder are writable",
        path.display()
    )]
    NotWritable { path: PathBuf, detail: String },
    #[error(
        "{}: the disk is full; this change was not saved, earlier ones are safe. Free some space and try again",
        path.display()
    )]
    DiskFull { path: PathBuf },
    #[error(
        "{}: cannot write to the disk ({detail}: is it full, removed, or over a file-size limit?); \
         this change was not saved, earlier ones are safe",
        path.display()
    )]
    DiskFailure { path: PathBuf, detail: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The clock, injected so tests control time.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// An open patuh database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    who: String,
    clock: Clock,
    /// The product whose change last caught up every other stale digest: changing it
    /// again needs no catching up (src/store/digest.rs). Only ever skips work whose
    /// absence leaves a digest stale, never wrong.
    caught_up_for: Option<i64>,
}

impl Store {
    /// Opens an existing patuh database, upgrading its schema if it is older.
    /// Refuses, leaving the file byte-for-byte untouched, anything that is not a patuh
    /// database, a damaged one or one from a newer patuh.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        header::check(path)?;
        Self::open_checked(path)
    }

    /// Opens the database at `path`, creating it (mode 0600, complete or not at all)
    /// when there is none.
    pub fn open_or_create(path: &Path) -> Result<Store> {
        if !path.exists() {
            create(path)?;
        }
        Self::open(path)
    }

    /// Opens an existing, current patuh database for reading only (SQLite refuses any
    /// write on this connection): for a workstation that found the file open in
    /// another one. Nothing is migrated or written.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        header::check(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| classify(path, e))?;
        let version: i32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            return Err(StoreError::Refused(format!(
                "{}: the database is being upgraded by the patuh that has it open; try again when it is closed",
                path.display()
            )));
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            who: String::new(),
            clock: Arc::new(OffsetDateTime::now_utc),
            caught_up_for: None,
        };
        store.who = store
            .meta("assessor")?
            .unwrap_or_else(|| os_user().unwrap_or_else(|| "unknown".into()));
        Ok(store)
    }

    /// A number that changes whenever another connection commits a change to the
    /// file (SQLite's `PRAGMA data_version`): a read-only view reloads when it moves.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    fn open_checked(path: &Path) -> Result<Store> {
        let sql = |source| StoreError::Sql {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        configure(&conn).map_err(|e| classify(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            who: String::new(),
            clock: Arc::new(OffsetDateTime::now_utc),
            caught_up_for: None,
        };
        store.migrate()?;
        store.who = store
            .meta("assessor")?
            .unwrap_or_else(|| os_user().unwrap_or_else(|| "unknown".into()));
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let version: i32 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| classify(&path, e))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path,
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tracing::info!(migration = name, "applying");
            tx.execute_batch(sql).map_err(|e| classify(&path, e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i32)
                .map_err(|e| classify(&path, e))?;
        }
        // Digests that a migration left stale are rewritten in the same transaction.
        digest::refresh_stale(&tx).map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the other layers' read queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Who is recorded in the audit log for changes made through this store.
    pub fn who(&self) -> &str {
        &self.who
    }

    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Now, as RFC 3339 UTC text.
    pub fn now(&self) -> String {
        (self.clock)()
            .format(&Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Sets the assessor's name, used in the audit log from now on.
    pub fn set_assessor(&mut self, name: &str) -> Result<()> {
        self.set_meta("assessor", name)?;
        self.who = name.to_string();
        Ok(())
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// Full check: SQLite's integrity_check, the audit hash chain, and (on a
    /// workstation's database) that every row follows from the ones before and that
    /// the log accounts for every observation, note, evidence reference and
    /// finalization. Each problem is one line naming the row or the record.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        problems.extend(rows.into_iter().filter(|r| r != "ok"));
        match verify_chain(&self.conn).map_err(|e| self.sql(e))? {
            Err(b) => problems.push(b.to_string()),
            // A central database holds merged results, logged in the signed files it
            // keeps, not in an audit log of its own.
            Ok(_) if self.meta(ROLE_KEY)?.as_deref() != Some(ROLE_CENTRAL) => {
                problems.extend(accounts::check(self)?);
            }
            Ok(_) => {}
        }
        Ok(problems)
    }
}

/// Pragmas set on every connection.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "WAL not available");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Maps SQLite's errors to the user's words.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ErrorCode::NotADatabase) => StoreError::NotPatuh {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen) => StoreError::NotWritable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::SystemIoFailure) => StoreError::DiskFailure {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::Sql {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// Creates a new database completely or not at all: built under a temporary name
/// beside `path`, then linked into place (which never overwrites a file).
fn create(path: &Path) -> Result<()> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "patuh.db".into());
    let tmp = dir.join(format!(".{name}.new-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&tmp).map_err(io)?.flush().map_err(io)?;
        {
            let conn = Connection::open(&tmp).map_err(|e| classify(path, e))?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| classify(path, e))?;
            configure(&conn).map_err(|e| classify(path, e))?;
            let mut store = Store {
                conn,
                path: tmp.clone(),
                who: String::new(),
                clock: Arc::new(OffsetDateTime::now_utc),
                caught_up_for: None,
            };
            store.migrate()?;
            store
                .conn
                .pragma_update(None, "wal_checkpoint", "TRUNCATE")
                .map_err(|e| classify(path, e))?;
        }
        fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        fs::hard_link(&tmp, path).map_err(io)?;
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    let _ = fs::remove_file(&tmp);
    for suffix in ["-wal", "-shm"] {
        let mut side = tmp.clone().into_os_string();
        side.push(suffix);
        let _ = fs::remove_file(side);
    }
    result
}

/// The login name, for the audit log when no assessor name was set:
/// `USER`, `LOGNAME`, else the password database.
fn os_user() -> Option<String> {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return Some(v);
        }
    }
    #[cfg(unix)]
    {
        let mut buf = vec![0 as libc::c_char; 4096];
        // SAFETY: getpwuid_r writes only into `pwd` and `buf` (of the given length) and
        // sets `result` to null or to `&pwd`; pw_name then points into `buf`.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(
                libc::getuid(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            );
            if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
                let name = std::ffi::CStr::from_ptr(pwd.pw_name)
                    .to_string_lossy()
                    .into_owned();
                if !name.is_empty() {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// The default database file: `patuh.db` in the user's data dir.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("id", "Ombudsman", "patuh")
        .map(|d| d.data_dir().join("patuh.db"))
}

/// The data dir (keys, logs, the demo database).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("id", "Ombudsman", "patuh").map(|d| d.data_dir().to_path_buf())
}
