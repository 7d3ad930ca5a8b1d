//! The supervisor's backlog: what is open, how old, what is falling behind. Computed from cases
//! and the roster alone, so the console's backlog tab and `guardia backlog --csv` agree.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::case::{Case, CaseStatus};
use super::checkpoint::CheckpointCode;
use super::deadline::{self, Deadline};
use super::staff::LawyerInfo;
use super::triage::{Category, Consent, Intent};

/// Where a case stands, from its latest stage-setting checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not yet acknowledged.
    New,
    Acknowledged,
    Detained,
    InProceedings,
    Released,
    RemovalOrdered,
    Appeal,
    /// Cancelled by the phone, awaiting an officer's closing.
    Cancelled,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::New,
        Stage::Acknowledged,
        Stage::Detained,
        Stage::InProceedings,
        Stage::Released,
        Stage::RemovalOrdered,
        Stage::Appeal,
        Stage::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Acknowledged => "acknowledged",
            Stage::Detained => "detained",
            Stage::InProceedings => "in_proceedings",
            Stage::Released => "released",
            Stage::RemovalOrdered => "removal_ordered",
            Stage::Appeal => "appeal",
            Stage::Cancelled => "cancelled",
        }
    }

    fn of_checkpoint(code: CheckpointCode) -> Option<Stage> {
        use CheckpointCode::*;
        Some(match code {
            DetentionConfirmed | ConsularNotification | ANumberRecorded | FacilityLocated
            | FacilityTransfer | ConsularVisit | CustodyDetermination | FearScreening
            | ExpeditedRemoval | BondIneligible | MinorInCustody | HarmInCustody => Stage::Detained,
            NtaServed
            | MasterCalendarHearing
            | BondHearing
            | IndividualHearing
            | ReliefFiled
            | HabeasFiled
            | HabeasDecided => Stage::InProceedings,
            BondPosted | Released => Stage::Released,
            RemovalOrder | VoluntaryDeparture | RepatriationScheduled | Removed => {
                Stage::RemovalOrdered
            }
            AppealFiled | StayRequested | StayDecided => Stage::Appeal,
            ContactAttempt
            | FamilyNotified
            | RepresentativeAssigned
            | DueProcessConcern
            | CounselInformed
            | ChecklistStep
            | InterpreterNeeded
            | NotLocated => {
                return None;
            }
        })
    }
}

pub fn stage(case: &Case) -> Stage {
    if case.status == CaseStatus::Cancelled {
        return Stage::Cancelled;
    }
    case.checkpoints
        .iter()
        .rev()
        .find_map(|c| Stage::of_checkpoint(c.code))
        .unwrap_or(if case.acknowledged_at.is_some() {
            Stage::Acknowledged
        } else {
            Stage::New
        })
}

/// Age buckets of open cases: < 1 h, 1–24 h, 1–7 d, > 7 d.
pub const AGE_BUCKETS: [&str; 4] = ["lt_1h", "1h_24h", "1d_7d", "gt_7d"];

fn age_bucket(age: Duration) -> usize {
    if age < Duration::hours(1) {
        0
    } else if age < Duration::hours(24) {
        1
    } else if age <= Duration::days(7) {
        2
    } else {
        3
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsulateCounts {
    pub open: usize,
    pub unacknowledged: usize,
    pub without_lawyer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backlog {
    pub open: usize,
    pub by_stage: Vec<(Stage, usize)>,
    pub by_age: [usize; 4],
    /// Open under duress (the app's duress PIN), oldest first: they head the attention list.
    pub duress: Vec<u64>,
    /// Unacknowledged past the SLA, oldest first.
    pub overdue: Vec<u64>,
    /// Open cases with no lawyer, oldest first.
    pub without_lawyer: Vec<u64>,
    /// Deadlines due within seven days (and missed ones), soonest first.
    pub deadlines: Vec<(u64, Deadline)>,
    pub lawyers: Vec<LawyerInfo>,
    pub per_consulate: BTreeMap<String, ConsulateCounts>,
    /// Open cases by consent; cases never triaged are counted in `untriaged`.
    pub by_consent: Vec<(Consent, usize)>,
    pub untriaged: usize,
    /// Closed cases, and apart from them those closed with consent declined: protection is
    /// given only when the national accepts it, so those are not counted as people assisted.
    pub closed: usize,
    pub closed_declined: usize,
}

/// Narrows the backlog to cases triaged a certain way (`None` lets every case through).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TriageFilter {
    pub consent: Option<Consent>,
    pub intent: Option<Intent>,
    pub category: Option<Category>,
}

impl TriageFilter {
    pub fn is_empty(&self) -> bool {
        *self == TriageFilter::default()
    }

    pub fn lets_through(&self, case: &Case) -> bool {
        if self.is_empty() {
            return true;
        }
        let Some(t) = case.triage else {
            return false;
        };
        self.consent.is_none_or(|c| c == t.consent)
            && self.intent.is_none_or(|i| i == t.intent)
            && self.category.is_none_or(|c| c == t.category)
    }
}

pub const DEADLINE_HORIZON: Duration = Duration::days(7);

pub fn compute<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    lawyers: &[LawyerInfo],
    now: DateTime<Utc>,
    sla: Duration,
    filter: TriageFilter,
    consulates: &[super::consulate::Consulate],
) -> Backlog {
    let mut tally = Tally::new(now, sla, filter, consulates);
    for case in cases {
        tally.add(case);
    }
    tally.finish(lawyers)
}

/// The backlog built one case at a time, so a hub walks its cases in batches and holds the
/// counts and the case numbers of each list, not the cases.
pub struct Tally<'c> {
    now: DateTime<Utc>,
    sla: Duration,
    filter: TriageFilter,
    consulates: &'c [super::consulate::Consulate],
    open: usize,
    closed: usize,
    closed_declined: usize,
    untriaged: usize,
    by_consent: BTreeMap<Consent, usize>,
    by_stage: BTreeMap<Stage, usize>,
    by_age: [usize; 4],
    /// Each list as (received, case) so it reads oldest first whatever order cases came in.
    duress: Vec<(DateTime<Utc>, u64)>,
    overdue: Vec<(DateTime<Utc>, u64)>,
    without_lawyer: Vec<(DateTime<Utc>, u64)>,
    deadlines: Vec<(u64, Deadline)>,
    per_consulate: BTreeMap<String, ConsulateCounts>,
}

