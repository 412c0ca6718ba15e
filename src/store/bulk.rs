//! Writing a whole data set at once (`patuh gen`, src/generate.rs): one transaction,
//! each statement prepared once, the audit chain built as the rows go in, and every
//! digest written at the end (src/store/digest.rs). Everything a workstation holds at
//! every level goes in this way: agencies, units, products, answers (observations,
//! respondents' interview answers, data values), respondents, finalizations and
//! follow-up registers; the caller writes each change's audit rows as the store's own
//! commands would (src/store/accounts.rs checks that they account for the tables).
//! With [`Store::create_new`] the database appears only once all of it is written.

use std::path::Path;

use rusqlite::{
    Connection, OptionalExtension, Statement, Transaction, TransactionBehavior, params,
};

use super::audit::{AuditRow, Entry, GENESIS, INSERT_SQL};
use super::nodes::level_code;
use super::{Result, Store, classify, digest};
use crate::domain::instrument::NodeLevel;

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
            answer: prepare(
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, note,
                                     updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?,
            data: prepare(
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, amount, source,
                                     updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8)",
            )?,
            finalize: prepare(
                "INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
                 VALUES (?4, ?5, ?3, NULL, ?1, ?2)
                 ON CONFLICT (cycle_id, level, node_id)
                 DO UPDATE SET finalized_at = excluded.finalized_at, finalized_by = excluded.finalized_by",
            )?,
            respondent: prepare(
                "INSERT INTO respondent (uid, cycle_id, level, node_id, role, number, label, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            followup: prepare(
                "INSERT INTO followup (cycle_id, agency_id, kind, ref, status, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            register: prepare(
                "INSERT INTO followup_register (cycle_id, agency_id, closed_at, closed_by)
                 VALUES (?1, ?2, ?3, ?4)",
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
    answer: Statement<'s>,
    data: Statement<'s>,
    finalize: Statement<'s>,
    respondent: Statement<'s>,
    followup: Statement<'s>,
    register: Statement<'s>,
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

    /// Inserts a product's observation (value None and `na` false: unanswered, with a
    /// note).
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
        self.answer(
            NodeLevel::Product,
            product_id,
            indicator,
            0,
            value,
            na,
            note,
            at,
            who,
        )
    }

    /// Inserts an answer at a node of any level: the node's own (`respondent` 0: an
    /// observation, N/A for a whole indicator, a note) or a respondent's (its row id,
    /// from [`Bulk::respondent`]; no note).
    #[allow(clippy::too_many_arguments)]
    pub fn answer(
        &mut self,
        level: NodeLevel,
        node_id: i64,
        indicator: &str,
        respondent: i64,
        value: Option<i64>,
        na: bool,
        note: &str,
        at: &str,
        who: &str,
    ) -> Result<()> {
        self.answer
            .execute(params![
                self.cycle.id,
                level_code(level),
                node_id,
                indicator,
                respondent,
                value,
                i64::from(na),
                note,
                at,
                who
            ])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    /// Inserts a data value (canonical decimal text, `DataValue::text`) with its source.
    #[allow(clippy::too_many_arguments)]
    pub fn data(
        &mut self,
        level: NodeLevel,
        node_id: i64,
        indicator: &str,
        amount: &str,
        source: &str,
        at: &str,
        who: &str,
    ) -> Result<()> {
        self.data
            .execute(params![
                self.cycle.id,
                level_code(level),
                node_id,
                indicator,
                amount,
                source,
                at,
                who
            ])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    /// Finalizes a product.
    pub fn finalize(&mut self, product_id: i64, at: &str, who: &str) -> Result<()> {
        self.finalize_node(NodeLevel::Product, product_id, at, who)
    }

    /// Finalizes a node of any level.
    pub fn finalize_node(
        &mut self,
        level: NodeLevel,
        node_id: i64,
        at: &str,
        who: &str,
    ) -> Result<()> {
        self.finalize
            .execute(params![at, who, node_id, self.cycle.id, level_code(level)])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    /// Inserts a respondent of `role` at a node (its uid: 32 lowercase hex digits);
    /// returns its row id, the `respondent` of its answers.
    #[allow(clippy::too_many_arguments)]
    pub fn respondent(
        &mut self,
        uid: &str,
        level: NodeLevel,
        node_id: i64,
        role: &str,
        number: u32,
        label: &str,
        at: &str,
        who: &str,
    ) -> Result<i64> {
        self.respondent
            .execute(params![
                uid,
                self.cycle.id,
                level_code(level),
                node_id,
                role,
                number,
                label,
                at,
                who
            ])
            .map_err(|e| classify(self.path, e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts an item of an agency's follow-up register, with its status.
    pub fn followup(
        &mut self,
        agency_id: i64,
        kind: &str,
        reference: &str,
        status: &str,
        at: &str,
        who: &str,
    ) -> Result<()> {
        self.followup
            .execute(params![
                self.cycle.id,
                agency_id,
                kind,
                reference,
                status,
                at,
                who
            ])
            .map_err(|e| classify(self.path, e))?;
        Ok(())
    }

    /// Closes an agency's follow-up register.
    pub fn close_register(&mut self, agency_id: i64, at: &str, who: &str) -> Result<()> {
        self.register
            .execute(params![self.cycle.id, agency_id, at, who])
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
            answer,
            data,
            finalize,
            respondent,
            followup,
            register,
            audit,
            seq,
            tx,
            path,
            ..
        } = self;
        drop((agency, unit, product, answer, data, finalize));
        drop((respondent, followup, register, audit));
        digest::refresh_stale(&tx).map_err(|e| classify(path, e))?;
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(u64::try_from(seq).unwrap_or(0))
    }
}
