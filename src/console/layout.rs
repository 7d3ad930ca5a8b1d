//! Where each pane goes for a terminal size: one pure function, used by the view to draw and by
//! `update::settle` to know how many rows a page has.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub header: Rect,
    pub tabs: Rect,
    /// The queue, the lawyer's list or the backlog.
    pub list: Rect,
    pub detail: Rect,
    /// The filter or `:` line, when one is open (zero height otherwise).
    pub input: Rect,
    pub status: Rect,
    pub hints: Rect,
}

/// Terminals at least this wide show the list and the detail side by side.
pub const WIDE: u16 = 120;

/// `full`: the detail takes the whole body and the list is hidden (`Enter` on a case), which
/// at 80 × 24 is the only way the detail can be read.
pub fn panes(area: Rect, input_open: bool, full: bool) -> Panes {
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(u16::from(input_open)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    let wide = area.width >= WIDE;
    let body = Layout::default()
        .direction(if wide {
            Direction::Horizontal
        } else {
            Direction::Vertical
        })
        .constraints(if wide {
            [Constraint::Percentage(70), Constraint::Percentage(30)]
        } else {
            [Constraint::Percentage(60), Constraint::Percentage(40)]
        })
        .split(rows[2]);
    let (list, detail) = if full {
        (
            Rect {
                height: 0,
                ..rows[2]
            },
            rows[2],
        )
    } else {
        (body[0], body[1])
    };
    Panes {
        header: rows[0],
        tabs: rows[1],
        list,
        detail,
        input: rows[3],
        status: rows[4],
        hints: rows[5],
    }
}

/// Table rows that fit in the list pane: borders and the header row take three lines.
pub fn list_rows(list: Rect) -> usize {
    list.height.saturating_sub(3).max(1) as usize
}
