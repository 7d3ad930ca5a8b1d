//! Validation of everything a phone or a person sends. A rejected field is named, with a message
//! that says what would have been accepted. Accepted values come back normalised.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::alert::{AlertKind, AlertRequest};
use super::registrant::{Profile, Relative};
use super::sanitize::{Lines, is_clean};

pub const MAX_RELATIVES: usize = 5;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_RELATION_CHARS: usize = 40;
/// A phone that has been offline may send a press late; older than this is not an emergency
/// alert any more and belongs to the call centre.
pub const MAX_PRESS_AGE: Duration = Duration::days(7);
/// Phones' clocks drift; more than this ahead is a broken clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(10);
pub const MAX_ACCURACY_M: f64 = 100_000.0;

/// What is wrong with a field, for machines: clients map it to words in their operator's
/// language and never parse the English message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    /// Empty or absent where a value is needed.
    Required,
    /// Not written the way the field is written (a date, a phone number, plain text).
    InvalidFormat,
    /// Records something that happened, but the date is ahead of now.
    InFuture,
    /// Not one of the values the field accepts (a code, a consulate, a lawyer).
    UnknownValue,
    TooLong,
    /// Well written but outside the accepted range (too old, off the globe, too many).
    OutOfRange,
}

impl FieldCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldCode::Required => "required",
            FieldCode::InvalidFormat => "invalid_format",
            FieldCode::InFuture => "in_future",
            FieldCode::UnknownValue => "unknown_value",
            FieldCode::TooLong => "too_long",
            FieldCode::OutOfRange => "out_of_range",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
    /// For a developer reading the response; people see the code through `i18n`.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

pub(crate) fn err(
    field: impl Into<String>,
    code: FieldCode,
    message: impl Into<String>,
) -> FieldError {
    FieldError::new(field, code, message)
}

/// Why a JSON body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all.
    #[error("the body is not valid JSON: {0}")]
    Syntax(String),
    /// JSON, but a field does not fit: named, with a code.
    #[error("{0}")]
    Field(FieldError),
}

/// Reads a JSON body into `T`. A value that does not fit (a missing field, an unknown code, a
/// wrong type, a field given twice) is a field error with the field's path and a code, like
/// every other field error, so clients never read serde's words.
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            use serde_json::error::Category;
            let inner = e.inner();
            // serde_json calls some faults in well-formed JSON "syntax" (a number too large for
            // its field, say); those are about one field, and the caller should hear which.
            let well_formed = || serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
            if !matches!(inner.classify(), Category::Data) && !well_formed() {
                return Err(JsonError::Syntax(inner.to_string()));
            }
            let path = e.path().to_string();
            // serde names these kinds only in its message; this is the one place that reads it.
            let text = inner.to_string();
            let quoted = text.split('`').nth(1).unwrap_or("").to_string();
            // "missing field" and "duplicate field" name a child of the object at `path`.
            let child = || {
                if path == "." {
                    quoted.clone()
                } else {
                    format!("{path}.{quoted}")
                }
            };
            let (field, code) = if text.starts_with("missing field") {
                (child(), FieldCode::Required)
            } else if text.starts_with("duplicate field") {
                (child(), FieldCode::InvalidFormat)
            } else if text.starts_with("unknown variant") || text.starts_with("unknown field") {
                let name = if text.starts_with("unknown field") && path == "." {
                    quoted
                } else {
                    path
                };
                (name, FieldCode::UnknownValue)
            } else {
                (path, FieldCode::InvalidFormat)
            };
            let field = if field.is_empty() || field == "." {
                "body".to_string()
            } else {
                field
            };
            return Err(JsonError::Field(FieldError::new(field, code, text)));
        }
    };
    de.end().map_err(|e| JsonError::Syntax(e.to_string()))?;
    Ok(value)
}

/// A display text: trimmed, bounded, free of anything a terminal would interpret.
pub fn text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if !is_clean(trimmed, Lines::One) {
        return Err(err(
            field,
            FieldCode::InvalidFormat,
            "contains control, escape or bidi characters; send plain text",
        ));
    }
    let n = trimmed.chars().count();
    if n == 0 {
        return Err(err(field, FieldCode::Required, "must not be empty"));
    }
    if n > max_chars {
        return Err(err(
            field,
            FieldCode::TooLong,
            format!("is {n} characters long; at most {max_chars} are allowed"),
        ));
    }
    Ok(trimmed.to_string())
}

fn person_name(field: &str, value: &str) -> Result<String, FieldError> {
    let name = text(field, value, MAX_NAME_CHARS)?;
    if !name.chars().any(char::is_alphabetic) {
        return Err(err(
            field,
            FieldCode::InvalidFormat,
            "must contain at least one letter",
        ));
    }
    Ok(name)
}

