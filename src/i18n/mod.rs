//! Every user-facing string of the console, in Spanish and English, in one place.
//!
//! Each text is a pair `(es, en)` chosen by [`Lang`]; formatted texts are functions here too, so
//! that word order can differ between the languages.

pub mod admin;
pub mod appointments;
pub mod casework;
pub mod cli;
mod cli_es;
pub mod jurisdiction;
pub mod record;
pub mod work;

use crate::domain::alert::{AlertKind, CancelReason};
use crate::domain::case::CaseStatus;
use crate::domain::event::EventKind;
use crate::domain::registrant::Flag;
use crate::domain::staff::Role;
use crate::domain::urgency::{Reason, Tier};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    /// `"es"`/`"en"` from the config, else the system locale; Spanish unless it says English,
    /// since consular staff work in Spanish.
    pub fn resolve(configured: &str, locale: Option<&str>) -> Lang {
        let pick = |s: &str| {
            if s.to_ascii_lowercase().starts_with("en") {
                Lang::En
            } else {
                Lang::Es
            }
        };
        match configured.trim() {
            "" => locale.map(pick).unwrap_or(Lang::Es),
            other => pick(other),
        }
    }

    /// `es` or `en`, as written in a record (an export's seal).
    pub fn code(self) -> &'static str {
        self.pick("es", "en")
    }

    /// The language a record names by its code.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub(crate) fn pick(self, es: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }

    /// [`Lang::pick`] for names read from data (a court's name in each language).
    pub(crate) fn pick_of<'a>(self, es: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

/// Fixed texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    Live,
    Connecting,
    Reconnecting,
    Refused,
    NoEventsYet,
    ColUrgency,
    ColAge,
    ColKind,
    ColName,
    ColFlags,
    ColDistance,
    ColStatus,
    ColCase,
    QueueTitle,
    DetailTitle,
    NoSelection,
    EmptyQueue,
    Profile,
    Born,
    ConsularId,
    Phone,
    Language,
    Flags,
    NoFlags,
    Relatives,
    NoRelatives,
    Location,
    Accuracy,
    FromConsulate,
    Pressed,
    CallTaken,
    Timeline,
    Help,
    HelpTitle,
    HelpClose,
    Filter,
    SortedBy,
    SortUrgency,
    SortProximity,
    SortAge,
    National,
    Keys,
    ByPhone,
    ByHub,
    TabQueue,
    TabMyCases,
    TabBacklog,
    AcknowledgedBy,
    NotAcknowledged,
    Lawyer,
    NoLawyer,
    Deadlines,
    Checkpoints,
    Notes,
    ClosedAs,
    Overdue,
    ColDue,
    ColLawyer,
    StatusNew,
    StatusAcknowledged,
    Waiting,
    RefusedReview,
    FormAssign,
    FormCheckpoint,
    FormNote,
    FormClose,
    FormReopen,
    FormTransfer,
    StatusTransfer,
    FormIntake,
    FormCallMore,
    CallNewAlert,
    CallJoined,
    PhoneIntake,
    NoCoordinates,
    Unknown,
    Presses,
    Trail,
    RelativeMessages,
    TransferPending,
    Escalated,
    OfferedTo,
    Loading,
    /// What is left of a person whose personal data retention erased.
    Erased,
    NoMatches,
    NoneOfThem,
    ByConsent,
    Closed,
    ClosedDeclined,
    FormDecline,
    DateFormat,
    DateTimeFormat,
    PickWithArrows,
    LookingUpCaller,
    TriageTitle,
    NoTriage,
    CommandPrompt,
    NotPermitted,
    NoCaseSelected,
    LawyersNotLoaded,
    ByStage,
    ByAge,
    OverdueUnacknowledged,
    WithoutLawyer,
    DeadlinesWeek,
    LawyerLoad,
    PerConsulate,
    Attention,
    NothingHere,
    RefusalsTitle,
    NoRefusals,
    Sending,
}

/// Lower case without accents, for matching what people type ("Beltran" finds "Beltrán").
pub use crate::domain::search::fold;

