//! A realistic, deterministic data generator for size tests and benchmarks
//! (`patuh gen`): agency kinds in the 2021 proportions, about 9 units per agency and
//! 7.5 products per unit, observations with a realistic spread of zones, notes of
//! varied length and language, some N/A, several assessors, and a valid audit chain.
//! The same seed always gives the same database content.

use std::path::Path;

use rand::distr::{Distribution, Uniform};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::params;

use crate::domain::Instrument;
use crate::domain::model::Kind;
use crate::store::audit::{self, AuditRow, GENESIS};
use crate::store::{Result, Store, StoreError};

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One province: the provincial government and its 11 regencies and cities.
    Province,
    /// The nation: 24 ministries, 15 institutions, 34 provinces, 98 cities, 416 regencies.
    National,
    /// A handful of agencies, for smoke tests.
    Tiny,
}

impl Scale {
    fn kinds(self) -> Vec<(Kind, usize)> {
        match self {
            Scale::National => vec![
                (Kind::Kementerian, 24),
                (Kind::Lembaga, 15),
                (Kind::Pemprov, 34),
                (Kind::Pemkot, 98),
                (Kind::Pemkab, 416),
            ],
            Scale::Province => vec![(Kind::Pemprov, 1), (Kind::Pemkot, 2), (Kind::Pemkab, 9)],
            Scale::Tiny => vec![(Kind::Pemprov, 1), (Kind::Pemkot, 1), (Kind::Pemkab, 1)],
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub agencies: usize,
    pub units: usize,
    pub products: usize,
    pub observations: usize,
    pub audit_rows: usize,
}

const PROVINCES: [&str; 34] = [
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Jambi",
    "Sumatera Selatan",
    "Bengkulu",
    "Lampung",
    "Kepulauan Bangka Belitung",
    "Kepulauan Riau",
    "DKI Jakarta",
    "Jawa Barat",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Banten",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Sulawesi Tengah",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Gorontalo",
    "Sulawesi Barat",
    "Maluku",
    "Maluku Utara",
    "Papua Barat",
    "Papua",
];

const MINISTRIES: [&str; 8] = [
    "Kementerian Dalam Negeri",
    "Kementerian Kesehatan",
    "Kementerian Agama",
    "Kementerian Hukum",
    "Kementerian Perhubungan",
    "Kementerian Ketenagakerjaan",
    "Kementerian Sosial",
    "Kementerian Agraria dan Tata Ruang",
];

const SYLLABLES: [&str; 24] = [
    "wai", "ma", "lu", "ka", "ra", "te", "no", "si", "ba", "tu", "la", "pa", "ru", "me", "ngo",
    "sa", "ho", "ke", "da", "ri", "bu", "lo", "an", "gi",
];

/// (unit code, unit name, products)
const UNITS: [(&str, &str, &[&str]); 12] = [
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan PTSP",
        &[
            "NIB",
            "PBG",
            "SIP",
            "IZIN-REKLAME",
            "SIUP",
            "TDUP",
            "IZIN-LINGKUNGAN",
            "SLF",
        ],
    ),
    (
        "DUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        &[
            "KTP-EL",
            "KK",
            "AKTA-LAHIR",
            "AKTA-MATI",
            "KIA",
            "PINDAH",
            "AKTA-KAWIN",
            "AKTA-CERAI",
        ],
    ),
    (
        "RSUD",
        "Rumah Sakit Umum Daerah",
        &[
            "RAWAT-JALAN",
            "RAWAT-INAP",
            "IGD",
            "LAB",
            "RADIOLOGI",
            "FARMASI",
            "HEMODIALISA",
        ],
    ),
    (
        "PUSKESMAS",
        "Puskesmas",
        &[
            "RAWAT-JALAN",
            "ANC",
            "IMUNISASI",
            "POLI-GIGI",
            "KB",
            "GIZI",
            "LAB",
        ],
    ),
    (
        "SAMSAT",
        "Kantor Bersama Samsat",
        &["PKB", "STNK-TAHUNAN", "STNK-5TAHUN", "BBNKB", "MUTASI"],
    ),
    (
        "DISHUB",
        "Dinas Perhubungan",
        &["UJI-KIR", "TRAYEK", "PARKIR", "ANDALALIN"],
    ),
    (
        "DINKES",
        "Dinas Kesehatan",
        &[
            "SIP-DOKTER",
            "SIP-BIDAN",
            "SIP-PERAWAT",
            "IZIN-APOTEK",
            "PIRT",
        ],
    ),
    (
        "DISDIK",
        "Dinas Pendidikan",
        &[
            "LEGALISIR",
            "MUTASI-SISWA",
            "IZIN-SEKOLAH",
            "PENGGANTI-IJAZAH",
        ],
    ),
    (
        "DINSOS",
        "Dinas Sosial",
        &["DTKS", "REKOMENDASI-PBI", "BANSOS", "DISABILITAS"],
    ),
    (
        "DISNAKER",
        "Dinas Tenaga Kerja",
        &["AK1", "LPK", "PHI", "WAJIB-LAPOR"],
    ),
    (
        "KANWIL",
        "Kantor Wilayah",
        &[
            "PASPOR",
            "SERTIFIKAT",
            "LEGALISASI",
            "PENDAFTARAN",
            "PENGADUAN",
            "KONSULTASI",
        ],
    ),
    (
        "BAPENDA",
        "Badan Pendapatan Daerah",
        &["PBB", "BPHTB", "PAJAK-HOTEL", "PAJAK-RESTORAN"],
    ),
];

