//! Writing a signed export of a workstation: everything the central office needs to
//! trust and merge the assessor's work, for all agencies or the ones chosen. The file
//! is written completely or not at all (temp file, fsync, rename). Format 2 (every
//! level, respondents, data values, follow-ups, the cycle; compressed and signed in one
//! pass) is what `patuh export` writes; format 1 (products' observations only) is
//! written on request for a central office that has not upgraded, and refuses an
//! agency holding what it cannot carry.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::bundle::{
    self, AgencyEntry, Assessor, AuditContent, AuditEntry, EvidenceEntry, FORMAT, FORMAT_VERSION,
    FORMAT_VERSION_1, InstrumentEntry, InstrumentRef, ObservationEntry, Payload, ProductEntry,
    ScoreEntry, UnitEntry,
};
use super::bundle2::{
    self, AgencyNode, AnswerEntry, AuditContent2Ref, AuditEntry2, AuditEntry2Ref, CycleEntry,
    DimensionEntry, FollowupEntry, FollowupsEntry, Payload2, ProductNode, RespondentEntry, Score2,
    UnitNode,
};
use super::crypt;
use super::keys::{Identity, keys_dir};
use super::{ExchangeError, Result, write_atomic, write_atomic_file};
use crate::domain::Instrument;
use crate::domain::model::{
    AgencyIx, Dataset, IndicatorIx, NodeRef, ProductIx, ScoreBook, Summary,
};
use crate::domain::scoring::Rounded;
use crate::store::{ChainBatch, ChainBreak, ChainCheck, Node, NodeRecord, Store};

/// The `meta` key that marks a central database, and its value (defined in the store,
/// whose check needs them too).
pub use crate::store::{ROLE_CENTRAL, ROLE_KEY};

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub agencies: usize,
    pub units: usize,
    pub products: usize,
    /// The file's format version.
    pub format_version: i64,
    /// Products with at least one observation, evidence reference or finalization.
    pub touched: usize,
    /// Answer rows (format 1: the products' observations; format 2: every answer of
    /// every node, respondents' too).
    pub observations: usize,
    /// Respondents carried (format 2).
    pub respondents: usize,
    /// Units and agencies with answers, respondents, evidence, a finalization or a
    /// follow-up of their own (format 2).
    pub nodes_touched: usize,
    pub audit_rows: usize,
    /// Audit rows exported in full (the others are redacted to their hashes).
    pub audit_full: usize,
    pub payload_sha256: String,
    pub fingerprint: String,
    pub encrypted: bool,
    pub bytes: usize,
}

/// Exports the workstation behind `store` to `out`, signed with the assessor's key
/// from the keys folder: all agencies when `agencies` is empty, else those codes;
/// encrypted to `encrypt_to` (an age `age1...` recipient) when given. This is what
/// `patuh export` and the workstation's export key call. Writes format 2.
pub fn export_to(
    store: &Store,
    out: &Path,
    agencies: &[String],
    encrypt_to: Option<&str>,
) -> Result<ExportSummary> {
    export_to_version(store, out, agencies, encrypt_to, FORMAT_VERSION)
}

/// [`export_to`] writing format `version` (1 or 2).
pub fn export_to_version(
    store: &Store,
    out: &Path,
    agencies: &[String],
    encrypt_to: Option<&str>,
    version: i64,
) -> Result<ExportSummary> {
    let identity = Identity::load(&keys_dir()?)?;
    export_version(store, &identity, out, agencies, encrypt_to, version)
}

/// [`export_to`] with the identity given.
pub fn export_with(
    store: &Store,
    identity: &Identity,
    out: &Path,
    agencies: &[String],
    encrypt_to: Option<&str>,
) -> Result<ExportSummary> {
    export_version(store, identity, out, agencies, encrypt_to, FORMAT_VERSION)
}

