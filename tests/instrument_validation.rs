//! One test per validation rule of instrument files (issue: "instrument validate lists
//! every problem with its JSON path"), on the library and through the CLI.

mod common;

use patuh::domain::Instrument;
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "format": "patuh-instrument", "format_version": 1,
        "id": "uji", "version": "1", "year": 2024,
        "title": {"id": "Instrumen uji", "en": "Test instrument"},
        "dimensions": [
            {"id": "a", "label": {"id": "Dimensi A"}, "weight": 60},
            {"id": "b", "label": {"id": "Dimensi B"}, "weight": 40}
        ],
        "indicators": [
            {"id": "x", "dimension": "a", "label": {"id": "X"}, "weight": 2, "scale": {"max": 1}},
            {"id": "y", "dimension": "b", "label": {"id": "Y"}, "weight": 1.5,
             "scale": {"max": 3, "levels": [{"value": 0, "label": {"id": "Tidak ada"}}]}}
        ],
        "bands": [
            {"code": "merah", "label": {"id": "Rendah"}, "min": 0},
            {"code": "hijau", "label": {"id": "Tinggi"}, "min": 80.5}
        ]
    })
}

/// The problems of `v`, as `path: message` lines.
fn problems(v: &Value) -> Vec<String> {
    match Instrument::parse(&v.to_string()) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.iter().map(|p| p.to_string()).collect(),
    }
}

/// Asserts that exactly the problem at `path` containing `needle` is reported.
fn assert_problem(v: &Value, path: &str, needle: &str) {
    let ps = problems(v);
    assert!(
        ps.iter()
            .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(needle)),
        "expected a problem at {path} containing {needle:?}, got {ps:#?}"
    );
}

fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    f(&mut v);
    v
}

#[test]
fn the_base_is_valid_and_exact() {
    let i = Instrument::parse(&base().to_string()).expect("valid");
    assert_eq!(i.indicators[1].weight, common::r(3, 2));
    assert_eq!(i.bands[1].min, common::r(161, 2));
    assert!(i.has_dimension_weights());
}

#[test]
fn not_json() {
    let e = Instrument::parse("{\"format\": ").unwrap_err();
    assert_eq!(e[0].path, "$");
    assert!(e[0].message.contains("not valid JSON"), "{e:?}");
}

#[test]
fn wrong_format() {
    assert_problem(
        &with(|v| v["format"] = json!("patuh-assignment")),
        "$.format",
        "must be \"patuh-instrument\"",
    );
}

#[test]
fn wrong_or_newer_format_version() {
    assert_problem(
        &with(|v| v["format_version"] = json!(3)),
        "$.format_version",
        "newer",
    );
    assert_problem(
        &with(|v| v["format_version"] = json!(0)),
        "$.format_version",
        "not supported",
    );
}

#[test]
fn no_indicators() {
    assert_problem(
        &with(|v| v["indicators"] = json!([])),
        "$.indicators",
        "no indicators",
    );
    assert_problem(
        &with(|v| {
            v.as_object_mut().unwrap().remove("indicators");
        }),
        "$.indicators",
        "missing",
    );
}

#[test]
fn duplicate_dimension_id() {
    assert_problem(
        &with(|v| v["dimensions"][1]["id"] = json!("a")),
        "$.dimensions[1].id",
        "duplicate dimension id",
    );
}

#[test]
fn duplicate_indicator_id() {
    assert_problem(
        &with(|v| v["indicators"][1]["id"] = json!("x")),
        "$.indicators[1].id",
        "duplicate indicator id",
    );
}

#[test]
fn bad_ids_and_codes() {
    assert_problem(
        &with(|v| v["id"] = json!("uji 2024")),
        "$.id",
        "not a valid code",
    );
    assert_problem(
        &with(|v| v["indicators"][0]["id"] = json!("x/y")),
        "$.indicators[0].id",
        "not a valid code",
    );
    assert_problem(
        &with(|v| v["dimensions"][0]["id"] = json!("é")),
        "$.dimensions[0].id",
        "not a valid code",
    );
    assert_problem(
        &with(|v| v["bands"][0]["code"] = json!("merah!")),
        "$.bands[0].code",
        "not a valid code",
    );
    assert_problem(&with(|v| v["version"] = json!("")), "$.version", "empty");
}

