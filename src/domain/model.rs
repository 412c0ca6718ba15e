//! The assessment data held in memory: agencies -> service units -> service products,
//! each product with one value and note per indicator of its agency's instrument; what
//! format 2 adds at every level (a unit's and an agency's own answers, respondents, data
//! values, follow-up registers: [`Cells`], module `cells`); the score book that keeps the
//! scores of every node up to date incrementally ([`ScoreBook`], module `book`); and the
//! path to the next category ([`next_category`], module `path`).
//!
//! Positions in the data are typed ([`AgencyIx`], [`UnitIx`], [`ProductIx`],
//! [`IndicatorIx`], [`RespondentIx`], [`RoleIx`]) and the lists they index are [`IxVec`]s that only
//! take their own kind, so an agency's position cannot be used as a product's by
//! mistake. A node of any level is a [`NodeRef`], named on the command line, in the
//! audit log and in export files by its path `AGENCY`, `AGENCY/UNIT` or
//! `AGENCY/UNIT/PRODUCT`.

mod book;
mod cells;
mod path;

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

use num_rational::BigRational;

use super::instrument::{Band, Indicator, Instrument, NodeLevel};
use super::scoring::{Rounded, Value};

pub use book::ScoreBook;
pub use cells::{Carried, CellError, Cells, Counts, DataValue, Notes, Respondent};
pub use path::{NextCategory, Step, next_category};

/// A typed position in a list of the dataset.
pub trait Ix: Copy + Eq + Ord + fmt::Debug {
    fn from_index(i: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! index_types {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(usize);

        impl $name {
            pub const fn new(i: usize) -> $name {
                $name(i)
            }
        }

        impl Ix for $name {
            fn from_index(i: usize) -> $name {
                $name(i)
            }
            fn index(self) -> usize {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

index_types! {
    /// An agency's position in [`Dataset::agencies`].
    AgencyIx;
    /// A unit's position in [`Dataset::units`].
    UnitIx;
    /// A product's position in [`Dataset::products`].
    ProductIx;
    /// An indicator's position in its instrument's indicators (and in a product's
    /// values, notes and evidence counts).
    IndicatorIx;
    /// A respondent's position among the respondents of its node
    /// ([`Dataset::respondents`]); removed respondents keep theirs.
    RespondentIx;
    /// A role's position in its instrument's roles (the workstation's rosters).
    RoleIx;
}

/// A node of the assessment at any level: what an answer, a respondent, a score or a
/// path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRef {
    Agency(AgencyIx),
    Unit(UnitIx),
    Product(ProductIx),
}

impl NodeRef {
    /// The level of the node, the level of the indicators answered at it.
    pub fn level(self) -> NodeLevel {
        match self {
            NodeRef::Agency(_) => NodeLevel::Agency,
            NodeRef::Unit(_) => NodeLevel::Unit,
            NodeRef::Product(_) => NodeLevel::Product,
        }
    }
}

impl From<AgencyIx> for NodeRef {
    fn from(a: AgencyIx) -> NodeRef {
        NodeRef::Agency(a)
    }
}

impl From<UnitIx> for NodeRef {
    fn from(u: UnitIx) -> NodeRef {
        NodeRef::Unit(u)
    }
}

impl From<ProductIx> for NodeRef {
    fn from(p: ProductIx) -> NodeRef {
        NodeRef::Product(p)
    }
}

/// A list indexed by one kind of typed position only.
#[derive(Clone, PartialEq, Eq)]
pub struct IxVec<I, T> {
    items: Vec<T>,
    _ix: PhantomData<fn(I) -> I>,
}

impl<I, T: fmt::Debug> fmt::Debug for IxVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I, T> Default for IxVec<I, T> {
    fn default() -> Self {
        IxVec {
            items: Vec::new(),
            _ix: PhantomData,
        }
    }
}

impl<I: Ix, T> IxVec<I, T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `n` more items (a list read whole, whose length is known: growing it
    /// by doubling left up to half of it unused).
    pub fn reserve_exact(&mut self, n: usize) {
        self.items.reserve_exact(n);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds an item; its position.
    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::from_index(self.items.len() - 1)
    }

    /// The position the next item pushed will have.
    pub fn next_id(&self) -> I {
        I::from_index(self.items.len())
    }

    pub fn get(&self, i: I) -> Option<&T> {
        self.items.get(i.index())
    }

    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// The items as a slice to reorder (a list read in one order, kept in another).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// Every position, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::from_index)
    }

    /// Every item with its position.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, t)| (I::from_index(i), t))
    }

    /// The first position whose item satisfies `f`.
    pub fn position(&self, f: impl FnMut(&T) -> bool) -> Option<I> {
        self.items.iter().position(f).map(I::from_index)
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items
    }
}

impl<I: Ix, T> Index<I> for IxVec<I, T> {
    type Output = T;
    fn index(&self, i: I) -> &T {
        &self.items[i.index()]
    }
}

impl<I: Ix, T> IndexMut<I> for IxVec<I, T> {
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.index()]
    }
}

impl<I, T> From<Vec<T>> for IxVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IxVec {
            items,
            _ix: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IxVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(it: It) -> Self {
        Vec::from_iter(it).into()
    }
}

