//! Labels for case work: checkpoint types, their fields and choices, closing outcomes, deadlines.
//! Wire codes stay in the record; these are what people read.

use super::Lang;
use crate::domain::checkpoint::{CheckpointCode, CloseOutcome};
use crate::domain::deadline::DeadlineKind;

pub fn checkpoint(lang: Lang, code: CheckpointCode) -> &'static str {
    use CheckpointCode::*;
    match code {
        ContactAttempt => lang.pick("Intento de contacto", "Contact attempt"),
        FamilyNotified => lang.pick("Familia informada", "Family notified"),
        DetentionConfirmed => lang.pick("Detención confirmada", "Detention confirmed"),
        ConsularNotification => lang.pick(
            "Notificación consular recibida",
            "Consular notification received",
        ),
        ANumberRecorded => lang.pick("Número A registrado", "A-number recorded"),
        FacilityLocated => lang.pick("Centro de detención ubicado", "Facility located"),
        FacilityTransfer => lang.pick("Traslado de centro", "Facility transfer"),
        ConsularVisit => lang.pick("Visita consular", "Consular visit"),
        CustodyDetermination => lang.pick("Decisión de custodia", "Custody determination"),
        NtaServed => lang.pick(
            "Notificación de comparecencia (NTA)",
            "Notice to Appear served",
        ),
        RepresentativeAssigned => lang.pick("Representante asignado", "Representative assigned"),
        FearScreening => lang.pick("Entrevista de miedo creíble", "Credible fear interview"),
        ExpeditedRemoval => lang.pick("Deportación expedita", "Expedited removal"),
        MasterCalendarHearing => lang.pick("Audiencia preliminar", "Master calendar hearing"),
        BondHearing => lang.pick("Audiencia de fianza", "Bond hearing"),
        BondPosted => lang.pick("Fianza pagada", "Bond posted"),
        Released => lang.pick("Liberación", "Released"),
        ReliefFiled => lang.pick("Solicitud de alivio presentada", "Relief filed"),
        IndividualHearing => lang.pick("Audiencia de fondo", "Individual hearing"),
        VoluntaryDeparture => lang.pick("Salida voluntaria", "Voluntary departure"),
        RemovalOrder => lang.pick("Orden de deportación", "Removal order"),
        AppealFiled => lang.pick("Apelación presentada (BIA)", "Appeal filed (BIA)"),
        StayRequested => lang.pick("Suspensión solicitada", "Stay requested"),
        StayDecided => lang.pick("Suspensión resuelta", "Stay decided"),
        DueProcessConcern => lang.pick("Alerta de debido proceso", "Due-process concern"),
        RepatriationScheduled => lang.pick("Repatriación programada", "Repatriation scheduled"),
        Removed => lang.pick("Repatriado", "Removed"),
        CounselInformed => lang.pick(
            "Abogado(a) informado(a) del traslado",
            "Counsel told of the move",
        ),
        HabeasFiled => lang.pick("Hábeas corpus presentado", "Habeas petition filed"),
        HabeasDecided => lang.pick("Hábeas corpus resuelto", "Habeas petition decided"),
        BondIneligible => lang.pick(
            "Sin derecho a fianza por política",
            "Bond ineligible by policy",
        ),
        MinorInCustody => lang.pick("Menor de edad bajo custodia", "Minor in custody"),
        HarmInCustody => lang.pick(
            "Muerte o lesión bajo custodia",
            "Death or injury in custody",
        ),
        ChecklistStep => lang.pick("Paso de la lista de verificación", "Checklist step"),
        InterpreterNeeded => lang.pick("Necesita intérprete", "Interpreter needed"),
        NotLocated => lang.pick("Persona no localizada", "Person not located"),
    }
}

pub fn outcome(lang: Lang, outcome: CloseOutcome) -> &'static str {
    use CloseOutcome::*;
    match outcome {
        ReleasedOnBond => lang.pick("libertad bajo fianza", "released on bond"),
        ReleasedOnRecognizance => lang.pick("libertad bajo palabra", "released on recognizance"),
        ReliefGranted => lang.pick("alivio concedido", "relief granted"),
        ProceedingsTerminated => lang.pick("procedimiento terminado", "proceedings terminated"),
        VoluntaryDeparture => lang.pick("salida voluntaria", "voluntary departure"),
        Removed => lang.pick("repatriación", "removed"),
        FalseAlarm => lang.pick("falsa alarma", "false alarm"),
        LostContact => lang.pick("contacto perdido", "lost contact"),
        DeclinedAssistance => lang.pick("rechazó asistencia", "declined assistance"),
        Transferred => lang.pick("traslado a otro consulado", "transferred"),
    }
}