/// [`export_with`] writing format `version`: 2 (the default), or 1 for a central office
/// whose patuh reads only format 1 (an agency holding what it cannot carry is refused).
pub fn export_version(
    store: &Store,
    identity: &Identity,
    out: &Path,
    agencies: &[String],
    encrypt_to: Option<&str>,
    version: i64,
) -> Result<ExportSummary> {
    let recipient = encrypt_to.map(crypt::parse_recipient).transpose()?;
    let (bytes, mut summary) = match version {
        FORMAT_VERSION_1 => export_payload(store, identity, agencies)?,
        FORMAT_VERSION => return export_streamed(store, identity, out, agencies, recipient),
        other => {
            return Err(ExchangeError::Invalid(format!(
                "export format version {other} does not exist: write 1 or {FORMAT_VERSION}"
            )));
        }
    };
    summary.path = out.to_path_buf();
    summary.fingerprint = identity.fingerprint();
    summary.encrypted = recipient.is_some();
    summary.format_version = version;
    let (sha, written) = std::thread::scope(|scope| {
        // The payload's hash (the file's identity at the central office) is taken
        // while the file is signed and written.
        let sha = scope.spawn(|| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
        let written = match &recipient {
            Some(r) => {
                let sealed = if version == FORMAT_VERSION_1 {
                    Ok(bundle::seal(&bytes, identity))
                } else {
                    bundle::seal_v2(&bytes, identity)
                };
                sealed
                    .and_then(|file| crypt::encrypt(&file, r))
                    .and_then(|file| {
                        write_atomic(out, &file, false)?;
                        Ok(file.len())
                    })
            }
            // Streamed into the file: never a copy of the (base64) file in memory.
            None => write_atomic_file(out, false, |f| {
                if version == FORMAT_VERSION_1 {
                    bundle::write_sealed_file(f, &bytes, identity)
                } else {
                    bundle::write_sealed_file_v2(f, &bytes, identity)
                }
            }),
        };
        (sha.join(), written)
    });
    summary.bytes = written?;
    summary.payload_sha256 =
        sha.map_err(|_| ExchangeError::Invalid("hashing the payload failed".into()))?;
    tracing::info!(out = %out.display(), products = summary.products, version, "exported");
    Ok(summary)
}

/// Writes a format-2 export without ever holding its payload: the JSON is written
/// agency by agency and audit row by row, as read from the store, into the zstd
/// encoder, whose frame goes to a temporary file beside `out` (unlinked as soon as it
/// is made, so that nothing of it is left whatever happens); the frame's header is then
/// made to declare the JSON's size, and the frame is read once more into the file,
/// hashed (Ed25519ph's SHA-512, the file's SHA-256) and base64-encoded as it goes,
/// the signed head written last (the envelope puts the signature before the payload).
/// The file is the same as a whole payload compressed at once would make but for the
/// frame's blocks: `verify` and every format-2 reader read it alike.
fn export_streamed(
    store: &Store,
    identity: &Identity,
    out: &Path,
    agencies: &[String],
    recipient: Option<age::x25519::Recipient>,
) -> Result<ExportSummary> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let io = |error: std::io::Error| ExchangeError::Io {
        path: out.to_path_buf(),
        error,
    };
    crate::fsio::check_out(out)?;
    let body = scratch_file(out).map_err(io)?;
    let mut frame =
        bundle2::FrameWriter::new(std::io::BufWriter::with_capacity(1 << 20, &body)).map_err(io)?;
    let mut summary = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut frame);
        let summary = write_payload2(store, identity, agencies, &mut w)?;
        w.flush().map_err(io)?;
        summary
    };
    let (sink, json_len) = frame.finish().map_err(io)?;
    sink.into_inner().map_err(|e| io(e.into_error()))?;
    if json_len > bundle2::MAX_PAYLOAD_BYTES {
        return Err(ExchangeError::Invalid(format!(
            "{}: the payload is {json_len} bytes, more than the {} a file may carry; export \
             fewer agencies at a time (--agency CODE); nothing was exported",
            store.path().display(),
            bundle2::MAX_PAYLOAD_BYTES
        )));
    }
    let mut first = Vec::with_capacity(18);
    (&body).seek(SeekFrom::Start(0)).map_err(io)?;
    (&body).take(18).read_to_end(&mut first).map_err(io)?;
    let (header, old) = bundle2::declare_size(&first, json_len)?;
    let frame_len = body.metadata().map_err(io)?.len();
    let payload = || -> std::io::Result<_> {
        (&body).seek(SeekFrom::Start(old as u64))?;
        Ok(
            std::io::Cursor::new(header.clone()).chain(std::io::BufReader::with_capacity(
                1 << 20,
                (&body).take(frame_len - old as u64),
            )),
        )
    };
    summary.path = out.to_path_buf();
    summary.fingerprint = identity.fingerprint();
    summary.encrypted = recipient.is_some();
    summary.format_version = FORMAT_VERSION;
    let (written, sha) = match &recipient {
        Some(r) => {
            let mut compressed = Vec::new();
            payload()
                .and_then(|mut p| p.read_to_end(&mut compressed))
                .map_err(io)?;
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&compressed));
            let file = crypt::encrypt(&bundle::seal_v2(&compressed, identity)?, r)?;
            drop(compressed);
            write_atomic(out, &file, false)?;
            (file.len(), sha)
        }
        None => {
            let mut sha = String::new();
            let written = write_atomic_file(out, false, |f| {
                let (n, s) = bundle::write_sealed_stream_v2(f, payload()?, identity)?;
                sha = s;
                Ok(n)
            })?;
            (written, sha)
        }
    };
    summary.bytes = written;
    summary.payload_sha256 = sha;
    tracing::info!(out = %out.display(), products = summary.products, version = FORMAT_VERSION, "exported");
    Ok(summary)
}

/// A new scratch file beside `path`, for reading and writing, already unlinked: it
/// goes away with its handle, whatever happens.
fn scratch_file(path: &Path) -> std::io::Result<std::fs::File> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scratch = dir.join(format!(".{name}.frame-{}", std::process::id()));
    let _ = std::fs::remove_file(&scratch);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&scratch)?;
    std::fs::remove_file(&scratch)?;
    Ok(file)
}

/// The exact payload bytes that are signed: compact JSON.
pub fn payload_bytes(payload: &Payload) -> Result<Vec<u8>> {
    serde_json::to_vec(payload).map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))
}

