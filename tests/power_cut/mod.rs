//! A power cut for SQLite, the way SQLite tests itself (its `test6.c` "crash" VFS): a
//! VFS shim over the unix VFS, registered as the process's default VFS so that patuh's
//! own `Store` goes through it unchanged.
//!
//! Files in a folder "plugged into" a [`Machine`] are watched; every other file passes
//! straight to the unix VFS. For a watched file the real file is what the operating
//! system shows (its page cache): reads and writes go to it at once, as they would.
//! Beside it the machine keeps what has reached the platter: a write or truncation is
//! held as pending until the file is synced (`xSync`), which moves it to the platter.
//! A new file's name, and a removed file's absence, reach the platter only when the
//! folder is synced, which the unix VFS does at the first sync of a new WAL or journal
//! and when it deletes a file with `syncDir`; the shim does the same.
//!
//! The power goes off at the Nth write, truncation, sync or delete (N chosen by the
//! caller), or when the caller says so: that call fails, and so does every later call
//! on a watched file (the machine is off). [`Machine::reboot`] then writes the platter
//! onto the real files, as a disk would show them after the cut ([`Disk`]: only what was
//! synced, or that plus a random part of the rest, torn at 512-byte sectors in any
//! order), and removes the `-shm` file (shared memory does not survive a reboot;
//! SQLite rebuilds the WAL index from the WAL).
//!
//! The real `fsync` is skipped for watched files: what counts as synced is the
//! machine's record, not the test machine's disk.

#![allow(dead_code)]

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::collections::BTreeMap;
use std::ffi::{CStr, OsStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once};

use rusqlite::ffi;

/// The granularity at which a disk may write part of what it was given.
pub const SECTOR: usize = 512;

/// What a disk keeps of the writes it was never asked to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disk {
    /// Nothing: only what was synced is there (file contents and folder entries).
    SyncedOnly,
    /// Any part of it: each 512-byte sector written since the last sync holds its
    /// synced content or any one of the versions written to it (torn writes, in any
    /// order, an older one possibly winning); the length is any the file had since;
    /// an unsynced new name or removal is there or not. How much is kept is drawn per
    /// cut: a quarter, half, 90% or all of it (all: each sector's last version, the
    /// last length, every name, as if the disk had finished just before the sync
    /// returned).
    Torn,
    /// All of it, in the order written: what the kernel keeps when a process is killed
    /// (and a disk that finished every write before the power went).
    AllWritten,
}

/// A small deterministic generator (SplitMix64): seeds print and replay.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write { at: usize, data: Vec<u8> },
    Truncate(usize),
}

/// One file name of a machine's folder, as the platter and the page cache have it.
#[derive(Debug, Default)]
struct Shadow {
    /// The content of the current file that has reached the platter.
    durable: Vec<u8>,
    /// Writes and truncations since the file was last synced, in order.
    pending: Vec<Op>,
    /// The name names a file now (as the operating system shows it).
    exists: bool,
    /// The name of the current file is on the platter.
    linked: bool,
    /// A file this name named before, whose removal (or replacement) has not reached
    /// the platter: its synced content, which the name shows again after a cut.
    ghost: Option<Vec<u8>>,
}

fn apply(content: &mut Vec<u8>, op: &Op) {
    match op {
        Op::Write { at, data } => {
            let end = at + data.len();
            if content.len() < end {
                content.resize(end, 0);
            }
            content[*at..end].copy_from_slice(data);
        }
        Op::Truncate(len) => content.resize(*len, 0),
    }
}

