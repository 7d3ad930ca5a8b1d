//! The words of watched appointments: the shift tab's list of what is coming, a case's
//! appointment, and the figures' counts.

use super::Lang;
use crate::domain::appointment::{AppointmentKind, OnCase, Slot};
use crate::domain::time;

pub fn kind(lang: Lang, kind: AppointmentKind) -> &'static str {
    match kind {
        AppointmentKind::IceCheckIn => lang.pick("cita de control de ICE", "ICE check-in"),
        AppointmentKind::CourtHearing => lang.pick("audiencia en la corte", "court hearing"),
        AppointmentKind::Other => lang.pick("otra cita", "other appointment"),
    }
}

pub fn watched_title(lang: Lang) -> &'static str {
    lang.pick(
        "Citas vigiladas, próximas 24 horas",
        "Watched appointments, next 24 hours",
    )
}

pub fn none_watched(lang: Lang) -> &'static str {
    lang.pick(
        "ninguna en el distrito en las próximas 24 horas",
        "none in the district in the next 24 hours",
    )
}

/// `mañana 08:00 · ICE Los Angeles, 300 N Los Angeles St · 14 citas vigiladas (2 audiencias,
/// 1 sin salida)`. `day` is the slot's local date against `today`.
pub fn slot(lang: Lang, s: &Slot, zone: chrono_tz::Tz, today: chrono::NaiveDate) -> String {
    let local = s.hour.with_timezone(&zone);
    let date = local.date_naive();
    let day = if date == today {
        lang.pick("hoy", "today").to_string()
    } else if Some(date) == today.succ_opt() {
        lang.pick("mañana", "tomorrow").to_string()
    } else {
        date.to_string()
    };
    let count = match (lang, s.count) {
        (Lang::Es, 1) => "1 cita vigilada".to_string(),
        (Lang::Es, n) => format!("{n} citas vigiladas"),
        (Lang::En, 1) => "1 watched appointment".to_string(),
        (Lang::En, n) => format!("{n} watched appointments"),
    };
    let mut extra = Vec::new();
    if s.hearings > 0 {
        extra.push(match (lang, s.hearings) {
            (Lang::Es, 1) => "1 audiencia".to_string(),
            (Lang::Es, n) => format!("{n} audiencias"),
            (Lang::En, 1) => "1 hearing".to_string(),
            (Lang::En, n) => format!("{n} hearings"),
        });
    }
    if s.missed > 0 {
        extra.push(match lang {
            Lang::Es => format!("{} sin aviso de salida", s.missed),
            Lang::En => format!("{} with no word of coming out", s.missed),
        });
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join(", "))
    };
    format!(
        "{day} {} · {} · {count}{extra}",
        local.format("%H:%M"),
        s.place
    )
}

/// A case's appointment, in lines: what it was, where, when, what the person told beforehand,
/// and whether they said they came out since.
pub fn on_case(lang: Lang, a: &OnCase, zone: chrono_tz::Tz) -> Vec<String> {
    let mut out = vec![match lang {
        Lang::Es => format!(
            "{} · {} · {}, {} min previstos",
            kind(lang, a.kind),
            a.place.name,
            time::local(a.starts_at, zone),
            a.expected_minutes
        ),
        Lang::En => format!(
            "{} · {} · {}, expected to take {} min",
            kind(lang, a.kind),
            a.place.name,
            time::local(a.starts_at, zone),
            a.expected_minutes
        ),
    }];
    if !a.note.is_empty() {
        out.push(match lang {
            Lang::Es => format!("dijo antes: «{}»", a.note),
            Lang::En => format!("said beforehand: “{}”", a.note),
        });
    }
    if let Some(at) = a.out_at {
        out.push(match lang {
            Lang::Es => format!(
                "dijo que salió bien, {} (la alerta sigue abierta: confirme antes de cerrar)",
                time::local(at, zone)
            ),
            Lang::En => format!(
                "said they came out well, {} (the alert stays open: confirm before closing)",
                time::local(at, zone)
            ),
        });
    }
    out
}

pub fn on_case_title(lang: Lang) -> &'static str {
    lang.pick("Cita vigilada", "Watched appointment")
}

pub fn figures_title(lang: Lang) -> &'static str {
    lang.pick(
        "Citas vigiladas, por lugar y tipo",
        "Watched appointments, by place and kind",
    )
}

/// A figures line: `ATLANTA DISTRICT HOLD ROOM · cita de control de ICE: 14 (2 sin aviso de
/// salida)`. `place` is the facility's name, or empty for places the people named.
pub fn figures_line(
    lang: Lang,
    c: &crate::domain::figures::AppointmentCount,
    place: &str,
) -> String {
    let place = if place.is_empty() {
        lang.pick("lugar dado por la persona", "place the person named")
    } else {
        place
    };
    let missed = match (lang, c.missed) {
        (_, 0) => String::new(),
        (Lang::Es, n) => format!(" ({n} sin aviso de salida)"),
        (Lang::En, n) => format!(" ({n} with no word of coming out)"),
    };
    format!("{place} · {}: {}{missed}", kind(lang, c.kind), c.watched)
}

/// The place of a figures line: the registry's name for its code, or the code itself.
pub fn place_name(code: &str) -> String {
    if code.is_empty() {
        return String::new();
    }
    crate::domain::facility::Registry::new()
        .get(code)
        .map_or_else(|| code.to_string(), |f| f.name.clone())
}
