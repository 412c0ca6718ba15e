//! The 2022-2025 methods through the command line, on real files (issue 12, "Entering
//! it"): answers of units and agencies, respondents with N/A, data values with
//! decimals (typed and imported from CSV), a unit without products, an agency-level
//! dimension, categories and zones, the follow-up register and the qualifier
//! (null, true, false), finalizing units and agencies; each number worked out by hand
//! (the worked example of docs/instrument-format.md, also in tests/model_levels.rs).
//! The refusals name the fix and change nothing. The published Rejang Lebong 2024
//! figures come out of `score`. And a method nobody has seen, written from
//! docs/instrument-format.md alone, imports and scores.

mod common;

use std::path::{Path, PathBuf};

use common::{dump, patuh};
use predicates::prelude::*;
use serde_json::Value;

/// The instrument of docs/instrument-format.md's worked example (as in
/// tests/model_levels.rs): four dimensions at three levels, weights 20/40/25/15.
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

/// Agency A0 with unit U1 (products P1, P2) and unit U2 (no products).
const MIXED_ASSIGNMENT: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "uji-level", "version": "1"},
  "title": "Uji bertingkat",
  "agencies": [{"code": "A0", "name": "Kabupaten Uji", "kind": "pemkab", "units": [
    {"code": "U1", "name": "Unit Satu", "products": [
      {"code": "P1", "name": "Produk Satu"}, {"code": "P2", "name": "Produk Dua"}]},
    {"code": "U2", "name": "Unit Dua", "products": []}]}]
}"#;

/// A database with the shipped instruments (`init`) and more imported from text.
struct Db {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("patuh.db");
        let d = Db { dir, db };
        d.ok(&["init", "--assessor", "Siti Aminah"]);
        d
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to a file of the test's own and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        patuh(self.home())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and expects success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects exit 1 changing nothing; stderr.
    fn refused(&self, args: &[&str]) -> String {
        let before = dump(&self.db);
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(dump(&self.db), before, "{args:?} changed the database");
        err
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn import(&self, instrument: &str, assignment: &str) {
        let i = self.file("instrument.json", instrument);
        self.ok(&["instrument", "import", i.to_str().unwrap()]);
        let a = self.file("assignment.json", assignment);
        self.ok(&["assignment", "import", a.to_str().unwrap()]);
    }

    /// `respondent add` and the number it prints.
    fn add(&self, path: &str, role: &str) -> String {
        self.ok(&["respondent", "add", path, "--role", role])
            .trim()
            .to_string()
    }

    fn check(&self) {
        let out = self.ok(&["check"]);
        assert!(out.contains("every change accounted for"), "{out}");
    }
}

/// The rounded score, category and zone of a node in `show --json`, and its progress.
fn facts(show: &Value) -> (String, String, String, u64, u64) {
    (
        show["score"].to_string(),
        show["category"].as_str().unwrap_or("-").to_string(),
        show["zone"].as_str().unwrap_or("-").to_string(),
        show["answered"].as_u64().unwrap(),
        show["total"].as_u64().unwrap(),
    )
}

fn row(
    score: &str,
    cat: &str,
    zone: &str,
    answered: u64,
    total: u64,
) -> (String, String, String, u64, u64) {
    (score.into(), cat.into(), zone.into(), answered, total)
}

fn dims(show: &Value) -> Vec<String> {
    show["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {}", d["id"].as_str().unwrap(), d["score"]))
        .collect()
}

