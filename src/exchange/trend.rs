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

/// The cycles in the order of a trend: by year, a cycle without a year last (the
/// `default` cycle of a database made before cycles: its work is the newest); in a
/// year, a cycle after the one it follows (mentoring, then the assessment that follows
/// it, even where a central merge made them the other way round), else a mentoring
/// before an assessment, else in the order they were made; the cycles without a year
/// in the order they were made.
pub fn cycles_in_order(mut cycles: Vec<CycleRow>) -> Vec<CycleRow> {
    let mentoring_first = |k: CycleKind| match k {
        CycleKind::Mentoring => 0,
        CycleKind::Assessment => 1,
    };
    // Cycles without a year: in the order they were made (nothing says which kind of
    // work came first there).
    cycles.sort_by_key(|c| match c.year {
        Some(y) => (y, mentoring_first(c.kind), c.id),
        None => (i32::MAX, 0, c.id),
    });
    // A cycle of the same year before the one it follows goes right after it; each
    // move puts one cycle after its predecessor for good, so at most n rounds (a loop
    // of `follows`, which the store does not make, cannot keep it going).
    for _ in 0..cycles.len() {
        let at = |code: &str, cycles: &[CycleRow]| cycles.iter().position(|c| c.code == code);
        let early = cycles.iter().enumerate().find_map(|(i, c)| {
            let f = at(c.follows.as_deref()?, &cycles)?;
            (f > i && cycles[f].year == c.year).then_some((i, f))
        });
        let Some((i, f)) = early else { break };
        let c = cycles.remove(i);
        cycles.insert(f, c);
    }
    cycles
}

/// Every agency's point in one cycle (by agency code), read on its own through
/// `other` (a second store on the same file, read only): that cycle's answers scored
/// by its own instruments.
pub fn points_of_cycle(mut other: Store, cycle: &CycleRow) -> Result<BTreeMap<String, TrendPoint>> {
    other.use_cycle(&cycle.code)?;
    let ds = other.load()?;
    let book = ScoreBook::compute(&ds);
    Ok(agency_points(&ds, &book, cycle))
}

/// Every agency's point of the cycle `ds` and `book` hold (by agency code).
pub fn agency_points(
    ds: &Dataset,
    book: &ScoreBook,
    cycle: &CycleRow,
) -> BTreeMap<String, TrendPoint> {
    ds.agencies
        .ids()
        .filter_map(|a| {
            let p = cycle_points(ds, book, a, cycle).pop()?;
            Some((ds.agencies[a].code.clone(), p))
        })
        .collect()
}

/// Every cycle's points of every agency (by agency code), cycles in the order of a
/// trend ([`cycles_in_order`]): the current cycle scored from `ds` and `book` as the
/// caller loaded them, every other cycle loaded on its own (a second, read-only store
/// on the same file), each scored by its own instrument. The same agency is the same
/// code in every cycle.
pub fn cycles_points(
    store: &Store,
    ds: &Dataset,
    book: &ScoreBook,
) -> Result<BTreeMap<String, Vec<TrendPoint>>> {
    let mut out: BTreeMap<String, Vec<TrendPoint>> = BTreeMap::new();
    let current = store.current_cycle_row()?;
    for cycle in cycles_in_order(store.cycles()?) {
        let points = if cycle.code == current.code {
            agency_points(ds, book, &current)
        } else {
            points_of_cycle(Store::open_reader(store.path())?, &cycle)?
        };
        for (code, p) in points {
            out.entry(code).or_default().push(p);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(id: i64, code: &str, kind: CycleKind, year: Option<i32>, follows: &str) -> CycleRow {
        CycleRow {
            id,
            code: code.into(),
            kind,
            year,
            follows: (!follows.is_empty()).then(|| follows.into()),
            started_at: None,
            current: false,
        }
    }

    fn codes(cycles: Vec<CycleRow>) -> Vec<String> {
        cycles_in_order(cycles)
            .into_iter()
            .map(|c| c.code)
            .collect()
    }

    #[test]
    fn cycles_are_in_year_order_without_a_year_last() {
        use CycleKind::*;
        let got = codes(vec![
            cycle(1, "default", Assessment, None, ""),
            cycle(2, "2026-pendampingan", Mentoring, Some(2026), "default"),
            cycle(3, "2025-penilaian", Assessment, Some(2025), ""),
            cycle(
                4,
                "2026-penilaian",
                Assessment,
                Some(2026),
                "2026-pendampingan",
            ),
            cycle(5, "lama", Mentoring, None, ""),
        ]);
        assert_eq!(
            got,
            [
                "2025-penilaian",
                "2026-pendampingan",
                "2026-penilaian",
                "default",
                "lama"
            ]
        );
    }

    /// A central database that merged the assessment's export before the mentoring's
    /// made the assessment first: it still comes after the cycle it follows.
    #[test]
    fn a_cycle_comes_after_the_one_it_follows_in_its_year() {
        use CycleKind::*;
        let got = codes(vec![
            cycle(1, "2026-penilaian", Assessment, Some(2026), ""),
            cycle(2, "2026-pendampingan", Mentoring, Some(2026), ""),
        ]);
        assert_eq!(got, ["2026-pendampingan", "2026-penilaian"]);
        // A second mentoring after the assessment it follows; another assessment
        // made before both.
        let got = codes(vec![
            cycle(1, "2026-a", Assessment, Some(2026), ""),
            cycle(
                2,
                "2026-penilaian",
                Assessment,
                Some(2026),
                "2026-pendampingan",
            ),
            cycle(3, "2026-pendampingan", Mentoring, Some(2026), ""),
            cycle(4, "2026-lanjutan", Mentoring, Some(2026), "2026-penilaian"),
        ]);
        assert_eq!(
            got,
            [
                "2026-pendampingan",
                "2026-a",
                "2026-penilaian",
                "2026-lanjutan"
            ]
        );
        // A loop of `follows` (never made by the store) ends anyway.
        let got = codes(vec![
            cycle(1, "x", Assessment, Some(2026), "y"),
            cycle(2, "y", Assessment, Some(2026), "x"),
        ]);
        assert_eq!(got.len(), 2);
    }
}
