//! The workstation's state and its one entry point for change, [`App::update`]: a
//! message in (an action, a key, pasted text, a resize, or the [`Outcome`] of an
//! effect), the state changed, and the [`Effect`]s it asks for out. No store, no file,
//! no clock, no terminal here: the runtime (`tui/runtime.rs`) carries the effects out
//! and feeds their outcomes back, the draw functions (`tui/ui`) read the state, and
//! tests drive it directly, playing the runtime's part by hand where they like.
//!
//! A change is shown saved only when its `Recorded` outcome says the store committed
//! it: the state changes the data, rescores and says "Saved" on that outcome, never on
//! the key. `assess.rs` holds the changes, `nav.rs` moving around, `outcome.rs` what
//! each outcome does, `readonly.rs` the workstation that only reads.

mod assess;
pub mod nav;
mod outcome;
mod readonly;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, ConfirmAction, EditorAction, FilterAction, PromptAction};
use super::editor::TextArea;
use super::effect::{Effect, Outcome, Position, UndoEntry};
use super::keymap::{Config, KeyMap};
use super::text::{self, Ui};
use super::theme::Theme;
use crate::domain::Lang;
use crate::domain::model::{AgencyIx, Dataset, IndicatorIx, ProductIx, ScoreBook};
use crate::store::{EvidenceRow, ProductRef};

pub use nav::{NavDepth, NavLevel, Node, Row, checklist_rows, fold};
pub use readonly::ReadOnly;

/// Which pane of the checklist has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

/// The checklist of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub product: ProductIx,
    /// The highlighted indicator.
    pub indicator: IndicatorIx,
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
    pub ranking: Vec<AgencyIx>,
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
    pub product: ProductIx,
    pub indicator: IndicatorIx,
    pub editor: TextArea,
}

/// An evidence file being read in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digesting {
    pub job: u64,
    /// Bytes read so far, of `total`.
    pub done: u64,
    pub total: u64,
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
        product: ProductIx,
        indicator: IndicatorIx,
        input: TextArea,
        /// Set while the named file is being read: the prompt shows the progress and
        /// only takes the key that cancels.
        digest: Option<Digesting>,
    },
    ConfirmFinalize {
        product: ProductIx,
    },
    Reopen {
        product: ProductIx,
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

/// Everything that can change the state: what [`App::update`] takes.
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Outcome(Box<Outcome>),
}

impl From<Action> for Msg {
    fn from(a: Action) -> Msg {
        Msg::Action(a)
    }
}

impl From<Outcome> for Msg {
    fn from(o: Outcome) -> Msg {
        Msg::Outcome(Box::new(o))
    }
}

impl From<KeyEvent> for Msg {
    fn from(k: KeyEvent) -> Msg {
        Msg::Key(k)
    }
}

impl Msg {
    /// The message of a terminal event, if it carries one (key releases and focus
    /// or mouse events do not).
    pub fn from_event(event: Event) -> Option<Msg> {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
            Event::Paste(text) => Some(Msg::Paste(text)),
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            _ => None,
        }
    }
}

/// Everything the workstation shows and knows.
pub struct App {
    pub ds: Dataset,
    pub book: ScoreBook,
    /// The keys of every mode.
    pub keymap: KeyMap,
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
    /// The database file, as the status bar and the export prompt name it.
    pub db_path: PathBuf,
    /// Who the audit log records for this workstation's changes.
    pub who: String,
    /// Set when another workstation has the database: nothing can be changed here.
    pub read_only: Option<ReadOnly>,
    pub quit: bool,
    /// The effects asked for by the message being handled.
    effects: Vec<Effect>,
    /// The last evidence digest job started.
    last_job: u64,
}

impl App {
    /// The workstation on a loaded dataset, on the agency list; [`App::resume`] then
    /// goes where the assessor left off.
    pub fn new(
        ds: Dataset,
        config: Config,
        lang: Lang,
        theme: Theme,
        db_path: PathBuf,
        who: String,
    ) -> App {
        let book = ScoreBook::compute(&ds);
        let mut app = App {
            ds,
            book,
            keymap: config.keymap,
            lang: config.lang.unwrap_or(lang),
            theme,
            size: (80, 24),
            nav: Vec::new(),
            screen: Screen::Navigator,
            modal: Modal::None,
            status: Status::None,
            undo: Vec::new(),
            config_path: config.path,
            db_path,
            who,
            read_only: None,
            quit: false,
            effects: Vec::new(),
            last_job: 0,
        };
        app.nav.push(app.level(NavDepth::Agencies));
        if let Some(first) = config.warnings.first() {
            let more = config.warnings.len() - 1;
            app.status = Status::Error(if more > 0 {
                format!("{first} (+{more})")
            } else {
                first.clone()
            });
        } else {
            app.status = Status::Info(app.t().welcome(&app.keymap.key(Action::Help)));
        }
        app
    }

