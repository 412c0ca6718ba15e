//! The report as the central office opens it: the xlsx re-read by a real reader
//! (calamine) holds the right names, ranks, scores, zone counts and unfulfilled
//! indicators; what nobody assessed is not ranked, scored or zoned but listed apart;
//! sheet names and headers follow the report language; numbers are numbers, columns
//! are as wide as their content, kinds and dimensions have their labels, notes and
//! evidence are in the product sheet, a metadata sheet says where the numbers come
//! from and native Excel charts are in the workbook; the csv files (UTF-8 with a BOM,
//! `;` with decimal commas on request) and the markdown hold the same numbers.

mod exchange_support;

use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use exchange_support::*;
use patuh::domain::Value;
use patuh::store::Store;

/// A workstation where Kota Ambon leads the cities, Maluku Tengah is the only regency
/// assessed (three regencies were not started), and one product is complete and in
/// the green zone. A note and an evidence reference on NIB.
fn workstation(w: &World) -> PathBuf {
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
        Some("Persyaratan tidak dipajang di loket"),
    );
    let nib = store.product_ref("81/DPMPTSP/NIB").unwrap();
    let inst = store.product_instrument(&nib).unwrap();
    let i = inst.indicator_index("persyaratan").unwrap();
    store
        .add_evidence(&nib, &inst.indicators[i], "foto-loket-2.jpg", None)
        .unwrap();
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
    let range = wb
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("no sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn column(rows: &[Vec<Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| text(h) == header)
        .unwrap_or_else(|| panic!("no column {header:?} in {:?}", rows[0]))
}

