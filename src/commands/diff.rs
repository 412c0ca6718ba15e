//! `patuh diff --from C1 --to C2 [--agency CODE] [--json]`: what changed between two
//! cycles of the database (the comparison is `domain::diff`), for a person at 80
//! columns or as JSON that follows `score --json` (agencies -> units -> products), each
//! node with "from" and "to" (`{"score", "category"}`, null where undefined) and
//! "delta", and its own indicators with "from", "to" and "mark".

use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::{Value as Json, json};

use super::{open, score_json};
use crate::domain::Lang;
use crate::domain::diff::{Cell, Diff, Mark, NodeChange, Side, Standing, diff};
use crate::domain::model::ScoreBook;
use crate::domain::scoring::Rounded;
use crate::domain::text::sanitize;
use crate::store::CycleRow;

fn word(lang: Lang, en: &'static str, id: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Id => id,
    }
}

/// A mark for a person.
fn mark_word(m: Mark, lang: Lang) -> &'static str {
    match m {
        Mark::Fixed => word(lang, "fixed", "diperbaiki"),
        Mark::Missing => word(lang, "still missing", "masih kurang"),
        Mark::Worse => word(lang, "worse", "memburuk"),
        Mark::Better => word(lang, "better", "membaik"),
        Mark::Same => word(lang, "same", "sama"),
        Mark::New => word(lang, "new", "baru"),
        Mark::Gone => word(lang, "gone", "hilang"),
    }
}

/// A value as JSON: the exact decimal (a level, a data value), else rounded to 2
/// decimals (a mean of respondents); "N/A"; null where the indicator is not in the
/// cycle's instrument.
fn cell_json(c: Option<&Cell>) -> Json {
    match c {
        None => Json::Null,
        Some(Cell::NotApplicable) => json!("N/A"),
        Some(Cell::Value { value, .. }) => {
            let text = crate::domain::json::decimal_text(value);
            text.parse::<serde_json::Number>()
                .map(Json::Number)
                .unwrap_or_else(|_| score_json(Some(Rounded::of(value))))
        }
    }
}

/// A value for a person: `1/1`, `2.33/3`, `N/A`, `-` (not in the instrument).
fn cell_text(c: Option<&Cell>) -> String {
    match c {
        None => "-".into(),
        Some(Cell::NotApplicable) => "N/A".into(),
        Some(Cell::Value { value, max }) => {
            let text = crate::domain::json::decimal_text(value);
            let shown = if text.contains('/') || text.len() > 6 {
                Rounded::of(value).to_string()
            } else {
                text
            };
            format!("{shown}/{max}")
        }
    }
}

fn standing_json(s: Option<&Standing>) -> Json {
    match s {
        Some(s) => json!({"score": score_json(Some(s.score)), "category": s.category}),
        None => Json::Null,
    }
}

/// A node as JSON: code, name, from, to, delta, its own indicators.
fn node_json(n: &NodeChange) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("code".into(), json!(n.code));
    m.insert("name".into(), json!(n.name));
    m.insert("from".into(), standing_json(n.from.as_ref()));
    m.insert("to".into(), standing_json(n.to.as_ref()));
    m.insert("delta".into(), score_json(n.delta()));
    m.insert(
        "indicators".into(),
        Json::Array(
            n.indicators
                .iter()
                .map(|i| {
                    json!({"id": i.id, "from": cell_json(i.from.as_ref()),
                           "to": cell_json(i.to.as_ref()), "mark": i.mark.as_str()})
                })
                .collect(),
        ),
    );
    m
}

fn cycle_json(c: &CycleRow) -> Json {
    json!({"id": c.code, "kind": c.kind.as_str(), "year": c.year})
}

