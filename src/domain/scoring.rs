//! The exact scoring engine: the "Scoring contract" of shared/domain.md to the letter.
//! All arithmetic is on exact rationals, so 81 is never 80.99999; only the shown value
//! is rounded (half away from zero, 2 decimals) and the zone is looked up on it.

use std::fmt;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::{BigRational, Ratio};
use num_traits::CheckedAdd;
use num_traits::{Signed, ToPrimitive, Zero};

use super::instrument::Instrument;

/// An observation's value for one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// Not observed yet: counts as 0 and marks the product incomplete.
    #[default]
    Unanswered,
    /// A value on the indicator's scale, 0..=max (a tick is 1). A byte: scales go up to
    /// [`MAX_SCALE`](super::instrument::MAX_SCALE) (100), and a value per product and
    /// indicator of the nation is the workstation's largest table (a `u32` made it 8
    /// bytes, 10 MB of a national workstation; a byte makes it 2).
    Level(u8),
    /// Not applicable: the indicator is left out of the product.
    NotApplicable,
}

impl Value {
    /// A level read as a wider integer (a file, the database, a command line): one that
    /// does not fit a byte is above every scale's maximum, and is kept as `u8::MAX`,
    /// still above every maximum, so that a range check refuses it as it would have.
    pub fn level(v: u32) -> Value {
        Value::Level(u8::try_from(v).unwrap_or(u8::MAX))
    }

    pub fn is_answered(self) -> bool {
        !matches!(self, Value::Unanswered)
    }

    /// The text used in the audit log and exports: `""`, `"N/A"` or the number.
    pub fn audit_text(self) -> String {
        match self {
            Value::Unanswered => String::new(),
            Value::NotApplicable => "N/A".into(),
            Value::Level(v) => v.to_string(),
        }
    }
}

/// A score rounded half away from zero to 2 decimals, held as hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rounded(pub i64);

impl Rounded {
    pub fn of(x: &BigRational) -> Rounded {
        // On machine integers when the fraction fits (every score of a nation does):
        // the big-rational steps below were a tenth of `score --json`'s time.
        if let (Some(n), Some(d)) = (x.numer().to_i128(), x.denom().to_i128())
            && let Some(r) = Self::of_small(n, d)
        {
            return r;
        }
        Self::of_exact(x)
    }

    /// [`Rounded::of`] on big rationals: the reference.
    fn of_exact(x: &BigRational) -> Rounded {
        let scaled = x * BigRational::from_integer(BigInt::from(100));
        let half = BigRational::new(1.into(), 2.into());
        let r = if scaled.is_negative() {
            -((-scaled) + half).floor()
        } else {
            (scaled + half).floor()
        };
        Rounded(i64::try_from(r.to_integer()).unwrap_or(i64::MAX))
    }

    /// n/d rounded as [`Rounded::of`] does, or None when it would overflow.
    fn of_small(n: i128, d: i128) -> Option<Rounded> {
        if d <= 0 {
            return None;
        }
        // floor((200 |n| + d) / 2d) is floor(100 |n| / d + 1/2); the sign goes back on.
        let twice = n
            .unsigned_abs()
            .checked_mul(200)?
            .checked_add(d.unsigned_abs())?;
        let r = i64::try_from(twice / (2 * d.unsigned_abs())).ok()?;
        Some(Rounded(if n < 0 { -r } else { r }))
    }

    /// As a float, for spreadsheets and JSON (exact to 2 decimals).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Rounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// The result of scoring one product.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductScore {
    /// None when every indicator is not applicable.
    pub score: Option<BigRational>,
    /// Indicators with a value or N/A.
    pub answered: u32,
    pub total: u32,
}

impl ProductScore {
    pub fn complete(&self) -> bool {
        self.answered == self.total
    }

    pub fn rounded(&self) -> Option<Rounded> {
        self.score.as_ref().map(Rounded::of)
    }
}

fn ratio(n: u32, d: u32) -> BigRational {
    BigRational::new(BigInt::from(n), BigInt::from(d))
}

