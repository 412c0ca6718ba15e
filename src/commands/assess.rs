//! `patuh record`, `finalize`, `reopen` and `check`: the assessment from the command
//! line, at every level (agency, unit, product; observations, respondents' answers,
//! data values). `show` and `score` are in `show.rs`.

use std::path::Path;

use anyhow::{Result, anyhow, bail};

use super::show::{describe, level_word};
use super::{open, open_to_change};
use crate::cli::RecordArgs;
use crate::domain::instrument::{Indicator, NodeLevel, Source};
use crate::domain::method;
use crate::domain::model::{DataValue, Dataset, NodeRef, ScoreBook, Summary};
use crate::domain::scoring::score_product;
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Lang, Value};
use crate::store::{Node, Store};

/// A path of the level an indicator is answered at, from the path given: the unit of
/// a product, the agency of a unit, or a placeholder below a node.
fn path_at(path: &str, level: NodeLevel) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let depth = match level {
        NodeLevel::Agency => 1,
        NodeLevel::Unit => 2,
        NodeLevel::Product => 3,
    };
    let placeholders = ["AGENCY", "UNIT", "PRODUCT"];
    (0..depth)
        .map(|k| parts.get(k).copied().unwrap_or(placeholders[k]))
        .collect::<Vec<_>>()
        .join("/")
}

/// The indicator named on the command line, checked to be answered at the node.
fn indicator_at<'i>(
    instrument: &'i Instrument,
    node: &Node,
    id: &str,
) -> Result<(usize, &'i Indicator)> {
    let i = instrument.indicator_index(id).ok_or_else(|| {
        anyhow!(
            "instrument {} has no indicator {id:?}; see the ids with `patuh show {}` or `patuh instrument show {}`",
            instrument.id,
            node.path,
            instrument.id
        )
    })?;
    let level = instrument.level_of(i);
    if level != node.level {
        bail!(
            "{}: indicator {id} is answered per {level}, not per {}: give the path of a {level}, e.g. \
             `patuh record {} {id} ...`; nothing was changed",
            node.path,
            node.level,
            path_at(&node.path, level)
        );
    }
    Ok((i, &instrument.indicators[i]))
}

/// A level typed on the command line for an observation or an interview answer.
fn level_value(ind: &Indicator, text: &str) -> Result<Value> {
    let v = text.trim().parse::<u32>().map_err(|_| {
        anyhow!(
            "{text:?} is not a value of indicator {}: give a whole number 0..{} (or --na)",
            ind.id,
            ind.max
        )
    })?;
    // Checked here with the number typed: a value held in a byte would show 255.
    if v > ind.max {
        return Err(anyhow!(
            "value {v} is out of range for indicator {}: use 0..{} or --na; nothing was changed",
            ind.id,
            ind.max
        ));
    }
    Ok(Value::level(v))
}

fn shown_value(v: Value, max: u32) -> String {
    match v {
        Value::Unanswered => "unanswered".to_string(),
        Value::NotApplicable => "N/A".to_string(),
        Value::Level(v) => format!("{v}/{max}"),
    }
}