/// The content of a file whose pending writes partly reached the platter: each
/// sector written since the last sync holds, with `keep`% chance, one of the versions
/// written to it (the last one when `keep` is 100), else its synced content; the length
/// is any the file had since (the last one when `keep` is 100).
fn torn(
    durable: &[u8],
    pending: &[Op],
    keep: u64,
    rng: &mut Rng,
    stats: &mut RebootStats,
) -> Vec<u8> {
    let mut current = durable.to_vec();
    let mut lengths = vec![durable.len()];
    // Every version each sector was written with, oldest first.
    let mut versions: BTreeMap<usize, Vec<Vec<u8>>> = BTreeMap::new();
    for op in pending {
        apply(&mut current, op);
        lengths.push(current.len());
        if let Op::Write { at, data } = op
            && !data.is_empty()
        {
            for sector in at / SECTOR..=(at + data.len() - 1) / SECTOR {
                let start = sector * SECTOR;
                let end = (start + SECTOR).min(current.len());
                versions
                    .entry(sector)
                    .or_default()
                    .push(current[start..end].to_vec());
            }
        }
    }
    let len = if keep >= 100 {
        current.len()
    } else {
        lengths[rng.below(lengths.len() as u64) as usize]
    };
    let mut out = durable.to_vec();
    out.resize(len, 0);
    for (sector, written) in versions {
        let start = sector * SECTOR;
        if start >= len {
            continue;
        }
        if !rng.chance(keep) {
            stats.sectors_dropped += 1;
            continue;
        }
        stats.sectors_kept += 1;
        let v = if keep >= 100 {
            &written[written.len() - 1]
        } else {
            &written[rng.below(written.len() as u64) as usize]
        };
        let end = (start + v.len()).min(len);
        out[start..end].copy_from_slice(&v[..end - start]);
    }
    out
}

/// What a reboot found and did, for the figures.
#[derive(Debug, Default, Clone)]
pub struct RebootStats {
    /// The names of the files that had unsynced writes.
    pub files_unsynced: Vec<String>,
    /// Writes and truncations never synced.
    pub unsynced_ops: u64,
    /// Their bytes.
    pub unsynced_bytes: u64,
    /// Files whose unsynced new name (or removal) decided what the name shows.
    pub names_unsynced: u64,
    /// With [`Disk::Torn`]: unsynced sectors left as synced / written.
    pub sectors_dropped: u64,
    pub sectors_kept: u64,
}

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<PathBuf, Shadow>,
    /// Writes, truncations, syncs and deletes so far.
    events: u64,
    /// The power goes off at this event (it does not happen).
    cut_at: Option<u64>,
    off: bool,
    syncs: u64,
}

impl State {
    /// Counts an event; false when the power is (now) off and it must not happen.
    fn event(&mut self) -> bool {
        if self.off {
            return false;
        }
        self.events += 1;
        if self.cut_at == Some(self.events) {
            self.off = true;
            return false;
        }
        true
    }

    /// The folder's entries reach the platter.
    fn sync_dir(&mut self) {
        for s in self.files.values_mut() {
            s.linked = s.exists;
            s.ghost = None;
        }
    }
}

/// A folder whose files lose power together.
pub struct Machine {
    dir: PathBuf,
    state: Mutex<State>,
}

static MACHINES: Mutex<Vec<Arc<Machine>>> = Mutex::new(Vec::new());

fn machines() -> MutexGuard<'static, Vec<Arc<Machine>>> {
    MACHINES.lock().unwrap_or_else(|e| e.into_inner())
}

fn machine_for(path: &Path) -> Option<Arc<Machine>> {
    let dir = path.parent()?;
    machines().iter().find(|m| m.dir == dir).cloned()
}

