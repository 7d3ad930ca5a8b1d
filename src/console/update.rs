//! `update`: the only place the model changes. Pure: no I/O, no clock, no await. Effects are
//! returned as [`Command`]s for the executor.

mod drafts;
mod forms;
mod line;
mod notice;
mod quick_views;
mod settle;
mod work;

pub use settle::{attention, attention_of, backlog_of, backlog_target, settle};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui_textarea::TextArea;

use super::action::{Action, Command, Connection, Notice};
use super::keymap::{self, Intent, Mode};
use super::model::{Model, SortMode, Tab, tabs};
use crate::domain::case::Case;
use crate::domain::event::{Event, EventBody};
use crate::domain::staff::{Role, may_see_roster};
use crate::domain::urgency::Tier;

pub fn update(model: &mut Model, action: Action) -> Vec<Command> {
    match action {
        Action::Key(key) => on_key(model, key),
        Action::Resize => vec![],
        Action::Tick(now) => {
            // Tiers depend on time (the SLA); the order's index re-keys the cases whose instant
            // has come when it is next refreshed.
            model.now = now;
            model.list.clusters = crate::domain::cluster::find(model.cases.values(), now);
            let mut commands = ring_for_new_criticals(model);
            commands.extend(want_whole_case(model));
            commands.extend(ask_hub_to_find(model));
            commands.extend(drafts::on_tick(model));
            commands
        }
        Action::Snapshot { me, snapshot } => {
            let first = model.me.is_none();
            let role = me.role;
            model.me = Some(me);
            model.cases = snapshot.cases.into_iter().map(|c| (c.id, c)).collect();
            // Cards of cases no longer seen go; the rest are read again when opened.
            let cases = &model.cases;
            model.cards.retain(|id, _| cases.contains_key(id));
            model.last_seq = snapshot.seq;
            // A snapshot holds every case whole; nothing is waiting any more.
            model.detail.fetching.clear();
            model.list.stale = true;
            if first {
                model.tab = tabs(Some(role))[0];
                if role == Role::Lawyer {
                    model.list.sort = SortMode::Deadline;
                }
            }
            // Cases that were critical before we connected are highlighted but ring only once.
            let criticals: Vec<u64> = critical_ids(model);
            let ring = criticals.iter().any(|id| !model.rung.contains(id));
            model.rung = criticals.iter().copied().collect();
            model.list.unseen.extend(criticals);
            let mut commands = if ring { vec![Command::Bell] } else { vec![] };
            if may_see_roster(role) {
                commands.push(Command::FetchLawyers);
            }
            if first {
                commands.push(Command::FetchConsulates);
                commands.push(Command::FetchFacilities);
            }
            commands
        }
        Action::HubEvent(event) => on_event(model, *event),
        Action::Connection(state) => {
            let live = state == Connection::Live;
            model.connection = state;
            // Back online: whatever waits in the outbox goes now, not at its next backoff.
            if live {
                vec![Command::FlushOutbox]
            } else {
                vec![]
            }
        }
        Action::Hub { index, count } => {
            let moved = hub_changed(model.hub, index);
            model.hub = Some(index);
            if moved {
                let number = index + 1;
                update(model, Action::Notice(Notice::OnHub { number, of: count }))
            } else {
                vec![]
            }
        }
        Action::Outbox { waiting, refused } => {
            model.outbox.waiting = waiting.len();
            // Rows whose action has not reached the hub yet say so.
            for id in model.outbox.sending.iter().chain(&waiting) {
                model.list.touched.insert(*id);
            }
            model.outbox.sending = waiting.into_iter().collect();
            model.outbox.refused = refused;
            model.outbox.selected = model
                .outbox
                .selected
                .min(model.outbox.refused.len().saturating_sub(1));
            vec![]
        }
        Action::Notice(notice) => notice::on_notice(model, notice),
        Action::Lawyers(lawyers) => {
            model.lawyers = lawyers;
            let lang = model.lang;
            if let Some(form) = &mut model.form
                && let Some(case) = model.cases.get(&form.case_id)
            {
                form.set_lawyers(case, &model.lawyers, lang);
            }
            vec![]
        }
        Action::Candidates(list) => forms::on_candidates(model, list),
        Action::ShiftLoaded(panel) => {
            let mut panel = *panel;
            // A reload the hub did not answer (refused past the reports' limit, or a moment
            // offline) keeps the last handover and figures rather than blanking them mid-raid.
            if let Some(before) = model.shift.panel.take() {
                panel.handover = panel.handover.or(before.handover);
                panel.figures = panel.figures.or(before.figures);
            }
            model.shift.panel = Some(panel);
            work::refresh(model);
            vec![]
        }
        Action::Facilities(list) => {
            for f in list {
                model.facilities.record(f);
            }
            vec![]
        }
        Action::Consulates(list) => {
            model.consulates = list;
            // Distances are measured from them.
            model.list.stale = true;
            vec![]
        }
        Action::CaseUnavailable(id) => {
            // Stop holding its events; a reconnect's snapshot carries the case whole.
            model.detail.fetching.remove(&id);
            if model.detail.requested == Some(id) {
                model.detail.requested = None;
            }
            vec![]
        }
        Action::Found { query, ids } => {
            model.list.found = Some((query, ids.into_iter().collect()));
            model.list.stale = true;
            vec![]
        }
        Action::CardLoaded(id, card) => {
            model.cards.insert(id, *card);
            vec![]
        }
        Action::CaseLoaded(case) => {
            let mut case = *case;
            // Events that arrived while it was being fetched: the ones it does not yet include
            // apply now (apply skips any at or below its last seq).
            for event in model.detail.fetching.remove(&case.id).unwrap_or_default() {
                let _ = case.apply(&event);
            }
            if model.detail.requested == Some(case.id) {
                model.detail.requested = None;
            }
            // Newer, or as new and whole (a detail read with its timeline).
            let newer = model
                .cases
                .get(&case.id)
                .is_none_or(|c| c.last_seq <= case.last_seq);
            if newer && model.keeps(&case) {
                model.list.touched.insert(case.id);
                model.cases.insert(case.id, case);
            }
            vec![]
        }
    }
}