/// The worked example entered as an assessor would:
/// - agency: `out-rasa` by 3 users: 3, N/A, 2; `out-ikm` 82.35 (imported from CSV)
/// - unit 1: staff 3 and 2 on `in-tahu`; `in-sarana` 3; complaint officials N/A, N/A;
///   products P1 (`pr-a` 2, `pr-b` 1) and P2 (`pr-a` 3, `pr-b` N/A)
/// - unit 2, no products: staff 1 answered `in-tahu` 1, staff 2 not yet; `in-sarana`
///   unanswered; complaint officials 2 and 3
fn worked_example() -> Db {
    let d = Db::new();
    d.import(MIXED, MIXED_ASSIGNMENT);
    for (n, v) in [("1", "3"), ("2", "na"), ("3", "2")] {
        assert_eq!(d.add("A0", "warga"), n, "respondent add prints the number");
        let mut args = vec!["record", "A0", "out-rasa", "--respondent", n];
        if v == "na" {
            args.push("--na");
        } else {
            args.extend(["--value", v]);
        }
        d.ok(&args);
    }
    let csv = d.file(
        "data.csv",
        "path,indicator,value,source\nA0,out-ikm,82.35,\"KemenPAN-RB, IKM 2024\"\n",
    );
    let out = d.ok(&["data", "import", csv.to_str().unwrap()]);
    assert!(out.contains("1 data value(s) entered or changed"), "{out}");
    for (unit, staff, officials) in [
        ("A0/U1", ["3", "2"], ["na", "na"]),
        ("A0/U2", ["1", ""], ["2", "3"]),
    ] {
        for (k, v) in staff.iter().enumerate() {
            assert_eq!(d.add(unit, "staf"), (k + 1).to_string());
            if !v.is_empty() {
                d.ok(&[
                    "record",
                    unit,
                    "in-tahu",
                    "--respondent",
                    &(k + 1).to_string(),
                    "--value",
                    v,
                ]);
            }
        }
        for (k, v) in officials.iter().enumerate() {
            d.add(unit, "pengelola");
            let n = (k + 1).to_string();
            if *v == "na" {
                d.ok(&["record", unit, "pg-a", "--respondent", &n, "--na"]);
            } else {
                d.ok(&["record", unit, "pg-a", "--respondent", &n, "--value", v]);
            }
        }
    }
    d.ok(&["record", "A0/U1", "in-sarana", "--value", "3"]);
    d.ok(&["record", "A0/U1/P1", "pr-a", "--value", "2"]);
    d.ok(&["record", "A0/U1/P1", "pr-b", "--value", "1"]);
    d.ok(&["record", "A0/U1/P2", "pr-a", "--value", "3"]);
    d.ok(&["record", "A0/U1/P2", "pr-b", "--na"]);
    d
}

