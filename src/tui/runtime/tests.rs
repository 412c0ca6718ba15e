//! The workstation through the real store: what the runtime's effects leave in the
//! database (observations, audit rows, evidence, meta), an evidence file read in the
//! background and cancelled, the export, and a read-only workstation following the
//! one that writes.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use rusqlite::{Connection, params};

use super::*;
use crate::domain::Value;
use crate::domain::model::ScoreBook;
use crate::tui::action::Action;
use crate::tui::app::{Checklist, Digesting, Modal, Screen, Status};
use crate::tui::testing::{
    DB_NAME, ctrl, demo_dataset, demo_store, demo_ws, key, other_store, reopen, reopen_as,
    type_text,
};

fn db(ws: &Workstation) -> Connection {
    Connection::open(ws.runtime.store().path()).expect("open the test database")
}

/// (value, na, note) of an observation as the database holds it.
fn observation(
    ws: &Workstation,
    path: &str,
    indicator: &str,
) -> Option<(Option<i64>, i64, String)> {
    let p = ws.app.ds.find_product(path).expect("product");
    db(ws)
        .query_row(
            "SELECT value, na, note FROM answer WHERE level = 3 AND node_id = ?1 AND indicator = ?2",
            params![ws.app.ds.products[p].db_id, indicator],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
}

/// The audit rows (action, old, new) in order.
fn audit(ws: &Workstation) -> Vec<(String, Option<String>, Option<String>)> {
    let conn = db(ws);
    let mut stmt = conn
        .prepare("SELECT action, old, new FROM audit ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn open_first_product(ws: &mut Workstation) {
    ws.update(Action::Open);
    ws.update(Action::Open);
    ws.update(Action::Open);
}

fn checklist(ws: &Workstation) -> &Checklist {
    match &ws.app.screen {
        Screen::Checklist(c) => c,
        other => panic!("not on a checklist: {other:?}"),
    }
}

/// The scores the workstation shows equal a full recomputation from the database.
fn assert_scores_match_database(ws: &Workstation) {
    let ds = ws.runtime.store().load().unwrap();
    let full = ScoreBook::compute(&ds);
    for p in ds.products.ids() {
        assert_eq!(
            ws.app.book.product_summary(p),
            full.product_summary(p),
            "product {p}"
        );
    }
    for a in ds.agencies.ids() {
        assert_eq!(
            ws.app.book.agency(&ws.app.ds, a),
            full.agency(&ds, a),
            "agency {a}"
        );
    }
}

#[test]
fn the_in_memory_demo_is_the_demo_as_the_store_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = demo_store(dir.path(), &[]).load().unwrap();
    let built = demo_dataset(&[]);
    let paths = |ds: &crate::domain::model::Dataset| -> Vec<(String, String)> {
        ds.products
            .ids()
            .map(|p| (ds.product_path(p), ds.instrument_of_product(p).id.clone()))
            .collect()
    };
    assert_eq!(paths(&built), paths(&loaded));
    assert_eq!(built.agencies.len(), loaded.agencies.len());
    assert_eq!(built.units.len(), loaded.units.len());
}

#[test]
fn a_tick_is_committed_with_its_audit_row_and_rescored_at_once() {
    let (_dir, mut ws) = demo_ws(Lang::En);
    // The cursor stays on the indicator after each answer here.
    ws.app.advance = false;
    open_first_product(&mut ws);
    let p = checklist(&ws).product();
    let before = ws.app.book.product_summary(p);
    assert_eq!(before.answered, 0);
    ws.update(Action::Tick);
    assert_eq!(
        observation(&ws, "81/DPMPTSP/NIB", "sk-standar"),
        Some((Some(1), 0, String::new()))
    );
    assert_eq!(
        audit(&ws),
        vec![("value".into(), Some(String::new()), Some("1".into()))]
    );
    assert_eq!(ws.app.ds.products[p].values[0], Value::Level(1));
    let after = ws.app.book.product_summary(p);
    assert_eq!(after.answered, 1);
    assert!(after.score > before.score);
    assert_eq!(
        ws.app.status,
        Status::Saved("Saved: NIB · sk-standar = ✓".into())
    );
    assert_scores_match_database(&ws);
    // Space again unticks (observed absent), x marks N/A and again clears it.
    ws.update(Action::Tick);
    assert_eq!(ws.app.ds.products[p].values[0], Value::Level(0));
    ws.update(Action::NotApplicable);
    assert_eq!(
        observation(&ws, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 1, String::new()))
    );
    ws.update(Action::NotApplicable);
    assert_eq!(ws.app.ds.products[p].values[0], Value::Unanswered);
    ws.update(Action::Value1);
    ws.update(Action::Clear);
    assert_eq!(
        observation(&ws, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, String::new()))
    );
    // A note, then undo of the note and of the value: new audited changes.
    ws.update(Action::Note);
    type_text(&mut ws, "catatan");
    ws.update(ctrl('s'));
    assert_eq!(ws.app.modal, Modal::None);
    ws.update(Action::Undo);
    ws.update(Action::Undo);
    assert_eq!(
        observation(&ws, "81/DPMPTSP/NIB", "sk-standar"),
        Some((Some(1), 0, String::new()))
    );
    let actions: Vec<String> = audit(&ws).into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions,
        [
            "value", "value", "value", "value", "value", "value", "note", "note", "value"
        ]
    );
    assert_scores_match_database(&ws);
}

