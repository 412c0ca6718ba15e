//! Values taken from other institutions' data (BPS, KemenPAN-RB, ...) for `data`
//! indicators: one at a time (`patuh record PATH IND --value 82.35 --source TEXT`) or a
//! whole file (`patuh data import FILE.csv`, all or nothing). A data value is an exact
//! decimal in 0..max, stored as canonical decimal text (never a float) with its source,
//! in the node's `answer` row of respondent 0. Each change has its audit rows
//! (`data`, and `value` when it ends or starts an N/A).

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Entry, action, data_text};
use super::nodes::{Cycle, Node, ensure_open, level_code};
use super::observe::{WriteTx, own_indicator, value_from};
use super::{Result, Store, StoreError};
use crate::domain::instrument::{Indicator, Source};
use crate::domain::model::DataValue;
use crate::domain::{Instrument, Value};

/// What entering (or clearing) a data value changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOutcome {
    /// The value before, as `82.35 (source)`; None when there was none.
    pub old: Option<String>,
    /// Audit rows written (0 when nothing changed).
    pub audit_rows: u32,
}

/// One value of a data file, its node and indicator resolved and its value checked.
#[derive(Debug, Clone)]
pub struct DataLine {
    /// The line of the file it came from (for messages).
    pub line: usize,
    pub node: Node,
    /// The indicator's id.
    pub indicator: String,
    pub value: DataValue,
}

/// What importing a data file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataImport {
    /// Values entered or changed.
    pub changed: usize,
    /// Values that were there already, the same.
    pub unchanged: usize,
    pub audit_rows: u32,
}

/// One data cell's change, inside a change's transaction.
struct DataChange<'a> {
    cycle: &'a Cycle,
    node: &'a Node,
    indicator: &'a str,
    /// The new value; None to leave it (with `value` None) or clear it.
    data: Option<&'a DataValue>,
    /// Some(N/A) or Some(unanswered): the whole indicator, which clears the data value.
    value: Option<Value>,
    note: Option<&'a str>,
    now: &'a str,
    who: &'a str,
}

impl DataChange<'_> {
    /// Writes the cell and its audit rows; what it held before and the rows written.
    fn apply(&self, conn: &Connection) -> rusqlite::Result<WithData> {
        let level = level_code(self.node.level);
        type Held = (
            Option<i64>,
            Option<String>,
            Option<String>,
            i64,
            String,
            i64,
        );
        let held: Option<Held> = conn
            .prepare_cached(
                "SELECT value, amount, source, na, note, carried FROM answer
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = 0",
            )?
            .query_row(
                params![self.cycle.id, level, self.node.db_id, self.indicator],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let (value, amount, source, na, note, carried) =
            held.unwrap_or((None, None, None, 0, String::new(), 0));
        // A value or data value recorded in a cell carried from the previous cycle ends
        // its being carried (the same confirms it as it is); a note alone does not.
        let carried = carried != 0;
        let ends_carried = carried && (self.value.is_some() || self.data.is_some());
        let old_value = value_from(value, na != 0);
        let old_data = amount
            .as_deref()
            .map(|a| data_text(a, source.as_deref().unwrap_or("")));
        let (new_value, new_amount, new_source) = match (self.value, self.data) {
            (Some(v), _) => (v, None, None),
            (None, Some(d)) => (
                Value::Unanswered,
                Some(d.text()),
                Some(d.source().to_string()),
            ),
            (None, None) => (old_value, amount.clone(), source.clone()),
        };
        let new_data = new_amount
            .as_deref()
            .map(|a| data_text(a, new_source.as_deref().unwrap_or("")));
        let new_note = self.note.unwrap_or(&note);
        let mut rows = 0;
        let mut log = |action: &str, old: &str, new: &str| -> rusqlite::Result<()> {
            rows += 1;
            audit::append(
                conn,
                &Entry {
                    at: self.now,
                    who: self.who,
                    path: &self.node.path,
                    indicator: Some(self.indicator),
                    action,
                    old: Some(old),
                    new: Some(new),
                    cycle: self.cycle.audit_code(),
                    respondent: None,
                },
            )
        };
        if old_value != new_value {
            log(
                action::VALUE,
                &old_value.audit_text(),
                &new_value.audit_text(),
            )?;
        }
        if old_data != new_data {
            log(
                action::DATA,
                old_data.as_deref().unwrap_or(""),
                new_data.as_deref().unwrap_or(""),
            )?;
        }
        if ends_carried && old_value == new_value && old_data == new_data {
            let text = match &old_data {
                Some(d) => d.clone(),
                None => old_value.audit_text(),
            };
            log(action::CONFIRM, &text, &text)?;
        }
        if note != new_note {
            log(action::NOTE, &note, new_note)?;
        }
        let new_note = new_note.to_string();
        if rows > 0 {
            conn.prepare_cached(
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, amount, source,
                                     na, carried, note, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, 0, NULL, ?5, ?6, ?7, ?11, ?8, ?9, ?10)
                 ON CONFLICT (cycle_id, level, node_id, indicator, respondent)
                 DO UPDATE SET value = NULL, amount = excluded.amount, source = excluded.source,
                               na = excluded.na, carried = excluded.carried, note = excluded.note,
                               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )?
            .execute(params![
                self.cycle.id,
                level,
                self.node.db_id,
                self.indicator,
                new_amount,
                new_source,
                i64::from(new_value == Value::NotApplicable),
                new_note,
                self.now,
                self.who,
                i64::from(carried && !ends_carried)
            ])?;
        }
        Ok(WithData {
            old_value,
            old_note: note,
            old_data,
            audit_rows: rows,
        })
    }
}

