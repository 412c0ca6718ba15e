//! Nobody fooled by a busy file, a stale cache, a one-row claim, a wrong clock or a
//! trusted insider (issue 11, the store's side): readers running while `patuh record`
//! writes see one consistent snapshot and never call a busy file damaged; `check`
//! recomputes what is derived (digests) and refuses values off their scale; what a file
//! is (workstation or central) is not a writable claim; the central database audits
//! and checks its own merges, trusts only the instruments it imported, orders an
//! assessor's exports by their audit chains, refuses exports dated ahead of its clock,
//! and keeps each assessor to the agencies the central office assigned.

mod exchange_support;

use std::path::Path;
use std::process::Output;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use exchange_support::*;

/// Runs `patuh` as `who` with a time limit.
fn run(w: &World, who: &str, args: &[&str]) -> Output {
    w.patuh(who)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run patuh")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ---------------------------------------------------------------------------------
// 1. Readers during writes
// ---------------------------------------------------------------------------------

/// What one kind of command did during the run.
#[derive(Default)]
struct Tally {
    runs: AtomicUsize,
    failures: Mutex<Vec<String>>,
}

impl Tally {
    fn record(&self, what: &str, out: &Output, ok: bool) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failures
                .lock()
                .unwrap()
                .push(format!("{what}: {}", text(out)));
        }
    }
}

