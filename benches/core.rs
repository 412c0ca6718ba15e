//! Core benchmarks on generated data (PATUH_BENCH_SCALE, default national): loading a
//! database, rescoring everything, and the commit of one keystroke's change against a
//! bare one-row SQLite commit with the same pragmas on the same disk (the floor).
//!
//! The disk's fsync dominates both commits and drifts over seconds on a shared
//! machine, so besides criterion's two separate measurements the two commits are also
//! timed alternately, one of each per round, and their medians compared (`ratio:`).

mod support;

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use patuh::domain::Value;
use patuh::domain::model::{ProductIx, ScoreBook};
use patuh::store::Store;

fn load_and_rescore(c: &mut Criterion) {
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
    let mut flip = false;
    g.bench_function("incremental rescore of one change", |b| {
        b.iter(|| {
            flip = !flip;
            ds2.products[p].values[0] = if flip {
                Value::Level(1)
            } else {
                Value::Level(0)
            };
            book.update_product(&ds2, p);
            book.agency(&ds2, ds2.units[ds2.products[p].unit].agency)
        })
    });
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
    let p = ProductIx::new(ds.products.len() / 3);
    let product = patuh::store::ProductRef {
        db_id: ds.products[p].db_id,
        path: ds.product_path(p),
    };
    let instrument = ds.instrument_of_product(p).clone();
    let indicator = instrument.indicators[0].clone();
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

    let (mut ours, mut floor, mut hops, mut twos) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..support::iterations(4000) {
        let t = Instant::now();
        record(&mut store);
        ours.push(t.elapsed());
        let t = Instant::now();
        bare();
        floor.push(t.elapsed());
        let t = Instant::now();
        two_rows();
        twos.push(t.elapsed());
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
    let ratio = ours.p50.as_secs_f64() / floor.p50.as_secs_f64();
    println!(
        "commit/{scale} ratio: p50 {ratio:.2}x the bare commit; target <= 1.2x: {}",
        support::verdict(ratio <= 1.2)
    );

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
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, load_and_rescore, commit);
criterion_main!(benches);
