//! The view: a function of the model, one file per pane.

mod backlog;
mod detail;
mod footer;
mod form;
mod header;
mod help;
mod queue;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Flex, Layout, Rect};

use super::keymap::Mode;
use super::model::{Model, Tab};
use crate::domain::sanitize::{Lines, sanitize};
use theme::Theme;

/// Every string that came from the network passes here before it is drawn.
pub fn clean(text: &str) -> String {
    sanitize(text, Lines::One)
}

/// Multi-line text from the network (notes), cleaned line by line.
pub fn clean_lines(text: &str) -> Vec<String> {
    sanitize(text, Lines::Many)
        .lines()
        .map(String::from)
        .collect()
}

/// A centred popup of at most `width` × `height`.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [vertical] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(vertical);
    rect
}

pub fn render(model: &mut Model, frame: &mut Frame) {
    model.refresh_order();
    let theme = Theme {
        no_color: model.no_color,
    };
    let area = frame.area();
    let show_filter = model.mode == Mode::Filter || !model.filter.is_empty();
    let show_command = model.mode == Mode::Command;
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(u16::from(show_filter || show_command)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);
    header::render(model, theme, frame, rows[0]);
    footer::render_tabs(model, theme, frame, rows[1]);
    let wide = area.width >= 120;
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
    // The backlog is computed once per frame and shared by its pane and the detail.
    let backlog = (model.tab == Tab::Backlog).then(|| {
        let b = super::update::backlog_of(model);
        let ids = super::update::attention_of(&b);
        (b, ids)
    });
    let target = match &backlog {
        Some((_, ids)) => ids.get(model.backlog_selected).copied(),
        None => model.selected,
    };
    if model.detail_for != target {
        // Another case: its detail starts at the top.
        model.detail_for = target;
        model.detail_scroll = 0;
    }
    match &backlog {
        Some((b, ids)) => backlog::render(model, b, ids, theme, frame, body[0]),
        None => queue::render(model, theme, frame, body[0]),
    }
    detail::render(model, target, theme, frame, body[1]);
    if show_command {
        footer::render_command(model, theme, frame, rows[3]);
    } else if show_filter {
        footer::render_filter(model, theme, frame, rows[3]);
    }
    footer::render_status(model, theme, frame, rows[4]);
    footer::render_hints(model, theme, frame, rows[5]);
    match model.mode {
        Mode::Help => help::render(model, theme, frame, area),
        Mode::Picker | Mode::Form | Mode::Confirm => form::render(model, theme, frame, area),
        Mode::Refusals => form::render_refusals(model, theme, frame, area),
        _ => {}
    }
}
