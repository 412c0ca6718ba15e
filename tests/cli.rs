//! The command line as a user runs it: exit codes, `--db` anywhere, `init --demo`,
//! `record`, `show --json`, `score --json` with the contract's exact scores, and an
//! instrument the project never saw working after `instrument import`.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;
use serde_json::{Value, json};

fn run_json(home: &Path, db: &Path, args: &[&str]) -> Value {
    let out = patuh(home).arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn init_demo(home: &Path, db: &Path) {
    patuh(home)
        .arg("--db")
        .arg(db)
        .args(["init", "--demo", "--assessor", "Siti Aminah"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo products added: 79"));
}

#[test]
fn help_everywhere_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["demo", "--help"],
        vec!["record", "--help"],
        vec!["show", "--help"],
        vec!["score", "--help"],
        vec!["check", "--help"],
        vec!["instrument", "--help"],
        vec!["instrument", "validate", "--help"],
        vec!["instrument", "import", "--help"],
        vec!["instrument", "list", "--help"],
        vec!["instrument", "show", "--help"],
        vec!["assignment", "import", "--help"],
    ] {
        patuh(dir.path())
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
    patuh(dir.path()).args(["frobnicate"]).assert().code(2);
    patuh(dir.path())
        .args(["record", "81/A/B"])
        .assert()
        .code(2);
    patuh(dir.path())
        .args(["record", "81/A/B", "x", "--value", "1", "--na"])
        .assert()
        .code(2);
}

#[test]
fn db_before_or_after_the_subcommand_or_from_the_environment() {
    let (dir, db) = temp_db();
    init_demo(dir.path(), &db);
    let a = run_json(dir.path(), &db, &["score", "--json"]);
    let out = patuh(dir.path())
        .args(["score", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), a);
    let out = patuh(dir.path())
        .env("PATUH_DB", &db)
        .args(["score", "--json"])
        .output()
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), a);
}

#[test]
fn init_is_idempotent() {
    let (dir, db) = temp_db();
    init_demo(dir.path(), &db);
    let before = dump(&db);
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["init", "--demo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("instruments added: 0"))
        .stdout(predicate::str::contains("demo products added: 0"));
    assert_eq!(dump(&db), before);
}

#[test]
fn the_default_database_lives_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    patuh(dir.path()).arg("init").assert().success();
    assert!(dir.path().join("data/patuh/patuh.db").exists());
}

