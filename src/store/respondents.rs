//! The people interviewed at a node (schema 0009: `respondent`): added with the next
//! number of their role at the node, listed, removed with a reason (kept, audited,
//! never deleted). A respondent is a position or a number, never a name (Law 27/2022 on
//! personal data protection): `label` holds a position at most. Each change is one
//! `BEGIN IMMEDIATE` transaction with its audit row, which carries the respondent's
//! uid. Answers of respondents are recorded through `observe.rs`.

use rusqlite::{OptionalExtension, params};

use super::audit::{self, Entry, action, respondent_text};
use super::nodes::{Node, ensure_open, level_code};
use super::observe::WriteTx;
use super::{Result, Store, StoreError};
use crate::domain::Instrument;

/// The longest position label: a position, not a biography.
pub const MAX_LABEL_CHARS: usize = 80;

/// When, by whom and why a respondent was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub at: String,
    pub by: String,
    pub reason: String,
}

/// One respondent as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespondentRow {
    /// Its row id (the `respondent` column of its answers).
    pub id: i64,
    /// 128-bit random id in lowercase hex, the same in every export and merge.
    pub uid: String,
    /// The role's id in the instrument.
    pub role: String,
    /// 1, 2, ... among the respondents of its role at its node (never given twice).
    pub number: u32,
    /// A position at most, `""` for none.
    pub label: String,
    pub added_at: String,
    pub added_by: String,
    pub removed: Option<Removal>,
}

