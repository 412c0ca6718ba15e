//! The upgrade of databases older patuhs made: to cycles at work (schema 0011) of a
//! workstation of schema 9 (tests/fixtures/schema9-*, by commit a48ed3b: everything in
//! the cycle `default`, nothing lost, `check` across the upgrade, the same output, a
//! cycle started with carry on top); and below, to schema 8 (docs/data-model.md) of
//! databases the patuh before it made
//! (tests/fixtures/schema7-*.sql, dumped from files made by commit 1744a70): nothing is
//! lost (every observation, note, evidence reference, removed reference, finalization
//! and audit row is where schema 8 keeps it, the audit rows byte for byte), `check`
//! passes and verifies the hash chain across the upgrade, the scores, checklists and
//! histories are what that patuh printed, and work goes on (a change after the upgrade
//! chains on; a central database merges a new export).

mod common;
mod exchange_support;

use std::path::{Path, PathBuf};

use common::patuh;
use exchange_support::{World, s};
use rusqlite::Connection;
use serde_json::Value;

/// A database of schema 7 made from a fixture's dump, as the older patuh left it.
fn schema7(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let db = dir.join(name);
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(sql).unwrap();
    conn.execute_batch("PRAGMA user_version = 7; PRAGMA application_id = 1347704136;")
        .unwrap();
    db
}

const WORKSTATION: &str = include_str!("fixtures/schema7-workstation.sql");
const CENTRAL: &str = include_str!("fixtures/schema7-central.sql");

fn expected() -> Value {
    serde_json::from_str(include_str!("fixtures/schema7-expected.json")).unwrap()
}

/// Rows of a query as text lines, sorted.
fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            (0..n)
                .map(|k| {
                    r.get::<_, rusqlite::types::Value>(k)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out.sort();
    out
}

/// What a schema-7 file holds, in the terms of schema 8's tables (so that the two
/// can be compared line by line).
struct Held {
    observations: Vec<String>,
    evidence: Vec<String>,
    removed: Vec<String>,
    finalized: Vec<String>,
    audit: Vec<String>,
}

const PATH: &str = "(SELECT a.code || '/' || u.code || '/' || p.code FROM product p
                     JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                     WHERE p.id = x.pid)";

fn before(db: &Path) -> Held {
    let c = Connection::open(db).unwrap();
    Held {
        observations: rows(
            &c,
            &format!(
                "SELECT {PATH}, indicator, value, na, note, updated_at, updated_by
                 FROM (SELECT product_id AS pid, * FROM observation) x"
            ),
        ),
        evidence: rows(
            &c,
            &format!(
                "SELECT id, {PATH}, indicator, reference, size, sha256, added_at, added_by
                 FROM (SELECT product_id AS pid, * FROM evidence) x"
            ),
        ),
        removed: rows(
            &c,
            &format!(
                "SELECT id, evidence_id, {PATH}, indicator, reference, size, sha256, added_at, added_by,
                        removed_at, removed_by
                 FROM (SELECT product_id AS pid, * FROM evidence_removed) x"
            ),
        ),
        finalized: rows(
            &c,
            &format!(
                "SELECT {PATH}, finalized_at, finalized_by FROM (SELECT id AS pid, * FROM product) x
                 WHERE finalized_at IS NOT NULL"
            ),
        ),
        audit: rows(
            &c,
            "SELECT seq, at, who, product, indicator, action, old, new, prev_hash, hash FROM audit",
        ),
    }
}

