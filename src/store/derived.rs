//! What `check` recomputes instead of trusting: each stored instrument's body against
//! its recorded SHA-256 (the body scores every node of its agencies); every answer
//! (held and in the audit history) against its indicator: answered at the indicator's
//! level, by the indicator's kind (a level for an observation or an interview answer, a
//! decimal for a data value, a respondent of the role asked), on its scale (scoring would
//! cap a value above the maximum silently); every respondent's role; and every product's
//! digest and every unit's and agency's (`node_state.digest`, a cache of its values,
//! src/store/digest.rs) against its answers. Each finding is one line naming the instrument, the node and the indicator.

use std::collections::HashMap;
use std::sync::Arc;

use num_rational::BigRational;
use num_traits::Signed;

use super::nodes::level_of_code;
use super::{Result, Store, digest};
use crate::domain::instrument::{NodeLevel, Source};
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Value};

/// Instruments by database id.
pub(super) type Instruments = HashMap<i64, Arc<Instrument>>;

/// Every node by (level code, database id) and by path, and the instrument of each
/// agency in each cycle (`cycle_agency`, else the agency's own; only those whose body is
/// good: a node whose instrument's body is not is left out of what is checked against
/// it, as that body is named already).
#[derive(Default)]
pub(super) struct Nodes {
    /// (level code, id) -> (path, agency id).
    by_key: HashMap<(i64, i64), (String, i64)>,
    /// path -> (level, agency id).
    by_path: HashMap<String, (NodeLevel, i64)>,
    /// (cycle id, agency id) -> the instrument named for the agency in that cycle.
    named: HashMap<(i64, i64), i64>,
    /// agency id -> the instrument it was first assigned with.
    first: HashMap<i64, i64>,
    /// cycle code -> id (`default` included).
    cycles: HashMap<String, i64>,
    instruments: Instruments,
}

impl Nodes {
    /// The instrument of an agency in a cycle, if its body is good.
    fn instrument(&self, cycle: i64, agency: i64) -> Option<&Arc<Instrument>> {
        let id = self
            .named
            .get(&(cycle, agency))
            .or_else(|| self.first.get(&agency))?;
        self.instruments.get(id)
    }

    /// A node's path and its instrument in a cycle (None for a node whose instrument's
    /// body is not good).
    pub fn get(&self, cycle: i64, level: i64, id: i64) -> Option<(&str, &Arc<Instrument>)> {
        let (path, agency) = self.by_key.get(&(level, id))?;
        Some((path.as_str(), self.instrument(cycle, *agency)?))
    }

    /// The node at a path and its instrument in the cycle an audit row names (None for
    /// `default`).
    pub fn at_path(
        &self,
        cycle: Option<&str>,
        path: &str,
    ) -> Option<(NodeLevel, &Arc<Instrument>)> {
        let (level, agency) = self.by_path.get(path)?;
        let cycle = *self.cycles.get(cycle.unwrap_or(super::DEFAULT_CYCLE))?;
        Some((*level, self.instrument(cycle, *agency)?))
    }
}

/// The instruments whose bodies are what their hashes say, by database id, and a line
/// for each one that is not.
pub(super) fn instruments(store: &Store) -> Result<(Instruments, Vec<String>)> {
    let sql = |e| store.sql(e);
    let mut stmt = store
        .conn
        .prepare("SELECT id, code, version, sha256, body FROM instrument ORDER BY id")
        .map_err(sql)?;
    let rows: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    let mut good = HashMap::new();
    let mut problems = Vec::new();
    for (db_id, code, version, sha256, body) in rows {
        let named = format!(
            "instrument {} version {}",
            sanitize(&code),
            sanitize(&version)
        );
        match Instrument::parse(&body) {
            Err(p) => problems.push(format!(
                "{named}: its stored body no longer validates ({}): changed outside patuh",
                p.first().map(|x| x.to_string()).unwrap_or_default()
            )),
            Ok(i) if i.sha256 != sha256 => problems.push(format!(
                "{named}: its stored body hashes to {}, not to its recorded sha256 {}: the rubric was changed outside patuh",
                i.sha256,
                sanitize(&sha256)
            )),
            Ok(i) if i.id != code || i.version != version => problems.push(format!(
                "{named}: its stored body is instrument {} version {}: changed outside patuh",
                i.id, i.version
            )),
            Ok(i) => {
                good.insert(db_id, Arc::new(i));
            }
        }
    }
    Ok((good, problems))
}

