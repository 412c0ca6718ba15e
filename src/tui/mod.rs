//! The assessor's workstation: a keyboard-driven terminal UI on the store and the
//! scoring engine. [`run`] owns the terminal: it sets it up, runs the event loop and
//! restores it on every way out — quit, error, panic, SIGTERM, SIGHUP and a terminal
//! that vanished. Everything else is pure: `app` (state + `update`), `keymap` and
//! `action` (keys -> actions), `ui` (drawing), `theme`, `text` (both languages).

pub mod action;
pub mod app;
pub mod editor;
pub mod keymap;
#[cfg(test)]
mod testing;
pub mod text;
pub mod theme;
pub mod ui;

use std::io::{self, IsTerminal, Stdout};
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::domain::Lang;
use crate::store::Store;
use crate::store::lock::{self, Access};
use app::App;
use keymap::Config;
use theme::Theme;

/// How long the loop waits for a key before it checks signals and the terminal.
const TICK: Duration = Duration::from_millis(200);

/// How long a starting workstation waits for commands that are changing the database
/// (each holds it for a moment) before it opens read-only.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// The signals that end the workstation cleanly (the last change is always already
/// committed): a second one ends it at once.
const STOP_SIGNALS: [i32; 4] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
];

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
    let (store, _lock, read_only) = match lock::workstation(db, LOCK_WAIT)? {
        Access::Exclusive(guard) => (Store::open(db)?, Some(guard), None),
        Access::ReadOnly(holder) => (Store::open_read_only(db)?, None, Some(Some(holder.short()))),
        Access::Busy => (Store::open_read_only(db)?, None, Some(None)),
    };
    let mut app = App::new(store, config, Lang::from_env(), Theme::from_env())?;
    if let Some(holder) = read_only {
        tracing::info!(?holder, "the database is open elsewhere: read-only");
        app.set_read_only(holder);
    }

    let signals = Signals::register().context("cannot set up the signal handlers")?;
    let watch = TtyWatch::open();
    let (guard, mut terminal) = TerminalGuard::enter().context("cannot set up the terminal")?;
    if let Ok(size) = terminal.size() {
        app.resize(size.width, size.height);
    }
    let events = spawn_reader()?;
    tracing::info!(db = %db.display(), "workstation started");

    let mut dirty = true;
    let why = loop {
        if let Some(sig) = signals.received() {
            break format!("signal {sig}");
        }
        if dirty {
            let drawn = terminal.draw(|f| {
                f.render_widget(&app, f.area());
                if let Some(pos) = ui::cursor(&app, f.area()) {
                    f.set_cursor_position(pos);
                }
            });
            if let Err(e) = drawn {
                break format!("the terminal cannot be written ({e})");
            }
            dirty = false;
        }
        if app.quit {
            break "quit".into();
        }
        match events.recv_timeout(TICK) {
            Ok(Ok(event)) => {
                app.handle_event(event);
                // Apply whatever else is already waiting before drawing again.
                while !app.quit
                    && let Ok(Ok(event)) = events.try_recv()
                {
                    app.handle_event(event);
                }
                dirty = true;
            }
            Ok(Err(e)) => break format!("the terminal cannot be read ({e})"),
            Err(mpsc::RecvTimeoutError::Disconnected) => break "the input ended".into(),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if watch.gone() {
                    break "the terminal hung up".into();
                }
                if app.refresh() {
                    dirty = true;
                }
            }
        }
    };
    tracing::info!(reason = %why, "workstation stopping");
    app.shutdown();
    drop(terminal);
    drop(guard);
    drop(signals);
    Ok(())
}

