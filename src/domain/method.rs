//! Level-aware scoring: the scoring contract of docs/instrument-format.md for
//! instruments whose dimensions are answered per product, per service unit or per
//! agency, with interview indicators answered by several respondents and data
//! indicators holding another institution's exact decimals. Pure and exact (fractions
//! on machine integers, big rationals when a number does not fit; never floats), so the
//! store, the score book, the exports and the screens all get the same numbers. A format-1 instrument scores here exactly as through
//! [`super::scoring::score_product`] and the score book's means of product scores.
//!
//! The pieces, bottom up: an [`Answer`] per indicator and node; [`own_scores`] turns a
//! node's own answers into dimension scores S_d and progress; [`product_score`],
//! [`unit_score`] and [`agency_score`] roll them up; [`score_agency`] does a whole
//! agency at once; [`verdict`] and [`opinion`] name the category, zone and opinion.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::{BigRational, Ratio};
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, Signed, ToPrimitive, Zero};

use super::instrument::{Aggregate, Band, Indicator, Instrument, NodeLevel, Source, Zone};
use super::scoring::{Mean, Q, Rounded, Value};
use super::text::Text;

/// What was recorded for one indicator at one node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Answer {
    /// Nothing recorded yet: counts as 0 and leaves the node incomplete.
    #[default]
    Unanswered,
    /// Not applicable at this node: the indicator is left out.
    NotApplicable,
    /// An observation: a level 0..=max.
    Level(u32),
    /// An interview: one value per respondent of the indicator's role at this node, in
    /// respondent order; [`Value::Unanswered`] for a respondent not asked yet.
    Respondents(Vec<Value>),
    /// Outside data: an exact decimal in 0..=max, as the source gives it.
    Data(BigRational),
}

impl From<Value> for Answer {
    fn from(v: Value) -> Answer {
        match v {
            Value::Unanswered => Answer::Unanswered,
            Value::NotApplicable => Answer::NotApplicable,
            Value::Level(l) => Answer::Level(u32::from(l)),
        }
    }
}

/// An indicator's value at a node once its respondents are combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeValue {
    /// Nobody answered yet: counts as 0.
    Unanswered,
    /// Left out of its dimension.
    NotApplicable,
    /// A value in 0..=max, possibly fractional (a mean of respondents, or data).
    Value(BigRational),
}

impl Answer {
    /// The indicator's value at the node for a scale of `max`. Respondents give the
    /// mean of the levels they gave (N/A left out); when they gave none, N/A if any
    /// said N/A, else unanswered. Levels and data above `max` count as `max`, data
    /// below 0 as 0 (the entry refuses both; scoring never fails on them).
    pub fn node_value(&self, max: u32) -> NodeValue {
        let int = |n: u64| BigRational::from_integer(BigInt::from(n));
        match self {
            Answer::Unanswered => NodeValue::Unanswered,
            Answer::NotApplicable => NodeValue::NotApplicable,
            Answer::Level(l) => NodeValue::Value(int(u64::from((*l).min(max)))),
            Answer::Data(x) => {
                let top = int(u64::from(max));
                NodeValue::Value(if x.is_negative() {
                    BigRational::zero()
                } else if *x > top {
                    top
                } else {
                    x.clone()
                })
            }
            Answer::Respondents(values) => {
                let (mut sum, mut n, mut na) = (0u64, 0u64, false);
                for v in values {
                    match v {
                        Value::Level(l) => {
                            sum += u64::from(u32::from(*l).min(max));
                            n += 1;
                        }
                        Value::NotApplicable => na = true,
                        Value::Unanswered => {}
                    }
                }
                if n > 0 {
                    NodeValue::Value(BigRational::new(sum.into(), n.into()))
                } else if na {
                    NodeValue::NotApplicable
                } else {
                    NodeValue::Unanswered
                }
            }
        }
    }

    /// Answers given towards progress, before capping at the required number: each
    /// respondent with a level or N/A counts one.
    fn given(&self) -> u32 {
        match self {
            Answer::Unanswered => 0,
            Answer::Respondents(values) => values.iter().filter(|v| v.is_answered()).count() as u32,
            _ => 1,
        }
    }
}

/// (answered, required) for indicator `i` at one node: an interview needs its role's
/// `respondents` answers and counts at most that many; N/A for the whole indicator
/// settles it; an observation or data indicator needs one.
pub fn progress(instrument: &Instrument, i: usize, answer: &Answer) -> (u32, u32) {
    let required = instrument.required_answers(i);
    let answered = match answer {
        Answer::NotApplicable => required,
        a => a.given().min(required),
    };
    (answered, required)
}

/// One dimension at one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionScore {
    /// S_d = 100 * sum(w_i * v_i / m_i) / sum(w_i) over the applicable indicators.
    pub score: BigRational,
    /// sum(w_i) over the applicable indicators: the dimension's weight in a flat
    /// checklist (an instrument without dimension weights).
    pub weight: BigRational,
}

/// What a node's own answers give: the scores of the dimensions answered at its level
/// and its own progress.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Own {
    /// One per instrument dimension: None for a dimension of another level or one
    /// whose indicators are all N/A here.
    pub dimensions: Vec<Option<DimensionScore>>,
    pub answered: u64,
    pub total: u64,
}

/// Scores a node's own answers. `answers[i]` is the answer to `instrument.indicators[i]`
/// (missing entries are unanswered); answers to indicators of another level are not read.
pub fn own_scores(instrument: &Instrument, level: NodeLevel, answers: &[Answer]) -> Own {
    let (answered, total) = own_progress(instrument, level, answers);
    let dimensions = match dimensions_small(instrument, level, answers) {
        Some(dims) => dims
            .into_iter()
            .map(|d| {
                d.map(|(score, weight)| DimensionScore {
                    score: big(&score),
                    weight: big(&weight),
                })
            })
            .collect(),
        None => dimensions_exact(instrument, level, answers),
    };
    Own {
        dimensions,
        answered,
        total,
    }
}

