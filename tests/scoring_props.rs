//! Property tests of the scoring engine on random instruments and data sets: bounds,
//! monotonicity at every level, order independence (and incremental = full recompute),
//! and N/A being the same as removing the indicator. Then the level-aware API
//! (domain::method): a format-1 instrument scores exactly as through the product engine
//! and the score book, and the shipped format-2 instruments keep bounds, monotonicity
//! and respondent order independence.

mod common;

use common::{dataset, r};
use num_rational::BigRational;
use patuh::domain::Value;
use patuh::domain::instrument::{
    Aggregate, Band, Dimension, Indicator, Instrument, NodeLevel, Source,
};
use patuh::domain::method::{self, AgencyAnswers, Answer, UnitAnswers, score_agency};
use patuh::domain::model::{Dataset, ProductIx, ScoreBook};
use patuh::domain::scoring::{score_exact, score_product};
use patuh::domain::text::Text;
use proptest::prelude::*;

fn text(s: &str) -> Text {
    Text::new(s.into(), None)
}

/// (dimension weights or none, per dimension the (weight in quarters, max) of its indicators)
type Shape = (bool, Vec<(u32, Vec<(u32, u32)>)>, bool);

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<bool>(),
        prop::collection::vec(
            (1u32..50, prop::collection::vec((1u32..40, 1u32..=4), 1..6)),
            1..4,
        ),
        any::<bool>(),
    )
}

fn instrument(shape: &Shape) -> Instrument {
    let (weighted, dims, by_units) = shape;
    let mut dimensions = Vec::new();
    let mut indicators = Vec::new();
    for (d, (dw, inds)) in dims.iter().enumerate() {
        dimensions.push(Dimension {
            id: format!("d{d}"),
            label: text("d"),
            weight: weighted.then(|| r(i64::from(*dw), 1)),
            level: NodeLevel::Product,
        });
        for (w, max) in inds {
            indicators.push(Indicator {
                id: format!("i{}", indicators.len()),
                dimension: d,
                label: text("i"),
                guidance: None,
                weight: r(i64::from(*w), 4),
                max: *max,
                levels: Vec::new(),
                source: Source::Observation,
            });
        }
    }
    Instrument {
        id: "prop".into(),
        version: "1".into(),
        year: None,
        title: text("prop"),
        description: None,
        format_version: 1,
        roles: Vec::new(),
        zones: Vec::new(),
        qualifier: None,
        aggregate: if *by_units {
            Aggregate::Units
        } else {
            Aggregate::Products
        },
        dimensions,
        indicators,
        bands: [(0, "merah"), (51, "kuning"), (81, "hijau")]
            .iter()
            .map(|(m, c)| Band {
                code: (*c).into(),
                label: text(c),
                min: r(*m, 1),
                color: None,
                zone: None,
            })
            .collect(),
        canonical: String::new(),
        sha256: String::new(),
    }
}

/// A value for an indicator with the given max, from a random seed.
fn value(seed: u32, max: u32) -> Value {
    match seed % (max + 3) {
        0 => Value::Unanswered,
        1 => Value::NotApplicable,
        k => Value::level(k - 2),
    }
}