pub fn deadline(lang: Lang, kind: DeadlineKind) -> &'static str {
    use DeadlineKind::*;
    match kind {
        BoardAppeal => lang.pick("apelación ante la BIA", "Board appeal due"),
        AppealBrief => lang.pick("escrito ante la BIA", "Board brief due"),
        VoluntaryDeparture => lang.pick("salida voluntaria", "voluntary departure"),
        VoluntaryDepartureBond => lang.pick("fianza de salida voluntaria", "departure bond due"),
        Hearing => lang.pick("audiencia", "hearing"),
        Reporting => lang.pick("presentarse ante ICE", "reporting date"),
        ConsularNotification => lang.pick("notificación consular", "consular notification"),
        Repatriation => lang.pick("repatriación", "repatriation"),
        CounselInformed => lang.pick("informar al abogado(a)", "tell counsel"),
        HabeasReturn => lang.pick("respuesta del gobierno al hábeas", "habeas return due"),
        HabeasCompliance => lang.pick("cumplimiento de la orden de hábeas", "habeas order due"),
        CircuitAppeal => lang.pick("apelación ante el circuito", "circuit appeal due"),
        MinorScreening => lang.pick("entrevista del menor", "minor's screening"),
        MinorTransfer => lang.pick("entrega del menor a ORR", "minor to ORR"),
        RemovalPeriodEnds => lang.pick(
            "fin del plazo de 90 días para deportar",
            "90-day removal period ends",
        ),
        CustodyReview => lang.pick("revisión de la custodia", "custody review"),
        PresumptiveLimit => lang.pick(
            "seis meses desde la orden final",
            "six months since the final order",
        ),
    }
}

