//! Verifying a format-2 export (`verify` does the envelope and format 1): the signed
//! zstd frame expanded within its declared size (a bomb is refused before anything is
//! expanded), the payload rebuilt as a [`Dataset`] at every level with every answer
//! checked against its indicator (answered at the indicator's level only, by its kind: a
//! level of its scale for an observation or an interview answer, by a respondent of the
//! role asked, present at that node; a decimal in 0..max with its source for a data
//! value), respondents of a role interviewed at their node's level, the audit chain
//! (rows of nine or eleven fields, src/store/audit.rs), the replayed log accounting for
//! every node's answers, respondents, evidence, finalization and follow-ups, and every
//! score, category, zone, dimension score, progress and qualifier recomputed. Each
//! refusal names the node, the record and what to do.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::bundle::InstrumentEntry;
use super::bundle::{EvidenceEntry, Opened};
use super::bundle2::{
    self, AgencyNode, AuditEntry2, CycleEntry, FollowupsEntry, NodeParts, Payload2,
    RespondentEntry, Score2,
};
use super::cut::Cutter;
use super::export::score2;
use super::keys::TrustedKeys;
use super::verify::{Verified, check_assessor, is_hash, rebuild_instruments, stamp};
use super::{ExchangeError, Result};
use crate::domain::Instrument;
use crate::domain::followup::{FollowUpItem, FollowUpKind, FollowUpStatus};
use crate::domain::instrument::{NodeLevel, Source};
use crate::domain::json::is_code;
use crate::domain::model::{
    Agency, Carried, DataValue, Dataset, IndicatorIx, Kind, NodeRef, Product, Respondent,
    ScoreBook, Unit,
};
use crate::domain::scoring::Value;
use crate::domain::text::sanitize;
use crate::store::audit::AuditRowRef;
use crate::store::audit::{Replay, Replayed, ReplayedRespondent, data_text, respondent_text};
use crate::store::{ChainBreak, GENESIS};

/// What to say after a refusal of the payload's content: it was not written by patuh
/// as it is.
const FIX: &str = "patuh never writes this: the file was changed after it was made, or \
                   made by other software; do not use it, ask the assessor to export again";

fn invalid(what: String) -> ExchangeError {
    ExchangeError::Invalid(format!("{what}; {FIX}"))
}

/// Verifies a format-2 file whose envelope and signature `verify` checked.
pub(crate) fn verify_opened(
    opened: Opened,
    encrypted: bool,
    trusted: Option<&TrustedKeys>,
) -> Result<Verified> {
    let json = bundle2::decompress(&opened.payload, bundle2::MAX_PAYLOAD_BYTES)?;
    let payload = bundle2::parse_payload2(&json)?;
    drop(json);
    let trusted_by = check_assessor(&opened, &payload.assessor, trusted)?;
    let stamp = stamp(&payload.exported_at)?;
    let dataset = rebuild(&payload)?;
    let audit_full = check_audit2(&payload.audit)?;
    check_accounts(&payload, &dataset)?;
    let scores_checked = check_scores(&payload.agencies, &dataset)?;
    Ok(Verified {
        opened,
        format_version: bundle2_version(),
        payload,
        dataset,
        stamp,
        encrypted,
        trusted_by,
        scores_checked,
        audit_full,
    })
}

fn bundle2_version() -> i64 {
    super::bundle::FORMAT_VERSION
}

/// The file's cycle: a code, a kind, a year, the cycle it follows.
fn check_cycle(c: &CycleEntry) -> Result<()> {
    if !is_code(&c.code) {
        return Err(invalid(format!(
            "cycle code {:?} is not a code (letters, digits, - _ .)",
            sanitize(&c.code)
        )));
    }
    if !matches!(c.kind.as_str(), "assessment" | "mentoring") {
        return Err(invalid(format!(
            "cycle {}: kind {:?} is neither assessment nor mentoring",
            c.code,
            sanitize(&c.kind)
        )));
    }
    if let Some(f) = &c.follows
        && !is_code(f)
    {
        return Err(invalid(format!(
            "cycle {}: it follows {:?}, which is not a cycle code",
            c.code,
            sanitize(f)
        )));
    }
    Ok(())
}

/// Rebuilds the payload as a [`Dataset`] at every level, checking that it is one patuh
/// could hold.
fn rebuild(p: &Payload2) -> Result<Dataset> {
    let mut r = Rebuild::new(&p.cycle, &p.instruments)?;
    for a in &p.agencies {
        r.agency(a)?;
    }
    Ok(r.ds)
}

/// The dataset being rebuilt, agency by agency (a streaming reading gives them one at
/// a time).
struct Rebuild {
    ds: Dataset,
    /// The nodes' data go into `ds` while each is checked against its instrument: a
    /// copy of the (few) instruments, not one per node.
    instruments: Vec<Instrument>,
    /// Each instrument's indicators by id (the instrument's own lookup is a scan).
    indexes: Vec<HashMap<String, usize>>,
    agency_codes: HashSet<String>,
    uids: HashSet<String>,
}

impl Rebuild {
    fn new(cycle: &CycleEntry, instruments: &[InstrumentEntry]) -> Result<Rebuild> {
        check_cycle(cycle)?;
        let mut ds = Dataset::default();
        rebuild_instruments(&mut ds, instruments)?;
        Ok(Rebuild {
            indexes: ds
                .instruments
                .iter()
                .map(|i| {
                    i.indicators
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(k, x)| (x.id.clone(), k))
                        .collect()
                })
                .collect(),
            instruments: ds.instruments.clone(),
            ds,
            agency_codes: HashSet::new(),
            uids: HashSet::new(),
        })
    }

    fn agency(&mut self, a: &AgencyNode) -> Result<()> {
        let Rebuild {
            ds,
            instruments,
            indexes,
            agency_codes,
            uids,
        } = self;
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
        let agency = ds.agencies.push(Agency {
            db_id: 0,
            code: code.clone(),
            name: a.name.clone(),
            kind,
            instrument,
            units: Vec::new(),
        });
        let n = ds.instruments[instrument].indicators.len();
        let mut unit_codes = HashSet::new();
        for u in &a.units {
            let upath = format!("{code}/{}", u.code);
            if !is_code(&u.code) || !unit_codes.insert(u.code.clone()) {
                return Err(invalid(format!(
                    "agency {code}: unit code {:?} is not a valid code or appears twice",
                    sanitize(&u.code)
                )));
            }
            let unit = ds.units.push(Unit {
                db_id: 0,
                code: u.code.clone(),
                name: u.name.clone(),
                agency,
                products: Vec::new(),
            });
            ds.agencies[agency].units.push(unit);
            let mut product_codes = HashSet::new();
            for pr in &u.products {
                if !is_code(&pr.code) || !product_codes.insert(pr.code.clone()) {
                    return Err(invalid(format!(
                        "{}/{}: not a valid product code or it appears twice",
                        sanitize(&upath),
                        sanitize(&pr.code)
                    )));
                }
                let product = ds.products.push(Product {
                    db_id: 0,
                    code: pr.code.clone(),
                    name: pr.name.clone(),
                    unit,
                    finalized: false,
                    values: vec![Value::Unanswered; n],
                    notes: crate::domain::model::Notes::new(),
                    evidence: crate::domain::model::Counts::new(),
                });
                ds.units[unit].products.push(product);
            }
        }
        // The nodes' own data, once the whole agency is there.
        let inst = &instruments[instrument];
        let inst = (inst, &indexes[instrument]);
        own(ds, inst, NodeRef::Agency(agency), a.parts(), uids)?;
        for (u, unit) in ds.agencies[agency].units.clone().into_iter().zip(&a.units) {
            own(ds, inst, NodeRef::Unit(u), unit.parts(), uids)?;
            for (pr, product) in ds.units[u].products.clone().into_iter().zip(&unit.products) {
                own(ds, inst, NodeRef::Product(pr), product.parts(), uids)?;
            }
        }
        followups(ds, agency, a)?;
        Ok(())
    }
}

