//! The payload of export format 2 and its compression. Format 2 carries what the
//! 2022-2025 methods hold besides products' observations: every node (agency, unit,
//! product) with its own answers (observations, interview answers by respondent uid,
//! data values as exact decimal text with their source, N/A, notes), respondents (uid,
//! role, number, position label: never a name), evidence, finalization, an agency's
//! follow-up register, the cycle, and the audit rows with their path, cycle and
//! respondent. The payload is compact JSON, compressed into one zstd frame that
//! declares its size (so that a reader refuses a decompression bomb before expanding
//! anything), and that frame is what is signed (see `bundle::seal_v2`).
//!
//! A format-1 payload read by this patuh is turned into this one ([`Payload2::from_v1`])
//! once it passed format 1's own checks, so that the merge and the reports have one
//! model. docs/export-format.md describes every field.

use std::borrow::Cow;
use std::io::Read;

use serde::{Deserialize, Serialize};

use super::bundle::{
    Assessor, EvidenceEntry, FORMAT_VERSION, InstrumentEntry, InstrumentRef, Payload,
};
use super::{ExchangeError, Result};

/// The most bytes a format-2 payload may expand to: what a format-1 file of the
/// largest size read (2 GiB, base64) could carry, with room. A frame declaring more is
/// refused before anything is decompressed.
pub const MAX_PAYLOAD_BYTES: u64 = 2 << 30;

/// The zstd level: 1, zstd's fastest regular level. Level 3 (zstd's default, what
/// format 2 first used) compresses patuh's JSON a little better, but a streaming
/// encoder at level 3 spent a fifth of a national export's CPU (issue 16); readers
/// do not depend on the level.
pub const LEVEL: i32 = 1;

/// The payload of format 2, fields in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload2 {
    pub format: String,
    pub format_version: i64,
    /// RFC 3339, UTC: when the file was made.
    pub exported_at: String,
    pub assessor: Assessor,
    /// The cycle the answers belong to: exports of different cycles are kept apart.
    pub cycle: CycleEntry,
    pub instruments: Vec<InstrumentEntry>,
    pub agencies: Vec<AgencyNode>,
    /// The workstation's whole audit chain from the first row: rows of the exported
    /// nodes in the exported cycle in full, the others redacted to their seq and hashes.
    pub audit: Vec<AuditEntry2>,
}

/// The cycle of the exported answers (schema 0007).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleEntry {
    /// `default`, or a code such as `2026-pendampingan`.
    pub code: String,
    /// `assessment` or `mentoring`.
    pub kind: String,
    pub year: Option<i64>,
    /// The code of the cycle it follows, if any.
    pub follows: Option<String>,
}

impl CycleEntry {
    /// The cycle every database made before cycles holds its work in.
    pub fn default_cycle() -> CycleEntry {
        CycleEntry {
            code: crate::store::DEFAULT_CYCLE.into(),
            kind: "assessment".into(),
            year: None,
            follows: None,
        }
    }
}

/// A score as exported: rounded to 2 decimals, with its category, zone, progress and
/// dimension scores (X_d, docs/instrument-format.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score2 {
    /// An exact decimal number with two decimals (`81.00`), null without a score.
    pub value: Option<serde_json::Number>,
    /// The band's code, null without a score.
    pub category: Option<String>,
    /// The band's zone's code (the band's code without zones), null without a score.
    pub zone: Option<String>,
    pub answered: u64,
    pub total: u64,
    /// One per dimension of the instrument, in its order.
    pub dimensions: Vec<DimensionEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionEntry {
    pub id: String,
    /// Rounded to 2 decimals, null when the dimension is left out at the node.
    pub score: Option<serde_json::Number>,
}

/// One answer cell of a node: an observation, N/A or the note of a whole indicator
/// (`respondent` null), a respondent's interview answer (`respondent` its uid), or a
/// data value (`amount`, exact decimal text, with its `source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerEntry {
    pub indicator: String,
    pub respondent: Option<String>,
    /// A level of the indicator's scale; null for unanswered, N/A or a data value.
    pub value: Option<u32>,
    /// A data value: canonical decimal text (`82.35`), never a float.
    pub amount: Option<String>,
    /// Where a data value comes from.
    pub source: Option<String>,
    pub na: bool,
    /// Carried from the previous cycle, to be re-checked (issue 14): it does not count
    /// until it is confirmed or changed.
    pub carried: bool,
    pub note: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A person interviewed at a node, as a position or a number: never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondentEntry {
    /// 128 random bits in lowercase hex: the same in every export and merge.
    pub uid: String,
    /// The role's id in the instrument.
    pub role: String,
    /// 1, 2, ... among the respondents of its role at its node.
    pub number: u32,
    /// A position at most (`Kepala Dinas`), `""` for none.
    pub label: String,
    pub added_at: String,
    pub added_by: String,
    pub removed_at: Option<String>,
    pub removed_by: Option<String>,
    pub removed_reason: Option<String>,
}

