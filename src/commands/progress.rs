//! Progress on standard error for the commands that can take a while (`gen`, `export`,
//! `verify`, `central merge`, `report`): a bar when the amount of work is known, else a
//! spinner with the elapsed time. Drawn only when standard error is a terminal, and
//! only once the work has taken a second: a quick command, a script, a pipe or a test
//! sees nothing of it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long the work runs before the progress is drawn.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether progress may be drawn at all: only on a terminal.
pub fn wanted(stderr_is_terminal: bool) -> bool {
    stderr_is_terminal
}

/// Whether progress is drawn after `elapsed` of work (see [`DELAY`]).
pub fn due(stderr_is_terminal: bool, elapsed: Duration) -> bool {
    wanted(stderr_is_terminal) && elapsed >= DELAY
}

const BAR: &str = "{bar:30} {pos}/{len} {elapsed} {wide_msg}";
const SPINNER: &str = "{spinner} {elapsed} {wide_msg}";

fn set_style(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
}

/// A progress bar or spinner that appears only when [`due`].
pub struct Progress {
    bar: ProgressBar,
    done: Arc<AtomicBool>,
}

impl Progress {
    /// A bar of `len` steps, or a spinner when `len` is None, saying `message`.
    pub fn start(len: Option<u64>, message: &str) -> Progress {
        let bar = match len {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::hidden()),
            None => ProgressBar::hidden(),
        };
        set_style(&bar, if len.is_some() { BAR } else { SPINNER });
        bar.set_message(message.to_string());
        let done = Arc::new(AtomicBool::new(false));
        if wanted(std::io::stderr().is_terminal()) {
            let (bar, done) = (bar.clone(), done.clone());
            let started = Instant::now();
            // Waits out the delay, then shows the bar (unless the work ended first).
            let _ = std::thread::Builder::new()
                .name("patuh-progress".into())
                .spawn(move || {
                    while !due(true, started.elapsed()) {
                        if done.load(Ordering::Relaxed) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    if !done.load(Ordering::Relaxed) {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                        bar.enable_steady_tick(Duration::from_millis(120));
                    }
                });
        }
        Progress { bar, done }
    }

    pub fn set_message(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// Turns a spinner into a bar of `len` steps.
    pub fn set_length(&self, len: u64) {
        self.bar.set_length(len);
        set_style(&self.bar, BAR);
    }

    pub fn set_position(&self, pos: u64) {
        self.bar.set_position(pos);
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Runs `f` (which prints) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar; what was printed stays.
    pub fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_only_on_a_terminal_and_only_after_a_second() {
        assert!(!due(false, Duration::from_secs(60)), "never off a terminal");
        assert!(!due(true, Duration::from_millis(999)));
        assert!(due(true, Duration::from_secs(1)));
    }
}