/// Reads terminal events on a thread of its own, so that the loop never blocks in a
/// read: if the terminal vanishes, the loop notices (signal, hang-up, or an error)
/// and the process ends instead of spinning on a dead file descriptor.
///
/// crossterm's readers spin on a terminal that is gone (they retry at once on
/// end-of-file or EIO; the default one never returns then, even from a poll with a
/// timeout: crossterm-rs/crossterm#793, 0.29). So this thread waits in poll(2) on the
/// terminal itself (and on SIGWINCH), ends with an error the loop acts on at once
/// when the terminal hangs up, and asks crossterm only with a short timeout, which
/// its `/dev/tty` reader (feature `use-dev-tty`, level-triggered) honours.
fn spawn_reader() -> Result<mpsc::Receiver<io::Result<Event>>> {
    let (tx, rx) = mpsc::channel();
    let tty = terminal_fd();
    let winch = winch_pipe();
    std::thread::Builder::new()
        .name("patuh-input".into())
        .spawn(move || {
            let Some(tty) = tty else {
                // No terminal descriptor to watch: let crossterm wait.
                loop {
                    let event = crossterm::event::read();
                    let failed = event.is_err();
                    if tx.send(event).is_err() || failed {
                        return;
                    }
                }
            };
            loop {
                // Whatever crossterm has or can read now (keys, pasted text, resizes).
                loop {
                    match crossterm::event::poll(Duration::from_millis(1)) {
                        Ok(true) => {
                            let event = crossterm::event::read();
                            let failed = event.is_err();
                            if tx.send(event).is_err() || failed {
                                return;
                            }
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
                if let Err(e) = wait_for_input(&tty, winch.as_ref()) {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        })
        .context("cannot start the input thread")?;
    Ok(rx)
}

/// The terminal crossterm reads (standard input if it is one, else /dev/tty), as a
/// descriptor of our own.
fn terminal_fd() -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::AsFd;
    if io::stdin().is_terminal() {
        return io::stdin().as_fd().try_clone_to_owned().ok();
    }
    std::fs::File::open("/dev/tty").ok().map(Into::into)
}

/// A pipe that becomes readable on SIGWINCH, so that a resize wakes the input thread.
fn winch_pipe() -> Option<std::os::unix::net::UnixStream> {
    let (read, write) = std::os::unix::net::UnixStream::pair().ok()?;
    read.set_nonblocking(true).ok()?;
    write.set_nonblocking(true).ok()?;
    signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, write).ok()?;
    Some(read)
}

/// Waits (up to a second) for input or a resize. An error when the terminal hung up.
fn wait_for_input(
    tty: &impl AsRawFd,
    winch: Option<&std::os::unix::net::UnixStream>,
) -> io::Result<()> {
    let mut fds = [
        libc::pollfd {
            fd: tty.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: winch.map(|w| w.as_raw_fd()).unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: two valid pollfds (a negative fd is ignored by poll).
    let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, 1000) };
    if r < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::Interrupted => Ok(()),
            _ => Err(e),
        };
    }
    if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the terminal hung up",
        ));
    }
    if fds[1].revents & libc::POLLIN != 0
        && let Some(mut w) = winch
    {
        // Drain it; crossterm sees the signal through its own pipe.
        let mut buf = [0u8; 64];
        while matches!(io::Read::read(&mut w, &mut buf), Ok(n) if n > 0) {}
    }
    Ok(())
}

/// The signal handlers: each stop signal sets a flag the loop checks; a second one
/// exits at once (status 1) in case the loop cannot.
struct Signals {
    which: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn register() -> io::Result<Signals> {
        let which = Arc::new(AtomicUsize::new(0));
        let armed = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for sig in STOP_SIGNALS {
            ids.push(signal_hook::flag::register_conditional_shutdown(
                sig,
                1,
                armed.clone(),
            )?);
            ids.push(signal_hook::flag::register(sig, armed.clone())?);
            ids.push(signal_hook::flag::register_usize(
                sig,
                which.clone(),
                sig as usize,
            )?);
        }
        Ok(Signals { which, ids })
    }

    fn received(&self) -> Option<usize> {
        match self.which.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Watches the terminal the keys come from for a hang-up.
struct TtyWatch {
    fd: Option<RawFd>,
    _tty: Option<std::fs::File>,
}

impl TtyWatch {
    /// The same terminal crossterm reads: standard input if it is one, else /dev/tty.
    fn open() -> TtyWatch {
        if io::stdin().is_terminal() {
            return TtyWatch {
                fd: Some(io::stdin().as_raw_fd()),
                _tty: None,
            };
        }
        match std::fs::File::open("/dev/tty") {
            Ok(f) => TtyWatch {
                fd: Some(f.as_raw_fd()),
                _tty: Some(f),
            },
            Err(_) => TtyWatch {
                fd: None,
                _tty: None,
            },
        }
    }

    /// Whether the terminal hung up or went away.
    fn gone(&self) -> bool {
        let Some(fd) = self.fd else { return false };
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no timeout.
        let r = unsafe { libc::poll(&mut p, 1, 0) };
        if r < 0 {
            return io::Error::last_os_error().kind() != io::ErrorKind::Interrupted;
        }
        p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
    }
}

/// Raw mode, the alternate screen, bracketed paste and a hidden cursor while it
/// lives; all undone when it drops, and by the panic hook it installs.
struct TerminalGuard {
    previous_hook: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>,
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

impl TerminalGuard {
    fn enter() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
        let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
            std::panic::take_hook().into();
        let chained = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            tracing::error!("panic: {info}");
            chained(info);
        }));
        let guard = TerminalGuard {
            previous_hook: previous,
        };
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
        // The hook cannot be changed while unwinding from a panic (that would abort);
        // then the process is ending anyway.
        if !std::thread::panicking() {
            let previous = self.previous_hook.clone();
            let _ours = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}
