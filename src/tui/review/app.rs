//! The reviewer's workstation, its state, pure: what is shown (the submissions per
//! assessor and agency, a product's answers side by side), the prompt being typed,
//! and [`ReviewApp::key`] / [`ReviewApp::outcome`], which change it and return the
//! [`ReviewEffect`]s to carry out (the runtime, `runtime.rs`, does them on the
//! central database and feeds back a [`ReviewOutcome`]). Nothing here reads a file, a
//! clock or the terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::Lang;
use crate::domain::review::ReviewState;
use crate::tui::editor::TextArea;

/// One product with merged results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub path: String,
    pub name: String,
    pub agency: String,
    /// The assessors with a result, the one whose result counts first.
    pub assessors: Vec<String>,
    pub state: ReviewState,
    pub answered: u64,
    pub total: u64,
    /// The indicators the assessors answered differently.
    pub conflicts: Vec<String>,
}

/// One assessor's answer to a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub assessor: String,
    /// As the checklist shows it (`[✓]`, `2/3`, `N/A`, `[ ]`).
    pub value: String,
    pub note: String,
    pub evidence: Vec<String>,
}

/// One indicator of a product with every assessor's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellView {
    pub indicator: String,
    pub label: String,
    pub sides: Vec<Side>,
    /// The consolidated value (the one that counts).
    pub used: String,
    /// How a conflict on it was resolved, if it was.
    pub resolved: Option<String>,
    pub conflict: bool,
}

/// What is on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The submissions.
    List,
    /// One product's answers side by side.
    Cells {
        path: String,
        cells: Vec<CellView>,
        selected: usize,
        /// The assessor column chosen (for taking a side).
        side: usize,
        offset: usize,
    },
}

/// A line being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    None,
    /// The comment of a return (on an indicator, or on the product as a whole).
    Comment {
        path: String,
        indicator: Option<String>,
        input: TextArea,
    },
    /// The reason for taking one assessor's value.
    Reason {
        path: String,
        indicator: String,
        assessor: String,
        input: TextArea,
    },
}

/// What the state asks of the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewEffect {
    /// Read the submissions again.
    Reload,
    /// Read a product's answers side by side.
    LoadCells {
        path: String,
    },
    Approve {
        path: String,
    },
    Return {
        path: String,
        indicator: Option<String>,
        comment: String,
    },
    Take {
        path: String,
        indicator: String,
        assessor: String,
        reason: String,
    },
}

/// What the runtime did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    Loaded(Vec<Submission>),
    Cells {
        path: String,
        cells: Vec<CellView>,
    },
    /// A decision recorded (a message to show), or refused (why).
    Done(Result<String, String>),
}

/// The reviewer's workstation.
#[derive(Debug, Clone)]
pub struct ReviewApp {
    pub lang: Lang,
    pub rows: Vec<Submission>,
    pub selected: usize,
    pub offset: usize,
    pub view: View,
    pub prompt: Prompt,
    /// The status line: (is it an error, the text).
    pub status: Option<(bool, String)>,
    pub quit: bool,
    pub size: (u16, u16),
}

impl ReviewApp {
    pub fn new(lang: Lang) -> ReviewApp {
        ReviewApp {
            lang,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            view: View::List,
            prompt: Prompt::None,
            status: None,
            quit: false,
            size: (80, 24),
        }
    }

