//! Answers carried from the previous cycle, without a database: shown with their mark
//! and not counted, confirmed with the confirm key (an effect; the value counts once
//! its outcome says the store committed it), replaced by a new value.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::domain::Value;
use crate::domain::model::{Carried, IndicatorIx, Ix, NodeRef, ScoreBook};
use crate::store::RecordOutcome;
use crate::tui::effect::Outcome;
use crate::tui::testing::demo_app;

/// The demo on the first product's checklist (81/DPMPTSP/NIB) with its first two
/// indicators carried as present from the previous cycle.
fn carried_app(lang: Lang) -> (App, NodeRef) {
    let mut app = demo_app(lang);
    for _ in 0..3 {
        drop(app.update(Action::Open));
    }
    let Screen::Checklist(c) = &app.screen else {
        panic!("not on a checklist");
    };
    let node = c.node;
    for i in 0..2 {
        app.ds
            .set_carried(
                node,
                IndicatorIx::new(i),
                Some(Carried::Value(Value::Level(1))),
            )
            .unwrap();
    }
    app.book = ScoreBook::compute(&app.ds);
    (app, node)
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    let buf = t.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn carried_answers_are_marked_and_not_counted() {
    let (app, node) = carried_app(Lang::En);
    assert_eq!(app.book.summary(&app.ds, node).answered, 0);
    let text = screen(&app);
    // Two rows with the carried mark, their value shown; the detail says what to do.
    assert_eq!(text.matches('↻').count(), 3, "{text}");
    assert!(text.contains("[✓]"), "{text}");
    assert!(text.contains("Carried from the previous cycle"), "{text}");
    assert!(
        text.contains("V as before"),
        "the hint bar names the key: {text}"
    );
}

#[test]
fn the_confirm_key_confirms_the_carried_value_once_committed() {
    let (mut app, node) = carried_app(Lang::Id);
    let effects = app.update(Action::ConfirmCarried);
    let confirm = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::ConfirmCarried(c) => Some(c),
            _ => None,
        })
        .expect("a confirmation asked for");
    assert_eq!(
        (confirm.node, confirm.indicator),
        (node, IndicatorIx::new(0))
    );
    assert_eq!(
        confirm.indicator_id,
        app.indicator_def(node, IndicatorIx::new(0)).id
    );
    // Nothing counts before the store says it committed.
    assert_eq!(app.ds.value(node, IndicatorIx::new(0)), Value::Unanswered);
    drop(app.update(Outcome::CarriedConfirmed {
        confirm,
        result: Ok(1),
    }));
    assert_eq!(app.ds.value(node, IndicatorIx::new(0)), Value::Level(1));
    assert!(app.ds.carried(node, IndicatorIx::new(0)).is_none());
    assert!(app.ds.carried(node, IndicatorIx::new(1)).is_some());
    assert_eq!(app.book.summary(&app.ds, node).answered, 1);
    assert!(matches!(&app.status, Status::Saved(m) if m.starts_with("Tersimpan")));
    // Confirmed: no carried mark on that row (nor in its detail) any more; the
    // second row keeps its own.
    assert_eq!(screen(&app).matches('↻').count(), 1);
}

#[test]
fn a_new_value_replaces_a_carried_one_and_an_empty_cell_has_nothing_to_confirm() {
    let (mut app, node) = carried_app(Lang::En);
    drop(app.update(Action::Down));
    // Absent (0) over the carried "present".
    let effects = app.update(Action::Value0);
    let change = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Record(c) => Some(c),
            _ => None,
        })
        .expect("a change asked for");
    assert_eq!(change.indicator, IndicatorIx::new(1));
    drop(app.update(Outcome::Recorded {
        change,
        result: Ok(RecordOutcome {
            old_value: Value::Unanswered,
            old_note: String::new(),
            audit_rows: 1,
        }),
    }));
    assert_eq!(app.ds.value(node, IndicatorIx::new(1)), Value::Level(0));
    assert!(app.ds.carried(node, IndicatorIx::new(1)).is_none());
    assert_eq!(app.book.summary(&app.ds, node).answered, 1);
    // The third indicator was never carried: the key says so and asks for nothing.
    let Screen::Checklist(c) = &app.screen else {
        panic!("not on a checklist");
    };
    let at = c.indicator().unwrap();
    if at.index() == 1 {
        drop(app.update(Action::Down));
    }
    let effects = app.update(Action::ConfirmCarried);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::ConfirmCarried(_)))
    );
    assert!(matches!(&app.status, Status::Info(m) if m.contains("No answer carried")));
}

#[test]
fn the_previous_cycle_shows_beside_the_values_and_in_the_score_panel() {
    let (mut app, node) = carried_app(Lang::En);
    let n = app.ds.instrument_of(node).indicators.len();
    // Then: only the first indicator present; now: every one present.
    let mut before = crate::tui::testing::demo_dataset(&[]);
    for k in 0..n {
        let v = Value::Level(u8::from(k == 0));
        before.set_value(node, IndicatorIx::new(k), v).unwrap();
    }
    app.previous = Some(Previous::new("2026-pendampingan".into(), before));
    assert!(screen(&app).contains("[✓]→"));
    for k in 0..n {
        app.ds.set_carried(node, IndicatorIx::new(k), None).unwrap();
        app.ds
            .set_value(node, IndicatorIx::new(k), Value::Level(1))
            .unwrap();
    }
    app.book = ScoreBook::compute(&app.ds);
    let then = app.then_and_now(node).expect("the product was there");
    let (from, to) = (then.from.unwrap(), then.to.unwrap());
    assert_eq!(to.score.0, 10000);
    assert!(from.score.0 < to.score.0);
    assert_eq!(then.delta.unwrap().0, to.score.0 - from.score.0);
    let text = screen(&app);
    assert!(
        text.contains("[✗]→[✓]"),
        "was → now beside the indicator: {text}"
    );
    let delta = format!("Δ +{}", then.delta.unwrap());
    assert!(
        text.contains(&delta),
        "the delta in the score panel: {text}"
    );
    assert!(text.contains(&format!("was {}", from.score)), "{text}");
    // The dashboard: the agency that moved, with its difference.
    let agency = NodeRef::Agency(
        app.ds.units[app.ds.products[match node {
            NodeRef::Product(p) => p,
            other => panic!("{other:?}"),
        }]
        .unit]
            .agency,
    );
    let moved = app.then_and_now(agency).unwrap().delta.unwrap();
    assert!(moved.0 > 0);
    drop(app.update(Action::Dashboard));
    let text = screen(&app);
    let line = format!(
        "moved most: {} +{moved} · not moved: 0",
        app.node_code(agency)
    );
    assert!(text.contains(&line), "{line} in {text}");
    drop(app.update(Action::Back));
    // Without a previous cycle, neither shows.
    app.previous = None;
    let text = screen(&app);
    assert!(!text.contains('→') && !text.contains('Δ'), "{text}");
}
