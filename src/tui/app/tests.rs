//! The workstation's state without a database: actions and keys in, state and effects
//! out; where an effect matters, the test plays the runtime's part and feeds the
//! outcome back by hand. (Through the real store: `tui/runtime/tests.rs`.)

use crossterm::event::KeyCode;

use super::*;
use crate::domain::Value;
use crate::domain::model::NodeRef;
use crate::domain::model::{AgencyIx, IndicatorIx, ScoreBook};
use crate::store::RecordOutcome;
use crate::tui::effect::{Attach, Change, Failure, FileDigest, FileProblem, Named, Origin};
use crate::tui::testing::{SCALE_ASSIGNMENT, ctrl, demo_app, demo_app_with, key, type_text};

/// An action whose effects do not matter to the test (moving around).
fn act(app: &mut App, a: Action) {
    drop(app.update(a));
}

/// Opens the checklist of the first product (81/DPMPTSP/NIB) from a fresh start.
fn open_first_product(app: &mut App) {
    act(app, Action::Open);
    act(app, Action::Open);
    act(app, Action::Open);
}

fn checklist(app: &App) -> &Checklist {
    match &app.screen {
        Screen::Checklist(c) => c,
        other => panic!("not on a checklist: {other:?}"),
    }
}

/// The one value/note change asked for (besides moving to it).
fn the_change(effects: Vec<Effect>) -> Change {
    let effects: Vec<Effect> = effects
        .into_iter()
        .filter(|e| !matches!(e, Effect::LoadEvidence { .. } | Effect::RememberPosition(_)))
        .collect();
    match <[Effect; 1]>::try_from(effects) {
        Ok([Effect::Record(c)]) => c,
        Ok(other) => panic!("not a change: {other:?}"),
        Err(v) => panic!("not one effect: {v:?}"),
    }
}

/// The store's answer to a change as it would commit it: the value and note before.
fn committed(app: &App, change: Change) -> Outcome {
    let (p, i) = (change.product(), change.indicator);
    let product = &app.ds.products[p];
    let (old_value, old_note) = (product.value(i), product.note(i).to_string());
    let changed = change.value.is_some_and(|v| v != old_value)
        || change.note.as_ref().is_some_and(|n| *n != old_note);
    Outcome::Recorded {
        change,
        result: Ok(RecordOutcome {
            old_value,
            old_note,
            audit_rows: u32::from(changed),
        }),
    }
}

/// Asks for a change with `a`, feeds the store's commit back; the effects of that.
fn commit(app: &mut App, a: Action) -> Vec<Effect> {
    let change = the_change(app.update(a));
    let outcome = committed(app, change);
    app.update(outcome)
}

/// The scores the state shows equal a full recomputation from its data.
fn assert_scores_are_exact(app: &App) {
    let full = ScoreBook::compute(&app.ds);
    for p in app.ds.products.ids() {
        assert_eq!(
            app.book.product_summary(p),
            full.product_summary(p),
            "product {p}"
        );
    }
    for a in app.ds.agencies.ids() {
        assert_eq!(
            app.book.agency(&app.ds, a),
            full.agency(&app.ds, a),
            "agency {a}"
        );
    }
}

