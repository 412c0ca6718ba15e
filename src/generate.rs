//! A realistic, deterministic data generator for size tests and benchmarks
//! (`patuh gen`): agency kinds in the 2021 proportions, about 9 units per agency and
//! 7.5 products per unit, observations with a realistic spread of zones, notes of
//! varied length and language, some N/A, several assessors, and a valid audit chain.
//! The same seed always gives the same database content.
//!
//! By default ([`Method::Levels`]) agencies are assessed the 2022-2025 way: most with
//! the 2022-2024 instrument (product checklists, each unit's own checklist, 4 staff and
//! 2 complaint officials interviewed per unit, 30 service users per agency), the rest
//! with the 2025 opinion (interviews only at units, outside data values and a
//! follow-up register per agency); some units and agencies are still being assessed
//! and some are finalized. [`Method::Products`] gives the data set of the 2013-2021
//! method (product checklists only), the one earlier measurements were made on.
//! Every row comes with the audit rows the store's own commands would have written,
//! so `patuh check` passes on the result (tests/generate.rs).

use std::path::Path;

use rand::distr::{Distribution, Uniform};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::Instrument;
use crate::domain::instrument::{Indicator, NodeLevel, Source};
use crate::domain::model::{DataValue, Kind};
use crate::domain::scoring::Value;
use crate::store::audit::{
    Entry, action, data_text, followup_status_text, followup_text, respondent_text,
};
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

/// Which assessment method the agencies are assessed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// The 2022-2025 methods: most agencies with kepatuhan-2024 (answers of products,
    /// units and agencies, respondents), about one in seven with opini-2025 (data
    /// values, follow-up registers).
    #[default]
    #[value(name = "2024")]
    Levels,
    /// The 2013-2021 method: every agency with kepatuhan-2021, product checklists only
    /// (the data set of the measurements before issue 16).
    #[value(name = "2021")]
    Products,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub agencies: usize,
    pub units: usize,
    pub products: usize,
    /// Answers of the nodes themselves (respondent 0) with a value or N/A: product,
    /// unit and agency observations.
    pub observations: usize,
    pub respondents: usize,
    /// Respondents' answers to interview indicators.
    pub interview_answers: usize,
    /// Values from other institutions' data.
    pub data_values: usize,
    /// Items of follow-up registers.
    pub followups: usize,
    pub audit_rows: usize,
}

impl Generated {
    /// Every `answer` row written: observations, interview answers and data values.
    pub fn answers(&self) -> usize {
        self.observations + self.interview_answers + self.data_values
    }
}

/// The share of agencies assessed with the 2025 opinion in a [`Method::Levels`] set.
const SHARE_2025: f64 = 0.15;

/// Position labels of the 2022-2024 staff interviewed per unit (issue 12: the head or
/// secretary, the head of the service division, a complaints official, a front-line
/// officer); positions, never names (Law 27/2022).
const STAFF_LABELS: [&[&str]; 4] = [
    &["Kepala Unit", "Sekretaris"],
    &["Kepala Bidang Pelayanan", "Kepala Seksi Pelayanan"],
    &["Pejabat Pengelola Pengaduan"],
    &["Petugas Loket", "Petugas Front Office", "Customer Service"],
];

const COMPLAINT_LABELS: [&[&str]; 2] = [
    &["Pengelola Pengaduan", "Admin SP4N-LAPOR!"],
    &["Petugas Pengaduan", "Staf Humas"],
];

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

/// Generates a data set of [`Method::Levels`] into a new database at `path` (which
/// must not exist).
pub fn generate(path: &Path, scale: Scale, seed: u64) -> Result<Generated> {
    generate_with(path, scale, seed, Method::Levels, None)
}

/// Generates the part of a data set of [`Method::Levels`] that one provincial office
/// assesses: [`generate_with`] with that office.
pub fn generate_office(path: &Path, scale: Scale, seed: u64, office: usize) -> Result<Generated> {
    generate_with(path, scale, seed, Method::Levels, Some(office))
}

