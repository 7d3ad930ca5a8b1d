//! The supervisor's backlog: open cases by stage and age, what is falling behind, lawyer load,
//! per-consulate counts; and the list of cases needing attention, to drill into.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use super::clean;
use super::theme::Theme;
use crate::console::model::Model;
use crate::console::words as console;
use crate::domain::backlog;
use crate::domain::staff::Role;
use crate::i18n::{Text, casework, t};

pub fn render(
    model: &Model,
    b: &backlog::Backlog,
    ids: &[u64],
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let lang = model.lang;
    let national = model
        .me
        .as_ref()
        .is_some_and(|m| m.role == Role::Supervisor && m.consulate.is_none());
    let [figures, attention] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(figures);

    let heading = |text: Text| Line::from(Span::styled(t(lang, text), theme.title()));
    let mut l = vec![
        Line::from(Span::styled(
            crate::i18n::open_cases(lang, b.open),
            theme.title(),
        )),
        // Consent first, where it is never cut off: protection is given only to those who
        // accept it, and a case closed with it declined is counted apart.
        Line::from(console::consent_counts(lang, &b.by_consent, b.untriaged)),
        Line::from(console::closed_counts(lang, b.closed, b.closed_declined)),
        heading(Text::ByStage),
    ];
    for (stage, n) in &b.by_stage {
        l.push(Line::from(format!(
            "  {n:>5}  {}",
            console::stage(lang, *stage, *n)
        )));
    }
    l.push(heading(Text::ByAge));
    for (i, n) in b.by_age.iter().enumerate() {
        l.push(Line::from(format!(
            "  {n:>5}  {}",
            console::age_bucket(lang, i)
        )));
    }
    frame.render_widget(
        Paragraph::new(l).block(Block::default().borders(Borders::ALL).title(
            match model.backlog.triage.consent {
                // The filter in force, so an empty figure is never mistaken for no work.
                Some(c) => format!(
                    " {} · {}: {} (F) ",
                    t(lang, Text::TabBacklog),
                    t(lang, Text::Filter),
                    casework::word(lang, c.as_str())
                ),
                None => format!(" {} ", t(lang, Text::TabBacklog)),
            },
        )),
        left,
    );

    let mut r = vec![
        Line::from(vec![
            Span::styled(
                format!("{:>5}  ", b.overdue.len()),
                theme.tier(crate::domain::urgency::Tier::Critical),
            ),
            Span::raw(t(lang, Text::OverdueUnacknowledged)),
        ]),
        Line::from(format!(
            "{:>5}  {}",
            b.without_lawyer.len(),
            t(lang, Text::WithoutLawyer)
        )),
        Line::from(format!(
            "{:>5}  {}",
            b.deadlines.len(),
            t(lang, Text::DeadlinesWeek)
        )),
        heading(Text::LawyerLoad),
    ];
    for lawyer in b.lawyers.iter().take(8) {
        let over = lawyer.open_cases >= lawyer.capacity;
        let style = if over { theme.warn() } else { theme.dim() };
        r.push(Line::from(vec![
            Span::styled(
                format!("  {:>3}/{:<3} ", lawyer.open_cases, lawyer.capacity),
                style,
            ),
            Span::raw(clean(&lawyer.name)),
        ]));
    }
    if national {
        r.push(heading(Text::PerConsulate));
        let mut per: Vec<_> = b.per_consulate.iter().collect();
        per.sort_by(|a, b| b.1.open.cmp(&a.1.open).then_with(|| a.0.cmp(b.0)));
        for (consulate, n) in per.iter().take(10) {
            r.push(Line::from(format!(
                "  {:>4} · {:>3} · {:>3}  {}",
                n.open,
                n.unacknowledged,
                n.without_lawyer,
                clean(&model.consulate_name(consulate))
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(r).block(Block::default().borders(Borders::ALL)),
        right,
    );

    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", t(lang, Text::Attention)),
        theme.title(),
    ));
    if ids.is_empty() {
        frame.render_widget(
            Paragraph::new(t(lang, Text::NothingHere)).block(block),
            attention,
        );
        return;
    }
    let items: Vec<ListItem> = ids
        .iter()
        .filter_map(|id| model.cases.get(id))
        .map(|case| {
            let mut why = Vec::new();
            if b.overdue.contains(&case.id) {
                why.push(t(lang, Text::OverdueUnacknowledged).to_string());
            }
            if b.without_lawyer.contains(&case.id) {
                why.push(t(lang, Text::WithoutLawyer).to_string());
            }
            if let Some((_, d)) = b.deadlines.iter().find(|(id, _)| *id == case.id) {
                why.push(console::countdown(lang, d, model.now));
            }
            ListItem::new(format!(
                "#{:<6} {:<24} {:<18} {}",
                case.id,
                super::person_name(lang, &case.registrant),
                clean(&model.consulate_name(&case.consulate)),
                why.join(" · ")
            ))
        })
        .collect();
    let mut state =
        ListState::default().with_selected(Some(model.backlog.selected.min(ids.len() - 1)));
    frame.render_stateful_widget(
        List::new(items)
            .block(block)
            .highlight_style(theme.selected())
            .highlight_symbol("› "),
        attention,
        &mut state,
    );
}
