//! The workstation at every level without a database (format 2: the demo's Bengkulu
//! agencies on the 2022-2024 instrument, an agency on the 2025 one): an agency's and a
//! unit's own checklists beside the nodes below them, rosters, questionnaires entered
//! heads-down, data values, finalizing a unit, undo, and the scores after each change.
//! The test plays the store's part by hand (`play`): every effect asked for is answered
//! as the store would, so what is checked is the state's own doing.

use crossterm::event::KeyCode;
use num_rational::BigRational;

use super::*;
use crate::domain::instrument::NodeLevel;
use crate::domain::model::{Ix, NodeRef};
use crate::domain::scoring::Rounded;
use crate::domain::{Lang, Value};
use crate::store::{RecordOutcome, RespondentRow};
use crate::tui::effect::{Outcome, Target};
use crate::tui::keymap::Config;
use crate::tui::testing::{demo_app_with, key, type_text};

/// The demo's Bengkulu assignment (kepatuhan-2024: unit- and agency-level dimensions,
/// roles of 4 staff, 2 complaint officials and 30 service users).
fn bengkulu() -> &'static str {
    crate::shipped::DEMO_ASSIGNMENTS[1].1
}

/// One agency on the 2025 instrument (data indicators at agency level), one unit
/// without products.
const OPINI: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "opini-2025", "version": "1"},
  "title": "Uji opini",
  "agencies": [{"code": "9998", "name": "Pemerintah Kota Uji Opini", "kind": "pemkot",
    "units": [{"code": "DPMPTSP", "name": "DPMPTSP Kota Uji", "products": []}]}]
}"#;

fn levels_app(lang: Lang) -> App {
    demo_app_with(lang, &[bengkulu(), OPINI], Config::default())
}

/// Plays the store: commits every change asked for (as the store would), adds
/// respondents with the next number of their role, finalizes; returns what else was
/// asked (positions to remember...).
fn play(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut rest = Vec::new();
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(e) = queue.pop_front() {
        let outcome = match e {
            Effect::Record(change) => {
                let (node, i) = (change.node, change.indicator);
                let old_value = match change.respondent {
                    Some(r) => app.ds.respondent_value(node, r, i),
                    None => app.ds.value(node, i),
                };
                let old_note = app.ds.note(node, i).to_string();
                Outcome::Recorded {
                    change,
                    result: Ok(RecordOutcome {
                        old_value,
                        old_note,
                        audit_rows: 1,
                    }),
                }
            }
            Effect::AddRespondent(add) => {
                let id = 1000 + app.ds.respondents(add.node).len() as i64;
                let role = app.ds.instrument_of(add.node).roles[add.role.index()]
                    .id
                    .clone();
                let row = RespondentRow {
                    id,
                    uid: format!("{id:032x}"),
                    role,
                    number: app.ds.next_respondent_number(add.node, add.role.index()),
                    label: add.label.clone(),
                    added_at: String::new(),
                    added_by: String::new(),
                    removed: None,
                };
                Outcome::RespondentAdded {
                    add,
                    result: Ok(row),
                }
            }
            Effect::RemoveRespondent(remove) => Outcome::RespondentRemoved {
                remove,
                result: Ok(()),
            },
            Effect::RecordData(change) => Outcome::DataRecorded {
                change,
                result: Ok(()),
            },
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
            Effect::LoadEvidence {
                node, indicator, ..
            } => Outcome::EvidenceLoaded {
                node,
                indicator,
                result: Ok(Vec::new()),
            },
            other => {
                rest.push(other);
                continue;
            }
        };
        queue.extend(app.update(outcome));
    }
    rest
}

fn act(app: &mut App, a: Action) -> Vec<Effect> {
    let e = app.update(a);
    play(app, e)
}

fn press(app: &mut App, k: KeyCode) -> Vec<Effect> {
    let e = app.update(key(k));
    play(app, e)
}

