//! An assessor's day (issue 13) in the state, without a database: heads-down entry
//! and the keys it takes, the jumps to what is unanswered, the checklist's filter and
//! the search, undo and redo of evidence and finalization, the finalize question's
//! list, the product states, messages that wrap, expire and are said in the UI's
//! language, the assessor's name, evidence paths, the history, and going back to the
//! dashboard. The test plays the runtime's part by hand.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use super::find::ProductState;
use super::*;
use crate::domain::Value;
use crate::domain::model::NodeRef;
use crate::domain::model::{IndicatorIx, Ix};
use crate::store::{EvidenceRow, RecordOutcome};
use crate::tui::effect::{EvidenceAt, FileKind, FileProblem, Named, Origin, PathFor};
use crate::tui::testing::{ctrl, demo_app, demo_app_with, key, type_text};

/// Plays the store: commits every change asked for (as the store would), attaches
/// evidence with ids 100, 101, ..., finalizes; returns what else was asked.
fn run(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut rest = Vec::new();
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    let mut next_id = 100;
    while let Some(e) = queue.pop_front() {
        let outcome = match e {
            Effect::Record(change) => {
                let product = &app.ds.products[change.product()];
                let (old_value, old_note) = (
                    product.value(change.indicator),
                    product.note(change.indicator).to_string(),
                );
                Outcome::Recorded {
                    change,
                    result: Ok(RecordOutcome {
                        old_value,
                        old_note,
                        audit_rows: 1,
                    }),
                }
            }
            Effect::SetFinal {
                node,
                reopen,
                origin,
                ..
            } => Outcome::FinalSet {
                node,
                finalized: reopen.is_none(),
                origin,
                result: Ok(()),
            },
            Effect::Attach(attach) => {
                next_id += 1;
                Outcome::Attached {
                    attach,
                    result: Ok(next_id),
                }
            }
            Effect::MoveEvidence(mv) => {
                next_id += 1;
                let now = match mv.from {
                    EvidenceAt::Attached(_) => EvidenceAt::Removed(next_id),
                    EvidenceAt::Removed(_) => EvidenceAt::Attached(next_id),
                };
                Outcome::EvidenceMoved {
                    mv,
                    result: Ok(now),
                }
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        queue.extend(app.update(outcome));
    }
    rest
}

fn press(app: &mut App, k: crossterm::event::KeyEvent) -> Vec<Effect> {
    let effects = app.update(k);
    run(app, effects)
}

fn act(app: &mut App, a: Action) -> Vec<Effect> {
    let effects = app.update(a);
    run(app, effects)
}

fn ch(c: char) -> crossterm::event::KeyEvent {
    key(KeyCode::Char(c))
}

/// Types text into a filter, whose list follows each key (reading the evidence of
/// the indicator it moves to).
fn typing(app: &mut App, text: &str) {
    for c in text.chars() {
        let effects = app.update(ch(c));
        assert!(
            effects
                .iter()
                .all(|e| matches!(e, Effect::LoadEvidence { .. })),
            "{effects:?}"
        );
    }
}

fn checklist(app: &App) -> &Checklist {
    app.checklist().expect("on a checklist")
}

fn at(app: &App) -> String {
    let c = checklist(app);
    app.ds.indicator(c.product(), c.on()).id.clone()
}

fn open_nib(app: &mut App) {
    let nib = app.ds.find_product("81/DPMPTSP/NIB").unwrap();
    drop(app.open_checklist(nib, None));
}

#[test]
fn an_answer_moves_the_cursor_on_unless_the_config_says_not() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    assert_eq!(at(&app), "sk-standar");
    press(&mut app, ch(' '));
    assert_eq!(at(&app), "dasar-hukum", "Space answers and moves on");
    press(&mut app, ch('0'));
    assert_eq!(at(&app), "persyaratan", "a digit too");
    press(&mut app, ch('x'));
    assert_eq!(at(&app), "prosedur", "x too");
    // Clearing is not an answer: the cursor stays, and so does x on N/A (which
    // clears it).
    act(&mut app, Action::Up);
    press(&mut app, ch('x'));
    assert_eq!(at(&app), "persyaratan");
    press(&mut app, ch('c'));
    assert_eq!(at(&app), "persyaratan");
    // Not before the store has committed it: a refused answer leaves it where it is.
    let effects = app.update(ch('1'));
    let [Effect::Record(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    drop(app.update(Outcome::Recorded {
        change: change.clone(),
        result: Err(crate::tui::effect::Failure::Busy),
    }));
    assert_eq!(at(&app), "persyaratan");
    // The last indicator stays; the product is complete and the status says what next.
    act(&mut app, Action::Bottom);
    for _ in 0..40 {
        if app.unanswered(checklist(&app).product()).is_empty() {
            break;
        }
        let first = app.unanswered(checklist(&app).product())[0];
        app.go_to_indicator(first);
        press(&mut app, ch('1'));
    }
    act(&mut app, Action::Bottom);
    press(&mut app, ch('0'));
    assert_eq!(at(&app), "evaluasi-kinerja");
    assert_eq!(
        app.status,
        Status::Saved(
            "Saved: NIB · evaluasi-kinerja = ✗ · product complete: f finalizes, ] goes to the next"
                .into()
        )
    );

    // auto_advance = false in config.toml: the cursor stays.
    let config = Config::parse("auto_advance = false\n", "config.toml");
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let mut app = demo_app_with(Lang::En, &[], config);
    open_nib(&mut app);
    press(&mut app, ch(' '));
    assert_eq!(at(&app), "sk-standar");
    let bad = Config::parse("auto_advance = \"ya\"\n", "config.toml");
    assert!(bad.advance, "a bad value keeps the default");
    assert_eq!(
        bad.warnings[0].text(Lang::Id),
        "config.toml: auto_advance = \"ya\": tulis true atau false"
    );
}

/// The keys an assessor presses to fill the demo's 36-indicator product
/// (kepatuhan-2021) without notes and finalize it, from the first screen.
pub fn keys_to_fill_a_product(app: &mut App) -> usize {
    let mut keys = 0;
    let mut press_key = |app: &mut App, k| {
        keys += 1;
        press(app, k);
        assert!(keys < 100, "the cursor does not move on");
    };
    press_key(app, ch(']'));
    let p = checklist(app).product();
    while !app.unanswered(p).is_empty() {
        press_key(app, ch(' '));
    }
    press_key(app, ch('f'));
    press_key(app, ch('y'));
    keys
}

#[test]
fn filling_the_demo_product_takes_at_most_40_keys() {
    let mut app = demo_app(Lang::Id);
    let keys = keys_to_fill_a_product(&mut app);
    let p = checklist(&app).product();
    assert_eq!(app.ds.product_path(p), "81/DPMPTSP/NIB");
    assert_eq!(app.ds.instrument_of_product(p).id, "kepatuhan-2021");
    assert!(app.ds.products[p].finalized);
    assert!(app.unanswered(p).is_empty());
    assert_eq!(keys, 39, "] + 36 answers + f y");
    assert!(keys <= 40);
}

#[test]
fn brackets_go_to_what_is_unanswered_in_the_product_then_the_unit() {
    let mut app = demo_app(Lang::En);
    // From the agency list: the first product not finished, on its first unanswered.
    act(&mut app, Action::NextUnanswered);
    let nib = checklist(&app).product();
    assert_eq!(app.ds.product_path(nib), "81/DPMPTSP/NIB");
    assert_eq!(at(&app), "sk-standar");
    assert_eq!(
        app.status,
        Status::Info("NIB: 36 indicator(s) unanswered.".into())
    );
    // Answered ones are skipped, forward and back, round the product.
    app.advance = false;
    press(&mut app, ch('1'));
    act(&mut app, Action::Down);
    press(&mut app, ch('1'));
    act(&mut app, Action::Top);
    act(&mut app, Action::NextUnanswered);
    assert_eq!(at(&app), "persyaratan");
    act(&mut app, Action::PrevUnanswered);
    assert_eq!(at(&app), "evaluasi-kinerja", "round the product");
    // Nothing left in the product: the next product of the unit not finished.
    for i in 0..36 {
        app.ds.products[nib].values[i] = Value::Level(1);
    }
    app.book = crate::domain::model::ScoreBook::compute(&app.ds);
    let unit = app.ds.products[nib].unit;
    let products = app.ds.units[unit].products.clone();
    app.ds.products[products[1]].finalized = true; // skipped: final
    act(&mut app, Action::NextUnanswered);
    assert_eq!(checklist(&app).product(), products[2]);
    let code = app.ds.products[products[2]].code.clone();
    assert_eq!(
        app.status,
        Status::Info(format!("{code}: 36 indicator(s) unanswered."))
    );
    act(&mut app, Action::PrevUnanswered);
    assert_eq!(
        checklist(&app).product(),
        products[2],
        "the product has its own unanswered ones"
    );
    // A unit with nothing left says so.
    for &q in &products {
        app.ds.products[q].finalized = true;
    }
    act(&mut app, Action::NextUnanswered);
    assert_eq!(
        app.status,
        Status::Info("Every product of unit DPMPTSP is complete or finalized.".into())
    );
}

#[test]
fn the_dimension_heading_stays_in_view_when_the_checklist_scrolls() {
    use super::nav::checklist_offset;
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    act(&mut app, Action::PageDown);
    act(&mut app, Action::PageDown);
    let c = checklist(&app).clone();
    let rows = app.rows(&c);
    let page = app.page();
    let row = rows
        .iter()
        .position(|r| *r == Row::Indicator(c.on()))
        .unwrap();
    // An indicator at the top: its heading is drawn over the first line, so the
    // selection is within the rows below it.
    if matches!(rows[c.offset], Row::Indicator(_)) {
        assert!(row > c.offset && row < c.offset + page - 1 + 1);
    }
    // The rules on a small list: 0 heading, 1..=3 indicators, 4 heading, 5..=9.
    let rows: Vec<Row> = [0usize, 1, 2, 3]
        .iter()
        .map(|&d| {
            if d == 0 {
                Row::Dimension(0)
            } else {
                Row::Indicator(IndicatorIx::new(d))
            }
        })
        .chain(std::iter::once(Row::Dimension(1)))
        .chain((5..10).map(|i| Row::Indicator(IndicatorIx::new(i))))
        .collect();
    // A dimension's first indicator comes with its heading.
    assert_eq!(checklist_offset(&rows, 5, 0, 4), 3);
    assert_eq!(checklist_offset(&rows, 5, 5, 4), 4);
    // Scrolling down, one row is kept for the sticky heading.
    assert_eq!(checklist_offset(&rows, 8, 4, 4), 6);
    // After a resize to a taller terminal the list fills its space.
    assert_eq!(checklist_offset(&rows, 9, 7, 8), 3);
    assert_eq!(checklist_offset(&rows, 9, 7, 20), 0);
}

#[test]
fn slash_filters_the_checklist_and_typed_letters_run_no_command() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    act(&mut app, Action::Filter);
    assert_eq!(app.modal, Modal::Filter);
    // "e" is the evidence key, "q" quits, "x" is N/A: here they are letters.
    for c in "eqx".chars() {
        let effects = app.update(ch(c));
        assert!(
            effects
                .iter()
                .all(|e| matches!(e, Effect::LoadEvidence { .. })),
            "{effects:?}"
        );
    }
    assert!(!app.quit);
    assert_eq!(app.modal, Modal::Filter);
    drop(app.update(ctrl('u')));
    typing(&mut app, "RUANG");
    let c = checklist(&app).clone();
    let shown: Vec<String> = app
        .shown_indicators(&c)
        .iter()
        .map(|&i| app.ds.indicator(c.product(), i).id.clone())
        .collect();
    assert_eq!(
        shown,
        ["ruang-tunggu", "ruang-laktasi", "ruang-bermain-anak"]
    );
    assert_eq!(at(&app), "ruang-tunggu", "the cursor goes to what is shown");
    // The English labels match too.
    drop(app.update(ctrl('u')));
    typing(&mut app, "waiting");
    assert_eq!(
        app.shown_indicators(&checklist(&app).clone()).len(),
        1,
        "Waiting room"
    );
    drop(app.update(ctrl('u')));
    typing(&mut app, "ruang");
    drop(app.update(key(KeyCode::Enter)));
    assert_eq!(app.modal, Modal::None);
    // Answers move on among what is shown.
    press(&mut app, ch(' '));
    assert_eq!(at(&app), "ruang-laktasi");
    act(&mut app, Action::Down);
    act(&mut app, Action::Down);
    assert_eq!(at(&app), "ruang-bermain-anak", "the last one shown");
    // Back clears the filter first, then leaves the checklist.
    act(&mut app, Action::Back);
    assert!(checklist(&app).filter.is_empty());
    assert_eq!(at(&app), "ruang-bermain-anak");
    act(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
    // A filter nothing passes: nothing to answer.
    open_nib(&mut app);
    act(&mut app, Action::Filter);
    typing(&mut app, "zzz");
    drop(app.update(key(KeyCode::Enter)));
    assert!(app.update(Action::Tick).is_empty());
    assert_eq!(
        app.status,
        Status::Info("Nothing matches the filter.".into())
    );
}

#[test]
fn the_search_finds_anything_by_name_and_goes_there() {
    let mut app = demo_app(Lang::En);
    act(&mut app, Action::Search);
    // Letters are the query, never commands.
    type_text(&mut app, "qx ");
    assert!(!app.quit);
    drop(app.update(ctrl('u')));
    type_text(&mut app, "kota ambon");
    let Modal::Search(search) = &app.modal else {
        panic!("no search")
    };
    let ambon = app.ds.find_agency("8171").unwrap();
    assert_eq!(search.hits[0], Hit::Agency(ambon));
    drop(app.update(key(KeyCode::Enter)));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.nav_top().depth, NavDepth::Units(ambon));
    // A product: Ctrl-F opens the search too; Enter opens its checklist.
    drop(app.update(ctrl('f')));
    type_text(&mut app, "ktp-el");
    drop(app.update(key(KeyCode::Enter)));
    let ktp = app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    assert_eq!(checklist(&app).product(), ktp);
    // On a checklist, its indicators come first; Enter goes to the one highlighted.
    act(&mut app, Action::Search);
    type_text(&mut app, "toilet");
    let Modal::Search(search) = &app.modal else {
        panic!("no search")
    };
    assert_eq!(
        search.hits[..2],
        [
            Hit::Indicator(NodeRef::Product(ktp), IndicatorIx::new(16)),
            Hit::Indicator(NodeRef::Product(ktp), IndicatorIx::new(23))
        ]
    );
    drop(app.update(key(KeyCode::Down)));
    drop(app.update(key(KeyCode::Enter)));
    assert_eq!(at(&app), "toilet-disabilitas");
    // Esc closes it, going nowhere.
    act(&mut app, Action::Search);
    type_text(&mut app, "nib");
    drop(app.update(key(KeyCode::Esc)));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(checklist(&app).product(), ktp);
}

#[test]
fn the_finalize_question_lists_what_is_unanswered_and_enter_goes_there() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    press(&mut app, ch('1'));
    press(&mut app, ch('1'));
    let p = checklist(&app).product();
    act(&mut app, Action::Finalize);
    // The cursor's indicator (unanswered) is the one highlighted.
    assert_eq!(
        app.modal,
        Modal::ConfirmFinalize {
            node: NodeRef::Product(p),
            selected: 0
        }
    );
    assert_eq!(app.unanswered(p).len(), 34);
    drop(app.update(ch('j')));
    drop(app.update(ch('j')));
    drop(app.update(ch('k')));
    assert_eq!(
        app.modal,
        Modal::ConfirmFinalize {
            node: NodeRef::Product(p),
            selected: 1
        }
    );
    drop(app.update(key(KeyCode::Enter)));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(at(&app), "prosedur");
    assert!(!app.ds.products[p].finalized);
    // Any other key still cancels.
    act(&mut app, Action::Finalize);
    drop(app.update(ch('z')));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.status, Status::Info("Cancelled.".into()));
}

