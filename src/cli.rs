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
        demo database with the agencies of Maluku province (the 2021 method) and of Bengkulu \
        (the 2022-2024 method).",
    after_help = "Data: the database is patuh.db in your data dir unless --db or PATUH_DB says otherwise."
)]
pub struct Cli {
    /// The database file (default: patuh.db in the user's data dir).
    #[arg(long, global = true, env = "PATUH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Work on this cycle (e.g. 2026-pendampingan) instead of the current one, for this
    /// command only (`patuh cycle list`; `patuh cycle open ID` changes the current one).
    #[arg(long, global = true, value_name = "ID")]
    pub cycle: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database and load the shipped instruments (idempotent).
    Init {
        /// Also load the demo assignments (agencies of Maluku and Bengkulu provinces).
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
    /// Record one answer (an observation, a respondent's answer, a data value, N/A or a
    /// note) at an agency, a unit or a product and print the new scores.
    Record(RecordArgs),
    /// The respondents interviewed at a node: add (prints the new number), list, remove.
    #[command(subcommand)]
    Respondent(RespondentCmd),
    /// Values taken from other institutions' data (BPS, KemenPAN-RB, ...).
    #[command(subcommand)]
    Data(DataCmd),
    /// An agency's follow-up register (the 2025 opinion's "Tanpa Maladministrasi").
    #[command(subcommand)]
    Followup(FollowupCmd),
    /// Show a node's checklist: its own indicators, scores, category, dimensions.
    Show {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
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
    /// Finalize an agency, a unit or a product: its own answers are read-only from now
    /// on until reopened (audited).
    Finalize {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
    },
    /// Reopen a finalized node so it can be changed again; the reason is audited.
    Reopen {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// Why it is reopened (kept in the audit log, shown by `patuh log`).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// The history of a node or one of its indicators from the audit log: who
    /// changed what and when, old -> new, the reasons given; and whether the log's
    /// hash chain is intact.
    Log {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// Only this indicator (and the node's own events: finalize, reopen, respondents).
        indicator: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the database: SQLite integrity and the audit hash chain.
    Check,
    /// Cycles: the mentoring (pendampingan) and the assessment (penilaian), year after
    /// year; list, show, open (make current) and start them.
    #[command(subcommand)]
    Cycle(CycleCmd),
    /// Confirm as it is an answer carried from the previous cycle (`cycle start
    /// --carry`): from now on it counts (audited). Recording another value replaces it.
    Confirm {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// Only this indicator (default: every carried answer at the node).
        indicator: Option<String>,
        /// Only this respondent's answer to INDICATOR (its number in the indicator's role).
        #[arg(long, value_name = "N", requires = "indicator")]
        respondent: Option<u32>,
    },
    /// What changed between two cycles: per indicator was/now and a mark (fixed,
    /// missing, worse, better, same, new, gone), per product, unit and agency the score
    /// and category then and now and the difference.
    Diff {
        /// The earlier cycle (default: the one --to follows).
        #[arg(long, value_name = "ID")]
        from: Option<String>,
        /// The later cycle (default: the current one, or --cycle).
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// Only this agency (by code).
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
        /// Print JSON (as `score --json`, with "from", "to" and "delta" per node).
        #[arg(long)]
        json: bool,
    },
    /// The assessor's signing key, and the central office's encryption key.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Write a signed export file of this workstation for the central office.
    Export(ExportArgs),
    /// Check an export file: signature, trusted key, audit chain and every score.
    Verify(VerifyArgs),
    /// Central office: consolidate export files into a central database.
    #[command(subcommand)]
    Central(CentralCmd),
    /// Write the report (ranking, zones, score distribution, scores, what to fix, what
    /// was not assessed) as xlsx (with charts and a metadata sheet), csv or md; with
    /// --agency, the mentoring report of one agency (md, xlsx or html).
    Report(ReportArgs),
    /// Central office: review the merged work (approve, return with comments, resolve
    /// conflicts, list, flags, the return file); alone, opens the reviewer's
    /// workstation on the central database given with --db.
    Review {
        #[command(subcommand)]
        cmd: Option<ReviewCmd>,
    },
    /// The central office's return file: apply it (FILE), list what came back (no
    /// argument), or confirm a returned item as it is (--confirm PATH [INDICATOR]).
    Inbox(InboxArgs),
    /// Published scores of past years (agency,year,score,category): each agency's
    /// trend in the reports.
    #[command(subcommand)]
    History(HistoryCmd),
    /// Print the shell completion script for bash, zsh, fish or powershell.
    #[command(after_help = "Install, e.g.:\n  \
        bash: patuh completions bash > ~/.local/share/bash-completion/completions/patuh\n  \
        zsh:  patuh completions zsh > ~/.zfunc/_patuh   (with fpath+=~/.zfunc before compinit)\n  \
        fish: patuh completions fish > ~/.config/fish/completions/patuh.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff), e.g. `patuh man > patuh.1; man ./patuh.1`.
    Man {
        /// Write the pages of patuh and of every subcommand (patuh.1, patuh-init.1,
        /// ...) into this existing folder instead, e.g. ~/.local/share/man/man1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The workstation's settings file (config.toml): where it is and what it sets.
    Config {
        /// Print an example config.toml holding every setting with its default,
        /// commented, to save as the config file and edit.
        #[arg(long)]
        example: bool,
    },
    /// Generate a realistic data set into a new database (for size tests and benchmarks).
    Gen {
        /// How much: a province, the nation, or a tiny smoke-test set.
        #[arg(long, value_enum, default_value = "province")]
        scale: crate::generate::Scale,
        /// The same seed always gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only the part one provincial office (0-33) assesses, with an audit chain of
        /// its own: the 34 parts of a seed together are the whole set.
        #[arg(long, value_name = "N")]
        office: Option<usize>,
        /// The assessment method: 2024 (the 2022-2025 instruments, respondents) or 2021
        /// (product checklists only).
        #[arg(long, value_enum, default_value = "2024")]
        method: crate::generate::Method,
    },
}

/// What a cycle is for, as `--kind` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CycleKindArg {
    /// Compliance mentoring (pendampingan kepatuhan): scores that never count as an
    /// assessment's.
    Mentoring,
    /// The assessment (penilaian) that counts.
    Assessment,
}

#[derive(Debug, Subcommand)]
pub enum CycleCmd {
    /// List the cycles (the current one marked).
    List {
        /// Print JSON: [{"id","kind","year","follows","current"}].
        #[arg(long)]
        json: bool,
    },
    /// Show a cycle: kind, year, the cycle it follows, each agency's instrument in it,
    /// what was answered and what is still carried (to be re-checked).
    Show {
        /// The cycle's id, e.g. 2026-pendampingan.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a cycle the current one: the workstation and every command work on it
    /// (audited).
    Open {
        /// The cycle's id.
        id: String,
    },
    /// Start a cycle and make it current (audited); with --carry the answers of the
    /// cycle it follows are copied into it, to be re-checked (`patuh confirm`), and
    /// count only once confirmed or changed.
    Start {
        /// The new cycle's id: letters, digits, '-', '_', '.', e.g. 2026-penilaian.
        id: String,
        #[arg(long, value_enum)]
        kind: CycleKindArg,
        /// The year it runs in.
        #[arg(long, value_name = "YEAR")]
        year: Option<i32>,
        /// The cycle it follows (default: the current one).
        #[arg(long, value_name = "ID")]
        follows: Option<String>,
        /// Copy the answers of the cycle it follows, to be re-checked.
        #[arg(long)]
        carry: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create the assessor's key pair (once; the private key never leaves this machine).
    Init {
        /// The assessor's name, as the central office knows it.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The assessor's id (e.g. NIP): letters, digits, '-', '_', '.'.
        #[arg(long, value_name = "ID")]
        id: String,
    },
    /// Print the public key and its fingerprint, to register at the central office.
    Show {
        /// Print only the line for the central office's trusted keys file.
        #[arg(long)]
        line: bool,
    },
    /// Central office: create the age key pair that assessors encrypt exports to.
    CentralInit {
        /// Where to write the identity (private key) file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The export file to write (replaced atomically if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Export only this agency (by code); repeat for several. Default: all agencies.
    #[arg(long, value_name = "CODE")]
    pub agency: Vec<String>,
    /// Encrypt the file to the central office's age public key (age1...).
    #[arg(long, value_name = "RECIPIENT", env = "PATUH_ENCRYPT_TO")]
    pub encrypt_to: Option<String>,
    /// The export format version: 2 (every level, respondents, data values; compressed)
    /// or 1, for a central office whose patuh reads only format 1 (answers of products
    /// only: an agency holding more is refused).
    #[arg(long = "format", value_name = "VERSION", default_value_t = 2,
          value_parser = clap::value_parser!(i64).range(1..=2))]
    pub format_version: i64,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The export file.
    pub file: PathBuf,
    /// The central office's trusted keys file (one `ed25519:KEY ID NAME` a line).
    #[arg(long, value_name = "KEYS_FILE", env = "PATUH_TRUSTED")]
    pub trusted: Option<PathBuf>,
    /// The central office's age identity file, to read encrypted exports.
    #[arg(long, value_name = "FILE", env = "PATUH_IDENTITY")]
    pub identity: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CentralCmd {
    /// Verify and merge export files into the central database given with --db
    /// (created if missing). Each file is all or nothing; merging again changes nothing.
    Merge {
        /// The central office's trusted keys file (one `ed25519:KEY ID NAME` a line).
        #[arg(long, value_name = "KEYS_FILE", env = "PATUH_TRUSTED")]
        trusted: Option<PathBuf>,
        /// The central office's age identity file, to read encrypted exports.
        #[arg(long, value_name = "FILE", env = "PATUH_IDENTITY")]
        identity: Option<PathBuf>,
        /// The export files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Set who assesses which agencies on the central database given with --db (a
    /// patuh-central-assignment file); merges then refuse results for other agencies
    /// and changes of the catalog.
    Assign {
        /// The central assignment file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Revoke an assessor's key on the central database given with --db: files signed
    /// by it are refused from now on; the reports mark what was merged from it.
    Revoke {
        /// The key's fingerprint (e.g. 9530-e1dd-6ec3-3d44) or its public key
        /// (ed25519:...).
        #[arg(value_name = "KEY-ID")]
        key_id: String,
        /// Why (kept in the central log, shown in the reports).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

/// The review states, as `--state` takes them.
pub const REVIEW_STATES: [&str; 4] = ["unreviewed", "approved", "returned", "resubmitted"];

#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// Approve a product, unit or agency: its work counts in `report --approved-only`.
    Approve {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
    },
    /// Return a product, unit or agency to its assessor with a comment (on one
    /// indicator, or on the whole); `review send` writes the file the assessor gets.
    Return {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// The indicator the comment is about (default: the whole).
        indicator: Option<String>,
        /// What the assessor must look at.
        #[arg(long, value_name = "TEXT")]
        comment: String,
    },
    /// Resolve a conflict (two assessors' values for one indicator of a product): take
    /// one assessor's value, or enter one, with a reason.
    #[command(group(
        clap::ArgGroup::new("pick").required(true).args(["take", "value"])
    ))]
    Resolve {
        /// AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// The indicator id.
        indicator: String,
        /// Take this assessor's value (their id).
        #[arg(long, value_name = "ASSESSOR")]
        take: Option<String>,
        /// Enter this value (on the indicator's scale).
        #[arg(long, value_name = "N")]
        value: Option<u32>,
        /// Why (kept in the central log).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// List the merged work with its review state, assessor and completeness.
    List {
        /// Only this state.
        #[arg(long, value_name = "STATE", value_parser = REVIEW_STATES)]
        state: Option<String>,
        /// Print JSON: [{"path","state","assessor",...}].
        #[arg(long)]
        json: bool,
    },
    /// Flags that deserve a look, from the audit rows the exports carry: filled in
    /// fast, respondents giving the same answers, values changed after finalization.
    Flags {
        /// Only this agency, unit or product (and what is under it).
        path: Option<String>,
        /// Flag a product answered faster than this many seconds per indicator.
        #[arg(long, value_name = "N", default_value_t = crate::exchange::flags::MIN_SECONDS_PER_INDICATOR)]
        min_seconds: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the signed return file of an assessor (what was returned, with the
    /// comments), signed with this machine's key (`patuh keys init` of the central office).
    Send {
        /// The assessor id.
        #[arg(long, value_name = "ID")]
        assessor: String,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// The return file from the central office (`patuh review send`).
    #[arg(value_name = "FILE", conflicts_with = "confirm")]
    pub file: Option<PathBuf>,
    /// The central office's key line(s) (`patuh keys show --line` on the central
    /// machine); needed until a file signed by that key was applied here.
    #[arg(long, value_name = "KEYS_FILE", env = "PATUH_TRUSTED")]
    pub trusted: Option<PathBuf>,
    /// Confirm a returned item as it is (the value stays): PATH and, for an item on
    /// one indicator, the INDICATOR.
    #[arg(long, num_args = 1..=2, value_names = ["PATH", "INDICATOR"])]
    pub confirm: Option<Vec<String>>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One Excel workbook, a sheet per table.
    Xlsx,
    /// One CSV file per table, named OUT-STEM-TABLE.csv beside --out.
    Csv,
    /// One markdown file.
    Md,
    /// One self-contained printable HTML file (the mentoring report, with --agency).
    Html,
}

/// A shell that `patuh completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportLang {
    /// Bahasa Indonesia.
    Id,
    /// English.
    En,
}

/// The field separator of csv reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvSepArg {
    #[default]
    Comma,
    Semicolon,
}

impl std::str::FromStr for CsvSepArg {
    type Err = String;
    fn from_str(s: &str) -> Result<CsvSepArg, String> {
        match s {
            "," | "comma" => Ok(CsvSepArg::Comma),
            ";" | "semicolon" => Ok(CsvSepArg::Semicolon),
            other => Err(format!(
                "{other:?}: use ',' (decimal points) or ';' (decimal commas, for Excel in Indonesian)"
            )),
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, value_enum)]
    pub format: ReportFormat,
    /// The file to write (for csv: names the files, see --format).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The report's language (sheet names, headers, labels): id or en. Default: the
    /// workstation's language (`language` in config.toml, else LANG: `id...` is
    /// Indonesian, anything else English).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<ReportLang>,
    /// csv only: the field separator, ',' (default, decimal points) or ';' (decimal
    /// commas: what Excel expects under an Indonesian locale). Files are UTF-8 with a BOM.
    #[arg(long, value_name = "SEP", default_value = ",")]
    pub csv_sep: CsvSepArg,
    /// Count only approved work (`patuh review approve`): every other product is
    /// reported as not assessed.
    #[arg(long)]
    pub approved_only: bool,
    /// The mentoring report of this agency (by code), for the end of the mentoring day:
    /// per unit and product what must still be fixed to reach the next category (the
    /// largest gain first), the assessor's notes, the score once fixed, and the trend.
    /// md, xlsx or html; Indonesian unless --lang en.
    #[arg(long, value_name = "CODE")]
    pub agency: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCmd {
    /// Import published scores of past years from a CSV file with the header
    /// agency,year,score,category (or instansi,tahun,nilai,kategori; `;` with decimal
    /// commas works too). All or nothing; importing it again changes nothing.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Take the file's score where another one is held for the agency and year (the
        /// held one is kept, marked replaced).
        #[arg(long)]
        replace: bool,
    },
    /// List the published scores held, by agency and year.
    List {
        /// Only this agency (by code).
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
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
    /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes, as the indicator's level
    /// requires (see `patuh show PATH`).
    pub path: String,
    /// The indicator id (see `patuh show PATH`).
    pub indicator: String,
    /// The value: 1/0 for a tick, 0..max on a scale; for a data indicator the decimal
    /// taken from the source, e.g. 82.35 (with --source).
    #[arg(long, value_name = "V", conflicts_with_all = ["na", "clear"])]
    pub value: Option<String>,
    /// Not applicable here (with --respondent: the respondent's answer is N/A).
    #[arg(long, conflicts_with = "clear")]
    pub na: bool,
    /// Back to unanswered.
    #[arg(long)]
    pub clear: bool,
    /// A note on this indicator at this node (replaces the note).
    #[arg(long, value_name = "TEXT", conflicts_with = "respondent")]
    pub note: Option<String>,
    /// Interview indicators: the number of the respondent answering (`patuh respondent
    /// list PATH`); the role is the one the indicator is asked of.
    #[arg(long, value_name = "N")]
    pub respondent: Option<u32>,
    /// Data indicators: where the value comes from, e.g. "KemenPAN-RB, IKM 2024".
    #[arg(long, value_name = "TEXT", requires = "value")]
    pub source: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RespondentCmd {
    /// Add a respondent of a role at a node; prints its number (1, 2, ... within the
    /// role at the node). A position at most, never a name.
    Add {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT, where the role is interviewed.
        path: String,
        /// The role's id in the instrument, e.g. pelaksana (`patuh instrument show ID`).
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// A position, e.g. "Kepala Dinas"; never a person's name.
        #[arg(long, value_name = "TEXT", default_value = "")]
        label: String,
    },
    /// List the respondents of a node with what each answered, removed ones too.
    List {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a respondent: its answers no longer count; kept and audited, never deleted.
    Remove {
        /// AGENCY, AGENCY/UNIT or AGENCY/UNIT/PRODUCT by codes.
        path: String,
        /// The role's id.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// The respondent's number within the role.
        number: u32,
        /// Why (kept in the audit log).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataCmd {
    /// Import data values from a CSV file with the header `path,indicator,value,source`
    /// (decimals with a dot): all or nothing, every value audited.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
    },
}

/// What the Ombudsman issued to an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FollowupKindArg {
    /// Corrective action of a final examination report (LAHP).
    Lahp,
    /// Suggestion of an analysis report (LHA).
    Lha,
    /// Improvement suggestion (saran perbaikan).
    Saran,
    /// Recommendation (rekomendasi).
    Rekomendasi,
}

/// Where a follow-up item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FollowupStatusArg {
    Open,
    Completed,
    NotCompleted,
}

#[derive(Debug, Subcommand)]
pub enum FollowupCmd {
    /// Add an item (status open) to an agency's register.
    Add {
        /// The agency's code.
        agency: String,
        #[arg(long, value_enum)]
        kind: FollowupKindArg,
        /// The reference of the report or letter, e.g. 0123/LAHP/2024.
        #[arg(long = "ref", value_name = "TEXT")]
        reference: String,
    },
    /// Set the status of an item.
    Set {
        /// The agency's code.
        agency: String,
        /// The item's reference.
        reference: String,
        #[arg(long, value_enum)]
        status: FollowupStatusArg,
    },
    /// Close the register: every item is entered; the qualifier is known from now on.
    Close {
        /// The agency's code.
        agency: String,
    },
    /// Reopen a closed register (an item was missing); the reason is audited.
    Reopen {
        /// The agency's code.
        agency: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// List an agency's register and the qualifier it gives.
    List {
        /// The agency's code.
        agency: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
