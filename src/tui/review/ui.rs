//! Drawing the reviewer's workstation (pure: reads the state): the submissions per
//! assessor and agency with completeness, state and the indicators answered
//! differently; a product's answers side by side (each assessor's value, note and
//! evidence, the value that counts); the prompt; the keys and the status. Readable at
//! 80x24; names from files pass through `sanitize`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::app::{CellView, Prompt, ReviewApp, View};
use crate::domain::text::sanitize;

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

fn reversed() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

impl Widget for &ReviewApp {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = super::text(self.lang);
        let [main, keys, status] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        match &self.view {
            View::List => list(self, main, buf),
            View::Cells {
                path,
                cells,
                selected,
                side,
                offset,
            } => cells_view(self, path, cells, *selected, *side, *offset, main, buf),
        }
        let hint = match (&self.prompt, &self.view) {
            (Prompt::None, View::List) => t.list_keys,
            (Prompt::None, View::Cells { .. }) => t.cells_keys,
            _ => t.prompt_keys,
        };
        Paragraph::new(Line::raw(format!(" {hint}")))
            .style(Style::default().add_modifier(Modifier::DIM))
            .render(keys, buf);
        let line = match &self.prompt {
            Prompt::Comment {
                input, indicator, ..
            } => Line::from(vec![
                Span::styled(
                    format!(
                        " {}{}: ",
                        t.prompt_comment,
                        indicator
                            .as_deref()
                            .map(|i| format!(" ({})", sanitize(i)))
                            .unwrap_or_default()
                    ),
                    bold(),
                ),
                Span::raw(sanitize(&input.text()).into_owned()),
            ]),
            Prompt::Reason {
                input,
                indicator,
                assessor,
                ..
            } => Line::from(vec![
                Span::styled(
                    format!(
                        " {} ({} {}): ",
                        t.prompt_reason,
                        sanitize(indicator),
                        sanitize(assessor)
                    ),
                    bold(),
                ),
                Span::raw(sanitize(&input.text()).into_owned()),
            ]),
            Prompt::None => match &self.status {
                Some((true, m)) => Line::styled(format!(" ✗ {}", sanitize(m)), bold()),
                Some((false, m)) => Line::raw(format!(" {}", sanitize(m))),
                None => Line::raw(""),
            },
        };
        Paragraph::new(line).render(status, buf);
    }
}

fn list(app: &ReviewApp, area: Rect, buf: &mut Buffer) {
    let t = super::text(app.lang);
    let block = Block::bordered().title(Line::styled(format!(" {} ", t.title), bold()));
    let inner = block.inner(area);
    block.render(area, buf);
    if app.rows.is_empty() {
        Paragraph::new(t.empty).render(inner, buf);
        return;
    }
    let header = Row::new(vec![
        Cell::from(t.col_assessor),
        Cell::from(t.col_product),
        Cell::from(t.col_state),
        Cell::from(t.col_answered),
        Cell::from(t.col_conflicts),
    ])
    .style(bold());
    let rows: Vec<Row> = app
        .rows
        .iter()
        .enumerate()
        .skip(app.offset)
        .take(usize::from(inner.height.saturating_sub(1)))
        .map(|(n, r)| {
            let row = Row::new(vec![
                Cell::from(sanitize(&r.assessors.join(",")).into_owned()),
                Cell::from(format!("{} {}", sanitize(&r.path), sanitize(&r.name))),
                Cell::from(r.state.label(app.lang)),
                Cell::from(format!("{}/{}", r.answered, r.total)),
                Cell::from(if r.conflicts.is_empty() {
                    String::new()
                } else {
                    format!("≠{}", r.conflicts.len())
                }),
            ]);
            if n == app.selected {
                row.style(reversed())
            } else {
                row
            }
        })
        .collect();
    Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Fill(1),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(6),
        ],
    )
    .header(header)
    .column_spacing(1)
    .render(inner, buf);
}