fn after(db: &Path) -> Held {
    let c = Connection::open(db).unwrap();
    let default: i64 = c
        .query_row("SELECT id FROM cycle WHERE code = 'default'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let only = format!("cycle_id = {default} AND level = 3 AND respondent = 0");
    Held {
        observations: rows(
            &c,
            &format!(
                "SELECT {PATH}, indicator, value, na, note, updated_at, updated_by
                 FROM (SELECT node_id AS pid, * FROM answer WHERE {only}) x"
            ),
        ),
        evidence: rows(
            &c,
            &format!(
                "SELECT id, {PATH}, indicator, reference, size, sha256, added_at, added_by
                 FROM (SELECT node_id AS pid, * FROM evidence WHERE {only}) x"
            ),
        ),
        removed: rows(
            &c,
            &format!(
                "SELECT id, evidence_id, {PATH}, indicator, reference, size, sha256, added_at, added_by,
                        removed_at, removed_by
                 FROM (SELECT node_id AS pid, * FROM evidence_removed WHERE {only}) x"
            ),
        ),
        finalized: rows(
            &c,
            &format!(
                "SELECT {PATH}, finalized_at, finalized_by FROM (SELECT node_id AS pid, * FROM node_state
                 WHERE cycle_id = {default} AND level = 3) x WHERE finalized_at IS NOT NULL"
            ),
        ),
        audit: rows(
            &c,
            "SELECT seq, at, who, path, indicator, action, old, new, prev_hash, hash FROM audit
             WHERE cycle IS NULL AND respondent IS NULL",
        ),
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// `actual` with only the members `expected` has, at every depth: what the older
/// patuh printed, in what this one prints (which adds members).
fn project(actual: &Value, expected: &Value) -> Value {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => Value::Object(
            e.keys()
                .filter_map(|k| a.get(k).map(|v| (k.clone(), project(v, &e[k]))))
                .collect(),
        ),
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            Value::Array(a.iter().zip(e).map(|(x, y)| project(x, y)).collect())
        }
        _ => actual.clone(),
    }
}

fn json(home: &Path, db: &Path, args: &[&str]) -> Value {
    let out = patuh(home).arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_ok(home: &Path, db: &Path, says: &str) -> String {
    let out = patuh(home)
        .arg("--db")
        .arg(db)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "check failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(says), "{text}");
    text
}

#[test]
fn a_workstation_of_schema_7_upgrades_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = schema7(home, "ws.db", WORKSTATION);
    let held = before(&db);
    // The fixture holds what the upgrade must carry.
    assert!(held.observations.len() >= 20, "{:?}", held.observations);
    assert!(held.observations.iter().any(|o| o.contains("Maklumat")));
    assert_eq!(held.evidence.len(), 3);
    assert_eq!(held.removed.len(), 1);
    assert_eq!(held.finalized.len(), 2);
    assert_eq!(held.audit.len(), 42);

    // Opened by this patuh (here by `check`): upgraded, and the log accounts for all.
    let out = check_ok(home, &db, "audit chain intact, every change accounted for");
    assert!(out.contains("reopened after finalizing: 2"), "{out}");
    assert_eq!(
        count(&db, "PRAGMA user_version"),
        i64::from(patuh::store::SCHEMA_VERSION)
    );
    let now = after(&db);
    assert_eq!(now.observations, held.observations);
    assert_eq!(now.evidence, held.evidence);
    assert_eq!(now.removed, held.removed);
    assert_eq!(now.finalized, held.finalized);
    assert_eq!(
        now.audit, held.audit,
        "every audit row as it was, hash and all"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE cycle IS NOT NULL OR respondent IS NOT NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'observation'"
        ),
        0,
        "observation is gone: answer holds it"
    );
    // Every product's digest written in the upgrade: the first open is fast.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM product p WHERE NOT EXISTS (SELECT 1 FROM node_state s
             WHERE s.level = 3 AND s.node_id = p.id AND s.digest IS NOT NULL)"
        ),
        0
    );

    // What the older patuh printed.
    let expected = expected();
    let score = json(home, &db, &["score", "--json"]);
    assert_eq!(
        project(&score, &expected["workstation_score"]),
        expected["workstation_score"]
    );
    let shows = expected["show"].as_array().unwrap();
    for (path, want) in [
        "8171/DUKCAPIL/KTP-EL",
        "81/DPMPTSP/NIB",
        "9999/U1/P1",
        "8171/DUKCAPIL/AKTA-LAHIR",
    ]
    .iter()
    .zip(shows)
    {
        let got = json(home, &db, &["show", path, "--json"]);
        assert_eq!(&project(&got, want), want, "{path}");
    }
    let log = json(home, &db, &["log", "8171/DUKCAPIL/KTP-EL", "--json"]);
    assert_eq!(project(&log, &expected["log"]), expected["log"]);

    // Work goes on: a change after the upgrade chains on to the rows before it.
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["record", "8171/DUKCAPIL/KTP-EL", "biaya", "--value", "1"])
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["reopen", "8171/DUKCAPIL/KK", "--reason", "Dicek ulang"])
        .assert()
        .success();
    check_ok(home, &db, "audit chain intact, every change accounted for");
    assert_eq!(count(&db, "SELECT count(*) FROM audit"), 44);
    // An edit made with sqlite3 after the upgrade is still found.
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE answer SET note = 'diam-diam' WHERE indicator = 'persyaratan' AND level = 3
             AND node_id = (SELECT id FROM product WHERE code = 'KTP-EL')",
            [],
        )
        .unwrap();
    let out = patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "the audit log does not account for 8171/DUKCAPIL/KTP-EL: the note of indicator persyaratan"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_central_database_of_schema_7_upgrades_and_merges_on() {
    let w = World::new();
    let central = schema7(w.dir.path(), "central.db", CENTRAL);
    let held = before(&central);
    assert_eq!(
        held.audit.len(),
        0,
        "a central database has no assessor's log"
    );
    assert!(held.observations.len() >= 3, "{:?}", held.observations);
    assert_eq!(held.finalized.len(), 1);
    let results: Vec<String> = rows(
        &Connection::open(&central).unwrap(),
        "SELECT product_id, assessor_id, score, zone FROM assessor_result",
    );

    check_ok(
        w.dir.path(),
        &central,
        "central log intact, every merged file verified and merged again to the same results",
    );
    assert_eq!(
        count(&central, "PRAGMA user_version"),
        i64::from(patuh::store::SCHEMA_VERSION)
    );
    let now = after(&central);
    assert_eq!(now.observations, held.observations);
    assert_eq!(now.evidence, held.evidence);
    assert_eq!(now.finalized, held.finalized);
    assert_eq!(
        rows(
            &Connection::open(&central).unwrap(),
            "SELECT product_id, assessor_id, score, zone FROM assessor_result",
        ),
        results
    );
    let expected = expected();
    let score = w.score_json(&central, None);
    assert_eq!(
        project(&score, &expected["central_score"]),
        expected["central_score"]
    );

    // A new assessor's export merges into the upgraded database.
    let budi = w.workstation("budi", "Budi Santoso", "ASN-003");
    w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    let file = w.export("budi", &budi, "budi.patuh", &["8171"]);
    let out = w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&file)],
    );
    assert!(out.contains("merged"), "{out}");
    check_ok(
        w.dir.path(),
        &central,
        "every merged file verified and merged again to the same results",
    );
    let score = w.score_json(&central, Some("8171"));
    let ktp = &score["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap()["products"];
    let ktp = ktp
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "KTP-EL")
        .unwrap();
    assert_eq!(ktp["answered"], 1);
}

