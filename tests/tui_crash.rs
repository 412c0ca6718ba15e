//! Crash safety of the workstation: the real binary in a pseudo-terminal on a real
//! database file, changing values and notes with keys, killed with SIGKILL at a
//! random moment of each session (while starting, between changes, in the middle of
//! a commit or of drawing). A change counts as shown saved when the status bar says
//! "Saved: …" for it. After every kill:
//!
//! - every change shown saved is in the database, with the value or note shown;
//! - the one change in flight at the kill (sent, not yet shown) is either wholly
//!   there or wholly absent, and nothing else changed;
//! - the audit log grew by exactly one row per change that reached the database;
//! - `PRAGMA integrity_check` is ok and the audit hash chain is intact.
//!
//! 200 kills by default (about a minute); `PATUH_LONG=1` runs 2,000.

mod pty_support;

use std::time::{Duration, Instant};

use patuh::domain::{Instrument, Value};
use pty_support::*;
use rusqlite::{Connection, OpenFlags, params};

const PRODUCT: &str = "81/DPMPTSP/NIB";
/// How many indicators (from the first) the sessions change.
const CELLS: usize = 6;

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

/// One indicator's state as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cell {
    value: Value,
    note: String,
}

/// How far the audit chain has been verified: the last row's seq and hash.
#[derive(Default)]
struct Verified {
    seq: i64,
    hash: String,
}

