//! Answers carried from the previous cycle (`cycle start --carry`): shown to be
//! re-checked and not counted until the assessor confirms one as it is (the confirm
//! key: an effect, one audited transaction, "Saved" on its outcome) or enters another
//! value (an ordinary change, which replaces it).

use super::{App, Screen, Status};
use crate::domain::model::{Carried, IndicatorIx, NodeRef, RespondentIx};
use crate::tui::effect::{ConfirmCarried, Effect, Failure};

impl App {
    /// The answer carried from the previous cycle in a cell, when it is still to be
    /// re-checked: a respondent's answer, or the node's own (a value, N/A or data).
    pub fn carried_in(
        &self,
        node: NodeRef,
        respondent: Option<RespondentIx>,
        i: IndicatorIx,
    ) -> Option<Carried> {
        match respondent {
            Some(r) => self.ds.carried_answer(node, r, i).map(Carried::Value),
            None => self.ds.carried(node, i).cloned(),
        }
    }

    /// The confirm key: the carried answer under the cursor, confirmed as it is.
    pub(super) fn confirm_carried(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        let Screen::Checklist(c) = &self.screen else {
            self.status = Status::Info(self.t().nothing_carried_here().into());
            return;
        };
        let (node, respondent) = (c.node, c.respondent);
        let Some(i) = c.indicator() else {
            self.status = Status::Info(self.t().nothing_carried_here().into());
            return;
        };
        if self.carried_in(node, respondent, i).is_none() {
            self.status = Status::Info(self.t().nothing_carried_here().into());
            return;
        }
        let row = match respondent {
            Some(r) => match self.respondent_row(node, r) {
                Some(row) => Some(Box::new(row)),
                None => return,
            },
            None => None,
        };
        self.effects.push(Effect::ConfirmCarried(ConfirmCarried {
            node,
            indicator: i,
            respondent,
            target: self.store_node(node),
            indicator_id: self.indicator_def(node, i).id.clone(),
            row,
        }));
    }

    /// The store committed the confirmation: the value counts now, rescored, "Saved".
    pub(super) fn carried_confirmed(
        &mut self,
        confirm: ConfirmCarried,
        result: Result<usize, Failure>,
    ) {
        let (node, i) = (confirm.node, confirm.indicator);
        match result {
            Ok(_) => {
                let kept = match confirm.respondent {
                    Some(r) => self.ds.confirm_answer(node, r, i).map(|_| ()),
                    None => self.ds.confirm(node, i).map(|_| ()),
                };
                if let Err(e) = kept {
                    tracing::warn!("confirmation committed in the store, refused in memory: {e}");
                }
                self.book.update(&self.ds, node);
                self.status = Status::Saved(self.t().carried_confirmed().into());
            }
            Err(e) => self.status = Status::Error(self.failure(&e)),
        }
    }
}
