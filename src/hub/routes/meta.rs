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

/// Whether the caller brought a working staff token (the details are theirs only).
async fn is_staff(state: &AppState, parts: &mut axum::http::request::Parts) -> bool {
    parts
        .headers
        .contains_key(axum::http::header::AUTHORIZATION)
        && Staff::from_request_parts(parts, state).await.is_ok()
}

/// How the check of the whole record stands, in one word.
fn record_word(check: &crate::hub::store::RecordCheck) -> &'static str {
    use crate::hub::store::RecordCheck;
    match check {
        RecordCheck::Running => "checking",
        RecordCheck::Sound => "sound",
        RecordCheck::Broken(_) => "needs_attention",
    }
}

/// `GET /healthz`: whether this hub can serve (its database answers). A load balancer asks this,
/// so it is 200 whenever the hub can take presses, whatever the record check found: a finding in
/// the record is a person's work, and dropping every hub over it would stop the presses too.
/// Staff also get how the whole-record check stands (`record`) and how far the log has come.
pub async fn healthz(
    State(state): State<AppState>,
    mut parts: axum::http::request::Parts,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let head = state.store.head_seq().await?;
    let record = record_word(&state.store.record_check());
    let body = if is_staff(&state, &mut parts).await {
        json!({ "status": "ok", "record": record, "seq": head })
    } else {
        json!({ "status": "ok" })
    };
    Ok((axum::http::StatusCode::OK, Json(body)))
}

/// `GET /healthz/record`: for the monitoring that calls a person. 503 when the record does not
/// match its seal (the finding itself for staff only), 200 otherwise.
pub async fn record(
    State(state): State<AppState>,
    mut parts: axum::http::request::Parts,
) -> (axum::http::StatusCode, Json<Value>) {
    let check = state.store.record_check();
    let word = record_word(&check);
    let staff = is_staff(&state, &mut parts).await;
    match check {
        crate::hub::store::RecordCheck::Broken(finding) => {
            let body = if staff {
                json!({ "record": word, "finding": finding })
            } else {
                json!({ "record": word })
            };
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
        _ => (axum::http::StatusCode::OK, Json(json!({ "record": word }))),
    }
}

/// `GET /metrics` (supervisors and admins): the Prometheus text format.
pub async fn metrics(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), crate::hub::error::ApiError> {
    if !crate::domain::staff::may_read_metrics(staff.0.role) {
        return Err(crate::hub::error::ApiError::Forbidden(
            "the hub's metrics are for supervisors and admins",
        ));
    }
    crate::hub::metrics::queue(state.store.queue_depth(), state.store.lag().as_secs_f64());
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::hub::metrics::render(),
    ))
}
