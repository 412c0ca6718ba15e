//! Cycles in the database (issue 14): listing them, choosing the one a command works on
//! (`--cycle`, this store only), making one current (`cycle open`, audited), starting
//! one (`cycle start`: made, given the instruments of the cycle it follows, with
//! `--carry` the answers of that cycle copied *to be re-checked*, made current; all in
//! one transaction with its audit rows), and whether a cycle or an agency in it holds
//! any work yet (an agency's instrument in a cycle is changed only before). Confirming
//! carried answers is in `confirm.rs`.
//!
//! A carried answer is an `answer` row with `carried = 1`, written with a `carry` (or
//! `carry-data`) audit row of the new cycle; it counts as unanswered until the assessor
//! confirms it as it is or records another value.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{Appender, Entry, action, cycle_text, data_text, respondent_text};
use super::nodes::{Cycle, DEFAULT_CYCLE, current_cycle, level_of_code};
use super::observe::{WriteTx, value_from};
use super::{Result, Store, StoreError, digest};
use crate::domain::Instrument;
use crate::domain::cycle::{CycleKind, code_problem, year_problem};
use crate::domain::instrument::Source;

/// One cycle as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleRow {
    pub id: i64,
    /// E.g. `2026-pendampingan`; `default` for the work made before cycles.
    pub code: String,
    pub kind: CycleKind,
    pub year: Option<i32>,
    /// The code of the cycle it follows.
    pub follows: Option<String>,
    /// When it was made (None for `default`, which began before cycles did).
    pub started_at: Option<String>,
    /// Whether it is the current cycle (`meta('cycle.current')`).
    pub current: bool,
}

/// A cycle to start (or to make, for an assignment that names it).
#[derive(Debug, Clone, Copy)]
pub struct NewCycle<'a> {
    pub code: &'a str,
    pub kind: CycleKind,
    pub year: Option<i32>,
    /// The cycle it follows; None: the current one (when starting), none (when an
    /// assignment makes it).
    pub follows: Option<&'a str>,
}

/// What starting a cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub cycle: CycleRow,
    /// False when the cycle was there already (made by an assignment) and held nothing.
    pub created: bool,
    /// What was carried, when asked.
    pub carried: Option<CarryOutcome>,
}

/// What carrying the previous cycle's answers did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarryOutcome {
    /// The cycle carried from.
    pub from: String,
    /// Answers carried (observations, N/A, respondents' answers).
    pub answers: usize,
    /// Data values carried.
    pub data: usize,
    /// Respondents carried (each with a new id in the new cycle, the same role, number
    /// and label).
    pub respondents: usize,
    /// Answers not carried because the instrument of their agency in the new cycle has
    /// no such indicator there, of that kind, or on a scale that holds the value.
    pub left_out: usize,
    /// Respondents not carried because the new instrument does not interview their
    /// role there.
    pub respondents_left_out: usize,
}

const ROW_SQL: &str = "SELECT c.id, c.code, c.kind, c.year, f.code, c.started_at
     FROM cycle c LEFT JOIN cycle f ON f.id = c.follows";

fn read_row(r: &rusqlite::Row<'_>, current: &str) -> rusqlite::Result<CycleRow> {
    let code: String = r.get(1)?;
    let kind: String = r.get(2)?;
    Ok(CycleRow {
        id: r.get(0)?,
        current: code == current,
        code,
        // The table's CHECK allows only these two.
        kind: kind.parse().unwrap_or(CycleKind::Assessment),
        year: r
            .get::<_, Option<i64>>(3)?
            .map(|y| i32::try_from(y).unwrap_or(i32::MAX)),
        follows: r.get(4)?,
        started_at: r.get(5)?,
    })
}

fn cycle_row(conn: &Connection, code: &str) -> rusqlite::Result<Option<CycleRow>> {
    let current = current_cycle(conn)?.code;
    conn.prepare_cached(&format!("{ROW_SQL} WHERE c.code = ?1"))?
        .query_row([code], |r| read_row(r, &current))
        .optional()
}

