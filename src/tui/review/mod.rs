//! The reviewer's workstation (`patuh review --db central.db`, issue 15): a minimal
//! screen on a central database, built as the assessor's workstation is — the state,
//! pure (`app`: keys and outcomes in, effects out), the drawing (`ui`), and here the
//! runtime that carries the effects out on the central database through
//! `crate::exchange::review` (each decision one transaction with its row in the
//! central log) and the event loop on the terminal (`tui::terminal`: restored on
//! every way out).
//!
//! It holds the database's lock for as long as it runs, as the assessor's workstation
//! does: merges and review commands are refused meanwhile (never interleaved). Its
//! keys are fixed (shown at the bottom); they are not in `config.toml` yet.

pub mod app;
pub mod ui;

use std::io::{self, IsTerminal};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Result, bail};
use crossterm::event::{Event, KeyEventKind};

use self::app::{CellView, ReviewApp, ReviewEffect, ReviewOutcome, Side, Submission};
use super::runtime::Input;
use super::terminal::{self, Signals, TerminalGuard, TtyWatch};
use crate::domain::model::{IndicatorIx, ScoreBook};
use crate::domain::text::sanitize;
use crate::domain::{Lang, Value};
use crate::exchange::review::{self as rv, Decided, Pick};
use crate::store::Store;
use crate::store::lock::{self, Access};

/// The reviewer's workstation's text.
pub fn text(lang: Lang) -> &'static crate::tui::text::ReviewText {
    crate::tui::text::review(lang)
}

/// Carries out the effects on the central database.
pub struct ReviewRuntime {
    store: Store,
}

impl ReviewRuntime {
    pub fn new(store: Store) -> ReviewRuntime {
        ReviewRuntime { store }
    }

    /// One effect; its outcome.
    pub fn run(&mut self, effect: ReviewEffect, lang: Lang) -> ReviewOutcome {
        let t = text(lang);
        let done =
            |r: crate::exchange::Result<String>| ReviewOutcome::Done(r.map_err(|e| e.to_string()));
        match effect {
            ReviewEffect::Reload => match self.submissions() {
                Ok(rows) => ReviewOutcome::Loaded(rows),
                Err(e) => ReviewOutcome::Done(Err(e.to_string())),
            },
            ReviewEffect::LoadCells { path } => match self.cells(&path, lang) {
                Ok(cells) => ReviewOutcome::Cells { path, cells },
                Err(e) => ReviewOutcome::Done(Err(e.to_string())),
            },
            ReviewEffect::Approve { path } => {
                done(rv::approve(&mut self.store, &path).map(|d| match d {
                    Decided::Changed(_) => format!("{}: {}", t.approved, sanitize(&path)),
                    Decided::Unchanged(_) => format!("{}: {}", t.approved_already, sanitize(&path)),
                }))
            }
            ReviewEffect::Return {
                path,
                indicator,
                comment,
            } => done(
                rv::return_node(&mut self.store, &path, indicator.as_deref(), &comment).map(|_| {
                    format!(
                        "{}: {}{}",
                        t.returned,
                        sanitize(&path),
                        indicator
                            .as_deref()
                            .map(|i| format!(" {}", sanitize(i)))
                            .unwrap_or_default()
                    )
                }),
            ),
            ReviewEffect::Take {
                path,
                indicator,
                assessor,
                reason,
            } => done(
                rv::resolve(
                    &mut self.store,
                    &path,
                    &indicator,
                    &Pick::Take(assessor.clone()),
                    &reason,
                )
                .map(|(old, new)| {
                    format!(
                        "{}: {} {} {} ({} -> {})",
                        t.taken,
                        sanitize(&path),
                        sanitize(&indicator),
                        sanitize(&assessor),
                        if old.is_empty() { "-" } else { &old },
                        if new.is_empty() { "-" } else { &new }
                    )
                }),
            ),
        }
    }

    /// Every product with results, by the assessor whose result counts, then path.
    pub fn submissions(&self) -> crate::store::Result<Vec<Submission>> {
        let entries = self.store.review_overview()?;
        let ds = self.store.load()?;
        let book = ScoreBook::compute(&ds);
        let mut out = Vec::new();
        for e in entries {
            if e.level != crate::domain::NodeLevel::Product {
                continue;
            }
            let Some(p) = ds.find_product(&e.path) else {
                continue;
            };
            let s = book.product_summary(p);
            out.push(Submission {
                name: ds.products[p].name.clone(),
                agency: ds.agencies[ds.agency_of_product(p)].code.clone(),
                conflicts: self.store.conflict_cells(e.node_id)?,
                path: e.path,
                assessors: e.assessors,
                state: e.state,
                answered: s.answered,
                total: s.total,
            });
        }
        out.sort_by(|a, b| {
            (a.assessors.first(), &a.agency, &a.path).cmp(&(
                b.assessors.first(),
                &b.agency,
                &b.path,
            ))
        });
        Ok(out)
    }

