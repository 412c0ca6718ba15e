//! Screens drawn on a `TestBackend` and compared with reviewed snapshots (insta), in
//! both languages, on a fixture with a fixed clock, assessor and file name.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::domain::Lang;
use crate::domain::model::IndicatorIx;
use crate::domain::text::is_unsafe_char;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::runtime::Workstation;
use crate::tui::testing::{ctrl, demo_ws, demo_ws_with, key, type_text};

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

fn lang_name(lang: Lang) -> &'static str {
    lang.code()
}

/// Records a few observations so that the screens show several zones and marks.
fn assessed(lang: Lang) -> (tempfile::TempDir, Workstation) {
    let (dir, mut app) = demo_ws(lang);
    // Kota Ambon, Dukcapil, KTP-el: every indicator present -> green (the cursor
    // moves on after each answer).
    let ktp = app.app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    let effects = app.app.open_checklist(ktp, None);
    app.run(effects);
    for _ in 0..app.app.ds.instrument_of_product(ktp).indicators.len() {
        app.update(Action::Tick);
    }
    app.update(Action::Finalize);
    app.update(key(KeyCode::Char('y')));
    // Kota Tual, KK: about two thirds present -> yellow.
    let kk = app.app.ds.find_product("8172/DUKCAPIL/KK").unwrap();
    let effects = app.app.open_checklist(kk, None);
    app.run(effects);
    for n in 0..26 {
        app.update(if n % 5 == 4 {
            Action::Value0
        } else {
            Action::Value1
        });
    }
    // The province's NIB: a few values, N/A, a note and evidence.
    let nib = app.app.ds.find_product("81/DPMPTSP/NIB").unwrap();
    let effects = app.app.open_checklist(nib, None);
    app.run(effects);
    app.update(Action::Tick);
    app.update(Action::Up);
    app.update(Action::Note);
    type_text(
        &mut app,
        "SK Gubernur No. 12/2024 ada 🙂\nDipajang di loket 1",
    );
    app.update(ctrl('s'));
    app.update(Action::Evidence);
    type_text(&mut app, "SK-12/2024");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('y'))); // a document number
    app.update(Action::Down);
    app.update(Action::Value0);
    app.update(Action::NotApplicable);
    app.update(Action::Up);
    app.update(Action::Up);
    app.update(Action::Up);
    (dir, app)
}

