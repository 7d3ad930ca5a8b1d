//! Call-center intake: an officer raises an alert for someone who phoned instead of pressing the
//! button. The place is matched to coordinates through the gazetteer; the caller to an enrolled
//! registrant by phone number when one fits.

use serde::{Deserialize, Serialize};

use super::alert::AlertKind;
use super::checkpoint::note;
use super::registrant::Profile;
use super::validate::{FieldCode, FieldError, MAX_NAME_CHARS, coordinates, phone, text};

pub const MAX_PLACE_CHARS: usize = 120;

/// `POST /v1/intake`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// The person in danger (the caller may be a relative).
    pub name: String,
    /// A phone number to reach them or the caller, E.164.
    pub phone: String,
    /// What the caller said happened.
    pub description: String,
    /// "Santa Ana, CA": matched to coordinates when the gazetteer knows it.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub kind: Option<AlertKind>,
    /// ISO 639 code; Spanish when not given.
    #[serde(default)]
    pub language: Option<String>,
    /// The enrolled person the officer confirmed the caller is, from `GET /v1/intake/candidates`.
    /// Absent: nobody was confirmed, and nothing of anyone's profile is copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant_id: Option<i64>,
    /// The case an earlier call made or joined, when this is the same caller saying more: the
    /// words join that case even when it went to another consulate. Not with `registrant_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<u64>,
}

/// An enrolled person whose phone number matches a caller's: just enough for the officer to
/// ask "are you…?" — never the profile itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// What to send back as `registrant_id` to confirm; absent when the person's open case is with
    /// another consulate (the call is theirs to take).
    pub registrant_id: Option<i64>,
    pub name: String,
    pub birth_year: Option<i32>,
    /// The last four characters of the matrícula or passport number.
    pub consular_id_last4: String,
    /// The consulate (its name) that has this person's open case, when it is not the caller's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_elsewhere: Option<String>,
}

impl Candidate {
    /// `open_elsewhere`: the consulate holding the person's open case, when the officer may not
    /// join it.
    pub fn of(registrant_id: i64, profile: &Profile, open_elsewhere: Option<String>) -> Candidate {
        use chrono::Datelike;
        let id = profile.consular_id.chars().collect::<Vec<_>>();
        let last4: String = id[id.len().saturating_sub(4)..].iter().collect();
        Candidate {
            registrant_id: open_elsewhere.is_none().then_some(registrant_id),
            name: profile.name.clone(),
            birth_year: profile.date_of_birth.map(|d| d.year()),
            consular_id_last4: last4,
            open_elsewhere,
        }
    }
}

/// What an intake did: the case it made or joined. Never another consulate's case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeOutcome {
    pub case_id: u64,
    pub consulate: String,
    pub seq: u64,
    /// The person the officer confirmed, if any.
    pub registrant_id: Option<i64>,
    pub matched_place: Option<String>,
}

/// What the case records about a phone intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    pub description: String,
    /// The place as the caller gave it.
    #[serde(default)]
    pub place: Option<String>,
    /// The gazetteer's match ("Santa Ana, CA"), if any.
    #[serde(default)]
    pub matched_place: Option<String>,
    /// False when neither coordinates nor a known place were given: the case's location is then
    /// only the consulate's, and is shown as unknown.
    pub located: bool,
    /// Whether the caller was matched to an enrolled registrant.
    pub registrant_matched: bool,
    /// The officer matched an enrolled person, and the case holds only what identifies them
    /// ([`identity_view`]) until their own phone presses and so confirms the match: then the
    /// profile is filled in and their relatives are told.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity_only: bool,
}