fn digits(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn checklist(app: &App) -> &Checklist {
    match &app.screen {
        Screen::Checklist(c) => c,
        other => panic!("not on a checklist: {other:?}"),
    }
}

fn node(app: &App, path: &str) -> NodeRef {
    app.ds
        .find_node(path)
        .unwrap_or_else(|| panic!("no {path}"))
}

/// Plays what a call made outside `update` asked for (opening a screen directly).
fn settle(app: &mut App) {
    let effects = std::mem::take(&mut app.effects);
    play(app, effects);
}

/// The rounded score of a node as the score panel writes it.
fn shown(app: &App, n: NodeRef) -> String {
    app.book
        .summary(&app.ds, n)
        .rounded()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "-".into())
}

/// The score book kept up to date change by change equals one computed from scratch.
fn assert_scores_are_exact(app: &App) {
    let fresh = ScoreBook::compute(&app.ds);
    for a in app.ds.agencies.ids() {
        let n = NodeRef::Agency(a);
        assert_eq!(
            app.book.summary(&app.ds, n),
            fresh.summary(&app.ds, n),
            "{}",
            app.ds.node_path(n)
        );
    }
    for u in app.ds.units.ids() {
        assert_eq!(
            app.book.unit(u),
            fresh.unit(u),
            "{}",
            app.ds.node_path(u.into())
        );
    }
}

/// From the agency list to agency 1702's own checklist.
fn open_1702(app: &mut App) {
    let a = app.ds.find_agency("1702").unwrap();
    let at = app
        .nav_top()
        .shown
        .iter()
        .position(|&n| n == Node::Agency(a))
        .unwrap();
    app.nav_mut().selected = at;
    act(app, Action::Open);
}

/// Moves the checklist's cursor to an item.
fn go_to(app: &mut App, item: Item) {
    act(app, Action::Top);
    for _ in 0..200 {
        if checklist(app).at == item {
            return;
        }
        act(app, Action::Down);
    }
    panic!("{item:?} not reached");
}

#[test]
fn an_agency_and_a_unit_open_on_their_own_checklists_beside_the_nodes_below() {
    let mut app = levels_app(Lang::En);
    open_1702(&mut app);
    let agency = node(&app, "1702");
    let c = checklist(&app);
    assert_eq!((c.node, c.respondent), (agency, None));
    // Its units, then its roles and its own indicators.
    let rows = app.rows(c);
    let inst = app.ds.instrument_of(agency);
    let pengguna = RoleIx::new(inst.role_index("pengguna").unwrap());
    assert_eq!(rows[0], Row::Below);
    assert!(
        rows[1..8]
            .iter()
            .all(|r| matches!(r, Row::Child(NodeRef::Unit(_))))
    );
    assert_eq!(rows[8], Row::Dimension(2)); // output, answered per agency
    assert_eq!(rows[9], Row::Role(pengguna));
    assert!(rows[10..].iter().all(|r| matches!(r, Row::Indicator(_))));
    assert_eq!(rows.len(), 10 + 5);
    // The first indicator is highlighted, the units in view above it; the breadcrumb
    // stands on the agency.
    assert_eq!(c.at, Item::Indicator(IndicatorIx::new(26)));
    assert!(
        c.offset <= 1,
        "the units in view (their heading stays on top)"
    );
    assert_eq!(app.nav.len(), 2);

    // A unit row opens the unit's own checklist: its roles, indicators, products.
    let dukcapil = node(&app, "1702/DUKCAPIL");
    go_to(&mut app, Item::Child(dukcapil));
    act(&mut app, Action::Open);
    let c = checklist(&app);
    assert_eq!(c.node, dukcapil);
    let rows = app.rows(c);
    let roles: Vec<Row> = rows
        .iter()
        .copied()
        .filter(|r| matches!(r, Row::Role(_)))
        .collect();
    assert_eq!(roles.len(), 2, "{rows:?}"); // pelaksana, pengelola-pengaduan
    let products: Vec<Row> = rows
        .iter()
        .copied()
        .filter(|r| matches!(r, Row::Child(NodeRef::Product(_))))
        .collect();
    assert_eq!(products.len(), 3);
    // Indicators of other levels are not on it.
    let inst = app.ds.instrument_of(dukcapil);
    for r in &rows {
        if let Row::Indicator(i) = r {
            assert_eq!(inst.level_of(i.index()), NodeLevel::Unit);
        }
    }

    // A product row opens the product's checklist: its own (process) indicators only.
    let ktp = node(&app, "1702/DUKCAPIL/KTP-EL");
    go_to(&mut app, Item::Child(ktp));
    act(&mut app, Action::Open);
    let c = checklist(&app);
    assert_eq!(c.node, ktp);
    let n = app.shown_indicators(c).len();
    assert_eq!(n, 11, "the 11 published process indicators");

    // Back climbs the same way: product -> unit (on the product's row) -> agency (on
    // the unit's row) -> the agency list.
    act(&mut app, Action::Back);
    assert_eq!(
        (checklist(&app).node, checklist(&app).at),
        (dukcapil, Item::Child(ktp))
    );
    act(&mut app, Action::Back);
    assert_eq!(
        (checklist(&app).node, checklist(&app).at),
        (agency, Item::Child(dukcapil))
    );
    act(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Navigator);
    assert_eq!(app.nav.len(), 1);
    assert_eq!(
        app.nav_top().current(),
        Some(Node::Agency(app.ds.find_agency("1702").unwrap()))
    );
}

