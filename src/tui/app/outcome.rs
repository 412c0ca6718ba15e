//! What the state does with each [`Outcome`] the runtime feeds back: a committed
//! change updates the dataset, rescores its product, unit and agency and says
//! "saved"; a refused one says why and changes nothing (a note or a reason being
//! written stays in its window). Outcomes of requests the assessor has since
//! abandoned (a cancelled digest, a checklist left) are ignored.

use super::{App, Digesting, Modal, Screen, Status};
use crate::domain::model::Ix;
use crate::domain::text::sanitize;
use crate::tui::editor::TextArea;
use crate::tui::effect::{Attach, Change, Effect, Origin, Outcome, UndoEntry};

impl App {
    pub(super) fn outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Recorded { change, result } => match result {
                Ok(recorded) => self.recorded(change, recorded),
                Err(e) => {
                    tracing::warn!("change refused: {e}");
                    self.status = Status::Error(e);
                    if let Origin::Undo(entry) = change.origin {
                        self.undo.push(entry);
                    }
                }
            },
            Outcome::DigestProgress { job, done, total } => {
                if let Modal::Evidence {
                    digest: Some(d), ..
                } = &mut self.modal
                    && d.job == job
                {
                    *d = Digesting { job, done, total };
                }
            }
            Outcome::Digested { job, path, result } => self.digested(job, &path, result),
            Outcome::Attached { attach, result } => self.attached(attach, result),
            Outcome::FinalSet {
                product: p,
                finalized,
                result,
            } => match result {
                Ok(()) => {
                    self.ds.products[p].finalized = finalized;
                    let path = sanitize(&self.ds.product_path(p)).into_owned();
                    if finalized {
                        self.status = Status::Saved(self.t().finalized(&path));
                    } else {
                        if matches!(self.modal, Modal::Reopen { product, .. } if product == p) {
                            self.modal = Modal::None;
                        }
                        self.status = Status::Saved(self.t().reopened(&path));
                    }
                }
                Err(e) => self.status = Status::Error(e),
            },
            Outcome::EvidenceLoaded {
                product,
                indicator,
                result,
            } => match result {
                Ok(rows) => {
                    if let Screen::Checklist(c) = &mut self.screen
                        && (c.product, c.indicator) == (product, indicator)
                    {
                        c.evidence = rows;
                    }
                }
                Err(e) => self.status = Status::Error(e),
            },
            Outcome::ExportPathSuggested(path) => {
                self.modal = Modal::Export {
                    input: TextArea::new(&path, false),
                }
            }
            Outcome::Exported(result) => match result {
                Ok(done) => {
                    self.status = Status::Saved(self.t().exported(
                        &sanitize(&done.path),
                        done.products,
                        &done.fingerprint,
                    ))
                }
                Err(e) => self.status = Status::Error(sanitize(&e).into_owned()),
            },
            Outcome::Reloaded(ds) => self.reloaded(*ds),
        }
    }

    /// The store committed a change: the data, the scores, the undo stack, the status.
    fn recorded(&mut self, change: Change, recorded: crate::store::RecordOutcome) {
        let (p, i) = (change.product, change.indicator);
        let prod = &mut self.ds.products[p];
        prod.values[i.index()] = change.value.unwrap_or(recorded.old_value);
        if let Some(n) = &change.note {
            prod.notes[i.index()] = n.clone();
        }
        self.book.update_product(&self.ds, p);
        let code = sanitize(&self.ds.products[p].code).into_owned();
        let id = sanitize(&change.definition.id).into_owned();
        let saved = if change.value.is_some() {
            self.t().saved(&code, &id, &self.value_text(p, i))
        } else {
            self.t().note_saved(&code, &id)
        };
        match change.origin {
            Origin::Undo(_) => {
                self.status = Status::Saved(self.t().undone(&saved));
                return;
            }
            Origin::Note => {
                if matches!(&self.modal, Modal::Note(e) if (e.product, e.indicator) == (p, i)) {
                    self.modal = Modal::None;
                }
            }
            Origin::Key | Origin::Shutdown => {}
        }
        if recorded.audit_rows > 0 {
            self.undo.push(UndoEntry {
                product: p,
                indicator: i,
                value: recorded.old_value,
                note: recorded.old_note,
            });
        }
        self.status = Status::Saved(saved);
    }

    /// The evidence file was read (or named no file): attach it, unless the assessor
    /// cancelled meanwhile.
    fn digested(
        &mut self,
        job: u64,
        path: &str,
        result: Result<Option<crate::tui::effect::FileDigest>, String>,
    ) {
        let Modal::Evidence {
            product,
            indicator,
            input,
            digest: Some(d),
        } = &mut self.modal
        else {
            return;
        };
        if d.job != job {
            return;
        }
        let (p, i) = (*product, *indicator);
        let reference = input.text().trim().to_string();
        if let Modal::Evidence { digest, .. } = &mut self.modal {
            *digest = None;
        }
        match result {
            Ok(file) => {
                let attach = Attach {
                    product: p,
                    indicator: i,
                    target: self.product_ref(p),
                    definition: self.ds.indicator(p, i).clone(),
                    reference,
                    file,
                };
                self.effects.push(Effect::Attach(attach));
            }
            Err(e) => {
                self.status = Status::Error(self.t().evidence_unreadable(&sanitize(path), &e));
            }
        }
    }

    fn attached(&mut self, attach: Attach, result: Result<(), String>) {
        let (p, i) = (attach.product, attach.indicator);
        match result {
            Ok(()) => {
                self.ds.products[p].evidence[i.index()] += 1;
                if matches!(self.modal, Modal::Evidence { product, indicator, .. }
                    if (product, indicator) == (p, i))
                {
                    self.modal = Modal::None;
                }
                self.load_evidence();
                let shown = sanitize(&attach.reference).into_owned();
                self.status = Status::Saved(match attach.file {
                    Some(f) => self.t().evidence_file_saved(
                        &shown,
                        f.size,
                        &f.sha256[..f.sha256.len().min(12)],
                    ),
                    None => self.t().evidence_ref_saved(&shown),
                });
            }
            Err(e) => self.status = Status::Error(e),
        }
    }
}