/// (answered, required) of a node's own answers.
fn own_progress(instrument: &Instrument, level: NodeLevel, answers: &[Answer]) -> (u64, u64) {
    let unanswered = Answer::Unanswered;
    let (mut answered, mut total) = (0u64, 0u64);
    for i in instrument.indicators_at(level) {
        let (a, t) = progress(instrument, i, answers.get(i).unwrap_or(&unanswered));
        answered += u64::from(a);
        total += u64::from(t);
    }
    (answered, total)
}

/// The dimension scores on big rationals: the reference, and the fallback when a
/// number does not fit the machine-integer path.
fn dimensions_exact(
    instrument: &Instrument,
    level: NodeLevel,
    answers: &[Answer],
) -> Vec<Option<DimensionScore>> {
    let n = instrument.dimensions.len();
    let mut num = vec![BigRational::zero(); n];
    let mut den = vec![BigRational::zero(); n];
    let unanswered = Answer::Unanswered;
    for i in instrument.indicators_at(level) {
        let ind = &instrument.indicators[i];
        let d = ind.dimension;
        match answers.get(i).unwrap_or(&unanswered).node_value(ind.max) {
            NodeValue::NotApplicable => {}
            NodeValue::Unanswered => den[d] += &ind.weight,
            NodeValue::Value(v) => {
                den[d] += &ind.weight;
                if !v.is_zero() {
                    num[d] += &ind.weight * v / BigRational::from_integer(ind.max.into());
                }
            }
        }
    }
    let hundred = BigRational::from_integer(100.into());
    num.into_iter()
        .zip(den)
        .map(|(num, den)| {
            (!den.is_zero()).then(|| DimensionScore {
                score: &hundred * num / &den,
                weight: den,
            })
        })
        .collect()
}

type Small = Ratio<i64>;

fn small(x: &BigRational) -> Option<Small> {
    Some(Small::new_raw(x.numer().to_i64()?, x.denom().to_i64()?))
}

fn big(x: &Small) -> BigRational {
    BigRational::new_raw(BigInt::from(*x.numer()), BigInt::from(*x.denom()))
}

/// A sum of fractions kept over the least common multiple of their denominators,
/// without reducing after every term: the denominators of one node's terms (weight
/// denominators times scale maxima times respondent counts) are few and small, so one
/// gcd of two small numbers per term replaces a full fraction reduction.
#[derive(Clone, Copy)]
struct Sum {
    n: i64,
    d: i64,
}

impl Sum {
    const ZERO: Sum = Sum { n: 0, d: 1 };

    /// Adds n/d (d > 0).
    fn add(&mut self, n: i64, d: i64) -> Option<()> {
        if d == self.d {
            self.n = self.n.checked_add(n)?;
            return Some(());
        }
        let g = self.d.gcd(&d);
        let l = (self.d / g).checked_mul(d)?;
        self.n = self
            .n
            .checked_mul(l / self.d)?
            .checked_add(n.checked_mul(l / d)?)?;
        self.d = l;
        Some(())
    }

    fn ratio(self) -> Small {
        Small::new(self.n, self.d)
    }
}

/// The same sums on machine integers (big-integer arithmetic made scoring a nation a
/// hundred times slower); None as soon as anything would overflow.
fn dimensions_small(
    instrument: &Instrument,
    level: NodeLevel,
    answers: &[Answer],
) -> Option<Vec<Option<(Small, Small)>>> {
    let n = instrument.dimensions.len();
    let mut num = vec![Sum::ZERO; n];
    let mut den = vec![Sum::ZERO; n];
    let unanswered = Answer::Unanswered;
    for i in instrument.indicators_at(level) {
        let ind = &instrument.indicators[i];
        let d = ind.dimension;
        let max = i64::from(ind.max);
        // The value's share of the scale as p/q (v / m), None when N/A.
        let part: Option<(i64, i64)> = match answers.get(i).unwrap_or(&unanswered) {
            Answer::Unanswered => Some((0, 1)),
            Answer::NotApplicable => None,
            Answer::Level(l) => Some((i64::from(*l).min(max), max)),
            Answer::Respondents(values) => {
                let (mut sum, mut count, mut na) = (0i64, 0i64, false);
                for v in values {
                    match v {
                        Value::Level(l) => {
                            sum += i64::from(*l).min(max);
                            count += 1;
                        }
                        Value::NotApplicable => na = true,
                        Value::Unanswered => {}
                    }
                }
                match (count, na) {
                    (0, true) => None,
                    (0, false) => Some((0, 1)),
                    _ => Some((sum, count.checked_mul(max)?)),
                }
            }
            data @ Answer::Data(_) => match data.node_value(ind.max) {
                NodeValue::Value(v) => {
                    let v = small(&v)?;
                    Some((*v.numer(), (*v.denom()).checked_mul(max)?))
                }
                _ => Some((0, 1)),
            },
        };
        let Some((p, q)) = part else { continue };
        let (wn, wd) = (ind.weight.numer().to_i64()?, ind.weight.denom().to_i64()?);
        den[d].add(wn, wd)?;
        if p != 0 {
            num[d].add(wn.checked_mul(p)?, wd.checked_mul(q)?)?;
        }
    }
    let hundred = Small::from(100);
    num.into_iter()
        .zip(den)
        .map(|(num, den)| {
            if den.n == 0 {
                return Some(None);
            }
            let den = den.ratio();
            let score = hundred.checked_mul(&num.ratio())?.checked_div(&den)?;
            Some(Some((score, den)))
        })
        .collect()
}

/// A score at any node, with its dimensions and progress.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeScore {
    /// None when nothing applicable is left to score.
    pub score: Option<BigRational>,
    /// One per instrument dimension, X_d at this node: S_d for a dimension answered
    /// here; at a unit the mean of S_d over its products (product level) or the
    /// agency's S_d (agency level); at an agency the mean of its units' X_d (or of its
    /// products' S_d with `aggregate: "products"`). None when left out.
    pub dimensions: Vec<Option<BigRational>>,
    /// Answers given, counting each required respondent, here and below.
    pub answered: u64,
    pub total: u64,
}

