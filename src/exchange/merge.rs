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

use super::bundle::ProductEntry;
use super::keys::{TrustedKeys, fingerprint};
use super::verify::Verified;
use super::{ExchangeError, Result};
use crate::domain::text::sanitize;
use crate::store::{
    CentralClaim, CentralTx, ImportRow, NewEvidence, NewObservation, ResultRow, Store,
};

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

/// Opens the central database, creating it when missing (two merges creating the same
/// new file at once both end up merging into it). A database that holds a
/// workstation's own work (observations or audit rows, and no central role) is refused.
pub fn open_central(path: &Path) -> Result<Store> {
    let mut store = Store::open_or_create(path)?;
    match store.claim_central()? {
        CentralClaim::Central => Ok(store),
        CentralClaim::OtherRole(other) => Err(ExchangeError::Conflict(format!(
            "{}: its role is {:?}, not a central database; merge into a central database of its own",
            path.display(),
            sanitize(&other)
        ))),
        CentralClaim::Workstation => Err(ExchangeError::Conflict(format!(
            "{}: this is a workstation database (it holds an assessor's own work); \
             merge into a central database of its own, e.g. --db central.db",
            path.display()
        ))),
    }
}

/// Merges one verified export in one transaction. A refusal rolls everything back.
pub fn merge_verified(
    store: &mut Store,
    v: &Verified,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<Outcome> {
    let db = store.path().to_path_buf();
    let now = store.now();
    let mut tx = store.central_tx()?;
    let sha = &v.opened.payload_sha256;
    if let Some(merged_at) = tx.merged_at(sha)? {
        return Ok(Outcome::AlreadyMerged { merged_at });
    }
    // The import row first: results refer to it. A refusal rolls it back too.
    let import_id = tx.insert_import(&ImportRow {
        payload_sha256: sha,
        assessor_id: &v.payload.assessor.id,
        public_key: &v.payload.assessor.public_key,
        exported_at: &v.stamp,
        file_name,
        merged_at: &now,
        products: v.dataset.products.len() as i64,
        payload: &v.opened.payload,
        signature: &v.opened.signature,
    })?;
    let mut m = Merger {
        tx,
        db: &db,
        v,
        import_id,
        stats: MergeStats {
            assessor_id: v.payload.assessor.id.clone(),
            assessor_name: v.payload.assessor.name.clone(),
            ..MergeStats::default()
        },
        stamp: format!("{}|{sha}", v.stamp),
        newest_held: None,
        affected: Vec::new(),
    };
    m.check_key(trusted, &now)?;
    let instrument_ids = m.instruments(&now)?;
    m.agencies(&instrument_ids)?;
    m.refuse_replay()?;
    m.choose_affected()?;
    let Merger { tx, stats, .. } = m;
    tx.commit()?;
    tracing::info!(file = file_name, ?stats, "merged");
    Ok(Outcome::Merged(stats))
}

enum ResultChange {
    New,
    Superseded,
    /// Central holds a newer result of this assessor (its stamp).
    Older(String),
}

/// One file's merge: the decisions; the store does the reading and writing.
struct Merger<'a> {
    tx: CentralTx<'a>,
    db: &'a Path,
    v: &'a Verified,
    import_id: i64,
    stats: MergeStats,
    /// `exported_at|payload_sha256`: orders exports, ties broken by hash.
    stamp: String,
    /// The newest stamp of this assessor's results held for products of this file
    /// that central already has newer.
    newest_held: Option<String>,
    /// Products whose result changed: their chosen result is looked at again.
    affected: Vec<i64>,
}

