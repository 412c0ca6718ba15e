//! The command line, as clap definitions. `--db` is global: it is accepted before or
//! after the subcommand, and `PATUH_DB` sets it too.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "patuh",
    version,
    about = "Public-service compliance assessment workstation (Ombudsman RI)",
    long_about = "patuh: the workstation of public-service compliance assessors.\n\n\
        Without a command it opens the workstation on your database; `patuh demo` opens a \
        demo database with the agencies of Maluku province.",
    after_help = "Data: the database is patuh.db in your data dir unless --db or PATUH_DB says otherwise."
)]
pub struct Cli {
    /// The database file (default: patuh.db in the user's data dir).
    #[arg(long, global = true, env = "PATUH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database and load the shipped instruments (idempotent).
    Init {
        /// Also load the demo assignment (agencies of Maluku province).
        #[arg(long)]
        demo: bool,
        /// The assessor's name, recorded with every change.
        #[arg(long, value_name = "NAME")]
        assessor: Option<String>,
    },
    /// Open a demo database (created on first use) in the workstation.
    Demo,
    /// Validate, import, list and show instruments (rubrics).
    #[command(subcommand)]
    Instrument(InstrumentCmd),
    /// Import assignments (the agencies, units and products to assess).
    #[command(subcommand)]
    Assignment(AssignmentCmd),
    /// Record one observation of a product and print its new score.
    Record(RecordArgs),
    /// Show a product's checklist.
    Show {
        /// AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Scores of agencies, units and products.
    Score {
        /// Only this agency (by code).
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the database: SQLite integrity and the audit hash chain.
    Check,
    /// Generate a realistic data set into a new database (for size tests and benchmarks).
    Gen {
        /// How much: a province, the nation, or a tiny smoke-test set.
        #[arg(long, value_enum, default_value = "province")]
        scale: crate::generate::Scale,
        /// The same seed always gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum InstrumentCmd {
    /// List every problem of an instrument file, with its JSON path.
    Validate { file: PathBuf },
    /// Import an instrument file into the database.
    Import { file: PathBuf },
    /// List the instruments in the database.
    List,
    /// Show an instrument's dimensions, indicators and bands.
    Show {
        /// The instrument id, e.g. kepatuhan-2021.
        id: String,
        /// Which version (default: all versions of that id).
        #[arg(long)]
        version: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssignmentCmd {
    /// Import an assignment file (idempotent; all or nothing).
    Import { file: PathBuf },
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("change").required(true).multiple(true).args(["value", "na", "clear", "note"])
))]
pub struct RecordArgs {
    /// AGENCY/UNIT/PRODUCT by codes.
    pub path: String,
    /// The indicator id (see `patuh show PATH`).
    pub indicator: String,
    /// The observed value: 1/0 for a tick, 0..max on a scale.
    #[arg(long, value_name = "N", conflicts_with_all = ["na", "clear"])]
    pub value: Option<u32>,
    /// Not applicable to this product.
    #[arg(long, conflicts_with = "clear")]
    pub na: bool,
    /// Back to unanswered.
    #[arg(long)]
    pub clear: bool,
    /// A note on this indicator (replaces the note).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}
