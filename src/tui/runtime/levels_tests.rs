//! The workstation at every level through the real store (issue 12): interviews
//! entered heads-down land in the database as respondents and answers, each with its
//! audit row; a unit's observation, note, evidence and finalization; a data value with
//! its source; a restart scores what the database holds exactly as the workstation
//! did; and an instrument for a method never seen, written from
//! docs/instrument-format.md, opens and scores in the workstation without a rebuild.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::domain::model::{IndicatorIx, NodeRef, ScoreBook};
use crate::domain::{Instrument, Value};
use crate::store::Node;
use crate::tui::action::Action;
use crate::tui::app::{Item, Modal, Screen};
use crate::tui::testing::{demo_store, demo_ws_with, key, other_store, reopen, type_text};

fn bengkulu() -> &'static str {
    crate::shipped::DEMO_ASSIGNMENTS[1].1
}

/// The screen as text, at 80x24.
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

fn open(ws: &mut Workstation, path: &str) -> NodeRef {
    let node = ws.app.ds.find_node(path).expect("the node");
    let effects = ws.app.open_node_checklist(node, None);
    ws.run(effects);
    node
}

fn store_node(ws: &Workstation, path: &str) -> Node {
    ws.runtime
        .store()
        .node(path)
        .expect("the node in the store")
}

#[test]
fn interviews_entered_heads_down_are_in_the_store_with_their_audit_rows() {
    let (dir, mut ws) = demo_ws_with(Lang::En, &[bengkulu()]);
    let dukcapil = open(&mut ws, "1702/DUKCAPIL");
    // On the first indicator, an interview: Enter opens its role's roster, Enter on
    // its last row asks for a position and adds the respondent.
    ws.update(Action::Open);
    assert!(matches!(ws.app.screen, Screen::Roster(_)));
    ws.update(Action::Open);
    type_text(&mut ws, "Kepala Dinas\n");
    type_text(&mut ws, "323123");
    type_text(&mut ws, "222222");
    let shown = screen(&ws);
    assert!(shown.contains("6.31 E merah 12/78"), "{shown}");
    assert!(shown.contains("0.90 E merah 12/586"), "{shown}");

    let node = store_node(&ws, "1702/DUKCAPIL");
    let store = ws.runtime.store();
    let rows = store.respondents(&node).unwrap();
    let people: Vec<(&str, u32, &str)> = rows
        .iter()
        .map(|r| (r.role.as_str(), r.number, r.label.as_str()))
        .collect();
    // The third was added when the second's last answer was given (the role needs 4).
    assert_eq!(
        people,
        [
            ("pelaksana", 1, "Kepala Dinas"),
            ("pelaksana", 2, ""),
            ("pelaksana", 3, "")
        ]
    );
    let answers =
        |n: usize| -> Vec<(String, Value)> { store.respondent_answers(&node, &rows[n]).unwrap() };
    let values = |n: usize| -> Vec<Value> {
        let inst = ws.app.ds.instrument_of(dukcapil);
        let mut a = answers(n);
        a.sort_by_key(|(id, _)| inst.indicator_index(id));
        a.into_iter().map(|(_, v)| v).collect()
    };
    let l = Value::Level;
    assert_eq!(values(0), [l(3), l(2), l(3), l(1), l(2), l(3)]);
    assert_eq!(values(1), [l(2); 6]);
    assert!(answers(2).is_empty());
    // One audit row per answer, carrying the respondent's uid, and one per respondent
    // added.
    let audit = store.audit_history("1702/DUKCAPIL", None).unwrap();
    let values_of = |uid: &str| {
        audit
            .iter()
            .filter(|r| r.action == "value" && r.respondent.as_deref() == Some(uid))
            .count()
    };
    assert_eq!((values_of(&rows[0].uid), values_of(&rows[1].uid)), (6, 6));
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.action == "respondent-add")
            .map(|r| r.new.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["pelaksana 1: Kepala Dinas", "pelaksana 2", "pelaksana 3"]
    );
    assert_eq!(store.audit_chain().unwrap().map(|_| ()), Ok(()));

    // A restart scores what the database holds as the workstation did.
    let before = (
        ws.app.book.summary(&ws.app.ds, dukcapil),
        ws.app
            .book
            .summary(&ws.app.ds, NodeRef::Agency(ws.app.ds.agency_of(dukcapil))),
    );
    drop(ws);
    let again = reopen(other_store(dir.path()), Lang::En);
    let a = again.app.ds.agency_of(dukcapil);
    assert_eq!(
        (
            again.app.book.summary(&again.app.ds, dukcapil),
            again.app.book.summary(&again.app.ds, NodeRef::Agency(a))
        ),
        before
    );
    let fresh = ScoreBook::compute(&again.app.ds);
    assert_eq!(fresh.summary(&again.app.ds, dukcapil), before.0);
    // It resumes on the unit's checklist.
    assert!(matches!(&again.app.screen, Screen::Checklist(c) if c.node == dukcapil));
}