impl Machine {
    /// Watches the files of `dir` from now on: what they hold now is taken as synced.
    pub fn plug_in(dir: &Path) -> Arc<Machine> {
        install();
        let dir = std::fs::canonicalize(dir).expect("the machine's folder");
        let m = Arc::new(Machine {
            dir: dir.clone(),
            state: Mutex::new(State::default()),
        });
        let mut all = machines();
        assert!(
            all.iter().all(|o| o.dir != dir),
            "{} plugged in twice",
            dir.display()
        );
        all.push(m.clone());
        m
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The power goes off at the `n`th event counted from plugging in (1 = the first).
    pub fn cut_at(&self, n: u64) {
        self.state().cut_at = Some(n);
    }

    /// The power goes off now.
    pub fn cut_now(&self) {
        self.state().off = true;
    }

    pub fn is_off(&self) -> bool {
        self.state().off
    }

    /// Writes, truncations, syncs and deletes so far (the cut's event is not counted
    /// as having happened, but it is counted).
    pub fn events(&self) -> u64 {
        self.state().events
    }

    pub fn syncs(&self) -> u64 {
        self.state().syncs
    }

    /// Unplugs the machine (its files pass straight to the unix VFS from now on) and
    /// leaves on the real files what `disk` would show after the cut; removes the
    /// `-shm` files. Every connection to its files must be closed first.
    pub fn reboot(&self, disk: Disk, rng: &mut Rng) -> RebootStats {
        machines().retain(|m| !std::ptr::eq(Arc::as_ptr(m), self));
        let mut state = self.state();
        state.off = true;
        let mut stats = RebootStats::default();
        // How much of what was not synced reaches the platter (per cent), for the whole
        // machine.
        let keep = match disk {
            Disk::SyncedOnly => 0,
            Disk::Torn => [25, 50, 90, 100][rng.below(4) as usize],
            Disk::AllWritten => 100,
        };
        for (path, s) in std::mem::take(&mut state.files) {
            if !s.pending.is_empty() {
                let name = path.file_name().unwrap_or_default();
                stats
                    .files_unsynced
                    .push(name.to_string_lossy().into_owned());
            }
            for op in &s.pending {
                stats.unsynced_ops += 1;
                stats.unsynced_bytes += match op {
                    Op::Write { data, .. } => data.len() as u64,
                    Op::Truncate(_) => 0,
                };
            }
            let name_unsynced = (s.exists && !s.linked) || s.ghost.is_some();
            if name_unsynced {
                stats.names_unsynced += 1;
            }
            let new_name = !name_unsynced || rng.chance(keep);
            let content = if new_name {
                s.exists.then(|| match keep {
                    0 => s.durable.clone(),
                    _ => torn(&s.durable, &s.pending, keep, rng, &mut stats),
                })
            } else {
                s.ghost.clone()
            };
            match content {
                Some(bytes) => std::fs::write(&path, bytes).expect("write the platter"),
                None => match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("{}: {e}", path.display()),
                },
            }
        }
        for entry in std::fs::read_dir(&self.dir).expect("the machine's folder") {
            let path = entry.expect("a folder entry").path();
            if path.to_string_lossy().ends_with("-shm") {
                std::fs::remove_file(&path).expect("remove the shared memory file");
            }
        }
        stats
    }

    /// A file of the folder is opened: `existed` says whether it was there before.
    fn opened(&self, path: &Path, existed: bool) {
        let mut state = self.state();
        let s = state.files.entry(path.to_path_buf()).or_default();
        if !existed {
            // A new file: empty on the platter, its name not yet there.
            s.durable.clear();
            s.pending.clear();
            s.exists = true;
            s.linked = false;
        } else if !s.exists {
            // First seen: what it holds was there before the machine was plugged in.
            *s = Shadow {
                durable: std::fs::read(path).unwrap_or_default(),
                exists: true,
                linked: true,
                ..Shadow::default()
            };
        }
    }

    fn write(&self, path: &Path, op: Op) -> bool {
        let mut state = self.state();
        if !state.event() {
            return false;
        }
        if let Some(s) = state.files.get_mut(path) {
            s.pending.push(op);
        }
        true
    }

    fn sync(&self, path: &Path, dir_too: bool) -> bool {
        let mut state = self.state();
        if !state.event() {
            return false;
        }
        state.syncs += 1;
        if let Some(s) = state.files.get_mut(path) {
            let pending = std::mem::take(&mut s.pending);
            for op in &pending {
                apply(&mut s.durable, op);
            }
        }
        if dir_too {
            state.sync_dir();
        }
        true
    }

    fn delete(&self, path: &Path, sync_dir: bool) -> bool {
        let mut state = self.state();
        if !state.event() {
            return false;
        }
        if !state.files.contains_key(path)
            && let Ok(before) = std::fs::read(path)
        {
            // Never opened since the machine was plugged in: it was there before.
            let s = Shadow {
                durable: before,
                exists: true,
                linked: true,
                ..Shadow::default()
            };
            state.files.insert(path.to_path_buf(), s);
        }
        if let Some(s) = state.files.get_mut(path) {
            if s.linked {
                s.ghost = Some(std::mem::take(&mut s.durable));
            }
            s.durable.clear();
            s.pending.clear();
            s.exists = false;
            s.linked = false;
        }
        if sync_dir {
            state.sync_dir();
        }
        true
    }
}

