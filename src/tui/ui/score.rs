//! The score panel, always visible: product, unit and agency of the current context
//! with score, zone (text and colour), progress, and the contract's path to the next
//! zone for a product. With a format-2 instrument: each with its category and zone,
//! the agency with its opinion, and the path to the next category
//! ([`next_category`]) of the node in view, redrawn with every change.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::{band, safe, score_text, zone_span};
use crate::domain::Instrument;
use crate::domain::model::{NodeRef, Summary, next_category};
use crate::domain::scoring::next_zone;
use crate::tui::app::App;

/// The node's score and category in the previous cycle and the difference to now
/// (`dulu 60.87 C Δ +12.01`), when the current cycle follows one.
fn then_line(app: &App, node: NodeRef) -> Option<Line<'static>> {
    let then = app.then_and_now(node)?;
    let from = match &then.from {
        Some(f) => format!("{} {}", f.score, safe(&f.category)),
        None => "-".into(),
    };
    let delta = then.delta.map(|d| {
        if d.0 > 0 {
            format!("+{d}")
        } else {
            d.to_string()
        }
    });
    let style = match then.delta {
        Some(d) if d.0 < 0 => app.theme.error(),
        _ => app.theme.dim(),
    };
    Some(Line::styled(
        app.t().then_line(&from, delta.as_deref()),
        style,
    ))
}

