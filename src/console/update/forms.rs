//! Case work in `update`: starting a command, driving its form, submitting it. Still pure: a
//! command leaves as a [`Command::Submit`] and the outbox does the rest. Whether it may leave is
//! decided by the domain's own [`decide`], the function the hub decides with.

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::{
    AssignRequest, CheckpointRequest, CloseRequest, DeclineRequest, IntakeRequest, NoteRequest,
    ReopenRequest, TransferRequest,
};
use crate::console::action::Command;
use crate::console::form::{Form, NONE_OF_THEM};
use crate::console::keymap::Intent;
use crate::console::model::{Message, Model};
use crate::console::records::Draft;
use crate::domain::checkpoint::{CheckpointCode, CloseOutcome, FieldKind};
use crate::domain::command::{
    CaseCommand, Conflict, Facts, Refusal, Verb, decide, precheck, role_may,
};
use crate::domain::triage::{Category, Consent, Intent as Wish, Triage};
use crate::domain::validate::{FieldCode, FieldError};
use crate::i18n::casework;

fn open_form(model: &mut Model, form: Form) {
    model.form = Some(form);
    model.message = None;
}

fn close_form(model: &mut Model) {
    model.form = None;
    model.overlay = crate::console::records::Overlay::None;
}

/// A field's problem found here, before anything is sent.
fn field(name: &str, code: FieldCode) -> Refusal {
    Refusal::Invalid(FieldError::new(name, code, ""))
}

/// Shows a refusal where the operator is looking: in the open form (keeping what was typed, with
/// the focus on the bad field), or on the status line.
fn refuse(model: &mut Model, case_id: u64, refusal: Refusal) -> Vec<Command> {
    match &mut model.form {
        Some(form) => {
            if let Refusal::Invalid(e) = &refusal {
                let name = e.field.trim_start_matches("fields.");
                if let Some(at) = form.inputs.iter().position(|i| i.name == name) {
                    form.focus = at;
                }
            }
            form.stage = crate::console::form::Stage::Filling;
            form.error = Some(refusal);
        }
        None => model.message = Some(Message::Refused { case_id, refusal }),
    }
    vec![]
}

/// The console's early "no", with the hub's own decision on the case as this console holds it;
/// then the outbox. A command on a case that moved since the form opened is refused here too,
/// exactly as the hub would.
pub(super) fn submit(
    model: &mut Model,
    case_id: u64,
    version: u64,
    command: CaseCommand,
) -> Vec<Command> {
    if command.verb() != Verb::Intake && !decides_yes(model, case_id, &command) {
        return vec![];
    }
    close_form(model);
    model.message = Some(Message::Sending {
        case_id,
        kind: command.verb().appends(),
    });
    let mut commands = super::drafts::sent(model, case_id, command.verb());
    commands.insert(
        0,
        Command::Submit(Draft {
            case_id,
            version,
            request: command,
        }),
    );
    commands
}

/// Begins a command on `target`: role, scope and the case's state are checked here first, so
/// the operator hears "no" at once instead of from the hub.
pub fn start(model: &mut Model, verb: Verb, target: Option<u64>) -> Vec<Command> {
    let lang = model.lang;
    let Some(me) = model.me.clone() else {
        return vec![];
    };
    if !role_may(me.role, verb) {
        model.message = Some(Message::NotPermitted);
        return vec![];
    }
    if verb == Verb::Intake {
        // A call needs no case selected: it makes one.
        open_form(model, Form::intake(lang));
        super::drafts::restore(model);
        return vec![];
    }
    let Some(case) = target.and_then(|id| model.cases.get(&id)) else {
        model.message = Some(Message::NoCaseSelected);
        return vec![];
    };
    if let Err(refusal) = precheck(case, verb, &me) {
        model.message = Some(Message::Refused {
            case_id: case.id,
            refusal,
        });
        return vec![];
    }
    let (id, version) = (case.id, case.version);
    let form = match verb {
        Verb::Acknowledge => return submit(model, id, version, CaseCommand::Acknowledge),
        Verb::AcceptTransfer => return submit(model, id, version, CaseCommand::AcceptTransfer),
        Verb::Assign => {
            let form = Form::assign(case, &model.lawyers, lang);
            open_form(model, form);
            super::drafts::restore(model);
            // Fresh loads for the picker; it fills in when they arrive.
            return vec![Command::FetchLawyers];
        }
        Verb::Checkpoint => Form::checkpoint(case, lang, &model.facilities).in_zone(
            model.zone_of(&case.consulate),
            model.consulate_name(&case.consulate),
        ),
        Verb::Note => Form::note(case),
        Verb::Close => Form::close(case, lang),
        Verb::Reopen => Form::reopen(case),
        Verb::Transfer => {
            let held_in = crate::domain::facility::held_in(case, &model.facilities)
                .and_then(|f| crate::domain::facility::district(f, &model.consulates))
                .map(|c| c.id.as_str());
            Form::transfer(case, &model.consulates, lang, held_in)
        }
        Verb::DeclineTransfer => Form::decline(case),
        Verb::Triage => Form::triage(case, lang),
        Verb::Intake => return vec![],
    };
    open_form(model, form);
    super::drafts::restore(model);
    vec![]
}