/// Every agency, unit and product with its path, and every agency's instrument per
/// cycle (those whose body is good).
pub(super) fn nodes(store: &Store, instruments: &Instruments) -> Result<Nodes> {
    let sql = |e| store.sql(e);
    let mut out = Nodes {
        instruments: instruments.clone(),
        ..Nodes::default()
    };
    for (level, query) in [
        (
            1,
            "SELECT a.id, a.code, a.id, a.instrument_id FROM agency a",
        ),
        (
            2,
            "SELECT u.id, a.code || '/' || u.code, a.id, a.instrument_id
             FROM unit u JOIN agency a ON a.id = u.agency_id",
        ),
        (
            3,
            "SELECT p.id, a.code || '/' || u.code || '/' || p.code, a.id, a.instrument_id
             FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id",
        ),
    ] {
        let mut stmt = store.conn.prepare(query).map_err(sql)?;
        let rows: Vec<(i64, String, i64, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .and_then(|rows| rows.collect())
            .map_err(sql)?;
        for (id, path, agency, instrument) in rows {
            if level == 1 {
                out.first.insert(agency, instrument);
            }
            if let Some(l) = level_of_code(level) {
                out.by_path.insert(path.clone(), (l, agency));
            }
            out.by_key.insert((level, id), (path, agency));
        }
    }
    let mut stmt = store
        .conn
        .prepare("SELECT cycle_id, agency_id, instrument_id FROM cycle_agency")
        .map_err(sql)?;
    let named: Vec<(i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    out.named = named.into_iter().map(|(c, a, i)| ((c, a), i)).collect();
    let mut stmt = store
        .conn
        .prepare("SELECT code, id FROM cycle")
        .map_err(sql)?;
    out.cycles = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    Ok(out)
}

/// Whether `text` is a value on a scale 0..=`max` as patuh writes it in the audit log
/// (`""` unanswered, `N/A`, or the number without sign or leading zero).
pub(super) fn on_scale(text: &str, max: u32) -> bool {
    match text {
        "" | "N/A" => true,
        t => t
            .parse::<u32>()
            .is_ok_and(|v| v <= max && v.to_string() == t),
    }
}

/// Whether `text` is a data amount 0..=`max` as patuh writes it: canonical decimal text.
pub(super) fn amount_on_scale(text: &str, max: u32) -> bool {
    crate::domain::json::parse_decimal(text).is_some_and(|x| {
        crate::domain::json::decimal_text(&x) == text
            && !x.is_negative()
            && x <= BigRational::from_integer(max.into())
    })
}

/// One stored answer, as `check` looks at it.
struct AnswerRow {
    level: i64,
    node: i64,
    indicator: String,
    respondent: i64,
    value: Option<i64>,
    amount: Option<String>,
    na: bool,
}

/// Answers that patuh would not have written (of an indicator the instrument does not
/// have or of another level, a level where a decimal belongs or the reverse, a value off
/// its scale, an answer of a respondent who is not there or not asked), respondents of
/// a role the instrument does not interview at their node, and digests that disagree
/// with the answers.
pub(super) fn answers(store: &Store, nodes: &Nodes) -> Result<Vec<String>> {
    let sql = |e| store.sql(e);
    let mut problems = Vec::new();
    // Respondents: (id) -> (cycle, level, node, role index).
    let mut respondents: HashMap<i64, (i64, i64, i64, Option<usize>)> = HashMap::new();
    {
        let mut stmt = store
            .conn
            .prepare("SELECT id, cycle_id, level, node_id, role, number FROM respondent")
            .map_err(sql)?;
        let rows: Vec<(i64, i64, i64, i64, String, i64)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .and_then(|rows| rows.collect())
            .map_err(sql)?;
        for (id, cycle, level, node, role, number) in rows {
            let Some((path, inst)) = nodes.get(cycle, level, node) else {
                continue;
            };
            let found = inst.role_index(&role);
            match found.map(|k| &inst.roles[k]) {
                None => problems.push(format!(
                    "{}: respondent {} {number} has role {:?}, which instrument {} does not have (changed outside patuh)",
                    sanitize(path),
                    sanitize(&role),
                    sanitize(&role),
                    inst.id
                )),
                Some(r) if Some(r.level) != level_of_code(level) => problems.push(format!(
                    "{}: respondent {} {number} is of a role interviewed per {}, not here (changed outside patuh)",
                    sanitize(path),
                    sanitize(&role),
                    r.level
                )),
                Some(_) => {}
            }
            respondents.insert(id, (cycle, level, node, found));
        }
    }
    // Every product's values per cycle from its answers, in instrument order: those
    // that count, and those carried from the previous cycle (the digest holds both).
    type Both = (Vec<Value>, Vec<Value>);
    let mut values: HashMap<(i64, i64), Both> = HashMap::new();
    let mut stmt = store
        .conn
        .prepare(
            "SELECT cycle_id, level, node_id, indicator, respondent, value, amount, na, carried
             FROM answer ORDER BY cycle_id, level, node_id",
        )
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let cycle: i64 = r.get(0).map_err(sql)?;
        let a = AnswerRow {
            level: r.get(1).map_err(sql)?,
            node: r.get(2).map_err(sql)?,
            indicator: r.get(3).map_err(sql)?,
            respondent: r.get(4).map_err(sql)?,
            value: r.get(5).map_err(sql)?,
            amount: r.get(6).map_err(sql)?,
            na: r.get::<_, i64>(7).map_err(sql)? != 0,
        };
        let Some((path, inst)) = nodes.get(cycle, a.level, a.node) else {
            continue;
        };
        if let Some(p) = answer_problem(&a, cycle, path, inst, &respondents) {
            problems.push(p);
            continue;
        }
        if a.level == 3 && a.respondent == 0 {
            let i = inst.indicator_index(&a.indicator).unwrap_or(0);
            let n = inst.indicators.len();
            let (counted, carried) = values
                .entry((cycle, a.node))
                .or_insert_with(|| (vec![Value::Unanswered; n], vec![Value::Unanswered; n]));
            let v = super::observe::value_from(a.value, a.na);
            if r.get::<_, i64>(8).map_err(sql)? != 0 {
                carried[i] = v;
            } else {
                counted[i] = v;
            }
        }
    }
    drop(rows);
    drop(stmt);
    // Every digest that is there (not stale) says what the answers say.
    let mut stmt = store
        .conn
        .prepare(
            "SELECT cycle_id, node_id, digest FROM node_state
             WHERE level = 3 AND digest IS NOT NULL ORDER BY cycle_id, node_id",
        )
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let (cycle, pid): (i64, i64) = (r.get(0).map_err(sql)?, r.get(1).map_err(sql)?);
        let Some((path, inst)) = nodes.get(cycle, 3, pid) else {
            continue;
        };
        let n = inst.indicators.len();
        let stored = r.get_ref(2).map_err(sql)?;
        let mut cached = vec![Value::Unanswered; n];
        let readable = match stored {
            rusqlite::types::ValueRef::Blob(d) => digest::decode_into(d, &mut cached),
            _ => false,
        };
        if !readable {
            // Not read as values by anyone (`load` reads the answers instead).
            continue;
        }
        let (held, held_carried) = values
            .remove(&(cycle, pid))
            .unwrap_or_else(|| (vec![Value::Unanswered; n], vec![Value::Unanswered; n]));
        let mut cached_carried = vec![Value::Unanswered; n];
        if let rusqlite::types::ValueRef::Blob(d) = stored {
            for (i, v) in digest::decode_carried(d, n) {
                cached_carried[i] = v;
            }
        }
        if let Some(i) = (0..n).find(|&i| cached_carried[i] != held_carried[i]) {
            problems.push(format!(
                "{}: its cached values (node_state.digest) disagree with its answers (indicator {} is \
                 carried as {:?} in the cache, {:?} in the answers): changed outside patuh. The answers count; \
                 the workstation shows the cache until it is rewritten \
                 (`sqlite3 FILE \"UPDATE node_state SET digest = NULL WHERE level = 3 AND node_id = {pid}\"`)",
                sanitize(path),
                inst.indicators[i].id,
                cached_carried[i].audit_text(),
                held_carried[i].audit_text()
            ));
            continue;
        }
        if let Some(i) = (0..n).find(|&i| cached[i] != held[i]) {
            problems.push(format!(
                "{}: its cached values (node_state.digest) disagree with its answers (indicator {} is {:?} \
                 in the cache, {:?} in the answers): changed outside patuh. The answers count; \
                 the workstation shows the cache until it is rewritten \
                 (`sqlite3 FILE \"UPDATE node_state SET digest = NULL WHERE level = 3 AND node_id = {pid}\"`)",
                sanitize(path),
                inst.indicators[i].id,
                cached[i].audit_text(),
                held[i].audit_text()
            ));
        }
    }
    drop(rows);
    drop(stmt);
    problems.extend(node_digests(store, nodes)?);
    Ok(problems)
}

