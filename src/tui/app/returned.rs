//! What the central office returned (`patuh inbox FILE`), in the workstation: each
//! item not yet answered marks its indicator (or its product) with `↩` and its
//! comment, until the assessor changes the indicator or confirms it as it is (the
//! confirm key, an audited change of its own). The store decides what is open
//! (`store::review`); the state follows its outcomes.

use super::{App, Screen, Status};
use crate::domain::model::{IndicatorIx, NodeRef, ProductIx};
use crate::store::{ItemStatus, ReturnedItem};
use crate::tui::effect::{Effect, Failure, Outcome};

/// An open returned item: the product, the indicator (None: the product as a whole)
/// and the central office's comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedMark {
    pub product: ProductIx,
    pub indicator: Option<IndicatorIx>,
    pub comment: String,
}

impl App {
    /// The open items of the last return file applied, placed in the dataset (items
    /// naming something this workstation does not hold are left out).
    pub fn set_returned(&mut self, items: &[ReturnedItem]) {
        self.returned = items
            .iter()
            .filter(|i| i.status == ItemStatus::Open)
            .filter_map(|i| {
                let product = self.ds.find_product(&i.path)?;
                let indicator = match &i.indicator {
                    Some(id) => Some(IndicatorIx::new(
                        self.ds.instrument_of_product(product).indicator_index(id)?,
                    )),
                    None => None,
                };
                Some(ReturnedMark {
                    product,
                    indicator,
                    comment: i.comment.clone(),
                })
            })
            .collect();
    }

    /// The open item on an indicator (`Some(i)`) or on the product as a whole (None).
    pub fn returned_on(&self, p: ProductIx, i: Option<IndicatorIx>) -> Option<&ReturnedMark> {
        self.returned
            .iter()
            .find(|m| m.product == p && m.indicator == i)
    }

    /// How many open items a product has.
    pub fn returned_count(&self, p: ProductIx) -> usize {
        self.returned.iter().filter(|m| m.product == p).count()
    }

    /// The confirm key: the item on the highlighted indicator, else the one on the
    /// product as a whole.
    pub(super) fn confirm_returned(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        let Screen::Checklist(c) = &self.screen else {
            self.status = Status::Info(self.t().open_product_first.into());
            return;
        };
        // What the central office returns is about products (their review).
        let NodeRef::Product(p) = c.node else {
            self.status = Status::Info(self.t().nothing_returned_here().into());
            return;
        };
        let i = c.indicator();
        let indicator = if let Some(i) = i
            && self.returned_on(p, Some(i)).is_some()
        {
            Some(i)
        } else if self.returned_on(p, None).is_some() {
            None
        } else {
            self.status = Status::Info(self.t().nothing_returned_here().into());
            return;
        };
        self.effects.push(Effect::ConfirmReturned {
            product: p,
            indicator,
            path: self.ds.product_path(p),
            indicator_id: indicator.map(|i| self.ds.indicator(p, i).id.clone()),
        });
    }

    pub(super) fn returned_confirmed(
        &mut self,
        p: ProductIx,
        i: Option<IndicatorIx>,
        result: Result<bool, Failure>,
    ) {
        match result {
            Ok(_) => {
                // Confirmed now, or answered meanwhile: open no longer either way.
                self.returned
                    .retain(|m| !(m.product == p && m.indicator == i));
                self.status = Status::Saved(self.t().returned_confirmed().into());
            }
            Err(e) => self.status = Status::Error(self.failure(&e)),
        }
    }

    /// A change committed on an indicator answers what was returned on it, and on its
    /// product as a whole (as the store counts it).
    pub(super) fn answer_returned(&mut self, outcome: &Outcome) {
        if self.returned.is_empty() {
            return;
        }
        let changed = match outcome {
            Outcome::Recorded {
                change,
                result: Ok(r),
            } if r.audit_rows > 0 => Some((change.node, change.indicator)),
            Outcome::Attached {
                attach,
                result: Ok(_),
            } => Some((attach.node, attach.indicator)),
            Outcome::EvidenceMoved { mv, result: Ok(_) } => Some((mv.node, mv.indicator)),
            _ => None,
        };
        if let Some((NodeRef::Product(p), i)) = changed {
            self.returned
                .retain(|m| !(m.product == p && (m.indicator == Some(i) || m.indicator.is_none())));
        }
    }
}
