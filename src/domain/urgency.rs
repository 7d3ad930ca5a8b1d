//! How urgent a case is: a tier plus the reasons that put it there.
//!
//! The rules, in order (documented in docs/architecture.md as well):
//! 1. A cancelled or closed case is `Resolved`.
//! 2. The alert's kind sets the base: `detained` is `High`, `imminent` is `Elevated`.
//! 3. Any vulnerability flag raises the base one tier (`Elevated` -> `High` -> `Critical`).
//! 4. Each of these raises one tier more: pressed more than once; nobody has reached the person
//!    or a relative within `silence` of the alert.
//! 5. An alert still unacknowledged at or past the SLA is `Critical`, whatever the base; so is a
//!    case cancelled with the duress PIN.
//!
//! The queue's order ([`Rank`]), so that it stays meaningful once the SLA has passed and most
//! alerts are critical: duress first; then alerts nobody has acknowledged before attended ones;
//! then the tier; then the longest wait (the earliest alert) first; then the nearer case (the
//! consulate can reach it soonest); then the earlier press and the lower case number, so the
//! order never depends on arrival order.
//!
//! Time is passed in; nothing here reads a clock.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, Utc};

use super::alert::AlertKind;
use super::case::{Case, CaseStatus};
use super::registrant::Flag;

/// Ordered most urgent first, so `Ord` sorts a queue directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Critical,
    High,
    Elevated,
    Routine,
    Resolved,
}

impl Tier {
    fn raised(self) -> Tier {
        match self {
            Tier::Elevated => Tier::High,
            Tier::High | Tier::Critical => Tier::Critical,
            other => other,
        }
    }
}

/// The time limits urgency depends on (config `[urgency]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Unacknowledged this long: critical, and escalated to supervisors.
    pub sla: Duration,
    /// Unacknowledged this long: also offered to the next-nearest consulate.
    pub offer_after: Duration,
    /// Nobody reached the person or a relative this long after the alert: urgency rises.
    pub silence: Duration,
}