/// The payload bytes of an export, exactly `payload_bytes(&build_payload(..))`, with
/// the summary's counts; the audit log (its last field, 1.5 million rows for a
/// nation) is checked and written into the bytes row by row instead of becoming a
/// tree first.
fn export_payload(
    store: &Store,
    identity: &Identity,
    codes: &[String],
) -> Result<(Vec<u8>, ExportSummary)> {
    // The data and the audit log of one moment: a change committed between reading
    // them would make a file whose log does not account for its observations.
    let _snapshot = store.read_snapshot()?;
    let (payload, exported) = collect(store, identity, codes)?;
    let products: Vec<&ProductEntry> = payload
        .agencies
        .iter()
        .flat_map(|a| &a.units)
        .flat_map(|u| &u.products)
        .collect();
    let mut summary = ExportSummary {
        path: PathBuf::new(),
        agencies: payload.agencies.len(),
        units: payload.agencies.iter().map(|a| a.units.len()).sum(),
        products: products.len(),
        format_version: FORMAT_VERSION_1,
        touched: products.iter().filter(|p| p.touched()).count(),
        observations: products.iter().map(|p| p.observations.len()).sum(),
        respondents: 0,
        nodes_touched: 0,
        audit_rows: 0,
        audit_full: 0,
        payload_sha256: String::new(),
        fingerprint: String::new(),
        encrypted: false,
        bytes: 0,
    };
    drop(products);
    let mut bytes = payload_bytes(&payload)?;
    drop(payload);
    // `audit` is the payload's last field and still empty: `..."audit":[]}`.
    if !bytes.ends_with(b"\"audit\":[]}") {
        return Err(ExchangeError::Invalid(
            "payload: unexpected layout (the audit log is not its last field)".into(),
        ));
    }
    bytes.truncate(bytes.len() - 2);
    audit_entries(store, &exported, |entry| {
        if summary.audit_rows > 0 {
            bytes.push(b',');
        }
        summary.audit_rows += 1;
        summary.audit_full += usize::from(entry.content.is_some());
        serde_json::to_writer(&mut bytes, &entry)
            .map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))
    })?;
    bytes.extend_from_slice(b"]}");
    Ok((bytes, summary))
}

/// A score as exported and as `verify` recomputes it.
pub(crate) fn score_entry(s: &Summary, instrument: &Instrument) -> ScoreEntry {
    ScoreEntry {
        value: s.rounded().and_then(|r| r.to_string().parse().ok()),
        zone: s.band(instrument).map(|b| b.code.clone()),
        answered: s.answered,
        total: s.total,
    }
}

/// Collects the payload of an export from a workstation database.
pub fn build_payload(store: &Store, identity: &Identity, codes: &[String]) -> Result<Payload> {
    let _snapshot = store.read_snapshot()?;
    let (mut payload, exported) = collect(store, identity, codes)?;
    audit_entries(store, &exported, |entry| {
        payload.audit.push(entry);
        Ok(())
    })?;
    Ok(payload)
}

/// The payload of an export but its audit log, and the paths of the exported products.
fn collect(
    store: &Store,
    identity: &Identity,
    codes: &[String],
) -> Result<(Payload, HashSet<String>)> {
    let db = store.path().display().to_string();
    if store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL) || store.holds_merged_files()? {
        return Err(ExchangeError::Invalid(format!(
            "{db} is a central database; exports are made on the assessors' workstations"
        )));
    }
    // From the observations: a digest (a cache) changed outside patuh is never signed.
    let ds = store.load_from_observations()?;
    if ds.agencies.is_empty() {
        return Err(ExchangeError::Invalid(format!(
            "{db} has no agencies to export; import an assignment first"
        )));
    }
    if store.cycle().code != crate::store::DEFAULT_CYCLE {
        return Err(ExchangeError::Invalid(format!(
            "{db}: the current cycle is {}; export format 1 carries the cycle default only, and the \
             central office would take the work as the cycle default's. Export it in format 2 (leave \
             out --format 1); nothing was exported",
            crate::domain::text::sanitize(&store.cycle().code)
        )));
    }
    let chosen = chosen_agencies(&ds, codes, &db)?;
    for &a in &chosen {
        if let Some(node) = beyond_format_1(&ds, a) {
            let inst = ds.instrument_of_agency(a);
            return Err(ExchangeError::Invalid(format!(
                "{db}: agency {} (instrument {} v{}) holds answers of units or of the agency, \
                 respondents or data values ({}); this export format carries answers of products \
                 only, and the central office would refuse the file. Export it in format 2 (leave \
                 out --format 1), or the other agencies with --agency CODE; nothing was exported",
                ds.agencies[a].code,
                inst.id,
                inst.version,
                ds.node_path(node)
            )));
        }
    }
    let book = ScoreBook::compute(&ds);
    let mut instruments: Vec<InstrumentEntry> = Vec::new();
    let mut agencies = Vec::new();
    let mut exported_paths = HashSet::new();
    for a in chosen {
        let instrument = ds.instrument_of_agency(a);
        if !instruments
            .iter()
            .any(|i| i.id == instrument.id && i.version == instrument.version)
        {
            instruments.push(instrument_entry(instrument)?);
        }
        agencies.push(agency_entry(store, &ds, &book, a, &mut exported_paths)?);
    }
    let payload = Payload {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION_1,
        exported_at: store.now(),
        assessor: Assessor {
            name: identity.name.clone(),
            id: identity.id.clone(),
            public_key: identity.public_text(),
        },
        instruments,
        agencies,
        audit: Vec::new(),
    };
    Ok((payload, exported_paths))
}

