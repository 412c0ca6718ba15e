//! The navigator: agencies, the units of one, the products of one; each row with its
//! score, zone (as text), progress and finalized mark (a product: its state, not
//! started / in progress / complete / final); the filter line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::{safe, score_text, short_agency, zone_span};
use crate::domain::model::{NodeRef, ProductIx, Summary};
use crate::tui::app::{App, Modal, NavDepth, Node};
use crate::tui::layout;

/// Summary, finalized products and products of a row.
fn row_facts(app: &App, node: Node) -> (Summary, usize, usize) {
    let ds = &app.ds;
    match node {
        Node::Agency(a) => {
            let products: Vec<ProductIx> = ds.agencies[a]
                .units
                .iter()
                .flat_map(|&u| ds.units[u].products.iter().copied())
                .collect();
            let fin = products
                .iter()
                .filter(|&&p| ds.products[p].finalized)
                .count();
            (app.book.agency(ds, a), fin, products.len())
        }
        Node::Unit(u) => {
            let products = &ds.units[u].products;
            let fin = products
                .iter()
                .filter(|&&p| ds.products[p].finalized)
                .count();
            (app.book.unit(u), fin, products.len())
        }
        Node::Product(p) => (
            app.book.product_summary(p),
            usize::from(ds.products[p].finalized),
            1,
        ),
    }
}

fn instrument_of(app: &App, node: Node) -> &crate::domain::Instrument {
    match node {
        Node::Agency(a) => app.ds.instrument_of_agency(a),
        Node::Unit(u) => app.ds.instrument_of_agency(app.ds.units[u].agency),
        Node::Product(p) => app.ds.instrument_of_product(p),
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let top = app.nav_top();
    let title = match top.depth {
        NavDepth::Agencies => t.agencies,
        NavDepth::Units(_) => t.units,
        NavDepth::Products(_) => t.products,
    };
    let total = match top.depth {
        NavDepth::Agencies => app.ds.agencies.len(),
        NavDepth::Units(a) => app.ds.agencies[a].units.len(),
        NavDepth::Products(u) => app.ds.units[u].products.len(),
    };
    let count = if top.filter.is_empty() {
        format!("({total})")
    } else {
        format!("({})", t.filtered(top.shown.len(), total))
    };
    let mut block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Line::from(vec![
            Span::styled(format!(" {title} "), app.theme.title()),
            Span::raw(format!("{count} ")),
        ]));
    if !top.filter.is_empty() || app.modal == Modal::Filter {
        block = block.title_bottom(Line::from(vec![
            Span::styled(format!(" {}: ", t.filter), app.theme.key()),
            Span::raw(format!("{} ", safe(&top.filter))),
        ]));
    } else if let Some(i) = top.current() {
        let (code, name) = app.item_text(i);
        block = block.title_bottom(Line::raw(format!(" {} {} ", safe(code), safe(name))));
    }
    let inner = block.inner(area);
    block.render(area, buf);

    if app.ds.agencies.is_empty() {
        let mut lines = vec![
            Line::styled(t.empty_title, app.theme.heading()),
            Line::raw(""),
        ];
        lines.extend(t.empty_lines.iter().map(|l| Line::raw(*l)));
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            safe(&app.db_path.display().to_string()).into_owned(),
            app.theme.dim(),
        ));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
        return;
    }
    let rows_area = layout::nav_rows(area);
    if top.shown.is_empty() {
        Paragraph::new(t.nothing_matches).render(rows_area, buf);
    }
    let products = matches!(top.depth, NavDepth::Products(_));
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from(t.col_name),
        Cell::from(Line::raw(t.col_score).right_aligned()),
        Cell::from(t.col_zone),
        Cell::from(Line::raw(t.col_progress).right_aligned()),
        Cell::from(if products { t.col_state() } else { "" }),
    ])
    .style(app.theme.header());
    let height = rows_area.height as usize;
    let rows: Vec<Row> = top
        .shown
        .iter()
        .enumerate()
        .skip(top.offset)
        .take(height)
        .map(|(n, &node)| {
            let (code, name) = app.item_text(node);
            let (summary, fin, n_products) = row_facts(app, node);
            let instrument = instrument_of(app, node);
            let selected = n == top.selected;
            // A unit or agency with a checklist of its own (format 2) is final when
            // it is finalized itself.
            let own = match node {
                Node::Agency(a) => Some(NodeRef::Agency(a)),
                Node::Unit(u) => Some(NodeRef::Unit(u)),
                Node::Product(_) => None,
            }
            .filter(|_| !instrument.is_observation_checklist());
            let mark = match (node, own) {
                (Node::Product(p), _) => t.state(app.product_state(p)),
                (_, Some(n)) if app.ds.finalized(n) => "✔",
                (_, Some(_)) => "",
                _ if n_products > 0 && fin == n_products => "✔",
                _ => "",
            };
            let row = Row::new(vec![
                Cell::from(if selected { "›" } else { " " }),
                Cell::from(format!(
                    "{} {}",
                    safe(code),
                    if top.depth == NavDepth::Agencies {
                        short_agency(name)
                    } else {
                        safe(name)
                    }
                )),
                Cell::from(Line::raw(score_text(&summary)).right_aligned()),
                Cell::from(zone_span(app, &summary, instrument)),
                Cell::from(
                    Line::raw(format!("{}/{}", summary.answered, summary.total)).right_aligned(),
                ),
                Cell::from(mark),
            ]);
            if selected {
                row.style(app.theme.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(if products { 6 } else { 9 }),
        Constraint::Length(if products { 11 } else { 1 }),
    ];
    let table_area = Rect {
        y: inner.y,
        height: rows_area.height + 1,
        ..inner
    };
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(table_area, buf);
}

/// The cursor at the end of the filter text, on the list's bottom border.
pub fn filter_cursor(app: &App, main: Rect) -> Option<Position> {
    let text = format!(" {}: {}", app.t().filter, safe(&app.nav_top().filter));
    let x = main.x + 1 + unicode_width::UnicodeWidthStr::width(text.as_str()) as u16;
    (x + 1 < main.right()).then_some(Position::new(x, main.bottom().saturating_sub(1)))
}
