//! The published report of a workstation or central database, as tables: the ranking
//! of agencies within each kind, zone counts and shares per kind, unit and product
//! scores, what each product must fix (its unfulfilled indicators) and, on a central
//! database, the products with results of several assessors. `report_out` writes the
//! tables as xlsx, csv or markdown.

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;

use super::Result;
use super::export::{ROLE_CENTRAL, ROLE_KEY};
use crate::domain::json::decimal_text;
use crate::domain::model::{AgencyIx, Dataset, Kind, ScoreBook, Summary};
use crate::domain::scoring::{Rounded, Value, next_zone};
use crate::domain::{Instrument, Lang};
use crate::store::Store;

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A score, rounded to 2 decimals.
    Score(Rounded),
    /// A share in percent, rounded to 2 decimals (`45.45` is 45.45 %).
    Percent(Rounded),
    /// A zone: the band code, shown in the band's colour where the format has colour.
    Zone {
        code: String,
        color: Option<String>,
    },
    Empty,
}

/// One table: a sheet in xlsx, a file in csv, a section in markdown.
#[derive(Debug, Clone)]
pub struct Table {
    /// Sheet name and file suffix: `ranking`, `zones`, ...
    pub key: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub database: String,
    pub generated_at: String,
    pub central: bool,
    pub tables: Vec<Table>,
}

fn tr(lang: Lang, id: &str, en: &str) -> String {
    match lang {
        Lang::Id => id.to_string(),
        Lang::En => en.to_string(),
    }
}

fn headers(lang: Lang, list: &[(&str, &str)]) -> Vec<String> {
    list.iter().map(|(id, en)| tr(lang, id, en)).collect()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Score, zone and zone label cells of a summary.
fn score_cells(s: &Summary, instrument: &Instrument, lang: Lang) -> [Cell; 3] {
    match (s.rounded(), s.band(instrument)) {
        (Some(r), Some(b)) => [
            Cell::Score(r),
            Cell::Zone {
                code: b.code.clone(),
                color: b.color.clone(),
            },
            text(b.label.get(lang)),
        ],
        _ => [Cell::Empty, Cell::Empty, Cell::Empty],
    }
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
    let ds = store.load()?;
    let book = ScoreBook::compute(&ds);
    let central = store.meta(ROLE_KEY)?.as_deref() == Some(ROLE_CENTRAL);
    let mut tables = vec![
        ranking(&ds, &book, lang),
        zones(&ds, &book, lang),
        units(&ds, &book, lang),
        products(&ds, &book, lang),
        unfulfilled(&ds, lang),
    ];
    if central {
        tables.push(conflicts(store, &ds, lang)?);
    }
    Ok(Report {
        database: store.path().display().to_string(),
        generated_at: store.now(),
        central,
        tables,
    })
}

/// Agencies of each kind, best first; equal rounded scores share a rank (1, 2, 2, 4).
fn ranking(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        let mut list: Vec<(AgencyIx, Summary)> = ds
            .agencies
            .ids()
            .filter(|&a| ds.agencies[a].kind == kind)
            .map(|a| (a, book.agency(ds, a)))
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
            let r = s.rounded();
            let rank_cell = match r {
                Some(r) => {
                    if last != Some(r) {
                        rank = n + 1;
                        last = Some(r);
                    }
                    Cell::Int(rank as i64)
                }
                None => Cell::Empty,
            };
            let [score, zone, label] = score_cells(s, ds.instrument_of_agency(*a), lang);
            rows.push(vec![
                text(kind.as_str()),
                rank_cell,
                text(&agency.code),
                text(&agency.name),
                score,
                zone,
                label,
                Cell::Int(s.answered as i64),
                Cell::Int(s.total as i64),
            ]);
        }
    }
    Table {
        key: "ranking",
        title: tr(
            lang,
            "Peringkat instansi per jenis",
            "Ranking of agencies by kind",
        ),
        headers: headers(
            lang,
            &[
                ("Jenis", "Kind"),
                ("Peringkat", "Rank"),
                ("Kode", "Code"),
                ("Instansi", "Agency"),
                ("Nilai", "Score"),
                ("Zona", "Zone"),
                ("Predikat", "Predicate"),
                ("Terjawab", "Answered"),
                ("Jumlah indikator", "Indicators"),
            ],
        ),
        rows,
    }
}

