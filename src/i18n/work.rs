//! Strings of the protection work beyond a single case: checklists, facilities and transfers,
//! visit rounds, incidents, the shift handover and the headquarters figures.

use super::Lang;
use crate::domain::checklist::ListKind;

/// A phrase of the protection views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P {
    Checklists,
    NextStep,
    ChecklistDone,
    AtRiskAfterTransfer,
    Facility,
    FieldOffice,
    DistrictOf,
    OfferTransfer,
    CounselAfterMove,
    NotListed,
    HeldHere,
    TabShift,
    Incidents,
    NoIncidents,
    FiguresTitle,
    Loading,
}

pub fn p(lang: Lang, phrase: P) -> &'static str {
    use P::*;
    match phrase {
        Checklists => lang.pick("Listas de verificación", "Checklists"),
        NextStep => lang.pick("siguiente paso", "next step"),
        ChecklistDone => lang.pick("lista completa", "list complete"),
        AtRiskAfterTransfer => lang.pick(
            "Trámites pendientes que el traslado puede afectar (jurisdicción o sede)",
            "Pending matters the move may affect (jurisdiction or venue)",
        ),
        Facility => lang.pick("Centro de detención", "Detention facility"),
        FieldOffice => lang.pick("Oficina de ICE", "ICE field office"),
        DistrictOf => lang.pick("Circunscripción de", "District of"),
        OfferTransfer => lang.pick(
            "el centro está en otra circunscripción: «t» para transferir el caso",
            "the facility lies in another district: press t to transfer the case",
        ),
        CounselAfterMove => lang.pick(
            "Informe al abogado(a) del traslado en 24 horas",
            "Tell counsel of the move within 24 hours",
        ),
        TabShift => lang.pick("Guardia", "Shift"),
        Incidents => lang.pick("Redadas", "Raids"),
        NoIncidents => lang.pick("ninguna redada esta semana", "no raids this week"),
        FiguresTitle => lang.pick(
            "Cifras de los últimos 30 días",
            "Figures of the last 30 days",
        ),
        Loading => lang.pick("cargando…", "loading…"),
        HeldHere => lang.pick(
            "el centro de detención está en su circunscripción",
            "the facility lies in its district",
        ),
        NotListed => lang.pick(
            "— no está en el registro: escribirlo —",
            "— not in the registry: type it in —",
        ),
    }
}

pub fn list_kind(lang: Lang, kind: ListKind) -> &'static str {
    match kind {
        ListKind::Minor => lang.pick("Menor de edad bajo custodia", "Minor in custody"),
        ListKind::Death => lang.pick("Muerte bajo custodia", "Death in custody"),
        ListKind::Injury => lang.pick("Lesión bajo custodia", "Injury in custody"),
        ListKind::Search => lang.pick(
            "Búsqueda de persona no localizada",
            "Search for a person not located",
        ),
    }
}

/// The figures' labels, in the order they are printed: (key in the CSV, Spanish, English).
pub const FIGURES: &[(&str, &str, &str)] = &[
    (
        "people_assisted",
        "Personas asistidas (con consentimiento)",
        "People assisted (consent given)",
    ),
    ("alerts", "Alertas", "Alerts"),
    ("raids", "Redadas detectadas", "Raids detected"),
    (
        "detained_in_raids",
        "Personas detenidas en redadas",
        "People detained in raids",
    ),
    (
        "visits",
        "Visitas a centros de detención",
        "Visits to detention facilities",
    ),
    (
        "advisories",
        "Asesorías de abogados(as)",
        "Lawyers' advisories",
    ),
    ("released", "Personas liberadas", "People released"),
    ("removed", "Personas repatriadas", "People removed"),
    (
        "deaths_in_custody",
        "Muertes bajo custodia",
        "Deaths in custody",
    ),
    ("diplomatic_notes", "Notas diplomáticas", "Diplomatic notes"),
    (
        "not_located",
        "Búsquedas de personas no localizadas",
        "Searches for people not located",
    ),
    (
        "median_ack_minutes",
        "Mediana de alerta a atención (minutos)",
        "Median press to acknowledged (minutes)",
    ),
    (
        "median_notification_hours",
        "Mediana de detención a notificación consular (horas)",
        "Median detention to consular notification (hours)",
    ),
    (
        "median_lawyer_hours",
        "Mediana de detención a abogado(a) asignado(a) (horas)",
        "Median detention to lawyer assigned (hours)",
    ),
    (
        "median_located_hours",
        "Mediana de alerta a persona localizada (horas)",
        "Median alert to person located (hours)",
    ),
];

/// "Cifras del 2026-11-01 al 2026-11-30 · Los Angeles, CA".
pub fn figures_title(lang: Lang, from: &str, to: &str, place: Option<&str>) -> String {
    let place = place.map(|p| format!(" · {p}")).unwrap_or_else(|| {
        lang.pick(" · todos los consulados", " · every consulate")
            .to_string()
    });
    match lang {
        Lang::Es => format!("Cifras del {from} al {to}{place}"),
        Lang::En => format!("Figures from {from} to {to}{place}"),
    }
}

