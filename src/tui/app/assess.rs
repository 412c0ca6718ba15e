//! The changes an assessor asks for from the workstation: values, notes, evidence
//! (attached and removed), finalizing and reopening, the export, the assessor's name,
//! and the audit history to look at. Each becomes an [`Effect`]; nothing in the data
//! changes here. What the store answers is applied in `outcome.rs`: only a committed
//! change updates the dataset, rescores and says "saved".

use super::{App, Digesting, Modal, NoteEdit, Screen, Status};
use crate::domain::Value;
use crate::domain::model::{IndicatorIx, ProductIx};
use crate::store::EvidenceRow;
use crate::tui::action::Action;
use crate::tui::editor::TextArea;
use crate::tui::effect::{Change, Effect, EvidenceAt, EvidenceMove, Origin};

impl App {
    /// The product and indicator under the cursor of the checklist.
    fn target(&mut self) -> Option<(ProductIx, IndicatorIx)> {
        match &self.screen {
            Screen::Checklist(c) => {
                let (p, i) = (c.product, c.indicator);
                // A filter that hides every indicator hides the cursor too.
                if !c.filter.is_empty() && !self.shown_indicators(c).contains(&i) {
                    self.status = Status::Info(self.t().nothing_matches.into());
                    return None;
                }
                Some((p, i))
            }
            _ => {
                self.status = Status::Info(self.t().open_product_first.into());
                None
            }
        }
    }

    /// The target if it can be changed; a finalized product says how to reopen it.
    fn writable_target(&mut self) -> Option<(ProductIx, IndicatorIx)> {
        if self.refuse_read_only() {
            return None;
        }
        let (p, i) = self.target()?;
        if self.ds.products[p].finalized {
            self.refuse_finalized();
            return None;
        }
        Some((p, i))
    }

    pub(super) fn refuse_finalized(&mut self) {
        let f = self.keymap.key(Action::Finalize);
        self.status = Status::Error(self.t().read_only(&f));
    }

    /// Asks the store to record a value and/or a note.
    pub(super) fn change(
        &mut self,
        p: ProductIx,
        i: IndicatorIx,
        value: Option<Value>,
        note: Option<String>,
        origin: Origin,
    ) {
        let target = self.product_ref(p);
        let definition = self.ds.indicator(p, i).clone();
        self.effects.push(Effect::Record(Change {
            product: p,
            indicator: i,
            target,
            definition,
            value,
            note,
            origin,
        }));
    }

    /// A value as the checklist writes it (`✓`, `2/3`, `N/A`) on indicator `i`'s scale.
    pub fn show_value(&self, p: ProductIx, i: IndicatorIx, v: Value) -> String {
        let ind = self.ds.indicator(p, i);
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
    pub fn value_text(&self, p: ProductIx, i: IndicatorIx) -> String {
        self.show_value(p, i, self.ds.products[p].value(i))
    }

    /// An answer: recorded, then (when the workstation is set to) on to the next.
    fn answer(&mut self, p: ProductIx, i: IndicatorIx, v: Value) {
        self.change(p, i, Some(v), None, Origin::Key { advance: true });
    }

    pub(super) fn tick_value(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let max = self.ds.indicator(p, i).max;
        let new = match self.ds.products[p].value(i) {
            Value::Level(v) if v >= max => Value::Level(0),
            _ => Value::Level(max),
        };
        self.answer(p, i, new);
    }

    pub(super) fn set_value(&mut self, v: u32) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let max = self.ds.indicator(p, i).max;
        if v > max {
            self.status = Status::Error(self.t().out_of_range(v, max));
            return;
        }
        self.answer(p, i, Value::Level(v));
    }

    pub(super) fn not_applicable(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        match self.ds.products[p].value(i) {
            // Again: back to unanswered, and the cursor stays to answer it.
            Value::NotApplicable => {
                self.change(
                    p,
                    i,
                    Some(Value::Unanswered),
                    None,
                    Origin::Key { advance: false },
                );
            }
            _ => self.answer(p, i, Value::NotApplicable),
        }
    }

