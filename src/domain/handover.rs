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

/// Lines each list keeps unless every line is asked for: a page a next shift reads.
pub const KEPT: usize = 20;

/// How long a transfer's alarm stays in the handover: a week, the time a bond motion or a
/// habeas refiling has to move before the person is moved again.
pub const ALARM_DAYS: i64 = 7;

/// A case whose last transfer crossed a line that matters (circuit, district, field office).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmItem {
    pub case_id: u64,
    pub name: String,
    /// When the person was moved.
    pub since: DateTime<Utc>,
    pub alarm: super::jurisdiction::rules::Alarm,
}

/// How a handover learns a case's transfer alarm (the hub's tables and facility registry).
pub type AlarmOf = Box<dyn Fn(&Case) -> Option<super::jurisdiction::rules::Alarm> + Send + Sync>;

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
    /// The court's code of the language the person needs an interpreter in: a hearing
    /// tomorrow needs one booked today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
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
    /// People nobody can find, longest missing first (`since` is when the search began).
    #[serde(default)]
    pub not_located: Vec<Item>,
    pub transfers: Vec<Transfer>,
    /// Transfers of the last [`ALARM_DAYS`] that cost the person a route (never cut).
    #[serde(default)]
    pub alarms: Vec<AlarmItem>,
    /// How many each list holds in all: a list may be cut to its first few (duress never is).
    #[serde(default)]
    pub totals: Totals,
}

/// The length of each list before any was cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub unattended: usize,
    pub without_lawyer: usize,
    pub due: usize,
    pub duress: usize,
    #[serde(default)]
    pub not_located: usize,
    pub transfers: usize,
}

impl Handover {
    pub fn is_empty(&self) -> bool {
        self.unattended.is_empty()
            && self.without_lawyer.is_empty()
            && self.due.is_empty()
            && self.duress.is_empty()
            && self.not_located.is_empty()
            && self.transfers.is_empty()
            && self.alarms.is_empty()
    }
}

fn name(case: &Case) -> String {
    case.registrant.name.clone()
}

/// The handover of `consulate` at `at`, from the cases it sees (its own and those offered to
/// it) and its roster: every list whole.
pub fn handover<'a>(
    consulate: &str,
    tz: Tz,
    cases: impl IntoIterator<Item = &'a Case>,
    shifts: &[Shift],
    at: DateTime<Utc>,
) -> Handover {
    let mut fold = Fold::new(consulate, tz, shifts, at, None);
    for case in cases {
        fold.add(case);
    }
    fold.finish()
}

/// The handover built one case at a time, so a hub walks a consulate's cases in batches and
/// holds only the lists. With `keep`, each list but duress keeps its first `keep` (oldest or
/// soonest) and counts the rest: its memory is then bounded whatever the number of cases.
pub struct Fold {
    h: Handover,
    tz: Tz,
    until: DateTime<Utc>,
    keep: Option<usize>,
    alarm_of: Option<AlarmOf>,
}

/// Keeps `list` at its first `keep` by `key` once it holds twice that: sorting a small list
/// now and then costs less than a heap per list and reads plainer.
fn bounded<T, K: Ord>(list: &mut Vec<T>, keep: Option<usize>, key: impl Fn(&T) -> K) {
    if let Some(n) = keep
        && list.len() > 2 * n.max(1)
    {
        list.sort_by_key(&key);
        list.truncate(n);
    }
}

impl Fold {
    pub fn new(
        consulate: &str,
        tz: Tz,
        shifts: &[Shift],
        at: DateTime<Utc>,
        keep: Option<usize>,
    ) -> Fold {
        let shift_ends = roster::shift_ends(shifts, tz, at);
        Fold {
            h: Handover {
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
                not_located: Vec::new(),
                transfers: Vec::new(),
                alarms: Vec::new(),
                totals: Totals::default(),
            },
            tz,
            until: at + Duration::hours(HORIZON_HOURS),
            keep,
            alarm_of: None,
        }
    }

    /// Lists the recent transfers' alarms, as `alarm_of` finds them.
    pub fn with_alarms(mut self, alarm_of: AlarmOf) -> Fold {
        self.alarm_of = Some(alarm_of);
        self
    }

    /// Whether the handover reads sealed data of this case (a deadline's dates are in its
    /// checkpoints' fields); names are read for the few items kept, once the walk is done.
    pub fn needs_whole(case: &Case) -> bool {
        case.status != CaseStatus::Closed && !case.checkpoints.is_empty()
    }

