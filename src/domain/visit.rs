//! Visit rounds: consular staff visit a detention facility, interview nationals held there and
//! note the conditions and complaints; the list of nationals seen is matched against the open
//! cases placed at that facility ("seen at Adelanto, no alert on file"; "alert on file, not seen
//! in 3 visits"). Pure: visits and cases in, findings out.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::checkpoint::{MAX_CHECKPOINT_AGE, a_number, note, parse_date};
use super::validate::{FieldCode, FieldError, err, text};

/// Visits a case must have gone unseen in before it is flagged.
pub const UNSEEN_AFTER: usize = 3;
pub const MAX_STAFF: usize = 20;
pub const MAX_INTERVIEWS: usize = 100;
/// A request body is at most 16 KB: 500 A-numbers fit with room for the rest.
pub const MAX_ROSTER: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interview {
    /// The person's case, when they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<u64>,
    /// Their A-number, when known (9 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_number: Option<String>,
    #[serde(default)]
    pub note: String,
    /// At rest, the A-number and note sealed under the person's key (their case's, or the
    /// visit's own when they have none), and both blank beside it; absent once opened for a
    /// reader. Never sent by staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

/// What of an interview is the person's: sealed apart from the rest of the visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InterviewSecret {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_number: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// What of a visit names the people held: the roster of A-numbers, and the conditions and
/// complaints as written (they may name people too). Sealed under the visit's own key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitSecret {
    #[serde(default)]
    pub roster: Vec<String>,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub complaints: String,
}

impl Interview {
    /// Takes the person's part out (for sealing), leaving it blank.
    pub fn take_secret(&mut self) -> InterviewSecret {
        InterviewSecret {
            a_number: self.a_number.take(),
            note: std::mem::take(&mut self.note),
        }
    }

