//! The windows over the screen: the note editor (with its "discard?" question), the
//! evidence, reopen, export and name prompts (the evidence prompt with the progress of
//! the file being read, the paths Tab found), the questions (a document number?,
//! remove this evidence?), the evidence to remove, and the finalize confirmation with
//! the indicators still unanswered; format 2's respondent (position, removal reason,
//! add another?) and data value prompts. Their key lines come from the key map in
//! force.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::safe;
use crate::domain::model::{IndicatorIx, NodeRef, RespondentIx, RoleIx};
use crate::store::EvidenceRow;
use crate::tui::action::PromptAction;
use crate::tui::app::{App, Digesting, NoteEdit};
use crate::tui::editor::TextArea;
use crate::tui::layout;

fn note_window(area: Rect) -> Rect {
    layout::centered(area, 72, 16)
}

/// The editing area inside the note window (its border and the key line excluded).
fn note_text_area(area: Rect) -> Rect {
    let inner = note_window(area).inner(ratatui::layout::Margin::new(1, 1));
    Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// The first visible layout row, so that the cursor's row is on screen.
fn note_scroll(cursor_row: usize, height: usize) -> usize {
    cursor_row.saturating_sub(height.saturating_sub(1))
}

pub fn note(app: &App, edit: &NoteEdit, confirm: bool, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let window = note_window(area);
    let ind = app.indicator_def(edit.node, edit.indicator);
    let code = app.node_code(edit.node);
    Clear.render(window, buf);
    Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Line::from(vec![
            Span::styled(format!(" {} ", t.note), app.theme.title()),
            Span::raw(format!("{} · {} ", safe(code), safe(&ind.id))),
        ]))
        .render(window, buf);
    let text_area = note_text_area(area);
    let (rows, cursor) = edit.editor.layout(text_area.width as usize);
    let skip = note_scroll(cursor.0, text_area.height as usize);
    let lines: Vec<Line> = rows
        .iter()
        .skip(skip)
        .take(text_area.height as usize)
        .map(|r| Line::raw(r.as_str()))
        .collect();
    Paragraph::new(lines).render(text_area, buf);
    // The cursor cell is drawn reversed too, for terminals that hide the cursor.
    if !confirm {
        let pos = Position::new(
            text_area.x + cursor.1 as u16,
            text_area.y + (cursor.0 - skip) as u16,
        );
        if text_area.contains(pos) {
            buf[pos].set_style(app.theme.selected());
        }
    }
    let key_line = Rect {
        y: text_area.bottom(),
        height: 1,
        ..text_area
    };
    if confirm {
        Line::styled(t.discard_line(&app.keymap), app.theme.error()).render(key_line, buf);
    } else {
        Line::styled(t.editor_hint(&app.keymap), app.theme.dim()).render(key_line, buf);
    }
}

pub fn note_cursor(edit: &NoteEdit, area: Rect) -> Option<Position> {
    let text_area = note_text_area(area);
    let (_, cursor) = edit.editor.layout(text_area.width as usize);
    let skip = note_scroll(cursor.0, text_area.height as usize);
    let pos = Position::new(
        text_area.x + cursor.1 as u16,
        text_area.y + (cursor.0 - skip) as u16,
    );
    text_area.contains(pos).then_some(pos)
}

fn prompt_window(area: Rect) -> Rect {
    layout::centered(area, 70, 8)
}

/// The one-line input of a prompt, scrolled so that the cursor is visible.
fn prompt_input(area: Rect) -> Rect {
    let inner = prompt_window(area).inner(ratatui::layout::Margin::new(1, 1));
    Rect {
        y: inner.y + 3,
        height: 1,
        ..inner
    }
}

/// What a prompt shows: its title, what to type and for what.
struct PromptText<'a> {
    title: &'a str,
    explain: &'a str,
    context: String,
}

