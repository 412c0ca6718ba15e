//! What changed between two cycles (issue 14): per indicator (matched by id) its value
//! then and now with a mark, and per product, unit and agency (matched by codes) the
//! score and category then and now and the difference. Pure: two datasets with their
//! score books in, the comparison out; `patuh diff` prints it and the workstation shows
//! its deltas.
//!
//! The marks, on each side's value as a share of its indicator's maximum (so that a
//! tick and a 0-3 scale of the same indicator compare), an unanswered indicator (and
//! one carried from the previous cycle, not confirmed yet) counting as 0:
//! - `fixed`: at the maximum now and not before;
//! - `same`: at the maximum both times;
//! - `better` / `worse`: higher / lower than before, not reaching the maximum;
//! - `missing`: below the maximum both times, not higher and not lower (still missing);
//! - `new` / `gone`: the indicator is in only one cycle's instrument (at that node's
//!   level), or not applicable on one side only; `same` when not applicable on both.

use std::fmt;

use num_rational::BigRational;
use num_traits::{One, Zero};

use super::method::NodeValue;
use super::model::{Dataset, IndicatorIx, NodeRef, ScoreBook};
use super::scoring::Rounded;

/// How an indicator changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    Fixed,
    Missing,
    Worse,
    Better,
    Same,
    New,
    Gone,
}

impl Mark {
    pub const ALL: [Mark; 7] = [
        Mark::Fixed,
        Mark::Missing,
        Mark::Worse,
        Mark::Better,
        Mark::Same,
        Mark::New,
        Mark::Gone,
    ];

    /// As `diff --json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Fixed => "fixed",
            Mark::Missing => "missing",
            Mark::Worse => "worse",
            Mark::Better => "better",
            Mark::Same => "same",
            Mark::New => "new",
            Mark::Gone => "gone",
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An indicator's value at a node in one cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// On the indicator's scale 0..=max (a mean of respondents, a data value, or a
    /// level); unanswered is 0.
    Value { value: BigRational, max: u32 },
    /// Not applicable there.
    NotApplicable,
}

impl Cell {
    /// The value as a share of the maximum (None for N/A).
    fn share(&self) -> Option<BigRational> {
        match self {
            Cell::Value { value, max } if *max > 0 => {
                Some(value / BigRational::from_integer((*max).into()))
            }
            Cell::Value { .. } => Some(BigRational::one()),
            Cell::NotApplicable => None,
        }
    }
}

/// The mark of an indicator from its value then (`from`) and now (`to`); None where
/// the indicator is not in that cycle's instrument at the node.
pub fn mark(from: Option<&Cell>, to: Option<&Cell>) -> Mark {
    let (f, t) = (from.and_then(Cell::share), to.and_then(Cell::share));
    match (f, t) {
        (Some(f), Some(t)) => {
            let top = BigRational::one();
            if t >= top {
                if f >= top { Mark::Same } else { Mark::Fixed }
            } else if t > f {
                Mark::Better
            } else if t < f {
                Mark::Worse
            } else {
                Mark::Missing
            }
        }
        (None, Some(_)) => Mark::New,
        (Some(_), None) => Mark::Gone,
        (None, None) => match (from, to) {
            (Some(Cell::NotApplicable), Some(Cell::NotApplicable)) => Mark::Same,
            (_, None) => Mark::Gone,
            _ => Mark::New,
        },
    }
}

/// One indicator of a node, then and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorChange {
    pub id: String,
    pub from: Option<Cell>,
    pub to: Option<Cell>,
    pub mark: Mark,
}

/// A node's score and category in one cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Rounded to 2 decimals, as shown.
    pub score: Rounded,
    /// The band's code (`A`, `kuning`, ...).
    pub category: String,
}

/// One node (agency, unit or product) then and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeChange {
    pub code: String,
    pub name: String,
    /// None where it is undefined: the node is not in that cycle, nothing of it was
    /// assessed, or nothing is applicable.
    pub from: Option<Standing>,
    pub to: Option<Standing>,
    /// The node's own indicators (a unit's and an agency's own checklist).
    pub indicators: Vec<IndicatorChange>,
}

impl NodeChange {
    /// Now less then, of the rounded scores (as shown); None unless both are defined.
    pub fn delta(&self) -> Option<Rounded> {
        match (&self.from, &self.to) {
            (Some(f), Some(t)) => Some(Rounded(t.score.0 - f.score.0)),
            _ => None,
        }
    }

