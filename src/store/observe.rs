//! The changes an assessor makes to a node's answers: a value (an observation, N/A for
//! a whole indicator, an interview answer), a note, an evidence reference. Each is one
//! `BEGIN IMMEDIATE` transaction that also appends its audit rows, committed before the
//! caller can call it saved. A product observation's commit (a keystroke in the
//! workstation) writes one `answer` row and one audit row and nothing else: its
//! statements are prepared once per connection, the product's digest is left stale by
//! a trigger only at the first change (src/store/digest.rs), and what the change before
//! at the same node read and wrote is not read again while nothing else has written
//! the file (observe/warm.rs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension, params};

use self::warm::{NodeKey, Warm};
use super::audit::{self, Entry, action};
use super::nodes::{Node, ensure_open, level_code};
use super::{Result, Store, StoreError};
use crate::domain::Value;
use crate::domain::instrument::{Indicator, Instrument, NodeLevel, Source};
use crate::domain::model::split_path;

mod warm;

pub(super) use warm::Warm as WarmChange;

/// A product as the store addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    pub db_id: i64,
    /// `AGENCY/UNIT/PRODUCT`.
    pub path: String,
}

/// What a recorded change of an indicator changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub old_value: Value,
    pub old_note: String,
    /// Audit rows written (0 when nothing changed).
    pub audit_rows: u32,
}

/// What recording a value did to an answer carried from the previous cycle (issue 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CarriedChange {
    /// The cell held nothing carried.
    None,
    /// The value recorded was the one carried: confirmed as it is (a `confirm` row).
    Confirmed,
    /// Another value replaced the one carried (a `value` row).
    Replaced,
}

pub(super) fn value_from(value: Option<i64>, na: bool) -> Value {
    match (na, value) {
        (true, _) => Value::NotApplicable,
        (false, Some(v)) => Value::level(u32::try_from(v).unwrap_or(u32::MAX)),
        (false, None) => Value::Unanswered,
    }
}

/// A respondent an interview answer is recorded for: its row id and uid.
#[derive(Debug, Clone, Copy)]
pub(super) struct By<'a> {
    pub id: i64,
    pub uid: &'a str,
}

impl Store {
    /// Finds a product by `AGENCY/UNIT/PRODUCT`.
    pub fn product_ref(&self, path: &str) -> Result<ProductRef> {
        if split_path(path).is_none() {
            return Err(StoreError::Refused(format!(
                "{path:?} is not a product path: write AGENCY/UNIT/PRODUCT by codes, e.g. 8171/DUKCAPIL/KTP-EL (see `patuh score`)"
            )));
        }
        let node = self.node(path)?;
        Ok(ProductRef {
            db_id: node.db_id,
            path: node.path,
        })
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
            && u32::from(v) > indicator.max
        {
            return Err(StoreError::Refused(format!(
                "{}: value {v} is out of range for indicator {}: use 0..{} or --na",
                product.path, indicator.id, indicator.max
            )));
        }
        self.change(&Node::from(product), &indicator.id, None, value, note)
    }

    /// Records, at a node of any level, an observation (a level), N/A or unanswered for
    /// a whole indicator (of any source), and/or the indicator's note: one transaction,
    /// one audit row per changed field. Refused, changing nothing: an indicator of
    /// another level, a level for an interview or data indicator (each respondent
    /// answers it; a data value is entered as such), a level off the scale, a finalized
    /// node. N/A for a data indicator clears its data value (both audited).
    pub fn record_node(
        &mut self,
        node: &Node,
        instrument: &Instrument,
        i: usize,
        value: Option<Value>,
        note: Option<&str>,
    ) -> Result<RecordOutcome> {
        let ind = own_indicator(node, instrument, i)?;
        match (value, &ind.source) {
            (Some(Value::Level(_)), Source::Interview { role }) => {
                let role = instrument.roles.get(*role).map_or("", |r| r.id.as_str());
                return Err(StoreError::Refused(format!(
                    "{}: indicator {} is answered by each {role} interviewed: record each one's answer \
                     with --respondent N (see `patuh respondent list {}`); nothing was changed",
                    node.path, ind.id, node.path
                )));
            }
            (Some(Value::Level(_)), Source::Data { .. }) => {
                return Err(StoreError::Refused(format!(
                    "{}: indicator {} takes a value from another institution's data: give it as a decimal \
                     with its source (--value 82.35 --source TEXT); nothing was changed",
                    node.path, ind.id
                )));
            }
            (Some(Value::Level(v)), _) if u32::from(v) > ind.max => {
                return Err(StoreError::Refused(format!(
                    "{}: value {v} is out of range for indicator {}: use 0..{} or --na; nothing was changed",
                    node.path, ind.id, ind.max
                )));
            }
            _ => {}
        }
        if value.is_some() && matches!(ind.source, Source::Data { .. }) {
            // N/A or unanswered for a data indicator also clears its data value.
            let done = self.with_data(node, ind, None, value, note)?;
            return Ok(RecordOutcome {
                old_value: done.old_value,
                old_note: done.old_note,
                audit_rows: done.audit_rows,
            });
        }
        self.change(node, &ind.id, None, value, note)
    }