/// A search that may be a phone number or a matrícula is also asked of the hub, once the
/// typing has paused (a tick), since queue rows do not carry either.
fn ask_hub_to_find(model: &mut Model) -> Vec<Command> {
    if model.list.filter == model.list.asked {
        return vec![];
    }
    model.list.asked = model.list.filter.clone();
    if !crate::domain::search::Needle::new(&model.list.filter).asks_hub() {
        return vec![];
    }
    vec![Command::FindOnHub(model.list.filter.clone())]
}

/// The case in the detail pane, read whole (its timeline, every note, the person's details)
/// once it is shown: lists and streams carry cases without their history, so that their cost
/// does not grow with it, and without the details a queue row does not need, so that only a
/// case someone opens is read (and recorded as read).
fn want_whole_case(model: &mut Model) -> Vec<Command> {
    let Some(id) = model.detail.shown_for else {
        return vec![];
    };
    let partial = model.cases.get(&id).is_some_and(|c| {
        c.timeline.is_empty() || crate::domain::privacy::is_withheld(&c.registrant)
    });
    if !partial || model.detail.requested == Some(id) {
        return vec![];
    }
    model.detail.requested = Some(id);
    vec![Command::FetchCase(id)]
}

/// Whether a stream left out what a person wrote or said (a note, a caller's words).
fn withheld_words(body: &EventBody) -> bool {
    match body {
        EventBody::NoteAdded(n) => n.text.is_empty(),
        EventBody::AlertRepeated(r) => r.intake.as_ref().is_some_and(|i| i.description.is_empty()),
        _ => false,
    }
}

