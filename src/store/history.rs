//! Reading the audit log back for a person (`patuh log`, `show`, `check`): the rows of
//! one product or indicator, the reasons given for reopening finalized products, and
//! whether a product is finalized. Nothing here writes.

use rusqlite::{OptionalExtension, params};

use super::audit::{self, AuditRow};
use super::{ProductRef, Result, Store};

/// When and by whom a product was finalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalized {
    pub at: String,
    pub by: String,
}

impl Store {
    /// The audit rows of one product (its path `AGENCY/UNIT/PRODUCT`), oldest first;
    /// with `indicator`, only that indicator's rows and the product's own events
    /// (finalize, reopen), which say when the indicator could be changed.
    pub fn audit_history(&self, product: &str, indicator: Option<&str>) -> Result<Vec<AuditRow>> {
        let sql = "SELECT seq, at, who, product, indicator, action, old, new, prev_hash
                   FROM audit WHERE product = ?1 AND (?2 IS NULL OR indicator = ?2 OR indicator IS NULL)
                   ORDER BY seq";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql(e))?;
        stmt.query_map(params![product, indicator], audit::read_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// Every reopening of a finalized product with its reason (the row's `new`),
    /// oldest first.
    pub fn reopenings(&self) -> Result<Vec<AuditRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, who, product, indicator, action, old, new, prev_hash
                 FROM audit WHERE action = 'reopen' ORDER BY seq",
            )
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
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT finalized_at, finalized_by FROM product WHERE id = ?1",
                params![product.db_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(match row {
            Some((Some(at), by)) => Some(Finalized {
                at,
                by: by.unwrap_or_default(),
            }),
            _ => None,
        })
    }
}