/// E.164: `+`, a country code and number, 8 to 15 digits in all. Spaces, dots, dashes and
/// parentheses are accepted and removed, since people type numbers that way; a US number
/// written without its country code (`(213) 555-0199`, `1 213 555 0199`) gets `+1`.
pub fn phone(field: &str, value: &str) -> Result<String, FieldError> {
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let all_digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
    let digits = match compact.strip_prefix('+') {
        Some(rest) => rest.to_string(),
        // North American numbers: ten digits, area code not starting with 0 or 1.
        None if all_digits && compact.len() == 10 && !compact.starts_with(['0', '1']) => {
            format!("1{compact}")
        }
        None if all_digits && compact.len() == 11 && compact.starts_with('1') => compact,
        None => String::new(),
    };
    let ok = digits.len() >= 8
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if !ok {
        return Err(err(
            field,
            FieldCode::InvalidFormat,
            "must be an international number such as +13105550100",
        ));
    }
    Ok(format!("+{digits}"))
}

fn consular_id(value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_ascii_uppercase();
    let ok =
        (4..=20).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(err(
            "consular_id",
            FieldCode::InvalidFormat,
            "must be 4 to 20 letters, digits or dashes (matrícula consular or passport number)",
        ));
    }
    Ok(v)
}

fn language(value: &str) -> Result<String, FieldError> {
    let ok = (2..=3).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_lowercase());
    if !ok {
        return Err(err(
            "language",
            FieldCode::InvalidFormat,
            "must be an ISO 639 code of 2 or 3 lowercase letters, such as es, en or mix",
        ));
    }
    Ok(value.to_string())
}

