//! The workstation's contact with the outside world. [`Runtime`] owns the [`Store`]
//! and carries out the [`Effect`]s the state asks for — store writes (each its own
//! transaction, committed before its outcome says so), evidence reads, the export,
//! the clock and the home dir, remembering the position — and returns their
//! [`Outcome`]s. An evidence file is read on a worker thread of its own (a 400 GB file
//! must not freeze the screen): it reports progress and its digest through the same
//! channel as the terminal's events, and stops when cancelled.
//!
//! [`Workstation`] pairs the state with the runtime and runs each message to the end:
//! the message, its effects, their outcomes, the effects of those, until nothing is
//! left. The event loop (`tui/mod.rs`), the tests and the benchmarks all drive the
//! workstation through it.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::app::{App, Msg};
use super::effect::{
    Change, Effect, EvidenceAt, Exported, Failure, FileDigest, FileProblem, Named, Outcome,
    PathFor, Position, Target,
};
use super::keymap::Config;
use super::theme::Theme;
use crate::domain::model::Ix;
use crate::domain::{Lang, Value};
use crate::exchange::keys;
use crate::store::{RecordOutcome, Store};

#[cfg(test)]
mod cycles_tests;
#[cfg(test)]
mod day_tests;
mod failure;
#[cfg(test)]
mod levels_tests;
#[cfg(test)]
mod returned_tests;
#[cfg(test)]
mod tests;

/// Meta keys that remember where the assessor left off (the first holds the path of
/// the node on screen: a product, or a unit or agency whose checklist was open).
pub const META_LAST_PRODUCT: &str = "ui.last_product";
pub const META_LAST_INDICATOR: &str = "ui.last_indicator";
pub const META_LAST_SCREEN: &str = "ui.last_screen";
/// The meta key of the language chosen with the language key.
pub const META_LANGUAGE: &str = "ui.language";
/// The meta key of the assessor's name (as `patuh init --assessor` sets it).
pub const META_ASSESSOR: &str = "assessor";

/// How many paths a completion offers at most.
const MAX_COMPLETIONS: usize = 200;

/// An event read from the terminal, or why none can be.
pub type TerminalEvent = io::Result<crossterm::event::Event>;

/// What wakes the event loop: a terminal event (from the input thread) or the
/// outcome of background work.
#[derive(Debug)]
pub enum Input {
    Terminal(TerminalEvent),
    Outcome(Box<Outcome>),
}

/// An evidence file being read on its worker thread.
struct DigestJob {
    job: u64,
    cancel: Arc<AtomicBool>,
}

/// Carries out effects; owns the store.
pub struct Runtime {
    store: Store,
    /// Where the assessor's signing key is (for the export); None: the default.
    pub signing_keys: Option<PathBuf>,
    /// The read-only workstation's view of the file: SQLite's `data_version` when the
    /// data was last loaded. None when this workstation may write.
    watched_version: Option<i64>,
    digest: Option<DigestJob>,
    /// Where background work reports.
    outbox: Sender<Input>,
}