/// Field names and choice values: (wire code, Spanish, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("at", "Fecha y hora", "Date and time"),
    ("name", "Nombre de la persona", "Person's name"),
    ("place", "Lugar (ciudad, estado)", "Place (city, state)"),
    ("lat", "Latitud", "Latitude"),
    ("lon", "Longitud", "Longitude"),
    (
        "kind",
        "Tipo (inminente/detención)",
        "Kind (imminent/detained)",
    ),
    (
        "description",
        "Qué informa quien llama",
        "What the caller reports",
    ),
    ("reason", "Motivo", "Reason"),
    ("text", "Nota", "Note"),
    ("note", "Nota", "Note"),
    ("who", "Con quién", "Who"),
    ("channel", "Medio", "Channel"),
    ("outcome", "Resultado", "Outcome"),
    ("relative", "Familiar", "Relative"),
    ("agency", "Autoridad", "Agency"),
    ("source", "Fuente", "Source"),
    (
        "informed_of_right",
        "¿Se le informó su derecho?",
        "Told of the right?",
    ),
    (
        "requested_contact",
        "¿Pidió contacto consular?",
        "Asked for the consulate?",
    ),
    ("a_number", "Número A", "A-number"),
    ("facility", "Centro", "Facility"),
    ("planned_on", "Fecha de la visita", "Visit date"),
    ("visited_on", "Fecha de la visita", "Date visited"),
    ("staff", "Personal que asiste", "Staff"),
    (
        "interviewed",
        "Personas entrevistadas",
        "People interviewed",
    ),
    ("roster", "Lista de números A", "A-number roster"),
    ("conditions", "Condiciones del centro", "Conditions"),
    ("complaints", "Quejas", "Complaints"),
    ("cases", "Casos", "Cases"),
    ("incident_name", "Nombre de la redada", "Raid name"),
    ("weekdays", "Días", "Weekdays"),
    ("start", "Hora de inicio", "Start time"),
    ("hours", "Horas", "Hours"),
    ("from", "Desde", "From"),
    ("to", "Hasta", "To"),
    ("off", "Descanso (fuera de guardia)", "Leave (off duty)"),
    (
        "facility_code",
        "Clave del centro (ICE)",
        "Facility code (ICE)",
    ),
    ("city_state", "Ciudad, estado", "City, state"),
    ("facility_phone", "Teléfono del centro", "Facility phone"),
    ("field_office", "Oficina de ICE", "ICE field office"),
    ("moved_on", "Fecha del traslado", "Moved on"),
    ("mode", "Modalidad", "Mode"),
    (
        "documents_signed",
        "¿Firmó documentos?",
        "Documents signed?",
    ),
    ("decision", "Decisión", "Decision"),
    ("bond_amount", "Monto de fianza (USD)", "Bond amount (USD)"),
    (
        "review_requested",
        "¿Revisión solicitada?",
        "Review requested?",
    ),
    ("served_on", "Fecha de entrega", "Served on"),
    ("charges", "Cargos", "Charges"),
    ("court", "Corte", "Court"),
    ("filed_on", "Fecha de presentación", "Filed on"),
    ("lawyer", "Abogado(a)", "Lawyer"),
    ("eoir28_filed", "¿EOIR-28 presentado?", "EOIR-28 filed?"),
    ("screening", "Tipo de entrevista", "Screening"),
    ("track", "Vía", "Track"),
    (
        "hearing_at",
        "Fecha y hora de audiencia",
        "Hearing date and time",
    ),
    ("judge", "Juez(a)", "Judge"),
    ("appeal", "¿Apelación?", "Appeal?"),
    ("posted_on", "Fecha de pago", "Posted on"),
    ("release_type", "Tipo de liberación", "Release type"),
    (
        "next_reporting",
        "Próxima presentación",
        "Next reporting date",
    ),
    ("relief", "Tipo de alivio", "Relief"),
    ("stage", "Etapa", "Stage"),
    ("depart_by", "Salir a más tardar", "Depart by"),
    ("decided_on", "Fecha de la decisión", "Decided on"),
    ("in_absentia", "¿En ausencia?", "In absentia?"),
    ("received_on", "Fecha de recepción", "Received on"),
    ("brief_due", "Vence el escrito", "Brief due"),
    ("filed_with", "Presentada ante", "Filed with"),
    ("concern", "Preocupación", "Concern"),
    ("port", "Puerto de entrada", "Port of entry"),
    ("scheduled_on", "Fecha programada", "Scheduled on"),
    (
        "reception_arranged",
        "¿Recepción coordinada?",
        "Reception arranged?",
    ),
    ("removed_on", "Fecha", "Removed on"),
    ("family_informed", "¿Familia informada?", "Family informed?"),
    ("phone", "teléfono", "phone"),
    ("sms", "SMS", "SMS"),
    ("whatsapp", "WhatsApp", "WhatsApp"),
    ("email", "correo", "email"),
    ("in_person", "en persona", "in person"),
    ("video", "video", "video"),
    ("reached", "contactado", "reached"),
    ("no_answer", "sin respuesta", "no answer"),
    ("wrong_number", "número equivocado", "wrong number"),
    ("ice_ero", "ICE ERO", "ICE ERO"),
    ("cbp", "CBP", "CBP"),
    (
        "local_police_detainer",
        "policía local con detainer",
        "local police with detainer",
    ),
    ("287g", "287(g)", "287(g)"),
    ("other", "otro", "other"),
    (
        "detainee_locator",
        "localizador de detenidos",
        "detainee locator",
    ),
    ("family", "familia", "family"),
    ("ice", "ICE", "ICE"),
    ("recognizance", "bajo palabra", "recognizance"),
    ("bond", "fianza", "bond"),
    ("no_bond", "sin fianza", "no bond"),
    (
        "mandatory_detention",
        "detención obligatoria",
        "mandatory detention",
    ),
    ("credible", "miedo creíble", "credible fear"),
    ("reasonable", "miedo razonable", "reasonable fear"),
    ("positive", "positiva", "positive"),
    ("negative", "negativa", "negative"),
    ("pending", "pendiente", "pending"),
    (
        "expedited_removal",
        "deportación expedita",
        "expedited removal",
    ),
    (
        "reinstatement",
        "reinstalación de orden previa",
        "reinstatement",
    ),
    ("granted", "concedida", "granted"),
    ("denied", "negada", "denied"),
    ("parole", "permiso humanitario", "parole"),
    (
        "alternatives_to_detention",
        "alternativas a la detención",
        "alternatives to detention",
    ),
    ("pre_conclusion", "antes de concluir", "pre-conclusion"),
    ("post_conclusion", "al concluir", "post-conclusion"),
    ("board", "BIA", "Board"),
    (
        "no_consular_notification",
        "sin notificación consular",
        "no consular notification",
    ),
    (
        "signed_without_counsel",
        "firmó sin abogado",
        "signed without counsel",
    ),
    ("no_interpreter", "sin intérprete", "no interpreter"),
    ("minor", "menor de edad", "minor"),
    ("medical", "condición médica", "medical"),
    ("pregnancy", "embarazo", "pregnancy"),
    (
        "family_separation",
        "separación familiar",
        "family separation",
    ),
    ("serves_here", "atiende este consulado", "serves here"),
    ("imminent", "inminente", "imminent"),
    ("detained", "detención", "detained"),
    ("consent", "Consentimiento", "Consent"),
    ("accepted", "acepta la protección", "accepts protection"),
    ("declined", "rechaza la protección", "declines protection"),
    ("unknown", "sin definir", "not yet known"),
    ("intent", "Intención", "Intent"),
    ("contest", "defenderse de la deportación", "contest removal"),
    ("voluntary_return", "retorno voluntario", "voluntary return"),
    ("undecided", "aún no decide", "undecided"),
    ("category", "Materia", "Matter"),
    ("migratory", "migratoria", "immigration"),
    ("criminal", "penal", "criminal"),
    ("civil", "civil", "civil"),
    ("labor", "laboral", "labor"),
    ("administrative", "administrativa", "administrative"),
    ("human_rights", "derechos humanos", "human rights"),
    ("how", "Cómo se le informó", "How"),
    ("docket", "Número de expediente", "Docket number"),
    (
        "show_cause_on",
        "Fecha de la orden de justificación",
        "Order to show cause on",
    ),
    (
        "return_due",
        "Vence la respuesta del gobierno",
        "Return due",
    ),
    ("comply_by", "Cumplir a más tardar", "Comply by"),
    ("release_ordered", "ordena la liberación", "release ordered"),
    (
        "bond_hearing_ordered",
        "ordena audiencia de fianza",
        "bond hearing ordered",
    ),
    ("dismissed", "desechado", "dismissed"),
    ("basis", "Fundamento", "Basis"),
    (
        "entry_without_inspection",
        "entrada sin inspección (Yajure Hurtado, 2025)",
        "entry without inspection (Yajure Hurtado, 2025)",
    ),
    (
        "criminal_mandatory",
        "detención obligatoria por antecedentes penales",
        "mandatory detention on criminal grounds",
    ),
    ("arriving", "solicitante de admisión", "arriving applicant"),
    (
        "final_order",
        "orden definitiva de deportación",
        "final removal order",
    ),
    ("authority", "Precedente o norma", "Authority"),
    ("accompanied", "Acompañamiento", "Accompanied"),
    ("unaccompanied", "no acompañado(a)", "unaccompanied"),
    ("with_family", "con su familia", "with family"),
    (
        "separated",
        "separado(a) de su familia",
        "separated from family",
    ),
    ("custodian", "Bajo custodia de", "Custodian"),
    ("orr", "ORR", "ORR"),
    (
        "apprehended_at",
        "Fecha y hora de la detención",
        "Apprehended at",
    ),
    ("harm", "Qué ocurrió", "What happened"),
    ("death", "muerte", "death"),
    ("injury", "lesión", "injury"),
    ("occurred_on", "Fecha", "Occurred on"),
    ("step", "Paso", "Step"),
    ("forum", "Ante", "Forum"),
    ("circuit", "Corte de Apelaciones", "Court of Appeals"),
    (
        "next_of_kin_notified",
        "familia más cercana informada",
        "next of kin told",
    ),
    (
        "official_cause_requested",
        "causa oficial solicitada",
        "official cause requested",
    ),
    (
        "official_cause_received",
        "causa oficial recibida",
        "official cause received",
    ),
    (
        "remains_repatriation",
        "repatriación de restos gestionada",
        "repatriation of remains arranged",
    ),
    (
        "investigation_requested",
        "investigación solicitada",
        "investigation requested",
    ),
    (
        "diplomatic_note_sent",
        "nota diplomática enviada",
        "diplomatic note sent",
    ),
    (
        "medical_report_requested",
        "informe médico solicitado",
        "medical report requested",
    ),
    (
        "guardian_notified",
        "madre, padre o tutor informado",
        "parent or guardian told",
    ),
    (
        "screening_confirmed",
        "entrevista de protección confirmada",
        "screening confirmed",
    ),
    (
        "orr_placement_confirmed",
        "ingreso a albergue de ORR confirmado",
        "ORR placement confirmed",
    ),
    (
        "lawyer_confirmed",
        "representación legal confirmada",
        "legal representation confirmed",
    ),
    ("dif_notified", "DIF informado", "DIF told"),
    ("last_seen", "Visto por última vez", "Last seen"),
    ("result", "Resultado", "Result"),
    ("not_there", "no está ahí", "not there"),
    ("no_answer", "sin respuesta", "no answer"),
    ("found", "localizada ahí", "found there"),
    (
        "locator_searched",
        "localizador de detenidos de ICE consultado",
        "ICE detainee locator searched",
    ),
    (
        "field_office_asked",
        "oficina de campo de ICE consultada",
        "ICE field office asked",
    ),
    (
        "nearby_facilities_asked",
        "centros de detención cercanos consultados",
        "nearby facilities asked",
    ),
    (
        "local_jails_asked",
        "cárceles locales consultadas",
        "local jails asked",
    ),
    (
        "hospitals_asked",
        "hospitales consultados",
        "hospitals asked",
    ),
    ("family_asked", "familia consultada", "family asked"),
    ("yes", "sí", "yes"),
    (
        "language",
        "Idioma (nombre o clave del tribunal)",
        "Language (name or court code)",
    ),
    (
        "language_hint",
        "mixteco, zapoteco, MIX…",
        "Mixtec, Zapotec, MIX…",
    ),
    ("no", "no", "no"),
];

