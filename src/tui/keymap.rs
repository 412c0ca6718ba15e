//! Keys to actions, one table per mode ([`KeyMap`]): the defaults, key names as the
//! config file writes them (`j`, `G`, `ctrl-c`, `pagedown`, `space`), and
//! `config.toml` in the config dir, which can rebind any action of any mode and
//! choose the language:
//!
//! ```toml
//! language = "en"          # "id" or "en"; default: from LANG (the language key's
//!                          #   last choice, remembered in the database, wins)
//! auto_advance = true      # after an answer the cursor moves to the next indicator
//! [keys]                   # lists, checklists, rosters, questionnaires, dashboard
//! down = ["j", "down", "ctrl-n"]
//! quit = "q"
//! [keys.editor]            # the note editor: save, cancel, newline, left, right,
//! save = ["ctrl-s", "f2"]  #   up, down, line_start, line_end, delete_back, delete
//! [keys.prompt]            # evidence/reopen/export prompts: submit, cancel, left,
//! submit = "enter"         #   right, line_start, line_end, delete_back, delete
//! [keys.filter_input]      # typing the filter: done, cancel, up, down, page_up,
//! clear_text = "ctrl-u"    #   page_down, delete_back, clear_text
//! [keys.confirm]           # yes/no questions: yes, no (any other key is no)
//! yes = ["y", "Y"]
//! ```
//!
//! [`KeyMap::to_config`] writes the whole default map in this form. In the editor,
//! the prompts and the filter a key bound to no action types its character.
//!
//! A broken config never stops the workstation: what cannot be used is reported in
//! the status bar (in the UI's language) and the log, and the defaults stay for it.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{
    Action, Bindable, ConfirmAction, EditorAction, FilterAction, Mode, PromptAction,
};
use crate::domain::Lang;

/// Why a key name in `config.toml` is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyNameError {
    /// `shift-g`: the shifted character is the key.
    Shifted(String),
    Unknown(String),
}

impl KeyNameError {
    /// The message in the UI's language.
    pub fn text(&self, lang: Lang) -> String {
        const KEYS: &str = "enter, esc, space, tab, backtab, backspace, delete, up, down, \
                            left, right, pageup, pagedown, home, end, f1..f12";
        match (self, lang) {
            (KeyNameError::Shifted(n), Lang::En) => {
                format!("{n:?}: write the shifted character itself (e.g. \"G\", not \"shift-g\")")
            }
            (KeyNameError::Shifted(n), Lang::Id) => {
                format!(
                    "{n:?}: tulis karakter ber-Shift itu sendiri (mis. \"G\", bukan \"shift-g\")"
                )
            }
            (KeyNameError::Unknown(n), Lang::En) => format!(
                "{n:?} is not a key name: use a character (\"j\", \"G\", \"?\"), \
                 a named key ({KEYS}), optionally with ctrl-/alt-"
            ),
            (KeyNameError::Unknown(n), Lang::Id) => format!(
                "{n:?} bukan nama tombol: pakai satu karakter (\"j\", \"G\", \"?\"), \
                 nama tombol ({KEYS}), boleh dengan ctrl-/alt-"
            ),
        }
    }
}

impl std::fmt::Display for KeyNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Something in `config.toml` that could not be used, in both languages (the English
/// text goes to the log; the status bar says it in the UI's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub en: String,
    pub id: String,
}

impl Warning {
    fn new(en: String, id: String) -> Warning {
        Warning { en, id }
    }

    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Id => &self.id,
        }
    }
}

impl std::ops::Deref for Warning {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl PartialEq<&str> for Warning {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

/// One key with its modifiers, normalised so that the same key always compares equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyChord {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        KeyChord { code, mods }
    }

    pub const fn plain(code: KeyCode) -> KeyChord {
        KeyChord::new(code, KeyModifiers::NONE)
    }

    pub const fn ch(c: char) -> KeyChord {
        KeyChord::plain(KeyCode::Char(c))
    }