#[test]
fn each_product_is_not_started_in_progress_complete_or_final() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    let p = checklist(&app).product();
    assert_eq!(app.product_state(p), ProductState::NotStarted);
    press(&mut app, ch('x'));
    assert_eq!(app.product_state(p), ProductState::InProgress);
    while let Some(&i) = app.unanswered(p).first() {
        app.go_to_indicator(i);
        press(&mut app, ch('0'));
    }
    assert_eq!(app.product_state(p), ProductState::Complete);
    act(&mut app, Action::Finalize);
    press(&mut app, ch('y'));
    assert_eq!(app.product_state(p), ProductState::Final);
    assert_eq!(
        [
            ProductState::NotStarted,
            ProductState::InProgress,
            ProductState::Complete,
            ProductState::Final
        ]
        .map(|s| crate::tui::text::ID.state(s)),
        ["belum mulai", "berjalan", "lengkap", "final"]
    );
}

#[test]
fn undo_takes_back_evidence_and_finalization_and_redo_makes_them_again() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    let p = checklist(&app).product();
    let i = checklist(&app).on();
    // Evidence attached (a document number, confirmed).
    act(&mut app, Action::Evidence);
    type_text(&mut app, "SK 1/2025");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let effects = app.update(Outcome::Digested {
        job: *job,
        path: "SK 1/2025".into(),
        result: Ok(Named::Nothing),
    });
    assert!(effects.is_empty());
    assert!(matches!(app.modal, Modal::ConfirmDocument { .. }));
    press(&mut app, ch('y'));
    assert_eq!(app.ds.products[p].evidence[i.index()], 1);
    // Undo removes it (kept), redo puts it back, each saying so.
    let effects = app.update(Action::Undo);
    assert!(
        matches!(&effects[..], [Effect::MoveEvidence(mv)] if mv.from == EvidenceAt::Attached(101) && matches!(mv.origin, Origin::Undo(_))),
        "{effects:?}"
    );
    run(&mut app, effects);
    assert_eq!(app.ds.products[p].evidence[i.index()], 0);
    assert_eq!(
        app.status,
        Status::Saved(
            "Undone: evidence SK 1/2025 removed from NIB · sk-standar (kept in the audit log)."
                .into()
        )
    );
    act(&mut app, Action::Redo);
    assert_eq!(app.ds.products[p].evidence[i.index()], 1);
    assert_eq!(
        app.status,
        Status::Saved("Redone: evidence SK 1/2025 is back on NIB · sk-standar.".into())
    );
    // The remove key: choose, confirm; then undo puts it back.
    let row = EvidenceRow {
        id: 55,
        reference: "SK 1/2025".into(),
        size: None,
        sha256: None,
        added_at: String::new(),
        added_by: String::new(),
    };
    drop(app.update(Outcome::EvidenceLoaded {
        node: NodeRef::Product(p),
        indicator: i,
        result: Ok(vec![row.clone()]),
    }));
    act(&mut app, Action::RemoveEvidence);
    assert!(matches!(app.modal, Modal::PickEvidence { selected: 0, .. }));
    drop(app.update(key(KeyCode::Enter)));
    assert!(matches!(&app.modal, Modal::ConfirmRemove { row: r, .. } if *r == row));
    let effects = app.update(ch('y'));
    assert!(
        matches!(&effects[..], [Effect::MoveEvidence(mv)] if mv.from == EvidenceAt::Attached(55) && mv.origin == Origin::Key { advance: false })
    );
    run(&mut app, effects);
    assert_eq!(app.ds.products[p].evidence[i.index()], 0);
    assert_eq!(
        app.status,
        Status::Saved(
            "Saved: evidence SK 1/2025 removed from NIB · sk-standar (kept in the audit log)."
                .into()
        )
    );
    act(&mut app, Action::Undo);
    assert_eq!(app.ds.products[p].evidence[i.index()], 1);
    // Finalizing: undo reopens with a reason that says so, redo finalizes again.
    act(&mut app, Action::Finalize);
    press(&mut app, ch('y'));
    assert!(app.ds.products[p].finalized);
    let effects = app.update(Action::Undo);
    assert!(
        matches!(&effects[..], [Effect::SetFinal { reopen: Some(r), .. }] if r == "finalization undone in the workstation"),
        "{effects:?}"
    );
    run(&mut app, effects);
    assert!(!app.ds.products[p].finalized);
    assert_eq!(
        app.status,
        Status::Saved("Undone: 81/DPMPTSP/NIB reopened (it was finalized).".into())
    );
    act(&mut app, Action::Redo);
    assert!(app.ds.products[p].finalized);
    assert_eq!(
        app.status,
        Status::Saved("Redone: 81/DPMPTSP/NIB is finalized again (read-only).".into())
    );
    // A finalized product refuses the undo of a value change (reopen first).
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    press(&mut app, ch('1'));
    app.ds.products[p].finalized = true; // finalized elsewhere
    let effects = app.update(Action::Undo);
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::LoadEvidence { .. })),
        "{effects:?}"
    );
    assert!(matches!(&app.status, Status::Error(m) if m.contains("finalized")));
    assert_eq!(app.undo.len(), 1, "still undoable once reopened");
}

