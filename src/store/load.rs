//! Reads the whole assessment of the current cycle into memory as a [`Dataset`], in
//! import order: the catalog (each agency with its instrument in that cycle), each
//! product's values (from its digest where fresh), the answers carried from the previous
//! cycle apart from those that count (`Dataset::carried`), and
//! what format 2 adds through the dataset's own methods: units' and agencies' answers,
//! data values, notes, evidence counts and finalizations at every level, respondents
//! with their answers (removed ones too), and the follow-up registers.
//!
//! Rows the dataset refuses (an answer of an indicator of another level, a respondent
//! of a role the instrument does not have, ...) cannot come from patuh; they are left
//! out here and named by `check` (src/store/derived.rs).

use std::collections::HashMap;

use rusqlite::types::ValueRef;

mod prefetch;

use super::nodes::level_of_code;
use super::observe::value_from;
use super::{Result, Store, StoreError, digest};
use crate::domain::Value;
use crate::domain::followup::{FollowUpItem, FollowUpRegister};
use crate::domain::instrument::NodeLevel;
use crate::domain::model::{
    Agency, AgencyIx, Carried, Counts, DataValue, Dataset, IndicatorIx, Ix, Kind, NodeRef, Notes,
    Product, ProductIx, Respondent, RespondentIx, Unit, UnitIx,
};

impl Store {
    /// Loads every instrument, agency, unit and product and everything answered in the
    /// current cycle. On the workstation's store, product values come from the
    /// products' digests where they are fresh (its first frame within 300 ms at a
    /// nation's scale), from the answers elsewhere: the same dataset either way
    /// (tests/digest.rs), unless a digest was changed outside patuh, which `check`
    /// reports. A reader's store ([`Store::open_reader`]: `show`, `score`, `report`)
    /// reads every value from the answers, as [`Store::load_from_observations`].
    pub fn load(&self) -> Result<Dataset> {
        self.load_with(self.reader)
    }

    /// [`Store::load`] with every value read from the answers, never from a digest:
    /// what `export` signs and the command-line readers print, so that a digest
    /// changed outside patuh is never shown or signed (it costs one pass over the
    /// answers: about 0.4 s for a nation).
    pub fn load_from_observations(&self) -> Result<Dataset> {
        self.load_with(true)
    }

    fn load_with(&self, exact: bool) -> Result<Dataset> {
        // Every table of one moment, whatever is committed meanwhile; the rows that
        // need nothing loaded first on a second connection at once where it can be had.
        let (_snapshot, second) = self.load_snapshot()?;
        let cycle = self.cycle.id;
        std::thread::scope(|scope| {
            let mut ahead = prefetch::Ahead::start(scope, second, cycle);
            let mut l = Loader {
                exact,
                store: self,
                cycle,
                ds: Dataset::default(),
                instrument_index: HashMap::new(),
                agency_index: IdMap::default(),
                unit_index: IdMap::default(),
                product_index: IdMap::default(),
                digests_trusted: Vec::new(),
                indicator_maps: Vec::new(),
                sorted_ids: Vec::new(),
                stale: Vec::new(),
                stale_nodes: Vec::new(),
            };
            l.instruments()?;
            l.agencies()?;
            l.units()?;
            l.products()?;
            l.stale_values()?;
            l.data_values()?;
            l.evidence_counts()?;
            l.finalizations()?;
            let sql = |e| self.sql(e);
            l.respondents_and_answers(ahead.respondents(&self.conn, cycle).map_err(sql)?)?;
            l.notes(ahead.notes(&self.conn, cycle).map_err(sql)?);
            l.followups()?;
            Ok(l.ds)
        })
    }
}

/// A load in progress: the dataset so far and where each database id went in it.
struct Loader<'s> {
    /// Every value from the answers, no digest read.
    exact: bool,
    store: &'s Store,
    /// The cycle loaded.
    cycle: i64,
    ds: Dataset,
    /// Database id -> place in the dataset, per table.
    instrument_index: HashMap<i64, usize>,
    agency_index: IdMap<AgencyIx>,
    unit_index: IdMap<UnitIx>,
    product_index: IdMap<ProductIx>,
    /// Per instrument: whether the digests of its products can be read.
    digests_trusted: Vec<bool>,
    /// Per instrument: indicator id -> its place.
    indicator_maps: Vec<HashMap<String, usize>>,
    /// Per instrument: its indicators' ids in byte order, to find the indicators of
    /// rows read in that order (the answer table's key) without hashing each.
    sorted_ids: Vec<SortedIds>,
    /// Products without a usable digest: their values come from the answers.
    stale: Vec<ProductIx>,
    /// Units (2) and agencies (1) without a usable digest, by (level, database id).
    stale_nodes: Vec<(i64, i64)>,
}

