//! The search for a person no one can find. Detained people vanish for days: the online
//! locator lags by hours and misses local jails, and families and consulates are not told. A case
//! marked `NOT_LOCATED` carries a search checklist (`domain::checklist`, its steps below) whose
//! steps record who was asked and what they said; the search escalates at 24, 48 and 72 hours
//! until a placement (`FACILITY_LOCATED`), a release or a removal ends it. Pure: the steps, the
//! escalations as data, and what is due.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The search's steps, in the order an officer would take them. Each is closed by a
/// `CHECKLIST_STEP` naming it, with what it found.
pub const STEPS: &[&str] = &[
    // ICE's Online Detainee Locator System: by A-number, or by name, country and birth date.
    "locator_searched",
    // The ICE field office whose area holds the last known position.
    "field_office_asked",
    // The detention facilities nearest the last known position (the registry's search).
    "nearby_facilities_asked",
    // County and city jails: the locator does not list people held there before ICE takes them.
    "local_jails_asked",
    "hospitals_asked",
    "family_asked",
];

/// What asking found.
pub const RESULTS: &[&str] = &["not_there", "no_answer", "found"];

/// Who is told when a search has gone on this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tell {
    /// The consulate's supervisors.
    Supervisors,
    /// The national supervisors as well.
    National,
}

/// The escalations, in hours from the search's start: the consulate's supervisors at a day, and
/// again at two with the national supervisors, who hear of it once more at three days. House
/// rules (not law): a person unaccounted for after 72 hours is a matter for headquarters.
pub const ESCALATIONS: &[(u32, Tell)] = &[
    (24, Tell::Supervisors),
    (48, Tell::National),
    (72, Tell::National),
];

/// A search as a case carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    /// When the person was found missing (the `NOT_LOCATED` checkpoint's time).
    pub since: DateTime<Utc>,
    /// The last escalation made, in hours (0: none yet).
    #[serde(default)]
    pub escalated: u32,
}

impl Search {
    /// The escalation due at `now`, if one is: the latest whose time has come and that was not
    /// made (a hub down for two days makes the 48-hour one, not both).
    pub fn due(&self, now: DateTime<Utc>) -> Option<(u32, Tell)> {
        ESCALATIONS
            .iter()
            .rev()
            .find(|(h, _)| {
                *h > self.escalated && now >= self.since + Duration::hours(i64::from(*h))
            })
            .copied()
    }

    /// Whole hours the person has been missing at `now`.
    pub fn hours(&self, now: DateTime<Utc>) -> i64 {
        (now - self.since).num_hours().max(0)
    }
}

/// Event `search_escalated`: the search for the person reached `hours`; `tell` says who hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchEscalated {
    pub hours: u32,
    pub tell: Tell,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_escalation_comes_once_in_order_and_a_late_pass_makes_only_the_latest() {
        let since: DateTime<Utc> = "2026-12-01T08:00:00Z".parse().unwrap();
        let mut s = Search {
            since,
            escalated: 0,
        };
        assert_eq!(s.due(since + Duration::hours(23)), None);
        assert_eq!(
            s.due(since + Duration::hours(24)),
            Some((24, Tell::Supervisors))
        );
        s.escalated = 24;
        assert_eq!(s.due(since + Duration::hours(30)), None);
        // Down from hour 30 to hour 50: the 48-hour one, once.
        assert_eq!(
            s.due(since + Duration::hours(50)),
            Some((48, Tell::National))
        );
        s.escalated = 48;
        assert_eq!(s.due(since + Duration::hours(71)), None);
        assert_eq!(
            s.due(since + Duration::hours(72)),
            Some((72, Tell::National))
        );
        s.escalated = 72;
        assert_eq!(s.due(since + Duration::days(30)), None);
    }

    #[test]
    fn every_step_is_a_choice_of_the_checklist_step_field() {
        for s in STEPS {
            assert!(super::super::checkpoint::CHECKLIST_STEPS.contains(s), "{s}");
        }
    }
}
