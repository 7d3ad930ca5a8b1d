//! Conflicts only where there is one. A command decided on an older version of a case is not
//! refused because the case moved; it is refused when something that happened since changes what
//! the command means. In a raid phones press again and again, the hub escalates every few
//! minutes and colleagues write notes: none of that makes a note, a checkpoint or an assignment
//! wrong, and refusing them would leave officers retyping while cases wait.
//!
//! The rule, per command: a note, a checkpoint and triage are never in the way of anything, nor
//! is anything in theirs (an acknowledgement is its own case: only someone else acknowledging
//! first, which the case's state says, refuses it). An assignment, a close, a transfer or a
//! reopen is refused by a staff decision taken since (a lawyer assigned, the case closed,
//! reopened, transferred or offered) and by a phone event that changes what it means: a close
//! or an assignment after a duress cancel, a close after the person pressed "detained". An
//! escalation, a position, a message delivered, a colleague's note or checkpoint, a repeated
//! press of the same kind: never.

use super::CaseCommand;
use crate::domain::alert::AlertKind;
use crate::domain::event::{Event, EventBody};

/// A staff decision about who handles the case and whether it is open: what an assignment,
/// close, transfer or reopen decided on an older version must not be applied over.
fn staff_decision(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::LawyerAssigned(_)
            | EventBody::CaseClosed(_)
            | EventBody::CaseReopened(_)
            | EventBody::TransferRequested(_)
            | EventBody::TransferAccepted(_)
            | EventBody::TransferDeclined(_)
    )
}

/// Whether `event`, which happened after the version a command was decided on, changes what
/// the command means.
pub fn stands_in_way(command: &CaseCommand, event: &Event) -> bool {
    let duress = matches!(&event.body, EventBody::AlertCancelled(c) if c.duress);
    // A press saying "detained", or a watched appointment the person did not come out of:
    // closing over either would close on someone who may be held now.
    let detained = matches!(
        &event.body,
        EventBody::AlertRepeated(r) if r.kind == AlertKind::Detained && r.intake.is_none()
    ) || matches!(
        &event.body,
        EventBody::AppointmentLinked(l)
            if l.why != crate::domain::appointment::Linked::Pressed
    );
    match command {
        CaseCommand::Acknowledge
        | CaseCommand::Note(_)
        | CaseCommand::Checkpoint(_)
        | CaseCommand::Triage(_)
        | CaseCommand::Intake(_) => false,
        CaseCommand::Close(_) => staff_decision(&event.body) || duress || detained,
        CaseCommand::Assign(_) => staff_decision(&event.body) || duress,
        CaseCommand::Transfer(_)
        | CaseCommand::Reopen(_)
        | CaseCommand::AcceptTransfer
        | CaseCommand::DeclineTransfer(_) => staff_decision(&event.body),
    }
}

/// The first event among `since` (what happened after the version acted on, oldest first) that
/// stands in the way of `command` sent by staff member `who`, if any. What `who` did themselves
/// never does: their own actions queued on one case (offline, or one after another) go in
/// order, each on the state the one before it made, so the outbox never conflicts with itself.
pub fn in_the_way<'a>(command: &CaseCommand, since: &'a [Event], who: i64) -> Option<&'a Event> {
    let own =
        |e: &Event| matches!(&e.actor, crate::domain::event::Actor::Staff { id, .. } if *id == who);
    since.iter().find(|e| !own(e) && stands_in_way(command, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkpoint::CloseOutcome;
    use crate::domain::command::{AssignRequest, CloseRequest, NoteRequest};
    use crate::domain::event::{Actor, AlertCancelled, CaseEscalated, LawyerAssigned};

    fn event(body: EventBody) -> Event {
        Event {
            seq: 9,
            at: chrono::Utc::now(),
            case_id: 1,
            consulate: "los-angeles".into(),
            actor: Actor::Hub,
            against_version: None,
            body,
        }
    }

    #[test]
    fn only_a_decision_or_a_change_of_meaning_stands_in_the_way() {
        let note = CaseCommand::Note(NoteRequest { text: "x".into() });
        let assign = CaseCommand::Assign(AssignRequest { lawyer_id: 3 });
        let close = CaseCommand::Close(CloseRequest {
            outcome: CloseOutcome::FalseAlarm,
            note: "x".into(),
        });
        let assigned = event(EventBody::LawyerAssigned(LawyerAssigned {
            lawyer_id: 4,
            lawyer_name: "Otra".into(),
            previous: None,
        }));
        let escalated = event(EventBody::CaseEscalated(CaseEscalated {
            level: 1,
            offered_to: None,
            on_duty: vec![],
        }));
        let duress = event(EventBody::AlertCancelled(AlertCancelled {
            alert_id: uuid::Uuid::nil(),
            reason: crate::domain::alert::CancelReason::Safe,
            duress: true,
        }));
        for e in [&assigned, &escalated, &duress] {
            assert!(!stands_in_way(&note, e), "a note is never in conflict");
        }
        assert!(stands_in_way(&assign, &assigned));
        assert!(!stands_in_way(&assign, &escalated));
        assert!(stands_in_way(&close, &duress));
        assert!(stands_in_way(&assign, &duress));
        assert_eq!(
            in_the_way(&close, &[escalated.clone(), assigned.clone()], 1).map(|e| e.seq),
            Some(9)
        );
        assert!(in_the_way(&close, &[escalated], 1).is_none());
        // One's own assignment, queued before one's own close, is not in its way.
        let mut mine = assigned;
        mine.actor = Actor::Staff {
            id: 1,
            name: "Yo".into(),
            role: crate::domain::staff::Role::Officer,
        };
        assert!(in_the_way(&close, &[mine], 1).is_none());
    }
}