fn on_event(model: &mut Model, event: Event) -> Vec<Command> {
    if event.seq <= model.last_seq {
        return vec![];
    }
    model.last_seq = event.seq;
    model.last_event_at = Some(event.at);
    if event.case_id == crate::domain::event::NO_CASE {
        // Not about a case. A surge is told (only supervisors' streams carry it); the rest is
        // for the record.
        if let EventBody::SurgeDetected(s) = &event.body {
            model.message = Some(crate::console::model::Message::Surge {
                enrollments: s.what == "enroll",
                network: s.network.clone(),
                count: s.count,
            });
            return vec![Command::Bell];
        }
        return vec![];
    }
    let mut commands = Vec::new();
    let my_consulate = model.me.as_ref().and_then(|me| me.consulate.clone());
    match &event.body {
        EventBody::AlertRaised(_) => {
            if let Ok(case) = Case::open(&event) {
                model.cases.insert(case.id, case);
            }
        }
        body => {
            match model.cases.get_mut(&event.case_id) {
                Some(case) => {
                    let before = case.consulate.clone();
                    let _ = case.apply(&event);
                    // A case that has just become this consulate's (a transfer accepted) was
                    // held as the copy another consulate may read, without relatives' numbers
                    // or the exact position: read whole when next shown, like the words this
                    // stream withholds (a national reader's).
                    let became_ours = case.consulate != before
                        && my_consulate.as_deref() == Some(case.consulate.as_str());
                    if (withheld_words(body) || became_ours) && !case.timeline.is_empty() {
                        case.timeline.clear();
                        if model.detail.requested == Some(event.case_id) {
                            model.detail.requested = None;
                        }
                    }
                }
                None => {
                    if let Some(held) = model.detail.fetching.get_mut(&event.case_id) {
                        held.push(event.clone());
                    } else {
                        // A case we have never seen: newly assigned to this lawyer. Fetch it
                        // whole, and hold its events until it arrives.
                        let mine = matches!(body, EventBody::LawyerAssigned(a)
                            if model.me.as_ref().is_some_and(|me| me.id == a.lawyer_id));
                        if mine || model.role() != Some(Role::Lawyer) {
                            model
                                .detail
                                .fetching
                                .insert(event.case_id, vec![event.clone()]);
                            commands.push(Command::FetchCase(event.case_id));
                        }
                    }
                }
            }
            if let Some(case) = model.cases.get(&event.case_id)
                && !model.keeps(case)
            {
                // Reassigned away from this lawyer: the card goes with the case.
                model.cases.remove(&event.case_id);
                model.cards.remove(&event.case_id);
            }
            if matches!(
                body,
                EventBody::LawyerAssigned(_) | EventBody::CaseClosed(_)
            ) && model.role().is_some_and(may_see_roster)
            {
                // Loads changed; the picker and the backlog show them.
                commands.push(Command::FetchLawyers);
            }
        }
    }
    model.list.touched.insert(event.case_id);
    if calls_for_attention(model, &event) && !commands.contains(&Command::Bell) {
        commands.push(bell_for(model, &[event.case_id]));
        // One bell for this event, not a second one for the tier it may also have raised.
        model.rung.insert(event.case_id);
        if model.list.selected != Some(event.case_id) {
            model.list.unseen.insert(event.case_id);
        }
    }
    // Only this case changed; scanning every case per event would make a burst O(n²).
    commands.extend(ring_if_newly_critical(model, event.case_id));
    commands
}

/// Events that ring whether or not the tier changed: a duress signal; an escalation, for
/// supervisors; a case offered or transferred to this consulate.
fn calls_for_attention(model: &Model, event: &Event) -> bool {
    let Some(me) = &model.me else {
        return false;
    };
    let mine = |c: &str| me.consulate.as_deref() == Some(c);
    match &event.body {
        EventBody::AlertCancelled(c) => c.duress && me.role != Role::Lawyer,
        EventBody::CaseEscalated(e) => {
            (me.role == Role::Supervisor && e.level == 1)
                || e.offered_to.as_deref().is_some_and(mine)
                || e.on_duty.contains(&me.id)
        }
        EventBody::TransferRequested(t) => mine(&t.to_consulate),
        // A person still not located: the consulate's supervisors, and from 48 hours the
        // national ones.
        EventBody::SearchEscalated(e) => {
            me.role == Role::Supervisor
                && (me.consulate.is_some() || e.tell == crate::domain::locate::Tell::National)
        }
        _ => false,
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
        if model.list.selected != Some(*id) {
            model.list.unseen.insert(*id);
        }
    }
    vec![bell_for(model, &fresh)]
}

