//! Verifying an export file before anyone relies on it: decryption (when encrypted),
//! format and version, the signature over the exact payload bytes, the signer against
//! the trusted keys, the audit hash chain (and that it accounts for every exported
//! observation), and every score recomputed by the scoring engine. The first failure
//! is the answer, with its precise reason. Both format versions are read: format 1's
//! checks are here, format 2's (every level, respondents, data values, follow-ups) in
//! `verify2`; a verified file of either is given in format 2's model.

use std::collections::HashSet;
use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::bundle::{self, Assessor, AuditEntry, FORMAT_VERSION_1, Opened, Payload, ScoreEntry};
use super::bundle2::{Payload2, ProductNode};
use super::crypt::{self, CentralIdentity};
use super::export::score_entry;
use super::keys::TrustedKeys;
use super::{ExchangeError, Result};
use crate::domain::json::is_code;
use crate::domain::model::{
    Agency, Dataset, Ix, Kind, Product, ProductIx, ScoreBook, Unit, UnitIx,
};
use crate::domain::scoring::Value;
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Problem};
use crate::store::audit::{Replay, Replayed};
use crate::store::{AuditRow, ChainBreak, GENESIS};

/// An export that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub opened: Opened,
    /// The file's format version (1 or 2).
    pub format_version: i64,
    /// The payload, in format 2's model (a format-1 payload converted once verified).
    pub payload: Payload2,
    /// The payload rebuilt in memory, as a workstation would load it.
    pub dataset: Dataset,
    /// `exported_at` normalised (UTC, nanoseconds) so that text order is time order.
    pub stamp: String,
    pub encrypted: bool,
    /// The trusted keys file the signer was found in, if one was given.
    pub trusted_by: Option<String>,
    pub scores_checked: usize,
    pub audit_full: usize,
}

/// What `patuh verify` tells of a file that passed every check: the same whether the
/// file was read as a stream or whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    pub format_version: i64,
    pub encrypted: bool,
    pub assessor: Assessor,
    pub fingerprint: String,
    pub trusted_by: Option<String>,
    pub exported_at: String,
    pub cycle: String,
    pub agencies: usize,
    pub units: usize,
    pub products: usize,
    /// Products with results.
    pub touched: usize,
    /// Units and agencies with answers of their own.
    pub own: usize,
    pub answers: usize,
    pub respondents: usize,
    pub audit_rows: usize,
    pub audit_full: usize,
    pub scores_checked: usize,
    pub payload_sha256: String,
}

impl Checked {
    /// Counts one agency's nodes.
    pub(crate) fn tally(&mut self, agency: &super::bundle2::AgencyNode) {
        self.agencies += 1;
        self.units += agency.units.len();
        for (path, parts) in agency.nodes() {
            let product = path.matches('/').count() == 2;
            if product {
                self.products += 1;
                self.touched += usize::from(parts.touched());
            } else {
                self.own += usize::from(parts.touched());
            }
            self.answers += parts.answers.len();
            self.respondents += parts.respondents.len();
        }
    }
}

impl Verified {
    /// What `patuh verify` tells of it.
    pub fn checked(&self) -> Checked {
        let p = &self.payload;
        let mut c = Checked {
            format_version: self.format_version,
            encrypted: self.encrypted,
            assessor: p.assessor.clone(),
            fingerprint: self.opened.fingerprint.clone(),
            trusted_by: self.trusted_by.clone(),
            exported_at: p.exported_at.clone(),
            cycle: p.cycle.code.clone(),
            audit_rows: p.audit.len(),
            audit_full: self.audit_full,
            scores_checked: self.scores_checked,
            payload_sha256: self.opened.payload_sha256.clone(),
            ..Checked::default()
        };
        for a in &p.agencies {
            c.tally(a);
        }
        // The dataset's units: a format-1 file counts them so too.
        c.units = self.dataset.units.len();
        c
    }

    pub fn products(&self) -> impl Iterator<Item = (String, &ProductNode)> {
        self.payload.agencies.iter().flat_map(|a| {
            a.units.iter().flat_map(move |u| {
                u.products
                    .iter()
                    .map(move |p| (format!("{}/{}/{}", a.code, u.code, p.code), p))
            })
        })
    }
}

