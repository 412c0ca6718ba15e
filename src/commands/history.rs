//! `patuh log PATH [INDICATOR]`: the history of a node (agency, unit or product) or one
//! of its indicators from the audit log (who, when, old -> new, which respondent, the
//! reasons given for reopening and removing), and whether the log's hash chain is
//! intact, for a person or as JSON.

use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::open;
use crate::domain::text::sanitize;
use crate::store::{AuditRow, ChainBreak, ROLE_CENTRAL, ROLE_KEY};

/// One side of a change as a person reads it.
fn side(action: &str, text: Option<&str>) -> String {
    match (action, text) {
        (_, None) => String::new(),
        ("value", Some("")) => "(unanswered)".into(),
        ("note", Some("")) => "(no note)".into(),
        ("value", Some(t)) => sanitize(t).into_owned(),
        // Free text (a note, a reason) on one line, quoted.
        (_, Some(t)) => format!("\"{}\"", sanitize(t).replace(['\n', '\r'], "↵")),
    }
}

/// What one audit row did, in a line.
pub fn describe(row: &AuditRow) -> String {
    let old = side(&row.action, row.old.as_deref());
    let new = side(&row.action, row.new.as_deref());
    match row.action.as_str() {
        "finalize" => "finalized".into(),
        "reopen" => format!("reopened, reason: {new}"),
        "evidence" => format!("evidence added: {new}"),
        "return_confirm" => {
            format!("confirmed as it is, answering the central office's comment {old}")
        }
        "value" | "note" => format!("{}: {old} -> {new}", row.action),
        "carry" | "carry-data" => format!(
            "carried from the previous cycle, to be re-checked: {}",
            side("value", row.new.as_deref())
        ),
        "confirm" => format!("confirmed as it is: {}", side("value", row.new.as_deref())),
        other => match (row.old.is_some(), row.new.is_some()) {
            (true, true) => format!("{}: {old} -> {new}", sanitize(other)),
            (false, true) => format!("{}: {new}", sanitize(other)),
            (true, false) => format!("{}: {old}", sanitize(other)),
            (false, false) => sanitize(other).into_owned(),
        },
    }
}

fn chain_json(chain: &std::result::Result<u64, ChainBreak>) -> serde_json::Value {
    match chain {
        Ok(rows) => json!({"intact": true, "rows": rows}),
        Err(b) => json!({"intact": false, "broken_at": b.seq, "reason": b.reason}),
    }
}

pub fn log(db: &Path, path: &str, indicator: Option<&str>, as_json: bool) -> Result<()> {
    let store = open(db)?;
    // A central database: the review decisions and the merged files' history.
    if store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL) {
        return super::review::central_log(&store, path, indicator, as_json);
    }
    let node = store.node(path)?;
    if let Some(id) = indicator {
        let instrument = store.node_instrument(&node)?;
        if instrument.indicator_index(id).is_none() {
            return Err(anyhow!(
                "instrument {} has no indicator {id:?}; see the ids with `patuh show {path}`",
                instrument.id
            ));
        }
    }
    let rows = store.cycle_history(path, indicator)?;
    // A respondent's uid as a person knows it: its role and number at the node.
    let mut who_answered = std::collections::HashMap::new();
    for r in store.respondents(&node)? {
        who_answered.insert(r.uid.clone(), format!("{} {}", r.role, r.number));
    }
    let respondent = |r: &AuditRow| -> Option<String> {
        r.respondent.as_ref().map(|uid| {
            who_answered
                .get(uid)
                .cloned()
                .unwrap_or_else(|| uid.clone())
        })
    };
    let chain = store.audit_chain()?;
    let central = store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL);
    if as_json {
        let entries: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"seq": r.seq, "at": r.at, "who": r.who, "indicator": r.indicator,
                       "action": r.action, "old": r.old, "new": r.new,
                       "respondent": respondent(r), "respondent_uid": r.respondent,
                       "cycle": r.cycle})
            })
            .collect();
        let out = json!({
            "path": path,
            "cycle": store.cycle().code,
            "indicator": indicator,
            "central": central,
            "chain": chain_json(&chain),
            "entries": entries,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let what = match indicator {
        Some(i) => format!("{path} {i}"),
        None => path.to_string(),
    };
    println!(
        "{what}: {} change(s) in the audit log of {}{}",
        rows.len(),
        db.display(),
        if store.cycle().code == crate::store::DEFAULT_CYCLE {
            String::new()
        } else {
            format!(", cycle {}", sanitize(&store.cycle().code))
        }
    );
    match &chain {
        Ok(n) => println!("audit chain: intact ({n} rows)"),
        Err(b) => println!("audit chain: BROKEN: {b}; run `patuh check`"),
    }
    if central {
        println!(
            "(a central database keeps each assessor's audit log in the merged export files, not here: \
             `patuh verify FILE` checks it)"
        );
    }
    for r in &rows {
        println!(
            "  #{:<6} {}  {}  {}{}{}",
            r.seq,
            sanitize(&r.at),
            sanitize(&r.who),
            r.indicator
                .as_deref()
                .map(|i| format!("{} ", sanitize(i)))
                .unwrap_or_default(),
            respondent(r)
                .map(|x| format!("[{}] ", sanitize(&x)))
                .unwrap_or_default(),
            describe(r)
        );
    }
    Ok(())
}
