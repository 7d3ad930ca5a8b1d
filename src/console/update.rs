//! `update`: the only place the model changes. Pure: no I/O, no clock, no await. Effects are
//! returned as [`Command`]s for the executor.

use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui_textarea::TextArea;

use super::action::{Action, Command};
use super::keymap::{self, Intent, Mode};
use super::model::{Model, SortMode};
use crate::domain::case::Case;
use crate::domain::event::EventBody;
use crate::domain::urgency::Tier;

pub fn update(model: &mut Model, action: Action) -> Vec<Command> {
    match action {
        Action::Key(key) => on_key(model, key),
        Action::Resize => vec![],
        Action::Tick(now) => {
            model.now = now;
            // Tiers depend on time (the SLA), so the order may change with the clock alone.
            model.order_stale = true;
            ring_for_new_criticals(model)
        }
        Action::Snapshot { me, snapshot } => {
            model.me = Some(me);
            model.cases = snapshot.cases.into_iter().map(|c| (c.id, c)).collect();
            model.last_seq = snapshot.seq;
            model.order_stale = true;
            // Cases that were critical before we connected are highlighted but ring only once.
            let criticals: Vec<u64> = critical_ids(model);
            let ring = criticals.iter().any(|id| !model.rung.contains(id));
            model.rung = criticals.iter().copied().collect();
            model.unseen.extend(criticals);
            if ring { vec![Command::Bell] } else { vec![] }
        }
        Action::HubEvent(event) => {
            if event.seq <= model.last_seq {
                return vec![];
            }
            model.last_seq = event.seq;
            model.last_event_at = Some(event.at);
            match &event.body {
                EventBody::AlertRaised(_) => {
                    if let Ok(case) = Case::open(&event) {
                        model.cases.insert(case.id, case);
                    }
                }
                _ => {
                    if let Some(case) = model.cases.get_mut(&event.case_id) {
                        let _ = case.apply(&event);
                    }
                }
            }
            model.order_stale = true;
            // Only this case changed; scanning every case per event would make a burst O(n²).
            ring_if_newly_critical(model, event.case_id)
        }
        Action::Connection(state) => {
            model.connection = state;
            vec![]
        }
    }
}

fn critical_ids(model: &Model) -> Vec<u64> {
    model
        .cases
        .values()
        .filter(|c| model.urgency(c).tier == Tier::Critical)
        .map(|c| c.id)
        .collect()
}

/// Rings once for each case that has become critical (on arrival or by waiting past the SLA),
/// and highlights it until it is selected.
fn ring_for_new_criticals(model: &mut Model) -> Vec<Command> {
    let fresh: Vec<u64> = critical_ids(model)
        .into_iter()
        .filter(|id| !model.rung.contains(id))
        .collect();
    if fresh.is_empty() {
        return vec![];
    }
    for id in &fresh {
        model.rung.insert(*id);
        if model.selected != Some(*id) {
            model.unseen.insert(*id);
        }
    }
    vec![Command::Bell]
}

fn ring_if_newly_critical(model: &mut Model, id: u64) -> Vec<Command> {
    let critical = model
        .cases
        .get(&id)
        .is_some_and(|c| model.urgency(c).tier == Tier::Critical);
    if !critical || model.rung.contains(&id) {
        return vec![];
    }
    model.rung.insert(id);
    if model.selected != Some(id) {
        model.unseen.insert(id);
    }
    vec![Command::Bell]
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let Some(intent) = keymap::dispatch(model.mode, &key) else {
        if model.mode == Mode::Filter {
            model.filter_input.input(key);
            model.filter = model.filter_input.lines().join(" ");
            model.order_stale = true;
        }
        return vec![];
    };
    match intent {
        Intent::Quit => {
            model.quit = true;
            return vec![Command::Quit];
        }
        Intent::Up => move_by(model, -1),
        Intent::Down => move_by(model, 1),
        Intent::PageUp => move_by(model, -(model.page.max(1) as i64)),
        Intent::PageDown => move_by(model, model.page.max(1) as i64),
        Intent::First => move_by(model, i64::MIN / 2),
        Intent::Last => move_by(model, i64::MAX / 2),
        Intent::SortUrgency => set_sort(model, SortMode::Urgency),
        Intent::SortProximity => set_sort(model, SortMode::Proximity),
        Intent::SortAge => set_sort(model, SortMode::Age),
        Intent::OpenFilter => {
            let mut input = TextArea::new(vec![model.filter.clone()]);
            input.move_cursor(ratatui_textarea::CursorMove::End);
            model.filter_input = input;
            model.mode = Mode::Filter;
        }
        Intent::ApplyFilter => model.mode = Mode::Normal,
        Intent::ClearFilter => {
            model.filter.clear();
            model.filter_input = TextArea::default();
            model.mode = Mode::Normal;
            model.order_stale = true;
        }
        Intent::ToggleHelp => model.mode = Mode::Help,
        Intent::CloseHelp => model.mode = Mode::Normal,
    }
    vec![]
}

fn set_sort(model: &mut Model, sort: SortMode) {
    model.sort = sort;
    model.order_stale = true;
}

fn move_by(model: &mut Model, delta: i64) {
    model.refresh_order();
    if model.order.is_empty() {
        return;
    }
    let current = model.table.selected().unwrap_or(0) as i64;
    let next = (current.saturating_add(delta)).clamp(0, model.order.len() as i64 - 1) as usize;
    model.selected = Some(model.order[next]);
    model.table.select(Some(next));
    model.unseen.remove(&model.order[next]);
}

#[cfg(test)]
mod tests;
