//! The mentoring report (`patuh report --agency CODE`) and the published scores of past
//! years (`patuh history import|list`), on real files with the real binary: a small
//! agency whose paths to the next category, their order and the projected scores are
//! worked out by hand below, in Indonesian (the default) and English; the HTML is one
//! self-contained file (no script, nothing fetched); the xlsx is read back with
//! calamine; history files are refused with their line numbers and nothing changed,
//! imported once, and drawn as each agency's trend in the mentoring report and the
//! report. A dataset built in memory with units' and agencies' own answers (format 2)
//! is reported through the same code, and each projected score is checked by
//! fulfilling the path and scoring again.

mod common;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::r;
use num_rational::BigRational;
use patuh::domain::Lang;
use patuh::domain::Value::{Level as L, NotApplicable as NA};
use patuh::domain::instrument::Instrument;
use patuh::domain::model::{
    Agency, AgencyIx, Dataset, IndicatorIx, Ix as _, Kind, NodeRef, Product, Respondent, ScoreBook,
    Unit, UnitIx,
};
use patuh::domain::scoring::Rounded;
use patuh::exchange::mentoring::{self, Context, Outlook};
use patuh::exchange::mentoring_out;

/// A flat checklist of six ticks, weights 10 + 15 + 20 + 25 + 5 + 25 = 100, so a
/// product's score is the sum of the weights it meets over those applicable; the
/// bands of 2021 (merah 0, kuning 51, hijau 81).
const INSTRUMENT: &str = r#"{
  "format": "patuh-instrument", "format_version": 1,
  "id": "uji-pendampingan", "version": "1",
  "title": {"id": "Uji pendampingan", "en": "Mentoring test"},
  "dimensions": [
    {"id": "standar", "label": {"id": "Standar Pelayanan", "en": "Service standard"}},
    {"id": "pengaduan", "label": {"id": "Pengelolaan Pengaduan", "en": "Complaint handling"}}
  ],
  "indicators": [
    {"id": "maklumat", "dimension": "standar", "label": {"id": "Maklumat pelayanan", "en": "Service declaration"}, "weight": 10, "scale": {"max": 1}},
    {"id": "pengaduan", "dimension": "pengaduan", "label": {"id": "Sarana pengaduan", "en": "Complaint channel"}, "weight": 15, "scale": {"max": 1}},
    {"id": "sarana", "dimension": "standar", "label": {"id": "Sarana dan prasarana", "en": "Facilities"}, "weight": 20, "scale": {"max": 1}},
    {"id": "persyaratan", "dimension": "standar", "label": {"id": "Persyaratan pelayanan", "en": "Service requirements"}, "weight": 25, "scale": {"max": 1}},
    {"id": "waktu", "dimension": "standar", "label": {"id": "Jangka waktu", "en": "Completion time"}, "weight": 5, "scale": {"max": 1}},
    {"id": "prosedur", "dimension": "standar", "label": {"id": "Prosedur pelayanan", "en": "Procedure"}, "weight": 25, "scale": {"max": 1}}
  ],
  "bands": [
    {"code": "merah", "label": {"id": "Kepatuhan Rendah", "en": "Low compliance"}, "min": 0, "color": "red"},
    {"code": "kuning", "label": {"id": "Kepatuhan Sedang", "en": "Medium compliance"}, "min": 51, "color": "yellow"},
    {"code": "hijau", "label": {"id": "Kepatuhan Tinggi", "en": "High compliance"}, "min": 81, "color": "green"}
  ]
}"#;

const ASSIGNMENT: &str = r#"{
  "format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "uji-pendampingan", "version": "1"},
  "title": "Pendampingan Kendal",
  "agencies": [
    {"code": "3324", "name": "Pemerintah Kabupaten Kendal", "kind": "pemkab", "units": [
      {"code": "DPMPTSP", "name": "Dinas Penanaman Modal dan PTSP", "products": [
        {"code": "PBG", "name": "Persetujuan Bangunan Gedung"},
        {"code": "NIB", "name": "Nomor Induk Berusaha"}]},
      {"code": "DUKCAPIL", "name": "Dinas Kependudukan dan Pencatatan Sipil", "products": [
        {"code": "KTP-EL", "name": "KTP Elektronik"}]}]},
    {"code": "3374", "name": "Pemerintah Kota Semarang", "kind": "pemkot", "units": [
      {"code": "DUKCAPIL", "name": "Disdukcapil", "products": [
        {"code": "KK", "name": "Kartu Keluarga"}]}]}
  ]
}"#;

/// The published series of the issue (Kendal: 60.87 in 2018 ... 93.47 in 2022).
const HISTORY: &str = "agency,year,score,category\n\
                       3324,2018,60.87,C\n\
                       3324,2019,70.66,C\n\
                       3324,2021,72.88,kuning\n\
                       3324,2022,93.47,A\n";

struct Env {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Env {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        common::patuh(self.dir.path())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .expect("run patuh")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "patuh {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "patuh {args:?} should exit 1:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    }

    fn record(&self, product: &str, indicator: &str, value: &str, note: Option<&str>) {
        let mut args = vec!["record", product, indicator];
        match value {
            "na" => args.push("--na"),
            v => args.extend(["--value", v]),
        }
        if let Some(n) = note {
            args.extend(["--note", n]);
        }
        self.ok(&args);
    }
}

