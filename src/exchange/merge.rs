//! Consolidation of verified exports into a central database. Each file is one
//! transaction: all of it or nothing. The result does not depend on the order the
//! files are merged in, because every choice is a function of the set of files:
//!
//! - per assessor, cycle and node (agency, unit or product), the newest export holds
//!   that assessor's result (`central_result` with its answers, respondents, evidence
//!   and follow-ups; schema 0012): the one whose audit chain goes furthest (an export
//!   made after another extends its chain), then by `exported_at`, then by payload
//!   hash. A workstation's clock alone never decides; an export dated more than a day
//!   ahead of the central clock is refused. Exports of different cycles are kept apart
//!   (by the cycle's code; format 1 is the cycle `default`);
//! - per node, the consolidated answers hold one chosen result: a finalized one before
//!   a draft, then the most recently exported, then the lowest assessor id; and the
//!   union of every result's respondents by uid (interview answers of different
//!   respondents never conflict). A node whose results hold different values for one
//!   observation or data cell is a conflict;
//! - names and kinds come from the newest export naming them (`name_source`).
//!
//! Nodes an assessor never touched (no answer, respondent, evidence, finalization or
//! follow-up) add to the catalog but carry no result, so exporting a whole assignment
//! never overwrites a colleague's work with blanks.
//!
//! The central database trusts only the instruments it imported (the shipped ones
//! when it is made, others with `patuh instrument import`): a file assessed with
//! another is refused. Once the central office has set who assesses what (`patuh
//! central assign`), a file with results for an agency not assigned to its assessor,
//! or naming an agency, unit or product otherwise than the central catalog (or one
//! the catalog lacks), is refused: the catalog then comes from the central office's
//! own imports only. Each merge is a row of the central database's own log. A file
//! signed by a key the central office revoked is refused; a merge that changes a
//! node the review returned (or approved) makes it resubmitted (docs/review.md).

use std::path::Path;

use super::bundle2::{AgencyNode, NodeParts};
use super::keys::{TrustedKeys, fingerprint};
use super::verify::Verified;
use super::{ExchangeError, Result};
use crate::domain::instrument::NodeLevel;
use crate::domain::text::sanitize;
use crate::store::{
    CentralClaim, CentralTx, ImportRow, NewAnswer, NewEvidence, NewFollowup, NewRespondent,
    NewResult, NodeResult, Store,
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
    /// Nodes (agencies, units, products) this assessor had no result for yet.
    pub results_new: usize,
    /// Nodes whose older result of this assessor this file supersedes.
    pub results_superseded: usize,
    /// Nodes for which central already holds a newer result of this assessor.
    pub results_older: usize,
    /// Products the assessor did not touch (catalog only).
    pub untouched: usize,
    /// Nodes of this file whose results now hold different values for one observation
    /// or data cell (two assessors' respondents of one node are both kept, never a
    /// conflict).
    pub conflicts: usize,
}

