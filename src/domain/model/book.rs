//! The score book: the score, dimension scores, progress and verdict of every product,
//! unit and agency, kept up to date one change at a time.
//!
//! Two ways, per instrument. A product-level observation checklist (every format-1
//! instrument) keeps today's fast path: products through the integer [`Scorer`], units
//! and agencies as running means of product scores, adjusted in O(1) per change; its
//! dimension scores are worked out when asked (from the node's products: a unit's in
//! O(its products)), so that rescoring a nation costs what it did. Any other instrument
//! goes through the level-aware functions of [`method`]: the book keeps each node's own
//! dimension scores and [`NodeScore`], and a change at a node recomputes the node, its
//! unit and its agency (an agency's own answer reaches every unit of it), never more.
//! Either way the numbers are those of [`method::score_agency`] on the same data.

use num_rational::BigRational;
use rayon::prelude::*;

use super::{AgencyIx, Dataset, IxVec, NodeRef, ProductIx, Summary, UnitIx};
use crate::domain::followup;
use crate::domain::instrument::{Aggregate, Instrument, NodeLevel};
use crate::domain::method::{self, NodeQ, NodeScore, ObservedProducts, Own, OwnQ, PartQ, Verdict};
use crate::domain::scoring::{Mean, ProductQ, ProductScore, Q, Scorer};
use crate::domain::text::Text;

#[derive(Debug, Clone, Default)]
struct UnitAcc {
    products: Mean,
    answered: u64,
    total: u64,
}

#[derive(Debug, Clone, Default)]
struct AgencyAcc {
    products: Mean,
    units: Mean,
    answered: u64,
    total: u64,
}

/// A unit or agency scored the level-aware way: the scores of its own answers and its
/// score with everything below it.
#[derive(Debug, Clone, Default)]
struct Levels {
    own: OwnQ,
    score: NodeQ,
}

#[derive(Debug, Clone, Default)]
struct UnitBook {
    /// The fast path's running mean (unused on the level path).
    acc: UnitAcc,
    /// The level path.
    levels: Option<Box<Levels>>,
}

#[derive(Debug, Clone, Default)]
struct AgencyBook {
    acc: AgencyAcc,
    levels: Option<Box<Levels>>,
    /// From the follow-up register: None until it is closed or without a qualifier.
    qualifier: Option<bool>,
}

/// Scores of every product, unit and agency, kept up to date one change at a time.
#[derive(Debug, Clone, Default)]
pub struct ScoreBook {
    /// One per instrument of the dataset, in its order: the scoring engine's
    /// preparation of each, made once (not kept in the instruments).
    scorers: Vec<Scorer>,
    /// Per instrument: whether it takes the fast path.
    fast: Vec<bool>,
    /// Per instrument on the level path: its products scored straight from their
    /// values when they are observed (None: through their answers).
    observed: Vec<Option<ObservedProducts>>,
    /// Every score here is a [`Q`]: machine integers unless a number does not fit
    /// (big rationals made building the book two fifths of the workstation's start).
    products: IxVec<ProductIx, ProductQ>,
    /// Level path: each product's dimension scores (empty on the fast path).
    product_dims: IxVec<ProductIx, Box<[Option<Q>]>>,
    units: IxVec<UnitIx, UnitBook>,
    agencies: IxVec<AgencyIx, AgencyBook>,
}

/// Whether an instrument is scored the format-1 way: every dimension answered per
/// product and every indicator observed.
/// Products scored by one task at least: fewer and the tasks cost more than the work.
const PAR_CHUNK: usize = 256;

fn is_fast(instrument: &Instrument) -> bool {
    instrument.is_observation_checklist()
}

fn part<'a>(s: &'a ProductQ, dims: &'a [Option<Q>]) -> PartQ<'a> {
    PartQ {
        score: s.score.as_ref(),
        dimensions: dims,
        answered: u64::from(s.answered),
        total: u64::from(s.total),
    }
}

/// A product's dimension scores as the book keeps them: without the dimensions of
/// other levels after the last of its own (those are None; the 2022-2024 instrument's
/// products have one dimension of four: two thirds of a nation's products' dimension
/// room). Roll-ups read them by position, so the shorter list means the same.
fn trimmed(mut dims: Vec<Option<Q>>) -> Box<[Option<Q>]> {
    while matches!(dims.last(), Some(None)) {
        dims.pop();
    }
    dims.into_boxed_slice()
}

