//! Due-process checkpoints and closing outcomes (the codes of config/checkpoints.md, which
//! are part of the wire contract), the structured fields each checkpoint carries, and their
//! validation. The hub validates with this code and the console's forms do too, so an operator
//! sees the hub's answer before sending.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

mod fields;

pub use fields::{CHECKLIST_STEPS, FieldKind, FieldSpec};

use super::sanitize::{Lines, is_clean};
use super::validate::{FieldCode, FieldError, MAX_CLOCK_SKEW, err};

macro_rules! codes {
    ($( $variant:ident = $wire:literal ),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum CheckpointCode {
            $( #[serde(rename = $wire)] $variant, )*
        }

        impl CheckpointCode {
            pub const ALL: &[CheckpointCode] = &[$( CheckpointCode::$variant, )*];

            pub fn as_str(self) -> &'static str {
                match self { $( CheckpointCode::$variant => $wire, )* }
            }

            /// Accepts the wire code in any case, with `-` or `_`.
            pub fn parse(s: &str) -> Option<CheckpointCode> {
                let wanted = s.trim().to_ascii_uppercase().replace('-', "_");
                match wanted.as_str() { $( $wire => Some(CheckpointCode::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    ContactAttempt = "CONTACT_ATTEMPT",
    FamilyNotified = "FAMILY_NOTIFIED",
    DetentionConfirmed = "DETENTION_CONFIRMED",
    ConsularNotification = "CONSULAR_NOTIFICATION",
    ANumberRecorded = "A_NUMBER_RECORDED",
    FacilityLocated = "FACILITY_LOCATED",
    FacilityTransfer = "FACILITY_TRANSFER",
    ConsularVisit = "CONSULAR_VISIT",
    CustodyDetermination = "CUSTODY_DETERMINATION",
    NtaServed = "NTA_SERVED",
    RepresentativeAssigned = "REPRESENTATIVE_ASSIGNED",
    FearScreening = "FEAR_SCREENING",
    ExpeditedRemoval = "EXPEDITED_REMOVAL",
    MasterCalendarHearing = "MASTER_CALENDAR_HEARING",
    BondHearing = "BOND_HEARING",
    BondPosted = "BOND_POSTED",
    Released = "RELEASED",
    ReliefFiled = "RELIEF_FILED",
    IndividualHearing = "INDIVIDUAL_HEARING",
    VoluntaryDeparture = "VOLUNTARY_DEPARTURE",
    RemovalOrder = "REMOVAL_ORDER",
    AppealFiled = "APPEAL_FILED",
    StayRequested = "STAY_REQUESTED",
    StayDecided = "STAY_DECIDED",
    DueProcessConcern = "DUE_PROCESS_CONCERN",
    RepatriationScheduled = "REPATRIATION_SCHEDULED",
    Removed = "REMOVED",
    CounselInformed = "COUNSEL_INFORMED",
    HabeasFiled = "HABEAS_FILED",
    HabeasDecided = "HABEAS_DECIDED",
    BondIneligible = "BOND_INELIGIBLE",
    MinorInCustody = "MINOR_IN_CUSTODY",
    HarmInCustody = "HARM_IN_CUSTODY",
    ChecklistStep = "CHECKLIST_STEP",
    InterpreterNeeded = "INTERPRETER_NEEDED",
    NotLocated = "NOT_LOCATED",
}

/// How a case ended (checkpoints.md, "Case outcomes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseOutcome {
    ReleasedOnBond,
    ReleasedOnRecognizance,
    ReliefGranted,
    ProceedingsTerminated,
    VoluntaryDeparture,
    Removed,
    FalseAlarm,
    LostContact,
    DeclinedAssistance,
    Transferred,
}

impl CloseOutcome {
    pub const ALL: &[CloseOutcome] = &[
        CloseOutcome::ReleasedOnBond,
        CloseOutcome::ReleasedOnRecognizance,
        CloseOutcome::ReliefGranted,
        CloseOutcome::ProceedingsTerminated,
        CloseOutcome::VoluntaryDeparture,
        CloseOutcome::Removed,
        CloseOutcome::FalseAlarm,
        CloseOutcome::LostContact,
        CloseOutcome::DeclinedAssistance,
        CloseOutcome::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseOutcome::ReleasedOnBond => "released_on_bond",
            CloseOutcome::ReleasedOnRecognizance => "released_on_recognizance",
            CloseOutcome::ReliefGranted => "relief_granted",
            CloseOutcome::ProceedingsTerminated => "proceedings_terminated",
            CloseOutcome::VoluntaryDeparture => "voluntary_departure",
            CloseOutcome::Removed => "removed",
            CloseOutcome::FalseAlarm => "false_alarm",
            CloseOutcome::LostContact => "lost_contact",
            CloseOutcome::DeclinedAssistance => "declined_assistance",
            CloseOutcome::Transferred => "transferred",
        }
    }

    /// Accepts `false-alarm` as well as `false_alarm`, for the console's command line.
    pub fn parse(s: &str) -> Option<CloseOutcome> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        CloseOutcome::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == wanted)
    }
}

pub const MAX_FIELD_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 4000;
/// A checkpoint older than this is almost surely a typo in the year.
pub const MAX_CHECKPOINT_AGE: Duration = Duration::days(366 * 5);

/// A note: multi-line plain text, trimmed, bounded. Empty is allowed where `required` is false.
pub fn note(field: &str, value: &str, required: bool) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if !is_clean(trimmed, Lines::Many) {
        return Err(err(
            field,
            FieldCode::InvalidFormat,
            "contains control, escape or bidi characters; send plain text",
        ));
    }
    let n = trimmed.chars().count();
    if required && n == 0 {
        return Err(err(field, FieldCode::Required, "must not be empty"));
    }
    if n > MAX_NOTE_CHARS {
        return Err(err(
            field,
            FieldCode::TooLong,
            format!("is {n} characters long; at most {MAX_NOTE_CHARS} are allowed"),
        ));
    }
    Ok(trimmed.to_string())
}

/// Whether `value` is shaped like a date (`dddd-dd-dd`), whatever its numbers.
fn written_as_date(value: &str) -> bool {
    let v = value.trim().as_bytes();
    v.len() == 10
        && v.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

pub fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD HH:MM` (UTC), `YYYY-MM-DDTHH:MM`, or RFC 3339 with an offset.
pub fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(v, fmt).ok())
        .map(|n| n.and_utc())
}

/// Normalises an A-number: optional `A` prefix, dashes and spaces ignored; 8 digits get the
/// leading zero (EOIR's rule), 9 digits are kept; anything else is refused.
pub fn a_number(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let v = v
        .strip_prefix('A')
        .or_else(|| v.strip_prefix('a'))
        .unwrap_or(v);
    let digits: String = v.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(
            field,
            FieldCode::InvalidFormat,
            "must be digits (an optional leading A is allowed)",
        ));
    }
    match digits.len() {
        9 => Ok(digits),
        8 => Ok(format!("0{digits}")),
        n => Err(err(
            field,
            FieldCode::InvalidFormat,
            format!("has {n} digits; an A-number has 9 (or 8, which gets a leading 0)"),
        )),
    }
}

/// Dollars: `1500`, `1,500`, `$1500.50`. Stored as `1500.00`. At most one million.
pub fn money(field: &str, value: &str) -> Result<String, FieldError> {
    let v: String = value
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, cents) = match v.split_once('.') {
        Some((w, c)) => (w, c),
        None => (v.as_str(), "0"),
    };
    let ok = !whole.is_empty()
        && whole.len() <= 7
        && whole.chars().all(|c| c.is_ascii_digit())
        && !cents.is_empty()
        && cents.len() <= 2
        && cents.chars().all(|c| c.is_ascii_digit());
    let amount: Option<u64> = ok
        .then(|| {
            let w: u64 = whole.parse().ok()?;
            let c: u64 = format!("{cents:0<2}").parse().ok()?;
            Some(w * 100 + c)
        })
        .flatten();
    match amount {
        Some(a) if a > 0 && a <= 100_000_000 => Ok(format!("{}.{:02}", a / 100, a % 100)),
        _ => Err(err(
            field,
            FieldCode::InvalidFormat,
            "must be an amount in dollars above 0 and at most 1,000,000, like 1500 or 1500.50",
        )),
    }
}

fn one_field(spec: &FieldSpec, value: &str, now: DateTime<Utc>) -> Result<String, FieldError> {
    let name = spec.name;
    let tomorrow = (now + Duration::days(1)).date_naive();
    use FieldKind::{ANumber, Choice, Date, DateTime as When, Money, Text, YesNo};
    match spec.kind {
        Text => super::validate::text(name, value, MAX_FIELD_CHARS),
        Date => {
            let d = parse_date(value).ok_or_else(|| {
                // Written right but no such day (2026-02-30): the format is not what is wrong.
                if written_as_date(value) {
                    err(
                        name,
                        FieldCode::OutOfRange,
                        "is not a day of the calendar: check the month's last day",
                    )
                } else {
                    err(
                        name,
                        FieldCode::InvalidFormat,
                        "must be a date written YYYY-MM-DD",
                    )
                }
            })?;
            // A day of slack: the person logging may be a time zone ahead of UTC.
            if !spec.future && d > tomorrow {
                return Err(err(
                    name,
                    FieldCode::InFuture,
                    "records something that happened; it cannot be in the future",
                ));
            }
            if d < (now - MAX_CHECKPOINT_AGE).date_naive() {
                return Err(err(
                    name,
                    FieldCode::OutOfRange,
                    "is more than five years ago; check the year",
                ));
            }
            Ok(d.format("%Y-%m-%d").to_string())
        }
        When => {
            let t = parse_datetime(value).ok_or_else(|| {
                if written_as_date(value.get(..10).unwrap_or(value)) {
                    err(
                        name,
                        FieldCode::OutOfRange,
                        "is not a date and time of the calendar: check the day and the hour",
                    )
                } else {
                    err(
                        name,
                        FieldCode::InvalidFormat,
                        "must be a date and time written YYYY-MM-DD HH:MM (UTC)",
                    )
                }
            })?;
            if !spec.future && t > now + MAX_CLOCK_SKEW {
                return Err(err(
                    name,
                    FieldCode::InFuture,
                    "records something that happened; it cannot be in the future",
                ));
            }
            if t < now - MAX_CHECKPOINT_AGE {
                return Err(err(
                    name,
                    FieldCode::OutOfRange,
                    "is more than five years ago; check the year",
                ));
            }
            Ok(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        ANumber => a_number(name, value),
        Money => money(name, value),
        Choice(options) => {
            let v = value.trim().to_ascii_lowercase().replace('-', "_");
            if options.contains(&v.as_str()) {
                Ok(v)
            } else {
                Err(err(
                    name,
                    FieldCode::UnknownValue,
                    format!("must be one of: {}", options.join(", ")),
                ))
            }
        }
        FieldKind::Language => {
            use crate::domain::jurisdiction::languages::{Languages, Picked};
            match Languages::builtin().pick(value) {
                Picked::One(l) => Ok(l.code.clone()),
                Picked::Several(found) => Err(err(
                    name,
                    FieldCode::UnknownValue,
                    format!(
                        "names several of the court's languages; say which: {}",
                        found
                            .iter()
                            .map(|l| format!("{} ({})", l.court_name, l.code))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                Picked::None => Err(err(
                    name,
                    FieldCode::UnknownValue,
                    "is not one of the immigration courts' languages (a name or the court's code, \
                     like mixteco or MIX)",
                )),
            }
        }
        YesNo => match value.trim().to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "si" | "sí" | "s" => Ok("yes".into()),
            "no" | "n" | "false" => Ok("no".into()),
            _ => Err(err(name, FieldCode::UnknownValue, "must be yes or no")),
        },
    }
}

/// A checkpoint as sent: code, when it happened, its fields and a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointRequest {
    pub code: CheckpointCode,
    /// When it happened; the hub uses its own clock when absent.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub note: String,
}

/// A checkpoint after validation: every field known and normalised, empty ones dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidCheckpoint {
    pub code: CheckpointCode,
    pub at: DateTime<Utc>,
    pub fields: BTreeMap<String, String>,
    pub note: String,
}

/// Validates a checkpoint against its code's fields. `now` is the hub's (or the form's) clock.
pub fn checkpoint(
    req: &CheckpointRequest,
    now: DateTime<Utc>,
) -> Result<ValidCheckpoint, FieldError> {
    let at = req.at.unwrap_or(now);
    if at > now + MAX_CLOCK_SKEW {
        return Err(err(
            "at",
            FieldCode::InFuture,
            "records when it happened; it cannot be in the future",
        ));
    }
    if at < now - MAX_CHECKPOINT_AGE {
        return Err(err(
            "at",
            FieldCode::OutOfRange,
            "is more than five years ago; check the year",
        ));
    }
    let specs = req.code.fields();
    if let Some(unknown) = req
        .fields
        .keys()
        .find(|k| !specs.iter().any(|s| s.name == k.as_str()))
    {
        let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
        return Err(err(
            format!("fields.{}", super::sanitize::sanitize(unknown, Lines::One)),
            FieldCode::UnknownValue,
            format!(
                "is not a field of {}; its fields are: {}",
                req.code.as_str(),
                names.join(", ")
            ),
        ));
    }
    let mut fields = BTreeMap::new();
    for spec in specs {
        let value = req.fields.get(spec.name).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if spec.required {
                return Err(err(
                    format!("fields.{}", spec.name),
                    FieldCode::Required,
                    "is required for this checkpoint",
                ));
            }
            continue;
        }
        let normalised = one_field(spec, value, now).map_err(|e| FieldError {
            field: format!("fields.{}", e.field),
            ..e
        })?;
        fields.insert(spec.name.to_string(), normalised);
    }
    Ok(ValidCheckpoint {
        code: req.code,
        at,
        fields,
        note: note("note", &req.note, false)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn req(code: CheckpointCode, fields: &[(&str, &str)]) -> CheckpointRequest {
        CheckpointRequest {
            code,
            at: None,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            note: String::new(),
        }
    }

    #[test]
    fn codes_round_trip_through_the_wire_names() {
        for code in CheckpointCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(CheckpointCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(CheckpointCode::ALL.len(), 36);
        assert_eq!(
            CloseOutcome::parse("false-alarm"),
            Some(CloseOutcome::FalseAlarm)
        );
    }

    #[test]
    fn a_numbers_get_the_leading_zero_rule() {
        assert_eq!(a_number("a", "12345678").unwrap(), "012345678");
        assert_eq!(a_number("a", "A123-456-789").unwrap(), "123456789");
        assert!(a_number("a", "1234567").is_err());
        assert!(a_number("a", "1234567890").is_err());
        assert!(a_number("a", "12345678x").is_err());
    }

    #[test]
    fn money_is_normalised_and_bounded() {
        assert_eq!(money("m", "$1,500").unwrap(), "1500.00");
        assert_eq!(money("m", "1500.5").unwrap(), "1500.50");
        assert!(money("m", "0").is_err());
        assert!(money("m", "-5").is_err());
        assert!(money("m", "2000000").is_err());
        assert!(money("m", "12.345").is_err());
    }

    #[test]
    fn past_events_cannot_be_in_the_future_but_hearings_can() {
        let order = req(
            CheckpointCode::RemovalOrder,
            &[("decided_on", "2026-12-30")],
        );
        assert_eq!(
            checkpoint(&order, now()).unwrap_err().field,
            "fields.decided_on"
        );
        let hearing = req(
            CheckpointCode::MasterCalendarHearing,
            &[("hearing_at", "2027-01-15 09:30")],
        );
        let ok = checkpoint(&hearing, now()).unwrap();
        assert_eq!(ok.fields["hearing_at"], "2027-01-15T09:30:00Z");
        let mut late = req(
            CheckpointCode::ContactAttempt,
            &[("who", "hermana"), ("outcome", "reached")],
        );
        late.at = Some(now() + Duration::hours(2));
        assert_eq!(checkpoint(&late, now()).unwrap_err().field, "at");
    }

    #[test]
    fn required_unknown_and_choice_fields_are_named() {
        let missing = req(CheckpointCode::ANumberRecorded, &[]);
        assert_eq!(
            checkpoint(&missing, now()).unwrap_err().field,
            "fields.a_number"
        );
        let unknown = req(
            CheckpointCode::FamilyNotified,
            &[("relative", "x"), ("color", "red")],
        );
        assert_eq!(
            checkpoint(&unknown, now()).unwrap_err().field,
            "fields.color"
        );
        let choice = req(CheckpointCode::DetentionConfirmed, &[("agency", "fbi")]);
        let e = checkpoint(&choice, now()).unwrap_err();
        assert!(e.message.contains("ice_ero"), "{e}");
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn a_well_written_date_that_is_no_day_is_not_blamed_on_its_format() {
        let spec = FieldSpec {
            name: "decided_on",
            kind: FieldKind::Date,
            required: true,
            future: false,
        };
        let now = Utc::now();
        let e = one_field(&spec, "2026-02-30", now).unwrap_err();
        assert_eq!(e.code, FieldCode::OutOfRange, "{e}");
        let e = one_field(&spec, "30/02/2026", now).unwrap_err();
        assert_eq!(e.code, FieldCode::InvalidFormat, "{e}");
    }
}
