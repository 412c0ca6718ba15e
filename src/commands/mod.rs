//! What each command does: resolve the database, call the store and the scoring
//! engine, print for a person or as JSON. Errors go up as `anyhow` to `main`, which
//! prints them and exits 1.

mod assess;
mod catalog;
mod cycles;
mod diff;
mod exchange;
mod history;
mod history_scores;
mod levels;
mod mentoring;
pub mod progress;
pub mod review;
mod setup;
mod shell;
mod show;

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use crate::cli::{
    AssignmentCmd, CentralCmd, Cli, Command, DataCmd, FollowupCmd, HistoryCmd, InstrumentCmd,
    RespondentCmd,
};

/// Hook for the reviewer's workstation on a central database (`patuh review --db`).
pub type Reviewer = fn(&Path) -> Result<()>;
use crate::domain::Lang;
use crate::domain::scoring::Rounded;
use crate::store::{self, Store};

/// Hook for the terminal workstation: given the database path, runs the UI.
pub type Workstation = fn(&Path) -> Result<()>;

/// The language of the workstation, which the commands speak too: `language` in
/// config.toml, else `LANG` (see [`Lang::from_env`]).
pub fn ui_lang() -> Lang {
    crate::tui::keymap::Config::load()
        .lang
        .unwrap_or_else(Lang::from_env)
}

