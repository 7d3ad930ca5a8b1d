//! Watched appointments: a person who must go to an ICE check-in or a court hearing tells the
//! hub when and where, and how long it should take. If they have not said "I'm out" by the
//! start, the expected length and a grace period, the hub raises an alert for them at the
//! appointment's place: a person detained inside a building cannot press a button, their phone
//! is taken at the door. Pure: what a phone may ask, and when an appointment is missed.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::geo::Point;
use super::validate::{FieldCode, FieldError, err, text};

/// How far ahead a phone may schedule: an appointment months away is not one to watch yet, and
/// a far-future flood would sit in the table.
pub const MAX_AHEAD_DAYS: i64 = 120;
/// How many appointments one phone may have waiting at once.
pub const MAX_WAITING: usize = 5;
/// How many appointments one phone may make in a day, whatever it cancels: a phone scheduling
/// and cancelling in a loop would otherwise fill the table.
pub const MAX_PER_DAY: usize = 20;
/// The longest an appointment may be expected to take: a full day in court.
pub const MAX_EXPECTED_MINUTES: u32 = 12 * 60;
pub const NAME_CHARS: usize = 120;
pub const NOTE_CHARS: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentKind {
    IceCheckIn,
    CourtHearing,
    Other,
}

impl AppointmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentKind::IceCheckIn => "ice_check_in",
            AppointmentKind::CourtHearing => "court_hearing",
            AppointmentKind::Other => "other",
        }
    }
}

/// Where: a place by name and coordinates, or a facility of the registry by its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlaceRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    /// A facility's code in the registry (`GET /v1/facilities`), instead of a name and point.
    #[serde(default)]
    pub facility: Option<String>,
}

/// `POST /v1/appointments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequest {
    pub kind: AppointmentKind,
    pub starts_at: DateTime<Utc>,
    pub place: PlaceRequest,
    pub expected_minutes: u32,
    #[serde(default)]
    pub note: String,
}

/// A place checked: a name and a point in the United States.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
}

impl Place {
    pub fn point(&self) -> Point {
        Point {
            lat: self.lat,
            lon: self.lon,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentState {
    /// Waiting: the person has not said they are out.
    Watched,
    /// The person said they came out.
    Out,
    Cancelled,
    /// The time passed with no word: an alert was raised.
    Missed,
    /// The person pressed the button during it: the alert carries it.
    Pressed,
}

impl AppointmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentState::Watched => "watched",
            AppointmentState::Out => "out",
            AppointmentState::Cancelled => "cancelled",
            AppointmentState::Missed => "missed",
            AppointmentState::Pressed => "pressed",
        }
    }

    pub fn parse(s: &str) -> Option<AppointmentState> {
        [
            AppointmentState::Watched,
            AppointmentState::Out,
            AppointmentState::Cancelled,
            AppointmentState::Missed,
            AppointmentState::Pressed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// An appointment as the phone and the person's consulate see it. Its place and note are
/// personal: the hub keeps them sealed under the person's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: u64,
    pub kind: AppointmentKind,
    pub starts_at: DateTime<Utc>,
    pub expected_minutes: u32,
    pub place: Place,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub state: AppointmentState,
    /// The consulate whose district holds the place (who watches it).
    pub consulate: String,
    /// The case the missed appointment raised, or the one a duress "out" made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<u64>,
}

impl Appointment {
    /// When it counts as missed: the start, the expected length and the grace.
    pub fn due_at(&self, grace: Duration) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(i64::from(self.expected_minutes)) + grace
    }
}

impl Appointment {
    /// What goes on a case the appointment is linked to.
    pub fn on_case(&self) -> OnCase {
        OnCase {
            id: self.id,
            kind: self.kind,
            starts_at: self.starts_at,
            expected_minutes: self.expected_minutes,
            place: self.place.clone(),
            note: self.note.clone(),
            out_at: None,
        }
    }
}

/// How long before the start a press already counts as during the appointment (people queue at
/// the door); a press up to 12 hours after its expected end still belongs with it.
pub const EARLY_MINUTES: i64 = 60;

/// An appointment as its case carries it: what the person told beforehand, for the officer who
/// goes looking. Personal: erased with the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnCase {
    pub id: u64,
    pub kind: AppointmentKind,
    pub starts_at: DateTime<Utc>,
    pub expected_minutes: u32,
    pub place: Place,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// When the person said they came out ("out" after the alert: it closes nothing by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_at: Option<DateTime<Utc>>,
}

/// Why an appointment went on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Linked {
    /// Its time passed with no "out": the hub raised the alert.
    Missed,
    /// The person pressed the button during it.
    Pressed,
    /// "Out" was sent with the duress PIN.
    Duress,
}

