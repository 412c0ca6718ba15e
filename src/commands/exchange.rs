//! `patuh keys`, `export`, `verify`, `central merge` and `report`: the exchange with the
//! central office from the command line. The work is done in `crate::exchange`; here
//! it is printed for a person (names from files pass through `sanitize`).

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::open;
use super::progress::Progress;
use crate::cli::{CsvSepArg, ExportArgs, KeysCmd, ReportArgs, ReportFormat, VerifyArgs};
use crate::domain::Lang;
use crate::domain::text::sanitize;
use crate::exchange::crypt::{self, CentralIdentity};
use crate::exchange::keys::{Identity, TrustedKeys, keys_dir};
use crate::exchange::merge::{self, Outcome};
use crate::exchange::verify::{Checked, verify_file_checked};
use crate::exchange::{export as ex, report as rep, report_out};

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

pub fn keys(cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Init { name, id } => {
            let dir = keys_dir()?;
            let identity = Identity::generate(&name, &id, &now())?;
            let path = identity.save_new(&dir)?;
            println!(
                "Created the key of {} ({})",
                sanitize(&identity.name),
                identity.id
            );
            println!(
                "  private key: {} (mode 0600; never send it anywhere)",
                path.display()
            );
            println!("  fingerprint: {}", identity.fingerprint());
            println!(
                "Register this line at the central office (`patuh keys show --line` prints it again):"
            );
            println!("{}", sanitize(&identity.trusted_line()));
            Ok(())
        }
        KeysCmd::Show { line } => {
            let identity = Identity::load(&keys_dir()?)?;
            if line {
                println!("{}", sanitize(&identity.trusted_line()));
                return Ok(());
            }
            println!(
                "assessor:    {} ({})",
                sanitize(&identity.name),
                identity.id
            );
            println!("fingerprint: {}", identity.fingerprint());
            println!("public key:  {}", identity.public_text());
            println!("created:     {}", sanitize(&identity.created_at));
            println!("line for the central office's trusted keys file:");
            println!("{}", sanitize(&identity.trusted_line()));
            Ok(())
        }
        KeysCmd::CentralInit { out } => {
            let recipient = crypt::central_init(&out, &now())?;
            println!(
                "Created the central office identity {} (mode 0600; keep it secret, back it up)",
                out.display()
            );
            println!("Assessors encrypt their exports to it with:");
            println!("  patuh export --out FILE --encrypt-to {recipient}");
            Ok(())
        }
    }
}

pub fn export(db: &Path, args: &ExportArgs) -> Result<()> {
    let store = open(db)?;
    let bar = Progress::start(None, &format!("exporting to {}", args.out.display()));
    let s = ex::export_to_version(
        &store,
        &args.out,
        &args.agency,
        args.encrypt_to.as_deref(),
        args.format_version,
    );
    bar.finish();
    let s = s?;
    if s.format_version == crate::exchange::bundle::FORMAT_VERSION_1 {
        println!(
            "Exported {} agencies, {} units, {} products ({} with results, {} observations) to {} (format 1)",
            s.agencies,
            s.units,
            s.products,
            s.touched,
            s.observations,
            s.path.display()
        );
    } else {
        println!(
            "Exported {} agencies, {} units, {} products ({} with results; {} units and agencies with \
             answers of their own), {} answers, {} respondents to {}",
            s.agencies,
            s.units,
            s.products,
            s.touched,
            s.nodes_touched,
            s.observations,
            s.respondents,
            s.path.display()
        );
    }
    println!("  signed with key {}", s.fingerprint);
    println!(
        "  audit log: {} rows, {} of them (these {}) in full",
        s.audit_rows,
        s.audit_full,
        if s.format_version == crate::exchange::bundle::FORMAT_VERSION_1 {
            "products"
        } else {
            "agencies, units and products"
        }
    );
    println!(
        "  encrypted for the central office: {}",
        if s.encrypted { "yes" } else { "no" }
    );
    println!(
        "  payload sha256: {}  ({} bytes)",
        s.payload_sha256, s.bytes
    );
    Ok(())
}

fn load_trust(
    trusted: Option<&Path>,
    identity: Option<&Path>,
) -> Result<(Option<TrustedKeys>, Option<CentralIdentity>)> {
    Ok((
        trusted.map(TrustedKeys::load).transpose()?,
        identity.map(CentralIdentity::load).transpose()?,
    ))
}