#[test]
fn messages_expire_after_a_while_and_long_ones_wrap() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    press(&mut app, ch('1'));
    let saved = app.status.clone();
    assert!(matches!(saved, Status::Saved(_)));
    let t0 = Instant::now();
    drop(app.update(Msg::Tick(t0)));
    drop(app.update(Msg::Tick(t0 + Duration::from_secs(9))));
    assert_eq!(app.status, saved, "still there after 9 s");
    drop(app.update(Msg::Tick(t0 + MESSAGE_TTL)));
    assert_eq!(app.status, Status::None);
    // A new message starts its own time; an error stays longer.
    app.status = Status::Error("x".into());
    drop(app.update(Msg::Tick(t0 + Duration::from_secs(20))));
    drop(app.update(Msg::Tick(t0 + Duration::from_secs(40))));
    assert_eq!(app.status, Status::Error("x".into()));
    drop(app.update(Msg::Tick(t0 + Duration::from_secs(50))));
    assert_eq!(app.status, Status::None);

    // A message too long for the line wraps: the status bar grows, the checklist
    // gives way and keeps the selection in view.
    let page = app.page();
    act(&mut app, Action::Bottom);
    drop(
        app.update(Outcome::Exported(Err(crate::tui::effect::Failure::File {
            path:
                "/media/flashdisk/laporan/penilaian-kepatuhan-provinsi-maluku-2025/patuh-siti.patuh"
                    .into(),
            problem: FileProblem::PermissionDenied,
        }))),
    );
    let lines = app.status_lines();
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() < 80));
    assert!(lines.concat().contains("permission denied"));
    assert_eq!(app.status_rows() as usize, lines.len());
    assert_eq!(app.page(), page - (lines.len() - 1));
    let c = checklist(&app).clone();
    let row = app
        .rows(&c)
        .iter()
        .position(|r| *r == Row::Indicator(c.on()))
        .unwrap();
    assert!(row < c.offset + app.page());
}