    /// A product's answers side by side, every indicator of its instrument.
    pub fn cells(&self, path: &str, lang: Lang) -> crate::store::Result<Vec<CellView>> {
        let na = crate::tui::text::ui(lang).na;
        let node = self.store.node(path)?;
        let ds = self.store.load()?;
        let p = ds.find_product(path).ok_or_else(|| {
            crate::store::StoreError::Refused(format!("no product {}", sanitize(path)))
        })?;
        let instrument = ds.instrument_of_product(p);
        let conflicts = self.store.conflict_cells(node.db_id)?;
        let resolutions = self.store.resolutions(node.db_id)?;
        let mut out = Vec::new();
        for (i, ind) in instrument.indicators.iter().enumerate() {
            let shown = |v: Value| crate::tui::ui::value_box(v, ind.max, na).trim().to_string();
            let sides = self
                .store
                .cell_results(node.db_id, &ind.id)?
                .into_iter()
                .map(|c| Side {
                    value: shown(match (c.na, c.value) {
                        (true, _) => Value::NotApplicable,
                        (false, Some(v)) => Value::level(v),
                        _ => Value::Unanswered,
                    }),
                    assessor: c.assessor_id,
                    note: c.note,
                    evidence: c.evidence,
                })
                .collect();
            out.push(CellView {
                label: ind.label.get(lang).to_string(),
                used: shown(ds.products[p].value(IndicatorIx::new(i))),
                resolved: resolutions.iter().find(|r| r.indicator == ind.id).map(|r| {
                    format!(
                        "{} ({})",
                        r.take
                            .clone()
                            .or_else(|| r.value.map(|v| v.to_string()))
                            .unwrap_or_default(),
                        r.reason
                    )
                }),
                conflict: conflicts.contains(&ind.id),
                sides,
                indicator: ind.id.clone(),
            });
        }
        Ok(out)
    }
}

/// How long the reviewer's workstation waits for a command holding the database.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Opens the reviewer's workstation on the central database at `db`.
pub fn run(db: &Path) -> Result<()> {
    if !io::stdout().is_terminal() {
        bail!(
            "the reviewer's workstation needs a terminal, and the output is not one; \
             in scripts use the review commands (`patuh review list`, `approve`, `return`, `resolve`)"
        );
    }
    let _lock = match lock::workstation(db, LOCK_WAIT)? {
        Access::Exclusive(guard) => guard,
        Access::ReadOnly(holder) => bail!(
            "{}: open in another workstation ({holder}); review there, or close it first",
            db.display()
        ),
        Access::Busy => bail!(
            "{}: a merge or a review command is running on it; try again when it is done",
            db.display()
        ),
    };
    let store = Store::open(db)?;
    rv::require_central(&store)?;
    let lang = crate::tui::keymap::Config::load()
        .lang
        .unwrap_or_else(Lang::from_env);
    let mut app = ReviewApp::new(lang);
    let mut runtime = ReviewRuntime::new(store);
    let mut pending = vec![ReviewEffect::Reload];
    let run_all = |app: &mut ReviewApp, runtime: &mut ReviewRuntime, effects: Vec<ReviewEffect>| {
        let mut queue: std::collections::VecDeque<ReviewEffect> = effects.into();
        while let Some(e) = queue.pop_front() {
            let o = runtime.run(e, app.lang);
            queue.extend(app.outcome(o));
        }
    };
    run_all(&mut app, &mut runtime, std::mem::take(&mut pending));

    let signals = Signals::register()?;
    let hung_up = Arc::new(AtomicBool::new(false));
    let watch = TtyWatch::open();
    let (guard, mut term) = TerminalGuard::enter()?;
    if let Ok(size) = term.size() {
        app.size = (size.width, size.height);
    }
    let (tx, rx) = mpsc::channel::<Input>();
    terminal::spawn_reader(tx, hung_up.clone())?;
    terminal::start_watchdog(&signals, hung_up);
    tracing::info!(db = %db.display(), "reviewer's workstation started");
    let mut dirty = true;
    let why = loop {
        if let Some(sig) = signals.received() {
            break format!("signal {sig}");
        }
        if app.quit {
            break "quit".into();
        }
        if dirty {
            if let Err(e) = term.draw(|f| f.render_widget(&app, f.area())) {
                break format!("the terminal cannot be written ({e})");
            }
            dirty = false;
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Input::Terminal(Ok(event))) => {
                let effects = match event {
                    Event::Key(k) if k.kind != KeyEventKind::Release => app.key(k),
                    Event::Paste(text) => {
                        app.paste(&text);
                        Vec::new()
                    }
                    Event::Resize(w, h) => {
                        app.size = (w, h);
                        Vec::new()
                    }
                    _ => Vec::new(),
                };
                run_all(&mut app, &mut runtime, effects);
                dirty = true;
            }
            Ok(Input::Terminal(Err(e))) => break format!("the terminal cannot be read ({e})"),
            Ok(Input::Outcome(_)) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break "the input ended".into(),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if watch.gone() {
                    break "the terminal hung up".into();
                }
            }
        }
    };
    tracing::info!(reason = %why, "reviewer's workstation stopping");
    if term.show_cursor().is_ok() {
        drop(term);
    } else {
        std::mem::forget(term);
    }
    drop(guard);
    drop(signals);
    Ok(())
}