    /// Puts an opened secret back.
    pub fn restore(&mut self, secret: InterviewSecret) {
        self.a_number = secret.a_number;
        self.note = secret.note;
        self.sealed = None;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: u64,
    /// The facility's code in the registry, and its name as it stood.
    pub facility: String,
    pub facility_name: String,
    pub consulate: String,
    pub visited_on: NaiveDate,
    /// Who went.
    pub staff: Vec<String>,
    pub interviewed: Vec<Interview>,
    /// A-numbers of the nationals the facility listed or staff saw, interviewed or not.
    pub roster: Vec<String>,
    pub conditions: String,
    pub complaints: String,
    /// The planned visit it carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<u64>,
    /// At rest, the [`VisitSecret`] sealed under the visit's own key, and roster, conditions
    /// and complaints blank beside it; absent once opened for a reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    /// Set for a reader when part of the visit is not shown: erased with its person (their
    /// key destroyed by retention) or not for this reader (A-numbers and notes stay with the
    /// visit's consulate).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

impl Visit {
    /// Takes the visit's own secret out (for sealing), leaving it blank.
    pub fn take_secret(&mut self) -> VisitSecret {
        VisitSecret {
            roster: std::mem::take(&mut self.roster),
            conditions: std::mem::take(&mut self.conditions),
            complaints: std::mem::take(&mut self.complaints),
        }
    }

    /// Puts an opened secret back.
    pub fn restore(&mut self, secret: VisitSecret) {
        self.roster = secret.roster;
        self.conditions = secret.conditions;
        self.complaints = secret.complaints;
        self.sealed = None;
    }

    /// The visit without anything personal or sealed: who went where and when, and whose
    /// cases they saw. What a visit logged in the clear and the same visit sealed have in
    /// common, so the two compare.
    pub fn outline(&self) -> Visit {
        let mut v = self.clone();
        v.take_secret();
        v.sealed = None;
        v.withheld = false;
        for i in &mut v.interviewed {
            i.take_secret();
            i.sealed = None;
        }
        v
    }

    /// For a reader outside the visit's consulate: no A-numbers and no interview notes.
    pub fn withhold_people(&mut self) {
        let had = !self.roster.is_empty()
            || self
                .interviewed
                .iter()
                .any(|i| i.a_number.is_some() || !i.note.is_empty());
        self.roster.clear();
        for i in &mut self.interviewed {
            i.take_secret();
        }
        self.withheld |= had;
    }
}

/// What staff send to log a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    pub facility: String,
    pub visited_on: String,
    #[serde(default)]
    pub staff: Vec<String>,
    #[serde(default)]
    pub interviewed: Vec<Interview>,
    #[serde(default)]
    pub roster: Vec<String>,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub complaints: String,
    /// The planned visit this one carries out, when it was planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<u64>,
}

/// Checks a visit and normalises it (A-numbers to 9 digits, each once). The facility code and
/// the cases named are checked by the hub against what it holds; `id`, the facility's name and
/// the consulate are filled in there.
pub fn validate(req: &VisitRequest, now: DateTime<Utc>) -> Result<Visit, FieldError> {
    let visited_on = parse_date(&req.visited_on).ok_or_else(|| {
        err(
            "visited_on",
            FieldCode::InvalidFormat,
            "must be a date written YYYY-MM-DD",
        )
    })?;
    if visited_on > (now + Duration::days(1)).date_naive() {
        return Err(err(
            "visited_on",
            FieldCode::InFuture,
            "records a visit made; plan future visits on the roster",
        ));
    }
    if visited_on < (now - MAX_CHECKPOINT_AGE).date_naive() {
        return Err(err(
            "visited_on",
            FieldCode::OutOfRange,
            "is more than five years ago; check the year",
        ));
    }
    let bound = |field: &str, n: usize, max: usize| {
        if n > max {
            Err(err(
                field,
                FieldCode::TooLong,
                format!("lists {n}; at most {max} are allowed per visit"),
            ))
        } else {
            Ok(())
        }
    };
    bound("staff", req.staff.len(), MAX_STAFF)?;
    bound("interviewed", req.interviewed.len(), MAX_INTERVIEWS)?;
    bound("roster", req.roster.len(), MAX_ROSTER)?;
    let staff = req
        .staff
        .iter()
        .enumerate()
        .map(|(i, s)| text(&format!("staff[{i}]"), s, 80))
        .collect::<Result<Vec<_>, _>>()?;
    let mut interviewed = Vec::with_capacity(req.interviewed.len());
    for (i, person) in req.interviewed.iter().enumerate() {
        let a = match person.a_number.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Some(a_number(&format!("interviewed[{i}].a_number"), v)?),
            _ => None,
        };
        if person.case_id.is_none() && a.is_none() {
            return Err(err(
                format!("interviewed[{i}]"),
                FieldCode::Required,
                "needs the person's case or their A-number",
            ));
        }
        interviewed.push(Interview {
            case_id: person.case_id,
            a_number: a,
            note: note(&format!("interviewed[{i}].note"), &person.note, false)?,
            sealed: None,
        });
    }
    let mut roster: Vec<String> = Vec::with_capacity(req.roster.len());
    for (i, v) in req.roster.iter().enumerate() {
        let a = a_number(&format!("roster[{i}]"), v)?;
        if !roster.contains(&a) {
            roster.push(a);
        }
    }
    Ok(Visit {
        id: 0,
        facility: req.facility.trim().to_ascii_uppercase(),
        facility_name: String::new(),
        consulate: String::new(),
        visited_on,
        staff,
        interviewed,
        roster,
        conditions: note("conditions", &req.conditions, false)?,
        complaints: note("complaints", &req.complaints, false)?,
        plan_id: req.plan_id,
        sealed: None,
        withheld: false,
    })
}

/// Furthest ahead a visit can be planned.
pub const PLAN_AHEAD_DAYS: i64 = 366;

/// A visit put on the calendar: who will go where, on which day. It stays planned until a visit
/// logged against it carries it out, or it is cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedVisit {
    pub id: u64,
    pub facility: String,
    pub facility_name: String,
    pub consulate: String,
    pub planned_on: NaiveDate,
    pub staff: Vec<String>,
    #[serde(default)]
    pub note: String,
    pub status: PlanStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlanStatus {
    Planned,
    /// Carried out by this logged visit.
    Done {
        visit_id: u64,
    },
    Cancelled,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Done { .. } => "done",
            PlanStatus::Cancelled => "cancelled",
        }
    }
}

