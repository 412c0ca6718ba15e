//! What a key means to the workstation, per mode: [`Action`] on the lists, the
//! checklist and the dashboard (and in the windows that list something — help,
//! history, the evidence to remove, the finalize question's unanswered indicators —
//! which move and close with them), [`EditorAction`] in the note editor,
//! [`PromptAction`] in the one-line prompts (evidence, reopen, export, the assessor's
//! name), [`FilterAction`] while typing a filter or a search and [`ConfirmAction`] in
//! the yes/no questions (finalize, discard a note, remove evidence, a document
//! number).
//!
//! Each list is declared once, below, with the name `config.toml` uses for each action;
//! the macro derives from it the list of every action ([`Bindable::ALL`]), the names and
//! the mode, so that the key map, the help overlay and the config file cannot forget
//! one. Keys are resolved to actions by the key map (`keymap.rs`) and actions are
//! applied by [`crate::tui::app::App::update`], so the two phases can be tested on
//! their own.

use super::keymap::{Bindings, KeyMap};

/// The modes that have keys of their own, and their section in `config.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `[keys]`: lists, checklist, dashboard, help overlay.
    Normal,
    /// `[keys.editor]`: the note editor.
    Editor,
    /// `[keys.prompt]`: the evidence, reopen, export and name prompts.
    Prompt,
    /// `[keys.filter_input]`: typing a filter or a search.
    Filter,
    /// `[keys.confirm]`: "finalize?", "discard the note?", "remove the evidence?".
    Confirm,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Normal,
        Mode::Editor,
        Mode::Prompt,
        Mode::Filter,
        Mode::Confirm,
    ];

    /// The name of the mode's table inside `[keys]` (None: `[keys]` itself).
    pub fn table(self) -> Option<&'static str> {
        match self {
            Mode::Normal => None,
            Mode::Editor => Some("editor"),
            Mode::Prompt => Some("prompt"),
            // Not "filter": that is the name of the action that opens it, in [keys].
            Mode::Filter => Some("filter_input"),
            Mode::Confirm => Some("confirm"),
        }
    }

    /// `keys` or `keys.editor`: how warnings and the example config name the table.
    pub fn section(self) -> String {
        match self.table() {
            None => "keys".into(),
            Some(t) => format!("keys.{t}"),
        }
    }
}

/// An action that keys can be bound to: every one of a mode's actions is listed in
/// `ALL`, has a unique name there and its bindings in the [`KeyMap`].
pub trait Bindable: Copy + Eq + std::fmt::Debug + 'static {
    /// Every action of the mode, in the order the help overlay lists them.
    const ALL: &'static [Self];
    const MODE: Mode;
    /// The name used in `config.toml`.
    fn name(self) -> &'static str;
    fn bindings(map: &KeyMap) -> &Bindings<Self>;
    fn bindings_mut(map: &mut KeyMap) -> &mut Bindings<Self>;

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }
}

macro_rules! actions {
    ($(
        $(#[$meta:meta])*
        pub enum $enum:ident in $mode:ident, $field:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $name:literal ),+ $(,)?
        }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $( $(#[$vmeta])* $variant ),+
        }

        impl Bindable for $enum {
            const ALL: &'static [$enum] = &[$($enum::$variant),+];
            const MODE: Mode = Mode::$mode;
            fn name(self) -> &'static str {
                match self { $($enum::$variant => $name),+ }
            }
            fn bindings(map: &KeyMap) -> &Bindings<Self> {
                &map.$field
            }
            fn bindings_mut(map: &mut KeyMap) -> &mut Bindings<Self> {
                &mut map.$field
            }
        }
    )+};
}

