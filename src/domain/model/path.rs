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
//! The factors are small fractions, so they are multiplied on machine integers while
//! they fit ([`Q`]): on big integers a unit's path took milliseconds.

use std::cmp::Ordering;
use std::iter::Sum;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

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

/// An exact fraction n/d (d > 0) on machine integers, not reduced after every step (a
/// gcd per step was most of a path's time), on big integers once it would not fit.
/// Both parts stay below [`Q::LIMIT`], so a product of two fits an i128.
#[derive(Debug, Clone)]
enum Q {
    Small(i128, i128),
    Big(BigRational),
}

impl Q {
    const LIMIT: i128 = 1 << 62;

    fn of(x: &BigRational) -> Q {
        match (x.numer().to_i128(), x.denom().to_i128()) {
            (Some(n), Some(d)) if n.abs() < Q::LIMIT && d < Q::LIMIT => Q::Small(n, d),
            _ => Q::Big(x.clone()),
        }
    }

    /// n/d from a step's result: reduced when a part is too large, big when still so.
    fn fit(n: Option<i128>, d: Option<i128>, big: impl FnOnce() -> BigRational) -> Q {
        if let (Some(mut n), Some(mut d)) = (n, d) {
            if n.abs() >= Q::LIMIT || d >= Q::LIMIT {
                let g = n.gcd(&d);
                if g > 1 {
                    (n, d) = (n / g, d / g);
                }
            }
            if n.abs() < Q::LIMIT && d < Q::LIMIT {
                return Q::Small(n, d);
            }
        }
        Q::Big(big())
    }

    fn int(n: u64) -> Q {
        Q::Small(i128::from(n), 1)
    }

    fn zero() -> Q {
        Q::int(0)
    }

    fn big(&self) -> BigRational {
        match self {
            Q::Small(n, d) => {
                // Reduced on machine integers, not by BigRational::new's big gcd.
                let g = n.gcd(d).max(1);
                BigRational::new_raw(BigInt::from(n / g), BigInt::from(d / g))
            }
            Q::Big(x) => x.clone(),
        }
    }

    fn add(&self, o: &Q) -> Q {
        match (self, o) {
            (Q::Small(a, b), Q::Small(c, d)) if b == d => {
                Q::fit(a.checked_add(*c), Some(*b), || self.big() + o.big())
            }
            (Q::Small(a, b), Q::Small(c, d)) => {
                Q::fit((a * d).checked_add(c * b), Some(b * d), || {
                    self.big() + o.big()
                })
            }
            _ => Q::of(&(self.big() + o.big())),
        }
    }

    fn sub(&self, o: &Q) -> Q {
        self.add(&match o {
            Q::Small(n, d) => Q::Small(-n, *d),
            Q::Big(x) => Q::Big(-x),
        })
    }

    fn mul(&self, o: &Q) -> Q {
        match (self, o) {
            (Q::Small(a, b), Q::Small(c, d)) => {
                Q::fit(Some(a * c), Some(b * d), || self.big() * o.big())
            }
            _ => Q::of(&(self.big() * o.big())),
        }
    }

    /// Divided by `o`, which is not zero.
    fn div(&self, o: &Q) -> Q {
        match (self, o) {
            (Q::Small(a, b), Q::Small(c, d)) if *c != 0 => {
                let s = c.signum();
                Q::fit(Some(a * d * s), Some(b * c.abs()), || self.big() / o.big())
            }
            _ => Q::of(&(self.big() / o.big())),
        }
    }

    fn is_zero(&self) -> bool {
        match self {
            Q::Small(n, _) => *n == 0,
            Q::Big(x) => x.is_zero(),
        }
    }

    fn is_positive(&self) -> bool {
        match self {
            Q::Small(n, _) => *n > 0,
            Q::Big(x) => x.is_positive(),
        }
    }

    /// As a float, for sorting only.
    fn approx(&self) -> f64 {
        match self {
            Q::Small(n, d) => *n as f64 / *d as f64,
            Q::Big(x) => x.to_f64().unwrap_or(f64::MAX),
        }
    }
}