/// Whether a cycle holds any work: an answer, a respondent, evidence, a finalization or
/// a follow-up.
pub(super) fn cycle_holds(conn: &Connection, cycle: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM answer WHERE cycle_id = ?1)
             OR EXISTS (SELECT 1 FROM respondent WHERE cycle_id = ?1)
             OR EXISTS (SELECT 1 FROM evidence WHERE cycle_id = ?1)
             OR EXISTS (SELECT 1 FROM evidence_removed WHERE cycle_id = ?1)
             OR EXISTS (SELECT 1 FROM node_state WHERE cycle_id = ?1 AND finalized_at IS NOT NULL)
             OR EXISTS (SELECT 1 FROM followup WHERE cycle_id = ?1)
             OR EXISTS (SELECT 1 FROM followup_register WHERE cycle_id = ?1)",
    )?
    .query_row([cycle], |r| r.get(0))
}

/// Whether an agency (itself, its units or its products) holds any work in a cycle.
pub(super) fn agency_holds(conn: &Connection, cycle: i64, agency: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "WITH n (level, id) AS (
             SELECT 1, ?2
             UNION ALL SELECT 2, id FROM unit WHERE agency_id = ?2
             UNION ALL SELECT 3, p.id FROM product p JOIN unit u ON u.id = p.unit_id
                       WHERE u.agency_id = ?2)
         SELECT EXISTS (SELECT 1 FROM n JOIN answer a
                        ON a.cycle_id = ?1 AND a.level = n.level AND a.node_id = n.id)
             OR EXISTS (SELECT 1 FROM n JOIN respondent r
                        ON r.cycle_id = ?1 AND r.level = n.level AND r.node_id = n.id)
             OR EXISTS (SELECT 1 FROM n JOIN evidence e
                        ON e.cycle_id = ?1 AND e.level = n.level AND e.node_id = n.id)
             OR EXISTS (SELECT 1 FROM n JOIN node_state s
                        ON s.cycle_id = ?1 AND s.level = n.level AND s.node_id = n.id
                        WHERE s.finalized_at IS NOT NULL)
             OR EXISTS (SELECT 1 FROM followup WHERE cycle_id = ?1 AND agency_id = ?2)
             OR EXISTS (SELECT 1 FROM followup_register WHERE cycle_id = ?1 AND agency_id = ?2)",
    )?
    .query_row([cycle, agency], |r| r.get(0))
}

/// What a cycle's name, kind and year must be; a refusal naming the fix.
fn check_new(new: &NewCycle<'_>) -> Result<()> {
    if let Some(p) = code_problem(new.code) {
        return Err(StoreError::Refused(format!("{p}; nothing was changed")));
    }
    if new.code == DEFAULT_CYCLE {
        return Err(StoreError::Refused(
            "\"default\" is the cycle of the work made before cycles: name the new cycle, e.g. \
             2026-penilaian; nothing was changed"
                .into(),
        ));
    }
    if let Some(p) = new.year.and_then(|y| year_problem(y.into())) {
        return Err(StoreError::Refused(format!("{p}; nothing was changed")));
    }
    if new.follows == Some(new.code) {
        return Err(StoreError::Refused(format!(
            "cycle {} cannot follow itself; nothing was changed",
            new.code
        )));
    }
    Ok(())
}

