//! The changes an assessor asks for from the workstation: values, notes, evidence,
//! finalizing and reopening, undo and the export. Each becomes an [`Effect`]; nothing
//! in the data changes here. What the store answers is applied in `outcome.rs`: only
//! a committed change updates the dataset, rescores and says "saved".

use super::{App, Digesting, Modal, NoteEdit, Screen, Status};
use crate::domain::Value;
use crate::domain::model::{IndicatorIx, ProductIx};
use crate::tui::action::Action;
use crate::tui::editor::TextArea;
use crate::tui::effect::{Change, Effect, Origin};

impl App {
    /// The product and indicator under the cursor of the checklist.
    fn target(&mut self) -> Option<(ProductIx, IndicatorIx)> {
        match &self.screen {
            Screen::Checklist(c) => Some((c.product, c.indicator)),
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

    fn refuse_finalized(&mut self) {
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

    /// The value of an indicator as the checklist writes it (`✓`, `2/3`, `N/A`).
    pub fn value_text(&self, p: ProductIx, i: IndicatorIx) -> String {
        let ind = self.ds.indicator(p, i);
        let t = self.t();
        match self.ds.products[p].value(i) {
            Value::Unanswered => t.unanswered.into(),
            Value::NotApplicable => t.na.into(),
            Value::Level(1) if ind.max == 1 => "✓".into(),
            Value::Level(0) if ind.max == 1 => "✗".into(),
            Value::Level(v) => format!("{v}/{}", ind.max),
        }
    }

    pub(super) fn tick(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let max = self.ds.indicator(p, i).max;
        let new = match self.ds.products[p].value(i) {
            Value::Level(v) if v >= max => Value::Level(0),
            _ => Value::Level(max),
        };
        self.change(p, i, Some(new), None, Origin::Key);
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
        self.change(p, i, Some(Value::Level(v)), None, Origin::Key);
    }

    pub(super) fn not_applicable(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let new = match self.ds.products[p].value(i) {
            Value::NotApplicable => Value::Unanswered,
            _ => Value::NotApplicable,
        };
        self.change(p, i, Some(new), None, Origin::Key);
    }

    pub(super) fn clear_value(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.change(p, i, Some(Value::Unanswered), None, Origin::Key);
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
        };
    }

    /// Enter in the evidence prompt: first the named file is read in the background
    /// (a reference that names no file is a document number); the prompt shows the
    /// progress and stays until the evidence is saved.
    pub(super) fn save_evidence(&mut self, p: ProductIx, i: IndicatorIx, input: TextArea) {
        let reference = input.text().trim().to_string();
        if reference.is_empty() {
            self.status = Status::Error(self.t().evidence_empty.into());
            self.modal = Modal::Evidence {
                product: p,
                indicator: i,
                input,
                digest: None,
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
        };
    }

    /// Takes back the last value or note change of this session by recording the
    /// previous value and note again: a new change, with its own audit rows.
    pub(super) fn undo(&mut self) {
        if self.refuse_read_only() {
            return;
        }
        let Some(entry) = self.undo.pop() else {
            self.status = Status::Info(self.t().nothing_to_undo.into());
            return;
        };
        let (p, i) = (entry.product, entry.indicator);
        let here = matches!(&self.screen, Screen::Checklist(c) if c.product == p);
        if here {
            if let Screen::Checklist(c) = &mut self.screen {
                c.indicator = i;
            }
            self.load_evidence();
            self.keep_in_view();
        } else {
            self.show_checklist(p, Some(i));
        }
        if self.ds.products[p].finalized {
            self.refuse_finalized();
            self.undo.push(entry);
            return;
        }
        let (value, note) = (entry.value, entry.note.clone());
        self.change(p, i, Some(value), Some(note), Origin::Undo(entry));
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
            Modal::ConfirmFinalize { product: p }
        };
    }

    pub(super) fn finalize(&mut self, p: ProductIx) {
        self.effects.push(Effect::SetFinal {
            product: p,
            target: self.product_ref(p),
            reopen: None,
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
        });
    }

    /// Writes the signed export where the prompt says (`~/` is the home dir).
    pub(super) fn export(&mut self, input: TextArea) {
        let path = input.text().trim().to_string();
        if path.is_empty() {
            self.modal = Modal::Export { input };
            return;
        }
        self.effects.push(Effect::Export { path });
    }
}
