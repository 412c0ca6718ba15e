//! What format 2 adds to the data in memory: a unit's and an agency's own answers, the
//! respondents interviewed at a node with their answers, outside data values (exact
//! decimals with their source), sparse notes and evidence counts, finalization of units
//! and agencies, and each agency's follow-up register; and the [`Dataset`] methods that
//! read and change them by [`NodeRef`].
//!
//! It lives beside the agencies, units and products rather than in them, so a format-1
//! dataset is what it was (its products keep their values, notes and evidence in
//! [`super::Product`]) and code that builds one is unchanged. Nodes with nothing of
//! this kind take no room: the tables grow on the first write and a missing entry reads
//! as empty.

use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};

use num_rational::BigRational;
use num_traits::Signed;

use super::{AgencyIx, Dataset, IndicatorIx, Ix, IxVec, NodeRef, ProductIx, RespondentIx, UnitIx};
use crate::domain::followup::FollowUpRegister;
use crate::domain::instrument::{Indicator, Instrument, NodeLevel, Source};
use crate::domain::method::{self, AgencyAnswers, Answer, UnitAnswers};
use crate::domain::scoring::Value;

/// Notes of one node, only for the indicators that have one: an empty `String` per
/// indicator and node was a third of a workstation's memory at national scale.
/// Indexing by indicator position reads `""` where there is none; writing through an
/// index adds the entry.
#[derive(Debug, Clone, Default)]
pub struct Notes(Vec<(IndicatorIx, String)>);

/// Equal when they hold the same notes (an entry emptied through an index is no note).
impl PartialEq for Notes {
    fn eq(&self, other: &Notes) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Notes {}

static NO_NOTE: String = String::new();

impl Notes {
    pub const fn new() -> Notes {
        Notes(Vec::new())
    }

    /// The note of one indicator, `""` when there is none.
    pub fn get(&self, i: IndicatorIx) -> &str {
        self.find(i).map_or("", |k| self.0[k].1.as_str())
    }

    /// Sets one note; an empty text removes it.
    pub fn set(&mut self, i: IndicatorIx, text: String) {
        match (self.find(i), text.is_empty()) {
            (Ok(k), true) => {
                self.0.remove(k);
            }
            (Ok(k), false) => self.0[k].1 = text,
            (Err(_), true) => {}
            (Err(k), false) => self.0.insert(k, (i, text)),
        }
    }

    /// The notes there are, by indicator.
    pub fn iter(&self) -> impl Iterator<Item = (IndicatorIx, &str)> {
        self.0
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| (*i, t.as_str()))
    }

    /// Every note held, to change in place (writing `""` leaves an entry that reads
    /// as no note).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.0.iter_mut().map(|(_, t)| t)
    }

    /// How many indicators have a note.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find(&self, i: IndicatorIx) -> Result<usize, usize> {
        self.0.binary_search_by_key(&i, |(k, _)| *k)
    }
}

impl Index<usize> for Notes {
    type Output = String;
    fn index(&self, i: usize) -> &String {
        match self.find(IndicatorIx::new(i)) {
            Ok(k) => &self.0[k].1,
            Err(_) => &NO_NOTE,
        }
    }
}

impl IndexMut<usize> for Notes {
    /// Adds an empty entry when there is none, for the caller to write into.
    fn index_mut(&mut self, i: usize) -> &mut String {
        let i = IndicatorIx::new(i);
        let k = match self.find(i) {
            Ok(k) => k,
            Err(k) => {
                self.0.insert(k, (i, String::new()));
                k
            }
        };
        &mut self.0[k].1
    }
}

/// From one note per indicator, `""` where there is none (the product layout).
impl From<Vec<String>> for Notes {
    fn from(all: Vec<String>) -> Notes {
        Notes(
            all.into_iter()
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(|(i, t)| (IndicatorIx::new(i), t))
                .collect(),
        )
    }
}

/// Counts of one node (evidence references per indicator), only for the indicators
/// whose count is not 0: a `u32` per product and indicator was 5 MB of a nation's
/// workstation. Indexing by indicator position reads 0 where there is none; writing
/// through an index adds the entry.
#[derive(Debug, Clone, Default)]
pub struct Counts(Vec<(IndicatorIx, u32)>);

static NO_COUNT: u32 = 0;

impl Counts {
    pub const fn new() -> Counts {
        Counts(Vec::new())
    }

    /// The count of one indicator, 0 when there is none.
    pub fn get(&self, i: IndicatorIx) -> u32 {
        self.find(i).map_or(0, |k| self.0[k].1)
    }

