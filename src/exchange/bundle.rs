//! The `patuh-export` file: an envelope (one line of JSON) holding the payload as
//! base64, the signature and the signer's public key, in both format versions, and the
//! payload of format 1 (the instrument(s), the exported agencies, units, products,
//! observations, evidence, scores and the audit chain; its Ed25519 signature is over the
//! exact payload bytes). Format 2 (answers at every level, respondents, data values,
//! follow-ups, the cycle; a zstd-compressed payload signed with Ed25519ph) has its
//! payload in `bundle2`; the envelope is the same but for its version. Both are read.
//! docs/export-format.md describes every field.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use super::keys::{Identity, fingerprint, parse_public};
use super::{ExchangeError, Result};

pub const FORMAT: &str = "patuh-export";
/// The newest format version: the one `patuh export` writes and the highest read.
pub const FORMAT_VERSION: i64 = 2;
/// Format 1 (answers of products only, Ed25519 over the payload bytes): still read,
/// and written by `patuh export --format 1` for a central office not yet upgraded.
pub const FORMAT_VERSION_1: i64 = 1;
/// The context of a format-2 signature (Ed25519ph, RFC 8032 section 5.1): no other
/// signature of the same key (a format-1 export, a message signed by other software)
/// verifies as one of these.
pub const CONTEXT_V2: &[u8] = b"patuh-export 2";