/// Reads and verifies one file.
pub fn verify_file(
    path: &Path,
    trusted: Option<&TrustedKeys>,
    identity: Option<&CentralIdentity>,
) -> Result<Verified> {
    let bytes = crate::fsio::read(path, crate::fsio::MAX_EXPORT_BYTES, "an export file")?;
    let encrypted = crypt::is_encrypted(&bytes);
    if encrypted {
        let id = identity.ok_or(ExchangeError::Encrypted)?;
        let plain = id.decrypt(&bytes)?;
        drop(bytes);
        return verify_plain(&plain, encrypted, trusted);
    }
    verify_plain(&bytes, encrypted, trusted)
}

/// Verifies one file as `patuh verify` does, in bounded memory: a format-2 file is
/// read as a stream, twice (the signature over its payload first, then the payload
/// expanded and checked record by record, never whole in memory). A file that is not
/// one (format 1, encrypted, or refused: then its reason is found by reading it whole,
/// as before, so that every refusal says exactly what it said) is verified whole.
pub fn verify_file_checked(
    path: &Path,
    trusted: Option<&TrustedKeys>,
    identity: Option<&CentralIdentity>,
) -> Result<Checked> {
    if let Ok((file, meta)) = crate::fsio::open_regular(path, true)
        && meta.len() <= crate::fsio::MAX_EXPORT_BYTES
    {
        use std::io::Read;
        let mut magic = Vec::new();
        let plain = file.take(64).read_to_end(&mut magic).is_ok()
            && !magic.is_empty()
            && !crypt::is_encrypted(&magic);
        if plain
            && let Some(c) = super::verify2::verify_stream(
                bundle::Source::File(path, meta.len()),
                false,
                trusted,
            )
        {
            return Ok(c);
        }
    }
    verify_file(path, trusted, identity).map(|v| v.checked())
}

/// The streaming reading of a (decrypted) format-2 file alone, as `patuh verify` makes
/// it: None when it does not accept the file (then `patuh verify` reads the file whole
/// to say why). For tests and benchmarks: a file it accepts, the whole reading accepts
/// with the same figures.
pub fn verify_streamed(bytes: &[u8], trusted: Option<&TrustedKeys>) -> Option<Checked> {
    super::verify2::verify_stream(bundle::Source::Bytes(bytes), false, trusted)
}

/// Verifies the bytes of an export file (encrypted or not). A format-2 file is
/// verified both as a stream and whole, and the two must agree (a test build stops
/// when they do not): the streaming reading of `patuh verify` meets every test of the
/// verdicts.
pub fn verify_bytes(
    bytes: &[u8],
    trusted: Option<&TrustedKeys>,
    identity: Option<&CentralIdentity>,
) -> Result<Verified> {
    let encrypted = crypt::is_encrypted(bytes);
    let plain;
    let bytes = if encrypted {
        let id = identity.ok_or(ExchangeError::Encrypted)?;
        plain = id.decrypt(bytes)?;
        &plain[..]
    } else {
        bytes
    };
    let whole = verify_plain(bytes, encrypted, trusted);
    // The streamed reading is only the test builds' cross-check: a release build does
    // not pay for a second verification whose result it does not use.
    let streamed = if cfg!(debug_assertions) {
        super::verify2::verify_stream(bundle::Source::Bytes(bytes), encrypted, trusted)
    } else {
        None
    };
    if let Some(s) = &streamed {
        match &whole {
            Ok(v) => debug_assert_eq!(*s, v.checked(), "streamed and whole verification differ"),
            Err(e) => debug_assert!(
                false,
                "the streamed verification passed a file refused: {e}"
            ),
        }
    }
    whole
}

/// [`verify_bytes`] reading the file whole only (`check` of a central database's
/// stored files).
pub(crate) fn verify_bytes_whole(bytes: &[u8], trusted: Option<&TrustedKeys>) -> Result<Verified> {
    if crypt::is_encrypted(bytes) {
        return Err(ExchangeError::Encrypted);
    }
    verify_plain(bytes, false, trusted)
}

