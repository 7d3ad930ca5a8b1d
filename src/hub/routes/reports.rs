//! What the next shift inherits (the handover) and the headquarters figures, over HTTP.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

use super::lists::{ConsulateQuery, at_or_now, consulate_of, zone};
use crate::domain::handover;
use crate::domain::roster::Shift;
use crate::domain::staff::Scope;
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

/// `GET /v1/handover?consulate=&at=`: what the next shift inherits.
pub async fn handover(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ConsulateQuery>,
) -> Result<Json<handover::Handover>, ApiError> {
    let consulate = consulate_of(&staff, q.consulate)?
        .ok_or_else(|| ApiError::Malformed("name the consulate: ?consulate=<id>".into()))?;
    let at = at_or_now(&state, q.at)?;
    let (_, cases) = state
        .store
        .snapshot(
            Scope::Consulate(consulate.clone()),
            crate::hub::store::CaseList {
                consulate: None,
                status: None,
                closed_since: None,
                after: 0,
                limit: usize::MAX,
            },
        )
        .await?;
    let shifts: Vec<Shift> = state
        .store
        .shifts(Some(consulate.clone()))
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    Ok(Json(handover::handover(
        &consulate,
        zone(&state, &consulate),
        &cases,
        &shifts,
        at,
    )))
}

#[derive(Debug, Deserialize)]
pub struct FiguresQuery {
    from: NaiveDate,
    to: NaiveDate,
    consulate: Option<String>,
}

/// `GET /v1/reports/figures?from=&to=&consulate=`: supervisors only.
pub async fn figures(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> Result<Json<crate::domain::figures::Figures>, ApiError> {
    if !crate::domain::command::may_read_figures(staff.0.role) {
        return Err(ApiError::Forbidden("only supervisors read the figures"));
    }
    let consulate = consulate_of(&staff, q.consulate)?;
    crate::domain::time::date_in_range("from", q.from)?;
    crate::domain::time::date_in_range("to", q.to)?;
    if q.to < q.from || (q.to - q.from).num_days() > 3660 {
        return Err(ApiError::Malformed(
            "to must not be before from, and the period at most ten years".into(),
        ));
    }
    let period = crate::domain::figures::Period {
        from: q.from,
        to: q.to,
        consulate,
    };
    Ok(Json(state.store.figures(period).await?))
}
