//! Property tests of the scoring engine on random instruments and data sets: bounds,
//! monotonicity at every level, order independence (and incremental = full recompute),
//! and N/A being the same as removing the indicator.

mod common;

use common::{dataset, r};
use num_rational::BigRational;
use patuh::domain::Value;
use patuh::domain::instrument::{Aggregate, Band, Dimension, Indicator, Instrument};
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
            });
        }
    }
    Instrument {
        id: "prop".into(),
        version: "1".into(),
        year: None,
        title: text("prop"),
        description: None,
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
            })
            .collect(),
        canonical: String::new(),
        sha256: String::new(),
        int_weights: Default::default(),
    }
}

/// A value for an indicator with the given max, from a random seed.
fn value(seed: u32, max: u32) -> Value {
    match seed % (max + 3) {
        0 => Value::Unanswered,
        1 => Value::NotApplicable,
        k => Value::Level(k - 2),
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
            Value::Unanswered => Value::Level(1.min(i.indicators[k].max)),
            Value::Level(l) if l < i.indicators[k].max => Value::Level(l + 1),
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
