//! The report's table of dimension scores: for every agency and unit, each dimension of
//! its instrument with its weight and its score X_d (docs/instrument-format.md: a
//! unit-level dimension's own score, the mean over the unit's products for a
//! product-level one, the agency's for an agency-level one; at an agency the mean of
//! its units'), so that the input, process, output, complaints and (2025) public-trust
//! parts of a result can be read and compared. A node not assessed has no scores here.

use std::sync::Arc;

use super::report::{Cell, Progress, Table, columns, tr};
use crate::domain::Lang;
use crate::domain::model::{Dataset, NodeRef, ScoreBook};
use crate::domain::scoring::Rounded;

/// One row per dimension of every assessed agency and unit.
pub(super) fn dimensions(ds: &Dataset, book: &ScoreBook, lang: Lang) -> Table {
    let text = |s: &str| Cell::Text(Arc::from(s));
    let mut rows = Vec::new();
    for (a, agency) in ds.agencies.iter_enumerated() {
        let instrument = ds.instrument_of_agency(a);
        let nodes = std::iter::once(NodeRef::Agency(a))
            .chain(agency.units.iter().map(|&u| NodeRef::Unit(u)));
        for node in nodes {
            let summary = book.summary(ds, node);
            if Progress::of(&summary) == Progress::NotAssessed {
                continue;
            }
            let (unit_code, unit_name, level) = match node {
                NodeRef::Unit(u) => (
                    text(&ds.units[u].code),
                    text(&ds.units[u].name),
                    tr(lang, "unit", "unit"),
                ),
                _ => (Cell::Empty, Cell::Empty, tr(lang, "instansi", "agency")),
            };
            let scores = book.dimensions(ds, node);
            for (d, dim) in instrument.dimensions.iter().enumerate() {
                rows.push(vec![
                    text(&agency.code),
                    text(&agency.name),
                    unit_code.clone(),
                    unit_name.clone(),
                    text(&level),
                    text(&dim.id),
                    text(dim.label.get(lang)),
                    text(&tr(
                        lang,
                        match dim.level {
                            crate::domain::NodeLevel::Product => "produk",
                            crate::domain::NodeLevel::Unit => "unit",
                            crate::domain::NodeLevel::Agency => "instansi",
                        },
                        dim.level.as_str(),
                    )),
                    dim.weight
                        .as_ref()
                        .map_or(Cell::Empty, |w| Cell::Number(Box::new(w.clone()))),
                    scores
                        .get(d)
                        .and_then(Option::as_ref)
                        .map_or(Cell::Empty, |x| Cell::Score(Rounded::of(x))),
                ]);
            }
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
                "Kode unit layanan; kosong untuk instansi itu sendiri",
                "The unit's code; empty for the agency itself",
            ),
            (
                "Unit layanan",
                "Service unit",
                "Nama unit layanan",
                "The unit's name",
            ),
            (
                "Tingkat",
                "Level",
                "Nilai instansi atau unit",
                "The agency's or the unit's scores",
            ),
            ("Dimensi", "Dimension", "Kode dimensi", "The dimension's id"),
            (
                "Nama dimensi",
                "Dimension name",
                "Nama dimensi",
                "The dimension's name",
            ),
            (
                "Dijawab per",
                "Answered per",
                "Tingkat tempat indikatornya dijawab: produk, unit atau instansi",
                "Where its indicators are answered: product, unit or agency",
            ),
            (
                "Bobot",
                "Weight",
                "Bobot dimensi dalam persen; kosong tanpa bobot dimensi",
                "The dimension's weight in percent; empty without dimension weights",
            ),
            (
                "Nilai",
                "Score",
                "Nilai dimensi 0-100 di simpul ini (unit: nilai dimensi unit, rata-rata produknya, atau nilai instansinya; instansi: rata-rata unitnya, atau nilainya sendiri); kosong bila tidak berlaku",
                "The dimension's score 0-100 at this node (unit: its own, the mean of its products', or its agency's; agency: the mean of its units', or its own); empty when left out",
            ),
        ],
    );
    Table {
        key: "dimensions",
        sheet: tr(lang, "Nilai dimensi", "Dimensions"),
        title: tr(
            lang,
            "Nilai dimensi instansi dan unit",
            "Dimension scores of agencies and units",
        ),
        headers,
        meanings,
        rows,
    }
}
