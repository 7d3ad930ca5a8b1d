//! Watched appointments over HTTP. The phone schedules its owner's appointments, says "out" or
//! cancels; the consulate whose district holds the place lists what is coming. Thin: the checks
//! are `domain::appointment`'s, the writes the store's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{idempotency_key, replay_header};
use crate::domain::appointment::{self, Appointment, AppointmentRequest, OutRequest};
use crate::domain::staff::Role;
use crate::hub::auth::{Device, Staff};
use crate::hub::error::ApiError;
use crate::hub::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::hub::state::AppState;
use crate::hub::store::appointments::NewAppointment;

/// The appointment as its phone sees it: never which case, if any, it raised.
fn for_phone(mut a: Appointment) -> Appointment {
    a.case_id = None;
    a
}

fn id_of(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::Malformed("the appointment id in the path must be a number".into()))
}

/// `POST /v1/appointments` (device token, `Idempotency-Key`): 201 with the appointment, after
/// it is committed; the same key again answers the same.
pub async fn schedule(
    State(state): State<AppState>,
    device: Device,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AppointmentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per appointment)".into())
    })?;
    let now = state.now();
    let facility = match &req.place.facility {
        Some(code) => super::facilities::registry(&state)
            .await?
            .get(code)
            .map(|f| (f.label(), f.point())),
        None => None,
    };
    let (kind, starts_at, expected_minutes, place, note) =
        appointment::validate(&req, facility.as_ref().map(|(n, p)| (n.as_str(), *p)), now)?;
    // Watched by the consulate whose district holds the place, as a press there would be.
    let (consulate, _, _) = crate::domain::jurisdiction::Jurisdictions::current()
        .route(place.point(), &state.consulates)
        .ok_or(ApiError::Unavailable(crate::hub::store::StoreError::Setup(
            "no consulates are configured".into(),
        )))?;
    let fingerprint = hex::encode(Sha256::digest(
        serde_json::to_string(&req).unwrap_or_default().as_bytes(),
    ));
    state.admit()?;
    let outcome = state
        .store
        .schedule_appointment(
            device.registrant_id,
            NewAppointment {
                appointment: Appointment {
                    id: 0,
                    kind,
                    starts_at,
                    expected_minutes,
                    place,
                    note,
                    state: appointment::AppointmentState::Watched,
                    consulate: consulate.id.clone(),
                    case_id: None,
                },
                key,
                fingerprint,
            },
            now,
        )
        .await?;
    // The number only: never the place or the person.
    tracing::info!(
        appointment = outcome.value.id,
        replayed = outcome.replayed,
        "appointment"
    );
    Ok((
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(for_phone(outcome.value)),
    ))
}

/// `GET /v1/appointments`: the phone's own, those still watched and the last week's.
pub async fn mine(
    State(state): State<AppState>,
    device: Device,
) -> Result<Json<Vec<Appointment>>, ApiError> {
    let list = state
        .store
        .appointments_of(device.registrant_id, state.now())
        .await?;
    Ok(Json(list.into_iter().map(for_phone).collect()))
}

/// `POST /v1/appointments/{id}/out`: "I'm out, all well" (`{"duress": true}` with the duress PIN,
/// answered the same).
pub async fn out(
    State(state): State<AppState>,
    device: Device,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<OutRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = id_of(&id)?;
    let outcome = state
        .store
        .appointment_out(
            device.registrant_id,
            id,
            req.duress,
            state.consulates.clone(),
            state.now(),
        )
        .await
        .map_err(not_found)?;
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        Json(for_phone(outcome.value)),
    ))
}

/// `POST /v1/appointments/{id}/cancel`: the appointment is off.
pub async fn cancel(
    State(state): State<AppState>,
    device: Device,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = id_of(&id)?;
    let outcome = state
        .store
        .cancel_appointment(device.registrant_id, id)
        .await
        .map_err(not_found)?;
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        Json(for_phone(outcome.value)),
    ))
}

/// Someone else's appointment is "not found": a phone learns nothing about other people.
fn not_found(e: crate::hub::store::StoreError) -> ApiError {
    match ApiError::from(e) {
        ApiError::NotFound(_) => ApiError::NotFound("no appointment with this id from this phone"),
        other => other,
    }
}

#[derive(Debug, Deserialize)]
pub struct WatchQuery {
    /// From when (default now).
    from: Option<DateTime<Utc>>,
    /// How many hours ahead (default 24, at most a week).
    hours: Option<i64>,
}

/// `GET /v1/appointments/watched?from=&hours=`: the appointments the caller's consulate watches
/// in the window, soonest first. Only that consulate's officers and supervisors: where a person
/// must go, and when, is for the consulate that would go looking.
pub async fn watched(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<WatchQuery>,
) -> Result<Json<Vec<Appointment>>, ApiError> {
    let me = &staff.0;
    let consulate = match (me.role, &me.consulate) {
        (Role::Officer | Role::Supervisor, Some(c)) => c.clone(),
        _ => {
            return Err(ApiError::Forbidden(
                "only the officers and supervisors of the consulate that watches an appointment \
                 see it",
            ));
        }
    };
    let from = q.from.unwrap_or_else(|| state.now());
    let hours = q.hours.unwrap_or(24).clamp(1, 24 * 7);
    state
        .limits
        .report(me.id)
        .map_err(|(w, l)| ApiError::TooMany(w, l))?;
    let list = state
        .store
        .appointments_watched(consulate, from, from + Duration::hours(hours))
        .await?;
    Ok(Json(list))
}
