use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::console::keymap;
use crate::console::model::Model;
use crate::i18n::{Text, t};

/// The `?` overlay: every binding of what it covers (the list, the open case, the shift tab), from the same table that dispatches keys.
pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let rows = keymap::help_rows(model.base_mode(), model.lang, false, model.role());
    // Two columns when one would not fit the screen's height.
    let columns = if rows.len() + 4 > area.height as usize {
        2
    } else {
        1
    };
    let per_column = rows.len().div_ceil(columns);
    let entry = |(keys, what): &(String, &str)| {
        vec![
            Span::styled(format!("{keys:>10}  "), theme.key()),
            Span::raw(format!("{what:<26}")),
        ]
    };
    let mut lines: Vec<Line> = (0..per_column)
        .map(|i| {
            let mut spans = Vec::new();
            for c in 0..columns {
                if let Some(row) = rows.get(c * per_column + i) {
                    spans.extend(entry(row));
                }
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        t(model.lang, Text::HelpClose),
        theme.dim(),
    )));
    let height = (lines.len() as u16 + 2).min(area.height);
    let [vertical] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(
        (40 * columns as u16 + 4).min(area.width),
    )])
    .flex(Flex::Center)
    .areas(vertical);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" {} ", t(model.lang, Text::HelpTitle)),
            theme.title(),
        ))),
        popup,
    );
}
