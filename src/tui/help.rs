//! What the help overlay says, as plain lines built from the key map in force (so a
//! rebound key shows as rebound, in every mode): the six steps of an assessment (the
//! last for the methods since 2022), every action of every mode with its keys, what the
//! marks mean, and where the config file is. Shared by the state (which bounds the overlay's scrolling by its
//! length) and the drawing (`ui/help.rs`, which styles it).

use std::path::Path;

use super::action::{Action, Bindable, ConfirmAction, EditorAction, FilterAction, PromptAction};
use super::keymap::KeyMap;
use super::text::{Described, Ui};
use crate::domain::text::sanitize;

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Text(String),
    Blank,
    Heading(&'static str),
    /// Keys and what they do.
    Entry {
        keys: String,
        what: String,
    },
    /// A remark in a quieter style.
    Remark(String),
}

impl HelpLine {
    /// The line as plain text (for tests and the width of the overlay).
    pub fn text(&self) -> String {
        match self {
            HelpLine::Text(s) | HelpLine::Remark(s) => s.clone(),
            HelpLine::Blank => String::new(),
            HelpLine::Heading(s) => s.to_string(),
            HelpLine::Entry { keys, what } => format!("  {keys:<18} {what}"),
        }
    }
}

/// The whole help text in language `t` with the keys of `keys`.
pub fn lines(t: &Ui, keys: &KeyMap, config: Option<&Path>) -> Vec<HelpLine> {
    let mut out: Vec<HelpLine> = t.help_intro(keys).into_iter().map(HelpLine::Text).collect();
    mode::<Action>(t, keys, &mut out);
    mode::<EditorAction>(t, keys, &mut out);
    mode::<PromptAction>(t, keys, &mut out);
    mode::<FilterAction>(t, keys, &mut out);
    mode::<ConfirmAction>(t, keys, &mut out);
    out.push(HelpLine::Blank);
    out.push(HelpLine::Heading(t.help_legend_title));
    for (k, d) in t.help_legend {
        out.push(HelpLine::Entry {
            keys: k.to_string(),
            what: d.to_string(),
        });
    }
    if let Some(p) = config {
        out.push(HelpLine::Blank);
        out.push(HelpLine::Remark(
            t.config_file(&sanitize(&p.display().to_string())),
        ));
    }
    out
}

/// The section of one mode: its title and every one of its actions with its keys.
fn mode<A: HelpEntry>(t: &Ui, keys: &KeyMap, out: &mut Vec<HelpLine>) {
    out.push(HelpLine::Blank);
    out.push(HelpLine::Heading(t.mode_title(A::MODE)));
    for &a in A::ALL {
        if let Some(label) = a.help_keys(keys) {
            out.push(HelpLine::Entry {
                keys: label,
                what: a.describe(t).to_string(),
            });
        }
    }
    if let Some(remark) = t.mode_remark(A::MODE) {
        out.push(HelpLine::Remark(remark.to_string()));
    }
}

/// How an action's keys are written in the help: each action on its line with all its
/// keys, except the ten value keys, which share one line.
trait HelpEntry: Bindable + Described {
    /// None: the action is on another one's line.
    fn help_keys(self, keys: &KeyMap) -> Option<String> {
        Some(keys.label(self))
    }
}

impl HelpEntry for Action {
    fn help_keys(self, keys: &KeyMap) -> Option<String> {
        match self.digit() {
            None => Some(keys.label(self)),
            Some(0) => {
                let digits: Vec<String> = (0..=9u8)
                    .filter_map(Action::value)
                    .filter_map(|v| keys.first(v))
                    .collect();
                Some(if digits.concat() == "0123456789" {
                    "0-9".to_string()
                } else {
                    digits.join("/")
                })
            }
            Some(_) => None,
        }
    }
}

impl HelpEntry for EditorAction {}
impl HelpEntry for PromptAction {}
impl HelpEntry for FilterAction {}
impl HelpEntry for ConfirmAction {}
