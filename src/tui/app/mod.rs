//! The workstation's state and its one entry point for change, [`App::update`]: a
//! message in (an action, a key, pasted text, a resize, the clock, or the [`Outcome`]
//! of an effect), the state changed, and the [`Effect`]s it asks for out. No store, no
//! file, no clock of its own, no terminal here: the runtime (`tui/runtime.rs`) carries
//! the effects out and feeds their outcomes (and the time) back, the draw functions
//! (`tui/ui`) read the state, and tests drive it directly, playing the runtime's part
//! by hand where they like.
//!
//! A change is shown saved only when its `Recorded` outcome says the store committed
//! it: the state changes the data, rescores and says "Saved" on that outcome, never on
//! the key. `assess.rs` holds the changes, `undo.rs` undo and redo, `nav.rs` moving
//! around, `find.rs` the checklist's filter, the search and the jumps to what is
//! still unanswered, `keys.rs` what a key does in each window, `outcome.rs` what each
//! outcome does, `readonly.rs` the workstation that only reads, `returned.rs` what
//! the central office returned, `levels.rs` what format 2 adds: rosters of
//! respondents, questionnaires entered heads-down, data values.
//!
//! A checklist belongs to a node ([`NodeRef`]): a product's (the only kind a format-1
//! instrument has), a unit's or an agency's own indicators (format 2), or one
//! respondent's questionnaire at a node.

mod assess;
mod carried;
#[cfg(test)]
mod carried_tests;
#[cfg(test)]
mod day_tests;
pub mod find;
mod keys;
mod levels;
#[cfg(test)]
mod levels_tests;
pub mod nav;
mod outcome;
mod readonly;
mod returned;
#[cfg(test)]
mod tests;
mod trend;
mod undo;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEvent, KeyEventKind};

use super::action::Action;
use super::editor::TextArea;
use super::effect::{Edit, Effect, Failure, Outcome, Position};
use super::keymap::Config;
use super::text::{self, Ui};
use super::theme::Theme;
use crate::domain::Lang;
use crate::domain::instrument::{Indicator, Instrument};
use crate::domain::model::{
    AgencyIx, Dataset, IndicatorIx, NodeRef, ProductIx, RespondentIx, RoleIx, ScoreBook,
};
use crate::store::{AuditRow, EvidenceRow, ProductRef};

pub use assess::Cell;
pub use carried::Previous;
pub use find::Hit;
pub use nav::fold;
pub use nav::{
    Item, NavDepth, NavLevel, Node, Row, checklist_rows, children, has_own_checklist, node_rows,
};
pub use readonly::ReadOnly;
pub use returned::ReturnedMark;
pub use trend::Trends;

/// How long a message stays in the status bar once the assessor has paused.
pub const MESSAGE_TTL: Duration = Duration::from_secs(10);
/// How long an error stays.
pub const ERROR_TTL: Duration = Duration::from_secs(30);

/// Which pane of the checklist has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
}

/// The checklist of one node: a product's indicators; a unit's or an agency's own
/// indicators, roles and the nodes below it; or, with `respondent`, that respondent's
/// questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub node: NodeRef,
    /// A respondent's questionnaire: only its role's questions, its answers.
    pub respondent: Option<RespondentIx>,
    /// The highlighted row.
    pub at: Item,
    /// First visible row of the list (rows include the dimension headings).
    pub offset: usize,
    pub focus: Pane,
    pub detail_scroll: u16,
    /// The evidence of the highlighted indicator, read when it is highlighted.
    pub evidence: Vec<EvidenceRow>,
    /// Only the indicators whose id or label has every word of this (`/`).
    pub filter: String,
}

impl Checklist {
    /// The highlighted indicator, when the cursor is on one.
    pub fn indicator(&self) -> Option<IndicatorIx> {
        self.at.indicator()
    }
}

#[cfg(test)]
impl Checklist {
    /// The product of a product's checklist (tests).
    pub fn product(&self) -> ProductIx {
        match self.node {
            NodeRef::Product(p) => p,
            other => panic!("{other:?} is not a product"),
        }
    }

