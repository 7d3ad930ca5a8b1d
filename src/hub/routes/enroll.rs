use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use super::{idempotency_key, replay_header};
use crate::api::{EnrollRequest, EnrollResponse};
use crate::domain::validate;
use crate::hub::auth::{DEVICE_PREFIX, hash_token, new_token};
use crate::hub::error::ApiError;
use crate::hub::extract::ApiJson;
use crate::hub::state::AppState;

/// `POST /v1/enroll`: a phone registers its owner and gets a device token, once.
pub async fn enroll(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let key = idempotency_key(&headers)?;
    let now = state.now();
    let profile = validate::profile(&req, now.date_naive())?;
    let token = new_token(DEVICE_PREFIX);
    let outcome = state
        .store
        .enroll(profile, hash_token(&token), key, now)
        .await?;
    if outcome.replayed {
        // The old token no longer authenticates: make sure no cached copy says otherwise.
        state.devices.forget(outcome.value);
    }
    tracing::info!(
        registrant = outcome.value,
        replayed = outcome.replayed,
        "enrolled"
    );
    let body = EnrollResponse {
        registrant_id: outcome.value,
        device_token: token,
    };
    let status = if outcome.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, replay_header(outcome.replayed), Json(body)))
}