    /// Every count held, to change in place (a count set to 0 reads as none).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut u32> {
        self.0.iter_mut().map(|(_, n)| n)
    }

    /// Sets one count; 0 removes it.
    pub fn set(&mut self, i: IndicatorIx, n: u32) {
        match (self.find(i), n) {
            (Ok(k), 0) => {
                self.0.remove(k);
            }
            (Ok(k), n) => self.0[k].1 = n,
            (Err(_), 0) => {}
            (Err(k), n) => self.0.insert(k, (i, n)),
        }
    }

    /// The counts that are not 0, by indicator.
    pub fn iter(&self) -> impl Iterator<Item = (IndicatorIx, u32)> + '_ {
        self.0.iter().filter(|(_, n)| *n != 0).copied()
    }

    fn find(&self, i: IndicatorIx) -> Result<usize, usize> {
        self.0.binary_search_by_key(&i, |(k, _)| *k)
    }
}

/// Equal when every indicator's count is (an entry brought back to 0 is no entry).
impl PartialEq for Counts {
    fn eq(&self, other: &Counts) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Counts {}

impl Index<usize> for Counts {
    type Output = u32;
    fn index(&self, i: usize) -> &u32 {
        match self.find(IndicatorIx::new(i)) {
            Ok(k) => &self.0[k].1,
            Err(_) => &NO_COUNT,
        }
    }
}

impl IndexMut<usize> for Counts {
    /// Adds an entry of 0 when there is none, for the caller to write into.
    fn index_mut(&mut self, i: usize) -> &mut u32 {
        let i = IndicatorIx::new(i);
        let k = match self.find(i) {
            Ok(k) => k,
            Err(k) => {
                self.0.insert(k, (i, 0));
                k
            }
        };
        &mut self.0[k].1
    }
}

/// From one count per indicator (the product layout).
impl From<Vec<u32>> for Counts {
    fn from(all: Vec<u32>) -> Counts {
        Counts(
            all.into_iter()
                .enumerate()
                .filter(|(_, n)| *n != 0)
                .map(|(i, n)| (IndicatorIx::new(i), n))
                .collect(),
        )
    }
}

/// A value taken from another institution's data for a `data` indicator: an exact
/// decimal (never a float) and the source it was copied from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataValue {
    value: BigRational,
    source: String,
}

impl DataValue {
    /// A value for `indicator` as typed on the command line or in a CSV file (`82.35`,
    /// decimals with a dot, in 0..=max), with the name of its source.
    pub fn parse(indicator: &Indicator, text: &str, source: &str) -> Result<DataValue, String> {
        let value = method::parse_data_value(indicator, text)?;
        Ok(DataValue {
            value,
            source: source.trim().to_string(),
        })
    }

    /// A value already exact (read back from the store or an export): refused when it is
    /// negative or not a finite decimal, which no entry could have produced.
    pub fn new(value: BigRational, source: String) -> Result<DataValue, String> {
        let text = crate::domain::json::decimal_text(&value);
        if value.is_negative() || text.contains('/') {
            return Err(format!(
                "{text} is not a data value: data values are decimals of 0 or more"
            ));
        }
        Ok(DataValue { value, source })
    }

    pub fn value(&self) -> &BigRational {
        &self.value
    }

    /// Where the value comes from, e.g. `KemenPAN-RB, IKM 2024`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The canonical decimal text (`82.35`, `100`): what the store and exports write.
    pub fn text(&self) -> String {
        crate::domain::json::decimal_text(&self.value)
    }
}

/// An answer copied from the previous cycle by a cycle started with carry (issue 14):
/// to be re-checked, and counted as unanswered (left out of scores and progress) until
/// the assessor confirms it as it is or records another value. Held beside the answers
/// that count, never in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// An observation, an interview answer, or N/A for a whole indicator.
    Value(Value),
    /// A data value with its source.
    Data(DataValue),
}

/// A person interviewed at a node, as a position or a number: never a name (Law
/// 27/2022 on personal data protection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    /// The store's row id (0 for one not stored yet).
    pub db_id: i64,
    /// A 128-bit random id in hex, stable across exports and merges, so that two
    /// assessors' respondents of one node merge as a union.
    pub uid: String,
    /// Index into the instrument's roles.
    pub role: usize,
    /// 1, 2, ... among the respondents of its role at its node; a removed respondent
    /// keeps its number.
    pub number: u32,
    /// A position at most (`Kepala Dinas`), `""` when none.
    pub label: String,
    /// Removed (audited, never deleted): left out of scores and progress.
    pub removed: bool,
    /// Answers to the interview indicators of its role, in the order of
    /// [`Instrument::role_indicators`]; missing entries are unanswered.
    pub values: Vec<Value>,
    /// Answers carried from the previous cycle, to be re-checked (not counted), in the
    /// same order; unanswered entries (and missing ones) are not carried.
    pub carried: Vec<Value>,
}

