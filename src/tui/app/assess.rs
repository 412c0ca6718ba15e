//! The changes an assessor asks for from the workstation: values, notes, evidence
//! (attached and removed), finalizing and reopening, the export, the assessor's name,
//! and the audit history to look at. Each becomes an [`Effect`]; nothing in the data
//! changes here. What the store answers is applied in `outcome.rs`: only a committed
//! change updates the dataset, rescores and says "saved".
//!
//! A change is about a [`Cell`]: an indicator at a node (a product's, a unit's or an
//! agency's own), or one respondent's answer to it. On a unit's or an agency's
//! checklist an interview indicator takes no level of its own (each respondent answers
//! it, in the questionnaire) and a data indicator takes a decimal (Enter): the keys say
//! so instead of sending the store a change it refuses.

use super::{App, Digesting, Item, Modal, NoteEdit, Screen, Status};
use crate::domain::Value;
use crate::domain::instrument::Source;
use crate::domain::model::{IndicatorIx, NodeRef, RespondentIx};
use crate::store::EvidenceRow;
use crate::tui::action::Action;
use crate::tui::editor::TextArea;
use crate::tui::effect::{Change, Effect, EvidenceAt, EvidenceMove, Origin, Target};

/// One indicator at a node, or one respondent's answer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub node: NodeRef,
    pub indicator: IndicatorIx,
    pub respondent: Option<RespondentIx>,
}

impl Cell {
    /// The node's own cell of an indicator.
    pub fn of(node: NodeRef, indicator: IndicatorIx) -> Cell {
        Cell {
            node,
            indicator,
            respondent: None,
        }
    }
}

impl App {
    /// The cell under the cursor of the checklist.
    fn target(&mut self) -> Option<Cell> {
        match &self.screen {
            Screen::Checklist(c) => {
                let Some(i) = c.indicator() else {
                    let km = &self.keymap;
                    self.status = Status::Info(match c.at {
                        Item::Role(_) => self.t().on_role_hint(&km.key(Action::Open)),
                        _ => self.t().on_child_hint(&km.key(Action::Open)),
                    });
                    return None;
                };
                // A filter that hides every indicator hides the cursor too.
                if !c.filter.is_empty() && !self.shown_indicators(c).contains(&i) {
                    self.status = Status::Info(self.t().nothing_matches.into());
                    return None;
                }
                Some(Cell {
                    node: c.node,
                    indicator: i,
                    respondent: c.respondent,
                })
            }
            _ => {
                self.status = Status::Info(self.t().open_product_first.into());
                None
            }
        }
    }

    /// The target if it can be changed; a finalized node says how to reopen it.
    fn writable_target(&mut self) -> Option<Cell> {
        if self.refuse_read_only() {
            return None;
        }
        let cell = self.target()?;
        if self.ds.finalized(cell.node) {
            self.refuse_finalized();
            return None;
        }
        Some(cell)
    }

    /// The target if a level can be recorded in it: a product's or a node's
    /// observation, or a respondent's answer. An interview or data indicator of the
    /// node itself says how it is answered instead.
    fn answerable_target(&mut self) -> Option<Cell> {
        let cell = self.writable_target()?;
        if cell.respondent.is_some() {
            return Some(cell);
        }
        let km = &self.keymap;
        match &self.indicator_def(cell.node, cell.indicator).source {
            Source::Observation => Some(cell),
            Source::Interview { role } => {
                let label = self
                    .ds
                    .instrument_of(cell.node)
                    .roles
                    .get(*role)
                    .map(|r| r.label.get(self.lang).to_string())
                    .unwrap_or_default();
                self.status = Status::Error(self.t().answered_by_respondents(
                    &crate::domain::text::sanitize(&label),
                    &km.key(Action::Open),
                ));
                None
            }
            Source::Data { .. } => {
                self.status = Status::Error(self.t().answered_by_data(&km.key(Action::Open)));
                None
            }
        }
    }

