use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::api::{CasesResponse, Me};
use crate::domain::case::{Case, CaseStatus};
use crate::domain::command::{may_read, relation};
use crate::domain::staff::Scope;
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    consulate: Option<String>,
    status: Option<CaseStatus>,
}

/// `GET /v1/cases`: the cases the caller may see, and the `seq` to stream from.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<CasesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CasesResponse>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Malformed(format!("bad query: {e}")))?;
    let scope = staff.scope();
    if scope == Scope::Nothing {
        return Err(ApiError::Forbidden("this role does not see cases"));
    }
    if let (Some(asked), Scope::Consulate(own)) = (&query.consulate, &scope)
        && asked != own
    {
        return Err(ApiError::Forbidden(
            "you may only see your own consulate's cases",
        ));
    }
    if let Some(c) = &query.consulate
        && !state.consulates.iter().any(|k| &k.id == c)
    {
        return Err(ApiError::Unprocessable(format!("unknown consulate `{c}`")));
    }
    let (seq, cases) = state
        .store
        .snapshot(scope, query.consulate, query.status)
        .await?;
    Ok(Json(CasesResponse { seq, cases }))
}

/// `GET /v1/cases/{id}`: one case, if the caller may see it (otherwise 404, not 403, so that
/// case numbers outside one's scope reveal nothing).
pub async fn one(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = super::casework::case_id(&id)?;
    // The same relation the decisions use: a case is read by those it stands in a readable
    // relation to, now.
    // Checked on the stored projection first: an outsider costs a row, not a fold.
    let stored = state
        .store
        .case(id)
        .await?
        .filter(|c| may_read(relation(c, &staff.0)))
        .ok_or(ApiError::NotFound("no such case in your scope"))?;
    let mut case: Case = state
        .store
        .case_whole(id)
        .await?
        .filter(|c| may_read(relation(c, &staff.0)))
        .ok_or(ApiError::NotFound("no such case in your scope"))?;
    // Decisions are checked against the stored version: answer with that one (a case from
    // before versions skipped deliveries counted them, and its fold would not match).
    case.version = stored.version;
    // The ETag is the version to send back as If-Match.
    Ok((super::casework::etag(case.version), Json(case)))
}

/// `GET /v1/me`: who this token belongs to, for the console's header.
pub async fn me(staff: Staff) -> Json<Me> {
    Json(staff.0)
}
