//! The one table of keys: it dispatches keys, and the hint bar and the `?` help are generated
//! from it, so what the screen says and what the keys do can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::records::Intent;
use crate::domain::command::{Verb, role_may};
use crate::domain::staff::Role;
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Help,
    /// Choosing from a list that filters as you type (lawyers, checkpoint types, outcomes).
    Picker,
    /// Editing fields and a note.
    Form,
    /// Asked to confirm an irreversible step (closing).
    Confirm,
    /// The `:` command line.
    Command,
    /// Reviewing actions the hub refused.
    Refusals,
    /// Asked to confirm acknowledging every unattended case in the view.
    Bulk,
    /// One case open over the whole body (`Enter`): the movement keys scroll it, and only
    /// `Esc` goes back to the list, so no key quietly puts another case under the verbs.
    Case,
    /// The shift tab: read, not selected in. It has no case under a cursor, so no case verbs.
    Shift,
}

pub struct Binding {
    pub mode: Mode,
    pub code: KeyCode,
    pub ctrl: bool,
    pub label: &'static str,
    pub intent: Intent,
    /// Shown in the hint bar (the rest only in `?`).
    pub hint: bool,
    /// The case command this key starts, if any: the key is offered only to roles that may.
    pub needs: Option<Verb>,
}

const fn b(mode: Mode, code: KeyCode, label: &'static str, intent: Intent, hint: bool) -> Binding {
    Binding {
        mode,
        code,
        ctrl: false,
        label,
        intent,
        hint,
        needs: None,
    }
}

/// A key that begins a case command, shown in the hint bar.
const fn act(code: char, label: &'static str, verb: Verb) -> Binding {
    act_in(Normal, code, label, verb)
}

const fn act_in(mode: Mode, code: char, label: &'static str, verb: Verb) -> Binding {
    Binding {
        mode,
        code: KeyCode::Char(code),
        ctrl: false,
        label,
        intent: Start(verb),
        hint: true,
        needs: Some(verb),
    }
}

/// A less frequent case command: listed after the daily keys, so the hint bar shows it only
/// where there is room (never at the expense of `?` and `q`).
const fn act_rare(code: char, label: &'static str, verb: Verb) -> Binding {
    act(code, label, verb)
}

