//! The audit log as a hash chain: each row carries the previous row's hash and the
//! SHA-256 of its own content (which includes that previous hash), so an edited,
//! deleted or reordered row breaks the chain from that row on; and its replay, row by
//! row, into what the log says every node holds ([`Replay`]).
//!
//! A row names its node by path (`AGENCY`, `AGENCY/UNIT`, `AGENCY/UNIT/PRODUCT`) and
//! may carry a cycle's code (none for the cycle `default`) and a respondent's uid
//! (schema 0009). Its hash is over the nine fields of the rows written before those
//! existed when it carries neither, over eleven when it carries one (the length of the
//! JSON array keeps the two forms apart): every row written before keeps verifying.

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
    /// The node: `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT` by codes.
    pub path: String,
    pub indicator: Option<String>,
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub prev_hash: String,
    /// The cycle's code; None for the cycle `default` (every row written before cycles).
    pub cycle: Option<String>,
    /// The respondent's uid, for a row about a respondent or one of its answers.
    pub respondent: Option<String>,
}

impl AuditRow {
    /// SHA-256 over an unambiguous serialisation (a JSON array) of every field: the nine
    /// of schema 0001 `[seq, at, who, path, indicator, action, old, new, prev_hash]`
    /// when the row has no cycle and no respondent, else those and `cycle`,
    /// `respondent` (eleven).
    pub fn hash(&self) -> String {
        self.as_ref().hash()
    }

    /// The row's fields borrowed.
    pub fn as_ref(&self) -> AuditRowRef<'_> {
        AuditRowRef {
            seq: self.seq,
            at: &self.at,
            who: &self.who,
            path: &self.path,
            indicator: self.indicator.as_deref(),
            action: &self.action,
            old: self.old.as_deref(),
            new: self.new.as_deref(),
            prev_hash: &self.prev_hash,
            cycle: self.cycle.as_deref(),
            respondent: self.respondent.as_deref(),
        }
    }
}

/// An [`AuditRow`] borrowed from where it was read (a row of the database as SQLite
/// holds it): the export reads a nation's log without a `String` per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRowRef<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub who: &'a str,
    pub path: &'a str,
    pub indicator: Option<&'a str>,
    pub action: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub prev_hash: &'a str,
    pub cycle: Option<&'a str>,
    pub respondent: Option<&'a str>,
}

impl AuditRowRef<'_> {
    /// [`AuditRow::hash`], as lower-case hex.
    pub fn hash(&self) -> String {
        lower_hex(&self.digest())
    }

    /// Whether the row's content hashes to `stored` (the same as
    /// `self.hash() == stored`, without building the hex text).
    pub fn hashes_to(&self, stored: &str) -> bool {
        lower_hex_bytes(&self.digest()) == stored.as_bytes()
    }

    fn digest(&self) -> [u8; 32] {
        let mut hasher = Hashing(Sha256::new());
        self.write_hashed(&mut hasher);
        hasher.0.finalize().into()
    }

    /// Writes what the row's hash is of: serialised straight from the fields (a tuple
    /// is a JSON array), the same compact text as a `serde_json::Value` array without
    /// building one, which matters when an export, `verify` or `check` hashes a
    /// nation's 1.5 million rows.
    fn write_hashed(&self, w: &mut impl std::io::Write) {
        // Writing into a hasher or a Vec cannot fail, nor can serialising strings and
        // integers.
        let _ = if self.cycle.is_none() && self.respondent.is_none() {
            serde_json::to_writer(
                w,
                &(
                    self.seq,
                    self.at,
                    self.who,
                    self.path,
                    self.indicator,
                    self.action,
                    self.old,
                    self.new,
                    self.prev_hash,
                ),
            )
        } else {
            serde_json::to_writer(
                w,
                &(
                    self.seq,
                    self.at,
                    self.who,
                    self.path,
                    self.indicator,
                    self.action,
                    self.old,
                    self.new,
                    self.prev_hash,
                    self.cycle,
                    self.respondent,
                ),
            )
        };
    }

    pub fn to_owned(&self) -> AuditRow {
        AuditRow {
            seq: self.seq,
            at: self.at.to_string(),
            who: self.who.to_string(),
            path: self.path.to_string(),
            indicator: self.indicator.map(str::to_string),
            action: self.action.to_string(),
            old: self.old.map(str::to_string),
            new: self.new.map(str::to_string),
            prev_hash: self.prev_hash.to_string(),
            cycle: self.cycle.map(str::to_string),
            respondent: self.respondent.map(str::to_string),
        }
    }
}