/// Where an answer's indicator is named: by id (an answer row) or by its place in the
/// instrument of the answer's node (an entry of a unit's or agency's digest).
#[derive(Clone, Copy)]
enum Ind<'a> {
    Id(&'a str),
    Place(usize),
}

/// The respondents as read, to place their answers.
struct Placing {
    /// In row order: the node and the place there of each respondent read.
    placed: Vec<Option<(NodeRef, RespondentIx)>>,
    /// Row id -> position in `placed`.
    by_id: IdMap<u32>,
    /// Per instrument and indicator: (role, place among its role's, how many its
    /// role has); None for an indicator that is not an interview.
    slots: Vec<Vec<Option<(usize, usize, usize)>>>,
}

/// An instrument's indicator ids in byte order (SQLite's order of the `answer` key's
/// text), with each one's place in the instrument.
struct SortedIds(Vec<(String, usize)>);

impl SortedIds {
    fn of(instrument: &crate::domain::Instrument) -> SortedIds {
        let mut ids: Vec<(String, usize)> = instrument
            .indicators
            .iter()
            .enumerate()
            .map(|(n, ind)| (ind.id.clone(), n))
            .collect();
        ids.sort();
        SortedIds(ids)
    }

    /// The place of indicator `id`, moving `cursor` forward from where the previous
    /// row left it: rows that come in key order (a node's answers sorted by indicator,
    /// a respondent's after another's of the same indicator) cost a comparison or two
    /// each. Any other order still finds the right place (the cursor starts again).
    fn find(&self, cursor: &mut usize, id: &str) -> Option<usize> {
        let ids = &self.0;
        if ids.get(*cursor).is_none_or(|(k, _)| k.as_str() > id) {
            *cursor = 0;
        }
        while ids.get(*cursor).is_some_and(|(k, _)| k.as_str() < id) {
            *cursor += 1;
        }
        ids.get(*cursor).filter(|(k, _)| k == id).map(|&(_, n)| n)
    }
}

/// Database id -> place in the dataset (or in a list read in row order). SQLite's row
/// ids are dense (1 to the number of rows, unless rows were deleted), so a vector
/// indexed by id serves nearly every lookup: hashing each id was a fifth of reading the
/// notes at a nation's open.
/// An id far beyond the rows placed so far goes to a hash map instead.
struct IdMap<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<i64, T>,
}

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        IdMap {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }
}

impl<T: Copy> IdMap<T> {
    fn insert(&mut self, id: i64, v: T) {
        // Room for four times the ids placed so far (and a few thousand besides): ids
        // left by deleted rows cost a slot each, nothing grows without bound.
        let room = self.dense.len().max(1 << 12).saturating_mul(4);
        match usize::try_from(id) {
            Ok(k) if k < room => {
                if self.dense.len() <= k {
                    self.dense.resize(k + 1, None);
                }
                self.dense[k] = Some(v);
            }
            _ => {
                self.sparse.insert(id, v);
            }
        }
    }

    fn get(&self, id: i64) -> Option<T> {
        let dense = usize::try_from(id)
            .ok()
            .and_then(|k| self.dense.get(k).copied().flatten());
        match dense {
            Some(v) => Some(v),
            None if self.sparse.is_empty() => None,
            None => self.sparse.get(&id).copied(),
        }
    }
}

/// The number of rows of a table.
fn store_count(store: &Store, table: &str) -> Result<i64> {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .map_err(|e| store.sql(e))
}

/// Reads column `k` as text without copying it.
fn text<'r>(store: &Store, r: &'r rusqlite::Row<'_>, k: usize) -> Result<&'r str> {
    r.get_ref(k)
        .map_err(|e| store.sql(e))?
        .as_str()
        .map_err(|e| store.sql(e.into()))
}

