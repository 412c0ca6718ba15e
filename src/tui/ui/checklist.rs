//! The checklist of one product, grouped by dimension with weights (the heading of
//! the dimension at the top stays in view when the list is scrolled), with its filter
//! on the bottom line, and the details of the highlighted indicator: its scale,
//! guidance, note and evidence (a file with its size and hash), and what the central
//! office returned on it (`↩`, with its comment).

use num_rational::BigRational;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::safe;
use crate::domain::Value;
use crate::domain::json::decimal_text;
use crate::domain::model::Ix;
use crate::tui::action::Action;
use crate::tui::app::{App, Checklist, Modal, Pane, Row as ListRow};
use crate::tui::layout;

/// The value box of an indicator: `[✓]`, `[✗]`, `[ ]`, `2/3`, `N/A`.
pub fn value_box(value: Value, max: u32, na: &str) -> String {
    match value {
        Value::Unanswered if max == 1 => "[ ]".into(),
        Value::Unanswered => format!(" ·/{max}"),
        Value::NotApplicable => na.into(),
        Value::Level(v) if max == 1 => if v >= 1 { "[✓]" } else { "[✗]" }.into(),
        Value::Level(v) => format!("{v}/{max}"),
    }
}

pub fn render(app: &App, c: &Checklist, area: Rect, buf: &mut Buffer) {
    let (list_area, detail_area) = layout::checklist(area);
    list(app, c, list_area, buf);
    detail(app, c, detail_area, buf);
}

fn list(app: &App, c: &Checklist, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let lang = app.lang;
    let p = c.product;
    let product = &app.ds.products[p];
    let instrument = app.ds.instrument_of_product(p);
    let mut title = vec![
        Span::styled(format!(" {} ", t.checklist), app.theme.title()),
        Span::raw(format!("{} {} ", safe(&product.code), safe(&product.name))),
    ];
    if product.finalized {
        title.insert(
            1,
            Span::styled(format!("✔ {} ", t.finalized_mark), app.theme.key()),
        );
    }
    // What the central office returned and the assessor has not answered yet: a
    // column of marks of its own (only then, so that a checklist without is as before).
    let returned = app.returned_count(p);
    if returned > 0 {
        title.insert(
            1,
            Span::styled(t.returned_mark(returned), app.theme.error()),
        );
    }
    let mut block = Block::bordered()
        .border_style(if c.focus == Pane::List {
            app.theme.border_focus()
        } else {
            app.theme.border()
        })
        .title(Line::from(title));
    let rows = app.rows(c);
    if !c.filter.is_empty() || (app.modal == Modal::Filter && c.focus == Pane::List) {
        let total = instrument.indicators.len();
        let shown = rows
            .iter()
            .filter(|r| matches!(r, ListRow::Indicator(_)))
            .count();
        block = block.title_bottom(Line::from(vec![
            Span::styled(format!(" {}: ", t.filter), app.theme.key()),
            Span::raw(format!("{} ", safe(&c.filter))),
            Span::styled(format!("({}) ", t.filtered(shown, total)), app.theme.dim()),
        ]));
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if rows.is_empty() {
        Paragraph::new(t.nothing_matches).render(inner, buf);
        return;
    }

    // Dimension weights: as given, else the sum of the indicators' weights.
    let dim_weight = |d: usize| -> String {
        match &instrument.dimensions[d].weight {
            Some(w) => format!("{}%", decimal_text(w)),
            None => {
                let sum: BigRational = instrument
                    .indicators
                    .iter()
                    .filter(|i| i.dimension == d)
                    .map(|i| i.weight.clone())
                    .sum();
                decimal_text(&sum)
            }
        }
    };
    let heading = |d: usize| {
        Row::new(vec![
            Cell::from(""),
            Cell::from(Line::styled(
                format!(
                    "{} · {} {}",
                    safe(instrument.dimensions[d].label.get(lang)),
                    t.weight,
                    dim_weight(d)
                ),
                app.theme.heading(),
            )),
            Cell::from(""),
            Cell::from(""),
        ])
    };
    // An indicator at the top: its dimension's heading stays in view above it.
    let sticky = match rows.get(c.offset) {
        Some(&ListRow::Indicator(i)) => Some(heading(instrument.indicators[i.index()].dimension)),
        _ => None,
    };
    let room = (inner.height as usize).saturating_sub(usize::from(sticky.is_some()));
    let body = rows.into_iter().skip(c.offset).take(room).map(|r| match r {
        ListRow::Dimension(d) => heading(d),
        ListRow::Indicator(i) => {
            let ind = app.ds.indicator(p, i);
            let selected = i == c.indicator;
            let mut marks = format!(
                "{}{}",
                if product.note(i).is_empty() {
                    " "
                } else {
                    "✎"
                },
                if product.evidence_count(i) == 0 {
                    " "
                } else {
                    "§"
                }
            );
            if returned > 0 {
                marks.push(if app.returned_on(p, Some(i)).is_some() {
                    '↩'
                } else {
                    ' '
                });
            }
            let row = Row::new(vec![
                Cell::from(if selected { "›" } else { " " }),
                Cell::from(format!(
                    "{:<4} {}",
                    value_box(product.value(i), ind.max, t.na),
                    safe(ind.label.get(lang))
                )),
                Cell::from(Line::raw(decimal_text(&ind.weight)).right_aligned()),
                Cell::from(marks),
            ]);
            if selected {
                row.style(if c.focus == Pane::List {
                    app.theme.selected()
                } else {
                    app.theme.header()
                })
            } else {
                row
            }
        }
    });
    let rows: Vec<Row> = sticky.into_iter().chain(body).collect();
    Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(if returned > 0 { 3 } else { 2 }),
        ],
    )
    .column_spacing(1)
    .render(inner, buf);
}