#[test]
fn unknown_dimension() {
    assert_problem(
        &with(|v| v["indicators"][0]["dimension"] = json!("zz")),
        "$.indicators[0].dimension",
        "unknown dimension \"zz\"",
    );
}

#[test]
fn weight_not_positive() {
    assert_problem(
        &with(|v| v["indicators"][0]["weight"] = json!(0)),
        "$.indicators[0].weight",
        "greater than 0",
    );
    assert_problem(
        &with(|v| v["indicators"][1]["weight"] = json!(-1.5)),
        "$.indicators[1].weight",
        "greater than 0",
    );
    assert_problem(
        &with(|v| v["indicators"][1]["weight"] = json!("2")),
        "$.indicators[1].weight",
        "must be a number",
    );
}

#[test]
fn dimension_weights_for_some_only() {
    assert_problem(
        &with(|v| {
            v["dimensions"][1].as_object_mut().unwrap().remove("weight");
        }),
        "$.dimensions",
        "for 1 of 2 dimensions",
    );
}

#[test]
fn dimension_weights_not_summing_to_100() {
    assert_problem(
        &with(|v| v["dimensions"][1]["weight"] = json!(39.98)),
        "$.dimensions",
        "sum to 99.98",
    );
    // Within the 0.01 tolerance is accepted.
    assert!(problems(&with(|v| v["dimensions"][1]["weight"] = json!(39.99))).is_empty());
    // And none at all is a flat checklist.
    assert!(
        problems(&with(|v| {
            for d in v["dimensions"].as_array_mut().unwrap() {
                d.as_object_mut().unwrap().remove("weight");
            }
        }))
        .is_empty()
    );
}

#[test]
fn scale_max_below_1() {
    assert_problem(
        &with(|v| v["indicators"][0]["scale"]["max"] = json!(0)),
        "$.indicators[0].scale.max",
        "at least 1",
    );
}

#[test]
fn missing_indonesian_label() {
    assert_problem(
        &with(|v| v["indicators"][0]["label"] = json!({"en": "X"})),
        "$.indicators[0].label.id",
        "Indonesian",
    );
    assert_problem(
        &with(|v| v["title"] = json!({"en": "Only English"})),
        "$.title.id",
        "Indonesian",
    );
    assert_problem(
        &with(|v| v["bands"][1]["label"] = json!({})),
        "$.bands[1].label.id",
        "Indonesian",
    );
}

#[test]
fn bands_not_starting_at_0() {
    assert_problem(
        &with(|v| v["bands"][0]["min"] = json!(10)),
        "$.bands[0].min",
        "start at 0",
    );
}

#[test]
fn bands_not_strictly_increasing() {
    assert_problem(
        &with(|v| v["bands"][1]["min"] = json!(0)),
        "$.bands[1].min",
        "greater than the previous band",
    );
}

#[test]
fn band_min_over_100() {
    assert_problem(
        &with(|v| v["bands"][1]["min"] = json!(100.5)),
        "$.bands[1].min",
        "at most 100",
    );
}

#[test]
fn unknown_band_color() {
    assert_problem(
        &with(|v| v["bands"][0]["color"] = json!("chartreuse")),
        "$.bands[0].color",
        "unknown color",
    );
    assert!(problems(&with(|v| v["bands"][0]["color"] = json!("red"))).is_empty());
}

#[test]
fn level_outside_the_scale() {
    assert_problem(
        &with(|v| v["indicators"][1]["scale"]["levels"][0]["value"] = json!(4)),
        "$.indicators[1].scale.levels[0].value",
        "outside the scale",
    );
}

#[test]
fn every_problem_is_listed_at_once() {
    let v = with(|v| {
        v["format"] = json!("x");
        v["indicators"][0]["weight"] = json!(0);
        v["bands"][0]["min"] = json!(5);
        v["dimensions"][1]["id"] = json!("a");
    });
    let ps = problems(&v);
    assert!(ps.len() >= 4, "{ps:#?}");
}

