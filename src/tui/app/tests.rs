//! The workstation's state and update logic, without a terminal: actions and keys in,
//! state and database out.

use crossterm::event::KeyCode;

use super::*;
use crate::domain::model::ScoreBook;
use crate::tui::testing::{
    SCALE_ASSIGNMENT, ctrl, demo_app, demo_app_with, key, other_store, reopen, type_text,
};

/// (value, na, note) of an observation as the database holds it.
fn observation(app: &App, path: &str, indicator: &str) -> Option<(Option<i64>, i64, String)> {
    let p = app.ds.find_product(path).expect("product");
    app.store
        .conn()
        .query_row(
            "SELECT value, na, note FROM observation WHERE product_id = ?1 AND indicator = ?2",
            (app.ds.products[p].db_id, indicator),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
}

/// The audit rows (action, old, new) in order.
fn audit(app: &App) -> Vec<(String, Option<String>, Option<String>)> {
    let mut stmt = app
        .store
        .conn()
        .prepare("SELECT action, old, new FROM audit ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Opens the checklist of the first product (81/DPMPTSP/NIB) from a fresh start.
fn open_first_product(app: &mut App) {
    app.update(Action::Open);
    app.update(Action::Open);
    app.update(Action::Open);
}

fn checklist(app: &App) -> &Checklist {
    match &app.screen {
        Screen::Checklist(c) => c,
        other => panic!("not on a checklist: {other:?}"),
    }
}

/// The scores the app shows equal a full recomputation from the database.
fn assert_scores_match_database(app: &App) {
    let ds = app.store.load().unwrap();
    let full = ScoreBook::compute(&ds);
    for p in 0..ds.products.len() {
        assert_eq!(
            app.book.product_summary(p),
            full.product_summary(p),
            "product {p}"
        );
    }
    for u in 0..ds.units.len() {
        assert_eq!(app.book.unit(u), full.unit(u), "unit {u}");
    }
    for a in 0..ds.agencies.len() {
        assert_eq!(
            app.book.agency(&app.ds, a),
            full.agency(&ds, a),
            "agency {a}"
        );
    }
}

#[test]
fn drills_down_to_a_checklist_and_back_up() {
    let (_dir, mut app) = demo_app(Lang::En);
    assert_eq!(app.nav.len(), 1);
    app.update(Action::Down);
    assert_eq!(app.nav_top().current(), Some(1), "second agency");
    app.update(Action::Up);
    app.update(Action::Up); // stays at the top
    assert_eq!(app.nav_top().selected, 0);
    app.update(Action::Bottom);
    assert_eq!(app.nav_top().selected, app.ds.agencies.len() - 1);
    app.update(Action::Top);
    app.update(Action::Open);
    assert_eq!(app.nav_top().level, Level::Units(0));
    app.update(Action::Open);
    assert!(matches!(app.nav_top().level, Level::Products(_)));
    app.update(Action::Open);
    let c = checklist(&app);
    assert_eq!(app.ds.product_path(c.product), "81/DPMPTSP/NIB");
    assert_eq!(
        app.ds.instrument_of_product(c.product).indicators[c.indicator].id,
        "sk-standar"
    );
    app.update(Action::Down);
    let c = checklist(&app);
    assert_eq!(
        app.ds.instrument_of_product(c.product).indicators[c.indicator].id,
        "dasar-hukum"
    );
    app.update(Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
    assert_eq!(
        app.highlighted_product()
            .map(|p| app.ds.product_path(p))
            .as_deref(),
        Some("81/DPMPTSP/NIB")
    );
    app.update(Action::Back);
    app.update(Action::Back);
    assert_eq!(app.nav.len(), 1);
    app.update(Action::Back);
    assert_eq!(app.nav.len(), 1, "the top level stays");
    assert!(matches!(app.status, Status::Info(_)));
}

#[test]
fn paging_scrolls_the_checklist_so_the_selection_stays_visible() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let page = app.page();
    assert!(page >= 5, "page {page}");
    app.update(Action::PageDown);
    app.update(Action::PageDown);
    let c = checklist(&app).clone();
    let rows = checklist_rows(app.ds.instrument_of_product(c.product));
    let row = rows
        .iter()
        .position(|r| *r == Row::Indicator(c.indicator))
        .unwrap();
    assert!(
        c.offset <= row && row < c.offset + page,
        "row {row} offset {} page {page}",
        c.offset
    );
    app.update(Action::Bottom);
    let c = checklist(&app).clone();
    assert_eq!(
        app.ds.instrument_of_product(c.product).indicators[c.indicator].id,
        "evaluasi-kinerja"
    );
    app.update(Action::Top);
    assert_eq!(
        checklist(&app).offset,
        0,
        "the first dimension heading is visible again"
    );
}

#[test]
fn a_tick_is_committed_with_its_audit_row_and_rescored_at_once() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product;
    let before = app.book.product_summary(p);
    assert_eq!(before.answered, 0);
    app.update(Action::Tick);
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((Some(1), 0, String::new()))
    );
    assert_eq!(
        audit(&app),
        vec![("value".into(), Some(String::new()), Some("1".into()))]
    );
    assert_eq!(app.ds.products[p].values[0], Value::Level(1));
    let after = app.book.product_summary(p);
    assert_eq!(after.answered, 1);
    assert!(after.score > before.score);
    assert!(
        matches!(&app.status, Status::Saved(m) if m.contains("sk-standar") && m.contains('✓')),
        "{:?}",
        app.status
    );
    assert_scores_match_database(&app);
    // Space again unticks (observed absent), x marks N/A and again clears it.
    app.update(Action::Tick);
    assert_eq!(app.ds.products[p].values[0], Value::Level(0));
    app.update(Action::NotApplicable);
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 1, String::new()))
    );
    app.update(Action::NotApplicable);
    assert_eq!(app.ds.products[p].values[0], Value::Unanswered);
    app.update(Action::SetValue(1));
    app.update(Action::Clear);
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, String::new()))
    );
    assert_eq!(audit(&app).len(), 6);
    assert_scores_match_database(&app);
}