/// What staff send to plan a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub facility: String,
    pub planned_on: String,
    #[serde(default)]
    pub staff: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Checks a plan. A day already past is refused (a day behind is let through: the consulate's
/// today may still be yesterday in UTC); so is one more than a year ahead.
pub fn validate_plan(req: &PlanRequest, now: DateTime<Utc>) -> Result<PlannedVisit, FieldError> {
    let planned_on = parse_date(&req.planned_on).ok_or_else(|| {
        err(
            "planned_on",
            FieldCode::InvalidFormat,
            "must be a date written YYYY-MM-DD",
        )
    })?;
    if planned_on < (now - Duration::days(1)).date_naive() {
        return Err(err(
            "planned_on",
            FieldCode::OutOfRange,
            "is already past; log a visit made with POST /v1/visits",
        ));
    }
    if planned_on > (now + Duration::days(PLAN_AHEAD_DAYS)).date_naive() {
        return Err(err(
            "planned_on",
            FieldCode::OutOfRange,
            "is more than a year ahead; check the year",
        ));
    }
    if req.staff.len() > MAX_STAFF {
        return Err(err(
            "staff",
            FieldCode::TooLong,
            format!("lists {}; at most {MAX_STAFF} are allowed", req.staff.len()),
        ));
    }
    let staff = req
        .staff
        .iter()
        .enumerate()
        .map(|(i, s)| text(&format!("staff[{i}]"), s, 80))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PlannedVisit {
        id: 0,
        facility: req.facility.trim().to_ascii_uppercase(),
        facility_name: String::new(),
        consulate: String::new(),
        planned_on,
        staff,
        note: note("note", &req.note, false)?,
        status: PlanStatus::Planned,
    })
}

/// An open case whose person is placed at the facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedCase {
    pub case_id: u64,
    pub a_number: Option<String>,
    /// When they were placed there: visits before it do not count.
    pub placed_on: NaiveDate,
}

/// What the visits at one facility say against the open cases placed there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// A-numbers seen at the latest visit with no open case here: people to take in.
    pub seen_without_case: Vec<String>,
    /// Open cases placed here and not seen in the visits since, with how many visits that is
    /// (at least [`UNSEEN_AFTER`]): moved, released or removed without anyone knowing.
    pub not_seen: Vec<(u64, usize)>,
    /// Open cases seen in one of the last visits.
    pub seen: Vec<u64>,
}

