//! Who may change a database file while a workstation has it open. SQLite already
//! serialises the writes themselves; this lock keeps what a workstation shows true:
//! its screen holds the data in memory, so a second writer on the same file would make
//! it show stale values and scores (and a second workstation would write over a
//! colleague's changes without either seeing the other's).
//!
//! An advisory lock (`flock`) on the sidecar file `<db>.lock`:
//! - the workstation holds it exclusively for as long as it runs, and writes its
//!   process id, user and start time into the file so that others can name it;
//! - a command that changes the database (`record`, the imports, `init`) holds it
//!   shared for the length of its change, and is refused while a workstation holds it;
//!   commands that only read take no lock at all;
//! - a command that changes a central database (a merge, a review decision, a return
//!   file, a revocation) holds it exclusively, as a workstation does, for the whole
//!   command ([`central`]): two merges, or a merge and a review, never interleave; the
//!   second waits for the first, and is refused while a reviewer's workstation has
//!   the file open.
//!
//! The kernel releases the lock when the process ends, however it ends (SIGKILL, a
//! crash, a closed ssh session), so a lock is never stale. The file itself is never
//! deleted: deleting it would let two processes lock two different files.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Result, StoreError};

/// The lock file of a database: `<db>.lock` beside it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// A lock held until it drops (closing the file releases it).
#[derive(Debug)]
pub struct LockGuard {
    file: Option<File>,
}

impl LockGuard {
    /// Whether a lock is actually held (false where no lock file could be opened).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

/// Who holds the workstation lock, as far as its lock file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    pub user: Option<String>,
    pub since: Option<String>,
    /// The command holding a central database ([`central`]); None for a workstation.
    pub command: Option<String>,
}

impl Holder {
    fn parse(text: &str) -> Holder {
        let mut h = Holder::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            // The file is written by patuh, but anyone could have edited it: keep what is
            // shown of it short and printable.
            let v: String = crate::domain::text::sanitize(v.trim())
                .chars()
                .take(64)
                .collect();
            match k.trim() {
                "pid" => h.pid = v.parse().ok(),
                "user" if !v.is_empty() => h.user = Some(v),
                "since" if !v.is_empty() => h.since = Some(v),
                "command" if !v.is_empty() => h.command = Some(v),
                _ => {}
            }
        }
        h
    }
}

impl Holder {
    /// "process 1234 (siti)": short enough for a status bar.
    pub fn short(&self) -> String {
        let process = match self.pid {
            Some(pid) => format!("process {pid}"),
            None => "process unknown".into(),
        };
        match &self.user {
            Some(u) => format!("{process} ({u})"),
            None => process,
        }
    }
}

impl fmt::Display for Holder {
    /// "process 1234, user siti, since 2025-03-01T08:00:00Z", or what of it is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(pid) = self.pid {
            parts.push(format!("process {pid}"));
        }
        if let Some(u) = &self.user {
            parts.push(format!("user {u}"));
        }
        if let Some(s) = &self.since {
            parts.push(format!("since {s}"));
        }
        if let Some(c) = &self.command {
            parts.push(format!("running `patuh {c}`"));
        }
        if parts.is_empty() {
            f.write_str("process unknown")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What a starting workstation gets.
#[derive(Debug)]
pub enum Access {
    /// The database is this workstation's to change until the guard drops.
    Exclusive(LockGuard),
    /// Another workstation has it: this one may only read.
    ReadOnly(Holder),
    /// Commands kept changing it for longer than a workstation waits: read only.
    Busy,
}

enum Try {
    Got,
    WouldBlock,
}

fn flock(file: &File, op: libc::c_int) -> std::io::Result<Try> {
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        let r = unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) };
        if r == 0 {
            return Ok(Try::Got);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(Try::WouldBlock),
            _ => return Err(e),
        }
    }
}

/// Opens (creating, mode 0600) the lock file; read-only if it exists but cannot be
/// written (flock works on either). None where there is no lock file and none can be
/// made (a read-only folder): then SQLite alone decides what can be written.
///
/// The path is patuh's own, so it is opened without following a symbolic link and
/// without blocking, and must be a regular file: a link planted as `<db>.lock` would
/// otherwise have the workstation truncate whatever it points to, and a FIFO would
/// hold every command.
fn open(db: &Path) -> Result<Option<File>> {
    let path = lock_path(db);
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, flags);
    let file = match options.open(&path) {
        Ok(f) => Ok(f),
        Err(e) => {
            tracing::debug!(path = %path.display(), "lock file not writable: {e}");
            let mut options = OpenOptions::new();
            options.read(true);
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, flags);
            options.open(&path)
        }
    };
    let file = match file {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(not_plain(&path, "a symbolic link"));
        }
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => {
            tracing::warn!(path = %path.display(), "no lock file can be made here: {e}");
            return Ok(None);
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            tracing::warn!(path = %path.display(), "the lock file cannot be opened: {e}");
            return Ok(None);
        }
        Err(source) => return Err(StoreError::Io { path, source }),
    };
    let meta = file.metadata().map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    if !meta.file_type().is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return Err(not_plain(&path, kind));
    }
    Ok(Some(file))
}