/// Event `appointment_linked`: the appointment goes on the case, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentLinked {
    pub appointment: OnCase,
    pub why: Linked,
}

/// Event `appointment_out`: the person said they came out, after the case was opened. It adds to
/// the case ("dijo que salió bien") for an officer to weigh; it closes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentOut {
    pub appointment_id: u64,
}

/// `POST /v1/appointments/{id}/out`: "I'm out, all well"; `duress` when the app's duress PIN
/// was used (answered as any "out", and a duress case raised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutRequest {
    #[serde(default)]
    pub duress: bool,
}

/// Watched appointments where an observer or a lawyer would go: one place, one hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// The hour the slot's first appointment starts in.
    pub hour: DateTime<Utc>,
    pub place: String,
    pub count: usize,
    /// Of them, hearings (the rest are check-ins and others).
    pub hearings: usize,
    /// Of them, already missed (their alerts raised).
    pub missed: usize,
}

/// The list grouped by place and the hour each starts in, soonest first, then by place.
pub fn slots(list: &[Appointment]) -> Vec<Slot> {
    use chrono::DurationRound;
    let mut out: Vec<Slot> = Vec::new();
    let mut sorted: Vec<&Appointment> = list
        .iter()
        .filter(|a| a.state != AppointmentState::Cancelled)
        .collect();
    sorted.sort_by(|a, b| (a.starts_at, &a.place.name).cmp(&(b.starts_at, &b.place.name)));
    for a in sorted {
        let hour = a
            .starts_at
            .duration_trunc(Duration::hours(1))
            .unwrap_or(a.starts_at);
        let slot = match out
            .iter_mut()
            .find(|s| s.hour == hour && s.place == a.place.name)
        {
            Some(s) => s,
            None => {
                out.push(Slot {
                    hour,
                    place: a.place.name.clone(),
                    count: 0,
                    hearings: 0,
                    missed: 0,
                });
                out.last_mut().expect("just pushed")
            }
        };
        slot.count += 1;
        slot.hearings += usize::from(a.kind == AppointmentKind::CourtHearing);
        slot.missed += usize::from(a.state == AppointmentState::Missed);
    }
    out.sort_by(|a, b| (a.hour, &a.place).cmp(&(b.hour, &b.place)));
    out
}

/// The United States with Alaska, Hawaii, Puerto Rico and Guam (as the facility registry checks).
fn in_the_us(lat: f64, lon: f64) -> bool {
    let lon_ok = (-180.0..=-60.0).contains(&lon) || (140.0..=150.0).contains(&lon);
    (10.0..=72.0).contains(&lat) && lon_ok
}

