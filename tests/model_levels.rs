//! The data model at every level (format 2) through the API the store and the
//! workstation use: a [`Dataset`] built with its own answers at units and agencies,
//! respondents, data values and follow-ups, and the [`ScoreBook`] kept up to date one
//! change at a time. Hand-computed tables (a respondent answering, added, removed; a
//! data value changed and cleared; the qualifier true/false/null), the path to the next
//! category worked out by hand, and property tests on random mixed-level instruments:
//! the incremental book equals a from-scratch one and `method::score_agency`, and every
//! step of a path gains exactly what it says.

mod common;

use common::r;
use num_rational::BigRational;
use num_traits::Zero;
use patuh::domain::Value::{self, Level as L, NotApplicable as NA, Unanswered as UN};
use patuh::domain::followup::{self, FollowUpItem, FollowUpKind, FollowUpStatus};
use patuh::domain::instrument::{
    Aggregate, Band, Dimension, Indicator, Instrument, NodeLevel, Qualifier, Role, Source, Zone,
};
use patuh::domain::method::{self, AgencyAnswers, Answer};
use patuh::domain::model::{
    Agency, AgencyIx, CellError, DataValue, Dataset, IndicatorIx, Ix, Kind, NodeRef, Product,
    ProductIx, Respondent, RespondentIx, ScoreBook, Unit, UnitIx, next_category,
};
use patuh::domain::scoring::{Rounded, next_zone};
use patuh::domain::text::{Lang, Text};
use proptest::prelude::*;

/// The instrument of docs/instrument-format.md's worked example (and of
/// tests/scoring_levels.rs): four dimensions at three levels, weights 20/40/25/15.
/// - `in` (unit, 20): `in-tahu` interview of 2 `staf` (w 2, 0-3), `in-sarana` observed (w 1, 0-3)
/// - `pr` (product, 40): `pr-a` (w 3, 0-3), `pr-b` (w 1, tick)
/// - `out` (agency, 25): `out-rasa` interview of 3 `warga` (w 1, 0-3), `out-ikm` data (w 1, 0-100)
/// - `pg` (unit, 15): `pg-a` interview of 2 `pengelola` (w 1, 0-3)
const MIXED: &str = r#"{
  "format": "patuh-instrument", "format_version": 2,
  "id": "uji-level", "version": "1",
  "title": {"id": "Uji bertingkat", "en": "Level test"},
  "aggregate": "units",
  "roles": [
    {"id": "staf", "label": {"id": "Pelaksana", "en": "Staff"}, "level": "unit", "respondents": 2},
    {"id": "pengelola", "label": {"id": "Pengelola pengaduan"}, "level": "unit", "respondents": 2},
    {"id": "warga", "label": {"id": "Pengguna layanan"}, "level": "agency", "respondents": 3}
  ],
  "dimensions": [
    {"id": "in", "label": {"id": "Input"}, "level": "unit", "weight": 20},
    {"id": "pr", "label": {"id": "Proses"}, "level": "product", "weight": 40},
    {"id": "out", "label": {"id": "Output"}, "level": "agency", "weight": 25},
    {"id": "pg", "label": {"id": "Pengaduan"}, "level": "unit", "weight": 15}
  ],
  "indicators": [
    {"id": "in-tahu", "dimension": "in", "label": {"id": "Pengetahuan"}, "weight": 2,
     "source": "interview", "role": "staf", "scale": {"max": 3}},
    {"id": "in-sarana", "dimension": "in", "label": {"id": "Sarana"}, "weight": 1, "scale": {"max": 3}},
    {"id": "pr-a", "dimension": "pr", "label": {"id": "Persyaratan"}, "weight": 3, "scale": {"max": 3}},
    {"id": "pr-b", "dimension": "pr", "label": {"id": "Motto"}, "weight": 1, "scale": {"max": 1}},
    {"id": "out-rasa", "dimension": "out", "label": {"id": "Persepsi"}, "weight": 1,
     "source": "interview", "role": "warga", "scale": {"max": 3}},
    {"id": "out-ikm", "dimension": "out", "label": {"id": "IKM"}, "weight": 1,
     "source": "data", "data_source": {"id": "KemenPAN-RB"}, "scale": {"max": 100}},
    {"id": "pg-a", "dimension": "pg", "label": {"id": "Tindak lanjut"}, "weight": 1,
     "source": "interview", "role": "pengelola", "scale": {"max": 3}}
  ],
  "zones": [
    {"code": "merah", "label": {"id": "Zona Merah", "en": "Red zone"}, "color": "red"},
    {"code": "kuning", "label": {"id": "Zona Kuning", "en": "Yellow zone"}, "color": "yellow"},
    {"code": "hijau", "label": {"id": "Zona Hijau", "en": "Green zone"}, "color": "green"}
  ],
  "bands": [
    {"code": "E", "label": {"id": "Kualitas Terendah", "en": "Lowest quality"}, "min": 0, "zone": "merah"},
    {"code": "D", "label": {"id": "Kualitas Rendah", "en": "Low quality"}, "min": 32, "zone": "merah"},
    {"code": "C", "label": {"id": "Kualitas Sedang", "en": "Medium quality"}, "min": 54, "zone": "kuning"},
    {"code": "B", "label": {"id": "Kualitas Tinggi", "en": "High quality"}, "min": 78, "zone": "hijau"},
    {"code": "A", "label": {"id": "Kualitas Tertinggi", "en": "Highest quality"}, "min": 88, "zone": "hijau"}
  ],
  "qualifier": {"code": "tanpa-maladministrasi",
                "label": {"id": "Tanpa Maladministrasi", "en": "without maladministration"}}
}"#;

fn mixed() -> Instrument {
    Instrument::parse(MIXED).expect("the test instrument is valid")
}

/// Agencies -> units -> products as the store would push them, nothing answered:
/// `tree[a] = (instrument index, products per unit)`.
fn skeleton(instruments: Vec<Instrument>, tree: &[(usize, Vec<usize>)]) -> Dataset {
    let mut ds = Dataset {
        instruments,
        ..Dataset::default()
    };
    for (k, (instrument, units)) in tree.iter().enumerate() {
        let n = ds.instruments[*instrument].indicators.len();
        let a = ds.agencies.push(Agency {
            db_id: k as i64 + 1,
            code: format!("A{k}"),
            name: format!("Agency {k}"),
            kind: Kind::Pemkab,
            instrument: *instrument,
            units: Vec::new(),
        });
        for (j, products) in units.iter().enumerate() {
            let u = ds.units.push(Unit {
                db_id: ds.units.len() as i64 + 1,
                code: format!("U{j}"),
                name: format!("Unit {j}"),
                agency: a,
                products: Vec::new(),
            });
            ds.agencies[a].units.push(u);
            for m in 0..*products {
                let p = ds.products.push(Product {
                    db_id: ds.products.len() as i64 + 1,
                    code: format!("P{m}"),
                    name: format!("Product {m}"),
                    unit: u,
                    finalized: false,
                    values: vec![UN; n],
                    notes: vec![String::new(); n].into(),
                    evidence: vec![0; n].into(),
                });
                ds.units[u].products.push(p);
            }
        }
    }
    ds
}