pub fn t(lang: Lang, text: Text) -> &'static str {
    use Text::*;
    match text {
        AppName => "Guardia",
        Live => lang.pick("EN VIVO", "LIVE"),
        Connecting => lang.pick("CONECTANDO", "CONNECTING"),
        Reconnecting => lang.pick("RECONECTANDO", "RECONNECTING"),
        Refused => lang.pick("SIN ACCESO", "ACCESS DENIED"),
        NoEventsYet => lang.pick("sin eventos aún", "no events yet"),
        ColUrgency => lang.pick("Urgencia", "Urgency"),
        ColAge => lang.pick("Hace", "Age"),
        ColKind => lang.pick("Tipo", "Kind"),
        ColName => lang.pick("Nombre", "Name"),
        ColFlags => lang.pick("Vulner.", "Flags"),
        ColDistance => lang.pick("Dist.", "Dist."),
        ColStatus => lang.pick("Estado", "Status"),
        ColCase => lang.pick("Caso", "Case"),
        QueueTitle => lang.pick("Alertas", "Alerts"),
        DetailTitle => lang.pick("Detalle", "Detail"),
        NoSelection => lang.pick("Seleccione una alerta.", "Select an alert."),
        EmptyQueue => lang.pick(
            "Sin alertas. La consola sigue escuchando.",
            "No alerts. The console keeps listening.",
        ),
        Profile => lang.pick("Persona", "Person"),
        Born => lang.pick("Nacimiento", "Born"),
        ConsularId => lang.pick("Matrícula/pasaporte", "Consular ID/passport"),
        Phone => lang.pick("Teléfono", "Phone"),
        Language => lang.pick("Idioma", "Language"),
        Flags => lang.pick("Vulnerabilidad", "Vulnerability"),
        NoFlags => lang.pick("ninguna registrada", "none recorded"),
        Relatives => lang.pick("Familiares", "Relatives"),
        NoRelatives => lang.pick("ninguno registrado", "none on file"),
        Location => lang.pick("Ubicación", "Location"),
        Accuracy => lang.pick("precisión", "accuracy"),
        FromConsulate => lang.pick("del consulado", "from the consulate"),
        Pressed => lang.pick("Botón presionado", "Button pressed"),
        CallTaken => lang.pick("Llamada recibida", "Call taken"),
        Timeline => lang.pick("Historial", "Timeline"),
        Help => lang.pick("ayuda", "help"),
        HelpTitle => lang.pick("Teclas", "Keys"),
        HelpClose => lang.pick("Esc o ? para cerrar", "Esc or ? to close"),
        Filter => lang.pick("Filtro", "Filter"),
        SortedBy => lang.pick("orden", "order"),
        SortUrgency => lang.pick("urgencia", "urgency"),
        SortProximity => lang.pick("cercanía", "proximity"),
        SortAge => lang.pick("antigüedad", "age"),
        National => lang.pick("Nacional", "National"),
        Keys => lang.pick("Teclas", "Keys"),
        ByPhone => lang.pick("teléfono", "phone"),
        ByHub => lang.pick("sistema", "system"),
        TabQueue => lang.pick("Cola", "Queue"),
        TabMyCases => lang.pick("Mis casos", "My cases"),
        TabBacklog => lang.pick("Pendientes", "Backlog"),
        AcknowledgedBy => lang.pick("Atendida por", "Acknowledged by"),
        NotAcknowledged => lang.pick("sin atender", "not acknowledged"),
        Lawyer => lang.pick("Abogado(a)", "Lawyer"),
        NoLawyer => lang.pick("sin asignar", "unassigned"),
        Deadlines => lang.pick("Plazos", "Deadlines"),
        Checkpoints => lang.pick("Debido proceso", "Due process"),
        Notes => lang.pick("Notas", "Notes"),
        ClosedAs => lang.pick("Cerrado como", "Closed as"),
        Overdue => lang.pick("VENCIDO", "OVERDUE"),
        ColDue => lang.pick("Plazo", "Due"),
        ColLawyer => lang.pick("Abogado", "Lawyer"),
        StatusNew => lang.pick("sin atender", "new"),
        StatusAcknowledged => lang.pick("atendida", "ack'd"),
        Waiting => lang.pick("por enviar", "waiting to send"),
        RefusedReview => lang.pick("rechazadas (! para ver)", "refused (! to review)"),
        FormAssign => lang.pick("Asignar abogado(a)", "Assign a lawyer"),
        FormCheckpoint => lang.pick("Registrar etapa", "Log a checkpoint"),
        FormNote => lang.pick("Agregar nota", "Add a note"),
        FormClose => lang.pick("Cerrar caso", "Close case"),
        FormReopen => lang.pick("Reabrir caso: motivo", "Reopen case: reason"),
        FormTransfer => lang.pick(
            "Trasladar a otro consulado",
            "Transfer to another consulate",
        ),
        Unknown => lang.pick("sin dato", "unknown"),
        StatusTransfer => lang.pick("en traslado", "in transfer"),
        FormIntake => lang.pick(
            "Llamada al centro de atención: nueva alerta",
            "Call-center intake: new alert",
        ),
        CallNewAlert => lang.pick(
            "llamada al centro de atención: alerta nueva",
            "call to the call center: new alert",
        ),
        CallJoined => lang.pick("llamada al centro de atención", "call to the call center"),
        FormCallMore => lang.pick(
            "Llamada al centro de atención: lo que la persona dice ahora",
            "Call-center intake: what the caller says now",
        ),
        PhoneIntake => lang.pick("Recibida por teléfono", "Taken by phone"),
        NoCoordinates => lang.pick("sin coordenadas; lugar dado", "no coordinates; place given"),
        Presses => lang.pick("Veces presionado", "Times pressed"),
        Trail => lang.pick("Recorrido", "Trail"),
        RelativeMessages => lang.pick("Avisos a familiares", "Messages to relatives"),
        TransferPending => lang.pick("Traslado pendiente a", "Transfer pending to"),
        Escalated => lang.pick("Escalada", "Escalated"),
        OfferedTo => lang.pick("ofrecida a", "offered to"),
        Loading => lang.pick("cargando…", "loading…"),
        Erased => lang.pick("[datos eliminados]", "[data erased]"),
        NoMatches => lang.pick("sin coincidencias", "no matches"),
        NoneOfThem => lang.pick(
            "Ninguna de estas personas (caso nuevo sin datos de registro)",
            "None of these people (a new case, no enrolled data)",
        ),
        DateFormat => lang.pick("AAAA-MM-DD", "YYYY-MM-DD"),
        ByConsent => lang.pick("Abiertos por consentimiento", "Open, by consent"),
        Closed => lang.pick("Cerrados", "Closed"),
        ClosedDeclined => lang.pick(
            "de ellos, con la protección rechazada",
            "of them, protection declined",
        ),
        FormDecline => lang.pick("Rechazar el traslado", "Decline the transfer"),
        DateTimeFormat => lang.pick("AAAA-MM-DD HH:MM (UTC)", "YYYY-MM-DD HH:MM (UTC)"),
        PickWithArrows => lang.pick("↑/↓ para elegir, o escriba", "↑/↓ to pick, or type"),
        LookingUpCaller => lang.pick(
            "buscando personas registradas con ese teléfono…",
            "looking for enrolled people with that phone…",
        ),
        TriageTitle => lang.pick("Triaje", "Triage"),
        NoTriage => lang.pick("sin triaje todavía", "not triaged yet"),
        CommandPrompt => ":",
        NotPermitted => lang.pick(
            "su rol no permite esta acción",
            "your role does not allow this",
        ),
        NoCaseSelected => lang.pick("seleccione un caso primero", "select a case first"),
        LawyersNotLoaded => lang.pick(
            "la lista de abogados aún no llega; intente de nuevo",
            "the lawyers' list has not arrived yet; try again",
        ),
        ByStage => lang.pick("Por etapa", "By stage"),
        ByAge => lang.pick("Por antigüedad", "By age"),
        OverdueUnacknowledged => lang.pick("Sin atender fuera de plazo", "Unattended too long"),
        WithoutLawyer => lang.pick("Sin abogado", "Without a lawyer"),
        DeadlinesWeek => lang.pick("Plazos en 7 días", "Deadlines in 7 days"),
        LawyerLoad => lang.pick("Carga de abogados", "Lawyer load"),
        PerConsulate => lang.pick(
            "Por consulado (abiertos · sin atender · sin abogado)",
            "By consulate (open · unattended · without lawyer)",
        ),
        Attention => lang.pick(
            "Requieren atención (Enter abre)",
            "Needs attention (Enter opens)",
        ),
        NothingHere => lang.pick("nada pendiente", "nothing pending"),
        RefusalsTitle => lang.pick(
            "Acciones rechazadas por el servidor",
            "Actions the hub refused",
        ),
        NoRefusals => lang.pick("ninguna", "none"),
        Sending => lang.pick("enviando…", "sending…"),
    }
}