#[test]
fn failures_are_said_in_the_ui_language() {
    use crate::tui::effect::Failure;
    let mut app = demo_app(Lang::Id);
    drop(app.update(Outcome::Exported(Err(Failure::NoKey))));
    assert_eq!(
        app.status,
        Status::Error(
            "Belum ada kunci penanda tangan: buat dengan `patuh keys init --name NAMA --id ID`, lalu ekspor lagi."
                .into()
        )
    );
    let t = &crate::tui::text::ID;
    for (f, id) in [
        (Failure::DiskFull, "Disk penuh"),
        (Failure::Busy, "sedang dipakai patuh lain"),
        (
            Failure::File {
                path: "/x".into(),
                problem: FileProblem::Special(FileKind::Fifo),
            },
            "/x: adalah FIFO (pipa bernama), bukan berkas biasa",
        ),
        (
            Failure::Finalized {
                product: "81/DPMPTSP/NIB".into(),
            },
            "81/DPMPTSP/NIB sudah difinalisasi",
        ),
    ] {
        let text = t.failure(&f);
        assert!(text.contains(id), "{text}");
        let en = crate::tui::text::EN.failure(&f);
        assert_ne!(text, en);
    }
    // Config warnings too.
    let config = Config::parse("[keys]\nfly = \"z\"\n", "config.toml");
    let app = demo_app_with(Lang::Id, &[], config);
    assert!(
        matches!(&app.status, Status::Error(m) if m.starts_with("config.toml: keys.fly: tindakan itu tidak ada")),
        "{:?}",
        app.status
    );
}