/// The small agency, assessed during the mentoring day:
/// - KTP-EL: maklumat 1, pengaduan 0 (note), sarana 1, persyaratan 0 (note), waktu
///   unanswered, prosedur 1: (10 + 20 + 25) / 100 = 55.00 kuning.
/// - PBG: maklumat 0, pengaduan 1, sarana N/A, persyaratan 1, waktu 1, prosedur 0 (a
///   note that tries HTML): (15 + 25 + 5) / 80 = 56.25 kuning.
/// - NIB: nothing answered (not assessed; counts 0 in its unit's and agency's means).
fn agency() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("pendampingan.db");
    let env = Env { dir, db };
    env.ok(&["init", "--assessor", "Siti Rahma"]);
    let i = env.write("instrument.json", INSTRUMENT);
    env.ok(&["instrument", "import", &i]);
    let a = env.write("assignment.json", ASSIGNMENT);
    env.ok(&["assignment", "import", &a]);
    let ktp = "3324/DUKCAPIL/KTP-EL";
    env.record(ktp, "maklumat", "1", None);
    env.record(ktp, "pengaduan", "0", Some("Kotak pengaduan belum ada"));
    env.record(ktp, "sarana", "1", None);
    env.record(
        ktp,
        "persyaratan",
        "0",
        Some("Persyaratan belum dipajang di loket"),
    );
    env.record(ktp, "prosedur", "1", None);
    let pbg = "3324/DPMPTSP/PBG";
    env.record(pbg, "maklumat", "0", None);
    env.record(pbg, "pengaduan", "1", None);
    env.record(pbg, "sarana", "na", None);
    env.record(pbg, "persyaratan", "1", None);
    env.record(pbg, "waktu", "1", None);
    env.record(
        pbg,
        "prosedur",
        "0",
        Some("Alur <script>alert(1)</script> & bagan belum dipasang"),
    );
    env
}