#[test]
fn record_show_and_score_give_the_contract_scores() {
    let (dir, db) = temp_db();
    let home = dir.path();
    init_demo(home, &db);
    let p = "8171/DUKCAPIL/KTP-EL";
    // Tick the six heaviest (5 each of 94): 100 * 30 / 94 = 31.91, red.
    for ind in [
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "maklumat",
        "sarana-pengaduan",
    ] {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["record", p, ind, "--value", "1"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Saved"));
    }
    // The whole "khusus" dimension N/A (10.25): 100 * 30 / 83.75 = 35.82, red.
    for ind in [
        "ramp",
        "kursi-roda",
        "loket-prioritas",
        "toilet-disabilitas",
        "ruang-laktasi",
        "ruang-bermain-anak",
    ] {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["record", p, ind, "--na"])
            .assert()
            .success();
    }
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args([
            "record",
            p,
            "maklumat",
            "--note",
            "Maklumat dipajang di dinding — “jelas”",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("35.82 merah"));

    let show = run_json(home, &db, &["show", p, "--json"]);
    assert_eq!(show["path"], p);
    assert_eq!(show["score"].to_string(), "35.82");
    assert_eq!(show["zone"], "merah");
    assert_eq!(show["answered"], 12);
    assert_eq!(show["total"], 36);
    let inds = show["indicators"].as_array().unwrap();
    assert_eq!(inds.len(), 36);
    let maklumat = inds.iter().find(|i| i["id"] == "maklumat").unwrap();
    assert_eq!(maklumat["value"], 1);
    assert_eq!(maklumat["na"], false);
    assert_eq!(maklumat["dimension"], "standar");
    assert_eq!(maklumat["note"], "Maklumat dipajang di dinding — “jelas”");
    let ramp = inds.iter().find(|i| i["id"] == "ramp").unwrap();
    assert_eq!(
        (ramp["value"].clone(), ramp["na"].clone()),
        (Value::Null, json!(true))
    );

    // A second product of the same unit, everything ticked: 100.
    let q = "8171/DUKCAPIL/KK";
    let inds: Vec<String> = inds
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    for ind in &inds {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["record", q, ind, "--value", "1"])
            .assert()
            .success();
    }
    let score = run_json(home, &db, &["score", "--agency", "8171", "--json"]);
    let agencies = score["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), 1);
    let ambon = &agencies[0];
    assert_eq!(ambon["code"], "8171");
    assert_eq!(ambon["kind"], "pemkot");
    let unit = ambon["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap();
    let products = unit["products"].as_array().unwrap();
    let get = |code: &str| products.iter().find(|x| x["code"] == code).unwrap().clone();
    assert_eq!(get("KTP-EL")["score"].to_string(), "35.82");
    assert_eq!(get("KK")["score"].to_string(), "100.00");
    assert_eq!(get("KK")["zone"], "hijau");
    // Unit: mean of its products. Untouched products score 0 (unanswered = 0).
    let n = products.len() as i64;
    // (3000/83.75 + 100 + 0 * (n - 2)) / n, exactly: (3000 * 4 / 335 + 100) / n
    let exact = (12000.0 / 335.0 + 100.0) / n as f64;
    let shown = unit["score"].as_f64().unwrap();
    assert!(
        (shown - (exact * 100.0).round() / 100.0).abs() < 1e-9,
        "{shown} vs {exact}"
    );
    assert_eq!(unit["answered"], 12 + 36);
    assert_eq!(unit["total"], 36 * n);
    // The agency rolls up all its products (aggregate = products).
    let all: i64 = ambon["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["products"].as_array().unwrap().len() as i64)
        .sum();
    let agency_exact = (12000.0 / 335.0 + 100.0) / all as f64;
    let shown = ambon["score"].as_f64().unwrap();
    assert!((shown - (agency_exact * 100.0).round() / 100.0).abs() < 1e-9);
    // Other agencies are untouched: score 0, zone merah, nothing answered.
    let all_scores = run_json(home, &db, &["score", "--json"]);
    let tual = all_scores["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "8172")
        .unwrap();
    assert_eq!(
        (tual["score"].to_string(), tual["answered"].clone()),
        ("0.00".to_string(), json!(0))
    );
    // Exactly two decimals in the JSON text.
    let text = String::from_utf8(
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["show", p, "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("\"score\": 35.82"), "{text}");
    // And the audit chain is intact.
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain intact"));
}

#[test]
fn bad_records_get_clear_messages_and_change_nothing() {
    let (dir, db) = temp_db();
    let home = dir.path();
    init_demo(home, &db);
    let before = dump(&db);
    let cases: [(&[&str], &str); 5] = [
        (
            &["record", "81/DPMPTSP/NIB", "persyaratan", "--value", "2"],
            "out of range",
        ),
        (
            &["record", "81/DPMPTSP/NOPE", "persyaratan", "--value", "1"],
            "no product 81/DPMPTSP/NOPE",
        ),
        (
            &["record", "81-DPMPTSP", "persyaratan", "--value", "1"],
            "AGENCY/UNIT/PRODUCT",
        ),
        (
            &["record", "81/DPMPTSP/NIB", "nope", "--value", "1"],
            "has no indicator \"nope\"",
        ),
        (&["show", "81/DPMPTSP/NOPE"], "no product"),
    ];
    for (args, msg) in cases {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(msg));
    }
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["score", "--agency", "0000"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no agency 0000"));
    assert_eq!(dump(&db), before);
}

#[test]
fn foreign_files_are_refused_through_the_cli() {
    let (dir, db) = temp_db();
    std::fs::write(&db, b"just some notes, not a database").unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [vec!["score"], vec!["init"], vec!["show", "a/b/c"]] {
        patuh(dir.path())
            .arg("--db")
            .arg(&db)
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("not a patuh database"))
            .stderr(predicate::str::contains("patuh.db"));
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!dir.path().join("patuh.db-wal").exists());
}

/// An instrument for a methodology the project never saw: a 0-4 scale, two weighted
/// dimensions, four bands, roll-up by units.
fn novel_instrument() -> Value {
    json!({
        "format": "patuh-instrument", "format_version": 1,
        "id": "opini-uji", "version": "2026.1", "year": 2026,
        "title": {"id": "Opini Uji", "en": "Test opinion"},
        "aggregate": "units",
        "dimensions": [
            {"id": "tindak-lanjut", "label": {"id": "Tindak lanjut"}, "weight": 62.5},
            {"id": "maladministrasi", "label": {"id": "Maladministrasi"}, "weight": 37.5}
        ],
        "indicators": [
            {"id": "lhp", "dimension": "tindak-lanjut", "label": {"id": "LHP ditindaklanjuti"},
             "weight": 3, "scale": {"max": 4}},
            {"id": "rekomendasi", "dimension": "tindak-lanjut", "label": {"id": "Rekomendasi"},
             "weight": 1, "scale": {"max": 4}},
            {"id": "penundaan", "dimension": "maladministrasi", "label": {"id": "Tanpa penundaan"},
             "weight": 1, "scale": {"max": 1}}
        ],
        "bands": [
            {"code": "E", "label": {"id": "Buruk"}, "min": 0},
            {"code": "C", "label": {"id": "Cukup"}, "min": 40},
            {"code": "B", "label": {"id": "Baik"}, "min": 70},
            {"code": "A", "label": {"id": "Sangat baik"}, "min": 90}
        ]
    })
}

#[test]
fn a_new_methodology_works_after_import_without_a_rebuild() {
    let (dir, db) = temp_db();
    let home = dir.path();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("init")
        .assert()
        .success();
    let inst = dir.path().join("opini.json");
    std::fs::write(
        &inst,
        serde_json::to_string_pretty(&novel_instrument()).unwrap(),
    )
    .unwrap();
    patuh(home)
        .args(["instrument", "validate"])
        .arg(&inst)
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "import"])
        .arg(&inst)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Imported instrument opini-uji version 2026.1",
        ));
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "import"])
        .arg(&inst)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing changed"));
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("opini-uji"));
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "show", "opini-uji"])
        .assert()
        .success()
        .stdout(predicate::str::contains("weight 62.5"));

    // Changed content under the same id + version is refused.
    let mut changed = novel_instrument();
    changed["indicators"][0]["weight"] = json!(4);
    let changed_file = dir.path().join("changed.json");
    std::fs::write(&changed_file, changed.to_string()).unwrap();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "import"])
        .arg(&changed_file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("different content"));

    let assignment = json!({
        "format": "patuh-assignment", "format_version": 1,
        "instrument": {"id": "opini-uji", "version": "2026.1"}, "title": "Uji",
        "agencies": [{"code": "K01", "name": "Kementerian Uji", "kind": "kementerian",
            "units": [
                {"code": "U1", "name": "Unit Satu", "products": [{"code": "P1", "name": "Layanan 1"}]},
                {"code": "U2", "name": "Unit Dua", "products": [
                    {"code": "P1", "name": "Layanan 1"}, {"code": "P2", "name": "Layanan 2"}]}
            ]}]
    });
    let af = dir.path().join("tugas.json");
    std::fs::write(&af, assignment.to_string()).unwrap();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["assignment", "import"])
        .arg(&af)
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["assignment", "import"])
        .arg(&af)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing changed"));

    let rec = |path: &str, ind: &str, v: &str| {
        let mut c = patuh(home);
        c.arg("--db").arg(&db).args(["record", path, ind]);
        if v == "na" {
            c.arg("--na");
        } else {
            c.args(["--value", v]);
        }
        c.assert().success();
    };
    // U1/P1: lhp 4/4, rekomendasi 2/4, penundaan 1:
    //   S_tl = 100 * (3 * 1 + 1 * 0.5) / 4 = 87.5; S_mal = 100
    //   P = (62.5 * 87.5 + 37.5 * 100) / 100 = 92.1875 -> 92.19, band A
    rec("K01/U1/P1", "lhp", "4");
    rec("K01/U1/P1", "rekomendasi", "2");
    rec("K01/U1/P1", "penundaan", "1");
    // U2/P1: lhp 1/4, rekomendasi N/A, penundaan 0:
    //   S_tl = 100 * 0.25 = 25; S_mal = 0; P = 62.5 * 25 / 100 = 15.625 -> 15.63, band E
    rec("K01/U2/P1", "lhp", "1");
    rec("K01/U2/P1", "rekomendasi", "na");
    rec("K01/U2/P1", "penundaan", "0");
    // U2/P2: only the maladministration indicator applies: 100, band A
    rec("K01/U2/P2", "lhp", "na");
    rec("K01/U2/P2", "rekomendasi", "na");
    rec("K01/U2/P2", "penundaan", "1");
    let s = run_json(home, &db, &["score", "--json"]);
    let k = &s["agencies"][0];
    let u1 = &k["units"][0];
    let u2 = &k["units"][1];
    assert_eq!(u1["products"][0]["score"].to_string(), "92.19");
    assert_eq!(u1["products"][0]["zone"], "A");
    assert_eq!(u2["products"][0]["score"].to_string(), "15.63");
    assert_eq!(u2["products"][0]["zone"], "E");
    assert_eq!(u2["products"][1]["score"].to_string(), "100.00");
    // U2 = (15.625 + 100) / 2 = 57.8125 -> 57.81, band C
    assert_eq!(u2["score"].to_string(), "57.81");
    assert_eq!(u2["zone"], "C");
    // By units: (92.1875 + 57.8125) / 2 = 75 -> 75.00, band B
    // (by products it would be (92.1875 + 15.625 + 100) / 3 = 69.27, band C).
    assert_eq!(k["score"].to_string(), "75.00");
    assert_eq!(k["zone"], "B");
    assert_eq!(k["kind"], "kementerian");

    // A value above this instrument's own max is refused.
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["record", "K01/U1/P1", "lhp", "--value", "5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("0..4"));
}

