//! Protection work in `update`: `p` opens the menu of tasks this role may do; a task's picker
//! and fields lead to a [`WorkCommand`], which leaves as a [`Command::Record`] for the
//! outbox, kept on disk and sent with its own idempotency key like case work.

use crate::console::action::Command;
use crate::console::form::{Form, FormKind, PickItem, WorkContext};
use crate::console::model::{Message, Model, Tab};
use crate::domain::command::Refusal;
use crate::domain::work::WorkCommand;

/// `p`: the menu. The shift tab's lists (plans, incidents, roster) are loaded afresh for the
/// pickers that need them.
pub fn start(model: &mut Model) -> Vec<Command> {
    let Some(me) = model.me.as_ref() else {
        return vec![];
    };
    let role = me.role;
    let zone = me
        .consulate
        .as_deref()
        .map_or(chrono_tz::UTC, |c| model.zone_of(c));
    let place = me
        .consulate
        .as_deref()
        .map(|c| model.consulate_name(c))
        .unwrap_or_default();
    let form = Form::work_menu(role, model.lang, zone).in_zone(zone, place);
    if form.picker.as_ref().is_none_or(|p| p.items.is_empty()) {
        model.message = Some(Message::NotPermitted);
        return vec![];
    }
    model.form = Some(form);
    model.message = None;
    vec![Command::FetchShift]
}

fn context(model: &Model) -> WorkContext<'_> {
    let me = model.me.as_ref();
    let near = me
        .and_then(|m| m.consulate.as_deref())
        .and_then(|c| model.consulates.iter().find(|x| x.id == c))
        .map(|c| crate::domain::geo::Point {
            lat: c.lat,
            lon: c.lon,
        });
    WorkContext {
        panel: model.shift.panel.as_ref(),
        registry: &model.facilities,
        near,
        my_name: me.map(|m| m.name.as_str()).unwrap_or(""),
        now: model.now,
    }
}

/// Enter in a protection form's picker: a task from the menu, or the task's choice. Returns
/// `None` when the form is not protection work (case work goes on as before).
pub fn choose(model: &mut Model, item: PickItem) -> Option<Vec<Command>> {
    let form = model.form.as_ref()?;
    let (menu, working) = (form.kind == FormKind::WorkMenu, form.kind.work().is_some());
    if !menu && !working {
        return None;
    }
    let lang = model.lang;
    let mut form = model.form.take()?;
    let command = {
        let ctx = context(model);
        if menu {
            if let Some(task) = crate::console::form::task_of(&item.key) {
                form.begin_work(task, &ctx, lang);
            }
            None
        } else {
            form.chose_for_work(item, &ctx, lang)
        }
    };
    if menu {
        restore(model, &mut form);
    }
    model.form = Some(form);
    Some(match command {
        Some(c) => match early(model, &c) {
            // What undoes something is asked first: Enter on a list is too easy to press.
            Ok(()) => {
                if let Some(form) = &mut model.form {
                    form.stage = crate::console::form::Stage::ConfirmingWork(c);
                }
                vec![]
            }
            Err(refusal) => {
                model.message = Some(Message::WorkRefused {
                    task: c.verb(),
                    refusal,
                });
                vec![]
            }
        },
        None => vec![],
    })
}