pub fn run(
    db: &Path,
    from: Option<&str>,
    to: Option<&str>,
    agency: Option<&str>,
    as_json: bool,
    lang: Lang,
) -> Result<()> {
    let mut store = open(db)?;
    let to_row = match to {
        Some(code) => store.cycle_by_code(code)?,
        None => store.cycle_by_code(&store.cycle().code.clone())?,
    };
    let from_row = match from {
        Some(code) => store.cycle_by_code(code)?,
        None => {
            let follows = to_row.follows.clone().ok_or_else(|| {
                anyhow!(
                    "cycle {} follows no cycle: name the one to compare it with, `--from ID` (see `patuh cycle list`)",
                    to_row.code
                )
            })?;
            store.cycle_by_code(&follows)?
        }
    };
    store.use_cycle(&from_row.code)?;
    let before = store.load()?;
    store.use_cycle(&to_row.code)?;
    let now = store.load()?;
    if let Some(code) = agency
        && before.find_agency(code).is_none()
        && now.find_agency(code).is_none()
    {
        return Err(anyhow!(
            "no agency {code} in {}; run `patuh score` to list them",
            db.display()
        ));
    }
    let (bb, nb) = (ScoreBook::compute(&before), ScoreBook::compute(&now));
    let d = diff(Side::new(&before, &bb), Side::new(&now, &nb), agency);
    if as_json {
        let agencies: Vec<Json> = d
            .agencies
            .iter()
            .map(|a| {
                let mut m = node_json(&a.node);
                let units: Vec<Json> = a
                    .units
                    .iter()
                    .map(|u| {
                        let mut m = node_json(&u.node);
                        m.insert(
                            "products".into(),
                            Json::Array(
                                u.products
                                    .iter()
                                    .map(|p| Json::Object(node_json(p)))
                                    .collect(),
                            ),
                        );
                        Json::Object(m)
                    })
                    .collect();
                m.insert("units".into(), Json::Array(units));
                Json::Object(m)
            })
            .collect();
        let out = json!({
            "cycles": {"from": cycle_json(&from_row), "to": cycle_json(&to_row)},
            "agencies": agencies,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    print_text(&d, &from_row, &to_row, lang);
    Ok(())
}

/// `45.00 kuning` or `-`, in 13 columns.
fn standing_text(s: Option<&Standing>) -> String {
    match s {
        Some(s) => format!("{:>6} {:<6}", s.score.to_string(), s.category),
        None => format!("{:>6} {:<6}", "-", ""),
    }
}

fn delta_text(d: Option<Rounded>) -> String {
    match d {
        Some(d) if d.0 > 0 => format!("+{d}"),
        Some(d) => d.to_string(),
        None => String::new(),
    }
}

/// One node's line (code and name in 40 columns, then then, now and the change) and
/// its indicators that changed, one a line; those still missing in one list, wrapped;
/// those the same counted.
fn node_lines(n: &NodeChange, indent: usize, lang: Lang, totals: &mut [usize; 7]) {
    let name: String = format!("{}{} {}", " ".repeat(indent), n.code, sanitize(&n.name))
        .chars()
        .take(40)
        .collect();
    println!(
        "{name:<40} {}  {}  {:>7}",
        standing_text(n.from.as_ref()),
        standing_text(n.to.as_ref()),
        delta_text(n.delta())
    );
    let pad = " ".repeat(indent + 4);
    let mut missing = Vec::new();
    let mut same = 0;
    for i in &n.indicators {
        if let Some(k) = Mark::ALL.iter().position(|m| *m == i.mark) {
            totals[k] += 1;
        }
        match i.mark {
            Mark::Same => same += 1,
            Mark::Missing => missing.push(sanitize(&i.id).into_owned()),
            m => {
                let id: String = sanitize(&i.id).chars().take(28).collect();
                println!(
                    "{pad}{:<13} {id:<28} {} -> {}",
                    mark_word(m, lang),
                    cell_text(i.from.as_ref()),
                    cell_text(i.to.as_ref())
                );
            }
        }
    }
    if !missing.is_empty() {
        let head = format!(
            "{pad}{} ({}): ",
            word(lang, "still missing", "masih kurang"),
            missing.len()
        );
        let mut line = head.clone();
        let room = 80usize;
        for (k, id) in missing.iter().enumerate() {
            let item = if k + 1 < missing.len() {
                format!("{id}, ")
            } else {
                id.clone()
            };
            if line.chars().count() + item.trim_end().chars().count() > room
                && line.len() > head.len()
            {
                println!("{}", line.trim_end());
                line = " ".repeat(head.chars().count());
            }
            line.push_str(&item);
        }
        println!("{}", line.trim_end());
    }
    if same > 0 {
        println!("{pad}{} ({same})", word(lang, "the same", "sama"),);
    }
}

/// Whether a node is worth a line for a person: assessed in one of the cycles.
fn assessed(n: &NodeChange) -> bool {
    n.from.is_some() || n.to.is_some()
}

fn print_text(d: &Diff, from: &CycleRow, to: &CycleRow, lang: Lang) {
    println!(
        "{} {} ({}) {} {} ({})",
        word(lang, "What changed from", "Perubahan dari"),
        sanitize(&from.code),
        from.kind.as_str(),
        word(lang, "to", "ke"),
        sanitize(&to.code),
        to.kind.as_str()
    );
    println!(
        "{:<40} {:<13}  {:<13}  {:>7}",
        "",
        word(lang, "  then", "  dulu"),
        word(lang, "  now", "  kini"),
        word(lang, "change", "selisih")
    );
    let mut totals = [0usize; 7];
    let mut left = 0usize;
    for a in &d.agencies {
        if !assessed(&a.node) {
            left += 1 + a.units.iter().map(|u| 1 + u.products.len()).sum::<usize>();
            continue;
        }
        node_lines(&a.node, 0, lang, &mut totals);
        for u in &a.units {
            if !assessed(&u.node) {
                left += 1 + u.products.len();
                continue;
            }
            node_lines(&u.node, 2, lang, &mut totals);
            for p in &u.products {
                if assessed(p) {
                    node_lines(p, 4, lang, &mut totals);
                } else {
                    left += 1;
                }
            }
        }
    }
    if left > 0 {
        println!(
            "({left} {})",
            word(
                lang,
                "agencies, units or products not assessed in either cycle are left out; --json lists them",
                "instansi, unit atau produk yang tidak dinilai di kedua siklus tidak ditampilkan; --json memuatnya"
            )
        );
    }
    let counts: Vec<String> = Mark::ALL
        .iter()
        .zip(totals)
        .filter(|(_, n)| *n > 0)
        .map(|(m, n)| format!("{} {n}", mark_word(*m, lang)))
        .collect();
    println!(
        "{}: {}",
        word(lang, "Indicators", "Indikator"),
        if counts.is_empty() {
            "-".to_string()
        } else {
            counts.join(", ")
        }
    );
}
