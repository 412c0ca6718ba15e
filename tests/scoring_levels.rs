//! Hand-computed score tables for instruments answered at several levels (format 2):
//! respondent means with N/A, a unit without products, an agency-level dimension, a data
//! value with decimals, categories and zones, the qualifier and the opinion, and the
//! published 2022-2025 figures (Rejang Lebong 2024, Magelang 2022, Maluku Utara 2025).
//! Every expected number is worked out in the comment beside it.

mod common;

use common::r;
use num_rational::BigRational;
use patuh::domain::Instrument;
use patuh::domain::Value::{Level as L, NotApplicable as NA, Unanswered as UN};
use patuh::domain::followup::{
    FollowUpItem, FollowUpKind, FollowUpRegister, FollowUpStatus, qualifier,
};
use patuh::domain::instrument::NodeLevel;
use patuh::domain::method::{
    AgencyAnswers, Answer, NodeScore, NodeValue, UnitAnswers, agency_score, opinion, own_scores,
    parse_data_value, product_score, progress, score_agency, unit_score, verdict,
};
use patuh::domain::text::Lang;

/// Four dimensions at three levels, weights 20/40/25/15:
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

/// Answers by indicator id; every other indicator unanswered.
fn answers(i: &Instrument, set: Vec<(&str, Answer)>) -> Vec<Answer> {
    let mut out = vec![Answer::Unanswered; i.indicators.len()];
    for (id, a) in set {
        out[i.indicator_index(id).expect("indicator")] = a;
    }
    out
}

fn resp(values: &[patuh::domain::Value]) -> Answer {
    Answer::Respondents(values.to_vec())
}

fn dec(s: &str) -> BigRational {
    patuh::domain::json::parse_decimal(s).unwrap()
}

fn shown(s: &NodeScore) -> String {
    s.rounded().expect("scored").to_string()
}

/// The agency of the tables:
/// - agency: `out-rasa` from 3 users: 3, N/A, 2; `out-ikm` = 82.35
/// - unit 1: `in-tahu` 3 and 2; `in-sarana` 3; `pg-a` N/A and N/A; products
///   p1 (`pr-a` 2, `pr-b` 1) and p2 (`pr-a` 3, `pr-b` N/A)
/// - unit 2, no products: `in-tahu` 1 and not yet answered; `in-sarana` unanswered;
///   `pg-a` 2 and 3
fn the_agency(i: &Instrument) -> AgencyAnswers {
    AgencyAnswers {
        own: answers(
            i,
            vec![
                ("out-rasa", resp(&[L(3), NA, L(2)])),
                ("out-ikm", Answer::Data(dec("82.35"))),
            ],
        ),
        units: vec![
            UnitAnswers {
                own: answers(
                    i,
                    vec![
                        ("in-tahu", resp(&[L(3), L(2)])),
                        ("in-sarana", Answer::Level(3)),
                        ("pg-a", resp(&[NA, NA])),
                    ],
                ),
                products: vec![
                    answers(
                        i,
                        vec![("pr-a", Answer::Level(2)), ("pr-b", Answer::Level(1))],
                    ),
                    answers(
                        i,
                        vec![("pr-a", Answer::Level(3)), ("pr-b", Answer::NotApplicable)],
                    ),
                ],
            },
            UnitAnswers {
                own: answers(
                    i,
                    vec![
                        ("in-tahu", resp(&[L(1), UN])),
                        ("pg-a", resp(&[L(2), L(3)])),
                    ],
                ),
                products: vec![],
            },
        ],
    }
}

#[test]
fn respondents_are_averaged_leaving_na_out() {
    // 3, N/A, 2 -> (3 + 2) / 2 = 5/2; a respondent not asked yet is left out too.
    assert_eq!(
        resp(&[L(3), NA, L(2)]).node_value(3),
        NodeValue::Value(r(5, 2))
    );
    assert_eq!(resp(&[L(1), UN]).node_value(3), NodeValue::Value(r(1, 1)));
    // All N/A -> N/A; nobody answered -> unanswered (counts 0).
    assert_eq!(resp(&[NA, NA]).node_value(3), NodeValue::NotApplicable);
    assert_eq!(resp(&[NA, UN]).node_value(3), NodeValue::NotApplicable);
    assert_eq!(resp(&[UN, UN]).node_value(3), NodeValue::Unanswered);
    assert_eq!(resp(&[]).node_value(3), NodeValue::Unanswered);
    // A level above the scale counts as its max, as for observations.
    assert_eq!(resp(&[L(9), L(0)]).node_value(3), NodeValue::Value(r(3, 2)));
    // Data is used as given, exactly.
    assert_eq!(
        Answer::Data(dec("82.35")).node_value(100),
        NodeValue::Value(r(8235, 100))
    );
}