    /// The chord of a key event. A character already carries Shift (`G`, `?`), so
    /// Shift is dropped for characters; Back-Tab is Shift-Tab on its own.
    pub fn from_event(ev: &KeyEvent) -> KeyChord {
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => {
                ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT)
            }
            _ => ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT),
        };
        // Ctrl with a letter arrives as the lower-case letter on most terminals.
        let code = match ev.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            c => c,
        };
        KeyChord { code, mods }
    }

    /// Parses a key name: a single character (`j`, `G`, `?`), a named key (`enter`,
    /// `esc`, `space`, `tab`, `backtab`, `backspace`, `delete`, `up`, `pagedown`,
    /// `home`, `f1`..`f12`, ...), optionally after `ctrl-`, `alt-` or `shift-`.
    pub fn parse(name: &str) -> Result<KeyChord, KeyNameError> {
        let mut rest = name;
        let mut mods = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) {
                    return Err(KeyNameError::Shifted(name.to_string()));
                }
                let c = if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                KeyCode::Char(c)
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode::Char(' '),
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "backspace" => KeyCode::Backspace,
                "tab" if mods.contains(KeyModifiers::SHIFT) => {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" | "page_up" => KeyCode::PageUp,
                "pagedown" | "pgdn" | "page_down" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
                    _ => return Err(KeyNameError::Unknown(name.to_string())),
                },
            },
        };
        Ok(KeyChord { code, mods })
    }

    /// The key's name as `config.toml` writes it; [`KeyChord::parse`] reads it back.
    pub fn config_name(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::Enter => out.push_str("enter"),
            KeyCode::Esc => out.push_str("esc"),
            KeyCode::Backspace => out.push_str("backspace"),
            KeyCode::Tab => out.push_str("tab"),
            KeyCode::BackTab => out.push_str("backtab"),
            KeyCode::Delete => out.push_str("delete"),
            KeyCode::Insert => out.push_str("insert"),
            KeyCode::Up => out.push_str("up"),
            KeyCode::Down => out.push_str("down"),
            KeyCode::Left => out.push_str("left"),
            KeyCode::Right => out.push_str("right"),
            KeyCode::PageUp => out.push_str("pageup"),
            KeyCode::PageDown => out.push_str("pagedown"),
            KeyCode::Home => out.push_str("home"),
            KeyCode::End => out.push_str("end"),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            other => out.push_str(&format!("{other:?}").to_lowercase()),
        }
        out
    }

    /// How the help overlay and the hint bar write the key.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                out.push(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => out.push(c),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Backspace => out.push_str("Bksp"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Delete => out.push_str("Del"),
            KeyCode::Insert => out.push_str("Ins"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            other => out.push_str(&format!("{other:?}")),
        }
        out
    }
}

/// The keys of one mode's actions, in a fixed order (the first key of an action is
/// the one the hint bar shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bindings<A> {
    list: Vec<(KeyChord, A)>,
}

impl<A: Bindable> Bindings<A> {
    fn new(list: Vec<(KeyChord, A)>) -> Bindings<A> {
        Bindings { list }
    }

    /// The action of a key press, if it has one.
    pub fn resolve(&self, ev: &KeyEvent) -> Option<A> {
        let chord = KeyChord::from_event(ev);
        self.list.iter().find(|(k, _)| *k == chord).map(|&(_, a)| a)
    }

    /// The keys bound to an action, first the preferred one.
    pub fn keys(&self, action: A) -> Vec<KeyChord> {
        self.list
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|&(k, _)| k)
            .collect()
    }

    /// "j/↓" — the keys of an action as the help overlay writes them ("-": none).
    pub fn label(&self, action: A) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "-".into();
        }
        keys.iter()
            .map(KeyChord::label)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action, for the hint bar and the messages.
    pub fn first(&self, action: A) -> Option<String> {
        self.keys(action).first().map(KeyChord::label)
    }

    /// Binds `keys` to `action` instead of its defaults; a key taken from another
    /// action of the mode leaves that action.
    pub fn rebind(&mut self, action: A, keys: &[KeyChord]) {
        self.list.retain(|(k, a)| *a != action && !keys.contains(k));
        // Keep the action's place in the list so the help overlay order stays stable.
        let rank = |a: &A| A::ALL.iter().position(|x| x == a);
        let at = self
            .list
            .iter()
            .position(|(_, a)| rank(a) > rank(&action))
            .unwrap_or(self.list.len());
        for (n, k) in keys.iter().enumerate() {
            self.list.insert(at + n, (*k, action));
        }
    }
}