    pub(super) fn clear_value(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.change(
            p,
            i,
            Some(Value::Unanswered),
            None,
            Origin::Key { advance: false },
        );
    }

    pub(super) fn open_note(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Note(NoteEdit {
            product: p,
            indicator: i,
            editor: TextArea::new(self.ds.products[p].note(i), true),
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
        let (p, i) = (edit.product, edit.indicator);
        self.modal = Modal::Note(edit);
        self.change(p, i, None, Some(text.trim_end().to_string()), Origin::Note);
    }

    pub(super) fn open_evidence(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Evidence {
            product: p,
            indicator: i,
            input: TextArea::new("", false),
            digest: None,
            choices: Vec::new(),
        };
    }

    /// Enter in the evidence prompt: first the named file is looked at and read in the
    /// background; the prompt shows the progress and stays until the evidence is saved
    /// (a reference that names nothing asks whether it is a document number).
    pub(super) fn save_evidence(&mut self, p: ProductIx, i: IndicatorIx, input: TextArea) {
        let reference = input.text().trim().to_string();
        if reference.is_empty() {
            self.status = Status::Error(self.t().evidence_empty.into());
            self.modal = Modal::Evidence {
                product: p,
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
            product: p,
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
        let Some((p, i)) = self.writable_target() else {
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
            product: p,
            indicator: i,
            selected: rows.len() - 1,
            rows,
        };
    }

    /// Asks to remove an evidence reference (it is kept in the store, and audited).
    pub(super) fn remove_evidence(&mut self, p: ProductIx, i: IndicatorIx, row: EvidenceRow) {
        self.effects.push(Effect::MoveEvidence(EvidenceMove {
            product: p,
            indicator: i,
            target: self.product_ref(p),
            reference: row.reference,
            from: EvidenceAt::Attached(row.id),
            origin: Origin::Key { advance: false },
        }));
    }

    pub(super) fn finalize_or_reopen(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        let Some(p) = self.highlighted_product() else {
            self.status = Status::Info(self.t().open_product_first.into());
            return;
        };
        self.modal = if self.ds.products[p].finalized {
            Modal::Reopen {
                product: p,
                input: TextArea::new("", false),
            }
        } else {
            // The unanswered indicator under the cursor first, if it is one.
            let selected = self
                .checklist()
                .and_then(|c| self.unanswered(p).iter().position(|&i| i == c.indicator))
                .unwrap_or(0);
            Modal::ConfirmFinalize {
                product: p,
                selected,
            }
        };
    }

    pub(super) fn finalize(&mut self, p: ProductIx) {
        self.effects.push(Effect::SetFinal {
            product: p,
            target: self.product_ref(p),
            reopen: None,
            origin: Origin::Key { advance: false },
        });
    }

    /// Asks to reopen with the reason typed; the prompt stays until the store has
    /// committed it.
    pub(super) fn reopen(&mut self, p: ProductIx, input: TextArea) {
        let reason = input.text();
        self.modal = Modal::Reopen { product: p, input };
        if reason.trim().is_empty() {
            self.status = Status::Error(self.t().reason_needed.into());
            return;
        }
        self.effects.push(Effect::SetFinal {
            product: p,
            target: self.product_ref(p),
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
    /// highlighted product on the lists.
    pub(super) fn open_history(&mut self) {
        let Some(p) = self.highlighted_product() else {
            self.status = Status::Info(self.t().open_product_first.into());
            return;
        };
        let indicator = self.checklist().map(|c| c.indicator);
        self.load_history(p, indicator);
    }

    pub(super) fn load_history(&mut self, p: ProductIx, indicator: Option<IndicatorIx>) {
        self.effects.push(Effect::LoadHistory {
            product: p,
            indicator,
            path: self.ds.product_path(p),
            indicator_id: indicator.map(|i| self.ds.indicator(p, i).id.clone()),
        });
    }
}
