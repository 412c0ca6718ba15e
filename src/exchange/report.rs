//! The published report of a workstation or central database, as tables in the report
//! language: the ranking of agencies within each kind (with their category, zone and
//! opinion), zone counts and shares per kind, the score distribution, unit and product
//! scores (with the notes and evidence), the dimension scores of every agency and unit
//! (`report_levels`), what each product must fix (its unfulfilled indicators), what was
//! not assessed, each agency's trend when the database holds published scores of past
//! years (`trend`) and, on a central database, the products with results of several
//! assessors (and units and agencies whose results differ); plus the data of the xlsx
//! charts and a metadata table (`report_about`). `report_out` writes the tables as xlsx,
//! csv or markdown.
//!
//! The rule for what was not assessed (docs/export-format.md, "Reports"): a node with
//! no answer at all (no value and no N/A on any of its indicators) is *not assessed*:
//! it gets no score, no rank and no zone, and is listed apart. A node with some answers
//! is ranked and zoned by the scoring contract (its unanswered indicators count as 0)
//! and marked *incomplete* with its progress.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use num_bigint::BigInt;
use num_rational::BigRational;

use super::Result;
use super::export::{ROLE_CENTRAL, ROLE_KEY};
use super::report_about;
use crate::domain::model::{AgencyIx, Dataset, Kind, ScoreBook, Summary};
use crate::domain::scoring::{Rounded, Value};
use crate::domain::{Instrument, Lang};
use crate::store::Store;

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text; the names repeated on many rows share one allocation.
    Text(Arc<str>),
    Int(i64),
    /// An exact decimal (a weight), written as a number.
    Number(Box<BigRational>),
    /// A score, rounded to 2 decimals.
    Score(Rounded),
    /// A share in percent, rounded to 2 decimals (`45.45` is 45.45 %).
    Percent(Rounded),
    /// A zone: the band code, shown in the band's colour where the format has colour.
    Zone(Arc<ZoneMark>),
    Empty,
}

/// A zone as a cell shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ZoneMark {
    pub code: String,
    pub color: Option<String>,
}

/// The text cells of a report, each distinct text held once: a nation's report
/// repeats agency, unit and product names and indicator labels on a million rows.
#[derive(Debug, Default)]
struct Strings {
    texts: HashSet<Arc<str>>,
    zones: HashSet<Arc<ZoneMark>>,
}

impl Strings {
    fn text(&mut self, s: &str) -> Cell {
        if let Some(t) = self.texts.get(s) {
            return Cell::Text(t.clone());
        }
        let t: Arc<str> = Arc::from(s);
        self.texts.insert(t.clone());
        Cell::Text(t)
    }

    fn zone(&mut self, code: &str, color: Option<&str>) -> Cell {
        let mark = ZoneMark {
            code: code.to_string(),
            color: color.map(str::to_string),
        };
        if let Some(z) = self.zones.get(&mark) {
            return Cell::Zone(z.clone());
        }
        let z = Arc::new(mark);
        self.zones.insert(z.clone());
        Cell::Zone(z)
    }
}

/// One table: a sheet in xlsx, a file in csv, a section in markdown.
#[derive(Debug, Clone)]
pub struct Table {
    /// File suffix of the csv (`STEM-KEY.csv`), the same in every language:
    /// `ranking`, `zones`, ...
    pub key: &'static str,
    /// The xlsx sheet name, in the report language (at most 31 characters).
    pub sheet: String,
    pub title: String,
    pub headers: Vec<String>,
    /// What each column means (one per header), for the metadata table.
    pub meanings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The state of an agency, unit or product's assessment (the rule at the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing answered: no score, no rank, no zone.
    NotAssessed,
    /// Some indicators answered, not all.
    Incomplete,
    /// Every indicator answered (a value or N/A).
    Complete,
}

impl Progress {
    pub fn of(s: &Summary) -> Progress {
        if s.answered == 0 {
            Progress::NotAssessed
        } else if s.answered < s.total {
            Progress::Incomplete
        } else {
            Progress::Complete
        }
    }

    /// As `score --json` writes it.
    pub fn code(self) -> &'static str {
        match self {
            Progress::NotAssessed => "not_assessed",
            Progress::Incomplete => "incomplete",
            Progress::Complete => "complete",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Progress::NotAssessed, Lang::Id) => "belum dinilai",
            (Progress::NotAssessed, Lang::En) => "not assessed",
            (Progress::Incomplete, Lang::Id) => "belum lengkap",
            (Progress::Incomplete, Lang::En) => "incomplete",
            (Progress::Complete, Lang::Id) => "lengkap",
            (Progress::Complete, Lang::En) => "complete",
        }
    }
}

/// A kind of agency as a reader knows it.
pub fn kind_label(kind: Kind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (Kind::Kementerian, Lang::Id) => "Kementerian",
        (Kind::Kementerian, Lang::En) => "Ministry",
        (Kind::Lembaga, Lang::Id) => "Lembaga",
        (Kind::Lembaga, Lang::En) => "Institution",
        (Kind::Pemprov, Lang::Id) => "Pemerintah provinsi",
        (Kind::Pemprov, Lang::En) => "Province",
        (Kind::Pemkot, Lang::Id) => "Pemerintah kota",
        (Kind::Pemkot, Lang::En) => "City",
        (Kind::Pemkab, Lang::Id) => "Pemerintah kabupaten",
        (Kind::Pemkab, Lang::En) => "Regency",
    }
}

/// One zone of the chart of zone shares: a band of the instruments in use.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneSeries {
    pub code: String,
    pub label: String,
    pub color: Option<String>,
}