impl NodeScore {
    pub fn complete(&self) -> bool {
        self.answered == self.total
    }

    pub fn rounded(&self) -> Option<Rounded> {
        self.score.as_ref().map(Rounded::of)
    }

    /// Category and zone of the rounded score.
    pub fn verdict<'a>(&self, instrument: &'a Instrument) -> Option<Verdict<'a>> {
        self.score.as_ref().map(|s| verdict(instrument, s))
    }
}

/// One dimension's value at a node and the flat weight it carries without dimension
/// weights.
type Term<'a> = (usize, &'a BigRational, &'a BigRational);

/// sum(W_d X_d) / sum(W_d) over the dimensions with a value, W_d the dimension weight,
/// or without dimension weights the flat weight beside each value.
fn weighted(instrument: &Instrument, xs: &[Term<'_>]) -> Option<BigRational> {
    let dimension_weights = instrument.has_dimension_weights();
    let weight_of = |d: usize, flat: &'_ BigRational| -> BigRational {
        match (&instrument.dimensions[d].weight, dimension_weights) {
            (Some(w), true) => w.clone(),
            _ => flat.clone(),
        }
    };
    // On machine integers first; big rationals when a number does not fit.
    let small_path = || -> Option<Option<BigRational>> {
        let mut acc = Small::zero();
        let mut weights = Small::zero();
        for &(d, x, flat) in xs {
            let w = match (&instrument.dimensions[d].weight, dimension_weights) {
                (Some(w), true) => small(w)?,
                _ => small(flat)?,
            };
            acc = acc.checked_add(&w.checked_mul(&small(x)?)?)?;
            weights = weights.checked_add(&w)?;
        }
        if weights.is_zero() {
            return Some(None);
        }
        Some(Some(big(&acc.checked_div(&weights)?)))
    };
    small_path().unwrap_or_else(|| {
        let mut acc = BigRational::zero();
        let mut weights = BigRational::zero();
        for &(d, x, flat) in xs {
            let w = weight_of(d, flat);
            acc += &w * x;
            weights += w;
        }
        (!weights.is_zero()).then(|| acc / weights)
    })
}

/// A product's score over the product-level dimensions: today's rule (flat weighting
/// without dimension weights). No score when the instrument has no product-level
/// dimension or every product-level indicator is N/A.
pub fn product_score(instrument: &Instrument, answers: &[Answer]) -> NodeScore {
    let own = own_scores(instrument, NodeLevel::Product, answers);
    let score = product_weighted(instrument, &own);
    NodeScore {
        score,
        dimensions: own
            .dimensions
            .into_iter()
            .map(|s| s.map(|s| s.score))
            .collect(),
        answered: own.answered,
        total: own.total,
    }
}

/// [`product_score`] from the product's own scores ([`own_scores`] at product level),
/// for a caller that keeps them.
pub fn product_score_from(instrument: &Instrument, own: &Own) -> NodeScore {
    NodeScore {
        score: product_weighted(instrument, own),
        dimensions: own
            .dimensions
            .iter()
            .map(|s| s.as_ref().map(|s| s.score.clone()))
            .collect(),
        answered: own.answered,
        total: own.total,
    }
}

fn product_weighted(instrument: &Instrument, own: &Own) -> Option<BigRational> {
    let terms: Vec<Term<'_>> = own
        .dimensions
        .iter()
        .enumerate()
        .filter_map(|(d, s)| s.as_ref().map(|s| (d, &s.score, &s.weight)))
        .collect();
    weighted(instrument, &terms)
}

/// What a roll-up reads of a node below it: its score, its dimension scores and its
/// progress (a [`NodeScore`] by reference, or the pieces a caller keeps apart).
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub score: Option<&'a BigRational>,
    pub dimensions: &'a [Option<BigRational>],
    pub answered: u64,
    pub total: u64,
}

impl NodeScore {
    /// This score as a part of a roll-up.
    pub fn part(&self) -> Part<'_> {
        Part {
            score: self.score.as_ref(),
            dimensions: &self.dimensions,
            answered: self.answered,
            total: self.total,
        }
    }
}

/// A unit's score from its own answers (`own`, from [`own_scores`] at unit level), its
/// products' scores and its agency's own answers (`agency`, at agency level).
///
/// When every dimension is product-level it is the mean of its products' scores (the
/// format-1 rule). Otherwise sum(W_d X_d) / sum(W_d) over the dimensions with a defined
/// X_d: S_d(unit), the mean of S_d over the unit's products, or S_d(agency). Without
/// dimension weights (allowed only when every dimension has one level) W_d is the sum
/// of d's applicable indicator weights where it is answered: one flat checklist.
/// Progress adds the unit's own to its products'.
pub fn unit_score<'a>(
    instrument: &Instrument,
    own: &Own,
    products: impl IntoIterator<Item = &'a NodeScore>,
    agency: &Own,
) -> NodeScore {
    unit_score_of(
        instrument,
        own,
        products.into_iter().map(NodeScore::part),
        agency,
    )
}

