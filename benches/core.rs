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
use patuh::domain::instrument::{Instrument, Source};
use patuh::domain::model::{
    Agency, Dataset, IndicatorIx, Kind, NodeRef, Product, ProductIx, Respondent, ScoreBook, Unit,
    UnitIx, next_category,
};
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

/// A format-2 assessment built in memory with the shipped 2022-2024 instrument (the
/// store does not carry respondents yet): per agency 9 units of 7 products, 4 staff and
/// 2 complaint officials per unit, 30 service users; every answer given. As many
/// agencies as the scale's generated data has.
fn levels_dataset(agencies: usize) -> Dataset {
    let instrument = Instrument::parse(include_str!("../fixtures/instruments/kepatuhan-2024.json"))
        .expect("shipped instrument");
    let n = instrument.indicators.len();
    let mut ds = Dataset {
        instruments: vec![instrument],
        ..Dataset::default()
    };
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |below: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % u64::from(below)) as u32
    };
    for k in 0..agencies {
        let a = ds.agencies.push(Agency {
            db_id: k as i64 + 1,
            code: format!("A{k}"),
            name: format!("Agency {k}"),
            kind: Kind::Pemkab,
            instrument: 0,
            units: Vec::new(),
        });
        for j in 0..9 {
            let u = ds.units.push(Unit {
                db_id: ds.units.len() as i64 + 1,
                code: format!("U{j}"),
                name: format!("Unit {j}"),
                agency: a,
                products: Vec::new(),
            });
            ds.agencies[a].units.push(u);
            for m in 0..7 {
                let p = ds.products.push(Product {
                    db_id: ds.products.len() as i64 + 1,
                    code: format!("P{m}"),
                    name: format!("Product {m}"),
                    unit: u,
                    finalized: false,
                    values: vec![Value::Unanswered; n],
                    notes: vec![String::new(); n],
                    evidence: vec![0; n],
                });
                ds.units[u].products.push(p);
            }
        }
    }
    let inst = ds.instruments[0].clone();
    let nodes: Vec<NodeRef> = ds
        .agencies
        .ids()
        .map(NodeRef::Agency)
        .chain(ds.units.ids().map(NodeRef::Unit))
        .chain(ds.products.ids().map(NodeRef::Product))
        .collect();
    for node in nodes {
        for (role, r) in inst.roles.iter().enumerate() {
            if r.level != node.level() {
                continue;
            }
            for number in 1..=r.respondents {
                let uid = format!("{:016x}{:016x}", next(u32::MAX), number);
                let resp = ds
                    .add_respondent(node, Respondent::new(uid, role, number, String::new()))
                    .expect("respondent");
                for i in inst.role_indicators(role) {
                    let v = Value::Level(1 + next(3));
                    ds.set_respondent_value(node, resp, IndicatorIx::new(i), v)
                        .expect("answer");
                }
            }
        }
        for i in inst.indicators_at(node.level()) {
            if matches!(inst.indicators[i].source, Source::Observation) {
                let v = Value::Level(next(4));
                ds.set_value(node, IndicatorIx::new(i), v).expect("value");
            }
        }
    }
    ds
}

/// The level-aware path of the score book (format 2, respondents) and the path to the
/// next category, beside the format-1 figures above.
fn levels(c: &mut Criterion) {
    let (scale, name) = support::scale();
    let agencies = match scale {
        patuh::generate::Scale::Tiny => 3,
        patuh::generate::Scale::Province => 12,
        patuh::generate::Scale::National => 590,
    };
    let mut ds = levels_dataset(agencies);
    let mut g = c.benchmark_group(format!("levels/{name}"));
    g.sample_size(10);
    g.bench_function("rescore everything (2024 instrument, respondents)", |b| {
        b.iter(|| ScoreBook::compute(&ds))
    });
    let mut book = ScoreBook::compute(&ds);
    let u = NodeRef::Unit(UnitIx::new(ds.units.len() / 2));
    let a = NodeRef::Agency(ds.agency_of(u));
    let p = NodeRef::Product(ProductIx::new(ds.products.len() / 2));
    let inst = ds.instruments[0].clone();
    let staff = inst.role_index("pelaksana").expect("role");
    let users = inst.role_index("pengguna").expect("role");
    let knows = IndicatorIx::new(
        inst.indicator_index("pengetahuan-standar")
            .expect("indicator"),
    );
    let delay = IndicatorIx::new(
        inst.indicator_index("penundaan-berlarut")
            .expect("indicator"),
    );
    let rules = IndicatorIx::new(inst.indicator_index("persyaratan").expect("indicator"));
    let one_staff = ds.find_respondent(u, staff, 2).expect("staff 2");
    let one_user = ds.find_respondent(a, users, 17).expect("user 17");
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
    g.bench_function("one service user's answer (agency, its 9 units)", |b| {
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