/// What the xlsx charts show (the other formats have the same numbers in the `zones`
/// and `distribution` tables).
#[derive(Debug, Clone)]
pub struct Charts {
    /// The sheet that holds them, in the report language.
    pub sheet: String,
    /// The kinds that have assessed agencies, by label.
    pub kinds: Vec<String>,
    pub zones: Vec<ZoneSeries>,
    /// `counts[k][z]`: assessed agencies of `kinds[k]` in `zones[z]`.
    pub counts: Vec<Vec<i64>>,
    pub zones_title: String,
    pub agencies_title: String,
    pub products_title: String,
    /// Axis names: the kind, the score range, the number of agencies or products.
    pub kind_axis: String,
    pub score_axis: String,
    pub count_axis: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub database: String,
    pub generated_at: String,
    pub central: bool,
    pub lang: Lang,
    pub tables: Vec<Table>,
    pub charts: Charts,
}

impl Report {
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.key == key)
    }
}

pub(super) fn tr(lang: Lang, id: &str, en: &str) -> String {
    match lang {
        Lang::Id => id.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Headers and meanings of a table's columns: `(id, en, meaning id, meaning en)`.
pub(super) type Columns<'a> = &'a [(&'a str, &'a str, &'a str, &'a str)];

pub(super) fn columns(lang: Lang, list: Columns<'_>) -> (Vec<String>, Vec<String>) {
    list.iter()
        .map(|(id, en, mid, men)| (tr(lang, id, en), tr(lang, mid, men)))
        .unzip()
}

/// A text cell of its own (not shared).
fn owned(s: String) -> Cell {
    Cell::Text(s.into())
}

/// Score, zone and predicate cells of a summary: empty when not assessed. The zone is
/// the band's zone (the band itself when the instrument has no zones: every format-1
/// instrument), in its colour; the predicate the band's label, or `opinion` (an
/// agency's, with its qualifier) when given.
fn score_cells(
    st: &mut Strings,
    s: &Summary,
    instrument: &Instrument,
    lang: Lang,
    opinion: Option<&crate::domain::text::Text>,
) -> [Cell; 3] {
    if Progress::of(s) == Progress::NotAssessed {
        return [Cell::Empty, Cell::Empty, Cell::Empty];
    }
    match &s.score {
        Some(score) => {
            let v = crate::domain::method::verdict(instrument, score);
            [
                Cell::Score(v.rounded),
                st.zone(v.zone_code(), v.color()),
                st.text(opinion.unwrap_or(&v.band.label).get(lang)),
            ]
        }
        None => [Cell::Empty, Cell::Empty, Cell::Empty],
    }
}

/// The category (the band's code) of a summary: empty when not assessed.
fn category_cell(st: &mut Strings, s: &Summary, instrument: &Instrument) -> Cell {
    match (&s.score, Progress::of(s)) {
        (Some(score), Progress::Incomplete | Progress::Complete) => {
            st.text(crate::domain::method::verdict(instrument, score).category())
        }
        _ => Cell::Empty,
    }
}

/// The column of a category.
const CATEGORY_COLUMN: (&str, &str, &str, &str) = (
    "Kategori",
    "Category",
    "Kode pita nilai (kategori A-E sejak 2022); kosong bila belum dinilai",
    "The band's code (categories A-E since 2022); empty when not assessed",
);

/// Answered, indicators, progress in percent and the state.
fn progress_cells(st: &mut Strings, s: &Summary, lang: Lang) -> [Cell; 4] {
    [
        Cell::Int(s.answered as i64),
        Cell::Int(s.total as i64),
        percent(s.answered as usize, s.total as usize),
        st.text(Progress::of(s).label(lang)),
    ]
}

fn percent(part: usize, whole: usize) -> Cell {
    if whole == 0 {
        return Cell::Empty;
    }
    let share = BigRational::new(BigInt::from(part) * 100, BigInt::from(whole));
    Cell::Percent(Rounded::of(&share))
}

/// Builds every table from the database.
pub fn build(store: &Store, lang: Lang) -> Result<Report> {
    build_with(store, lang, false)
}

/// [`build`], counting only approved work when `approved_only` (`report
/// --approved-only`: every other product is reported as not assessed; see
/// `super::review::keep_approved`).
pub fn build_with(store: &Store, lang: Lang, approved_only: bool) -> Result<Report> {
    let mut ds = store.load()?;
    let central = store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL);
    let states = store.review_states()?;
    let mut evidence = store.evidence_references()?;
    if approved_only {
        let kept = super::review::keep_approved(&mut ds, &states);
        evidence.retain(|id, _| kept.contains(id));
    }
    let book = ScoreBook::compute(&ds);
    let st = &mut Strings::default();
    let (zones_table, charts) = zones(st, &ds, &book, lang);
    let mut tables = vec![
        ranking(st, &ds, &book, lang),
        zones_table,
        distribution(&ds, &book, lang),
        units(st, &ds, &book, &states, lang),
        super::report_levels::dimensions(&ds, &book, lang),
        products(st, &ds, &book, &evidence, &states, lang),
        unfulfilled(st, &ds, &book, &evidence, lang),
        not_assessed(st, &ds, &book, lang),
    ];
    // Published scores of past years, when the database holds any (src/exchange/trend.rs).
    tables.extend(super::trend::table(store, &ds, &book, lang)?);
    if central {
        tables.push(conflicts(st, store, &ds, lang)?);
        tables.push(super::review::review_table(store, &states, lang)?);
    }
    let generated_at = store.now();
    let database = store.path().display().to_string();
    let files = if central {
        store.merged_files()?
    } else {
        Vec::new()
    };
    let revoked = if central {
        store.files_of_revoked_keys()?
    } else {
        HashMap::new()
    };
    let about = report_about::table(
        &report_about::Context {
            lang,
            database: &database,
            generated_at: &generated_at,
            central,
            instruments: &ds.instruments,
            files: &files,
            revoked: &revoked,
            approved_only,
        },
        &tables,
    );
    tables.push(about);
    Ok(Report {
        database,
        generated_at,
        central,
        lang,
        tables,
        charts,
    })
}

/// Assessed agencies of each kind, best first; equal rounded scores share a rank
/// (1, 2, 2, 4). Agencies not assessed are in the `not_assessed` table instead.
fn ranking(st: &mut Strings, ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        let mut list: Vec<(AgencyIx, Summary)> = ds
            .agencies
            .ids()
            .filter(|&a| ds.agencies[a].kind == kind)
            .map(|a| (a, book.agency(ds, a)))
            .filter(|(_, s)| Progress::of(s) != Progress::NotAssessed)
            .collect();
        list.sort_by(|(a, x), (b, y)| {
            y.rounded()
                .cmp(&x.rounded())
                .then_with(|| ds.agencies[*a].code.cmp(&ds.agencies[*b].code))
        });
        let mut rank = 0;
        let mut last: Option<Rounded> = None;
        for (n, (a, s)) in list.iter().enumerate() {
            let agency = &ds.agencies[*a];
            let rank_cell = match s.rounded() {
                Some(r) => {
                    if last != Some(r) {
                        rank = n + 1;
                        last = Some(r);
                    }
                    Cell::Int(rank as i64)
                }
                None => Cell::Empty,
            };
            let instrument = ds.instrument_of_agency(*a);
            let opinion = book.opinion(ds, *a);
            let [score, zone, label] = score_cells(st, s, instrument, lang, opinion.as_ref());
            let mut row = vec![
                st.text(kind_label(kind, lang)),
                rank_cell,
                st.text(&agency.code),
                st.text(&agency.name),
                score,
                zone,
                label,
            ];
            row.extend(progress_cells(st, s, lang));
            row.push(category_cell(st, s, instrument));
            row.push(match (&instrument.qualifier, book.qualifier(*a)) {
                (None, _) => Cell::Empty,
                (Some(_), None) => st.text(&tr(lang, "belum diketahui", "unknown")),
                (Some(_), Some(true)) => st.text(&tr(lang, "ya", "yes")),
                (Some(_), Some(false)) => st.text(&tr(lang, "tidak", "no")),
            });
            rows.push(row);
        }
    }
    let (headers, meanings) = columns(
        lang,
        &[
            ("Jenis", "Kind", "Jenis instansi", "The kind of agency"),
            (
                "Peringkat",
                "Rank",
                "Peringkat di antara instansi sejenis yang sudah dinilai; nilai (dibulatkan) yang sama berbagi peringkat (1, 2, 2, 4)",
                "Rank among the assessed agencies of the kind; equal rounded scores share a rank (1, 2, 2, 4)",
            ),
            ("Kode", "Code", "Kode instansi", "The agency's code"),
            ("Instansi", "Agency", "Nama instansi", "The agency's name"),
            (
                "Nilai",
                "Score",
                "Nilai kepatuhan 0-100, dua desimal",
                "Compliance score 0-100, two decimals",
            ),
            (
                "Zona",
                "Zone",
                "Kode zona (pita nilai instrumen)",
                "Zone code (the instrument's band)",
            ),
            (
                "Predikat",
                "Predicate",
                "Nama pita nilai; sejak 2025 opini Ombudsman, dengan kualifikasinya (mis. Tanpa Maladministrasi) bila diberikan",
                "The band's name; since 2025 the Ombudsman's opinion, with its qualifier (e.g. without maladministration) when granted",
            ),
            (
                "Terjawab",
                "Answered",
                "Indikator yang sudah diisi (nilai atau tidak berlaku)",
                "Indicators answered (a value or not applicable)",
            ),
            (
                "Jumlah indikator",
                "Indicators",
                "Semua indikator semua produk",
                "All indicators of all products",
            ),
            (
                "Kemajuan",
                "Progress",
                "Terjawab dibagi jumlah indikator",
                "Answered divided by indicators",
            ),
            (
                "Penilaian",
                "Assessment",
                "lengkap, atau belum lengkap (indikator yang belum diisi dihitung 0)",
                "complete, or incomplete (unanswered indicators count as 0)",
            ),
            CATEGORY_COLUMN,
            (
                "Kualifikasi",
                "Qualifier",
                "Kualifikasi opini (2025): ya bila register tindak lanjut ditutup dan semua butirnya selesai, tidak, atau belum diketahui (register belum ditutup); kosong bila instrumen tidak memilikinya",
                "The opinion's qualifier (2025): yes when the follow-up register is closed with every item completed, no, or unknown (not closed yet); empty when the instrument has none",
            ),
        ],
    );
    Table {
        key: "ranking",
        sheet: tr(lang, "Peringkat", "Ranking"),
        title: tr(
            lang,
            "Peringkat instansi per jenis",
            "Ranking of agencies by kind",
        ),
        headers,
        meanings,
        rows,
    }
}