impl Runtime {
    pub fn new(store: Store, outbox: Sender<Input>) -> Runtime {
        Runtime {
            store,
            signing_keys: None,
            watched_version: None,
            digest: None,
            outbox,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the assessor left off, as remembered at the last stop.
    pub fn position(&self) -> Option<Position> {
        let get = |k| self.store.meta(k).ok().flatten();
        Some(Position {
            path: get(META_LAST_PRODUCT)?,
            indicator: get(META_LAST_INDICATOR).filter(|i| !i.is_empty()),
            checklist: get(META_LAST_SCREEN).as_deref() == Some("checklist"),
        })
    }

    /// Watches the file for changes committed by the workstation that has it (for a
    /// read-only workstation).
    pub fn watch_changes(&mut self) {
        self.watched_version = Some(self.store.data_version().unwrap_or(0));
    }

    /// For a read-only workstation: the data reloaded when another connection has
    /// committed a change since it was last loaded.
    pub fn poll_changes(&mut self) -> Option<Outcome> {
        let seen = self.watched_version?;
        let version = self.store.data_version().ok()?;
        if version == seen {
            return None;
        }
        self.watched_version = Some(version);
        match self.store.load() {
            Ok(ds) => Some(Outcome::Reloaded(Box::new(ds))),
            Err(e) => {
                tracing::warn!("read-only reload failed: {e}");
                None
            }
        }
    }

    /// The language chosen with the language key at an earlier session, if any.
    pub fn stored_language(&self) -> Option<Lang> {
        match self.store.meta(META_LANGUAGE).ok().flatten()?.as_str() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The keys folder: the one set for this runtime, else the default.
    fn keys_dir(&self) -> Option<PathBuf> {
        match &self.signing_keys {
            Some(d) => Some(d.clone()),
            None => keys::keys_dir().ok(),
        }
    }

    /// Who the assessor is, and whether that is known: the name stored in the database
    /// (`patuh init --assessor`, or given at an earlier start), else the name of the
    /// assessor's signing key (then stored, so that the audit log and the commands use
    /// it too). False: neither, the audit log has only the login to go by.
    pub fn identify(&mut self, writable: bool) -> bool {
        if self.store.meta(META_ASSESSOR).ok().flatten().is_some() {
            return true;
        }
        let Some(identity) = self.keys_dir().and_then(|d| keys::Identity::load(&d).ok()) else {
            return false;
        };
        if !writable {
            return true;
        }
        match self.store.set_assessor(&identity.name) {
            Ok(()) => {
                tracing::info!(name = %identity.name, "assessor named after the signing key");
                true
            }
            Err(e) => {
                tracing::warn!("could not record the assessor's name: {e}");
                false
            }
        }
    }

    /// Carries out one effect; its outcome, unless it comes later from the background
    /// (a digest) or there is none (remembering the position).
    pub fn run(&mut self, effect: Effect) -> Option<Outcome> {
        let text = failure::store;
        match effect {
            Effect::Record(change) => {
                let result = self.record(&change).map_err(text);
                Some(Outcome::Recorded { change, result })
            }
            Effect::Digest { job, reference } => self.start_digest(job, &reference),
            Effect::CancelDigest { job } => {
                if let Some(d) = self.digest.take_if(|d| d.job == job) {
                    d.cancel.store(true, Ordering::Relaxed);
                    tracing::info!(job, "evidence digest cancelled");
                }
                None
            }
            Effect::Attach(attach) => {
                let file = attach.file.as_ref().map(|f| (f.size, f.sha256.clone()));
                let result = self
                    .store
                    .add_node_evidence(
                        &attach.target,
                        &attach.definition.id,
                        &attach.reference,
                        file,
                    )
                    .map_err(text);
                Some(Outcome::Attached { attach, result })
            }
            Effect::MoveEvidence(mv) => {
                let result = match mv.from {
                    EvidenceAt::Attached(id) => self
                        .store
                        .remove_node_evidence(&mv.target, id)
                        .map(EvidenceAt::Removed),
                    EvidenceAt::Removed(id) => self
                        .store
                        .restore_node_evidence(&mv.target, id)
                        .map(EvidenceAt::Attached),
                }
                .map_err(text);
                Some(Outcome::EvidenceMoved { mv, result })
            }
            Effect::SetFinal {
                node,
                target,
                reopen,
                origin,
            } => {
                let result = match &reopen {
                    None => self.store.finalize_node(&target),
                    Some(reason) => self.store.reopen_node(&target, reason),
                };
                Some(Outcome::FinalSet {
                    node,
                    finalized: reopen.is_none(),
                    origin,
                    result: result.map_err(text),
                })
            }
            Effect::LoadHistory {
                node,
                indicator,
                path,
                indicator_id,
            } => Some(Outcome::HistoryLoaded {
                node,
                indicator,
                result: self
                    .store
                    .audit_history(&path, indicator_id.as_deref())
                    .map_err(text),
            }),
            Effect::RememberLanguage(lang) => {
                if let Err(e) = self.store.set_meta(META_LANGUAGE, lang.code()) {
                    tracing::warn!("could not remember the language: {e}");
                }
                None
            }
            Effect::SetAssessor(name) => Some(Outcome::AssessorSet(
                self.store.set_assessor(&name).map(|()| name).map_err(text),
            )),
            Effect::CompletePath { typed, purpose } => Some(Outcome::PathsCompleted {
                paths: complete_path(&typed, purpose),
                typed,
                purpose,
            }),
            Effect::LoadEvidence {
                node,
                indicator,
                target,
                indicator_id,
            } => Some(Outcome::EvidenceLoaded {
                node,
                indicator,
                result: self
                    .store
                    .node_evidence(&target, &indicator_id)
                    .map_err(text),
            }),
            Effect::AddRespondent(add) => {
                let role = add
                    .target
                    .instrument
                    .roles
                    .get(add.role.index())
                    .map(|r| r.id.clone())
                    .unwrap_or_default();
                let result = self
                    .store
                    .add_respondent(&add.target.node, &add.target.instrument, &role, &add.label)
                    .map_err(text);
                Some(Outcome::RespondentAdded { add, result })
            }
            Effect::RemoveRespondent(remove) => {
                let result = self
                    .store
                    .remove_respondent(&remove.target, &remove.role, remove.number, &remove.reason)
                    .map(|_| ())
                    .map_err(text);
                Some(Outcome::RespondentRemoved { remove, result })
            }
            Effect::RecordData(change) => {
                let result = self
                    .store
                    .record_data(
                        &change.target.node,
                        &change.target.instrument,
                        change.indicator.index(),
                        change.value.as_ref(),
                        None,
                    )
                    .map(|_| ())
                    .map_err(text);
                Some(Outcome::DataRecorded { change, result })
            }
            Effect::RememberPosition(at) => {
                self.remember(&at);
                None
            }
            Effect::SuggestExportPath => {
                Some(Outcome::ExportPathSuggested(self.suggested_export_path()))
            }
            Effect::Export { path } => Some(Outcome::Exported(self.export(&path))),
            Effect::ConfirmReturned {
                product,
                indicator,
                path,
                indicator_id,
            } => Some(Outcome::ReturnedConfirmed {
                product,
                indicator,
                result: self
                    .store
                    .confirm_returned(&path, indicator_id.as_deref())
                    .map_err(text),
            }),
            Effect::ConfirmCarried(confirm) => {
                let result = self
                    .store
                    .confirm_carried(
                        &confirm.target,
                        Some(&confirm.indicator_id),
                        confirm.row.as_deref(),
                    )
                    .map(|done| done.len())
                    .map_err(text);
                Some(Outcome::CarriedConfirmed { confirm, result })
            }
        }
    }

    /// Records one value and/or note change where its target says.
    fn record(&mut self, change: &Change) -> crate::store::Result<RecordOutcome> {
        let i = change.indicator.index();
        match &change.target {
            Target::Product(p) => {
                self.store
                    .record(p, &change.definition, change.value, change.note.as_deref())
            }
            Target::Node(t) => self.store.record_node(
                &t.node,
                &t.instrument,
                i,
                change.value,
                change.note.as_deref(),
            ),
            Target::Respondent { at, row } => self.store.record_answer(
                &at.node,
                &at.instrument,
                i,
                row,
                change.value.unwrap_or(Value::Unanswered),
            ),
        }
    }

    /// Remembers where the assessor is. Failing is only logged: it is a convenience,
    /// not an assessment change.
    fn remember(&mut self, at: &Position) {
        let screen = if at.checklist {
            "checklist"
        } else {
            "navigator"
        };
        let result = self
            .store
            .set_meta(META_LAST_PRODUCT, &at.path)
            .and_then(|_| {
                self.store
                    .set_meta(META_LAST_INDICATOR, at.indicator.as_deref().unwrap_or(""))
            })
            .and_then(|_| self.store.set_meta(META_LAST_SCREEN, screen));
        if let Err(e) = result {
            tracing::warn!("could not remember the position: {e}");
        }
    }

    /// `~/patuh-<assessor>-<today>.patuh`: the assessor's id from the signing key,
    /// else their name as the audit log records it.
    fn suggested_export_path(&self) -> String {
        let date = time::OffsetDateTime::now_utc().date();
        let id = self
            .keys_dir()
            .and_then(|d| keys::Identity::load(&d).ok())
            .map(|i| i.id);
        let who: String = id
            .as_deref()
            .unwrap_or(self.store.who())
            .trim()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let dir = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        dir.join(format!("patuh-{who}-{date}.patuh"))
            .display()
            .to_string()
    }

    /// Writes the signed export (atomically).
    fn export(&self, path: &str) -> Result<Exported, Failure> {
        use crate::exchange::export;
        let path = expand_home(path);
        let dir = match &self.signing_keys {
            Some(dir) => dir.clone(),
            None => keys::keys_dir().map_err(failure::exchange)?,
        };
        if let Err(e) = std::fs::symlink_metadata(dir.join(keys::KEY_FILE))
            && e.kind() == io::ErrorKind::NotFound
        {
            return Err(Failure::NoKey);
        }
        keys::Identity::load(&dir)
            .and_then(|identity| export::export_with(&self.store, &identity, &path, &[], None))
            .map(|s| Exported {
                path: s.path.display().to_string(),
                products: s.products,
                fingerprint: s.fingerprint,
            })
            .map_err(failure::exchange)
    }

    /// Starts reading the file an evidence reference names, on a worker thread; a
    /// reference that names nothing comes back at once (a document number?), and so
    /// does a folder, a FIFO or a device (refused). One file at a time: starting
    /// another cancels the one before.
    fn start_digest(&mut self, job: u64, reference: &str) -> Option<Outcome> {
        let path = expand_home(reference);
        let shown = path.display().to_string();
        if let Some(old) = self.digest.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let at_once = |result| {
            Some(Outcome::Digested {
                job,
                path: shown.clone(),
                result,
            })
        };
        // Only a regular file is read: a FIFO or a device could block or never end.
        let file = match std::fs::metadata(&path) {
            Ok(m) => match failure::kind_of(&m) {
                None => File::open(&path).map(|f| (f, m.len())),
                Some(kind) => {
                    return at_once(Err(Failure::File {
                        path: shown.clone(),
                        problem: FileProblem::Special(kind),
                    }));
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => return at_once(Ok(Named::Nothing)),
            // A path through a file ("a.pdf/x") names nothing either.
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => {
                return at_once(Ok(Named::Nothing));
            }
            Err(e) => Err(e),
        };
        let (file, total) = match file {
            Ok(f) => f,
            Err(e) => return at_once(Err(failure::file_io(&shown, &e))),
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            job,
            path: shown.clone(),
            total,
            cancel: cancel.clone(),
            outbox: self.outbox.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("patuh-digest".into())
            .spawn(move || worker.run(file));
        match spawned {
            Ok(_) => {
                tracing::info!(job, path = %shown, total, "reading an evidence file");
                self.digest = Some(DigestJob { job, cancel });
                Some(Outcome::DigestProgress {
                    job,
                    done: 0,
                    total,
                })
            }
            Err(e) => at_once(Err(Failure::Other(e.to_string()))),
        }
    }

    /// Whether an evidence file is being read.
    pub fn digesting(&self) -> bool {
        self.digest.is_some()
    }

    /// The digest job reported its end.
    fn digest_ended(&mut self, job: u64) {
        self.digest.take_if(|d| d.job == job);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(d) = self.digest.take() {
            d.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// `~/x` as a path in the home dir; anything else as it is.
fn expand_home(reference: &str) -> PathBuf {
    match (reference.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ if reference == "~" => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(reference)),
        _ => PathBuf::from(reference),
    }
}

/// The paths that complete `typed` (as typed: `~/` stays), sorted, a folder ending in
/// `/`: the entries of its folder whose name starts with its last part. Hidden
/// entries only when the last part starts with a dot; an export is written into a
/// folder, so only folders and `.patuh` files are offered for it.
fn complete_path(typed: &str, purpose: PathFor) -> Vec<String> {
    let (dir_typed, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None if typed == "~" => ("~/", ""),
        None => ("", typed),
    };
    let dir = if dir_typed.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_typed)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            // Following a link: a link to a folder completes as a folder.
            let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            if purpose == PathFor::Export && !is_dir && !name.ends_with(".patuh") {
                return None;
            }
            Some(format!(
                "{dir_typed}{name}{}",
                if is_dir { "/" } else { "" }
            ))
        })
        .take(MAX_COMPLETIONS)
        .collect();
    out.sort();
    out
}

/// How often at most the worker reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Reads one evidence file and reports to the event loop.
struct Worker {
    job: u64,
    path: String,
    total: u64,
    cancel: Arc<AtomicBool>,
    outbox: Sender<Input>,
}

impl Worker {
    fn run(self, file: File) {
        let result = self.digest(file);
        if self.cancel.load(Ordering::Relaxed) {
            return;
        }
        let _ = self.outbox.send(Input::Outcome(Box::new(Outcome::Digested {
            job: self.job,
            path: self.path.clone(),
            result: result.map(Named::File),
        })));
    }

    /// Size and SHA-256 of the file, read in chunks; stops (with an error nobody
    /// reads) when cancelled.
    fn digest(&self, mut file: File) -> Result<FileDigest, Failure> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        let mut reported = Instant::now();
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Failure::Other("cancelled".into()));
            }
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(failure::file_io(&self.path, &e)),
            };
            size += n as u64;
            hasher.update(&buf[..n]);
            if reported.elapsed() >= PROGRESS_EVERY {
                reported = Instant::now();
                let progress = Outcome::DigestProgress {
                    job: self.job,
                    done: size,
                    total: self.total.max(size),
                };
                if self
                    .outbox
                    .send(Input::Outcome(Box::new(progress)))
                    .is_err()
                {
                    return Err(Failure::Other("the workstation stopped".into()));
                }
            }
        }
        Ok(FileDigest {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }
}

/// The state and the runtime together: every message is run to the end.
pub struct Workstation {
    pub app: App,
    pub runtime: Runtime,
    inbox: Receiver<Input>,
    outbox: Sender<Input>,
}

/// How a workstation opens its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Write,
    /// Another workstation has the file (named by `holder`, if known).
    ReadOnly {
        holder: Option<String>,
    },
}

impl Workstation {
    /// The workstation on an open store, where the assessor left off, in the language
    /// chosen last (else the config's, else `lang`); the signing key from the default
    /// keys folder.
    pub fn open(
        store: Store,
        config: Config,
        lang: Lang,
        theme: Theme,
        access: Access,
    ) -> crate::store::Result<Workstation> {
        Self::open_with_keys(store, config, lang, theme, access, None)
    }