pub fn verify(args: &VerifyArgs) -> Result<()> {
    let (trusted, identity) = load_trust(args.trusted.as_deref(), args.identity.as_deref())?;
    let bar = Progress::start(None, &format!("verifying {}", args.file.display()));
    let v = verify_file_checked(&args.file, trusted.as_ref(), identity.as_ref());
    bar.finish();
    let v = v.map_err(|e| anyhow!("{}: refused: {e}", args.file.display()))?;
    print_verified(&args.file, &v);
    Ok(())
}

fn print_verified(file: &Path, c: &Checked) {
    println!("{}: OK", file.display());
    println!(
        "  format patuh-export version {}{}",
        c.format_version,
        if c.encrypted { ", decrypted" } else { "" }
    );
    println!(
        "  assessor: {} ({}), key {}",
        sanitize(&c.assessor.name),
        sanitize(&c.assessor.id),
        c.fingerprint
    );
    match &c.trusted_by {
        Some(t) => println!("  key trusted: listed in {t}"),
        None => println!(
            "  key trusted: NOT CHECKED (give --trusted KEYS_FILE to check it against the registered keys)"
        ),
    }
    println!("  exported at: {}", sanitize(&c.exported_at));
    let (answers, products, touched) = (c.answers, c.products, c.touched);
    if c.format_version == crate::exchange::bundle::FORMAT_VERSION_1 {
        println!(
            "  content: {} agencies, {} units, {} products ({touched} with results), {answers} observations",
            c.agencies, c.units, products,
        );
    } else {
        let (own, respondents) = (c.own, c.respondents);
        println!("  cycle: {}", sanitize(&c.cycle));
        println!(
            "  content: {} agencies, {} units, {} products ({touched} with results; {own} units and \
             agencies with answers of their own), {answers} answers, {respondents} respondents",
            c.agencies, c.units, products,
        );
    }
    println!(
        "  audit chain: intact from the first row, {} rows ({} in full, all observations accounted for)",
        c.audit_rows, c.audit_full
    );
    println!(
        "  scores: {} recomputed, all equal to the exported ones",
        c.scores_checked
    );
    println!("  payload sha256: {}", c.payload_sha256);
}

pub fn merge(
    db: Option<PathBuf>,
    trusted: Option<PathBuf>,
    identity: Option<PathBuf>,
    files: &[PathBuf],
) -> Result<()> {
    let db = db.ok_or_else(|| {
        anyhow!("name the central database with --db CENTRAL.db (it is created if missing)")
    })?;
    let (trusted, identity) = load_trust(trusted.as_deref(), identity.as_deref())?;
    if trusted.is_none() {
        eprintln!(
            "warning: no --trusted keys file: signers are not checked against the registered assessors \
             (an assessor id keeps the key it first came with)"
        );
    }
    // One merge (or review decision) at a time on a central database: the second
    // waits for the first, whole (store::lock::central).
    let _lock = crate::store::lock::central(&db, "central merge", |h| {
        eprintln!(
            "waiting: {} is in use by {h}; the merge goes on when it is done",
            db.display()
        )
    })?;
    let bar = Progress::start(Some(files.len() as u64), "merging");
    let mut central = None;
    let mut refused = 0;
    for file in files {
        bar.set_message(file.display().to_string());
        let result =
            merge::verify_for_merge(file, trusted.as_ref(), identity.as_ref()).and_then(|v| {
                // The database is opened only once a file has passed every check.
                if central.is_none() {
                    central = Some(merge::open_central(&db)?);
                }
                let store = central.as_mut().ok_or_else(|| {
                    crate::exchange::ExchangeError::Conflict("central database not open".into())
                })?;
                merge::merge_to(store, &v, &file.display().to_string(), trusted.as_ref())
            });
        bar.suspend(|| match &result {
            Ok(Outcome::Merged(s)) => {
                println!(
                    "{}: merged (assessor {} {}): {} new results, {} superseded, {} older kept out, {} untouched products, {} in conflict; added {} agencies, {} units, {} products",
                    file.display(),
                    sanitize(&s.assessor_id),
                    sanitize(&s.assessor_name),
                    s.results_new,
                    s.results_superseded,
                    s.results_older,
                    s.untouched,
                    s.conflicts,
                    s.agencies_added,
                    s.units_added,
                    s.products_added
                );
            }
            Ok(Outcome::AlreadyMerged { merged_at }) => {
                println!(
                    "{}: already merged at {}; nothing changed",
                    file.display(),
                    sanitize(merged_at)
                );
            }
            Err(e) => {
                refused += 1;
                eprintln!("error: {}: refused: {e}", file.display());
            }
        });
        bar.inc(1);
    }
    bar.finish();
    if refused > 0 {
        return Err(anyhow!(
            "{refused} of {} file(s) refused and not merged; {} holds the others",
            files.len(),
            db.display()
        ));
    }
    Ok(())
}

