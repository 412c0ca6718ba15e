//! The changes an assessor makes: a value, a note, an evidence reference, finalizing
//! and reopening a product. Each is one `BEGIN IMMEDIATE` transaction that also appends
//! its audit row, committed before the caller can call it saved.

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Entry};
use super::{Result, Store, StoreError};
use crate::domain::Value;
use crate::domain::instrument::Indicator;
use crate::domain::model::split_path;

/// A product as the store addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    pub db_id: i64,
    /// `AGENCY/UNIT/PRODUCT`.
    pub path: String,
}

/// What a recorded observation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub old_value: Value,
    pub old_note: String,
    /// Audit rows written (0 when nothing changed).
    pub audit_rows: u32,
}

fn value_from(value: Option<i64>, na: bool) -> Value {
    match (na, value) {
        (true, _) => Value::NotApplicable,
        (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
        (false, None) => Value::Unanswered,
    }
}

impl Store {
    /// Finds a product by `AGENCY/UNIT/PRODUCT`.
    pub fn product_ref(&self, path: &str) -> Result<ProductRef> {
        let Some((a, u, p)) = split_path(path) else {
            return Err(StoreError::Refused(format!(
                "{path:?} is not a product path: write AGENCY/UNIT/PRODUCT by codes, e.g. 8171/DUKCAPIL/KTP-EL (see `patuh score`)"
            )));
        };
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                 JOIN agency a ON a.id = u.agency_id
                 WHERE a.code = ?1 AND u.code = ?2 AND p.code = ?3",
                params![a, u, p],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        match id {
            Some(db_id) => Ok(ProductRef {
                db_id,
                path: path.to_string(),
            }),
            None => Err(StoreError::Refused(format!(
                "no product {path} in {}; list the products with `patuh score`",
                self.path.display()
            ))),
        }
    }

    /// Records a value and/or a note for one indicator of a product, in one
    /// transaction with one audit row per changed field. A finalized product is refused.
    pub fn record(
        &mut self,
        product: &ProductRef,
        indicator: &Indicator,
        value: Option<Value>,
        note: Option<&str>,
    ) -> Result<RecordOutcome> {
        if let Some(Value::Level(v)) = value
            && v > indicator.max
        {
            return Err(StoreError::Refused(format!(
                "{}: value {v} is out of range for indicator {}: use 0..{} or --na",
                product.path, indicator.id, indicator.max
            )));
        }
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let current = Current::read(&tx, product, indicator).map_err(sql)?;
        let Some(current) = current else {
            return Err(StoreError::Refused(format!(
                "no product {} in {}; list the products with `patuh score`",
                product.path,
                path.display()
            )));
        };
        refuse_finalized(product, current.finalized.clone())?;
        let (old_value, old_note) = current.value_and_note();
        let change = Change {
            product,
            indicator: &indicator.id,
            value: (old_value, value.unwrap_or(old_value)),
            note: (&old_note, note.unwrap_or(&old_note)),
            now: &now,
            who: &who,
        };
        let audit_rows = change.log(&tx).map_err(sql)?;
        let mut caught_up = self.caught_up_for;
        if audit_rows > 0 {
            change.write(&tx, current.stored).map_err(sql)?;
            // This product's digest is stale now (a trigger saw to it); the ones worked
            // on before get their digests back (src/store/digest.rs), unless that was
            // done at this product's previous change and nothing was left.
            if self.caught_up_for != Some(product.db_id) {
                let all = super::digest::refresh_others(&tx, product.db_id).map_err(sql)?;
                caught_up = all.then_some(product.db_id);
            }
        }
        tx.commit().map_err(sql)?;
        self.caught_up_for = caught_up;
        let new_value = change.value.1;
        tracing::info!(product = %product.path, indicator = %indicator.id, ?new_value, audit_rows, "recorded");
        Ok(RecordOutcome {
            old_value,
            old_note,
            audit_rows,
        })
    }

    /// Attaches an evidence reference (a file path or a document number) to an
    /// indicator; for a file, its size and SHA-256 as given by the caller. Returns the
    /// reference's id (to remove it again: `Store::remove_evidence`).
    pub fn add_evidence(
        &mut self,
        product: &ProductRef,
        indicator: &Indicator,
        reference: &str,
        file: Option<(u64, String)>,
    ) -> Result<i64> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(StoreError::Refused(
                "an evidence reference needs a file path or a document number".into(),
            ));
        }
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, product, &path)?;
        let (size, hash) = match &file {
            Some((s, h)) => (
                Some(i64::try_from(*s).unwrap_or(i64::MAX)),
                Some(h.as_str()),
            ),
            None => (None, None),
        };
        tx.execute(
            "INSERT INTO evidence (product_id, indicator, reference, size, sha256, added_at, added_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![product.db_id, indicator.id, reference, size, hash, now, who],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        let described = evidence_text(reference, file.as_ref().map(|(s, h)| (*s, h.as_str())));
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                product: &product.path,
                indicator: Some(&indicator.id),
                action: "evidence",
                old: None,
                new: Some(&described),
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// Finalizes a product: from now on read-only until reopened.
    pub fn finalize(&mut self, product: &ProductRef) -> Result<()> {
        self.set_final(product, true, None)
    }

    /// Reopens a finalized product; the reason goes into the audit log.
    pub fn reopen(&mut self, product: &ProductRef, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Refused(
                "reopening a finalized product needs a reason".into(),
            ));
        }
        self.set_final(product, false, Some(reason.trim()))
    }

    fn set_final(
        &mut self,
        product: &ProductRef,
        finalize: bool,
        reason: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let finalized = finalized_at(&tx, product, &path)?;
        if finalized.is_some() == finalize {
            return Ok(()); // already in that state: nothing to record
        }
        let (at, by) = if finalize {
            (Some(now.as_str()), Some(who.as_str()))
        } else {
            (None, None)
        };
        tx.execute(
            "UPDATE product SET finalized_at = ?1, finalized_by = ?2 WHERE id = ?3",
            params![at, by, product.db_id],
        )
        .map_err(sql)?;
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                product: &product.path,
                indicator: None,
                action: if finalize { "finalize" } else { "reopen" },
                old: None,
                new: reason,
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }
}

