//! The workstation's state and the outside world meet here. [`Effect`]: what the
//! state ([`crate::tui::app::App`]) asks for — a store write, a file digest, an
//! export, the clock, remembering the position, confirming a returned item —
//! returned by `App::update`; the
//! runtime (`runtime.rs`) carries each one out and feeds what happened back to
//! `App::update` as an [`Outcome`]. Each effect carries what its outcome needs, so
//! the state keeps no bookkeeping of requests in flight, and a test can play the
//! runtime's part by hand. What went wrong comes back as a [`Failure`], which the
//! state says in the UI's language.

use crate::domain::instrument::Indicator;
use crate::domain::model::{Dataset, IndicatorIx, ProductIx};
use crate::domain::{Lang, Value};
use crate::store::{AuditRow, EvidenceRow, ProductRef, RecordOutcome};

/// One value and/or note change of one indicator, as the store records it.
#[derive(Debug, Clone)]
pub struct Change {
    /// Where it is in the dataset.
    pub product: ProductIx,
    pub indicator: IndicatorIx,
    /// How the store addresses it.
    pub target: ProductRef,
    pub definition: Indicator,
    pub value: Option<Value>,
    pub note: Option<String>,
    pub origin: Origin,
}

/// Why a change was made: it decides what the state does once it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A key of the checklist (a value key, or the evidence remover): undoable. With
    /// `advance`, an answer (`Space`, a digit, `x`): the cursor moves on to the next
    /// indicator once it is recorded, when the workstation is set to.
    Key { advance: bool },
    /// The note editor's save: closes the editor once recorded, keeps it open if not.
    Note,
    /// The note being written when the workstation stops.
    Shutdown,
    /// Undo of this edit; put back on the undo stack if the store refuses.
    Undo(Edit),
    /// Redo of this edit; put back on the redo stack if the store refuses.
    Redo(Edit),
}

/// Where an evidence reference is now: attached (its id in the store's `evidence`)
/// or removed (its id among the removed ones, from where it can be put back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceAt {
    Attached(i64),
    Removed(i64),
}

/// One change that undo takes back and redo makes again: exactly what it changed,
/// before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Value {
        product: ProductIx,
        indicator: IndicatorIx,
        before: Value,
        after: Value,
    },
    Note {
        product: ProductIx,
        indicator: IndicatorIx,
        before: String,
        after: String,
    },
    /// An evidence reference attached (`added`) or removed; `at` is where it is now.
    Evidence {
        product: ProductIx,
        indicator: IndicatorIx,
        reference: String,
        added: bool,
        at: EvidenceAt,
    },
    /// The product finalized (`finalized`) or reopened.
    Final { product: ProductIx, finalized: bool },
}

impl Edit {
    /// The product the edit changed.
    pub fn product(&self) -> ProductIx {
        match self {
            Edit::Value { product, .. }
            | Edit::Note { product, .. }
            | Edit::Evidence { product, .. }
            | Edit::Final { product, .. } => *product,
        }
    }

    /// The indicator it changed (None: the product as a whole).
    pub fn indicator(&self) -> Option<IndicatorIx> {
        match self {
            Edit::Value { indicator, .. }
            | Edit::Note { indicator, .. }
            | Edit::Evidence { indicator, .. } => Some(*indicator),
            Edit::Final { .. } => None,
        }
    }
}

/// An evidence reference to attach, with the file's size and SHA-256 once read.
#[derive(Debug, Clone)]
pub struct Attach {
    pub product: ProductIx,
    pub indicator: IndicatorIx,
    pub target: ProductRef,
    pub definition: Indicator,
    /// As typed (a path, possibly `~/...`, or a document number).
    pub reference: String,
    pub file: Option<FileDigest>,
}

/// An evidence reference to remove, or to put back.
#[derive(Debug, Clone)]
pub struct EvidenceMove {
    pub product: ProductIx,
    pub indicator: IndicatorIx,
    pub target: ProductRef,
    pub reference: String,
    /// Where it is: attached (it is removed) or removed (it is put back).
    pub from: EvidenceAt,
    pub origin: Origin,
}

/// Size and SHA-256 (lowercase hex) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub size: u64,
    pub sha256: String,
}

/// What an evidence reference names once looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A regular file, read.
    File(FileDigest),
    /// Nothing at that path: perhaps a document number (the assessor is asked).
    Nothing,
}

/// What kind of thing a path names, when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Folder,
    Fifo,
    Device,
    Socket,
    Link,
    Other,
}

/// Why a file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    NotFound,
    PermissionDenied,
    /// A folder, a FIFO, a device...: patuh reads and writes regular files only.
    Special(FileKind),
    /// Others may read or change it (a secret): the command that makes it private.
    Exposed {
        chmod: String,
    },
    /// Anything else, as the system says it.
    Io(String),
}

