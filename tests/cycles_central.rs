//! `diff` at the central office (issue 14: "the central merge keeps cycles apart and the
//! central reports can compare cycles (the same diff)"): a workstation's mentoring
//! cycle and the assessment that follows it, each exported on its own with the real
//! binary and a real key, both merged into one central database; `patuh diff` there
//! says what the workstation's says, node by node and indicator by indicator.

mod exchange_support;

use std::path::Path;

use exchange_support::*;
use serde_json::Value as Json;

const KTP: &str = "8171/DUKCAPIL/KTP-EL";

fn cycle_start(w: &World, db: &Path, args: &[&str]) {
    let mut all = vec!["--db", s(db), "cycle", "start"];
    all.extend(args);
    w.ok("siti", &all);
}

/// `patuh diff --from --to` of a database, as JSON (`--json`) or text.
fn diff(w: &World, db: &Path, json: bool) -> String {
    let mut args = vec![
        "--db",
        s(db),
        "diff",
        "--from",
        "2026-pendampingan",
        "--to",
        "2026-penilaian",
    ];
    if json {
        args.push("--json");
    }
    w.ok("reader", &args)
}

/// The marks of a product of a diff's JSON other than "missing", by indicator id.
fn marks(diff: &Json, agency: &str, unit: &str, product: &str) -> (Json, Vec<(String, String)>) {
    let find = |list: &Json, code: &str| -> Json {
        list.as_array()
            .unwrap_or_else(|| panic!("not a list: {list}"))
            .iter()
            .find(|n| n["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {list}"))
            .clone()
    };
    let a = find(&diff["agencies"], agency);
    let u = find(&a["units"], unit);
    let p = find(&u["products"], product);
    let marks = p["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["mark"] != "missing")
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["mark"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (p["delta"].clone(), marks)
}

#[test]
fn a_central_database_with_two_merged_cycles_gives_the_workstations_diff() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    // The mentoring day: a product and another agency's product.
    cycle_start(
        &w,
        &ws,
        &["2026-pendampingan", "--kind", "mentoring", "--year", "2026"],
    );
    for (ind, v) in [
        ("persyaratan", "0"),
        ("prosedur", "1"),
        ("waktu", "0"),
        ("biaya", "1"),
        ("maklumat", "0"),
    ] {
        w.record("siti", &ws, KTP, ind, v);
    }
    w.record("siti", &ws, "81/DPMPTSP/NIB", "persyaratan", "1");
    w.record("siti", &ws, "81/DPMPTSP/NIB", "prosedur", "1");
    let mentoring = w.export("siti", &ws, "pendampingan.patuh", &[]);
    // The assessment, from what the mentoring found: two fixed, one worse, the rest
    // confirmed; the other agency's product got worse too.
    cycle_start(
        &w,
        &ws,
        &[
            "2026-penilaian",
            "--kind",
            "assessment",
            "--year",
            "2026",
            "--carry",
        ],
    );
    w.record("siti", &ws, KTP, "persyaratan", "1");
    w.record("siti", &ws, KTP, "maklumat", "1");
    w.record("siti", &ws, KTP, "biaya", "0");
    w.ok("siti", &["--db", s(&ws), "confirm", KTP]);
    w.record("siti", &ws, "81/DPMPTSP/NIB", "prosedur", "0");
    w.ok("siti", &["--db", s(&ws), "confirm", "81/DPMPTSP/NIB"]);
    let assessment = w.export("siti", &ws, "penilaian.patuh", &[]);

    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    let out = w.ok(
        "central",
        &[
            "central",
            "merge",
            "--db",
            s(&central),
            "--trusted",
            s(&trusted),
            s(&mentoring),
            s(&assessment),
        ],
    );
    assert!(out.contains("pendampingan.patuh: merged"), "{out}");
    assert!(out.contains("penilaian.patuh: merged"), "{out}");

    // The workstation's diff says what changed.
    let here: Json = serde_json::from_str(&diff(&w, &ws, true)).unwrap();
    let (delta, ktp) = marks(&here, "8171", "DUKCAPIL", "KTP-EL");
    assert_eq!(
        ktp,
        vec![
            ("persyaratan".to_string(), "fixed".to_string()),
            ("prosedur".into(), "same".into()),
            ("biaya".into(), "worse".into()),
            ("maklumat".into(), "fixed".into()),
        ]
    );
    assert_ne!(delta, Json::Null, "KTP-EL scored in both cycles");
    let (_, nib) = marks(&here, "81", "DPMPTSP", "NIB");
    assert_eq!(
        nib,
        vec![
            ("persyaratan".to_string(), "same".to_string()),
            ("prosedur".into(), "worse".into()),
        ]
    );

    // The central database's diff, of the same two cycles, is the same: every node's
    // from, to and delta, every indicator's values and mark; the text too.
    let there: Json = serde_json::from_str(&diff(&w, &central, true)).unwrap();
    assert_eq!(there, here);
    assert_eq!(diff(&w, &central, false), diff(&w, &ws, false));
    // Each cycle kept its own values there.
    let value = |cycle: &str, ind: &str| -> Json {
        let show: Json = serde_json::from_str(&w.ok(
            "reader",
            &["--db", s(&central), "--cycle", cycle, "show", KTP, "--json"],
        ))
        .unwrap();
        show["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == ind)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("2026-pendampingan", "persyaratan"), 0);
    assert_eq!(value("2026-penilaian", "persyaratan"), 1);
}

/// The rows of a section of a markdown report that name `agency`.
fn rows_of<'a>(md: &'a str, section: &str, agency: &str) -> Vec<&'a str> {
    let from = md
        .find(section)
        .unwrap_or_else(|| panic!("no {section:?} in:\n{md}"));
    md[from..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with(&format!("| {agency} |")))
        .collect()
}

/// The trend of a central database that merged a workstation's cycles the other way
/// round (the assessment's export first, so the assessment was made there first, then
/// the work of the cycle without a year, then the mentoring), with published scores of
/// past years and of the same year: published years first, then the cycles of the
/// year, the mentoring before the assessment that follows it, the cycle without a year
/// last.
#[test]
fn the_trend_orders_cycles_by_year_and_what_they_follow_whatever_the_merge_order() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    for ind in ["persyaratan", "prosedur", "waktu", "biaya"] {
        w.record("siti", &ws, KTP, ind, "1");
    }
    let default = w.export("siti", &ws, "default.patuh", &["8171"]);
    cycle_start(
        &w,
        &ws,
        &["2026-pendampingan", "--kind", "mentoring", "--year", "2026"],
    );
    w.record("siti", &ws, KTP, "persyaratan", "0");
    w.record("siti", &ws, KTP, "prosedur", "1");
    let mentoring = w.export("siti", &ws, "pendampingan.patuh", &["8171"]);
    cycle_start(
        &w,
        &ws,
        &["2026-penilaian", "--kind", "assessment", "--year", "2026"],
    );
    for ind in ["persyaratan", "prosedur", "waktu"] {
        w.record("siti", &ws, KTP, ind, "1");
    }
    let assessment = w.export("siti", &ws, "penilaian.patuh", &["8171"]);

    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    for file in [&assessment, &default, &mentoring] {
        w.merge(&central, &trusted, file);
    }
    let history = w.path("riwayat.csv");
    std::fs::write(
        &history,
        "agency,year,score,category\n8171,2026,72.88,kuning\n8171,2018,60.87,merah\n8171,2019,70.66,kuning\n",
    )
    .unwrap();
    w.ok(
        "central",
        &["--db", s(&central), "history", "import", s(&history)],
    );
    // Each cycle's score of the agency, as `score` gives it there.
    let score = |cycle: &str| -> String {
        let j: Json = serde_json::from_str(&w.ok(
            "reader",
            &[
                "--db",
                s(&central),
                "--cycle",
                cycle,
                "score",
                "--agency",
                "8171",
                "--json",
            ],
        ))
        .unwrap();
        j["agencies"][0]["score"].to_string()
    };
    let (d, m, a) = (
        score("default"),
        score("2026-pendampingan"),
        score("2026-penilaian"),
    );
    assert!(d != m && m != a && d != a, "{d} {m} {a}");

    let md = w.path("laporan.md");
    w.ok(
        "reader",
        &[
            "--db",
            s(&central),
            "report",
            "--format",
            "md",
            "--lang",
            "en",
            "--out",
            s(&md),
        ],
    );
    let md = std::fs::read_to_string(&md).unwrap();
    let rows = rows_of(&md, "## Agencies' scores year by year", "8171");
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r.split('|').map(str::trim).collect();
            (cells[4].into(), cells[5].into(), cells[6].into())
        })
        .collect();
    let row = |year: &str, source: &str, score: &str| -> (String, String, String) {
        (year.into(), source.into(), score.into())
    };
    assert_eq!(
        got,
        vec![
            row("2018", "published", "60.87"),
            row("2019", "published", "70.66"),
            row("2026", "published", "72.88"),
            row(
                "2026",
                "cycle 2026-pendampingan (mentoring), incomplete",
                &m
            ),
            row("2026", "cycle 2026-penilaian (assessment), incomplete", &a),
            row("now", "cycle default (assessment), incomplete", &d),
        ],
        "{md}"
    );
}