    /// Records one respondent's answer (a level, N/A, or unanswered to clear it) to an
    /// interview indicator at its node: one transaction with its audit row, which carries
    /// the respondent's uid. Refused, changing nothing: an indicator of another level or
    /// not asked of the respondent's role, a level off the scale, a removed respondent, a
    /// finalized node.
    pub fn record_answer(
        &mut self,
        node: &Node,
        instrument: &Instrument,
        i: usize,
        respondent: &super::RespondentRow,
        value: Value,
    ) -> Result<RecordOutcome> {
        let ind = own_indicator(node, instrument, i)?;
        let asked = match ind.source {
            Source::Interview { role } => instrument.roles.get(role).map(|r| r.id.as_str()),
            _ => None,
        };
        let Some(asked) = asked else {
            return Err(StoreError::Refused(format!(
                "{}: indicator {} is answered by {}, not by respondents: record it without --respondent; \
                 nothing was changed",
                node.path,
                ind.id,
                ind.source.as_str()
            )));
        };
        if asked != respondent.role {
            return Err(StoreError::Refused(format!(
                "{}: indicator {} is asked of {asked}, not of {} {}: give the number of a {asked} \
                 (see `patuh respondent list {}`); nothing was changed",
                node.path, ind.id, respondent.role, respondent.number, node.path
            )));
        }
        if let Value::Level(v) = value
            && u32::from(v) > ind.max
        {
            return Err(StoreError::Refused(format!(
                "{}: value {v} is out of range for indicator {}: use 0..{} or --na; nothing was changed",
                node.path, ind.id, ind.max
            )));
        }
        self.change(
            node,
            &ind.id,
            Some(By {
                id: respondent.id,
                uid: &respondent.uid,
            }),
            Some(value),
            None,
        )
    }

