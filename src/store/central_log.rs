//! The central database's own hash chain (`central_log`, schema 0006): every change
//! it makes, in order — made central, a file merged (which file, its payload's
//! SHA-256, when), an instrument or an assignment imported, a central assignment set —
//! each row carrying the hash of the one before and of its own content, as the
//! workstation's audit log does. `check` verifies the chain and that it accounts for
//! every merged file and every instrument (src/store/mod.rs, `Store::check`).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::audit::{ChainBreak, GENESIS};

/// One row's content, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub subject: String,
    pub sha256: String,
    pub detail: String,
    pub prev_hash: String,
}

impl LogRow {
    /// SHA-256 of the compact JSON array of every field.
    pub fn hash(&self) -> String {
        let content = serde_json::to_vec(&(
            self.seq,
            &self.at,
            &self.action,
            &self.subject,
            &self.sha256,
            &self.detail,
            &self.prev_hash,
        ))
        .unwrap_or_default();
        hex::encode(Sha256::digest(&content))
    }
}

/// Actions of the log.
pub const CENTRAL: &str = "central";
pub const MERGE: &str = "merge";
pub const INSTRUMENT: &str = "instrument";
pub const ASSIGNMENT: &str = "assignment";
pub const ASSIGN: &str = "assign";

/// Appends one row; call inside the change's transaction.
pub fn append(
    conn: &Connection,
    at: &str,
    action: &str,
    subject: &str,
    sha256: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    let last: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM central_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let row = LogRow {
        seq,
        at: at.into(),
        action: action.into(),
        subject: subject.into(),
        sha256: sha256.into(),
        detail: detail.into(),
        prev_hash,
    };
    let hash = row.hash();
    conn.prepare_cached(
        "INSERT INTO central_log (seq, at, action, subject, sha256, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        row.seq,
        row.at,
        row.action,
        row.subject,
        row.sha256,
        row.detail,
        row.prev_hash,
        hash
    ])?;
    Ok(())
}

/// Every row with its stored hash, in order.
pub fn rows(conn: &Connection) -> rusqlite::Result<Vec<(LogRow, String)>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, action, subject, sha256, detail, prev_hash, hash FROM central_log ORDER BY seq",
    )?;
    stmt.query_map([], |r| {
        Ok((
            LogRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                action: r.get(2)?,
                subject: r.get(3)?,
                sha256: r.get(4)?,
                detail: r.get(5)?,
                prev_hash: r.get(6)?,
            },
            r.get(7)?,
        ))
    })?
    .collect()
}

/// Where the chain of `rows` breaks, if it does.
fn broken(rows: &[(LogRow, String)]) -> Option<ChainBreak> {
    let mut prev = GENESIS.to_string();
    for (n, (row, stored)) in rows.iter().enumerate() {
        let fail = |reason: &str| {
            Some(ChainBreak {
                seq: row.seq,
                reason: reason.to_string(),
            })
        };
        if row.seq != n as i64 + 1 {
            return fail(&format!(
                "expected row {} here: a row was deleted or reordered",
                n + 1
            ));
        }
        if row.prev_hash != prev {
            return fail("it does not follow the previous row");
        }
        if row.hash() != *stored {
            return fail("its content does not match its hash");
        }
        prev.clone_from(stored);
    }
    None
}

/// The problems of a central database's own log, one line each: its chain, and that
/// it accounts for every merged file (one `merge` row per file, in the order merged,
/// with its payload's SHA-256) and for every instrument (one `instrument` row).
pub fn check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let rows = rows(conn)?;
    let named = |b: ChainBreak| {
        format!(
            "central log broken at row {}: {} (the central database's history was edited)",
            b.seq, b.reason
        )
    };
    if let Some(b) = broken(&rows) {
        return Ok(vec![named(b)]);
    }
    let mut problems = Vec::new();
    let merged: Vec<(String, String)> = conn
        .prepare("SELECT payload_sha256, file_name FROM import_file ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let logged: Vec<&LogRow> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r.action == MERGE)
        .collect();
    let shas: Vec<&str> = logged.iter().map(|r| r.sha256.as_str()).collect();
    let files: Vec<&str> = merged.iter().map(|(s, _)| s.as_str()).collect();
    if shas != files {
        let first = (0..shas.len().max(files.len()))
            .find(|&i| shas.get(i) != files.get(i))
            .unwrap_or(0);
        problems.push(match (logged.get(first), merged.get(first)) {
            (Some(row), _) if !files.contains(&row.sha256.as_str()) => format!(
                "central log row {} records the merge of {} (payload sha256 {}), which the import log does not hold: \
                 a merged file was removed",
                row.seq, row.subject, row.sha256
            ),
            (_, Some((sha, name))) if !shas.contains(&sha.as_str()) => format!(
                "merged file {name} (payload sha256 {sha}) has no row in the central log: it was added outside patuh"
            ),
            _ => format!(
                "the central log and the import log list the merged files in another order (from the {}th on): \
                 edited outside patuh",
                first + 1
            ),
        });
    }
    let instruments: Vec<(String, String, String)> = conn
        .prepare("SELECT code, version, sha256 FROM instrument ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let imported: HashMap<&str, &str> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r.action == INSTRUMENT)
        .map(|r| (r.subject.as_str(), r.sha256.as_str()))
        .collect();
    for (code, version, sha) in &instruments {
        let subject = instrument_subject(code, version);
        if imported.get(subject.as_str()) != Some(&sha.as_str()) {
            problems.push(format!(
                "instrument {code} version {version} (sha256 {sha}) has no row in the central log: \
                 it was added or changed outside patuh (import instruments with `patuh instrument import`)"
            ));
        }
    }
    Ok(problems)
}

/// The subject of an instrument's row: `ID VERSION`.
pub fn instrument_subject(code: &str, version: &str) -> String {
    format!("{code} {version}")
}

/// Whether the database has a central log (it is, or was made, central).
pub fn exists(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM central_log)", [], |r| {
        r.get(0)
    })
}

/// Migration 0006's hook: a central database made before it gets the rows its history
/// would have written (made central, each instrument, each merged file, in order).
pub fn backfill(conn: &Connection) -> rusqlite::Result<()> {
    let central: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'role' AND value = 'central')
             OR EXISTS (SELECT 1 FROM import_file)",
        [],
        |r| r.get(0),
    )?;
    if !central || exists(conn)? {
        return Ok(());
    }
    let first: Option<String> = conn.query_row(
        "SELECT min(at) FROM (SELECT min(imported_at) AS at FROM instrument
                              UNION ALL SELECT min(merged_at) FROM import_file)",
        [],
        |r| r.get(0),
    )?;
    append(
        conn,
        first.as_deref().unwrap_or(""),
        CENTRAL,
        "",
        "",
        "made central before schema 0006",
    )?;
    let instruments: Vec<(String, String, String, String)> = conn
        .prepare("SELECT code, version, sha256, imported_at FROM instrument ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (code, version, sha, at) in instruments {
        append(
            conn,
            &at,
            INSTRUMENT,
            &instrument_subject(&code, &version),
            &sha,
            "",
        )?;
    }
    let files: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT merged_at, file_name, payload_sha256, assessor_id FROM import_file ORDER BY id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (at, name, sha, assessor) in files {
        append(conn, &at, MERGE, &name, &sha, &assessor)?;
    }
    Ok(())
}
