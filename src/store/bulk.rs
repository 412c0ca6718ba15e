//! Writing a whole data set at once (`patuh gen`, src/generate.rs): one transaction,
//! each statement prepared once, the audit chain built as the rows go in, and every
//! digest written at the end (src/store/digest.rs). With [`Store::create_new`] the
//! database appears only once all of it is written.

use std::path::Path;

use rusqlite::{
    Connection, OptionalExtension, Statement, Transaction, TransactionBehavior, params,
};

use super::audit::{AuditRow, Entry, GENESIS, INSERT_SQL};
use super::{Result, Store, classify, digest};

impl Store {
    /// Begins a bulk write: one transaction, rolled back unless [`Bulk::finish`] is
    /// called. For a database of its own (a generated one): its audit chain starts
    /// at the first row.
    pub fn bulk(&mut self) -> Result<Bulk<'_>> {
        let (conn, path) = (&self.conn, self.path.as_path());
        let sql = |e| classify(path, e);
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(sql)?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?;
        let (seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let prepare = |text: &str| conn.prepare(text).map_err(|e| classify(path, e));
        let cycle = self.cycle.clone();
        Ok(Bulk {
            agency: prepare(
                "INSERT INTO agency (code, name, kind, instrument_id) VALUES (?1, ?2, ?3, ?4)",
            )?,
            unit: prepare("INSERT INTO unit (agency_id, code, name) VALUES (?1, ?2, ?3)")?,
            product: prepare("INSERT INTO product (unit_id, code, name) VALUES (?1, ?2, ?3)")?,
            observation: prepare(
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, note,
                                     updated_at, updated_by)
                 VALUES (?8, 3, ?1, ?2, 0, ?3, ?4, ?5, ?6, ?7)",
            )?,
            finalize: prepare(
                "INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
                 VALUES (?4, 3, ?3, NULL, ?1, ?2)
                 ON CONFLICT (cycle_id, level, node_id)
                 DO UPDATE SET finalized_at = excluded.finalized_at, finalized_by = excluded.finalized_by",
            )?,
            audit: prepare(INSERT_SQL)?,
            cycle,
            seq,
            prev_hash,
            tx,
            conn,
            path,
        })
    }

    /// The database id of an instrument held under this id and version.
    pub fn instrument_db_id(&self, code: &str, version: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT id FROM instrument WHERE code = ?1 AND version = ?2",
                params![code, version],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }
}

/// A bulk write in progress.
pub struct Bulk<'s> {
    agency: Statement<'s>,
    unit: Statement<'s>,
    product: Statement<'s>,
    observation: Statement<'s>,
    finalize: Statement<'s>,
    audit: Statement<'s>,
    /// The cycle everything goes into.
    cycle: super::Cycle,
    /// The last audit row written and its hash: the next row links to it.
    seq: i64,
    prev_hash: String,
    // After the statements: dropped (rolled back, when not finished) last.
    tx: Transaction<'s>,
    conn: &'s Connection,
    path: &'s Path,
}

impl Bulk<'_> {
    fn sql(&self, e: rusqlite::Error) -> super::StoreError {
        classify(self.path, e)
    }

    /// Inserts an agency; returns its id.
    pub fn agency(
        &mut self,
        code: &str,
        name: &str,
        kind: &str,
        instrument_id: i64,
    ) -> Result<i64> {
        self.agency
            .execute(params![code, name, kind, instrument_id])
            .map_err(|e| classify(self.path, e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts a unit of an agency; returns its id.
    pub fn unit(&mut self, agency_id: i64, code: &str, name: &str) -> Result<i64> {
        self.unit
            .execute(params![agency_id, code, name])
            .map_err(|e| classify(self.path, e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts a product of a unit; returns its id.
    pub fn product(&mut self, unit_id: i64, code: &str, name: &str) -> Result<i64> {
        self.product
            .execute(params![unit_id, code, name])
            .map_err(|e| classify(self.path, e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts an observation (value None and `na` false: unanswered, with a note).
    #[allow(clippy::too_many_arguments)]
    pub fn observation(
        &mut self,
        product_id: i64,
        indicator: &str,
        value: Option<i64>,
        na: bool,
        note: &str,
        at: &str,
        who: &str,
    ) -> Result<()> {
        self.observation
            .execute(params![
                product_id,
                indicator,
                value,
                i64::from(na),
                note,
                at,
                who,
                self.cycle.id
            ])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    pub fn finalize(&mut self, product_id: i64, at: &str, who: &str) -> Result<()> {
        self.finalize
            .execute(params![at, who, product_id, self.cycle.id])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    /// Appends an audit row, linked to the one before.
    pub fn audit(&mut self, e: &Entry<'_>) -> Result<()> {
        let row = AuditRow {
            seq: self.seq + 1,
            at: e.at.into(),
            who: e.who.into(),
            path: e.path.into(),
            indicator: e.indicator.map(Into::into),
            action: e.action.into(),
            old: e.old.map(Into::into),
            new: e.new.map(Into::into),
            prev_hash: std::mem::take(&mut self.prev_hash),
            cycle: e.cycle.map(Into::into),
            respondent: e.respondent.map(Into::into),
        };
        self.prev_hash = row.insert(&mut self.audit).map_err(|e| self.sql(e))?;
        self.seq = row.seq;
        Ok(())
    }

    /// Writes every digest the rows left stale and commits; returns the number of
    /// audit rows the database now holds.
    pub fn finish(self) -> Result<u64> {
        let Bulk {
            agency,
            unit,
            product,
            observation,
            finalize,
            audit,
            seq,
            tx,
            path,
            ..
        } = self;
        drop((agency, unit, product, observation, finalize, audit));
        digest::refresh_stale(&tx).map_err(|e| classify(path, e))?;
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(u64::try_from(seq).unwrap_or(0))
    }
}