/// One item of an agency's follow-up register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupEntry {
    /// `lahp`, `lha`, `saran` or `rekomendasi`.
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    /// `open`, `completed` or `not-completed`.
    pub status: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// An agency's follow-up register: its items and whether it is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupsEntry {
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub items: Vec<FollowupEntry>,
}

impl FollowupsEntry {
    pub fn is_empty(&self) -> bool {
        self.closed_at.is_none() && self.items.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyNode {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub instrument: InstrumentRef,
    pub score: Score2,
    /// Whether the instrument's qualifier is granted (null until the follow-up
    /// register is closed, and without a qualifier).
    pub qualifier: Option<bool>,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
    pub answers: Vec<AnswerEntry>,
    pub respondents: Vec<RespondentEntry>,
    pub evidence: Vec<EvidenceEntry>,
    pub followups: FollowupsEntry,
    pub units: Vec<UnitNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitNode {
    pub code: String,
    pub name: String,
    pub score: Score2,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
    pub answers: Vec<AnswerEntry>,
    pub respondents: Vec<RespondentEntry>,
    pub evidence: Vec<EvidenceEntry>,
    pub products: Vec<ProductNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductNode {
    pub code: String,
    pub name: String,
    pub score: Score2,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
    pub answers: Vec<AnswerEntry>,
    pub respondents: Vec<RespondentEntry>,
    pub evidence: Vec<EvidenceEntry>,
}

/// What every node holds of its own, whatever its level, borrowed from the payload.
#[derive(Debug, Clone, Copy)]
pub struct NodeParts<'a> {
    pub score: &'a Score2,
    pub finalized_at: Option<&'a str>,
    pub finalized_by: Option<&'a str>,
    pub answers: &'a [AnswerEntry],
    pub respondents: &'a [RespondentEntry],
    pub evidence: &'a [EvidenceEntry],
    /// An agency's register; None for units and products.
    pub followups: Option<&'a FollowupsEntry>,
}

impl NodeParts<'_> {
    /// Whether the assessor did anything with this node: an answer row, a respondent,
    /// an evidence reference, a finalization, an agency's follow-up. Untouched nodes
    /// carry no result (exporting a whole assignment never blanks out a colleague's
    /// work).
    pub fn touched(&self) -> bool {
        !self.answers.is_empty()
            || !self.respondents.is_empty()
            || !self.evidence.is_empty()
            || self.finalized_at.is_some()
            || self.followups.is_some_and(|f| !f.is_empty())
    }
}

impl AgencyNode {
    pub fn parts(&self) -> NodeParts<'_> {
        NodeParts {
            score: &self.score,
            finalized_at: self.finalized_at.as_deref(),
            finalized_by: self.finalized_by.as_deref(),
            answers: &self.answers,
            respondents: &self.respondents,
            evidence: &self.evidence,
            followups: Some(&self.followups),
        }
    }

    /// The agency and every node under it with its path, units before their products.
    pub fn nodes(&self) -> impl Iterator<Item = (String, NodeParts<'_>)> {
        let a = self;
        std::iter::once((a.code.clone(), a.parts())).chain(a.units.iter().flat_map(move |u| {
            let upath = format!("{}/{}", a.code, u.code);
            std::iter::once((upath.clone(), u.parts())).chain(
                u.products
                    .iter()
                    .map(move |p| (format!("{upath}/{}", p.code), p.parts())),
            )
        }))
    }

    /// The agency with its units and products but none of their answers, respondents,
    /// evidence or follow-ups: what the scores' check needs once they are read.
    pub fn skeleton(mut self) -> AgencyNode {
        self.answers = Vec::new();
        self.respondents = Vec::new();
        self.evidence = Vec::new();
        self.followups = FollowupsEntry::default();
        for u in &mut self.units {
            u.answers = Vec::new();
            u.respondents = Vec::new();
            u.evidence = Vec::new();
            for p in &mut u.products {
                p.answers = Vec::new();
                p.respondents = Vec::new();
                p.evidence = Vec::new();
                p.name = String::new();
                p.finalized_at = None;
                p.finalized_by = None;
            }
            u.products.shrink_to_fit();
        }
        self
    }

    /// Whether the agency or anything under it was touched.
    pub fn touched(&self) -> bool {
        self.parts().touched()
            || self
                .units
                .iter()
                .any(|u| u.parts().touched() || u.products.iter().any(|p| p.parts().touched()))
    }
}

impl UnitNode {
    pub fn parts(&self) -> NodeParts<'_> {
        NodeParts {
            score: &self.score,
            finalized_at: self.finalized_at.as_deref(),
            finalized_by: self.finalized_by.as_deref(),
            answers: &self.answers,
            respondents: &self.respondents,
            evidence: &self.evidence,
            followups: None,
        }
    }
}

