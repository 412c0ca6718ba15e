//! The SQLite store: opening (and refusing) database files, settings, and every SQL
//! statement of patuh (no other module runs SQL; every SQLite error reaches the user
//! through `classify`, the file named and the fix said). One module per concern:
//! `header` (the file checked before SQLite touches it), `schema` (the migrations and
//! the check that a file's tables are those of its version), `catalog` (instruments,
//! assignments), `nodes` (agencies, units and products by path, the current cycle,
//! finalizing any node), `cycles` (listing, choosing, opening and starting cycles, the
//! carry of the previous cycle's answers), `confirm` (carried answers confirmed as they
//! are), `observe` (the changes a user makes to answers, each its own
//! transaction with its audit rows), `respondents` (the people interviewed at a node),
//! `data` (values from other institutions' data, one by one or a whole file),
//! `followups` (an agency's follow-up register), `evidence` (reading references back),
//! `audit` (the hash chain and its replay), `accounts` (whether the log accounts for
//! the tables), `derived` (what `check` recomputes: instrument bodies, scales, levels,
//! digests), `digest` (each product's values in compact form), `load` (everything into a
//! [`crate::domain::model::Dataset`]), `records` (what an export reads), `central`
//! (the central merge's reads and writes, the report's conflicts, the central
//! assignment), `central_log` (a central database's own hash chain), `review` (review states,
//! comments, resolutions, revoked keys, return files sent; `review_check` its side of
//! `check`, `review_merge` its part of a merge), `inbox` (the return files applied on a workstation), `report_reads` (the
//! report's evidence and merged files), `history` (the audit log read back for `patuh
//! log`, `show` and `check`), `history_scores` (published scores of past years, the
//! current cycle), `bulk` (the generator's bulk insert), `lock` (one
//! workstation per file).
//!
//! Readers see one moment: a command that only reads opens with
//! [`Store::open_reader`] (one read transaction for all it reads, the check of the
//! tables included), and `load`, `check` and the export's reading take a
//! [`ReadSnapshot`] on any store.

mod accounts;
pub mod audit;
mod bulk;
mod catalog;
mod central;
mod central_levels;
pub mod central_log;
mod confirm;
mod cycles;
mod data;
mod derived;
pub(crate) mod digest;
mod evidence;
mod followups;
mod header;
mod history;
mod history_scores;
mod inbox;
mod load;
pub mod lock;
mod nodes;
mod observe;
mod records;
mod removal;
mod report_reads;
mod respondents;
pub mod review;
mod review_check;
mod review_merge;
mod schema;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::Problem;

pub use accounts::compare_replay;
pub use audit::{
    AuditRow, ChainBatch, ChainBreak, ChainCheck, GENESIS, check_rows, rows as audit_rows,
    verify_chain,
};
pub use bulk::Bulk;
pub use catalog::{AssignmentOutcome, InstrumentOutcome, InstrumentRow};
pub use central::{CentralAgency, CentralClaim, CentralTx, ConflictResult, ImportRow};
pub use central_levels::{
    Choice, NewAnswer, NewEvidence, NewFollowup, NewRespondent, NewResult, NodeConflict, NodeResult,
};
pub use confirm::Confirmed;
pub use cycles::{CarryOutcome, CycleRow, NewCycle, Started};
pub use data::{DataImport, DataLine, DataOutcome};
pub use derived::audit_row_with;
pub use evidence::EvidenceRow;
pub use history_scores::{HISTORY, HistoryOutcome, HistoryRow};
pub use inbox::{InboxApply, InboxFile, ItemStatus, ReturnedItem};
pub use nodes::{Cycle, DEFAULT_CYCLE, Finalized, Node, level_code, level_of_code};
pub use observe::{ProductRef, RecordOutcome};
pub use records::{
    AnswerRecord, CycleRecord, EvidenceRecord, FollowupRecord, FollowupsRecord, NodeRecord,
    ObservationRecord, ProductRecord,
};
pub use report_reads::MergedFile;
pub use respondents::{MAX_LABEL_CHARS, Removal, RespondentRow, clean_label};
pub use review::{CellResult, Resolution, ReviewEntry, ReviewInfo, RevokedKey, SentFile, SentNode};

/// The `meta` key that marks a central database (`patuh central merge`), and its value.
pub const ROLE_KEY: &str = "role";
pub const ROLE_CENTRAL: &str = "central";

/// `PRAGMA application_id` of every patuh database: "PTUH".
pub const APPLICATION_ID: i32 = 0x5054_5548;

pub use schema::SCHEMA_VERSION;

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
    #[error("{}", mismatch_text(.path, .version, .tables_of))]
    SchemaMismatch {
        path: PathBuf,
        /// What the file's `user_version` says.
        version: i32,
        /// The schema version its tables are, if they are one.
        tables_of: Option<i32>,
    },
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