#[test]
fn the_checklist_without_a_database() {
    let mut app = demo_app(Lang::En);
    // The cursor stays after an answer here (moving on: `answers_move_the_cursor_on`).
    app.advance = false;
    open_first_product(&mut app);
    let (p, first) = (checklist(&app).product(), checklist(&app).on());
    assert_eq!(app.ds.product_path(p), "81/DPMPTSP/NIB");

    // Tick: the state asks the store to record ✓ and changes nothing yet.
    let change = the_change(app.update(Action::Tick));
    assert_eq!((change.product(), change.indicator), (p, first));
    assert_eq!(change.target.node().path, "81/DPMPTSP/NIB");
    assert_eq!(change.definition.id, "sk-standar");
    assert_eq!(
        (change.value, change.note.as_deref()),
        (Some(Value::Level(1)), None)
    );
    assert_eq!(change.origin, Origin::Key { advance: true });
    assert_eq!(app.ds.products[p].value(first), Value::Unanswered);
    assert_eq!(app.book.product_summary(p).answered, 0);
    assert_eq!(
        app.status,
        Status::Info("Welcome. Press ? for help.".into())
    );
    // The store committed it: now it is shown, rescored and said saved.
    let outcome = committed(&app, change);
    assert!(app.update(outcome).is_empty());
    assert_eq!(app.ds.products[p].value(first), Value::Level(1));
    assert_eq!(app.book.product_summary(p).answered, 1);
    assert_eq!(
        app.status,
        Status::Saved("Saved: NIB · sk-standar = ✓".into())
    );
    assert_scores_are_exact(&app);

    // A digit on the next indicator; N/A on the one after.
    act(&mut app, Action::Down);
    let change = the_change(app.update(Action::Value0));
    assert_eq!(
        (change.definition.id.as_str(), change.value),
        ("dasar-hukum", Some(Value::Level(0)))
    );
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].values[1], Value::Level(0));
    act(&mut app, Action::Down);
    assert!(commit(&mut app, Action::NotApplicable).is_empty());
    assert_eq!(app.ds.products[p].values[2], Value::NotApplicable);
    assert_eq!(
        app.status,
        Status::Saved("Saved: NIB · persyaratan = N/A".into())
    );

    // A note: the editor stays open until the store has committed it.
    assert!(app.update(Action::Note).is_empty());
    type_text(&mut app, "Loket 2 🙂\nSK No. 12");
    let change = the_change(app.update(ctrl('s')));
    assert_eq!(change.note.as_deref(), Some("Loket 2 🙂\nSK No. 12"));
    assert_eq!((change.value, change.origin.clone()), (None, Origin::Note));
    assert!(matches!(app.modal, Modal::Note(_)), "open until committed");
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.ds.products[p].notes[2], "Loket 2 🙂\nSK No. 12");
    assert_eq!(
        app.status,
        Status::Saved("Saved: note of NIB · persyaratan".into())
    );
    // A refused note keeps the editor and the text: nothing typed is lost.
    drop(app.update(Action::Note));
    type_text(&mut app, " lagi");
    let change = the_change(app.update(ctrl('s')));
    drop(app.update(Outcome::Recorded {
        change,
        result: Err(Failure::DiskFull),
    }));
    assert!(
        matches!(&app.modal, Modal::Note(e) if e.editor.text() == "Loket 2 🙂\nSK No. 12 lagi")
    );
    assert_eq!(
        app.status,
        Status::Error(
            "The disk is full: this change was not saved, earlier ones are safe. Free some space and try again."
                .into()
        )
    );
    assert_eq!(app.ds.products[p].notes[2], "Loket 2 🙂\nSK No. 12");
    app.press_esc_and_discard();

    // Undo: exactly the last change (the note) is recorded back as it was, a new
    // change; the value stays.
    let change = the_change(app.update(Action::Undo));
    assert_eq!(
        (change.product(), change.indicator),
        (p, IndicatorIx::new(2))
    );
    assert_eq!((change.value, change.note.as_deref()), (None, Some("")));
    assert!(matches!(change.origin, Origin::Undo(_)));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].notes[2], "");
    assert_eq!(app.ds.products[p].values[2], Value::NotApplicable);
    assert_eq!(
        app.status,
        Status::Saved("Undone: the note of NIB · persyaratan is empty again.".into())
    );
    // A refused undo stays undoable.
    let change = the_change(app.update(Action::Undo));
    drop(app.update(Outcome::Recorded {
        change,
        result: Err(Failure::Busy),
    }));
    assert_eq!(app.undo.len(), 3, "tick, 0, N/A: the refused one is back");
    let change = the_change(app.update(Action::Undo));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].values[2], Value::Unanswered);
    assert_scores_are_exact(&app);

    // Finalize: asks first; the product is read-only once the store says so.
    assert!(app.update(Action::Finalize).is_empty());
    assert_eq!(
        app.modal,
        Modal::ConfirmFinalize {
            node: NodeRef::Product(p),
            selected: 0
        }
    );
    let effects = app.update(key(KeyCode::Char('y')));
    let [
        Effect::SetFinal {
            node,
            target,
            reopen: None,
            ..
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (*node, target.path.as_str()),
        (NodeRef::Product(p), "81/DPMPTSP/NIB")
    );
    assert!(
        !app.ds.products[p].finalized,
        "not before the store says so"
    );
    drop(app.update(Outcome::FinalSet {
        node: NodeRef::Product(p),
        finalized: true,
        origin: Origin::Key { advance: false },
        result: Ok(()),
    }));
    assert!(app.ds.products[p].finalized);
    assert_eq!(
        app.status,
        Status::Saved("Saved: 81/DPMPTSP/NIB finalized (read-only).".into())
    );
    // Now every change is refused before it reaches the store.
    for a in [
        Action::Tick,
        Action::Value1,
        Action::Note,
        Action::Evidence,
        Action::RemoveEvidence,
    ] {
        let effects = app.update(a);
        assert!(
            effects
                .iter()
                .all(|e| matches!(e, Effect::LoadEvidence { .. })),
            "{a:?}: {effects:?}"
        );
        assert!(matches!(&app.status, Status::Error(m) if m.contains("read-only")));
        assert_eq!(app.modal, Modal::None);
    }
    // Reopening needs a reason, and the prompt stays until the store has it.
    drop(app.update(Action::Finalize));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(app.modal, Modal::Reopen { .. }), "no reason");
    type_text(&mut app, "salah input");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::SetFinal { reopen: Some(r), .. }] if r == "salah input")
    );
    assert!(matches!(app.modal, Modal::Reopen { .. }));
    drop(app.update(Outcome::FinalSet {
        node: NodeRef::Product(p),
        finalized: false,
        origin: Origin::Key { advance: false },
        result: Ok(()),
    }));
    assert_eq!(app.modal, Modal::None);
    assert!(!app.ds.products[p].finalized);
}