/// The keys of every mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    pub normal: Bindings<Action>,
    pub editor: Bindings<EditorAction>,
    pub prompt: Bindings<PromptAction>,
    pub filter: Bindings<FilterAction>,
    pub confirm: Bindings<ConfirmAction>,
}

fn ctrl(c: char) -> KeyChord {
    KeyChord::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        use KeyCode as K;
        let p = KeyChord::plain;
        let c = KeyChord::ch;
        let mut normal = vec![
            (c('k'), Action::Up),
            (p(K::Up), Action::Up),
            (c('j'), Action::Down),
            (p(K::Down), Action::Down),
            (p(K::PageUp), Action::PageUp),
            (ctrl('b'), Action::PageUp),
            (p(K::PageDown), Action::PageDown),
            (ctrl('d'), Action::PageDown),
            (c('g'), Action::Top),
            (p(K::Home), Action::Top),
            (c('G'), Action::Bottom),
            (p(K::End), Action::Bottom),
            (p(K::Enter), Action::Open),
            (c('l'), Action::Open),
            (p(K::Right), Action::Open),
            (p(K::Esc), Action::Back),
            (p(K::Backspace), Action::Back),
            (c('h'), Action::Back),
            (p(K::Left), Action::Back),
            (p(K::Tab), Action::NextPane),
            (p(K::BackTab), Action::NextPane),
            (c('/'), Action::Filter),
            (c(':'), Action::Search),
            (ctrl('f'), Action::Search),
            (c(']'), Action::NextUnanswered),
            (c('['), Action::PrevUnanswered),
            (c('d'), Action::Dashboard),
            (c(' '), Action::Tick),
        ];
        for d in 0..=9u8 {
            if let Some(a) = Action::value(d) {
                normal.push((c(char::from(b'0' + d)), a));
            }
        }
        normal.extend([
            (c('x'), Action::NotApplicable),
            (c('c'), Action::Clear),
            (p(K::Delete), Action::Clear),
            (c('n'), Action::Note),
            (c('e'), Action::Evidence),
            (c('E'), Action::RemoveEvidence),
            (c('u'), Action::Undo),
            (ctrl('r'), Action::Redo),
            (c('U'), Action::Redo),
            (c('a'), Action::History),
            (c('f'), Action::Finalize),
            (c('+'), Action::AddRespondent),
            (c('-'), Action::RemoveRespondent),
            (c('X'), Action::Export),
            (c('K'), Action::ConfirmReturned),
            (c('V'), Action::ConfirmCarried),
            (c('L'), Action::Language),
            (c('?'), Action::Help),
            (p(K::F(1)), Action::Help),
            (c('q'), Action::Quit),
            (ctrl('c'), Action::Quit),
        ]);
        let editor = vec![
            (ctrl('s'), EditorAction::Save),
            (p(K::F(2)), EditorAction::Save),
            (p(K::Esc), EditorAction::Cancel),
            (p(K::Enter), EditorAction::Newline),
            (p(K::Left), EditorAction::Left),
            (p(K::Right), EditorAction::Right),
            (p(K::Up), EditorAction::Up),
            (p(K::Down), EditorAction::Down),
            (p(K::Home), EditorAction::LineStart),
            (ctrl('a'), EditorAction::LineStart),
            (p(K::End), EditorAction::LineEnd),
            (ctrl('e'), EditorAction::LineEnd),
            (p(K::Backspace), EditorAction::DeleteBack),
            (p(K::Delete), EditorAction::Delete),
        ];
        let prompt = vec![
            (p(K::Enter), PromptAction::Submit),
            (p(K::Esc), PromptAction::Cancel),
            (p(K::Tab), PromptAction::Complete),
            (p(K::Left), PromptAction::Left),
            (p(K::Right), PromptAction::Right),
            (p(K::Home), PromptAction::LineStart),
            (ctrl('a'), PromptAction::LineStart),
            (p(K::Up), PromptAction::LineStart),
            (p(K::End), PromptAction::LineEnd),
            (ctrl('e'), PromptAction::LineEnd),
            (p(K::Down), PromptAction::LineEnd),
            (p(K::Backspace), PromptAction::DeleteBack),
            (p(K::Delete), PromptAction::Delete),
        ];
        let filter = vec![
            (p(K::Enter), FilterAction::Done),
            (p(K::Esc), FilterAction::Cancel),
            (p(K::Up), FilterAction::Up),
            (p(K::Down), FilterAction::Down),
            (p(K::PageUp), FilterAction::PageUp),
            (p(K::PageDown), FilterAction::PageDown),
            (p(K::Backspace), FilterAction::DeleteBack),
            (ctrl('u'), FilterAction::ClearText),
        ];
        let confirm = vec![
            (c('y'), ConfirmAction::Yes),
            (c('Y'), ConfirmAction::Yes),
            (c('n'), ConfirmAction::No),
            (p(K::Esc), ConfirmAction::No),
        ];
        KeyMap {
            normal: Bindings::new(normal),
            editor: Bindings::new(editor),
            prompt: Bindings::new(prompt),
            filter: Bindings::new(filter),
            confirm: Bindings::new(confirm),
        }
    }
}

