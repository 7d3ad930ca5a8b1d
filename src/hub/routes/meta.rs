use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::domain::consulate::Consulate;
use axum::extract::FromRequestParts;

use crate::hub::auth::{Caller, Staff};
use crate::hub::error::ApiError;
use crate::hub::state::AppState;

/// `GET /v1/consulates`.
pub async fn consulates(State(state): State<AppState>, _caller: Caller) -> Json<Vec<Consulate>> {
    Json(state.consulates.as_ref().clone())
}

/// `GET /healthz`: answers only when the database is readable. It tells anyone that the hub is
/// up, and only staff how far the log has come (the count of events says how busy a raid is).
pub async fn healthz(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let head = state.store.head_seq().await?;
    let mut parts = parts;
    let staff = parts
        .headers
        .contains_key(axum::http::header::AUTHORIZATION)
        && Staff::from_request_parts(&mut parts, &state).await.is_ok();
    // A record that does not match its seal is the operator's emergency: monitoring sees it
    // here (503), whoever asks; what was found is for staff.
    if let crate::hub::store::RecordCheck::Broken(finding) = state.store.record_check() {
        let body = if staff {
            json!({ "status": "record_broken", "seq": head, "finding": finding })
        } else {
            json!({ "status": "record_broken" })
        };
        return Ok((axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(body)));
    }
    Ok((
        axum::http::StatusCode::OK,
        Json(if staff {
            json!({ "status": "ok", "seq": head })
        } else {
            json!({ "status": "ok" })
        }),
    ))
}

/// `GET /metrics` (any staff token): the Prometheus text format.
pub async fn metrics(
    State(state): State<AppState>,
    _staff: Staff,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    crate::hub::metrics::queue(state.store.queue_depth(), state.store.lag().as_secs_f64());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::hub::metrics::render(),
    )
}
