//! Crash safety of `patuh record`: killed with SIGKILL at random moments, again and
//! again, on a real database file. Every change reported as saved before the kill is in
//! the database, nothing else appears, `PRAGMA integrity_check` is ok and the audit
//! hash chain is intact.
//!
//! 200 kills by default; `PATUH_LONG=1` runs 2,000.

mod common;

use std::collections::HashMap;
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

#[test]
fn record_killed_at_random_moments_loses_nothing_reported_saved() {
    let runs: usize = if std::env::var_os("PATUH_LONG").is_some() {
        2000
    } else {
        200
    };
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
    // Per cell: the values it may hold now (the last confirmed one, plus any attempted
    // since, which may or may not have committed before the kill).
    let mut possible: HashMap<(usize, usize), Vec<&str>> = HashMap::new();
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    let (mut saved, mut killed_before_saved) = (0, 0);
    let bin = assert_cmd::cargo::cargo_bin("patuh");
    for _ in 0..runs {
        let cell = (rng.below(3) as usize, rng.below(5) as usize);
        let v = values[rng.below(3) as usize];
        let mut cmd = Command::new(&bin);
        cmd.env_clear()
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .arg("--db")
            .arg(&db)
            .args(["record", products[cell.0], indicators[cell.1]])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if v == "na" {
            cmd.arg("--na");
        } else {
            cmd.args(["--value", v]);
        }
        let mut child = cmd.spawn().expect("spawn");
        std::thread::sleep(Duration::from_micros(rng.below(25_000)));
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
        let entry = possible.entry(cell).or_insert_with(|| vec!["unanswered"]);
        if out.contains("Saved") {
            saved += 1;
            *entry = vec![v];
        } else {
            killed_before_saved += 1;
            if !err.is_empty() {
                // Only "busy" may happen here (a killed writer's lock is released by the OS).
                assert!(err.contains("in use") || err.contains("database"), "{err}");
            }
            entry.push(v);
        }
    }
    eprintln!(
        "crash safety: {runs} runs, {saved} reported saved, {killed_before_saved} killed before"
    );
    assert!(
        saved > 0 && killed_before_saved > 0,
        "the kills should hit both sides"
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let rows = patuh::store::verify_chain(&conn)
        .unwrap()
        .expect("audit chain intact");
    assert!(rows as usize >= saved.min(1));
    drop(conn);
    let store = patuh::store::Store::open(&db).unwrap();
    let ds = store.load().unwrap();
    for ((p, i), allowed) in &possible {
        let pi = ds.find_product(products[*p]).unwrap();
        let inst = ds.instrument_of_product(pi);
        let k = inst.indicator_index(indicators[*i]).unwrap();
        let got = match ds.products[pi].values[k] {
            patuh::domain::Value::Unanswered => "unanswered",
            patuh::domain::Value::NotApplicable => "na",
            patuh::domain::Value::Level(0) => "0",
            patuh::domain::Value::Level(1) => "1",
            other => panic!("unexpected {other:?}"),
        };
        assert!(
            allowed.contains(&got),
            "{} {}: {got}, expected one of {allowed:?}",
            products[*p],
            indicators[*i]
        );
    }
}
