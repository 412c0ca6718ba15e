//! Undo and redo. Every change of this session (a value, a note, an evidence
//! reference attached or removed, finalizing or reopening) is kept as an [`Edit`] with
//! what it changed before and after. Undo takes back exactly that, as a new change
//! through the same effects as any other (so it is committed and audited like one),
//! and says what it restored; redo makes it again. Both work on the node on screen (a
//! product, or a unit or agency with its respondents' answers): another node's changes
//! stay on the stacks until the assessor is there.

use super::assess::Cell;
use super::{App, Item, Screen, Status};
use crate::domain::model::NodeRef;
use crate::domain::text::sanitize;
use crate::tui::effect::{Edit, Effect, EvidenceAt, EvidenceMove, Origin};

impl App {
    /// A committed change: undoable; what was undone of that product cannot be redone
    /// any more (the change went another way).
    pub(super) fn done(&mut self, edit: Edit) {
        let p = edit.node();
        self.redo.retain(|e| e.node() != p);
        self.undo.push(edit);
    }

    /// The node whose changes undo and redo take: the one on screen.
    fn product_in_view(&self) -> Option<NodeRef> {
        self.node_in_view()
    }

    /// The last edit of the product in view on `stack`, taken off it; or why there is
    /// none.
    fn take_last(&mut self, redo: bool) -> Option<Edit> {
        let stack = if redo { &self.redo } else { &self.undo };
        let Some(p) = self.product_in_view() else {
            let t = self.t();
            self.status = Status::Info(match stack.last() {
                Some(e) => t.undo_elsewhere(redo, &sanitize(&self.ds.node_path(e.node()))),
                None if redo => t.nothing_to_redo().into(),
                None => t.nothing_to_undo.into(),
            });
            return None;
        };
        let stack = if redo { &mut self.redo } else { &mut self.undo };
        if let Some(at) = stack.iter().rposition(|e| e.node() == p) {
            return Some(stack.remove(at));
        }
        let elsewhere = stack.last().map(|e| self.ds.node_path(e.node()));
        let here = sanitize(self.node_code(p)).into_owned();
        let t = self.t();
        let msg = match (redo, elsewhere) {
            (false, Some(other)) => t.nothing_to_undo_here(&here, &sanitize(&other)),
            (false, None) => t.nothing_to_undo.to_string(),
            (true, Some(other)) => t.nothing_to_redo_here(&here, &sanitize(&other)),
            (true, None) => t.nothing_to_redo().to_string(),
        };
        self.status = Status::Info(msg);
        None
    }

    /// Takes back the last change of the product on screen.
    pub(super) fn undo(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        if let Some(edit) = self.take_last(false) {
            self.apply_edit(edit, false);
        }
    }

    /// Makes the last change undone on the product on screen again.
    pub(super) fn redo(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        if let Some(edit) = self.take_last(true) {
            self.apply_edit(edit, true);
        }
    }

