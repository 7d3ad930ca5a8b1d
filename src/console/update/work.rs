//! Case work in `update`: starting an action, driving its form, the command line. Still pure: an
//! action leaves as a [`Command::Submit`] and the outbox does the rest.

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::{
    AssignRequest, CheckpointRequest, CloseRequest, IntakeRequest, NoteRequest, ReopenRequest,
    TransferRequest,
};
use crate::console::action::Command;
use crate::console::command::{self, Verb};
use crate::console::form::{Form, PickItem, Purpose};
use crate::console::keymap::{Intent, Mode};
use crate::console::model::{Model, Tab, tabs};
use crate::console::net::outbox::{ActionRequest, Draft};
use crate::domain::backlog;
use crate::domain::checkpoint::{self, CheckpointCode, CloseOutcome};
use crate::domain::event::EventKind;
use crate::domain::sanitize::{Lines, sanitize};
use crate::domain::staff::may;
use crate::i18n::{self, Text, casework, console as words, t};

fn kind_of(intent: Intent) -> Option<EventKind> {
    Some(match intent {
        Intent::Acknowledge => EventKind::CaseAcknowledged,
        Intent::Assign => EventKind::LawyerAssigned,
        Intent::Checkpoint => EventKind::CheckpointLogged,
        Intent::Note => EventKind::NoteAdded,
        Intent::Close => EventKind::CaseClosed,
        Intent::Reopen => EventKind::CaseReopened,
        Intent::Transfer => EventKind::TransferRequested,
        Intent::AcceptTransfer => EventKind::TransferAccepted,
        Intent::Intake => EventKind::LawyerAssigned,
        _ => return None,
    })
}

fn mode_of(form: &Form) -> Mode {
    if form.confirming {
        Mode::Confirm
    } else if form.picker.is_some() {
        Mode::Picker
    } else {
        Mode::Form
    }
}

fn open_form(model: &mut Model, form: Form) {
    model.mode = mode_of(&form);
    model.form = Some(form);
    model.message = None;
}

fn close_form(model: &mut Model) {
    model.form = None;
    model.mode = Mode::Normal;
}

fn submit(model: &mut Model, case_id: u64, version: u64, request: ActionRequest) -> Vec<Command> {
    close_form(model);
    model.message = Some(format!(
        "#{case_id} · {} · {}",
        i18n::event(model.lang, request.kind()),
        t(model.lang, Text::Sending)
    ));
    vec![Command::Submit(Draft {
        case_id,
        version,
        request,
    })]
}

/// Begins an action on `target`: checks the role and the case's state here first, so the
/// operator hears "no" at once instead of from the hub.
pub fn start(model: &mut Model, intent: Intent, target: Option<u64>) -> Vec<Command> {
    let lang = model.lang;
    let Some(kind) = kind_of(intent) else {
        return vec![];
    };
    if !model.role().is_some_and(|r| may(r, kind)) {
        model.message = Some(t(lang, Text::NotPermitted).into());
        return vec![];
    }
    if intent == Intent::Intake {
        // A call needs no case selected: it makes one.
        open_form(model, Form::intake());
        return vec![];
    }
    let Some(case) = target.and_then(|id| model.cases.get(&id)) else {
        model.message = Some(t(lang, Text::NoCaseSelected).into());
        return vec![];
    };
    if let Err(refusal) = case.permits(kind) {
        model.message = Some(format!("#{}: {}", case.id, words::refusal(lang, refusal)));
        return vec![];
    }
    let (id, version) = (case.id, case.version);
    match intent {
        Intent::Acknowledge => submit(model, id, version, ActionRequest::Ack),
        Intent::Assign => {
            let form = Form::assign(case, &model.lawyers, lang);
            open_form(model, form);
            // Fresh loads for the picker; it fills in when they arrive.
            vec![Command::FetchLawyers]
        }
        Intent::Checkpoint => {
            let form = Form::checkpoint(case, lang);
            open_form(model, form);
            vec![]
        }
        Intent::Note => {
            let form = Form::note(case);
            open_form(model, form);
            vec![]
        }
        Intent::Close => {
            let form = Form::close(case, lang);
            open_form(model, form);
            vec![]
        }
        Intent::Reopen => {
            let form = Form::reopen(case);
            open_form(model, form);
            vec![]
        }
        Intent::Transfer => {
            let form = Form::transfer(case, &model.consulates, lang);
            open_form(model, form);
            vec![]
        }
        Intent::AcceptTransfer => {
            // Only the receiving side takes a case over; say so here rather than after a 409.
            let mine = model.me.as_ref().and_then(|m| m.consulate.clone());
            if mine.is_some() && case.also_consulate() != mine.as_deref() {
                model.message = Some(format!(
                    "#{id}: {}",
                    words::refusal(lang, crate::domain::case::Refusal::NoTransfer)
                ));
                return vec![];
            }
            submit(model, id, version, ActionRequest::AcceptTransfer)
        }
        _ => vec![],
    }
}

