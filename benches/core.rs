//! Core benchmarks on generated data (PATUH_BENCH_SCALE, default national): loading a
//! database, rescoring everything, the path to the next category, the level-aware score
//! book on a format-2 assessment with respondents built in memory (as many agencies as
//! the scale has: 3, 12 or 590), and the commit of one keystroke's change against a
//! bare one-row SQLite commit with the same pragmas on the same disk (the floor).
//!
//! The disk's fsync dominates both commits and drifts over seconds on a shared
//! machine, so besides criterion's two separate measurements the two commits are also
//! timed alternately, one of each per round, and their medians compared (`ratio:`).

mod support;

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use patuh::domain::Value;
use patuh::domain::instrument::{NodeLevel, Source};
use patuh::domain::model::{Dataset, IndicatorIx, NodeRef, ProductIx, ScoreBook, next_category};
use patuh::store::Store;

/// The first indicator a product's own observation answers (every indicator of a
/// format-1 instrument; the process dimension's of the 2022-2024 one).
fn product_indicator(ds: &Dataset, p: ProductIx) -> usize {
    let inst = ds.instrument_of_product(p);
    inst.indicators_at(NodeLevel::Product)
        .find(|&i| matches!(inst.indicators[i].source, Source::Observation))
        .expect("a product observation indicator")
}

/// A product in the middle of the data set that can be changed (not finalized).
fn open_product(ds: &Dataset, at: usize) -> ProductIx {
    let n = ds.products.len();
    (at..n)
        .chain(0..at)
        .map(ProductIx::new)
        .find(|&p| !ds.products[p].finalized)
        .expect("a product that is not finalized")
}

fn load_and_rescore(c: &mut Criterion) {
    support::print_load("core");
    let path = support::dataset(false);
    let (_, scale) = support::scale();
    let mut g = c.benchmark_group(format!("core/{scale}"));
    g.sample_size(10);
    g.bench_function("open+load", |b| {
        b.iter(|| {
            let store = Store::open(&path).expect("open");
            store.load().expect("load")
        })
    });
    let store = Store::open(&path).expect("open");
    let ds = store.load().expect("load");
    g.bench_function("rescore everything", |b| b.iter(|| ScoreBook::compute(&ds)));
    let mut book = ScoreBook::compute(&ds);
    let mut ds2 = ds.clone();
    let p = ProductIx::new(ds2.products.len() / 2);
    let k = product_indicator(&ds2, p);
    let mut flip = false;
    g.bench_function("incremental rescore of one change", |b| {
        b.iter(|| {
            flip = !flip;
            ds2.products[p].values[k] = if flip {
                Value::Level(1)
            } else {
                Value::Level(0)
            };
            book.update_product(&ds2, p);
            book.agency(&ds2, ds2.units[ds2.products[p].unit].agency)
        })
    });
    // The path to the next category on format-1 data: a unit's (its products'
    // indicators) and the largest agency's (every product of it).
    let unit = NodeRef::Unit(ds.products[p].unit);
    let largest = ds
        .agencies
        .ids()
        .max_by_key(|&a| ds.agencies[a].units.len())
        .map(NodeRef::Agency);
    g.bench_function("path to the next category: unit", |b| {
        b.iter(|| next_category(&ds, unit))
    });
    if let Some(a) = largest {
        g.bench_function("path to the next category: largest agency", |b| {
            b.iter(|| next_category(&ds, a))
        });
    }
    g.finish();
}

