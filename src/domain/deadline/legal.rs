//! The deadlines of today's legal routes and of a detainee's moves: counsel told after a
//! placement or transfer, habeas, and an unaccompanied minor's statutory hours
//! (config/checkpoints.md); and the matters a transfer may put at risk.

use chrono::Duration;

use super::{
    CIRCUIT_APPEAL_DAYS, COUNSEL_HOURS, DayEnd, Deadline, DeadlineKind, HABEAS_RETURN_DAYS,
    MINOR_SCREENING_HOURS, MINOR_TRANSFER_HOURS, date_field, latest, logged_after, on_day,
};
use crate::domain::case::{Case, CheckpointRecord};
use crate::domain::checkpoint::{CheckpointCode, parse_datetime};

/// An appeal to `forum` (`board` or `circuit`; an appeal with no forum is to the Board, as
/// every appeal was before the field existed) logged after `seq`.
pub(super) fn appealed_after(case: &Case, forum: &str, seq: u64) -> bool {
    case.checkpoints.iter().any(|c| {
        c.code == CheckpointCode::AppealFiled
            && c.seq > seq
            && c.fields.get("forum").map_or("board", String::as_str) == forum
    })
}

fn step_done(case: &Case, step: &str) -> bool {
    case.checkpoints.iter().any(|c| {
        c.code == CheckpointCode::ChecklistStep && c.fields.get("step").is_some_and(|s| s == step)
    })
}

/// Whether the person has counsel: a lawyer assigned here or a representative logged.
pub fn has_counsel(case: &Case) -> bool {
    case.assigned_lawyer.is_some()
        || case
            .checkpoints
            .iter()
            .any(|c| c.code == CheckpointCode::RepresentativeAssigned)
}

/// The latest placement in a facility (located or transferred).
pub fn placement(case: &Case) -> Option<&CheckpointRecord> {
    case.checkpoints.iter().rev().find(|c| {
        matches!(
            c.code,
            CheckpointCode::FacilityLocated | CheckpointCode::FacilityTransfer
        )
    })
}

/// Matters pending before a court or the agency when the person was last moved: a transfer to
/// another district or court may cost them jurisdiction or venue, and the lawyer must check
/// each one. Empty when the last placement is not a transfer.
pub fn at_risk_after_transfer(case: &Case) -> Vec<&CheckpointRecord> {
    let Some(moved) = placement(case).filter(|p| p.code == CheckpointCode::FacilityTransfer) else {
        return Vec::new();
    };
    use CheckpointCode as C;
    let decided_after = |code: C, seq: u64| {
        case.checkpoints
            .iter()
            .any(|c| c.code == code && c.seq > seq)
    };
    case.checkpoints
        .iter()
        .filter(|c| c.seq < moved.seq)
        .filter(|c| match c.code {
            C::HabeasFiled => !decided_after(C::HabeasDecided, c.seq),
            C::StayRequested => !decided_after(C::StayDecided, c.seq),
            C::BondHearing => {
                c.fields.get("decision").is_none_or(|d| d == "pending")
                    && !decided_after(C::BondHearing, c.seq)
            }
            C::MasterCalendarHearing | C::IndividualHearing => c
                .fields
                .get("hearing_at")
                .and_then(|v| parse_datetime(v))
                .is_some_and(|at| at >= moved.happened_at),
            C::ReliefFiled => !decided_after(C::IndividualHearing, c.seq),
            _ => false,
        })
        .collect()
}

/// Counsel told after a move, habeas, and a minor's statutory hours.
/// A habeas court is the district of confinement: its days end where the person is.
pub(super) fn legal_routes(case: &Case, person: chrono_tz::Tz, out: &mut Vec<Deadline>) {
    let mut push = |kind, (due, day_end), c: &CheckpointRecord| {
        out.push(Deadline {
            kind,
            due,
            day_end,
            from_seq: c.seq,
            code: c.code,
        })
    };
    let day = |d, ends| on_day(d, ends, person);
    use CheckpointCode as C;
    if let Some(placed) = placement(case)
        && has_counsel(case)
        && !logged_after(case, C::CounselInformed, placed.seq)
    {
        push(
            DeadlineKind::CounselInformed,
            (placed.happened_at + Duration::hours(COUNSEL_HOURS), None),
            placed,
        );
    }
    if let Some(filed) = latest(case, C::HabeasFiled)
        && !logged_after(case, C::HabeasDecided, filed.seq)
    {
        let due = date_field(filed, "return_due").or_else(|| {
            date_field(filed, "show_cause_on").map(|d| d + Duration::days(HABEAS_RETURN_DAYS))
        });
        if let Some(due) = due {
            push(DeadlineKind::HabeasReturn, day(due, DayEnd::Person), filed);
        }
    }
    if let Some(decided) = latest(case, C::HabeasDecided) {
        let decision = decided.fields.get("decision").map(String::as_str);
        if matches!(decision, Some("denied" | "dismissed"))
            && !appealed_after(case, "circuit", decided.seq)
            && let Some(on) = date_field(decided, "decided_on")
        {
            push(
                DeadlineKind::CircuitAppeal,
                day(on + Duration::days(CIRCUIT_APPEAL_DAYS), DayEnd::Person),
                decided,
            );
        }
        let carried_out = match decision {
            Some("bond_hearing_ordered") => logged_after(case, C::BondHearing, decided.seq),
            _ => logged_after(case, C::Released, decided.seq),
        };
        if matches!(decision, Some("release_ordered" | "bond_hearing_ordered"))
            && !carried_out
            && let Some(by) = date_field(decided, "comply_by")
        {
            push(
                DeadlineKind::HabeasCompliance,
                day(by, DayEnd::Person),
                decided,
            );
        }
    }
    if let Some(minor) = latest(case, C::MinorInCustody)
        && minor
            .fields
            .get("accompanied")
            .is_some_and(|a| a == "unaccompanied")
        && !logged_after(case, C::Released, minor.seq)
        && !logged_after(case, C::Removed, minor.seq)
    {
        let from = minor
            .fields
            .get("apprehended_at")
            .and_then(|v| parse_datetime(v))
            .unwrap_or(minor.happened_at);
        if !step_done(case, "screening_confirmed") {
            push(
                DeadlineKind::MinorScreening,
                (from + Duration::hours(MINOR_SCREENING_HOURS), None),
                minor,
            );
        }
        if !step_done(case, "orr_placement_confirmed") {
            push(
                DeadlineKind::MinorTransfer,
                (from + Duration::hours(MINOR_TRANSFER_HOURS), None),
                minor,
            );
        }
    }
}
