//! Safe access to the files a user names and the files patuh keeps: one place that
//! decides what may be read, what may be written over and which secrets may be used.
//!
//! - **Reading** ([`read`], [`read_secret`]): only a regular file, checked before it is
//!   opened (so that a device is never even opened) and again on the open descriptor
//!   (so that a file swapped in between is caught). The open is non-blocking, so a FIFO
//!   never holds patuh waiting for a writer, and every read is capped: a size known
//!   from `fstat` above the cap is refused before a byte is read, and a file growing
//!   while it is read is cut at the cap and refused. `/dev/zero`, a FIFO, a folder or
//!   a socket get a message naming the file, never an endless read or a hang.
//! - **Writing** ([`check_out`]): patuh writes a new file, or replaces a regular one
//!   (atomically, by `rename`); it never writes through or over a symbolic link, a
//!   device, a FIFO or a folder.
//! - **Secrets** (the assessor's signing key, the central office's age identity):
//!   refused when others may read or change the file (any group/other permission) or
//!   when others may change the folder holding it (group/other-writable: they could put
//!   another file in its place), with the `chmod` that fixes it. The path patuh chose
//!   itself (`keys/assessor.key`) is opened without following a symbolic link.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Instrument and assignment files (JSON text): far above any real one.
pub const MAX_TEXT_BYTES: u64 = crate::domain::json::MAX_FILE_BYTES as u64;
/// Export files: the nation's export is about 0.93 GB; twice that, rounded up.
pub const MAX_EXPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// A trusted keys file: one line (about 120 bytes) per registered assessor.
pub const MAX_TRUSTED_BYTES: u64 = 16 * 1024 * 1024;
/// A key or identity file: a few hundred bytes.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Why a file was not read or written. Every message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(
        "{}: is {kind}, not a regular file; patuh reads only regular files: name the file itself",
        path.display()
    )]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{}: is a symbolic link; patuh does not follow a link here (it could point anywhere): put the file itself there",
        path.display()
    )]
    Symlink { path: PathBuf },
    #[error(
        "{}: the file is {size} bytes, more than the {limit} patuh reads for {what}; is it the right file?",
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        what: &'static str,
    },
    #[error(
        "{}: is {kind}; patuh writes only a new file or over a regular file, never through a link or into a device: {fix}",
        path.display()
    )]
    NotWritable {
        path: PathBuf,
        kind: &'static str,
        fix: &'static str,
    },
    #[error(
        "{}: {what} can be {how} by others (mode {mode:03o}); make it private with `chmod {chmod} {}`",
        path.display(),
        path.display()
    )]
    Exposed {
        path: PathBuf,
        what: &'static str,
        how: &'static str,
        mode: u32,
        chmod: &'static str,
    },
    #[error("{}: cannot read the file: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn unreadable(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Unreadable {
        path: path.to_path_buf(),
        source,
    }
}

