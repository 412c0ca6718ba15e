//! The path to the next category of a product, a unit or an agency: the smallest set
//! of answers not yet at their best whose fulfilment lifts the node into the next band,
//! the largest effective gains first. It generalises [`crate::domain::scoring::next_zone`]
//! (a product's indicators) to the answers below and above a node that reach its score:
//! a unit's own answers, its products' and its agency's; an agency's own and every
//! answer of its units.
//!
//! Exact and computed, not tried: with the set of N/A answers fixed, every score is an
//! affine function of each answer's value (a dimension score is linear in its values,
//! a product or unit score a fixed weighting of dimension scores, a unit or agency a
//! fixed mean), so the gain of fulfilling one answer is the product of a few exact
//! factors, and gains add up. Taking the largest first then gives the fewest answers.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use super::{AgencyIx, Dataset, IndicatorIx, NodeRef, ProductIx, UnitIx};
use crate::domain::instrument::{Aggregate, Instrument, NodeLevel};
use crate::domain::method::{self, Answer, NodeScore, NodeValue, Own};
use crate::domain::scoring::Rounded;

/// One answer to fulfil: indicator `indicator` at `node`, brought to the top of its
/// scale (every respondent at the top, for an interview).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    /// What fulfilling it adds to the node's (unrounded) score.
    pub gain: BigRational,
}

/// The path from a node's score to the next band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextCategory {
    /// Index of the next band in the instrument's bands.
    pub band: usize,
    /// Points missing to the next band's min, from the rounded score.
    pub points: Rounded,
    /// The answers to fulfil, largest gain first (ties in tree and instrument order).
    pub steps: Vec<Step>,
    /// Whether fulfilling them reaches the band (else even every answer at its best
    /// falls short, and `steps` lists them all).
    pub reachable: bool,
}

fn int(n: u32) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// W_d: the dimension weight, or without dimension weights the flat weight `flat`.
fn weight(instrument: &Instrument, d: usize, flat: &BigRational) -> BigRational {
    match (
        &instrument.dimensions[d].weight,
        instrument.has_dimension_weights(),
    ) {
        (Some(w), true) => w.clone(),
        _ => flat.clone(),
    }
}

/// An answer that can still rise: its dimension, and how much fulfilling it raises
/// that dimension's score at its node.
struct Cell {
    node: NodeRef,
    indicator: usize,
    dimension: usize,
    /// The rise of S_d at the node: 100 * w * (max - v) / max / sum of d's weights.
    rise: BigRational,
}

/// The answers of a node that can still rise.
fn cells(instrument: &Instrument, node: NodeRef, answers: &[Answer], own: &Own) -> Vec<Cell> {
    let mut out = Vec::new();
    for i in instrument.indicators_at(node.level()) {
        let ind = &instrument.indicators[i];
        let max = int(ind.max);
        let v = match answers.get(i).map(|a| a.node_value(ind.max)) {
            None | Some(NodeValue::Unanswered) => BigRational::zero(),
            Some(NodeValue::NotApplicable) => continue,
            Some(NodeValue::Value(x)) if x >= max => continue,
            Some(NodeValue::Value(x)) => x,
        };
        let Some(Some(dim)) = own.dimensions.get(ind.dimension) else {
            continue;
        };
        let rise = int(100) * &ind.weight * (&max - v) / max / &dim.weight;
        out.push(Cell {
            node,
            indicator: i,
            dimension: ind.dimension,
            rise,
        });
    }
    out
}

/// What the path needs of one product.
struct ProductFacts {
    cells: Vec<Cell>,
    own: Own,
    score: NodeScore,
    /// sum(W_d) over its dimensions with a score: a product score's denominator.
    weights: BigRational,
}

impl ProductFacts {
    fn gather(ds: &Dataset, instrument: &Instrument, p: ProductIx) -> ProductFacts {
        let node = NodeRef::Product(p);
        let answers = ds.answers(node);
        let own = method::own_scores(instrument, NodeLevel::Product, &answers);
        let score = method::product_score_from(instrument, &own);
        let weights = own
            .dimensions
            .iter()
            .enumerate()
            .filter_map(|(d, s)| s.as_ref().map(|s| weight(instrument, d, &s.weight)))
            .sum();
        ProductFacts {
            cells: cells(instrument, node, &answers, &own),
            own,
            score,
            weights,
        }
    }

