//! The products' digests (src/store/digest.rs) are a cache of the observations: the
//! dataset loaded through them must be exactly the dataset loaded from the observations
//! alone, after every kind of write, and a write that bypasses patuh must make a
//! product stale (slower), never wrong.

mod common;

use std::path::Path;

use patuh::domain::Value;
use patuh::domain::model::{Dataset, ProductIx, ScoreBook};
use patuh::exchange::export::export_with;
use patuh::exchange::keys::Identity;
use patuh::exchange::merge::{merge_verified, open_central};
use patuh::exchange::verify::verify_file;
use patuh::generate::{Method, Scale, generate, generate_with};
use patuh::store::{ProductRef, Store};

/// What the workstation sees of every product: values, notes, evidence counts.
fn products(ds: &Dataset) -> Vec<String> {
    ds.products
        .ids()
        .map(|p| {
            let pr = &ds.products[p];
            format!(
                "{} {} {:?} {:?} {:?}",
                ds.product_path(p),
                pr.finalized,
                pr.values,
                pr.notes,
                pr.evidence
            )
        })
        .collect()
}

/// The dataset as loaded, and as loaded with every digest thrown away (so from the
/// observations alone); the database is left as it was (the digests are thrown away
/// in a copy).
fn both_ways(path: &Path) -> (Vec<String>, Vec<String>) {
    let cached = products(&Store::open(path).expect("open").load().expect("load"));
    let copy = path.with_extension("plain.db");
    let _ = std::fs::remove_file(&copy);
    let conn = sqlite(path);
    conn.execute("VACUUM INTO ?1", [copy.to_str().expect("utf-8 path")])
        .expect("copy");
    sqlite(&copy)
        .execute("UPDATE node_state SET digest = NULL WHERE level = 3", [])
        .expect("drop digests");
    let plain = products(
        &Store::open(&copy)
            .expect("open the copy")
            .load()
            .expect("load from observations"),
    );
    std::fs::remove_file(&copy).expect("remove the copy");
    (cached, plain)
}

/// A connection of the test's own, as a person with sqlite3 would open the file.
fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open with sqlite")
}

fn stale(path: &Path) -> i64 {
    sqlite(path)
        .query_row(
            "SELECT count(*) FROM product p WHERE NOT EXISTS (
                 SELECT 1 FROM node_state s
                 WHERE s.level = 3 AND s.node_id = p.id AND s.digest IS NOT NULL)",
            [],
            |r| r.get(0),
        )
        .expect("count")
}

fn assert_exact(path: &Path) {
    let (cached, plain) = both_ways(path);
    assert_eq!(cached.len(), plain.len());
    for (c, p) in cached.iter().zip(&plain) {
        assert_eq!(c, p, "the digest disagrees with the observations");
    }
}

#[test]
fn generated_data_has_exact_digests() {
    let dir = tempfile::tempdir().unwrap();
    for (method, name) in [
        (Method::Levels, "levels.db"),
        (Method::Products, "products.db"),
    ] {
        let db = dir.path().join(name);
        generate_with(&db, Scale::Tiny, 3, method, None).unwrap();
        assert_eq!(stale(&db), 0, "the generator leaves no stale digest");
        assert_exact(&db);
    }
}

/// A data set of product checklists only (the 2013-2021 method), whose indicators are
/// all answered per product: the tests below pick them by position, and the central
/// merge's export format 1 carries products' answers only.
fn products_only(db: &Path, seed: u64) {
    generate_with(db, Scale::Tiny, seed, Method::Products, None).unwrap();
}