    /// The change of one cell: value and/or note, respondent 0 or a respondent's.
    pub(super) fn change(
        &mut self,
        node: &Node,
        indicator: &str,
        by: Option<By<'_>>,
        value: Option<Value>,
        note: Option<&str>,
    ) -> Result<RecordOutcome> {
        let now = self.now();
        let path = &self.path;
        let cycle = &self.cycle;
        let sql = |e| super::classify(path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let respondent = by.map_or(0, |b| b.id);
        let key = (cycle.id, level_code(node.level), node.db_id);
        let version = warm::data_version(&tx).map_err(sql)?;
        // What the last change here left, while nothing else has written (warm.rs).
        let warm = self.warm.take().filter(|w| w.holds(&tx, key, version));
        let (current, kinds) = match &warm {
            Some(w) => {
                let cell = match w.cell(indicator, respondent) {
                    Some(cell) => cell.clone(),
                    None => Cell::read(&tx, key, indicator, respondent).map_err(sql)?,
                };
                let current = Current {
                    instrument: w.instrument.clone(),
                    finalized: None,
                    cell,
                };
                (current, w.kinds.clone())
            }
            None => {
                let current = Current::read(&tx, key, indicator, respondent).map_err(sql)?;
                let Some(current) = current else {
                    return Err(StoreError::Refused(format!(
                        "no {} {} in {}; list them with `patuh score`",
                        node.level,
                        node.path,
                        path.display()
                    )));
                };
                if let Some(at) = current.finalized.clone() {
                    return Err(StoreError::Finalized {
                        product: node.path.clone(),
                        at,
                    });
                }
                let kinds = indicator_kinds(&tx, current.instrument.0, &current.instrument.1)
                    .map_err(sql)?;
                (current, kinds)
            }
        };
        if let Some(b) = by
            && warm.as_ref().is_none_or(|w| w.respondent != b.id)
        {
            respondent_open(&tx, b.id, path)?;
        }
        // What no caller of patuh asks, refused whoever asks: an indicator the
        // instrument does not have or answers at another level; a level of the node's
        // own for an interview or data indicator; a respondent's answer to another
        // kind.
        if let Some(kinds) = &kinds {
            let refused = |why: String| {
                Err(StoreError::Refused(format!(
                    "{}: {why}; nothing was changed",
                    node.path
                )))
            };
            match kinds.get(indicator) {
                None => return refused(format!("its instrument has no indicator {indicator:?}")),
                Some((level, _)) if *level != node.level => {
                    return refused(format!(
                        "indicator {indicator} is answered per {level}, not per {}",
                        node.level
                    ));
                }
                Some((_, source)) if by.is_some() && *source != "interview" => {
                    return refused(format!(
                        "indicator {indicator} is answered by {source}, not by respondents"
                    ));
                }
                Some((_, source))
                    if by.is_none()
                        && *source != "observation"
                        && matches!(value, Some(Value::Level(_))) =>
                {
                    return refused(format!(
                        "indicator {indicator} is answered by {source}: a level of its own is not recorded"
                    ));
                }
                _ => {}
            }
        }
        let cell = &current.cell;
        let (old_value, old_note) = cell.value_and_note();
        // A value recorded in a cell carried from the previous cycle ends its being
        // carried: the same value confirms it as it is, another replaces it.
        let carried = match value {
            Some(v) if cell.carried && v == old_value => CarriedChange::Confirmed,
            Some(_) if cell.carried => CarriedChange::Replaced,
            _ => CarriedChange::None,
        };
        let change = Change {
            node,
            indicator,
            respondent,
            uid: by.map(|b| b.uid),
            cycle: (cycle.id, cycle.audit_code()),
            value: (old_value, value.unwrap_or(old_value)),
            note: (&old_note, note.unwrap_or(&old_note)),
            carried,
            now: &now,
            who: &self.who,
        };
        let mut log = match &warm {
            Some(w) => audit::Appender::after(w.tail.clone()),
            None => audit::Appender::new(&tx).map_err(sql)?,
        };
        let audit_rows = change.log(&tx, &mut log).map_err(sql)?;
        let mut caught_up = self.caught_up_for;
        if audit_rows > 0 {
            change.write(&tx, cell.stored).map_err(sql)?;
            // This node's digest is stale now (a trigger saw to it); the nodes worked
            // on before get their digests back (src/store/digest.rs), unless that was
            // done at this node's previous change and nothing was left. A product's
            // digest holds its own values only: a respondent's answer there leaves it
            // as it was.
            let key = (key.1, key.2);
            if (node.level != NodeLevel::Product || respondent == 0)
                && self.caught_up_for != Some(key)
            {
                let all =
                    super::digest::refresh_others(&tx, cycle.id, key.0, key.1).map_err(sql)?;
                caught_up = all.then_some(key);
            }
        }
        let after = if audit_rows > 0 {
            change.after(cell)
        } else {
            cell.clone()
        };
        tx.commit().map_err(sql)?;
        self.caught_up_for = caught_up;
        self.warm = Some(Warm {
            node: key,
            version,
            changes: self.conn.total_changes(),
            instrument: current.instrument,
            kinds,
            indicator: indicator.to_string(),
            respondent,
            cell: after,
            tail: log.tail(),
        });
        let new_value = change.value.1;
        tracing::info!(node = %node.path, indicator, respondent, ?new_value, audit_rows, "recorded");
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
        self.add_node_evidence(&Node::from(product), &indicator.id, reference, file)
    }

    /// [`Store::add_evidence`] at a node of any level.
    pub fn add_node_evidence(
        &mut self,
        node: &Node,
        indicator: &str,
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
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, node, &path)?;
        let (size, hash) = match &file {
            Some((s, h)) => (
                Some(i64::try_from(*s).unwrap_or(i64::MAX)),
                Some(h.as_str()),
            ),
            None => (None, None),
        };
        tx.execute(
            "INSERT INTO evidence (cycle_id, level, node_id, indicator, respondent, reference, size,
                                   sha256, added_at, added_by)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9)",
            params![
                cycle.id,
                level_code(node.level),
                node.db_id,
                indicator,
                reference,
                size,
                hash,
                now,
                who
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        let described = evidence_text(reference, file.as_ref().map(|(s, h)| (*s, h.as_str())));
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &node.path,
                indicator: Some(indicator),
                action: action::EVIDENCE,
                new: Some(&described),
                cycle: cycle.audit_code(),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// Finalizes a product: from now on read-only until reopened.
    pub fn finalize(&mut self, product: &ProductRef) -> Result<()> {
        self.finalize_node(&Node::from(product))
    }

    /// Reopens a finalized product; the reason goes into the audit log.
    pub fn reopen(&mut self, product: &ProductRef, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Refused(
                "reopening a finalized product needs a reason".into(),
            ));
        }
        self.reopen_node(&Node::from(product), reason)
    }
}