fn ix(ds: &Dataset, node: NodeRef, id: &str) -> IndicatorIx {
    let i = ds
        .instrument_of(node)
        .indicator_index(id)
        .unwrap_or_else(|| panic!("no indicator {id}"));
    IndicatorIx::new(i)
}

fn set(ds: &mut Dataset, node: NodeRef, id: &str, v: Value) {
    let i = ix(ds, node, id);
    ds.set_value(node, i, v).expect("set");
}

/// Adds the next respondent of `role` at `node` with answers by indicator id.
fn respondent(
    ds: &mut Dataset,
    node: NodeRef,
    role: &str,
    answers: &[(&str, Value)],
) -> RespondentIx {
    let role = ds.instrument_of(node).role_index(role).expect("role");
    let number = ds.next_respondent_number(node, role);
    let uid = format!(
        "{:032x}",
        ds.respondents(node).len() * 1000 + number as usize + 7
    );
    let r = ds
        .add_respondent(node, Respondent::new(uid, role, number, String::new()))
        .expect("add");
    for (id, v) in answers {
        let i = ix(ds, node, id);
        ds.set_respondent_value(node, r, i, *v).expect("answer");
    }
    r
}

fn data(ds: &mut Dataset, node: NodeRef, id: &str, text: &str) {
    let i = ix(ds, node, id);
    let value = DataValue::parse(
        &ds.instrument_of(node).indicators[i.index()],
        text,
        "KemenPAN-RB 2024",
    )
    .expect("data value");
    ds.set_data(node, i, Some(value)).expect("data");
}

/// The nodes of the worked example.
struct Example {
    ds: Dataset,
    a: NodeRef,
    u1: NodeRef,
    u2: NodeRef,
    p1: NodeRef,
    p2: NodeRef,
}

/// The worked example of docs/instrument-format.md, entered as the workstation would:
/// - agency: `out-rasa` 3 users: 3, N/A, 2; `out-ikm` 82.35
/// - unit 1: staff 3 and 2 on `in-tahu`; `in-sarana` 3; complaint officials N/A, N/A;
///   products p1 (`pr-a` 2, `pr-b` 1) and p2 (`pr-a` 3, `pr-b` N/A)
/// - unit 2, no products: staff 1 answered `in-tahu` 1, staff 2 not yet; `in-sarana`
///   unanswered; complaint officials 2 and 3
fn example() -> Example {
    let mut ds = skeleton(vec![mixed()], &[(0, vec![2, 0])]);
    let a = NodeRef::Agency(AgencyIx::new(0));
    let (u1, u2) = (NodeRef::Unit(UnitIx::new(0)), NodeRef::Unit(UnitIx::new(1)));
    let (p1, p2) = (
        NodeRef::Product(ProductIx::new(0)),
        NodeRef::Product(ProductIx::new(1)),
    );
    for v in [L(3), NA, L(2)] {
        respondent(&mut ds, a, "warga", &[("out-rasa", v)]);
    }
    data(&mut ds, a, "out-ikm", "82.35");
    respondent(&mut ds, u1, "staf", &[("in-tahu", L(3))]);
    respondent(&mut ds, u1, "staf", &[("in-tahu", L(2))]);
    set(&mut ds, u1, "in-sarana", L(3));
    respondent(&mut ds, u1, "pengelola", &[("pg-a", NA)]);
    respondent(&mut ds, u1, "pengelola", &[("pg-a", NA)]);
    set(&mut ds, p1, "pr-a", L(2));
    set(&mut ds, p1, "pr-b", L(1));
    set(&mut ds, p2, "pr-a", L(3));
    set(&mut ds, p2, "pr-b", NA);
    respondent(&mut ds, u2, "staf", &[("in-tahu", L(1))]);
    respondent(&mut ds, u2, "staf", &[]);
    respondent(&mut ds, u2, "pengelola", &[("pg-a", L(2))]);
    respondent(&mut ds, u2, "pengelola", &[("pg-a", L(3))]);
    Example {
        ds,
        a,
        u1,
        u2,
        p1,
        p2,
    }
}

/// Score (exact), shown value, category, zone and progress of a node.
fn facts(
    ds: &Dataset,
    book: &ScoreBook,
    node: NodeRef,
) -> (BigRational, String, String, String, u64, u64) {
    let s = book.summary(ds, node);
    let v = book.verdict(ds, node).expect("a score");
    (
        s.score.clone().expect("a score"),
        v.rounded.to_string(),
        v.category().to_string(),
        v.zone_code().to_string(),
        s.answered,
        s.total,
    )
}

fn row(
    score: BigRational,
    shown: &str,
    cat: &str,
    zone: &str,
    answered: u64,
    total: u64,
) -> (BigRational, String, String, String, u64, u64) {
    (
        score,
        shown.into(),
        cat.into(),
        zone.into(),
        answered,
        total,
    )
}

/// The incremental book equals a book computed from scratch, node by node.
fn same_as_fresh(ds: &Dataset, book: &ScoreBook) {
    let fresh = ScoreBook::compute(ds);
    for node in every_node(ds) {
        assert_eq!(
            book.node(ds, node),
            fresh.node(ds, node),
            "{}",
            ds.node_path(node)
        );
    }
}

fn every_node(ds: &Dataset) -> Vec<NodeRef> {
    let mut out: Vec<NodeRef> = ds.agencies.ids().map(NodeRef::Agency).collect();
    out.extend(ds.units.ids().map(NodeRef::Unit));
    out.extend(ds.products.ids().map(NodeRef::Product));
    out
}

