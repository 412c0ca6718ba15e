//! Drawing: pure functions from the state to a buffer (`impl Widget for &App`), so
//! drawing never changes anything and every screen can be tested on a `TestBackend`.
//! This module draws the frame (header, hint bar from the key map of the mode in
//! force, status bar) and the screen and window in front; one module per screen or
//! window. Reads the state (`tui::app`), never the other way round; the layout both
//! use is `tui::layout`. Every text that comes from the database or a file goes
//! through [`crate::domain::text::sanitize`] on its way to the screen.

mod checklist;
mod dashboard;
mod dialogs;
mod find;
mod help;
mod navigator;
mod roster;
mod score;
#[cfg(test)]
mod tests;

/// The value marks of the checklist, which `patuh show` prints too.
pub use checklist::value_box;

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::action::Action;
use super::app::{App, Modal, NavDepth, Screen, Status};
use super::layout;
use crate::domain::instrument::{Band, Instrument};
use crate::domain::model::Summary;
use crate::domain::text::sanitize;

/// Database or file text made safe for the terminal.
/// An agency name for a narrow list column: the usual short forms of
/// "Pemerintah Provinsi/Kabupaten/Kota", so "Pemerintah Kabupaten Maluku Tengah" and
/// "Pemerintah Kabupaten Buru" do not both end up as "Pemerintah Kabupa…".
pub(crate) fn short_agency(name: &str) -> Cow<'_, str> {
    const SHORT: [(&str, &str); 3] = [
        ("Pemerintah Provinsi ", "Prov. "),
        ("Pemerintah Kabupaten ", "Kab. "),
        ("Pemerintah Kota ", "Kota "),
    ];
    for (long, short) in SHORT {
        if let Some(rest) = name.strip_prefix(long) {
            return Cow::Owned(format!("{short}{}", safe(rest)));
        }
    }
    safe(name)
}

pub(crate) fn safe(s: &str) -> Cow<'_, str> {
    sanitize(s)
}

/// A score as shown ("72.50"), or "-" when there is none.
pub(crate) fn score_text(s: &Summary) -> String {
    s.rounded()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "-".into())
}

/// The zone of a summary as a styled span: the band's code (a format-2 category),
/// coloured by the theme (with the band's colour, else its zone's).
pub(crate) fn zone_span<'a>(app: &App, s: &Summary, instrument: &'a Instrument) -> Span<'a> {
    match s.band(instrument) {
        Some(b) => {
            let zone = instrument.zone_of(b).and_then(|z| z.color.as_deref());
            let style = app.theme.category(b.color.as_deref().or(zone));
            Span::styled(safe(&b.code).into_owned(), style)
        }
        None => Span::raw("-"),
    }
}

