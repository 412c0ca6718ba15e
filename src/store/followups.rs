//! An agency's follow-up register (schema 0009: `followup`, `followup_register`): what
//! the Ombudsman issued to it (LAHP corrective actions, LHA suggestions, improvement
//! suggestions, recommendations), where each stands, and whether the register is
//! closed; the 2025 opinion's qualifier ("Tanpa Maladministrasi") follows from it
//! (`domain::followup`). Each change is one `BEGIN IMMEDIATE` transaction with its
//! audit row; a closed register or a finalized agency refuses changes.

use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, Entry, action, followup_status_text, followup_text};
use super::nodes::{Cycle, Node, ensure_open};
use super::observe::WriteTx;
use super::{Result, Store, StoreError};
use crate::domain::followup::{FollowUpItem, FollowUpKind, FollowUpRegister, FollowUpStatus};
use crate::domain::instrument::NodeLevel;

/// The longest reference of a follow-up item.
pub const MAX_REF_CHARS: usize = 120;

fn agency_only(node: &Node) -> Result<()> {
    if node.level != NodeLevel::Agency {
        return Err(StoreError::Refused(format!(
            "{}: a follow-up register belongs to an agency: give the agency's code ({}); nothing was changed",
            node.path,
            node.path.split('/').next().unwrap_or_default()
        )));
    }
    Ok(())
}

/// When and by whom the register was closed, if it is.
fn closed(
    conn: &Connection,
    cycle: i64,
    agency: i64,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT closed_at, closed_by FROM followup_register WHERE cycle_id = ?1 AND agency_id = ?2",
    )?
    .query_row(params![cycle, agency], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// A change of a follow-up register in progress: the transaction is open.
struct Change<'s> {
    tx: WriteTx<'s>,
    cycle: Cycle,
    now: String,
    who: String,
    path: std::path::PathBuf,
}

impl Change<'_> {
    fn sql(&self, e: rusqlite::Error) -> StoreError {
        super::classify(&self.path, e)
    }

    fn log(&self, node: &Node, action: &str, old: Option<&str>, new: Option<&str>) -> Result<()> {
        audit::append(
            &self.tx,
            &Entry {
                at: &self.now,
                who: &self.who,
                path: &node.path,
                action,
                old,
                new,
                cycle: self.cycle.audit_code(),
                ..Entry::default()
            },
        )
        .map_err(|e| self.sql(e))
    }

    /// Refuses a change of a closed register.
    fn refuse_closed(&self, node: &Node) -> Result<()> {
        match closed(&self.tx, self.cycle.id, node.db_id).map_err(|e| self.sql(e))? {
            Some((at, by)) => Err(StoreError::Refused(format!(
                "{}: the follow-up register was closed at {at} by {by}; reopen it first \
                 (`patuh followup reopen {} --reason TEXT`); nothing was changed",
                node.path, node.path
            ))),
            None => Ok(()),
        }
    }

    fn commit(self) -> Result<()> {
        let path = self.path.clone();
        self.tx.commit().map_err(|e| super::classify(&path, e))
    }
}