fn mismatch_text(path: &Path, version: &i32, tables_of: &Option<i32>) -> String {
    let path = path.display();
    match tables_of {
        Some(w) => format!(
            "{path}: its tables are those of schema version {w}, but its user_version says {version} \
             (changed with another tool?); the file was left untouched. Set it back with \
             `sqlite3 {path} 'PRAGMA user_version = {w}'` and open it again"
        ),
        None => format!(
            "{path}: its tables are not those of schema version {version} (its user_version) nor of any \
             other patuh schema (changed with another tool?); the file was left untouched. \
             Restore it from a backup or an export"
        ),
    }
}

/// The clock, injected so tests control time.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// An open patuh database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    who: String,
    clock: Clock,
    /// The cycle this store reads and writes: the current one when it was opened.
    cycle: Cycle,
    /// The node (level code, database id) whose change last caught up every other
    /// stale digest: changing it again needs no catching up (src/store/digest.rs). Only
    /// ever skips work whose absence leaves a digest stale, never wrong.
    caught_up_for: Option<(i64, i64)>,
    /// What the last change of a cell left, for the next one while nothing else
    /// writes (src/store/observe/warm.rs).
    warm: Option<observe::WarmChange>,
    /// Opened by [`Store::open_reader`]: one read transaction from the open on, ended
    /// when the store is dropped.
    reader: bool,
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.reader && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }
}

/// A read transaction: everything read through the store while it lives is of one
/// moment (SQLite's snapshot in WAL mode), whatever other patuh processes commit
/// meanwhile; writers are not held up. Ended when dropped. Inside a transaction
/// already (a reader's store, a change), it adds nothing.
pub struct ReadSnapshot<'s> {
    conn: &'s Connection,
    own: bool,
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        if self.own && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }
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

    /// Opens an existing patuh database for a command that only reads (`show`, `score`,
    /// `check`, `export`, `report`): as [`Store::open`], then everything it reads is of
    /// one moment: one read transaction, begun before the check of the file's tables and
    /// held until the store is dropped, so that a `patuh record` or a workstation
    /// committing meanwhile is either wholly seen or not at all. Writing through it is
    /// a mistake (SQLite would have to upgrade the snapshot).
    pub fn open_reader(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        header::check(path)?;
        let sql = |e| classify(path, e);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        conn.execute_batch("BEGIN").map_err(sql)?;
        let version = schema::check_shape(&conn, path)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let wal: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(sql)?;
        let mut store = if version == SCHEMA_VERSION && wal.eq_ignore_ascii_case("wal") {
            // Current and in WAL mode: nothing to set on the file, the snapshot stays.
            Store::with(conn, path)?
        } else {
            // To be upgraded (or set to WAL mode) first, as `open` does; then the
            // snapshot, with the check of its tables in it.
            conn.execute_batch("COMMIT").map_err(sql)?;
            drop(conn);
            let store = Self::open_checked(path)?;
            store.conn.execute_batch("BEGIN").map_err(sql)?;
            let version = schema::check_shape(&store.conn, path)?;
            if version != SCHEMA_VERSION {
                return Err(StoreError::Newer {
                    path: path.to_path_buf(),
                    found: version,
                    known: SCHEMA_VERSION,
                });
            }
            store
        };
        store.reader = true;
        Ok(store)
    }

    /// Begins a read transaction for a reading of several statements (see
    /// [`ReadSnapshot`]); nothing when one is open already.
    pub fn read_snapshot(&self) -> Result<ReadSnapshot<'_>> {
        if !self.conn.is_autocommit() {
            return Ok(ReadSnapshot {
                conn: &self.conn,
                own: false,
            });
        }
        self.conn.execute_batch("BEGIN").map_err(|e| self.sql(e))?;
        let snapshot = ReadSnapshot {
            conn: &self.conn,
            own: true,
        };
        // The snapshot is taken at the first read, not at BEGIN: take it now.
        self.conn
            .query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.sql(e))?;
        Ok(snapshot)
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
        let version = schema::check_shape(&conn, path)?;
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
        Store::with(conn, path)
    }

    /// A store on an open connection, its assessor read from the file.
    fn with(conn: Connection, path: &Path) -> Result<Store> {
        let cycle = nodes::current_cycle(&conn).map_err(|e| classify(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            who: String::new(),
            clock: Arc::new(OffsetDateTime::now_utc),
            cycle,
            caught_up_for: None,
            warm: None,
            reader: false,
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

    /// Opens a file whose header was checked: refuses one whose tables are not those
    /// of its schema version (changing nothing), sets the pragmas, migrates.
    fn open_checked(path: &Path) -> Result<Store> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| classify(path, e))?;
        let version = schema::check_shape(&conn, path)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        configure(&conn).map_err(|e| classify(path, e))?;
        schema::migrate(&mut conn, path, version)?;
        Store::with(conn, path)
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    /// Full check: SQLite's integrity_check; each instrument's body against its hash;
    /// every answer of its indicator's level and kind and on its scale, every
    /// respondent of a role of its level, and every digest equal to the answers; the
    /// audit hash chain; and what the file holds accounted for. A workstation's audit
    /// log must account for every value, note, data value, evidence reference,
    /// finalization, respondent and follow-up at every level (each row following from
    /// the ones before); a central database's own log must
    /// account for every merged file and instrument, and every product must hold its
    /// chosen merged result. Which of these apply follows from what the file holds,
    /// never from its `meta.role` (one row anyone can write): the replay runs on every
    /// file with an audit row or without merged files. That the merged results follow
    /// from the stored files is checked by `crate::exchange::merge::check_central`
    /// (it reads the payloads). Each problem is one line naming the row or the record.
    pub fn check(&self) -> Result<Vec<String>> {
        let _snapshot = self.read_snapshot()?;
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
        let (instruments, bad) = derived::instruments(self)?;
        problems.extend(bad);
        let nodes = derived::nodes(self, &instruments)?;
        problems.extend(derived::answers(self, &nodes)?);
        let holds = self.holds()?;
        match verify_chain(&self.conn).map_err(|e| self.sql(e))? {
            Err(b) => problems.push(b.to_string()),
            Ok(_) if holds.audit || !holds.merged => {
                problems.extend(accounts::check(self, &nodes)?);
            }
            Ok(_) => {}
        }
        if holds.merged || holds.central_log {
            problems.extend(central_log::check(&self.conn).map_err(|e| self.sql(e))?);
            problems.extend(central::check_chosen(self)?);
            problems.extend(review_check::check(self)?);
        }
        let central_role = self.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL);
        if holds.audit && (central_role || holds.merged || holds.central_log) {
            problems.push(format!(
                "{}: it holds an assessor's audit log, so it is a workstation's database, but {}: \
                 changed outside patuh (its audit log was checked as any workstation's)",
                self.path.display(),
                if holds.merged {
                    "it also holds merged files"
                } else if holds.central_log {
                    "it also holds a central database's log"
                } else {
                    "its meta.role says central"
                }
            ));
        }
        if !holds.audit && (holds.merged || holds.central_log) && !central_role {
            problems.push(format!(
                "{}: it holds a central database's merged files or log, but its meta.role is not central: \
                 changed outside patuh",
                self.path.display()
            ));
        }
        Ok(problems)
    }

    /// What the file holds, which decides what `check` verifies.
    fn holds(&self) -> Result<Holds> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM audit), EXISTS (SELECT 1 FROM import_file),
                        EXISTS (SELECT 1 FROM central_log)",
                [],
                |r| {
                    Ok(Holds {
                        audit: r.get(0)?,
                        merged: r.get(1)?,
                        central_log: r.get(2)?,
                    })
                },
            )
            .map_err(|e| self.sql(e))
    }
}