/// A zone in display order: highest `min` first, then code.
type ZoneKey = (std::cmp::Reverse<BigRational>, String);

/// Per kind, how many assessed agencies are in each zone and their share of the
/// scored ones, how many of them are incomplete, and how many were not assessed; with
/// the same counts as the data of the zone chart.
fn zones(st: &mut Strings, ds: &Dataset, book: &ScoreBook, lang: Lang) -> (Table, Charts) {
    // Every band of the instruments in use, by (min descending, code).
    let mut bands: BTreeMap<ZoneKey, ZoneSeries> = BTreeMap::new();
    for a in ds.agencies.ids() {
        for b in &ds.instrument_of_agency(a).bands {
            bands
                .entry((std::cmp::Reverse(b.min.clone()), b.code.clone()))
                .or_insert_with(|| ZoneSeries {
                    code: b.code.clone(),
                    label: b.label.get(lang).to_string(),
                    color: b.color.clone(),
                });
        }
    }
    let keys: Vec<ZoneKey> = bands.keys().cloned().collect();
    let mut rows = Vec::new();
    let mut chart_kinds = Vec::new();
    let mut chart_counts = Vec::new();
    for kind in Kind::ALL {
        let agencies: Vec<AgencyIx> = ds
            .agencies
            .ids()
            .filter(|&a| ds.agencies[a].kind == kind)
            .collect();
        if agencies.is_empty() {
            continue;
        }
        let kind_text = kind_label(kind, lang);
        // (agencies, of which incomplete) per zone.
        let mut counts: HashMap<&ZoneKey, (usize, usize)> = HashMap::new();
        let (mut scored, mut unscored, mut not_assessed) = (0, 0, 0);
        for &a in &agencies {
            let s = book.agency(ds, a);
            let progress = Progress::of(&s);
            if progress == Progress::NotAssessed {
                not_assessed += 1;
                continue;
            }
            match s.band(ds.instrument_of_agency(a)) {
                Some(b) => {
                    scored += 1;
                    let key = (std::cmp::Reverse(b.min.clone()), b.code.clone());
                    if let Some(k) = keys.iter().find(|k| **k == key) {
                        let e = counts.entry(k).or_default();
                        e.0 += 1;
                        if progress == Progress::Incomplete {
                            e.1 += 1;
                        }
                    }
                }
                None => unscored += 1,
            }
        }
        for key in &keys {
            let z = &bands[key];
            let (count, incomplete) = counts.get(key).copied().unwrap_or_default();
            rows.push(vec![
                st.text(kind_text),
                st.zone(&z.code, z.color.as_deref()),
                st.text(&z.label),
                Cell::Int(count as i64),
                percent(count, scored),
                Cell::Int(incomplete as i64),
            ]);
        }
        if unscored > 0 {
            rows.push(vec![
                st.text(kind_text),
                Cell::Empty,
                owned(tr(
                    lang,
                    "tanpa nilai (semua tidak berlaku)",
                    "no score (nothing applicable)",
                )),
                Cell::Int(unscored as i64),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        if not_assessed > 0 {
            rows.push(vec![
                st.text(kind_text),
                Cell::Empty,
                st.text(Progress::NotAssessed.label(lang)),
                Cell::Int(not_assessed as i64),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        if scored > 0 {
            chart_kinds.push(kind_text.to_string());
            chart_counts.push(
                keys.iter()
                    .map(|k| counts.get(k).map_or(0, |c| c.0) as i64)
                    .collect(),
            );
        }
    }
    let (headers, meanings) = columns(
        lang,
        &[
            ("Jenis", "Kind", "Jenis instansi", "The kind of agency"),
            (
                "Zona",
                "Zone",
                "Kode zona; kosong untuk instansi tanpa nilai",
                "Zone code; empty for agencies without a score",
            ),
            (
                "Predikat",
                "Predicate",
                "Nama zona, atau \"belum dinilai\"",
                "The zone's name, or \"not assessed\"",
            ),
            (
                "Jumlah instansi",
                "Agencies",
                "Instansi sejenis di zona ini",
                "Agencies of the kind in this zone",
            ),
            (
                "Persentase",
                "Share",
                "Bagian dari instansi sejenis yang sudah dinilai dan bernilai",
                "Share of the assessed agencies of the kind that have a score",
            ),
            (
                "Di antaranya belum lengkap",
                "Of which incomplete",
                "Instansi di zona ini yang penilaiannya belum lengkap",
                "Agencies in this zone whose assessment is incomplete",
            ),
        ],
    );
    let table = Table {
        key: "zones",
        sheet: tr(lang, "Zona", "Zones"),
        title: tr(lang, "Sebaran zona per jenis", "Zones by kind"),
        headers,
        meanings,
        rows,
    };
    let charts = Charts {
        sheet: tr(lang, "Grafik", "Charts"),
        kinds: chart_kinds,
        zones: keys.iter().map(|k| bands[k].clone()).collect(),
        counts: chart_counts,
        zones_title: tr(
            lang,
            "Sebaran zona per jenis instansi",
            "Zone shares by kind of agency",
        ),
        agencies_title: tr(
            lang,
            "Sebaran nilai instansi",
            "Distribution of agency scores",
        ),
        products_title: tr(
            lang,
            "Sebaran nilai produk layanan",
            "Distribution of service product scores",
        ),
        kind_axis: tr(lang, "Jenis instansi", "Kind of agency"),
        score_axis: tr(lang, "Nilai", "Score"),
        count_axis: tr(lang, "Jumlah", "Count"),
    };
    (table, charts)
}

/// The score ranges of the distribution: ten of ten points, the last with 100.
pub const BINS: usize = 10;

fn bin(r: Rounded) -> usize {
    usize::try_from(r.0.max(0) / 1000).map_or(BINS - 1, |b| b.min(BINS - 1))
}

/// How many assessed agencies, units and products have a score in each range.
fn distribution(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut counts = [[0i64; 3]; BINS];
    let mut add = |s: &Summary, col: usize| {
        if Progress::of(s) != Progress::NotAssessed
            && let Some(r) = s.rounded()
        {
            counts[bin(r)][col] += 1;
        }
    };
    for a in ds.agencies.ids() {
        add(&book.agency(ds, a), 0);
    }
    for u in ds.units.ids() {
        add(&book.unit(u), 1);
    }
    for p in ds.products.ids() {
        add(&book.product_summary(p), 2);
    }
    let rows = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let from = i * 10;
            let range = if i + 1 == BINS {
                format!("{from}-100")
            } else {
                format!("{from}-<{}", from + 10)
            };
            vec![
                owned(range),
                Cell::Int(c[0]),
                Cell::Int(c[1]),
                Cell::Int(c[2]),
            ]
        })
        .collect();
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Rentang nilai",
                "Score range",
                "Nilai dari batas bawah sampai kurang dari batas atas (yang terakhir sampai 100)",
                "Scores from the lower bound to below the upper one (the last up to 100)",
            ),
            (
                "Instansi",
                "Agencies",
                "Instansi yang sudah dinilai dengan nilai di rentang ini",
                "Assessed agencies with a score in this range",
            ),
            (
                "Unit layanan",
                "Service units",
                "Unit yang sudah dinilai dengan nilai di rentang ini",
                "Assessed units with a score in this range",
            ),
            (
                "Produk layanan",
                "Service products",
                "Produk yang sudah dinilai dengan nilai di rentang ini",
                "Assessed products with a score in this range",
            ),
        ],
    );
    Table {
        key: "distribution",
        sheet: tr(lang, "Sebaran nilai", "Distribution"),
        title: tr(lang, "Sebaran nilai", "Score distribution"),
        headers,
        meanings,
        rows,
    }
}

fn units(
    st: &mut Strings,
    ds: &Dataset,
    book: &ScoreBook,
    states: &ReviewStates,
    lang: Lang,
) -> Table {
    let mut rows = Vec::new();
    for (a, agency) in ds.agencies.iter_enumerated() {
        let instrument = ds.instrument_of_agency(a);
        for &u in &agency.units {
            let unit = &ds.units[u];
            let s = book.unit(u);
            let [score, zone, label] = score_cells(st, &s, instrument, lang, None);
            let mut row = vec![
                st.text(&agency.code),
                st.text(&agency.name),
                st.text(&unit.code),
                st.text(&unit.name),
                score,
                zone,
                label,
            ];
            row.extend(progress_cells(st, &s, lang));
            let path = format!("{}/{}", agency.code, unit.code);
            row.push(category_cell(st, &s, instrument));
            row.push(st.text(super::review::state_of(states, &path).label(lang)));
            rows.push(row);
        }
    }
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Kode instansi",
                "Agency code",
                "Kode instansi",
                "The agency's code",
            ),
            ("Instansi", "Agency", "Nama instansi", "The agency's name"),
            (
                "Kode unit",
                "Unit code",
                "Kode unit layanan",
                "The unit's code",
            ),
            (
                "Unit layanan",
                "Service unit",
                "Nama unit layanan",
                "The unit's name",
            ),
            (
                "Nilai",
                "Score",
                "Rata-rata nilai produknya (sejak 2022: bobot dimensi atas jawaban unit, produk dan instansinya); kosong bila belum dinilai",
                "Mean of its products' scores (since 2022: the dimension weights over its own, its products' and its agency's answers); empty when not assessed",
            ),
            ("Zona", "Zone", "Kode zona", "Zone code"),
            ("Predikat", "Predicate", "Nama zona", "The zone's name"),
            (
                "Terjawab",
                "Answered",
                "Indikator yang sudah diisi",
                "Indicators answered",
            ),
            (
                "Jumlah indikator",
                "Indicators",
                "Semua indikator semua produknya (dan indikator unit itu sendiri)",
                "All indicators of all its products (and the unit's own)",
            ),
            (
                "Kemajuan",
                "Progress",
                "Terjawab dibagi jumlah indikator",
                "Answered divided by indicators",
            ),
            (
                "Penilaian",
                "Assessment",
                "lengkap, belum lengkap, atau belum dinilai (tanpa nilai dan zona)",
                "complete, incomplete, or not assessed (no score, no zone)",
            ),
            CATEGORY_COLUMN,
            REVIEW_COLUMN,
        ],
    );
    Table {
        key: "units",
        sheet: tr(lang, "Unit layanan", "Service units"),
        title: tr(lang, "Nilai unit layanan", "Service unit scores"),
        headers,
        meanings,
        rows,
    }
}