impl Respondent {
    /// A respondent with no answer yet.
    pub fn new(uid: String, role: usize, number: u32, label: String) -> Respondent {
        Respondent {
            db_id: 0,
            uid,
            role,
            number,
            label,
            removed: false,
            values: Vec::new(),
            carried: Vec::new(),
        }
    }

    /// The answer at `slot` of its role's indicators.
    pub fn value_at(&self, slot: usize) -> Value {
        self.values.get(slot).copied().unwrap_or_default()
    }

    /// Puts its answer to indicator `i` of `instrument` in place, before it is added
    /// to a node (a store loading it, removed or not); an answer carried there before
    /// is no longer carried. False when `i` is not an interview indicator asked of its
    /// role.
    pub fn set_value(&mut self, instrument: &Instrument, i: IndicatorIx, v: Value) -> bool {
        let Some(slot) = self.slot(instrument, i) else {
            return false;
        };
        let slots = instrument.role_indicators(self.role).count();
        if self.values.len() < slots {
            self.values.resize(slots, Value::Unanswered);
        }
        self.values[slot] = v;
        if let Some(c) = self.carried.get_mut(slot) {
            *c = Value::Unanswered;
        }
        true
    }

    /// Its answer to indicator `i` carried from the previous cycle, if any.
    pub fn carried_at(&self, slot: usize) -> Option<Value> {
        self.carried
            .get(slot)
            .copied()
            .filter(|v| *v != Value::Unanswered)
    }

    /// Puts an answer carried from the previous cycle in place (None: not carried),
    /// like [`Respondent::set_value`]. False when `i` is not an interview indicator
    /// asked of its role.
    pub fn set_carried(
        &mut self,
        instrument: &Instrument,
        i: IndicatorIx,
        v: Option<Value>,
    ) -> bool {
        let Some(slot) = self.slot(instrument, i) else {
            return false;
        };
        let slots = instrument.role_indicators(self.role).count();
        if self.carried.len() < slots {
            self.carried.resize(slots, Value::Unanswered);
        }
        self.carried[slot] = v.unwrap_or(Value::Unanswered);
        true
    }

    /// How many of its answers are carried, to be re-checked.
    pub fn carried_count(&self) -> usize {
        self.carried
            .iter()
            .filter(|v| **v != Value::Unanswered)
            .count()
    }

    /// The place of indicator `i` among its role's answers, when it is asked of it.
    fn slot(&self, instrument: &Instrument, i: IndicatorIx) -> Option<usize> {
        let asked = instrument
            .indicators
            .get(i.index())
            .is_some_and(|ind| ind.source.role() == Some(self.role));
        instrument.interview_slot(i.index()).filter(|_| asked)
    }
}

/// Everything a node holds besides a product's values, notes and evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NodeCells {
    /// Units and agencies: observations and whole-indicator N/A marks of the node's own
    /// indicators, by indicator position; empty until the first is recorded.
    values: Vec<Value>,
    /// Data values, sorted by indicator.
    data: Vec<(IndicatorIx, DataValue)>,
    /// Units and agencies.
    notes: Notes,
    /// Units and agencies: evidence references per indicator, sorted, no zeros.
    evidence: Vec<(IndicatorIx, u32)>,
    respondents: Vec<Respondent>,
    /// Units and agencies.
    finalized: bool,
    /// The node's own answers carried from the previous cycle (products too), sorted by
    /// indicator: not counted until confirmed or changed.
    carried: Vec<(IndicatorIx, Carried)>,
}

static NO_CELLS: NodeCells = NodeCells {
    values: Vec::new(),
    data: Vec::new(),
    notes: Notes::new(),
    evidence: Vec::new(),
    respondents: Vec::new(),
    finalized: false,
    carried: Vec::new(),
};

static NO_FOLLOWUPS: FollowUpRegister = FollowUpRegister {
    items: Vec::new(),
    closed: false,
};

/// The format-2 side of a [`Dataset`], read and changed through the dataset's methods.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    agencies: IxVec<AgencyIx, NodeCells>,
    units: IxVec<UnitIx, NodeCells>,
    /// Only the products that have respondents, data values or carried answers.
    products: BTreeMap<ProductIx, NodeCells>,
    followups: IxVec<AgencyIx, FollowUpRegister>,
}

/// The item at `i`, adding default items up to it.
fn grown<I: Ix, T: Default>(v: &mut IxVec<I, T>, i: I) -> &mut T {
    while v.items.len() <= i.index() {
        v.items.push(T::default());
    }
    &mut v.items[i.index()]
}

