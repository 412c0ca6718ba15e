//! The changes an assessor makes from the workstation: values, notes, evidence,
//! finalizing and reopening, and undo. Each goes to the store first (one transaction
//! with its audit row); only when that has committed does the in-memory dataset
//! change, the product, unit and agency be rescored, and the status say "saved".

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{App, Modal, NoteEdit, Screen, Status, UndoEntry};
use crate::domain::Value;
use crate::domain::text::sanitize;
use crate::tui::editor::TextArea;

/// Size and SHA-256 of a file, read in chunks.
pub fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// `~/x` as a path in the home dir; anything else as it is.
fn expand_home(reference: &str) -> PathBuf {
    match (reference.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(reference),
    }
}

impl App {
    /// The product and indicator under the cursor of the checklist.
    fn target(&mut self) -> Option<(usize, usize)> {
        match &self.screen {
            Screen::Checklist(c) => Some((c.product, c.indicator)),
            _ => {
                self.status = Status::Info(self.t().open_product_first.into());
                None
            }
        }
    }

    /// The target if it can be changed; a finalized product says how to reopen it.
    fn writable_target(&mut self) -> Option<(usize, usize)> {
        if self.refuse_read_only() {
            return None;
        }
        let (p, i) = self.target()?;
        if self.ds.products[p].finalized {
            let f = self
                .keys
                .first(crate::tui::action::Action::Finalize)
                .unwrap_or_default();
            self.status = Status::Error(self.t().read_only(&f));
            return None;
        }
        Some((p, i))
    }

    /// Records a value and/or a note; on success updates the data and the scores.
    /// Returns whether the store committed it.
    fn change(
        &mut self,
        p: usize,
        i: usize,
        value: Option<Value>,
        note: Option<&str>,
        undoable: bool,
    ) -> bool {
        let product = self.product_ref(p);
        let instrument = self.ds.instrument_of_product(p);
        let indicator = instrument.indicators[i].clone();
        match self.store.record(&product, &indicator, value, note) {
            Ok(outcome) => {
                let new_value = value.unwrap_or(outcome.old_value);
                let prod = &mut self.ds.products[p];
                prod.values[i] = new_value;
                if let Some(n) = note {
                    prod.notes[i] = n.to_string();
                }
                self.book.update_product(&self.ds, p);
                if undoable && outcome.audit_rows > 0 {
                    self.undo.push(UndoEntry {
                        product: p,
                        indicator: i,
                        value: outcome.old_value,
                        note: outcome.old_note,
                    });
                }
                let code = sanitize(&self.ds.products[p].code).into_owned();
                let id = sanitize(&indicator.id).into_owned();
                self.status = Status::Saved(if value.is_some() {
                    self.t().saved(&code, &id, &self.value_text(p, i))
                } else {
                    self.t().note_saved(&code, &id)
                });
                true
            }
            Err(e) => {
                tracing::warn!("change refused: {e}");
                self.status = Status::Error(e.to_string());
                false
            }
        }
    }

    /// The value of an indicator as the checklist writes it (`✓`, `2/3`, `N/A`).
    pub fn value_text(&self, p: usize, i: usize) -> String {
        let ind = &self.ds.instrument_of_product(p).indicators[i];
        let t = self.t();
        match self.ds.products[p].values[i] {
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
        let max = self.ds.instrument_of_product(p).indicators[i].max;
        let new = match self.ds.products[p].values[i] {
            Value::Level(v) if v >= max => Value::Level(0),
            _ => Value::Level(max),
        };
        self.change(p, i, Some(new), None, true);
    }

    pub(super) fn set_value(&mut self, v: u32) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let max = self.ds.instrument_of_product(p).indicators[i].max;
        if v > max {
            self.status = Status::Error(self.t().out_of_range(v, max));
            return;
        }
        self.change(p, i, Some(Value::Level(v)), None, true);
    }

    pub(super) fn not_applicable(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        let new = match self.ds.products[p].values[i] {
            Value::NotApplicable => Value::Unanswered,
            _ => Value::NotApplicable,
        };
        self.change(p, i, Some(new), None, true);
    }

    pub(super) fn clear_value(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.change(p, i, Some(Value::Unanswered), None, true);
    }

    pub(super) fn open_note(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Note(NoteEdit {
            product: p,
            indicator: i,
            editor: TextArea::new(&self.ds.products[p].notes[i], true),
        });
    }

    pub(super) fn save_note(&mut self, edit: NoteEdit) {
        if !edit.editor.modified() {
            self.status = Status::Info(self.t().note_unchanged.into());
            return;
        }
        let text = edit.editor.text();
        let text = text.trim_end();
        if !self.change(edit.product, edit.indicator, None, Some(text), true) {
            // Keep what was written: nothing is lost when the store refuses.
            self.modal = Modal::Note(edit);
        }
    }