    pub(super) fn refuse_finalized(&mut self) {
        let f = self.keymap.key(Action::Finalize);
        self.status = Status::Error(self.t().read_only(&f));
    }

    /// Asks the store to record a value and/or a note.
    pub(super) fn change(
        &mut self,
        cell: Cell,
        value: Option<Value>,
        note: Option<String>,
        origin: Origin,
    ) {
        let Cell {
            node,
            indicator: i,
            respondent,
        } = cell;
        let definition = self.indicator_def(node, i).clone();
        let target = match (node, respondent) {
            (_, Some(r)) => {
                let Some(row) = self.respondent_row(node, r) else {
                    self.status = Status::Error(self.t().respondent_gone().into());
                    return;
                };
                Target::Respondent {
                    at: self.node_target(node),
                    row: Box::new(row),
                }
            }
            (NodeRef::Product(p), None) if matches!(definition.source, Source::Observation) => {
                Target::Product(self.product_ref(p))
            }
            (_, None) => Target::Node(self.node_target(node)),
        };
        self.effects.push(Effect::Record(Change {
            node,
            indicator: i,
            respondent,
            target,
            definition,
            value,
            note,
            origin,
        }));
    }

    /// The value of a cell as it stands: a product's or node's own value, or a
    /// respondent's answer.
    pub fn cell_value(&self, cell: Cell) -> Value {
        match cell.respondent {
            Some(r) => self.ds.respondent_value(cell.node, r, cell.indicator),
            None => self.ds.value(cell.node, cell.indicator),
        }
    }

    /// A value as the checklist writes it (`✓`, `2/3`, `N/A`) on indicator `i`'s scale.
    pub fn show_value(
        &self,
        p: crate::domain::model::ProductIx,
        i: IndicatorIx,
        v: Value,
    ) -> String {
        self.show_value_at(NodeRef::Product(p), i, v)
    }

    /// [`App::show_value`] for an indicator of any node.
    pub fn show_value_at(&self, node: NodeRef, i: IndicatorIx, v: Value) -> String {
        let ind = self.indicator_def(node, i);
        let t = self.t();
        match v {
            Value::Unanswered => t.unanswered.into(),
            Value::NotApplicable => t.na.into(),
            Value::Level(1) if ind.max == 1 => "✓".into(),
            Value::Level(0) if ind.max == 1 => "✗".into(),
            Value::Level(v) => format!("{v}/{}", ind.max),
        }
    }

    /// The value of an indicator as the checklist writes it (`✓`, `2/3`, `N/A`).
    pub fn value_text(&self, p: crate::domain::model::ProductIx, i: IndicatorIx) -> String {
        self.show_value(p, i, self.ds.products[p].value(i))
    }

    /// A cell's value as the checklist writes it: a respondent's answer, an
    /// observation, an interview's mean, a data value.
    pub fn cell_text(&self, cell: Cell) -> String {
        if cell.respondent.is_none() {
            let v = self.ds.value(cell.node, cell.indicator);
            match &self.indicator_def(cell.node, cell.indicator).source {
                Source::Interview { .. } if v != Value::NotApplicable => {
                    return self
                        .mean_text(cell.node, cell.indicator)
                        .unwrap_or_else(|| self.t().unanswered.into());
                }
                Source::Data { .. } if v != Value::NotApplicable => {
                    return match self.ds.data(cell.node, cell.indicator) {
                        Some(d) => d.text(),
                        None => self.t().unanswered.into(),
                    };
                }
                _ => {}
            }
        }
        self.show_value_at(cell.node, cell.indicator, self.cell_value(cell))
    }

    /// An answer: recorded, then (when the workstation is set to) on to the next.
    fn answer(&mut self, cell: Cell, v: Value) {
        self.change(cell, Some(v), None, Origin::Key { advance: true });
    }