#[test]
fn scale_values_and_out_of_range_digits() {
    let (_dir, mut app) = demo_app_with(Lang::En, &[SCALE_ASSIGNMENT]);
    app.update(Action::Bottom); // agency 9999
    open_first_product(&mut app); // Bottom then Open x3 from the agency list
    let c = checklist(&app).clone();
    assert_eq!(app.ds.product_path(c.product), "9999/U1/P1");
    let ind = &app.ds.instrument_of_product(c.product).indicators[c.indicator];
    assert_eq!(ind.max, 3);
    app.update(Action::SetValue(2));
    assert_eq!(
        app.ds.products[c.product].values[c.indicator],
        Value::Level(2)
    );
    assert_eq!(app.value_text(c.product, c.indicator), "2/3");
    app.update(Action::SetValue(7));
    assert!(
        matches!(&app.status, Status::Error(m) if m.contains("0..3")),
        "{:?}",
        app.status
    );
    assert_eq!(
        app.ds.products[c.product].values[c.indicator],
        Value::Level(2)
    );
    app.update(Action::Tick); // a scale's Space: up to its max
    assert_eq!(
        app.ds.products[c.product].values[c.indicator],
        Value::Level(3)
    );
    assert_eq!(audit(&app).len(), 2, "the refused 7 left no trace");
    assert_scores_match_database(&app);
}

#[test]
fn value_keys_outside_a_checklist_say_what_to_do() {
    let (_dir, mut app) = demo_app(Lang::Id);
    app.update(Action::Tick);
    assert_eq!(
        app.status,
        Status::Info(crate::tui::text::ID.open_product_first.into())
    );
    assert!(audit(&app).is_empty());
}

