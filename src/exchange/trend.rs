//! Each agency's trend: the published scores of past years (`patuh history import`)
//! followed by this database's cycles, in time order with the change from one point
//! to the next; and the report's `trend` table (a sheet, a csv file, a section).
//!
//! The table is in the report only when the database holds a published score (or,
//! once cycles hold answers of their own, an agency has two points): a report of a
//! database without history is what it was.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Result;
use super::report::{Cell, Progress, Table, ZoneMark, kind_label, tr};
use crate::domain::Lang;
use crate::domain::history::{CycleKind, PointSource, TrendPoint, changes, in_order};
use crate::domain::method;
use crate::domain::model::{AgencyIx, Dataset, NodeRef, ScoreBook};
use crate::store::{CycleRow, HistoryRow, Store};

/// The point of one cycle for one agency (its score in that cycle, when assessed).
pub fn cycle_points(
    ds: &Dataset,
    book: &ScoreBook,
    a: AgencyIx,
    current: &CycleRow,
) -> Vec<TrendPoint> {
    let node = NodeRef::Agency(a);
    let s = book.summary(ds, node);
    if Progress::of(&s) == Progress::NotAssessed {
        return Vec::new();
    }
    let Some(score) = &s.score else {
        return Vec::new();
    };
    let v = method::verdict(ds.instrument_of(node), score);
    vec![TrendPoint {
        year: current.year,
        source: PointSource::Cycle {
            code: current.code.clone(),
            kind: current.kind,
        },
        score: v.rounded,
        category: v.category().to_string(),
        incomplete: Progress::of(&s) == Progress::Incomplete,
    }]
}

/// Every cycle's points of every agency (by agency code), cycles in the order they
/// were made: the current cycle scored from `ds` and `book` as the caller loaded them,
/// every other cycle loaded on its own (a second, read-only store on the same file),
/// each scored by its own instrument. The same agency is the same code in every cycle.
pub fn cycles_points(
    store: &Store,
    ds: &Dataset,
    book: &ScoreBook,
) -> Result<BTreeMap<String, Vec<TrendPoint>>> {
    let mut out: BTreeMap<String, Vec<TrendPoint>> = BTreeMap::new();
    let mut add = |ds: &Dataset, book: &ScoreBook, cycle: &CycleRow| {
        for a in ds.agencies.ids() {
            let points = cycle_points(ds, book, a, cycle);
            if !points.is_empty() {
                out.entry(ds.agencies[a].code.clone())
                    .or_default()
                    .extend(points);
            }
        }
    };
    let current = store.current_cycle_row()?;
    for cycle in store.cycles()? {
        if cycle.code == current.code {
            add(ds, book, &current);
            continue;
        }
        let mut other = Store::open_reader(store.path())?;
        other.use_cycle(&cycle.code)?;
        let other_ds = other.load()?;
        let other_book = ScoreBook::compute(&other_ds);
        add(&other_ds, &other_book, &cycle);
    }
    Ok(out)
}

/// An agency's whole trend: its published scores and its cycles' points, in order.
pub fn points(published: &[HistoryRow], cycles: Vec<TrendPoint>) -> Vec<TrendPoint> {
    let mut all: Vec<TrendPoint> = published
        .iter()
        .map(|h| TrendPoint {
            year: Some(h.year),
            source: PointSource::Published,
            score: h.score,
            category: h.category.clone(),
            incomplete: false,
        })
        .collect();
    all.extend(cycles);
    in_order(all)
}

/// Where a point comes from, as a reader says it; a cycle not complete yet says so.
pub fn point_label(p: &TrendPoint, lang: Lang) -> String {
    let source = source_label(&p.source, lang);
    if p.incomplete {
        format!("{source}, {}", Progress::Incomplete.label(lang))
    } else {
        source
    }
}

/// Where a point comes from, as a reader says it.
pub fn source_label(source: &PointSource, lang: Lang) -> String {
    match source {
        PointSource::Published => tr(lang, "dipublikasikan", "published"),
        PointSource::Cycle { code, kind } => {
            let kind = match kind {
                CycleKind::Mentoring => tr(lang, "pendampingan", "mentoring"),
                CycleKind::Assessment => tr(lang, "penilaian", "assessment"),
            };
            format!("{} {code} ({kind})", tr(lang, "siklus", "cycle"))
        }
    }
}

