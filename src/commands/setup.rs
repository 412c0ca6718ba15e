//! `patuh init` and the set-up half of `patuh demo`.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::domain::Instrument;
use crate::domain::assignment::Assignment;
use crate::shipped;
use crate::store::{InstrumentOutcome, Store};

/// How `init` runs: as the `init` command, or as the first step of a workstation
/// (quiet, and without the writers' lock: the workstation takes its own lock next, and
/// on an existing database this step changes nothing unless a new build ships a new
/// instrument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Command,
    WorkstationStart,
}

/// Creates or upgrades the database, loads the shipped instruments and, with `demo`,
/// the demo assignments (Maluku, Bengkulu). Running it again changes nothing.
pub fn init(path: &Path, demo: bool, assessor: Option<&str>, mode: Mode) -> Result<()> {
    let existed = path.exists();
    let quiet = mode == Mode::WorkstationStart;
    let mut store = Store::open_or_create(path)?;
    let _lock = match mode {
        Mode::Command => Some(crate::store::lock::writer(path)?),
        Mode::WorkstationStart => None,
    };
    if let Some(name) = assessor {
        let name = name.trim();
        if name.is_empty() {
            return Err(anyhow!("--assessor needs a name"));
        }
        store.set_assessor(name)?;
    }
    let mut added = 0;
    for (file, text) in shipped::INSTRUMENTS {
        let instrument = Instrument::parse(text)
            .map_err(|p| anyhow!("built-in instrument {file} is invalid: {}", p[0]))?;
        if store.import_instrument(&instrument)? == InstrumentOutcome::Added {
            added += 1;
        }
    }
    let mut products = Vec::new();
    if demo {
        for (file, text) in shipped::DEMO_ASSIGNMENTS {
            let assignment = Assignment::parse(text)
                .map_err(|p| anyhow!("built-in assignment {file} is invalid: {}", p[0]))?;
            let outcome = store.import_assignment(&assignment, file)?;
            products.push(format!("{} from {file}", outcome.products_added));
        }
    }
    if !quiet {
        println!(
            "{} {}",
            if existed {
                "Database ready:"
            } else {
                "Database created:"
            },
            path.display()
        );
        println!("  instruments added: {added}");
        if demo {
            println!("  demo products added: {}", products.join(", "));
        }
        println!("  assessor: {}", store.who());
        if !demo {
            println!(
                "Next: `patuh assignment import FILE`, or `patuh init --demo` for the demo data."
            );
        }
    }
    Ok(())
}
