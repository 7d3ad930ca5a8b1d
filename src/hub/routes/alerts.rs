use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use uuid::Uuid;

use super::replay_header;
use crate::api::{AlertRequest, CancelRequest, LocationRequest};
use crate::domain::validate;
use crate::hub::auth::Device;
use crate::hub::error::ApiError;
use crate::hub::extract::{ApiJson, OptionalJson};
use crate::hub::state::AppState;
use crate::hub::store::StoreError;

/// A device the writer found revoked (by another hub, `guardia admin` or retention): its token
/// leaves this hub's cache too, and the phone is answered as for any unknown token.
fn forget_revoked(state: &AppState, e: StoreError) -> StoreError {
    if let StoreError::DeviceRevoked(id) = &e {
        state.devices.forget(*id);
    }
    e
}

/// `POST /v1/alerts`: the button was pressed. 201 only after the case is committed; a retry with
/// the same id gets the same 201 body again and creates nothing.
pub async fn raise(
    State(state): State<AppState>,
    client: Option<axum::Extension<crate::hub::server::ClientAddr>>,
    device: Device,
    ApiJson(mut req): ApiJson<AlertRequest>,
) -> Result<impl IntoResponse, ApiError> {
    validate::alert(&req)?;
    req.pressed_at = validate::phone_time(req.pressed_at, state.now());
    state.admit()?;
    // Never refused: counted, so a flood from one network is told to supervisors.
    super::tell_of_surge(&state, super::client_ip(client), "press").await;
    let outcome = state
        .store
        .raise_alert(
            device.registrant_id,
            req,
            state.consulates.clone(),
            state.notify.enabled(),
            state.limits.coalesce(),
            state.now(),
        )
        .await
        .map_err(|e| forget_revoked(&state, e))?;
    // Case number, consulate and seq only: never the name or the coordinates.
    tracing::info!(
        case = outcome.value.case_id,
        consulate = %outcome.value.consulate,
        seq = outcome.value.seq,
        replayed = outcome.replayed,
        "alert"
    );
    Ok((
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(outcome.value),
    ))
}

/// `POST /v1/alerts/{id}/cancel`: the person is safe, or it was a false alarm.
pub async fn cancel(
    State(state): State<AppState>,
    device: Device,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<CancelRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let alert_id = Uuid::parse_str(&id)
        .map_err(|_| ApiError::Malformed("the alert id in the path must be a UUID".into()))?;
    let outcome = state
        .store
        .cancel_alert(
            device.registrant_id,
            alert_id,
            req,
            state.consulates.clone(),
            state.notify.enabled(),
            state.now(),
        )
        .await
        .map_err(|e| match ApiError::from(forget_revoked(&state, e)) {
            ApiError::NotFound(_) => ApiError::NotFound("no alert with this id from this phone"),
            other => other,
        })?;
    // The log line is the same for a duress cancel: logs can be read by the wrong people too.
    tracing::info!(
        case = outcome.value.case_id,
        seq = outcome.value.seq,
        "cancelled"
    );
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        Json(outcome.value),
    ))
}

/// `POST /v1/alerts/{id}/location`: a later fix from the phone, for the case's trail.
pub async fn location(
    State(state): State<AppState>,
    device: Device,
    Path(id): Path<String>,
    ApiJson(mut req): ApiJson<LocationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    req.at = validate::phone_time(req.at, state.now());
    let alert_id = Uuid::parse_str(&id)
        .map_err(|_| ApiError::Malformed("the alert id in the path must be a UUID".into()))?;
    validate::location(&req)?;
    state
        .limits
        .location(device.registrant_id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    state.admit()?;
    let outcome = state
        .store
        .update_location(device.registrant_id, alert_id, req, state.now())
        .await
        .map_err(|e| match ApiError::from(forget_revoked(&state, e)) {
            ApiError::NotFound(_) => ApiError::NotFound("no alert with this id from this phone"),
            other => other,
        })?;
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        Json(outcome.value),
    ))
}