// ---------------------------------------------------------------------------------
// The VFS itself.

static UNIX: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(null_mut());

fn unix() -> *mut ffi::sqlite3_vfs {
    UNIX.load(Ordering::Acquire)
}

/// Registers the shim as the default VFS of this process (once).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_vfs_find and sqlite3_vfs_register are thread-safe; the
        // registered struct is leaked, so it lives as long as the process.
        unsafe {
            let unix = ffi::sqlite3_vfs_find(c"unix".as_ptr());
            assert!(!unix.is_null(), "the unix VFS");
            UNIX.store(unix, Ordering::Release);
            let mut vfs: ffi::sqlite3_vfs = *unix;
            vfs.zName = c"powercut".as_ptr();
            vfs.szOsFile = c_int::try_from(size_of::<ShimFile>()).expect("small");
            vfs.pNext = null_mut();
            vfs.pAppData = null_mut();
            vfs.xOpen = Some(shim_open);
            vfs.xDelete = Some(shim_delete);
            vfs.xAccess = Some(shim_access);
            let vfs = Box::leak(Box::new(vfs));
            assert_eq!(ffi::sqlite3_vfs_register(vfs, 1), ffi::SQLITE_OK);
        }
    });
}

/// Our `sqlite3_file`: SQLite allocates `szOsFile` bytes, we fill them.
#[repr(C)]
struct ShimFile {
    base: ffi::sqlite3_file,
    /// The unix VFS's file, allocated here.
    inner: *mut ffi::sqlite3_file,
    /// Null for a file no machine watches.
    track: *mut Track,
}

struct Track {
    machine: Arc<Machine>,
    path: PathBuf,
    /// A new WAL or journal: its first sync syncs the folder too (as the unix VFS does).
    dir_sync: bool,
}

fn inner_layout() -> Layout {
    // SAFETY: UNIX is set before any file is opened through the shim.
    let size = unsafe { (*unix()).szOsFile } as usize;
    Layout::from_size_align(size.max(8), 16).expect("layout")
}

unsafe fn path_of(z: *const c_char) -> Option<PathBuf> {
    if z.is_null() {
        return None;
    }
    // SAFETY: SQLite passes a NUL-terminated file name.
    let bytes = unsafe { CStr::from_ptr(z) }.to_bytes();
    Some(PathBuf::from(OsStr::from_bytes(bytes)))
}

unsafe extern "C" fn shim_open(
    _vfs: *mut ffi::sqlite3_vfs,
    z_name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY (whole function): `file` points to szOsFile bytes owned by SQLite; the
    // inner file is allocated with the unix VFS's size and freed in xClose.
    unsafe {
        let f = file as *mut ShimFile;
        (*f).base.pMethods = null();
        let path = path_of(z_name);
        let machine = path.as_deref().and_then(machine_for);
        if let Some(m) = &machine
            && m.is_off()
        {
            return ffi::SQLITE_CANTOPEN;
        }
        let existed = path
            .as_deref()
            .is_some_and(|p| std::fs::symlink_metadata(p).is_ok());
        let inner = alloc_zeroed(inner_layout()) as *mut ffi::sqlite3_file;
        if inner.is_null() {
            return ffi::SQLITE_NOMEM;
        }
        let unix = unix();
        let rc = ((*unix).xOpen.expect("xOpen"))(unix, z_name, inner, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            if !(*inner).pMethods.is_null() {
                ((*(*inner).pMethods).xClose.expect("xClose"))(inner);
            }
            dealloc(inner as *mut u8, inner_layout());
            return rc;
        }
        let track = match (machine, path) {
            (Some(machine), Some(path)) => {
                machine.opened(&path, existed);
                let journal = ffi::SQLITE_OPEN_WAL
                    | ffi::SQLITE_OPEN_MAIN_JOURNAL
                    | ffi::SQLITE_OPEN_SUPER_JOURNAL;
                Box::into_raw(Box::new(Track {
                    machine,
                    path,
                    dir_sync: flags & ffi::SQLITE_OPEN_CREATE != 0 && flags & journal != 0,
                }))
            }
            _ => null_mut(),
        };
        (*f).inner = inner;
        (*f).track = track;
        (*f).base.pMethods = &IO_METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn shim_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    z_name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    // SAFETY: the name comes from SQLite; the unix VFS does the rest.
    unsafe {
        if let Some(path) = path_of(z_name)
            && let Some(m) = machine_for(&path)
            && !m.delete(&path, sync_dir & 1 != 0)
        {
            return ffi::SQLITE_IOERR_DELETE;
        }
        let unix = unix();
        // The folder's sync is the machine's business: never a real fsync.
        ((*unix).xDelete.expect("xDelete"))(unix, z_name, 0)
    }
}

unsafe extern "C" fn shim_access(
    _vfs: *mut ffi::sqlite3_vfs,
    z_name: *const c_char,
    flags: c_int,
    res: *mut c_int,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        if let Some(path) = path_of(z_name)
            && let Some(m) = machine_for(&path)
            && m.is_off()
        {
            return ffi::SQLITE_IOERR_ACCESS;
        }
        let unix = unix();
        ((*unix).xAccess.expect("xAccess"))(unix, z_name, flags, res)
    }
}