pub(crate) fn band<'a>(s: &Summary, instrument: &'a Instrument) -> Option<&'a Band> {
    s.band(instrument)
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if layout::too_small(area) {
            too_small(self, area, buf);
            return;
        }
        let f = layout::frame_in(area, self.status_rows());
        header(self, f.header, buf);
        match &self.screen {
            Screen::Navigator => navigator::render(self, f.main, buf),
            Screen::Checklist(c) => checklist::render(self, c, f.main, buf),
            Screen::Roster(r) => roster::render(self, r, f.main, buf),
            Screen::Dashboard(d) => dashboard::render(self, d, f.main, buf),
        }
        score::render(self, f.side, buf);
        hints(self, f.hints, buf);
        status(self, f.status, buf);
        match &self.modal {
            Modal::None | Modal::Filter => {}
            Modal::Help { scroll } => help::render(self, *scroll, area, buf),
            Modal::Search(search) => find::search(self, search, area, buf),
            Modal::Note(edit) => dialogs::note(self, edit, false, area, buf),
            Modal::ConfirmDiscard(edit) => dialogs::note(self, edit, true, area, buf),
            Modal::Evidence {
                node,
                indicator,
                input,
                digest,
                choices,
            } => dialogs::evidence(self, *node, *indicator, input, *digest, choices, area, buf),
            Modal::ConfirmDocument {
                node,
                indicator,
                input,
            } => dialogs::document(self, *node, *indicator, input, area, buf),
            Modal::PickEvidence {
                node,
                indicator,
                rows,
                selected,
            } => dialogs::pick_evidence(self, *node, *indicator, rows, *selected, area, buf),
            Modal::ConfirmRemove {
                node,
                indicator,
                row,
            } => dialogs::remove(self, *node, *indicator, row, area, buf),
            Modal::Reopen { node, input } => dialogs::reopen(self, *node, input, area, buf),
            Modal::Export { input, choices } => dialogs::export(self, input, choices, area, buf),
            Modal::ConfirmFinalize { node, selected } => {
                dialogs::finalize(self, *node, *selected, area, buf)
            }
            Modal::History {
                node,
                indicator,
                rows,
                scroll,
            } => find::history(self, *node, *indicator, rows, *scroll, area, buf),
            Modal::Assessor { input } => dialogs::assessor(self, input, area, buf),
            Modal::AddRespondent { node, role, input } => {
                dialogs::add_respondent(self, *node, *role, input, area, buf)
            }
            Modal::RemoveRespondent {
                node,
                respondent,
                input,
            } => dialogs::remove_respondent(self, *node, *respondent, input, area, buf),
            Modal::ConfirmMore { node, role } => dialogs::more(self, *node, *role, area, buf),
            Modal::Data {
                node,
                indicator,
                input,
                amount,
            } => dialogs::data(self, *node, *indicator, input, amount.as_deref(), area, buf),
        }
    }
}

/// Where the terminal's cursor belongs (in an editor or prompt), if anywhere.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    if layout::too_small(area) {
        return None;
    }
    match &app.modal {
        Modal::Note(edit) => dialogs::note_cursor(edit, area),
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
        | Modal::Export { input, .. } => dialogs::prompt_cursor(input, area),
        Modal::Search(search) => find::search_cursor(&search.input, area),
        Modal::Filter => {
            let main = layout::frame_in(area, app.status_rows()).main;
            match &app.screen {
                Screen::Checklist(_) => checklist::filter_cursor(app, main),
                _ => navigator::filter_cursor(app, main),
            }
        }
        _ => None,
    }
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let lines = vec![
        Line::styled(t.too_small, app.theme.error()),
        Line::raw(t.too_small_size(area.width, area.height, layout::MIN_W, layout::MIN_H)),
        Line::raw(t.too_small_fix(&app.keymap.key(Action::Quit))),
    ];
    let h = (lines.len() as u16 + 2).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .centered()
        .render(
            Rect {
                y,
                height: area.height - (y - area.y),
                ..area
            },
            buf,
        );
}

/// "patuh · Agencies › 8171 › DUKCAPIL › KTP-EL" and the language on the right.
fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let mut spans = vec![Span::styled(" patuh ", app.theme.title()), Span::raw("· ")];
    let mut crumbs: Vec<String> = vec![t.agencies.to_string()];
    for l in &app.nav[1..] {
        match l.depth {
            NavDepth::Units(a) => crumbs.push(safe(&app.ds.agencies[a].code).into_owned()),
            NavDepth::Products(u) => crumbs.push(safe(&app.ds.units[u].code).into_owned()),
            NavDepth::Agencies => {}
        }
    }
    match &app.screen {
        Screen::Checklist(c) => {
            if let crate::domain::model::NodeRef::Product(p) = c.node {
                crumbs.push(safe(&app.ds.products[p].code).into_owned());
            }
            if let Some(r) = c.respondent {
                crumbs.push(app.respondent_name(c.node, r));
            }
        }
        Screen::Roster(r) => crumbs.push(app.role_label(r.node, r.role)),
        Screen::Dashboard(_) => crumbs = vec![t.dashboard.to_string()],
        Screen::Navigator => {}
    }
    spans.push(Span::styled(crumbs.join(" › "), app.theme.header()));
    Line::from(spans).render(area, buf);
    let right = match &app.read_only {
        Some(_) => format!("{} · {} ", t.read_only_mark, app.lang.code().to_uppercase()),
        None => format!("{} ", app.lang.code().to_uppercase()),
    };
    let w = unicode_width::UnicodeWidthStr::width(right.as_str()) as u16;
    if area.width > w {
        let style = if app.read_only.is_some() {
            app.theme.error()
        } else {
            app.theme.dim()
        };
        Span::styled(right, style).render(Rect::new(area.right() - w, area.y, w, 1), buf);
    }
}