    /// Asks for the change that undoes (`redo`: makes again) an edit; the cursor goes
    /// to the indicator it is about.
    fn apply_edit(&mut self, edit: Edit, redo: bool) {
        let p = edit.node();
        let respondent = match &edit {
            Edit::Value { respondent, .. } => *respondent,
            _ => None,
        };
        if let Some(i) = edit.indicator() {
            match &mut self.screen {
                Screen::Checklist(c) if c.node == p && c.respondent == respondent => {
                    c.filter.clear();
                    self.go_to_indicator(i);
                }
                // A respondent's answer: to its questionnaire, on the question.
                Screen::Checklist(_) | Screen::Roster(_) if respondent.is_some() => {
                    if let Some(r) = respondent {
                        self.show_questionnaire(p, r);
                        self.go_to_indicator(i);
                    }
                }
                // The node's own indicator, from a questionnaire or a roster.
                Screen::Checklist(c) if c.node == p => self.show_node(p, Some(Item::Indicator(i))),
                Screen::Roster(r) if r.node == p => self.show_node(p, Some(Item::Indicator(i))),
                _ => {}
            }
        }
        let finalized = self.ds.finalized(p);
        if finalized && !matches!(edit, Edit::Final { .. }) {
            self.refuse_finalized();
            if redo {
                self.redo.push(edit);
            } else {
                self.undo.push(edit);
            }
            return;
        }
        let origin = if redo {
            Origin::Redo(edit.clone())
        } else {
            Origin::Undo(edit.clone())
        };
        match edit {
            Edit::Value {
                indicator,
                respondent,
                before,
                after,
                ..
            } => {
                let v = if redo { after } else { before };
                let cell = Cell {
                    node: p,
                    indicator,
                    respondent,
                };
                self.change(cell, Some(v), None, origin);
            }
            Edit::Note {
                indicator,
                before,
                after,
                ..
            } => {
                let n = if redo { after } else { before };
                self.change(Cell::of(p, indicator), None, Some(n), origin);
            }
            Edit::Data {
                indicator,
                before,
                after,
                ..
            } => {
                let v = if redo { after } else { before };
                self.record_data(p, indicator, v.map(|d| *d), origin);
            }
            Edit::Evidence {
                indicator,
                reference,
                at,
                ..
            } => self.effects.push(Effect::MoveEvidence(EvidenceMove {
                node: p,
                indicator,
                target: self.store_node(p),
                reference,
                from: at,
                origin,
            })),
            Edit::Final { finalized, .. } => {
                // Undoing a finalization reopens, with a reason that says so.
                let finalize = finalized == redo;
                self.effects.push(Effect::SetFinal {
                    node: p,
                    target: self.store_node(p),
                    reopen: (!finalize).then(|| self.t().undo_reason().to_string()),
                    origin,
                });
            }
        }
    }

    /// The store committed an undo or a redo: the edit moves to the other stack (an
    /// evidence reference with where it is now), and the status says what was
    /// restored.
    pub(super) fn undone(&mut self, mut edit: Edit, redo: bool, now: Option<EvidenceAt>) {
        if let (Edit::Evidence { at, .. }, Some(now)) = (&mut edit, now) {
            *at = now;
        }
        let msg = self.describe_undo(&edit, redo);
        self.status = Status::Saved(msg);
        if redo {
            self.undo.push(edit);
        } else {
            self.redo.push(edit);
        }
    }

    /// The store refused an undo or redo: the edit stays where it was.
    pub(super) fn not_undone(&mut self, edit: Edit, redo: bool) {
        if redo {
            self.redo.push(edit);
        } else {
            self.undo.push(edit);
        }
    }

    /// "Undone: NIB · sk-standar back to unanswered (was ✓)." and the like.
    fn describe_undo(&self, edit: &Edit, redo: bool) -> String {
        let t = self.t();
        let p = edit.node();
        let mut code = sanitize(self.node_code(p)).into_owned();
        let ind = |i| sanitize(&self.indicator_def(p, i).id).into_owned();
        match edit {
            Edit::Value {
                indicator,
                respondent,
                before,
                after,
                ..
            } => {
                let (now, was) = if redo {
                    (after, before)
                } else {
                    (before, after)
                };
                if let Some(r) = respondent {
                    code = format!("{code} · {}", self.respondent_name(p, *r));
                }
                t.undone_value(
                    redo,
                    &code,
                    &ind(*indicator),
                    &self.show_value_at(p, *indicator, *now),
                    &self.show_value_at(p, *indicator, *was),
                )
            }
            Edit::Note {
                indicator,
                before,
                after,
                ..
            } => {
                let now = if redo { after } else { before };
                t.undone_note(redo, &code, &ind(*indicator), now.chars().count())
            }
            Edit::Data {
                indicator,
                before,
                after,
                ..
            } => {
                let (now, was) = if redo {
                    (after, before)
                } else {
                    (before, after)
                };
                let text = |v: &Option<Box<crate::domain::model::DataValue>>| match v {
                    Some(d) => d.text(),
                    None => t.unanswered.to_string(),
                };
                t.undone_value(redo, &code, &ind(*indicator), &text(now), &text(was))
            }
            Edit::Evidence {
                indicator,
                reference,
                added,
                ..
            } => {
                // Undoing an addition removes; redoing it attaches again.
                let attached = *added == redo;
                t.undone_evidence(
                    redo,
                    &code,
                    &ind(*indicator),
                    &sanitize(reference),
                    attached,
                )
            }
            Edit::Final { finalized, .. } => {
                let now_final = *finalized == redo;
                t.undone_final(redo, &sanitize(&self.ds.node_path(p)), now_final)
            }
        }
    }
}