impl App {
    /// Esc on a modified note, then yes: discard it.
    fn press_esc_and_discard(&mut self) {
        assert!(self.update(key(KeyCode::Esc)).is_empty());
        assert!(matches!(self.modal, Modal::ConfirmDiscard(_)));
        assert!(self.update(key(KeyCode::Char('y'))).is_empty());
        assert_eq!(self.modal, Modal::None);
    }
}

#[test]
fn drills_down_to_a_checklist_and_back_up() {
    let mut app = demo_app(Lang::En);
    assert_eq!(app.nav.len(), 1);
    act(&mut app, Action::Down);
    assert_eq!(
        app.nav_top().current(),
        Some(Node::Agency(AgencyIx::new(1))),
        "second agency"
    );
    act(&mut app, Action::Up);
    act(&mut app, Action::Up); // stays at the top
    assert_eq!(app.nav_top().selected, 0);
    act(&mut app, Action::Bottom);
    assert_eq!(app.nav_top().selected, app.ds.agencies.len() - 1);
    act(&mut app, Action::Top);
    act(&mut app, Action::Open);
    assert_eq!(app.nav_top().depth, NavDepth::Units(AgencyIx::new(0)));
    act(&mut app, Action::Open);
    assert!(matches!(app.nav_top().depth, NavDepth::Products(_)));
    // Opening a checklist asks for the highlighted indicator's evidence and remembers
    // where the assessor is.
    let effects = app.update(Action::Open);
    let c = checklist(&app);
    assert_eq!(app.ds.product_path(c.product()), "81/DPMPTSP/NIB");
    assert!(
        matches!(&effects[..], [
            Effect::LoadEvidence { indicator_id, .. },
            Effect::RememberPosition(at),
        ] if indicator_id == "sk-standar" && at.path == "81/DPMPTSP/NIB" && at.checklist),
        "{effects:?}"
    );
    assert_eq!(app.ds.indicator(c.product(), c.on()).id, "sk-standar");
    let effects = app.update(Action::Down);
    assert!(
        matches!(&effects[..], [Effect::LoadEvidence { indicator_id, .. }] if indicator_id == "dasar-hukum")
    );
    act(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
    assert_eq!(
        app.highlighted_product()
            .map(|p| app.ds.product_path(p))
            .as_deref(),
        Some("81/DPMPTSP/NIB")
    );
    act(&mut app, Action::Back);
    act(&mut app, Action::Back);
    assert_eq!(app.nav.len(), 1);
    act(&mut app, Action::Back);
    assert_eq!(app.nav.len(), 1, "the top level stays");
    assert_eq!(
        app.status,
        Status::Info("Already at the top level. q quits.".into())
    );
}

#[test]
fn the_evidence_shown_belongs_to_the_highlighted_indicator() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product();
    let row = |reference: &str| crate::store::EvidenceRow {
        id: 1,
        reference: reference.into(),
        size: None,
        sha256: None,
        added_at: String::new(),
        added_by: String::new(),
    };
    drop(app.update(Outcome::EvidenceLoaded {
        node: NodeRef::Product(p),
        indicator: IndicatorIx::new(0),
        result: Ok(vec![row("SK 1")]),
    }));
    assert_eq!(checklist(&app).evidence, [row("SK 1")]);
    // Moving on clears it; a late answer for the indicator before is not shown.
    act(&mut app, Action::Down);
    assert!(checklist(&app).evidence.is_empty());
    drop(app.update(Outcome::EvidenceLoaded {
        node: NodeRef::Product(p),
        indicator: IndicatorIx::new(0),
        result: Ok(vec![row("SK 1")]),
    }));
    assert!(checklist(&app).evidence.is_empty());
}

