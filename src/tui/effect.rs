//! The workstation's state and the outside world meet here. [`Effect`]: what the
//! state ([`crate::tui::app::App`]) asks for — a store write, a file digest, an
//! export, the clock, remembering the position, confirming a returned item —
//! returned by `App::update`; the
//! runtime (`runtime.rs`) carries each one out and feeds what happened back to
//! `App::update` as an [`Outcome`]. Each effect carries what its outcome needs, so
//! the state keeps no bookkeeping of requests in flight, and a test can play the
//! runtime's part by hand. What went wrong comes back as a [`Failure`], which the
//! state says in the UI's language. A change is addressed to a node of any level
//! ([`Target`]): a product's observation goes through the product API as it always
//! did; a unit's or an agency's own answers, respondents' answers, respondents and
//! data values go through the level-aware store API with the node's instrument.

use std::sync::Arc;

use crate::domain::instrument::{Indicator, Instrument};
use crate::domain::model::{
    DataValue, Dataset, IndicatorIx, NodeRef, ProductIx, RespondentIx, RoleIx,
};
use crate::domain::{Lang, Value};
use crate::store::{AuditRow, EvidenceRow, Node, ProductRef, RecordOutcome, RespondentRow};

/// A node as the store addresses it, with the instrument it is assessed with (the
/// level-aware store API checks every change against it).
#[derive(Debug, Clone)]
pub struct NodeTarget {
    pub node: Node,
    pub instrument: Arc<Instrument>,
}

/// How the store addresses one indicator's cell.
#[derive(Debug, Clone)]
pub enum Target {
    /// A product's observation (and note): the product API, one answer row and one
    /// audit row a keystroke, as always.
    Product(ProductRef),
    /// Any other indicator of a node as a whole: a unit's or an agency's observation,
    /// N/A or unanswered for a whole interview or data indicator, a note.
    Node(NodeTarget),
    /// One respondent's answer to an interview indicator.
    Respondent {
        at: NodeTarget,
        row: Box<RespondentRow>,
    },
}

impl Target {
    /// The node as the store addresses it.
    pub fn node(&self) -> Node {
        match self {
            Target::Product(p) => Node::from(p),
            Target::Node(t) | Target::Respondent { at: t, .. } => t.node.clone(),
        }
    }
}

/// One value and/or note change of one indicator, as the store records it.
#[derive(Debug, Clone)]
pub struct Change {
    /// Where it is in the dataset.
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    /// The respondent whose answer it is (None: the node's own cell).
    pub respondent: Option<RespondentIx>,
    /// How the store addresses it.
    pub target: Target,
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
        node: NodeRef,
        /// A respondent's answer (None: the node's own value).
        respondent: Option<RespondentIx>,
        indicator: IndicatorIx,
        before: Value,
        after: Value,
    },
    Note {
        node: NodeRef,
        indicator: IndicatorIx,
        before: String,
        after: String,
    },
    /// A data value entered, changed or cleared (None: no value).
    Data {
        node: NodeRef,
        indicator: IndicatorIx,
        before: Option<Box<DataValue>>,
        after: Option<Box<DataValue>>,
    },
    /// An evidence reference attached (`added`) or removed; `at` is where it is now.
    Evidence {
        node: NodeRef,
        indicator: IndicatorIx,
        reference: String,
        added: bool,
        at: EvidenceAt,
    },
    /// The node finalized (`finalized`) or reopened.
    Final { node: NodeRef, finalized: bool },
}

impl Edit {
    /// The node the edit changed.
    pub fn node(&self) -> NodeRef {
        match self {
            Edit::Value { node, .. }
            | Edit::Note { node, .. }
            | Edit::Data { node, .. }
            | Edit::Evidence { node, .. }
            | Edit::Final { node, .. } => *node,
        }
    }

    /// The indicator it changed (None: the node as a whole).
    pub fn indicator(&self) -> Option<IndicatorIx> {
        match self {
            Edit::Value { indicator, .. }
            | Edit::Note { indicator, .. }
            | Edit::Data { indicator, .. }
            | Edit::Evidence { indicator, .. } => Some(*indicator),
            Edit::Final { .. } => None,
        }
    }
}

/// An evidence reference to attach, with the file's size and SHA-256 once read.
#[derive(Debug, Clone)]
pub struct Attach {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    pub target: Node,
    pub definition: Indicator,
    /// As typed (a path, possibly `~/...`, or a document number).
    pub reference: String,
    pub file: Option<FileDigest>,
}

