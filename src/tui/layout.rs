//! Where everything goes, as pure functions of the screen size, shared by the draw
//! functions and by the state (which needs the page height for PgUp/PgDn and for
//! scrolling). The status bar grows to the rows its message needs (up to a sixth of
//! the screen).

use ratatui::layout::{Constraint, Layout, Rect};

/// How many rows the status bar may take on a screen `height` rows high.
pub fn max_status_rows(height: u16) -> u16 {
    (height / 6).max(1)
}

/// The smallest terminal the workstation draws on.
pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_W || area.height < MIN_H
}

/// The parts of every screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAreas {
    pub header: Rect,
    pub main: Rect,
    /// The score panel, always visible.
    pub side: Rect,
    pub hints: Rect,
    pub status: Rect,
}

/// The parts of a screen of `size` whose status bar has `status_rows` rows (a long
/// message wraps instead of being cut).
pub fn frame(size: (u16, u16), status_rows: u16) -> FrameAreas {
    frame_in(Rect::new(0, 0, size.0, size.1), status_rows)
}

pub fn frame_in(area: Rect, status_rows: u16) -> FrameAreas {
    let [header, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(status_rows.max(1)),
    ])
    .areas(area);
    let side_w = match area.width {
        0..100 => 26,
        100..140 => 32,
        _ => 40,
    };
    let [main, side] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(side_w)]).areas(body);
    FrameAreas {
        header,
        main,
        side,
        hints,
        status,
    }
}

/// The navigator's list rows: inside the border, under the column titles, above
/// the line with the highlighted item's full name.
pub fn nav_rows(main: Rect) -> Rect {
    let inner = main.inner(ratatui::layout::Margin::new(1, 1));
    Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// The checklist (list, details of the highlighted indicator).
pub fn checklist(main: Rect) -> (Rect, Rect) {
    let detail_h = (main.height * 2 / 5).max(8);
    let [list, detail] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_h)]).areas(main);
    (list, detail)
}

/// The roster's list rows: inside the border, under the column titles.
pub fn roster(main: Rect) -> Rect {
    nav_rows(main)
}

/// The dashboard (zone chart, progress gauge, ranking).
pub fn dashboard(main: Rect) -> (Rect, Rect, Rect) {
    let [chart, gauge, ranking] = Layout::vertical([
        Constraint::Length(9),
        Constraint::Length(3),
        Constraint::Fill(1),
    ])
    .areas(main);
    (chart, gauge, ranking)
}

/// A window of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