impl PartialEq for Q {
    fn eq(&self, o: &Q) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Q {}

impl PartialOrd for Q {
    fn partial_cmp(&self, o: &Q) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Q {
    fn cmp(&self, o: &Q) -> Ordering {
        match (self, o) {
            // Parts below 2^62: the cross products fit.
            (Q::Small(a, b), Q::Small(c, d)) => (a * d).cmp(&(c * b)),
            _ => self.big().cmp(&o.big()),
        }
    }
}

impl Sum for Q {
    fn sum<I: Iterator<Item = Q>>(it: I) -> Q {
        it.fold(Q::zero(), |acc, x| acc.add(&x))
    }
}

fn int(n: usize) -> Q {
    Q::int(n as u64)
}

/// W_d: the dimension weight, or without dimension weights the flat weight `flat`.
fn weight(instrument: &Instrument, d: usize, flat: &Q) -> Q {
    match (
        &instrument.dimensions[d].weight,
        instrument.has_dimension_weights(),
    ) {
        (Some(w), true) => Q::of(w),
        _ => flat.clone(),
    }
}

/// An answer that can still rise.
struct Cell {
    node: NodeRef,
    indicator: usize,
    dimension: usize,
    /// w * (max - v) / max: what fulfilling it adds to sum(w_i * v_i / m_i) of its
    /// dimension at its node. Times a coefficient it is the gain of a score.
    share: Q,
}

/// The answers of a node that can still rise (of the dimensions scored there).
fn cells(instrument: &Instrument, node: NodeRef, answers: &[Answer], own: &Own) -> Vec<Cell> {
    let mut out = Vec::new();
    for i in instrument.indicators_at(node.level()) {
        let ind = &instrument.indicators[i];
        if !matches!(own.dimensions.get(ind.dimension), Some(Some(_))) {
            continue;
        }
        let max = i128::from(ind.max);
        let share = match answers.get(i).map(|a| a.node_value(ind.max)) {
            Some(NodeValue::NotApplicable) => continue,
            None | Some(NodeValue::Unanswered) => Q::of(&ind.weight),
            Some(NodeValue::Value(v)) => {
                let left = Q::int(u64::from(ind.max)).sub(&Q::of(&v));
                if !left.is_positive() {
                    continue;
                }
                Q::of(&ind.weight).mul(&left).div(&Q::Small(max, 1))
            }
        };
        out.push(Cell {
            node,
            indicator: i,
            dimension: ind.dimension,
            share,
        });
    }
    out
}

/// Per dimension, 100 / sum(w_i) at a node: the rise of S_d per unit of share.
fn per_share(own: &Own) -> Vec<Option<Q>> {
    own.dimensions
        .iter()
        .map(|s| s.as_ref().map(|s| Q::int(100).div(&Q::of(&s.weight))))
        .collect()
}

/// `a * b` per dimension, where both are defined.
fn times(a: &[Option<Q>], b: impl Fn(usize) -> Option<Q>) -> Vec<Option<Q>> {
    a.iter()
        .enumerate()
        .map(|(d, x)| Some(x.as_ref()?.mul(&b(d)?)))
        .collect()
}

/// What the path needs of one product.
struct ProductFacts {
    cells: Vec<Cell>,
    own: Own,
    score: NodeScore,
    /// Per dimension, the rise of the product's score per unit of a cell's share.
    to_score: Vec<Option<Q>>,
}

impl ProductFacts {
    fn gather(ds: &Dataset, instrument: &Instrument, p: ProductIx) -> ProductFacts {
        let node = NodeRef::Product(p);
        let answers = ds.answers(node);
        let own = method::own_scores(instrument, NodeLevel::Product, &answers);
        let score = method::product_score_from(instrument, &own);
        // P = sum(W'_d S_d) / sum(W'_d) over its scored dimensions.
        let w = |d: usize| {
            own.dimensions[d]
                .as_ref()
                .map(|s| weight(instrument, d, &Q::of(&s.weight)))
        };
        let weights: Q = (0..own.dimensions.len()).filter_map(w).sum();
        let to_score = if weights.is_zero() {
            vec![None; own.dimensions.len()]
        } else {
            times(&per_share(&own), |d| Some(w(d)?.div(&weights)))
        };
        ProductFacts {
            cells: cells(instrument, node, &answers, &own),
            own,
            score,
            to_score,
        }
    }
}

/// What the path needs of one unit.
struct UnitFacts {
    cells: Vec<Cell>,
    products: Vec<ProductFacts>,
    score: NodeScore,
    /// Per dimension, the rise of the unit's score per unit of share of a cell of its
    /// own, of its agency's and, per product, of that product's.
    own_to_score: Vec<Option<Q>>,
    agency_to_score: Vec<Option<Q>>,
    products_to_score: Vec<Vec<Option<Q>>>,
}

impl UnitFacts {
    fn gather(
        ds: &Dataset,
        instrument: &Instrument,
        u: UnitIx,
        agency_own: &Own,
        agency_per_share: &[Option<Q>],
    ) -> UnitFacts {
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
        let none = vec![None; n];
        let (own_to_score, agency_to_score, products_to_score) = if score.score.is_none() {
            (none.clone(), none.clone(), vec![none; products.len()])
        } else if instrument.is_product_only() {
            // The mean of its scored products' scores.
            let k = int(products.iter().filter(|p| p.score.score.is_some()).count());
            let each = products
                .iter()
                .map(|p| times(&p.to_score, |_| Some(Q::int(1).div(&k))))
                .collect();
            (none.clone(), none, each)
        } else {
            // U = sum(W_d X_d) / sum(W_d) over the dimensions with an X_d.
            let flat = |d: usize| match instrument.dimensions[d].level {
                NodeLevel::Product => Q::zero(),
                NodeLevel::Unit => own_weight(&own, d),
                NodeLevel::Agency => own_weight(agency_own, d),
            };
            let defined = |d: usize| score.dimensions.get(d).is_some_and(Option::is_some);
            let weights: Q = (0..n)
                .filter(|&d| defined(d))
                .map(|d| weight(instrument, d, &flat(d)))
                .sum();
            let w = |d: usize| {
                (defined(d) && !weights.is_zero())
                    .then(|| weight(instrument, d, &flat(d)).div(&weights))
            };
            // A product-level X_d is the mean over the products where S_d is defined.
            let mut with_dimension = vec![0usize; n];
            for p in &products {
                for (d, s) in p.score.dimensions.iter().enumerate().take(n) {
                    if s.is_some() {
                        with_dimension[d] += 1;
                    }
                }
            }
            let each = products
                .iter()
                .map(|p| {
                    times(&per_share(&p.own), |d| {
                        Some(w(d)?.div(&int(with_dimension[d].max(1))))
                    })
                })
                .collect();
            (times(&per_share(&own), w), times(agency_per_share, w), each)
        };
        UnitFacts {
            cells: cells(instrument, node, &answers, &own),
            products,
            score,
            own_to_score,
            agency_to_score,
            products_to_score,
        }
    }
}

fn own_weight(own: &Own, d: usize) -> Q {
    own.dimensions
        .get(d)
        .and_then(Option::as_ref)
        .map_or_else(Q::zero, |s| Q::of(&s.weight))
}

/// A candidate: its gain, the gain as a float (to sort fast; exact on near ties), and
/// the answer.
type Found = (Q, f64, NodeRef, usize);

/// Adds the cells with a positive gain: share * coefficient of the cell's dimension,
/// times `scale`.
fn collect(found: &mut Vec<Found>, cells: &[Cell], to_score: &[Option<Q>], scale: Option<&Q>) {
    for c in cells {
        let Some(Some(k)) = to_score.get(c.dimension) else {
            continue;
        };
        let mut gain = c.share.mul(k);
        if let Some(s) = scale {
            gain = gain.mul(s);
        }
        if gain.is_positive() {
            let approx = gain.approx();
            found.push((gain, approx, c.node, c.indicator));
        }
    }
}

/// Largest first, exactly: floats decide when they are clearly apart, the exact
/// fractions when they are close.
fn by_gain(a: &Found, b: &Found) -> Ordering {
    let (x, y) = (a.1, b.1);
    if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) {
        return y.partial_cmp(&x).unwrap_or(Ordering::Equal);
    }
    b.0.cmp(&a.0)
}

/// The path from `node`'s score to the next band; None when it has no score or is in
/// the top band.
pub fn next_category(ds: &Dataset, node: NodeRef) -> Option<NextCategory> {
    let a = ds.agency_of(node);
    let instrument = ds.instrument_of_agency(a);
    // Candidates in tree order: the node's own answers first, then those below, then
    // (for a unit) its agency's.
    let mut found: Vec<Found> = Vec::new();
    let current = match node {
        NodeRef::Product(p) => {
            let f = ProductFacts::gather(ds, instrument, p);
            collect(&mut found, &f.cells, &f.to_score, None);
            f.score.score
        }
        NodeRef::Unit(u) => {
            let (agency_cells, agency_own) = agency_facts(ds, instrument, a);
            let f = UnitFacts::gather(ds, instrument, u, &agency_own, &per_share(&agency_own));
            collect(&mut found, &f.cells, &f.own_to_score, None);
            for (p, to_score) in f.products.iter().zip(&f.products_to_score) {
                collect(&mut found, &p.cells, to_score, None);
            }
            collect(&mut found, &agency_cells, &f.agency_to_score, None);
            f.score.score
        }
        NodeRef::Agency(a) => agency_path(ds, instrument, a, &mut found),
    }?;
    let rounded = Rounded::of(&current);
    let band = instrument.band_index(rounded.0) + 1;
    let target = &instrument.bands.get(band)?.min;
    found.sort_by(by_gain); // stable: ties stay in tree order
    // The node is in the band once its rounded score (half up: scores are never
    // negative) reaches the band's min: Rounded(x) >= 100 * min exactly when
    // x >= (ceil(100 * min) - 1/2) / 100. So the gains must add up to `need`.
    let hundred = BigRational::from_integer(100.into());
    let half = BigRational::new(1.into(), 2.into());
    let threshold = ((target * &hundred).ceil() - half) / hundred;
    let need = Q::of(&(threshold - &current));
    // The running sum as a float decides while it is clearly on one side of `need`
    // (scores are at most 100: the float's error stays far below 1e-7); the exact sum
    // decides near it.
    let need_f = need.approx();
    let reached = |steps: &[Step], sum_f: f64| {
        if (sum_f - need_f).abs() > 1e-7 {
            return sum_f > need_f;
        }
        let sum: BigRational = steps.iter().map(|s| &s.gain).sum();
        Q::of(&sum) >= need
    };
    let mut sum_f = 0.0;
    let mut steps = Vec::new();
    for (gain, approx, node, i) in found {
        if reached(&steps, sum_f) {
            break;
        }
        sum_f += approx;
        steps.push(Step {
            node,
            indicator: IndicatorIx::new(i),
            gain: gain.big(),
        });
    }
    Some(NextCategory {
        band,
        points: Rounded(Rounded::of(target).0 - rounded.0),
        reachable: reached(&steps, sum_f),
        steps,
    })
}

/// The agency's own answers that can rise, and its own scores.
fn agency_facts(ds: &Dataset, instrument: &Instrument, a: AgencyIx) -> (Vec<Cell>, Own) {
    let node = NodeRef::Agency(a);
    let answers = ds.answers(node);
    let own = method::own_scores(instrument, NodeLevel::Agency, &answers);
    (cells(instrument, node, &answers, &own), own)
}

/// An agency's candidates (into `found`) and its current score.
fn agency_path(
    ds: &Dataset,
    instrument: &Instrument,
    a: AgencyIx,
    found: &mut Vec<Found>,
) -> Option<BigRational> {
    let (agency_cells, agency_own) = agency_facts(ds, instrument, a);
    let agency_per_share = per_share(&agency_own);
    let units: Vec<UnitFacts> = ds.agencies[a]
        .units
        .iter()
        .map(|&u| UnitFacts::gather(ds, instrument, u, &agency_own, &agency_per_share))
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
            let products = || units.iter().flat_map(|u| &u.products);
            let scored = products().filter(|p| p.score.score.is_some()).count();
            if scored > 0 {
                let k = Q::int(1).div(&int(scored));
                for p in products() {
                    collect(found, &p.cells, &p.to_score, Some(&k));
                }
            }
        }
        Aggregate::Units => {
            let scored = units.iter().filter(|u| u.score.score.is_some()).count();
            if scored > 0 {
                let k = Q::int(1).div(&int(scored));
                // An agency answer reaches every unit.
                let agency_to_score: Vec<Option<Q>> = (0..instrument.dimensions.len())
                    .map(|d| {
                        let each = units.iter().filter_map(|u| u.agency_to_score[d].clone());
                        let sum: Q = each.sum();
                        sum.is_positive().then_some(sum)
                    })
                    .collect();
                collect(found, &agency_cells, &agency_to_score, Some(&k));
                for u in &units {
                    collect(found, &u.cells, &u.own_to_score, Some(&k));
                    for (p, to_score) in u.products.iter().zip(&u.products_to_score) {
                        collect(found, &p.cells, to_score, Some(&k));
                    }
                }
            }
        }
    }
    score
}