/// What Tab found, in place of the explanation: "3 match: a.pdf  b.pdf  c/".
fn choices_text(app: &App, choices: &[String]) -> String {
    let names: Vec<String> = choices
        .iter()
        .map(|c| {
            let trimmed = c.trim_end_matches('/');
            let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
            let dir = if c.ends_with('/') { "/" } else { "" };
            format!("{}{dir}", safe(name))
        })
        .collect();
    format!(
        "{} {}",
        app.t().completions(choices.len()),
        names.join("  ")
    )
}

fn prompt(
    app: &App,
    text: PromptText<'_>,
    input: &TextArea,
    digest: Option<Digesting>,
    area: Rect,
    buf: &mut Buffer,
) {
    let PromptText {
        title,
        explain,
        context,
    } = text;
    let t = app.t();
    let window = prompt_window(area);
    Clear.render(window, buf);
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(format!(" {title} "), app.theme.title()));
    let inner = block.inner(window);
    block.render(window, buf);
    Paragraph::new(vec![
        Line::raw(context),
        Line::styled(explain.to_string(), app.theme.dim()),
    ])
    .wrap(Wrap { trim: false })
    .render(Rect { height: 3, ..inner }, buf);
    let field = prompt_input(area);
    let (text, cursor_x) = prompt_view(input, field.width as usize);
    Line::styled(format!("> {text}"), app.theme.header()).render(field, buf);
    let pos = Position::new(field.x + 2 + cursor_x as u16, field.y);
    if field.contains(pos) {
        buf[pos].set_style(app.theme.selected());
    }
    let keys = match digest {
        Some(d) => Line::styled(
            t.digest_progress(d.done, d.total, &app.keymap.key(PromptAction::Cancel)),
            app.theme.key(),
        ),
        None => Line::styled(t.prompt_hint(&app.keymap), app.theme.dim()),
    };
    keys.render(
        Rect {
            y: field.y + 2,
            height: 1,
            ..field
        },
        buf,
    );
}

/// The visible part of a one-line input and the cursor's column in it.
fn prompt_view(input: &TextArea, width: usize) -> (String, usize) {
    let room = width.saturating_sub(3).max(1);
    let (rows, (row, col)) = input.layout(room);
    (rows.get(row).cloned().unwrap_or_default(), col)
}

pub fn prompt_cursor(input: &TextArea, area: Rect) -> Option<Position> {
    let field = prompt_input(area);
    let (_, x) = prompt_view(input, field.width as usize);
    let pos = Position::new(field.x + 2 + x as u16, field.y);
    field.contains(pos).then_some(pos)
}

#[allow(clippy::too_many_arguments)]
pub fn evidence(
    app: &App,
    p: NodeRef,
    i: IndicatorIx,
    input: &TextArea,
    digest: Option<Digesting>,
    choices: &[String],
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let ind = app.indicator_def(p, i);
    let context = format!(
        "{} · {}",
        safe(&app.ds.node_path(p)),
        safe(ind.label.get(app.lang))
    );
    let listed = choices_text(app, choices);
    let text = PromptText {
        title: t.evidence_title,
        explain: if choices.is_empty() {
            t.evidence_explain
        } else {
            &listed
        },
        context,
    };
    prompt(app, text, input, digest, area, buf);
}

/// The reference names no file: a document number?
pub fn document(
    app: &App,
    p: NodeRef,
    i: IndicatorIx,
    input: &TextArea,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let ind = app.indicator_def(p, i);
    question(
        app,
        t.evidence_title,
        vec![
            Line::raw(format!(
                "{} · {}",
                safe(&app.ds.node_path(p)),
                safe(ind.label.get(app.lang))
            )),
            Line::raw(""),
            Line::styled(
                t.document_question(&safe(input.text().trim()), &app.keymap),
                app.theme.key(),
            ),
        ],
        area,
        buf,
    );
}

/// A yes/no question in a window like the prompts'.
fn question(app: &App, title: &str, lines: Vec<Line<'_>>, area: Rect, buf: &mut Buffer) {
    let window = prompt_window(area);
    Clear.render(window, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .border_style(app.theme.border_focus())
                .title(Span::styled(format!(" {title} "), app.theme.title())),
        )
        .render(window, buf);
}