/// The hub's own decision, asked of what this console holds before anything is sent: the
/// permission table, the fields, the registry, the cases it holds, the plan, incident or shift
/// as the shift tab last loaded them. What it cannot know (a case in another incident, a shift
/// it has not loaded) it leaves to the hub.
fn early(model: &Model, command: &WorkCommand) -> Result<(), Refusal> {
    use crate::domain::work::{NamedCase, Rostered, WorkFacts, WorkTarget, decide};
    let Some(me) = model.me.as_ref() else {
        return Ok(());
    };
    let panel = model.shift.panel.as_ref();
    use crate::domain::work::RowKey;
    let target = match command.target() {
        None => WorkTarget::New,
        Some(RowKey::Plan(id)) => match panel.and_then(|p| p.plans.iter().find(|x| x.id == id)) {
            Some(plan) => WorkTarget::Plan(plan.clone()),
            None => return Ok(()),
        },
        Some(RowKey::Shift(id)) => {
            let duty = panel.and_then(|p| p.duty.as_ref());
            match duty.and_then(|d| d.shifts.iter().find(|(x, _)| *x == id)) {
                Some((_, shift)) => WorkTarget::Shift(shift.clone()),
                None => return Ok(()),
            }
        }
        Some(RowKey::Incident(id)) => {
            match panel.and_then(|p| p.incidents.iter().find(|i| i.incident.id == id)) {
                Some(view) => WorkTarget::Incident {
                    incident: view.incident.clone(),
                    consulates: view.tally.consulates.clone(),
                },
                None => return Ok(()),
            }
        }
        // Nothing else is acted on by id.
        Some(_) => return Ok(()),
    };
    let needs = command.needs();
    let facility = needs.facility.and_then(|c| model.facilities.get(c.trim()));
    let district = facility
        .and_then(|f| crate::domain::facility::district(f, &model.consulates))
        .map(|c| c.id.as_str());
    // Whether a case is in an incident is the hub's to know.
    let cases: Vec<NamedCase> = model
        .cases
        .values()
        .map(|c| NamedCase {
            id: c.id,
            consulate: c.consulate.clone(),
            incident: None,
        })
        .collect();
    let plan = needs
        .plan
        .and_then(|id| panel.and_then(|p| p.plans.iter().find(|x| x.id == id)));
    let rostered = needs.rostered.and_then(|staff_id| {
        panel
            .and_then(|p| p.duty.as_ref())
            .and_then(|d| d.staff.iter().find(|(id, _)| *id == staff_id))
            .map(|(id, name)| Rostered {
                id: *id,
                name: name.clone(),
                // The roster's list holds only the consulate's officers and supervisors.
                role: crate::domain::staff::Role::Officer,
                consulate: me.consulate.clone(),
                disabled: false,
            })
    });
    // A plan, a colleague or a facility this console has not loaded: the hub checks it.
    if needs.plan.is_some() && plan.is_none()
        || needs.rostered.is_some() && rostered.is_none()
        || needs.facility.is_some() && facility.is_none()
    {
        return Ok(());
    }
    let facts = WorkFacts {
        now: model.now,
        next_id: 0,
        consulates: &model.consulates,
        facility,
        district,
        cases: &cases,
        plan,
        rostered: rostered.as_ref(),
    };
    decide(command, me, &target, &facts).map(|_| ())
}

/// A task just begun: the draft kept of it, if any, goes back in.
fn restore(model: &mut Model, form: &mut Form) {
    let Some(draft) = model
        .drafts
        .iter()
        .find(|d| d.case_id == 0 && d.task.is_some() && d.task == form.kind.work())
        .cloned()
    else {
        return;
    };
    let lang = model.lang;
    form.apply_work_draft(&draft, &context(model), lang);
    model.message = Some(Message::DraftRestored);
}

/// Ctrl-S in a protection form: the command, checked here first, or the field at fault.
pub fn send(model: &mut Model) -> Option<Vec<Command>> {
    let form = model.form.as_mut()?;
    form.kind.work()?;
    let cases = &model.cases;
    let built = form
        .work_command(model.now, &|id| cases.contains_key(&id))
        .and_then(|command| early(model, &command).map(|()| command));
    let form = model.form.as_mut()?;
    match built {
        Ok(command) => Some(record(model, command)),
        Err(refusal) => {
            if let Refusal::Invalid(e) = &refusal
                && let Some(at) = form.inputs.iter().position(|i| i.name == e.field)
            {
                form.focus = at;
            }
            form.error = Some(refusal);
            Some(vec![])
        }
    }
}

/// The answer to "cancel this planned visit?" (or "take this shift off?"): `s`/`y` sends it,
/// `n`/Esc closes the form with nothing done.
pub fn on_confirm(model: &mut Model, yes: bool) -> Option<Vec<Command>> {
    let crate::console::form::Stage::ConfirmingWork(command) = model.form.as_ref()?.stage.clone()
    else {
        return None;
    };
    if yes {
        return Some(record(model, command));
    }
    model.form = None;
    model.message = Some(Message::NothingDone);
    Some(vec![])
}

fn record(model: &mut Model, command: WorkCommand) -> Vec<Command> {
    let task = command.verb();
    model.form = None;
    model.overlay = crate::console::records::Overlay::None;
    model.message = Some(Message::SendingWork(task));
    let mut commands = vec![Command::Record(command)];
    commands.extend(super::drafts::sent_work(model, task));
    commands
}

/// Protection work the hub has recorded: the shift tab, if open, shows it.
pub fn applied(model: &Model) -> Vec<Command> {
    if model.tab == Tab::Shift {
        vec![Command::FetchShift]
    } else {
        vec![]
    }
}

/// The shift tab's lists arrived: a task's picker opened before them is filled now.
pub fn refresh(model: &mut Model) {
    let lang = model.lang;
    let Some(mut form) = model.form.take() else {
        return;
    };
    if let Some(task) = form.kind.work()
        && form.chosen.is_none()
        && form.picker.as_ref().is_some_and(|p| p.items.is_empty())
    {
        form.begin_work(task, &context(model), lang);
    }
    model.form = Some(form);
}