#[test]
fn content_hash_ignores_layout_but_not_content() {
    let a = Instrument::parse(&base().to_string()).unwrap();
    let b = Instrument::parse(&serde_json::to_string_pretty(&base()).unwrap()).unwrap();
    assert_eq!(a.sha256, b.sha256);
    let c =
        Instrument::parse(&with(|v| v["indicators"][0]["weight"] = json!(3)).to_string()).unwrap();
    assert_ne!(a.sha256, c.sha256);
}

#[test]
fn shipped_instruments_are_valid() {
    let i21 = common::instrument_2021();
    assert!((25..=40).contains(&i21.indicators.len()));
    assert!(
        i21.indicators
            .iter()
            .all(|i| i.max == 1 && i.guidance.is_some())
    );
    let codes: Vec<_> = i21
        .bands
        .iter()
        .map(|b| (b.code.as_str(), common::decimal(&b.min)))
        .collect();
    assert_eq!(
        codes,
        [
            ("merah", "0".into()),
            ("kuning", "51".into()),
            ("hijau", "81".into())
        ]
    );
    let i22 = common::instrument_2022();
    assert_eq!(i22.dimensions.len(), 4);
    let weights: Vec<String> = i22
        .dimensions
        .iter()
        .map(|d| common::decimal(d.weight.as_ref().unwrap()))
        .collect();
    assert_eq!(weights, ["21.85", "32.37", "24.24", "21.54"]);
    assert!(
        i22.indicators
            .iter()
            .all(|i| i.max == 3 && i.guidance.is_some())
    );
    for i in [&i21, &i22] {
        let d = i.description.as_ref().expect("description");
        assert!(d.id.to_lowercase().contains("contoh"), "{}", d.id);
        assert!(
            d.get(patuh::domain::Lang::En)
                .to_lowercase()
                .contains("sample")
        );
    }
}

// ---- through the command line ----