#[test]
fn the_language_key_is_remembered_and_esc_returns_to_the_dashboard() {
    let mut app = demo_app(Lang::Id);
    let effects = app.update(ch('L'));
    assert!(matches!(&effects[..], [Effect::RememberLanguage(Lang::En)]));
    // Opened from the dashboard, an agency goes back to it.
    act(&mut app, Action::Dashboard);
    act(&mut app, Action::Down);
    let before = app.screen.clone();
    act(&mut app, Action::Open);
    assert!(matches!(app.nav_top().depth, NavDepth::Units(_)));
    act(&mut app, Action::Back);
    assert_eq!(app.screen, before, "the dashboard, as it was");
    // Opened from the agency list, back to the list.
    act(&mut app, Action::Back);
    act(&mut app, Action::Open);
    act(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
}

#[test]
fn the_history_key_shows_the_audit_rows_newest_first() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    let p = checklist(&app).product();
    let effects = app.update(ch('a'));
    let [
        Effect::LoadHistory {
            node,
            indicator: Some(i),
            path,
            indicator_id,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    assert_eq!((*node, *i), (NodeRef::Product(p), IndicatorIx::new(0)));
    assert_eq!(
        (path.as_str(), indicator_id.as_deref()),
        ("81/DPMPTSP/NIB", Some("sk-standar"))
    );
    let row = |seq, action: &str| crate::store::AuditRow {
        seq,
        at: "2025-03-04T05:06:07Z".into(),
        who: "Siti".into(),
        path: "81/DPMPTSP/NIB".into(),
        indicator: Some("sk-standar".into()),
        action: action.into(),
        old: Some(String::new()),
        new: Some("1".into()),
        prev_hash: String::new(),
        cycle: None,
        respondent: None,
    };
    drop(app.update(Outcome::HistoryLoaded {
        node: NodeRef::Product(p),
        indicator: Some(IndicatorIx::new(0)),
        result: Ok(vec![row(1, "value"), row(2, "note")]),
    }));
    let Modal::History { rows, .. } = &app.modal else {
        panic!("{:?}", app.modal)
    };
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 1]);
    // Tab: the whole product.
    let effects = app.update(key(KeyCode::Tab));
    assert!(matches!(
        &effects[..],
        [Effect::LoadHistory {
            indicator: None,
            indicator_id: None,
            ..
        }]
    ));
    drop(app.update(key(KeyCode::Esc)));
    assert_eq!(app.modal, Modal::None);
}

