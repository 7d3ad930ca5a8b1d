//! The live queue. Only the rows in view are built, so a 100,000-case queue costs one screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::theme::Theme;
use crate::console::model::{Model, SortMode, Tab};
use crate::console::words as console;
use crate::domain::case::{Case, CaseStatus};
use crate::domain::deadline;
use crate::domain::urgency::{Reason, Tier};
use crate::i18n::{self, Lang, Text, t};

/// An open case says whether someone has it; others say how they ended.
fn status_text(lang: Lang, case: &Case) -> &'static str {
    if case.transfer.is_some() {
        return t(lang, Text::StatusTransfer);
    }
    match (case.status, case.acknowledged_at) {
        (CaseStatus::Open, None) => t(lang, Text::StatusNew),
        (CaseStatus::Open, Some(_)) => t(lang, Text::StatusAcknowledged),
        (status, _) => i18n::status(lang, status),
    }
}

/// The fixed columns after the urgency and beside the name: case, age, kind, distance, status,
/// due.
const OTHER_COLUMNS: usize = 5 + 6 + 9 + 6 + 11 + 9;
/// The name is what an officer matches a caller by: it keeps this much at every width, and the
/// urgency column's reasons give way first (its symbol always stays).
const NAME_MIN: usize = 15;
/// The urgency column at its narrowest: its header, the tier's symbol and the start of its
/// first reason ("‼ menores", "△ MEDIA"; duress is always whole, see `render`).
const URGENCY_MIN: usize = 8;

/// The urgency cell, whole ("‼ CRÍTICA · COACCIÓN") and short ("‼ COACCIÓN").
fn urgency_texts(lang: Lang, urgency: &crate::domain::urgency::Urgency) -> (String, String) {
    let (symbol, label) = i18n::tier(lang, urgency.tier);
    // The kind has its own column; the urgency cell says what else raised the tier.
    let reason = shown_reasons(urgency)
        .take(2)
        .map(|r| i18n::reason_short(lang, *r))
        .collect::<Vec<_>>()
        .join(", ");
    if reason.is_empty() {
        let both = format!("{symbol} {label}");
        (both.clone(), both)
    } else {
        (
            format!("{symbol} {label} · {reason}"),
            format!("{symbol} {reason}"),
        )
    }
}

/// The reasons the urgency cell speaks of: not the kind, which has its own column.
fn shown_reasons(urgency: &crate::domain::urgency::Urgency) -> impl Iterator<Item = &Reason> {
    urgency.reasons.iter().filter(|r| {
        !matches!(
            r,
            Reason::Detained | Reason::Imminent | Reason::AppointmentMissed
        )
    })
}

/// The urgency cell where even the short reasons do not fit `width`: the codes the detail pane
/// uses ("‼ 65+", "▲ EMB·INT"), as many as fit, never a word cut in the middle. A reason with no
/// code (how the case ended: the status column says it) leaves the tier's word, or its symbol.
/// Duress is whole whatever the width (`render` makes room for it).
fn urgency_compact(lang: Lang, urgency: &crate::domain::urgency::Urgency, width: usize) -> String {
    let (symbol, label) = i18n::tier(lang, urgency.tier);
    if urgency.reasons.contains(&Reason::Duress) {
        return format!("{symbol} {}", i18n::reason_short(lang, Reason::Duress));
    }
    let mut text = symbol.to_string();
    let mut first = true;
    for code in shown_reasons(urgency).filter_map(|r| i18n::reason_code(lang, *r)) {
        let next = format!("{text}{}{code}", if first { " " } else { "·" });
        if next.chars().count() > width {
            break;
        }
        text = next;
        first = false;
    }
    if first {
        let with_label = format!("{symbol} {label}");
        if with_label.chars().count() <= width {
            return with_label;
        }
    }
    text
}