#[test]
fn the_worked_example_through_the_dataset_and_the_book() {
    let Example {
        ds,
        a,
        u1,
        u2,
        p1,
        p2,
    } = example();
    let book = ScoreBook::compute(&ds);
    // Products: S_pr(p1) = 100 * (3 * 2/3 + 1) / 4 = 75; p2: pr-b N/A -> 100.
    assert_eq!(book.summary(&ds, p1).score, Some(r(75, 1)));
    assert_eq!(book.summary(&ds, p2).score, Some(r(100, 1)));
    assert_eq!(
        book.dimensions(&ds, p1),
        vec![None, Some(r(75, 1)), None, None]
    );
    // Unit 1: X = (800/9, 87.5, 9941/120, -) -> (20 * 800/9 + 40 * 87.5 + 25 * 9941/120) / 85
    //   = 105823/1224 = 86.46, B, hijau; progress 9/9 (two N/A answers count).
    assert_eq!(
        facts(&ds, &book, u1),
        row(r(105823, 1224), "86.46", "B", "hijau", 9, 9)
    );
    assert_eq!(
        book.dimensions(&ds, u1),
        vec![Some(r(800, 9)), Some(r(175, 2)), Some(r(9941, 120)), None]
    );
    // Unit 2 (no products): X = (200/9, -, 9941/120, 250/3) -> 54223/864 = 62.76, C,
    //   kuning; progress 3/5 (staff 2 and the facility missing).
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(54223, 864), "62.76", "C", "kuning", 3, 5)
    );
    // Agency: (105823/1224 + 54223/864) / 2 = 2191667/29376 = 74.61, C, kuning; 16/18.
    assert_eq!(
        facts(&ds, &book, a),
        row(r(2191667, 29376), "74.61", "C", "kuning", 16, 18)
    );
    assert_eq!(
        book.dimensions(&ds, a),
        vec![
            Some(r(500, 9)),
            Some(r(175, 2)),
            Some(r(9941, 120)),
            Some(r(250, 3))
        ]
    );
    // The register is open: the qualifier is unknown and the opinion the band's label.
    let NodeRef::Agency(ai) = a else {
        unreachable!()
    };
    assert_eq!(book.qualifier(ai), None);
    assert_eq!(
        book.opinion(&ds, ai).expect("opinion").get(Lang::Id),
        "Kualitas Sedang"
    );
    // The same numbers as the pure reference on the dataset's answers.
    let reference = method::score_agency(&ds.instruments[0], &ds.agency_answers(ai));
    assert_eq!(book.node(&ds, a), reference.agency);
    assert_eq!(book.node(&ds, u1), reference.units[0].unit);
    assert_eq!(book.node(&ds, u2), reference.units[1].unit);
}

#[test]
fn a_respondent_answering_added_and_removed_moves_the_unit_and_the_agency() {
    let Example {
        mut ds, a, u1, u2, ..
    } = example();
    let mut book = ScoreBook::compute(&ds);
    let staf = ds.instruments[0].role_index("staf").expect("staf");
    let tahu = ix(&ds, u2, "in-tahu");
    let u1_before = facts(&ds, &book, u1);

    // Staff 2 of unit 2 answers in-tahu 3: mean (1 + 3) / 2 = 2, S_in = 100 * (2 * 2/3) / 3
    // = 400/9; U2 = (20 * 400/9 + 15 * 250/3 + 25 * 9941/120) / 60 = 60623/864 = 70.17, C;
    // progress 4/5. The agency (105823/1224 + 60623/864) / 2 = 2300467/29376 = 78.31
    // crosses into B, hijau; 17/18.
    let second = ds.find_respondent(u2, staf, 2).expect("staff 2");
    ds.set_respondent_value(u2, second, tahu, L(3))
        .expect("answer");
    book.update(&ds, u2);
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(60623, 864), "70.17", "C", "kuning", 4, 5)
    );
    assert_eq!(
        facts(&ds, &book, a),
        row(r(2300467, 29376), "78.31", "B", "hijau", 17, 18)
    );
    assert_eq!(
        facts(&ds, &book, u1),
        u1_before,
        "unit 1 does not depend on unit 2"
    );
    same_as_fresh(&ds, &book);

    // A third staff member (more than the 2 required) answers 0: mean (1 + 3 + 0) / 3 = 4/3,
    // S_in = 100 * (2 * 4/9) / 3 = 800/27; U2 = 169069/2592 = 65.23; progress stays 4/5
    // (answers count up to the requirement). Agency 6683801/88128 = 75.84, back to C.
    let third = respondent(&mut ds, u2, "staf", &[("in-tahu", L(0))]);
    assert_eq!(ds.respondent(u2, third).expect("third").number, 3);
    book.update(&ds, u2);
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(169069, 2592), "65.23", "C", "kuning", 4, 5)
    );
    assert_eq!(
        facts(&ds, &book, a),
        row(r(6683801, 88128), "75.84", "C", "kuning", 17, 18)
    );
    same_as_fresh(&ds, &book);

    // Staff 1 (who answered 1) is removed: mean (3 + 0) / 2 = 3/2, S_in = 100/3;
    // U2 = 19141/288 = 66.46; agency 249563/3264 = 76.46. The removed one keeps its number:
    // the next staff member is number 4.
    let first = ds.find_respondent(u2, staf, 1).expect("staff 1");
    ds.remove_respondent(u2, first).expect("remove");
    book.update(&ds, u2);
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(19141, 288), "66.46", "C", "kuning", 4, 5)
    );
    assert_eq!(
        facts(&ds, &book, a),
        row(r(249563, 3264), "76.46", "C", "kuning", 17, 18)
    );
    assert_eq!(ds.next_respondent_number(u2, staf), 4);
    assert_eq!(ds.roster(u2, staf).len(), 2);
    same_as_fresh(&ds, &book);
    // A removed respondent takes no more answers.
    let err = ds.set_respondent_value(u2, first, tahu, L(3)).unwrap_err();
    assert!(err.to_string().contains("staf 1 was removed"), "{err}");
}

#[test]
fn a_data_value_changed_and_cleared() {
    let Example {
        mut ds, a, u1, u2, ..
    } = example();
    let mut book = ScoreBook::compute(&ds);
    let staf = ds.instruments[0].role_index("staf").expect("staf");
    let first = ds.find_respondent(u2, staf, 1).expect("staff 1");
    ds.remove_respondent(u2, first).expect("remove");
    let second = ds.find_respondent(u2, staf, 2).expect("staff 2");
    ds.set_respondent_value(u2, second, ix(&ds, u2, "in-tahu"), L(3))
        .expect("answer");
    book.update(&ds, u2);
    // Unit 2 now: in-tahu 3 (staff 2 only) -> S_in = 100 * 2 / 3 = 200/3.

    // IKM 90.5 instead of 82.35: S_out = 100 * (5/6 + 0.905) / 2 = 1043/12 reaches both
    // units: U1 = (20 * 800/9 + 40 * 87.5 + 25 * 1043/12) / 85 = 53645/612 = 87.66, B;
    // U2 = (20 * 200/3 + 15 * 250/3 + 25 * 1043/12) / 60 = 3805/48 = 79.27, B
    // (the agency is their mean).
    data(&mut ds, a, "out-ikm", "90.5");
    book.update(&ds, a);
    assert_eq!(
        facts(&ds, &book, u1),
        row(r(53645, 612), "87.66", "B", "hijau", 9, 9)
    );
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(3805, 48), "79.27", "B", "hijau", 3, 5)
    );
    let mean = (r(53645, 612) + r(3805, 48)) / r(2, 1);
    assert_eq!(book.summary(&ds, a).score, Some(mean));
    same_as_fresh(&ds, &book);
    let ikm = ix(&ds, a, "out-ikm");
    assert_eq!(
        ds.data(a, ikm).map(DataValue::text).as_deref(),
        Some("90.5")
    );

    // Cleared: out-ikm unanswered counts 0, S_out = 100 * (5/6) / 2 = 125/3;
    // U1 = (20 * 800/9 + 3500 + 25 * 125/3) / 85 = 11375/153 = 74.35, C;
    // U2 = (20 * 200/3 + 1250 + 25 * 125/3) / 60 = 725/12 = 60.42, C;
    // the agency's own progress 3/4 (out-ikm missing): 3/4 + 9/9 + 3/5 = 15/18.
    ds.set_data(a, ikm, None).expect("clear");
    book.update(&ds, a);
    assert_eq!(
        facts(&ds, &book, u1),
        row(r(11375, 153), "74.35", "C", "kuning", 9, 9)
    );
    assert_eq!(
        facts(&ds, &book, u2),
        row(r(725, 12), "60.42", "C", "kuning", 3, 5)
    );
    let s = book.summary(&ds, a);
    assert_eq!((s.answered, s.total), (15, 18));
    same_as_fresh(&ds, &book);

    // N/A for the whole indicator leaves it out: S_out = 100 * 5/6 = 250/3.
    ds.set_value(a, ikm, NA).expect("N/A");
    book.update(&ds, a);
    assert_eq!(book.dimensions(&ds, u1)[2], Some(r(250, 3)));
    same_as_fresh(&ds, &book);
}

