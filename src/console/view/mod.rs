//! The view: a function of the model, one file per pane.

mod backlog;
mod card;
mod detail;
mod footer;
mod form;
mod header;
mod help;
mod map;
mod queue;
mod shift;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};

use super::keymap::Mode;
use super::layout::panes;
use super::model::{Model, Tab};
use crate::domain::sanitize::{Lines, sanitize};
use theme::Theme;

/// Rows a case's detail takes at a width, for `update` to keep its scroll in range.
pub use detail::rows as detail_rows;
pub use shift::rows as shift_rows;

/// Every string that came from the network passes here before it is drawn.
pub fn clean(text: &str) -> String {
    sanitize(text, Lines::One)
}

/// The person's name as a row shows it: `[datos eliminados]` once retention erased it.
pub fn person_name(
    lang: crate::i18n::Lang,
    profile: &crate::domain::registrant::Profile,
) -> String {
    if profile.erased {
        crate::i18n::t(lang, crate::i18n::Text::Erased).to_string()
    } else {
        clean(&profile.name)
    }
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

/// Draws the whole screen from the model. Nothing here sorts, pages or clamps: `update::settle`
/// did that for this size before the frame.
pub fn render(model: &Model, frame: &mut Frame) {
    let theme = Theme {
        no_color: model.no_color,
    };
    let area = frame.area();
    let show_filter = model.mode() == Mode::Filter || !model.list.filter.is_empty();
    let show_command = model.mode() == Mode::Command;
    let p = panes(area, show_filter || show_command, model.whole_body());
    header::render(model, theme, frame, p.header);
    footer::render_tabs(model, theme, frame, p.tabs);
    if model.tab == Tab::Shift {
        // The shift tab has no case of its own: it takes the body, with no case beside it.
        shift::render(model, theme, frame, p.detail);
    } else if p.list.height > 0 {
        match &model.backlog.view {
            Some((b, ids)) if model.tab == Tab::Backlog => {
                backlog::render(model, b, ids, theme, frame, p.list)
            }
            _ => queue::render(model, theme, frame, p.list),
        }
    }
    if model.tab != Tab::Shift {
        if model.detail.show_map {
            map::render(model, theme, frame, p.detail);
        } else {
            detail::render(model, model.detail_target(), theme, frame, p.detail);
        }
    }
    if show_command {
        footer::render_command(model, theme, frame, p.input);
    } else if show_filter {
        footer::render_filter(model, theme, frame, p.input);
    }
    footer::render_status(model, theme, frame, p.status);
    footer::render_hints(model, theme, frame, p.hints);
    match model.mode() {
        Mode::Help => help::render(model, theme, frame, area),
        Mode::Picker | Mode::Form | Mode::Confirm => form::render(model, theme, frame, area),
        Mode::Refusals => form::render_refusals(model, theme, frame, area),
        _ => {}
    }
}
