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
    }
}
