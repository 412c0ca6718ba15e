//! Removing an evidence reference (kept in `evidence_removed`, never deleted) and
//! putting it back, as the workstation's remove key and undo need: each one
//! `BEGIN IMMEDIATE` transaction with its audit row like every other change
//! (`observe.rs`). Reading the audit log back is in `history.rs`.

use rusqlite::{OptionalExtension, params};

use super::audit::{self, Entry};
use super::nodes::{Node, ensure_open, level_code};
use super::observe::{WriteTx, evidence_text};
use super::{ProductRef, Result, Store, StoreError};

/// Audit actions of a removed evidence reference and of one put back.
pub const EVIDENCE_REMOVED: &str = "evidence_removed";
pub const EVIDENCE_RESTORED: &str = "evidence_restored";

/// An evidence row as both tables hold it.
struct Held {
    indicator: String,
    reference: String,
    size: Option<i64>,
    sha256: Option<String>,
    added_at: String,
    added_by: String,
}

impl Held {
    fn text(&self) -> String {
        let file = match (self.size, &self.sha256) {
            (Some(s), Some(h)) => Some((u64::try_from(s).unwrap_or(0), h.as_str())),
            _ => None,
        };
        evidence_text(&self.reference, file)
    }
}

impl Store {
    /// Removes evidence reference `evidence_id` of `product`: its row moves to
    /// `evidence_removed` (with when and by whom) and the audit log gets an
    /// `evidence_removed` row naming it as it was added. Returns the id of its row in
    /// `evidence_removed` (to put it back: [`Store::restore_evidence`]). A finalized
    /// product is refused.
    pub fn remove_evidence(&mut self, product: &ProductRef, evidence_id: i64) -> Result<i64> {
        self.remove_node_evidence(&Node::from(product), evidence_id)
    }

    /// [`Store::remove_evidence`] at a node of any level.
    pub fn remove_node_evidence(&mut self, product: &Node, evidence_id: i64) -> Result<i64> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, product, &path)?;
        let level = level_code(product.level);
        let held: Option<Held> = tx
            .query_row(
                "SELECT indicator, reference, size, sha256, added_at, added_by FROM evidence
                 WHERE id = ?1 AND cycle_id = ?2 AND level = ?3 AND node_id = ?4",
                params![evidence_id, cycle.id, level, product.db_id],
                |r| {
                    Ok(Held {
                        indicator: r.get(0)?,
                        reference: r.get(1)?,
                        size: r.get(2)?,
                        sha256: r.get(3)?,
                        added_at: r.get(4)?,
                        added_by: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(sql)?;
        let Some(held) = held else {
            return Err(StoreError::Refused(format!(
                "{}: no evidence reference {evidence_id} (removed already?); nothing was changed",
                product.path
            )));
        };
        tx.execute(
            "INSERT INTO evidence_removed (evidence_id, cycle_id, level, node_id, indicator, respondent,
                 reference, size, sha256, added_at, added_by, removed_at, removed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                evidence_id,
                cycle.id,
                level,
                product.db_id,
                held.indicator,
                held.reference,
                held.size,
                held.sha256,
                held.added_at,
                held.added_by,
                now,
                who
            ],
        )
        .map_err(sql)?;
        let removed_id = tx.last_insert_rowid();
        tx.execute("DELETE FROM evidence WHERE id = ?1", [evidence_id])
            .map_err(sql)?;
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &product.path,
                indicator: Some(&held.indicator),
                action: EVIDENCE_REMOVED,
                old: Some(&held.text()),
                cycle: cycle.audit_code(),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        tracing::info!(product = %product.path, evidence_id, "evidence removed");
        Ok(removed_id)
    }

    /// Puts back the evidence reference kept as `removed_id` in `evidence_removed`
    /// (undoing its removal), with an `evidence_restored` audit row. It gets its old id
    /// back when that is free; returns its id in `evidence`.
    pub fn restore_evidence(&mut self, product: &ProductRef, removed_id: i64) -> Result<i64> {
        self.restore_node_evidence(&Node::from(product), removed_id)
    }

    /// [`Store::restore_evidence`] at a node of any level.
    pub fn restore_node_evidence(&mut self, product: &Node, removed_id: i64) -> Result<i64> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, product, &path)?;
        let level = level_code(product.level);
        let held: Option<(i64, Held)> = tx
            .query_row(
                "SELECT evidence_id, indicator, reference, size, sha256, added_at, added_by
                 FROM evidence_removed WHERE id = ?1 AND cycle_id = ?2 AND level = ?3 AND node_id = ?4",
                params![removed_id, cycle.id, level, product.db_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        Held {
                            indicator: r.get(1)?,
                            reference: r.get(2)?,
                            size: r.get(3)?,
                            sha256: r.get(4)?,
                            added_at: r.get(5)?,
                            added_by: r.get(6)?,
                        },
                    ))
                },
            )
            .optional()
            .map_err(sql)?;
        let Some((old_id, held)) = held else {
            return Err(StoreError::Refused(format!(
                "{}: no removed evidence reference {removed_id} (put back already?); nothing was changed",
                product.path
            )));
        };
        tx.execute(
            "INSERT INTO evidence (id, cycle_id, level, node_id, indicator, respondent, reference, size,
                                   sha256, added_at, added_by)
             VALUES ((SELECT CASE WHEN EXISTS (SELECT 1 FROM evidence WHERE id = ?1) THEN NULL ELSE ?1 END),
                     ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10)",
            params![
                old_id,
                cycle.id,
                level,
                product.db_id,
                held.indicator,
                held.reference,
                held.size,
                held.sha256,
                held.added_at,
                held.added_by
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        tx.execute("DELETE FROM evidence_removed WHERE id = ?1", [removed_id])
            .map_err(sql)?;
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &product.path,
                indicator: Some(&held.indicator),
                action: EVIDENCE_RESTORED,
                new: Some(&held.text()),
                cycle: cycle.audit_code(),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        tracing::info!(product = %product.path, id, "evidence restored");
        Ok(id)
    }
}