#[test]
fn cli_validate_lists_problems_with_paths_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    let v = with(|v| {
        v["indicators"][0]["weight"] = json!(0);
        v["bands"][1]["min"] = json!(120);
    });
    std::fs::write(&file, v.to_string()).unwrap();
    let out = common::patuh(dir.path())
        .args(["instrument", "validate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json"), "{err}");
    assert!(
        err.contains("$.indicators[0].weight: must be greater than 0"),
        "{err}"
    );
    assert!(err.contains("$.bands[1].min: must be at most 100"), "{err}");

    let good = dir.path().join("good.json");
    std::fs::write(&good, base().to_string()).unwrap();
    common::patuh(dir.path())
        .args(["instrument", "validate"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicates::str::contains("valid instrument uji version 1"));

    let missing = dir.path().join("nope.json");
    let out = common::patuh(dir.path())
        .args(["instrument", "validate"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.json: cannot read"));
}

// ---- format version 2: levels, roles, sources, zones, qualifier ----

fn base_v2() -> Value {
    json!({
        "format": "patuh-instrument", "format_version": 2,
        "id": "uji-v2", "version": "1", "year": 2024,
        "title": {"id": "Instrumen uji bertingkat", "en": "Multi-level test instrument"},
        "aggregate": "units",
        "roles": [
            {"id": "staf", "label": {"id": "Pelaksana", "en": "Staff"}, "level": "unit", "respondents": 4},
            {"id": "warga", "label": {"id": "Pengguna layanan"}, "level": "agency", "respondents": 30}
        ],
        "dimensions": [
            {"id": "a", "label": {"id": "Proses"}, "level": "product", "weight": 40},
            {"id": "u", "label": {"id": "Input"}, "level": "unit", "weight": 35},
            {"id": "g", "label": {"id": "Output"}, "level": "agency", "weight": 25}
        ],
        "indicators": [
            {"id": "x", "dimension": "a", "label": {"id": "X"}, "weight": 2, "scale": {"max": 3}},
            {"id": "y", "dimension": "u", "label": {"id": "Y"}, "weight": 1, "source": "interview",
             "role": "staf", "scale": {"max": 3}},
            {"id": "z", "dimension": "g", "label": {"id": "IKM"}, "weight": 1, "source": "data",
             "data_source": {"id": "KemenPAN-RB"}, "scale": {"max": 100}},
            {"id": "w", "dimension": "g", "label": {"id": "W"}, "weight": 1, "source": "interview",
             "role": "warga", "scale": {"max": 3}}
        ],
        "zones": [
            {"code": "merah", "label": {"id": "Zona Merah"}, "color": "red"},
            {"code": "hijau", "label": {"id": "Zona Hijau"}, "color": "green"}
        ],
        "bands": [
            {"code": "C", "label": {"id": "Kualitas Sedang"}, "min": 0, "zone": "merah"},
            {"code": "A", "label": {"id": "Kualitas Tertinggi"}, "min": 80, "zone": "hijau"}
        ],
        "qualifier": {"code": "tanpa-maladministrasi", "label": {"id": "Tanpa Maladministrasi"}}
    })
}

fn with_v2(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base_v2();
    f(&mut v);
    v
}

#[test]
fn the_v2_base_is_valid_and_read_as_written() {
    use patuh::domain::instrument::{NodeLevel, Source};
    let i = Instrument::parse(&base_v2().to_string()).expect("valid");
    assert_eq!(i.format_version, 2);
    let levels: Vec<NodeLevel> = i.dimensions.iter().map(|d| d.level).collect();
    assert_eq!(
        levels,
        [NodeLevel::Product, NodeLevel::Unit, NodeLevel::Agency]
    );
    assert_eq!(i.roles[0].respondents, 4);
    assert_eq!(i.roles[1].level, NodeLevel::Agency);
    assert_eq!(i.indicators[0].source, Source::Observation);
    assert_eq!(i.indicators[1].source, Source::Interview { role: 0 });
    assert!(
        matches!(&i.indicators[2].source, Source::Data { from: Some(t) } if t.id == "KemenPAN-RB")
    );
    assert_eq!(i.indicators[2].max, 100);
    assert_eq!(i.required_answers(3), 30);
    assert_eq!(i.required_answers(2), 1);
    assert_eq!(
        i.zone_of(&i.bands[1]).map(|z| z.code.as_str()),
        Some("hijau")
    );
    assert_eq!(
        i.qualifier.as_ref().map(|q| q.label.id.as_str()),
        Some("Tanpa Maladministrasi")
    );
    // Version 1 files read as before: every dimension per product, every indicator observed.
    let v1 = Instrument::parse(&base().to_string()).unwrap();
    assert_eq!(v1.format_version, 1);
    assert!(v1.is_product_only());
    assert!(
        v1.indicators
            .iter()
            .all(|i| i.source == Source::Observation)
    );
    assert!(v1.roles.is_empty() && v1.zones.is_empty() && v1.qualifier.is_none());
}

#[test]
fn version_1_refuses_version_2_fields() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: [(&str, Edit); 8] = [
        (
            "$.dimensions[0].level",
            Box::new(|v| v["dimensions"][0]["level"] = json!("unit")),
        ),
        ("$.roles", Box::new(|v| v["roles"] = json!([]))),
        ("$.zones", Box::new(|v| v["zones"] = json!([]))),
        (
            "$.qualifier",
            Box::new(|v| v["qualifier"] = json!({"code": "q", "label": "Q"})),
        ),
        (
            "$.indicators[1].source",
            Box::new(|v| v["indicators"][1]["source"] = json!("observation")),
        ),
        (
            "$.indicators[0].role",
            Box::new(|v| v["indicators"][0]["role"] = json!("staf")),
        ),
        (
            "$.indicators[0].data_source",
            Box::new(|v| v["indicators"][0]["data_source"] = json!("BPS")),
        ),
        (
            "$.bands[1].zone",
            Box::new(|v| v["bands"][1]["zone"] = json!("hijau")),
        ),
    ];
    for (path, f) in cases {
        let mut v = base();
        f(&mut v);
        assert_problem(&v, path, "set \"format_version\": 2");
    }
}

#[test]
fn version_1_files_hash_exactly_as_before() {
    // The sha256 of the shipped format-1 files, as recorded by databases made before
    // format 2 existed: they must never change.
    assert_eq!(
        common::instrument_2021().sha256,
        "a9c52a97af901e725c6c8f8bf7e89503f2a96d5e669ac39c442bf5f03eb02c7a"
    );
    assert_eq!(
        common::instrument_2022().sha256,
        "1e379931f005f415fde5fc9d9438e9886524a912c26100e23ee30cea7f5134bc"
    );
}

#[test]
fn unknown_dimension_level() {
    assert_problem(
        &with_v2(|v| v["dimensions"][1]["level"] = json!("province")),
        "$.dimensions[1].level",
        "unknown level \"province\"",
    );
}

#[test]
fn unknown_role_level() {
    assert_problem(
        &with_v2(|v| v["roles"][0]["level"] = json!("unit-layanan")),
        "$.roles[0].level",
        "unknown level \"unit-layanan\"",
    );
    assert_problem(
        &with_v2(|v| {
            v["roles"][0].as_object_mut().unwrap().remove("level");
        }),
        "$.roles[0].level",
        "missing",
    );
}

#[test]
fn unknown_role() {
    assert_problem(
        &with_v2(|v| v["indicators"][1]["role"] = json!("kepala")),
        "$.indicators[1].role",
        "unknown role \"kepala\"",
    );
}

#[test]
fn interview_indicator_without_a_role() {
    assert_problem(
        &with_v2(|v| {
            v["indicators"][1].as_object_mut().unwrap().remove("role");
        }),
        "$.indicators[1].role",
        "an interview indicator names the role",
    );
}

#[test]
fn interview_indicator_with_a_role_of_another_level() {
    // y is in the unit-level dimension; warga are interviewed per agency.
    assert_problem(
        &with_v2(|v| v["indicators"][1]["role"] = json!("warga")),
        "$.indicators[1].role",
        "role \"warga\" is interviewed per agency, but dimension \"u\" is answered per unit",
    );
}

#[test]
fn role_on_an_indicator_that_is_not_an_interview() {
    assert_problem(
        &with_v2(|v| v["indicators"][0]["role"] = json!("staf")),
        "$.indicators[0].role",
        "only an interview indicator names a role",
    );
    assert_problem(
        &with_v2(|v| v["indicators"][1]["data_source"] = json!("BPS")),
        "$.indicators[1].data_source",
        "only a data indicator names a data source",
    );
}

#[test]
fn unknown_source() {
    assert_problem(
        &with_v2(|v| v["indicators"][0]["source"] = json!("survey")),
        "$.indicators[0].source",
        "unknown source \"survey\"",
    );
}

#[test]
fn data_indicator_without_scale_max() {
    assert_problem(
        &with_v2(|v| v["indicators"][2]["scale"] = json!({})),
        "$.indicators[2].scale.max",
        "a data indicator needs the highest value",
    );
    let v = with_v2(|v| {
        v["indicators"][2].as_object_mut().unwrap().remove("scale");
    });
    assert_problem(&v, "$.indicators[2].scale.max", "a data indicator needs");
    // Said once, not also as the generic "scale is missing".
    assert_eq!(problems(&v).len(), 1, "{:#?}", problems(&v));
}

#[test]
fn mixed_levels_without_dimension_weights() {
    let v = with_v2(|v| {
        for d in v["dimensions"].as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("weight");
        }
    });
    assert_problem(
        &v,
        "$.dimensions",
        "answered at different levels (product, unit, agency) but have no weights",
    );
    // One level without weights is a flat checklist at that level: fine.
    let one_level = with_v2(|v| {
        for d in v["dimensions"].as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("weight");
            d["level"] = json!("unit");
        }
        v["indicators"][3]["source"] = json!("observation");
        v["indicators"][3].as_object_mut().unwrap().remove("role");
    });
    assert_eq!(problems(&one_level), Vec::<String>::new());
}

