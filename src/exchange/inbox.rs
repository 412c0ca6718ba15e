//! `patuh inbox FILE`: a workstation reads the return file of the central office
//! (`patuh-return`, written by `patuh review send`, docs/export-format.md) and records
//! what came back, after checking every byte of it: the envelope laid out as patuh
//! writes it, the Ed25519 signature, a central office key the workstation trusts (the
//! `--trusted` file, or one a return file applied before was signed with), that it is
//! for this workstation's assessor, that it is newer than the last one applied from
//! that office, and that every node and indicator it names is one of this
//! workstation's. The first failure is the answer, and nothing is changed.

use std::path::Path;

use super::bundle::{Envelope, check_signature, layout};
use super::keys::{TrustedKeys, fingerprint};
use super::review::{RETURN_FORMAT, RETURN_VERSION, ReturnPayload};
use super::{ExchangeError, Result};
use crate::domain::review::ReviewState;
use crate::domain::text::sanitize;
use crate::store::{InboxApply, SentNode, Store};

/// A return file whose every check passed.
#[derive(Debug, Clone)]
pub struct Checked {
    pub payload: ReturnPayload,
    pub payload_sha256: String,
    pub fingerprint: String,
    pub nodes: Vec<SentNode>,
}

/// What applying a return file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Recorded: the nodes and items.
    New { nodes: usize, items: usize },
    /// This very file was applied before (at): nothing changed.
    Already { applied_at: String },
}