/// What a file is, in words, when it is not a regular file.
fn kind_of(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` for reading if it is a regular file: looked at before it is opened
/// and on the open descriptor. Non-blocking, so a FIFO swapped in between still does
/// not block. With `follow` false, a symbolic link (the last part of the path) is
/// refused rather than followed.
pub fn open_regular(path: &Path, follow: bool) -> Result<(File, Metadata), FileError> {
    let before = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(unreadable(path))?;
    if !follow && before.file_type().is_symlink() {
        return Err(FileError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if let Some(kind) = kind_of(&before) {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    let mut flags = libc::O_NONBLOCK;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) if !follow => FileError::Symlink {
                path: path.to_path_buf(),
            },
            _ => FileError::Unreadable {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
    let meta = file.metadata().map_err(unreadable(path))?;
    if let Some(kind) = kind_of(&meta) {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    Ok((file, meta))
}

/// Reads the whole of an open regular file, refusing more than `limit` bytes.
fn read_capped(
    path: &Path,
    mut file: File,
    meta: &Metadata,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, FileError> {
    let too_large = |size| FileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
        what,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the cap tells a file that grew while it was read.
    (&mut file)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable(path))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a file the user named (following a symbolic link to it): a regular file of
/// at most `limit` bytes. `what` names the kind of file in the message ("an export
/// file").
pub fn read(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let (file, meta) = open_regular(path, true)?;
    read_capped(path, file, &meta, limit, what)
}

/// Whether group or others may change `dir`.
fn check_private_dir(dir: &Path, what: &'static str) -> Result<(), FileError> {
    let meta = std::fs::metadata(dir).map_err(io(dir))?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(FileError::Exposed {
            path: dir.to_path_buf(),
            what,
            how: "changed",
            mode: mode & 0o777,
            chmod: "go-w",
        });
    }
    Ok(())
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a folder that group or others may change, for a secret kept (or about to be
/// written) in it: they could replace the secret with their own.
pub fn check_secret_folder(dir: &Path) -> Result<(), FileError> {
    check_private_dir(dir, "the folder of a private key")
}

/// Reads a secret (a private key, an identity): a regular file of at most
/// [`MAX_SECRET_BYTES`], with no group or other permission, in a folder that only its
/// owner may change. `follow` false for a path patuh chose itself.
pub fn read_secret(path: &Path, follow: bool) -> Result<Vec<u8>, FileError> {
    let (file, meta) = open_regular(path, follow)?;
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(FileError::Exposed {
            path: path.to_path_buf(),
            what: "the private key",
            how: if mode & 0o044 != 0 { "read" } else { "changed" },
            mode,
            chmod: "600",
        });
    }
    // The folder the file really is in: a link's target may lie elsewhere.
    let real = if follow {
        std::fs::canonicalize(path).map_err(unreadable(path))?
    } else {
        path.to_path_buf()
    };
    check_secret_folder(&folder_of(&real))?;
    read_capped(path, file, &meta, MAX_SECRET_BYTES, "a key file")
}

/// Checks that `path` may be written by replacing it: absent, or a regular file. A
/// symbolic link, a device, a FIFO, a socket or a folder is refused (patuh would
/// otherwise replace the link or the device node itself, or fail half-way).
pub fn check_out(path: &Path) -> Result<(), FileError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path)(e)),
    };
    let t = meta.file_type();
    let (kind, fix) = if t.is_file() {
        return Ok(());
    } else if t.is_symlink() {
        (
            "a symbolic link",
            "name the file itself, or remove the link first",
        )
    } else if t.is_dir() {
        ("a folder", "name a file in it")
    } else {
        (
            kind_of(&meta).unwrap_or("not a regular file"),
            "name a regular file",
        )
    };
    Err(FileError::NotWritable {
        path: path.to_path_buf(),
        kind,
        fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn only_regular_files_are_read_and_every_read_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        for (path, needle) in [
            (fifo.as_path(), "is a FIFO (named pipe), not a regular file"),
            (Path::new("/dev/zero"), "is a character device"),
            (link.as_path(), "is a character device"),
            (dir.path(), "is a folder"),
        ] {
            let e = read(path, 100, "a test file").unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
            assert!(e.contains(&path.display().to_string()), "{e}");
        }
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read(&file, 5, "x").unwrap(), b"12345");
        let e = read(&file, 4, "a test file").unwrap_err().to_string();
        assert!(e.contains("the file is 5 bytes, more than the 4"), "{e}");
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&file, &linked).unwrap();
        assert_eq!(read(&linked, 5, "x").unwrap(), b"12345");
        // Not followed where the path is patuh's own.
        assert!(matches!(
            open_regular(&linked, false),
            Err(FileError::Symlink { .. })
        ));
    }

    #[test]
    fn secrets_must_be_private_and_in_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        std::fs::write(&key, b"secret").unwrap();
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        set(dir.path(), 0o700);
        set(&key, 0o600);
        assert_eq!(read_secret(&key, false).unwrap(), b"secret");
        set(&key, 0o644);
        let e = read_secret(&key, false).unwrap_err().to_string();
        assert!(e.contains("can be read by others (mode 644)"), "{e}");
        assert!(e.contains("chmod 600"), "{e}");
        set(&key, 0o620);
        let e = read_secret(&key, false).unwrap_err().to_string();
        assert!(e.contains("can be changed by others (mode 620)"), "{e}");
        set(&key, 0o600);
        for mode in [0o777, 0o770, 0o1777, 0o702] {
            set(dir.path(), mode);
            let e = read_secret(&key, false).unwrap_err().to_string();
            assert!(e.contains("chmod go-w"), "{mode:o}: {e}");
        }
        set(dir.path(), 0o755);
        assert!(read_secret(&key, false).is_ok());
    }

    #[test]
    fn links_devices_and_folders_are_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_out(&dir.path().join("new")).is_ok());
        let file = dir.path().join("old");
        std::fs::write(&file, b"x").unwrap();
        assert!(check_out(&file).is_ok());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        for (path, needle) in [
            (link.as_path(), "is a symbolic link"),
            (Path::new("/dev/null"), "is a character device"),
            (fifo.as_path(), "is a FIFO"),
            (dir.path(), "is a folder"),
        ] {
            let e = check_out(path).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