#[test]
fn aggregate_products_with_a_dimension_not_per_product() {
    assert_problem(
        &with_v2(|v| v["aggregate"] = json!("products")),
        "$.aggregate",
        "is \"products\", but dimension \"u\" is answered per unit",
    );
    assert_problem(
        &with_v2(|v| {
            v.as_object_mut().unwrap().remove("aggregate");
        }),
        "$.aggregate",
        "(the default when it is not given)",
    );
}

#[test]
fn some_bands_with_a_zone_and_some_without() {
    // The zone hijau is then named by no band either; both are said.
    let v = with_v2(|v| {
        v["bands"][1].as_object_mut().unwrap().remove("zone");
    });
    assert_problem(
        &v,
        "$.bands",
        "1 of 2 bands name a zone, but not $.bands[1]",
    );
    assert_problem(&v, "$.zones[1]", "zone \"hijau\" is named by no band");
}

#[test]
fn a_zone_named_by_no_band() {
    assert_problem(
        &with_v2(|v| {
            v["zones"]
                .as_array_mut()
                .unwrap()
                .push(json!({"code": "kuning", "label": {"id": "Zona Kuning"}}));
        }),
        "$.zones[2]",
        "zone \"kuning\" is named by no band",
    );
}

#[test]
fn unknown_zone_in_a_band() {
    assert_problem(
        &with_v2(|v| v["bands"][1]["zone"] = json!("biru")),
        "$.bands[1].zone",
        "unknown zone \"biru\"",
    );
}