    /// How many of its indicators have each mark.
    pub fn count(&self, m: Mark) -> usize {
        self.indicators.iter().filter(|i| i.mark == m).count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDiff {
    pub node: NodeChange,
    pub products: Vec<NodeChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyDiff {
    pub node: NodeChange,
    pub units: Vec<UnitDiff>,
}

/// Two cycles compared, agencies -> units -> products.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub agencies: Vec<AgencyDiff>,
}

/// One cycle's data: the dataset and its score book.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub ds: &'a Dataset,
    pub book: &'a ScoreBook,
}

impl<'a> Side<'a> {
    pub fn new(ds: &'a Dataset, book: &'a ScoreBook) -> Side<'a> {
        Side { ds, book }
    }
}

/// A node's score and category, None where undefined (see [`NodeChange::from`]).
pub fn standing(side: Side<'_>, node: NodeRef) -> Option<Standing> {
    let s = side.book.summary(side.ds, node);
    if s.answered == 0 {
        return None;
    }
    let score = s.score?;
    let v = super::method::verdict(side.ds.instrument_of(node), &score);
    Some(Standing {
        score: v.rounded,
        category: v.category().to_string(),
    })
}

/// An indicator's value at a node (its answer as scoring reads it: carried answers are
/// unanswered, and unanswered is 0).
fn cell(ds: &Dataset, node: NodeRef, k: usize) -> Cell {
    let ind = &ds.instrument_of(node).indicators[k];
    match ds.answer(node, IndicatorIx::new(k)).node_value(ind.max) {
        NodeValue::NotApplicable => Cell::NotApplicable,
        NodeValue::Unanswered => Cell::Value {
            value: BigRational::zero(),
            max: ind.max,
        },
        NodeValue::Value(x) => Cell::Value {
            value: x,
            max: ind.max,
        },
    }
}