impl ProductNode {
    pub fn parts(&self) -> NodeParts<'_> {
        NodeParts {
            score: &self.score,
            finalized_at: self.finalized_at.as_deref(),
            finalized_by: self.finalized_by.as_deref(),
            answers: &self.answers,
            respondents: &self.respondents,
            evidence: &self.evidence,
            followups: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry2 {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    /// The row's content; absent for a row not of an exported node and cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<AuditContent2>,
}

/// An audit row's content: the eleven fields of `src/store/audit.rs` but the hashes.
/// A row with neither `cycle` nor `respondent` is hashed as its nine fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditContent2 {
    pub at: String,
    pub who: String,
    /// `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT`.
    pub path: String,
    pub indicator: Option<String>,
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The cycle's code; null for the cycle `default`.
    pub cycle: Option<String>,
    /// The respondent's uid.
    pub respondent: Option<String>,
}

/// An [`AuditEntry2`] read with its texts borrowed from the JSON where they need no
/// unescaping (`verify`'s reading thread hashes each row so, without a `String` per
/// field). It accepts exactly the JSON [`AuditEntry2`] accepts: the same fields, each
/// of the same type (a `Cow<str>` takes what a `String` takes), unknown fields refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry2Borrowed<'a> {
    pub seq: i64,
    #[serde(borrow)]
    pub prev_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub hash: Cow<'a, str>,
    #[serde(default, borrow)]
    pub content: Option<AuditContent2Borrowed<'a>>,
}

/// [`AuditContent2`] read with its texts borrowed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditContent2Borrowed<'a> {
    #[serde(borrow)]
    pub at: Cow<'a, str>,
    #[serde(borrow)]
    pub who: Cow<'a, str>,
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    #[serde(borrow)]
    pub indicator: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(borrow)]
    pub old: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub new: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub cycle: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub respondent: Option<Cow<'a, str>>,
}

/// An [`AuditEntry2`] borrowed from the database's row as the export reads it: it
/// serialises to the same JSON, byte for byte (the same fields in the same order;
/// `&str` and `String` write the same text).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AuditEntry2Ref<'a> {
    pub seq: i64,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<AuditContent2Ref<'a>>,
}

/// [`AuditContent2`] borrowed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AuditContent2Ref<'a> {
    pub at: &'a str,
    pub who: &'a str,
    pub path: &'a str,
    pub indicator: Option<&'a str>,
    pub action: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub cycle: Option<&'a str>,
    pub respondent: Option<&'a str>,
}

impl AuditEntry2Ref<'_> {
    pub fn to_owned(&self) -> AuditEntry2 {
        AuditEntry2 {
            seq: self.seq,
            prev_hash: self.prev_hash.to_string(),
            hash: self.hash.to_string(),
            content: self.content.map(|c| AuditContent2 {
                at: c.at.to_string(),
                who: c.who.to_string(),
                path: c.path.to_string(),
                indicator: c.indicator.map(str::to_string),
                action: c.action.to_string(),
                old: c.old.map(str::to_string),
                new: c.new.map(str::to_string),
                cycle: c.cycle.map(str::to_string),
                respondent: c.respondent.map(str::to_string),
            }),
        }
    }
}