/// What went wrong, for the state to say in the UI's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The disk of the database is full: the change was not saved.
    DiskFull,
    /// Another patuh has the database.
    Busy,
    /// The database file or its folder cannot be written.
    NotWritable { detail: String },
    /// Writing to the disk failed.
    DiskFailure { detail: String },
    /// The database is damaged.
    Damaged { detail: String },
    /// The product was finalized (by another patuh): reopen it to change it.
    Finalized { product: String },
    /// No signing key yet (the export).
    NoKey,
    /// The signing key cannot be used: what the key file's check says.
    KeyUnusable { detail: String },
    /// A file (evidence, export) cannot be read or written.
    File { path: String, problem: FileProblem },
    /// Anything else, in the words of the part that refused (English).
    Other(String),
}

/// Where the assessor is, remembered in the database's meta table for the next start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// `AGENCY/UNIT/PRODUCT`.
    pub product: String,
    /// The highlighted indicator's id on a checklist.
    pub indicator: Option<String>,
    pub checklist: bool,
}

/// What a signed export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: String,
    pub products: usize,
    pub fingerprint: String,
}

/// Which prompt a path completion is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFor {
    Evidence,
    Export,
}

/// What the state asks of the outside world.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Record a value and/or note: one transaction with its audit rows.
    Record(Change),
    /// Look at what an evidence reference names and read the file (size and
    /// SHA-256) in the background, reporting progress; nothing there comes back as
    /// [`Named::Nothing`], a folder, FIFO or device as a failure. `job` tells its
    /// outcomes from an earlier, cancelled one's.
    Digest { job: u64, reference: String },
    /// Stop reading job `job`'s file.
    CancelDigest { job: u64 },
    /// Attach an evidence reference: one transaction with its audit row.
    Attach(Attach),
    /// Remove an evidence reference (kept, audited) or put a removed one back.
    MoveEvidence(EvidenceMove),
    /// Finalize a product, or reopen it with a reason (`reopen`).
    SetFinal {
        product: ProductIx,
        target: ProductRef,
        reopen: Option<String>,
        origin: Origin,
    },
    /// Read the evidence of one indicator, for the detail pane.
    LoadEvidence {
        product: ProductIx,
        indicator: IndicatorIx,
        target: ProductRef,
        indicator_id: String,
    },
    /// Read the audit rows of a product (of one indicator, with `indicator`).
    LoadHistory {
        product: ProductIx,
        indicator: Option<IndicatorIx>,
        path: String,
        indicator_id: Option<String>,
    },
    /// Remember where the assessor is (a convenience: a failure is only logged).
    RememberPosition(Position),
    /// Remember the language chosen with the language key, for the next start.
    RememberLanguage(Lang),
    /// Record the assessor's name (asked at the first start): from now on in the audit
    /// log and the status bar.
    SetAssessor(String),
    /// Propose where to write the export: `~/patuh-<assessor id>-<today>.patuh`.
    SuggestExportPath,
    /// Write the signed export of the whole database to `path` (`~/` expanded).
    Export { path: String },
    /// The files whose path starts with what was typed (Tab in a prompt).
    CompletePath { typed: String, purpose: PathFor },
    /// Confirm as it is an item the central office returned: one transaction with its
    /// audit row (`store::review`).
    ConfirmReturned {
        product: ProductIx,
        indicator: Option<IndicatorIx>,
        path: String,
        indicator_id: Option<String>,
    },
}

/// What happened, fed back to the state.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The store committed the change, or refused it.
    Recorded {
        change: Change,
        result: Result<RecordOutcome, Failure>,
    },
    /// How far the digest has read.
    DigestProgress {
        job: u64,
        done: u64,
        total: u64,
    },
    /// What the reference names, the file read. `path` is the file as looked at (`~/`
    /// expanded).
    Digested {
        job: u64,
        path: String,
        result: Result<Named, Failure>,
    },
    /// The reference attached: its id.
    Attached {
        attach: Attach,
        result: Result<i64, Failure>,
    },
    /// The reference moved: where it is now.
    EvidenceMoved {
        mv: EvidenceMove,
        result: Result<EvidenceAt, Failure>,
    },
    FinalSet {
        product: ProductIx,
        finalized: bool,
        origin: Origin,
        result: Result<(), Failure>,
    },
    EvidenceLoaded {
        product: ProductIx,
        indicator: IndicatorIx,
        result: Result<Vec<EvidenceRow>, Failure>,
    },
    HistoryLoaded {
        product: ProductIx,
        indicator: Option<IndicatorIx>,
        result: Result<Vec<AuditRow>, Failure>,
    },
    AssessorSet(Result<String, Failure>),
    ExportPathSuggested(String),
    Exported(Result<Exported, Failure>),
    /// The paths that complete `typed` (sorted; a folder ends in `/`).
    PathsCompleted {
        typed: String,
        purpose: PathFor,
        paths: Vec<String>,
    },
    /// A read-only workstation's data, reloaded because another one committed.
    Reloaded(Box<Dataset>),
    /// The returned item confirmed (false: it was no longer open).
    ReturnedConfirmed {
        product: ProductIx,
        indicator: Option<IndicatorIx>,
        result: Result<bool, Failure>,
    },
}
