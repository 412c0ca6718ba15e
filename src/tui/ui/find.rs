//! The search window (what is typed and what matches, one highlighted) and the
//! history window (the audit rows of a node or an indicator, newest first: who,
//! when, old -> new, reasons).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::{safe, short_agency};
use crate::domain::model::{IndicatorIx, NodeRef};
use crate::store::AuditRow;
use crate::tui::app::{App, Hit, Search};
use crate::tui::editor::TextArea;
use crate::tui::layout;

fn search_window(area: Rect) -> Rect {
    layout::centered(area, 76, area.height.saturating_sub(4).min(20))
}

/// The line the query is typed on.
fn search_input(area: Rect) -> Rect {
    let inner = search_window(area).inner(ratatui::layout::Margin::new(1, 1));
    Rect {
        y: inner.y + 1,
        height: 1,
        ..inner
    }
}

/// A hit as the list writes it: what it is, its code or path, its name.
fn hit_text(app: &App, hit: Hit) -> String {
    let t = app.t();
    let ds = &app.ds;
    match hit {
        Hit::Agency(a) => format!(
            "{:<10} {} {}",
            t.agency,
            safe(&ds.agencies[a].code),
            short_agency(&ds.agencies[a].name)
        ),
        Hit::Unit(u) => {
            let unit = &ds.units[u];
            format!(
                "{:<10} {}/{} {}",
                t.unit,
                safe(&ds.agencies[unit.agency].code),
                safe(&unit.code),
                safe(&unit.name)
            )
        }
        Hit::Product(p) => format!(
            "{:<10} {} {}",
            t.product,
            safe(&ds.product_path(p)),
            safe(&ds.products[p].name)
        ),
        Hit::Indicator(node, i) => {
            let ind = app.indicator_def(node, i);
            format!(
                "{:<10} {} {}",
                t.indicator_word(),
                safe(&ind.id),
                safe(ind.label.get(app.lang))
            )
        }
    }
}

pub fn search(app: &App, search: &Search, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let window = search_window(area);
    Clear.render(window, buf);
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(
            format!(" {} ", t.search_title()),
            app.theme.title(),
        ));
    let inner = block.inner(window);
    block.render(window, buf);
    Line::styled(t.search_explain(), app.theme.dim()).render(Rect { height: 1, ..inner }, buf);
    let field = search_input(area);
    let (text, x) = view(&search.input, field.width as usize);
    Line::styled(format!("> {text}"), app.theme.header()).render(field, buf);
    let pos = Position::new(field.x + 2 + x as u16, field.y);
    if field.contains(pos) {
        buf[pos].set_style(app.theme.selected());
    }
    let list = Rect {
        y: field.y + 2,
        height: inner.height.saturating_sub(3),
        ..inner
    };
    if search.hits.is_empty() {
        if !search.input.text().trim().is_empty() {
            Line::raw(t.no_hits()).render(Rect { height: 1, ..list }, buf);
        }
        return;
    }
    let room = usize::from(list.height).max(1);
    let skip = search.selected.saturating_sub(room - 1);
    for (n, &hit) in search.hits.iter().enumerate().skip(skip).take(room) {
        let y = list.y + (n - skip) as u16;
        let selected = n == search.selected;
        let mark = if selected { "› " } else { "  " };
        let line = Line::raw(format!("{mark}{}", hit_text(app, hit)));
        let line = if selected {
            line.style(app.theme.selected())
        } else {
            line
        };
        line.render(Rect::new(list.x, y, list.width, 1), buf);
    }
}

/// The visible part of the query and the cursor's column in it.
fn view(input: &TextArea, width: usize) -> (String, usize) {
    let room = width.saturating_sub(3).max(1);
    let (rows, (row, col)) = input.layout(room);
    (rows.get(row).cloned().unwrap_or_default(), col)
}

pub fn search_cursor(input: &TextArea, area: Rect) -> Option<Position> {
    let field = search_input(area);
    let (_, x) = view(input, field.width as usize);
    let pos = Position::new(field.x + 2 + x as u16, field.y);
    field.contains(pos).then_some(pos)
}

/// "2025-03-04T05:06:07Z" as "2025-03-04 05:06:07 UTC".
fn when(at: &str) -> String {
    match at.strip_suffix('Z') {
        Some(t) => format!("{} UTC", t.replacen('T', " ", 1)),
        None => at.replacen('T', " ", 1),
    }
}

pub fn history(
    app: &App,
    p: NodeRef,
    indicator: Option<IndicatorIx>,
    rows: &[AuditRow],
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = app.t();
    let window = layout::centered(area, 78, area.height.saturating_sub(4));
    Clear.render(window, buf);
    let mut title = format!(" {} · {}", t.history_title(), safe(&app.ds.node_path(p)));
    if let Some(i) = indicator {
        title.push_str(&format!(" · {}", safe(&app.indicator_def(p, i).id)));
    }
    title.push(' ');
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(title, app.theme.title()));
    let inner = block.inner(window);
    block.render(window, buf);
    if rows.is_empty() {
        Line::raw(t.history_empty()).render(Rect { height: 1, ..inner }, buf);
        return;
    }
    let inst = app.ds.instrument_of(p);
    // A value as the checklist writes it.
    let value = |ind: Option<&str>, text: &str| -> String {
        let max = ind
            .and_then(|id| inst.indicator_index(id))
            .map(|i| inst.indicators[i].max);
        match (text, max) {
            ("", _) => t.unanswered.to_string(),
            ("N/A", _) => t.na.to_string(),
            ("1", Some(1)) => "✓".into(),
            ("0", Some(1)) => "✗".into(),
            (v, Some(m)) => format!("{v}/{m}"),
            (v, None) => v.to_string(),
        }
    };
    let mut lines = Vec::with_capacity(rows.len() * 2);
    for r in rows {
        let mut head = format!("{} · {}", when(&r.at), safe(&r.who));
        if indicator.is_none()
            && let Some(ind) = &r.indicator
        {
            head.push_str(&format!(" · {}", safe(ind)));
        }
        // A respondent's answer, added or removed: which respondent.
        if let Some(k) = r
            .respondent
            .as_deref()
            .and_then(|uid| app.ds.find_respondent_uid(p, uid))
        {
            head.push_str(&format!(" · {}", app.respondent_name(p, k)));
        }
        lines.push(Line::styled(head, app.theme.dim()));
        let (old, new) = (
            r.old.as_deref().unwrap_or(""),
            r.new.as_deref().unwrap_or(""),
        );
        let change = if r.action == "value" {
            t.history_change(
                "value",
                &value(r.indicator.as_deref(), old),
                &value(r.indicator.as_deref(), new),
            )
        } else {
            t.history_change(&r.action, old, new)
        };
        lines.push(Line::raw(format!("  {}", safe(&change))));
    }
    Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
}