fn commit(c: &mut Criterion) {
    let path = support::dataset(true);
    let dir = path
        .parent()
        .expect("dir")
        .join(format!("bare-{}", std::process::id()));
    let (_, scale) = support::scale();
    let mut store = Store::open(&path).expect("open");
    let ds = store.load().expect("load");
    let p = open_product(&ds, ds.products.len() / 3);
    let product = patuh::store::ProductRef {
        db_id: ds.products[p].db_id,
        path: ds.product_path(p),
    };
    let instrument = ds.instrument_of_product(p).clone();
    let indicator = instrument.indicators[product_indicator(&ds, p)].clone();
    let mut flip = false;
    let mut record = |store: &mut Store| {
        flip = !flip;
        let v = if flip {
            Value::Level(1)
        } else {
            Value::Level(0)
        };
        store
            .record(&product, &indicator, Some(v), None)
            .expect("record")
    };
    // The floor: one row, one commit, same pragmas, same disk (a file beside).
    std::fs::create_dir_all(&dir).expect("dir");
    let conn = rusqlite::Connection::open(dir.join("bare.db")).expect("bare");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v INTEGER); CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, v TEXT NOT NULL);",
    )
    .expect("bare setup");
    let mut k = 0i64;
    // Its statements are prepared once, like patuh's: the floor is the commit itself,
    // not SQL parsing.
    let mut bare = || {
        k += 1;
        let run = |sql: &str, args: &[&dyn rusqlite::ToSql]| {
            conn.prepare_cached(sql)
                .and_then(|mut s| s.execute(args))
                .expect("bare commit")
        };
        run("BEGIN IMMEDIATE", &[]);
        run("INSERT OR REPLACE INTO t VALUES (1, ?1)", &[&k]);
        run("COMMIT", &[]);
    };
    // The floor of the design: one row replaced and one row appended in two tables
    // (patuh's observation and audit row), two pages; nothing else.
    let mut j = 0i64;
    let filler = "x".repeat(200);
    let mut two_rows = || {
        j += 1;
        let run = |sql: &str, args: &[&dyn rusqlite::ToSql]| {
            conn.prepare_cached(sql)
                .and_then(|mut s| s.execute(args))
                .expect("two-row commit")
        };
        run("BEGIN IMMEDIATE", &[]);
        run("INSERT OR REPLACE INTO t VALUES (2, ?1)", &[&j]);
        run("INSERT INTO log (v) VALUES (?1)", &[&filler]);
        run("COMMIT", &[]);
    };

    // The design's own statements on the nation's file, with nothing else: the
    // keystroke's UPDATE of its answer row (firing the digest trigger, schema 0014) and
    // its audit row, hashed and chained as patuh does, each commit reading nothing.
    // On a copy of the file of its own: a write on patuh's file would tell patuh's
    // store that another process wrote (src/store/observe/warm.rs).
    let design_db = support::work_copy(&support::dataset(false), "design");
    let design = rusqlite::Connection::open(&design_db).expect("design copy");
    design
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .expect("design setup");
    let (cycle_id, mut seq, mut prev): (i64, i64, String) = design
        .query_row(
            "SELECT (SELECT c.id FROM cycle c JOIN meta m ON m.key = 'cycle.current' AND m.value = c.code),
                    seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("design tail");
    let mut flip_design = false;
    let mut design_statements = || {
        flip_design = !flip_design;
        let v = i64::from(flip_design);
        let run = |sql: &str, args: &[&dyn rusqlite::ToSql]| {
            design
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(args))
                .expect("design commit")
        };
        run("BEGIN IMMEDIATE", &[]);
        run(
            "UPDATE answer SET value = ?6, na = 0, carried = 0, updated_at = ?7, updated_by = ?8
             WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3 AND indicator = ?4 AND respondent = ?5",
            &[
                &cycle_id,
                &3,
                &product.db_id,
                &indicator.id,
                &0,
                &v,
                &"2026-12-02T00:00:00Z",
                &"Penilai",
            ],
        );
        seq += 1;
        let row = patuh::store::audit::AuditRow {
            seq,
            at: "2026-12-02T00:00:00Z".into(),
            who: "Penilai".into(),
            path: product.path.clone(),
            indicator: Some(indicator.id.clone()),
            action: "value".into(),
            old: Some((1 - v).to_string()),
            new: Some(v.to_string()),
            prev_hash: std::mem::take(&mut prev),
            cycle: None,
            respondent: None,
        };
        let mut stmt = design
            .prepare_cached(patuh::store::audit::INSERT_SQL)
            .expect("audit insert");
        prev = row.insert(&mut stmt).expect("design audit row");
        drop(stmt);
        run("COMMIT", &[]);
    };

    // The worst case besides: every keystroke on another product, so that each
    // commit also writes the digest of the product changed before (src/store/digest.rs).
    let others: Vec<patuh::store::ProductRef> = ds
        .products
        .ids()
        .filter(|&q| !ds.products[q].finalized && q != p)
        .take(64)
        .map(|q| patuh::store::ProductRef {
            db_id: ds.products[q].db_id,
            path: ds.product_path(q),
        })
        .collect();
    let mut hop = 0usize;
    let mut flip_other = false;
    let mut record_elsewhere = |store: &mut Store| {
        hop += 1;
        if hop.is_multiple_of(others.len()) {
            flip_other = !flip_other;
        }
        let v = if flip_other {
            Value::Level(1)
        } else {
            Value::Level(0)
        };
        store
            .record(&others[hop % others.len()], &indicator, Some(v), None)
            .expect("record")
    };

    // A respondent's interview answer (a staff member of a unit that is not
    // finalized): its answer row and its audit row, like an observation's.
    let interview = ds.units.ids().find_map(|u| {
        let node = NodeRef::Unit(u);
        if ds.finalized(node) {
            return None;
        }
        let inst = ds.instrument_of(node);
        let resp = ds.respondents(node).iter().find(|r| !r.removed)?;
        let i = inst.role_indicators(resp.role).next()?;
        let role = inst.roles[resp.role].id.clone();
        Some((ds.node_path(node), role, resp.number, i, inst.clone()))
    });
    let interview = interview.map(|(path, role, number, i, inst)| {
        let node = store.node(&path).expect("unit");
        let row = store.respondent(&node, &role, number).expect("respondent");
        (node, row, i, inst)
    });
    let mut flip_answer = false;
    let mut answer = |store: &mut Store| {
        let Some((node, row, i, inst)) = &interview else {
            return;
        };
        flip_answer = !flip_answer;
        let v = Value::Level(if flip_answer { 3 } else { 1 });
        store
            .record_answer(node, inst, *i, row, v)
            .expect("record an answer");
    };

    // Each kind of keystroke in its steady state, as an assessor types: the same
    // product's checklist, then the same unit's questionnaire, each alternating with the
    // floors. Interleaving the two (as this bench did until 2026-12-02) made every
    // commit a move to another node, which writes the digest of the node left and marks
    // the new one stale: 5 pages a commit instead of 2 (counted in the WAL), the worst
    // case measured below on its own.
    let (mut ours, mut floor, mut hops, mut twos, mut answers, mut answer_twos) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    // The CPU time of each commit besides (the thread's, fsync's wait excluded): what
    // is the commit's work and what is the disk's.
    let (mut ours_cpu, mut twos_cpu, mut designs_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let mut designs = Vec::new();
    // Untimed: the first change of a node makes it stale and writes its neighbour's digest.
    record(&mut store);
    for _ in 0..support::iterations(4000) {
        let (t, c) = (Instant::now(), support::thread_cpu());
        record(&mut store);
        ours.push(t.elapsed());
        ours_cpu.push(support::thread_cpu() - c);
        let t = Instant::now();
        bare();
        floor.push(t.elapsed());
        let (t, c) = (Instant::now(), support::thread_cpu());
        two_rows();
        twos.push(t.elapsed());
        twos_cpu.push(support::thread_cpu() - c);
        let (t, c) = (Instant::now(), support::thread_cpu());
        design_statements();
        designs.push(t.elapsed());
        designs_cpu.push(support::thread_cpu() - c);
    }
    if interview.is_some() {
        answer(&mut store);
        for _ in 0..support::iterations(4000) {
            let t = Instant::now();
            answer(&mut store);
            answers.push(t.elapsed());
            let t = Instant::now();
            two_rows();
            answer_twos.push(t.elapsed());
        }
    }
    for _ in 0..support::iterations(1000) {
        let t = Instant::now();
        record_elsewhere(&mut store);
        hops.push(t.elapsed());
        let t = Instant::now();
        bare();
        floor.push(t.elapsed());
    }
    // Back to the product of the steady state: its neighbour's digest is written now.
    record(&mut store);
    let (ours, floor, hops, twos) = (
        support::Spread::of(ours),
        support::Spread::of(floor),
        support::Spread::of(hops),
        support::Spread::of(twos),
    );
    ours.report(&format!("commit/{scale}/patuh record, alternating"));
    hops.report(&format!(
        "commit/{scale}/patuh record on another product each time (worst case), alternating"
    ));
    floor.report(&format!("commit/{scale}/bare one-row commit, alternating"));
    twos.report(&format!(
        "commit/{scale}/bare two-row commit (two tables, two pages), alternating"
    ));
    println!(
        "commit/{scale} floor of two rows in two tables: p50 {:.2}x the bare commit",
        twos.p50.as_secs_f64() / floor.p50.as_secs_f64()
    );
    println!(
        "commit/{scale} ratio: p50 {:.2}x the bare one-row commit",
        ours.p50.as_secs_f64() / floor.p50.as_secs_f64()
    );
    let (ours_cpu, twos_cpu) = (support::Spread::of(ours_cpu), support::Spread::of(twos_cpu));
    println!(
        "commit/{scale} CPU of the thread per commit, p50: patuh record {:.1} us, the two-row floor {:.1} us (the rest of each commit is the wait for the disk)",
        ours_cpu.p50.as_secs_f64() * 1e6,
        twos_cpu.p50.as_secs_f64() * 1e6
    );
    let ratio = ours.p50.as_secs_f64() / twos.p50.as_secs_f64();
    println!(
        "commit/{scale} ratio to the design's floor: p50 {ratio:.2}x the two-row commit; target <= 1.10x: {}",
        support::verdict(ratio <= 1.10)
    );
    let (designs, designs_cpu) = (
        support::Spread::of(designs),
        support::Spread::of(designs_cpu),
    );
    designs.report(&format!(
        "commit/{scale}/the design's two statements on the nation's file (answer UPDATE with its trigger, chained audit row), alternating"
    ));
    println!(
        "commit/{scale} against the design's statements on the nation's file: p50 {:.2}x; CPU p50 {:.1} us against {:.1} us; they against the two-row floor: {:.2}x",
        ours.p50.as_secs_f64() / designs.p50.as_secs_f64(),
        ours_cpu.p50.as_secs_f64() * 1e6,
        designs_cpu.p50.as_secs_f64() * 1e6,
        designs.p50.as_secs_f64() / twos.p50.as_secs_f64()
    );
    if !answers.is_empty() {
        let answers = support::Spread::of(answers);
        let answer_twos = support::Spread::of(answer_twos);
        answers.report(&format!(
            "commit/{scale}/patuh record_answer (a staff member's interview answer), alternating"
        ));
        answer_twos.report(&format!(
            "commit/{scale}/bare two-row commit, alternating with the answers"
        ));
        let ratio = answers.p50.as_secs_f64() / answer_twos.p50.as_secs_f64();
        println!(
            "commit/{scale} interview answer: p50 {ratio:.2}x the two-row commit; target <= 1.10x: {}",
            support::verdict(ratio <= 1.10)
        );
    }

    let mut g = c.benchmark_group(format!("commit/{scale}"));
    g.sample_size(30);
    g.bench_function(
        "patuh record (value + audit row + digest, BEGIN IMMEDIATE, fsync)",
        |b| b.iter(|| record(&mut store)),
    );
    g.bench_function("bare sqlite one-row commit (reference)", |b| {
        b.iter(&mut bare)
    });
    g.finish();
    drop(store);
    drop(conn);
    drop(design);
    let _ = std::fs::remove_dir_all(&dir);
    for side in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", design_db.display()));
    }
    let _ = std::fs::remove_file(&path);
}

