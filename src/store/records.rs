//! A workstation's records as an export carries them: for format 1 each product's
//! observations of the current cycle (its answers of respondent 0, with who changed
//! them and when), evidence references and finalization; for format 2 every node's
//! answers (respondents' too, by uid, and data values), respondents, evidence and
//! finalization, an agency's follow-up register, and the cycle; each read one node at
//! a time, and the audit log read row by row (a nation's log is 1.5 million rows, never
//! held at once).

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

/// One answer cell as stored, at any level: an observation, N/A or note of a whole
/// indicator (no respondent), a respondent's answer (its uid), a data value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub indicator: String,
    /// The respondent's uid; None for respondent 0.
    pub respondent: Option<String>,
    pub value: Option<i64>,
    /// A data value, canonical decimal text.
    pub amount: Option<String>,
    pub source: Option<String>,
    pub na: bool,
    /// Carried from the previous cycle, to be re-checked (not counted until confirmed).
    pub carried: bool,
    pub note: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Everything stored about one node in the current cycle: what export format 2 carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeRecord {
    /// By indicator, then respondent (respondent 0 first).
    pub answers: Vec<AnswerRecord>,
    /// By role and number, removed ones included.
    pub respondents: Vec<super::RespondentRow>,
    /// In the order added.
    pub evidence: Vec<EvidenceRecord>,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
}

/// One follow-up item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupRecord {
    pub kind: String,
    pub reference: String,
    pub status: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// An agency's follow-up register as stored in the current cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowupsRecord {
    /// In the order added.
    pub items: Vec<FollowupRecord>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

/// The current cycle as stored (schema 0007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleRecord {
    pub code: String,
    pub kind: String,
    pub year: Option<i64>,
    /// The code of the cycle it follows.
    pub follows: Option<String>,
}

impl Store {
    /// The record of a node (any level) in the current cycle.
    pub fn node_record(&self, node: &super::Node) -> Result<NodeRecord> {
        let sql = |e| self.sql(e);
        let (cycle, level, id) = (
            self.cycle.id,
            super::nodes::level_code(node.level),
            node.db_id,
        );
        let answers = self
            .conn
            .prepare_cached(
                "SELECT a.indicator, r.uid, a.value, a.amount, a.source, a.na, a.note, a.updated_at,
                        a.updated_by, a.carried
                 FROM answer a LEFT JOIN respondent r ON r.id = a.respondent AND a.respondent <> 0
                 WHERE a.cycle_id = ?1 AND a.level = ?2 AND a.node_id = ?3
                 ORDER BY a.indicator, a.respondent <> 0, r.uid",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![cycle, level, id], |r| {
                    Ok(AnswerRecord {
                        indicator: r.get(0)?,
                        respondent: r.get(1)?,
                        value: r.get(2)?,
                        amount: r.get(3)?,
                        source: r.get(4)?,
                        na: r.get::<_, i64>(5)? != 0,
                        note: r.get(6)?,
                        updated_at: r.get(7)?,
                        updated_by: r.get(8)?,
                        carried: r.get::<_, i64>(9)? != 0,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql)?;
        let evidence = self
            .conn
            .prepare_cached(
                "SELECT indicator, reference, size, sha256, added_at, added_by FROM evidence
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 ORDER BY id",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![cycle, level, id], |r| {
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
        let finalized: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT finalized_at, finalized_by FROM node_state
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            )
            .and_then(|mut stmt| {
                rusqlite::OptionalExtension::optional(
                    stmt.query_row(params![cycle, level, id], |r| Ok((r.get(0)?, r.get(1)?))),
                )
            })
            .map_err(sql)?;
        let (finalized_at, finalized_by) = finalized.unwrap_or_default();
        Ok(NodeRecord {
            answers,
            respondents: self.respondents(node)?,
            evidence,
            finalized_at,
            finalized_by,
        })
    }

    /// An agency's follow-up register in the current cycle, as stored.
    pub fn followups_record(&self, agency_db_id: i64) -> Result<FollowupsRecord> {
        let sql = |e| self.sql(e);
        let items = self
            .conn
            .prepare_cached(
                "SELECT kind, ref, status, updated_at, updated_by FROM followup
                 WHERE cycle_id = ?1 AND agency_id = ?2 ORDER BY id",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![self.cycle.id, agency_db_id], |r| {
                    Ok(FollowupRecord {
                        kind: r.get(0)?,
                        reference: r.get(1)?,
                        status: r.get(2)?,
                        updated_at: r.get(3)?,
                        updated_by: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql)?;
        let closed: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT closed_at, closed_by FROM followup_register
                 WHERE cycle_id = ?1 AND agency_id = ?2",
            )
            .and_then(|mut stmt| {
                rusqlite::OptionalExtension::optional(
                    stmt.query_row(params![self.cycle.id, agency_db_id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    }),
                )
            })
            .map_err(sql)?;
        let (closed_at, closed_by) = match closed {
            Some((at, by)) => (Some(at), Some(by)),
            None => (None, None),
        };
        Ok(FollowupsRecord {
            items,
            closed_at,
            closed_by,
        })
    }

    /// The current cycle with its kind, year and the cycle it follows.
    pub fn cycle_record(&self) -> Result<CycleRecord> {
        self.conn
            .query_row(
                "SELECT c.code, c.kind, c.year, f.code FROM cycle c
                 LEFT JOIN cycle f ON f.id = c.follows WHERE c.id = ?1",
                [self.cycle.id],
                |r| {
                    Ok(CycleRecord {
                        code: r.get(0)?,
                        kind: r.get(1)?,
                        year: r.get(2)?,
                        follows: r.get(3)?,
                    })
                },
            )
            .map_err(|e| self.sql(e))
    }
}
