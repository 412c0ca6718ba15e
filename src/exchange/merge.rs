//! Consolidation of verified exports into a central database. Each file is one
//! transaction: all of it or nothing. The result does not depend on the order the
//! files are merged in, because every choice is a function of the set of files:
//!
//! - per assessor and product, the newest export (by `exported_at`, then payload hash)
//!   holds that assessor's result (`assessor_result` and its observations);
//! - per product, `observation` holds one chosen result: a finalized one before a
//!   draft, then the most recently exported, then the lowest assessor id; a product
//!   with results of several assessors is a conflict (the `conflict` view);
//! - names and kinds come from the newest export naming them (`name_source`).
//!
//! Products an assessor never touched (no observation, evidence or finalization) add
//! to the catalog but carry no result, so exporting a whole assignment never
//! overwrites a colleague's work with blanks.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::export::{ROLE_CENTRAL, ROLE_KEY};
use super::keys::{TrustedKeys, fingerprint};
use super::verify::Verified;
use super::{ExchangeError, Result};
use crate::domain::text::sanitize;
use crate::store::{Store, StoreError};

/// What merging one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Merged(MergeStats),
    /// This very payload was merged before: nothing changed.
    AlreadyMerged {
        merged_at: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeStats {
    pub assessor_id: String,
    pub assessor_name: String,
    pub instruments_added: usize,
    pub agencies_added: usize,
    pub units_added: usize,
    pub products_added: usize,
    pub names_updated: usize,
    /// Products this assessor had no result for yet.
    pub results_new: usize,
    /// Products whose older result of this assessor this file supersedes.
    pub results_superseded: usize,
    /// Products for which central already holds a newer result of this assessor.
    pub results_older: usize,
    /// Products the assessor did not touch (catalog only).
    pub untouched: usize,
    /// Products of this file that now have results of two or more assessors.
    pub conflicts: usize,
}

/// Opens the central database, creating it when missing. A database that holds a
/// workstation's own work (observations or audit rows, and no central role) is refused.
pub fn open_central(path: &Path) -> Result<Store> {
    let mut store = Store::open_or_create(path)?;
    match store.meta(ROLE_KEY)?.as_deref() {
        Some(ROLE_CENTRAL) => {}
        Some(other) => {
            return Err(ExchangeError::Conflict(format!(
                "{}: its role is {:?}, not a central database; merge into a central database of its own",
                path.display(),
                sanitize(other)
            )));
        }
        None => {
            let own: i64 = store
                .conn()
                .query_row(
                    "SELECT (SELECT count(*) FROM observation) + (SELECT count(*) FROM audit)",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| store.sql(e))?;
            if own > 0 {
                return Err(ExchangeError::Conflict(format!(
                    "{}: this is a workstation database (it holds an assessor's own work); \
                     merge into a central database of its own, e.g. --db central.db",
                    path.display()
                )));
            }
            store.set_meta(ROLE_KEY, ROLE_CENTRAL)?;
        }
    }
    Ok(store)
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> ExchangeError + '_ {
    move |source| {
        ExchangeError::Store(StoreError::Sql {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Merges one verified export in one transaction. A refusal rolls everything back.
pub fn merge_verified(
    store: &mut Store,
    v: &Verified,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<Outcome> {
    let path = store.path().to_path_buf();
    let now = store.now();
    let sql = sql_err(&path);
    let conn: &Connection = store.conn();
    // Room for every statement of a merge, so none is parsed again (see Merger::exec).
    conn.set_prepared_statement_cache_capacity(64);
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(&sql)?;
    let sha = &v.opened.payload_sha256;
    if let Some(merged_at) = tx
        .query_row(
            "SELECT merged_at FROM import_file WHERE payload_sha256 = ?1",
            [sha],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(&sql)?
    {
        return Ok(Outcome::AlreadyMerged { merged_at });
    }
    let mut m = Merger {
        tx: &tx,
        sql: &sql,
        db: &path,
        changes: 0,
        stats: MergeStats {
            assessor_id: v.payload.assessor.id.clone(),
            assessor_name: v.payload.assessor.name.clone(),
            ..MergeStats::default()
        },
        stamp: format!("{}|{sha}", v.stamp),
    };
    // The import row first: results refer to it. A refusal rolls it back too.
    tx.execute(
        "INSERT INTO import_file (payload_sha256, assessor_id, public_key, exported_at, file_name,
                                  merged_at, products, payload, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            sha,
            v.payload.assessor.id,
            v.payload.assessor.public_key,
            v.stamp,
            file_name,
            now,
            v.dataset.products.len() as i64,
            v.opened.payload,
            v.opened.signature
        ],
    )
    .map_err(&sql)?;
    let import_id = tx.last_insert_rowid();
    m.check_key(v, trusted, &now)?;
    let instrument_ids = m.instruments(v, &now)?;
    let mut newest_held: Option<String> = None;
    let mut affected = Vec::new();
    for (a, agency) in v.dataset.agencies.ids().zip(&v.payload.agencies) {
        let instrument_id = instrument_ids[v.dataset.agencies[a].instrument];
        let agency_id = m.agency(&agency.code, &agency.name, &agency.kind, instrument_id)?;
        for unit in &agency.units {
            let upath = format!("{}/{}", agency.code, unit.code);
            let unit_id = m.child(
                "unit",
                "agency_id",
                agency_id,
                &upath,
                &unit.code,
                &unit.name,
            )?;
            for product in &unit.products {
                let ppath = format!("{upath}/{}", product.code);
                let product_id = m.child(
                    "product",
                    "unit_id",
                    unit_id,
                    &ppath,
                    &product.code,
                    &product.name,
                )?;
                if !product.touched() {
                    m.stats.untouched += 1;
                    continue;
                }
                match m.result(v, product_id, product, import_id)? {
                    ResultChange::Older(held) => {
                        m.stats.results_older += 1;
                        if newest_held.as_ref().is_none_or(|h| held > *h) {
                            newest_held = Some(held);
                        }
                    }
                    ResultChange::New => {
                        m.stats.results_new += 1;
                        affected.push(product_id);
                    }
                    ResultChange::Superseded => {
                        m.stats.results_superseded += 1;
                        affected.push(product_id);
                    }
                }
            }
        }
    }
    if m.changes == 0 && m.stats.results_older > 0 {
        let newest = newest_held.unwrap_or_default();
        return Err(ExchangeError::Replayed {
            assessor: v.payload.assessor.id.clone(),
            newest: newest.split('|').next().unwrap_or_default().to_string(),
        });
    }
    for product_id in affected {
        if m.choose(product_id)? > 1 {
            m.stats.conflicts += 1;
        }
    }
    let stats = m.stats;
    tx.commit().map_err(&sql)?;
    tracing::info!(file = file_name, ?stats, "merged");
    Ok(Outcome::Merged(stats))
}

enum ResultChange {
    New,
    Superseded,
    /// Central holds a newer result of this assessor (its stamp).
    Older(String),
}

struct Merger<'a, F: Fn(rusqlite::Error) -> ExchangeError> {
    tx: &'a Transaction<'a>,
    sql: &'a F,
    db: &'a Path,
    /// Rows written so far: a file that writes none is a replay.
    changes: usize,
    stats: MergeStats,
    /// `exported_at|payload_sha256`: orders exports, ties broken by hash.
    stamp: String,
}

impl<F: Fn(rusqlite::Error) -> ExchangeError> Merger<'_, F> {
    fn query_row<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.tx.prepare_cached(sql)?.query_row(p, f)
    }

    /// Statements are prepared once per merge (a nation's merge runs some of them a
    /// million times; parsing them each time was a good part of its time).
    fn exec(&mut self, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
        let n = self
            .tx
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute(p))
            .map_err(self.sql)?;
        self.changes += n;
        Ok(n)
    }

    /// An assessor id keeps its first key unless the trusted keys file vouches for a
    /// new one; a key never changes its assessor.
    fn check_key(&mut self, v: &Verified, trusted: Option<&TrustedKeys>, now: &str) -> Result<()> {
        let key = &v.payload.assessor.public_key;
        let id = &v.payload.assessor.id;
        let owner: Option<String> = self
            .query_row(
                "SELECT assessor_id FROM assessor_key WHERE public_key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql)?;
        match owner {
            Some(owner) if &owner == id => return Ok(()),
            Some(owner) => {
                return Err(ExchangeError::WrongAssessor {
                    fingerprint: v.opened.fingerprint.clone(),
                    registered: owner,
                    claimed: id.clone(),
                    source_name: self.db.display().to_string(),
                });
            }
            None => {}
        }
        let other: Option<String> = self
            .query_row(
                "SELECT fingerprint FROM assessor_key WHERE assessor_id = ?1 LIMIT 1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql)?;
        if let Some(other) = other
            && trusted.is_none_or(|t| t.check(&v.opened.public_key, id, "").is_err())
        {
            return Err(ExchangeError::Conflict(format!(
                "wrong key: assessor {id} is registered in {} with key {other}, but this file is signed by key {}; \
                 if the assessor has a new key, list it in the trusted keys file and merge with --trusted",
                self.db.display(),
                fingerprint(&v.opened.public_key)
            )));
        }
        self.exec(
            "INSERT INTO assessor_key (public_key, fingerprint, assessor_id, name, first_merged_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key, v.opened.fingerprint, id, v.payload.assessor.name, now],
        )?;
        Ok(())
    }

    /// The database ids of the file's instruments, importing the new ones.
    fn instruments(&mut self, v: &Verified, now: &str) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        for i in &v.dataset.instruments {
            let existing: Option<(i64, String)> = self
                .query_row(
                    "SELECT id, sha256 FROM instrument WHERE code = ?1 AND version = ?2",
                    params![i.id, i.version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(self.sql)?;
            ids.push(match existing {
                Some((id, sha)) if sha == i.sha256 => id,
                Some((_, sha)) => {
                    return Err(ExchangeError::Conflict(format!(
                        "instrument {} version {} is in {} with other content (sha256 {}…, this file {}…); \
                         an instrument never changes once used: the assessor must use the central office's instrument",
                        i.id,
                        i.version,
                        self.db.display(),
                        &sha[..12.min(sha.len())],
                        &i.sha256[..12]
                    )));
                }
                None => {
                    self.exec(
                        "INSERT INTO instrument (code, version, sha256, body, imported_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![i.id, i.version, i.sha256, i.canonical, now],
                    )?;
                    self.stats.instruments_added += 1;
                    self.tx.last_insert_rowid()
                }
            });
        }
        Ok(ids)
    }

    /// Whether this file's names win for `path`; records the newer stamp.
    fn names_win(&mut self, path: &str) -> Result<bool> {
        let held: Option<String> = self
            .query_row(
                "SELECT stamp FROM name_source WHERE path = ?1",
                [path],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql)?;
        if held.as_ref().is_some_and(|h| *h >= self.stamp) {
            return Ok(false);
        }
        let stamp = self.stamp.clone();
        self.exec(
            "INSERT INTO name_source (path, stamp) VALUES (?1, ?2)
             ON CONFLICT (path) DO UPDATE SET stamp = excluded.stamp",
            params![path, stamp],
        )?;
        Ok(true)
    }

    fn agency(&mut self, code: &str, name: &str, kind: &str, instrument_id: i64) -> Result<i64> {
        let existing: Option<(i64, String, String, i64)> = self
            .query_row(
                "SELECT id, name, kind, instrument_id FROM agency WHERE code = ?1",
                [code],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(self.sql)?;
        match existing {
            Some((_, _, _, iid)) if iid != instrument_id => Err(ExchangeError::Conflict(format!(
                "agency {code} is assessed with another instrument in {} than in this file; \
                 one agency is assessed with one instrument",
                self.db.display()
            ))),
            Some((id, old_name, old_kind, _)) => {
                if self.names_win(code)? && (old_name != name || old_kind != kind) {
                    self.exec(
                        "UPDATE agency SET name = ?1, kind = ?2 WHERE id = ?3",
                        params![name, kind, id],
                    )?;
                    self.stats.names_updated += 1;
                }
                Ok(id)
            }
            None => {
                self.exec(
                    "INSERT INTO agency (code, name, kind, instrument_id) VALUES (?1, ?2, ?3, ?4)",
                    params![code, name, kind, instrument_id],
                )?;
                let id = self.tx.last_insert_rowid();
                self.names_win(code)?;
                self.stats.agencies_added += 1;
                Ok(id)
            }
        }
    }

    /// A unit under its agency or a product under its unit.
    fn child(
        &mut self,
        table: &str,
        parent_col: &str,
        parent: i64,
        path: &str,
        code: &str,
        name: &str,
    ) -> Result<i64> {
        let existing: Option<(i64, String)> = self
            .query_row(
                &format!("SELECT id, name FROM {table} WHERE {parent_col} = ?1 AND code = ?2"),
                params![parent, code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql)?;
        match existing {
            Some((id, old)) => {
                if self.names_win(path)? && old != name {
                    self.exec(
                        &format!("UPDATE {table} SET name = ?1 WHERE id = ?2"),
                        params![name, id],
                    )?;
                    self.stats.names_updated += 1;
                }
                Ok(id)
            }
            None => {
                self.exec(
                    &format!("INSERT INTO {table} ({parent_col}, code, name) VALUES (?1, ?2, ?3)"),
                    params![parent, code, name],
                )?;
                let id = self.tx.last_insert_rowid();
                self.names_win(path)?;
                if table == "unit" {
                    self.stats.units_added += 1;
                } else {
                    self.stats.products_added += 1;
                }
                Ok(id)
            }
        }
    }

    /// Records this assessor's result for a product unless a newer one is held.
    fn result(
        &mut self,
        v: &Verified,
        product_id: i64,
        entry: &super::bundle::ProductEntry,
        import_id: i64,
    ) -> Result<ResultChange> {
        let id = &v.payload.assessor.id;
        let held: Option<String> = self
            .query_row(
                "SELECT exported_at || '|' || payload_sha256 FROM assessor_result
                 WHERE product_id = ?1 AND assessor_id = ?2",
                params![product_id, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql)?;
        let change = match held {
            Some(h) if h >= self.stamp => return Ok(ResultChange::Older(h)),
            Some(_) => ResultChange::Superseded,
            None => ResultChange::New,
        };
        self.exec(
            "DELETE FROM assessor_result WHERE product_id = ?1 AND assessor_id = ?2",
            params![product_id, id],
        )?;
        self.exec(
            "INSERT INTO assessor_result (product_id, assessor_id, assessor_name, import_id, exported_at,
                                          payload_sha256, finalized_at, finalized_by, score, zone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                product_id,
                id,
                v.payload.assessor.name,
                import_id,
                v.stamp,
                v.opened.payload_sha256,
                entry.finalized_at,
                entry.finalized_by,
                entry.score.value.as_ref().map(|n| n.to_string()),
                entry.score.zone
            ],
        )?;
        for o in &entry.observations {
            self.exec(
                "INSERT INTO assessor_observation (product_id, assessor_id, indicator, value, na, note,
                                                   updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    product_id,
                    id,
                    o.indicator,
                    o.value.map(i64::from),
                    i64::from(o.na),
                    o.note,
                    o.updated_at,
                    o.updated_by
                ],
            )?;
        }
        for (n, e) in entry.evidence.iter().enumerate() {
            self.exec(
                "INSERT INTO assessor_evidence (product_id, assessor_id, position, indicator, reference,
                                                size, sha256, added_at, added_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    product_id,
                    id,
                    n as i64,
                    e.indicator,
                    e.reference,
                    e.size.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
                    e.sha256,
                    e.added_at,
                    e.added_by
                ],
            )?;
        }
        Ok(change)
    }

    /// Puts the chosen result of a product into `observation`, `evidence` and its
    /// finalization; returns how many assessors have a result for it.
    fn choose(&mut self, product_id: i64) -> Result<i64> {
        let chosen: Option<(String, Option<String>, Option<String>)> = self
            .query_row(
                "SELECT assessor_id, finalized_at, finalized_by FROM assessor_result
                 WHERE product_id = ?1
                 ORDER BY finalized_at IS NOT NULL DESC, exported_at DESC, assessor_id ASC
                 LIMIT 1",
                [product_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.sql)?;
        let Some((assessor, finalized_at, finalized_by)) = chosen else {
            return Ok(0);
        };
        self.exec(
            "DELETE FROM observation WHERE product_id = ?1",
            [product_id],
        )?;
        self.exec(
            "INSERT INTO observation (product_id, indicator, value, na, note, updated_at, updated_by)
             SELECT product_id, indicator, value, na, note, updated_at, updated_by
             FROM assessor_observation WHERE product_id = ?1 AND assessor_id = ?2",
            params![product_id, assessor],
        )?;
        self.exec("DELETE FROM evidence WHERE product_id = ?1", [product_id])?;
        self.exec(
            "INSERT INTO evidence (product_id, indicator, reference, size, sha256, added_at, added_by)
             SELECT product_id, indicator, reference, size, sha256, added_at, added_by
             FROM assessor_evidence WHERE product_id = ?1 AND assessor_id = ?2 ORDER BY position",
            params![product_id, assessor],
        )?;
        self.exec(
            "UPDATE product SET finalized_at = ?1, finalized_by = ?2 WHERE id = ?3",
            params![finalized_at, finalized_by, product_id],
        )?;
        crate::store::digest::refresh(self.tx, product_id).map_err(self.sql)?;
        self.query_row(
            "SELECT count(*) FROM assessor_result WHERE product_id = ?1",
            [product_id],
            |r| r.get(0),
        )
        .map_err(self.sql)
    }
}
