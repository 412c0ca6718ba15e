//! The checklist of one node, grouped by dimension with weights (the heading of the
//! dimension at the top stays in view when the list is scrolled), with its filter on
//! the bottom line, and the details of the highlighted row: an indicator's scale,
//! guidance, note and evidence (a file with its size and hash), and what the central
//! office returned on it (`↩`, with its comment). A product's checklist is the one
//! format 1 has; a unit's or an agency's (format 2) also lists its roles (`2/4 »
//! Pelaksana`: respondents so far and needed), interview indicators with the mean of
//! their answers, data values, and the nodes below it with their scores; a
//! respondent's questionnaire lists its questions with its answers.

use num_rational::BigRational;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::{safe, score_text};
use crate::domain::Value;
use crate::domain::instrument::Source;
use crate::domain::json::decimal_text;
use crate::domain::model::{Carried, IndicatorIx, Ix, NodeRef, RoleIx};
use crate::tui::action::Action;
use crate::tui::app::{App, Checklist, Item, Modal, Pane, Row as ListRow};
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

/// The value box of an indicator row: the respondent's answer in a questionnaire; the
/// node's own value, an interview's mean (`2.50/3`) or a data value (`82.35/100`).
fn cell_box(app: &App, c: &Checklist, i: IndicatorIx) -> String {
    let ind = app.indicator_def(c.node, i);
    let na = app.t().na;
    // A carried answer, to be re-checked, shows its value (the ↻ beside says so).
    match app.carried_in(c.node, c.respondent, i) {
        Some(Carried::Value(v)) => return value_box(v, ind.max, na),
        Some(Carried::Data(d)) => return format!("{}/{}", d.text(), ind.max),
        None => {}
    }
    if let Some(r) = c.respondent {
        return value_box(app.ds.respondent_value(c.node, r, i), ind.max, na);
    }
    let own = app.ds.value(c.node, i);
    match &ind.source {
        Source::Observation => value_box(own, ind.max, na),
        _ if own == Value::NotApplicable => na.into(),
        Source::Interview { .. } => app
            .mean_text(c.node, i)
            .unwrap_or_else(|| value_box(Value::Unanswered, ind.max, na)),
        Source::Data { .. } => match app.ds.data(c.node, i) {
            Some(d) => format!("{}/{}", d.text(), ind.max),
            None => value_box(Value::Unanswered, ind.max, na),
        },
    }
}

/// The title of a checklist: a node's code and name, or the respondent and its node.
fn title_text(app: &App, c: &Checklist) -> (String, String) {
    let t = app.t();
    match c.respondent {
        Some(r) => (
            t.questionnaire().to_string(),
            format!(
                "{} · {}",
                app.respondent_name(c.node, r),
                safe(app.node_code(c.node))
            ),
        ),
        None => (
            t.checklist.to_string(),
            format!(
                "{} {}",
                safe(app.node_code(c.node)),
                safe(app.node_name(c.node))
            ),
        ),
    }
}