/// Opens the central database, creating it when missing (two merges creating the same
/// new file at once both end up merging into it). A database that holds a
/// workstation's own work (observations or audit rows, and no central role) is refused.
pub fn open_central(path: &Path) -> Result<Store> {
    let mut store = Store::open_or_create(path)?;
    match store.claim_central()? {
        CentralClaim::Central => {
            import_shipped(&mut store)?;
            Ok(store)
        }
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

/// The instruments shipped with patuh, imported into the central database (each
/// once, logged): the ones it trusts without being told. One it holds under the same
/// id and version with other content (merged from a file before this rule) stays, and
/// files assessed with the shipped one are refused until that is sorted out.
fn import_shipped(store: &mut Store) -> Result<()> {
    for (file, text) in crate::shipped::INSTRUMENTS {
        let instrument = crate::domain::Instrument::parse(text).map_err(|p| {
            ExchangeError::Invalid(format!(
                "built-in instrument {file} is invalid: {}",
                p.first().map(|x| x.to_string()).unwrap_or_default()
            ))
        })?;
        if let Err(e) = store.import_instrument(&instrument) {
            match e {
                crate::store::StoreError::Refused(why) => {
                    tracing::warn!(file, why, "shipped instrument not imported")
                }
                e => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// How far ahead of the central clock an export may be dated: clocks of laptops and
/// time zones set wrong by a day happen; a year does not.
pub const MAX_AHEAD: time::Duration = time::Duration::DAY;

/// Merges one verified export in one transaction. A refusal rolls everything back.
pub fn merge_verified(
    store: &mut Store,
    v: &Verified,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<Outcome> {
    merge_whole(store, v, file_name, trusted, Rules::Merge)
}

/// A file verified for a merge: read as a stream (its agencies are read once more, one
/// at a time, as they are merged), or whole.
#[derive(Debug)]
pub struct ToMerge<'p>(Checked<'p>);

#[derive(Debug)]
enum Checked<'p> {
    Streamed {
        path: &'p Path,
        len: u64,
        v: Box<super::verify2::StreamVerified>,
    },
    Whole(Box<Verified>),
}

/// The agencies of a streamed file kept from its verification when their JSON comes to
/// no more than this (a provincial office's file: about 15 MB; the merge's peak stays
/// bounded by it), so that they are applied without reading the file a second time;
/// a larger file's agencies are read again, one at a time.
const KEEP_AGENCIES: usize = 32 << 20;

/// Verifies `path` for a merge: as a stream when the streaming reading accepts it (a
/// format-2 file, not encrypted), never holding its payload's JSON; otherwise whole,
/// as `verify` does (which says why a file is refused).
pub fn verify_for_merge<'p>(
    path: &'p Path,
    trusted: Option<&TrustedKeys>,
    identity: Option<&super::crypt::CentralIdentity>,
) -> Result<ToMerge<'p>> {
    verify_for_merge_keeping(path, trusted, identity, KEEP_AGENCIES)
}

/// [`verify_for_merge`] keeping a streamed file's agencies from its verification when
/// their JSON comes to no more than `keep` bytes (0: they are read again from the file
/// as they are merged, as a file larger than the default is).
pub fn verify_for_merge_keeping<'p>(
    path: &'p Path,
    trusted: Option<&TrustedKeys>,
    identity: Option<&super::crypt::CentralIdentity>,
    keep: usize,
) -> Result<ToMerge<'p>> {
    if let Ok((file, meta)) = crate::fsio::open_regular(path, true)
        && meta.len() <= crate::fsio::MAX_EXPORT_BYTES
    {
        use std::io::Read;
        let mut magic = Vec::new();
        let plain = file.take(64).read_to_end(&mut magic).is_ok()
            && !magic.is_empty()
            && !super::crypt::is_encrypted(&magic);
        let src = super::bundle::Source::File(path, meta.len());
        if plain && let Some(mut v) = super::verify2::verify_streamed(src, false, trusted, keep) {
            // The signed payload bytes, which the central database keeps (`check`).
            if let Some(payload) = super::bundle::read_payload(src, &v.streamed) {
                v.streamed.opened.payload = payload;
                return Ok(ToMerge(Checked::Streamed {
                    path,
                    len: meta.len(),
                    v: Box::new(v),
                }));
            }
        }
    }
    super::verify::verify_file(path, trusted, identity)
        .map(|v| ToMerge(Checked::Whole(Box::new(v))))
}

/// Merges one file verified by [`verify_for_merge`] in one transaction: a streamed
/// file's agencies are read again and applied one at a time (the bytes must be the
/// verified ones again). A refusal rolls everything back.
pub fn merge_to(
    store: &mut Store,
    m: &ToMerge<'_>,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<Outcome> {
    match &m.0 {
        Checked::Whole(v) => merge_verified(store, v, file_name, trusted),
        Checked::Streamed { path, len, v } => {
            let input = Input {
                opened: &v.streamed.opened,
                format_version: super::bundle::FORMAT_VERSION,
                assessor: &v.checked.assessor,
                cycle: &v.cycle,
                exported_at: &v.checked.exported_at,
                stamp: &v.stamp,
                dataset: &v.dataset,
                audit_rows: v.checked.audit_rows,
                agencies: v.agencies.clone(),
            };
            let src = super::bundle::Source::File(path, *len);
            let mut feed = |f: &mut dyn FnMut(usize, &AgencyNode) -> Result<()>| -> Result<()> {
                match &v.kept {
                    Some(kept) => kept.iter().enumerate().try_for_each(|(k, a)| f(k, a)),
                    None => super::verify2::each_agency(src, v, f),
                }
            };
            merge_with(store, &input, file_name, trusted, Rules::Merge, &mut feed)
        }
    }
}

/// What the merge needs of a verified file besides its agencies, whether it was read
/// whole ([`Verified`]) or as a stream.
pub(crate) struct Input<'a> {
    pub opened: &'a super::bundle::Opened,
    pub format_version: i64,
    pub assessor: &'a super::bundle::Assessor,
    pub cycle: &'a super::bundle2::CycleEntry,
    pub exported_at: &'a str,
    /// `exported_at` as a stamp.
    pub stamp: &'a str,
    pub dataset: &'a crate::domain::model::Dataset,
    pub audit_rows: usize,
    /// Each agency's code and whether it or anything under it was touched, in order.
    pub agencies: Vec<(String, bool)>,
}

