//! Every protection write over HTTP, on the case-work rails: one handler for every verb, which
//! reads the path's id and the body straight into the domain's [`WorkCommand`]; the decision is
//! made by the store, inside its write (`hub/store/work.rs`). A new verb is a route line in
//! `hub/mod.rs` and nothing here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, post};
use sha2::{Digest, Sha256};

use super::{idempotency_key, replay_header};
use crate::domain::command::{Act, Refusal, role_may_work};
use crate::domain::work::{WorkCommand, WorkVerb};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::{RawJson, parse_body};
use crate::hub::state::AppState;
use crate::hub::store::WorkAction;

/// A digest of the verb, the id it acts on and the body (an empty body is no body): the same
/// key sent for another target or another body is refused, never answered as the first.
fn fingerprint(verb: WorkVerb, target: Option<u64>, body: &serde_json::Value) -> String {
    let empty = matches!(body, serde_json::Value::Object(m) if m.is_empty());
    let canonical = if empty || body.is_null() {
        "null".to_string()
    } else {
        serde_json::to_string(body).unwrap_or_default()
    };
    let target = target.map(|t| t.to_string()).unwrap_or_default();
    hex::encode(Sha256::digest(
        format!("{}\n{target}\n{canonical}", verb.as_str()).as_bytes(),
    ))
}

/// Carries out one protection write: `201 {id, seq}`.
async fn act(
    verb: WorkVerb,
    target: Option<String>,
    state: AppState,
    staff: Staff,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    // The same table the store decides with: a role that may never do this is told at once.
    if !role_may_work(staff.0.role, verb) {
        return Err(Refusal::RoleMayNot(Act::Work(verb)).into());
    }
    let target = match target {
        Some(raw) => Some(
            raw.parse::<u64>()
                .map_err(|_| ApiError::NotFound("nothing with this id; ids are numbers"))?,
        ),
        None => None,
    };
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per request)".into())
    })?;
    // Malformed JSON is a 400 like every body's; then the verb's own type reads it.
    let body: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        parse_body(&bytes)?
    };
    let command = WorkCommand::from_wire(verb, target, &bytes)?;
    let action = WorkAction {
        fingerprint: fingerprint(verb, target, &body),
        staff: staff.0,
        key,
        command,
    };
    let outcome = state
        .store
        .work(action, state.consulates.clone(), state.now())
        .await?;
    tracing::info!(
        id = outcome.value.id,
        seq = outcome.value.seq,
        verb = verb.as_str(),
        replayed = outcome.replayed,
        "protection work"
    );
    Ok((
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(outcome.value),
    ))
}

/// The route of `verb`: `POST`, with the id of what it acts on in the path when it acts on
/// something that exists.
pub fn route(verb: WorkVerb) -> MethodRouter<AppState> {
    if verb.has_target() {
        post(
            move |State(state): State<AppState>,
                  staff: Staff,
                  Path(id): Path<String>,
                  headers: HeaderMap,
                  RawJson(bytes): RawJson| async move {
                act(verb, Some(id), state, staff, headers, bytes).await
            },
        )
    } else {
        post(
            move |State(state): State<AppState>,
                  staff: Staff,
                  headers: HeaderMap,
                  RawJson(bytes): RawJson| async move {
                act(verb, None, state, staff, headers, bytes).await
            },
        )
    }
}