pub fn profile(p: &Profile, today: NaiveDate) -> Result<Profile, FieldError> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid constant date");
    let Some(born) = p.date_of_birth else {
        return Err(err(
            "date_of_birth",
            FieldCode::Required,
            "is required, written YYYY-MM-DD",
        ));
    };
    if born < earliest || born > today {
        return Err(err(
            "date_of_birth",
            FieldCode::OutOfRange,
            format!("must be between 1900-01-01 and {today}"),
        ));
    }
    if p.relatives.len() > MAX_RELATIVES {
        return Err(err(
            "relatives",
            FieldCode::TooLong,
            format!("at most {MAX_RELATIVES} relatives may be listed"),
        ));
    }
    let relatives = p
        .relatives
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(Relative {
                name: person_name(&format!("relatives[{i}].name"), &r.name)?,
                relation: text(
                    &format!("relatives[{i}].relation"),
                    &r.relation,
                    MAX_RELATION_CHARS,
                )?,
                phone: phone(&format!("relatives[{i}].phone"), &r.phone)?,
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let mut flags = p.flags.clone();
    flags.sort();
    flags.dedup();
    Ok(Profile {
        name: person_name("name", &p.name)?,
        date_of_birth: p.date_of_birth,
        consular_id: consular_id(&p.consular_id)?,
        phone: phone("phone", &p.phone)?,
        language: language(&p.language)?,
        flags,
        relatives,
        erased: false,
    })
}

pub fn coordinates(lat: f64, lon: f64) -> Result<(), FieldError> {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(err(
            "lat",
            FieldCode::OutOfRange,
            "must be a latitude between -90 and 90",
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(err(
            "lon",
            FieldCode::OutOfRange,
            "must be a longitude between -180 and 180",
        ));
    }
    Ok(())
}

/// The time of a fix is not checked here: a phone with a wrong clock still knows where it is, so
/// `phone_time` corrects the time rather than losing the fix.
pub fn location(l: &super::alert::LocationRequest) -> Result<(), FieldError> {
    coordinates(l.lat, l.lon)?;
    if !l.accuracy_m.is_finite() || !(0.0..=MAX_ACCURACY_M).contains(&l.accuracy_m) {
        return Err(err(
            "accuracy_m",
            FieldCode::OutOfRange,
            format!("must be between 0 and {MAX_ACCURACY_M} metres"),
        ));
    }
    Ok(())
}

pub fn alert(a: &AlertRequest) -> Result<(), FieldError> {
    if a.kind == AlertKind::AppointmentMissed {
        // Only the hub knows an appointment was missed: a phone saying so would open a case
        // that looks like one.
        return Err(err(
            "kind",
            FieldCode::UnknownValue,
            "appointment_missed is raised by the hub; a phone sends imminent or detained",
        ));
    }
    coordinates(a.lat, a.lon)?;
    if !a.accuracy_m.is_finite() || !(0.0..=MAX_ACCURACY_M).contains(&a.accuracy_m) {
        return Err(err(
            "accuracy_m",
            FieldCode::OutOfRange,
            format!("must be between 0 and {MAX_ACCURACY_M} metres"),
        ));
    }
    Ok(())
}

/// When a press or a location fix happened, as the hub will record it. A phone's clock can be
/// wrong by hours or years; neither is refused for that (it would be lost): a time ahead of the
/// hub's, or older than anyone would press and wait, is taken as the hub's own.
pub fn phone_time(phone_says: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if phone_says > now + MAX_CLOCK_SKEW || phone_says < now - MAX_PRESS_AGE {
        now
    } else {
        phone_says
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::profile as sample;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn a_body_that_does_not_fit_names_its_field_with_a_code() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct B {
            outcome: crate::domain::checkpoint::CloseOutcome,
            note: String,
        }
        let field = |json: &str| match from_json::<B>(json.as_bytes()) {
            Err(JsonError::Field(e)) => (e.field, e.code),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(r#"{"outcome":"zzz","note":"n"}"#),
            ("outcome".into(), FieldCode::UnknownValue)
        );
        assert_eq!(
            field(r#"{"outcome":"false_alarm"}"#),
            ("note".into(), FieldCode::Required)
        );
        assert_eq!(
            field(r#"{"outcome":"false_alarm","note":1}"#),
            ("note".into(), FieldCode::InvalidFormat)
        );
        assert_eq!(
            field(r#"{"outcome":"false_alarm","note":"a","x":1}"#),
            ("x".into(), FieldCode::UnknownValue)
        );
        assert_eq!(
            field(r#"{"outcome":"false_alarm","note":"a","note":"b"}"#),
            ("note".into(), FieldCode::InvalidFormat)
        );
        assert!(matches!(from_json::<B>(b"{"), Err(JsonError::Syntax(_))));
    }

    #[test]
    fn a_number_too_large_for_its_field_is_a_field_fault_not_bad_json() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct N {
            n: u8,
        }
        match from_json::<N>(br#"{"n":1e400}"#) {
            Err(JsonError::Field(e)) => assert_eq!(e.field, "n"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            from_json::<N>(br#"{"n":1"#),
            Err(JsonError::Syntax(_))
        ));
    }

    #[test]
    fn phones_are_taken_as_people_write_them() {
        for typed in [
            "(213) 555-0199",
            "2135550199",
            "1 213 555 0199",
            "+1 213.555.0199",
        ] {
            assert_eq!(phone("p", typed).as_deref(), Ok("+12135550199"), "{typed}");
        }
        assert!(phone("p", "555-0199").is_err());
        assert!(phone("p", "0213555019").is_err());
    }

    #[test]
    fn a_good_profile_is_normalised() {
        let mut p = sample("  Ana  ", vec![]);
        p.phone = "+1 (310) 555-0100".into();
        p.consular_id = "mx-123abc".into();
        let v = profile(&p, today()).unwrap();
        assert_eq!(v.name, "Ana");
        assert_eq!(v.phone, "+13105550100");
        assert_eq!(v.consular_id, "MX-123ABC");
    }

    #[test]
    fn escape_in_a_name_is_refused_and_named() {
        let p = sample("Ana\u{1b}[31m", vec![]);
        let e = profile(&p, today()).unwrap_err();
        assert_eq!(e.field, "name");
    }

    #[test]
    fn relative_errors_name_the_index() {
        let mut p = sample("Ana", vec![]);
        p.relatives = vec![Relative {
            name: "Luis".into(),
            relation: "hermano".into(),
            phone: "5550100".into(),
        }];
        assert_eq!(
            profile(&p, today()).unwrap_err().field,
            "relatives[0].phone"
        );
    }

    #[test]
    fn birth_in_the_future_is_refused() {
        let mut p = sample("Ana", vec![]);
        p.date_of_birth = NaiveDate::from_ymd_opt(2030, 1, 1);
        assert_eq!(profile(&p, today()).unwrap_err().field, "date_of_birth");
    }

    fn alert_at(lat: f64, lon: f64, acc: f64) -> AlertRequest {
        AlertRequest {
            id: Uuid::nil(),
            lat,
            lon,
            accuracy_m: acc,
            pressed_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
            kind: AlertKind::Imminent,
        }
    }

    #[test]
    fn alert_ranges() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap();
        assert!(alert(&alert_at(34.0, -118.0, 10.0)).is_ok());
        assert_eq!(alert(&alert_at(91.0, 0.0, 1.0)).unwrap_err().field, "lat");
        assert_eq!(alert(&alert_at(0.0, 181.0, 1.0)).unwrap_err().field, "lon");
        assert_eq!(
            alert(&alert_at(0.0, 0.0, -1.0)).unwrap_err().field,
            "accuracy_m"
        );
        assert_eq!(
            alert(&alert_at(0.0, 0.0, f64::NAN)).unwrap_err().field,
            "accuracy_m"
        );
        // A wrong clock never loses a press: its time is taken as the hub's.
        let press = alert_at(0.0, 0.0, 1.0);
        let later = now + Duration::days(8);
        assert!(alert(&press).is_ok());
        assert_eq!(phone_time(press.pressed_at, later), later);
        let earlier = now - Duration::hours(1);
        assert_eq!(phone_time(press.pressed_at, earlier), earlier);
        let ok_skew = press.pressed_at - Duration::minutes(2);
        assert_eq!(phone_time(press.pressed_at, ok_skew), press.pressed_at);
    }

    proptest! {
        #[test]
        fn accepted_text_is_always_clean(s in any::<String>()) {
            if let Ok(v) = text("f", &s, 100) {
                prop_assert!(is_clean(&v, Lines::One));
                prop_assert!(v.chars().count() <= 100);
            }
        }

        #[test]
        fn accepted_phones_are_e164(s in "[+0-9 ()-]{0,24}") {
            if let Ok(v) = phone("p", &s) {
                prop_assert!(v.starts_with('+'));
                prop_assert!(v[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((9..=16).contains(&v.len()));
            }
        }
    }
}