#[test]
fn navigator() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, mut app) = assessed(lang);
        app.update(Action::Back);
        app.update(Action::Back);
        app.update(Action::Back);
        app.update(Action::Down);
        insta::assert_snapshot!(
            format!("navigator_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
        app.update(Action::Open);
        app.update(Action::Down);
        app.update(Action::Open);
        insta::assert_snapshot!(
            format!("navigator_products_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
    }
}

#[test]
fn navigator_filter_and_empty_database() {
    let (_dir, mut app) = demo_ws(Lang::En);
    app.update(Action::Filter);
    type_text(&mut app, "kab");
    insta::assert_snapshot!("navigator_filter_en", draw(&app.app, 80, 24).backend());
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        crate::store::Store::open_or_create(&dir.path().join(crate::tui::testing::DB_NAME))
            .unwrap();
    store.set_assessor("Penilai Uji").unwrap();
    for lang in [Lang::Id, Lang::En] {
        let store =
            crate::store::Store::open(&dir.path().join(crate::tui::testing::DB_NAME)).unwrap();
        let app = crate::tui::testing::reopen(store, lang);
        // The database path is a temporary directory: replaced for a stable snapshot.
        let screen = draw(&app.app, 80, 24).backend().to_string();
        let screen = screen.replace(&dir.path().display().to_string(), "[TMP]");
        assert!(screen.contains("[TMP]/patuh-test.db"), "{screen}");
        insta::assert_snapshot!(format!("navigator_empty_{}", lang_name(lang)), screen);
    }
}

#[test]
fn checklist() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, app) = assessed(lang);
        insta::assert_snapshot!(
            format!("checklist_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
    }
    // A wider terminal and a 0..3 scale.
    let (_dir, mut app) = demo_ws_with(Lang::En, &[crate::tui::testing::SCALE_ASSIGNMENT]);
    app.update(Action::Bottom);
    app.update(Action::Open);
    app.update(Action::Open);
    app.update(Action::Open);
    app.update(Action::Value2);
    app.update(crate::tui::app::Msg::Resize(120, 30));
    insta::assert_snapshot!("checklist_scale_wide_en", draw(&app.app, 120, 30).backend());
}

#[test]
fn note_editor() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, mut app) = assessed(lang);
        app.update(Action::Note);
        app.update(key(KeyCode::End));
        type_text(
            &mut app,
            "\nAntrean panjang, 漢字 dan emoji 👍 tampil benar; baris ini cukup panjang sehingga terbungkus.",
        );
        insta::assert_snapshot!(
            format!("note_editor_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
        app.update(key(KeyCode::Esc));
        insta::assert_snapshot!(
            format!("note_discard_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
    }
}

#[test]
fn prompts() {
    let (_dir, mut app) = assessed(Lang::En);
    app.update(Action::Evidence);
    type_text(&mut app, "~/bukti/foto-loket.jpg");
    insta::assert_snapshot!("evidence_prompt_en", draw(&app.app, 80, 24).backend());
    app.update(key(KeyCode::Esc));
    app.update(Action::Finalize);
    insta::assert_snapshot!("finalize_confirm_en", draw(&app.app, 80, 24).backend());
    app.update(key(KeyCode::Char('y')));
    app.update(Action::Finalize);
    type_text(&mut app, "koreksi dari koordinator");
    insta::assert_snapshot!("reopen_prompt_en", draw(&app.app, 80, 24).backend());
}

#[test]
fn dashboard() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, mut app) = assessed(lang);
        app.update(Action::Dashboard);
        insta::assert_snapshot!(
            format!("dashboard_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
    }
}

/// The agency under the cursor with its trend in the score panel: Kota Ambon's
/// published years, then the mentoring and the assessment of 2025 (scored now,
/// incomplete, marked `*`).
#[test]
fn dashboard_with_a_trend() {
    for lang in [Lang::Id, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let mut ws =
            crate::tui::testing::reopen(crate::tui::testing::trend_store(dir.path(), 5, 12), lang);
        ws.update(Action::Dashboard);
        insta::assert_snapshot!(
            format!("dashboard_trend_{}", lang_name(lang)),
            draw(&ws.app, 80, 24).backend()
        );
    }
}

#[test]
fn help() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, mut app) = demo_ws(lang);
        app.update(Action::Help);
        insta::assert_snapshot!(
            format!("help_{}", lang_name(lang)),
            draw(&app.app, 80, 24).backend()
        );
        // The whole text, as on a tall terminal.
        insta::assert_snapshot!(
            format!("help_full_{}", lang_name(lang)),
            draw(&app.app, 100, 99).backend()
        );
    }
}

#[test]
fn help_follows_rebound_keys() {
    let (_dir, mut app) = demo_ws(Lang::En);
    app.app.keymap = crate::tui::keymap::Config::parse(
        "[keys]\ntick = \"t\"\nnote = [\"ctrl-n\", \"N\"]\n",
        "c.toml",
    )
    .keymap;
    let text = super::help::lines(&app.app)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("2. In the checklist: t ticks/unticks"),
        "{text}"
    );
    assert!(text.contains("Ctrl-N/N"), "{text}");
    assert!(!text.contains("Space"), "{text}");
}

#[test]
fn too_small() {
    for lang in [Lang::Id, Lang::En] {
        let (_dir, app) = assessed(lang);
        insta::assert_snapshot!(
            format!("too_small_{}", lang_name(lang)),
            draw(&app.app, 79, 20).backend()
        );
        // Even a tiny terminal draws without panicking.
        draw(&app.app, 10, 3);
        draw(&app.app, 1, 1);
    }
}

