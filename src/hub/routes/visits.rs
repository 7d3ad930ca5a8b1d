//! Visit rounds over HTTP: plans, logged visits, and a facility's rounds matched against the
//! open cases placed there. Officers and supervisors, for their own consulate (national
//! supervisors for the district a facility lies in). Thin: checks in `domain::visit`, the write
//! in the store.

use axum::Json;
use axum::extract::{Path, State};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::facilities::{FacilityView, registry, view};
use super::lists::{ConsulateQuery, consulate_of};
use crate::domain::visit::{self, Findings, PlacedCase, PlannedVisit, Visit};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PlansQuery {
    consulate: Option<String>,
    /// How many days ahead (default 14, at most a year).
    days: Option<i64>,
}

/// `GET /v1/visits/plans?consulate=&days=`: visits still to be made, overdue ones first.
pub async fn planned_visits(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<PlansQuery>,
) -> Result<Json<Vec<PlannedVisit>>, ApiError> {
    let consulate = consulate_of(&staff, q.consulate)?;
    let days = q.days.unwrap_or(14).clamp(0, visit::PLAN_AHEAD_DAYS);
    let until = (state.now() + Duration::days(days)).date_naive();
    Ok(Json(state.store.planned_visits(consulate, until).await?))
}

/// `GET /v1/visits?consulate=`: recent visits.
pub async fn visits(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<ConsulateQuery>,
) -> Result<Json<Vec<Visit>>, ApiError> {
    let consulate = consulate_of(&staff, q.consulate)?;
    let mut visits = state.store.visits(None, consulate, 200).await?;
    for v in &mut visits {
        for_reader(&staff, v);
    }
    Ok(Json(visits))
}

/// A-numbers and what interviews said are for the visit's own consulate: a national supervisor
/// reads the visit without them (as their streams carry no A-number).
fn for_reader(staff: &Staff, visit: &mut Visit) {
    if staff.0.consulate.as_deref() != Some(visit.consulate.as_str()) {
        visit.withhold_people();
    }
}

/// A facility's visits and what they say against the open cases placed there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FacilityRound {
    pub facility: FacilityView,
    pub visits: Vec<Visit>,
    pub findings: Findings,
}

/// `GET /v1/facilities/{code}/visits`: the facility's rounds and the matching.
pub async fn facility_round(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<FacilityRound>, ApiError> {
    let consulate = consulate_of(&staff, None)?;
    let r = registry(&state).await?;
    let f = r
        .get(&code)
        .ok_or(ApiError::NotFound(
            "no facility with this code in the registry",
        ))?
        .clone();
    let visits = state
        .store
        .visits(Some(f.code.clone()), consulate.clone(), 50)
        .await?;
    let scope = staff.scope();
    let placed: Vec<PlacedCase> = state
        .store
        .placed_at(f.code.clone())
        .await?
        .into_iter()
        .filter(|c| scope.allows(&c.consulate, c.also_consulate(), c.assigned_lawyer))
        .map(|c| PlacedCase {
            case_id: c.id,
            a_number: c.a_number().map(String::from),
            placed_on: crate::domain::deadline::placement(&c)
                .map_or(c.received_at, |p| p.happened_at)
                .date_naive(),
        })
        .collect();
    let mut findings = visit::findings(&visits, &placed);
    let mut visits = visits;
    for v in &mut visits {
        for_reader(&staff, v);
    }
    if staff.0.consulate.is_none() {
        // The people seen with no case: how many, not who.
        findings.seen_without_case = findings
            .seen_without_case
            .iter()
            .map(|a| format!("•••••{}", &a[a.len().saturating_sub(4)..]))
            .collect();
    }
    Ok(Json(FacilityRound {
        facility: view(&state, &f, None),
        visits,
        findings,
    }))
}
