//! The SQLite store on real files: creation and migration, refusal of foreign, damaged
//! and newer files (left byte-for-byte untouched), transactions with hash-chained audit
//! rows, imports that change nothing when refused.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use patuh::domain::Value;
use patuh::domain::assignment::Assignment;
use patuh::store::{InstrumentOutcome, SCHEMA_VERSION, Store, StoreError};

fn demo_store(db: &Path) -> Store {
    let mut store = Store::open_or_create(db).expect("create");
    store.set_assessor("Penilai Uji").unwrap();
    for i in [instrument_2021(), instrument_2022()] {
        store.import_instrument(&i).unwrap();
    }
    let a = Assignment::parse(include_str!("../fixtures/demo/maluku.json")).unwrap();
    store.import_assignment(&a, "maluku.json").unwrap();
    store
}

fn pragma_i64(db: &Path, pragma: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_file_is_complete_private_and_current() {
    let (dir, db) = temp_db();
    drop(Store::open_or_create(&db).unwrap());
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(pragma_i64(&db, "user_version"), i64::from(SCHEMA_VERSION));
    assert_eq!(
        pragma_i64(&db, "application_id"),
        i64::from(patuh::store::APPLICATION_ID)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    // No temp file left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".new-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn an_unmigrated_patuh_file_is_migrated() {
    let (_dir, db) = temp_db();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "application_id", patuh::store::APPLICATION_ID)
            .unwrap();
        conn.execute_batch("CREATE TABLE scratch (x INTEGER)")
            .unwrap();
    }
    let store = Store::open(&db).unwrap();
    assert_eq!(pragma_i64(&db, "user_version"), i64::from(SCHEMA_VERSION));
    assert!(store.instruments().unwrap().is_empty());
}

/// Opens `db`, expects a refusal, and checks that nothing changed on disk.
fn assert_refused_untouched(db: &Path, expect: impl Fn(&StoreError) -> bool) -> String {
    let before = snapshot_file(db);
    let err = match Store::open(db) {
        Ok(_) => panic!("{} was opened", db.display()),
        Err(e) => e,
    };
    assert!(expect(&err), "unexpected error: {err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&db.display().to_string()),
        "message names the file: {msg}"
    );
    assert!(msg.contains("untouched"), "{msg}");
    assert_eq!(
        snapshot_file(db),
        before,
        "the file or its side files changed"
    );
    msg
}

#[test]
fn refuses_a_foreign_sqlite_database() {
    let (_dir, db) = temp_db();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE; CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
            .unwrap();
    }
    let msg = assert_refused_untouched(&db, |e| matches!(e, StoreError::NotPatuh { .. }));
    assert!(msg.contains("another application"), "{msg}");
}

#[test]
fn refuses_non_databases() {
    let (dir, _) = temp_db();
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty.db", Vec::new()),
        (
            "text.db",
            b"hello, this is not a database at all\n".repeat(10),
        ),
        (
            "random.db",
            (0..8192u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let db = dir.path().join(name);
        std::fs::write(&db, &bytes).unwrap();
        assert_refused_untouched(&db, |e| matches!(e, StoreError::NotPatuh { .. }));
    }
}

#[test]
fn refuses_a_newer_schema() {
    let (_dir, db) = temp_db();
    drop(demo_store(&db));
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let msg = assert_refused_untouched(&db, |e| matches!(e, StoreError::Newer { .. }));
    assert!(msg.contains("newer patuh"), "{msg}");
}

/// A schema version set back by hand (`PRAGMA user_version = 2` on a current file)
/// would make the upgrade add columns that are there already ("duplicate column name:
/// digest"): the file is refused, untouched, with the version its tables are and the
/// command that sets it back; and that command works.
#[test]
fn a_schema_version_that_does_not_match_the_tables_is_refused_with_the_fix() {
    let (dir, db) = temp_db();
    checkpointed_demo(&db);
    let before = dump(&db);
    let set_version = |v: i32| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", v).unwrap();
    };
    for claimed in [0, 2, 3] {
        set_version(claimed);
        let msg = assert_refused_untouched(&db, |e| matches!(e, StoreError::SchemaMismatch { .. }));
        assert!(
            msg.contains(&format!("schema version {SCHEMA_VERSION}"))
                && msg.contains(&format!("says {claimed}"))
                && msg.contains(&format!("PRAGMA user_version = {SCHEMA_VERSION}")),
            "{msg}"
        );
        assert!(!msg.contains("duplicate column"), "{msg}");
    }
    // The command line says the same, with exit 1.
    let out = patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .arg("score")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("patuh.db") && err.contains("PRAGMA user_version"),
        "{err}"
    );
    // The fix named works, and nothing was lost.
    set_version(SCHEMA_VERSION);
    let store = Store::open(&db).unwrap();
    assert!(store.check().unwrap().is_empty());
    drop(store);
    assert_eq!(dump(&db), before);

    // Tables of no version at all (one of patuh's dropped): restore from a backup.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TABLE name_source")
        .unwrap();
    let msg = assert_refused_untouched(&db, |e| {
        matches!(
            e,
            StoreError::SchemaMismatch {
                tables_of: None,
                ..
            }
        )
    });
    assert!(msg.contains("Restore it from a backup"), "{msg}");
}

