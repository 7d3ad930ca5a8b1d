//! The supervisor's backlog: open cases by stage and age, what is falling behind, lawyer load,
//! per-consulate counts; and the list of cases needing attention, to drill into.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use super::clean;
use super::theme::Theme;
use crate::console::model::Model;
use crate::console::words as console;
use crate::domain::backlog;
use crate::domain::staff::Role;
use crate::domain::urgency::Reason;
use crate::i18n::{Text, casework, t};

/// Rows the attention list keeps at every size: the breakdowns give way first.
const LIST_MIN: u16 = 6;

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
    // The counts that call for action, always shown and wrapped, never cut at the edge.
    let head = headline(model, b, theme, area.height >= 20);
    let head_rows = Paragraph::new(head.clone())
        .wrap(Wrap { trim: false })
        .line_count(area.width.saturating_sub(2)) as u16
        + 2;
    let (left_lines, right_lines) = breakdowns(model, b, national, theme);
    let wanted = left_lines.len().max(right_lines.len()) as u16 + 2;
    // The breakdowns take what is left once the list has its rows; at 80×24 that may be none,
    // and the list says where to read them.
    let spare = area.height.saturating_sub(head_rows + LIST_MIN + 2);
    let figures_rows = if spare >= 5 { wanted.min(spare) } else { 0 };
    let [top, figures, attention] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(figures_rows),
        Constraint::Min(LIST_MIN + 2),
    ])
    .areas(area);
    let title = match model.backlog.triage.consent {
        // The filter in force, so an empty figure is never mistaken for no work.
        Some(c) => format!(
            " {} · {}: {} (F) ",
            t(lang, Text::TabBacklog),
            t(lang, Text::Filter),
            casework::word(lang, c.as_str())
        ),
        None => format!(" {} ", t(lang, Text::TabBacklog)),
    };
    frame.render_widget(
        Paragraph::new(head)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        top,
    );
    if figures_rows > 0 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(figures);
        for (lines, rect) in [(left_lines, left), (right_lines, right)] {
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::default().borders(Borders::ALL)),
                rect,
            );
        }
    }
    let mut title = format!(" {} ", t(lang, Text::Attention));
    if figures_rows == 0 {
        title.push_str(&format!("· {} ", console::backlog_elsewhere(lang)));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title()));
    if ids.is_empty() {
        frame.render_widget(
            Paragraph::new(t(lang, Text::NothingHere)).block(block),
            attention,
        );
        return;
    }
    // A row's reasons go on a second line when they do not fit beside the case.
    let width = usize::from(attention.width.saturating_sub(4));
    let items: Vec<ListItem> = ids
        .iter()
        .filter_map(|id| model.cases.get(id))
        .map(|case| {
            let mut why: Vec<Span> = Vec::new();
            let mut say = |text: String, style: Style| {
                if !why.is_empty() {
                    why.push(Span::raw(" · "));
                }
                why.push(Span::styled(text, style));
            };
            let critical = theme.tier(crate::domain::urgency::Tier::Critical);
            if b.duress.contains(&case.id) {
                say(
                    format!("‼ {}", crate::i18n::reason_short(lang, Reason::Duress)),
                    critical,
                );
            }
            if b.overdue.contains(&case.id) {
                say(t(lang, Text::OverdueUnacknowledged).to_string(), critical);
            }
            if b.without_lawyer.contains(&case.id) {
                say(t(lang, Text::WithoutLawyer).to_string(), Style::default());
            }
            if let Some((_, d)) = b.deadlines.iter().find(|(id, _)| *id == case.id) {
                say(console::countdown(lang, d, model.now), theme.warn());
            }
            let who = format!(
                "#{:<6} {} {} ",
                case.id,
                column(&super::person_name(lang, &case.registrant), 24),
                column(&clean(&model.consulate_name(&case.consulate)), 18),
            );
            let why_len: usize = why.iter().map(|s| s.content.chars().count()).sum();
            if who.chars().count() + why_len <= width {
                let mut spans = vec![Span::raw(who)];
                spans.extend(why);
                ListItem::new(Line::from(spans))
            } else {
                let mut second = vec![Span::raw("         ")];
                second.extend(why);
                ListItem::new(vec![Line::from(who), Line::from(second)])
            }
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

/// The counts that call for action, and consent and closures: the backlog's first lines.
fn headline(
    model: &Model,
    b: &backlog::Backlog,
    theme: Theme,
    with_consent: bool,
) -> Vec<Line<'static>> {
    let lang = model.lang;
    let mut first = vec![Span::styled(
        crate::i18n::open_cases(lang, b.open),
        theme.title(),
    )];
    let mut part = |text: String, style: Style| {
        first.push(Span::raw(" · "));
        first.push(Span::styled(text, style));
    };
    let critical = theme.tier(crate::domain::urgency::Tier::Critical);
    if !b.duress.is_empty() {
        part(
            format!("‼ {}", console::strip::duress(lang, b.duress.len())),
            critical,
        );
    }
    part(
        format!(
            "{} {}",
            b.overdue.len(),
            t(lang, Text::OverdueUnacknowledged).to_lowercase()
        ),
        if b.overdue.is_empty() {
            Style::default()
        } else {
            critical
        },
    );
    part(
        format!(
            "{} {}",
            b.without_lawyer.len(),
            t(lang, Text::WithoutLawyer).to_lowercase()
        ),
        Style::default(),
    );
    part(
        format!(
            "{} {}",
            b.deadlines.len(),
            t(lang, Text::DeadlinesWeek).to_lowercase()
        ),
        Style::default(),
    );
    let mut lines = vec![Line::from(first)];
    // Consent, where it is not cut off: protection is given only to those who accept it, and a
    // case closed with it declined is counted apart. On a short screen the list comes first.
    if with_consent {
        lines.push(Line::from(format!(
            "{} · {}",
            console::consent_counts(lang, &b.by_consent, b.untriaged),
            console::closed_counts(lang, b.closed, b.closed_declined)
        )));
    }
    lines
}

/// The breakdowns: by stage and age on the left; lawyers' load and, nationally, each
/// consulate's counts on the right.
fn breakdowns(
    model: &Model,
    b: &backlog::Backlog,
    national: bool,
    theme: Theme,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let lang = model.lang;
    let heading = |text: Text| Line::from(Span::styled(t(lang, text), theme.title()));
    let mut l = vec![heading(Text::ByStage)];
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
    let mut r = vec![heading(Text::LawyerLoad)];
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
    (l, r)
}

/// `text` in a column of `width` characters: padded, or cut with "…" so that the columns after it
/// stay where they are.
fn column(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return format!("{text:<width$}");
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