/// When a point is, as a reader says it: its year, else "now".
pub fn when_label(p: &TrendPoint, lang: Lang) -> String {
    match p.year {
        Some(y) => y.to_string(),
        None => tr(lang, "sekarang", "now"),
    }
}

fn text(s: impl Into<Arc<str>>) -> Cell {
    Cell::Text(s.into())
}

/// A category cell: coloured like the zone when it is a band of the agency's
/// instrument, plain text otherwise (a published category of another method).
pub fn category_cell(category: &str, bands: &[crate::domain::instrument::Band]) -> Cell {
    if category.is_empty() {
        return Cell::Empty;
    }
    match bands.iter().find(|b| b.code == category) {
        Some(b) => Cell::Zone(Arc::new(ZoneMark {
            code: b.code.clone(),
            color: b.color.clone(),
        })),
        None => text(category),
    }
}

/// The report's `trend` table, or None when no agency has a trend to show.
pub fn table(store: &Store, ds: &Dataset, book: &ScoreBook, lang: Lang) -> Result<Option<Table>> {
    let mut published: BTreeMap<String, Vec<HistoryRow>> = BTreeMap::new();
    for h in store.history(None)? {
        published.entry(h.agency.clone()).or_default().push(h);
    }
    let mut cycles = cycles_points(store, ds, book)?;
    let mut rows = Vec::new();
    let mut agencies: Vec<AgencyIx> = ds.agencies.ids().collect();
    agencies.sort_by(|a, b| ds.agencies[*a].code.cmp(&ds.agencies[*b].code));
    for a in agencies {
        let agency = &ds.agencies[a];
        let history = published.get(&agency.code).map_or(&[][..], Vec::as_slice);
        let series = points(history, cycles.remove(&agency.code).unwrap_or_default());
        if history.is_empty() && series.len() < 2 {
            continue;
        }
        let bands = &ds.instrument_of_agency(a).bands;
        for (p, change) in series.iter().zip(changes(&series)) {
            rows.push(vec![
                text(agency.code.as_str()),
                text(agency.name.as_str()),
                text(kind_label(agency.kind, lang)),
                text(when_label(p, lang)),
                text(point_label(p, lang)),
                Cell::Score(p.score),
                category_cell(&p.category, bands),
                change.map_or(Cell::Empty, Cell::Score),
            ]);
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let t = |id: &str, en: &str| tr(lang, id, en);
    let columns = [
        (
            "Kode instansi",
            "Agency code",
            "Kode instansi",
            "The agency's code",
        ),
        ("Instansi", "Agency", "Nama instansi", "The agency's name"),
        ("Jenis", "Kind", "Jenis instansi", "The kind of agency"),
        (
            "Tahun",
            "Year",
            "Tahun hasil; \"sekarang\" untuk siklus tanpa tahun",
            "The year of the result; \"now\" for a cycle without a year",
        ),
        (
            "Sumber",
            "Source",
            "dipublikasikan (patuh history import) atau siklus basis data ini (nilai sekarang)",
            "published (patuh history import) or a cycle of this database (scored now)",
        ),
        (
            "Nilai",
            "Score",
            "Nilai 0-100, dua desimal",
            "Score 0-100, two decimals",
        ),
        (
            "Kategori",
            "Category",
            "Kategori sebagaimana dipublikasikan, atau kode pita nilai instrumen",
            "The category as published, or the instrument's band code",
        ),
        (
            "Perubahan",
            "Change",
            "Selisih dari titik sebelumnya (metode penilaian dapat berbeda antartahun)",
            "Difference from the point before (the method may differ between years)",
        ),
    ];
    Ok(Some(Table {
        key: "trend",
        sheet: t("Tren", "Trend"),
        title: t(
            "Tren nilai instansi dari tahun ke tahun",
            "Agencies' scores year by year",
        ),
        headers: columns.iter().map(|c| t(c.0, c.1)).collect(),
        meanings: columns.iter().map(|c| t(c.2, c.3)).collect(),
        rows,
    }))
}