/// Refuses a data value of another indicator than a `data` one, or over its maximum
/// (`DataValue::parse` checks the text; this checks values made otherwise).
fn check_data(node: &Node, ind: &Indicator, value: &DataValue) -> Result<()> {
    if !matches!(ind.source, Source::Data { .. }) {
        return Err(StoreError::Refused(format!(
            "{}: indicator {} is answered by {}, not by a data value: record a level (--value N) \
             or N/A instead; nothing was changed",
            node.path,
            ind.id,
            ind.source.as_str()
        )));
    }
    let max = num_rational::BigRational::from_integer(ind.max.into());
    if value.value() > &max {
        return Err(StoreError::Refused(format!(
            "{}: {} is above the scale of {}: data values go from 0 to {}; nothing was changed",
            node.path,
            value.text(),
            ind.id,
            ind.max
        )));
    }
    if value.source().trim().is_empty() {
        return Err(StoreError::Refused(format!(
            "{}: a data value of {} needs its source (e.g. \"KemenPAN-RB, IKM 2024\"); nothing was changed",
            node.path, ind.id
        )));
    }
    Ok(())
}

impl Store {
    /// Enters (or with None clears) the data value of `data` indicator `i` at a node,
    /// and/or its note: one transaction with its audit rows. A value entered ends an
    /// N/A of the indicator. Refused, changing nothing: an indicator of another level
    /// or source, a value off its scale or without source, a finalized node.
    pub fn record_data(
        &mut self,
        node: &Node,
        instrument: &Instrument,
        i: usize,
        value: Option<&DataValue>,
        note: Option<&str>,
    ) -> Result<DataOutcome> {
        let ind = own_indicator(node, instrument, i)?;
        if let Some(v) = value {
            check_data(node, ind, v)?;
        } else if !matches!(ind.source, Source::Data { .. }) {
            return self
                .change(node, &ind.id, None, Some(Value::Unanswered), note)
                .map(|o| DataOutcome {
                    old: None,
                    audit_rows: o.audit_rows,
                });
        }
        let clear = value.is_none() && note.is_none();
        self.with_data(node, ind, value, clear.then_some(Value::Unanswered), note)
            .map(|o| DataOutcome {
                old: o.old_data,
                audit_rows: o.audit_rows,
            })
    }