#[test]
fn note_editor_saves_unicode_and_asks_before_discarding() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    app.update(Action::Note);
    assert!(matches!(app.modal, Modal::Note(_)));
    type_text(&mut app, "Loket 2 tutup 🙂\nSK No. 12/2024 — é 漢字");
    // q and u are text here, not quit and undo.
    type_text(&mut app, " qu");
    assert!(!app.quit);
    app.handle_key(key(KeyCode::Esc));
    assert!(
        matches!(app.modal, Modal::ConfirmDiscard(_)),
        "a modified note asks first"
    );
    app.handle_key(key(KeyCode::Char('n')));
    assert!(
        matches!(app.modal, Modal::Note(_)),
        "any other key keeps writing"
    );
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(ctrl('s'));
    assert_eq!(app.modal, Modal::None);
    let note = "Loket 2 tutup 🙂\nSK No. 12/2024 — é 漢字";
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, note.into()))
    );
    assert_eq!(app.ds.products[checklist(&app).product].notes[0], note);
    assert_eq!(
        audit(&app),
        vec![("note".into(), Some(String::new()), Some(note.into()))]
    );
    assert!(matches!(&app.status, Status::Saved(_)));

    // Esc on an unchanged note closes it; a discarded change leaves the database alone.
    app.update(Action::Note);
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.modal, Modal::None);
    app.update(Action::Note);
    type_text(&mut app, "xyz");
    app.handle_key(key(KeyCode::Esc));
    app.handle_key(key(KeyCode::Char('y')));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar").unwrap().2,
        note
    );
    assert_eq!(audit(&app).len(), 1);
}

#[test]
fn pasted_text_goes_into_the_note_without_control_characters() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    app.update(Action::Note);
    app.handle_event(crossterm::event::Event::Paste(
        "a\x1b[2Jb\r\nc\u{202E}d".into(),
    ));
    app.handle_key(ctrl('s'));
    let note = observation(&app, "81/DPMPTSP/NIB", "sk-standar").unwrap().2;
    assert_eq!(note, "a\u{FFFD}[2Jb\nc\u{FFFD}d");
}

#[test]
fn undo_records_the_previous_value_and_note_back() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product;
    app.update(Action::Tick);
    app.update(Action::Down);
    app.update(Action::Note);
    type_text(&mut app, "catatan");
    app.handle_key(ctrl('s'));
    // Wander off to another agency: undo comes back to where the change was.
    app.update(Action::Back);
    app.update(Action::Back);
    app.update(Action::Back);
    app.update(Action::Down);
    app.update(Action::Undo);
    let c = checklist(&app).clone();
    assert_eq!((c.product, c.indicator), (p, 1));
    assert_eq!(app.ds.products[p].notes[1], "");
    assert!(
        matches!(&app.status, Status::Saved(m) if m.starts_with("Undone")),
        "{:?}",
        app.status
    );
    app.update(Action::Undo);
    assert_eq!(app.ds.products[p].values[0], Value::Unanswered);
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, String::new()))
    );
    let actions: Vec<String> = audit(&app).into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions,
        ["value", "note", "note", "value"],
        "undo is a new audited change"
    );
    app.update(Action::Undo);
    assert!(
        matches!(app.status, Status::Info(_)),
        "nothing left to undo"
    );
    assert_scores_match_database(&app);
}

#[test]
fn finalize_makes_read_only_and_reopening_needs_a_reason() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product;
    app.update(Action::Finalize);
    assert_eq!(app.modal, Modal::ConfirmFinalize { product: p });
    app.handle_key(key(KeyCode::Char('n')));
    assert!(!app.ds.products[p].finalized, "any other key cancels");
    app.update(Action::Finalize);
    app.handle_key(key(KeyCode::Char('y')));
    assert!(app.ds.products[p].finalized);
    app.update(Action::Tick);
    assert!(matches!(&app.status, Status::Error(m) if m.contains("read-only")));
    app.update(Action::Note);
    assert_eq!(app.modal, Modal::None);
    assert_eq!(observation(&app, "81/DPMPTSP/NIB", "sk-standar"), None);

    app.update(Action::Finalize);
    assert!(matches!(app.modal, Modal::Reopen { .. }));
    app.handle_key(key(KeyCode::Enter));
    assert!(
        matches!(app.modal, Modal::Reopen { .. }),
        "an empty reason is refused"
    );
    type_text(&mut app, "salah input: SK belum diperiksa");
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.modal, Modal::None);
    assert!(!app.ds.products[p].finalized);
    let rows = audit(&app);
    assert_eq!(rows[0].0, "finalize");
    assert_eq!(
        rows[1],
        (
            "reopen".into(),
            None,
            Some("salah input: SK belum diperiksa".into())
        )
    );
    app.update(Action::Tick);
    assert!(matches!(app.status, Status::Saved(_)));
}