/// The section of `text` from `start` to the next `end` (or the end).
fn section<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in:\n{text}"));
    let rest = &text[from + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Where each needle is in `text`, which must hold them in this order.
fn in_order(text: &str, needles: &[&str]) {
    let mut at = 0;
    for n in needles {
        let found = text[at..]
            .find(n)
            .unwrap_or_else(|| panic!("{n:?} not found after byte {at} in:\n{text}"));
        at += found + n.len();
    }
}

/// Hand computation (every product weighs 1/3 in the agency, 1/2 in DPMPTSP):
/// - KTP-EL 55.00 kuning, 81 needs 26 points: persyaratan +25 (80.00, not yet), then
///   pengaduan +15: 95.00 hijau. Persyaratan comes first though it is after pengaduan
///   in the instrument: the largest gain first.
/// - PBG 56.25 kuning (of 80 applicable): prosedur +25/80 = +31.25 -> 87.50 hijau.
/// - DPMPTSP: mean(56.25, 0) = 28.125 -> 28.13 merah; kuning needs 22.87: PBG
///   prosedur +15.63 (43.75), then the largest of NIB, persyaratan +12.50 (tied with
///   prosedur, instrument order): 56.25 kuning.
/// - DUKCAPIL = KTP-EL: 55.00 -> 95.00 as above.
/// - The agency: (55 + 56.25 + 0) / 3 = 37.0833 -> 37.08 merah, kuning needs 13.92:
///   PBG prosedur +31.25/3 = 10.42 (47.50), NIB persyaratan +25/3 = 8.33: 167.5/3 =
///   55.8333 -> 55.83 kuning.
#[test]
fn the_mentoring_report_says_what_to_fix_in_order_and_the_score_it_gives() {
    let env = agency();
    let out = env.path("pendampingan.md");
    let o = out.to_str().unwrap();
    env.ok(&["report", "--agency", "3324", "--format", "md", "--out", o]);
    let md = std::fs::read_to_string(&out).unwrap();
    // Indonesian by default (the test environment's LANG is C, English elsewhere).
    assert!(md.starts_with("# Laporan Pendampingan Kepatuhan"), "{md}");
    assert!(md.contains("## Pemerintah Kabupaten Kendal (3324)"), "{md}");

    let agency = section(&md, "## Ringkasan", "## Tren nilai");
    in_order(
        agency,
        &[
            "Sekarang: **37.08 (merah, Kepatuhan Rendah)**",
            "Kategori berikutnya: kuning (Kepatuhan Sedang), kurang 13.92",
            "| 1 | DPMPTSP/PBG (Persetujuan Bangunan Gedung) | Prosedur pelayanan (prosedur) | Standar Pelayanan | 0 dari 1 | +10.42 |",
            "| 2 | DPMPTSP/NIB (Nomor Induk Berusaha) | Persyaratan pelayanan (persyaratan) | Standar Pelayanan | belum diisi | +8.33 |",
            "Nilai bila diperbaiki: **55.83 (kuning, Kepatuhan Sedang)**",
        ],
    );
    assert!(!agency.contains("| 3 |"), "two fixes only:\n{agency}");

    let dpmptsp = section(&md, "## Unit layanan DPMPTSP", "### Produk layanan PBG");
    in_order(
        dpmptsp,
        &[
            "Sekarang: **28.13 (merah, Kepatuhan Rendah)**",
            "kurang 22.87",
            "| 1 | DPMPTSP/PBG (Persetujuan Bangunan Gedung) | Prosedur pelayanan (prosedur) | Standar Pelayanan | 0 dari 1 | +15.63 |",
            "| 2 | DPMPTSP/NIB (Nomor Induk Berusaha) | Persyaratan pelayanan (persyaratan) | Standar Pelayanan | belum diisi | +12.50 |",
            "Nilai bila diperbaiki: **56.25 (kuning, Kepatuhan Sedang)**",
        ],
    );
    let pbg = section(&md, "### Produk layanan PBG", "### Produk layanan NIB");
    in_order(
        pbg,
        &[
            "Kemajuan: 6 dari 6 (lengkap)",
            "Sekarang: **56.25 (kuning, Kepatuhan Sedang)**",
            "Kategori berikutnya: hijau (Kepatuhan Tinggi), kurang 24.75",
            // The note as written; `<` escaped so that no markdown viewer takes it for HTML.
            "| 1 | Prosedur pelayanan (prosedur) | Standar Pelayanan | 0 dari 1 | +31.25 | Alur \\<script>alert(1)\\</script> & bagan belum dipasang |",
            "Nilai bila diperbaiki: **87.50 (hijau, Kepatuhan Tinggi)**",
        ],
    );
    let nib = section(&md, "### Produk layanan NIB", "## Unit layanan DUKCAPIL");
    assert!(nib.contains("Kemajuan: 0 dari 6 (belum dinilai)"), "{nib}");
    assert!(
        nib.contains("Belum dinilai: belum ada jawaban sama sekali"),
        "{nib}"
    );
    assert!(
        !nib.contains("Sekarang"),
        "no score when not assessed:\n{nib}"
    );
    let ktp = section(&md, "### Produk layanan KTP-EL", "\n---\n");
    in_order(
        ktp,
        &[
            "Kemajuan: 5 dari 6 (belum lengkap)",
            "Sekarang: **55.00 (kuning, Kepatuhan Sedang)**",
            "kurang 26.00",
            "| 1 | Persyaratan pelayanan (persyaratan) | Standar Pelayanan | 0 dari 1 | +25.00 | Persyaratan belum dipajang di loket |",
            "| 2 | Sarana pengaduan (pengaduan) | Pengelolaan Pengaduan | 0 dari 1 | +15.00 | Kotak pengaduan belum ada |",
            "Nilai bila diperbaiki: **95.00 (hijau, Kepatuhan Tinggi)**",
        ],
    );
    assert!(!ktp.contains("(waktu)"), "waktu is not needed:\n{ktp}");
    let dukcapil = section(&md, "## Unit layanan DUKCAPIL", "### Produk layanan KTP-EL");
    assert!(
        dukcapil.contains(
            "| 1 | DUKCAPIL/KTP-EL (KTP Elektronik) | Persyaratan pelayanan (persyaratan)"
        ),
        "{dukcapil}"
    );
    assert!(
        dukcapil.contains("Nilai bila diperbaiki: **95.00 (hijau, Kepatuhan Tinggi)**"),
        "{dukcapil}"
    );
    // Without published scores, the trend is the score now (incomplete: it can rise).
    let trend = section(&md, "## Tren nilai", "## Unit layanan");
    assert!(
        trend.contains(
            "| sekarang | siklus default (penilaian), belum lengkap | 37.08 | merah |  |"
        ),
        "{trend}"
    );
    assert!(!trend.contains("dipublikasikan"), "{trend}");

    // English on request: the same numbers, in English.
    let en = env.path("mentoring-en.md");
    env.ok(&[
        "report",
        "--agency",
        "3324",
        "--format",
        "md",
        "--lang",
        "en",
        "--out",
        en.to_str().unwrap(),
    ]);
    let en = std::fs::read_to_string(&en).unwrap();
    assert!(en.starts_with("# Compliance Mentoring Report"), "{en}");
    let ktp = section(&en, "### Service product KTP-EL", "\n---\n");
    in_order(
        ktp,
        &[
            "Progress: 5 of 6 (incomplete)",
            "Now: **55.00 (kuning, Medium compliance)**",
            "Next category: hijau (High compliance), points missing 26.00",
            "| 1 | Service requirements (persyaratan) | Service standard | 0 of 1 | +25.00 | Persyaratan belum dipajang di loket |",
            "| 2 | Complaint channel (pengaduan) | Complaint handling | 0 of 1 | +15.00 | Kotak pengaduan belum ada |",
            "Score once fixed: **95.00 (hijau, High compliance)**",
        ],
    );
    let nib = section(&en, "### Service product NIB", "## Service unit DUKCAPIL");
    assert!(nib.contains("Not assessed: nothing answered yet"), "{nib}");
    assert!(
        en.contains("Score once fixed: **55.83 (kuning, Medium compliance)**"),
        "{en}"
    );
}

#[test]
fn the_html_is_one_printable_file_that_fetches_nothing() {
    let env = agency();
    let h = env.write("h.csv", HISTORY);
    env.ok(&["history", "import", &h]);
    let out = env.path("pendampingan.html");
    env.ok(&[
        "report",
        "--agency",
        "3324",
        "--format",
        "html",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"id\">"),
        "{html}"
    );
    // Nothing runs, nothing is fetched: no script (the note's is escaped), no address,
    // no linked file, style or font.
    let lower = html.to_lowercase();
    for banned in [
        "<script", "http://", "https://", "src=", "href=", "@import", "url(", "<link", "<iframe",
        "<object", "<embed",
    ] {
        assert!(!lower.contains(banned), "the HTML holds {banned:?}");
    }
    assert!(
        html.contains("Alur &lt;script&gt;alert(1)&lt;/script&gt; &amp; bagan belum dipasang"),
        "the note is escaped"
    );
    // Printable: a print stylesheet, a page size, units on pages of their own.
    assert!(html.contains("@media print"), "no print stylesheet");
    assert!(html.contains("@page { size: A4"), "no page size");
    // The key facts: the agency, each unit and product, the fixes in order, the
    // projected scores, the trend drawn (SVG) and listed.
    assert!(html.contains("<p class=\"agency\">Pemerintah Kabupaten Kendal (3324)</p>"));
    for unit in [
        "Unit layanan DPMPTSP &mdash; Dinas Penanaman Modal dan PTSP",
        "Unit layanan DUKCAPIL &mdash; Dinas Kependudukan dan Pencatatan Sipil",
    ] {
        assert!(html.contains(unit), "{unit}");
    }
    for product in [
        "Produk layanan PBG &mdash; Persetujuan Bangunan Gedung",
        "Produk layanan NIB &mdash; Nomor Induk Berusaha",
        "Produk layanan KTP-EL &mdash; KTP Elektronik",
    ] {
        assert!(html.contains(product), "{product}");
    }
    let ktp = section(&html, "Produk layanan KTP-EL", "</section>");
    in_order(
        ktp,
        &[
            "<span class=\"score\">55.00</span>",
            "<td class=\"num\">1</td><td>Persyaratan pelayanan <span class=\"quiet\">(persyaratan)</span></td>",
            "<td class=\"num\">+25.00</td><td>Persyaratan belum dipajang di loket</td>",
            "<td class=\"num\">2</td><td>Sarana pengaduan <span class=\"quiet\">(pengaduan)</span></td>",
            "<td class=\"num\">+15.00</td>",
            "Nilai bila diperbaiki: <span class=\"score\">95.00</span> <span class=\"badge\" style=\"background:#A9D08E\"><b>hijau</b> Kepatuhan Tinggi</span>",
        ],
    );
    let summary = section(&html, "<section class=\"agency-summary\">", "</section>");
    in_order(
        summary,
        &[
            "<span class=\"score\">37.08</span>",
            "DPMPTSP/PBG (Persetujuan Bangunan Gedung)",
            "DPMPTSP/NIB (Nomor Induk Berusaha)",
            "<span class=\"score\">55.83</span>",
        ],
    );
    let trend = section(&html, "<section class=\"trend\">", "</section>");
    assert!(trend.contains("<svg class=\"trend\""), "{trend}");
    assert!(
        trend.contains(
            "aria-label=\"Tren nilai: 2018 60.87, 2019 70.66, 2021 72.88, 2022 93.47, sekarang 37.08\""
        ),
        "{trend}"
    );
    assert!(trend.contains("<polyline points="), "the line is drawn");
    in_order(
        trend,
        &[
            "<td>2022</td><td>dipublikasikan</td><td class=\"num\">93.47</td><td>A</td><td class=\"num\">+20.59</td>",
            "<td>sekarang</td><td>siklus default (penilaian), belum lengkap</td><td class=\"num\">37.08</td><td>merah</td><td class=\"num\">-56.39</td>",
        ],
    );
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

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("no sheet {name}: {e}"))
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

fn col(rows: &[Vec<Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| text(h) == header)
        .unwrap_or_else(|| panic!("no column {header:?} in {:?}", rows[0]))
}

#[test]
fn the_xlsx_mentoring_report_reads_back_with_its_numbers() {
    let env = agency();
    let h = env.write("h.csv", HISTORY);
    env.ok(&["history", "import", &h]);
    let out = env.path("pendampingan.xlsx");
    env.ok(&[
        "report",
        "--agency",
        "3324",
        "--format",
        "xlsx",
        "--lang",
        "en",
        "--out",
        out.to_str().unwrap(),
    ]);
    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["Summary", "To fix", "Trend", "About"]
    );

    let rows = sheet(&out, "Summary");
    let (code, score, cat, projected, count) = (
        col(&rows, "Code"),
        col(&rows, "Score"),
        col(&rows, "Category"),
        col(&rows, "Score once fixed"),
        col(&rows, "Fixes"),
    );
    let got: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| {
            [code, score, cat, projected, count]
                .map(|c| text(&r[c]))
                .to_vec()
        })
        .collect();
    // Scores are numbers (rounded to two decimals), categories text in their colour.
    assert_eq!(
        got,
        [
            ["3324", "37.08", "merah", "55.83", "2"],
            ["3324/DPMPTSP", "28.13", "merah", "56.25", "2"],
            ["3324/DPMPTSP/PBG", "56.25", "kuning", "87.5", "1"],
            ["3324/DPMPTSP/NIB", "", "", "", ""],
            ["3324/DUKCAPIL", "55", "kuning", "95", "2"],
            ["3324/DUKCAPIL/KTP-EL", "55", "kuning", "95", "2"],
        ]
        .map(|r| r.map(str::to_string).to_vec())
        .to_vec()
    );

    let fixes = sheet(&out, "To fix");
    let (node, order, at, ind, gain, note) = (
        col(&fixes, "Code"),
        col(&fixes, "No."),
        col(&fixes, "Where"),
        col(&fixes, "Indicator"),
        col(&fixes, "Gain"),
        col(&fixes, "Assessor's note"),
    );
    let ktp: Vec<(String, String, String, String, String)> = fixes[1..]
        .iter()
        .filter(|r| text(&r[node]) == "3324/DUKCAPIL/KTP-EL")
        .map(|r| {
            (
                text(&r[order]),
                text(&r[at]),
                text(&r[ind]),
                text(&r[gain]),
                text(&r[note]),
            )
        })
        .collect();
    assert_eq!(
        ktp,
        vec![
            (
                "1".into(),
                "3324/DUKCAPIL/KTP-EL".into(),
                "persyaratan".into(),
                "25".into(),
                "Persyaratan belum dipajang di loket".into()
            ),
            (
                "2".into(),
                "3324/DUKCAPIL/KTP-EL".into(),
                "pengaduan".into(),
                "15".into(),
                "Kotak pengaduan belum ada".into()
            ),
        ]
    );
    let agency: Vec<(String, String)> = fixes[1..]
        .iter()
        .filter(|r| text(&r[node]) == "3324")
        .map(|r| (text(&r[at]), text(&r[gain])))
        .collect();
    assert_eq!(
        agency,
        vec![
            ("3324/DPMPTSP/PBG".into(), "10.42".into()),
            ("3324/DPMPTSP/NIB".into(), "8.33".into()),
        ]
    );

    let trend = sheet(&out, "Trend");
    let got: Vec<Vec<String>> = trend.iter().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(
        got[0],
        vec!["Year", "Source", "Score", "Category", "Change"]
    );
    assert_eq!(got[1], vec!["2018", "published", "60.87", "C", ""]);
    assert_eq!(got[4], vec!["2022", "published", "93.47", "A", "20.59"]);
    assert_eq!(
        got[5],
        vec![
            "now",
            "cycle default (assessment), incomplete",
            "37.08",
            "merah",
            "-56.39"
        ]
    );
    // The trend is drawn: a native line chart in the workbook.
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut chart = String::new();
    std::io::Read::read_to_string(
        &mut z.by_name("xl/charts/chart1.xml").expect("a chart"),
        &mut chart,
    )
    .unwrap();
    assert!(chart.contains("<c:lineChart>"), "{chart}");
}

