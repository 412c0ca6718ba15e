//! The audit log as a hash chain: each row carries the previous row's hash and the
//! SHA-256 of its own content (which includes that previous hash), so an edited,
//! deleted or reordered row breaks the chain from that row on.

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row's content, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub product: String,
    pub indicator: Option<String>,
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub prev_hash: String,
}

impl AuditRow {
    /// SHA-256 over an unambiguous serialisation (a JSON array) of every field.
    pub fn hash(&self) -> String {
        // Serialised straight from the fields (a tuple is a JSON array): the same
        // compact text as a `serde_json::Value` array, without building one, which
        // matters when an export or `check` hashes a nation's 1.5 million rows.
        let content = serde_json::to_vec(&(
            self.seq,
            &self.at,
            &self.who,
            &self.product,
            &self.indicator,
            &self.action,
            &self.old,
            &self.new,
            &self.prev_hash,
        ))
        .unwrap_or_default();
        hex::encode(Sha256::digest(&content))
    }
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audit log broken at row {}: {} (the log was edited after it was written)",
            self.seq, self.reason
        )
    }
}

/// What a change appends; `seq`, `prev_hash` and `hash` are filled in by [`append`].
pub struct Entry<'a> {
    pub at: &'a str,
    pub who: &'a str,
    pub product: &'a str,
    pub indicator: Option<&'a str>,
    pub action: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

/// The INSERT that [`AuditRow::insert`] runs.
pub const INSERT_SQL: &str =
    "INSERT INTO audit (seq, at, who, product, indicator, action, old, new, prev_hash, hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

impl AuditRow {
    /// Inserts the row with its hash through a statement prepared from [`INSERT_SQL`];
    /// returns the hash (the next row's `prev_hash`).
    pub fn insert(&self, stmt: &mut rusqlite::Statement<'_>) -> rusqlite::Result<String> {
        let hash = self.hash();
        stmt.execute(params![
            self.seq,
            self.at,
            self.who,
            self.product,
            self.indicator,
            self.action,
            self.old,
            self.new,
            self.prev_hash,
            hash
        ])?;
        Ok(hash)
    }
}

/// Appends one row; call inside the change's transaction.
pub fn append(conn: &Connection, e: &Entry<'_>) -> rusqlite::Result<()> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let row = AuditRow {
        seq,
        at: e.at.into(),
        who: e.who.into(),
        product: e.product.into(),
        indicator: e.indicator.map(Into::into),
        action: e.action.into(),
        old: e.old.map(Into::into),
        new: e.new.map(Into::into),
        prev_hash,
    };
    let mut stmt = conn.prepare_cached(INSERT_SQL)?;
    row.insert(&mut stmt)?;
    Ok(())
}

/// Reads every audit row with its stored hash, in order.
pub fn rows(conn: &Connection) -> rusqlite::Result<Vec<(AuditRow, String)>> {
    let mut out = Vec::new();
    for_each_row(conn, |row, hash| {
        out.push((row, hash));
        Ok(())
    })?;
    Ok(out)
}

/// Every audit row with its stored hash (the tenth column), in order.
pub(super) const SELECT_SQL: &str =
    "SELECT seq, at, who, product, indicator, action, old, new, prev_hash, hash
     FROM audit ORDER BY seq";

/// The row of a result of [`SELECT_SQL`].
pub(super) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        product: r.get(3)?,
        indicator: r.get(4)?,
        action: r.get(5)?,
        old: r.get(6)?,
        new: r.get(7)?,
        prev_hash: r.get(8)?,
    })
}

/// Calls `f` with every audit row and its stored hash, in order, without holding
/// them all: a nation's log is 1.5 million rows.
pub fn for_each_row(
    conn: &Connection,
    mut f: impl FnMut(AuditRow, String) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(SELECT_SQL)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        f(read_row(r)?, r.get(9)?)?;
    }
    Ok(())
}

/// Checks rows one at a time as a chain starting at `GENESIS`.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    prev: String,
    rows: u64,
}

impl Default for ChainCheck {
    fn default() -> ChainCheck {
        ChainCheck {
            prev: GENESIS.to_string(),
            rows: 0,
        }
    }
}

impl ChainCheck {
    /// The next row of the chain with its stored hash.
    pub fn next(&mut self, row: &AuditRow, stored: &str) -> Result<(), ChainBreak> {
        let expected_seq = self.rows as i64 + 1;
        let fail = |reason: &str| ChainBreak {
            seq: row.seq,
            reason: reason.to_string(),
        };
        if row.seq != expected_seq {
            return Err(fail(&format!(
                "expected row {expected_seq} here: a row was deleted or reordered"
            )));
        }
        if row.prev_hash != self.prev {
            return Err(fail("it does not follow the previous row"));
        }
        if row.hash() != stored {
            return Err(fail("its content does not match its hash"));
        }
        self.prev.clear();
        self.prev.push_str(stored);
        self.rows += 1;
        Ok(())
    }