/// What a product and one of its indicators hold before a change.
struct Current {
    finalized: Option<String>,
    /// Whether the indicator has an observation row.
    stored: bool,
    value: Option<i64>,
    na: bool,
    note: String,
}

impl Current {
    /// None when there is no such product.
    fn read(
        conn: &Connection,
        product: &ProductRef,
        indicator: &Indicator,
    ) -> rusqlite::Result<Option<Current>> {
        // Statements of a keystroke's change are prepared once per connection: parsing
        // them again was a good part of a commit's time besides the fsync. One query
        // reads whether the product is finalized and the indicator's current values.
        conn.prepare_cached(
            "SELECT p.finalized_at, o.value, o.na, o.note FROM product p
             LEFT JOIN observation o ON o.product_id = p.id AND o.indicator = ?2
             WHERE p.id = ?1",
        )?
        .query_row(params![product.db_id, indicator.id], |r| {
            let na: Option<i64> = r.get(2)?;
            Ok(Current {
                finalized: r.get(0)?,
                stored: na.is_some(),
                value: r.get(1)?,
                na: na.is_some_and(|na| na != 0),
                note: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            })
        })
        .optional()
    }

    fn value_and_note(&self) -> (Value, String) {
        if self.stored {
            (value_from(self.value, self.na), self.note.clone())
        } else {
            (Value::Unanswered, String::new())
        }
    }
}

/// One recorded change of an indicator: (old, new) of its value and note.
struct Change<'a> {
    product: &'a ProductRef,
    indicator: &'a str,
    value: (Value, Value),
    note: (&'a str, &'a str),
    now: &'a str,
    who: &'a str,
}