    /// The highlighted indicator (tests).
    pub fn on(&self) -> IndicatorIx {
        self.at.indicator().expect("the cursor is on an indicator")
    }
}

#[cfg(test)]
impl super::effect::Change {
    /// The product changed (tests).
    pub fn product(&self) -> ProductIx {
        match self.node {
            NodeRef::Product(p) => p,
            other => panic!("{other:?} is not a product"),
        }
    }
}

/// The respondents of one role at a node: who was interviewed, and the row that adds
/// the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub node: NodeRef,
    pub role: RoleIx,
    /// Index into [`App::roster_rows`].
    pub selected: usize,
    pub offset: usize,
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
    Roster(Roster),
    Dashboard(Dashboard),
}

/// The note being written, and for which indicator of which node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEdit {
    pub node: NodeRef,
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

/// The search over agencies, units, products and indicators (`:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub input: TextArea,
    /// What matches, best first.
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// The node whose indicators are searched too (the one in view).
    pub node: Option<NodeRef>,
}

/// A window over the screen that takes the keys until it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    None,
    Help {
        scroll: u16,
    },
    /// Typing the filter of the navigator's list or of the checklist.
    Filter,
    Search(Search),
    Note(NoteEdit),
    /// Esc on a modified note: discard it?
    ConfirmDiscard(NoteEdit),
    Evidence {
        node: NodeRef,
        indicator: IndicatorIx,
        input: TextArea,
        /// Set while the named file is being read: the prompt shows the progress and
        /// only takes the key that cancels.
        digest: Option<Digesting>,
        /// The paths Tab found for what is typed.
        choices: Vec<String>,
    },
    /// The evidence reference names no file: is it a document number?
    ConfirmDocument {
        node: NodeRef,
        indicator: IndicatorIx,
        input: TextArea,
    },
    /// The evidence of an indicator, to choose the one to remove.
    PickEvidence {
        node: NodeRef,
        indicator: IndicatorIx,
        rows: Vec<EvidenceRow>,
        selected: usize,
    },
    ConfirmRemove {
        node: NodeRef,
        indicator: IndicatorIx,
        row: EvidenceRow,
    },
    /// Finalize? With the indicators still unanswered, one of them highlighted.
    ConfirmFinalize {
        node: NodeRef,
        selected: usize,
    },
    Reopen {
        node: NodeRef,
        input: TextArea,
    },
    /// Where to write the signed export file.
    Export {
        input: TextArea,
        choices: Vec<String>,
    },
    /// The audit rows of a node or of one of its indicators.
    History {
        node: NodeRef,
        indicator: Option<IndicatorIx>,
        rows: Vec<AuditRow>,
        scroll: u16,
    },
    /// The assessor's name, asked at the first start.
    Assessor {
        input: TextArea,
    },
    /// A new respondent's position (optional; never a name: Law 27/2022).
    AddRespondent {
        node: NodeRef,
        role: RoleIx,
        input: TextArea,
    },
    /// Why a respondent is removed (goes into the audit log).
    RemoveRespondent {
        node: NodeRef,
        respondent: RespondentIx,
        input: TextArea,
    },
    /// The role has the respondents it needs: add another one?
    ConfirmMore {
        node: NodeRef,
        role: RoleIx,
    },
    /// A data value being entered: first the value (`amount` None), then its source.
    Data {
        node: NodeRef,
        indicator: IndicatorIx,
        input: TextArea,
        /// The value typed and checked, once it is the source's turn.
        amount: Option<String>,
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

impl Status {
    /// How long it stays once the assessor has paused (None: it stays).
    fn ttl(&self) -> Option<Duration> {
        match self {
            Status::None => None,
            Status::Saved(_) | Status::Info(_) => Some(MESSAGE_TTL),
            Status::Error(_) => Some(ERROR_TTL),
        }
    }
}

/// Everything that can change the state: what [`App::update`] takes.
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock, from the runtime's tick (a message expires after a while).
    Tick(Instant),
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
    /// The dataset's instruments, shared with the changes that need one (the
    /// level-aware store API checks against it).
    instruments: Vec<Arc<Instrument>>,
    /// The keys of every mode.
    pub keymap: super::keymap::KeyMap,
    pub lang: Lang,
    pub theme: Theme,
    /// The terminal size (columns, rows), for paging and scrolling.
    pub size: (u16, u16),
    /// Agencies, then units of one, then products of one; never empty.
    pub nav: Vec<NavLevel>,
    pub screen: Screen,
    pub modal: Modal,
    pub status: Status,
    /// After an answer the cursor moves on to the next indicator (`auto_advance` in
    /// config.toml).
    pub advance: bool,
    /// Changes of this session that undo takes back, the last one last.
    pub undo: Vec<Edit>,
    /// Changes taken back that redo makes again, the last one undone last.
    pub redo: Vec<Edit>,
    pub config_path: Option<PathBuf>,
    /// The database file, as the status bar and the export prompt name it.
    pub db_path: PathBuf,
    /// Who the audit log records for this workstation's changes.
    pub who: String,
    /// Set when another workstation has the database: nothing can be changed here.
    pub read_only: Option<ReadOnly>,
    /// The items the central office returned that the assessor has not changed or
    /// confirmed yet (`patuh inbox`).
    pub returned: Vec<ReturnedMark>,
    /// The cycle the current one follows, read once at the start (None: it follows
    /// none, or a database without cycles): its values beside the checklist's, its
    /// scores beside the score panel's.
    pub previous: Option<Previous>,
    /// The published scores and the other cycles' points, read once at the start
    /// (None: not read, or unreadable): each agency's trend with the current cycle.
    pub trends: Option<Trends>,
    pub quit: bool,
    /// The dashboard an agency was opened from: going back from its units returns there.
    back_to_dashboard: Option<Dashboard>,
    /// The message in the status bar and when the clock first saw it.
    status_seen: Option<(Status, Instant)>,
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
        let instruments = ds.instruments.iter().cloned().map(Arc::new).collect();
        let mut app = App {
            ds,
            book,
            instruments,
            keymap: config.keymap,
            lang: config.lang.unwrap_or(lang),
            theme,
            size: (80, 24),
            nav: Vec::new(),
            screen: Screen::Navigator,
            modal: Modal::None,
            status: Status::None,
            advance: config.advance,
            undo: Vec::new(),
            redo: Vec::new(),
            config_path: config.path,
            db_path,
            who,
            read_only: None,
            returned: Vec::new(),
            previous: None,
            trends: None,
            quit: false,
            back_to_dashboard: None,
            status_seen: None,
            effects: Vec::new(),
            last_job: 0,
        };
        app.nav.push(app.level(NavDepth::Agencies));
        if let Some(first) = config.warnings.first() {
            let more = config.warnings.len() - 1;
            let w = first.text(app.lang).to_string();
            app.status = Status::Error(if more > 0 {
                format!("{w} (+{more})")
            } else {
                w
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

    /// A failure in the UI's language.
    pub fn failure(&self, f: &Failure) -> String {
        self.t().failure(f)
    }

    pub fn product_ref(&self, p: ProductIx) -> ProductRef {
        ProductRef {
            db_id: self.ds.products[p].db_id,
            path: self.ds.product_path(p),
        }
    }

    /// A node as the store addresses it.
    pub fn store_node(&self, node: NodeRef) -> crate::store::Node {
        let db_id = match node {
            NodeRef::Agency(a) => self.ds.agencies[a].db_id,
            NodeRef::Unit(u) => self.ds.units[u].db_id,
            NodeRef::Product(p) => self.ds.products[p].db_id,
        };
        crate::store::Node {
            level: node.level(),
            db_id,
            path: self.ds.node_path(node),
        }
    }

    /// A node as the store addresses it, with its instrument.
    pub fn node_target(&self, node: NodeRef) -> super::effect::NodeTarget {
        let k = self.ds.instrument_index_of(node);
        super::effect::NodeTarget {
            node: self.store_node(node),
            instrument: self
                .instruments
                .get(k)
                .cloned()
                .unwrap_or_else(|| Arc::new(self.ds.instruments[k].clone())),
        }
    }

    /// Indicator `i` of a node's instrument.
    pub fn indicator_def(&self, node: NodeRef, i: IndicatorIx) -> &Indicator {
        &self.ds.instrument_of(node).indicators[crate::domain::model::Ix::index(i)]
    }

    /// A node's code (the last part of its path).
    pub fn node_code(&self, node: NodeRef) -> &str {
        match node {
            NodeRef::Agency(a) => &self.ds.agencies[a].code,
            NodeRef::Unit(u) => &self.ds.units[u].code,
            NodeRef::Product(p) => &self.ds.products[p].code,
        }
    }

    /// A node's name.
    pub fn node_name(&self, node: NodeRef) -> &str {
        match node {
            NodeRef::Agency(a) => &self.ds.agencies[a].name,
            NodeRef::Unit(u) => &self.ds.units[u].name,
            NodeRef::Product(p) => &self.ds.products[p].name,
        }
    }

    /// Handles one message and returns the effects it asks for, in order. The caller
    /// (the runtime) carries them out and feeds each outcome back here.
    #[must_use = "the effects must be carried out (tui::runtime) or the change is lost"]
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        let rows = self.status_rows();
        match msg.into() {
            Msg::Action(a) => self.action(a),
            Msg::Key(k) => self.key(k),
            Msg::Paste(text) => self.paste(&text),
            Msg::Resize(w, h) => self.resize(w, h),
            Msg::Tick(now) => self.tick(now),
            Msg::Outcome(o) => self.outcome(*o),
        }
        // A message that wraps takes rows from the lists: keep the selection in view.
        if self.status_rows() != rows {
            self.keep_in_view();
        }
        std::mem::take(&mut self.effects)
    }

    /// Goes where the assessor left off (as remembered at the last stop).
    #[must_use = "the effects must be carried out"]
    pub fn resume(&mut self, at: Option<Position>) -> Vec<Effect> {
        if let Some(at) = at
            && let Some(node) = self.ds.find_node(&at.path)
        {
            let indicator = at
                .indicator
                .and_then(|id| self.ds.instrument_of(node).indicator_index(&id))
                .map(IndicatorIx::new)
                .filter(|&i| {
                    self.ds
                        .instrument_of(node)
                        .level_of(crate::domain::model::Ix::index(i))
                        == node.level()
                });
            match node {
                NodeRef::Product(p) => {
                    self.reveal_product(p);
                    if at.checklist {
                        self.show_checklist(p, indicator);
                    }
                }
                _ if at.checklist && has_own_checklist(&self.ds, node) => {
                    self.show_node(node, indicator.map(Item::Indicator));
                }
                _ => self.reveal(node),
            }
            let key = self.keymap.key(Action::Help);
            self.status = Status::Info(
                self.t()
                    .resumed(&crate::domain::text::sanitize(&at.path), &key),
            );
        }
        std::mem::take(&mut self.effects)
    }

    /// Asks for the assessor's name (a first start: no name in the database, no
    /// signing key); the answer is recorded in the database.
    #[must_use = "the effects must be carried out"]
    pub fn ask_assessor(&mut self) -> Vec<Effect> {
        self.modal = Modal::Assessor {
            input: TextArea::new("", false),
        };
        self.status = Status::Info(self.t().assessor_question().into());
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
                assess::Cell::of(edit.node, edit.indicator),
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

    /// The clock: a message the assessor has had time to read goes. Its time starts
    /// at the first tick that sees it (ticks come when no key is pressed for a
    /// moment), so a message never goes while the assessor is busy typing.
    fn tick(&mut self, now: Instant) {
        match &self.status_seen {
            Some((seen, since)) if *seen == self.status => {
                if self
                    .status
                    .ttl()
                    .is_some_and(|ttl| now.saturating_duration_since(*since) >= ttl)
                {
                    self.status = Status::None;
                    self.status_seen = None;
                }
            }
            _ => self.status_seen = Some((self.status.clone(), now)),
        }
    }

    /// Pasted text goes into an open editor, prompt, filter or search; elsewhere it is
    /// ignored.
    fn paste(&mut self, text: &str) {
        match &mut self.modal {
            Modal::Note(edit) => edit.editor.insert_str(text),
            Modal::Evidence {
                input,
                digest: None,
                ..
            }
            | Modal::Reopen { input, .. }
            | Modal::Assessor { input }
            | Modal::AddRespondent { input, .. }
            | Modal::RemoveRespondent { input, .. }
            | Modal::Data { input, .. }
            | Modal::Export { input, .. } => input.insert_str(text),
            Modal::Search(search) => {
                search.input.insert_str(text);
                self.search_again();
            }
            Modal::Filter => {
                let clean: String = TextArea::new(text, false).text();
                let mut f = self.filter_text().to_string();
                f.push_str(&clean);
                self.set_filter(f);
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
                if self.read_only.is_none() {
                    self.effects.push(Effect::RememberLanguage(self.lang));
                }
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
            Action::Search => self.start_search(),
            Action::NextUnanswered => self.jump_unanswered(true),
            Action::PrevUnanswered => self.jump_unanswered(false),
            Action::Tick => self.tick_value(),
            Action::NotApplicable => self.not_applicable(),
            Action::Clear => self.clear_value(),
            Action::Note => self.open_note(),
            Action::Evidence => self.open_evidence(),
            Action::RemoveEvidence => self.pick_evidence(),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::History => self.open_history(),
            Action::Finalize => self.finalize_or_reopen(),
            Action::ConfirmReturned => self.confirm_returned(),
            Action::ConfirmCarried => self.confirm_carried(),
            Action::AddRespondent => self.add_respondent_key(),
            Action::RemoveRespondent => self.remove_respondent_key(),
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
        let (node, indicator, checklist) = match &self.screen {
            Screen::Checklist(c) => (
                Some(c.node),
                c.indicator()
                    .map(|i| self.indicator_def(c.node, i).id.clone()),
                true,
            ),
            Screen::Roster(r) => (Some(r.node), None, true),
            _ => (
                self.highlighted_product().map(NodeRef::Product),
                None,
                false,
            ),
        };
        let Some(node) = node else { return };
        self.effects.push(Effect::RememberPosition(Position {
            path: self.ds.node_path(node),
            indicator,
            checklist,
        }));
    }
}

impl App {
    /// The status bar's message as drawn, with its mark (None: no message).
    pub fn status_text(&self) -> Option<String> {
        match &self.status {
            Status::None => None,
            Status::Saved(m) => Some(format!(" ✓ {}", crate::domain::text::sanitize(m))),
            Status::Info(m) => Some(format!(" {}", crate::domain::text::sanitize(m))),
            Status::Error(m) => Some(format!(" ✗ {}", crate::domain::text::sanitize(m))),
        }
    }

    /// The rows of the message when it does not fit on one line beside the assessor's
    /// name, at most [`layout::max_status_rows`]; empty when it fits.
    pub fn status_lines(&self) -> Vec<String> {
        let Some(msg) = self.status_text() else {
            return Vec::new();
        };
        let width = usize::from(self.size.0);
        let who = crate::domain::text::sanitize(&self.who);
        let beside = unicode_width::UnicodeWidthStr::width(format!(" {who} ").as_str());
        if unicode_width::UnicodeWidthStr::width(msg.as_str()) + beside <= width {
            return Vec::new();
        }
        // Rows one column in, as the message's first row.
        let mut rows: Vec<String> =
            super::wrap::wrap(msg.trim_start(), width.saturating_sub(2).max(1))
                .into_iter()
                .map(|r| format!(" {r}"))
                .collect();
        let max = usize::from(super::layout::max_status_rows(self.size.1));
        if rows.len() > max {
            rows.truncate(max);
            if let Some(last) = rows.last_mut() {
                last.push('…');
            }
        }
        rows
    }

    /// How many rows the status bar takes.
    pub fn status_rows(&self) -> u16 {
        u16::try_from(self.status_lines().len()).unwrap_or(1).max(1)
    }
}
