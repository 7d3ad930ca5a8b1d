//! Quick views, acknowledging a whole view at once, and quitting with work still waiting.

use super::forms;
use crate::console::action::Command;
use crate::console::keymap::Intent;
use crate::console::model::{Message, Model};
use crate::domain::command::{CaseCommand, Verb, precheck, role_may};
use crate::domain::urgency;

/// `v`: the next quick view; the list is rebuilt for it on the next settle.
pub fn next_view(model: &mut Model) {
    model.list.view = model.list.view.next();
    model.list.stale = true;
    model.message = None;
}

/// `z`: the list narrowed to the biggest cluster, then the next, then back to all.
pub fn next_cluster(model: &mut Model) {
    use crate::console::records::Focus;
    let next = match &model.list.focus {
        Some(Focus::Cluster(now)) => {
            let at = model.list.clusters.iter().position(|c| c.ids == now.ids);
            at.and_then(|i| model.list.clusters.get(i + 1)).cloned()
        }
        _ => model.list.clusters.first().cloned(),
    };
    if next.is_none() && model.list.focus.is_none() {
        model.message = Some(Message::NoClusters);
    }
    model.list.focus = next.map(Focus::Cluster);
    model.list.stale = true;
}

/// `B`: every unattended case the list shows now that this person may acknowledge, after one
/// question. The cases are fixed when asked, so rows arriving meanwhile are not swept in.
pub fn start_bulk(model: &mut Model) {
    let Some(me) = model.me.clone() else {
        return;
    };
    if !role_may(me.role, Verb::Acknowledge) {
        model.message = Some(Message::NotPermitted);
        return;
    }
    // Duress is never acknowledged in bulk: each of those is read and taken by a person.
    let (duress, targets): (Vec<&crate::domain::case::Case>, Vec<_>) = model
        .list
        .order
        .iter()
        .filter_map(|id| model.cases.get(id))
        .filter(|c| urgency::unattended(c) && precheck(c, Verb::Acknowledge, &me).is_ok())
        .partition(|c| c.duress_at.is_some());
    let duress = duress.len();
    let targets: Vec<u64> = targets.into_iter().map(|c| c.id).collect();
    if targets.is_empty() {
        model.message = Some(Message::NothingToAcknowledge { duress });
        return;
    }
    model.message = Some(Message::ConfirmBulk {
        n: targets.len(),
        duress,
    });
    model.list.bulk = targets;
    model.list.bulk_duress = duress;
    model.overlay = crate::console::records::Overlay::Bulk;
}

/// The answer to the bulk question: one acknowledge per case, each its own outbox entry with
/// its own idempotency key, each decided as `a` on that row would be.
pub fn on_bulk_intent(model: &mut Model, intent: Intent) -> Vec<Command> {
    let targets = std::mem::take(&mut model.list.bulk);
    let duress = std::mem::take(&mut model.list.bulk_duress);
    model.overlay = crate::console::records::Overlay::None;
    model.message = None;
    match intent {
        Intent::Yes => {
            let mut commands = Vec::new();
            for id in targets {
                let Some(version) = model.cases.get(&id).map(|c| c.version) else {
                    continue;
                };
                commands.extend(forms::submit(model, id, version, CaseCommand::Acknowledge));
            }
            model.message = Some(Message::BulkSent {
                n: commands.len(),
                duress,
            });
            commands
        }
        Intent::Quit => {
            model.quit = true;
            vec![Command::Quit]
        }
        _ => vec![],
    }
}

/// `q`: quits at once, unless actions are still waiting to be sent; then it says so first, and
/// a second `q` quits (they stay in the outbox and go when the console starts again).
pub fn quit(model: &mut Model) -> Vec<Command> {
    if model.outbox.waiting > 0 && !model.quit_armed {
        model.quit_armed = true;
        model.message = Some(Message::QuitWithWaiting(model.outbox.waiting));
        return vec![];
    }
    model.quit = true;
    vec![Command::Quit]
}

#[cfg(test)]
mod tests {

    use crossterm::event::KeyCode;

    use crate::console::action::{Action, Command};
    use crate::console::keymap::Mode;
    use crate::console::model::{Message, Model};
    use crate::console::quick_views::QuickView;
    use crate::console::update::test_support::{self as support, screen};
    use crate::console::update::update;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use crate::domain::command::CaseCommand;
    use crate::domain::staff::Role;
    use crate::i18n::Lang;

    fn key(c: char) -> Action {
        support::key(KeyCode::Char(c))
    }

    fn officer() -> Model {
        let mut m = support::officer(Lang::Es);
        for (seq, id) in [(1, 1001), (2, 1002), (3, 1003)] {
            update(
                &mut m,
                Action::HubEvent(Box::new(raised(seq, id, AlertKind::Imminent, vec![]))),
            );
        }
        // 1003 is already someone's.
        let case = m.cases.get_mut(&1003).unwrap();
        case.acknowledged_at = Some(case.received_at);
        m.list.touched.insert(1003);
        m.refresh_order();
        m
    }