/// `patuh central assign FILE`: who assesses which agencies, on the central database.
pub fn central_assign(db: Option<PathBuf>, file: &Path) -> Result<()> {
    use crate::exchange::assign::CentralAssignment;
    let db = db.ok_or_else(|| {
        anyhow!("name the central database with --db CENTRAL.db (it is created if missing)")
    })?;
    let bytes = crate::fsio::read(
        file,
        crate::fsio::MAX_TEXT_BYTES,
        "a central assignment file",
    )?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let assignment = CentralAssignment::parse(&text).map_err(|problems| {
        anyhow!(crate::store::StoreError::Invalid {
            file: file.display().to_string(),
            problems,
        })
    })?;
    let _lock = crate::store::lock::central(&db, "central assign", |h| {
        eprintln!(
            "waiting: {} is in use by {h}; this command goes on when it is done",
            db.display()
        )
    })?;
    let mut store = merge::open_central(&db)?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let pairs = assignment.pairs();
    store.set_central_assignment(
        &pairs,
        &file.display().to_string(),
        &sha,
        &format!(
            "format version {}, {} assessors",
            crate::exchange::assign::FORMAT_VERSION,
            assignment.assessors.len()
        ),
    )?;
    let ds = store.load()?;
    let mut missing: Vec<&str> = pairs
        .iter()
        .map(|(_, code)| code.as_str())
        .filter(|code| ds.find_agency(code).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    println!(
        "Central assignment of {} set from {}: {} assessors, {} agency assignments (sha256 {sha})",
        db.display(),
        file.display(),
        assignment.assessors.len(),
        pairs.len()
    );
    println!(
        "  merges now refuse results for agencies not assigned to their assessor, and any other name, kind, unit or product than the catalog's"
    );
    if !missing.is_empty() {
        println!(
            "  not in the catalog yet (import their assignment: `patuh --db {} assignment import FILE`): {}",
            db.display(),
            missing.join(", ")
        );
    }
    Ok(())
}

pub fn report(db: &Path, args: &ReportArgs, lang: Lang) -> Result<()> {
    if args.format == ReportFormat::Html {
        return Err(anyhow!(
            "--format html is the mentoring report of one agency: add --agency CODE \
             (or choose xlsx, csv or md for the whole report)"
        ));
    }
    let store = open(db)?;
    let bar = Progress::start(None, &format!("reading {}", db.display()));
    let report = rep::build_with(&store, lang, args.approved_only)?;
    let rows: usize = report.tables.iter().map(|t| t.rows.len()).sum();
    bar.set_length(rows as u64);
    bar.set_message(format!("writing {}", args.out.display()));
    let written = match args.format {
        ReportFormat::Xlsx => {
            report_out::write_xlsx_with(&report, &args.out, &mut |n| bar.set_position(n))
                .map(|()| vec![args.out.clone()])
        }
        ReportFormat::Md => {
            report_out::write_md(&report, &args.out).map(|()| vec![args.out.clone()])
        }
        ReportFormat::Html => Ok(Vec::new()), // refused above
        ReportFormat::Csv => report_out::write_csv_with(
            &report,
            &args.out,
            match args.csv_sep {
                CsvSepArg::Comma => report_out::CsvSep::Comma,
                CsvSepArg::Semicolon => report_out::CsvSep::Semicolon,
            },
        ),
    };
    bar.finish();
    for path in written? {
        println!("Wrote {}", path.display());
    }
    Ok(())
}