#[test]
fn paging_scrolls_the_checklist_so_the_selection_stays_visible() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    let page = app.page();
    assert!(page >= 5, "page {page}");
    act(&mut app, Action::PageDown);
    act(&mut app, Action::PageDown);
    let c = checklist(&app).clone();
    let rows = checklist_rows(app.ds.instrument_of_product(c.product()));
    let row = rows
        .iter()
        .position(|r| *r == Row::Indicator(c.on()))
        .unwrap();
    assert!(
        c.offset <= row && row < c.offset + page,
        "row {row} offset {} page {page}",
        c.offset
    );
    act(&mut app, Action::Bottom);
    let c = checklist(&app).clone();
    assert_eq!(app.ds.indicator(c.product(), c.on()).id, "evaluasi-kinerja");
    act(&mut app, Action::Top);
    assert_eq!(
        checklist(&app).offset,
        0,
        "the first dimension heading is visible again"
    );
}

#[test]
fn scale_values_and_out_of_range_digits() {
    let mut app = demo_app_with(Lang::En, &[SCALE_ASSIGNMENT], Config::default());
    app.advance = false;
    act(&mut app, Action::Bottom); // agency 9999
    open_first_product(&mut app);
    let c = checklist(&app).clone();
    assert_eq!(app.ds.product_path(c.product()), "9999/U1/P1");
    let ind = app.ds.indicator(c.product(), c.on());
    assert_eq!(ind.max, 3);
    drop(commit(&mut app, Action::Value2));
    assert_eq!(app.ds.products[c.product()].value(c.on()), Value::Level(2));
    assert_eq!(app.value_text(c.product(), c.on()), "2/3");
    // Out of the scale: refused here, the store is not asked.
    assert!(app.update(Action::Value7).is_empty());
    assert_eq!(
        app.status,
        Status::Error("Value 7 is outside this indicator's scale (0..3).".into())
    );
    // A scale's Space: up to its max, and again down to 0.
    let change = the_change(app.update(Action::Tick));
    assert_eq!(change.value, Some(Value::Level(3)));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(
        the_change(app.update(Action::Tick)).value,
        Some(Value::Level(0))
    );
}

#[test]
fn value_keys_outside_a_checklist_say_what_to_do() {
    let mut app = demo_app(Lang::Id);
    assert!(app.update(Action::Tick).is_empty());
    assert_eq!(
        app.status,
        Status::Info(crate::tui::text::ID.open_product_first.into())
    );
}

#[test]
fn note_editor_types_unicode_and_asks_before_discarding() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    drop(app.update(Action::Note));
    assert!(matches!(app.modal, Modal::Note(_)));
    type_text(&mut app, "Loket 2 tutup 🙂\nSK No. 12/2024 — é 漢字");
    // q and u are text here, not quit and undo.
    type_text(&mut app, " qu");
    assert!(!app.quit);
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(
        matches!(app.modal, Modal::ConfirmDiscard(_)),
        "a modified note asks first"
    );
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    assert!(
        matches!(app.modal, Modal::Note(_)),
        "any other key keeps writing"
    );
    for _ in 0..3 {
        assert!(app.update(key(KeyCode::Backspace)).is_empty());
    }
    let change = the_change(app.update(ctrl('s')));
    assert_eq!(
        change.note.as_deref(),
        Some("Loket 2 tutup 🙂\nSK No. 12/2024 — é 漢字")
    );
    // Ctrl-A / Ctrl-E move to the start and end of the line.
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    drop(app.update(Action::Note));
    drop(app.update(ctrl('a')));
    type_text(&mut app, ">");
    drop(app.update(ctrl('e')));
    type_text(&mut app, "<");
    let Modal::Note(edit) = &app.modal else {
        panic!("no editor")
    };
    assert_eq!(
        edit.editor.text(),
        "Loket 2 tutup 🙂\n>SK No. 12/2024 — é 漢字<"
    );
    // A discarded change asks for nothing; Esc on an unchanged note closes it.
    app.press_esc_and_discard();
    drop(app.update(Action::Note));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert_eq!(app.modal, Modal::None);
    assert_eq!(
        app.status,
        Status::Info("The note's changes were discarded.".into())
    );
}

#[test]
fn pasted_text_goes_into_the_note_without_control_characters() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    drop(app.update(Action::Note));
    drop(app.update(Msg::Paste("a\x1b[2Jb\r\nc\u{202E}d".into())));
    let change = the_change(app.update(ctrl('s')));
    assert_eq!(change.note.as_deref(), Some("a\u{FFFD}[2Jb\nc\u{FFFD}d"));
}