/// A respondent's uid as patuh makes it: 128 bits in lowercase hex.
fn is_uid(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One node's answers, respondents, evidence and finalization into the dataset, each
/// checked against the node's instrument and level.
fn own(
    ds: &mut Dataset,
    (inst, index): (&Instrument, &HashMap<String, usize>),
    node: NodeRef,
    parts: NodeParts<'_>,
    uids: &mut HashSet<String>,
) -> Result<()> {
    let path = ds.node_path(node);
    let at = sanitize(&path).into_owned();
    let level = node.level();
    if parts.finalized_at.is_some() != parts.finalized_by.is_some() {
        return Err(invalid(format!(
            "{at}: finalized_at and finalized_by must be given together"
        )));
    }
    ds.set_finalized(node, parts.finalized_at.is_some());
    // Respondents first (answers name them), with their answers.
    let mut respondents: Vec<Respondent> = Vec::new();
    let mut numbers = HashSet::new();
    for (k, r) in parts.respondents.iter().enumerate() {
        respondents.push(respondent(inst, level, &at, k, r, &mut numbers, uids)?);
    }
    let mut seen = HashSet::new();
    for (k, a) in parts.answers.iter().enumerate() {
        let record = || {
            format!(
                "{at}: answers[{k}] (indicator {:?}{})",
                sanitize(&a.indicator),
                a.respondent
                    .as_deref()
                    .map(|r| format!(", respondent {}", sanitize(r)))
                    .unwrap_or_default()
            )
        };
        let Some(i) = index.get(a.indicator.as_str()).copied() else {
            return Err(invalid(format!(
                "{}: instrument {} has no such indicator",
                record(),
                inst.id
            )));
        };
        if inst.level_of(i) != level {
            return Err(invalid(format!(
                "{}: the indicator is answered per {}, not per {level}: an answer is given at the \
                 indicator's level only",
                record(),
                inst.level_of(i)
            )));
        }
        if !seen.insert((i, a.respondent.clone())) {
            return Err(invalid(format!("{}: given twice", record())));
        }
        let ind = &inst.indicators[i];
        let max = ind.max;
        if a.na && (a.value.is_some() || a.amount.is_some()) {
            return Err(invalid(format!("{}: both a value and N/A", record())));
        }
        if a.amount.is_some() != a.source.is_some() {
            return Err(invalid(format!(
                "{}: a data value and its source go together",
                record()
            )));
        }
        if let Some(v) = a.value
            && v > max
        {
            return Err(invalid(format!(
                "{}: value {v} is not a level of its scale (0 to {max}, or N/A)",
                record()
            )));
        }
        let ix = IndicatorIx::new(i);
        match &a.respondent {
            Some(uid) => {
                let Source::Interview { role } = ind.source else {
                    return Err(invalid(format!(
                        "{}: the indicator is answered by {}, not by respondents",
                        record(),
                        ind.source.as_str()
                    )));
                };
                let Some(r) = respondents.iter_mut().find(|r| r.uid == *uid) else {
                    return Err(invalid(format!(
                        "{}: no such respondent at this node",
                        record()
                    )));
                };
                if r.role != role {
                    return Err(invalid(format!(
                        "{}: the indicator is asked of {}, not of {} {}",
                        record(),
                        inst.roles[role].id,
                        inst.roles[r.role].id,
                        r.number
                    )));
                }
                if a.amount.is_some() || !a.note.is_empty() {
                    return Err(invalid(format!(
                        "{}: a respondent's answer is a level or N/A, without a data value or a note",
                        record()
                    )));
                }
                let v = match (a.na, a.value) {
                    (true, _) => Value::NotApplicable,
                    (false, Some(v)) => Value::level(v),
                    (false, None) => Value::Unanswered,
                };
                if a.carried {
                    r.set_carried(inst, ix, Some(v));
                } else {
                    r.set_value(inst, ix, v);
                }
            }
            None => {
                match (&ind.source, a.value, &a.amount) {
                    (Source::Observation, _, Some(_)) => {
                        return Err(invalid(format!(
                            "{}: a data value, but the indicator is observed",
                            record()
                        )));
                    }
                    (Source::Interview { .. } | Source::Data { .. }, Some(_), _) => {
                        return Err(invalid(format!(
                            "{}: a level of the whole indicator, but it is answered by {}",
                            record(),
                            ind.source.as_str()
                        )));
                    }
                    (Source::Interview { .. }, _, Some(_)) => {
                        return Err(invalid(format!(
                            "{}: a data value, but the indicator is answered by interview",
                            record()
                        )));
                    }
                    (Source::Data { .. }, None, Some(text)) => {
                        let value = crate::domain::json::parse_decimal(text)
                            .filter(|x| crate::domain::json::decimal_text(x) == *text)
                            .filter(|x| *x <= num_rational::BigRational::from_integer(max.into()))
                            .and_then(|x| {
                                DataValue::new(x, a.source.clone().unwrap_or_default()).ok()
                            })
                            .ok_or_else(|| {
                                invalid(format!(
                                    "{}: data value {:?} is not a decimal from 0 to {max} as patuh writes it",
                                    record(),
                                    sanitize(text)
                                ))
                            })?;
                        let set = if a.carried {
                            ds.set_carried(node, ix, Some(Carried::Data(value)))
                        } else {
                            ds.set_data(node, ix, Some(value))
                        };
                        set.map_err(|e| invalid(format!("{}: {e}", record())))?;
                    }
                    _ => {}
                }
                let v = match (a.na, a.value) {
                    (true, _) => Value::NotApplicable,
                    (false, Some(v)) => Value::level(v),
                    (false, None) => Value::Unanswered,
                };
                let set = match (a.carried, &a.amount) {
                    (true, Some(_)) => Ok(()),
                    (true, None) => ds.set_carried(node, ix, Some(Carried::Value(v))),
                    (false, _) => ds.set_value(node, ix, v),
                };
                set.map_err(|e| invalid(format!("{}: {e}", record())))?;
                ds.set_note(node, ix, a.note.clone())
                    .map_err(|e| invalid(format!("{}: {e}", record())))?;
            }
        }
    }
    for r in respondents {
        ds.add_respondent(node, r)
            .map_err(|e| invalid(format!("{at}: {e}")))?;
    }
    let mut counts: HashMap<usize, u32> = HashMap::new();
    for (k, e) in parts.evidence.iter().enumerate() {
        let i = evidence_indicator((inst, index), level, &at, k, e)?;
        *counts.entry(i).or_default() += 1;
    }
    for (i, n) in counts {
        ds.set_evidence_count(node, IndicatorIx::new(i), n)
            .map_err(|e| invalid(format!("{at}: evidence: {e}")))?;
    }
    Ok(())
}

fn evidence_indicator(
    (inst, index): (&Instrument, &HashMap<String, usize>),
    level: NodeLevel,
    at: &str,
    k: usize,
    e: &EvidenceEntry,
) -> Result<usize> {
    let i = index.get(e.indicator.as_str()).copied().ok_or_else(|| {
        invalid(format!(
            "{at}: evidence[{k}] is for indicator {:?}, which instrument {} does not have",
            sanitize(&e.indicator),
            inst.id
        ))
    })?;
    if inst.level_of(i) != level {
        return Err(invalid(format!(
            "{at}: evidence[{k}] is for indicator {}, which is answered per {}",
            e.indicator,
            inst.level_of(i)
        )));
    }
    Ok(i)
}

/// One respondent, checked: its uid, a role of the instrument interviewed at this
/// level, a number new for its role, a position label (never more), a removal given
/// whole.
fn respondent(
    inst: &Instrument,
    level: NodeLevel,
    at: &str,
    k: usize,
    r: &RespondentEntry,
    numbers: &mut HashSet<(usize, u32)>,
    uids: &mut HashSet<String>,
) -> Result<Respondent> {
    let record = format!(
        "{at}: respondents[{k}] ({} {})",
        sanitize(&r.role),
        r.number
    );
    if !is_uid(&r.uid) || !uids.insert(r.uid.clone()) {
        return Err(invalid(format!(
            "{record}: its uid {:?} is not 32 lowercase hex digits, or another respondent has it",
            sanitize(&r.uid)
        )));
    }
    let Some(role) = inst.role_index(&r.role) else {
        return Err(invalid(format!(
            "{record}: instrument {} has no role {:?}",
            inst.id,
            sanitize(&r.role)
        )));
    };
    if inst.roles[role].level != level {
        return Err(invalid(format!(
            "{record}: role {} is interviewed per {}, not per {level}",
            r.role, inst.roles[role].level
        )));
    }
    if r.number == 0 || !numbers.insert((role, r.number)) {
        return Err(invalid(format!(
            "{record}: its number is 0 or given twice for its role"
        )));
    }
    if crate::store::clean_label(&r.label).as_deref() != Ok(r.label.as_str()) {
        return Err(invalid(format!(
            "{record}: its label is not a position label as patuh keeps it (one line, at most {} characters)",
            crate::store::MAX_LABEL_CHARS
        )));
    }
    let removed = [&r.removed_at, &r.removed_by, &r.removed_reason];
    if removed.iter().any(|x| x.is_some()) && !removed.iter().all(|x| x.is_some()) {
        return Err(invalid(format!(
            "{record}: removed_at, removed_by and removed_reason go together"
        )));
    }
    let mut resp = Respondent::new(r.uid.clone(), role, r.number, r.label.clone());
    resp.removed = r.removed_at.is_some();
    Ok(resp)
}

/// An agency's follow-up register into the dataset.
fn followups(ds: &mut Dataset, a: crate::domain::model::AgencyIx, node: &AgencyNode) -> Result<()> {
    let f: &FollowupsEntry = &node.followups;
    let at = sanitize(&node.code).into_owned();
    if f.closed_at.is_some() != f.closed_by.is_some() {
        return Err(invalid(format!(
            "{at}: the follow-up register's closed_at and closed_by go together"
        )));
    }
    let mut refs = HashSet::new();
    let mut items = Vec::new();
    for (k, item) in f.items.iter().enumerate() {
        let record = format!("{at}: followups.items[{k}] ({})", sanitize(&item.reference));
        let kind: FollowUpKind = item
            .kind
            .parse()
            .map_err(|e: String| invalid(format!("{record}: {e}")))?;
        let status: FollowUpStatus = item
            .status
            .parse()
            .map_err(|e: String| invalid(format!("{record}: {e}")))?;
        if item.reference.trim().is_empty() || !refs.insert(item.reference.clone()) {
            return Err(invalid(format!(
                "{record}: its reference is empty or given twice"
            )));
        }
        items.push(FollowUpItem {
            kind,
            reference: item.reference.clone(),
            status,
        });
    }
    let register = ds.followups_mut(a);
    register.items = items;
    register.closed = f.closed_at.is_some();
    Ok(())
}

/// The chain from GENESIS: rows numbered 1, 2, 3, ..., each following the previous
/// one, and each full row's content hashing to its hash (nine fields without a cycle
/// and a respondent, eleven with one). Returns the full rows.
pub fn check_audit2(rows: &[AuditEntry2]) -> Result<usize> {
    let mut chain = Chain::new();
    for entry in rows {
        chain.row(entry)?;
    }
    Ok(chain.full)
}

/// The audit chain checked row by row (see [`check_audit2`]).
struct Chain {
    prev: String,
    rows: i64,
    full: usize,
}

impl Chain {
    fn new() -> Chain {
        Chain {
            prev: GENESIS.to_string(),
            rows: 0,
            full: 0,
        }
    }

    fn row(&mut self, entry: &AuditEntry2) -> Result<()> {
        let row = entry.row();
        let same = row.as_ref().map(|row| row.hash() == entry.hash);
        self.checked(entry.seq, &entry.prev_hash, &entry.hash, same)
    }

    /// [`Chain::row`] of a row the reading thread already hashed ([`Audited`]).
    fn audited(&mut self, a: &Audited, text: &str) -> Result<()> {
        self.checked(
            a.seq,
            a.text(text, Audited::PREV_HASH),
            a.text(text, Audited::HASH),
            a.content.then_some(a.same),
        )
    }

    /// The chain's checks of row `seq`, whose content hashes to its `hash` or not
    /// (`same`; None for a row without content), in the order the messages rely on.
    fn checked(&mut self, seq: i64, prev_hash: &str, hash: &str, same: Option<bool>) -> Result<()> {
        let expected = self.rows + 1;
        let fail =
            |reason: String| ExchangeError::AuditChain(ChainBreak { seq, reason }.to_string());
        if seq != expected {
            return Err(fail(format!(
                "expected row {expected} here: a row was deleted or reordered"
            )));
        }
        if prev_hash != self.prev {
            return Err(fail("it does not follow the previous row".into()));
        }
        if !is_hash(hash) {
            return Err(fail("its hash is not a SHA-256".into()));
        }
        if let Some(same) = same {
            if !same {
                return Err(fail("its content does not match its hash".into()));
            }
            self.full += 1;
        }
        self.prev.clear();
        self.prev.push_str(hash);
        self.rows = expected;
        Ok(())
    }
}

/// An audit row as the reading thread of [`verify_streamed`] hands it over: parsed
/// with its texts borrowed from the cut JSON and hashed there (the chain's SHA-256 does
/// not depend on the order in which rows are checked; the chain's links are still
/// checked in order, on the checking thread), its texts copied into its batch's one
/// buffer ([`Batch::text`]): no `String` per field made on one thread and freed on the
/// other.
struct Audited {
    seq: i64,
    /// Whether the row has content.
    content: bool,
    /// Whether its content hashes to its hash (false without content).
    same: bool,
    /// Where each text is in the batch's buffer: `prev_hash`, `hash`, then `at, who,
    /// path, indicator, action, old, new, cycle, respondent`; None for a null.
    spans: [Option<(usize, usize)>; 11],
}

impl Audited {
    const PREV_HASH: usize = 0;
    const HASH: usize = 1;

    /// The entry parsed from `v` (exactly what [`AuditEntry2`] accepts), hashed, its
    /// texts appended to `text`.
    fn parse(v: &[u8], text: &mut String) -> Option<Audited> {
        let e: bundle2::AuditEntry2Borrowed<'_> = parse(v)?;
        let mut spans = [None; 11];
        let mut put = |k: usize, t: Option<&str>| {
            spans[k] = t.map(|t| {
                let start = text.len();
                text.push_str(t);
                (start, text.len())
            });
        };
        put(Audited::PREV_HASH, Some(&e.prev_hash));
        put(Audited::HASH, Some(&e.hash));
        let same = match &e.content {
            Some(c) => {
                let row = AuditRowRef {
                    seq: e.seq,
                    at: &c.at,
                    who: &c.who,
                    path: &c.path,
                    indicator: c.indicator.as_deref(),
                    action: &c.action,
                    old: c.old.as_deref(),
                    new: c.new.as_deref(),
                    prev_hash: &e.prev_hash,
                    cycle: c.cycle.as_deref(),
                    respondent: c.respondent.as_deref(),
                };
                for (k, t) in [
                    Some(row.at),
                    Some(row.who),
                    Some(row.path),
                    row.indicator,
                    Some(row.action),
                    row.old,
                    row.new,
                    row.cycle,
                    row.respondent,
                ]
                .into_iter()
                .enumerate()
                {
                    put(2 + k, t);
                }
                row.hashes_to(&e.hash)
            }
            None => false,
        };
        Some(Audited {
            seq: e.seq,
            content: e.content.is_some(),
            same,
            spans,
        })
    }

    fn field<'t>(&self, text: &'t str, k: usize) -> Option<&'t str> {
        self.spans[k].and_then(|(a, b)| text.get(a..b))
    }

    fn text<'t>(&self, text: &'t str, k: usize) -> &'t str {
        self.field(text, k).unwrap_or_default()
    }

    /// The row's content over its batch's buffer; None without content.
    fn row<'t>(&self, text: &'t str) -> Option<AuditRowRef<'t>> {
        self.content.then(|| AuditRowRef {
            seq: self.seq,
            at: self.text(text, 2),
            who: self.text(text, 3),
            path: self.text(text, 4),
            indicator: self.field(text, 5),
            action: self.text(text, 6),
            old: self.field(text, 7),
            new: self.field(text, 8),
            prev_hash: self.text(text, Audited::PREV_HASH),
            cycle: self.field(text, 9),
            respondent: self.field(text, 10),
        })
    }
}