#[test]
fn the_worked_example_through_the_command_line() {
    let d = worked_example();
    // Products: S_pr(P1) = 100 * (3 * 2/3 + 1) / 4 = 75; P2: pr-b N/A -> 100.
    let p1 = d.json(&["show", "A0/U1/P1", "--json"]);
    assert_eq!(p1["level"], "product");
    assert_eq!(facts(&p1), row("75.00", "C", "kuning", 2, 2));
    assert_eq!(dims(&p1), ["in null", "pr 75.00", "out null", "pg null"]);
    // Unit 1: X = (88.89, mean(75, 100) = 87.5, 82.84, -): 105823/1224 = 86.46, B,
    // hijau; 9/9 (two N/A answers count).
    let u1 = d.json(&["show", "A0/U1", "--json"]);
    assert_eq!(u1["level"], "unit");
    assert_eq!(facts(&u1), row("86.46", "B", "hijau", 9, 9));
    assert_eq!(dims(&u1), ["in 88.89", "pr 87.50", "out 82.84", "pg null"]);
    // Its own indicators, each respondent's answer with it.
    let tahu = u1["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "in-tahu")
        .unwrap();
    assert_eq!(tahu["value"].to_string(), "2.50");
    assert_eq!(
        tahu["respondents"],
        serde_json::json!([
            {"n": 1, "label": "", "value": 3, "na": false},
            {"n": 2, "label": "", "value": 2, "na": false}
        ])
    );
    let pg = u1["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "pg-a")
        .unwrap();
    assert_eq!(pg["na"], true, "every official said N/A: N/A");
    // Unit 2, no products: X = (22.22, -, 82.84, 83.33): 54223/864 = 62.76, C, kuning; 3/5.
    let u2 = d.json(&["show", "A0/U2", "--json"]);
    assert_eq!(facts(&u2), row("62.76", "C", "kuning", 3, 5));
    assert_eq!(dims(&u2), ["in 22.22", "pr null", "out 82.84", "pg 83.33"]);
    // Agency: (86.4567 + 62.7581) / 2 = 74.61, C, kuning; 16/18. The agency-level
    // dimension: S_out = 100 * (2.5/3 + 82.35/100) / 2 = 82.84.
    let a = d.json(&["show", "A0", "--json"]);
    assert_eq!(a["level"], "agency");
    assert_eq!(facts(&a), row("74.61", "C", "kuning", 16, 18));
    assert_eq!(dims(&a), ["in 55.56", "pr 87.50", "out 82.84", "pg 83.33"]);
    let rasa = a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "out-rasa")
        .unwrap();
    assert_eq!(
        rasa["value"].to_string(),
        "2.50",
        "3, N/A, 2: the mean of 3 and 2"
    );
    assert_eq!(rasa["respondents"][1]["na"], true);
    let ikm = a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "out-ikm")
        .unwrap();
    assert_eq!(ikm["value"].to_string(), "82.35", "the exact decimal");
    assert_eq!(ikm["source_of_value"], "KemenPAN-RB, IKM 2024");
    // The register is open: qualifier null, the opinion the band's label.
    assert_eq!(a["qualifier"], Value::Null);
    assert_eq!(a["opinion"], "Kualitas Sedang");
    // score --json says the same at every node.
    let j = d.json(&["score", "--json"]);
    let agency = &j["agencies"][0];
    assert_eq!(agency["score"].to_string(), "74.61");
    assert_eq!(agency["category"], "C");
    assert_eq!(agency["units"][0]["category"], "B");
    assert_eq!(agency["units"][1]["score"].to_string(), "62.76");
    assert_eq!(
        agency["units"][0]["products"][0]["dimensions"][1]["score"].to_string(),
        "75.00"
    );
    assert_eq!(agency["qualifier"], Value::Null);
    // For a person too, in both languages.
    let text = d.ok(&["show", "A0/U1"]);
    assert!(
        text.contains("score 86.46 B hijau (High quality)"),
        "{text}"
    );
    assert!(
        text.contains("dimensions: in 88.89, pr 87.50, out 82.84, pg -"),
        "{text}"
    );
    assert!(text.contains("[staf 2/2: 1:3 2:2]"), "{text}");
    let text = String::from_utf8(
        patuh(d.home())
            .env("LANG", "id_ID.UTF-8")
            .arg("--db")
            .arg(&d.db)
            .args(["show", "A0"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("dimensi: in 55.56"), "{text}");
    assert!(text.contains("opini: Kualitas Sedang"), "{text}");
    let text = d.ok(&["score"]);
    assert!(text.contains("C Medium quality"), "{text}");
    assert!(
        text.contains("dimensions: in 55.56, pr 87.50, out 82.84, pg 83.33"),
        "{text}"
    );
    d.check();
}

#[test]
fn respondents_answering_added_and_removed_move_the_unit_and_the_agency() {
    let d = worked_example();
    // Staff 2 of unit 2 answers 3: mean 2, S_in = 400/9; U2 = 60623/864 = 70.17, C, 4/5.
    // The agency (105823/1224 + 60623/864) / 2 = 78.31 crosses into B, hijau; 17/18.
    let out = d.ok(&[
        "record",
        "A0/U2",
        "in-tahu",
        "--respondent",
        "2",
        "--value",
        "3",
    ]);
    assert!(out.contains("unit A0/U2 score 70.17 C kuning"), "{out}");
    assert!(out.contains("agency A0 score 78.31 B hijau"), "{out}");
    // Staff 1 (who answered 1) removed: staff 2's 3 alone, S_in = 100 * (2 * 3/3) / 3 =
    // 200/3; U2 = (20 * 200/3 + 15 * 250/3 + 25 * 9941/120) / 60 = 77.57, C; progress
    // 3/5 (one staff answer of the two required); the agency 82.01, B.
    let out = d.ok(&[
        "respondent",
        "remove",
        "A0/U2",
        "--role",
        "staf",
        "1",
        "--reason",
        "Bukan pelaksana",
    ]);
    assert!(out.contains("Removed staf 1 at A0/U2"), "{out}");
    let u2 = d.json(&["show", "A0/U2", "--json"]);
    assert_eq!(facts(&u2), row("77.57", "C", "kuning", 3, 5));
    let a = d.json(&["show", "A0", "--json"]);
    assert_eq!(facts(&a), row("82.01", "B", "hijau", 16, 18));
    // Kept, with the reason; the next one is number 3.
    let list = d.json(&["respondent", "list", "A0/U2", "--json"]);
    let staf = &list["roles"][0];
    assert_eq!(staf["role"], "staf");
    assert_eq!(
        staf["respondents"][0]["removed"]["reason"],
        "Bukan pelaksana"
    );
    assert_eq!(staf["respondents"][0]["answers"]["in-tahu"], 1);
    assert_eq!(d.add("A0/U2", "staf"), "3");
    let text = d.ok(&["respondent", "list", "A0/U2"]);
    assert!(text.contains("removed at"), "{text}");
    // The history names the respondent's row.
    let log = d.ok(&["log", "A0/U2"]);
    assert!(log.contains("respondent-remove"), "{log}");
    d.check();
}

#[test]
fn the_qualifier_is_null_until_the_register_is_closed_then_true_or_false() {
    let d = worked_example();
    let opinion = |d: &Db| {
        let a = d.json(&["show", "A0", "--json"]);
        (
            a["qualifier"].clone(),
            a["opinion"].as_str().unwrap().to_string(),
        )
    };
    d.ok(&[
        "followup",
        "add",
        "A0",
        "--kind",
        "lahp",
        "--ref",
        "0123/LAHP/2024",
    ]);
    d.ok(&[
        "followup",
        "add",
        "A0",
        "--kind",
        "rekomendasi",
        "--ref",
        "R-7/2024",
    ]);
    d.ok(&[
        "followup",
        "set",
        "A0",
        "0123/LAHP/2024",
        "--status",
        "completed",
    ]);
    assert_eq!(
        opinion(&d),
        (Value::Null, "Kualitas Sedang".into()),
        "open register"
    );
    let out = d.ok(&["followup", "close", "A0"]);
    assert!(out.contains("not granted"), "{out}");
    assert_eq!(opinion(&d), (Value::Bool(false), "Kualitas Sedang".into()));
    // A closed register refuses changes until reopened (with a reason).
    let err = d.refused(&["followup", "set", "A0", "R-7/2024", "--status", "completed"]);
    assert!(err.contains("patuh followup reopen A0 --reason"), "{err}");
    d.ok(&[
        "followup",
        "reopen",
        "A0",
        "--reason",
        "Rekomendasi sudah dilaksanakan",
    ]);
    d.ok(&["followup", "set", "A0", "R-7/2024", "--status", "completed"]);
    d.ok(&["followup", "close", "A0"]);
    assert_eq!(
        opinion(&d),
        (
            Value::Bool(true),
            "Kualitas Sedang Tanpa Maladministrasi".into()
        )
    );
    let j = d.json(&["score", "--json"]);
    assert_eq!(j["agencies"][0]["qualifier"], true);
    assert_eq!(
        j["agencies"][0]["opinion"],
        "Kualitas Sedang Tanpa Maladministrasi"
    );
    let list = d.json(&["followup", "list", "A0", "--json"]);
    assert_eq!(list["closed"], true);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let text = d.ok(&["score"]);
    assert!(
        text.contains("C Medium quality without maladministration"),
        "{text}"
    );
    d.check();
}

#[test]
fn units_and_agencies_are_finalized_and_reopened() {
    let d = worked_example();
    let out = d.ok(&["finalize", "A0/U2"]);
    assert!(out.contains("Finalized A0/U2"), "{out}");
    assert!(out.contains("2 of 3 indicators are unanswered"), "{out}");
    let err = d.refused(&["record", "A0/U2", "in-sarana", "--value", "1"]);
    assert!(err.contains("patuh reopen A0/U2 --reason"), "{err}");
    let err = d.refused(&["respondent", "add", "A0/U2", "--role", "staf"]);
    assert!(err.contains("read-only"), "{err}");
    // Finalizing the unit leaves its agency open.
    d.ok(&[
        "record",
        "A0",
        "out-rasa",
        "--respondent",
        "2",
        "--value",
        "1",
    ]);
    d.ok(&["finalize", "A0"]);
    let err = d.refused(&["followup", "add", "A0", "--kind", "saran", "--ref", "S-1"]);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(d.json(&["show", "A0", "--json"])["finalized"], true);
    d.ok(&["reopen", "A0/U2", "--reason", "Sarana belum dinilai"]);
    d.ok(&["record", "A0/U2", "in-sarana", "--value", "1"]);
    let u2 = d.json(&["show", "A0/U2", "--json"]);
    assert_eq!(u2["reopened"][0]["reason"], "Sarana belum dinilai");
    assert_eq!(u2["finalized"], false);
    d.check();
}

#[test]
fn refusals_name_the_fix_and_change_nothing() {
    let d = worked_example();
    // A path of the wrong level.
    let err = d.refused(&["record", "A0/U1/P1", "in-sarana", "--value", "1"]);
    assert!(
        err.contains("answered per unit, not per product")
            && err.contains("patuh record A0/U1 in-sarana"),
        "{err}"
    );
    let err = d.refused(&["record", "A0", "pr-a", "--value", "1"]);
    assert!(
        err.contains("AGENCY/UNIT/PRODUCT") || err.contains("A0/UNIT/PRODUCT"),
        "{err}"
    );
    // An interview answer without the respondent.
    let err = d.refused(&["record", "A0/U1", "in-tahu", "--value", "2"]);
    assert!(
        err.contains("--respondent N") && err.contains("patuh respondent list A0/U1"),
        "{err}"
    );
    // An unknown respondent, to answer or to remove.
    let err = d.refused(&[
        "record",
        "A0/U1",
        "in-tahu",
        "--respondent",
        "9",
        "--value",
        "2",
    ]);
    assert!(
        err.contains("there is no staf 9 (staf numbers there: 1, 2)"),
        "{err}"
    );
    let err = d.refused(&[
        "respondent",
        "remove",
        "A0/U1",
        "--role",
        "staf",
        "7",
        "--reason",
        "salah",
    ]);
    assert!(
        err.contains("there is no staf 7") && err.contains("patuh respondent list A0/U1"),
        "{err}"
    );
    // A role of another level, or none of the instrument's.
    let err = d.refused(&["respondent", "add", "A0/U1", "--role", "warga"]);
    assert!(
        err.contains("role warga is interviewed per agency"),
        "{err}"
    );
    let err = d.refused(&["respondent", "add", "A0/U1", "--role", "kepala"]);
    assert!(
        err.contains("per unit it interviews staf, pengelola"),
        "{err}"
    );
    // A name is not a position.
    let long = "Bapak Haji Muhammad Abdullah bin Sulaiman, Kepala Dinas Kependudukan, NIP 19700101 199001 1 001";
    let err = d.refused(&[
        "respondent",
        "add",
        "A0/U1",
        "--role",
        "staf",
        "--label",
        long,
    ]);
    assert!(err.contains("never a name"), "{err}");
    // Data values: out of range, decimal commas, no source, not a data indicator.
    let err = d.refused(&[
        "record", "A0", "out-ikm", "--value", "100.5", "--source", "BPS",
    ]);
    assert!(
        err.contains("above the scale") && err.contains("0 to 100"),
        "{err}"
    );
    let err = d.refused(&[
        "record", "A0", "out-ikm", "--value", "82,35", "--source", "BPS",
    ]);
    assert!(err.contains("with a dot"), "{err}");
    let err = d.refused(&["record", "A0", "out-ikm", "--value", "82.35"]);
    assert!(err.contains("--source"), "{err}");
    let err = d.refused(&["record", "A0/U1", "in-sarana", "--value", "2.5"]);
    assert!(err.contains("whole number 0..3"), "{err}");
    // A data file with problems: every one named with its line, nothing imported.
    let csv = d.file(
        "bad.csv",
        "path,indicator,value,source\n\
         A0,out-ikm,101,BPS\n\
         A0/U1,out-ikm,50,BPS\n\
         A0,out-rasa,2,BPS\n\
         A9,out-ikm,50,BPS\n\
         A0,out-ikm,50,\n",
    );
    let err = d.refused(&["data", "import", csv.to_str().unwrap()]);
    for want in [
        "5 problem(s); nothing was imported",
        "line 2: A0 out-ikm: 101 is above the scale",
        "line 3: A0/U1: indicator out-ikm is answered per agency, not per unit",
        "line 4: A0: indicator out-rasa is answered by interview, not by a data value",
        "line 5: no agency A9",
        "line 6: A0 out-ikm: the source is empty",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    let csv = d.file("header.csv", "where,what,how much\nA0,out-ikm,1\n");
    let err = d.refused(&["data", "import", csv.to_str().unwrap()]);
    assert!(
        err.contains("line 1: the header must be `path,indicator,value,source`"),
        "{err}"
    );
    // A follow-up of a unit.
    let err = d.refused(&["followup", "add", "A0/U1", "--kind", "lahp", "--ref", "X"]);
    assert!(err.contains("belongs to an agency"), "{err}");
    let err = d.refused(&["followup", "set", "A0", "NOPE", "--status", "completed"]);
    assert!(err.contains("no follow-up \"NOPE\""), "{err}");
    d.check();
}

/// A data file whose values are decimals, with `;` between fields (Excel in
/// Indonesian): entered exactly, audited; the same file again changes nothing.
#[test]
fn a_data_file_is_imported_whole_and_exactly() {
    let d = worked_example();
    let csv = d.file(
        "ikm.csv",
        "\u{feff}path;indicator;value;source\nA0;out-ikm;79.125;BPS 2025\n",
    );
    let out = d.ok(&["data", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("1 data value(s) entered or changed, 0 unchanged"),
        "{out}"
    );
    let a = d.json(&["show", "A0", "--json"]);
    let ikm = a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "out-ikm")
        .unwrap()
        .clone();
    assert_eq!(ikm["value"].to_string(), "79.125");
    // S_out = 100 * (2.5/3 + 0.79125) / 2 = 81.2291...
    let out_dim = &a["dimensions"][2];
    assert_eq!(out_dim["score"].to_string(), "81.23");
    let before = dump(&d.db);
    let out = d.ok(&["data", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("0 data value(s) entered or changed, 1 unchanged"),
        "{out}"
    );
    assert_eq!(dump(&d.db), before);
    let log = d.ok(&["log", "A0", "out-ikm"]);
    assert!(
        log.contains("82.35 (KemenPAN-RB, IKM 2024)") && log.contains("79.125 (BPS 2025)"),
        "{log}"
    );
    // N/A for the whole data indicator clears the value (both audited).
    d.ok(&["record", "A0", "out-ikm", "--na"]);
    let a = d.json(&["show", "A0", "--json"]);
    assert_eq!(
        a["dimensions"][2]["score"].to_string(),
        "83.33",
        "out-rasa alone: 2.5/3"
    );
    d.check();
}

/// Rejang Lebong 2024 as published: seven units 97.59, 95.94, 94.68, 93.26, 92.20,
/// 90.70, 87.12 -> 93.07, category A, zona hijau. The unit scores are entered as the
/// data of a unit-level dimension (so each unit scores exactly its published figure),
/// the categories and zones are those of 2022-2024: the agency's score, category and
/// zone are `score`'s.
#[test]
fn rejang_lebong_2024_gives_93_07_a_hijau() {
    let d = Db::new();
    let instrument = r#"{
      "format": "patuh-instrument", "format_version": 2,
      "id": "uji-rejang-lebong", "version": "1",
      "title": {"id": "Nilai unit terbit 2024"},
      "description": {"id": "Uji: nilai unit layanan sebagaimana diumumkan, sebagai data."},
      "aggregate": "units",
      "dimensions": [{"id": "unit", "label": {"id": "Nilai unit"}, "level": "unit"}],
      "indicators": [{"id": "nilai", "dimension": "unit", "label": {"id": "Nilai unit layanan"},
        "weight": 1, "source": "data", "data_source": {"id": "Ombudsman RI 2024"}, "scale": {"max": 100}}],
      "zones": [
        {"code": "merah", "label": {"id": "Zona Merah"}, "color": "red"},
        {"code": "kuning", "label": {"id": "Zona Kuning"}, "color": "yellow"},
        {"code": "hijau", "label": {"id": "Zona Hijau"}, "color": "green"}],
      "bands": [
        {"code": "E", "label": {"id": "Kualitas Terendah"}, "min": 0, "zone": "merah"},
        {"code": "D", "label": {"id": "Kualitas Rendah"}, "min": 32, "zone": "merah"},
        {"code": "C", "label": {"id": "Kualitas Sedang"}, "min": 54, "zone": "kuning"},
        {"code": "B", "label": {"id": "Kualitas Tinggi"}, "min": 78, "zone": "hijau"},
        {"code": "A", "label": {"id": "Kualitas Tertinggi"}, "min": 88, "zone": "hijau"}]
    }"#;
    let units = ["U1", "U2", "U3", "U4", "U5", "U6", "U7"];
    let published = [
        "97.59", "95.94", "94.68", "93.26", "92.20", "90.70", "87.12",
    ];
    let assignment = format!(
        r#"{{"format": "patuh-assignment", "format_version": 1,
            "instrument": {{"id": "uji-rejang-lebong", "version": "1"}}, "title": "Rejang Lebong 2024",
            "agencies": [{{"code": "1702", "name": "Pemerintah Kabupaten Rejang Lebong", "kind": "pemkab",
              "units": [{}]}}]}}"#,
        units
            .iter()
            .map(|u| format!(r#"{{"code": "{u}", "name": "Unit {u}", "products": []}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    d.import(instrument, &assignment);
    let mut csv = String::from("path,indicator,value,source\n");
    for (u, v) in units.iter().zip(published) {
        csv.push_str(&format!("1702/{u},nilai,{v},Ombudsman RI 2024\n"));
    }
    let file = d.file("rejang-lebong.csv", &csv);
    d.ok(&["data", "import", file.to_str().unwrap()]);
    let j = d.json(&["score", "--json"]);
    let a = &j["agencies"][0];
    let shown: Vec<String> = a["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["score"].to_string())
        .collect();
    assert_eq!(shown, published);
    assert_eq!(a["score"].to_string(), "93.07");
    assert_eq!(a["category"], "A");
    assert_eq!(a["zone"], "hijau");
    assert_eq!(a["opinion"], "Kualitas Tertinggi");
    d.check();
}

/// Tried as a new user would: a method nobody has seen ("Layanan Air Bersih", invented
/// for this test), written from docs/instrument-format.md alone: facilities observed per
/// unit (W 40), residents interviewed per agency (role `warga`, 3 each; W 35), a
/// coverage figure from BPS data per agency (W 25); three categories, no zones.
/// By hand: S_warga = 100 * 2.5/3 (answers 3, 2, N/A) = 83.33; S_kinerja = 71.5;
/// unit 1 (f-air 3, f-toilet 0): S_f = 100 * (2 * 3/3 + 0) / 3 = 66.67,
/// U1 = (40 * 200/3 + 35 * 250/3 + 25 * 71.5) / 100 = 44225/600 = 73.71 (cukup);
/// unit 2 (f-air 2, f-toilet 1): S_f = 100 * (2 * 2/3 + 1) / 3 = 77.78,
/// U2 = (40 * 700/9 + 35 * 250/3 + 25 * 71.5) / 100 = 140675/1800 = 78.15 (baik);
/// agency (73.7083 + 78.1528) / 2 = 75.93 (baik); progress 8/8.
#[test]
fn a_method_never_seen_written_from_the_docs_alone() {
    let d = Db::new();
    let instrument = r#"{
      "format": "patuh-instrument",
      "format_version": 2,
      "id": "air-bersih-2026",
      "version": "1",
      "year": 2026,
      "title": {"id": "Penilaian Layanan Air Bersih", "en": "Clean water service assessment"},
      "description": {"id": "Contoh untuk uji; bobot bukan bobot resmi.", "en": "Test sample; weights are not official."},
      "aggregate": "units",
      "roles": [
        {"id": "warga", "label": {"id": "Warga pelanggan", "en": "Resident customer"}, "level": "agency", "respondents": 3}
      ],
      "dimensions": [
        {"id": "fasilitas", "label": {"id": "Fasilitas", "en": "Facilities"}, "level": "unit", "weight": 40},
        {"id": "warga", "label": {"id": "Pendapat warga", "en": "Residents' view"}, "level": "agency", "weight": 35},
        {"id": "kinerja", "label": {"id": "Kinerja", "en": "Performance"}, "level": "agency", "weight": 25}
      ],
      "indicators": [
        {"id": "f-air", "dimension": "fasilitas", "weight": 2, "scale": {"max": 3},
         "label": {"id": "Air mengalir", "en": "Running water"},
         "guidance": {"id": "Periksa apakah air mengalir di loket pelayanan."}},
        {"id": "f-toilet", "dimension": "fasilitas", "weight": 1, "scale": {"max": 1},
         "label": {"id": "Toilet pengunjung", "en": "Visitors' toilet"}},
        {"id": "w-puas", "dimension": "warga", "source": "interview", "role": "warga",
         "weight": 1, "scale": {"max": 3}, "label": {"id": "Kepuasan warga", "en": "Residents' satisfaction"}},
        {"id": "k-cakupan", "dimension": "kinerja", "source": "data",
         "data_source": {"id": "BPS: cakupan air bersih", "en": "BPS: clean water coverage"},
         "weight": 1, "scale": {"max": 100}, "label": {"id": "Cakupan layanan", "en": "Service coverage"}}
      ],
      "bands": [
        {"code": "kurang", "label": {"id": "Kurang", "en": "Poor"}, "min": 0, "color": "red"},
        {"code": "cukup", "label": {"id": "Cukup", "en": "Fair"}, "min": 60, "color": "yellow"},
        {"code": "baik", "label": {"id": "Baik", "en": "Good"}, "min": 75, "color": "green"}
      ]
    }"#;
    let file = d.file("air-bersih.json", instrument);
    let out = d.ok(&["instrument", "validate", file.to_str().unwrap()]);
    assert!(out.contains("valid instrument air-bersih-2026"), "{out}");
    let assignment = r#"{"format": "patuh-assignment", "format_version": 1,
      "instrument": {"id": "air-bersih-2026", "version": "1"}, "title": "Air bersih 2026",
      "agencies": [{"code": "PDAM", "name": "Perumda Air Minum Uji", "kind": "lembaga", "units": [
        {"code": "PUSAT", "name": "Kantor Pusat", "products": []},
        {"code": "CABANG", "name": "Kantor Cabang", "products": []}]}]}"#;
    d.import(instrument, assignment);
    let shown = d.ok(&["instrument", "show", "air-bersih-2026"]);
    assert!(shown.contains("k-cakupan"), "{shown}");
    for v in ["3", "2", "na"] {
        let n = d.add("PDAM", "warga");
        let mut args = vec!["record", "PDAM", "w-puas", "--respondent", &n];
        if v == "na" {
            args.push("--na");
        } else {
            args.extend(["--value", v]);
        }
        d.ok(&args);
    }
    d.ok(&[
        "record",
        "PDAM",
        "k-cakupan",
        "--value",
        "71.5",
        "--source",
        "BPS 2026",
    ]);
    d.ok(&["record", "PDAM/PUSAT", "f-air", "--value", "3"]);
    d.ok(&["record", "PDAM/PUSAT", "f-toilet", "--value", "0"]);
    d.ok(&["record", "PDAM/CABANG", "f-air", "--value", "2"]);
    d.ok(&["record", "PDAM/CABANG", "f-toilet", "--value", "1"]);
    let j = d.json(&["score", "--json"]);
    let a = &j["agencies"][0];
    assert_eq!(
        (
            a["score"].to_string(),
            a["category"].clone(),
            a["answered"].clone(),
            a["total"].clone()
        ),
        (
            "75.93".to_string(),
            Value::from("baik"),
            Value::from(8),
            Value::from(8)
        )
    );
    assert_eq!(a["zone"], "baik", "no zones: the category");
    assert_eq!(a["qualifier"], Value::Null, "no qualifier in this method");
    let u: Vec<(String, String)> = a["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["score"].to_string(),
                u["category"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        u,
        [
            ("73.71".to_string(), "cukup".to_string()),
            ("78.15".to_string(), "baik".to_string())
        ]
    );
    assert_eq!(dims(a), ["fasilitas 72.22", "warga 83.33", "kinerja 71.50"]);
    d.check();
}

/// `patuh init --demo` holds both kinds: Maluku with the 2021 instrument and Bengkulu
/// with the 2024 one, whose units score from their own answers. Export format 2 (the
/// default) carries them all; format 1 carries products' answers only: an agency
/// holding a unit's answer is refused by name (the central office would refuse the
/// file), the others export and verify.
#[test]
fn the_demo_holds_both_methods() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["init", "--demo", "--assessor", "Siti"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "demo products added: 79 from maluku.json, 17 from bengkulu.json",
        ));
    let out = patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["score", "--json"])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: std::collections::BTreeSet<String> = j["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["instrument"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["kepatuhan-2021", "kepatuhan-2024"]
    );
    let rl = j["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "1702")
        .unwrap();
    assert_eq!(rl["units"].as_array().unwrap().len(), 7);
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args([
            "record",
            "1702/DUKCAPIL",
            "pengawasan-internal",
            "--value",
            "3",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("unit 1702/DUKCAPIL score"));
    patuh(dir.path())
        .args(["keys", "init", "--name", "Siti", "--id", "ASN-9"])
        .assert()
        .success();
    let file = dir.path().join("all.patuh");
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["export", "--out"])
        .arg(&file)
        .assert()
        .success();
    patuh(dir.path())
        .arg("verify")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("format patuh-export version 2"));
    std::fs::remove_file(&file).unwrap();
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["export", "--format", "1", "--out"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "agency 1702 (instrument kepatuhan-2024 v1) holds answers of units or of the agency",
        ))
        .stderr(predicate::str::contains("(1702/DUKCAPIL)"))
        .stderr(predicate::str::contains("--agency CODE"));
    assert!(!file.exists(), "no file written");
    patuh(dir.path())
        .arg("--db")
        .arg(&db)
        .args([
            "export", "--format", "1", "--agency", "81", "--agency", "17", "--out",
        ])
        .arg(&file)
        .assert()
        .success();
    patuh(dir.path())
        .arg("verify")
        .arg(&file)
        .assert()
        .success();
}

