//! The central office's review of the assessors' work (issue 15, docs/review.md): the
//! decisions (approve, return with comments, resolve a conflict), the revocation of a
//! key, the signed return file that tells an assessor what came back (`patuh-return`,
//! version 1; read by `exchange::inbox`), and the report's "approved only" view and
//! review table. The flags that deserve a look are in `exchange::flags`. The states themselves are in
//! `crate::domain::review`, how they are stored in `crate::store::review`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bundle::{Envelope, layout};
use super::keys::{Identity, fingerprint, parse_public};
use super::report::{Cell, Table};
use super::{ExchangeError, Result};
use crate::domain::NodeLevel;
use crate::domain::model::Dataset;
use crate::domain::review::{Decision, NodeReview, ReviewState, counts_as_approved};
use crate::domain::text::{is_unsafe_char, sanitize};
use crate::domain::{Instrument, Lang, Value};
use crate::store::{Node, ROLE_CENTRAL, ROLE_KEY, SentFile, SentNode, Store};

/// The return file's `format` and the version this patuh writes and reads.
pub const RETURN_FORMAT: &str = "patuh-return";
pub const RETURN_VERSION: i64 = 1;

/// A comment or a reason: printable text (new lines allowed), at most this many bytes.
pub const MAX_TEXT: usize = 4000;

/// Refuses a database that is not a central one: review decisions are made where the
/// work was merged.
pub fn require_central(store: &Store) -> Result<()> {
    if store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL) {
        return Ok(());
    }
    Err(ExchangeError::Conflict(format!(
        "{}: not a central database; review decisions are made on the central office's database, \
         where the exports are merged (`patuh --db central.db review ...`)",
        store.path().display()
    )))
}

/// Checks a comment or reason typed by the reviewer.
pub fn check_text(what: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(ExchangeError::Invalid(format!(
            "{what} is empty: say what must be looked at (it goes to the assessor and into the central log)"
        )));
    }
    if text.len() > MAX_TEXT {
        return Err(ExchangeError::Invalid(format!(
            "{what} is {} bytes long; keep it under {MAX_TEXT}",
            text.len()
        )));
    }
    if text.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Err(ExchangeError::Invalid(format!(
            "{what} holds a control or invisible character; type plain text"
        )));
    }
    Ok(())
}

/// The index of `indicator` in a node's instrument, or a refusal naming the path.
fn indicator_of(store: &Store, node: &Node, indicator: &str) -> Result<(Instrument, usize)> {
    let instrument = store.node_instrument(node)?;
    match instrument.indicator_index(indicator) {
        Some(i) => Ok((instrument, i)),
        None => Err(ExchangeError::Invalid(format!(
            "instrument {} of {} has no indicator {:?}; see the ids with `patuh show {}`",
            instrument.id,
            sanitize(&node.path),
            sanitize(indicator),
            sanitize(&node.path)
        ))),
    }
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// The node's review now.
    Changed(NodeReview),
    /// Nothing to do (approving an approved node).
    Unchanged(ReviewState),
}

/// Approves a node (`AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT`): its work counts
/// in `report --approved-only`.
pub fn approve(store: &mut Store, path: &str) -> Result<Decided> {
    require_central(store)?;
    let node = store.node(path)?;
    Ok(match store.review_decide(&node, &Decision::Approve)? {
        Some(r) => Decided::Changed(r),
        None => Decided::Unchanged(ReviewState::Approved),
    })
}

/// Returns a node to its assessor with a comment, on one indicator or on the node as
/// a whole.
pub fn return_node(
    store: &mut Store,
    path: &str,
    indicator: Option<&str>,
    comment: &str,
) -> Result<Decided> {
    require_central(store)?;
    check_text("the comment", comment)?;
    let node = store.node(path)?;
    if let Some(i) = indicator {
        indicator_of(store, &node, i)?;
    }
    let d = Decision::Return {
        indicator: indicator.map(str::to_string),
        comment: comment.to_string(),
    };
    Ok(match store.review_decide(&node, &d)? {
        Some(r) => Decided::Changed(r),
        None => Decided::Unchanged(ReviewState::Returned),
    })
}

/// Which side of a conflict counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// This assessor's value.
    Take(String),
    /// A value the reviewer enters.
    Value(u32),
}

