//! What `check` recomputes instead of trusting: each stored instrument's body against
//! its recorded SHA-256 (the body scores every product of its agencies), every value
//! (held and in the audit history) against its indicator's scale (scoring would cap a
//! value above the maximum silently), and every product's digest (`product.digest`, a
//! cache of its values, src/store/digest.rs) against its observations. Each finding is
//! one line naming the instrument, the product and the indicator.

use std::collections::HashMap;
use std::sync::Arc;

use super::digest;
use super::{Result, Store};
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Value};

/// Instruments by database id.
pub(super) type Instruments = HashMap<i64, Arc<Instrument>>;

/// Each product's database id and instrument, by path.
pub(super) type ProductInstruments = HashMap<String, (i64, Arc<Instrument>)>;

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

/// Each product's path, database id and instrument (one whose body is good).
pub(super) fn product_instruments(
    store: &Store,
    instruments: &Instruments,
) -> Result<ProductInstruments> {
    let sql = |e| store.sql(e);
    let mut stmt = store
        .conn
        .prepare(
            "SELECT a.code || '/' || u.code || '/' || p.code, p.id, a.instrument_id
             FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id",
        )
        .map_err(sql)?;
    let rows: Vec<(String, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .map_err(sql)?;
    Ok(rows
        .into_iter()
        .filter_map(|(path, id, instrument)| {
            instruments
                .get(&instrument)
                .map(|i| (path, (id, i.clone())))
        })
        .collect())
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

/// Observations off their indicator's scale or of an indicator the product's
/// instrument does not have, and digests that disagree with the observations.
pub(super) fn observations(store: &Store, products: &ProductInstruments) -> Result<Vec<String>> {
    let sql = |e| store.sql(e);
    let by_id: HashMap<i64, (&String, &Arc<Instrument>)> = products
        .iter()
        .map(|(path, (id, i))| (*id, (path, i)))
        .collect();
    let mut problems = Vec::new();
    // Every product's values from its observations, in instrument order.
    let mut values: HashMap<i64, Vec<Value>> = HashMap::new();
    let mut stmt = store
        .conn
        .prepare("SELECT product_id, indicator, value, na FROM observation ORDER BY product_id")
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let pid: i64 = r.get(0).map_err(sql)?;
        let Some(&(path, inst)) = by_id.get(&pid) else {
            continue;
        };
        let ind: String = r.get(1).map_err(sql)?;
        let value: Option<i64> = r.get(2).map_err(sql)?;
        let na: i64 = r.get(3).map_err(sql)?;
        let Some(i) = inst.indicator_index(&ind) else {
            problems.push(format!(
                "{}: it holds an observation of indicator {:?}, which instrument {} does not have (changed outside patuh)",
                sanitize(path),
                sanitize(&ind),
                inst.id
            ));
            continue;
        };
        let max = inst.indicators[i].max;
        let v = match (na != 0, value) {
            (true, _) => Value::NotApplicable,
            (false, Some(v)) if v < 0 || v > i64::from(max) => {
                problems.push(format!(
                    "{}: indicator {} holds the value {v}, which is not on its scale (0 to {max}, or N/A): \
                     changed outside patuh (scoring would count it as {max})",
                    sanitize(path),
                    sanitize(&ind)
                ));
                Value::Level(u32::try_from(v).unwrap_or(u32::MAX))
            }
            (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
            (false, None) => Value::Unanswered,
        };
        values
            .entry(pid)
            .or_insert_with(|| vec![Value::Unanswered; inst.indicators.len()])[i] = v;
    }
    drop(rows);
    drop(stmt);
    // Every digest that is there (not stale) says what the observations say.
    let mut stmt = store
        .conn
        .prepare("SELECT id, digest FROM product WHERE digest IS NOT NULL ORDER BY id")
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        let pid: i64 = r.get(0).map_err(sql)?;
        let Some(&(path, inst)) = by_id.get(&pid) else {
            continue;
        };
        let n = inst.indicators.len();
        let stored = r.get_ref(1).map_err(sql)?;
        let mut cached = vec![Value::Unanswered; n];
        let readable = match stored {
            rusqlite::types::ValueRef::Blob(d) => digest::decode_into(d, &mut cached),
            _ => false,
        };
        if !readable {
            // Not read as values by anyone (`load` reads the observations instead).
            continue;
        }
        let held = values
            .remove(&pid)
            .unwrap_or_else(|| vec![Value::Unanswered; n]);
        if let Some(i) = (0..n).find(|&i| cached[i] != held[i]) {
            problems.push(format!(
                "{}: its cached values (product.digest) disagree with its observations (indicator {} is {:?} \
                 in the cache, {:?} in the observations): changed outside patuh. The observations count; \
                 the workstation shows the cache until it is rewritten (`sqlite3 FILE \"UPDATE product SET digest = NULL WHERE id = {pid}\"`)",
                sanitize(path),
                inst.indicators[i].id,
                cached[i].audit_text(),
                held[i].audit_text()
            ));
        }
    }
    Ok(problems)
}

/// Value rows of the audit history whose old or new value is off the scale of the
/// indicator they name, and rows naming an indicator the instrument does not have.
pub(super) fn audit_row(
    seq: i64,
    product: &str,
    indicator: Option<&str>,
    action: &str,
    values: [Option<&str>; 2],
    products: &ProductInstruments,
) -> Option<String> {
    if !matches!(action, "value" | "note" | "evidence") {
        return None;
    }
    let (_, inst) = products.get(product)?;
    let name = indicator.unwrap_or_default();
    let broken = |reason: String| Some(super::ChainBreak { seq, reason }.to_string());
    let Some(i) = inst.indicator_index(name) else {
        return broken(format!(
            "it changes indicator {:?} of {}, which instrument {} does not have",
            sanitize(name),
            sanitize(product),
            inst.id
        ));
    };
    if action != "value" {
        return None;
    }
    let max = inst.indicators[i].max;
    let off = values.into_iter().flatten().find(|t| !on_scale(t, max))?;
    broken(format!(
        "it gives {} {} the value {:?}, which is not on its scale (0 to {max}, or N/A)",
        sanitize(product),
        sanitize(name),
        sanitize(off)
    ))
}
