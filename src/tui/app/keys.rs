//! What a key does: resolved by the key map of the window in front (the lists' when
//! none is open), then applied. In an editor, a prompt, the filter or the search a key
//! bound to nothing types its character, so typed letters never run commands. The
//! windows that list something (the finalize question, the evidence to remove, the
//! history) move with the lists' up/down keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Item, Modal, Status};
use crate::tui::action::{Action, ConfirmAction, EditorAction, FilterAction, PromptAction};
use crate::tui::editor::TextArea;
use crate::tui::effect::{Attach, Effect, PathFor};
use crate::tui::keymap::KeyMap;

impl App {
    /// A key, resolved by the key map of the mode in force.
    pub(super) fn key(&mut self, key: KeyEvent) {
        match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::None => {
                if let Some(action) = self.keymap.normal.resolve(&key) {
                    self.action(action);
                }
            }
            Modal::Help { scroll } => {
                self.modal = Modal::Help { scroll };
                match self.keymap.normal.resolve(&key) {
                    Some(Action::Down) => self.scroll_help(1),
                    Some(Action::Up) => self.scroll_help(-1),
                    Some(Action::PageDown) => self.scroll_help(10),
                    Some(Action::PageUp) => self.scroll_help(-10),
                    Some(Action::Top) => self.modal = Modal::Help { scroll: 0 },
                    Some(Action::Bottom) => self.scroll_help(i32::from(u16::MAX)),
                    Some(Action::Language) => self.action(Action::Language),
                    Some(Action::Help | Action::Back | Action::Quit | Action::Open) => {
                        self.modal = Modal::None
                    }
                    _ => {}
                }
            }
            Modal::Filter => {
                self.modal = Modal::Filter;
                match self.keymap.filter.resolve(&key) {
                    Some(a) => self.filter_action(a),
                    None => {
                        if let Some(c) = typed(&key) {
                            self.filter_type(c);
                        }
                    }
                }
            }
            Modal::Search(mut search) => match self.keymap.filter.resolve(&key) {
                Some(FilterAction::Done) => self.jump_to_hit(search),
                Some(FilterAction::Cancel) => {}
                Some(FilterAction::Up) => {
                    search.selected = search.selected.saturating_sub(1);
                    self.modal = Modal::Search(search);
                }
                Some(FilterAction::Down) => {
                    search.selected =
                        (search.selected + 1).min(search.hits.len().saturating_sub(1));
                    self.modal = Modal::Search(search);
                }
                Some(FilterAction::PageUp) => {
                    search.selected = search.selected.saturating_sub(10);
                    self.modal = Modal::Search(search);
                }
                Some(FilterAction::PageDown) => {
                    search.selected =
                        (search.selected + 10).min(search.hits.len().saturating_sub(1));
                    self.modal = Modal::Search(search);
                }
                Some(FilterAction::DeleteBack) => {
                    search.input.backspace();
                    self.modal = Modal::Search(search);
                    self.search_again();
                }
                Some(FilterAction::ClearText) => {
                    search.input = TextArea::new("", false);
                    self.modal = Modal::Search(search);
                    self.search_again();
                }
                None => {
                    if let Some(c) = typed(&key) {
                        search.input.insert_char(c);
                    }
                    self.modal = Modal::Search(search);
                    self.search_again();
                }
            },
            Modal::Note(mut edit) => match self.keymap.editor.resolve(&key) {
                Some(EditorAction::Save) => self.save_note(edit),
                Some(EditorAction::Cancel) => {
                    self.modal = if edit.editor.modified() {
                        Modal::ConfirmDiscard(edit)
                    } else {
                        Modal::None
                    };
                }
                Some(a) => {
                    editor_action(&mut edit.editor, a);
                    self.modal = Modal::Note(edit);
                }
                None => {
                    if let Some(c) = typed(&key) {
                        edit.editor.insert_char(c);
                    }
                    self.modal = Modal::Note(edit);
                }
            },
            Modal::ConfirmDiscard(edit) => match self.keymap.confirm.resolve(&key) {
                Some(ConfirmAction::Yes) => {
                    self.status = Status::Info(self.t().note_discarded.into());
                }
                _ => self.modal = Modal::Note(edit),
            },
            Modal::Evidence {
                node,
                indicator,
                input,
                digest: Some(d),
                choices,
            } => {
                if self.keymap.prompt.resolve(&key) == Some(PromptAction::Cancel) {
                    self.effects.push(Effect::CancelDigest { job: d.job });
                    self.status = Status::Info(self.t().digest_cancelled.into());
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: None,
                        choices,
                    };
                } else {
                    // Reading: only the cancel key does anything.
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: Some(d),
                        choices,
                    };
                }
            }
            Modal::Evidence {
                node,
                indicator,
                mut input,
                digest: None,
                choices,
            } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.save_evidence(node, indicator, input),
                Some(PromptAction::Cancel) => {}
                Some(PromptAction::Complete) => {
                    self.effects.push(Effect::CompletePath {
                        typed: input.text(),
                        purpose: PathFor::Evidence,
                    });
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: None,
                        choices,
                    }
                }
                edited => {
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: None,
                        // What Tab found belongs to what was typed then.
                        choices: if edited.is_none() {
                            Vec::new()
                        } else {
                            choices
                        },
                    }
                }
            },
            Modal::ConfirmDocument {
                node,
                indicator,
                input,
            } => match self.keymap.confirm.resolve(&key) {
                Some(ConfirmAction::Yes) => {
                    let attach = Attach {
                        node,
                        indicator,
                        target: self.store_node(node),
                        definition: self.indicator_def(node, indicator).clone(),
                        reference: input.text().trim().to_string(),
                        file: None,
                    };
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: None,
                        choices: Vec::new(),
                    };
                    self.effects.push(Effect::Attach(attach));
                }
                _ => {
                    self.modal = Modal::Evidence {
                        node,
                        indicator,
                        input,
                        digest: None,
                        choices: Vec::new(),
                    }
                }
            },
            Modal::PickEvidence {
                node,
                indicator,
                rows,
                mut selected,
            } => match self.keymap.normal.resolve(&key) {
                Some(Action::Up) => {
                    selected = selected.saturating_sub(1);
                    self.modal = Modal::PickEvidence {
                        node,
                        indicator,
                        rows,
                        selected,
                    };
                }
                Some(Action::Down) => {
                    selected = (selected + 1).min(rows.len().saturating_sub(1));
                    self.modal = Modal::PickEvidence {
                        node,
                        indicator,
                        rows,
                        selected,
                    };
                }
                Some(Action::Open | Action::RemoveEvidence) => {
                    if let Some(row) = rows.get(selected).cloned() {
                        self.modal = Modal::ConfirmRemove {
                            node,
                            indicator,
                            row,
                        };
                    }
                }
                Some(Action::Back | Action::Quit) => {
                    self.status = Status::Info(self.t().cancelled.into())
                }
                _ => {
                    self.modal = Modal::PickEvidence {
                        node,
                        indicator,
                        rows,
                        selected,
                    }
                }
            },
            Modal::ConfirmRemove {
                node,
                indicator,
                row,
            } => match self.keymap.confirm.resolve(&key) {
                Some(ConfirmAction::Yes) => self.remove_evidence(node, indicator, row),
                _ => self.status = Status::Info(self.t().cancelled.into()),
            },
            Modal::ConfirmFinalize { node, mut selected } => {
                match self.keymap.confirm.resolve(&key) {
                    Some(ConfirmAction::Yes) => self.finalize(node),
                    Some(ConfirmAction::No) => {
                        self.status = Status::Info(self.t().cancelled.into())
                    }
                    None => {
                        let missing = self.unanswered_at(node).len();
                        match self.keymap.normal.resolve(&key) {
                            Some(Action::Up) => selected = selected.saturating_sub(1),
                            Some(Action::Down) => {
                                selected = (selected + 1).min(missing.saturating_sub(1))
                            }
                            Some(Action::Open) if missing > 0 => {
                                let i = self.unanswered_at(node)[selected.min(missing - 1)];
                                self.show_node(node, Some(Item::Indicator(i)));
                                return;
                            }
                            // Any other key cancels, as it always did.
                            _ => {
                                self.status = Status::Info(self.t().cancelled.into());
                                return;
                            }
                        }
                        self.modal = Modal::ConfirmFinalize { node, selected };
                    }
                }
            }
            Modal::Export { mut input, choices } => {
                match prompt_key(&self.keymap, &key, &mut input) {
                    Some(PromptAction::Submit) => self.export(input),
                    Some(PromptAction::Cancel) => {
                        self.status = Status::Info(self.t().cancelled.into())
                    }
                    Some(PromptAction::Complete) => {
                        self.effects.push(Effect::CompletePath {
                            typed: input.text(),
                            purpose: PathFor::Export,
                        });
                        self.modal = Modal::Export { input, choices };
                    }
                    edited => {
                        let choices = if edited.is_none() {
                            Vec::new()
                        } else {
                            choices
                        };
                        self.modal = Modal::Export { input, choices }
                    }
                }
            }
            Modal::Reopen { node, mut input } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.reopen(node, input),
                Some(PromptAction::Cancel) => self.status = Status::Info(self.t().cancelled.into()),
                _ => self.modal = Modal::Reopen { node, input },
            },
            Modal::Assessor { mut input } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.set_assessor(input),
                Some(PromptAction::Cancel) => {
                    self.status = Status::Info(self.t().assessor_later(&self.who));
                }
                _ => self.modal = Modal::Assessor { input },
            },
            Modal::AddRespondent {
                node,
                role,
                mut input,
            } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.submit_respondent(node, role, input),
                Some(PromptAction::Cancel) => self.status = Status::Info(self.t().cancelled.into()),
                _ => self.modal = Modal::AddRespondent { node, role, input },
            },
            Modal::RemoveRespondent {
                node,
                respondent,
                mut input,
            } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.submit_removal(node, respondent, input),
                Some(PromptAction::Cancel) => self.status = Status::Info(self.t().cancelled.into()),
                _ => {
                    self.modal = Modal::RemoveRespondent {
                        node,
                        respondent,
                        input,
                    }
                }
            },
            Modal::ConfirmMore { node, role } => match self.keymap.confirm.resolve(&key) {
                Some(ConfirmAction::Yes) => self.add_respondent(node, role, String::new(), false),
                // No: the role is done; back to its roster.
                _ => self.show_roster(node, role, None),
            },
            Modal::Data {
                node,
                indicator,
                mut input,
                amount,
            } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.submit_data(node, indicator, input, amount),
                Some(PromptAction::Cancel) => self.status = Status::Info(self.t().cancelled.into()),
                _ => {
                    self.modal = Modal::Data {
                        node,
                        indicator,
                        input,
                        amount,
                    }
                }
            },
            Modal::History {
                node,
                indicator,
                rows,
                scroll,
            } => {
                let mut scroll = i32::from(scroll);
                let page = (self.page() as i32).max(1);
                match self.keymap.normal.resolve(&key) {
                    Some(Action::Down) => scroll += 1,
                    Some(Action::Up) => scroll -= 1,
                    Some(Action::PageDown) => scroll += page,
                    Some(Action::PageUp) => scroll -= page,
                    Some(Action::Top) => scroll = 0,
                    Some(Action::Bottom) => scroll = i32::from(u16::MAX),
                    Some(Action::NextPane) => {
                        // The whole node, or back to the indicator of the checklist.
                        let indicator = match indicator {
                            Some(_) => None,
                            None => self.checklist().and_then(|c| c.indicator()),
                        };
                        self.load_history(node, indicator);
                        return;
                    }
                    Some(Action::Back | Action::Quit | Action::Open | Action::History) => {
                        return;
                    }
                    _ => {}
                }
                // Two lines a row (see ui/find.rs).
                let max = (rows.len() * 2) as i32;
                self.modal = Modal::History {
                    node,
                    indicator,
                    rows,
                    scroll: scroll.clamp(0, max.max(0)) as u16,
                };
            }
        }
    }
}

