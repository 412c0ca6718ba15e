//! The workstation's state and its one entry point for change, [`App::update`]:
//! an action in, a new state out. No terminal here: the event loop (`tui/mod.rs`)
//! feeds keys, the draw functions (`tui/ui`) read the state, and tests drive it
//! directly. Every change an assessor makes goes through the [`Store`] (its own
//! transaction with its audit row) before the state, and so the screen, shows it.

mod assess;
pub mod nav;
mod readonly;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::editor::TextArea;
use super::keymap::{Config, KeyMap};
use super::text::{self, Ui};
use super::theme::Theme;
use crate::domain::Lang;
use crate::domain::model::{Dataset, ScoreBook};
use crate::domain::scoring::Value;
use crate::store::{EvidenceRow, ProductRef, Store};

pub use nav::{Level, NavLevel, Row, checklist_rows, fold};
pub use readonly::ReadOnly;

/// Meta keys that remember where the assessor left off.
pub const META_LAST_PRODUCT: &str = "ui.last_product";
pub const META_LAST_INDICATOR: &str = "ui.last_indicator";
pub const META_LAST_SCREEN: &str = "ui.last_screen";

/// Which pane of the checklist has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

/// The checklist of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub product: usize,
    /// The highlighted indicator (index into the instrument's indicators).
    pub indicator: usize,
    /// First visible row of the list (rows include the dimension headings).
    pub offset: usize,
    pub focus: Pane,
    pub detail_scroll: u16,
    /// The evidence of the highlighted indicator, read when it is highlighted.
    pub evidence: Vec<EvidenceRow>,
}

/// The dashboard: agencies ranked by score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub ranking: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Navigator,
    Checklist(Checklist),
    Dashboard(Dashboard),
}

/// The note being written, and for which indicator of which product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEdit {
    pub product: usize,
    pub indicator: usize,
    pub editor: TextArea,
}

/// A window over the screen that takes the keys until it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    None,
    Help {
        scroll: u16,
    },
    /// Typing the navigator's filter.
    Filter,
    Note(NoteEdit),
    /// Esc on a modified note: discard it?
    ConfirmDiscard(NoteEdit),
    Evidence {
        product: usize,
        indicator: usize,
        input: TextArea,
    },
    ConfirmFinalize {
        product: usize,
    },
    Reopen {
        product: usize,
        input: TextArea,
    },
    /// Where to write the signed export file.
    Export {
        input: TextArea,
    },
}

/// The last message of the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    None,
    /// A change committed to the database.
    Saved(String),
    Info(String),
    Error(String),
}

/// One change that `u` can take back: the value and note before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoEntry {
    pub product: usize,
    pub indicator: usize,
    pub value: Value,
    pub note: String,
}

/// Everything the workstation shows and knows.
pub struct App {
    pub store: Store,
    pub ds: Dataset,
    pub book: ScoreBook,
    pub keys: KeyMap,
    pub lang: Lang,
    pub theme: Theme,
    /// The terminal size (columns, rows), for paging and scrolling.
    pub size: (u16, u16),
    /// Agencies, then units of one, then products of one; never empty.
    pub nav: Vec<NavLevel>,
    pub screen: Screen,
    pub modal: Modal,
    pub status: Status,
    pub undo: Vec<UndoEntry>,
    pub config_path: Option<PathBuf>,
    /// Where the assessor's signing key is (for the export key `X`).
    pub keys_dir: Option<PathBuf>,
    /// Set when another workstation has the database: nothing can be changed here.
    pub read_only: Option<ReadOnly>,
    pub quit: bool,
}

impl App {
    /// The workstation on an open store, where the assessor left off.
    pub fn new(
        store: Store,
        config: Config,
        lang: Lang,
        theme: Theme,
    ) -> crate::store::Result<App> {
        let ds = store.load()?;
        let book = ScoreBook::compute(&ds);
        let mut app = App {
            store,
            ds,
            book,
            keys: config.keys,
            lang: config.lang.unwrap_or(lang),
            theme,
            size: (80, 24),
            nav: Vec::new(),
            screen: Screen::Navigator,
            modal: Modal::None,
            status: Status::None,
            undo: Vec::new(),
            config_path: config.path,
            keys_dir: crate::exchange::keys::keys_dir().ok(),
            read_only: None,
            quit: false,
        };
        app.nav.push(app.level(Level::Agencies));
        app.restore_position();
        if let Some(first) = config.warnings.first() {
            let more = config.warnings.len() - 1;
            app.status = Status::Error(if more > 0 {
                format!("{first} (+{more})")
            } else {
                first.clone()
            });
        } else if app.status == Status::None {
            app.status = Status::Info(app.t().welcome.to_string());
        }
        Ok(app)
    }