/// The first node of an agency that holds what this export format cannot carry (schema
/// 0009: answers of units and agencies, respondents, data values, finalized units and
/// agencies), if any: its scores would not follow from the file.
fn beyond_format_1(ds: &Dataset, a: AgencyIx) -> Option<NodeRef> {
    if ds.instrument_of_agency(a).is_observation_checklist() {
        return None;
    }
    let agency = std::iter::once(NodeRef::Agency(a));
    let units = ds.agencies[a].units.iter().map(|&u| NodeRef::Unit(u));
    let products = ds.agencies[a]
        .units
        .iter()
        .flat_map(|&u| &ds.units[u].products)
        .map(|&p| NodeRef::Product(p));
    let n = ds.instrument_of_agency(a).indicators.len();
    agency.chain(units).chain(products).find(|&node| {
        let ids = (0..n).map(IndicatorIx::new);
        !ds.respondents(node).is_empty()
            || ids.clone().any(|i| ds.data(node, i).is_some())
            || match node {
                NodeRef::Product(_) => false,
                _ => {
                    ds.finalized(node)
                        || !ds.notes(node).is_empty()
                        || ids.clone().any(|i| {
                            ds.value(node, i).is_answered() || ds.evidence_count(node, i) > 0
                        })
                }
            }
    })
}