/// Checks a request at `now`. A facility named by code is resolved by the caller (`facility`:
/// its name and point), so that the registry stays the one place facilities are known.
pub fn validate(
    req: &AppointmentRequest,
    facility: Option<(&str, Point)>,
    now: DateTime<Utc>,
) -> Result<(AppointmentKind, DateTime<Utc>, u32, Place, String), FieldError> {
    if req.starts_at < now - Duration::hours(1) {
        return Err(err(
            "starts_at",
            FieldCode::OutOfRange,
            "is in the past; an appointment is scheduled before it starts",
        ));
    }
    if req.starts_at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(err(
            "starts_at",
            FieldCode::OutOfRange,
            format!("is more than {MAX_AHEAD_DAYS} days ahead; schedule it closer to the day"),
        ));
    }
    if !(1..=MAX_EXPECTED_MINUTES).contains(&req.expected_minutes) {
        return Err(err(
            "expected_minutes",
            FieldCode::OutOfRange,
            format!("must be from 1 to {MAX_EXPECTED_MINUTES}"),
        ));
    }
    let place = match (&req.place.facility, facility) {
        (Some(_), Some((name, p))) => Place {
            name: name.to_string(),
            lat: p.lat,
            lon: p.lon,
            facility: req.place.facility.clone(),
        },
        (Some(code), None) => {
            return Err(err(
                "place.facility",
                FieldCode::UnknownValue,
                format!(
                    "{} is not in the facility registry",
                    super::sanitize::sanitize(code, super::sanitize::Lines::One)
                ),
            ));
        }
        (None, _) => {
            let name = text("place.name", &req.place.name, NAME_CHARS)?;
            let (Some(lat), Some(lon)) = (req.place.lat, req.place.lon) else {
                return Err(err(
                    "place.lat",
                    FieldCode::Required,
                    "give the place's lat and lon, or a facility's code",
                ));
            };
            super::validate::coordinates(lat, lon)
                .map_err(|e| err(format!("place.{}", e.field), e.code, e.message))?;
            if !in_the_us(lat, lon) {
                return Err(err(
                    "place.lat",
                    FieldCode::OutOfRange,
                    "the place is not in the United States; check the signs (west is negative)",
                ));
            }
            Place {
                name,
                lat,
                lon,
                facility: None,
            }
        }
    };
    let note = if req.note.trim().is_empty() {
        String::new()
    } else {
        text("note", &req.note, NOTE_CHARS)?
    };
    Ok((req.kind, req.starts_at, req.expected_minutes, place, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-06T15:00:00Z".parse().unwrap()
    }

    fn req() -> AppointmentRequest {
        AppointmentRequest {
            kind: AppointmentKind::IceCheckIn,
            starts_at: now() + Duration::days(1),
            place: PlaceRequest {
                name: "ICE Los Angeles, 300 N Los Angeles St".into(),
                lat: Some(34.0537),
                lon: Some(-118.2395),
                facility: None,
            },
            expected_minutes: 60,
            note: "Llevo mi pasaporte.".into(),
        }
    }

    #[test]
    fn a_check_in_tomorrow_in_los_angeles_is_taken() {
        let (kind, _, minutes, place, note) = validate(&req(), None, now()).unwrap();
        assert_eq!((kind, minutes), (AppointmentKind::IceCheckIn, 60));
        assert!(place.name.starts_with("ICE Los Angeles"));
        assert_eq!(note, "Llevo mi pasaporte.");
    }

    #[test]
    fn far_future_past_endless_foreign_and_hostile_requests_are_refused_by_field() {
        type Change = Box<dyn Fn(&mut AppointmentRequest)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|r| r.starts_at = now() + Duration::days(MAX_AHEAD_DAYS + 1)),
                "starts_at",
            ),
            (
                Box::new(|r| r.starts_at = now() - Duration::days(2)),
                "starts_at",
            ),
            (Box::new(|r| r.expected_minutes = 0), "expected_minutes"),
            (
                Box::new(|r| r.expected_minutes = MAX_EXPECTED_MINUTES + 1),
                "expected_minutes",
            ),
            (Box::new(|r| r.place.lon = Some(118.24)), "place.lat"),
            (Box::new(|r| r.place.lat = None), "place.lat"),
            (Box::new(|r| r.place.lon = Some(f64::NAN)), "place.lon"),
            (
                Box::new(|r| r.place.name = "\u{1b}[2J".into()),
                "place.name",
            ),
            (Box::new(|r| r.note = "x".repeat(NOTE_CHARS + 1)), "note"),
            (
                Box::new(|r| r.place.facility = Some("NOPE".into())),
                "place.facility",
            ),
        ];
        for (change, field) in cases {
            let mut r = req();
            change(&mut r);
            let e = validate(&r, None, now()).unwrap_err();
            assert_eq!(e.field, field, "{e:?}");
        }
    }

    #[test]
    fn slots_gather_a_place_and_hour_and_count_hearings_and_missed_apart() {
        let one = |id, minutes: i64, place: &str, kind, state| Appointment {
            id,
            kind,
            starts_at: now() + Duration::minutes(minutes),
            expected_minutes: 60,
            place: Place {
                name: place.into(),
                lat: 34.05,
                lon: -118.24,
                facility: None,
            },
            note: String::new(),
            state,
            consulate: "los-angeles".into(),
            case_id: None,
        };
        use AppointmentKind::*;
        use AppointmentState::*;
        // now() is 15:00: 15:10 and 15:40 share the 15:00 hour at the office.
        let list = vec![
            one(1, 40, "ICE LA", IceCheckIn, Watched),
            one(2, 10, "ICE LA", IceCheckIn, Missed),
            one(3, 20, "Court", CourtHearing, Watched),
            one(4, 70, "ICE LA", IceCheckIn, Watched),
            one(5, 30, "ICE LA", IceCheckIn, Cancelled),
        ];
        let s = slots(&list);
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.place.as_str(), s.count, s.hearings, s.missed))
            .collect();
        assert_eq!(
            got,
            vec![("Court", 1, 1, 0), ("ICE LA", 2, 0, 1), ("ICE LA", 1, 0, 0)]
        );
        assert!(s[0].hour < s[2].hour);
    }

    #[test]
    fn missed_counts_from_the_start_the_expected_length_and_the_grace() {
        let (kind, starts_at, expected_minutes, place, note) =
            validate(&req(), None, now()).unwrap();
        let a = Appointment {
            id: 1,
            kind,
            starts_at,
            expected_minutes,
            place,
            note,
            state: AppointmentState::Watched,
            consulate: "los-angeles".into(),
            case_id: None,
        };
        assert_eq!(
            a.due_at(Duration::minutes(60)),
            starts_at + Duration::minutes(120)
        );
    }
}