const NOTES_ID: [&str; 8] = [
    "Dipajang di papan informasi dekat loket.",
    "Tidak ditemukan di ruang pelayanan maupun situs web.",
    "Ada, tetapi sudah usang (tahun 2019) dan tidak terbaca.",
    "Petugas menunjukkan SK, belum dipublikasikan.",
    "Ramp ada di pintu depan, tanpa pegangan tangan.",
    "Kotak saran ada; tidak ada petugas pengaduan.",
    "Maklumat pelayanan ditandatangani kepala dinas 📝",
    "Survei kepuasan dilakukan tiap semester; hasil belum diumumkan.",
];

const NOTES_EN: [&str; 4] = [
    "Posted at the counter, legible.",
    "Not found on site; the website link is broken.",
    "Queue machine out of order during the visit.",
    "Brochure only in Indonesian — OK.",
];

fn place_name(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(2..=3);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(SYLLABLES.choose(rng).copied().unwrap_or("ma"));
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

fn note(rng: &mut ChaCha8Rng) -> String {
    let base = if rng.random_bool(0.8) {
        NOTES_ID.choose(rng).copied().unwrap_or_default()
    } else {
        NOTES_EN.choose(rng).copied().unwrap_or_default()
    };
    // Some long notes, as assessors sometimes write whole paragraphs.
    let repeat = if rng.random_bool(0.05) {
        rng.random_range(2..8)
    } else {
        1
    };
    vec![base; repeat].join(" ")
}

/// The provincial offices (Perwakilan) of the national data set.
pub const OFFICES: usize = PROVINCES.len();

/// The office (0..[`OFFICES`]) that assesses the `k`-th agency of a kind, `n` being
/// the agency's place among all agencies: a province's own government, cities and
/// regencies go to its office; ministries and institutions are spread over all 34.
fn office_of(kind: Kind, k: usize, n: usize) -> usize {
    match kind {
        Kind::Pemprov | Kind::Pemkot | Kind::Pemkab => k % OFFICES,
        Kind::Kementerian | Kind::Lembaga => n % OFFICES,
    }
}

/// Generates a data set into a new database at `path` (which must not exist), using the
/// shipped instrument `kepatuhan-2021`.
pub fn generate(path: &Path, scale: Scale, seed: u64) -> Result<Generated> {
    generate_part(path, scale, seed, None)
}

/// Generates the part of a data set that one provincial office assesses (`office` in
/// 0..[`OFFICES`]): the same agencies, units, products and observations as in the whole
/// set of that seed, with an audit chain of its own, as that office's workstation
/// would hold them. The 34 parts of a seed together are the whole set, so merging
/// their exports centrally gives the scores of the whole set.
pub fn generate_office(path: &Path, scale: Scale, seed: u64, office: usize) -> Result<Generated> {
    if office >= OFFICES {
        return Err(StoreError::Refused(format!(
            "office {office} does not exist: the provincial offices are numbered 0..{}",
            OFFICES - 1
        )));
    }
    generate_part(path, scale, seed, Some(office))
}

fn generate_part(path: &Path, scale: Scale, seed: u64, only: Option<usize>) -> Result<Generated> {
    if path.exists() {
        return Err(StoreError::Refused(format!(
            "{}: already exists; `patuh gen` writes a new database only (choose another --db)",
            path.display()
        )));
    }
    let mut store = Store::open_or_create(path)?;
    let instrument = Instrument::parse(crate::shipped::INSTRUMENTS[0].1)
        .map_err(|p| StoreError::Refused(format!("built-in instrument is invalid: {}", p[0])))?;
    store.import_instrument(&instrument)?;
    let db = path.to_path_buf();
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: db.clone(),
        source: e,
    };
    let instrument_id: i64 = store
        .conn()
        .query_row(
            "SELECT id FROM instrument WHERE code = ?1",
            [&instrument.id],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Generated::default();
    let tx = store.conn().unchecked_transaction().map_err(sql)?;
    let mut chain = Chain {
        seq: 0,
        prev_hash: GENESIS.to_string(),
    };
    {
        let mut ins_agency = tx
            .prepare("INSERT INTO agency (code, name, kind, instrument_id) VALUES (?1, ?2, ?3, ?4)")
            .map_err(sql)?;
        let mut ins_unit = tx
            .prepare("INSERT INTO unit (agency_id, code, name) VALUES (?1, ?2, ?3)")
            .map_err(sql)?;
        let mut ins_product = tx
            .prepare("INSERT INTO product (unit_id, code, name, finalized_at, finalized_by) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(sql)?;
        let mut ins_obs = tx
            .prepare(
                "INSERT INTO observation (product_id, indicator, value, na, note, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sql)?;
        let mut ins_audit = tx.prepare(audit::INSERT_SQL).map_err(sql)?;
        let units_per_agency =
            Uniform::new_inclusive(4usize, 14).map_err(|e| StoreError::Refused(e.to_string()))?;
        let mut tick = 0u64;
        // Every random draw is made whether or not its rows are written, so that a
        // part holds exactly what the whole set holds for its agencies.
        let mut n = 0usize;
        for (kind, count) in scale.kinds() {
            for k in 0..count {
                let write = only.is_none_or(|o| o == office_of(kind, k, n));
                let province = PROVINCES[(k + n) % PROVINCES.len()];
                n += 1;
                let (code, name) = match kind {
                    Kind::Kementerian => (
                        format!("K{:03}", k + 1),
                        format!(
                            "{} {}",
                            MINISTRIES[k % MINISTRIES.len()],
                            if k >= MINISTRIES.len() {
                                format!("(Ditjen {})", k / MINISTRIES.len())
                            } else {
                                String::new()
                            }
                        )
                        .trim()
                        .to_string(),
                    ),
                    Kind::Lembaga => (
                        format!("L{:03}", k + 1),
                        format!("Badan {}", place_name(&mut rng)),
                    ),
                    Kind::Pemprov => (
                        format!("{}", 11 + k),
                        format!("Pemerintah Provinsi {province}"),
                    ),
                    Kind::Pemkot => (
                        format!("{}{:02}", 11 + k % 34, 71 + k / 34),
                        format!("Pemerintah Kota {}", place_name(&mut rng)),
                    ),
                    Kind::Pemkab => (
                        format!("{}{:02}", 11 + k % 34, 1 + k / 34),
                        format!("Pemerintah Kabupaten {}", place_name(&mut rng)),
                    ),
                };
                let agency_id = if write {
                    ins_agency
                        .execute(params![code, name, kind.as_str(), instrument_id])
                        .map_err(sql)?;
                    out.agencies += 1;
                    tx.last_insert_rowid()
                } else {
                    0
                };
                let assessor = format!("Asisten {} {}", province, rng.random_range(1..=4));
                // The agency's compliance level drives its zone: spread over red..green.
                let quality: f64 = rng.random_range(0.25..1.0f64).powf(0.7);
                let n_units = units_per_agency.sample(&mut rng);
                let mut chosen: Vec<usize> = (0..UNITS.len()).collect();
                chosen.sort_by_key(|_| rng.random::<u32>());
                for (ui, &ut) in chosen.iter().cycle().take(n_units).enumerate() {
                    let (ucode, uname, products) = UNITS[ut];
                    let ucode = if ui >= UNITS.len() {
                        format!("{ucode}-{}", ui / UNITS.len() + 1)
                    } else {
                        ucode.to_string()
                    };
                    let unit_id = if write {
                        ins_unit
                            .execute(params![
                                agency_id,
                                ucode,
                                format!("{uname} {}", name.trim_start_matches("Pemerintah "))
                            ])
                            .map_err(sql)?;
                        out.units += 1;
                        tx.last_insert_rowid()
                    } else {
                        0
                    };
                    let unit_quality =
                        (quality + rng.random_range(-0.15..0.15f64)).clamp(0.05, 1.0);
                    let n_products = rng.random_range(5..=10usize);
                    for pi in 0..n_products {
                        let base = products[pi % products.len()];
                        let pcode = if pi >= products.len() {
                            format!("{base}-{}", pi / products.len() + 1)
                        } else {
                            base.to_string()
                        };
                        let pcode = pcode.as_str();
                        let product_path = format!("{code}/{ucode}/{pcode}");
                        let finalized = rng.random_bool(0.3);
                        let product_id = if write {
                            ins_product
                                .execute(params![
                                    unit_id,
                                    pcode,
                                    pcode.replace('-', " "),
                                    None::<String>,
                                    None::<String>
                                ])
                                .map_err(sql)?;
                            out.products += 1;
                            tx.last_insert_rowid()
                        } else {
                            0
                        };
                        // Some products are still being assessed.
                        let answered_share = if finalized || rng.random_bool(0.8) {
                            1.0
                        } else {
                            rng.random_range(0.2..0.9f64)
                        };
                        for ind in &instrument.indicators {
                            if !rng.random_bool(answered_share) {
                                continue;
                            }
                            tick += 1;
                            let na = rng.random_bool(0.03);
                            let value: Option<i64> = if na {
                                None
                            } else {
                                let p = (unit_quality * 1.15 - 0.05).clamp(0.0, 1.0);
                                Some(if ind.max == 1 {
                                    i64::from(rng.random_bool(p))
                                } else {
                                    (0..ind.max).filter(|_| rng.random_bool(p)).count() as i64
                                })
                            };
                            let note = if rng.random_bool(0.1) {
                                note(&mut rng)
                            } else {
                                String::new()
                            };
                            if !write {
                                continue;
                            }
                            let at = stamp(tick);
                            ins_obs
                                .execute(params![
                                    product_id,
                                    ind.id,
                                    value,
                                    i64::from(na),
                                    note,
                                    at,
                                    assessor
                                ])
                                .map_err(sql)?;
                            out.observations += 1;
                            let new = if na {
                                "N/A".to_string()
                            } else {
                                value.map(|v| v.to_string()).unwrap_or_default()
                            };
                            let mut entries = vec![("value", String::new(), new)];
                            if !note.is_empty() {
                                entries.push(("note", String::new(), note));
                            }
                            for (action, old, new) in entries {
                                chain
                                    .push(
                                        &mut ins_audit,
                                        AuditRow {
                                            seq: 0,
                                            at: at.clone(),
                                            who: assessor.clone(),
                                            product: product_path.clone(),
                                            indicator: Some(ind.id.clone()),
                                            action: action.into(),
                                            old: Some(old),
                                            new: Some(new),
                                            prev_hash: String::new(),
                                        },
                                    )
                                    .map_err(sql)?;
                            }
                        }
                        if finalized {
                            tick += 1;
                        }
                        if finalized && write {
                            let at = stamp(tick);
                            tx.execute(
                                "UPDATE product SET finalized_at = ?1, finalized_by = ?2 WHERE id = ?3",
                                params![at, assessor, product_id],
                            )
                            .map_err(sql)?;
                            chain
                                .push(
                                    &mut ins_audit,
                                    AuditRow {
                                        seq: 0,
                                        at,
                                        who: assessor.clone(),
                                        product: product_path.clone(),
                                        indicator: None,
                                        action: "finalize".into(),
                                        old: None,
                                        new: None,
                                        prev_hash: String::new(),
                                    },
                                )
                                .map_err(sql)?;
                        }
                    }
                }
            }
        }
    }
    // The observations made every product's digest stale (src/store/digest.rs).
    crate::store::digest::refresh_stale(&tx).map_err(sql)?;
    tx.commit().map_err(sql)?;
    out.audit_rows = chain.seq as usize;
    Ok(out)
}

/// The audit chain being written: numbers and links each row to the one before.
struct Chain {
    seq: i64,
    prev_hash: String,
}

impl Chain {
    fn push(
        &mut self,
        stmt: &mut rusqlite::Statement<'_>,
        mut row: AuditRow,
    ) -> rusqlite::Result<()> {
        self.seq += 1;
        row.seq = self.seq;
        row.prev_hash = std::mem::take(&mut self.prev_hash);
        self.prev_hash = row.insert(stmt)?;
        Ok(())
    }
}

/// A deterministic timestamp: `tick` times 3 seconds after the campaign start.
fn stamp(tick: u64) -> String {
    let t =
        time::macros::datetime!(2021-06-01 08:00 UTC) + time::Duration::seconds(tick as i64 * 3);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "2021-06-01T08:00:00Z".into())
}