impl Cells {
    fn get(&self, node: NodeRef) -> &NodeCells {
        match node {
            NodeRef::Agency(a) => self.agencies.get(a),
            NodeRef::Unit(u) => self.units.get(u),
            NodeRef::Product(p) => self.products.get(&p),
        }
        .unwrap_or(&NO_CELLS)
    }

    fn get_mut(&mut self, node: NodeRef) -> &mut NodeCells {
        match node {
            NodeRef::Agency(a) => grown(&mut self.agencies, a),
            NodeRef::Unit(u) => grown(&mut self.units, u),
            NodeRef::Product(p) => self.products.entry(p).or_default(),
        }
    }
}

/// A change the dataset refuses: it names the node, the indicator or respondent and
/// what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error("{path}: the instrument has no indicator number {index}")]
    NoIndicator { path: String, index: usize },
    #[error(
        "{path}: indicator {indicator:?} is answered per {level}, not per {node}: give the path of a {level}"
    )]
    Level {
        path: String,
        indicator: String,
        level: NodeLevel,
        node: NodeLevel,
    },
    #[error("{path}: indicator {indicator:?} is answered by {by}: {fix}")]
    Source {
        path: String,
        indicator: String,
        by: &'static str,
        fix: &'static str,
    },
    #[error("{path}: the instrument has no role number {role}")]
    NoRole { path: String, role: usize },
    #[error(
        "{path}: role {role:?} is interviewed per {level}, not per {node}: give the path of a {level}"
    )]
    RoleLevel {
        path: String,
        role: String,
        level: NodeLevel,
        node: NodeLevel,
    },
    #[error("{path}: there is no respondent at position {index}")]
    NoRespondent { path: String, index: usize },
    #[error("{path}: {role} {number} exists already: use the next number, {next}")]
    Number {
        path: String,
        role: String,
        number: u32,
        next: u32,
    },
    #[error("{path}: a respondent with id {uid} exists already")]
    Uid { path: String, uid: String },
    #[error("{path}: {role} {number} was removed: add a new respondent instead")]
    Removed {
        path: String,
        role: String,
        number: u32,
    },
    #[error("{path}: indicator {indicator:?} is asked of {asked}, not of {role} {number}")]
    Role {
        path: String,
        indicator: String,
        asked: String,
        role: String,
        number: u32,
    },
}

/// The format-2 questions and changes, by node.
impl Dataset {
    /// The indicator `i` of `node`'s instrument, checked to be answered at its level.
    fn own_indicator(&self, node: NodeRef, i: IndicatorIx) -> Result<&Indicator, CellError> {
        let inst = self.instrument_of(node);
        let ind = inst
            .indicators
            .get(i.index())
            .ok_or_else(|| CellError::NoIndicator {
                path: self.node_path(node),
                index: i.index(),
            })?;
        let level = inst.level_of(i.index());
        if level != node.level() {
            return Err(CellError::Level {
                path: self.node_path(node),
                indicator: ind.id.clone(),
                level,
                node: node.level(),
            });
        }
        Ok(ind)
    }

    /// The value recorded for indicator `i` at `node`: an observation, or N/A for the
    /// whole indicator (interview and data indicators hold nothing else here).
    pub fn value(&self, node: NodeRef, i: IndicatorIx) -> Value {
        match node {
            NodeRef::Product(p) => self.products[p].values.get(i.index()).copied(),
            _ => self.cells.get(node).values.get(i.index()).copied(),
        }
        .unwrap_or_default()
    }

    /// Records an observation (a level, N/A or unanswered) of indicator `i` at `node`,
    /// or N/A / unanswered for a whole interview or data indicator.
    pub fn set_value(&mut self, node: NodeRef, i: IndicatorIx, v: Value) -> Result<(), CellError> {
        let ind = self.own_indicator(node, i)?;
        if let (Value::Level(_), Source::Interview { .. } | Source::Data { .. }) = (v, &ind.source)
        {
            return Err(CellError::Source {
                path: self.node_path(node),
                indicator: ind.id.clone(),
                by: ind.source.as_str(),
                fix: "record each respondent's answer or the data value; only N/A is recorded for the whole indicator",
            });
        }
        let n = self.instrument_of(node).indicators.len();
        let values = match node {
            NodeRef::Product(p) => &mut self.products[p].values,
            _ => &mut self.cells.get_mut(node).values,
        };
        if values.len() < n {
            values.resize(n, Value::Unanswered);
        }
        values[i.index()] = v;
        self.uncarry(node, i);
        Ok(())
    }

    /// The data value of indicator `i` at `node`, if one was entered.
    pub fn data(&self, node: NodeRef, i: IndicatorIx) -> Option<&DataValue> {
        let data = &self.cells.get(node).data;
        data.binary_search_by_key(&i, |(k, _)| *k)
            .ok()
            .map(|k| &data[k].1)
    }

