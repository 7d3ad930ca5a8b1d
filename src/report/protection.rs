//! `guardia report figures` and `guardia handover`: the headquarters figures of a period and
//! what the next shift inherits, as text for people, CSV for a spreadsheet or JSON. Every string
//! from the hub goes through the sanitizer.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::csv_field;
use crate::console::net::client::{HubClient, NetError};
use crate::domain::consulate::Consulate;
use crate::domain::figures::Figures;
use crate::domain::handover::{Due, Handover, Item};
use crate::domain::sanitize::{Lines, sanitize};
use crate::domain::time;
use crate::i18n::work::{FIGURES, H, figure_labels, figures_title, h};
use crate::i18n::{Lang, casework};

/// Each figure's CSV key with its value as printed.
fn values(f: &Figures) -> Vec<(&'static str, String)> {
    FIGURES
        .iter()
        .map(|(key, _, _)| *key)
        .zip(f.printed())
        .collect()
}

pub fn figures_text(f: &Figures, lang: Lang, from: &str, to: &str, place: Option<&str>) -> String {
    let mut out = format!(
        "{}\n\n",
        figures_title(
            lang,
            from,
            to,
            place.map(|p| sanitize(p, Lines::One)).as_deref()
        )
    );
    let labels = figure_labels(lang);
    let width = labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0);
    for ((_, label), (_, value)) in labels.into_iter().zip(values(f)) {
        let pad = width - label.chars().count();
        out.push_str(&format!("{label}{}  {value:>8}\n", " ".repeat(pad)));
    }
    if !f.interpreters.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            crate::i18n::jurisdiction::interpreters(lang)
        ));
        for (code, n) in &f.interpreters {
            out.push_str(&format!(
                "  {}  {n:>8}\n",
                crate::i18n::jurisdiction::language(lang, code)
            ));
        }
    }
    if !f.appointments.is_empty() {
        use crate::i18n::appointments as words;
        out.push_str(&format!("\n{}\n", words::figures_title(lang)));
        for c in &f.appointments {
            let line = words::figures_line(lang, c, &words::place_name(&c.place));
            out.push_str(&format!("  {}\n", sanitize(&line, Lines::One)));
        }
    }
    out
}

/// `metric,value` rows; the period and consulate first.
pub fn figures_csv(f: &Figures, from: &str, to: &str, consulate: Option<&str>) -> String {
    let mut out = String::from("metric,value\n");
    out.push_str(&format!("from,{from}\nto,{to}\n"));
    out.push_str(&format!(
        "consulate,{}\n",
        csv_field(consulate.unwrap_or("all"))
    ));
    for (key, value) in values(f) {
        let value = if value == "—" { String::new() } else { value };
        out.push_str(&format!("{key},{value}\n"));
    }
    for (code, n) in &f.interpreters {
        out.push_str(&format!("interpreter_{},{n}\n", csv_field(code)));
    }
    for c in &f.appointments {
        let place = if c.place.is_empty() {
            "named"
        } else {
            &c.place
        };
        let key = format!("appointments_{}_{}", place, c.kind.as_str());
        out.push_str(&format!("{},{}\n", csv_field(&key), c.watched));
        out.push_str(&format!(
            "{},{}\n",
            csv_field(&format!("{key}_missed")),
            c.missed
        ));
    }
    out
}

fn people(lang: Lang, list: &[(i64, String)]) -> String {
    if list.is_empty() {
        return h(lang, H::Nobody).to_string();
    }
    list.iter()
        .map(|(_, n)| sanitize(n, Lines::One))
        .collect::<Vec<_>>()
        .join(", ")
}

fn item_line(i: &Item, zone: Tz) -> String {
    format!(
        "  #{:<6} {}  {}",
        i.case_id,
        time::local(i.since, zone),
        sanitize(&i.name, Lines::One)
    )
}

fn due_line(d: &Due, lang: Lang, zone: Tz) -> String {
    let overdue = if d.overdue {
        format!(" {}", h(lang, H::Overdue))
    } else {
        String::new()
    };
    let interpreter = d.interpreter.as_deref().map_or_else(String::new, |code| {
        format!(
            " · {}: {}",
            crate::i18n::jurisdiction::j(lang, crate::i18n::jurisdiction::J::Interpreter),
            crate::i18n::jurisdiction::language(lang, code)
        )
    });
    format!(
        "  #{:<6} {}  {}{overdue} · {}{interpreter}",
        d.case_id,
        time::local(d.due, zone),
        casework::deadline(lang, d.kind),
        sanitize(&d.name, Lines::One)
    )
}

