//! Staff actions on cases (`POST /v1/cases/{id}/...`), the lawyers' roster and staff creation.
//!
//! Every action needs an `Idempotency-Key` (the same key again returns the first answer and
//! changes nothing) and `If-Match: "<case version>"` (a stale version gets 409 with the case as
//! it now stands). Roles are checked here; scope and state are checked in the writer, atomically.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

use super::{idempotency_key, replay_header};
use crate::api::{ActionResponse, Candidate, IntakeResponse, LawyerInfo, NewStaff, StaffCreated};
use crate::domain::command::{Act, CaseCommand, Refusal, Verb, WireError, role_may};
use crate::domain::gazetteer::Lookup;
use crate::domain::geo::Point;
use crate::domain::intake::IntakeRequest;
use crate::domain::staff::{Role, may_see_roster};
use crate::domain::validate::{FieldCode, FieldError};
use crate::hub::auth::{STAFF_PREFIX, Staff, hash_token, new_token};
use crate::hub::error::ApiError;
use crate::hub::extract::{ApiJson, ApiQuery, RawJson, parse_body};
use crate::hub::state::AppState;
use crate::hub::store::{IntakeJob, StaffAction, Whereabouts};

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

/// A digest of the request (serde_json's maps are sorted, so key order does not matter; an empty
/// object is no body).
fn fingerprint(verb: Verb, case_id: u64, body: &serde_json::Value) -> String {
    let empty = matches!(body, serde_json::Value::Object(m) if m.is_empty());
    let canonical = if empty {
        "null".to_string()
    } else {
        serde_json::to_string(body).unwrap_or_default()
    };
    hex::encode(Sha256::digest(
        format!("{}\n{case_id}\n{canonical}", verb.as_str()).as_bytes(),
    ))
}

/// `POST /v1/cases/{id}/{verb}`: every staff command on a case. Reads the headers and the body
/// into the domain's [`CaseCommand`]; the decision is made by the store, inside its write.
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path((raw_id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    RawJson(bytes): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    let verb = Verb::from_segment(&segment)
        .ok_or(ApiError::NotFound("no such case action; see docs/api.md"))?;
    let id = case_id(&raw_id)?;
    // The same table the store decides with: a role that may never do this is told at once,
    // without a write.
    if !role_may(staff.0.role, verb) {
        return Err(Refusal::RoleMayNot(Act::Case(verb)).into());
    }
    let key = idempotency_key(&headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per action)".into())
    })?;
    let expected_version = if_match(&headers)?;
    // Malformed JSON is a 400 like every body's; then the verb's own type reads it.
    let body: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        parse_body(&bytes)?
    };
    let fingerprint = fingerprint(verb, id, &body);
    let command = CaseCommand::from_wire_bytes(verb, &bytes).map_err(|e| match e {
        // Name the first field sent so the caller sees which one the verb does not take.
        WireError::UnexpectedBody(_) => {
            let field = body
                .as_object()
                .and_then(|m| m.keys().next().cloned())
                .unwrap_or_else(|| "body".into());
            ApiError::Invalid(FieldError::new(
                field,
                FieldCode::UnknownValue,
                e.to_string(),
            ))
        }
        WireError::DoesNotFit(_) => ApiError::Unprocessable(e.to_string()),
        WireError::Field(f) => ApiError::Invalid(f),
    })?;
    let action = StaffAction {
        fingerprint,
        staff: staff.0,
        key,
        case_id: id,
        expected_version,
        command,
    };
    let outcome = state
        .store
        .act(action, state.consulates.clone(), state.now())
        .await?;
    let applied = outcome.value;
    tracing::info!(
        case = applied.case_id,
        seq = applied.seq,
        verb = verb.as_str(),
        replayed = outcome.replayed,
        "case action"
    );
    Ok((
        StatusCode::OK,
        replay_header(outcome.replayed),
        etag(applied.version),
        Json(ActionResponse::from(applied)),
    ))
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

/// `POST /v1/staff` (admins): adds a staff member who reads no case and shows their token once.
/// As the roles stand none does (`domain::roles`): staff are added on the server.
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
    // Whoever holds an admin token must not be able to mint someone who reads cases (officers
    // for every consulate make a national view), or another admin: those are made on the
    // server, by someone with its shell.
    use crate::domain::roles::{Kind, made_through_api};
    if !made_through_api(Kind::of(new.role, new.consulate.as_deref())) {
        return Err(ApiError::Forbidden(
            "staff who read cases, and admins, are added on the server: guardia admin staff add",
        ));
    }
    let actor = staff.actor();
    let print = hex::encode(Sha256::digest(
        serde_json::to_string(&req).unwrap_or_default().as_bytes(),
    ));
    let token = new_token(STAFF_PREFIX);
    let outcome = state
        .store
        .add_staff(
            new,
            hash_token(&token),
            actor,
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
    if !role_may(staff.0.role, Verb::Intake) {
        return Err(Refusal::RoleMayNot(Act::Case(Verb::Intake)).into());
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
        Json(IntakeResponse::from(outcome.value)),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidatesQuery {
    phone: String,
}

/// `GET /v1/intake/candidates?phone=...`: enrolled people with the caller's number, for the
/// officer to confirm one or none. Name, birth year and the last four of the consular id only.
pub async fn candidates(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<CandidatesQuery>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    if !role_may(staff.0.role, Verb::Intake) {
        return Err(Refusal::RoleMayNot(Act::Case(Verb::Intake)).into());
    }
    state
        .limits
        .lookup(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let phone = crate::domain::validate::phone("phone", &query.phone)?;
    let who = staff.0.id;
    let list = state
        .store
        .intake_candidates(phone, staff.0, state.consulates.clone())
        .await?;
    // Who looked, and how many were found: never the number or the names.
    tracing::info!(
        staff = who,
        candidates = list.len(),
        "intake candidates looked up"
    );
    Ok(Json(list))
}
