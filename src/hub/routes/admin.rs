//! The admin API: take back credentials. `POST /v1/admin/staff/{id}/disable|enable|rotate` and
//! `POST /v1/admin/devices/{id}/revoke`, for admins. Every change is an event in the log with the
//! admin as its actor; streams of the staff member end within seconds (`hub::roster`).
//!
//! The admin administers and reads nothing: a rotation through the API withdraws the token and
//! returns no new one (it would be another person's, to use); the new one is issued on the
//! server, `guardia admin staff rotate ID`. Another admin's or a national supervisor's access is
//! changed only there (`domain::roles`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::domain::event::Actor;
use crate::domain::staff::Role;
use crate::hub::auth::{STAFF_PREFIX, Staff, hash_token, new_token};
use crate::hub::error::ApiError;
use crate::hub::state::AppState;
use crate::hub::store::StoreError;

fn admin(staff: &Staff) -> Result<Actor, ApiError> {
    if staff.0.role != Role::Admin {
        return Err(ApiError::Forbidden("only admins manage staff and devices"));
    }
    Ok(Actor::Staff {
        id: staff.0.id,
        name: staff.0.name.clone(),
        role: staff.0.role,
    })
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Malformed("the id must be a number".into()))
}

fn not_found(e: StoreError, what: &'static str) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// `POST /v1/admin/staff/{id}/{disable|enable|rotate}`.
pub async fn staff_action(
    State(state): State<AppState>,
    staff: Staff,
    Path((raw, action)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = admin(&staff)?;
    let id = id_of(&raw)?;
    let now = state.now();
    match action.as_str() {
        "disable" | "enable" => {
            let disable = action == "disable";
            let changed = state
                .store
                .set_staff_disabled(id, disable, actor, true, now)
                .await
                .map_err(|e| not_found(e, "no such staff member"))?;
            tracing::info!(staff = id, disable, changed, "staff access changed");
            Ok((
                StatusCode::OK,
                Json(json!({ "id": id, "changed": changed })),
            ))
        }
        "rotate" => {
            // A token nobody is shown: the old one stops, and the person gets a new one from
            // whoever holds the server's shell.
            let unseen = new_token(STAFF_PREFIX);
            state
                .store
                .rotate_staff_token(id, hash_token(&unseen), actor, true, now)
                .await
                .map_err(|e| not_found(e, "no such staff member"))?;
            tracing::info!(staff = id, "staff token withdrawn");
            Ok((
                StatusCode::OK,
                Json(json!({
                    "id": id,
                    "changed": true,
                    "next": "the new token is issued on the server: guardia admin staff rotate ID",
                })),
            ))
        }
        _ => Err(ApiError::NotFound("no such admin action; see docs/api.md")),
    }
}

/// `POST /v1/admin/devices/{id}/revoke`: the device's token stops working at once.
pub async fn revoke_device(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let actor = admin(&staff)?;
    let id = id_of(&raw)?;
    let changed = state
        .store
        .revoke_device(id, actor, state.now())
        .await
        .map_err(|e| not_found(e, "no such device"))?;
    state.devices.forget(id);
    tracing::info!(registrant = id, changed, "device revoked");
    Ok(Json(json!({ "id": id, "changed": changed })))
}
