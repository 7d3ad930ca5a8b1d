//! The shift tab: what the next shift inherits (the handover), the week's raids with their
//! running counts, and for supervisors the last 30 days' figures. Drawn from what the hub gave
//! when the tab was entered (`guardia handover` prints the same list), but for the unattended
//! alerts: those are the console's own, live, as the counts strip above counts them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::clean;
use super::theme::Theme;
use crate::console::model::{Model, ShiftPanel};
use crate::domain::handover::{Handover, Item};
use crate::domain::time;
use crate::i18n::work::{H, P, figure_labels, h, p};
use crate::i18n::{Lang, casework};

/// Rows each handover list shows before counting the rest.
const SECTION_ROWS: usize = 8;

/// Rows the tab takes at `width` (wrapped), for `update` to keep the scroll within it.
pub fn rows(model: &Model, width: u16) -> usize {
    let Some(panel) = &model.shift.panel else {
        return 1;
    };
    let theme = Theme {
        no_color: model.no_color,
    };
    Paragraph::new(lines(model, panel, theme))
        .wrap(Wrap { trim: false })
        .line_count(width)
}

pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", p(lang, P::TabShift)),
        theme.title(),
    ));
    let lines = match &model.shift.panel {
        Some(panel) => lines(model, panel, theme),
        None => vec![Line::from(Span::styled(p(lang, P::Loading), theme.dim()))],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((model.shift.scroll, 0)),
        area,
    );
}

fn people(lang: Lang, list: &[(i64, String)]) -> String {
    if list.is_empty() {
        return h(lang, H::Nobody).to_string();
    }
    list.iter()
        .map(|(_, n)| clean(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lines<'a>(model: &Model, panel: &ShiftPanel, theme: Theme) -> Vec<Line<'a>> {
    let lang = model.lang;
    let mut out = Vec::new();
    if let Some(x) = &panel.handover {
        handover(model, x, theme, &mut out);
    }
    visits_and_roster(model, panel, theme, &mut out);
    appointments(model, panel, theme, &mut out);
    if !panel.incidents.is_empty() || panel.figures.is_some() {
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            p(lang, P::Incidents),
            theme.title(),
        )));
        if panel.incidents.is_empty() {
            out.push(Line::from(format!("  {}", p(lang, P::NoIncidents))));
        }
        for i in &panel.incidents {
            let t = &i.tally;
            let name = if i.incident.name.is_empty() {
                format!("#{}", i.incident.id)
            } else {
                format!("#{} {}", i.incident.id, clean(&i.incident.name))
            };
            let zone = model.zone_of(t.consulates.first().map_or("", String::as_str));
            let span = match (t.first_at, t.last_at) {
                (Some(a), Some(b)) => {
                    format!(" · {} – {}", time::local(a, zone), time::local(b, zone))
                }
                _ => String::new(),
            };
            out.push(Line::from(Span::styled(
                format!("  {name}{span}"),
                theme.warn(),
            )));
            out.push(Line::from(format!(
                "    {}",
                crate::i18n::work::tally(lang, t.alerts, t.detained, t.released, t.with_lawyer)
            )));
            let places: Vec<String> = t
                .consulates
                .iter()
                .map(|c| clean(&model.consulate_name(c)))
                .collect();
            out.push(Line::from(Span::styled(
                format!(
                    "    {} · {}",
                    places.join(" · "),
                    crate::i18n::work::raid_cases_hint(lang, i.incident.id)
                ),
                theme.dim(),
            )));
        }
    }
    if let Some((from, to, f)) = &panel.figures {
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            format!("{} ({from} – {to})", p(lang, P::FiguresTitle)),
            theme.title(),
        )));
        let values = f.printed();
        for ((_, label), value) in figure_labels(lang).into_iter().zip(values) {
            out.push(Line::from(format!("  {label}: {value}")));
        }
        if !f.appointments.is_empty() {
            use crate::i18n::appointments as words;
            out.push(Line::from(format!("  {}:", words::figures_title(lang))));
            for c in &f.appointments {
                let place = model
                    .facilities
                    .get(&c.place)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                out.push(Line::from(format!(
                    "    {}",
                    clean(&words::figures_line(lang, c, &place))
                )));
            }
        }
    }
    out
}