#[test]
fn a_format_1_agency_still_opens_on_its_units() {
    let mut app = levels_app(Lang::En);
    act(&mut app, Action::Open); // 81, Maluku, kepatuhan-2021
    assert_eq!(app.screen, Screen::Navigator);
    assert!(matches!(app.nav_top().depth, NavDepth::Units(_)));
    act(&mut app, Action::Open);
    assert!(matches!(app.nav_top().depth, NavDepth::Products(_)));
    act(&mut app, Action::Open);
    let c = checklist(&app);
    assert!(matches!(c.node, NodeRef::Product(_)));
    assert_eq!(app.rows(c), checklist_rows(app.ds.instrument_of(c.node)));
}

#[test]
fn two_respondents_interviewed_heads_down_change_the_unit_and_agency_scores() {
    let mut app = levels_app(Lang::En);
    open_1702(&mut app);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    let agency = node(&app, "1702");
    go_to(&mut app, Item::Child(dukcapil));
    act(&mut app, Action::Open);
    let inst = app.ds.instrument_of(dukcapil);
    let pelaksana = RoleIx::new(inst.role_index("pelaksana").unwrap());
    assert_eq!(
        (shown(&app, dukcapil), shown(&app, agency)),
        ("0.00".into(), "0.00".into())
    );

    // The role's row opens its roster: nobody yet, the row that adds one.
    go_to(&mut app, Item::Role(pelaksana));
    act(&mut app, Action::Open);
    let Screen::Roster(r) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    assert_eq!((r.node, r.role), (dukcapil, pelaksana));
    assert_eq!(app.roster_rows(r), [None]);
    assert_eq!(app.role_count(dukcapil, pelaksana), (0, 4));

    // Enter on it asks for a position (optional), then adds the respondent.
    act(&mut app, Action::Open);
    assert!(matches!(app.modal, Modal::AddRespondent { .. }));
    type_text(&mut app, "Kepala Dinas");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::AddRespondent(add)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (add.node, add.role, add.label.as_str(), add.heads_down),
        (dukcapil, pelaksana, "Kepala Dinas", false)
    );
    assert_eq!(add.target.node.path, "1702/DUKCAPIL");
    play(&mut app, effects);
    // Its questionnaire is open: the role's six questions, the first highlighted.
    let c = checklist(&app);
    let first = c.respondent.expect("a questionnaire");
    assert_eq!(app.shown_indicators(c).len(), 6);
    assert_eq!(
        app.respondent_name(dukcapil, first),
        "Staff 1 (Kepala Dinas)"
    );

    // A digit records the answer of this respondent and moves on.
    let effects = app.update(key(KeyCode::Char('3')));
    let [Effect::Record(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(change.respondent, Some(first));
    assert_eq!(change.value, Some(Value::Level(3)));
    let Target::Respondent { at, row } = &change.target else {
        panic!("{:?}", change.target)
    };
    assert_eq!((at.node.path.as_str(), row.number), ("1702/DUKCAPIL", 1));
    assert_eq!(
        app.ds.respondent_value(dukcapil, first, change.indicator),
        Value::Unanswered,
        "not before the store says so"
    );
    play(&mut app, effects);
    assert_eq!(
        app.ds
            .respondent_value(dukcapil, first, IndicatorIx::new(0)),
        Value::Level(3)
    );
    assert!(
        matches!(app.status, Status::Saved(ref m) if m.contains("Staff 1 (Kepala Dinas) · pengetahuan-standar = 3/3"))
    );
    // The unit's and agency's scores changed with the answer (S_input = 100 * 1 / 15;
    // the unit weighs input 21.85 of 100; the agency is the mean of its 7 units).
    assert_eq!(shown(&app, dukcapil), "1.46");
    assert_eq!(shown(&app, agency), "0.21");
    assert_scores_are_exact(&app);

    // The other five, heads-down: the last one moves on to a new respondent, added
    // because the role needs four.
    digits(&mut app, "23123");
    let c = checklist(&app);
    let second = c.respondent.expect("the next questionnaire");
    assert_ne!(second, first);
    assert_eq!(app.respondent_name(dukcapil, second), "Staff 2");
    assert_eq!(c.indicator(), Some(IndicatorIx::new(0)));
    // 3+2+3+1+2+3 = 14 of 6 questions at 3: S_input = 100 * (14/3) / 15.
    let unit_score = |sum: i64| BigRational::new((2185 * sum).into(), (100 * 45).into());
    assert_eq!(
        shown(&app, dukcapil),
        Rounded::of(&unit_score(14)).to_string()
    );
    assert_eq!(shown(&app, dukcapil), "6.80");

    // The second respondent: the node's values are the respondents' means.
    digits(&mut app, "222222");
    assert_eq!(shown(&app, dukcapil), "6.31"); // (3+2)/2 + 2 + ... = 13 / 3
    let agency_score = unit_score(13) / BigRational::from_integer(7.into());
    assert_eq!(shown(&app, agency), Rounded::of(&agency_score).to_string());
    assert_eq!(shown(&app, agency), "0.90");
    assert_scores_are_exact(&app);
    assert_eq!(app.role_count(dukcapil, pelaksana), (3, 4));
    let third = checklist(&app).respondent.unwrap();
    assert_eq!(app.respondent_name(dukcapil, third), "Staff 3");

    // The unit's checklist shows the means and the roster's count.
    act(&mut app, Action::Back);
    assert!(matches!(app.screen, Screen::Roster(_)));
    act(&mut app, Action::Back);
    let c = checklist(&app).clone();
    assert_eq!((c.node, c.at), (dukcapil, Item::Role(pelaksana)));
    assert_eq!(
        app.mean_text(dukcapil, IndicatorIx::new(0)).as_deref(),
        Some("2.50/3")
    );
    assert_eq!(app.progress_of(dukcapil, IndicatorIx::new(0)), (2, 4));
}

#[test]
fn the_last_question_of_the_last_respondent_needed_asks_before_adding_one() {
    let mut app = levels_app(Lang::En);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    let inst = app.ds.instrument_of(dukcapil);
    let pengaduan = RoleIx::new(inst.role_index("pengelola-pengaduan").unwrap());
    app.show_node(dukcapil, Some(Item::Role(pengaduan)));
    settle(&mut app);
    act(&mut app, Action::Open);
    act(&mut app, Action::Open);
    press(&mut app, KeyCode::Enter); // no position
    digits(&mut app, "333333"); // official 1, then official 2 is added
    assert_eq!(app.role_count(dukcapil, pengaduan), (2, 2));
    digits(&mut app, "33333");
    assert_eq!(app.modal, Modal::None);
    // The last answer of the last official needed: add another?
    let effects = app.update(key(KeyCode::Char('3')));
    let rest = play(&mut app, effects);
    assert!(rest.iter().all(|e| !matches!(e, Effect::AddRespondent(_))));
    assert_eq!(
        app.modal,
        Modal::ConfirmMore {
            node: dukcapil,
            role: pengaduan
        }
    );
    // No: back to the roster, nothing added.
    press(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.screen, Screen::Roster(ref r) if r.role == pengaduan));
    assert_eq!(app.role_count(dukcapil, pengaduan), (2, 2));
    // The pengaduan dimension is fully answered at 3: S = 100.
    let own = crate::domain::method::own_scores(
        app.ds.instrument_of(dukcapil),
        NodeLevel::Unit,
        &app.ds.answers(dukcapil),
    );
    let d = app
        .ds
        .instrument_of(dukcapil)
        .dimensions
        .iter()
        .position(|d| d.id == "pengaduan")
        .unwrap();
    assert_eq!(
        own.dimensions[d].as_ref().map(|s| s.score.clone()),
        Some(BigRational::from_integer(100.into()))
    );
    // Yes adds a third and opens its questionnaire.
    let second = app.ds.roster(dukcapil, pengaduan.index())[1].0;
    app.show_questionnaire(dukcapil, second);
    settle(&mut app);
    let last = *app.shown_indicators(checklist(&app)).last().unwrap();
    go_to(&mut app, Item::Indicator(last));
    press(&mut app, KeyCode::Char('2'));
    assert!(matches!(app.modal, Modal::ConfirmMore { .. }));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.role_count(dukcapil, pengaduan), (3, 2));
    let third = checklist(&app).respondent.unwrap();
    assert_eq!(app.ds.respondent(dukcapil, third).unwrap().number, 3);
}