    pub(super) fn tick_value(&mut self) {
        let Some(cell) = self.answerable_target() else {
            return;
        };
        let max = self.indicator_def(cell.node, cell.indicator).max;
        let new = match self.cell_value(cell) {
            Value::Level(v) if u32::from(v) >= max => Value::Level(0),
            _ => Value::level(max),
        };
        self.answer(cell, new);
    }

    pub(super) fn set_value(&mut self, v: u32) {
        let Some(cell) = self.answerable_target() else {
            return;
        };
        let max = self.indicator_def(cell.node, cell.indicator).max;
        if v > max {
            self.status = Status::Error(self.t().out_of_range(v, max));
            return;
        }
        self.answer(cell, Value::level(v));
    }

    pub(super) fn not_applicable(&mut self) {
        let Some(cell) = self.writable_target() else {
            return;
        };
        match self.cell_value(cell) {
            // Again: back to unanswered, and the cursor stays to answer it.
            Value::NotApplicable => {
                self.change(
                    cell,
                    Some(Value::Unanswered),
                    None,
                    Origin::Key { advance: false },
                );
            }
            _ => self.answer(cell, Value::NotApplicable),
        }
    }

    pub(super) fn clear_value(&mut self) {
        let Some(cell) = self.writable_target() else {
            return;
        };
        // A data value entered is cleared as such (audited as a data change).
        if cell.respondent.is_none()
            && self.is_data(cell.node, cell.indicator)
            && self.ds.value(cell.node, cell.indicator) != Value::NotApplicable
            && self.ds.data(cell.node, cell.indicator).is_some()
        {
            self.record_data(
                cell.node,
                cell.indicator,
                None,
                Origin::Key { advance: false },
            );
            return;
        }
        self.change(
            cell,
            Some(Value::Unanswered),
            None,
            Origin::Key { advance: false },
        );
    }

    pub(super) fn open_note(&mut self) {
        let Some(cell) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Note(NoteEdit {
            node: cell.node,
            indicator: cell.indicator,
            editor: TextArea::new(self.ds.note(cell.node, cell.indicator), true),
        });
    }

    /// Asks to record the note; the editor stays open until the store has committed
    /// it (and stays open, with the text, if the store refuses).
    pub(super) fn save_note(&mut self, edit: NoteEdit) {
        if !edit.editor.modified() {
            self.status = Status::Info(self.t().note_unchanged.into());
            return;
        }
        let text = edit.editor.text();
        let cell = Cell::of(edit.node, edit.indicator);
        self.modal = Modal::Note(edit);
        self.change(cell, None, Some(text.trim_end().to_string()), Origin::Note);
    }

    pub(super) fn open_evidence(&mut self) {
        let Some(cell) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Evidence {
            node: cell.node,
            indicator: cell.indicator,
            input: TextArea::new("", false),
            digest: None,
            choices: Vec::new(),
        };
    }

    /// Enter in the evidence prompt: first the named file is looked at and read in the
    /// background; the prompt shows the progress and stays until the evidence is saved
    /// (a reference that names nothing asks whether it is a document number).
    pub(super) fn save_evidence(&mut self, node: NodeRef, i: IndicatorIx, input: TextArea) {
        let reference = input.text().trim().to_string();
        if reference.is_empty() {
            self.status = Status::Error(self.t().evidence_empty.into());
            self.modal = Modal::Evidence {
                node,
                indicator: i,
                input,
                digest: None,
                choices: Vec::new(),
            };
            return;
        }
        self.last_job += 1;
        let job = self.last_job;
        self.effects.push(Effect::Digest { job, reference });
        self.modal = Modal::Evidence {
            node,
            indicator: i,
            input,
            digest: Some(Digesting {
                job,
                done: 0,
                total: 0,
            }),
            choices: Vec::new(),
        };
    }