/// A product's score on the level path as the book keeps it: its score and progress,
/// and its dimension scores.
fn split(s: NodeQ) -> (ProductQ, Box<[Option<Q>]>) {
    (
        ProductQ {
            score: s.score,
            answered: u32::try_from(s.answered).unwrap_or(u32::MAX),
            total: u32::try_from(s.total).unwrap_or(u32::MAX),
        },
        trimmed(s.dimensions),
    )
}

impl ScoreBook {
    /// Scores everything from scratch: the products, then the agencies of the level
    /// path (each with its units), each on its own and so on every core at once (at
    /// a nation's scale the book was a quarter of the workstation's start on one).
    pub fn compute(ds: &Dataset) -> ScoreBook {
        let scorers: Vec<Scorer> = ds.instruments.iter().map(Scorer::new).collect();
        let fast: Vec<bool> = ds.instruments.iter().map(is_fast).collect();
        let observed: Vec<Option<ObservedProducts>> = ds
            .instruments
            .iter()
            .zip(&fast)
            .map(|(i, &fast)| if fast { None } else { ObservedProducts::of(i) })
            .collect();
        let (products, product_dims): (Vec<_>, Vec<_>) = (0..ds.products.len())
            .into_par_iter()
            .with_min_len(PAR_CHUNK)
            .map(|p| {
                let p = ProductIx::new(p);
                let i = ds.instrument_index_of_product(p);
                let instrument = &ds.instruments[i];
                if fast[i] {
                    let values = &ds.products[p].values;
                    (scorers[i].score_q(instrument, values), Box::default())
                } else {
                    split(level_product(ds, p, instrument, observed[i].as_ref()))
                }
            })
            .unzip();
        let (products, product_dims): (IxVec<ProductIx, _>, IxVec<ProductIx, _>) =
            (products.into(), product_dims.into());
        let mut units: IxVec<UnitIx, UnitBook> = vec![UnitBook::default(); ds.units.len()].into();
        for (p, prod) in ds.products.iter_enumerated() {
            if !fast[ds.instrument_index_of_product(p)] {
                continue;
            }
            let ps = &products[p];
            let u = &mut units[prod.unit].acc;
            if let Some(s) = &ps.score {
                u.products.add_q(s);
            }
            u.answered += u64::from(ps.answered);
            u.total += u64::from(ps.total);
        }
        let mut agencies: IxVec<AgencyIx, AgencyBook> =
            vec![AgencyBook::default(); ds.agencies.len()].into();
        for (u, book) in units.iter_enumerated() {
            let a = ds.units[u].agency;
            if !fast[ds.agencies[a].instrument] {
                continue;
            }
            let acc = &book.acc;
            let a = &mut agencies[a].acc;
            a.products.merge(&acc.products);
            if let Some(m) = acc.products.value_q() {
                a.units.add_q(&m);
            }
            a.answered += acc.answered;
            a.total += acc.total;
        }
        let mut book = ScoreBook {
            scorers,
            fast,
            observed,
            products,
            product_dims,
            units,
            agencies,
        };
        let level_path: Vec<AgencyIx> = ds
            .agencies
            .ids()
            .filter(|&a| !book.fast[ds.agencies[a].instrument])
            .collect();
        let scored: Vec<(Levels, Vec<Levels>)> = level_path
            .par_iter()
            .map(|&a| book.agency_levels(ds, a, true))
            .collect();
        for (&a, levels) in level_path.iter().zip(scored) {
            book.set_agency_levels(ds, a, levels);
        }
        for a in ds.agencies.ids() {
            book.agencies[a].qualifier = qualifier_of(ds, a);
        }
        book
    }

    fn is_fast_agency(&self, ds: &Dataset, a: AgencyIx) -> bool {
        let i = ds.agencies[a].instrument;
        self.fast
            .get(i)
            .copied()
            .unwrap_or_else(|| is_fast(&ds.instruments[i]))
    }

