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

/// The score panel's trend lines (label, score) of the screen: the lines of the right
/// panel after its heading.
fn trend_lines(screen: &str, heading: &str) -> Vec<(String, String)> {
    let panel: Vec<String> = screen
        .lines()
        .map(|l| {
            let right: String = l.chars().skip(55).take(24).collect();
            right.trim_end().to_string()
        })
        .collect();
    let at = panel
        .iter()
        .position(|l| l.starts_with(heading))
        .unwrap_or_else(|| panic!("no {heading:?} in:\n{screen}"));
    panel[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let (label, score) = l.rsplit_once(' ').unwrap_or(("", l));
            (label.trim().to_string(), score.to_string())
        })
        .collect()
}

/// The dashboard's trend through the real store: the published scores as imported,
/// the mentoring cycle's score as that cycle scores on its own, the assessment's as
/// it is now; a change in the workstation moves the assessment's point and nothing
/// else.
#[test]
fn the_dashboard_trend_shows_each_cycle_scored_in_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::tui::testing::trend_store(dir.path(), 3, 9);
    drop(store);
    // Each cycle's score of Kota Ambon, read on its own as `patuh --cycle C score`
    // would.
    let score_in = |cycle: &str| -> String {
        let mut s = other_store(dir.path());
        s.use_cycle(cycle).unwrap();
        let ds = s.load().unwrap();
        let book = crate::domain::model::ScoreBook::compute(&ds);
        let a = ds.find_agency("8171").unwrap();
        book.verdict(&ds, NodeRef::Agency(a))
            .unwrap()
            .rounded
            .to_string()
    };
    let (mentoring, assessment) = (score_in("2025-pendampingan"), score_in("2025-penilaian"));
    assert_ne!(mentoring, assessment);

    let mut ws = reopen(other_store(dir.path()), Lang::En);
    ws.update(Action::Dashboard);
    let row = |label: &str, score: &str| (label.to_string(), score.to_string());
    assert_eq!(
        trend_lines(&screen(&ws), "Trend"),
        vec![
            row("2018", "60.87"),
            row("2019", "70.66"),
            row("2021", "72.88"),
            row("2025-pendampingan", &format!("{mentoring}*")),
            row("2025-penilaian", &format!("{assessment}*")),
        ],
        "{}",
        screen(&ws)
    );

    // One more indicator present now: the assessment's point moves with it.
    let ktp = ws.app.ds.find_product("8171/DUKCAPIL/KTP-EL").unwrap();
    let effects = ws.app.open_checklist(ktp, None);
    ws.run(effects);
    for _ in 0..9 {
        ws.update(Action::Down);
    }
    ws.update(Action::Tick);
    assert!(
        matches!(&ws.app.status, Status::Saved(_)),
        "{:?}",
        ws.app.status
    );
    ws.update(Action::Dashboard);
    let now = score_in("2025-penilaian");
    assert_ne!(now, assessment);
    let shown = trend_lines(&screen(&ws), "Trend");
    assert_eq!(shown[3], row("2025-pendampingan", &format!("{mentoring}*")));
    assert_eq!(shown[4], row("2025-penilaian", &format!("{now}*")));

    // In Indonesian, the same numbers under "Tren".
    drop(ws);
    let mut ws = reopen(other_store(dir.path()), Lang::Id);
    ws.update(Action::Dashboard);
    let shown = trend_lines(&screen(&ws), "Tren");
    assert_eq!(shown.len(), 5, "{}", screen(&ws));
    assert_eq!(shown[4], row("2025-penilaian", &format!("{now}*")));
}
