//! An assessor's day (issue 13) through the real store: evidence removed and put back
//! by undo and redo (kept in `evidence_removed`, every move audited, `check` and a
//! signed export still accounting for everything), undo of a finalization with its
//! reason in the log, the history read from the audit log, the assessor named after
//! the signing key or asked once, the language key remembered, Tab completing real
//! paths, and an export failure said in Indonesian.

use crossterm::event::KeyCode;
use rusqlite::Connection;

use super::*;
use crate::tui::action::Action;
use crate::tui::app::{Modal, Status};
use crate::tui::testing::{ctrl, demo_store_as, demo_ws, key, other_store, type_text};

fn db(ws: &Workstation) -> Connection {
    Connection::open(ws.runtime.store().path()).expect("open the test database")
}

fn count(ws: &Workstation, sql: &str) -> i64 {
    db(ws).query_row(sql, [], |r| r.get(0)).unwrap()
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

fn open_nib(ws: &mut Workstation) {
    let p = ws.app.ds.find_product("81/DPMPTSP/NIB").unwrap();
    let effects = ws.app.open_checklist(p, None);
    ws.run(effects);
}

fn open_with_keys(store: crate::store::Store, lang: Lang, keys: &std::path::Path) -> Workstation {
    let mut ws = Workstation::open_with_keys(
        store,
        Config::default(),
        lang,
        Theme::plain(),
        Access::Write,
        Some(keys.to_path_buf()),
    )
    .expect("open the workstation");
    ws.update(Msg::Resize(80, 24));
    ws
}

#[test]
fn evidence_removed_and_put_back_is_kept_audited_and_accounted_for() {
    let (dir, mut ws) = demo_ws(Lang::En);
    open_nib(&mut ws);
    let file = dir.path().join("sk.pdf");
    std::fs::write(&file, b"abc").unwrap();
    ws.update(Action::Evidence);
    type_text(&mut ws, &file.display().to_string());
    ws.update(key(KeyCode::Enter));
    ws.settle();
    let p = ws.app.checklist().unwrap().product();
    assert_eq!(ws.app.ds.products[p].evidence[0], 1);
    // The detail pane shows its size and hash.
    assert_eq!(ws.app.checklist().unwrap().evidence[0].size, Some(3));
    // Removed with the remove key: out of `evidence`, kept in `evidence_removed`.
    ws.update(key(KeyCode::Char('E')));
    ws.update(key(KeyCode::Enter));
    ws.update(key(KeyCode::Char('y')));
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence"), 0);
    assert_eq!(
        count(
            &ws,
            "SELECT count(*) FROM evidence_removed WHERE reference LIKE '%sk.pdf' AND size = 3 \
             AND removed_by = 'Penilai Uji'"
        ),
        1
    );
    assert!(ws.app.checklist().unwrap().evidence.is_empty());
    // Undo puts it back, redo removes it again, undo once more: each audited.
    ws.update(Action::Undo);
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence"), 1);
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence_removed"), 0);
    assert_eq!(ws.app.checklist().unwrap().evidence.len(), 1);
    ws.update(ctrl('r'));
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence"), 0);
    ws.update(Action::Undo);
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence"), 1);
    let actions: Vec<String> = audit(&ws).into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions,
        [
            "evidence",
            "evidence_removed",
            "evidence_restored",
            "evidence_removed",
            "evidence_restored"
        ]
    );
    let described = format!(
        "{} (3 bytes, sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad)",
        file.display()
    );
    assert_eq!(audit(&ws)[1].1.as_deref(), Some(described.as_str()));
    // Undo of the attachment itself: removed (kept), still accounted for.
    ws.update(Action::Undo);
    assert_eq!(ws.app.ds.products[p].evidence[0], 0);
    assert_eq!(count(&ws, "SELECT count(*) FROM evidence_removed"), 1);
    assert_eq!(
        ws.runtime.store().check().unwrap(),
        Vec::<String>::new(),
        "check accounts for every move"
    );
    // The export verifies: the replay of its log ends in the evidence it holds.
    let keys = dir.path().join("keys");
    crate::exchange::keys::Identity::generate("Siti Aminah", "siti", "2026-11-27T00:00:00Z")
        .unwrap()
        .save_new(&keys)
        .unwrap();
    ws.runtime.signing_keys = Some(keys);
    let out = dir.path().join("out.patuh");
    ws.update(key(KeyCode::Char('X')));
    for _ in 0..200 {
        ws.update(key(KeyCode::Backspace));
    }
    type_text(&mut ws, &out.display().to_string());
    ws.update(key(KeyCode::Enter));
    assert!(
        matches!(&ws.app.status, Status::Saved(m) if m.contains("Exported")),
        "{:?}",
        ws.app.status
    );
    let bytes = std::fs::read(&out).unwrap();
    let verified = crate::exchange::verify::verify_bytes(&bytes, None, None);
    assert!(verified.is_ok(), "{:?}", verified.err());
}

