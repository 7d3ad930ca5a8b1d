//! Deadlines that follow from checkpoints (config/checkpoints.md, "Deadlines"), computed from the case
//! alone so that the hub, the console and the backlog report agree. Time is passed in.
//!
//! Federal holidays are not skipped when counting business days: the count can only come out
//! early, never late, which is the safe side for a bond deadline.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

mod legal;

use legal::{appealed_after, legal_routes};
pub use legal::{at_risk_after_transfer, has_counsel, placement};

use super::case::{Case, CaseStatus, CheckpointRecord};
use super::checkpoint::{CheckpointCode, parse_date, parse_datetime};

/// Days the Board of Immigration Appeals allows for an appeal to be *received*.
pub const APPEAL_DAYS: i64 = 30;
/// Business days to post a post-conclusion voluntary departure bond.
pub const VD_BOND_BUSINESS_DAYS: u32 = 5;
/// Consular notification is owed "without delay"; after this it is flagged as missing.
pub const NOTIFICATION_HOURS: i64 = 24;
/// After a detainee is placed or moved, the hours within which their counsel should be told
/// where they are (a transfer restarts it).
pub const COUNSEL_HOURS: i64 = 24;
/// The custodian's return to a habeas order to show cause: within three days (28 U.S.C. 2243;
/// the court may allow up to twenty, which is then recorded as `return_due`).
pub const HABEAS_RETURN_DAYS: i64 = 3;
/// An appeal from a district court's habeas decision when the United States is a party: 60 days
/// (Federal Rule of Appellate Procedure 4(a)(1)(B)).
pub const CIRCUIT_APPEAL_DAYS: i64 = 60;
/// An unaccompanied Mexican child is screened within 48 hours (8 U.S.C. 1232(a)(4)) and, if not
/// returned, handed to the Office of Refugee Resettlement within 72 (8 U.S.C. 1232(b)(3)).
pub const MINOR_SCREENING_HOURS: i64 = 48;
pub const MINOR_TRANSFER_HOURS: i64 = 72;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    BoardAppeal,
    /// The brief the Board set a date for when it received the appeal.
    AppealBrief,
    VoluntaryDeparture,
    VoluntaryDepartureBond,
    Hearing,
    Reporting,
    ConsularNotification,
    Repatriation,
    /// The detainee's counsel told where they are after a placement or a transfer.
    CounselInformed,
    /// The custodian's return to the habeas order to show cause.
    HabeasReturn,
    /// What a habeas decision ordered (a bond hearing, a release) carried out by.
    HabeasCompliance,
    /// An appeal to the court of appeals from a habeas decision.
    CircuitAppeal,
    /// An unaccompanied minor screened.
    MinorScreening,
    /// An unaccompanied minor handed to the Office of Refugee Resettlement.
    MinorTransfer,
    /// The 90 days after a final order in which the government is to remove the person.
    RemovalPeriodEnds,
    /// Custody reviewed before the removal period ends.
    CustodyReview,
    /// Six months after the final order: detention must now be justified.
    PresumptiveLimit,
}

/// Where a deadline that falls "on a day" ends: at midnight where what is owed is received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayEnd {
    /// The Board of Immigration Appeals: a filing counts when received at the Board, which sits
    /// in Falls Church, Virginia (BIA Practice Manual 3.1(a)(1) and 1.5(a); 8 C.F.R.
    /// 1003.38(b), 1001.1(dd)).
    Board,
    /// Where the person is: their consulate's time zone (a departure, a bond posted with ICE, a
    /// reporting date, a district court's order in the district of confinement).
    Person,
}

/// The Board of Immigration Appeals' clock (Falls Church, Virginia).
pub const BOARD_ZONE: Tz = chrono_tz::America::New_York;

impl DayEnd {
    pub fn zone(self, person: Tz) -> Tz {
        match self {
            DayEnd::Board => BOARD_ZONE,
            DayEnd::Person => person,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due: DateTime<Utc>,
    /// For a deadline on a day: whose midnight ends it. `None` for a moment (a hearing, hours
    /// after a detention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_end: Option<DayEnd>,
    /// The checkpoint it follows from.
    pub from_seq: u64,
    /// For hearings: which one.
    pub code: CheckpointCode,
}

impl Deadline {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.due < now
    }
}

/// `n` business days (Monday to Friday) after `from`.
pub fn add_business_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// The last second of a calendar day where it ends: a filing "by" a date may arrive all that
/// day, local time. Midnight is looked up in the zone, so a day of 23 or 25 hours (daylight
/// saving) ends when the clocks there say it does.
pub(super) fn end_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    // Midnight exists in every US zone (changes happen at 2 a.m.); `earliest` also covers a
    // zone whose midnight is skipped or repeated.
    let start = zone
        .from_local_datetime(&next)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| next.and_utc());
    start - Duration::seconds(1)
}

/// A deadline on `day`, ended where `ends` says; the person's zone is `person`.
pub(super) fn on_day(day: NaiveDate, ends: DayEnd, person: Tz) -> (DateTime<Utc>, Option<DayEnd>) {
    (end_of(day, ends.zone(person)), Some(ends))
}

fn date_field(c: &CheckpointRecord, name: &str) -> Option<NaiveDate> {
    c.fields.get(name).and_then(|v| parse_date(v))
}

