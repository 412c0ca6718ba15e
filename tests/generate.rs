//! `patuh gen`: deterministic for a seed, different across seeds, a valid database
//! (integrity, audit chain, every change accounted for by the audit log) whose scores
//! the normal commands read at every level; the 2022-2025 methods with respondents by
//! default, the 2013-2021 one on request; the provincial offices' parts together are
//! the whole set.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use patuh::generate::{Method, OFFICES, Scale, generate_with};
use predicates::prelude::*;

/// The database's content that does not depend on when it was generated: the
/// instruments' import time and the default cycle's start are left out.
fn content(db: &Path) -> String {
    dump(db)
        .lines()
        .filter(|l| {
            !l.contains("kepatuhan-20")
                && !l.contains("opini-20")
                && !l.contains("|Text(\"default\")|")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sqlite(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    sqlite(db).query_row(sql, [], |r| r.get(0)).unwrap()
}

fn score_json(home: &Path, db: &Path) -> serde_json::Value {
    let out = patuh(home)
        .arg("--db")
        .arg(db)
        .args(["score", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_data_and_it_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (a, b, c) = (home.join("a.db"), home.join("b.db"), home.join("c.db"));
    for (db, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        patuh(home)
            .arg("--db")
            .arg(db)
            .args(["gen", "--scale", "tiny", "--seed", seed])
            .assert()
            .success()
            .stdout(predicate::str::contains("3 agencies"));
    }
    let dump_a = dump(&a);
    assert_eq!(content(&a), content(&b));
    assert_ne!(content(&a), content(&c));
    for db in [&a, &c] {
        patuh(home)
            .arg("--db")
            .arg(db)
            .arg("check")
            .assert()
            .success()
            .stdout(predicate::str::contains("audit chain intact"))
            .stdout(predicate::str::contains("every change accounted for"));
    }
    let v = score_json(home, &a);
    let agencies = v["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), 3);
    let kinds: Vec<&str> = agencies
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pemprov", "pemkot", "pemkab"]);
    for a in agencies {
        let units = a["units"].as_array().unwrap();
        assert!((4..=14).contains(&units.len()), "{}", units.len());
        assert!(a["score"].is_number());
    }
    // An existing file is never overwritten.
    patuh(home)
        .arg("--db")
        .arg(&a)
        .args(["gen", "--scale", "tiny"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(dump(&a), dump_a);
}

/// What `patuh gen` prints is what the database holds, and the respondents are those
/// of the 2022-2024 and 2025 methods: 4 staff and 2 complaint officials per unit and
/// 30 service users per agency where the interviews are complete, numbered 1, 2, ...
/// per role and node, staff by position (never a name), users by number only.
#[test]
fn the_counts_printed_are_what_the_database_holds_and_respondents_are_as_interviewed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("g.db");
    let out = patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "province", "--seed", "5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let expect = [
        ("agencies", count(&db, "SELECT count(*) FROM agency")),
        ("units", count(&db, "SELECT count(*) FROM unit")),
        ("products", count(&db, "SELECT count(*) FROM product")),
        ("respondents", count(&db, "SELECT count(*) FROM respondent")),
        ("answers", count(&db, "SELECT count(*) FROM answer")),
        (
            "observations",
            count(
                &db,
                "SELECT count(*) FROM answer WHERE respondent = 0 AND amount IS NULL",
            ),
        ),
        (
            "interview answers",
            count(&db, "SELECT count(*) FROM answer WHERE respondent <> 0"),
        ),
        (
            "data values",
            count(&db, "SELECT count(*) FROM answer WHERE amount IS NOT NULL"),
        ),
        ("follow-ups", count(&db, "SELECT count(*) FROM followup")),
        ("audit rows", count(&db, "SELECT count(*) FROM audit")),
    ];
    for (what, n) in expect {
        // The number as a whole word: not the end of a larger one.
        let said = format!("{n} {what}");
        let found = printed.match_indices(&said).any(|(at, _)| {
            !printed[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit())
        });
        assert!(found, "{what}: {n} in the database, printed: {printed}");
    }
    assert_eq!(
        expect[0].1, 12,
        "the province and its 11 cities and regencies"
    );
    // Both 2022-2025 instruments, every agency with one of them.
    let by_instrument: BTreeMap<String, i64> = sqlite(&db)
        .prepare(
            "SELECT i.code, count(*) FROM agency a JOIN instrument i ON i.id = a.instrument_id
             GROUP BY i.code",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        by_instrument.keys().collect::<Vec<_>>(),
        ["kepatuhan-2024", "opini-2025"]
    );
    // Respondents per role and node: at most as many as the role needs, exactly that
    // many at most nodes, numbered from 1 without a gap.
    let conn = sqlite(&db);
    let per_node: Vec<(String, i64, i64, i64, i64)> = conn
        .prepare(
            "SELECT role, level, count(*), min(number), max(number) FROM respondent
             GROUP BY cycle_id, level, node_id, role",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let needed = |role: &str| match role {
        "pelaksana" => (2, 4),
        "pengelola-pengaduan" => (2, 2),
        "pengguna" => (1, 30),
        other => panic!("unexpected role {other}"),
    };
    let mut full = 0;
    for (role, level, n, min, max) in &per_node {
        let (want_level, want) = needed(role);
        assert_eq!(*level, want_level, "{role}");
        assert!(
            *n <= want && *min == 1 && *max == *n,
            "{role}: {n} {min}..{max}"
        );
        full += i64::from(*n == want);
    }
    assert!(
        full * 10 >= per_node.len() as i64 * 8,
        "most nodes are complete: {full} of {}",
        per_node.len()
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM respondent WHERE role = 'pengguna' AND label <> ''"
        ),
        0,
        "service users are numbers only"
    );
    let labels: Vec<String> = conn
        .prepare("SELECT DISTINCT label FROM respondent WHERE label <> '' ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        labels.iter().any(|l| l == "Kepala Bidang Pelayanan"),
        "{labels:?}"
    );
    assert!(
        labels.len() <= 12,
        "positions from a short list: {labels:?}"
    );
    // Every respondent's row in the audit log carries its uid.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM respondent r WHERE NOT EXISTS (
                 SELECT 1 FROM audit WHERE action = 'respondent-add' AND respondent = r.uid)"
        ),
        0
    );
    drop(conn);
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("every change accounted for"));
}

/// `score --json` on a generated set: a score, a category and a zone for every agency
/// and unit, a score for every product, an opinion for every agency, and the 2025
/// qualifier known for some agencies.
#[test]
fn scores_are_defined_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("g.db");
    generate_with(&db, Scale::Province, 5, Method::Levels, None).unwrap();
    let v = score_json(home, &db);
    let agencies = v["agencies"].as_array().unwrap();
    let (mut units, mut products, mut qualifiers) = (0, 0, Vec::new());
    for a in agencies {
        let code = a["code"].as_str().unwrap();
        for key in ["score", "category", "zone", "opinion"] {
            assert!(!a[key].is_null(), "agency {code}: no {key}");
        }
        assert!(!a["dimensions"].as_array().unwrap().is_empty(), "{code}");
        qualifiers.push(a["qualifier"].clone());
        for u in a["units"].as_array().unwrap() {
            units += 1;
            for key in ["score", "category", "zone"] {
                assert!(!u[key].is_null(), "unit {code}/{}: no {key}", u["code"]);
            }
            for p in u["products"].as_array().unwrap() {
                products += 1;
                assert!(p["score"].is_number(), "product {code}/{}: {p}", u["code"]);
            }
        }
    }
    assert_eq!(units, count(&db, "SELECT count(*) FROM unit"));
    assert_eq!(products, count(&db, "SELECT count(*) FROM product"));
    assert!(products > 0);
    // The 2025 agencies' qualifier is known where their register is closed.
    let opini = count(
        &db,
        "SELECT count(*) FROM agency a JOIN instrument i ON i.id = a.instrument_id
         WHERE i.code = 'opini-2025'",
    );
    assert!(opini > 0, "the province has an agency of the 2025 method");
    let known = qualifiers.iter().filter(|q| q.is_boolean()).count() as i64;
    assert_eq!(
        known,
        count(&db, "SELECT count(*) FROM followup_register"),
        "{qualifiers:?}"
    );
}

