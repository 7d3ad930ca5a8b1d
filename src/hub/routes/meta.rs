use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::domain::consulate::Consulate;
use crate::hub::auth::Caller;
use crate::hub::error::ApiError;
use crate::hub::state::AppState;

/// `GET /v1/consulates`.
pub async fn consulates(State(state): State<AppState>, _caller: Caller) -> Json<Vec<Consulate>> {
    Json(state.consulates.as_ref().clone())
}

/// `GET /healthz`: answers only when the database is readable.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let head = state.store.head_seq().await?;
    Ok(Json(json!({ "status": "ok", "seq": head })))
}
