//! Each product's values in compact form (`node_state.digest` per cycle, schema 0009;
//! `product.digest` from 0003 to 0007), so that opening a workstation reads one short
//! row per product instead of every observation (1-2 million rows for a nation: most of
//! the time to the first frame); and since schema 0013 each unit's and agency's answers
//! (its own and its respondents', [`encode_node`]), kept the same way by triggers of
//! their own, so that it reads 5,885 rows instead of 274,000 answers.
//!
//! The digest is derived data and never the truth: the product's answers of respondent
//! 0 in `answer` are. A digest is either exact or stale (NULL, or no `node_state` row):
//! - SQLite triggers make it stale whenever such an answer of the product is written,
//!   by patuh or anything else; only when it is not stale already, so that the second
//!   and later changes of one product do not write its page again;
//! - patuh rewrites a stale digest from the answers, in a transaction that reads
//!   them: the central merge and the generator at the end of theirs, a migration in
//!   its own, and `record` rewrites the stale digests of the *other* products (the one
//!   the assessor worked on before), so a keystroke's commit writes only its
//!   answer and its audit row, and the digest of a product follows as soon as
//!   the assessor moves on;
//! - `load` reads the answers of the (few) stale products, and of products whose
//!   digest does not fit the instrument: slower, never wrong.
//!
//! Layout: one byte per indicator of the agency's instrument in its cycle, in
//! instrument order: 0 unanswered, 1 not applicable, 2 + v for the value v (v <= 253;
//! instruments allow scales up to 100). The empty digest means "no observation at all"
//! (what a product gets when it is created), whatever the instrument. When some of the
//! product's answers are carried from the previous cycle (schema 0011, issue 14: to be
//! re-checked, not counted), a second run of as many bytes follows with the carried
//! values, the same way (0 where nothing is carried), and the first run holds those
//! cells as unanswered: what counts is read as before, and the carried values need no
//! second reading of the answers. A carried data value is not in the digest (data
//! values never are: `load` reads them from their own index).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::{Instrument, Value};

const UNANSWERED: u8 = 0;
const NOT_APPLICABLE: u8 = 1;
const LEVEL: u8 = 2;

/// The digest of values in instrument order; None when a value does not fit a byte.
pub fn encode(values: &[Value]) -> Option<Vec<u8>> {
    values
        .iter()
        .map(|v| match *v {
            Value::Unanswered => Some(UNANSWERED),
            Value::NotApplicable => Some(NOT_APPLICABLE),
            Value::Level(l) => l.checked_add(LEVEL),
        })
        .collect()
}

/// The digest of the values that count and of the values carried (both in instrument
/// order, `carried` unanswered where nothing is carried); None when a value does not
/// fit a byte.
pub fn encode_with_carried(values: &[Value], carried: &[Value]) -> Option<Vec<u8>> {
    let mut out = encode(values)?;
    if carried.iter().any(|v| *v != Value::Unanswered) {
        out.extend(encode(carried)?);
    }
    Some(out)
}

fn byte_value(b: u8) -> Value {
    match b {
        UNANSWERED => Value::Unanswered,
        NOT_APPLICABLE => Value::NotApplicable,
        b => Value::Level(b - LEVEL),
    }
}

/// Writes the values that count of a digest into `values` (one per indicator, all
/// unanswered on entry). False when the digest does not fit: the caller then reads the
/// answers.
pub fn decode_into(digest: &[u8], values: &mut [Value]) -> bool {
    if digest.is_empty() {
        return true;
    }
    if digest.len() != values.len() && digest.len() != 2 * values.len() {
        return false;
    }
    for (v, &b) in values.iter_mut().zip(digest) {
        *v = byte_value(b);
    }
    true
}

/// The values carried of a digest that fits `n` indicators ([`decode_into`] true): the
/// indicator's place and its carried value, for those carried.
pub fn decode_carried(digest: &[u8], n: usize) -> impl Iterator<Item = (usize, Value)> + '_ {
    let tail = if n > 0 && digest.len() == 2 * n {
        &digest[n..]
    } else {
        &[]
    };
    tail.iter()
        .enumerate()
        .filter(|(_, b)| **b != UNANSWERED)
        .map(|(i, &b)| (i, byte_value(b)))
}