    /// Enters (or with None clears) the data value of a `data` indicator at `node`.
    pub fn set_data(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        value: Option<DataValue>,
    ) -> Result<(), CellError> {
        let ind = self.own_indicator(node, i)?;
        if !matches!(ind.source, Source::Data { .. }) {
            return Err(CellError::Source {
                path: self.node_path(node),
                indicator: ind.id.clone(),
                by: ind.source.as_str(),
                fix: "only a data indicator takes a data value",
            });
        }
        let data = &mut self.cells.get_mut(node).data;
        match (data.binary_search_by_key(&i, |(k, _)| *k), value) {
            (Ok(k), Some(v)) => data[k].1 = v,
            (Ok(k), None) => {
                data.remove(k);
            }
            (Err(k), Some(v)) => data.insert(k, (i, v)),
            (Err(_), None) => {}
        }
        self.uncarry(node, i);
        Ok(())
    }

    /// The answer of indicator `i` at `node` carried from the previous cycle, to be
    /// re-checked (not counted), if any: its own cell's (an observation, N/A for the
    /// whole indicator, a data value), not a respondent's ([`Dataset::carried_answer`]).
    pub fn carried(&self, node: NodeRef, i: IndicatorIx) -> Option<&Carried> {
        let carried = &self.cells.get(node).carried;
        carried
            .binary_search_by_key(&i, |(k, _)| *k)
            .ok()
            .map(|k| &carried[k].1)
    }

    /// Every own answer of `node` carried from the previous cycle, by indicator.
    pub fn carried_cells(&self, node: NodeRef) -> &[(IndicatorIx, Carried)] {
        &self.cells.get(node).carried
    }

    /// Puts (or with None takes away) an answer of indicator `i` at `node` carried from
    /// the previous cycle (a store loading it). Refused like the answer itself would be:
    /// an indicator of another level; a level for an interview or data indicator; a
    /// data value for another than a data indicator.
    pub fn set_carried(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        carried: Option<Carried>,
    ) -> Result<(), CellError> {
        let ind = self.own_indicator(node, i)?;
        let refused = |by: &'static str, fix: &'static str| CellError::Source {
            path: self.node_path(node),
            indicator: ind.id.clone(),
            by,
            fix,
        };
        match (&carried, &ind.source) {
            (
                Some(Carried::Value(Value::Level(_))),
                Source::Interview { .. } | Source::Data { .. },
            ) => {
                return Err(refused(
                    ind.source.as_str(),
                    "a level of its own is not carried; a respondent's answer or the data value is",
                ));
            }
            (Some(Carried::Data(_)), Source::Observation | Source::Interview { .. }) => {
                return Err(refused(
                    ind.source.as_str(),
                    "only a data indicator takes a data value",
                ));
            }
            _ => {}
        }
        if carried.is_none() && self.cells.get(node).carried.is_empty() {
            return Ok(()); // nothing to take away (and no cells to grow)
        }
        let list = &mut self.cells.get_mut(node).carried;
        match (list.binary_search_by_key(&i, |(k, _)| *k), carried) {
            (Ok(k), Some(c)) => list[k].1 = c,
            (Ok(k), None) => {
                list.remove(k);
            }
            (Err(k), Some(c)) => list.insert(k, (i, c)),
            (Err(_), None) => {}
        }
        Ok(())
    }

    /// Takes away what was carried into the cell of indicator `i` at `node` (a value
    /// recorded there replaces it).
    fn uncarry(&mut self, node: NodeRef, i: IndicatorIx) {
        if self.cells.get(node).carried.is_empty() {
            return;
        }
        let list = &mut self.cells.get_mut(node).carried;
        if let Ok(k) = list.binary_search_by_key(&i, |(k, _)| *k) {
            list.remove(k);
        }
    }

    /// Confirms as it is the answer of indicator `i` at `node` carried from the previous
    /// cycle: from now on it counts (what the store's confirmation does, for the score
    /// book: then [`super::ScoreBook::update`]). What was confirmed, None when nothing
    /// was carried there.
    pub fn confirm(&mut self, node: NodeRef, i: IndicatorIx) -> Result<Option<Carried>, CellError> {
        let Some(carried) = self.carried(node, i).cloned() else {
            return Ok(None);
        };
        match &carried {
            Carried::Value(v) => self.set_value(node, i, *v)?,
            Carried::Data(d) => self.set_data(node, i, Some(d.clone()))?,
        }
        Ok(Some(carried))
    }

