//! Reads the whole assessment into memory as a [`Dataset`], in import order.

use std::collections::HashMap;

use rusqlite::types::ValueRef;

use super::{Result, Store, StoreError, digest};
use crate::domain::Value;
use crate::domain::model::{Agency, AgencyIx, Dataset, Ix, Kind, Product, ProductIx, Unit, UnitIx};

impl Store {
    /// Loads every instrument, agency, unit, product, observation and evidence count.
    /// On the workstation's store, values come from the products' digests where they
    /// are fresh (its first frame within 300 ms at a nation's scale), from the
    /// observations elsewhere: the same dataset either way (tests/digest.rs), unless a
    /// digest was changed outside patuh, which `check` reports. A reader's store
    /// ([`Store::open_reader`]: `show`, `score`, `report`) reads every value from the
    /// observations, as [`Store::load_from_observations`].
    pub fn load(&self) -> Result<Dataset> {
        self.load_with(self.reader)
    }

    /// [`Store::load`] with every value read from the observations, never from a
    /// digest: what `export` signs and the command-line readers print, so that a
    /// digest changed outside patuh is never shown or signed (it costs one pass over
    /// the observations: about 0.4 s for a nation).
    pub fn load_from_observations(&self) -> Result<Dataset> {
        self.load_with(true)
    }

    fn load_with(&self, exact: bool) -> Result<Dataset> {
        // Every table of one moment, whatever is committed meanwhile.
        let _snapshot = self.read_snapshot()?;
        let mut l = Loader {
            exact,
            store: self,
            ds: Dataset::default(),
            instrument_index: HashMap::new(),
            agency_index: HashMap::new(),
            unit_index: HashMap::new(),
            product_index: HashMap::new(),
            digests_trusted: Vec::new(),
            indicator_maps: Vec::new(),
            stale: Vec::new(),
        };
        l.instruments()?;
        l.agencies()?;
        l.units()?;
        l.products()?;
        l.stale_values()?;
        l.notes()?;
        l.evidence_counts()?;
        Ok(l.ds)
    }
}

