//! Instruments and assignments in the database: importing them (all or nothing,
//! idempotent) and listing what is there.

use rusqlite::{OptionalExtension, params};

use super::audit::Appender;
use super::cycles::NewCycle;
use super::nodes::Cycle;
use super::{Result, Store, StoreError, central_log};
use crate::domain::Instrument;
use crate::domain::assignment::Assignment;

/// What importing an instrument did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstrumentOutcome {
    Added,
    AlreadyThere,
}

/// What importing an assignment did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentOutcome {
    pub agencies_added: usize,
    pub units_added: usize,
    pub products_added: usize,
    pub renamed: usize,
    /// The cycle it was imported for.
    pub cycle: String,
    /// Whether that cycle was made by the import (assignment format 2).
    pub cycle_created: bool,
    /// Agencies whose instrument in that cycle the file changed (before they held work
    /// there).
    pub instruments_set: usize,
}

impl AssignmentOutcome {
    pub fn changed(&self) -> bool {
        self.agencies_added
            + self.units_added
            + self.products_added
            + self.renamed
            + self.instruments_set
            + usize::from(self.cycle_created)
            > 0
    }
}

/// One stored instrument, as listed.
#[derive(Debug, Clone)]
pub struct InstrumentRow {
    pub db_id: i64,
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub instrument: Instrument,
}

impl Store {
    /// Imports an instrument. The same content again changes nothing; different content
    /// under an id + version already stored is refused.
    /// On a central database the import is a row of its own log (the instruments it
    /// trusts: src/exchange/merge.rs).
    pub fn import_instrument(&mut self, instrument: &Instrument) -> Result<InstrumentOutcome> {
        let now = self.now();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let held = |conn: &rusqlite::Connection| -> rusqlite::Result<Option<String>> {
            conn.query_row(
                "SELECT sha256 FROM instrument WHERE code = ?1 AND version = ?2",
                params![instrument.id, instrument.version],
                |r| r.get(0),
            )
            .optional()
        };
        // Looked at without a write lock first: a workstation starting loads the
        // shipped instruments, which are there already but for a new build's.
        if held(&self.conn).map_err(sql)?.as_deref() == Some(instrument.sha256.as_str()) {
            return Ok(InstrumentOutcome::AlreadyThere);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let existing = held(&tx).map_err(sql)?;
        match existing {
            Some(h) if h == instrument.sha256 => Ok(InstrumentOutcome::AlreadyThere),
            Some(h) => Err(StoreError::Refused(format!(
                "instrument {} version {} is already in {} with different content (sha256 {}…, this file {}…); \
                 an instrument never changes once used: give the new content a new \"version\"",
                instrument.id,
                instrument.version,
                self.path.display(),
                &h[..12],
                &instrument.sha256[..12]
            ))),
            None => {
                tx.execute(
                    "INSERT INTO instrument (code, version, sha256, body, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        instrument.id,
                        instrument.version,
                        instrument.sha256,
                        instrument.canonical,
                        now
                    ],
                )
                .map_err(sql)?;
                if central_log::exists(&tx).map_err(sql)? {
                    central_log::append(
                        &tx,
                        &now,
                        central_log::INSTRUMENT,
                        &central_log::instrument_subject(&instrument.id, &instrument.version),
                        &instrument.sha256,
                        "",
                    )
                    .map_err(sql)?;
                }
                tx.commit().map_err(sql)?;
                Ok(InstrumentOutcome::Added)
            }
        }
    }