thread_local! {
    /// The cycle `--cycle` chose for this command: every store the command opens
    /// ([`open`], [`open_to_change`]) works on it instead of the current one.
    static CYCLE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The cycle `--cycle` chose, if any.
fn chosen_cycle() -> Option<String> {
    CYCLE.with(|c| c.borrow().clone())
}

/// Runs a parsed command line. `workstation` opens the terminal UI.
pub fn run(cli: Cli, workstation: Option<Workstation>) -> Result<()> {
    run_with(cli, workstation, None)
}

/// [`run`] with the reviewer's workstation too.
pub fn run_with(
    cli: Cli,
    workstation: Option<Workstation>,
    reviewer: Option<Reviewer>,
) -> Result<()> {
    let lang = ui_lang();
    CYCLE.with(|c| *c.borrow_mut() = cli.cycle.clone());
    if let (Some(code), None | Some(Command::Demo)) = (&cli.cycle, &cli.command) {
        return Err(anyhow!(
            "the workstation works on the current cycle: make {code} current with `patuh cycle open {code}`, \
             then start it (--cycle is for one command)"
        ));
    }
    match cli.command {
        None => {
            let path = new_db_path(cli.db)?;
            match workstation {
                Some(ui) => {
                    // A first start creates the database with the shipped instruments;
                    // the workstation then shows how to import an assignment.
                    setup::init(&path, false, None, setup::Mode::WorkstationStart)?;
                    ui(&path)
                }
                None => Err(anyhow!(
                    "this build of patuh has no workstation; see `patuh --help`"
                )),
            }
        }
        Some(Command::Demo) => {
            let path = match cli.db {
                Some(p) => existing_folder(p)?,
                None => store::data_dir()
                    .map(|d| d.join("demo.db"))
                    .ok_or_else(no_home)?,
            };
            setup::init(&path, true, None, setup::Mode::WorkstationStart)?;
            match workstation {
                Some(ui) => ui(&path),
                None => show::score(&path, None, false, lang),
            }
        }
        Some(Command::Init { demo, assessor }) => setup::init(
            &new_db_path(cli.db)?,
            demo,
            assessor.as_deref(),
            setup::Mode::Command,
        ),
        Some(Command::Instrument(cmd)) => match cmd {
            InstrumentCmd::Validate { file } => catalog::validate(&file),
            InstrumentCmd::Import { file } => catalog::import_instrument(&db_path(cli.db)?, &file),
            InstrumentCmd::List => catalog::list(&db_path(cli.db)?, lang),
            InstrumentCmd::Show { id, version } => {
                catalog::show(&db_path(cli.db)?, &id, version.as_deref(), lang)
            }
        },
        Some(Command::Assignment(AssignmentCmd::Import { file })) => {
            catalog::import_assignment(&db_path(cli.db)?, &file)
        }
        Some(Command::Record(args)) => assess::record(&db_path(cli.db)?, &args, lang),
        Some(Command::Respondent(cmd)) => {
            let db = db_path(cli.db)?;
            match cmd {
                RespondentCmd::Add { path, role, label } => {
                    levels::respondent_add(&db, &path, &role, &label)
                }
                RespondentCmd::List { path, json } => levels::respondent_list(&db, &path, json),
                RespondentCmd::Remove {
                    path,
                    role,
                    number,
                    reason,
                } => levels::respondent_remove(&db, &path, &role, number, &reason),
            }
        }
        Some(Command::Data(DataCmd::Import { file })) => {
            levels::data_import(&db_path(cli.db)?, &file)
        }
        Some(Command::Followup(cmd)) => {
            let db = db_path(cli.db)?;
            match cmd {
                FollowupCmd::Add {
                    agency,
                    kind,
                    reference,
                } => levels::followup_add(&db, &agency, kind, &reference),
                FollowupCmd::Set {
                    agency,
                    reference,
                    status,
                } => levels::followup_set(&db, &agency, &reference, status),
                FollowupCmd::Close { agency } => levels::followup_close(&db, &agency),
                FollowupCmd::Reopen { agency, reason } => {
                    levels::followup_reopen(&db, &agency, &reason)
                }
                FollowupCmd::List { agency, json } => levels::followup_list(&db, &agency, json),
            }
        }
        Some(Command::Show { path, json }) => show::show(&db_path(cli.db)?, &path, json, lang),
        Some(Command::Score { agency, json }) => {
            show::score(&db_path(cli.db)?, agency.as_deref(), json, lang)
        }
        Some(Command::Finalize { path }) => assess::finalize(&db_path(cli.db)?, &path),
        Some(Command::Reopen { path, reason }) => assess::reopen(&db_path(cli.db)?, &path, &reason),
        Some(Command::Log {
            path,
            indicator,
            json,
        }) => history::log(&db_path(cli.db)?, &path, indicator.as_deref(), json),
        Some(Command::Check) => assess::check(&db_path(cli.db)?),
        Some(Command::Cycle(cmd)) => cycles::run(&db_path(cli.db)?, cmd, lang),
        Some(Command::Confirm {
            path,
            indicator,
            respondent,
        }) => cycles::confirm(
            &db_path(cli.db)?,
            &path,
            indicator.as_deref(),
            respondent,
            lang,
        ),
        Some(Command::Diff {
            from,
            to,
            agency,
            json,
        }) => diff::run(
            &db_path(cli.db)?,
            from.as_deref(),
            to.as_deref(),
            agency.as_deref(),
            json,
            lang,
        ),
        Some(Command::Completions { shell }) => shell::completions(shell),
        Some(Command::Man { dir }) => shell::man(dir.as_deref()),
        Some(Command::Config { example }) => shell::config(example),
        Some(Command::Keys(cmd)) => exchange::keys(cmd),
        Some(Command::Export(args)) => exchange::export(&db_path(cli.db)?, &args),
        Some(Command::Verify(args)) => exchange::verify(&args),
        Some(Command::Central(CentralCmd::Merge {
            trusted,
            identity,
            files,
        })) => exchange::merge(
            cli.db.map(existing_folder).transpose()?,
            trusted,
            identity,
            &files,
        ),
        Some(Command::Central(CentralCmd::Assign { file })) => {
            exchange::central_assign(cli.db.map(existing_folder).transpose()?, &file)
        }
        Some(Command::Central(CentralCmd::Revoke { key_id, reason })) => {
            review::revoke(cli.db, &key_id, &reason)
        }
        Some(Command::Review { cmd }) => review::run(cli.db, cmd, reviewer),
        Some(Command::Inbox(args)) => review::inbox_cmd(&db_path(cli.db)?, &args),
        Some(Command::Report(args)) => {
            let given = args.lang.map(|l| match l {
                crate::cli::ReportLang::Id => Lang::Id,
                crate::cli::ReportLang::En => Lang::En,
            });
            match &args.agency {
                // The mentoring report is handed to the agency: Indonesian unless asked.
                Some(code) => {
                    mentoring::report(&db_path(cli.db)?, &args, code, given.unwrap_or(Lang::Id))
                }
                None => exchange::report(&db_path(cli.db)?, &args, given.unwrap_or(lang)),
            }
        }
        Some(Command::History(cmd)) => match cmd {
            HistoryCmd::Import { file, replace } => {
                history_scores::import(&db_path(cli.db)?, &file, replace)
            }
            HistoryCmd::List { agency, json } => {
                history_scores::list(&db_path(cli.db)?, agency.as_deref(), json)
            }
        },
        Some(Command::Gen {
            scale,
            seed,
            office,
            method,
        }) => {
            let path = cli.db.ok_or_else(|| {
                anyhow!("`patuh gen` writes a new database: name it with --db FILE")
            })?;
            let path = existing_folder(path)?;
            let started = std::time::Instant::now();
            let bar = progress::Progress::start(None, &format!("generating {}", path.display()));
            let g = crate::generate::generate_with(&path, scale, seed, method, office);
            bar.finish();
            let g = g?;
            println!(
                "Generated {}: {} agencies, {} units, {} products, {} respondents, {} answers \
                 ({} observations, {} interview answers, {} data values), {} follow-ups, \
                 {} audit rows in {:.1} s",
                path.display(),
                g.agencies,
                g.units,
                g.products,
                g.respondents,
                g.answers(),
                g.observations,
                g.interview_answers,
                g.data_values,
                g.followups,
                g.audit_rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn no_home() -> anyhow::Error {
    anyhow!(
        "cannot find your data dir (is HOME set?); name the database with --db PATH or PATUH_DB"
    )
}

/// The database path: `--db`/`PATUH_DB`, else `patuh.db` in the data dir.
pub fn db_path(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(p) => Ok(p),
        None => store::default_path().ok_or_else(no_home),
    }
}

/// [`db_path`] for a command that may create the database: a folder named with
/// `--db` must exist (a typo would otherwise create a tree of folders somewhere
/// unexpected); the data dir is created as needed.
pub fn new_db_path(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(p) => existing_folder(p),
        None => db_path(None),
    }
}

/// `path` if the folder it is in exists, else an error naming the folder and the fix.
pub fn existing_folder(path: PathBuf) -> Result<PathBuf> {
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(path),
    };
    if folder.is_dir() {
        return Ok(path);
    }
    let what = if folder.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(anyhow!(
        "{}: the folder {} {what}; create it first (mkdir -p {}) or give --db a file in an existing folder",
        path.display(),
        folder.display(),
        folder.display()
    ))
}

/// Opens an existing database to read it: everything the command reads is of one
/// moment (`Store::open_reader`), whatever `patuh record` or a workstation commits
/// meanwhile. A command that changes the file uses [`open_to_change`].
pub fn open(path: &Path) -> Result<Store> {
    let mut store = Store::open_reader(path)?;
    if let Some(code) = chosen_cycle() {
        store.use_cycle(&code)?;
    }
    Ok(store)
}

/// Opens an existing database to change it: refused while a workstation has it open
/// (its screen would no longer show what is in the file). Keep the guard for as long
/// as the change takes.
pub fn open_to_change(path: &Path) -> Result<(Store, store::lock::LockGuard)> {
    let mut store = Store::open(path)?;
    let guard = store::lock::writer(path)?;
    name_after_key(&mut store);
    if let Some(code) = chosen_cycle() {
        store.use_cycle(&code)?;
    }
    Ok((store, guard))
}

/// A workstation that has no assessor's name yet (`init --assessor`, or given at a
/// start of the workstation) takes the name of the assessor's signing key (`keys
/// init --name`), as the workstation does at its start: the audit log then names the
/// assessor, not the login. Without a key, or on a central database, nothing changes.
fn name_after_key(store: &mut Store) {
    let named = store.meta("assessor").ok().flatten().is_some();
    let central =
        store.meta(store::ROLE_KEY).ok().flatten().as_deref() == Some(store::ROLE_CENTRAL);
    if named || central {
        return;
    }
    let Some(identity) = crate::exchange::keys::keys_dir()
        .ok()
        .and_then(|d| crate::exchange::keys::Identity::load(&d).ok())
    else {
        return;
    };
    match store.set_assessor(&identity.name) {
        Ok(()) => tracing::info!(name = %identity.name, "assessor named after the signing key"),
        Err(e) => tracing::warn!("could not record the assessor's name: {e}"),
    }
}

/// Reads an instrument or assignment file (UTF-8 text), naming it in any error: a
/// regular file of at most 64 MiB (`crate::fsio::read`: no device, FIFO or folder).
pub fn read_text(file: &Path) -> Result<String> {
    let bytes = crate::fsio::read(
        file,
        crate::fsio::MAX_TEXT_BYTES,
        "an instrument or assignment file",
    )?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// A rounded score as an exact JSON number with two decimals (`81.00`), or null.
pub fn score_json(r: Option<Rounded>) -> serde_json::Value {
    match r {
        Some(r) => r
            .to_string()
            .parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    }
}