#[test]
fn a_units_observation_note_evidence_and_finalization_go_through_the_store() {
    let (_dir, mut ws) = demo_ws_with(Lang::En, &[bengkulu()]);
    let dukcapil = open(&mut ws, "1702/DUKCAPIL");
    let inst = ws.app.ds.instrument_of(dukcapil).clone();
    let pengawasan = IndicatorIx::new(inst.indicator_index("pengawasan-internal").unwrap());
    for _ in 0..20 {
        if ws.app.checklist().map(|c| c.at) == Some(Item::Indicator(pengawasan)) {
            break;
        }
        ws.update(Action::Down);
    }
    ws.update(key(KeyCode::Char('2')));
    ws.update(Action::Up);
    ws.update(Action::Note);
    type_text(&mut ws, "Ada jadwal pengawasan");
    ws.update(crate::tui::testing::ctrl('s'));
    ws.update(Action::Evidence);
    type_text(&mut ws, "ND 5/2025\n");
    ws.update(key(KeyCode::Char('y'))); // a document number
    let node = store_node(&ws, "1702/DUKCAPIL");
    let store = ws.runtime.store();
    let audit = store
        .audit_history("1702/DUKCAPIL", Some("pengawasan-internal"))
        .unwrap();
    let actions: Vec<(&str, Option<&str>)> = audit
        .iter()
        .map(|r| (r.action.as_str(), r.new.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            ("value", Some("2")),
            ("note", Some("Ada jadwal pengawasan")),
            ("evidence", Some("ND 5/2025"))
        ]
    );
    assert_eq!(
        store
            .node_evidence(&node, "pengawasan-internal")
            .unwrap()
            .len(),
        1
    );
    // Finalize the unit: the store has it; a digit is refused afterwards.
    ws.update(Action::Finalize);
    ws.update(key(KeyCode::Char('y')));
    assert!(ws.runtime.store().node_finalized(&node).unwrap().is_some());
    let rows = ws
        .runtime
        .store()
        .audit_history("1702/DUKCAPIL", None)
        .unwrap()
        .len();
    ws.update(key(KeyCode::Char('3')));
    assert_eq!(
        ws.runtime
            .store()
            .audit_history("1702/DUKCAPIL", None)
            .unwrap()
            .len(),
        rows
    );
    assert_eq!(ws.app.ds.value(dukcapil, pengawasan), Value::Level(2));
    // Undo reopens it (audited, with a reason that says so).
    ws.update(Action::Undo);
    assert!(ws.runtime.store().node_finalized(&node).unwrap().is_none());
}

/// One agency on the 2025 instrument, one unit without products.
const OPINI: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "opini-2025", "version": "1"},
  "title": "Uji opini",
  "agencies": [{"code": "9998", "name": "Pemerintah Kota Uji Opini", "kind": "pemkot",
    "units": [{"code": "DPMPTSP", "name": "DPMPTSP Kota Uji", "products": []}]}]
}"#;

