//! The central merge is order-independent and idempotent: five real exports of three
//! assessors (an assessor's older and newer export, a partial export, two products
//! assessed by two assessors, a finalized product) merged in any order give the same
//! consolidated content and scores, and merging everything again changes no byte.

mod exchange_support;

use std::path::Path;
use std::sync::OnceLock;

use exchange_support::*;
use patuh::domain::assignment::Assignment;
use patuh::domain::model::ScoreBook;
use patuh::domain::{Instrument, Value};
use patuh::exchange::ExchangeError;
use patuh::exchange::export::export_with;
use patuh::exchange::keys::Identity;
use patuh::exchange::merge::{Outcome, merge_verified, open_central};
use patuh::exchange::verify::{Verified, verify_bytes};
use patuh::store::Store;
use proptest::prelude::*;

fn workstation(dir: &Path, name: &str) -> Store {
    let mut store = Store::open_or_create(&dir.join(format!("{name}.db"))).unwrap();
    store.set_assessor(name).unwrap();
    for (_, text) in patuh::shipped::INSTRUMENTS {
        store
            .import_instrument(&Instrument::parse(text).unwrap())
            .unwrap();
    }
    let (file, text) = patuh::shipped::DEMO_ASSIGNMENT;
    store
        .import_assignment(&Assignment::parse(text).unwrap(), file)
        .unwrap();
    store
}

fn export(store: &Store, who: &Identity, dir: &Path, name: &str, agencies: &[&str]) -> Verified {
    let out = dir.join(name);
    let agencies: Vec<String> = agencies.iter().map(|s| s.to_string()).collect();
    export_with(store, who, &out, &agencies, None).unwrap();
    verify_bytes(&std::fs::read(&out).unwrap(), None, None).unwrap()
}

/// (name, verified export), made once for all cases.
fn exports() -> &'static Vec<(&'static str, Verified)> {
    static EXPORTS: OnceLock<Vec<(&'static str, Verified)>> = OnceLock::new();
    EXPORTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let siti = identity("Siti Rahma", "ASN-001", 1);
        let budi = identity("Budi Santoso", "ASN-002", 2);
        let citra = identity("Citra Dewi", "ASN-003", 3);
        let (nib, ktp, pbg) = ("81/DPMPTSP/NIB", "8171/DUKCAPIL/KTP-EL", "8103/DPMPTSP/PBG");

        let mut a = workstation(d, "Siti");
        at(&mut a, 1_000);
        put(&mut a, nib, "sk-standar", Value::Level(1), None);
        put(&mut a, ktp, "maklumat", Value::Level(1), Some("ada"));
        let a1 = export(&a, &siti, d, "a1", &["81", "8171"]);
        at(&mut a, 2_000);
        put(&mut a, nib, "persyaratan", Value::Level(1), None);
        put(&mut a, nib, "dasar-hukum", Value::NotApplicable, None);
        let a2 = export(&a, &siti, d, "a2", &["81"]);

        let mut b = workstation(d, "Budi");
        at(&mut b, 1_500);
        put(&mut b, ktp, "waktu", Value::Level(1), None);
        put(&mut b, pbg, "persyaratan", Value::Level(1), None);
        let p = b.product_ref(pbg).unwrap();
        b.finalize(&p).unwrap();
        let b1 = export(&b, &budi, d, "b1", &["8171", "8103"]);
        at(&mut b, 2_500);
        put(&mut b, ktp, "prosedur", Value::Level(1), None);
        let b2 = export(&b, &budi, d, "b2", &["8171", "8103"]);

        let mut c = workstation(d, "Citra");
        at(&mut c, 1_800);
        put(&mut c, nib, "maklumat", Value::Level(1), None);
        let c1 = export(&c, &citra, d, "c1", &["81"]);
        vec![("a1", a1), ("a2", a2), ("b1", b1), ("b2", b2), ("c1", c1)]
    })
}

fn rows(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    out.sort();
    out
}

const PATH: &str = "(SELECT a.code || '/' || u.code || '/' || p.code FROM product p
                     JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                     WHERE p.id = t.product_id)";