/// [`unit_score`] from the products' [`Part`]s.
pub fn unit_score_of<'a>(
    instrument: &Instrument,
    own: &Own,
    products: impl IntoIterator<Item = Part<'a>>,
    agency: &Own,
) -> NodeScore {
    let n = instrument.dimensions.len();
    let mut product_scores = Mean::default();
    let mut product_dims = vec![Mean::default(); n];
    let (mut answered, mut total) = (own.answered, own.total);
    for p in products {
        if let Some(s) = p.score {
            product_scores.add(s);
        }
        for (d, x) in p.dimensions.iter().enumerate().take(n) {
            if let Some(x) = x {
                product_dims[d].add(x);
            }
        }
        answered += p.answered;
        total += p.total;
    }
    let at = |o: &Own, d: usize| o.dimensions.get(d).cloned().flatten();
    // X_d with the flat weight it would carry without dimension weights (product-level
    // dimensions never need one: mixed levels require dimension weights).
    let xs: Vec<Option<(BigRational, BigRational)>> = instrument
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| match dim.level {
            NodeLevel::Product => product_dims[d].value().map(|x| (x, BigRational::zero())),
            NodeLevel::Unit => at(own, d).map(|s| (s.score, s.weight)),
            NodeLevel::Agency => at(agency, d).map(|s| (s.score, s.weight)),
        })
        .collect();
    let score = if instrument.is_product_only() {
        product_scores.value()
    } else {
        let terms: Vec<Term<'_>> = xs
            .iter()
            .enumerate()
            .filter_map(|(d, x)| x.as_ref().map(|(x, w)| (d, x, w)))
            .collect();
        weighted(instrument, &terms)
    };
    NodeScore {
        score,
        dimensions: xs.into_iter().map(|x| x.map(|(x, _)| x)).collect(),
        answered,
        total,
    }
}

/// An agency's score by the instrument's `aggregate`: the mean of its units' scores
/// (`units`) or of all its products' scores (`products`, only for product-level
/// instruments). `own` is [`own_scores`] at agency level. Progress adds the agency's
/// own to its units' (which hold their products').
pub fn agency_score<'a, 'b>(
    instrument: &Instrument,
    own: &Own,
    units: impl IntoIterator<Item = &'a NodeScore>,
    products: impl IntoIterator<Item = &'b NodeScore>,
) -> NodeScore {
    agency_score_of(
        instrument,
        own,
        units.into_iter().map(NodeScore::part),
        products.into_iter().map(NodeScore::part),
    )
}

/// [`agency_score`] from the units' and products' [`Part`]s (the products are read only
/// with `aggregate: "products"`).
pub fn agency_score_of<'a, 'b>(
    instrument: &Instrument,
    own: &Own,
    units: impl IntoIterator<Item = Part<'a>>,
    products: impl IntoIterator<Item = Part<'b>>,
) -> NodeScore {
    let n = instrument.dimensions.len();
    let mut unit_scores = Mean::default();
    let mut unit_dims = vec![Mean::default(); n];
    let (mut answered, mut total) = (own.answered, own.total);
    for u in units {
        if let Some(s) = u.score {
            unit_scores.add(s);
        }
        for (d, x) in u.dimensions.iter().enumerate().take(n) {
            if let Some(x) = x {
                unit_dims[d].add(x);
            }
        }
        answered += u.answered;
        total += u.total;
    }
    let (score, below) = match instrument.aggregate {
        Aggregate::Units => (unit_scores.value(), unit_dims),
        Aggregate::Products => {
            let mut scores = Mean::default();
            let mut dims = vec![Mean::default(); n];
            for p in products {
                if let Some(s) = p.score {
                    scores.add(s);
                }
                for (d, x) in p.dimensions.iter().enumerate().take(n) {
                    if let Some(x) = x {
                        dims[d].add(x);
                    }
                }
            }
            (scores.value(), dims)
        }
    };
    let dimensions = instrument
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| match dim.level {
            NodeLevel::Agency => own.dimensions.get(d).cloned().flatten().map(|s| s.score),
            _ => below[d].value(),
        })
        .collect();
    NodeScore {
        score,
        dimensions,
        answered,
        total,
    }
}

// The score book's path: the same functions on [`Q`] (machine integers unless a number
// does not fit), for a book that keeps every score of a nation. Each is the function
// above step for step on exact numbers, so the results are equal (the proptest below
// compares them on random instruments and answers, near overflow too).

/// [`Own`] as the score book keeps it: per dimension (S_d, its flat weight).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnQ {
    pub dimensions: Vec<Option<(Q, Q)>>,
    pub answered: u64,
    pub total: u64,
}

/// [`NodeScore`] as the score book keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeQ {
    pub score: Option<Q>,
    pub dimensions: Vec<Option<Q>>,
    pub answered: u64,
    pub total: u64,
}

impl NodeQ {
    pub fn to_node_score(&self) -> NodeScore {
        NodeScore {
            score: self.score.as_ref().map(Q::to_big),
            dimensions: dims_big(&self.dimensions),
            answered: self.answered,
            total: self.total,
        }
    }

    pub fn part(&self) -> PartQ<'_> {
        PartQ {
            score: self.score.as_ref(),
            dimensions: &self.dimensions,
            answered: self.answered,
            total: self.total,
        }
    }
}

/// Dimension scores as big rationals.
pub fn dims_big(dims: &[Option<Q>]) -> Vec<Option<BigRational>> {
    dims.iter().map(|d| d.as_ref().map(Q::to_big)).collect()
}

/// [`Part`] on [`Q`].
#[derive(Debug, Clone, Copy)]
pub struct PartQ<'a> {
    pub score: Option<&'a Q>,
    pub dimensions: &'a [Option<Q>],
    pub answered: u64,
    pub total: u64,
}

/// A big rational of an instrument as a [`Q`], without copying it when it fits.
fn q_of(x: &BigRational) -> Q {
    match (x.numer().to_i64(), x.denom().to_i64()) {
        (Some(n), Some(d)) => Q::Small(Ratio::new_raw(n, d)),
        _ => Q::Big(Box::new(x.clone())),
    }
}

/// [`own_scores`] on [`Q`].
pub fn own_scores_q(instrument: &Instrument, level: NodeLevel, answers: &[Answer]) -> OwnQ {
    let (answered, total) = own_progress(instrument, level, answers);
    let dimensions = match dimensions_small(instrument, level, answers) {
        Some(dims) => dims
            .into_iter()
            .map(|d| d.map(|(score, weight)| (Q::Small(score), Q::Small(weight))))
            .collect(),
        None => dimensions_exact(instrument, level, answers)
            .into_iter()
            .map(|d| d.map(|d| (Q::from_big(d.score), Q::from_big(d.weight))))
            .collect(),
    };
    OwnQ {
        dimensions,
        answered,
        total,
    }
}

