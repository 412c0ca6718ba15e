//! Whether a workstation's audit log accounts for its data: replayed row by row (each
//! row must follow from the ones before), it must end in exactly the observations,
//! notes, evidence references and finalizations the tables hold. An observation
//! edited with another SQLite tool, or the last audit row deleted, passes the hash
//! chain but not this.

use std::collections::{BTreeMap, BTreeSet};

use super::audit::{Replay, Replayed, rows};
use super::derived::ProductInstruments;
use super::{Result, Store};
use crate::domain::text::sanitize;

/// The problems found, one line each (empty when the log accounts for everything).
/// `products`: each product's instrument (those whose body is good), against whose
/// indicators and scales every value row is checked.
pub(super) fn check(store: &Store, products: &ProductInstruments) -> Result<Vec<String>> {
    let replay = match replay(store, products)? {
        Ok(replay) => replay,
        Err(broken) => return Ok(vec![broken]),
    };
    Ok(compare(&held(store)?, &replay))
}

/// The audit log replayed row by row, or where a row does not follow from the ones
/// before it (or gives a value off its indicator's scale).
fn replay(
    store: &Store,
    products: &ProductInstruments,
) -> Result<std::result::Result<Replay, String>> {
    let mut replay = Replay::new();
    for (row, _) in rows(&store.conn).map_err(|e| store.sql(e))? {
        if let Some(off) = super::derived::audit_row(
            row.seq,
            &row.product,
            row.indicator.as_deref(),
            &row.action,
            [row.old.as_deref(), row.new.as_deref()],
            products,
        ) {
            return Ok(Err(off));
        }
        if let Err(b) = replay.apply(
            row.seq,
            &row.product,
            row.indicator.as_deref(),
            &row.action,
            row.old.as_deref(),
            row.new.as_deref(),
        ) {
            return Ok(Err(b.to_string()));
        }
    }
    Ok(Ok(replay))
}

/// What the tables hold, by product path and indicator, in the log's terms.
fn held(store: &Store) -> Result<BTreeMap<String, Replayed>> {
    let conn = &store.conn;
    let sql = |e| store.sql(e);
    let mut held: BTreeMap<String, Replayed> = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT a.code || '/' || u.code || '/' || p.code, p.finalized_at IS NOT NULL
             FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id",
        )
        .map_err(sql)?;
    let products: Vec<(String, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (path, finalized) in products {
        held.entry(path).or_default().finalized = finalized;
    }
    let mut stmt = conn
        .prepare(
            "SELECT a.code || '/' || u.code || '/' || p.code, o.indicator, o.value, o.na, o.note
             FROM observation o JOIN product p ON p.id = o.product_id
             JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id",
        )
        .map_err(sql)?;
    let observations: Vec<(String, String, Option<i64>, bool, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (path, indicator, value, na, note) in observations {
        let text = match (na, value) {
            (true, _) => "N/A".to_string(),
            (false, Some(v)) => v.to_string(),
            (false, None) => String::new(),
        };
        let h = held.entry(path).or_default();
        h.values.insert(indicator.clone(), text);
        h.notes.insert(indicator, note);
    }
    let mut stmt = conn
        .prepare(
            "SELECT a.code || '/' || u.code || '/' || p.code, e.indicator, count(*)
             FROM evidence e JOIN product p ON p.id = e.product_id
             JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
             GROUP BY 1, 2",
        )
        .map_err(sql)?;
    let evidence: Vec<(String, String, u32)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    for (path, indicator, n) in evidence {
        held.entry(path).or_default().evidence.insert(indicator, n);
    }
    Ok(held)
}

/// Every difference between what the tables hold and what the log says, one line each.
fn compare(held: &BTreeMap<String, Replayed>, replay: &Replay) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = Replayed::default();
    let paths: BTreeSet<&String> = held
        .keys()
        .chain(replay.products().map(|(p, _)| p))
        .collect();
    for path in paths {
        let h = held.get(path).unwrap_or(&empty);
        let l = replay.product(path).unwrap_or(&empty);
        let shown = sanitize(path);
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
            .chain(l.values.keys())
            .chain(l.notes.keys())
            .chain(l.evidence.keys())
            .collect();
        for ind in indicators {
            let get = |m: &std::collections::HashMap<String, String>| {
                m.get(ind).cloned().unwrap_or_default()
            };
            let ind_shown = sanitize(ind);
            let (value, logged) = (get(&h.values), get(&l.values));
            if value != logged {
                problems.push(unaccounted(format!(
                    "indicator {ind_shown} is {:?} but its last logged value is {:?}",
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
        if h.finalized != l.finalized {
            let state = |f: bool| if f { "finalized" } else { "not finalized" };
            problems.push(unaccounted(format!(
                "it is {} but the log says {}",
                state(h.finalized),
                state(l.finalized)
            )));
        }
    }
    problems
}