/// Makes a cycle (in the caller's transaction) with its `cycle-add` row, or finds the
/// one of that code, checking that it is the same (kind, year, the cycle it follows;
/// a cycle made without the one it follows is given it, with a `cycle-follows` row).
/// Returns it and whether it was made.
pub(super) fn ensure_cycle(
    tx: &Connection,
    log: &mut Appender,
    new: &NewCycle<'_>,
    now: &str,
    who: &str,
    db: &std::path::Path,
) -> Result<(CycleRow, bool)> {
    let sql = |e| super::classify(db, e);
    check_new(new)?;
    let follows_id = match new.follows {
        Some(f) => Some(
            cycle_row(tx, f)
                .map_err(sql)?
                .ok_or_else(|| {
                    StoreError::Refused(format!(
                        "cycle {} follows {f}, which is not in {}: see `patuh cycle list`, or start {f} \
                         first; nothing was changed",
                        new.code,
                        db.display()
                    ))
                })?
                .id,
        ),
        None => None,
    };
    if let Some(held) = cycle_row(tx, new.code).map_err(sql)? {
        let differs = |what: String| {
            Err(StoreError::Refused(format!(
                "cycle {} is in {} already, {what}; nothing was changed",
                new.code,
                db.display()
            )))
        };
        if held.kind != new.kind {
            return differs(format!("as a {} cycle, not a {} one", held.kind, new.kind));
        }
        if let Some(y) = new.year
            && held.year != Some(y)
        {
            return differs(match held.year {
                Some(h) => format!("for the year {h}, not {y}"),
                None => "without a year".into(),
            });
        }
        match (new.follows, held.follows.as_deref()) {
            (Some(f), Some(h)) if f != h => {
                return differs(format!("following {h}, not {f}"));
            }
            (Some(f), None) => {
                tx.execute(
                    "UPDATE cycle SET follows = ?1 WHERE id = ?2",
                    params![follows_id, held.id],
                )
                .map_err(sql)?;
                log.append(
                    tx,
                    &Entry {
                        at: now,
                        who,
                        action: action::CYCLE_FOLLOWS,
                        new: Some(f),
                        cycle: Some(new.code),
                        ..Entry::default()
                    },
                )
                .map_err(sql)?;
            }
            _ => {}
        }
        let row = cycle_row(tx, new.code).map_err(sql)?.unwrap_or(held);
        return Ok((row, false));
    }
    tx.execute(
        "INSERT INTO cycle (code, kind, year, follows, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new.code, new.kind.as_str(), new.year, follows_id, now],
    )
    .map_err(sql)?;
    let id = tx.last_insert_rowid();
    let text = cycle_text(new.kind.as_str(), new.year, new.follows);
    log.append(
        tx,
        &Entry {
            at: now,
            who,
            action: action::CYCLE_ADD,
            new: Some(&text),
            cycle: Some(new.code),
            ..Entry::default()
        },
    )
    .map_err(sql)?;
    // Every product has its state in the new cycle: nothing answered (the empty digest),
    // so that a load reads no answer of it.
    tx.execute(
        "INSERT OR IGNORE INTO node_state (cycle_id, level, node_id, digest)
         SELECT ?1, 3, id, X'' FROM product",
        [id],
    )
    .map_err(sql)?;
    let row = cycle_row(tx, new.code)
        .map_err(sql)?
        .ok_or_else(|| StoreError::Refused(format!("cycle {} was not made", new.code)))?;
    Ok((row, true))
}