/// The shim file behind SQLite's pointer, its inner file and its machine (if watched).
unsafe fn parts<'a>(
    file: *mut ffi::sqlite3_file,
) -> (
    *mut ffi::sqlite3_file,
    &'a ffi::sqlite3_io_methods,
    Option<&'a Track>,
) {
    // SAFETY: every file SQLite hands to IO_METHODS was filled in by shim_open.
    unsafe {
        let f = file as *mut ShimFile;
        let inner = (*f).inner;
        (inner, &*(*inner).pMethods, (*f).track.as_ref())
    }
}

/// True when the file is watched and its machine is off.
fn off(track: Option<&Track>) -> bool {
    track.is_some_and(|t| t.machine.is_off())
}

static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(io_close),
    xRead: Some(io_read),
    xWrite: Some(io_write),
    xTruncate: Some(io_truncate),
    xSync: Some(io_sync),
    xFileSize: Some(io_file_size),
    xLock: Some(io_lock),
    xUnlock: Some(io_unlock),
    xCheckReservedLock: Some(io_check_reserved_lock),
    xFileControl: Some(io_file_control),
    xSectorSize: Some(io_sector_size),
    xDeviceCharacteristics: Some(io_device_characteristics),
    xShmMap: Some(io_shm_map),
    xShmLock: Some(io_shm_lock),
    xShmBarrier: Some(io_shm_barrier),
    xShmUnmap: Some(io_shm_unmap),
    xFetch: Some(io_fetch),
    xUnfetch: Some(io_unfetch),
};

unsafe extern "C" fn io_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: closes and frees what shim_open allocated, once (SQLite closes once).
    unsafe {
        let f = file as *mut ShimFile;
        let inner = (*f).inner;
        let rc = match (*inner).pMethods.as_ref() {
            Some(m) => (m.xClose.expect("xClose"))(inner),
            None => ffi::SQLITE_OK,
        };
        dealloc(inner as *mut u8, inner_layout());
        if !(*f).track.is_null() {
            drop(Box::from_raw((*f).track));
        }
        (*f).inner = null_mut();
        (*f).track = null_mut();
        rc
    }
}

unsafe extern "C" fn io_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: arguments are SQLite's, passed on unchanged.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            return ffi::SQLITE_IOERR_READ;
        }
        (m.xRead.expect("xRead"))(inner, buf, amount, offset)
    }
}

unsafe extern "C" fn io_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: `buf` holds `amount` bytes (SQLite's contract).
    unsafe {
        let (inner, m, track) = parts(file);
        if let Some(t) = track {
            let data = std::slice::from_raw_parts(buf as *const u8, amount as usize).to_vec();
            let op = Op::Write {
                at: offset as usize,
                data,
            };
            if !t.machine.write(&t.path, op) {
                return ffi::SQLITE_IOERR_WRITE;
            }
        }
        (m.xWrite.expect("xWrite"))(inner, buf, amount, offset)
    }
}