    fn acknowledged(commands: &[Command]) -> Vec<u64> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Submit(d) if d.request == CaseCommand::Acknowledge => Some(d.case_id),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_unattended_view_and_one_confirmation_acknowledge_each_case_once() {
        let mut m = officer();
        update(&mut m, key('v'));
        assert_eq!(m.list.view, QuickView::Unattended);
        m.refresh_order();
        let mut shown = m.list.order.clone();
        shown.sort();
        assert_eq!(shown, vec![1001, 1002]);
        assert!(
            update(&mut m, key('B')).is_empty(),
            "nothing before the answer"
        );
        assert_eq!(m.mode(), Mode::Bulk);
        assert_eq!(m.message, Some(Message::ConfirmBulk { n: 2, duress: 0 }));
        let mut sent = acknowledged(&update(&mut m, key('s')));
        sent.sort();
        assert_eq!(sent, vec![1001, 1002]);
        assert_eq!(m.mode(), Mode::Normal);
        assert_eq!(m.message, Some(Message::BulkSent { n: 2, duress: 0 }));
    }

    #[test]
    fn bulk_acknowledge_leaves_duress_to_a_person_and_says_how_many() {
        let mut m = officer();
        let case = m.cases.get_mut(&1002).unwrap();
        case.duress_at = Some(case.received_at);
        m.list.touched.insert(1002);
        m.refresh_order();
        update(&mut m, key('B'));
        assert_eq!(m.message, Some(Message::ConfirmBulk { n: 1, duress: 1 }));
        let asked = crate::console::words::message(Lang::Es, m.message.as_ref().unwrap());
        assert!(asked.contains("con coacción no se incluye"), "{asked}");
        let sent = acknowledged(&update(&mut m, key('s')));
        assert_eq!(sent, vec![1001], "the duress case is not swept in");
        assert_eq!(m.message, Some(Message::BulkSent { n: 1, duress: 1 }));
        let told = crate::console::words::message(Lang::Es, m.message.as_ref().unwrap());
        assert!(
            told.starts_with("1 caso atendido · 1 con coacción sigue sin atender"),
            "{told}"
        );
        // With only the duress case left, B takes nothing and says why.
        let case = m.cases.get_mut(&1001).unwrap();
        case.acknowledged_at = Some(case.received_at);
        m.refresh_order();
        update(&mut m, key('B'));
        assert_eq!(m.message, Some(Message::NothingToAcknowledge { duress: 1 }));
        assert!(m.list.bulk.is_empty());
    }

    #[test]
    fn saying_no_sends_nothing_and_an_empty_view_has_nothing_to_ask() {
        let mut m = officer();
        update(&mut m, key('B'));
        assert!(update(&mut m, key('n')).is_empty());
        assert_eq!(m.mode(), Mode::Normal);
        assert!(m.list.bulk.is_empty());
        for id in [1001, 1002] {
            let case = m.cases.get_mut(&id).unwrap();
            case.acknowledged_at = Some(case.received_at);
            m.list.touched.insert(id);
        }
        m.refresh_order();
        update(&mut m, key('B'));
        assert_eq!(m.mode(), Mode::Normal);
        assert_eq!(m.message, Some(Message::NothingToAcknowledge { duress: 0 }));
    }

    #[test]
    fn a_lawyer_cannot_bulk_acknowledge() {
        let mut m = officer();
        m.me.as_mut().unwrap().role = Role::Lawyer;
        update(&mut m, key('B'));
        assert_eq!(m.mode(), Mode::Normal, "the key is not the lawyer's");
        assert!(m.list.bulk.is_empty());
        assert_eq!(m.message, Some(Message::NotPermitted));
    }

    #[test]
    fn q_warns_once_when_actions_are_still_waiting() {
        let mut m = officer();
        m.outbox.waiting = 2;
        assert!(update(&mut m, key('q')).is_empty());
        assert!(!m.quit);
        assert_eq!(m.message, Some(Message::QuitWithWaiting(2)));
        assert_eq!(update(&mut m, key('q')), vec![Command::Quit]);
        let mut idle = officer();
        assert_eq!(update(&mut idle, key('q')), vec![Command::Quit]);
    }

    #[test]
    fn at_80_by_24_the_hint_bar_ends_with_help_and_quit_and_the_title_names_the_view() {
        for lang in [Lang::Es, Lang::En] {
            let mut m = officer();
            m.lang = lang;
            update(&mut m, key('v'));
            m.refresh_order();
            let text = screen(&mut m, 80, 24);
            let last = text.lines().last().unwrap().trim_end().to_string();
            let (help, quit, view) = match lang {
                Lang::Es => ("? ayuda", "q salir", "sin atender"),
                Lang::En => ("? help", "q quit", "unattended"),
            };
            assert!(
                last.ends_with(&format!("{help}  {quit}")),
                "{lang:?}: {last}"
            );
            assert!(text.lines().any(|l| l.contains(view)), "{text}");
        }
    }

    #[test]
    fn a_wide_hint_bar_also_offers_the_less_frequent_keys() {
        let mut m = officer();
        let text = screen(&mut m, 240, 30);
        let last = text.lines().last().unwrap().trim_end().to_string();
        for hint in [
            "I registrar llamada",
            "t trasladar",
            "s cambiar orden",
            "v cambiar vista",
        ] {
            assert!(last.contains(hint), "{hint}: {last}");
        }
        assert!(last.ends_with("? ayuda  q salir"), "{last}");
    }
}