/// Indicator `i` of `instrument`, checked to be answered at `node`'s level.
pub(super) fn own_indicator<'i>(
    node: &Node,
    instrument: &'i Instrument,
    i: usize,
) -> Result<&'i Indicator> {
    let ind = instrument.indicators.get(i).ok_or_else(|| {
        StoreError::Refused(format!(
            "{}: instrument {} has no indicator number {i}",
            node.path, instrument.id
        ))
    })?;
    let level = instrument.level_of(i);
    if level != node.level {
        let example = match level {
            NodeLevel::Agency => "AGENCY",
            NodeLevel::Unit => "AGENCY/UNIT",
            NodeLevel::Product => "AGENCY/UNIT/PRODUCT",
        };
        return Err(StoreError::Refused(format!(
            "{}: indicator {} is answered per {level}, not per {}: give the path of a {level} ({example}); \
             nothing was changed",
            node.path, ind.id, node.level
        )));
    }
    Ok(ind)
}

/// Refuses an answer of a removed respondent (in the change's transaction).
fn respondent_open(conn: &Connection, id: i64, db: &std::path::Path) -> Result<()> {
    let removed: Option<Option<String>> = conn
        .prepare_cached("SELECT removed_at FROM respondent WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([id], |r| r.get(0)).optional())
        .map_err(|e| super::classify(db, e))?;
    match removed {
        Some(None) => Ok(()),
        Some(Some(at)) => Err(StoreError::Refused(format!(
            "this respondent was removed at {at}: its answers no longer count; add a new respondent instead"
        ))),
        None => Err(StoreError::Refused(
            "no such respondent (removed from the database outside patuh?)".into(),
        )),
    }
}

/// Per level: whether the node is finalized (in cycle ?1), the cell's current answer
/// (indicator ?3, respondent ?4) and whether it is carried, and the node's instrument
/// in that cycle (id and SHA-256). None when there is no such node.
const CURRENT_SQL: [&str; 3] = [
    "SELECT s.finalized_at, a.value, a.na, a.note, i.id, i.sha256, a.carried FROM agency n
     LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = n.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, n.instrument_id)
     LEFT JOIN node_state s ON s.cycle_id = ?1 AND s.level = 1 AND s.node_id = n.id
     LEFT JOIN answer a ON a.cycle_id = ?1 AND a.level = 1 AND a.node_id = n.id
                       AND a.indicator = ?3 AND a.respondent = ?4
     WHERE n.id = ?2",
    "SELECT s.finalized_at, a.value, a.na, a.note, i.id, i.sha256, a.carried FROM unit n
     JOIN agency g ON g.id = n.agency_id
     LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = g.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, g.instrument_id)
     LEFT JOIN node_state s ON s.cycle_id = ?1 AND s.level = 2 AND s.node_id = n.id
     LEFT JOIN answer a ON a.cycle_id = ?1 AND a.level = 2 AND a.node_id = n.id
                       AND a.indicator = ?3 AND a.respondent = ?4
     WHERE n.id = ?2",
    "SELECT s.finalized_at, a.value, a.na, a.note, i.id, i.sha256, a.carried FROM product n
     JOIN unit u ON u.id = n.unit_id JOIN agency g ON g.id = u.agency_id
     LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = g.id
     JOIN instrument i ON i.id = coalesce(c.instrument_id, g.instrument_id)
     LEFT JOIN node_state s ON s.cycle_id = ?1 AND s.level = 3 AND s.node_id = n.id
     LEFT JOIN answer a ON a.cycle_id = ?1 AND a.level = 3 AND a.node_id = n.id
                       AND a.indicator = ?3 AND a.respondent = ?4
     WHERE n.id = ?2",
];