/// A load in progress: the dataset so far and where each database id went in it.
struct Loader<'s> {
    /// Every value from the observations, no digest read.
    exact: bool,
    store: &'s Store,
    ds: Dataset,
    /// Database id -> place in the dataset, per table.
    instrument_index: HashMap<i64, usize>,
    agency_index: HashMap<i64, AgencyIx>,
    unit_index: HashMap<i64, UnitIx>,
    product_index: HashMap<i64, ProductIx>,
    /// Per instrument: whether the digests of its products can be read.
    digests_trusted: Vec<bool>,
    /// Per instrument: indicator id -> its place.
    indicator_maps: Vec<HashMap<String, usize>>,
    /// Products without a usable digest: their values come from the observations.
    stale: Vec<ProductIx>,
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
        Ok(())
    }

    fn agencies(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare("SELECT id, code, name, kind, instrument_id FROM agency ORDER BY id")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
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
            let Some(&agency) = self.agency_index.get(&r.get::<_, i64>(1).map_err(sql)?) else {
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
    /// row per product instead of 1-2 million observation rows at national scale.
    fn products(&mut self) -> Result<()> {
        let sql = |e| self.store.sql(e);
        let mut stmt = self
            .store
            .conn
            .prepare(
                "SELECT id, unit_id, code, name, finalized_at IS NOT NULL, digest FROM product ORDER BY unit_id, id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        let ds = &mut self.ds;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let Some(&unit) = self.unit_index.get(&r.get::<_, i64>(1).map_err(sql)?) else {
                continue;
            };
            let instrument = ds.agencies[ds.units[unit].agency].instrument;
            let n = ds.instruments[instrument].indicators.len();
            let mut values = vec![Value::Unanswered; n];
            let fresh = match r.get_ref(5).map_err(sql)? {
                ValueRef::Blob(d) if self.digests_trusted[instrument] && !self.exact => {
                    digest::decode_into(d, &mut values)
                }
                _ => false,
            };
            let p = ds.products.next_id();
            if !fresh {
                self.stale.push(p);
            }
            self.product_index.insert(db_id, p);
            ds.units[unit].products.push(p);
            ds.products.push(Product {
                db_id,
                code: r.get(2).map_err(sql)?,
                name: r.get(3).map_err(sql)?,
                unit,
                finalized: r.get(4).map_err(sql)?,
                values,
                notes: vec![String::new(); n],
                evidence: vec![0; n],
            });
        }
        Ok(())
    }

    /// The value of an observation row (indicator, value, na, ...) into product `p`.
    fn set_value(&mut self, p: ProductIx, r: &rusqlite::Row<'_>) -> Result<()> {
        let sql = |e| self.store.sql(e);
        let ind = r
            .get_ref(0)
            .map_err(sql)?
            .as_str()
            .map_err(|e| sql(e.into()))?;
        if let Some(i) = self.indicator_of(p, ind) {
            let value: Option<i64> = r.get(1).map_err(sql)?;
            let na: i64 = r.get(2).map_err(sql)?;
            self.ds.products[p].values[i] = match (na != 0, value) {
                (true, _) => Value::NotApplicable,
                (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
                (false, None) => Value::Unanswered,
            };
        }
        Ok(())
    }

    /// Products without a usable digest: their observations, one product at a time,
    /// or in one pass when there are many of them.
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
                    "SELECT indicator, value, na, product_id FROM observation ORDER BY product_id",
                )
                .map_err(sql)?;
            let mut rows = stmt.query([]).map_err(sql)?;
            let mut current: Option<(i64, Option<ProductIx>)> = None;
            while let Some(r) = rows.next().map_err(sql)? {
                let pid: i64 = r.get(3).map_err(sql)?;
                let p = match current {
                    Some((id, p)) if id == pid => p,
                    _ => {
                        let p = self
                            .product_index
                            .get(&pid)
                            .copied()
                            .filter(|&p: &ProductIx| is_stale[p.index()]);
                        current = Some((pid, p));
                        p
                    }
                };
                if let Some(p) = p {
                    self.set_value(p, r)?;
                }
            }
        } else if !stale.is_empty() {
            let mut stmt = store
                .conn
                .prepare("SELECT indicator, value, na FROM observation WHERE product_id = ?1")
                .map_err(sql)?;
            for &p in &stale {
                let mut rows = stmt.query([self.ds.products[p].db_id]).map_err(sql)?;
                while let Some(r) = rows.next().map_err(sql)? {
                    self.set_value(p, r)?;
                }
            }
        }
        Ok(())
    }

    /// Notes from their own index (about one observation in ten has one).
    fn notes(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare(
                "SELECT product_id, indicator, note FROM observation WHERE note <> '' ORDER BY product_id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        let mut current: Option<(i64, Option<ProductIx>)> = None;
        while let Some(r) = rows.next().map_err(sql)? {
            let pid: i64 = r.get(0).map_err(sql)?;
            let p = match current {
                Some((id, p)) if id == pid => p,
                _ => {
                    let p = self.product_index.get(&pid).copied();
                    current = Some((pid, p));
                    p
                }
            };
            let Some(p) = p else { continue };
            let ind = r
                .get_ref(1)
                .map_err(sql)?
                .as_str()
                .map_err(|e| sql(e.into()))?;
            let Some(i) = self.indicator_of(p, ind) else {
                continue;
            };
            let note = r
                .get_ref(2)
                .map_err(sql)?
                .as_str()
                .map_err(|e| sql(e.into()))?;
            self.ds.products[p].notes[i] = note.to_string();
        }
        Ok(())
    }

    fn evidence_counts(&mut self) -> Result<()> {
        let store = self.store;
        let sql = |e| store.sql(e);
        let mut stmt = store
            .conn
            .prepare("SELECT product_id, indicator, count(*) FROM evidence GROUP BY product_id, indicator")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let Some(&p) = self.product_index.get(&r.get::<_, i64>(0).map_err(sql)?) else {
                continue;
            };
            let ind: String = r.get(1).map_err(sql)?;
            if let Some(i) = self.indicator_of(p, &ind) {
                self.ds.products[p].evidence[i] =
                    u32::try_from(r.get::<_, i64>(2).map_err(sql)?).unwrap_or(u32::MAX);
            }
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
        let body: String = self
            .conn
            .query_row(
                "SELECT i.body FROM product p JOIN unit u ON u.id = p.unit_id
                 JOIN agency a ON a.id = u.agency_id JOIN instrument i ON i.id = a.instrument_id
                 WHERE p.id = ?1",
                [product.db_id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        crate::domain::Instrument::parse(&body).map_err(|p| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!(
                "the instrument of {} no longer validates: {}",
                product.path,
                p.first().map(|x| x.to_string()).unwrap_or_default()
            ),
        })
    }

    /// One product's values and notes, in instrument order.
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
                "SELECT indicator, value, na, note FROM observation WHERE product_id = ?1",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([product.db_id]).map_err(|e| self.sql(e))?;
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let ind: String = r.get(0).map_err(|e| self.sql(e))?;
            let Some(i) = instrument.indicator_index(&ind) else {
                continue;
            };
            let value: Option<i64> = r.get(1).map_err(|e| self.sql(e))?;
            let na: i64 = r.get(2).map_err(|e| self.sql(e))?;
            values[i] = match (na != 0, value) {
                (true, _) => Value::NotApplicable,
                (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
                (false, None) => Value::Unanswered,
            };
            notes[i] = r.get(3).map_err(|e| self.sql(e))?;
        }
        Ok((values, notes))
    }
}
