//! Thin handlers: extract and validate, call the store, answer with a DTO.

pub mod admin;
pub mod alerts;
pub mod appointments;
pub mod cases;
pub mod casework;
pub mod duty;
pub mod enroll;
pub mod facilities;
pub mod incidents;
mod lists;
pub mod meta;
pub mod reports;
pub mod visits;
pub mod work;

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

/// The client's address, from the accept loop (unspecified if the router runs without it).
pub fn client_ip(
    client: Option<axum::Extension<crate::hub::server::ClientAddr>>,
) -> std::net::IpAddr {
    client
        .map(|c| c.0.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// Counts an enrollment or press from `ip`'s network; past the threshold, once a minute, the
/// supervisors' consoles are told (an event in the log, streamed to supervisors).
pub async fn tell_of_surge(
    state: &crate::hub::state::AppState,
    ip: std::net::IpAddr,
    what: &'static str,
) {
    let Some(surge) = state.limits.surge(ip, what) else {
        return;
    };
    tracing::warn!(network = %surge.network, what, count = surge.count, "surge from one network");
    let body = crate::domain::event::SurgeDetected {
        what: what.to_string(),
        network: surge.network,
        count: surge.count,
        window_seconds: 60,
    };
    if let Err(e) = state.store.record_surge(body, state.now()).await {
        tracing::error!(error = %e, "cannot record a surge");
    }
}

pub fn replay_header(replayed: bool) -> [(HeaderName, HeaderValue); 1] {
    [(
        REPLAYED,
        HeaderValue::from_static(if replayed { "true" } else { "false" }),
    )]
}
