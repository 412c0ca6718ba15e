//! What a key means to the workstation: the [`Action`] enum, with the stable names the
//! config file uses for each action. Keys are resolved to actions by the key map
//! (`keymap.rs`) and actions are applied by [`crate::tui::app::App::update`], so the
//! two phases can be tested on their own.

/// A command of the workstation, independent of the key that triggers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Drill in: agency -> units -> products -> checklist.
    Open,
    /// Back up one level (or close a filter first).
    Back,
    /// Switch panes: checklist <-> details, navigator <-> dashboard.
    NextPane,
    /// Tick / untick the highlighted indicator (a scale goes to its max / 0).
    Tick,
    /// Set the highlighted indicator to this value.
    SetValue(u8),
    /// Not applicable (again: back to unanswered).
    NotApplicable,
    /// Back to unanswered.
    Clear,
    Note,
    Evidence,
    Undo,
    /// Finalize the product, or reopen a finalized one (asks for a reason).
    Finalize,
    Filter,
    Dashboard,
    Help,
    Language,
    /// The export of issue 4; for now it says which command exports.
    Export,
    Quit,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 32] = [
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::NextPane,
        Action::Filter,
        Action::Dashboard,
        Action::Tick,
        Action::SetValue(0),
        Action::SetValue(1),
        Action::SetValue(2),
        Action::SetValue(3),
        Action::SetValue(4),
        Action::SetValue(5),
        Action::SetValue(6),
        Action::SetValue(7),
        Action::SetValue(8),
        Action::SetValue(9),
        Action::NotApplicable,
        Action::Clear,
        Action::Note,
        Action::Evidence,
        Action::Undo,
        Action::Finalize,
        Action::Export,
        Action::Language,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in `config.toml` (`[keys] down = ["j", "down"]`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::NextPane => "next_pane",
            Action::Tick => "tick",
            Action::SetValue(0) => "value_0",
            Action::SetValue(1) => "value_1",
            Action::SetValue(2) => "value_2",
            Action::SetValue(3) => "value_3",
            Action::SetValue(4) => "value_4",
            Action::SetValue(5) => "value_5",
            Action::SetValue(6) => "value_6",
            Action::SetValue(7) => "value_7",
            Action::SetValue(8) => "value_8",
            Action::SetValue(_) => "value_9",
            Action::NotApplicable => "not_applicable",
            Action::Clear => "clear",
            Action::Note => "note",
            Action::Evidence => "evidence",
            Action::Undo => "undo",
            Action::Finalize => "finalize",
            Action::Filter => "filter",
            Action::Dashboard => "dashboard",
            Action::Help => "help",
            Action::Language => "language",
            Action::Export => "export",
            Action::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Action::from_name("nonsense"), None);
    }
}
