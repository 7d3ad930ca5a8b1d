//! Sentences the console composes: notices about actions, refusals, conflicts, the backlog's
//! headings, deadline countdowns.

pub mod keys;
mod notice;
pub mod strip;

use crate::console::records::CommandError;
use crate::console::records::Message;
use crate::console::records::{Pending, PendingState};
use crate::domain::backlog::Stage;
use crate::domain::case::Delivery;
use crate::domain::command::{Act, Conflict, Refusal, Verb};
use crate::domain::deadline::Deadline;
use crate::domain::event::{Actor, DeliveryState, NoticeAbout};
use crate::domain::sanitize::{Lines, sanitize};
use crate::domain::validate::FieldCode;
use crate::i18n::{Lang, age, casework, event};
use chrono::{DateTime, Utc};
pub use notice::notice;

pub fn actor(lang: Lang, actor: &Actor) -> String {
    match actor {
        Actor::Phone => lang.pick("teléfono", "phone").into(),
        Actor::Hub => lang.pick("sistema", "system").into(),
        Actor::Operator => lang
            .pick("administración del servidor", "server operator")
            .into(),
        Actor::Staff { name, .. } => sanitize(name, Lines::One),
    }
}

/// Why the rule book said no, in the operator's words.
pub fn refusal(lang: Lang, r: &Refusal) -> String {
    match r {
        Refusal::RoleMayNot(_) => lang
            .pick(
                "su rol no permite esta acción",
                "your role does not allow this",
            )
            .into(),
        Refusal::NotYours(Act::Case(Verb::AcceptTransfer | Verb::DeclineTransfer)) => lang
            .pick(
                "solo el consulado que recibe el caso puede aceptarlo o rechazarlo",
                "only the consulate receiving the case may accept or decline it",
            )
            .into(),
        Refusal::NotYours(_) => lang
            .pick(
                "esta acción no le corresponde en este caso",
                "this action is not yours to take on this case",
            )
            .into(),
        Refusal::NotVisible => lang
            .pick(
                "el caso no está a su alcance",
                "the case is not in your scope",
            )
            .into(),
        Refusal::AcceptFirst => lang
            .pick(
                "el caso se ofreció a su consulado: acéptelo (A) antes de actuar",
                "the case is offered to your consulate: accept it (A) before acting",
            )
            .into(),
        Refusal::Conflict(c) => conflict(lang, *c).into(),
        Refusal::Changed(by) => changed(lang, by),
        Refusal::Invalid(e) => field_problem(lang, &e.field, e.code, ""),
    }
}

pub fn conflict(lang: Lang, c: Conflict) -> &'static str {
    match c {
        Conflict::Stale => lang.pick(
            "alguien actuó antes sobre el caso",
            "someone acted on the case first",
        ),
        Conflict::Closed => lang.pick(
            "el caso está cerrado; un(a) supervisor(a) puede reabrirlo",
            "the case is closed; a supervisor may reopen it",
        ),
        Conflict::NotClosed => lang.pick("el caso no está cerrado", "the case is not closed"),
        Conflict::NoTransfer => lang.pick(
            "no hay traslado ni oferta pendiente",
            "no transfer or offer is pending",
        ),
        Conflict::AlreadyAcknowledged => lang.pick(
            "el caso ya fue atendido",
            "the case is already acknowledged",
        ),
        Conflict::AlreadyAssigned => lang.pick(
            "el caso ya está asignado a esa persona",
            "the case is already assigned to that lawyer",
        ),
        Conflict::AlreadyHere => lang.pick(
            "el caso ya está en ese consulado",
            "the case is already with that consulate",
        ),
        Conflict::OpenElsewhere => lang.pick(
            "esta persona tiene un caso abierto en otro consulado; comuníquese con ese consulado",
            "this person has an open case with another consulate; call that consulate",
        ),
        Conflict::PlanNotOpen => lang.pick(
            "esa visita ya se realizó o se canceló",
            "that visit was already made or cancelled",
        ),
    }
}

