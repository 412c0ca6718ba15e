//! The report as the central office opens it: the xlsx re-read by a real reader
//! (calamine) holds the right names, ranks, scores, zone counts and unfulfilled
//! indicators; its sheets have a frozen header row, number formats and zone fills;
//! the csv files and the markdown hold the same numbers.

mod exchange_support;

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use exchange_support::*;
use patuh::domain::Value;
use patuh::store::Store;

/// A workstation where Kota Ambon leads the cities, one regency leads the others
/// (which tie at 0.00), and one product is complete and in the green zone.
fn workstation(w: &World) -> std::path::PathBuf {
    let db = w.workstation("siti", "Siti Rahma", "ASN-001");
    let mut store = Store::open(&db).unwrap();
    let ktp = store.product_ref("8171/DUKCAPIL/KTP-EL").unwrap();
    let inst = store.product_instrument(&ktp).unwrap();
    for ind in &inst.indicators {
        put(
            &mut store,
            "8171/DUKCAPIL/KTP-EL",
            &ind.id,
            Value::Level(1),
            None,
        );
    }
    put(
        &mut store,
        "8172/DUKCAPIL/KTP-EL",
        "maklumat",
        Value::Level(1),
        None,
    );
    put(
        &mut store,
        "8103/DPMPTSP/PBG",
        "persyaratan",
        Value::Level(1),
        None,
    );
    put(
        &mut store,
        "81/DPMPTSP/NIB",
        "sk-standar",
        Value::Level(1),
        None,
    );
    put(
        &mut store,
        "81/DPMPTSP/NIB",
        "dasar-hukum",
        Value::NotApplicable,
        None,
    );
    put(
        &mut store,
        "81/DPMPTSP/NIB",
        "persyaratan",
        Value::Level(0),
        None,
    );
    db
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn zip_text(path: &Path, member: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(member).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_xlsx_report_holds_the_right_names_and_numbers() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.xlsx");
    w.ok(
        "siti",
        &[
            "--db",
            s(&db),
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&out),
        ],
    );
    let scores = w.score_json(&db, None);
    let agency = |code: &str| {
        scores["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap()
            .clone()
    };
    let as_f64 = |v: &serde_json::Value| v.to_string().parse::<f64>().unwrap();

    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["ranking", "zones", "units", "products", "unfulfilled"],
        "a sheet per table (no conflicts sheet on a workstation)"
    );

    let ranking = sheet(&out, "ranking");
    assert_eq!(text(&ranking[0][0]), "Kind");
    assert_eq!(text(&ranking[0][3]), "Agency");
    assert_eq!(ranking.len(), 1 + 7, "header and the 7 demo agencies");
    let row = |code: &str| {
        ranking
            .iter()
            .find(|r| text(&r[2]) == code)
            .unwrap_or_else(|| panic!("no row {code}"))
            .clone()
    };
    let ambon = row("8171");
    assert_eq!(text(&ambon[0]), "pemkot");
    assert_eq!(num(&ambon[1]), 1.0, "Ambon leads the cities");
    assert_eq!(text(&ambon[3]), "Pemerintah Kota Ambon");
    assert_eq!(num(&ambon[4]), as_f64(&agency("8171")["score"]));
    assert_eq!(text(&ambon[5]), "merah");
    assert_eq!(text(&ambon[6]), "Low compliance");
    assert_eq!(num(&row("8172")[1]), 2.0);
    assert_eq!(
        num(&row("8103")[1]),
        1.0,
        "Maluku Tengah leads the regencies"
    );
    for tie in ["8104", "8105", "8106"] {
        assert_eq!(num(&row(tie)[1]), 2.0, "{tie}: equal scores share a rank");
        assert_eq!(num(&row(tie)[4]), 0.0);
    }
    assert_eq!(num(&row("81")[4]), as_f64(&agency("81")["score"]));

    let zones = sheet(&out, "zones");
    let pemkab_red = zones
        .iter()
        .find(|r| text(&r[0]) == "pemkab" && text(&r[1]) == "merah")
        .unwrap();
    assert_eq!(num(&pemkab_red[3]), 4.0);
    assert_eq!(
        num(&pemkab_red[4]),
        1.0,
        "100 % as a fraction with a % format"
    );
    let pemkab_green = zones
        .iter()
        .find(|r| text(&r[0]) == "pemkab" && text(&r[1]) == "hijau")
        .unwrap();
    assert_eq!(num(&pemkab_green[3]), 0.0);

    let units = sheet(&out, "units");
    let dukcapil = units
        .iter()
        .find(|r| text(&r[0]) == "8171" && text(&r[2]) == "DUKCAPIL")
        .unwrap();
    let json_unit = agency("8171")["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DUKCAPIL")
        .unwrap()
        .clone();
    assert_eq!(num(&dukcapil[4]), as_f64(&json_unit["score"]));

    let products = sheet(&out, "products");
    let ktp = products
        .iter()
        .find(|r| text(&r[0]) == "8171" && text(&r[2]) == "KTP-EL")
        .unwrap();
    assert_eq!(num(&ktp[4]), 100.0);
    assert_eq!(text(&ktp[5]), "hijau");
    assert_eq!(num(&ktp[7]), 36.0);

    let unfulfilled = sheet(&out, "unfulfilled");
    let nib: Vec<String> = unfulfilled
        .iter()
        .filter(|r| text(&r[0]) == "81" && text(&r[2]) == "NIB")
        .map(|r| text(&r[4]))
        .collect();
    assert_eq!(nib.len(), 36 - 2, "all but the fulfilled and the N/A one");
    assert!(nib.contains(&"persyaratan".to_string()));
    assert!(!nib.contains(&"sk-standar".to_string()));
    assert!(!nib.contains(&"dasar-hukum".to_string()));
    assert!(
        !unfulfilled
            .iter()
            .any(|r| text(&r[0]) == "8171" && text(&r[2]) == "KTP-EL"),
        "a complete product has nothing to fix"
    );
    let towards: Vec<&Vec<Data>> = unfulfilled
        .iter()
        .filter(|r| text(&r[2]) == "NIB" && text(&r[0]) == "81" && text(&r[9]) == "yes")
        .collect();
    assert!(!towards.is_empty(), "the path to the next zone is marked");

    // What a person sees in Excel: frozen header, number formats, zone fills.
    let sheet1 = zip_text(&out, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains("state=\"frozen\""), "{sheet1}");
    assert!(sheet1.contains("ySplit=\"1\""));
    assert!(sheet1.contains("<autoFilter"));
    let styles = zip_text(&out, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.00\""), "{styles}");
    assert!(styles.contains("formatCode=\"0.00%\""));
    assert!(styles.contains("FFF4B6B6"), "red zone fill");
    assert!(styles.contains("FFA9D08E"), "green zone fill");
}