#[test]
fn a_refused_change_is_never_shown_as_saved() {
    let (dir, mut ws) = demo_ws(Lang::En);
    open_first_product(&mut ws);
    let p = checklist(&ws).product();
    // Another patuh finalizes the product behind the workstation's back.
    let mut other = other_store(dir.path());
    other.finalize(&ws.app.product_ref(p)).unwrap();
    ws.update(Action::Tick);
    assert!(
        matches!(&ws.app.status, Status::Error(m) if m.contains("finalized")),
        "{:?}",
        ws.app.status
    );
    assert_eq!(ws.app.ds.products[p].values[0], Value::Unanswered);
    assert_eq!(ws.app.book.product_summary(p).answered, 0);
    assert!(ws.app.undo.is_empty());
    // A refused note keeps the editor open with the text.
    ws.update(Action::Note);
    type_text(&mut ws, "tetap ada");
    ws.update(ctrl('s'));
    assert!(matches!(&ws.app.modal, Modal::Note(e) if e.editor.text() == "tetap ada"));
}

#[test]
fn evidence_records_a_file_with_size_and_hash_or_a_document_number() {
    let (dir, mut ws) = demo_ws(Lang::En);
    open_first_product(&mut ws);
    let p = checklist(&ws).product();
    let file = dir.path().join("sk-standar.pdf");
    std::fs::write(&file, b"abc").unwrap();
    ws.update(Action::Evidence);
    type_text(&mut ws, &file.display().to_string());
    ws.update(key(KeyCode::Enter));
    ws.settle();
    assert_eq!(ws.app.modal, Modal::None);
    // No such file: asked whether it is a document number; yes saves it as one.
    ws.update(Action::Evidence);
    type_text(&mut ws, "SK 12/2024");
    ws.update(key(KeyCode::Enter));
    assert!(
        matches!(&ws.app.modal, Modal::ConfirmDocument { input, .. } if input.text() == "SK 12/2024")
    );
    assert_eq!(checklist(&ws).evidence.len(), 1, "not before the answer");
    ws.update(key(KeyCode::Char('y')));
    assert_eq!(ws.app.modal, Modal::None);
    let ev = &checklist(&ws).evidence;
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].size, Some(3));
    assert_eq!(
        ev[0].sha256.as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!((ev[1].reference.as_str(), ev[1].size), ("SK 12/2024", None));
    assert_eq!(ws.app.ds.products[p].evidence[0], 2);
    assert_eq!(audit(&ws).iter().filter(|r| r.0 == "evidence").count(), 2);
    // A FIFO is not read (it could block forever): refused with a message, and so is
    // a folder; the prompt stays with what was typed, nothing is saved.
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (special, what) in [
        (&fifo, "a FIFO (named pipe)"),
        (&dir.path().to_path_buf(), "a folder"),
    ] {
        ws.update(Action::Evidence);
        type_text(&mut ws, &special.display().to_string());
        ws.update(key(KeyCode::Enter));
        assert!(!ws.runtime.digesting(), "{what} is read");
        assert_eq!(
            ws.app.status,
            Status::Error(format!(
                "{} is {what}: evidence must be a regular file (or a document number). Nothing was saved.",
                special.display()
            ))
        );
        assert!(matches!(
            &ws.app.modal,
            Modal::Evidence { digest: None, .. }
        ));
        ws.update(key(KeyCode::Esc));
    }
    assert_eq!(checklist(&ws).evidence.len(), 2);
    assert_eq!(audit(&ws).iter().filter(|r| r.0 == "evidence").count(), 2);
}

