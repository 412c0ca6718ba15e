//! The report's metadata table ("Keterangan"/"About"): when and from which database
//! it was made, the instruments with their hashes, on a central database the export
//! files merged into it, the rule for what was not assessed, and what every column of
//! every table means. It is the last sheet of the xlsx, so that a reader of the
//! workbook alone knows where its numbers come from.

use super::report::{Cell, Table, tr};
use crate::domain::{Instrument, Lang};
use crate::store::MergedFile;

/// What the metadata table says besides the tables.
pub struct Context<'a> {
    pub lang: Lang,
    pub database: &'a str,
    pub generated_at: &'a str,
    pub central: bool,
    pub instruments: &'a [Instrument],
    pub files: &'a [MergedFile],
    /// The merged files signed by a key revoked since, by payload SHA-256.
    pub revoked: &'a std::collections::HashMap<String, crate::store::RevokedKey>,
    /// `report --approved-only`: only approved work counts.
    pub approved_only: bool,
}

fn row(section: &str, item: &str, value: String) -> Vec<Cell> {
    vec![
        Cell::Text(section.into()),
        Cell::Text(item.into()),
        Cell::Text(value.into()),
    ]
}

/// The metadata table of a report made of `tables`.
pub fn table(c: &Context<'_>, tables: &[Table]) -> Table {
    let lang = c.lang;
    let t = |id: &str, en: &str| tr(lang, id, en);
    let mut rows = Vec::new();
    let report = t("Laporan", "Report");
    rows.push(row(
        &report,
        &t("Dibuat", "Generated at"),
        c.generated_at.to_string(),
    ));
    rows.push(row(
        &report,
        &t("Basis data", "Database"),
        format!(
            "{} ({})",
            c.database,
            if c.central {
                t("basis data pusat", "central database")
            } else {
                t("basis data penilai", "assessor's workstation")
            }
        ),
    ));
    rows.push(row(
        &report,
        &t("Bahasa", "Language"),
        match lang {
            Lang::Id => "Bahasa Indonesia (id)".into(),
            Lang::En => "English (en)".into(),
        },
    ));
    rows.push(row(
        &report,
        &t("Aturan", "Rule"),
        t(
            "Instansi, unit atau produk yang belum ada jawabannya sama sekali (tidak ada nilai maupun \"tidak berlaku\") \
             belum dinilai: tanpa nilai, peringkat dan zona, dan dicantumkan di lembar \"Belum dinilai\". \
             Yang sudah sebagian dijawab dinilai menurut instrumen (indikator yang belum diisi dihitung 0) \
             dan ditandai \"belum lengkap\" dengan kemajuannya.",
            "An agency, unit or product with no answer at all (no value and no \"not applicable\") is not \
             assessed: it has no score, no rank and no zone, and is listed on the \"Not assessed\" sheet. \
             One partly answered is scored by its instrument (unanswered indicators count as 0) and marked \
             \"incomplete\" with its progress.",
        ),
    ));
    rows.push(row(
        &report,
        &t("Pembulatan", "Rounding"),
        t(
            "Nilai dibulatkan ke dua desimal (setengah menjauhi nol); zona ditentukan dari nilai yang dibulatkan.",
            "Scores are rounded to two decimals (half away from zero); the zone is looked up on the rounded score.",
        ),
    ));
    if c.approved_only {
        rows.push(row(
            &report,
            &t("Hanya yang disetujui", "Approved only"),
            t(
                "Hanya pekerjaan yang disetujui kantor pusat yang dihitung: produk yang disetujui, atau yang \
                 belum ditelaah sendiri sedangkan unitnya (atau, unitnya belum ditelaah, instansinya) disetujui. \
                 Produk lain dilaporkan sebagai belum dinilai.",
                "Only work the central office approved counts: products approved, or not reviewed themselves \
                 while their unit (or, the unit not reviewed, their agency) was approved. Every other product \
                 is reported as not assessed.",
            ),
        ));
    }
    let section = t("Instrumen", "Instrument");
    for i in c.instruments {
        rows.push(row(
            &section,
            &format!("{} v{}", i.id, i.version),
            format!("{} · sha256 {}", i.title.get(lang), i.sha256),
        ));
    }
    let section = t("Berkas ekspor", "Export file");
    for f in c.files {
        rows.push(row(
            &section,
            &f.file_name,
            format!(
                "{} {}, {} {}, {} {}, {} {}, sha256 {}",
                t("penilai", "assessor"),
                f.assessor_id,
                t("diekspor", "exported"),
                f.exported_at,
                t("digabung", "merged"),
                f.merged_at,
                f.products,
                t("produk", "products"),
                f.payload_sha256
            ) + &c
                .revoked
                .get(&f.payload_sha256)
                .map(|k| {
                    format!(
                        "; {} {} ({} {}: {})",
                        t("KUNCI DICABUT", "KEY REVOKED"),
                        k.fingerprint,
                        t("pada", "at"),
                        k.revoked_at,
                        k.reason
                    )
                })
                .unwrap_or_default(),
        ));
    }
    for table in tables {
        for (h, m) in table.headers.iter().zip(&table.meanings) {
            rows.push(row(&table.sheet, h, m.clone()));
        }
    }
    Table {
        key: "about",
        sheet: t("Keterangan", "About"),
        title: t("Keterangan laporan", "About this report"),
        headers: vec![
            t("Bagian", "Section"),
            t("Butir", "Item"),
            t("Isi", "Value"),
        ],
        meanings: vec![
            t(
                "Laporan, instrumen, berkas, atau lembar",
                "Report, instrument, file, or sheet",
            ),
            t("Apa yang diterangkan", "What is described"),
            t("Keterangannya", "The description"),
        ],
        rows,
    }
}