/// `patuh record` in loops (real processes, two at once) on a workstation's file, and
/// meanwhile every reader in a loop of its own: `check`, `export` then `verify` of the
/// file written, `show`, `score --json`, `report`. Each reader must succeed every time:
/// no tampering reported that is not there, no export that `verify` refuses, no file
/// called damaged, no writer stopped. 4 s of writes (30 s with `PATUH_LONG=1`).
#[test]
fn readers_during_writes_see_one_consistent_snapshot_and_never_a_damaged_file() {
    let w = World::new();
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    let dbs = s(&db).to_string();
    let long = std::env::var_os("PATUH_LONG").is_some();
    let seconds = if long { 30 } else { 4 };
    let products = [
        "81/DPMPTSP/NIB",
        "81/DPMPTSP/SIPI",
        "81/RSUD-HAULUSSY/IGD",
        "8171/DUKCAPIL/KTP-EL",
        "8171/DUKCAPIL/KK",
    ];
    let indicators = ["persyaratan", "prosedur", "waktu", "biaya", "sk-standar"];
    let stop = AtomicBool::new(false);
    let checkpoints = AtomicUsize::new(0);
    let writes = Tally::default();
    let readers: Vec<(&str, Tally)> = ["check", "export+verify", "show", "score", "report"]
        .into_iter()
        .map(|n| (n, Tally::default()))
        .collect();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for writer in 0..2usize {
            let (w, dbs, stop, writes) = (&w, &dbs, &stop, &writes);
            scope.spawn(move || {
                let mut n = writer;
                while !stop.load(Ordering::Relaxed) {
                    let product = products[n % products.len()];
                    let indicator = indicators[(n / products.len()) % indicators.len()];
                    let value = ["0", "1"][(n / 7) % 2];
                    let mut args = vec!["--db", dbs, "record", product, indicator];
                    if n % 11 == 0 {
                        args.push("--na");
                    } else {
                        args.extend(["--value", value]);
                    }
                    let note = format!("catatan {n}");
                    if n % 3 == 0 {
                        args.extend(["--note", &note]);
                    }
                    let out = run(w, "siti", &args);
                    writes.record("record", &out, out.status.success());
                    n += 2;
                }
            });
        }
        // Checkpoints meanwhile, as a workstation's automatic checkpoint (and the close
        // of the last connection) does: the WAL's pages copied into the file while the
        // readers open it.
        let (db, stop_c, checkpoints) = (&db, &stop, &checkpoints);
        scope.spawn(move || {
            let conn = rusqlite::Connection::open(db).expect("open");
            conn.busy_timeout(Duration::from_secs(5))
                .expect("busy timeout");
            while !stop_c.load(Ordering::Relaxed) {
                if conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
                    .is_ok()
                {
                    checkpoints.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        for (name, tally) in &readers {
            let (w, dbs, stop) = (&w, &dbs, &stop);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    match *name {
                        "check" => {
                            let out = run(w, "reader", &["--db", dbs, "check"]);
                            let ok = out.status.success()
                                && String::from_utf8_lossy(&out.stdout).contains(": ok");
                            tally.record("check", &out, ok);
                        }
                        "export+verify" => {
                            let file = w.path(&format!("during-{n}.patuh"));
                            let out = run(w, "siti", &["--db", dbs, "export", "--out", s(&file)]);
                            if !out.status.success() {
                                tally.record("export", &out, false);
                                continue;
                            }
                            let out = run(w, "central", &["verify", s(&file)]);
                            tally.record("verify of an export", &out, out.status.success());
                            let _ = std::fs::remove_file(&file);
                        }
                        "show" => {
                            let out = run(w, "reader", &["--db", dbs, "show", "81/DPMPTSP/NIB"]);
                            tally.record("show", &out, out.status.success());
                        }
                        "score" => {
                            let out = run(w, "reader", &["--db", dbs, "score", "--json"]);
                            let ok = out.status.success()
                                && serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok();
                            tally.record("score", &out, ok);
                        }
                        "report" => {
                            let file = w.path("during-report.md");
                            let out = run(
                                w,
                                "reader",
                                &["--db", dbs, "report", "--format", "md", "--out", s(&file)],
                            );
                            tally.record("report", &out, out.status.success());
                        }
                        _ => unreachable!(),
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    let mut failures = writes.failures.lock().unwrap().clone();
    let mut counts = vec![
        format!("record {}", writes.runs.load(Ordering::Relaxed)),
        format!("checkpoints {}", checkpoints.load(Ordering::Relaxed)),
    ];
    for (name, tally) in &readers {
        failures.extend(tally.failures.lock().unwrap().iter().cloned());
        counts.push(format!("{name} {}", tally.runs.load(Ordering::Relaxed)));
    }
    eprintln!(
        "readers during writes: {} in {:.1} s; {} failed",
        counts.join(", "),
        elapsed.as_secs_f64(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of the runs failed ({}):\n{}",
        failures.len(),
        counts.join(", "),
        failures.join("\n---\n")
    );
    assert!(
        writes.runs.load(Ordering::Relaxed) >= 10,
        "the writers wrote: {counts:?}"
    );
    for (name, tally) in &readers {
        assert!(
            tally.runs.load(Ordering::Relaxed) >= 2,
            "{name} ran during the writes: {counts:?}"
        );
    }
    // And the file is whole and accounted for afterwards.
    w.ok("reader", &["--db", &dbs, "check"]);
}

// ---------------------------------------------------------------------------------
// 3. Derived data: digests recomputed by `check`, never shown or signed
// ---------------------------------------------------------------------------------

/// Runs SQL on a database file as another SQLite tool would.
fn sqlite(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(sql).expect("sql");
}

/// The id of a product by path, for hand edits.
fn product_id(db: &Path, path: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(
        "SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
         WHERE a.code || '/' || u.code || '/' || p.code = ?1",
        [path],
        |r| r.get(0),
    )
    .expect("product")
}

/// The score of one product in `score --json`.
fn product_score(w: &World, db: &Path, path: &str) -> serde_json::Value {
    let mut parts = path.split('/');
    let (a, u, p) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let json = w.score_json(db, Some(a));
    let unit = json["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == u)
        .unwrap();
    unit["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == p)
        .unwrap()["score"]
        .clone()
}

/// `product.digest` set by hand to "every indicator 1" on a product with one value:
/// `show`, `score` and `report` print what the observations give (5.32), never the
/// cache (100.00); `check` names the product and the cache; `export` signs what the
/// observations give and `verify` accepts it. Before: 100.00 everywhere, `check` ok.
#[test]
fn a_digest_changed_outside_patuh_is_found_by_check_and_never_shown_or_signed() {
    let w = World::new();
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &db, "81/DPMPTSP/NIB", "persyaratan", "1");
    // Another product changed after it: the NIB's digest is rewritten (not stale).
    w.record("siti", &db, "81/DPMPTSP/SIPI", "persyaratan", "1");
    w.ok("siti", &["--db", s(&db), "check"]);
    let truth = product_score(&w, &db, "81/DPMPTSP/NIB");
    assert_eq!(truth.to_string(), "5.32");
    let id = product_id(&db, "81/DPMPTSP/NIB");
    sqlite(
        &db,
        &format!(
            "UPDATE product SET digest = X'{}' WHERE id = {id}",
            "03".repeat(36)
        ),
    );
    assert_eq!(product_score(&w, &db, "81/DPMPTSP/NIB"), truth, "score");
    let show = w.ok("reader", &["--db", s(&db), "show", "81/DPMPTSP/NIB"]);
    assert!(show.contains("score 5.32"), "{show}");
    let md = w.path("report.md");
    w.ok(
        "reader",
        &["--db", s(&db), "report", "--format", "md", "--out", s(&md)],
    );
    let report = std::fs::read_to_string(&md).unwrap();
    assert!(
        report.contains("| 5.32 |") && !report.contains("| 100.00 |"),
        "{report}"
    );
    let out = run(&w, "siti", &["--db", s(&db), "check"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("81/DPMPTSP/NIB") && all.contains("product.digest"),
        "{all}"
    );
    let file = w.export("siti", &db, "siti.patuh", &["81"]);
    let verified = w.ok("central", &["verify", s(&file)]);
    assert!(verified.contains("OK"), "{verified}");
    let central = w.path("central.db");
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&file)],
    );
    assert_eq!(product_score(&w, &central, "81/DPMPTSP/NIB"), truth);
}

// ---------------------------------------------------------------------------------
// 8. Instruments: bodies checked against their hashes
// ---------------------------------------------------------------------------------

/// The stored body of kepatuhan-2021 v1 with its bands moved (green from 5 points),
/// its recorded sha256 kept: `check` names the instrument and the hash.
#[test]
fn check_finds_an_instrument_body_changed_inside_a_workstation_file() {
    let w = World::new();
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &db, "81/DPMPTSP/NIB", "persyaratan", "1");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let body: String = conn
        .query_row(
            "SELECT body FROM instrument WHERE code = 'kepatuhan-2021' AND version = '1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["bands"][1]["min"] = 1.into();
    v["bands"][2]["min"] = 5.into();
    conn.execute(
        "UPDATE instrument SET body = ?1 WHERE code = 'kepatuhan-2021' AND version = '1'",
        [v.to_string()],
    )
    .unwrap();
    drop(conn);
    let out = run(&w, "siti", &["--db", s(&db), "check"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("instrument kepatuhan-2021 version 1")
            && all.contains("not to its recorded sha256"),
        "{all}"
    );
}