fn logged_after(case: &Case, code: CheckpointCode, seq: u64) -> bool {
    case.checkpoints
        .iter()
        .any(|c| c.code == code && c.seq > seq)
}

fn latest(case: &Case, code: CheckpointCode) -> Option<&CheckpointRecord> {
    case.checkpoints.iter().rev().find(|c| c.code == code)
}

/// The open deadlines of a case, soonest first. Missed ones stay (they are the most urgent);
/// hearings and reporting dates that have passed drop off, since they are events, not duties.
/// A closed case has none. `person` is the time zone where the person is (their consulate's):
/// a deadline on a day ends at that day's midnight there, or at the Board's.
pub fn deadlines(case: &Case, now: DateTime<Utc>, person: Tz) -> Vec<Deadline> {
    if case.status == CaseStatus::Closed {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut push = |kind, (due, day_end): (DateTime<Utc>, Option<DayEnd>), c: &CheckpointRecord| {
        out.push(Deadline {
            kind,
            due,
            day_end,
            from_seq: c.seq,
            code: c.code,
        })
    };
    let day = |d: NaiveDate, ends: DayEnd| on_day(d, ends, person);
    use CheckpointCode as C;
    if let Some(order) = latest(case, C::RemovalOrder)
        && !appealed_after(case, "board", order.seq)
        && let Some(decided) = date_field(order, "decided_on")
    {
        push(
            DeadlineKind::BoardAppeal,
            day(decided + Duration::days(APPEAL_DAYS), DayEnd::Board),
            order,
        );
    }
    // The Board's briefing schedule: due by the date it set, missed or not, while the case is
    // open (no checkpoint says a brief was filed; a later appeal's date replaces it).
    if let Some(appeal) = latest(case, C::AppealFiled)
        && let Some(due) = date_field(appeal, "brief_due")
    {
        push(DeadlineKind::AppealBrief, day(due, DayEnd::Board), appeal);
    }
    if let Some(vd) = latest(case, C::VoluntaryDeparture) {
        if let Some(by) = date_field(vd, "depart_by") {
            push(
                DeadlineKind::VoluntaryDeparture,
                day(by, DayEnd::Person),
                vd,
            );
        }
        let post = vd
            .fields
            .get("stage")
            .is_some_and(|s| s == "post_conclusion");
        if post && !logged_after(case, C::BondPosted, vd.seq) {
            let granted = vd.happened_at.date_naive();
            push(
                DeadlineKind::VoluntaryDepartureBond,
                day(
                    add_business_days(granted, VD_BOND_BUSINESS_DAYS),
                    DayEnd::Person,
                ),
                vd,
            );
        }
    }
    for code in [
        C::MasterCalendarHearing,
        C::BondHearing,
        C::IndividualHearing,
    ] {
        if let Some(h) = latest(case, code)
            && let Some(at) = h.fields.get("hearing_at").and_then(|v| parse_datetime(v))
            && at >= now
        {
            push(DeadlineKind::Hearing, (at, None), h);
        }
    }
    if let Some(r) = latest(case, C::Released)
        && let Some(on) = date_field(r, "next_reporting")
        && day(on, DayEnd::Person).0 >= now
    {
        push(DeadlineKind::Reporting, day(on, DayEnd::Person), r);
    }
    if let Some(r) = latest(case, C::RepatriationScheduled)
        && !logged_after(case, C::Removed, r.seq)
        && let Some(on) = date_field(r, "scheduled_on")
        && day(on, DayEnd::Person).0 >= now
    {
        push(DeadlineKind::Repatriation, day(on, DayEnd::Person), r);
    }
    let notified = case
        .checkpoints
        .iter()
        .any(|c| c.code == C::ConsularNotification);
    if !notified
        && let Some(detained) = case
            .checkpoints
            .iter()
            .find(|c| c.code == C::DetentionConfirmed)
    {
        push(
            DeadlineKind::ConsularNotification,
            (
                detained.happened_at + Duration::hours(NOTIFICATION_HOURS),
                None,
            ),
            detained,
        );
    }
    legal_routes(case, person, &mut out);
    post_order(case, now, person, &mut out);
    out.sort_by_key(|d| d.due);
    out
}

/// The custody clocks after a final order, from the dated rows of
/// `config/jurisdiction/post_order.csv`.
fn post_order(case: &Case, now: DateTime<Utc>, person: Tz, out: &mut Vec<Deadline>) {
    let Some(order) = latest(case, CheckpointCode::RemovalOrder) else {
        return;
    };
    let today = now.with_timezone(&person).date_naive();
    for due in crate::domain::jurisdiction::rules::Rules::builtin().post_order(case, today) {
        let kind = match due.clock.clock.as_str() {
            "removal_period_ends" => DeadlineKind::RemovalPeriodEnds,
            "custody_review" => DeadlineKind::CustodyReview,
            "presumptive_limit" => DeadlineKind::PresumptiveLimit,
            _ => continue,
        };
        let (at, day_end) = on_day(due.on, DayEnd::Person, person);
        out.push(Deadline {
            kind,
            due: at,
            day_end,
            from_seq: order.seq,
            code: order.code,
        });
    }
}

/// The soonest deadline, for the queues' countdown column and the lawyer's sort.
pub fn next(case: &Case, now: DateTime<Utc>, person: Tz) -> Option<Deadline> {
    deadlines(case, now, person).into_iter().next()
}

#[cfg(test)]
mod tests;