impl AuditEntry2 {
    /// The row as the store hashes it.
    pub fn row(&self) -> Option<crate::store::AuditRow> {
        let c = self.content.as_ref()?;
        Some(crate::store::AuditRow {
            seq: self.seq,
            at: c.at.clone(),
            who: c.who.clone(),
            path: c.path.clone(),
            indicator: c.indicator.clone(),
            action: c.action.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
            prev_hash: self.prev_hash.clone(),
            cycle: c.cycle.clone(),
            respondent: c.respondent.clone(),
        })
    }
}

impl Payload2 {
    /// Every node with its path, agencies before their units before their products.
    pub fn nodes(&self) -> impl Iterator<Item = (String, NodeParts<'_>)> {
        self.agencies.iter().flat_map(|a| a.nodes())
    }

    /// A format-1 payload (already verified as one) in this model: its products'
    /// observations as answers without respondent, no unit or agency answers, no
    /// respondents, the cycle `default`, each score's zone (a band's code in format 1)
    /// as its category too.
    pub fn from_v1(p: Payload) -> Payload2 {
        let score = |s: super::bundle::ScoreEntry| Score2 {
            value: s.value,
            category: s.zone.clone(),
            zone: s.zone,
            answered: s.answered,
            total: s.total,
            dimensions: Vec::new(),
        };
        let agencies = p
            .agencies
            .into_iter()
            .map(|a| AgencyNode {
                code: a.code,
                name: a.name,
                kind: a.kind,
                instrument: a.instrument,
                score: score(a.score),
                qualifier: None,
                finalized_at: None,
                finalized_by: None,
                answers: Vec::new(),
                respondents: Vec::new(),
                evidence: Vec::new(),
                followups: FollowupsEntry::default(),
                units: a
                    .units
                    .into_iter()
                    .map(|u| UnitNode {
                        code: u.code,
                        name: u.name,
                        score: score(u.score),
                        finalized_at: None,
                        finalized_by: None,
                        answers: Vec::new(),
                        respondents: Vec::new(),
                        evidence: Vec::new(),
                        products: u
                            .products
                            .into_iter()
                            .map(|p| ProductNode {
                                code: p.code,
                                name: p.name,
                                score: score(p.score),
                                finalized_at: p.finalized_at,
                                finalized_by: p.finalized_by,
                                answers: p
                                    .observations
                                    .into_iter()
                                    .map(|o| AnswerEntry {
                                        indicator: o.indicator,
                                        respondent: None,
                                        value: o.value,
                                        amount: None,
                                        source: None,
                                        na: o.na,
                                        carried: false,
                                        note: o.note,
                                        updated_at: o.updated_at,
                                        updated_by: o.updated_by,
                                    })
                                    .collect(),
                                respondents: Vec::new(),
                                evidence: p.evidence,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Payload2 {
            format: p.format,
            format_version: p.format_version,
            exported_at: p.exported_at,
            assessor: p.assessor,
            cycle: CycleEntry::default_cycle(),
            instruments: p.instruments,
            agencies,
            audit: p
                .audit
                .into_iter()
                .map(|e| AuditEntry2 {
                    seq: e.seq,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                    content: e.content.map(|c| AuditContent2 {
                        at: c.at,
                        who: c.who,
                        path: c.product,
                        indicator: c.indicator,
                        action: c.action,
                        old: c.old,
                        new: c.new,
                        cycle: None,
                        respondent: None,
                    }),
                })
                .collect(),
        }
    }
}

/// Parses the (decompressed) JSON of a format-2 payload: unknown fields and a key given
/// twice in one object, at any depth, are refused.
pub fn parse_payload2(json: &[u8]) -> Result<Payload2> {
    super::bundle::parse_versioned(json, FORMAT_VERSION, |p: &Payload2| {
        (p.format.as_str(), p.format_version)
    })
}

/// The exact JSON bytes of a payload: compact.
pub fn payload2_bytes(p: &Payload2) -> Result<Vec<u8>> {
    serde_json::to_vec(p).map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))
}

/// The payload JSON as one zstd frame declaring its size: the bytes a format-2 file
/// signs and carries.
pub fn compress(json: &[u8]) -> Result<Vec<u8>> {
    let fail = |e: std::io::Error| ExchangeError::Invalid(format!("compressing the payload: {e}"));
    let mut c = zstd::bulk::Compressor::new(LEVEL).map_err(fail)?;
    c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))
        .map_err(fail)?;
    c.compress(json).map_err(fail)
}

/// The payload JSON compressed as it is written: one zstd frame into `W`, counting
/// the JSON's bytes. The frame is written without its size (it is not known before the
/// end); [`declare_size`] then gives the header that declares it, as every format-2
/// frame must.
pub struct FrameWriter<W: std::io::Write> {
    encoder: zstd::stream::write::Encoder<'static, W>,
    count: u64,
}

impl<W: std::io::Write> FrameWriter<W> {
    pub fn new(w: W) -> std::io::Result<FrameWriter<W>> {
        let mut encoder = zstd::stream::write::Encoder::new(w, LEVEL)?;
        // One worker thread compresses while the caller goes on reading and writing
        // JSON: the export's compression moves to the second core (issue 16). The
        // frame is one frame as before; readers see no difference.
        encoder.multithread(1)?;
        encoder.include_checksum(false)?;
        encoder.include_contentsize(true)?;
        encoder.include_dictid(false)?;
        Ok(FrameWriter { encoder, count: 0 })
    }

    /// Ends the frame: the inner writer and the JSON's length.
    pub fn finish(self) -> std::io::Result<(W, u64)> {
        Ok((self.encoder.finish()?, self.count))
    }
}

impl<W: std::io::Write> std::io::Write for FrameWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.encoder.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.encoder.flush()
    }
}