impl<'c> Tally<'c> {
    pub fn new(
        now: DateTime<Utc>,
        sla: Duration,
        filter: TriageFilter,
        consulates: &'c [super::consulate::Consulate],
    ) -> Tally<'c> {
        Tally {
            now,
            sla,
            filter,
            consulates,
            open: 0,
            closed: 0,
            closed_declined: 0,
            untriaged: 0,
            by_consent: BTreeMap::new(),
            by_stage: BTreeMap::new(),
            by_age: [0; 4],
            duress: Vec::new(),
            overdue: Vec::new(),
            without_lawyer: Vec::new(),
            deadlines: Vec::new(),
            per_consulate: BTreeMap::new(),
        }
    }

    /// Whether the backlog reads sealed data of this case: a deadline's dates are in its
    /// checkpoints' fields; nothing else it counts is personal.
    pub fn needs_whole(case: &Case) -> bool {
        case.status != CaseStatus::Closed && !case.checkpoints.is_empty()
    }

    pub fn add(&mut self, case: &Case) {
        if !self.filter.lets_through(case) {
            return;
        }
        if case.status == CaseStatus::Closed {
            self.closed += 1;
            if case.triage.is_some_and(|t| t.consent == Consent::Declined) {
                self.closed_declined += 1;
            }
            return;
        }
        let now = self.now;
        self.open += 1;
        match case.triage {
            Some(t) => *self.by_consent.entry(t.consent).or_default() += 1,
            None => self.untriaged += 1,
        }
        *self.by_stage.entry(stage(case)).or_default() += 1;
        self.by_age[age_bucket(now - case.received_at)] += 1;
        let counts = self
            .per_consulate
            .entry(case.consulate.clone())
            .or_default();
        counts.open += 1;
        let at = (case.received_at, case.id);
        if case.is_open() && case.duress_at.is_some() {
            self.duress.push(at);
        }
        if case.unattended() {
            counts.unacknowledged += 1;
            if now - case.received_at >= self.sla {
                self.overdue.push(at);
            }
        }
        if case.without_lawyer() {
            counts.without_lawyer += 1;
            self.without_lawyer.push(at);
        }
        let zone = super::consulate::zone_of(self.consulates, &case.consulate);
        for d in deadline::deadlines(case, now, zone) {
            if d.due <= now + DEADLINE_HORIZON {
                self.deadlines.push((case.id, d));
            }
        }
    }

    pub fn finish(mut self, lawyers: &[LawyerInfo]) -> Backlog {
        let ids = |mut list: Vec<(DateTime<Utc>, u64)>| {
            list.sort_unstable();
            list.into_iter().map(|(_, id)| id).collect::<Vec<u64>>()
        };
        self.deadlines.sort_by_key(|(id, d)| (d.due, *id));
        let mut lawyers = lawyers.to_vec();
        lawyers.sort_by(|a, b| {
            let load = |l: &LawyerInfo| f64::from(l.open_cases) / f64::from(l.capacity.max(1));
            load(b)
                .total_cmp(&load(a))
                .then_with(|| a.name.cmp(&b.name))
        });
        Backlog {
            by_consent: Consent::ALL
                .iter()
                .map(|c| (*c, self.by_consent.get(c).copied().unwrap_or(0)))
                .collect(),
            untriaged: self.untriaged,
            closed: self.closed,
            closed_declined: self.closed_declined,
            open: self.open,
            duress: ids(self.duress),
            by_stage: Stage::ALL
                .iter()
                .map(|s| (*s, self.by_stage.get(s).copied().unwrap_or(0)))
                .collect(),
            by_age: self.by_age,
            overdue: ids(self.overdue),
            without_lawyer: ids(self.without_lawyer),
            deadlines: self.deadlines,
            lawyers,
            per_consulate: self.per_consulate,
        }
    }
}