/// The audit log of the exported nodes, replayed row by row (each row following from
/// the ones before, each on its indicator's scale), ends in exactly what the file
/// holds at every node: values, notes, data values, evidence, finalization,
/// respondents with their answers, follow-ups.
fn check_accounts(p: &Payload2, ds: &Dataset) -> Result<()> {
    let mut accounts = Accounts::new(ds);
    for entry in &p.audit {
        accounts.row(ds, entry)?;
    }
    let mut held = BTreeMap::new();
    for a in &p.agencies {
        held_of(&p.cycle, a, &mut held);
    }
    accounts.finish(&held)
}

/// The audit log replayed row by row, against the rebuilt dataset's nodes.
struct Accounts {
    nodes: HashMap<String, NodeRef>,
    replay: Replay,
}

impl Accounts {
    fn new(ds: &Dataset) -> Accounts {
        let nodes: HashMap<String, NodeRef> = ds
            .agencies
            .ids()
            .flat_map(|a| {
                std::iter::once(NodeRef::Agency(a)).chain(ds.agencies[a].units.iter().flat_map(
                    |&u| {
                        std::iter::once(NodeRef::Unit(u))
                            .chain(ds.units[u].products.iter().map(|&p| NodeRef::Product(p)))
                    },
                ))
            })
            .map(|n| (ds.node_path(n), n))
            .collect();
        Accounts {
            nodes,
            replay: Replay::new(),
        }
    }