    /// The remove-evidence key: the highlighted indicator's evidence to choose from.
    pub(super) fn pick_evidence(&mut self) {
        let Some(cell) = self.writable_target() else {
            return;
        };
        let rows = match &self.screen {
            Screen::Checklist(c) => c.evidence.clone(),
            _ => Vec::new(),
        };
        if rows.is_empty() {
            self.status = Status::Info(self.t().no_evidence_to_remove().into());
            return;
        }
        self.modal = Modal::PickEvidence {
            node: cell.node,
            indicator: cell.indicator,
            selected: rows.len() - 1,
            rows,
        };
    }

    /// Asks to remove an evidence reference (it is kept in the store, and audited).
    pub(super) fn remove_evidence(&mut self, node: NodeRef, i: IndicatorIx, row: EvidenceRow) {
        self.effects.push(Effect::MoveEvidence(EvidenceMove {
            node,
            indicator: i,
            target: self.store_node(node),
            reference: row.reference,
            from: EvidenceAt::Attached(row.id),
            origin: Origin::Key { advance: false },
        }));
    }

    pub(super) fn finalize_or_reopen(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        let Some(node) = self.node_in_view() else {
            self.status = Status::Info(self.t().open_product_first.into());
            return;
        };
        self.modal = if self.ds.finalized(node) {
            Modal::Reopen {
                node,
                input: TextArea::new("", false),
            }
        } else {
            // The unanswered indicator under the cursor first, if it is one.
            let selected = self
                .checklist()
                .and_then(|c| c.indicator())
                .and_then(|i| self.unanswered_at(node).iter().position(|&x| x == i))
                .unwrap_or(0);
            Modal::ConfirmFinalize { node, selected }
        };
    }

    pub(super) fn finalize(&mut self, node: NodeRef) {
        self.effects.push(Effect::SetFinal {
            node,
            target: self.store_node(node),
            reopen: None,
            origin: Origin::Key { advance: false },
        });
    }

    /// Asks to reopen with the reason typed; the prompt stays until the store has
    /// committed it.
    pub(super) fn reopen(&mut self, node: NodeRef, input: TextArea) {
        let reason = input.text();
        self.modal = Modal::Reopen { node, input };
        if reason.trim().is_empty() {
            self.status = Status::Error(self.t().reason_needed.into());
            return;
        }
        self.effects.push(Effect::SetFinal {
            node,
            target: self.store_node(node),
            reopen: Some(reason),
            origin: Origin::Key { advance: false },
        });
    }

    /// Writes the signed export where the prompt says (`~/` is the home dir).
    pub(super) fn export(&mut self, input: TextArea) {
        let path = input.text().trim().to_string();
        if path.is_empty() {
            self.modal = Modal::Export {
                input,
                choices: Vec::new(),
            };
            return;
        }
        self.effects.push(Effect::Export { path });
    }

    /// Enter in the first start's question: the name is recorded.
    pub(super) fn set_assessor(&mut self, input: TextArea) {
        let name = input.text().trim().to_string();
        if name.is_empty() {
            self.status = Status::Error(self.t().assessor_needed().into());
            self.modal = Modal::Assessor { input };
            return;
        }
        self.modal = Modal::Assessor { input };
        self.effects.push(Effect::SetAssessor(name));
    }

    /// The audit history: of the highlighted indicator on a checklist, of the
    /// node in view on the lists.
    pub(super) fn open_history(&mut self) {
        let Some(node) = self.node_in_view() else {
            self.status = Status::Info(self.t().open_product_first.into());
            return;
        };
        let indicator = self.checklist().and_then(|c| c.indicator());
        self.load_history(node, indicator);
    }

    pub(super) fn load_history(&mut self, node: NodeRef, indicator: Option<IndicatorIx>) {
        self.effects.push(Effect::LoadHistory {
            node,
            indicator,
            path: self.ds.node_path(node),
            indicator_id: indicator.map(|i| self.indicator_def(node, i).id.clone()),
        });
    }
}