/// 32 bytes as 64 lower-case hex digits.
fn lower_hex_bytes(bytes: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 64];
    for (k, &b) in bytes.iter().enumerate() {
        out[2 * k] = DIGITS[usize::from(b >> 4)];
        out[2 * k + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

/// A SHA-256 fed by a writer.
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lower-case hex, as `hex::encode` writes it, a table lookup per nibble (`hex::encode`
/// goes through a `char` iterator: 3 % of a national export's CPU).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl ChainBreak {
    /// Row `seq`'s content does not hash to its stored hash.
    fn content(seq: i64) -> ChainBreak {
        ChainBreak {
            seq,
            reason: "its content does not match its hash".to_string(),
        }
    }
}

/// Audit rows whose content is to be compared with their stored hash, gathered on one
/// thread and hashed on another ([`ChainBatch::first_break`]): the export's reading
/// thread checks each row's place in the chain ([`ChainCheck::link_ref`]) and hands
/// the hashing over in batches of about a megabyte.
#[derive(Debug, Default)]
pub struct ChainBatch {
    /// What each row is hashed over, one after the other.
    text: Vec<u8>,
    /// Each row's sequence number, where its text ends and its stored hash's bytes.
    rows: Vec<(i64, usize, [u8; 64], bool)>,
}

impl ChainBatch {
    /// A batch of about this many bytes is worth handing over.
    pub const BYTES: usize = 1 << 20;

    /// An empty batch with room for [`ChainBatch::BYTES`] and a row.
    pub fn new() -> ChainBatch {
        ChainBatch {
            text: Vec::with_capacity(ChainBatch::BYTES + (4 << 10)),
            rows: Vec::with_capacity(4 << 10),
        }
    }

    /// Empty again, its room kept.
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    pub fn push(&mut self, row: &AuditRowRef<'_>, stored: &str) {
        row.write_hashed(&mut self.text);
        let mut hash = [0; 64];
        // A stored hash of another length never matches (as `hashes_to` says).
        let fits = stored.len() == 64;
        if fits {
            hash.copy_from_slice(stored.as_bytes());
        }
        self.rows.push((row.seq, self.text.len(), hash, fits));
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The first row whose content does not hash to its stored hash.
    pub fn first_break(&self) -> Option<ChainBreak> {
        let mut start = 0;
        for &(seq, end, stored, fits) in &self.rows {
            let digest: [u8; 32] = Sha256::digest(&self.text[start..end]).into();
            if !fits || lower_hex_bytes(&digest) != stored {
                return Some(ChainBreak::content(seq));
            }
            start = end;
        }
        None
    }
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
#[derive(Debug, Clone, Copy, Default)]
pub struct Entry<'a> {
    pub at: &'a str,
    pub who: &'a str,
    /// The node's path.
    pub path: &'a str,
    pub indicator: Option<&'a str>,
    pub action: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    /// The cycle's code, None for the cycle `default`.
    pub cycle: Option<&'a str>,
    /// The respondent's uid.
    pub respondent: Option<&'a str>,
}

/// The INSERT that [`AuditRow::insert`] runs.
pub const INSERT_SQL: &str =
    "INSERT INTO audit (seq, at, who, path, indicator, action, old, new, prev_hash, hash,
                        cycle, respondent)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

impl AuditRow {
    /// Inserts the row with its hash through a statement prepared from [`INSERT_SQL`];
    /// returns the hash (the next row's `prev_hash`).
    pub fn insert(&self, stmt: &mut rusqlite::Statement<'_>) -> rusqlite::Result<String> {
        let hash = self.hash();
        stmt.execute(params![
            self.seq,
            self.at,
            self.who,
            self.path,
            self.indicator,
            self.action,
            self.old,
            self.new,
            self.prev_hash,
            hash,
            self.cycle,
            self.respondent
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
        path: e.path.into(),
        indicator: e.indicator.map(Into::into),
        action: e.action.into(),
        old: e.old.map(Into::into),
        new: e.new.map(Into::into),
        prev_hash,
        cycle: e.cycle.map(Into::into),
        respondent: e.respondent.map(Into::into),
    };
    let mut stmt = conn.prepare_cached(INSERT_SQL)?;
    row.insert(&mut stmt)?;
    Ok(())
}

/// Appends many rows in one transaction (a cycle started with carry writes a row per
/// answer carried) without reading the last row back before each.
pub(super) struct Appender {
    seq: i64,
    prev: String,
    /// False on a central database, which keeps no assessor's log (its own is
    /// `central_log`): nothing is appended.
    active: bool,
}

impl Appender {
    /// Starts after the log's last row; call inside the transaction that appends.
    pub(super) fn new(conn: &Connection) -> rusqlite::Result<Appender> {
        let last: Option<(i64, String)> = conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, prev) = last.unwrap_or((0, GENESIS.to_string()));
        Ok(Appender {
            seq,
            prev,
            active: true,
        })
    }

    /// Starts after the row of `seq` and `hash`, known to be the log's last (the
    /// change before, while nothing else has written: src/store/observe/warm.rs).
    pub(super) fn after((seq, prev): (i64, String)) -> Appender {
        Appender {
            seq,
            prev,
            active: true,
        }
    }

    /// The log's last row once the rows appended are: its seq and hash.
    pub(super) fn tail(&self) -> (i64, String) {
        (self.seq, self.prev.clone())
    }

    /// An appender that appends nothing (for a central database).
    pub(super) fn silent() -> Appender {
        Appender {
            seq: 0,
            prev: String::new(),
            active: false,
        }
    }

    pub(super) fn append(&mut self, conn: &Connection, e: &Entry<'_>) -> rusqlite::Result<()> {
        if !self.active {
            return Ok(());
        }
        let row = AuditRow {
            seq: self.seq + 1,
            at: e.at.into(),
            who: e.who.into(),
            path: e.path.into(),
            indicator: e.indicator.map(Into::into),
            action: e.action.into(),
            old: e.old.map(Into::into),
            new: e.new.map(Into::into),
            prev_hash: std::mem::take(&mut self.prev),
            cycle: e.cycle.map(Into::into),
            respondent: e.respondent.map(Into::into),
        };
        let mut stmt = conn.prepare_cached(INSERT_SQL)?;
        self.prev = row.insert(&mut stmt)?;
        self.seq += 1;
        Ok(())
    }
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
    "SELECT seq, at, who, path, indicator, action, old, new, prev_hash, hash, cycle, respondent
     FROM audit ORDER BY seq";

/// The columns [`read_row`] reads, for a query of some rows.
pub(super) const COLUMNS: &str =
    "seq, at, who, path, indicator, action, old, new, prev_hash, hash, cycle, respondent";

/// The row of a result of [`SELECT_SQL`] (or of a query of [`COLUMNS`]).
pub(super) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        path: r.get(3)?,
        indicator: r.get(4)?,
        action: r.get(5)?,
        old: r.get(6)?,
        new: r.get(7)?,
        prev_hash: r.get(8)?,
        cycle: r.get(10)?,
        respondent: r.get(11)?,
    })
}

/// [`read_row`] borrowed from the row and its stored hash (column 9); an error when a
/// field is not text (or null where allowed), which the caller reports through
/// [`read_row`] so that the message is the same.
pub(super) fn read_row_ref<'r>(
    r: &'r rusqlite::Row<'_>,
) -> rusqlite::Result<(AuditRowRef<'r>, &'r str)> {
    let text = |i: usize| -> rusqlite::Result<&'r str> { Ok(r.get_ref(i)?.as_str()?) };
    let opt =
        |i: usize| -> rusqlite::Result<Option<&'r str>> { Ok(r.get_ref(i)?.as_str_or_null()?) };
    Ok((
        AuditRowRef {
            seq: r.get(0)?,
            at: text(1)?,
            who: text(2)?,
            path: text(3)?,
            indicator: opt(4)?,
            action: text(5)?,
            old: opt(6)?,
            new: opt(7)?,
            prev_hash: text(8)?,
            cycle: opt(10)?,
            respondent: opt(11)?,
        },
        text(9)?,
    ))
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
        self.next_ref(&row.as_ref(), stored)
    }

    /// [`ChainCheck::next`] of a borrowed row.
    pub fn next_ref(&mut self, row: &AuditRowRef<'_>, stored: &str) -> Result<(), ChainBreak> {
        self.link(row, stored, |row| row.hashes_to(stored))
    }

    /// [`ChainCheck::next_ref`] without hashing the row's content: its place in the
    /// chain only (the sequence and the link to the previous row), its hash to be
    /// compared elsewhere ([`ChainBatch`]: the export hashes its rows on another
    /// thread).
    pub fn link_ref(&mut self, row: &AuditRowRef<'_>, stored: &str) -> Result<(), ChainBreak> {
        self.link(row, stored, |_| true)
    }

    fn link(
        &mut self,
        row: &AuditRowRef<'_>,
        stored: &str,
        same: impl FnOnce(&AuditRowRef<'_>) -> bool,
    ) -> Result<(), ChainBreak> {
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
        if !same(row) {
            return Err(ChainBreak::content(row.seq));
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
    fn lower_hex_is_hex_encode() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&all), hex::encode(&all));
        assert_eq!(lower_hex(&[]), "");
    }

    #[test]
    fn the_hash_is_sha256_of_the_compact_json_array() {
        let row = AuditRow {
            seq: 1_470_060,
            at: "2021-06-01T08:00:03Z".into(),
            who: "Asisten \"Maluku\" 2 \u{1F4DD}".into(),
            path: "8171/DUKCAPIL/KTP-EL".into(),
            indicator: None,
            action: "note".into(),
            old: Some(String::new()),
            new: Some("baris\nbaru \u{7} tab\t é".into()),
            prev_hash: GENESIS.into(),
            cycle: None,
            respondent: None,
        };
        let as_value = serde_json::json!([
            row.seq,
            row.at,
            row.who,
            row.path,
            row.indicator,
            row.action,
            row.old,
            row.new,
            row.prev_hash
        ])
        .to_string();
        assert_eq!(row.hash(), hex::encode(Sha256::digest(as_value.as_bytes())));
        // With a respondent (or a cycle): the eleven fields.
        let row = AuditRow {
            respondent: Some("0123456789abcdef0123456789abcdef".into()),
            ..row
        };
        let as_value = serde_json::json!([
            row.seq,
            row.at,
            row.who,
            row.path,
            row.indicator,
            row.action,
            row.old,
            row.new,
            row.prev_hash,
            null,
            "0123456789abcdef0123456789abcdef"
        ])
        .to_string();
        assert_eq!(row.hash(), hex::encode(Sha256::digest(as_value.as_bytes())));
    }
}

