//! A keystroke's commit trusts what the change before it at the same node left (its
//! node not finalized, its instrument, the cell it wrote, the audit log's last row)
//! only while nothing else has written the file (src/store/observe/warm.rs). Each test
//! writes between two keystrokes by another path: another process's store, plain
//! SQLite, the same store's other changes; the next keystroke must see it.

mod common;

use std::path::Path;

use common::*;
use patuh::domain::Value;
use patuh::domain::assignment::Assignment;
use patuh::domain::instrument::{Indicator, NodeLevel, Source};
use patuh::domain::model::NodeRef;
use patuh::generate::{Method, Scale, generate_with};
use patuh::store::{ProductRef, Store, StoreError};

const PRODUCT: &str = "8171/DUKCAPIL/KTP-EL";

fn demo_store(db: &Path, who: &str) -> Store {
    let mut store = Store::open_or_create(db).expect("create");
    store.set_assessor(who).unwrap();
    for i in [instrument_2021(), instrument_2022()] {
        store.import_instrument(&i).unwrap();
    }
    let a = Assignment::parse(include_str!("../fixtures/demo/maluku.json")).unwrap();
    store.import_assignment(&a, "maluku.json").unwrap();
    store
}

fn indicator(id: &str) -> Indicator {
    let i = instrument_2021();
    i.indicators[i.indicator_index(id).unwrap()].clone()
}

/// The product's value of `id` as a fresh load gives it.
fn loaded(db: &Path, id: &str) -> Value {
    let ds = Store::open(db).unwrap().load().unwrap();
    let p = ds.find_product(PRODUCT).unwrap();
    ds.products[p].values[instrument_2021().indicator_index(id).unwrap()]
}

fn assert_chain(db: &Path) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows = patuh::store::verify_chain(&conn).unwrap();
    assert!(rows.is_ok(), "the audit chain is broken: {rows:?}");
    rows.unwrap_or(0)
}

fn old_values(db: &Path) -> Vec<(String, Option<String>, Option<String>)> {
    rusqlite::Connection::open(db)
        .unwrap()
        .prepare("SELECT who, old, new FROM audit WHERE action = 'value' ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn record(store: &mut Store, p: &ProductRef, ind: &Indicator, v: Value) -> Value {
    store.record(p, ind, Some(v), None).unwrap().old_value
}

#[test]
fn a_keystroke_after_another_process_wrote_sees_what_it_wrote() {
    let (_dir, db) = temp_db();
    let mut a = demo_store(&db, "Penilai A");
    let p = a.product_ref(PRODUCT).unwrap();
    let (x, y) = (indicator("persyaratan"), indicator("prosedur"));
    record(&mut a, &p, &x, Value::Level(1));
    record(&mut a, &p, &x, Value::Level(0));

    // Finalized by another process: the next keystroke is refused, nothing written.
    let mut b = Store::open(&db).unwrap();
    b.set_assessor("Penilai B").unwrap();
    b.finalize(&p).unwrap();
    let before = dump(&db);
    let err = a.record(&p, &x, Some(Value::Level(1)), None).unwrap_err();
    assert!(matches!(err, StoreError::Finalized { .. }), "{err}");
    assert_eq!(dump(&db), before);

    // The cell changed by the other: the keystroke's old value is the other's, and a
    // value equal to what this store wrote last is still a change.
    b.reopen(&p, "dibuka lagi").unwrap();
    assert_eq!(record(&mut b, &p, &x, Value::Level(1)), Value::Level(0));
    assert_eq!(record(&mut a, &p, &x, Value::Level(0)), Value::Level(1));
    assert_eq!(loaded(&db, "persyaratan"), Value::Level(0));

    // Another cell's change appends to the audit log: this store's next row chains
    // after the other's.
    record(&mut b, &p, &y, Value::Level(1));
    assert_eq!(record(&mut a, &p, &x, Value::Level(1)), Value::Level(0));
    let rows = assert_chain(&db);
    let values = old_values(&db);
    assert_eq!(
        values
            .last()
            .map(|(who, old, new)| (who.as_str(), old.as_deref(), new.as_deref())),
        Some(("Penilai A", Some("0"), Some("1")))
    );

    // Plain SQLite, outside patuh: seen too.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE answer SET value = 0 WHERE level = 3 AND indicator = 'persyaratan'
               AND node_id = ?1",
            [p.db_id],
        )
        .unwrap();
    assert_eq!(record(&mut a, &p, &x, Value::Level(1)), Value::Level(0));
    assert_eq!(loaded(&db, "persyaratan"), Value::Level(1));
    assert_eq!(assert_chain(&db), rows + 1);
}