/// Reads the envelope and checks the signature of a return file's bytes.
fn open(bytes: &[u8]) -> Result<(super::bundle::Opened, ReturnPayload)> {
    if bytes.is_empty() {
        return Err(ExchangeError::Empty);
    }
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return Err(ExchangeError::Truncated { at: bytes.len() }),
        Err(e) => {
            return Err(ExchangeError::NotExport {
                detail: format!("not a patuh return file: not JSON ({e})"),
            });
        }
    };
    match value.get("format").and_then(|f| f.as_str()) {
        Some(RETURN_FORMAT) => {}
        Some(super::bundle::FORMAT) => {
            return Err(ExchangeError::NotExport {
                detail: "this is an export file of an assessor, not a return file of the central office; \
                         the central office merges it with `patuh central merge`"
                    .into(),
            });
        }
        other => {
            return Err(ExchangeError::NotExport {
                detail: format!(
                    "\"format\" is {:?}, not {RETURN_FORMAT:?}: not a patuh return file",
                    other.map(|o| sanitize(o).into_owned())
                ),
            });
        }
    }
    match value.get("format_version").and_then(|v| v.as_i64()) {
        Some(RETURN_VERSION) => {}
        Some(v) if v > RETURN_VERSION => {
            return Err(ExchangeError::Invalid(format!(
                "made by a newer patuh (return file version {v}; this patuh reads version {RETURN_VERSION}): update patuh to read it"
            )));
        }
        other => {
            return Err(ExchangeError::Invalid(format!(
                "return file version {other:?} is not supported (this patuh reads version {RETURN_VERSION})"
            )));
        }
    }
    let envelope: Envelope = serde_json::from_value(value).map_err(|e| ExchangeError::Damaged {
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
    let opened = check_signature(
        &envelope.public_key,
        envelope.signature.clone(),
        &envelope.payload,
    )?;
    crate::domain::json::check_no_duplicates(&opened.payload).map_err(|e| {
        ExchangeError::Invalid(format!(
            "payload: {e}; a return file written by patuh never has one"
        ))
    })?;
    let payload: ReturnPayload = serde_json::from_slice(&opened.payload)
        .map_err(|e| ExchangeError::Invalid(format!("payload: {e}")))?;
    if payload.format != RETURN_FORMAT || payload.format_version != RETURN_VERSION {
        return Err(ExchangeError::Invalid(format!(
            "the payload says format {:?} version {}, not {RETURN_FORMAT:?} version {RETURN_VERSION}",
            sanitize(&payload.format),
            payload.format_version
        )));
    }
    let claimed = super::keys::parse_public(&payload.central.public_key)
        .map_err(|e| ExchangeError::Invalid(format!("central.public_key: {e}")))?;
    if claimed != opened.public_key {
        return Err(ExchangeError::Invalid(format!(
            "the payload names the central key {} but the file is signed by key {}",
            fingerprint(&claimed),
            opened.fingerprint
        )));
    }
    Ok((opened, payload))
}

/// Checks a return file against this workstation: every check of the module comment.
/// `me` is the assessor id of this workstation's key.
pub fn check(
    bytes: &[u8],
    store: &Store,
    me: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<Checked> {
    let (opened, payload) = open(bytes)?;
    let central = &payload.central;
    match trusted {
        Some(t) => t.check(&opened.public_key, &central.id, &central.name)?,
        None => {
            let known = store.inbox_keys()?;
            if !known
                .iter()
                .any(|(k, id)| *k == central.public_key && *id == central.id)
            {
                return Err(ExchangeError::UntrustedKey {
                    fingerprint: opened.fingerprint.clone(),
                    name: sanitize(&central.name).into_owned(),
                    id: sanitize(&central.id).into_owned(),
                    trusted: "(none given: no return file signed by it was applied here before; \
                              give the central office's key line with --trusted KEYS)"
                        .into(),
                });
            }
        }
    }
    if payload.assessor != me {
        return Err(ExchangeError::Conflict(format!(
            "this return file is for assessor {}, but this workstation's key is assessor {}'s; \
             nothing changed. Ask the central office for your own file",
            sanitize(&payload.assessor),
            sanitize(me)
        )));
    }
    let nodes = nodes_of(&payload, store)?;
    Ok(Checked {
        payload_sha256: opened.payload_sha256.clone(),
        fingerprint: opened.fingerprint,
        payload,
        nodes,
    })
}

/// The nodes of a return file, each one of this workstation's with indicators of its
/// instrument.
fn nodes_of(payload: &ReturnPayload, store: &Store) -> Result<Vec<SentNode>> {
    let mut out = Vec::new();
    for n in &payload.nodes {
        let node = store.node(&n.path).map_err(|e| {
            ExchangeError::Conflict(format!(
                "it names {}, which this workstation does not hold ({e}); nothing changed",
                sanitize(&n.path)
            ))
        })?;
        let state = ReviewState::parse(&n.state).ok_or_else(|| {
            ExchangeError::Invalid(format!(
                "node {}: unknown state {:?}",
                sanitize(&n.path),
                sanitize(&n.state)
            ))
        })?;
        let instrument = store.node_instrument(&node)?;
        let mut comments = Vec::new();
        for c in &n.comments {
            if let Some(i) = &c.indicator
                && instrument.indicator_index(i).is_none()
            {
                return Err(ExchangeError::Invalid(format!(
                    "node {}: instrument {} has no indicator {:?}",
                    sanitize(&n.path),
                    instrument.id,
                    sanitize(i)
                )));
            }
            comments.push((c.indicator.clone().unwrap_or_default(), c.comment.clone()));
        }
        comments.sort();
        if comments.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(ExchangeError::Invalid(format!(
                "node {}: two comments on one indicator",
                sanitize(&n.path)
            )));
        }
        out.push(SentNode {
            path: n.path.clone(),
            state,
            decided_at: n.decided_at.clone(),
            comments,
        });
    }
    let mut paths: Vec<&str> = out.iter().map(|n| n.path.as_str()).collect();
    paths.sort_unstable();
    if paths.windows(2).any(|w| w[0] == w[1]) {
        return Err(ExchangeError::Invalid(
            "a node is named twice in the return file".into(),
        ));
    }
    Ok(out)
}

/// Checks and records a return file on the workstation (`store` opened to change,
/// under the workstation lock). Applying the same file again changes nothing; an
/// older file than the last one applied from its central office is refused.
pub fn apply(
    bytes: &[u8],
    file_name: &str,
    store: &mut Store,
    me: &str,
    trusted: Option<&TrustedKeys>,
) -> Result<(Checked, Applied)> {
    let c = check(bytes, store, me, trusted)?;
    if let Some(f) = store.inbox_applied(&c.payload_sha256)? {
        return Ok((
            c,
            Applied::Already {
                applied_at: f.applied_at,
            },
        ));
    }
    if let Some(last) = store.inbox_last(&c.payload.central.id)?
        && last.seq >= c.payload.seq
    {
        return Err(ExchangeError::Conflict(format!(
            "this return file (number {}, sent at {}) is older than the one applied here (number {}, sent at {}, \
             applied at {}); nothing changed. Use the newest file from the central office",
            c.payload.seq,
            sanitize(&c.payload.sent_at),
            last.seq,
            sanitize(&last.sent_at),
            sanitize(&last.applied_at)
        )));
    }
    store.apply_inbox(&InboxApply {
        payload_sha256: &c.payload_sha256,
        central_key: &c.payload.central.public_key,
        central_id: &c.payload.central.id,
        central_name: &c.payload.central.name,
        seq: c.payload.seq,
        sent_at: &c.payload.sent_at,
        file_name,
        cycle: &c.payload.cycle,
        nodes: &c.nodes,
    })?;
    let items = c.nodes.iter().map(|n| n.comments.len()).sum();
    let nodes = c.nodes.len();
    Ok((c, Applied::New { nodes, items }))
}

/// Reads a return file (a regular file of at most 64 MiB).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    Ok(crate::fsio::read(
        path,
        crate::fsio::MAX_TEXT_BYTES,
        "a return file",
    )?)
}