#[test]
fn a_huge_evidence_file_is_read_in_the_background_and_cancelled() {
    let (dir, mut ws) = demo_ws(Lang::En);
    open_first_product(&mut ws);
    // 64 GiB of nothing: reading zeros is fast, but not that fast.
    let file = dir.path().join("huge.iso");
    std::fs::File::create(&file)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    ws.update(Action::Evidence);
    type_text(&mut ws, &file.display().to_string());
    let started = Instant::now();
    ws.update(key(KeyCode::Enter));
    // The update returned at once: the file is read on another thread.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(ws.runtime.digesting());
    // Progress arrives and grows.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        ws.next_input(Duration::from_secs(5)).expect("progress");
        if let Modal::Evidence {
            digest: Some(Digesting { done, total, .. }),
            ..
        } = ws.app.modal
            && done > 0
            && seen.last() != Some(&done)
        {
            assert_eq!(total, 64 << 30);
            seen.push(done);
        }
    }
    assert!(seen[1] > seen[0], "{seen:?}");
    // Esc cancels: the worker stops, nothing is saved, the prompt keeps the path.
    ws.update(key(KeyCode::Esc));
    assert!(!ws.runtime.digesting());
    assert!(
        matches!(&ws.app.modal, Modal::Evidence { digest: None, input, .. }
        if input.text() == file.display().to_string())
    );
    // What was on its way may still come (progress, ignored); then nothing: the
    // worker has stopped.
    let drain = Instant::now();
    while drain.elapsed() < Duration::from_millis(300) {
        let _ = ws.next_input(Duration::from_millis(50));
        assert!(matches!(ws.app.modal, Modal::Evidence { digest: None, .. }));
        assert!(audit(&ws).is_empty());
    }
    assert!(
        matches!(
            ws.next_input(Duration::from_millis(400)),
            Err(RecvTimeoutError::Timeout)
        ),
        "the worker still reports after the cancel"
    );
    assert!(audit(&ws).is_empty());
    ws.update(key(KeyCode::Esc));
    assert_eq!(ws.app.modal, Modal::None);
}

#[test]
fn reopens_where_the_assessor_left_off() {
    let (dir, mut ws) = demo_ws(Lang::En);
    for a in [
        Action::Down,
        Action::Open,
        Action::Down,
        Action::Open,
        Action::Down,
        Action::Open,
        Action::Down,
        Action::Down,
    ] {
        ws.update(a);
    }
    let c = checklist(&ws).clone();
    let path = ws.app.ds.product_path(c.product());
    ws.shutdown();
    drop(ws);
    let again = reopen(other_store(dir.path()), Lang::En);
    let c2 = checklist(&again);
    assert_eq!(again.app.ds.product_path(c2.product()), path);
    assert_eq!(c2.on(), c.on());
    assert!(matches!(&again.app.status, Status::Info(m) if m.contains(&path)));
}

