//! The review's part of a central merge (schema 0008, issue 15): a file signed by a
//! revoked key is refused, and once the merge has chosen the results, a returned node
//! on or above a node (agency, unit or product) that got a newer result (and an
//! approved one whose content changed) becomes resubmitted, with its row in the central
//! log. What the merge decides is in `src/exchange/merge.rs`.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use super::central_log;
use super::nodes::level_code;
use super::review::{RESUBMIT, RevokedKey, detail, read_review, write_review};
use super::{CentralTx, Node, Result};
use crate::domain::NodeLevel;
use crate::domain::review::{Decision, ReviewState};

/// What a merge must look at again once it has chosen the results: the reviewed
/// nodes on or above the nodes whose results changed, with what each node held before.
#[derive(Debug, Default)]
pub struct ReviewWatch {
    /// The cycle merged into.
    cycle: i64,
    /// (node, its consolidated content before the merge).
    nodes: Vec<((NodeLevel, i64), String)>,
}

/// A node's consolidated content (answers, respondents' too, evidence, finalization)
/// as text.
fn content(conn: &Connection, cycle: i64, level: i64, node: i64) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT json_array(
            (SELECT json_group_array(json_array(indicator, coalesce(r.uid, ''), value, amount, source,
                                                na, carried, note)) FROM
               (SELECT a.*, r.uid FROM answer a LEFT JOIN respondent r ON r.id = a.respondent
                WHERE a.cycle_id = ?2 AND a.level = ?3 AND a.node_id = ?1
                ORDER BY a.indicator, r.uid) r),
            (SELECT json_group_array(json_array(uid, role, number, label, removed_at)) FROM
               (SELECT * FROM respondent WHERE cycle_id = ?2 AND level = ?3 AND node_id = ?1
                ORDER BY uid)),
            (SELECT json_group_array(json_array(indicator, reference, sha256)) FROM
               (SELECT * FROM evidence WHERE cycle_id = ?2 AND level = ?3 AND node_id = ?1
                  ORDER BY id)),
            (SELECT finalized_at FROM node_state WHERE cycle_id = ?2 AND level = ?3 AND node_id = ?1))",
    )?
    .query_row(rusqlite::params![node, cycle, level], |r| r.get(0))
}