#[test]
fn assignment_import_refusals_name_the_file_and_change_nothing() {
    let (dir, db) = temp_db();
    let home = dir.path();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("init")
        .assert()
        .success();
    let before = dump(&db);
    let files = [
        (
            "broken.json",
            "{\"format\": \"patuh-assignment\",".to_string(),
            "not valid JSON",
        ),
        (
            "unknown.json",
            json!({"format": "patuh-assignment", "format_version": 1,
                   "instrument": {"id": "tidak-ada", "version": "1"}, "title": "x",
                   "agencies": [{"code": "1", "name": "A", "kind": "pemkab", "units": []}]})
            .to_string(),
            "instrument tidak-ada version 1 is not in",
        ),
        (
            "dupes.json",
            json!({"format": "patuh-assignment", "format_version": 1,
                   "instrument": {"id": "kepatuhan-2021", "version": "1"}, "title": "x",
                   "agencies": [{"code": "1", "name": "A", "kind": "pemkab", "units": [
                       {"code": "U", "name": "U", "products": []},
                       {"code": "U", "name": "U", "products": []}]}]})
            .to_string(),
            "$.agencies[0].units[1].code: duplicate unit code",
        ),
        (
            "badcode.json",
            json!({"format": "patuh-assignment", "format_version": 1,
                   "instrument": {"id": "kepatuhan-2021", "version": "1"}, "title": "x",
                   "agencies": [{"code": "1/2", "name": "A", "kind": "pemkab", "units": []}]})
            .to_string(),
            "$.agencies[0].code: \"1/2\" is not a valid code",
        ),
    ];
    for (name, text, msg) in files {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["assignment", "import"])
            .arg(&f)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(name))
            .stderr(predicate::str::contains(msg));
    }
    assert_eq!(dump(&db), before);
}