/// Each indicator's level and source by id, of the instruments met so far: instruments
/// never change once imported and are named by their SHA-256, so each is parsed once
/// per process. None for a body that does not hash to its SHA-256 (`check` names it).
fn indicator_kinds(
    conn: &Connection,
    instrument_id: i64,
    sha256: &str,
) -> rusqlite::Result<Option<Arc<Kinds>>> {
    static KINDS: OnceLock<Mutex<HashMap<String, Arc<Kinds>>>> = OnceLock::new();
    let all = KINDS.get_or_init(Default::default);
    if let Ok(map) = all.lock()
        && let Some(k) = map.get(sha256)
    {
        return Ok(Some(k.clone()));
    }
    let body: String = conn
        .prepare_cached("SELECT body FROM instrument WHERE id = ?1")?
        .query_row([instrument_id], |r| r.get(0))?;
    let Ok(instrument) = Instrument::parse(&body) else {
        return Ok(None);
    };
    if instrument.sha256 != sha256 {
        return Ok(None);
    }
    let kinds: Arc<Kinds> = Arc::new(
        instrument
            .indicators
            .iter()
            .enumerate()
            .map(|(k, ind)| {
                (
                    ind.id.clone(),
                    (instrument.level_of(k), ind.source.as_str()),
                )
            })
            .collect(),
    );
    if let Ok(mut map) = all.lock() {
        map.insert(sha256.to_string(), kinds.clone());
    }
    Ok(Some(kinds))
}