#[test]
fn history_files_are_refused_by_line_with_nothing_changed() {
    let env = agency();
    let before = common::dump(&env.db);
    let bad = env.write(
        "bad.csv",
        "agency,year,score,category\n\
         3324,2018,60.87,C\n\
         3324,2030,70.66,C\n\
         3324,2012,50,D\n\
         3324,2021,100.5,A\n\
         3324,2019,-1,E\n\
         9999,2022,93.47,A\n",
    );
    let err = env.fails(&["history", "import", &bad]);
    for expected in [
        "bad.csv: 4 problem(s); nothing was imported",
        "line 3: year 2030 is not a year of a published result",
        "line 4: year 2012 is not a year of a published result: give a year from 2013",
        "line 5: score \"100.5\" is above 100",
        "line 6: score \"-1\" is not a score",
    ] {
        assert!(err.contains(expected), "{expected:?} not in:\n{err}");
    }
    // A file whose lines are all well formed, but one names an agency the database does
    // not hold: refused whole (its other lines are not imported either).
    let unknown = env.write(
        "unknown.csv",
        "agency,year,score,category\n3324,2018,60.87,C\n\n9999,2022,93.47,A\n",
    );
    let err = env.fails(&["history", "import", &unknown]);
    assert!(
        err.contains("unknown.csv: 1 problem(s); nothing was imported")
            && err.contains("line 4: agency 9999 is not in")
            && err.contains("patuh assignment import FILE"),
        "{err}"
    );
    assert_eq!(common::dump(&env.db), before, "nothing changed");
    assert!(
        env.ok(&["history", "list"]).contains("No published scores"),
        "nothing was imported"
    );
    assert_eq!(env.ok(&["history", "list", "--json"]).trim(), "[]");

    // The good file: imported once, the same again changes nothing.
    let good = env.write("kendal.csv", HISTORY);
    let first = env.ok(&["history", "import", &good]);
    assert!(first.contains("4 scores added"), "{first}");
    let again = env.ok(&["history", "import", &good]);
    assert!(
        again.contains("is already imported (4 scores held); nothing changed"),
        "{again}"
    );
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["history", "list", "--agency", "3324", "--json"])).unwrap();
    let got: Vec<(i64, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["year"].as_i64().unwrap(),
                x["score"].to_string(),
                x["category"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (2018, "60.87".into(), "C".into()),
            (2019, "70.66".into(), "C".into()),
            (2021, "72.88".into(), "kuning".into()),
            (2022, "93.47".into(), "A".into()),
        ]
    );
    assert_eq!(list[0]["name"], "Pemerintah Kabupaten Kendal");
    assert_eq!(list[0]["imported_by"], "Siti Rahma");

    // Another score for a year held: refused with the line, unless --replace.
    let fixed = env.write(
        "koreksi.csv",
        "instansi;tahun;nilai;kategori\n3324;2019;70,76;C\n3374;2022;80;B\n",
    );
    let err = env.fails(&["history", "import", &fixed]);
    assert!(
        err.contains("line 2: agency 3324 2019 is held as 70.66 (C)")
            && err.contains("this file says 70.76 (C): pass --replace"),
        "{err}"
    );
    assert!(
        !env.ok(&["history", "list"]).contains("3374"),
        "nothing imported"
    );
    let held = common::dump(&env.db);
    env.fails(&["history", "import", &fixed]);
    assert_eq!(common::dump(&env.db), held, "nothing changed");
    let replaced = env.ok(&["history", "import", "--replace", &fixed]);
    assert!(
        replaced.contains("1 scores added, 1 replaced"),
        "{replaced}"
    );
    let list = env.ok(&["history", "list"]);
    assert!(list.contains("2019   70.76  C"), "{list}");
    assert!(!list.contains("70.66"), "{list}");
    // The database still checks (the history is not part of the audit log).
    env.ok(&["check"]);
}