#[test]
fn csv_and_markdown_hold_the_same_numbers() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.csv");
    w.ok(
        "siti",
        &[
            "--db",
            s(&db),
            "report",
            "--format",
            "csv",
            "--out",
            s(&out),
        ],
    );
    let mut rdr = csv::Reader::from_path(w.path("laporan-ranking.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[1], "Rank");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let ambon = rows.iter().find(|r| &r[2] == "8171").unwrap();
    let score = w.score_json(&db, Some("8171"))["agencies"][0]["score"].to_string();
    assert_eq!(&ambon[4], score.as_str());
    assert_eq!(&ambon[1], "1");
    let zones = std::fs::read_to_string(w.path("laporan-zones.csv")).unwrap();
    assert!(
        zones.contains("pemkab,merah,Low compliance,4,100.00"),
        "{zones}"
    );

    // In Indonesian when the assessor's locale is.
    let md = w.path("laporan.md");
    let out = w
        .patuh("siti")
        .env("LANG", "id_ID.UTF-8")
        .args(["--db", s(&db), "report", "--format", "md", "--out", s(&md)])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("## Peringkat instansi per jenis"), "{text}");
    assert!(
        text.contains(&format!(
            "| pemkot | 1 | 8171 | Pemerintah Kota Ambon | {score} | merah | Kepatuhan Rendah |"
        )),
        "{text}"
    );
    assert!(
        text.contains("| pemkab | merah | Kepatuhan Rendah | 4 | 100.00% |"),
        "{text}"
    );
}