/// The indicator ids of an instrument in order. Instruments never change once
/// imported and are named by the SHA-256 of their canonical body, so each is parsed
/// once per process; a body that does not hash to its recorded SHA-256 (edited by
/// hand) gets no order, so its products keep a NULL digest (and `load` does not trust
/// digests of such an instrument either).
fn indicator_order(
    conn: &Connection,
    instrument_id: i64,
    sha256: &str,
) -> rusqlite::Result<Option<Arc<[String]>>> {
    static ORDERS: OnceLock<Mutex<HashMap<String, Arc<[String]>>>> = OnceLock::new();
    let orders = ORDERS.get_or_init(Default::default);
    if let Ok(map) = orders.lock()
        && let Some(order) = map.get(sha256)
    {
        return Ok(Some(order.clone()));
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
    let order: Arc<[String]> = instrument.indicators.into_iter().map(|i| i.id).collect();
    if let Ok(mut map) = orders.lock() {
        map.insert(sha256.to_string(), order.clone());
    }
    Ok(Some(order))
}

/// Rewrites one product's digest of one cycle from its answers (as the current
/// transaction sees them). A product whose instrument does not parse or whose values do
/// not fit keeps a NULL digest.
pub fn refresh(conn: &Connection, cycle_id: i64, product_id: i64) -> rusqlite::Result<()> {
    let instrument: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT i.id, i.sha256 FROM product p JOIN unit u ON u.id = p.unit_id
             JOIN agency a ON a.id = u.agency_id
             LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
             JOIN instrument i ON i.id = coalesce(c.instrument_id, a.instrument_id)
             WHERE p.id = ?1",
        )?
        .query_row([product_id, cycle_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let order = match instrument {
        Some((id, sha256)) => indicator_order(conn, id, &sha256)?,
        None => None,
    };
    let digest = match order {
        Some(order) => {
            let mut values = vec![Value::Unanswered; order.len()];
            let mut carried = vec![Value::Unanswered; order.len()];
            let mut stmt = conn.prepare_cached(
                "SELECT indicator, value, na, carried FROM answer
                 WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND respondent = 0",
            )?;
            let mut rows = stmt.query([cycle_id, product_id])?;
            while let Some(r) = rows.next()? {
                let ind = r.get_ref(0)?.as_str()?;
                let Some(i) = order.iter().position(|x| x == ind) else {
                    continue;
                };
                let value: Option<i64> = r.get(1)?;
                let v = match (r.get::<_, i64>(2)? != 0, value) {
                    (true, _) => Value::NotApplicable,
                    (false, Some(v)) => Value::level(u32::try_from(v).unwrap_or(u32::MAX)),
                    (false, None) => Value::Unanswered,
                };
                if r.get::<_, i64>(3)? != 0 {
                    carried[i] = v;
                } else {
                    values[i] = v;
                }
            }
            encode_with_carried(&values, &carried)
        }
        None => None,
    };
    conn.prepare_cached(
        "INSERT INTO node_state (cycle_id, level, node_id, digest) VALUES (?1, 3, ?2, ?3)
         ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = excluded.digest",
    )?
    .execute(params![cycle_id, product_id, digest])?;
    Ok(())
}

/// One answer held in a unit's or agency's digest: the respondent's row id (0 for the
/// node's own value), the indicator's place in the instrument, whether it is carried
/// from the previous cycle, and the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeEntry {
    pub respondent: i64,
    pub place: usize,
    pub carried: bool,
    pub value: Value,
}

fn put_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

fn get_varint(d: &[u8], at: &mut usize) -> Option<u64> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *d.get(*at)?;
        *at += 1;
        x |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(x);
        }
    }
    None
}

/// A unit's or agency's digest (schema 0013): its answers that hold a value or N/A, in
/// the answer key's order, each as a varint of `respondent * 2 + carried`, a varint of
/// the indicator's place in the instrument and the value's byte as in a product's
/// digest (1 N/A, 2 + v). The empty digest: no such answer. None when an entry does not
/// fit (a value above 253, a negative respondent).
pub fn encode_node(entries: &[NodeEntry]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(entries.len() * 5);
    for e in entries {
        let byte = match e.value {
            Value::Unanswered => return None,
            Value::NotApplicable => NOT_APPLICABLE,
            Value::Level(l) => l.checked_add(LEVEL)?,
        };
        let r = u64::try_from(e.respondent).ok()?;
        put_varint(&mut out, r.checked_mul(2)? + u64::from(e.carried));
        put_varint(&mut out, e.place as u64);
        out.push(byte);
    }
    Some(out)
}

/// The entries of a unit's or agency's digest whose places are below `n` (the
/// instrument's indicators); None when it is not one patuh wrote (the caller then
/// reads the answers).
pub fn decode_node(d: &[u8], n: usize) -> Option<Vec<NodeEntry>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < d.len() {
        let r = get_varint(d, &mut at)?;
        let place = usize::try_from(get_varint(d, &mut at)?).ok()?;
        let byte = *d.get(at)?;
        at += 1;
        if place >= n || byte == UNANSWERED {
            return None;
        }
        out.push(NodeEntry {
            respondent: i64::try_from(r / 2).ok()?,
            place,
            carried: r % 2 == 1,
            value: byte_value(byte),
        });
    }
    Some(out)
}

