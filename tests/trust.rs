//! Nobody fooled by a busy file, a wrong clock or a crafted export (issue 11): dates
//! outside what UTC can hold, age headers of thousands of stanzas, a key given twice in
//! a signed payload, values off their scale in the audit history, files that are not
//! regular files (devices, FIFOs, folders, links) wherever patuh reads or writes one,
//! and secrets (keys, identities) that others can read or replace. Each is refused with
//! a message naming the file and the fix, exit 1, nothing changed, never a panic or a
//! hang.

mod exchange_support;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use exchange_support::*;
use patuh::exchange::bundle::{self, Payload};
use patuh::exchange::bundle2;
use patuh::exchange::export::payload_bytes;
use patuh::exchange::keys::Identity;
use patuh::exchange::verify::verify_bytes;

/// Runs `patuh` as `who` with a time limit: a read that blocks on a FIFO or never ends
/// on `/dev/zero` fails the test instead of hanging it.
fn run(w: &World, who: &str, args: &[&str]) -> Output {
    w.patuh(who)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run patuh")
}

/// `run`, expecting exit 1 (not a panic's 101, not a kill by the time limit) with every
/// one of `needles` in standard error; returns it.
fn refused(w: &World, who: &str, args: &[&str], needles: &[&str]) -> String {
    let out = run(w, who, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "patuh {args:?} should be refused with exit 1; stderr:\n{err}"
    );
    for n in needles {
        assert!(err.contains(n), "patuh {args:?}: {n:?} not in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn payload(bytes: &[u8]) -> Payload {
    bundle::parse_payload(&bundle::open(bytes).unwrap().payload).unwrap()
}

/// The file with its payload changed and signed again with `key`.
fn resigned(bytes: &[u8], key: &Identity, change: impl FnOnce(&mut Payload)) -> Vec<u8> {
    let mut p = payload(bytes);
    change(&mut p);
    bundle::seal(&payload_bytes(&p).unwrap(), key)
}

/// Renumbers the audit rows and recomputes every hash, as someone holding the signing
/// key would after editing the history (every row must be in full).
fn rechain(p: &mut Payload) {
    let mut prev = patuh::store::GENESIS.to_string();
    for (i, e) in p.audit.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
        e.prev_hash = prev.clone();
        let c = e.content.clone().expect("a full row");
        e.hash = patuh::store::AuditRow {
            seq: e.seq,
            at: c.at,
            who: c.who,
            path: c.product,
            indicator: c.indicator,
            action: c.action,
            old: c.old,
            new: c.new,
            prev_hash: prev.clone(),
            cycle: None,
            respondent: None,
        }
        .hash();
        prev = e.hash.clone();
    }
}

/// Siti's workstation with a few values (one changed twice), her export of agency 81
/// in format 1 (the tests below change its payload as format 1 lays it out; format 2's
/// are in tests/exchange_v2.rs), and her key.
struct Siti {
    w: World,
    db: PathBuf,
    file: PathBuf,
    key: Identity,
}

fn siti() -> Siti {
    let w = World::new();
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &db, "81/DPMPTSP/NIB", "persyaratan", "0");
    w.record("siti", &db, "81/DPMPTSP/NIB", "persyaratan", "1");
    w.record("siti", &db, "81/DPMPTSP/NIB", "sk-standar", "1");
    w.record("siti", &db, "81/DPMPTSP/NIB", "dasar-hukum", "na");
    let file = w.export_v1("siti", &db, "siti.patuh", &["81"]);
    let key = Identity::load(&w.keys("siti")).unwrap();
    Siti { w, db, file, key }
}

impl Siti {
    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.file).unwrap()
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.w.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

// ---------------------------------------------------------------------------------
// 2. Dates: no panic on any date
// ---------------------------------------------------------------------------------

