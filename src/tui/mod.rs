//! The assessor's workstation: a keyboard-driven terminal UI on the store and the
//! scoring engine, in three parts.
//!
//! - The state, pure: `app` (what is shown and known, a checklist for a node of any
//!   level — product, unit, agency — or one respondent's questionnaire, rosters of
//!   respondents; [`app::App::update`] takes a
//!   message and returns the [`effect::Effect`]s it asks for), `action` and `keymap`
//!   (keys -> actions, one table per mode), `editor` (text being typed), `help`,
//!   `layout`, `text` (both languages). No store, file, clock or terminal in them.
//! - The runtime, `runtime`: owns the store, carries out each effect (store writes,
//!   evidence files read on a worker thread, the export, the clock, the position) and
//!   feeds the outcome back; [`runtime::Workstation`] runs each message to the end.
//! - The reviewer's workstation on a central database (`review`: its own state,
//!   drawing and runtime, the same terminal handling).
//! - The terminal: [`run`] here and `terminal` set the terminal up, run the event loop
//!   (events in, the state drawn by `ui` whenever it changed) and restore it on every
//!   way out — quit, error, panic, SIGTERM, SIGHUP and a terminal that vanished — with
//!   a watchdog that ends the process within a second of a stop request.

pub mod action;
pub mod app;
pub mod editor;
pub mod effect;
pub mod help;
pub mod keymap;
pub mod layout;
pub mod review;
pub mod runtime;
mod terminal;
#[cfg(test)]
mod testing;
pub mod text;
pub mod theme;
pub mod ui;
pub mod wrap;

use std::io::{self, IsTerminal};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::domain::Lang;
use crate::store::Store;
use crate::store::lock::{self, Access};
use app::Msg;
use keymap::Config;
use runtime::TerminalEvent;
use runtime::Workstation;
use terminal::{Signals, TerminalGuard, TtyWatch};
use theme::Theme;

/// How long the loop waits for input before it checks signals and the terminal.
const TICK: Duration = Duration::from_millis(200);

/// How long a starting workstation waits for commands that are changing the database
/// (each holds it for a moment) before it opens read-only.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Opens the workstation on the database at `db` (which exists and is initialised).
pub fn run(db: &Path) -> Result<()> {
    if !io::stdout().is_terminal() {
        bail!(
            "the workstation needs a terminal, and the output is not one; \
             in scripts use the commands instead (`patuh score`, `patuh show`, `patuh record`)"
        );
    }
    let config = Config::load();
    // One workstation changes a file at a time; a second one only reads (see
    // store::lock). The lock is held until this function returns.
    let (store, _lock, access) = match lock::workstation(db, LOCK_WAIT)? {
        Access::Exclusive(guard) => (Store::open(db)?, Some(guard), runtime::Access::Write),
        Access::ReadOnly(holder) => (
            Store::open_read_only(db)?,
            None,
            runtime::Access::ReadOnly {
                holder: Some(holder.short()),
            },
        ),
        Access::Busy => (
            Store::open_read_only(db)?,
            None,
            runtime::Access::ReadOnly { holder: None },
        ),
    };
    let mut ws = Workstation::open(store, config, Lang::from_env(), Theme::from_env(), access)?;

    let signals = Signals::register().context("cannot set up the signal handlers")?;
    let hung_up = Arc::new(AtomicBool::new(false));
    let watch = TtyWatch::open();
    let (guard, mut terminal) = TerminalGuard::enter().context("cannot set up the terminal")?;
    if let Ok(size) = terminal.size() {
        ws.update(Msg::Resize(size.width, size.height));
    }
    terminal::spawn_reader(ws.sender(), hung_up.clone())?;
    terminal::start_watchdog(&signals, hung_up);
    tracing::info!(db = %db.display(), "workstation started");

    let mut dirty = true;
    let why = loop {
        if let Some(sig) = signals.received() {
            break format!("signal {sig}");
        }
        if dirty {
            let app = &ws.app;
            let drawn = terminal.draw(|f| {
                f.render_widget(app, f.area());
                if let Some(pos) = ui::cursor(app, f.area()) {
                    f.set_cursor_position(pos);
                }
            });
            if let Err(e) = drawn {
                break format!("the terminal cannot be written ({e})");
            }
            dirty = false;
        }
        if ws.app.quit {
            break "quit".into();
        }
        match ws.next_input(TICK) {
            Ok(input) => {
                if let Some(why) = handle(&mut ws, input) {
                    break why;
                }
                // Apply whatever else is already waiting before drawing again.
                let mut stop = None;
                while stop.is_none()
                    && !ws.app.quit
                    && let Some(input) = ws.try_input()
                {
                    stop = handle(&mut ws, input);
                }
                if let Some(why) = stop {
                    break why;
                }
                dirty = true;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break "the input ended".into(),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if watch.gone() {
                    break "the terminal hung up".into();
                }
                if ws.tick() {
                    dirty = true;
                }
            }
        }
    };
    tracing::info!(reason = %why, "workstation stopping");
    ws.shutdown();
    // ratatui shows a hidden cursor when its terminal is dropped and, if that fails (the
    // terminal is gone), reports it with eprintln!, which panics on a dead stderr: show it
    // here, and leave a terminal that cannot take it undropped (the process is ending).
    if terminal.show_cursor().is_ok() {
        drop(terminal);
    } else {
        std::mem::forget(terminal);
    }
    drop(guard);
    drop(signals);
    Ok(())
}

/// One input from the loop's channel: a terminal event, or None for background work
/// (already applied by [`Workstation::next_input`]); why the loop must stop, if it must.
fn handle(ws: &mut Workstation, input: Option<TerminalEvent>) -> Option<String> {
    match input {
        Some(Ok(event)) => {
            if let Some(msg) = Msg::from_event(event) {
                ws.update(msg);
            }
            None
        }
        Some(Err(e)) => Some(format!("the terminal cannot be read ({e})")),
        None => None,
    }
}
