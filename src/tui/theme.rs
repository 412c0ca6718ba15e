//! Named styles. With `NO_COLOR` set (to anything but the empty string) no colour is
//! used at all, only bold, reverse and underline; and nothing is ever said by colour
//! alone: zones are always written out, the selection has a marker.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::domain::instrument::Band;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set and not empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub fn plain() -> Theme {
        Theme { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn border(&self) -> Style {
        self.dim()
    }

    pub fn border_focus(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn saved(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        Style::new()
    }

    pub fn status_bar(&self) -> Style {
        if self.color {
            Style::new().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The colour the instrument gives a zone, when it names one.
    pub fn zone_color(&self, band: &Band) -> Option<Color> {
        if !self.color {
            return None;
        }
        band.color.as_deref().and_then(|c| Color::from_str(c).ok())
    }

    /// A zone's text: its colour and bold (the text itself says the zone).
    pub fn zone(&self, band: &Band) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        match self.zone_color(band) {
            Some(c) => s.fg(c),
            None => s,
        }
    }

    /// A category's text (format 2): the colour its band or zone names, and bold.
    pub fn category(&self, color: Option<&str>) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        match color
            .filter(|_| self.color)
            .and_then(|c| Color::from_str(c).ok())
        {
            Some(c) => s.fg(c),
            None => s,
        }
    }

    pub fn gauge(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Green).bg(Color::Black)
        } else {
            Style::new()
        }
    }
}