/// The review state of every node that has one, by path.
type ReviewStates = HashMap<String, crate::domain::review::ReviewState>;

/// The review column of the units and products tables (docs/review.md).
const REVIEW_COLUMN: (&str, &str, &str, &str) = (
    "Telaah",
    "Review",
    "Keadaan telaah kantor pusat: belum ditelaah, disetujui, dikembalikan, atau diajukan ulang",
    "The central office's review: unreviewed, approved, returned, or resubmitted",
);

/// Excel keeps at most this many characters in a cell; longer text is cut with "…".
pub const MAX_CELL_CHARS: usize = 32_767;

fn capped(mut s: String) -> String {
    if s.chars().count() > MAX_CELL_CHARS {
        s = s.chars().take(MAX_CELL_CHARS - 1).collect();
        s.push('…');
    }
    s
}

/// Evidence references as (indicator, reference), by product database id.
type EvidenceMap = HashMap<i64, Vec<(String, String)>>;

fn products(
    st: &mut Strings,
    ds: &Dataset,
    book: &ScoreBook,
    evidence: &EvidenceMap,
    states: &ReviewStates,
    lang: Lang,
) -> Table {
    let mut rows = Vec::new();
    for p in ds.products.ids() {
        let product = &ds.products[p];
        let unit = &ds.units[product.unit];
        let agency = &ds.agencies[unit.agency];
        let instrument = ds.instrument_of_product(p);
        let s = book.product_summary(p);
        let [score, zone, label] = score_cells(st, &s, instrument, lang, None);
        let mut notes = Vec::new();
        for (i, ind) in instrument.indicators.iter().enumerate() {
            if let Some(note) = Some(product.notes[i].as_str()).filter(|n| !n.is_empty()) {
                notes.push(format!("{}: {note}", ind.id));
            }
        }
        let refs: Vec<String> = evidence
            .get(&product.db_id)
            .map(|list| list.iter().map(|(i, r)| format!("{i}: {r}")).collect())
            .unwrap_or_default();
        let mut row = vec![
            st.text(&agency.code),
            st.text(&unit.code),
            st.text(&product.code),
            st.text(&product.name),
            score,
            zone,
            label,
            Cell::Int(s.answered as i64),
            Cell::Int(s.total as i64),
            if product.finalized {
                st.text("final")
            } else {
                st.text(&tr(lang, "draf", "draft"))
            },
        ];
        let [_, _, progress, state] = progress_cells(st, &s, lang);
        row.extend([
            progress,
            state,
            owned(capped(notes.join("; "))),
            Cell::Int(refs.len() as i64),
            owned(capped(refs.join("; "))),
            st.text(&agency.name),
            st.text(&unit.name),
            category_cell(st, &s, instrument),
            st.text(super::review::state_of(states, &ds.product_path(p)).label(lang)),
        ]);
        rows.push(row);
    }
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Kode instansi",
                "Agency code",
                "Kode instansi",
                "The agency's code",
            ),
            (
                "Kode unit",
                "Unit code",
                "Kode unit layanan",
                "The unit's code",
            ),
            (
                "Kode produk",
                "Product code",
                "Kode produk layanan",
                "The product's code",
            ),
            (
                "Produk layanan",
                "Service product",
                "Nama produk layanan",
                "The product's name",
            ),
            (
                "Nilai",
                "Score",
                "Nilai produk 0-100; kosong bila belum dinilai atau semua indikator tidak berlaku",
                "The product's score 0-100; empty when not assessed or nothing applicable",
            ),
            ("Zona", "Zone", "Kode zona", "Zone code"),
            ("Predikat", "Predicate", "Nama zona", "The zone's name"),
            (
                "Terjawab",
                "Answered",
                "Indikator yang sudah diisi",
                "Indicators answered",
            ),
            (
                "Jumlah indikator",
                "Indicators",
                "Indikator instrumen",
                "The instrument's indicators",
            ),
            (
                "Status",
                "Status",
                "final (hanya-baca sampai dibuka kembali) atau draf",
                "final (read-only until reopened) or draft",
            ),
            (
                "Kemajuan",
                "Progress",
                "Terjawab dibagi jumlah indikator",
                "Answered divided by indicators",
            ),
            (
                "Penilaian",
                "Assessment",
                "lengkap, belum lengkap, atau belum dinilai (tanpa nilai dan zona)",
                "complete, incomplete, or not assessed (no score, no zone)",
            ),
            (
                "Catatan",
                "Notes",
                "Catatan penilai per indikator (indikator: catatan)",
                "The assessor's notes per indicator (indicator: note)",
            ),
            (
                "Bukti dukung",
                "Evidence",
                "Jumlah rujukan bukti dukung",
                "Number of evidence references",
            ),
            (
                "Rujukan bukti",
                "Evidence references",
                "Berkas atau nomor dokumen per indikator (indikator: rujukan)",
                "Files or document numbers per indicator (indicator: reference)",
            ),
            ("Instansi", "Agency", "Nama instansi", "The agency's name"),
            (
                "Unit layanan",
                "Service unit",
                "Nama unit layanan",
                "The unit's name",
            ),
            CATEGORY_COLUMN,
            REVIEW_COLUMN,
        ],
    );
    Table {
        key: "products",
        sheet: tr(lang, "Produk layanan", "Service products"),
        title: tr(lang, "Nilai produk layanan", "Service product scores"),
        headers,
        meanings,
        rows,
    }
}