/// The agencies of a verified file, given in order to the merge's `f` with their
/// index in the file (and so in the dataset).
type Feed<'a> = dyn FnMut(&mut dyn FnMut(usize, &AgencyNode) -> Result<()>) -> Result<()> + 'a;

/// [`merge_with`] of a file read whole.
fn merge_whole(
    store: &mut Store,
    v: &Verified,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
    rules: Rules,
) -> Result<Outcome> {
    let input = Input {
        opened: &v.opened,
        format_version: v.format_version,
        assessor: &v.payload.assessor,
        cycle: &v.payload.cycle,
        exported_at: &v.payload.exported_at,
        stamp: &v.stamp,
        dataset: &v.dataset,
        audit_rows: v.payload.audit.len(),
        agencies: v
            .payload
            .agencies
            .iter()
            .map(|a| (a.code.clone(), a.touched()))
            .collect(),
    };
    let mut feed = |f: &mut dyn FnMut(usize, &AgencyNode) -> Result<()>| -> Result<()> {
        for (k, agency) in v.payload.agencies.iter().enumerate() {
            f(k, agency)?;
        }
        Ok(())
    };
    merge_with(store, &input, file_name, trusted, rules, &mut feed)
}

/// What a merge enforces besides the rules that decide its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// A merge: the keys, the clock and the central assignment too.
    Merge,
    /// `check` merging a central database's stored files again: only what decides
    /// the results (the files passed the rest when they were merged).
    Again,
}