/// An evidence reference to remove, or to put back.
#[derive(Debug, Clone)]
pub struct EvidenceMove {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    pub target: Node,
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
    /// The node was finalized (by another patuh): reopen it to change it.
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
    /// The node's path: `AGENCY/UNIT/PRODUCT` (or `AGENCY/UNIT`, `AGENCY` for the
    /// checklist of a unit or an agency).
    pub path: String,
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
    /// Finalize a node, or reopen it with a reason (`reopen`).
    SetFinal {
        node: NodeRef,
        target: Node,
        reopen: Option<String>,
        origin: Origin,
    },
    /// Read the evidence of one indicator, for the detail pane.
    LoadEvidence {
        node: NodeRef,
        indicator: IndicatorIx,
        target: Node,
        indicator_id: String,
    },
    /// Read the audit rows of a node (of one indicator, with `indicator`).
    LoadHistory {
        node: NodeRef,
        indicator: Option<IndicatorIx>,
        path: String,
        indicator_id: Option<String>,
    },
    /// Add a respondent of a role at a node (the next number of its role there), with a
    /// position label or none: one transaction with its audit row.
    AddRespondent(AddRespondent),
    /// Remove a respondent (kept, audited, with the reason).
    RemoveRespondent(RemoveRespondent),
    /// Enter, change or clear (None) a data indicator's value: one transaction with
    /// its audit rows.
    RecordData(Box<DataChange>),
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
    /// Confirm as it is an answer carried from the previous cycle: one transaction
    /// with its `confirm` audit row (`Store::confirm_carried`).
    ConfirmCarried(ConfirmCarried),
}

/// A carried answer to confirm: the node's own (`respondent` None) or a respondent's.
#[derive(Debug, Clone)]
pub struct ConfirmCarried {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    pub respondent: Option<RespondentIx>,
    pub target: Node,
    pub indicator_id: String,
    pub row: Option<Box<RespondentRow>>,
}

/// A respondent to add.
#[derive(Debug, Clone)]
pub struct AddRespondent {
    pub node: NodeRef,
    pub role: RoleIx,
    pub target: NodeTarget,
    /// A position at most, `""` for none: never a name (Law 27/2022).
    pub label: String,
    /// Added by the last answer of the respondent before (heads-down), not asked for:
    /// the status bar keeps that answer's message. Either way the new respondent's
    /// questionnaire opens.
    pub heads_down: bool,
}

/// A respondent to remove.
#[derive(Debug, Clone)]
pub struct RemoveRespondent {
    pub node: NodeRef,
    pub respondent: RespondentIx,
    pub target: Node,
    /// The role's id and the respondent's number, as the store names it.
    pub role: String,
    pub number: u32,
    pub reason: String,
}

/// A data value to enter, change or clear.
#[derive(Debug, Clone)]
pub struct DataChange {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    pub target: NodeTarget,
    /// The value entered (None: cleared).
    pub value: Option<DataValue>,
    /// What the dataset held before (for undo).
    pub before: Option<DataValue>,
    pub origin: Origin,
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
        node: NodeRef,
        finalized: bool,
        origin: Origin,
        result: Result<(), Failure>,
    },
    EvidenceLoaded {
        node: NodeRef,
        indicator: IndicatorIx,
        result: Result<Vec<EvidenceRow>, Failure>,
    },
    HistoryLoaded {
        node: NodeRef,
        indicator: Option<IndicatorIx>,
        result: Result<Vec<AuditRow>, Failure>,
    },
    /// The respondent added, as stored.
    RespondentAdded {
        add: AddRespondent,
        result: Result<RespondentRow, Failure>,
    },
    RespondentRemoved {
        remove: RemoveRespondent,
        result: Result<(), Failure>,
    },
    DataRecorded {
        change: Box<DataChange>,
        result: Result<(), Failure>,
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
    /// A carried answer confirmed (how many the store confirmed).
    CarriedConfirmed {
        confirm: ConfirmCarried,
        result: Result<usize, Failure>,
    },
    /// The returned item confirmed (false: it was no longer open).
    ReturnedConfirmed {
        product: ProductIx,
        indicator: Option<IndicatorIx>,
        result: Result<bool, Failure>,
    },
}