/// What a case made by a call holds of the enrolled person the officer matched: enough to be
/// sure it is them (the name, the matrícula's last four) and what the caller already said (the
/// number, the language), never what only the person's own registration knows (birth date, the
/// whole matrícula, flags, relatives and their numbers). Anyone who knows a number could
/// otherwise read a stranger's registration, and tell their family of an alert, by calling it
/// in.
pub fn identity_view(profile: &Profile, caller_language: &str) -> Profile {
    let id: Vec<char> = profile.consular_id.chars().collect();
    let last4: String = id[id.len().saturating_sub(4)..].iter().collect();
    Profile {
        name: profile.name.clone(),
        date_of_birth: None,
        consular_id: if last4.is_empty() {
            String::new()
        } else {
            format!("…{last4}")
        },
        phone: profile.phone.clone(),
        language: caller_language.to_string(),
        flags: Vec::new(),
        relatives: Vec::new(),
        erased: false,
    }
}

/// The request with every field checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidIntake {
    pub name: String,
    pub phone: String,
    pub description: String,
    pub place: Option<String>,
    pub coordinates: Option<(f64, f64)>,
    pub kind: AlertKind,
    pub language: String,
    pub confirmed: Option<i64>,
    /// The case an earlier call made or joined, for the same caller saying more.
    pub continues: Option<u64>,
}

pub fn validate(req: &IntakeRequest) -> Result<ValidIntake, FieldError> {
    let coordinates = match (req.lat, req.lon) {
        (Some(lat), Some(lon)) => {
            coordinates(lat, lon)?;
            Some((lat, lon))
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(FieldError::new(
                "lon",
                FieldCode::Required,
                "is required when lat is given",
            ));
        }
        (None, Some(_)) => {
            return Err(FieldError::new(
                "lat",
                FieldCode::Required,
                "is required when lon is given",
            ));
        }
    };
    let place = req
        .place
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| text("place", p, MAX_PLACE_CHARS))
        .transpose()?;
    let language = match req.language.as_deref() {
        None | Some("") => "es".to_string(),
        Some(l) => {
            let l = l.trim().to_ascii_lowercase();
            if !(2..=3).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(FieldError::new(
                    "language",
                    FieldCode::InvalidFormat,
                    "must be an ISO 639 code such as es, en or mix",
                ));
            }
            l
        }
    };
    if req.case_id.is_some() && req.registrant_id.is_some() {
        // The case already says who the person is: a second answer could only disagree.
        return Err(FieldError::new(
            "registrant_id",
            FieldCode::UnknownValue,
            "is not given when the call continues a case (case_id)",
        ));
    }
    // A call that continues a case needs no name or number: the case has them.
    let continuing = req.case_id.is_some();
    Ok(ValidIntake {
        name: if continuing && req.name.trim().is_empty() {
            String::new()
        } else {
            text("name", &req.name, MAX_NAME_CHARS)?
        },
        phone: if continuing && req.phone.trim().is_empty() {
            String::new()
        } else {
            phone("phone", &req.phone)?
        },
        description: note("description", &req.description, true)?,
        place,
        coordinates,
        kind: req.kind.unwrap_or(AlertKind::Imminent),
        language,
        confirmed: req.registrant_id,
        continues: req.case_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> IntakeRequest {
        IntakeRequest {
            name: "Persona Ficticia".into(),
            phone: "+17145550100".into(),
            description: "Llamó su hermana: ICE en la puerta.".into(),
            place: Some("Santa Ana, CA".into()),
            lat: None,
            lon: None,
            kind: None,
            language: None,
            registrant_id: None,
            case_id: None,
        }
    }

    #[test]
    fn fields_are_checked_and_named() {
        assert_eq!(validate(&req()).unwrap().language, "es");
        let mut r = req();
        r.lat = Some(33.7);
        assert_eq!(validate(&r).unwrap_err().field, "lon");
        let mut r = req();
        r.description = "  ".into();
        assert_eq!(validate(&r).unwrap_err().field, "description");
        let mut r = req();
        r.phone = "555".into();
        assert_eq!(validate(&r).unwrap_err().field, "phone");
        let mut r = req();
        r.place = Some("Santa Ana\u{1b}[2J".into());
        assert_eq!(validate(&r).unwrap_err().field, "place");
    }
}
