//! Sentences the console composes: notices about actions, refusals, conflicts, the backlog's
//! headings, deadline countdowns.

use super::{Lang, age, casework, event};
use crate::console::action::Notice;
use crate::console::command::CommandError;
use crate::console::net::outbox::{Pending, PendingState};
use crate::domain::backlog::Stage;
use crate::domain::case::Delivery;
use crate::domain::case::Refusal;
use crate::domain::deadline::Deadline;
use crate::domain::event::{Actor, DeliveryState, NoticeAbout};
use crate::domain::sanitize::{Lines, sanitize};
use chrono::{DateTime, Utc};

pub fn actor(lang: Lang, actor: &Actor) -> String {
    match actor {
        Actor::Phone => lang.pick("teléfono", "phone").into(),
        Actor::Hub => lang.pick("sistema", "system").into(),
        Actor::Staff { name, .. } => sanitize(name, Lines::One),
    }
}

pub fn notice(lang: Lang, n: &Notice) -> String {
    match n {
        Notice::Applied { case_id, kind } => format!("#{case_id} · {} ✓", event(lang, *kind)),
        Notice::Held { case_id, kind } => match lang {
            Lang::Es => format!(
                "#{case_id} · {}: sin conexión; guardada, se enviará",
                event(lang, *kind)
            ),
            Lang::En => format!(
                "#{case_id} · {}: offline; saved, will be sent",
                event(lang, *kind)
            ),
        },
        Notice::Refused { case_id, kind } => match lang {
            Lang::Es => format!(
                "#{case_id} · {}: RECHAZADA (! para ver)",
                event(lang, *kind)
            ),
            Lang::En => format!("#{case_id} · {}: REFUSED (! to review)", event(lang, *kind)),
        },
        Notice::NotSaved {
            case_id,
            kind,
            error,
        } => match lang {
            Lang::Es => format!(
                "#{case_id} · {}: NO SE GUARDÓ ({}); no se tomó la acción",
                event(lang, *kind),
                sanitize(error, Lines::One)
            ),
            Lang::En => format!(
                "#{case_id} · {}: NOT SAVED ({}); the action was not taken",
                event(lang, *kind),
                sanitize(error, Lines::One)
            ),
        },
    }
}

pub fn refusal(lang: Lang, r: Refusal) -> &'static str {
    match r {
        Refusal::Closed => lang.pick(
            "el caso está cerrado; un(a) supervisor(a) puede reabrirlo",
            "the case is closed; a supervisor may reopen it",
        ),
        Refusal::NotClosed => lang.pick("el caso no está cerrado", "the case is not closed"),
        Refusal::NoTransfer => lang.pick(
            "no hay traslado ni oferta pendiente",
            "no transfer or offer is pending",
        ),
        Refusal::AlreadyAcknowledged => lang.pick(
            "el caso ya fue atendido",
            "the case is already acknowledged",
        ),
        Refusal::NotStaffAction => {
            lang.pick("solo el teléfono hace eso", "only the phone does that")
        }
    }
}

/// What happened to a refused action, in words: the hub's reason and, when the case changed,
/// the last thing done to it and by whom.
pub fn refused(lang: Lang, p: &Pending, now: DateTime<Utc>) -> String {
    let PendingState::Refused {
        status,
        message,
        case,
    } = &p.state
    else {
        return String::new();
    };
    let head = format!("#{} · {}", p.case_id, event(lang, p.request.kind()));
    let last = case.as_ref().and_then(|c| c.timeline.last()).map(|e| {
        let ago = age((now - e.at).num_seconds());
        match lang {
            Lang::Es => format!(
                "último cambio: {} por {} hace {ago}",
                event(lang, e.kind),
                actor(lang, &e.actor)
            ),
            Lang::En => format!(
                "last change: {} by {} {ago} ago",
                event(lang, e.kind),
                actor(lang, &e.actor)
            ),
        }
    });
    let why = match status {
        409 => lang.pick(
            "el caso cambió antes de que llegara",
            "the case changed before it arrived",
        ),
        404 => lang.pick(
            "el caso ya no está a su alcance",
            "the case is no longer in your scope",
        ),
        403 | 401 => lang.pick("sin permiso", "not permitted"),
        _ => lang.pick("datos no aceptados", "not accepted"),
    };
    let detail = sanitize(message, Lines::One);
    match last {
        Some(l) => format!("{head}: {why} — {l} ({detail})"),
        None => format!("{head}: {why} ({detail})"),
    }
}