    fn row(&mut self, ds: &Dataset, entry: &AuditEntry2) -> Result<()> {
        match entry.row() {
            Some(row) => self.row_of(ds, &row.as_ref()),
            None => Ok(()),
        }
    }

    /// [`Accounts::row`] of an entry's full row.
    fn row_of(&mut self, ds: &Dataset, row: &AuditRowRef<'_>) -> Result<()> {
        let nodes = &self.nodes;
        let problem = crate::store::audit_row_with(row, |path| {
            nodes.get(path).map(|&n| (n.level(), ds.instrument_of(n)))
        });
        if let Some(problem) = problem {
            return Err(ExchangeError::AuditChain(problem));
        }
        self.replay
            .apply_row_ref(row)
            .map_err(|b| ExchangeError::AuditChain(b.to_string()))
    }

    /// Whether `compare_replay` would find nothing, from the held nodes' digests.
    fn same_digests(&self, held: &HashMap<(String, String), [u8; 32]>) -> bool {
        let empty = replayed_digest(&Replayed::default());
        let logged: HashMap<&(String, String), &Replayed> = self.replay.nodes().collect();
        held.iter()
            .all(|(key, d)| logged.get(key).map_or(empty, |r| replayed_digest(r)) == *d)
            && logged
                .iter()
                .all(|(key, r)| held.contains_key(*key) || replayed_digest(r) == empty)
    }