fn checkpointed_demo(db: &Path) {
    drop(demo_store(db));
    // Leave it in rollback mode so no side files are expected while it is closed.
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

#[test]
fn refuses_a_truncated_database() {
    let (_dir, db) = temp_db();
    checkpointed_demo(&db);
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 2 / 4096 * 4096]).unwrap();
    assert_refused_untouched(&db, |e| matches!(e, StoreError::Corrupt { .. }));
}

#[test]
fn refuses_a_database_with_a_damaged_schema_page() {
    let (_dir, db) = temp_db();
    checkpointed_demo(&db);
    let mut bytes = std::fs::read(&db).unwrap();
    // Overwrite the schema table's page content (page 1 after the 100-byte header).
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    assert_refused_untouched(&db, |e| matches!(e, StoreError::Corrupt { .. }));
}

/// A file in WAL mode (as patuh leaves every file) is judged from outside SQLite by
/// its first 100 bytes only (the rest may be mid-checkpoint, src/store/header.rs):
/// truncated, or with its schema page damaged, it is refused by SQLite's own reading,
/// as damaged, and left untouched with no side file, by the writers' and the readers'
/// open alike.
#[test]
fn a_wal_mode_file_truncated_or_with_a_damaged_schema_is_refused_untouched() {
    let (dir, db) = temp_db();
    drop(demo_store(&db));
    let good = std::fs::read(&db).unwrap();
    assert_eq!((good[18], good[19]), (2, 2), "a patuh file is in WAL mode");
    let mut damaged = good.clone();
    for b in &mut damaged[100..4096] {
        *b = 0xA5;
    }
    let truncated = good[..good.len() / 3 / 4096 * 4096].to_vec();
    for (name, bytes) in [("damaged.db", damaged), ("truncated.db", truncated)] {
        let db = dir.path().join(name);
        std::fs::write(&db, &bytes).unwrap();
        assert_refused_untouched(&db, |e| matches!(e, StoreError::Corrupt { .. }));
        let before = snapshot_file(&db);
        let err = Store::open_reader(&db).err().expect("refused");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{name}: {err}");
        assert_eq!(snapshot_file(&db), before, "{name}");
    }
}

#[test]
fn a_missing_file_is_not_created_by_open() {
    let (_dir, db) = temp_db();
    let err = Store::open(&db).err().expect("refused");
    assert!(matches!(err, StoreError::Missing { .. }));
    assert!(err.to_string().contains("patuh init"));
    assert!(!db.exists());
}