#[test]
fn the_agency_level_dimension() {
    let i = mixed();
    let a = the_agency(&i);
    let own = own_scores(&i, NodeLevel::Agency, &a.own);
    // out-rasa = 5/2 of 3 = 5/6; out-ikm = 82.35 of 100 = 0.8235.
    // S_out = 100 * (1 * 5/6 + 1 * 0.8235) / 2 = 9941/120 = 82.841666... -> 82.84
    let out = own.dimensions[2].as_ref().expect("out");
    assert_eq!(out.score, r(9941, 120));
    assert_eq!(out.weight, r(2, 1));
    // Dimensions of the other levels are not read at the agency.
    assert!(own.dimensions[0].is_none() && own.dimensions[1].is_none());
    // Progress: out-rasa needs 3 users, all 3 answered (N/A is an answer); out-ikm 1.
    assert_eq!((own.answered, own.total), (4, 4));
}

#[test]
fn products_score_their_own_dimensions_only() {
    let i = mixed();
    let a = the_agency(&i);
    // p1: S_pr = 100 * (3 * 2/3 + 1 * 1) / 4 = 75; the only product-level dimension,
    // so the product score is 40 * 75 / 40 = 75.
    let p1 = product_score(&i, &a.units[0].products[0]);
    assert_eq!(p1.score, Some(r(75, 1)));
    assert_eq!(p1.dimensions, vec![None, Some(r(75, 1)), None, None]);
    assert_eq!((p1.answered, p1.total), (2, 2));
    // p2: pr-b N/A -> S_pr = 100 * 3 / 3 = 100.
    assert_eq!(
        product_score(&i, &a.units[0].products[1]).score,
        Some(r(100, 1))
    );
}

#[test]
fn unit_with_products_and_a_dimension_left_out() {
    let i = mixed();
    let s = score_agency(&i, &the_agency(&i));
    let u1 = &s.units[0].unit;
    // X_in = S_in(unit) = 100 * (2 * (5/2)/3 + 1 * 3/3) / 3 = 100 * (8/3) / 3 = 800/9
    // X_pr = mean of S_pr over its products = (75 + 100) / 2 = 87.5
    // X_out = S_out(agency) = 9941/120
    // X_pg: both complaint officials said N/A -> left out.
    assert_eq!(
        u1.dimensions,
        vec![Some(r(800, 9)), Some(r(175, 2)), Some(r(9941, 120)), None]
    );
    // U1 = (20 * 800/9 + 40 * 87.5 + 25 * 9941/120) / (20 + 40 + 25)
    //    = (16000/9 + 3500 + 49705/24) / 85 = (529115/72) / 85 = 105823/1224
    //    = 86.4566... -> 86.46, category B, zone hijau.
    assert_eq!(u1.score, Some(r(105823, 1224)));
    assert_eq!(shown(u1), "86.46");
    let v = u1.verdict(&i).unwrap();
    assert_eq!((v.category(), v.zone_code()), ("B", "hijau"));
    assert_eq!(v.color(), Some("green"));
    // Progress: own in-tahu 2/2, in-sarana 1/1, pg-a 2/2 (two N/A) + products 2/2 + 2/2.
    assert_eq!((u1.answered, u1.total), (9, 9));
    assert!(u1.complete());
}

#[test]
fn unit_without_products() {
    let i = mixed();
    let s = score_agency(&i, &the_agency(&i));
    let u2 = &s.units[1].unit;
    assert!(s.units[1].products.is_empty());
    // X_in = 100 * (2 * 1/3 + 1 * 0) / 3 = 200/9 (in-tahu: only respondent 1 answered, 1;
    //        in-sarana unanswered counts 0)
    // X_pr: no product -> left out.
    // X_pg = 100 * (5/2) / 3 = 250/3
    // U2 = (20 * 200/9 + 15 * 250/3 + 25 * 9941/120) / (20 + 15 + 25)
    //    = (4000/9 + 1250 + 49705/24) / 60 = (271115/72) / 60 = 54223/864
    //    = 62.7581... -> 62.76, category C, zone kuning.
    assert_eq!(
        u2.dimensions,
        vec![Some(r(200, 9)), None, Some(r(9941, 120)), Some(r(250, 3))]
    );
    assert_eq!(u2.score, Some(r(54223, 864)));
    assert_eq!(shown(u2), "62.76");
    let v = u2.verdict(&i).unwrap();
    assert_eq!((v.category(), v.zone_code()), ("C", "kuning"));
    // Progress: in-tahu 1 of 2, in-sarana 0 of 1, pg-a 2 of 2.
    assert_eq!((u2.answered, u2.total), (3, 5));
}