    pub fn add(&mut self, case: &Case) {
        if case.status == CaseStatus::Closed {
            return;
        }
        let (at, keep) = (self.h.at, self.keep);
        let h = &mut self.h;
        let consulate = h.consulate.clone();
        let ours = case.consulate == consulate;
        if let Some(t) = &case.transfer
            && ours
        {
            h.totals.transfers += 1;
            h.transfers.push(Transfer {
                case_id: case.id,
                name: name(case),
                outgoing: true,
                other: t.to_consulate.clone(),
                since: t.at,
            });
        }
        if case.also_consulate() == Some(consulate.as_str()) {
            h.totals.transfers += 1;
            h.transfers.push(Transfer {
                case_id: case.id,
                name: name(case),
                outgoing: false,
                other: case.consulate.clone(),
                since: case.transfer.as_ref().map_or(case.received_at, |t| t.at),
            });
        }
        bounded(&mut h.transfers, keep, |t| (t.since, t.case_id));
        if !ours {
            return;
        }
        let item = |since| Item {
            case_id: case.id,
            name: name(case),
            since,
        };
        if let Some(at) = case.duress_at {
            h.totals.duress += 1;
            h.duress.push(item(at));
        }
        if let Some(search) = case.search {
            h.totals.not_located += 1;
            h.not_located.push(item(search.since));
            bounded(&mut h.not_located, keep, |i| (i.since, i.case_id));
        }
        if let (Some(alarm_of), Some(moved)) = (&self.alarm_of, deadline::placement(case))
            && moved.code == super::checkpoint::CheckpointCode::FacilityTransfer
            && moved.happened_at >= at - Duration::days(ALARM_DAYS)
            && let Some(alarm) = alarm_of(case)
        {
            h.alarms.push(AlarmItem {
                case_id: case.id,
                name: name(case),
                since: moved.happened_at,
                alarm,
            });
        }
        // Counted as the queue and the backlog count them (`Case::unattended`,
        // `Case::without_lawyer`): an unattended case is also without a lawyer.
        if case.unattended() {
            h.totals.unattended += 1;
            h.unattended.push(item(case.received_at));
            bounded(&mut h.unattended, keep, |i| (i.since, i.case_id));
        }
        if case.without_lawyer() {
            h.totals.without_lawyer += 1;
            h.without_lawyer.push(item(case.received_at));
            bounded(&mut h.without_lawyer, keep, |i| (i.since, i.case_id));
        }
        // The handover's own zone: its cases' people are in its district.
        for d in deadline::deadlines(case, at, self.tz) {
            if d.due <= self.until {
                h.totals.due += 1;
                h.due.push(Due {
                    case_id: case.id,
                    name: name(case),
                    kind: d.kind,
                    due: d.due,
                    overdue: d.overdue(at),
                    interpreter: super::jurisdiction::interpreter(case).map(str::to_string),
                });
            }
        }
        bounded(&mut h.due, keep, |d| (d.due, d.case_id));
    }

    pub fn finish(self) -> Handover {
        let mut h = self.h;
        let keep = self.keep.unwrap_or(usize::MAX);
        h.unattended.sort_by_key(|i| (i.since, i.case_id));
        h.unattended.truncate(keep);
        h.without_lawyer.sort_by_key(|i| (i.since, i.case_id));
        h.without_lawyer.truncate(keep);
        h.duress.sort_by_key(|i| (i.since, i.case_id));
        h.not_located.sort_by_key(|i| (i.since, i.case_id));
        h.not_located.truncate(keep);
        h.due.sort_by_key(|d| (d.due, d.case_id));
        h.due.truncate(keep);
        h.transfers.sort_by_key(|t| (t.since, t.case_id));
        h.transfers.truncate(keep);
        h.alarms.sort_by_key(|a| (a.since, a.case_id));
        h
    }
}

impl Handover {
    /// The cases the lists name, to read their people's names for.
    pub fn case_ids(&self) -> std::collections::BTreeSet<u64> {
        let items = self.unattended.iter().chain(&self.without_lawyer);
        items
            .chain(&self.duress)
            .chain(&self.not_located)
            .map(|i| i.case_id)
            .chain(self.due.iter().map(|d| d.case_id))
            .chain(self.transfers.iter().map(|t| t.case_id))
            .chain(self.alarms.iter().map(|a| a.case_id))
            .collect()
    }

    /// Puts each case's person's name on its lines.
    pub fn name_with(&mut self, names: &std::collections::BTreeMap<u64, String>) {
        let of = |id: &u64| names.get(id).cloned().unwrap_or_default();
        for i in self
            .unattended
            .iter_mut()
            .chain(&mut self.without_lawyer)
            .chain(&mut self.duress)
            .chain(&mut self.not_located)
        {
            i.name = of(&i.case_id);
        }
        for d in &mut self.due {
            d.name = of(&d.case_id);
        }
        for t in &mut self.transfers {
            t.name = of(&t.case_id);
        }
        for a in &mut self.alarms {
            a.name = of(&a.case_id);
        }
    }
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