/// Scores one product. `values[i]` is the value of `instrument.indicators[i]`; missing
/// entries count as unanswered, values above an indicator's max are capped at it.
/// Scoring many products of one instrument goes through one [`Scorer`] instead.
pub fn score_product(instrument: &Instrument, values: &[Value]) -> ProductScore {
    Scorer::new(instrument).score(instrument, values)
}

/// What scoring prepares once per instrument (its weights in integer form), kept by
/// whoever scores many products with it ([`crate::domain::model::ScoreBook`] keeps one
/// per instrument of its dataset, [`next_zone`] one per call). It lives here and not in
/// [`Instrument`], so that the instrument knows nothing of the scoring engine.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// None when the instrument's numbers are too large for the integer path.
    weights: Option<IntWeights>,
}

impl Scorer {
    pub fn new(instrument: &Instrument) -> Scorer {
        Scorer {
            weights: IntWeights::of(instrument),
        }
    }

    /// [`score_product`] for a product of the instrument this scorer was made for.
    pub fn score(&self, instrument: &Instrument, values: &[Value]) -> ProductScore {
        let (answered, total) = answered_of(instrument, values);
        let fast = self
            .weights
            .as_ref()
            .and_then(|w| w.score(instrument, values));
        let score = match fast {
            Some(score) => score,
            None => score_exact(instrument, values),
        };
        ProductScore {
            score,
            answered,
            total,
        }
    }
}

/// How many of the instrument's indicators a product's values answer, and how many it
/// has: the progress both [`Scorer::score`] and [`Scorer::score_q`] report.
fn answered_of(instrument: &Instrument, values: &[Value]) -> (u32, u32) {
    let total = instrument.indicators.len();
    let answered = (0..total)
        .filter(|&i| values.get(i).is_some_and(|v| v.is_answered()))
        .count();
    (answered as u32, total as u32)
}

/// [`ProductScore`] as the score book keeps it: the score as a [`Q`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductQ {
    pub score: Option<Q>,
    pub answered: u32,
    pub total: u32,
}

impl ProductQ {
    pub fn to_score(&self) -> ProductScore {
        ProductScore {
            score: self.score.as_ref().map(Q::to_big),
            answered: self.answered,
            total: self.total,
        }
    }
}

impl Scorer {
    /// [`Scorer::score`] as a [`ProductQ`]: the same numbers, no big integer unless one
    /// does not fit.
    pub fn score_q(&self, instrument: &Instrument, values: &[Value]) -> ProductQ {
        let (answered, total) = answered_of(instrument, values);
        let fast = self
            .weights
            .as_ref()
            .and_then(|w| w.raw(instrument, values));
        let score = match fast {
            Some(score) => score.map(|(n, d)| Q::ratio(n, d)),
            None => score_exact(instrument, values).map(Q::from_big),
        };
        ProductQ {
            score,
            answered,
            total,
        }
    }
}

/// The product score on big rationals: the reference, and the fallback when an
/// instrument's numbers do not fit the integer path.
pub fn score_exact(instrument: &Instrument, values: &[Value]) -> Option<BigRational> {
    let n_dims = instrument.dimensions.len();
    // Per dimension: sum(w_i * v_i / m_i) and sum(w_i) over applicable indicators.
    let mut num = vec![BigRational::zero(); n_dims];
    let mut den = vec![BigRational::zero(); n_dims];
    for (i, ind) in instrument.indicators.iter().enumerate() {
        let v = values.get(i).copied().unwrap_or_default();
        let level = match v {
            Value::NotApplicable => continue,
            Value::Unanswered => 0,
            Value::Level(l) => u32::from(l).min(ind.max),
        };
        den[ind.dimension] += &ind.weight;
        if level > 0 {
            num[ind.dimension] += &ind.weight * ratio(level, ind.max);
        }
    }
    let hundred = BigRational::from_integer(BigInt::from(100));
    if instrument.has_dimension_weights() {
        let mut weighted = BigRational::zero();
        let mut weights = BigRational::zero();
        for (d, dim) in instrument.dimensions.iter().enumerate() {
            if den[d].is_zero() {
                continue;
            }
            let w = dim.weight.clone().unwrap_or_else(BigRational::zero);
            let s_d = &hundred * &num[d] / &den[d];
            weighted += &w * s_d;
            weights += w;
        }
        (!weights.is_zero()).then(|| weighted / weights)
    } else {
        // Each dimension weighs the sum of its applicable indicators' weights:
        // the product is one flat weighted checklist.
        let n: BigRational = num.iter().sum();
        let d: BigRational = den.iter().sum();
        (!d.is_zero()).then(|| hundred * n / d)
    }
}