/// The handover for people: who hands over to whom, then each list, times in the consulate's
/// own zone.
/// `name_of` gives a consulate's name for its id (the other side of a transfer).
pub fn handover_text(
    x: &Handover,
    lang: Lang,
    (place, zone): (&str, Tz),
    name_of: impl Fn(&str) -> String,
    shown: Option<usize>,
) -> String {
    let mut out = format!(
        "{} · {} · {}\n",
        h(lang, H::Title),
        sanitize(place, Lines::One),
        time::local(x.at, zone)
    );
    out.push_str(&format!(
        "{}: {}\n",
        h(lang, H::OnDuty),
        people(lang, &x.on_duty)
    ));
    if let Some(end) = x.shift_ends {
        out.push_str(&format!(
            "{}: {}\n",
            h(lang, H::ShiftEnds),
            time::local(end, zone)
        ));
        out.push_str(&format!(
            "{}: {}\n",
            h(lang, H::NextOnDuty),
            people(lang, &x.next_on_duty)
        ));
    }
    // A year of a network's cases can leave thousands in a list: each says how many, shows the
    // first `shown` (oldest first), and says how many more and how to see them.
    // The hub may have cut a list already: its total says how many it holds in all.
    let mut section = |title: H, lines: Vec<String>, total: usize| {
        let total = total.max(lines.len());
        out.push_str(&format!("\n{} ({})\n", h(lang, title), total));
        if lines.is_empty() {
            out.push_str(&format!("  {}\n", h(lang, H::Nothing)));
        }
        let cut = match (title, shown) {
            (H::Duress, _) | (_, None) => lines.len(),
            (_, Some(n)) => n.min(lines.len()),
        };
        let more = total - cut;
        for l in lines.into_iter().take(cut) {
            out.push_str(&l);
            out.push('\n');
        }
        if more > 0 {
            out.push_str(&format!("  {}\n", crate::i18n::work::and_more(lang, more)));
        }
    };
    section(
        H::Duress,
        x.duress.iter().map(|i| item_line(i, zone)).collect(),
        x.totals.duress,
    );
    section(
        H::NotLocated,
        x.not_located.iter().map(|i| item_line(i, zone)).collect(),
        x.totals.not_located,
    );
    section(
        H::Unattended,
        x.unattended.iter().map(|i| item_line(i, zone)).collect(),
        x.totals.unattended,
    );
    section(
        H::Due,
        x.due.iter().map(|d| due_line(d, lang, zone)).collect(),
        x.totals.due,
    );
    section(
        H::WithoutLawyer,
        x.without_lawyer
            .iter()
            .map(|i| item_line(i, zone))
            .collect(),
        x.totals.without_lawyer,
    );
    section(
        H::Transfers,
        x.transfers
            .iter()
            .map(|t| {
                let way = if t.outgoing { H::Outgoing } else { H::Incoming };
                format!(
                    "  #{:<6} {}  {} {} · {}",
                    t.case_id,
                    time::local(t.since, zone),
                    h(lang, way),
                    sanitize(&name_of(&t.other), Lines::One),
                    sanitize(&t.name, Lines::One)
                )
            })
            .collect(),
        x.totals.transfers,
    );
    // Transfer alarms: never cut, each with what changed and what it costs.
    if !x.alarms.is_empty() {
        out.push_str(&format!(
            "\n{} ({})\n",
            crate::i18n::jurisdiction::j(lang, crate::i18n::jurisdiction::J::Alarm),
            x.alarms.len()
        ));
        for a in &x.alarms {
            out.push_str(&format!(
                "  #{:<6} {}  {}\n",
                a.case_id,
                time::local(a.since, zone),
                sanitize(&a.name, Lines::One)
            ));
            for c in &a.alarm.changed {
                out.push_str(&format!(
                    "      {}\n",
                    crate::i18n::jurisdiction::changed(lang, c)
                ));
            }
            for c in &a.alarm.costs {
                out.push_str(&format!(
                    "      {}\n",
                    crate::i18n::jurisdiction::cost(lang, c)
                ));
            }
        }
    }
    out
}