fn list(app: &App, c: &Checklist, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let lang = app.lang;
    let node = c.node;
    let instrument = app.ds.instrument_of(node);
    let (word, name) = title_text(app, c);
    let mut title = vec![
        Span::styled(format!(" {word} "), app.theme.title()),
        Span::raw(format!("{name} ")),
    ];
    if app.ds.finalized(node) {
        title.insert(
            1,
            Span::styled(format!("✔ {} ", t.finalized_mark), app.theme.key()),
        );
    }
    // What the central office returned and the assessor has not answered yet: a
    // column of marks of its own (only then, so that a checklist without is as before).
    let product = match node {
        NodeRef::Product(p) => Some(p),
        _ => None,
    };
    let returned = product.map_or(0, |p| app.returned_count(p));
    // Answers carried from the previous cycle: a column of marks of their own too.
    let carried = match c.respondent {
        Some(r) => app
            .ds
            .respondent(node, r)
            .map_or(0, crate::domain::model::Respondent::carried_count),
        None => app.ds.carried_cells(node).len(),
    };
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
        let total = crate::tui::app::node_rows(&app.ds, node, c.respondent)
            .iter()
            .filter(|r| matches!(r, ListRow::Indicator(_)))
            .count();
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
    let below_count = rows
        .iter()
        .filter(|r| matches!(r, ListRow::Child(_)))
        .count();
    let heading = |r: ListRow| {
        let text = match r {
            ListRow::Dimension(d) => format!(
                "{} · {} {}",
                safe(instrument.dimensions[d].label.get(lang)),
                t.weight,
                dim_weight(d)
            ),
            _ => format!(
                "{} ({below_count})",
                match node {
                    NodeRef::Agency(_) => t.units,
                    _ => t.products,
                }
            ),
        };
        Row::new(vec![
            Cell::from(""),
            Cell::from(Line::styled(text, app.theme.heading())),
            Cell::from(""),
            Cell::from(""),
        ])
    };
    // An item at the top: the heading it is under stays in view above it.
    let sticky = match rows.get(c.offset) {
        Some(r) if !r.is_heading() => rows[..c.offset]
            .iter()
            .rev()
            .find(|r| r.is_heading())
            .map(|&h| heading(h)),
        _ => None,
    };
    let room = (inner.height as usize).saturating_sub(usize::from(sticky.is_some()));
    // The value column is as wide as its widest box (4, as format 1 always had, at
    // least).
    // One per visible row ("" for a heading).
    let boxes: Vec<String> = rows
        .iter()
        .skip(c.offset)
        .take(room)
        .map(|r| match *r {
            ListRow::Indicator(i) => cell_box(app, c, i),
            ListRow::Role(role) => {
                let (count, required) = app.role_count(node, role);
                format!("{count}/{required}")
            }
            ListRow::Child(child) => score_text(&app.book.summary(&app.ds, child)),
            ListRow::Dimension(_) | ListRow::Below => String::new(),
        })
        .collect();
    let width = if instrument.is_observation_checklist() {
        4
    } else {
        boxes
            .iter()
            .map(|b| b.chars().count())
            .max()
            .unwrap_or(4)
            .max(4)
    };
    // The previous cycle's value beside each indicator (was→now), as wide as the
    // widest; nothing when the current cycle follows none (or this node is new).
    let previous: Vec<Option<String>> = rows
        .iter()
        .skip(c.offset)
        .take(room)
        .map(|r| match *r {
            ListRow::Indicator(i) if c.respondent.is_none() => app.previous_box(node, i),
            _ => None,
        })
        .collect();
    let was_width = if c.respondent.is_none() && app.then_and_now(node).is_some() {
        previous
            .iter()
            .flatten()
            .map(|b| b.chars().count() + 1)
            .max()
            .unwrap_or(0)
    } else {
        0
    };
    let pad = " ".repeat(was_width);
    let selected_style = if c.focus == Pane::List {
        app.theme.selected()
    } else {
        app.theme.header()
    };
    fn highlight(row: Row<'_>, selected: bool, style: ratatui::style::Style) -> Row<'_> {
        if selected { row.style(style) } else { row }
    }
    let body = rows
        .iter()
        .skip(c.offset)
        .take(room)
        .zip(boxes)
        .zip(previous)
        .map(|((&r, value), was)| match r {
            ListRow::Dimension(_) | ListRow::Below => heading(r),
            ListRow::Indicator(i) => {
                let ind = app.indicator_def(node, i);
                let selected = c.at == Item::Indicator(i);
                let mut marks = format!(
                    "{}{}",
                    if app.ds.note(node, i).is_empty() {
                        " "
                    } else {
                        "✎"
                    },
                    if app.ds.evidence_count(node, i) == 0 {
                        " "
                    } else {
                        "§"
                    }
                );
                if returned > 0 {
                    marks.push(
                        if product.is_some_and(|p| app.returned_on(p, Some(i)).is_some()) {
                            '↩'
                        } else {
                            ' '
                        },
                    );
                }
                if carried > 0 {
                    marks.push(if app.carried_in(node, c.respondent, i).is_some() {
                        '↻'
                    } else {
                        ' '
                    });
                }
                let row = Row::new(vec![
                    Cell::from(if selected { "›" } else { " " }),
                    Cell::from(format!(
                        "{}{:<width$} {}",
                        match &was {
                            Some(w) if was_width > 0 => {
                                format!("{w:>0$}→", was_width - 1)
                            }
                            _ => pad.clone(),
                        },
                        value,
                        safe(ind.label.get(lang))
                    )),
                    Cell::from(Line::raw(decimal_text(&ind.weight)).right_aligned()),
                    Cell::from(marks),
                ]);
                highlight(row, selected, selected_style)
            }
            ListRow::Role(role) => {
                let selected = c.at == Item::Role(role);
                let row = Row::new(vec![
                    Cell::from(if selected { "›" } else { " " }),
                    Cell::from(format!(
                        "{pad}{:<width$} » {}",
                        value,
                        app.role_label(node, role)
                    )),
                    Cell::from(""),
                    Cell::from(""),
                ]);
                highlight(row, selected, selected_style)
            }
            ListRow::Child(child) => {
                let selected = c.at == Item::Child(child);
                let summary = app.book.summary(&app.ds, child);
                let instrument = app.ds.instrument_of(child);
                let zone = super::zone_span(app, &summary, instrument);
                let row = Row::new(vec![
                    Cell::from(if selected { "›" } else { " " }),
                    Cell::from(format!(
                        "{pad}{:<width$} {} {}",
                        value,
                        safe(app.node_code(child)),
                        safe(app.node_name(child))
                    )),
                    Cell::from(Line::from(zone).right_aligned()),
                    Cell::from(if app.ds.finalized(child) { "✔" } else { "" }),
                ]);
                highlight(row, selected, selected_style)
            }
        });
    let rows: Vec<Row> = sticky.into_iter().chain(body).collect();
    Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(2 + u16::from(returned > 0) + u16::from(carried > 0)),
        ],
    )
    .column_spacing(1)
    .render(inner, buf);
}

