//! A roster: the respondents of one role at a node (`Pelaksana 3/4`: so far and
//! needed), each with its number, its position (never a name) and how many of its
//! questions it answered; the last row adds the next one.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, Widget};

use super::safe;
use crate::domain::model::Ix;
use crate::tui::app::{App, Roster, Row as ListRow, node_rows};
use crate::tui::layout;

pub fn render(app: &App, r: &Roster, area: Rect, buf: &mut Buffer) {
    let t = app.t();
    let role = app.role_label(r.node, r.role);
    let (count, required) = app.role_count(r.node, r.role);
    let block = Block::bordered()
        .border_style(app.theme.border_focus())
        .title(Line::from(vec![
            Span::styled(format!(" {} ", t.roster_title()), app.theme.title()),
            Span::raw(format!(
                "{role} {count}/{required} · {} ",
                safe(app.node_code(r.node))
            )),
        ]))
        .title_bottom(Line::raw(format!(
            " {} {} ",
            safe(app.node_code(r.node)),
            safe(app.node_name(r.node))
        )));
    let inner = block.inner(area);
    block.render(area, buf);
    let [number, position, done] = t.roster_columns();
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from(Line::raw(number).right_aligned()),
        Cell::from(position),
        Cell::from(Line::raw(done).right_aligned()),
    ])
    .style(app.theme.header());
    let rows_area = layout::roster(area);
    let next = app.ds.next_respondent_number(r.node, r.role.index());
    let rows: Vec<Row> = app
        .roster_rows(r)
        .into_iter()
        .enumerate()
        .skip(r.offset)
        .take(rows_area.height as usize)
        .map(|(n, item)| {
            let selected = n == r.selected;
            let mark = Cell::from(if selected { "›" } else { " " });
            let row = match item.and_then(|k| Some((k, app.ds.respondent(r.node, k)?))) {
                Some((k, resp)) => {
                    let asked = node_rows(&app.ds, r.node, Some(k))
                        .iter()
                        .filter(|x| matches!(x, ListRow::Indicator(_)))
                        .count();
                    let answered = asked - app.questions_open(r.node, k).len().min(asked);
                    let label = if resp.label.is_empty() {
                        Span::styled(t.no_position(), app.theme.dim())
                    } else {
                        Span::raw(safe(&resp.label).into_owned())
                    };
                    Row::new(vec![
                        mark,
                        Cell::from(Line::raw(resp.number.to_string()).right_aligned()),
                        Cell::from(Line::from(label)),
                        Cell::from(Line::raw(format!("{answered}/{asked}")).right_aligned()),
                    ])
                }
                None => Row::new(vec![
                    mark,
                    Cell::from(""),
                    Cell::from(Line::styled(
                        t.new_respondent_row(&role, next),
                        app.theme.key(),
                    )),
                    Cell::from(""),
                ]),
            };
            if selected {
                row.style(app.theme.selected())
            } else {
                row
            }
        })
        .collect();
    let table_area = Rect {
        y: inner.y,
        height: rows_area.height + 1,
        ..inner
    };
    Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Length(7),
        ],
    )
    .header(header)
    .column_spacing(1)
    .render(table_area, buf);
}