#[test]
fn each_change_is_one_transaction_with_a_chained_audit_row() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let i = instrument_2021();
    let p = store.product_ref("8171/DUKCAPIL/KTP-EL").unwrap();
    let ind = &i.indicators[i.indicator_index("persyaratan").unwrap()];
    let out = store.record(&p, ind, Some(Value::Level(1)), None).unwrap();
    assert_eq!((out.old_value, out.audit_rows), (Value::Unanswered, 1));
    // The same value again changes nothing and writes no audit row.
    assert_eq!(
        store
            .record(&p, ind, Some(Value::Level(1)), None)
            .unwrap()
            .audit_rows,
        0
    );
    let out = store
        .record(
            &p,
            ind,
            Some(Value::NotApplicable),
            Some("Tidak ada loket 🙏"),
        )
        .unwrap();
    assert_eq!(out.audit_rows, 2);
    drop(store);

    // Another connection (as after a crash) sees everything, with who and old -> new.
    let conn = rusqlite::Connection::open(&db).unwrap();
    type Row = (i64, String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = conn
        .prepare("SELECT seq, who, path, action, old, new FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].1, "Penilai Uji");
    assert_eq!(rows[0].2, "8171/DUKCAPIL/KTP-EL");
    assert_eq!(
        (rows[0].4.as_deref(), rows[0].5.as_deref()),
        (Some(""), Some("1"))
    );
    assert_eq!(
        (rows[1].4.as_deref(), rows[1].5.as_deref()),
        (Some("1"), Some("N/A"))
    );
    assert_eq!(rows[2].3, "note");
    assert_eq!(rows[2].5.as_deref(), Some("Tidak ada loket 🙏"));
    assert_eq!(patuh::store::verify_chain(&conn).unwrap(), Ok(3));
    let store = Store::open(&db).unwrap();
    assert!(store.check().unwrap().is_empty());
    let ds = store.load().unwrap();
    let pi = ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    assert_eq!(
        ds.products[pi].values[i.indicator_index("persyaratan").unwrap()],
        Value::NotApplicable
    );
}

#[test]
fn out_of_range_and_finalized_are_refused_without_change() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let i = instrument_2021();
    let p = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let ind = &i.indicators[0];
    let before = dump(&db);
    let err = store
        .record(&p, ind, Some(Value::Level(2)), None)
        .unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    assert_eq!(dump(&db), before);

    store.finalize(&p).unwrap();
    let after_final = dump(&db);
    let err = store
        .record(&p, ind, Some(Value::Level(1)), None)
        .unwrap_err();
    assert!(err.to_string().contains("finalized"), "{err}");
    assert_eq!(dump(&db), after_final);
    assert!(store.reopen(&p, "  ").is_err());
    store.reopen(&p, "Salah centang, diperbaiki").unwrap();
    store.record(&p, ind, Some(Value::Level(1)), None).unwrap();
    let reasons: Vec<Option<String>> = rusqlite::Connection::open(&db)
        .unwrap()
        .prepare("SELECT new FROM audit WHERE action = 'reopen'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(reasons, [Some("Salah centang, diperbaiki".to_string())]);
}

#[test]
fn edited_deleted_or_reordered_audit_rows_are_detected() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let i = instrument_2021();
    let p = store.product_ref("81/DPMPTSP/NIB").unwrap();
    for k in 0..5 {
        store
            .record(&p, &i.indicators[k], Some(Value::Level(1)), None)
            .unwrap();
    }
    drop(store);
    let tamper = |sql: &str| {
        let copy = db.with_extension(format!("t{}", sql.len()));
        std::fs::copy(&db, &copy).unwrap();
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let mut cwal = copy.as_os_str().to_owned();
        cwal.push("-wal");
        let _ = std::fs::copy(&wal, &cwal);
        let conn = rusqlite::Connection::open(&copy).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        let store = Store::open(&copy).unwrap();
        store.check().unwrap()
    };
    let edited = tamper("UPDATE audit SET new = '0' WHERE seq = 3");
    assert!(edited.iter().any(|p| p.contains("row 3")), "{edited:?}");
    let deleted = tamper("DELETE FROM audit WHERE seq = 2");
    assert!(
        deleted.iter().any(|p| p.contains("deleted or reordered")),
        "{deleted:?}"
    );
    let reordered = tamper(
        "UPDATE audit SET seq = 100 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 100;",
    );
    assert!(!reordered.is_empty(), "reordering went unnoticed");
}

#[test]
fn instrument_import_is_idempotent_and_immutable() {
    let (_dir, db) = temp_db();
    let mut store = Store::open_or_create(&db).unwrap();
    let i = instrument_2021();
    assert_eq!(
        store.import_instrument(&i).unwrap(),
        InstrumentOutcome::Added
    );
    assert_eq!(
        store.import_instrument(&i).unwrap(),
        InstrumentOutcome::AlreadyThere
    );
    let mut changed: serde_json::Value = serde_json::from_str(&i.canonical).unwrap();
    changed["indicators"][0]["weight"] = serde_json::json!(9);
    let changed = patuh::domain::Instrument::from_value(&changed).unwrap();
    let before = dump(&db);
    let err = store.import_instrument(&changed).unwrap_err();
    assert!(err.to_string().contains("new \"version\""), "{err}");
    assert_eq!(dump(&db), before);
}

#[test]
fn assignment_import_is_idempotent_and_all_or_nothing() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let text = include_str!("../fixtures/demo/maluku.json");
    let a = Assignment::parse(text).unwrap();
    let before = dump(&db);
    assert!(
        !store
            .import_assignment(&a, "maluku.json")
            .unwrap()
            .changed()
    );
    assert_eq!(dump(&db), before);

    // An unknown instrument: refused, nothing changed.
    let mut unknown = a.clone();
    unknown.instrument_version = "99".into();
    unknown.agencies[0].code = "9999".into();
    let err = store.import_assignment(&unknown, "x.json").unwrap_err();
    assert!(
        err.to_string()
            .contains("instrument kepatuhan-2021 version 99"),
        "{err}"
    );
    assert_eq!(dump(&db), before);

    // A later agency clashing with another instrument: the earlier ones are not kept.
    let mut clash = a.clone();
    clash.instrument_id = "kepatuhan-2022".into();
    clash.agencies.insert(0, {
        let mut new = clash.agencies[0].clone();
        new.code = "NEW-AGENCY".into();
        new
    });
    let err = store.import_assignment(&clash, "clash.json").unwrap_err();
    assert!(err.to_string().contains("another instrument"), "{err}");
    assert_eq!(dump(&db), before);

    // New products are added, existing ones kept with their observations.
    let mut more = a;
    more.agencies[0].units[0]
        .products
        .push(patuh::domain::assignment::ProductEntry {
            code: "BARU".into(),
            name: "Layanan baru".into(),
        });
    let o = store.import_assignment(&more, "more.json").unwrap();
    assert_eq!((o.products_added, o.agencies_added), (1, 0));
}