    /// After any change of the answers at `node` (an observation, a respondent's answer,
    /// a respondent added or removed, a data value, N/A for a whole indicator):
    /// recomputes the node, its unit and its agency (for an agency's own answer, its
    /// units too), nothing else. Exact, so the result is that of [`ScoreBook::compute`].
    pub fn update(&mut self, ds: &Dataset, node: NodeRef) {
        match node {
            NodeRef::Product(p) => self.update_product(ds, p),
            NodeRef::Unit(u) => {
                let a = ds.units[u].agency;
                if self.is_fast_agency(ds, a) {
                    return; // a product checklist: units have no answers of their own
                }
                let instrument = ds.instrument_of_agency(a);
                let own = method::own_scores_q(instrument, NodeLevel::Unit, &ds.answers(node));
                self.unit_levels(u).own = own;
                self.roll_unit(ds, u);
                self.roll_agency(ds, a);
            }
            NodeRef::Agency(a) => {
                if !self.is_fast_agency(ds, a) {
                    self.rescore_agency_levels(ds, a, false);
                }
            }
        }
    }

    /// After a change of an agency's follow-up register: its qualifier and opinion.
    pub fn update_followup(&mut self, ds: &Dataset, a: AgencyIx) {
        self.agencies[a].qualifier = qualifier_of(ds, a);
    }

    /// Rescores one product and adjusts only its unit and agency (exact, so the result
    /// is the same as [`ScoreBook::compute`]).
    pub fn update_product(&mut self, ds: &Dataset, p: ProductIx) {
        let i = ds.instrument_index_of_product(p);
        let instrument = &ds.instruments[i];
        if !self
            .fast
            .get(i)
            .copied()
            .unwrap_or_else(|| is_fast(instrument))
        {
            let observed = self.observed.get(i).and_then(Option::as_ref);
            let (s, dims) = split(level_product(ds, p, instrument, observed));
            self.products[p] = s;
            self.product_dims[p] = dims;
            let u = ds.products[p].unit;
            self.roll_unit(ds, u);
            self.roll_agency(ds, ds.units[u].agency);
            return;
        }
        let values = &ds.products[p].values;
        let new = match self.scorers.get(i) {
            Some(scorer) => scorer.score_q(instrument, values),
            None => Scorer::new(instrument).score_q(instrument, values),
        };
        let old = std::mem::replace(&mut self.products[p], new.clone());
        let u = ds.products[p].unit;
        let a = ds.units[u].agency;
        let unit = &mut self.units[u].acc;
        let unit_before = unit.products.value_q();
        if let Some(s) = &old.score {
            unit.products.remove_q(s);
        }
        if let Some(s) = &new.score {
            unit.products.add_q(s);
        }
        unit.answered = unit.answered - u64::from(old.answered) + u64::from(new.answered);
        let unit_after = unit.products.value_q();
        let agency = &mut self.agencies[a].acc;
        if let Some(s) = &old.score {
            agency.products.remove_q(s);
        }
        if let Some(s) = &new.score {
            agency.products.add_q(s);
        }
        if let Some(m) = &unit_before {
            agency.units.remove_q(m);
        }
        if let Some(m) = &unit_after {
            agency.units.add_q(m);
        }
        agency.answered = agency.answered - u64::from(old.answered) + u64::from(new.answered);
    }

    fn unit_levels(&mut self, u: UnitIx) -> &mut Levels {
        self.units[u].levels.get_or_insert_with(Box::default)
    }

    /// Level path: the agency's own scores, then (all = also its units' own scores)
    /// every unit's score, then the agency's.
    fn rescore_agency_levels(&mut self, ds: &Dataset, a: AgencyIx, all: bool) {
        let levels = self.agency_levels(ds, a, all);
        self.set_agency_levels(ds, a, levels);
    }

    /// Level path: an agency's levels and its units' (in its order) from the products'
    /// scores: its own scores, each unit's own (all: recomputed; else kept where the
    /// book has them), each unit's score, then the agency's. Reads the book only.
    fn agency_levels(&self, ds: &Dataset, a: AgencyIx, all: bool) -> (Levels, Vec<Levels>) {
        let instrument = ds.instrument_of_agency(a);
        let own = method::own_scores_q(
            instrument,
            NodeLevel::Agency,
            &ds.answers(NodeRef::Agency(a)),
        );
        let units: Vec<Levels> = ds.agencies[a]
            .units
            .iter()
            .map(|&u| {
                let unit_own = match &self.units[u].levels {
                    Some(kept) if !all => kept.own.clone(),
                    _ => method::own_scores_q(
                        instrument,
                        NodeLevel::Unit,
                        &ds.answers(NodeRef::Unit(u)),
                    ),
                };
                let score = self.unit_score(ds, u, &unit_own, &own);
                Levels {
                    own: unit_own,
                    score,
                }
            })
            .collect();
        let score = self.agency_score(ds, a, &own, units.iter().map(|l| &l.score));
        (Levels { own, score }, units)
    }