/// Matches visits (any order) against the open cases placed at their facility.
pub fn findings(visits: &[Visit], placed: &[PlacedCase]) -> Findings {
    let mut visits: Vec<&Visit> = visits.iter().collect();
    visits.sort_by_key(|v| std::cmp::Reverse((v.visited_on, v.id)));
    let mut out = Findings::default();
    let seen_in = |v: &Visit, c: &PlacedCase| {
        v.interviewed.iter().any(|i| i.case_id == Some(c.case_id))
            || c.a_number.as_ref().is_some_and(|a| {
                v.roster.contains(a) || v.interviewed.iter().any(|i| i.a_number.as_ref() == Some(a))
            })
    };
    for c in placed {
        let since: Vec<&&Visit> = visits
            .iter()
            .filter(|v| v.visited_on >= c.placed_on)
            .take(UNSEEN_AFTER)
            .collect();
        if since.iter().any(|v| seen_in(v, c)) {
            out.seen.push(c.case_id);
        } else if since.len() >= UNSEEN_AFTER {
            out.not_seen.push((c.case_id, since.len()));
        }
    }
    if let Some(latest) = visits.first() {
        let known = |a: &String| placed.iter().any(|c| c.a_number.as_ref() == Some(a));
        let listed = latest.roster.iter().chain(
            latest
                .interviewed
                .iter()
                .filter(|i| i.case_id.is_none())
                .filter_map(|i| i.a_number.as_ref()),
        );
        for a in listed {
            if !known(a) && !out.seen_without_case.contains(a) {
                out.seen_without_case.push(a.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn visit(id: u64, day: u32, roster: &[&str], cases: &[u64]) -> Visit {
        Visit {
            id,
            facility: "ADLNTCA".into(),
            facility_name: "ADELANTO".into(),
            consulate: "san-bernardino".into(),
            visited_on: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            staff: vec!["Cónsul".into()],
            interviewed: cases
                .iter()
                .map(|c| Interview {
                    case_id: Some(*c),
                    a_number: None,
                    note: String::new(),
                    sealed: None,
                })
                .collect(),
            roster: roster.iter().map(|s| s.to_string()).collect(),
            conditions: String::new(),
            complaints: String::new(),
            plan_id: None,
            sealed: None,
            withheld: false,
        }
    }

    fn placed(id: u64, a: Option<&str>, day: u32) -> PlacedCase {
        PlacedCase {
            case_id: id,
            a_number: a.map(String::from),
            placed_on: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        }
    }

    #[test]
    fn a_person_seen_without_a_case_and_a_case_not_seen_in_three_visits_are_named() {
        let visits = [
            visit(1, 3, &["111111111"], &[]),
            visit(2, 10, &["111111111"], &[]),
            visit(3, 17, &["111111111", "222222222"], &[]),
        ];
        let cases = [
            placed(10, Some("111111111"), 1),
            placed(11, Some("333333333"), 1),
            placed(12, Some("444444444"), 12),
            placed(13, None, 1),
        ];
        let f = findings(&visits, &cases);
        assert_eq!(f.seen, vec![10]);
        assert_eq!(f.seen_without_case, vec!["222222222".to_string()]);
        // 12 was placed after two of the visits: one visit since is not yet a finding.
        assert_eq!(f.not_seen, vec![(11, 3), (13, 3)]);
    }

    #[test]
    fn an_interview_by_case_counts_as_seen() {
        let visits = [
            visit(1, 3, &[], &[13]),
            visit(2, 10, &[], &[]),
            visit(3, 17, &[], &[]),
        ];
        let f = findings(&visits, &[placed(13, None, 1)]);
        assert_eq!(f.seen, vec![13]);
        assert!(f.not_seen.is_empty());
    }

    #[test]
    fn a_visit_is_checked_and_normalised() {
        let mut req = VisitRequest {
            facility: "adlntca".into(),
            visited_on: "2026-11-20".into(),
            staff: vec!["Lucía Ramírez".into()],
            interviewed: vec![Interview {
                case_id: None,
                a_number: Some("A12345678".into()),
                note: "pide llamar a su hermana".into(),
                sealed: None,
            }],
            roster: vec!["123-456-789".into(), "123456789".into()],
            conditions: "sobrecupo".into(),
            complaints: String::new(),
            plan_id: None,
        };
        let v = validate(&req, now()).unwrap();
        assert_eq!(v.facility, "ADLNTCA");
        assert_eq!(v.roster, vec!["123456789".to_string()]);
        assert_eq!(v.interviewed[0].a_number.as_deref(), Some("012345678"));
        req.visited_on = "2026-12-20".into();
        assert_eq!(validate(&req, now()).unwrap_err().field, "visited_on");
        req.visited_on = "2026-11-20".into();
        req.roster.push("12".into());
        assert_eq!(validate(&req, now()).unwrap_err().field, "roster[2]");
        req.roster.pop();
        req.interviewed[0].a_number = None;
        assert_eq!(validate(&req, now()).unwrap_err().field, "interviewed[0]");
    }

    #[test]
    fn a_plan_is_for_today_or_a_day_ahead_within_a_year() {
        let mut req = PlanRequest {
            facility: " adlntca ".into(),
            planned_on: "2026-11-25".into(),
            staff: vec!["Lucía Ramírez".into()],
            note: "llevar lista de la semana".into(),
        };
        let plan = validate_plan(&req, now()).unwrap();
        assert_eq!(plan.facility, "ADLNTCA");
        assert_eq!(plan.status, PlanStatus::Planned);
        for (day, ok) in [
            ("2026-11-21", true),
            ("2026-11-20", false),
            ("2027-11-23", true),
            ("2027-11-24", false),
            ("25/11/2026", false),
        ] {
            req.planned_on = day.into();
            assert_eq!(validate_plan(&req, now()).is_ok(), ok, "{day}");
        }
        req.planned_on = "2026-11-25".into();
        req.staff = vec![String::new()];
        assert_eq!(validate_plan(&req, now()).unwrap_err().field, "staff[0]");
    }
}