#[test]
fn agency_is_the_mean_of_its_units() {
    let i = mixed();
    let s = score_agency(&i, &the_agency(&i));
    // A = (105823/1224 + 54223/864) / 2 = 2191667/29376 = 74.6074... -> 74.61, C, kuning.
    assert_eq!(s.agency.score, Some(r(2191667, 29376)));
    assert_eq!(shown(&s.agency), "74.61");
    let v = s.agency.verdict(&i).unwrap();
    assert_eq!((v.category(), v.zone_code()), ("C", "kuning"));
    // Dimensions at the agency: in = mean(800/9, 200/9) = 500/9; pr = unit 1's 87.5
    // (unit 2 has none); out = its own 9941/120; pg = unit 2's 250/3.
    assert_eq!(
        s.agency.dimensions,
        vec![
            Some(r(500, 9)),
            Some(r(175, 2)),
            Some(r(9941, 120)),
            Some(r(250, 3))
        ]
    );
    // Progress: own 4/4 + unit 1 9/9 + unit 2 3/5.
    assert_eq!((s.agency.answered, s.agency.total), (16, 18));
}

#[test]
fn the_pieces_give_what_the_whole_gives() {
    // The incremental score book will call the pieces; they must agree with score_agency.
    let i = mixed();
    let a = the_agency(&i);
    let whole = score_agency(&i, &a);
    let agency_own = own_scores(&i, NodeLevel::Agency, &a.own);
    let mut units = Vec::new();
    let mut all_products = Vec::new();
    for u in &a.units {
        let products: Vec<NodeScore> = u.products.iter().map(|p| product_score(&i, p)).collect();
        let own = own_scores(&i, NodeLevel::Unit, &u.own);
        units.push(unit_score(&i, &own, &products, &agency_own));
        all_products.extend(products);
    }
    assert_eq!(units[0], whole.units[0].unit);
    assert_eq!(units[1], whole.units[1].unit);
    assert_eq!(
        agency_score(&i, &agency_own, &units, &all_products),
        whole.agency
    );
}

#[test]
fn nothing_answered_scores_zero_not_nothing() {
    let i = mixed();
    let empty = AgencyAnswers {
        own: vec![],
        units: vec![UnitAnswers {
            own: vec![],
            products: vec![vec![]],
        }],
    };
    let s = score_agency(&i, &empty);
    // Every indicator unanswered counts 0: every dimension is 0, the unit 0, category E.
    assert_eq!(s.units[0].unit.score, Some(r(0, 1)));
    assert_eq!(s.agency.score, Some(r(0, 1)));
    assert_eq!(s.agency.verdict(&i).unwrap().category(), "E");
    assert_eq!(s.agency.verdict(&i).unwrap().zone_code(), "merah");
    // Required answers: agency 3 + 1, unit 2 + 1 + 2, product 2.
    assert_eq!((s.agency.answered, s.agency.total), (0, 11));
}

#[test]
fn more_respondents_than_required_count_once_each_up_to_the_requirement() {
    let i = mixed();
    let k = i.indicator_index("out-rasa").unwrap();
    // warga: 3 required. Four answered -> 3 of 3, and the value is the mean of all four.
    let four = resp(&[L(3), L(3), L(0), L(2)]);
    assert_eq!(progress(&i, k, &four), (3, 3));
    assert_eq!(four.node_value(3), NodeValue::Value(r(8, 4)));
    assert_eq!(progress(&i, k, &resp(&[L(1), UN, NA])), (2, 3));
    // N/A for the whole indicator settles it.
    assert_eq!(progress(&i, k, &Answer::NotApplicable), (3, 3));
    // An observation or a data indicator needs one answer.
    let ikm = i.indicator_index("out-ikm").unwrap();
    assert_eq!(progress(&i, ikm, &Answer::Data(r(1, 2))), (1, 1));
    assert_eq!(progress(&i, ikm, &Answer::Unanswered), (0, 1));
}