/// The columns after the urgency, in the table's order, with their widths (the name's is its
/// least); and the order they give way in on a narrow terminal, least needed first. The
/// urgency and the case number are the last things a row loses: they are how a case is
/// found and said aloud.
const COLUMNS: [usize; 7] = [5, 6, 9, NAME_MIN, 6, 11, 9];
const CASE: usize = 0;
const NAME: usize = 3;
/// Distance, age, deadline, kind, status; the name then narrows to what is left.
const GIVE_WAY: [usize; 5] = [4, 1, 6, 2, 5];

/// Which of [`COLUMNS`] fit beside an urgency column `urgency` wide, in `inner` cells (after
/// the borders and the selection mark; one cell between columns).
fn columns_shown(inner: usize, urgency: usize) -> [bool; 7] {
    let mut shown = [true; 7];
    let need = |shown: &[bool; 7]| {
        urgency
            + COLUMNS
                .iter()
                .zip(shown)
                .filter(|(_, s)| **s)
                .map(|(w, _)| w + 1)
                .sum::<usize>()
    };
    for column in GIVE_WAY {
        if need(&shown) <= inner {
            break;
        }
        shown[column] = false;
    }
    debug_assert!(shown[CASE] && shown[NAME]);
    shown
}

/// How the urgency column speaks, one way for all its rows.
enum Form {
    Whole,
    Short,
    Codes,
}

pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let sort = match model.list.sort {
        SortMode::Urgency => t(lang, Text::SortUrgency),
        SortMode::Proximity => t(lang, Text::SortProximity),
        SortMode::Age => t(lang, Text::SortAge),
        SortMode::Deadline => t(lang, Text::Deadlines),
    };
    let name = match model.tab {
        Tab::MyCases => t(lang, Text::TabMyCases),
        _ => t(lang, Text::QueueTitle),
    };
    // The window `update::settle` chose for this size: the pinned duress rows, then the
    // scrolling ones; only these rows are built.
    let height = crate::console::layout::list_rows(area);
    let len = model.list.order.len();
    let pinned = model.list.pinned.min(len);
    let offset = model.list.table.offset().clamp(pinned, len.max(pinned));
    let end = (offset + height.saturating_sub(pinned).max(1)).min(len);
    let critical_in = |range: std::ops::Range<usize>| {
        model.list.tiers.get(range).map_or(0, |tiers| {
            tiers.iter().filter(|t| **t == Tier::Critical).count()
        })
    };
    let mut name = match model.list.view {
        crate::console::quick_views::QuickView::Open => name.to_string(),
        view => format!(
            "{name} · {}",
            crate::console::words::strip::view(lang, view)
        ),
    };
    match &model.list.focus {
        Some(crate::console::records::Focus::Cluster(cluster)) => {
            name = format!(
                "{name} · {}",
                crate::console::words::strip::cluster_view(lang, cluster.ids.len())
            );
        }
        Some(crate::console::records::Focus::Raid { id, ids }) => {
            name = format!(
                "{name} · {}",
                crate::console::words::strip::raid_view(lang, *id, ids.len())
            );
        }
        None => {}
    }
    // Duress beyond the pinned rows scrolls at the top of the rest; while any of it is out of
    // the window, the title says so right after the list's name.
    let duress = model.list.duress.min(len);
    let duress_hidden = (pinned..duress)
        .filter(|i| !(offset..end).contains(i))
        .count();
    let name = if duress_hidden > 0 {
        format!(
            "{name} · {}",
            crate::console::words::strip::duress_out_of_view(lang, duress_hidden)
        )
    } else {
        name.to_string()
    };
    let mut title = format!(
        " {} · {} · {}: {} ",
        name,
        i18n::cases_count(lang, len, model.cases.len()),
        t(lang, Text::SortedBy),
        sort
    );
    // Say what is out of view, so nothing urgent hides above or below the window.
    if offset > pinned {
        title.push_str(&format!(
            "· {} ",
            crate::console::words::strip::more(
                lang,
                offset - pinned,
                critical_in(pinned..offset),
                true
            )
        ));
    }
    if end < len {
        title.push_str(&format!(
            "· {} ",
            crate::console::words::strip::more(lang, len - end, critical_in(end..len), false)
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title()));
    if model.list.order.is_empty() {
        // An empty list is a quiet night only when the hub is there and took the token.
        let (text, style) = match &model.connection {
            crate::console::action::Connection::Live => {
                (t(lang, Text::EmptyQueue).to_string(), theme.dim())
            }
            other => (
                crate::console::words::strip::empty_because(lang, other),
                theme.warn(),
            ),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, style))
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let selected = model.list.table.selected().unwrap_or(offset);
    let window: Vec<u64> = model.list.order[..pinned]
        .iter()
        .chain(&model.list.order[offset..end])
        .copied()
        .collect();
    // The urgency column is as wide as its longest cell in view, so its reasons are read whole;
    // the name column gives way. Where even that is not enough (80 columns), the tier's word
    // goes and its symbol stays: "‼ COACCIÓN", "‼ menores a su cargo".
    let room = usize::from(area.width)
        .saturating_sub(2 + 2 + 7 + OTHER_COLUMNS + NAME_MIN)
        .max(URGENCY_MIN);
    // Each visible row's urgency, assessed once for both the width and the row.
    let assessed: Vec<_> = window
        .iter()
        .filter_map(|id| model.cases.get(id))
        .map(|case| {
            let urgency = model.urgency(case);
            let texts = urgency_texts(lang, &urgency);
            (case, urgency, texts)
        })
        .collect();
    // Whole where every row's fits, else short, else in codes: one form for the column.
    let fits = |long: bool| {
        assessed
            .iter()
            .all(|(_, _, (full, short))| if long { full } else { short }.chars().count() <= room)
    };
    let form = if fits(true) {
        Form::Whole
    } else if fits(false) {
        Form::Short
    } else {
        Form::Codes
    };
    let assessed: Vec<_> = assessed
        .into_iter()
        .map(|(case, urgency, (full, short))| {
            let text = match form {
                Form::Whole => full,
                Form::Short => short,
                Form::Codes => urgency_compact(lang, &urgency, room),
            };
            (case, urgency, text)
        })
        .collect();
    let urgency_width = assessed
        .iter()
        .map(|(_, _, text)| text.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(URGENCY_MIN, room);
    // Duress is never cut to "‼ COACCI": where a duress row is in view, its word is read whole
    // and the name gives the two columns it takes.
    let duress_word = if assessed
        .iter()
        .any(|(_, u, _)| u.reasons.contains(&Reason::Duress))
    {
        let (symbol, _) = i18n::tier(lang, Tier::Critical);
        format!("{symbol} {}", i18n::reason_short(lang, Reason::Duress))
            .chars()
            .count()
    } else {
        0
    };
    let urgency_width = urgency_width.max(duress_word);
    // On a narrow terminal the least needed columns go first; the name narrows to what is left.
    let inner = usize::from(area.width).saturating_sub(2 + 2);
    let shown = columns_shown(inner, urgency_width);
    let others: usize = COLUMNS
        .iter()
        .zip(shown)
        .enumerate()
        .filter(|(i, (_, s))| *s && *i != NAME)
        .map(|(_, (w, _))| w + 1)
        .sum();
    let left = inner.saturating_sub(urgency_width + others + 1);
    let name_min = NAME_MIN
        .saturating_sub(urgency_width.saturating_sub(room))
        .min(left);
    let rows: Vec<Row> = assessed
        .into_iter()
        .map(|(case, urgency, urgency_text)| {
            // Duress is said by the urgency column (and the row is pinned), a new case by its
            // row's style (bold, underlined, in every terminal) and the strip's count: not by
            // words that would take the name's width.
            let name = if case.intake.is_some() {
                Line::from(vec![
                    Span::styled("☎ ", theme.warn()),
                    Span::raw(super::person_name(lang, &case.registrant)),
                ])
            } else {
                Line::from(super::person_name(lang, &case.registrant))
            };
            let cells = vec![
                Cell::from(case.id.to_string()),
                Cell::from(i18n::age((model.now - case.pressed_at).num_seconds())),
                Cell::from(i18n::kind_column(lang, case.kind)),
                Cell::from(name),
                Cell::from(
                    case.known_distance()
                        .map_or_else(|| "—".to_string(), |km| i18n::distance(lang, km)),
                ),
                if model.outbox.sending.contains(&case.id) {
                    Cell::from(Span::styled(
                        crate::console::words::strip::sending(lang),
                        theme.warn(),
                    ))
                } else {
                    Cell::from(status_text(lang, case))
                },
                match deadline::next(case, model.now, model.zone_of(&case.consulate)) {
                    Some(d) if d.overdue(model.now) => Cell::from(Span::styled(
                        console::countdown_short(&d, model.now),
                        theme.tier(Tier::Critical),
                    )),
                    Some(d) => Cell::from(console::countdown_short(&d, model.now)),
                    None => Cell::from(""),
                },
            ];
            let row = Row::new(
                std::iter::once(Cell::from(Span::styled(
                    urgency_text,
                    theme.tier(urgency.tier),
                )))
                .chain(
                    cells
                        .into_iter()
                        .zip(shown)
                        .filter_map(|(c, s)| s.then_some(c)),
                ),
            );
            // A case that has ended is never drawn like a new emergency.
            if model.list.unseen.contains(&case.id) && urgency.tier != Tier::Resolved {
                row.style(theme.unseen())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        std::iter::once(t(lang, Text::ColUrgency)).chain(
            [
                t(lang, Text::ColCase),
                t(lang, Text::ColAge),
                t(lang, Text::ColKind),
                t(lang, Text::ColName),
                t(lang, Text::ColDistance),
                t(lang, Text::ColStatus),
                t(lang, Text::ColDue),
            ]
            .into_iter()
            .zip(shown)
            .filter_map(|(c, s)| s.then_some(c)),
        ),
    )
    .style(theme.title());
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(urgency_width as u16))
        .chain(
            COLUMNS
                .iter()
                .enumerate()
                .zip(shown)
                .filter(|(_, s)| *s)
                .map(|((i, w), _)| {
                    if i == NAME {
                        Constraint::Min(name_min as u16)
                    } else {
                        Constraint::Length(*w as u16)
                    }
                }),
        )
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected())
        .highlight_symbol("› ");
    let row_of_selected = if selected < pinned {
        Some(selected)
    } else {
        (selected >= offset && selected < end).then(|| selected - offset + pinned)
    };
    let mut state = TableState::default().with_selected(row_of_selected);
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Modifier;

    use crate::console::model::Model;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::Case;
    use crate::domain::case::tests::{cancelled, raised};
    use crate::i18n::Lang;

    #[test]
    fn an_ended_case_is_not_drawn_as_a_new_emergency() {
        let open = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        let mut ended = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        ended.apply(&cancelled(3, 2)).unwrap();
        let mut m = Model::new(Lang::Es, false, Duration::minutes(5), open.received_at);
        m.cases.insert(1, open);
        m.cases.insert(2, ended);
        // Both were critical and not yet looked at when they arrived.
        m.list.unseen.extend([1, 2]);
        m.list.stale = true;
        let mut terminal = Terminal::new(TestBackend::new(140, 20)).unwrap();
        crate::console::app::draw(&mut terminal, &mut m).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let bold_row = |case: &str| {
            (0..20u16).find_map(|y| {
                let line: String = (0..90u16).map(|x| buffer[(x, y)].symbol()).collect();
                line.contains(case).then(|| {
                    let x = line.find(case).unwrap() as u16;
                    buffer[(x, y)].modifier.contains(Modifier::BOLD)
                })
            })
        };
        // The open case is selected (first); the ended one is the row marked ✓.
        assert_eq!(bold_row("✓"), Some(false));
    }
}