fn not_plain(path: &Path, kind: &str) -> StoreError {
    StoreError::Refused(format!(
        "{}: the lock file is {kind}; patuh uses only a regular file of its own there and never follows a link. \
         Remove it (`rm {}`) and try again; patuh makes a new one",
        path.display(),
        path.display()
    ))
}

fn read_holder(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(4096).read_to_string(&mut text);
    Holder::parse(&text)
}

/// The lock for a command that changes the database: shared with other such
/// commands, refused while a workstation has the file open.
pub fn writer(db: &Path) -> Result<LockGuard> {
    let io = |source| StoreError::Io {
        path: lock_path(db),
        source,
    };
    let Some(mut file) = open(db)? else {
        return Ok(LockGuard { file: None });
    };
    match flock(&file, libc::LOCK_SH).map_err(io)? {
        Try::Got => Ok(LockGuard { file: Some(file) }),
        Try::WouldBlock => Err(StoreError::InUse {
            path: db.to_path_buf(),
            holder: read_holder(&mut file).to_string(),
        }),
    }
}

/// How long a central command waits for a holder that looks like a workstation (its
/// lock file names no command) before it says so: the file may still hold the text
/// of an earlier holder for the moment between a command's lock and its writing.
const WORKSTATION_GRACE: Duration = Duration::from_secs(1);

/// Writes who holds the lock into the lock file (never into a file with other names:
/// a hard link planted there would have another file changed). Failing to write only
/// loses the name.
fn write_holder(file: &mut File, command: Option<&str>) {
    let mut text = format!(
        "pid={}\nuser={}\nsince={}\n",
        std::process::id(),
        super::os_user().unwrap_or_default(),
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    );
    if let Some(c) = command {
        text.push_str(&format!("command={c}\n"));
    }
    let single = file
        .metadata()
        .is_ok_and(|m| std::os::unix::fs::MetadataExt::nlink(&m) == 1);
    let written = single
        .then_some(())
        .ok_or_else(|| std::io::Error::other("the lock file has other names"))
        .and_then(|_| file.set_len(0))
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(text.as_bytes()));
    if let Err(e) = written {
        tracing::debug!("cannot write the lock file: {e}");
    }
}