/// `:call 1042`: the caller of an earlier call says more. The case may have gone to another
/// consulate (this console does not hold it): the words join it all the same, and the hub
/// decides whether this person took that call.
pub fn start_call_more(model: &mut Model, case_id: u64, text: String) -> Vec<Command> {
    let Some(me) = model.me.clone() else {
        return vec![];
    };
    if !role_may(me.role, Verb::Intake) {
        model.message = Some(Message::NotPermitted);
        return vec![];
    }
    open_form(model, Form::call_more(case_id, model.lang));
    if text.trim().is_empty() {
        super::drafts::restore(model);
        return vec![];
    }
    if let Some(input) = model
        .form
        .as_mut()
        .and_then(|f| f.inputs.iter_mut().find(|i| i.name == "description"))
    {
        input.editor = ratatui_textarea::TextArea::new(vec![text]);
    }
    on_form_intent(model, Intent::Send)
}

pub fn typed_in_form(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    model.drafts_dirty = true;
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
    if !input.choices.is_empty() && matches!(key.code, KeyCode::Up | KeyCode::Down) {
        input.cycle(if key.code == KeyCode::Down { 1 } else { -1 });
        return vec![];
    }
    if key.code == KeyCode::Enter && !input.multiline {
        form.move_focus(1);
    } else {
        // The first character typed over a prefilled value replaces it (`08:00`, then `0`,
        // is `0`, not `08:000`); any other key edits it as it stands.
        let plain = !key.modifiers.intersects(
            crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT,
        );
        if input.pristine && plain && matches!(key.code, KeyCode::Char(_)) {
            input.editor = ratatui_textarea::TextArea::default();
        }
        input.pristine = false;
        input.editor.input(key);
    }
    vec![]
}