fn zip_text(path: &Path, member: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(member)
        .unwrap_or_else(|e| panic!("no {member} in the xlsx: {e}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// The zip member of a sheet, by its name in the workbook.
fn sheet_xml(path: &Path, name: &str) -> String {
    let wb: Xlsx<_> = open_workbook(path).unwrap();
    let n = wb
        .sheet_names()
        .iter()
        .position(|s| s == name)
        .unwrap_or_else(|| panic!("no sheet {name}"));
    zip_text(path, &format!("xl/worksheets/sheet{}.xml", n + 1))
}

/// The widths of a sheet's columns as the file sets them (1-based column -> width).
fn widths(xml: &str) -> Vec<(usize, usize, f64)> {
    xml.split("<col ")
        .skip(1)
        .map(|c| {
            let attr = |name: &str| -> String {
                let start = c.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                c[start..].split('"').next().unwrap().to_string()
            };
            (
                attr("min").parse().unwrap(),
                attr("max").parse().unwrap(),
                attr("width").parse().unwrap(),
            )
        })
        .collect()
}

fn width_of(xml: &str, col: usize) -> f64 {
    widths(xml)
        .into_iter()
        .find(|(min, max, _)| (*min..=*max).contains(&(col + 1)))
        .map(|(_, _, w)| w)
        .unwrap_or_else(|| panic!("no width for column {col}"))
}

fn report(w: &World, db: &Path, format: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["--db", s(db), "report", "--format", format, "--out", s(out)];
    args.extend_from_slice(extra);
    w.ok("siti", &args);
}

#[test]
fn the_xlsx_report_holds_the_right_names_and_numbers() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.xlsx");
    report(&w, &db, "xlsx", &out, &[]);
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
        [
            "Ranking",
            "Zones",
            "Distribution",
            "Charts",
            "Service units",
            "Dimensions",
            "Service products",
            "Unfulfilled",
            "Not assessed",
            "About"
        ],
        "a sheet per table, in English (no conflicts sheet on a workstation)"
    );

    let ranking = sheet(&out, "Ranking");
    assert_eq!(text(&ranking[0][0]), "Kind");
    assert_eq!(text(&ranking[0][3]), "Agency");
    assert_eq!(
        ranking.len(),
        1 + 4,
        "header and the 4 assessed agencies (3 regencies were not started)"
    );
    let row = |code: &str| {
        ranking
            .iter()
            .find(|r| text(&r[2]) == code)
            .unwrap_or_else(|| panic!("no row {code}"))
            .clone()
    };
    let ambon = row("8171");
    assert_eq!(text(&ambon[0]), "City", "the kind by its label");
    assert_eq!(num(&ambon[1]), 1.0, "Ambon leads the cities");
    assert_eq!(text(&ambon[3]), "Pemerintah Kota Ambon");
    assert_eq!(num(&ambon[4]), as_f64(&agency("8171")["score"]));
    assert_eq!(text(&ambon[5]), "merah");
    assert_eq!(text(&ambon[6]), "Low compliance");
    assert_eq!(text(&ambon[10]), "incomplete", "marked incomplete");
    assert_eq!(num(&ambon[7]), 36.0, "answered");
    assert_eq!(num(&ambon[9]), 36.0 / num(&ambon[8]), "progress as a share");
    assert_eq!(num(&row("8172")[1]), 2.0);
    assert_eq!(
        num(&row("8103")[1]),
        1.0,
        "Maluku Tengah leads the regencies"
    );
    for untouched in ["8104", "8105", "8106"] {
        assert!(
            !ranking.iter().any(|r| text(&r[2]) == untouched),
            "{untouched}: not assessed, so not ranked"
        );
    }
    assert_eq!(num(&row("81")[4]), as_f64(&agency("81")["score"]));

    let zones = sheet(&out, "Zones");
    let regency = |zone: &str| {
        zones
            .iter()
            .find(|r| text(&r[0]) == "Regency" && text(&r[1]) == zone)
            .unwrap_or_else(|| panic!("no Regency {zone} row"))
            .clone()
    };
    assert_eq!(num(&regency("merah")[3]), 1.0, "only the assessed regency");
    assert_eq!(num(&regency("merah")[4]), 1.0, "100 % of the assessed ones");
    assert_eq!(num(&regency("merah")[5]), 1.0, "of which incomplete");
    assert_eq!(num(&regency("hijau")[3]), 0.0);
    let apart = zones
        .iter()
        .find(|r| text(&r[0]) == "Regency" && text(&r[2]) == "not assessed")
        .expect("the regencies not assessed, counted apart");
    assert_eq!(num(&apart[3]), 3.0);
    assert_eq!(apart[1], Data::Empty, "no zone");
    assert_eq!(apart[4], Data::Empty, "no share");

    let units = sheet(&out, "Service units");
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
    let untouched_unit = units
        .iter()
        .find(|r| text(&r[0]) == "8104")
        .expect("a unit of a regency not started");
    assert_eq!(untouched_unit[4], Data::Empty, "no score");
    assert_eq!(untouched_unit[5], Data::Empty, "no zone");
    assert_eq!(text(&untouched_unit[10]), "not assessed");

    let products = sheet(&out, "Service products");
    let (notes, evidence, refs, assessment) = (
        column(&products, "Notes"),
        column(&products, "Evidence"),
        column(&products, "Evidence references"),
        column(&products, "Assessment"),
    );
    let ktp = products
        .iter()
        .find(|r| text(&r[0]) == "8171" && text(&r[2]) == "KTP-EL")
        .unwrap();
    assert_eq!(num(&ktp[4]), 100.0);
    assert_eq!(text(&ktp[5]), "hijau");
    assert_eq!(num(&ktp[7]), 36.0);
    assert_eq!(text(&ktp[assessment]), "complete");
    let nib = products
        .iter()
        .find(|r| text(&r[0]) == "81" && text(&r[2]) == "NIB")
        .unwrap();
    assert_eq!(
        text(&nib[notes]),
        "persyaratan: Persyaratan tidak dipajang di loket"
    );
    assert_eq!(num(&nib[evidence]), 1.0);
    assert_eq!(text(&nib[refs]), "persyaratan: foto-loket-2.jpg");
    let kk = products
        .iter()
        .find(|r| text(&r[0]) == "8171" && text(&r[2]) == "KK")
        .unwrap();
    assert_eq!(kk[4], Data::Empty, "a product not started has no score");
    assert_eq!(text(&kk[assessment]), "not assessed");

    let unfulfilled = sheet(&out, "Unfulfilled");
    let nib: Vec<&Vec<Data>> = unfulfilled
        .iter()
        .filter(|r| text(&r[0]) == "81" && text(&r[2]) == "NIB")
        .collect();
    let ids: Vec<String> = nib.iter().map(|r| text(&r[4])).collect();
    assert_eq!(ids.len(), 36 - 2, "all but the fulfilled and the N/A one");
    assert!(ids.contains(&"persyaratan".to_string()));
    assert!(!ids.contains(&"sk-standar".to_string()));
    assert!(!ids.contains(&"dasar-hukum".to_string()));
    let persyaratan = nib.iter().find(|r| text(&r[4]) == "persyaratan").unwrap();
    assert_eq!(
        text(&persyaratan[5]),
        "Service standard",
        "the dimension by its label"
    );
    assert_eq!(persyaratan[7], Data::Float(0.0), "the value as a number");
    assert!(
        matches!(persyaratan[8], Data::Float(x) if x > 0.0),
        "the weight as a number: {:?}",
        persyaratan[8]
    );
    assert_eq!(
        text(&persyaratan[column(&unfulfilled, "Note")]),
        "Persyaratan tidak dipajang di loket"
    );
    assert_eq!(
        text(&persyaratan[column(&unfulfilled, "Evidence")]),
        "foto-loket-2.jpg"
    );
    assert!(
        !unfulfilled
            .iter()
            .any(|r| text(&r[0]) == "8171" && text(&r[2]) == "KTP-EL"),
        "a complete product has nothing to fix"
    );
    let assessed = ["81/DPMPTSP/NIB", "8172/DUKCAPIL/KTP-EL", "8103/DPMPTSP/PBG"];
    for r in &unfulfilled[1..] {
        let path = format!("{}/{}/{}", text(&r[0]), text(&r[1]), text(&r[2]));
        assert!(
            assessed.contains(&path.as_str()),
            "{path}: only assessed products have unfulfilled indicators"
        );
    }
    let towards: Vec<&&Vec<Data>> = nib.iter().filter(|r| text(&r[9]) == "yes").collect();
    assert!(!towards.is_empty(), "the path to the next zone is marked");

    // Listed apart, each at its highest level not started.
    let apart = sheet(&out, "Not assessed");
    let line = |level: &str, a: &str, u: &str, p: &str| {
        apart.iter().any(|r| {
            text(&r[0]) == level && text(&r[2]) == a && text(&r[4]) == u && text(&r[6]) == p
        })
    };
    assert!(line("Agency", "8104", "", ""));
    assert!(line("Unit", "8171", "DPMPTSP", ""));
    assert!(line("Product", "8171", "DUKCAPIL", "KK"));
    assert!(!line("Product", "8171", "DUKCAPIL", "KTP-EL"));
    assert!(
        !apart
            .iter()
            .any(|r| text(&r[2]) == "8104" && text(&r[0]) != "Agency"),
        "an agency not started is one row, not one per unit or product"
    );

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
fn columns_fit_their_content_up_to_80_characters() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.xlsx");
    report(&w, &db, "xlsx", &out, &[]);
    let units = sheet(&out, "Service units");
    let xml = sheet_xml(&out, "Service units");
    let longest = units[1..]
        .iter()
        .map(|r| text(&r[3]).chars().count())
        .max()
        .unwrap();
    assert!(longest > 60, "the demo has long unit names: {longest}");
    let name = width_of(&xml, 3);
    assert!(
        name >= longest as f64 && name <= 84.0,
        "the unit name column is {name} wide for names up to {longest} characters"
    );
    let code = width_of(&xml, 0);
    assert!(
        code < 20.0,
        "a code column stays narrow ({code}), not one width for all"
    );
    // A long name is capped at about 80 characters (the cell keeps all of it).
    let dir = tempfile::tempdir().unwrap();
    let long = "Dinas ".repeat(30);
    let file = dir.path().join("a.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"format": "patuh-assignment", "format_version": 1,
                "instrument": {{"id": "kepatuhan-2021", "version": "1"}}, "title": "t",
                "agencies": [{{"code": "9999", "name": "Pemerintah Kota Contoh", "kind": "pemkot",
                  "units": [{{"code": "U", "name": "{}", "products": [{{"code": "P", "name": "Produk"}}]}}]}}]}}"#,
            long.trim()
        ),
    )
    .unwrap();
    w.ok("siti", &["--db", s(&db), "assignment", "import", s(&file)]);
    report(&w, &db, "xlsx", &out, &[]);
    let xml = sheet_xml(&out, "Service units");
    let name = width_of(&xml, 3);
    assert!((80.0..=84.0).contains(&name), "capped: {name}");
    let units = sheet(&out, "Service units");
    assert!(units.iter().any(|r| text(&r[3]) == long.trim()));
}

