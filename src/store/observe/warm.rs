//! What a keystroke's commit knew when it ended, trusted by the next change while
//! nothing else has written the file. An assessor types into one node's checklist or
//! questionnaire: each change would otherwise read again, in its transaction, the
//! node's instrument and finalization (seven b-tree searches), the audit log's last
//! row and the cell it wrote itself, which is most of a commit's own work besides the
//! disk's (docs/performance.md, "The commit without reading again").
//!
//! Trusted only when nothing else has written since: SQLite's `data_version` (moves
//! when another connection, of any process, commits) and the connection's own
//! `total_changes` (moves with every row this connection writes by any other path:
//! a finalization, a note of another node, an import) are both as they were at the
//! end of the change remembered. Anything else reads everything again.

use std::sync::Arc;

use rusqlite::Connection;

use super::{Cell, Kinds};

/// A node of a cycle: (cycle id, level code, node id).
pub(in crate::store) type NodeKey = (i64, i64, i64);

/// The state after a committed change.
pub(in crate::store) struct Warm {
    pub(super) node: NodeKey,
    /// `PRAGMA data_version` in the change's transaction.
    pub(super) version: i64,
    /// The connection's `total_changes` after its commit.
    pub(super) changes: u64,
    /// The node's instrument (id, SHA-256) and its indicators' kinds; the node was
    /// not finalized.
    pub(super) instrument: (i64, String),
    pub(super) kinds: Option<Arc<Kinds>>,
    /// The cell changed: its indicator, its respondent (row id, 0 for the node's own
    /// answer; a respondent that was not removed) and what it holds now.
    pub(super) indicator: String,
    pub(super) respondent: i64,
    pub(super) cell: Cell,
    /// The audit log's last row: its seq and hash.
    pub(super) tail: (i64, String),
}

impl Warm {
    /// Whether this state still holds for a change of `node` in a transaction that
    /// read `version`.
    pub(super) fn holds(&self, conn: &Connection, node: NodeKey, version: i64) -> bool {
        self.node == node && self.version == version && self.changes == conn.total_changes()
    }

    /// The cell as remembered, when it is the one asked.
    pub(super) fn cell(&self, indicator: &str, respondent: i64) -> Option<&Cell> {
        (self.indicator == indicator && self.respondent == respondent).then_some(&self.cell)
    }
}

/// `PRAGMA data_version` of the connection's current transaction.
pub(in crate::store) fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))
}