impl KeyMap {
    /// The bindings of `A`'s mode.
    pub fn of<A: Bindable>(&self) -> &Bindings<A> {
        A::bindings(self)
    }

    /// The first key of an action of any mode, for the hint bars and messages.
    pub fn first<A: Bindable>(&self, action: A) -> Option<String> {
        A::bindings(self).first(action)
    }

    /// The first key of an action, or "-" when it has none.
    pub fn key<A: Bindable>(&self, action: A) -> String {
        self.first(action).unwrap_or_else(|| "-".into())
    }

    /// Every key of an action, as the help overlay writes them.
    pub fn label<A: Bindable>(&self, action: A) -> String {
        A::bindings(self).label(action)
    }

    /// A `config.toml` holding every action of every mode with its keys in this map
    /// (for the defaults: the example config, which parses back to the defaults).
    pub fn to_config(&self) -> String {
        let mut out = String::from(
            "# patuh workstation settings (config.toml). Every line is optional.\n\
             # language = \"id\"   # \"id\" or \"en\"; default: from LANG\n\
             # auto_advance = true   # after an answer, the cursor moves to the next indicator\n",
        );
        fn table<A: Bindable>(map: &KeyMap, out: &mut String) {
            out.push_str(&format!("\n[{}]\n", A::MODE.section()));
            for &a in A::ALL {
                let keys: Vec<String> = A::bindings(map)
                    .keys(a)
                    .iter()
                    .map(|k| format!("{:?}", k.config_name()))
                    .collect();
                out.push_str(&format!("{} = [{}]\n", a.name(), keys.join(", ")));
            }
        }
        table::<Action>(self, &mut out);
        table::<EditorAction>(self, &mut out);
        table::<PromptAction>(self, &mut out);
        table::<FilterAction>(self, &mut out);
        table::<ConfirmAction>(self, &mut out);
        out
    }

