//! Nobody fooled by a busy file, a stale cache, a one-row claim, a wrong clock or a
//! trusted insider (issue 11, the store's side): readers running while `patuh record`
//! writes see one consistent snapshot and never call a busy file damaged; `check`
//! recomputes what is derived (digests) and refuses values off their scale; what a file
//! is (workstation or central) is not a writable claim; the central database audits
//! and checks its own merges, trusts only the instruments it imported, orders an
//! assessor's exports by their audit chains, refuses exports dated ahead of its clock,
//! and keeps each assessor to the agencies the central office assigned.

mod common;
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
            "UPDATE node_state SET digest = X'{}' WHERE level = 3 AND node_id = {id}",
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
        all.contains("81/DPMPTSP/NIB") && all.contains("node_state.digest"),
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

// ---------------------------------------------------------------------------------
// 4. What a file is: not a writable claim; a central database's merges checked
// ---------------------------------------------------------------------------------

/// `patuh check` on a file: (exit code, stdout and stderr).
fn check(w: &World, db: &Path) -> (Option<i32>, String) {
    let out = run(w, "reader", &["--db", s(db), "check"]);
    (out.status.code(), text(&out))
}

/// A note edited with sqlite3 on a workstation is found by the replay; with
/// `INSERT INTO meta VALUES('role','central')` too (before: the row switched the
/// replay off and `check` said ok), and the claim itself is named. A merge into it is
/// refused as a workstation's whatever its role says.
#[test]
fn a_role_row_never_switches_the_replay_off() {
    let w = World::new();
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &db, "81/DPMPTSP/NIB", "persyaratan", "1");
    w.record("siti", &db, "81/DPMPTSP/SIPI", "persyaratan", "1");
    let file = w.export("siti", &db, "siti.patuh", &["81"]);
    sqlite(
        &db,
        &format!(
            "UPDATE answer SET note = 'diubah' WHERE level = 3 AND node_id = {}",
            product_id(&db, "81/DPMPTSP/NIB")
        ),
    );
    let (code, out) = check(&w, &db);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("does not account for 81/DPMPTSP/NIB"), "{out}");
    sqlite(&db, "INSERT INTO meta VALUES ('role', 'central')");
    let (code, out) = check(&w, &db);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("does not account for 81/DPMPTSP/NIB")
            && out.contains("meta.role says central"),
        "{out}"
    );
    let before = std::fs::read(&db).unwrap();
    let err = w.fails("central", &["central", "merge", "--db", s(&db), s(&file)]);
    assert!(err.contains("this is a workstation database"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// Two assessors' files merged into a central database: `check` says ok, and its
/// log holds the creation, the shipped instruments and both merges. On copies of it,
/// each change made with sqlite3 is found and named: an observation edited, a log row
/// deleted, an assessor's result edited together with the observation chosen from it
/// (only merging the stored files again shows it), a merged file removed with its log
/// row, its results and observations, a stored payload edited. Before: `check` skipped a central database's replay
/// and said ok to each.
#[test]
fn a_central_database_audits_its_merges_and_check_merges_them_again() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &siti, "81/DPMPTSP/NIB", "persyaratan", "1");
    w.record("siti", &siti, "81/DPMPTSP/NIB", "prosedur", "1");
    let siti_file = w.export("siti", &siti, "siti.patuh", &["81"]);
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    w.record("budi", &budi, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    let budi_file = w.export("budi", &budi, "budi.patuh", &["8171"]);
    let central = w.path("central.db");
    w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&central),
            s(&siti_file),
            s(&budi_file),
        ],
    );
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
    let conn = rusqlite::Connection::open(&central).unwrap();
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM central_log ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(conn);
    assert_eq!(actions.first().map(String::as_str), Some("central"));
    assert_eq!(
        actions.iter().filter(|a| *a == "merge").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "instrument"), "{actions:?}");
    let nib = product_id(&central, "81/DPMPTSP/NIB");
    let cases: [(&str, String, &str); 5] = [
        (
            "an observation edited",
            format!("UPDATE answer SET value = 0 WHERE level = 3 AND node_id = {nib} AND indicator = 'persyaratan'"),
            "81/DPMPTSP/NIB: its observations are not those of its chosen merged result",
        ),
        (
            "a log row deleted",
            "DELETE FROM central_log WHERE seq = 2".into(),
            "central log broken at row 3",
        ),
        (
            "a result and its chosen observation edited",
            // (Schema 0012 keeps the results in central_answer: assessor_observation is
            // a view of it.)
            format!(
                "UPDATE central_answer SET value = 0 WHERE level = 3 AND node_id = {nib} AND indicator = 'persyaratan';
                 UPDATE answer SET value = 0 WHERE level = 3 AND node_id = {nib} AND indicator = 'persyaratan';"
            ),
            "which the stored files do not give",
        ),
        (
            "a merged file removed with its log row",
            format!(
                "DELETE FROM central_log WHERE action = 'merge' AND detail = 'ASN-001';
                 DELETE FROM central_answer WHERE assessor_id = 'ASN-001';
                 DELETE FROM central_result WHERE assessor_id = 'ASN-001';
                 DELETE FROM answer WHERE level = 3 AND node_id = {nib};
                 DELETE FROM import_file WHERE assessor_id = 'ASN-001';"
            ),
            "central log broken",
        ),
        (
            "a stored payload edited",
            // (A format-2 payload is compressed: a byte added stands for any edit.)
            "UPDATE import_file SET payload = CAST(payload || X'00' AS BLOB) WHERE assessor_id = 'ASN-001'".into(),
            "its stored payload hashes to",
        ),
    ];
    for (n, (what, sql, needle)) in cases.iter().enumerate() {
        let copy = w.path(&format!("central-{n}.db"));
        std::fs::copy(&central, &copy).unwrap();
        sqlite(&copy, sql);
        let (code, out) = check(&w, &copy);
        assert_eq!(code, Some(1), "{what}: {out}");
        assert!(out.contains(needle), "{what}: {needle:?} not in {out}");
    }
}