    pub(super) fn open_evidence(&mut self) {
        let Some((p, i)) = self.writable_target() else {
            return;
        };
        self.modal = Modal::Evidence {
            product: p,
            indicator: i,
            input: TextArea::new("", false),
        };
    }

    pub(super) fn save_evidence(&mut self, p: usize, i: usize, input: TextArea) {
        let reference = input.text().trim().to_string();
        if reference.is_empty() {
            self.status = Status::Error(self.t().evidence_empty.into());
            self.modal = Modal::Evidence {
                product: p,
                indicator: i,
                input,
            };
            return;
        }
        let path = expand_home(&reference);
        let file = if path.is_file() {
            match file_digest(&path) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.status = Status::Error(self.t().evidence_unreadable(
                        &sanitize(&path.display().to_string()),
                        &e.to_string(),
                    ));
                    self.modal = Modal::Evidence {
                        product: p,
                        indicator: i,
                        input,
                    };
                    return;
                }
            }
        } else {
            None
        };
        let product = self.product_ref(p);
        let indicator = self.ds.instrument_of_product(p).indicators[i].clone();
        match self
            .store
            .add_evidence(&product, &indicator, &reference, file.clone())
        {
            Ok(()) => {
                self.ds.products[p].evidence[i] += 1;
                self.load_evidence();
                let shown = sanitize(&reference).into_owned();
                self.status = Status::Saved(match file {
                    Some((size, hash)) => self.t().evidence_file_saved(&shown, size, &hash[..12]),
                    None => self.t().evidence_ref_saved(&shown),
                });
            }
            Err(e) => {
                self.status = Status::Error(e.to_string());
                self.modal = Modal::Evidence {
                    product: p,
                    indicator: i,
                    input,
                };
            }
        }
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
        let here = matches!(&self.screen, super::Screen::Checklist(c) if c.product == p);
        if here {
            if let Screen::Checklist(c) = &mut self.screen {
                c.indicator = i;
            }
            self.load_evidence();
            self.keep_in_view();
        } else {
            self.open_checklist(p, Some(i));
        }
        if self.ds.products[p].finalized {
            let f = self
                .keys
                .first(crate::tui::action::Action::Finalize)
                .unwrap_or_default();
            self.status = Status::Error(self.t().read_only(&f));
            self.undo.push(entry);
            return;
        }
        if self.change(p, i, Some(entry.value), Some(&entry.note), false) {
            if let Status::Saved(msg) = &self.status {
                self.status = Status::Saved(self.t().undone(msg));
            }
        } else {
            self.undo.push(entry);
        }
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

    pub(super) fn finalize(&mut self, p: usize) {
        match self.store.finalize(&self.product_ref(p)) {
            Ok(()) => {
                self.ds.products[p].finalized = true;
                self.status =
                    Status::Saved(self.t().finalized(&sanitize(&self.ds.product_path(p))));
            }
            Err(e) => self.status = Status::Error(e.to_string()),
        }
    }

    pub(super) fn reopen(&mut self, p: usize, input: TextArea) {
        let reason = input.text();
        if reason.trim().is_empty() {
            self.status = Status::Error(self.t().reason_needed.into());
            self.modal = Modal::Reopen { product: p, input };
            return;
        }
        match self.store.reopen(&self.product_ref(p), &reason) {
            Ok(()) => {
                self.ds.products[p].finalized = false;
                self.status = Status::Saved(self.t().reopened(&sanitize(&self.ds.product_path(p))));
            }
            Err(e) => {
                self.status = Status::Error(e.to_string());
                self.modal = Modal::Reopen { product: p, input };
            }
        }
    }
}

impl App {
    /// X: asks where to write the signed export of everything in this database.
    pub(super) fn open_export(&mut self) {
        let date = time::OffsetDateTime::now_utc().date();
        let who: String = self
            .store
            .who()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let dir = std::env::var_os("HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        let default = dir.join(format!("patuh-{who}-{date}.patuh"));
        self.modal = Modal::Export {
            input: TextArea::new(&default.display().to_string(), false),
        };
    }

    /// Writes the signed export (atomically) and says where, or why not.
    pub(super) fn export(&mut self, input: TextArea) {
        let path = expand_home(input.text().trim());
        if path.as_os_str().is_empty() {
            self.modal = Modal::Export { input };
            return;
        }
        use crate::exchange::{export, keys};
        let dir = match &self.keys_dir {
            Some(dir) => Ok(dir.clone()),
            None => keys::keys_dir(),
        };
        let exported = dir
            .and_then(|dir| keys::Identity::load(&dir))
            .and_then(|identity| export::export_with(&self.store, &identity, &path, &[], None));
        match exported {
            Ok(s) => {
                self.status = Status::Saved(self.t().exported(
                    &sanitize(&s.path.display().to_string()),
                    s.products,
                    &s.fingerprint,
                ))
            }
            Err(e) => self.status = Status::Error(sanitize(&e.to_string()).into_owned()),
        }
    }
}