fn merge_with(
    store: &mut Store,
    v: &Input<'_>,
    file_name: &str,
    trusted: Option<&TrustedKeys>,
    rules: Rules,
    feed: &mut Feed<'_>,
) -> Result<Outcome> {
    let db = store.path().to_path_buf();
    let now = store.now();
    if rules == Rules::Merge {
        refuse_future(v, &now, &db)?;
    }
    let mut tx = store.central_tx()?;
    let sha = &v.opened.payload_sha256;
    if let Some(merged_at) = tx.merged_at(sha)? {
        return Ok(Outcome::AlreadyMerged { merged_at });
    }
    let chain = v.audit_rows as i64;
    // The import row first: results refer to it. A refusal rolls it back too.
    let import_id = tx.insert_import(&ImportRow {
        payload_sha256: sha,
        assessor_id: &v.assessor.id,
        public_key: &v.assessor.public_key,
        exported_at: v.stamp,
        file_name,
        merged_at: &now,
        products: v.dataset.products.len() as i64,
        payload: &v.opened.payload,
        signature: &v.opened.signature,
        chain,
        format_version: v.format_version,
    })?;
    tx.log(
        &now,
        crate::store::central_log::MERGE,
        file_name,
        sha,
        &v.assessor.id,
    )?;
    let assigned = match rules {
        Rules::Merge => tx.assigned_agencies(&v.assessor.id)?,
        Rules::Again => None,
    };
    let c = &v.cycle;
    let cycle_id = tx.cycle_for(&c.code, &c.kind, c.year, c.follows.as_deref(), &now)?;
    let mut m = Merger {
        tx,
        cycle_id,
        db: &db,
        v,
        import_id,
        stats: MergeStats {
            assessor_id: v.assessor.id.clone(),
            assessor_name: v.assessor.name.clone(),
            ..MergeStats::default()
        },
        stamp: format!("{}|{sha}", v.stamp),
        result_stamp: format!("{chain:020}|{}|{sha}", v.stamp),
        chain,
        assigned,
        newest_held: None,
        affected: Vec::new(),
    };
    if rules == Rules::Merge {
        m.check_key(trusted, &now)?;
    }
    m.refuse_unassigned()?;
    let instrument_ids = m.instruments()?;
    m.agencies(&instrument_ids, feed)?;
    m.refuse_replay()?;
    // What the review decided on the products this file changes is looked at again
    // once they are chosen (src/store/review.rs): returned -> resubmitted.
    let watch = match rules {
        Rules::Merge => Some(m.tx.review_watch(m.cycle_id, &m.affected)?),
        Rules::Again => None,
    };
    m.choose_affected()?;
    if let Some(watch) = watch {
        m.tx.review_resubmit(watch, &now, file_name, &v.assessor.id)?;
    }
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
    v: &'a Input<'a>,
    import_id: i64,
    stats: MergeStats,
    /// `exported_at|payload_sha256`: orders exports of any assessors (names), ties
    /// broken by hash.
    stamp: String,
    /// `CHAIN|exported_at|payload_sha256`, the chain length with 20 digits: orders one
    /// assessor's exports (results).
    result_stamp: String,
    /// How far the file's audit chain goes.
    chain: i64,
    /// The agencies the central assignment gives the file's assessor; None when the
    /// central office set none (then the catalog follows the exports, as before).
    assigned: Option<std::collections::BTreeSet<String>>,
    /// The newest stamp of this assessor's results held for products of this file
    /// that central already has newer.
    newest_held: Option<String>,
    /// Nodes whose result changed: their chosen result is looked at again.
    affected: Vec<(NodeLevel, i64)>,
    /// The id of the file's cycle in the central database.
    cycle_id: i64,
}