#[test]
fn a_data_value_is_entered_with_its_source_through_the_store() {
    let (_dir, mut ws) = demo_ws_with(Lang::En, &[OPINI]);
    let agency = open(&mut ws, "9998");
    let ikm = IndicatorIx::new(
        ws.app
            .ds
            .instrument_of(agency)
            .indicator_index("ikm")
            .unwrap(),
    );
    assert_eq!(ws.app.checklist().map(|c| c.at), Some(Item::Indicator(ikm)));
    ws.update(Action::Open);
    type_text(&mut ws, "82.35\n");
    // The source: the instrument's, replaced here.
    ws.update(crate::tui::testing::ctrl('a'));
    for _ in 0..80 {
        ws.update(key(KeyCode::Delete));
    }
    type_text(&mut ws, "KemenPAN-RB, IKM 2024\n");
    assert_eq!(ws.app.modal, Modal::None);
    let node = store_node(&ws, "9998");
    assert_eq!(
        ws.runtime.store().data_value(&node, "ikm").unwrap(),
        Some(("82.35".into(), "KemenPAN-RB, IKM 2024".into()))
    );
    let shown = screen(&ws);
    assert!(shown.contains("82.35/100"), "{shown}");
    assert!(shown.contains("Source: KemenPAN-RB, IKM 2024"), "{shown}");
    let audit = ws
        .runtime
        .store()
        .audit_history("9998", Some("ikm"))
        .unwrap();
    assert_eq!(
        audit.last().map(|r| (r.action.as_str(), r.new.as_deref())),
        Some(("data", Some("82.35 (KemenPAN-RB, IKM 2024)")))
    );
    // Undo clears it, audited too.
    ws.update(Action::Undo);
    assert_eq!(ws.runtime.store().data_value(&node, "ikm").unwrap(), None);
    assert_eq!(ws.app.ds.data(agency, ikm), None);
}

/// A method never seen, written from docs/instrument-format.md alone: a unit-level
/// observation dimension, an agency-level dimension asked of residents (a role) and
/// one taken from another institution's data; categories grouped into zones.
const NEVER_SEEN: &str = r#"{
  "format": "patuh-instrument",
  "format_version": 2,
  "id": "pasar-rakyat-2027",
  "version": "1",
  "year": 2027,
  "title": {"id": "Penilaian Pasar Rakyat", "en": "Public market assessment"},
  "description": {"id": "Contoh uji; bobot bukan bobot resmi.", "en": "Test sample; weights are not official."},
  "aggregate": "units",
  "roles": [
    {"id": "pedagang", "label": {"id": "Pedagang", "en": "Trader"}, "level": "agency", "respondents": 2}
  ],
  "dimensions": [
    {"id": "kios", "label": {"id": "Kios dan los", "en": "Stalls"}, "level": "unit", "weight": 50},
    {"id": "suara", "label": {"id": "Suara pedagang", "en": "Traders' view"}, "level": "agency", "weight": 30},
    {"id": "harga", "label": {"id": "Stabilitas harga", "en": "Price stability"}, "level": "agency", "weight": 20}
  ],
  "indicators": [
    {"id": "kebersihan", "dimension": "kios", "weight": 2, "scale": {"max": 3},
     "label": {"id": "Kebersihan los", "en": "Clean stalls"}},
    {"id": "drainase", "dimension": "kios", "weight": 1, "scale": {"max": 1},
     "label": {"id": "Saluran air", "en": "Drainage"}},
    {"id": "retribusi", "dimension": "suara", "source": "interview", "role": "pedagang",
     "weight": 1, "scale": {"max": 3}, "label": {"id": "Retribusi wajar", "en": "Fair fees"}},
    {"id": "inflasi", "dimension": "harga", "source": "data",
     "data_source": {"id": "BPS: inflasi pangan daerah"},
     "weight": 1, "scale": {"max": 100}, "label": {"id": "Indeks stabilitas harga", "en": "Price stability index"}}
  ],
  "zones": [
    {"code": "merah", "label": {"id": "Zona Merah", "en": "Red zone"}, "color": "red"},
    {"code": "hijau", "label": {"id": "Zona Hijau", "en": "Green zone"}, "color": "green"}
  ],
  "bands": [
    {"code": "C", "label": {"id": "Perlu Perbaikan", "en": "Needs work"}, "min": 0, "zone": "merah"},
    {"code": "B", "label": {"id": "Baik", "en": "Good"}, "min": 70, "zone": "hijau"},
    {"code": "A", "label": {"id": "Sangat Baik", "en": "Very good"}, "min": 90, "zone": "hijau"}
  ]
}"#;

