//! `patuh history import` and `history list`: published scores of past years, the
//! trend of each agency in the reports. The file is read through `crate::fsio` and
//! parsed by `crate::domain::history`; the store keeps the scores.

use std::path::Path;

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};

use super::{open, open_to_change, score_json};
use crate::domain::history;
use crate::domain::text::sanitize;

pub fn import(db: &Path, file: &Path, replace: bool) -> Result<()> {
    let bytes = crate::fsio::read(file, crate::fsio::MAX_TEXT_BYTES, "a history file")?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {}); save the file as CSV UTF-8",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let (mut store, _lock) = open_to_change(db)?;
    // The last year a published score can have is this year, by the store's clock.
    let this_year: i32 = store
        .now()
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(9999);
    let lines = history::parse_csv(&text, this_year).map_err(|problems| {
        anyhow!(
            "{}: {} problem(s); nothing was imported:\n{}\nFix these lines and import the file again",
            file.display(),
            problems.len(),
            problems
                .iter()
                .map(|p| format!("  {}", sanitize(&p.to_string())))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let o = store.import_history(&lines, &file.display().to_string(), &sha256, replace)?;
    if o.changed() {
        println!(
            "Imported {}: {} scores added, {} replaced, {} already held",
            file.display(),
            o.added,
            o.replaced,
            o.unchanged
        );
    } else {
        println!(
            "{} is already imported ({} scores held); nothing changed",
            file.display(),
            o.unchanged
        );
    }
    Ok(())
}

pub fn list(db: &Path, agency: Option<&str>, json: bool) -> Result<()> {
    let store = open(db)?;
    let rows = store.history(agency)?;
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "agency": r.agency,
                    "name": r.name,
                    "year": r.year,
                    "score": score_json(Some(r.score)),
                    "category": r.category,
                    "source": r.source,
                    "imported_at": r.imported_at,
                    "imported_by": r.imported_by,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!(
            "No published scores{} in {}; import them with `patuh history import FILE.csv`",
            agency
                .map(|a| format!(" of agency {a}"))
                .unwrap_or_default(),
            db.display()
        );
        return Ok(());
    }
    let mut last = "";
    for r in &rows {
        if r.agency != last {
            println!(
                "{} {}",
                sanitize(&r.agency),
                sanitize(r.name.as_deref().unwrap_or("(not in this database)"))
            );
            last = &r.agency;
        }
        println!(
            "  {}  {:>6}  {:<12} {}",
            r.year,
            r.score.to_string(),
            sanitize(if r.category.is_empty() {
                "-"
            } else {
                &r.category
            }),
            sanitize(&r.source)
        );
    }
    Ok(())
}
