//! A workstation's records as an export (format 1) carries them: each product's
//! observations of the current cycle (its answers of respondent 0, with who changed
//! them and when), evidence references and finalization, read one product at a time,
//! and the audit log read row by row (a nation's log is 1.5 million rows, never held at
//! once).

use rusqlite::params;

use super::audit::{AuditRow, SELECT_SQL, read_row};
use super::{Result, Store, StoreError};

/// One observation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRecord {
    pub indicator: String,
    /// NULL for unanswered or not applicable.
    pub value: Option<i64>,
    pub na: bool,
    pub note: String,
    pub updated_at: String,
    pub updated_by: String,
    /// Carried from the previous cycle, to be re-checked: not an observation of this
    /// cycle until confirmed or changed (issue 14).
    pub carried: bool,
}

/// One evidence reference as stored, with its indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub indicator: String,
    pub reference: String,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub added_at: String,
    pub added_by: String,
}

/// Everything stored about one product's assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductRecord {
    /// By indicator id.
    pub observations: Vec<ObservationRecord>,
    /// In the order added.
    pub evidence: Vec<EvidenceRecord>,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
}

impl Store {
    /// The record of the product with this database id.
    pub fn product_record(&self, db_id: i64) -> Result<ProductRecord> {
        let sql = |e| self.sql(e);
        let observations = self
            .conn
            .prepare_cached(
                "SELECT indicator, value, na, note, updated_at, updated_by, carried FROM answer
                 WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND respondent = 0
                 ORDER BY indicator",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![self.cycle.id, db_id], |r| {
                    Ok(ObservationRecord {
                        indicator: r.get(0)?,
                        value: r.get(1)?,
                        na: r.get::<_, i64>(2)? != 0,
                        note: r.get(3)?,
                        updated_at: r.get(4)?,
                        updated_by: r.get(5)?,
                        carried: r.get::<_, i64>(6)? != 0,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql)?;
        let evidence = self
            .conn
            .prepare_cached(
                "SELECT indicator, reference, size, sha256, added_at, added_by FROM evidence
                 WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 ORDER BY id",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![self.cycle.id, db_id], |r| {
                    Ok(EvidenceRecord {
                        indicator: r.get(0)?,
                        reference: r.get(1)?,
                        size: r.get(2)?,
                        sha256: r.get(3)?,
                        added_at: r.get(4)?,
                        added_by: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql)?;
        let (finalized_at, finalized_by) = self
            .conn
            .prepare_cached(
                "SELECT s.finalized_at, s.finalized_by FROM product p
                 LEFT JOIN node_state s ON s.cycle_id = ?1 AND s.level = 3 AND s.node_id = p.id
                 WHERE p.id = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![self.cycle.id, db_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .map_err(sql)?;
        Ok(ProductRecord {
            observations,
            evidence,
            finalized_at,
            finalized_by,
        })
    }

    /// Calls `f` with every audit row and its stored hash, in order, one at a time;
    /// the first error (of the database, or of `f`) stops the reading.
    pub fn each_audit_row<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(AuditRow, String) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let sql = |e| E::from(self.sql(e));
        let mut stmt = self.conn.prepare(SELECT_SQL).map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let row = read_row(r).map_err(sql)?;
            let hash: String = r.get(9).map_err(sql)?;
            f(row, hash)?;
        }
        Ok(())
    }
}