/// The actions a row can record, besides `evidence_removed` and `evidence_restored`
/// (src/store/removal.rs).
pub mod action {
    /// A value: an observation, N/A for a whole indicator, or (with a respondent) an
    /// interview answer; old and new as `Value::audit_text` writes them.
    pub const VALUE: &str = "value";
    pub const NOTE: &str = "note";
    pub const EVIDENCE: &str = "evidence";
    pub const FINALIZE: &str = "finalize";
    /// `new` is the reason.
    pub const REOPEN: &str = "reopen";
    /// A data value: old and new as [`super::data_text`] writes them, `""` for none.
    pub const DATA: &str = "data";
    /// `new` as [`super::respondent_text`] writes it; the row carries the uid.
    pub const RESPONDENT_ADD: &str = "respondent-add";
    /// `new` is the reason; the row carries the uid.
    pub const RESPONDENT_REMOVE: &str = "respondent-remove";
    /// `new` as [`super::followup_text`] writes it (kind and reference).
    pub const FOLLOWUP_ADD: &str = "followup-add";
    /// old and new as [`super::followup_status_text`] writes them (reference and status).
    pub const FOLLOWUP_SET: &str = "followup-set";
    pub const FOLLOWUP_CLOSE: &str = "followup-close";
    /// `new` is the reason.
    pub const FOLLOWUP_REOPEN: &str = "followup-reopen";
    /// A cycle made (issue 14): path `""`, the row's cycle is its code, `new` as
    /// [`super::cycle_text`] writes it (kind, year, the cycle it follows).
    pub const CYCLE_ADD: &str = "cycle-add";
    /// The cycle a cycle made without one follows, set when it is started: path `""`,
    /// `new` the followed cycle's code.
    pub const CYCLE_FOLLOWS: &str = "cycle-follows";
    /// The current cycle changed (`cycle open`, `cycle start`): path `""`, `old` and
    /// `new` the cycles' codes; the row's cycle is the new one's (None for `default`).
    pub const CYCLE_OPEN: &str = "cycle-open";
    /// An answer carried from the previous cycle, to be re-checked: `old` `""`, `new`
    /// the value as [`VALUE`] writes it (with the respondent's uid for an interview
    /// answer).
    pub const CARRY: &str = "carry";
    /// A data value carried from the previous cycle: `new` as [`DATA`] writes it.
    pub const CARRY_DATA: &str = "carry-data";
    /// A carried answer confirmed as it is: `old` and `new` the value (as [`VALUE`] or,
    /// for a data value, [`DATA`] writes it).
    pub const CONFIRM: &str = "confirm";
}

