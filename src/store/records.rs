//! A workstation's records as an export carries them: for format 1 each product's
//! observations of the current cycle (its answers of respondent 0, with who changed
//! them and when), evidence references and finalization; for format 2 every node's
//! answers (respondents' too, by uid, and data values), respondents, evidence and
//! finalization, an agency's follow-up register, and the cycle; each read one node at
//! a time, and the audit log read row by row (a nation's log is 1.5 million rows, never
//! held at once).

use rusqlite::params;

use super::audit::{AuditRow, SELECT_SQL, read_row};
use super::nodes::level_code;
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

    /// [`Store::each_audit_row`] with each row and its stored hash borrowed from the
    /// database's row (no `String` per field: the export reads a nation's log so). A
    /// field that is not text gives the error [`Store::each_audit_row`] gives.
    pub fn each_audit_row_ref<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&super::audit::AuditRowRef<'_>, &str) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let sql = |e| E::from(self.sql(e));
        let mut stmt = self.conn.prepare(SELECT_SQL).map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let (row, hash) = match super::audit::read_row_ref(r) {
                Ok(x) => x,
                Err(e) => {
                    // The owned reading's error, as `each_audit_row` reports it.
                    read_row(r).map_err(sql)?;
                    r.get::<_, String>(9).map_err(sql)?;
                    return Err(sql(e));
                }
            };
            f(&row, hash)?;
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

/// The columns of [`read_answer`], over `answer a LEFT JOIN respondent r`.
const ANSWER: &str = "a.indicator, r.uid, a.value, a.amount, a.source, a.na, a.note, \
                      a.updated_at, a.updated_by, a.carried";

fn read_answer(r: &rusqlite::Row<'_>) -> rusqlite::Result<AnswerRecord> {
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
}

/// The columns of [`read_evidence`].
const EVIDENCE: &str = "indicator, reference, size, sha256, added_at, added_by";

fn read_evidence(r: &rusqlite::Row<'_>) -> rusqlite::Result<EvidenceRecord> {
    Ok(EvidenceRecord {
        indicator: r.get(0)?,
        reference: r.get(1)?,
        size: r.get(2)?,
        sha256: r.get(3)?,
        added_at: r.get(4)?,
        added_by: r.get(5)?,
    })
}

/// Agency `?2` and every unit and product under it, as `nodes(level, node_id)`. The
/// queries join it first with CROSS JOIN, which SQLite keeps in that order, so that it
/// walks the agency's nodes and seeks each one's rows: left to choose (the database has
/// no statistics), it scanned the whole cycle's respondents once per agency.
const NODES: &str = "WITH nodes (level, node_id) AS (
        SELECT 1, ?2
        UNION ALL SELECT 2, id FROM unit WHERE agency_id = ?2
        UNION ALL SELECT 3, p.id FROM product p JOIN unit u ON u.id = p.unit_id
                  WHERE u.agency_id = ?2)";

/// The records of the nodes of one agency ([`Store::agency_records`]).
#[derive(Debug, Default)]
pub struct AgencyRecords(std::collections::HashMap<(i64, i64), NodeRecord>);

impl AgencyRecords {
    fn of(&mut self, at: (i64, i64)) -> &mut NodeRecord {
        self.0.entry(at).or_default()
    }

    /// A node's record, taken out; an empty one for a node with nothing stored.
    pub fn take(&mut self, node: &super::Node) -> NodeRecord {
        self.0
            .remove(&(level_code(node.level), node.db_id))
            .unwrap_or_default()
    }
}