const EVIL: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "kepatuhan-2021", "version": "1"},
  "title": "evil",
  "agencies": [{"code": "0001", "name": "Evil\u001b]0;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007 \u202egnp.exe\u200b\u009b2J",
    "kind": "lembaga",
    "units": [{"code": "U", "name": "Unit\r\nX", "products": [{"code": "P", "name": "Prod\u001b[2J\u2066uk"}]}]}]
}"#;

#[test]
fn text_from_the_database_cannot_drive_the_terminal() {
    let (dir, mut app) = demo_ws_with(Lang::En, &[EVIL]);
    let p = app.app.ds.find_product("0001/U/P").expect("evil product");
    app.app.reveal_product(p);
    let effects = app.app.open_checklist(p, None);
    app.run(effects);
    // A note with escapes written behind the workstation's back (e.g. by an import).
    let product = app.app.product_ref(p);
    let ind = app.app.ds.indicator(p, IndicatorIx::new(0)).clone();
    let evil_note = "a\x1b[2J\x1b]0;x\x07\u{9b}31m\u{202E}b\nline\u{2028}two";
    crate::tui::testing::other_store(dir.path())
        .record(&product, &ind, None, Some(evil_note))
        .unwrap();
    app.app.ds.products[p].notes[0] = evil_note.into();
    let mut screens = vec![draw(&app.app, 80, 24)];
    app.update(Action::Note);
    screens.push(draw(&app.app, 80, 24));
    app.update(key(KeyCode::Esc));
    app.update(Action::Back);
    screens.push(draw(&app.app, 80, 24));
    app.update(Action::Back);
    app.update(Action::Back);
    app.update(Action::Bottom);
    screens.push(draw(&app.app, 80, 24));
    app.update(Action::Dashboard);
    screens.push(draw(&app.app, 80, 24));
    for (n, t) in screens.iter().enumerate() {
        let buf = t.backend().buffer();
        let mut replaced = 0;
        for cell in buf.content() {
            let sym = cell.symbol();
            assert!(
                !sym.chars().any(is_unsafe_char),
                "screen {n}: unsafe {sym:?}"
            );
            replaced += usize::from(sym.contains('\u{FFFD}'));
        }
        // The neutralised characters are shown as U+FFFD, not silently dropped:
        // the assessor sees that the text held something odd.
        assert!(
            replaced > 0,
            "screen {n} shows no replacement character:\n{}",
            t.backend()
        );
    }
}

#[test]
fn no_color_means_no_colour_and_zones_stay_written() {
    use ratatui::style::Color;
    let (_dir, mut app) = assessed(Lang::En);
    app.update(Action::Back);
    app.app
        .reveal_product(app.app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap());
    let coloured = |app: &App| {
        let t = draw(app, 80, 24);
        let buf = t.backend().buffer().clone();
        buf.content()
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count()
    };
    // Plain (NO_COLOR): not one coloured cell, and the zones are there as words.
    assert_eq!(coloured(&app.app), 0);
    let screen = draw(&app.app, 80, 24).backend().to_string();
    assert!(
        screen.contains("hijau") && screen.contains("merah"),
        "{screen}"
    );
    // With colour the same screen does use colour (so the check above can fail).
    app.app.theme = crate::tui::theme::Theme { color: true };
    assert!(coloured(&app.app) > 0);
}

/// The screens of an assessor's day (issue 13), in both languages at 80x24.
mod day {
    use super::*;
    use crate::tui::app::Msg;
    use crate::tui::effect::{Failure, FileProblem, Outcome, PathFor};

    fn snap(name: &str, lang: Lang, app: &App) {
        insta::assert_snapshot!(
            format!("{name}_{}", lang_name(lang)),
            draw(app, 80, 24).backend()
        );
    }