/// Generates a data set into a new database at `path` (which must not exist), or with
/// `office` (0..[`OFFICES`]) the part of it that one provincial office assesses: the
/// same agencies, units, products, respondents and answers as in the whole set of that
/// seed, with an audit chain of its own, as that office's workstation would hold them.
/// The 34 parts of a seed together are the whole set, so merging their exports
/// centrally gives the scores of the whole set.
pub fn generate_with(
    path: &Path,
    scale: Scale,
    seed: u64,
    method: Method,
    office: Option<usize>,
) -> Result<Generated> {
    if let Some(office) = office
        && office >= OFFICES
    {
        return Err(StoreError::Refused(format!(
            "office {office} does not exist: the provincial offices are numbered 0..{}",
            OFFICES - 1
        )));
    }
    generate_part(path, scale, seed, method, office)
}

/// The shipped instrument of that file name.
fn shipped(file: &str) -> Result<Instrument> {
    let text = crate::shipped::INSTRUMENTS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
        .ok_or_else(|| StoreError::Refused(format!("built-in instrument {file} is missing")))?;
    Instrument::parse(text).map_err(|p| {
        StoreError::Refused(format!(
            "built-in instrument {file} is invalid: {}",
            p.first().map(ToString::to_string).unwrap_or_default()
        ))
    })
}

/// A new database at `path` with the method's instruments and the agencies of `scale`
/// (those of office `only`, or all): written whole, then linked into place, so that a
/// failure (a full disk) leaves no database behind.
fn generate_part(
    path: &Path,
    scale: Scale,
    seed: u64,
    method: Method,
    only: Option<usize>,
) -> Result<Generated> {
    let exists = || {
        StoreError::Refused(format!(
            "{}: already exists; `patuh gen` writes a new database only (choose another --db)",
            path.display()
        ))
    };
    if path.exists() {
        return Err(exists());
    }
    let files: &[&str] = match method {
        Method::Levels => &["kepatuhan-2024.json", "opini-2025.json"],
        Method::Products => &["kepatuhan-2021.json"],
    };
    let instruments: Vec<Instrument> = files.iter().map(|f| shipped(f)).collect::<Result<_>>()?;
    let mut out = Generated::default();
    Store::create_new(path, |store| {
        let mut loaded = Vec::new();
        for instrument in &instruments {
            store.import_instrument(instrument)?;
            let id = store.instrument_db_id(&instrument.id, &instrument.version)?;
            loaded.push((instrument, id));
        }
        let mut g = Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            bulk: store.bulk()?,
            instruments: &loaded,
            method,
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
    /// The method's instruments with their database ids: the first is the main one.
    instruments: &'a [(&'a Instrument, i64)],
    method: Method,
    /// The office whose agencies are written; None: all.
    only: Option<usize>,
    /// Answers, respondents, finalizations and follow-ups drawn so far, written or not:
    /// their time.
    tick: u64,
    out: Generated,
}

/// An agency being generated, as its units and products need it.
struct AgencyDraw<'a> {
    /// Its database id; 0 when it is not written.
    id: i64,
    code: String,
    name: String,
    write: bool,
    assessor: String,
    /// Its compliance level (0..1): drives its zone.
    quality: f64,
    instrument: &'a Instrument,
}

/// A node whose own answers are being generated.
struct NodeDraw<'p> {
    level: NodeLevel,
    /// Its database id; 0 when it is not written.
    id: i64,
    path: &'p str,
    quality: f64,
}