/// Per assessed product, every applicable indicator below its maximum: what the
/// agency must fix. Those on the path to the next zone are marked. Products not
/// assessed have nothing here (they are in `not_assessed`).
fn unfulfilled(
    st: &mut Strings,
    ds: &Dataset,
    book: &ScoreBook,
    evidence: &EvidenceMap,
    lang: Lang,
) -> Table {
    let mut rows = Vec::new();
    let unanswered = tr(lang, "belum diisi", "unanswered");
    for p in ds.products.ids() {
        if Progress::of(&book.product_summary(p)) == Progress::NotAssessed {
            continue;
        }
        let product = &ds.products[p];
        let unit = &ds.units[product.unit];
        let agency = &ds.agencies[unit.agency];
        let instrument = ds.instrument_of_product(p);
        // The level-aware path (the same as `next_zone` on a product checklist, step
        // for step; a product's own indicators on the 2022-2024 one), computed rather
        // than tried: trying every indicator was a third of the nation's report.
        let node = crate::domain::model::NodeRef::Product(p);
        let path: Vec<usize> = crate::domain::model::next_category(ds, node)
            .map(|n| {
                n.steps
                    .iter()
                    .filter(|s| s.node == node)
                    .map(|s| crate::domain::model::Ix::index(s.indicator))
                    .collect()
            })
            .unwrap_or_default();
        for (i, ind) in instrument.indicators.iter().enumerate() {
            // A product answers the indicators of its own level only: listing a
            // 2022-2024 product's unit and agency indicators as unanswered took a
            // nation past a sheet's 1,048,576 rows.
            if instrument.level_of(i) != crate::domain::instrument::NodeLevel::Product {
                continue;
            }
            let (value, state) = match product.values[i] {
                Value::NotApplicable => continue,
                Value::Level(l) if u32::from(l) >= ind.max => continue,
                Value::Level(l) => (Cell::Int(i64::from(l)), Cell::Empty),
                Value::Unanswered => (Cell::Empty, st.text(&unanswered)),
            };
            let refs: Vec<&str> = evidence
                .get(&product.db_id)
                .map(|list| {
                    list.iter()
                        .filter(|(i, _)| *i == ind.id)
                        .map(|(_, r)| r.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let refs = refs.join("; ");
            rows.push(vec![
                st.text(&agency.code),
                st.text(&unit.code),
                st.text(&product.code),
                st.text(&product.name),
                st.text(&ind.id),
                st.text(instrument.dimensions[ind.dimension].label.get(lang)),
                st.text(ind.label.get(lang)),
                value,
                Cell::Number(Box::new(ind.weight.clone())),
                if path.contains(&i) {
                    st.text(&tr(lang, "ya", "yes"))
                } else {
                    Cell::Empty
                },
                Cell::Int(i64::from(ind.max)),
                state,
                match Some(product.notes[i].as_str()).filter(|n| !n.is_empty()) {
                    Some(note) => owned(capped(note.to_string())),
                    None => Cell::Empty,
                },
                if refs.is_empty() {
                    Cell::Empty
                } else {
                    owned(capped(refs))
                },
            ]);
        }
    }
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Kode instansi",
                "Agency code",
                "Kode instansi",
                "The agency's code",
            ),
            (
                "Kode unit",
                "Unit code",
                "Kode unit layanan",
                "The unit's code",
            ),
            (
                "Kode produk",
                "Product code",
                "Kode produk layanan",
                "The product's code",
            ),
            (
                "Produk layanan",
                "Service product",
                "Nama produk layanan",
                "The product's name",
            ),
            (
                "Indikator",
                "Indicator",
                "Kode indikator di instrumen",
                "The indicator's id in the instrument",
            ),
            (
                "Dimensi",
                "Dimension",
                "Dimensi indikator",
                "The indicator's dimension",
            ),
            (
                "Uraian",
                "Description",
                "Uraian indikator",
                "What the indicator asks",
            ),
            (
                "Nilai",
                "Value",
                "Nilai yang tercatat; kosong bila belum diisi",
                "The value recorded; empty when unanswered",
            ),
            (
                "Bobot",
                "Weight",
                "Bobot indikator di instrumen",
                "The indicator's weight in the instrument",
            ),
            (
                "Menuju zona berikut",
                "Towards next zone",
                "ya: termasuk indikator paling sedikit yang memenuhinya menaikkan produk ke zona berikut",
                "yes: among the fewest indicators whose fulfilment lifts the product into the next zone",
            ),
            (
                "Nilai maksimum",
                "Maximum",
                "Nilai tertinggi indikator (1 untuk centang)",
                "The indicator's highest value (1 for a tick)",
            ),
            (
                "Keterangan",
                "State",
                "belum diisi: dihitung 0",
                "unanswered: counts as 0",
            ),
            ("Catatan", "Note", "Catatan penilai", "The assessor's note"),
            (
                "Bukti dukung",
                "Evidence",
                "Rujukan bukti dukung (berkas atau nomor dokumen)",
                "Evidence references (files or document numbers)",
            ),
        ],
    );
    Table {
        key: "unfulfilled",
        sheet: tr(lang, "Belum terpenuhi", "Unfulfilled"),
        title: tr(
            lang,
            "Indikator yang belum terpenuhi",
            "Unfulfilled indicators",
        ),
        headers,
        meanings,
        rows,
    }
}