pub fn typed_in_form(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(form) = &mut model.form else {
        return vec![];
    };
    if let Some(picker) = &mut form.picker {
        if key.code != KeyCode::Enter {
            picker.filter.input(key);
            picker.selected = 0;
        }
        return vec![];
    }
    let Some(input) = form.focused() else {
        return vec![];
    };
    if key.code == KeyCode::Enter && !input.multiline {
        form.move_focus(1);
    } else {
        input.editor.input(key);
    }
    vec![]
}

pub fn on_form_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    let lang = model.lang;
    let now = model.now;
    let Some(form) = &mut model.form else {
        model.mode = Mode::Normal;
        return vec![];
    };
    match intent {
        Intent::Quit => {
            model.quit = true;
            return vec![Command::Quit];
        }
        Intent::Cancel => close_form(model),
        Intent::Up => {
            if let Some(p) = &mut form.picker {
                p.move_by(-1)
            }
        }
        Intent::Down => {
            if let Some(p) = &mut form.picker {
                p.move_by(1)
            }
        }
        Intent::Choose => {
            let Some(item) = form.picker.as_ref().and_then(|p| p.chosen()).cloned() else {
                return vec![];
            };
            if form.purpose == Purpose::Assign {
                let (id, version) = (form.case_id, form.version);
                let Ok(lawyer_id) = item.key.parse() else {
                    return vec![];
                };
                return submit(
                    model,
                    id,
                    version,
                    ActionRequest::Assign(AssignRequest { lawyer_id }),
                );
            }
            form.choose(item, lang, now);
            model.mode = mode_of(form);
        }
        Intent::NextField => form.move_focus(1),
        Intent::PrevField => form.move_focus(-1),
        Intent::Send => return send(model),
        Intent::Yes => {
            let request = close_request(form);
            let (id, version) = (form.case_id, form.version);
            if let Some(request) = request {
                return submit(model, id, version, ActionRequest::Close(request));
            }
        }
        Intent::Back => {
            form.confirming = false;
            model.mode = mode_of(form);
        }
        _ => {}
    }
    vec![]
}

fn close_request(form: &Form) -> Option<CloseRequest> {
    let outcome = form
        .chosen
        .as_ref()
        .and_then(|c| CloseOutcome::parse(&c.key))?;
    Some(CloseRequest {
        outcome,
        note: form.input("note").map(|i| i.value()).unwrap_or_default(),
    })
}

/// Says what is wrong with a field in the operator's language: the field's label, whether it was
/// required or malformed, and what is expected.
fn field_problem(model: &Model, form: &Form, field: &str, message: &str) -> String {
    let lang = model.lang;
    let name = field.trim_start_matches("fields.");
    let label = casework::word(lang, name);
    let hint = form.input(name).map(|i| i.hint.clone()).unwrap_or_default();
    let missing = message.contains("required") || message.contains("must not be empty");
    if missing {
        format!("{label} {}", t(lang, Text::Required))
    } else if hint.is_empty() {
        format!("{label} {}", t(lang, Text::Invalid))
    } else {
        format!(
            "{label} {} ({}: {hint})",
            t(lang, Text::Invalid),
            t(lang, Text::Expected)
        )
    }
}

/// Ctrl-S: validate with the hub's own rules, then submit (or, for closing, ask to confirm).
fn send(model: &mut Model) -> Vec<Command> {
    let Some(form) = &model.form else {
        return vec![];
    };
    let (id, version) = (form.case_id, form.version);
    let value = |name: &str| form.input(name).map(|i| i.value()).unwrap_or_default();
    let result: Result<ActionRequest, (String, String)> = match form.purpose {
        Purpose::Note => checkpoint::note("note", &value("note"), true)
            .map(|text| ActionRequest::Note(NoteRequest { text }))
            .map_err(|e| (e.field, e.message)),
        Purpose::Reopen => checkpoint::note("reason", &value("reason"), true)
            .map(|reason| ActionRequest::Reopen(ReopenRequest { reason }))
            .map_err(|e| (e.field, e.message)),
        Purpose::Close => match checkpoint::note("note", &value("note"), true) {
            Ok(_) => {
                if let Some(form) = &mut model.form {
                    form.confirming = true;
                    form.error = None;
                }
                model.mode = Mode::Confirm;
                return vec![];
            }
            Err(e) => Err((e.field, e.message)),
        },
        Purpose::Checkpoint => checkpoint_request(form, model.now),
        Purpose::Transfer => {
            let to = form
                .chosen
                .as_ref()
                .map(|c| c.key.clone())
                .unwrap_or_default();
            checkpoint::note("reason", &value("reason"), true)
                .map(|reason| {
                    ActionRequest::Transfer(TransferRequest {
                        to_consulate: to,
                        reason,
                    })
                })
                .map_err(|e| (e.field, e.message))
        }
        Purpose::Intake => intake_request(form).map_err(|e| (e.field, e.message)),
        Purpose::Assign => return vec![],
    };
    match result {
        Ok(request) => submit(model, id, version, request),
        Err((field, message)) => {
            let problem = field_problem(model, form, &field, &message);
            if let Some(form) = &mut model.form {
                let name = field.trim_start_matches("fields.");
                if let Some(at) = form.inputs.iter().position(|i| i.name == name) {
                    form.focus = at;
                }
                form.error = Some(problem);
            }
            vec![]
        }
    }
}