/// A key shown only in `?`, not in the hint bar.
const fn quiet(mode: Mode, code: KeyCode, label: &'static str, intent: Intent) -> Binding {
    b(mode, code, label, intent, false)
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
    b(Normal, KeyCode::Enter, "Enter", Open, true),
    b(Normal, KeyCode::Char('1'), "1", Tab(0), false),
    b(Normal, KeyCode::Char('2'), "2", Tab(1), false),
    b(Normal, KeyCode::Char('3'), "3", Tab(2), false),
    b(Normal, KeyCode::Tab, "Tab", NextTab, false),
    act('a', "a", Verb::Acknowledge),
    act('l', "l", Verb::Assign),
    act('c', "c", Verb::Checkpoint),
    act('n', "n", Verb::Note),
    // Capital letters: closing and reopening are deliberate, never one slip from a scroll key.
    act('X', "X", Verb::Close),
    b(Normal, KeyCode::Char(':'), ":", CommandLine, true),
    b(Normal, KeyCode::Char('!'), "!", ShowRefusals, false),
    b(Normal, KeyCode::Char('F'), "F", CycleConsent, false),
    b(Normal, KeyCode::Char('J'), "J", DetailDown, false),
    b(Normal, KeyCode::Char('K'), "K", DetailUp, false),
    b(Normal, KeyCode::Char('s'), "s", NextSort, true),
    Binding {
        mode: Normal,
        code: KeyCode::Char('B'),
        ctrl: false,
        label: "B",
        intent: BulkAcknowledge,
        hint: false,
        needs: Some(Verb::Acknowledge),
    },
    b(Normal, KeyCode::Char('/'), "/", OpenFilter, true),
    b(Normal, KeyCode::Char('v'), "v", NextView, true),
    b(Normal, KeyCode::Char('m'), "m", ToggleMap, false),
    b(Normal, KeyCode::Char('z'), "z", NextCluster, false),
    b(Normal, KeyCode::Char('p'), "p", StartWork, false),
    // Most used first: a call to take, then triage, then transfers.
    act_rare('I', "I", Verb::Intake),
    act_rare('T', "T", Verb::Triage),
    act_rare('t', "t", Verb::Transfer),
    act_rare('A', "A", Verb::AcceptTransfer),
    act_rare('D', "D", Verb::DeclineTransfer),
    act_rare('O', "O", Verb::Reopen),
    b(Normal, KeyCode::Esc, "Esc", ClearFilter, false),
    b(Normal, KeyCode::Char('?'), "?", ToggleHelp, true),
    b(Normal, KeyCode::Char('q'), "q", Quit, true),
    b(Filter, KeyCode::Enter, "Enter", ApplyFilter, true),
    b(Filter, KeyCode::Esc, "Esc", ClearFilter, true),
    b(Help, KeyCode::Esc, "Esc", CloseHelp, true),
    b(Help, KeyCode::Char('?'), "?", CloseHelp, false),
    b(Help, KeyCode::Char('q'), "q", CloseHelp, false),
    b(Picker, KeyCode::Up, "↑", Up, true),
    b(Picker, KeyCode::Down, "↓", Down, true),
    b(Picker, KeyCode::Enter, "Enter", Choose, true),
    b(Picker, KeyCode::Esc, "Esc", Cancel, true),
    b(Form, KeyCode::Tab, "Tab", NextField, true),
    b(Form, KeyCode::BackTab, "⇧Tab", PrevField, false),
    Binding {
        mode: Form,
        code: KeyCode::Char('s'),
        ctrl: true,
        label: "Ctrl-S",
        intent: Send,
        hint: true,
        needs: None,
    },
    b(Form, KeyCode::Esc, "Esc", KeepDraft, true),
    Binding {
        mode: Form,
        code: KeyCode::Char('d'),
        ctrl: true,
        label: "Ctrl-D",
        intent: DiscardDraft,
        hint: true,
        needs: None,
    },
    b(Confirm, KeyCode::Char('y'), "y", Yes, true),
    b(Confirm, KeyCode::Char('s'), "s", Yes, false),
    b(Confirm, KeyCode::Char('n'), "n", Back, true),
    b(Confirm, KeyCode::Esc, "Esc", Back, false),
    b(Command, KeyCode::Enter, "Enter", Run, true),
    b(Command, KeyCode::Esc, "Esc", Cancel, true),
    b(Refusals, KeyCode::Up, "↑", Up, true),
    b(Refusals, KeyCode::Down, "↓", Down, true),
    b(Refusals, KeyCode::Char('e'), "e", EditRefused, true),
    b(Refusals, KeyCode::Char('f'), "f", SendAnyway, true),
    b(Refusals, KeyCode::Char('d'), "d", Dismiss, true),
    b(Refusals, KeyCode::Esc, "Esc", Cancel, true),
    b(Bulk, KeyCode::Char('s'), "s", Yes, true),
    b(Bulk, KeyCode::Char('y'), "y", Yes, true),
    b(Bulk, KeyCode::Char('n'), "n", Back, true),
    b(Bulk, KeyCode::Esc, "Esc", Back, false),
    // The open case. The way back comes first in the hint bar.
    b(Case, KeyCode::Esc, "Esc", CloseCase, true),
    quiet(Case, KeyCode::Enter, "Enter", CloseCase),
    b(Case, KeyCode::Up, "↑", Up, true),
    quiet(Case, KeyCode::Char('k'), "k", Up),
    b(Case, KeyCode::Down, "↓", Down, true),
    quiet(Case, KeyCode::Char('j'), "j", Down),
    quiet(Case, KeyCode::Char('K'), "K", Up),
    quiet(Case, KeyCode::Char('J'), "J", Down),
    quiet(Case, KeyCode::PageUp, "PgUp", PageUp),
    quiet(Case, KeyCode::PageDown, "PgDn", PageDown),
    quiet(Case, KeyCode::Home, "Home", First),
    quiet(Case, KeyCode::Char('g'), "g", First),
    quiet(Case, KeyCode::End, "End", Last),
    quiet(Case, KeyCode::Char('G'), "G", Last),
    act_in(Case, 'a', "a", Verb::Acknowledge),
    act_in(Case, 'l', "l", Verb::Assign),
    act_in(Case, 'c', "c", Verb::Checkpoint),
    act_in(Case, 'n', "n", Verb::Note),
    act_in(Case, 'X', "X", Verb::Close),
    b(Case, KeyCode::Char(':'), ":", CommandLine, true),
    quiet(Case, KeyCode::Char('!'), "!", ShowRefusals),
    quiet(Case, KeyCode::Char('m'), "m", ToggleMap),
    act_in(Case, 'I', "I", Verb::Intake),
    act_in(Case, 'T', "T", Verb::Triage),
    act_in(Case, 't', "t", Verb::Transfer),
    act_in(Case, 'A', "A", Verb::AcceptTransfer),
    act_in(Case, 'D', "D", Verb::DeclineTransfer),
    act_in(Case, 'O', "O", Verb::Reopen),
    b(Case, KeyCode::Char('?'), "?", ToggleHelp, true),
    b(Case, KeyCode::Char('q'), "q", Quit, true),
    // The shift tab: scrolling, the tabs, protection work and taking a call (no case needed).
    b(Shift, KeyCode::Up, "↑", Up, true),
    quiet(Shift, KeyCode::Char('k'), "k", Up),
    b(Shift, KeyCode::Down, "↓", Down, true),
    quiet(Shift, KeyCode::Char('j'), "j", Down),
    quiet(Shift, KeyCode::PageUp, "PgUp", PageUp),
    b(Shift, KeyCode::PageDown, "PgDn", PageDown, true),
    quiet(Shift, KeyCode::Home, "Home", First),
    quiet(Shift, KeyCode::Char('g'), "g", First),
    quiet(Shift, KeyCode::End, "End", Last),
    quiet(Shift, KeyCode::Char('G'), "G", Last),
    quiet(Shift, KeyCode::Char('1'), "1", Tab(0)),
    quiet(Shift, KeyCode::Char('2'), "2", Tab(1)),
    quiet(Shift, KeyCode::Char('3'), "3", Tab(2)),
    b(Shift, KeyCode::Tab, "Tab", NextTab, true),
    b(Shift, KeyCode::Char('p'), "p", StartWork, true),
    act_in(Shift, 'I', "I", Verb::Intake),
    b(Shift, KeyCode::Char(':'), ":", CommandLine, true),
    quiet(Shift, KeyCode::Char('!'), "!", ShowRefusals),
    b(Shift, KeyCode::Char('?'), "?", ToggleHelp, true),
    b(Shift, KeyCode::Char('q'), "q", Quit, true),
];