/// The lock for a command that changes a central database (`command`, e.g. `central
/// merge`): exclusive, for as long as the command runs. While another such command
/// holds it, or commands hold it shared for a moment, it waits (calling `waiting`
/// once with the holder, to say so); while a workstation (a reviewer's) has the file
/// open, it is refused, naming it.
pub fn central(db: &Path, command: &str, waiting: impl FnOnce(&Holder)) -> Result<LockGuard> {
    let io = |source| StoreError::Io {
        path: lock_path(db),
        source,
    };
    let Some(mut file) = open(db)? else {
        return Ok(LockGuard { file: None });
    };
    let mut waiting = Some(waiting);
    let mut workstation_since: Option<Instant> = None;
    loop {
        if let Try::Got = flock(&file, libc::LOCK_EX).map_err(io)? {
            write_holder(&mut file, Some(command));
            return Ok(LockGuard { file: Some(file) });
        }
        let exclusive = match flock(&file, libc::LOCK_SH).map_err(io)? {
            Try::WouldBlock => true,
            Try::Got => {
                // SAFETY: releasing the probe lock on our own descriptor.
                unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
                false
            }
        };
        let holder = read_holder(&mut file);
        if exclusive && holder.command.is_none() {
            let since = *workstation_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= WORKSTATION_GRACE {
                return Err(StoreError::InUse {
                    path: db.to_path_buf(),
                    holder: holder.to_string(),
                });
            }
        } else {
            workstation_since = None;
            if let Some(w) = waiting.take() {
                w(&holder);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lock for a workstation: exclusive if it can be had within `wait` (commands
/// hold it for a moment only); else read-only access, naming the workstation that
/// has the file.
pub fn workstation(db: &Path, wait: Duration) -> Result<Access> {
    let io = |source| StoreError::Io {
        path: lock_path(db),
        source,
    };
    let Some(mut file) = open(db)? else {
        return Ok(Access::Exclusive(LockGuard { file: None }));
    };
    let start = Instant::now();
    loop {
        if let Try::Got = flock(&file, libc::LOCK_EX).map_err(io)? {
            // Say who has it. Failing to write (a read-only lock file) only loses the
            // name.
            write_holder(&mut file, None);
            return Ok(Access::Exclusive(LockGuard { file: Some(file) }));
        }
        // Held: by a workstation (exclusively) or by commands (shared)? A shared
        // lock of our own tells them apart.
        match flock(&file, libc::LOCK_SH).map_err(io)? {
            Try::WouldBlock => return Ok(Access::ReadOnly(read_holder(&mut file))),
            Try::Got => {
                // SAFETY: releasing the probe lock on our own descriptor.
                unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
                if start.elapsed() >= wait {
                    return Ok(Access::Busy);
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workstation_excludes_writers_and_other_workstations() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let Access::Exclusive(ws) = workstation(&db, Duration::ZERO).unwrap() else {
            panic!("first workstation not exclusive");
        };
        assert!(ws.is_held());
        match workstation(&db, Duration::ZERO).unwrap() {
            Access::ReadOnly(h) => assert_eq!(h.pid, Some(std::process::id())),
            other => panic!("{other:?}"),
        }
        match writer(&db) {
            Err(StoreError::InUse { holder, .. }) => {
                assert!(holder.contains(&format!("process {}", std::process::id())))
            }
            other => panic!("{other:?}"),
        }
        drop(ws);
        let w1 = writer(&db).unwrap();
        let w2 = writer(&db).unwrap();
        assert!(matches!(
            workstation(&db, Duration::from_millis(60)).unwrap(),
            Access::Busy
        ));
        drop((w1, w2));
        assert!(matches!(
            workstation(&db, Duration::ZERO).unwrap(),
            Access::Exclusive(_)
        ));
    }

    #[test]
    fn a_lock_file_that_is_a_link_a_fifo_or_a_folder_is_refused_and_nothing_is_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, lock_path(&db)).unwrap();
        for result in [
            workstation(&db, Duration::ZERO).map(|_| ()),
            writer(&db).map(|_| ()),
        ] {
            let e = result.unwrap_err().to_string();
            assert!(
                e.contains("x.db.lock: the lock file is a symbolic link"),
                "{e}"
            );
            assert!(e.contains("rm "), "{e}");
        }
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(
            std::fs::symlink_metadata(lock_path(&db))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A dangling link is not followed to create its target either.
        let db2 = dir.path().join("y.db");
        let target = dir.path().join("created-by-patuh");
        std::os::unix::fs::symlink(&target, lock_path(&db2)).unwrap();
        assert!(workstation(&db2, Duration::ZERO).is_err());
        assert!(!target.exists());
        // A FIFO does not block; a folder is refused.
        let db3 = dir.path().join("z.db");
        let c =
            std::ffi::CString::new(lock_path(&db3).into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = writer(&db3).unwrap_err().to_string();
        assert!(e.contains("the lock file is not a regular file"), "{e}");
        let db4 = dir.path().join("w.db");
        std::fs::create_dir(lock_path(&db4)).unwrap();
        let e = writer(&db4).unwrap_err().to_string();
        assert!(e.contains("the lock file is a folder"), "{e}");
    }

    #[test]
    fn a_hard_linked_lock_file_locks_but_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        std::fs::hard_link(&victim, lock_path(&db)).unwrap();
        let Access::Exclusive(ws) = workstation(&db, Duration::ZERO).unwrap() else {
            panic!("not exclusive");
        };
        assert!(ws.is_held());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(matches!(
            workstation(&db, Duration::ZERO).unwrap(),
            Access::ReadOnly(_)
        ));
    }

    #[test]
    fn a_central_command_waits_for_another_and_is_refused_by_a_workstation() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("central.db");
        let first = central(&db, "central merge", |_| panic!("nothing to wait for")).unwrap();
        assert!(first.is_held());
        // A second command waits until the first is done, and says whom it waits for.
        let (tx, rx) = std::sync::mpsc::channel();
        let second = std::thread::spawn({
            let db = db.clone();
            move || {
                let guard = central(&db, "review approve", |h| {
                    tx.send(h.clone()).unwrap();
                })
                .unwrap();
                guard.is_held()
            }
        });
        let holder = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(holder.command.as_deref(), Some("central merge"));
        assert!(holder.to_string().contains("running `patuh central merge`"));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!second.is_finished(), "the second command did not wait");
        drop(first);
        assert!(second.join().unwrap());
        // A workstation on the file (a reviewer's) refuses the command.
        let Access::Exclusive(ws) = workstation(&db, Duration::ZERO).unwrap() else {
            panic!("not exclusive");
        };
        match central(&db, "central merge", |_| {}) {
            Err(StoreError::InUse { holder, .. }) => {
                assert!(holder.contains(&format!("process {}", std::process::id())))
            }
            other => panic!("{other:?}"),
        }
        drop(ws);
        // A workstation finds the central command's lock and opens read-only.
        let _cmd = central(&db, "central merge", |_| {}).unwrap();
        assert!(matches!(
            workstation(&db, Duration::ZERO).unwrap(),
            Access::ReadOnly(_)
        ));
    }

    #[test]
    fn the_holder_text_is_parsed_leniently() {
        let h = Holder::parse("pid=42\nuser=siti\x1b]0;x\x07\nsince=2025\ngarbage");
        assert_eq!(h.pid, Some(42));
        assert_eq!(h.user.as_deref(), Some("siti\u{FFFD}]0;x\u{FFFD}"));
        assert_eq!(
            h.to_string(),
            "process 42, user siti\u{FFFD}]0;x\u{FFFD}, since 2025"
        );
        assert_eq!(h.short(), "process 42 (siti\u{FFFD}]0;x\u{FFFD})");
        assert_eq!(Holder::parse("").to_string(), "process unknown");
        assert_eq!(Holder::parse("").short(), "process unknown");
    }
}
