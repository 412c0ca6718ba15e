//! The `patuh` binary: parse the command line, start logging, run, map errors to exit codes.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`patuh score | head`) like any Unix tool,
    // instead of panicking on the failed print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        // Past a file-size limit, let the write fail (SQLite then rolls back and we say
        // so) instead of being killed by SIGXFSZ half-way through.
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = patuh::cli::Cli::parse();
    patuh::logging::init(patuh::store::data_dir().as_deref());
    match patuh::commands::run_with(cli, Some(patuh::tui::run), Some(patuh::tui::review::run)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            // Not eprintln!: it panics when standard error is gone (a closed terminal).
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