/// Everything an office's database holds, by path and uid rather than by row id, as a
/// sorted list (audit rows without their place in the chain, which is each office's own).
fn by_path(db: &Path) -> Vec<String> {
    const NODES: &str = "WITH nodes(level, id, path) AS (
          SELECT 1, id, code FROM agency
          UNION ALL SELECT 2, u.id, a.code || '/' || u.code FROM unit u JOIN agency a ON a.id = u.agency_id
          UNION ALL SELECT 3, p.id, a.code || '/' || u.code || '/' || p.code
                    FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id)";
    let queries = [
        "SELECT 'agency', a.code, a.name, a.kind, i.code FROM agency a JOIN instrument i ON i.id = a.instrument_id".to_string(),
        format!("{NODES} SELECT 'node', level, path FROM nodes"),
        format!(
            "{NODES} SELECT 'unit', n.path, u.name FROM unit u JOIN nodes n ON n.level = 2 AND n.id = u.id"
        ),
        format!(
            "{NODES} SELECT 'product', n.path, p.name FROM product p JOIN nodes n ON n.level = 3 AND n.id = p.id"
        ),
        format!(
            // A unit's or agency's digest (schema 0013) names respondents by their row
            // ids, which are each file's own: its answers are compared below, by uid.
            "{NODES} SELECT 'state', n.path,
                    CASE WHEN s.level = 3 THEN hex(s.digest) ELSE s.digest IS NOT NULL END,
                    s.finalized_at, s.finalized_by
             FROM node_state s JOIN nodes n ON n.level = s.level AND n.id = s.node_id"
        ),
        format!(
            "{NODES} SELECT 'answer', n.path, a.indicator, coalesce(r.uid, ''), a.value, a.amount, a.source,
                    a.na, a.note, a.updated_at, a.updated_by
             FROM answer a JOIN nodes n ON n.level = a.level AND n.id = a.node_id
             LEFT JOIN respondent r ON r.id = a.respondent"
        ),
        format!(
            "{NODES} SELECT 'respondent', r.uid, n.path, r.role, r.number, r.label, r.added_at, r.added_by
             FROM respondent r JOIN nodes n ON n.level = r.level AND n.id = r.node_id"
        ),
        "SELECT 'followup', a.code, f.kind, f.ref, f.status, f.updated_at FROM followup f
         JOIN agency a ON a.id = f.agency_id"
            .to_string(),
        "SELECT 'register', a.code, r.closed_at FROM followup_register r JOIN agency a ON a.id = r.agency_id"
            .to_string(),
        "SELECT 'audit', at, who, path, indicator, action, old, new, respondent FROM audit".to_string(),
    ];
    let conn = sqlite(db);
    let mut out = Vec::new();
    for q in queries {
        let mut stmt = conn.prepare(&q).unwrap();
        let cols = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..cols)
                    .map(|c| {
                        row.get::<_, rusqlite::types::Value>(c)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|l| l.join("|"))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out.sort();
    out
}