/// The digest a unit (level 2) or agency (level 1) of a cycle should hold, from its
/// answers as the current transaction sees them; None when it cannot be written (its
/// instrument does not parse, an answer names an indicator the instrument does not
/// have, a value does not fit): such a node keeps a NULL digest and `load` reads its
/// answers.
pub fn node_digest(
    conn: &Connection,
    cycle_id: i64,
    level: i64,
    node_id: i64,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let agency = match level {
        1 => Some(node_id),
        2 => conn
            .prepare_cached("SELECT agency_id FROM unit WHERE id = ?1")?
            .query_row([node_id], |r| r.get(0))
            .optional()?,
        _ => None,
    };
    let Some(agency) = agency else {
        return Ok(None);
    };
    let instrument: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT i.id, i.sha256 FROM agency a
             LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
             JOIN instrument i ON i.id = coalesce(c.instrument_id, a.instrument_id)
             WHERE a.id = ?1",
        )?
        .query_row([agency, cycle_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let order = match instrument {
        Some((id, sha256)) => indicator_order(conn, id, &sha256)?,
        None => None,
    };
    let Some(order) = order else {
        return Ok(None);
    };
    let mut entries = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT indicator, respondent, value, na, carried FROM answer
         WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND (value IS NOT NULL OR na = 1)",
    )?;
    let mut rows = stmt.query([cycle_id, level, node_id])?;
    while let Some(r) = rows.next()? {
        let ind = r.get_ref(0)?.as_str()?;
        let Some(place) = order.iter().position(|x| x == ind) else {
            return Ok(None);
        };
        let value: Option<i64> = r.get(2)?;
        let value = match (r.get::<_, i64>(3)? != 0, value) {
            (true, _) => Value::NotApplicable,
            (false, Some(v)) => match u8::try_from(v) {
                Ok(v) => Value::Level(v),
                Err(_) => return Ok(None),
            },
            (false, None) => continue,
        };
        entries.push(NodeEntry {
            respondent: r.get(1)?,
            place,
            carried: r.get::<_, i64>(4)? != 0,
            value,
        });
    }
    Ok(encode_node(&entries))
}

/// Rewrites one unit's (level 2) or agency's (level 1) digest of one cycle from its
/// answers.
pub fn refresh_node(
    conn: &Connection,
    cycle_id: i64,
    level: i64,
    node_id: i64,
) -> rusqlite::Result<()> {
    let digest = node_digest(conn, cycle_id, level, node_id)?;
    conn.prepare_cached(
        "INSERT INTO node_state (cycle_id, level, node_id, digest) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = excluded.digest",
    )?
    .execute(params![cycle_id, level, node_id, digest])?;
    Ok(())
}

/// Rewrites the digest of any node: a product's (level 3), a unit's or an agency's.
pub fn refresh_any(
    conn: &Connection,
    cycle_id: i64,
    level: i64,
    node_id: i64,
) -> rusqlite::Result<()> {
    if level == 3 {
        refresh(conn, cycle_id, node_id)
    } else {
        refresh_node(conn, cycle_id, level, node_id)
    }
}

