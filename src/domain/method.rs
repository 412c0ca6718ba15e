//! Level-aware scoring: the scoring contract of docs/instrument-format.md for
//! instruments whose dimensions are answered per product, per service unit or per
//! agency, with interview indicators answered by several respondents and data
//! indicators holding another institution's exact decimals. Pure and exact (big
//! rationals, never floats), so the store, the score book, the exports and the screens
//! all get the same numbers. A format-1 instrument scores here exactly as through
//! [`super::scoring::score_product`] and the score book's means of product scores.
//!
//! The pieces, bottom up: an [`Answer`] per indicator and node; [`own_scores`] turns a
//! node's own answers into dimension scores S_d and progress; [`product_score`],
//! [`unit_score`] and [`agency_score`] roll them up; [`score_agency`] does a whole
//! agency at once; [`verdict`] and [`opinion`] name the category, zone and opinion.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use super::instrument::{Aggregate, Band, Indicator, Instrument, NodeLevel, Source, Zone};
use super::scoring::{Mean, Rounded, Value};
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
            Value::Level(l) => Answer::Level(l),
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
                            sum += u64::from((*l).min(max));
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
    let n = instrument.dimensions.len();
    let mut num = vec![BigRational::zero(); n];
    let mut den = vec![BigRational::zero(); n];
    let (mut answered, mut total) = (0u64, 0u64);
    let unanswered = Answer::Unanswered;
    for (i, ind) in instrument.indicators.iter().enumerate() {
        let d = ind.dimension;
        if instrument.dimensions[d].level != level {
            continue;
        }
        let answer = answers.get(i).unwrap_or(&unanswered);
        let (a, t) = progress(instrument, i, answer);
        answered += u64::from(a);
        total += u64::from(t);
        match answer.node_value(ind.max) {
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
    let dimensions = num
        .into_iter()
        .zip(den)
        .map(|(num, den)| {
            (!den.is_zero()).then(|| DimensionScore {
                score: &hundred * num / &den,
                weight: den,
            })
        })
        .collect();
    Own {
        dimensions,
        answered,
        total,
    }
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

/// sum(W_d X_d) / sum(W_d) over the dimensions with a value, W_d the dimension weight,
/// or without dimension weights the flat weight beside each value.
fn weighted(
    instrument: &Instrument,
    xs: impl Iterator<Item = (usize, BigRational, BigRational)>,
) -> Option<BigRational> {
    let mut acc = BigRational::zero();
    let mut weights = BigRational::zero();
    let dimension_weights = instrument.has_dimension_weights();
    for (d, x, flat) in xs {
        let w = match (&instrument.dimensions[d].weight, dimension_weights) {
            (Some(w), true) => w.clone(),
            _ => flat,
        };
        acc += &w * x;
        weights += w;
    }
    (!weights.is_zero()).then(|| acc / weights)
}

/// A product's score over the product-level dimensions: today's rule (flat weighting
/// without dimension weights). No score when the instrument has no product-level
/// dimension or every product-level indicator is N/A.
pub fn product_score(instrument: &Instrument, answers: &[Answer]) -> NodeScore {
    let own = own_scores(instrument, NodeLevel::Product, answers);
    let score = weighted(
        instrument,
        own.dimensions
            .iter()
            .enumerate()
            .filter_map(|(d, s)| s.as_ref().map(|s| (d, s.score.clone(), s.weight.clone()))),
    );
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
    let n = instrument.dimensions.len();
    let mut product_scores = Mean::default();
    let mut product_dims = vec![Mean::default(); n];
    let (mut answered, mut total) = (own.answered, own.total);
    for p in products {
        if let Some(s) = &p.score {
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
        weighted(
            instrument,
            xs.iter()
                .enumerate()
                .filter_map(|(d, x)| x.clone().map(|(x, w)| (d, x, w))),
        )
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
    let n = instrument.dimensions.len();
    let mut unit_scores = Mean::default();
    let mut unit_dims = vec![Mean::default(); n];
    let (mut answered, mut total) = (own.answered, own.total);
    for u in units {
        if let Some(s) = &u.score {
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
                if let Some(s) = &p.score {
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
