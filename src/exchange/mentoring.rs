//! The mentoring report (*laporan pendampingan*): what the provincial office hands an
//! agency at the end of the mentoring day (`patuh report --agency CODE`). For the
//! agency, each of its service units and each of their products: the score and
//! category now, and what must still be fixed to reach the next category, in the
//! order that gains most, with the assessor's notes on those indicators and the score
//! that fixing them would give; and the agency's trend across the published scores of
//! past years and this database's cycles. `mentoring_out` writes it as markdown, a
//! self-contained printable HTML file, or an xlsx workbook.
//!
//! Everything comes from the domain: the path is [`next_category`] (products of a
//! format-1 instrument; units and agencies through their own answers and those below
//! and above them whenever the dataset holds them), the projected score is the node's
//! exact score plus the path's exact gains, rounded and banded as everywhere
//! (half away from zero, two decimals, the band looked up on the rounded score).

use num_rational::BigRational;
use num_traits::Zero;

use super::Result;
use super::report::{Progress, kind_label, tr};
use super::trend;
use crate::domain::Lang;
use crate::domain::history::TrendPoint;
use crate::domain::instrument::{Band, Instrument, NodeLevel};
use crate::domain::method::{self, NodeValue};
use crate::domain::model::{AgencyIx, Dataset, Ix, NodeRef, ScoreBook, next_category};
use crate::domain::scoring::Rounded;
use crate::store::{Store, StoreError};

/// A score with its category (the band it falls in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub score: Rounded,
    pub band: BandMark,
}

/// A band as the report shows it: its code, label and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandMark {
    pub code: String,
    pub label: String,
    pub color: Option<String>,
}

impl BandMark {
    fn of(band: &Band, lang: Lang) -> BandMark {
        BandMark {
            code: band.code.clone(),
            label: band.label.get(lang).to_string(),
            color: band.color.clone(),
        }
    }
}

/// One answer to fulfil: an indicator at a node, brought to the top of its scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Where: `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT`.
    pub path: String,
    /// The name of that node.
    pub name: String,
    pub level: NodeLevel,
    /// The indicator's id in the instrument.
    pub indicator: String,
    /// What the indicator asks, and its dimension, in the report language.
    pub label: String,
    pub dimension: String,
    /// The value now (`None` when unanswered): an observation's level, a mean of
    /// respondents, a data value; exact, shown rounded.
    pub value: Option<BigRational>,
    pub max: u32,
    /// What fulfilling it adds to the node's score, exact.
    pub gain: BigRational,
    /// The assessor's note on it (`""` when none).
    pub note: String,
}

/// Where a node stands and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outlook {
    /// Nothing answered yet: no score, no path.
    NotAssessed,
    /// Every indicator not applicable: no score.
    NoScore,
    /// In the instrument's top category already.
    Top,
    /// The path to the next category.
    Next {
        target: BandMark,
        /// Points missing to the next category's lower bound, from the rounded score.
        points: Rounded,
        /// The answers to fulfil, largest gain first.
        fixes: Vec<Fix>,
        /// Whether fulfilling them reaches it (else even every answer at its best
        /// falls short, and `fixes` lists them all).
        reachable: bool,
        /// The score (and its category) once they are fulfilled.
        projected: Grade,
    },
}

/// An agency, a unit or a product in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeReport {
    pub path: String,
    pub code: String,
    pub name: String,
    pub level: NodeLevel,
    pub progress: Progress,
    pub answered: u64,
    pub total: u64,
    /// None when not assessed or without a score.
    pub now: Option<Grade>,
    pub outlook: Outlook,
}

/// A unit with its products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitReport {
    pub node: NodeReport,
    pub products: Vec<NodeReport>,
}