/// An evidence reference as the lists write it: the reference, and for a file its
/// size and the start of its hash.
fn evidence_line(e: &EvidenceRow) -> String {
    match (&e.size, &e.sha256) {
        (Some(size), Some(h)) => format!(
            "{} ({}, sha256 {}…)",
            safe(&e.reference),
            crate::tui::text::bytes(u64::try_from(*size).unwrap_or(0)),
            safe(&h[..h.len().min(12)])
        ),
        _ => safe(&e.reference).into_owned(),
    }
}

/// The indicator's evidence, one highlighted, to remove.
#[allow(clippy::too_many_arguments)]
pub fn pick_evidence(
    app: &App,
    p: NodeRef,
    i: IndicatorIx,
    rows: &[EvidenceRow],
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let h = (rows.len() as u16 + 5).min(area.height.saturating_sub(2));
    let window = layout::centered(area, 70, h);
    Clear.render(window, buf);
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(
            format!(" {} ", t.pick_evidence_title()),
            app.theme.title(),
        ));
    let inner = block.inner(window);
    block.render(window, buf);
    let ind = app.indicator_def(p, i);
    Line::raw(format!("{} · {}", safe(app.node_code(p)), safe(&ind.id)))
        .render(Rect { height: 1, ..inner }, buf);
    let list = Rect {
        y: inner.y + 2,
        height: inner.height.saturating_sub(3),
        ..inner
    };
    let skip = selected.saturating_sub(usize::from(list.height).saturating_sub(1));
    for (n, e) in rows.iter().enumerate().skip(skip).take(list.height.into()) {
        let y = list.y + (n - skip) as u16;
        let mark = if n == selected { "› " } else { "  " };
        let line = Line::raw(format!("{mark}{}", evidence_line(e)));
        let line = if n == selected {
            line.style(app.theme.selected())
        } else {
            line
        };
        line.render(Rect::new(list.x, y, list.width, 1), buf);
    }
    Line::styled(t.pick_evidence_line(&app.keymap), app.theme.dim()).render(
        Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1),
        buf,
    );
}

/// Remove this evidence reference?
pub fn remove(
    app: &App,
    p: NodeRef,
    i: IndicatorIx,
    row: &EvidenceRow,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let ind = app.indicator_def(p, i);
    question(
        app,
        t.pick_evidence_title(),
        vec![
            Line::raw(format!("{} · {}", safe(app.node_code(p)), safe(&ind.id))),
            Line::raw(""),
            Line::styled(
                t.remove_question(&evidence_line(row), &app.keymap),
                app.theme.key(),
            ),
        ],
        area,
        buf,
    );
}

/// The first start's question: the assessor's name.
pub fn assessor(app: &App, input: &TextArea, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let text = PromptText {
        title: t.assessor_title(),
        explain: t.assessor_explain(),
        context: t.assessor_question().to_string(),
    };
    prompt(app, text, input, None, area, buf);
}

pub fn reopen(app: &App, p: NodeRef, input: &TextArea, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let context = format!("{} {}", safe(&app.ds.node_path(p)), safe(app.node_name(p)));
    let text = PromptText {
        title: t.reopen_title,
        explain: t.reopen_explain,
        context,
    };
    prompt(app, text, input, None, area, buf);
}

pub fn export(app: &App, input: &TextArea, choices: &[String], area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let context = safe(&app.db_path.display().to_string()).to_string();
    let listed = choices_text(app, choices);
    let text = PromptText {
        title: t.export_title,
        explain: if choices.is_empty() {
            t.export_explain
        } else {
            &listed
        },
        context,
    };
    prompt(app, text, input, None, area, buf);
}

