//! Published scores of past years (schema 0010, `history_score`): importing a history
//! file (one transaction, all or nothing, idempotent; on a central database a row of
//! its own log, as an assignment import), the scores read back for `patuh history list`
//! and the trends of the reports, and the current cycle (schema 0007), the trend's
//! newest point.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::cycles::CycleRow;
use super::{Result, Store, StoreError, central_log};
use crate::domain::history::Line;
use crate::domain::scoring::Rounded;

/// The action of a history import's row in the central log.
pub const HISTORY: &str = "history";

/// One published score held, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub agency: String,
    /// The agency's name in this database (None if the agency is no longer there).
    pub name: Option<String>,
    pub year: i32,
    pub score: Rounded,
    pub category: String,
    pub imported_at: String,
    pub imported_by: String,
    /// The file it was imported from, as given.
    pub source: String,
}

/// What importing a history file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryOutcome {
    pub added: usize,
    /// Scores held before with another value, replaced (`--replace`); the old rows
    /// are kept, marked replaced.
    pub replaced: usize,
    /// Scores held already with the same value and category.
    pub unchanged: usize,
}

impl HistoryOutcome {
    pub fn changed(&self) -> bool {
        self.added + self.replaced > 0
    }
}

/// A score held for an agency and year: (row id, score, category, source, imported at).
type Held = (i64, i64, String, String, String);

impl Store {
    /// Imports the published scores of a history file (`file` as given, `sha256` of its
    /// bytes) in one transaction. Refused whole, changing nothing, when a line names an
    /// agency the database does not hold, or gives another score or category for an
    /// agency and year already held (unless `replace`: the held row is then kept,
    /// marked replaced, and the file's takes its place). The same file again changes
    /// nothing.
    pub fn import_history(
        &mut self,
        lines: &[Line],
        file: &str,
        sha256: &str,
        replace: bool,
    ) -> Result<HistoryOutcome> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let agencies: HashMap<String, ()> = tx
            .prepare("SELECT code FROM agency")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .map(|c| c.map(|c| (c, ())))
                    .collect()
            })
            .map_err(sql)?;
        let mut problems = Vec::new();
        let mut out = HistoryOutcome::default();
        for Line { line, score: s } in lines {
            if !agencies.contains_key(&s.agency) {
                problems.push(format!(
                    "line {line}: agency {} is not in {}: import the assignment that names it first \
                     (`patuh assignment import FILE`), or remove the line",
                    s.agency,
                    path.display()
                ));
                continue;
            }
            let held: Option<Held> = tx
                .query_row(
                    "SELECT id, score, category, source, imported_at FROM history_score
                     WHERE agency_code = ?1 AND year = ?2 AND replaced_at IS NULL",
                    params![s.agency, s.year],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()
                .map_err(sql)?;
            match held {
                Some((_, score, category, _, _))
                    if score == s.score.0 && category == s.category =>
                {
                    out.unchanged += 1;
                    continue;
                }
                Some((id, _, _, _, _)) if replace => {
                    tx.execute(
                        "UPDATE history_score SET replaced_at = ?1 WHERE id = ?2",
                        params![now, id],
                    )
                    .map_err(sql)?;
                    out.replaced += 1;
                }
                Some((_, score, category, source, at)) => {
                    problems.push(format!(
                        "line {line}: agency {} {} is held as {} ({}) from {source} (imported {at}), \
                         this file says {} ({}): pass --replace to take this file's scores, or fix the line",
                        s.agency,
                        s.year,
                        Rounded(score),
                        shown(&category),
                        s.score,
                        shown(&s.category)
                    ));
                    continue;
                }
                None => out.added += 1,
            }
            tx.execute(
                "INSERT INTO history_score
                     (agency_code, year, score, category, imported_at, imported_by, source, source_sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![s.agency, s.year, s.score.0, s.category, now, who, file, sha256],
            )
            .map_err(sql)?;
        }
        if !problems.is_empty() {
            // The transaction is rolled back when dropped: nothing was imported.
            return Err(StoreError::Refused(format!(
                "{file}: {} problem(s); nothing was imported:\n{}",
                problems.len(),
                problems
                    .iter()
                    .map(|p| format!("  {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )));
        }
        if out.changed() && central_log::exists(&tx).map_err(sql)? {
            central_log::append(
                &tx,
                &now,
                HISTORY,
                file,
                sha256,
                &format!("{} added, {} replaced", out.added, out.replaced),
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        tracing::info!(
            file,
            added = out.added,
            replaced = out.replaced,
            "history imported"
        );
        Ok(out)
    }

    /// The published scores in force (replaced ones left out), of one agency or all, by
    /// agency code then year.
    pub fn history(&self, agency: Option<&str>) -> Result<Vec<HistoryRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT h.agency_code, a.name, h.year, h.score, h.category, h.imported_at,
                        h.imported_by, h.source
                 FROM history_score h LEFT JOIN agency a ON a.code = h.agency_code
                 WHERE h.replaced_at IS NULL AND (?1 IS NULL OR h.agency_code = ?1)
                 ORDER BY h.agency_code, h.year",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([agency], |r| {
            Ok(HistoryRow {
                agency: r.get(0)?,
                name: r.get(1)?,
                year: r.get(2)?,
                score: Rounded(r.get(3)?),
                category: r.get(4)?,
                imported_at: r.get(5)?,
                imported_by: r.get(6)?,
                source: r.get(7)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// The cycle this store works on: the current one (`meta('cycle.current')`), or the
    /// one `--cycle` chose ([`Store::use_cycle`]).
    pub fn current_cycle_row(&self) -> Result<CycleRow> {
        self.cycle_by_code(&self.cycle.code)
    }
}

/// A category as a message shows it (`-` when none was published).
fn shown(category: &str) -> &str {
    if category.is_empty() { "-" } else { category }
}