/// The own indicators of a node then and now, in the order of the newer instrument,
/// then those only the older one has at that level.
pub fn indicators(
    from: Option<(Side<'_>, NodeRef)>,
    to: Option<(Side<'_>, NodeRef)>,
) -> Vec<IndicatorChange> {
    let own = |x: Option<(Side<'_>, NodeRef)>| -> Vec<(String, Cell)> {
        let Some((side, node)) = x else {
            return Vec::new();
        };
        let inst = side.ds.instrument_of(node);
        inst.indicators_at(node.level())
            .map(|k| (inst.indicators[k].id.clone(), cell(side.ds, node, k)))
            .collect()
    };
    let (before, now) = (own(from), own(to));
    let mut out: Vec<IndicatorChange> = now
        .iter()
        .map(|(id, t)| {
            let f = before.iter().find(|(b, _)| b == id).map(|(_, c)| c.clone());
            IndicatorChange {
                id: id.clone(),
                mark: mark(f.as_ref(), Some(t)),
                from: f,
                to: Some(t.clone()),
            }
        })
        .collect();
    for (id, f) in before {
        if !now.iter().any(|(n, _)| *n == id) {
            out.push(IndicatorChange {
                id,
                mark: mark(Some(&f), None),
                from: Some(f),
                to: None,
            });
        }
    }
    out
}

/// Pairs of items matched by code: those of `now` in order (with the one of `before`
/// of the same code), then those only `before` has.
fn pair<T: Copy>(
    before: &[T],
    now: &[T],
    code: impl Fn(T, bool) -> String,
) -> Vec<(Option<T>, Option<T>)> {
    let mut out: Vec<(Option<T>, Option<T>)> = now
        .iter()
        .map(|&n| {
            let c = code(n, true);
            (
                before.iter().copied().find(|&b| code(b, false) == c),
                Some(n),
            )
        })
        .collect();
    for &b in before {
        let c = code(b, false);
        if !now.iter().any(|&n| code(n, true) == c) {
            out.push((Some(b), None));
        }
    }
    out
}

fn node_change(
    from: Option<(Side<'_>, NodeRef)>,
    to: Option<(Side<'_>, NodeRef)>,
    code: String,
    name: String,
) -> NodeChange {
    NodeChange {
        code,
        name,
        from: from.and_then(|(s, n)| standing(s, n)),
        to: to.and_then(|(s, n)| standing(s, n)),
        indicators: indicators(from, to),
    }
}

/// Compares two cycles (agencies, units and products matched by codes), only agency
/// `agency` when given.
pub fn diff(from: Side<'_>, to: Side<'_>, agency: Option<&str>) -> Diff {
    let pick = |side: Side<'_>| -> Vec<NodeRef> {
        side.ds
            .agencies
            .iter_enumerated()
            .filter(|(_, a)| agency.is_none_or(|c| a.code == c))
            .map(|(a, _)| NodeRef::Agency(a))
            .collect()
    };
    let code_of = |ds: &Dataset, n: NodeRef| -> (String, String) {
        match n {
            NodeRef::Agency(a) => (ds.agencies[a].code.clone(), ds.agencies[a].name.clone()),
            NodeRef::Unit(u) => (ds.units[u].code.clone(), ds.units[u].name.clone()),
            NodeRef::Product(p) => (ds.products[p].code.clone(), ds.products[p].name.clone()),
        }
    };
    let side_code = |n: NodeRef, now: bool| code_of(if now { to.ds } else { from.ds }, n).0;
    let name = |f: Option<NodeRef>, t: Option<NodeRef>| -> (String, String) {
        match (f, t) {
            (_, Some(t)) => code_of(to.ds, t),
            (Some(f), None) => code_of(from.ds, f),
            (None, None) => (String::new(), String::new()),
        }
    };
    let mut out = Diff::default();
    for (fa, ta) in pair(&pick(from), &pick(to), side_code) {
        let children = |side: Side<'_>, n: Option<NodeRef>| -> Vec<NodeRef> {
            match n {
                Some(NodeRef::Agency(a)) => side.ds.agencies[a]
                    .units
                    .iter()
                    .map(|&u| NodeRef::Unit(u))
                    .collect(),
                Some(NodeRef::Unit(u)) => side.ds.units[u]
                    .products
                    .iter()
                    .map(|&p| NodeRef::Product(p))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut units = Vec::new();
        for (fu, tu) in pair(&children(from, fa), &children(to, ta), side_code) {
            let products = pair(&children(from, fu), &children(to, tu), side_code)
                .into_iter()
                .map(|(fp, tp)| {
                    let (code, name) = name(fp, tp);
                    node_change(fp.map(|n| (from, n)), tp.map(|n| (to, n)), code, name)
                })
                .collect();
            let (code, nm) = name(fu, tu);
            units.push(UnitDiff {
                node: node_change(fu.map(|n| (from, n)), tu.map(|n| (to, n)), code, nm),
                products,
            });
        }
        let (code, nm) = name(fa, ta);
        out.agencies.push(AgencyDiff {
            node: node_change(fa.map(|n| (from, n)), ta.map(|n| (to, n)), code, nm),
            units,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Instrument;
    use crate::domain::Value;
    use crate::domain::model::{Agency, Kind, Product, Unit};

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    fn v(n: i64, max: u32) -> Cell {
        Cell::Value {
            value: r(n, 1),
            max,
        }
    }

    #[test]
    fn marks_as_the_issue_defines_them() {
        use Mark::*;
        let na = Cell::NotApplicable;
        // A tick.
        assert_eq!(mark(Some(&v(0, 1)), Some(&v(1, 1))), Fixed);
        assert_eq!(mark(Some(&v(1, 1)), Some(&v(1, 1))), Same);
        assert_eq!(mark(Some(&v(0, 1)), Some(&v(0, 1))), Missing);
        assert_eq!(mark(Some(&v(1, 1)), Some(&v(0, 1))), Worse);
        // A 0-3 scale.
        assert_eq!(mark(Some(&v(1, 3)), Some(&v(2, 3))), Better);
        assert_eq!(mark(Some(&v(2, 3)), Some(&v(1, 3))), Worse);
        assert_eq!(mark(Some(&v(3, 3)), Some(&v(2, 3))), Worse);
        assert_eq!(mark(Some(&v(2, 3)), Some(&v(2, 3))), Missing);
        assert_eq!(mark(Some(&v(2, 3)), Some(&v(3, 3))), Fixed);
        // The same indicator on another scale: compared as shares of the maximum.
        assert_eq!(mark(Some(&v(1, 1)), Some(&v(3, 3))), Same);
        assert_eq!(mark(Some(&v(1, 1)), Some(&v(2, 3))), Worse);
        assert_eq!(mark(Some(&v(0, 1)), Some(&v(2, 3))), Better);
        // A mean of respondents below the maximum.
        let mean = Cell::Value {
            value: r(5, 2),
            max: 3,
        };
        assert_eq!(mark(Some(&v(2, 3)), Some(&mean)), Better);
        // In one instrument only.
        assert_eq!(mark(None, Some(&v(0, 1))), New);
        assert_eq!(mark(Some(&v(1, 1)), None), Gone);
        // N/A.
        assert_eq!(mark(Some(&na), Some(&na)), Same);
        assert_eq!(mark(Some(&na), Some(&v(1, 1))), New);
        assert_eq!(mark(Some(&v(0, 1)), Some(&na)), Gone);
        assert_eq!(mark(None, Some(&na)), New);
        assert_eq!(mark(Some(&na), None), Gone);
    }

    /// An instrument of format 1: one dimension, the indicators (id, weight, max), the
    /// 2021 bands (merah 0, kuning 51, hijau 81).
    fn instrument(id: &str, indicators: &[(&str, u32, u32)]) -> Instrument {
        let inds: Vec<String> = indicators
            .iter()
            .map(|(i, w, max)| {
                let levels: Vec<String> = (0..=*max)
                    .map(|l| {
                        format!(r#"{{"value": {l}, "label": {{"id": "L{l}", "en": "L{l}"}}}}"#)
                    })
                    .collect();
                format!(
                    r#"{{"id": "{i}", "dimension": "d", "label": {{"id": "{i}", "en": "{i}"}},
                        "weight": {w}, "scale": {{"max": {max}, "levels": [{}]}}}}"#,
                    levels.join(",")
                )
            })
            .collect();
        let text = format!(
            r#"{{"format": "patuh-instrument", "format_version": 1, "id": "{id}", "version": "1",
                "year": 2026, "title": {{"id": "t", "en": "t"}},
                "description": {{"id": "contoh", "en": "sample"}},
                "dimensions": [{{"id": "d", "label": {{"id": "d", "en": "d"}}}}],
                "indicators": [{}],
                "bands": [
                  {{"code": "merah", "label": {{"id": "Rendah", "en": "Low"}}, "min": 0}},
                  {{"code": "kuning", "label": {{"id": "Sedang", "en": "Medium"}}, "min": 51}},
                  {{"code": "hijau", "label": {{"id": "Tinggi", "en": "High"}}, "min": 81}}]}}"#,
            inds.join(",")
        );
        Instrument::parse(&text).unwrap_or_else(|p| panic!("test instrument: {p:?}"))
    }

    /// One agency `A` with unit `U` and the products given (code, values by id).
    fn dataset(inst: Instrument, products: &[(&str, &[(&str, Value)])]) -> Dataset {
        let n = inst.indicators.len();
        let mut ds = Dataset {
            instruments: vec![inst],
            ..Dataset::default()
        };
        let a = ds.agencies.push(Agency {
            db_id: 1,
            code: "A".into(),
            name: "Agency".into(),
            kind: Kind::Pemkab,
            instrument: 0,
            units: Vec::new(),
        });
        let u = ds.units.push(Unit {
            db_id: 1,
            code: "U".into(),
            name: "Unit".into(),
            agency: a,
            products: Vec::new(),
        });
        ds.agencies[a].units.push(u);
        for (k, (code, set)) in products.iter().enumerate() {
            let mut values = vec![Value::Unanswered; n];
            for (id, val) in set.iter() {
                let i = ds.instruments[0].indicator_index(id).expect("indicator");
                values[i] = *val;
            }
            let p = ds.products.push(Product {
                db_id: k as i64,
                code: code.to_string(),
                name: code.to_string(),
                unit: u,
                finalized: false,
                values,
                notes: crate::domain::model::Notes::new(),
                evidence: crate::domain::model::Counts::new(),
            });
            ds.units[u].products.push(p);
        }
        ds
    }

    #[test]
    fn two_cycles_with_different_instruments_by_hand() {
        use Mark::*;
        use Value::{Level as L, NotApplicable as Na, Unanswered as U};
        // Before: a, b ticks (weight 1), c on 0-3 (weight 2), d a tick (weight 1).
        let old = instrument("old", &[("a", 1, 1), ("b", 1, 1), ("c", 2, 3), ("d", 1, 1)]);
        // Now: d is gone, e is new (weight 1).
        let new = instrument("new", &[("a", 1, 1), ("b", 1, 1), ("c", 2, 3), ("e", 1, 1)]);
        let before = dataset(
            old,
            &[
                ("P1", &[("a", L(1)), ("b", L(0)), ("c", L(1)), ("d", L(1))]),
                ("P2", &[("a", L(1)), ("b", L(1)), ("c", L(2)), ("d", Na)]),
                ("GONE", &[("a", L(1))]),
            ],
        );
        let now = dataset(
            new,
            &[
                // c fixed, b still missing, e new and unanswered (0).
                ("P1", &[("a", L(1)), ("b", L(0)), ("c", L(3)), ("e", U)]),
                // a worse, c better, e N/A.
                ("P2", &[("a", L(0)), ("b", L(1)), ("c", L(2)), ("e", Na)]),
                ("NEW", &[]),
            ],
        );
        let (bb, nb) = (ScoreBook::compute(&before), ScoreBook::compute(&now));
        let d = diff(Side::new(&before, &bb), Side::new(&now, &nb), None);
        let agency = &d.agencies[0];
        let unit = &agency.units[0];
        let codes: Vec<&str> = unit.products.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["P1", "P2", "NEW", "GONE"]);
        let p1 = &unit.products[0];
        // Before: 100 * (1 + 0 + 2 * 1/3 + 1) / 5 = 53.33 (kuning);
        // now:    100 * (1 + 0 + 2 * 3/3 + 0) / 5 = 60.00 (kuning); +6.67.
        assert_eq!(
            p1.from,
            Some(Standing {
                score: Rounded(5333),
                category: "kuning".into()
            })
        );
        assert_eq!(
            p1.to,
            Some(Standing {
                score: Rounded(6000),
                category: "kuning".into()
            })
        );
        assert_eq!(p1.delta(), Some(Rounded(667)));
        let marks: Vec<(&str, Mark)> = p1
            .indicators
            .iter()
            .map(|i| (i.id.as_str(), i.mark))
            .collect();
        assert_eq!(
            marks,
            [
                ("a", Same),
                ("b", Missing),
                ("c", Fixed),
                ("e", New),
                ("d", Gone)
            ]
        );
        assert_eq!(p1.indicators[2].from, Some(v(1, 3)));
        assert_eq!(p1.indicators[2].to, Some(v(3, 3)));
        assert_eq!(p1.indicators[3].from, None);
        assert_eq!(p1.indicators[3].to, Some(v(0, 1)), "unanswered counts as 0");
        let p2 = &unit.products[1];
        // Before: d N/A, out: 100 * (1 + 1 + 2 * 2/3) / 4 = 83.33 (hijau);
        // now: e N/A, out: 100 * (0 + 1 + 2 * 2/3) / 4 = 58.33 (kuning); -25.00.
        assert_eq!(
            p2.from.as_ref().map(|s| (s.score, s.category.as_str())),
            Some((Rounded(8333), "hijau"))
        );
        assert_eq!(
            p2.to.as_ref().map(|s| (s.score, s.category.as_str())),
            Some((Rounded(5833), "kuning"))
        );
        assert_eq!(p2.delta(), Some(Rounded(-2500)));
        let marks: Vec<(&str, Mark)> = p2
            .indicators
            .iter()
            .map(|i| (i.id.as_str(), i.mark))
            .collect();
        assert_eq!(
            marks,
            [
                ("a", Worse),
                ("b", Same),
                ("c", Missing),
                ("e", New),
                ("d", Gone)
            ]
        );
        // A product assessed only now, one only before: no score on the other side.
        let new_product = &unit.products[2];
        assert_eq!(
            (new_product.from.is_none(), new_product.to.is_none()),
            (true, true),
            "NEW is not assessed: nothing answered"
        );
        let gone = &unit.products[3];
        assert!(gone.from.is_some() && gone.to.is_none() && gone.delta().is_none());
        assert!(
            gone.indicators
                .iter()
                .all(|i| i.mark == Gone && i.to.is_none())
        );
        // The unit and the agency: the mean of their products' scores.
        // Before: (53.33.. + 83.33.. + 20) / 3 (GONE: a only = 100 * 1/5 = 20) = 52.22 kuning;
        // now: (60 + 58.33..) / 2 (NEW has nothing answered: 0, and counts) ...
        let s = |x: &Option<Standing>| x.as_ref().map(|s| s.score);
        let before_unit = (BigRational::new(160.into(), 3.into()) + r(250, 3) + r(20, 1)) / r(3, 1);
        assert_eq!(s(&unit.node.from), Some(Rounded::of(&before_unit)));
        assert_eq!(s(&unit.node.from), Some(Rounded(5222)));
        // Now: P1 60, P2 58.33.., NEW 0 (unanswered counts as 0): 39.44 merah.
        assert_eq!(s(&unit.node.to), Some(Rounded(3944)));
        assert_eq!(unit.node.delta(), Some(Rounded(3944 - 5222)));
        assert_eq!(
            agency.node.to.as_ref().map(|s| s.category.as_str()),
            Some("merah")
        );
        assert!(
            agency.node.indicators.is_empty(),
            "a format-1 agency has no checklist of its own"
        );
        // Only one agency, by code.
        assert_eq!(
            diff(Side::new(&before, &bb), Side::new(&now, &nb), Some("X"))
                .agencies
                .len(),
            0
        );
    }
}