/// What is wrong with a field: its label and the rule it broke. Written so that the label's
/// gender never has to agree with anything ("Autoridad: dato obligatorio").
pub fn field_problem(lang: Lang, field: &str, code: FieldCode, hint: &str) -> String {
    let name = field.trim_start_matches("fields.");
    let label = casework::word(lang, name);
    let rule = match code {
        FieldCode::Required => lang.pick("dato obligatorio", "required"),
        FieldCode::InvalidFormat => lang.pick("formato no válido", "not written as expected"),
        FieldCode::InFuture => {
            lang.pick("no puede ser una fecha futura", "cannot be in the future")
        }
        FieldCode::UnknownValue => lang.pick("valor no reconocido", "not a value it accepts"),
        FieldCode::TooLong => lang.pick("texto demasiado extenso", "too long"),
        FieldCode::OutOfRange => lang.pick("fuera del rango permitido", "out of range"),
    };
    let expected = lang.pick("se espera", "expected");
    match (code, hint.is_empty()) {
        (FieldCode::InvalidFormat | FieldCode::UnknownValue, false) => {
            format!("{label}: {rule} ({expected}: {hint})")
        }
        _ => format!("{label}: {rule}"),
    }
}

/// A consent in one word or two, for counts and titles.
pub fn consent_short(lang: Lang, c: crate::domain::triage::Consent) -> &'static str {
    use crate::domain::triage::Consent as C;
    match c {
        C::Accepted => lang.pick("acepta", "accepts"),
        C::Declined => lang.pick("rechaza", "declines"),
        C::Unknown => lang.pick("sin definir", "unknown"),
    }
}

/// "Consentimiento: acepta 3 · rechaza 1 · sin definir 0 · sin triaje 22".
pub fn consent_counts(
    lang: Lang,
    by: &[(crate::domain::triage::Consent, usize)],
    untriaged: usize,
) -> String {
    let mut parts: Vec<String> = by
        .iter()
        .map(|(c, n)| format!("{} {n}", consent_short(lang, *c)))
        .collect();
    parts.push(format!(
        "{} {untriaged}",
        lang.pick("sin triaje", "not triaged")
    ));
    format!(
        "{}: {}",
        lang.pick("Consentimiento", "Consent"),
        parts.join(" · ")
    )
}

/// "Cerrados: 5 (protección rechazada: 1)".
/// The console holds the cases closed in the last day (older ones stay on the hub, and
/// `guardia backlog` counts them all): its count says so.
/// The backlog's list title when the screen is too small for the breakdowns.
pub fn backlog_elsewhere(lang: Lang) -> &'static str {
    lang.pick(
        "por etapa y antigüedad: agrande la ventana o use guardia report backlog",
        "by stage and age: enlarge the window or run guardia report backlog",
    )
}

pub fn closed_counts(lang: Lang, closed: usize, declined: usize) -> String {
    match lang {
        Lang::Es => {
            format!("Cerrados en las últimas 24 h: {closed} (protección rechazada: {declined})")
        }
        Lang::En => format!("Closed in the last 24 h: {closed} (protection declined: {declined})"),
    }
}

/// The header's warning when the staff token is about to stop working.
pub fn token_expiring(lang: Lang, days: i64) -> String {
    match (lang, days) {
        (Lang::Es, 0) => "⚠ su clave de acceso vence hoy: pida una nueva".into(),
        (Lang::Es, 1) => "⚠ su clave de acceso vence en 1 día: pida una nueva".into(),
        (Lang::Es, d) => format!("⚠ su clave de acceso vence en {d} días: pida una nueva"),
        (Lang::En, 0) => "⚠ your access token expires today: ask for a new one".into(),
        (Lang::En, 1) => "⚠ your access token expires in 1 day: ask for a new one".into(),
        (Lang::En, d) => format!("⚠ your access token expires in {d} days: ask for a new one"),
    }
}