    /// One respondent's answer to interview indicator `i` carried from the previous
    /// cycle, if any.
    pub fn carried_answer(&self, node: NodeRef, r: RespondentIx, i: IndicatorIx) -> Option<Value> {
        let inst = self.instrument_of(node);
        let resp = self.respondent(node, r)?;
        let asked = inst
            .indicators
            .get(i.index())
            .is_some_and(|ind| ind.source.role() == Some(resp.role));
        let slot = inst.interview_slot(i.index()).filter(|_| asked)?;
        resp.carried_at(slot)
    }

    /// Confirms as it is one respondent's answer carried from the previous cycle (see
    /// [`Dataset::confirm`]). What was confirmed, None when nothing was carried there.
    pub fn confirm_answer(
        &mut self,
        node: NodeRef,
        r: RespondentIx,
        i: IndicatorIx,
    ) -> Result<Option<Value>, CellError> {
        let Some(v) = self.carried_answer(node, r, i) else {
            return Ok(None);
        };
        self.set_respondent_value(node, r, i, v)?;
        Ok(Some(v))
    }

    /// How many answers of `node` (its own and its respondents', removed ones left out)
    /// are carried from the previous cycle, to be re-checked.
    pub fn carried_count(&self, node: NodeRef) -> usize {
        let cells = self.cells.get(node);
        cells.carried.len()
            + cells
                .respondents
                .iter()
                .filter(|r| !r.removed)
                .map(Respondent::carried_count)
                .sum::<usize>()
    }

    /// The note of indicator `i` at `node` (`""` when there is none).
    pub fn note(&self, node: NodeRef, i: IndicatorIx) -> &str {
        match node {
            NodeRef::Product(p) => self.products[p].notes.get(i),
            _ => self.cells.get(node).notes.get(i),
        }
    }

    /// Sets the note of indicator `i` at `node`; an empty text removes it.
    pub fn set_note(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        text: String,
    ) -> Result<(), CellError> {
        self.own_indicator(node, i)?;
        match node {
            NodeRef::Product(p) => self.products[p].notes.set(i, text),
            _ => self.cells.get_mut(node).notes.set(i, text),
        }
        Ok(())
    }

    /// The notes of a unit or an agency (a product's are in [`super::Product::notes`]).
    pub fn notes(&self, node: NodeRef) -> &Notes {
        &self.cells.get(node).notes
    }

    /// How many evidence references indicator `i` has at `node`.
    pub fn evidence_count(&self, node: NodeRef, i: IndicatorIx) -> u32 {
        match node {
            NodeRef::Product(p) => self.products[p].evidence.get(i),
            _ => {
                let ev = &self.cells.get(node).evidence;
                ev.binary_search_by_key(&i, |(k, _)| *k)
                    .map_or(0, |k| ev[k].1)
            }
        }
    }

    /// Sets how many evidence references indicator `i` has at `node`.
    pub fn set_evidence_count(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        count: u32,
    ) -> Result<(), CellError> {
        self.own_indicator(node, i)?;
        match node {
            NodeRef::Product(p) => self.products[p].evidence[i.index()] = count,
            _ => {
                let ev = &mut self.cells.get_mut(node).evidence;
                match (ev.binary_search_by_key(&i, |(k, _)| *k), count) {
                    (Ok(k), 0) => {
                        ev.remove(k);
                    }
                    (Ok(k), c) => ev[k].1 = c,
                    (Err(_), 0) => {}
                    (Err(k), c) => ev.insert(k, (i, c)),
                }
            }
        }
        Ok(())
    }

    /// Whether `node` is finalized.
    pub fn finalized(&self, node: NodeRef) -> bool {
        match node {
            NodeRef::Product(p) => self.products[p].finalized,
            _ => self.cells.get(node).finalized,
        }
    }

    pub fn set_finalized(&mut self, node: NodeRef, finalized: bool) {
        match node {
            NodeRef::Product(p) => self.products[p].finalized = finalized,
            _ => self.cells.get_mut(node).finalized = finalized,
        }
    }

    /// Every respondent of `node`, removed ones included, by [`RespondentIx`].
    pub fn respondents(&self, node: NodeRef) -> &[Respondent] {
        &self.cells.get(node).respondents
    }

    pub fn respondent(&self, node: NodeRef, r: RespondentIx) -> Option<&Respondent> {
        self.respondents(node).get(r.index())
    }

    /// The respondents of one role at `node` still counted (not removed), by number.
    pub fn roster(&self, node: NodeRef, role: usize) -> Vec<(RespondentIx, &Respondent)> {
        let mut out: Vec<(RespondentIx, &Respondent)> = self
            .respondents(node)
            .iter()
            .enumerate()
            .filter(|(_, r)| r.role == role && !r.removed)
            .map(|(k, r)| (RespondentIx::new(k), r))
            .collect();
        out.sort_by_key(|(_, r)| r.number);
        out
    }