#[test]
fn every_change_keeps_the_digest_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    products_only(&db, 4);
    let mut store = Store::open(&db).unwrap();
    let ds = store.load().unwrap();
    let p = ds
        .products
        .ids()
        .find(|&p| !ds.products[p].finalized)
        .unwrap();
    let product = ProductRef {
        db_id: ds.products[p].db_id,
        path: ds.product_path(p),
    };
    let inst = ds.instrument_of_product(p).clone();
    let changes: [(usize, Option<Value>, Option<&str>); 6] = [
        (0, Some(Value::Level(1)), None),
        (1, Some(Value::NotApplicable), Some("tidak ada loket")),
        (2, Some(Value::Unanswered), None),
        (3, None, Some("catatan saja")),
        (0, Some(Value::Level(0)), Some("")),
        (inst.indicators.len() - 1, Some(Value::Level(1)), None),
    ];
    for (i, value, note) in changes {
        store
            .record(&product, &inst.indicators[i], value, note)
            .unwrap();
        assert!(stale(&db) <= 1, "only the product being changed is stale");
        let loaded = store.load().unwrap();
        if let Some(v) = value {
            assert_eq!(loaded.products[p].values[i], v);
        }
        assert_exact(&db);
    }
    // Moving on to another product gives the first one its digest back.
    let q = ds
        .products
        .ids()
        .find(|&q| q != p && !ds.products[q].finalized)
        .unwrap();
    let other = ProductRef {
        db_id: ds.products[q].db_id,
        path: ds.product_path(q),
    };
    store
        .record(&other, &inst.indicators[0], Some(Value::Level(1)), None)
        .unwrap();
    let fresh: bool = sqlite(&db)
        .query_row(
            "SELECT digest IS NOT NULL FROM node_state WHERE level = 3 AND node_id = ?1",
            [product.db_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(fresh, "the product worked on before has its digest again");
    assert_eq!(stale(&db), 1);
    assert_exact(&db);
    // Scores through the digest equal scores from the observations.
    let (cached, plain) = {
        let a = store.load().unwrap();
        sqlite(&db)
            .execute("UPDATE node_state SET digest = NULL WHERE level = 3", [])
            .unwrap();
        let b = store.load().unwrap();
        (ScoreBook::compute(&a), ScoreBook::compute(&b))
    };
    for p in ds.products.ids() {
        assert_eq!(cached.product(p), plain.product(p));
    }
}

#[test]
fn a_write_outside_patuh_makes_the_product_stale_not_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    products_only(&db, 5);
    let store = Store::open(&db).unwrap();
    let ds = store.load().unwrap();
    let p = ProductIx::new(ds.products.len() / 2);
    let id = ds.instrument_of_product(p).indicators[0].id.clone();
    // As a tool (or a person with sqlite3) would: not through patuh.
    sqlite(&db)
        .execute(
            "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, note,
                                 updated_at, updated_by)
             VALUES (1, 3, ?1, ?2, 0, NULL, 1, 'luar', 'x', 'y')
             ON CONFLICT (cycle_id, level, node_id, indicator, respondent)
             DO UPDATE SET value = NULL, na = 1, note = 'luar'",
            rusqlite::params![ds.products[p].db_id, id],
        )
        .unwrap();
    assert_eq!(stale(&db), 1);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.products[p].values[0], Value::NotApplicable);
    assert_eq!(loaded.products[p].notes[0], "luar");
    assert_exact(&db);
    // Deleting every observation of a product by hand: stale too, and unanswered.
    sqlite(&db)
        .execute(
            "DELETE FROM answer WHERE level = 3 AND node_id = ?1",
            [ds.products[p].db_id],
        )
        .unwrap();
    let loaded = store.load().unwrap();
    assert!(
        loaded.products[p]
            .values
            .iter()
            .all(|v| *v == Value::Unanswered)
    );
    assert_exact(&db);
}