/// Beside a caller candidate whose open case another consulate holds.
pub fn open_elsewhere(lang: Lang, consulate: &str) -> String {
    let consulate = sanitize(consulate, Lines::One);
    match lang {
        Lang::Es => format!("caso abierto en {consulate}: llame a ese consulado"),
        Lang::En => format!("open case with {consulate}: call that consulate"),
    }
}

/// "última ubicación hace 2 min", "last position 2 min ago".
pub fn last_fix(lang: Lang, age: &str) -> String {
    match lang {
        Lang::Es => format!("última ubicación hace {age}"),
        Lang::En => format!("last position {age} ago"),
    }
}

pub fn map_title(lang: Lang) -> &'static str {
    lang.pick("Mapa", "Map")
}

/// The hint under a time field: the format, and that the clock is the consulate's.
pub fn local_time_hint(lang: Lang, place: &str) -> String {
    match lang {
        Lang::Es => format!("AAAA-MM-DD HH:MM, hora local de {place}"),
        Lang::En => format!("YYYY-MM-DD HH:MM, local time in {place}"),
    }
}

/// The status line's message, rendered when drawn.
pub fn message(lang: Lang, m: &Message) -> String {
    use crate::i18n::{Text, t};
    match m {
        Message::Sending { case_id, kind } => {
            format!(
                "#{case_id} · {} · {}",
                event(lang, *kind),
                t(lang, Text::Sending)
            )
        }
        Message::SendingWork(task) => format!(
            "{} · {}",
            crate::i18n::work::w(lang, crate::i18n::work::W::Work(*task)),
            t(lang, Text::Sending)
        ),
        Message::WorkRefused { task, refusal: r } => format!(
            "{}: {}",
            crate::i18n::work::w(lang, crate::i18n::work::W::Work(*task)),
            refusal(lang, r)
        ),
        Message::NotPermitted => t(lang, Text::NotPermitted).into(),
        Message::NoCaseSelected => t(lang, Text::NoCaseSelected).into(),
        Message::Refused {
            case_id,
            refusal: r,
        } => format!("#{case_id}: {}", refusal(lang, r)),
        Message::Command(e) => command_error(lang, e),
        Message::CaseNotVisible(id) => case_not_visible(lang, *id),
        Message::LawyersNotLoaded => t(lang, Text::LawyersNotLoaded).into(),
        Message::LawyerAmbiguous(n) => lawyer_ambiguous(lang, *n),
        Message::LookingUpCaller => t(lang, Text::LookingUpCaller).into(),
        Message::ConfirmBulk { n, duress } => strip::confirm_bulk(lang, *n, *duress),
        Message::BulkSent { n, duress } => strip::bulk_sent(lang, *n, *duress),
        Message::NothingToAcknowledge { duress } => strip::nothing_to_acknowledge(lang, *duress),
        Message::ChooseAmong(n, words) => match lang {
            Lang::Es => format!(
                "{n} etapas coinciden con «{}»: elija una",
                sanitize(words, Lines::One)
            ),
            Lang::En => format!(
                "{n} checkpoints fit “{}”: choose one",
                sanitize(words, Lines::One)
            ),
        },
        Message::NothingDone => lang.pick("No se hizo nada", "Nothing was done").into(),
        Message::RaidUnknown(id) => match lang {
            Lang::Es => format!(
                "No tengo la redada #{id}: la pido al servidor; vea la pestaña Guardia e intente de nuevo"
            ),
            Lang::En => {
                format!(
                    "Raid #{id} is not known here: asking the hub; see the Shift tab and try again"
                )
            }
        },
        Message::QuitWithWaiting(n) => strip::quit_with_waiting(lang, *n),
        Message::QuitDraftKept => lang
            .pick(
                "Lo escrito quedó guardado como borrador. ¿Salir? q para salir, cualquier otra tecla para seguir",
                "What was typed is kept as a draft. Quit? q to quit, any other key to stay",
            )
            .into(),
        Message::NoClusters => lang
            .pick(
                "No hay grupos de alertas: 3 o más a menos de 2 km en 10 min",
                "No alert clusters: 3 or more within 2 km in 10 min",
            )
            .into(),
        Message::DraftKept => lang
            .pick(
                "Lo escrito se guardó como borrador: al abrir de nuevo el formulario, ahí estará",
                "What was typed is kept as a draft: it will be there when the form opens again",
            )
            .into(),
        Message::DraftRestored => lang
            .pick(
                "Borrador recuperado · Ctrl-D para descartarlo",
                "Draft restored · Ctrl-D to discard it",
            )
            .into(),
        Message::DraftDiscarded => lang.pick("Borrador descartado", "Draft discarded").into(),
        Message::NothingToEdit => lang
            .pick(
                "Esta acción no tiene formulario; solo puede descartarse (d)",
                "This action has no form; it can only be dismissed (d)",
            )
            .into(),
        Message::Surge {
            enrollments,
            network,
            count,
        } => {
            let network = sanitize(network, Lines::One);
            match (lang, enrollments) {
                (Lang::Es, true) => format!(
                    "‼ oleada: {count} registros de teléfonos desde la red {network} en un minuto"
                ),
                (Lang::Es, false) => {
                    format!("‼ oleada: {count} alertas desde la red {network} en un minuto")
                }
                (Lang::En, true) => {
                    format!("‼ surge: {count} phone enrollments from network {network} in a minute")
                }
                (Lang::En, false) => {
                    format!("‼ surge: {count} alerts from network {network} in a minute")
                }
            }
        }
    }
}