#[test]
fn native_charts_and_a_metadata_sheet_are_in_the_workbook() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.xlsx");
    report(&w, &db, "xlsx", &out, &[]);
    // Three charts drawn on the charts sheet: zone shares per kind, agency and product
    // score distributions.
    let content_types = zip_text(&out, "[Content_Types].xml");
    for n in 1..=3 {
        assert!(
            content_types.contains(&format!("/xl/charts/chart{n}.xml")),
            "{content_types}"
        );
    }
    let charts_sheet = sheet_xml(&out, "Charts");
    assert!(charts_sheet.contains("<drawing "), "{charts_sheet}");
    let zones = zip_text(&out, "xl/charts/chart1.xml");
    assert!(zones.contains("<c:barChart>"), "{zones}");
    assert!(zones.contains("percentStacked"), "{zones}");
    assert!(
        zones.contains("Charts!$A$2:$A$"),
        "kinds as categories: {zones}"
    );
    assert!(zones.contains("5CB85C"), "the green zone in green: {zones}");
    let dist = zip_text(&out, "xl/charts/chart2.xml");
    assert!(dist.contains("Distribution!$B$2:$B$11"), "{dist}");
    // The chart data on the sheet: cities have one red agency.
    let data = sheet(&out, "Charts");
    let merah = data[0]
        .iter()
        .position(|h| text(h).starts_with("merah"))
        .unwrap();
    let city = data.iter().find(|r| text(&r[0]) == "City").unwrap();
    assert_eq!(num(&city[merah]), 2.0, "Ambon and Tual");
    let dist = sheet(&out, "Distribution");
    let agencies: f64 = dist[1..].iter().map(|r| num(&r[1])).sum();
    assert_eq!(agencies, 4.0, "the assessed agencies only");

    // The metadata sheet: when, from which database, the instruments with their
    // hashes, the rule, and what every column means.
    let about = sheet(&out, "About");
    let find = |section: &str, item: &str| -> String {
        about
            .iter()
            .find(|r| text(&r[0]) == section && text(&r[1]) == item)
            .map(|r| text(&r[2]))
            .unwrap_or_else(|| panic!("no {section} / {item} in {about:?}"))
    };
    assert!(find("Report", "Database").contains(s(&db)));
    assert!(find("Report", "Generated at").starts_with("20"));
    assert!(find("Report", "Rule").contains("not assessed"));
    let store = Store::open(&db).unwrap();
    let instruments = store.instruments().unwrap();
    let used = instruments
        .iter()
        .find(|i| i.id == "kepatuhan-2021")
        .unwrap();
    assert!(
        find("Instrument", "kepatuhan-2021 v1").contains(&used.sha256),
        "the instrument's hash"
    );
    assert!(find("Ranking", "Rank").contains("equal rounded scores share a rank"));
    assert!(find("Unfulfilled", "Weight").contains("weight"));
}