/// The consolidated content, free of row ids and merge times (the import log is a
/// log of when files came in, not a result).
fn content(store: &Store) -> Vec<String> {
    // Read as a person with sqlite3 would, on a connection of the test's own.
    let c = &rusqlite::Connection::open(store.path()).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT code, version, sha256, body FROM instrument".to_string(),
        "SELECT a.code, a.name, a.kind, i.code FROM agency a JOIN instrument i ON i.id = a.instrument_id".into(),
        "SELECT a.code, u.code, u.name FROM unit u JOIN agency a ON a.id = u.agency_id".into(),
        format!("SELECT {PATH}, name, finalized_at, finalized_by FROM (SELECT p.id AS product_id, p.name, s.finalized_at, s.finalized_by FROM product p LEFT JOIN node_state s ON s.level = 3 AND s.node_id = p.id) t"),
        format!("SELECT {PATH}, indicator, value, na, note, updated_at, updated_by FROM (SELECT node_id AS product_id, * FROM answer WHERE level = 3) t"),
        format!("SELECT {PATH}, indicator, reference, size, sha256, added_at, added_by FROM (SELECT node_id AS product_id, * FROM evidence WHERE level = 3) t"),
        format!("SELECT {PATH}, assessor_id, assessor_name, exported_at, payload_sha256, finalized_at, score, zone FROM assessor_result t"),
        format!("SELECT {PATH}, assessor_id, indicator, value, na, note FROM assessor_observation t"),
        "SELECT path, stamp FROM name_source".into(),
        "SELECT public_key, assessor_id FROM assessor_key".into(),
    ] {
        out.push(format!("== {sql}"));
        out.extend(rows(c, &sql));
    }
    let ds = store.load().unwrap();
    let book = ScoreBook::compute(&ds);
    // Every product, unit and agency score, in code order (row ids differ by order).
    let mut scores: Vec<String> = ds
        .products
        .ids()
        .map(|p| {
            format!(
                "product {} {:?}",
                ds.product_path(p),
                book.product_summary(p)
            )
        })
        .chain(ds.units.ids().map(|u| {
            let a = &ds.agencies[ds.units[u].agency];
            format!("unit {}/{} {:?}", a.code, ds.units[u].code, book.unit(u))
        }))
        .chain(
            ds.agencies
                .ids()
                .map(|a| format!("agency {} {:?}", ds.agencies[a].code, book.agency(&ds, a))),
        )
        .collect();
    scores.sort();
    out.extend(scores);
    out
}

/// Merges the exports in `order` into a new central database; returns its content.
fn merge_in(order: &[usize], dir: &Path) -> (Vec<String>, std::path::PathBuf) {
    let files = exports();
    let db = dir.join(format!(
        "central-{}.db",
        order.iter().map(|i| i.to_string()).collect::<String>()
    ));
    let mut store = open_central(&db).unwrap();
    for &i in order {
        let (name, v) = &files[i];
        match merge_verified(&mut store, v, name, None) {
            Ok(Outcome::Merged(_)) => {}
            Ok(other) => panic!("{name}: unexpected {other:?}"),
            // An older export of an assessor after the newer one: refused as a replay.
            Err(ExchangeError::Replayed { .. }) if *name == "b1" => {}
            Err(e) => panic!("{name} in order {order:?}: {e}"),
        }
    }
    (content(&store), db)
}

fn reference() -> &'static Vec<String> {
    static REF: OnceLock<Vec<String>> = OnceLock::new();
    REF.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        merge_in(&[0, 1, 2, 3, 4], dir.path()).0
    })
}

#[test]
fn the_reference_merge_holds_what_each_assessor_did() {
    let r = reference().join("\n");
    // Siti's newer export supersedes her older one for NIB; her KTP-EL result comes
    // from the older one (the newer one did not include Kota Ambon).
    assert!(r.contains("\"81/DPMPTSP/NIB\")|Text(\"ASN-001\")|Text(\"Siti Rahma\")|Text(\"1970-01-01T00:33:20.000000000Z\")"), "{r}");
    assert!(r.contains("\"8171/DUKCAPIL/KTP-EL\")|Text(\"ASN-001\")|Text(\"Siti Rahma\")|Text(\"1970-01-01T00:16:40.000000000Z\")"), "{r}");
    // Budi's newer export, and his finalized PBG chosen for `observation`.
    assert!(r.contains("\"8171/DUKCAPIL/KTP-EL\")|Text(\"ASN-002\")|Text(\"Budi Santoso\")|Text(\"1970-01-01T00:41:40.000000000Z\")"), "{r}");
    assert!(r.contains("Text(\"8103/DPMPTSP/PBG\")|Text(\"Persetujuan Bangunan Gedung (PBG)\")|Text(\"1970-01-01T00:25:00Z\")|Text(\"Budi\")"), "{r}");
    // NIB by Siti (newest) and Citra: both kept; observation holds Siti's values.
    assert!(r.contains("\"81/DPMPTSP/NIB\")|Text(\"ASN-003\")"), "{r}");
    assert!(
        r.contains("Text(\"81/DPMPTSP/NIB\")|Text(\"persyaratan\")|Integer(1)"),
        "{r}"
    );
    assert!(
        !r.contains(
            "Text(\"81/DPMPTSP/NIB\")|Text(\"maklumat\")|Integer(1)|Integer(0)|Text(\"\")|"
        ),
        "{r}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn merge_order_does_not_matter_and_merging_again_changes_nothing(
        order in Just(vec![0usize, 1, 2, 3, 4]).prop_shuffle()
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (got, db) = merge_in(&order, dir.path());
        prop_assert_eq!(&got, reference(), "order {:?}", order);

        let before = snapshot(&db);
        let mut store = open_central(&db).unwrap();
        for (name, v) in exports() {
            match merge_verified(&mut store, v, name, None) {
                Ok(Outcome::AlreadyMerged { .. }) | Err(ExchangeError::Replayed { .. }) => {}
                other => panic!("{name} merged again: {other:?}"),
            }
        }
        drop(store);
        prop_assert!(before == snapshot(&db), "merging again changed the file");
    }
}