/// [`weighted`] on [`Q`].
fn weighted_q<'a>(
    instrument: &Instrument,
    xs: impl IntoIterator<Item = (usize, &'a Q, &'a Q)>,
) -> Option<Q> {
    let dimension_weights = instrument.has_dimension_weights();
    let mut acc = Q::ZERO;
    let mut weights = Q::ZERO;
    let mut xs = xs.into_iter().peekable();
    // One dimension alone (a 2022-2024 product): w x / w is x, without three reductions.
    if let Some((d, x, flat)) = xs.next() {
        let w = match (&instrument.dimensions[d].weight, dimension_weights) {
            (Some(w), true) => q_of(w),
            _ => flat.clone(),
        };
        if xs.peek().is_none() {
            return (!w.is_zero()).then(|| x.clone());
        }
        acc = w.mul(x);
        weights = w;
    }
    for (d, x, flat) in xs {
        let w = match (&instrument.dimensions[d].weight, dimension_weights) {
            (Some(w), true) => q_of(w),
            _ => flat.clone(),
        };
        acc = acc.add(&w.mul(x));
        weights = weights.add(&w);
    }
    (!weights.is_zero()).then(|| acc.div(&weights))
}

/// [`product_score`] on [`Q`].
pub fn product_score_q(instrument: &Instrument, answers: &[Answer]) -> NodeQ {
    let own = own_scores_q(instrument, NodeLevel::Product, answers);
    let score = weighted_q(
        instrument,
        own.dimensions
            .iter()
            .enumerate()
            .filter_map(|(d, s)| s.as_ref().map(|(x, w)| (d, x, w))),
    );
    NodeQ {
        score,
        dimensions: own
            .dimensions
            .into_iter()
            .map(|s| s.map(|(x, _)| x))
            .collect(),
        answered: own.answered,
        total: own.total,
    }
}

/// A product-level scorer prepared once per instrument whose product-level indicators
/// are all observed (the 2022-2024 method's process dimension): [`product_score_q`]
/// straight from a product's values, with each weight over a common denominator as
/// an integer (as [`super::scoring::Scorer`] does for format 1), so a product costs a
/// few integer sums and one reduction per dimension, no list of answers.
#[derive(Debug, Clone)]
pub struct ObservedProducts {
    /// Per product-level indicator: (its index, its dimension, its maximum, w_i L / m_i,
    /// w_i L) with L the common denominator of the weights times the lcm of the maxima.
    indicators: Vec<(usize, usize, u32, i128, i128)>,
    /// L, to give a dimension's flat weight (sum w_i) back as a fraction.
    scale: i128,
}

impl ObservedProducts {
    /// None when a product-level indicator is not an observation or a number is too
    /// large: products then go through [`product_score_q`].
    pub fn of(instrument: &Instrument) -> Option<ObservedProducts> {
        const LIMIT: i128 = 1 << 40;
        let at: Vec<usize> = instrument.indicators_at(NodeLevel::Product).collect();
        if at
            .iter()
            .any(|&i| !matches!(instrument.indicators[i].source, Source::Observation))
            || instrument.dimensions.len() > 16
        {
            return None;
        }
        let mut weight_den = 1i128;
        let mut max_lcm = 1i128;
        for &i in &at {
            let ind = &instrument.indicators[i];
            let d = ind.weight.denom().to_i128().filter(|d| *d > 0)?;
            weight_den = (weight_den / weight_den.gcd(&d)).checked_mul(d)?;
            max_lcm = max_lcm.lcm(&i128::from(ind.max.max(1)));
            if weight_den >= LIMIT || max_lcm >= LIMIT {
                return None;
            }
        }
        let scale = weight_den.checked_mul(max_lcm)?;
        let mut indicators = Vec::with_capacity(at.len());
        for &i in &at {
            let ind = &instrument.indicators[i];
            let (n, d) = (ind.weight.numer().to_i128()?, ind.weight.denom().to_i128()?);
            let full = n.checked_mul(scale / d)?;
            if full <= 0 || full >= LIMIT * LIMIT || ind.max == 0 {
                return None;
            }
            let coef = full / i128::from(ind.max);
            indicators.push((i, ind.dimension, ind.max, coef, full));
        }
        Some(ObservedProducts { indicators, scale })
    }

    /// [`product_score_q`] of a product with these `values` (its observations).
    pub fn score(&self, instrument: &Instrument, values: &[Value]) -> Option<NodeQ> {
        let n = instrument.dimensions.len();
        let mut num = [0i128; 16];
        let mut den = [0i128; 16];
        let mut answered = 0u64;
        for &(i, d, max, coef, full) in &self.indicators {
            let level = match values.get(i).copied().unwrap_or_default() {
                Value::NotApplicable => {
                    answered += 1;
                    continue;
                }
                Value::Unanswered => 0,
                Value::Level(l) => {
                    answered += 1;
                    u32::from(l).min(max)
                }
            };
            den[d] = den[d].checked_add(full)?;
            num[d] = num[d].checked_add(coef.checked_mul(i128::from(level))?)?;
        }
        let mut dims: Vec<Option<(Q, Q)>> = Vec::with_capacity(n);
        let flat = !instrument.has_dimension_weights();
        for d in 0..n {
            dims.push(if den[d] == 0 {
                None
            } else {
                let weight = if flat {
                    Q::ratio(den[d], self.scale)
                } else {
                    Q::ZERO
                };
                Some((Q::ratio(num[d].checked_mul(100)?, den[d]), weight))
            });
        }
        let score = weighted_q(
            instrument,
            dims.iter()
                .enumerate()
                .filter_map(|(d, s)| s.as_ref().map(|(x, w)| (d, x, w))),
        );
        Some(NodeQ {
            score,
            dimensions: dims.into_iter().map(|s| s.map(|(x, _)| x)).collect(),
            answered,
            total: self.indicators.len() as u64,
        })
    }
}