/// Rewrites every stale digest (after a migration or a bulk write): NULL ones of any
/// cycle and level, and those of the current cycle's products, units and agencies
/// without a row of state. Returns how many nodes it looked at.
pub fn refresh_stale(conn: &Connection) -> rusqlite::Result<usize> {
    let current = super::nodes::current_cycle(conn)?.id;
    let stale: Vec<(i64, i64, i64)> = conn
        .prepare(
            "SELECT cycle_id, level, node_id FROM node_state WHERE digest IS NULL
             UNION
             SELECT ?1, 3, p.id FROM product p
             WHERE NOT EXISTS (SELECT 1 FROM node_state s
                               WHERE s.cycle_id = ?1 AND s.level = 3 AND s.node_id = p.id)
             UNION
             SELECT ?1, 2, u.id FROM unit u
             WHERE NOT EXISTS (SELECT 1 FROM node_state s
                               WHERE s.cycle_id = ?1 AND s.level = 2 AND s.node_id = u.id)
             UNION
             SELECT ?1, 1, a.id FROM agency a
             WHERE NOT EXISTS (SELECT 1 FROM node_state s
                               WHERE s.cycle_id = ?1 AND s.level = 1 AND s.node_id = a.id)",
        )?
        .query_map([current], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for &(cycle, level, id) in &stale {
        refresh_any(conn, cycle, level, id)?;
    }
    Ok(stale.len())
}

/// How many stale digests of other nodes one change rewrites at most: normally
/// there is one (the node worked on before); more only after writes made outside
/// patuh, which are then caught up a few at a time.
pub const OTHERS_PER_CHANGE: usize = 8;

/// The stale nodes (of any cycle and level) other than node (`?2`, `?3`) of cycle `?1`,
/// at most [`OTHERS_PER_CHANGE`].
const STALE_OTHERS_SQL: &str = "SELECT cycle_id, level, node_id FROM node_state
     WHERE digest IS NULL AND NOT (cycle_id = ?1 AND level = ?2 AND node_id = ?3) LIMIT 8";

/// Rewrites the stale digests of nodes other than node (`level`, `node_id`) of cycle
/// `cycle_id` (at most [`OTHERS_PER_CHANGE`]); call it in a change's transaction. True
/// when no other node was left stale.
pub fn refresh_others(
    conn: &Connection,
    cycle_id: i64,
    level: i64,
    node_id: i64,
) -> rusqlite::Result<bool> {
    // The limit is written into the SQL, not bound: SQLite plans with a bound LIMIT's
    // value and so prepares the statement again whenever it is bound, which was a
    // third of a keystroke's CPU besides the fsync (docs/performance.md).
    let stale: Vec<(i64, i64, i64)> = conn
        .prepare_cached(STALE_OTHERS_SQL)?
        .query_map([cycle_id, level, node_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for &(cycle, level, id) in &stale {
        refresh_any(conn, cycle, level, id)?;
    }
    Ok(stale.len() < OTHERS_PER_CHANGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catching_up_other_products_is_never_prepared_again() {
        assert!(STALE_OTHERS_SQL.ends_with(&format!(" LIMIT {OTHERS_PER_CHANGE}")));
        assert_eq!(OTHERS_PER_CHANGE, 8);
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("g.db");
        crate::generate::generate(&db, crate::generate::Scale::Tiny, 3).expect("gen");
        let store = crate::store::Store::open(&db).expect("open");
        let conn = &store.conn;
        conn.execute(
            "UPDATE node_state SET digest = NULL WHERE level = 3 AND node_id % 3 = 0",
            [],
        )
        .expect("stale");
        for id in 1..40 {
            refresh_others(conn, 1, 3, id).expect("refresh");
        }
        let stmt = conn.prepare_cached(STALE_OTHERS_SQL).expect("cached");
        // A statement prepared again at each change costs a keystroke more CPU than
        // all the rest of its SQL (SQLite re-plans a statement whose bound LIMIT changes).
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn digest_round_trips_and_refuses_what_does_not_fit() {
        let values = [
            Value::Unanswered,
            Value::NotApplicable,
            Value::Level(0),
            Value::Level(3),
            Value::Level(100),
            Value::Level(253),
        ];
        let d = encode(&values).expect("fits");
        assert_eq!(d, vec![0, 1, 2, 5, 102, 255]);
        let mut back = [Value::Unanswered; 6];
        assert!(decode_into(&d, &mut back));
        assert_eq!(back, values);
        assert_eq!(encode(&[Value::Level(254)]), None);
        let mut four = [Value::Unanswered; 4];
        assert!(
            !decode_into(&d, &mut four),
            "length must match the instrument (once, or twice with carried values)"
        );
        let mut three = [Value::Unanswered; 3];
        // Carried values (to be re-checked) follow in a second run; what counts holds
        // them as unanswered.
        let counted = [Value::Level(1), Value::Unanswered, Value::Unanswered];
        let carried = [Value::Unanswered, Value::Level(3), Value::NotApplicable];
        let d = encode_with_carried(&counted, &carried).expect("fits");
        assert_eq!(d, vec![3, 0, 0, 0, 5, 1]);
        assert!(decode_into(&d, &mut three));
        assert_eq!(three, counted);
        assert_eq!(
            decode_carried(&d, 3).collect::<Vec<_>>(),
            vec![(1, Value::Level(3)), (2, Value::NotApplicable)]
        );
        assert_eq!(
            encode_with_carried(&counted, &[Value::Unanswered; 3]),
            encode(&counted),
            "nothing carried: the digest of before"
        );
        assert_eq!(decode_carried(&[3, 0, 0], 3).count(), 0);
        let mut three = [Value::Unanswered; 3];
        assert!(decode_into(&[], &mut three), "empty: no observation at all");
        assert_eq!(three, [Value::Unanswered; 3]);
    }
}
