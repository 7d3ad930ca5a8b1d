//! Enrollment: `POST /v1/enroll` sends a code to the phone; `POST /v1/enroll/{id}/verify` trades
//! the code for the device token. With `[enroll] verify_phone = false` (closed test deployments
//! only) the first call answers with the token at once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::{idempotency_key, replay_header};
use crate::api::{EnrollRequest, EnrollResponse, EnrollmentPending, VerifyRequest};
use crate::domain::validate::{self, FieldCode, FieldError};
use crate::hub::auth::{DEVICE_PREFIX, hash_token, new_token};
use crate::hub::error::ApiError;
use crate::hub::extract::ApiJson;
use crate::hub::server::ClientAddr;
use crate::hub::state::AppState;
use crate::hub::store::{StoreError, Verification};

/// Six digits, uniformly drawn: what a person can read off a message and type.
fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// `POST /v1/enroll`.
pub async fn enroll(
    State(state): State<AppState>,
    client: Option<axum::Extension<ClientAddr>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Response, ApiError> {
    let ip = super::client_ip(client);
    // Counted even when refused: a refused flood is still a surge supervisors should know of.
    super::tell_of_surge(&state, ip, "enroll").await;
    state
        .limits
        .enroll(ip)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let key = idempotency_key(&headers)?;
    state.admit()?;
    let now = state.now();
    let profile = validate::profile(&req, now.date_naive())?;
    if !state.enroll.verify_phone {
        let token = new_token(DEVICE_PREFIX);
        let (registrant_id, replaced) = state
            .store
            .enroll_unverified(profile, hash_token(&token), key, now)
            .await?;
        if let Some(old) = replaced {
            state.devices.forget(old);
        }
        tracing::info!(registrant = registrant_id, "enrolled without verification");
        let body = EnrollResponse {
            registrant_id,
            device_token: token,
        };
        return Ok((StatusCode::CREATED, Json(body)).into_response());
    }
    let outcome = state
        .store
        .start_enrollment(
            profile,
            new_code(),
            key,
            state.limits.enrollments_per_number_per_day,
            crate::hub::limits::network_of(ip),
            now,
        )
        .await?;
    tracing::info!(
        expires_at = %outcome.value.expires_at,
        replayed = outcome.replayed,
        "enrollment waiting for its code"
    );
    let body = EnrollmentPending {
        enrollment_id: outcome.value.handle,
        expires_at: outcome.value.expires_at,
    };
    Ok((
        StatusCode::ACCEPTED,
        replay_header(outcome.replayed),
        Json(body),
    )
        .into_response())
}

/// `POST /v1/enroll/{id}/verify`: the code that reached the phone, for its device token.
pub async fn verify(
    State(state): State<AppState>,
    client: Option<axum::Extension<ClientAddr>>,
    Path(handle): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let ip = super::client_ip(client);
    // Wrong codes and unknown enrollments count like wrong tokens, and an address past its
    // allowance hears only "wait". The right code is not held back, though: behind a carrier's
    // shared address the owner of a number must not wait for a stranger's mistakes, and guesses
    // are bounded per enrollment and per number whatever the address.
    let failed = |found: ApiError| {
        state.limits.failed_auth(ip);
        match state.limits.auth_blocked(ip) {
            Some(wait) => ApiError::TooMany(wait, "failed_auth_per_address_per_minute"),
            None => found,
        }
    };
    let handle_ok = handle.len() == 32 && handle.bytes().all(|b| b.is_ascii_hexdigit());
    if !handle_ok {
        return Err(failed(ApiError::NotFound("no such enrollment")));
    }
    let code = req.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new("code", FieldCode::InvalidFormat, "six digits").into());
    }
    let token = new_token(DEVICE_PREFIX);
    let result = state
        .store
        .verify_enrollment(
            handle,
            code.to_string(),
            hash_token(&token),
            state.limits.enrollments_per_number_per_day,
            state.now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => failed(ApiError::NotFound("no such enrollment")),
            other => other.into(),
        })?;
    match result {
        Verification::Enrolled {
            registrant_id,
            replaced,
        } => {
            if let Some(old) = replaced {
                state.devices.forget(old);
            }
            tracing::info!(
                registrant = registrant_id,
                replaced_device = replaced.is_some(),
                "phone verified"
            );
            Ok((
                StatusCode::CREATED,
                Json(EnrollResponse {
                    registrant_id,
                    device_token: token,
                }),
            ))
        }
        Verification::Wrong { tries_left } => {
            tracing::info!(%ip, tries_left, "wrong enrollment code");
            Err(failed(
                FieldError::new(
                    "code",
                    FieldCode::UnknownValue,
                    format!("is not the code sent to the phone; {tries_left} tries left"),
                )
                .into(),
            ))
        }
        Verification::NumberGuessedOut { wait_seconds } => {
            tracing::info!(%ip, "wrong enrollment code past the number's day of guesses");
            Err(failed(ApiError::TooMany(
                crate::hub::limits::RetryAfter(std::time::Duration::from_secs(wait_seconds)),
                "enrollments_per_number_per_day",
            )))
        }
        Verification::Void => Err(ApiError::Gone(
            "this enrollment expired or was voided by wrong codes; enroll again",
        )),
    }
}
