//! The assessment data held in memory: agencies -> service units -> service products,
//! each product with one value and note per indicator of its agency's instrument, and
//! the score book that rolls product scores up to units and agencies incrementally.

use std::fmt;
use std::str::FromStr;

use num_rational::BigRational;

use super::instrument::{Aggregate, Band, Instrument};
use super::scoring::{Mean, ProductScore, Rounded, Scorer, Value};

/// The kind of a government body, as the Ombudsman ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Kementerian,
    Lembaga,
    Pemprov,
    Pemkot,
    Pemkab,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Kementerian,
        Kind::Lembaga,
        Kind::Pemprov,
        Kind::Pemkot,
        Kind::Pemkab,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Kementerian => "kementerian",
            Kind::Lembaga => "lembaga",
            Kind::Pemprov => "pemprov",
            Kind::Pemkot => "pemkot",
            Kind::Pemkab => "pemkab",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown kind {s:?}: use one of kementerian, lembaga, pemprov, pemkot, pemkab"
                )
            })
    }
}

#[derive(Debug, Clone)]
pub struct Agency {
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub kind: Kind,
    /// Index into [`Dataset::instruments`].
    pub instrument: usize,
    pub units: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub agency: usize,
    pub products: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub unit: usize,
    pub finalized: bool,
    /// One per indicator of the agency's instrument, in instrument order.
    pub values: Vec<Value>,
    /// One per indicator; empty when there is no note.
    pub notes: Vec<String>,
    /// Number of evidence references per indicator.
    pub evidence: Vec<u32>,
}

/// Everything a workstation (or the central office) holds, in memory.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub instruments: Vec<Instrument>,
    pub agencies: Vec<Agency>,
    pub units: Vec<Unit>,
    pub products: Vec<Product>,
}

impl Dataset {
    pub fn instrument_of_product(&self, p: usize) -> &Instrument {
        &self.instruments[self.instrument_index_of_product(p)]
    }

    /// The place in `instruments` of the instrument a product is assessed with.
    pub fn instrument_index_of_product(&self, p: usize) -> usize {
        let a = self.units[self.products[p].unit].agency;
        self.agencies[a].instrument
    }

    pub fn instrument_of_agency(&self, a: usize) -> &Instrument {
        &self.instruments[self.agencies[a].instrument]
    }

    /// `AGENCY/UNIT/PRODUCT` by codes.
    pub fn product_path(&self, p: usize) -> String {
        let prod = &self.products[p];
        let unit = &self.units[prod.unit];
        let agency = &self.agencies[unit.agency];
        format!("{}/{}/{}", agency.code, unit.code, prod.code)
    }

    pub fn find_product(&self, path: &str) -> Option<usize> {
        let (a, u, p) = split_path(path)?;
        let agency = self.agencies.iter().find(|x| x.code == a)?;
        let unit = agency
            .units
            .iter()
            .map(|&i| &self.units[i])
            .find(|x| x.code == u)?;
        unit.products
            .iter()
            .copied()
            .find(|&i| self.products[i].code == p)
    }

    pub fn find_agency(&self, code: &str) -> Option<usize> {
        self.agencies.iter().position(|a| a.code == code)
    }
}

/// Splits `AGENCY/UNIT/PRODUCT` into its three codes.
pub fn split_path(path: &str) -> Option<(&str, &str, &str)> {
    let mut it = path.split('/');
    let (a, u, p) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || a.is_empty() || u.is_empty() || p.is_empty() {
        return None;
    }
    Some((a, u, p))
}

/// A score at any level with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub score: Option<BigRational>,
    pub answered: u64,
    pub total: u64,
}

impl Summary {
    pub fn rounded(&self) -> Option<Rounded> {
        self.score.as_ref().map(Rounded::of)
    }

    /// The zone, looked up on the rounded score.
    pub fn band<'a>(&self, instrument: &'a Instrument) -> Option<&'a Band> {
        self.rounded().map(|r| instrument.band_for(r.0))
    }
}

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