pub fn record(db: &Path, args: &RecordArgs, lang: Lang) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(&args.path)?;
    if let Some(f) = store.node_finalized(&node)? {
        return Err(anyhow!(
            "{} was finalized at {} by {} and is read-only; to change it, reopen it with a reason: \
             patuh reopen {} --reason TEXT",
            args.path,
            sanitize(&f.at),
            sanitize(&f.by),
            args.path
        ));
    }
    let instrument = store.node_instrument(&node)?;
    let (i, ind) = indicator_at(&instrument, &node, &args.indicator)?;
    let whole = match (args.na, args.clear) {
        (true, _) => Some(Value::NotApplicable),
        (false, true) => Some(Value::Unanswered),
        _ => None,
    };
    if args.source.is_some() && !matches!(ind.source, Source::Data { .. }) {
        bail!(
            "{}: --source names where a data value comes from, and indicator {} is answered by {}; \
             nothing was changed",
            node.path,
            ind.id,
            ind.source.as_str()
        );
    }
    let saved = match (&ind.source, args.respondent) {
        (Source::Interview { role }, Some(n)) => {
            let role = &instrument.roles[*role];
            let resp = store.respondent(&node, &role.id, n)?;
            if let Some(r) = &resp.removed {
                bail!(
                    "{}: {} {n} was removed at {} ({}): its answers no longer count; add a new one with \
                     `patuh respondent add {} --role {}`; nothing was changed",
                    node.path,
                    role.id,
                    sanitize(&r.at),
                    sanitize(&r.reason),
                    node.path,
                    role.id
                );
            }
            let v = match (&args.value, whole) {
                (Some(t), _) => level_value(ind, t)?,
                (None, Some(v)) => v,
                (None, None) => bail!(
                    "{}: give the answer of {} {n}: --value N, --na or --clear; nothing was changed",
                    node.path,
                    role.id
                ),
            };
            store.record_answer(&node, &instrument, i, &resp, v)?;
            format!("{} {} {n} = {}", ind.id, role.id, shown_value(v, ind.max))
        }
        (Source::Interview { role }, None) if args.value.is_some() => {
            let role = &instrument.roles[*role];
            bail!(
                "{}: indicator {} is answered by each {} interviewed: give the respondent's number, \
                 --respondent N (see `patuh respondent list {}`; add one with \
                 `patuh respondent add {} --role {}`); nothing was changed",
                node.path,
                ind.id,
                role.id,
                node.path,
                node.path,
                role.id
            );
        }
        (_, Some(_)) => bail!(
            "{}: indicator {} is answered by {}, not by respondents: record it without --respondent; \
             nothing was changed",
            node.path,
            ind.id,
            ind.source.as_str()
        ),
        (Source::Data { .. }, None) if args.value.is_some() => {
            let text = args.value.as_deref().unwrap_or_default();
            let Some(source) = args.source.as_deref().filter(|s| !s.trim().is_empty()) else {
                bail!(
                    "{}: a data value needs its source: --source \"KemenPAN-RB, IKM 2024\" \
                     (the institution and the data set); nothing was changed",
                    node.path
                );
            };
            let value = DataValue::parse(ind, text, source)
                .map_err(|e| anyhow!("{}: {e}; nothing was changed", node.path))?;
            store.record_data(&node, &instrument, i, Some(&value), args.note.as_deref())?;
            format!(
                "{} = {}/{} ({})",
                ind.id,
                value.text(),
                ind.max,
                sanitize(value.source())
            )
        }
        (_, None) => {
            let value = match (&args.value, whole) {
                (Some(t), _) => Some(level_value(ind, t)?),
                (None, v) => v,
            };
            let out = store.record_node(&node, &instrument, i, value, args.note.as_deref())?;
            format!(
                "{} = {}",
                ind.id,
                shown_value(value.unwrap_or(out.old_value), ind.max)
            )
        }
    };
    if node.level == NodeLevel::Product && instrument.is_observation_checklist() {
        // A format-1 product: its score from its own values, without loading the rest.
        let product = crate::store::ProductRef {
            db_id: node.db_id,
            path: node.path.clone(),
        };
        let (values, _) = store.product_values(&product, &instrument)?;
        let ps = score_product(&instrument, &values);
        let s = Summary {
            score: ps.score,
            answered: u64::from(ps.answered),
            total: u64::from(ps.total),
        };
        println!(
            "Saved {} {}. Product score {}, answered {}/{}",
            args.path,
            saved,
            describe(&s, &instrument, lang),
            s.answered,
            s.total
        );
        return Ok(());
    }
    println!("Saved {} {}.", args.path, saved);
    print_scores_up(&store, &node, lang)?;
    Ok(())
}

/// The scores of a node and of the nodes above it (a unit's and an agency's answers
/// reach each other: see docs/instrument-format.md).
pub(super) fn print_scores_up(store: &Store, node: &Node, lang: Lang) -> Result<()> {
    let ds = store.load()?;
    let Some(at) = ds.find_node(&node.path) else {
        return Ok(());
    };
    let book = ScoreBook::compute(&ds);
    let mut chain = vec![at];
    if let Some(u) = ds.unit_of(at).filter(|_| !matches!(at, NodeRef::Unit(_))) {
        chain.push(NodeRef::Unit(u));
    }
    if !matches!(at, NodeRef::Agency(_)) {
        chain.push(NodeRef::Agency(ds.agency_of(at)));
    }
    for n in chain {
        let s = book.summary(&ds, n);
        println!(
            "  {} {} score {}, answered {}/{}",
            level_word(n.level(), lang),
            ds.node_path(n),
            describe(&s, ds.instrument_of(n), lang),
            s.answered,
            s.total
        );
    }
    Ok(())
}