const WORKSTATION_9: &str = include_str!("fixtures/schema9-workstation.sql");

fn expected_9() -> Value {
    serde_json::from_str(include_str!("fixtures/schema9-expected.json")).unwrap()
}

/// Every row of the tables a workstation's work is in, by table, sorted.
fn work(db: &Path) -> Vec<(String, Vec<String>)> {
    let c = Connection::open(db).unwrap();
    [
        "answer",
        "node_state",
        "respondent",
        "evidence",
        "evidence_removed",
        "followup",
        "followup_register",
        "audit",
        "cycle",
        "agency",
        "unit",
        "product",
        "instrument",
    ]
    .iter()
    .map(|t| {
        // A digest is a cache of the answers: the upgrade writes the stale ones, and
        // (schema 0013) a row for each unit and agency that holds only its digest.
        let (columns, only) = if *t == "node_state" {
            (
                "cycle_id, level, node_id, finalized_at, finalized_by",
                " WHERE level = 3 OR finalized_at IS NOT NULL OR finalized_by IS NOT NULL",
            )
        } else {
            ("*", "")
        };
        (
            t.to_string(),
            rows(&c, &format!("SELECT {columns} FROM {t}{only}")),
        )
    })
    .collect()
}

/// The upgrade to cycles at work (schema 0011) of a workstation the patuh before it
/// made (tests/fixtures/schema9-*, from commit a48ed3b: values, notes, N/A,
/// respondents, data values, a follow-up register, evidence removed and put back,
/// finalized and reopened nodes): everything stays in the cycle `default`, every row as
/// it was (the audit rows byte for byte), `check` verifies the chain across the
/// upgrade, the commands print what that patuh printed, and a cycle started with carry
/// goes on from it.
#[test]
fn a_workstation_of_schema_9_goes_into_the_default_cycle_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("ws.db");
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(WORKSTATION_9).unwrap();
        conn.execute_batch("PRAGMA user_version = 9; PRAGMA application_id = 1347704136;")
            .unwrap();
    }
    let held = work(&db);
    let count_of = |t: &str| held.iter().find(|(n, _)| n == t).unwrap().1.len();
    // The fixture holds what the upgrade must carry.
    assert_eq!(count_of("audit"), 49);
    assert_eq!(count_of("respondent"), 4);
    assert_eq!(count_of("evidence"), 3);
    assert_eq!(count_of("evidence_removed"), 1);
    assert_eq!(count_of("followup"), 1);
    assert!(count_of("answer") >= 20);

    let out = check_ok(home, &db, "audit chain intact, every change accounted for");
    assert!(out.contains("reopened after finalizing: 1"), "{out}");
    assert_eq!(
        count(&db, "PRAGMA user_version"),
        i64::from(patuh::store::SCHEMA_VERSION)
    );
    let now = work(&db);
    for ((table, before), (_, after)) in held.iter().zip(&now) {
        let gone: Vec<&String> = before.iter().filter(|r| !after.contains(r)).collect();
        let new: Vec<&String> = after.iter().filter(|r| !before.contains(r)).collect();
        assert!(
            gone.is_empty() && new.is_empty(),
            "{table}: every row as it was, in the cycle default; gone {gone:?}, new {new:?}"
        );
    }
    assert_eq!(count(&db, "SELECT count(*) FROM cycle_agency"), 0);
    assert_eq!(
        count(&db, "SELECT count(*) FROM node_state WHERE digest IS NULL"),
        0,
        "the upgrade writes every stale digest"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM answer WHERE carried = 1"),
        0
    );
    let current: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'cycle.current'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(current, "default");

    // What the older patuh printed.
    let expected = expected_9();
    for (code, want) in expected["score"].as_object().unwrap() {
        let got = json(home, &db, &["score", "--agency", code, "--json"]);
        assert_eq!(&project(&got, want), want, "score {code}");
    }
    for (path, want) in expected["show"].as_object().unwrap() {
        let got = json(home, &db, &["show", path, "--json"]);
        assert_eq!(&project(&got, want), want, "show {path}");
    }
    for (path, want) in expected["log"].as_object().unwrap() {
        let got = json(home, &db, &["log", path, "--json"]);
        assert_eq!(&project(&got, want), want, "log {path}");
    }

    // Work goes on in a new cycle that starts from it, and `check` follows.
    let out = patuh(home)
        .arg("--db")
        .arg(&db)
        .args([
            "cycle",
            "start",
            "2026-penilaian",
            "--kind",
            "assessment",
            "--carry",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Carried 19 answers, 2 data values and 3 respondents from default"),
        "{said}"
    );
    for args in [
        &["confirm", "8171/DUKCAPIL/KTP-EL"][..],
        &["record", "8171/DUKCAPIL/KTP-EL", "waktu", "--value", "1"],
        &[
            "confirm",
            "1702/DUKCAPIL",
            "pengetahuan-standar",
            "--respondent",
            "1",
        ],
        &[
            "record",
            "8201",
            "ikm",
            "--value",
            "85",
            "--source",
            "KemenPAN-RB, IKM 2025",
        ],
    ] {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(args)
            .assert()
            .success();
    }
    check_ok(home, &db, "audit chain intact, every change accounted for");
    let diff = json(home, &db, &["diff", "--agency", "8171", "--json"]);
    let ktp = diff["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "KTP-EL")
        .unwrap()
        .clone();
    let waktu = ktp["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "waktu")
        .unwrap();
    assert_eq!(waktu["mark"], "fixed");
    // The rows of before still as they were: the new cycle wrote only its own.
    let after = work(&db);
    let audit_before = &held.iter().find(|(n, _)| n == "audit").unwrap().1;
    let audit_after = &after.iter().find(|(n, _)| n == "audit").unwrap().1;
    assert!(audit_before.iter().all(|r| audit_after.contains(r)));
}