/// Resolves a conflict on one cell: the value of one assessor, or one entered on the
/// indicator's scale, counts from now on (also after later merges). Returns the
/// consolidated value before and after ("" unanswered, "N/A").
pub fn resolve(
    store: &mut Store,
    path: &str,
    indicator: &str,
    pick: &Pick,
    reason: &str,
) -> Result<(String, String)> {
    require_central(store)?;
    check_text("the reason", reason)?;
    let node = store.node(path)?;
    let (instrument, i) = indicator_of(store, &node, indicator)?;
    let (take, value) = match pick {
        Pick::Take(a) => (Some(a.as_str()), None),
        Pick::Value(v) => {
            let max = instrument.indicators[i].max;
            if *v > max {
                return Err(ExchangeError::Invalid(format!(
                    "--value {v} is not on the scale of {indicator} (0 to {max})"
                )));
            }
            (None, Some(*v))
        }
    };
    Ok(store.review_resolve(&node, indicator, take, value, reason)?)
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub public_key: String,
    pub fingerprint: String,
    /// The assessors whose merged files it signed.
    pub assessors: Vec<String>,
    /// False: it was revoked before; nothing changed.
    pub new: bool,
}

/// Revokes a key, named by its fingerprint (as `patuh keys show` and the merge print
/// it) or by its public key text: files signed by it are refused from now on, and
/// the reports mark what was merged from it.
pub fn revoke(store: &mut Store, key_id: &str, reason: &str) -> Result<Revoked> {
    require_central(store)?;
    check_text("the reason", reason)?;
    let (public_key, fp, assessors) = if key_id.starts_with("ed25519:") {
        let key = parse_public(key_id)
            .map_err(|e| ExchangeError::Invalid(format!("{}: {e}", sanitize(key_id))))?;
        (key_id.to_string(), fingerprint(&key), Vec::new())
    } else {
        let found = store.keys_by_fingerprint(key_id)?;
        let keys: BTreeSet<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        match keys.len() {
            1 => {}
            0 => {
                return Err(ExchangeError::Keys(format!(
                    "no key with fingerprint {} has signed a file merged into {}; give the fingerprint \
                     as the merge printed it (e.g. 9530-e1dd-6ec3-3d44) or the whole public key (ed25519:...)",
                    sanitize(key_id),
                    store.path().display()
                )));
            }
            _ => {
                return Err(ExchangeError::Keys(format!(
                    "fingerprint {} names several keys; give the whole public key (ed25519:...)",
                    sanitize(key_id)
                )));
            }
        }
        let key = found[0].0.clone();
        let assessors: BTreeSet<String> = found.into_iter().map(|(_, a)| a).collect();
        (key, key_id.to_string(), assessors.into_iter().collect())
    };
    let new = store.revoke_key(&public_key, &fp, reason)?;
    Ok(Revoked {
        public_key,
        fingerprint: fp,
        assessors,
        new,
    })
}

/// The signer of a return file: the central office's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    pub name: String,
    pub id: String,
    pub public_key: String,
}

/// One comment of a returned node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnComment {
    /// The indicator's id; null for the node as a whole.
    pub indicator: Option<String>,
    pub comment: String,
}

/// One node of a return file: its review state at the central office and, when it
/// was returned, the comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnNode {
    pub path: String,
    pub state: String,
    pub decided_at: String,
    pub comments: Vec<ReturnComment>,
}

/// The signed payload of a return file (docs/export-format.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnPayload {
    pub format: String,
    pub format_version: i64,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// 1, 2, ... per assessor: a workstation refuses a file older than one applied.
    pub seq: i64,
    pub central: Signer,
    /// The assessor id it is for.
    pub assessor: String,
    /// The cycle's code.
    pub cycle: String,
    pub nodes: Vec<ReturnNode>,
}

impl ReturnNode {
    pub fn from_sent(n: &SentNode) -> ReturnNode {
        ReturnNode {
            path: n.path.clone(),
            state: n.state.code().into(),
            decided_at: n.decided_at.clone(),
            comments: n
                .comments
                .iter()
                .map(|(i, c)| ReturnComment {
                    indicator: (!i.is_empty()).then(|| i.clone()),
                    comment: c.clone(),
                })
                .collect(),
        }
    }
}

/// What `patuh review send` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub seq: i64,
    pub nodes: usize,
    pub returned: usize,
    pub comments: usize,
    pub fingerprint: String,
    pub payload_sha256: String,
}

/// Signs `payload` with `identity` and lays out the whole return file: the envelope of
/// an export with `format` `patuh-return`.
pub fn seal_return(payload: &[u8], identity: &Identity) -> Vec<u8> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    let signature = identity.sign(payload);
    layout(&Envelope {
        format: RETURN_FORMAT.into(),
        format_version: RETURN_VERSION,
        public_key: identity.public_text(),
        signature: B64.encode(signature.to_bytes()),
        payload: B64.encode(payload),
    })
}

