//! The workstation's state and the outside world meet here. [`Effect`]: what the
//! state ([`crate::tui::app::App`]) asks for — a store write, a file digest, an
//! export, the clock, remembering the position — returned by `App::update`; the
//! runtime (`runtime.rs`) carries each one out and feeds what happened back to
//! `App::update` as an [`Outcome`]. Each effect carries what its outcome needs, so
//! the state keeps no bookkeeping of requests in flight, and a test can play the
//! runtime's part by hand.

use crate::domain::Value;
use crate::domain::instrument::Indicator;
use crate::domain::model::{Dataset, IndicatorIx, ProductIx};
use crate::store::{EvidenceRow, ProductRef, RecordOutcome};

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
    /// A value key (`Space`, a digit, `x`, `c`): undoable.
    Key,
    /// The note editor's save: closes the editor once recorded, keeps it open if not.
    Note,
    /// The note being written when the workstation stops.
    Shutdown,
    /// Undo, restoring this entry; put back on the stack if the store refuses.
    Undo(UndoEntry),
}

/// One change that `u` can take back: the value and note before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    pub product: ProductIx,
    pub indicator: IndicatorIx,
    pub value: Value,
    pub note: String,
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

/// Size and SHA-256 (lowercase hex) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub size: u64,
    pub sha256: String,
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

/// What the state asks of the outside world.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Record a value and/or note: one transaction with its audit rows.
    Record(Change),
    /// Read the file an evidence reference names (size and SHA-256), in the
    /// background, reporting progress; a reference that is not a file comes back as
    /// a document reference. `job` tells its outcomes from an earlier, cancelled one's.
    Digest { job: u64, reference: String },
    /// Stop reading job `job`'s file.
    CancelDigest { job: u64 },
    /// Attach an evidence reference: one transaction with its audit row.
    Attach(Attach),
    /// Finalize a product, or reopen it with a reason (`reopen`).
    SetFinal {
        product: ProductIx,
        target: ProductRef,
        reopen: Option<String>,
    },
    /// Read the evidence of one indicator, for the detail pane.
    LoadEvidence {
        product: ProductIx,
        indicator: IndicatorIx,
        target: ProductRef,
        indicator_id: String,
    },
    /// Remember where the assessor is (a convenience: a failure is only logged).
    RememberPosition(Position),
    /// Propose where to write the export: `~/patuh-<assessor>-<today>.patuh`.
    SuggestExportPath,
    /// Write the signed export of the whole database to `path` (`~/` expanded).
    Export { path: String },
}

/// What happened, fed back to the state.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The store committed the change, or refused it (the message says why).
    Recorded {
        change: Change,
        result: Result<RecordOutcome, String>,
    },
    /// How far the digest has read.
    DigestProgress {
        job: u64,
        done: u64,
        total: u64,
    },
    /// The file's digest; `Ok(None)` when the reference names no regular file (a
    /// document number). `path` is the file as read (`~/` expanded).
    Digested {
        job: u64,
        path: String,
        result: Result<Option<FileDigest>, String>,
    },
    Attached {
        attach: Attach,
        result: Result<(), String>,
    },
    FinalSet {
        product: ProductIx,
        finalized: bool,
        result: Result<(), String>,
    },
    EvidenceLoaded {
        product: ProductIx,
        indicator: IndicatorIx,
        result: Result<Vec<EvidenceRow>, String>,
    },
    ExportPathSuggested(String),
    Exported(Result<Exported, String>),
    /// A read-only workstation's data, reloaded because another one committed.
    Reloaded(Box<Dataset>),
}