#[test]
fn the_trend_is_in_the_report_only_when_there_is_history() {
    let env = agency();
    let md = env.path("laporan.md");
    let m = md.to_str().unwrap();
    env.ok(&["report", "--format", "md", "--lang", "en", "--out", m]);
    let before = std::fs::read_to_string(&md).unwrap();
    assert!(
        !before.contains("## Agencies' scores year by year"),
        "{before}"
    );

    let h = env.write("h.csv", HISTORY);
    env.ok(&["history", "import", &h]);
    env.ok(&["report", "--format", "md", "--lang", "en", "--out", m]);
    let after = std::fs::read_to_string(&md).unwrap();
    let trend = section(&after, "## Agencies' scores year by year", "## ");
    in_order(
        trend,
        &[
            "| 3324 | Pemerintah Kabupaten Kendal | Regency | 2018 | published | 60.87 | C |  |",
            "| 3324 | Pemerintah Kabupaten Kendal | Regency | 2019 | published | 70.66 | C | 9.79 |",
            "| 3324 | Pemerintah Kabupaten Kendal | Regency | 2021 | published | 72.88 | kuning | 2.22 |",
            "| 3324 | Pemerintah Kabupaten Kendal | Regency | 2022 | published | 93.47 | A | 20.59 |",
            "| 3324 | Pemerintah Kabupaten Kendal | Regency | now | cycle default (assessment), incomplete | 37.08 | merah | -56.39 |",
        ],
    );
    // Semarang has no published score and one point only: not listed.
    assert!(!trend.contains("3374"), "{trend}");
    // The xlsx has it as a sheet, in the report language.
    let x = env.path("laporan.xlsx");
    env.ok(&[
        "report",
        "--format",
        "xlsx",
        "--out",
        x.to_str().unwrap(),
        "--lang",
        "id",
    ]);
    let rows = sheet(&x, "Tren");
    assert_eq!(text(&rows[1][3]), "2018");
    assert_eq!(
        text(&rows[5][4]),
        "siklus default (penilaian), belum lengkap"
    );
}

