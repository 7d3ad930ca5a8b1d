//! Staff actions on cases (`POST /v1/cases/{id}/...`), the lawyers' roster and staff creation.
//!
//! Every action needs an `Idempotency-Key` (the same key again returns the first answer and
//! changes nothing) and `If-Match: "<case version>"` (a stale version gets 409 with the case as
//! it now stands). Roles are checked here; scope and state are checked in the writer, atomically.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{idempotency_key, replay_header};
use crate::api::{
    ActionResponse, AssignRequest, CheckpointRequest, CloseRequest, LawyerInfo, NewStaff,
    NoteRequest, ReopenRequest, StaffCreated, TransferRequest,
};
use crate::domain::checkpoint;
use crate::domain::event::EventKind;
use crate::domain::gazetteer::Lookup;
use crate::domain::geo::Point;
use crate::domain::intake::IntakeRequest;
use crate::domain::staff::{Role, may, may_see_roster};
use crate::hub::auth::{STAFF_PREFIX, Staff, hash_token, new_token};
use crate::hub::error::ApiError;
use crate::hub::extract::{ApiJson, OptionalJson};
use crate::hub::state::AppState;
use crate::hub::store::{ActionBody, IntakeJob, StaffAction, Whereabouts};

pub fn case_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Malformed("the case id must be a number".into()))
}

/// `If-Match: "7"` (or `7`): the case version the action was decided on.
fn if_match(headers: &HeaderMap) -> Result<u64, ApiError> {
    let value = headers.get(header::IF_MATCH).ok_or(ApiError::PreconditionRequired(
        "send If-Match with the case version you acted on (GET /v1/cases/{id} gives it as ETag)",
    ))?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::Malformed("If-Match must be a case version in quotes, like \"3\"".into())
        })
}

/// A strong ETag for a case version.
pub fn etag(version: u64) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    [(header::ETAG, value)]
}

fn verb(kind: EventKind) -> &'static str {
    match kind {
        EventKind::CaseAcknowledged => "acknowledge cases",
        EventKind::LawyerAssigned => "assign lawyers",
        EventKind::CheckpointLogged => "log checkpoints",
        EventKind::NoteAdded => "add notes",
        EventKind::CaseClosed => "close cases",
        EventKind::CaseReopened => "reopen cases",
        EventKind::TransferRequested => "transfer cases",
        EventKind::TransferAccepted => "accept transfers",
        _ => "do that",
    }
}

fn forbidden(kind: EventKind) -> ApiError {
    ApiError::ForbiddenMessage(format!("your role may not {}", verb(kind)))
}

fn fingerprint<T: Serialize>(kind: EventKind, case_id: u64, body: &T) -> String {
    let canonical = serde_json::to_string(body).unwrap_or_default();
    hex::encode(Sha256::digest(
        format!("{}\n{case_id}\n{canonical}", kind.as_str()).as_bytes(),
    ))
}

/// The part every action shares: role, headers, the write, the answer.
async fn act<T: Serialize>(
    state: &AppState,
    staff: Staff,
    headers: &HeaderMap,
    raw_id: &str,
    request: &T,
    body: ActionBody,
) -> Result<impl IntoResponse + use<T>, ApiError> {
    let kind = body.kind();
    let id = case_id(raw_id)?;
    if !may(staff.0.role, kind) {
        return Err(forbidden(kind));
    }
    let key = idempotency_key(headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per action)".into())
    })?;
    let expected_version = if_match(headers)?;
    let scope = staff.scope();
    let action = StaffAction {
        fingerprint: fingerprint(kind, id, request),
        staff: staff.0,
        scope,
        key,
        case_id: id,
        expected_version,
        body,
    };
    let outcome =
        state
            .store
            .act(action, state.now())
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::NotFound(_) => ApiError::NotFound("no such case in your scope"),
                other => other,
            })?;
    let answer: ActionResponse = outcome.value;
    tracing::info!(
        case = answer.case_id,
        seq = answer.seq,
        kind = kind.as_str(),
        replayed = outcome.replayed,
        "case action"
    );
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        etag(answer.version),
        Json(answer),
    ))
}

/// Actions whose body, if any, must be empty: a stray field is a client bug worth hearing about.
fn no_fields(
    body: &serde_json::Map<String, serde_json::Value>,
    verb: &str,
) -> Result<(), ApiError> {
    if body.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Malformed(format!("{verb} takes no body fields")))
    }
}

pub async fn ack(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJson(req): OptionalJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<impl IntoResponse, ApiError> {
    no_fields(&req, "acknowledge")?;
    act(&state, staff, &headers, &id, &(), ActionBody::Acknowledge).await
}

pub async fn assign(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AssignRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let body = ActionBody::Assign {
        lawyer_id: req.lawyer_id,
    };
    act(&state, staff, &headers, &id, &req, body).await
}

pub async fn checkpoint(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CheckpointRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let valid = checkpoint::checkpoint(&req, state.now())?;
    act(
        &state,
        staff,
        &headers,
        &id,
        &req,
        ActionBody::Checkpoint(valid),
    )
    .await
}

pub async fn note(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NoteRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let text = checkpoint::note("text", &req.text, true)?;
    act(&state, staff, &headers, &id, &req, ActionBody::Note(text)).await
}

pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CloseRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let note = checkpoint::note("note", &req.note, true)?;
    let body = ActionBody::Close {
        outcome: req.outcome,
        note,
    };
    act(&state, staff, &headers, &id, &req, body).await
}