/// Duress has a bell of its own (three strokes), so it is told apart without looking.
fn bell_for(model: &Model, ids: &[u64]) -> Command {
    let duress = ids
        .iter()
        .any(|id| model.cases.get(id).is_some_and(|c| c.duress_at.is_some()));
    if duress {
        Command::DuressBell
    } else {
        Command::Bell
    }
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
    if model.list.selected != Some(id) {
        model.list.unseen.insert(id);
    }
    vec![bell_for(model, &[id])]
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    let Some(intent) = keymap::dispatch(model.mode(), &key) else {
        return typed(model, key);
    };
    if intent != Intent::Quit {
        model.quit_armed = false;
    }
    match model.mode() {
        Mode::Picker | Mode::Form | Mode::Confirm => return forms::on_form_intent(model, intent),
        Mode::Bulk => return quick_views::on_bulk_intent(model, intent),
        Mode::Command => return line::on_command_intent(model, intent),
        Mode::Refusals => return on_refusals_intent(model, intent),
        _ => {}
    }
    match intent {
        Intent::Quit => return quick_views::quit(model),
        Intent::NextView => quick_views::next_view(model),
        Intent::BulkAcknowledge => quick_views::start_bulk(model),
        Intent::Up => move_by(model, -1),
        Intent::Down => move_by(model, 1),
        Intent::PageUp => move_by(model, -page_of(model)),
        Intent::PageDown => move_by(model, page_of(model)),
        Intent::First => move_by(model, i64::MIN / 2),
        Intent::Last => move_by(model, i64::MAX / 2),
        Intent::NextSort => {
            model.list.sort = model.list.sort.next();
            model.list.stale = true;
        }
        Intent::OpenFilter => {
            let mut input = TextArea::new(vec![model.list.filter.clone()]);
            input.move_cursor(ratatui_textarea::CursorMove::End);
            model.list.filter_input = input;
            model.overlay = crate::console::records::Overlay::Filter;
        }
        Intent::ApplyFilter => model.overlay = crate::console::records::Overlay::None,
        // Esc steps back one thing at a time: the full-screen detail, then a cluster, then the
        // search.
        Intent::ClearFilter if model.detail.full => {
            model.detail.full = false;
            // Back beside the list, the detail starts at its top (the case's number and state).
            model.detail.scroll = 0;
        }
        Intent::ClearFilter if model.list.focus.is_some() => {
            model.list.focus = None;
            model.list.stale = true;
        }
        Intent::ClearFilter => {
            model.list.filter.clear();
            model.list.filter_input = TextArea::default();
            model.overlay = crate::console::records::Overlay::None;
            model.list.stale = true;
            model.message = None;
        }
        Intent::CloseCase => {
            model.detail.full = false;
            // Back beside the list, the detail starts at its top (the case's number and state).
            model.detail.scroll = 0;
        }
        Intent::ToggleHelp => model.overlay = crate::console::records::Overlay::Help,
        Intent::CloseHelp => model.overlay = crate::console::records::Overlay::None,
        Intent::Tab(n) => {
            if let Some(tab) = tabs(model.role()).get(usize::from(n)) {
                model.detail.full = false;
                model.tab = *tab;
                return entered(model);
            }
        }
        Intent::NextTab => {
            model.detail.full = false;
            let list = tabs(model.role());
            let at = list.iter().position(|t| *t == model.tab).unwrap_or(0);
            model.tab = list[(at + 1) % list.len()];
            return entered(model);
        }
        Intent::Open => {
            if model.tab == Tab::Backlog
                && let Some(id) = settle::backlog_target(model)
            {
                settle::select_case(model, id);
            } else if model.list.selected.is_some() {
                model.detail.full = !model.detail.full;
            }
        }
        Intent::ToggleMap => model.detail.show_map = !model.detail.show_map,
        Intent::NextCluster => quick_views::next_cluster(model),
        Intent::CommandLine => {
            model.command_input = TextArea::default();
            model.message = None;
            model.overlay = crate::console::records::Overlay::Command;
        }
        Intent::ShowRefusals => model.overlay = crate::console::records::Overlay::Refusals,
        Intent::CycleConsent => {
            use crate::domain::triage::Consent;
            let all = Consent::ALL;
            model.backlog.triage.consent = match model.backlog.triage.consent {
                None => all.first().copied(),
                Some(c) => all
                    .iter()
                    .position(|x| *x == c)
                    .and_then(|i| all.get(i + 1))
                    .copied(),
            };
            model.backlog.selected = 0;
        }
        Intent::DetailDown => model.detail.scroll = model.detail.scroll.saturating_add(5),
        Intent::DetailUp => model.detail.scroll = model.detail.scroll.saturating_sub(5),
        Intent::StartWork => return work::start(model),
        Intent::Start(verb) => {
            let target = match model.tab {
                Tab::Backlog => settle::backlog_target(model),
                _ => model.list.selected,
            };
            return forms::start(model, verb, target);
        }
        _ => {}
    }
    vec![]
}

/// Entering the shift tab loads it afresh: the handover is a moment's picture.
fn entered(model: &mut Model) -> Vec<Command> {
    if model.tab == Tab::Shift {
        model.shift.scroll = 0;
        return vec![Command::FetchShift];
    }
    vec![]
}

/// Whether connecting to hub `now` is news: the console moved off the hub it was on, or had to
/// start on another than the first on its list. Reconnecting to the same hub is not.
pub fn hub_changed(previous: Option<usize>, now: usize) -> bool {
    now != previous.unwrap_or(0)
}

/// A key no binding claims: text for whichever editor has the focus.
fn typed(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    match model.mode() {
        Mode::Filter => {
            model.list.filter_input.input(key);
            model.list.filter = model.list.filter_input.lines().join(" ");
            model.list.stale = true;
        }
        Mode::Command if key.code != KeyCode::Enter => {
            model.command_input.input(key);
        }
        Mode::Picker | Mode::Form => return forms::typed_in_form(model, key),
        _ => {}
    }
    vec![]
}