/// `patuh check` on a copy of `db` changed by `sql`: exit 1, each expected text on
/// standard output, and the copy not changed by the check itself.
fn check_fails(home: &Path, db: &Path, name: &str, sql: &str, expect: &[&str]) {
    let copy = home.join(format!("{name}.db"));
    std::fs::copy(db, &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    let before = dump(&copy);
    let out = patuh(home)
        .arg("--db")
        .arg(&copy)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{name}: {stdout}{stderr}");
    for e in expect {
        assert!(stdout.contains(e), "{name}: expected {e:?} in {stdout}");
    }
    assert!(stdout.contains(&format!("{name}.db: ")), "{name}: {stdout}");
    assert!(stderr.contains("problem(s) found"), "{name}: {stderr}");
    assert_eq!(dump(&copy), before, "{name}: check changed the file");
}

#[test]
fn check_names_the_tampered_audit_row_or_record_through_the_cli() {
    let (dir, db) = temp_db();
    let home = dir.path();
    init_demo(home, &db);
    for args in [
        &["81/DPMPTSP/NIB", "sk-standar", "--value", "1"][..],
        &["81/DPMPTSP/NIB", "persyaratan", "--value", "1"],
        &["81/DPMPTSP/NIB", "sk-standar", "--value", "0"],
        &[
            "8171/DUKCAPIL/KTP-EL",
            "maklumat",
            "--value",
            "1",
            "--note",
            "ok",
        ],
        &["81/DPMPTSP/NIB", "persyaratan", "--na"],
    ] {
        patuh(home)
            .arg("--db")
            .arg(&db)
            .arg("record")
            .args(args)
            .assert()
            .success();
    }
    // One self-contained file to copy.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain intact"));

    check_fails(
        home,
        &db,
        "edited",
        "UPDATE audit SET new = '1' WHERE seq = 3",
        &["audit log broken at row 3: its content does not match its hash"],
    );
    check_fails(
        home,
        &db,
        "edited-who",
        "UPDATE audit SET who = 'Orang Lain' WHERE seq = 1",
        &["audit log broken at row 1: its content does not match its hash"],
    );
    check_fails(
        home,
        &db,
        "deleted",
        "DELETE FROM audit WHERE seq = 2",
        &["audit log broken at row 3: expected row 2 here: a row was deleted or reordered"],
    );
    check_fails(
        home,
        &db,
        "reordered",
        "UPDATE audit SET seq = 100 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = 100;",
        &["audit log broken at row 2: it does not follow the previous row"],
    );
    // What the hash chain alone cannot see.
    check_fails(
        home,
        &db,
        "last-deleted",
        "DELETE FROM audit WHERE seq = 6",
        &[
            "the audit log does not account for 81/DPMPTSP/NIB: indicator persyaratan is \"N/A\" but its last logged value is \"1\"",
        ],
    );
    check_fails(
        home,
        &db,
        "observation-edited",
        "UPDATE answer SET note = 'ditambah diam-diam' WHERE indicator = 'maklumat'",
        &[
            "the audit log does not account for 8171/DUKCAPIL/KTP-EL: the note of indicator maklumat differs from its last logged note",
        ],
    );
    // A row deleted and the chain rebuilt, as a tool that knows the hashing could.
    let copy = home.join("rebuilt-source.db");
    std::fs::copy(&db, &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 1", []).unwrap();
    let rows = patuh::store::audit_rows(&conn).unwrap();
    conn.execute("DELETE FROM audit", []).unwrap();
    let mut prev = patuh::store::GENESIS.to_string();
    for (i, (mut row, _)) in rows.into_iter().enumerate() {
        row.seq = i as i64 + 1;
        row.prev_hash = prev.clone();
        let hash = row.hash();
        conn.execute(
            "INSERT INTO audit (seq, at, who, path, indicator, action, old, new, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                row.seq,
                row.at,
                row.who,
                row.path,
                row.indicator,
                row.action,
                row.old,
                row.new,
                row.prev_hash,
                hash
            ],
        )
        .unwrap();
        prev = hash;
    }
    drop(conn);
    check_fails(
        home,
        &copy,
        "rebuilt",
        "SELECT 1",
        &[
            "audit log broken at row 2: it changes the value of 81/DPMPTSP/NIB sk-standar from \"1\", but the rows before leave it at \"\": a row was deleted or reordered",
        ],
    );
}

/// Format-2 instruments (levels, respondents, outside data) import and score: the
/// shipped ones come with `init`; one imported from a file (the 2025 opinion under a new
/// version) scores an agency from a data value entered at the agency: S_output =
/// 100 * (2 * 80.5/100) / 4 = 40.25 (two more data indicators unanswered count 0), the
/// unit 16.968 * 40.25 / 100 = 6.82962 -> 6.83, the agency the mean of its one unit:
/// 6.83, category E; the qualifier unknown (no register closed).
#[test]
fn a_format_2_instrument_with_levels_imports_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = dir.path().join("p.db");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("instruments added: 4"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/instruments");
    for name in ["kepatuhan-2024.json", "opini-2025.json"] {
        let file = fixtures.join(name);
        patuh(home)
            .args(["instrument", "validate"])
            .arg(&file)
            .assert()
            .success();
        patuh(home)
            .arg("--db")
            .arg(&db)
            .args(["instrument", "import"])
            .arg(&file)
            .assert()
            .success()
            .stdout(predicate::str::contains("same content; nothing changed"));
    }
    let text = std::fs::read_to_string(fixtures.join("opini-2025.json")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["version"] = json!("2");
    let file = home.join("opini-2025-v2.json");
    std::fs::write(&file, v.to_string()).unwrap();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["instrument", "import"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Imported instrument opini-2025 version 2 (17 indicators)",
        ));
    let assignment = home.join("a.json");
    std::fs::write(
        &assignment,
        r#"{"format": "patuh-assignment", "format_version": 1,
            "instrument": {"id": "opini-2025", "version": "2"}, "title": "Uji 2025",
            "agencies": [{"code": "8201", "name": "Pemerintah Kabupaten Uji", "kind": "pemkab",
              "units": [{"code": "U1", "name": "Unit Satu", "products": [{"code": "P1", "name": "Produk"}]}]}]}"#,
    )
    .unwrap();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["assignment", "import"])
        .arg(&assignment)
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args([
            "record",
            "8201",
            "ikm",
            "--value",
            "80.5",
            "--source",
            "KemenPAN-RB, IKM 2025",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ikm = 80.5/100 (KemenPAN-RB, IKM 2025)",
        ))
        .stdout(predicate::str::contains("agency 8201 score 6.83 E"));
    let j = run_json(home, &db, &["score", "--json"]);
    let agency = &j["agencies"][0];
    assert_eq!(agency["instrument"]["version"], "2");
    assert_eq!(agency["score"].to_string(), "6.83");
    assert_eq!(agency["category"], "E");
    assert_eq!(agency["qualifier"], Value::Null);
    assert_eq!(agency["opinion"], "Kualitas Terendah");
    assert_eq!(agency["units"][0]["score"].to_string(), "6.83");
    let output = agency["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "output")
        .unwrap();
    assert_eq!(output["score"].to_string(), "40.25");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success();
}