/// The agencies to export, in database order: all when `codes` is empty.
fn chosen_agencies(ds: &Dataset, codes: &[String], db: &str) -> Result<Vec<AgencyIx>> {
    if codes.is_empty() {
        return Ok(ds.agencies.ids().collect());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for code in codes {
        let a = ds.find_agency(code).ok_or_else(|| {
            ExchangeError::Invalid(format!(
                "no agency {code} in {db}; see the codes with `patuh score`"
            ))
        })?;
        if seen.insert(a) {
            out.push(a);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn instrument_entry(instrument: &Instrument) -> Result<InstrumentEntry> {
    let body = serde_json::from_str(&instrument.canonical)
        .map_err(|e| ExchangeError::Invalid(format!("instrument {}: {e}", instrument.id)))?;
    Ok(InstrumentEntry {
        id: instrument.id.clone(),
        version: instrument.version.clone(),
        sha256: instrument.sha256.clone(),
        body,
    })
}

/// An agency with its units and products; the paths of its products go to `exported`.
fn agency_entry(
    store: &Store,
    ds: &Dataset,
    book: &ScoreBook,
    a: AgencyIx,
    exported: &mut HashSet<String>,
) -> Result<AgencyEntry> {
    let agency = &ds.agencies[a];
    let instrument = ds.instrument_of_agency(a);
    let mut units = Vec::new();
    for &u in &agency.units {
        let unit = &ds.units[u];
        let mut products = Vec::new();
        for &p in &unit.products {
            exported.insert(ds.product_path(p));
            products.push(product_entry(store, ds, book, p, instrument)?);
        }
        units.push(UnitEntry {
            code: unit.code.clone(),
            name: unit.name.clone(),
            score: score_entry(&book.unit(u), instrument),
            products,
        });
    }
    Ok(AgencyEntry {
        code: agency.code.clone(),
        name: agency.name.clone(),
        kind: agency.kind.as_str().to_string(),
        instrument: InstrumentRef {
            id: instrument.id.clone(),
            version: instrument.version.clone(),
            sha256: instrument.sha256.clone(),
        },
        score: score_entry(&book.agency(ds, a), instrument),
        units,
    })
}

/// A product as stored, but rows of indicators its instrument does not have.
fn product_entry(
    store: &Store,
    ds: &Dataset,
    book: &ScoreBook,
    p: ProductIx,
    instrument: &Instrument,
) -> Result<ProductEntry> {
    let product = &ds.products[p];
    let record = store.product_record(product.db_id)?;
    let known = |indicator: &str| instrument.indicator_index(indicator).is_some();
    let observations = record
        .observations
        .into_iter()
        .filter(|o| known(&o.indicator))
        .map(|o| ObservationEntry {
            indicator: o.indicator,
            value: o.value.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
            na: o.na,
            note: o.note,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        })
        .collect();
    let evidence = record
        .evidence
        .into_iter()
        .filter(|e| known(&e.indicator))
        .map(|e| EvidenceEntry {
            indicator: e.indicator,
            reference: e.reference,
            size: e.size.map(|s| u64::try_from(s).unwrap_or(0)),
            sha256: e.sha256,
            added_at: e.added_at,
            added_by: e.added_by,
        })
        .collect();
    Ok(ProductEntry {
        code: product.code.clone(),
        name: product.name.clone(),
        finalized_at: record.finalized_at,
        finalized_by: record.finalized_by,
        score: score_entry(&book.product_summary(p), instrument),
        observations,
        evidence,
    })
}

/// The workstation's whole audit chain as export entries, in order: rows of
/// `exported` products in full, the others redacted to their hashes. The chain is
/// checked as it is read (one pass over a nation's 1.5 million rows); a broken chain
/// exports nothing.
fn audit_entries(
    store: &Store,
    exported: &HashSet<String>,
    mut f: impl FnMut(AuditEntry) -> Result<()>,
) -> Result<()> {
    let db = store.path().display().to_string();
    let mut check = ChainCheck::default();
    store.each_audit_row(|row, hash| {
        if let Err(b) = check.next(&row, &hash) {
            return Err(ExchangeError::AuditChain(format!(
                "{db}: {b}; nothing was exported. Run `patuh check` and restore the database from a backup"
            )));
        }
        // Format 1 carries the nine fields of a row: one with a cycle or a respondent
        // (schema 0009) goes as its hash only.
        let full = exported.contains(&row.path) && row.cycle.is_none() && row.respondent.is_none();
        f(AuditEntry {
            seq: row.seq,
            prev_hash: row.prev_hash,
            hash,
            content: full.then_some(AuditContent {
                at: row.at,
                who: row.who,
                product: row.path,
                indicator: row.indicator,
                action: row.action,
                old: row.old,
                new: row.new,
            }),
        })
    })
}

/// The payload bytes of a format-2 export, exactly `payload2_bytes(&build_payload2(..))`,
/// with the summary's counts (what [`write_payload2`] writes, in memory).
#[cfg(test)]
fn export_payload2(
    store: &Store,
    identity: &Identity,
    codes: &[String],
) -> Result<(Vec<u8>, ExportSummary)> {
    let mut bytes = Vec::new();
    let summary = write_payload2(store, identity, codes, &mut bytes)?;
    Ok((bytes, summary))
}

/// Writes the payload JSON of a format-2 export into `w`, exactly
/// `payload2_bytes(&build_payload2(..))`, with the summary's counts, never whole in
/// memory: each agency (with its units and products) is read from the store, written
/// and dropped, then the audit log row by row.
fn write_payload2(
    store: &Store,
    identity: &Identity,
    codes: &[String],
    w: &mut impl std::io::Write,
) -> Result<ExportSummary> {
    let fail = |e: std::io::Error| ExchangeError::Invalid(format!("writing the payload: {e}"));
    let json = |e: serde_json::Error| ExchangeError::Invalid(format!("payload: {e}"));
    // The data and the audit log of one moment: a change committed between reading
    // them would make a file whose log does not account for its answers.
    let _snapshot = store.read_snapshot()?;
    let (head, ds, book, chosen) = start2(store, identity, codes)?;
    let mut summary = ExportSummary {
        path: PathBuf::new(),
        agencies: chosen.len(),
        units: chosen.iter().map(|&a| ds.agencies[a].units.len()).sum(),
        products: 0,
        format_version: FORMAT_VERSION,
        touched: 0,
        observations: 0,
        respondents: 0,
        nodes_touched: 0,
        audit_rows: 0,
        audit_full: 0,
        payload_sha256: String::new(),
        fingerprint: String::new(),
        encrypted: false,
        bytes: 0,
    };
    let bytes = bundle2::payload2_bytes(&head)?;
    // `agencies` and `audit` are the payload's last fields and still empty:
    // `..."agencies":[],"audit":[]}`.
    const TAIL: &[u8] = b"],\"audit\":[]}";
    if !bytes.ends_with(b"\"agencies\":[],\"audit\":[]}") {
        return Err(ExchangeError::Invalid(
            "payload: unexpected layout (the agencies and the audit log are not its last fields)"
                .into(),
        ));
    }
    w.write_all(&bytes[..bytes.len() - TAIL.len()])
        .map_err(fail)?;
    let mut exported = HashSet::new();
    for (k, &a) in chosen.iter().enumerate() {
        let agency = agency_node(store, &ds, &book, a, &mut exported)?;
        for (path, parts) in agency.nodes() {
            summary.observations += parts.answers.len();
            summary.respondents += parts.respondents.len();
            match path.matches('/').count() {
                2 => {
                    summary.products += 1;
                    summary.touched += usize::from(parts.touched());
                }
                _ => summary.nodes_touched += usize::from(parts.touched()),
            }
        }
        if k > 0 {
            w.write_all(b",").map_err(fail)?;
        }
        serde_json::to_writer(&mut *w, &agency).map_err(json)?;
    }
    w.write_all(b"],\"audit\":[").map_err(fail)?;
    audit_entries2_ref(store, &exported, |entry| {
        if summary.audit_rows > 0 {
            w.write_all(b",").map_err(fail)?;
        }
        summary.audit_rows += 1;
        summary.audit_full += usize::from(entry.content.is_some());
        serde_json::to_writer(&mut *w, entry).map_err(json)
    })?;
    w.write_all(b"]}").map_err(fail)?;
    Ok(summary)
}

/// Collects the payload of a format-2 export from a workstation database.
pub fn build_payload2(store: &Store, identity: &Identity, codes: &[String]) -> Result<Payload2> {
    let _snapshot = store.read_snapshot()?;
    let (mut payload, exported) = collect2(store, identity, codes)?;
    audit_entries2(store, &exported, |entry| {
        payload.audit.push(entry);
        Ok(())
    })?;
    Ok(payload)
}

/// A score as format 2 exports it and as `verify` recomputes it: rounded, with its
/// category, zone, progress and dimension scores.
pub(crate) fn score2(ds: &Dataset, book: &ScoreBook, node: NodeRef) -> Score2 {
    let inst = ds.instrument_of(node);
    let s = book.summary(ds, node);
    let number = |x: &num_rational::BigRational| Rounded::of(x).to_string().parse().ok();
    let verdict = s
        .score
        .as_ref()
        .map(|x| crate::domain::method::verdict(inst, x));
    let dims = book.dimensions(ds, node);
    Score2 {
        value: s.score.as_ref().and_then(number),
        category: verdict.map(|v| v.category().to_string()),
        zone: verdict.map(|v| v.zone_code().to_string()),
        answered: s.answered,
        total: s.total,
        dimensions: inst
            .dimensions
            .iter()
            .enumerate()
            .map(|(d, dim)| DimensionEntry {
                id: dim.id.clone(),
                score: dims.get(d).and_then(Option::as_ref).and_then(number),
            })
            .collect(),
    }
}

/// The format-2 payload but its audit log, and the exported nodes' paths.
fn collect2(
    store: &Store,
    identity: &Identity,
    codes: &[String],
) -> Result<(Payload2, HashSet<String>)> {
    let (mut payload, ds, book, chosen) = start2(store, identity, codes)?;
    let mut exported = HashSet::new();
    for a in chosen {
        payload
            .agencies
            .push(agency_node(store, &ds, &book, a, &mut exported)?);
    }
    Ok((payload, exported))
}

/// The format-2 payload's head (every field but its agencies and audit log, which
/// are empty), the workstation's dataset and scores, and the agencies to export.
fn start2(
    store: &Store,
    identity: &Identity,
    codes: &[String],
) -> Result<(Payload2, Dataset, ScoreBook, Vec<AgencyIx>)> {
    let db = store.path().display().to_string();
    if store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL) || store.holds_merged_files()? {
        return Err(ExchangeError::Invalid(format!(
            "{db} is a central database; exports are made on the assessors' workstations"
        )));
    }
    let ds = store.load_from_observations()?;
    if ds.agencies.is_empty() {
        return Err(ExchangeError::Invalid(format!(
            "{db} has no agencies to export; import an assignment first"
        )));
    }
    let chosen = chosen_agencies(&ds, codes, &db)?;
    let book = ScoreBook::compute(&ds);
    let cycle = store.cycle_record()?;
    let mut instruments: Vec<InstrumentEntry> = Vec::new();
    for &a in &chosen {
        let instrument = ds.instrument_of_agency(a);
        if !instruments
            .iter()
            .any(|i| i.id == instrument.id && i.version == instrument.version)
        {
            instruments.push(instrument_entry(instrument)?);
        }
    }
    let payload = Payload2 {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        exported_at: store.now(),
        assessor: Assessor {
            name: identity.name.clone(),
            id: identity.id.clone(),
            public_key: identity.public_text(),
        },
        cycle: CycleEntry {
            code: cycle.code,
            kind: cycle.kind,
            year: cycle.year,
            follows: cycle.follows,
        },
        instruments,
        agencies: Vec::new(),
        audit: Vec::new(),
    };
    Ok((payload, ds, book, chosen))
}

/// What a node holds of its own, as format 2 carries it.
struct Own {
    finalized_at: Option<String>,
    finalized_by: Option<String>,
    answers: Vec<AnswerEntry>,
    respondents: Vec<RespondentEntry>,
    evidence: Vec<EvidenceEntry>,
}

/// A node's record in format 2's terms, but rows of indicators its instrument does
/// not have (which scoring ignores; `check` names them).
fn own(record: NodeRecord, instrument: &Instrument) -> Result<Own> {
    let known = |indicator: &str| instrument.indicator_index(indicator).is_some();
    Ok(Own {
        finalized_at: record.finalized_at,
        finalized_by: record.finalized_by,
        answers: record
            .answers
            .into_iter()
            .filter(|a| known(&a.indicator))
            .map(|a| AnswerEntry {
                indicator: a.indicator,
                respondent: a.respondent,
                value: a.value.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
                amount: a.amount,
                source: a.source,
                na: a.na,
                carried: a.carried,
                note: a.note,
                updated_at: a.updated_at,
                updated_by: a.updated_by,
            })
            .collect(),
        respondents: record
            .respondents
            .into_iter()
            .map(|r| RespondentEntry {
                uid: r.uid,
                role: r.role,
                number: r.number,
                label: r.label,
                added_at: r.added_at,
                added_by: r.added_by,
                removed_at: r.removed.as_ref().map(|x| x.at.clone()),
                removed_by: r.removed.as_ref().map(|x| x.by.clone()),
                removed_reason: r.removed.map(|x| x.reason),
            })
            .collect(),
        evidence: record
            .evidence
            .into_iter()
            .filter(|e| known(&e.indicator))
            .map(|e| EvidenceEntry {
                indicator: e.indicator,
                reference: e.reference,
                size: e.size.map(|s| u64::try_from(s).unwrap_or(0)),
                sha256: e.sha256,
                added_at: e.added_at,
                added_by: e.added_by,
            })
            .collect(),
    })
}

fn store_node(ds: &Dataset, node: NodeRef) -> Node {
    let (level, db_id) = match node {
        NodeRef::Agency(a) => (crate::domain::NodeLevel::Agency, ds.agencies[a].db_id),
        NodeRef::Unit(u) => (crate::domain::NodeLevel::Unit, ds.units[u].db_id),
        NodeRef::Product(p) => (crate::domain::NodeLevel::Product, ds.products[p].db_id),
    };
    Node {
        level,
        db_id,
        path: ds.node_path(node),
    }
}

/// An agency with its units and products in format 2; the paths of every node go to
/// `exported`.
fn agency_node(
    store: &Store,
    ds: &Dataset,
    book: &ScoreBook,
    a: AgencyIx,
    exported: &mut HashSet<String>,
) -> Result<AgencyNode> {
    let agency = &ds.agencies[a];
    let instrument = ds.instrument_of_agency(a);
    let mut records = store.agency_records(agency.db_id)?;
    let mut units = Vec::new();
    for &u in &agency.units {
        let unit = &ds.units[u];
        let mut products = Vec::new();
        for &p in &unit.products {
            let node = NodeRef::Product(p);
            exported.insert(ds.node_path(node));
            let own = own(records.take(&store_node(ds, node)), instrument)?;
            products.push(ProductNode {
                code: ds.products[p].code.clone(),
                name: ds.products[p].name.clone(),
                score: score2(ds, book, node),
                finalized_at: own.finalized_at,
                finalized_by: own.finalized_by,
                answers: own.answers,
                respondents: own.respondents,
                evidence: own.evidence,
            });
        }
        let node = NodeRef::Unit(u);
        exported.insert(ds.node_path(node));
        let own = own(records.take(&store_node(ds, node)), instrument)?;
        units.push(UnitNode {
            code: unit.code.clone(),
            name: unit.name.clone(),
            score: score2(ds, book, node),
            finalized_at: own.finalized_at,
            finalized_by: own.finalized_by,
            answers: own.answers,
            respondents: own.respondents,
            evidence: own.evidence,
            products,
        });
    }
    let node = NodeRef::Agency(a);
    exported.insert(ds.node_path(node));
    let own = own(records.take(&store_node(ds, node)), instrument)?;
    let followups = store.followups_record(agency.db_id)?;
    Ok(AgencyNode {
        code: agency.code.clone(),
        name: agency.name.clone(),
        kind: agency.kind.as_str().to_string(),
        instrument: InstrumentRef {
            id: instrument.id.clone(),
            version: instrument.version.clone(),
            sha256: instrument.sha256.clone(),
        },
        score: score2(ds, book, node),
        qualifier: book.qualifier(a),
        finalized_at: own.finalized_at,
        finalized_by: own.finalized_by,
        answers: own.answers,
        respondents: own.respondents,
        evidence: own.evidence,
        followups: FollowupsEntry {
            closed_at: followups.closed_at,
            closed_by: followups.closed_by,
            items: followups
                .items
                .into_iter()
                .map(|f| FollowupEntry {
                    kind: f.kind,
                    reference: f.reference,
                    status: f.status,
                    updated_at: f.updated_at,
                    updated_by: f.updated_by,
                })
                .collect(),
        },
        units,
    })
}

/// The workstation's whole audit chain in format 2, in order: rows of the exported
/// nodes in the current cycle in full (with their cycle and respondent), the others
/// redacted to their hashes. The chain is checked as it is read; a broken chain
/// exports nothing.
fn audit_entries2(
    store: &Store,
    exported: &HashSet<String>,
    mut f: impl FnMut(AuditEntry2) -> Result<()>,
) -> Result<()> {
    audit_entries2_ref(store, exported, |entry| f(entry.to_owned()))
}

/// [`audit_entries2`] borrowed from each database row as it is read (the streaming
/// export serialises each without a `String` per field). Each row's place in the chain
/// is checked here, its content's SHA-256 on a second thread, in batches of about a
/// megabyte ([`ChainBatch`]; the hashes were a tenth of this thread's time): the first
/// break in the chain's order is the one reported, as when each row was checked whole
/// in turn, and a broken chain exports nothing.
fn audit_entries2_ref(
    store: &Store,
    exported: &HashSet<String>,
    mut f: impl FnMut(&AuditEntry2Ref<'_>) -> Result<()>,
) -> Result<()> {
    let db = store.path().display().to_string();
    let cycle = store.cycle().audit_code().map(str::to_string);
    let broken = |b: ChainBreak| {
        ExchangeError::AuditChain(format!(
            "{db}: {b}; nothing was exported. Run `patuh check` and restore the database from a backup"
        ))
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ChainBatch>(2);
        // Batches hashed come back to be filled again (no megabyte allocated, grown
        // and freed per batch).
        let (back, used) = std::sync::mpsc::channel::<ChainBatch>();
        // The first row whose content does not match its hash, of the rows handed over
        // (it stops at the first: the reading stops when it can no longer send).
        let hasher = scope.spawn(move || {
            rx.into_iter().find_map(|mut batch| {
                let b = batch.first_break();
                batch.clear();
                let _ = back.send(batch);
                b
            })
        });
        let mut check = ChainCheck::default();
        let mut batch = ChainBatch::new();
        let mut link = None;
        let read = store.each_audit_row_ref(|row, hash| {
            if let Err(b) = check.link_ref(row, hash) {
                link = Some(b);
                return Err(ExchangeError::AuditChain(String::new()));
            }
            batch.push(row, hash);
            if batch.len() >= ChainBatch::BYTES {
                // A send fails only once the hasher found a break: stop reading.
                let next = used.try_recv().unwrap_or_else(|_| ChainBatch::new());
                tx.send(std::mem::replace(&mut batch, next))
                    .map_err(|_| ExchangeError::AuditChain(String::new()))?;
            }
            let full = row.cycle == cycle.as_deref() && exported.contains(row.path);
            f(&AuditEntry2Ref {
                seq: row.seq,
                prev_hash: row.prev_hash,
                hash,
                content: full.then_some(AuditContent2Ref {
                    at: row.at,
                    who: row.who,
                    path: row.path,
                    indicator: row.indicator,
                    action: row.action,
                    old: row.old,
                    new: row.new,
                    cycle: row.cycle,
                    respondent: row.respondent,
                }),
            })
        });
        if !batch.is_empty() {
            // The hasher may have stopped already, having found a break.
            let _ = tx.send(batch);
        }
        drop(tx);
        let content = hasher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // Every row handed over comes before the row whose link broke or whose reading
        // or writing failed: a content break among them is the chain's first problem.
        match (content, link) {
            (Some(b), _) | (None, Some(b)) => Err(broken(b)),
            (None, None) => read,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The chain's rows are hashed on another thread than the one checking their
    /// links: the problem named is still the first in the chain's order, whichever
    /// kind it is.
    #[test]
    fn the_first_break_of_the_chain_is_named_whatever_thread_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        crate::generate::generate_with(
            &db,
            crate::generate::Scale::Tiny,
            11,
            crate::generate::Method::Levels,
            None,
        )
        .unwrap();
        let id = Identity::from_secret("Siti", "ASN-1", [3; 32]);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap();
        assert!(rows > 40, "a log of some length: {rows}");
        let error = |db: &Path| {
            let store = Store::open(db).unwrap();
            match export_payload2(&store, &id, &[]) {
                Err(ExchangeError::AuditChain(m)) => m,
                other => panic!("{:?}", other.map(|_| ())),
            }
        };
        // A row's content changed (found by the hashing thread) before a broken link
        // (found by the reading thread), and the other way round.
        let content = |seq: i64| {
            conn.execute("UPDATE audit SET who = who || '.' WHERE seq = ?1", [seq])
                .unwrap();
        };
        let link = |seq: i64| {
            conn.execute(
                "UPDATE audit SET prev_hash = replace(prev_hash, substr(prev_hash, 1, 1), 'x') WHERE seq = ?1",
                [seq],
            )
            .unwrap();
        };
        content(5);
        link(30);
        let m = error(&db);
        assert!(
            m.contains("broken at row 5: its content does not match its hash"),
            "{m}"
        );
        content(3);
        let m = error(&db);
        assert!(m.contains("broken at row 3: its content"), "{m}");
        let fresh = dir.path().join("h.db");
        crate::generate::generate_with(
            &fresh,
            crate::generate::Scale::Tiny,
            11,
            crate::generate::Method::Levels,
            None,
        )
        .unwrap();
        let conn = rusqlite::Connection::open(&fresh).unwrap();
        conn.execute(
            "UPDATE audit SET prev_hash = replace(prev_hash, substr(prev_hash, 1, 1), 'x') WHERE seq = 7",
            [],
        )
        .unwrap();
        conn.execute("UPDATE audit SET who = who || '.' WHERE seq = 20", [])
            .unwrap();
        let m = error(&fresh);
        assert!(
            m.contains("broken at row 7: it does not follow the previous row"),
            "{m}"
        );
        assert!(m.contains("nothing was exported"), "{m}");
    }

    #[test]
    fn the_streamed_payload_is_the_serialised_payload() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        // The 2013-2021 method: export format 1 carries products' answers only.
        crate::generate::generate_with(
            &db,
            crate::generate::Scale::Tiny,
            11,
            crate::generate::Method::Products,
            None,
        )
        .unwrap();
        let mut store = Store::open(&db).unwrap();
        store.set_clock(Arc::new(
            || time::macros::datetime!(2025-03-04 05:06:07 UTC),
        ));
        let id = Identity::from_secret("Siti", "ASN-1", [3; 32]);
        for codes in [vec![], vec!["11".to_string()]] {
            let (streamed, summary) = export_payload(&store, &id, &codes).unwrap();
            let payload = build_payload(&store, &id, &codes).unwrap();
            assert_eq!(
                streamed,
                payload_bytes(&payload).unwrap(),
                "agencies {codes:?}"
            );
            assert_eq!(summary.audit_rows, payload.audit.len());
            assert!(summary.audit_full > 0);
            let (streamed, summary) = export_payload2(&store, &id, &codes).unwrap();
            let payload = build_payload2(&store, &id, &codes).unwrap();
            assert_eq!(
                streamed,
                bundle2::payload2_bytes(&payload).unwrap(),
                "agencies {codes:?}"
            );
            assert_eq!(summary.audit_rows, payload.audit.len());
            assert_eq!(bundle2::parse_payload2(&streamed).unwrap(), payload);
        }
    }
}