/// [`unit_score_of`] on [`Q`].
pub fn unit_score_q<'a>(
    instrument: &Instrument,
    own: &OwnQ,
    products: impl IntoIterator<Item = PartQ<'a>>,
    agency: &OwnQ,
) -> NodeQ {
    let n = instrument.dimensions.len();
    let mut product_scores = Mean::default();
    let mut product_dims = vec![Mean::default(); n];
    let (mut answered, mut total) = (own.answered, own.total);
    for p in products {
        if let Some(s) = p.score {
            product_scores.add_q(s);
        }
        for (d, x) in p.dimensions.iter().enumerate().take(n) {
            if let Some(x) = x {
                product_dims[d].add_q(x);
            }
        }
        answered += p.answered;
        total += p.total;
    }
    let at = |o: &OwnQ, d: usize| o.dimensions.get(d).cloned().flatten();
    let xs: Vec<Option<(Q, Q)>> = instrument
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| match dim.level {
            NodeLevel::Product => product_dims[d].value_q().map(|x| (x, Q::ZERO)),
            NodeLevel::Unit => at(own, d),
            NodeLevel::Agency => at(agency, d),
        })
        .collect();
    let score = if instrument.is_product_only() {
        product_scores.value_q()
    } else {
        weighted_q(
            instrument,
            xs.iter()
                .enumerate()
                .filter_map(|(d, x)| x.as_ref().map(|(x, w)| (d, x, w))),
        )
    };
    NodeQ {
        score,
        dimensions: xs.into_iter().map(|x| x.map(|(x, _)| x)).collect(),
        answered,
        total,
    }
}

/// [`agency_score_of`] on [`Q`].
pub fn agency_score_q<'a, 'b>(
    instrument: &Instrument,
    own: &OwnQ,
    units: impl IntoIterator<Item = PartQ<'a>>,
    products: impl IntoIterator<Item = PartQ<'b>>,
) -> NodeQ {
    let n = instrument.dimensions.len();
    let mean_of = |parts: &mut dyn Iterator<Item = PartQ<'_>>,
                   progress: &mut (u64, u64)|
     -> (Mean, Vec<Mean>) {
        let mut scores = Mean::default();
        let mut dims = vec![Mean::default(); n];
        for p in parts {
            if let Some(s) = p.score {
                scores.add_q(s);
            }
            for (d, x) in p.dimensions.iter().enumerate().take(n) {
                if let Some(x) = x {
                    dims[d].add_q(x);
                }
            }
            progress.0 += p.answered;
            progress.1 += p.total;
        }
        (scores, dims)
    };
    let mut progress = (own.answered, own.total);
    let (unit_scores, unit_dims) = mean_of(&mut units.into_iter(), &mut progress);
    let (score, below) = match instrument.aggregate {
        Aggregate::Units => (unit_scores.value_q(), unit_dims),
        Aggregate::Products => {
            let (scores, dims) = mean_of(&mut products.into_iter(), &mut (0, 0));
            (scores.value_q(), dims)
        }
    };
    let dimensions = instrument
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| match dim.level {
            NodeLevel::Agency => own.dimensions.get(d).cloned().flatten().map(|s| s.0),
            _ => below[d].value_q(),
        })
        .collect();
    NodeQ {
        score,
        dimensions,
        answered: progress.0,
        total: progress.1,
    }
}

/// Every answer of one agency, by node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgencyAnswers {
    /// Answers to the agency-level indicators, by instrument indicator index.
    pub own: Vec<Answer>,
    pub units: Vec<UnitAnswers>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitAnswers {
    /// Answers to the unit-level indicators, by instrument indicator index.
    pub own: Vec<Answer>,
    /// Per product, answers to the product-level indicators.
    pub products: Vec<Vec<Answer>>,
}

/// Scores of one agency and everything below it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgencyScores {
    pub agency: NodeScore,
    pub units: Vec<UnitScores>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitScores {
    pub unit: NodeScore,
    pub products: Vec<NodeScore>,
}

/// Scores a whole agency from its answers: the reference the incremental score book
/// must equal.
pub fn score_agency(instrument: &Instrument, answers: &AgencyAnswers) -> AgencyScores {
    let agency_own = own_scores(instrument, NodeLevel::Agency, &answers.own);
    let units: Vec<UnitScores> = answers
        .units
        .iter()
        .map(|u| {
            let products: Vec<NodeScore> = u
                .products
                .iter()
                .map(|p| product_score(instrument, p))
                .collect();
            let own = own_scores(instrument, NodeLevel::Unit, &u.own);
            UnitScores {
                unit: unit_score(instrument, &own, &products, &agency_own),
                products,
            }
        })
        .collect();
    let agency = agency_score(
        instrument,
        &agency_own,
        units.iter().map(|u| &u.unit),
        units.iter().flat_map(|u| &u.products),
    );
    AgencyScores { agency, units }
}

/// What a score means on an instrument's bands.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    /// The score rounded half away from zero to 2 decimals: what is shown and looked up.
    pub rounded: Rounded,
    /// The band with the greatest `min` <= the rounded score.
    pub band: &'a Band,
    /// The band's zone, when the instrument has zones.
    pub zone: Option<&'a Zone>,
}

impl<'a> Verdict<'a> {
    /// The category: the band's code (e.g. `"A"`).
    pub fn category(&self) -> &'a str {
        &self.band.code
    }

    /// The zone's code, or the band's code when the instrument has no zones.
    pub fn zone_code(&self) -> &'a str {
        self.zone.map_or(&self.band.code, |z| &z.code)
    }

    /// The colour to show: the band's own, else its zone's.
    pub fn color(&self) -> Option<&'a str> {
        self.band
            .color
            .as_deref()
            .or_else(|| self.zone.and_then(|z| z.color.as_deref()))
    }
}

/// Rounds a score and looks up its band and zone.
pub fn verdict<'a>(instrument: &'a Instrument, score: &BigRational) -> Verdict<'a> {
    let rounded = Rounded::of(score);
    let band = instrument.band_for(rounded.0);
    Verdict {
        rounded,
        band,
        zone: instrument.zone_of(band),
    }
}

