//! `patuh record`, `finalize`, `reopen`, `show`, `score` and `check`: the assessment
//! from the command line. `show` prints the workstation's marks (`tui::ui::value_box`)
//! and `score` follows the reports' rule for what was not assessed
//! (`exchange::report::Progress`).

use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::{open, open_to_change, score_json};
use crate::cli::RecordArgs;
use crate::domain::model::{AgencyIx, Dataset, ProductIx, ScoreBook, Summary};
use crate::domain::scoring::{Rounded, next_zone, score_product};
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Lang, Value};
use crate::exchange::report::Progress;
use crate::store::AuditRow;

/// "72.50 kuning (Kepatuhan Sedang)" or "no score (all not applicable)".
fn describe(s: &Summary, instrument: &Instrument, lang: Lang) -> String {
    match (s.rounded(), s.band(instrument)) {
        (Some(r), Some(b)) => format!("{r} {} ({})", b.code, sanitize(b.label.get(lang))),
        _ => "no score (nothing applicable)".into(),
    }
}

fn zone_code(s: &Summary, instrument: &Instrument) -> serde_json::Value {
    s.band(instrument)
        .map(|b| json!(b.code))
        .unwrap_or(serde_json::Value::Null)
}

fn product_index(ds: &Dataset, path: &str, db: &Path) -> Result<ProductIx> {
    ds.find_product(path).ok_or_else(|| {
        anyhow!(
            "no product {path} in {}: write AGENCY/UNIT/PRODUCT by codes; list them with `patuh score`",
            db.display()
        )
    })
}

pub fn record(db: &Path, args: &RecordArgs, lang: Lang) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let product = store.product_ref(&args.path)?;
    if let Some(f) = store.finalized(&product)? {
        return Err(anyhow!(
            "{} was finalized at {} by {} and is read-only; to change it, reopen it with a reason: \
             patuh reopen {} --reason TEXT",
            args.path,
            sanitize(&f.at),
            sanitize(&f.by),
            args.path
        ));
    }
    let instrument = store.product_instrument(&product)?;
    let i = instrument.indicator_index(&args.indicator).ok_or_else(|| {
        anyhow!(
            "instrument {} has no indicator {:?}; see the ids with `patuh show {}`",
            instrument.id,
            args.indicator,
            args.path
        )
    })?;
    let indicator = &instrument.indicators[i];
    let value = match (args.value, args.na, args.clear) {
        (Some(v), _, _) => Some(Value::Level(v)),
        (None, true, _) => Some(Value::NotApplicable),
        (None, false, true) => Some(Value::Unanswered),
        _ => None,
    };
    store.record(&product, indicator, value, args.note.as_deref())?;
    let (values, _) = store.product_values(&product, &instrument)?;
    let ps = score_product(&instrument, &values);
    let s = Summary {
        score: ps.score,
        answered: u64::from(ps.answered),
        total: u64::from(ps.total),
    };
    println!(
        "Saved {} {} = {}. Product score {}, answered {}/{}",
        args.path,
        indicator.id,
        match values[i] {
            Value::Unanswered => "unanswered".to_string(),
            Value::NotApplicable => "N/A".to_string(),
            Value::Level(v) => format!("{v}/{}", indicator.max),
        },
        describe(&s, &instrument, lang),
        s.answered,
        s.total
    );
    Ok(())
}

/// `patuh finalize PATH`: the same store operation as the workstation's `f`.
pub fn finalize(db: &Path, path: &str) -> Result<()> {
    let (mut store, _lock) = open_to_change(db)?;
    let product = store.product_ref(path)?;
    if let Some(f) = store.finalized(&product)? {
        println!(
            "{path} is already finalized (at {} by {}); nothing changed",
            sanitize(&f.at),
            sanitize(&f.by)
        );
        return Ok(());
    }
    let instrument = store.product_instrument(&product)?;
    let (values, _) = store.product_values(&product, &instrument)?;
    let unanswered = values.iter().filter(|v| !v.is_answered()).count();
    store.finalize(&product)?;
    println!("Finalized {path}: read-only until reopened (`patuh reopen {path} --reason TEXT`)");
    if unanswered > 0 {
        println!(
            "  note: {unanswered} of {} indicators are unanswered and count as 0",
            values.len()
        );
    }
    Ok(())
}

/// `patuh reopen PATH --reason TEXT`: the same store operation as the workstation's
/// reopen prompt; the reason goes into the audit log.
pub fn reopen(db: &Path, path: &str, reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(anyhow!(
            "reopening {path} needs a reason: --reason \"what must be corrected\""
        ));
    }
    let (mut store, _lock) = open_to_change(db)?;
    let product = store.product_ref(path)?;
    if store.finalized(&product)?.is_none() {
        println!("{path} is not finalized: it can be changed as it is; nothing changed");
        return Ok(());
    }
    store.reopen(&product, reason)?;
    println!(
        "Reopened {path}: it can be changed again; the reason is in the audit log (`patuh log {path}`)"
    );
    Ok(())
}