/// [`verify_bytes`] of a decrypted file, whole in memory.
fn verify_plain(bytes: &[u8], encrypted: bool, trusted: Option<&TrustedKeys>) -> Result<Verified> {
    let opened = bundle::open(bytes)?;
    if opened.format_version != FORMAT_VERSION_1 {
        return super::verify2::verify_opened(opened, encrypted, trusted);
    }
    let payload = bundle::parse_payload(&opened.payload)?;
    let trusted_by = check_assessor(&opened, &payload.assessor, trusted)?;
    let stamp = stamp(&payload.exported_at)?;
    let dataset = rebuild(&payload)?;
    let audit_full = check_audit(&payload.audit)?;
    check_audit_accounts(&payload, &dataset)?;
    let scores_checked = check_scores(&payload, &dataset)?;
    Ok(Verified {
        opened,
        format_version: FORMAT_VERSION_1,
        payload: Payload2::from_v1(payload),
        dataset,
        stamp,
        encrypted,
        trusted_by,
        scores_checked,
        audit_full,
    })
}

/// The payload names the key that signed it and a valid assessor id, and with a
/// trusted keys file the key is registered for that id. Returns the trusted keys
/// file's path when one was given.
pub(crate) fn check_assessor(
    opened: &Opened,
    assessor: &Assessor,
    trusted: Option<&TrustedKeys>,
) -> Result<Option<String>> {
    let claimed = super::keys::parse_public(&assessor.public_key)
        .map_err(|e| ExchangeError::Invalid(format!("assessor.public_key: {e}")))?;
    if claimed != opened.public_key {
        return Err(ExchangeError::Invalid(format!(
            "the payload names assessor key {} but the file is signed by key {}",
            super::keys::fingerprint(&claimed),
            opened.fingerprint
        )));
    }
    if !is_code(&assessor.id) {
        return Err(ExchangeError::Invalid(format!(
            "assessor id {:?} is not a valid id",
            sanitize(&assessor.id)
        )));
    }
    Ok(match trusted {
        Some(t) => {
            t.check(&opened.public_key, &assessor.id, &assessor.name)?;
            Some(t.path.display().to_string())
        }
        None => None,
    })
}

/// `exported_at` as UTC with nine decimals: `2025-03-01T08:00:00.000000000Z`.
pub fn stamp(exported_at: &str) -> Result<String> {
    let t = OffsetDateTime::parse(exported_at, &Rfc3339).map_err(|e| {
        ExchangeError::Invalid(format!(
            "exported_at {:?} is not an RFC 3339 time ({e})",
            sanitize(exported_at)
        ))
    })?;
    // RFC 3339 allows the years 0000-9999 with any offset, so UTC can fall outside
    // them (`9999-12-31T23:59:59-01:00` is the year 10000 in UTC, where `to_offset`
    // panics; `0000-01-01T00:00:00+00:01` the year -1, whose text would not sort as
    // time): refused.
    let t = t
        .checked_to_offset(time::UtcOffset::UTC)
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| {
            ExchangeError::Invalid(format!(
                "exported_at {:?} lies outside the years 0000-9999 once taken to UTC; the workstation's clock is wrong",
                sanitize(exported_at)
            ))
        })?;
    stamp_of(t)
}

/// A UTC time as a stamp: nine decimals, so that text order is time order.
pub fn stamp_of(t: OffsetDateTime) -> Result<String> {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    t.checked_to_offset(time::UtcOffset::UTC)
        .ok_or_else(|| ExchangeError::Invalid("a time outside the years UTC can hold".into()))?
        .format(&fmt)
        .map_err(|e| ExchangeError::Invalid(format!("exported_at: {e}")))
}

fn invalid(what: String) -> ExchangeError {
    ExchangeError::Invalid(what)
}

/// Rebuilds the payload as a [`Dataset`], checking that it is one.
fn rebuild(payload: &Payload) -> Result<Dataset> {
    let mut ds = Dataset::default();
    rebuild_instruments(&mut ds, &payload.instruments)?;
    rebuild_agencies(&mut ds, payload)?;
    Ok(ds)
}

/// The file's instruments, re-validated and re-hashed, each once.
pub(crate) fn rebuild_instruments(
    ds: &mut Dataset,
    instruments: &[bundle::InstrumentEntry],
) -> Result<()> {
    for (n, entry) in instruments.iter().enumerate() {
        let instrument = Instrument::from_value(&entry.body).map_err(|p: Vec<Problem>| {
            invalid(format!(
                "instruments[{n}] ({} version {}): {}",
                sanitize(&entry.id),
                sanitize(&entry.version),
                p.first().map(|x| x.to_string()).unwrap_or_default()
            ))
        })?;
        if instrument.id != entry.id || instrument.version != entry.version {
            return Err(invalid(format!(
                "instruments[{n}]: the body is instrument {} version {}, not {} version {}",
                instrument.id,
                instrument.version,
                sanitize(&entry.id),
                sanitize(&entry.version)
            )));
        }
        if instrument.sha256 != entry.sha256 {
            return Err(invalid(format!(
                "instrument {} version {}: its content hashes to {}, not the declared {}",
                instrument.id,
                instrument.version,
                instrument.sha256,
                sanitize(&entry.sha256)
            )));
        }
        if ds
            .instruments
            .iter()
            .any(|i| i.id == instrument.id && i.version == instrument.version)
        {
            return Err(invalid(format!(
                "instrument {} version {} is in the file twice",
                instrument.id, instrument.version
            )));
        }
        ds.instruments.push(instrument);
    }
    Ok(())
}