/// Scores of every product, unit and agency, kept up to date one product at a time.
#[derive(Debug, Clone, Default)]
pub struct ScoreBook {
    /// One per instrument of the dataset, in its order: the scoring engine's
    /// preparation of each, made once (not kept in the instruments).
    scorers: Vec<Scorer>,
    products: Vec<ProductScore>,
    units: Vec<UnitAcc>,
    agencies: Vec<AgencyAcc>,
}

impl ScoreBook {
    /// Scores everything from scratch.
    pub fn compute(ds: &Dataset) -> ScoreBook {
        let scorers: Vec<Scorer> = ds.instruments.iter().map(Scorer::new).collect();
        let products: Vec<ProductScore> = (0..ds.products.len())
            .map(|p| {
                let i = ds.instrument_index_of_product(p);
                scorers[i].score(&ds.instruments[i], &ds.products[p].values)
            })
            .collect();
        let mut units = vec![UnitAcc::default(); ds.units.len()];
        for (p, ps) in products.iter().enumerate() {
            let u = &mut units[ds.products[p].unit];
            if let Some(s) = &ps.score {
                u.products.add(s);
            }
            u.answered += u64::from(ps.answered);
            u.total += u64::from(ps.total);
        }
        let mut agencies = vec![AgencyAcc::default(); ds.agencies.len()];
        for (u, acc) in units.iter().enumerate() {
            let a = &mut agencies[ds.units[u].agency];
            a.products.merge(&acc.products);
            if let Some(m) = acc.products.value() {
                a.units.add(&m);
            }
            a.answered += acc.answered;
            a.total += acc.total;
        }
        ScoreBook {
            scorers,
            products,
            units,
            agencies,
        }
    }

    /// Rescores one product and adjusts only its unit and agency (exact, so the result
    /// is the same as [`ScoreBook::compute`]).
    pub fn update_product(&mut self, ds: &Dataset, p: usize) {
        let i = ds.instrument_index_of_product(p);
        let instrument = &ds.instruments[i];
        let values = &ds.products[p].values;
        let new = match self.scorers.get(i) {
            Some(scorer) => scorer.score(instrument, values),
            None => Scorer::new(instrument).score(instrument, values),
        };
        let old = std::mem::replace(&mut self.products[p], new.clone());
        let u = ds.products[p].unit;
        let a = ds.units[u].agency;
        let unit = &mut self.units[u];
        let unit_before = unit.products.value();
        if let Some(s) = &old.score {
            unit.products.remove(s);
        }
        if let Some(s) = &new.score {
            unit.products.add(s);
        }
        unit.answered = unit.answered - u64::from(old.answered) + u64::from(new.answered);
        let unit_after = unit.products.value();
        let agency = &mut self.agencies[a];
        if let Some(s) = &old.score {
            agency.products.remove(s);
        }
        if let Some(s) = &new.score {
            agency.products.add(s);
        }
        if let Some(m) = &unit_before {
            agency.units.remove(m);
        }
        if let Some(m) = &unit_after {
            agency.units.add(m);
        }
        agency.answered = agency.answered - u64::from(old.answered) + u64::from(new.answered);
    }

    pub fn product(&self, p: usize) -> &ProductScore {
        &self.products[p]
    }

    pub fn product_summary(&self, p: usize) -> Summary {
        let ps = &self.products[p];
        Summary {
            score: ps.score.clone(),
            answered: u64::from(ps.answered),
            total: u64::from(ps.total),
        }
    }

    pub fn unit(&self, u: usize) -> Summary {
        let acc = &self.units[u];
        Summary {
            score: acc.products.value(),
            answered: acc.answered,
            total: acc.total,
        }
    }

    pub fn agency(&self, ds: &Dataset, a: usize) -> Summary {
        let acc = &self.agencies[a];
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
}