fn intake_request(form: &Form) -> Result<ActionRequest, crate::domain::validate::FieldError> {
    let value = |name: &str| {
        form.input(name)
            .map(|i| i.value().trim().to_string())
            .unwrap_or_default()
    };
    let number = |name: &str| -> Result<Option<f64>, crate::domain::validate::FieldError> {
        let v = value(name);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| crate::domain::validate::FieldError {
                field: name.into(),
                message: "invalid".into(),
            })
    };
    let kind = match value("kind").as_str() {
        "" => None,
        k => Some(
            serde_json::from_value(serde_json::Value::String(k.to_lowercase())).map_err(|_| {
                crate::domain::validate::FieldError {
                    field: "kind".into(),
                    message: "invalid".into(),
                }
            })?,
        ),
    };
    let place = value("place");
    let request = IntakeRequest {
        name: value("name"),
        phone: value("phone").replace([' ', '-'], ""),
        description: form
            .input("description")
            .map(|i| i.value())
            .unwrap_or_default(),
        place: (!place.is_empty()).then_some(place),
        lat: number("lat")?,
        lon: number("lon")?,
        kind,
        language: None,
    };
    // The hub's own checks, here first.
    crate::domain::intake::validate(&request)?;
    Ok(ActionRequest::Intake(request))
}

