//! Core benchmarks on generated data (PATUH_BENCH_SCALE, default national): loading a
//! database, rescoring everything, and the commit of one keystroke's change against a
//! bare one-row SQLite commit with the same pragmas on the same disk (the floor).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use patuh::domain::Value;
use patuh::domain::model::ScoreBook;
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
    let p = ds2.products.len() / 2;
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
    let (_, scale) = support::scale();
    let mut store = Store::open(&path).expect("open");
    let ds = store.load().expect("load");
    let p = ds.products.len() / 3;
    let product = patuh::store::ProductRef {
        db_id: ds.products[p].db_id,
        path: ds.product_path(p),
    };
    let instrument = ds.instrument_of_product(p).clone();
    let indicator = instrument.indicators[0].clone();
    let mut g = c.benchmark_group(format!("commit/{scale}"));
    g.sample_size(30);
    let mut flip = false;
    g.bench_function(
        "patuh record (value + audit row, BEGIN IMMEDIATE, fsync)",
        |b| {
            b.iter(|| {
                flip = !flip;
                let v = if flip {
                    Value::Level(1)
                } else {
                    Value::Level(0)
                };
                store
                    .record(&product, &indicator, Some(v), None)
                    .expect("record")
            })
        },
    );
    drop(store);
    // The floor: one row, one commit, same pragmas, same disk.
    let dir = path
        .parent()
        .expect("dir")
        .join(format!("bare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let conn = rusqlite::Connection::open(dir.join("bare.db")).expect("bare");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v INTEGER);",
    )
    .expect("bare setup");
    let mut k = 0i64;
    g.bench_function("bare sqlite one-row commit (reference)", |b| {
        b.iter(|| {
            k += 1;
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; INSERT OR REPLACE INTO t VALUES (1, {k}); COMMIT;"
            ))
            .expect("bare commit")
        })
    });
    g.finish();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, load_and_rescore, commit);
criterion_main!(benches);