#[test]
fn observations_of_a_unit_and_what_its_interview_rows_refuse() {
    let mut app = levels_app(Lang::Id);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    app.show_node(dukcapil, None);
    settle(&mut app);
    let inst = app.ds.instrument_of(dukcapil);
    let standar = IndicatorIx::new(inst.indicator_index("pengetahuan-standar").unwrap());
    let pengawasan = IndicatorIx::new(inst.indicator_index("pengawasan-internal").unwrap());
    let mutu = IndicatorIx::new(inst.indicator_index("jumlah-pelaksana").unwrap());
    // A digit on an interview row records nothing and says how it is answered.
    go_to(&mut app, Item::Indicator(standar));
    let effects = app.update(key(KeyCode::Char('2')));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(app.status, Status::Error(ref m) if m.contains("Pelaksana")),
        "{:?}",
        app.status
    );
    // N/A for the whole interview indicator is the node's own.
    let effects = app.update(key(KeyCode::Char('x')));
    let [Effect::Record(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(matches!(change.target, Target::Node(_)));
    assert_eq!(
        (change.respondent, change.value),
        (None, Some(Value::NotApplicable))
    );
    play(&mut app, effects);
    assert_eq!(
        app.ds.answer(dukcapil, standar),
        crate::domain::method::Answer::NotApplicable
    );
    // An observation of the unit: recorded through its node, the cursor moves on to
    // the next observation (interview rows are skipped).
    go_to(&mut app, Item::Indicator(pengawasan));
    let effects = app.update(key(KeyCode::Char('3')));
    let [Effect::Record(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    let Target::Node(t) = &change.target else {
        panic!("{:?}", change.target)
    };
    assert_eq!(
        (t.node.path.as_str(), t.node.level),
        ("1702/DUKCAPIL", NodeLevel::Unit)
    );
    play(&mut app, effects);
    assert_eq!(app.ds.value(dukcapil, pengawasan), Value::Level(3));
    assert_eq!(checklist(&app).at, Item::Indicator(mutu));
    assert!(
        matches!(app.status, Status::Saved(ref m) if m.contains("DUKCAPIL · pengawasan-internal = 3/3"))
    );
    assert_scores_are_exact(&app);
    // Undo takes it back (the unit is the node in view).
    act(&mut app, Action::Undo);
    assert_eq!(app.ds.value(dukcapil, pengawasan), Value::Unanswered);
    assert_eq!(checklist(&app).at, Item::Indicator(pengawasan));
    act(&mut app, Action::Redo);
    assert_eq!(app.ds.value(dukcapil, pengawasan), Value::Level(3));
    assert_scores_are_exact(&app);
}

#[test]
fn a_respondent_is_removed_with_a_reason_and_undo_follows_answers_into_questionnaires() {
    let mut app = levels_app(Lang::En);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    let pelaksana = RoleIx::new(
        app.ds
            .instrument_of(dukcapil)
            .role_index("pelaksana")
            .unwrap(),
    );
    app.show_roster(dukcapil, pelaksana, None);
    settle(&mut app);
    act(&mut app, Action::AddRespondent);
    press(&mut app, KeyCode::Enter);
    digits(&mut app, "333");
    let first = checklist(&app).respondent.unwrap();
    let with_three = shown(&app, dukcapil);
    assert_ne!(with_three, "0.00");

    // Undo takes back this respondent's last answer, in its questionnaire.
    act(&mut app, Action::Back); // the roster
    act(&mut app, Action::Undo);
    let c = checklist(&app);
    assert_eq!(
        (c.respondent, c.indicator()),
        (Some(first), Some(IndicatorIx::new(2)))
    );
    assert_eq!(
        app.ds
            .respondent_value(dukcapil, first, IndicatorIx::new(2)),
        Value::Unanswered
    );
    act(&mut app, Action::Redo);
    assert_eq!(shown(&app, dukcapil), with_three);

    // Removing needs a reason; with one, its answers no longer count.
    act(&mut app, Action::Back);
    let Screen::Roster(r) = &app.screen else {
        panic!()
    };
    assert_eq!(app.roster_rows(r)[r.selected], Some(first));
    act(&mut app, Action::RemoveRespondent);
    assert!(matches!(app.modal, Modal::RemoveRespondent { .. }));
    let effects = app.update(key(KeyCode::Enter));
    assert!(effects.is_empty());
    assert!(matches!(app.status, Status::Error(_)));
    type_text(&mut app, "salah orang");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::RemoveRespondent(rm)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (
            rm.role.as_str(),
            rm.number,
            rm.reason.as_str(),
            rm.target.path.as_str()
        ),
        ("pelaksana", 1, "salah orang", "1702/DUKCAPIL")
    );
    play(&mut app, effects);
    assert_eq!(app.modal, Modal::None);
    assert_eq!(app.role_count(dukcapil, pelaksana), (0, 4));
    assert_eq!(shown(&app, dukcapil), "0.00");
    assert!(app.undo.iter().all(|e| !matches!(
        e,
        crate::tui::effect::Edit::Value {
            respondent: Some(_),
            ..
        }
    )));
    // The next one gets the next number: numbers are never given twice.
    act(&mut app, Action::AddRespondent);
    press(&mut app, KeyCode::Enter);
    let second = checklist(&app).respondent.unwrap();
    assert_eq!(app.ds.respondent(dukcapil, second).unwrap().number, 2);
    assert_scores_are_exact(&app);
}

#[test]
fn a_position_label_is_one_short_line() {
    let mut app = levels_app(Lang::En);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    app.show_roster(dukcapil, RoleIx::new(0), None);
    settle(&mut app);
    act(&mut app, Action::AddRespondent);
    type_text(&mut app, &"x".repeat(100));
    let effects = app.update(key(KeyCode::Enter));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(app.modal, Modal::AddRespondent { .. }));
    assert!(
        matches!(app.status, Status::Error(ref m) if m.contains("never a name")),
        "{:?}",
        app.status
    );
}

#[test]
fn a_data_value_is_entered_with_its_source_and_undone() {
    let mut app = levels_app(Lang::En);
    let agency = node(&app, "9998");
    app.show_node(agency, None);
    settle(&mut app);
    let inst = app.ds.instrument_of(agency);
    let ikm = IndicatorIx::new(inst.indicator_index("ikm").unwrap());
    go_to(&mut app, Item::Indicator(ikm));
    // A digit says how a data value is entered.
    assert!(app.update(key(KeyCode::Char('8'))).is_empty());
    assert!(matches!(app.status, Status::Error(_)));
    // Enter: the value (checked), then its source (the instrument's, to edit).
    act(&mut app, Action::Open);
    assert!(matches!(app.modal, Modal::Data { amount: None, .. }));
    type_text(&mut app, "82,35");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        matches!(app.status, Status::Error(ref m) if m.contains("with a dot")),
        "{:?}",
        app.status
    );
    for _ in 0..5 {
        drop(app.update(key(KeyCode::Backspace)));
    }
    type_text(&mut app, "82.35");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Modal::Data {
        amount: Some(a),
        input,
        ..
    } = &app.modal
    else {
        panic!("{:?}", app.modal)
    };
    assert_eq!(a, "82.35");
    assert!(input.text().starts_with("KemenPAN-RB"), "{}", input.text());
    let before = shown(&app, agency);
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::RecordData(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        change.value.as_ref().map(|v| v.text()),
        Some("82.35".into())
    );
    assert_eq!(change.target.node.path, "9998");
    play(&mut app, effects);
    assert_eq!(app.modal, Modal::None);
    assert_eq!(
        app.ds.data(agency, ikm).map(|d| d.text()),
        Some("82.35".into())
    );
    assert_ne!(shown(&app, agency), before);
    assert_scores_are_exact(&app);
    assert_eq!(app.cell_text(Cell::of(agency, ikm)), "82.35");
    // Undo clears it again, as a data change of its own.
    let effects = app.update(Action::Undo);
    let [Effect::RecordData(change)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(change.value, None);
    play(&mut app, effects);
    assert_eq!(app.ds.data(agency, ikm), None);
    assert_eq!(shown(&app, agency), before);
}

#[test]
fn a_unit_is_finalized_from_its_checklist_and_then_refuses_changes() {
    let mut app = levels_app(Lang::En);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    app.show_node(dukcapil, None);
    settle(&mut app);
    let missing = app.unanswered_at(dukcapil).len();
    assert_eq!(missing, 6 + 9 + 6, "every own indicator of the unit");
    act(&mut app, Action::Finalize);
    assert_eq!(
        app.modal,
        Modal::ConfirmFinalize {
            node: dukcapil,
            selected: 0
        }
    );
    let effects = app.update(key(KeyCode::Char('y')));
    let [
        Effect::SetFinal {
            target,
            reopen: None,
            ..
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (target.level, target.path.as_str()),
        (NodeLevel::Unit, "1702/DUKCAPIL")
    );
    play(&mut app, effects);
    assert!(app.ds.finalized(dukcapil));
    // Its observations, respondents and answers refuse changes; its products do not.
    let pengawasan = IndicatorIx::new(
        app.ds
            .instrument_of(dukcapil)
            .indicator_index("pengawasan-internal")
            .unwrap(),
    );
    go_to(&mut app, Item::Indicator(pengawasan));
    assert!(app.update(key(KeyCode::Char('1'))).is_empty());
    assert!(matches!(app.status, Status::Error(_)));
    act(&mut app, Action::AddRespondent);
    assert_eq!(app.modal, Modal::None);
    let ktp = node(&app, "1702/DUKCAPIL/KTP-EL");
    app.show_node(ktp, None);
    settle(&mut app);
    let effects = app.update(key(KeyCode::Char('2')));
    assert!(matches!(&effects[..], [Effect::Record(c)] if matches!(c.target, Target::Product(_))));
    // Reopening asks for a reason.
    app.show_node(dukcapil, None);
    settle(&mut app);
    act(&mut app, Action::Finalize);
    assert!(matches!(app.modal, Modal::Reopen { .. }));
}

#[test]
fn filter_and_jump_in_a_unit_checklist() {
    let mut app = levels_app(Lang::En);
    let agency = node(&app, "1702");
    app.show_node(agency, None);
    settle(&mut app);
    // The filter finds a unit by its name too.
    act(&mut app, Action::Filter);
    type_text(&mut app, "curup");
    let c = checklist(&app);
    let rows = app.rows(c);
    assert_eq!(
        rows.iter().filter(|r| matches!(r, Row::Child(_))).count(),
        2,
        "RSUD Curup and Puskesmas Curup: {rows:?}"
    );
    assert!(matches!(c.at, Item::Child(_)));
    press(&mut app, KeyCode::Enter);
    act(&mut app, Action::Open);
    let c = checklist(&app);
    assert_eq!(app.ds.node_path(c.node), "1702/RSUD-CURUP");
    // ] goes to the next indicator not fully answered.
    act(&mut app, Action::NextUnanswered);
    let c = checklist(&app);
    let i = c.indicator().unwrap();
    assert!(app.unanswered_at(c.node).contains(&i));
}

#[test]
fn the_position_of_a_unit_checklist_is_remembered_and_resumed() {
    let mut app = levels_app(Lang::En);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    let effects = app.open_node_checklist(dukcapil, None);
    let remembered = play(&mut app, effects)
        .into_iter()
        .find_map(|e| match e {
            Effect::RememberPosition(p) => Some(p),
            _ => None,
        })
        .expect("the position");
    assert_eq!(
        (
            remembered.path.as_str(),
            remembered.indicator.as_deref(),
            remembered.checklist
        ),
        ("1702/DUKCAPIL", Some("pengetahuan-standar"), true)
    );
    let mut again = levels_app(Lang::En);
    drop(again.resume(Some(remembered)));
    let c = checklist(&again);
    assert_eq!(
        (c.node, c.indicator()),
        (dukcapil, Some(IndicatorIx::new(0)))
    );
    // Back from it: the agency's checklist, on the unit's row.
    act(&mut again, Action::Back);
    assert_eq!(checklist(&again).at, Item::Child(dukcapil));
}

#[test]
fn the_new_keys_are_rebindable_and_in_the_help() {
    let config = Config::parse(
        "[keys]\nadd_respondent = \"A\"\nremove_respondent = \"R\"\n",
        "config.toml",
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let mut app = demo_app_with(Lang::En, &[bengkulu()], config);
    let dukcapil = node(&app, "1702/DUKCAPIL");
    app.show_roster(dukcapil, RoleIx::new(0), None);
    settle(&mut app);
    // The old key no longer adds; the new one does.
    drop(app.update(key(KeyCode::Char('+'))));
    assert_eq!(app.modal, Modal::None);
    drop(app.update(key(KeyCode::Char('A'))));
    assert!(matches!(app.modal, Modal::AddRespondent { .. }));
    let help: Vec<String> = crate::tui::help::lines(app.t(), &app.keymap, None)
        .iter()
        .map(|l| l.text())
        .collect();
    assert!(
        help.iter()
            .any(|l| l.contains("A ") && l.contains("add a respondent")),
        "{help:?}"
    );
    assert!(
        help.iter()
            .any(|l| l.contains("R ") && l.contains("remove a respondent"))
    );
}
