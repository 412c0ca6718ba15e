//! Logging with tracing to a file in the data dir, never to the terminal (the UI owns
//! it). `PATUH_LOG` sets the level (error, warn, info, debug, trace; default info).

use std::path::Path;

use tracing::Level;

/// Starts logging to `dir/patuh.log`. Failing to log never stops the program.
pub fn init(dir: Option<&Path>) {
    let Some(dir) = dir else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // The log names products and assessors: private like the database.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // The path is patuh's own: a link planted there is not followed (it would have
    // patuh append to another file), and a FIFO neither blocks nor is written.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let Ok(file) = options.open(dir.join("patuh.log")) else {
        return;
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return;
    }
    let level = std::env::var("PATUH_LOG")
        .ok()
        .and_then(|l| l.parse::<Level>().ok())
        .unwrap_or(Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
}