/// An instrument's indicators: id -> (level, source as `Source::as_str` names it).
type Kinds = HashMap<String, (NodeLevel, &'static str)>;

/// What a node and one of its cells hold before a change.
struct Current {
    /// The node's instrument: its id and SHA-256.
    instrument: (i64, String),
    finalized: Option<String>,
    cell: Cell,
}

/// What one cell (an indicator's answer at a node, the node's own or a respondent's)
/// holds.
#[derive(Debug, Clone, Default)]
pub(super) struct Cell {
    /// Whether the cell has an answer row.
    stored: bool,
    value: Option<i64>,
    na: bool,
    note: String,
    /// The cell's answer was carried from the previous cycle, not confirmed yet.
    carried: bool,
}

impl Current {
    /// None when there is no such node.
    fn read(
        conn: &Connection,
        (cycle, level, node): NodeKey,
        indicator: &str,
        respondent: i64,
    ) -> rusqlite::Result<Option<Current>> {
        // Statements of a keystroke's change are prepared once per connection: parsing
        // them again was a good part of a commit's time besides the fsync. One query
        // reads whether the node is finalized and the cell's current values.
        let Some(sql) = usize::try_from(level - 1)
            .ok()
            .and_then(|l| CURRENT_SQL.get(l))
        else {
            return Ok(None);
        };
        conn.prepare_cached(sql)?
            .query_row(params![cycle, node, indicator, respondent], |r| {
                let na: Option<i64> = r.get(2)?;
                Ok(Current {
                    instrument: (r.get(4)?, r.get(5)?),
                    finalized: r.get(0)?,
                    cell: Cell {
                        stored: na.is_some(),
                        value: r.get(1)?,
                        na: na.is_some_and(|na| na != 0),
                        note: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        carried: r.get::<_, Option<i64>>(6)?.is_some_and(|c| c != 0),
                    },
                })
            })
            .optional()
    }
}

impl Cell {
    /// The cell of a node known to exist: empty when it has no answer row.
    fn read(
        conn: &Connection,
        (cycle, level, node): NodeKey,
        indicator: &str,
        respondent: i64,
    ) -> rusqlite::Result<Cell> {
        let cell = conn
            .prepare_cached(
                "SELECT value, na, note, carried FROM answer
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4
                   AND respondent = ?5",
            )?
            .query_row(params![cycle, level, node, indicator, respondent], |r| {
                Ok(Cell {
                    stored: true,
                    value: r.get(0)?,
                    na: r.get::<_, i64>(1)? != 0,
                    note: r.get(2)?,
                    carried: r.get::<_, i64>(3)? != 0,
                })
            })
            .optional()?;
        Ok(cell.unwrap_or_default())
    }

    fn value_and_note(&self) -> (Value, String) {
        if self.stored {
            (value_from(self.value, self.na), self.note.clone())
        } else {
            (Value::Unanswered, String::new())
        }
    }
}

/// One recorded change of a cell: (old, new) of its value and note.
struct Change<'a> {
    node: &'a Node,
    indicator: &'a str,
    /// The respondent's row id, 0 for the node's own answer.
    respondent: i64,
    uid: Option<&'a str>,
    /// The cycle's id and its code for the audit log.
    cycle: (i64, Option<&'a str>),
    value: (Value, Value),
    note: (&'a str, &'a str),
    /// What the change does to an answer carried from the previous cycle.
    carried: CarriedChange,
    now: &'a str,
    who: &'a str,
}

impl Change<'_> {
    /// Appends one audit row per field that changed; returns how many.
    fn log(&self, conn: &Connection, log: &mut audit::Appender) -> rusqlite::Result<u32> {
        let mut rows = 0;
        let mut entry = |action, old: &str, new: &str| {
            log.append(
                conn,
                &Entry {
                    at: self.now,
                    who: self.who,
                    path: &self.node.path,
                    indicator: Some(self.indicator),
                    action,
                    old: Some(old),
                    new: Some(new),
                    cycle: self.cycle.1,
                    respondent: self.uid,
                },
            )
        };
        if self.value.0 != self.value.1 || self.carried == CarriedChange::Replaced {
            entry(
                action::VALUE,
                &self.value.0.audit_text(),
                &self.value.1.audit_text(),
            )?;
            rows += 1;
        } else if self.carried == CarriedChange::Confirmed {
            let text = self.value.0.audit_text();
            entry(action::CONFIRM, &text, &text)?;
            rows += 1;
        }
        if self.note.0 != self.note.1 {
            entry(action::NOTE, self.note.0, self.note.1)?;
            rows += 1;
        }
        Ok(rows)
    }

    /// What the cell holds once [`Change::write`] has written it.
    fn after(&self, before: &Cell) -> Cell {
        // As `write` decides: the value's columns (with `carried`) are set when the
        // value changed or a carried answer ended, else left as they were.
        let value_changed = self.value.0 != self.value.1 || self.carried != CarriedChange::None;
        let (value, na, carried) = if value_changed {
            match self.value.1 {
                Value::Level(v) => (Some(i64::from(v)), false, false),
                Value::NotApplicable => (None, true, false),
                Value::Unanswered => (None, false, false),
            }
        } else {
            (before.value, before.na, before.carried)
        };
        Cell {
            stored: true,
            value,
            na,
            note: self.note.1.to_string(),
            carried,
        }
    }

    /// Writes the answer: inserted when `stored` is false, else only the columns that
    /// changed (setting an unchanged note again rewrites its entry in the notes index,
    /// a third page for the commit).
    fn write(&self, conn: &Connection, stored: bool) -> rusqlite::Result<()> {
        let (v, na) = match self.value.1 {
            Value::Level(v) => (Some(i64::from(v)), 0),
            Value::NotApplicable => (None, 1),
            Value::Unanswered => (None, 0),
        };
        // Ending a carried answer is a change of the value's columns (`carried` with
        // them; the statements set `carried = 0` whenever they set the value).
        let value_changed = self.value.0 != self.value.1 || self.carried != CarriedChange::None;
        let note_changed = self.note.0 != self.note.1;
        let sql_text = match (stored, value_changed, note_changed) {
            (false, _, _) => {
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, note,
                                     updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            }
            (true, true, false) => {
                "UPDATE answer SET value = ?6, na = ?7, carried = 0, updated_at = ?9, updated_by = ?10
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = ?5"
            }
            (true, false, _) => {
                "UPDATE answer SET note = ?8, updated_at = ?9, updated_by = ?10
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = ?5"
            }
            (true, true, true) => {
                "UPDATE answer SET value = ?6, na = ?7, carried = 0, note = ?8, updated_at = ?9, updated_by = ?10
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = ?5"
            }
        };
        conn.prepare_cached(sql_text)?.execute(params![
            self.cycle.0,
            level_code(self.node.level),
            self.node.db_id,
            self.indicator,
            self.respondent,
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