#[test]
fn the_mentoring_report_refuses_what_it_cannot_do() {
    let env = agency();
    let out = env.path("x.md");
    let o = out.to_str().unwrap();
    let err = env.fails(&["report", "--agency", "0000", "--format", "md", "--out", o]);
    assert!(
        err.contains("no agency \"0000\"") && err.contains("3324"),
        "{err}"
    );
    let err = env.fails(&["report", "--agency", "3324", "--format", "csv", "--out", o]);
    assert!(err.contains("md, xlsx or html"), "{err}");
    let err = env.fails(&["report", "--format", "html", "--out", o]);
    assert!(err.contains("add --agency CODE"), "{err}");
    assert!(!out.exists(), "nothing written");
}

// ---------------------------------------------------------------------------------
// A dataset in memory with units' and agencies' own answers (format 2).

/// The instrument of docs/instrument-format.md's worked example (as in
/// tests/model_levels.rs): dimensions at three levels, weights 20/40/25/15.
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
    {"id": "in-tahu", "dimension": "in", "label": {"id": "Pengetahuan", "en": "Knowledge"}, "weight": 2,
     "source": "interview", "role": "staf", "scale": {"max": 3}},
    {"id": "in-sarana", "dimension": "in", "label": {"id": "Sarana", "en": "Facilities"}, "weight": 1, "scale": {"max": 3}},
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
  ]
}"#;

fn ix(ds: &Dataset, node: NodeRef, id: &str) -> IndicatorIx {
    IndicatorIx::new(
        ds.instrument_of(node)
            .indicator_index(id)
            .unwrap_or_else(|| panic!("no indicator {id}")),
    )
}

fn respondent(
    ds: &mut Dataset,
    node: NodeRef,
    role: &str,
    answers: &[(&str, patuh::domain::Value)],
) {
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
}