impl Store {
    /// The record of a node (any level) in the current cycle.
    pub fn node_record(&self, node: &super::Node) -> Result<NodeRecord> {
        let sql = |e| self.sql(e);
        let key = params![self.cycle.id, level_code(node.level), node.db_id];
        let answers = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ANSWER} FROM answer a
                 LEFT JOIN respondent r ON r.id = a.respondent AND a.respondent <> 0
                 WHERE a.cycle_id = ?1 AND a.level = ?2 AND a.node_id = ?3
                 ORDER BY a.indicator, a.respondent <> 0, r.uid"
            ))
            .and_then(|mut stmt| stmt.query_map(key, read_answer)?.collect())
            .map_err(sql)?;
        let evidence = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EVIDENCE} FROM evidence
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 ORDER BY id"
            ))
            .and_then(|mut stmt| stmt.query_map(key, read_evidence)?.collect())
            .map_err(sql)?;
        let finalized: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT finalized_at, finalized_by FROM node_state
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            )
            .and_then(|mut stmt| {
                rusqlite::OptionalExtension::optional(
                    stmt.query_row(key, |r| Ok((r.get(0)?, r.get(1)?))),
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

    /// The records of an agency and of every unit and product under it in the current
    /// cycle, each what [`Store::node_record`] gives, read with one query per table for
    /// the whole agency instead of four per node: a national export reads 39,000
    /// nodes, and the per-node queries were a third of its CPU (issue 16).
    pub fn agency_records(&self, agency_db_id: i64) -> Result<AgencyRecords> {
        let mut records = AgencyRecords::default();
        // Each query's rows end with the level and node id they belong to, at `at`.
        let mut each =
            |select: &str,
             at: usize,
             f: &mut dyn FnMut(&mut NodeRecord, &rusqlite::Row<'_>) -> rusqlite::Result<()>|
             -> Result<()> {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("{NODES} {select}"))
                    .map_err(|e| self.sql(e))?;
                let mut rows = stmt
                    .query(params![self.cycle.id, agency_db_id])
                    .map_err(|e| self.sql(e))?;
                while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
                    let node: (i64, i64) = (
                        r.get(at).map_err(|e| self.sql(e))?,
                        r.get(at + 1).map_err(|e| self.sql(e))?,
                    );
                    f(records.of(node), r).map_err(|e| self.sql(e))?;
                }
                Ok(())
            };
        each(
            &format!(
                "SELECT {ANSWER}, a.level, a.node_id FROM nodes n CROSS
                 JOIN answer a ON a.cycle_id = ?1 AND a.level = n.level AND a.node_id = n.node_id
                 LEFT JOIN respondent r ON r.id = a.respondent AND a.respondent <> 0
                 ORDER BY a.level, a.node_id, a.indicator, a.respondent <> 0, r.uid"
            ),
            10,
            &mut |record, r| {
                record.answers.push(read_answer(r)?);
                Ok(())
            },
        )?;
        each(
            &format!(
                "SELECT {EVIDENCE}, e.level, e.node_id FROM nodes n CROSS
                 JOIN evidence e ON e.cycle_id = ?1 AND e.level = n.level AND e.node_id = n.node_id
                 ORDER BY e.level, e.node_id, e.id"
            ),
            6,
            &mut |record, r| {
                record.evidence.push(read_evidence(r)?);
                Ok(())
            },
        )?;
        each(
            "SELECT s.finalized_at, s.finalized_by, s.level, s.node_id FROM nodes n CROSS
             JOIN node_state s ON s.cycle_id = ?1 AND s.level = n.level AND s.node_id = n.node_id",
            2,
            &mut |record, r| {
                record.finalized_at = r.get(0)?;
                record.finalized_by = r.get(1)?;
                Ok(())
            },
        )?;
        for (level, node, respondent) in self.respondents_under(agency_db_id, NODES)? {
            records.of((level, node)).respondents.push(respondent);
        }
        Ok(records)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::NodeRef;

    /// `agency_records` is `node_record` for every node, read a whole agency at a time:
    /// the same answers (respondents' too) in the same order, respondents, evidence and
    /// finalization, and nothing of another agency's nodes.
    #[test]
    fn an_agencys_records_are_its_nodes_records() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        crate::generate::generate_with(
            &db,
            crate::generate::Scale::Tiny,
            5,
            crate::generate::Method::Levels,
            None,
        )
        .unwrap();
        let mut store = Store::open(&db).unwrap();
        let ds = store.load().unwrap();
        let node_of = |store: &Store, node: NodeRef| store.node(&ds.node_path(node)).unwrap();
        // The generator attaches no evidence: some at each level of the agencies, where
        // not finalized.
        let mut evidence = 0;
        for (a, agency) in ds.agencies.iter_enumerated() {
            let unit = agency.units[0];
            for node in [
                NodeRef::Agency(a),
                NodeRef::Unit(unit),
                NodeRef::Product(ds.units[unit].products[0]),
            ] {
                let node = node_of(&store, node);
                let record = store.node_record(&node).unwrap();
                let (Some(first), None) = (record.answers.first(), &record.finalized_at) else {
                    continue;
                };
                for reference in ["SK 12/2025", "foto-loket.jpg"] {
                    store
                        .add_node_evidence(&node, &first.indicator, reference, None)
                        .unwrap();
                    evidence += 1;
                }
            }
        }
        assert!(evidence >= 6, "evidence at several nodes: {evidence}");
        let (mut answers, mut respondents, mut finalized, mut with_evidence) = (0, 0, 0, 0);
        for (a, agency) in ds.agencies.iter_enumerated() {
            let mut records = store.agency_records(agency.db_id).unwrap();
            let mut nodes = vec![NodeRef::Agency(a)];
            for &u in &agency.units {
                nodes.push(NodeRef::Unit(u));
                nodes.extend(ds.units[u].products.iter().map(|&p| NodeRef::Product(p)));
            }
            for node in nodes {
                let node = node_of(&store, node);
                let one = store.node_record(&node).unwrap();
                assert_eq!(records.take(&node), one, "{}", node.path);
                answers += one.answers.len();
                respondents += one.respondents.len();
                finalized += usize::from(one.finalized_at.is_some());
                with_evidence += usize::from(!one.evidence.is_empty());
            }
            assert!(
                records.0.is_empty(),
                "{}: rows of nodes outside the agency: {:?}",
                agency.code,
                records.0.keys().collect::<Vec<_>>()
            );
        }
        // The data set has what is compared.
        assert!(answers > 100 && respondents > 10 && finalized > 0 && with_evidence >= 2);
    }
}