/// Two merges creating the same new central database at once (two offices' files
/// merged the moment they arrive): both succeed, and the database holds what merging
/// the two files one after the other gives. Until the file exists, each builds one
/// under a name of its own; the one that comes second opens the one linked first.
#[test]
fn two_merges_creating_one_central_database_at_once_both_succeed() {
    let files = exports();
    // Siti's a1 and Citra's c1: two assessors, each new to the database.
    let pair = [&files[0], &files[4]];
    let dir = tempfile::tempdir().unwrap();
    let expected = merge_in(&[0, 4], dir.path()).0;
    for round in 0..20 {
        let db = dir.path().join(format!("race-{round}.db"));
        let start = std::sync::Barrier::new(pair.len());
        let outcomes: Vec<Result<Outcome, ExchangeError>> = std::thread::scope(|s| {
            let running: Vec<_> = pair
                .iter()
                .map(|(name, v)| {
                    let (start, db) = (&start, &db);
                    s.spawn(move || {
                        start.wait();
                        let mut store = open_central(db)?;
                        merge_verified(&mut store, v, name, None)
                    })
                })
                .collect();
            running.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for o in &outcomes {
            assert!(matches!(o, Ok(Outcome::Merged(_))), "round {round}: {o:?}");
        }
        assert_eq!(
            content(&Store::open(&db).unwrap()),
            expected,
            "round {round}"
        );
    }
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".new-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// A full disk during a merge (the process may write no file past 64 KiB, as on a
/// disk with no room left): the merge says so, naming the central database, and
/// nothing of the file is merged; the database is unchanged and still passes `check`.
#[test]
fn a_full_disk_during_a_merge_says_so_and_changes_nothing() {
    let world = World::new();
    let ws = world.workstation("siti", "Siti Rahma", "ASN-001");
    world.record("siti", &ws, "81/DPMPTSP/NIB", "persyaratan", "1");
    let file = world.export("siti", &ws, "siti.patuh", &[]);
    let central = world.path("central.db");
    drop(open_central(&central).unwrap());
    let before = patuh_dump(&central);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("patuh"));
    cmd.env_clear()
        .env("HOME", world.path("home-central"))
        .env("XDG_DATA_HOME", world.path("home-central/data"))
        .env("LANG", "C")
        .args(["central", "merge", "--db", s(&central), s(&file)]);
    limit_file_size(&mut cmd, 64 * 1024);
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("central.db"), "{err}");
    assert!(
        err.contains("is it full") && err.contains("not saved"),
        "{err}"
    );
    assert!(!err.contains("database error"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(patuh_dump(&central), before, "nothing was merged");
    world.ok("central", &["--db", s(&central), "check"]);
    // With room again, the same file merges.
    world.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&file)],
    );
}

/// Every row of every table of a database, read as sqlite3 would.
fn patuh_dump(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .iter()
        .flat_map(|t| rows(&conn, &format!("SELECT '{t}', * FROM \"{t}\"")))
        .collect()
}

/// No file written by the command may grow past `bytes` (RLIMIT_FSIZE): what a full
/// disk looks like to the program (patuh ignores SIGXFSZ, so the write fails).
fn limit_file_size(cmd: &mut std::process::Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
