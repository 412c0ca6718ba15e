//! Answers carried from the previous cycle (`cycle start --carry`): shown to be
//! re-checked and not counted until the assessor confirms one as it is (the confirm
//! key: an effect, one audited transaction, "Saved" on its outcome) or enters another
//! value (an ordinary change, which replaces it). And the cycle the current one
//! follows ([`Previous`], read only): its value beside each indicator, its scores and
//! categories beside the score panel's (`domain::diff`).

use super::{App, Screen, Status};
use crate::domain::Value;
use crate::domain::diff::{Side, Standing, standing};
use crate::domain::instrument::Source;
use crate::domain::model::{Carried, Dataset, IndicatorIx, NodeRef, RespondentIx, ScoreBook};
use crate::domain::scoring::Rounded;
use crate::tui::effect::{ConfirmCarried, Effect, Failure};

/// The cycle the current one follows, as it was: read once, never changed here.
pub struct Previous {
    /// Its code (`2026-pendampingan`).
    pub code: String,
    pub ds: Dataset,
    pub book: ScoreBook,
}

impl Previous {
    pub fn new(code: String, ds: Dataset) -> Previous {
        let book = ScoreBook::compute(&ds);
        Previous { code, ds, book }
    }
}

/// A node's standing then and now, and the difference (None unless both are defined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Then {
    pub from: Option<Standing>,
    pub to: Option<Standing>,
    pub delta: Option<Rounded>,
}

impl App {
    /// The node of the previous cycle with the same codes.
    fn previous_node(&self, node: NodeRef) -> Option<(&Previous, NodeRef)> {
        let prev = self.previous.as_ref()?;
        let there = prev.ds.find_node(&self.ds.node_path(node))?;
        Some((prev, there))
    }

    /// Indicator `i`'s value at `node` in the previous cycle, as its value box shows it
    /// (`[✓]`, `2/3`, `N/A`, a mean or a data value); None where the previous cycle
    /// has no such node or indicator (matched by id, at the same level).
    pub fn previous_box(&self, node: NodeRef, i: IndicatorIx) -> Option<String> {
        let (prev, there) = self.previous_node(node)?;
        let id = &self.indicator_def(node, i).id;
        let inst = prev.ds.instrument_of(there);
        let k = inst
            .indicators_at(there.level())
            .find(|&k| inst.indicators[k].id == *id)?;
        let ind = &inst.indicators[k];
        let pi = IndicatorIx::new(k);
        let na = self.t().na;
        let own = prev.ds.value(there, pi);
        Some(match &ind.source {
            Source::Observation => crate::tui::ui::value_box(own, ind.max, na),
            _ if own == Value::NotApplicable => na.into(),
            Source::Data { .. } => match prev.ds.data(there, pi) {
                Some(d) => format!("{}/{}", d.text(), ind.max),
                None => crate::tui::ui::value_box(Value::Unanswered, ind.max, na),
            },
            Source::Interview { .. } => match prev.ds.answer(there, pi).node_value(ind.max) {
                crate::domain::method::NodeValue::Value(x) => {
                    format!("{}/{}", Rounded::of(&x), ind.max)
                }
                _ => crate::tui::ui::value_box(Value::Unanswered, ind.max, na),
            },
        })
    }

    /// A node's score and category in the previous cycle and now, with the
    /// difference; None without a previous cycle or without that node there.
    pub fn then_and_now(&self, node: NodeRef) -> Option<Then> {
        let (prev, there) = self.previous_node(node)?;
        let from = standing(Side::new(&prev.ds, &prev.book), there);
        let to = standing(Side::new(&self.ds, &self.book), node);
        let delta = match (&from, &to) {
            (Some(f), Some(t)) => Some(Rounded(t.score.0 - f.score.0)),
            _ => None,
        };
        Some(Then { from, to, delta })
    }

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