    /// Rows checked so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// Checks a sequence of rows (with stored hashes) as a chain starting at `GENESIS`.
pub fn check_rows(rows: &[(AuditRow, String)]) -> Result<u64, ChainBreak> {
    let mut check = ChainCheck::default();
    for (row, stored) in rows {
        check.next(row, stored)?;
    }
    Ok(check.rows())
}

/// Verifies the whole chain of a database: Ok(Ok(rows)) or Ok(Err(where it breaks)).
/// Reads the rows one at a time (the first break is the answer).
pub fn verify_chain(conn: &Connection) -> rusqlite::Result<Result<u64, ChainBreak>> {
    let mut check = ChainCheck::default();
    let mut broken = None;
    let mut stmt = conn.prepare(SELECT_SQL)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let row = read_row(r)?;
        let stored = r.get_ref(9)?.as_str()?;
        if let Err(b) = check.next(&row, stored) {
            broken = Some(b);
            break;
        }
    }
    Ok(match broken {
        Some(b) => Err(b),
        None => Ok(check.rows()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_of_the_compact_json_array() {
        let row = AuditRow {
            seq: 1_470_060,
            at: "2021-06-01T08:00:03Z".into(),
            who: "Asisten \"Maluku\" 2 \u{1F4DD}".into(),
            product: "8171/DUKCAPIL/KTP-EL".into(),
            indicator: None,
            action: "note".into(),
            old: Some(String::new()),
            new: Some("baris\nbaru \u{7} tab\t é".into()),
            prev_hash: GENESIS.into(),
        };
        let as_value = serde_json::json!([
            row.seq,
            row.at,
            row.who,
            row.product,
            row.indicator,
            row.action,
            row.old,
            row.new,
            row.prev_hash
        ])
        .to_string();
        assert_eq!(row.hash(), hex::encode(Sha256::digest(as_value.as_bytes())));
    }
}

/// What the audit log says one product is, replayed row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Indicator -> the value as logged (`Value::audit_text`).
    pub values: std::collections::HashMap<String, String>,
    /// Indicator -> the note.
    pub notes: std::collections::HashMap<String, String>,
    /// Indicator -> how many evidence references were added (less those removed).
    pub evidence: std::collections::HashMap<String, u32>,
    pub finalized: bool,
}

/// Replays audit rows in order and checks that each follows from the rows before it:
/// a value or note row changes it from what the log last left it at, nothing changes
/// a finalized product, finalizing and reopening alternate. A hash chain alone cannot
/// see a row deleted (or two swapped) and the chain rebuilt by someone holding the
/// signing key; this can, unless the rows removed cancel out.
#[derive(Debug, Default)]
pub struct Replay {
    products: std::collections::HashMap<String, Replayed>,
}

impl Replay {
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Applies one row.
    pub fn apply(
        &mut self,
        seq: i64,
        product: &str,
        indicator: Option<&str>,
        action: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), ChainBreak> {
        let fail = |reason: String| ChainBreak { seq, reason };
        let p = self.products.entry(product.to_string()).or_default();
        let ind = indicator.unwrap_or_default();
        let shown = |s: &str| crate::domain::text::sanitize(s).into_owned();
        if p.finalized
            && matches!(
                action,
                "value" | "note" | "evidence" | "evidence_removed" | "evidence_restored"
            )
        {
            return Err(fail(format!(
                "it changes {} {} while the product is finalized",
                shown(product),
                shown(ind)
            )));
        }
        match action {
            "value" | "note" => {
                let map = if action == "value" {
                    &mut p.values
                } else {
                    &mut p.notes
                };
                let before = map.get(ind).map(String::as_str).unwrap_or("");
                let old = old.unwrap_or("");
                if old != before {
                    return Err(fail(format!(
                        "it changes the {action} of {} {} from {:?}, but the rows before leave it at {:?}: a row was deleted or reordered",
                        shown(product),
                        shown(ind),
                        shown(old),
                        shown(before)
                    )));
                }
                map.insert(ind.to_string(), new.unwrap_or_default().to_string());
            }
            "evidence" | "evidence_restored" => {
                *p.evidence.entry(ind.to_string()).or_default() += 1
            }
            "evidence_removed" => {
                let n = p.evidence.entry(ind.to_string()).or_default();
                if *n == 0 {
                    return Err(fail(format!(
                        "it removes evidence of {} {}, which the rows before leave without any: a row was deleted or reordered",
                        shown(product),
                        shown(ind)
                    )));
                }
                *n -= 1;
            }
            "finalize" | "reopen" => {
                let finalize = action == "finalize";
                if p.finalized == finalize {
                    return Err(fail(format!(
                        "it {} {}, which the rows before leave {}: a row was deleted or reordered",
                        if finalize { "finalizes" } else { "reopens" },
                        shown(product),
                        if finalize { "finalized" } else { "open" }
                    )));
                }
                p.finalized = finalize;
            }
            _ => {}
        }
        Ok(())
    }

    /// The replayed state of a product (None if the log never names it).
    pub fn product(&self, path: &str) -> Option<&Replayed> {
        self.products.get(path)
    }

    /// Every product the log names.
    pub fn products(&self) -> impl Iterator<Item = (&String, &Replayed)> {
        self.products.iter()
    }
}
