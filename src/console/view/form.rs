//! The case-work popup: picker, fields with their hints, the note editor, the confirmation; and
//! the list of refused actions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::theme::Theme;
use super::{clean, popup};
use crate::console::form::Form;
use crate::console::model::Model;
use crate::console::words as console;
use crate::domain::command::Verb;
use crate::i18n::{Text, casework, t};

/// Where hints start under their field.
const HINT_INDENT: u16 = 4;

fn title(model: &Model, form: &Form) -> String {
    let lang = model.lang;
    let Some(verb) = form.kind.verb() else {
        use crate::i18n::work::{W, w};
        let what = form
            .kind
            .work()
            .map_or(w(lang, W::Title), |t| w(lang, W::Work(t)));
        let chosen = form
            .chosen
            .as_ref()
            .map(|c| format!(": {}", clean(&c.label)))
            .unwrap_or_default();
        return format!(" {what}{chosen} ");
    };
    let what = match verb {
        Verb::Assign => t(lang, Text::FormAssign),
        Verb::Checkpoint => t(lang, Text::FormCheckpoint),
        Verb::Note => t(lang, Text::FormNote),
        Verb::Close => t(lang, Text::FormClose),
        Verb::Reopen => t(lang, Text::FormReopen),
        Verb::Transfer => t(lang, Text::FormTransfer),
        Verb::Intake => t(lang, Text::FormIntake),
        Verb::DeclineTransfer => t(lang, Text::FormDecline),
        Verb::Triage => t(lang, Text::TriageTitle),
        // Sent at once, never a form.
        Verb::Acknowledge | Verb::AcceptTransfer => "",
    };
    let chosen = form
        .chosen
        .as_ref()
        .map(|c| format!(": {}", clean(&c.label)))
        .unwrap_or_default();
    if verb == Verb::Intake && form.case_id == 0 {
        return format!(" {what} ");
    }
    if verb == Verb::Intake {
        return format!(" #{} · {} ", form.case_id, t(lang, Text::FormCallMore));
    }
    format!(" #{} · {what}{chosen} ", form.case_id)
}

pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(form) = &model.form else {
        return;
    };
    let rect = popup(area, 110, area.height.saturating_sub(4).clamp(10, 32));
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title(model, form), theme.title()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if let crate::console::form::Stage::ConfirmingWork(command) = &form.stage {
        let what = form.chosen.as_ref().map(|c| c.label.as_str()).unwrap_or("");
        let text = crate::i18n::work::confirm_undo(model.lang, command.verb(), &clean(what));
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.warn())).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    if form.stage == crate::console::form::Stage::Confirming {
        let outcome = form.chosen.as_ref().map(|c| c.label.as_str()).unwrap_or("");
        let text = console::confirm_close(model.lang, form.case_id, &clean(outcome));
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.warn())).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    if let Some(picker) = &form.picker {
        let [filter_row, list_row] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let label = format!("{}: ", t(model.lang, Text::Filter));
        let width = label.chars().count() as u16;
        frame.render_widget(
            Paragraph::new(Span::styled(label, theme.key())),
            Rect {
                width,
                ..filter_row
            },
        );
        frame.render_widget(
            &picker.filter,
            Rect {
                x: filter_row.x + width,
                width: filter_row.width.saturating_sub(width),
                ..filter_row
            },
        );
        let visible = picker.visible();
        if picker.items.is_empty() || visible.is_empty() {
            let text = if picker.items.is_empty() {
                t(model.lang, Text::Loading)
            } else {
                t(model.lang, Text::NoMatches)
            };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), list_row);
            return;
        }
        let items: Vec<ListItem> = visible
            .iter()
            .filter_map(|&i| picker.items.get(i))
            .map(|item| {
                ListItem::new(Line::from(vec![
                    // Two spaces at least: a long label never runs into its detail.
                    Span::raw(format!("{:<40}  ", clean(&item.label))),
                    Span::styled(clean(&item.detail), theme.dim()),
                ]))
            })
            .collect();
        let mut state = ListState::default().with_selected(Some(picker.selected));
        frame.render_stateful_widget(
            List::new(items)
                .highlight_style(theme.selected())
                .highlight_symbol("› "),
            list_row,
            &mut state,
        );
        return;
    }
    // Fields: one line each with its hint below, wrapped so every choice can be read (the
    // choices are the labels people type); the note gets the rest.
    let hint_width = inner.width.saturating_sub(HINT_INDENT).max(10) as usize;
    let hint_lines = |hint: &str| {
        let w = unicode_width::UnicodeWidthStr::width(hint);
        w.div_ceil(hint_width).max(1) as u16
    };
    let mut constraints: Vec<Constraint> = Vec::new();
    for input in &form.inputs {
        constraints.push(if input.multiline {
            Constraint::Min(4)
        } else {
            Constraint::Length(1 + hint_lines(&input.hint))
        });
    }
    constraints.push(Constraint::Length(2));
    let rows = Layout::vertical(constraints).split(inner);
    for (i, input) in form.inputs.iter().enumerate() {
        let focused = i == form.focus;
        let mut label = casework::word(model.lang, input.name).to_string();
        if input.required {
            label.push_str(" *");
        }
        let row = rows[i];
        if input.multiline {
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(if focused { theme.key() } else { theme.dim() })
                .title(label);
            let inner = block.inner(row);
            frame.render_widget(block, row);
            frame.render_widget(&input.editor, inner);
            continue;
        }
        let [top, hint] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(row);
        let [name, value] =
            Layout::horizontal([Constraint::Length(38), Constraint::Min(10)]).areas(top);
        let style = if focused { theme.key() } else { theme.dim() };
        let marker = if focused { "› " } else { "  " };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{marker}{label}"), style)),
            name,
        );
        if focused {
            frame.render_widget(&input.editor, value);
        } else {
            frame.render_widget(Paragraph::new(clean(&input.value())), value);
        }
        if !input.hint.is_empty() {
            let hint = Rect {
                x: hint.x + HINT_INDENT,
                width: hint.width.saturating_sub(HINT_INDENT),
                ..hint
            };
            frame.render_widget(
                Paragraph::new(Span::styled(input.hint.clone(), theme.dim()))
                    .wrap(Wrap { trim: true }),
                hint,
            );
        }
    }
    // Why it came back: this form's own check, or the hub's refusal it was reopened from.
    let problem = match (&form.error, &form.refused) {
        (Some(error), _) => Some(form_problem(model.lang, form, error)),
        (None, Some(p)) => Some(console::refused(model.lang, p, model.now)),
        (None, None) => None,
    };
    if let Some(problem) = problem {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✕ {problem}"), theme.unseen()))
                .wrap(Wrap { trim: true }),
            rows[form.inputs.len()],
        );
    }
}

/// Why the form was not sent: a field's problem with the field's own hint, or the rule book's no.
fn form_problem(
    lang: crate::i18n::Lang,
    form: &crate::console::form::Form,
    refusal: &crate::domain::command::Refusal,
) -> String {
    match refusal {
        crate::domain::command::Refusal::Invalid(e) => {
            let name = e.field.trim_start_matches("fields.");
            let hint = form.input(name).map(|i| i.hint.as_str()).unwrap_or("");
            crate::console::words::field_problem(lang, &e.field, e.code, hint)
        }
        other => crate::console::words::refusal(lang, other),
    }
}

/// The refused actions, each with why and what changed, until the operator dismisses them.
pub fn render_refusals(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let rect = popup(
        area,
        110,
        (model.outbox.refused.len() as u16 * 2 + 4).max(6),
    );
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", t(model.lang, Text::RefusalsTitle)),
        theme.title(),
    ));
    if model.outbox.refused.is_empty() {
        frame.render_widget(
            Paragraph::new(t(model.lang, Text::NoRefusals)).block(block),
            rect,
        );
        return;
    }
    let items: Vec<ListItem> = model
        .outbox
        .refused
        .iter()
        .map(|p| ListItem::new(console::refused(model.lang, p, model.now)))
        .collect();
    let mut state = ListState::default().with_selected(Some(model.outbox.selected));
    frame.render_stateful_widget(
        List::new(items)
            .block(block)
            .highlight_style(theme.selected())
            .highlight_symbol("› "),
        rect,
        &mut state,
    );
}
