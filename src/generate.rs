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

use crate::domain::Instrument;
use crate::domain::instrument::Indicator;
use crate::domain::model::Kind;
use crate::store::audit::Entry;
use crate::store::{Bulk, Result, Store, StoreError};

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

/// A new database at `path` with the shipped instrument and the agencies of `scale`
/// (those of office `only`, or all): written whole, then linked into place, so that a
/// failure (a full disk) leaves no database behind.
fn generate_part(path: &Path, scale: Scale, seed: u64, only: Option<usize>) -> Result<Generated> {
    let exists = || {
        StoreError::Refused(format!(
            "{}: already exists; `patuh gen` writes a new database only (choose another --db)",
            path.display()
        ))
    };
    if path.exists() {
        return Err(exists());
    }
    let instrument = Instrument::parse(crate::shipped::INSTRUMENTS[0].1)
        .map_err(|p| StoreError::Refused(format!("built-in instrument is invalid: {}", p[0])))?;
    let mut out = Generated::default();
    Store::create_new(path, |store| {
        store.import_instrument(&instrument)?;
        let instrument_id = store.instrument_db_id(&instrument.id, &instrument.version)?;
        let mut g = Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            bulk: store.bulk()?,
            instrument: &instrument,
            instrument_id,
            only,
            tick: 0,
            out: Generated::default(),
        };
        g.agencies(scale)?;
        out = g.finish()?;
        Ok(())
    })
    .map_err(|e| match e {
        StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
            exists()
        }
        e => e,
    })?;
    Ok(out)
}

/// The generator at work. Every random draw is made whether or not its rows are
/// written, so that an office's part holds exactly what the whole set holds for its
/// agencies; the draws are made in one fixed order (a seed's data never changes).
struct Generator<'a, 's> {
    rng: ChaCha8Rng,
    bulk: Bulk<'s>,
    instrument: &'a Instrument,
    instrument_id: i64,
    /// The office whose agencies are written; None: all.
    only: Option<usize>,
    /// Observations and finalizations drawn so far, written or not: their time.
    tick: u64,
    out: Generated,
}

/// An agency being generated, as its units and products need it.
struct AgencyDraw {
    /// Its database id; 0 when it is not written.
    id: i64,
    code: String,
    name: String,
    write: bool,
    assessor: String,
    /// Its compliance level (0..1): drives its zone.
    quality: f64,
}

impl Generator<'_, '_> {
    /// Every agency of the scale, kind by kind.
    fn agencies(&mut self, scale: Scale) -> Result<()> {
        let units_per_agency =
            Uniform::new_inclusive(4usize, 14).map_err(|e| StoreError::Refused(e.to_string()))?;
        let mut n = 0usize;
        for (kind, count) in scale.kinds() {
            for k in 0..count {
                let write = self.only.is_none_or(|o| o == office_of(kind, k, n));
                let province = PROVINCES[(k + n) % PROVINCES.len()];
                n += 1;
                self.agency(kind, k, province, write, &units_per_agency)?;
            }
        }
        Ok(())
    }

    /// The `k`-th agency of a kind, its units and products.
    fn agency(
        &mut self,
        kind: Kind,
        k: usize,
        province: &str,
        write: bool,
        units_per_agency: &Uniform<usize>,
    ) -> Result<()> {
        let (code, name) = agency_name(&mut self.rng, kind, k, province);
        let id = if write {
            self.out.agencies += 1;
            self.bulk
                .agency(&code, &name, kind.as_str(), self.instrument_id)?
        } else {
            0
        };
        let rng = &mut self.rng;
        let assessor = format!("Asisten {} {}", province, rng.random_range(1..=4));
        // The agency's compliance level drives its zone: spread over red..green.
        let quality: f64 = rng.random_range(0.25..1.0f64).powf(0.7);
        let n_units = units_per_agency.sample(rng);
        let mut chosen: Vec<usize> = (0..UNITS.len()).collect();
        chosen.sort_by_key(|_| rng.random::<u32>());
        let agency = AgencyDraw {
            id,
            code,
            name,
            write,
            assessor,
            quality,
        };
        for (ui, &ut) in chosen.iter().cycle().take(n_units).enumerate() {
            self.unit(&agency, ui, ut)?;
        }
        Ok(())
    }

    /// The `ui`-th unit of an agency, of type `UNITS[ut]`, and its products.
    fn unit(&mut self, agency: &AgencyDraw, ui: usize, ut: usize) -> Result<()> {
        let (ucode, uname, products) = UNITS[ut];
        let ucode = if ui >= UNITS.len() {
            format!("{ucode}-{}", ui / UNITS.len() + 1)
        } else {
            ucode.to_string()
        };
        let unit_id = if agency.write {
            self.out.units += 1;
            let name = format!("{uname} {}", agency.name.trim_start_matches("Pemerintah "));
            self.bulk.unit(agency.id, &ucode, &name)?
        } else {
            0
        };
        let quality = (agency.quality + self.rng.random_range(-0.15..0.15f64)).clamp(0.05, 1.0);
        let n_products = self.rng.random_range(5..=10usize);
        for pi in 0..n_products {
            let base = products[pi % products.len()];
            let pcode = if pi >= products.len() {
                format!("{base}-{}", pi / products.len() + 1)
            } else {
                base.to_string()
            };
            let path = format!("{}/{ucode}/{pcode}", agency.code);
            self.product(agency, unit_id, &pcode, &path, quality)?;
        }
        Ok(())
    }