/// A cycle as its `cycle-add` row writes it: `mentoring 2026`, `assessment -` (no year),
/// `assessment 2026 follows 2026-pendampingan`.
pub fn cycle_text(kind: &str, year: Option<i32>, follows: Option<&str>) -> String {
    let year = year.map_or("-".to_string(), |y| y.to_string());
    match follows {
        Some(f) => format!("{kind} {year} follows {f}"),
        None => format!("{kind} {year}"),
    }
}

/// A respondent as its `respondent-add` row writes it: `pelaksana 3`, or with a position
/// label `pelaksana 3: Kepala Dinas`.
pub fn respondent_text(role: &str, number: u32, label: &str) -> String {
    if label.is_empty() {
        format!("{role} {number}")
    } else {
        format!("{role} {number}: {label}")
    }
}

/// A data value as its `data` row writes it: `82.35 (KemenPAN-RB, IKM 2024)`.
pub fn data_text(amount: &str, source: &str) -> String {
    format!("{amount} ({source})")
}

/// The amount of a [`data_text`] (`""` for none).
pub fn data_amount(text: &str) -> &str {
    text.split_once(" (").map_or(text, |(a, _)| a)
}

/// A follow-up item as its `followup-add` row writes it: `lahp: 0123/LAHP/2024`.
pub fn followup_text(kind: &str, reference: &str) -> String {
    format!("{kind}: {reference}")
}

