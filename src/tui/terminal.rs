//! The terminal, as the workstation's event loop (`tui/mod.rs`) uses it: raw mode and
//! the alternate screen undone on every way out (drop, panic), the thread that reads
//! its events without ever spinning on a dead one, the watch for a hang-up, the stop
//! signals, and the watchdog that ends the process within a second of a stop request
//! whatever the loop is doing.

use std::io::{self, IsTerminal, Stdout};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::runtime::Input;

/// The signals that end the workstation cleanly (the last change is always already
/// committed): a second one ends it at once.
const STOP_SIGNALS: [i32; 4] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
];

/// How long the watchdog gives the loop to end after a stop request (signal or
/// hang-up) before it ends the process itself.
const GRACE: Duration = Duration::from_millis(800);

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
pub fn spawn_reader(tx: Sender<Input>, hung_up: Arc<AtomicBool>) -> Result<()> {
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
                    if tx.send(Input::Terminal(event)).is_err() || failed {
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
                            if tx.send(Input::Terminal(event)).is_err() || failed {
                                return;
                            }
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let _ = tx.send(Input::Terminal(Err(e)));
                            return;
                        }
                    }
                }
                match wait_for_input(&tty, winch.as_ref()) {
                    // A resize: its size, read here. crossterm learns of a resize by a
                    // signal handler it sets up at its first poll, which a resize right
                    // at the start (the first frame drawn, this thread not yet polling)
                    // comes before; the screen then stayed at the old size. When
                    // crossterm saw it too, the same size comes twice: drawn once more.
                    Ok(true) => {
                        if let Ok((w, h)) = crossterm::terminal::size() {
                            let resize = crossterm::event::Event::Resize(w, h);
                            if tx.send(Input::Terminal(Ok(resize))).is_err() {
                                return;
                            }
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        hung_up.store(true, Ordering::Relaxed);
                        let _ = tx.send(Input::Terminal(Err(e)));
                        return;
                    }
                }
            }
        })
        .context("cannot start the input thread")?;
    Ok(())
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

/// Waits (up to a second) for input or a resize: true when the terminal was resized.
/// An error when the terminal hung up.
fn wait_for_input(
    tty: &impl AsRawFd,
    winch: Option<&std::os::unix::net::UnixStream>,
) -> io::Result<bool> {
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
            io::ErrorKind::Interrupted => Ok(false),
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
        let mut buf = [0u8; 64];
        while matches!(io::Read::read(&mut w, &mut buf), Ok(n) if n > 0) {}
        return Ok(true);
    }
    Ok(false)
}

/// The signal handlers: each stop signal sets a flag the loop (and the watchdog)
/// checks; a second one exits at once (status 1) in case the loop cannot.
pub struct Signals {
    which: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    pub fn register() -> io::Result<Signals> {
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

    pub fn received(&self) -> Option<usize> {
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
pub struct TtyWatch {
    fd: Option<RawFd>,
    _tty: Option<std::fs::File>,
}

impl TtyWatch {
    /// The same terminal crossterm reads: standard input if it is one, else /dev/tty.
    pub fn open() -> TtyWatch {
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
    pub fn gone(&self) -> bool {
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
pub struct TerminalGuard {
    previous_hook: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync>,
}

pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

impl TerminalGuard {
    pub fn enter() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
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

/// Ends the process when a stop was requested (a signal, or the terminal hung up) and
/// the loop has not ended within [`GRACE`]: the loop may be in the middle of a long
/// export or reload, and the workstation must not outlive its terminal or keep the
/// database's lock. Every change is its own transaction, so ending between two is
/// safe; the loop, when it does get there first, also saves the note being written.
pub fn start_watchdog(signals: &Signals, hung_up: Arc<AtomicBool>) {
    let which = signals.which.clone();
    let spawned = std::thread::Builder::new()
        .name("patuh-watchdog".into())
        .spawn(move || {
            let mut since: Option<Instant> = None;
            loop {
                std::thread::sleep(Duration::from_millis(50));
                let asked = which.load(Ordering::Relaxed) != 0 || hung_up.load(Ordering::Relaxed);
                match since {
                    None if asked => since = Some(Instant::now()),
                    Some(t) if t.elapsed() >= GRACE => {
                        tracing::warn!("the loop did not stop in time: ending the process");
                        restore_terminal();
                        std::process::exit(1);
                    }
                    _ => {}
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("no watchdog: {e}");
    }
}
