//! The shift handover: what the next shift at a consulate inherits. Unattended alerts, open
//! cases without a lawyer, deadlines and hearings in the next 24 hours (and any missed), cases
//! under duress, and transfers waiting on either side. Pure: the consulate's cases, its roster
//! and a time in; the list out, soonest and most urgent first.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::case::{Case, CaseStatus};
use super::deadline::{self, DeadlineKind};
use super::roster::{self, Shift};

/// How far ahead the handover looks.
pub const HORIZON_HOURS: i64 = 24;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub case_id: u64,
    /// The person's name as the case holds it (the handover is for the consulate's own staff).
    pub name: String,
    /// Since when (received, duress, the transfer's request).
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Due {
    pub case_id: u64,
    pub name: String,
    pub kind: DeadlineKind,
    pub due: DateTime<Utc>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub case_id: u64,
    pub name: String,
    /// `true`: this consulate asked another to take it; `false`: offered to this consulate.
    pub outgoing: bool,
    pub other: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    pub consulate: String,
    pub at: DateTime<Utc>,
    /// When the current shift ends, if the roster says.
    pub shift_ends: Option<DateTime<Utc>>,
    pub on_duty: Vec<(i64, String)>,
    /// Who is on duty once the current shift ends (the people taking over).
    pub next_on_duty: Vec<(i64, String)>,
    pub unattended: Vec<Item>,
    pub without_lawyer: Vec<Item>,
    pub due: Vec<Due>,
    pub duress: Vec<Item>,
    pub transfers: Vec<Transfer>,
}

impl Handover {
    pub fn is_empty(&self) -> bool {
        self.unattended.is_empty()
            && self.without_lawyer.is_empty()
            && self.due.is_empty()
            && self.duress.is_empty()
            && self.transfers.is_empty()
    }
}

fn name(case: &Case) -> String {
    case.registrant.name.clone()
}

/// The handover of `consulate` at `at`, from the cases it sees (its own and those offered to
/// it) and its roster.
pub fn handover<'a>(
    consulate: &str,
    tz: Tz,
    cases: impl IntoIterator<Item = &'a Case>,
    shifts: &[Shift],
    at: DateTime<Utc>,
) -> Handover {
    let until = at + Duration::hours(HORIZON_HOURS);
    let shift_ends = roster::shift_ends(shifts, tz, at);
    let mut h = Handover {
        consulate: consulate.to_string(),
        at,
        shift_ends,
        on_duty: roster::on_duty(shifts, tz, at),
        next_on_duty: shift_ends
            .map(|end| roster::on_duty(shifts, tz, end))
            .unwrap_or_default(),
        unattended: Vec::new(),
        without_lawyer: Vec::new(),
        due: Vec::new(),
        duress: Vec::new(),
        transfers: Vec::new(),
    };
    for case in cases {
        if case.status == CaseStatus::Closed {
            continue;
        }
        let ours = case.consulate == consulate;
        if let Some(t) = &case.transfer
            && ours
        {
            h.transfers.push(Transfer {
                case_id: case.id,
                name: name(case),
                outgoing: true,
                other: t.to_consulate.clone(),
                since: t.at,
            });
        }
        if case.also_consulate() == Some(consulate) {
            h.transfers.push(Transfer {
                case_id: case.id,
                name: name(case),
                outgoing: false,
                other: case.consulate.clone(),
                since: case.transfer.as_ref().map_or(case.received_at, |t| t.at),
            });
        }
        if !ours {
            continue;
        }
        let item = |since| Item {
            case_id: case.id,
            name: name(case),
            since,
        };
        if let Some(at) = case.duress_at {
            h.duress.push(item(at));
        }
        // Counted as the queue and the backlog count them (`Case::unattended`,
        // `Case::without_lawyer`): an unattended case is also without a lawyer.
        if case.unattended() {
            h.unattended.push(item(case.received_at));
        }
        if case.without_lawyer() {
            h.without_lawyer.push(item(case.received_at));
        }
        // The handover's own zone: its cases' people are in its district.
        for d in deadline::deadlines(case, at, tz) {
            if d.due <= until {
                h.due.push(Due {
                    case_id: case.id,
                    name: name(case),
                    kind: d.kind,
                    due: d.due,
                    overdue: d.overdue(at),
                });
            }
        }
    }
    h.unattended.sort_by_key(|i| (i.since, i.case_id));
    h.without_lawyer.sort_by_key(|i| (i.since, i.case_id));
    h.duress.sort_by_key(|i| (i.since, i.case_id));
    h.due.sort_by_key(|d| (d.due, d.case_id));
    h.transfers.sort_by_key(|t| (t.since, t.case_id));
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{checkpoint, raised, staff_event};
    use crate::domain::checkpoint::CheckpointCode;
    use crate::domain::event::EventBody;
    use chrono::TimeZone;

    #[test]
    fn the_next_shift_inherits_the_unattended_the_unrepresented_and_what_falls_due() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let unattended = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        let mut no_lawyer = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        no_lawyer
            .apply(&staff_event(3, 2, EventBody::CaseAcknowledged))
            .unwrap();
        no_lawyer
            .apply(&checkpoint(
                4,
                2,
                CheckpointCode::MasterCalendarHearing,
                &[("hearing_at", "2026-11-23T09:00:00Z")],
            ))
            .unwrap();
        let mut far = Case::open(&raised(5, 3, AlertKind::Detained, vec![])).unwrap();
        far.apply(&staff_event(6, 3, EventBody::CaseAcknowledged))
            .unwrap();
        far.apply(&checkpoint(
            7,
            3,
            CheckpointCode::MasterCalendarHearing,
            &[("hearing_at", "2026-12-23T09:00:00Z")],
        ))
        .unwrap();
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let h = handover("los-angeles", tz, [&unattended, &no_lawyer, &far], &[], now);
        assert_eq!(
            h.unattended.iter().map(|i| i.case_id).collect::<Vec<_>>(),
            vec![1]
        );
        assert_eq!(
            h.without_lawyer
                .iter()
                .map(|i| i.case_id)
                .collect::<Vec<_>>(),
            vec![1, 2, 3],
            "the unattended case has no lawyer either"
        );
        // The backlog counts the same cases the same way.
        let b = crate::domain::backlog::compute(
            [&unattended, &no_lawyer, &far],
            &[],
            now,
            chrono::Duration::minutes(5),
            Default::default(),
            &[],
        );
        let counts = &b.per_consulate["los-angeles"];
        assert_eq!(counts.unacknowledged, h.unattended.len());
        assert_eq!(counts.without_lawyer, h.without_lawyer.len());
        assert_eq!(h.due.len(), 1, "only the hearing within 24 h: {:?}", h.due);
        assert_eq!(h.due[0].kind, DeadlineKind::Hearing);
        assert!(h.duress.is_empty() && h.transfers.is_empty());
    }
}