#[test]
fn the_qualifier_is_null_until_the_register_is_closed_then_true_or_false() {
    let Example { mut ds, a, .. } = example();
    let NodeRef::Agency(ai) = a else {
        unreachable!()
    };
    let mut book = ScoreBook::compute(&ds);
    let opinion = |ds: &Dataset, book: &ScoreBook| {
        let o = book.opinion(ds, ai).expect("opinion");
        (o.get(Lang::Id).to_string(), o.get(Lang::En).to_string())
    };
    let register = ds.followups_mut(ai);
    register.items.push(FollowUpItem {
        kind: FollowUpKind::Lahp,
        reference: "LAHP-12/2025".into(),
        status: FollowUpStatus::Completed,
    });
    register.items.push(FollowUpItem {
        kind: FollowUpKind::Saran,
        reference: "S-3/2025".into(),
        status: FollowUpStatus::Open,
    });
    book.update_followup(&ds, ai);
    // Open register: null, and the opinion is the category's label alone.
    assert_eq!(book.qualifier(ai), None);
    assert_eq!(opinion(&ds, &book).0, "Kualitas Sedang");

    // Closed with an item still open: false.
    ds.followups_mut(ai).closed = true;
    book.update_followup(&ds, ai);
    assert_eq!(book.qualifier(ai), Some(false));
    assert_eq!(opinion(&ds, &book).0, "Kualitas Sedang");

    // Every item completed: true, "Kualitas Sedang Tanpa Maladministrasi".
    ds.followups_mut(ai).items[1].status = FollowUpStatus::Completed;
    book.update_followup(&ds, ai);
    assert_eq!(book.qualifier(ai), Some(true));
    assert_eq!(
        opinion(&ds, &book),
        (
            "Kualitas Sedang Tanpa Maladministrasi".to_string(),
            "Medium quality without maladministration".to_string()
        )
    );
    // A score change does not touch it, and a fresh book agrees.
    assert_eq!(ScoreBook::compute(&ds).qualifier(ai), Some(true));

    // Not completed: false again.
    ds.followups_mut(ai).items[0].status = FollowUpStatus::NotCompleted;
    book.update_followup(&ds, ai);
    assert_eq!(book.qualifier(ai), Some(false));

    // An instrument without a qualifier: always null, whatever the register says.
    let mut plain = mixed();
    plain.qualifier = None;
    ds.instruments[0] = plain;
    let book = ScoreBook::compute(&ds);
    assert_eq!(book.qualifier(ai), None);
    assert_eq!(opinion(&ds, &book).0, "Kualitas Sedang");
}

#[test]
fn paths_name_every_level_and_come_back() {
    let Example {
        ds, a, u1, u2, p1, ..
    } = example();
    for (node, path) in [(a, "A0"), (u1, "A0/U0"), (u2, "A0/U1"), (p1, "A0/U0/P0")] {
        assert_eq!(ds.node_path(node), path);
        assert_eq!(ds.find_node(path), Some(node));
        assert_eq!(
            node.level(),
            [NodeLevel::Agency, NodeLevel::Unit, NodeLevel::Product][path.matches('/').count()]
        );
    }
    for bad in [
        "",
        "/",
        "A0/",
        "A0//P0",
        "A0/U0/P0/X",
        "A9",
        "A0/U9",
        "A0/U0/P9",
        "A0/U1/P0",
    ] {
        assert_eq!(ds.find_node(bad), None, "{bad:?}");
    }
    assert_eq!(ds.agency_of(p1), AgencyIx::new(0));
    assert_eq!(ds.unit_of(p1), Some(UnitIx::new(0)));
    assert_eq!(ds.unit_of(a), None);
}