fn on_refusals_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    match intent {
        Intent::EditRefused => return forms::edit_refused(model),
        Intent::Up => model.outbox.selected = model.outbox.selected.saturating_sub(1),
        Intent::Down => {
            model.outbox.selected =
                (model.outbox.selected + 1).min(model.outbox.refused.len().saturating_sub(1))
        }
        Intent::Dismiss if model.outbox.selected < model.outbox.refused.len() => {
            let gone = model.outbox.refused.remove(model.outbox.selected);
            model.outbox.selected = model
                .outbox
                .selected
                .min(model.outbox.refused.len().saturating_sub(1));
            return vec![Command::Dismiss(gone.key)];
        }
        Intent::SendAnyway => return send_anyway(model),
        Intent::Cancel | Intent::Quit => model.overlay = crate::console::records::Overlay::None,
        _ => {}
    }
    vec![]
}

/// `f` on a case action the hub refused because the case changed since it was decided: the
/// person has read what changed, and sends the same action on the case as it now stands (a new
/// key; the refused one leaves the list).
fn send_anyway(model: &mut Model) -> Vec<Command> {
    use crate::console::records::PendingState;
    use crate::domain::command::Request;
    let Some(p) = model.outbox.refused.get(model.outbox.selected) else {
        return vec![];
    };
    let (
        PendingState::Refused {
            case: Some(case),
            changed: Some(_),
            ..
        },
        Request::Case(request),
    ) = (&p.state, &p.request)
    else {
        model.message = Some(crate::console::records::Message::NothingToEdit);
        return vec![];
    };
    let draft = crate::console::records::Draft {
        case_id: p.case_id,
        version: case.version,
        request: request.clone(),
    };
    let key = p.key.clone();
    model.outbox.refused.remove(model.outbox.selected);
    model.outbox.selected = model
        .outbox
        .selected
        .min(model.outbox.refused.len().saturating_sub(1));
    model.message = Some(crate::console::records::Message::Sending {
        case_id: draft.case_id,
        kind: draft.request.verb().appends(),
    });
    vec![Command::Dismiss(key), Command::Submit(draft)]
}

/// A page of the tab shown: the shift tab's pane, or the list's rows.
fn page_of(model: &Model) -> i64 {
    let page = if model.mode() == Mode::Case {
        usize::from(model.detail.page)
    } else if model.tab == Tab::Shift {
        usize::from(model.shift.page)
    } else {
        model.list.page
    };
    page.max(1) as i64
}

fn move_by(model: &mut Model, delta: i64) {
    if model.mode() == Mode::Case {
        // The open case stays the case: the keys move through its text, never to another.
        let at = i64::from(model.detail.scroll)
            .saturating_add(delta)
            .clamp(0, i64::from(u16::MAX));
        // `settle` holds it to the case's last line at the next frame.
        model.detail.scroll = u16::try_from(at).unwrap_or(0);
        return;
    }
    if model.tab == Tab::Shift {
        // The shift tab is read, not selected in: the keys scroll it, within its length.
        let most = i64::from(model.shift.most);
        let at = i64::from(model.shift.scroll)
            .saturating_add(delta)
            .clamp(0, most);
        model.shift.scroll = u16::try_from(at).unwrap_or(0);
        return;
    }
    if model.tab == Tab::Backlog {
        let n = match &model.backlog.view {
            Some((_, ids)) => ids.len(),
            None => settle::attention(model).len(),
        } as i64;
        model.backlog.selected = (model.backlog.selected as i64)
            .saturating_add(delta)
            .clamp(0, (n - 1).max(0)) as usize;
        return;
    }
    model.refresh_order();
    if model.list.order.is_empty() {
        return;
    }
    let current = model.list.table.selected().unwrap_or(0) as i64;
    let next = (current.saturating_add(delta)).clamp(0, model.list.order.len() as i64 - 1) as usize;
    model.list.selected = Some(model.list.order[next]);
    model.list.table.select(Some(next));
    model.list.unseen.remove(&model.list.order[next]);
}

#[cfg(test)]
mod backlog_tests;
#[cfg(test)]
mod card_tests;
#[cfg(test)]
mod drafts_tests;
#[cfg(test)]
mod hub_tests;
#[cfg(test)]
mod intake_tests;
#[cfg(test)]
mod picture_tests;
#[cfg(test)]
mod place_tests;
#[cfg(test)]
mod protection_tests;
#[cfg(test)]
mod reach_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod work_tests;
#[cfg(test)]
mod zone_tests;