#[test]
fn undo_of_a_finalization_reopens_with_its_reason_in_the_history() {
    let (_dir, mut ws) = demo_ws(Lang::En);
    open_nib(&mut ws);
    ws.update(Action::Tick);
    ws.update(Action::Finalize);
    ws.update(key(KeyCode::Char('y')));
    let p = ws.app.checklist().unwrap().product();
    assert!(ws.app.ds.products[p].finalized);
    ws.update(Action::Undo);
    assert!(!ws.app.ds.products[p].finalized);
    assert_eq!(
        audit(&ws).last().cloned(),
        Some((
            "reopen".into(),
            None,
            Some("finalization undone in the workstation".into())
        ))
    );
    // The history of the product (Tab from the indicator's), newest first.
    ws.update(Action::Up);
    ws.update(key(KeyCode::Char('a')));
    let Modal::History {
        rows, indicator, ..
    } = &ws.app.modal
    else {
        panic!("{:?}", ws.app.modal)
    };
    assert!(indicator.is_some());
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["reopen", "finalize", "value"]);
    assert_eq!(rows[2].who, "Penilai Uji");
    assert_eq!(rows[2].at, "2025-03-04T05:06:07Z");
    ws.update(key(KeyCode::Esc));
    assert_eq!(ws.app.modal, Modal::None);
}

