//! Exchange between workstations and the central office: the assessor's signing key
//! (`keys`), the signed `patuh-export` file (`bundle` for its layout, `export` to
//! write it, `verify` to check every byte of it), optional age encryption (`crypt`),
//! consolidation into a central database (`merge`, kept to who assesses what by the
//! central assignment, `assign`) and the published reports (`report`, its metadata
//! table `report_about`, written by `report_out`); the central office's review of the
//! merged work and its signed return file (`review`), read on a workstation
//! (`inbox`). See docs/export-format.md and docs/review.md.
//!
//! Dependencies point one way: this layer uses `store` and `domain`, never the UI.

pub mod assign;
pub mod bundle;
pub mod bundle2;
pub mod crypt;
mod cut;
pub mod export;
pub mod flags;
pub mod inbox;
pub mod keys;
pub mod mentoring;
pub mod mentoring_out;
pub mod merge;
pub mod report;
pub mod report_about;
pub mod report_levels;
pub mod report_out;
pub mod review;
pub mod trend;
pub mod verify;
pub mod verify2;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// Why an export file, a key file or a merge was refused. Every message names the file
/// and what to do; `verify` and `central merge` print it after `error: FILE:`.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("the file is empty (0 bytes): it is not a patuh export, or the copy failed")]
    Empty,
    #[error(
        "the file is truncated: it ends at byte {at} before the export is complete (was the copy interrupted?); ask the assessor for the file again"
    )]
    Truncated { at: usize },
    #[error("the file is damaged or was altered: {detail}; ask the assessor for the file again")]
    Damaged { detail: String },
    #[error("not a patuh export file ({detail})")]
    NotExport { detail: String },
    #[error(
        "made by a newer patuh (export format version {found}; this patuh reads up to version {known}): update patuh to read it"
    )]
    NewerVersion { found: i64, known: i64 },
    #[error(
        "export format version {found} is not supported (this patuh reads versions 1 to {known})"
    )]
    UnsupportedVersion { found: i64, known: i64 },
    #[error(
        "the compressed payload ({compressed} bytes) would expand to {declared} bytes, more than the {limit} bytes \
         patuh accepts from one export: a decompression bomb, or not a file patuh made; nothing was expanded. \
         Do not use it; ask the assessor to export again (with --agency CODE for part of the work)"
    )]
    TooLarge {
        declared: u64,
        limit: u64,
        compressed: u64,
    },
    #[error(
        "bad signature: the payload or the signature was altered after the assessor signed it (signed by key {fingerprint}); do not use this file"
    )]
    BadSignature { fingerprint: String },
    #[error(
        "unknown key: the file is signed by key {fingerprint} ({name}, id {id}), which is not in the trusted keys file {trusted}; register the assessor's key (`patuh keys show --line`) there first"
    )]
    UntrustedKey {
        fingerprint: String,
        name: String,
        id: String,
        trusted: String,
    },
    #[error(
        "wrong key: key {fingerprint} is registered for assessor {registered} in {source_name}, but the file says it is from assessor {claimed}"
    )]
    WrongAssessor {
        fingerprint: String,
        registered: String,
        claimed: String,
        source_name: String,
    },
    #[error("{0}")]
    AuditChain(String),
    #[error(
        "score mismatch: {what} is exported as {exported} but the observations give {recomputed}; the file is inconsistent, do not use it"
    )]
    ScoreMismatch {
        what: String,
        exported: String,
        recomputed: String,
    },
    #[error("invalid content: {0}")]
    Invalid(String),
    #[error(
        "the file is encrypted for the central office (age); give the central office's identity file with --identity FILE"
    )]
    Encrypted,
    #[error("cannot decrypt: {0}")]
    Decrypt(String),
    #[error("{0}")]
    Keys(String),
    #[error(
        "replayed or out-of-date export: the central database already holds newer results of assessor {assessor} for every product in it (newest merged: exported {newest}); nothing changed"
    )]
    Replayed { assessor: String, newest: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file that is not read or written: not a regular file, too large, a secret
    /// others can read (`crate::fsio`).
    #[error(transparent)]
    File(#[from] crate::fsio::FileError),
}

pub type Result<T> = std::result::Result<T, ExchangeError>;

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ExchangeError + '_ {
    move |error| ExchangeError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Writes `bytes` to `path` completely or not at all: a temporary file in the same
/// folder, fsync, rename over `path`, fsync of the folder. `private` (a secret) gives
/// mode 0600 and refuses a folder others may change. `path` must be absent or a
/// regular file: a symbolic link, a device, a FIFO or a folder is refused
/// ([`crate::fsio::check_out`]), never replaced.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    write_atomic_with(path, private, |w| {
        w.write_all(bytes)?;
        Ok(bytes.len())
    })
    .map(|_| ())
}

/// [`write_atomic`] with the content written by `write` (buffered), which returns
/// how many bytes it wrote.
pub fn write_atomic_with(
    path: &Path,
    private: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<usize>,
) -> Result<usize> {
    write_atomic_file(path, private, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let written = write(&mut w)?;
        w.flush()?;
        Ok(written)
    })
}

/// [`write_atomic`] with the content written into the (new, empty) file by `write`,
/// which returns how many bytes it wrote.
pub fn write_atomic_file(
    path: &Path,
    private: bool,
    write: impl FnOnce(&File) -> std::io::Result<usize>,
) -> Result<usize> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ExchangeError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::other("not a file name"),
        })?;
    crate::fsio::check_out(path)?;
    if private {
        crate::fsio::check_secret_folder(&dir)?;
    }
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        // Errors name the file the user asked for, not the temporary one.
        let f = options.open(&tmp).map_err(io_err(path))?;
        let written = write(&f).map_err(io_err(path))?;
        f.sync_all().map_err(io_err(path))?;
        drop(f);
        // Looked at again just before the rename: something put there meanwhile (a
        // link to another file) is refused rather than replaced.
        crate::fsio::check_out(path)?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
