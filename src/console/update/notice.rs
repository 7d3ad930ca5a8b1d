//! Notices in `update`: what the outbox reports about an action sent, put on the status line.

use crate::console::action::{Command, Notice};
use crate::console::model::Model;

/// A notice from the outbox onto the status line: an intake routed elsewhere named, protection
/// work recorded refreshing the shift tab, a refusal rung.
pub fn on_notice(model: &mut Model, notice: Notice) -> Vec<Command> {
    let notice = routed(model, notice);
    use crate::console::action::WorkState;
    let bell = matches!(
        notice,
        Notice::Refused { .. }
            | Notice::NotSaved { .. }
            | Notice::Work {
                state: WorkState::Refused | WorkState::NotSaved(_),
                ..
            }
    );
    let mut commands = match &notice {
        Notice::Work {
            state: WorkState::Done | WorkState::Skipped(_),
            ..
        } => super::work::applied(model),
        _ => vec![],
    };
    model.notice = Some(notice);
    // The question before quitting stays until answered; other messages give way.
    if !model.quit_armed {
        model.message = None;
    }
    // A refused action must not pass unnoticed: the person who acted needs to know.
    if bell {
        commands.push(Command::Bell);
    }
    commands
}

/// An intake that went to another consulate becomes a notice naming it: the case will not
/// appear here, and the caller may need to hear where it went.
fn routed(model: &Model, notice: Notice) -> Notice {
    let mine = model.me.as_ref().and_then(|me| me.consulate.as_deref());
    match &notice {
        Notice::Applied {
            case_id,
            consulate: Some(to),
            ..
        } if mine.is_some_and(|m| m != to) => Notice::RoutedElsewhere {
            case_id: *case_id,
            consulate: model.consulate_name(to),
        },
        // A call taken, not an alert from a phone.
        Notice::Applied {
            case_id,
            consulate: Some(_),
            ..
        } => Notice::CallTaken { case_id: *case_id },
        _ => notice,
    }
}