/// The worked example of tests/model_levels.rs: one agency (own answers: users'
/// perception 3, N/A, 2; IKM 82.35), unit 1 (staff 3 and 2, facilities 3, complaint
/// officials N/A, N/A; products p1 `pr-a` 2 `pr-b` 1 and p2 `pr-a` 3 `pr-b` N/A) and
/// unit 2 (no product; staff 1 answered 1, staff 2 not yet; facilities unanswered, a
/// note; complaint officials 2 and 3).
fn levels() -> Dataset {
    let instrument = Instrument::parse(MIXED).expect("valid");
    let n = instrument.indicators.len();
    let mut ds = Dataset {
        instruments: vec![instrument],
        ..Dataset::default()
    };
    let a = ds.agencies.push(Agency {
        db_id: 1,
        code: "A0".into(),
        name: "Agency 0".into(),
        kind: Kind::Pemkab,
        instrument: 0,
        units: Vec::new(),
    });
    for (j, products) in [2usize, 0].into_iter().enumerate() {
        let u = ds.units.push(Unit {
            db_id: j as i64 + 1,
            code: format!("U{j}"),
            name: format!("Unit {j}"),
            agency: a,
            products: Vec::new(),
        });
        ds.agencies[a].units.push(u);
        for m in 0..products {
            let p = ds.products.push(Product {
                db_id: m as i64 + 1,
                code: format!("P{m}"),
                name: format!("Product {m}"),
                unit: u,
                finalized: false,
                values: vec![patuh::domain::Value::Unanswered; n],
                notes: vec![String::new(); n].into(),
                evidence: vec![0; n].into(),
            });
            ds.units[u].products.push(p);
        }
    }
    let an = NodeRef::Agency(AgencyIx::new(0));
    let (u1, u2) = (NodeRef::Unit(UnitIx::new(0)), NodeRef::Unit(UnitIx::new(1)));
    let p1 = NodeRef::Product(patuh::domain::model::ProductIx::new(0));
    let p2 = NodeRef::Product(patuh::domain::model::ProductIx::new(1));
    for v in [L(3), NA, L(2)] {
        respondent(&mut ds, an, "warga", &[("out-rasa", v)]);
    }
    let ikm = ix(&ds, an, "out-ikm");
    let value = patuh::domain::model::DataValue::parse(
        &ds.instrument_of(an).indicators[ikm.index()],
        "82.35",
        "KemenPAN-RB 2024",
    )
    .expect("data");
    ds.set_data(an, ikm, Some(value)).expect("data");
    respondent(&mut ds, u1, "staf", &[("in-tahu", L(3))]);
    respondent(&mut ds, u1, "staf", &[("in-tahu", L(2))]);
    let set = |ds: &mut Dataset, node, id, v| {
        let i = ix(ds, node, id);
        ds.set_value(node, i, v).expect("set");
    };
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
    let sarana = ix(&ds, u2, "in-sarana");
    ds.set_note(u2, sarana, "Ruang tunggu tanpa kursi prioritas".into())
        .expect("note");
    ds
}

fn context(lang: Lang) -> Context {
    Context {
        lang,
        database: "memory".into(),
        generated_at: "2026-03-01T08:00:00Z".into(),
        cycle: "siklus 2026-pendampingan (pendampingan)".into(),
        trend: Vec::new(),
    }
}

/// Fulfils a unit's interview indicator: every respondent of its role at the top.
fn top_interview(ds: &mut Dataset, node: NodeRef, id: &str) {
    let i = ix(ds, node, id);
    let inst = ds.instrument_of(node);
    let ind = &inst.indicators[i.index()];
    let role = ind.source.role().expect("an interview");
    let max = ind.max;
    let all: Vec<_> = ds.roster(node, role).into_iter().map(|(r, _)| r).collect();
    for r in all {
        ds.set_respondent_value(node, r, i, patuh::domain::Value::level(max))
            .expect("answer");
    }
}