const COLUMNS: &str =
    "id, uid, role, number, label, added_at, added_by, removed_at, removed_by, removed_reason";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RespondentRow> {
    let removed_at: Option<String> = r.get(7)?;
    Ok(RespondentRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        role: r.get(2)?,
        number: u32::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
        label: r.get(4)?,
        added_at: r.get(5)?,
        added_by: r.get(6)?,
        removed: match removed_at {
            Some(at) => Some(Removal {
                at,
                by: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                reason: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

/// A new respondent id: 128 random bits from the operating system, in hex.
pub(super) fn new_uid() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        StoreError::Refused(format!(
            "the operating system gave no random numbers for a respondent's id ({e}); nothing was changed"
        ))
    })?;
    Ok(hex::encode(bytes))
}

/// A position label as stored: trimmed, one line, short, no control characters.
pub fn clean_label(label: &str) -> std::result::Result<String, String> {
    let label = label.trim();
    if label.chars().any(char::is_control) {
        return Err(
            "a respondent's label is one line of text (a position such as \"Kepala Dinas\")".into(),
        );
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(format!(
            "a respondent's label is a position (at most {MAX_LABEL_CHARS} characters), never a name or a description"
        ));
    }
    Ok(label.to_string())
}

impl Store {
    /// Every respondent of a node in the current cycle, removed ones included, by role
    /// and number.
    pub fn respondents(&self, node: &Node) -> Result<Vec<RespondentRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM respondent
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 ORDER BY role, number"
            ))
            .map_err(|e| self.sql(e))?;
        stmt.query_map(
            params![self.cycle.id, level_code(node.level), node.db_id],
            read,
        )
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// The respondents of the nodes `nodes` names (a `WITH nodes (level, node_id)`
    /// clause over `?2`, `agency`), each with its level and node, by node, role and
    /// number: [`Store::respondents`] for a whole agency in one query.
    pub(super) fn respondents_under(
        &self,
        agency: i64,
        nodes: &str,
    ) -> Result<Vec<(i64, i64, RespondentRow)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{nodes} SELECT {COLUMNS}, x.level, x.node_id FROM nodes n CROSS
                 JOIN respondent x ON x.cycle_id = ?1 AND x.level = n.level AND x.node_id = n.node_id
                 ORDER BY x.level, x.node_id, x.role, x.number"
            ))
            .map_err(|e| self.sql(e))?;
        stmt.query_map(params![self.cycle.id, agency], |r| {
            Ok((r.get(10)?, r.get(11)?, read(r)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// Respondent `number` of `role` at a node, removed or not; refused (naming the
    /// numbers there are) when there is none.
    pub fn respondent(&self, node: &Node, role: &str, number: u32) -> Result<RespondentRow> {
        let all = self.respondents(node)?;
        if let Some(r) = all.iter().find(|r| r.role == role && r.number == number) {
            return Ok(r.clone());
        }
        let numbers: Vec<String> = all
            .iter()
            .filter(|r| r.role == role)
            .map(|r| r.number.to_string())
            .collect();
        Err(StoreError::Refused(format!(
            "{}: there is no {role} {number} ({}); see `patuh respondent list {}`, or add one with \
             `patuh respondent add {} --role {role}`; nothing was changed",
            node.path,
            if numbers.is_empty() {
                format!("no {role} was added there")
            } else {
                format!("{role} numbers there: {}", numbers.join(", "))
            },
            node.path,
            node.path
        )))
    }

    /// Adds a respondent of `role` at a node, with the next number of that role there
    /// (removed ones keep theirs) and a new random uid. Refused, changing nothing: a
    /// role the instrument does not have or interviews at another level, a label that
    /// is not a short position, a finalized node.
    pub fn add_respondent(
        &mut self,
        node: &Node,
        instrument: &Instrument,
        role: &str,
        label: &str,
    ) -> Result<RespondentRow> {
        let Some(r) = instrument.roles.iter().find(|r| r.id == role) else {
            let known: Vec<String> = instrument
                .roles
                .iter()
                .filter(|r| r.level == node.level)
                .map(|r| r.id.clone())
                .collect();
            return Err(StoreError::Refused(format!(
                "{}: instrument {} has no role {role:?} ({}); nothing was changed",
                node.path,
                instrument.id,
                if known.is_empty() {
                    format!("it interviews nobody per {}", node.level)
                } else {
                    format!("per {} it interviews {}", node.level, known.join(", "))
                }
            )));
        };
        if r.level != node.level {
            return Err(StoreError::Refused(format!(
                "{}: role {role} is interviewed per {}, not per {}: give the path of a {}; nothing was changed",
                node.path, r.level, node.level, r.level
            )));
        }
        let label = clean_label(label)
            .map_err(|e| StoreError::Refused(format!("{}: {e}; nothing was changed", node.path)))?;
        let uid = new_uid()?;
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, node, &path)?;
        let level = level_code(node.level);
        let number: i64 = tx
            .prepare_cached(
                "SELECT coalesce(max(number), 0) + 1 FROM respondent
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND role = ?4",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![cycle.id, level, node.db_id, role], |r| r.get(0))
            })
            .map_err(sql)?;
        let number = u32::try_from(number).unwrap_or(u32::MAX);
        tx.prepare_cached(
            "INSERT INTO respondent (uid, cycle_id, level, node_id, role, number, label, added_at, added_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                uid,
                cycle.id,
                level,
                node.db_id,
                role,
                number,
                label,
                now,
                who
            ])
        })
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &node.path,
                action: action::RESPONDENT_ADD,
                new: Some(&respondent_text(role, number, &label)),
                cycle: cycle.audit_code(),
                respondent: Some(&uid),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        tracing::info!(node = %node.path, role, number, "respondent added");
        Ok(RespondentRow {
            id,
            uid,
            role: role.to_string(),
            number,
            label,
            added_at: now,
            added_by: who,
            removed: None,
        })
    }

    /// Removes respondent `number` of `role` at a node: its answers no longer count;
    /// it is kept (with when, by whom and why), and its number is not given again.
    /// Refused, changing nothing: no such respondent, one removed already, no reason,
    /// a finalized node.
    pub fn remove_respondent(
        &mut self,
        node: &Node,
        role: &str,
        number: u32,
        reason: &str,
    ) -> Result<RespondentRow> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Refused(format!(
                "{}: removing {role} {number} needs a reason (--reason \"...\"); nothing was changed",
                node.path
            )));
        }
        let held = self.respondent(node, role, number)?;
        if let Some(r) = &held.removed {
            return Err(StoreError::Refused(format!(
                "{}: {role} {number} was removed already at {} by {} ({}); nothing was changed",
                node.path, r.at, r.by, r.reason
            )));
        }
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let cycle = self.cycle.clone();
        let sql = |e| super::classify(&path, e);
        let tx = WriteTx::begin(&self.conn).map_err(sql)?;
        ensure_open(&tx, cycle.id, node, &path)?;
        let changed = tx
            .prepare_cached(
                "UPDATE respondent SET removed_at = ?1, removed_by = ?2, removed_reason = ?3
                 WHERE id = ?4 AND removed_at IS NULL",
            )
            .and_then(|mut stmt| stmt.execute(params![now, who, reason, held.id]))
            .map_err(sql)?;
        if changed != 1 {
            return Err(StoreError::Refused(format!(
                "{}: {role} {number} was removed meanwhile; nothing was changed",
                node.path
            )));
        }
        audit::append(
            &tx,
            &Entry {
                at: &now,
                who: &who,
                path: &node.path,
                action: action::RESPONDENT_REMOVE,
                new: Some(reason),
                cycle: cycle.audit_code(),
                respondent: Some(&held.uid),
                ..Entry::default()
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        tracing::info!(node = %node.path, role, number, "respondent removed");
        Ok(RespondentRow {
            removed: Some(Removal {
                at: now,
                by: who,
                reason: reason.to_string(),
            }),
            ..held
        })
    }

    /// The answers of one respondent that count, by indicator id: (value, na). Those
    /// carried from the previous cycle and not confirmed yet are
    /// [`Store::respondent_carried`].
    pub fn respondent_answers(
        &self,
        node: &Node,
        respondent: &RespondentRow,
    ) -> Result<Vec<(String, crate::domain::Value)>> {
        self.respondent_values(node, respondent, false)
    }

    /// The answers of one respondent carried from the previous cycle, to be re-checked,
    /// by indicator id.
    pub fn respondent_carried(
        &self,
        node: &Node,
        respondent: &RespondentRow,
    ) -> Result<Vec<(String, crate::domain::Value)>> {
        self.respondent_values(node, respondent, true)
    }

    fn respondent_values(
        &self,
        node: &Node,
        respondent: &RespondentRow,
        carried: bool,
    ) -> Result<Vec<(String, crate::domain::Value)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT indicator, value, na FROM answer
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND respondent = ?4
                   AND carried = ?5
                 ORDER BY indicator",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map(
            params![
                self.cycle.id,
                level_code(node.level),
                node.db_id,
                respondent.id,
                i64::from(carried)
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    super::observe::value_from(r.get(1)?, r.get::<_, i64>(2)? != 0),
                ))
            },
        )
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// The respondent with this uid at a node, if any.
    pub fn respondent_by_uid(&self, node: &Node, uid: &str) -> Result<Option<RespondentRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM respondent
                 WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND uid = ?4"
            ))
            .and_then(|mut stmt| {
                stmt.query_row(
                    params![self.cycle.id, level_code(node.level), node.db_id, uid],
                    read,
                )
                .optional()
            })
            .map_err(|e| self.sql(e))
    }
}