/// Every unit's and agency's digest that is there and readable (schema 0013) against
/// the digest its answers give: a line for each that differs, naming the first answer
/// that does.
fn node_digests(store: &Store, nodes: &Nodes) -> Result<Vec<String>> {
    let sql = |e| store.sql(e);
    let stored: Vec<(i64, i64, i64, Vec<u8>)> = store
        .conn
        .prepare(
            "SELECT cycle_id, level, node_id, digest FROM node_state
             WHERE level IN (1, 2) AND typeof(digest) = 'blob' ORDER BY cycle_id, level, node_id",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .map_err(sql)?;
    let mut problems = Vec::new();
    for (cycle, level, id, cached) in stored {
        let Some((path, inst)) = nodes.get(cycle, level, id) else {
            continue;
        };
        let n = inst.indicators.len();
        let Some(cached_entries) = digest::decode_node(&cached, n) else {
            // Not read as answers by anyone (`load` reads the answers instead).
            continue;
        };
        let held = digest::node_digest(&store.conn, cycle, level, id).map_err(sql)?;
        if held.as_deref() == Some(cached.as_slice()) {
            continue;
        }
        let held_entries = held
            .as_deref()
            .and_then(|d| digest::decode_node(d, n))
            .unwrap_or_default();
        let k = (0..)
            .find(|&k| cached_entries.get(k) != held_entries.get(k))
            .unwrap_or(0);
        let e = cached_entries.get(k).or(held_entries.get(k));
        let what = e.map_or_else(String::new, |e| {
            format!(
                " (first at indicator {}{})",
                inst.indicators[e.place].id,
                if e.respondent == 0 {
                    String::new()
                } else {
                    format!(", respondent row {}", e.respondent)
                }
            )
        });
        problems.push(format!(
            "{}: its cached answers (node_state.digest) disagree with its answers{what}: changed \
             outside patuh. The answers count; the workstation shows the cache until it is \
             rewritten (`sqlite3 FILE \"UPDATE node_state SET digest = NULL WHERE level = {level} \
             AND node_id = {id}\"`)",
            sanitize(path)
        ));
    }
    Ok(problems)
}

/// What is wrong with one answer row, in a line.
fn answer_problem(
    a: &AnswerRow,
    cycle: i64,
    path: &str,
    inst: &Instrument,
    respondents: &HashMap<i64, (i64, i64, i64, Option<usize>)>,
) -> Option<String> {
    let at = sanitize(path);
    let ind_shown = sanitize(&a.indicator);
    let outside = "changed outside patuh";
    let Some(i) = inst.indicator_index(&a.indicator) else {
        return Some(format!(
            "{at}: it holds an answer of indicator {ind_shown:?}, which instrument {} does not have ({outside})",
            inst.id
        ));
    };
    let ind = &inst.indicators[i];
    let level = inst.level_of(i);
    if Some(level) != level_of_code(a.level) {
        return Some(format!(
            "{at}: it holds an answer of indicator {ind_shown}, which is answered per {level} ({outside})"
        ));
    }
    let max = ind.max;
    if let Some(v) = a.value
        && (v < 0 || v > i64::from(max))
    {
        return Some(format!(
            "{at}: indicator {ind_shown} holds the value {v}, which is not on its scale (0 to {max}, or N/A): \
             {outside} (scoring would count it as {max})"
        ));
    }
    if a.respondent != 0 {
        let asked = ind.source.role();
        return match respondents.get(&a.respondent) {
            Some(&(c, l, n, role)) if c == cycle && l == a.level && n == a.node => {
                (asked.is_none() || role != asked).then(|| {
                    format!(
                        "{at}: indicator {ind_shown} holds an answer of a respondent it is not asked of ({outside})"
                    )
                })
            }
            _ => Some(format!(
                "{at}: indicator {ind_shown} holds an answer of respondent {} who is not there ({outside})",
                a.respondent
            )),
        };
    }
    match (&ind.source, &a.amount, a.value) {
        (Source::Data { .. }, Some(t), _) if !amount_on_scale(t, max) => Some(format!(
            "{at}: indicator {ind_shown} holds the data value {:?}, which is not a decimal from 0 to {max} ({outside})",
            sanitize(t)
        )),
        (Source::Data { .. }, _, Some(_)) | (Source::Interview { .. }, _, Some(_)) => {
            Some(format!(
                "{at}: indicator {ind_shown} holds a level of its own, but it is answered by {} ({outside})",
                ind.source.as_str()
            ))
        }
        (Source::Observation | Source::Interview { .. }, Some(_), _) => Some(format!(
            "{at}: indicator {ind_shown} holds a data value, but it is answered by {} ({outside})",
            ind.source.as_str()
        )),
        _ => None,
    }
}

/// Rows of the audit history that name an indicator the node's instrument does not
/// have or that is answered at another level, value rows whose old or new value is off
/// the indicator's scale, and data rows whose amount is off it.
pub(super) fn audit_row(row: &super::AuditRow, nodes: &Nodes) -> Option<String> {
    audit_row_with(&row.as_ref(), |path| {
        nodes
            .at_path(row.cycle.as_deref(), path)
            .map(|(level, inst)| (level, &**inst))
    })
}

/// [`audit_row`] with each node's level and instrument found by `node` from its path
/// (a workstation's tables, or an export file's nodes in `verify`): the problem, in a
/// line, if the row is not one patuh writes.
pub fn audit_row_with<'i>(
    row: &super::audit::AuditRowRef<'_>,
    node: impl Fn(&str) -> Option<(NodeLevel, &'i Instrument)>,
) -> Option<String> {
    use super::audit::{action, data_amount};
    let action = row.action;
    if !matches!(
        action,
        action::VALUE
            | action::NOTE
            | action::EVIDENCE
            | action::DATA
            | action::CARRY
            | action::CARRY_DATA
            | action::CONFIRM
            | "evidence_removed"
            | "evidence_restored"
    ) {
        return None;
    }
    let (level, inst) = node(row.path)?;
    let name = row.indicator.unwrap_or_default();
    let broken = |reason: String| {
        Some(
            super::ChainBreak {
                seq: row.seq,
                reason,
            }
            .to_string(),
        )
    };
    let Some(i) = inst.indicator_index(name) else {
        return broken(format!(
            "it changes indicator {:?} of {}, which instrument {} does not have",
            sanitize(name),
            sanitize(row.path),
            inst.id
        ));
    };
    if inst.level_of(i) != level {
        return broken(format!(
            "it changes indicator {} of {}, which is answered per {}",
            sanitize(name),
            sanitize(row.path),
            inst.level_of(i)
        ));
    }
    let max = inst.indicators[i].max;
    let sides = [row.old, row.new];
    let data_off = |t: &&str| !t.is_empty() && !amount_on_scale(data_amount(t), max);
    let off = match action {
        action::VALUE | action::CARRY => sides.into_iter().flatten().find(|t| !on_scale(t, max)),
        action::DATA | action::CARRY_DATA => sides.into_iter().flatten().find(data_off),
        // A confirmation names a level, or a data value with its source.
        action::CONFIRM => sides.into_iter().flatten().find(|t| {
            if t.contains(" (") {
                data_off(t)
            } else {
                !on_scale(t, max)
            }
        }),
        _ => None,
    }?;
    broken(format!(
        "it gives {} {} the value {:?}, which is not on its scale (0 to {max}, or N/A)",
        sanitize(row.path),
        sanitize(name),
        sanitize(off)
    ))
}