/// An instrument's weights as integers (every weight times a common denominator,
/// every value step times the lcm of the scale maxima), so a product is scored with a
/// few integer sums and one fraction: exact, and fast enough for a nation.
#[derive(Debug, Clone)]
struct IntWeights {
    /// Per indicator: its dimension's numerator grows by `coef * value`.
    coef: Vec<i128>,
    /// Per indicator: what it adds to its dimension's denominator when applicable.
    full: Vec<i128>,
    /// Dimension weights as integers, when the instrument has them.
    dim_weight: Option<Vec<i128>>,
}

/// Bound on every precomputed integer, so sums and products stay far from overflow.
const INT_LIMIT: i128 = 1 << 40;

/// `x * scale` as a bounded integer, where `scale` is a multiple of `x`'s denominator.
/// On machine integers (no rational arithmetic): preparing a [`Scorer`] is done at
/// every frame that shows the path to the next zone. None when it does not fit, and
/// the scorer then takes the exact path.
fn to_int(x: &BigRational, scale: i128) -> Option<i128> {
    let (n, d) = (x.numer().to_i128()?, x.denom().to_i128()?);
    if d <= 0 || scale % d != 0 {
        return None;
    }
    let v = n.checked_mul(scale / d)?;
    (v > 0 && v < INT_LIMIT).then_some(v)
}

/// The least common multiple of the denominators, when it fits a machine integer.
fn common_denominator<'a>(mut xs: impl Iterator<Item = &'a BigRational>) -> Option<i128> {
    xs.try_fold(1i128, |acc, x| {
        let d = x.denom().to_i128().filter(|d| *d > 0)?;
        (acc / acc.gcd(&d)).checked_mul(d)
    })
}

impl IntWeights {
    /// None when the instrument's numbers are too large for the integer path.
    fn of(instrument: &Instrument) -> Option<IntWeights> {
        let weight_den = common_denominator(instrument.indicators.iter().map(|i| &i.weight))?;
        let max_lcm = instrument
            .indicators
            .iter()
            .fold(1i128, |acc, i| acc.lcm(&i128::from(i.max)));
        if max_lcm >= INT_LIMIT {
            return None;
        }
        let mut coef = Vec::with_capacity(instrument.indicators.len());
        let mut full = Vec::with_capacity(instrument.indicators.len());
        for ind in &instrument.indicators {
            let w = to_int(&ind.weight, weight_den)?;
            let c = w.checked_mul(max_lcm / i128::from(ind.max))?;
            let f = w.checked_mul(max_lcm)?;
            if f >= INT_LIMIT {
                return None;
            }
            coef.push(c);
            full.push(f);
        }
        let dim_weight = if instrument.has_dimension_weights() {
            let den = common_denominator(
                instrument
                    .dimensions
                    .iter()
                    .filter_map(|d| d.weight.as_ref()),
            )?;
            Some(
                instrument
                    .dimensions
                    .iter()
                    .map(|d| d.weight.as_ref().and_then(|w| to_int(w, den)))
                    .collect::<Option<Vec<i128>>>()?,
            )
        } else {
            None
        };
        Some(IntWeights {
            coef,
            full,
            dim_weight,
        })
    }

