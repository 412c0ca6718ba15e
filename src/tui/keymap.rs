//! Keys to actions: the default key map, key names as the config file writes them
//! (`j`, `G`, `ctrl-c`, `pagedown`, `space`), and `config.toml` in the config dir,
//! which can rebind any action and choose the language:
//!
//! ```toml
//! language = "en"          # "id" or "en"; default: from LANG
//! [keys]
//! down = ["j", "down", "ctrl-n"]
//! quit = "q"
//! ```
//!
//! A broken config never stops the workstation: what cannot be used is reported in
//! the status bar and the log, and the defaults stay for it.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::domain::Lang;

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
    pub fn parse(name: &str) -> Result<KeyChord, String> {
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
                    return Err(format!(
                        "{name:?}: write the shifted character itself (e.g. \"G\", not \"shift-g\")"
                    ));
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
                    _ => {
                        return Err(format!(
                            "{name:?} is not a key name: use a character (\"j\", \"G\", \"?\"), \
                             a named key (enter, esc, space, tab, backtab, backspace, delete, \
                             up, down, left, right, pageup, pagedown, home, end, f1..f12), \
                             optionally with ctrl-/alt-"
                        ));
                    }
                },
            },
        };
        Ok(KeyChord { code, mods })
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

/// The keys of every action, in a fixed order (the first key of an action is the one
/// the hint bar shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(KeyChord, Action)>,
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        use KeyCode as K;
        let ctrl = |c| KeyChord::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let p = KeyChord::plain;
        let c = KeyChord::ch;
        let mut bindings = vec![
            (c('k'), Action::Up),
            (p(K::Up), Action::Up),
            (c('j'), Action::Down),
            (p(K::Down), Action::Down),
            (p(K::PageUp), Action::PageUp),
            (ctrl('b'), Action::PageUp),
            (p(K::PageDown), Action::PageDown),
            (ctrl('f'), Action::PageDown),
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
            (c('d'), Action::Dashboard),
            (c(' '), Action::Tick),
        ];
        for d in 0..=9u8 {
            bindings.push((c(char::from(b'0' + d)), Action::SetValue(d)));
        }
        bindings.extend([
            (c('x'), Action::NotApplicable),
            (c('c'), Action::Clear),
            (p(K::Delete), Action::Clear),
            (c('n'), Action::Note),
            (c('e'), Action::Evidence),
            (c('u'), Action::Undo),
            (c('f'), Action::Finalize),
            (c('X'), Action::Export),
            (c('L'), Action::Language),
            (c('?'), Action::Help),
            (p(K::F(1)), Action::Help),
            (c('q'), Action::Quit),
            (ctrl('c'), Action::Quit),
        ]);
        KeyMap { bindings }
    }
}

impl KeyMap {
    /// The action of a key press, if it has one.
    pub fn resolve(&self, ev: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(ev);
        self.bindings
            .iter()
            .find(|(k, _)| *k == chord)
            .map(|&(_, a)| a)
    }

    /// The keys bound to an action, first the preferred one.
    pub fn keys(&self, action: Action) -> Vec<KeyChord> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|&(k, _)| k)
            .collect()
    }

    /// "j/↓" — the keys of an action as the help overlay writes them.
    pub fn label(&self, action: Action) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "-".into();
        }
        keys.iter()
            .map(KeyChord::label)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action, for the hint bar.
    pub fn first(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(KeyChord::label)
    }

    /// Binds `keys` to `action` instead of its defaults; a key taken from another
    /// action leaves that action.
    pub fn rebind(&mut self, action: Action, keys: &[KeyChord]) {
        self.bindings
            .retain(|(k, a)| *a != action && !keys.contains(k));
        // Keep the action's place in the list so the help overlay order stays stable.
        let at = self
            .bindings
            .iter()
            .position(|(_, a)| {
                Action::ALL.iter().position(|x| x == a)
                    > Action::ALL.iter().position(|x| *x == action)
            })
            .unwrap_or(self.bindings.len());
        for (n, k) in keys.iter().enumerate() {
            self.bindings.insert(at + n, (*k, action));
        }
    }
}

/// The user's settings from `config.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub lang: Option<Lang>,
    pub keys: KeyMap,
    /// What in the file could not be used, each naming the file and the fix.
    pub warnings: Vec<String>,
    pub path: Option<PathBuf>,
}

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
                warnings: vec![format!(
                    "{}: cannot read ({e}); using the default keys",
                    path.display()
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
                config.warnings.push(format!(
                    "{file}: not valid TOML ({}); using the defaults",
                    e.message()
                ));
                return config;
            }
        };
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("language", toml::Value::String(s)) => match s.as_str() {
                    "id" => config.lang = Some(Lang::Id),
                    "en" => config.lang = Some(Lang::En),
                    other => config.warnings.push(format!(
                        "{file}: language = {other:?}: use \"id\" or \"en\""
                    )),
                },
                ("keys", toml::Value::Table(keys)) => {
                    for (name, v) in keys {
                        let Some(action) = Action::from_name(name) else {
                            config.warnings.push(format!(
                                "{file}: keys.{name}: no such action; the actions are {}",
                                Action::ALL.map(Action::name).join(", ")
                            ));
                            continue;
                        };
                        let names: Vec<&str> = match v {
                            toml::Value::String(s) => vec![s.as_str()],
                            toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                            _ => Vec::new(),
                        };
                        let chords: Result<Vec<KeyChord>, String> =
                            names.iter().map(|n| KeyChord::parse(n)).collect();
                        match chords {
                            Ok(c) if !c.is_empty() => config.keys.rebind(action, &c),
                            Ok(_) => config.warnings.push(format!(
                                "{file}: keys.{name}: give a key name or a list of them, e.g. [\"j\", \"down\"]"
                            )),
                            Err(e) => config.warnings.push(format!("{file}: keys.{name}: {e}")),
                        }
                    }
                }
                (other, _) => config.warnings.push(format!(
                    "{file}: {other}: unknown setting (known: language, [keys])"
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
        let r = |code, mods| m.resolve(&key(code, mods));
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
            Some(Action::SetValue(7))
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
        // Every action has a key.
        for a in Action::ALL {
            assert!(!m.keys(a).is_empty(), "{} has no key", a.name());
        }
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
            c.keys
                .resolve(&ev(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        // "k" moved from up to down; "j" no longer moves down.
        assert_eq!(
            c.keys.resolve(&ev(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            c.keys.resolve(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            c.keys.resolve(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            c.keys.resolve(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some(Action::Quit)
        );
        // up keeps its arrow; the bad entries are reported, naming the file.
        assert_eq!(
            c.keys.resolve(&ev(KeyCode::Up, KeyModifiers::NONE)),
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
        assert_eq!(bad.keys, KeyMap::default());
    }
}