    /// The UI text in the current language.
    pub fn t(&self) -> &'static Ui {
        text::ui(self.lang)
    }

    pub fn product_ref(&self, p: ProductIx) -> ProductRef {
        ProductRef {
            db_id: self.ds.products[p].db_id,
            path: self.ds.product_path(p),
        }
    }

    /// Handles one message and returns the effects it asks for, in order. The caller
    /// (the runtime) carries them out and feeds each outcome back here.
    #[must_use = "the effects must be carried out (tui::runtime) or the change is lost"]
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        match msg.into() {
            Msg::Action(a) => self.action(a),
            Msg::Key(k) => self.key(k),
            Msg::Paste(text) => self.paste(&text),
            Msg::Resize(w, h) => self.resize(w, h),
            Msg::Outcome(o) => self.outcome(*o),
        }
        std::mem::take(&mut self.effects)
    }

    /// Goes where the assessor left off (as remembered at the last stop).
    #[must_use = "the effects must be carried out"]
    pub fn resume(&mut self, at: Option<Position>) -> Vec<Effect> {
        if let Some(at) = at
            && let Some(p) = self.ds.find_product(&at.product)
        {
            self.reveal_product(p);
            if at.checklist {
                let ind = at
                    .indicator
                    .and_then(|id| self.ds.instrument_of_product(p).indicator_index(&id))
                    .map(IndicatorIx::new);
                self.show_checklist(p, ind);
            }
            let key = self.keymap.key(Action::Help);
            self.status = Status::Info(
                self.t()
                    .resumed(&crate::domain::text::sanitize(&at.product), &key),
            );
        }
        std::mem::take(&mut self.effects)
    }

    /// Before the workstation ends (quit, signal, vanished terminal): a note being
    /// written is saved (a normal audited change) so that nothing typed is lost, and
    /// the position is remembered.
    #[must_use = "the effects must be carried out"]
    pub fn shutdown(&mut self) -> Vec<Effect> {
        if self.read_only.is_some() {
            return Vec::new();
        }
        if let Modal::Note(edit) | Modal::ConfirmDiscard(edit) =
            std::mem::replace(&mut self.modal, Modal::None)
            && edit.editor.modified()
        {
            tracing::info!("saving the note being written before stopping");
            let text = edit.editor.text();
            self.change(
                edit.product,
                edit.indicator,
                None,
                Some(text.trim_end().to_string()),
                super::effect::Origin::Shutdown,
            );
        }
        self.save_position();
        std::mem::take(&mut self.effects)
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.keep_in_view();
    }

    /// A key, resolved by the key map of the mode in force (the open window's, else
    /// the lists'); in an editor, a prompt or the filter a key bound to nothing types
    /// its character.
    fn key(&mut self, key: KeyEvent) {
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
                product,
                indicator,
                input,
                digest: Some(d),
            } => {
                if self.keymap.prompt.resolve(&key) == Some(PromptAction::Cancel) {
                    self.effects.push(Effect::CancelDigest { job: d.job });
                    self.status = Status::Info(self.t().digest_cancelled.into());
                    self.modal = Modal::Evidence {
                        product,
                        indicator,
                        input,
                        digest: None,
                    };
                } else {
                    // Reading: only the cancel key does anything.
                    self.modal = Modal::Evidence {
                        product,
                        indicator,
                        input,
                        digest: Some(d),
                    };
                }
            }
            Modal::Evidence {
                product,
                indicator,
                mut input,
                digest: None,
            } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.save_evidence(product, indicator, input),
                Some(PromptAction::Cancel) => {}
                _ => {
                    self.modal = Modal::Evidence {
                        product,
                        indicator,
                        input,
                        digest: None,
                    }
                }
            },
            Modal::ConfirmFinalize { product } => match self.keymap.confirm.resolve(&key) {
                Some(ConfirmAction::Yes) => self.finalize(product),
                _ => self.status = Status::Info(self.t().cancelled.into()),
            },
            Modal::Export { mut input } => match prompt_key(&self.keymap, &key, &mut input) {
                Some(PromptAction::Submit) => self.export(input),
                Some(PromptAction::Cancel) => self.status = Status::Info(self.t().cancelled.into()),
                _ => self.modal = Modal::Export { input },
            },
            Modal::Reopen { product, mut input } => {
                match prompt_key(&self.keymap, &key, &mut input) {
                    Some(PromptAction::Submit) => self.reopen(product, input),
                    Some(PromptAction::Cancel) => {
                        self.status = Status::Info(self.t().cancelled.into())
                    }
                    _ => self.modal = Modal::Reopen { product, input },
                }
            }
        }
    }

    /// Pasted text goes into an open editor or prompt; elsewhere it is ignored.
    fn paste(&mut self, text: &str) {
        match &mut self.modal {
            Modal::Note(edit) => edit.editor.insert_str(text),
            Modal::Evidence {
                input,
                digest: None,
                ..
            }
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
        let lines = super::help::lines(self.t(), &self.keymap, self.config_path.as_deref());
        let max = lines.len().saturating_sub(4) as i32;
        if let Modal::Help { scroll } = &mut self.modal {
            *scroll = (i32::from(*scroll) + by).clamp(0, max.max(0)) as u16;
        }
    }

    /// Applies one action of the lists, the checklist or the dashboard.
    fn action(&mut self, action: Action) {
        if let Some(d) = action.digit() {
            self.set_value(u32::from(d));
            return;
        }
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
            Action::Export => self.effects.push(Effect::SuggestExportPath),
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
            Action::NotApplicable => self.not_applicable(),
            Action::Clear => self.clear_value(),
            Action::Note => self.open_note(),
            Action::Evidence => self.open_evidence(),
            Action::Undo => self.undo(),
            Action::Finalize => self.finalize_or_reopen(),
            Action::Value0
            | Action::Value1
            | Action::Value2
            | Action::Value3
            | Action::Value4
            | Action::Value5
            | Action::Value6
            | Action::Value7
            | Action::Value8
            | Action::Value9 => {}
        }
    }

    /// Asks to remember where the assessor is, for the next start (not in read-only
    /// mode: that one writes nothing).
    pub(super) fn save_position(&mut self) {
        if self.read_only.is_some() {
            return;
        }
        let (product, indicator, checklist) = match &self.screen {
            Screen::Checklist(c) => (
                Some(c.product),
                Some(self.ds.indicator(c.product, c.indicator).id.clone()),
                true,
            ),
            _ => (self.highlighted_product(), None, false),
        };
        let Some(p) = product else { return };
        self.effects.push(Effect::RememberPosition(Position {
            product: self.ds.product_path(p),
            indicator,
            checklist,
        }));
    }
}