#[test]
fn an_exported_at_beyond_what_utc_can_hold_is_refused_and_the_next_files_are_merged() {
    let t = siti();
    let budi = t.w.workstation("budi", "Budi Santoso", "ASN-002");
    t.w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    let budi_file = t.w.export("budi", &budi, "budi.patuh", &["8171"]);
    for (n, date) in [
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:30:00-23:59",
        "0000-01-01T00:00:00+00:01",
        "0000-01-01T00:00:00.5+23:59",
    ]
    .into_iter()
    .enumerate()
    {
        let bad = t.write(
            &format!("date-{n}.patuh"),
            &resigned(&t.bytes(), &t.key, |p| p.exported_at = date.into()),
        );
        refused(
            &t.w,
            "central",
            &["verify", s(&bad)],
            &[
                s(&bad),
                "lies outside the years 0000-9999 once taken to UTC",
                date,
            ],
        );
        let central = t.w.path(&format!("central-{n}.db"));
        let out = run(
            &t.w,
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&central),
                s(&bad),
                s(&budi_file),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("lies outside the years 0000-9999"), "{err}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("budi.patuh: merged"),
            "the file after the refused one is merged: {err}"
        );
    }
    // The extremes UTC can hold are dates like any other.
    for (n, date) in [
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T22:59:59-01:00",
        "0000-01-01T00:00:00Z",
        "0000-01-01T23:58:00+23:58",
    ]
    .into_iter()
    .enumerate()
    {
        let ok = t.write(
            &format!("edge-{n}.patuh"),
            &resigned(&t.bytes(), &t.key, |p| p.exported_at = date.into()),
        );
        t.w.ok("central", &["verify", s(&ok)]);
    }
}

// ---------------------------------------------------------------------------------
// 6. age stanza bomb
// ---------------------------------------------------------------------------------

/// An age v1 file with `stanzas` X25519 recipient stanzas (fake ones), `body_lines`
/// extra full body lines in the first, and some bytes of payload.
fn age_bomb(stanzas: usize, body_lines: usize) -> Vec<u8> {
    let b64 = |n: usize| -> String {
        (0..n)
            .map(|i| (b'A' + (i * 7 % 26) as u8) as char)
            .collect()
    };
    let mut out = b"age-encryption.org/v1\n".to_vec();
    for i in 0..stanzas {
        out.extend_from_slice(format!("-> X25519 {}\n", b64(43)).as_bytes());
        if i == 0 {
            for _ in 0..body_lines {
                out.extend_from_slice(format!("{}\n", b64(64)).as_bytes());
            }
        }
        out.extend_from_slice(format!("{}\n", b64(43)).as_bytes());
    }
    out.extend_from_slice(format!("--- {}\n", b64(43)).as_bytes());
    out.extend_from_slice(&[0x5a; 200]);
    out
}

#[test]
fn an_age_header_of_thousands_of_stanzas_is_refused_before_any_work() {
    let w = World::new();
    let identity = w.path("central.agekey");
    w.ok("central", &["keys", "central-init", "--out", s(&identity)]);
    for stanzas in [17, 1_000, 100_000] {
        let file = w.path(&format!("bomb-{stanzas}.patuh"));
        std::fs::write(&file, age_bomb(stanzas, 0)).unwrap();
        for args in [
            vec!["verify", s(&file), "--identity", s(&identity)],
            vec![
                "central",
                "merge",
                "--db",
                s(&w.path("central.db")),
                "--identity",
                s(&identity),
                s(&file),
            ],
        ] {
            refused(
                &w,
                "central",
                &args,
                &[
                    s(&file),
                    "cannot decrypt: the encrypted file's header holds more than 16 recipient stanzas",
                    "do not use it",
                ],
            );
        }
    }
    assert!(
        !w.path("central.db").exists(),
        "nothing merged, nothing made"
    );
    // A header of few stanzas but endless body lines.
    let file = w.path("long-header.patuh");
    std::fs::write(&file, age_bomb(1, 2_000)).unwrap();
    refused(
        &w,
        "central",
        &["verify", s(&file), "--identity", s(&identity)],
        &["the encrypted file's header is longer than 65536 bytes"],
    );
    // Up to the limit, age reads it (and finds no stanza for this key).
    let file = w.path("sixteen.patuh");
    std::fs::write(&file, age_bomb(16, 0)).unwrap();
    refused(
        &w,
        "central",
        &["verify", s(&file), "--identity", s(&identity)],
        &["cannot decrypt"],
    );
    let err = refused(
        &w,
        "central",
        &["verify", s(&file), "--identity", s(&identity)],
        &[],
    );
    assert!(!err.contains("recipient stanzas"), "{err}");
}