/// `keys init --name` names the assessor for the commands too, not only for the
/// workstation: the audit log of a `record` made before any workstation start says
/// who, unless `init --assessor` chose another name.
#[test]
fn the_signing_key_names_the_assessor_of_a_record() {
    let (dir, db) = temp_db();
    let home = dir.path();
    patuh(home)
        .args(["keys", "init", "--name", "Siti Aminah", "--id", "ASN-9"])
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["init", "--demo"])
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["record", "81/DPMPTSP/NIB", "waktu", "--value", "1"])
        .assert()
        .success();
    let log = run_json(home, &db, &["log", "81/DPMPTSP/NIB", "--json"]);
    assert_eq!(log["entries"][0]["who"], "Siti Aminah", "{log}");

    // A name chosen at init wins over the key's.
    let other = home.join("other.db");
    patuh(home)
        .arg("--db")
        .arg(&other)
        .args(["init", "--demo", "--assessor", "Budi"])
        .assert()
        .success();
    patuh(home)
        .arg("--db")
        .arg(&other)
        .args(["record", "81/DPMPTSP/NIB", "waktu", "--value", "1"])
        .assert()
        .success();
    let log = run_json(home, &other, &["log", "81/DPMPTSP/NIB", "--json"]);
    assert_eq!(log["entries"][0]["who"], "Budi", "{log}");
}