    /// The respondent `number` of `role` at `node`, removed or not.
    pub fn find_respondent(&self, node: NodeRef, role: usize, number: u32) -> Option<RespondentIx> {
        self.respondents(node)
            .iter()
            .position(|r| r.role == role && r.number == number)
            .map(RespondentIx::new)
    }

    /// The respondent with id `uid` at `node`.
    pub fn find_respondent_uid(&self, node: NodeRef, uid: &str) -> Option<RespondentIx> {
        self.respondents(node)
            .iter()
            .position(|r| r.uid == uid)
            .map(RespondentIx::new)
    }

    /// The number the next respondent of `role` at `node` gets: one more than the
    /// highest so far, removed ones included (numbers are never reused).
    pub fn next_respondent_number(&self, node: NodeRef, role: usize) -> u32 {
        self.respondents(node)
            .iter()
            .filter(|r| r.role == role)
            .map(|r| r.number)
            .max()
            .unwrap_or(0)
            + 1
    }

    fn role_name(&self, node: NodeRef, role: usize) -> String {
        self.instrument_of(node)
            .roles
            .get(role)
            .map_or_else(|| format!("role {role}"), |r| r.id.clone())
    }

    /// Adds a respondent at `node`: its role must be interviewed at the node's level,
    /// its number and id must be new there. Its position.
    pub fn add_respondent(
        &mut self,
        node: NodeRef,
        r: Respondent,
    ) -> Result<RespondentIx, CellError> {
        let path = || self.node_path(node);
        let inst = self.instrument_of(node);
        let role = inst.roles.get(r.role).ok_or_else(|| CellError::NoRole {
            path: path(),
            role: r.role,
        })?;
        if role.level != node.level() {
            return Err(CellError::RoleLevel {
                path: path(),
                role: role.id.clone(),
                level: role.level,
                node: node.level(),
            });
        }
        if self.find_respondent(node, r.role, r.number).is_some() {
            return Err(CellError::Number {
                path: path(),
                role: role.id.clone(),
                number: r.number,
                next: self.next_respondent_number(node, r.role),
            });
        }
        if self.find_respondent_uid(node, &r.uid).is_some() {
            return Err(CellError::Uid {
                path: path(),
                uid: r.uid,
            });
        }
        let list = &mut self.cells.get_mut(node).respondents;
        list.push(r);
        Ok(RespondentIx::new(list.len() - 1))
    }

    fn respondent_checked(&self, node: NodeRef, r: RespondentIx) -> Result<&Respondent, CellError> {
        let resp = self
            .respondent(node, r)
            .ok_or_else(|| CellError::NoRespondent {
                path: self.node_path(node),
                index: r.index(),
            })?;
        if resp.removed {
            return Err(CellError::Removed {
                path: self.node_path(node),
                role: self.role_name(node, resp.role),
                number: resp.number,
            });
        }
        Ok(resp)
    }

    /// A respondent in place, removed or not: for a store putting its answers back as
    /// it reads them (nothing here checks what is changed, as the other methods do).
    pub fn respondent_mut(&mut self, node: NodeRef, r: RespondentIx) -> Option<&mut Respondent> {
        match node {
            NodeRef::Agency(a) => self.cells.agencies.items.get_mut(a.index()),
            NodeRef::Unit(u) => self.cells.units.items.get_mut(u.index()),
            NodeRef::Product(p) => self.cells.products.get_mut(&p),
        }?
        .respondents
        .get_mut(r.index())
    }

    /// Marks a respondent removed: its answers no longer count (kept, as removal is
    /// audited and never a delete).
    pub fn remove_respondent(&mut self, node: NodeRef, r: RespondentIx) -> Result<(), CellError> {
        self.respondent_checked(node, r)?;
        self.cells.get_mut(node).respondents[r.index()].removed = true;
        Ok(())
    }

    /// Sets the position label of a respondent (`""` for none).
    pub fn set_respondent_label(
        &mut self,
        node: NodeRef,
        r: RespondentIx,
        label: String,
    ) -> Result<(), CellError> {
        self.respondent_checked(node, r)?;
        self.cells.get_mut(node).respondents[r.index()].label = label;
        Ok(())
    }

    /// One respondent's answer to interview indicator `i`.
    pub fn respondent_value(&self, node: NodeRef, r: RespondentIx, i: IndicatorIx) -> Value {
        let inst = self.instrument_of(node);
        match (self.respondent(node, r), inst.interview_slot(i.index())) {
            (Some(resp), Some(slot))
                if inst.indicators[i.index()].source.role() == Some(resp.role) =>
            {
                resp.value_at(slot)
            }
            _ => Value::Unanswered,
        }
    }