impl<'a, I, T> IntoIterator for &'a IxVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IxVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

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
    pub units: Vec<UnitIx>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub agency: AgencyIx,
    pub products: Vec<ProductIx>,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub unit: UnitIx,
    pub finalized: bool,
    /// One per indicator of the agency's instrument, in instrument order.
    pub values: Vec<Value>,
    /// The notes there are, by indicator (most indicators have none: an empty
    /// `String` per product and indicator was a third of a workstation's memory).
    pub notes: Notes,
    /// Number of evidence references per indicator, only for the indicators that have
    /// some (most have none).
    pub evidence: Counts,
}

impl Product {
    /// The value of one indicator.
    pub fn value(&self, i: IndicatorIx) -> Value {
        self.values[i.index()]
    }

    /// The note of one indicator ("" when there is none).
    pub fn note(&self, i: IndicatorIx) -> &str {
        self.notes.get(i)
    }

    /// How many evidence references one indicator has.
    pub fn evidence_count(&self, i: IndicatorIx) -> u32 {
        self.evidence.get(i)
    }
}

/// Everything a workstation (or the central office) holds, in memory.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub instruments: Vec<Instrument>,
    pub agencies: IxVec<AgencyIx, Agency>,
    pub units: IxVec<UnitIx, Unit>,
    pub products: IxVec<ProductIx, Product>,
    /// What format 2 adds at every level, read and changed through the dataset's
    /// methods ([`Dataset::set_value`], [`Dataset::add_respondent`], ...); empty for a
    /// format-1 assessment.
    pub cells: Cells,
}

impl Dataset {
    pub fn instrument_of_product(&self, p: ProductIx) -> &Instrument {
        &self.instruments[self.instrument_index_of_product(p)]
    }

    /// The place in `instruments` of the instrument a product is assessed with.
    pub fn instrument_index_of_product(&self, p: ProductIx) -> usize {
        let a = self.units[self.products[p].unit].agency;
        self.agencies[a].instrument
    }

    pub fn instrument_of_agency(&self, a: AgencyIx) -> &Instrument {
        &self.instruments[self.agencies[a].instrument]
    }

    /// One indicator of a product's instrument.
    pub fn indicator(&self, p: ProductIx, i: IndicatorIx) -> &Indicator {
        &self.instrument_of_product(p).indicators[i.index()]
    }

    /// The agency a product belongs to.
    pub fn agency_of_product(&self, p: ProductIx) -> AgencyIx {
        self.units[self.products[p].unit].agency
    }

    /// `AGENCY/UNIT/PRODUCT` by codes.
    pub fn product_path(&self, p: ProductIx) -> String {
        let prod = &self.products[p];
        let unit = &self.units[prod.unit];
        let agency = &self.agencies[unit.agency];
        format!("{}/{}/{}", agency.code, unit.code, prod.code)
    }

    pub fn find_product(&self, path: &str) -> Option<ProductIx> {
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

    pub fn find_agency(&self, code: &str) -> Option<AgencyIx> {
        self.agencies.position(|a| a.code == code)
    }

    /// The agency a node belongs to (itself for an agency).
    pub fn agency_of(&self, node: NodeRef) -> AgencyIx {
        match node {
            NodeRef::Agency(a) => a,
            NodeRef::Unit(u) => self.units[u].agency,
            NodeRef::Product(p) => self.agency_of_product(p),
        }
    }

    /// The unit a node belongs to (itself for a unit; none for an agency).
    pub fn unit_of(&self, node: NodeRef) -> Option<UnitIx> {
        match node {
            NodeRef::Agency(_) => None,
            NodeRef::Unit(u) => Some(u),
            NodeRef::Product(p) => Some(self.products[p].unit),
        }
    }

    /// The place in `instruments` of the instrument a node is assessed with.
    pub fn instrument_index_of(&self, node: NodeRef) -> usize {
        self.agencies[self.agency_of(node)].instrument
    }

    pub fn instrument_of(&self, node: NodeRef) -> &Instrument {
        &self.instruments[self.instrument_index_of(node)]
    }

    /// `AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT` by codes.
    pub fn node_path(&self, node: NodeRef) -> String {
        match node {
            NodeRef::Agency(a) => self.agencies[a].code.clone(),
            NodeRef::Unit(u) => {
                let unit = &self.units[u];
                format!("{}/{}", self.agencies[unit.agency].code, unit.code)
            }
            NodeRef::Product(p) => self.product_path(p),
        }
    }

    /// The node a path names (`AGENCY`, `AGENCY/UNIT` or `AGENCY/UNIT/PRODUCT`).
    pub fn find_node(&self, path: &str) -> Option<NodeRef> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let a = self.find_agency(parts[0])?;
        let Some(unit_code) = parts.get(1) else {
            return Some(NodeRef::Agency(a));
        };
        let u = self.agencies[a]
            .units
            .iter()
            .copied()
            .find(|&u| self.units[u].code == *unit_code)?;
        let Some(product_code) = parts.get(2) else {
            return Some(NodeRef::Unit(u));
        };
        self.units[u]
            .products
            .iter()
            .copied()
            .find(|&p| self.products[p].code == *product_code)
            .map(NodeRef::Product)
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
