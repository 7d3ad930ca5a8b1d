//! The writes the hub accepts. Each runs as one job in the writer, so its checks and its changes
//! are atomic, and its caller hears back only after the commit.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::deliveries;
use super::{Store, StoreError, WriteCtx};
use crate::api::{AlertResponse, CancelResponse};
use crate::domain::alert::{AlertRequest, CancelRequest, LocationRequest};
use crate::domain::case::CaseStatus;
use crate::domain::consulate::Consulate;
use crate::domain::event::{
    Actor, AlertCancelled, AlertRaised, AlertRepeated, EventBody, LocationUpdated, NoticeAbout,
};
use crate::domain::geo;
use crate::domain::registrant::Profile;

/// The result of a write that may have been a retry.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    pub value: T,
    /// True when the same request had already been accepted: nothing new was written.
    pub replayed: bool,
}

/// A registrant's profile, if they exist.
pub(super) fn registrant(ctx: &WriteCtx<'_>, id: i64) -> Result<Option<Profile>, StoreError> {
    let json: Option<String> = ctx
        .conn()
        .query_row("SELECT profile FROM registrants WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

impl Store {
    /// Opens a case for a press, routed to the nearest consulate. The alert id makes it
    /// idempotent: the same id from the same phone returns the first answer.
    pub async fn raise_alert(
        &self,
        registrant_id: i64,
        req: AlertRequest,
        consulates: Arc<Vec<Consulate>>,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Result<Outcome<AlertResponse>, StoreError> {
        self.write(move |ctx| {
            if let Some(previous) = previous_alert(ctx, req.id, registrant_id)? {
                return Ok(Outcome {
                    value: previous.1,
                    replayed: true,
                });
            }
            let registrant = registrant(ctx, registrant_id)?.ok_or(StoreError::NotFound)?;
            let location = req.location();
            if let Some(case) = open_case_of(ctx, registrant_id)? {
                // Pressed again while their case is open: the same case, not a new one.
                let consulate = consulates.iter().find(|c| c.id == case.consulate);
                let distance_km = consulate
                    .map(|c| geo::distance_km(c.point(), location.point()))
                    .unwrap_or(case.distance_km);
                let body = EventBody::AlertRepeated(AlertRepeated {
                    alert_id: req.id,
                    kind: req.kind,
                    location,
                    pressed_at: req.pressed_at,
                });
                let (event, _) =
                    ctx.append(case.id, &case.consulate, Actor::Phone, now, None, body)?;
                let response = AlertResponse {
                    alert_id: req.id,
                    case_id: case.id,
                    consulate: case.consulate.clone(),
                    consulate_name: consulate.map(|c| c.label()).unwrap_or_default(),
                    distance_km,
                    seq: event.seq,
                };
                remember_alert(ctx, req.id, registrant_id, &response)?;
                return Ok(Outcome {
                    value: response,
                    replayed: false,
                });
            }
            let (consulate, distance_km) = geo::nearest(&consulates, location.point())
                .ok_or_else(|| StoreError::Setup("no consulates are configured".into()))?;
            let case_id = ctx.next_case_id()?;
            let body = EventBody::AlertRaised(AlertRaised {
                alert_id: req.id,
                registrant_id,
                registrant,
                kind: req.kind,
                location,
                pressed_at: req.pressed_at,
                distance_km,
                intake: None,
            });
            let (event, case) =
                ctx.append(case_id, &consulate.id, Actor::Phone, now, None, body)?;
            if notify {
                deliveries::queue(ctx, &case, NoticeAbout::Alert, &consulate.label(), now)?;
            }
            let response = AlertResponse {
                alert_id: req.id,
                case_id,
                consulate: consulate.id.clone(),
                consulate_name: consulate.label(),
                distance_km,
                seq: event.seq,
            };
            remember_alert(ctx, req.id, registrant_id, &response)?;
            Ok(Outcome {
                value: response,
                replayed: false,
            })
        })
        .await
    }

    /// Marks the phone's own alert cancelled. Cancelling twice answers as the first time did.
    pub async fn cancel_alert(
        &self,
        registrant_id: i64,
        alert_id: Uuid,
        request: CancelRequest,
        consulates: Arc<Vec<Consulate>>,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Result<Outcome<CancelResponse>, StoreError> {
        self.write(move |ctx| {
            let case = own_case(ctx, alert_id, registrant_id)?;
            let case_id = case.id;
            // Under duress the case stays open, so "already cancelled" means either mark: the
            // answer must be the same whichever PIN was used.
            if case.cancelled.is_some() || case.duress_at.is_some() {
                return Ok(Outcome {
                    value: CancelResponse {
                        alert_id,
                        case_id,
                        status: "cancelled".into(),
                        seq: cancel_seq(&case).unwrap_or(case.last_seq),
                    },
                    replayed: true,
                });
            }
            let body = EventBody::AlertCancelled(AlertCancelled {
                alert_id,
                reason: request.reason,
                duress: request.duress,
            });
            let (event, after) =
                ctx.append(case_id, &case.consulate, Actor::Phone, now, None, body)?;
            // Relatives hear of a real cancel; under duress they are not told "all is well".
            if notify && !request.duress {
                let label = consulates
                    .iter()
                    .find(|c| c.id == after.consulate)
                    .map(|c| c.label())
                    .unwrap_or_default();
                deliveries::queue(ctx, &after, NoticeAbout::Cancel, &label, now)?;
            }
            Ok(Outcome {
                value: CancelResponse {
                    alert_id,
                    case_id,
                    status: "cancelled".into(),
                    seq: event.seq,
                },
                replayed: false,
            })
        })
        .await
    }
}

impl Store {
    /// Adds a later position to the phone's own alert's case. The same fix again (same time and
    /// place) answers as the first time did.
    pub async fn update_location(
        &self,
        registrant_id: i64,
        alert_id: Uuid,
        request: LocationRequest,
        now: DateTime<Utc>,
    ) -> Result<Outcome<crate::api::LocationResponse>, StoreError> {
        self.write(move |ctx| {
            let case = own_case(ctx, alert_id, registrant_id)?;
            let case_id = case.id;
            let location = request.location();
            let answer = |seq| crate::api::LocationResponse { case_id, seq };
            if case
                .trail
                .iter()
                .any(|f| f.at == request.at && f.location == location)
            {
                return Ok(Outcome {
                    value: answer(case.last_seq),
                    replayed: true,
                });
            }
            if case.status == CaseStatus::Closed {
                return Err(StoreError::Conflict(
                    "this alert's case is closed; press the button again if you need help".into(),
                ));
            }
            let body = EventBody::LocationUpdated(LocationUpdated {
                alert_id,
                location,
                fixed_at: request.at,
            });
            let (event, _) = ctx.append(case_id, &case.consulate, Actor::Phone, now, None, body)?;
            Ok(Outcome {
                value: answer(event.seq),
                replayed: false,
            })
        })
        .await
    }
}

/// The case of one of this phone's own alerts. Someone else's alert is "not found": a phone
/// learns nothing about other people.
fn own_case(
    ctx: &WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
) -> Result<crate::domain::case::Case, StoreError> {
    let (case_id, _) = previous_alert(ctx, alert_id, registrant_id)
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::NotFound,
            other => other,
        })?
        .ok_or(StoreError::NotFound)?;
    ctx.case(case_id)?.ok_or(StoreError::NotFound)
}

/// The registrant's case that is not closed, if any: a new press attaches to it.
pub(super) fn open_case_of(
    ctx: &WriteCtx<'_>,
    registrant_id: i64,
) -> Result<Option<crate::domain::case::Case>, StoreError> {
    open_case_in(ctx.conn(), registrant_id)
}

/// [`open_case_of`] on any connection (the readers' too).
pub(super) fn open_case_in(
    conn: &rusqlite::Connection,
    registrant_id: i64,
) -> Result<Option<crate::domain::case::Case>, StoreError> {
    let state: Option<String> = conn
        .query_row(
            "SELECT c.state FROM alerts a JOIN cases c ON c.id = a.case_id
              WHERE a.registrant_id = ?1 ORDER BY a.rowid DESC LIMIT 1",
            [registrant_id],
            |r| r.get(0),
        )
        .optional()?;
    let case: Option<crate::domain::case::Case> =
        state.map(|s| serde_json::from_str(&s)).transpose()?;
    Ok(case.filter(|c| c.status != CaseStatus::Closed))
}

fn remember_alert(
    ctx: &WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
    response: &AlertResponse,
) -> Result<(), StoreError> {
    ctx.conn().execute(
        "INSERT INTO alerts (alert_id, registrant_id, case_id, response) VALUES (?1, ?2, ?3, ?4)",
        params![
            alert_id.to_string(),
            registrant_id,
            response.case_id as i64,
            serde_json::to_string(response)?
        ],
    )?;
    Ok(())
}

/// The case and first answer for an alert id this registrant already sent. The same id from a
/// different registrant is a conflict, never a look into someone else's case.
fn previous_alert(
    ctx: &WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
) -> Result<Option<(u64, AlertResponse)>, StoreError> {
    let row: Option<(i64, i64, String)> = ctx
        .conn()
        .query_row(
            "SELECT registrant_id, case_id, response FROM alerts WHERE alert_id = ?1",
            [alert_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((owner, _, _)) if owner != registrant_id => Err(StoreError::Conflict(
            "this alert id is already in use; generate a new UUID".into(),
        )),
        Some((_, case_id, response)) => {
            Ok(Some((case_id as u64, serde_json::from_str(&response)?)))
        }
    }
}

fn cancel_seq(case: &crate::domain::case::Case) -> Option<u64> {
    use crate::domain::event::EventKind;
    case.timeline
        .iter()
        .find(|e| e.kind == EventKind::AlertCancelled)
        .map(|e| e.seq)
}
