//! Cycles on real files (issue 14): a mentoring cycle and an assessment cycle with
//! different instruments on one database, whose scores never mix; answers carried into
//! the assessment with `--carry`, not counted until confirmed or changed (and the
//! digest, `check` and the log's replay agree about them); `diff` tables worked out by
//! hand (fixed, still missing, worse, new, gone, an indicator in one instrument only,
//! score deltas); assignment format 2; refusals that change nothing; and the
//! walkthrough of docs/cycles.md run as written.

mod common;

use std::path::{Path, PathBuf};

use common::{dump, patuh};
use patuh::domain::Value;
use patuh::domain::model::{Carried, IndicatorIx, Ix, NodeRef, ScoreBook};
use patuh::store::{NewCycle, Store};
use serde_json::Value as Json;

/// A database in a folder of its own.
struct Db {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Db {
    fn new(init: &[&str]) -> Db {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("patuh.db");
        let d = Db { dir, db };
        let mut args = vec!["init", "--assessor", "Siti Aminah"];
        args.extend(init);
        d.ok(&args);
        d
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        patuh(self.dir.path())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects exit code 1 and nothing changed; the error text.
    fn refused(&self, args: &[&str]) -> String {
        let before = dump(&self.db);
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?} should be refused");
        assert_eq!(dump(&self.db), before, "{args:?} changed the database");
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Json {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{text}"))
    }

    fn check(&self) {
        let out = self.ok(&["check"]);
        assert!(
            out.contains("audit chain intact, every change accounted for"),
            "{out}"
        );
    }

    fn store(&self) -> Store {
        Store::open(&self.db).unwrap()
    }
}

/// A JSON number as patuh writes it (exact text: `60.00`).
fn n(text: &str) -> Json {
    serde_json::from_str(text).unwrap()
}

/// The indicator of a `show --json`.
fn indicator<'a>(show: &'a Json, id: &str) -> &'a Json {
    show["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no indicator {id}"))
}

/// An agency of the Maluku demo assessed in 2026 with the 2024 method (assignment format
/// 2: the cycle named, the instrument per agency), the others as they were.
const PENILAIAN_2026: &str = r#"{
  "format": "patuh-assignment", "format_version": 2,
  "cycle": {"id": "2026-penilaian", "kind": "assessment", "year": 2026, "follows": "2026-pendampingan"},
  "title": "Penilaian Kepatuhan 2026 - Perwakilan Bengkulu",
  "agencies": [
    {"code": "1702", "name": "Pemerintah Kabupaten Rejang Lebong", "kind": "pemkab",
     "instrument": {"id": "opini-2025", "version": "1"},
     "units": [{"code": "DUKCAPIL", "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Rejang Lebong",
                "products": [{"code": "KTP-EL", "name": "Kartu Tanda Penduduk Elektronik (KTP-el)"}]}]}
  ]
}"#;

