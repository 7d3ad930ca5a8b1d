//! The `:` command line in `update`: a parsed line becomes the same [`CaseCommand`] a key's form
//! would make, and goes through the same decision and outbox.

use super::forms::{start, submit};
use super::settle::select_case;
use crate::console::action::Command;
use crate::console::command_line::{self, Line};
use crate::console::form::PickItem;
use crate::console::keymap::Intent;
use crate::console::model::{Message, Model};
use crate::domain::command::{AssignRequest, CaseCommand, Verb};
use crate::i18n::{casework, fold};

pub fn on_command_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    match intent {
        Intent::Cancel => {
            model.overlay = crate::console::records::Overlay::None;
            vec![]
        }
        Intent::Quit => {
            model.quit = true;
            vec![Command::Quit]
        }
        Intent::Run => {
            let line = model.command_input.lines().join(" ");
            model.overlay = crate::console::records::Overlay::None;
            match command_line::parse(&line) {
                Ok(line) => run(model, line),
                Err(e) => {
                    model.message = Some(Message::Command(e));
                    vec![]
                }
            }
        }
        _ => vec![],
    }
}

fn fill_first_input(model: &mut Model, text: String) {
    if let Some(form) = &mut model.form
        && let Some(input) = form.inputs.first_mut()
    {
        input.editor = ratatui_textarea::TextArea::new(vec![text]);
    }
}

fn run(model: &mut Model, line: Line) -> Vec<Command> {
    let lang = model.lang;
    // The caller's case may be another consulate's, not in this list.
    if let Line::Call(id, text) = line {
        return super::forms::start_call_more(model, id, text);
    }
    if let Line::Raid(id) = line {
        return show_raid(model, id);
    }
    let id = match &line {
        Line::Open(id)
        | Line::Run(id, _)
        | Line::Assign(id, _)
        | Line::Close(id, ..)
        | Line::Checkpoint(id, _)
        | Line::CheckpointAmong(id, _) => *id,
        Line::Call(id, _) | Line::Raid(id) => *id,
    };
    let Some(version) = model.cases.get(&id).map(|c| c.version) else {
        model.message = Some(Message::CaseNotVisible(id));
        return vec![];
    };
    select_case(model, id);
    match line {
        // `:1015` is "open 1015": the case, over the whole body, as Enter on its row.
        Line::Open(_) => {
            model.detail.full = true;
            vec![]
        }
        Line::Run(_, command) => submit(model, id, version, command),
        Line::Checkpoint(_, code) => {
            let commands = start(model, Verb::Checkpoint, Some(id));
            if let (Some(code), Some(form)) = (code, &mut model.form) {
                let item = PickItem {
                    key: code.as_str().into(),
                    label: casework::checkpoint(lang, code).into(),
                    detail: String::new(),
                    search: String::new(),
                };
                form.choose(item, lang, model.now);
            }
            commands
        }
        Line::Close(_, outcome, note) => {
            let commands = start(model, Verb::Close, Some(id));
            if let Some(form) = &mut model.form {
                let item = PickItem {
                    key: outcome.as_str().into(),
                    label: casework::outcome(lang, outcome).into(),
                    detail: String::new(),
                    search: String::new(),
                };
                form.choose(item, lang, model.now);
                if !note.is_empty() {
                    fill_first_input(model, note);
                    // Straight to the confirmation: closing is never one keystroke.
                    return super::forms::on_form_intent(model, Intent::Send);
                }
            }
            commands
        }
        Line::Assign(_, who) => assign_by_name(model, id, version, &who),
        Line::CheckpointAmong(_, words) => {
            let commands = start(model, Verb::Checkpoint, Some(id));
            if let Some(picker) = model.form.as_mut().and_then(|f| f.picker.as_mut()) {
                picker.filter = ratatui_textarea::TextArea::new(vec![words.clone()]);
                picker.selected = 0;
                let n = picker.visible().len();
                model.message = Some(Message::ChooseAmong(n, words));
            }
            commands
        }
        Line::Call(..) | Line::Raid(_) => vec![],
    }
}

/// `:redada 12`: the queue narrowed to raid 12's cases, as the shift tab last listed it (Esc
/// gives the whole queue back).
fn show_raid(model: &mut Model, id: u64) -> Vec<Command> {
    let known = model
        .shift
        .panel
        .as_ref()
        .and_then(|p| p.incidents.iter().find(|i| i.incident.id == id))
        .map(|i| i.incident.cases.clone());
    let Some(ids) = known else {
        model.message = Some(Message::RaidUnknown(id));
        return vec![Command::FetchShift];
    };
    model.list.focus = Some(crate::console::records::Focus::Raid { id, ids });
    model.list.view = crate::console::quick_views::QuickView::Open;
    model.list.stale = true;
    model.tab = crate::console::model::Tab::Queue;
    vec![]
}

fn assign_by_name(model: &mut Model, id: u64, version: u64, who: &str) -> Vec<Command> {
    if model.lawyers.is_empty() {
        model.message = Some(Message::LawyersNotLoaded);
        return vec![Command::FetchLawyers];
    }
    // Accents and case do not matter: "beltran" finds "Beltrán".
    let needle = fold(who.trim());
    let matches: Vec<i64> = model
        .lawyers
        .iter()
        .filter(|l| l.id.to_string() == needle || fold(&l.name).contains(&needle))
        .map(|l| l.id)
        .collect();
    if let [lawyer_id] = matches[..] {
        let command = CaseCommand::Assign(AssignRequest { lawyer_id });
        return submit(model, id, version, command);
    }
    // None or several: open the picker with the words typed, so the operator chooses.
    let commands = start(model, Verb::Assign, Some(id));
    if let Some(form) = &mut model.form
        && let Some(p) = &mut form.picker
    {
        p.filter = ratatui_textarea::TextArea::new(vec![who.to_string()]);
        p.filter.move_cursor(ratatui_textarea::CursorMove::End);
        model.message = Some(Message::LawyerAmbiguous(matches.len()));
    }
    commands
}
