//! Call-center intake: an officer raises an alert for someone who phoned instead of pressing the
//! button. The place is matched to coordinates through the gazetteer; the caller to an enrolled
//! registrant by phone number when one fits.

use serde::{Deserialize, Serialize};

use super::alert::AlertKind;
use super::checkpoint::note;
use super::validate::{FieldError, MAX_NAME_CHARS, coordinates, phone, text};

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
}

pub fn validate(req: &IntakeRequest) -> Result<ValidIntake, FieldError> {
    let coordinates = match (req.lat, req.lon) {
        (Some(lat), Some(lon)) => {
            coordinates(lat, lon)?;
            Some((lat, lon))
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(FieldError {
                field: "lon".into(),
                message: "is required when lat is given".into(),
            });
        }
        (None, Some(_)) => {
            return Err(FieldError {
                field: "lat".into(),
                message: "is required when lon is given".into(),
            });
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
                return Err(FieldError {
                    field: "language".into(),
                    message: "must be an ISO 639 code such as es, en or mix".into(),
                });
            }
            l
        }
    };
    Ok(ValidIntake {
        name: text("name", &req.name, MAX_NAME_CHARS)?,
        phone: phone("phone", &req.phone)?,
        description: note("description", &req.description, true)?,
        place,
        coordinates,
        kind: req.kind.unwrap_or(AlertKind::Imminent),
        language,
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