    /// The change of a data indicator's cell (see [`DataChange`]).
    pub(super) fn with_data(
        &mut self,
        node: &Node,
        ind: &Indicator,
        data: Option<&DataValue>,
        value: Option<Value>,
        note: Option<&str>,
    ) -> Result<WithData> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, node, &path)?;
        let change = DataChange {
            cycle: &cycle,
            node,
            indicator: &ind.id,
            data,
            value,
            note,
            now: &now,
            who: &who,
        };
        let done = change.apply(&tx).map_err(sql)?;
        tx.commit().map_err(sql)?;
        tracing::info!(node = %node.path, indicator = %ind.id, audit_rows = done.audit_rows, "data recorded");
        Ok(done)
    }

    /// Enters every value of a data file in one transaction, each with its audit row:
    /// all or nothing. `lines` are resolved and checked already (`patuh data import`
    /// does: paths, indicators, values, sources); here each is checked again against
    /// its node's instrument, and a finalized node refuses the whole file, naming the
    /// line.
    pub fn import_data(&mut self, file: &str, lines: &[DataLine]) -> Result<DataImport> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let mut instruments: std::collections::HashMap<
            (crate::domain::instrument::NodeLevel, i64),
            Instrument,
        > = std::collections::HashMap::new();
        for l in lines {
            let key = (l.node.level, l.node.db_id);
            if let std::collections::hash_map::Entry::Vacant(e) = instruments.entry(key) {
                e.insert(self.node_instrument(&l.node)?);
            }
        }
        let at_line = |l: &DataLine, e: StoreError| -> StoreError {
            StoreError::Refused(format!("{file}: line {}: {e}", l.line))
        };
        for l in lines {
            let inst = &instruments[&(l.node.level, l.node.db_id)];
            let i = inst.indicator_index(&l.indicator).ok_or_else(|| {
                StoreError::Refused(format!(
                    "{file}: line {}: {}: instrument {} has no indicator {:?}; nothing was imported",
                    l.line, l.node.path, inst.id, l.indicator
                ))
            })?;
            let ind = own_indicator(&l.node, inst, i).map_err(|e| at_line(l, e))?;
            check_data(&l.node, ind, &l.value).map_err(|e| at_line(l, e))?;
        }
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let mut out = DataImport::default();
        for l in lines {
            ensure_open(&tx, cycle.id, &l.node, &path).map_err(|e| at_line(l, e))?;
            let change = DataChange {
                cycle: &cycle,
                node: &l.node,
                indicator: &l.indicator,
                data: Some(&l.value),
                value: None,
                note: None,
                now: &now,
                who: &who,
            };
            let rows = change.apply(&tx).map_err(sql)?.audit_rows;
            if rows == 0 {
                out.unchanged += 1;
            } else {
                out.changed += 1;
            }
            out.audit_rows += rows;
        }
        tx.commit().map_err(sql)?;
        tracing::info!(file, changed = out.changed, "data imported");
        Ok(out)
    }

    /// The data value of indicator `indicator` at a node, as `(amount, source)`.
    pub fn data_value(&self, node: &Node, indicator: &str) -> Result<Option<(String, String)>> {
        self.conn
            .prepare_cached(
                "SELECT amount, source FROM answer
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4
                   AND respondent = 0 AND amount IS NOT NULL",
            )
            .and_then(|mut stmt| {
                stmt.query_row(
                    params![self.cycle.id, level_code(node.level), node.db_id, indicator],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
            })
            .map_err(|e| self.sql(e))
    }
}

/// What a data indicator's cell held before a change, and the audit rows written.
pub(super) struct WithData {
    pub old_value: Value,
    pub old_note: String,
    pub old_data: Option<String>,
    pub audit_rows: u32,
}