/// `check` replays every action of every level: what is changed with sqlite3 in a copy
/// of the worked example (a respondent's answer, a data value, a removal, a follow-up's
/// status, a role, a level where respondents answer, a data value off its scale, the
/// last audit row) is found and named.
#[test]
fn check_finds_changes_made_outside_patuh_at_every_level() {
    let d = worked_example();
    d.ok(&[
        "followup", "add", "A0", "--kind", "saran", "--ref", "S-1/2024",
    ]);
    d.check();
    let cases: [(&str, &str, &str); 8] = [
        (
            "an answer",
            "UPDATE answer SET value = 1 WHERE indicator = 'in-tahu' AND value = 3",
            "answered in-tahu \"1\" but its last logged answer is \"3\"",
        ),
        (
            "a data value",
            "UPDATE answer SET amount = '92.35' WHERE indicator = 'out-ikm'",
            "holds the data value \"92.35 (KemenPAN-RB, IKM 2024)\" but its last logged one is \"82.35 (KemenPAN-RB, IKM 2024)\"",
        ),
        (
            "a data value off its scale",
            "UPDATE answer SET amount = '182.35' WHERE indicator = 'out-ikm'",
            "A0: indicator out-ikm holds the data value \"182.35\", which is not a decimal from 0 to 100",
        ),
        (
            "a removal",
            "UPDATE respondent SET removed_at = 'x', removed_by = 'x', removed_reason = 'x'
             WHERE role = 'warga' AND number = 1",
            "removed (x)",
        ),
        (
            "a follow-up's status",
            "UPDATE followup SET status = 'completed'",
            "its follow-up register holds",
        ),
        (
            "a role",
            "UPDATE respondent SET role = 'kepala' WHERE role = 'staf' AND number = 1",
            "has role \"kepala\", which instrument uji-level does not have",
        ),
        (
            "a level of its own where respondents answer",
            "INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, updated_at, updated_by)
             SELECT cycle_id, level, node_id, 'in-tahu', 0, 3, 'x', 'x' FROM answer WHERE level = 2 LIMIT 1",
            "holds a level of its own, but it is answered by interview",
        ),
        (
            "the last audit row",
            "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
            "the audit log does not account for A0",
        ),
    ];
    for (what, sql, says) in cases {
        let copy = d.home().join("copy.db");
        std::fs::copy(&d.db, &copy).unwrap();
        rusqlite::Connection::open(&copy)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        let out = patuh(d.home())
            .arg("--db")
            .arg(&copy)
            .arg("check")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: {text}");
        assert!(text.contains(says), "{what}: {says}: {text}");
        std::fs::remove_file(&copy).unwrap();
    }
}
