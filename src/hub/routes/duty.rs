//! The duty roster over HTTP: a consulate's shifts, who is on duty, who can be rostered.

use axum::Json;
use axum::extract::State;

use super::lists::{ConsulateQuery, at_or_now, consulate_of, zone};
use crate::domain::roster::{DutyView, Shift};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

/// `GET /v1/duty?consulate=`.
pub async fn duty(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ConsulateQuery>,
) -> Result<Json<DutyView>, ApiError> {
    let consulate = consulate_of(&staff, q.consulate)?
        .ok_or_else(|| ApiError::Malformed("name the consulate: ?consulate=<id>".into()))?;
    let shifts = state.store.shifts(Some(consulate.clone())).await?;
    let plain: Vec<Shift> = shifts.iter().map(|(_, s)| s.clone()).collect();
    let on_duty =
        crate::domain::roster::on_duty(&plain, zone(&state, &consulate), at_or_now(&state, q.at)?);
    let staff = state.store.rostered_staff(consulate).await?;
    Ok(Json(DutyView {
        shifts,
        on_duty,
        staff,
    }))
}