#[test]
fn data_values_are_exact_decimals_in_range() {
    let i = mixed();
    let ikm = &i.indicators[i.indicator_index("out-ikm").unwrap()];
    assert_eq!(parse_data_value(ikm, "82.35"), Ok(r(8235, 100)));
    assert_eq!(parse_data_value(ikm, " 100 "), Ok(r(100, 1)));
    assert_eq!(parse_data_value(ikm, "0.001"), Ok(r(1, 1000)));
    let err = |t: &str| parse_data_value(ikm, t).unwrap_err();
    assert!(
        err("100.01").contains("above the scale"),
        "{}",
        err("100.01")
    );
    assert!(err("-1").contains("not a decimal number in 0..100"));
    assert!(err("82,35").contains("with a dot"));
    assert!(err("1e2").contains("not a decimal"));
    assert!(err("").contains("not a decimal"));
    assert!(err(".5").contains("not a decimal"));
    let observed = &i.indicators[i.indicator_index("pr-a").unwrap()];
    assert!(
        parse_data_value(observed, "2")
            .unwrap_err()
            .contains("answered by observation")
    );
    // Two data values a hundredth apart give different dimension scores: no float
    // ever rounds them together.
    let s = |x: &str| {
        own_scores(
            &i,
            NodeLevel::Agency,
            &answers(&i, vec![("out-ikm", Answer::Data(dec(x)))]),
        )
        .dimensions[2]
            .clone()
            .unwrap()
            .score
    };
    // out-rasa unanswered (0): S_out = 100 * x/100 / 2 = x/2.
    assert_eq!(s("82.35"), r(8235, 200));
    assert_eq!(s("82.36") - s("82.35"), r(1, 200));
}

#[test]
fn qualifier_from_the_follow_up_register() {
    let i = mixed();
    let item = |status| FollowUpItem {
        kind: FollowUpKind::Lahp,
        reference: "LAHP-0012/2025".into(),
        status,
    };
    let done = FollowUpRegister {
        items: vec![
            item(FollowUpStatus::Completed),
            item(FollowUpStatus::Completed),
        ],
        closed: true,
    };
    let one_not = FollowUpRegister {
        items: vec![
            item(FollowUpStatus::Completed),
            item(FollowUpStatus::NotCompleted),
        ],
        closed: true,
    };
    let one_open = FollowUpRegister {
        items: vec![item(FollowUpStatus::Open)],
        closed: true,
    };
    let not_closed = FollowUpRegister {
        items: vec![item(FollowUpStatus::Completed)],
        closed: false,
    };
    assert_eq!(qualifier(&i, &done), Some(true));
    assert_eq!(qualifier(&i, &one_not), Some(false));
    assert_eq!(qualifier(&i, &one_open), Some(false));
    assert_eq!(qualifier(&i, &not_closed), None);
    // Closed with nothing issued: nothing left undone.
    assert_eq!(
        qualifier(
            &i,
            &FollowUpRegister {
                items: vec![],
                closed: true
            }
        ),
        Some(true)
    );
    // An instrument without a qualifier never grants one.
    assert_eq!(qualifier(&common::instrument_2024(), &done), None);

    // The opinion of the agency (74.61, C): the band's label, plus the qualifier's when
    // granted.
    let s = score_agency(&i, &the_agency(&i));
    let band = s.agency.verdict(&i).unwrap().band;
    let op =
        |reg: &FollowUpRegister, lang| opinion(&i, band, qualifier(&i, reg)).get(lang).to_string();
    assert_eq!(op(&done, Lang::Id), "Kualitas Sedang Tanpa Maladministrasi");
    assert_eq!(
        op(&done, Lang::En),
        "Medium quality without maladministration"
    );
    assert_eq!(op(&one_not, Lang::Id), "Kualitas Sedang");
    assert_eq!(op(&not_closed, Lang::Id), "Kualitas Sedang");
}

#[test]
fn follow_up_words_round_trip() {
    for k in FollowUpKind::ALL {
        assert_eq!(k.as_str().parse::<FollowUpKind>(), Ok(*k));
    }
    for s in FollowUpStatus::ALL {
        assert_eq!(s.as_str().parse::<FollowUpStatus>(), Ok(*s));
    }
    assert_eq!("not-completed".parse(), Ok(FollowUpStatus::NotCompleted));
    assert!(
        "lhp"
            .parse::<FollowUpKind>()
            .unwrap_err()
            .contains("lahp, lha, saran, rekomendasi")
    );
}

