//! The one table of keys: it dispatches keys, and the hint bar and the `?` help are generated
//! from it, so what the screen says and what the keys do can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Help,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    SortUrgency,
    SortProximity,
    SortAge,
    OpenFilter,
    ApplyFilter,
    ClearFilter,
    ToggleHelp,
    CloseHelp,
    Quit,
}

pub struct Binding {
    pub mode: Mode,
    pub code: KeyCode,
    pub label: &'static str,
    pub intent: Intent,
    /// Shown in the hint bar (the rest only in `?`).
    pub hint: bool,
}

const fn b(mode: Mode, code: KeyCode, label: &'static str, intent: Intent, hint: bool) -> Binding {
    Binding {
        mode,
        code,
        label,
        intent,
        hint,
    }
}

use Intent::*;
use Mode::*;

pub const BINDINGS: &[Binding] = &[
    b(Normal, KeyCode::Up, "↑", Up, true),
    b(Normal, KeyCode::Char('k'), "k", Up, false),
    b(Normal, KeyCode::Down, "↓", Down, true),
    b(Normal, KeyCode::Char('j'), "j", Down, false),
    b(Normal, KeyCode::PageUp, "PgUp", PageUp, false),
    b(Normal, KeyCode::PageDown, "PgDn", PageDown, false),
    b(Normal, KeyCode::Home, "Home", First, false),
    b(Normal, KeyCode::Char('g'), "g", First, false),
    b(Normal, KeyCode::End, "End", Last, false),
    b(Normal, KeyCode::Char('G'), "G", Last, false),
    b(Normal, KeyCode::Char('u'), "u", SortUrgency, true),
    b(Normal, KeyCode::Char('p'), "p", SortProximity, true),
    b(Normal, KeyCode::Char('a'), "a", SortAge, true),
    b(Normal, KeyCode::Char('/'), "/", OpenFilter, true),
    b(Normal, KeyCode::Esc, "Esc", ClearFilter, false),
    b(Normal, KeyCode::Char('?'), "?", ToggleHelp, true),
    b(Normal, KeyCode::Char('q'), "q", Quit, true),
    b(Filter, KeyCode::Enter, "Enter", ApplyFilter, true),
    b(Filter, KeyCode::Esc, "Esc", ClearFilter, true),
    b(Help, KeyCode::Esc, "Esc", CloseHelp, true),
    b(Help, KeyCode::Char('?'), "?", CloseHelp, false),
    b(Help, KeyCode::Char('q'), "q", CloseHelp, false),
];

/// The intent bound to `key` in `mode`. Ctrl-C always quits, whatever the mode, so the operator
/// is never trapped.
pub fn dispatch(mode: Mode, key: &KeyEvent) -> Option<Intent> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Quit);
    }
    BINDINGS
        .iter()
        .find(|b| b.mode == mode && b.code == key.code)
        .map(|b| b.intent)
}

pub fn describe(lang: Lang, intent: Intent) -> &'static str {
    let es = matches!(lang, Lang::Es);
    match (intent, es) {
        (Up, true) => "subir",
        (Up, false) => "up",
        (Down, true) => "bajar",
        (Down, false) => "down",
        (PageUp, true) => "página arriba",
        (PageUp, false) => "page up",
        (PageDown, true) => "página abajo",
        (PageDown, false) => "page down",
        (First, true) => "primera",
        (First, false) => "first",
        (Last, true) => "última",
        (Last, false) => "last",
        (SortUrgency, true) => "por urgencia",
        (SortUrgency, false) => "by urgency",
        (SortProximity, true) => "por cercanía",
        (SortProximity, false) => "by proximity",
        (SortAge, true) => "por antigüedad",
        (SortAge, false) => "by age",
        (OpenFilter, true) => "filtrar",
        (OpenFilter, false) => "filter",
        (ApplyFilter, true) => "aplicar",
        (ApplyFilter, false) => "apply",
        (ClearFilter, true) => "quitar filtro",
        (ClearFilter, false) => "clear filter",
        (ToggleHelp, true) => "ayuda",
        (ToggleHelp, false) => "help",
        (CloseHelp, true) => "cerrar",
        (CloseHelp, false) => "close",
        (Quit, true) => "salir",
        (Quit, false) => "quit",
    }
}

/// (keys, description) for every intent of `mode`, keys that share an intent joined with `/`.
pub fn help_rows(mode: Mode, lang: Lang, hints_only: bool) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(Intent, String)> = Vec::new();
    for binding in BINDINGS
        .iter()
        .filter(|b| b.mode == mode && (!hints_only || b.hint))
    {
        match rows.iter_mut().find(|(i, _)| *i == binding.intent) {
            Some((_, keys)) => {
                keys.push('/');
                keys.push_str(binding.label);
            }
            None => rows.push((binding.intent, binding.label.to_string())),
        }
    }
    rows.into_iter()
        .map(|(intent, keys)| (keys, describe(lang, intent)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hinted_key_dispatches_to_what_the_hint_says() {
        for binding in BINDINGS {
            let key = KeyEvent::new(binding.code, KeyModifiers::NONE);
            assert_eq!(dispatch(binding.mode, &key), Some(binding.intent));
        }
    }

    #[test]
    fn ctrl_c_quits_in_every_mode() {
        let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Normal, Filter, Help] {
            assert_eq!(dispatch(mode, &key), Some(Quit));
        }
    }
}