/// What was not assessed, each at its highest level: an agency with nothing
/// answered is one row (not one per product); in an assessed agency, a unit with
/// nothing answered; in an assessed unit, a product with nothing answered.
fn not_assessed(st: &mut Strings, ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let na = |s: &Summary| Progress::of(s) == Progress::NotAssessed;
    let level = |st: &mut Strings, id: &str, en: &str| st.text(&tr(lang, id, en));
    let mut rows = Vec::new();
    for (a, agency) in ds.agencies.iter_enumerated() {
        let kind = st.text(kind_label(agency.kind, lang));
        let s = book.agency(ds, a);
        if na(&s) {
            rows.push(vec![
                level(st, "Instansi", "Agency"),
                kind,
                st.text(&agency.code),
                st.text(&agency.name),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Int(s.total as i64),
            ]);
            continue;
        }
        for &u in &agency.units {
            let unit = &ds.units[u];
            let s = book.unit(u);
            if na(&s) {
                rows.push(vec![
                    level(st, "Unit", "Unit"),
                    kind.clone(),
                    st.text(&agency.code),
                    st.text(&agency.name),
                    st.text(&unit.code),
                    st.text(&unit.name),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Int(s.total as i64),
                ]);
                continue;
            }
            for &p in &unit.products {
                let s = book.product_summary(p);
                if na(&s) {
                    let product = &ds.products[p];
                    rows.push(vec![
                        level(st, "Produk", "Product"),
                        kind.clone(),
                        st.text(&agency.code),
                        st.text(&agency.name),
                        st.text(&unit.code),
                        st.text(&unit.name),
                        st.text(&product.code),
                        st.text(&product.name),
                        Cell::Int(s.total as i64),
                    ]);
                }
            }
        }
    }
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Tingkat",
                "Level",
                "Instansi, unit atau produk: yang tertinggi yang belum ada jawabannya sama sekali",
                "Agency, unit or product: the highest one with no answer at all",
            ),
            ("Jenis", "Kind", "Jenis instansi", "The kind of agency"),
            (
                "Kode instansi",
                "Agency code",
                "Kode instansi",
                "The agency's code",
            ),
            ("Instansi", "Agency", "Nama instansi", "The agency's name"),
            (
                "Kode unit",
                "Unit code",
                "Kode unit (untuk unit dan produk)",
                "The unit's code (for units and products)",
            ),
            (
                "Unit layanan",
                "Service unit",
                "Nama unit",
                "The unit's name",
            ),
            (
                "Kode produk",
                "Product code",
                "Kode produk (untuk produk)",
                "The product's code (for products)",
            ),
            (
                "Produk layanan",
                "Service product",
                "Nama produk",
                "The product's name",
            ),
            (
                "Jumlah indikator",
                "Indicators",
                "Indikator yang belum diisi",
                "Indicators not yet answered",
            ),
        ],
    );
    Table {
        key: "not_assessed",
        sheet: tr(lang, "Belum dinilai", "Not assessed"),
        title: tr(
            lang,
            "Belum dinilai (tanpa nilai, peringkat, dan zona)",
            "Not assessed (no score, rank or zone)",
        ),
        headers,
        meanings,
        rows,
    }
}