/// The intent bound to `key` in `mode`. Ctrl-C always quits, whatever the mode, so the operator
/// is never trapped.
pub fn dispatch(mode: Mode, key: &KeyEvent) -> Option<Intent> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Quit);
    }
    BINDINGS
        .iter()
        .find(|b| b.mode == mode && b.code == key.code && b.ctrl == ctrl)
        .map(|b| b.intent)
}

/// Whether `role` may use this binding: keys for case commands need the role's permission, and
/// keys for tabs need the tab (a lawyer has one view; only supervisors have the backlog).
pub fn allowed(binding: &Binding, role: Option<Role>) -> bool {
    let tabs = crate::console::records::tabs(role);
    let has_tab = match binding.intent {
        // One view needs no tab keys at all.
        Tab(n) => tabs.len() > 1 && usize::from(n) < tabs.len(),
        NextTab => tabs.len() > 1,
        CycleConsent => tabs.contains(&crate::console::records::Tab::Backlog),
        // Officers and supervisors do protection work; lawyers and admins do not.
        StartWork => role.is_some_and(|r| {
            crate::domain::work::WorkVerb::ALL
                .iter()
                .any(|v| crate::domain::command::role_may_work(r, *v))
        }),
        _ => true,
    };
    has_tab
        && match (binding.needs, role) {
            (None, _) => true,
            (Some(verb), Some(role)) => role_may(role, verb),
            (Some(_), None) => false,
        }
}

/// (keys, description) for every intent of `mode` that `role` may use, keys that share an intent
/// joined with `/`.
pub fn help_rows(
    mode: Mode,
    lang: Lang,
    hints_only: bool,
    role: Option<Role>,
) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(Intent, String)> = Vec::new();
    for binding in BINDINGS
        .iter()
        .filter(|b| b.mode == mode && (!hints_only || b.hint) && allowed(b, role))
    {
        match rows.iter_mut().find(|(i, _)| *i == binding.intent) {
            Some((_, keys)) => {
                keys.push('/');
                keys.push_str(binding.label);
            }
            None => rows.push((binding.intent, binding.label.to_string())),
        }
    }
    // In an open case and on the shift tab the movement keys scroll text, not a list.
    let scrolls_text = matches!(mode, Mode::Case | Mode::Shift);
    rows.into_iter()
        .map(|(intent, keys)| {
            (
                keys,
                crate::console::words::keys::describe_in(lang, scrolls_text, intent, role),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hinted_key_dispatches_to_what_the_hint_says() {
        for binding in BINDINGS {
            let modifiers = if binding.ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            let key = KeyEvent::new(binding.code, modifiers);
            assert_eq!(dispatch(binding.mode, &key), Some(binding.intent));
        }
    }

    #[test]
    fn a_lawyer_is_not_offered_assign_or_close() {
        let rows = help_rows(Normal, Lang::En, true, Some(Role::Lawyer));
        let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"c") && keys.contains(&"n"));
        assert!(!keys.contains(&"l") && !keys.contains(&"X") && !keys.contains(&"a"));
        // One view: no tab keys in the help either.
        let all = help_rows(Normal, Lang::En, false, Some(Role::Lawyer));
        assert!(
            !all.iter().any(|(k, _)| k == "1" || k == "2" || k == "Tab"),
            "{all:?}"
        );
        let supervisor = help_rows(Normal, Lang::En, false, Some(Role::Supervisor));
        assert!(supervisor.iter().any(|(k, _)| k == "Tab"));
        let officer = help_rows(Normal, Lang::En, true, Some(Role::Officer));
        assert!(officer.iter().any(|(k, _)| k == "X"));
        assert!(!officer.iter().any(|(k, _)| k == "O"));
    }

    #[test]
    fn ctrl_c_quits_in_every_mode() {
        let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [
            Normal, Filter, Help, Picker, Form, Confirm, Command, Refusals, Bulk, Case, Shift,
        ] {
            assert_eq!(dispatch(mode, &key), Some(Quit));
        }
    }
}
