//! Reads the whole assessment into memory as a [`Dataset`], in import order.

use std::collections::HashMap;

use rusqlite::types::ValueRef;

use super::{Result, Store, StoreError, digest};
use crate::domain::Value;
use crate::domain::model::{Agency, Dataset, Ix, Kind, Product, ProductIx, Unit};

impl Store {
    /// Loads every instrument, agency, unit, product, observation and evidence count.
    /// Values come from the products' digests where they are fresh, from the
    /// observations elsewhere: the same dataset either way (tests/digest.rs).
    pub fn load(&self) -> Result<Dataset> {
        let sql = |e| self.sql(e);
        let mut ds = Dataset::default();
        let mut instrument_index = HashMap::new();
        // Digests are written in the order of the instrument named by its SHA-256; one
        // whose body no longer hashes to it (edited by hand) has no trusted digests.
        let mut digests_trusted = Vec::new();
        for row in self.instruments()? {
            instrument_index.insert(row.db_id, ds.instruments.len());
            digests_trusted.push(row.sha256 == row.instrument.sha256);
            ds.instruments.push(row.instrument);
        }
        let indicator_maps: Vec<HashMap<String, usize>> = ds
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

        let mut agency_index = HashMap::new();
        let mut stmt = self
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
                path: self.path.clone(),
                detail,
            };
            let kind: Kind = kind
                .parse()
                .map_err(|e| corrupt(format!("agency {code}: {e}")))?;
            let instrument = *instrument_index
                .get(&instrument_id)
                .ok_or_else(|| corrupt(format!("agency {code}: its instrument is missing")))?;
            agency_index.insert(db_id, ds.agencies.next_id());
            ds.agencies.push(Agency {
                db_id,
                code,
                name: r.get(2).map_err(sql)?,
                kind,
                instrument,
                units: Vec::new(),
            });
        }
        drop(rows);

        let mut unit_index = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, agency_id, code, name FROM unit ORDER BY agency_id, id")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let Some(&agency) = agency_index.get(&r.get::<_, i64>(1).map_err(sql)?) else {
                continue;
            };
            unit_index.insert(db_id, ds.units.next_id());
            ds.agencies[agency].units.push(ds.units.next_id());
            ds.units.push(Unit {
                db_id,
                code: r.get(2).map_err(sql)?,
                name: r.get(3).map_err(sql)?,
                agency,
                products: Vec::new(),
            });
        }
        drop(rows);

        let mut product_index = HashMap::new();
        // Values come from each product's digest (src/store/digest.rs): one short row
        // per product instead of 1-2 million observation rows at national scale.
        let mut stale = Vec::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, unit_id, code, name, finalized_at IS NOT NULL, digest FROM product ORDER BY unit_id, id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let Some(&unit) = unit_index.get(&r.get::<_, i64>(1).map_err(sql)?) else {
                continue;
            };
            let instrument = ds.agencies[ds.units[unit].agency].instrument;
            let n = ds.instruments[instrument].indicators.len();
            let mut values = vec![Value::Unanswered; n];
            let fresh = match r.get_ref(5).map_err(sql)? {
                ValueRef::Blob(d) if digests_trusted[instrument] => {
                    digest::decode_into(d, &mut values)
                }
                _ => false,
            };
            let p = ds.products.next_id();
            if !fresh {
                stale.push(p);
            }
            product_index.insert(db_id, p);
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
        drop(rows);

        let indicator_of = |ds: &Dataset, p: ProductIx, id: &str| -> Option<usize> {
            let a = ds.units[ds.products[p].unit].agency;
            indicator_maps[ds.agencies[a].instrument].get(id).copied()
        };
        // Products without a usable digest: their observations, one product at a time,
        // or in one pass when there are many of them.
        let set_value = |ds: &mut Dataset, p: ProductIx, r: &rusqlite::Row<'_>| -> Result<()> {
            let ind = r
                .get_ref(0)
                .map_err(sql)?
                .as_str()
                .map_err(|e| sql(e.into()))?;
            if let Some(i) = indicator_of(ds, p, ind) {
                let value: Option<i64> = r.get(1).map_err(sql)?;
                let na: i64 = r.get(2).map_err(sql)?;
                ds.products[p].values[i] = match (na != 0, value) {
                    (true, _) => Value::NotApplicable,
                    (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
                    (false, None) => Value::Unanswered,
                };
            }
            Ok(())
        };
        if stale.len() > ds.products.len() / 8 {
            let mut is_stale = vec![false; ds.products.len()];
            for &p in &stale {
                is_stale[p.index()] = true;
            }
            let mut stmt = self
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
                        let p = product_index
                            .get(&pid)
                            .copied()
                            .filter(|&p: &ProductIx| is_stale[p.index()]);
                        current = Some((pid, p));
                        p
                    }
                };
                if let Some(p) = p {
                    set_value(&mut ds, p, r)?;
                }
            }
        } else if !stale.is_empty() {
            let mut stmt = self
                .conn
                .prepare("SELECT indicator, value, na FROM observation WHERE product_id = ?1")
                .map_err(sql)?;
            for &p in &stale {
                let mut rows = stmt.query([ds.products[p].db_id]).map_err(sql)?;
                while let Some(r) = rows.next().map_err(sql)? {
                    set_value(&mut ds, p, r)?;
                }
            }
        }

        // Notes from their own index (about one observation in ten has one).
        let mut stmt = self
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
                    let p = product_index.get(&pid).copied();
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
            let Some(i) = indicator_of(&ds, p, ind) else {
                continue;
            };
            let note = r
                .get_ref(2)
                .map_err(sql)?
                .as_str()
                .map_err(|e| sql(e.into()))?;
            ds.products[p].notes[i] = note.to_string();
        }
        drop(rows);

        let mut stmt = self
            .conn
            .prepare("SELECT product_id, indicator, count(*) FROM evidence GROUP BY product_id, indicator")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let Some(&p) = product_index.get(&r.get::<_, i64>(0).map_err(sql)?) else {
                continue;
            };
            let ind: String = r.get(1).map_err(sql)?;
            if let Some(i) = indicator_of(&ds, p, &ind) {
                ds.products[p].evidence[i] =
                    u32::try_from(r.get::<_, i64>(2).map_err(sql)?).unwrap_or(u32::MAX);
            }
        }
        Ok(ds)
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