/// A data set: agencies -> units -> products, values from seeds.
fn build(i: &Instrument, tree: &[Vec<Vec<Vec<u32>>>]) -> Dataset {
    let agencies: Vec<Vec<Vec<Vec<Value>>>> = tree
        .iter()
        .map(|units| {
            units
                .iter()
                .map(|products| {
                    products
                        .iter()
                        .map(|seeds| {
                            i.indicators
                                .iter()
                                .enumerate()
                                .map(|(k, ind)| value(seeds.get(k).copied().unwrap_or(0), ind.max))
                                .collect()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    dataset(i.clone(), &agencies)
}

fn tree() -> impl Strategy<Value = Vec<Vec<Vec<Vec<u32>>>>> {
    prop::collection::vec(
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(0u32..100, 20), 1..4),
            1..3,
        ),
        1..3,
    )
}

fn in_range(x: &Option<BigRational>) -> bool {
    x.as_ref().is_none_or(|s| *s >= r(0, 1) && *s <= r(100, 1))
}

fn all_levels(ds: &Dataset, book: &ScoreBook) -> Vec<Option<BigRational>> {
    let mut out = Vec::new();
    out.extend(ds.products.ids().map(|p| book.product(p).score.clone()));
    out.extend(ds.units.ids().map(|u| book.unit(u).score));
    out.extend(ds.agencies.ids().map(|a| book.agency(ds, a).score));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn scores_stay_within_0_and_100(s in shape(), t in tree()) {
        let i = instrument(&s);
        let ds = build(&i, &t);
        let book = ScoreBook::compute(&ds);
        for score in all_levels(&ds, &book) {
            prop_assert!(in_range(&score), "{score:?}");
        }
    }

    #[test]
    fn raising_a_value_never_lowers_any_level(s in shape(), t in tree(), pick in any::<prop::sample::Index>(), ind in any::<prop::sample::Index>()) {
        let i = instrument(&s);
        let mut ds = build(&i, &t);
        let book = ScoreBook::compute(&ds);
        let before = all_levels(&ds, &book);
        let p = ProductIx::new(pick.index(ds.products.len()));
        let k = ind.index(i.indicators.len());
        let raised = match ds.products[p].values[k] {
            Value::Unanswered => Value::level(1.min(i.indicators[k].max)),
            Value::Level(l) if u32::from(l) < i.indicators[k].max => Value::Level(l + 1),
            _ => return Ok(()), // N/A or already at max: nothing to raise
        };
        ds.products[p].values[k] = raised;
        let mut book = book;
        book.update_product(&ds, p);
        let after = all_levels(&ds, &book);
        for (b, a) in before.iter().zip(&after) {
            if let (Some(b), Some(a)) = (b, a) {
                prop_assert!(a >= b, "{b} -> {a}");
            }
            prop_assert_eq!(b.is_some(), a.is_some());
        }
    }

    #[test]
    fn observation_order_does_not_matter(s in shape(), t in tree(), obs in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u32..100), 1..30), shuffle_seed in any::<u64>()) {
        let i = instrument(&s);
        let base = build(&i, &t);
        // Distinct cells only: with two writes to one cell, the last one rightly wins.
        let mut cells = std::collections::BTreeMap::new();
        for (p, k, seed) in obs {
            let p = p.index(base.products.len());
            let k = k.index(i.indicators.len());
            cells.insert((p, k), value(seed, i.indicators[k].max));
        }
        let forward: Vec<_> = cells.into_iter().collect();
        let mut shuffled = forward.clone();
        // A deterministic shuffle from the seed.
        let mut x = shuffle_seed | 1;
        for n in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(n, (x % (n as u64 + 1)) as usize);
        }
        let apply = |order: &[((usize, usize), Value)]| {
            let mut ds = base.clone();
            let mut book = ScoreBook::compute(&ds);
            for &((p, k), v) in order {
                let p = ProductIx::new(p);
                ds.products[p].values[k] = v;
                book.update_product(&ds, p);
            }
            let fresh = ScoreBook::compute(&ds);
            (all_levels(&ds, &book), all_levels(&ds, &fresh))
        };
        let (a_incremental, a_fresh) = apply(&forward);
        let (b_incremental, b_fresh) = apply(&shuffled);
        prop_assert_eq!(&a_incremental, &b_incremental);
        prop_assert_eq!(&a_incremental, &a_fresh);
        prop_assert_eq!(&b_incremental, &b_fresh);
    }

    #[test]
    fn the_integer_path_equals_the_big_rational_reference(s in shape(), seeds in prop::collection::vec(0u32..100, 20), huge in any::<bool>()) {
        let mut i = instrument(&s);
        if huge {
            // Weights over coprime large denominators push the integer path to its
            // fallback (their common denominator does not fit).
            const PRIMES: [i64; 5] = [999_983, 999_979, 999_961, 999_959, 999_953];
            for (k, ind) in i.indicators.iter_mut().enumerate() {
                ind.weight = r(7 + k as i64, PRIMES[k % PRIMES.len()]);
            }
        }
        let values: Vec<Value> = i.indicators.iter().enumerate()
            .map(|(n, ind)| value(seeds[n], ind.max)).collect();
        prop_assert_eq!(score_product(&i, &values).score, score_exact(&i, &values));
    }

    #[test]
    fn not_applicable_equals_removing_the_indicator(s in shape(), seeds in prop::collection::vec(0u32..100, 20), drop in any::<prop::sample::Index>()) {
        let i = instrument(&s);
        let k = drop.index(i.indicators.len());
        let mut values: Vec<Value> = i.indicators.iter().enumerate()
            .map(|(n, ind)| value(seeds[n], ind.max)).collect();
        values[k] = Value::NotApplicable;
        let mut without = i.clone();
        without.indicators.remove(k);
        let mut rest = values.clone();
        rest.remove(k);
        let a = score_product(&i, &values);
        let b = score_product(&without, &rest);
        prop_assert_eq!(a.score, b.score);
    }
}

/// The values of a random tree, as `build` makes them, per agency, unit and product.
fn tree_values(i: &Instrument, tree: &[Vec<Vec<Vec<u32>>>]) -> Vec<Vec<Vec<Vec<Value>>>> {
    tree.iter()
        .map(|units| {
            units
                .iter()
                .map(|products| {
                    products
                        .iter()
                        .map(|seeds| {
                            i.indicators
                                .iter()
                                .enumerate()
                                .map(|(k, ind)| value(seeds.get(k).copied().unwrap_or(0), ind.max))
                                .collect()
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// A format-1 agency as level-aware answers: nothing of its own, products only.
fn as_answers(units: &[Vec<Vec<Value>>]) -> AgencyAnswers {
    AgencyAnswers {
        own: Vec::new(),
        units: units
            .iter()
            .map(|products| UnitAnswers {
                own: Vec::new(),
                products: products
                    .iter()
                    .map(|vals| vals.iter().map(|&v| Answer::from(v)).collect())
                    .collect(),
            })
            .collect(),
    }
}

/// A stream of pseudo-random numbers from a seed (xorshift), for answers to the shipped
/// format-2 instruments, whose 30 respondents per agency make proptest vectors unwieldy.
struct Seeds(u64);

impl Seeds {
    fn next(&mut self, below: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(below)) as u32
    }

    fn value(&mut self, max: u32) -> Value {
        match self.next(max + 3) {
            0 => Value::Unanswered,
            1 => Value::NotApplicable,
            k => Value::level(k - 2),
        }
    }
}

/// Random answers to every indicator of `node` level: observations, respondents (up to
/// one more than required) and data values in hundredths.
fn random_answers(i: &Instrument, node: NodeLevel, seeds: &mut Seeds) -> Vec<Answer> {
    use patuh::domain::instrument::Source as S;
    (0..i.indicators.len())
        .map(|k| {
            let ind = &i.indicators[k];
            if i.level_of(k) != node {
                return Answer::Unanswered;
            }
            match ind.source {
                S::Observation => Answer::from(seeds.value(ind.max)),
                S::Interview { .. } => {
                    let n = seeds.next(i.required_answers(k) + 2);
                    Answer::Respondents((0..n).map(|_| seeds.value(ind.max)).collect())
                }
                S::Data { .. } => match seeds.next(4) {
                    0 => Answer::Unanswered,
                    1 => Answer::NotApplicable,
                    _ => Answer::Data(r(i64::from(seeds.next(ind.max * 100 + 1)), 100)),
                },
            }
        })
        .collect()
}

fn random_agency(i: &Instrument, seed: u64, units: usize, products: usize) -> AgencyAnswers {
    let mut seeds = Seeds(seed | 1);
    AgencyAnswers {
        own: random_answers(i, NodeLevel::Agency, &mut seeds),
        units: (0..units)
            .map(|u| UnitAnswers {
                own: random_answers(i, NodeLevel::Unit, &mut seeds),
                // Units with 0..=products products: units without products happen.
                products: (0..(products + u) % (products + 1))
                    .map(|_| random_answers(i, NodeLevel::Product, &mut seeds))
                    .collect(),
            })
            .collect(),
    }
}

/// The shipped format-2 instruments, parsed once for every case.
static I2024: std::sync::LazyLock<Instrument> = std::sync::LazyLock::new(common::instrument_2024);
static I2025: std::sync::LazyLock<Instrument> = std::sync::LazyLock::new(common::instrument_2025);

fn shipped(which: bool) -> &'static Instrument {
    if which { &I2024 } else { &I2025 }
}

fn every_score(s: &method::AgencyScores) -> Vec<Option<BigRational>> {
    let mut out = vec![s.agency.score.clone()];
    for u in &s.units {
        out.push(u.unit.score.clone());
        out.extend(u.products.iter().map(|p| p.score.clone()));
    }
    out
}

/// Every answer place of an agency: (None = agency, Some((unit, None)) = unit,
/// Some((unit, Some(product)))), indicator.
type Place = (Option<(usize, Option<usize>)>, usize);

fn answer_mut(a: &mut AgencyAnswers, place: Place) -> &mut Answer {
    let (node, k) = place;
    match node {
        None => &mut a.own[k],
        Some((u, None)) => &mut a.units[u].own[k],
        Some((u, Some(p))) => &mut a.units[u].products[p][k],
    }
}

fn places(a: &AgencyAnswers) -> Vec<Place> {
    let mut out: Vec<Place> = (0..a.own.len()).map(|k| (None, k)).collect();
    for (u, unit) in a.units.iter().enumerate() {
        out.extend((0..unit.own.len()).map(|k| (Some((u, None)), k)));
        for (p, prod) in unit.products.iter().enumerate() {
            out.extend((0..prod.len()).map(|k| (Some((u, Some(p))), k)));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_v1_product_scores_the_same_through_both_apis(s in shape(), seeds in prop::collection::vec(0u32..100, 20), huge in any::<bool>()) {
        let mut i = instrument(&s);
        if huge {
            // Large coprime denominators push both engines off their integer paths.
            const PRIMES: [i64; 5] = [999_983, 999_979, 999_961, 999_959, 999_953];
            for (k, ind) in i.indicators.iter_mut().enumerate() {
                ind.weight = r(7 + k as i64, PRIMES[k % PRIMES.len()]);
            }
        }
        let values: Vec<Value> = i.indicators.iter().enumerate()
            .map(|(n, ind)| value(seeds[n], ind.max)).collect();
        let answers: Vec<Answer> = values.iter().map(|&v| Answer::from(v)).collect();
        let old = score_product(&i, &values);
        let new = method::product_score(&i, &answers);
        prop_assert_eq!(&new.score, &old.score);
        prop_assert_eq!(new.score, score_exact(&i, &values));
        prop_assert_eq!((new.answered, new.total), (u64::from(old.answered), u64::from(old.total)));
    }

    #[test]
    fn v1_units_and_agencies_score_the_same_through_both_apis(s in shape(), t in tree()) {
        let i = instrument(&s);
        let ds = build(&i, &t);
        let book = ScoreBook::compute(&ds);
        let mut unit_ids = ds.units.ids();
        let mut product_ids = ds.products.ids();
        for (a, units) in ds.agencies.ids().zip(tree_values(&i, &t).iter()) {
            let new = score_agency(&i, &as_answers(units));
            let old = book.agency(&ds, a);
            prop_assert_eq!(&new.agency.score, &old.score);
            prop_assert_eq!((new.agency.answered, new.agency.total), (old.answered, old.total));
            for u in &new.units {
                let old = book.unit(unit_ids.next().expect("as many units"));
                prop_assert_eq!(&u.unit.score, &old.score);
                prop_assert_eq!((u.unit.answered, u.unit.total), (old.answered, old.total));
                for p in &u.products {
                    let product = product_ids.next().expect("as many products");
                    prop_assert_eq!(&p.score, &book.product(product).score);
                }
            }
        }
    }

    #[test]
    fn shipped_v2_scores_stay_within_0_and_100(seed in any::<u64>(), units in 0usize..4, products in 0usize..3, which in any::<bool>()) {
        let i = shipped(which);
        let s = score_agency(i, &random_agency(i, seed, units, products));
        for score in every_score(&s) {
            prop_assert!(in_range(&score), "{score:?}");
        }
        prop_assert!(s.agency.answered <= s.agency.total);
    }

    #[test]
    fn raising_an_answer_never_lowers_any_level_v2(seed in any::<u64>(), units in 1usize..4, products in 0usize..3, pick in any::<prop::sample::Index>(), which in any::<bool>()) {
        let i = shipped(which);
        let mut a = random_agency(i, seed, units, products);
        let before = every_score(&score_agency(i, &a));
        let all = places(&a);
        let place = all[pick.index(all.len())];
        let max = i.indicators[place.1].max;
        let top = r(i64::from(max), 1);
        let raised = match answer_mut(&mut a, place) {
            Answer::Level(l) if *l < max => Answer::Level(*l + 1),
            Answer::Data(x) if *x < top => Answer::Data((x.clone() + r(1, 2)).min(top)),
            Answer::Respondents(vs) => {
                let mut vs = vs.clone();
                match vs.iter().position(|v| matches!(v, Value::Level(l) if u32::from(*l) < max)) {
                    Some(n) => {
                        if let Value::Level(l) = vs[n] { vs[n] = Value::Level(l + 1) }
                        Answer::Respondents(vs)
                    }
                    None => return Ok(()),
                }
            }
            _ => return Ok(()), // unanswered, N/A or at max: nothing to raise
        };
        *answer_mut(&mut a, place) = raised;
        let after = every_score(&score_agency(i, &a));
        for (b, a) in before.iter().zip(&after) {
            if let (Some(b), Some(a)) = (b, a) {
                prop_assert!(a >= b, "{b} -> {a}");
            }
            prop_assert_eq!(b.is_some(), a.is_some());
        }
    }

    #[test]
    fn respondent_order_does_not_matter(seed in any::<u64>(), units in 1usize..3, rotate in 1usize..30) {
        let i = shipped(true);
        let a = random_agency(i, seed, units, 1);
        let mut b = a.clone();
        for place in places(&b) {
            if let Answer::Respondents(vs) = answer_mut(&mut b, place)
                && !vs.is_empty()
            {
                let n = rotate % vs.len();
                vs.rotate_left(n);
                vs.reverse();
            }
        }
        prop_assert_eq!(score_agency(i, &a), score_agency(i, &b));
    }

}

#[test]
fn unanimous_respondents_equal_one_observation() {
    // An interview where every respondent gave L scores like an observation of L.
    let i = shipped(true);
    for level in 0..=3 {
        for seed in [11, 12, 13] {
            let a = random_agency(i, seed, 2, 1);
            let mut unanimous = a.clone();
            let mut observed = a.clone();
            for place in places(&a) {
                if let Answer::Respondents(vs) = answer_mut(&mut unanimous, place) {
                    *vs = vec![Value::level(level); vs.len().max(1)];
                    *answer_mut(&mut observed, place) = Answer::Level(level);
                }
            }
            let (x, y) = (score_agency(i, &unanimous), score_agency(i, &observed));
            assert_eq!(
                every_score(&x),
                every_score(&y),
                "level {level}, seed {seed}"
            );
        }
    }
}