impl CentralTx<'_> {
    /// When `public_key` was revoked and why, if it was.
    pub fn revoked(&self, public_key: &str) -> Result<Option<RevokedKey>> {
        self.conn()
            .query_row(
                "SELECT public_key, fingerprint, reason, revoked_at, revoked_by FROM revoked_key
                 WHERE public_key = ?1",
                [public_key],
                |r| {
                    Ok(RevokedKey {
                        public_key: r.get(0)?,
                        fingerprint: r.get(1)?,
                        reason: r.get(2)?,
                        revoked_at: r.get(3)?,
                        revoked_by: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.classify(e))
    }

    /// Before the merge chooses: the content of the affected nodes (in the cycle of id
    /// `cycle`) that a review decision covers (nothing to remember when nothing was
    /// reviewed).
    pub fn review_watch(&self, cycle: i64, nodes: &[(NodeLevel, i64)]) -> Result<ReviewWatch> {
        let conn = self.conn();
        let any: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM review WHERE cycle_id = ?1)",
                [cycle],
                |r| r.get(0),
            )
            .map_err(|e| self.classify(e))?;
        let mut out = ReviewWatch {
            cycle,
            nodes: Vec::new(),
        };
        if !any {
            return Ok(out);
        }
        for &(level, id) in nodes {
            let c = content(conn, cycle, level_code(level), id).map_err(|e| self.classify(e))?;
            out.nodes.push(((level, id), c));
        }
        Ok(out)
    }

    /// After the merge chose: a returned node on or above a product that got a newer
    /// result, and an approved one whose product's content changed, become
    /// resubmitted, each with its row in the central log (by the assessor of the file).
    pub fn review_resubmit(
        &mut self,
        watch: ReviewWatch,
        now: &str,
        file_name: &str,
        assessor: &str,
    ) -> Result<usize> {
        if watch.nodes.is_empty() {
            return Ok(0);
        }
        let cycle = watch.cycle;
        let code: String = self
            .conn()
            .query_row("SELECT code FROM cycle WHERE id = ?1", [cycle], |r| {
                r.get(0)
            })
            .map_err(|e| self.classify(e))?;
        let mut returned = BTreeSet::new();
        let mut changed = BTreeSet::new();
        for ((level, id), before) in &watch.nodes {
            let after = content(self.conn(), cycle, level_code(*level), *id)
                .map_err(|e| self.classify(e))?;
            let nodes = self.nodes_of(*level, *id)?;
            for n in nodes {
                returned.insert(n.clone());
                if after != *before {
                    changed.insert(n);
                }
            }
        }
        let mut n = 0;
        for node in returned {
            let mut review =
                read_review(self.conn(), cycle, &node).map_err(|e| self.classify(e))?;
            let before = review.state();
            let due = match before {
                ReviewState::Returned => true,
                ReviewState::Approved => changed.contains(&node),
                _ => false,
            };
            if !due || review.apply(&Decision::Resubmit).is_err() {
                continue;
            }
            let conn = self.conn();
            write_review(
                conn,
                cycle,
                &node,
                before,
                &Decision::Resubmit,
                review.state(),
                (now, assessor),
            )
            .map_err(|e| self.classify(e))?;
            central_log::append(
                conn,
                now,
                RESUBMIT,
                &node.path,
                "",
                &detail(&code, node.level, assessor, json!({"file": file_name})),
            )
            .map_err(|e| self.classify(e))?;
            n += 1;
        }
        Ok(n)
    }

    /// A node and the unit and agency above it.
    fn nodes_of(&self, level: NodeLevel, id: i64) -> Result<Vec<Node>> {
        let mut nodes = match level {
            NodeLevel::Product => self.nodes_of_product(id)?,
            NodeLevel::Unit => {
                let row: Option<(String, String, i64)> = self
                    .conn()
                    .query_row(
                        "SELECT a.code, u.code, a.id FROM unit u JOIN agency a ON a.id = u.agency_id
                         WHERE u.id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()
                    .map_err(|e| self.classify(e))?;
                row.map(|(a, u, agency_id)| {
                    vec![
                        Node {
                            level: NodeLevel::Unit,
                            db_id: id,
                            path: format!("{a}/{u}"),
                        },
                        Node {
                            level: NodeLevel::Agency,
                            db_id: agency_id,
                            path: a,
                        },
                    ]
                })
                .unwrap_or_default()
            }
            NodeLevel::Agency => {
                let code: Option<String> = self
                    .conn()
                    .query_row("SELECT code FROM agency WHERE id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(|e| self.classify(e))?;
                code.map(|path| {
                    vec![Node {
                        level: NodeLevel::Agency,
                        db_id: id,
                        path,
                    }]
                })
                .unwrap_or_default()
            }
        };
        nodes.dedup();
        Ok(nodes)
    }

    /// The product and the unit and agency above it.
    fn nodes_of_product(&self, product_id: i64) -> Result<Vec<Node>> {
        let row: Option<(String, String, String, i64, i64)> = self
            .conn()
            .query_row(
                "SELECT a.code, u.code, p.code, u.id, a.id FROM product p JOIN unit u ON u.id = p.unit_id
                 JOIN agency a ON a.id = u.agency_id WHERE p.id = ?1",
                [product_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(|e| self.classify(e))?;
        let Some((a, u, p, unit_id, agency_id)) = row else {
            return Ok(Vec::new());
        };
        Ok(vec![
            Node {
                level: NodeLevel::Product,
                db_id: product_id,
                path: format!("{a}/{u}/{p}"),
            },
            Node {
                level: NodeLevel::Unit,
                db_id: unit_id,
                path: format!("{a}/{u}"),
            },
            Node {
                level: NodeLevel::Agency,
                db_id: agency_id,
                path: a,
            },
        ])
    }
}