impl Loader<'_> {
    /// The place of an indicator of product `p`'s instrument, by id.
    fn indicator_of(&self, p: ProductIx, id: &str) -> Option<usize> {
        let ds = &self.ds;
        let a = ds.units[ds.products[p].unit].agency;
        self.indicator_maps[ds.agencies[a].instrument]
            .get(id)
            .copied()
    }

    /// The node a (level, node_id) pair names, if it is in the dataset.
    fn node_of(&self, level: i64, id: i64) -> Option<NodeRef> {
        match level_of_code(level)? {
            NodeLevel::Agency => self.agency_index.get(id).map(NodeRef::Agency),
            NodeLevel::Unit => self.unit_index.get(id).map(NodeRef::Unit),
            NodeLevel::Product => self.product_index.get(id).map(NodeRef::Product),
        }
    }

    /// The place of an indicator of `node`'s instrument, by id.
    fn indicator_at(&self, node: NodeRef, id: &str) -> Option<IndicatorIx> {
        self.indicator_maps[self.ds.instrument_index_of(node)]
            .get(id)
            .map(|&i| IndicatorIx::new(i))
    }

    fn instruments(&mut self) -> Result<()> {
        // Digests are written in the order of the instrument named by its SHA-256; one
        // whose body no longer hashes to it (edited by hand) has no trusted digests.
        for row in self.store.instruments()? {
            self.instrument_index
                .insert(row.db_id, self.ds.instruments.len());
            self.digests_trusted
                .push(row.sha256 == row.instrument.sha256);
            self.ds.instruments.push(row.instrument);
        }
        self.indicator_maps = self
            .ds
            .instruments
            .iter()
            .map(|i| {
                i.indicators
                    .iter()
                    .enumerate()
                    .map(|(n, ind)| (ind.id.clone(), n))
                    .collect()
            })
            .collect();
        self.sorted_ids = self.ds.instruments.iter().map(SortedIds::of).collect();
        Ok(())
    }

    fn agencies(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare(
                "SELECT a.id, a.code, a.name, a.kind, coalesce(c.instrument_id, a.instrument_id)
                 FROM agency a LEFT JOIN cycle_agency c ON c.cycle_id = ?1 AND c.agency_id = a.id
                 ORDER BY a.id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let code: String = r.get(1).map_err(sql)?;
            let kind: String = r.get(3).map_err(sql)?;
            let instrument_id: i64 = r.get(4).map_err(sql)?;
            let corrupt = |detail: String| StoreError::Corrupt {
                path: store.path.clone(),
                detail,
            };
            let kind: Kind = kind
                .parse()
                .map_err(|e| corrupt(format!("agency {code}: {e}")))?;
            let instrument = *self
                .instrument_index
                .get(&instrument_id)
                .ok_or_else(|| corrupt(format!("agency {code}: its instrument is missing")))?;
            self.agency_index.insert(db_id, self.ds.agencies.next_id());
            self.ds.agencies.push(Agency {
                db_id,
                code,
                name: r.get(2).map_err(sql)?,
                kind,
                instrument,
                units: Vec::new(),
            });
        }
        Ok(())
    }

    fn units(&mut self) -> Result<()> {
        let sql = |e| self.store.sql(e);
        let mut stmt = self
            .store
            .conn
            .prepare("SELECT id, agency_id, code, name FROM unit ORDER BY agency_id, id")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        let ds = &mut self.ds;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let Some(agency) = self.agency_index.get(r.get::<_, i64>(1).map_err(sql)?) else {
                continue;
            };
            self.unit_index.insert(db_id, ds.units.next_id());
            ds.agencies[agency].units.push(ds.units.next_id());
            ds.units.push(Unit {
                db_id,
                code: r.get(2).map_err(sql)?,
                name: r.get(3).map_err(sql)?,
                agency,
                products: Vec::new(),
            });
        }
        Ok(())
    }

    /// Products with their values from their digests (src/store/digest.rs): one short
    /// row per product instead of 1-2 million answer rows at national scale.
    ///
    /// Two scans merged by product id, the table in row order and the products' states
    /// in key order, then put in the dataset's order (by unit, then id; the rows of a
    /// generated or imported nation come in that order already). A join read each
    /// product through its (unit, code) index with a lookup of its row and each state
    /// with a search from the key's root: most of the workstation's load of products.
    fn products(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare("SELECT id, unit_id, code, name FROM product ORDER BY id")
            .map_err(sql)?;
        let mut states_stmt = store
            .conn
            .prepare(
                "SELECT node_id, finalized_at IS NOT NULL, digest FROM node_state
                 WHERE cycle_id = ?1 AND level = 3 ORDER BY node_id",
            )
            .map_err(sql)?;
        // The list whole at once: grown by doubling it left up to half a nation's
        // products' room unused at the workstation's peak.
        let count: i64 = store_count(store, "product")?;
        let count = usize::try_from(count).unwrap_or(0);
        self.ds.products.reserve_exact(count);
        let mut rows = stmt.query([]).map_err(sql)?;
        let mut states = states_stmt.query([self.cycle]).map_err(sql)?;
        let mut state = states.next().map_err(sql)?;
        // Stale products and carried values by row id until the order is settled.
        let mut stale: Vec<i64> = Vec::new();
        let mut carried: Vec<(i64, usize, Value)> = Vec::new();
        let mut in_order = true;
        let mut last: Option<(i64, i64)> = None;
        let ds = &mut self.ds;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let unit_db: i64 = r.get(1).map_err(sql)?;
            let Some(unit) = self.unit_index.get(unit_db) else {
                continue;
            };
            if last.is_some_and(|l| l > (unit_db, db_id)) {
                in_order = false;
            }
            last = Some((unit_db, db_id));
            // The state of this product, if any: states before it belong to no product.
            while let Some(s) = state {
                if s.get::<_, i64>(0).map_err(sql)? >= db_id {
                    break;
                }
                state = states.next().map_err(sql)?;
            }
            let own_state = match state {
                Some(s) if s.get::<_, i64>(0).map_err(sql)? == db_id => Some(s),
                _ => None,
            };
            let instrument = ds.agencies[ds.units[unit].agency].instrument;
            let n = ds.instruments[instrument].indicators.len();
            let mut values = vec![Value::Unanswered; n];
            let mut finalized = false;
            let mut fresh = false;
            if let Some(s) = own_state {
                finalized = s.get(1).map_err(sql)?;
                if let ValueRef::Blob(d) = s.get_ref(2).map_err(sql)?
                    && self.digests_trusted[instrument]
                    && !self.exact
                {
                    fresh = digest::decode_into(d, &mut values);
                    if fresh {
                        carried.extend(digest::decode_carried(d, n).map(|(i, v)| (db_id, i, v)));
                    }
                }
            }
            if !fresh {
                stale.push(db_id);
            }
            ds.products.push(Product {
                db_id,
                code: r.get(2).map_err(sql)?,
                name: r.get(3).map_err(sql)?,
                unit,
                finalized,
                values,
                notes: Notes::new(),
                evidence: Counts::new(),
            });
        }
        if !in_order {
            let unit_db: Vec<i64> = ds.units.iter().map(|u| u.db_id).collect();
            ds.products
                .as_mut_slice()
                .sort_by_key(|p| (unit_db[p.unit.index()], p.db_id));
        }
        for (p, prod) in ds.products.iter_enumerated() {
            self.product_index.insert(prod.db_id, p);
            ds.units[prod.unit].products.push(p);
        }
        self.stale = stale
            .iter()
            .filter_map(|&id| self.product_index.get(id))
            .collect();
        for (id, i, v) in carried {
            if let Some(p) = self.product_index.get(id) {
                // Refused only for a value patuh would not carry; `check` names it.
                let _ = ds.set_carried(
                    NodeRef::Product(p),
                    IndicatorIx::new(i),
                    Some(Carried::Value(v)),
                );
            }
        }
        Ok(())
    }

    /// The value of an answer row (indicator, value, na, carried, ...) into product
    /// `p`: a value that counts, or one carried from the previous cycle.
    fn set_value(&mut self, p: ProductIx, r: &rusqlite::Row<'_>, cursor: &mut usize) -> Result<()> {
        let sql = |e| self.store.sql(e);
        let ind = text(self.store, r, 0)?;
        let instrument = self.ds.instrument_index_of_product(p);
        if let Some(i) = self.sorted_ids[instrument].find(cursor, ind) {
            let value: Option<i64> = r.get(1).map_err(sql)?;
            let na: i64 = r.get(2).map_err(sql)?;
            let v = value_from(value, na != 0);
            if r.get::<_, i64>(3).map_err(sql)? != 0 {
                if v != Value::Unanswered {
                    let _ = self.ds.set_carried(
                        NodeRef::Product(p),
                        IndicatorIx::new(i),
                        Some(Carried::Value(v)),
                    );
                }
            } else {
                self.ds.products[p].values[i] = v;
            }
        }
        Ok(())
    }

    /// Products without a usable digest: their answers, one product at a time, or in
    /// one pass when there are many of them.
    fn stale_values(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let stale = std::mem::take(&mut self.stale);
        if stale.len() > self.ds.products.len() / 8 {
            let mut is_stale = vec![false; self.ds.products.len()];
            for &p in &stale {
                is_stale[p.index()] = true;
            }
            let mut stmt = store
                .conn
                .prepare(
                    "SELECT indicator, value, na, carried, node_id FROM answer
                     WHERE cycle_id = ?1 AND level = 3 AND respondent = 0 ORDER BY node_id",
                )
                .map_err(sql)?;
            let mut rows = stmt.query([self.cycle]).map_err(sql)?;
            let mut current: Option<(i64, Option<ProductIx>)> = None;
            let mut cursor = 0;
            while let Some(r) = rows.next().map_err(sql)? {
                let pid: i64 = r.get(4).map_err(sql)?;
                let p = match current {
                    Some((id, p)) if id == pid => p,
                    _ => {
                        let p = self
                            .product_index
                            .get(pid)
                            .filter(|&p: &ProductIx| is_stale[p.index()]);
                        current = Some((pid, p));
                        p
                    }
                };
                if let Some(p) = p {
                    self.set_value(p, r, &mut cursor)?;
                }
            }
        } else if !stale.is_empty() {
            let mut stmt = store
                .conn
                .prepare(
                    "SELECT indicator, value, na, carried FROM answer
                     WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND respondent = 0",
                )
                .map_err(sql)?;
            for &p in &stale {
                let mut rows = stmt
                    .query([self.cycle, self.ds.products[p].db_id])
                    .map_err(sql)?;
                let mut cursor = 0;
                while let Some(r) = rows.next().map_err(sql)? {
                    self.set_value(p, r, &mut cursor)?;
                }
            }
        }
        Ok(())
    }

    /// Data values at every level.
    fn data_values(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare(
                // `+cycle_id`: not the key's prefix, so SQLite reads the few rows of the
                // partial index `answer_data` rather than every answer of the cycle.
                "SELECT level, node_id, indicator, amount, source, carried FROM answer
                 WHERE +cycle_id = ?1 AND amount IS NOT NULL",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let (level, id): (i64, i64) = (r.get(0).map_err(sql)?, r.get(1).map_err(sql)?);
            let Some(node) = self.node_of(level, id) else {
                continue;
            };
            let Some(i) = self.indicator_at(node, text(store, r, 2)?) else {
                continue;
            };
            let Some(amount) = crate::domain::json::parse_decimal(text(store, r, 3)?) else {
                continue;
            };
            let Ok(value) = DataValue::new(amount, text(store, r, 4)?.to_string()) else {
                continue;
            };
            if r.get::<_, i64>(5).map_err(sql)? != 0 {
                let _ = self.ds.set_carried(node, i, Some(Carried::Data(value)));
            } else {
                let _ = self.ds.set_data(node, i, Some(value));
            }
        }
        Ok(())
    }

    /// Notes of nodes, as read ahead (by node).
    fn notes(&mut self, rows: Vec<prefetch::NoteRow>) {
        let mut current: Option<(i64, i64, Option<NodeRef>)> = None;
        for row in rows {
            let (level, id) = (row.level, row.node_id);
            let node = match current {
                Some((l, n, node)) if l == level && n == id => node,
                _ => {
                    let node = self.node_of(level, id);
                    current = Some((level, id, node));
                    node
                }
            };
            let Some(node) = node else { continue };
            match node {
                NodeRef::Product(p) => {
                    if let Some(i) = self.indicator_of(p, &row.indicator) {
                        self.ds.products[p].notes.set(IndicatorIx::new(i), row.note);
                    }
                }
                _ => {
                    if let Some(i) = self.indicator_at(node, &row.indicator) {
                        let _ = self.ds.set_note(node, i, row.note);
                    }
                }
            }
        }
    }

    fn evidence_counts(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare(
                "SELECT level, node_id, indicator, count(*) FROM evidence WHERE cycle_id = ?1
                 GROUP BY level, node_id, indicator",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let (level, id): (i64, i64) = (r.get(0).map_err(sql)?, r.get(1).map_err(sql)?);
            let Some(node) = self.node_of(level, id) else {
                continue;
            };
            let n = u32::try_from(r.get::<_, i64>(3).map_err(sql)?).unwrap_or(u32::MAX);
            let ind = text(store, r, 2)?;
            match node {
                NodeRef::Product(p) => {
                    if let Some(i) = self.indicator_of(p, ind) {
                        self.ds.products[p].evidence.set(IndicatorIx::new(i), n);
                    }
                }
                _ => {
                    if let Some(i) = self.indicator_at(node, ind) {
                        let _ = self.ds.set_evidence_count(node, i, n);
                    }
                }
            }
        }
        Ok(())
    }

    /// Finalized units and agencies (products come with their rows).
    fn finalizations(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare(
                "SELECT level, node_id FROM node_state
                 WHERE cycle_id = ?1 AND level IN (1, 2) AND finalized_at IS NOT NULL",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            if let Some(node) = self.node_of(r.get(0).map_err(sql)?, r.get(1).map_err(sql)?) {
                self.ds.set_finalized(node, true);
            }
        }
        Ok(())
    }

    /// Respondents, removed ones too (their answers no longer count, but they keep
    /// their numbers); then the nodes' own values (observations and N/A for whole
    /// indicators) and every respondent's answers of units and agencies: from their
    /// digests where fresh (schema 0013: one short row per node instead of 274,000
    /// answer rows for a nation), from the answers elsewhere and on a reader's store;
    /// and the answers of product-level respondents when a role has any.
    fn respondents_and_answers(&mut self, rows: Vec<prefetch::RespondentRow>) -> Result<()> {
        let placing = self.respondents(rows);
        let product_level = placing
            .placed
            .iter()
            .any(|p| matches!(p, Some((NodeRef::Product(_), _))));
        let nodes = self.ds.units.len() + self.ds.agencies.len();
        let stale = if self.exact {
            nodes
        } else {
            self.node_digests(&placing)?
        };
        if stale > nodes / 8 {
            // Most nodes without a fresh digest (a reader, or a file whose digests
            // are not written yet): one pass over every answer of units and agencies
            // (applying again what a digest gave is harmless: the same values).
            self.scan_answers(
                &placing,
                "SELECT level, node_id, indicator, respondent, value, na, carried FROM answer
                 WHERE cycle_id = ?1 AND level IN (1, 2, ?2) AND (value IS NOT NULL OR na = 1)
                   AND (level < 3 OR respondent <> 0)",
                &[self.cycle, if product_level { 3 } else { 2 }],
            )?;
            return Ok(());
        }
        if stale > 0 {
            let stale_nodes: Vec<(i64, i64)> = std::mem::take(&mut self.stale_nodes);
            for (level, id) in stale_nodes {
                self.scan_answers(
                    &placing,
                    "SELECT level, node_id, indicator, respondent, value, na, carried FROM answer
                     WHERE cycle_id = ?1 AND level = ?2 AND node_id = ?3
                       AND (value IS NOT NULL OR na = 1)",
                    &[self.cycle, level, id],
                )?;
            }
        }
        if product_level {
            self.scan_answers(
                &placing,
                "SELECT level, node_id, indicator, respondent, value, na, carried FROM answer
                 WHERE cycle_id = ?1 AND level = 3 AND respondent <> 0
                   AND (value IS NOT NULL OR na = 1)",
                &[self.cycle],
            )?;
        }
        Ok(())
    }

    /// Every respondent of the cycle placed at its node, as read ahead (in row order).
    fn respondents(&mut self, rows: Vec<prefetch::RespondentRow>) -> Placing {
        // Each respondent goes to its node as it is read; its answers follow.
        let mut placed: Vec<Option<(NodeRef, RespondentIx)>> = Vec::with_capacity(rows.len());
        let mut by_id = IdMap::default();
        for row in rows {
            let Some(node) = self.node_of(row.level, row.node_id) else {
                continue;
            };
            let instrument = &self.ds.instruments[self.ds.instrument_index_of(node)];
            let Some(role) = instrument.role_index(&row.role) else {
                continue;
            };
            let mut resp = Respondent::new(
                row.uid,
                role,
                u32::try_from(row.number).unwrap_or(0),
                row.label,
            );
            resp.db_id = row.id;
            resp.removed = row.removed;
            by_id.insert(resp.db_id, u32::try_from(placed.len()).unwrap_or(u32::MAX));
            // Refused only for a row patuh would not write; `check` names it.
            placed.push(self.ds.add_respondent(node, resp).ok().map(|k| (node, k)));
        }
        // Per instrument: each indicator's place among its role's (None: not an
        // interview) and how many its role has.
        let slots = self
            .ds
            .instruments
            .iter()
            .map(|inst| {
                (0..inst.indicators.len())
                    .map(|i| {
                        let role = inst.indicators[i].source.role()?;
                        let slot = inst.interview_slot(i)?;
                        Some((role, slot, inst.role_indicators(role).count()))
                    })
                    .collect()
            })
            .collect();
        Placing {
            placed,
            by_id,
            slots,
        }
    }

    /// The digests of units and agencies, applied where fresh; the nodes without one
    /// are left in `stale_nodes`. Returns how many there are.
    fn node_digests(&mut self, placing: &Placing) -> Result<usize> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut fresh_units = vec![false; self.ds.units.len()];
        let mut fresh_agencies = vec![false; self.ds.agencies.len()];
        let mut stmt = store
            .conn
            .prepare(
                "SELECT level, node_id, digest FROM node_state
                 WHERE cycle_id = ?1 AND level IN (1, 2) AND digest IS NOT NULL",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let Some(node) = self.node_of(r.get(0).map_err(sql)?, r.get(1).map_err(sql)?) else {
                continue;
            };
            let inst = self.ds.instrument_index_of(node);
            let n = self.ds.instruments[inst].indicators.len();
            let entries = match r.get_ref(2).map_err(sql)? {
                ValueRef::Blob(d) if self.digests_trusted[inst] => digest::decode_node(d, n),
                _ => None,
            };
            let Some(entries) = entries else { continue };
            let mut cursor = 0;
            for e in entries {
                self.apply_answer(
                    placing,
                    Some(node),
                    e.respondent,
                    Ind::Place(e.place),
                    e.value,
                    e.carried,
                    &mut cursor,
                );
            }
            match node {
                NodeRef::Unit(u) => fresh_units[u.index()] = true,
                NodeRef::Agency(a) => fresh_agencies[a.index()] = true,
                NodeRef::Product(_) => {}
            }
        }
        let ds = &self.ds;
        self.stale_nodes = ds
            .agencies
            .iter_enumerated()
            .filter(|(a, _)| !fresh_agencies[a.index()])
            .map(|(_, a)| (1, a.db_id))
            .chain(
                ds.units
                    .iter_enumerated()
                    .filter(|(u, _)| !fresh_units[u.index()])
                    .map(|(_, u)| (2, u.db_id)),
            )
            .collect();
        Ok(self.stale_nodes.len())
    }

    /// Applies the answer rows of `query` (level, node_id, indicator, respondent, value,
    /// na, carried), in the answer key's order for speed (any order is right).
    fn scan_answers(&mut self, placing: &Placing, query: &str, params: &[i64]) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store.conn.prepare_cached(query).map_err(sql)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(sql)?;
        let mut current: Option<(i64, i64, Option<NodeRef>)> = None;
        let mut cursor = 0;
        while let Some(r) = rows.next().map_err(sql)? {
            let (level, id): (i64, i64) = (r.get(0).map_err(sql)?, r.get(1).map_err(sql)?);
            let node = match current {
                Some((l, n, node)) if l == level && n == id => node,
                _ => {
                    let node = self.node_of(level, id);
                    current = Some((level, id, node));
                    cursor = 0;
                    node
                }
            };
            let respondent: i64 = r.get(3).map_err(sql)?;
            let value = value_from(
                r.get(4).map_err(sql)?,
                r.get::<_, i64>(5).map_err(sql)? != 0,
            );
            // Carried from the previous cycle: held apart, not counted until confirmed.
            let carried = r.get::<_, i64>(6).map_err(sql)? != 0;
            let ind = text(store, r, 2)?;
            self.apply_answer(
                placing,
                node,
                respondent,
                Ind::Id(ind),
                value,
                carried,
                &mut cursor,
            );
        }
        Ok(())
    }

    /// One answer into the dataset: the node's own value (respondent 0), or a
    /// respondent's answer to an indicator of its node's instrument asked of its role.
    /// Rows the dataset refuses cannot come from patuh; `check` names them.
    #[allow(clippy::too_many_arguments)]
    fn apply_answer(
        &mut self,
        placing: &Placing,
        node: Option<NodeRef>,
        respondent: i64,
        ind: Ind<'_>,
        value: Value,
        carried: bool,
        cursor: &mut usize,
    ) {
        if respondent == 0 {
            let Some(node) = node else { return };
            let inst = self.ds.instrument_index_of(node);
            let found = match ind {
                Ind::Id(id) => self.sorted_ids[inst].find(cursor, id),
                Ind::Place(i) => Some(i),
            };
            if let Some(i) = found {
                let i = IndicatorIx::new(i);
                let _ = if carried {
                    self.ds.set_carried(node, i, Some(Carried::Value(value)))
                } else {
                    self.ds.set_value(node, i, value)
                };
            }
            return;
        }
        let Some(&Some((rnode, rk))) = placing
            .by_id
            .get(respondent)
            .and_then(|k| placing.placed.get(k as usize))
        else {
            return;
        };
        let inst = self.ds.instrument_index_of(rnode);
        let found = match ind {
            Ind::Id(id) if Some(rnode) == node => self.sorted_ids[inst].find(cursor, id),
            Ind::Id(id) => self.indicator_maps[inst].get(id).copied(),
            // A digest names the place in its own node's instrument: the same one
            // unless the respondent sits at a node of another agency (only a file
            // changed outside patuh has that).
            Ind::Place(i) => match node {
                Some(at) if self.ds.instrument_index_of(at) == inst => Some(i),
                Some(at) => {
                    let id = &self.ds.instruments[self.ds.instrument_index_of(at)].indicators[i].id;
                    self.indicator_maps[inst].get(id.as_str()).copied()
                }
                None => None,
            },
        };
        let Some(i) = found else { return };
        let Some(resp) = self.ds.respondent_mut(rnode, rk) else {
            return;
        };
        if let Some((role, slot, n)) = placing.slots[inst][i]
            && role == resp.role
        {
            let into = if carried {
                &mut resp.carried
            } else {
                &mut resp.values
            };
            if into.len() < n {
                into.resize(n, Value::Unanswered);
            }
            into[slot] = value;
        }
    }

    /// Each agency's follow-up register.
    fn followups(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut registers: HashMap<AgencyIx, FollowUpRegister> = HashMap::new();
        let mut stmt = store
            .conn
            .prepare(
                "SELECT agency_id, kind, ref, status FROM followup WHERE cycle_id = ?1 ORDER BY id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let Some(a) = self.agency_index.get(r.get::<_, i64>(0).map_err(sql)?) else {
                continue;
            };
            let (Ok(kind), Ok(status)) = (text(store, r, 1)?.parse(), text(store, r, 3)?.parse())
            else {
                continue;
            };
            registers.entry(a).or_default().items.push(FollowUpItem {
                kind,
                reference: r.get(2).map_err(sql)?,
                status,
            });
        }
        drop(rows);
        drop(stmt);
        let mut stmt = store
            .conn
            .prepare("SELECT agency_id FROM followup_register WHERE cycle_id = ?1")
            .map_err(sql)?;
        let mut rows = stmt.query([self.cycle]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            if let Some(a) = self.agency_index.get(r.get::<_, i64>(0).map_err(sql)?) {
                registers.entry(a).or_default().closed = true;
            }
        }
        for (a, register) in registers {
            *self.ds.followups_mut(a) = register;
        }
        Ok(())
    }
}