/// A mentoring cycle with the 2024 method, then the assessment with the 2025 one: each
/// cycle scores with its own instrument, the carry keeps only what the new instrument
/// has (same indicator, level and kind), and neither cycle's scores move with the
/// other's answers.
#[test]
fn a_mentoring_and_an_assessment_with_different_instruments() {
    let d = Db::new(&["--demo"]);
    d.ok(&[
        "cycle",
        "start",
        "2026-pendampingan",
        "--kind",
        "mentoring",
        "--year",
        "2026",
    ]);
    d.ok(&[
        "respondent",
        "add",
        "1702/DUKCAPIL",
        "--role",
        "pelaksana",
        "--label",
        "Kepala Dinas",
    ]);
    d.ok(&[
        "record",
        "1702/DUKCAPIL",
        "pengetahuan-standar",
        "--respondent",
        "1",
        "--value",
        "2",
    ]);
    d.ok(&[
        "record",
        "1702/DUKCAPIL",
        "pengawasan-internal",
        "--value",
        "1",
    ]);
    d.ok(&[
        "record",
        "1702/DUKCAPIL/KTP-EL",
        "persyaratan",
        "--value",
        "3",
    ]);
    let mentoring = d.json(&["show", "1702/DUKCAPIL", "--json"]);
    assert_eq!(mentoring["instrument"]["id"], "kepatuhan-2024");
    assert_eq!(mentoring["cycle"], "2026-pendampingan");
    let mentoring_score = d.json(&["score", "--agency", "1702", "--json"]);

    // The assessment's assignment names its cycle and the 2025 instrument for 1702.
    let a = d.file("penilaian.json", PENILAIAN_2026);
    let out = d.ok(&["assignment", "import", a.to_str().unwrap()]);
    assert!(out.contains("2026-penilaian"), "{out}");
    let out = d.ok(&[
        "cycle",
        "start",
        "2026-penilaian",
        "--kind",
        "assessment",
        "--carry",
    ]);
    assert!(out.contains("made by its assignment"), "{out}");
    // pengetahuan-standar (a pelaksana's answer, per unit, in both) and
    // pengawasan-internal (observed per unit in both) are carried with the respondent;
    // persyaratan (per product in 2024) has no place in the 2025 instrument.
    assert!(
        out.contains("Carried 2 answers, 0 data values and 1 respondents"),
        "{out}"
    );
    assert!(out.contains("Not carried: 1 answers"), "{out}");
    let list = d.json(&["cycle", "list", "--json"]);
    assert_eq!(
        list,
        serde_json::json!([
            {"id": "default", "kind": "assessment", "year": null, "follows": null, "current": false},
            {"id": "2026-pendampingan", "kind": "mentoring", "year": 2026, "follows": "default", "current": false},
            {"id": "2026-penilaian", "kind": "assessment", "year": 2026, "follows": "2026-pendampingan", "current": true}
        ])
    );
    let now = d.json(&["show", "1702/DUKCAPIL", "--json"]);
    assert_eq!(now["instrument"]["id"], "opini-2025");
    assert_eq!(now["answered"], 0, "nothing carried counts: {now}");
    assert_eq!(now["carried"], 2);
    let ps = indicator(&now, "pengetahuan-standar");
    assert_eq!(ps["carried"], true);
    assert_eq!(ps["respondents"][0]["n"], 1);
    assert_eq!(ps["respondents"][0]["label"], "Kepala Dinas");
    assert_eq!(ps["respondents"][0]["value"], Json::Null);
    assert_eq!(ps["respondents"][0]["carried_value"], 2);
    assert_eq!(indicator(&now, "pengawasan-internal")["carried_value"], 1);
    assert_eq!(indicator(&now, "jaminan-pelayanan")["carried"], false);

    // Work in the assessment moves only the assessment's scores.
    d.ok(&["confirm", "1702/DUKCAPIL", "pengawasan-internal"]);
    d.ok(&[
        "record",
        "1702/DUKCAPIL",
        "jaminan-pelayanan",
        "--value",
        "1",
    ]);
    let now = d.json(&["show", "1702/DUKCAPIL", "--json"]);
    assert_eq!(now["answered"], 2);
    assert_eq!(
        d.json(&[
            "--cycle",
            "2026-pendampingan",
            "score",
            "--agency",
            "1702",
            "--json"
        ]),
        mentoring_score,
        "the mentoring's scores never move with the assessment's answers"
    );
    let back = d.json(&[
        "--cycle",
        "2026-pendampingan",
        "show",
        "1702/DUKCAPIL",
        "--json",
    ]);
    assert_eq!(back["instrument"]["id"], "kepatuhan-2024");
    assert_eq!(back["answered"], mentoring["answered"]);
    // The default cycle (the demo as it was) holds nothing of either.
    let default = d.json(&["--cycle", "default", "show", "1702/DUKCAPIL", "--json"]);
    assert_eq!(default["answered"], 0);
    // The 2024 instrument is not the 2025 one's: the agency's own 2025 score is of its
    // own dimensions (five, with kepercayaan).
    let dims: Vec<&str> = now["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(dims.contains(&"kepercayaan"), "{dims:?}");
    d.check();

    // The diff across the two instruments: per unit, an indicator of one instrument only
    // is new or gone.
    let diff = d.json(&["diff", "--agency", "1702", "--json"]);
    assert_eq!(diff["cycles"]["from"]["id"], "2026-pendampingan");
    assert_eq!(diff["cycles"]["to"]["id"], "2026-penilaian");
    let unit = diff["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap();
    let mark = |id: &str| {
        unit["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["mark"].as_str().unwrap().to_string())
    };
    // pengawasan-internal: 1/3 then, confirmed 1/3 now: still missing.
    assert_eq!(mark("pengawasan-internal").as_deref(), Some("missing"));
    // Not confirmed yet: counts 0 now (2/3 then): worse.
    assert_eq!(mark("pengetahuan-standar").as_deref(), Some("worse"));
    // jaminan-pelayanan is 2025's only: new; jumlah-pelaksana 2024's only: gone.
    assert_eq!(mark("jaminan-pelayanan").as_deref(), Some("new"));
    assert_eq!(mark("jumlah-pelaksana").as_deref(), Some("gone"));
}

/// Carried answers count as unanswered until confirmed as they are or changed, at every
/// level and for respondents and data values; the store, the score book, the digest,
/// the log's replay and `check` agree.
#[test]
fn carried_answers_count_only_once_confirmed_or_changed() {
    let d = Db::new(&["--demo"]);
    let a2025 = d.file(
        "a2025.json",
        r#"{"format":"patuh-assignment","format_version":1,
            "instrument":{"id":"opini-2025","version":"1"},"title":"Uji 2025",
            "agencies":[{"code":"8201","name":"Pemerintah Kabupaten Halmahera Barat","kind":"pemkab",
              "units":[{"code":"DPMPTSP","name":"DPMPTSP Halmahera Barat","products":[{"code":"NIB","name":"NIB"}]}]}]}"#,
    );
    d.ok(&["assignment", "import", a2025.to_str().unwrap()]);
    let ktp = "8171/DUKCAPIL/KTP-EL";
    for (ind, v) in [
        ("persyaratan", "1"),
        ("prosedur", "0"),
        ("waktu", "1"),
        ("biaya", "1"),
    ] {
        d.ok(&["record", ktp, ind, "--value", v]);
    }
    d.ok(&["record", ktp, "ramp", "--na", "--note", "Tidak ada tangga"]);
    d.ok(&[
        "record",
        "8201",
        "ikm",
        "--value",
        "82.35",
        "--source",
        "KemenPAN-RB, IKM 2024",
    ]);
    d.ok(&["record", "8201", "capaian-spm", "--na"]);
    let before = d.json(&["show", ktp, "--json"]);
    assert_eq!(before["answered"], 5);

    let out = d.ok(&[
        "cycle",
        "start",
        "2027",
        "--kind",
        "assessment",
        "--year",
        "2027",
        "--carry",
    ]);
    assert!(out.contains("Carried 6 answers, 1 data values"), "{out}");
    let now = d.json(&["show", ktp, "--json"]);
    assert_eq!(
        (now["answered"].as_u64(), now["carried"].as_u64()),
        (Some(0), Some(5))
    );
    assert_eq!(now["progress"], "not_assessed");
    assert_eq!(indicator(&now, "ramp")["carried_value"], "N/A");
    assert_eq!(indicator(&now, "ramp")["note"], "", "notes are not carried");
    let agency = d.json(&["show", "8201", "--json"]);
    assert_eq!(indicator(&agency, "ikm")["carried_value"], n("82.35"));
    assert_eq!(indicator(&agency, "ikm")["value"], Json::Null);
    assert_eq!(
        indicator(&agency, "ikm")["carried_source"],
        "KemenPAN-RB, IKM 2024"
    );
    let text = d.ok(&["show", ktp]);
    assert!(
        text.contains("5 answer(s) carried from the previous cycle, to be re-checked"),
        "{text}"
    );
    assert!(
        text.contains("persyaratan") && text.contains("carried, to re-check: [✓]"),
        "{text}"
    );

    // The store's dataset: nothing carried is a value; the score book counts none.
    {
        let store = d.store();
        let ds = store.load().unwrap();
        let p = ds.find_product(ktp).unwrap();
        let book = ScoreBook::compute(&ds);
        assert_eq!(book.product(p).answered, 0);
        let inst = ds.instrument_of_product(p);
        let i = IndicatorIx::new(inst.indicator_index("persyaratan").unwrap());
        assert_eq!(ds.products[p].values[i.index()], Value::Unanswered);
        assert_eq!(
            ds.carried(NodeRef::Product(p), i),
            Some(&Carried::Value(Value::Level(1)))
        );
        // The same from the digest and from the answers alone.
        let plain = store.load_from_observations().unwrap();
        assert_eq!(
            format!("{:?}", plain.carried_cells(NodeRef::Product(p))),
            format!("{:?}", ds.carried_cells(NodeRef::Product(p)))
        );
    }

    // Confirmed as it is: counts; recorded the same: confirmed; another value: replaces.
    let out = d.ok(&["confirm", ktp, "persyaratan"]);
    assert!(
        out.contains("Confirmed 8171/DUKCAPIL/KTP-EL persyaratan = 1"),
        "{out}"
    );
    d.ok(&["record", ktp, "waktu", "--value", "1"]);
    d.ok(&["record", ktp, "prosedur", "--value", "1"]);
    let now = d.json(&["show", ktp, "--json"]);
    assert_eq!(
        (now["answered"].as_u64(), now["carried"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(indicator(&now, "prosedur")["value"], 1);
    // A note alone leaves an answer carried.
    d.ok(&["record", ktp, "biaya", "--note", "Papan biaya di loket 1"]);
    assert_eq!(
        indicator(&d.json(&["show", ktp, "--json"]), "biaya")["carried"],
        true
    );
    // The rest of the node at once; the data value re-imported the same: confirmed.
    let out = d.ok(&["confirm", ktp]);
    assert!(
        out.contains("biaya = 1") && out.contains("ramp = N/A"),
        "{out}"
    );
    let now = d.json(&["show", ktp, "--json"]);
    assert_eq!(
        (now["answered"].as_u64(), now["carried"].as_u64()),
        (Some(5), Some(0))
    );
    // persyaratan, waktu, biaya and (now) prosedur of the 94 - 2 (ramp N/A) points:
    // 100 · 20 / 92 = 21.74, where the cycle before had 15 / 92 = 16.30.
    assert_eq!(before["score"], n("16.30"));
    assert_eq!(now["score"], n("21.74"));
    let csv = d.file(
        "nilai.csv",
        "path,indicator,value,source\n8201,ikm,82.35,\"KemenPAN-RB, IKM 2024\"\n",
    );
    d.ok(&["data", "import", csv.to_str().unwrap()]);
    let agency = d.json(&["show", "8201", "--json"]);
    assert_eq!(indicator(&agency, "ikm")["value"], n("82.35"));
    assert_eq!(indicator(&agency, "ikm")["carried"], false);
    assert_eq!(indicator(&agency, "capaian-spm")["carried"], true);
    // Nothing carried left there to confirm: refused, nothing changed.
    let err = d.refused(&["confirm", ktp, "persyaratan"]);
    assert!(
        err.contains("nothing carried to confirm at 8171/DUKCAPIL/KTP-EL persyaratan"),
        "{err}"
    );

    // The log says what happened, and the replay accounts for it.
    let log = d.ok(&["log", ktp, "prosedur"]);
    assert!(log.contains("cycle 2027"), "{log}");
    assert!(
        log.contains("carried from the previous cycle, to be re-checked: 0"),
        "{log}"
    );
    assert!(log.contains("value: 0 -> 1"), "{log}");
    let log = d.ok(&["log", ktp, "waktu"]);
    assert!(log.contains("confirmed as it is: 1"), "{log}");
    d.check();
    // The previous cycle is as it was.
    let old = d.json(&["--cycle", "default", "show", ktp, "--json"]);
    assert_eq!(old, {
        let mut b = before.clone();
        b["review"] = old["review"].clone();
        b
    });

    // A carried mark changed with sqlite3 is found.
    let conn = rusqlite::Connection::open(&d.db).unwrap();
    conn.execute(
        "UPDATE answer SET carried = 0 WHERE indicator = 'capaian-spm' AND cycle_id = (SELECT id FROM cycle WHERE code = '2027')",
        [],
    )
    .unwrap();
    drop(conn);
    let out = d.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the audit log does not account for 8201 (cycle 2027): its answers carried from the previous cycle")
            && text.contains("carried in the log only: [capaian-spm]"),
        "{text}"
    );
}

/// The product digest holds carried values apart; a load through it equals a load
/// from the answers alone, and a confirmation (a change of `carried` only) leaves it
/// stale, never wrong.
#[test]
fn the_digest_keeps_carried_values_apart_and_exact() {
    let d = Db::new(&["--demo"]);
    let ktp = "8171/DUKCAPIL/KTP-EL";
    d.ok(&["record", ktp, "persyaratan", "--value", "1"]);
    d.ok(&["record", ktp, "ramp", "--na"]);
    d.ok(&[
        "record",
        "8171/DUKCAPIL/AKTA-LAHIR",
        "biaya",
        "--value",
        "0",
    ]);
    d.ok(&["cycle", "start", "2027", "--kind", "assessment", "--carry"]);
    let digest = |path: &Path| -> Vec<u8> {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT s.digest FROM node_state s JOIN product p ON p.id = s.node_id
                 JOIN cycle c ON c.id = s.cycle_id
                 WHERE c.code = '2027' AND s.level = 3 AND p.code = 'KTP-EL'
                   AND p.unit_id = (SELECT u.id FROM unit u JOIN agency a ON a.id = u.agency_id
                                    WHERE a.code = '8171' AND u.code = 'DUKCAPIL')",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let bytes = digest(&d.db);
    assert_eq!(bytes.len(), 2 * 36, "a second run for the carried values");
    assert!(bytes[..36].iter().all(|b| *b == 0), "nothing counts yet");
    assert_eq!(bytes[36 + 2], 3, "persyaratan carried as 1 (2 + 1)");
    assert_eq!(bytes[36 + 20], 1, "ramp carried as N/A");
    let same = |store: &Store| {
        let (a, b) = (
            store.load().unwrap(),
            store.load_from_observations().unwrap(),
        );
        for p in a.products.ids() {
            let n = NodeRef::Product(p);
            assert_eq!(a.products[p].values, b.products[p].values);
            assert_eq!(
                a.carried_cells(n),
                b.carried_cells(n),
                "{}",
                a.product_path(p)
            );
        }
    };
    let mut store = d.store();
    same(&store);
    // Confirming through the store: the digest goes stale, the next change of another
    // product writes it again; the same either way.
    let node = store.node(ktp).unwrap();
    store.confirm_carried(&node, Some("ramp"), None).unwrap();
    same(&store);
    let other = store.product_ref("8171/DUKCAPIL/AKTA-LAHIR").unwrap();
    let inst = store.product_instrument(&other).unwrap();
    let i = inst.indicator_index("biaya").unwrap();
    store
        .record(&other, &inst.indicators[i], Some(Value::Level(1)), None)
        .unwrap();
    drop(store);
    let bytes = digest(&d.db);
    assert_eq!(bytes[20], 1, "ramp counts now: N/A");
    assert_eq!(bytes[36 + 20], 0, "and is carried no more");
    same(&d.store());
    d.check();
}

/// Two small instruments whose indicators are worked out by hand: a, b ticks (weight 1),
/// c on 0-3 (weight 2), and d (a tick) before, e (a tick) now.
fn instrument(id: &str, last: &str) -> String {
    let tick = |i: &str| {
        format!(
            r#"{{"id": "{i}", "dimension": "d", "label": {{"id": "{i}", "en": "{i}"}}, "weight": 1,
                "scale": {{"max": 1, "levels": [{{"value": 0, "label": {{"id": "Tidak", "en": "No"}}}},
                                                  {{"value": 1, "label": {{"id": "Ada", "en": "Yes"}}}}]}}}}"#
        )
    };
    format!(
        r#"{{"format": "patuh-instrument", "format_version": 1, "id": "{id}", "version": "1", "year": 2026,
            "title": {{"id": "Uji {id}", "en": "Test {id}"}},
            "description": {{"id": "contoh", "en": "sample"}},
            "dimensions": [{{"id": "d", "label": {{"id": "Dimensi", "en": "Dimension"}}}}],
            "indicators": [{}, {}, {{"id": "c", "dimension": "d", "label": {{"id": "c", "en": "c"}}, "weight": 2,
                "scale": {{"max": 3, "levels": [{{"value": 0, "label": {{"id": "0", "en": "0"}}}},
                  {{"value": 1, "label": {{"id": "1", "en": "1"}}}}, {{"value": 2, "label": {{"id": "2", "en": "2"}}}},
                  {{"value": 3, "label": {{"id": "3", "en": "3"}}}}]}}}}, {}],
            "bands": [
              {{"code": "merah", "label": {{"id": "Rendah", "en": "Low"}}, "min": 0}},
              {{"code": "kuning", "label": {{"id": "Sedang", "en": "Medium"}}, "min": 51}},
              {{"code": "hijau", "label": {{"id": "Tinggi", "en": "High"}}, "min": 81}}]}}"#,
        tick("a"),
        tick("b"),
        tick(last)
    )
}

const ASSIGNMENT_A: &str = r#"{"format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "uji-a", "version": "1"}, "title": "Uji 2026",
  "agencies": [{"code": "A1", "name": "Kabupaten Uji", "kind": "pemkab", "units": [
    {"code": "U", "name": "Unit Uji", "products": [{"code": "P1", "name": "Produk Satu"}, {"code": "P2", "name": "Produk Dua"}]}]}]}"#;