impl Rules {
    pub fn with_sla(sla: Duration) -> Rules {
        Rules {
            sla,
            offer_after: sla * 3,
            silence: Duration::minutes(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Cancelled with the duress PIN.
    Duress,
    Overdue {
        minutes: i64,
    },
    /// Pressed this many times.
    Repeated(u32),
    /// No one has reached the person or a relative yet.
    NoContact,
    Detained,
    Imminent,
    /// Did not say they came out of a watched appointment.
    AppointmentMissed,
    /// Nobody can find the person; the search's last escalation, in hours (0: none yet).
    NotLocated {
        escalated: u32,
    },
    Vulnerable(Flag),
    Cancelled,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urgency {
    pub tier: Tier,
    /// Most important first; the console shows the first two.
    pub reasons: Vec<Reason>,
}

/// The flags that raise a tier, most serious first.
const FLAG_WEIGHT: [Flag; 6] = [
    Flag::MinorsInCare,
    Flag::MedicalCondition,
    Flag::Pregnancy,
    Flag::Disability,
    Flag::Over65,
    Flag::NeedsInterpreter,
];

/// Whether someone has reached the person or a relative.
fn contacted(case: &Case) -> bool {
    use super::checkpoint::CheckpointCode as C;
    case.checkpoints.iter().any(|c| {
        c.code == C::FamilyNotified
            || c.code == C::ConsularVisit
            || (c.code == C::ContactAttempt
                && c.fields.get("outcome").is_some_and(|o| o == "reached"))
    })
}

pub fn assess(case: &Case, now: DateTime<Utc>, rules: Rules) -> Urgency {
    let sla = rules.sla;
    match case.status {
        CaseStatus::Cancelled => {
            return Urgency {
                tier: Tier::Resolved,
                reasons: vec![Reason::Cancelled],
            };
        }
        CaseStatus::Closed => {
            return Urgency {
                tier: Tier::Resolved,
                reasons: vec![Reason::Closed],
            };
        }
        CaseStatus::Open => {}
    }
    let mut reasons = Vec::with_capacity(3);
    let mut tier = match case.kind {
        // A person who did not come out of a check-in may be held inside: as a detention.
        AlertKind::Detained | AlertKind::AppointmentMissed => Tier::High,
        AlertKind::Imminent => Tier::Elevated,
    };
    let kind_reason = match case.kind {
        AlertKind::Detained => Reason::Detained,
        AlertKind::Imminent => Reason::Imminent,
        AlertKind::AppointmentMissed => Reason::AppointmentMissed,
    };
    if let Some(flag) = FLAG_WEIGHT.iter().find(|f| case.flags.contains(f)) {
        tier = tier.raised();
        reasons.push(Reason::Vulnerable(*flag));
    }
    if case.presses > 1 {
        tier = tier.raised();
        reasons.push(Reason::Repeated(case.presses));
    }
    // By its escalations (events), not by the clock: the queue's order changes only with an
    // event or at `next_change`. Three days unaccounted for is as urgent as it gets.
    if let Some(search) = case.search {
        tier = if search.escalated >= 72 {
            Tier::Critical
        } else {
            tier.raised()
        };
        reasons.insert(
            0,
            Reason::NotLocated {
                escalated: search.escalated,
            },
        );
    }
    if !contacted(case) && now - case.received_at >= rules.silence {
        tier = tier.raised();
        reasons.push(Reason::NoContact);
    }
    if case.acknowledged_at.is_none() {
        let waited = now - case.received_at;
        if waited >= sla {
            tier = Tier::Critical;
            reasons.insert(
                0,
                Reason::Overdue {
                    minutes: waited.num_minutes(),
                },
            );
        }
    }
    let at = if matches!(reasons.first(), Some(Reason::Overdue { .. })) {
        1
    } else {
        0
    };
    reasons.insert(at, kind_reason);
    if case.duress_at.is_some() {
        // Above everything: the person signalled they are being forced.
        tier = Tier::Critical;
        reasons.insert(0, Reason::Duress);
    }
    Urgency { tier, reasons }
}

/// A case's place in the queue (see the module's order). Everything in it changes only with an
/// event on the case, except the tier, which changes with time only at [`next_change`]; so a
/// sorted index of ranks needs updating only for cases that had an event or reached that instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank {
    not_duress: bool,
    attended: bool,
    tier: Tier,
    waiting_since: i64,
    distance: i64,
    pressed_at: i64,
    id: u64,
}

impl Rank {
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn duress(&self) -> bool {
        !self.not_duress
    }

    /// Open and acknowledged by nobody yet.
    pub fn unattended(&self) -> bool {
        !self.attended
    }

    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// When the alert arrived (microseconds since the epoch): the wait is counted from here.
    pub fn waiting_since(&self) -> i64 {
        self.waiting_since
    }
}

/// A distance as an integer that sorts like `f64::total_cmp`, so ranks can derive `Ord`.
pub fn sortable_distance(km: f64) -> i64 {
    let bits = km.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

pub fn rank(case: &Case, tier: Tier) -> Rank {
    Rank {
        not_duress: case.duress_at.is_none(),
        attended: !unattended(case),
        tier,
        waiting_since: case.received_at.timestamp_micros(),
        // Where nobody knows, the case is not "nearest": it sorts after every known distance.
        distance: case.known_distance().map_or(i64::MAX, sortable_distance),
        pressed_at: case.pressed_at.timestamp_micros(),
        id: case.id,
    }
}

/// Open and acknowledged by nobody yet: what the counts strip, the rank and the quick view
/// all mean by "unattended".
pub fn unattended(case: &Case) -> bool {
    case.unattended()
}

/// The queue order of two cases with their tiers.
pub fn queue_order(a: (&Case, Tier), b: (&Case, Tier)) -> Ordering {
    rank(a.0, a.1).cmp(&rank(b.0, b.1))
}

/// The next instant after `now` at which [`assess`] may give this case another tier with no
/// event on it (the SLA, the silence limit), or None if time alone will not change it.
pub fn next_change(case: &Case, now: DateTime<Utc>, rules: Rules) -> Option<DateTime<Utc>> {
    if case.status != CaseStatus::Open {
        return None;
    }
    let silence = (!contacted(case)).then(|| case.received_at + rules.silence);
    let sla = case
        .acknowledged_at
        .is_none()
        .then(|| case.received_at + rules.sla);
    [silence, sla]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::tests::{cancelled, raised};

    fn at(case: &Case, minutes: i64) -> DateTime<Utc> {
        case.received_at + Duration::minutes(minutes)
    }

    #[test]
    fn imminent_without_flags_is_elevated() {
        let c = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        let u = assess(&c, at(&c, 1), Rules::with_sla(Duration::minutes(5)));
        assert_eq!(u.tier, Tier::Elevated);
        assert_eq!(u.reasons, vec![Reason::Imminent]);
    }

    #[test]
    fn detained_with_minors_is_critical() {
        let c = Case::open(&raised(1, 1, AlertKind::Detained, vec![Flag::MinorsInCare])).unwrap();
        let u = assess(&c, at(&c, 0), Rules::with_sla(Duration::minutes(5)));
        assert_eq!(u.tier, Tier::Critical);
        assert_eq!(
            u.reasons,
            vec![Reason::Detained, Reason::Vulnerable(Flag::MinorsInCare)]
        );
    }

    #[test]
    fn unacknowledged_past_sla_is_critical_and_says_so_first() {
        let c = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        assert_eq!(
            assess(&c, at(&c, 4), Rules::with_sla(Duration::minutes(5))).tier,
            Tier::Elevated
        );
        let u = assess(&c, at(&c, 5), Rules::with_sla(Duration::minutes(5)));
        assert_eq!(u.tier, Tier::Critical);
        assert_eq!(u.reasons[0], Reason::Overdue { minutes: 5 });
    }

    #[test]
    fn cancelled_is_resolved() {
        let mut c = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        c.apply(&cancelled(2, 1)).unwrap();
        assert_eq!(
            assess(&c, at(&c, 60), Rules::with_sla(Duration::minutes(5))).tier,
            Tier::Resolved
        );
    }

    #[test]
    fn silence_and_repeat_presses_raise_the_tier_and_duress_tops_everything() {
        use crate::domain::case::tests::{checkpoint, staff_event};
        use crate::domain::checkpoint::CheckpointCode;
        use crate::domain::event::EventBody;
        let rules = Rules::with_sla(Duration::minutes(5));
        let mut c = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        c.apply(&staff_event(2, 1, EventBody::CaseAcknowledged))
            .unwrap();
        assert_eq!(assess(&c, at(&c, 29), rules).tier, Tier::Elevated);
        let silent = assess(&c, at(&c, 30), rules);
        assert_eq!(silent.tier, Tier::High, "nobody reached in 30 minutes");
        assert!(silent.reasons.contains(&Reason::NoContact));
        c.apply(&checkpoint(
            3,
            1,
            CheckpointCode::ContactAttempt,
            &[("who", "hermana"), ("outcome", "reached")],
        ))
        .unwrap();
        assert_eq!(
            assess(&c, at(&c, 30), rules).tier,
            Tier::Elevated,
            "reached: calm again"
        );
        c.presses = 3;
        let repeated = assess(&c, at(&c, 30), rules);
        assert_eq!(repeated.tier, Tier::High);
        assert!(repeated.reasons.contains(&Reason::Repeated(3)));
        let mut far = Case::open(&raised(4, 2, AlertKind::Imminent, vec![])).unwrap();
        far.distance_km = 500.0;
        far.duress_at = Some(far.received_at);
        let u = assess(&far, at(&far, 1), rules);
        assert_eq!((u.tier, u.reasons[0]), (Tier::Critical, Reason::Duress));
        let near_critical =
            Case::open(&raised(5, 3, AlertKind::Detained, vec![Flag::Pregnancy])).unwrap();
        assert_eq!(
            queue_order((&far, Tier::Critical), (&near_critical, Tier::Critical)),
            Ordering::Less,
            "duress before any other critical, however far"
        );
    }

    #[test]
    fn nearer_case_first_within_a_tier() {
        let mut near = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        let far = Case::open(&raised(2, 2, AlertKind::Imminent, vec![])).unwrap();
        near.distance_km = 1.0;
        assert_eq!(
            queue_order((&near, Tier::High), (&far, Tier::High)),
            Ordering::Less
        );
        assert_eq!(
            queue_order((&near, Tier::Elevated), (&far, Tier::High)),
            Ordering::Greater
        );
    }

    #[test]
    fn unattended_before_attended_then_the_longest_wait_before_the_nearest() {
        let mut attended = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        attended.acknowledged_at = Some(attended.received_at);
        let waiting = Case::open(&raised(2, 2, AlertKind::Imminent, vec![])).unwrap();
        assert_eq!(
            queue_order((&waiting, Tier::Elevated), (&attended, Tier::Critical)),
            Ordering::Less,
            "nobody has answered it yet, whatever the other's tier"
        );
        let mut old_far = Case::open(&raised(3, 3, AlertKind::Imminent, vec![])).unwrap();
        old_far.distance_km = 80.0;
        let mut new_near = Case::open(&raised(4, 4, AlertKind::Imminent, vec![])).unwrap();
        new_near.received_at = old_far.received_at + Duration::minutes(4);
        new_near.distance_km = 1.0;
        assert_eq!(
            queue_order((&old_far, Tier::Critical), (&new_near, Tier::Critical)),
            Ordering::Less,
            "past the SLA, the one waiting longest comes first"
        );
    }

    #[test]
    fn the_tier_changes_with_time_only_at_next_change() {
        let rules = Rules::with_sla(Duration::minutes(5));
        let c = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        let mut now = c.received_at;
        let mut changes = 0;
        while let Some(next) = next_change(&c, now, rules) {
            assert!(next > now);
            let tier = assess(&c, now, rules).tier;
            assert_eq!(
                assess(&c, next - Duration::microseconds(1), rules).tier,
                tier,
                "no change before the instant"
            );
            now = next;
            changes += 1;
        }
        // The SLA (critical) and the silence limit (already critical: no visible change).
        assert_eq!(changes, 2);
        assert_eq!(assess(&c, now, rules).tier, Tier::Critical);
        let mut acknowledged = c.clone();
        acknowledged.acknowledged_at = Some(c.received_at);
        assert_eq!(
            next_change(&acknowledged, c.received_at, rules),
            Some(c.received_at + rules.silence)
        );
    }

    #[test]
    fn an_intake_nobody_could_place_is_not_the_nearest() {
        let mut far = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        far.distance_km = 80.0;
        let mut nowhere = Case::open(&raised(2, 2, AlertKind::Imminent, vec![])).unwrap();
        nowhere.received_at = far.received_at;
        // The consulate's own coordinates stand in: a distance of 0 that means "unknown".
        nowhere.distance_km = 0.0;
        nowhere.intake = Some(crate::domain::intake::Intake {
            description: "llamada".into(),
            place: Some("Ningún Lugar".into()),
            matched_place: None,
            located: false,
            registrant_matched: false,
            identity_only: false,
        });
        assert_eq!(nowhere.known_distance(), None);
        assert_eq!(
            queue_order((&far, Tier::Elevated), (&nowhere, Tier::Elevated)),
            Ordering::Less
        );
    }
}