/// The reopenings of one product, oldest first.
fn reopenings(store: &crate::store::Store, path: &str) -> Result<Vec<AuditRow>> {
    Ok(store
        .audit_history(path, None)?
        .into_iter()
        .filter(|r| r.action == "reopen")
        .collect())
}

/// The checklist's marks and what they mean.
fn legend(lang: Lang) -> String {
    let na = crate::tui::text::ui(lang).na;
    let mark = |v: Value, max: u32| crate::tui::ui::value_box(v, max, na);
    let (yes, no, open, not_app, scale, scale_open) = match lang {
        Lang::Id => (
            "ada",
            "tidak ada",
            "belum dijawab",
            "tidak berlaku",
            "nilai pada skala",
            "skala belum dijawab",
        ),
        Lang::En => (
            "present",
            "absent",
            "unanswered",
            "not applicable",
            "level on a scale",
            "scale unanswered",
        ),
    };
    format!(
        "  {}: {} {yes}  {} {no}  {} {open}  {} {not_app}  {} {scale}  {} {scale_open}",
        match lang {
            Lang::Id => "tanda",
            Lang::En => "marks",
        },
        mark(Value::Level(1), 1),
        mark(Value::Level(0), 1),
        mark(Value::Unanswered, 1),
        mark(Value::NotApplicable, 1),
        mark(Value::Level(2), 3),
        mark(Value::Unanswered, 3).trim_start(),
    )
}