    /// The product score, or None (outer) when an intermediate would overflow.
    fn score(&self, instrument: &Instrument, values: &[Value]) -> Option<Option<BigRational>> {
        Some(self.raw(instrument, values)?.map(|(n, d)| reduced(n, d)))
    }

    /// The product score as an unreduced n/d, or None (outer) on overflow.
    fn raw(&self, instrument: &Instrument, values: &[Value]) -> Option<Option<(i128, i128)>> {
        let n_dims = instrument.dimensions.len();
        let mut num = [0i128; 16];
        let mut den = [0i128; 16];
        if n_dims > num.len() {
            return None;
        }
        for (i, ind) in instrument.indicators.iter().enumerate() {
            let level = match values.get(i).copied().unwrap_or_default() {
                Value::NotApplicable => continue,
                Value::Unanswered => 0,
                Value::Level(l) => u32::from(l).min(ind.max),
            };
            let d = ind.dimension;
            den[d] = den[d].checked_add(self.full[i])?;
            num[d] = num[d].checked_add(self.coef[i].checked_mul(i128::from(level))?)?;
        }
        match &self.dim_weight {
            None => {
                let n: i128 = num[..n_dims].iter().sum();
                let d: i128 = den[..n_dims].iter().sum();
                if d == 0 {
                    return Some(None);
                }
                Some(Some((n.checked_mul(100)?, d)))
            }
            Some(weights) => {
                let mut acc = num_rational::Ratio::<i128>::zero();
                let mut weight_sum = 0i128;
                for d in 0..n_dims {
                    if den[d] == 0 {
                        continue;
                    }
                    let term = num_rational::Ratio::new(weights[d].checked_mul(num[d])?, den[d]);
                    acc = acc.checked_add(&term)?;
                    weight_sum = weight_sum.checked_add(weights[d])?;
                }
                if weight_sum == 0 {
                    return Some(None);
                }
                let n = acc.numer().checked_mul(100)?;
                let d = acc.denom().checked_mul(weight_sum)?;
                Some(Some((n, d)))
            }
        }
    }
}

/// The gcd of two positive denominators, on u64s when they fit (several times faster
/// than on u128s).
fn gcd_fast(a: i128, b: i128) -> i128 {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => i128::from(a.gcd(&b)),
        _ => a.gcd(&b),
    }
}

/// n/d as a big rational, reduced on machine integers: `BigRational::new` would reduce
/// it with a big-integer gcd, which was most of the time of rescoring a nation.
fn reduced(n: i128, d: i128) -> BigRational {
    let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
    let g = n.gcd(&d);
    if g <= 1 {
        return BigRational::new_raw(BigInt::from(n), BigInt::from(d));
    }
    BigRational::new_raw(BigInt::from(n / g), BigInt::from(d / g))
}

/// The contract's "path to the next zone" for one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextZone {
    /// Index of the next band in `instrument.bands`.
    pub band: usize,
    /// Points missing to the next band's min, from the rounded score.
    pub points: Rounded,
    /// Indicator indices to fulfil, largest effective gain first.
    pub fulfil: Vec<usize>,
}

