//! The rows of a load that need nothing else loaded first to be read (every
//! respondent and every note of the current cycle), read as they are into memory:
//! on a second connection while the first reads the catalog, the products and the
//! answers, when the workstation's store can give that connection the very same
//! snapshot (so the workstation's start uses both cores: at a nation's scale these
//! rows were a quarter of it), else on the store's own connection.
//!
//! The same snapshot: the store's connection takes the write lock with its read
//! transaction (`BEGIN IMMEDIATE`); nothing can be committed while it holds it, so a
//! read transaction begun meanwhile on a second connection sees the same database.
//! Without the lock at once (another process is writing) or on a read-only store
//! (a second workstation, `show`, `score`, `report`), everything is read on the one
//! connection, as before.

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::thread::Scope;
use std::time::Duration;

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::super::{ReadSnapshot, Result, Store};

/// A respondent's row as stored.
pub(super) struct RespondentRow {
    pub id: i64,
    pub uid: String,
    pub level: i64,
    pub node_id: i64,
    pub role: String,
    pub number: i64,
    pub label: String,
    pub removed: bool,
}

/// A node's note as stored: its node (level code and database id), its indicator's id
/// and its text.
pub(super) struct NoteRow {
    pub level: i64,
    pub node_id: i64,
    pub indicator: String,
    pub note: String,
}

/// The rows read ahead: by a thread on a second connection, each kind sent as soon as
/// it is read (respondents first: the loader places them first), or read on the
/// store's own connection when asked for.
pub(super) struct Ahead {
    respondents: Option<Receiver<rusqlite::Result<Vec<RespondentRow>>>>,
    notes: Option<Receiver<rusqlite::Result<Vec<NoteRow>>>>,
}

impl Ahead {
    /// Starts reading on `second` in a thread of `scope`; without one, nothing is read
    /// ahead.
    pub(super) fn start<'scope>(
        scope: &'scope Scope<'scope, '_>,
        second: Option<Connection>,
        cycle: i64,
    ) -> Ahead {
        let Some(conn) = second else {
            return Ahead {
                respondents: None,
                notes: None,
            };
        };
        let (respondents_to, respondents_from) = mpsc::sync_channel(1);
        let (notes_to, notes_from) = mpsc::sync_channel(1);
        scope.spawn(move || {
            // A loader gone (an error) takes nothing more: the sends' errors are moot.
            let _ = respondents_to.send(respondents(&conn, cycle));
            let _ = notes_to.send(notes(&conn, cycle));
        });
        Ahead {
            respondents: Some(respondents_from),
            notes: Some(notes_from),
        }
    }

    /// Every respondent of `cycle`, removed ones too, by row id: as read ahead, else
    /// read on `here` (nothing ahead, or the thread stopped: a panic there is the
    /// scope's to raise).
    pub(super) fn respondents(
        &mut self,
        here: &Connection,
        cycle: i64,
    ) -> rusqlite::Result<Vec<RespondentRow>> {
        received(&mut self.respondents, || respondents(here, cycle))
    }

    /// The notes of nodes of `cycle`, by node, as [`Ahead::respondents`].
    pub(super) fn notes(
        &mut self,
        here: &Connection,
        cycle: i64,
    ) -> rusqlite::Result<Vec<NoteRow>> {
        received(&mut self.notes, || notes(here, cycle))
    }
}

/// What the thread sent through `from` (once), else what `here` reads.
fn received<T>(
    from: &mut Option<Receiver<rusqlite::Result<T>>>,
    here: impl FnOnce() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    match from.take().and_then(|rows| rows.recv().ok()) {
        Some(rows) => rows,
        None => here(),
    }
}

/// Every respondent of the cycle, removed ones too, by row id.
fn respondents(conn: &Connection, cycle: i64) -> rusqlite::Result<Vec<RespondentRow>> {
    // Sized once: grown by doubling, the list was a tenth of reading it.
    let count: i64 = conn.query_row("SELECT count(*) FROM respondent", [], |r| r.get(0))?;
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    // `+cycle_id`: the table in row order, not the unique index on the cycle and node
    // with a row lookup and a sort of every respondent (half the query's time).
    let mut stmt = conn.prepare(
        "SELECT id, uid, level, node_id, role, number, label, removed_at IS NOT NULL
         FROM respondent WHERE +cycle_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([cycle])?;
    while let Some(r) = rows.next()? {
        out.push(RespondentRow {
            id: r.get(0)?,
            uid: r.get(1)?,
            level: r.get(2)?,
            node_id: r.get(3)?,
            role: r.get(4)?,
            number: r.get(5)?,
            label: r.get(6)?,
            removed: r.get(7)?,
        });
    }
    Ok(out)
}

/// The notes of nodes (not of respondents' answers) of the cycle, from their own index
/// (about one answer in ten has one), by node.
fn notes(conn: &Connection, cycle: i64) -> rusqlite::Result<Vec<NoteRow>> {
    let mut stmt = conn.prepare(
        "SELECT level, node_id, indicator, note FROM answer
         WHERE cycle_id = ?1 AND note <> '' AND respondent = 0 ORDER BY level, node_id",
    )?;
    let mut rows = stmt.query([cycle])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(NoteRow {
            level: r.get(0)?,
            node_id: r.get(1)?,
            indicator: r.get(2)?,
            note: r.get(3)?,
        });
    }
    Ok(out)
}