/// Makes `to` the current cycle (meta and its `cycle-open` row), in the caller's
/// transaction; nothing when it is current already.
fn set_current(
    tx: &Connection,
    log: &mut Appender,
    to: &str,
    now: &str,
    who: &str,
) -> rusqlite::Result<bool> {
    let from = current_cycle(tx)?.code;
    let meta: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'cycle.current'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if from == to && meta.as_deref().unwrap_or(DEFAULT_CYCLE) == to {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('cycle.current', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [to],
    )?;
    log.append(
        tx,
        &Entry {
            at: now,
            who,
            action: action::CYCLE_OPEN,
            old: Some(meta.as_deref().unwrap_or(DEFAULT_CYCLE)),
            new: Some(to),
            cycle: (to != DEFAULT_CYCLE).then_some(to),
            ..Entry::default()
        },
    )?;
    Ok(true)
}

impl Store {
    /// Every cycle, oldest first.
    pub fn cycles(&self) -> Result<Vec<CycleRow>> {
        let current = current_cycle(&self.conn).map_err(|e| self.sql(e))?.code;
        let mut stmt = self
            .conn
            .prepare(&format!("{ROW_SQL} ORDER BY c.id"))
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| read_row(r, &current))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// The cycle of that code; refused, naming the cycles there are, when there is none.
    pub fn cycle_by_code(&self, code: &str) -> Result<CycleRow> {
        if let Some(row) = cycle_row(&self.conn, code).map_err(|e| self.sql(e))? {
            return Ok(row);
        }
        let known: Vec<String> = self.cycles()?.into_iter().map(|c| c.code).collect();
        Err(StoreError::Refused(format!(
            "no cycle {code:?} in {} (cycles: {}); see `patuh cycle list`, or start one with \
             `patuh cycle start {code} --kind mentoring|assessment`",
            self.path.display(),
            known.join(", ")
        )))
    }

    /// Works on cycle `code` through this store only (`--cycle`): every read and change
    /// after this is of that cycle; the current cycle of the database stays.
    pub fn use_cycle(&mut self, code: &str) -> Result<()> {
        let row = self.cycle_by_code(code)?;
        self.cycle = Cycle {
            id: row.id,
            code: row.code,
        };
        self.caught_up_for = None;
        Ok(())
    }

    /// Makes cycle `code` the current one (the workstation's and every command's
    /// without `--cycle`), audited. False when it was current already.
    pub fn open_cycle(&mut self, code: &str) -> Result<bool> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let row = self.cycle_by_code(code)?;
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let mut log = Appender::new(&tx).map_err(sql)?;
        let changed = set_current(&tx, &mut log, &row.code, &now, &who).map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.cycle = Cycle {
            id: row.id,
            code: row.code,
        };
        self.caught_up_for = None;
        Ok(changed)
    }

    /// Starts a cycle and makes it current: one transaction with its audit rows. The
    /// cycle is made (or, made already by an assignment and holding nothing yet, taken
    /// as it is); it follows `new.follows`, else the current cycle; each agency is
    /// assessed in it with the instrument it has in the cycle it follows, unless its
    /// assignment named one; with `carry`, every answer of the cycle it follows that
    /// counted there (every level, respondents with theirs, data values; not notes,
    /// evidence or finalizations) is copied marked carried, to be re-checked, where the
    /// new instrument has the same indicator at the same level, of the same kind, on a
    /// scale that holds the value. Refused, changing nothing: a bad code or year, an
    /// unknown cycle to follow, a cycle of that code that holds work or differs.
    pub fn start_cycle(&mut self, new: &NewCycle<'_>, carry: bool) -> Result<Started> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        check_new(new)?;
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        let mut log = Appender::new(&tx).map_err(sql)?;
        let existing = cycle_row(&tx, new.code).map_err(sql)?;
        if let Some(held) = &existing
            && cycle_holds(&tx, held.id).map_err(sql)?
        {
            return Err(StoreError::Refused(format!(
                "cycle {} is in {} already and holds work: `patuh cycle open {}` to work in it; \
                 nothing was changed",
                new.code,
                path.display(),
                new.code
            )));
        }
        // The cycle it follows: as asked, else what it follows already, else the
        // current one.
        let current = current_cycle(&tx).map_err(sql)?.code;
        let follows = match (
            new.follows,
            existing.as_ref().and_then(|c| c.follows.clone()),
        ) {
            (Some(f), _) => Some(f.to_string()),
            (None, Some(f)) => Some(f),
            (None, None) => (current != new.code).then_some(current),
        };
        let asked = NewCycle {
            follows: follows.as_deref(),
            ..*new
        };
        let (row, created) = ensure_cycle(&tx, &mut log, &asked, &now, &who, &path)?;
        let follows_id = match &row.follows {
            Some(f) => cycle_row(&tx, f).map_err(sql)?.map(|c| c.id),
            None => None,
        };
        if let Some(f) = follows_id {
            // The instruments of the cycle it follows, for the agencies its assignment
            // did not name one for.
            tx.execute(
                "INSERT OR IGNORE INTO cycle_agency (cycle_id, agency_id, instrument_id)
                 SELECT ?1, a.id, coalesce(f.instrument_id, a.instrument_id)
                 FROM agency a LEFT JOIN cycle_agency f ON f.cycle_id = ?2 AND f.agency_id = a.id",
                params![row.id, f],
            )
            .map_err(sql)?;
        }
        let carried = match (carry, follows_id, &row.follows) {
            (true, Some(from), Some(code)) => {
                let n: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM respondent WHERE cycle_id = ?1 AND removed_at IS NULL",
                        [from],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                let uids = (0..n)
                    .map(|_| super::respondents::new_uid())
                    .collect::<Result<Vec<String>>>()?;
                let mut out = carry_answers(
                    &tx,
                    &mut log,
                    Carry {
                        from,
                        to: (row.id, &row.code),
                        uids,
                        now: &now,
                        who: &who,
                    },
                )
                .map_err(sql)?;
                out.from = code.clone();
                Some(out)
            }
            (true, _, _) => {
                return Err(StoreError::Refused(format!(
                    "cycle {} follows no cycle: there is nothing to carry (name the one it follows with \
                     --follows); nothing was changed",
                    new.code
                )));
            }
            (false, _, _) => None,
        };
        // The digests of the products that got carried answers (and any other stale
        // one of the cycle), written in this transaction: the first open is fast.
        let stale: Vec<(i64, i64)> = tx
            .prepare("SELECT level, node_id FROM node_state WHERE cycle_id = ?1 AND digest IS NULL")
            .and_then(|mut stmt| {
                stmt.query_map([row.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<(i64, i64)>>>()
            })
            .map_err(sql)?;
        for (level, id) in stale {
            digest::refresh_any(&tx, row.id, level, id).map_err(sql)?;
        }
        set_current(&tx, &mut log, &row.code, &now, &who).map_err(sql)?;
        let row = cycle_row(&tx, &row.code).map_err(sql)?.unwrap_or(row);
        tx.commit().map_err(sql)?;
        self.cycle = Cycle {
            id: row.id,
            code: row.code.clone(),
        };
        self.caught_up_for = None;
        tracing::info!(cycle = %row.code, created, carry, "cycle started");
        Ok(Started {
            cycle: row,
            created,
            carried,
        })
    }

    /// The id of the instrument agency `agency` (row id) is assessed with in the
    /// current cycle.
    pub fn agency_instrument_id(&self, agency: i64) -> Result<Option<i64>> {
        self.conn
            .prepare_cached(
                "SELECT coalesce(c.instrument_id, a.instrument_id) FROM agency a
                 LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = a.id WHERE a.id = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row([self.cycle.id, agency], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.sql(e))
    }
}

/// A carry from one cycle into another.
struct Carry<'a> {
    from: i64,
    to: (i64, &'a str),
    /// A new uid for each respondent that may be carried.
    uids: Vec<String>,
    now: &'a str,
    who: &'a str,
}

/// Copies the answers of cycle `c.from` that counted there into cycle `c.to`, marked
/// carried, with their audit rows (see [`Store::start_cycle`]).
fn carry_answers(
    tx: &Connection,
    log: &mut Appender,
    mut c: Carry<'_>,
) -> rusqlite::Result<CarryOutcome> {
    let mut out = CarryOutcome::default();
    let (to, to_code) = c.to;
    // Instruments, parsed once each, and each agency's in both cycles.
    let mut parsed: HashMap<i64, Option<Arc<Instrument>>> = HashMap::new();
    let mut instrument = |id: i64| -> rusqlite::Result<Option<Arc<Instrument>>> {
        if let Some(i) = parsed.get(&id) {
            return Ok(i.clone());
        }
        let body: String =
            tx.query_row("SELECT body FROM instrument WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        let i = Instrument::parse(&body).ok().map(Arc::new);
        parsed.insert(id, i.clone());
        Ok(i)
    };
    // Agency id -> its instrument in the cycle carried from and in the new one.
    type Pair = (Option<Arc<Instrument>>, Option<Arc<Instrument>>);
    let mut agencies: HashMap<i64, Pair> = HashMap::new();
    let pairs: Vec<(i64, i64, i64)> = tx
        .prepare(
            "SELECT a.id, coalesce(f.instrument_id, a.instrument_id),
                    coalesce(t.instrument_id, a.instrument_id)
             FROM agency a
             LEFT JOIN cycle_agency f ON f.cycle_id = ?1 AND f.agency_id = a.id
             LEFT JOIN cycle_agency t ON t.cycle_id = ?2 AND t.agency_id = a.id",
        )?
        .query_map([c.from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (a, f, t) in pairs {
        agencies.insert(a, (instrument(f)?, instrument(t)?));
    }
    // Every node: (level, id) -> (agency, path).
    let mut nodes: HashMap<(i64, i64), (i64, String)> = HashMap::new();
    for (level, query) in [
        (1, "SELECT a.id, a.id, a.code FROM agency a"),
        (
            2,
            "SELECT u.id, a.id, a.code || '/' || u.code FROM unit u JOIN agency a ON a.id = u.agency_id",
        ),
        (
            3,
            "SELECT p.id, a.id, a.code || '/' || u.code || '/' || p.code
             FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id",
        ),
    ] {
        let rows: Vec<(i64, i64, String)> = tx
            .prepare(query)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, agency, path) in rows {
            nodes.insert((level, id), (agency, path));
        }
    }
    // Respondents still counted, with a new id in the new cycle.
    type Held = (i64, i64, i64, String, i64, String);
    let respondents: Vec<Held> = tx
        .prepare(
            "SELECT id, level, node_id, role, number, label FROM respondent
             WHERE cycle_id = ?1 AND removed_at IS NULL ORDER BY id",
        )?
        .query_map([c.from], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Old respondent id -> (new id, new uid, role).
    let mut moved: HashMap<i64, (i64, String, String)> = HashMap::new();
    for (id, level, node, role, number, label) in respondents {
        let Some((agency, path)) = nodes.get(&(level, node)) else {
            continue;
        };
        let interviewed = agencies
            .get(agency)
            .and_then(|(_, t)| t.as_ref())
            .is_some_and(|t| {
                t.roles
                    .iter()
                    .any(|r| r.id == role && Some(r.level) == level_of_code(level))
            });
        if !interviewed {
            out.respondents_left_out += 1;
            continue;
        }
        let Some(uid) = c.uids.pop() else {
            out.respondents_left_out += 1;
            continue;
        };
        tx.prepare_cached(
            "INSERT INTO respondent (uid, cycle_id, level, node_id, role, number, label, added_at, added_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![uid, to, level, node, role, number, label, c.now, c.who])?;
        let new_id = tx.last_insert_rowid();
        let number = u32::try_from(number).unwrap_or(0);
        log.append(
            tx,
            &Entry {
                at: c.now,
                who: c.who,
                path,
                action: action::RESPONDENT_ADD,
                new: Some(&respondent_text(&role, number, &label)),
                cycle: Some(to_code),
                respondent: Some(&uid),
                ..Entry::default()
            },
        )?;
        moved.insert(id, (new_id, uid, role));
        out.respondents += 1;
    }
    // The answers that counted, in a table of their own while the new ones are written
    // (a statement must not read the table it writes).
    tx.execute_batch("DROP TABLE IF EXISTS temp.carry_source")?;
    tx.execute(
        "CREATE TEMP TABLE carry_source AS
         SELECT level, node_id, indicator, respondent, value, amount, source, na FROM answer
         WHERE cycle_id = ?1 AND carried = 0 AND (value IS NOT NULL OR na = 1 OR amount IS NOT NULL)
         ORDER BY level, node_id, indicator, respondent",
        [c.from],
    )?;
    {
        let mut stmt = tx.prepare(
            "SELECT level, node_id, indicator, respondent, value, amount, source, na
             FROM temp.carry_source",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (level, node): (i64, i64) = (r.get(0)?, r.get(1)?);
            let indicator: String = r.get(2)?;
            let respondent: i64 = r.get(3)?;
            let value: Option<i64> = r.get(4)?;
            let amount: Option<String> = r.get(5)?;
            let source: Option<String> = r.get(6)?;
            let na = r.get::<_, i64>(7)? != 0;
            let Some((agency, path)) = nodes.get(&(level, node)) else {
                continue;
            };
            let Some(t) = agencies.get(agency).and_then(|(_, t)| t.clone()) else {
                out.left_out += 1;
                continue;
            };
            let by = match respondent {
                0 => None,
                id => match moved.get(&id) {
                    Some(m) => Some(m),
                    None => {
                        out.left_out += 1;
                        continue;
                    }
                },
            };
            let Some(k) = t.indicator_index(&indicator) else {
                out.left_out += 1;
                continue;
            };
            let ind = &t.indicators[k];
            let max = i64::from(ind.max);
            let same_level = Some(t.level_of(k)) == level_of_code(level);
            let fits = match (&ind.source, by, value, &amount) {
                _ if !same_level => false,
                (Source::Interview { role }, Some((_, _, r)), _, None) => {
                    t.roles.get(*role).is_some_and(|x| x.id == *r) && value.is_none_or(|v| v <= max)
                }
                (_, Some(_), _, _) => false,
                (_, None, None, None) => na,
                (Source::Observation, None, Some(v), None) => v <= max,
                (Source::Data { .. }, None, None, Some(a)) => {
                    super::derived::amount_on_scale(a, ind.max)
                }
                _ => false,
            };
            if !fits {
                out.left_out += 1;
                continue;
            }
            tx.prepare_cached(
                "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, amount,
                                     source, na, carried, note, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, '', ?10, ?11)",
            )?
            .execute(params![
                to,
                level,
                node,
                indicator,
                by.map_or(0, |b| b.0),
                value,
                amount,
                source,
                i64::from(na),
                c.now,
                c.who
            ])?;
            let (what, text) = match &amount {
                Some(a) => (
                    action::CARRY_DATA,
                    data_text(a, source.as_deref().unwrap_or("")),
                ),
                None => (action::CARRY, value_from(value, na).audit_text()),
            };
            log.append(
                tx,
                &Entry {
                    at: c.now,
                    who: c.who,
                    path,
                    indicator: Some(&indicator),
                    action: what,
                    old: Some(""),
                    new: Some(&text),
                    cycle: Some(to_code),
                    respondent: by.map(|b| b.1.as_str()),
                },
            )?;
            if amount.is_some() {
                out.data += 1;
            } else {
                out.answers += 1;
            }
        }
    }
    tx.execute_batch("DROP TABLE temp.carry_source")?;
    Ok(out)
}