pub fn on_form_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    let lang = model.lang;
    let now = model.now;
    let Some(form) = &mut model.form else {
        model.overlay = crate::console::records::Overlay::None;
        return vec![];
    };
    match intent {
        Intent::Quit => {
            // Ctrl-C with text typed: it is kept as a draft, the form closes, and a second
            // Ctrl-C (or q) quits; nothing typed is lost to one key.
            if crate::console::records::FormDraft::of(form, now).is_none() {
                model.quit = true;
                return vec![Command::Quit];
            }
            let commands = super::drafts::keep_and_close(model);
            model.quit_armed = true;
            model.message = Some(Message::QuitDraftKept);
            return commands;
        }
        Intent::Cancel | Intent::KeepDraft => return super::drafts::keep_and_close(model),
        Intent::DiscardDraft => return super::drafts::discard(model),
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
            if let Some(commands) = super::work::choose(model, item.clone()) {
                return commands;
            }
            let Some(form) = &mut model.form else {
                return vec![];
            };
            let (id, version) = (form.case_id, form.version);
            if form.kind == crate::console::form::FormKind::Case(Verb::Assign) {
                let Ok(lawyer_id) = item.key.parse() else {
                    return vec![];
                };
                let command = CaseCommand::Assign(AssignRequest { lawyer_id });
                return submit(model, id, version, command);
            }
            if let crate::console::form::Stage::ConfirmingCaller(mut request) = form.stage.clone() {
                // Confirming who called: a person, nobody enrolled, or someone whose case is
                // another consulate's (not choosable).
                request.registrant_id = match item.key.as_str() {
                    NONE_OF_THEM => None,
                    key => match key.parse() {
                        Ok(id) => Some(id),
                        Err(_) => {
                            form.error = Some(Refusal::Conflict(Conflict::OpenElsewhere));
                            return vec![];
                        }
                    },
                };
                return submit(model, 0, 0, CaseCommand::Intake(request));
            }
            form.choose(item, lang, now);
        }
        Intent::NextField => form.move_focus(1),
        Intent::PrevField => form.move_focus(-1),
        Intent::Send => {
            return super::work::send(model).unwrap_or_else(|| send(model));
        }
        Intent::Yes => {
            if let Some(commands) = super::work::on_confirm(model, true) {
                return commands;
            }
            let Some(form) = &mut model.form else {
                return vec![];
            };
            let (id, version) = (form.case_id, form.version);
            if let Some(request) = close_request(form) {
                return submit(model, id, version, CaseCommand::Close(request));
            }
        }
        Intent::Back => {
            if let Some(commands) = super::work::on_confirm(model, false) {
                return commands;
            }
            if let Some(form) = &mut model.form {
                form.stage = crate::console::form::Stage::Filling;
            }
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

/// The case command a form describes, from what was typed.
fn command_of(form: &Form) -> Result<CaseCommand, Refusal> {
    let value = |name: &str| form.input(name).map(|i| i.value()).unwrap_or_default();
    Ok(match form.kind.verb().unwrap_or(Verb::Acknowledge) {
        Verb::Note => CaseCommand::Note(NoteRequest {
            text: value("text"),
        }),
        Verb::Reopen => CaseCommand::Reopen(ReopenRequest {
            reason: value("reason"),
        }),
        Verb::Close => {
            CaseCommand::Close(close_request(form).ok_or(field("outcome", FieldCode::Required))?)
        }
        Verb::Transfer => CaseCommand::Transfer(TransferRequest {
            to_consulate: form
                .chosen
                .as_ref()
                .map(|c| c.key.clone())
                .unwrap_or_default(),
            reason: value("reason"),
        }),
        Verb::DeclineTransfer => CaseCommand::DeclineTransfer(DeclineRequest {
            reason: value("reason"),
        }),
        Verb::Triage => CaseCommand::Triage(triage_of(form)?),
        Verb::Checkpoint => CaseCommand::Checkpoint(checkpoint_request(form)?),
        Verb::Intake => CaseCommand::Intake(intake_request(form)?),
        Verb::Assign => return Err(field("lawyer_id", FieldCode::Required)),
        Verb::Acknowledge => CaseCommand::Acknowledge,
        Verb::AcceptTransfer => CaseCommand::AcceptTransfer,
    })
}

/// Ctrl-S: decide with the hub's own rules, then submit (or, for closing, ask to confirm; for
/// an intake, first ask who the caller is).
fn send(model: &mut Model) -> Vec<Command> {
    let Some(form) = &model.form else {
        return vec![];
    };
    let (id, version, verb) = (
        form.case_id,
        form.version,
        form.kind.verb().unwrap_or(Verb::Acknowledge),
    );
    let command = match command_of(form) {
        Ok(c) => c,
        Err(refusal) => return refuse(model, id, refusal),
    };
    match (verb, command) {
        (Verb::Close, command) => {
            // The whole decision now, so the confirmation is never asked for a refused close.
            if decides_yes(model, id, &command)
                && let Some(form) = &mut model.form
            {
                form.stage = crate::console::form::Stage::Confirming;
                form.error = None;
            }
            vec![]
        }
        // The same caller saying more: the case knows who they are.
        (Verb::Intake, CaseCommand::Intake(request)) if request.case_id.is_some() => {
            submit(model, id, 0, CaseCommand::Intake(request))
        }
        (Verb::Intake, CaseCommand::Intake(request)) => {
            let phone = request.phone.clone();
            if let Some(form) = &mut model.form {
                form.stage = crate::console::form::Stage::ConfirmingCaller(request);
                form.error = None;
            }
            model.message = Some(Message::LookingUpCaller);
            vec![Command::FetchCandidates(phone)]
        }
        (_, command) => submit(model, id, version, command),
    }
}

/// Runs the decision without submitting; a refusal is shown where the operator looks.
/// The rule book's answer on the case as this console holds it now. Whether what happened since
/// the form was opened stands in the way is the hub's to weigh (it has every event), never a
/// reason to refuse here.
fn decides_yes(model: &mut Model, case_id: u64, command: &CaseCommand) -> bool {
    let Some(me) = model.me.as_ref() else {
        return false;
    };
    let Some(case) = model.cases.get(&case_id) else {
        model.message = Some(Message::CaseNotVisible(case_id));
        return false;
    };
    let lawyer_name = match command {
        CaseCommand::Assign(r) => model
            .lawyers
            .iter()
            .find(|l| l.id == r.lawyer_id)
            .map(|l| l.name.as_str()),
        _ => None,
    };
    fn facility_named<'a>(
        model: &'a Model,
        command: &CaseCommand,
    ) -> Option<&'a crate::domain::facility::Facility> {
        match command {
            CaseCommand::Checkpoint(r) => r
                .fields
                .get("facility_code")
                .and_then(|c| model.facilities.get(c)),
            _ => None,
        }
    }
    let facts = Facts {
        now: model.now,
        consulates: &model.consulates,
        lawyer_name,
        facility: facility_named(model, command),
        since: None,
    };
    match decide(case, command, me, case.version, &facts) {
        Ok(_) => true,
        Err(refusal) => {
            refuse(model, case_id, refusal);
            false
        }
    }
}