#[test]
fn duplicate_or_bad_zones() {
    assert_problem(
        &with_v2(|v| v["zones"][1]["code"] = json!("merah")),
        "$.zones[1].code",
        "duplicate zone code \"merah\"",
    );
    assert_problem(
        &with_v2(|v| v["zones"][0]["color"] = json!("crimson")),
        "$.zones[0].color",
        "unknown color",
    );
    assert_problem(
        &with_v2(|v| v["zones"][0]["label"] = json!({"en": "Red"})),
        "$.zones[0].label.id",
        "Indonesian",
    );
}

#[test]
fn duplicate_role_id() {
    assert_problem(
        &with_v2(|v| v["roles"][1]["id"] = json!("staf")),
        "$.roles[1].id",
        "duplicate role id \"staf\"",
    );
}

#[test]
fn respondents_below_1_or_too_many() {
    assert_problem(
        &with_v2(|v| v["roles"][0]["respondents"] = json!(0)),
        "$.roles[0].respondents",
        "at least 1 respondent",
    );
    assert_problem(
        &with_v2(|v| v["roles"][0]["respondents"] = json!(1001)),
        "$.roles[0].respondents",
        "at most 1000",
    );
    assert_problem(
        &with_v2(|v| v["roles"][0]["respondents"] = json!(2.5)),
        "$.roles[0].respondents",
        "whole number",
    );
}

#[test]
fn a_role_used_by_no_indicator_is_fine() {
    let v = with_v2(|v| {
        v["roles"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "kepala", "label": {"id": "Kepala unit"}, "level": "unit", "respondents": 1}));
    });
    assert_eq!(problems(&v), Vec::<String>::new());
}

#[test]
fn qualifier_needs_a_code_and_a_label() {
    assert_problem(
        &with_v2(|v| v["qualifier"] = json!({"code": "tanpa maladministrasi", "label": "X"})),
        "$.qualifier.code",
        "not a valid code",
    );
    assert_problem(
        &with_v2(|v| v["qualifier"] = json!({"code": "q"})),
        "$.qualifier.label",
        "missing",
    );
}

#[test]
fn the_v2_content_hash_covers_the_new_fields() {
    let a = Instrument::parse(&base_v2().to_string()).unwrap();
    let b = Instrument::parse(&with_v2(|v| v["roles"][0]["respondents"] = json!(5)).to_string())
        .unwrap();
    assert_ne!(a.sha256, b.sha256);
}