// ---------------------------------------------------------------------------------
// 11. A key given twice in a signed payload
// ---------------------------------------------------------------------------------

/// Writes `v` as compact JSON, giving a key of the object at `target` twice (`key`,
/// or its first key): first with `dup`, then with its own value (which a reader
/// keeping the last one would take, so that nothing else is wrong with the file).
fn write_with_duplicate(
    v: &serde_json::Value,
    at: &mut Vec<String>,
    target: &[String],
    key: Option<&str>,
    dup: &serde_json::Value,
    out: &mut String,
) {
    match v {
        serde_json::Value::Object(m) => {
            out.push('{');
            let mut first = true;
            for (k, val) in m {
                if !first {
                    out.push(',');
                }
                let text = serde_json::to_string(k).unwrap();
                if at.as_slice() == target && key.map_or(first, |key| key == k) {
                    out.push_str(&format!("{text}:{},", serde_json::to_string(dup).unwrap()));
                }
                first = false;
                let key_text = text;
                out.push_str(&key_text);
                out.push(':');
                at.push(k.clone());
                write_with_duplicate(val, at, target, key, dup, out);
                at.pop();
            }
            out.push('}');
        }
        serde_json::Value::Array(a) => {
            out.push('[');
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                at.push(i.to_string());
                write_with_duplicate(val, at, target, key, dup, out);
                at.pop();
            }
            out.push(']');
        }
        leaf => out.push_str(&serde_json::to_string(leaf).unwrap()),
    }
}