#[allow(clippy::too_many_arguments)]
fn cells_view(
    app: &ReviewApp,
    path: &str,
    cells: &[CellView],
    selected: usize,
    side: usize,
    offset: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = super::text(app.lang);
    let [top, detail] = Layout::vertical([Constraint::Fill(1), Constraint::Length(7)]).areas(area);
    let block = Block::bordered().title(Line::styled(format!(" {} ", sanitize(path)), bold()));
    let inner = block.inner(top);
    block.render(top, buf);
    let assessors: Vec<String> = cells
        .first()
        .map(|c| {
            c.sides
                .iter()
                .map(|s| sanitize(&s.assessor).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut header = vec![Cell::from(""), Cell::from(t.col_indicator)];
    for (n, a) in assessors.iter().enumerate() {
        header.push(Cell::from(if n == side {
            format!("›{a}")
        } else {
            a.clone()
        }));
    }
    header.push(Cell::from(t.col_used));
    let rows: Vec<Row> = cells
        .iter()
        .enumerate()
        .skip(offset)
        .take(usize::from(inner.height.saturating_sub(1)))
        .map(|(n, c)| {
            let mut v = vec![
                Cell::from(if c.resolved.is_some() {
                    "✓"
                } else if c.conflict {
                    "≠"
                } else {
                    " "
                }),
                Cell::from(sanitize(&c.indicator).into_owned()),
            ];
            for s in &c.sides {
                v.push(Cell::from(format!(
                    "{}{}{}",
                    s.value,
                    if s.note.is_empty() { "" } else { " ✎" },
                    if s.evidence.is_empty() { "" } else { " §" }
                )));
            }
            v.push(Cell::from(c.used.clone()));
            let row = Row::new(v);
            if n == selected {
                row.style(reversed())
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![Constraint::Length(1), Constraint::Fill(1)];
    widths.extend(assessors.iter().map(|_| Constraint::Length(12)));
    widths.push(Constraint::Length(7));
    Table::new(rows, widths)
        .header(Row::new(header).style(bold()))
        .column_spacing(1)
        .render(inner, buf);
    // The highlighted cell: every assessor's note and evidence, and the resolution.
    let mut lines = Vec::new();
    if let Some(c) = cells.get(selected) {
        lines.push(Line::styled(sanitize(&c.label).into_owned(), bold()));
        for s in &c.sides {
            let mut text = format!("{} {}", sanitize(&s.assessor), s.value);
            if !s.note.is_empty() {
                text.push_str(&format!(
                    " · {}: {}",
                    t.note,
                    sanitize(&s.note.replace('\n', " "))
                ));
            }
            if !s.evidence.is_empty() {
                text.push_str(&format!(
                    " · {}: {}",
                    t.evidence,
                    sanitize(&s.evidence.join("; "))
                ));
            }
            lines.push(Line::raw(text));
        }
        if let Some(r) = &c.resolved {
            lines.push(Line::raw(format!("{}: {}", t.resolved, sanitize(r))));
        }
    }
    Paragraph::new(lines)
        .block(Block::bordered())
        .wrap(Wrap { trim: false })
        .render(detail, buf);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::super::app::{ReviewOutcome, Side, Submission};
    use super::*;
    use crate::domain::Lang;
    use crate::domain::review::ReviewState;

    fn draw(app: &ReviewApp) -> String {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| f.render_widget(app, f.area())).unwrap();
        t.backend().to_string()
    }

    fn side(a: &str, v: &str, note: &str) -> Side {
        Side {
            assessor: a.into(),
            value: v.into(),
            note: note.into(),
            evidence: if note.is_empty() {
                Vec::new()
            } else {
                vec!["foto-loket.jpg".into()]
            },
        }
    }

    /// The list and a product's answers side by side, in both languages, at 80x24.
    #[test]
    fn the_reviewer_screens_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let mut app = ReviewApp::new(lang);
            app.outcome(ReviewOutcome::Loaded(vec![
                Submission {
                    path: "81/DPMPTSP/NIB".into(),
                    name: "Nomor Induk Berusaha".into(),
                    agency: "81".into(),
                    assessors: vec!["ASN-001".into()],
                    state: ReviewState::Approved,
                    answered: 36,
                    total: 36,
                    conflicts: Vec::new(),
                },
                Submission {
                    path: "8171/DUKCAPIL/KTP-EL".into(),
                    name: "KTP-el".into(),
                    agency: "8171".into(),
                    assessors: vec!["ASN-002".into(), "ASN-001".into()],
                    state: ReviewState::Returned,
                    answered: 3,
                    total: 36,
                    conflicts: vec!["persyaratan".into()],
                },
            ]));
            insta::assert_snapshot!(format!("review_list_{}", lang.code()), draw(&app));
            app.outcome(ReviewOutcome::Cells {
                path: "8171/DUKCAPIL/KTP-EL".into(),
                cells: vec![
                    CellView {
                        indicator: "sk-standar".into(),
                        label: "Penetapan standar pelayanan".into(),
                        sides: vec![side("ASN-002", "[✓]", ""), side("ASN-001", "[✓]", "")],
                        used: "[✓]".into(),
                        resolved: None,
                        conflict: false,
                    },
                    CellView {
                        indicator: "persyaratan".into(),
                        label: "Persyaratan pelayanan".into(),
                        sides: vec![
                            side("ASN-002", "[✗]", ""),
                            side("ASN-001", "[✓]", "Dipajang di loket 2"),
                        ],
                        used: "[✗]".into(),
                        resolved: None,
                        conflict: true,
                    },
                ],
            });
            insta::assert_snapshot!(format!("review_cells_{}", lang.code()), draw(&app));
        }
    }
}