/// Severity is told by symbol and word, never by colour alone.
pub fn tier(lang: Lang, tier: Tier) -> (&'static str, &'static str) {
    match tier {
        Tier::Critical => ("‼", lang.pick("CRÍTICA", "CRITICAL")),
        Tier::High => ("▲", lang.pick("ALTA", "HIGH")),
        Tier::Elevated => ("△", lang.pick("MEDIA", "ELEVATED")),
        Tier::Routine => ("·", lang.pick("NORMAL", "ROUTINE")),
        Tier::Resolved => ("✓", lang.pick("RESUELTA", "RESOLVED")),
    }
}

pub fn kind(lang: Lang, kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Imminent => lang.pick("inminente", "imminent"),
        AlertKind::Detained => lang.pick("detención", "detained"),
        AlertKind::AppointmentMissed => lang.pick("no salió de su cita", "missed check-out"),
    }
}

/// The kind as the queue's narrow column shows it (nine cells).
pub fn kind_column(lang: Lang, k: AlertKind) -> &'static str {
    match k {
        AlertKind::AppointmentMissed => lang.pick("no salió", "not out"),
        other => kind(lang, other),
    }
}

pub fn status(lang: Lang, status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => lang.pick("abierta", "open"),
        CaseStatus::Cancelled => lang.pick("cancelada", "cancelled"),
        CaseStatus::Closed => lang.pick("cerrada", "closed"),
    }
}