/// The same figures as rows of `metric,key,value`, for spreadsheets (`guardia backlog --csv`).
pub fn csv_rows(b: &Backlog) -> Vec<[String; 3]> {
    let mut rows = vec![
        ["open".into(), "all".into(), b.open.to_string()],
        ["open".into(), "duress".into(), b.duress.len().to_string()],
    ];
    for (c, n) in &b.by_consent {
        rows.push(["consent".into(), c.as_str().into(), n.to_string()]);
    }
    rows.push([
        "consent".into(),
        "untriaged".into(),
        b.untriaged.to_string(),
    ]);
    rows.push(["closed".into(), "all".into(), b.closed.to_string()]);
    rows.push([
        "closed".into(),
        "consent_declined".into(),
        b.closed_declined.to_string(),
    ]);
    for (s, n) in &b.by_stage {
        rows.push(["stage".into(), s.as_str().into(), n.to_string()]);
    }
    for (name, n) in AGE_BUCKETS.iter().zip(b.by_age) {
        rows.push(["age".into(), (*name).into(), n.to_string()]);
    }
    rows.push([
        "overdue_unacknowledged".into(),
        "all".into(),
        b.overdue.len().to_string(),
    ]);
    for id in &b.overdue {
        rows.push(["overdue_case".into(), id.to_string(), String::new()]);
    }
    rows.push([
        "without_lawyer".into(),
        "all".into(),
        b.without_lawyer.len().to_string(),
    ]);
    for id in &b.without_lawyer {
        rows.push(["without_lawyer_case".into(), id.to_string(), String::new()]);
    }
    for (id, d) in &b.deadlines {
        let kind = serde_json::to_value(d.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        rows.push([
            format!("deadline_{kind}"),
            id.to_string(),
            d.due.to_rfc3339(),
        ]);
    }
    // One number per cell, so a spreadsheet can sum and compare them.
    for l in &b.lawyers {
        let id = l.id.to_string();
        rows.push([
            "lawyer_open_cases".into(),
            id.clone(),
            l.open_cases.to_string(),
        ]);
        rows.push(["lawyer_capacity".into(), id, l.capacity.to_string()]);
    }
    for (c, n) in &b.per_consulate {
        rows.push(["consulate_open".into(), c.clone(), n.open.to_string()]);
        rows.push([
            "consulate_unacknowledged".into(),
            c.clone(),
            n.unacknowledged.to_string(),
        ]);
        rows.push([
            "consulate_without_lawyer".into(),
            c.clone(),
            n.without_lawyer.to_string(),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{checkpoint, raised, staff_event};
    use crate::domain::event::EventBody;

    #[test]
    fn buckets_stages_and_attention_lists() {
        let now = raised(1, 1, AlertKind::Detained, vec![]).at + Duration::minutes(30);
        let mut fresh = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        let mut detained = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        detained
            .apply(&staff_event(3, 2, EventBody::CaseAcknowledged))
            .unwrap();
        detained
            .apply(&checkpoint(
                4,
                2,
                CheckpointCode::DetentionConfirmed,
                &[("agency", "cbp")],
            ))
            .unwrap();
        fresh.received_at = now - Duration::days(2);
        let lawyer = crate::domain::staff::LawyerInfo {
            id: 8,
            name: "Lic. Ana Beltrán".into(),
            serves: vec!["los-angeles".into()],
            languages: vec!["es".into()],
            capacity: 18,
            open_cases: 0,
        };
        let b = compute(
            [&fresh, &detained],
            &[lawyer],
            now,
            Duration::minutes(5),
            TriageFilter::default(),
            &[],
        );
        assert_eq!(b.open, 2);
        assert_eq!(stage(&fresh), Stage::New);
        assert_eq!(stage(&detained), Stage::Detained);
        assert_eq!(b.by_age, [1, 0, 1, 0]);
        assert_eq!(b.overdue, vec![1]);
        assert_eq!(b.without_lawyer, vec![1, 2]);
        // Missing consular notification: due 24 h after detention, inside the week.
        assert_eq!(b.deadlines.len(), 1);
        assert_eq!(b.per_consulate["los-angeles"].open, 2);
        assert!(
            csv_rows(&b)
                .iter()
                .any(|r| r[0] == "stage" && r[1] == "detained" && r[2] == "1")
        );
        // Every value is one number: no "0/18" a spreadsheet cannot read.
        let rows = csv_rows(&b);
        for row in &rows {
            assert!(!row[2].contains('/'), "{row:?}");
        }
        assert!(rows.contains(&["lawyer_capacity".into(), "8".into(), "18".into()]));
        assert!(rows.contains(&["lawyer_open_cases".into(), "8".into(), "0".into()]));
    }
}
