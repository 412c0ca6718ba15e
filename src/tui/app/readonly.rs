//! A workstation that found its database open in another one: it shows the data,
//! refuses every change with a message naming the other workstation, writes nothing
//! (not even where the assessor left off), and reloads what it shows when the other
//! one commits a change, so that it never shows stale values as current.

use super::{App, Screen, Status};
use crate::domain::model::ScoreBook;

/// Why this workstation only reads, and what it last saw of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnly {
    /// The workstation that has the file ("process 1234, user siti, since …"); None
    /// when commands kept changing it for longer than the workstation waited.
    pub holder: Option<String>,
    /// SQLite's `data_version` when the data was last loaded.
    pub data_version: i64,
}

impl App {
    /// Puts the workstation in read-only mode and says why in the status bar.
    pub fn set_read_only(&mut self, holder: Option<String>) {
        let data_version = self.store.data_version().unwrap_or(0);
        self.status = Status::Error(self.t().read_only_db(holder.as_deref()));
        self.read_only = Some(ReadOnly {
            holder,
            data_version,
        });
    }

    /// In read-only mode: refuses (saying why) and returns true.
    pub(super) fn refuse_read_only(&mut self) -> bool {
        match &self.read_only {
            Some(ro) => {
                self.status = Status::Error(self.t().read_only_db(ro.holder.as_deref()));
                true
            }
            None => false,
        }
    }

    /// In read-only mode, reloads the data when another connection has committed a
    /// change since it was loaded. Returns whether anything was reloaded (the screen
    /// must be drawn again).
    pub fn refresh(&mut self) -> bool {
        let Some(ro) = &self.read_only else {
            return false;
        };
        let Ok(version) = self.store.data_version() else {
            return false;
        };
        if version == ro.data_version {
            return false;
        }
        let ds = match self.store.load() {
            Ok(ds) => ds,
            Err(e) => {
                tracing::warn!("read-only reload failed: {e}");
                return false;
            }
        };
        // The screen's positions are indexes into the data: only take data of the same
        // shape (a workstation changes values, notes, evidence and finalization, never
        // the agencies, units or products).
        let same_shape = ds.products.len() == self.ds.products.len()
            && ds.units.len() == self.ds.units.len()
            && ds.agencies.len() == self.ds.agencies.len()
            && ds
                .products
                .iter()
                .zip(&self.ds.products)
                .all(|(a, b)| a.db_id == b.db_id && a.values.len() == b.values.len());
        if let Some(ro) = &mut self.read_only {
            ro.data_version = version;
        }
        if !same_shape {
            self.status = Status::Error(self.t().read_only_restart.into());
            return true;
        }
        self.ds = ds;
        self.book = ScoreBook::compute(&self.ds);
        if let Screen::Checklist(_) = self.screen {
            self.load_evidence();
        }
        true
    }
}