#[test]
fn undo_stays_within_the_product_on_screen_and_redo_makes_it_again() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product();
    drop(commit(&mut app, Action::Tick)); // sk-standar ✓, on to dasar-hukum
    drop(app.update(Action::Note));
    type_text(&mut app, "catatan");
    let change = the_change(app.update(ctrl('s')));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    // On the agency list, and on another product: nothing there to undo, and the
    // status says where the last change is; nothing is asked of the store.
    for a in [Action::Back, Action::Back, Action::Back, Action::Down] {
        act(&mut app, a);
    }
    assert!(app.update(Action::Undo).is_empty());
    assert_eq!(
        app.status,
        Status::Info("The last change was in 81/DPMPTSP/NIB: open it to undo there.".into())
    );
    let ktp = app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    drop(app.open_checklist(ktp, None));
    assert!(app.update(Action::Undo).is_empty());
    assert_eq!(
        app.status,
        Status::Info(
            "Nothing to undo in KTP-EL; the last change was in 81/DPMPTSP/NIB (open it to undo there)."
                .into()
        )
    );
    assert_eq!(
        checklist(&app).product(),
        ktp,
        "undo did not jump elsewhere"
    );
    // On the product: exactly the last change, the note, and the cursor goes to it.
    drop(app.open_checklist(p, None));
    let change = the_change(app.update(Action::Undo));
    assert_eq!(checklist(&app).on(), IndicatorIx::new(1));
    assert_eq!((change.value, change.note.as_deref()), (None, Some("")));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].notes[1], "");
    assert_eq!(
        app.status,
        Status::Saved("Undone: the note of NIB · dasar-hukum is empty again.".into())
    );
    let change = the_change(app.update(Action::Undo));
    assert_eq!(checklist(&app).on(), IndicatorIx::new(0));
    assert_eq!(
        (change.value, change.note.as_deref()),
        (Some(Value::Unanswered), None)
    );
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].values[0], Value::Unanswered);
    assert_eq!(
        app.status,
        Status::Saved("Undone: NIB · sk-standar back to unanswered (was ✓).".into())
    );
    assert_eq!(
        checklist(&app).on(),
        IndicatorIx::new(0),
        "undo does not move the cursor on"
    );
    assert!(app.update(Action::Undo).is_empty());
    assert_eq!(
        app.status,
        Status::Info("Nothing of this session to undo.".into())
    );
    // Redo (Ctrl-R) makes them again, in order.
    let change = the_change(app.update(ctrl('r')));
    assert!(matches!(change.origin, Origin::Redo(_)));
    assert_eq!(change.value, Some(Value::Level(1)));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(
        app.status,
        Status::Saved("Redone: NIB · sk-standar = ✓ again (was unanswered).".into())
    );
    let change = the_change(app.update(ctrl('r')));
    assert_eq!(change.note.as_deref(), Some("catatan"));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.ds.products[p].notes[1], "catatan");
    assert!(app.update(ctrl('r')).is_empty());
    assert_eq!(app.status, Status::Info("Nothing to redo.".into()));
    // A new change of the product: what was undone there cannot be redone any more.
    let change = the_change(app.update(Action::Undo));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.redo.len(), 1);
    drop(commit(&mut app, Action::Value0));
    assert!(app.redo.is_empty());
    // A change that changed nothing (no audit row) is not undoable.
    act(&mut app, Action::Up); // sk-standar, 0
    let before = app.undo.len();
    let change = the_change(app.update(Action::Clear));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    let change = the_change(app.update(Action::Clear));
    let outcome = committed(&app, change);
    drop(app.update(outcome));
    assert_eq!(app.undo.len(), before + 1);
}