#[test]
fn sheet_names_and_headers_follow_the_report_language() {
    let w = World::new();
    let db = workstation(&w);
    let indonesian = [
        "Peringkat",
        "Zona",
        "Sebaran nilai",
        "Grafik",
        "Unit layanan",
        "Nilai dimensi",
        "Produk layanan",
        "Belum terpenuhi",
        "Belum dinilai",
        "Keterangan",
    ];
    // --lang id in an English locale.
    let out = w.path("id.xlsx");
    report(&w, &db, "xlsx", &out, &["--lang", "id"]);
    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), indonesian);
    let ranking = sheet(&out, "Peringkat");
    assert_eq!(text(&ranking[0][0]), "Jenis");
    assert_eq!(text(&ranking[0][1]), "Peringkat");
    let ambon = ranking.iter().find(|r| text(&r[2]) == "8171").unwrap();
    assert_eq!(text(&ambon[0]), "Pemerintah kota");
    assert_eq!(text(&ambon[6]), "Kepatuhan Rendah");
    assert_eq!(text(&ambon[10]), "belum lengkap");
    let unfulfilled = sheet(&out, "Belum terpenuhi");
    assert!(
        unfulfilled
            .iter()
            .any(|r| text(&r[5]) == "Standar Pelayanan"),
        "the dimension's Indonesian label"
    );

    // By default, the language of the workstation: LANG ...
    let out = w.path("lang.xlsx");
    let run = w
        .patuh("siti")
        .env("LANG", "id_ID.UTF-8")
        .args([
            "--db",
            s(&db),
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&out),
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), indonesian);
    // ... unless --lang says otherwise ...
    let run = w
        .patuh("siti")
        .env("LANG", "id_ID.UTF-8")
        .args([
            "--db",
            s(&db),
            "report",
            "--format",
            "xlsx",
            "--out",
            s(&out),
        ])
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names()[0], "Ranking");
    // ... and `language` in config.toml comes before LANG, as in the workstation.
    let config = w.path("home-siti/config/patuh/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "language = \"id\"\n").unwrap();
    report(&w, &db, "xlsx", &out, &[]);
    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        indonesian,
        "LANG=C but the config says id"
    );

    let help = w.ok("siti", &["report", "--help"]);
    assert!(help.contains("--lang"), "{help}");
    assert!(
        help.contains("config.toml"),
        "the default is stated: {help}"
    );
    assert!(help.contains("--csv-sep"), "{help}");
}