    /// Applies one `[keys...]` table of the config to mode `A`; what cannot be used
    /// goes to `warnings`, naming `file` and the entry.
    fn apply<A: Bindable>(&mut self, table: &toml::Table, file: &str, warnings: &mut Vec<Warning>) {
        let section = A::MODE.section();
        for (name, v) in table {
            // The other modes' tables inside [keys] are read on their own.
            if A::MODE == Mode::Normal
                && let toml::Value::Table(_) = v
                && Mode::ALL.iter().any(|m| m.table() == Some(name.as_str()))
            {
                continue;
            }
            let Some(action) = A::from_name(name) else {
                let names: Vec<&str> = A::ALL.iter().map(|a| a.name()).collect();
                let tables: Vec<String> = Mode::ALL
                    .iter()
                    .filter_map(|m| m.table())
                    .map(|t| format!("[keys.{t}]"))
                    .collect();
                let (more, lagi) = if A::MODE == Mode::Normal {
                    (
                        format!(
                            "; the other modes have tables of their own: {}",
                            tables.join(", ")
                        ),
                        format!("; mode lain punya tabelnya sendiri: {}", tables.join(", ")),
                    )
                } else {
                    (String::new(), String::new())
                };
                warnings.push(Warning::new(
                    format!(
                        "{file}: {section}.{name}: no such action; the actions are {}{more}",
                        names.join(", ")
                    ),
                    format!(
                        "{file}: {section}.{name}: tindakan itu tidak ada; tindakannya: {}{lagi}",
                        names.join(", ")
                    ),
                ));
                continue;
            };
            let names: Vec<&str> = match v {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                _ => Vec::new(),
            };
            let chords: Result<Vec<KeyChord>, KeyNameError> =
                names.iter().map(|n| KeyChord::parse(n)).collect();
            match chords {
                Ok(c) if !c.is_empty() => A::bindings_mut(self).rebind(action, &c),
                Ok(_) => warnings.push(Warning::new(
                    format!(
                        "{file}: {section}.{name}: give a key name or a list of them, e.g. [\"j\", \"down\"]"
                    ),
                    format!(
                        "{file}: {section}.{name}: tulis nama tombol atau daftarnya, mis. [\"j\", \"down\"]"
                    ),
                )),
                Err(e) => warnings.push(Warning::new(
                    format!("{file}: {section}.{name}: {}", e.text(Lang::En)),
                    format!("{file}: {section}.{name}: {}", e.text(Lang::Id)),
                )),
            }
        }
    }
}

/// The user's settings from `config.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    pub lang: Option<Lang>,
    pub keymap: KeyMap,
    /// After an answer the cursor moves on to the next indicator (default: yes).
    pub advance: bool,
    /// What in the file could not be used, each naming the file and the fix.
    pub warnings: Vec<Warning>,
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            lang: None,
            keymap: KeyMap::default(),
            advance: true,
            warnings: Vec::new(),
            path: None,
        }
    }
}

/// What `config.toml` may hold.
const KNOWN_SETTINGS: &str = "language, auto_advance, [keys], [keys.editor], [keys.prompt], \
                              [keys.filter_input], [keys.confirm]";