/// What a file holds: an assessor's audit rows, merged files, a central log.
struct Holds {
    audit: bool,
    merged: bool,
    central_log: bool,
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
/// beside `path`, then linked into place (which never overwrites a file). When another
/// patuh links its new database there first, that one is used: it is complete (it was
/// linked only once built), so both go on with the same file and nothing is lost.
fn create(path: &Path) -> Result<()> {
    Store::create_new(path, |_| Ok(())).or_else(|e| match e {
        StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
            tracing::info!(path = %path.display(), "created meanwhile by another patuh");
            Ok(())
        }
        e => Err(e),
    })
}

impl Store {
    /// Builds a new, current database under a temporary name beside `path`, lets `fill`
    /// write into it (through a store whose messages name `path`), and links it into place
    /// only when everything succeeded: a failure (a full disk, say) leaves no file at
    /// `path`. An existing `path` is never overwritten: that is an `Io` error of kind
    /// `AlreadyExists`.
    pub fn create_new(path: &Path, fill: impl FnOnce(&mut Store) -> Result<()>) -> Result<()> {
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
        // Unique per process and per call: two threads of one process creating the same
        // file must not share (and remove) one temporary file.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.new-{}-{n}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let result = (|| {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&tmp).map_err(io)?.flush().map_err(io)?;
            {
                let mut conn = Connection::open(&tmp).map_err(|e| classify(path, e))?;
                conn.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(|e| classify(path, e))?;
                configure(&conn).map_err(|e| classify(path, e))?;
                schema::migrate(&mut conn, path, 0)?;
                let mut store = Store::with(conn, path)?;
                fill(&mut store)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The pragmas are the connection's own: only the store's connection shows them.
    #[test]
    fn pragmas_are_set_on_open() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open_or_create(&dir.path().join("patuh.db")).expect("create");
        let pragma = |name: &str| -> i64 {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .expect("pragma")
        };
        assert_eq!(pragma("synchronous"), 2, "synchronous=FULL");
        assert_eq!(pragma("foreign_keys"), 1);
        assert!(pragma("busy_timeout") >= 1000);
    }
}