fn checkpoint_request(
    form: &Form,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ActionRequest, (String, String)> {
    let code = form
        .chosen
        .as_ref()
        .and_then(|c| CheckpointCode::parse(&c.key))
        .ok_or_else(|| ("code".to_string(), "required".to_string()))?;
    let at_text = form.input("at").map(|i| i.value()).unwrap_or_default();
    let at = checkpoint::parse_datetime(&at_text)
        .ok_or_else(|| ("at".to_string(), "invalid".to_string()))?;
    let fields = form
        .inputs
        .iter()
        .filter(|i| i.name != "at" && i.name != "note")
        .map(|i| (i.name.to_string(), i.value().trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let request = CheckpointRequest {
        code,
        at: Some(at),
        fields,
        note: form.input("note").map(|i| i.value()).unwrap_or_default(),
    };
    // The hub's own validation, run here first so the operator sees the problem at once.
    checkpoint::checkpoint(&request, now).map_err(|e| (e.field, e.message))?;
    Ok(ActionRequest::Checkpoint(request))
}

pub fn on_command_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    match intent {
        Intent::Cancel => {
            model.mode = Mode::Normal;
            vec![]
        }
        Intent::Quit => {
            model.quit = true;
            vec![Command::Quit]
        }
        Intent::Run => {
            let line = model.command_input.lines().join(" ");
            model.mode = Mode::Normal;
            match command::parse(&line) {
                Ok(verb) => run(model, verb),
                Err(e) => {
                    model.message = Some(words::command_error(model.lang, &e));
                    vec![]
                }
            }
        }
        _ => vec![],
    }
}

fn run(model: &mut Model, verb: Verb) -> Vec<Command> {
    let lang = model.lang;
    let id = match &verb {
        Verb::Open(id)
        | Verb::Ack(id)
        | Verb::Assign(id, _)
        | Verb::Close(id, ..)
        | Verb::Note(id, _)
        | Verb::Checkpoint(id, _)
        | Verb::Reopen(id, _) => *id,
    };
    if !model.cases.contains_key(&id) {
        model.message = Some(words::case_not_visible(lang, id));
        return vec![];
    }
    select_case(model, id);
    match verb {
        Verb::Open(_) => vec![],
        Verb::Ack(_) => start(model, Intent::Acknowledge, Some(id)),
        Verb::Note(_, text) => {
            let mut commands = start(model, Intent::Note, Some(id));
            if let Some(form) = &mut model.form {
                form.inputs[0].editor = ratatui_textarea::TextArea::new(vec![text]);
                commands.extend(send(model));
            }
            commands
        }
        Verb::Reopen(_, reason) => {
            let mut commands = start(model, Intent::Reopen, Some(id));
            if let Some(form) = &mut model.form {
                form.inputs[0].editor = ratatui_textarea::TextArea::new(vec![reason]);
                commands.extend(send(model));
            }
            commands
        }
        Verb::Checkpoint(_, code) => {
            let commands = start(model, Intent::Checkpoint, Some(id));
            if let (Some(code), Some(form)) = (code, &mut model.form) {
                let item = PickItem {
                    key: code.as_str().into(),
                    label: casework::checkpoint(lang, code).into(),
                    detail: String::new(),
                    search: String::new(),
                };
                form.choose(item, lang, model.now);
                model.mode = mode_of(form);
            }
            commands
        }
        Verb::Close(_, outcome, note) => {
            let commands = start(model, Intent::Close, Some(id));
            if let Some(form) = &mut model.form {
                let item = PickItem {
                    key: outcome.as_str().into(),
                    label: casework::outcome(lang, outcome).into(),
                    detail: String::new(),
                    search: String::new(),
                };
                form.choose(item, lang, model.now);
                model.mode = mode_of(form);
                if !note.is_empty() {
                    form.inputs[0].editor = ratatui_textarea::TextArea::new(vec![note]);
                    // Straight to the confirmation: closing is never one keystroke.
                    return send(model);
                }
            }
            commands
        }
        Verb::Assign(_, who) => assign_by_name(model, id, &who),
    }
}

fn assign_by_name(model: &mut Model, id: u64, who: &str) -> Vec<Command> {
    let lang = model.lang;
    if model.lawyers.is_empty() {
        model.message = Some(t(lang, Text::LawyersNotLoaded).into());
        return vec![Command::FetchLawyers];
    }
    let needle = who.trim().to_lowercase();
    let matches: Vec<i64> = model
        .lawyers
        .iter()
        .filter(|l| {
            l.id.to_string() == needle
                || sanitize(&l.name, Lines::One)
                    .to_lowercase()
                    .contains(&needle)
        })
        .map(|l| l.id)
        .collect();
    if let [lawyer_id] = matches[..] {
        if !model
            .role()
            .is_some_and(|r| may(r, EventKind::LawyerAssigned))
        {
            model.message = Some(t(lang, Text::NotPermitted).into());
            return vec![];
        }
        let Some(case) = model.cases.get(&id) else {
            return vec![];
        };
        let version = case.version;
        return submit(
            model,
            id,
            version,
            ActionRequest::Assign(AssignRequest { lawyer_id }),
        );
    }
    // None or several: open the picker with the words typed, so the operator chooses.
    let commands = start(model, Intent::Assign, Some(id));
    if let Some(form) = &mut model.form
        && let Some(p) = &mut form.picker
    {
        p.filter = ratatui_textarea::TextArea::new(vec![who.to_string()]);
        p.filter.move_cursor(ratatui_textarea::CursorMove::End);
        model.message = Some(words::lawyer_ambiguous(lang, matches.len()));
    }
    commands
}

/// The supervisor's attention list: overdue, then without a lawyer, then deadlines; each case
/// once.
pub fn attention(model: &Model) -> Vec<u64> {
    attention_of(&backlog_of(model))
}

pub fn backlog_of(model: &Model) -> backlog::Backlog {
    backlog::compute(
        model.cases.values(),
        &model.lawyers,
        model.now,
        model.rules.sla,
    )
}

pub fn attention_of(b: &backlog::Backlog) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for id in b
        .overdue
        .iter()
        .chain(&b.without_lawyer)
        .chain(b.deadlines.iter().map(|(id, _)| id))
    {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

pub fn backlog_target(model: &Model) -> Option<u64> {
    attention(model).get(model.backlog_selected).copied()
}

/// Shows a case in the queue: switches to the tab that lists cases and selects it.
pub fn select_case(model: &mut Model, id: u64) {
    let list = tabs(model.role());
    if model.tab == Tab::Backlog
        && let Some(tab) = list.iter().find(|t| **t != Tab::Backlog)
    {
        model.tab = *tab;
    }
    // A closed case is out of the live queue: search for it so that it shows.
    let closed = model
        .cases
        .get(&id)
        .is_some_and(|c| c.status == crate::domain::case::CaseStatus::Closed);
    model.filter = if closed {
        id.to_string()
    } else {
        String::new()
    };
    model.selected = Some(id);
    model.order_stale = true;
    model.refresh_order();
    model.unseen.remove(&id);
}