    /// Records one respondent's answer (a level, N/A, or unanswered to clear it) to
    /// interview indicator `i`, which its role must be asked.
    pub fn set_respondent_value(
        &mut self,
        node: NodeRef,
        r: RespondentIx,
        i: IndicatorIx,
        v: Value,
    ) -> Result<(), CellError> {
        let ind = self.own_indicator(node, i)?;
        let resp = self.respondent_checked(node, r)?;
        let Source::Interview { role } = ind.source else {
            return Err(CellError::Source {
                path: self.node_path(node),
                indicator: ind.id.clone(),
                by: ind.source.as_str(),
                fix: "only interview indicators are answered by respondents",
            });
        };
        if role != resp.role {
            return Err(CellError::Role {
                path: self.node_path(node),
                indicator: ind.id.clone(),
                asked: self.role_name(node, role),
                role: self.role_name(node, resp.role),
                number: resp.number,
            });
        }
        let inst = &self.instruments[self.instrument_index_of(node)];
        self.cells.get_mut(node).respondents[r.index()].set_value(inst, i, v);
        Ok(())
    }

    /// The follow-up register of an agency (empty and open until something is entered).
    pub fn followups(&self, a: AgencyIx) -> &FollowUpRegister {
        self.cells.followups.get(a).unwrap_or(&NO_FOLLOWUPS)
    }

    /// The follow-up register of an agency, to change it; then
    /// [`super::ScoreBook::update_followup`].
    pub fn followups_mut(&mut self, a: AgencyIx) -> &mut FollowUpRegister {
        grown(&mut self.cells.followups, a)
    }

    /// What scoring reads for indicator `i` at `node`: the observation; for an interview
    /// the answers of the role's respondents not removed; for data the value entered;
    /// N/A for a whole interview or data indicator marked so. Unanswered for an
    /// indicator of another level.
    pub fn answer(&self, node: NodeRef, i: IndicatorIx) -> Answer {
        let inst = self.instrument_of(node);
        if i.index() >= inst.indicators.len() || inst.level_of(i.index()) != node.level() {
            return Answer::Unanswered;
        }
        let slot = inst.interview_slot(i.index()).unwrap_or(0);
        self.answer_at(inst, node, i, slot)
    }

    /// [`Dataset::answer`] with the indicator's slot among its role's indicators known.
    fn answer_at(&self, inst: &Instrument, node: NodeRef, i: IndicatorIx, slot: usize) -> Answer {
        let v = self.value(node, i);
        match &inst.indicators[i.index()].source {
            Source::Observation => Answer::from(v),
            _ if v == Value::NotApplicable => Answer::NotApplicable,
            Source::Interview { role } => Answer::Respondents(
                self.respondents(node)
                    .iter()
                    .filter(|r| r.role == *role && !r.removed)
                    .map(|r| r.value_at(slot))
                    .collect(),
            ),
            Source::Data { .. } => self
                .data(node, i)
                .map_or(Answer::Unanswered, |d| Answer::Data(d.value.clone())),
        }
    }

    /// The answers of `node`, one per indicator of its instrument (unanswered for the
    /// indicators of other levels): the input of [`method::own_scores`].
    pub fn answers(&self, node: NodeRef) -> Vec<Answer> {
        let inst = self.instrument_of(node);
        let level = node.level();
        let mut slots = vec![0usize; inst.roles.len()];
        let mut out = Vec::with_capacity(inst.indicators.len());
        for (k, ind) in inst.indicators.iter().enumerate() {
            let slot = match ind.source.role() {
                Some(role) => {
                    let s = slots.get(role).copied().unwrap_or(0);
                    if let Some(next) = slots.get_mut(role) {
                        *next += 1;
                    }
                    s
                }
                None => 0,
            };
            out.push(if inst.level_of(k) == level {
                self.answer_at(inst, node, IndicatorIx::new(k), slot)
            } else {
                Answer::Unanswered
            });
        }
        out
    }

    /// Every answer of one agency, by node: the input of [`method::score_agency`], the
    /// reference the score book equals.
    pub fn agency_answers(&self, a: AgencyIx) -> AgencyAnswers {
        AgencyAnswers {
            own: self.answers(NodeRef::Agency(a)),
            units: self.agencies[a]
                .units
                .iter()
                .map(|&u| UnitAnswers {
                    own: self.answers(NodeRef::Unit(u)),
                    products: self.units[u]
                        .products
                        .iter()
                        .map(|&p| self.answers(NodeRef::Product(p)))
                        .collect(),
                })
                .collect(),
        }
    }
}