#[test]
fn csv_and_markdown_hold_the_same_numbers() {
    let w = World::new();
    let db = workstation(&w);
    let out = w.path("laporan.csv");
    report(&w, &db, "csv", &out, &[]);
    let bytes = std::fs::read(w.path("laporan-ranking.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let mut rdr = csv::Reader::from_path(w.path("laporan-ranking.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[1], "Rank");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let ambon = rows.iter().find(|r| &r[2] == "8171").unwrap();
    let score = w.score_json(&db, Some("8171"))["agencies"][0]["score"].to_string();
    assert_eq!(&ambon[4], score.as_str());
    assert_eq!(&ambon[1], "1");
    assert!(!rows.iter().any(|r| &r[2] == "8104"), "not ranked");
    let zones = std::fs::read_to_string(w.path("laporan-zones.csv")).unwrap();
    assert!(
        zones.contains("Regency,merah,Low compliance,1,100.00,1"),
        "{zones}"
    );
    assert!(zones.contains("Regency,,not assessed,3,,"), "{zones}");

    // For Excel in Indonesian: `;` between fields, decimal commas.
    let out = w.path("excel.csv");
    report(&w, &db, "csv", &out, &["--csv-sep", ";", "--lang", "id"]);
    let bytes = std::fs::read(w.path("excel-ranking.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let ranking = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let comma_score = score.replace('.', ",");
    assert!(
        ranking.contains(&format!(
            "Pemerintah kota;1;8171;Pemerintah Kota Ambon;{comma_score};merah;Kepatuhan Rendah;36;"
        )),
        "{ranking}"
    );
    let zones = std::fs::read_to_string(w.path("excel-zones.csv")).unwrap();
    assert!(
        zones.contains("Pemerintah kabupaten;merah;Kepatuhan Rendah;1;100,00;1"),
        "{zones}"
    );
    let unfulfilled = std::fs::read_to_string(w.path("excel-unfulfilled.csv")).unwrap();
    let line = unfulfilled
        .lines()
        .find(|l| l.starts_with("81;DPMPTSP;NIB;") && l.contains(";persyaratan;"))
        .unwrap();
    let fields: Vec<&str> = line.split(';').collect();
    assert_eq!(fields[7], "0", "the value");
    assert!(
        fields[8].parse::<f64>().is_ok() || fields[8].contains(','),
        "the weight with a decimal comma if it has decimals: {line}"
    );
    let bad = w
        .patuh("siti")
        .args([
            "--db",
            s(&db),
            "report",
            "--format",
            "csv",
            "--out",
            s(&out),
        ])
        .args(["--csv-sep", "|"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("decimal commas"));

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
            "| Pemerintah kota | 1 | 8171 | Pemerintah Kota Ambon | {score} | merah | Kepatuhan Rendah |"
        )),
        "{text}"
    );
    assert!(
        text.contains("| Pemerintah kabupaten | merah | Kepatuhan Rendah | 1 | 100.00% | 1 |"),
        "{text}"
    );
    assert!(
        text.contains("| Pemerintah kabupaten |  | belum dinilai | 3 |  |  |"),
        "{text}"
    );
}