    /// Every stored instrument, by id then version.
    pub fn instruments(&self) -> Result<Vec<InstrumentRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, code, version, sha256, body FROM instrument ORDER BY code, version",
            )
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(i64, String, String, String, String)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.sql(e))?;
        rows.into_iter()
            .map(|(db_id, id, version, sha256, body)| {
                let instrument =
                    Instrument::parse(&body).map_err(|problems| StoreError::Corrupt {
                        path: self.path.clone(),
                        detail: format!(
                            "stored instrument {id} {version} no longer validates: {}",
                            problems.first().map(|p| p.to_string()).unwrap_or_default()
                        ),
                    })?;
                Ok(InstrumentRow {
                    db_id,
                    id,
                    version,
                    sha256,
                    instrument,
                })
            })
            .collect()
    }

    /// Imports an assignment in one transaction: adds what is new, renames what was
    /// renamed, changes nothing when run again. A version-2 assignment is for the cycle
    /// it names (made, with its audit row, when it is not there yet); version 1 for the
    /// current cycle. Each agency is assessed in that cycle with its instrument in the
    /// file. Refuses (changing nothing) an unknown instrument, a cycle that differs from
    /// the one of that code, and an agency whose instrument in that cycle is another
    /// one: in the cycle `default` always (one agency, one instrument, as before cycles),
    /// elsewhere once the agency holds work in the cycle.
    pub fn import_assignment(&mut self, a: &Assignment, file: &str) -> Result<AssignmentOutcome> {
        let now = self.now();
        let who = self.who.clone();
        let path = self.path.clone();
        let sql = |e| super::classify(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut out = AssignmentOutcome::default();
        let cycle = match &a.cycle {
            Some(c) => {
                // A central database keeps no assessor's log: its catalog changes are
                // rows of its own (`central_log`, below).
                let mut log = if central_log::exists(&tx).map_err(sql)? {
                    Appender::silent()
                } else {
                    Appender::new(&tx).map_err(sql)?
                };
                let new = NewCycle {
                    code: &c.code,
                    kind: c.kind,
                    year: c.year,
                    follows: c.follows.as_deref(),
                };
                let (row, created) =
                    super::cycles::ensure_cycle(&tx, &mut log, &new, &now, &who, &path)
                        .map_err(|e| StoreError::Refused(format!("{file}: $.cycle: {e}")))?;
                out.cycle_created = created;
                Cycle {
                    id: row.id,
                    code: row.code,
                }
            }
            None => self.cycle.clone(),
        };
        out.cycle = cycle.code.clone();
        let default_cycle = cycle.code == super::DEFAULT_CYCLE;
        let mut instrument_ids: std::collections::HashMap<(&str, &str), i64> =
            std::collections::HashMap::new();
        for (ai, agency) in a.agencies.iter().enumerate() {
            let (iid, iver) = a.instrument_of(ai);
            let instrument_id = match instrument_ids.get(&(iid, iver)) {
                Some(&id) => id,
                None => {
                    let id: i64 = tx
                        .query_row(
                            "SELECT id FROM instrument WHERE code = ?1 AND version = ?2",
                            params![iid, iver],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(sql)?
                        .ok_or_else(|| {
                            let at = if agency.instrument.is_some() {
                                format!("$.agencies[{ai}].instrument")
                            } else {
                                "$.instrument".to_string()
                            };
                            StoreError::Refused(format!(
                                "{file}: {at}: instrument {iid} version {iver} is not in {}; import it first with \
                                 `patuh instrument import FILE` (see `patuh instrument list`)",
                                path.display()
                            ))
                        })?;
                    instrument_ids.insert((iid, iver), id);
                    id
                }
            };
            let existing: Option<(i64, String, String, i64)> = tx
                .query_row(
                    "SELECT a.id, a.name, a.kind, coalesce(c.instrument_id, a.instrument_id)
                     FROM agency a LEFT JOIN cycle_agency c ON c.cycle_id = ?2 AND c.agency_id = a.id
                     WHERE a.code = ?1",
                    params![agency.code, cycle.id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(sql)?;
            let agency_id = match existing {
                Some((id, _, _, iid)) if iid != instrument_id => {
                    let holds = super::cycles::agency_holds(&tx, cycle.id, id).map_err(sql)?;
                    if default_cycle || holds {
                        return Err(StoreError::Refused(format!(
                            "{file}: $.agencies[{ai}]: agency {} is already assessed with another instrument in {}{}; \
                             one agency is assessed with one instrument in a cycle{}",
                            agency.code,
                            path.display(),
                            if default_cycle {
                                String::new()
                            } else {
                                format!(" (cycle {}, where it holds answers already)", cycle.code)
                            },
                            if default_cycle {
                                ": to assess it with another one, name a new cycle (assignment format 2)"
                            } else {
                                ""
                            }
                        )));
                    }
                    tx.execute(
                        "INSERT INTO cycle_agency (cycle_id, agency_id, instrument_id) VALUES (?1, ?2, ?3)
                         ON CONFLICT (cycle_id, agency_id) DO UPDATE SET instrument_id = excluded.instrument_id",
                        params![cycle.id, id, instrument_id],
                    )
                    .map_err(sql)?;
                    out.instruments_set += 1;
                    id
                }
                Some((id, name, kind, _)) => {
                    if name != agency.name || kind != agency.kind.as_str() {
                        tx.execute(
                            "UPDATE agency SET name = ?1, kind = ?2 WHERE id = ?3",
                            params![agency.name, agency.kind.as_str(), id],
                        )
                        .map_err(sql)?;
                        out.renamed += 1;
                    }
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO agency (code, name, kind, instrument_id) VALUES (?1, ?2, ?3, ?4)",
                        params![agency.code, agency.name, agency.kind.as_str(), instrument_id],
                    )
                    .map_err(sql)?;
                    out.agencies_added += 1;
                    let id = tx.last_insert_rowid();
                    if !default_cycle {
                        tx.execute(
                            "INSERT INTO cycle_agency (cycle_id, agency_id, instrument_id) VALUES (?1, ?2, ?3)",
                            params![cycle.id, id, instrument_id],
                        )
                        .map_err(sql)?;
                    }
                    id
                }
            };
            for unit in &agency.units {
                let unit_id = upsert_named(
                    &tx,
                    "unit",
                    "agency_id",
                    agency_id,
                    &unit.code,
                    &unit.name,
                    &mut out.units_added,
                    &mut out.renamed,
                )
                .map_err(sql)?;
                for product in &unit.products {
                    let before = out.products_added;
                    let product_id = upsert_named(
                        &tx,
                        "product",
                        "unit_id",
                        unit_id,
                        &product.code,
                        &product.name,
                        &mut out.products_added,
                        &mut out.renamed,
                    )
                    .map_err(sql)?;
                    if out.products_added > before {
                        new_product_states(&tx, product_id).map_err(sql)?;
                    }
                }
            }
        }
        if out.changed() && central_log::exists(&tx).map_err(sql)? {
            central_log::append(
                &tx,
                &now,
                central_log::ASSIGNMENT,
                file,
                &catalog_sha256(a),
                &format!(
                    "{} agencies, {} units, {} products added; {} renamed",
                    out.agencies_added, out.units_added, out.products_added, out.renamed
                ),
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(out)
    }
}

/// SHA-256 of the catalog an assignment sets (codes, names and kinds, in order), for
/// the central log.
fn catalog_sha256(a: &Assignment) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(&a.instrument_id);
    field(&a.instrument_version);
    // Version 2 only: its cycle and the agencies' own instruments (a version-1 file
    // hashes as it always did).
    if let Some(c) = &a.cycle {
        field(&c.code);
    }
    for agency in &a.agencies {
        field(&agency.code);
        field(&agency.name);
        field(agency.kind.as_str());
        if let Some((id, version)) = &agency.instrument {
            field(id);
            field(version);
        }
        for unit in &agency.units {
            field(&unit.code);
            field(&unit.name);
            for product in &unit.products {
                field(&product.code);
                field(&product.name);
            }
        }
    }
    hex::encode(h.finalize())
}

/// The state of a new product in a cycle: nothing answered (the empty digest), open.
/// Without it the product would read as stale, its answers looked for at every load.
pub(super) fn new_product_state(
    conn: &rusqlite::Connection,
    cycle: i64,
    product_id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO node_state (cycle_id, level, node_id, digest) VALUES (?1, 3, ?2, X'')",
    )?
    .execute(params![cycle, product_id])?;
    Ok(())
}

/// [`new_product_state`] in every cycle there is.
fn new_product_states(conn: &rusqlite::Connection, product_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO node_state (cycle_id, level, node_id, digest)
         SELECT id, 3, ?1, X'' FROM cycle",
    )?
    .execute(params![product_id])?;
    Ok(())
}

/// Inserts a unit or product under its parent, or renames it; returns its id.
#[allow(clippy::too_many_arguments)]
fn upsert_named(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    parent_col: &str,
    parent: i64,
    code: &str,
    name: &str,
    added: &mut usize,
    renamed: &mut usize,
) -> rusqlite::Result<i64> {
    let existing: Option<(i64, String)> = tx
        .query_row(
            &format!("SELECT id, name FROM {table} WHERE {parent_col} = ?1 AND code = ?2"),
            params![parent, code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match existing {
        Some((id, old)) => {
            if old != name {
                tx.execute(
                    &format!("UPDATE {table} SET name = ?1 WHERE id = ?2"),
                    params![name, id],
                )?;
                *renamed += 1;
            }
            Ok(id)
        }
        None => {
            tx.execute(
                &format!("INSERT INTO {table} ({parent_col}, code, name) VALUES (?1, ?2, ?3)"),
                params![parent, code, name],
            )?;
            *added += 1;
            Ok(tx.last_insert_rowid())
        }
    }
}
