//! Nodes as the store addresses them (an agency, a unit or a product, by path and row
//! id), the current cycle, and what belongs to a node whatever its level: its
//! instrument, and finalizing and reopening it (schema 0009: `node_state`), each one
//! `BEGIN IMMEDIATE` transaction with its audit row.

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Entry, action};
use super::observe::WriteTx;
use super::{ProductRef, Result, Store, StoreError};
use crate::domain::Instrument;
use crate::domain::instrument::NodeLevel;

/// A node (agency, unit or product) as the store addresses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node {
    pub level: NodeLevel,
    /// Its row id in `agency`, `unit` or `product`.
    pub db_id: i64,
    /// `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT` by codes.
    pub path: String,
}

impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By path, then level and row id.
impl Ord for Node {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.path, level_code(self.level), self.db_id).cmp(&(
            &other.path,
            level_code(other.level),
            other.db_id,
        ))
    }
}

impl From<&ProductRef> for Node {
    fn from(p: &ProductRef) -> Node {
        Node {
            level: NodeLevel::Product,
            db_id: p.db_id,
            path: p.path.clone(),
        }
    }
}

/// The cycle a store reads and writes (`meta('cycle.current')`, schema 0007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub id: i64,
    pub code: String,
}

/// The code of the cycle every database made before cycles holds its work in; audit
/// rows of it carry no cycle (and so keep the hash of their nine fields).
pub use crate::domain::cycle::DEFAULT_CYCLE;

impl Cycle {
    /// What an audit row of this cycle carries: nothing for `default`.
    pub fn audit_code(&self) -> Option<&str> {
        (self.code != DEFAULT_CYCLE).then_some(self.code.as_str())
    }
}

/// The `level` column of `answer`, `node_state`, `respondent` and `evidence`.
pub fn level_code(level: NodeLevel) -> i64 {
    match level {
        NodeLevel::Agency => 1,
        NodeLevel::Unit => 2,
        NodeLevel::Product => 3,
    }
}

/// The level a `level` column holds.
pub fn level_of_code(code: i64) -> Option<NodeLevel> {
    match code {
        1 => Some(NodeLevel::Agency),
        2 => Some(NodeLevel::Unit),
        3 => Some(NodeLevel::Product),
        _ => None,
    }
}

/// The current cycle: the one `meta('cycle.current')` names, else `default`, else the
/// first there is (a file whose meta row was removed by hand still opens).
pub(super) fn current_cycle(conn: &Connection) -> rusqlite::Result<Cycle> {
    conn.prepare_cached(
        "SELECT id, code FROM cycle
         ORDER BY code = (SELECT value FROM meta WHERE key = 'cycle.current') DESC,
                  code = 'default' DESC, id
         LIMIT 1",
    )?
    .query_row([], |r| {
        Ok(Cycle {
            id: r.get(0)?,
            code: r.get(1)?,
        })
    })
    .optional()
    .map(|c| {
        c.unwrap_or(Cycle {
            id: 1,
            code: DEFAULT_CYCLE.into(),
        })
    })
}

/// The node's row in its table, by codes.
const FIND_SQL: [&str; 3] = [
    "SELECT id FROM agency WHERE code = ?1",
    "SELECT u.id FROM unit u JOIN agency a ON a.id = u.agency_id WHERE a.code = ?1 AND u.code = ?2",
    "SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
     WHERE a.code = ?1 AND u.code = ?2 AND p.code = ?3",
];

/// The instrument's body of a node (?1) in a cycle (?2): the agency's in that cycle
/// (`cycle_agency`, schema 0011), else the one it was first assigned with.
const INSTRUMENT_SQL: [&str; 3] = [
    "SELECT i.body FROM agency a
     LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, a.instrument_id) WHERE a.id = ?1",
    "SELECT i.body FROM unit u JOIN agency a ON a.id = u.agency_id
     LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, a.instrument_id) WHERE u.id = ?1",
    "SELECT i.body FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
     LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, a.instrument_id) WHERE p.id = ?1",
];

fn slot(level: NodeLevel) -> usize {
    level_code(level) as usize - 1
}

/// When and by whom a node was finalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalized {
    pub at: String,
    pub by: String,
}

impl Store {
    /// The current cycle.
    pub fn cycle(&self) -> &Cycle {
        &self.cycle
    }