fn rebuild_agencies(ds: &mut Dataset, payload: &Payload) -> Result<()> {
    let mut agency_codes = HashSet::new();
    for a in &payload.agencies {
        let code = &a.code;
        if !is_code(code) || !agency_codes.insert(code.clone()) {
            return Err(invalid(format!(
                "agency code {:?} is not a valid code or appears twice",
                sanitize(code)
            )));
        }
        let kind: Kind = a
            .kind
            .parse()
            .map_err(|e: String| invalid(format!("agency {code}: {e}")))?;
        let instrument = ds
            .instruments
            .iter()
            .position(|i| {
                i.id == a.instrument.id
                    && i.version == a.instrument.version
                    && i.sha256 == a.instrument.sha256
            })
            .ok_or_else(|| {
                invalid(format!(
                    "agency {code}: its instrument {} version {} is not in the file",
                    sanitize(&a.instrument.id),
                    sanitize(&a.instrument.version)
                ))
            })?;
        let agency = ds.agencies.next_id();
        ds.agencies.push(Agency {
            db_id: 0,
            code: code.clone(),
            name: a.name.clone(),
            kind,
            instrument,
            units: Vec::new(),
        });
        let inst = &ds.instruments[instrument];
        let mut unit_codes = HashSet::new();
        for u in &a.units {
            if !is_code(&u.code) || !unit_codes.insert(u.code.clone()) {
                return Err(invalid(format!(
                    "agency {code}: unit code {:?} is not a valid code or appears twice",
                    sanitize(&u.code)
                )));
            }
            let unit = ds.units.next_id();
            ds.agencies[agency].units.push(unit);
            let mut product_ids = Vec::new();
            let mut product_codes = HashSet::new();
            for p in &u.products {
                let path = format!("{code}/{}/{}", u.code, p.code);
                if !is_code(&p.code) || !product_codes.insert(p.code.clone()) {
                    return Err(invalid(format!(
                        "{}: not a valid product code or it appears twice",
                        sanitize(&path)
                    )));
                }
                product_ids.push(ds.products.next_id());
                ds.products.push(product(inst, unit, p, &path)?);
            }
            ds.units.push(Unit {
                db_id: 0,
                code: u.code.clone(),
                name: u.name.clone(),
                agency,
                products: product_ids,
            });
        }
    }
    Ok(())
}

fn product(
    inst: &Instrument,
    unit: UnitIx,
    p: &bundle::ProductEntry,
    path: &str,
) -> Result<Product> {
    let n = inst.indicators.len();
    let mut values = vec![Value::Unanswered; n];
    let mut notes = vec![String::new(); n];
    let mut evidence = vec![0u32; n];
    let mut seen = HashSet::new();
    for o in &p.observations {
        let i = inst.indicator_index(&o.indicator).ok_or_else(|| {
            invalid(format!(
                "{path}: observation of indicator {:?}, which instrument {} does not have",
                sanitize(&o.indicator),
                inst.id
            ))
        })?;
        if !seen.insert(i) {
            return Err(invalid(format!(
                "{path}: indicator {} is observed twice",
                o.indicator
            )));
        }
        values[i] = match (o.na, o.value) {
            (true, None) => Value::NotApplicable,
            (true, Some(_)) => {
                return Err(invalid(format!(
                    "{path} {}: both a value and N/A",
                    o.indicator
                )));
            }
            (false, Some(v)) if v > inst.indicators[i].max => {
                return Err(invalid(format!(
                    "{path} {}: value {v} is above the maximum {}",
                    o.indicator, inst.indicators[i].max
                )));
            }
            (false, Some(v)) => Value::level(v),
            (false, None) => Value::Unanswered,
        };
        notes[i] = o.note.clone();
    }
    for e in &p.evidence {
        let i = inst.indicator_index(&e.indicator).ok_or_else(|| {
            invalid(format!(
                "{path}: evidence for indicator {:?}, which instrument {} does not have",
                sanitize(&e.indicator),
                inst.id
            ))
        })?;
        evidence[i] += 1;
    }
    if p.finalized_at.is_some() != p.finalized_by.is_some() {
        return Err(invalid(format!(
            "{path}: finalized_at and finalized_by must be given together"
        )));
    }
    Ok(Product {
        db_id: 0,
        code: p.code.clone(),
        name: p.name.clone(),
        unit,
        finalized: p.finalized_at.is_some(),
        values,
        notes: notes.into(),
        evidence: evidence.into(),
    })
}

