//! A workstation's side of the review (schema 0008, issue 15): the return files of the
//! central office applied (`inbox_file`), the nodes they speak of (`inbox_node`) and
//! the items returned (`returned_item`), each open until the assessor changes its
//! indicator (an audit row after the file was applied) or confirms it as it is (an
//! audit row of its own, `return_confirm`). What a file must pass to be applied is
//! checked in `src/exchange/inbox.rs`.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::review::{CONFIRM, SentNode};
use super::{Result, Store, classify};

/// A return file to record on a workstation (all checked by `exchange::inbox`).
#[derive(Debug, Clone)]
pub struct InboxApply<'a> {
    pub payload_sha256: &'a str,
    pub central_key: &'a str,
    pub central_id: &'a str,
    pub central_name: &'a str,
    pub seq: i64,
    pub sent_at: &'a str,
    pub file_name: &'a str,
    pub cycle: &'a str,
    pub nodes: &'a [SentNode],
}

/// A return file applied on a workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxFile {
    pub payload_sha256: String,
    pub central_key: String,
    pub central_id: String,
    pub seq: i64,
    pub sent_at: String,
    pub applied_at: String,
}

/// Where a returned item stands on the workstation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    /// Waiting for the assessor.
    Open,
    /// The assessor changed the indicator (or the node) after the file was applied.
    Changed,
    /// The assessor confirmed it as it is.
    Confirmed,
}

impl ItemStatus {
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Changed => "changed",
            ItemStatus::Confirmed => "confirmed",
        }
    }
}

/// A returned item of the last return file applied on a workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedItem {
    pub path: String,
    /// None: the node as a whole.
    pub indicator: Option<String>,
    pub comment: String,
    pub status: ItemStatus,
}

impl Store {
    /// The return file applied with this payload, if it was.
    pub fn inbox_applied(&self, payload_sha256: &str) -> Result<Option<InboxFile>> {
        self.inbox_query("WHERE payload_sha256 = ?1", payload_sha256)
    }

    /// The last return file applied from the central office `central_id`.
    pub fn inbox_last(&self, central_id: &str) -> Result<Option<InboxFile>> {
        self.inbox_query(
            "WHERE central_id = ?1 ORDER BY seq DESC LIMIT 1",
            central_id,
        )
    }

    fn inbox_query(&self, tail: &str, p: &str) -> Result<Option<InboxFile>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT payload_sha256, central_key, central_id, seq, sent_at, applied_at
                     FROM inbox_file {tail}"
                ),
                [p],
                |r| {
                    Ok(InboxFile {
                        payload_sha256: r.get(0)?,
                        central_key: r.get(1)?,
                        central_id: r.get(2)?,
                        seq: r.get(3)?,
                        sent_at: r.get(4)?,
                        applied_at: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// The central keys of the return files applied before (trusted then).
    pub fn inbox_keys(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT central_key, central_id FROM inbox_file")
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))
    }

    /// Records a return file on a workstation: one transaction.
    pub fn apply_inbox(&mut self, f: &InboxApply<'_>) -> Result<()> {
        let now = self.now();
        let path = self.path.clone();
        let sql = |e| classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let audit_seq: i64 = tx
            .query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO inbox_file (payload_sha256, central_key, central_id, central_name, seq, sent_at,
                                     file_name, applied_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                f.payload_sha256,
                f.central_key,
                f.central_id,
                f.central_name,
                f.seq,
                f.sent_at,
                f.file_name,
                now,
                audit_seq
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        for n in f.nodes {
            tx.execute(
                "INSERT INTO inbox_node (inbox_id, cycle, path, state, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, f.cycle, n.path, n.state.code(), n.decided_at],
            )
            .map_err(sql)?;
            for (indicator, comment) in &n.comments {
                tx.execute(
                    "INSERT INTO returned_item (inbox_id, path, indicator, comment) VALUES (?1, ?2, ?3, ?4)",
                    params![id, n.path, indicator, comment],
                )
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The items of the last return file applied, each with where it stands: open
    /// until the assessor changes its indicator (for an item on the node as a whole:
    /// anything of the node) after the file was applied, or confirms it.
    pub fn returned_items(&self) -> Result<Vec<ReturnedItem>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT i.path, i.indicator, i.comment, i.confirmed_at IS NOT NULL,
                        EXISTS (SELECT 1 FROM audit x
                                WHERE x.seq > f.audit_seq
                                  AND x.action IN ('value', 'note', 'evidence', 'evidence_removed', 'evidence_restored')
                                  AND (x.path = i.path OR substr(x.path, 1, length(i.path) + 1) = i.path || '/')
                                  AND (i.indicator = '' OR x.indicator = i.indicator))
                 FROM returned_item i JOIN inbox_file f ON f.id = i.inbox_id
                 WHERE i.inbox_id = (SELECT max(id) FROM inbox_file)
                 ORDER BY i.path, i.indicator",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| {
            let indicator: String = r.get(1)?;
            let confirmed: bool = r.get(3)?;
            let changed: bool = r.get(4)?;
            Ok(ReturnedItem {
                path: r.get(0)?,
                indicator: (!indicator.is_empty()).then_some(indicator),
                comment: r.get(2)?,
                status: if confirmed {
                    ItemStatus::Confirmed
                } else if changed {
                    ItemStatus::Changed
                } else {
                    ItemStatus::Open
                },
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// Confirms a returned item as it is: one transaction with its audit row (action
    /// `return_confirm`, the comment it answers as `old`). False when the last return
    /// file has no such item, or it is no longer open.
    pub fn confirm_returned(&mut self, path: &str, indicator: Option<&str>) -> Result<bool> {
        let open = self.returned_items()?.into_iter().any(|i| {
            i.path == path && i.indicator.as_deref() == indicator && i.status == ItemStatus::Open
        });
        if !open {
            return Ok(false);
        }
        let now = self.now();
        let who = self.who.clone();
        let db = self.path.clone();
        let sql = |e| classify(&db, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let comment: Option<String> = tx
            .query_row(
                "SELECT comment FROM returned_item
                 WHERE inbox_id = (SELECT max(id) FROM inbox_file) AND path = ?1 AND indicator = ?2
                   AND confirmed_at IS NULL",
                params![path, indicator.unwrap_or_default()],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        let Some(comment) = comment else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE returned_item SET confirmed_at = ?1, confirmed_by = ?2
             WHERE inbox_id = (SELECT max(id) FROM inbox_file) AND path = ?3 AND indicator = ?4",
            params![now, who, path, indicator.unwrap_or_default()],
        )
        .map_err(sql)?;
        super::audit::append(
            &tx,
            &super::audit::Entry {
                at: &now,
                who: &who,
                path,
                indicator,
                action: CONFIRM,
                old: Some(&comment),
                new: Some("confirmed"),
                cycle: None,
                respondent: None,
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(true)
    }
}