/// The path of every object at every depth, following the first element of each list.
fn object_paths(v: &serde_json::Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Object(m) => {
            if !m.is_empty() {
                out.push(at.clone());
            }
            for (k, val) in m {
                at.push(k.clone());
                object_paths(val, at, out);
                at.pop();
            }
        }
        serde_json::Value::Array(a) => {
            if let Some(first) = a.first() {
                at.push("0".into());
                object_paths(first, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn a_key_given_twice_anywhere_in_a_signed_payload_is_refused() {
    let t = siti();
    // Evidence and a finalization, so that every kind of object is in the payload.
    let mut store = patuh::store::Store::open(&t.db).unwrap();
    let p = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let inst = store.product_instrument(&p).unwrap();
    store
        .add_evidence(&p, &inst.indicators[0], "SK 1/2025", None)
        .unwrap();
    store.finalize(&p).unwrap();
    drop(store);
    for version in ["1", "2"] {
        duplicates_are_refused(&t, version);
    }
}

/// A key given twice in each object of a signed payload of format `version`.
fn duplicates_are_refused(t: &Siti, version: &str) {
    let file = t.w.export_format(
        "siti",
        &t.db,
        &format!("full-{version}.patuh"),
        &["81"],
        version,
    );
    let opened = bundle::open(&std::fs::read(&file).unwrap()).unwrap();
    let v2 = version == "2";
    let json = if v2 {
        bundle2::decompress(&opened.payload, bundle2::MAX_PAYLOAD_BYTES).unwrap()
    } else {
        opened.payload.clone()
    };
    let seal = |text: &str| {
        if v2 {
            bundle::seal_v2(&bundle2::compress(text.as_bytes()).unwrap(), &t.key).unwrap()
        } else {
            bundle::seal(text.as_bytes(), &t.key)
        }
    };
    let tree: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let mut paths = Vec::new();
    object_paths(&tree, &mut Vec::new(), &mut paths);
    let has = |p: &[&str]| {
        paths
            .iter()
            .any(|x| x.iter().map(String::as_str).eq(p.iter().copied()))
    };
    for level in [
        &[][..],
        &["assessor"],
        &["instruments", "0"],
        &["instruments", "0", "body"],
        &["instruments", "0", "body", "indicators", "0"],
        &[
            "agencies",
            "0",
            "units",
            "0",
            "products",
            "0",
            if v2 { "answers" } else { "observations" },
            "0",
        ],
        &["agencies", "0", "units", "0", "products", "0", "score"],
        &["audit", "0", "content"],
    ] {
        assert!(
            has(level),
            "the payload has no object at {level:?}: {paths:?}"
        );
    }
    let evidence = paths
        .iter()
        .any(|p| p.last().is_some_and(|l| l == "0") && p.iter().any(|x| x == "evidence"));
    assert!(evidence, "an evidence object is tested");
    // The same payload with nothing given twice verifies: only the duplicate is wrong.
    let mut plain = String::new();
    write_with_duplicate(
        &tree,
        &mut Vec::new(),
        &["none".to_string()],
        None,
        &serde_json::Value::Null,
        &mut plain,
    );
    verify_bytes(&seal(&plain), None, None).expect("rewritten payload verifies");
    for path in &paths {
        // The first key's own value: the duplicate alone is what is wrong.
        let first_value = {
            let mut v = &tree;
            for step in path {
                v = match v {
                    serde_json::Value::Array(a) => &a[step.parse::<usize>().unwrap()],
                    other => &other[step.as_str()],
                };
            }
            v.as_object().unwrap().values().next().unwrap().clone()
        };
        let mut text = String::new();
        write_with_duplicate(&tree, &mut Vec::new(), path, None, &first_value, &mut text);
        let bytes = seal(&text);
        match verify_bytes(&bytes, None, None) {
            Ok(_) => panic!("a key given twice in the object at {path:?} was accepted"),
            Err(e) => assert!(
                e.to_string().contains("duplicate key"),
                "object at {path:?}: {e}"
            ),
        }
    }
    assert!(paths.len() >= 20, "{} objects tested", paths.len());
    println!(
        "format {version}: {} objects at every depth, each with a key given twice: all refused",
        paths.len()
    );
    // Through the command line: a second, different exported_at (the last would win).
    let mut text = String::new();
    let first = serde_json::json!("2099-01-01T00:00:00Z");
    write_with_duplicate(
        &tree,
        &mut Vec::new(),
        &[],
        Some("exported_at"),
        &first,
        &mut text,
    );
    assert!(text.contains("\"exported_at\":\"2099-01-01T00:00:00Z\",\"exported_at\":"));
    let dup = t.write(&format!("dup-{version}.patuh"), &seal(&text));
    refused(
        &t.w,
        "central",
        &["verify", s(&dup)],
        &[s(&dup), "duplicate key \"exported_at\""],
    );
}

// ---------------------------------------------------------------------------------
// 10. Values off their scale
// ---------------------------------------------------------------------------------

#[test]
fn a_history_with_a_value_off_its_scale_is_refused() {
    let t = siti();
    let rows = payload(&t.bytes()).audit;
    // Row 1 sets persyaratan (a 0-1 tick) to 0, row 2 from 0 to 1: make them 7.
    let first = rows[0].content.clone().unwrap();
    assert_eq!(
        (first.indicator.as_deref(), first.new.as_deref()),
        (Some("persyaratan"), Some("0"))
    );
    for (name, off) in [
        ("seven", "7"),
        ("leading-zero", "00"),
        ("negative", "-1"),
        ("word", "satu"),
    ] {
        let bad = t.write(
            &format!("{name}.patuh"),
            &resigned(&t.bytes(), &t.key, |p| {
                p.audit[0].content.as_mut().unwrap().new = Some(off.into());
                p.audit[1].content.as_mut().unwrap().old = Some(off.into());
                rechain(p);
            }),
        );
        refused(
            &t.w,
            "central",
            &["verify", s(&bad)],
            &[
                "audit log broken at row",
                "81/DPMPTSP/NIB persyaratan the value",
                "which is not on its scale (0 to 1, or N/A)",
            ],
        );
    }
    // A row of an indicator the instrument does not have.
    let bad = t.write(
        "unknown-indicator.patuh",
        &resigned(&t.bytes(), &t.key, |p| {
            let mut extra = p.audit[0].clone();
            let c = extra.content.as_mut().unwrap();
            c.indicator = Some("tidak-ada".into());
            p.audit.push(extra);
            rechain(p);
        }),
    );
    refused(
        &t.w,
        "central",
        &["verify", s(&bad)],
        &[
            "it changes indicator \"tidak-ada\" of 81/DPMPTSP/NIB, which instrument kepatuhan-2021 does not have",
        ],
    );
}

/// Sets a value off its scale in a workstation database and rewrites the audit row
/// that logged it, with its hash and every hash after it, as someone with `sqlite3`
/// could.
fn set_off_scale(db: &Path, product: &str, indicator: &str, value: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute(
        "UPDATE answer SET value = ?1 WHERE indicator = ?2 AND level = 3
         AND node_id = (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                           JOIN agency a ON a.id = u.agency_id
                           WHERE a.code || '/' || u.code || '/' || p.code = ?3)",
        rusqlite::params![value, indicator, product],
    )
    .unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT max(seq) FROM audit WHERE path = ?1 AND indicator = ?2 AND action = 'value'",
            rusqlite::params![product, indicator],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE audit SET new = ?1 WHERE seq = ?2",
        rusqlite::params![value.to_string(), seq],
    )
    .unwrap();
    let mut rows: Vec<patuh::store::AuditRow> = conn
        .prepare("SELECT seq, at, who, path, indicator, action, old, new, prev_hash FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok(patuh::store::AuditRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                who: r.get(2)?,
                path: r.get(3)?,
                indicator: r.get(4)?,
                action: r.get(5)?,
                old: r.get(6)?,
                new: r.get(7)?,
                prev_hash: r.get(8)?,
                cycle: None,
                respondent: None,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = patuh::store::GENESIS.to_string();
    for row in &mut rows {
        row.prev_hash = prev.clone();
        prev = row.hash();
        conn.execute(
            "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![row.prev_hash, prev, row.seq],
        )
        .unwrap();
    }
}

#[test]
fn an_export_of_a_value_off_its_scale_is_refused_by_verify() {
    let t = siti();
    set_off_scale(&t.db, "81/DPMPTSP/NIB", "persyaratan", 5);
    // Scoring caps it (the product shows the score of a 1) ...
    let file = t.w.export_v1("siti", &t.db, "off-scale.patuh", &["81"]);
    // ... but the export says what the file holds, and verify refuses it.
    refused(
        &t.w,
        "central",
        &["verify", s(&file)],
        &["81/DPMPTSP/NIB persyaratan: value 5 is above the maximum 1"],
    );
    // Format 2 names the record.
    let file = t.w.export("siti", &t.db, "off-scale-2.patuh", &["81"]);
    refused(
        &t.w,
        "central",
        &["verify", s(&file)],
        &[
            "81/DPMPTSP/NIB: answers[",
            "(indicator \"persyaratan\"): value 5 is not a level of its scale (0 to 1, or N/A)",
            "ask the assessor to export again",
        ],
    );
}

#[test]
fn check_refuses_a_value_off_its_scale_with_a_rehashed_audit_row() {
    let t = siti();
    set_off_scale(&t.db, "81/DPMPTSP/NIB", "persyaratan", 5);
    refused(
        &t.w,
        "siti",
        &["--db", s(&t.db), "check"],
        &["81/DPMPTSP/NIB", "persyaratan", "5"],
    );
}

// ---------------------------------------------------------------------------------
// 12. Files: devices, FIFOs, folders and links
// ---------------------------------------------------------------------------------

/// A FIFO, `/dev/zero` (directly and through a link) and a folder, by name.
fn bad_files(w: &World) -> Vec<(PathBuf, &'static str)> {
    let fifo = w.path("fifo");
    if !fifo.exists() {
        mkfifo(&fifo);
    }
    let link = w.path("zero-link");
    if std::fs::symlink_metadata(&link).is_err() {
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    }
    let folder = w.path("folder");
    std::fs::create_dir_all(&folder).unwrap();
    vec![
        (fifo, "is a FIFO (named pipe), not a regular file"),
        (
            PathBuf::from("/dev/zero"),
            "is a character device, not a regular file",
        ),
        (link, "is a character device, not a regular file"),
        (folder, "is a folder, not a regular file"),
    ]
}

#[test]
fn devices_fifos_and_folders_are_never_read_as_files() {
    let t = siti();
    let w = &t.w;
    let db = s(&t.db);
    let identity = w.path("central.agekey");
    w.ok("central", &["keys", "central-init", "--out", s(&identity)]);
    let trusted = w.trusted(&["siti"]);
    let before = dump_db(&t.db);
    for (bad, needle) in bad_files(w) {
        let b = s(&bad);
        for args in [
            vec!["instrument", "validate", b],
            vec!["--db", db, "instrument", "import", b],
            vec!["--db", db, "assignment", "import", b],
            vec!["verify", b],
            vec!["verify", s(&t.file), "--trusted", b],
            vec!["verify", s(&t.file), "--identity", b],
            vec![
                "central",
                "merge",
                "--db",
                s(&w.path("c.db")),
                "--trusted",
                b,
                s(&t.file),
            ],
        ] {
            refused(w, "central", &args, &[b, needle]);
        }
        // A merge goes on with the next file.
        let central = w.path("central.db");
        let out = run(
            w,
            "central",
            &[
                "central",
                "merge",
                "--db",
                s(&central),
                "--trusted",
                s(&trusted),
                b,
                s(&t.file),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{b}: refused: {b}: {needle}")),
            "{err}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("siti.patuh: merged") || stdout.contains("siti.patuh: already merged"),
            "{stdout}"
        );
    }
    assert_eq!(
        dump_db(&t.db),
        before,
        "the workstation database is unchanged"
    );
}

#[test]
fn huge_files_are_refused_before_they_are_read() {
    let w = World::new();
    for (name, args_of, len, needle) in [
        (
            "huge.patuh",
            (|f: &str| vec!["verify".to_string(), f.to_string()]) as fn(&str) -> Vec<String>,
            patuh::fsio::MAX_EXPORT_BYTES + 1,
            "more than the 2147483648 patuh reads for an export file",
        ),
        (
            "huge-trusted.txt",
            |f: &str| {
                vec![
                    "verify".to_string(),
                    "nothing.patuh".to_string(),
                    "--trusted".to_string(),
                    f.to_string(),
                ]
            },
            patuh::fsio::MAX_TRUSTED_BYTES + 1,
            "patuh reads for a trusted keys file",
        ),
    ] {
        let file = w.path(name);
        // Sparse: no disk space, and nothing read before the refusal.
        std::fs::File::create(&file).unwrap().set_len(len).unwrap();
        let args = args_of(s(&file));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&w, "central", &args, &[s(&file), needle]);
    }
}

#[test]
fn the_assessor_key_is_a_private_regular_file_never_a_link() {
    let t = siti();
    let w = &t.w;
    let keys = w.keys("siti");
    let key = keys.join("assessor.key");
    let real = w.path("elsewhere.key");
    std::fs::rename(&key, &real).unwrap();
    // A link to a good key: patuh does not follow a link where the path is its own.
    std::os::unix::fs::symlink(&real, &key).unwrap();
    let out = w.path("x.patuh");
    for args in [
        vec!["keys", "show"],
        vec!["--db", s(&t.db), "export", "--out", s(&out)],
    ] {
        refused(w, "siti", &args, &[s(&key), "is a symbolic link"]);
    }
    std::fs::remove_file(&key).unwrap();
    let fifo = keys.join("assessor.key");
    mkfifo(&fifo);
    refused(w, "siti", &["keys", "show"], &[s(&key), "is a FIFO"]);
    std::fs::remove_file(&fifo).unwrap();
    std::fs::create_dir(&key).unwrap();
    refused(w, "siti", &["keys", "show"], &[s(&key), "is a folder"]);
    std::fs::remove_dir(&key).unwrap();
    std::fs::rename(&real, &key).unwrap();
    w.ok("siti", &["keys", "show"]);
    assert!(!out.exists());
}

/// Where `--out` names a link, a device, a FIFO or a folder: refused, and what was
/// there is still there, unchanged.
#[test]
fn out_never_replaces_a_link_a_device_a_fifo_or_a_folder() {
    let t = siti();
    let w = &t.w;
    let db = s(&t.db);
    let victim = w.path("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let link = w.path("link.out");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let fifo = w.path("fifo.out");
    mkfifo(&fifo);
    let folder = w.path("folder.out");
    std::fs::create_dir(&folder).unwrap();
    let mut targets = vec![
        (link.clone(), "is a symbolic link"),
        (fifo.clone(), "is a FIFO (named pipe)"),
        (folder.clone(), "is a folder"),
    ];
    // A device node of our own (as root): a null device in the test's folder.
    let device = w.path("null.out");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let c = std::ffi::CString::new(device.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid path; makedev(1, 3) is /dev/null's device number.
        let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        assert_eq!(made, 0, "mknod as root");
        targets.push((device.clone(), "is a character device"));
    }
    for (target, needle) in &targets {
        let o = s(target);
        for args in [
            vec!["--db", db, "export", "--out", o],
            vec!["--db", db, "report", "--format", "md", "--out", o],
            vec!["--db", db, "report", "--format", "xlsx", "--out", o],
            vec!["keys", "central-init", "--out", o],
        ] {
            refused(w, "siti", &args, &[o, needle]);
        }
    }
    // A CSV report writes beside --out: a link there is refused too.
    let csv_link = w.path("laporan-ranking.csv");
    std::os::unix::fs::symlink(&victim, &csv_link).unwrap();
    refused(
        w,
        "siti",
        &[
            "--db",
            db,
            "report",
            "--format",
            "csv",
            "--out",
            s(&w.path("laporan.csv")),
        ],
        &[s(&csv_link), "is a symbolic link"],
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(&csv_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(std::fs::metadata(&folder).unwrap().is_dir());
    if targets.len() == 4 {
        assert!(
            std::fs::symlink_metadata(&device)
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    // A regular file is replaced, atomically, as before.
    let regular = w.path("old.patuh");
    std::fs::write(&regular, b"old").unwrap();
    w.ok("siti", &["--db", db, "export", "--out", s(&regular)]);
    assert_ne!(std::fs::read(&regular).unwrap(), b"old");
}

#[test]
fn a_lock_file_planted_as_a_link_is_never_followed() {
    let t = siti();
    let victim = t.w.path("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let mut lock = t.db.as_os_str().to_owned();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let _ = std::fs::remove_file(&lock);
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let before = dump_db(&t.db);
    refused(
        &t.w,
        "siti",
        &[
            "--db",
            s(&t.db),
            "record",
            "81/DPMPTSP/NIB",
            "maklumat",
            "--value",
            "1",
        ],
        &["siti.db.lock: the lock file is a symbolic link", "rm "],
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(dump_db(&t.db), before);
}

// ---------------------------------------------------------------------------------
// 14. Secrets: private files in private folders
// ---------------------------------------------------------------------------------

#[test]
fn every_secret_and_its_folder_must_be_private() {
    let t = siti();
    let w = &t.w;
    let keys = w.keys("siti");
    let key = keys.join("assessor.key");
    let out = w.path("x.patuh");
    let export = ["--db", s(&t.db), "export", "--out", s(&out)];
    // The keys folder: group- or other-writable is refused, readable is fine.
    for mode in [0o777, 0o770, 0o730, 0o703] {
        chmod(&keys, mode);
        for args in [&["keys", "show"][..], &export[..]] {
            refused(
                w,
                "siti",
                args,
                &[
                    s(&keys),
                    &format!(
                        "the folder of a private key can be changed by others (mode {mode:03o})"
                    ),
                    &format!("chmod go-w {}", s(&keys)),
                ],
            );
        }
    }
    chmod(&keys, 0o755);
    w.ok("siti", &["keys", "show"]);
    chmod(&keys, 0o700);
    // The key file: any permission for group or others.
    for (mode, how) in [
        (0o644, "read"),
        (0o640, "read"),
        (0o604, "read"),
        (0o620, "changed"),
        (0o602, "changed"),
    ] {
        chmod(&key, mode);
        refused(
            w,
            "siti",
            &["keys", "show"],
            &[
                &format!("the private key can be {how} by others (mode {mode:03o})"),
                &format!("chmod 600 {}", s(&key)),
            ],
        );
    }
    chmod(&key, 0o600);
    w.ok("siti", &["--db", s(&t.db), "export", "--out", s(&out)]);
    // A new key is never written into a folder others can change.
    let open_keys = w.path("open-keys");
    std::fs::create_dir(&open_keys).unwrap();
    chmod(&open_keys, 0o777);
    let out_new = w
        .patuh("newbie")
        .env("PATUH_KEYS_DIR", &open_keys)
        .args(["keys", "init", "--name", "Baru", "--id", "ASN-9"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out_new.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out_new.stderr).contains("chmod go-w"));
    assert!(!open_keys.join("assessor.key").exists());

    // The central office's age identity, and its folder.
    let office = w.path("office");
    std::fs::create_dir(&office).unwrap();
    chmod(&office, 0o700);
    let identity = office.join("central.agekey");
    let recipient_line = w.ok("central", &["keys", "central-init", "--out", s(&identity)]);
    let recipient = recipient_line
        .split_whitespace()
        .find(|x| x.starts_with("age1"))
        .unwrap()
        .to_string();
    let enc = w.path("enc.patuh");
    w.ok(
        "siti",
        &[
            "--db",
            s(&t.db),
            "export",
            "--out",
            s(&enc),
            "--encrypt-to",
            &recipient,
        ],
    );
    w.ok("central", &["verify", s(&enc), "--identity", s(&identity)]);
    let merge = |db: &str| {
        vec![
            "central".to_string(),
            "merge".into(),
            "--db".into(),
            s(&w.path(db)).to_string(),
            "--identity".into(),
            s(&identity).to_string(),
            s(&enc).to_string(),
        ]
    };
    for (mode, how) in [
        (0o644, "read"),
        (0o640, "read"),
        (0o660, "read"),
        (0o622, "changed"),
    ] {
        chmod(&identity, mode);
        let needles = [
            s(&identity).to_string(),
            format!("the private key can be {how} by others (mode {mode:03o})"),
            format!("chmod 600 {}", s(&identity)),
        ];
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        refused(
            w,
            "central",
            &["verify", s(&enc), "--identity", s(&identity)],
            &needles,
        );
        let m = merge("c1.db");
        refused(
            w,
            "central",
            &m.iter().map(String::as_str).collect::<Vec<_>>(),
            &needles,
        );
    }
    chmod(&identity, 0o600);
    for mode in [0o777, 0o775, 0o1777] {
        chmod(&office, mode);
        refused(
            w,
            "central",
            &["verify", s(&enc), "--identity", s(&identity)],
            &[s(&office), &format!("chmod go-w {}", s(&office))],
        );
        // Nor is a new one written there.
        refused(
            w,
            "central",
            &[
                "keys",
                "central-init",
                "--out",
                s(&office.join("new.agekey")),
            ],
            &["chmod go-w"],
        );
        assert!(!office.join("new.agekey").exists());
    }
    chmod(&office, 0o750);
    w.ok("central", &["verify", s(&enc), "--identity", s(&identity)]);
    assert!(
        !w.path("c1.db").exists(),
        "no merge happened with an exposed identity"
    );
}

/// Every row of every table of a database, as text.
fn dump_db(db: &Path) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(&format!("{t}: {}\n", row.unwrap()));
        }
    }
    out
}