#[test]
fn assignment_files_are_checked_with_paths() {
    let bad = r#"{"format": "patuh-assignment", "format_version": 1,
        "instrument": {"id": "kepatuhan-2021", "version": "1"}, "title": "t",
        "agencies": [
          {"code": "81", "name": "A", "kind": "provinsi", "units": []},
          {"code": "81", "name": "B", "kind": "pemkot", "units": [
            {"code": "U 1", "name": "U", "products": [{"code": "P", "name": "x"}, {"code": "P", "name": ""}]}]}]}"#;
    let ps: Vec<String> = Assignment::parse(bad)
        .unwrap_err()
        .iter()
        .map(|p| p.to_string())
        .collect();
    let expect = [
        "$.agencies[0].kind: unknown kind \"provinsi\"",
        "$.agencies[1].code: duplicate agency code \"81\"",
        "$.agencies[1].units[0].code: \"U 1\" is not a valid code",
        "$.agencies[1].units[0].products[1].code: duplicate product code \"P\"",
        "$.agencies[1].units[0].products[1].name: must not be empty",
    ];
    for e in expect {
        assert!(ps.iter().any(|p| p.starts_with(e)), "missing {e}: {ps:#?}");
    }
    assert!(
        Assignment::parse("[1, 2").unwrap_err()[0]
            .message
            .contains("not valid JSON")
    );
}

#[test]
fn demo_assignment_is_big_enough() {
    let a = Assignment::parse(include_str!("../fixtures/demo/maluku.json")).unwrap();
    assert!(a.agencies.len() >= 6);
    assert!(a.agencies.iter().map(|x| x.units.len()).sum::<usize>() >= 15);
    assert!(a.product_count() >= 40);
    let names: Vec<&str> = a.agencies.iter().map(|x| x.name.as_str()).collect();
    for want in [
        "Pemerintah Provinsi Maluku",
        "Pemerintah Kota Ambon",
        "Pemerintah Kota Tual",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
}

/// Pages a keystroke's commit writes, counted in the WAL: the observation and its
/// audit row, nothing else, even when the observation carries a note (setting an
/// unchanged note again would rewrite its entry in the notes index).
#[test]
fn a_value_change_writes_two_pages_even_beside_a_note() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let i = instrument_2021();
    let p = store.product_ref("8171/DUKCAPIL/KTP-EL").unwrap();
    let ind = &i.indicators[3];
    store
        .record(
            &p,
            ind,
            Some(Value::Level(1)),
            Some("Papan informasi di loket 2"),
        )
        .unwrap();
    // Once more, so that the product's digest is stale already (a first change of a
    // product also marks it, a page of `product`).
    store.record(&p, ind, Some(Value::Level(0)), None).unwrap();
    let wal = db.with_file_name(format!("{}-wal", db.file_name().unwrap().to_string_lossy()));
    // From a connection of its own, as sqlite3 would: the store holds no transaction.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let commits = 20u64;
    for k in 0..commits {
        let v = Value::Level(u8::from(k % 2 == 0));
        let out = store.record(&p, ind, Some(v), None).unwrap();
        assert_eq!(out.audit_rows, 1);
        assert_eq!(out.old_note, "Papan informasi di loket 2");
    }
    let frames = (std::fs::metadata(&wal).unwrap().len() - 32) / (4096 + 24);
    // Two pages per commit, and now and then a page more when the audit log's last
    // page fills up; three per commit would mean a third B-tree is written.
    assert!(
        frames <= commits * 2 + commits / 4,
        "{frames} WAL frames for {commits} commits"
    );
    let ds = store.load().unwrap();
    let pi = ds.products.position(|q| q.db_id == p.db_id).unwrap();
    assert_eq!(ds.products[pi].values[3], Value::Level(0));
}

/// Schema 0007: a database holds cycles; one made before them (or new) has the one
/// cycle `default`, an assessment, which is the current one.
#[test]
fn every_database_has_the_default_cycle_as_its_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    drop(Store::open_or_create(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (code, kind, current): (String, String, String) = conn
        .query_row(
            "SELECT code, kind, (SELECT value FROM meta WHERE key = 'cycle.current') FROM cycle",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (code.as_str(), kind.as_str(), current.as_str()),
        ("default", "assessment", "default")
    );
}
