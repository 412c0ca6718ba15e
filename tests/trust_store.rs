//! Nobody fooled by a busy file, a stale cache, a one-row claim, a wrong clock or a
//! trusted insider (issue 11, the store's side): readers running while `patuh record`
//! writes see one consistent snapshot and never call a busy file damaged; `check`
//! recomputes what is derived (digests) and refuses values off their scale; what a file
//! is (workstation or central) is not a writable claim; the central database audits
//! and checks its own merges, trusts only the instruments it imported, orders an
//! assessor's exports by their audit chains, refuses exports dated ahead of its clock,
//! and keeps each assessor to the agencies the central office assigned.

mod exchange_support;

use std::path::{Path, PathBuf};
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