/// The outer layer of the file, in this field order, followed by one `\n`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub format: String,
    pub format_version: i64,
    /// `ed25519:BASE64`, the same key as `payload.assessor.public_key`.
    pub public_key: String,
    /// Base64 of the 64-byte signature over the decoded payload bytes: Ed25519 in
    /// format 1, Ed25519ph with the context [`CONTEXT_V2`] in format 2.
    pub signature: String,
    /// Base64 of the payload bytes: compact UTF-8 JSON in format 1, a zstd frame of it
    /// in format 2.
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub format: String,
    pub format_version: i64,
    /// RFC 3339, UTC: when the file was made (orders exports of one assessor).
    pub exported_at: String,
    pub assessor: Assessor,
    pub instruments: Vec<InstrumentEntry>,
    pub agencies: Vec<AgencyEntry>,
    /// The workstation's whole audit chain from the first row: rows of exported
    /// products in full, the others redacted to their seq and hashes.
    pub audit: Vec<AuditEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessor {
    pub name: String,
    pub id: String,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentEntry {
    pub id: String,
    pub version: String,
    pub sha256: String,
    /// The canonical instrument JSON (keys sorted); its SHA-256 is `sha256`. Read
    /// refusing a key twice in one object, as the instrument parser does.
    #[serde(deserialize_with = "crate::domain::json::strict_value")]
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRef {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// A score as exported: rounded to 2 decimals, with its zone and progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreEntry {
    /// An exact decimal number with two decimals (`81.00`), null without a score.
    pub value: Option<serde_json::Number>,
    /// The band code, null without a score.
    pub zone: Option<String>,
    pub answered: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyEntry {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub instrument: InstrumentRef,
    pub score: ScoreEntry,
    pub units: Vec<UnitEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitEntry {
    pub code: String,
    pub name: String,
    pub score: ScoreEntry,
    pub products: Vec<ProductEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductEntry {
    pub code: String,
    pub name: String,
    pub finalized_at: Option<String>,
    pub finalized_by: Option<String>,
    pub score: ScoreEntry,
    pub observations: Vec<ObservationEntry>,
    pub evidence: Vec<EvidenceEntry>,
}

impl ProductEntry {
    /// Whether the assessor did anything with this product: an observation row, an
    /// evidence reference or a finalization. Untouched products carry no result.
    pub fn touched(&self) -> bool {
        !self.observations.is_empty() || !self.evidence.is_empty() || self.finalized_at.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationEntry {
    pub indicator: String,
    /// The value on the indicator's scale; null for unanswered or N/A.
    pub value: Option<u32>,
    pub na: bool,
    pub note: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    pub indicator: String,
    pub reference: String,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub added_at: String,
    pub added_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    /// The row's content; absent for a row of a product not in this export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<AuditContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditContent {
    pub at: String,
    pub who: String,
    pub product: String,
    pub indicator: Option<String>,
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Signs format-1 payload bytes (Ed25519) and lays out the whole file.
pub fn seal(payload: &[u8], identity: &Identity) -> Vec<u8> {
    let signature = identity.sign(payload);
    layout(&envelope(
        FORMAT_VERSION_1,
        identity,
        B64.encode(signature.to_bytes()),
        B64.encode(payload),
    ))
}

/// Signs format-2 payload bytes (the zstd frame, see `bundle2::compress`) with
/// Ed25519ph and lays out the whole file.
pub fn seal_v2(compressed: &[u8], identity: &Identity) -> Result<Vec<u8>> {
    let signature = sign_v2(compressed, identity)?;
    Ok(layout(&envelope(
        FORMAT_VERSION,
        identity,
        B64.encode(signature.to_bytes()),
        B64.encode(compressed),
    )))
}

/// The format-2 signature of the payload bytes: Ed25519ph over their SHA-512, one pass
/// over the bytes (plain Ed25519 hashes the message twice).
pub fn sign_v2(compressed: &[u8], identity: &Identity) -> Result<Signature> {
    let mut digest = Sha512::new();
    digest.update(compressed);
    identity.sign_prehashed(digest, CONTEXT_V2)
}

fn envelope(version: i64, identity: &Identity, signature: String, payload: String) -> Envelope {
    Envelope {
        format: FORMAT.into(),
        format_version: version,
        public_key: identity.public_text(),
        signature,
        payload,
    }
}

/// Writes the same bytes as [`seal`] into `file` (empty, from offset 0) without ever
/// holding the file in memory, and signs while it writes: the payload's base64 is
/// streamed after the head, whose length does not depend on the signature, and the
/// head goes in last. At national scale the payload is 700 MB and signing it (two
/// SHA-512 passes) is the longest step of an export; on two cores it overlaps the
/// writing. Returns the number of bytes written.
pub fn write_sealed_file(
    file: &std::fs::File,
    payload: &[u8],
    identity: &Identity,
) -> std::io::Result<usize> {
    write_envelope(file, FORMAT_VERSION_1, payload, identity, || {
        Ok(identity.sign(payload))
    })
}

/// [`write_sealed_file`] for format 2: the same bytes as [`seal_v2`].
pub fn write_sealed_file_v2(
    file: &std::fs::File,
    compressed: &[u8],
    identity: &Identity,
) -> std::io::Result<usize> {
    write_envelope(file, FORMAT_VERSION, compressed, identity, || {
        sign_v2(compressed, identity).map_err(|e| std::io::Error::other(e.to_string()))
    })
}

fn write_envelope(
    file: &std::fs::File,
    version: i64,
    payload: &[u8],
    identity: &Identity,
    sign: impl FnOnce() -> std::io::Result<Signature> + Send,
) -> std::io::Result<usize> {
    use std::io::{Seek, SeekFrom, Write};
    // `payload` is the last field: its empty value ends the layout with `"}` and `\n`,
    // and base64 needs no JSON escaping, so the file is the head up to the payload's
    // opening quote, the base64, then those three bytes.
    const TAIL: &[u8] = b"\"}\n";
    let head = |signature: String| {
        let mut bytes = layout(&envelope(version, identity, signature, String::new()));
        bytes.truncate(bytes.len().saturating_sub(TAIL.len()));
        bytes
    };
    // An Ed25519 signature is 64 bytes: always 88 characters of base64.
    let head_len = head(B64.encode([0u8; 64])).len();
    std::thread::scope(|scope| {
        let signer = scope.spawn(sign);
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        w.seek(SeekFrom::Start(head_len as u64))?;
        // A multiple of 3 bytes per chunk, so the chunks' base64 is the whole's.
        const CHUNK: usize = 3 * 64 * 1024;
        let mut buf = vec![0u8; CHUNK / 3 * 4];
        let mut written = head_len;
        for chunk in payload.chunks(CHUNK) {
            let n = B64
                .encode_slice(chunk, &mut buf)
                .map_err(std::io::Error::other)?;
            w.write_all(&buf[..n])?;
            written += n;
        }
        w.write_all(TAIL)?;
        written += TAIL.len();
        let signature = signer
            .join()
            .map_err(|_| std::io::Error::other("signing the export failed"))??;
        let head = head(B64.encode(signature.to_bytes()));
        if head.len() != head_len {
            return Err(std::io::Error::other("unexpected envelope layout"));
        }
        w.seek(SeekFrom::Start(0))?;
        w.write_all(&head)?;
        w.flush()?;
        Ok(written)
    })
}

/// Writes a format-2 file into `file` (empty, from offset 0) from its payload bytes
/// (the zstd frame) read from `payload`, hashing them as they go (SHA-512 for the
/// Ed25519ph signature, SHA-256 for the file's identity), never holding them: the
/// payload's base64 goes after the head, whose length does not depend on the
/// signature, and the head goes in last, signed. The same bytes as [`seal_v2`]. Returns
/// the bytes written and the payload's SHA-256 in hex.
pub fn write_sealed_stream_v2(
    file: &std::fs::File,
    mut payload: impl std::io::Read,
    identity: &Identity,
) -> std::io::Result<(usize, String)> {
    use std::io::{Seek, SeekFrom, Write};
    const TAIL: &[u8] = b"\"}\n";
    let head = |signature: String| {
        let mut bytes = layout(&envelope(
            FORMAT_VERSION,
            identity,
            signature,
            String::new(),
        ));
        bytes.truncate(bytes.len().saturating_sub(TAIL.len()));
        bytes
    };
    let head_len = head(B64.encode([0u8; 64])).len();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.seek(SeekFrom::Start(head_len as u64))?;
    const CHUNK: usize = 3 * 64 * 1024;
    let mut written = head_len;
    // The two hashes on a second thread, the base64 and the writing on this one (the
    // export's other threads are done by now): each chunk is handed over as a copy.
    let (sha512, sha256) = std::thread::scope(|scope| -> std::io::Result<_> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        // Chunks hashed come back to be filled again.
        let (back, used) = std::sync::mpsc::channel::<Vec<u8>>();
        let hashing = scope.spawn(move || {
            let mut sha512 = Sha512::new();
            let mut sha256 = Sha256::new();
            for chunk in rx {
                sha512.update(&chunk);
                sha256.update(&chunk);
                let _ = back.send(chunk);
            }
            (sha512, sha256)
        });
        let mut chunk = vec![0u8; CHUNK];
        let mut buf = vec![0u8; CHUNK / 3 * 4];
        loop {
            // Whole chunks (a multiple of 3 bytes) but the last, so that the chunks'
            // base64 is the whole's.
            let mut n = 0;
            while n < CHUNK {
                match payload.read(&mut chunk[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if n == 0 {
                break;
            }
            let mut copy = used
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            copy.clear();
            copy.extend_from_slice(&chunk[..n]);
            tx.send(copy)
                .map_err(|_| std::io::Error::other("the hashing thread stopped"))?;
            let m = B64
                .encode_slice(&chunk[..n], &mut buf)
                .map_err(std::io::Error::other)?;
            w.write_all(&buf[..m])?;
            written += m;
            if n < CHUNK {
                break;
            }
        }
        drop(tx);
        Ok(hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })?;
    w.write_all(TAIL)?;
    written += TAIL.len();
    let signature = identity
        .sign_prehashed(sha512, CONTEXT_V2)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let head = head(B64.encode(signature.to_bytes()));
    if head.len() != head_len {
        return Err(std::io::Error::other("unexpected envelope layout"));
    }
    w.seek(SeekFrom::Start(0))?;
    w.write_all(&head)?;
    w.flush()?;
    Ok((written, hex::encode(sha256.finalize())))
}

/// The exact bytes of an envelope: compact JSON in field order and a newline.
pub fn layout(envelope: &Envelope) -> Vec<u8> {
    // Serialising plain strings and an integer cannot fail.
    let mut bytes = serde_json::to_vec(envelope).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A file whose signature holds: the signer's key and the exact payload bytes.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The envelope's version: 1 or 2.
    pub format_version: i64,
    pub public_key: VerifyingKey,
    pub fingerprint: String,
    /// The signed payload bytes: the JSON in format 1, its zstd frame in format 2
    /// (`bundle2::decompress` gives the JSON).
    pub payload: Vec<u8>,
    /// SHA-256 of the payload bytes, hex: the file's identity at the central office.
    pub payload_sha256: String,
    pub signature: String,
}

/// The envelope as read straight from the file's bytes, strings borrowed where they
/// have no escapes (base64 never has): a national file is a gigabyte.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeRef<'a> {
    #[serde(borrow)]
    format: std::borrow::Cow<'a, str>,
    format_version: i64,
    #[serde(borrow)]
    public_key: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    signature: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    payload: std::borrow::Cow<'a, str>,
}

/// Whether this patuh reads files of this version.
fn known(version: i64) -> bool {
    version == FORMAT_VERSION_1 || version == FORMAT_VERSION
}

/// The common case of [`open`]: a file exactly as `seal` writes it, checked without
/// copying it. None sends the caller to the general reading, which says what is wrong.
fn open_exact(bytes: &[u8]) -> Option<(i64, String, String, &str)> {
    let env: EnvelopeRef<'_> = serde_json::from_slice(bytes).ok()?;
    if env.format != FORMAT || !known(env.format_version) {
        return None;
    }
    let std::borrow::Cow::Borrowed(payload) = env.payload else {
        return None;
    };
    // Exactly the layout of `seal`: the head (every field, the payload empty) with the
    // payload's base64 between its last quote pair.
    let head = layout(&Envelope {
        format: FORMAT.into(),
        format_version: env.format_version,
        public_key: env.public_key.to_string(),
        signature: env.signature.to_string(),
        payload: String::new(),
    });
    let (before, after) = head.split_at(head.len().checked_sub(3)?);
    let exact = bytes.len() == head.len() + payload.len()
        && bytes.starts_with(before)
        && bytes.ends_with(after)
        && &bytes[before.len()..bytes.len() - after.len()] == payload.as_bytes();
    exact.then(|| {
        (
            env.format_version,
            env.public_key.into_owned(),
            env.signature.into_owned(),
            payload,
        )
    })
}

/// Reads the envelope and checks the signature, from the first byte to the last: the
/// format and version, a layout that is exactly the one `seal` writes (so not a single
/// byte outside the payload can change unnoticed), the base64, and the signature.
pub fn open(bytes: &[u8]) -> Result<Opened> {
    match open_exact(bytes) {
        Some((version, public_key, signature, payload)) => {
            check_signature_of(version, &public_key, signature, payload)
        }
        None => open_general(bytes),
    }
}

fn open_general(bytes: &[u8]) -> Result<Opened> {
    if bytes.is_empty() {
        return Err(ExchangeError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        if bytes.first() == Some(&b'{') {
            ExchangeError::Damaged {
                detail: format!("byte {} is not text (invalid UTF-8)", e.valid_up_to()),
            }
        } else {
            ExchangeError::NotExport {
                detail: "it is binary, not JSON text; if it is encrypted, it is not an age file"
                    .into(),
            }
        }
    })?;
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return Err(ExchangeError::Truncated { at: bytes.len() }),
        Err(e) => {
            return Err(if text.starts_with('{') {
                ExchangeError::Damaged {
                    detail: format!("not valid JSON at line {} column {}", e.line(), e.column()),
                }
            } else {
                ExchangeError::NotExport {
                    detail: "it is not JSON".into(),
                }
            });
        }
    };
    let obj = value.as_object().ok_or_else(|| ExchangeError::NotExport {
        detail: "its JSON is not an object".into(),
    })?;
    match obj.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(ExchangeError::NotExport {
                detail: format!(
                    "\"format\" is {:?}, not {FORMAT:?}",
                    crate::domain::text::sanitize(other)
                ),
            });
        }
        None => {
            return Err(ExchangeError::NotExport {
                detail: format!("\"format\" {FORMAT:?} is missing"),
            });
        }
    }
    match obj.get("format_version").and_then(|v| v.as_i64()) {
        Some(v) if known(v) => {}
        Some(v) if v > FORMAT_VERSION => {
            return Err(ExchangeError::NewerVersion {
                found: v,
                known: FORMAT_VERSION,
            });
        }
        Some(v) => {
            return Err(ExchangeError::UnsupportedVersion {
                found: v,
                known: FORMAT_VERSION,
            });
        }
        None => {
            return Err(ExchangeError::Damaged {
                detail: "\"format_version\" is missing or not an integer".into(),
            });
        }
    }
    let envelope: Envelope =
        serde_json::from_value(value.clone()).map_err(|e| ExchangeError::Damaged {
            detail: format!("the envelope is not the one patuh writes ({e})"),
        })?;
    let expected = layout(&envelope);
    if expected != bytes {
        let at = expected
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(bytes.len()));
        return Err(ExchangeError::Damaged {
            detail: format!("byte {at} differs from the layout patuh writes"),
        });
    }
    check_signature_of(
        envelope.format_version,
        &envelope.public_key,
        envelope.signature,
        &envelope.payload,
    )
}

/// The key, the base64 of the payload and the Ed25519 signature of a well laid-out
/// envelope of format 1 (also of a return file, `exchange::inbox`).
pub(crate) fn check_signature(
    public_key: &str,
    signature_text: String,
    payload: &str,
) -> Result<Opened> {
    check_signature_of(FORMAT_VERSION_1, public_key, signature_text, payload)
}

/// [`check_signature`] for an envelope of `version`: Ed25519 over the payload bytes
/// (format 1), Ed25519ph with [`CONTEXT_V2`] over their SHA-512 (format 2).
fn check_signature_of(
    version: i64,
    public_key: &str,
    signature_text: String,
    payload: &str,
) -> Result<Opened> {
    let public_key = parse_public(public_key).map_err(|e| ExchangeError::Damaged {
        detail: format!("\"public_key\": {e}"),
    })?;
    let fp = fingerprint(&public_key);
    let sig_bytes: [u8; 64] = B64
        .decode(&signature_text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ExchangeError::BadSignature {
            fingerprint: fp.clone(),
        })?;
    let signature = Signature::from_bytes(&sig_bytes);
    let payload = B64.decode(payload).map_err(|e| ExchangeError::Damaged {
        detail: format!("the payload is not valid base64 ({e})"),
    })?;
    let verified = if version == FORMAT_VERSION_1 {
        public_key.verify_strict(&payload, &signature)
    } else {
        let mut digest = Sha512::new();
        digest.update(&payload);
        public_key.verify_prehashed_strict(digest, Some(CONTEXT_V2), &signature)
    };
    verified.map_err(|_| ExchangeError::BadSignature {
        fingerprint: fp.clone(),
    })?;
    Ok(Opened {
        format_version: version,
        public_key,
        fingerprint: fp,
        payload_sha256: hex::encode(Sha256::digest(&payload)),
        payload,
        signature: signature_text,
    })
}

/// Where a file's bytes are read from, once per pass: a streaming reading goes over
/// the file twice (the signature first, then the content), never holding it whole.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    Bytes(&'a [u8]),
    /// A regular file and its length when it was looked at.
    File(&'a std::path::Path, u64),
}

impl<'a> Source<'a> {
    fn len(&self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::File(_, n) => *n,
        }
    }

    /// A fresh reader from the first byte.
    pub(crate) fn open(&self) -> std::io::Result<Box<dyn std::io::Read + 'a>> {
        Ok(match *self {
            Source::Bytes(b) => Box::new(b),
            Source::File(path, _) => {
                let (file, _) = crate::fsio::open_regular(path, true)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                Box::new(std::io::BufReader::with_capacity(1 << 20, file))
            }
        })
    }
}

/// A format-2 file laid out exactly as patuh writes it whose signature holds, read in
/// one pass without keeping its payload: where the payload is, its first bytes (the
/// zstd frame's header) and its SHA-512 (a second pass must read the same bytes).
#[derive(Debug)]
pub(crate) struct Streamed {
    /// With an empty `payload`.
    pub opened: Opened,
    /// The envelope's bytes before the payload's base64.
    pub head_len: u64,
    /// The length of the payload's base64.
    pub b64_len: u64,
    /// The payload's first bytes (up to 32): the frame's header.
    pub header: Vec<u8>,
    pub sha512: Vec<u8>,
}

/// The base64 characters decoded at once: a multiple of 4.
const B64_CHUNK: usize = 4 * 64 * 1024;

/// [`open`] for a format-2 file, in one pass over `src` without holding it: None
/// when the file is not exactly a format-2 file with a valid signature (the caller
/// then reads it whole, as before, and says what is wrong).
pub(crate) fn open_stream(src: Source<'_>) -> Option<Streamed> {
    use std::io::Read;
    const TAIL: &[u8] = b"\"}\n";
    const KEY: &[u8] = b"\"payload\":\"";
    let len = src.len();
    let mut r = src.open().ok()?;
    let mut first = Vec::new();
    (&mut r).take(4096).read_to_end(&mut first).ok()?;
    let at = first.windows(KEY.len()).position(|w| w == KEY)?;
    let head_len = at + KEY.len();
    let mut candidate = first[..head_len].to_vec();
    candidate.extend_from_slice(TAIL);
    let env: Envelope = serde_json::from_slice(&candidate).ok()?;
    if env.format != FORMAT || env.format_version != FORMAT_VERSION || layout(&env) != candidate {
        return None;
    }
    let b64_len = len.checked_sub(head_len as u64 + TAIL.len() as u64)?;
    // The rest of the first read, then the file, up to the tail.
    let rest = std::io::Cursor::new(first[head_len..].to_vec());
    let mut body = rest.chain(r);
    let mut hash512 = Sha512::new();
    let mut hash256 = Sha256::new();
    let mut header = Vec::new();
    let mut text = vec![0u8; B64_CHUNK];
    let mut out = vec![0u8; B64_CHUNK / 4 * 3];
    let mut left = b64_len;
    while left > 0 {
        let n = (left as usize).min(B64_CHUNK);
        body.read_exact(&mut text[..n]).ok()?;
        let m = B64.decode_slice(&text[..n], &mut out).ok()?;
        hash512.update(&out[..m]);
        hash256.update(&out[..m]);
        if header.len() < 32 {
            let k = (32 - header.len()).min(m);
            header.extend_from_slice(&out[..k]);
        }
        left -= n as u64;
    }
    let mut tail = Vec::new();
    body.take(TAIL.len() as u64 + 1)
        .read_to_end(&mut tail)
        .ok()?;
    if tail != TAIL {
        return None;
    }
    let public_key = parse_public(&env.public_key).ok()?;
    let sig_bytes: [u8; 64] = B64.decode(&env.signature).ok()?.try_into().ok()?;
    let signature = Signature::from_bytes(&sig_bytes);
    public_key
        .verify_prehashed_strict(hash512.clone(), Some(CONTEXT_V2), &signature)
        .ok()?;
    Some(Streamed {
        opened: Opened {
            format_version: FORMAT_VERSION,
            fingerprint: fingerprint(&public_key),
            public_key,
            payload: Vec::new(),
            payload_sha256: hex::encode(hash256.finalize()),
            signature: env.signature,
        },
        head_len: head_len as u64,
        b64_len,
        header,
        sha512: hash512.finalize().to_vec(),
    })
}

/// The payload bytes of a [`Streamed`] file, read again: None when they are not the
/// signed ones.
pub(crate) fn read_payload(src: Source<'_>, s: &Streamed) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut r = PayloadReader::new(src, s).ok()?;
    let mut bytes = Vec::with_capacity((s.b64_len / 4 * 3) as usize);
    r.read_to_end(&mut bytes).ok()?;
    r.same(s).then_some(bytes)
}

/// The payload of a [`Streamed`] file decoded from a second reading of its source,
/// hashing what it gives: [`PayloadReader::same`] tells whether it read exactly the
/// signed bytes.
pub(crate) struct PayloadReader<'a> {
    inner: Box<dyn std::io::Read + 'a>,
    left: u64,
    text: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    hash: Sha512,
}

impl<'a> PayloadReader<'a> {
    pub(crate) fn new(src: Source<'a>, s: &Streamed) -> std::io::Result<PayloadReader<'a>> {
        use std::io::Read;
        let mut inner = src.open()?;
        std::io::copy(&mut (&mut inner).take(s.head_len), &mut std::io::sink())?;
        Ok(PayloadReader {
            inner,
            left: s.b64_len,
            text: vec![0u8; B64_CHUNK],
            out: Vec::with_capacity(B64_CHUNK / 4 * 3),
            pos: 0,
            hash: Sha512::new(),
        })
    }

    /// Whether every byte was read and they are the signed ones.
    pub(crate) fn same(self, s: &Streamed) -> bool {
        self.left == 0 && self.pos == self.out.len() && self.hash.finalize()[..] == s.sha512[..]
    }
}

impl std::io::Read for PayloadReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.out.len() {
            if self.left == 0 {
                return Ok(0);
            }
            let n = (self.left as usize).min(B64_CHUNK);
            self.inner.read_exact(&mut self.text[..n])?;
            self.out.resize(n / 4 * 3, 0);
            let m = B64
                .decode_slice(&self.text[..n], &mut self.out)
                .map_err(std::io::Error::other)?;
            self.out.truncate(m);
            self.hash.update(&self.out);
            self.pos = 0;
            self.left -= n as u64;
        }
        let k = buf.len().min(self.out.len() - self.pos);
        buf[..k].copy_from_slice(&self.out[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

/// Parses signed payload bytes of format 1. The signature already holds, so a failure
/// here means the signer's software wrote something this patuh does not accept. An
/// object with the same key twice, at any depth, is refused (which one would count?),
/// as the instrument parser refuses it.
pub fn parse_payload(bytes: &[u8]) -> Result<Payload> {
    parse_versioned(bytes, FORMAT_VERSION_1, |p: &Payload| {
        (p.format.as_str(), p.format_version)
    })
}

/// Parses the payload of a file of format `version` into `T`, whose `format` and
/// `format_version` `head` gives.
pub(crate) fn parse_versioned<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    version: i64,
    head: impl Fn(&T) -> (&str, i64),
) -> Result<T> {
    // Straight into the structure when it is well formed and of this version (no
    // intermediate JSON tree of a national payload): serde's derived structures refuse
    // a field given twice, and the one free-form part (an instrument's body) is read
    // refusing duplicates too. Otherwise through the tree, which tells what is wrong,
    // once no key is given twice (the tree would keep only the last).
    if let Ok(payload) = serde_json::from_slice::<T>(bytes)
        && head(&payload) == (FORMAT, version)
    {
        return Ok(payload);
    }
    crate::domain::json::check_no_duplicates(bytes).map_err(|e| {
        ExchangeError::Invalid(format!(
            "payload: {e}; a payload written by patuh never has one"
        ))
    })?;
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))?;
    match value.get("format_version").and_then(|v| v.as_i64()) {
        Some(v) if v == version => {}
        Some(v) if v > FORMAT_VERSION => {
            return Err(ExchangeError::NewerVersion {
                found: v,
                known: FORMAT_VERSION,
            });
        }
        other => {
            return Err(ExchangeError::Invalid(format!(
                "payload format_version {}, but the file is of format version {version}: \
                 the payload and its envelope must say the same",
                other.map_or("missing".to_string(), |v| v.to_string())
            )));
        }
    }
    let payload: T = serde_json::from_value(value)
        .map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))?;
    let (format, _) = head(&payload);
    if format != FORMAT {
        return Err(ExchangeError::Invalid(format!(
            "payload format {:?}, expected {FORMAT:?}",
            crate::domain::text::sanitize(format)
        )));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_gives_the_same_bytes_and_any_change_is_refused() {
        let id = Identity::from_secret("Siti", "ASN-1", [3; 32]);
        let payload = br#"{"hello":"world"}"#;
        let file = seal(payload, &id);
        let opened = open(&file).unwrap();
        assert_eq!(opened.payload, payload);
        assert_eq!(opened.public_key, id.public());
        for at in 0..file.len() {
            let mut bad = file.clone();
            bad[at] ^= 0x01;
            assert!(open(&bad).is_err(), "flip at {at} accepted");
        }
        assert!(matches!(
            open(&file[..file.len() - 2]),
            Err(ExchangeError::Truncated { .. })
        ));
        let other = Identity::from_secret("Eve", "X", [4; 32]);
        let mut env: Envelope = serde_json::from_slice(&file).unwrap();
        env.public_key = other.public_text();
        assert!(matches!(
            open(&layout(&env)),
            Err(ExchangeError::BadSignature { .. })
        ));
    }

    #[test]
    fn a_sealed_file_is_read_without_the_general_reading() {
        let id = Identity::from_secret("Siti", "ASN-1", [3; 32]);
        let file = seal(br#"{"hello":"world"}"#, &id);
        assert!(open_exact(&file).is_some());
        // The same content laid out otherwise (a space) is left to the general
        // reading, which refuses it.
        let mut spaced = file.clone();
        spaced.insert(1, b' ');
        assert!(open_exact(&spaced).is_none());
        assert!(matches!(open(&spaced), Err(ExchangeError::Damaged { .. })));
    }

    #[test]
    fn the_streamed_file_is_the_sealed_file() {
        let id = Identity::from_secret("Siti", "ASN-1", [3; 32]);
        let dir = tempfile::tempdir().unwrap();
        let chunk = 3 * 64 * 1024;
        for len in [0usize, 1, 2, 3, 4, 5, chunk - 1, chunk, chunk + 1, 700_001] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let path = dir.path().join(format!("{len}.patuh"));
            let file = std::fs::File::create(&path).unwrap();
            let n = write_sealed_file(&file, &payload, &id).unwrap();
            drop(file);
            let out = std::fs::read(&path).unwrap();
            assert_eq!(out, seal(&payload, &id), "payload of {len} bytes");
            assert_eq!(n, out.len());
        }
    }

    #[test]
    fn a_newer_version_is_named() {
        let text = br#"{"format":"patuh-export","format_version":3,"whatever":1}"#;
        assert!(matches!(
            open(text),
            Err(ExchangeError::NewerVersion { found: 3, .. })
        ));
    }
}