#[test]
fn upgrading_an_older_database_writes_every_digest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    generate(&db, Scale::Tiny, 6).unwrap();
    let before = products(&Store::open(&db).unwrap().load().unwrap());
    // Back to schema 2, as a database of the previous patuh (0012's, 0011's and 0009's
    // tables first, then 0005-0008's and 0010's tables and columns, then 0003's and
    // 0004's).
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(common::BACK_TO_SCHEMA_13).unwrap();
        conn.execute_batch(common::BACK_TO_SCHEMA_12).unwrap();
        conn.execute_batch(common::BACK_TO_SCHEMA_11).unwrap();
        conn.execute_batch(common::BACK_TO_SCHEMA_10).unwrap();
        conn.execute_batch(common::BACK_TO_SCHEMA_8).unwrap();
        conn.execute_batch(
            "DROP TABLE review_comment; DROP TABLE review; DROP TABLE review_resolution;
             DROP TABLE revoked_key; DROP TABLE review_sent; DROP TABLE returned_item;
             DROP TABLE inbox_node; DROP TABLE inbox_file;
             DROP TABLE central_log; DROP TABLE central_assignment;
             ALTER TABLE import_file DROP COLUMN chain; ALTER TABLE assessor_result DROP COLUMN chain;
             DROP TRIGGER observation_digest_insert; DROP TRIGGER observation_digest_update;
             DROP TRIGGER observation_digest_delete; DROP TRIGGER agency_instrument_digest;
             DROP INDEX observation_notes; DROP INDEX product_stale;
             ALTER TABLE product DROP COLUMN digest;
             CREATE INDEX audit_by_product ON audit (product);
             DROP TABLE evidence_removed;
             DROP TABLE cycle; DELETE FROM meta WHERE key = 'cycle.current';
             DROP TABLE history_score;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    drop(Store::open(&db).unwrap());
    assert_eq!(stale(&db), 0, "the upgrade writes every digest");
    let index: i64 = sqlite(&db)
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_by_product'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 0, "the unused audit index is gone");
    assert_eq!(products(&Store::open(&db).unwrap().load().unwrap()), before);
    assert_exact(&db);
}

#[test]
fn the_central_merge_keeps_digests_exact_and_rebuilds_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.db");
    generate_with(&whole, Scale::Province, 8, Method::Products, None).unwrap();
    let central = dir.path().join("central.db");
    let mut store = None;
    for office in 0..patuh::generate::OFFICES {
        let part = dir.path().join(format!("part{office}.db"));
        generate_with(&part, Scale::Province, 8, Method::Products, Some(office)).unwrap();
        let s = Store::open(&part).unwrap();
        let agencies: i64 = sqlite(&part)
            .query_row("SELECT count(*) FROM agency", [], |r| r.get(0))
            .unwrap();
        if agencies == 0 {
            continue;
        }
        let mut secret = [9u8; 32];
        secret[0] = office as u8;
        let id = Identity::from_secret(&format!("Office {office}"), &format!("o{office}"), secret);
        let file = dir.path().join(format!("part{office}.patuh"));
        export_with(&s, &id, &file, &[], None).unwrap();
        let v = verify_file(&file, None, None).unwrap();
        let c = store.get_or_insert_with(|| open_central(&central).unwrap());
        merge_verified(c, &v, "part", None).unwrap();
    }
    drop(store);
    assert_eq!(stale(&central), 0, "the merge leaves no stale digest");
    assert_exact(&central);
    // The offices' parts together are the whole: same products, values and notes.
    let mut a = products(&Store::open(&central).unwrap().load().unwrap());
    let mut b = products(&Store::open(&whole).unwrap().load().unwrap());
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn digests_of_an_instrument_edited_by_hand_are_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    products_only(&db, 9);
    let store = Store::open(&db).unwrap();
    let before = products(&store.load().unwrap());
    // Reverse the order of the indicators in the stored body, keeping its sha256:
    // digests written in the old order must not be read in the new one.
    let body: String = sqlite(&db)
        .query_row("SELECT body FROM instrument", [], |r| r.get(0))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["indicators"].as_array_mut().unwrap().reverse();
    sqlite(&db)
        .execute("UPDATE instrument SET body = ?1", [v.to_string()])
        .unwrap();
    let after = store.load().unwrap();
    let (cached, plain) = both_ways(&db);
    assert_eq!(cached, plain);
    assert_ne!(products(&after), before, "the edited order is the one used");
}
