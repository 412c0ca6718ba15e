//! Whether a workstation's audit log accounts for its data: replayed row by row (each
//! row must follow from the ones before), it must end in exactly what the tables hold,
//! node by node and cycle by cycle: values, notes, data values, evidence references and
//! finalizations at every level, respondents (added, removed, with their answers),
//! follow-up registers, which answers are carried from the previous cycle (to be
//! re-checked), and the cycles with the current one. An answer edited with another SQLite tool, or the last audit row
//! deleted, passes the hash chain but not this.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::audit::{
    Replay, Replayed, ReplayedRespondent, cycle_text, data_text, respondent_text, rows,
};
use super::derived::Nodes;
use super::{Result, Store};
use crate::domain::text::sanitize;

/// A node of a cycle: (cycle code, `""` for `default`; path).
type Key = (String, String);

/// The problems found, one line each (empty when the log accounts for everything).
/// `nodes`: each node's instrument (those whose body is good), against whose
/// indicators and scales every value row is checked.
pub(super) fn check(store: &Store, nodes: &Nodes) -> Result<Vec<String>> {
    let replay = match replay(store, nodes)? {
        Ok(replay) => replay,
        Err(broken) => return Ok(vec![broken]),
    };
    let mut problems = compare_cycles(store, &replay)?;
    problems.extend(compare(&held(store, nodes)?, &replay));
    Ok(problems)
}