// ---------------------------------------------------------------------------------
// 7. A wrong clock: exports ordered by their audit chains, the far future refused
// ---------------------------------------------------------------------------------

/// Siti's file signed again with another `exported_at` (her own key, as a workstation
/// with that clock would have made it).
fn redated(w: &World, file: &Path, name: &str, exported_at: &str) -> std::path::PathBuf {
    use patuh::exchange::{bundle, bundle2};
    let key = patuh::exchange::keys::Identity::load(&w.keys("siti")).unwrap();
    let opened = bundle::open(&std::fs::read(file).unwrap()).unwrap();
    let sealed = if opened.format_version == bundle::FORMAT_VERSION_1 {
        let mut p = bundle::parse_payload(&opened.payload).unwrap();
        p.exported_at = exported_at.into();
        let bytes = patuh::exchange::export::payload_bytes(&p).unwrap();
        bundle::seal(&bytes, &key)
    } else {
        let json = bundle2::decompress(&opened.payload, bundle2::MAX_PAYLOAD_BYTES).unwrap();
        let mut p = bundle2::parse_payload2(&json).unwrap();
        p.exported_at = exported_at.into();
        let bytes = bundle2::payload2_bytes(&p).unwrap();
        bundle::seal_v2(&bundle2::compress(&bytes).unwrap(), &key).unwrap()
    };
    let out = w.path(name);
    std::fs::write(&out, sealed).unwrap();
    out
}

/// An export dated 2099 (a laptop's clock set wrong) is refused with the clock named,
/// nothing merged; one dated 20 hours ahead (a time zone set wrong) is merged, and the
/// assessor's next genuine export, dated before it but with a longer audit chain,
/// supersedes it (before: "replayed or out-of-date export", forever); the old one
/// merged again after it is refused as out of date.
#[test]
fn exports_are_ordered_by_their_audit_chains_and_the_far_future_is_refused() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "persyaratan", "1");
    let first = w.export("siti", &ws, "first.patuh", &["81"]);
    let central = w.path("central.db");
    let far = redated(&w, &first, "far.patuh", "2099-01-01T00:00:00Z");
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&far)],
    );
    assert!(
        err.contains("is more than a day after the clock of this computer")
            && err.contains("2099-01-01T00:00:00Z")
            && err.contains("far.patuh"),
        "{err}"
    );
    let ahead = time::OffsetDateTime::now_utc() + time::Duration::hours(20);
    let ahead = ahead
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let early = redated(&w, &first, "ahead.patuh", &ahead);
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&early)],
    );
    w.record("siti", &ws, "81/DPMPTSP/NIB", "persyaratan", "0");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "prosedur", "1");
    let later = w.export("siti", &ws, "later.patuh", &["81"]);
    let out = w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&later)],
    );
    assert!(out.contains("1 superseded"), "{out}");
    assert_eq!(
        w.score_json(&central, Some("81")),
        w.score_json(&ws, Some("81")),
        "the later export's results are the central ones"
    );
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&first)],
    );
    assert!(err.contains("replayed or out-of-date export"), "{err}");
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
}

