//! Drafts in `update`: kept on Esc and about once a second while typing, put back when the same
//! form opens again, removed when sent or thrown away on purpose; a refused action reopened.

use crate::console::action::Command;
use crate::console::model::{Message, Model};
use crate::console::records::FormDraft;
use crate::domain::command::Verb;
use crate::domain::work::WorkVerb;

pub(super) fn save(model: &Model) -> Vec<Command> {
    vec![Command::SaveDrafts(model.drafts.clone())]
}

/// A draft's place: its case and verb, or for protection work its task.
pub(super) type Key = (u64, Verb, Option<WorkVerb>);

fn key_of(form: &crate::console::form::Form) -> Key {
    (form.case_id, form.kind.draft_verb(), form.kind.work())
}

fn is(d: &FormDraft, key: Key) -> bool {
    (d.case_id, d.verb, d.task) == key
}

/// Removes the draft at `key`; true if there was one.
pub(super) fn remove(model: &mut Model, key: Key) -> bool {
    let before = model.drafts.len();
    model.drafts.retain(|d| !is(d, key));
    model.drafts.len() != before
}

/// The open form into the list: replaces its earlier draft, or removes it when the form has
/// been emptied. Returns whether the list changed.
fn keep_open_form(model: &mut Model) -> bool {
    let Some(form) = &model.form else {
        return false;
    };
    let key = key_of(form);
    let draft = FormDraft::of(form, model.now);
    let had = model.drafts.iter().find(|d| is(d, key)).cloned();
    match draft {
        Some(d)
            if had
                .as_ref()
                .is_some_and(|h| h.fields == d.fields && h.chosen == d.chosen) =>
        {
            false
        }
        Some(d) => {
            remove(model, key);
            model.drafts.push(d);
            true
        }
        // Still at the picker: nothing typed here yet, and an earlier draft stays.
        None if form.inputs.is_empty() => false,
        None => remove(model, key),
    }
}

/// Once a second: what was typed since is written, so a crash loses at most that second.
pub fn on_tick(model: &mut Model) -> Vec<Command> {
    if !std::mem::take(&mut model.drafts_dirty) {
        return vec![];
    }
    if keep_open_form(model) {
        save(model)
    } else {
        vec![]
    }
}

/// Esc: the form closes and what was typed stays as a draft.
pub fn keep_and_close(model: &mut Model) -> Vec<Command> {
    let changed = keep_open_form(model);
    let kept = model
        .form
        .as_ref()
        .is_some_and(|f| model.drafts.iter().any(|d| is(d, key_of(f))));
    model.form = None;
    model.overlay = crate::console::records::Overlay::None;
    model.drafts_dirty = false;
    model.message = kept.then_some(Message::DraftKept);
    if changed { save(model) } else { vec![] }
}

/// Ctrl-D: the form closes and its draft is gone.
pub fn discard(model: &mut Model) -> Vec<Command> {
    let Some(key) = model.form.as_ref().map(key_of) else {
        return vec![];
    };
    model.form = None;
    model.overlay = crate::console::records::Overlay::None;
    model.drafts_dirty = false;
    model.message = Some(Message::DraftDiscarded);
    remove(model, key);
    save(model)
}

/// A command left: its draft has done its work.
pub fn sent(model: &mut Model, case_id: u64, verb: Verb) -> Vec<Command> {
    if remove(model, (case_id, verb, None)) {
        save(model)
    } else {
        vec![]
    }
}

/// Protection work left: its draft has done its work.
pub fn sent_work(model: &mut Model, task: WorkVerb) -> Vec<Command> {
    if remove(
        model,
        (
            0,
            crate::console::form::FormKind::Work(task).draft_verb(),
            Some(task),
        ),
    ) {
        save(model)
    } else {
        vec![]
    }
}

/// A form just opened: the draft left in it before, if any, goes back in.
pub fn restore(model: &mut Model) {
    let (lang, now) = (model.lang, model.now);
    let Some(form) = &mut model.form else {
        return;
    };
    let key = key_of(form);
    let Some(draft) = model.drafts.iter().find(|d| is(d, key)) else {
        return;
    };
    form.apply_draft(draft, lang, now);
    model.message = Some(Message::DraftRestored);
}