/// The header of a zstd frame written by [`FrameWriter`] (its first bytes, at least
/// the header's), made to declare `size` content bytes: the Frame_Content_Size field
/// (RFC 8878 section 3.1.1.1) the streaming encoder could not write is put in; the
/// blocks after the header do not change. Returns the new header and the length of
/// the old one. A header that declares a size already must declare `size`.
pub fn declare_size(first: &[u8], size: u64) -> Result<(Vec<u8>, usize)> {
    let fail = |what: &str| ExchangeError::Invalid(format!("compressing the payload: {what}"));
    const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    if first.len() < 6 || first[..4] != MAGIC {
        return Err(fail("not a zstd frame"));
    }
    let fhd = first[4];
    let fcs_flag = fhd >> 6;
    let single = (fhd >> 5) & 1 == 1;
    let dict = [0usize, 1, 2, 4][usize::from(fhd & 3)];
    if fcs_flag != 0 || single {
        // A size is declared already.
        return match zstd::zstd_safe::get_frame_content_size(first) {
            Ok(Some(n)) if n == size => {
                let fcs = match fcs_flag {
                    0 => 1,
                    1 => 2,
                    2 => 4,
                    _ => 8,
                };
                let len = 5 + usize::from(!single) + dict + fcs;
                match first.get(..len) {
                    Some(h) => Ok((h.to_vec(), len)),
                    None => Err(fail("the frame's header is cut short")),
                }
            }
            _ => Err(fail("the frame declares another size")),
        };
    }
    let len = 6 + dict;
    if first.len() < len {
        return Err(fail("the frame's header is cut short"));
    }
    let mut header = first[..len].to_vec();
    match u32::try_from(size) {
        Ok(n) => {
            header[4] = fhd | 0b1000_0000;
            header.extend_from_slice(&n.to_le_bytes());
        }
        Err(_) => {
            header[4] = fhd | 0b1100_0000;
            header.extend_from_slice(&size.to_le_bytes());
        }
    }
    Ok((header, len))
}