/// The character a key types, if it types one (Ctrl combinations do not).
fn typed(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

/// A key in a one-line prompt: edits the input (None: a character typed), or returns
/// the action (`Submit`, `Cancel`, `Complete`: the caller's; an editing action: done).
fn prompt_key(km: &KeyMap, key: &KeyEvent, input: &mut TextArea) -> Option<PromptAction> {
    let action = km.prompt.resolve(key);
    match action {
        Some(PromptAction::Submit | PromptAction::Cancel | PromptAction::Complete) => {}
        Some(PromptAction::Left) => input.left(),
        Some(PromptAction::Right) => input.right(),
        Some(PromptAction::LineStart) => input.home(),
        Some(PromptAction::LineEnd) => input.end(),
        Some(PromptAction::DeleteBack) => {
            input.backspace();
            return None;
        }
        Some(PromptAction::Delete) => {
            input.delete();
            return None;
        }
        None => {
            if let Some(c) = typed(key) {
                input.insert_char(c);
            }
        }
    }
    action
}

/// An editing action of the note editor (saving and cancelling are the caller's).
fn editor_action(editor: &mut TextArea, action: EditorAction) {
    match action {
        EditorAction::Newline => editor.newline(),
        EditorAction::Left => editor.left(),
        EditorAction::Right => editor.right(),
        EditorAction::Up => editor.up(),
        EditorAction::Down => editor.down(),
        EditorAction::LineStart => editor.home(),
        EditorAction::LineEnd => editor.end(),
        EditorAction::DeleteBack => editor.backspace(),
        EditorAction::Delete => editor.delete(),
        EditorAction::Save | EditorAction::Cancel => {}
    }
}

impl App {
    /// An action while typing the filter: the list follows every keystroke.
    fn filter_action(&mut self, action: FilterAction) {
        match action {
            FilterAction::Done => self.modal = Modal::None,
            FilterAction::Cancel => {
                self.modal = Modal::None;
                self.set_filter(String::new());
            }
            FilterAction::Up => self.move_by(-1),
            FilterAction::Down => self.move_by(1),
            FilterAction::PageUp => self.move_by(-(self.page() as i64)),
            FilterAction::PageDown => self.move_by(self.page() as i64),
            FilterAction::DeleteBack => {
                let mut f = self.filter_text().to_string();
                f.pop();
                self.set_filter(f);
            }
            FilterAction::ClearText => self.set_filter(String::new()),
        }
    }

    fn filter_type(&mut self, c: char) {
        if !crate::domain::text::is_unsafe_char(c) {
            let mut f = self.filter_text().to_string();
            f.push(c);
            self.set_filter(f);
        }
    }
}