fn detail(app: &App, c: &Checklist, area: Rect, buf: &mut Buffer) {
    match c.at {
        Item::Indicator(i) => indicator_detail(app, c, i, area, buf),
        Item::Role(role) => role_detail(app, c, role, area, buf),
        Item::Child(child) => child_detail(app, c, child, area, buf),
    }
}

fn detail_block<'a>(app: &App, c: &Checklist, title: Vec<Span<'a>>) -> Block<'a> {
    Block::bordered()
        .border_style(if c.focus == Pane::Detail {
            app.theme.border_focus()
        } else {
            app.theme.border()
        })
        .title(Line::from(title))
}

/// A role's row: how many respondents there are and are needed, and each of them.
fn role_detail(app: &App, c: &Checklist, role: RoleIx, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let km = &app.keymap;
    let label = app.role_label(c.node, role);
    let (count, required) = app.role_count(c.node, role);
    let block = detail_block(
        app,
        c,
        vec![
            Span::styled(format!(" {label} "), app.theme.title()),
            Span::raw(format!("{count}/{required} ")),
        ],
    );
    let mut lines = vec![Line::raw(t.role_detail(
        &label,
        count,
        required,
        &km.key(Action::Open),
        &km.key(Action::AddRespondent),
    ))];
    for (r, resp) in app.ds.roster(c.node, role.index()) {
        let open = app.questions_open(c.node, r).len();
        let asked = crate::tui::app::node_rows(&app.ds, c.node, Some(r))
            .iter()
            .filter(|x| matches!(x, ListRow::Indicator(_)))
            .count();
        let _ = resp;
        lines.push(Line::raw(format!(
            "  • {} {}/{asked}",
            app.respondent_name(c.node, r),
            asked - open.min(asked)
        )));
    }
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((c.detail_scroll, 0))
        .render(area, buf);
}