/// From tests/model_levels.rs: unit 2 at 62.76 (C) reaches B with in-tahu (+400/27) and
/// in-sarana (+100/9): 54223/864 + 400/27 + 100/9 = 25541/288 = 88.68 A. The agency at
/// 74.61 (C) reaches B with unit 2's in-tahu alone (+200/27). Unit 1 at 86.46 (B)
/// reaches A with p1's pr-a (+100/17). Each projection equals the score of the dataset
/// with the path fulfilled.
#[test]
fn units_and_agencies_with_their_own_answers_get_their_path_and_projection() {
    let ds = levels();
    let book = ScoreBook::compute(&ds);
    let m = mentoring::build_from(&ds, &book, AgencyIx::new(0), context(Lang::Id));
    let u2 = &m.units[1].node;
    let Outlook::Next {
        target,
        points,
        fixes,
        reachable,
        projected,
    } = &u2.outlook
    else {
        panic!("unit 2 has a path: {:?}", u2.outlook);
    };
    assert_eq!(u2.now.as_ref().map(|g| g.score), Some(Rounded(6276)));
    assert_eq!(
        (target.code.as_str(), *points, *reachable),
        ("B", Rounded(1524), true)
    );
    let got: Vec<(&str, &str, Option<BigRational>, BigRational, &str)> = fixes
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.indicator.as_str(),
                f.value.clone(),
                f.gain.clone(),
                f.note.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("A0/U1", "in-tahu", Some(r(1, 1)), r(400, 27), ""),
            (
                "A0/U1",
                "in-sarana",
                None,
                r(100, 9),
                "Ruang tunggu tanpa kursi prioritas"
            ),
        ]
    );
    assert_eq!(
        (projected.score, projected.band.code.as_str()),
        (Rounded(8868), "A")
    );
    // Fulfilled, the dataset scores what was projected.
    let mut done = ds.clone();
    let u2n = NodeRef::Unit(UnitIx::new(1));
    top_interview(&mut done, u2n, "in-tahu");
    let i = ix(&done, u2n, "in-sarana");
    done.set_value(u2n, i, L(3)).expect("set");
    let after = ScoreBook::compute(&done);
    assert_eq!(
        after.summary(&done, u2n).score,
        Some(r(25541, 288)),
        "exactly what the path said"
    );

    let agency = &m.agency;
    let Outlook::Next {
        fixes, projected, ..
    } = &agency.outlook
    else {
        panic!("the agency has a path");
    };
    assert_eq!(agency.now.as_ref().map(|g| g.score), Some(Rounded(7461)));
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        (fixes[0].path.as_str(), fixes[0].indicator.as_str()),
        ("A0/U1", "in-tahu")
    );
    assert_eq!(fixes[0].gain, r(200, 27));
    let mut done = ds.clone();
    top_interview(&mut done, u2n, "in-tahu");
    let an = NodeRef::Agency(AgencyIx::new(0));
    let exact = ScoreBook::compute(&done)
        .summary(&done, an)
        .score
        .expect("score");
    assert_eq!(
        exact,
        book.summary(&ds, an).score.expect("score") + r(200, 27),
        "the gain adds up exactly"
    );
    assert_eq!(projected.score, Rounded::of(&exact));
    assert_eq!(projected.band.code, "B");

    let u1 = &m.units[0].node;
    let Outlook::Next {
        fixes, projected, ..
    } = &u1.outlook
    else {
        panic!("unit 1 has a path");
    };
    assert_eq!(
        fixes
            .iter()
            .map(|f| (f.path.as_str(), f.indicator.as_str()))
            .collect::<Vec<_>>(),
        vec![("A0/U0/P0", "pr-a")]
    );
    assert_eq!(projected.band.code, "A");

    // Written, in both languages: the unit's own indicators with where they are.
    let md = mentoring_out::to_md(&m);
    let unit = section(&md, "## Unit layanan U1", "\n---\n");
    in_order(
        unit,
        &[
            "Sekarang: **62.76 (C, Kualitas Sedang)**",
            "| 1 | U1 (Unit 1) | Pengetahuan (in-tahu) | Input | 1 dari 3 | +14.81 |",
            "| 2 | U1 (Unit 1) | Sarana (in-sarana) | Input | belum diisi | +11.11 | Ruang tunggu tanpa kursi prioritas |",
            "Nilai bila diperbaiki: **88.68 (A, Kualitas Tertinggi)**",
        ],
    );
    let en = mentoring_out::to_md(&mentoring::build_from(
        &ds,
        &book,
        AgencyIx::new(0),
        context(Lang::En),
    ));
    let unit = section(&en, "## Service unit U1", "\n---\n");
    in_order(
        unit,
        &[
            "Now: **62.76 (C, Medium quality)**",
            "| 1 | U1 (Unit 1) | Knowledge (in-tahu) | Input | 1 of 3 | +14.81 |",
            "| 2 | U1 (Unit 1) | Facilities (in-sarana) | Input | unanswered | +11.11 |",
            "Score once fixed: **88.68 (A, Highest quality)**",
        ],
    );
    let html = mentoring_out::to_html(&m);
    assert!(!html.to_lowercase().contains("<script"));
    assert!(
        html.contains("<span class=\"score\">88.68</span>"),
        "{html}"
    );
}

/// On a central database a history import that changes something is a row of its own
/// log, as an assignment import is; the same file again adds none; `check` passes.
#[test]
fn a_history_import_is_a_row_of_a_central_databases_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("central.db");
    let mut store = patuh::exchange::merge::open_central(&db).expect("central");
    store
        .import_instrument(&Instrument::parse(INSTRUMENT).expect("valid"))
        .expect("instrument");
    store
        .import_assignment(
            &patuh::domain::assignment::Assignment::parse(ASSIGNMENT).expect("valid"),
            "assignment.json",
        )
        .expect("assignment");
    let lines = patuh::domain::history::parse_csv(HISTORY, 2026).expect("valid");
    let o = store
        .import_history(&lines, "kendal.csv", "5ha", false)
        .expect("import");
    assert_eq!((o.added, o.replaced, o.unchanged), (4, 0, 0));
    let o = store
        .import_history(&lines, "kendal.csv", "5ha", false)
        .expect("again");
    assert_eq!((o.added, o.replaced, o.unchanged), (0, 0, 4));
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let rows = patuh::store::central_log::rows(&conn).expect("log");
    let history: Vec<(String, String, String)> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r.action == patuh::store::HISTORY)
        .map(|r| (r.subject.clone(), r.sha256.clone(), r.detail.clone()))
        .collect();
    assert_eq!(
        history,
        vec![(
            "kendal.csv".to_string(),
            "5ha".to_string(),
            "4 added, 0 replaced".to_string()
        )]
    );
    drop(conn);
    let out = common::patuh(dir.path())
        .args(["--db", db.to_str().unwrap(), "check"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
