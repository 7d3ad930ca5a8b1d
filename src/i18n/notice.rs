//! The status line's notices: what became of an action sent (applied, held, refused, not
//! saved) and which hub the console is on.

use super::{Lang, event};
use crate::console::action::Notice;
use crate::domain::sanitize::{Lines, sanitize};

pub fn notice(lang: Lang, n: &Notice) -> String {
    match n {
        Notice::Work { task, state } => super::protection::work_notice(lang, *task, state),
        Notice::Applied { case_id, kind, .. } => {
            format!("#{case_id} · {} ✓", event(lang, *kind))
        }
        Notice::CallTaken { case_id } => match lang {
            Lang::Es => format!("#{case_id} · llamada registrada ✓"),
            Lang::En => format!("#{case_id} · call taken ✓"),
        },
        Notice::RoutedElsewhere { case_id, consulate } => {
            let consulate = sanitize(consulate, Lines::One);
            match lang {
                Lang::Es => format!(
                    "#{case_id} · llamada registrada ✓ · la atiende el consulado de {consulate}, \
                     el más cercano a la persona; no aparece en esta lista"
                ),
                Lang::En => format!(
                    "#{case_id} · call taken ✓ · it went to the consulate in {consulate}, \
                     the nearest to the person; it is not in this list"
                ),
            }
        }
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
        Notice::OnHub { number, of } => super::on_hub(lang, *number, *of),
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
