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