/// Whether the log accounts for the cycles there are (each made by a `cycle-add` row,
/// with its kind, year and the cycle it follows) and the current one (the last
/// `cycle-open` row's).
fn compare_cycles(store: &Store, replay: &Replay) -> Result<Vec<String>> {
    let sql = |e| store.sql(e);
    let mut stmt = store
        .conn
        .prepare(
            "SELECT c.code, c.kind, c.year, f.code FROM cycle c LEFT JOIN cycle f ON f.id = c.follows
             WHERE c.code <> 'default' ORDER BY c.code",
        )
        .map_err(sql)?;
    let held: BTreeMap<String, String> = stmt
        .query_map([], |r| {
            let code: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let year: Option<i64> = r.get(2)?;
            let follows: Option<String> = r.get(3)?;
            let year = year.map(|y| i32::try_from(y).unwrap_or(i32::MAX));
            Ok((code, cycle_text(&kind, year, follows.as_deref())))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    let mut problems = Vec::new();
    let codes: BTreeSet<&String> = held.keys().chain(replay.cycles().keys()).collect();
    for code in codes {
        let (h, l) = (held.get(code), replay.cycles().get(code));
        if h != l {
            let say = |x: Option<&String>| {
                x.map_or("no such cycle".to_string(), |t| sanitize(t).into_owned())
            };
            problems.push(format!(
                "the audit log does not account for cycle {}: it is {:?} but the log says {:?} \
                 (changed outside patuh, or an audit row was deleted)",
                sanitize(code),
                say(h),
                say(l)
            ));
        }
    }
    let current = store
        .meta("cycle.current")?
        .unwrap_or_else(|| super::DEFAULT_CYCLE.to_string());
    if current != replay.current_cycle() {
        problems.push(format!(
            "the audit log does not account for the current cycle: meta cycle.current is {:?} but the log \
             opens {:?} last (changed outside patuh, or an audit row was deleted)",
            sanitize(&current),
            sanitize(replay.current_cycle())
        ));
    }
    Ok(problems)
}

/// The audit log replayed row by row, or where a row does not follow from the ones
/// before it (or gives a value off its indicator's scale).
fn replay(store: &Store, nodes: &Nodes) -> Result<std::result::Result<Replay, String>> {
    let mut replay = Replay::new();
    for (row, _) in rows(&store.conn).map_err(|e| store.sql(e))? {
        if let Some(off) = super::derived::audit_row(&row, nodes) {
            return Ok(Err(off));
        }
        if let Err(b) = replay.apply_row(&row) {
            return Ok(Err(b.to_string()));
        }
    }
    Ok(Ok(replay))
}

/// The cycle codes by id, `""` for `default`.
fn cycles(store: &Store) -> Result<HashMap<i64, String>> {
    let mut stmt = store
        .conn
        .prepare("SELECT id, CASE WHEN code = 'default' THEN '' ELSE code END FROM cycle")
        .map_err(|e| store.sql(e))?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| store.sql(e))
}

/// What the tables hold, by cycle and node path, in the log's terms.
fn held(store: &Store, nodes: &Nodes) -> Result<BTreeMap<Key, Replayed>> {
    let conn = &store.conn;
    let sql = |e| store.sql(e);
    let cycles = cycles(store)?;
    let mut held: BTreeMap<Key, Replayed> = BTreeMap::new();
    let key = |cycle: i64, level: i64, node: i64| -> Option<Key> {
        let (path, _) = nodes.get(cycle, level, node)?;
        Some((
            cycles.get(&cycle).cloned().unwrap_or_default(),
            path.to_string(),
        ))
    };
    // Respondents first: answers name them by row id, the log by uid.
    let mut uids: HashMap<i64, String> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT id, uid, cycle_id, level, node_id, role, number, label, removed_reason
             FROM respondent",
        )
        .map_err(sql)?;
    type RespondentRow = (
        i64,
        String,
        i64,
        i64,
        i64,
        String,
        i64,
        String,
        Option<String>,
    );
    let respondents: Vec<RespondentRow> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (id, uid, cycle, level, node, role, number, label, removed) in respondents {
        uids.insert(id, uid.clone());
        let Some(k) = key(cycle, level, node) else {
            continue;
        };
        let number = u32::try_from(number).unwrap_or(0);
        held.entry(k).or_default().respondents.insert(
            uid,
            ReplayedRespondent {
                added: respondent_text(&role, number, &label),
                removed,
            },
        );
    }
    let mut stmt = conn
        .prepare("SELECT cycle_id, level, node_id FROM node_state WHERE finalized_at IS NOT NULL")
        .map_err(sql)?;
    let finalized: Vec<(i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (cycle, level, node) in finalized {
        if let Some(k) = key(cycle, level, node) {
            held.entry(k).or_default().finalized = true;
        }
    }
    let mut stmt = conn
        .prepare(
            "SELECT cycle_id, level, node_id, indicator, respondent, value, amount, source, na, note,
                    carried
             FROM answer",
        )
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let Some(k) = key(
            r.get(0).map_err(sql)?,
            r.get(1).map_err(sql)?,
            r.get(2).map_err(sql)?,
        ) else {
            continue;
        };
        let indicator: String = r.get(3).map_err(sql)?;
        let respondent: i64 = r.get(4).map_err(sql)?;
        let value: Option<i64> = r.get(5).map_err(sql)?;
        let amount: Option<String> = r.get(6).map_err(sql)?;
        let source: Option<String> = r.get(7).map_err(sql)?;
        let na: bool = r.get(8).map_err(sql)?;
        let note: String = r.get(9).map_err(sql)?;
        let carried: bool = r.get(10).map_err(sql)?;
        let text = super::observe::value_from(value, na).audit_text();
        let h = held.entry(k).or_default();
        if respondent != 0 {
            let uid = uids
                .get(&respondent)
                .cloned()
                .unwrap_or_else(|| format!("#{respondent}"));
            if carried {
                h.carried.insert((uid.clone(), indicator.clone()));
            }
            h.answers.insert((uid, indicator), text);
            continue;
        }
        if carried {
            h.carried.insert((String::new(), indicator.clone()));
        }
        if let Some(a) = amount {
            h.data.insert(
                indicator.clone(),
                data_text(&a, source.as_deref().unwrap_or("")),
            );
        }
        h.values.insert(indicator.clone(), text);
        h.notes.insert(indicator, note);
    }
    drop(rows);
    drop(stmt);
    let mut stmt = conn
        .prepare(
            "SELECT cycle_id, level, node_id, indicator, count(*) FROM evidence
             GROUP BY cycle_id, level, node_id, indicator",
        )
        .map_err(sql)?;
    let evidence: Vec<(i64, i64, i64, String, u32)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (cycle, level, node, indicator, n) in evidence {
        if let Some(k) = key(cycle, level, node) {
            held.entry(k).or_default().evidence.insert(indicator, n);
        }
    }
    let mut stmt = conn
        .prepare("SELECT cycle_id, agency_id, kind, ref, status FROM followup")
        .map_err(sql)?;
    let followups: Vec<(i64, i64, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (cycle, agency, kind, reference, status) in followups {
        if let Some(k) = key(cycle, 1, agency) {
            held.entry(k)
                .or_default()
                .followups
                .insert(reference, (kind, status));
        }
    }
    let mut stmt = conn
        .prepare("SELECT cycle_id, agency_id FROM followup_register")
        .map_err(sql)?;
    let closed: Vec<(i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (cycle, agency) in closed {
        if let Some(k) = key(cycle, 1, agency) {
            held.entry(k).or_default().register_closed = true;
        }
    }
    Ok(held)
}

/// Every difference between what the tables hold and what the log says, one line each.
fn compare(held: &BTreeMap<Key, Replayed>, replay: &Replay) -> Vec<String> {
    compare_replay(held, replay)
}

/// Every difference between what is held (by cycle code, `""` for `default`, and node
/// path: a workstation's tables, or an export file's nodes in `verify`) and what the
/// replayed audit log says, one line each.
pub fn compare_replay(held: &BTreeMap<(String, String), Replayed>, replay: &Replay) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = Replayed::default();
    let logged: BTreeMap<&Key, &Replayed> = replay.nodes().collect();
    let keys: BTreeSet<&Key> = held.keys().chain(logged.keys().copied()).collect();
    for key in keys {
        let h = held.get(key).unwrap_or(&empty);
        let l = logged.get(key).copied().unwrap_or(&empty);
        let (cycle, path) = key;
        let shown = if cycle.is_empty() {
            sanitize(path).into_owned()
        } else {
            format!("{} (cycle {})", sanitize(path), sanitize(cycle))
        };
        let unaccounted = |what: String| {
            format!(
                "the audit log does not account for {shown}: {what} (changed outside patuh, or an audit row was deleted)"
            )
        };
        let indicators: BTreeSet<&String> = h
            .values
            .keys()
            .chain(h.notes.keys())
            .chain(h.evidence.keys())
            .chain(h.data.keys())
            .chain(l.values.keys())
            .chain(l.notes.keys())
            .chain(l.evidence.keys())
            .chain(l.data.keys())
            .collect();
        for ind in indicators {
            let get = |m: &HashMap<String, String>| m.get(ind).cloned().unwrap_or_default();
            let ind_shown = sanitize(ind);
            let (value, logged) = (get(&h.values), get(&l.values));
            if value != logged {
                problems.push(unaccounted(format!(
                    "indicator {ind_shown} is {:?} but its last logged value is {:?}",
                    sanitize(&value),
                    sanitize(&logged)
                )));
            }
            let (value, logged) = (get(&h.data), get(&l.data));
            if value != logged {
                problems.push(unaccounted(format!(
                    "indicator {ind_shown} holds the data value {:?} but its last logged one is {:?}",
                    sanitize(&value),
                    sanitize(&logged)
                )));
            }
            if get(&h.notes) != get(&l.notes) {
                problems.push(unaccounted(format!(
                    "the note of indicator {ind_shown} differs from its last logged note"
                )));
            }
            let (n, logged) = (
                h.evidence.get(ind).copied().unwrap_or(0),
                l.evidence.get(ind).copied().unwrap_or(0),
            );
            if n != logged {
                problems.push(unaccounted(format!(
                    "indicator {ind_shown} has {n} evidence reference(s) but the log adds {logged}"
                )));
            }
        }
        let answers: BTreeSet<&(String, String)> =
            h.answers.keys().chain(l.answers.keys()).collect();
        for k in answers {
            let get = |m: &HashMap<(String, String), String>| m.get(k).cloned().unwrap_or_default();
            let (value, logged) = (get(&h.answers), get(&l.answers));
            if value != logged {
                problems.push(unaccounted(format!(
                    "respondent {} answered {} {:?} but its last logged answer is {:?}",
                    sanitize(&k.0),
                    sanitize(&k.1),
                    sanitize(&value),
                    sanitize(&logged)
                )));
            }
        }
        let uids: BTreeSet<&String> = h.respondents.keys().chain(l.respondents.keys()).collect();
        for uid in uids {
            let (x, y) = (h.respondents.get(uid), l.respondents.get(uid));
            if x != y {
                let describe = |r: Option<&ReplayedRespondent>| match r {
                    None => "no such respondent".to_string(),
                    Some(r) => format!(
                        "{}{}",
                        sanitize(&r.added),
                        r.removed.as_ref().map_or(String::new(), |why| format!(
                            ", removed ({})",
                            sanitize(why)
                        ))
                    ),
                };
                problems.push(unaccounted(format!(
                    "respondent {} is {:?} but the log says {:?}",
                    sanitize(uid),
                    describe(x),
                    describe(y)
                )));
            }
        }
        if h.followups != l.followups {
            problems.push(unaccounted(format!(
                "its follow-up register holds {:?} but the log says {:?}",
                h.followups, l.followups
            )));
        }
        let state = |f: bool, yes: &'static str, no: &'static str| if f { yes } else { no };
        if h.register_closed != l.register_closed {
            problems.push(unaccounted(format!(
                "its follow-up register is {} but the log says {}",
                state(h.register_closed, "closed", "open"),
                state(l.register_closed, "closed", "open")
            )));
        }
        if h.carried != l.carried {
            let only = |a: &BTreeSet<(String, String)>, b: &BTreeSet<(String, String)>| {
                a.difference(b)
                    .map(|(uid, ind)| {
                        if uid.is_empty() {
                            sanitize(ind).into_owned()
                        } else {
                            format!("{} (respondent {})", sanitize(ind), sanitize(uid))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let (held_only, logged_only) =
                (only(&h.carried, &l.carried), only(&l.carried, &h.carried));
            problems.push(unaccounted(format!(
                "its answers carried from the previous cycle, to be re-checked, are not the log's (carried \
                 here only: [{held_only}]; carried in the log only: [{logged_only}])"
            )));
        }
        if h.finalized != l.finalized {
            problems.push(unaccounted(format!(
                "it is {} but the log says {}",
                state(h.finalized, "finalized", "not finalized"),
                state(l.finalized, "finalized", "not finalized")
            )));
        }
    }
    problems
}
