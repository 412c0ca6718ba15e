//! The score panel, always visible: product, unit and agency of the current context
//! with score, zone (text and colour), progress, and the contract's path to the next
//! zone for a product.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::{band, safe, score_text, zone_span};
use crate::domain::Instrument;
use crate::domain::model::Summary;
use crate::domain::scoring::next_zone;
use crate::tui::app::App;

fn summary_lines<'a>(
    app: &App,
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
    let mut lines: Vec<Line> = Vec::new();
    if let Some(p) = product {
        let instrument = app.ds.instrument_of_product(p);
        let s = app.book.product_summary(p);
        lines.extend(summary_lines(
            app,
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
    Paragraph::new(lines).render(inner, buf);
}