#[test]
fn evidence_is_read_in_the_background_then_attached_or_cancelled() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    let p = checklist(&app).product();
    drop(app.update(Action::Evidence));
    // An empty reference is refused, the prompt stays.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(app.modal, Modal::Evidence { digest: None, .. }));
    assert_eq!(
        app.status,
        Status::Error("Write a file path or a document number.".into())
    );
    type_text(&mut app, "~/bukti/sk.pdf");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, reference }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(reference, "~/bukti/sk.pdf");
    let job = *job;
    // Reading: progress is shown, keys other than cancel do nothing.
    drop(app.update(Outcome::DigestProgress {
        job,
        done: 5_000_000,
        total: 400_000_000_000,
    }));
    assert!(matches!(
        app.modal,
        Modal::Evidence {
            digest: Some(Digesting {
                done: 5_000_000,
                ..
            }),
            ..
        }
    ));
    type_text(&mut app, "zz");
    assert!(
        matches!(&app.modal, Modal::Evidence { input, .. } if input.text() == "~/bukti/sk.pdf")
    );
    // Esc cancels: the reading stops, the prompt keeps what was typed.
    let effects = app.update(key(KeyCode::Esc));
    assert!(matches!(&effects[..], [Effect::CancelDigest { job: j }] if *j == job));
    assert!(
        matches!(&app.modal, Modal::Evidence { digest: None, input, .. } if input.text() == "~/bukti/sk.pdf")
    );
    assert_eq!(
        app.status,
        Status::Info("Cancelled: the file is no longer read, no evidence was saved.".into())
    );
    // A result of the cancelled reading that arrives late is ignored.
    let file = FileDigest {
        size: 3,
        sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
    };
    assert!(
        app.update(Outcome::Digested {
            job,
            path: "/home/x/bukti/sk.pdf".into(),
            result: Ok(Named::File(file.clone())),
        })
        .is_empty()
    );
    // Again, to the end: the digest is attached, and only then said saved.
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let effects = app.update(Outcome::Digested {
        job: *job,
        path: "/home/x/bukti/sk.pdf".into(),
        result: Ok(Named::File(file.clone())),
    });
    let [Effect::Attach(attach)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (attach.reference.as_str(), &attach.file),
        ("~/bukti/sk.pdf", &Some(file))
    );
    let attach: Attach = attach.clone();
    let effects = app.update(Outcome::Attached {
        attach,
        result: Ok(7),
    });
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.ds.products[p].evidence[0], 1);
    assert!(matches!(&effects[..], [Effect::LoadEvidence { .. }]));
    assert_eq!(
        app.status,
        Status::Saved("Saved: evidence ~/bukti/sk.pdf (3 bytes, sha256 ba7816bf8f01…)".into())
    );
    // A file that cannot be read: said so, the prompt stays.
    drop(app.update(Action::Evidence));
    type_text(&mut app, "/root/secret");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(
        app.update(Outcome::Digested {
            job: *job,
            path: "/root/secret".into(),
            result: Err(Failure::File {
                path: "/root/secret".into(),
                problem: FileProblem::PermissionDenied,
            }),
        })
        .is_empty()
    );
    assert!(matches!(app.modal, Modal::Evidence { digest: None, .. }));
    assert_eq!(
        app.status,
        Status::Error(
            "/root/secret: cannot read the file (permission denied); nothing was saved.".into()
        )
    );
}

#[test]
fn filter_is_incremental_and_ignores_case_and_accents() {
    let mut app = demo_app(Lang::En);
    act(&mut app, Action::Filter);
    assert_eq!(app.modal, Modal::Filter);
    type_text(&mut app, "ÁMBON");
    let shown = |app: &App| -> Vec<String> {
        app.nav_top()
            .shown
            .iter()
            .map(|&node| app.item_text(node).0.to_string())
            .collect()
    };
    assert_eq!(shown(&app), ["8171"]);
    for _ in 0..5 {
        drop(app.update(key(KeyCode::Backspace)));
    }
    type_text(&mut app, "kabupaten bur");
    assert_eq!(shown(&app), ["8104"]);
    drop(app.update(key(KeyCode::Enter))); // keep the filter, back to the list
    assert_eq!(app.modal, Modal::None);
    act(&mut app, Action::Open);
    assert_eq!(
        app.nav_top().depth,
        NavDepth::Units(app.ds.find_agency("8104").unwrap())
    );
    act(&mut app, Action::Back);
    act(&mut app, Action::Back); // first Esc clears the filter
    assert_eq!(app.nav_top().shown.len(), app.ds.agencies.len());
    assert_eq!(
        app.nav_top().current(),
        app.ds.find_agency("8104").map(Node::Agency),
        "the selection stays"
    );
    // Ctrl-U clears what was typed; Esc clears and closes.
    act(&mut app, Action::Filter);
    type_text(&mut app, "zzz");
    assert!(app.nav_top().shown.is_empty());
    drop(app.update(ctrl('u')));
    assert_eq!(app.nav_top().filter, "");
    assert_eq!(app.modal, Modal::Filter);
    type_text(&mut app, "zzz");
    drop(app.update(key(KeyCode::Esc)));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.nav_top().shown.len(), app.ds.agencies.len());
}

