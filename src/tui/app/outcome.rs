//! What the state does with each [`Outcome`] the runtime feeds back: a committed
//! change updates the dataset, rescores its node, unit and agency, becomes
//! undoable and says "saved" (an answer also moves the cursor on, and a
//! questionnaire's last answer on to the next respondent); a refused one says
//! why in the UI's language and changes nothing (a note or a reason being written
//! stays in its window). Outcomes of requests the assessor has since abandoned (a
//! cancelled digest, a checklist left) are ignored.

use super::assess::Cell;
use super::find::ProductState;
use super::{App, Digesting, Item, Modal, Screen, Status};
use crate::domain::instrument::Source;
use crate::domain::model::{IndicatorIx, NodeRef, RespondentIx};
use crate::domain::text::sanitize;
use crate::tui::action::Action;
use crate::tui::editor::TextArea;
use crate::tui::effect::{
    Attach, Change, Edit, Effect, EvidenceAt, EvidenceMove, Failure, FileProblem, Named, Origin,
    Outcome, PathFor,
};

impl App {
    pub(super) fn outcome(&mut self, outcome: Outcome) {
        self.answer_returned(&outcome);
        match outcome {
            Outcome::Recorded { change, result } => match result {
                Ok(recorded) => self.recorded(change, recorded),
                Err(e) => {
                    tracing::warn!("change refused: {e:?}");
                    self.status = Status::Error(self.failure(&e));
                    match change.origin {
                        Origin::Undo(edit) => self.not_undone(edit, false),
                        Origin::Redo(edit) => self.not_undone(edit, true),
                        _ => {}
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
            Outcome::EvidenceMoved { mv, result } => self.evidence_moved(mv, result),
            Outcome::FinalSet {
                node,
                finalized,
                origin,
                result,
            } => self.final_set(node, finalized, origin, result),
            Outcome::EvidenceLoaded {
                node,
                indicator,
                result,
            } => match result {
                Ok(rows) => {
                    if let Screen::Checklist(c) = &mut self.screen
                        && (c.node, c.at) == (node, Item::Indicator(indicator))
                    {
                        c.evidence = rows;
                    }
                }
                Err(e) => self.status = Status::Error(self.failure(&e)),
            },
            Outcome::HistoryLoaded {
                node,
                indicator,
                result,
            } => match result {
                Ok(rows) => {
                    // Newest first: what the assessor looks for is what just happened.
                    let rows = rows.into_iter().rev().collect();
                    self.modal = Modal::History {
                        node,
                        indicator,
                        rows,
                        scroll: 0,
                    };
                }
                Err(e) => self.status = Status::Error(self.failure(&e)),
            },
            Outcome::AssessorSet(result) => match result {
                Ok(name) => {
                    if matches!(self.modal, Modal::Assessor { .. }) {
                        self.modal = Modal::None;
                    }
                    self.status = Status::Saved(self.t().assessor_saved(&sanitize(&name)));
                    self.who = name;
                }
                Err(e) => self.status = Status::Error(self.failure(&e)),
            },
            Outcome::ExportPathSuggested(path) => {
                self.modal = Modal::Export {
                    input: TextArea::new(&path, false),
                    choices: Vec::new(),
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
                Err(e) => self.status = Status::Error(self.failure(&e)),
            },
            Outcome::PathsCompleted {
                typed,
                purpose,
                paths,
            } => self.completed(&typed, purpose, paths),
            Outcome::Reloaded(ds) => self.reloaded(*ds),
            Outcome::CarriedConfirmed { confirm, result } => {
                self.carried_confirmed(confirm, result)
            }
            Outcome::ReturnedConfirmed {
                product,
                indicator,
                result,
            } => self.returned_confirmed(product, indicator, result),
            Outcome::RespondentAdded { add, result } => self.respondent_added(add, result),
            Outcome::RespondentRemoved { remove, result } => {
                self.respondent_removed(remove, result)
            }
            Outcome::DataRecorded { change, result } => self.data_recorded(change, result),
        }
    }

    /// The store committed a change: the data, the scores, undo, the status, and for an
    /// answer the cursor moves on.
    fn recorded(&mut self, change: Change, recorded: crate::store::RecordOutcome) {
        let (node, i, respondent) = (change.node, change.indicator, change.respondent);
        let new_value = change.value.unwrap_or(recorded.old_value);
        let kept = match (respondent, node) {
            (Some(r), _) => self.ds.set_respondent_value(node, r, i, new_value),
            (None, NodeRef::Product(p)) if change.value.is_some() => {
                // A product's value, in place as it always was.
                let prod = &mut self.ds.products[p];
                match prod.values.get_mut(crate::domain::model::Ix::index(i)) {
                    Some(v) => {
                        *v = new_value;
                        Ok(())
                    }
                    None => self.ds.set_value(node, i, new_value),
                }
            }
            (None, _) if change.value.is_some() => self.ds.set_value(node, i, new_value),
            (None, _) => Ok(()),
        };
        // A value recorded over a carried answer replaces it (the store cleared it too;
        // the product's in-place write above does not).
        if respondent.is_none() && change.value.is_some() && self.ds.carried(node, i).is_some() {
            let _ = self.ds.set_carried(node, i, None);
        }
        if let Err(e) = kept {
            tracing::warn!("change committed in the store, refused in memory: {e}");
        }
        // N/A or unanswered for a whole data indicator also clears its value (as the
        // store does).
        if respondent.is_none()
            && change.value.is_some()
            && matches!(change.definition.source, Source::Data { .. })
        {
            let _ = self.ds.set_data(node, i, None);
        }
        if let Some(n) = &change.note {
            let _ = self.ds.set_note(node, i, n.clone());
        }
        self.book.update(&self.ds, node);
        let cell = Cell {
            node,
            indicator: i,
            respondent,
        };
        let mut code = sanitize(self.node_code(node)).into_owned();
        if let Some(r) = respondent {
            code = format!("{code} · {}", self.respondent_name(node, r));
        }
        let id = sanitize(&change.definition.id).into_owned();
        let saved = if change.value.is_some() {
            self.t().saved(&code, &id, &self.cell_text(cell))
        } else {
            self.t().note_saved(&code, &id)
        };
        match change.origin {
            Origin::Undo(edit) => return self.undone(edit, false, None),
            Origin::Redo(edit) => return self.undone(edit, true, None),
            Origin::Note => {
                if matches!(&self.modal, Modal::Note(e) if (e.node, e.indicator) == (node, i)) {
                    self.modal = Modal::None;
                }
            }
            Origin::Key { .. } | Origin::Shutdown => {}
        }
        if change.origin != Origin::Shutdown {
            if change.value.is_some() && new_value != recorded.old_value {
                self.done(Edit::Value {
                    node,
                    respondent,
                    indicator: i,
                    before: recorded.old_value,
                    after: new_value,
                });
            }
            if let Some(n) = change.note
                && n != recorded.old_note
            {
                self.done(Edit::Note {
                    node,
                    indicator: i,
                    before: recorded.old_note,
                    after: n,
                });
            }
        }
        self.status = Status::Saved(saved);
        if change.origin == (Origin::Key { advance: true }) {
            self.answered(node, respondent, i);
        }
    }

    /// After an answer: the cursor moves on to the next indicator shown that takes an
    /// answer here (if it is still on the one answered); after a questionnaire's last
    /// question, on to the next respondent; a product just completed says what comes
    /// next.
    fn answered(&mut self, node: NodeRef, respondent: Option<RespondentIx>, i: IndicatorIx) {
        let on_it = matches!(&self.screen, Screen::Checklist(c)
            if (c.node, c.respondent, c.at) == (node, respondent, Item::Indicator(i)));
        if !on_it || !matches!(self.modal, Modal::None) {
            return;
        }
        if self.advance {
            let moved = self.advance_cursor();
            if !moved && let Some(r) = respondent {
                let last = self
                    .checklist()
                    .map(|c| self.shown_indicators(c).last() == Some(&i))
                    .unwrap_or(false);
                if last {
                    self.next_respondent(node, r);
                    return;
                }
            }
        }
        if let NodeRef::Product(p) = node
            && self.product_state(p) == ProductState::Complete
            && let Status::Saved(saved) = &self.status
        {
            let km = &self.keymap;
            let more = self
                .t()
                .complete_next(&km.key(Action::Finalize), &km.key(Action::NextUnanswered));
            self.status = Status::Saved(format!("{saved} · {more}"));
        }
    }

    /// What the evidence reference names is known (the file read): attach it, or ask
    /// whether it is a document number, unless the assessor cancelled meanwhile.
    fn digested(&mut self, job: u64, path: &str, result: Result<Named, Failure>) {
        let Modal::Evidence {
            node,
            indicator,
            input,
            digest: Some(d),
            ..
        } = &mut self.modal
        else {
            return;
        };
        if d.job != job {
            return;
        }
        let (p, i) = (*node, *indicator);
        let reference = input.text().trim().to_string();
        if let Modal::Evidence { digest, .. } = &mut self.modal {
            *digest = None;
        }
        match result {
            Ok(Named::File(file)) => {
                let attach = Attach {
                    node: p,
                    indicator: i,
                    target: self.store_node(p),
                    definition: self.indicator_def(p, i).clone(),
                    reference,
                    file: Some(file),
                };
                self.effects.push(Effect::Attach(attach));
            }
            Ok(Named::Nothing) => {
                if let Modal::Evidence { input, .. } =
                    std::mem::replace(&mut self.modal, Modal::None)
                {
                    self.modal = Modal::ConfirmDocument {
                        node: p,
                        indicator: i,
                        input,
                    };
                }
            }
            Err(e) => {
                let t = self.t();
                let shown = sanitize(path);
                self.status = Status::Error(match &e {
                    Failure::File {
                        problem: FileProblem::Special(kind),
                        ..
                    } => t.evidence_special(&shown, *kind),
                    Failure::File { problem, .. } => {
                        t.evidence_unreadable(&shown, &t.file_problem(problem))
                    }
                    other => t.evidence_unreadable(&shown, &t.failure(other)),
                });
            }
        }
    }

    fn attached(&mut self, attach: Attach, result: Result<i64, Failure>) {
        let (p, i) = (attach.node, attach.indicator);
        match result {
            Ok(id) => {
                let count = self.ds.evidence_count(p, i);
                let _ = self.ds.set_evidence_count(p, i, count + 1);
                if matches!(self.modal, Modal::Evidence { node, indicator, .. }
                    if (node, indicator) == (p, i))
                {
                    self.modal = Modal::None;
                }
                self.load_evidence();
                let shown = sanitize(&attach.reference).into_owned();
                self.status = Status::Saved(match &attach.file {
                    Some(f) => self.t().evidence_file_saved(
                        &shown,
                        f.size,
                        &f.sha256[..f.sha256.len().min(12)],
                    ),
                    None => self.t().evidence_ref_saved(&shown),
                });
                self.done(Edit::Evidence {
                    node: p,
                    indicator: i,
                    reference: attach.reference,
                    added: true,
                    at: EvidenceAt::Attached(id),
                });
            }
            Err(e) => self.status = Status::Error(self.failure(&e)),
        }
    }

    fn evidence_moved(&mut self, mv: EvidenceMove, result: Result<EvidenceAt, Failure>) {
        let (p, i) = (mv.node, mv.indicator);
        match result {
            Ok(now) => {
                // Every edit about this reference follows it to where it is now (an
                // id it had may be given to another reference later).
                for e in self.undo.iter_mut().chain(self.redo.iter_mut()) {
                    if let Edit::Evidence { at, .. } = e
                        && *at == mv.from
                    {
                        *at = now;
                    }
                }
                let count = self.ds.evidence_count(p, i);
                let count = match now {
                    EvidenceAt::Attached(_) => count + 1,
                    EvidenceAt::Removed(_) => count.saturating_sub(1),
                };
                let _ = self.ds.set_evidence_count(p, i, count);
                if matches!(&self.screen, Screen::Checklist(c) if (c.node, c.at) == (p, Item::Indicator(i)))
                {
                    self.load_evidence();
                }
                match mv.origin {
                    Origin::Undo(edit) => self.undone(edit, false, Some(now)),
                    Origin::Redo(edit) => self.undone(edit, true, Some(now)),
                    _ => {
                        let code = sanitize(self.node_code(p)).into_owned();
                        let id = sanitize(&self.indicator_def(p, i).id).into_owned();
                        self.status = Status::Saved(self.t().evidence_removed(
                            &sanitize(&mv.reference),
                            &code,
                            &id,
                        ));
                        self.done(Edit::Evidence {
                            node: p,
                            indicator: i,
                            reference: mv.reference,
                            added: false,
                            at: now,
                        });
                    }
                }
            }
            Err(e) => {
                self.status = Status::Error(self.failure(&e));
                match mv.origin {
                    Origin::Undo(edit) => self.not_undone(edit, false),
                    Origin::Redo(edit) => self.not_undone(edit, true),
                    _ => {}
                }
            }
        }
    }

    fn final_set(
        &mut self,
        p: NodeRef,
        finalized: bool,
        origin: Origin,
        result: Result<(), Failure>,
    ) {
        match result {
            Ok(()) => {
                self.ds.set_finalized(p, finalized);
                if matches!(self.modal, Modal::Reopen { node, .. } if node == p) {
                    self.modal = Modal::None;
                }
                let path = sanitize(&self.ds.node_path(p)).into_owned();
                match origin {
                    Origin::Undo(edit) => return self.undone(edit, false, None),
                    Origin::Redo(edit) => return self.undone(edit, true, None),
                    _ => {}
                }
                self.status = Status::Saved(if finalized {
                    self.t().finalized(&path)
                } else {
                    self.t().reopened(&path)
                });
                self.done(Edit::Final { node: p, finalized });
            }
            Err(e) => {
                self.status = Status::Error(self.failure(&e));
                match origin {
                    Origin::Undo(edit) => self.not_undone(edit, false),
                    Origin::Redo(edit) => self.not_undone(edit, true),
                    _ => {}
                }
            }
        }
    }

    /// Tab's paths for what was typed: one completes it; several complete what they
    /// share and are listed; none says so.
    fn completed(&mut self, typed: &str, purpose: PathFor, paths: Vec<String>) {
        let (input, choices) = match (&mut self.modal, purpose) {
            (
                Modal::Evidence {
                    input,
                    choices,
                    digest: None,
                    ..
                },
                PathFor::Evidence,
            )
            | (Modal::Export { input, choices }, PathFor::Export) => (input, choices),
            _ => return,
        };
        if input.text() != typed {
            return; // typed on meanwhile
        }
        if paths.is_empty() {
            self.status = Status::Info(self.t().no_completion(&sanitize(typed)));
            return;
        }
        let shared = common_prefix(&paths);
        if shared.len() > typed.len() {
            *input = TextArea::new(&shared, false);
        }
        *choices = if paths.len() > 1 { paths } else { Vec::new() };
    }
}

/// The longest prefix all paths share (at a character boundary).
fn common_prefix(paths: &[String]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut end = first.len();
    for p in &paths[1..] {
        end = first
            .char_indices()
            .zip(p.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(end);
    }
    first[..end].to_string()
}