/// The label of a field name or a choice value; unknown codes show as themselves.
pub fn word(lang: Lang, code: &str) -> &str {
    WORDS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, es, en)| lang.pick(es, en))
        .unwrap_or(code)
}

/// "acepta la protección · retorno voluntario · migratoria".
pub fn triage(lang: Lang, t: &crate::domain::triage::Triage) -> String {
    format!(
        "{} · {} · {}",
        word(lang, t.consent.as_str()),
        word(lang, t.intent.as_str()),
        word(lang, t.category.as_str())
    )
}

/// The option a person typed, by its code or by its label in either language, ignoring case
/// and accents: people never need to know a wire code.
pub fn choose<'a>(typed: &str, options: &[&'a str]) -> Option<&'a str> {
    let wanted = super::fold(typed.trim()).replace(['-', ' '], "_");
    if wanted.is_empty() {
        return None;
    }
    let label = |lang, code: &str| super::fold(word(lang, code)).replace(['-', ' '], "_");
    let exact = options.iter().copied().find(|code| {
        *code == wanted || label(Lang::Es, code) == wanted || label(Lang::En, code) == wanted
    });
    if exact.is_some() {
        return exact;
    }
    // The start of one label only ("rechaza" for "rechaza la protección").
    let mut starts = options.iter().copied().filter(|code| {
        label(Lang::Es, code).starts_with(&wanted) || label(Lang::En, code).starts_with(&wanted)
    });
    match (starts.next(), starts.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_found_by_its_label_in_either_language() {
        let options = ["accepted", "declined", "unknown"];
        assert_eq!(choose("Rechaza la protección", &options), Some("declined"));
        assert_eq!(choose("rechaza la proteccion", &options), Some("declined"));
        assert_eq!(choose("accepts protection", &options), Some("accepted"));
        assert_eq!(choose("unknown", &options), Some("unknown"));
        assert_eq!(choose("quizá", &options), None);
    }

    #[test]
    fn every_field_and_choice_has_a_label_in_both_languages() {
        use crate::domain::checkpoint::FieldKind;
        for code in CheckpointCode::ALL {
            for spec in code.fields() {
                assert_ne!(word(Lang::Es, spec.name), spec.name, "{}", spec.name);
                if let FieldKind::Choice(options) = spec.kind {
                    for o in options {
                        assert!(WORDS.iter().any(|(c, _, _)| c == o), "choice {o}");
                    }
                }
            }
        }
    }
}