/// One row per thing inherited: `list,case,when,what,name` (times in UTC, RFC 3339).
pub fn handover_csv(x: &Handover) -> String {
    let mut out = String::from("list,case,when,what,name\n");
    let when = |t: DateTime<Utc>| t.to_rfc3339();
    let mut row = |list: &str, case: u64, at: DateTime<Utc>, what: &str, name: &str| {
        out.push_str(&format!(
            "{list},{case},{},{},{}\n",
            when(at),
            csv_field(what),
            csv_field(name)
        ));
    };
    for i in &x.duress {
        row("duress", i.case_id, i.since, "", &i.name);
    }
    for i in &x.not_located {
        row("not_located", i.case_id, i.since, "", &i.name);
    }
    for i in &x.unattended {
        row("unattended", i.case_id, i.since, "", &i.name);
    }
    for d in &x.due {
        let kind = serde_json::to_value(d.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        row("due", d.case_id, d.due, &kind, &d.name);
    }
    for i in &x.without_lawyer {
        row("without_lawyer", i.case_id, i.since, "", &i.name);
    }
    for t in &x.transfers {
        let way = if t.outgoing { "to:" } else { "from:" };
        row(
            "transfer",
            t.case_id,
            t.since,
            &format!("{way}{}", t.other),
            &t.name,
        );
    }
    out
}

/// How a report is written: CSV, JSON or text in a language, and the consulates it names.
pub struct Output {
    pub csv: bool,
    pub json: bool,
    pub lang: Lang,
    pub consulates: Vec<Consulate>,
    /// Every line of every list, not the first [`SHOWN`] of each.
    pub all: bool,
}

/// Lines of each handover list a person reads before "and N more": the oldest, which is what the
/// next shift takes first. Duress is never cut.
pub const SHOWN: usize = 20;

impl Output {
    pub fn new(csv: bool, json: bool, lang: Lang, config: &crate::config::Config) -> Output {
        Output {
            csv,
            json,
            lang,
            consulates: config.hub.load_consulates().unwrap_or_default(),
            all: false,
        }
    }

    /// A consulate's name and zone (its id and UTC when unknown).
    fn consulate(&self, id: &str) -> (String, Tz) {
        self.consulates
            .iter()
            .find(|c| c.id == id)
            .map_or((id.to_string(), chrono_tz::UTC), |c| (c.label(), c.zone()))
    }
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// `guardia report figures`: (from, to, consulate).
pub async fn figures(
    client: &HubClient,
    (from, to, consulate): (chrono::NaiveDate, chrono::NaiveDate, Option<&str>),
    out: &Output,
) -> Result<String, NetError> {
    let f = client.figures(from, to, consulate).await?;
    let (from, to) = (from.to_string(), to.to_string());
    Ok(if out.json {
        pretty(&f)
    } else if out.csv {
        figures_csv(&f, &from, &to, consulate)
    } else {
        let place = consulate.map(|c| out.consulate(c).0);
        figures_text(&f, out.lang, &from, &to, place.as_deref())
    })
}

/// `guardia handover`: (consulate, at).
pub async fn handover(
    client: &HubClient,
    (consulate, at): (Option<&str>, Option<DateTime<Utc>>),
    out: &Output,
) -> Result<String, NetError> {
    // Spreadsheets, programs and `--all` get every line; a person's page, each list's first few.
    let h = client
        .handover(consulate, at, out.all || out.csv || out.json)
        .await?;
    Ok(if out.json {
        pretty(&h)
    } else if out.csv {
        handover_csv(&h)
    } else {
        let (place, zone) = out.consulate(&h.consulate);
        let shown = (!out.all).then_some(SHOWN);
        handover_text(
            &h,
            out.lang,
            (&place, zone),
            |id| out.consulate(id).0,
            shown,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::handover::Item;

    #[test]
    fn a_long_handover_shows_the_oldest_of_each_list_and_says_how_many_more_but_all_duress() {
        let at: DateTime<Utc> = "2026-12-06T12:00:00Z".parse().unwrap();
        let items = |from: u64, n: u64| -> Vec<Item> {
            (0..n)
                .map(|i| Item {
                    case_id: from + i,
                    name: format!("Persona {i}"),
                    since: at - chrono::Duration::minutes((n - i) as i64),
                })
                .collect()
        };
        let x = Handover {
            consulate: "los-angeles".into(),
            at,
            shift_ends: None,
            on_duty: vec![],
            next_on_duty: vec![],
            unattended: items(1000, 5_000),
            without_lawyer: vec![],
            due: vec![],
            duress: items(9000, 30),
            not_located: vec![],
            transfers: vec![],
            alarms: vec![],
            totals: Default::default(),
        };
        let zone: Tz = "America/Los_Angeles".parse().unwrap();
        let text = handover_text(
            &x,
            Lang::Es,
            ("Los Angeles", zone),
            |id: &str| id.to_string(),
            Some(SHOWN),
        );
        assert!(text.contains("Alertas sin atender (5000)"), "{text}");
        assert!(text.contains("#1000 ") && text.contains(&format!("#{} ", 1000 + SHOWN - 1)));
        assert!(
            !text.contains(&format!("#{} ", 1000 + SHOWN)),
            "only the oldest {SHOWN}"
        );
        assert!(text.contains("… y 4980 más (guardia handover --all los muestra todos)"));
        // Duress is never cut.
        assert!(text.contains("#9029 "), "{text}");
        assert!(text.lines().count() < 100, "a page, not thousands of lines");
        let whole = handover_text(
            &x,
            Lang::En,
            ("Los Angeles", zone),
            |id: &str| id.to_string(),
            None,
        );
        assert!(whole.contains("#5999 ") && !whole.contains("more ("));
        // As the hub sends it by default: the list cut to its first few, with its total.
        let cut = Handover {
            unattended: items(1000, SHOWN as u64),
            totals: crate::domain::handover::Totals {
                unattended: 5_000,
                duress: 30,
                ..Default::default()
            },
            ..x
        };
        let text = handover_text(
            &cut,
            Lang::Es,
            ("Los Angeles", zone),
            |id: &str| id.to_string(),
            Some(SHOWN),
        );
        assert!(text.contains("Alertas sin atender (5000)"), "{text}");
        assert!(text.contains("… y 4980 más (guardia handover --all los muestra todos)"));
    }
}