/// A follow-up item's status as its `followup-set` row writes it:
/// `0123/LAHP/2024: completed`.
pub fn followup_status_text(reference: &str, status: &str) -> String {
    format!("{reference}: {status}")
}

/// One respondent as the log (or the tables) say it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayedRespondent {
    /// As [`respondent_text`] writes it.
    pub added: String,
    /// The reason it was removed, if it was.
    pub removed: Option<String>,
}

/// What the audit log says one node is, replayed row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Indicator -> the value as logged (`Value::audit_text`).
    pub values: std::collections::HashMap<String, String>,
    /// Indicator -> the note.
    pub notes: std::collections::HashMap<String, String>,
    /// Indicator -> how many evidence references were added (less those removed).
    pub evidence: std::collections::HashMap<String, u32>,
    pub finalized: bool,
    /// (respondent uid, indicator) -> the interview answer as logged.
    pub answers: std::collections::HashMap<(String, String), String>,
    /// Indicator -> the data value as logged ([`data_text`]).
    pub data: std::collections::HashMap<String, String>,
    /// Respondent uid -> the respondent.
    pub respondents: std::collections::BTreeMap<String, ReplayedRespondent>,
    /// An agency's follow-up items: reference -> (kind, status).
    pub followups: std::collections::BTreeMap<String, (String, String)>,
    /// Whether an agency's follow-up register is closed.
    pub register_closed: bool,
    /// The answers carried from the previous cycle and not confirmed or changed since:
    /// (respondent uid, `""` for the node's own cell; indicator).
    pub carried: std::collections::BTreeSet<(String, String)>,
}

/// Replays audit rows in order and checks that each follows from the rows before it:
/// a value, note or data row changes it from what the log last left it at, an answer is
/// given by a respondent the log added and did not remove, nothing changes a finalized
/// node, finalizing and reopening alternate, a follow-up item is set from the status
/// the log left it at. A hash chain alone cannot see a row deleted (or two swapped) and
/// the chain rebuilt by someone holding the signing key; this can, unless the rows
/// removed cancel out.
#[derive(Debug, Default)]
pub struct Replay {
    /// By (cycle code, `""` for the cycle `default`; node path).
    nodes: std::collections::HashMap<(String, String), Replayed>,
    /// The cycles made (`default` aside): code -> as [`cycle_text`] writes it.
    cycles: std::collections::BTreeMap<String, String>,
    /// The current cycle's code, None for `default`.
    current: Option<String>,
}