impl Merger<'_> {
    /// An assessor id keeps its first key unless the trusted keys file vouches for a
    /// new one; a key never changes its assessor.
    fn check_key(&mut self, trusted: Option<&TrustedKeys>, now: &str) -> Result<()> {
        let v = self.v;
        let key = &v.assessor.public_key;
        let id = &v.assessor.id;
        if let Some(r) = self.tx.revoked(key)? {
            return Err(ExchangeError::Conflict(format!(
                "revoked key: the file is signed by key {} (assessor {}), which the central office revoked at {} \
                 (reason: {}); nothing of this file was merged. The assessor must make a new key \
                 (`patuh keys init`), have it registered in the trusted keys file, and export again",
                v.opened.fingerprint,
                sanitize(id),
                sanitize(&r.revoked_at),
                sanitize(&r.reason)
            )));
        }
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
        self.tx
            .register_key(key, &v.opened.fingerprint, id, &v.assessor.name, now)?;
        Ok(())
    }

    /// The database ids of the file's instruments: each must be one the central
    /// database imported (the same id, version and SHA-256). A file never brings an
    /// instrument of its own: a rubric altered on a workstation (even the first file a
    /// new central database sees) would score every agency assessed with it.
    fn instruments(&mut self) -> Result<Vec<i64>> {
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
                    return Err(ExchangeError::Conflict(format!(
                        "instrument {} version {} (sha256 {}…) is not one {} trusts: the central office \
                         has not imported it. If it is a genuine rubric of the central office, import its file \
                         first (`patuh --db {} instrument import FILE`), then merge again",
                        i.id,
                        i.version,
                        &i.sha256[..12],
                        self.db.display(),
                        self.db.display()
                    )));
                }
            });
        }
        Ok(ids)
    }

    /// With a central assignment: results only for the agencies assigned to the
    /// file's assessor. Agencies the file carries without results are left out of the
    /// merge (an export of a whole workstation names agencies of colleagues too).
    fn refuse_unassigned(&self) -> Result<()> {
        let Some(assigned) = &self.assigned else {
            return Ok(());
        };
        let id = &self.v.assessor.id;
        for (code, touched) in &self.v.agencies {
            if *touched && !assigned.contains(code) {
                return Err(ExchangeError::Conflict(format!(
                    "agency {} is not assigned to assessor {} in the central assignment of {} (assigned: {}); \
                     nothing of this file was merged. If they assess it now, add it to the central \
                     assignment file and run `patuh --db {} central assign FILE` again",
                    sanitize(code),
                    sanitize(id),
                    self.db.display(),
                    if assigned.is_empty() {
                        "none".to_string()
                    } else {
                        assigned.iter().cloned().collect::<Vec<_>>().join(", ")
                    },
                    self.db.display()
                )));
            }
        }
        Ok(())
    }

    /// With a central assignment, the catalog is the central office's: a file naming
    /// an agency, unit or product otherwise (or one the catalog lacks) is refused.
    fn refuse_catalog_change(&self, what: String, held: Option<&str>, file: &str) -> Result<()> {
        let db = self.db.display();
        match held {
            Some(h) if h == file => Ok(()),
            Some(h) => Err(ExchangeError::Conflict(format!(
                "{what} is {:?} in this file but {:?} in {db}; with a central assignment the names and kinds \
                 come from the central office's assignment (`patuh --db {db} assignment import FILE`), not \
                 from exports: nothing of this file was merged",
                sanitize(file),
                sanitize(h)
            ))),
            None => Err(ExchangeError::Conflict(format!(
                "{what} is not in the catalog of {db}; with a central assignment only the central office adds \
                 agencies, units and products (`patuh --db {db} assignment import FILE`): nothing of this \
                 file was merged"
            ))),
        }
    }

    /// Every agency, unit and product of the file into the catalog, and the results
    /// of the products the assessor touched.
    fn agencies(&mut self, instrument_ids: &[i64], feed: &mut Feed<'_>) -> Result<()> {
        let v = self.v;
        let ids: Vec<_> = v.dataset.agencies.ids().collect();
        feed(&mut |k, agency| {
            let Some(&a) = ids.get(k) else {
                return Err(ExchangeError::Invalid(
                    "the file holds more agencies than it did when it was verified".into(),
                ));
            };
            self.agency_with_nodes(instrument_ids[v.dataset.agencies[a].instrument], agency)
        })
    }

    /// One agency of the file, with its units and products, into the catalog, and the
    /// results of the nodes the assessor touched.
    fn agency_with_nodes(&mut self, instrument_id: i64, agency: &AgencyNode) -> Result<()> {
        if self
            .assigned
            .as_ref()
            .is_some_and(|set| !set.contains(&agency.code))
        {
            return Ok(()); // untouched (refuse_unassigned): not merged at all
        }
        let agency_id = self.agency(&agency.code, &agency.name, &agency.kind, instrument_id)?;
        self.node_result(NodeLevel::Agency, agency_id, agency.parts())?;
        for unit in &agency.units {
            let upath = format!("{}/{}", agency.code, unit.code);
            let unit_id = self.unit(agency_id, &upath, &unit.code, &unit.name)?;
            self.node_result(NodeLevel::Unit, unit_id, unit.parts())?;
            for product in &unit.products {
                let ppath = format!("{upath}/{}", product.code);
                let product_id = self.product(unit_id, &ppath, &product.code, &product.name)?;
                self.node_result(NodeLevel::Product, product_id, product.parts())?;
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
        if self.assigned.is_some() {
            let held = self.tx.agency(code)?;
            let what = format!("agency {}", sanitize(code));
            self.refuse_catalog_change(what.clone(), held.as_ref().map(|h| h.name.as_str()), name)?;
            self.refuse_catalog_change(
                format!("the kind of {what}"),
                held.as_ref().map(|h| h.kind.as_str()),
                kind,
            )?;
        }
        let cycle = &self.v.cycle.code;
        let default_cycle = cycle == crate::store::DEFAULT_CYCLE;
        let held = self.tx.agency(code)?;
        if let Some(held) = &held {
            // The instrument of the agency in the file's cycle (schema 0011): another
            // one is taken for a cycle the agency holds no result of yet (a new cycle
            // assessed with another method), never for `default` or one it has results in.
            let current = self
                .tx
                .agency_instrument_in(self.cycle_id, held.id)?
                .unwrap_or(held.instrument_id);
            if current != instrument_id {
                if default_cycle || self.tx.agency_has_results(cycle, held.id)? {
                    return Err(ExchangeError::Conflict(format!(
                        "agency {code} is assessed with another instrument in {}{} than in this file; \
                         one agency is assessed with one instrument in a cycle",
                        self.db.display(),
                        if default_cycle {
                            String::new()
                        } else {
                            format!(" (cycle {})", sanitize(cycle))
                        }
                    )));
                }
                self.tx
                    .set_agency_instrument_in(self.cycle_id, held.id, instrument_id)?;
            }
        }
        match held {
            Some(held) => {
                if self.names_win(code)? && (held.name != name || held.kind != kind) {
                    self.tx.rename_agency(held.id, name, kind)?;
                    self.stats.names_updated += 1;
                }
                Ok(held.id)
            }
            None => {
                let id = self.tx.insert_agency(code, name, kind, instrument_id)?;
                if !default_cycle {
                    self.tx
                        .set_agency_instrument_in(self.cycle_id, id, instrument_id)?;
                }
                self.names_win(code)?;
                self.stats.agencies_added += 1;
                Ok(id)
            }
        }
    }

    fn unit(&mut self, agency_id: i64, path: &str, code: &str, name: &str) -> Result<i64> {
        if self.assigned.is_some() {
            let held = self.tx.unit(agency_id, code)?;
            self.refuse_catalog_change(
                format!("unit {}", sanitize(path)),
                held.as_ref().map(|(_, n)| n.as_str()),
                name,
            )?;
        }
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
        if self.assigned.is_some() {
            let held = self.tx.product(unit_id, code)?;
            self.refuse_catalog_change(
                format!("product {}", sanitize(path)),
                held.as_ref().map(|(_, n)| n.as_str()),
                name,
            )?;
        }
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

    /// Counts what the file's entry for a node does to this assessor's result.
    fn node_result(&mut self, level: NodeLevel, node_id: i64, parts: NodeParts<'_>) -> Result<()> {
        if !parts.touched() {
            if level == NodeLevel::Product {
                self.stats.untouched += 1;
            }
            return Ok(());
        }
        match self.result(level, node_id, &parts)? {
            ResultChange::Older(held) => {
                self.stats.results_older += 1;
                if self.newest_held.as_ref().is_none_or(|h| held > *h) {
                    self.newest_held = Some(held);
                }
            }
            ResultChange::New => {
                self.stats.results_new += 1;
                self.affected.push((level, node_id));
            }
            ResultChange::Superseded => {
                self.stats.results_superseded += 1;
                self.affected.push((level, node_id));
            }
        }
        Ok(())
    }

    /// Records this assessor's result for a node unless a newer one is held.
    fn result(
        &mut self,
        level: NodeLevel,
        node_id: i64,
        parts: &NodeParts<'_>,
    ) -> Result<ResultChange> {
        let v = self.v;
        let id = &v.assessor.id;
        let cycle = &v.cycle.code;
        let change = match self.tx.node_result_stamp(cycle, level, node_id, id)? {
            Some(h) if h >= self.result_stamp => return Ok(ResultChange::Older(h)),
            Some(_) => ResultChange::Superseded,
            None => ResultChange::New,
        };
        let empty = super::bundle2::FollowupsEntry::default();
        let followups = parts.followups.unwrap_or(&empty);
        let result = NodeResult {
            cycle,
            level,
            node_id,
            assessor_id: id,
            assessor_name: &v.assessor.name,
            import_id: self.import_id,
            exported_at: v.stamp,
            chain: self.chain,
            payload_sha256: &v.opened.payload_sha256,
            finalized_at: parts.finalized_at,
            finalized_by: parts.finalized_by,
            score: parts.score.value.as_ref().map(|n| n.to_string()),
            category: parts.score.category.as_deref(),
            zone: parts.score.zone.as_deref(),
            closed_at: followups.closed_at.as_deref(),
            closed_by: followups.closed_by.as_deref(),
        };
        let answers = parts.answers.iter().map(|a| NewAnswer {
            indicator: &a.indicator,
            respondent: a.respondent.as_deref().unwrap_or(""),
            value: a.value,
            amount: a.amount.as_deref(),
            source: a.source.as_deref(),
            na: a.na,
            carried: a.carried,
            note: &a.note,
            updated_at: &a.updated_at,
            updated_by: &a.updated_by,
        });
        let respondents = parts.respondents.iter().map(|r| NewRespondent {
            uid: &r.uid,
            role: &r.role,
            number: r.number,
            label: &r.label,
            added_at: &r.added_at,
            added_by: &r.added_by,
            removed_at: r.removed_at.as_deref(),
            removed_by: r.removed_by.as_deref(),
            removed_reason: r.removed_reason.as_deref(),
        });
        let evidence = parts.evidence.iter().map(|e| NewEvidence {
            indicator: &e.indicator,
            reference: &e.reference,
            size: e.size,
            sha256: e.sha256.as_deref(),
            added_at: &e.added_at,
            added_by: &e.added_by,
        });
        let items = followups.items.iter().map(|f| NewFollowup {
            kind: &f.kind,
            reference: &f.reference,
            status: &f.status,
            updated_at: &f.updated_at,
            updated_by: &f.updated_by,
        });
        self.tx.replace_node_result(NewResult {
            result,
            answers,
            respondents,
            evidence,
            followups: items,
        })?;
        Ok(change)
    }

    /// A file that changes nothing because central holds newer results of its
    /// assessor for all it has is an out-of-date copy (or a replay): refused.
    fn refuse_replay(&self) -> Result<()> {
        if self.tx.written() == 0 && self.stats.results_older > 0 {
            let newest = self.newest_held.clone().unwrap_or_default();
            let mut parts = newest.split('|');
            let chain = parts
                .next()
                .and_then(|c| c.parse::<i64>().ok())
                .unwrap_or_default();
            let at = parts.next().unwrap_or_default();
            return Err(ExchangeError::Replayed {
                assessor: self.v.assessor.id.clone(),
                newest: format!(
                    "{at}, its audit log {chain} rows long; this file's is {} rows",
                    self.chain
                ),
            });
        }
        Ok(())
    }

    /// The chosen result of every node whose results changed, and the conflicts.
    fn choose_affected(&mut self) -> Result<()> {
        let cycle = self.v.cycle.code.clone();
        let choices = self
            .tx
            .choose_nodes(&cycle, self.cycle_id, &self.affected)?;
        self.stats.conflicts += choices.iter().filter(|c| c.conflict).count();
        Ok(())
    }
}

/// Refuses an export dated more than [`MAX_AHEAD`] after the central clock (`now`,
/// RFC 3339): a workstation whose clock is set years ahead would otherwise date its
/// results ahead of every later export of every assessor.
fn refuse_future(v: &Input<'_>, now: &str, db: &Path) -> Result<()> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let Ok(now) = OffsetDateTime::parse(now, &Rfc3339) else {
        return Ok(());
    };
    let Some(limit) = now.checked_add(MAX_AHEAD) else {
        return Ok(());
    };
    let limit = super::verify::stamp_of(limit)?;
    if v.stamp > limit.as_str() {
        return Err(ExchangeError::Conflict(format!(
            "exported_at {} is more than a day after the clock of this computer ({}, the clock of {}); \
             the workstation's clock is wrong. Set its date and time right and export again; nothing of \
             this file was merged",
            sanitize(v.exported_at),
            now.format(&Rfc3339).unwrap_or_default(),
            db.display()
        )));
    }
    Ok(())
}

/// The side of `patuh check` on a central database that reads its stored files: each
/// merged payload hashes to its recorded SHA-256, is signed by its recorded key and
/// passes every check of `verify` again; and merging them all again, in the order
/// they were merged, into an empty database gives exactly the results (each
/// assessor's, with their observations and evidence) the database holds. With
/// `Store::check` (its own log, the chosen results, the keys) this is what a central
/// database's merges are checked by. One line per problem.
pub fn check_central(store: &Store) -> Result<Vec<String>> {
    use super::bundle::{Envelope, FORMAT, layout};
    use base64::Engine as _;
    let mut problems = Vec::new();
    if !store.holds_merged_files()? {
        return Ok(problems);
    }
    let mut again = Store::scratch(store.path())?;
    again.claim_central()?;
    match store.instruments() {
        Ok(rows) => {
            for row in rows.iter().filter(|r| r.sha256 == r.instrument.sha256) {
                again.import_instrument(&row.instrument)?;
            }
        }
        // An instrument that no longer validates: `Store::check` names it.
        Err(crate::store::StoreError::Corrupt { .. }) => return Ok(problems),
        Err(e) => return Err(e.into()),
    }
    store.each_merged_file(|f| -> Result<()> {
        let name = sanitize(&f.file_name).into_owned();
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&f.payload));
        if sha != f.payload_sha256 {
            problems.push(format!(
                "merged file {name}: its stored payload hashes to {sha}, not to its recorded {}: changed outside patuh",
                sanitize(&f.payload_sha256)
            ));
            return Ok(());
        }
        let bytes = layout(&Envelope {
            format: FORMAT.into(),
            format_version: f.format_version,
            public_key: f.public_key.clone(),
            signature: f.signature.clone(),
            payload: base64::engine::general_purpose::STANDARD.encode(&f.payload),
        });
        let v = match super::verify::verify_bytes_whole(&bytes, None) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!(
                    "merged file {name} no longer verifies: {e} (changed outside patuh)"
                ));
                return Ok(());
            }
        };
        if v.payload.assessor.id != f.assessor_id {
            problems.push(format!(
                "merged file {name}: the import log says it is from assessor {}, the file says {}: changed outside patuh",
                sanitize(&f.assessor_id),
                sanitize(&v.payload.assessor.id)
            ));
        }
        if let Err(e) = merge_whole(&mut again, &v, &f.file_name, None, Rules::Again) {
            problems.push(format!(
                "merged file {name} does not merge again: {e} (the import log was changed outside patuh)"
            ));
        }
        Ok(())
    })?;
    let held = store.central_results()?;
    let given = again.central_results()?;
    if held != given {
        let held_set: std::collections::BTreeSet<&String> = held.iter().collect();
        let given_set: std::collections::BTreeSet<&String> = given.iter().collect();
        for line in held_set.difference(&given_set).take(10) {
            problems.push(format!(
                "the merged results hold {} which the stored files do not give: changed outside patuh",
                sanitize(line)
            ));
        }
        for line in given_set.difference(&held_set).take(10) {
            problems.push(format!(
                "the stored files give {} which the merged results do not hold: changed outside patuh",
                sanitize(line)
            ));
        }
    }
    Ok(problems)
}
