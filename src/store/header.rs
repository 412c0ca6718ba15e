//! Checks a database file before SQLite touches it: by reading its 100-byte header
//! ourselves, a foreign, damaged or newer file is refused without a single byte
//! changed and without a WAL or shared-memory file appearing beside it.
//!
//! Only what cannot be caught mid-checkpoint is judged from outside SQLite. A file in
//! WAL mode (every file patuh has written) may be read here while another patuh
//! checkpoints it (copies its WAL's pages into the file), or after a power cut or a
//! kill in the middle of one: the file alone is then half updated while its WAL holds
//! every page, and it is whole. So for such a file only the first 100 bytes are
//! judged (written with page 1, in its first sector), and only for what no version of
//! them could mean: not SQLite, another application's, a newer schema, an impossible
//! page size, a length that is not whole pages. Its length against the page count and
//! its schema are left to SQLite, read with the WAL inside the reader's transaction,
//! whose own errors say when a file is really damaged. A file in rollback mode (made
//! so by another tool) has no WAL: it is still read without locks (`immutable=1`) to
//! find it truncated or its schema unreadable.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{APPLICATION_ID, SCHEMA_VERSION, StoreError};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn check(path: &Path) -> Result<(), StoreError> {
    let not_patuh = |reason: &str| StoreError::NotPatuh {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(not_patuh("it is a folder"));
    }
    let len = meta.len();
    if len == 0 {
        return Err(not_patuh("the file is empty (0 bytes)"));
    }
    let mut header = [0u8; 100];
    let mut f = File::open(path).map_err(io)?;
    let mut read = 0;
    while read < header.len() {
        match f.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(io(e)),
        }
    }
    if read < header.len() || &header[..16] != MAGIC {
        return Err(not_patuh("it is not a SQLite database"));
    }
    let app = be32(&header, 68) as i32;
    let user_version = be32(&header, 60) as i32;
    if app != APPLICATION_ID {
        return Err(not_patuh(&format!(
            "it is a SQLite database of another application (application_id {app:#x})"
        )));
    }
    if user_version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found: user_version,
            known: SCHEMA_VERSION,
        });
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536u64,
        n => u64::from(n),
    };
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(corrupt(format!("invalid page size {page_size}")));
    }
    if len % page_size != 0 {
        return Err(corrupt(format!(
            "the file is {len} bytes, not a whole number of pages of {page_size} bytes: it was truncated"
        )));
    }
    // Bytes 18 and 19, the file format's read and write versions: 2 in WAL mode.
    if header[18] == 2 && header[19] == 2 {
        return Ok(());
    }
    let pages = u64::from(be32(&header, 28));
    let valid_for = be32(&header, 92) == be32(&header, 96);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let has_wal = Path::new(&wal).exists();
    if valid_for && !has_wal && len < pages * page_size {
        return Err(corrupt(format!(
            "the file is {len} bytes, but its header promises {pages} pages of {page_size} bytes: it was truncated"
        )));
    }
    // Read the schema without locking or creating anything beside the file.
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    let tables: rusqlite::Result<i64> = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'audit', 'product')",
        [],
        |r| r.get(0),
    );
    match tables {
        Ok(3) => Ok(()),
        Ok(_) if user_version == 0 => Ok(()), // created, not yet migrated
        Ok(n) => Err(corrupt(format!("{n} of its 3 core tables are there"))),
        Err(e) => Err(corrupt(e.to_string())),
    }
}

/// A path as a `file:` URI path, with the characters URIs reserve escaped.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'?' | b'#' | b'%' | b' ' | 0x80.. => out.push_str(&format!("%{b:02X}")),
            _ => out.push(b as char),
        }
    }
    out
}