// ---------------------------------------------------------------------------------
// 8. Instruments: the central database trusts only the ones it imported
// ---------------------------------------------------------------------------------

/// The shipped kepatuhan-2021 with its bands moved (green from 5 points) and, when
/// `id` is given, another id: an instrument of another hash.
fn altered_2021(id: Option<&str>) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/instruments/kepatuhan-2021.json")).unwrap();
    v["bands"][1]["min"] = 1.into();
    v["bands"][2]["min"] = 5.into();
    if let Some(id) = id {
        v["id"] = id.into();
    }
    v.to_string()
}

/// A workstation made through the library with `instrument` (imported before the
/// shipped ones) and the demo assignment (its instrument id changed to `id`), one
/// value recorded, exported with the key of `siti`.
fn workstation_with(w: &World, name: &str, instrument: &str, id: &str) -> std::path::PathBuf {
    use patuh::domain::Instrument;
    use patuh::domain::assignment::Assignment;
    let db = w.path(&format!("{name}.db"));
    let mut store = patuh::store::Store::open_or_create(&db).unwrap();
    store.set_assessor("Siti Rahma").unwrap();
    let i = Instrument::parse(instrument).unwrap();
    store.import_instrument(&i).unwrap();
    let demo = include_str!("../fixtures/demo/maluku.json")
        .replace("\"kepatuhan-2021\"", &format!("{id:?}"));
    store
        .import_assignment(&Assignment::parse(&demo).unwrap(), "maluku.json")
        .unwrap();
    put(
        &mut store,
        "81/DPMPTSP/NIB",
        "persyaratan",
        patuh::domain::Value::Level(1),
        None,
    );
    drop(store);
    if !w.keys("siti").exists() {
        w.ok(
            "siti",
            &["keys", "init", "--name", "Siti Rahma", "--id", "ASN-001"],
        );
    }
    w.export("siti", &db, &format!("{name}.patuh"), &["81"])
}

/// kepatuhan-2021 version 1 altered on a workstation (a new hash; "5.32 hijau"): its
/// export verifies (it is consistent) but a new central database refuses it, naming
/// the instrument (before: the first file's instrument was taken). An instrument the
/// central office never imported is refused with the command that imports it; once
/// imported (`patuh instrument import` on the central database), the file merges.
#[test]
fn a_central_database_trusts_only_the_instruments_it_imported() {
    let w = World::new();
    let altered = workstation_with(&w, "altered", &altered_2021(None), "kepatuhan-2021");
    let shown = w.ok(
        "reader",
        &["--db", s(&w.path("altered.db")), "show", "81/DPMPTSP/NIB"],
    );
    assert!(shown.contains("5.32 hijau"), "{shown}");
    w.ok("central", &["verify", s(&altered)]);
    let central = w.path("central.db");
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&altered)],
    );
    assert!(
        err.contains("instrument kepatuhan-2021 version 1 is in") && err.contains("other content"),
        "{err}"
    );
    let new = workstation_with(
        &w,
        "new",
        &altered_2021(Some("kepatuhan-uji")),
        "kepatuhan-uji",
    );
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&new)],
    );
    assert!(
        err.contains("instrument kepatuhan-uji version 1")
            && err.contains("has not imported it")
            && err.contains("instrument import FILE"),
        "{err}"
    );
    let file = w.path("kepatuhan-uji.json");
    std::fs::write(&file, altered_2021(Some("kepatuhan-uji"))).unwrap();
    w.ok(
        "central",
        &["--db", s(&central), "instrument", "import", s(&file)],
    );
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&new)],
    );
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
}

