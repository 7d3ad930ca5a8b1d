//! The status line's notices: what became of an action sent (applied, held, refused, not
//! saved) and which hub the console is on.

use crate::console::action::Notice;
use crate::domain::sanitize::{Lines, sanitize};
use crate::i18n::{Lang, event};

pub fn notice(lang: Lang, n: &Notice) -> String {
    match n {
        Notice::Work { task, state } => work_notice(lang, *task, state),
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
                     el más cercano a la persona; no aparece en esta lista · :llamada {case_id} \
                     para añadir lo que la persona diga después"
                ),
                Lang::En => format!(
                    "#{case_id} · call taken ✓ · it went to the consulate in {consulate}, \
                     the nearest to the person; it is not in this list · :call {case_id} to add \
                     what the caller says next"
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
        Notice::OnHub { number, of } => crate::i18n::on_hub(lang, *number, *of),
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

/// The status line about protection work: sent, done, held offline, refused, not saved.
pub(super) fn work_notice(
    lang: Lang,
    task: crate::domain::work::WorkVerb,
    state: &crate::console::action::WorkState,
) -> String {
    use crate::console::action::WorkState;
    use crate::i18n::work::{W, w, work_done};
    let what = w(lang, W::Work(task));
    match (state, lang) {
        (WorkState::Done, _) => format!("{} ✓", work_done(lang, task)),
        (WorkState::Skipped(ids), _) => {
            let list = ids
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ");
            let left = match (lang, ids.len()) {
                (Lang::Es, 1) => format!("{list} ya estaba en otra redada y ahí sigue"),
                (Lang::Es, _) => format!("{list} ya estaban en otra redada y ahí siguen"),
                (Lang::En, 1) => format!("{list} was already in another raid and stays there"),
                (Lang::En, _) => format!("{list} were already in another raid and stay there"),
            };
            format!("{} ✓ · {left}", work_done(lang, task))
        }
        (WorkState::Held, Lang::Es) => format!("{what}: sin conexión; se guardó y se enviará"),
        (WorkState::Held, Lang::En) => format!("{what}: offline; saved, will be sent"),
        (WorkState::Refused, Lang::Es) => format!("{what}: NO SE ACEPTÓ (! para ver por qué)"),
        (WorkState::Refused, Lang::En) => format!("{what}: REFUSED (! to see why)"),
        (WorkState::NotSaved(e), Lang::Es) => format!(
            "{what}: NO SE GUARDÓ ({}); no se hizo",
            crate::domain::sanitize::sanitize(e, crate::domain::sanitize::Lines::One)
        ),
        (WorkState::NotSaved(e), Lang::En) => format!(
            "{what}: NOT SAVED ({}); nothing was done",
            crate::domain::sanitize::sanitize(e, crate::domain::sanitize::Lines::One)
        ),
    }
}