/// The payload JSON of a format-2 file from its (signed) zstd frame, refusing a
/// decompression bomb before anything is expanded: the frame must declare its size,
/// at most `limit` bytes ([`MAX_PAYLOAD_BYTES`] for a file), must be the only frame,
/// and must expand to exactly that size (it is never read past it).
pub fn decompress(compressed: &[u8], limit: u64) -> Result<Vec<u8>> {
    use zstd::zstd_safe;
    let damaged = |detail: String| ExchangeError::Damaged { detail };
    let declared = match zstd_safe::get_frame_content_size(compressed) {
        Ok(Some(n)) => n,
        Ok(None) => {
            return Err(damaged(
                "its compressed payload does not declare its size, which patuh always writes; \
                 it was not made by patuh"
                    .into(),
            ));
        }
        Err(_) => {
            return Err(damaged(
                "its payload is not a zstd frame (format 2 compresses it)".into(),
            ));
        }
    };
    if declared > limit {
        return Err(ExchangeError::TooLarge {
            declared,
            limit,
            compressed: compressed.len() as u64,
        });
    }
    match zstd_safe::find_frame_compressed_size(compressed) {
        Ok(n) if n == compressed.len() => {}
        Ok(n) => {
            return Err(damaged(format!(
                "its compressed payload has {} bytes after its frame, which patuh never writes",
                compressed.len() - n
            )));
        }
        Err(_) => {
            return Err(damaged(
                "its compressed payload is cut short or damaged".into(),
            ));
        }
    }
    let decoder = zstd::stream::read::Decoder::with_buffer(compressed)
        .map_err(|e| damaged(format!("its compressed payload cannot be read ({e})")))?;
    let mut json = Vec::new();
    decoder
        .take(declared.saturating_add(1))
        .read_to_end(&mut json)
        .map_err(|e| damaged(format!("its compressed payload cannot be expanded ({e})")))?;
    if json.len() as u64 != declared {
        return Err(if json.len() as u64 > declared {
            ExchangeError::TooLarge {
                declared: json.len() as u64,
                limit: declared,
                compressed: compressed.len() as u64,
            }
        } else {
            damaged(format!(
                "its compressed payload expands to {} bytes, not the {declared} it declares",
                json.len()
            ))
        });
    }
    Ok(json)
}

/// A file's payload as the common model, from its signed bytes (of either version):
/// for the merged files a central database keeps (flags, `check`).
pub fn payload_of(format_version: i64, payload: &[u8]) -> Result<Payload2> {
    if format_version == super::bundle::FORMAT_VERSION_1 {
        return Ok(Payload2::from_v1(super::bundle::parse_payload(payload)?));
    }
    parse_payload2(&decompress(payload, MAX_PAYLOAD_BYTES)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_round_trips_through_compression() {
        let json = br#"{"hello":"world","n":[1,2,3]}"#.repeat(1000);
        let z = compress(&json).unwrap();
        assert!(z.len() < json.len() / 10, "{} bytes", z.len());
        assert_eq!(decompress(&z, MAX_PAYLOAD_BYTES).unwrap(), json);
        // A limit below the declared size refuses it before expanding.
        assert!(matches!(
            decompress(&z, 100),
            Err(ExchangeError::TooLarge { declared, limit: 100, .. }) if declared == json.len() as u64
        ));
        // Trailing bytes, a cut frame, something else.
        let mut longer = z.clone();
        longer.push(0);
        assert!(decompress(&longer, MAX_PAYLOAD_BYTES).is_err());
        assert!(decompress(&z[..z.len() - 3], MAX_PAYLOAD_BYTES).is_err());
        assert!(decompress(b"{\"a\":1}", MAX_PAYLOAD_BYTES).is_err());
    }

    /// A frame written as a stream, its header then made to declare its size, is one
    /// that the readers of format 2 (which require the declared size) expand exactly.
    #[test]
    fn a_streamed_frame_declares_its_size() {
        use std::io::Write;
        for json in [
            b"{}".to_vec(),
            br#"{"hello":"world","n":[1,2,3]}"#.repeat(1000),
            (0..3_000_000u32)
                .flat_map(|i| (i.wrapping_mul(2_654_435_761) >> 7).to_le_bytes())
                .collect(),
        ] {
            let mut w = FrameWriter::new(Vec::new()).unwrap();
            for chunk in json.chunks(7777) {
                w.write_all(chunk).unwrap();
            }
            let (frame, n) = w.finish().unwrap();
            assert_eq!(n, json.len() as u64);
            let (header, old) = declare_size(&frame[..frame.len().min(18)], n).unwrap();
            let mut declared = header.clone();
            declared.extend_from_slice(&frame[old..]);
            assert_eq!(
                zstd::zstd_safe::get_frame_content_size(&declared).ok(),
                Some(Some(n))
            );
            assert_eq!(decompress(&declared, MAX_PAYLOAD_BYTES).unwrap(), json);
            // Declared once, it is kept; another size is refused.
            assert_eq!(
                declare_size(&declared[..18.min(declared.len())], n)
                    .unwrap()
                    .0,
                header
            );
            assert!(declare_size(&declared[..18.min(declared.len())], n + 1).is_err());
        }
    }
}