// ---------------------------------------------------------------------------------
// 9. Who assesses what: the central assignment
// ---------------------------------------------------------------------------------

/// The demo assignment with agency 81 renamed and of another kind, or with a new
/// product in it.
fn demo_changed(how: &str) -> String {
    let demo = include_str!("../fixtures/demo/maluku.json");
    let mut v: serde_json::Value = serde_json::from_str(demo).unwrap();
    let a = v["agencies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["code"] == "81")
        .unwrap();
    match how {
        "rename" => {
            a["name"] = "Pemerintah Kota Palsu".into();
            a["kind"] = "pemkot".into();
        }
        _ => a["units"][0]["products"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"code": "BARU", "name": "Produk Baru"})),
    }
    v.to_string()
}

/// The central office assigns agency 81 to Siti and 8171 to Budi and imports the
/// catalog (the demo assignment) into the central database. Then: Siti's results in
/// 81 merge; Budi's file with results in 81 is refused naming the agency and the
/// assessor; Budi's export of every agency with results only in 8171 merges (the
/// agencies he did not touch are left out); Siti's workstation renaming 81 and
/// changing its kind is refused, and so is her new product; the central database is
/// unchanged by each refusal and `check` passes. Without a central assignment, the
/// renaming file merges and renames, as before.
#[test]
fn the_central_assignment_keeps_each_assessor_to_their_agencies_and_the_catalog() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    let budi = w.workstation("budi", "Budi Santoso", "ASN-002");
    let central = w.path("central.db");
    let rules = w.path("central-assignment.json");
    std::fs::write(
        &rules,
        r#"{"format": "patuh-central-assignment", "format_version": 1, "assessors": [
             {"id": "ASN-001", "name": "Siti Rahma", "agencies": ["81"]},
             {"id": "ASN-002", "name": "Budi Santoso", "agencies": ["8171"]}]}"#,
    )
    .unwrap();
    let out = w.ok(
        "central",
        &["--db", s(&central), "central", "assign", s(&rules)],
    );
    assert!(
        out.contains("2 assessors") && out.contains("not in the catalog yet"),
        "{out}"
    );
    let demo = w.path("maluku.json");
    std::fs::write(&demo, include_str!("../fixtures/demo/maluku.json")).unwrap();
    w.ok(
        "central",
        &["--db", s(&central), "assignment", "import", s(&demo)],
    );

    w.record("siti", &siti, "81/DPMPTSP/NIB", "persyaratan", "1");
    let siti_file = w.export("siti", &siti, "siti.patuh", &[]);
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&siti_file)],
    );

    w.record("budi", &budi, "81/DPMPTSP/SIPI", "persyaratan", "1");
    let budi_81 = w.export("budi", &budi, "budi-81.patuh", &[]);
    let before = std::fs::read(&central).unwrap();
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&budi_81)],
    );
    assert!(
        err.contains("agency 81 is not assigned to assessor ASN-002")
            && err.contains("central assign"),
        "{err}"
    );
    assert_eq!(std::fs::read(&central).unwrap(), before);
    // Budi's results only in 8171 (a fresh workstation of his): merged.
    let budi_ws = w.path("budi-b.db");
    w.ok(
        "budi",
        &[
            "--db",
            s(&budi_ws),
            "init",
            "--demo",
            "--assessor",
            "Budi Santoso",
        ],
    );
    w.record("budi", &budi_ws, "8171/DUKCAPIL/KTP-EL", "maklumat", "1");
    let budi_8171 = w.export("budi", &budi_ws, "budi-8171.patuh", &[]);
    let out = w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&budi_8171)],
    );
    assert!(
        out.contains("merged") && out.contains("1 new results"),
        "{out}"
    );

    for (how, needle) in [
        (
            "rename",
            "agency 81 is \"Pemerintah Kota Palsu\" in this file",
        ),
        ("product", "product 81/DPMPTSP/BARU is not in the catalog"),
    ] {
        let ws = w.path(&format!("siti-{how}.db"));
        std::fs::copy(&siti, &ws).unwrap();
        let file = w.path(&format!("demo-{how}.json"));
        std::fs::write(&file, demo_changed(how)).unwrap();
        w.ok("siti", &["--db", s(&ws), "assignment", "import", s(&file)]);
        w.record("siti", &ws, "81/DPMPTSP/NIB", "prosedur", "1");
        let export = w.export("siti", &ws, &format!("siti-{how}.patuh"), &["81"]);
        let before = std::fs::read(&central).unwrap();
        let err = w.fails(
            "central",
            &["central", "merge", "--db", s(&central), s(&export)],
        );
        assert!(
            err.contains(needle) && err.contains("assignment import"),
            "{how}: {err}"
        );
        assert_eq!(std::fs::read(&central).unwrap(), before, "{how}");
        if how == "rename" {
            // Without a central assignment, as before: merged, renamed.
            let open = w.path("open-central.db");
            w.ok(
                "central",
                &["central", "merge", "--db", s(&open), s(&export)],
            );
            let json = w.score_json(&open, Some("81"));
            assert_eq!(json["agencies"][0]["name"], "Pemerintah Kota Palsu");
            assert_eq!(json["agencies"][0]["kind"], "pemkot");
        }
    }
    let json = w.score_json(&central, Some("81"));
    assert_eq!(json["agencies"][0]["name"], "Pemerintah Provinsi Maluku");
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
}