/// The hub's answer about who has the caller's number: ask the officer to confirm one or none;
/// with nobody (or no answer), the call goes as a new, unmatched case.
pub fn on_candidates(
    model: &mut Model,
    candidates: Option<Vec<crate::api::Candidate>>,
) -> Vec<Command> {
    let lang = model.lang;
    let Some(form) = &mut model.form else {
        return vec![];
    };
    let crate::console::form::Stage::ConfirmingCaller(request) = form.stage.clone() else {
        return vec![];
    };
    match candidates {
        Some(list) if !list.is_empty() => {
            form.confirm_caller(&list, lang);
            model.message = None;
            vec![]
        }
        _ => submit(model, 0, 0, CaseCommand::Intake(request)),
    }
}

fn triage_of(form: &Form) -> Result<Triage, Refusal> {
    let pick = |name: &str, options: &[&'static str]| -> Result<&'static str, Refusal> {
        let typed = form.input(name).map(|i| i.value()).unwrap_or_default();
        if typed.trim().is_empty() {
            return Err(field(name, FieldCode::Required));
        }
        casework::choose(&typed, options).ok_or(field(name, FieldCode::UnknownValue))
    };
    let consent = pick(
        "consent",
        &Consent::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    )?;
    let intent = pick(
        "intent",
        &Wish::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    )?;
    let category = pick(
        "category",
        &Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    )?;
    Ok(Triage {
        consent: Consent::parse(consent).ok_or(field("consent", FieldCode::UnknownValue))?,
        intent: Wish::parse(intent).ok_or(field("intent", FieldCode::UnknownValue))?,
        category: Category::parse(category).ok_or(field("category", FieldCode::UnknownValue))?,
    })
}

fn intake_request(form: &Form) -> Result<IntakeRequest, Refusal> {
    let value = |name: &str| {
        form.input(name)
            .map(|i| i.value().trim().to_string())
            .unwrap_or_default()
    };
    // A required field left empty is missing, not badly written: said so, the first in the
    // form's order, before any check of a format.
    if let Some(empty) = form
        .inputs
        .iter()
        .find(|i| i.required && i.value().trim().is_empty())
    {
        return Err(field(empty.name, FieldCode::Required));
    }
    let number = |name: &str| -> Result<Option<f64>, Refusal> {
        let v = value(name);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| field(name, FieldCode::InvalidFormat))
    };
    let kind = match value("kind").as_str() {
        "" => None,
        k => {
            let code = casework::choose(k, &["imminent", "detained"])
                .ok_or(field("kind", FieldCode::UnknownValue))?;
            serde_json::from_value(serde_json::Value::String(code.into()))
                .map_err(|_| field("kind", FieldCode::UnknownValue))?
        }
    };
    let place = value("place");
    let request = IntakeRequest {
        name: value("name"),
        phone: value("phone"),
        description: form
            .input("description")
            .map(|i| i.value())
            .unwrap_or_default(),
        place: (!place.is_empty()).then_some(place),
        lat: number("lat")?,
        lon: number("lon")?,
        kind,
        language: None,
        registrant_id: None,
        case_id: (form.case_id != 0).then_some(form.case_id),
    };
    // The hub's own checks, here first; the phone goes as the hub will store it.
    let valid = crate::domain::intake::validate(&request)?;
    Ok(IntakeRequest {
        phone: valid.phone,
        ..request
    })
}

