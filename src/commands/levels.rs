//! What the 2022-2025 methods add to the command line: `patuh respondent add | list |
//! remove` (the people interviewed at a node, as positions or numbers), `patuh data
//! import FILE.csv` (values from other institutions' data, all or nothing) and `patuh
//! followup add | set | close | reopen | list` (an agency's follow-up register).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde_json::json;

use super::{open, open_to_change};
use crate::cli::{FollowupKindArg, FollowupStatusArg};
use crate::domain::Instrument;
use crate::domain::followup::{self, FollowUpKind, FollowUpStatus};
use crate::domain::instrument::{NodeLevel, Source};
use crate::domain::model::DataValue;
use crate::domain::text::sanitize;
use crate::store::{DataLine, Node, RespondentRow, Store};

/// `patuh respondent add PATH --role ROLE [--label TEXT]`: prints the new number alone
/// on standard output (for scripts), what was done on standard error.
pub fn respondent_add(db: &Path, path: &str, role: &str, label: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(path)?;
    let instrument = store.node_instrument(&node)?;
    let r = store.add_respondent(&node, &instrument, role, label)?;
    println!("{}", r.number);
    eprintln!(
        "Added {role} {} at {path}{}; record its answers with `patuh record {path} INDICATOR --respondent {} --value N`",
        r.number,
        if r.label.is_empty() {
            String::new()
        } else {
            format!(" ({})", sanitize(&r.label))
        },
        r.number
    );
    Ok(())
}

fn answer_text(v: crate::domain::Value) -> String {
    match v {
        crate::domain::Value::Level(l) => l.to_string(),
        crate::domain::Value::NotApplicable => "N/A".into(),
        crate::domain::Value::Unanswered => "-".into(),
    }
}