    #[test]
    fn the_dimension_heading_stays_in_view() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut app) = assessed(lang);
            // Down into the second dimension's indicators: its heading scrolled away.
            for _ in 0..17 {
                app.update(Action::Down);
            }
            let screen = draw(&app.app, 80, 24).backend().to_string();
            let (heading, first) = if lang == Lang::En {
                (
                    "Service standard · weight",
                    "Service standard formally adopted",
                )
            } else {
                ("Standar Pelayanan · bobot", "Penetapan standar pelayanan")
            };
            // The list scrolled past the dimension's first indicators, its heading on top.
            let rows: Vec<&str> = screen.lines().collect();
            assert!(rows[2].contains(heading), "{screen}");
            assert!(!screen.contains(first), "{screen}");
            snap("checklist_sticky", lang, &app.app);
        }
    }

    #[test]
    fn the_checklist_filter_and_the_search() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut app) = assessed(lang);
            app.update(Action::Filter);
            type_text(&mut app, "ruang");
            snap("checklist_filter", lang, &app.app);
            app.update(key(KeyCode::Enter));
            app.update(ctrl('f'));
            type_text(&mut app, "kota");
            snap("search", lang, &app.app);
        }
    }

    #[test]
    fn the_finalize_question_lists_the_unanswered_indicators() {
        let (_dir, mut app) = assessed(Lang::Id);
        app.update(Action::Finalize);
        app.update(key(KeyCode::Down));
        snap("finalize_confirm", Lang::Id, &app.app);
    }

    #[test]
    fn the_history_the_assessor_question_and_a_wrapped_message() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut app) = assessed(lang);
            app.update(Action::Finalize);
            app.update(key(KeyCode::Char('y')));
            app.update(Action::Finalize);
            type_text(&mut app, "koreksi dari koordinator");
            app.update(key(KeyCode::Enter));
            app.update(key(KeyCode::Char('a')));
            app.update(key(KeyCode::Tab));
            snap("history", lang, &app.app);
            app.update(key(KeyCode::Esc));
            let effects = app.app.ask_assessor();
            app.run(effects);
            type_text(&mut app, "Siti Am");
            snap("assessor_prompt", lang, &app.app);
            app.update(key(KeyCode::Esc));
            app.update(Outcome::Exported(Err(Failure::File {
                path: "/media/flashdisk/laporan/penilaian-kepatuhan-provinsi-maluku-2025/patuh-siti.patuh"
                    .into(),
                problem: FileProblem::PermissionDenied,
            })));
            snap("status_wrapped", lang, &app.app);
            // It goes after a while (the runtime's clock).
            let t0 = std::time::Instant::now();
            app.update(Msg::Tick(t0));
            app.update(Msg::Tick(t0 + crate::tui::app::ERROR_TTL));
            let screen = draw(&app.app, 80, 24).backend().to_string();
            assert!(!screen.contains("/media/flashdisk"), "{screen}");
        }
    }

    #[test]
    fn evidence_choices_a_document_number_and_removing_one() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut app) = assessed(lang);
            app.update(Action::Evidence);
            type_text(&mut app, "~/bukti/sk");
            app.app.modal =
                match std::mem::replace(&mut app.app.modal, crate::tui::app::Modal::None) {
                    m @ crate::tui::app::Modal::Evidence { .. } => m,
                    other => panic!("{other:?}"),
                };
            let effects = app.app.update(Outcome::PathsCompleted {
                typed: "~/bukti/sk".into(),
                purpose: PathFor::Evidence,
                paths: vec![
                    "~/bukti/sk-2024.pdf".into(),
                    "~/bukti/sk-2025.pdf".into(),
                    "~/bukti/skan/".into(),
                ],
            });
            app.run(effects);
            snap("evidence_choices", lang, &app.app);
            app.update(key(KeyCode::Esc));
            app.update(Action::Evidence);
            type_text(&mut app, "SK 7/2025");
            app.update(key(KeyCode::Enter));
            snap("evidence_document", lang, &app.app);
            app.update(key(KeyCode::Esc));
            app.update(key(KeyCode::Esc));
            app.update(key(KeyCode::Char('E')));
            app.update(key(KeyCode::Enter));
            snap("evidence_remove", lang, &app.app);
        }
    }
}