impl Store {
    /// The instrument a product is assessed with.
    pub fn product_instrument(
        &self,
        product: &super::ProductRef,
    ) -> Result<crate::domain::Instrument> {
        self.node_instrument(&super::Node::from(product))
    }

    /// One product's values and notes, in instrument order (the values that count:
    /// an answer carried from the previous cycle reads as unanswered until confirmed).
    pub fn product_values(
        &self,
        product: &super::ProductRef,
        instrument: &crate::domain::Instrument,
    ) -> Result<(Vec<Value>, Vec<String>)> {
        let n = instrument.indicators.len();
        let (mut values, mut notes) = (vec![Value::Unanswered; n], vec![String::new(); n]);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT indicator, value, na, note, carried FROM answer
                 WHERE cycle_id = ?1 AND level = 3 AND node_id = ?2 AND respondent = 0",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt
            .query([self.cycle.id, product.db_id])
            .map_err(|e| self.sql(e))?;
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let ind: String = r.get(0).map_err(|e| self.sql(e))?;
            let Some(i) = instrument.indicator_index(&ind) else {
                continue;
            };
            let value: Option<i64> = r.get(1).map_err(|e| self.sql(e))?;
            let na: i64 = r.get(2).map_err(|e| self.sql(e))?;
            if r.get::<_, i64>(4).map_err(|e| self.sql(e))? == 0 {
                values[i] = value_from(value, na != 0);
            }
            notes[i] = r.get(3).map_err(|e| self.sql(e))?;
        }
        Ok((values, notes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids of deleted rows, ids far apart, a negative id: each found where it was put,
    /// none found that was not.
    #[test]
    fn an_id_map_finds_every_id_put_and_no_other() {
        let mut m: IdMap<u32> = IdMap::default();
        let ids = [1i64, 2, 3, 7, 5000, 4_000_000_000, -3, 0, 70_000];
        for (k, &id) in ids.iter().enumerate() {
            m.insert(id, k as u32);
        }
        for (k, &id) in ids.iter().enumerate() {
            assert_eq!(m.get(id), Some(k as u32), "id {id}");
        }
        for id in [4i64, 6, 4999, 5001, -1, 3_999_999_999, i64::MAX, i64::MIN] {
            assert_eq!(m.get(id), None, "id {id}");
        }
        // A far id does not make the vector that long.
        assert!(m.dense.len() < 100_000, "{}", m.dense.len());
    }

    #[test]
    fn products_come_by_unit_then_id_whatever_order_their_rows_have() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("g.db");
        crate::generate::generate(&db, crate::generate::Scale::Tiny, 3).expect("gen");
        {
            let store = Store::open(&db).expect("open");
            // The first product moves to the last unit: its row now comes first but
            // belongs last (the products are read in row order and merged).
            store
                .conn
                .execute(
                    "UPDATE product SET unit_id = (SELECT max(id) FROM unit)
                     WHERE id = (SELECT min(id) FROM product)",
                    [],
                )
                .expect("move");
        }
        let store = Store::open(&db).expect("open");
        let fast = store.load().expect("load");
        let exact = store.load_from_observations().expect("load");
        let want: Vec<i64> = store
            .conn
            .prepare("SELECT id FROM product ORDER BY unit_id, id")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let got: Vec<i64> = fast.products.iter().map(|p| p.db_id).collect();
        assert_eq!(got, want);
        assert_ne!(
            want.windows(2).filter(|w| w[0] > w[1]).count(),
            0,
            "rows out of order"
        );
        let got: Vec<i64> = exact.products.iter().map(|p| p.db_id).collect();
        assert_eq!(got, want);
        for (p, prod) in fast.products.iter_enumerated() {
            assert!(fast.units[prod.unit].products.contains(&p));
            assert_eq!(prod.values, exact.products[p].values, "{}", prod.code);
            assert_eq!(prod.finalized, exact.products[p].finalized);
        }
        for u in fast.units.iter() {
            assert!(u.products.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(
            fast.products
                .iter()
                .any(|p| p.values.iter().any(|v| v.is_answered()))
        );
    }
}