fn checkpoint_request(form: &Form) -> Result<CheckpointRequest, Refusal> {
    let code = form
        .chosen
        .as_ref()
        .and_then(|c| CheckpointCode::parse(&c.key))
        .ok_or(field("code", FieldCode::Required))?;
    // Times are typed as the consulate's wall time; the wire keeps UTC.
    let local = |name: &str, typed: &str| {
        crate::domain::time::parse_local(typed, form.zone)
            .map_err(|_| field(name, FieldCode::InvalidFormat))
    };
    let at_text = form.input("at").map(|i| i.value()).unwrap_or_default();
    let at = local("at", &at_text)?;
    let specs = code.fields();
    let mut fields = std::collections::BTreeMap::new();
    for i in form
        .inputs
        .iter()
        .filter(|i| i.name != "at" && i.name != "note")
    {
        let typed = i.value().trim().to_string();
        if typed.is_empty() {
            continue;
        }
        // A choice may be typed as its label, in either language; the wire keeps the code.
        let value = match specs.iter().find(|s| s.name == i.name).map(|s| s.kind) {
            Some(FieldKind::Choice(options)) => casework::choose(&typed, options)
                .map(String::from)
                .unwrap_or(typed),
            Some(FieldKind::DateTime) => {
                local(i.name, &typed)?.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            }
            _ => typed,
        };
        fields.insert(i.name.to_string(), value);
    }
    Ok(CheckpointRequest {
        code,
        at: Some(at),
        fields,
        note: form.input("note").map(|i| i.value()).unwrap_or_default(),
    })
}

/// `e` on a refused action: its form again, with what was sent and why the hub said no. The
/// refusal leaves the list (what it said lives on in the form and, if closed, in the draft).
pub fn edit_refused(model: &mut Model) -> Vec<Command> {
    let Some(p) = model.outbox.refused.get(model.outbox.selected).cloned() else {
        return vec![];
    };
    let zone = model
        .cases
        .get(&p.case_id)
        .map_or(chrono_tz::UTC, |c| model.zone_of(&c.consulate));
    let local = |at| crate::domain::time::editable(at, zone);
    let Some(draft) = crate::console::records::FormDraft::of_refused(&p, local, model.now) else {
        model.message = Some(Message::NothingToEdit);
        return vec![];
    };
    super::drafts::remove(model, (draft.case_id, draft.verb, None));
    model.drafts.push(draft.clone());
    model.overlay = crate::console::records::Overlay::None;
    let target = (draft.case_id != 0).then_some(draft.case_id);
    let mut commands = start(model, draft.verb, target);
    let Some(form) = &mut model.form else {
        // The case is no longer this person's to act on: the reason is on the status line and
        // the text is kept as a draft.
        return commands;
    };
    form.refused = Some(Box::new(p.clone()));
    model.outbox.refused.retain(|r| r.key != p.key);
    model.outbox.selected = model
        .outbox
        .selected
        .min(model.outbox.refused.len().saturating_sub(1));
    commands.push(Command::Dismiss(p.key));
    commands.extend(super::drafts::save(model));
    commands
}