impl Store {
    fn followup_change(&self, node: &Node) -> Result<Change<'_>> {
        agency_only(node)?;
        let tx = WriteTx::begin(&self.conn).map_err(|e| self.sql(e))?;
        ensure_open(&tx, self.cycle.id, node, &self.path)?;
        Ok(Change {
            tx,
            cycle: self.cycle.clone(),
            now: self.now(),
            who: self.who.clone(),
            path: self.path.clone(),
        })
    }

    /// The follow-up register of an agency in the current cycle (empty and open until
    /// something is entered).
    pub fn followups(&self, agency: &Node) -> Result<FollowUpRegister> {
        agency_only(agency)?;
        let sql = |e| self.sql(e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kind, ref, status FROM followup WHERE cycle_id = ?1 AND agency_id = ?2 ORDER BY id",
            )
            .map_err(sql)?;
        let rows: Vec<(String, String, String)> = stmt
            .query_map(params![self.cycle.id, agency.db_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(sql)?;
        let corrupt = |e: String| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("follow-up of {}: {e}", agency.path),
        };
        let mut items = Vec::new();
        for (kind, reference, status) in rows {
            items.push(FollowUpItem {
                kind: kind.parse().map_err(corrupt)?,
                reference,
                status: status.parse().map_err(corrupt)?,
            });
        }
        let closed = closed(&self.conn, self.cycle.id, agency.db_id)
            .map_err(sql)?
            .is_some();
        Ok(FollowUpRegister { items, closed })
    }

    /// Adds an item (status `open`) to an agency's register. Refused, changing nothing:
    /// a node that is not an agency, an empty or over-long reference, a reference there
    /// already, a closed register, a finalized agency.
    pub fn followup_add(
        &mut self,
        agency: &Node,
        kind: FollowUpKind,
        reference: &str,
    ) -> Result<()> {
        let reference = reference.trim();
        if reference.is_empty()
            || reference.chars().count() > MAX_REF_CHARS
            || reference.chars().any(char::is_control)
        {
            return Err(StoreError::Refused(format!(
                "{}: a follow-up needs the reference of the report or letter (--ref \"0123/LAHP/2024\"), \
                 one line of at most {MAX_REF_CHARS} characters; nothing was changed",
                agency.path
            )));
        }
        let c = self.followup_change(agency)?;
        c.refuse_closed(agency)?;
        let inserted = c
            .tx
            .prepare_cached(
                "INSERT INTO followup (cycle_id, agency_id, kind, ref, status, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6)
                 ON CONFLICT (cycle_id, agency_id, ref) DO NOTHING",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    c.cycle.id,
                    agency.db_id,
                    kind.as_str(),
                    reference,
                    c.now,
                    c.who
                ])
            })
            .map_err(|e| c.sql(e))?;
        if inserted == 0 {
            return Err(StoreError::Refused(format!(
                "{}: follow-up {reference} is in the register already; change its status with \
                 `patuh followup set {} {reference:?} --status ...`; nothing was changed",
                agency.path, agency.path
            )));
        }
        c.log(
            agency,
            action::FOLLOWUP_ADD,
            None,
            Some(&followup_text(kind.as_str(), reference)),
        )?;
        c.commit()
    }

    /// Sets the status of an item; returns the status it had (the same: nothing
    /// changed, nothing audited). Refused, changing nothing: no such item, a closed
    /// register, a finalized agency.
    pub fn followup_set(
        &mut self,
        agency: &Node,
        reference: &str,
        status: FollowUpStatus,
    ) -> Result<FollowUpStatus> {
        let c = self.followup_change(agency)?;
        let old: Option<String> =
            c.tx.prepare_cached(
                "SELECT status FROM followup WHERE cycle_id = ?1 AND agency_id = ?2 AND ref = ?3",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![c.cycle.id, agency.db_id, reference], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| c.sql(e))?;
        let Some(old) = old else {
            let known: Vec<String> = self
                .followups(agency)?
                .items
                .into_iter()
                .map(|i| i.reference)
                .collect();
            return Err(StoreError::Refused(format!(
                "{}: no follow-up {reference:?} in the register ({}); add it with \
                 `patuh followup add {} --kind KIND --ref TEXT`; nothing was changed",
                agency.path,
                if known.is_empty() {
                    "it is empty".to_string()
                } else {
                    format!("it holds {}", known.join(", "))
                },
                agency.path
            )));
        };
        let old_status: FollowUpStatus = old.parse().map_err(|e: String| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("follow-up {reference} of {}: {e}", agency.path),
        })?;
        if old_status == status {
            return Ok(old_status);
        }
        c.refuse_closed(agency)?;
        c.tx.prepare_cached(
            "UPDATE followup SET status = ?1, updated_at = ?2, updated_by = ?3
             WHERE cycle_id = ?4 AND agency_id = ?5 AND ref = ?6",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                status.as_str(),
                c.now,
                c.who,
                c.cycle.id,
                agency.db_id,
                reference
            ])
        })
        .map_err(|e| c.sql(e))?;
        c.log(
            agency,
            action::FOLLOWUP_SET,
            Some(&followup_status_text(reference, old_status.as_str())),
            Some(&followup_status_text(reference, status.as_str())),
        )?;
        c.commit()?;
        Ok(old_status)
    }

    /// Closes an agency's register: every item the Ombudsman issued to it is entered;
    /// from now on its qualifier is known. False when it was closed already.
    pub fn followup_close(&mut self, agency: &Node) -> Result<bool> {
        let c = self.followup_change(agency)?;
        if closed(&c.tx, c.cycle.id, agency.db_id)
            .map_err(|e| c.sql(e))?
            .is_some()
        {
            return Ok(false);
        }
        c.tx.prepare_cached(
            "INSERT INTO followup_register (cycle_id, agency_id, closed_at, closed_by) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut stmt| stmt.execute(params![c.cycle.id, agency.db_id, c.now, c.who]))
        .map_err(|e| c.sql(e))?;
        c.log(agency, action::FOLLOWUP_CLOSE, None, None)?;
        c.commit()?;
        Ok(true)
    }

    /// Reopens a closed register (an item was missing); the reason goes into the audit
    /// log. False when it was open.
    pub fn followup_reopen(&mut self, agency: &Node, reason: &str) -> Result<bool> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Refused(format!(
                "{}: reopening the follow-up register needs a reason (--reason \"...\"); nothing was changed",
                agency.path
            )));
        }
        let c = self.followup_change(agency)?;
        let removed = c
            .tx
            .prepare_cached("DELETE FROM followup_register WHERE cycle_id = ?1 AND agency_id = ?2")
            .and_then(|mut stmt| stmt.execute(params![c.cycle.id, agency.db_id]))
            .map_err(|e| c.sql(e))?;
        if removed == 0 {
            return Ok(false);
        }
        c.log(agency, action::FOLLOWUP_REOPEN, None, Some(reason))?;
        c.commit()?;
        Ok(true)
    }
}