/// Headings of the handover, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H {
    Title,
    OnDuty,
    NextOnDuty,
    ShiftEnds,
    Unattended,
    WithoutLawyer,
    Due,
    Duress,
    NotLocated,
    Transfers,
    Nothing,
    Nobody,
    Outgoing,
    Incoming,
    Overdue,
}

/// "… y 31984 más (guardia handover --all los muestra todos)".
pub fn and_more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("… y {n} más (guardia handover --all los muestra todos)"),
        Lang::En => format!("… and {n} more (guardia handover --all shows them all)"),
    }
}

pub fn h(lang: Lang, what: H) -> &'static str {
    use H::*;
    match what {
        Title => lang.pick("Entrega de guardia", "Shift handover"),
        OnDuty => lang.pick("De guardia ahora", "On duty now"),
        NextOnDuty => lang.pick("Recibe la guardia", "Taking over"),
        ShiftEnds => lang.pick("Fin del turno", "Shift ends"),
        Unattended => lang.pick("Alertas sin atender", "Unattended alerts"),
        WithoutLawyer => lang.pick(
            "Casos abiertos sin abogado(a)",
            "Open cases without a lawyer",
        ),
        Due => lang.pick(
            "Plazos y audiencias en las próximas 24 horas",
            "Deadlines and hearings in the next 24 hours",
        ),
        Duress => lang.pick("Casos bajo coacción", "Cases under duress"),
        NotLocated => lang.pick(
            "Personas no localizadas, desde que se buscan",
            "People not located, since the search began",
        ),
        Transfers => lang.pick("Traslados pendientes", "Pending transfers"),
        Nothing => lang.pick("ninguno", "none"),
        Nobody => lang.pick("nadie según el rol de guardias", "nobody, by the roster"),
        Outgoing => lang.pick("enviado a", "sent to"),
        Incoming => lang.pick("ofrecido por", "offered by"),
        Overdue => lang.pick("VENCIDO", "OVERDUE"),
    }
}

/// The figures' (CSV key, label) in the order they are printed.
pub fn figure_labels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    FIGURES
        .iter()
        .map(|(key, es, en)| (*key, lang.pick(es, en)))
        .collect()
}

/// The question before work that undoes something is sent.
pub fn confirm_undo(lang: Lang, verb: crate::domain::work::WorkVerb, what: &str) -> String {
    use crate::domain::work::WorkVerb as V;
    match (lang, verb) {
        (Lang::Es, V::RemoveShift) => {
            format!("¿Quitar este turno del rol de guardias? {what} · s/n")
        }
        (Lang::En, V::RemoveShift) => format!("Take this shift off the duty roster? {what} · y/n"),
        (Lang::Es, _) => format!("¿Cancelar esta visita planeada? {what} · s/n"),
        (Lang::En, _) => format!("Cancel this planned visit? {what} · y/n"),
    }
}

/// Under a handover list cut short: where the rest are.
pub fn more_in_queue(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => "… y 1 más: véalo en la cola (v cambia la vista)".into(),
        (Lang::Es, _) => format!("… y {n} más: véalos en la cola (v cambia la vista)"),
        (Lang::En, 1) => "… and 1 more: see it in the queue (v changes the view)".into(),
        (Lang::En, _) => format!("… and {n} more: see them in the queue (v changes the view)"),
    }
}

/// How to list a raid's cases, under it in the shift tab.
pub fn raid_cases_hint(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Es => format!(":redada {id} para ver sus casos"),
        Lang::En => format!(":raid {id} to list its cases"),
    }
}

/// "5 alertas · 4 detenidas · 1 liberada · 2 con abogado(a)".
pub fn tally(lang: Lang, alerts: usize, detained: usize, released: usize, lawyer: usize) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    match lang {
        Lang::Es => format!(
            "{alerts} alerta{} · {detained} persona{} detenida{} · {released} liberada{} · \
             {lawyer} con abogado(a)",
            s(alerts),
            s(detained),
            s(detained),
            s(released)
        ),
        Lang::En => format!(
            "{alerts} alert{} · {detained} detained · {released} released · {lawyer} with a lawyer",
            s(alerts)
        ),
    }
}

/// A phrase of the protection work's forms (the `p` menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    Work(crate::domain::work::WorkVerb),
    CasesHint,
    StaffHint,
    InterviewedHint,
    RosterHint,
    WeekdaysHint,
    HoursHint,
    OverrideHint,
    Title,
    PlansTitle,
    NoPlans,
    RosterTitle,
    Planned,
}