pub(crate) fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The chain from GENESIS: rows numbered 1, 2, 3, ..., each following the previous
/// one, and each full row's content hashing to its hash. Returns the full rows.
pub fn check_audit(rows: &[AuditEntry]) -> Result<usize> {
    let mut prev = GENESIS.to_string();
    let mut full = 0;
    for (i, entry) in rows.iter().enumerate() {
        let expected = i as i64 + 1;
        let fail = |reason: String| {
            ExchangeError::AuditChain(
                ChainBreak {
                    seq: entry.seq,
                    reason,
                }
                .to_string(),
            )
        };
        if entry.seq != expected {
            return Err(fail(format!(
                "expected row {expected} here: a row was deleted or reordered"
            )));
        }
        if entry.prev_hash != prev {
            return Err(fail("it does not follow the previous row".into()));
        }
        if !is_hash(&entry.hash) {
            return Err(fail("its hash is not a SHA-256".into()));
        }
        if let Some(c) = &entry.content {
            let row = AuditRow {
                seq: entry.seq,
                at: c.at.clone(),
                who: c.who.clone(),
                path: c.product.clone(),
                indicator: c.indicator.clone(),
                action: c.action.clone(),
                old: c.old.clone(),
                new: c.new.clone(),
                prev_hash: entry.prev_hash.clone(),
                cycle: None,
                respondent: None,
            };
            if row.hash() != entry.hash {
                return Err(fail("its content does not match its hash".into()));
            }
            full += 1;
        }
        prev = entry.hash.clone();
    }
    Ok(full)
}

/// Replays the audit log of every exported product, checking that each row follows
/// from the rows before it, and that it ends in the exported observations: no value,
/// note, evidence or finalization without its row.
fn check_audit_accounts(payload: &Payload, ds: &Dataset) -> Result<()> {
    let mut replay = Replay::new();
    let products: std::collections::HashMap<String, ProductIx> =
        ds.products.ids().map(|p| (ds.product_path(p), p)).collect();
    for entry in &payload.audit {
        let Some(c) = &entry.content else { continue };
        if let Some(&p) = products.get(&c.product) {
            check_row_on_scale(entry.seq, c, ds.instrument_of_product(p))?;
        }
        replay
            .apply(
                entry.seq,
                &c.product,
                c.indicator.as_deref(),
                &c.action,
                c.old.as_deref(),
                c.new.as_deref(),
            )
            .map_err(|b| ExchangeError::AuditChain(b.to_string()))?;
    }
    let empty = Replayed::default();
    for p in ds.products.ids() {
        let path = ds.product_path(p);
        let inst = ds.instrument_of_product(p);
        let product = &ds.products[p];
        let s = replay.product(&path).unwrap_or(&empty);
        let unaccounted = |what: String| {
            ExchangeError::AuditChain(format!(
                "the audit log does not account for {}: {what} (an observation was changed outside patuh)",
                sanitize(&path)
            ))
        };
        for (i, ind) in inst.indicators.iter().enumerate() {
            let logged = s.values.get(&ind.id).map(String::as_str).unwrap_or("");
            let exported = product.values[i].audit_text();
            if logged != exported {
                return Err(unaccounted(format!(
                    "indicator {} is {exported:?} but its last logged value is {logged:?}",
                    ind.id
                )));
            }
            let logged = s.notes.get(&ind.id).map(String::as_str).unwrap_or("");
            if logged != product.notes[i] {
                return Err(unaccounted(format!(
                    "the note of indicator {} differs from its last logged note",
                    ind.id
                )));
            }
            let logged = s.evidence.get(&ind.id).copied().unwrap_or(0);
            if logged != product.evidence[i] {
                return Err(unaccounted(format!(
                    "indicator {} has {} evidence reference(s) but the log adds {logged}",
                    ind.id, product.evidence[i]
                )));
            }
        }
        if s.finalized != product.finalized {
            return Err(unaccounted(format!(
                "it is {} but the log says {}",
                if product.finalized {
                    "finalized"
                } else {
                    "not finalized"
                },
                if s.finalized {
                    "finalized"
                } else {
                    "not finalized"
                }
            )));
        }
    }
    Ok(())
}