/// A zone in display order: highest `min` first, then code.
type ZoneKey = (std::cmp::Reverse<BigRational>, String);
/// Label, colour and number of agencies of a zone.
type ZoneCount = (String, Option<String>, usize);

/// Per kind, how many agencies are in each zone and their share of the scored ones.
fn zones(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        let agencies: Vec<AgencyIx> = ds
            .agencies
            .ids()
            .filter(|&a| ds.agencies[a].kind == kind)
            .collect();
        if agencies.is_empty() {
            continue;
        }
        // Zones by (min descending, code): every band of the instruments in use.
        let mut bands: BTreeMap<ZoneKey, ZoneCount> = BTreeMap::new();
        for &a in &agencies {
            for b in &ds.instrument_of_agency(a).bands {
                bands
                    .entry((std::cmp::Reverse(b.min.clone()), b.code.clone()))
                    .or_insert_with(|| (b.label.get(lang).to_string(), b.color.clone(), 0));
            }
        }
        let mut scored = 0;
        for &a in &agencies {
            let s = book.agency(ds, a);
            if let Some(b) = s.band(ds.instrument_of_agency(a)) {
                scored += 1;
                if let Some(entry) =
                    bands.get_mut(&(std::cmp::Reverse(b.min.clone()), b.code.clone()))
                {
                    entry.2 += 1;
                }
            }
        }
        for ((_, code), (label, color, count)) in bands {
            rows.push(vec![
                text(kind.as_str()),
                Cell::Zone { code, color },
                text(&label),
                Cell::Int(count as i64),
                percent(count, scored),
            ]);
        }
        let unscored = agencies.len() - scored;
        if unscored > 0 {
            rows.push(vec![
                text(kind.as_str()),
                Cell::Empty,
                Cell::Text(tr(lang, "belum ada nilai", "no score yet")),
                Cell::Int(unscored as i64),
                Cell::Empty,
            ]);
        }
    }
    Table {
        key: "zones",
        title: tr(lang, "Sebaran zona per jenis", "Zones by kind"),
        headers: headers(
            lang,
            &[
                ("Jenis", "Kind"),
                ("Zona", "Zone"),
                ("Predikat", "Predicate"),
                ("Jumlah instansi", "Agencies"),
                ("Persentase", "Share"),
            ],
        ),
        rows,
    }
}

fn units(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for (a, agency) in ds.agencies.iter_enumerated() {
        let instrument = ds.instrument_of_agency(a);
        for &u in &agency.units {
            let unit = &ds.units[u];
            let s = book.unit(u);
            let [score, zone, label] = score_cells(&s, instrument, lang);
            rows.push(vec![
                text(&agency.code),
                text(&agency.name),
                text(&unit.code),
                text(&unit.name),
                score,
                zone,
                label,
                Cell::Int(s.answered as i64),
                Cell::Int(s.total as i64),
            ]);
        }
    }
    Table {
        key: "units",
        title: tr(lang, "Nilai unit layanan", "Service unit scores"),
        headers: headers(
            lang,
            &[
                ("Kode instansi", "Agency code"),
                ("Instansi", "Agency"),
                ("Kode unit", "Unit code"),
                ("Unit layanan", "Service unit"),
                ("Nilai", "Score"),
                ("Zona", "Zone"),
                ("Predikat", "Predicate"),
                ("Terjawab", "Answered"),
                ("Jumlah indikator", "Indicators"),
            ],
        ),
        rows,
    }
}

fn products(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for p in ds.products.ids() {
        let product = &ds.products[p];
        let unit = &ds.units[product.unit];
        let agency = &ds.agencies[unit.agency];
        let s = book.product_summary(p);
        let [score, zone, label] = score_cells(&s, ds.instrument_of_product(p), lang);
        rows.push(vec![
            text(&agency.code),
            text(&unit.code),
            text(&product.code),
            text(&product.name),
            score,
            zone,
            label,
            Cell::Int(s.answered as i64),
            Cell::Int(s.total as i64),
            Cell::Text(if product.finalized {
                tr(lang, "final", "final")
            } else {
                tr(lang, "draf", "draft")
            }),
        ]);
    }
    Table {
        key: "products",
        title: tr(lang, "Nilai produk layanan", "Service product scores"),
        headers: headers(
            lang,
            &[
                ("Kode instansi", "Agency code"),
                ("Kode unit", "Unit code"),
                ("Kode produk", "Product code"),
                ("Produk layanan", "Service product"),
                ("Nilai", "Score"),
                ("Zona", "Zone"),
                ("Predikat", "Predicate"),
                ("Terjawab", "Answered"),
                ("Jumlah indikator", "Indicators"),
                ("Status", "Status"),
            ],
        ),
        rows,
    }
}