/// The smallest set of not-yet-fulfilled indicators whose fulfilment lifts the product
/// into the next band. None when the product has no score or is in the top band.
/// The product score is linear in the values for a fixed set of N/A, so gains add up
/// and taking the largest gains first gives the smallest set.
pub fn next_zone(instrument: &Instrument, values: &[Value]) -> Option<NextZone> {
    let scorer = Scorer::new(instrument);
    let current = scorer.score(instrument, values).score?;
    let rounded = Rounded::of(&current);
    let band = instrument.band_index(rounded.0) + 1;
    let target = &instrument.bands.get(band)?.min;
    let mut gains: Vec<(BigRational, usize)> = Vec::new();
    let mut trial: Vec<Value> = (0..instrument.indicators.len())
        .map(|i| values.get(i).copied().unwrap_or_default())
        .collect();
    for (i, ind) in instrument.indicators.iter().enumerate() {
        let old = trial[i];
        let fulfilled = match old {
            Value::NotApplicable => true,
            Value::Level(l) => u32::from(l) >= ind.max,
            Value::Unanswered => false,
        };
        if fulfilled {
            continue;
        }
        trial[i] = Value::level(ind.max);
        if let Some(s) = scorer.score(instrument, &trial).score {
            let gain = s - &current;
            if gain.is_positive() {
                gains.push((gain, i));
            }
        }
        trial[i] = old;
    }
    // Largest gain first; ties in instrument order.
    gains.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut reached = current.clone();
    let mut fulfil = Vec::new();
    for (gain, i) in gains {
        if BigRational::new(Rounded::of(&reached).0.into(), 100.into()) >= *target {
            break;
        }
        reached += gain;
        fulfil.push(i);
    }
    let target_hundredths = Rounded::of(target);
    Some(NextZone {
        band,
        points: Rounded(target_hundredths.0 - rounded.0),
        fulfil,
    })
}

/// An exact rational as the score book keeps it: on machine integers when numerator and
/// denominator fit an `i64` (every score, weight and dimension score of a nation does),
/// a big rational when not. Always reduced, with a positive denominator, and `Small`
/// whenever it fits, so two equal numbers are equal as values of this type too.
///
/// A `BigRational` is two heap integers: the score book of a nation kept some 200,000
/// of them, and building them (and a gcd of big integers at every step) was two fifths
/// of the workstation's cold start. Each operation here works on `i128` (a product of
/// two `i64`s fits) and reduces once; it goes through big rationals only when a result
/// does not fit, so the numbers are exactly those of big-rational arithmetic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Q {
    Small(Ratio<i64>),
    Big(Box<BigRational>),
}

impl Default for Q {
    fn default() -> Q {
        Q::ZERO
    }
}

impl Q {
    pub const ZERO: Q = Q::Small(Ratio::new_raw(0, 1));

    pub fn int(n: i64) -> Q {
        Q::Small(Ratio::from_integer(n))
    }

    /// A big rational as a `Q` (small when it fits).
    pub fn from_big(x: BigRational) -> Q {
        match (x.numer().to_i64(), x.denom().to_i64()) {
            (Some(n), Some(d)) => Q::Small(Ratio::new_raw(n, d)),
            _ => Q::Big(Box::new(x)),
        }
    }

    /// n/d (d != 0), reduced.
    pub fn ratio(n: i128, d: i128) -> Q {
        // Most results fit an i64 before reducing: a gcd of u64s is several times
        // faster than one of u128s.
        if d > 0
            && let (Ok(n), Ok(d)) = (i64::try_from(n), i64::try_from(d))
        {
            let g = n.unsigned_abs().gcd(&d.unsigned_abs()) as i64;
            return Q::Small(Ratio::new_raw(n / g, d / g));
        }
        let (n, d) = if d < 0 {
            match (n.checked_neg(), d.checked_neg()) {
                (Some(n), Some(d)) => (n, d),
                _ => return Q::from_big(BigRational::new(n.into(), d.into())),
            }
        } else {
            (n, d)
        };
        let g = n.gcd(&d);
        let (n, d) = if g > 1 { (n / g, d / g) } else { (n, d) };
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n), Ok(d)) => Q::Small(Ratio::new_raw(n, d)),
            _ => Q::Big(Box::new(BigRational::new_raw(n.into(), d.into()))),
        }
    }

    pub fn to_big(&self) -> BigRational {
        match self {
            Q::Small(x) => BigRational::new_raw(BigInt::from(*x.numer()), BigInt::from(*x.denom())),
            Q::Big(x) => (**x).clone(),
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Q::Small(x) if *x.numer() == 0)
    }

    pub fn add(&self, other: &Q) -> Q {
        match (self, other) {
            (Q::Small(a), Q::Small(b)) => {
                let (an, ad, bn, bd) = wide(a, b);
                if ad == bd {
                    return Q::ratio(an + bn, ad);
                }
                Q::ratio(an * bd + bn * ad, ad * bd)
            }
            _ => Q::from_big(self.to_big() + other.to_big()),
        }
    }

    pub fn mul(&self, other: &Q) -> Q {
        match (self, other) {
            (Q::Small(a), Q::Small(b)) => {
                let (an, ad, bn, bd) = wide(a, b);
                Q::ratio(an * bn, ad * bd)
            }
            _ => Q::from_big(self.to_big() * other.to_big()),
        }
    }

    /// self / other (other != 0).
    pub fn div(&self, other: &Q) -> Q {
        match (self, other) {
            (Q::Small(a), Q::Small(b)) => {
                let (an, ad, bn, bd) = wide(a, b);
                Q::ratio(an * bd, ad * bn)
            }
            _ => Q::from_big(self.to_big() / other.to_big()),
        }
    }

    /// [`Rounded::of`] without building a big rational.
    pub fn rounded(&self) -> Rounded {
        match self {
            Q::Small(x) => Rounded::of_small(i128::from(*x.numer()), i128::from(*x.denom()))
                .unwrap_or_else(|| Rounded::of_exact(&self.to_big())),
            Q::Big(x) => Rounded::of(x),
        }
    }
}