#[test]
fn one_level_without_dimension_weights_is_a_flat_checklist_at_that_level() {
    // Every dimension per unit, no dimension weights: the unit's own checklist, flat.
    let i = Instrument::parse(
        r#"{"format": "patuh-instrument", "format_version": 2, "id": "unit-saja", "version": "1",
            "title": "Unit saja", "aggregate": "units",
            "dimensions": [{"id": "a", "label": "A", "level": "unit"},
                           {"id": "b", "label": "B", "level": "unit"}],
            "indicators": [
              {"id": "a1", "dimension": "a", "label": "A1", "weight": 4, "scale": {"max": 1}},
              {"id": "a2", "dimension": "a", "label": "A2", "weight": 2, "scale": {"max": 1}},
              {"id": "b1", "dimension": "b", "label": "B1", "weight": 3.5, "scale": {"max": 1}}],
            "bands": [{"code": "merah", "label": "Merah", "min": 0},
                      {"code": "kuning", "label": "Kuning", "min": 51},
                      {"code": "hijau", "label": "Hijau", "min": 81}]}"#,
    )
    .expect("valid");
    let own = own_scores(
        &i,
        NodeLevel::Unit,
        &[Answer::Level(1), Answer::Level(0), Answer::Level(1)],
    );
    let u = unit_score(&i, &own, [], &own_scores(&i, NodeLevel::Agency, &[]));
    // The documented flat example: 100 * (4 + 3.5) / (4 + 2 + 3.5) = 1500/19 = 78.947... -> 78.95.
    assert_eq!(u.score, Some(r(1500, 19)));
    let v = u.verdict(&i).unwrap();
    assert_eq!(shown(&u), "78.95");
    // No zones: the zone is the band's code.
    assert_eq!((v.category(), v.zone_code()), ("kuning", "kuning"));
}

// ---- the shipped 2022-2024 instrument and published figures ----

/// A unit score as published (two decimals), for roll-up checks.
fn published(x: &str) -> NodeScore {
    NodeScore {
        score: Some(dec(x)),
        ..NodeScore::default()
    }
}

#[test]
fn rejang_lebong_2024_seven_units_give_93_07_a_green() {
    let i = common::instrument_2024();
    let units: Vec<NodeScore> = [
        "97.59", "95.94", "94.68", "93.26", "92.20", "90.70", "87.12",
    ]
    .iter()
    .map(|x| published(x))
    .collect();
    let own = own_scores(&i, NodeLevel::Agency, &[]);
    let a = agency_score(&i, &own, &units, []);
    // (97.59 + 95.94 + 94.68 + 93.26 + 92.20 + 90.70 + 87.12) / 7 = 651.49 / 7 = 93.07
    assert_eq!(a.score, Some(r(9307, 100)));
    let v = a.verdict(&i).unwrap();
    assert_eq!(v.rounded.to_string(), "93.07");
    assert_eq!(v.category(), "A");
    assert_eq!(v.zone_code(), "hijau");
    assert_eq!(v.zone.unwrap().label.get(Lang::En), "Green zone");
    assert_eq!(v.band.label.id, "Kualitas Tertinggi");
    // The lowest unit, 87.12, is B: still green.
    let low = verdict(&i, &dec("87.12"));
    assert_eq!((low.category(), low.zone_code()), ("B", "hijau"));
}

#[test]
fn magelang_2022_pre_evaluation_gives_93_28() {
    let i = common::instrument_2024();
    let units: Vec<NodeScore> = ["100", "100", "80.19", "92.92"]
        .iter()
        .map(|x| published(x))
        .collect();
    let a = agency_score(&i, &own_scores(&i, NodeLevel::Agency, &[]), &units, []);
    // 373.11 / 4 = 93.2775 -> 93.28 (half away from zero)
    assert_eq!(a.score, Some(r(37311, 400)));
    assert_eq!(shown(&a), "93.28");
}