/// Exports reach the central office in any order: an assessment merged before the
/// mentoring it follows still follows it once the mentoring is merged, so that
/// `diff --to` without `--from` compares it with the mentoring, as on the workstation.
#[test]
fn an_assessment_merged_before_its_mentoring_still_follows_it() {
    let w = World::new();
    let ws = w.workstation("siti", "Siti Rahma", "ASN-001");
    cycle_start(
        &w,
        &ws,
        &["2026-pendampingan", "--kind", "mentoring", "--year", "2026"],
    );
    w.record("siti", &ws, KTP, "persyaratan", "0");
    let mentoring = w.export("siti", &ws, "pendampingan.patuh", &["8171"]);
    cycle_start(
        &w,
        &ws,
        &["2026-penilaian", "--kind", "assessment", "--year", "2026"],
    );
    w.record("siti", &ws, KTP, "persyaratan", "1");
    let assessment = w.export("siti", &ws, "penilaian.patuh", &["8171"]);

    let trusted = w.trusted(&["siti"]);
    let central = w.path("central.db");
    let follows = |cycle: &str| -> Json {
        let list: Json = serde_json::from_str(
            &w.ok("reader", &["--db", s(&central), "cycle", "list", "--json"]),
        )
        .unwrap();
        let found = list
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == cycle)
            .cloned();
        found.map(|c| c["follows"].clone()).unwrap_or(Json::Null)
    };
    for (file, assessment_follows) in [
        (&assessment, Json::Null),
        (&mentoring, Json::from("2026-pendampingan")),
    ] {
        w.merge(&central, &trusted, file);
        assert_eq!(follows("2026-penilaian"), assessment_follows);
    }
    // The mentoring itself follows the default cycle, as on the workstation.
    assert_eq!(follows("2026-pendampingan"), Json::from("default"));
    let without_from: Json = serde_json::from_str(&w.ok(
        "reader",
        &[
            "--db",
            s(&central),
            "diff",
            "--to",
            "2026-penilaian",
            "--json",
        ],
    ))
    .unwrap();
    let with_from: Json = serde_json::from_str(&diff(&w, &central, true)).unwrap();
    assert_eq!(without_from, with_from);
}