#[test]
fn the_assessor_is_named_after_the_signing_key_or_asked_once() {
    // A signing key made with `keys init --name "Siti Aminah" --id siti`, no name set
    // with `init --assessor`: the key's name, stored; the export's file is named by
    // the key's id.
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    crate::exchange::keys::Identity::generate("Siti Aminah", "siti", "2026-11-27T00:00:00Z")
        .unwrap()
        .save_new(&keys)
        .unwrap();
    let store = demo_store_as(dir.path(), &[], None);
    let mut ws = open_with_keys(store, Lang::En, &keys);
    assert_eq!(ws.app.who, "Siti Aminah");
    assert_eq!(ws.app.modal, Modal::None, "nothing to ask");
    assert_eq!(
        ws.runtime.store().meta("assessor").unwrap().as_deref(),
        Some("Siti Aminah")
    );
    ws.update(key(KeyCode::Char('X')));
    let Modal::Export { input, .. } = &ws.app.modal else {
        panic!("{:?}", ws.app.modal)
    };
    let name = input.text();
    assert!(
        name.contains("/patuh-siti-") && name.ends_with(".patuh"),
        "{name}"
    );
    ws.update(key(KeyCode::Esc));
    open_nib(&mut ws);
    ws.update(Action::Tick);
    let who: String = db(&ws)
        .query_row("SELECT who FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(who, "Siti Aminah");
    drop(ws);

    // A name given with `init --assessor` stays, key or not.
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store_as(dir.path(), &[], Some("Budi Santoso"));
    let ws = open_with_keys(store, Lang::En, &keys);
    assert_eq!(ws.app.who, "Budi Santoso");

    // Neither: the first start asks, once; the answer is stored and used.
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("no-keys");
    let store = demo_store_as(dir.path(), &[], None);
    let mut ws = open_with_keys(store, Lang::Id, &none);
    assert!(matches!(ws.app.modal, Modal::Assessor { .. }));
    assert_eq!(
        ws.app.status,
        Status::Info("Siapa nama Anda? Tulis lalu tekan Enter.".into())
    );
    type_text(&mut ws, "Siti Aminah");
    ws.update(key(KeyCode::Enter));
    assert_eq!(ws.app.modal, Modal::None);
    assert_eq!(ws.app.who, "Siti Aminah");
    drop(ws);
    let again = open_with_keys(other_store(dir.path()), Lang::Id, &none);
    assert_eq!(again.app.modal, Modal::None, "asked once");
    assert_eq!(again.app.who, "Siti Aminah");
}

#[test]
fn the_language_key_is_remembered_for_the_next_start() {
    let (dir, mut ws) = demo_ws(Lang::Id);
    assert_eq!(ws.app.lang, Lang::Id);
    ws.update(key(KeyCode::Char('L')));
    assert_eq!(ws.app.lang, Lang::En);
    drop(ws);
    // LANG says Indonesian, and so would config.toml: the key's choice wins.
    let store = other_store(dir.path());
    let config = Config::parse("language = \"id\"\n", "config.toml");
    let again = Workstation::open(store, config, Lang::Id, Theme::plain(), Access::Write).unwrap();
    assert_eq!(again.app.lang, Lang::En);
    assert!(matches!(&again.app.status, Status::Info(m) if m.starts_with("Welcome")));
}

#[test]
fn tab_completes_real_paths_in_the_evidence_and_export_prompts() {
    let (dir, mut ws) = demo_ws(Lang::En);
    let bukti = dir.path().join("bukti");
    std::fs::create_dir(&bukti).unwrap();
    for f in ["sk-2024.pdf", "sk-2025.pdf", "foto.jpg", ".rahasia"] {
        std::fs::write(bukti.join(f), b"x").unwrap();
    }
    std::fs::create_dir(bukti.join("skan")).unwrap();
    open_nib(&mut ws);
    ws.update(Action::Evidence);
    let base = bukti.display().to_string();
    type_text(&mut ws, &format!("{base}/s"));
    ws.update(key(KeyCode::Tab));
    let Modal::Evidence { input, choices, .. } = &ws.app.modal else {
        panic!()
    };
    assert_eq!(input.text(), format!("{base}/sk"));
    assert_eq!(
        choices,
        &[
            format!("{base}/sk-2024.pdf"),
            format!("{base}/sk-2025.pdf"),
            format!("{base}/skan/"),
        ]
    );
    type_text(&mut ws, "-2025");
    ws.update(key(KeyCode::Tab));
    assert!(
        matches!(&ws.app.modal, Modal::Evidence { input, .. } if input.text() == format!("{base}/sk-2025.pdf"))
    );
    ws.update(key(KeyCode::Enter));
    ws.settle();
    assert_eq!(ws.app.modal, Modal::None);
    assert_eq!(ws.app.checklist().unwrap().evidence.len(), 1);
    // The export prompt offers folders and .patuh files only.
    ws.update(key(KeyCode::Char('X')));
    for _ in 0..200 {
        ws.update(key(KeyCode::Backspace));
    }
    type_text(&mut ws, &format!("{base}/"));
    ws.update(key(KeyCode::Tab));
    assert!(
        matches!(&ws.app.modal, Modal::Export { input, .. } if input.text() == format!("{base}/skan/"))
    );
}

#[test]
fn an_export_failure_is_said_in_indonesian() {
    let (dir, mut ws) = demo_ws(Lang::Id);
    ws.runtime.signing_keys = Some(dir.path().join("no-keys"));
    ws.update(key(KeyCode::Char('X')));
    ws.update(key(KeyCode::Enter));
    assert_eq!(
        ws.app.status,
        Status::Error(
            "Belum ada kunci penanda tangan: buat dengan `patuh keys init --name NAMA --id ID`, lalu ekspor lagi."
                .into()
        )
    );
    // A file that cannot be written there: the reason in Indonesian, the path named.
    crate::exchange::keys::Identity::generate("Siti Aminah", "siti", "2026-11-27T00:00:00Z")
        .unwrap()
        .save_new(&dir.path().join("keys"))
        .unwrap();
    ws.runtime.signing_keys = Some(dir.path().join("keys"));
    ws.update(key(KeyCode::Char('X')));
    for _ in 0..200 {
        ws.update(key(KeyCode::Backspace));
    }
    type_text(&mut ws, &dir.path().display().to_string());
    ws.update(key(KeyCode::Enter));
    assert!(
        matches!(&ws.app.status, Status::Error(m) if m.contains("adalah folder, bukan berkas biasa")),
        "{:?}",
        ws.app.status
    );
}