impl Store {
    /// The load's read transaction and, where one can be had on the same snapshot, a
    /// second connection in its own read transaction (see the module's comment).
    pub(super) fn load_snapshot(&self) -> Result<(ReadSnapshot<'_>, Option<Connection>)> {
        let writable = !self.conn.is_readonly(MAIN_DB).unwrap_or(true);
        if !self.conn.is_autocommit() || !writable {
            return Ok((self.read_snapshot()?, None));
        }
        // Never wait for another writer here: reading on one connection is as right.
        let busy = |d| self.conn.busy_timeout(d).map_err(|e| self.sql(e));
        busy(Duration::ZERO)?;
        let locked = self.conn.execute_batch("BEGIN IMMEDIATE");
        busy(Duration::from_secs(5))?;
        if let Err(e) = locked {
            tracing::debug!("the load reads on one connection: {e}");
            return Ok((self.read_snapshot()?, None));
        }
        let snapshot = ReadSnapshot {
            conn: &self.conn,
            own: true,
        };
        let second = match second_reader(&self.path) {
            Ok(conn) => Some(conn),
            Err(e) => {
                tracing::debug!("the load reads on one connection: {e}");
                None
            }
        };
        Ok((snapshot, second))
    }
}

/// A read-only connection to `path` in a read transaction whose snapshot is taken.
fn second_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("BEGIN")?;
    // The snapshot is taken at the first read, not at BEGIN.
    conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::domain::model::{Dataset, NodeRef};
    use crate::generate::{Method, Scale, generate_with};

    fn generated() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("patuh.db");
        generate_with(&db, Scale::Tiny, 5, Method::Levels, None).expect("generate");
        (dir, db)
    }

    fn nodes(ds: &Dataset) -> Vec<NodeRef> {
        let agencies = ds.agencies.ids().map(NodeRef::Agency);
        let units = ds.units.ids().map(NodeRef::Unit);
        agencies
            .chain(units)
            .chain(ds.products.ids().map(NodeRef::Product))
            .collect()
    }

    /// Notes and respondents in the dataset: what the rows read ahead give.
    fn counted(ds: &Dataset) -> (usize, usize) {
        let nodes = nodes(ds);
        let notes = nodes
            .iter()
            .map(|&n| match n {
                NodeRef::Product(p) => ds.products[p].notes.len(),
                _ => ds.notes(n).len(),
            })
            .sum();
        let respondents = nodes.iter().map(|&n| ds.respondents(n).len()).sum();
        (notes, respondents)
    }

    /// The same rows counted by SQLite.
    fn stored(db: &Path) -> (usize, usize) {
        let conn = Connection::open(db).expect("open");
        let count = |sql: &str| -> usize {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0)).expect("count");
            usize::try_from(n).expect("a count")
        };
        (
            count("SELECT count(*) FROM answer WHERE note <> '' AND respondent = 0"),
            count("SELECT count(*) FROM respondent"),
        )
    }

    #[test]
    fn a_workstation_reads_ahead_on_a_second_connection_that_no_commit_can_outdate() {
        let (_dir, db) = generated();
        let store = Store::open(&db).expect("open");
        {
            let (_snapshot, second) = store.load_snapshot().expect("snapshot");
            assert!(second.is_some(), "a writable store reads ahead");
            // Nobody can commit while the two snapshots are read.
            let other = Connection::open(&db).expect("open");
            other.busy_timeout(Duration::ZERO).expect("timeout");
            let refused = other.execute_batch("BEGIN IMMEDIATE; DELETE FROM respondent; COMMIT");
            assert!(refused.is_err(), "a writer got in during the load");
        }
        let ds = store.load().expect("load");
        let (notes, respondents) = counted(&ds);
        assert!(notes > 0 && respondents > 0, "{notes} notes, {respondents}");
        assert_eq!((notes, respondents), stored(&db));
        // The same as a reader's load on one connection.
        let reader = Store::open_reader(&db).expect("reader");
        assert!(reader.load_snapshot().expect("snapshot").1.is_none());
        assert_eq!(
            format!("{ds:?}"),
            format!("{:?}", reader.load().expect("load"))
        );
        // And the write lock is let go after the load.
        let other = Connection::open(&db).expect("open");
        other.busy_timeout(Duration::ZERO).expect("timeout");
        drop(reader);
        other
            .execute_batch("BEGIN IMMEDIATE; ROLLBACK")
            .expect("the lock is free after the load");
    }

    #[test]
    fn another_writer_leaves_the_load_on_one_connection_without_waiting() {
        let (_dir, db) = generated();
        let expected = format!("{:?}", Store::open_reader(&db).unwrap().load().unwrap());
        let store = Store::open(&db).expect("open");
        let other = Connection::open(&db).expect("open");
        other
            .execute_batch("BEGIN IMMEDIATE; DELETE FROM respondent WHERE id = 1")
            .expect("a writer");
        let started = Instant::now();
        assert!(store.load_snapshot().expect("snapshot").1.is_none());
        let ds = store.load().expect("load");
        // Not the busy timeout's 5 s, the writer's uncommitted change not seen.
        assert!(started.elapsed() < Duration::from_secs(4));
        assert_eq!(format!("{ds:?}"), expected);
        other.execute_batch("ROLLBACK").expect("rollback");
    }

    #[test]
    fn a_read_only_workstation_reads_on_one_connection() {
        let (_dir, db) = generated();
        let store = Store::open_read_only(&db).expect("open");
        assert!(store.load_snapshot().expect("snapshot").1.is_none());
        let ds = store.load().expect("load");
        assert_eq!(counted(&ds), stored(&db));
    }
}