const ASSIGNMENT_B: &str = r#"{"format": "patuh-assignment", "format_version": 2,
  "cycle": {"id": "2027", "kind": "assessment", "year": 2027, "follows": "default"},
  "instrument": {"id": "uji-b", "version": "1"}, "title": "Uji 2027",
  "agencies": [{"code": "A1", "name": "Kabupaten Uji", "kind": "pemkab", "units": [
    {"code": "U", "name": "Unit Uji", "products": [{"code": "P1", "name": "Produk Satu"}, {"code": "P2", "name": "Produk Dua"}]}]}]}"#;

/// `diff` worked out by hand: before (uji-a) P1 = 100 (1 + 0 + 2/3·2 + 1) / 5... see
/// each number below.
#[test]
fn diff_tables_worked_out_by_hand() {
    let d = Db::new(&[]);
    let (ia, ib) = (
        d.file("a.json", &instrument("uji-a", "d")),
        d.file("b.json", &instrument("uji-b", "e")),
    );
    d.ok(&["instrument", "import", ia.to_str().unwrap()]);
    d.ok(&["instrument", "import", ib.to_str().unwrap()]);
    let a = d.file("assign-a.json", ASSIGNMENT_A);
    d.ok(&["assignment", "import", a.to_str().unwrap()]);
    for (p, ind, v) in [
        ("P1", "a", "1"),
        ("P1", "b", "0"),
        ("P1", "c", "1"),
        ("P1", "d", "1"),
        ("P2", "a", "1"),
        ("P2", "b", "1"),
        ("P2", "c", "2"),
    ] {
        d.ok(&["record", &format!("A1/U/{p}"), ind, "--value", v]);
    }
    d.ok(&["record", "A1/U/P2", "d", "--na"]);
    let b = d.file("assign-b.json", ASSIGNMENT_B);
    let out = d.ok(&["assignment", "import", b.to_str().unwrap()]);
    assert!(out.contains("2027"), "{out}");
    let out = d.ok(&["cycle", "start", "2027", "--kind", "assessment", "--carry"]);
    // a, b, c of each product; d is not in uji-b (P1's 1, P2's N/A).
    assert!(out.contains("Carried 6 answers"), "{out}");
    assert!(out.contains("Not carried: 2 answers"), "{out}");
    let score = d.json(&["score", "--json"]);
    assert_eq!(score["agencies"][0]["instrument"]["id"], "uji-b");
    assert_eq!(
        score["agencies"][0]["answered"], 0,
        "nothing carried counts yet"
    );
    // P1: a and b as they were, c fixed (3), e left unanswered.
    d.ok(&["confirm", "A1/U/P1", "a"]);
    d.ok(&["confirm", "A1/U/P1", "b"]);
    d.ok(&["record", "A1/U/P1", "c", "--value", "3"]);
    // P2: a worse (0), b and c as they were, e not applicable.
    d.ok(&["record", "A1/U/P2", "a", "--value", "0"]);
    d.ok(&["confirm", "A1/U/P2"]);
    d.ok(&["record", "A1/U/P2", "e", "--na"]);
    d.check();

    let diff = d.json(&["diff", "--json"]);
    assert_eq!(diff["cycles"]["from"]["id"], "default");
    assert_eq!(
        diff["cycles"]["to"],
        serde_json::json!({"id": "2027", "kind": "assessment", "year": 2027})
    );
    let agency = &diff["agencies"][0];
    let unit = &agency["units"][0];
    let (p1, p2) = (&unit["products"][0], &unit["products"][1]);
    // P1 before: 100 (1·1 + 0·1 + 2·1/3 + 1·1) / 5 = 53.33 kuning;
    //    now:    100 (1·1 + 0·1 + 2·3/3 + 0·1) / 5 = 60.00 kuning; +6.67.
    assert_eq!(
        p1["from"],
        serde_json::json!({"score": n("53.33"), "category": "kuning"})
    );
    assert_eq!(
        p1["to"],
        serde_json::json!({"score": n("60.00"), "category": "kuning"})
    );
    assert_eq!(p1["delta"], n("6.67"));
    assert_eq!(
        p1["indicators"],
        serde_json::json!([
            {"id": "a", "from": 1, "to": 1, "mark": "same"},
            {"id": "b", "from": 0, "to": 0, "mark": "missing"},
            {"id": "c", "from": 1, "to": 3, "mark": "fixed"},
            {"id": "e", "from": null, "to": 0, "mark": "new"},
            {"id": "d", "from": 1, "to": null, "mark": "gone"}
        ])
    );
    // P2 before: d N/A, 100 (1 + 1 + 2·2/3) / 4 = 83.33 hijau;
    //    now:    e N/A, 100 (0 + 1 + 2·2/3) / 4 = 58.33 kuning; -25.00.
    assert_eq!(
        p2["from"],
        serde_json::json!({"score": n("83.33"), "category": "hijau"})
    );
    assert_eq!(
        p2["to"],
        serde_json::json!({"score": n("58.33"), "category": "kuning"})
    );
    assert_eq!(p2["delta"], n("-25.00"));
    assert_eq!(
        p2["indicators"],
        serde_json::json!([
            {"id": "a", "from": 1, "to": 0, "mark": "worse"},
            {"id": "b", "from": 1, "to": 1, "mark": "same"},
            {"id": "c", "from": 2, "to": 2, "mark": "missing"},
            {"id": "e", "from": null, "to": "N/A", "mark": "new"},
            {"id": "d", "from": "N/A", "to": null, "mark": "gone"}
        ])
    );
    // The unit and the agency, the mean of the products' unrounded scores:
    // before (160/3 + 250/3) / 2 = 68.33 kuning; now (60 + 175/3) / 2 = 59.17 kuning.
    for node in [unit, agency] {
        assert_eq!(
            node["from"],
            serde_json::json!({"score": n("68.33"), "category": "kuning"})
        );
        assert_eq!(
            node["to"],
            serde_json::json!({"score": n("59.17"), "category": "kuning"})
        );
        assert_eq!(node["delta"], n("-9.16"));
        assert_eq!(node["indicators"], serde_json::json!([]));
    }

    // For a person, at 80 columns.
    let text = d.ok(&["diff", "--from", "default", "--to", "2027"]);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
    assert!(
        text.contains("What changed from default (assessment) to 2027 (assessment)"),
        "{text}"
    );
    let p1_line = text.lines().find(|l| l.contains("P1 Produk Satu")).unwrap();
    assert!(
        p1_line.contains("53.33 kuning")
            && p1_line.contains("60.00 kuning")
            && p1_line.ends_with("+6.67"),
        "{p1_line}"
    );
    assert!(text.contains("fixed         c"), "{text}");
    assert!(text.contains("worse         a"), "{text}");
    assert!(text.contains("new           e"), "{text}");
    assert!(text.contains("gone          d"), "{text}");
    assert!(text.contains("still missing (1): b"), "{text}");
    assert!(
        text.contains("Indicators: fixed 1, still missing 2, worse 1, same 2, new 2, gone 2"),
        "{text}"
    );
    // The other way round, and in Indonesian.
    let back = d.json(&["diff", "--from", "2027", "--to", "default", "--json"]);
    assert_eq!(back["agencies"][0]["delta"], n("9.16"));
    let id = patuh(d.dir.path())
        .env("LANG", "id_ID.UTF-8")
        .arg("--db")
        .arg(&d.db)
        .arg("diff")
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&id.stdout);
    assert!(
        id.contains("diperbaiki") && id.contains("masih kurang (1): b"),
        "{id}"
    );
    // Refused: an unknown cycle, an unknown agency; a cycle that follows none.
    assert!(
        d.refused(&["diff", "--from", "2099"])
            .contains("no cycle \"2099\"")
    );
    assert!(
        d.refused(&["diff", "--agency", "X9"])
            .contains("no agency X9")
    );
    assert!(
        d.refused(&["--cycle", "default", "diff"])
            .contains("cycle default follows no cycle")
    );
}