/// The level-aware path of the score book (format 2, respondents) and the path to the
/// next category on the data set's first unit and agency with interviews: a staff
/// member's answer (its unit and agency rescored), a service user's (its agency and
/// every unit of it), a product observation (product, unit, agency).
fn levels(c: &mut Criterion) {
    let (_, name) = support::scale();
    let path = support::dataset(false);
    let store = Store::open(&path).expect("open");
    let mut ds = store.load().expect("load");
    drop(store);
    let mut book = ScoreBook::compute(&ds);
    // An agency with 17 service users or more, and one of its units with staff.
    let found = ds.agencies.ids().find_map(|a| {
        let inst = ds.instrument_of_agency(a);
        let users = inst.role_index("pengguna")?;
        let staff = inst.role_index("pelaksana")?;
        let agency = NodeRef::Agency(a);
        let one_user = ds.find_respondent(agency, users, 17)?;
        ds.agencies[a].units.iter().find_map(|&u| {
            let unit = NodeRef::Unit(u);
            let &p = ds.units[u].products.first()?;
            let one_staff = ds.find_respondent(unit, staff, 2)?;
            Some((agency, one_user, unit, one_staff, NodeRef::Product(p)))
        })
    });
    let Some((a, one_user, u, one_staff, p)) = found else {
        println!("levels/{name}: no agency with interviews in this data set (method 2021)");
        return;
    };
    let inst = ds.instrument_of(a).clone();
    let first = |role: &str| {
        let r = inst.role_index(role).expect("role");
        IndicatorIx::new(inst.role_indicators(r).next().expect("an indicator"))
    };
    let (knows, delay) = (first("pelaksana"), first("pengguna"));
    let rules = IndicatorIx::new(
        inst.indicators_at(NodeLevel::Product)
            .find(|&i| matches!(inst.indicators[i].source, Source::Observation))
            .expect("a product observation"),
    );
    let mut g = c.benchmark_group(format!("levels/{name}"));
    g.sample_size(10);
    let mut flip = false;
    let mut level = || {
        flip = !flip;
        if flip {
            Value::Level(3)
        } else {
            Value::Level(1)
        }
    };
    g.bench_function("one staff answer (unit, its agency)", |b| {
        b.iter(|| {
            ds.set_respondent_value(u, one_staff, knows, level())
                .expect("answer");
            book.update(&ds, u);
            book.summary(&ds, a)
        })
    });
    g.bench_function("one service user's answer (agency, its units)", |b| {
        b.iter(|| {
            ds.set_respondent_value(a, one_user, delay, level())
                .expect("answer");
            book.update(&ds, a);
            book.summary(&ds, a)
        })
    });
    g.bench_function("one product observation (product, unit, agency)", |b| {
        b.iter(|| {
            ds.set_value(p, rules, level()).expect("value");
            book.update(&ds, p);
            book.summary(&ds, a)
        })
    });
    g.bench_function("path to the next category: unit", |b| {
        b.iter(|| next_category(&ds, u))
    });
    g.bench_function("path to the next category: agency", |b| {
        b.iter(|| next_category(&ds, a))
    });
    g.finish();
}

criterion_group!(benches, load_and_rescore, levels, commit);
criterion_main!(benches);