/// Writes the return file of an assessor: every node whose review concerns them (the
/// returned ones with their comments, the approved and resubmitted ones with their
/// state), signed with the central office's key, numbered one more than the last file
/// sent to them. Recorded in the central log once the file is written.
pub fn send(store: &mut Store, identity: &Identity, assessor: &str, out: &Path) -> Result<Sent> {
    require_central(store)?;
    if !crate::domain::json::is_code(assessor) {
        return Err(ExchangeError::Invalid(format!(
            "--assessor {:?} is not an assessor id",
            sanitize(assessor)
        )));
    }
    let nodes = store.review_for_assessor(assessor)?;
    if nodes.is_empty() {
        return Err(ExchangeError::Conflict(format!(
            "no review decision of {} concerns assessor {}: approve or return their work first \
             (`patuh review list`)",
            store.path().display(),
            sanitize(assessor)
        )));
    }
    let seq = store.next_sent_seq(assessor)?;
    let sent_at = store.now();
    let (_, cycle) = store.current_cycle()?;
    let payload = ReturnPayload {
        format: RETURN_FORMAT.into(),
        format_version: RETURN_VERSION,
        sent_at: sent_at.clone(),
        seq,
        central: Signer {
            name: identity.name.clone(),
            id: identity.id.clone(),
            public_key: identity.public_text(),
        },
        assessor: assessor.to_string(),
        cycle,
        nodes: nodes.iter().map(ReturnNode::from_sent).collect(),
    };
    let bytes = serde_json::to_vec(&payload)
        .map_err(|e| ExchangeError::Invalid(format!("cannot write the return file: {e}")))?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let file = seal_return(&bytes, identity);
    let returned = nodes
        .iter()
        .filter(|n| n.state == ReviewState::Returned)
        .count();
    let comments = nodes.iter().map(|n| n.comments.len()).sum();
    store.record_sent(
        &SentFile {
            assessor_id: assessor,
            seq,
            sent_at: &sent_at,
            payload_sha256: &sha,
            file_name: &out.display().to_string(),
            nodes: nodes.len(),
        },
        || super::write_atomic(out, &file, false),
    )?;
    Ok(Sent {
        seq,
        nodes: nodes.len(),
        returned,
        comments,
        fingerprint: identity.fingerprint(),
        payload_sha256: sha,
    })
}

// ---- the reports ----

/// The review state of every product, unit and agency of a dataset, by path
/// (unreviewed when nothing was decided).
pub fn state_of(states: &HashMap<String, ReviewState>, path: &str) -> ReviewState {
    states.get(path).copied().unwrap_or(ReviewState::Unreviewed)
}

/// Keeps only approved work in a dataset (`report --approved-only`): a product counts
/// when it was approved, or when it was not decided on itself and its unit (or, the
/// unit undecided, its agency) was approved; every other product is emptied (no
/// answer, no note: not assessed). Returns the database ids of the products kept.
pub fn keep_approved(ds: &mut Dataset, states: &HashMap<String, ReviewState>) -> HashSet<i64> {
    let mut kept = HashSet::new();
    for p in ds.products.ids().collect::<Vec<_>>() {
        let path = ds.product_path(p);
        let unit = ds.products[p].unit;
        let agency = ds.units[unit].agency;
        let upath = format!("{}/{}", ds.agencies[agency].code, ds.units[unit].code);
        let approved = counts_as_approved(
            state_of(states, &path),
            state_of(states, &upath),
            state_of(states, &ds.agencies[agency].code),
        );
        if approved {
            kept.insert(ds.products[p].db_id);
            continue;
        }
        let product = &mut ds.products[p];
        product
            .values
            .iter_mut()
            .for_each(|v| *v = Value::Unanswered);
        product.notes.iter_mut().for_each(String::clear);
        product.evidence.iter_mut().for_each(|e| *e = 0);
    }
    kept
}