/// The character a key types, if it types one (Ctrl combinations do not).
fn typed(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

/// A key in a one-line prompt: edits the input, or returns the action that closes it.
fn prompt_key(km: &KeyMap, key: &KeyEvent, input: &mut TextArea) -> Option<PromptAction> {
    match km.prompt.resolve(key) {
        Some(a @ (PromptAction::Submit | PromptAction::Cancel)) => return Some(a),
        Some(PromptAction::Left) => input.left(),
        Some(PromptAction::Right) => input.right(),
        Some(PromptAction::LineStart) => input.home(),
        Some(PromptAction::LineEnd) => input.end(),
        Some(PromptAction::DeleteBack) => input.backspace(),
        Some(PromptAction::Delete) => input.delete(),
        None => {
            if let Some(c) = typed(key) {
                input.insert_char(c);
            }
        }
    }
    None
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
                self.nav_mut().filter.clear();
                self.apply_filter();
            }
            FilterAction::Up => self.move_by(-1),
            FilterAction::Down => self.move_by(1),
            FilterAction::PageUp => self.move_by(-(self.page() as i64)),
            FilterAction::PageDown => self.move_by(self.page() as i64),
            FilterAction::DeleteBack => {
                self.nav_mut().filter.pop();
                self.apply_filter();
            }
            FilterAction::ClearText => {
                self.nav_mut().filter.clear();
                self.apply_filter();
            }
        }
    }

    fn filter_type(&mut self, c: char) {
        if !crate::domain::text::is_unsafe_char(c) {
            self.nav_mut().filter.push(c);
            self.apply_filter();
        }
    }
}
