//! The dashboard: how many agencies are in each zone (a bar chart, zones written
//! under the bars; a format-2 instrument's categories counted in their zones), the
//! overall progress (a gauge) and the agencies ranked by score; when the current cycle
//! follows one, each agency's difference to it (`Δ`) too.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Gauge, Row, Table, Widget};

use super::{safe, score_text, short_agency, zone_span};
use crate::tui::app::{App, Dashboard};
use crate::tui::layout;

pub fn render(app: &App, d: &Dashboard, area: Rect, buf: &mut Buffer) {
    let (chart, gauge, ranking) = layout::dashboard(area);
    zones(app, chart, buf);
    progress(app, gauge, buf);
    table(app, d, ranking, buf);
}

fn zones(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    // Zones by code, in the order the instruments list them (a format-2 instrument's
    // categories grouped into its zones, so that zona hijau of 2021 and of 2024 are one
    // bar); agencies without a score (nothing applicable) in a bar of their own.
    let mut counts: Vec<(String, Style, u64)> = Vec::new();
    let mut none = 0u64;
    for a in app.ds.agencies.ids() {
        let instrument = app.ds.instrument_of_agency(a);
        for b in &instrument.bands {
            let (code, color) = match instrument.zone_of(b) {
                Some(z) => (&z.code, b.color.as_deref().or(z.color.as_deref())),
                None => (&b.code, b.color.as_deref()),
            };
            if !counts.iter().any(|(c, _, _)| c == code) {
                counts.push((code.clone(), app.theme.category(color), 0));
            }
        }
        match app
            .book
            .verdict(&app.ds, crate::domain::model::NodeRef::Agency(a))
        {
            Some(v) => {
                if let Some(c) = counts.iter_mut().find(|(c, _, _)| c == v.zone_code()) {
                    c.2 += 1;
                }
            }
            None => none += 1,
        }
    }
    if none > 0 {
        counts.push((t.no_score_bar.to_string(), app.theme.dim(), none));
    }
    let bars: Vec<Bar> = counts
        .iter()
        .map(|(code, style, n)| {
            Bar::default()
                .value(*n)
                .label(Line::from(safe(code).into_owned()))
                .text_value(n.to_string())
                .style(*style)
                .value_style(style.reversed())
        })
        .collect();
    BarChart::default()
        .block(
            Block::bordered()
                .border_style(app.theme.border())
                .title(Span::styled(
                    format!(" {} ", t.zones_title),
                    app.theme.title(),
                )),
        )
        .bar_width(8)
        .bar_gap(3)
        .data(BarGroup::default().bars(&bars))
        .render(area, buf);
}

fn progress(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let (mut answered, mut total) = (0u64, 0u64);
    for a in app.ds.agencies.ids() {
        let s = app.book.agency(&app.ds, a);
        answered += s.answered;
        total += s.total;
    }
    let finals = app.ds.products.iter().filter(|p| p.finalized).count();
    let ratio = if total == 0 {
        0.0
    } else {
        answered as f64 / total as f64
    };
    Gauge::default()
        .block(
            Block::bordered()
                .border_style(app.theme.border())
                .title(Span::styled(
                    format!(" {} ", t.progress_title),
                    app.theme.title(),
                )),
        )
        .gauge_style(app.theme.gauge())
        .ratio(ratio.clamp(0.0, 1.0))
        .label(t.progress(answered, total, finals, app.ds.products.len()))
        .render(area, buf);
}

fn table(app: &App, d: &Dashboard, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Span::styled(
            format!(" {} ", t.ranking_title),
            app.theme.title(),
        ));
    let block = match &app.previous {
        Some(prev) => block.title(Span::styled(
            format!(" Δ {} ", safe(&prev.code)),
            app.theme.dim(),
        )),
        None => block,
    };
    // The agencies that moved most (by the size of the difference), and how many did
    // not move (assessed in both cycles, the same score).
    let block = if app.previous.is_some() {
        let mut deltas: Vec<(String, i64)> = app
            .ds
            .agencies
            .iter_enumerated()
            .filter_map(|(a, agency)| {
                let d = app
                    .then_and_now(crate::domain::model::NodeRef::Agency(a))?
                    .delta?;
                Some((safe(&agency.code).into_owned(), d.0))
            })
            .collect();
        let unmoved = deltas.iter().filter(|(_, d)| *d == 0).count();
        deltas.retain(|(_, d)| *d != 0);
        deltas.sort_by_key(|(code, d)| (std::cmp::Reverse(d.unsigned_abs()), code.clone()));
        let most: Vec<String> = deltas
            .iter()
            .take(3)
            .map(|(code, d)| {
                let d = crate::domain::scoring::Rounded(*d);
                if d.0 > 0 {
                    format!("{code} +{d}")
                } else {
                    format!("{code} {d}")
                }
            })
            .collect();
        let most = if most.is_empty() {
            "-".to_string()
        } else {
            most.join(", ")
        };
        block.title_bottom(Line::styled(t.moved_line(&most, unmoved), app.theme.dim()))
    } else {
        block
    };
    let inner = block.inner(area);
    block.render(area, buf);
    let moved = app.previous.is_some();
    let mut header = vec![
        Cell::from(""),
        Cell::from(Line::raw(t.col_rank).right_aligned()),
        Cell::from(t.col_name),
        Cell::from(Line::raw(t.col_score).right_aligned()),
        Cell::from(t.col_zone),
        Cell::from(Line::raw(t.col_progress).right_aligned()),
    ];
    if moved {
        header.push(Cell::from(Line::raw("Δ").right_aligned()));
    }
    let header = Row::new(header).style(app.theme.header());
    let rows: Vec<Row> = d
        .ranking
        .iter()
        .enumerate()
        .skip(d.offset)
        .take(inner.height.saturating_sub(1) as usize)
        .map(|(n, &a)| {
            let agency = &app.ds.agencies[a];
            let s = app.book.agency(&app.ds, a);
            let instrument = app.ds.instrument_of_agency(a);
            let selected = n == d.selected;
            let mut cells = vec![
                Cell::from(if selected { "›" } else { " " }),
                Cell::from(Line::raw((n + 1).to_string()).right_aligned()),
                Cell::from(format!(
                    "{} {}",
                    safe(&agency.code),
                    short_agency(&agency.name)
                )),
                Cell::from(Line::raw(score_text(&s)).right_aligned()),
                Cell::from(zone_span(app, &s, instrument)),
                Cell::from(Line::raw(format!("{}/{}", s.answered, s.total)).right_aligned()),
            ];
            if moved {
                // The difference to the cycle followed (`-` where either is undefined).
                let delta = app
                    .then_and_now(crate::domain::model::NodeRef::Agency(a))
                    .and_then(|x| x.delta)
                    .map_or_else(
                        || "-".to_string(),
                        |d| {
                            if d.0 > 0 {
                                format!("+{d}")
                            } else {
                                d.to_string()
                            }
                        },
                    );
                cells.push(Cell::from(Line::raw(delta).right_aligned()));
            }
            let row = Row::new(cells);
            if selected {
                row.style(app.theme.selected())
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(9),
    ];
    if moved {
        widths.push(Constraint::Length(7));
    }
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(inner, buf);
}
