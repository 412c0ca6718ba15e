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
