//! What a phone sends when the button is pressed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::geo::Point;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The person fears detention is about to happen.
    Imminent,
    /// The person (or someone with their phone) reports they are being detained.
    Detained,
    /// Raised by the hub, never sent by a phone: the person did not say they came out of a
    /// watched appointment (an ICE check-in, a hearing) in time. Their phone may have been taken
    /// at the door.
    AppointmentMissed,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

impl Location {
    pub fn point(&self) -> Point {
        Point {
            lat: self.lat,
            lon: self.lon,
        }
    }
}

/// `POST /v1/alerts` body. The id is made by the phone so that a retry after a lost answer is
/// recognised as the same press.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    pub id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub pressed_at: DateTime<Utc>,
    pub kind: AlertKind,
}

impl AlertRequest {
    pub fn location(&self) -> Location {
        Location {
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The person is safe.
    #[default]
    Safe,
    FalseAlarm,
}

/// `POST /v1/alerts/{id}/cancel` body (optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub reason: CancelReason,
    /// The app's duress PIN was used: answer as for any cancel, but keep the case open and on top.
    #[serde(default)]
    pub duress: bool,
}

/// `POST /v1/alerts/{id}/location`: a later position of the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationRequest {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    /// When the phone took the fix.
    pub at: DateTime<Utc>,
}

impl LocationRequest {
    pub fn location(&self) -> Location {
        Location {
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
        }
    }
}