/// What changed a case in the way of an action, and by whom.
pub fn changed(lang: Lang, by: &crate::domain::command::ChangedBy) -> String {
    let who = actor(lang, &by.actor);
    let what = event(lang, by.kind);
    match lang {
        Lang::Es => format!("después de que usted vio el caso: {what} ({who})"),
        Lang::En => format!("after you saw the case: {what} ({who})"),
    }
}

/// What happened to a refused action, in words: the hub's reason and, when the case changed,
/// the last thing done to it and by whom.
pub fn refused(lang: Lang, p: &Pending, now: DateTime<Utc>) -> String {
    let PendingState::Refused {
        status,
        case,
        reason,
        field,
        changed: by,
        ..
    } = &p.state
    else {
        return String::new();
    };
    let head = match &p.request {
        crate::domain::command::Request::Work(w) => {
            use crate::i18n::work::{W, w as phrase};
            phrase(lang, W::Work(w.verb())).to_string()
        }
        _ => format!("#{} · {}", p.case_id, event(lang, p.request.appends())),
    };
    let last = case.as_ref().and_then(|c| c.last_entry()).map(|e| {
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
    if let Some(by) = by {
        let choose = lang.pick(
            "f: enviar de todos modos · e: revisar",
            "f: send anyway · e: review",
        );
        return format!("{head}: {} — {choose}", changed(lang, by));
    }
    // The hub's codes, never its words: what stood in the way, or which field was wrong.
    let why = match (status, reason, field) {
        (_, Some(c), _) => conflict(lang, *c),
        (_, _, Some(f)) => return format!("{head}: {}", field_problem(lang, &f.name, f.code, "")),
        // Protection work: a plan, an incident or a shift rather than a case.
        (409, ..) if p.case_id == 0 => lang.pick(
            "ya se había realizado o cancelado",
            "already carried out or cancelled",
        ),
        (404, ..) if p.case_id == 0 => lang.pick(
            "ya no existe o no está a su alcance",
            "no longer exists or is not in your scope",
        ),
        (409, ..) => lang.pick(
            "el caso cambió antes de que llegara",
            "the case changed before it arrived",
        ),
        (404, ..) => lang.pick(
            "el caso ya no está a su alcance",
            "the case is no longer in your scope",
        ),
        (403 | 401, ..) => lang.pick("sin permiso", "not permitted"),
        _ => lang.pick("datos no aceptados", "not accepted"),
    };
    // The hub's message stays in the outbox file for the record; the screen shows the codes.
    match last {
        Some(l) => format!("{head}: {why} — {l}"),
        None => format!("{head}: {why}"),
    }
}

/// The `:` line's help: the orders this person's role may give, and no others.
pub fn command_help(lang: Lang, role: Option<crate::domain::staff::Role>) -> String {
    use crate::domain::command::role_may;
    let mut parts = vec![lang.pick("N (abrir)", "N (open)").to_string()];
    let Some(role) = role else {
        return parts.join(" · ");
    };
    let verbs: [(Verb, &str, &str); 9] = [
        (Verb::Acknowledge, "atender N", "ack N"),
        (Verb::Assign, "asignar N abogado", "assign N lawyer"),
        (Verb::Checkpoint, "etapa N [etapa]", "checkpoint N [type]"),
        (Verb::Note, "nota N texto", "note N text"),
        (
            Verb::Triage,
            "triaje N consentimiento intención materia",
            "triage N consent intent matter",
        ),
        (
            Verb::Close,
            "cerrar N resultado [nota]",
            "close N outcome [note]",
        ),
        (Verb::AcceptTransfer, "aceptar N", "accept N"),
        (
            Verb::DeclineTransfer,
            "rechazar N motivo",
            "decline N reason",
        ),
        (Verb::Reopen, "reabrir N motivo", "reopen N reason"),
    ];
    for (verb, es, en) in verbs {
        if role_may(role, verb) {
            parts.push(lang.pick(es, en).to_string());
        }
    }
    if role_may(role, Verb::Intake) {
        parts.push(lang.pick("llamada N [texto]", "call N [text]").to_string());
    }
    if matches!(
        role,
        crate::domain::staff::Role::Officer | crate::domain::staff::Role::Supervisor
    ) {
        parts.push(lang.pick("redada N", "raid N").to_string());
    }
    parts.join(" · ")
}

pub fn command_error(lang: Lang, e: &CommandError) -> String {
    match (e, lang) {
        (CommandError::Empty, _) => lang
            .pick(
                "la orden está vacía: escriba un número de caso o una orden",
                "the line is empty: type a case number or an order",
            )
            .into(),
        (CommandError::UnknownVerb(v), Lang::Es) => {
            format!("no conozco «{}»", sanitize(v, Lines::One))
        }
        (CommandError::UnknownVerb(v), Lang::En) => {
            format!("unknown verb “{}”", sanitize(v, Lines::One))
        }
        (CommandError::CaseNumber, Lang::Es) => "falta el número de caso".into(),
        (CommandError::CaseNumber, Lang::En) => "the case number is missing".into(),
        (CommandError::Missing(what), Lang::Es) => format!("falta: {}", casework::word(lang, what)),
        (CommandError::Missing(what), Lang::En) => {
            format!("missing: {}", casework::word(lang, what).to_lowercase())
        }
        (CommandError::UnknownOutcome(o), _) => {
            let list = crate::domain::checkpoint::CloseOutcome::ALL
                .iter()
                .map(|o| casework::outcome(lang, *o).replace(' ', "-"))
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
        (CommandError::UnknownChoice(what, word), Lang::Es) => format!(
            "{}: «{}» no es un valor reconocido",
            casework::word(lang, what),
            sanitize(word, Lines::One)
        ),
        (CommandError::UnknownChoice(what, word), Lang::En) => format!(
            "{}: “{}” is not one of its values",
            casework::word(lang, what),
            sanitize(word, Lines::One)
        ),
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

/// A stage as it follows its count ("1 atendido", "3 atendidos"): the counted thing is always
/// the case, and "sin atender" is the same words the counts strip and the status column use.
pub fn stage(lang: Lang, s: Stage, n: usize) -> &'static str {
    let one = n == 1;
    match (lang, s) {
        (Lang::Es, Stage::New) => "sin atender",
        (Lang::Es, Stage::Acknowledged) if one => "atendido",
        (Lang::Es, Stage::Acknowledged) => "atendidos",
        (Lang::Es, Stage::Detained) => "con detención confirmada",
        (Lang::Es, Stage::InProceedings) => "en proceso ante la corte",
        (Lang::Es, Stage::Released) => "en libertad",
        (Lang::Es, Stage::RemovalOrdered) => "con orden de salida",
        (Lang::Es, Stage::Appeal) => "en apelación",
        (Lang::Es, Stage::Cancelled) if one => "cancelado desde el teléfono",
        (Lang::Es, Stage::Cancelled) => "cancelados desde el teléfono",
        (Lang::En, Stage::New) => "unattended",
        (Lang::En, Stage::Acknowledged) => "acknowledged",
        (Lang::En, Stage::Detained) => "detained",
        (Lang::En, Stage::InProceedings) => "in proceedings",
        (Lang::En, Stage::Released) => "released",
        (Lang::En, Stage::RemovalOrdered) => "removal ordered",
        (Lang::En, Stage::Appeal) => "on appeal",
        (Lang::En, Stage::Cancelled) => "cancelled by phone",
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

/// When a deadline ends, in the operator's words. A moment (a hearing) is read in the person's
/// zone with UTC beside it; a deadline on a day says whose midnight ends it: "hasta las 23:59
/// del 2026-12-20, hora de Los Angeles, CA". `place` names the person's consulate.
pub fn due_words(lang: Lang, d: &Deadline, person: chrono_tz::Tz, place: &str) -> String {
    use crate::domain::deadline::DayEnd;
    let Some(end) = d.day_end else {
        return crate::domain::time::local_and_utc(d.due, person);
    };
    let day = d
        .due
        .with_timezone(&end.zone(person))
        .format("%Y-%m-%d")
        .to_string();
    let whose = match end {
        DayEnd::Board => lang.pick(
            "Falls Church, VA (sede de la BIA)",
            "Falls Church, VA (the Board's seat)",
        ),
        DayEnd::Person => place,
    };
    match lang {
        Lang::Es => format!("hasta las 23:59 del {day}, hora de {whose}"),
        Lang::En => format!("by 23:59 on {day}, {whose} time"),
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
/// Why a relative's message did not go, in words.
pub fn failure(lang: Lang, class: crate::domain::event::FailureClass) -> &'static str {
    use crate::domain::event::FailureClass as F;
    match class {
        F::Timeout => lang.pick("la pasarela no respondió a tiempo", "the gateway timed out"),
        F::Refused => lang.pick(
            "la pasarela no está disponible",
            "the gateway is unreachable",
        ),
        F::Tls => lang.pick("conexión segura fallida", "secure connection failed"),
        F::BlockedAddress => lang.pick(
            "dirección bloqueada por seguridad",
            "address blocked for safety",
        ),
        F::Gone => lang.pick("el destino ya no existe", "the target is gone"),
        F::Http4xx => lang.pick("la pasarela rechazó el mensaje", "the gateway refused it"),
        F::Http5xx => lang.pick("error en la pasarela", "the gateway failed"),
        F::BadUrl => lang.pick("dirección de pasarela no válida", "bad gateway address"),
        F::Expired => lang.pick("se agotaron los reintentos", "retries ran out"),
        F::Other => lang.pick("error de envío", "send error"),
    }
}

pub fn delivery(lang: Lang, d: &Delivery, zone: chrono_tz::Tz) -> (String, Mood) {
    let about = match d.about {
        NoticeAbout::Alert => lang.pick("aviso de alerta", "alert message"),
        NoticeAbout::Cancel => lang.pick("aviso de cancelación", "cancel message"),
    };
    let reason = match (&d.failure, &d.reason) {
        (Some(f), _) => format!(
            ": {} ({})",
            failure(lang, f.class),
            sanitize(&f.host, Lines::One)
        ),
        (None, Some(r)) => format!(": {}", sanitize(r, Lines::One)),
        (None, None) => String::new(),
    };
    // The same clock as the rest of the detail: the consulate's, with its zone named.
    let at = d.at.with_timezone(&zone).format("%H:%M %Z");
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

#[cfg(test)]
mod agreement_tests;