    /// The rise of the product's score when one of its cells is fulfilled.
    fn gain(&self, instrument: &Instrument, c: &Cell) -> BigRational {
        match &self.own.dimensions[c.dimension] {
            Some(s) if !self.weights.is_zero() => {
                weight(instrument, c.dimension, &s.weight) * &c.rise / &self.weights
            }
            _ => BigRational::zero(),
        }
    }
}

/// What the path needs of one unit.
struct UnitFacts {
    cells: Vec<Cell>,
    own: Own,
    products: Vec<ProductFacts>,
    score: NodeScore,
    /// sum(W_d) over the dimensions with an X_d: the unit score's denominator.
    weights: BigRational,
    /// Products with a score (the mean of a product checklist's unit).
    scored: usize,
    /// Per dimension, the products where S_d is defined (the mean X_d of a product-level
    /// dimension).
    with_dimension: Vec<usize>,
}

impl UnitFacts {
    fn gather(ds: &Dataset, instrument: &Instrument, u: UnitIx, agency_own: &Own) -> UnitFacts {
        let node = NodeRef::Unit(u);
        let answers = ds.answers(node);
        let own = method::own_scores(instrument, NodeLevel::Unit, &answers);
        let products: Vec<ProductFacts> = ds.units[u]
            .products
            .iter()
            .map(|&p| ProductFacts::gather(ds, instrument, p))
            .collect();
        let score = method::unit_score(
            instrument,
            &own,
            products.iter().map(|p| &p.score),
            agency_own,
        );
        let n = instrument.dimensions.len();
        let mut with_dimension = vec![0usize; n];
        for p in &products {
            for (d, s) in p.score.dimensions.iter().enumerate().take(n) {
                if s.is_some() {
                    with_dimension[d] += 1;
                }
            }
        }
        let zero = BigRational::zero();
        let weights = instrument
            .dimensions
            .iter()
            .enumerate()
            .filter(|(d, _)| score.dimensions.get(*d).is_some_and(Option::is_some))
            .map(|(d, dim)| {
                let flat = match dim.level {
                    NodeLevel::Product => None,
                    NodeLevel::Unit => own.dimensions[d].as_ref(),
                    NodeLevel::Agency => agency_own.dimensions[d].as_ref(),
                };
                weight(instrument, d, flat.map_or(&zero, |s| &s.weight))
            })
            .sum();
        UnitFacts {
            cells: cells(instrument, node, &answers, &own),
            scored: products.iter().filter(|p| p.score.score.is_some()).count(),
            own,
            products,
            score,
            weights,
            with_dimension,
        }
    }

    /// The rise of the unit's score when a cell of a product of it (`product`), of its
    /// own or of its agency (`agency_own`) is fulfilled.
    fn gain(
        &self,
        instrument: &Instrument,
        c: &Cell,
        product: Option<&ProductFacts>,
        agency_own: &Own,
    ) -> BigRational {
        if self.score.score.is_none() {
            return BigRational::zero();
        }
        if instrument.is_product_only() {
            // The mean of its products' scores.
            return match product {
                Some(p) if self.scored > 0 => p.gain(instrument, c) / int(self.scored as u32),
                _ => BigRational::zero(),
            };
        }
        if self.weights.is_zero() {
            return BigRational::zero();
        }
        let d = c.dimension;
        let (rise, flat) = match c.node.level() {
            NodeLevel::Product => {
                let k = self.with_dimension[d];
                if k == 0 {
                    return BigRational::zero();
                }
                (&c.rise / int(k as u32), BigRational::zero())
            }
            NodeLevel::Unit => (c.rise.clone(), own_weight(&self.own, d)),
            NodeLevel::Agency => (c.rise.clone(), own_weight(agency_own, d)),
        };
        weight(instrument, d, &flat) * rise / &self.weights
    }
}

fn own_weight(own: &Own, d: usize) -> BigRational {
    own.dimensions
        .get(d)
        .and_then(Option::as_ref)
        .map_or_else(BigRational::zero, |s| s.weight.clone())
}

