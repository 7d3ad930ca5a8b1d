//! Raids as incidents over HTTP: those touching the caller's consulate, with running counts.

use axum::Json;
use axum::extract::State;
use chrono::Duration;

use super::lists::{SinceQuery, consulate_of};
use crate::domain::incident::IncidentView;
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

/// `GET /v1/incidents?since=`: incidents touching the caller's consulate, with running counts.
pub async fn incidents(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<SinceQuery>,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    consulate_of(&staff, None)?;
    let since = match q.since {
        Some(t) => crate::domain::time::time_in_range("since", t)?,
        None => state.now() - Duration::days(7),
    };
    let scope = staff.scope();
    let all = state.store.incidents(since).await?;
    let out = all
        .into_iter()
        .filter(|(_, cases)| {
            cases
                .iter()
                .any(|c| scope.allows(&c.consulate, c.also_consulate(), c.assigned_lawyer))
        })
        .map(|(incident, cases)| {
            IncidentView::for_reader(incident, &cases, |c| {
                scope.allows(&c.consulate, c.also_consulate(), c.assigned_lawyer)
            })
        })
        .collect();
    Ok(Json(out))
}