    fn finish(self, held: &BTreeMap<(String, String), Replayed>) -> Result<()> {
        match crate::store::compare_replay(held, &self.replay)
            .into_iter()
            .next()
        {
            Some(problem) => Err(ExchangeError::AuditChain(problem)),
            None => Ok(()),
        }
    }
}

/// [`held_of`] as digests ([`replayed_digest`]).
fn held_digests(
    cycle: &CycleEntry,
    a: &AgencyNode,
    held: &mut HashMap<(String, String), [u8; 32]>,
) {
    let mut one = BTreeMap::new();
    held_of(cycle, a, &mut one);
    held.extend(one.iter().map(|(k, r)| (k.clone(), replayed_digest(r))));
}

/// A digest of what `compare_replay` compares of a node: two nodes have the same digest
/// exactly when it finds no difference between them (values, data values, notes and
/// interview answers read `""` where there is none, evidence counts 0; the rest as it
/// is).
fn replayed_digest(r: &Replayed) -> [u8; 32] {
    use sha2::Digest;
    /// Each text with its length before it: the same digest only for the same texts.
    struct Feed(sha2::Sha256);
    impl Feed {
        fn text(&mut self, s: &str) {
            self.0.update((s.len() as u64).to_le_bytes());
            self.0.update(s.as_bytes());
        }
        fn count(&mut self, n: usize) {
            self.0.update((n as u64).to_le_bytes());
        }
    }
    /// A map's non-empty texts in key order (a `HashMap` has none of its own).
    fn texts<K: Ord>(m: &HashMap<K, String>) -> Vec<(&K, &String)> {
        let mut v: Vec<_> = m.iter().filter(|(_, v)| !v.is_empty()).collect();
        v.sort_unstable();
        v
    }
    let mut f = Feed(sha2::Sha256::new());
    for m in [&r.values, &r.data, &r.notes] {
        let v = texts(m);
        f.count(v.len());
        for (k, t) in v {
            f.text(k);
            f.text(t);
        }
    }
    let mut evidence: Vec<_> = r.evidence.iter().filter(|(_, n)| **n != 0).collect();
    evidence.sort_unstable();
    f.count(evidence.len());
    for (k, n) in evidence {
        f.text(k);
        f.count(*n as usize);
    }
    let answers = texts(&r.answers);
    f.count(answers.len());
    for ((uid, indicator), t) in answers {
        f.text(uid);
        f.text(indicator);
        f.text(t);
    }
    // The rest is small (a node's respondents, an agency's follow-ups): as printed.
    f.text(&format!(
        "{:?}|{:?}|{}|{:?}|{}",
        r.respondents, r.followups, r.register_closed, r.carried, r.finalized
    ));
    f.0.finalize().into()
}

/// What an agency's nodes hold, in the audit log's terms, into `held`: nodes without
/// anything are left out (what a log that never names them leaves).
fn held_of(cycle: &CycleEntry, a: &AgencyNode, held: &mut BTreeMap<(String, String), Replayed>) {
    let cycle = if cycle.code == crate::store::DEFAULT_CYCLE {
        String::new()
    } else {
        cycle.code.clone()
    };
    for (path, parts) in a.nodes() {
        let r = replayed(&parts);
        if r == Replayed::default() {
            held.remove(&(cycle.clone(), path));
        } else {
            held.insert((cycle.clone(), path), r);
        }
    }
}

/// What a node of the file holds, in the audit log's terms.
fn replayed(parts: &NodeParts<'_>) -> Replayed {
    let mut r = Replayed::default();
    for a in parts.answers {
        let v = match (a.na, a.value) {
            (true, _) => Value::NotApplicable,
            (false, Some(v)) => Value::level(v),
            (false, None) => Value::Unanswered,
        };
        let text = v.audit_text().to_string();
        if a.carried {
            r.carried.insert((
                a.respondent.clone().unwrap_or_default(),
                a.indicator.clone(),
            ));
        }
        match &a.respondent {
            Some(uid) => {
                r.answers.insert((uid.clone(), a.indicator.clone()), text);
            }
            None => {
                if let (Some(amount), source) = (&a.amount, &a.source) {
                    r.data.insert(
                        a.indicator.clone(),
                        data_text(amount, source.as_deref().unwrap_or("")),
                    );
                }
                r.values.insert(a.indicator.clone(), text);
                r.notes.insert(a.indicator.clone(), a.note.clone());
            }
        }
    }
    for e in parts.evidence {
        *r.evidence.entry(e.indicator.clone()).or_default() += 1;
    }
    r.finalized = parts.finalized_at.is_some();
    for x in parts.respondents {
        r.respondents.insert(
            x.uid.clone(),
            ReplayedRespondent {
                added: respondent_text(&x.role, x.number, &x.label),
                removed: x.removed_reason.clone(),
            },
        );
    }
    if let Some(f) = parts.followups {
        for item in &f.items {
            r.followups.insert(
                item.reference.clone(),
                (item.kind.clone(), item.status.clone()),
            );
        }
        r.register_closed = f.closed_at.is_some();
    }
    // As the tables read: values, notes and data the log never touched read as "".
    r.values.retain(|_, v| !v.is_empty());
    r.notes.retain(|_, v| !v.is_empty());
    r.answers.retain(|_, v| !v.is_empty());
    r
}

fn show(s: &Score2) -> String {
    let dims: Vec<String> = s
        .dimensions
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                sanitize(&d.id),
                d.score.as_ref().map_or("-".to_string(), |x| x.to_string())
            )
        })
        .collect();
    format!(
        "{} category {} zone {} ({}/{}) dimensions [{}]",
        s.value
            .as_ref()
            .map_or("no score".to_string(), |v| v.to_string()),
        s.category.as_deref().map(sanitize).unwrap_or_default(),
        s.zone.as_deref().map(sanitize).unwrap_or_default(),
        s.answered,
        s.total,
        dims.join(", ")
    )
}

