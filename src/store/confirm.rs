//! Confirming answers carried from the previous cycle as they are (`patuh confirm`,
//! issue 14): each confirmation is an audited change (a `confirm` row naming the value)
//! that makes the carried answer count, in one `BEGIN IMMEDIATE` transaction with the
//! others of the same command. Recording a value in a carried cell confirms or replaces
//! it too (`observe.rs`, `data.rs`).

use rusqlite::params;

use super::audit::{self, Entry, action, data_text};
use super::nodes::{Node, ensure_open, level_code};
use super::observe::{WriteTx, value_from};
use super::respondents::RespondentRow;
use super::{Result, Store, StoreError, digest};
use crate::domain::instrument::NodeLevel;

/// One carried answer confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub indicator: String,
    /// The respondent whose answer it is: (role, number); None for the node's own.
    pub respondent: Option<(String, u32)>,
    /// The value as the audit log writes it (`1`, `N/A`, `82.35 (source)`).
    pub value: String,
}

impl Store {
    /// Confirms as they are the answers of a node carried from the previous cycle: all
    /// of them, those of one indicator (`indicator`), or one respondent's answer to it
    /// (`respondent`, with `indicator`). One transaction, a `confirm` audit row each.
    /// Refused, changing nothing: nothing carried there, a finalized node.
    pub fn confirm_carried(
        &mut self,
        node: &Node,
        indicator: Option<&str>,
        respondent: Option<&RespondentRow>,
    ) -> Result<Vec<Confirmed>> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, node, &path)?;
        type Row = (
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            bool,
            Option<(String, String, i64)>,
        );
        let rows: Vec<Row> = tx
            .prepare_cached(
                "SELECT a.indicator, a.respondent, a.value, a.amount, a.source, a.na,
                        r.uid, r.role, r.number
                 FROM answer a LEFT JOIN respondent r ON r.id = a.respondent
                 WHERE a.cycle_id = ?1 AND a.level = ?2 AND a.node_id = ?3 AND a.carried = 1
                   AND (?4 IS NULL OR a.indicator = ?4) AND (?5 IS NULL OR a.respondent = ?5)
                 ORDER BY a.indicator, r.role, r.number",
            )
            .and_then(|mut stmt| {
                stmt.query_map(
                    params![
                        cycle.id,
                        level_code(node.level),
                        node.db_id,
                        indicator,
                        respondent.map(|r| r.id)
                    ],
                    |r| {
                        let uid: Option<String> = r.get(6)?;
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get::<_, i64>(5)? != 0,
                            match uid {
                                Some(u) => Some((u, r.get(7)?, r.get(8)?)),
                                None => None,
                            },
                        ))
                    },
                )?
                .collect::<rusqlite::Result<_>>()
            })
            .map_err(sql)?;
        if rows.is_empty() {
            let what = match (indicator, respondent) {
                (Some(i), Some(r)) => format!("{} {i} of {} {}", node.path, r.role, r.number),
                (Some(i), None) => format!("{} {i}", node.path),
                _ => node.path.clone(),
            };
            return Err(StoreError::Refused(format!(
                "nothing carried to confirm at {what} in cycle {}: only an answer copied from the previous \
                 cycle (`patuh cycle start --carry`) and not confirmed or changed since is (see `patuh show {}`); \
                 nothing was changed",
                cycle.code, node.path
            )));
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut product_own = false;
        for (ind, resp, value, amount, source, na, by) in rows {
            tx.prepare_cached(
                "UPDATE answer SET carried = 0, updated_at = ?6, updated_by = ?7
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = ?5",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    cycle.id,
                    level_code(node.level),
                    node.db_id,
                    ind,
                    resp,
                    now,
                    who
                ])
            })
            .map_err(sql)?;
            let text = match &amount {
                Some(a) => data_text(a, source.as_deref().unwrap_or("")),
                None => value_from(value, na).audit_text(),
            };
            audit::append(
                &tx,
                &Entry {
                    at: &now,
                    who: &who,
                    path: &node.path,
                    indicator: Some(&ind),
                    action: action::CONFIRM,
                    old: Some(&text),
                    new: Some(&text),
                    cycle: cycle.audit_code(),
                    respondent: by.as_ref().map(|b| b.0.as_str()),
                },
            )
            .map_err(sql)?;
            product_own |= resp == 0 && node.level == NodeLevel::Product;
            out.push(Confirmed {
                indicator: ind,
                respondent: by.map(|(_, role, n)| (role, u32::try_from(n).unwrap_or(0))),
                value: text,
            });
        }
        let mut caught_up = self.caught_up_for;
        let key = (level_code(node.level), node.db_id);
        if (product_own || (node.level != NodeLevel::Product && !out.is_empty()))
            && self.caught_up_for != Some(key)
        {
            // As a value's change: this node's digest is stale now; the others' are
            // caught up (src/store/digest.rs).
            let all = digest::refresh_others(&tx, cycle.id, key.0, key.1).map_err(sql)?;
            caught_up = all.then_some(key);
        }
        tx.commit().map_err(sql)?;
        self.caught_up_for = caught_up;
        tracing::info!(node = %node.path, confirmed = out.len(), "carried answers confirmed");
        Ok(out)
    }
}
