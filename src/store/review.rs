//! Review (schema 0008, issue 15): how the review of an assessor's work is stored.
//!
//! On a central database: each node's state per cycle (`review`), the comments of its
//! last return (`review_comment`), conflicts resolved (`review_resolution`, whose value
//! the consolidated `observation` holds, also after later merges), revoked keys and the
//! return files written. Every change is one `BEGIN IMMEDIATE` transaction with its row
//! in the central database's own log (`central_log`), whose rows say all the tables
//! hold: [`check`] replays them (the states by `crate::domain::review`) and compares.
//!
//! A workstation's side (the return files applied) is in `inbox.rs`; the review's side
//! of `check` in `review_check.rs`.
//!
//! What to decide and why is in `src/exchange/review.rs`; here is only how it is stored.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::json;

use super::central_log::{self, LogRow};
use super::{Node, Result, Store, StoreError, classify, digest};
use crate::domain::NodeLevel;
use crate::domain::review::{
    Decision, NodeReview, Refusal, ReviewState, level_code, level_of_code,
};
use crate::domain::text::sanitize;

/// Actions of the central log written by the review.
pub const APPROVE: &str = "review-approve";
pub const RETURN: &str = "review-return";
pub const RESUBMIT: &str = "review-resubmit";
pub const RESOLVE: &str = "review-resolve";
pub const SEND: &str = "review-send";
pub const REVOKE: &str = "revoke";

/// The audit action of a returned item confirmed as it is on a workstation.
pub const CONFIRM: &str = "return_confirm";

/// A node's review as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInfo {
    pub state: ReviewState,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    /// (indicator or "" for the node, comment), by indicator.
    pub comments: Vec<(String, String)>,
}

/// A conflict resolved on one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub indicator: String,
    /// The assessor whose value counts, or None for `value`.
    pub take: Option<String>,
    pub value: Option<u32>,
    pub reason: String,
    pub at: String,
    pub by: String,
}

/// One assessor's answer to one cell of a product, for conflicts side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellResult {
    pub assessor_id: String,
    pub assessor_name: String,
    /// None: unanswered (no row), or N/A with `na`.
    pub value: Option<u32>,
    pub na: bool,
    pub answered: bool,
    pub note: String,
    /// The evidence references of the cell.
    pub evidence: Vec<String>,
    pub finalized: bool,
    pub exported_at: String,
}

/// One line of `patuh review list`: a product with results, or a unit or agency with
/// a review decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEntry {
    pub path: String,
    pub level: NodeLevel,
    pub node_id: i64,
    pub state: ReviewState,
    /// The assessors with results for it (under it), the chosen one first.
    pub assessors: Vec<String>,
}

/// A revoked key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedKey {
    pub public_key: String,
    pub fingerprint: String,
    pub reason: String,
    pub revoked_at: String,
    pub revoked_by: String,
}

/// A node of a return file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNode {
    pub path: String,
    pub state: ReviewState,
    pub decided_at: String,
    /// (indicator or "" for the node, comment).
    pub comments: Vec<(String, String)>,
}

/// A return file written at the central office (`patuh review send`).
#[derive(Debug, Clone, Copy)]
pub struct SentFile<'a> {
    pub assessor_id: &'a str,
    /// 1, 2, ... per assessor.
    pub seq: i64,
    pub sent_at: &'a str,
    pub payload_sha256: &'a str,
    pub file_name: &'a str,
    /// How many nodes it holds.
    pub nodes: usize,
}

/// The path of a review row's node (`r` the row's alias), as SQL.
pub(super) fn node_path_sql(r: &str) -> String {
    format!(
        "CASE {r}.level
           WHEN 3 THEN (SELECT a.code || '/' || u.code || '/' || p.code FROM product p
                        JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                        WHERE p.id = {r}.node_id)
           WHEN 2 THEN (SELECT a.code || '/' || u.code FROM unit u JOIN agency a ON a.id = u.agency_id
                        WHERE u.id = {r}.node_id)
           ELSE (SELECT code FROM agency WHERE id = {r}.node_id) END"
    )
}