fn detail(app: &App, c: &Checklist, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let lang = app.lang;
    let p = c.product;
    let product = &app.ds.products[p];
    let ind = app.ds.indicator(p, c.indicator);
    let mut block = Block::bordered()
        .border_style(if c.focus == Pane::Detail {
            app.theme.border_focus()
        } else {
            app.theme.border()
        })
        .title(Line::from(vec![
            Span::styled(format!(" {} ", safe(&ind.id)), app.theme.title()),
            Span::raw(format!("= {} ", app.value_text(p, c.indicator))),
        ]));
    let mut lines = Vec::new();
    // What the central office returned comes first: it is what to look at now.
    for (mark, whole) in [
        (app.returned_on(p, Some(c.indicator)), false),
        (app.returned_on(p, None), true),
    ] {
        if let Some(m) = mark {
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", t.returned_line(whole)), app.theme.error()),
                Span::raw(safe(&m.comment.replace('\n', " ")).into_owned()),
            ]));
        }
    }
    if !lines.is_empty() {
        lines.push(Line::styled(
            format!(
                "  ({})",
                t.returned_hint(&app.keymap.key(Action::ConfirmReturned))
            ),
            app.theme.dim(),
        ));
    }
    lines.push(Line::styled(
        safe(ind.label.get(lang)).into_owned(),
        app.theme.header(),
    ));
    let levels: Vec<String> = (0..=ind.max)
        .map(|v| match ind.level_label(v, lang) {
            Some(l) => format!("{v} {}", safe(l)),
            None => v.to_string(),
        })
        .collect();
    lines.push(Line::styled(
        format!(
            "{} {} · {} 0..{}: {}",
            t.weight,
            decimal_text(&ind.weight),
            t.scale,
            ind.max,
            levels.join(", ")
        ),
        app.theme.dim(),
    ));
    let note = product.note(c.indicator);
    if note.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.note), app.theme.key()),
            Span::styled(t.no_note, app.theme.dim()),
        ]));
    } else {
        let mut note_lines = note.split('\n');
        let first = note_lines.next().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.note), app.theme.key()),
            Span::raw(safe(first.trim_end_matches('\r')).into_owned()),
        ]));
        for l in note_lines {
            lines.push(Line::raw(format!("  {}", safe(l.trim_end_matches('\r')))));
        }
    }
    if c.evidence.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.evidence), app.theme.key()),
            Span::styled(t.no_evidence, app.theme.dim()),
        ]));
    } else {
        lines.push(Line::styled(format!("{}:", t.evidence), app.theme.key()));
        for e in &c.evidence {
            let facts = match (&e.size, &e.sha256) {
                (Some(size), Some(h)) => format!(
                    " ({}, sha256 {}…)",
                    crate::tui::text::bytes(u64::try_from(*size).unwrap_or(0)),
                    safe(&h[..h.len().min(12)])
                ),
                _ => String::new(),
            };
            lines.push(Line::raw(format!("  • {}{facts}", safe(&e.reference))));
        }
    }
    // The guidance last: it is the longest, and the note and evidence are what
    // the assessor changes.
    if let Some(g) = &ind.guidance {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.guidance), app.theme.key()),
            Span::raw(safe(g.get(lang)).into_owned()),
        ]));
    }
    // Say so when the details go on below the pane (an estimate of the wrapped rows).
    let inner_w = usize::from(area.width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let visible = usize::from(area.height.saturating_sub(2)) + usize::from(c.detail_scroll);
    if rows > visible {
        let km = &app.keymap;
        let (key, down, up) = (
            km.key(Action::NextPane),
            km.key(Action::Down),
            km.key(Action::Up),
        );
        block = block.title_bottom(Line::styled(
            format!(" {} ", t.more_below(&key, &down, &up)),
            app.theme.key(),
        ));
    }
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((c.detail_scroll, 0))
        .render(area, buf);
}

/// The cursor at the end of the checklist's filter, on the list's bottom border.
pub fn filter_cursor(app: &App, main: Rect) -> Option<Position> {
    let c = app.checklist()?;
    let (list, _) = layout::checklist(main);
    let text = format!(" {}: {}", app.t().filter, safe(&c.filter));
    let x = list.x + 1 + unicode_width::UnicodeWidthStr::width(text.as_str()) as u16;
    (x + 1 < list.right()).then_some(Position::new(x, list.bottom().saturating_sub(1)))
}
