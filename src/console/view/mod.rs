//! The view: a function of the model, one file per pane.

mod detail;
mod footer;
mod header;
mod help;
mod queue;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout};

use super::keymap::Mode;
use super::model::Model;
use crate::domain::sanitize::{Lines, sanitize};
use theme::Theme;

/// Every string that came from the network passes here before it is drawn.
pub fn clean(text: &str) -> String {
    sanitize(text, Lines::One)
}

pub fn render(model: &mut Model, frame: &mut Frame) {
    model.refresh_order();
    let theme = Theme {
        no_color: model.no_color,
    };
    let area = frame.area();
    let show_filter = model.mode == Mode::Filter || !model.filter.is_empty();
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(u16::from(show_filter)),
        Constraint::Length(1),
    ])
    .split(area);
    header::render(model, theme, frame, rows[0]);
    let wide = area.width >= 120;
    let body = Layout::default()
        .direction(if wide {
            Direction::Horizontal
        } else {
            Direction::Vertical
        })
        .constraints(if wide {
            [Constraint::Percentage(66), Constraint::Percentage(34)]
        } else {
            [Constraint::Percentage(60), Constraint::Percentage(40)]
        })
        .split(rows[1]);
    queue::render(model, theme, frame, body[0]);
    detail::render(model, theme, frame, body[1]);
    if show_filter {
        footer::render_filter(model, theme, frame, rows[2]);
    }
    footer::render_hints(model, theme, frame, rows[3]);
    if model.mode == Mode::Help {
        help::render(model, theme, frame, area);
    }
}
