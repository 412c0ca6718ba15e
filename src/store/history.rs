//! Reading the audit log back for a person (`patuh log`, `show`, `check`): the rows of
//! one node or indicator, the reasons given for reopening finalized nodes, and
//! whether a product is finalized. Nothing here writes.

use super::audit::{self, AuditRow};
use super::nodes::{Finalized, Node};
use super::{ProductRef, Result, Store};

impl Store {
    /// The audit rows of one node (its path `AGENCY`, `AGENCY/UNIT` or
    /// `AGENCY/UNIT/PRODUCT`), oldest first; with `indicator`, only that indicator's
    /// rows and the node's own events (finalize, reopen, respondents), which say when
    /// the indicator could be changed.
    pub fn audit_history(&self, path: &str, indicator: Option<&str>) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {} FROM audit WHERE path = ?1 AND (?2 IS NULL OR indicator = ?2 OR indicator IS NULL)
             ORDER BY seq",
            audit::COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        stmt.query_map(rusqlite::params![path, indicator], audit::read_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// [`Store::audit_history`] of the current cycle only (the one `--cycle` chose): what
    /// `patuh log` and `show` print. Rows of the cycle `default` carry no cycle.
    pub fn cycle_history(&self, path: &str, indicator: Option<&str>) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {} FROM audit WHERE path = ?1 AND (?2 IS NULL OR indicator = ?2 OR indicator IS NULL)
               AND cycle IS ?3
             ORDER BY seq",
            audit::COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        stmt.query_map(
            rusqlite::params![path, indicator, self.cycle.audit_code()],
            audit::read_row,
        )
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// Every reopening of a finalized product with its reason (the row's `new`),
    /// oldest first.
    pub fn reopenings(&self) -> Result<Vec<AuditRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM audit WHERE action = 'reopen' ORDER BY seq",
                audit::COLUMNS
            ))
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], audit::read_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// Whether the audit hash chain is intact: the number of rows, or where it breaks.
    pub fn audit_chain(&self) -> Result<std::result::Result<u64, audit::ChainBreak>> {
        audit::verify_chain(&self.conn).map_err(|e| self.sql(e))
    }

    /// When and by whom a product was finalized; None while it is open.
    pub fn finalized(&self, product: &ProductRef) -> Result<Option<Finalized>> {
        self.node_finalized(&Node::from(product))
    }
}