#[test]
fn the_dataset_refuses_answers_at_the_wrong_place() {
    let Example {
        mut ds, a, u1, p1, ..
    } = example();
    // An observation of a unit-level indicator at a product.
    let err = ds
        .set_value(p1, ix(&ds, u1, "in-sarana"), L(1))
        .unwrap_err();
    assert!(matches!(err, CellError::Level { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "A0/U0/P0: indicator \"in-sarana\" is answered per unit, not per product: give the path of a unit"
    );
    // A level for a whole interview or data indicator: only N/A.
    let err = ds.set_value(u1, ix(&ds, u1, "in-tahu"), L(2)).unwrap_err();
    assert!(
        err.to_string().contains("record each respondent's answer"),
        "{err}"
    );
    assert!(ds.set_value(u1, ix(&ds, u1, "in-tahu"), NA).is_ok());
    // A data value for an observed indicator.
    let value = DataValue::new(r(1, 1), "x".into()).expect("1 is a decimal");
    let err = ds
        .set_data(u1, ix(&ds, u1, "in-sarana"), Some(value))
        .unwrap_err();
    assert!(err.to_string().contains("only a data indicator"), "{err}");
    // A role of another level, a number taken, an id taken.
    let warga = ds.instruments[0].role_index("warga").expect("warga");
    let staf = ds.instruments[0].role_index("staf").expect("staf");
    let err = ds
        .add_respondent(u1, Respondent::new("ff".into(), warga, 1, String::new()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "A0/U0: role \"warga\" is interviewed per agency, not per unit: give the path of a agency"
    );
    let err = ds
        .add_respondent(u1, Respondent::new("fe".into(), staf, 2, String::new()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "A0/U0: staf 2 exists already: use the next number, 3"
    );
    let uid = ds.respondents(u1)[0].uid.clone();
    let err = ds
        .add_respondent(u1, Respondent::new(uid, staf, 3, String::new()))
        .unwrap_err();
    assert!(matches!(err, CellError::Uid { .. }), "{err}");
    // A staff member asked a complaint official's question.
    let first = ds.find_respondent(u1, staf, 1).expect("staff 1");
    let err = ds
        .set_respondent_value(u1, first, ix(&ds, u1, "pg-a"), L(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "A0/U0: indicator \"pg-a\" is asked of pengelola, not of staf 1"
    );
    // Data values: exact decimals in range, never floats.
    let ikm = &ds.instruments[0].indicators[ix(&ds, a, "out-ikm").index()];
    assert!(DataValue::parse(ikm, "82,35", "x").is_err());
    assert!(DataValue::parse(ikm, "100.01", "x").is_err());
    assert_eq!(
        DataValue::parse(ikm, "82.350", "BPS").expect("ok").text(),
        "82.35"
    );
    assert!(DataValue::new(r(1, 3), "x".into()).is_err());
    assert!(DataValue::new(r(-1, 2), "x".into()).is_err());
}

#[test]
fn a_store_loads_respondents_with_their_answers_removed_or_not() {
    // As the store would: each respondent built whole (answers in place) and added.
    let Example {
        ds: entered, u2, ..
    } = example();
    let mut ds = skeleton(vec![mixed()], &[(0, vec![2, 0])]);
    let inst = ds.instruments[0].clone();
    let staf = inst.role_index("staf").expect("staf");
    let tahu = IndicatorIx::new(inst.indicator_index("in-tahu").expect("in-tahu"));
    let sarana = IndicatorIx::new(inst.indicator_index("in-sarana").expect("in-sarana"));
    for r in entered.respondents(u2) {
        ds.add_respondent(u2, r.clone()).expect("add");
    }
    // A third staff member, removed, whose answer stays in the database.
    let mut gone = Respondent::new("ab".repeat(16), staf, 3, "Kepala Seksi".into());
    assert!(gone.set_value(&inst, tahu, L(0)));
    assert!(
        !gone.set_value(&inst, sarana, L(0)),
        "not an interview indicator"
    );
    gone.removed = true;
    let r = ds.add_respondent(u2, gone).expect("add");
    assert_eq!(ds.respondent_value(u2, r, tahu), L(0));
    assert_eq!(ds.respondents(u2).len(), 5);
    assert_eq!(
        ds.roster(u2, staf).len(),
        2,
        "the removed one is not on the roster"
    );
    // Unit 2 scores as entered: the removed answer does not count.
    let a = AgencyIx::new(0);
    assert_eq!(
        ds.agency_answers(a).units[1],
        entered.agency_answers(a).units[1]
    );
    let book = ScoreBook::compute(&ds);
    let s = book.summary(&ds, u2);
    assert_eq!((s.answered, s.total), (3, 5));
    assert_eq!(ds.find_respondent_uid(u2, &"ab".repeat(16)), Some(r));
}

#[test]
fn notes_are_kept_only_where_there_is_one() {
    let Example { mut ds, u1, p1, .. } = example();
    let sarana = ix(&ds, u1, "in-sarana");
    assert_eq!(ds.note(u1, sarana), "");
    ds.set_note(u1, sarana, "Ruang tunggu 🙂\nkursi roda".into())
        .expect("note");
    assert_eq!(ds.note(u1, sarana), "Ruang tunggu 🙂\nkursi roda");
    assert_eq!(ds.notes(u1).len(), 1);
    ds.set_note(u1, sarana, String::new()).expect("clear");
    assert!(ds.notes(u1).is_empty());
    // A product's notes stay where the workstation reads them.
    let pra = ix(&ds, p1, "pr-a");
    ds.set_note(p1, pra, "SK 12".into()).expect("note");
    let NodeRef::Product(p) = p1 else {
        unreachable!()
    };
    assert_eq!(ds.products[p].notes[pra.index()], "SK 12");
    assert_eq!(ds.note(p1, pra), "SK 12");
}

/// (node path, indicator id) of each step, and its gain.
fn steps(ds: &Dataset, node: NodeRef) -> Vec<(String, String, BigRational)> {
    let inst = ds.instrument_of(node);
    next_category(ds, node)
        .expect("a path")
        .steps
        .into_iter()
        .map(|s| {
            (
                ds.node_path(s.node),
                inst.indicators[s.indicator.index()].id.clone(),
                s.gain,
            )
        })
        .collect()
}

#[test]
fn the_path_to_the_next_category_by_hand() {
    let Example {
        mut ds, a, u1, u2, ..
    } = example();
    // Unit 2 at 62.76 (C): B needs 78, 15.24 points. What can still rise, and by how much
    // (sum(W) = 20 + 25 + 15 = 60 over its defined dimensions; S_in's weights 2 + 1 = 3):
    // - in-tahu (mean 1 of 3):  S_in + 100 * 2 * 2/3 / 3 = 400/9  -> 20 * 400/9 / 60 = 400/27 (14.81)
    // - in-sarana (0 of 3):     S_in + 100 * 1 / 3 = 100/3        -> 20 * 100/3 / 60 = 100/9  (11.11)
    // - pg-a (2.5 of 3):        S_pg + 100 * 0.5/3 = 50/3         -> 15 * 50/3 / 60  = 25/6   (4.17)
    // - out-ikm (82.35 of 100): S_out + 100 * 0.1765 / 2 = 353/40 -> 25 * 353/40 / 60 = 353/96 (3.68)
    // - out-rasa (2.5 of 3):    S_out + 100 * (0.5/3) / 2 = 25/3  -> 25 * 25/3 / 60 = 125/36 (3.47)
    // 62.76 + 14.81 = 77.57 < 78, + 11.11 = 88.68: two answers.
    let nc = next_category(&ds, u2).expect("a path");
    assert_eq!(ds.instruments[0].bands[nc.band].code, "B");
    assert_eq!(nc.points, Rounded(1524));
    assert!(nc.reachable);
    assert_eq!(
        steps(&ds, u2),
        vec![
            ("A0/U1".into(), "in-tahu".into(), r(400, 27)),
            ("A0/U1".into(), "in-sarana".into(), r(100, 9)),
        ]
    );
    // The agency at 74.61 (C): 3.39 points to B. Unit 2's in-tahu adds 400/27 / 2 = 200/27
    // (7.41) to the mean of two units: one answer is enough. An agency answer reaches
    // both units: out-ikm adds (25 * 353/40 / 85 + 25 * 353/40 / 60) / 2 = 10237/3264 (3.14), less.
    assert_eq!(
        steps(&ds, a),
        vec![("A0/U1".into(), "in-tahu".into(), r(200, 27))]
    );
    // Unit 1 at 86.46 (B): A needs 88, 1.54 points. Candidates: in-tahu (mean 2.5):
    // 100 * 2 * 0.5/3 / 3 = 100/9 -> 20 * 100/9 / 85 = 400/153 (2.61); p1's pr-a (2 of 3):
    // S_pr(p1) + 100 * 3 * 1/3 / 4 = 25, X_pr + 25/2 -> 40 * 25/2 / 85 = 100/17 (5.88);
    // out-ikm 25 * 353/40 / 85 = 353/136 (2.60); out-rasa 25 * 25/3 / 85 = 125/51 (2.45).
    // 86.46 + 5.88 = 92.34 >= 88: p1's pr-a alone.
    assert_eq!(
        steps(&ds, u1),
        vec![("A0/U0/P0".into(), "pr-a".into(), r(100, 17))]
    );

    // Fulfilling unit 2's path: both staff answer 3 and the facility is observed 3.
    let staf = ds.instruments[0].role_index("staf").expect("staf");
    let tahu = ix(&ds, u2, "in-tahu");
    for n in [1, 2] {
        let resp = ds.find_respondent(u2, staf, n).expect("staff");
        ds.set_respondent_value(u2, resp, tahu, L(3))
            .expect("answer");
    }
    set(&mut ds, u2, "in-sarana", L(3));
    let book = ScoreBook::compute(&ds);
    let v = book.verdict(&ds, u2).expect("score");
    // 54223/864 + 400/27 + 100/9 = 25541/288 = 88.68: past B into A.
    assert_eq!(
        book.summary(&ds, u2).score,
        Some(r(54223, 864) + r(400, 27) + r(100, 9))
    );
    assert_eq!(
        (v.rounded.to_string().as_str(), v.category()),
        ("88.68", "A")
    );
    // In the top band there is no next category.
    assert_eq!(next_category(&ds, u2), None);
}

// ---------------------------------------------------------------------------------------
// Property tests on random mixed-level instruments and datasets.

/// A stream of pseudo-random numbers from a seed (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self, below: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(below.max(1))) as u32
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.next(100) < percent
    }

    fn value(&mut self, max: u32) -> Value {
        match self.next(max + 3) {
            0 => UN,
            1 => NA,
            k => Value::level(k - 2),
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next(items.len() as u32) as usize]
    }
}

fn text(s: &str) -> Text {
    Text::new(s.into(), Some(format!("{s} (en)")))
}

/// A random instrument: a quarter of them product-level observation checklists (the
/// fast path), the others with dimensions at random levels, interview and data
/// indicators, roles at every level, zones and a qualifier now and then.
fn random_instrument(g: &mut Gen, id: &str) -> Instrument {
    let checklist = g.chance(25);
    let n_dims = 1 + g.next(4) as usize;
    let levels: Vec<NodeLevel> = (0..n_dims)
        .map(|_| {
            if checklist {
                NodeLevel::Product
            } else {
                g.pick(&NodeLevel::ALL)
            }
        })
        .collect();
    let mixed = levels.iter().any(|l| *l != levels[0]);
    let weighted = mixed || g.chance(50);
    // Now and then weights over large coprime denominators: the machine-integer paths
    // of the engine and of the path overflow and must hand over to big integers.
    let huge = g.chance(15);
    const PRIMES: [i64; 3] = [999_983, 999_979, 999_961];
    let weight = |g: &mut Gen, k: usize, quarters: bool| {
        if huge {
            r(7 + k as i64, PRIMES[k % 3])
        } else {
            r(
                i64::from(1 + g.next(40)),
                if quarters {
                    4
                } else {
                    i64::from(1 + g.next(4))
                },
            )
        }
    };
    let mut roles = Vec::new();
    if !checklist {
        for level in NodeLevel::ALL {
            for _ in 0..g.next(3) {
                roles.push(Role {
                    id: format!("r{}", roles.len()),
                    label: text("role"),
                    level,
                    respondents: 1 + g.next(3),
                });
            }
        }
    }
    let mut dimensions = Vec::new();
    let mut indicators = Vec::new();
    for (d, level) in levels.iter().enumerate() {
        dimensions.push(Dimension {
            id: format!("d{d}"),
            label: text("dimension"),
            weight: weighted.then(|| weight(g, d, false)),
            level: *level,
        });
        for _ in 0..1 + g.next(3) {
            let at_level: Vec<usize> = (0..roles.len())
                .filter(|&k| roles[k].level == *level)
                .collect();
            let (source, max) = match if checklist { 0 } else { g.next(3) } {
                1 if !at_level.is_empty() => (
                    Source::Interview {
                        role: g.pick(&at_level),
                    },
                    1 + g.next(4),
                ),
                2 => (
                    Source::Data {
                        from: Some(text("BPS")),
                    },
                    g.pick(&[1, 5, 100]),
                ),
                _ => (Source::Observation, 1 + g.next(4)),
            };
            indicators.push(Indicator {
                id: format!("i{}", indicators.len()),
                dimension: d,
                label: text("indicator"),
                guidance: None,
                weight: weight(g, indicators.len(), true),
                max,
                levels: Vec::new(),
                source,
            });
        }
    }
    let zoned = g.chance(50);
    let zones: Vec<Zone> = if zoned {
        vec![
            Zone {
                code: "merah".into(),
                label: text("merah"),
                color: Some("red".into()),
            },
            Zone {
                code: "hijau".into(),
                label: text("hijau"),
                color: Some("green".into()),
            },
        ]
    } else {
        Vec::new()
    };
    let bands = [
        (0, "E", 0),
        (32, "D", 0),
        (54, "C", 0),
        (78, "B", 1),
        (88, "A", 1),
    ]
    .iter()
    .map(|(min, code, zone)| Band {
        code: (*code).into(),
        label: text(code),
        min: r(*min, 1),
        color: None,
        zone: zoned.then_some(*zone),
    })
    .collect();
    let aggregate = if levels.iter().all(|l| *l == NodeLevel::Product) && g.chance(50) {
        Aggregate::Products
    } else {
        Aggregate::Units
    };
    Instrument {
        id: id.into(),
        version: "1".into(),
        year: None,
        title: text(id),
        description: None,
        aggregate,
        format_version: if checklist { 1 } else { 2 },
        roles,
        zones,
        qualifier: g.chance(60).then(|| Qualifier {
            code: "tanpa-maladministrasi".into(),
            label: text("Tanpa Maladministrasi"),
        }),
        dimensions,
        indicators,
        bands,
        canonical: String::new(),
        sha256: String::new(),
    }
}

/// A random dataset of two random instruments: agencies with units (some without
/// products), every answer kind at every level, respondents (some removed, some with
/// N/A or nothing), data values and follow-up registers.
fn random_dataset(g: &mut Gen) -> Dataset {
    let agencies = 1 + g.next(3);
    random_dataset_of(g, agencies)
}

/// A random dataset of `agencies` agencies (up to 3 units of up to 3 products each).
fn random_dataset_of(g: &mut Gen, agencies: u32) -> Dataset {
    let instruments = vec![random_instrument(g, "satu"), random_instrument(g, "dua")];
    let tree: Vec<(usize, Vec<usize>)> = (0..agencies)
        .map(|_| {
            (
                g.next(2) as usize,
                (0..g.next(4)).map(|_| g.next(4) as usize).collect(),
            )
        })
        .collect();
    let mut ds = skeleton(instruments, &tree);
    for node in every_node(&ds) {
        fill(g, &mut ds, node);
    }
    for a in ds.agencies.ids() {
        for _ in 0..g.next(3) {
            random_followup(g, &mut ds, a);
        }
    }
    ds
}

/// Random answers for every indicator of `node`'s level and random respondents.
fn fill(g: &mut Gen, ds: &mut Dataset, node: NodeRef) {
    let inst = ds.instrument_of(node).clone();
    for (k, role) in inst.roles.iter().enumerate() {
        if role.level != node.level() {
            continue;
        }
        for _ in 0..g.next(role.respondents + 2) {
            add_random_respondent(g, ds, node, k);
        }
    }
    for i in inst.indicators_at(node.level()) {
        random_answer(g, ds, node, IndicatorIx::new(i));
    }
}

fn add_random_respondent(g: &mut Gen, ds: &mut Dataset, node: NodeRef, role: usize) {
    let inst = ds.instrument_of(node).clone();
    let number = ds.next_respondent_number(node, role);
    let uid = format!("{:032x}", g.next(u32::MAX));
    let Ok(r) = ds.add_respondent(node, Respondent::new(uid, role, number, String::new())) else {
        return; // the same random uid twice at a node: refused, and that is right
    };
    for i in inst.role_indicators(role) {
        let v = g.value(inst.indicators[i].max);
        ds.set_respondent_value(node, r, IndicatorIx::new(i), v)
            .expect("answer");
    }
    if g.chance(15) {
        ds.remove_respondent(node, r).expect("remove");
    }
}

/// A random change of indicator `i` at `node`, by its source.
fn random_answer(g: &mut Gen, ds: &mut Dataset, node: NodeRef, i: IndicatorIx) {
    let inst = ds.instrument_of(node).clone();
    let ind = &inst.indicators[i.index()];
    match &ind.source {
        Source::Observation => ds.set_value(node, i, g.value(ind.max)).expect("value"),
        Source::Interview { .. } => {
            let whole = if g.chance(10) { NA } else { UN };
            ds.set_value(node, i, whole).expect("N/A");
        }
        Source::Data { .. } => match g.next(6) {
            0 => ds.set_value(node, i, NA).expect("N/A"),
            1 => {
                ds.set_value(node, i, UN).expect("clear");
                ds.set_data(node, i, None).expect("clear");
            }
            _ => {
                ds.set_value(node, i, UN).expect("clear");
                let hundredths = g.next(ind.max * 100 + 1);
                let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
                let v = DataValue::parse(ind, &text, "BPS").expect("in range");
                ds.set_data(node, i, Some(v)).expect("data");
            }
        },
    }
}

fn random_followup(g: &mut Gen, ds: &mut Dataset, a: AgencyIx) {
    let status = g.pick(&[
        FollowUpStatus::Open,
        FollowUpStatus::Completed,
        FollowUpStatus::NotCompleted,
    ]);
    let register = ds.followups_mut(a);
    match g.next(4) {
        0 => register.closed = !register.closed,
        1 if !register.items.is_empty() => {
            let k = g.next(register.items.len() as u32) as usize;
            register.items[k].status = status;
        }
        _ => register.items.push(FollowUpItem {
            kind: FollowUpKind::Lha,
            reference: format!("LHA-{}", register.items.len()),
            status,
        }),
    }
}

/// One random change anywhere, applied to the dataset and the book.
fn random_change(g: &mut Gen, ds: &mut Dataset, book: &mut ScoreBook) {
    let nodes = every_node(ds);
    let node = g.pick(&nodes);
    let inst = ds.instrument_of(node).clone();
    match g.next(5) {
        0 => {
            let a = ds.agency_of(node);
            random_followup(g, ds, a);
            book.update_followup(ds, a);
            return;
        }
        1 => {
            // A respondent added or removed.
            let roles: Vec<usize> = (0..inst.roles.len())
                .filter(|&k| inst.roles[k].level == node.level())
                .collect();
            if roles.is_empty() {
                return;
            }
            let role = g.pick(&roles);
            let roster: Vec<RespondentIx> =
                ds.roster(node, role).into_iter().map(|(r, _)| r).collect();
            if !roster.is_empty() && g.chance(40) {
                ds.remove_respondent(node, g.pick(&roster)).expect("remove");
            } else {
                add_random_respondent(g, ds, node, role);
            }
        }
        2 => {
            // One respondent's answer.
            let active: Vec<RespondentIx> = (0..ds.respondents(node).len())
                .map(RespondentIx::new)
                .filter(|&r| !ds.respondents(node)[r.index()].removed)
                .collect();
            if active.is_empty() {
                return;
            }
            let r = g.pick(&active);
            let role = ds.respondents(node)[r.index()].role;
            let asked: Vec<usize> = inst.role_indicators(role).collect();
            if asked.is_empty() {
                return;
            }
            let i = g.pick(&asked);
            let v = g.value(inst.indicators[i].max);
            ds.set_respondent_value(node, r, IndicatorIx::new(i), v)
                .expect("answer");
        }
        _ => {
            let own: Vec<usize> = inst.indicators_at(node.level()).collect();
            if own.is_empty() {
                return;
            }
            let i = IndicatorIx::new(g.pick(&own));
            random_answer(g, ds, node, i);
        }
    }
    book.update(ds, node);
}

/// Where each unit and product sits in its agency's [`AgencyAnswers`].
fn place(ds: &Dataset, node: NodeRef) -> (Option<usize>, Option<usize>) {
    match node {
        NodeRef::Agency(_) => (None, None),
        NodeRef::Unit(u) => {
            let a = ds.units[u].agency;
            (ds.agencies[a].units.iter().position(|&x| x == u), None)
        }
        NodeRef::Product(p) => {
            let u = ds.products[p].unit;
            let (k, _) = place(ds, NodeRef::Unit(u));
            (k, ds.units[u].products.iter().position(|&x| x == p))
        }
    }
}

fn answer_mut<'a>(
    ds: &Dataset,
    answers: &'a mut AgencyAnswers,
    node: NodeRef,
    i: usize,
) -> &'a mut Answer {
    match place(ds, node) {
        (None, _) => &mut answers.own[i],
        (Some(u), None) => &mut answers.units[u].own[i],
        (Some(u), Some(p)) => &mut answers.units[u].products[p][i],
    }
}

/// `node`'s score from scratch on `answers`.
fn score_of(ds: &Dataset, answers: &AgencyAnswers, node: NodeRef) -> Option<BigRational> {
    let s = method::score_agency(ds.instrument_of(node), answers);
    match place(ds, node) {
        (None, _) => s.agency.score,
        (Some(u), None) => s.units[u].unit.score.clone(),
        (Some(u), Some(p)) => s.units[u].products[p].score.clone(),
    }
}

/// The book against the reference, node by node, and the qualifier.
fn equals_reference(ds: &Dataset, book: &ScoreBook) {
    for a in ds.agencies.ids() {
        let inst = ds.instrument_of_agency(a);
        let reference = method::score_agency(inst, &ds.agency_answers(a));
        assert_eq!(
            book.node(ds, NodeRef::Agency(a)),
            reference.agency,
            "agency {a}"
        );
        for (k, &u) in ds.agencies[a].units.iter().enumerate() {
            assert_eq!(
                book.node(ds, NodeRef::Unit(u)),
                reference.units[k].unit,
                "unit {u}"
            );
            for (j, &p) in ds.units[u].products.iter().enumerate() {
                assert_eq!(
                    book.node(ds, NodeRef::Product(p)),
                    reference.units[k].products[j],
                    "product {p}"
                );
            }
        }
        assert_eq!(
            book.qualifier(a),
            followup::qualifier(inst, ds.followups(a))
        );
        if let Some(v) = book.verdict(ds, NodeRef::Agency(a)) {
            let score = reference.agency.score.as_ref().expect("score");
            assert_eq!(v.rounded, Rounded::of(score));
            assert_eq!(
                book.opinion(ds, a),
                Some(method::opinion(inst, v.band, book.qualifier(a)))
            );
        }
    }
}

/// Every step of `node`'s path gains exactly what it says (fulfilled alone, from
/// scratch), the gains add up, they come largest first, and none is one too many.
fn path_is_exact(ds: &Dataset, node: NodeRef) {
    let Some(nc) = next_category(ds, node) else {
        return;
    };
    let inst = ds.instrument_of(node);
    let a = ds.agency_of(node);
    let answers = ds.agency_answers(a);
    let current = score_of(ds, &answers, node).expect("a node with a path has a score");
    let mut all = answers.clone();
    let mut sum = BigRational::zero();
    for s in &nc.steps {
        assert_eq!(ds.agency_of(s.node), a);
        let max = inst.indicators[s.indicator.index()].max;
        let mut one = answers.clone();
        *answer_mut(ds, &mut one, s.node, s.indicator.index()) = Answer::Level(max);
        let alone = score_of(ds, &one, node).expect("score");
        assert_eq!(
            &alone - &current,
            s.gain,
            "{} {}",
            ds.node_path(s.node),
            s.indicator
        );
        *answer_mut(ds, &mut all, s.node, s.indicator.index()) = Answer::Level(max);
        sum += &s.gain;
    }
    assert_eq!(
        score_of(ds, &all, node),
        Some(&current + &sum),
        "gains add up"
    );
    assert!(
        nc.steps.windows(2).all(|w| w[0].gain >= w[1].gain),
        "largest first"
    );
    let target = &inst.bands[nc.band].min;
    let reaches =
        |x: &BigRational| BigRational::new(Rounded::of(x).0.into(), 100.into()) >= *target;
    assert_eq!(nc.reachable, reaches(&(&current + &sum)));
    if let Some(last) = nc.steps.last() {
        assert!(
            !reaches(&(&current + &sum - &last.gain)),
            "one step too many"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_book_equals_the_reference_and_stays_equal_change_after_change(seed in any::<u64>()) {
        let mut g = Gen(seed | 1);
        let mut ds = random_dataset(&mut g);
        let mut book = ScoreBook::compute(&ds);
        equals_reference(&ds, &book);
        for round in 0..24 {
            random_change(&mut g, &mut ds, &mut book);
            if round % 6 == 5 {
                equals_reference(&ds, &book);
                same_as_fresh(&ds, &book);
            }
        }
        equals_reference(&ds, &book);
        equals_reference(&ds, &ScoreBook::compute(&ds));
    }

    #[test]
    fn every_step_of_a_path_gains_what_it_says(seed in any::<u64>()) {
        let mut g = Gen(seed | 1);
        let ds = random_dataset(&mut g);
        for node in every_node(&ds) {
            path_is_exact(&ds, node);
        }
    }
}

/// The book of a dataset large enough to be scored in several parts at once (its
/// products, then its agencies) is the reference's, node by node.
#[test]
fn a_book_scored_on_every_core_equals_the_reference() {
    let mut g = Gen(0x5eed_0000_cafe_0001);
    for _ in 0..3 {
        let ds = random_dataset_of(&mut g, 600);
        assert!(ds.products.len() > 1000, "{} products", ds.products.len());
        equals_reference(&ds, &ScoreBook::compute(&ds));
    }
}

#[test]
fn a_product_checklists_path_is_next_zone() {
    // On format-1 data the product path is scoring::next_zone, step for step.
    let mut g = Gen(0x5eed_1234_abcd_0001);
    let mut checked = 0;
    for _ in 0..200 {
        let mut ds = random_dataset(&mut g);
        for p in ds.products.ids() {
            let inst = ds.instrument_of_product(p).clone();
            if !inst.is_observation_checklist() {
                continue;
            }
            for i in 0..inst.indicators.len() {
                let v = g.value(inst.indicators[i].max);
                ds.products[p].values[i] = v;
            }
            let old = next_zone(&inst, &ds.products[p].values);
            let new = next_category(&ds, NodeRef::Product(p));
            assert_eq!(old.is_some(), new.is_some());
            if let (Some(old), Some(new)) = (old, new) {
                assert_eq!((old.band, old.points), (new.band, new.points));
                let steps: Vec<usize> = new.steps.iter().map(|s| s.indicator.index()).collect();
                assert_eq!(old.fulfil, steps);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} products compared");
}

#[test]
fn a_format_1_dataset_scores_as_before_with_dimensions_at_every_node() {
    // The shipped 2021 checklist: the book's fast path gives the reference's numbers,
    // dimension scores included, and nothing of format 2 is needed to build it.
    let i = common::instrument_2021();
    let mut g = Gen(77);
    let tree: Vec<Vec<Vec<Value>>> = (0..3)
        .map(|_| {
            (0..1 + g.next(4))
                .map(|_| {
                    (0..i.indicators.len())
                        .map(|k| g.value(i.indicators[k].max))
                        .collect()
                })
                .collect()
        })
        .collect();
    let ds = common::dataset(i, &[tree]);
    let book = ScoreBook::compute(&ds);
    equals_reference(&ds, &book);
    for node in every_node(&ds) {
        assert!(book.dimensions(&ds, node).iter().any(Option::is_some));
        path_is_exact(&ds, node);
    }
}