/// The whole mentoring report of one agency.
#[derive(Debug, Clone)]
pub struct Mentoring {
    pub lang: Lang,
    pub database: String,
    pub generated_at: String,
    /// The cycle the scores are of, as a reader says it (`siklus default (penilaian)`).
    pub cycle: String,
    /// The kind of agency, in the report language.
    pub kind: String,
    /// The instrument: title, id and version.
    pub instrument: String,
    /// The instrument's categories, lowest first (for the trend chart).
    pub bands: Vec<(Rounded, BandMark)>,
    pub agency: NodeReport,
    pub units: Vec<UnitReport>,
    /// The agency's trend, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// What the report says besides the dataset.
pub struct Context {
    pub lang: Lang,
    pub database: String,
    pub generated_at: String,
    pub cycle: String,
    pub trend: Vec<TrendPoint>,
}

/// Builds the mentoring report of agency `code` from the database.
pub fn build(store: &Store, code: &str, lang: Lang) -> Result<Mentoring> {
    let ds = store.load()?;
    let a = ds.find_agency(code).ok_or_else(|| {
        let known: Vec<&str> = ds
            .agencies
            .iter()
            .map(|a| a.code.as_str())
            .take(20)
            .collect();
        StoreError::Refused(format!(
            "no agency {code:?} in {}; the agencies are: {}{} (see `patuh score`)",
            store.path().display(),
            known.join(", "),
            if ds.agencies.len() > known.len() {
                ", ..."
            } else {
                ""
            }
        ))
    })?;
    let book = ScoreBook::compute(&ds);
    let current = store.current_cycle_row()?;
    let published = store.history(Some(code))?;
    let points = trend::points(
        &published,
        trend::cycles_points(store, &ds, &book)?
            .remove(code)
            .unwrap_or_default(),
    );
    let cycle = trend::source_label(
        &crate::domain::history::PointSource::Cycle {
            code: current.code.clone(),
            kind: current.kind,
        },
        lang,
    );
    Ok(build_from(
        &ds,
        &book,
        a,
        Context {
            lang,
            database: store.path().display().to_string(),
            generated_at: store.now(),
            cycle,
            trend: points,
        },
    ))
}

/// Builds the mentoring report of agency `a` of a dataset (no database: a dataset
/// built in memory is reported the same way).
pub fn build_from(ds: &Dataset, book: &ScoreBook, a: AgencyIx, c: Context) -> Mentoring {
    let lang = c.lang;
    let instrument = ds.instrument_of_agency(a);
    let agency = &ds.agencies[a];
    let units = agency
        .units
        .iter()
        .map(|&u| UnitReport {
            node: node_report(ds, book, NodeRef::Unit(u), lang),
            products: ds.units[u]
                .products
                .iter()
                .map(|&p| node_report(ds, book, NodeRef::Product(p), lang))
                .collect(),
        })
        .collect();
    Mentoring {
        lang,
        database: c.database,
        generated_at: c.generated_at,
        cycle: c.cycle,
        kind: kind_label(agency.kind, lang).to_string(),
        instrument: format!(
            "{} ({} v{})",
            instrument.title.get(lang),
            instrument.id,
            instrument.version
        ),
        bands: instrument
            .bands
            .iter()
            .map(|b| (Rounded::of(&b.min), BandMark::of(b, lang)))
            .collect(),
        agency: node_report(ds, book, NodeRef::Agency(a), lang),
        units,
        trend: c.trend,
    }
}

/// The code and name of a node.
fn names(ds: &Dataset, node: NodeRef) -> (&str, &str) {
    match node {
        NodeRef::Agency(a) => (&ds.agencies[a].code, &ds.agencies[a].name),
        NodeRef::Unit(u) => (&ds.units[u].code, &ds.units[u].name),
        NodeRef::Product(p) => (&ds.products[p].code, &ds.products[p].name),
    }
}

fn grade(instrument: &Instrument, score: &BigRational, lang: Lang) -> Grade {
    let v = method::verdict(instrument, score);
    Grade {
        score: v.rounded,
        band: BandMark::of(v.band, lang),
    }
}

/// Where one node stands and its path to the next category.
pub fn node_report(ds: &Dataset, book: &ScoreBook, node: NodeRef, lang: Lang) -> NodeReport {
    let (code, name) = names(ds, node);
    let instrument = ds.instrument_of(node);
    let s = book.summary(ds, node);
    let progress = Progress::of(&s);
    let base = |now: Option<Grade>, outlook: Outlook| NodeReport {
        path: ds.node_path(node),
        code: code.to_string(),
        name: name.to_string(),
        level: node.level(),
        progress,
        answered: s.answered,
        total: s.total,
        now,
        outlook,
    };
    if progress == Progress::NotAssessed {
        return base(None, Outlook::NotAssessed);
    }
    let Some(score) = s.score.as_ref() else {
        return base(None, Outlook::NoScore);
    };
    let now = grade(instrument, score, lang);
    let Some(next) = next_category(ds, node) else {
        return base(Some(now), Outlook::Top);
    };
    let fixes: Vec<Fix> = next
        .steps
        .iter()
        .map(|step| {
            let i = step.indicator;
            let ind = &instrument.indicators[i.index()];
            let (_, name) = names(ds, step.node);
            let value = match ds
                .answers(step.node)
                .get(i.index())
                .map(|a| a.node_value(ind.max))
            {
                Some(NodeValue::Value(v)) => Some(v),
                _ => None,
            };
            Fix {
                path: ds.node_path(step.node),
                name: name.to_string(),
                level: step.node.level(),
                indicator: ind.id.clone(),
                label: ind.label.get(lang).to_string(),
                dimension: instrument.dimensions[ind.dimension]
                    .label
                    .get(lang)
                    .to_string(),
                value,
                max: ind.max,
                gain: step.gain.clone(),
                note: ds.note(step.node, i).to_string(),
            }
        })
        .collect();
    let gained: BigRational = fixes
        .iter()
        .fold(BigRational::zero(), |acc, f| acc + &f.gain);
    let projected = grade(instrument, &(score + gained), lang);
    let target = instrument
        .bands
        .get(next.band)
        .map(|b| BandMark::of(b, lang))
        .unwrap_or_else(|| now.band.clone());
    base(
        Some(now),
        Outlook::Next {
            target,
            points: next.points,
            fixes,
            reachable: next.reachable,
            projected,
        },
    )
}

/// The report's words, in its language.
pub fn words(lang: Lang) -> Words {
    let t = |id: &str, en: &str| tr(lang, id, en);
    Words {
        lang,
        title: t(
            "Laporan Pendampingan Kepatuhan",
            "Compliance Mentoring Report",
        ),
        subtitle: t(
            "Yang masih perlu diperbaiki untuk naik ke kategori berikutnya",
            "What must still be fixed to reach the next category",
        ),
        agency: t("Instansi", "Agency"),
        kind: t("Jenis", "Kind"),
        instrument: t("Instrumen", "Instrument"),
        cycle: t("Siklus", "Cycle"),
        generated: t("Dibuat", "Generated"),
        database: t("Basis data", "Database"),
        unit: t("Unit layanan", "Service unit"),
        product: t("Produk layanan", "Service product"),
        score: t("Nilai", "Score"),
        category: t("Kategori", "Category"),
        progress: t("Kemajuan", "Progress"),
        now: t("Sekarang", "Now"),
        next: t("Kategori berikutnya", "Next category"),
        points: t("Kurang", "Points missing"),
        projected: t("Nilai bila diperbaiki", "Score once fixed"),
        order: t("No.", "No."),
        where_: t("Di mana", "Where"),
        indicator: t("Indikator", "Indicator"),
        dimension: t("Dimensi", "Dimension"),
        value: t("Nilai sekarang", "Value now"),
        gain: t("Kenaikan", "Gain"),
        note: t("Catatan penilai", "Assessor's note"),
        unanswered: t("belum diisi", "unanswered"),
        of: t("dari", "of"),
        not_assessed: t(
            "Belum dinilai: belum ada jawaban sama sekali, jadi belum ada nilai dan kategori.",
            "Not assessed: nothing answered yet, so no score and no category.",
        ),
        no_score: t(
            "Tanpa nilai: semua indikator tidak berlaku.",
            "No score: every indicator is not applicable.",
        ),
        top: t(
            "Sudah di kategori tertinggi instrumen ini.",
            "Already in the instrument's top category.",
        ),
        unreachable: t(
            "Belum cukup: walau semua yang belum terpenuhi diperbaiki, kategori berikutnya belum tercapai (indikator yang belum diisi dihitung 0 sampai diisi).",
            "Not enough: even with everything still missing fixed, the next category is not reached (unanswered indicators count as 0 until answered).",
        ),
        fix_intro: t(
            "Perbaiki, dengan urutan yang paling menaikkan nilai lebih dahulu:",
            "Fix, the largest gain first:",
        ),
        trend: t("Tren nilai", "Score trend"),
        year: t("Tahun", "Year"),
        source: t("Sumber", "Source"),
        change: t("Perubahan", "Change"),
        no_trend: t(
            "Belum ada nilai tahun-tahun sebelumnya (patuh history import).",
            "No scores of past years yet (patuh history import).",
        ),
        how: t(
            "Cara membaca: untuk setiap unit dan produk, daftar ini memuat indikator paling sedikit yang, bila dipenuhi (nilai tertinggi skalanya), menaikkan nilai ke kategori berikutnya; yang kenaikannya terbesar lebih dahulu. \"Kenaikan\" adalah tambahan nilai dari satu indikator itu. \"Nilai bila diperbaiki\" dihitung tepat dari nilai sekarang ditambah semua kenaikan, lalu dibulatkan ke dua desimal (setengah menjauhi nol); kategorinya ditentukan dari nilai yang dibulatkan. Indikator yang belum diisi dihitung 0.",
            "How to read it: for each unit and product, the list holds the fewest indicators whose fulfilment (the top of their scale) lifts the score into the next category, the largest gain first. \"Gain\" is what that one indicator adds to the score. \"Score once fixed\" is computed exactly from the score now plus every gain, then rounded to two decimals (half away from zero); its category is looked up on the rounded score. Unanswered indicators count as 0.",
        ),
        level_agency: t("instansi", "agency"),
        level_unit: t("unit", "unit"),
        level_product: t("produk", "product"),
        summary: t("Ringkasan", "Summary"),
        fixes: t("Perbaikan", "To fix"),
        about: t("Keterangan", "About"),
        level: t("Tingkat", "Level"),
        path: t("Kode", "Code"),
        name: t("Nama", "Name"),
        count: t("Jumlah perbaikan", "Fixes"),
        reachable: t("Tercapai", "Reached"),
        yes: t("ya", "yes"),
        no: t("tidak", "no"),
    }
}

/// Every word the writers need, in one language.
#[derive(Debug, Clone)]
pub struct Words {
    pub lang: Lang,
    pub title: String,
    pub subtitle: String,
    pub agency: String,
    pub kind: String,
    pub instrument: String,
    pub cycle: String,
    pub generated: String,
    pub database: String,
    pub unit: String,
    pub product: String,
    pub score: String,
    pub category: String,
    pub progress: String,
    pub now: String,
    pub next: String,
    pub points: String,
    pub projected: String,
    pub order: String,
    pub where_: String,
    pub indicator: String,
    pub dimension: String,
    pub value: String,
    pub gain: String,
    pub note: String,
    pub unanswered: String,
    pub of: String,
    pub not_assessed: String,
    pub no_score: String,
    pub top: String,
    pub unreachable: String,
    pub fix_intro: String,
    pub trend: String,
    pub year: String,
    pub source: String,
    pub change: String,
    pub no_trend: String,
    pub how: String,
    pub level_agency: String,
    pub level_unit: String,
    pub level_product: String,
    pub summary: String,
    pub fixes: String,
    pub about: String,
    pub level: String,
    pub path: String,
    pub name: String,
    pub count: String,
    pub reachable: String,
    pub yes: String,
    pub no: String,
}

/// How many fixes of an agency or a unit the md and HTML reports list: a path that
/// runs through many products (each fix a small gain in the agency's mean) is listed
/// whole in the xlsx and, product by product, in each product's section.
pub const SHOWN: usize = 12;

impl Words {
    /// The line after the first [`SHOWN`] fixes of a long path: how many more and what
    /// they add together.
    pub fn more(&self, n: usize, gain: &BigRational) -> String {
        match self.lang {
            Lang::Id => format!(
                "... dan {n} perbaikan lagi (kenaikan bersama {}): daftar lengkapnya ada di laporan xlsx (lembar Perbaikan).",
                gain_text(gain)
            ),
            Lang::En => format!(
                "... and {n} more fixes (together {}): the xlsx report lists them all (sheet To fix).",
                gain_text(gain)
            ),
        }
    }

    pub fn level(&self, level: NodeLevel) -> &str {
        match level {
            NodeLevel::Agency => &self.level_agency,
            NodeLevel::Unit => &self.level_unit,
            NodeLevel::Product => &self.level_product,
        }
    }
}

/// A value as shown: an integer as it is, else rounded to two decimals without
/// trailing zeros (`2.5`).
pub fn value_text(v: &BigRational) -> String {
    if v.is_integer() {
        return v.to_integer().to_string();
    }
    let s = Rounded::of(v).to_string();
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A fix's value now, as shown: `0 dari 1`, `2.5 dari 3`, or `belum diisi`.
pub fn fix_value(f: &Fix, w: &Words) -> String {
    match &f.value {
        Some(v) => format!("{} {} {}", value_text(v), w.of, f.max),
        None => w.unanswered.clone(),
    }
}

/// A gain as shown: `+26.32`.
pub fn gain_text(g: &BigRational) -> String {
    format!("+{}", Rounded::of(g))
}