fn wide(a: &Ratio<i64>, b: &Ratio<i64>) -> (i128, i128, i128, i128) {
    (
        i128::from(*a.numer()),
        i128::from(*a.denom()),
        i128::from(*b.numer()),
        i128::from(*b.denom()),
    )
}

/// A running sum of exact scores, for means updated one item at a time.
///
/// Product scores have small denominators (sums of an instrument's weights), so they
/// are summed per denominator as plain integers; only the few distinct denominators
/// meet in a big rational when the mean is asked for. Exact either way: a value that
/// does not fit goes to the big part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mean {
    small: Vec<(i128, i128)>,
    big: BigRational,
    count: u32,
}

impl Mean {
    pub fn add(&mut self, x: &BigRational) {
        self.apply(x, false);
        self.count += 1;
    }

    pub fn remove(&mut self, x: &BigRational) {
        self.apply(x, true);
        self.count -= 1;
    }

    /// [`Mean::add`] of a [`Q`]: a small one goes to the machine-integer part as it is.
    pub fn add_q(&mut self, x: &Q) {
        match x {
            Q::Small(r) => self.add_small(i128::from(*r.numer()), i128::from(*r.denom())),
            Q::Big(b) => self.apply(b, false),
        }
        self.count += 1;
    }

    /// [`Mean::remove`] of a [`Q`].
    pub fn remove_q(&mut self, x: &Q) {
        match x {
            Q::Small(r) => self.add_small(-i128::from(*r.numer()), i128::from(*r.denom())),
            Q::Big(b) => self.apply(b, true),
        }
        self.count -= 1;
    }

    /// [`Mean::value`] as a [`Q`].
    pub fn value_q(&self) -> Option<Q> {
        if self.count == 0 {
            return None;
        }
        if self.big.is_zero() {
            let (fits, rest) = self.small_sum();
            if rest.is_zero()
                && let Some(d) = fits.denom().checked_mul(i128::from(self.count))
            {
                return Some(Q::ratio(*fits.numer(), d));
            }
        }
        self.value().map(Q::from_big)
    }

