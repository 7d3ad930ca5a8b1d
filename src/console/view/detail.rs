//! The selected alert: person, vulnerability, relatives, location, timeline.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use super::{clean, clean_lines};
use crate::console::model::Model;
use crate::console::words as console;
use crate::domain::case::Case;
use crate::domain::checkpoint::FieldKind;
use crate::domain::deadline;
use crate::domain::event::{Actor, EventKind};
use crate::domain::time;
use crate::i18n::{self, Text, casework, t};

pub fn render(model: &Model, target: Option<u64>, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", t(lang, Text::DetailTitle)),
        theme.title(),
    ));
    let Some(case) = target.and_then(|id| model.cases.get(&id)) else {
        frame.render_widget(
            Paragraph::new(t(lang, Text::NoSelection)).block(block),
            area,
        );
        return;
    };
    let lines = lines(model, case, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((model.detail.scroll, 0)),
        area,
    );
}

/// Checklists walked, and what a transfer put at risk.
fn protection<'a>(model: &Model, case: &Case, theme: Theme, lines: &mut Vec<Line<'a>>) {
    use crate::domain::checklist;
    use crate::i18n::work::{P, list_kind, p};
    let lang = model.lang;
    if let Some(placed) = deadline::placement(case) {
        let field = |k: &str| placed.fields.get(k).map(|v| clean(v)).unwrap_or_default();
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            p(lang, P::Facility),
            theme.title(),
        )));
        lines.push(Line::from(format!(
            "  {} · {}",
            field("facility"),
            field("city_state")
        )));
        let office = placed
            .fields
            .get("field_office")
            .map(String::as_str)
            .unwrap_or("");
        if !office.is_empty() {
            lines.push(Line::from(format!(
                "  {}: {}",
                p(lang, P::FieldOffice),
                clean(crate::domain::facility::field_office_name(office))
            )));
        }
        let district = crate::domain::facility::held_in(case, &model.facilities)
            .and_then(|f| crate::domain::facility::district(f, &model.consulates));
        if let Some(d) = district {
            lines.push(Line::from(format!(
                "  {} {}",
                p(lang, P::DistrictOf),
                clean(&d.label())
            )));
            // Offered only to a role that may transfer (a lawyer has no such key).
            let may_transfer = model.role().is_some_and(|r| {
                crate::domain::command::role_may(r, crate::domain::command::Verb::Transfer)
            });
            if d.id != case.consulate && case.transfer.is_none() && may_transfer {
                lines.push(Line::from(Span::styled(
                    format!("  → {}", p(lang, P::OfferTransfer)),
                    theme.warn(),
                )));
            }
        }
    }
    let lists = checklist::lists(case);
    if !lists.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            p(lang, P::Checklists),
            theme.title(),
        )));
        for l in &lists {
            let next = match l.next_step() {
                Some(s) => format!("→ {}: {}", p(lang, P::NextStep), casework::word(lang, s)),
                None => format!("✓ {}", p(lang, P::ChecklistDone)),
            };
            let style = if l.next_step().is_some() {
                theme.warn()
            } else {
                theme.dim()
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} {}/{}",
                    list_kind(lang, l.kind),
                    l.done(),
                    l.steps.len()
                ),
                style,
            )));
            lines.push(Line::from(Span::styled(format!("  {next}"), style)));
            for (step, done) in &l.steps {
                let mark = if *done { "✓" } else { "·" };
                // A search's step says what asking found (its latest answer).
                let found = case
                    .checkpoints
                    .iter()
                    .rev()
                    .filter(|c| c.fields.get("step").map(String::as_str) == Some(*step))
                    .find_map(|c| c.fields.get("result"))
                    .map(|r| format!(": {}", casework::word(lang, r)))
                    .unwrap_or_default();
                lines.push(Line::from(format!(
                    "    {mark} {}{found}",
                    casework::word(lang, step)
                )));
            }
        }
    }
    let at_risk = deadline::at_risk_after_transfer(case);
    if !at_risk.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            p(lang, P::AtRiskAfterTransfer),
            theme.warn(),
        )));
        for c in at_risk {
            lines.push(Line::from(format!(
                "  ! {}",
                casework::checkpoint(lang, c.code)
            )));
        }
    }
}