/// The 34 provincial offices' parts of a seed hold exactly the whole set between them
/// (each agency in one part), each with an audit log that accounts for it.
#[test]
fn the_offices_parts_together_are_the_whole_set() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let whole = home.join("whole.db");
    generate_with(&whole, Scale::Province, 6, Method::Levels, None).unwrap();
    let mut union = Vec::new();
    let mut parts = 0;
    for office in 0..OFFICES {
        let part = home.join(format!("part{office}.db"));
        let g = generate_with(&part, Scale::Province, 6, Method::Levels, Some(office)).unwrap();
        if g.agencies == 0 {
            std::fs::remove_file(&part).unwrap();
            continue;
        }
        parts += 1;
        assert!(
            g.respondents > 0 && g.interview_answers > 0,
            "{office}: {g:?}"
        );
        patuh(home)
            .arg("--db")
            .arg(&part)
            .arg("check")
            .assert()
            .success()
            .stdout(predicate::str::contains("every change accounted for"));
        union.extend(by_path(&part));
        std::fs::remove_file(&part).unwrap();
    }
    assert!(
        parts > 5,
        "the province's agencies are spread over offices: {parts}"
    );
    union.sort();
    let whole = by_path(&whole);
    assert_eq!(union.len(), whole.len());
    for (a, b) in union.iter().zip(&whole) {
        assert_eq!(a, b);
    }
}

/// The 2013-2021 method on request: one instrument, product checklists only, no
/// respondents; valid too.
#[test]
fn the_2021_method_gives_product_checklists_only() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("g.db");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "tiny", "--seed", "3", "--method", "2021"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 agencies"))
        .stdout(predicate::str::contains(" 0 respondents"));
    assert_eq!(count(&db, "SELECT count(*) FROM instrument"), 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM answer WHERE level <> 3"),
        0
    );
    assert!(count(&db, "SELECT count(*) FROM answer") > 1000);
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success();
}

/// The xlsx report of a generated 2022-2025 set lists, as a product's unfulfilled
/// indicators, the indicators answered per product only (listing the unit's and the
/// agency's as the product's took a nation past a sheet's 1,048,576 rows).
#[test]
fn the_report_lists_a_products_own_indicators_only() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("g.db");
    generate_with(&db, Scale::Tiny, 3, Method::Levels, None).unwrap();
    let xlsx = home.join("r.xlsx");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["report", "--format", "xlsx", "--lang", "en", "--out"])
        .arg(&xlsx)
        .assert()
        .success();
    let product_level: Vec<String> = {
        let inst = patuh::domain::Instrument::parse(include_str!(
            "../fixtures/instruments/kepatuhan-2024.json"
        ))
        .unwrap();
        inst.indicators_at(patuh::domain::instrument::NodeLevel::Product)
            .map(|i| inst.indicators[i].id.clone())
            .collect()
    };
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let rows: Vec<Vec<Data>> = wb
        .worksheet_range("Unfulfilled")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let col = rows[0]
        .iter()
        .position(|h| *h == "Indicator")
        .expect("an indicator column");
    assert!(rows.len() > 10, "unfulfilled indicators are listed");
    for row in &rows[1..] {
        let id = row[col].to_string();
        assert!(
            product_level.contains(&id),
            "{id} is not answered per product"
        );
    }
}

/// A full disk half-way through `patuh gen` (no file may grow past 512 KiB): it says
/// so, naming the database, and leaves no database (nor a temporary file) behind; with
/// room again the same command makes the same data.
#[test]
fn a_full_disk_during_gen_says_so_and_leaves_no_database() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("gen.db");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("patuh"));
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "C")
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "tiny", "--seed", "3"]);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 512 * 1024,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(err.contains("is it full"), "{err}");
    assert!(
        !err.contains("database error") && !err.contains("panicked"),
        "{err}"
    );
    let left: Vec<String> = std::fs::read_dir(home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gen.db"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["gen", "--scale", "tiny", "--seed", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 agencies"));
}