/// The products under a node (itself for a product), as SQL selecting their ids;
/// `?1` is the node id.
fn products_under_sql(level: NodeLevel) -> &'static str {
    match level {
        NodeLevel::Product => "SELECT ?1",
        NodeLevel::Unit => "SELECT id FROM product WHERE unit_id = ?1",
        NodeLevel::Agency => {
            "SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id WHERE u.agency_id = ?1"
        }
    }
}

/// The assessor whose result a product holds (the merge's order), as SQL; `?1` is
/// the product id.
pub(super) const CHOSEN_ASSESSOR: &str =
    "SELECT assessor_id FROM assessor_result WHERE product_id = ?1
     ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC LIMIT 1";

/// The current cycle (`meta('cycle.current')`, else the first): its id and code.
pub(super) fn current_cycle(conn: &Connection) -> rusqlite::Result<(i64, String)> {
    let found: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, code FROM cycle
             WHERE code = (SELECT value FROM meta WHERE key = 'cycle.current')",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match found {
        Some(c) => Ok(c),
        None => conn
            .query_row("SELECT id, code FROM cycle ORDER BY id LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map(|c| c.unwrap_or((1, "default".into()))),
    }
}

pub(super) fn read_review(
    conn: &Connection,
    cycle: i64,
    node: &Node,
) -> rusqlite::Result<NodeReview> {
    let state: Option<String> = conn
        .prepare_cached(
            "SELECT state FROM review WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
        )?
        .query_row(params![cycle, level_code(node.level), node.db_id], |r| {
            r.get(0)
        })
        .optional()?;
    let mut comments = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT indicator, comment FROM review_comment
         WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
    )?;
    let rows = stmt.query_map(params![cycle, level_code(node.level), node.db_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (i, c) = row?;
        comments.insert(i, c);
    }
    Ok(NodeReview {
        state: state.as_deref().and_then(ReviewState::parse),
        comments,
    })
}

/// Writes what a decision at `at` by `by` did to a node whose review was `before`:
/// its state, and its comments as [`NodeReview::apply`] leaves them (an approval
/// clears them, a return after anything but a return starts them anew, each comment
/// keeping the time and reviewer of the return that wrote it).
pub(super) fn write_review(
    conn: &Connection,
    cycle: i64,
    node: &Node,
    before: ReviewState,
    d: &Decision,
    after: ReviewState,
    (at, by): (&str, &str),
) -> rusqlite::Result<()> {
    let key = params![cycle, level_code(node.level), node.db_id];
    let clear = match d {
        Decision::Approve => true,
        Decision::Return { .. } => before != ReviewState::Returned,
        Decision::Resubmit => false,
    };
    if clear {
        conn.execute(
            "DELETE FROM review_comment WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
            key,
        )?;
    }
    conn.execute(
        "INSERT INTO review (cycle_id, level, node_id, state, decided_at, decided_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (cycle_id, level, node_id) DO UPDATE
         SET state = excluded.state, decided_at = excluded.decided_at, decided_by = excluded.decided_by",
        params![
            cycle,
            level_code(node.level),
            node.db_id,
            after.code(),
            at,
            by
        ],
    )?;
    if let Decision::Return { indicator, comment } = d {
        conn.execute(
            "INSERT INTO review_comment (cycle_id, level, node_id, indicator, comment, at, by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (cycle_id, level, node_id, indicator) DO UPDATE
             SET comment = excluded.comment, at = excluded.at, by = excluded.by",
            params![
                cycle,
                level_code(node.level),
                node.db_id,
                indicator.as_deref().unwrap_or_default(),
                comment,
                at,
                by
            ],
        )?;
    }
    Ok(())
}

/// The detail of a review row of the central log: what [`check`] replays.
pub(super) fn detail(cycle: &str, level: NodeLevel, by: &str, more: serde_json::Value) -> String {
    let mut d = json!({"cycle": cycle, "level": level_code(level), "by": by});
    if let (Some(d), serde_json::Value::Object(more)) = (d.as_object_mut(), more) {
        d.extend(more);
    }
    d.to_string()
}

