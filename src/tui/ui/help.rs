//! The help overlay, generated from the key map in force (so a rebound key shows as
//! rebound): the five steps of an assessment, every action with its keys, the
//! editor's keys, what the marks mean, and where the config file is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::{layout, safe};
use crate::tui::action::Action;
use crate::tui::app::App;

/// The help text's lines.
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = app.t();
    let keys = &app.keys;
    let key_label = |a: Action| keys.first(a).unwrap_or_else(|| "-".into());
    let mut out: Vec<Line<'static>> = Vec::new();
    for step in t.help_intro(&key_label) {
        out.push(Line::raw(step));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(t.help_keys_title, app.theme.heading()));
    let entry = |k: String, d: &str| {
        Line::from(vec![
            Span::styled(format!("  {k:<18} "), app.theme.key()),
            Span::raw(d.to_string()),
        ])
    };
    for a in Action::ALL {
        match a {
            Action::SetValue(0) => {
                let digits: Vec<String> = (0..=9u8)
                    .filter_map(|d| keys.first(Action::SetValue(d)))
                    .collect();
                let label = if digits.concat() == "0123456789" {
                    "0-9".to_string()
                } else {
                    digits.join("/")
                };
                out.push(entry(label, t.describe(a)));
            }
            Action::SetValue(_) => {}
            _ => out.push(entry(keys.label(a), t.describe(a))),
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(t.help_editor_title, app.theme.heading()));
    for (k, d) in t.help_editor {
        out.push(entry(k.to_string(), d));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(t.help_legend_title, app.theme.heading()));
    for (k, d) in t.help_legend {
        out.push(entry(k.to_string(), d));
    }
    if let Some(p) = &app.config_path {
        out.push(Line::raw(""));
        out.push(Line::styled(
            t.config_file(&safe(&p.display().to_string())),
            app.theme.dim(),
        ));
    }
    out
}

pub fn render(app: &App, scroll: u16, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let window = layout::centered(area, 96, area.height.saturating_sub(2));
    Clear.render(window, buf);
    Paragraph::new(lines(app))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(
            Block::bordered()
                .border_style(app.theme.border_focus())
                .title(Span::styled(
                    format!(" {} ", t.help_title),
                    app.theme.title(),
                ))
                .title_bottom(Line::styled(format!(" {} ", t.help_close), app.theme.dim())),
        )
        .render(window, buf);
}
