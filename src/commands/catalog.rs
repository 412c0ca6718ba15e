//! `patuh instrument ...` and `patuh assignment import`.

use std::path::Path;

use anyhow::{Result, anyhow};

use super::{open, open_to_change, read_text};
use crate::domain::assignment::Assignment;
use crate::domain::json::decimal_text;
use crate::domain::text::sanitize;
use crate::domain::{Instrument, Lang, Problem};
use crate::store::{InstrumentOutcome, StoreError};

fn problems_error(file: &Path, problems: Vec<Problem>) -> anyhow::Error {
    anyhow!(StoreError::Invalid {
        file: file.display().to_string(),
        problems,
    })
}

fn parse_instrument(file: &Path) -> Result<Instrument> {
    Instrument::parse(&read_text(file)?).map_err(|p| problems_error(file, p))
}

pub fn validate(file: &Path) -> Result<()> {
    let i = parse_instrument(file)?;
    println!(
        "{}: valid instrument {} version {}: {} indicators in {} dimensions, {} bands, sha256 {}",
        file.display(),
        i.id,
        i.version,
        i.indicators.len(),
        i.dimensions.len(),
        i.bands.len(),
        i.sha256
    );
    Ok(())
}

pub fn import_instrument(db: &Path, file: &Path) -> Result<()> {
    let i = parse_instrument(file)?;
    let (mut store, _lock) = open_to_change(db)?;
    let outcome = store
        .import_instrument(&i)
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    match outcome {
        InstrumentOutcome::Added => println!(
            "Imported instrument {} version {} ({} indicators) into {}",
            i.id,
            i.version,
            i.indicators.len(),
            db.display()
        ),
        InstrumentOutcome::AlreadyThere => println!(
            "Instrument {} version {} is already in {} with the same content; nothing changed",
            i.id,
            i.version,
            db.display()
        ),
    }
    Ok(())
}

pub fn list(db: &Path, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let rows = store.instruments()?;
    if rows.is_empty() {
        println!("No instruments yet: run `patuh init` or `patuh instrument import FILE`.");
    }
    for r in rows {
        println!(
            "{:<24} v{:<6} {:>3} indicators  sha256 {}  {}",
            r.id,
            r.version,
            r.instrument.indicators.len(),
            &r.sha256[..12],
            sanitize(r.instrument.title.get(lang))
        );
    }
    Ok(())
}

pub fn show(db: &Path, id: &str, version: Option<&str>, lang: Lang) -> Result<()> {
    let store = open(db)?;
    let rows: Vec<_> = store
        .instruments()?
        .into_iter()
        .filter(|r| r.id == id && version.is_none_or(|v| r.version == v))
        .collect();
    if rows.is_empty() {
        return Err(anyhow!(
            "no instrument {id}{} in {}; see `patuh instrument list`",
            version.map(|v| format!(" version {v}")).unwrap_or_default(),
            db.display()
        ));
    }
    for r in rows {
        let i = &r.instrument;
        println!(
            "{} version {}  ({})",
            i.id,
            i.version,
            sanitize(i.title.get(lang))
        );
        if let Some(d) = &i.description {
            println!("  {}", sanitize(d.get(lang)));
        }
        println!("  sha256 {}", i.sha256);
        println!("  aggregate: {}", i.aggregate.as_str());
        for (d, dim) in i.dimensions.iter().enumerate() {
            let weight = dim
                .weight
                .as_ref()
                .map(|w| format!(" (weight {})", decimal_text(w)))
                .unwrap_or_default();
            println!("  [{}] {}{weight}", dim.id, sanitize(dim.label.get(lang)));
            for ind in i.indicators.iter().filter(|x| x.dimension == d) {
                println!(
                    "      {:<28} w {:>6}  0..{}  {}",
                    ind.id,
                    decimal_text(&ind.weight),
                    ind.max,
                    sanitize(ind.label.get(lang))
                );
            }
        }
        for b in &i.bands {
            println!(
                "  band {:<10} from {:>6}  {}",
                b.code,
                decimal_text(&b.min),
                sanitize(b.label.get(lang))
            );
        }
    }
    Ok(())
}

pub fn import_assignment(db: &Path, file: &Path) -> Result<()> {
    let a = Assignment::parse(&read_text(file)?).map_err(|p| problems_error(file, p))?;
    let (mut store, _lock) = open_to_change(db)?;
    let o = store.import_assignment(&a, &file.display().to_string())?;
    let cycle = if o.cycle == crate::store::DEFAULT_CYCLE {
        String::new()
    } else {
        format!(" for cycle {}", o.cycle)
    };
    if o.changed() {
        println!(
            "Imported {}{cycle}: {} agencies, {} units, {} products added, {} renamed",
            file.display(),
            o.agencies_added,
            o.units_added,
            o.products_added,
            o.renamed
        );
        if o.instruments_set > 0 {
            println!(
                "  {} agencies are assessed with the file's instrument in this cycle",
                o.instruments_set
            );
        }
        if o.cycle_created {
            let current = store.cycle().code == o.cycle;
            println!(
                "  cycle {} made{}",
                o.cycle,
                if current {
                    ""
                } else {
                    "; start it with `patuh cycle start ID --kind KIND [--carry]` (or `patuh cycle open ID`) to work in it"
                }
            );
        }
    } else {
        println!(
            "{}{cycle} is already imported; nothing changed",
            file.display()
        );
    }
    Ok(())
}
