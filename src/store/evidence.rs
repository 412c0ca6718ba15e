//! Reading back the evidence references of one indicator at a node, newest last, for
//! the workstation's detail pane.

use rusqlite::params;

use super::nodes::{Node, level_code};
use super::{ProductRef, Result, Store};

/// One evidence reference as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    /// Its id (to remove it: `Store::remove_evidence`).
    pub id: i64,
    /// A file path or a document number.
    pub reference: String,
    /// Size in bytes, for a file that existed when attached.
    pub size: Option<i64>,
    /// SHA-256 (lowercase hex), for a file that existed when attached.
    pub sha256: Option<String>,
    pub added_at: String,
    pub added_by: String,
}

impl Store {
    /// The evidence attached to one indicator of a product, in the order added.
    pub fn evidence(&self, product: &ProductRef, indicator: &str) -> Result<Vec<EvidenceRow>> {
        self.node_evidence(&Node::from(product), indicator)
    }

    /// The evidence attached to one indicator at a node of any level, in the order added.
    pub fn node_evidence(&self, node: &Node, indicator: &str) -> Result<Vec<EvidenceRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT reference, size, sha256, added_at, added_by, id FROM evidence
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let key = params![self.cycle.id, level_code(node.level), node.db_id, indicator];
        stmt.query_map(key, |r| {
            Ok(EvidenceRow {
                reference: r.get(0)?,
                size: r.get(1)?,
                sha256: r.get(2)?,
                added_at: r.get(3)?,
                added_by: r.get(4)?,
                id: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }
}
