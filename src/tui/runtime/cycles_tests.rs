//! Cycles through the real store (issue 14): a respondent's answers carried into a
//! new cycle are marked in the questionnaire and count nowhere until the confirm key
//! confirms one, which the store commits with its `confirm` audit row; the unit's
//! previous score shows beside its score now.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::domain::Value;
use crate::domain::cycle::CycleKind;
use crate::domain::model::{IndicatorIx, NodeRef};
use crate::store::NewCycle;
use crate::tui::action::Action;
use crate::tui::app::Status;
use crate::tui::testing::{demo_ws_with, other_store, reopen, type_text};

fn screen(ws: &Workstation) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| f.render_widget(&ws.app, f.area())).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..24 {
        for x in 0..80 {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_respondents_carried_answer_is_confirmed_with_the_key() {
    let (dir, mut ws) = demo_ws_with(Lang::En, &[crate::shipped::DEMO_ASSIGNMENTS[1].1]);
    let unit = ws.app.ds.find_node("1702/DUKCAPIL").unwrap();
    let effects = ws.app.open_node_checklist(unit, None);
    ws.run(effects);
    // One staff member interviewed in the first cycle: six answers.
    ws.update(Action::Open);
    ws.update(Action::Open);
    type_text(&mut ws, "Kepala Dinas\n");
    type_text(&mut ws, "323123");
    ws.shutdown();
    drop(ws);

    let mut store = other_store(dir.path());
    store
        .start_cycle(
            &NewCycle {
                code: "2027-penilaian",
                kind: CycleKind::Assessment,
                year: Some(2027),
                follows: None,
            },
            true,
        )
        .unwrap();
    drop(store);
    let mut ws = reopen(other_store(dir.path()), Lang::En);
    let unit = ws.app.ds.find_node("1702/DUKCAPIL").unwrap();
    assert_eq!(ws.app.ds.carried_count(unit), 6);
    assert_eq!(ws.app.book.summary(&ws.app.ds, unit).answered, 0);
    let r = ws
        .app
        .ds
        .find_respondent(unit, 0, 1)
        .expect("carried respondent");
    let effects = ws.app.open_node_checklist(unit, None);
    ws.run(effects);
    // The role's roster, then the respondent's questionnaire.
    ws.update(Action::Open);
    ws.update(Action::Open);
    assert!(
        matches!(&ws.app.screen, crate::tui::app::Screen::Checklist(c) if c.respondent == Some(r)),
        "{}",
        screen(&ws)
    );
    let shown = screen(&ws);
    assert!(shown.contains('↻'), "{shown}");
    assert!(shown.contains("was 6.80"), "the unit's score then: {shown}");

    ws.update(Action::ConfirmCarried);
    assert!(
        matches!(&ws.app.status, Status::Saved(m) if m.contains("confirmed")),
        "{:?}",
        ws.app.status
    );
    let first = ws
        .app
        .ds
        .instrument_of(unit)
        .indicators_at(NodeRef::Unit(crate::domain::model::UnitIx::new(0)).level())
        .next()
        .unwrap();
    assert_eq!(
        ws.app.ds.respondent_value(unit, r, IndicatorIx::new(first)),
        Value::Level(3)
    );
    assert_eq!(ws.app.ds.carried_count(unit), 5);
    assert_eq!(ws.app.book.summary(&ws.app.ds, unit).answered, 1);
    let log = ws
        .runtime
        .store()
        .cycle_history("1702/DUKCAPIL", None)
        .unwrap();
    let confirms: Vec<_> = log.iter().filter(|a| a.action == "confirm").collect();
    assert_eq!(confirms.len(), 1, "{log:?}");
    assert_eq!(confirms[0].cycle.as_deref(), Some("2027-penilaian"));
    assert!(confirms[0].respondent.is_some());
}
