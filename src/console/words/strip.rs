//! The counts strip above the list and the list's "more above / below" marks: what needs
//! someone now, in words that agree with their numbers.

use crate::i18n::Lang;

/// "12 sin atender": alerts nobody has acknowledged (the same words as the status column).
pub fn unattended(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("{n} sin atender"),
        Lang::En => format!("{n} unattended"),
    }
}

/// "1 caso crítico", "3 casos críticos".
pub fn critical(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => "1 caso crítico".into(),
        (Lang::Es, _) => format!("{n} casos críticos"),
        (Lang::En, _) => format!("{n} critical"),
    }
}

/// "2 con coacción": cancelled with the duress PIN.
pub fn duress(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("{n} con coacción"),
        Lang::En => format!("{n} under duress"),
    }
}

/// "espera más larga 7 min".
pub fn oldest_wait(lang: Lang, seconds: i64) -> String {
    let age = crate::i18n::age(seconds);
    match lang {
        Lang::Es => format!("espera más larga {age}"),
        Lang::En => format!("longest wait {age}"),
    }
}

/// "1 acción rechazada (! para ver)", "2 acciones rechazadas (! para ver)".
pub fn refused(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => "1 acción rechazada (! para ver)".into(),
        (Lang::Es, _) => format!("{n} acciones rechazadas (! para ver)"),
        (Lang::En, 1) => "1 refused action (! to review)".into(),
        (Lang::En, _) => format!("{n} refused actions (! to review)"),
    }
}

/// "↑ 12 más arriba (3 críticos)": rows scrolled out of view, and how many of them are critical.
pub fn more(lang: Lang, n: usize, critical: usize, above: bool) -> String {
    let arrow = if above { "↑" } else { "↓" };
    let place = match (lang, above) {
        (Lang::Es, true) => "más arriba",
        (Lang::Es, false) => "más abajo",
        (Lang::En, true) => "more above",
        (Lang::En, false) => "more below",
    };
    let of_them = match (lang, critical) {
        (_, 0) => String::new(),
        (Lang::Es, 1) => " (1 crítico)".into(),
        (Lang::Es, c) => format!(" ({c} críticos)"),
        (Lang::En, c) => format!(" ({c} critical)"),
    };
    format!("{arrow} {n} {place}{of_them}")
}

/// Duress cases beyond the pinned ones that the list's window does not show, first in its
/// title so a narrow terminal never cuts it.
pub fn duress_out_of_view(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("‼ {n} con coacción fuera de vista"),
        Lang::En => format!("‼ {n} under duress out of view"),
    }
}

/// The quick view's name, for the list's title and the `v` hint.
pub fn view(lang: Lang, view: crate::console::quick_views::QuickView) -> &'static str {
    use crate::console::quick_views::QuickView::*;
    match (lang, view) {
        (Lang::Es, Open) => "todos los abiertos",
        (Lang::Es, Unattended) => "sin atender",
        (Lang::Es, Mine) => "mis casos",
        (Lang::Es, ClosedToday) => "cerrados hoy",
        (Lang::En, Open) => "all open",
        (Lang::En, Unattended) => "unattended",
        (Lang::En, Mine) => "my cases",
        (Lang::En, ClosedToday) => "closed today",
    }
}

/// Cases under duress a bulk acknowledge leaves for a person: "6 con coacción siguen sin
/// atender".
fn duress_left(lang: Lang, duress: usize) -> String {
    match (lang, duress) {
        (Lang::Es, 1) => "1 con coacción sigue sin atender: atiéndalo con la tecla a".into(),
        (Lang::Es, d) => {
            format!("{d} con coacción siguen sin atender: atiéndalos uno por uno con la tecla a")
        }
        (Lang::En, 1) => "1 under duress is still unattended: acknowledge it with the a key".into(),
        (Lang::En, d) => {
            format!(
                "{d} under duress are still unattended: acknowledge them one by one with the a key"
            )
        }
    }
}

