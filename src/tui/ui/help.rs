//! The help overlay: the lines of `tui::help` (built from the key map in force),
//! styled and scrollable in a window over the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::App;
use crate::tui::help::{self, HelpLine};
use crate::tui::layout;

/// The help text's lines, styled.
pub fn lines(app: &App) -> Vec<Line<'static>> {
    help::lines(app.t(), &app.keymap, app.config_path.as_deref())
        .into_iter()
        .map(|l| match l {
            HelpLine::Text(s) => Line::raw(s),
            HelpLine::Blank => Line::raw(""),
            HelpLine::Heading(s) => Line::styled(s, app.theme.heading()),
            HelpLine::Entry { keys, what } => Line::from(vec![
                Span::styled(format!("  {keys:<18} "), app.theme.key()),
                Span::raw(what),
            ]),
            HelpLine::Remark(s) => Line::styled(s, app.theme.dim()),
        })
        .collect()
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
                .title_bottom(Line::styled(
                    format!(" {} ", t.help_hint(&app.keymap)),
                    app.theme.dim(),
                )),
        )
        .render(window, buf);
}