fn same(a: &Score2, b: &Score2) -> bool {
    let text = |v: &Option<serde_json::Number>| v.as_ref().map(|x| x.to_string());
    text(&a.value) == text(&b.value)
        && a.category == b.category
        && a.zone == b.zone
        && a.answered == b.answered
        && a.total == b.total
        && a.dimensions.len() == b.dimensions.len()
        && a.dimensions
            .iter()
            .zip(&b.dimensions)
            .all(|(x, y)| x.id == y.id && text(&x.score) == text(&y.score))
}

/// Recomputes every node's score, category, zone, progress and dimension scores, and
/// every agency's qualifier, and compares them with the file.
fn check_scores(agencies: &[AgencyNode], ds: &Dataset) -> Result<usize> {
    let book = ScoreBook::compute(ds);
    let mut checked = 0;
    let mut compare = |what: String, exported: &Score2, node: NodeRef| {
        checked += 1;
        let recomputed = score2(ds, &book, node);
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
    for (a, agency) in ds.agencies.ids().zip(agencies) {
        for (&u, unit) in ds.agencies[a].units.iter().zip(&agency.units) {
            for (&pr, product) in ds.units[u].products.iter().zip(&unit.products) {
                compare(
                    format!("product {}", ds.node_path(NodeRef::Product(pr))),
                    &product.score,
                    NodeRef::Product(pr),
                )?;
            }
            compare(
                format!("unit {}", ds.node_path(NodeRef::Unit(u))),
                &unit.score,
                NodeRef::Unit(u),
            )?;
        }
        compare(
            format!("agency {}", agency.code),
            &agency.score,
            NodeRef::Agency(a),
        )?;
        let qualifier = book.qualifier(a);
        if qualifier != agency.qualifier {
            let show = |q: Option<bool>| match q {
                None => "unknown (null)",
                Some(true) => "granted",
                Some(false) => "not granted",
            };
            return Err(ExchangeError::ScoreMismatch {
                what: format!("the qualifier of agency {}", sanitize(&agency.code)),
                exported: show(agency.qualifier).into(),
                recomputed: show(qualifier).into(),
            });
        }
    }
    Ok(checked)
}

/// Verifies a format-2 file as a stream, in bounded memory: the envelope and the
/// signature in a first pass over the file (nothing of the payload is acted on before
/// its signature holds), then a second pass that expands the zstd frame as a reader
/// (refusing a frame declaring more than the limit before expanding anything, and
/// reading no byte past what it declares) into a JSON reader that takes the agencies
/// and the audit rows one at a time, each checked and folded into the compact
/// [`Dataset`] as [`verify_opened`] checks the whole payload. The second pass hashes
/// what it reads again: its bytes must be the signed ones. What is kept is the
/// dataset, each node's scores (to be compared once every answer is in) and what each
/// node holds in the audit log's terms (compared with the replayed log). The second
/// pass runs on two threads (issue 16: the export uses the second core, so verify
/// does): one reads (decodes, hashes, expands, cuts and parses each value), the other
/// checks, in the same order, a few bounded batches behind; the verdict is the same
/// as one thread's (either refusing ends both, and the result is None).
///
/// None when the file is not one this reading accepts, for whatever reason: the
/// caller then verifies it whole, which gives the refusal's exact reason (a refused
/// file is read as before; an accepted one never is).
pub(crate) fn verify_stream(
    src: super::bundle::Source<'_>,
    encrypted: bool,
    trusted: Option<&TrustedKeys>,
) -> Option<super::verify::Checked> {
    verify_streamed(src, encrypted, trusted, 0).map(|v| v.checked)
}

/// A file that passed every check of a streaming reading, with what the merge needs
/// besides its agencies (which it reads again, as a stream: [`each_agency`]).
#[derive(Debug)]
pub(crate) struct StreamVerified {
    pub streamed: super::bundle::Streamed,
    pub checked: super::verify::Checked,
    pub dataset: Dataset,
    pub cycle: CycleEntry,
    pub stamp: String,
    /// Each agency's code and whether it or anything under it was touched, in order.
    pub agencies: Vec<(String, bool)>,
    /// The agencies as read, when they came to no more than the bytes the caller
    /// allowed (the merge applies them without reading the file again).
    pub kept: Option<Vec<AgencyNode>>,
}

/// [`verify_stream`] with what the merge needs, keeping the agencies read when their
/// JSON comes to no more than `keep` bytes.
pub(crate) fn verify_streamed(
    src: super::bundle::Source<'_>,
    encrypted: bool,
    trusted: Option<&TrustedKeys>,
    keep: usize,
) -> Option<StreamVerified> {
    let s = super::bundle::open_stream(src)?;
    let declared = zstd::zstd_safe::get_frame_content_size(&s.header).ok()??;
    if declared > bundle2::MAX_PAYLOAD_BYTES {
        return None;
    }
    let mut st = Stream {
        opened: &s.opened,
        trusted,
        head: Head::default(),
        rebuild: None,
        held: HashMap::new(),
        skeletons: Vec::new(),
        kept: (keep > 0).then(Vec::new),
        keep,
        touched: Vec::new(),
        chain: Chain::new(),
        accounts: None,
        checked: super::verify::Checked {
            format_version: bundle2_version(),
            encrypted,
            fingerprint: s.opened.fingerprint.clone(),
            payload_sha256: s.opened.payload_sha256.clone(),
            ..Default::default()
        },
    };
    // Two threads: this one checks what the other reads (decodes, expands, cuts and
    // parses), a few batches apart; either stopping stops the other.
    let (tx, rx) = std::sync::mpsc::sync_channel(IN_FLIGHT);
    let (read, held_up) = std::thread::scope(|scope| {
        let s = &s;
        let reader = scope.spawn(move || read_items(src, s, declared, tx));
        let held_up = check_items(rx, &mut st);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, held_up)
    });
    read?;
    held_up?;
    let Stream {
        head,
        rebuild,
        held,
        skeletons,
        kept,
        touched: agencies,
        accounts,
        chain,
        mut checked,
        ..
    } = st;
    let ds = rebuild?.ds;
    let accounts = accounts.unwrap_or_else(|| Accounts::new(&ds));
    // The replayed log against what the nodes hold, and the scores recomputed: neither
    // needs the other, so on two threads (each about a twentieth of a nation's verify,
    // after the pipeline; the log's maps are freed on the other thread too).
    let (same, scores) = std::thread::scope(|scope| {
        let same = scope.spawn(move || accounts.same_digests(&held));
        let scores = check_scores(kept.as_deref().unwrap_or(&skeletons), &ds);
        let same = same
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (same, scores)
    });
    if !same {
        return None;
    }
    checked.scores_checked = scores.ok()?;
    checked.audit_rows = chain.rows as usize;
    checked.audit_full = chain.full;
    checked.units = ds.units.len();
    drop(skeletons);
    Some(StreamVerified {
        stamp: stamp(&head.exported_at).ok()?,
        cycle: head.cycle?,
        streamed: s,
        checked,
        dataset: ds,
        agencies,
        kept,
    })
}