pub async fn reopen(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ReopenRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = checkpoint::note("reason", &req.reason, true)?;
    act(
        &state,
        staff,
        &headers,
        &id,
        &req,
        ActionBody::Reopen { reason },
    )
    .await
}

pub async fn transfer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<impl IntoResponse, ApiError> {
    if !state.consulates.iter().any(|c| c.id == req.to_consulate) {
        return Err(ApiError::Unprocessable(
            "to_consulate: not a known consulate id; see GET /v1/consulates".into(),
        ));
    }
    let reason = checkpoint::note("reason", &req.reason, true)?;
    let body = ActionBody::Transfer {
        to_consulate: req.to_consulate.clone(),
        reason,
    };
    act(&state, staff, &headers, &id, &req, body).await
}

pub async fn accept_transfer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJson(req): OptionalJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<impl IntoResponse, ApiError> {
    no_fields(&req, "accept_transfer")?;
    act(
        &state,
        staff,
        &headers,
        &id,
        &(),
        ActionBody::AcceptTransfer,
    )
    .await
}

/// `GET /v1/lawyers`: the roster with each lawyer's open cases, for the assign picker.
pub async fn lawyers(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<LawyerInfo>>, ApiError> {
    if !may_see_roster(staff.0.role) {
        return Err(ApiError::Forbidden(
            "your role does not see the lawyers' roster",
        ));
    }
    Ok(Json(state.store.lawyers().await?))
}

/// `POST /v1/staff` (admins): adds a staff member and shows their token once.
pub async fn add_staff(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiJson(req): ApiJson<NewStaff>,
) -> Result<impl IntoResponse, ApiError> {
    if staff.0.role != Role::Admin {
        return Err(ApiError::Forbidden("only admins manage staff"));
    }
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per request)".into())
    })?;
    let ids: Vec<&str> = state.consulates.iter().map(|c| c.id.as_str()).collect();
    let new = req.clone().validate(&ids)?;
    let print = hex::encode(Sha256::digest(
        serde_json::to_string(&req).unwrap_or_default().as_bytes(),
    ));
    let token = new_token(STAFF_PREFIX);
    let outcome = state
        .store
        .add_staff(
            new,
            hash_token(&token),
            Some((staff.0.id, key, print)),
            state.now(),
        )
        .await?;
    tracing::info!(
        staff = outcome.value,
        replayed = outcome.replayed,
        "staff added"
    );
    Ok((
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(StaffCreated {
            id: outcome.value,
            token,
        }),
    ))
}

/// `POST /v1/intake`: an officer raises an alert for someone who phoned the call center.
pub async fn intake(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiJson(req): ApiJson<IntakeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    if !matches!(staff.0.role, Role::Officer | Role::Supervisor) {
        return Err(ApiError::Forbidden(
            "only officers and supervisors take calls",
        ));
    }
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per call)".into())
    })?;
    let valid = crate::domain::intake::validate(&req)?;
    let located = match (&valid.coordinates, &valid.place) {
        (Some((lat, lon)), _) => Some(Whereabouts::Located(
            Point {
                lat: *lat,
                lon: *lon,
            },
            None,
        )),
        (None, Some(place)) => match crate::config::places().lookup(place) {
            Lookup::Found(p) => Some(Whereabouts::Located(p.point, Some(p.label()))),
            Lookup::Ambiguous(_) | Lookup::NotFound => None,
        },
        (None, None) => None,
    };
    // Not located: the case stays with the officer's consulate, the place kept as text.
    let whereabouts = match (located, &staff.0.consulate) {
        (Some(w), _) => w,
        (None, Some(c)) => Whereabouts::Unknown {
            consulate: c.clone(),
        },
        (None, None) => {
            return Err(ApiError::Unprocessable(
                "place: not found in the gazetteer; give lat and lon (a national supervisor has \
                 no consulate to keep the case with)"
                    .into(),
            ));
        }
    };
    let job = IntakeJob {
        fingerprint: hex::encode(Sha256::digest(
            serde_json::to_string(&req).unwrap_or_default().as_bytes(),
        )),
        staff: staff.0,
        key,
        request: valid,
        whereabouts,
        notify: state.notify.enabled(),
    };
    let outcome = state
        .store
        .intake(job, state.consulates.clone(), state.now())
        .await?;
    tracing::info!(
        case = outcome.value.case_id,
        consulate = %outcome.value.consulate,
        replayed = outcome.replayed,
        "phone intake"
    );
    Ok((
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(outcome.value),
    ))
}