    /// Adds the items of another mean.
    pub fn merge(&mut self, other: &Mean) {
        for &(d, n) in &other.small {
            self.add_small(n, d);
        }
        self.big += &other.big;
        self.count += other.count;
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    fn apply(&mut self, x: &BigRational, negate: bool) {
        if let (Some(n), Some(d)) = (x.numer().to_i128(), x.denom().to_i128())
            && n.checked_abs().is_some_and(|a| a < (1 << 100))
        {
            self.add_small(if negate { -n } else { n }, d);
            return;
        }
        if negate {
            self.big -= x;
        } else {
            self.big += x;
        }
    }

    /// Adds n/d (d > 0) to the machine-integer part.
    fn add_small(&mut self, n: i128, d: i128) {
        match self.small.iter_mut().find(|(den, _)| *den == d) {
            Some((_, sum)) => match sum.checked_add(n) {
                Some(v) => *sum = v,
                None => {
                    self.big += BigRational::new((*sum).into(), d.into());
                    *sum = n;
                }
            },
            None => self.small.push((d, n)),
        }
    }

    /// The machine-integer part summed on machine integers: (what fitted, what did not).
    /// Big-integer arithmetic (a gcd per addition) was most of the time of rolling a
    /// nation's products up to units and agencies.
    ///
    /// The sum is kept over the lcm of the denominators and reduced by whoever reads it
    /// (every caller does): a `Ratio<i128>` reduced at each term (two gcds of u128s)
    /// was a quarter of building the score book.
    fn small_sum(&self) -> (Ratio<i128>, BigRational) {
        let (mut sn, mut sd) = (0i128, 1i128);
        let mut rest = BigRational::zero();
        for &(d, n) in &self.small {
            if n == 0 {
                continue;
            }
            let added = if d == sd {
                sn.checked_add(n).map(|s| (s, sd))
            } else {
                let g = gcd_fast(sd, d);
                (sd / g).checked_mul(d).and_then(|l| {
                    let s = sn.checked_mul(l / sd)?.checked_add(n.checked_mul(l / d)?)?;
                    Some((s, l))
                })
            };
            match added {
                Some((n, d)) => (sn, sd) = (n, d),
                None => rest += BigRational::new(n.into(), d.into()),
            }
        }
        (Ratio::new_raw(sn, sd), rest)
    }

    /// The exact sum of the items.
    pub fn sum(&self) -> BigRational {
        let (fits, rest) = self.small_sum();
        let mut sum = &self.big + rest;
        if !fits.is_zero() {
            sum += reduced(*fits.numer(), *fits.denom());
        }
        sum
    }

    pub fn value(&self) -> Option<BigRational> {
        if self.count == 0 {
            return None;
        }
        if self.big.is_zero() {
            let (fits, rest) = self.small_sum();
            if rest.is_zero()
                && let Some(d) = fits.denom().checked_mul(i128::from(self.count))
            {
                return Some(reduced(*fits.numer(), d));
            }
        }
        Some(self.sum() / BigRational::from_integer(self.count.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        let r = |n: i64, d: i64| Rounded::of(&BigRational::new(n.into(), d.into()));
        assert_eq!(r(80995, 1000), Rounded(8100)); // 80.995 -> 81.00
        assert_eq!(r(80994, 1000), Rounded(8099));
        assert_eq!(r(-80995, 1000), Rounded(-8100));
        assert_eq!(r(200, 3), Rounded(6667)); // 66.666.. -> 66.67
        assert_eq!(r(81, 1), Rounded(8100));
        assert_eq!(Rounded(8100).to_string(), "81.00");
        assert_eq!(Rounded(5).to_string(), "0.05");
        assert_eq!(Rounded(-5).to_string(), "-0.05");
    }

    #[test]
    fn rounding_on_machine_integers_is_the_exact_rounding() {
        for d in 1..=64i64 {
            for n in (-20_000..=20_000i64).step_by(7) {
                let x = BigRational::new(n.into(), d.into());
                assert_eq!(Rounded::of(&x), Rounded::of_exact(&x), "{n}/{d}");
            }
        }
        // Halves exactly, both signs; and a fraction too big for machine integers.
        for n in [1i64, -1, 3, -3, 16199, -16199] {
            let x = BigRational::new(n.into(), 200.into());
            assert_eq!(Rounded::of(&x), Rounded::of_exact(&x), "{n}/200");
        }
        let huge = BigRational::new(BigInt::from(10).pow(40) + 5, BigInt::from(10).pow(39));
        assert_eq!(Rounded::of(&huge), Rounded(1000));
    }
}