pub fn w(lang: Lang, phrase: W) -> &'static str {
    use crate::domain::work::WorkVerb;
    match phrase {
        W::Work(WorkVerb::LogVisit) => lang.pick(
            "Registrar una visita a un centro de detención",
            "Log a visit to a detention facility",
        ),
        W::Work(WorkVerb::PlanVisit) => lang.pick("Programar una visita", "Plan a visit"),
        W::Work(WorkVerb::PostponePlan) => {
            lang.pick("Aplazar una visita programada", "Postpone a planned visit")
        }
        W::Work(WorkVerb::RecordFacility) => lang.pick(
            "Registrar o corregir un lugar de detención",
            "Record or correct a facility",
        ),
        W::Work(WorkVerb::CancelPlan) => {
            lang.pick("Cancelar una visita programada", "Cancel a planned visit")
        }
        W::Work(WorkVerb::OpenIncident) => lang.pick(
            "Agrupar casos en una redada nueva",
            "Group cases into a new raid",
        ),
        W::Work(WorkVerb::AddToIncident) => {
            lang.pick("Añadir casos a una redada", "Add cases to a raid")
        }
        W::Work(WorkVerb::NameIncident) => lang.pick("Nombrar una redada", "Name a raid"),
        W::Work(WorkVerb::SetShift) => lang.pick("Asignar un turno de guardia", "Set a duty shift"),
        W::Work(WorkVerb::RemoveShift) => {
            lang.pick("Quitar un turno de guardia", "Remove a duty shift")
        }
        W::CasesHint => lang.pick(
            "números de caso separados por comas: #12, #15",
            "case numbers separated by commas: #12, #15",
        ),
        W::StaffHint => lang.pick("nombres separados por comas", "names separated by commas"),
        W::InterviewedHint => lang.pick(
            "#12 (un caso) o un número A (A123456789), separados por comas",
            "#12 (a case) or an A-number (A123456789), separated by commas",
        ),
        W::RosterHint => lang.pick(
            "números A de las personas connacionales vistas o en la lista del centro",
            "A-numbers of the nationals seen or on the facility's list",
        ),
        W::WeekdaysHint => lang.pick(
            "rotación semanal: lun-vie, sáb dom, o 1-7",
            "weekly rotation: mon-fri, sat sun, or 1-7",
        ),
        W::HoursHint => lang.pick(
            "duración del turno, de 1 a 24 horas",
            "length of the shift, 1 to 24 hours",
        ),
        W::OverrideHint => lang.pick(
            "solo para una excepción (cubrir un turno o un descanso): desde y hasta",
            "only for an exception (covering or leave): from and to",
        ),
        W::Title => lang.pick("Trabajo de protección", "Protection work"),
        W::PlansTitle => lang.pick("Visitas programadas", "Planned visits"),
        W::NoPlans => lang.pick(
            "ninguna en los próximos 30 días",
            "none in the next 30 days",
        ),
        W::RosterTitle => lang.pick("Rol de guardias", "Duty roster"),
        W::Planned => lang.pick("Programada", "Planned"),
    }
}

/// A shift in words: "lun mar mié jue vie · 08:00 · 8 h", or an override's stretch in the
/// consulate's wall time, marked when it is leave.
pub fn shift_words(lang: Lang, when: &crate::domain::roster::When, zone: chrono_tz::Tz) -> String {
    use crate::domain::roster::When;
    const ES: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match when {
        When::Rotation {
            weekdays,
            start,
            hours,
        } => {
            let days: Vec<&str> = weekdays
                .iter()
                .filter_map(|d| {
                    let i = usize::from(*d).checked_sub(1)?;
                    let names = match lang {
                        Lang::Es => &ES,
                        Lang::En => &EN,
                    };
                    names.get(i).copied()
                })
                .collect();
            format!("{} · {} · {hours} h", days.join(" "), start.format("%H:%M"))
        }
        When::Override { from, to, off } => {
            let at = |t: &chrono::DateTime<chrono::Utc>| crate::domain::time::editable(*t, zone);
            let leave = if *off {
                lang.pick(" · descanso", " · leave")
            } else {
                ""
            };
            format!("{} → {}{leave}", at(from), at(to))
        }
    }
}

/// What a protection task did, once done: "visita cancelada".
pub fn work_done(lang: Lang, task: crate::domain::work::WorkVerb) -> &'static str {
    use crate::domain::work::WorkVerb;
    match task {
        WorkVerb::PlanVisit => lang.pick("visita programada", "visit planned"),
        WorkVerb::PostponePlan => {
            lang.pick("visita programada aplazada", "planned visit postponed")
        }
        WorkVerb::RecordFacility => lang.pick("lugar de detención registrado", "facility recorded"),
        WorkVerb::LogVisit => lang.pick("visita registrada", "visit logged"),
        WorkVerb::CancelPlan => lang.pick("visita programada cancelada", "planned visit cancelled"),
        WorkVerb::OpenIncident => lang.pick("redada creada", "raid created"),
        WorkVerb::AddToIncident => {
            lang.pick("casos añadidos a la redada", "cases added to the raid")
        }
        WorkVerb::NameIncident => lang.pick("redada nombrada", "raid named"),
        WorkVerb::SetShift => lang.pick("turno de guardia asignado", "duty shift set"),
        WorkVerb::RemoveShift => lang.pick("turno de guardia quitado", "duty shift removed"),
    }
}