const NEVER_SEEN_ASSIGNMENT: &str = r#"{"format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "pasar-rakyat-2027", "version": "1"}, "title": "Pasar 2027",
  "agencies": [{"code": "PSR", "name": "Dinas Perdagangan Uji", "kind": "lembaga", "units": [
    {"code": "PASAR-A", "name": "Pasar A", "products": []},
    {"code": "PASAR-B", "name": "Pasar B", "products": []}]}]}"#;

#[test]
fn a_method_never_seen_opens_and_scores_in_the_workstation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path(), &[]);
    let instrument = Instrument::parse(NEVER_SEEN).expect("the instrument validates");
    store.import_instrument(&instrument).unwrap();
    let assignment =
        crate::domain::assignment::Assignment::parse(NEVER_SEEN_ASSIGNMENT).expect("valid");
    store.import_assignment(&assignment, "pasar.json").unwrap();
    let mut ws = reopen(store, Lang::En);

    // The agency opens on its own checklist: its role, its indicators, its units.
    let agency = open(&mut ws, "PSR");
    let shown = screen(&ws);
    for text in [
        "0/2    » Trader",
        "Fair fees",
        "Price stability index",
        "Pasar A",
        "Pasar B",
    ] {
        assert!(shown.contains(text), "{text}:\n{shown}");
    }
    // Two traders, heads-down: 3 then 2 (mean 2.5 of 3).
    ws.update(Action::Open); // the first indicator, the interview: its roster
    ws.update(Action::Open);
    type_text(&mut ws, "\n3");
    type_text(&mut ws, "2"); // the second trader was added after the first's answer
    assert!(
        matches!(ws.app.modal, Modal::ConfirmMore { .. }),
        "{:?}",
        ws.app.modal
    );
    ws.update(key(KeyCode::Char('n')));
    ws.update(Action::Back);
    // The data value.
    let inflasi = IndicatorIx::new(instrument.indicator_index("inflasi").unwrap());
    for _ in 0..5 {
        if ws.app.checklist().map(|c| c.at) == Some(Item::Indicator(inflasi)) {
            break;
        }
        ws.update(Action::Down);
    }
    ws.update(Action::Open);
    type_text(&mut ws, "90\n\n"); // the instrument names the source
    // Pasar A's stalls: clean (3/3), drained (✓).
    let pasar_a = open(&mut ws, "PSR/PASAR-A");
    type_text(&mut ws, "3 ");
    // Pasar A: (50 * 100 + 30 * 250/3 + 20 * 90) / 100 = 93.00 -> A, hijau ("Very
    // good"); Pasar B, its stalls unanswered (S_kios = 0, counted):
    // (50 * 0 + 30 * 250/3 + 20 * 90) / 100 = 43.00 -> C, merah.
    let shown = screen(&ws);
    assert!(shown.contains("93.00 A hijau"), "{shown}");
    let pasar_b = ws.app.ds.find_node("PSR/PASAR-B").unwrap();
    let summary = |n| {
        ws.app
            .book
            .summary(&ws.app.ds, n)
            .rounded()
            .map(|r| r.to_string())
    };
    assert_eq!(summary(pasar_a).as_deref(), Some("93.00"));
    assert_eq!(summary(pasar_b).as_deref(), Some("43.00"));
    // The agency: the mean of its units, (93 + 43) / 2 = 68.00 -> C, merah; 70 is the
    // next category, B.
    assert_eq!(summary(agency).as_deref(), Some("68.00"));
    assert!(shown.contains("68.00 C merah"), "{shown}");
    assert!(shown.contains("Very good"), "{shown}");
    // What the store holds scores the same from scratch.
    let loaded = ws.runtime.store().load().unwrap();
    let fresh = ScoreBook::compute(&loaded);
    let a = loaded.find_node("PSR").unwrap();
    assert_eq!(
        fresh.summary(&loaded, a),
        ws.app.book.summary(&ws.app.ds, agency)
    );
}