#[test]
fn the_first_start_asks_the_assessors_name() {
    let mut app = demo_app(Lang::En);
    drop(app.ask_assessor());
    assert!(matches!(app.modal, Modal::Assessor { .. }));
    // Letters are the name, not commands.
    type_text(&mut app, "q");
    assert!(!app.quit);
    drop(app.update(ctrl('u')));
    drop(app.update(key(KeyCode::Backspace)));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(app.status, Status::Error("Write your name.".into()));
    type_text(&mut app, "Siti Aminah");
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(&effects[..], [Effect::SetAssessor(n)] if n == "Siti Aminah"));
    drop(app.update(Outcome::AssessorSet(Ok("Siti Aminah".into()))));
    assert_eq!(app.who, "Siti Aminah");
    assert_eq!(app.modal, Modal::None);
    // Esc leaves it for now, saying under which name changes go meanwhile.
    let mut app = demo_app(Lang::En);
    drop(app.ask_assessor());
    drop(app.update(key(KeyCode::Esc)));
    assert_eq!(app.modal, Modal::None);
    assert_eq!(
        app.status,
        Status::Info(
            "Changes are recorded as Penilai Uji until you give your name (asked again at the next start)."
                .into()
        )
    );
}

#[test]
fn evidence_paths_complete_with_tab_and_a_missing_file_asks_first() {
    let mut app = demo_app(Lang::En);
    open_nib(&mut app);
    act(&mut app, Action::Evidence);
    type_text(&mut app, "~/bukti/sk");
    let effects = app.update(key(KeyCode::Tab));
    assert!(
        matches!(&effects[..], [Effect::CompletePath { typed, purpose: PathFor::Evidence }] if typed == "~/bukti/sk")
    );
    drop(app.update(Outcome::PathsCompleted {
        typed: "~/bukti/sk".into(),
        purpose: PathFor::Evidence,
        paths: vec!["~/bukti/sk-2024.pdf".into(), "~/bukti/sk-2025.pdf".into()],
    }));
    let Modal::Evidence { input, choices, .. } = &app.modal else {
        panic!()
    };
    assert_eq!(input.text(), "~/bukti/sk-202");
    assert_eq!(choices.len(), 2);
    type_text(&mut app, "5");
    let Modal::Evidence { choices, .. } = &app.modal else {
        panic!()
    };
    assert!(choices.is_empty(), "typing on: the choices go");
    drop(app.update(Outcome::PathsCompleted {
        typed: "~/bukti/sk-2025".into(),
        purpose: PathFor::Evidence,
        paths: vec!["~/bukti/sk-2025.pdf".into()],
    }));
    assert!(
        matches!(&app.modal, Modal::Evidence { input, .. } if input.text() == "~/bukti/sk-2025.pdf")
    );
    // Nothing matches: said.
    drop(app.update(Outcome::PathsCompleted {
        typed: "~/bukti/sk-2025.pdf".into(),
        purpose: PathFor::Evidence,
        paths: vec![],
    }));
    assert_eq!(
        app.status,
        Status::Info("No file's name starts with ~/bukti/sk-2025.pdf.".into())
    );
    // A path that names nothing: a document number? Any other key: back to the prompt.
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    drop(app.update(Outcome::Digested {
        job: *job,
        path: "/home/x/bukti/sk-2025.pdf".into(),
        result: Ok(Named::Nothing),
    }));
    assert!(matches!(app.modal, Modal::ConfirmDocument { .. }));
    assert!(app.update(ch('n')).is_empty());
    assert!(
        matches!(&app.modal, Modal::Evidence { input, digest: None, .. } if input.text() == "~/bukti/sk-2025.pdf")
    );
    // A folder, a FIFO: refused, the prompt stays.
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Digest { job, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    drop(app.update(Outcome::Digested {
        job: *job,
        path: "/dev/zero".into(),
        result: Err(crate::tui::effect::Failure::File {
            path: "/dev/zero".into(),
            problem: FileProblem::Special(FileKind::Device),
        }),
    }));
    assert_eq!(
        app.status,
        Status::Error(
            "/dev/zero is a device: evidence must be a regular file (or a document number). Nothing was saved."
                .into()
        )
    );
    assert!(matches!(app.modal, Modal::Evidence { digest: None, .. }));
}