/// `patuh respondent list PATH [--json]`.
pub fn respondent_list(db: &Path, path: &str, as_json: bool) -> Result<()> {
    let store = open(db)?;
    let node = store.node(path)?;
    let instrument = store.node_instrument(&node)?;
    let all = store.respondents(&node)?;
    let roles: Vec<_> = instrument
        .roles
        .iter()
        .filter(|r| r.level == node.level)
        .collect();
    let asked = |role: &str| -> Vec<&str> {
        instrument
            .indicators
            .iter()
            .filter(|i| matches!(i.source, Source::Interview { role: k } if instrument.roles[k].id == role))
            .map(|i| i.id.as_str())
            .collect()
    };
    let answers = |r: &RespondentRow| -> Result<HashMap<String, crate::domain::Value>> {
        Ok(store.respondent_answers(&node, r)?.into_iter().collect())
    };
    if as_json {
        let mut out = Vec::new();
        for role in &roles {
            let mut list = Vec::new();
            for r in all.iter().filter(|r| r.role == role.id) {
                let given = answers(r)?;
                let answers: serde_json::Map<String, serde_json::Value> = asked(&role.id)
                    .into_iter()
                    .map(|id| {
                        let v = given.get(id).copied().unwrap_or_default();
                        (
                            id.to_string(),
                            match v {
                                crate::domain::Value::Level(l) => json!(l),
                                crate::domain::Value::NotApplicable => json!("N/A"),
                                crate::domain::Value::Unanswered => serde_json::Value::Null,
                            },
                        )
                    })
                    .collect();
                list.push(json!({
                    "n": r.number,
                    "uid": r.uid,
                    "label": r.label,
                    "added_at": r.added_at,
                    "added_by": r.added_by,
                    "removed": r.removed.as_ref().map(|x| json!({"at": x.at, "by": x.by, "reason": x.reason})),
                    "answers": answers,
                }));
            }
            out.push(json!({"role": role.id, "required": role.respondents, "respondents": list}));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"path": path, "level": node.level.as_str(), "roles": out})
            )?
        );
        return Ok(());
    }
    if roles.is_empty() {
        println!(
            "{path}: instrument {} interviews nobody per {}",
            instrument.id, node.level
        );
        return Ok(());
    }
    for role in roles {
        let active = all
            .iter()
            .filter(|r| r.role == role.id && r.removed.is_none())
            .count();
        println!(
            "{path} {} ({}): {active} of {} respondents",
            role.id,
            sanitize(role.label.get(super::ui_lang())),
            role.respondents
        );
        let ids = asked(&role.id);
        for r in all.iter().filter(|r| r.role == role.id) {
            let given = answers(r)?;
            let answered = ids.iter().filter(|id| given.contains_key(**id)).count();
            let detail: Vec<String> = ids
                .iter()
                .map(|id| {
                    format!(
                        "{id}={}",
                        answer_text(given.get(*id).copied().unwrap_or_default())
                    )
                })
                .collect();
            println!(
                "  {:>3} {:<24} answered {answered}/{}  {}{}",
                r.number,
                sanitize(&r.label),
                ids.len(),
                detail.join(" "),
                r.removed
                    .as_ref()
                    .map(|x| format!(
                        "  [removed at {} by {}: {}]",
                        sanitize(&x.at),
                        sanitize(&x.by),
                        sanitize(&x.reason)
                    ))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `patuh respondent remove PATH --role ROLE N --reason TEXT`.
pub fn respondent_remove(
    db: &Path,
    path: &str,
    role: &str,
    number: u32,
    reason: &str,
) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(path)?;
    store.remove_respondent(&node, role, number, reason)?;
    println!(
        "Removed {role} {number} at {path}: its answers no longer count; it stays in the audit log (`patuh log {path}`)"
    );
    Ok(())
}

/// The header a data file must have.
const DATA_HEADER: [&str; 4] = ["path", "indicator", "value", "source"];

/// `patuh data import FILE.csv`: every line checked first (all problems listed with
/// their line numbers), then every value entered in one transaction.
pub fn data_import(db: &Path, file: &Path) -> Result<()> {
    let shown = file.display().to_string();
    let bytes = crate::fsio::read(file, crate::fsio::MAX_TEXT_BYTES, "a data file")?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{shown}: not UTF-8 text (invalid byte at offset {}); save the file as UTF-8 CSV",
            e.utf8_error().valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow!("{shown}: line 1: {e}"))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    if header != DATA_HEADER {
        bail!(
            "{shown}: line 1: the header must be `path,indicator,value,source` (found `{}`); nothing was imported",
            sanitize(&header.join(","))
        );
    }
    let (mut store, _lock) = open_to_change(db)?;
    let mut instruments: HashMap<(NodeLevel, i64), Instrument> = HashMap::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut lines = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line()) as usize;
        let field = |k: usize| record.get(k).unwrap_or_default();
        let (path, indicator, value, source) = (field(0), field(1), field(2), field(3));
        match data_line(
            &store,
            &mut instruments,
            line,
            (path, indicator, value, source),
        ) {
            Ok(l) => {
                let key = (path.to_string(), indicator.to_string());
                if let Some(first) = seen.insert(key, line) {
                    problems.push(format!(
                        "line {line}: {} {} is given again (first on line {first}): give each value once",
                        sanitize(path),
                        sanitize(indicator)
                    ));
                } else {
                    lines.push(l);
                }
            }
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    if !problems.is_empty() {
        bail!(
            "{shown}: {} problem(s); nothing was imported:\n{}",
            problems.len(),
            problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if lines.is_empty() {
        bail!("{shown}: no values after the header; nothing was imported");
    }
    let out = store.import_data(&shown, &lines)?;
    println!(
        "Imported {shown}: {} data value(s) entered or changed, {} unchanged, {} audit row(s)",
        out.changed, out.unchanged, out.audit_rows
    );
    Ok(())
}

/// One line of a data file, resolved and checked.
fn data_line(
    store: &Store,
    instruments: &mut HashMap<(NodeLevel, i64), Instrument>,
    line: usize,
    (path, indicator, value, source): (&str, &str, &str, &str),
) -> Result<DataLine> {
    let node: Node = store.node(path)?;
    let key = (node.level, node.db_id);
    if let std::collections::hash_map::Entry::Vacant(e) = instruments.entry(key) {
        e.insert(store.node_instrument(&node)?);
    }
    let inst = &instruments[&key];
    let Some(i) = inst.indicator_index(indicator) else {
        bail!(
            "{path}: instrument {} has no indicator {:?}",
            inst.id,
            sanitize(indicator)
        );
    };
    let ind = &inst.indicators[i];
    if !matches!(ind.source, Source::Data { .. }) {
        bail!(
            "{path}: indicator {indicator} is answered by {}, not by a data value: record it with `patuh record`",
            ind.source.as_str()
        );
    }
    let level = inst.level_of(i);
    if level != node.level {
        bail!(
            "{path}: indicator {indicator} is answered per {level}, not per {}: give the path of a {level}",
            node.level
        );
    }
    if source.trim().is_empty() {
        bail!("{path} {indicator}: the source is empty: name the institution and the data set");
    }
    let value =
        DataValue::parse(ind, value, source).map_err(|e| anyhow!("{path} {indicator}: {e}"))?;
    Ok(DataLine {
        line,
        node,
        indicator: indicator.to_string(),
        value,
    })
}

fn kind(k: FollowupKindArg) -> FollowUpKind {
    match k {
        FollowupKindArg::Lahp => FollowUpKind::Lahp,
        FollowupKindArg::Lha => FollowUpKind::Lha,
        FollowupKindArg::Saran => FollowUpKind::Saran,
        FollowupKindArg::Rekomendasi => FollowUpKind::Rekomendasi,
    }
}

fn status(s: FollowupStatusArg) -> FollowUpStatus {
    match s {
        FollowupStatusArg::Open => FollowUpStatus::Open,
        FollowupStatusArg::Completed => FollowUpStatus::Completed,
        FollowupStatusArg::NotCompleted => FollowUpStatus::NotCompleted,
    }
}

/// The qualifier an agency's register gives now, in words.
fn qualifier_text(store: &Store, agency: &Node) -> Result<String> {
    let inst = store.node_instrument(agency)?;
    let register = store.followups(agency)?;
    Ok(
        match (&inst.qualifier, followup::qualifier(&inst, &register)) {
            (None, _) => format!(
                "instrument {} has no qualifier: the register is kept, and grants nothing",
                inst.id
            ),
            (Some(q), Some(true)) => format!("qualifier \"{}\" granted", q.label.id),
            (Some(q), Some(false)) => format!(
                "qualifier \"{}\" not granted (an item is not completed)",
                q.label.id
            ),
            (Some(_), None) => {
                "qualifier unknown until the register is closed (`patuh followup close AGENCY`)"
                    .into()
            }
        },
    )
}

/// The agency a follow-up command names (refused for a unit or a product).
fn agency(store: &Store, code: &str) -> Result<Node> {
    let node = store.node(code)?;
    if node.level != NodeLevel::Agency {
        bail!(
            "{code}: a follow-up register belongs to an agency: give the agency's code ({})",
            code.split('/').next().unwrap_or_default()
        );
    }
    Ok(node)
}

pub fn followup_add(db: &Path, code: &str, k: FollowupKindArg, reference: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = agency(&store, code)?;
    store.followup_add(&node, kind(k), reference)?;
    println!(
        "Added {} {} to the follow-up register of {code} (open); {}",
        kind(k),
        sanitize(reference.trim()),
        qualifier_text(&store, &node)?
    );
    Ok(())
}

pub fn followup_set(db: &Path, code: &str, reference: &str, s: FollowupStatusArg) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = agency(&store, code)?;
    let old = store.followup_set(&node, reference, status(s))?;
    if old == status(s) {
        println!(
            "{code} {}: already {old}; nothing changed",
            sanitize(reference)
        );
    } else {
        println!(
            "{code} {}: {old} -> {}; {}",
            sanitize(reference),
            status(s),
            qualifier_text(&store, &node)?
        );
    }
    Ok(())
}

pub fn followup_close(db: &Path, code: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = agency(&store, code)?;
    let changed = store.followup_close(&node)?;
    let items = store.followups(&node)?.items.len();
    println!(
        "{} the follow-up register of {code} ({items} item(s)); {}",
        if changed { "Closed" } else { "Already closed:" },
        qualifier_text(&store, &node)?
    );
    Ok(())
}

pub fn followup_reopen(db: &Path, code: &str, reason: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = agency(&store, code)?;
    if store.followup_reopen(&node, reason)? {
        println!(
            "Reopened the follow-up register of {code}; the reason is in the audit log (`patuh log {code}`)"
        );
    } else {
        println!("The follow-up register of {code} is not closed; nothing changed");
    }
    Ok(())
}

pub fn followup_list(db: &Path, code: &str, as_json: bool) -> Result<()> {
    let store = open(db)?;
    let node = agency(&store, code)?;
    let register = store.followups(&node)?;
    let inst = store.node_instrument(&node)?;
    if as_json {
        let out = json!({
            "agency": code,
            "closed": register.closed,
            "qualifier": followup::qualifier(&inst, &register),
            "items": register.items.iter().map(|i| json!({
                "kind": i.kind.as_str(), "ref": i.reference, "status": i.status.as_str(),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{code}: follow-up register {} with {} item(s); {}",
        if register.closed { "closed" } else { "open" },
        register.items.len(),
        qualifier_text(&store, &node)?
    );
    for i in &register.items {
        println!(
            "  {:<12} {:<32} {}",
            i.kind,
            sanitize(&i.reference),
            i.status
        );
    }
    Ok(())
}