#[test]
fn a_refused_change_is_never_shown_as_saved() {
    let (dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product;
    // Another patuh finalizes the product behind the workstation's back.
    let mut other = other_store(dir.path());
    other.finalize(&app.product_ref(p)).unwrap();
    app.update(Action::Tick);
    assert!(
        matches!(&app.status, Status::Error(m) if m.contains("finalized")),
        "{:?}",
        app.status
    );
    assert_eq!(app.ds.products[p].values[0], Value::Unanswered);
    assert_eq!(app.book.product_summary(p).answered, 0);
    assert!(app.undo.is_empty());
    // A refused note keeps the editor open with the text.
    app.update(Action::Note);
    type_text(&mut app, "tetap ada");
    app.handle_key(ctrl('s'));
    assert!(matches!(&app.modal, Modal::Note(e) if e.editor.text() == "tetap ada"));
}

#[test]
fn evidence_records_a_file_with_size_and_hash_or_a_document_number() {
    let (dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product;
    let file = dir.path().join("sk-standar.pdf");
    std::fs::write(&file, b"abc").unwrap();
    app.update(Action::Evidence);
    type_text(&mut app, &file.display().to_string());
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.modal, Modal::None);
    app.update(Action::Evidence);
    type_text(&mut app, "SK 12/2024");
    app.handle_key(key(KeyCode::Enter));
    let ev = &checklist(&app).evidence;
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].size, Some(3));
    assert_eq!(
        ev[0].sha256.as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!((ev[1].reference.as_str(), ev[1].size), ("SK 12/2024", None));
    assert_eq!(app.ds.products[p].evidence[0], 2);
    assert_eq!(audit(&app).iter().filter(|r| r.0 == "evidence").count(), 2);
    // An empty reference is refused, the prompt stays.
    app.update(Action::Evidence);
    app.handle_key(key(KeyCode::Enter));
    assert!(matches!(app.modal, Modal::Evidence { .. }));
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.modal, Modal::None);
}

#[test]
fn filter_is_incremental_and_ignores_case_and_accents() {
    let (_dir, mut app) = demo_app(Lang::En);
    app.update(Action::Filter);
    assert_eq!(app.modal, Modal::Filter);
    type_text(&mut app, "ÁMBON");
    let shown: Vec<&str> = app
        .nav_top()
        .shown
        .iter()
        .map(|&a| app.ds.agencies[a].code.as_str())
        .collect();
    assert_eq!(shown, ["8171"]);
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    app.handle_key(key(KeyCode::Backspace));
    type_text(&mut app, "kabupaten bur");
    let shown: Vec<&str> = app
        .nav_top()
        .shown
        .iter()
        .map(|&a| app.ds.agencies[a].code.as_str())
        .collect();
    assert_eq!(shown, ["8104"]);
    app.handle_key(key(KeyCode::Enter)); // keep the filter, back to the list
    assert_eq!(app.modal, Modal::None);
    app.update(Action::Open);
    assert_eq!(
        app.nav_top().level,
        Level::Units(app.ds.find_agency("8104").unwrap())
    );
    app.update(Action::Back);
    app.update(Action::Back); // first Esc clears the filter
    assert_eq!(app.nav_top().shown.len(), app.ds.agencies.len());
    assert_eq!(
        app.nav_top().current(),
        app.ds.find_agency("8104"),
        "the selection stays"
    );
    app.update(Action::Filter);
    type_text(&mut app, "zzz");
    assert!(app.nav_top().shown.is_empty());
    app.update(Action::Open); // nothing to open
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.nav_top().shown.len(), app.ds.agencies.len());
}