/// Products with results of several assessors (central database only), each result
/// on its own row; the one in `observation` is marked as chosen.
fn conflicts(st: &mut Strings, store: &Store, ds: &Dataset, lang: Lang) -> Result<Table> {
    let list = store.conflicting_results()?;
    let mut rows = Vec::new();
    let mut last = None;
    for r in list {
        let chosen = last != Some(r.product_id);
        last = Some(r.product_id);
        let path = ds
            .products
            .position(|p| p.db_id == r.product_id)
            .map(|p| ds.product_path(p))
            .unwrap_or_default();
        rows.push(vec![
            owned(path),
            st.text(&r.assessor_id),
            st.text(&r.assessor_name),
            r.score
                .and_then(|s| crate::domain::json::parse_decimal(&s))
                .map(|s| Cell::Score(Rounded::of(&s)))
                .unwrap_or(Cell::Empty),
            r.zone
                .map(|code| st.zone(&code, None))
                .unwrap_or(Cell::Empty),
            st.text(&r.exported_at),
            owned(if r.finalized {
                tr(lang, "final", "final")
            } else {
                tr(lang, "draf", "draft")
            }),
            if chosen {
                owned(tr(lang, "dipakai", "chosen"))
            } else {
                Cell::Empty
            },
        ]);
    }
    // Units and agencies (format 2) whose results hold different values for one
    // observation or data cell: their respondents are merged, never a conflict.
    let mut last = None;
    for r in store.conflicting_node_results()? {
        let chosen = last.as_ref() != Some(&r.path);
        last = Some(r.path.clone());
        rows.push(vec![
            owned(format!("{} ({})", r.path, r.cells.join(", "))),
            st.text(&r.assessor_id),
            st.text(&r.assessor_name),
            r.score
                .and_then(|s| crate::domain::json::parse_decimal(&s))
                .map(|s| Cell::Score(Rounded::of(&s)))
                .unwrap_or(Cell::Empty),
            r.zone
                .map(|code| st.zone(&code, None))
                .unwrap_or(Cell::Empty),
            st.text(&r.exported_at),
            owned(if r.finalized {
                tr(lang, "final", "final")
            } else {
                tr(lang, "draf", "draft")
            }),
            if chosen {
                owned(tr(lang, "dipakai", "chosen"))
            } else {
                Cell::Empty
            },
        ]);
    }
    let (headers, meanings) = columns(
        lang,
        &[
            (
                "Produk",
                "Product",
                "INSTANSI/UNIT/PRODUK; sejak 2022 juga INSTANSI/UNIT atau INSTANSI yang jawaban pengamatan atau datanya berbeda antarpenilai (indikatornya dalam kurung; responden tidak pernah berkonflik)",
                "AGENCY/UNIT/PRODUCT; since 2022 also AGENCY/UNIT or AGENCY whose observation or data answers differ between assessors (the indicators in brackets; respondents never conflict)",
            ),
            (
                "ID penilai",
                "Assessor id",
                "ID penilai",
                "The assessor's id",
            ),
            ("Penilai", "Assessor", "Nama penilai", "The assessor's name"),
            (
                "Nilai",
                "Score",
                "Nilai menurut penilai ini",
                "The score by this assessor",
            ),
            ("Zona", "Zone", "Kode zona", "Zone code"),
            (
                "Diekspor",
                "Exported at",
                "Waktu ekspor berkas penilai",
                "When the assessor's file was exported",
            ),
            ("Status", "Status", "final atau draf", "final or draft"),
            (
                "Dipakai",
                "Used",
                "Hasil yang dipakai dalam nilai (aturan penggabungan)",
                "The result used in the scores (the merge rules)",
            ),
        ],
    );
    Ok(Table {
        key: "conflicts",
        sheet: tr(lang, "Konflik", "Conflicts"),
        title: tr(
            lang,
            "Produk dengan hasil lebih dari satu penilai; unit dan instansi yang hasilnya berbeda",
            "Products with results of several assessors; units and agencies whose results differ",
        ),
        headers,
        meanings,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(answered: u64, total: u64) -> Summary {
        Summary {
            score: Some(BigRational::from_integer(0.into())),
            answered,
            total,
        }
    }

    #[test]
    fn nothing_answered_is_not_assessed_some_is_incomplete() {
        assert_eq!(Progress::of(&summary(0, 36)), Progress::NotAssessed);
        assert_eq!(Progress::of(&summary(0, 0)), Progress::NotAssessed);
        assert_eq!(Progress::of(&summary(1, 36)), Progress::Incomplete);
        assert_eq!(Progress::of(&summary(36, 36)), Progress::Complete);
    }

    #[test]
    fn scores_fall_in_ten_ranges_with_100_in_the_last() {
        assert_eq!(bin(Rounded(0)), 0);
        assert_eq!(bin(Rounded(999)), 0);
        assert_eq!(bin(Rounded(1000)), 1);
        assert_eq!(bin(Rounded(8999)), 8);
        assert_eq!(bin(Rounded(9000)), 9);
        assert_eq!(bin(Rounded(10000)), 9);
    }
}