#[test]
fn shipped_v2_instruments_are_valid() {
    use patuh::domain::instrument::{NodeLevel, Source};
    let i24 = common::instrument_2024();
    let dims: Vec<(&str, NodeLevel, String)> = i24
        .dimensions
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.level,
                common::decimal(d.weight.as_ref().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        dims,
        [
            ("input", NodeLevel::Unit, "21.85".into()),
            ("proses", NodeLevel::Product, "32.37".into()),
            ("output", NodeLevel::Agency, "24.24".into()),
            ("pengaduan", NodeLevel::Unit, "21.54".into()),
        ]
    );
    let count = |dim: &str| {
        i24.indicators
            .iter()
            .filter(|i| i24.dimensions[i.dimension].id == dim)
            .count()
    };
    assert_eq!(
        (count("proses"), count("output"), count("pengaduan")),
        (11, 5, 6)
    );
    let roles: Vec<(&str, NodeLevel, u32)> = i24
        .roles
        .iter()
        .map(|r| (r.id.as_str(), r.level, r.respondents))
        .collect();
    assert_eq!(
        roles,
        [
            ("pelaksana", NodeLevel::Unit, 4),
            ("pengelola-pengaduan", NodeLevel::Unit, 2),
            ("pengguna", NodeLevel::Agency, 30),
        ]
    );
    assert!(
        i24.indicators
            .iter()
            .all(|i| i.max == 3 && i.guidance.is_some())
    );
    let bands: Vec<(&str, String, &str)> = i24
        .bands
        .iter()
        .map(|b| {
            (
                b.code.as_str(),
                common::decimal(&b.min),
                i24.zone_of(b).map_or("", |z| z.code.as_str()),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [
            ("E", "0".into(), "merah"),
            ("D", "32".into(), "merah"),
            ("C", "54".into(), "kuning"),
            ("B", "78".into(), "hijau"),
            ("A", "88".into(), "hijau"),
        ]
    );

    let i25 = common::instrument_2025();
    let weights: Vec<String> = i25
        .dimensions
        .iter()
        .map(|d| common::decimal(d.weight.as_ref().unwrap()))
        .collect();
    // The four dimensions weigh 70 together, public trust 30.
    assert_eq!(weights, ["15.295", "22.659", "16.968", "15.078", "30"]);
    assert_eq!(i25.dimensions[4].id, "kepercayaan");
    let output = i25
        .dimensions
        .iter()
        .position(|d| d.id == "output")
        .unwrap();
    assert!(
        i25.indicators
            .iter()
            .filter(|i| i.dimension == output)
            .all(|i| matches!(i.source, Source::Data { from: Some(_) }))
    );
    assert_eq!(i25.indicators[i25.indicator_index("ikm").unwrap()].max, 100);
    assert!(i25.zones.is_empty());
    assert_eq!(
        i25.qualifier.as_ref().map(|q| q.label.id.as_str()),
        Some("Tanpa Maladministrasi")
    );
    for i in [&i24, &i25] {
        let d = i.description.as_ref().expect("description");
        assert!(d.id.to_lowercase().contains("contoh"), "{}", d.id);
        assert!(
            d.get(patuh::domain::Lang::En)
                .to_lowercase()
                .contains("sample")
        );
        assert!(i.indicators.iter().all(|x| x.label.en.is_some()));
    }
}

#[test]
fn cli_validate_reports_v2_rules() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v2.json");
    let v = with_v2(|v| {
        v["indicators"][1]["role"] = json!("warga");
        v["aggregate"] = json!("products");
    });
    std::fs::write(&file, v.to_string()).unwrap();
    let out = common::patuh(dir.path())
        .args(["instrument", "validate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("$.indicators[1].role: role \"warga\""),
        "{err}"
    );
    assert!(err.contains("$.aggregate: is \"products\""), "{err}");
    for f in ["kepatuhan-2024.json", "opini-2025.json"] {
        common::patuh(dir.path())
            .args(["instrument", "validate"])
            .arg(format!(
                "{}/fixtures/instruments/{f}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .assert()
            .success();
    }
}

#[test]
fn the_documented_examples_are_valid() {
    // A new user writes an instrument from docs/instrument-format.md alone: its complete
    // examples (format 1 and format 2) must import as they are.
    let doc = include_str!("../docs/instrument-format.md");
    let examples: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.contains("\"format\": \"patuh-instrument\""))
        .collect();
    assert_eq!(examples.len(), 2, "the format-1 and format-2 examples");
    let versions: Vec<u32> = examples
        .iter()
        .map(|e| match Instrument::parse(e) {
            Ok(i) => i.format_version,
            Err(ps) => panic!("documented example refused: {ps:#?}"),
        })
        .collect();
    assert_eq!(versions, [2, 1]);
}
