//! The errors of the store, the exchange layer and the file system as the state's
//! [`Failure`]s: typed where the workstation says them in its own words (both
//! languages, `tui/text.rs`), the library's English text kept only for what has no
//! words of its own (a bug, a constraint nobody expects).

use std::io;

use crate::exchange::ExchangeError;
use crate::fsio::FileError;
use crate::store::StoreError;
use crate::tui::effect::{Failure, FileKind, FileProblem};

pub(super) fn store(e: StoreError) -> Failure {
    match e {
        StoreError::DiskFull { .. } => Failure::DiskFull,
        StoreError::Busy { .. } | StoreError::InUse { .. } => Failure::Busy,
        StoreError::NotWritable { detail, .. } => Failure::NotWritable { detail },
        StoreError::DiskFailure { detail, .. } => Failure::DiskFailure { detail },
        StoreError::Corrupt { detail, .. } => Failure::Damaged { detail },
        StoreError::NotPatuh { reason, .. } => Failure::Damaged { detail: reason },
        StoreError::Finalized { product, .. } => Failure::Finalized { product },
        StoreError::Io { path, source } => file_io(&path.display().to_string(), &source),
        other => Failure::Other(other.to_string()),
    }
}

pub(super) fn exchange(e: ExchangeError) -> Failure {
    match e {
        ExchangeError::Store(s) => store(s),
        ExchangeError::File(f) => file(f),
        ExchangeError::Io { path, error } => file_io(&path.display().to_string(), &error),
        ExchangeError::Keys(detail) => Failure::KeyUnusable { detail },
        other => Failure::Other(other.to_string()),
    }
}

pub(super) fn file(e: FileError) -> Failure {
    let (path, problem) = match e {
        FileError::NotRegular { path, kind } | FileError::NotWritable { path, kind, .. } => {
            (path, FileProblem::Special(kind_of_words(kind)))
        }
        FileError::Symlink { path } => (path, FileProblem::Special(FileKind::Link)),
        FileError::Exposed { path, chmod, .. } => {
            let chmod = format!("chmod {chmod} {}", path.display());
            (path, FileProblem::Exposed { chmod })
        }
        FileError::Unreadable { path, source } | FileError::Io { path, source } => {
            return file_io(&path.display().to_string(), &source);
        }
        other @ FileError::TooLarge { .. } => return Failure::Other(other.to_string()),
    };
    Failure::File {
        path: path.display().to_string(),
        problem,
    }
}

/// An I/O error on a file.
pub(super) fn file_io(path: &str, e: &io::Error) -> Failure {
    let problem = match e.kind() {
        io::ErrorKind::NotFound => FileProblem::NotFound,
        io::ErrorKind::PermissionDenied => FileProblem::PermissionDenied,
        io::ErrorKind::IsADirectory => FileProblem::Special(FileKind::Folder),
        _ => FileProblem::Io(e.to_string()),
    };
    Failure::File {
        path: path.to_string(),
        problem,
    }
}

/// `crate::fsio`'s words for a kind of file, as a [`FileKind`].
fn kind_of_words(kind: &str) -> FileKind {
    match kind {
        "a folder" => FileKind::Folder,
        "a FIFO (named pipe)" => FileKind::Fifo,
        "a character device" | "a block device" => FileKind::Device,
        "a socket" => FileKind::Socket,
        "a symbolic link" => FileKind::Link,
        _ => FileKind::Other,
    }
}

/// The kind of a file that is not a regular one (None: a regular file).
pub(super) fn kind_of(meta: &std::fs::Metadata) -> Option<FileKind> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    Some(if t.is_file() {
        return None;
    } else if t.is_dir() {
        FileKind::Folder
    } else if t.is_fifo() {
        FileKind::Fifo
    } else if t.is_char_device() || t.is_block_device() {
        FileKind::Device
    } else if t.is_socket() {
        FileKind::Socket
    } else if t.is_symlink() {
        FileKind::Link
    } else {
        FileKind::Other
    })
}