#[test]
fn resumes_where_the_assessor_left_off() {
    let mut app = demo_app(Lang::En);
    let at = crate::tui::effect::Position {
        path: "8171/DUKCAPIL/KTP-EL".into(),
        indicator: Some("persyaratan".into()),
        checklist: true,
    };
    let effects = app.resume(Some(at));
    let c = checklist(&app).clone();
    assert_eq!(app.ds.product_path(c.product()), "8171/DUKCAPIL/KTP-EL");
    assert_eq!(app.ds.indicator(c.product(), c.on()).id, "persyaratan");
    assert!(matches!(&effects[0], Effect::LoadEvidence { .. }));
    assert_eq!(
        app.status,
        Status::Info("Resuming at 8171/DUKCAPIL/KTP-EL. Press ? for help.".into())
    );
    act(&mut app, Action::Back);
    assert_eq!(app.highlighted_product(), Some(c.product()));
    // A product that is gone: the agency list, as for a first start.
    let mut app = demo_app(Lang::En);
    let gone = crate::tui::effect::Position {
        path: "0000/X/Y".into(),
        indicator: None,
        checklist: true,
    };
    assert!(app.resume(Some(gone)).is_empty());
    assert_eq!(app.screen, Screen::Navigator);
}

#[test]
fn dashboard_ranks_agencies_and_opens_one() {
    let mut app = demo_app(Lang::En);
    let ambon = app.ds.find_agency("8171").unwrap();
    let ktp = app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    drop(app.open_checklist(ktp, None));
    drop(commit(&mut app, Action::Tick));
    act(&mut app, Action::Dashboard);
    let Screen::Dashboard(d) = &app.screen else {
        panic!("no dashboard")
    };
    assert_eq!(
        d.ranking[0], ambon,
        "the only agency with points ranks first"
    );
    assert_eq!(d.ranking.len(), app.ds.agencies.len());
    act(&mut app, Action::Open);
    assert_eq!(app.screen, Screen::Navigator);
    assert_eq!(app.nav_top().depth, NavDepth::Units(ambon));
    act(&mut app, Action::NextPane);
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "Tab switches to the dashboard"
    );
    act(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
}

#[test]
fn help_language_export_and_quit() {
    let mut app = demo_app(Lang::Id);
    act(&mut app, Action::Help);
    assert_eq!(app.modal, Modal::Help { scroll: 0 });
    drop(app.update(key(KeyCode::Char('j'))));
    assert_eq!(app.modal, Modal::Help { scroll: 1 });
    for _ in 0..500 {
        drop(app.update(key(KeyCode::Char('j'))));
    }
    let Modal::Help { scroll } = app.modal else {
        panic!()
    };
    let lines = crate::tui::help::lines(app.t(), &app.keymap, None).len();
    assert!(usize::from(scroll) < lines, "scrolling stops at the end");
    drop(app.update(key(KeyCode::Char('q'))));
    assert_eq!(app.modal, Modal::None, "q closes the help");
    assert!(!app.quit);
    drop(app.update(key(KeyCode::Char('L'))));
    assert_eq!(app.lang, Lang::En);
    assert_eq!(app.status, Status::Info("Language: English.".into()));
    // X asks the runtime where to propose (clock, home dir), then the prompt opens.
    let effects = app.update(key(KeyCode::Char('X')));
    assert!(matches!(&effects[..], [Effect::SuggestExportPath]));
    drop(app.update(Outcome::ExportPathSuggested("/home/x/p.patuh".into())));
    assert!(matches!(&app.modal, Modal::Export { input, .. } if input.text() == "/home/x/p.patuh"));
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(&effects[..], [Effect::Export { path }] if path == "/home/x/p.patuh"));
    assert_eq!(app.modal, Modal::None);
    drop(app.update(Outcome::Exported(Err(Failure::NoKey))));
    assert_eq!(
        app.status,
        Status::Error(
            "No signing key yet: create one with `patuh keys init --name NAME --id ID`, then export again."
                .into()
        )
    );
    drop(app.update(key(KeyCode::Char('q'))));
    assert!(app.quit);
}

#[test]
fn config_language_and_keys_are_used() {
    let config = Config::parse(
        "language = \"en\"\n[keys]\nquit = \"Q\"\nbogus = \"z\"\n",
        "config.toml",
    );
    let mut app = demo_app_with(Lang::Id, &[], config);
    assert_eq!(app.lang, Lang::En, "the config overrides LANG");
    assert!(matches!(&app.status, Status::Error(m) if m.contains("keys.bogus")));
    drop(app.update(key(KeyCode::Char('q'))));
    assert!(!app.quit);
    drop(app.update(key(KeyCode::Char('Q'))));
    assert!(app.quit);
}