/// Assignment format 2 and the cycle commands refuse what they cannot do, naming the
/// fix and changing nothing.
#[test]
fn refusals_name_the_fix_and_change_nothing() {
    let d = Db::new(&["--demo"]);
    d.ok(&[
        "record",
        "8171/DUKCAPIL/KTP-EL",
        "persyaratan",
        "--value",
        "1",
    ]);
    // A version-1 file naming a cycle.
    let bad = d.file(
        "bad.json",
        r#"{"format":"patuh-assignment","format_version":1,"cycle":{"id":"x","kind":"assessment"},
            "instrument":{"id":"kepatuhan-2021","version":"1"},"title":"t",
            "agencies":[{"code":"81","name":"A","kind":"pemprov","units":[]}]}"#,
    );
    let err = d.refused(&["assignment", "import", bad.to_str().unwrap()]);
    assert!(
        err.contains("$.cycle: a version-1 assignment names no cycle"),
        "{err}"
    );
    // A version-2 file without a cycle, with an agency without instrument.
    let bad = d.file(
        "bad2.json",
        r#"{"format":"patuh-assignment","format_version":2,"title":"t",
            "agencies":[{"code":"81","name":"A","kind":"pemprov","units":[]}]}"#,
    );
    let err = d.refused(&["assignment", "import", bad.to_str().unwrap()]);
    assert!(err.contains("$.cycle: is missing"), "{err}");
    assert!(
        err.contains("$.agencies[0].instrument: is missing"),
        "{err}"
    );
    // Another instrument for an agency in the default cycle: one agency, one instrument.
    let other = d.file(
        "other.json",
        r#"{"format":"patuh-assignment","format_version":1,
            "instrument":{"id":"kepatuhan-2024","version":"1"},"title":"t",
            "agencies":[{"code":"8171","name":"Pemerintah Kota Ambon","kind":"pemkot","units":[]}]}"#,
    );
    let err = d.refused(&["assignment", "import", other.to_str().unwrap()]);
    assert!(
        err.contains("already assessed with another instrument"),
        "{err}"
    );
    assert!(
        err.contains("name a new cycle (assignment format 2)"),
        "{err}"
    );
    // Bad cycle codes, years, kinds; unknown cycles.
    assert!(
        d.refused(&["cycle", "start", "dua puluh", "--kind", "assessment"])
            .contains("cannot name a cycle")
    );
    assert!(
        d.refused(&[
            "cycle",
            "start",
            "2027",
            "--kind",
            "assessment",
            "--year",
            "27"
        ])
        .contains("is not a cycle's year")
    );
    assert!(
        d.refused(&["cycle", "start", "default", "--kind", "assessment"])
            .contains("\"default\" is the cycle")
    );
    assert!(
        d.refused(&[
            "cycle",
            "start",
            "2027",
            "--kind",
            "assessment",
            "--follows",
            "2026"
        ])
        .contains("follows 2026, which is not in")
    );
    assert!(
        d.refused(&["cycle", "open", "2099"])
            .contains("no cycle \"2099\"")
    );
    assert!(
        d.refused(&["--cycle", "2099", "score"])
            .contains("no cycle \"2099\" in")
    );
    assert!(
        d.refused(&["--cycle", "2099"])
            .contains("the workstation works on the current cycle")
    );
    // A cycle that holds work is not started again; one started is opened.
    d.ok(&["cycle", "start", "2027", "--kind", "assessment", "--carry"]);
    let err = d.refused(&["cycle", "start", "2027", "--kind", "assessment"]);
    assert!(err.contains("holds work: `patuh cycle open 2027`"), "{err}");
    let out = d.ok(&["cycle", "open", "default"]);
    assert!(out.contains("default: is the current cycle now"), "{out}");
    let out = d.ok(&["cycle", "open", "default"]);
    assert!(out.contains("already"), "{out}");
    // A format-2 assignment for the started cycle with another instrument for an agency
    // that holds (carried) answers there.
    let again = d.file(
        "again.json",
        r#"{"format":"patuh-assignment","format_version":2,"cycle":{"id":"2027","kind":"assessment"},
            "instrument":{"id":"kepatuhan-2024","version":"1"},"title":"t",
            "agencies":[{"code":"8171","name":"Pemerintah Kota Ambon","kind":"pemkot","units":[]}]}"#,
    );
    let err = d.refused(&["assignment", "import", again.to_str().unwrap()]);
    assert!(
        err.contains("(cycle 2027, where it holds answers already)"),
        "{err}"
    );
    // ... of another kind than the cycle's.
    let kind = d.file(
        "kind.json",
        r#"{"format":"patuh-assignment","format_version":2,"cycle":{"id":"2027","kind":"mentoring"},
            "instrument":{"id":"kepatuhan-2021","version":"1"},"title":"t",
            "agencies":[{"code":"8171","name":"Pemerintah Kota Ambon","kind":"pemkot","units":[]}]}"#,
    );
    let err = d.refused(&["assignment", "import", kind.to_str().unwrap()]);
    assert!(
        err.contains("$.cycle: cycle 2027 is in")
            && err.contains("as a assessment cycle, not a mentoring one"),
        "{err}"
    );
    d.check();
    // The current cycle changed with sqlite3 is found.
    rusqlite::Connection::open(&d.db)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '2027' WHERE key = 'cycle.current'",
            [],
        )
        .unwrap();
    let out = d.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "the audit log does not account for the current cycle: meta cycle.current is \"2027\" but the log opens \"default\" last"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The store API the workstation uses: a cycle started through it is current for the
