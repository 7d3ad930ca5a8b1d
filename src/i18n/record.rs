//! The words of a case's record as exported: who read it, and its seal.

use super::Lang;
use crate::domain::event::ReadPurpose;

pub fn access_heading(lang: Lang) -> &'static str {
    lang.pick("Consultas del expediente", "Who read this record")
}

/// Said in place of the list to a role that may not see it.
pub fn access_hidden(lang: Lang) -> &'static str {
    lang.pick(
        "Su rol no permite ver la lista de consultas.",
        "Your role does not allow seeing the list of reads.",
    )
}

pub fn purpose(lang: Lang, purpose: ReadPurpose) -> &'static str {
    match purpose {
        ReadPurpose::View => lang.pick("consulta", "viewed"),
        ReadPurpose::Export => lang.pick("exportación", "exported"),
        ReadPurpose::Verify => lang.pick("verificación", "verified"),
    }
}

pub fn seal(lang: Lang) -> &'static str {
    lang.pick("Sello del último evento", "Seal of the last event")
}

/// What a history line adds after the event's name, in words: the checkpoint, the outcome,
/// the lawyer, the consulate, the reason. The record keeps short language-neutral details
/// (`TimelineEntry::detail`); people never read those as they are. `consulate` names a
/// consulate by its id; a note's text is the notes' to show, not the history's.
pub fn timeline_detail(
    lang: Lang,
    kind: crate::domain::event::EventKind,
    detail: Option<&str>,
    consulate: &dyn Fn(&str) -> String,
) -> String {
    use crate::domain::checkpoint::{CheckpointCode, CloseOutcome};
    use crate::domain::event::EventKind as K;
    let Some(d) = detail else {
        return String::new();
    };
    let said = match kind {
        K::CheckpointLogged => {
            CheckpointCode::parse(d).map(|c| super::casework::checkpoint(lang, c).to_string())
        }
        K::CaseClosed => {
            CloseOutcome::parse(d).map(|o| super::casework::outcome(lang, o).to_string())
        }
        K::AlertCancelled if d == "duress" => {
            Some(super::reason(lang, crate::domain::urgency::Reason::Duress).to_string())
        }
        K::AlertCancelled => serde_json::from_value::<crate::domain::alert::CancelReason>(
            serde_json::Value::String(d.to_string()),
        )
        .ok()
        .map(|r| super::cancel_reason(lang, r).to_string()),
        K::LawyerAssigned | K::CaseReopened => Some(d.to_string()),
        K::TransferRequested | K::TransferAccepted | K::TransferDeclined => Some(consulate(d)),
        K::CaseEscalated => Some(match d.split_once(':') {
            Some((level, to)) => match lang {
                Lang::Es => format!("nivel {level}, ofrecido a {}", consulate(to)),
                Lang::En => format!("level {level}, offered to {}", consulate(to)),
            },
            None => format!("{} {d}", lang.pick("nivel", "level")),
        }),
        K::TriageRecorded => Some(
            d.split('/')
                .map(|code| super::casework::word(lang, code))
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        K::LegalHold => Some(
            match d {
                "on" => lang.pick("puesto", "placed"),
                _ => lang.pick("levantado", "lifted"),
            }
            .to_string(),
        ),
        K::RelativeNotified => d.split_once(':').map(|(_, state)| {
            match state {
                "delivered" => lang.pick("entregado", "delivered"),
                "failed" => lang.pick("no se pudo entregar", "failed"),
                _ => lang.pick("pendiente", "pending"),
            }
            .to_string()
        }),
        K::AppointmentLinked => Some(match d {
            "missed" => lang
                .pick(
                    "no avisó que salió a tiempo",
                    "no word of coming out in time",
                )
                .to_string(),
            "pressed" => lang
                .pick("presionó el botón durante la cita", "pressed during it")
                .to_string(),
            _ => super::reason(lang, crate::domain::urgency::Reason::Duress),
        }),
        K::SearchEscalated => Some(match lang {
            Lang::Es => format!("{d} horas sin localizar"),
            Lang::En => format!("{d} hours not located"),
        }),
        // A call's detail says it was a call: the event's own words already do.
        _ => None,
    };
    said.map(|s| format!(": {s}")).unwrap_or_default()
}