/// A row of an exported product names an indicator of the product's instrument, and
/// a value row's old and new values are values on that indicator's scale (`""` for
/// unanswered, `N/A`, or a whole number from 0 to its maximum, written as patuh
/// writes it). Scoring would cap a value above the maximum silently; a history
/// holding one was not written by patuh.
fn check_row_on_scale(seq: i64, c: &super::bundle::AuditContent, inst: &Instrument) -> Result<()> {
    let fail = |reason: String| ExchangeError::AuditChain(ChainBreak { seq, reason }.to_string());
    if !matches!(
        c.action.as_str(),
        "value" | "note" | "evidence" | "evidence_removed" | "evidence_restored"
    ) {
        return Ok(());
    }
    let name = c.indicator.as_deref().unwrap_or_default();
    let Some(i) = inst.indicator_index(name) else {
        return Err(fail(format!(
            "it changes indicator {:?} of {}, which instrument {} does not have",
            sanitize(name),
            sanitize(&c.product),
            inst.id
        )));
    };
    if c.action != "value" {
        return Ok(());
    }
    let max = inst.indicators[i].max;
    for text in [c.old.as_deref(), c.new.as_deref()].into_iter().flatten() {
        let on_scale = match text {
            "" | "N/A" => true,
            t => t
                .parse::<u32>()
                .is_ok_and(|v| v <= max && v.to_string() == t),
        };
        if !on_scale {
            return Err(fail(format!(
                "it gives {} {} the value {:?}, which is not on its scale (0 to {max}, or N/A)",
                sanitize(&c.product),
                sanitize(name),
                sanitize(text)
            )));
        }
    }
    Ok(())
}

pub(crate) fn show(s: &ScoreEntry) -> String {
    match (&s.value, &s.zone) {
        (Some(v), Some(z)) => format!("{v} {} ({}/{})", sanitize(z), s.answered, s.total),
        _ => format!(
            "no score ({}/{}){}",
            s.answered,
            s.total,
            s.zone
                .as_deref()
                .map(|z| format!(" zone {}", sanitize(z)))
                .unwrap_or_default()
        ),
    }
}

fn same(a: &ScoreEntry, b: &ScoreEntry) -> bool {
    a.value.as_ref().map(|v| v.to_string()) == b.value.as_ref().map(|v| v.to_string())
        && a.zone == b.zone
        && a.answered == b.answered
        && a.total == b.total
}

/// Recomputes every product, unit and agency score and compares it with the file.
fn check_scores(payload: &Payload, ds: &Dataset) -> Result<usize> {
    let book = ScoreBook::compute(ds);
    let mut checked = 0;
    let mut compare = |what: String, exported: &ScoreEntry, recomputed: ScoreEntry| {
        checked += 1;
        if same(exported, &recomputed) {
            Ok(())
        } else {
            Err(ExchangeError::ScoreMismatch {
                what: sanitize(&what).into_owned(),
                exported: show(exported),
                recomputed: show(&recomputed),
            })
        }
    };
    let mut p = ProductIx::default();
    let mut u = UnitIx::default();
    for (a, agency) in ds.agencies.ids().zip(&payload.agencies) {
        let inst = ds.instrument_of_agency(a);
        for unit in &agency.units {
            for product in &unit.products {
                compare(
                    format!("product {}", ds.product_path(p)),
                    &product.score,
                    score_entry(&book.product_summary(p), inst),
                )?;
                p = ProductIx::new(p.index() + 1);
            }
            compare(
                format!("unit {}/{}", agency.code, unit.code),
                &unit.score,
                score_entry(&book.unit(u), inst),
            )?;
            u = UnitIx::new(u.index() + 1);
        }
        compare(
            format!("agency {}", agency.code),
            &agency.score,
            score_entry(&book.agency(ds, a), inst),
        )?;
    }
    Ok(checked)
}