fn summary_lines<'a>(
    app: &App,
    node: NodeRef,
    label: &str,
    code: &str,
    s: &Summary,
    instrument: &'a Instrument,
    with_band_label: bool,
) -> Vec<Line<'a>> {
    let t = app.t();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{label} "), app.theme.header()),
        Span::raw(safe(code).into_owned()),
    ])];
    if s.score.is_none() && with_band_label {
        lines.push(Line::raw(format!(" {}", t.no_score)));
    }
    lines.push(Line::from(vec![
        Span::raw(format!(" {:>6} ", score_text(s))),
        zone_span(app, s, instrument),
        Span::raw(format!(" {}/{}", s.answered, s.total)),
    ]));
    lines.extend(then_line(app, node));
    if with_band_label && let Some(b) = band(s, instrument) {
        lines.push(Line::styled(
            format!(" {}", safe(b.label.get(app.lang))),
            app.theme.zone(b),
        ));
    }
    lines
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let block = Block::bordered()
        .border_style(app.theme.border())
        .title(Span::styled(
            format!(" {} ", t.score_title),
            app.theme.title(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let (agency, unit, product) = app.context();
    if let Some(a) = agency
        && !app.ds.instrument_of_agency(a).is_observation_checklist()
    {
        let nodes: Vec<NodeRef> = product
            .map(NodeRef::Product)
            .into_iter()
            .chain(unit.map(NodeRef::Unit))
            .chain(std::iter::once(NodeRef::Agency(a)))
            .collect();
        let mut lines = levels(app, &nodes, inner.height as usize);
        if product.is_none() && unit.is_none() {
            lines.extend(trend(app, a, inner, lines.len()));
        }
        Paragraph::new(lines).render(inner, buf);
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(p) = product {
        let instrument = app.ds.instrument_of_product(p);
        let s = app.book.product_summary(p);
        lines.extend(summary_lines(
            app,
            NodeRef::Product(p),
            t.product,
            &app.ds.products[p].code,
            &s,
            instrument,
            true,
        ));
        if app.ds.products[p].finalized {
            lines.push(Line::styled(
                format!(" ✔ {}", t.finalized_mark),
                app.theme.key(),
            ));
        }
    }
    if let Some(u) = unit {
        let instrument = app.ds.instrument_of_agency(app.ds.units[u].agency);
        lines.extend(summary_lines(
            app,
            NodeRef::Unit(u),
            t.unit,
            &app.ds.units[u].code,
            &app.book.unit(u),
            instrument,
            product.is_none(),
        ));
    }
    if let Some(a) = agency {
        let instrument = app.ds.instrument_of_agency(a);
        lines.extend(summary_lines(
            app,
            NodeRef::Agency(a),
            t.agency,
            &app.ds.agencies[a].code,
            &app.book.agency(&app.ds, a),
            instrument,
            product.is_none() && unit.is_none(),
        ));
    }
    if let Some(p) = product {
        let instrument = app.ds.instrument_of_product(p);
        let values = &app.ds.products[p].values;
        lines.push(Line::raw(""));
        match next_zone(instrument, values) {
            Some(nz) => {
                let target = &instrument.bands[nz.band];
                lines.push(Line::from(Span::styled(
                    t.next_zone(&safe(&target.code)),
                    app.theme.zone(target),
                )));
                lines.push(Line::raw(t.points(&nz.points.to_string())));
                if !nz.fulfil.is_empty() {
                    lines.push(Line::styled(t.fulfil, app.theme.header()));
                    let room = (inner.height as usize).saturating_sub(lines.len());
                    let shown = if nz.fulfil.len() > room {
                        room.saturating_sub(1)
                    } else {
                        nz.fulfil.len()
                    };
                    for &i in &nz.fulfil[..shown] {
                        lines.push(Line::raw(format!(
                            "• {}",
                            safe(instrument.indicators[i].label.get(app.lang))
                        )));
                    }
                    if shown < nz.fulfil.len() {
                        lines.push(Line::styled(
                            t.more(nz.fulfil.len() - shown),
                            app.theme.dim(),
                        ));
                    }
                }
            }
            None if app.book.product_summary(p).score.is_some() => {
                lines.push(Line::raw(t.top_zone));
            }
            None => {}
        }
    }
    if let (Some(a), None, None) = (agency, unit, product) {
        let shown = lines.len();
        lines.extend(trend(app, a, inner, shown));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// An agency's trend under its score (published years, then this database's cycles,
/// each point `2019 70.66`, a cycle by its code), the newest points where the panel
/// is short; a point whose label and score do not fit one line takes two. Nothing
/// when the agency has no trend ([`App::trend`]). `used`: the panel's lines above.
fn trend(
    app: &App,
    a: crate::domain::model::AgencyIx,
    inner: Rect,
    used: usize,
) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let points = app.trend(a);
    if points.is_empty() {
        return Vec::new();
    }
    let width = inner.width as usize;
    let marked = points.iter().any(|p| p.incomplete);
    let newest = points.len() - 1;
    let sw = points
        .iter()
        .map(|p| p.score.to_string().len())
        .max()
        .unwrap_or(0);
    let mut entries: Vec<Vec<Line<'static>>> = points
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let label = match (&p.source, p.year) {
                (crate::domain::history::PointSource::Published, Some(y)) => y.to_string(),
                (crate::domain::history::PointSource::Cycle { code, .. }, _) => {
                    safe(code).into_owned()
                }
                (_, None) => String::new(),
            };
            // Scores right-aligned in one column, the mark in a column of its own.
            let mark = match (marked, p.incomplete) {
                (_, true) => "*",
                (true, false) => " ",
                (false, false) => "",
            };
            let score = format!("{:>sw$}{mark}", p.score.to_string());
            let style = if k == newest {
                app.theme.header()
            } else {
                ratatui::style::Style::default()
            };
            // Not indented: `2025-pendampingan  1.06*` fits the panel at 80 columns.
            let room = width.saturating_sub(score.width() + 1);
            if label.width() <= room {
                let pad = width.saturating_sub(label.width() + score.width());
                vec![Line::styled(
                    format!("{label}{}{score}", " ".repeat(pad)),
                    style,
                )]
            } else {
                vec![
                    Line::styled(label, style),
                    Line::styled(format!("{score:>width$}"), style),
                ]
            }
        })
        .collect();
    // A blank line and the heading, then as many of the newest points as fit.
    let mut room = (inner.height as usize).saturating_sub(used + 2);
    let mut kept: Vec<Vec<Line<'static>>> = Vec::new();
    while let Some(e) = entries.pop() {
        if e.len() > room {
            break;
        }
        room -= e.len();
        kept.push(e);
    }
    if kept.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        Line::raw(""),
        Line::styled(app.t().trend_title(marked), app.theme.header()),
    ];
    lines.extend(kept.into_iter().rev().flatten());
    lines
}

/// The panel for a format-2 instrument: `nodes` from the innermost (the node in view)
/// to its agency, each with score, category, zone and progress; the innermost with its
/// category's label, the agency with its opinion; then the innermost's path to the
/// next category.
fn levels(app: &App, nodes: &[NodeRef], height: usize) -> Vec<Line<'static>> {
    let t = app.t();
    let ds = &app.ds;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (k, &node) in nodes.iter().enumerate() {
        let word = match node {
            NodeRef::Product(_) => t.product,
            NodeRef::Unit(_) => t.unit,
            NodeRef::Agency(_) => t.agency,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{word} "), app.theme.header()),
            Span::raw(safe(app.node_code(node)).into_owned()),
        ]));
        let s = app.book.summary(ds, node);
        let verdict = app.book.verdict(ds, node);
        let mut score = vec![Span::raw(format!(" {:>6} ", score_text(&s)))];
        match &verdict {
            Some(v) => {
                let style = app.theme.category(v.color());
                score.push(Span::styled(safe(v.category()).into_owned(), style));
                if v.zone.is_some() {
                    score.push(Span::raw(" "));
                    score.push(Span::styled(safe(v.zone_code()).into_owned(), style));
                }
            }
            None => score.push(Span::raw("-")),
        }
        score.push(Span::raw(format!(" {}/{}", s.answered, s.total)));
        if k == 0 && s.score.is_none() {
            lines.push(Line::raw(format!(" {}", t.no_score)));
        }
        lines.push(Line::from(score));
        lines.extend(then_line(app, node));
        let label = match (node, &verdict) {
            (NodeRef::Agency(a), Some(_)) => {
                app.book.opinion(ds, a).map(|o| o.get(app.lang).to_string())
            }
            (_, Some(v)) if k == 0 => Some(v.band.label.get(app.lang).to_string()),
            _ => None,
        };
        if let (Some(label), Some(v)) = (label, &verdict) {
            lines.push(Line::styled(
                format!(" {}", safe(&label)),
                app.theme.category(v.color()),
            ));
        }
        if k == 0 && ds.finalized(node) {
            lines.push(Line::styled(
                format!(" ✔ {}", t.finalized_mark),
                app.theme.key(),
            ));
        }
    }
    let Some(&here) = nodes.first() else {
        return lines;
    };
    let instrument = ds.instrument_of(here);
    lines.push(Line::raw(""));
    match next_category(ds, here) {
        Some(path) => {
            let Some(target) = instrument.bands.get(path.band) else {
                return lines;
            };
            let style = app.theme.category(
                target
                    .color
                    .as_deref()
                    .or_else(|| instrument.zone_of(target).and_then(|z| z.color.as_deref())),
            );
            lines.push(Line::styled(t.next_category(&safe(&target.code)), style));
            lines.push(Line::raw(t.points(&path.points.to_string())));
            if !path.reachable {
                lines.push(Line::styled(t.unreachable(), app.theme.dim()));
            }
            if !path.steps.is_empty() {
                lines.push(Line::styled(t.fulfil, app.theme.header()));
                let room = height.saturating_sub(lines.len());
                let shown = if path.steps.len() > room {
                    room.saturating_sub(1)
                } else {
                    path.steps.len()
                };
                for step in &path.steps[..shown] {
                    let label = safe(
                        instrument.indicators[crate::domain::model::Ix::index(step.indicator)]
                            .label
                            .get(app.lang),
                    )
                    .into_owned();
                    let text = if step.node == here {
                        format!("• {label}")
                    } else {
                        format!("• {}: {label}", safe(app.node_code(step.node)))
                    };
                    lines.push(Line::raw(text));
                }
                if shown < path.steps.len() {
                    lines.push(Line::styled(
                        t.more(path.steps.len() - shown),
                        app.theme.dim(),
                    ));
                }
            }
        }
        None if app.book.summary(ds, here).score.is_some() => {
            lines.push(Line::raw(t.top_category()));
        }
        None => {}
    }
    lines
}
