//! The exact scoring engine: the "Scoring contract" of shared/domain.md to the letter.
//! All arithmetic is on exact rationals, so 81 is never 80.99999; only the shown value
//! is rounded (half away from zero, 2 decimals) and the zone is looked up on it.

use std::fmt;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use super::instrument::Instrument;

/// An observation's value for one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// Not observed yet: counts as 0 and marks the product incomplete.
    #[default]
    Unanswered,
    /// A value on the indicator's scale, 0..=max (a tick is 1).
    Level(u32),
    /// Not applicable: the indicator is left out of the product.
    NotApplicable,
}

impl Value {
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
        let scaled = x * BigRational::from_integer(BigInt::from(100));
        let half = BigRational::new(1.into(), 2.into());
        let r = if scaled.is_negative() {
            -((-scaled) + half).floor()
        } else {
            (scaled + half).floor()
        };
        Rounded(i64::try_from(r.to_integer()).unwrap_or(i64::MAX))
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
pub fn score_product(instrument: &Instrument, values: &[Value]) -> ProductScore {
    let n_dims = instrument.dimensions.len();
    // Per dimension: sum(w_i * v_i / m_i) and sum(w_i) over applicable indicators.
    let mut num = vec![BigRational::zero(); n_dims];
    let mut den = vec![BigRational::zero(); n_dims];
    let mut answered = 0u32;
    for (i, ind) in instrument.indicators.iter().enumerate() {
        let v = values.get(i).copied().unwrap_or_default();
        if v.is_answered() {
            answered += 1;
        }
        let level = match v {
            Value::NotApplicable => continue,
            Value::Unanswered => 0,
            Value::Level(l) => l.min(ind.max),
        };
        den[ind.dimension] += &ind.weight;
        if level > 0 {
            num[ind.dimension] += &ind.weight * ratio(level, ind.max);
        }
    }
    let total = instrument.indicators.len() as u32;
    let hundred = BigRational::from_integer(BigInt::from(100));
    let score = if instrument.has_dimension_weights() {
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
    };
    ProductScore {
        score,
        answered,
        total,
    }
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
    let current = score_product(instrument, values).score?;
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
            Value::Level(l) => l >= ind.max,
            Value::Unanswered => false,
        };
        if fulfilled {
            continue;
        }
        trial[i] = Value::Level(ind.max);
        if let Some(s) = score_product(instrument, &trial).score {
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

/// A running sum of scores, for means that can be updated one item at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mean {
    pub sum: BigRational,
    pub count: u32,
}

impl Mean {
    pub fn add(&mut self, x: &BigRational) {
        self.sum += x;
        self.count += 1;
    }

    pub fn remove(&mut self, x: &BigRational) {
        self.sum -= x;
        self.count -= 1;
    }

    pub fn value(&self) -> Option<BigRational> {
        (self.count > 0).then(|| &self.sum / BigRational::from_integer(self.count.into()))
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
}