pub fn cancel_reason(lang: Lang, reason: CancelReason) -> &'static str {
    match reason {
        CancelReason::Safe => lang.pick("a salvo", "safe"),
        CancelReason::FalseAlarm => lang.pick("falsa alarma", "false alarm"),
    }
}

/// (short code for the table, full label for the detail pane)
pub fn flag(lang: Lang, flag: Flag) -> (&'static str, &'static str) {
    match flag {
        Flag::MinorsInCare => (
            lang.pick("MEN", "MIN"),
            lang.pick("menores a su cargo", "minors in their care"),
        ),
        Flag::MedicalCondition => ("MED", lang.pick("condición médica", "medical condition")),
        Flag::Pregnancy => (lang.pick("EMB", "PRG"), lang.pick("embarazo", "pregnancy")),
        Flag::Over65 => ("65+", lang.pick("mayor de 65 años", "over 65")),
        Flag::Disability => (
            lang.pick("DIS", "DIS"),
            lang.pick("discapacidad", "disability"),
        ),
        Flag::NeedsInterpreter => (
            "INT",
            lang.pick("necesita intérprete", "needs an interpreter"),
        ),
    }
}

pub fn role(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Officer => lang.pick("oficial de guardia", "duty officer"),
        Role::Lawyer => lang.pick("abogado(a)", "lawyer"),
        Role::Supervisor => lang.pick("supervisor(a)", "supervisor"),
        Role::Admin => lang.pick("administración", "admin"),
    }
}