/// The key hints of the current screen, from the key map of the mode in force.
fn hints(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let km = &app.keymap;
    let line = match (&app.modal, &app.screen) {
        (Modal::Note(_), _) => Some(t.editor_hint(km)),
        (
            Modal::Evidence {
                digest: Some(_), ..
            },
            _,
        ) => Some(t.hint_line(km, &[crate::tui::action::PromptAction::Cancel])),
        (Modal::Evidence { .. } | Modal::Export { .. }, _) => Some(format!(
            "{} · {}",
            t.prompt_hint(km),
            t.hint_line(km, &[crate::tui::action::PromptAction::Complete])
        )),
        (
            Modal::Reopen { .. }
            | Modal::Assessor { .. }
            | Modal::AddRespondent { .. }
            | Modal::RemoveRespondent { .. }
            | Modal::Data { .. },
            _,
        ) => Some(t.prompt_hint(km)),
        (Modal::Filter, _) => Some(t.filter_hint(km)),
        (Modal::Search(_), _) => Some(t.search_hint(km)),
        (Modal::Help { .. }, _) => Some(t.help_hint(km)),
        (Modal::History { indicator, .. }, _) => Some(t.history_hint(km, indicator.is_none())),
        (Modal::PickEvidence { .. }, _) => Some(t.pick_evidence_line(km)),
        _ => None,
    };
    if let Some(line) = line {
        Line::styled(format!(" {line}"), app.theme.dim()).render(area, buf);
        return;
    }
    // Each with how dispensable it is: on a narrow terminal the hints that do not fit
    // go, the most dispensable first (the help key stays: it lists them all).
    let actions: &[(Action, u8)] = match &app.screen {
        // A respondent's questionnaire: heads-down, digits and N/A.
        Screen::Checklist(c) if c.respondent.is_some() => &[
            (Action::Value0, 0),
            (Action::NotApplicable, 1),
            (Action::NextUnanswered, 2),
            (Action::Note, 2),
            (Action::Undo, 1),
            (Action::Back, 1),
            (Action::Help, 0),
        ],
        // A unit's or an agency's own checklist: its roles and the nodes below open.
        Screen::Checklist(c) if !matches!(c.node, crate::domain::model::NodeRef::Product(_)) => &[
            (Action::Open, 0),
            (Action::Value0, 3),
            (Action::NotApplicable, 2),
            (Action::NextUnanswered, 1),
            (Action::Note, 1),
            (Action::Evidence, 2),
            (Action::Undo, 1),
            (Action::Finalize, 1),
            (Action::Help, 0),
        ],
        Screen::Roster(_) => &[
            (Action::Open, 0),
            (Action::AddRespondent, 0),
            (Action::RemoveRespondent, 1),
            (Action::Back, 1),
            (Action::Finalize, 2),
            (Action::Help, 0),
        ],
        Screen::Checklist(_) => &[
            (Action::Tick, 0),
            (Action::Value0, 3),
            (Action::NotApplicable, 2),
            (Action::NextUnanswered, 1),
            (Action::Note, 1),
            (Action::Evidence, 1),
            (Action::Undo, 1),
            (Action::Finalize, 1),
            (Action::Help, 0),
        ],
        Screen::Dashboard(_) => &[
            (Action::Open, 0),
            (Action::Back, 0),
            (Action::Help, 0),
            (Action::Quit, 0),
        ],
        Screen::Navigator => &[
            (Action::Open, 0),
            (Action::Back, 2),
            (Action::NextUnanswered, 1),
            (Action::Filter, 2),
            (Action::Search, 1),
            (Action::Dashboard, 3),
            (Action::Help, 0),
            (Action::Quit, 0),
        ],
    };
    // On a cell carried from the previous cycle: the key that confirms it as it is.
    let mut actions = actions.to_vec();
    if let Screen::Checklist(c) = &app.screen
        && let Some(i) = c.indicator()
        && app.carried_in(c.node, c.respondent, i).is_some()
    {
        actions.insert(1, (Action::ConfirmCarried, 0));
    }
    let mut items: Vec<(String, &str, u8)> = actions
        .iter()
        .filter_map(|&(a, rank)| {
            let key = if a == Action::Value0 {
                "0-9".to_string()
            } else {
                km.first(a)?
            };
            let word = crate::tui::text::Described::short(a, t)?;
            Some((key, word, rank))
        })
        .collect();
    let width = |items: &[(String, &str, u8)]| -> usize {
        1 + items
            .iter()
            .map(|(k, w, _)| {
                unicode_width::UnicodeWidthStr::width(k.as_str())
                    + unicode_width::UnicodeWidthStr::width(*w)
                    + 3
            })
            .sum::<usize>()
            - 2
    };
    while !items.is_empty() && width(&items) > usize::from(area.width) {
        let Some(drop) = items
            .iter()
            .enumerate()
            .filter(|(_, (_, _, rank))| *rank > 0)
            .max_by_key(|(n, (_, _, rank))| (*rank, *n))
            .map(|(n, _)| n)
        else {
            break;
        };
        items.remove(drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, word, _) in items {
        spans.push(Span::styled(key, app.theme.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    Line::from(spans).render(area, buf);
}

/// The last message on the left; assessor, database file and instrument on the right.
/// A message too long for one line beside the assessor's name takes the rows it
/// needs, without them.
fn status(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    buf.set_style(area, app.theme.status_bar());
    let style = match &app.status {
        Status::Saved(_) => app.theme.saved(),
        Status::Error(_) => app.theme.error(),
        _ => app.theme.info(),
    };
    let wrapped = app.status_lines();
    if !wrapped.is_empty() {
        for (n, row) in wrapped.iter().enumerate() {
            let y = area.y + n as u16;
            if y >= area.bottom() {
                break;
            }
            Line::from(Span::styled(row.clone(), style))
                .style(app.theme.status_bar())
                .render(Rect::new(area.x, y, area.width, 1), buf);
        }
        return;
    }
    let file = app
        .db_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (agency, _, _) = app.context();
    let instrument = agency
        .map(|a| {
            let i = app.ds.instrument_of_agency(a);
            format!(" · {} v{}", safe(&i.id), safe(&i.version))
        })
        .unwrap_or_default();
    let msg = app.status_text().unwrap_or_default();
    // The message comes first; of the facts on the right, as many as fit beside it.
    let width = unicode_width::UnicodeWidthStr::width;
    let who = safe(&app.who).into_owned();
    let labelled = format!("{}: {who}", t.assessor);
    let file = safe(&file).into_owned();
    let candidates = [
        format!(" {labelled} · {file}{instrument} "),
        format!(" {who} · {file}{instrument} "),
        format!(" {who} · {file} "),
        format!(" {who} "),
    ];
    let right = candidates
        .into_iter()
        .find(|c| width(msg.as_str()) + width(c.as_str()) <= usize::from(area.width))
        .unwrap_or_default();
    let right_w = (width(right.as_str()) as u16).min(area.width);
    let left = Rect {
        width: area.width - right_w,
        ..area
    };
    Line::from(Span::styled(msg, style))
        .style(app.theme.status_bar())
        .render(left, buf);
    Line::raw(right)
        .style(app.theme.status_bar())
        .render(Rect::new(left.right(), area.y, right_w, 1), buf);
}
