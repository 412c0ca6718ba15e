//! The windows over the screen: the note editor (with its "discard?" question), the
//! evidence, reopen and export prompts (the evidence prompt with the progress of the
//! file being read), and the finalize confirmation. Their key lines come from the key
//! map in force.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::safe;
use crate::domain::model::{IndicatorIx, ProductIx};
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
    let ind = app.ds.indicator(edit.product, edit.indicator);
    let product = &app.ds.products[edit.product];
    Clear.render(window, buf);
    Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Line::from(vec![
            Span::styled(format!(" {} ", t.note), app.theme.title()),
            Span::raw(format!("{} · {} ", safe(&product.code), safe(&ind.id))),
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

pub fn evidence(
    app: &App,
    p: ProductIx,
    i: IndicatorIx,
    input: &TextArea,
    digest: Option<Digesting>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let ind = app.ds.indicator(p, i);
    let context = format!(
        "{} · {}",
        safe(&app.ds.product_path(p)),
        safe(ind.label.get(app.lang))
    );
    let text = PromptText {
        title: t.evidence_title,
        explain: t.evidence_explain,
        context,
    };
    prompt(app, text, input, digest, area, buf);
}

pub fn reopen(app: &App, p: ProductIx, input: &TextArea, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let context = format!(
        "{} {}",
        safe(&app.ds.product_path(p)),
        safe(&app.ds.products[p].name)
    );
    let text = PromptText {
        title: t.reopen_title,
        explain: t.reopen_explain,
        context,
    };
    prompt(app, text, input, None, area, buf);
}

pub fn export(app: &App, input: &TextArea, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let context = safe(&app.db_path.display().to_string()).to_string();
    let text = PromptText {
        title: t.export_title,
        explain: t.export_explain,
        context,
    };
    prompt(app, text, input, None, area, buf);
}

pub fn finalize(app: &App, p: ProductIx, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let window = prompt_window(area);
    Clear.render(window, buf);
    let s = app.book.product_summary(p);
    let question = t.finalize_question(&safe(&app.ds.product_path(p)), s.total - s.answered);
    Paragraph::new(vec![
        Line::raw(question),
        Line::raw(""),
        Line::styled(t.finalize_line(&app.keymap), app.theme.key()),
    ])
    .wrap(Wrap { trim: false })
    .block(
        Block::bordered()
            .border_style(app.theme.border_focus())
            .title(Span::styled(
                format!(" {} ", t.finalize_title),
                app.theme.title(),
            )),
    )
    .render(window, buf);
}