    /// [`Workstation::open`] with the signing key in `keys` (None: the default folder).
    /// Without an assessor's name in the database or on a signing key, a workstation
    /// that may write asks for it first.
    pub fn open_with_keys(
        store: Store,
        mut config: Config,
        lang: Lang,
        theme: Theme,
        access: Access,
        keys: Option<PathBuf>,
    ) -> crate::store::Result<Workstation> {
        let ds = store.load()?;
        let (outbox, inbox) = mpsc::channel();
        let db_path = store.path().to_path_buf();
        let mut runtime = Runtime::new(store, outbox.clone());
        runtime.signing_keys = keys;
        let writable = access == Access::Write;
        let known = runtime.identify(writable);
        let who = runtime.store().who().to_string();
        if let Some(chosen) = runtime.stored_language() {
            config.lang = Some(chosen);
        }
        let at = runtime.position();
        let mut app = App::new(ds, config, lang, theme, db_path, who);
        app.previous = previous_cycle(runtime.store());
        app.trends = trends(runtime.store(), app.previous.as_ref());
        // What the central office returned and the assessor has not answered yet.
        match runtime.store().returned_items() {
            Ok(items) => app.set_returned(&items),
            Err(e) => tracing::warn!("cannot read the returned items: {e}"),
        }
        if let Access::ReadOnly { holder } = &access {
            app.set_read_only(holder.clone());
            runtime.watch_changes();
        }
        let mut ws = Workstation {
            app,
            runtime,
            inbox,
            outbox,
        };
        let effects = ws.app.resume(at);
        ws.run(effects);
        if writable && !known {
            let effects = ws.app.ask_assessor();
            ws.run(effects);
        }
        if let Access::ReadOnly { holder } = access {
            tracing::info!(?holder, "the database is open elsewhere: read-only");
            // Resuming says where; read-only says why nothing can be changed.
            ws.app.set_read_only(holder);
        }
        Ok(ws)
    }

