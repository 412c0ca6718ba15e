//! Reads the whole assessment into memory as a [`Dataset`], in import order.

use std::collections::HashMap;

use super::{Result, Store, StoreError};
use crate::domain::Value;
use crate::domain::model::{Agency, Dataset, Kind, Product, Unit};

impl Store {
    /// Loads every instrument, agency, unit, product, observation and evidence count.
    pub fn load(&self) -> Result<Dataset> {
        let sql = |e| self.sql(e);
        let mut ds = Dataset::default();
        let mut instrument_index = HashMap::new();
        for row in self.instruments()? {
            instrument_index.insert(row.db_id, ds.instruments.len());
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
            agency_index.insert(db_id, ds.agencies.len());
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
            unit_index.insert(db_id, ds.units.len());
            ds.agencies[agency].units.push(ds.units.len());
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
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, unit_id, code, name, finalized_at IS NOT NULL FROM product ORDER BY unit_id, id",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let db_id: i64 = r.get(0).map_err(sql)?;
            let Some(&unit) = unit_index.get(&r.get::<_, i64>(1).map_err(sql)?) else {
                continue;
            };
            let n = ds.instruments[ds.agencies[ds.units[unit].agency].instrument]
                .indicators
                .len();
            product_index.insert(db_id, ds.products.len());
            ds.units[unit].products.push(ds.products.len());
            ds.products.push(Product {
                db_id,
                code: r.get(2).map_err(sql)?,
                name: r.get(3).map_err(sql)?,
                unit,
                finalized: r.get(4).map_err(sql)?,
                values: vec![Value::Unanswered; n],
                notes: vec![String::new(); n],
                evidence: vec![0; n],
            });
        }
        drop(rows);

        let indicator_of = |ds: &Dataset, p: usize, id: &str| -> Option<usize> {
            let a = ds.units[ds.products[p].unit].agency;
            indicator_maps[ds.agencies[a].instrument].get(id).copied()
        };
        // 1-2 million rows at national scale: read them by reference, no allocation
        // unless there is a note, and resolve the product once per run of its rows.
        let mut stmt = self
            .conn
            .prepare("SELECT product_id, indicator, value, na, note FROM observation ORDER BY product_id")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        let mut current: Option<(i64, Option<usize>)> = None;
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
            let value: Option<i64> = r.get(2).map_err(sql)?;
            let na: i64 = r.get(3).map_err(sql)?;
            ds.products[p].values[i] = match (na != 0, value) {
                (true, _) => Value::NotApplicable,
                (false, Some(v)) => Value::Level(u32::try_from(v).unwrap_or(u32::MAX)),
                (false, None) => Value::Unanswered,
            };
            let note = r
                .get_ref(4)
                .map_err(sql)?
                .as_str()
                .map_err(|e| sql(e.into()))?;
            if !note.is_empty() {
                ds.products[p].notes[i] = note.to_string();
            }
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