#[test]
fn reopens_where_the_assessor_left_off() {
    let (dir, mut app) = demo_app(Lang::En);
    app.update(Action::Down);
    app.update(Action::Open);
    app.update(Action::Down);
    app.update(Action::Open);
    app.update(Action::Down);
    app.update(Action::Open);
    app.update(Action::Down);
    app.update(Action::Down);
    let c = checklist(&app).clone();
    let path = app.ds.product_path(c.product);
    app.save_position();
    drop(app);
    let again = reopen(other_store(dir.path()), Lang::En);
    let c2 = checklist(&again);
    assert_eq!(again.ds.product_path(c2.product), path);
    assert_eq!(c2.indicator, c.indicator);
    assert!(matches!(&again.status, Status::Info(m) if m.contains(&path)));
    // Back goes to that product in the navigator.
    let mut again = again;
    again.update(Action::Back);
    assert_eq!(again.highlighted_product(), Some(c.product));
}

#[test]
fn dashboard_ranks_agencies_and_opens_one() {
    let (_dir, mut app) = demo_app(Lang::En);
    let ambon = app.ds.find_agency("8171").unwrap();
    app.reveal_product(app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap());
    app.open_checklist(app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap(), None);
    app.update(Action::Tick);
    app.update(Action::Dashboard);
    let Screen::Dashboard(d) = &app.screen else {
        panic!("no dashboard")
    };
    assert_eq!(
        d.ranking[0], ambon,
        "the only agency with points ranks first"
    );
    assert_eq!(d.ranking.len(), app.ds.agencies.len());
    app.update(Action::Open);
    assert_eq!(app.screen, Screen::Navigator);
    assert_eq!(app.nav_top().level, Level::Units(ambon));
    app.update(Action::NextPane);
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "Tab switches to the dashboard"
    );
    app.update(Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
}

#[test]
fn help_language_export_and_quit() {
    let (_dir, mut app) = demo_app(Lang::Id);
    app.update(Action::Help);
    assert_eq!(app.modal, Modal::Help { scroll: 0 });
    app.handle_key(key(KeyCode::Char('j')));
    assert_eq!(app.modal, Modal::Help { scroll: 1 });
    for _ in 0..500 {
        app.handle_key(key(KeyCode::Char('j')));
    }
    let Modal::Help { scroll } = app.modal else {
        panic!()
    };
    assert!(
        usize::from(scroll) < crate::tui::ui::help_lines(&app),
        "scrolling stops at the end"
    );
    app.handle_key(key(KeyCode::Char('q')));
    assert_eq!(app.modal, Modal::None, "q closes the help");
    assert!(!app.quit);
    app.handle_key(key(KeyCode::Char('L')));
    assert_eq!(app.lang, Lang::En);
    assert_eq!(app.status, Status::Info("Language: English.".into()));
    app.handle_key(key(KeyCode::Char('q')));
    assert!(app.quit);
}

#[test]
fn export_key_writes_a_signed_file_that_verifies() {
    let (dir, mut app) = demo_app(Lang::En);
    let keys = dir.path().join("keys");
    app.keys_dir = Some(keys.clone());
    open_first_product(&mut app);
    app.update(Action::Tick);
    // Without a key: a clear message, no file.
    let out = dir.path().join("out.patuh");
    app.handle_key(key(KeyCode::Char('X')));
    assert!(matches!(app.modal, Modal::Export { .. }));
    for _ in 0..200 {
        app.handle_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, &out.display().to_string());
    app.handle_key(key(KeyCode::Enter));
    assert!(
        matches!(&app.status, Status::Error(m) if m.contains("patuh keys init")),
        "{:?}",
        app.status
    );
    assert!(!out.exists());
    // With a key: the export is written and verifies.
    crate::exchange::keys::Identity::generate("Siti Aminah", "siti", "2026-11-27T00:00:00Z")
        .unwrap()
        .save_new(&keys)
        .unwrap();
    app.handle_key(key(KeyCode::Char('X')));
    for _ in 0..200 {
        app.handle_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, &out.display().to_string());
    app.handle_key(key(KeyCode::Enter));
    assert!(
        matches!(&app.status, Status::Saved(m) if m.contains("Exported")),
        "{:?}",
        app.status
    );
    let bytes = std::fs::read(&out).unwrap();
    let verified = crate::exchange::verify::verify_bytes(&bytes, None, None);
    assert!(verified.is_ok(), "{:?}", verified.err());
    // Esc cancels without writing.
    std::fs::remove_file(&out).unwrap();
    app.handle_key(key(KeyCode::Char('X')));
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.modal, Modal::None);
    assert!(!out.exists());
}