/// Reads a verified file's agencies again, as a stream, giving each in turn to `f`
/// (the merge applies them one at a time); the audit rows are skipped. The bytes must
/// be the signed ones again (refused otherwise: the file changed since it was verified).
pub(crate) fn each_agency(
    src: super::bundle::Source<'_>,
    v: &StreamVerified,
    f: &mut dyn FnMut(usize, &AgencyNode) -> Result<()>,
) -> Result<()> {
    let changed = || ExchangeError::Damaged {
        detail: "it changed while it was read (it no longer is the file that was verified)".into(),
    };
    let reader = super::bundle::PayloadReader::new(src, &v.streamed).map_err(|_| changed())?;
    let mut decoder = zstd::stream::read::Decoder::new(reader)
        .map_err(|_| changed())?
        .single_frame();
    let mut error = None;
    {
        let mut c = Cutter::new(std::io::BufReader::with_capacity(1 << 16, &mut decoder));
        let read = read_agencies(&mut c, &mut |k, a| {
            f(k, &a).map_err(|e| {
                error = Some(e);
            })
        });
        if let Some(e) = error {
            return Err(e);
        }
        if read.is_none() || !c.at_end() {
            return Err(changed());
        }
    }
    let rest = decoder.finish();
    if !rest.buffer().is_empty() || !rest.into_inner().same(&v.streamed) {
        return Err(changed());
    }
    Ok(())
}

/// The expanded bytes, counted, refused past the frame's declared size.
struct Counted<'a, R> {
    inner: &'a mut R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
    limit: u64,
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.count.get() + n as u64;
        if total > self.limit {
            return Err(std::io::Error::other("past the declared size"));
        }
        self.count.set(total);
        Ok(n)
    }
}

/// The payload's fields before its instruments.
#[derive(Default)]
struct Head {
    format: String,
    format_version: i64,
    exported_at: String,
    assessor: super::bundle::Assessor,
    cycle: Option<CycleEntry>,
}

/// A streaming verification's state.
struct Stream<'a> {
    opened: &'a Opened,
    trusted: Option<&'a TrustedKeys>,
    head: Head,
    /// Once the instruments are read.
    rebuild: Option<Rebuild>,
    /// What each node holds in the audit log's terms, as a digest of what
    /// `compare_replay` compares (a node's maps would be a third of the memory).
    held: HashMap<(String, String), [u8; 32]>,
    /// The agencies without their answers: their scores, compared at the end.
    skeletons: Vec<AgencyNode>,
    /// The agencies whole, instead of `skeletons`, while their JSON comes to no more
    /// than `keep` bytes.
    kept: Option<Vec<AgencyNode>>,
    keep: usize,
    /// Each agency's code and whether it or anything under it was touched.
    touched: Vec<(String, bool)>,
    chain: Chain,
    /// Once the audit rows begin.
    accounts: Option<Accounts>,
    checked: super::verify::Checked,
}

impl Stream<'_> {
    /// The head's checks, in the order [`verify_opened`] makes them, and the
    /// instruments.
    fn start(&mut self, instruments: &[InstrumentEntry]) -> Result<()> {
        let h = &self.head;
        if h.format != super::bundle::FORMAT || h.format_version != bundle2_version() {
            return Err(ExchangeError::Invalid("payload head".into()));
        }
        self.checked.trusted_by = check_assessor(self.opened, &h.assessor, self.trusted)?;
        stamp(&h.exported_at)?;
        let cycle = h
            .cycle
            .as_ref()
            .ok_or_else(|| ExchangeError::Invalid("cycle".into()))?;
        self.rebuild = Some(Rebuild::new(cycle, instruments)?);
        self.checked.assessor = h.assessor.clone();
        self.checked.exported_at = h.exported_at.clone();
        self.checked.cycle = cycle.code.clone();
        Ok(())
    }

    /// An agency read from `bytes` bytes of JSON.
    fn agency(&mut self, a: AgencyNode, bytes: usize) -> Result<()> {
        let (Some(r), Some(cycle)) = (&mut self.rebuild, &self.head.cycle) else {
            return Err(ExchangeError::Invalid("agencies before instruments".into()));
        };
        r.agency(&a)?;
        held_digests(cycle, &a, &mut self.held);
        self.checked.tally(&a);
        self.touched.push((a.code.clone(), a.touched()));
        self.keep = self.keep.saturating_sub(bytes);
        if self.keep == 0
            && let Some(kept) = self.kept.take()
        {
            self.skeletons
                .extend(kept.into_iter().map(AgencyNode::skeleton));
        }
        match &mut self.kept {
            Some(kept) => kept.push(a),
            None => self.skeletons.push(a.skeleton()),
        }
        Ok(())
    }

    /// The next item of the payload, `bytes` bytes of JSON.
    fn item(&mut self, item: Item, bytes: usize, text: &str) -> Result<()> {
        match item {
            Item::Format(x) => self.head.format = x,
            Item::FormatVersion(x) => self.head.format_version = x,
            Item::ExportedAt(x) => self.head.exported_at = x,
            Item::Assessor(x) => self.head.assessor = x,
            Item::Cycle(x) => self.head.cycle = Some(x),
            Item::Instruments(x) => self.start(&x)?,
            Item::Agency(a) => self.agency(*a, bytes)?,
            Item::Audit(entry) => self.audit(&entry, text)?,
        }
        Ok(())
    }

    /// An audit row, its texts in `text` (its batch's buffer).
    fn audit(&mut self, entry: &Audited, text: &str) -> Result<()> {
        let Some(r) = &self.rebuild else {
            return Err(ExchangeError::Invalid("audit before instruments".into()));
        };
        self.chain.audited(entry, text)?;
        match entry.row(text) {
            Some(row) => self
                .accounts
                .get_or_insert_with(|| Accounts::new(&r.ds))
                .row_of(&r.ds, &row),
            None => Ok(()),
        }
    }
}

/// The payload's fields, in the order patuh writes them.
const KEYS: [&str; 8] = [
    "format",
    "format_version",
    "exported_at",
    "assessor",
    "cycle",
    "instruments",
    "agencies",
    "audit",
];

/// The next key of the payload object (after its `{` or a `,`), which must be `want`.
fn key<R: std::io::BufRead>(c: &mut Cutter<R>, want: &str) -> Option<()> {
    let v = c.value()?;
    let same = v.len() == want.len() + 2 && &v[1..v.len() - 1] == want.as_bytes() && v[0] == b'"'
        || serde_json::from_slice::<String>(v).ok()? == want;
    if !same {
        return None;
    }
    c.eat(b':')
}