/// The path from `node`'s score to the next band; None when it has no score or is in
/// the top band.
pub fn next_category(ds: &Dataset, node: NodeRef) -> Option<NextCategory> {
    let a = ds.agency_of(node);
    let instrument = ds.instrument_of_agency(a);
    // (gain, step) in tree order: the node's own answers first, then those below, then
    // (for a unit) its agency's.
    let mut found: Vec<(BigRational, NodeRef, usize)> = Vec::new();
    let mut keep = |gain: BigRational, c: &Cell| {
        if gain.is_positive() {
            found.push((gain, c.node, c.indicator));
        }
    };
    let current = match node {
        NodeRef::Product(p) => {
            let f = ProductFacts::gather(ds, instrument, p);
            for c in &f.cells {
                keep(f.gain(instrument, c), c);
            }
            f.score.score
        }
        NodeRef::Unit(u) => {
            let (agency_cells, agency_own) = agency_facts(ds, instrument, a);
            let f = UnitFacts::gather(ds, instrument, u, &agency_own);
            for c in &f.cells {
                keep(f.gain(instrument, c, None, &agency_own), c);
            }
            for p in &f.products {
                for c in &p.cells {
                    keep(f.gain(instrument, c, Some(p), &agency_own), c);
                }
            }
            for c in &agency_cells {
                keep(f.gain(instrument, c, None, &agency_own), c);
            }
            f.score.score
        }
        NodeRef::Agency(a) => agency_path(ds, instrument, a, &mut keep),
    }?;
    let rounded = Rounded::of(&current);
    let band = instrument.band_index(rounded.0) + 1;
    let target = &instrument.bands.get(band)?.min;
    // Largest gain first; ties in the order found (stable sort).
    found.sort_by(|x, y| y.0.cmp(&x.0));
    let reached_target =
        |x: &BigRational| BigRational::new(Rounded::of(x).0.into(), 100.into()) >= *target;
    let mut reached = current;
    let mut steps = Vec::new();
    for (gain, node, i) in found {
        if reached_target(&reached) {
            break;
        }
        reached += &gain;
        steps.push(Step {
            node,
            indicator: IndicatorIx::new(i),
            gain,
        });
    }
    Some(NextCategory {
        band,
        points: Rounded(Rounded::of(target).0 - rounded.0),
        steps,
        reachable: reached_target(&reached),
    })
}

/// The agency's own answers that can rise, and its own scores.
fn agency_facts(ds: &Dataset, instrument: &Instrument, a: AgencyIx) -> (Vec<Cell>, Own) {
    let node = NodeRef::Agency(a);
    let answers = ds.answers(node);
    let own = method::own_scores(instrument, NodeLevel::Agency, &answers);
    (cells(instrument, node, &answers, &own), own)
}

/// An agency's candidates with their gains (through `keep`), and its current score.
fn agency_path(
    ds: &Dataset,
    instrument: &Instrument,
    a: AgencyIx,
    keep: &mut impl FnMut(BigRational, &Cell),
) -> Option<BigRational> {
    let (agency_cells, agency_own) = agency_facts(ds, instrument, a);
    let units: Vec<UnitFacts> = ds.agencies[a]
        .units
        .iter()
        .map(|&u| UnitFacts::gather(ds, instrument, u, &agency_own))
        .collect();
    let score = method::agency_score(
        instrument,
        &agency_own,
        units.iter().map(|u| &u.score),
        units
            .iter()
            .flat_map(|u| u.products.iter().map(|p| &p.score)),
    )
    .score;
    match instrument.aggregate {
        Aggregate::Products => {
            // The mean of all its products' scores: only product answers reach it.
            let scored: usize = units
                .iter()
                .flat_map(|u| &u.products)
                .filter(|p| p.score.score.is_some())
                .count();
            if scored > 0 {
                for p in units.iter().flat_map(|u| &u.products) {
                    for c in &p.cells {
                        keep(p.gain(instrument, c) / int(scored as u32), c);
                    }
                }
            }
        }
        Aggregate::Units => {
            let scored = units.iter().filter(|u| u.score.score.is_some()).count();
            if scored > 0 {
                let k = int(scored as u32);
                for c in &agency_cells {
                    // An agency answer reaches every unit.
                    let sum: BigRational = units
                        .iter()
                        .map(|u| u.gain(instrument, c, None, &agency_own))
                        .sum();
                    keep(sum / &k, c);
                }
                for u in &units {
                    for c in &u.cells {
                        keep(u.gain(instrument, c, None, &agency_own) / &k, c);
                    }
                    for p in &u.products {
                        for c in &p.cells {
                            keep(u.gain(instrument, c, Some(p), &agency_own) / &k, c);
                        }
                    }
                }
            }
        }
    }
    score
}