    /// Puts what [`ScoreBook::agency_levels`] gave into the book.
    fn set_agency_levels(
        &mut self,
        ds: &Dataset,
        a: AgencyIx,
        (agency, units): (Levels, Vec<Levels>),
    ) {
        for (&u, levels) in ds.agencies[a].units.iter().zip(units) {
            self.units[u].levels = Some(Box::new(levels));
        }
        self.agencies[a].levels = Some(Box::new(agency));
    }

    /// Level path: a unit's score from its own scores, its products' and its agency's.
    fn unit_score(&self, ds: &Dataset, u: UnitIx, own: &OwnQ, agency_own: &OwnQ) -> NodeQ {
        let instrument = ds.instrument_of_agency(ds.units[u].agency);
        let (products, dims) = (&self.products, &self.product_dims);
        let parts = ds.units[u]
            .products
            .iter()
            .map(|&p| part(&products[p], &dims[p]));
        method::unit_score_q(instrument, own, parts, agency_own)
    }

    /// Level path: an agency's score from its own scores, its units' and products'.
    fn agency_score<'a>(
        &self,
        ds: &Dataset,
        a: AgencyIx,
        own: &OwnQ,
        units: impl Iterator<Item = &'a NodeQ>,
    ) -> NodeQ {
        let instrument = ds.instrument_of_agency(a);
        let (products, dims) = (&self.products, &self.product_dims);
        let product_parts = ds.agencies[a]
            .units
            .iter()
            .flat_map(|&u| &ds.units[u].products)
            .map(|&p| part(&products[p], &dims[p]));
        method::agency_score_q(instrument, own, units.map(NodeQ::part), product_parts)
    }

    /// Level path: a unit's score again after a change below it or at its agency.
    fn roll_unit(&mut self, ds: &Dataset, u: UnitIx) {
        let default_own = OwnQ::default();
        let agency_own = match &self.agencies[ds.units[u].agency].levels {
            Some(l) => &l.own,
            None => &default_own,
        };
        let own = match &self.units[u].levels {
            Some(l) => &l.own,
            None => &default_own,
        };
        let score = self.unit_score(ds, u, own, agency_own);
        self.unit_levels(u).score = score;
    }

    /// Level path: an agency's score again after a change below it or at it.
    fn roll_agency(&mut self, ds: &Dataset, a: AgencyIx) {
        let default_score = NodeQ::default();
        let default_own = OwnQ::default();
        let own = match &self.agencies[a].levels {
            Some(l) => &l.own,
            None => &default_own,
        };
        let units = ds.agencies[a]
            .units
            .iter()
            .map(|&u| match &self.units[u].levels {
                Some(l) => &l.score,
                None => &default_score,
            });
        let score = self.agency_score(ds, a, own, units);
        self.agencies[a]
            .levels
            .get_or_insert_with(Box::default)
            .score = score;
    }

    /// A product's score and progress.
    pub fn product(&self, p: ProductIx) -> ProductScore {
        self.products[p].to_score()
    }

    pub fn product_summary(&self, p: ProductIx) -> Summary {
        let ps = &self.products[p];
        Summary {
            score: ps.score.as_ref().map(Q::to_big),
            answered: u64::from(ps.answered),
            total: u64::from(ps.total),
        }
    }

    pub fn unit(&self, u: UnitIx) -> Summary {
        let book = &self.units[u];
        match &book.levels {
            Some(l) => summary_of(&l.score),
            None => Summary {
                score: book.acc.products.value(),
                answered: book.acc.answered,
                total: book.acc.total,
            },
        }
    }

    pub fn agency(&self, ds: &Dataset, a: AgencyIx) -> Summary {
        let book = &self.agencies[a];
        if let Some(l) = &book.levels {
            return summary_of(&l.score);
        }
        let acc = &book.acc;
        let score = match ds.instrument_of_agency(a).aggregate {
            Aggregate::Products => acc.products.value(),
            Aggregate::Units => acc.units.value(),
        };
        Summary {
            score,
            answered: acc.answered,
            total: acc.total,
        }
    }

    /// Score and progress of any node.
    pub fn summary(&self, ds: &Dataset, node: NodeRef) -> Summary {
        match node {
            NodeRef::Product(p) => self.product_summary(p),
            NodeRef::Unit(u) => self.unit(u),
            NodeRef::Agency(a) => self.agency(ds, a),
        }
    }

    /// The score of any node with its dimension scores (X_d, see
    /// [`NodeScore::dimensions`]) and progress.
    pub fn node(&self, ds: &Dataset, node: NodeRef) -> NodeScore {
        let s = self.summary(ds, node);
        NodeScore {
            score: s.score,
            dimensions: self.dimensions(ds, node),
            answered: s.answered,
            total: s.total,
        }
    }

    /// The dimension scores of any node: kept on the level path, worked out from the
    /// node's products on the fast path.
    pub fn dimensions(&self, ds: &Dataset, node: NodeRef) -> Vec<Option<BigRational>> {
        let a = ds.agency_of(node);
        if !self.is_fast_agency(ds, a) {
            return match node {
                NodeRef::Product(p) => {
                    let mut dims = method::dims_big(&self.product_dims[p]);
                    dims.resize(ds.instrument_of(node).dimensions.len(), None);
                    dims
                }
                NodeRef::Unit(u) => self.units[u]
                    .levels
                    .as_ref()
                    .map(|l| method::dims_big(&l.score.dimensions))
                    .unwrap_or_default(),
                NodeRef::Agency(a) => self.agencies[a]
                    .levels
                    .as_ref()
                    .map(|l| method::dims_big(&l.score.dimensions))
                    .unwrap_or_default(),
            };
        }
        let instrument = ds.instrument_of_agency(a);
        let product =
            |p: ProductIx| method::product_score(instrument, &ds.answers(NodeRef::Product(p)));
        let none = Own::default();
        let unit = |u: UnitIx| -> (NodeScore, Vec<NodeScore>) {
            let products: Vec<NodeScore> =
                ds.units[u].products.iter().map(|&p| product(p)).collect();
            (
                method::unit_score(instrument, &none, &products, &none),
                products,
            )
        };
        match node {
            NodeRef::Product(p) => product(p).dimensions,
            NodeRef::Unit(u) => unit(u).0.dimensions,
            NodeRef::Agency(a) => {
                let (units, products): (Vec<NodeScore>, Vec<Vec<NodeScore>>) =
                    ds.agencies[a].units.iter().map(|&u| unit(u)).unzip();
                method::agency_score(instrument, &none, &units, products.iter().flatten())
                    .dimensions
            }
        }
    }

    /// Category and zone of any node's rounded score (None without a score).
    pub fn verdict<'a>(&self, ds: &'a Dataset, node: NodeRef) -> Option<Verdict<'a>> {
        let score = self.summary(ds, node).score?;
        Some(method::verdict(ds.instrument_of(node), &score))
    }

    /// Whether the agency is granted its instrument's qualifier: None until its
    /// follow-up register is closed, and always when the instrument has no qualifier.
    pub fn qualifier(&self, a: AgencyIx) -> Option<bool> {
        self.agencies[a].qualifier
    }

    /// The agency's opinion: its category's label, followed by the qualifier's when it
    /// is granted (e.g. "Kualitas Sedang Tanpa Maladministrasi"). None without a score.
    pub fn opinion(&self, ds: &Dataset, a: AgencyIx) -> Option<Text> {
        let v = self.verdict(ds, NodeRef::Agency(a))?;
        Some(method::opinion(
            ds.instrument_of_agency(a),
            v.band,
            self.qualifier(a),
        ))
    }
}

/// A product's score on the level path: from its values when its instrument's
/// product-level indicators are observed, else from its answers.
fn level_product(
    ds: &Dataset,
    p: ProductIx,
    instrument: &Instrument,
    observed: Option<&ObservedProducts>,
) -> NodeQ {
    observed
        .and_then(|o| o.score(instrument, &ds.products[p].values))
        .unwrap_or_else(|| method::product_score_q(instrument, &ds.answers(NodeRef::Product(p))))
}

fn summary_of(s: &NodeQ) -> Summary {
    Summary {
        score: s.score.as_ref().map(Q::to_big),
        answered: s.answered,
        total: s.total,
    }
}

fn qualifier_of(ds: &Dataset, a: AgencyIx) -> Option<bool> {
    followup::qualifier(ds.instrument_of_agency(a), ds.followups(a))
}