    /// Finds a node by its path: `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT`.
    pub fn node(&self, path: &str) -> Result<Node> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(StoreError::Refused(format!(
                "{path:?} is not a path: write AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes, \
                 e.g. 8171, 8171/DUKCAPIL or 8171/DUKCAPIL/KTP-EL (see `patuh score`)"
            )));
        }
        let level = match parts.len() {
            1 => NodeLevel::Agency,
            2 => NodeLevel::Unit,
            _ => NodeLevel::Product,
        };
        let id: Option<i64> = self
            .conn
            .prepare_cached(FIND_SQL[slot(level)])
            .and_then(|mut stmt| {
                stmt.query_row(rusqlite::params_from_iter(&parts), |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.sql(e))?;
        match id {
            Some(db_id) => Ok(Node {
                level,
                db_id,
                path: path.to_string(),
            }),
            None => Err(StoreError::Refused(format!(
                "no {level} {path} in {}: write AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes; \
                 list them with `patuh score`",
                self.path.display()
            ))),
        }
    }

    /// The instrument a node is assessed with in the current cycle.
    pub fn node_instrument(&self, node: &Node) -> Result<Instrument> {
        let body: String = self
            .conn
            .prepare_cached(INSTRUMENT_SQL[slot(node.level)])
            .and_then(|mut stmt| stmt.query_row([node.db_id, self.cycle.id], |r| r.get(0)))
            .map_err(|e| self.sql(e))?;
        Instrument::parse(&body).map_err(|p| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!(
                "the instrument of {} no longer validates: {}",
                node.path,
                p.first().map(|x| x.to_string()).unwrap_or_default()
            ),
        })
    }

    /// When and by whom a node was finalized in the current cycle; None while it is open.
    pub fn node_finalized(&self, node: &Node) -> Result<Option<Finalized>> {
        let row = finalized_row(&self.conn, self.cycle.id, node).map_err(|e| self.sql(e))?;
        Ok(row.map(|(at, by)| Finalized { at, by }))
    }

    /// Finalizes a node (its own answers, respondents, evidence and, for an agency, its
    /// follow-up register become read-only until reopened). Already finalized: nothing.
    pub fn finalize_node(&mut self, node: &Node) -> Result<()> {
        self.set_final(node, true, None)
    }

    /// Reopens a finalized node; the reason goes into the audit log.
    pub fn reopen_node(&mut self, node: &Node, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Refused(format!(
                "reopening {} needs a reason",
                node.path
            )));
        }
        self.set_final(node, false, Some(reason.trim()))
    }

    fn set_final(&mut self, node: &Node, finalize: bool, reason: Option<&str>) -> Result<()> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        if finalized_row(&tx, cycle.id, node).map_err(sql)?.is_some() == finalize {
            return Ok(()); // already in that state: nothing to record
        }
        let (at, by) = if finalize {
            (Some(now.as_str()), Some(who.as_str()))
        } else {
            (None, None)
        };
        // A product without a row of state yet gets one with a stale digest: a digest
        // is rewritten from the answers, never assumed.
        tx.prepare_cached(
            "INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5)
             ON CONFLICT (cycle_id, level, node_id)
             DO UPDATE SET finalized_at = excluded.finalized_at, finalized_by = excluded.finalized_by",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![cycle.id, level_code(node.level), node.db_id, at, by])
        })
        .map_err(sql)?;
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &node.path,
                action: if finalize {
                    action::FINALIZE
                } else {
                    action::REOPEN
                },
                new: reason,
                cycle: cycle.audit_code(),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }
}

/// (finalized_at, finalized_by) of a finalized node in a cycle.
pub(super) fn finalized_row(
    conn: &Connection,
    cycle: i64,
    node: &Node,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT finalized_at, coalesce(finalized_by, '') FROM node_state
         WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND finalized_at IS NOT NULL",
    )?
    .query_row(params![cycle, level_code(node.level), node.db_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// Refuses a change of a finalized node (in the change's transaction).
pub(super) fn ensure_open(
    conn: &Connection,
    cycle: i64,
    node: &Node,
    db: &std::path::Path,
) -> Result<()> {
    match finalized_row(conn, cycle, node).map_err(|e| super::classify(db, e))? {
        Some((at, _)) => Err(StoreError::Finalized {
            product: node.path.clone(),
            at,
        }),
        None => Ok(()),
    }
}