unsafe extern "C" fn io_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if let Some(t) = track
            && !t.machine.write(&t.path, Op::Truncate(size as usize))
        {
            return ffi::SQLITE_IOERR_TRUNCATE;
        }
        (m.xTruncate.expect("xTruncate"))(inner, size)
    }
}

unsafe extern "C" fn io_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: as above; `track` is only touched from the connection using the file.
    unsafe {
        let f = file as *mut ShimFile;
        let (inner, m, _) = parts(file);
        match (*f).track.as_mut() {
            Some(t) => {
                if !t.machine.sync(&t.path, t.dir_sync) {
                    return ffi::SQLITE_IOERR_FSYNC;
                }
                t.dir_sync = false;
                ffi::SQLITE_OK
            }
            None => (m.xSync.expect("xSync"))(inner, flags),
        }
    }
}

unsafe extern "C" fn io_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            return ffi::SQLITE_IOERR_FSTAT;
        }
        (m.xFileSize.expect("xFileSize"))(inner, size)
    }
}

unsafe extern "C" fn io_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            return ffi::SQLITE_IOERR_LOCK;
        }
        (m.xLock.expect("xLock"))(inner, level)
    }
}

unsafe extern "C" fn io_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: as above. Unlocking changes no data: it works when the power is off,
    // so that the connection can be closed.
    unsafe {
        let (inner, m, _) = parts(file);
        (m.xUnlock.expect("xUnlock"))(inner, level)
    }
}

unsafe extern "C" fn io_check_reserved_lock(
    file: *mut ffi::sqlite3_file,
    out: *mut c_int,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            return ffi::SQLITE_IOERR_CHECKRESERVEDLOCK;
        }
        (m.xCheckReservedLock.expect("xCheckReservedLock"))(inner, out)
    }
}

unsafe extern "C" fn io_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        // A size hint may make the unix VFS extend the file behind the machine's back;
        // it is only a hint.
        if track.is_some() && op == ffi::SQLITE_FCNTL_SIZE_HINT {
            return ffi::SQLITE_OK;
        }
        (m.xFileControl.expect("xFileControl"))(inner, op, arg)
    }
}

unsafe extern "C" fn io_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, _) = parts(file);
        (m.xSectorSize.expect("xSectorSize"))(inner)
    }
}

unsafe extern "C" fn io_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, _) = parts(file);
        (m.xDeviceCharacteristics.expect("xDeviceCharacteristics"))(inner)
    }
}

unsafe extern "C" fn io_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            *out = null_mut();
            return ffi::SQLITE_IOERR_SHMMAP;
        }
        (m.xShmMap.expect("xShmMap"))(inner, page, page_size, extend, out)
    }
}

unsafe extern "C" fn io_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: as above. Unlocking works when the power is off (see io_unlock).
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) && flags & ffi::SQLITE_SHM_LOCK != 0 {
            return ffi::SQLITE_IOERR_SHMLOCK;
        }
        (m.xShmLock.expect("xShmLock"))(inner, offset, n, flags)
    }
}

unsafe extern "C" fn io_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: as above.
    unsafe {
        let (inner, m, _) = parts(file);
        (m.xShmBarrier.expect("xShmBarrier"))(inner)
    }
}

unsafe extern "C" fn io_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, _) = parts(file);
        (m.xShmUnmap.expect("xShmUnmap"))(inner, delete)
    }
}

unsafe extern "C" fn io_fetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, track) = parts(file);
        if off(track) {
            *out = null_mut();
            return ffi::SQLITE_IOERR_MMAP;
        }
        match m.xFetch {
            Some(fetch) if m.iVersion >= 3 => fetch(inner, offset, amount, out),
            _ => {
                *out = null_mut();
                ffi::SQLITE_OK
            }
        }
    }
}

unsafe extern "C" fn io_unfetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as above.
    unsafe {
        let (inner, m, _) = parts(file);
        match m.xUnfetch {
            Some(unfetch) if m.iVersion >= 3 => unfetch(inner, offset, p),
            _ => ffi::SQLITE_OK,
        }
    }
}
