//! Drafts in `update`: kept on Esc and about once a second while typing, put back when the same
//! form opens again, removed when sent or thrown away on purpose; a refused action reopened.

use crate::console::action::Command;
use crate::console::drafts::FormDraft;
use crate::console::keymap::Mode;
use crate::console::model::{Message, Model};
use crate::domain::command::Verb;

fn save(model: &Model) -> Vec<Command> {
    vec![Command::SaveDrafts(model.drafts.clone())]
}

/// Removes the draft of (`case_id`, `verb`); true if there was one.
fn remove(model: &mut Model, case_id: u64, verb: Verb) -> bool {
    let before = model.drafts.len();
    model
        .drafts
        .retain(|d| !(d.case_id == case_id && d.verb == verb));
    model.drafts.len() != before
}

/// The open form into the list: replaces its earlier draft, or removes it when the form has
/// been emptied. Returns whether the list changed.
fn keep_open_form(model: &mut Model) -> bool {
    let Some(form) = &model.form else {
        return false;
    };
    let (case_id, verb) = (form.case_id, form.verb);
    let draft = FormDraft::of(form, model.now);
    let had = model
        .drafts
        .iter()
        .find(|d| d.case_id == case_id && d.verb == verb)
        .cloned();
    match draft {
        Some(d)
            if had
                .as_ref()
                .is_some_and(|h| h.fields == d.fields && h.chosen == d.chosen) =>
        {
            false
        }
        Some(d) => {
            remove(model, case_id, verb);
            model.drafts.push(d);
            true
        }
        // Still at the picker: nothing typed here yet, and an earlier draft stays.
        None if form.inputs.is_empty() => false,
        None => remove(model, case_id, verb),
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
    let kept = model.form.as_ref().is_some_and(|f| {
        model
            .drafts
            .iter()
            .any(|d| d.case_id == f.case_id && d.verb == f.verb)
    });
    model.form = None;
    model.mode = Mode::Normal;
    model.drafts_dirty = false;
    model.message = kept.then_some(Message::DraftKept);
    if changed { save(model) } else { vec![] }
}

/// Ctrl-D: the form closes and its draft is gone.
pub fn discard(model: &mut Model) -> Vec<Command> {
    let Some((case_id, verb)) = model.form.as_ref().map(|f| (f.case_id, f.verb)) else {
        return vec![];
    };
    model.form = None;
    model.mode = Mode::Normal;
    model.drafts_dirty = false;
    model.message = Some(Message::DraftDiscarded);
    remove(model, case_id, verb);
    save(model)
}

/// A command left: its draft has done its work.
pub fn sent(model: &mut Model, case_id: u64, verb: Verb) -> Vec<Command> {
    if remove(model, case_id, verb) {
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
    let Some(draft) = model
        .drafts
        .iter()
        .find(|d| d.case_id == form.case_id && d.verb == form.verb)
    else {
        return;
    };
    form.apply_draft(draft, lang, now);
    model.mode = super::work::mode_of(form);
    model.message = Some(Message::DraftRestored);
}

/// `e` on a refused action: its form again, with what was sent and why the hub said no. The
/// refusal leaves the list (what it said lives on in the form and, if closed, in the draft).
pub fn edit_refused(model: &mut Model) -> Vec<Command> {
    let Some(p) = model.refused.get(model.refused_selected).cloned() else {
        return vec![];
    };
    let zone = model
        .cases
        .get(&p.case_id)
        .map_or(chrono_tz::UTC, |c| model.zone_of(&c.consulate));
    let local = |at| crate::domain::time::editable(at, zone);
    let Some(draft) = FormDraft::of_refused(&p, local, model.now) else {
        model.message = Some(Message::NothingToEdit);
        return vec![];
    };
    remove(model, draft.case_id, draft.verb);
    model.drafts.push(draft.clone());
    model.mode = Mode::Normal;
    let target = (draft.case_id != 0).then_some(draft.case_id);
    let mut commands = super::work::start(model, draft.verb, target);
    let Some(form) = &mut model.form else {
        // The case is no longer this person's to act on: the reason is on the status line and
        // the text is kept as a draft.
        return commands;
    };
    form.refused = Some(Box::new(p.clone()));
    model.refused.retain(|r| r.key != p.key);
    model.refused_selected = model
        .refused_selected
        .min(model.refused.len().saturating_sub(1));
    commands.push(Command::Dismiss(p.key));
    commands.extend(save(model));
    commands
}
