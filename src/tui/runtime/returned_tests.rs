//! What the central office returned, in the workstation on a real store: the items
//! of the return file applied are marked on their indicators (`↩`) with the comment in
//! the detail pane, in both languages at 80x24; the confirm key confirms one as it is
//! (its audit row committed), a change of an indicator answers it; the state and the
//! store agree on what is still open.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::domain::model::IndicatorIx;
use crate::domain::review::ReviewState;
use crate::store::{InboxApply, ItemStatus, SentNode};
use crate::tui::action::Action;
use crate::tui::app::Status;
use crate::tui::testing::{demo_store, key, reopen};

const KTP: &str = "8171/DUKCAPIL/KTP-EL";

/// A demo store with a return file applied: two indicators of KTP-el and the product
/// as a whole returned.
fn returned_store(dir: &Path) -> Store {
    let mut store = demo_store(dir, &[]);
    let nodes = [SentNode {
        path: KTP.into(),
        state: ReviewState::Returned,
        decided_at: "2025-03-05T08:00:00Z".into(),
        comments: vec![
            (String::new(), "Lengkapi foto loket".into()),
            ("biaya".into(), "Papan biaya tidak terlihat di foto".into()),
            ("persyaratan".into(), "Persyaratan tidak dipajang?".into()),
        ],
    }];
    store
        .apply_inbox(&InboxApply {
            payload_sha256: "ab",
            central_key: "ed25519:x",
            central_id: "pusat",
            central_name: "Kantor Pusat",
            seq: 1,
            sent_at: "2025-03-05T08:00:00Z",
            file_name: "kembali.patuh",
            cycle: "default",
            nodes: &nodes,
        })
        .expect("apply the return file");
    store
}

fn draw(ws: &Workstation) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| f.render_widget(&ws.app, f.area())).unwrap();
    t.backend().to_string()
}

fn open_at(ws: &mut Workstation, indicator: &str) {
    let p = ws.app.ds.find_product(KTP).unwrap();
    let i = ws
        .app
        .ds
        .instrument_of_product(p)
        .indicator_index(indicator)
        .map(IndicatorIx::new);
    let effects = ws.app.open_checklist(p, i);
    ws.run(effects);
}

fn store_status(ws: &Workstation) -> Vec<(Option<String>, ItemStatus)> {
    ws.runtime
        .store()
        .returned_items()
        .unwrap()
        .into_iter()
        .map(|i| (i.indicator, i.status))
        .collect()
}

#[test]
fn returned_items_are_marked_with_their_comment_in_both_languages() {
    for lang in [Lang::Id, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = reopen(returned_store(dir.path()), lang);
        assert_eq!(ws.app.returned.len(), 3);
        open_at(&mut ws, "persyaratan");
        let screen = draw(&ws);
        assert!(screen.contains('↩'), "{screen}");
        assert!(screen.contains("Persyaratan tidak"), "{screen}");
        assert!(screen.contains("Lengkapi"), "{screen}");
        assert!(screen.contains("↩ 3"), "the title counts them: {screen}");
        insta::assert_snapshot!(format!("checklist_returned_{}", lang.code()), screen);
    }
}

#[test]
fn the_confirm_key_confirms_and_a_change_answers_a_returned_item() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = reopen(returned_store(dir.path()), Lang::En);
    // Nothing returned on the agency list: the key says to open a product.
    ws.update(key(KeyCode::Char('K')));
    assert!(
        store_status(&ws)
            .iter()
            .all(|(_, s)| *s == ItemStatus::Open)
    );
    open_at(&mut ws, "persyaratan");
    ws.update(key(KeyCode::Char('K')));
    assert!(
        matches!(&ws.app.status, Status::Saved(m) if m.contains("Confirmed as it is")),
        "{:?}",
        ws.app.status
    );
    assert_eq!(ws.app.returned.len(), 2);
    let audit: Vec<(String, Option<String>)> =
        rusqlite::Connection::open(ws.runtime.store().path())
            .unwrap()
            .prepare("SELECT action, old FROM audit ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(
        audit,
        [(
            "return_confirm".to_string(),
            Some("Persyaratan tidak dipajang?".to_string())
        )]
    );
    // A value given to another returned indicator answers it (and the product's).
    open_at(&mut ws, "biaya");
    ws.update(Action::Value1);
    assert!(ws.app.returned.is_empty(), "{:?}", ws.app.returned);
    assert_eq!(
        store_status(&ws),
        [
            (None, ItemStatus::Changed),
            (Some("biaya".into()), ItemStatus::Changed),
            (Some("persyaratan".into()), ItemStatus::Confirmed),
        ]
    );
    open_at(&mut ws, "biaya");
    ws.update(key(KeyCode::Char('K')));
    assert!(
        matches!(&ws.app.status, Status::Info(m) if m.contains("Nothing returned")),
        "{:?}",
        ws.app.status
    );
    // A restart shows what is still open: nothing.
    let store = Store::open(ws.runtime.store().path()).unwrap();
    drop(ws);
    let ws = reopen(store, Lang::En);
    assert!(ws.app.returned.is_empty());
}