#[test]
fn published_categories_2022_2024() {
    let i = common::instrument_2024();
    for (score, cat, zone) in [
        ("89.59", "A", "hijau"),
        ("88", "A", "hijau"),
        ("87.995", "A", "hijau"), // rounds to 88.00
        ("87.99", "B", "hijau"),
        ("87.43", "B", "hijau"),
        ("79.8", "B", "hijau"),
        ("78", "B", "hijau"),
        ("77.99", "C", "kuning"),
        ("73.88", "C", "kuning"),
        ("58.99", "C", "kuning"),
        ("54", "C", "kuning"),
        ("53.99", "D", "merah"),
        ("32", "D", "merah"),
        ("31.99", "E", "merah"),
        ("0", "E", "merah"),
    ] {
        let v = verdict(&i, &dec(score));
        assert_eq!((v.category(), v.zone_code()), (cat, zone), "{score}");
    }
}

#[test]
fn maluku_utara_2025_opinions() {
    let i = common::instrument_2025();
    let granted = Some(true);
    for (score, q, id, en) in [
        (
            "65.98",
            granted,
            "Kualitas Sedang Tanpa Maladministrasi",
            "Medium quality without maladministration",
        ),
        (
            "62.57",
            granted,
            "Kualitas Sedang Tanpa Maladministrasi",
            "Medium quality without maladministration",
        ),
        (
            "57.61",
            granted,
            "Kualitas Sedang Tanpa Maladministrasi",
            "Medium quality without maladministration",
        ),
        ("69.63", Some(false), "Kualitas Sedang", "Medium quality"),
        ("53.38", Some(false), "Kualitas Rendah", "Low quality"),
        ("90", None, "Kualitas Tertinggi", "Highest quality"),
    ] {
        let v = verdict(&i, &dec(score));
        let o = opinion(&i, v.band, q);
        assert_eq!((o.get(Lang::Id), o.get(Lang::En)), (id, en), "{score}");
        // No colour zones in 2025: the zone is the category.
        assert_eq!(v.zone_code(), v.category());
    }
}

/// Every indicator at its node answered with `level` (data: `level` of 3 in the
/// indicator's range, i.e. max * level / 3), every respondent required.
fn uniform(i: &Instrument, units: usize, products: usize, level: u32) -> AgencyAnswers {
    let at = |node: NodeLevel| -> Vec<Answer> {
        i.indicators
            .iter()
            .enumerate()
            .map(|(k, ind)| {
                if i.level_of(k) != node {
                    return Answer::Unanswered;
                }
                match ind.source {
                    patuh::domain::instrument::Source::Interview { .. } => {
                        Answer::Respondents(vec![
                            patuh::domain::Value::level(level);
                            i.required_answers(k) as usize
                        ])
                    }
                    patuh::domain::instrument::Source::Data { .. } => {
                        Answer::Data(r(i64::from(ind.max * level), 3))
                    }
                    patuh::domain::instrument::Source::Observation => Answer::Level(level),
                }
            })
            .collect()
    };
    AgencyAnswers {
        own: at(NodeLevel::Agency),
        units: (0..units)
            .map(|_| UnitAnswers {
                own: at(NodeLevel::Unit),
                products: (0..products).map(|_| at(NodeLevel::Product)).collect(),
            })
            .collect(),
    }
}

#[test]
fn shipped_2024_and_2025_score_end_to_end() {
    let i = common::instrument_2024();
    // Everything at 3: 100, A; at 2: every value 2/3 -> 66.67, C; at 0: 0, E.
    for (level, expect, cat) in [(3, "100.00", "A"), (2, "66.67", "C"), (0, "0.00", "E")] {
        let s = score_agency(&i, &uniform(&i, 2, 3, level));
        assert_eq!(shown(&s.agency), expect);
        assert_eq!(s.agency.verdict(&i).unwrap().category(), cat);
    }
    // Required answers: per unit 6 knowledge items x 4 staff + 9 facilities + 6
    // complaint items x 2 officials = 45, per product 11, per agency 5 items x 30 users
    // = 150. Two units of three products: 150 + 2 * (45 + 3 * 11) = 306.
    let s = score_agency(&i, &uniform(&i, 2, 3, 1));
    assert_eq!(
        (s.units[0].unit.total, s.units[0].products[0].total),
        (78, 11)
    );
    assert_eq!((s.agency.answered, s.agency.total), (306, 306));

    let i = common::instrument_2025();
    for (level, expect) in [(3, "100.00"), (2, "66.67")] {
        let s = score_agency(&i, &uniform(&i, 1, 0, level));
        assert_eq!(shown(&s.agency), expect);
    }
}