fn handover<'a>(model: &Model, x: &Handover, theme: Theme, out: &mut Vec<Line<'a>>) {
    let lang = model.lang;
    let zone = model.zone_of(&x.consulate);
    out.push(Line::from(Span::styled(
        format!("{} · {}", h(lang, H::Title), time::local(x.at, zone)),
        theme.title(),
    )));
    out.push(Line::from(format!(
        "{}: {}",
        h(lang, H::OnDuty),
        people(lang, &x.on_duty)
    )));
    if let Some(end) = x.shift_ends {
        out.push(Line::from(format!(
            "{}: {} · {}: {}",
            h(lang, H::ShiftEnds),
            time::local(end, zone),
            h(lang, H::NextOnDuty),
            people(lang, &x.next_on_duty)
        )));
    }
    let item = |i: &Item| {
        Line::from(format!(
            "  #{} · {} · {}",
            i.case_id,
            time::local(i.since, zone),
            clean(&i.name)
        ))
    };
    // Each list shows its first rows and counts the rest: in a raid they run to hundreds, and
    // the queue's views list them whole.
    // The hub sends each list's first few and its total.
    let mut section = |title: H, lines: Vec<Line<'a>>, total: usize, urgent: bool| {
        let total = total.max(lines.len());
        let style = if urgent && total > 0 {
            theme.warn()
        } else {
            theme.title()
        };
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            format!("{} ({})", h(lang, title), total),
            style,
        )));
        let more = total.saturating_sub(SECTION_ROWS.min(lines.len()));
        out.extend(lines.into_iter().take(SECTION_ROWS));
        if more > 0 {
            out.push(Line::from(Span::styled(
                format!("  {}", crate::i18n::work::more_in_queue(lang, more)),
                theme.dim(),
            )));
        }
    };
    section(
        H::Duress,
        x.duress.iter().map(item).collect(),
        x.totals.duress,
        true,
    );
    section(
        H::NotLocated,
        x.not_located.iter().map(item).collect(),
        x.totals.not_located,
        true,
    );
    // Live, as the strip above counts them: one number for one question on one screen.
    section(
        H::Unattended,
        model.shift.unattended.iter().map(item).collect(),
        0,
        true,
    );
    section(
        H::Due,
        x.due
            .iter()
            .map(|d| {
                let overdue = if d.overdue {
                    format!(" {}", h(lang, H::Overdue))
                } else {
                    String::new()
                };
                let interpreter = d.interpreter.as_deref().map_or_else(String::new, |code| {
                    format!(
                        " · {}: {}",
                        crate::i18n::jurisdiction::j(
                            lang,
                            crate::i18n::jurisdiction::J::Interpreter
                        ),
                        crate::i18n::jurisdiction::language(lang, code)
                    )
                });
                Line::from(format!(
                    "  #{} · {} · {}{overdue} · {}{interpreter}",
                    d.case_id,
                    time::local(d.due, zone),
                    casework::deadline(lang, d.kind),
                    clean(&d.name)
                ))
            })
            .collect(),
        x.totals.due,
        true,
    );
    section(
        H::WithoutLawyer,
        x.without_lawyer.iter().map(item).collect(),
        x.totals.without_lawyer,
        false,
    );
    section(
        H::Transfers,
        x.transfers
            .iter()
            .map(|t| {
                let way = if t.outgoing { H::Outgoing } else { H::Incoming };
                Line::from(format!(
                    "  #{} · {} {} · {}",
                    t.case_id,
                    h(lang, way),
                    clean(&model.consulate_name(&t.other)),
                    clean(&t.name)
                ))
            })
            .collect(),
        x.totals.transfers,
        false,
    );
    // Transfer alarms: each with what changed and what it costs.
    if !x.alarms.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            format!(
                "{} ({})",
                crate::i18n::jurisdiction::j(lang, crate::i18n::jurisdiction::J::Alarm),
                x.alarms.len()
            ),
            theme.warn(),
        )));
    }
    for a in &x.alarms {
        out.push(Line::from(Span::styled(
            format!(
                "  ⚠ #{} · {} · {}",
                a.case_id,
                time::local(a.since, zone),
                clean(&a.name)
            ),
            theme.warn(),
        )));
        let words = a
            .alarm
            .changed
            .iter()
            .map(|c| crate::i18n::jurisdiction::changed(lang, c))
            .chain(
                a.alarm
                    .costs
                    .iter()
                    .map(|c| crate::i18n::jurisdiction::cost(lang, c)),
            );
        for w in words {
            out.push(Line::from(format!("    {}", clean(&w))));
        }
    }
}

/// The watched appointments of the next 24 hours by place and hour: where to send an observer
/// or a lawyer. Only for the consulate's own staff (the hub gives nobody else the list).
fn appointments<'a>(model: &Model, panel: &ShiftPanel, theme: Theme, out: &mut Vec<Line<'a>>) {
    use crate::i18n::appointments as words;
    let lang = model.lang;
    let Some(mine) = model.me.as_ref().and_then(|m| m.consulate.clone()) else {
        return;
    };
    let zone = model.zone_of(&mine);
    let today = time::local_date(model.now, zone);
    let slots = crate::domain::appointment::slots(&panel.appointments);
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        format!(
            "{} ({})",
            words::watched_title(lang),
            panel.appointments.len()
        ),
        theme.title(),
    )));
    if slots.is_empty() {
        out.push(Line::from(format!("  {}", words::none_watched(lang))));
    }
    for s in &slots {
        let line = format!("  {}", clean(&words::slot(lang, s, zone, today)));
        out.push(if s.missed > 0 {
            Line::from(Span::styled(line, theme.warn()))
        } else {
            Line::from(line)
        });
    }
}

/// The visits still to be made (overdue ones marked) and the consulate's roster; `p` changes
/// either.
fn visits_and_roster<'a>(model: &Model, panel: &ShiftPanel, theme: Theme, out: &mut Vec<Line<'a>>) {
    use crate::i18n::work::{W, shift_words, w};
    let lang = model.lang;
    let mine = model.me.as_ref().and_then(|m| m.consulate.clone());
    let zone = model.zone_of(mine.as_deref().unwrap_or(""));
    let today = time::local_date(model.now, zone);
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        format!("{} ({})", w(lang, W::PlansTitle), panel.plans.len()),
        theme.title(),
    )));
    if panel.plans.is_empty() {
        out.push(Line::from(format!("  {}", w(lang, W::NoPlans))));
    }
    for v in &panel.plans {
        let overdue = v.planned_on < today;
        let mark = if overdue {
            format!(" {}", h(lang, H::Overdue))
        } else {
            String::new()
        };
        let line = format!(
            "  {}{mark} · {} · {}",
            v.planned_on,
            clean(&v.facility_name),
            clean(&v.staff.join(", "))
        );
        out.push(if overdue {
            Line::from(Span::styled(line, theme.warn()))
        } else {
            Line::from(line)
        });
    }
    let Some(duty) = &panel.duty else { return };
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        format!("{} ({})", w(lang, W::RosterTitle), duty.shifts.len()),
        theme.title(),
    )));
    for (_, s) in &duty.shifts {
        out.push(Line::from(format!(
            "  {} · {}",
            clean(&s.name),
            shift_words(lang, &s.when, zone)
        )));
    }
}
