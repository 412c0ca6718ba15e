//! Crash safety of `patuh record`: killed with SIGKILL at random moments, again and
//! again, on a real database file. Every change reported as saved before the kill is in
//! the database, nothing else appears, `PRAGMA integrity_check` is ok and the audit
//! hash chain is intact.
//!
//! 200 kills by default; `PATUH_LONG=1` runs 2,000.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The value of every cell as `record` takes it ("0", "1", "na", or "unanswered"),
/// and the number of audit rows; checks integrity and the chain on the way.
fn read_db(db: &std::path::Path, products: &[&str], indicators: &[&str]) -> (Vec<String>, i64) {
    // Read-only: the next run finds the file as the kill left it.
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let rows = patuh::store::verify_chain(&conn)
        .unwrap()
        .unwrap_or_else(|b| panic!("audit chain broken: {b}"));
    let mut cells = Vec::new();
    for p in products {
        let (a, rest) = p.split_once('/').unwrap();
        let (u, code) = rest.split_once('/').unwrap();
        for i in indicators {
            let v: Option<(Option<i64>, i64)> = conn
                .query_row(
                    "SELECT o.value, o.na FROM answer o JOIN product p ON p.id = o.node_id AND o.level = 3
                     JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
                     WHERE a.code = ?1 AND u.code = ?2 AND p.code = ?3 AND o.indicator = ?4",
                    rusqlite::params![a, u, code, i],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .ok();
            cells.push(match v {
                None | Some((None, 0)) => "unanswered".to_string(),
                Some((_, 1)) => "na".to_string(),
                Some((Some(v), _)) => v.to_string(),
                Some(other) => panic!("{other:?}"),
            });
        }
    }
    (cells, rows as i64)
}

#[test]
fn record_killed_at_random_moments_loses_nothing_reported_saved() {
    let runs: usize = if std::env::var_os("PATUH_LONG").is_some() {
        2000
    } else {
        200
    };
    let started = std::time::Instant::now();
    let (dir, db) = temp_db();
    let home = dir.path();
    patuh(home)
        .arg("--db")
        .arg(&db)
        .args(["init", "--demo"])
        .assert()
        .success();
    let products = ["81/DPMPTSP/NIB", "8171/DUKCAPIL/KTP-EL", "8171/DUKCAPIL/KK"];
    let indicators = ["persyaratan", "prosedur", "waktu", "biaya", "maklumat"];
    let values = ["0", "1", "na"];
    let (mut cells, mut audit_rows) = read_db(&db, &products, &indicators);
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    let (mut saved, mut killed_before_saved, mut committed_unreported) = (0, 0, 0);
    let bin = assert_cmd::cargo::cargo_bin("patuh");
    // How long a command that opens the file takes on this machine now (a busy machine
    // takes many times longer): the kills fall within twice that, so that they hit
    // before and after the commit whatever the load. Measured again every 50 runs.
    let probe = || {
        let t = std::time::Instant::now();
        let _ = Command::new(&bin)
            .env_clear()
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .arg("--db")
            .arg(&db)
            .args(["show", products[0]])
            .output();
        (t.elapsed().as_micros() as u64 * 2).max(25_000)
    };
    let mut window = probe();
    for run in 0..runs {
        if run % 50 == 49 {
            window = probe();
        }
        let (p, i) = (rng.below(3) as usize, rng.below(5) as usize);
        let cell = p * indicators.len() + i;
        let v = values[rng.below(3) as usize];
        let mut cmd = Command::new(&bin);
        cmd.env_clear()
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .arg("--db")
            .arg(&db)
            .args(["record", products[p], indicators[i]])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if v == "na" {
            cmd.arg("--na");
        } else {
            cmd.args(["--value", v]);
        }
        let mut child = cmd.spawn().expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.below(window)));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        let mut out = String::new();
        if let Some(mut s) = child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        assert!(!err.contains("panicked"), "{err}");
        if status.success() {
            assert!(out.contains("Saved"), "exit 0 without saying saved: {out}");
        }
        if !out.contains("Saved") && !err.is_empty() {
            // Only "busy" may happen here (a killed writer's lock is released by the OS).
            assert!(err.contains("in use") || err.contains("database"), "{err}");
        }

        // After every kill: the change reported saved is there; an unreported one is
        // wholly there or absent; no other cell moved; one audit row per real change.
        let (now, rows) = read_db(&db, &products, &indicators);
        for (k, (before, after)) in cells.iter().zip(&now).enumerate() {
            if k != cell {
                assert_eq!(before, after, "run {run}: another cell changed");
            }
        }
        let got = &now[cell];
        let changed = cells[cell] != v;
        if out.contains("Saved") {
            saved += 1;
            assert_eq!(got, v, "run {run}: reported saved, not in the database");
        } else {
            killed_before_saved += 1;
            assert!(got == v || *got == cells[cell], "run {run}: {got}");
            if got == v && changed {
                committed_unreported += 1;
            }
        }
        let expected_rows = i64::from(changed && got == v);
        assert_eq!(
            rows - audit_rows,
            expected_rows,
            "run {run}: the audit log grew by {} rows",
            rows - audit_rows
        );
        audit_rows = rows;
        cells = now;
    }
    eprintln!(
        "record crash safety: {runs} SIGKILLs in {:.1} s; {saved} reported saved and checked, \
         {killed_before_saved} killed before saying so ({committed_unreported} of those had committed); \
         {audit_rows} audit rows, chain intact",
        started.elapsed().as_secs_f64()
    );
    assert!(
        saved > 0 && killed_before_saved > 0,
        "the kills should hit both sides"
    );
    patuh(home)
        .arg("--db")
        .arg(&db)
        .arg("check")
        .assert()
        .success();
}