impl<'a> Generator<'a, '_> {
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

    /// The `k`-th agency of a kind, its units and products, and its own answers.
    fn agency(
        &mut self,
        kind: Kind,
        k: usize,
        province: &str,
        write: bool,
        units_per_agency: &Uniform<usize>,
    ) -> Result<()> {
        let (code, name) = agency_name(&mut self.rng, kind, k, province);
        let instruments = self.instruments;
        let (instrument, instrument_id) = match self.method {
            Method::Products => instruments[0],
            Method::Levels => {
                let pilot = self.rng.random_bool(SHARE_2025);
                instruments[usize::from(pilot).min(instruments.len() - 1)]
            }
        };
        let id = if write {
            self.out.agencies += 1;
            self.bulk
                .agency(&code, &name, kind.as_str(), instrument_id)?
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
            instrument,
        };
        for (ui, &ut) in chosen.iter().cycle().take(n_units).enumerate() {
            self.unit(&agency, ui, ut)?;
        }
        let node = NodeDraw {
            level: NodeLevel::Agency,
            id: agency.id,
            path: &agency.code,
            quality,
        };
        let complete = self.own(&agency, &node)?;
        if instrument.qualifier.is_some() {
            self.followups(&agency)?;
        }
        if complete && self.rng.random_bool(0.1) {
            self.finalize(&agency, &node)?;
        }
        Ok(())
    }

    /// The `ui`-th unit of an agency, of type `UNITS[ut]`, its products (when the
    /// instrument answers anything per product) and its own answers.
    fn unit(&mut self, agency: &AgencyDraw<'a>, ui: usize, ut: usize) -> Result<()> {
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
        if agency
            .instrument
            .indicators_at(NodeLevel::Product)
            .next()
            .is_some()
        {
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
        }
        let path = format!("{}/{ucode}", agency.code);
        let node = NodeDraw {
            level: NodeLevel::Unit,
            id: unit_id,
            path: &path,
            quality,
        };
        if self.own(agency, &node)? && self.rng.random_bool(0.3) {
            self.finalize(agency, &node)?;
        }
        Ok(())
    }

    /// A product, its observations (some products are still being assessed) and, for
    /// some, its finalization.
    fn product(
        &mut self,
        agency: &AgencyDraw<'a>,
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
        let node = NodeDraw {
            level: NodeLevel::Product,
            id: product_id,
            path,
            quality,
        };
        let instrument = agency.instrument;
        for i in instrument.indicators_at(NodeLevel::Product) {
            let ind = &instrument.indicators[i];
            if !matches!(ind.source, Source::Observation) {
                continue;
            }
            if !self.rng.random_bool(answered_share) {
                continue;
            }
            self.observe(agency, &node, ind)?;
        }
        if finalized {
            self.finalize(agency, &node)?;
        }
        Ok(())
    }

    /// A unit's or an agency's own answers: its observations and data values, and the
    /// respondents of the roles interviewed there with their answers. Most nodes are
    /// complete, some still being assessed (part of it answered), a few not started.
    /// Whether it is complete (false for a node the instrument asks nothing of).
    fn own(&mut self, agency: &AgencyDraw<'a>, node: &NodeDraw<'_>) -> Result<bool> {
        let instrument = agency.instrument;
        let asked = instrument.indicators_at(node.level).next().is_some();
        if !asked {
            return Ok(false);
        }
        let state: f64 = self.rng.random();
        let (started, complete) = (state >= 0.04, state >= 0.15);
        let share = if complete {
            1.0
        } else if started {
            self.rng.random_range(0.3..0.9f64)
        } else {
            0.0
        };
        for i in instrument.indicators_at(node.level) {
            let ind = &instrument.indicators[i];
            match ind.source {
                Source::Observation if self.rng.random_bool(share) => {
                    self.observe(agency, node, ind)?
                }
                Source::Data { .. } if self.rng.random_bool(share) => {
                    self.data(agency, node, ind)?
                }
                _ => {}
            }
        }
        for (r, role) in instrument.roles.iter().enumerate() {
            if role.level != node.level {
                continue;
            }
            let count = if complete {
                role.respondents
            } else if started {
                self.rng.random_range(1..=role.respondents.max(1))
            } else {
                0
            };
            for number in 1..=count {
                self.respondent(agency, node, r, number, share)?;
            }
        }
        Ok(complete)
    }

    /// One observation of a node (value or N/A, sometimes a note) with its audit rows.
    fn observe(
        &mut self,
        agency: &AgencyDraw<'_>,
        node: &NodeDraw<'_>,
        ind: &Indicator,
    ) -> Result<()> {
        self.tick += 1;
        let (value, na, note) = self.observation(ind, node.quality);
        if agency.write {
            self.write_observation(agency, node, ind, value, na, &note)?;
        }
        Ok(())
    }

    /// Draws an observation of an indicator: (value, not applicable, note).
    fn observation(&mut self, ind: &Indicator, quality: f64) -> (Option<i64>, bool, String) {
        let (value, na) = self.level(ind, quality, 0.03);
        let rng = &mut self.rng;
        let note = if rng.random_bool(0.1) {
            note(rng)
        } else {
            String::new()
        };
        (value, na, note)
    }

    /// Draws a level on an indicator's scale, higher with `quality`, or N/A (with
    /// probability `na`): (value, not applicable).
    fn level(&mut self, ind: &Indicator, quality: f64, na: f64) -> (Option<i64>, bool) {
        let rng = &mut self.rng;
        if rng.random_bool(na) {
            return (None, true);
        }
        let p = (quality * 1.15 - 0.05).clamp(0.0, 1.0);
        let value = if ind.max == 1 {
            i64::from(rng.random_bool(p))
        } else {
            (0..ind.max).filter(|_| rng.random_bool(p)).count() as i64
        };
        (Some(value), false)
    }

    /// Writes an observation with its audit rows (the value, and the note if any).
    fn write_observation(
        &mut self,
        agency: &AgencyDraw<'_>,
        node: &NodeDraw<'_>,
        ind: &Indicator,
        value: Option<i64>,
        na: bool,
        note: &str,
    ) -> Result<()> {
        let at = stamp(self.tick);
        let who = &agency.assessor;
        self.bulk
            .answer(node.level, node.id, &ind.id, 0, value, na, note, &at, who)?;
        self.out.observations += 1;
        let new = audit_value(value, na);
        let mut entries = vec![("value", new.as_str())];
        if !note.is_empty() {
            entries.push(("note", note));
        }
        for (action, new) in entries {
            self.bulk.audit(&Entry {
                at: &at,
                who,
                path: node.path,
                indicator: Some(&ind.id),
                action,
                old: Some(""),
                new: Some(new),
                ..Entry::default()
            })?;
        }
        Ok(())
    }

    /// A value from another institution's data for a `data` indicator: a decimal with
    /// two places, higher with the node's quality, with the source it is taken from.
    fn data(
        &mut self,
        agency: &AgencyDraw<'_>,
        node: &NodeDraw<'_>,
        ind: &Indicator,
    ) -> Result<()> {
        self.tick += 1;
        let share =
            (0.45 + 0.5 * node.quality + self.rng.random_range(-0.05..0.05f64)).clamp(0.0, 1.0);
        let hundredths = (share * f64::from(ind.max) * 100.0).round() as u64;
        let typed = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        let value = DataValue::parse(ind, &typed, data_source(&ind.id))
            .map_err(|e| StoreError::Refused(format!("generated data value {typed}: {e}")))?;
        if !agency.write {
            return Ok(());
        }
        let (amount, at, who) = (value.text(), stamp(self.tick), &agency.assessor);
        self.bulk.data(
            node.level,
            node.id,
            &ind.id,
            &amount,
            value.source(),
            &at,
            who,
        )?;
        self.out.data_values += 1;
        self.bulk.audit(&Entry {
            at: &at,
            who,
            path: node.path,
            indicator: Some(&ind.id),
            action: action::DATA,
            old: Some(""),
            new: Some(&data_text(&amount, value.source())),
            ..Entry::default()
        })
    }

    /// Respondent `number` of role `r` at a node (a position label for staff, a number
    /// only for service users) and its answers (each given with probability `share`).
    fn respondent(
        &mut self,
        agency: &AgencyDraw<'_>,
        node: &NodeDraw<'_>,
        r: usize,
        number: u32,
        share: f64,
    ) -> Result<()> {
        let instrument = agency.instrument;
        let role = &instrument.roles[r];
        self.tick += 1;
        let uid = hex::encode(self.rng.random::<[u8; 16]>());
        let labels: &[&[&str]] = match role.id.as_str() {
            "pelaksana" => &STAFF_LABELS,
            "pengelola-pengaduan" => &COMPLAINT_LABELS,
            _ => &[],
        };
        let label = match labels.get(number as usize - 1) {
            Some(choices) if self.rng.random_bool(0.85) => {
                choices.choose(&mut self.rng).copied().unwrap_or_default()
            }
            _ => "",
        };
        let who = &agency.assessor;
        let mut id = 0;
        if agency.write {
            let at = stamp(self.tick);
            id = self
                .bulk
                .respondent(&uid, node.level, node.id, &role.id, number, label, &at, who)?;
            self.out.respondents += 1;
            self.bulk.audit(&Entry {
                at: &at,
                who,
                path: node.path,
                action: action::RESPONDENT_ADD,
                new: Some(&respondent_text(&role.id, number, label)),
                respondent: Some(&uid),
                ..Entry::default()
            })?;
        }
        for i in instrument.role_indicators(r) {
            if !self.rng.random_bool(share) {
                continue;
            }
            let ind = &instrument.indicators[i];
            self.tick += 1;
            let (value, na) = self.level(ind, node.quality, 0.02);
            if !agency.write {
                continue;
            }
            let at = stamp(self.tick);
            self.bulk
                .answer(node.level, node.id, &ind.id, id, value, na, "", &at, who)?;
            self.out.interview_answers += 1;
            self.bulk.audit(&Entry {
                at: &at,
                who,
                path: node.path,
                indicator: Some(&ind.id),
                action: action::VALUE,
                old: Some(""),
                new: Some(&audit_value(value, na)),
                respondent: Some(&uid),
                ..Entry::default()
            })?;
        }
        Ok(())
    }

    /// Finalizes a node (after its answers), audited.
    fn finalize(&mut self, agency: &AgencyDraw<'_>, node: &NodeDraw<'_>) -> Result<()> {
        self.tick += 1;
        if agency.write {
            let at = stamp(self.tick);
            self.bulk
                .finalize_node(node.level, node.id, &at, &agency.assessor)?;
            self.bulk.audit(&Entry {
                at: &at,
                who: &agency.assessor,
                path: node.path,
                action: action::FINALIZE,
                ..Entry::default()
            })?;
        }
        Ok(())
    }

    /// An agency's follow-up register (the 2025 opinion's qualifier): up to four items
    /// the Ombudsman issued to it, each completed (more often at a better agency), not
    /// completed, or still open; closed when none is open, mostly.
    fn followups(&mut self, agency: &AgencyDraw<'_>) -> Result<()> {
        const KINDS: [&str; 4] = ["lahp", "lha", "saran", "rekomendasi"];
        let n = self.rng.random_range(0..=4usize);
        let mut open = false;
        for i in 0..n {
            let kind = KINDS.choose(&mut self.rng).copied().unwrap_or("saran");
            // Unique within the agency: its last digit is the item's place.
            let reference = format!(
                "{:03}/{}/2024",
                i + 1 + 10 * self.rng.random_range(0..90usize),
                kind.to_uppercase()
            );
            let x: f64 = self.rng.random();
            let status = if x < agency.quality * 0.9 {
                "completed"
            } else if x < agency.quality * 0.9 + 0.15 {
                "not-completed"
            } else {
                "open"
            };
            open |= status == "open";
            self.tick += 1;
            if !agency.write {
                continue;
            }
            let (at, who) = (stamp(self.tick), &agency.assessor);
            self.bulk
                .followup(agency.id, kind, &reference, status, &at, who)?;
            self.out.followups += 1;
            let entry = |action, old, new| Entry {
                at: &at,
                who,
                path: &agency.code,
                action,
                old,
                new,
                ..Entry::default()
            };
            let added = followup_text(kind, &reference);
            self.bulk
                .audit(&entry(action::FOLLOWUP_ADD, None, Some(&added)))?;
            if status != "open" {
                let (old, new) = (
                    followup_status_text(&reference, "open"),
                    followup_status_text(&reference, status),
                );
                self.bulk
                    .audit(&entry(action::FOLLOWUP_SET, Some(&old), Some(&new)))?;
            }
        }
        if !open && self.rng.random_bool(0.8) {
            self.tick += 1;
            if agency.write {
                let at = stamp(self.tick);
                self.bulk.close_register(agency.id, &at, &agency.assessor)?;
                self.bulk.audit(&Entry {
                    at: &at,
                    who: &agency.assessor,
                    path: &agency.code,
                    action: action::FOLLOWUP_CLOSE,
                    ..Entry::default()
                })?;
            }
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

/// A value as its audit row writes it (`Value::audit_text`).
fn audit_value(value: Option<i64>, na: bool) -> String {
    let v = match (na, value) {
        (true, _) => Value::NotApplicable,
        (false, Some(v)) => Value::level(u32::try_from(v).unwrap_or(u32::MAX)),
        (false, None) => Value::Unanswered,
    };
    v.audit_text()
}

/// Where a data indicator's value is taken from (the shipped 2025 instrument's, else
/// the statistics office).
fn data_source(indicator: &str) -> &'static str {
    match indicator {
        "ikm" => "KemenPAN-RB, Indeks Kepuasan Masyarakat 2024",
        "ipp" => "KemenPAN-RB, Indeks Pelayanan Publik 2024",
        "capaian-spm" => "Kemendagri, capaian SPM 2024",
        _ => "BPS, 2024",
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
