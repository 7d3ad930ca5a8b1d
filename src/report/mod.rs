//! Reports outside the TUI: `guardia backlog` (the supervisor's figures, as text or CSV) and
//! `guardia case export` (one case as Markdown or JSON, fit for a legal file). Every string from
//! the hub goes through the sanitizer, and Markdown's own syntax is escaped, so a hostile name
//! can neither reach a terminal nor rewrite the document's structure.

pub mod card;
pub mod protection;
pub mod sealed;

use chrono::{DateTime, Duration, Utc};

use crate::console::net::client::{HubClient, NetError};
use crate::console::words as console;
use crate::domain::backlog::{self, AGE_BUCKETS};
use crate::domain::case::Case;
use crate::domain::deadline;
use crate::domain::event::EventKind;
use crate::domain::sanitize::{Lines, sanitize};
use crate::i18n::{self, Lang, Text, casework, t};

/// The backlog of what the token may see, counted on the hub.
pub async fn backlog(
    client: &HubClient,
    sla: Duration,
    filter: backlog::TriageFilter,
) -> Result<backlog::Backlog, NetError> {
    client.backlog(sla, filter).await
}

/// A CSV field: quoted when needed, and never starting with a character a spreadsheet would run
/// as a formula.
pub fn csv_field(value: &str) -> String {
    let clean = sanitize(value, Lines::One);
    let safe = if clean.starts_with(['=', '+', '-', '@']) && clean.parse::<f64>().is_err() {
        format!("'{clean}")
    } else {
        clean
    };
    if safe.contains([',', '"', '\n']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

pub fn backlog_csv(b: &backlog::Backlog) -> String {
    let mut out = String::from("metric,key,value\n");
    for row in backlog::csv_rows(b) {
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

pub fn backlog_text(b: &backlog::Backlog, lang: Lang, now: DateTime<Utc>) -> String {
    let mut out = format!(
        "{}\n\n{}\n",
        i18n::open_cases(lang, b.open),
        t(lang, Text::ByStage)
    );
    for (stage, n) in &b.by_stage {
        out.push_str(&format!("  {n:>5}  {}\n", console::stage(lang, *stage, *n)));
    }
    out.push_str(&format!("\n{}\n", t(lang, Text::ByConsent)));
    for (c, n) in &b.by_consent {
        out.push_str(&format!("  {n:>5}  {}\n", casework::word(lang, c.as_str())));
    }
    out.push_str(&format!(
        "  {:>5}  {}\n",
        b.untriaged,
        t(lang, Text::NoTriage)
    ));
    out.push_str(&format!(
        "\n{}: {} ({}: {})\n",
        t(lang, Text::Closed),
        b.closed,
        t(lang, Text::ClosedDeclined),
        b.closed_declined
    ));
    out.push_str(&format!("\n{}\n", t(lang, Text::ByAge)));
    for (i, n) in b.by_age.iter().enumerate() {
        out.push_str(&format!("  {n:>5}  {}\n", console::age_bucket(lang, i)));
    }
    let list = |ids: &[u64]| {
        ids.iter()
            .map(|id| format!("#{id}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    out.push_str(&format!(
        "\n{}: {} {}\n{}: {} {}\n\n{}\n",
        t(lang, Text::OverdueUnacknowledged),
        b.overdue.len(),
        list(&b.overdue),
        t(lang, Text::WithoutLawyer),
        b.without_lawyer.len(),
        list(&b.without_lawyer),
        t(lang, Text::DeadlinesWeek)
    ));
    for (id, d) in &b.deadlines {
        out.push_str(&format!("  #{id}  {}\n", console::countdown(lang, d, now)));
    }
    out.push_str(&format!("\n{}\n", t(lang, Text::LawyerLoad)));
    for l in &b.lawyers {
        out.push_str(&format!(
            "  {:>3}/{:<3}  {}\n",
            l.open_cases,
            l.capacity,
            sanitize(&l.name, Lines::One)
        ));
    }
    if b.per_consulate.len() > 1 {
        out.push_str(&format!("\n{}\n", t(lang, Text::PerConsulate)));
        for (c, n) in &b.per_consulate {
            out.push_str(&format!(
                "  {:>5} {:>5} {:>5}  {}\n",
                n.open,
                n.unacknowledged,
                n.without_lawyer,
                sanitize(c, Lines::One)
            ));
        }
    }
    debug_assert_eq!(AGE_BUCKETS.len(), b.by_age.len());
    out
}

/// Plain text safe inside Markdown: sanitized, and every character Markdown gives meaning to is
/// escaped, so a name cannot become a heading, a link or a table cell break. Characters that
/// mean something only at the start of a line (`#`, `-`, `+`, `=`, `1.`) are escaped only there,
/// so ids and dates read as written (`los-angeles`, `2026-11-22`).
pub fn md(text: &str) -> String {
    let clean = sanitize(text, Lines::One);
    let mut out = String::with_capacity(clean.len() + 4);
    let lead = clean.len() - clean.trim_start().len();
    let digits = clean[lead..].bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in clean.char_indices() {
        let starts_line = i == lead && "#+-=>".contains(c);
        // "12. " or "12) " at the start would begin an ordered list.
        let ends_number = digits > 0 && i == lead + digits && ".)".contains(c);
        if "\\`*_{}[]()<|~!".contains(c) || starts_line || ends_number {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn md_block(text: &str) -> String {
    sanitize(text, Lines::Many)
        .lines()
        .map(|l| format!("> {}", md(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One case as Markdown: the person, the alert, every checkpoint and note, and the whole
/// timeline with actor and time. Nothing is summarised away.
/// A consulate by its name ("Los Angeles, CA"), from the shipped list; its id when not on it.
fn consulate_label(id: &str) -> String {
    crate::config::builtin_consulates()
        .iter()
        .find(|c| c.id == id)
        .map_or_else(|| id.to_string(), |c| c.label())
}

pub fn case_markdown(case: &Case, lang: Lang, now: DateTime<Utc>) -> String {
    let p = &case.registrant;
    let when = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut out = format!("# {} #{}\n\n", lang_pick(lang, "Caso", "Case"), case.id);
    out.push_str(&format!(
        "- {}: {}\n- {}: {}\n- {}: {} ({})\n- {}: {}\n",
        lang_pick(lang, "Consulado", "Consulate"),
        md(&consulate_label(&case.consulate)),
        t(lang, Text::ColStatus),
        i18n::status(lang, case.status),
        t(lang, Text::ColKind),
        i18n::kind(lang, case.kind),
        when(case.pressed_at),
        t(lang, Text::AcknowledgedBy),
        match (&case.acknowledged_by, case.acknowledged_at) {
            (Some(by), Some(at)) => format!("{} ({})", md(&console::actor(lang, by)), when(at)),
            _ => t(lang, Text::NotAcknowledged).into(),
        }
    ));
    out.push_str(&format!(
        "- {}: {}\n- {}: {}\n- {}: {}\n\n",
        t(lang, Text::Lawyer),
        case.assigned_lawyer_name
            .as_deref()
            .map(md)
            .unwrap_or_else(|| t(lang, Text::NoLawyer).into()),
        t(lang, Text::TriageTitle),
        case.triage
            .map(|tr| casework::triage(lang, &tr))
            .unwrap_or_else(|| t(lang, Text::NoTriage).into()),
        lang_pick(lang, "Versión", "Version"),
        case.version
    ));
    if let Some(c) = &case.closed {
        out.push_str(&format!(
            "**{}: {}** — {} ({})\n\n{}\n\n",
            t(lang, Text::ClosedAs),
            casework::outcome(lang, c.outcome),
            md(&console::actor(lang, &c.by)),
            when(c.at),
            md_block(&c.note)
        ));
    }
    out.push_str(&format!("## {}\n\n", t(lang, Text::Profile)));
    out.push_str(&format!(
        "- {}\n- {}: {}\n- {}: {}\n- {}: {}\n- {}: {}\n",
        md(&p.name),
        t(lang, Text::Born),
        p.date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_else(|| t(lang, Text::Unknown).into()),
        t(lang, Text::ConsularId),
        md(&p.consular_id),
        t(lang, Text::Phone),
        md(&p.phone),
        t(lang, Text::Language),
        i18n::language_name(lang, &p.language)
            .map(String::from)
            .unwrap_or_else(|| md(&p.language))
    ));
    for f in &case.flags {
        out.push_str(&format!(
            "- {}: {}\n",
            t(lang, Text::Flags),
            i18n::flag(lang, *f).1
        ));
    }
    for r in &p.relatives {
        out.push_str(&format!(
            "- {}: {} ({}) {}\n",
            t(lang, Text::Relatives),
            md(&r.name),
            md(&r.relation),
            md(&r.phone)
        ));
    }
    if case.located() {
        out.push_str(&format!(
            "- {}: {:.4}, {:.4} (± {:.0} m), {}\n\n",
            t(lang, Text::Location),
            case.location.lat,
            case.location.lon,
            case.location.accuracy_m,
            i18n::distance(lang, case.distance_km)
        ));
    } else {
        // The coordinates would be the consulate's placeholder, not the person's.
        out.push_str(&format!(
            "- {}: {}\n\n",
            t(lang, Text::Location),
            t(lang, Text::Unknown)
        ));
    }
    let shipped = crate::config::builtin_consulates();
    let zone = crate::domain::consulate::zone_of(shipped, &case.consulate);
    let place = shipped
        .iter()
        .find(|c| c.id == case.consulate)
        .map_or_else(|| case.consulate.clone(), |c| c.label());
    let deadlines = deadline::deadlines(case, now, zone);
    if !deadlines.is_empty() {
        out.push_str(&format!("## {}\n\n", t(lang, Text::Deadlines)));
        for d in &deadlines {
            out.push_str(&format!(
                "- {} — {}\n",
                console::countdown(lang, d, now),
                match d.day_end {
                    Some(_) => format!(
                        "{} ({})",
                        console::due_words(lang, d, zone, &place),
                        when(d.due)
                    ),
                    None => when(d.due),
                }
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!("## {}\n\n", t(lang, Text::Checkpoints)));
    for c in &case.checkpoints {
        out.push_str(&format!(
            "### {}\n\n- {}: {}\n- {}: {} ({})\n",
            casework::checkpoint(lang, c.code),
            lang_pick(lang, "Ocurrió", "Happened"),
            when(c.happened_at),
            lang_pick(lang, "Registró", "Logged by"),
            md(&console::actor(lang, &c.by)),
            when(c.logged_at)
        ));
        for (k, v) in &c.fields {
            out.push_str(&format!(
                "- {}: {}\n",
                casework::word(lang, k),
                md(casework::word(lang, v))
            ));
        }
        if !c.note.is_empty() {
            out.push_str(&format!("\n{}\n", md_block(&c.note)));
        }
        out.push('\n');
    }
    if !case.notes.is_empty() {
        out.push_str(&format!("## {}\n\n", t(lang, Text::Notes)));
        for n in &case.notes {
            out.push_str(&format!(
                "**{}** — {}\n\n{}\n\n",
                md(&console::actor(lang, &n.by)),
                when(n.at),
                md_block(&n.text)
            ));
        }
    }
    out.push_str(&format!(
        "## {}\n\n| seq | {} | {} | {} |\n|---|---|---|---|\n",
        t(lang, Text::Timeline),
        lang_pick(lang, "hora", "time"),
        lang_pick(lang, "evento", "event"),
        lang_pick(lang, "por", "by")
    ));
    for e in &case.timeline {
        let detail = md(&i18n::record::timeline_detail(
            lang,
            e.kind,
            e.detail.as_deref(),
            &consulate_label,
        ));
        let what = match (e.kind, e.detail.as_deref()) {
            (EventKind::AlertRaised, Some(crate::domain::case::BY_CALL)) => {
                t(lang, Text::CallNewAlert)
            }
            (EventKind::AlertRepeated, Some(crate::domain::case::BY_CALL)) => {
                t(lang, Text::CallJoined)
            }
            (kind, _) => i18n::event(lang, kind),
        };
        out.push_str(&format!(
            "| {} | {} | {}{} | {} |\n",
            e.seq,
            when(e.at),
            what,
            detail,
            md(&console::actor(lang, &e.actor))
        ));
    }
    out
}

/// A case as JSON for export, every string passed through the sanitizer (newlines kept, since
/// notes have them): an export is a sink like any screen.
pub fn case_json(case: &Case) -> serde_json::Result<String> {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = sanitize(s, Lines::Many),
            serde_json::Value::Array(a) => a.iter_mut().for_each(clean),
            serde_json::Value::Object(o) => o.values_mut().for_each(clean),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(case)?;
    clean(&mut value);
    serde_json::to_string_pretty(&value)
}

fn lang_pick(lang: Lang, es: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Es => es,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{checkpoint, raised, staff_event};
    use crate::domain::event::{EventBody, NoteAdded};

    #[test]
    fn markdown_keeps_the_record_and_defuses_hostile_text() {
        let mut e = raised(1, 9, AlertKind::Detained, vec![]);
        if let EventBody::AlertRaised(r) = &mut e.body {
            r.registrant.name = "# Evil\x1b]52;c;AAAA\x07 [link](http://x) | cell".into();
        }
        let mut case = Case::open(&e).unwrap();
        case.apply(&checkpoint(
            2,
            9,
            crate::domain::checkpoint::CheckpointCode::ANumberRecorded,
            &[("a_number", "012345678")],
        ))
        .unwrap();
        case.apply(&staff_event(
            3,
            9,
            EventBody::NoteAdded(NoteAdded {
                text: "línea uno\n\u{202e}línea dos".into(),
            }),
        ))
        .unwrap();
        case.apply(&staff_event(
            4,
            9,
            EventBody::TriageRecorded(crate::domain::triage::Triage {
                consent: crate::domain::triage::Consent::Declined,
                intent: crate::domain::triage::Intent::Undecided,
                category: crate::domain::triage::Category::Criminal,
            }),
        ))
        .unwrap();
        let json = case_json(&case).unwrap();
        assert!(json.contains("\"consent\": \"declined\""), "{json}");
        assert!(
            !json.contains("\\u001b") && !json.contains('\u{202e}') && json.contains("línea uno")
        );
        let text = case_markdown(&case, Lang::En, case.received_at);
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));
        assert!(text.contains("\\# Evil"), "{text}");
        assert!(text.contains("\\[link\\]\\(http://x\\) \\| cell"), "{text}");
        assert!(text.contains("A-number: 012345678"));
        assert!(
            text.contains("- Triage: declines protection · undecided · criminal"),
            "{text}"
        );
        // No wire codes: the checkpoint, the consulate and the triage in words.
        assert!(
            !text.contains("a\\_number") && !text.contains("a_number_recorded"),
            "{text}"
        );
        assert!(text.contains("- Consulate: Los Angeles, CA"), "{text}");
        assert!(!text.contains("declined/undecided"), "{text}");
        for seq in 1..=4 {
            assert!(
                text.contains(&format!("\n| {seq} |")),
                "event {seq} in the timeline: {text}"
            );
        }
    }

    #[test]
    fn ids_and_dates_read_as_written_and_only_a_line_start_is_escaped() {
        assert_eq!(md("los-angeles"), "los-angeles");
        assert_eq!(md("2026-11-22 09:30"), "2026-11-22 09:30");
        assert_eq!(md("Ana M. Pérez-Ruiz"), "Ana M. Pérez-Ruiz");
        assert_eq!(md("- item"), "\\- item");
        assert_eq!(md("# title"), "\\# title");
        assert_eq!(md("1. first"), "1\\. first");
        assert_eq!(md("> quote"), "\\> quote");
        assert_eq!(md("a | b"), "a \\| b");
    }

    #[test]
    fn csv_fields_cannot_run_as_formulas() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5"), "-5");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