#[test]
fn config_language_and_keys_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::tui::testing::demo_store(dir.path(), &[]);
    let config = Config::parse(
        "language = \"en\"\n[keys]\nquit = \"Q\"\nbogus = \"z\"\n",
        "config.toml",
    );
    let mut app = App::new(store, config, Lang::Id, Theme::plain()).unwrap();
    assert_eq!(app.lang, Lang::En, "the config overrides LANG");
    assert!(matches!(&app.status, Status::Error(m) if m.contains("keys.bogus")));
    app.handle_key(key(KeyCode::Char('q')));
    assert!(!app.quit);
    app.handle_key(key(KeyCode::Char('Q')));
    assert!(app.quit);
}

#[test]
fn resize_keeps_the_selection_visible() {
    let (_dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    app.update(Action::Bottom);
    app.resize(200, 60);
    app.resize(80, 24);
    let c = checklist(&app).clone();
    let rows = checklist_rows(app.ds.instrument_of_product(c.product));
    let row = rows
        .iter()
        .position(|r| *r == Row::Indicator(c.indicator))
        .unwrap();
    assert!(c.offset <= row && row < c.offset + app.page());
    app.resize(20, 5); // too small: nothing breaks
    app.update(Action::Up);
}

#[test]
fn a_note_being_written_is_saved_when_the_workstation_stops() {
    let (dir, mut app) = demo_app(Lang::En);
    open_first_product(&mut app);
    app.update(Action::Note);
    type_text(&mut app, "setengah ditulis");
    app.shutdown(); // e.g. SIGHUP: the ssh connection dropped
    assert_eq!(
        observation(&app, "81/DPMPTSP/NIB", "sk-standar"),
        Some((None, 0, "setengah ditulis".into()))
    );
    assert_eq!(audit(&app).len(), 1);
    // An unchanged editor saves nothing, and the position is remembered.
    app.update(Action::Down);
    app.update(Action::Note);
    app.shutdown();
    assert_eq!(audit(&app).len(), 1);
    drop(app);
    let again = reopen(other_store(dir.path()), Lang::En);
    let c = checklist(&again);
    assert_eq!(
        again.ds.instrument_of_product(c.product).indicators[c.indicator].id,
        "dasar-hukum"
    );
}

#[test]
fn a_read_only_workstation_refuses_every_change_and_follows_the_other_one() {
    let (dir, mut writer) = demo_app(Lang::En);
    let db = dir.path().join(crate::tui::testing::DB_NAME);
    let store = crate::store::Store::open_read_only(&db).unwrap();
    let mut ro = reopen(store, Lang::En);
    ro.set_read_only(Some("process 4242, user siti".into()));
    open_first_product(&mut ro);
    let refused = |app: &App| match &app.status {
        Status::Error(m) => {
            assert!(m.contains("Read-only") && m.contains("process 4242"), "{m}");
        }
        other => panic!("not refused: {other:?}"),
    };
    for action in [
        Action::Tick,
        Action::SetValue(1),
        Action::NotApplicable,
        Action::Clear,
        Action::Note,
        Action::Evidence,
        Action::Undo,
        Action::Finalize,
    ] {
        ro.status = Status::None;
        ro.update(action);
        refused(&ro);
        assert_eq!(ro.modal, Modal::None, "{action:?} opened a dialog");
    }
    ro.shutdown();
    assert!(audit(&writer).is_empty(), "the read-only one wrote");
    assert_eq!(
        writer.store.meta(META_LAST_PRODUCT).unwrap(),
        None,
        "the read-only one remembered its position"
    );

    // The writable one changes a value: the read-only one shows it after a refresh.
    open_first_product(&mut writer);
    writer.update(Action::Tick);
    assert!(matches!(writer.status, Status::Saved(_)));
    let p = checklist(&ro).product;
    assert_eq!(ro.ds.products[p].values[0], Value::Unanswered);
    assert!(ro.refresh());
    assert_eq!(ro.ds.products[p].values[0], Value::Level(1));
    assert_scores_match_database(&ro);
    assert!(!ro.refresh(), "nothing new: no reload");
}