pub fn event(lang: Lang, kind: EventKind) -> &'static str {
    match kind {
        EventKind::AlertRaised => lang.pick("alerta recibida", "alert received"),
        EventKind::AlertCancelled => lang.pick("alerta cancelada", "alert cancelled"),
        EventKind::CaseAcknowledged => lang.pick("atendida", "acknowledged"),
        EventKind::LawyerAssigned => lang.pick("abogado(a) asignado(a)", "lawyer assigned"),
        EventKind::CheckpointLogged => lang.pick("etapa registrada", "checkpoint logged"),
        EventKind::NoteAdded => lang.pick("nota", "note"),
        EventKind::CaseClosed => lang.pick("caso cerrado", "case closed"),
        EventKind::CaseReopened => lang.pick("caso reabierto", "case reopened"),
        EventKind::AlertRepeated => lang.pick("botón presionado otra vez", "pressed again"),
        EventKind::LocationUpdated => lang.pick("ubicación actualizada", "location updated"),
        EventKind::CaseEscalated => lang.pick("escalada", "escalated"),
        EventKind::TransferRequested => lang.pick("traslado solicitado", "transfer requested"),
        EventKind::TransferAccepted => lang.pick("traslado aceptado", "transfer accepted"),
        EventKind::RelativeNotified => lang.pick("aviso a familiar", "relative's message"),
        EventKind::TransferDeclined => lang.pick("traslado rechazado", "transfer declined"),
        EventKind::TriageRecorded => lang.pick("triaje registrado", "triage recorded"),
        EventKind::StaffChanged => lang.pick("cambio de personal", "staff change"),
        EventKind::DeviceChanged => lang.pick("cambio de dispositivo", "device change"),
        EventKind::SurgeDetected => lang.pick("oleada detectada", "surge detected"),
        EventKind::CaseRead => lang.pick("consulta del expediente", "case record read"),
        EventKind::LegalHold => lang.pick("retención legal", "legal hold"),
        EventKind::RecordsErased => {
            lang.pick("datos personales eliminados", "personal data erased")
        }
        EventKind::FacilityRecorded => lang.pick("centro registrado", "facility recorded"),
        EventKind::VisitLogged => lang.pick("visita registrada", "visit logged"),
        EventKind::IncidentRecorded => lang.pick("redada registrada", "raid recorded"),
        EventKind::DutyRecorded => lang.pick("guardia registrada", "duty roster changed"),
        EventKind::VisitPlanRecorded => lang.pick("visita programada", "visit planned"),
        EventKind::AppointmentLinked => lang.pick("cita vigilada", "watched appointment"),
        EventKind::AppointmentOut => lang.pick(
            "dijo que salió bien de su cita",
            "said they came out of the appointment",
        ),
        EventKind::SearchEscalated => lang.pick("búsqueda escalada", "search escalated"),
    }
}

/// Names of the languages registrants most often give; others show as their ISO code.
pub fn language_name(lang: Lang, code: &str) -> Option<&'static str> {
    Some(match code {
        "es" => lang.pick("español", "Spanish"),
        "en" => lang.pick("inglés", "English"),
        "nah" | "nhe" | "nhw" => lang.pick("náhuatl", "Nahuatl"),
        "mix" => lang.pick("mixteco", "Mixtec"),
        "zap" => lang.pick("zapoteco", "Zapotec"),
        "yua" | "myn" => lang.pick("maya", "Maya"),
        "tzo" => lang.pick("tsotsil", "Tsotsil"),
        "tzh" => lang.pick("tseltal", "Tseltal"),
        "oto" => lang.pick("otomí", "Otomi"),
        "maz" => lang.pick("mazahua", "Mazahua"),
        "tar" => lang.pick("rarámuri", "Raramuri"),
        "trc" | "trs" => lang.pick("triqui", "Triqui"),
        "pua" => lang.pick("purépecha", "Purepecha"),
        _ => return None,
    })
}

pub fn reason(lang: Lang, reason: Reason) -> String {
    match reason {
        Reason::Overdue { minutes } => match lang {
            Lang::Es => format!("sin atender {minutes} min"),
            Lang::En => format!("unacknowledged {minutes} min"),
        },
        Reason::Detained => kind(lang, AlertKind::Detained).into(),
        Reason::Imminent => kind(lang, AlertKind::Imminent).into(),
        Reason::AppointmentMissed => kind(lang, AlertKind::AppointmentMissed).into(),
        Reason::NotLocated { escalated: 0 } => lang.pick("no localizada", "not located").into(),
        Reason::NotLocated { escalated } => match lang {
            Lang::Es => format!("no localizada, más de {escalated} h"),
            Lang::En => format!("not located, over {escalated} h"),
        },
        Reason::Vulnerable(f) => flag(lang, f).1.into(),
        Reason::Cancelled => status(lang, CaseStatus::Cancelled).into(),
        Reason::Duress => lang
            .pick(
                "COACCIÓN: canceló con el PIN de emergencia",
                "DURESS: cancelled with the duress PIN",
            )
            .into(),
        Reason::Repeated(n) => match lang {
            Lang::Es => format!("presionó {n} veces"),
            Lang::En => format!("pressed {n} times"),
        },
        Reason::NoContact => lang
            .pick("nadie contactado aún", "no one reached yet")
            .into(),
        Reason::Closed => status(lang, CaseStatus::Closed).into(),
    }
}