/// `PATUH_CONFIG`, else `config.toml` in the user's config dir.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PATUH_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("id", "Ombudsman", "patuh")
        .map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// Reads the config file if there is one; a missing file is the defaults.
    pub fn load() -> Config {
        let Some(path) = config_path() else {
            return Config::default();
        };
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => Config {
                warnings: vec![Warning::new(
                    format!(
                        "{}: cannot read ({e}); using the default keys",
                        path.display()
                    ),
                    format!(
                        "{}: tidak dapat dibaca ({e}); tombol bawaan dipakai",
                        path.display()
                    ),
                )],
                ..Config::default()
            },
        };
        config.path = Some(path);
        for w in &config.warnings {
            tracing::warn!("{w}");
        }
        config
    }

    /// Parses the config text; `file` names it in the warnings.
    pub fn parse(text: &str, file: &str) -> Config {
        let mut config = Config::default();
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                config.warnings.push(Warning::new(
                    format!(
                        "{file}: not valid TOML ({}); using the defaults",
                        e.message()
                    ),
                    format!(
                        "{file}: bukan TOML yang sah ({}); pengaturan bawaan dipakai",
                        e.message()
                    ),
                ));
                return config;
            }
        };
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("language", toml::Value::String(s)) => match s.as_str() {
                    "id" => config.lang = Some(Lang::Id),
                    "en" => config.lang = Some(Lang::En),
                    other => config.warnings.push(Warning::new(
                        format!("{file}: language = {other:?}: use \"id\" or \"en\""),
                        format!("{file}: language = {other:?}: pakai \"id\" atau \"en\""),
                    )),
                },
                ("auto_advance", toml::Value::Boolean(b)) => config.advance = *b,
                ("auto_advance", other) => config.warnings.push(Warning::new(
                    format!("{file}: auto_advance = {other}: write true or false"),
                    format!("{file}: auto_advance = {other}: tulis true atau false"),
                )),
                ("keys", toml::Value::Table(keys)) => {
                    let w = &mut config.warnings;
                    config.keymap.apply::<Action>(keys, file, w);
                    for (name, v) in keys {
                        let toml::Value::Table(t) = v else { continue };
                        match name.as_str() {
                            "editor" => config.keymap.apply::<EditorAction>(t, file, w),
                            "prompt" => config.keymap.apply::<PromptAction>(t, file, w),
                            "filter_input" => config.keymap.apply::<FilterAction>(t, file, w),
                            "confirm" => config.keymap.apply::<ConfirmAction>(t, file, w),
                            _ => {}
                        }
                    }
                }
                (other, _) => config.warnings.push(Warning::new(
                    format!("{file}: {other}: unknown setting (known: {KNOWN_SETTINGS})"),
                    format!(
                        "{file}: {other}: pengaturan tidak dikenal (yang dikenal: {KNOWN_SETTINGS})"
                    ),
                )),
            }
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, mods, KeyEventKind::Press)
    }

    #[test]
    fn defaults_cover_the_issue_keys() {
        let m = KeyMap::default();
        let r = |code, mods| m.normal.resolve(&key(code, mods));
        assert_eq!(
            r(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::Down)
        );
        assert_eq!(r(KeyCode::Down, KeyModifiers::NONE), Some(Action::Down));
        assert_eq!(
            r(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Bottom)
        );
        assert_eq!(
            r(KeyCode::Char('?'), KeyModifiers::SHIFT),
            Some(Action::Help)
        );
        assert_eq!(
            r(KeyCode::Char(' '), KeyModifiers::NONE),
            Some(Action::Tick)
        );
        assert_eq!(
            r(KeyCode::Char('7'), KeyModifiers::NONE),
            Some(Action::Value7)
        );
        assert_eq!(
            r(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(
            r(
                KeyCode::Char('C'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            r(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::NextPane)
        );
        assert_eq!(r(KeyCode::Char('z'), KeyModifiers::NONE), None);
        // Every action of every mode has a key.
        fn all_bound<A: Bindable>(m: &KeyMap) {
            for &a in A::ALL {
                assert!(!m.of::<A>().keys(a).is_empty(), "{a:?} has no key");
            }
        }
        all_bound::<Action>(&m);
        all_bound::<EditorAction>(&m);
        all_bound::<PromptAction>(&m);
        all_bound::<FilterAction>(&m);
        all_bound::<ConfirmAction>(&m);
    }

    #[test]
    fn key_names_parse_and_label() {
        assert_eq!(KeyChord::parse("G").unwrap(), KeyChord::ch('G'));
        assert_eq!(KeyChord::parse("space").unwrap(), KeyChord::ch(' '));
        assert_eq!(
            KeyChord::parse("ctrl-S").unwrap(),
            KeyChord::new(KeyCode::Char('s'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            KeyChord::parse("shift-tab").unwrap(),
            KeyChord::plain(KeyCode::BackTab)
        );
        assert_eq!(
            KeyChord::parse("F5").unwrap(),
            KeyChord::plain(KeyCode::F(5))
        );
        assert_eq!(KeyChord::parse("-").unwrap(), KeyChord::ch('-'));
        assert!(KeyChord::parse("shift-g").is_err());
        assert!(KeyChord::parse("hyper").is_err());
        assert_eq!(KeyChord::parse("ctrl-c").unwrap().label(), "Ctrl-C");
        assert_eq!(KeyMap::default().label(Action::Down), "j/↓");
    }

    #[test]
    fn config_rebinds_and_reports_what_it_cannot_use() {
        let c = Config::parse(
            "language = \"en\"\n[keys]\ndown = [\"ctrl-n\", \"k\"]\nquit = \"Q\"\nfly = \"z\"\nup = [\"nokey\"]\n",
            "config.toml",
        );
        assert_eq!(c.lang, Some(Lang::En));
        let ev = |code, mods| key(code, mods);
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        // "k" moved from up to down; "j" no longer moves down.
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some(Action::Quit)
        );
        // up keeps its arrow; the bad entries are reported, naming the file.
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Up, KeyModifiers::NONE)),
            Some(Action::Up)
        );
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(
            c.warnings
                .iter()
                .all(|w| w.starts_with("config.toml: keys."))
        );
        let bad = Config::parse("language = [", "c.toml");
        assert_eq!(bad.warnings.len(), 1);
        assert_eq!(bad.keymap, KeyMap::default());
    }

    #[test]
    fn the_default_config_lists_every_action_and_reads_back_as_the_defaults() {
        let text = KeyMap::default().to_config();
        fn listed<A: Bindable>(text: &str) {
            let section = format!("[{}]\n", A::MODE.section());
            let start = text
                .find(&section)
                .unwrap_or_else(|| panic!("no {section}"));
            let body = &text[start + section.len()..];
            let body = &body[..body.find("\n[").unwrap_or(body.len())];
            for &a in A::ALL {
                assert!(
                    body.lines()
                        .any(|l| l.starts_with(&format!("{} = [\"", a.name()))),
                    "{a:?} is not in [{}] of the default config:\n{text}",
                    A::MODE.section()
                );
            }
        }
        listed::<Action>(&text);
        listed::<EditorAction>(&text);
        listed::<PromptAction>(&text);
        listed::<FilterAction>(&text);
        listed::<ConfirmAction>(&text);
        let back = Config::parse(&text, "example.toml");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.keymap, KeyMap::default());
        assert_eq!(back.lang, None, "the language line is a comment");
    }

    #[test]
    fn each_mode_is_rebound_in_its_own_table() {
        let c = Config::parse(
            "[keys]\nnote = \"N\"\n[keys.editor]\nsave = \"ctrl-w\"\nfly = \"z\"\n\
             [keys.prompt]\nsubmit = [\"ctrl-j\", \"enter\"]\n[keys.filter_input]\nclear_text = \"ctrl-k\"\n\
             [keys.confirm]\nyes = \"j\"\n",
            "config.toml",
        );
        let ev = |code, mods| key(code, mods);
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('N'), KeyModifiers::SHIFT)),
            Some(Action::Note)
        );
        assert_eq!(
            c.keymap
                .editor
                .resolve(&ev(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(EditorAction::Save)
        );
        assert_eq!(
            c.keymap
                .editor
                .resolve(&ev(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            None,
            "ctrl-s no longer saves"
        );
        assert_eq!(
            c.keymap.editor.first(EditorAction::Save).as_deref(),
            Some("Ctrl-W")
        );
        assert_eq!(c.keymap.prompt.label(PromptAction::Submit), "Ctrl-J/Enter");
        assert_eq!(
            c.keymap
                .filter
                .resolve(&ev(KeyCode::Char('k'), KeyModifiers::CONTROL)),
            Some(FilterAction::ClearText)
        );
        assert_eq!(c.keymap.confirm.label(ConfirmAction::Yes), "j");
        // The same key means different things in different modes.
        assert_eq!(
            c.keymap
                .normal
                .resolve(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            c.warnings,
            [
                "config.toml: keys.editor.fly: no such action; the actions are save, cancel, newline, left, right, up, down, line_start, line_end, delete_back, delete"
            ]
        );
    }

    #[test]
    fn key_names_round_trip_through_the_config_name() {
        for name in [
            "j", "G", "?", "space", "ctrl-s", "alt-x", "f12", "backtab", "pagedown", "esc", "-",
        ] {
            let k = KeyChord::parse(name).unwrap();
            assert_eq!(KeyChord::parse(&k.config_name()).unwrap(), k, "{name}");
        }
    }
}