    /// A product, its observations (some products are still being assessed) and, for
    /// some, its finalization.
    fn product(
        &mut self,
        agency: &AgencyDraw,
        unit_id: i64,
        code: &str,
        path: &str,
        quality: f64,
    ) -> Result<()> {
        let finalized = self.rng.random_bool(0.3);
        let product_id = if agency.write {
            self.out.products += 1;
            self.bulk.product(unit_id, code, &code.replace('-', " "))?
        } else {
            0
        };
        let answered_share = if finalized || self.rng.random_bool(0.8) {
            1.0
        } else {
            self.rng.random_range(0.2..0.9f64)
        };
        let instrument = self.instrument;
        for ind in &instrument.indicators {
            if !self.rng.random_bool(answered_share) {
                continue;
            }
            self.tick += 1;
            let (value, na, note) = self.observation(ind, quality);
            if agency.write {
                self.write_observation(agency, product_id, path, ind, value, na, &note)?;
            }
        }
        if finalized {
            self.tick += 1;
            if agency.write {
                let at = stamp(self.tick);
                self.bulk.finalize(product_id, &at, &agency.assessor)?;
                self.bulk.audit(&Entry {
                    at: &at,
                    who: &agency.assessor,
                    path,
                    action: "finalize",
                    ..Entry::default()
                })?;
            }
        }
        Ok(())
    }

    /// Draws an observation of an indicator: (value, not applicable, note).
    fn observation(&mut self, ind: &Indicator, quality: f64) -> (Option<i64>, bool, String) {
        let rng = &mut self.rng;
        let na = rng.random_bool(0.03);
        let value: Option<i64> = if na {
            None
        } else {
            let p = (quality * 1.15 - 0.05).clamp(0.0, 1.0);
            Some(if ind.max == 1 {
                i64::from(rng.random_bool(p))
            } else {
                (0..ind.max).filter(|_| rng.random_bool(p)).count() as i64
            })
        };
        let note = if rng.random_bool(0.1) {
            note(rng)
        } else {
            String::new()
        };
        (value, na, note)
    }

    /// Writes an observation with its audit rows (the value, and the note if any).
    #[allow(clippy::too_many_arguments)]
    fn write_observation(
        &mut self,
        agency: &AgencyDraw,
        product_id: i64,
        path: &str,
        ind: &Indicator,
        value: Option<i64>,
        na: bool,
        note: &str,
    ) -> Result<()> {
        let at = stamp(self.tick);
        let who = &agency.assessor;
        self.bulk
            .observation(product_id, &ind.id, value, na, note, &at, who)?;
        self.out.observations += 1;
        let new = if na {
            "N/A".to_string()
        } else {
            value.map(|v| v.to_string()).unwrap_or_default()
        };
        let mut entries = vec![("value", new.as_str())];
        if !note.is_empty() {
            entries.push(("note", note));
        }
        for (action, new) in entries {
            self.bulk.audit(&Entry {
                at: &at,
                who,
                path,
                indicator: Some(&ind.id),
                action,
                old: Some(""),
                new: Some(new),
                ..Entry::default()
            })?;
        }
        Ok(())
    }

    /// Writes the digests and commits.
    fn finish(self) -> Result<Generated> {
        let mut out = self.out;
        out.audit_rows = usize::try_from(self.bulk.finish()?).unwrap_or(usize::MAX);
        Ok(out)
    }
}

/// The code and name of the `k`-th agency of a kind (a name may take random draws).
fn agency_name(rng: &mut ChaCha8Rng, kind: Kind, k: usize, province: &str) -> (String, String) {
    match kind {
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
            format!("Badan {}", place_name(rng)),
        ),
        Kind::Pemprov => (
            format!("{}", 11 + k),
            format!("Pemerintah Provinsi {province}"),
        ),
        Kind::Pemkot => (
            format!("{}{:02}", 11 + k % 34, 71 + k / 34),
            format!("Pemerintah Kota {}", place_name(rng)),
        ),
        Kind::Pemkab => (
            format!("{}{:02}", 11 + k % 34, 1 + k / 34),
            format!("Pemerintah Kabupaten {}", place_name(rng)),
        ),
    }
}

/// A deterministic timestamp: `tick` times 3 seconds after the campaign start.
fn stamp(tick: u64) -> String {
    let t =
        time::macros::datetime!(2021-06-01 08:00 UTC) + time::Duration::seconds(tick as i64 * 3);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "2021-06-01T08:00:00Z".into())
}
