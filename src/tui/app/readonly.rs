//! A workstation that found its database open in another one: it shows the data,
//! refuses every change with a message naming the other workstation, asks to write
//! nothing (not even where the assessor left off), and takes the data the runtime
//! reloads when the other one commits a change, so that it never shows stale values
//! as current.

use super::{App, Screen, Status};
use crate::domain::model::{Dataset, ScoreBook};

/// Why this workstation only reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnly {
    /// The workstation that has the file ("process 1234, user siti, since …"); None
    /// when commands kept changing it for longer than the workstation waited.
    pub holder: Option<String>,
}

impl App {
    /// Puts the workstation in read-only mode and says why in the status bar.
    pub fn set_read_only(&mut self, holder: Option<String>) {
        self.status = Status::Error(self.t().read_only_db(holder.as_deref()));
        self.read_only = Some(ReadOnly { holder });
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

    /// The data as another workstation left it.
    pub(super) fn reloaded(&mut self, ds: Dataset) {
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
        if !same_shape {
            self.status = Status::Error(self.t().read_only_restart.into());
            return;
        }
        self.ds = ds;
        self.book = ScoreBook::compute(&self.ds);
        self.instruments = self
            .ds
            .instruments
            .iter()
            .cloned()
            .map(std::sync::Arc::new)
            .collect();
        // Respondents added or removed elsewhere change the positions of a node's
        // respondents: a questionnaire or roster on screen goes back to its node.
        let respondents_moved = match &self.screen {
            Screen::Checklist(c) => c.respondent.is_some(),
            Screen::Roster(_) => true,
            _ => false,
        };
        if respondents_moved && let Some(node) = self.node_in_view() {
            self.show_node(node, None);
        }
        if let Screen::Checklist(_) = self.screen {
            self.load_evidence();
        }
    }
}