/// A central database made before schema 0006 (no log of its own, no chain lengths):
/// opened by this patuh it gets the log its history would have written (made
/// central, its instruments, each merged file in order) and each file's chain
/// length, and `check` passes; the next merges follow the new rules.
#[test]
fn a_central_database_made_before_its_log_is_upgraded_with_one() {
    let w = World::new();
    let siti = w.workstation("siti", "Siti Rahma", "ASN-001");
    w.record("siti", &siti, "81/DPMPTSP/NIB", "waktu", "1");
    // Format 1: what a central database of schema 4 held.
    let older = w.export_v1("siti", &siti, "older.patuh", &["81"]);
    w.record("siti", &siti, "81/DPMPTSP/NIB", "persyaratan", "1");
    let first = w.export_v1("siti", &siti, "first.patuh", &["81"]);
    w.record("siti", &siti, "81/DPMPTSP/NIB", "prosedur", "1");
    let second = w.export_v1("siti", &siti, "second.patuh", &["81"]);
    let central = w.path("central.db");
    w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&first)],
    );
    // Back to schema 4, as the patuh before this one left it (0012's, 0011's, 0009's,
    // then 0008's tables first).
    sqlite(&central, common::BACK_TO_SCHEMA_13);
    sqlite(&central, common::BACK_TO_SCHEMA_12);
    sqlite(&central, common::BACK_TO_SCHEMA_11);
    sqlite(&central, common::BACK_TO_SCHEMA_10);
    sqlite(&central, common::BACK_TO_SCHEMA_8);
    sqlite(
        &central,
        "DROP TABLE review_comment; DROP TABLE review; DROP TABLE review_resolution;
         DROP TABLE revoked_key; DROP TABLE review_sent; DROP TABLE returned_item;
         DROP TABLE inbox_node; DROP TABLE inbox_file;
         DROP TABLE central_log; DROP TABLE central_assignment;
         ALTER TABLE import_file DROP COLUMN chain; ALTER TABLE assessor_result DROP COLUMN chain;
         DROP TABLE evidence_removed;
         DROP TABLE cycle; DELETE FROM meta WHERE key = 'cycle.current';
         DROP TABLE history_score;
         PRAGMA user_version = 4;",
    );
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
    let conn = rusqlite::Connection::open(&central).unwrap();
    let (rows, chain): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM central_log), (SELECT chain FROM import_file)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    assert_eq!(chain, 2, "the first export's audit chain is two rows long");
    assert!(
        rows >= 3,
        "made central, instruments, the merge: {rows} rows"
    );
    let out = w.ok(
        "central",
        &["central", "merge", "--db", s(&central), s(&second)],
    );
    assert!(out.contains("1 superseded"), "{out}");
    let err = w.fails(
        "central",
        &["central", "merge", "--db", s(&central), s(&older)],
    );
    assert!(err.contains("replayed or out-of-date export"), "{err}");
    let (code, out) = check(&w, &central);
    assert_eq!(code, Some(0), "{out}");
}