/// store at once; `use_cycle` changes only this store's.
#[test]
fn the_store_starts_opens_and_uses_cycles() {
    let d = Db::new(&["--demo"]);
    let mut store = d.store();
    assert_eq!(store.cycle().code, "default");
    let started = store
        .start_cycle(
            &NewCycle {
                code: "2026-pendampingan",
                kind: patuh::domain::cycle::CycleKind::Mentoring,
                year: Some(2026),
                follows: None,
            },
            false,
        )
        .unwrap();
    assert!(started.created && started.carried.is_none());
    assert_eq!(started.cycle.follows.as_deref(), Some("default"));
    assert_eq!(store.cycle().code, "2026-pendampingan");
    store.use_cycle("default").unwrap();
    assert_eq!(store.cycle().code, "default");
    drop(store);
    assert_eq!(
        d.store().cycle().code,
        "2026-pendampingan",
        "use_cycle is this store's only"
    );
    d.check();
}

/// docs/cycles.md is enough to run a mentoring pass, the assessment with carry, two
/// fixes and the diff: its shell block, run as written by `sh -e` in an empty folder
/// with the patuh just built first on PATH, succeeds, and says what a person must see.
#[test]
fn the_walkthrough_of_docs_cycles_md_runs_as_written() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cycles.md")).unwrap();
    let script = doc
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block in docs/cycles.md");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("walk.sh"), script).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("patuh");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let home = dir.path().join("home");
    let out = std::process::Command::new("sh")
        .args(["-e", "walk.sh"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("LANG", "C")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the walkthrough of docs/cycles.md stopped:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The mentoring pass: 10 of the 94 points of the 2021 checklist.
    assert!(stdout.contains("Product score 10.64 merah"), "{stdout}");
    assert!(stdout.contains("Carried 5 answers"), "{stdout}");
    assert!(
        stdout.contains("5 answer(s) carried from the previous cycle"),
        "{stdout}"
    );
    // Two fixed, the rest confirmed: 20 of 94 points.
    let line = stdout
        .lines()
        .find(|l| l.contains("KTP-EL Kartu Tanda Penduduk"))
        .expect("the product's line in the diff");
    assert!(
        line.contains("10.64 merah") && line.contains("21.28 merah") && line.ends_with("+10.64"),
        "{line}"
    );
    assert!(stdout.contains("fixed         persyaratan"), "{stdout}");
    assert!(stdout.contains("fixed         maklumat"), "{stdout}");
    assert!(
        stdout.contains("still missing (32): sk-standar, dasar-hukum, waktu,"),
        "{stdout}"
    );
    assert!(stdout.contains("ok (integrity check passed"), "{stdout}");
    // The mentoring report of the mentoring cycle names what the product must fix.
    let report = std::fs::read_to_string(dir.path().join("pendampingan-8171.md")).unwrap();
    assert!(
        report.contains("KTP-EL") && report.contains("persyaratan"),
        "{report}"
    );
    let json: Json =
        serde_json::from_slice(&std::fs::read(dir.path().join("perubahan.json")).unwrap()).unwrap();
    let ktp = &json["agencies"][0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "KTP-EL")
        .unwrap()
        .clone();
    assert_eq!(ktp["delta"], n("10.64"));
    let marks: Vec<(String, String)> = ktp["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["mark"] != "missing")
        .map(|i| {
            (
                i["id"].as_str().unwrap().into(),
                i["mark"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(marks, expected_marks());
}

/// The marks of KTP-EL in the walkthrough other than "missing", in instrument order.
fn expected_marks() -> Vec<(String, String)> {
    [
        ("persyaratan", "fixed"),
        ("prosedur", "same"),
        ("biaya", "same"),
        ("maklumat", "fixed"),
    ]
    .iter()
    .map(|(i, m)| (i.to_string(), m.to_string()))
    .collect()
}

/// The version-2 example of docs/assignment-format.md imports into the demo as it says:
/// the cycle made (not current), Rejang Lebong with the 2025 instrument there, the
/// province with the file's; version-1 files go on into the current cycle.
#[test]
fn the_version_2_example_of_the_docs_imports() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/assignment-format.md"
    ))
    .unwrap();
    let example = doc
        .split("## Version 2")
        .nth(1)
        .and_then(|rest| rest.split("```json\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("a json block in the Version 2 section");
    let d = Db::new(&["--demo"]);
    d.ok(&[
        "cycle",
        "start",
        "2026-pendampingan",
        "--kind",
        "mentoring",
        "--year",
        "2026",
    ]);
    let file = d.file("v2.json", example);
    let out = d.ok(&["assignment", "import", file.to_str().unwrap()]);
    assert!(out.contains("for cycle 2026-penilaian"), "{out}");
    assert!(out.contains("cycle 2026-penilaian made; start it"), "{out}");
    let again = d.ok(&["assignment", "import", file.to_str().unwrap()]);
    assert!(
        again.contains("is already imported; nothing changed"),
        "{again}"
    );
    assert_eq!(
        d.json(&["cycle", "list", "--json"])[2],
        serde_json::json!({"id": "2026-penilaian", "kind": "assessment", "year": 2026,
                           "follows": "2026-pendampingan", "current": false})
    );
    let score = d.json(&["--cycle", "2026-penilaian", "score", "--json"]);
    let instrument = |code: &str| {
        score["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap()["instrument"]["id"]
            .clone()
    };
    assert_eq!(instrument("1702"), "opini-2025");
    assert_eq!(instrument("17"), "kepatuhan-2024");
    assert_eq!(
        instrument("8171"),
        "kepatuhan-2021",
        "not named: as in the cycle before"
    );
    // In the current cycle (the mentoring) nothing changed.
    let current = d.json(&["score", "--agency", "1702", "--json"]);
    assert_eq!(current["agencies"][0]["instrument"]["id"], "kepatuhan-2024");
    d.check();
}

/// The trend of the mentoring report (and of the report's `trend` table) has one point
/// per cycle of this database, each scored in its own cycle, after the published ones.
#[test]
fn the_trend_has_a_point_per_cycle_each_scored_in_its_own() {
    let d = Db::new(&["--demo"]);
    let nib = "81/DPMPTSP/NIB";
    for ind in ["waktu", "prosedur", "biaya"] {
        d.ok(&["record", nib, ind, "--value", "1"]);
    }
    d.ok(&[
        "cycle",
        "start",
        "2027-penilaian",
        "--kind",
        "assessment",
        "--year",
        "2027",
    ]);
    d.ok(&["record", nib, "waktu", "--value", "1"]);
    let then = d.json(&["--cycle", "default", "score", "--agency", "81", "--json"]);
    let now = d.json(&["score", "--agency", "81", "--json"]);
    let score = |j: &Json| {
        j["agencies"][0]["score"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| j["agencies"][0]["score"].to_string())
    };
    let (then, now) = (score(&then), score(&now));
    assert_ne!(then, now, "three answers then, one now");

    let out = d.dir.path().join("m.md");
    d.ok(&[
        "report",
        "--agency",
        "81",
        "--format",
        "md",
        "--out",
        out.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(&out).unwrap();
    let trend: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("## Tren"))
        .filter(|l| l.starts_with("| ") && l.contains("siklus"))
        .collect();
    assert_eq!(trend.len(), 2, "{md}");
    assert!(
        trend[0].contains("siklus 2027-penilaian") && trend[0].contains(&now),
        "{trend:?}"
    );
    assert!(
        trend[1].contains("siklus default") && trend[1].contains(&then),
        "{trend:?}"
    );
}