/// A node below: its score, category and progress.
fn child_detail(app: &App, c: &Checklist, child: NodeRef, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let summary = app.book.summary(&app.ds, child);
    let instrument = app.ds.instrument_of(child);
    let block = detail_block(
        app,
        c,
        vec![Span::styled(
            format!(" {} ", safe(app.node_code(child))),
            app.theme.title(),
        )],
    );
    let mut lines = vec![
        Line::styled(safe(app.node_name(child)).into_owned(), app.theme.header()),
        Line::from(vec![
            Span::raw(format!("{} ", score_text(&summary))),
            super::zone_span(app, &summary, instrument),
            Span::raw(format!(" {}/{}", summary.answered, summary.total)),
        ]),
    ];
    if let Some(b) = summary.band(instrument) {
        lines.push(Line::styled(
            safe(b.label.get(app.lang)).into_owned(),
            app.theme.zone(b),
        ));
    }
    lines.push(Line::styled(
        t.on_child_hint(&app.keymap.key(Action::Open)),
        app.theme.dim(),
    ));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((c.detail_scroll, 0))
        .render(area, buf);
}

fn indicator_detail(app: &App, c: &Checklist, i: IndicatorIx, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let lang = app.lang;
    let node = c.node;
    let product = match node {
        NodeRef::Product(p) => Some(p),
        _ => None,
    };
    let ind = app.indicator_def(node, i);
    let cell = crate::tui::app::Cell {
        node,
        indicator: i,
        respondent: c.respondent,
    };
    let mut block = detail_block(
        app,
        c,
        vec![
            Span::styled(format!(" {} ", safe(&ind.id)), app.theme.title()),
            Span::raw(format!("= {} ", app.cell_text(cell))),
        ],
    );
    let mut lines = Vec::new();
    // What the central office returned comes first: it is what to look at now.
    if let Some(p) = product {
        for (mark, whole) in [
            (app.returned_on(p, Some(i)), false),
            (app.returned_on(p, None), true),
        ] {
            if let Some(m) = mark {
                lines.push(Line::from(vec![
                    Span::styled(format!("{}: ", t.returned_line(whole)), app.theme.error()),
                    Span::raw(safe(&m.comment.replace('\n', " ")).into_owned()),
                ]));
            }
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
    // A carried answer: what it was, and that it is to be re-checked.
    if let Some(carried) = app.carried_in(c.node, c.respondent, i) {
        let was = match carried {
            Carried::Value(v) => value_box(v, ind.max, t.na),
            Carried::Data(d) => format!("{}/{}", d.text(), ind.max),
        };
        lines.push(Line::styled(
            t.carried_line(&was, &app.keymap.key(Action::ConfirmCarried)),
            app.theme.error(),
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
    if matches!(ind.source, Source::Data { .. }) {
        lines.push(Line::styled(
            format!(
                "{} {} · {} 0..{}",
                t.weight,
                decimal_text(&ind.weight),
                t.scale,
                ind.max
            ),
            app.theme.dim(),
        ));
    } else {
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
    }
    // What format 2 adds: who answered what; where a data value comes from.
    if c.respondent.is_none() {
        match &ind.source {
            Source::Interview { role } => {
                let (answered, required) = app.progress_of(node, i);
                let answers: Vec<String> = app
                    .ds
                    .roster(node, *role)
                    .into_iter()
                    .map(|(r, resp)| {
                        let v = app.ds.respondent_value(node, r, i);
                        format!(
                            "{}: {}",
                            resp.number,
                            match v {
                                Value::Unanswered => "-".to_string(),
                                v => app.show_value_at(node, i, v),
                            }
                        )
                    })
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(
                            "{} {} {answered}/{required}: ",
                            t.answers_word(),
                            app.role_label(node, RoleIx::new(*role))
                        ),
                        app.theme.key(),
                    ),
                    Span::raw(answers.join(" · ")),
                ]));
            }
            Source::Data { from } => {
                let source = match app.ds.data(node, i) {
                    Some(d) => safe(d.source()).into_owned(),
                    None => t.data_missing(&app.keymap.key(Action::Open)),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{}: ", t.source_word()), app.theme.key()),
                    Span::raw(source),
                ]));
                if let Some(from) = from {
                    lines.push(Line::styled(
                        format!("  ({})", safe(from.get(lang))),
                        app.theme.dim(),
                    ));
                }
            }
            Source::Observation => {}
        }
    }
    let note = app.ds.note(node, i);
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