/// The detail's lines for a case.
fn lines<'a>(model: &'a Model, case: &'a Case, theme: Theme) -> Vec<Line<'a>> {
    let lang = model.lang;
    // Times are the consulate's wall time: where the hearing is, where the person is.
    let zone = model.zone_of(&case.consulate);
    let urgency = model.urgency(case);
    let (symbol, label) = i18n::tier(lang, urgency.tier);
    let p = &case.registrant;
    let heading = |text: Text| Line::from(Span::styled(t(lang, text), theme.title()));
    let field = |name: Text, value: String| {
        Line::from(vec![
            Span::styled(format!("{}: ", t(lang, name)), theme.dim()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{} ", case.id), theme.title()),
            Span::styled(format!("{symbol} {label}"), theme.tier(urgency.tier)),
            Span::raw(format!(
                " · {} · {}",
                i18n::kind(lang, case.kind),
                i18n::status(lang, case.status)
            )),
        ]),
        Line::from(Span::styled(
            urgency
                .reasons
                .iter()
                .map(|r| i18n::reason(lang, *r))
                .collect::<Vec<_>>()
                .join(" · "),
            theme.tier(urgency.tier),
        )),
        field(
            Text::AcknowledgedBy,
            match (&case.acknowledged_at, &case.acknowledged_by) {
                (Some(at), Some(by)) => {
                    format!("{} · {}", console::actor(lang, by), time::local(*at, zone))
                }
                _ => t(lang, Text::NotAcknowledged).to_string(),
            },
        ),
        field(
            Text::Lawyer,
            case.assigned_lawyer_name
                .as_deref()
                .map(clean)
                .unwrap_or_else(|| t(lang, Text::NoLawyer).to_string()),
        ),
        field(
            Text::TriageTitle,
            case.triage
                .map(|tr| casework::triage(lang, &tr))
                .unwrap_or_else(|| t(lang, Text::NoTriage).to_string()),
        ),
    ];
    if let Some(at) = case.duress_at {
        lines.insert(
            0,
            Line::from(Span::styled(
                format!(
                    "‼ {} · {}",
                    i18n::reason(lang, crate::domain::urgency::Reason::Duress),
                    time::local(at, zone)
                ),
                theme.unseen(),
            )),
        );
    }
    if let Some(intake) = &case.intake {
        lines.push(Line::from(Span::styled(
            format!("☎ {}", t(lang, Text::PhoneIntake)),
            theme.warn(),
        )));
        for l in clean_lines(&intake.description) {
            lines.push(Line::from(format!("  {l}")));
        }
    }
    if let Some(a) = &case.appointment {
        lines.push(Line::from(Span::styled(
            format!("⌚ {}", i18n::appointments::on_case_title(lang)),
            theme.warn(),
        )));
        for l in i18n::appointments::on_case(lang, a, zone) {
            lines.push(Line::from(format!("  {}", clean(&l))));
        }
    }
    if case.presses > 1 {
        lines.push(field(Text::Presses, case.presses.to_string()));
    }
    if case.escalation > 0 {
        let offered = case
            .offered_to
            .as_deref()
            .map(|c| {
                format!(
                    " · {} {}",
                    t(lang, Text::OfferedTo),
                    clean(&model.consulate_name(c))
                )
            })
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!("{} {}{offered}", t(lang, Text::Escalated), case.escalation),
            theme.warn(),
        )));
    }
    if let Some(tr) = &case.transfer {
        lines.push(Line::from(Span::styled(
            format!(
                "{} {} — {} · {}",
                t(lang, Text::TransferPending),
                clean(&model.consulate_name(&tr.to_consulate)),
                clean(&tr.reason),
                console::actor(lang, &tr.by)
            ),
            theme.warn(),
        )));
    }
    if let Some(c) = &case.closed {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t(lang, Text::ClosedAs)), theme.dim()),
            Span::styled(casework::outcome(lang, c.outcome), theme.title()),
            Span::raw(format!(
                " · {} · {}",
                console::actor(lang, &c.by),
                time::local(c.at, zone)
            )),
        ]));
        for l in clean_lines(&c.note) {
            lines.push(Line::from(format!("  {l}")));
        }
    }
    let deadlines = deadline::deadlines(case, model.now, zone);
    if !deadlines.is_empty() {
        lines.push(Line::default());
        lines.push(heading(Text::Deadlines));
        for d in &deadlines {
            let style = if d.overdue(model.now) {
                theme.tier(crate::domain::urgency::Tier::Critical)
            } else {
                theme.warn()
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} · {}",
                    console::countdown(lang, d, model.now),
                    console::due_words(lang, d, zone, &model.consulate_name(&case.consulate))
                ),
                style,
            )));
        }
    }
    super::card::card(model, case.id, theme, &mut lines);
    protection(model, case, theme, &mut lines);
    // Until the case is read whole, the person's details are not here: say so rather than
    // show them as unknown.
    let withheld = crate::domain::privacy::is_withheld(p);
    lines.extend([
        Line::default(),
        heading(Text::Profile),
        Line::from(Span::raw(super::person_name(lang, p))),
    ]);
    if p.erased {
        // Nothing more to read: the date of birth, ids and numbers are gone for good.
    } else if withheld {
        lines.push(Line::from(Span::styled(
            format!("  {}", t(lang, Text::Loading)),
            theme.dim(),
        )));
    } else {
        lines.extend([
            field(
                Text::Born,
                match (p.date_of_birth, p.age_on(model.now.date_naive())) {
                    (Some(born), Some(age)) => format!("{born} ({age})"),
                    _ => t(lang, Text::Unknown).to_string(),
                },
            ),
            field(
                Text::ConsularId,
                if p.consular_id.trim().is_empty() {
                    t(lang, Text::Unknown).to_string()
                } else {
                    clean(&p.consular_id)
                },
            ),
            field(Text::Phone, clean(&p.phone)),
        ]);
    }
    lines.extend([
        field(
            Text::Language,
            i18n::language_name(lang, &p.language)
                .map(String::from)
                .unwrap_or_else(|| clean(&p.language)),
        ),
        Line::default(),
        heading(Text::Flags),
    ]);
    if case.flags.is_empty() {
        lines.push(Line::from(Span::styled(
            t(lang, Text::NoFlags),
            theme.dim(),
        )));
    }
    for flag in &case.flags {
        let (code, name) = i18n::flag(lang, *flag);
        lines.push(Line::from(format!("  {code}  {name}")));
    }
    lines.push(Line::default());
    lines.push(heading(Text::Relatives));
    if p.relatives.is_empty() {
        lines.push(Line::from(Span::styled(
            t(
                lang,
                if withheld {
                    Text::Loading
                } else if p.erased {
                    Text::Erased
                } else {
                    Text::NoRelatives
                },
            ),
            theme.dim(),
        )));
    }
    for (i, r) in p.relatives.iter().enumerate() {
        lines.push(Line::from(format!(
            "  {} ({}) {}",
            clean(&r.name),
            clean(&r.relation),
            clean(&r.phone)
        )));
        // Each message to this relative, latest state first: delivered, pending (why), failed.
        for d in case.deliveries.iter().filter(|d| d.relative == i) {
            let (text, style) = console::delivery(lang, d, zone);
            let style = match style {
                console::Mood::Good => theme.live(),
                console::Mood::Waiting => theme.warn(),
                console::Mood::Bad => theme.unseen(),
            };
            lines.push(Line::from(Span::styled(format!("    {text}"), style)));
        }
    }
    lines.push(Line::default());
    lines.push(heading(Text::Location));
    let located = case.located();
    if located {
        lines.push(Line::from(format!(
            "  {:.4}, {:.4} · {} {:.0} m",
            case.location.lat,
            case.location.lon,
            t(lang, Text::Accuracy),
            case.location.accuracy_m
        )));
        lines.push(Line::from(format!(
            "  {} {} {}",
            i18n::distance(lang, case.distance_km),
            t(lang, Text::FromConsulate),
            clean(&model.consulate_name(&case.consulate))
        )));
    }
    if let Some(intake) = &case.intake {
        let place = intake
            .matched_place
            .as_deref()
            .or(intake.place.as_deref())
            .map(clean)
            .unwrap_or_else(|| t(lang, Text::Unknown).to_string());
        let how = if located {
            place
        } else {
            format!("{}: {place}", t(lang, Text::NoCoordinates))
        };
        lines.push(Line::from(Span::styled(format!("  {how}"), theme.warn())));
    }
    // A call from a place nobody could match has no position of its own to age.
    if let Some(last) = case.trail.last().filter(|_| located) {
        lines.push(Line::from(Span::styled(
            format!(
                "  {}",
                console::last_fix(lang, &i18n::age((model.now - last.at).num_seconds()))
            ),
            theme.dim(),
        )));
    }
    if located && case.trail.len() > 1 {
        lines.push(Line::from(Span::styled(
            format!("  {}:", t(lang, Text::Trail)),
            theme.dim(),
        )));
        for f in case.trail.iter().rev().take(6) {
            lines.push(Line::from(format!(
                "    {}  {:.4}, {:.4} ±{:.0} m",
                f.at.with_timezone(&zone).format("%H:%M:%S"),
                f.location.lat,
                f.location.lon,
                f.location.accuracy_m
            )));
        }
    }
    lines.push(field(
        if case.intake.is_some() {
            Text::CallTaken
        } else {
            Text::Pressed
        },
        format!(
            "{} ({})",
            time::local_and_utc(case.pressed_at, zone),
            i18n::age((model.now - case.pressed_at).num_seconds())
        ),
    ));
    if !case.checkpoints.is_empty() {
        lines.push(Line::default());
        lines.push(heading(Text::Checkpoints));
        for c in &case.checkpoints {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {} ", time::local(c.happened_at, zone)),
                    theme.dim(),
                ),
                Span::styled(casework::checkpoint(lang, c.code), theme.title()),
                Span::styled(format!(" · {}", console::actor(lang, &c.by)), theme.dim()),
            ]));
            for (name, value) in &c.fields {
                // A time on the wire is UTC; people read it as the consulate's wall time.
                let value = match c.code.fields().iter().find(|f| f.name == name) {
                    Some(spec) if spec.kind == FieldKind::DateTime => {
                        crate::domain::checkpoint::parse_datetime(value)
                            .map(|at| time::local_and_utc(at, zone))
                            .unwrap_or_else(|| clean(value))
                    }
                    _ => casework::word(lang, &clean(value)).to_string(),
                };
                lines.push(Line::from(format!(
                    "      {}: {}",
                    casework::word(lang, name),
                    value
                )));
            }
            for l in clean_lines(&c.note) {
                lines.push(Line::from(format!("      {l}")));
            }
        }
    }
    if !case.notes.is_empty() {
        lines.push(Line::default());
        lines.push(heading(Text::Notes));
        for n in &case.notes {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} · {}",
                    time::local(n.at, zone),
                    console::actor(lang, &n.by)
                ),
                theme.dim(),
            )));
            for l in clean_lines(&n.text) {
                lines.push(Line::from(format!("    {l}")));
            }
        }
    }
    lines.push(Line::default());
    lines.push(heading(Text::Timeline));
    for entry in &case.timeline {
        let actor = match &entry.actor {
            Actor::Phone => t(lang, Text::ByPhone).to_string(),
            Actor::Hub => t(lang, Text::ByHub).to_string(),
            other => crate::console::words::actor(lang, other),
        };
        let extra = crate::i18n::record::timeline_detail(
            lang,
            entry.kind,
            entry.detail.as_deref(),
            &|id| model.consulate_name(id),
        );
        // A call to the call center is not a press of the button.
        let what = match (entry.kind, entry.detail.as_deref()) {
            (EventKind::AlertRaised, Some(crate::domain::case::BY_CALL)) => {
                t(lang, Text::CallNewAlert)
            }
            (EventKind::AlertRepeated, Some(crate::domain::case::BY_CALL)) => {
                t(lang, Text::CallJoined)
            }
            (kind, _) => i18n::event(lang, kind),
        };
        lines.push(Line::from(format!(
            "  {}  {}{} · {}",
            entry.at.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
            what,
            extra,
            actor
        )));
    }
    lines
}

/// Rows the detail of case `id` takes at `width` (wrapped), for `update` to keep the scroll
/// within it.
pub fn rows(model: &Model, id: u64, width: u16) -> usize {
    let Some(case) = model.cases.get(&id) else {
        return 0;
    };
    let theme = Theme {
        no_color: model.no_color,
    };
    Paragraph::new(lines(model, case, theme))
        .wrap(Wrap { trim: false })
        .line_count(width)
}