/// The report's review table (central database only): every node with a review
/// decision, a resolved conflict, or a result merged from a key revoked since.
pub fn review_table(
    store: &Store,
    states: &HashMap<String, ReviewState>,
    lang: Lang,
) -> Result<Table> {
    let tr = |id: &str, en: &str| super::report::tr(lang, id, en);
    let revoked_products = store.products_of_revoked_keys()?;
    let mut paths: BTreeSet<String> = states.keys().cloned().collect();
    for e in store.review_overview()? {
        if e.level == NodeLevel::Product
            && (revoked_products.contains_key(&e.node_id)
                || !store.resolutions(e.node_id)?.is_empty())
        {
            paths.insert(e.path);
        }
    }
    let text = |s: String| Cell::Text(s.into());
    let mut rows = Vec::new();
    for path in paths {
        let Ok(node) = store.node(&path) else {
            continue;
        };
        let info = store.node_review(&node)?;
        let comments: Vec<String> = info
            .comments
            .iter()
            .map(|(i, c)| {
                if i.is_empty() {
                    c.clone()
                } else {
                    format!("{i}: {c}")
                }
            })
            .collect();
        let resolutions: Vec<String> = if node.level == NodeLevel::Product {
            store
                .resolutions(node.db_id)?
                .iter()
                .map(|r| {
                    format!(
                        "{}: {} ({})",
                        r.indicator,
                        match (&r.take, r.value) {
                            (Some(a), _) => format!("{} {a}", tr("nilai", "the value of")),
                            (None, Some(v)) => format!("{} {v}", tr("diisi", "entered")),
                            _ => String::new(),
                        },
                        r.reason
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let revoked = (node.level == NodeLevel::Product)
            .then(|| revoked_products.get(&node.db_id))
            .flatten()
            .map(|k| format!("{} ({}: {})", k.fingerprint, k.revoked_at, k.reason))
            .unwrap_or_default();
        rows.push(vec![
            text(path.clone()),
            text(match node.level {
                NodeLevel::Agency => tr("instansi", "agency"),
                NodeLevel::Unit => tr("unit", "unit"),
                NodeLevel::Product => tr("produk", "product"),
            }),
            text(info.state.label(lang).to_string()),
            info.decided_at.map(text).unwrap_or(Cell::Empty),
            info.decided_by.map(text).unwrap_or(Cell::Empty),
            text(comments.join("; ")),
            text(resolutions.join("; ")),
            if revoked.is_empty() {
                Cell::Empty
            } else {
                text(revoked)
            },
        ]);
    }
    let list: [(&str, &str, &str, &str); 8] = [
        (
            "Jalur",
            "Path",
            "INSTANSI, INSTANSI/UNIT atau INSTANSI/UNIT/PRODUK",
            "AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT",
        ),
        (
            "Tingkat",
            "Level",
            "instansi, unit atau produk",
            "agency, unit or product",
        ),
        (
            "Telaah",
            "Review",
            "belum ditelaah, disetujui, dikembalikan, atau diajukan ulang (diubah oleh ekspor sesudahnya)",
            "unreviewed, approved, returned, or resubmitted (changed by a later export)",
        ),
        (
            "Diputuskan",
            "Decided at",
            "Waktu keputusan terakhir",
            "When it was last decided",
        ),
        (
            "Oleh",
            "By",
            "Penelaah, atau penilai yang mengajukan ulang",
            "The reviewer, or the assessor who resubmitted",
        ),
        (
            "Catatan telaah",
            "Review comments",
            "Catatan pengembalian terakhir (indikator: catatan)",
            "The comments of the last return (indicator: comment)",
        ),
        (
            "Konflik diselesaikan",
            "Resolved conflicts",
            "Nilai yang dipakai untuk sel yang dinilai berbeda oleh dua penilai, dan alasannya",
            "The value used for a cell two assessors answered differently, and why",
        ),
        (
            "Kunci dicabut",
            "Key revoked",
            "Hasil yang dipakai berasal dari berkas yang ditandatangani kunci yang kemudian dicabut",
            "The result used came from a file signed by a key revoked since",
        ),
    ];
    let (headers, meanings) = list
        .iter()
        .map(|(id, en, mid, men)| (tr(id, en), tr(mid, men)))
        .unzip();
    Ok(Table {
        key: "review",
        sheet: tr("Telaah", "Review"),
        title: tr("Telaah kantor pusat", "The central office's review"),
        headers,
        meanings,
        rows,
    })
}

/// The level of a path, for a person.
pub fn level_word(level: NodeLevel) -> &'static str {
    match level {
        NodeLevel::Agency => "agency",
        NodeLevel::Unit => "unit",
        NodeLevel::Product => "product",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_file_is_an_export_envelope_of_its_own_format() {
        let id = Identity::from_secret("Kantor Pusat", "pusat", [9; 32]);
        let file = seal_return(br#"{"x":1}"#, &id);
        let env: Envelope = serde_json::from_slice(&file).unwrap();
        assert_eq!(env.format, RETURN_FORMAT);
        assert_eq!(env.format_version, RETURN_VERSION);
        assert_eq!(layout(&env), file);
    }
}