#[test]
fn a_rebound_note_editor_key_saves_and_the_old_one_types() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[keys.editor]\nsave = \"ctrl-w\"\nline_start = \"alt-h\"\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let config = Config::parse(&text, &file.display().to_string());
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let mut app = demo_app_with(Lang::En, &[], config);
    open_first_product(&mut app);
    drop(app.update(Action::Note));
    type_text(&mut app, "abc");
    // Ctrl-S no longer saves (and types nothing); the hint and the help say Ctrl-W.
    assert!(app.update(ctrl('s')).is_empty());
    assert!(matches!(app.modal, Modal::Note(_)));
    assert_eq!(
        app.t().editor_hint(&app.keymap),
        "Ctrl-W save · Esc cancel · Enter new line"
    );
    let help: Vec<String> = crate::tui::help::lines(app.t(), &app.keymap, None)
        .iter()
        .map(|l| l.text())
        .collect();
    assert!(
        help.iter()
            .any(|l| l.starts_with("  Ctrl-W ") && l.contains("save the note")),
        "{help:?}"
    );
    assert!(
        help.iter()
            .any(|l| l.contains("3. n writes a note (Ctrl-W saves)")),
        "{help:?}"
    );
    let change = the_change(app.update(ctrl('w')));
    assert_eq!(change.note.as_deref(), Some("abc"));
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    act(&mut app, Action::Bottom);
    drop(app.update(Msg::Resize(200, 60)));
    drop(app.update(Msg::Resize(80, 24)));
    let c = checklist(&app).clone();
    let rows = checklist_rows(app.ds.instrument_of_product(c.product()));
    let row = rows
        .iter()
        .position(|r| *r == Row::Indicator(c.on()))
        .unwrap();
    assert!(c.offset <= row && row < c.offset + app.page());
    drop(app.update(Msg::Resize(20, 5))); // too small: nothing breaks
    act(&mut app, Action::Up);
}

#[test]
fn stopping_saves_the_note_being_written_and_the_position() {
    let mut app = demo_app(Lang::En);
    open_first_product(&mut app);
    drop(app.update(Action::Note));
    type_text(&mut app, "setengah ditulis  ");
    let effects = app.shutdown();
    let [Effect::Record(change), Effect::RememberPosition(at)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(change.note.as_deref(), Some("setengah ditulis"));
    assert_eq!(change.origin, Origin::Shutdown);
    assert_eq!(
        (at.path.as_str(), at.indicator.as_deref(), at.checklist),
        ("81/DPMPTSP/NIB", Some("sk-standar"), true)
    );
    // An unchanged editor saves nothing.
    drop(app.update(Action::Note));
    let effects = app.shutdown();
    assert!(matches!(&effects[..], [Effect::RememberPosition(_)]));
}

#[test]
fn a_read_only_workstation_asks_for_no_write() {
    let mut ro = demo_app(Lang::En);
    ro.set_read_only(Some("process 4242, user siti".into()));
    open_first_product(&mut ro);
    for action in [
        Action::Tick,
        Action::Value1,
        Action::NotApplicable,
        Action::Clear,
        Action::Note,
        Action::Evidence,
        Action::Undo,
        Action::Finalize,
    ] {
        ro.status = Status::None;
        assert!(ro.update(action).is_empty(), "{action:?}");
        match &ro.status {
            Status::Error(m) => {
                assert!(m.contains("Read-only") && m.contains("process 4242"), "{m}")
            }
            other => panic!("not refused: {other:?}"),
        }
        assert_eq!(ro.modal, Modal::None, "{action:?} opened a dialog");
    }
    assert!(ro.shutdown().is_empty(), "not even the position");
    // Data reloaded from the file replaces what is shown, scores included.
    let p = checklist(&ro).product();
    let mut ds = ro.ds.clone();
    ds.products[p].values[0] = Value::Level(1);
    let effects = ro.update(Outcome::Reloaded(Box::new(ds)));
    assert_eq!(ro.ds.products[p].values[0], Value::Level(1));
    assert_eq!(ro.book.product_summary(p).answered, 1);
    assert!(matches!(&effects[..], [Effect::LoadEvidence { .. }]));
    // Data of another shape is not taken (the positions would point elsewhere).
    let mut other = ro.ds.clone();
    other.products.pop();
    drop(ro.update(Outcome::Reloaded(Box::new(other))));
    assert_eq!(ro.ds.products.len(), demo_app(Lang::En).ds.products.len());
    assert!(matches!(&ro.status, Status::Error(m) if m.contains("quit and start again")));
}