/// Finalize? With the indicators still unanswered, one highlighted (Enter goes to it).
pub fn finalize(app: &App, p: NodeRef, selected: usize, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let missing = app.unanswered_at(p);
    let question = t.finalize_question(&safe(&app.ds.node_path(p)), missing.len() as u64);
    let width = 70u16.min(area.width);
    let question_rows =
        crate::tui::wrap::wrap(&question, usize::from(width.saturating_sub(2))).len();
    let list_rows = missing.len().min(10);
    let h = (question_rows + list_rows + 4 + usize::from(list_rows > 0)) as u16;
    let window = layout::centered(area, width, h.min(area.height.saturating_sub(2)));
    Clear.render(window, buf);
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(
            format!(" {} ", t.finalize_title),
            app.theme.title(),
        ));
    let inner = block.inner(window);
    block.render(window, buf);
    let mut lines: Vec<Line> = crate::tui::wrap::wrap(&question, usize::from(inner.width))
        .into_iter()
        .map(Line::raw)
        .collect();
    if !missing.is_empty() {
        let room = usize::from(inner.height)
            .saturating_sub(lines.len() + 2)
            .max(1);
        let selected = selected.min(missing.len() - 1);
        let skip = selected.saturating_sub(room - 1);
        for (n, &i) in missing.iter().enumerate().skip(skip).take(room) {
            let ind = app.indicator_def(p, i);
            let mark = if n == selected { "›" } else { " " };
            let line = Line::raw(format!(
                "{mark} {} {}",
                safe(&ind.id),
                safe(ind.label.get(app.lang))
            ));
            lines.push(if n == selected {
                line.style(app.theme.selected())
            } else {
                line
            });
        }
        if missing.len() > room {
            let more = missing.len() - room;
            lines.push(Line::styled(t.more(more), app.theme.dim()));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        t.finalize_line(&app.keymap, !missing.is_empty()),
        app.theme.key(),
    ));
    // The key line always shows: the list gives way.
    let overflow = lines.len().saturating_sub(usize::from(inner.height));
    if overflow > 0 {
        let keep = lines.len() - 2;
        lines.drain(keep.saturating_sub(overflow)..keep);
    }
    Paragraph::new(lines).render(inner, buf);
}

/// A new respondent's position (optional).
pub fn add_respondent(
    app: &App,
    node: NodeRef,
    role: RoleIx,
    input: &TextArea,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let next = app
        .ds
        .next_respondent_number(node, crate::domain::model::Ix::index(role));
    let text = PromptText {
        title: t.respondent_prompt_title(),
        explain: t.respondent_prompt_explain(),
        context: format!(
            "{} · {} {next}",
            safe(&app.ds.node_path(node)),
            app.role_label(node, role)
        ),
    };
    prompt(app, text, input, None, area, buf);
}

/// Why a respondent is removed.
pub fn remove_respondent(
    app: &App,
    node: NodeRef,
    r: RespondentIx,
    input: &TextArea,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let text = PromptText {
        title: t.removal_title(),
        explain: t.removal_explain(),
        context: format!(
            "{} · {}",
            safe(&app.ds.node_path(node)),
            app.respondent_name(node, r)
        ),
    };
    prompt(app, text, input, None, area, buf);
}

/// The role has the respondents it needs: add another one?
pub fn more(app: &App, node: NodeRef, role: RoleIx, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let (count, required) = app.role_count(node, role);
    question(
        app,
        t.roster_title(),
        vec![
            Line::raw(safe(&app.ds.node_path(node)).into_owned()),
            Line::raw(""),
            Line::styled(
                t.more_question(&app.role_label(node, role), count, required, &app.keymap),
                app.theme.key(),
            ),
        ],
        area,
        buf,
    );
}

/// A data value: first the number, then its source.
pub fn data(
    app: &App,
    node: NodeRef,
    i: IndicatorIx,
    input: &TextArea,
    amount: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let ind = app.indicator_def(node, i);
    let explain = match amount {
        None => t.data_value_explain(ind.max),
        Some(_) => t.data_source_explain().to_string(),
    };
    let mut context = format!(
        "{} · {}",
        safe(&app.ds.node_path(node)),
        safe(ind.label.get(app.lang))
    );
    if let Some(a) = amount {
        context.push_str(&format!(" = {}", safe(a)));
    }
    let text = PromptText {
        title: t.data_title(),
        explain: &explain,
        context,
    };
    prompt(app, text, input, None, area, buf);
}