/// Whether anything was merged for the node (a result of some assessor on it or
/// under it).
fn has_results(conn: &Connection, node: &Node) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM assessor_result WHERE product_id IN ({}))",
            products_under_sql(node.level)
        ),
        [node.db_id],
        |r| r.get(0),
    )
}

impl Store {
    /// The current cycle's id and code.
    pub fn current_cycle(&self) -> Result<(i64, String)> {
        current_cycle(&self.conn).map_err(|e| self.sql(e))
    }

    /// Approves or returns a node (with a comment): one transaction with its row in the
    /// central log, the decision by this store's user. Refused on a node nothing was
    /// merged for, and approving an approved node changes nothing (`Ok(None)`).
    pub fn review_decide(&mut self, node: &Node, d: &Decision) -> Result<Option<NodeReview>> {
        let now = self.now();
        let by = self.who.clone();
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if !has_results(&tx, node).map_err(sql)? {
            return Err(StoreError::Refused(format!(
                "nothing of {} has been merged into {} yet: there is no work to review",
                sanitize(&node.path),
                path.display()
            )));
        }
        let (cycle, code) = current_cycle(&tx).map_err(sql)?;
        let mut review = read_review(&tx, cycle, node).map_err(sql)?;
        let before = review.clone();
        match review.apply(d) {
            Ok(()) => {}
            Err(Refusal::AlreadyApproved) => return Ok(None),
            Err(Refusal::NotReturned) => {
                return Err(StoreError::Refused(format!(
                    "{} is {}: only a returned or approved node is resubmitted",
                    sanitize(&node.path),
                    before.state().code()
                )));
            }
        }
        let (action, more) = match d {
            Decision::Approve => (APPROVE, json!({})),
            Decision::Return { indicator, comment } => {
                (RETURN, json!({"indicator": indicator, "comment": comment}))
            }
            Decision::Resubmit => (RESUBMIT, json!({})),
        };
        write_review(
            &tx,
            cycle,
            node,
            before.state(),
            d,
            review.state(),
            (&now, &by),
        )
        .map_err(sql)?;
        central_log::append(
            &tx,
            &now,
            action,
            &node.path,
            "",
            &detail(&code, node.level, &by, more),
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(Some(review))
    }

    /// Resolves a conflict on one cell of a product: the value of assessor `take`, or
    /// `value`, counts from now on (also after later merges), with the reason. One
    /// transaction with its row in the central log. Refused unless the product has
    /// results of two or more assessors (and `take` is one of them). Returns the
    /// consolidated value before and after, as the audit log writes values.
    pub fn review_resolve(
        &mut self,
        node: &Node,
        indicator: &str,
        take: Option<&str>,
        value: Option<u32>,
        reason: &str,
    ) -> Result<(String, String)> {
        if node.level != NodeLevel::Product {
            return Err(StoreError::Refused(format!(
                "{} is not a product: a conflict is two assessors' values for one indicator of a product",
                sanitize(&node.path)
            )));
        }
        let now = self.now();
        let by = self.who.clone();
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let assessors: Vec<String> = tx
            .prepare("SELECT assessor_id FROM assessor_result WHERE product_id = ?1 ORDER BY assessor_id")
            .and_then(|mut s| s.query_map([node.db_id], |r| r.get(0))?.collect())
            .map_err(sql)?;
        if assessors.len() < 2 {
            return Err(StoreError::Refused(format!(
                "{} has results of {} assessor(s), so nothing to resolve: a conflict is two assessors' values \
                 for one cell. To have an assessor correct a value, return it: `patuh review return {} {} --comment TEXT`",
                sanitize(&node.path),
                assessors.len(),
                sanitize(&node.path),
                sanitize(indicator)
            )));
        }
        if let Some(t) = take
            && !assessors.iter().any(|a| a == t)
        {
            return Err(StoreError::Refused(format!(
                "assessor {} has no result for {}; its assessors are {}",
                sanitize(t),
                sanitize(&node.path),
                assessors.join(", ")
            )));
        }
        let (cycle, code) = current_cycle(&tx).map_err(sql)?;
        let before = cell_text(&tx, cycle, node.db_id, indicator).map_err(sql)?;
        tx.execute(
            "INSERT INTO review_resolution (cycle_id, level, node_id, indicator, take, value, reason, at, by)
             VALUES (?1, 3, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (cycle_id, level, node_id, indicator) DO UPDATE
             SET take = excluded.take, value = excluded.value, reason = excluded.reason,
                 at = excluded.at, by = excluded.by",
            params![
                cycle,
                node.db_id,
                indicator,
                take,
                value.map(i64::from),
                reason,
                now,
                by
            ],
        )
        .map_err(sql)?;
        apply_resolutions(&tx, cycle, node.db_id).map_err(sql)?;
        digest::refresh(&tx, cycle, node.db_id).map_err(sql)?;
        let after = cell_text(&tx, cycle, node.db_id, indicator).map_err(sql)?;
        central_log::append(
            &tx,
            &now,
            RESOLVE,
            &node.path,
            "",
            &detail(
                &code,
                node.level,
                &by,
                json!({"indicator": indicator, "take": take, "value": value, "reason": reason,
                       "old": before, "new": after}),
            ),
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok((before, after))
    }

    /// A node's review in the current cycle (unreviewed without a row).
    pub fn node_review(&self, node: &Node) -> Result<ReviewInfo> {
        let (cycle, _) = self.current_cycle()?;
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT state, decided_at, decided_by FROM review
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3",
                params![cycle, level_code(node.level), node.db_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let review = read_review(&self.conn, cycle, node).map_err(|e| self.sql(e))?;
        Ok(ReviewInfo {
            state: review.state(),
            decided_at: row.as_ref().map(|r| r.1.clone()),
            decided_by: row.map(|r| r.2),
            comments: review.comments.into_iter().collect(),
        })
    }

    /// The review state of every node that has one, by path: on a central database its
    /// decisions in the current cycle, on a workstation what the last return file
    /// applied says.
    pub fn review_states(&self) -> Result<HashMap<String, ReviewState>> {
        let (cycle, _) = self.current_cycle()?;
        let mut out = HashMap::new();
        let sql = format!(
            "SELECT {}, state FROM review r WHERE r.cycle_id = ?1",
            node_path_sql("r")
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows: Vec<(Option<String>, String)> = stmt
            .query_map([cycle], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        for (path, state) in rows {
            if let (Some(p), Some(s)) = (path, ReviewState::parse(&state)) {
                out.insert(p, s);
            }
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, state FROM inbox_node
                 WHERE inbox_id = (SELECT max(id) FROM inbox_file)",
            )
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        for (path, state) in rows {
            if let Some(s) = ReviewState::parse(&state) {
                out.entry(path).or_insert(s);
            }
        }
        Ok(out)
    }

    /// Every product with results (its assessors, the chosen one first) and every unit
    /// and agency with a review decision (the assessors under it), by path.
    pub fn review_overview(&self) -> Result<Vec<ReviewEntry>> {
        let _snapshot = self.read_snapshot()?;
        let states = self.review_states()?;
        let state = |p: &str| states.get(p).copied().unwrap_or(ReviewState::Unreviewed);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.product_id, a.code || '/' || u.code || '/' || p.code, a.code || '/' || u.code,
                        a.code, r.assessor_id, u.id, a.id
                 FROM assessor_result r JOIN product p ON p.id = r.product_id
                 JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                 ORDER BY 2, r.finalized_at IS NOT NULL DESC, r.exported_at DESC, r.assessor_id ASC",
            )
            .map_err(|e| self.sql(e))?;
        type Row = (i64, String, String, String, String, i64, i64);
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        let mut products: BTreeMap<String, ReviewEntry> = BTreeMap::new();
        let mut above: BTreeMap<String, (NodeLevel, i64, BTreeSet<String>)> = BTreeMap::new();
        for (product_id, ppath, upath, apath, assessor, unit_id, agency_id) in rows {
            products
                .entry(ppath.clone())
                .or_insert_with(|| ReviewEntry {
                    state: state(&ppath),
                    path: ppath,
                    level: NodeLevel::Product,
                    node_id: product_id,
                    assessors: Vec::new(),
                })
                .assessors
                .push(assessor.clone());
            above
                .entry(upath)
                .or_insert((NodeLevel::Unit, unit_id, BTreeSet::new()))
                .2
                .insert(assessor.clone());
            above
                .entry(apath)
                .or_insert((NodeLevel::Agency, agency_id, BTreeSet::new()))
                .2
                .insert(assessor);
        }
        let mut out: Vec<ReviewEntry> = products.into_values().collect();
        for (path, (level, node_id, assessors)) in above {
            if let Some(&s) = states.get(&path) {
                out.push(ReviewEntry {
                    path,
                    level,
                    node_id,
                    state: s,
                    assessors: assessors.into_iter().collect(),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Every assessor's answer to one cell of a product, the chosen result first.
    pub fn cell_results(&self, product_id: i64, indicator: &str) -> Result<Vec<CellResult>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.assessor_id, r.assessor_name, o.value, coalesce(o.na, 0), o.indicator IS NOT NULL,
                        coalesce(o.note, ''), r.finalized_at IS NOT NULL, r.exported_at
                 FROM assessor_result r
                 LEFT JOIN assessor_observation o
                   ON o.product_id = r.product_id AND o.assessor_id = r.assessor_id AND o.indicator = ?2
                 WHERE r.product_id = ?1
                 ORDER BY r.finalized_at IS NOT NULL DESC, r.exported_at DESC, r.assessor_id ASC",
            )
            .map_err(|e| self.sql(e))?;
        let mut out: Vec<CellResult> = stmt
            .query_map(params![product_id, indicator], |r| {
                let value: Option<i64> = r.get(2)?;
                Ok(CellResult {
                    assessor_id: r.get(0)?,
                    assessor_name: r.get(1)?,
                    value: value.and_then(|v| u32::try_from(v).ok()),
                    na: r.get(3)?,
                    answered: r.get(4)?,
                    note: r.get(5)?,
                    evidence: Vec::new(),
                    finalized: r.get(6)?,
                    exported_at: r.get(7)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT reference FROM assessor_evidence
                 WHERE product_id = ?1 AND assessor_id = ?2 AND indicator = ?3 ORDER BY position",
            )
            .map_err(|e| self.sql(e))?;
        for c in &mut out {
            c.evidence = stmt
                .query_map(params![product_id, c.assessor_id, indicator], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| self.sql(e))?;
        }
        Ok(out)
    }

    /// The indicators of a product whose answer differs between its assessors
    /// (unanswered, N/A and each value being different answers).
    pub fn conflict_cells(&self, product_id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.assessor_id, o.indicator, o.value, o.na FROM assessor_result r
                 LEFT JOIN assessor_observation o ON o.product_id = r.product_id AND o.assessor_id = r.assessor_id
                 WHERE r.product_id = ?1",
            )
            .map_err(|e| self.sql(e))?;
        type Row = (String, Option<String>, Option<i64>, Option<bool>);
        let rows: Vec<Row> = stmt
            .query_map([product_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        let assessors: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        if assessors.len() < 2 {
            return Ok(Vec::new());
        }
        let mut answers: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
        for (assessor, indicator, value, na) in &rows {
            if let Some(i) = indicator {
                let text = match (na, value) {
                    (Some(true), _) => "N/A".to_string(),
                    (_, Some(v)) => v.to_string(),
                    _ => String::new(),
                };
                answers.entry(i).or_default().insert(assessor, text);
            }
        }
        Ok(answers
            .into_iter()
            .filter(|(_, by)| {
                let texts: BTreeSet<&str> = assessors
                    .iter()
                    .map(|a| by.get(a).map(String::as_str).unwrap_or(""))
                    .collect();
                texts.len() > 1
            })
            .map(|(i, _)| i.to_string())
            .collect())
    }

    /// The conflicts resolved on a product in the current cycle, by indicator.
    pub fn resolutions(&self, product_id: i64) -> Result<Vec<Resolution>> {
        let (cycle, _) = self.current_cycle()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT indicator, take, value, reason, at, by FROM review_resolution
                 WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 ORDER BY indicator",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map(params![cycle, product_id], |r| {
            let value: Option<i64> = r.get(2)?;
            Ok(Resolution {
                indicator: r.get(0)?,
                take: r.get(1)?,
                value: value.and_then(|v| u32::try_from(v).ok()),
                reason: r.get(3)?,
                at: r.get(4)?,
                by: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// The keys registered for merged files whose fingerprint is `fingerprint`:
    /// (public key, assessor id).
    pub fn keys_by_fingerprint(&self, fingerprint: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT public_key, assessor_id FROM assessor_key WHERE fingerprint = ?1
                 UNION SELECT public_key, assessor_id FROM import_file
                 WHERE public_key IN (SELECT public_key FROM assessor_key WHERE fingerprint = ?1)",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([fingerprint], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// Revokes a key: merges refuse files signed by it from now on. One transaction
    /// with its row in the central log; false when it was revoked already.
    pub fn revoke_key(
        &mut self,
        public_key: &str,
        fingerprint: &str,
        reason: &str,
    ) -> Result<bool> {
        let now = self.now();
        let by = self.who.clone();
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let held: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM revoked_key WHERE public_key = ?1)",
                [public_key],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if held {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO revoked_key (public_key, fingerprint, reason, revoked_at, revoked_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![public_key, fingerprint, reason, now, by],
        )
        .map_err(sql)?;
        central_log::append(
            &tx,
            &now,
            REVOKE,
            public_key,
            "",
            &json!({"fingerprint": fingerprint, "reason": reason, "by": by}).to_string(),
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(true)
    }

    /// Every revoked key, in the order revoked.
    pub fn revoked_keys(&self) -> Result<Vec<RevokedKey>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT public_key, fingerprint, reason, revoked_at, revoked_by FROM revoked_key
                 ORDER BY revoked_at, public_key",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| {
            Ok(RevokedKey {
                public_key: r.get(0)?,
                fingerprint: r.get(1)?,
                reason: r.get(2)?,
                revoked_at: r.get(3)?,
                revoked_by: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// The merged files signed by a revoked key: payload SHA-256 -> the revocation.
    pub fn files_of_revoked_keys(&self) -> Result<HashMap<String, RevokedKey>> {
        let revoked: HashMap<String, RevokedKey> = self
            .revoked_keys()?
            .into_iter()
            .map(|k| (k.public_key.clone(), k))
            .collect();
        if revoked.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT payload_sha256, public_key FROM import_file")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(sha, key)| revoked.get(&key).map(|k| (sha, k.clone())))
            .collect())
    }

    /// The products whose chosen result comes from a file signed by a revoked key, by
    /// product id, with the revocation.
    pub fn products_of_revoked_keys(&self) -> Result<HashMap<i64, RevokedKey>> {
        let files = self.files_of_revoked_keys()?;
        if files.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT p.id, (SELECT r.payload_sha256 FROM assessor_result r WHERE r.product_id = p.id
                               AND r.assessor_id = ({}))
                 FROM product p",
                CHOSEN_ASSESSOR.replace("?1", "p.id")
            ))
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, sha)| sha.and_then(|s| files.get(&s)).map(|k| (id, k.clone())))
            .collect())
    }

    /// The nodes whose review concerns an assessor (they have results of the assessor
    /// on or under them), with their comments, by path: what a return file holds.
    pub fn review_for_assessor(&self, assessor_id: &str) -> Result<Vec<SentNode>> {
        let _snapshot = self.read_snapshot()?;
        let (cycle, _) = self.current_cycle()?;
        let sql = format!(
            "SELECT r.level, r.node_id, {}, r.state, r.decided_at FROM review r WHERE r.cycle_id = ?1
             ORDER BY 3",
            node_path_sql("r")
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        type Row = (i64, i64, Option<String>, String, String);
        let rows: Vec<Row> = stmt
            .query_map([cycle], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for (level, node_id, path, state, decided_at) in rows {
            let (Some(level), Some(path), Some(state)) =
                (level_of_code(level), path, ReviewState::parse(&state))
            else {
                continue;
            };
            let concerns: bool = self
                .conn
                .query_row(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM assessor_result WHERE assessor_id = ?2
                                        AND product_id IN ({}))",
                        products_under_sql(level)
                    ),
                    params![node_id, assessor_id],
                    |r| r.get(0),
                )
                .map_err(|e| self.sql(e))?;
            if !concerns {
                continue;
            }
            let node = Node {
                level,
                db_id: node_id,
                path: path.clone(),
            };
            let review = read_review(&self.conn, cycle, &node).map_err(|e| self.sql(e))?;
            out.push(SentNode {
                path,
                state,
                decided_at,
                comments: review.comments.into_iter().collect(),
            });
        }
        Ok(out)
    }

    /// The number the next return file to an assessor gets (1, 2, ...).
    pub fn next_sent_seq(&self, assessor_id: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT coalesce(max(seq), 0) + 1 FROM review_sent WHERE assessor_id = ?1",
                [assessor_id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Records a return file as sent, with its row in the central log, around `write`
    /// (which writes the file): the record is committed only once the file is written,
    /// and nothing is recorded when it fails. Refused when another return file to the
    /// assessor got number `seq` meanwhile.
    pub fn record_sent<E: From<StoreError>>(
        &mut self,
        sent: &SentFile<'_>,
        write: impl FnOnce() -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let SentFile {
            assessor_id,
            seq,
            sent_at,
            payload_sha256,
            file_name,
            nodes,
        } = *sent;
        let path = self.path.clone();
        let sql = |e| E::from(classify(&path, e));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let taken: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM review_sent WHERE assessor_id = ?1 AND seq >= ?2)",
                params![assessor_id, seq],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if taken {
            return Err(E::from(StoreError::Refused(format!(
                "another return file to {} was written meanwhile (number {seq}); run `patuh review send` again",
                sanitize(assessor_id)
            ))));
        }
        tx.execute(
            "INSERT INTO review_sent (assessor_id, seq, sent_at, payload_sha256, file_name)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![assessor_id, seq, sent_at, payload_sha256, file_name],
        )
        .map_err(sql)?;
        central_log::append(
            &tx,
            sent_at,
            SEND,
            assessor_id,
            payload_sha256,
            &json!({"seq": seq, "file": file_name, "nodes": nodes}).to_string(),
        )
        .map_err(sql)?;
        write()?;
        tx.commit().map_err(sql)
    }

    /// The central log's review decisions on a node (and, for a unit or an agency, on
    /// the nodes under it), in order.
    pub fn review_log(&self, path: &str) -> Result<Vec<LogRow>> {
        let rows = central_log::rows(&self.conn).map_err(|e| self.sql(e))?;
        let under = format!("{path}/");
        Ok(rows
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| {
                matches!(r.action.as_str(), APPROVE | RETURN | RESUBMIT | RESOLVE)
                    && (r.subject == path || r.subject.starts_with(&under))
            })
            .collect())
    }
}

/// The consolidated value of a cell as the audit log writes values ("" unanswered).
fn cell_text(
    conn: &Connection,
    cycle: i64,
    product_id: i64,
    indicator: &str,
) -> rusqlite::Result<String> {
    let row: Option<(Option<i64>, bool)> = conn
        .query_row(
            "SELECT value, na FROM answer
             WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND indicator = ?3 AND respondent = 0",
            params![cycle, product_id, indicator],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((_, true)) => "N/A".into(),
        Some((Some(v), false)) => v.to_string(),
        _ => String::new(),
    })
}

/// Puts the conflicts resolved on a product (in `cycle`) into its answers (level 3,
/// respondent 0): the value of the assessor taken (none when that assessor left the cell
/// unanswered), or the value entered with the note of the chosen result, the time and
/// the reviewer. Called after the merge chose the product's result, and by a
/// resolution. The caller refreshes the product's digest.
pub(super) fn apply_resolutions(
    conn: &Connection,
    cycle: i64,
    product_id: i64,
) -> rusqlite::Result<usize> {
    let code: Option<String> = conn
        .prepare_cached("SELECT code FROM cycle WHERE id = ?1")?
        .query_row([cycle], |r| r.get(0))
        .optional()?;
    apply_resolutions_in(
        conn,
        code.as_deref().unwrap_or(super::DEFAULT_CYCLE),
        cycle,
        product_id,
    )
}

/// [`apply_resolutions`] in the cycle of code `code` and id `cycle`, the assessors'
/// results read from that cycle's (schema 0012).
pub(super) fn apply_resolutions_in(
    conn: &Connection,
    code: &str,
    cycle: i64,
    product_id: i64,
) -> rusqlite::Result<usize> {
    // A merge calls this for every product it chooses: one look when none is resolved.
    let any: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM review_resolution
                            WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2)",
        )?
        .query_row(params![cycle, product_id], |r| r.get(0))?;
    if !any {
        return Ok(0);
    }
    type Row = (String, Option<String>, Option<i64>, String, String);
    let list: Vec<Row> = conn
        .prepare_cached(
            "SELECT indicator, take, value, at, by FROM review_resolution
             WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2",
        )?
        .query_map(params![cycle, product_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    const CHOSEN_IN: &str = "SELECT assessor_id FROM central_result
         WHERE cycle = ?3 AND level = 3 AND node_id = ?1
         ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC LIMIT 1";
    for (indicator, take, value, at, by) in &list {
        let note: String = conn
            .prepare_cached(&format!(
                "SELECT note FROM central_answer WHERE cycle = ?3 AND level = 3 AND node_id = ?1
                 AND indicator = ?2 AND respondent = '' AND assessor_id = ({CHOSEN_IN})"
            ))?
            .query_row(params![product_id, indicator, code], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        conn.execute(
            "DELETE FROM answer
             WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND indicator = ?3 AND respondent = 0",
            params![cycle, product_id, indicator],
        )?;
        match (take, value) {
            (Some(assessor), _) => {
                conn.execute(
                    "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na,
                                         note, updated_at, updated_by)
                     SELECT ?4, 3, node_id, indicator, 0, value, na, note, updated_at, updated_by
                     FROM central_answer
                     WHERE cycle = ?5 AND level = 3 AND node_id = ?1 AND assessor_id = ?2
                       AND indicator = ?3 AND respondent = ''",
                    params![product_id, assessor, indicator, cycle, code],
                )?;
            }
            (None, v) => {
                conn.execute(
                    "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na,
                                         note, updated_at, updated_by)
                     VALUES (?1, 3, ?2, ?3, 0, ?4, 0, ?5, ?6, ?7)",
                    params![cycle, product_id, indicator, v, note, at, by],
                )?;
            }
        }
    }
    Ok(list.len())
}

impl Store {
    /// The problems of the central log as `check` finds them (its chain, and that it
    /// accounts for the merged files and instruments).
    pub fn central_log_problems(&self) -> Result<Vec<String>> {
        central_log::check(&self.conn).map_err(|e| self.sql(e))
    }

    /// Calls `f` with the payload of every merged file that holds an assessor's
    /// current result (the one `central_result` keeps for the current cycle) of some
    /// node, one at a time, with the assessor, the paths of the nodes (agencies,
    /// units, products) it holds results of, and the file's format version.
    pub fn each_result_file<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&str, &BTreeSet<String>, i64, Vec<u8>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let sql = |e| E::from(self.sql(e));
        let (_, cycle) = current_cycle(&self.conn).map_err(sql)?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT x.import_id, x.assessor_id, {} FROM central_result x
                 WHERE x.cycle = ?1 ORDER BY x.import_id",
                super::central_levels::path_sql()
            ))
            .map_err(sql)?;
        let rows: Vec<(i64, String, Option<String>)> = stmt
            .query_map([cycle], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(sql)?;
        let mut files: BTreeMap<i64, (String, BTreeSet<String>)> = BTreeMap::new();
        for (id, assessor, path) in rows {
            let entry = files
                .entry(id)
                .or_insert_with(|| (assessor, BTreeSet::new()));
            if let Some(p) = path {
                entry.1.insert(p);
            }
        }
        for (id, (assessor, paths)) in files {
            let (version, payload): (i64, Vec<u8>) = self
                .conn
                .query_row(
                    "SELECT format_version, payload FROM import_file WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sql)?;
            f(&assessor, &paths, version, payload)?;
        }
        Ok(())
    }
}
