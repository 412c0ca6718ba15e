//! What the report reads besides the dataset: every evidence reference (for the
//! product and unfulfilled sheets) and, on a central database, the export files merged
//! into it (for the report's metadata sheet).

use std::collections::HashMap;

use super::{Result, Store};

/// One export file merged into a central database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedFile {
    /// The name it was given to the first merge of its content.
    pub file_name: String,
    pub assessor_id: String,
    pub exported_at: String,
    pub merged_at: String,
    pub products: i64,
    pub payload_sha256: String,
}

impl Store {
    /// Every evidence reference of a product as (indicator, reference), by product
    /// (database id), each list in the order added (current cycle).
    pub fn evidence_references(&self) -> Result<HashMap<i64, Vec<(String, String)>>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT node_id, indicator, reference FROM evidence
                 WHERE cycle_id = ?1 AND level = 3 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([self.cycle.id]).map_err(|e| self.sql(e))?;
        let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let product: i64 = r.get(0).map_err(|e| self.sql(e))?;
            let indicator: String = r.get(1).map_err(|e| self.sql(e))?;
            let reference: String = r.get(2).map_err(|e| self.sql(e))?;
            out.entry(product).or_default().push((indicator, reference));
        }
        Ok(out)
    }

    /// The export files merged into this (central) database, in the order merged;
    /// empty on a workstation.
    pub fn merged_files(&self) -> Result<Vec<MergedFile>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT file_name, assessor_id, exported_at, merged_at, products, payload_sha256
                 FROM import_file ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| {
            Ok(MergedFile {
                file_name: r.get(0)?,
                assessor_id: r.get(1)?,
                exported_at: r.get(2)?,
                merged_at: r.get(3)?,
                products: r.get(4)?,
                payload_sha256: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }
}
