use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::console::keymap::{self, Mode};
use crate::console::model::Model;
use crate::i18n::{Text, t};

/// The key-hint bar, generated from the keymap of the current mode.
pub fn render_hints(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (keys, what) in keymap::help_rows(model.mode, model.lang, true) {
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The `/` filter line; while editing, the text editor draws itself.
pub fn render_filter(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let label = format!("{}: ", t(model.lang, Text::Filter));
    let width = label.chars().count() as u16;
    frame.render_widget(
        Paragraph::new(Span::styled(label, theme.key())),
        Rect { width, ..area },
    );
    let rest = Rect {
        x: area.x + width,
        width: area.width.saturating_sub(width),
        ..area
    };
    if model.mode == Mode::Filter {
        // The editor draws its own cursor cell.
        frame.render_widget(&model.filter_input, rest);
    } else {
        frame.render_widget(Paragraph::new(model.filter.clone()), rest);
    }
}