/// A reason as the queue's urgency cell says it: whole words, short enough that two fit beside
/// the tier (the detail pane says each in full).
pub fn reason_short(lang: Lang, reason: Reason) -> String {
    match reason {
        Reason::Duress => lang.pick("COACCIÓN", "DURESS").into(),
        Reason::Overdue { minutes } => match lang {
            Lang::Es => format!("espera {minutes} min"),
            Lang::En => format!("waiting {minutes} min"),
        },
        Reason::Repeated(n) => format!("×{n}"),
        Reason::NoContact => lang.pick("sin contacto", "no contact").into(),
        Reason::Vulnerable(f) => match f {
            Flag::MinorsInCare => lang.pick("menores a cargo", "minors in care"),
            Flag::Over65 => lang.pick("mayor de 65", "over 65"),
            Flag::NeedsInterpreter => lang.pick("intérprete", "interpreter"),
            other => flag(lang, other).1,
        }
        .into(),
        other => self::reason(lang, other),
    }
}

/// A reason in a few letters, for an urgency cell too narrow for [`reason_short`]: the flags'
/// codes as the detail pane shows them ("65+", "EMB"), a wait, a count. `None` for reasons with
/// no code (how a case ended, its kind: other columns say those).
pub fn reason_code(lang: Lang, reason: Reason) -> Option<String> {
    Some(match reason {
        Reason::Duress => reason_short(lang, reason),
        Reason::Vulnerable(f) => flag(lang, f).0.into(),
        Reason::Overdue { minutes } if minutes < 100 => format!("{minutes} min"),
        Reason::Overdue { minutes } => format!("{} h", minutes / 60),
        Reason::Repeated(n) => format!("×{n}"),
        Reason::NoContact => lang.pick("s/cont", "no cont").into(),
        _ => return None,
    })
}

/// "3 s", "12 min", "2 h 05", "3 d": short enough for a table cell.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {:02}", s / 3600, (s % 3600) / 60),
        _ => format!("{} d", s / 86400),
    }
}

/// Kilometres in Spanish, miles in English (as US lawyers read them).
pub fn distance(lang: Lang, km: f64) -> String {
    match lang {
        Lang::Es => format!("{km:.0} km"),
        Lang::En => format!("{:.0} mi", km / 1.609_344),
    }
}

/// "1 caso abierto", "3 casos abiertos".
pub fn open_cases(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => "1 caso abierto".into(),
        (Lang::Es, n) => format!("{n} casos abiertos"),
        (Lang::En, 1) => "1 open case".into(),
        (Lang::En, n) => format!("{n} open cases"),
    }
}

pub fn cases_count(lang: Lang, shown: usize, total: usize) -> String {
    let noun = match (lang, total) {
        (Lang::Es, 1) => "caso",
        (Lang::Es, _) => "casos",
        (Lang::En, 1) => "case",
        (Lang::En, _) => "cases",
    };
    match (lang, shown == total) {
        (_, true) => format!("{total} {noun}"),
        (Lang::Es, false) => format!("{shown} de {total} {noun}"),
        (Lang::En, false) => format!("{shown} of {total} {noun}"),
    }
}

pub fn last_event_ago(lang: Lang, seconds: i64) -> String {
    match lang {
        Lang::Es => format!("último evento hace {}", age(seconds)),
        Lang::En => format!("last event {} ago", age(seconds)),
    }
}

pub fn reconnect_attempt(lang: Lang, attempt: u32) -> String {
    match lang {
        Lang::Es => format!("intento {attempt}"),
        Lang::En => format!("attempt {attempt}"),
    }
}

/// Which hub the console moved to, of those it was given (`number` counts from 1).
pub fn on_hub(lang: Lang, number: usize, of: usize) -> String {
    match lang {
        Lang::Es => format!("conectado al servidor {number} de {of}"),
        Lang::En => format!("connected to hub {number} of {of}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_comes_from_config_then_locale_defaulting_to_spanish() {
        assert_eq!(Lang::resolve("en", Some("es-MX")), Lang::En);
        assert_eq!(Lang::resolve("", Some("en-US")), Lang::En);
        assert_eq!(Lang::resolve("", Some("fr-FR")), Lang::Es);
        assert_eq!(Lang::resolve("", None), Lang::Es);
    }

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(5), "5 s");
        assert_eq!(age(125), "2 min");
        assert_eq!(age(3600 + 5 * 60), "1 h 05");
        assert_eq!(age(3 * 86400), "3 d");
    }
}