#[test]
fn a_keystroke_after_the_same_store_wrote_elsewhere_sees_it() {
    let (_dir, db) = temp_db();
    let mut a = demo_store(&db, "Penilai A");
    let p = a.product_ref(PRODUCT).unwrap();
    let (x, y) = (indicator("persyaratan"), indicator("prosedur"));
    record(&mut a, &p, &x, Value::Level(1));
    a.finalize(&p).unwrap();
    let err = a.record(&p, &x, Some(Value::Level(0)), None).unwrap_err();
    assert!(matches!(err, StoreError::Finalized { .. }), "{err}");
    a.reopen(&p, "salah").unwrap();

    // Moving between the cells of one node: each keystroke's old value is its cell's.
    assert_eq!(record(&mut a, &p, &x, Value::Level(0)), Value::Level(1));
    assert_eq!(record(&mut a, &p, &y, Value::Level(1)), Value::Unanswered);
    assert_eq!(record(&mut a, &p, &x, Value::Level(1)), Value::Level(0));
    assert_eq!(
        record(&mut a, &p, &y, Value::NotApplicable),
        Value::Level(1)
    );
    // A note alone keeps the value; the value after it is a change from it.
    a.record(&p, &y, None, Some("loket tutup")).unwrap();
    let out = a.record(&p, &y, Some(Value::Level(0)), None).unwrap();
    assert_eq!(
        (out.old_value, out.old_note.as_str(), out.audit_rows),
        (Value::NotApplicable, "loket tutup", 1)
    );
    // Another product between two keystrokes of this one.
    let other = a.product_ref("81/DPMPTSP/NIB").unwrap();
    record(&mut a, &other, &indicator("persyaratan"), Value::Level(1));
    assert_eq!(record(&mut a, &p, &x, Value::Level(0)), Value::Level(1));
    assert_eq!(loaded(&db, "persyaratan"), Value::Level(0));
    assert_eq!(loaded(&db, "prosedur"), Value::Level(0));
    assert_eq!(assert_chain(&db), 11);
}

#[test]
fn an_answer_of_a_respondent_removed_by_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    generate_with(&db, Scale::Tiny, 5, Method::Levels, None).unwrap();
    let mut a = Store::open(&db).unwrap();
    let ds = a.load().unwrap();
    let (unit, inst, role, asked) = ds
        .units
        .ids()
        .find_map(|u| {
            let node = NodeRef::Unit(u);
            if ds.finalized(node) || ds.finalized(NodeRef::Agency(ds.units[u].agency)) {
                return None;
            }
            let inst = ds.instrument_of(node);
            let role = inst.roles.iter().position(|r| r.level == NodeLevel::Unit)?;
            let asked = inst
                .indicators
                .iter()
                .position(|i| matches!(i.source, Source::Interview { role: r } if r == role))?;
            Some((ds.node_path(node), inst.clone(), role, asked))
        })
        .expect("a unit with a staff interview");
    drop(ds);
    let unit = a.node(&unit).unwrap();
    let role = inst.roles[role].id.clone();
    let r = a.add_respondent(&unit, &inst, &role, "Petugas").unwrap();
    a.record_answer(&unit, &inst, asked, &r, Value::Level(2))
        .unwrap();
    a.record_answer(&unit, &inst, asked, &r, Value::Level(1))
        .unwrap();

    let mut b = Store::open(&db).unwrap();
    b.remove_respondent(&unit, &role, r.number, "salah orang")
        .unwrap();
    let before = dump(&db);
    let err = a
        .record_answer(&unit, &inst, asked, &r, Value::Level(3))
        .unwrap_err();
    assert!(err.to_string().contains("removed"), "{err}");
    assert_eq!(dump(&db), before);
}
