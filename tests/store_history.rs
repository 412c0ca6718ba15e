//! The store operations of the workstation's undo and audit view (src/store/history.rs)
//! on real files: an evidence reference removed is moved to `evidence_removed` with an
//! audit row, never deleted, and comes back with its id when it is free; a finalized
//! product refuses both; `check` accounts for every move and sees a removal the log
//! cannot explain; the history of a product or an indicator reads its audit rows.

mod common;

use std::path::Path;

use common::*;
use patuh::domain::Value;
use patuh::domain::assignment::Assignment;
use patuh::store::{Store, StoreError};
use rusqlite::Connection;

fn demo_store(db: &Path) -> Store {
    let mut store = Store::open_or_create(db).expect("create");
    store.set_assessor("Penilai Uji").unwrap();
    store.import_instrument(&instrument_2021()).unwrap();
    let a = Assignment::parse(include_str!("../fixtures/demo/maluku.json")).unwrap();
    store.import_assignment(&a, "maluku.json").unwrap();
    store
}

fn rows(db: &Path, sql: &str) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn removed_evidence_is_kept_audited_and_comes_back_with_its_id() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let inst = instrument_2021();
    let nib = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let ind = &inst.indicators[0];
    let a = store
        .add_evidence(&nib, ind, "foto.jpg", Some((3, "ab".repeat(32))))
        .unwrap();
    let b = store.add_evidence(&nib, ind, "SK 1/2025", None).unwrap();
    assert_ne!(a, b);
    let removed = store.remove_evidence(&nib, a).unwrap();
    assert_eq!(
        store
            .evidence(&nib, &ind.id)
            .unwrap()
            .iter()
            .map(|e| e.reference.as_str())
            .collect::<Vec<_>>(),
        ["SK 1/2025"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT reference || '|' || size || '|' || evidence_id || '|' || removed_by FROM evidence_removed"
        ),
        [format!("foto.jpg|3|{a}|Penilai Uji")]
    );
    // Removing it again, or something that is not there: refused, nothing changed.
    let err = store.remove_evidence(&nib, a).unwrap_err();
    assert!(err.to_string().contains("no evidence reference"), "{err}");
    // Back, with its id (free), in the order it had.
    assert_eq!(store.restore_evidence(&nib, removed).unwrap(), a);
    assert_eq!(
        store
            .evidence(&nib, &ind.id)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [a, b]
    );
    assert!(rows(&db, "SELECT reference FROM evidence_removed").is_empty());
    assert!(store.restore_evidence(&nib, removed).is_err());
    // An id taken meanwhile: it comes back with another.
    let removed = store.remove_evidence(&nib, b).unwrap();
    let c = store.add_evidence(&nib, ind, "baru.pdf", None).unwrap();
    assert_eq!(c, b, "SQLite gives the freed id to the next one");
    let back = store.restore_evidence(&nib, removed).unwrap();
    assert_ne!(back, c);
    assert_eq!(
        rows(
            &db,
            "SELECT action || ':' || coalesce(old, '') || '>' || coalesce(new, '') FROM audit ORDER BY seq"
        ),
        [
            format!("evidence:>foto.jpg (3 bytes, sha256 {})", "ab".repeat(32)),
            "evidence:>SK 1/2025".to_string(),
            format!(
                "evidence_removed:foto.jpg (3 bytes, sha256 {})>",
                "ab".repeat(32)
            ),
            format!(
                "evidence_restored:>foto.jpg (3 bytes, sha256 {})",
                "ab".repeat(32)
            ),
            "evidence_removed:SK 1/2025>".to_string(),
            "evidence:>baru.pdf".to_string(),
            "evidence_restored:>SK 1/2025".to_string(),
        ]
    );
    assert_eq!(store.check().unwrap(), Vec::<String>::new());
    // A finalized product refuses both.
    let removed = store.remove_evidence(&nib, c).unwrap();
    store.finalize(&nib).unwrap();
    assert!(matches!(
        store.remove_evidence(&nib, a),
        Err(StoreError::Finalized { .. })
    ));
    assert!(matches!(
        store.restore_evidence(&nib, removed),
        Err(StoreError::Finalized { .. })
    ));
    assert_eq!(store.check().unwrap(), Vec::<String>::new());
}

#[test]
fn check_sees_evidence_deleted_outside_patuh_and_a_removal_the_log_cannot_explain() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let inst = instrument_2021();
    let nib = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let id = store
        .add_evidence(&nib, &inst.indicators[0], "foto.jpg", None)
        .unwrap();
    // Deleted behind patuh's back: the log still adds it.
    let conn = Connection::open(&db).unwrap();
    conn.execute("DELETE FROM evidence WHERE id = ?1", [id])
        .unwrap();
    let problems = store.check().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("has 0 evidence reference(s) but the log adds 1")),
        "{problems:?}"
    );
    // A removal row for evidence never added (the chain rebuilt around it).
    let mut replay = patuh::store::audit::Replay::new();
    let broken = replay.apply(
        1,
        "81/DPMPTSP/NIB",
        Some("sk-standar"),
        "evidence_removed",
        Some("foto.jpg"),
        None,
    );
    assert!(
        broken.is_err_and(|b| b.reason.contains("removes evidence")),
        "a removal of nothing is refused"
    );
}

#[test]
fn the_history_of_a_product_or_an_indicator_reads_its_audit_rows_in_order() {
    let (_dir, db) = temp_db();
    let mut store = demo_store(&db);
    let inst = instrument_2021();
    let nib = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let kk = store.product_ref("8172/DUKCAPIL/KK").unwrap();
    let (a, b) = (&inst.indicators[0], &inst.indicators[1]);
    store.record(&nib, a, Some(Value::Level(1)), None).unwrap();
    store.record(&nib, b, None, Some("catatan")).unwrap();
    store.record(&kk, a, Some(Value::Level(0)), None).unwrap();
    store.finalize(&nib).unwrap();
    store.reopen(&nib, "salah input").unwrap();
    store
        .record(&nib, a, Some(Value::NotApplicable), None)
        .unwrap();
    let all = store.audit_history("81/DPMPTSP/NIB", None).unwrap();
    let seen: Vec<(String, Option<String>, Option<String>)> = all
        .iter()
        .map(|r| (r.action.clone(), r.indicator.clone(), r.new.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("value".into(), Some("sk-standar".into()), Some("1".into())),
            (
                "note".into(),
                Some("dasar-hukum".into()),
                Some("catatan".into())
            ),
            ("finalize".into(), None, None),
            ("reopen".into(), None, Some("salah input".into())),
            (
                "value".into(),
                Some("sk-standar".into()),
                Some("N/A".into())
            ),
        ]
    );
    assert!(all.iter().all(|r| r.who == "Penilai Uji"));
    // One indicator: its rows and the product's own (finalize, reopen).
    let one: Vec<String> = store
        .audit_history("81/DPMPTSP/NIB", Some("sk-standar"))
        .unwrap()
        .iter()
        .map(|r| r.action.clone())
        .collect();
    assert_eq!(one, ["value", "finalize", "reopen", "value"]);
    assert!(store.audit_history("0000/X/Y", None).unwrap().is_empty());
}