impl Merger<'_> {
    /// An assessor id keeps its first key unless the trusted keys file vouches for a
    /// new one; a key never changes its assessor.
    fn check_key(&mut self, trusted: Option<&TrustedKeys>, now: &str) -> Result<()> {
        let v = self.v;
        let key = &v.payload.assessor.public_key;
        let id = &v.payload.assessor.id;
        match self.tx.key_owner(key)? {
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
        if let Some(other) = self.tx.key_of_assessor(id)?
            && trusted.is_none_or(|t| t.check(&v.opened.public_key, id, "").is_err())
        {
            return Err(ExchangeError::Conflict(format!(
                "wrong key: assessor {id} is registered in {} with key {other}, but this file is signed by key {}; \
                 if the assessor has a new key, list it in the trusted keys file and merge with --trusted",
                self.db.display(),
                fingerprint(&v.opened.public_key)
            )));
        }
        self.tx.register_key(
            key,
            &v.opened.fingerprint,
            id,
            &v.payload.assessor.name,
            now,
        )?;
        Ok(())
    }

    /// The database ids of the file's instruments, importing the new ones.
    fn instruments(&mut self, now: &str) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        for i in &self.v.dataset.instruments {
            ids.push(match self.tx.instrument(&i.id, &i.version)? {
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
                    self.stats.instruments_added += 1;
                    self.tx
                        .insert_instrument(&i.id, &i.version, &i.sha256, &i.canonical, now)?
                }
            });
        }
        Ok(ids)
    }

    /// Every agency, unit and product of the file into the catalog, and the results
    /// of the products the assessor touched.
    fn agencies(&mut self, instrument_ids: &[i64]) -> Result<()> {
        let v = self.v;
        for (a, agency) in v.dataset.agencies.ids().zip(&v.payload.agencies) {
            let instrument_id = instrument_ids[v.dataset.agencies[a].instrument];
            let agency_id = self.agency(&agency.code, &agency.name, &agency.kind, instrument_id)?;
            for unit in &agency.units {
                let upath = format!("{}/{}", agency.code, unit.code);
                let unit_id = self.unit(agency_id, &upath, &unit.code, &unit.name)?;
                for product in &unit.products {
                    let ppath = format!("{upath}/{}", product.code);
                    let product_id = self.product(unit_id, &ppath, &product.code, &product.name)?;
                    self.product_result(product_id, product)?;
                }
            }
        }
        Ok(())
    }

    /// Whether this file's names win for `path`; records the newer stamp.
    fn names_win(&mut self, path: &str) -> Result<bool> {
        let held = self.tx.name_stamp(path)?;
        if held.as_ref().is_some_and(|h| *h >= self.stamp) {
            return Ok(false);
        }
        self.tx.set_name_stamp(path, &self.stamp)?;
        Ok(true)
    }

    fn agency(&mut self, code: &str, name: &str, kind: &str, instrument_id: i64) -> Result<i64> {
        match self.tx.agency(code)? {
            Some(held) if held.instrument_id != instrument_id => {
                Err(ExchangeError::Conflict(format!(
                    "agency {code} is assessed with another instrument in {} than in this file; \
                     one agency is assessed with one instrument",
                    self.db.display()
                )))
            }
            Some(held) => {
                if self.names_win(code)? && (held.name != name || held.kind != kind) {
                    self.tx.rename_agency(held.id, name, kind)?;
                    self.stats.names_updated += 1;
                }
                Ok(held.id)
            }
            None => {
                let id = self.tx.insert_agency(code, name, kind, instrument_id)?;
                self.names_win(code)?;
                self.stats.agencies_added += 1;
                Ok(id)
            }
        }
    }

    fn unit(&mut self, agency_id: i64, path: &str, code: &str, name: &str) -> Result<i64> {
        match self.tx.unit(agency_id, code)? {
            Some((id, old)) => {
                if self.names_win(path)? && old != name {
                    self.tx.rename_unit(id, name)?;
                    self.stats.names_updated += 1;
                }
                Ok(id)
            }
            None => {
                let id = self.tx.insert_unit(agency_id, code, name)?;
                self.names_win(path)?;
                self.stats.units_added += 1;
                Ok(id)
            }
        }
    }

    fn product(&mut self, unit_id: i64, path: &str, code: &str, name: &str) -> Result<i64> {
        match self.tx.product(unit_id, code)? {
            Some((id, old)) => {
                if self.names_win(path)? && old != name {
                    self.tx.rename_product(id, name)?;
                    self.stats.names_updated += 1;
                }
                Ok(id)
            }
            None => {
                let id = self.tx.insert_product(unit_id, code, name)?;
                self.names_win(path)?;
                self.stats.products_added += 1;
                Ok(id)
            }
        }
    }

    /// Counts what the file's entry for a product does to this assessor's result.
    fn product_result(&mut self, product_id: i64, product: &ProductEntry) -> Result<()> {
        if !product.touched() {
            self.stats.untouched += 1;
            return Ok(());
        }
        match self.result(product_id, product)? {
            ResultChange::Older(held) => {
                self.stats.results_older += 1;
                if self.newest_held.as_ref().is_none_or(|h| held > *h) {
                    self.newest_held = Some(held);
                }
            }
            ResultChange::New => {
                self.stats.results_new += 1;
                self.affected.push(product_id);
            }
            ResultChange::Superseded => {
                self.stats.results_superseded += 1;
                self.affected.push(product_id);
            }
        }
        Ok(())
    }

    /// Records this assessor's result for a product unless a newer one is held.
    fn result(&mut self, product_id: i64, entry: &ProductEntry) -> Result<ResultChange> {
        let v = self.v;
        let id = &v.payload.assessor.id;
        let change = match self.tx.result_stamp(product_id, id)? {
            Some(h) if h >= self.stamp => return Ok(ResultChange::Older(h)),
            Some(_) => ResultChange::Superseded,
            None => ResultChange::New,
        };
        let result = ResultRow {
            product_id,
            assessor_id: id,
            assessor_name: &v.payload.assessor.name,
            import_id: self.import_id,
            exported_at: &v.stamp,
            payload_sha256: &v.opened.payload_sha256,
            finalized_at: entry.finalized_at.as_deref(),
            finalized_by: entry.finalized_by.as_deref(),
            score: entry.score.value.as_ref().map(|n| n.to_string()),
            zone: entry.score.zone.as_deref(),
        };
        let observations = entry.observations.iter().map(|o| NewObservation {
            indicator: &o.indicator,
            value: o.value,
            na: o.na,
            note: &o.note,
            updated_at: &o.updated_at,
            updated_by: &o.updated_by,
        });
        let evidence = entry.evidence.iter().map(|e| NewEvidence {
            indicator: &e.indicator,
            reference: &e.reference,
            size: e.size,
            sha256: e.sha256.as_deref(),
            added_at: &e.added_at,
            added_by: &e.added_by,
        });
        self.tx.replace_result(&result, observations, evidence)?;
        Ok(change)
    }

    /// A file that changes nothing because central holds newer results of its
    /// assessor for all it has is an out-of-date copy (or a replay): refused.
    fn refuse_replay(&self) -> Result<()> {
        if self.tx.written() == 0 && self.stats.results_older > 0 {
            let newest = self.newest_held.clone().unwrap_or_default();
            return Err(ExchangeError::Replayed {
                assessor: self.v.payload.assessor.id.clone(),
                newest: newest.split('|').next().unwrap_or_default().to_string(),
            });
        }
        Ok(())
    }

    /// The chosen result of every product whose results changed, and the conflicts.
    fn choose_affected(&mut self) -> Result<()> {
        for product_id in std::mem::take(&mut self.affected) {
            if self.tx.choose(product_id)? > 1 {
                self.stats.conflicts += 1;
            }
        }
        Ok(())
    }
}
