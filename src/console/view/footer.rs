use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::console::action::{Notice, WorkState};
use crate::console::keymap::{self, Mode};
use crate::console::model::{Model, Tab, tabs};
use crate::console::words as console;
use crate::console::words::strip;
use crate::i18n::{Text, t};

/// The key-hint bar, generated from the keymap of the current mode. Help and quit are always
/// on it, at its end; the other keys fill the width before them, each whole or not at all, so
/// at 80 columns the bar never ends mid-word or before `?` and `q`.
pub fn render_hints(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let rows = keymap::help_rows(model.mode(), model.lang, true, model.role());
    let essential = |keys: &str| {
        matches!(model.mode(), Mode::Normal | Mode::Case | Mode::Shift)
            && (keys == "?" || keys == "q")
    };
    let width = |keys: &str, what: &str| keys.chars().count() + what.chars().count() + 3;
    let mut room = usize::from(area.width).saturating_sub(
        rows.iter()
            .filter(|(k, _)| essential(k))
            .map(|(k, w)| width(k, w))
            .sum(),
    );
    let mut spans = Vec::new();
    let mut tail = Vec::new();
    for (keys, what) in &rows {
        let pair = [
            Span::styled(keys.clone(), theme.key()),
            Span::raw(format!(" {what}  ")),
        ];
        if essential(keys) {
            tail.extend(pair);
        } else if width(keys, what) <= room {
            room -= width(keys, what);
            spans.extend(pair);
        }
    }
    spans.extend(tail);
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
    if model.mode() == Mode::Filter {
        // The editor draws its own cursor cell.
        frame.render_widget(&model.list.filter_input, rest);
    } else {
        frame.render_widget(Paragraph::new(model.list.filter.clone()), rest);
    }
}

/// The tab bar, with the outbox's state on the right: what waits to be sent, what was refused.
pub fn render_tabs(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let mut spans = Vec::new();
    let all = tabs(model.role());
    // One view needs no tab bar; the row then holds only the counts.
    if all.len() > 1 {
        for (i, tab) in all.iter().enumerate() {
            let name = match tab {
                Tab::Queue => t(lang, Text::TabQueue),
                Tab::MyCases => t(lang, Text::TabMyCases),
                Tab::Backlog => t(lang, Text::TabBacklog),
                Tab::Shift => crate::i18n::work::p(lang, crate::i18n::work::P::TabShift),
            };
            let style = if *tab == model.tab {
                theme.selected()
            } else {
                theme.dim()
            };
            spans.push(Span::styled(format!(" {} {name} ", i + 1), style));
            spans.push(Span::raw(" "));
        }
    }
    // What needs someone now, over the list: never scrolls away. Most important first, so
    // that on a narrow terminal the least important give way, each whole or not at all.
    // The whole queue's, even while the list is narrowed to a search, a view or a cluster.
    let tally = model.counted().tally();
    let mut counts: Vec<Span> = Vec::new();
    if tally.duress > 0 {
        counts.push(Span::styled(
            format!("‼ {}", strip::duress(lang, tally.duress)),
            theme.unseen(),
        ));
    }
    counts.push(Span::raw(strip::critical(lang, tally.critical)));
    // The cluster's whole sentence where it fits, else its short name (as the list's title
    // says it under `z`).
    let cluster = model.list.clusters.first().map(|biggest| {
        let n = biggest.ids.len();
        (
            strip::cluster(lang, n),
            format!("◎ {}", strip::cluster_view(lang, n)),
        )
    });
    if let Some((long, _)) = &cluster {
        counts.push(Span::styled(long.clone(), theme.warn()));
    }
    counts.push(Span::styled(
        strip::unattended(lang, tally.unattended),
        if tally.unattended > 0 {
            theme.warn()
        } else {
            theme.dim()
        },
    ));
    if !model.outbox.refused.is_empty() {
        counts.push(Span::styled(
            format!("✕ {}", strip::refused(lang, model.outbox.refused.len())),
            theme.unseen(),
        ));
    }
    if model.outbox.waiting > 0 {
        counts.push(Span::styled(
            format!("⧗ {} {}", model.outbox.waiting, t(lang, Text::Waiting)),
            theme.warn(),
        ));
    }
    if let Some(since) = model.counted().oldest_unattended() {
        counts.push(Span::styled(
            strip::oldest_wait(lang, (model.now - since).num_seconds()),
            theme.warn(),
        ));
    }
    let mut room = usize::from(area.width).saturating_sub(
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>(),
    );
    for (n, mut span) in counts.into_iter().enumerate() {
        let gap = if n == 0 { " " } else { " · " };
        let width = |span: &Span| gap.chars().count() + span.content.chars().count();
        if width(&span) > room
            && let Some((long, short)) = &cluster
            && span.content == long.as_str()
        {
            span.content = short.clone().into();
        }
        let needs = width(&span);
        if needs > room {
            break;
        }
        room -= needs;
        spans.push(Span::raw(gap));
        spans.push(span);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The last notice or message, one line.
pub fn render_status(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let text = match (&model.message, &model.notice) {
        (Some(m), _) => console::message(model.lang, m),
        (None, Some(n)) => console::notice(model.lang, n),
        (None, None) => String::new(),
    };
    let style = match &model.notice {
        Some(
            Notice::Refused { .. }
            | Notice::NotSaved { .. }
            | Notice::Work {
                state: WorkState::Refused | WorkState::NotSaved(_),
                ..
            },
        ) if model.message.is_none() => theme.unseen(),
        _ => theme.warn(),
    };
    frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

/// The `:` command line.
pub fn render_command(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(Span::styled(":", theme.key())),
        Rect { width: 1, ..area },
    );
    let rest = Rect {
        x: area.x + 2,
        width: area.width.saturating_sub(2),
        ..area
    };
    if model.command_input.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                crate::console::words::command_help(model.lang, model.role()),
                theme.dim(),
            )),
            rest,
        );
    } else {
        frame.render_widget(&model.command_input, rest);
    }
}