/// The bulk question. Cases under duress are never in it, and it says so.
pub fn confirm_bulk(lang: Lang, n: usize, duress: usize) -> String {
    let ask = match (lang, n) {
        (Lang::Es, 1) => "¿Atender el caso sin atender de esta vista?".to_string(),
        (Lang::Es, _) => format!("¿Atender los {n} casos sin atender de esta vista?"),
        (Lang::En, 1) => "Acknowledge the one unattended case in this view?".to_string(),
        (Lang::En, _) => format!("Acknowledge the {n} unattended cases in this view?"),
    };
    let keys = lang.pick("s/n", "y/n");
    match (lang, duress) {
        (_, 0) => format!("{ask} {keys}"),
        (Lang::Es, 1) => {
            format!("{ask} El caso con coacción no se incluye: se atiende aparte. {keys}")
        }
        (Lang::Es, d) => format!(
            "{ask} Los {d} casos con coacción no se incluyen: se atienden uno por uno. {keys}"
        ),
        (Lang::En, 1) => format!(
            "{ask} The case under duress is not included: it is acknowledged on its own. {keys}"
        ),
        (Lang::En, d) => format!(
            "{ask} The {d} cases under duress are not included: they are acknowledged one by one. {keys}"
        ),
    }
}

/// After a bulk acknowledge was confirmed: how many, and what was left for a person.
pub fn bulk_sent(lang: Lang, n: usize, duress: usize) -> String {
    let done = match (lang, n) {
        (Lang::Es, 1) => "1 caso atendido".to_string(),
        (Lang::Es, _) => format!("{n} casos atendidos"),
        (Lang::En, 1) => "1 case acknowledged".to_string(),
        (Lang::En, _) => format!("{n} cases acknowledged"),
    };
    if duress == 0 {
        format!("{done} · {}", lang.pick("enviando", "sending"))
    } else {
        format!("{done} · {}", duress_left(lang, duress))
    }
}

/// `B` with nothing it may take.
pub fn nothing_to_acknowledge(lang: Lang, duress: usize) -> String {
    if duress == 0 {
        lang.pick(
            "No hay casos sin atender en esta vista",
            "No unattended case in this view",
        )
        .into()
    } else {
        duress_left(lang, duress)
    }
}

/// `q` with actions still in the outbox: they are kept, and sent when the console starts again.
pub fn quit_with_waiting(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => {
            "Queda 1 acción por enviar; se enviará al volver a abrir la consola. q otra vez para salir"
                .into()
        }
        (Lang::Es, _) => format!(
            "Quedan {n} acciones por enviar; se enviarán al volver a abrir la consola. q otra vez para salir"
        ),
        (Lang::En, 1) => {
            "1 action is still to be sent; it will go when the console starts again. q again to quit"
                .into()
        }
        (Lang::En, _) => format!(
            "{n} actions are still to be sent; they will go when the console starts again. q again to quit"
        ),
    }
}

/// The biggest cluster, in the counts strip: "◎ 9 alertas a menos de 2 km en 10 min".
pub fn cluster(lang: Lang, n: usize) -> String {
    use crate::domain::cluster::{RADIUS_KM, WINDOW_MINUTES};
    match lang {
        Lang::Es => format!("◎ {n} alertas a menos de {RADIUS_KM:.0} km en {WINDOW_MINUTES} min"),
        Lang::En => format!("◎ {n} alerts within {RADIUS_KM:.0} km in {WINDOW_MINUTES} min"),
    }
}

/// The list narrowed to one cluster (`z`).
pub fn cluster_view(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Es => format!("grupo de {n} alertas"),
        Lang::En => format!("cluster of {n} alerts"),
    }
}

