//! The keys' descriptions, for the hint bar and the `?` help (the keymap itself holds no words).

use crate::console::records::Intent::{self, *};
use crate::domain::command::Verb;
use crate::i18n::Lang;

pub fn describe(lang: Lang, intent: Intent) -> &'static str {
    let pick = |es: &'static str, en: &'static str| if lang == Lang::Es { es } else { en };
    match intent {
        Up => pick("subir", "up"),
        Down => pick("bajar", "down"),
        PageUp => pick("página arriba", "page up"),
        PageDown => pick("página abajo", "page down"),
        First => pick("primera", "first"),
        Last => pick("última", "last"),
        NextSort => pick("cambiar orden", "change order"),
        OpenFilter => pick("filtrar", "filter"),
        ApplyFilter => pick("aplicar", "apply"),
        ClearFilter => pick("quitar filtro", "clear filter"),
        ToggleHelp => pick("ayuda", "help"),
        CloseHelp => pick("cerrar", "close"),
        Quit => pick("salir", "quit"),
        Tab(0) => pick("pestaña 1", "tab 1"),
        Tab(1) => pick("pestaña 2", "tab 2"),
        Tab(_) => pick("pestaña 3", "tab 3"),
        NextTab => pick("siguiente pestaña", "next tab"),
        Open => pick("abrir caso", "open case"),
        Start(Verb::Acknowledge) => pick("atender", "acknowledge"),
        Start(Verb::Assign) => pick("asignar abogado", "assign lawyer"),
        Start(Verb::Checkpoint) => pick("etapa", "checkpoint"),
        Start(Verb::Note) => pick("nota", "note"),
        Start(Verb::Close) => pick("cerrar caso", "close case"),
        Start(Verb::Reopen) => pick("reabrir", "reopen"),
        Start(Verb::Transfer) => pick("trasladar", "transfer"),
        Start(Verb::AcceptTransfer) => pick("aceptar traslado", "accept transfer"),
        Start(Verb::DeclineTransfer) => pick("rechazar traslado", "decline transfer"),
        Start(Verb::Triage) => pick("triaje", "triage"),
        Start(Verb::Intake) => pick("registrar llamada", "take a call"),
        CommandLine => pick("comando", "command"),
        ShowRefusals => pick("acciones rechazadas", "refused actions"),
        CycleConsent => pick("filtrar por consentimiento", "filter by consent"),
        DetailDown => pick("bajar en el detalle", "scroll detail down"),
        DetailUp => pick("subir en el detalle", "scroll detail up"),
        Choose => pick("elegir", "choose"),
        Cancel => pick("cancelar", "cancel"),
        NextField => pick("siguiente campo", "next field"),
        PrevField => pick("campo anterior", "previous field"),
        Send => pick("enviar", "send"),
        Yes => pick("sí, confirmar", "yes, confirm"),
        Back => pick("no, volver", "no, go back"),
        Run => pick("ejecutar", "run"),
        Dismiss => pick("visto, descartar", "seen, dismiss"),
        NextView => pick("cambiar vista", "change view"),
        BulkAcknowledge => pick("atender todos los de la vista", "acknowledge all in view"),
        KeepDraft => pick(
            "cerrar (se guarda lo escrito)",
            "close (what was typed is kept)",
        ),
        ToggleMap => pick("mapa", "map"),
        NextCluster => pick("ver por grupo de alertas", "view by alert cluster"),
        DiscardDraft => pick("descartar lo escrito", "discard what was typed"),
        EditRefused => pick("corregir y reenviar", "fix and send again"),
        SendAnyway => pick("enviar de todos modos", "send anyway"),
        // The role's own menu is said by `describe_in`.
        StartWork => pick("trabajo de protección", "protection work"),
        CloseCase => back(lang),
    }
}

/// What a key does for `role`: where the movement keys scroll text (`scrolls_text`: the open
/// case, the shift tab) they say so, and `p` names only the work this role's menu offers.
pub fn describe_in(
    lang: Lang,
    scrolls_text: bool,
    intent: Intent,
    role: Option<crate::domain::staff::Role>,
) -> &'static str {
    use crate::domain::staff::Role;
    let pick = |es: &'static str, en: &'static str| if lang == Lang::Es { es } else { en };
    match (scrolls_text, intent) {
        (true, Up) => pick("subir el texto", "scroll up"),
        (true, Down) => pick("bajar el texto", "scroll down"),
        (true, First) => pick("al principio", "to the top"),
        (true, Last) => pick("al final", "to the end"),
        (_, StartWork) => match role {
            Some(Role::Supervisor) => {
                pick("visitas, redadas, guardias", "visits, raids, duty roster")
            }
            _ => pick(
                "visitas y centros de detención",
                "visits and detention centers",
            ),
        },
        _ => describe(lang, intent),
    }
}

/// Esc in the full-screen detail.
pub fn back(lang: Lang) -> &'static str {
    if lang == Lang::Es {
        "volver a la lista"
    } else {
        "back to the list"
    }
}