#[test]
fn export_key_writes_a_signed_file_that_verifies() {
    let (dir, mut ws) = demo_ws(Lang::En);
    let keys = dir.path().join("keys");
    ws.runtime.signing_keys = Some(keys.clone());
    open_first_product(&mut ws);
    ws.update(Action::Tick);
    // Without a key: a clear message, no file.
    let out = dir.path().join("out.patuh");
    let export = |ws: &mut Workstation| {
        ws.update(key(KeyCode::Char('X')));
        assert!(
            matches!(&ws.app.modal, Modal::Export { input, .. } if input.text().ends_with(".patuh"))
        );
        for _ in 0..200 {
            ws.update(key(KeyCode::Backspace));
        }
        type_text(ws, &out.display().to_string());
        ws.update(key(KeyCode::Enter));
    };
    export(&mut ws);
    assert!(
        matches!(&ws.app.status, Status::Error(m) if m.contains("patuh keys init")),
        "{:?}",
        ws.app.status
    );
    assert!(!out.exists());
    // With a key: the export is written and verifies.
    crate::exchange::keys::Identity::generate("Siti Aminah", "siti", "2026-11-27T00:00:00Z")
        .unwrap()
        .save_new(&keys)
        .unwrap();
    export(&mut ws);
    assert!(
        matches!(&ws.app.status, Status::Saved(m) if m.contains("Exported")),
        "{:?}",
        ws.app.status
    );
    let bytes = std::fs::read(&out).unwrap();
    let verified = crate::exchange::verify::verify_bytes(&bytes, None, None);
    assert!(verified.is_ok(), "{:?}", verified.err());
    // Esc cancels without writing.
    std::fs::remove_file(&out).unwrap();
    ws.update(key(KeyCode::Char('X')));
    ws.update(key(KeyCode::Esc));
    assert_eq!(ws.app.modal, Modal::None);
    assert!(!out.exists());
}

#[test]
fn a_note_being_written_is_saved_when_the_workstation_stops() {
    let (dir, mut ws) = demo_ws(Lang::En);
    open_first_product(&mut ws);
    ws.update(Action::Note);
    type_text(&mut ws, "setengah ditulis");
    ws.shutdown(); // e.g. SIGHUP: the ssh connection dropped
    assert_eq!(
        observation(&ws, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, "setengah ditulis".into()))
    );
    assert_eq!(audit(&ws).len(), 1);
    // An unchanged editor saves nothing, and the position is remembered.
    ws.update(Action::Down);
    ws.update(Action::Note);
    ws.shutdown();
    assert_eq!(audit(&ws).len(), 1);
    drop(ws);
    let again = reopen(other_store(dir.path()), Lang::En);
    let c = checklist(&again);
    assert_eq!(
        again.app.ds.indicator(c.product(), c.on()).id,
        "dasar-hukum"
    );
}

#[test]
fn a_read_only_workstation_writes_nothing_and_follows_the_other_one() {
    let (dir, mut writer) = demo_ws(Lang::En);
    let db_path = dir.path().join(DB_NAME);
    let store = crate::store::Store::open_read_only(&db_path).unwrap();
    let mut ro = reopen_as(
        store,
        Lang::En,
        Access::ReadOnly {
            holder: Some("process 4242, user siti".into()),
        },
    );
    assert!(matches!(&ro.app.status, Status::Error(m) if m.contains("process 4242")));
    open_first_product(&mut ro);
    for action in [Action::Tick, Action::Note, Action::Finalize] {
        ro.update(action);
    }
    ro.shutdown();
    assert!(audit(&writer).is_empty(), "the read-only one wrote");
    assert_eq!(
        writer.runtime.store().meta(META_LAST_PRODUCT).unwrap(),
        None,
        "the read-only one remembered its position"
    );
    assert!(!ro.tick(), "nothing new: no reload");

    // The writable one changes a value: the read-only one shows it after its tick.
    open_first_product(&mut writer);
    writer.update(Action::Tick);
    assert!(matches!(writer.app.status, Status::Saved(_)));
    let p = checklist(&ro).product();
    assert_eq!(ro.app.ds.products[p].values[0], Value::Unanswered);
    assert!(ro.tick());
    assert_eq!(ro.app.ds.products[p].values[0], Value::Level(1));
    assert_scores_match_database(&ro);
    assert!(!ro.tick(), "nothing new: no reload");
}