    /// Rows a list may show (the frame, the header and the two bottom lines aside).
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(6)).max(1)
    }

    fn selected_path(&self) -> Option<String> {
        self.rows.get(self.selected).map(|r| r.path.clone())
    }

    /// A key. Returns the effects to carry out.
    pub fn key(&mut self, k: KeyEvent) -> Vec<ReviewEffect> {
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        if self.prompt != Prompt::None {
            return self.prompt_key(k);
        }
        match self.view.clone() {
            View::List => self.list_key(k),
            View::Cells { .. } => self.cells_key(k),
        }
    }

    fn list_key(&mut self, k: KeyEvent) -> Vec<ReviewEffect> {
        let t = super::text(self.lang);
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('j') | KeyCode::Down => self.move_list(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_list(-1),
            KeyCode::PageDown => self.move_list(self.page() as i64),
            KeyCode::PageUp => self.move_list(-(self.page() as i64)),
            KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
                if let Some(path) = self.selected_path() {
                    return vec![ReviewEffect::LoadCells { path }];
                }
            }
            KeyCode::Char('a') => {
                if let Some(path) = self.selected_path() {
                    return vec![ReviewEffect::Approve { path }];
                }
            }
            KeyCode::Char('r') => {
                if let Some(path) = self.selected_path() {
                    self.prompt = Prompt::Comment {
                        path,
                        indicator: None,
                        input: TextArea::new("", false),
                    };
                }
            }
            KeyCode::Char('g') => return vec![ReviewEffect::Reload],
            _ => self.status = Some((false, t.list_keys.into())),
        }
        Vec::new()
    }

    fn move_list(&mut self, by: i64) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() as i64 - 1;
        self.selected = (self.selected as i64 + by).clamp(0, last) as usize;
        let page = self.page();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    fn cells_key(&mut self, k: KeyEvent) -> Vec<ReviewEffect> {
        let page = self.page();
        let t = super::text(self.lang);
        let View::Cells {
            path,
            cells,
            selected,
            side,
            offset,
        } = &mut self.view
        else {
            return Vec::new();
        };
        let sides = cells.get(*selected).map_or(0, |c| c.sides.len());
        match k.code {
            KeyCode::Esc | KeyCode::Char('h') | KeyCode::Char('q') => {
                self.view = View::List;
                return Vec::new();
            }
            KeyCode::Char('j') | KeyCode::Down => {
                *selected = (*selected + 1).min(cells.len().saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => *selected = selected.saturating_sub(1),
            // The next cell the assessors answered differently.
            KeyCode::Char(']') => {
                if let Some(n) = cells
                    .iter()
                    .enumerate()
                    .skip(*selected + 1)
                    .find(|(_, c)| c.conflict)
                    .map(|(n, _)| n)
                {
                    *selected = n;
                }
            }
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => {
                if sides > 0 {
                    *side = (*side + 1) % sides;
                }
            }
            KeyCode::BackTab | KeyCode::Left => {
                if sides > 0 {
                    *side = (*side + sides - 1) % sides;
                }
            }
            KeyCode::Char('t') => {
                let Some(cell) = cells.get(*selected) else {
                    return Vec::new();
                };
                if !cell.conflict && cell.resolved.is_none() {
                    self.status = Some((true, t.not_a_conflict.into()));
                    return Vec::new();
                }
                let Some(s) = cell.sides.get(*side) else {
                    return Vec::new();
                };
                self.prompt = Prompt::Reason {
                    path: path.clone(),
                    indicator: cell.indicator.clone(),
                    assessor: s.assessor.clone(),
                    input: TextArea::new("", false),
                };
            }
            KeyCode::Char('r') => {
                let indicator = cells.get(*selected).map(|c| c.indicator.clone());
                self.prompt = Prompt::Comment {
                    path: path.clone(),
                    indicator,
                    input: TextArea::new("", false),
                };
            }
            KeyCode::Char('a') => {
                return vec![ReviewEffect::Approve { path: path.clone() }];
            }
            _ => self.status = Some((false, t.cells_keys.into())),
        }
        if *selected < *offset {
            *offset = *selected;
        } else if *selected >= *offset + page {
            *offset = *selected + 1 - page;
        }
        Vec::new()
    }

    fn prompt_key(&mut self, k: KeyEvent) -> Vec<ReviewEffect> {
        let input = match &mut self.prompt {
            Prompt::Comment { input, .. } | Prompt::Reason { input, .. } => input,
            Prompt::None => return Vec::new(),
        };
        match k.code {
            KeyCode::Esc => {
                self.prompt = Prompt::None;
                return Vec::new();
            }
            KeyCode::Enter => {
                let text = input.text().trim().to_string();
                if text.is_empty() {
                    self.status = Some((true, super::text(self.lang).say_why.into()));
                    return Vec::new();
                }
                let effect = match std::mem::replace(&mut self.prompt, Prompt::None) {
                    Prompt::Comment {
                        path, indicator, ..
                    } => ReviewEffect::Return {
                        path,
                        indicator,
                        comment: text,
                    },
                    Prompt::Reason {
                        path,
                        indicator,
                        assessor,
                        ..
                    } => ReviewEffect::Take {
                        path,
                        indicator,
                        assessor,
                        reason: text,
                    },
                    Prompt::None => return Vec::new(),
                };
                return vec![effect];
            }
            KeyCode::Backspace => input.backspace(),
            KeyCode::Delete => input.delete(),
            KeyCode::Left => input.left(),
            KeyCode::Right => input.right(),
            KeyCode::Home => input.home(),
            KeyCode::End => input.end(),
            KeyCode::Char(c) => input.insert_char(c),
            _ => {}
        }
        Vec::new()
    }

    /// Pasted text goes into the prompt.
    pub fn paste(&mut self, text: &str) {
        if let Prompt::Comment { input, .. } | Prompt::Reason { input, .. } = &mut self.prompt {
            input.insert_str(text);
        }
    }

    /// What the runtime did. Returns the effects to carry out.
    pub fn outcome(&mut self, o: ReviewOutcome) -> Vec<ReviewEffect> {
        match o {
            ReviewOutcome::Loaded(rows) => {
                self.rows = rows;
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
                self.offset = self.offset.min(self.selected);
                Vec::new()
            }
            ReviewOutcome::Cells { path, cells } => {
                // The same product again (after a decision): keep the place.
                let (selected, side, offset) = match &self.view {
                    View::Cells {
                        path: p,
                        selected,
                        side,
                        offset,
                        ..
                    } if *p == path => (*selected, *side, *offset),
                    _ => (cells.iter().position(|c| c.conflict).unwrap_or(0), 0, 0),
                };
                let page = self.page();
                let selected = selected.min(cells.len().saturating_sub(1));
                let offset = if selected >= offset + page {
                    selected + 1 - page
                } else {
                    offset.min(selected)
                };
                self.view = View::Cells {
                    path,
                    cells,
                    selected,
                    side,
                    offset,
                };
                Vec::new()
            }
            ReviewOutcome::Done(Ok(msg)) => {
                self.status = Some((false, msg));
                let mut effects = vec![ReviewEffect::Reload];
                if let View::Cells { path, .. } = &self.view {
                    effects.push(ReviewEffect::LoadCells { path: path.clone() });
                }
                effects
            }
            ReviewOutcome::Done(Err(why)) => {
                self.status = Some((true, why));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn typed(app: &mut ReviewApp, text: &str) {
        for c in text.chars() {
            assert!(app.key(key(KeyCode::Char(c))).is_empty());
        }
    }

    fn side(a: &str, v: &str) -> Side {
        Side {
            assessor: a.into(),
            value: v.into(),
            note: String::new(),
            evidence: Vec::new(),
        }
    }

    fn app() -> ReviewApp {
        let mut app = ReviewApp::new(Lang::En);
        let rows = ["81/DPM/NIB", "8171/DUK/KTP"]
            .iter()
            .map(|p| Submission {
                path: p.to_string(),
                name: "x".into(),
                agency: p.split('/').next().unwrap().into(),
                assessors: vec!["A".into(), "B".into()],
                state: ReviewState::Unreviewed,
                answered: 1,
                total: 3,
                conflicts: vec!["b".into()],
            })
            .collect();
        assert!(app.outcome(ReviewOutcome::Loaded(rows)).is_empty());
        app
    }

    #[test]
    fn a_product_is_approved_or_returned_with_a_comment_from_the_list() {
        let mut app = app();
        app.key(key(KeyCode::Down));
        assert_eq!(
            app.key(key(KeyCode::Char('a'))),
            [ReviewEffect::Approve {
                path: "8171/DUK/KTP".into()
            }]
        );
        app.key(key(KeyCode::Char('r')));
        typed(&mut app, "Lengkapi");
        // Empty comments are refused; Esc cancels.
        assert_eq!(
            app.key(key(KeyCode::Enter)),
            [ReviewEffect::Return {
                path: "8171/DUK/KTP".into(),
                indicator: None,
                comment: "Lengkapi".into()
            }]
        );
        app.key(key(KeyCode::Char('r')));
        assert!(app.key(key(KeyCode::Enter)).is_empty());
        assert!(matches!(app.status, Some((true, _))));
        app.key(key(KeyCode::Esc));
        assert_eq!(app.prompt, Prompt::None);
        // A decision recorded: the list is read again.
        assert_eq!(
            app.outcome(ReviewOutcome::Done(Ok("ok".into()))),
            [ReviewEffect::Reload]
        );
    }

    #[test]
    fn a_conflict_is_resolved_by_taking_the_side_chosen_with_a_reason() {
        let mut app = app();
        assert_eq!(
            app.key(key(KeyCode::Enter)),
            [ReviewEffect::LoadCells {
                path: "81/DPM/NIB".into()
            }]
        );
        let cells = vec![
            CellView {
                indicator: "a".into(),
                label: "A".into(),
                sides: vec![side("A", "[✓]"), side("B", "[✓]")],
                used: "[✓]".into(),
                resolved: None,
                conflict: false,
            },
            CellView {
                indicator: "b".into(),
                label: "B".into(),
                sides: vec![side("A", "[✓]"), side("B", "[✗]")],
                used: "[✓]".into(),
                resolved: None,
                conflict: true,
            },
        ];
        app.outcome(ReviewOutcome::Cells {
            path: "81/DPM/NIB".into(),
            cells,
        });
        // Opened on the first conflict.
        assert!(matches!(app.view, View::Cells { selected: 1, .. }));
        app.key(key(KeyCode::Tab));
        app.key(key(KeyCode::Char('t')));
        typed(&mut app, "foto");
        assert_eq!(
            app.key(key(KeyCode::Enter)),
            [ReviewEffect::Take {
                path: "81/DPM/NIB".into(),
                indicator: "b".into(),
                assessor: "B".into(),
                reason: "foto".into()
            }]
        );
        // Taking a side of a cell without a conflict is refused.
        app.key(key(KeyCode::Up));
        app.key(key(KeyCode::Char('t')));
        assert_eq!(app.prompt, Prompt::None);
        assert!(matches!(app.status, Some((true, _))));
        // A comment on the highlighted indicator.
        app.key(key(KeyCode::Char('r')));
        typed(&mut app, "cek");
        assert_eq!(
            app.key(key(KeyCode::Enter)),
            [ReviewEffect::Return {
                path: "81/DPM/NIB".into(),
                indicator: Some("a".into()),
                comment: "cek".into()
            }]
        );
        assert_eq!(
            app.outcome(ReviewOutcome::Done(Ok("ok".into()))),
            [
                ReviewEffect::Reload,
                ReviewEffect::LoadCells {
                    path: "81/DPM/NIB".into()
                }
            ]
        );
        app.key(key(KeyCode::Esc));
        assert_eq!(app.view, View::List);
    }
}