impl Replay {
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Applies one row of the cycle `default` without a respondent (an export of
    /// format 1 carries no other).
    pub fn apply(
        &mut self,
        seq: i64,
        path: &str,
        indicator: Option<&str>,
        action: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), ChainBreak> {
        self.apply_at(seq, None, path, None, indicator, action, [old, new])
    }

    /// Applies one row.
    pub fn apply_row(&mut self, row: &AuditRow) -> Result<(), ChainBreak> {
        self.apply_row_ref(&row.as_ref())
    }

    /// [`Replay::apply_row`] of a borrowed row.
    pub fn apply_row_ref(&mut self, row: &AuditRowRef<'_>) -> Result<(), ChainBreak> {
        self.apply_at(
            row.seq,
            row.cycle,
            row.path,
            row.respondent,
            row.indicator,
            row.action,
            [row.old, row.new],
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_at(
        &mut self,
        seq: i64,
        cycle: Option<&str>,
        path: &str,
        respondent: Option<&str>,
        indicator: Option<&str>,
        action: &str,
        [old, new]: [Option<&str>; 2],
    ) -> Result<(), ChainBreak> {
        use action::*;
        let fail = |reason: String| ChainBreak { seq, reason };
        if matches!(action, CYCLE_ADD | CYCLE_FOLLOWS | CYCLE_OPEN) {
            return self.apply_cycle(seq, cycle, action, [old, new]);
        }
        let key = (cycle.unwrap_or_default().to_string(), path.to_string());
        let p = self.nodes.entry(key).or_default();
        let ind = indicator.unwrap_or_default();
        let shown = |s: &str| crate::domain::text::sanitize(s).into_owned();
        let deleted = "a row was deleted or reordered";
        if p.finalized
            && matches!(
                action,
                VALUE
                    | NOTE
                    | EVIDENCE
                    | "evidence_removed"
                    | "evidence_restored"
                    | DATA
                    | RESPONDENT_ADD
                    | RESPONDENT_REMOVE
                    | FOLLOWUP_ADD
                    | FOLLOWUP_SET
                    | FOLLOWUP_CLOSE
                    | FOLLOWUP_REOPEN
                    | CARRY
                    | CARRY_DATA
                    | CONFIRM
            )
        {
            return Err(fail(format!(
                "it changes {} {} while {} is finalized",
                shown(path),
                shown(ind),
                if path.matches('/').count() == 2 {
                    "the product"
                } else {
                    "the node"
                }
            )));
        }
        let old_text = old.unwrap_or("");
        let new_text = new.unwrap_or_default().to_string();
        let follows = |what: &str, before: &str| -> Result<(), ChainBreak> {
            if old_text == before {
                return Ok(());
            }
            Err(fail(format!(
                "it changes the {what} of {} {} from {:?}, but the rows before leave it at {:?}: {deleted}",
                shown(path),
                shown(ind),
                shown(old_text),
                shown(before)
            )))
        };
        match (action, respondent) {
            (VALUE, Some(uid)) => {
                match p.respondents.get(uid) {
                    Some(r) if r.removed.is_none() => {}
                    found => {
                        return Err(fail(format!(
                            "it records an answer of respondent {} at {}, which the rows before {}: {deleted}",
                            shown(uid),
                            shown(path),
                            if found.is_some() {
                                "remove"
                            } else {
                                "do not add"
                            }
                        )));
                    }
                }
                let k = (uid.to_string(), ind.to_string());
                follows(
                    "answer",
                    p.answers.get(&k).map(String::as_str).unwrap_or(""),
                )?;
                p.answers.insert(k.clone(), new_text);
                p.carried.remove(&k);
            }
            (VALUE | NOTE | DATA, _) => {
                let map = match action {
                    VALUE => &mut p.values,
                    NOTE => &mut p.notes,
                    _ => &mut p.data,
                };
                follows(action, map.get(ind).map(String::as_str).unwrap_or(""))?;
                map.insert(ind.to_string(), new_text);
                if action != NOTE {
                    p.carried.remove(&(String::new(), ind.to_string()));
                }
            }
            (CARRY | CARRY_DATA, uid) => {
                let k = (uid.unwrap_or_default().to_string(), ind.to_string());
                if let Some(uid) = uid
                    && p.respondents.get(uid).is_none_or(|r| r.removed.is_some())
                {
                    return Err(fail(format!(
                        "it carries an answer of respondent {} at {}, which the rows before do not add: {deleted}",
                        shown(uid),
                        shown(path)
                    )));
                }
                let before = match (action, uid) {
                    (CARRY_DATA, _) => p.data.get(ind).cloned(),
                    (_, Some(_)) => p.answers.get(&k).cloned(),
                    _ => p.values.get(ind).cloned(),
                }
                .unwrap_or_default();
                if !before.is_empty() || p.carried.contains(&k) {
                    return Err(fail(format!(
                        "it carries an answer into {} {}, which the rows before leave answered: {deleted}",
                        shown(path),
                        shown(ind)
                    )));
                }
                match (action, uid) {
                    (CARRY_DATA, _) => p.data.insert(ind.to_string(), new_text),
                    (_, Some(_)) => p.answers.insert(k.clone(), new_text),
                    _ => p.values.insert(ind.to_string(), new_text),
                };
                p.carried.insert(k);
            }
            (CONFIRM, uid) => {
                let k = (uid.unwrap_or_default().to_string(), ind.to_string());
                if !p.carried.contains(&k) {
                    return Err(fail(format!(
                        "it confirms {} {}, which the rows before leave without a carried answer: {deleted}",
                        shown(path),
                        shown(ind)
                    )));
                }
                let held = match uid {
                    Some(_) => p.answers.get(&k).cloned(),
                    None => p
                        .data
                        .get(ind)
                        .filter(|t| !t.is_empty())
                        .or_else(|| p.values.get(ind))
                        .cloned(),
                }
                .unwrap_or_default();
                follows("carried answer", &held)?;
                p.carried.remove(&k);
            }
            (EVIDENCE | "evidence_restored", _) => {
                *p.evidence.entry(ind.to_string()).or_default() += 1
            }
            ("evidence_removed", _) => {
                let n = p.evidence.entry(ind.to_string()).or_default();
                if *n == 0 {
                    return Err(fail(format!(
                        "it removes evidence of {} {}, which the rows before leave without any: {deleted}",
                        shown(path),
                        shown(ind)
                    )));
                }
                *n -= 1;
            }
            (FINALIZE | REOPEN, _) => {
                let finalize = action == FINALIZE;
                if p.finalized == finalize {
                    return Err(fail(format!(
                        "it {} {}, which the rows before leave {}: {deleted}",
                        if finalize { "finalizes" } else { "reopens" },
                        shown(path),
                        if finalize { "finalized" } else { "open" }
                    )));
                }
                p.finalized = finalize;
            }
            (RESPONDENT_ADD | RESPONDENT_REMOVE, uid) => {
                let uid = uid.unwrap_or_default();
                let held = p.respondents.get_mut(uid);
                match (action, held) {
                    (RESPONDENT_ADD, None) => {
                        p.respondents.insert(
                            uid.to_string(),
                            ReplayedRespondent {
                                added: new_text,
                                removed: None,
                            },
                        );
                    }
                    (RESPONDENT_REMOVE, Some(r)) if r.removed.is_none() => {
                        r.removed = Some(new_text);
                    }
                    (_, held) => {
                        return Err(fail(format!(
                            "it {} respondent {} at {}, which the rows before {}: {deleted}",
                            if action == RESPONDENT_ADD {
                                "adds"
                            } else {
                                "removes"
                            },
                            shown(uid),
                            shown(path),
                            match held {
                                Some(_) if action == RESPONDENT_ADD => "add already",
                                Some(_) => "remove already",
                                None => "do not add",
                            }
                        )));
                    }
                }
            }
            (FOLLOWUP_ADD | FOLLOWUP_SET | FOLLOWUP_CLOSE | FOLLOWUP_REOPEN, _) => {
                let closing = matches!(action, FOLLOWUP_CLOSE | FOLLOWUP_REOPEN);
                if closing && p.register_closed == (action == FOLLOWUP_CLOSE) {
                    return Err(fail(format!(
                        "it {} the follow-up register of {}, which the rows before leave {}: {deleted}",
                        if action == FOLLOWUP_CLOSE {
                            "closes"
                        } else {
                            "reopens"
                        },
                        shown(path),
                        if p.register_closed { "closed" } else { "open" }
                    )));
                }
                if !closing && p.register_closed {
                    return Err(fail(format!(
                        "it changes the follow-up register of {}, which the rows before leave closed: {deleted}",
                        shown(path)
                    )));
                }
                match action {
                    FOLLOWUP_CLOSE => p.register_closed = true,
                    FOLLOWUP_REOPEN => p.register_closed = false,
                    FOLLOWUP_ADD => {
                        let (kind, reference) = new_text.split_once(": ").unwrap_or(("", ""));
                        if p.followups.contains_key(reference) {
                            return Err(fail(format!(
                                "it adds follow-up {} to {}, which the rows before add already: {deleted}",
                                shown(reference),
                                shown(path)
                            )));
                        }
                        p.followups
                            .insert(reference.to_string(), (kind.to_string(), "open".into()));
                    }
                    _ => {
                        let (reference, status) = new_text.rsplit_once(": ").unwrap_or(("", ""));
                        let before = p
                            .followups
                            .get(reference)
                            .map(|(_, s)| followup_status_text(reference, s));
                        let Some(before) = before else {
                            return Err(fail(format!(
                                "it sets follow-up {} of {}, which the rows before do not add: {deleted}",
                                shown(reference),
                                shown(path)
                            )));
                        };
                        follows("status", &before)?;
                        if let Some(item) = p.followups.get_mut(reference) {
                            item.1 = status.to_string();
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A row about a cycle: made, given the cycle it follows, opened.
    fn apply_cycle(
        &mut self,
        seq: i64,
        cycle: Option<&str>,
        action: &str,
        [old, new]: [Option<&str>; 2],
    ) -> Result<(), ChainBreak> {
        use action::*;
        let shown = |s: &str| crate::domain::text::sanitize(s).into_owned();
        let fail = |reason: String| {
            Err(ChainBreak {
                seq,
                reason: format!("{reason}: a row was deleted or reordered"),
            })
        };
        let code = cycle.unwrap_or(super::DEFAULT_CYCLE);
        let known = |c: &str, cycles: &std::collections::BTreeMap<String, String>| {
            c == super::DEFAULT_CYCLE || cycles.contains_key(c)
        };
        let new_text = new.unwrap_or_default();
        match action {
            CYCLE_ADD => {
                if known(code, &self.cycles) {
                    return fail(format!(
                        "it makes cycle {}, which the rows before make already",
                        shown(code)
                    ));
                }
                self.cycles.insert(code.to_string(), new_text.to_string());
            }
            CYCLE_FOLLOWS => {
                let Some(text) = self.cycles.get_mut(code) else {
                    return fail(format!(
                        "it sets the cycle {} follows, which the rows before do not make",
                        shown(code)
                    ));
                };
                if text.contains(" follows ") {
                    return fail(format!(
                        "it sets the cycle {} follows, which the rows before set already",
                        shown(code)
                    ));
                }
                text.push_str(" follows ");
                text.push_str(new_text);
            }
            _ => {
                let current = self.current.as_deref().unwrap_or(super::DEFAULT_CYCLE);
                if old.unwrap_or_default() != current
                    || !known(code, &self.cycles)
                    || new_text != code
                {
                    return fail(format!(
                        "it opens cycle {} after {}, but the rows before leave {} current",
                        shown(new_text),
                        shown(old.unwrap_or_default()),
                        shown(current)
                    ));
                }
                self.current = cycle.map(str::to_string);
            }
        }
        Ok(())
    }

    /// The cycles the log makes (`default` aside): code -> kind, year and the cycle it
    /// follows, as [`cycle_text`] writes them.
    pub fn cycles(&self) -> &std::collections::BTreeMap<String, String> {
        &self.cycles
    }

    /// The current cycle the log leaves (`default` when no row opened another).
    pub fn current_cycle(&self) -> &str {
        self.current.as_deref().unwrap_or(super::DEFAULT_CYCLE)
    }

    /// The replayed state of a node of the cycle `default` (None if the log never names
    /// it).
    pub fn product(&self, path: &str) -> Option<&Replayed> {
        self.nodes.get(&(String::new(), path.to_string()))
    }

    /// The replayed state of a node of a cycle (None for `default`).
    pub fn node(&self, cycle: Option<&str>, path: &str) -> Option<&Replayed> {
        self.nodes
            .get(&(cycle.unwrap_or_default().to_string(), path.to_string()))
    }

    /// Every node the log names, by (cycle code, `""` for `default`; path).
    pub fn nodes(&self) -> impl Iterator<Item = (&(String, String), &Replayed)> {
        self.nodes.iter()
    }
}