/// Per product, every applicable indicator below its maximum: what the agency must
/// fix. Those on the path to the next zone are marked.
fn unfulfilled(ds: &Dataset, lang: Lang) -> Table {
    let mut rows = Vec::new();
    for p in ds.products.ids() {
        let product = &ds.products[p];
        let unit = &ds.units[product.unit];
        let agency = &ds.agencies[unit.agency];
        let instrument = ds.instrument_of_product(p);
        let path: Vec<usize> = next_zone(instrument, &product.values)
            .map(|nz| nz.fulfil)
            .unwrap_or_default();
        for (i, ind) in instrument.indicators.iter().enumerate() {
            let shown = match product.values[i] {
                Value::NotApplicable => continue,
                Value::Level(l) if l >= ind.max => continue,
                Value::Level(l) => format!("{l}/{}", ind.max),
                Value::Unanswered => tr(lang, "belum diisi", "unanswered"),
            };
            rows.push(vec![
                text(&agency.code),
                text(&unit.code),
                text(&product.code),
                text(&product.name),
                text(&ind.id),
                text(&instrument.dimensions[ind.dimension].id),
                text(ind.label.get(lang)),
                Cell::Text(shown),
                Cell::Text(decimal_text(&ind.weight)),
                if path.contains(&i) {
                    Cell::Text(tr(lang, "ya", "yes"))
                } else {
                    Cell::Empty
                },
            ]);
        }
    }
    Table {
        key: "unfulfilled",
        title: tr(
            lang,
            "Indikator yang belum terpenuhi",
            "Unfulfilled indicators",
        ),
        headers: headers(
            lang,
            &[
                ("Kode instansi", "Agency code"),
                ("Kode unit", "Unit code"),
                ("Kode produk", "Product code"),
                ("Produk layanan", "Service product"),
                ("Indikator", "Indicator"),
                ("Dimensi", "Dimension"),
                ("Uraian", "Description"),
                ("Nilai", "Value"),
                ("Bobot", "Weight"),
                ("Menuju zona berikut", "Towards next zone"),
            ],
        ),
        rows,
    }
}

/// Products with results of several assessors (central database only), each result
/// on its own row; the one in `observation` is marked as chosen.
fn conflicts(store: &Store, ds: &Dataset, lang: Lang) -> Result<Table> {
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
            Cell::Text(path),
            text(&r.assessor_id),
            text(&r.assessor_name),
            r.score
                .and_then(|s| crate::domain::json::parse_decimal(&s))
                .map(|s| Cell::Score(Rounded::of(&s)))
                .unwrap_or(Cell::Empty),
            r.zone
                .map(|code| Cell::Zone { code, color: None })
                .unwrap_or(Cell::Empty),
            text(&r.exported_at),
            Cell::Text(if r.finalized {
                tr(lang, "final", "final")
            } else {
                tr(lang, "draf", "draft")
            }),
            if chosen {
                Cell::Text(tr(lang, "dipakai", "chosen"))
            } else {
                Cell::Empty
            },
        ]);
    }
    Ok(Table {
        key: "conflicts",
        title: tr(
            lang,
            "Produk dengan hasil lebih dari satu penilai",
            "Products with results of several assessors",
        ),
        headers: headers(
            lang,
            &[
                ("Produk", "Product"),
                ("ID penilai", "Assessor id"),
                ("Penilai", "Assessor"),
                ("Nilai", "Score"),
                ("Zona", "Zone"),
                ("Diekspor", "Exported at"),
                ("Status", "Status"),
                ("Dipakai", "Used"),
            ],
        ),
        rows,
    })
}