/// Checks the rows added since `v` (their order, links and hashes, and that the last
/// row verified before is still the same), or with `full` the whole chain from the
/// genesis row. Checking everything after every kill would grow with the square of
/// the kills (the long mode writes ~50,000 rows); the whole chain is checked every
/// 100 kills and at the end.
fn verify_audit(conn: &Connection, v: &mut Verified, full: bool) -> i64 {
    if full || v.seq == 0 {
        let rows = patuh::store::verify_chain(conn)
            .unwrap()
            .unwrap_or_else(|b| panic!("audit chain broken after a kill: {b}"));
        let last: Option<(i64, String)> = conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        if let Some((seq, hash)) = last {
            *v = Verified { seq, hash };
        }
        return rows as i64;
    }
    let still: String = conn
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [v.seq], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("audit row {} is gone after a kill: {e}", v.seq));
    assert_eq!(still, v.hash, "audit row {} changed after a kill", v.seq);
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, who, path, indicator, action, old, new, prev_hash, hash
             FROM audit WHERE seq > ?1 ORDER BY seq",
        )
        .unwrap();
    let added: Vec<(patuh::store::AuditRow, String)> = stmt
        .query_map([v.seq], |r| {
            Ok((
                patuh::store::AuditRow {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    who: r.get(2)?,
                    path: r.get(3)?,
                    indicator: r.get(4)?,
                    action: r.get(5)?,
                    old: r.get(6)?,
                    new: r.get(7)?,
                    prev_hash: r.get(8)?,
                    cycle: None,
                    respondent: None,
                },
                r.get(9)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (row, stored) in added {
        assert_eq!(
            row.seq,
            v.seq + 1,
            "audit row {} missing after a kill",
            v.seq + 1
        );
        assert_eq!(
            row.prev_hash, v.hash,
            "audit row {} does not follow",
            row.seq
        );
        assert_eq!(
            row.hash(),
            stored,
            "audit row {}: content and hash differ",
            row.seq
        );
        *v = Verified {
            seq: row.seq,
            hash: stored,
        };
    }
    let n: i64 = conn
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n, v.seq,
        "the audit log has {n} rows, numbered to {}",
        v.seq
    );
    n
}

/// What the database holds for the first `CELLS` indicators of the product, and how
/// many audit rows it has; checks integrity and the chain on the way.
fn read_db(
    db: &std::path::Path,
    ids: &[String],
    chain: &mut Verified,
    full: bool,
) -> (Vec<Cell>, i64) {
    // Read-only, so that the next session finds the file as the kill left it (a
    // read-write connection would checkpoint the WAL when it closes).
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "integrity check after a kill");
    let rows = verify_audit(&conn, chain, full);
    let mut cells = Vec::new();
    for id in ids {
        let got: Option<(Option<i64>, i64, String)> = conn
            .query_row(
                "SELECT o.value, o.na, o.note FROM answer o
                 JOIN product p ON p.id = o.node_id AND o.level = 3 JOIN unit u ON u.id = p.unit_id
                 JOIN agency a ON a.id = u.agency_id
                 WHERE a.code = '81' AND u.code = 'DPMPTSP' AND p.code = 'NIB' AND o.indicator = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        cells.push(match got {
            None => Cell {
                value: Value::Unanswered,
                note: String::new(),
            },
            Some((v, na, note)) => Cell {
                value: match (na, v) {
                    (1, _) => Value::NotApplicable,
                    (_, Some(v)) => Value::level(v as u32),
                    (_, None) => Value::Unanswered,
                },
                note,
            },
        });
    }
    (cells, rows)
}

/// The value as the status bar writes it (English).
fn shown(v: Value, max: u32) -> String {
    match v {
        Value::Unanswered => "unanswered".into(),
        Value::NotApplicable => "N/A".into(),
        Value::Level(1) if max == 1 => "✓".into(),
        Value::Level(0) if max == 1 => "✗".into(),
        Value::Level(v) => format!("{v}/{max}"),
    }
}

/// A change the harness makes: the keys, what the status bar says once it is saved,
/// and the indicator's state after it.
struct Change {
    keys: String,
    expect: String,
    cell: usize,
    after: Cell,
}

#[derive(Default)]
struct Figures {
    sessions: usize,
    killed_starting: usize,
    shown_saved: usize,
    values: usize,
    notes: usize,
    in_flight: usize,
    in_flight_committed: usize,
    session_time: Duration,
}

#[test]
fn workstation_killed_at_random_moments_loses_nothing_shown_saved() {
    let long = std::env::var_os("PATUH_LONG").is_some();
    let kills = if long { 2000 } else { 200 };
    let started = Instant::now();
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji Crash"]);
    // The harness keeps track of the highlighted indicator itself: the cursor stays
    // on an indicator after an answer (config.toml's auto_advance).
    let config = sandbox.path("config/patuh");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "auto_advance = false\n").unwrap();
    let db = sandbox.db();
    // Each session resumes on the checklist of the product, on its first indicator
    // (a SIGKILL never gets to save another position).
    {
        let conn = Connection::open(&db).unwrap();
        for (k, v) in [
            ("ui.last_product", PRODUCT),
            ("ui.last_screen", "checklist"),
            ("ui.last_indicator", "sk-standar"),
        ] {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )
            .unwrap();
        }
    }
    let instrument = Instrument::parse(patuh::shipped::INSTRUMENTS[0].1).unwrap();
    assert_eq!(instrument.id, "kepatuhan-2021");
    let ids: Vec<String> = instrument.indicators[..CELLS]
        .iter()
        .map(|i| i.id.clone())
        .collect();
    let max: Vec<u32> = instrument.indicators[..CELLS]
        .iter()
        .map(|i| i.max)
        .collect();
    let mut chain = Verified::default();
    let (mut cells, mut audit_rows) = read_db(&db, &ids, &mut chain, true);
    let mut rng = XorShift(0x5EED_7E57_C0FF_EE01);
    let mut f = Figures::default();
    let mut note_no = 0u32;

    for kill in 0..kills {
        f.sessions += 1;
        let mut s = sandbox.workstation();
        let t0 = Instant::now();
        // Long enough for about a dozen changes after the start, short enough that
        // some kills land while the workstation is still starting.
        let deadline = t0 + Duration::from_micros(rng.below(450_000));
        let mut confirmed: Vec<Change> = Vec::new();
        let mut in_flight: Option<Change> = None;
        let mut at = 0usize; // the highlighted indicator
        let mut last_note_cell = None;
        let ready = s
            .wait_until(&["Checklist NIB", "Resuming at"], deadline)
            .is_some();
        if !ready {
            f.killed_starting += 1;
        }
        // Changes one after the other, each waited for on the screen, until the moment.
        while ready && in_flight.is_none() {
            // Move now and then (within the first CELLS indicators), then change.
            let mut keys = String::new();
            match rng.below(4) {
                0 if at + 1 < CELLS => {
                    keys.push('j');
                    at += 1;
                }
                1 if at > 0 => {
                    keys.push('k');
                    at -= 1;
                }
                _ => {}
            }
            let current = cells[at].clone();
            let change = if rng.below(5) == 0 && last_note_cell != Some(at) {
                note_no += 1;
                let added = format!(" c{note_no}");
                keys.push('n');
                keys.push_str(&added);
                keys.push('\x13'); // Ctrl-S
                last_note_cell = Some(at);
                Change {
                    keys,
                    expect: format!("Saved: note of NIB · {}", ids[at]),
                    cell: at,
                    after: Cell {
                        value: current.value,
                        note: format!("{}{added}", current.note).trim_end().to_string(),
                    },
                }
            } else {
                let choices: Vec<(Value, char)> = [
                    (Value::Level(0), '0'),
                    (Value::Level(1), '1'),
                    (Value::NotApplicable, 'x'),
                    (Value::Unanswered, 'c'),
                ]
                .into_iter()
                .filter(|(v, _)| *v != current.value)
                .collect();
                let (v, key) = choices[rng.below(choices.len() as u64) as usize];
                keys.push(key);
                last_note_cell = None;
                Change {
                    keys,
                    expect: format!("Saved: NIB · {} = {}", ids[at], shown(v, max[at])),
                    cell: at,
                    after: Cell {
                        value: v,
                        note: current.note.clone(),
                    },
                }
            };
            s.send(&change.keys);
            if s.wait_until(&[&change.expect], deadline).is_some() {
                cells[change.cell] = change.after.clone();
                confirmed.push(change);
            } else {
                in_flight = Some(change);
            }
        }
        // The moment: whatever the workstation is doing now.
        let now = Instant::now();
        if now < deadline {
            std::thread::sleep(deadline - now);
        }
        s.signal(libc::SIGKILL);
        let status = s.wait_exit();
        assert!(!status.success(), "session {kill} was not killed");
        f.session_time += t0.elapsed();
        assert!(
            !String::from_utf8_lossy(&s.raw).contains("panicked"),
            "session {kill} panicked"
        );
        drop(s);

        // `cells` now holds the last change shown saved of every indicator.
        let full = kill % 100 == 99 || kill + 1 == kills;
        let (db_cells, db_rows) = read_db(&db, &ids, &mut chain, full);
        let mut committed = confirmed.len() as i64;
        for (i, got) in db_cells.iter().enumerate() {
            let flight = in_flight.as_ref().filter(|c| c.cell == i);
            if *got == cells[i] {
                continue;
            }
            match flight {
                Some(c) if *got == c.after => {
                    committed += 1;
                    f.in_flight_committed += 1;
                    cells[i] = got.clone();
                }
                _ => panic!(
                    "after kill {kill}: {} is {got:?} in the database; shown saved: {:?}, in flight: {:?}",
                    ids[i],
                    cells[i],
                    flight.map(|c| &c.after)
                ),
            }
        }
        assert_eq!(
            db_rows - audit_rows,
            committed,
            "after kill {kill}: the audit log grew by {} rows for {committed} changes",
            db_rows - audit_rows
        );
        audit_rows = db_rows;
        f.shown_saved += confirmed.len();
        f.notes += confirmed.iter().filter(|c| c.keys.contains('n')).count();
        f.values += confirmed.iter().filter(|c| !c.keys.contains('n')).count();
        f.in_flight += usize::from(in_flight.is_some());
    }

    // The survivor: the CLI check passes and a normal session still works.
    let check = sandbox.patuh(&["check"]);
    assert!(check.contains("audit chain intact"), "{check}");
    let mut s = sandbox.workstation();
    s.wait_for(&["Checklist NIB", "Resuming at"]);
    s.send("q");
    assert!(s.wait_exit().success());

    eprintln!(
        "workstation crash safety: {kills} SIGKILLs in {:.1} s ({:.0} ms per session); \
         {} changes shown saved and checked ({} values, {} notes); \
         {} kills while starting; {} with a change in flight ({} of them committed, {} not); \
         {audit_rows} audit rows, chain intact",
        started.elapsed().as_secs_f64(),
        f.session_time.as_secs_f64() * 1000.0 / f.sessions as f64,
        f.shown_saved,
        f.values,
        f.notes,
        f.killed_starting,
        f.in_flight,
        f.in_flight_committed,
        f.in_flight - f.in_flight_committed
    );
    // The kills must have hit every phase, or the test proves less than it says.
    assert!(f.killed_starting > 0, "no kill while starting");
    assert!(
        f.in_flight > kills / 4,
        "too few kills with a change in flight"
    );
    assert!(f.shown_saved >= kills, "too few changes shown saved");
    assert!(f.notes > 0 && f.values > 0);
}