    /// Where the input thread and background work send.
    pub fn sender(&self) -> Sender<Input> {
        self.outbox.clone()
    }

    /// Handles one message and everything it leads to.
    pub fn update(&mut self, msg: impl Into<Msg>) {
        let effects = self.app.update(msg);
        self.run(effects);
    }

    /// Carries out effects, feeding each outcome back, until none is left.
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            if let Some(outcome) = self.runtime.run(effect) {
                queue.extend(self.app.update(outcome));
            }
        }
    }

    /// Takes what arrived, waiting up to `timeout`: a terminal event is handed back
    /// to the caller (None: background work reported, and that is applied here).
    pub fn next_input(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<TerminalEvent>, RecvTimeoutError> {
        match self.inbox.recv_timeout(timeout)? {
            Input::Terminal(event) => Ok(Some(event)),
            Input::Outcome(o) => {
                if let Outcome::Digested { job, .. } = *o {
                    self.runtime.digest_ended(job);
                }
                self.update(Msg::Outcome(o));
                Ok(None)
            }
        }
    }

    /// What is waiting already, without waiting.
    pub fn try_input(&mut self) -> Option<Option<TerminalEvent>> {
        self.next_input(Duration::ZERO).ok()
    }

    /// Waits until the evidence file being read (if any) has been read and its outcome
    /// applied (for tests and benchmarks, which have no event loop).
    pub fn settle(&mut self) {
        while self.runtime.digesting() {
            match self.next_input(Duration::from_secs(60)) {
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    /// The periodic work of the event loop: the clock for the state (old messages
    /// go), and a read-only workstation's check for changes. Returns whether anything
    /// changed.
    pub fn tick(&mut self) -> bool {
        self.tick_at(Instant::now())
    }

    /// [`Workstation::tick`] at a given time (tests).
    pub fn tick_at(&mut self, now: Instant) -> bool {
        let status = self.app.status.clone();
        self.update(Msg::Tick(now));
        let mut changed = self.app.status != status;
        if let Some(outcome) = self.runtime.poll_changes() {
            self.update(outcome);
            changed = true;
        }
        changed
    }

    /// Before the workstation ends: the note being written is saved, the position
    /// remembered.
    pub fn shutdown(&mut self) {
        let effects = self.app.shutdown();
        self.run(effects);
    }
}

/// The cycle the store's cycle follows, loaded once through a second, read-only store
/// (its values and scores are shown beside the current ones, never changed). None when
/// it follows none; a failure to read it is logged, and the workstation goes on
/// without it.
fn previous_cycle(store: &Store) -> Option<crate::tui::app::Previous> {
    let follows = match store.cycles() {
        Ok(cycles) => {
            cycles
                .into_iter()
                .find(|c| c.code == store.cycle().code)?
                .follows?
        }
        Err(e) => {
            tracing::warn!("cannot read the cycles: {e}");
            return None;
        }
    };
    let loaded = Store::open_read_only(store.path()).and_then(|mut other| {
        other.use_cycle(&follows)?;
        other.load()
    });
    match loaded {
        Ok(ds) => Some(crate::tui::app::Previous::new(follows, ds)),
        Err(e) => {
            tracing::warn!(cycle = %follows, "cannot read the previous cycle: {e}");
            None
        }
    }
}

/// What each agency's trend needs besides the current cycle: the published scores and
/// every other cycle's points, each cycle read on its own through a second, read-only
/// store (the cycle followed taken from `previous`, read already). None when a part
/// cannot be read (logged; the workstation goes on without the trend).
fn trends(
    store: &Store,
    previous: Option<&crate::tui::app::Previous>,
) -> Option<crate::tui::app::Trends> {
    use crate::domain::history::{PointSource, TrendPoint};
    use crate::exchange::trend;
    let read = || -> crate::exchange::Result<crate::tui::app::Trends> {
        let mut out = crate::tui::app::Trends {
            current: store.cycle().code.clone(),
            cycles: trend::cycles_in_order(store.cycles()?),
            ..Default::default()
        };
        for h in store.history(None)? {
            out.published
                .entry(h.agency.clone())
                .or_default()
                .push(TrendPoint {
                    year: Some(h.year),
                    source: PointSource::Published,
                    score: h.score,
                    category: h.category,
                    incomplete: false,
                });
        }
        for cycle in &out.cycles {
            if cycle.code == out.current {
                continue;
            }
            let points = match previous {
                Some(p) if p.code == cycle.code => trend::agency_points(&p.ds, &p.book, cycle),
                _ => trend::points_of_cycle(Store::open_read_only(store.path())?, cycle)?,
            };
            for (agency, p) in points {
                out.points
                    .entry(agency)
                    .or_default()
                    .insert(cycle.code.clone(), p);
            }
        }
        Ok(out)
    };
    match read() {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("cannot read the agencies' trends: {e}");
            None
        }
    }
}