fn parse<'a, T: serde::Deserialize<'a>>(v: &'a [u8]) -> Option<T> {
    serde_json::from_slice(v).ok()
}

/// The payload object read field by field, each agency and audit row cut out of the
/// stream and parsed alone, each given to `emit` with its length in bytes; None at the
/// first thing it does not accept (or when `emit` says stop).
fn read_top<R: std::io::BufRead>(
    c: &mut Cutter<R>,
    emit: &mut dyn FnMut(Raw<'_>, usize) -> Option<()>,
) -> Option<()> {
    c.eat(b'{')?;
    for (n, want) in KEYS.into_iter().enumerate() {
        if n > 0 {
            c.eat(b',')?;
        }
        key(c, want)?;
        match want {
            "agencies" => c.each(&mut |v| {
                emit(
                    Raw::Item(Box::new(Item::Agency(Box::new(parse(v)?)))),
                    v.len(),
                )
            })?,
            "audit" => c.each(&mut |v| emit(Raw::Audit(v), v.len()))?,
            _ => {
                let v = c.value()?;
                let item = match want {
                    "format" => Item::Format(parse(v)?),
                    "format_version" => Item::FormatVersion(parse(v)?),
                    "exported_at" => Item::ExportedAt(parse(v)?),
                    "assessor" => Item::Assessor(parse(v)?),
                    "cycle" => Item::Cycle(parse(v)?),
                    _ => Item::Instruments(parse(v)?),
                };
                emit(Raw::Item(Box::new(item)), v.len())?;
            }
        }
    }
    c.eat(b'}')
}

/// What [`read_top`] gives: a value it parsed, or an audit row's JSON (parsed by the
/// caller into its batch's buffer).
enum Raw<'v> {
    /// Boxed: an item is large beside a slice, and there are few (the agencies and
    /// the head's fields).
    Item(Box<Item>),
    Audit(&'v [u8]),
}

/// Items sent from the reading thread to the checking thread at once, with the texts
/// of their audit rows in one buffer.
#[derive(Default)]
struct Batch {
    items: Vec<(Item, usize)>,
    text: String,
}

/// One field of the payload's head, or one agency or audit row, as the reading thread
/// parsed it, in the payload's order.
enum Item {
    Format(String),
    FormatVersion(i64),
    ExportedAt(String),
    Assessor(super::bundle::Assessor),
    Cycle(CycleEntry),
    Instruments(Vec<InstrumentEntry>),
    /// Boxed: an agency's node is large beside an audit row, and there are few.
    Agency(Box<AgencyNode>),
    /// Parsed and hashed on the reading thread.
    Audit(Audited),
}

impl Batch {
    fn new() -> Batch {
        Batch {
            items: Vec::with_capacity(BATCH_ITEMS),
            // About what a batch's audit rows hold (no growing as it fills).
            text: String::with_capacity(BATCH_TEXT),
        }
    }
}

/// Batches in flight between the reading and the checking thread (each at most
/// [`BATCH_ITEMS`] items or about [`BATCH_BYTES`] of JSON, besides one larger item):
/// what the pipeline adds to the memory is a few megabytes.
const IN_FLIGHT: usize = 4;
const BATCH_ITEMS: usize = 512;
const BATCH_BYTES: usize = 1 << 20;
const BATCH_TEXT: usize = 192 << 10;

/// The reading thread of [`verify_streamed`]: the payload decoded from a second
/// reading of the file (its bytes hashed again), the zstd frame expanded (refused past
/// its declared size), each value cut out and parsed, sent in batches of items with
/// their JSON's length. Some when the whole payload was read, ended where it should and
/// was made of the signed bytes; None at the first thing it does not accept, or when
/// the checking thread stopped listening.
fn read_items(
    src: super::bundle::Source<'_>,
    s: &super::bundle::Streamed,
    declared: u64,
    tx: std::sync::mpsc::SyncSender<Batch>,
) -> Option<()> {
    let reader = super::bundle::PayloadReader::new(src, s).ok()?;
    let mut decoder = zstd::stream::read::Decoder::new(reader)
        .ok()?
        .single_frame();
    let count = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = Counted {
        inner: &mut decoder,
        count: count.clone(),
        limit: declared,
    };
    let mut batch = Batch::new();
    let mut bytes = 0;
    {
        let mut c = Cutter::new(std::io::BufReader::with_capacity(1 << 16, counted));
        read_top(&mut c, &mut |raw, n| {
            let item = match raw {
                Raw::Item(item) => *item,
                Raw::Audit(v) => Item::Audit(Audited::parse(v, &mut batch.text)?),
            };
            batch.items.push((item, n));
            bytes += n;
            if batch.items.len() >= BATCH_ITEMS || bytes >= BATCH_BYTES {
                bytes = 0;
                tx.send(std::mem::replace(&mut batch, Batch::new())).ok()?;
            }
            Some(())
        })?;
        if !c.at_end() {
            return None;
        }
    }
    if !batch.items.is_empty() {
        tx.send(batch).ok()?;
    }
    drop(tx);
    if count.get() != declared {
        return None;
    }
    let rest = decoder.finish();
    if !rest.buffer().is_empty() || !rest.into_inner().same(s) {
        return None;
    }
    Some(())
}

/// The checking thread of [`verify_streamed`]: each item into the state, in order,
/// until the reading thread is done; None at the first item refused (`rx` is dropped,
/// which stops the reading thread).
fn check_items(rx: std::sync::mpsc::Receiver<Batch>, st: &mut Stream<'_>) -> Option<()> {
    for Batch { items, text } in rx {
        for (item, n) in items {
            st.item(item, n, &text).ok()?;
        }
    }
    Some(())
}

/// The payload read for its agencies only, each given to `f` with its index; the
/// other fields are passed over unparsed (the file's bytes are the verified ones: the
/// caller checks their hash).
fn read_agencies<R: std::io::BufRead>(
    c: &mut Cutter<R>,
    f: &mut dyn FnMut(usize, AgencyNode) -> std::result::Result<(), ()>,
) -> Option<()> {
    c.eat(b'{')?;
    for (n, want) in KEYS.into_iter().enumerate() {
        if n > 0 {
            c.eat(b',')?;
        }
        key(c, want)?;
        if want == "agencies" {
            let mut k = 0;
            c.each(&mut |v| {
                f(k, parse(v)?).ok()?;
                k += 1;
                Some(())
            })?;
        } else {
            c.skip()?;
        }
    }
    c.eat(b'}')
}