    /// The UI text in the current language.
    pub fn t(&self) -> &'static Ui {
        text::ui(self.lang)
    }

    pub fn product_ref(&self, p: usize) -> ProductRef {
        ProductRef {
            db_id: self.ds.products[p].db_id,
            path: self.ds.product_path(p),
        }
    }

    /// Any terminal event: keys, pasted text, resizes.
    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.handle_key(key),
            Event::Paste(text) => self.paste(&text),
            Event::Resize(w, h) => self.resize(w, h),
            _ => {}
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.keep_in_view();
    }

    /// A key: typed into an open editor or prompt, else resolved by the key map.
    pub fn handle_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match std::mem::replace(&mut self.modal, Modal::None) {
            Modal::None => {
                if let Some(action) = self.keys.resolve(&key) {
                    self.update(action);
                }
            }
            Modal::Help { scroll } => {
                self.modal = Modal::Help { scroll };
                match self.keys.resolve(&key) {
                    Some(Action::Down) => self.scroll_help(1),
                    Some(Action::Up) => self.scroll_help(-1),
                    Some(Action::PageDown) => self.scroll_help(10),
                    Some(Action::PageUp) => self.scroll_help(-10),
                    Some(Action::Top) => self.modal = Modal::Help { scroll: 0 },
                    Some(Action::Bottom) => self.scroll_help(i32::from(u16::MAX)),
                    Some(Action::Language) => self.update(Action::Language),
                    Some(Action::Help | Action::Back | Action::Quit | Action::Open) => {
                        self.modal = Modal::None
                    }
                    _ => {}
                }
            }
            Modal::Filter => {
                self.modal = Modal::Filter;
                self.filter_key(key);
            }
            Modal::Note(mut edit) => {
                match (key.code, ctrl) {
                    (KeyCode::Char('s'), true) | (KeyCode::F(2), _) => {
                        self.save_note(edit);
                        return;
                    }
                    (KeyCode::Esc, _) => {
                        self.modal = if edit.editor.modified() {
                            Modal::ConfirmDiscard(edit)
                        } else {
                            Modal::None
                        };
                        return;
                    }
                    _ => edit_key(&mut edit.editor, key),
                }
                self.modal = Modal::Note(edit);
            }
            Modal::ConfirmDiscard(edit) => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    self.status = Status::Info(self.t().note_discarded.into());
                }
                _ => self.modal = Modal::Note(edit),
            },
            Modal::Evidence {
                product,
                indicator,
                mut input,
            } => match key.code {
                KeyCode::Enter => self.save_evidence(product, indicator, input),
                KeyCode::Esc => {}
                _ => {
                    edit_key(&mut input, key);
                    self.modal = Modal::Evidence {
                        product,
                        indicator,
                        input,
                    };
                }
            },
            Modal::ConfirmFinalize { product } => match key.code {
                KeyCode::Char('y' | 'Y') => self.finalize(product),
                _ => self.status = Status::Info(self.t().cancelled.into()),
            },
            Modal::Export { mut input } => match key.code {
                KeyCode::Enter => self.export(input),
                KeyCode::Esc => self.status = Status::Info(self.t().cancelled.into()),
                _ => {
                    edit_key(&mut input, key);
                    self.modal = Modal::Export { input };
                }
            },
            Modal::Reopen { product, mut input } => match key.code {
                KeyCode::Enter => self.reopen(product, input),
                KeyCode::Esc => self.status = Status::Info(self.t().cancelled.into()),
                _ => {
                    edit_key(&mut input, key);
                    self.modal = Modal::Reopen { product, input };
                }
            },
        }
    }

    /// Pasted text goes into an open editor or prompt; elsewhere it is ignored.
    pub fn paste(&mut self, text: &str) {
        match &mut self.modal {
            Modal::Note(edit) => edit.editor.insert_str(text),
            Modal::Evidence { input, .. }
            | Modal::Reopen { input, .. }
            | Modal::Export { input } => input.insert_str(text),
            Modal::Filter => {
                let clean: String = TextArea::new(text, false).text();
                self.nav_mut().filter.push_str(&clean);
                self.apply_filter();
            }
            _ => {}
        }
    }

    fn scroll_help(&mut self, by: i32) {
        let max = crate::tui::ui::help_lines(self).saturating_sub(4) as i32;
        if let Modal::Help { scroll } = &mut self.modal {
            *scroll = (i32::from(*scroll) + by).clamp(0, max.max(0)) as u16;
        }
    }

    /// Applies one action to the state.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.modal = Modal::Help { scroll: 0 },
            Action::Language => {
                self.lang = match self.lang {
                    Lang::Id => Lang::En,
                    Lang::En => Lang::Id,
                };
                self.status = Status::Info(self.t().language_switched.into());
            }
            Action::Export => self.open_export(),
            Action::Dashboard => self.toggle_dashboard(),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page() as i64)),
            Action::PageDown => self.move_by(self.page() as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::NextPane => self.next_pane(),
            Action::Filter => self.start_filter(),
            Action::Tick => self.tick(),
            Action::SetValue(v) => self.set_value(u32::from(v)),
            Action::NotApplicable => self.not_applicable(),
            Action::Clear => self.clear_value(),
            Action::Note => self.open_note(),
            Action::Evidence => self.open_evidence(),
            Action::Undo => self.undo(),
            Action::Finalize => self.finalize_or_reopen(),
        }
    }

    /// Before the workstation ends (quit, signal, vanished terminal): a note being
    /// written is saved (a normal audited change) so that nothing typed is lost, and
    /// the position is remembered.
    pub fn shutdown(&mut self) {
        if self.read_only.is_some() {
            return;
        }
        if let Modal::Note(edit) | Modal::ConfirmDiscard(edit) =
            std::mem::replace(&mut self.modal, Modal::None)
            && edit.editor.modified()
        {
            tracing::info!("saving the note being written before stopping");
            self.save_note(edit);
        }
        self.save_position();
    }

    /// Remembers where the assessor is, for the next start. Failing is only logged:
    /// it is a convenience, not an assessment change.
    pub fn save_position(&mut self) {
        if self.read_only.is_some() {
            return;
        }
        let (product, indicator, screen) = match &self.screen {
            Screen::Checklist(c) => (
                Some(c.product),
                Some(
                    self.ds.instrument_of_product(c.product).indicators[c.indicator]
                        .id
                        .clone(),
                ),
                "checklist",
            ),
            _ => (self.highlighted_product(), None, "navigator"),
        };
        let Some(p) = product else { return };
        let path = self.ds.product_path(p);
        let result = self
            .store
            .set_meta(META_LAST_PRODUCT, &path)
            .and_then(|_| {
                self.store
                    .set_meta(META_LAST_INDICATOR, indicator.as_deref().unwrap_or(""))
            })
            .and_then(|_| self.store.set_meta(META_LAST_SCREEN, screen));
        if let Err(e) = result {
            tracing::warn!("could not remember the position: {e}");
        }
    }

    fn restore_position(&mut self) {
        let get = |app: &App, k| app.store.meta(k).ok().flatten();
        let Some(path) = get(self, META_LAST_PRODUCT) else {
            return;
        };
        let Some(p) = self.ds.find_product(&path) else {
            return;
        };
        self.reveal_product(p);
        if get(self, META_LAST_SCREEN).as_deref() == Some("checklist") {
            let ind = get(self, META_LAST_INDICATOR)
                .and_then(|id| self.ds.instrument_of_product(p).indicator_index(&id));
            self.open_checklist(p, ind);
        }
        self.status = Status::Info(self.t().resumed(&crate::domain::text::sanitize(&path)));
    }
}

/// Editing keys shared by the note editor and the prompts.
fn edit_key(editor: &mut TextArea, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char(c) if !ctrl => editor.insert_char(c),
        KeyCode::Enter => editor.newline(),
        KeyCode::Backspace => editor.backspace(),
        KeyCode::Delete => editor.delete(),
        KeyCode::Left => editor.left(),
        KeyCode::Right => editor.right(),
        KeyCode::Up => editor.up(),
        KeyCode::Down => editor.down(),
        KeyCode::Home => editor.home(),
        KeyCode::End => editor.end(),
        KeyCode::Char('a') if ctrl => editor.home(),
        KeyCode::Char('e') if ctrl => editor.end(),
        _ => {}
    }
}