impl Change<'_> {
    /// Appends one audit row per field that changed; returns how many.
    fn log(&self, conn: &Connection) -> rusqlite::Result<u32> {
        let mut rows = 0;
        let entry = |action, old: &str, new: &str| {
            audit::append(
                conn,
                &Entry {
                    at: self.now,
                    who: self.who,
                    product: &self.product.path,
                    indicator: Some(self.indicator),
                    action,
                    old: Some(old),
                    new: Some(new),
                },
            )
        };
        if self.value.0 != self.value.1 {
            entry(
                "value",
                &self.value.0.audit_text(),
                &self.value.1.audit_text(),
            )?;
            rows += 1;
        }
        if self.note.0 != self.note.1 {
            entry("note", self.note.0, self.note.1)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// Writes the observation: inserted when `stored` is false, else only the columns
    /// that changed (setting an unchanged note again rewrites its entry in the notes
    /// index, a third page for the commit).
    fn write(&self, conn: &Connection, stored: bool) -> rusqlite::Result<()> {
        let (v, na) = match self.value.1 {
            Value::Level(v) => (Some(i64::from(v)), 0),
            Value::NotApplicable => (None, 1),
            Value::Unanswered => (None, 0),
        };
        let value_changed = self.value.0 != self.value.1;
        let note_changed = self.note.0 != self.note.1;
        let sql_text = match (stored, value_changed, note_changed) {
            (false, _, _) => {
                "INSERT INTO observation (product_id, indicator, value, na, note, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            }
            (true, true, false) => {
                "UPDATE observation SET value = ?3, na = ?4, updated_at = ?6, updated_by = ?7
                 WHERE product_id = ?1 AND indicator = ?2"
            }
            (true, false, _) => {
                "UPDATE observation SET note = ?5, updated_at = ?6, updated_by = ?7
                 WHERE product_id = ?1 AND indicator = ?2"
            }
            (true, true, true) => {
                "UPDATE observation SET value = ?3, na = ?4, note = ?5, updated_at = ?6, updated_by = ?7
                 WHERE product_id = ?1 AND indicator = ?2"
            }
        };
        conn.prepare_cached(sql_text)?.execute(params![
            self.product.db_id,
            self.indicator,
            v,
            na,
            self.note.1,
            self.now,
            self.who
        ])?;
        Ok(())
    }
}

/// An evidence reference as its audit rows write it: the reference, and for a file
/// its size and SHA-256.
pub(super) fn evidence_text(reference: &str, file: Option<(u64, &str)>) -> String {
    match file {
        Some((s, h)) => format!("{reference} ({s} bytes, sha256 {h})"),
        None => reference.to_string(),
    }
}

/// Refuses changes to a finalized product.
pub(super) fn ensure_open(
    conn: &Connection,
    product: &ProductRef,
    db: &std::path::Path,
) -> Result<()> {
    refuse_finalized(product, finalized_at(conn, product, db)?)
}

/// When the product was finalized, if it is.
fn finalized_at(
    conn: &Connection,
    product: &ProductRef,
    db: &std::path::Path,
) -> Result<Option<String>> {
    conn.prepare_cached("SELECT finalized_at FROM product WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([product.db_id], |r| r.get(0)))
        .map_err(|e| super::classify(db, e))
}

fn refuse_finalized(product: &ProductRef, finalized: Option<String>) -> Result<()> {
    match finalized {
        Some(at) => Err(StoreError::Finalized {
            product: product.path.clone(),
            at,
        }),
        None => Ok(()),
    }
}

/// A write transaction (`BEGIN IMMEDIATE`) whose `BEGIN` and `COMMIT` are statements
/// prepared once per connection, not parsed again at every keystroke as rusqlite's
/// `Transaction` does. Rolled back when dropped uncommitted.
pub(super) struct WriteTx<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> WriteTx<'c> {
    pub(super) fn begin(conn: &'c Connection) -> rusqlite::Result<WriteTx<'c>> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(WriteTx { conn, open: true })
    }

    pub(super) fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if self.open
            && !self.conn.is_autocommit()
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::warn!(error = %e, "rollback failed");
        }
    }
}