actions! {
    /// A command of the lists, the checklist and the dashboard, independent of the key
    /// that triggers it.
    pub enum Action in Normal, normal {
        Up = "up",
        Down = "down",
        PageUp = "page_up",
        PageDown = "page_down",
        Top = "top",
        Bottom = "bottom",
        /// Drill in: agency -> units -> products -> checklist.
        Open = "open",
        /// Back up one level (or clear a filter first).
        Back = "back",
        /// Switch panes: checklist <-> details, navigator <-> dashboard.
        NextPane = "next_pane",
        /// Filter the list or the checklist in view.
        Filter = "filter",
        /// Find an agency, unit, product or indicator by name, and go there.
        Search = "search",
        /// The next unanswered indicator of the product, then the next product of the
        /// unit that is not finished.
        NextUnanswered = "next_unanswered",
        PrevUnanswered = "prev_unanswered",
        Dashboard = "dashboard",
        /// Tick / untick the highlighted indicator (a scale goes to its max / 0).
        Tick = "tick",
        /// Set the highlighted indicator to this value (see [`Action::digit`]).
        Value0 = "value_0",
        Value1 = "value_1",
        Value2 = "value_2",
        Value3 = "value_3",
        Value4 = "value_4",
        Value5 = "value_5",
        Value6 = "value_6",
        Value7 = "value_7",
        Value8 = "value_8",
        Value9 = "value_9",
        /// Not applicable (again: back to unanswered).
        NotApplicable = "not_applicable",
        /// Back to unanswered.
        Clear = "clear",
        Note = "note",
        Evidence = "evidence",
        /// Remove one of the indicator's evidence references (kept in the audit log).
        RemoveEvidence = "remove_evidence",
        /// Take back the last change of the product on screen.
        Undo = "undo",
        /// Make the last change undone again.
        Redo = "redo",
        /// Who changed what and when: the indicator's or the product's audit rows.
        History = "history",
        /// Finalize the product, or reopen a finalized one (asks for a reason).
        Finalize = "finalize",
        /// Add a respondent of the role in view (a roster, a questionnaire, a role's
        /// row): asks for a position, never a name.
        AddRespondent = "add_respondent",
        /// Remove the respondent in view (asks for a reason; audited, never deleted).
        RemoveRespondent = "remove_respondent",
        /// Write the signed export file of this database (asks where).
        Export = "export",
        /// Confirm as it is what the central office returned on the highlighted
        /// indicator (or on the product), instead of changing it.
        ConfirmReturned = "confirm_returned",
        /// Confirm as it is the answer carried from the previous cycle under the
        /// cursor (to be re-checked until then): an audited change.
        ConfirmCarried = "confirm_carried",
        Language = "language",
        Help = "help",
        Quit = "quit",
    }

    /// A command of the note editor (keys bound to none of them type text).
    pub enum EditorAction in Editor, editor {
        Save = "save",
        /// Close (asks first when the note changed).
        Cancel = "cancel",
        Newline = "newline",
        Left = "left",
        Right = "right",
        Up = "up",
        Down = "down",
        LineStart = "line_start",
        LineEnd = "line_end",
        DeleteBack = "delete_back",
        Delete = "delete",
    }

    /// A command of a one-line prompt: evidence, reopen reason, export file, name.
    pub enum PromptAction in Prompt, prompt {
        Submit = "submit",
        Cancel = "cancel",
        /// Complete the file path typed (evidence, export).
        Complete = "complete",
        Left = "left",
        Right = "right",
        LineStart = "line_start",
        LineEnd = "line_end",
        DeleteBack = "delete_back",
        Delete = "delete",
    }

    /// A command while typing a filter (the list follows every key) or a search.
    pub enum FilterAction in Filter, filter {
        /// Keep the filter, back to the list (the search: go to what is highlighted).
        Done = "done",
        /// Clear the filter and close it (the search: close it).
        Cancel = "cancel",
        Up = "up",
        Down = "down",
        PageUp = "page_up",
        PageDown = "page_down",
        DeleteBack = "delete_back",
        /// Clear what was typed, keep typing.
        ClearText = "clear_text",
    }

    /// An answer to a yes/no question; any key bound to neither answers no.
    pub enum ConfirmAction in Confirm, confirm {
        Yes = "yes",
        No = "no",
    }
}

impl Action {
    const VALUES: [Action; 10] = [
        Action::Value0,
        Action::Value1,
        Action::Value2,
        Action::Value3,
        Action::Value4,
        Action::Value5,
        Action::Value6,
        Action::Value7,
        Action::Value8,
        Action::Value9,
    ];

    /// The action that sets value `d` (0..=9).
    pub fn value(d: u8) -> Option<Action> {
        Action::VALUES.get(usize::from(d)).copied()
    }

    /// The value a `value_N` action sets.
    pub fn digit(self) -> Option<u8> {
        Action::VALUES
            .iter()
            .position(|&a| a == self)
            .and_then(|d| u8::try_from(d).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_round_trip<A: Bindable>() {
        let mut seen = std::collections::HashSet::new();
        for &a in A::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert_eq!(A::from_name(a.name()), Some(a));
        }
        assert_eq!(A::from_name("nonsense"), None);
    }

    #[test]
    fn names_round_trip_and_are_unique_in_every_mode() {
        names_round_trip::<Action>();
        names_round_trip::<EditorAction>();
        names_round_trip::<PromptAction>();
        names_round_trip::<FilterAction>();
        names_round_trip::<ConfirmAction>();
    }

    #[test]
    fn value_actions_carry_their_digit() {
        for d in 0..=9u8 {
            assert_eq!(Action::value(d).and_then(Action::digit), Some(d));
        }
        assert_eq!(Action::value(10), None);
        assert_eq!(Action::Tick.digit(), None);
    }
}