pub fn show(db: &Path, path: &str, as_json: bool, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let ds = store.load()?;
    let p = product_index(&ds, path, db)?;
    let instrument = ds.instrument_of_product(p);
    let book = ScoreBook::compute(&ds);
    let s = book.product_summary(p);
    let product = &ds.products[p];
    if as_json {
        let indicators: Vec<_> = instrument
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| {
                let v = product.values[i];
                json!({
                    "id": ind.id,
                    "dimension": instrument.dimensions[ind.dimension].id,
                    "value": match v { Value::Level(l) => json!(l), _ => serde_json::Value::Null },
                    "na": v == Value::NotApplicable,
                    "note": product.notes[i],
                })
            })
            .collect();
        let reopens: Vec<_> = reopenings(&store, path)?
            .iter()
            .map(|r| json!({"at": r.at, "who": r.who, "reason": r.new}))
            .collect();
        let out = json!({
            "path": path,
            "name": product.name,
            "instrument": {"id": instrument.id, "version": instrument.version, "sha256": instrument.sha256},
            "score": score_json(s.rounded()),
            "zone": zone_code(&s, instrument),
            "answered": s.answered,
            "total": s.total,
            "finalized": product.finalized,
            "progress": Progress::of(&s).code(),
            "reopened": reopens,
            "review": super::review::review_json(&store, path)?,
            "indicators": indicators,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let unit = &ds.units[product.unit];
    let agency = &ds.agencies[unit.agency];
    println!(
        "{path}  {}\n  {} / {}",
        sanitize(&product.name),
        sanitize(&agency.name),
        sanitize(&unit.name)
    );
    println!(
        "  instrument {} v{}{}",
        instrument.id,
        instrument.version,
        if product.finalized {
            "  [finalized]"
        } else {
            ""
        }
    );
    if Progress::of(&s) == Progress::NotAssessed {
        println!("  not assessed yet: 0/{} answered", s.total);
    } else {
        println!(
            "  score {}  answered {}/{}",
            describe(&s, instrument, lang),
            s.answered,
            s.total
        );
    }
    for r in reopenings(&store, path)? {
        println!(
            "  reopened at {} by {}: {}",
            sanitize(&r.at),
            sanitize(&r.who),
            sanitize(r.new.as_deref().unwrap_or(""))
        );
    }
    for line in super::review::review_lines(&store, path)? {
        println!("{line}");
    }
    if let Some(nz) = next_zone(instrument, &product.values) {
        let ids: Vec<&str> = nz
            .fulfil
            .iter()
            .map(|&i| instrument.indicators[i].id.as_str())
            .collect();
        println!(
            "  to {}: +{} points, fulfil {}",
            instrument.bands[nz.band].code,
            nz.points,
            ids.join(", ")
        );
    }
    println!("{}", legend(lang));
    let na = crate::tui::text::ui(lang).na;
    for (d, dim) in instrument.dimensions.iter().enumerate() {
        println!("  {} ({})", sanitize(dim.label.get(lang)), dim.id);
        for (i, ind) in instrument.indicators.iter().enumerate() {
            if ind.dimension != d {
                continue;
            }
            let v = crate::tui::ui::value_box(product.values[i], ind.max, na);
            let note = &product.notes[i];
            println!(
                "    {v:>5} {:<28} {}{}",
                ind.id,
                sanitize(ind.label.get(lang)),
                if note.is_empty() {
                    String::new()
                } else {
                    format!("  note: {}", sanitize(note))
                }
            );
        }
    }
    Ok(())
}

fn summary_json(s: &Summary, instrument: &Instrument) -> (serde_json::Value, serde_json::Value) {
    (score_json(s.rounded()), zone_code(s, instrument))
}

pub fn score(db: &Path, agency: Option<&str>, as_json: bool, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let ds = store.load()?;
    let book = ScoreBook::compute(&ds);
    let agencies: Vec<AgencyIx> = match agency {
        Some(code) => vec![ds.find_agency(code).ok_or_else(|| {
            anyhow!(
                "no agency {code} in {}; run `patuh score` to list them",
                db.display()
            )
        })?],
        None => ds.agencies.ids().collect(),
    };
    if as_json {
        // The review state of every node (docs/review.md).
        let states = store.review_states()?;
        let review = |path: &str| crate::exchange::review::state_of(&states, path).code();
        let list: Vec<_> = agencies
            .iter()
            .map(|&a| {
                let ag = &ds.agencies[a];
                let instrument = ds.instrument_of_agency(a);
                let s = book.agency(&ds, a);
                let (score, zone) = summary_json(&s, instrument);
                let units: Vec<_> = ag
                    .units
                    .iter()
                    .map(|&u| {
                        let unit = &ds.units[u];
                        let s = book.unit(u);
                        let (score, zone) = summary_json(&s, instrument);
                        let products: Vec<_> = unit
                            .products
                            .iter()
                            .map(|&p| {
                                let s = book.product_summary(p);
                                let (score, zone) = summary_json(&s, instrument);
                                json!({"code": ds.products[p].code, "name": ds.products[p].name,
                                       "score": score, "zone": zone,
                                       "answered": s.answered, "total": s.total,
                                       "progress": Progress::of(&s).code(),
                                       "finalized": ds.products[p].finalized,
                                       "review": review(&ds.product_path(p))})
                            })
                            .collect();
                        json!({"code": unit.code, "name": unit.name, "score": score, "zone": zone,
                               "answered": s.answered, "total": s.total,
                               "progress": Progress::of(&s).code(),
                               "review": review(&format!("{}/{}", ag.code, unit.code)),
                               "products": products})
                    })
                    .collect();
                json!({"code": ag.code, "name": ag.name, "kind": ag.kind.as_str(),
                       "instrument": {"id": instrument.id, "version": instrument.version},
                       "score": score, "zone": zone,
                       "answered": s.answered, "total": s.total,
                       "progress": Progress::of(&s).code(), "review": review(&ag.code),
                       "units": units})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "agencies": list }))?
        );
        return Ok(());
    }
    if ds.agencies.is_empty() {
        println!(
            "No agencies in {} yet: import an assignment with `patuh assignment import FILE` (or `patuh init --demo`).",
            db.display()
        );
        return Ok(());
    }
    let line = |indent: usize, code: &str, name: &str, s: &Summary, instrument: &Instrument| {
        let assessed = Progress::of(s) != Progress::NotAssessed;
        let score = s
            .rounded()
            .filter(|_| assessed)
            .map(|r: Rounded| r.to_string())
            .unwrap_or_else(|| "-".into());
        let zone = match s.band(instrument) {
            Some(b) if assessed => b.label.get(lang).to_string(),
            _ if !assessed => Progress::NotAssessed.label(lang).to_string(),
            _ => String::new(),
        };
        let label: String = format!("{}{} {}", " ".repeat(indent), code, sanitize(name))
            .chars()
            .take(52)
            .collect();
        println!(
            "{label:<52} {score:>6}  {:<22} {:>5}/{}",
            sanitize(&zone),
            s.answered,
            s.total
        );
    };
    for &a in &agencies {
        let ag = &ds.agencies[a];
        let instrument = ds.instrument_of_agency(a);
        line(0, &ag.code, &ag.name, &book.agency(&ds, a), instrument);
        for &u in &ag.units {
            line(
                2,
                &ds.units[u].code,
                &ds.units[u].name,
                &book.unit(u),
                instrument,
            );
            for &p in &ds.units[u].products {
                let pr = &ds.products[p];
                line(4, &pr.code, &pr.name, &book.product_summary(p), instrument);
            }
        }
    }
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
            sanitize(&r.product),
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