/// (unanswered, total) of a node's own indicators, as progress counts them.
fn own_progress(ds: &Dataset, node: NodeRef) -> (u64, u64) {
    let inst = ds.instrument_of(node);
    let answers = ds.answers(node);
    let (mut missing, mut total) = (0, 0);
    for k in inst.indicators_at(node.level()) {
        let (a, r) = method::progress(inst, k, &answers[k]);
        if a < r {
            missing += 1;
        }
        total += 1;
    }
    (missing, total)
}

/// `patuh finalize PATH`: the same store operation as the workstation's `f`, at any
/// level.
pub fn finalize(db: &Path, path: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(path)?;
    if let Some(f) = store.node_finalized(&node)? {
        println!(
            "{path} is already finalized (at {} by {}); nothing changed",
            sanitize(&f.at),
            sanitize(&f.by)
        );
        return Ok(());
    }
    let (unanswered, total) = {
        let ds = store.load()?;
        match ds.find_node(path) {
            Some(n) => own_progress(&ds, n),
            None => (0, 0),
        }
    };
    store.finalize_node(&node)?;
    println!("Finalized {path}: read-only until reopened (`patuh reopen {path} --reason TEXT`)");
    if unanswered > 0 {
        println!("  note: {unanswered} of {total} indicators are unanswered and count as 0");
    }
    Ok(())
}

/// `patuh reopen PATH --reason TEXT`: the same store operation as the workstation's
/// reopen prompt, at any level; the reason goes into the audit log.
pub fn reopen(db: &Path, path: &str, reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(anyhow!(
            "reopening {path} needs a reason: --reason \"what must be corrected\""
        ));
    }
    let (mut store, _lock) = open_to_change(db)?;
    let node = store.node(path)?;
    if store.node_finalized(&node)?.is_none() {
        println!("{path} is not finalized: it can be changed as it is; nothing changed");
        return Ok(());
    }
    store.reopen_node(&node, reason)?;
    println!(
        "Reopened {path}: it can be changed again; the reason is in the audit log (`patuh log {path}`)"
    );
    Ok(())
}

pub fn check(db: &Path) -> Result<()> {
    let store = open(db)?;
    let mut problems = store.check()?;
    // A central database's merged files, verified and merged again.
    let central = store.holds_merged_files()?;
    problems.extend(crate::exchange::merge::check_central(&store)?);
    if problems.is_empty() {
        println!(
            "{}: ok (integrity check passed, {})",
            db.display(),
            if central {
                "central log intact, every merged file verified and merged again to the same results"
            } else {
                "audit chain intact, every change accounted for"
            }
        );
        print_reopenings(&store)?;
        Ok(())
    } else {
        for p in &problems {
            println!("{}: {p}", db.display());
        }
        Err(anyhow!(
            "{}: {} problem(s) found (listed above); the first: {}",
            db.display(),
            problems.len(),
            problems[0]
        ))
    }
}

/// How many of the reopenings `check` lists by name; the rest are counted.
const REOPENINGS_LISTED: usize = 20;

/// The finalized products that were reopened, with the reasons given (the audit log
/// holds them; `patuh log PATH` shows a product's whole history).
fn print_reopenings(store: &crate::store::Store) -> Result<()> {
    let rows = store.reopenings()?;
    if rows.is_empty() {
        return Ok(());
    }
    println!("reopened after finalizing: {}", rows.len());
    for r in rows.iter().rev().take(REOPENINGS_LISTED) {
        println!(
            "  {} at {} by {}: {}",
            sanitize(&r.path),
            sanitize(&r.at),
            sanitize(&r.who),
            sanitize(r.new.as_deref().unwrap_or(""))
        );
    }
    if rows.len() > REOPENINGS_LISTED {
        println!(
            "  ... and {} earlier (see `patuh log PATH`)",
            rows.len() - REOPENINGS_LISTED
        );
    }
    Ok(())
}