pub fn command_error(lang: Lang, e: &CommandError) -> String {
    match (e, lang) {
        (CommandError::Empty, _) => super::t(lang, super::Text::CommandHelp).into(),
        (CommandError::UnknownVerb(v), Lang::Es) => {
            format!("no conozco «{}»", sanitize(v, Lines::One))
        }
        (CommandError::UnknownVerb(v), Lang::En) => {
            format!("unknown verb “{}”", sanitize(v, Lines::One))
        }
        (CommandError::CaseNumber, Lang::Es) => "falta el número de caso".into(),
        (CommandError::CaseNumber, Lang::En) => "the case number is missing".into(),
        (CommandError::Missing(what), Lang::Es) => format!("falta: {}", casework::word(lang, what)),
        (CommandError::Missing(what), Lang::En) => format!("missing: {what}"),
        (CommandError::UnknownOutcome(o), _) => {
            let list = crate::domain::checkpoint::CloseOutcome::ALL
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            match lang {
                Lang::Es => format!(
                    "resultado desconocido «{}»; use: {list}",
                    sanitize(o, Lines::One)
                ),
                Lang::En => format!("unknown outcome “{}”; use: {list}", sanitize(o, Lines::One)),
            }
        }
        (CommandError::UnknownCheckpoint(c), Lang::Es) => {
            format!("etapa desconocida «{}»", sanitize(c, Lines::One))
        }
        (CommandError::UnknownCheckpoint(c), Lang::En) => {
            format!("unknown checkpoint “{}”", sanitize(c, Lines::One))
        }
    }
}

pub fn case_not_visible(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Es => format!("el caso #{id} no está en su vista"),
        Lang::En => format!("case #{id} is not in your view"),
    }
}

pub fn lawyer_ambiguous(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("{n} abogados coinciden; elija en la lista"),
        Lang::En => format!("{n} lawyers match; choose from the list"),
    }
}

pub fn confirm_close(lang: Lang, case_id: u64, outcome: &str) -> String {
    match lang {
        Lang::Es => format!(
            "¿Cerrar el caso #{case_id} como «{outcome}»? Quedará en el registro. (y/s = sí, n = no)"
        ),
        Lang::En => format!(
            "Close case #{case_id} as “{outcome}”? It goes on the record. (y = yes, n = no)"
        ),
    }
}

pub fn stage(lang: Lang, s: Stage) -> &'static str {
    match s {
        Stage::New => lang.pick("nuevas", "new"),
        Stage::Acknowledged => lang.pick("atendidas", "acknowledged"),
        Stage::Detained => lang.pick("detenidos", "detained"),
        Stage::InProceedings => lang.pick("en proceso ante la corte", "in proceedings"),
        Stage::Released => lang.pick("liberados", "released"),
        Stage::RemovalOrdered => lang.pick("orden de salida", "removal ordered"),
        Stage::Appeal => lang.pick("en apelación", "on appeal"),
        Stage::Cancelled => lang.pick("canceladas por el teléfono", "cancelled by phone"),
    }
}

pub fn age_bucket(lang: Lang, i: usize) -> &'static str {
    match i {
        0 => "< 1 h",
        1 => "1–24 h",
        2 => lang.pick("1–7 d", "1–7 d"),
        _ => "> 7 d",
    }
}

/// "BIA en 12 d" / "Board appeal due in 12 d"; "VENCIDO hace 3 h" when missed.
pub fn countdown(lang: Lang, d: &Deadline, now: DateTime<Utc>) -> String {
    let label = casework::deadline(lang, d.kind);
    let secs = (d.due - now).num_seconds();
    if secs < 0 {
        let ago = age(-secs);
        match lang {
            Lang::Es => format!("‼ {label}: VENCIDO hace {ago}"),
            Lang::En => format!("‼ {label}: OVERDUE {ago} ago"),
        }
    } else {
        match lang {
            Lang::Es => format!("{label} en {}", age(secs)),
            Lang::En => format!("{label} in {}", age(secs)),
        }
    }
}

/// The short form for a table cell: "12 d", "‼ -3 h".
pub fn countdown_short(d: &Deadline, now: DateTime<Utc>) -> String {
    let secs = (d.due - now).num_seconds();
    if secs < 0 {
        format!("‼ -{}", age(-secs))
    } else {
        age(secs)
    }
}

/// How a line should look: fine, waiting, or wrong.
pub enum Mood {
    Good,
    Waiting,
    Bad,
}

/// One message to a relative: "✓ alert message delivered 14:02", "⧗ pending: the gateway
/// answered 503", "✕ failed: 410".
pub fn delivery(lang: Lang, d: &Delivery) -> (String, Mood) {
    let about = match d.about {
        NoticeAbout::Alert => lang.pick("aviso de alerta", "alert message"),
        NoticeAbout::Cancel => lang.pick("aviso de cancelación", "cancel message"),
    };
    let reason = d
        .reason
        .as_deref()
        .map(|r| format!(": {}", sanitize(r, Lines::One)))
        .unwrap_or_default();
    let at = d.at.format("%H:%M");
    match d.state {
        DeliveryState::Delivered => (
            format!("✓ {about} {} {at}", lang.pick("entregado", "delivered")),
            Mood::Good,
        ),
        DeliveryState::Pending => (
            format!("⧗ {about} {}{reason}", lang.pick("pendiente", "pending")),
            Mood::Waiting,
        ),
        DeliveryState::Failed => (
            format!("✕ {about} {}{reason}", lang.pick("falló", "failed")),
            Mood::Bad,
        ),
    }
}
