//! Thin handlers: extract and validate, call the store, answer with a DTO.

pub mod admin;
pub mod alerts;
pub mod cases;
pub mod casework;
pub mod enroll;
pub mod meta;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::error::ApiError;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on an answer that repeats an earlier one, so clients and logs can tell a retry happened.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The `Idempotency-Key` header, if sent: 1 to 128 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| {
        ApiError::Malformed("Idempotency-Key must be visible ASCII characters".into())
    })?;
    let ok = !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(ApiError::Malformed(
            "Idempotency-Key must be 1 to 128 visible ASCII characters".into(),
        ));
    }
    Ok(Some(key.to_string()))
}

pub fn replay_header(replayed: bool) -> [(HeaderName, HeaderValue); 1] {
    [(
        REPLAYED,
        HeaderValue::from_static(if replayed { "true" } else { "false" }),
    )]
}