/// The screens format 2 adds (issue 12), in both languages at 80x24, on the demo's
/// Rejang Lebong (the 2022-2024 instrument) and an agency on the 2025 one: an agency's
/// and a unit's own checklists with the nodes below, a roster, a questionnaire, the
/// prompts, and the score panel with categories, zones, the opinion and the path to
/// the next category.
mod levels {
    use super::*;

    fn snap(name: &str, lang: Lang, app: &App) {
        insta::assert_snapshot!(
            format!("{name}_{}", lang_name(lang)),
            draw(app, 80, 24).backend()
        );
    }

    const OPINI: &str = r#"{
      "format": "patuh-assignment", "format_version": 1,
      "instrument": {"id": "opini-2025", "version": "1"},
      "title": "Uji opini",
      "agencies": [{"code": "9998", "name": "Pemerintah Kota Uji Opini", "kind": "pemkot",
        "units": [{"code": "DPMPTSP", "name": "DPMPTSP Kota Uji", "products": []}]}]
    }"#;

    /// Rejang Lebong with two staff of its Dukcapil interviewed, heads-down.
    fn interviewed(lang: Lang) -> (tempfile::TempDir, Workstation) {
        let bengkulu = crate::shipped::DEMO_ASSIGNMENTS[1].1;
        let (dir, mut ws) = demo_ws_with(lang, &[bengkulu, OPINI]);
        let u = ws.app.ds.find_node("1702/DUKCAPIL").unwrap();
        let effects = ws.app.open_node_checklist(u, None);
        ws.run(effects); // on its first indicator, an interview
        ws.update(Action::Open); // its role's roster
        ws.update(Action::Open); // a new respondent
        type_text(&mut ws, "Kepala Dinas\n");
        type_text(&mut ws, "323123222222");
        (dir, ws)
    }

    #[test]
    fn a_unit_its_roster_and_a_questionnaire() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut ws) = interviewed(lang);
            snap("levels_questionnaire", lang, &ws.app);
            ws.update(Action::Back);
            snap("levels_roster", lang, &ws.app);
            ws.update(Action::Back);
            snap("levels_unit", lang, &ws.app);
            ws.update(Action::Back);
            snap("levels_agency", lang, &ws.app);
        }
    }

    #[test]
    fn the_prompts_of_respondents_and_data() {
        for lang in [Lang::Id, Lang::En] {
            let (_dir, mut ws) = interviewed(lang);
            ws.update(key(KeyCode::Char('-')));
            snap("levels_remove_prompt", lang, &ws.app);
            ws.update(key(KeyCode::Esc));
            let agency = ws.app.ds.find_node("9998").unwrap();
            let ikm = ws
                .app
                .ds
                .instrument_of(agency)
                .indicator_index("ikm")
                .unwrap();
            let effects = ws
                .app
                .open_node_checklist(agency, Some(crate::domain::model::IndicatorIx::new(ikm)));
            ws.run(effects);
            ws.update(Action::Open);
            type_text(&mut ws, "82.35\n");
            snap("levels_data_prompt", lang, &ws.app);
            ws.update(key(KeyCode::Enter));
            snap("levels_data", lang, &ws.app);
        }
    }

    #[test]
    fn the_dashboard_counts_categories_in_their_zones() {
        let (_dir, mut ws) = interviewed(Lang::En);
        ws.update(Action::Dashboard);
        let screen = draw(&ws.app, 80, 24);
        snap("levels_dashboard", Lang::En, &ws.app);
        // Maluku's 2021 zones and Bengkulu's 2024 categories (E is zona merah) count
        // in the same bars: 7 + 2 agencies in merah; the 2025 instrument has no zones,
        // its categories are bars of their own (its one agency in E).
        let text = format!("{:?}", screen.backend());
        assert!(text.contains("███9████"), "{text}");
        assert!(
            text.contains("merah      kuning     hijau        E"),
            "{text}"
        );
    }
}