/// Why the list is empty when the hub is not (yet) answering: never read as a quiet night.
pub fn empty_because(lang: Lang, connection: &crate::console::action::Connection) -> String {
    use crate::console::action::Connection as C;
    use crate::domain::sanitize::{Lines, sanitize};
    match (lang, connection) {
        (_, C::Live) => String::new(),
        (Lang::Es, C::Connecting) => {
            "Conectando con el servidor… Esta lista está vacía porque aún no responde, no \
             porque no haya alertas."
                .into()
        }
        (Lang::En, C::Connecting) => "Connecting to the hub… This list is empty because the \
                                      hub has not answered yet, not because there are no alerts."
            .into(),
        (Lang::Es, C::Reconnecting { attempt, error }) => format!(
            "Sin conexión con el servidor (intento {attempt}: {}). Esta lista puede no estar al día; \
             las alertas llegan al reconectar.",
            sanitize(error, Lines::One)
        ),
        (Lang::En, C::Reconnecting { attempt, error }) => format!(
            "No connection to the hub (attempt {attempt}: {}). This list may be out of date; \
             alerts arrive when it reconnects.",
            sanitize(error, Lines::One)
        ),
        (Lang::Es, C::Refused(_)) => {
            "El servidor rechazó su clave de acceso: esta lista no recibe \
                                      alertas. Pida una clave nueva a quien administra el sistema \
                                      (guardia admin staff rotate)."
                .into()
        }
        (Lang::En, C::Refused(_)) => "The hub refused your access token: this list receives no \
                                      alerts. Ask whoever runs the hub for a new one (guardia \
                                      admin staff rotate)."
            .into(),
    }
}

/// The list narrowed to one raid's cases: "redada #12 · 40 casos (Esc: todos)".
pub fn raid_view(lang: Lang, id: u64, n: usize) -> String {
    match (lang, n) {
        (Lang::Es, 1) => format!("redada #{id} · 1 caso (Esc: todos)"),
        (Lang::Es, _) => format!("redada #{id} · {n} casos (Esc: todos)"),
        (Lang::En, 1) => format!("raid #{id} · 1 case (Esc: all)"),
        (Lang::En, _) => format!("raid #{id} · {n} cases (Esc: all)"),
    }
}

/// What the map's marks mean.
pub fn map_legend(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "• alerta ⊗ coacción ◎ grupo ◆ consulado ⠁ ICE",
        Lang::En => "• alert ⊗ duress ◎ cluster ◆ consulate ⠁ ICE",
    }
}

/// Where the map's ICE places come from, said wherever they are shown.
pub fn facilities_credit(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "Lugares de ICE: UWCHR y NIJC (2017)",
        Lang::En => crate::domain::facility::CREDIT,
    }
}

/// A row whose action is saved and not yet taken by the hub (offline, or on its way).
pub fn sending(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "⧗ enviando",
        Lang::En => "⧗ sending",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_agree_with_their_words() {
        assert_eq!(critical(Lang::Es, 1), "1 caso crítico");
        assert_eq!(critical(Lang::Es, 2), "2 casos críticos");
        assert_eq!(refused(Lang::Es, 1), "1 acción rechazada (! para ver)");
        assert_eq!(refused(Lang::Es, 3), "3 acciones rechazadas (! para ver)");
        assert_eq!(more(Lang::Es, 4, 1, true), "↑ 4 más arriba (1 crítico)");
        assert_eq!(more(Lang::En, 4, 0, false), "↓ 4 more below");
    }

    #[test]
    fn bulk_and_quit_words_agree_with_their_numbers() {
        assert_eq!(
            confirm_bulk(Lang::Es, 3, 0),
            "¿Atender los 3 casos sin atender de esta vista? s/n"
        );
        assert_eq!(bulk_sent(Lang::Es, 1, 0), "1 caso atendido · enviando");
        assert_eq!(
            bulk_sent(Lang::Es, 223, 6),
            "223 casos atendidos · 6 con coacción siguen sin atender: atiéndalos uno por uno con la tecla a"
        );
        assert!(
            quit_with_waiting(Lang::Es, 1).starts_with("Queda 1 acción por enviar; se enviará")
        );
        assert!(
            quit_with_waiting(Lang::Es, 2).starts_with("Quedan 2 acciones por enviar; se enviarán")
        );
        assert!(quit_with_waiting(Lang::En, 2).starts_with("2 actions are"));
    }
}