/// The opinion label: the band's label, followed by the qualifier's label when it is
/// granted (`qualifier == Some(true)` and the instrument has one), in both languages.
pub fn opinion(instrument: &Instrument, band: &Band, qualifier: Option<bool>) -> Text {
    match (&instrument.qualifier, qualifier) {
        (Some(q), Some(true)) => {
            let en = match (&band.label.en, &q.label.en) {
                (None, None) => None,
                _ => Some(format!(
                    "{} {}",
                    band.label.get(super::text::Lang::En),
                    q.label.get(super::text::Lang::En)
                )),
            };
            Text::new(format!("{} {}", band.label.id, q.label.id), en)
        }
        _ => band.label.clone(),
    }
}

/// Reads a data value as typed on the command line or in a CSV file (`82.35`): a plain
/// decimal with a dot, in 0..=max of a `data` indicator. Exact: never a float.
pub fn parse_data_value(indicator: &Indicator, text: &str) -> Result<BigRational, String> {
    if !matches!(indicator.source, Source::Data { .. }) {
        return Err(format!(
            "indicator {:?} is answered by {}, not by a data value",
            indicator.id,
            indicator.source.as_str()
        ));
    }
    let t = text.trim();
    if t.contains(',') && !t.contains('.') {
        return Err(format!(
            "{t:?} is not a number: write decimals with a dot (82.35, not 82,35)"
        ));
    }
    let plain = !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.matches('.').count() <= 1
        && !t.starts_with('.')
        && !t.ends_with('.');
    let value = plain
        .then(|| super::json::parse_decimal(t))
        .flatten()
        .ok_or_else(|| {
            format!(
                "{t:?} is not a decimal number in 0..{}: write it like 82.35",
                indicator.max
            )
        })?;
    if value > BigRational::from_integer(indicator.max.into()) {
        return Err(format!(
            "{t} is above the scale of {:?}: values go from 0 to {}",
            indicator.id, indicator.max
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random answers at every level of an instrument, from a seed (xorshift).
    fn random(i: &Instrument, level: NodeLevel, seed: &mut u64) -> Vec<Answer> {
        let mut next = |below: u64| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed % below
        };
        let value = |max: u32, next: &mut dyn FnMut(u64) -> u64| match next(u64::from(max) + 3) {
            0 => Value::Unanswered,
            1 => Value::NotApplicable,
            k => Value::level(k as u32 - 2),
        };
        (0..i.indicators.len())
            .map(|k| {
                let ind = &i.indicators[k];
                if i.level_of(k) != level {
                    return Answer::Unanswered;
                }
                match ind.source {
                    Source::Observation => Answer::from(value(ind.max, &mut next)),
                    Source::Interview { .. } => Answer::Respondents(
                        (0..next(6)).map(|_| value(ind.max, &mut next)).collect(),
                    ),
                    Source::Data { .. } => match next(4) {
                        0 => Answer::Unanswered,
                        1 => Answer::NotApplicable,
                        _ => Answer::Data(BigRational::new(
                            (next(u64::from(ind.max) * 1000 + 1) as i64).into(),
                            1000.into(),
                        )),
                    },
                }
            })
            .collect()
    }

    #[test]
    fn the_machine_integer_path_equals_the_big_rational_reference() {
        let shipped = [
            include_str!("../../fixtures/instruments/kepatuhan-2021.json"),
            include_str!("../../fixtures/instruments/kepatuhan-2022.json"),
            include_str!("../../fixtures/instruments/kepatuhan-2024.json"),
            include_str!("../../fixtures/instruments/opini-2025.json"),
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for text in shipped {
            let mut i = Instrument::parse(text).expect("shipped instrument");
            for round in 0..2 {
                if round == 1 {
                    // Weights over large coprime denominators: the integer path overflows
                    // and must hand over to the reference.
                    const PRIMES: [i64; 3] = [999_983, 999_979, 999_961];
                    for (k, ind) in i.indicators.iter_mut().enumerate() {
                        ind.weight = BigRational::new((7 + k as i64).into(), PRIMES[k % 3].into());
                    }
                }
                for _ in 0..100 {
                    for level in NodeLevel::ALL {
                        let answers = random(&i, level, &mut seed);
                        let exact = dimensions_exact(&i, level, &answers);
                        if let Some(fast) = dimensions_small(&i, level, &answers) {
                            let fast: Vec<Option<DimensionScore>> = fast
                                .into_iter()
                                .map(|d| {
                                    d.map(|(score, weight)| DimensionScore {
                                        score: big(&score),
                                        weight: big(&weight),
                                    })
                                })
                                .collect();
                            assert_eq!(fast, exact);
                        } else {
                            assert_eq!(round, 1, "only huge weights leave the integer path");
                        }
                        assert_eq!(own_scores(&i, level, &answers).dimensions, exact);
                    }
                }
            }
        }
    }

    use proptest::prelude::*;

    /// A number for a weight: small, around 2^31 (products of two overflow `i64` sums),
    /// or near `i64::MAX` (the first product overflows).
    fn magnitude() -> impl Strategy<Value = i64> {
        prop_oneof![
            1i64..200,
            (1i64 << 30)..(1i64 << 33),
            (i64::MAX - 1000)..=i64::MAX,
            (i64::MAX / 3)..(i64::MAX / 2),
        ]
    }

    fn scores_q_and_big(i: &Instrument, seed: u64, units: usize, products: usize) {
        let mut seed = seed | 1;
        let own_a = random(i, NodeLevel::Agency, &mut seed);
        let answers = AgencyAnswers {
            own: own_a.clone(),
            units: (0..units)
                .map(|_| UnitAnswers {
                    own: random(i, NodeLevel::Unit, &mut seed),
                    products: (0..products)
                        .map(|_| random(i, NodeLevel::Product, &mut seed))
                        .collect(),
                })
                .collect(),
        };
        let reference = score_agency(i, &answers);
        let agency_own = own_scores_q(i, NodeLevel::Agency, &answers.own);
        assert_eq!(
            agency_own.answered,
            own_scores(i, NodeLevel::Agency, &answers.own).answered
        );
        let mut unit_scores = Vec::new();
        let mut all_products = Vec::new();
        for (k, u) in answers.units.iter().enumerate() {
            let products: Vec<NodeQ> = u.products.iter().map(|p| product_score_q(i, p)).collect();
            for (j, p) in products.iter().enumerate() {
                assert_canonical(p);
                assert_eq!(
                    p.to_node_score(),
                    reference.units[k].products[j],
                    "product {k}/{j}"
                );
            }
            // Straight from the values where the product level is observed.
            if let Some(observed) = ObservedProducts::of(i) {
                for (j, answers) in u.products.iter().enumerate() {
                    let values: Vec<Value> = answers
                        .iter()
                        .map(|a| match a {
                            Answer::Level(l) => Value::level(*l),
                            Answer::NotApplicable => Value::NotApplicable,
                            _ => Value::Unanswered,
                        })
                        .collect();
                    if let Some(s) = observed.score(i, &values) {
                        assert_canonical(&s);
                        assert_eq!(s, products[j], "observed product {k}/{j}");
                    }
                }
            }
            let own = own_scores_q(i, NodeLevel::Unit, &u.own);
            let unit = unit_score_q(i, &own, products.iter().map(NodeQ::part), &agency_own);
            assert_canonical(&unit);
            assert_eq!(unit.to_node_score(), reference.units[k].unit, "unit {k}");
            unit_scores.push(unit);
            all_products.extend(products);
        }
        let agency = agency_score_q(
            i,
            &agency_own,
            unit_scores.iter().map(NodeQ::part),
            all_products.iter().map(NodeQ::part),
        );
        assert_canonical(&agency);
        assert_eq!(agency.to_node_score(), reference.agency);
    }

    /// Small whenever it fits: equal numbers are equal `Q`s.
    fn assert_canonical(s: &NodeQ) {
        for q in s.score.iter().chain(s.dimensions.iter().flatten()) {
            if let Q::Big(b) = q {
                assert!(
                    b.numer().to_i64().is_none() || b.denom().to_i64().is_none(),
                    "{b} kept big"
                );
            }
        }
    }

    fn shipped_instrument(which: usize) -> Instrument {
        let text = [
            include_str!("../../fixtures/instruments/kepatuhan-2021.json"),
            include_str!("../../fixtures/instruments/kepatuhan-2022.json"),
            include_str!("../../fixtures/instruments/kepatuhan-2024.json"),
            include_str!("../../fixtures/instruments/opini-2025.json"),
        ][which % 4];
        Instrument::parse(text).expect("shipped instrument")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(160))]

        /// The score book's machine-integer path (`*_q`) gives exactly the big-rational
        /// reference's numbers at every level, with the shipped weights and with random
        /// ones up to `i64::MAX` (where it must hand over to big rationals midway).
        #[test]
        fn the_score_book_path_equals_the_big_rational_reference(
            which in 0usize..4,
            seed in any::<u64>(),
            units in 0usize..4,
            products in 0usize..4,
            weights in prop::collection::vec((magnitude(), magnitude()), 0..8),
            dimension_weights in prop::collection::vec((magnitude(), magnitude()), 0..4),
        ) {
            let mut i = shipped_instrument(which);
            if !weights.is_empty() {
                for (k, ind) in i.indicators.iter_mut().enumerate() {
                    let (n, d) = weights[k % weights.len()];
                    ind.weight = BigRational::new(n.into(), d.into());
                }
            }
            if !dimension_weights.is_empty() && i.has_dimension_weights() {
                for (k, dim) in i.dimensions.iter_mut().enumerate() {
                    let (n, d) = dimension_weights[k % dimension_weights.len()];
                    dim.weight = Some(BigRational::new(n.into(), d.into()));
                }
            }
            scores_q_and_big(&i, seed, units, products);
        }

        /// Each operation of `Q` is that of big rationals, near and past the edges of
        /// `i64` (both signs, `i64::MIN` included).
        #[test]
        fn q_arithmetic_is_big_rational_arithmetic(
            a in (prop_oneof![any::<i64>(), -5i64..5, Just(i64::MIN), Just(i64::MAX)], prop_oneof![1i64..10, (i64::MAX - 5)..=i64::MAX, any::<i64>().prop_filter("nonzero", |d| *d != 0)]),
            b in (prop_oneof![any::<i64>(), -5i64..5, Just(i64::MIN), Just(i64::MAX)], prop_oneof![1i64..10, (i64::MAX - 5)..=i64::MAX, any::<i64>().prop_filter("nonzero", |d| *d != 0)]),
        ) {
            let big = |(n, d): (i64, i64)| BigRational::new(n.into(), d.into());
            let (x, y) = (big(a), big(b));
            let (qx, qy) = (Q::from_big(x.clone()), Q::from_big(y.clone()));
            prop_assert_eq!(Q::ratio(i128::from(a.0), i128::from(a.1)), qx.clone());
            prop_assert_eq!(qx.to_big(), x.clone());
            prop_assert_eq!(qx.add(&qy), Q::from_big(&x + &y));
            prop_assert_eq!(qx.mul(&qy), Q::from_big(&x * &y));
            if !y.is_zero() {
                prop_assert_eq!(qx.div(&qy), Q::from_big(&x / &y));
            }
            prop_assert_eq!(qx.is_zero(), x.is_zero());
            prop_assert_eq!(qx.rounded(), Rounded::of(&x));
            let mut m = Mean::default();
            let mut reference = Mean::default();
            for q in [&qx, &qy, &qx] {
                m.add_q(q);
                reference.add(&q.to_big());
            }
            m.remove_q(&qy);
            reference.remove(&y);
            prop_assert_eq!(m.value_q(), reference.value().map(Q::from_big));
        }
    }
}
