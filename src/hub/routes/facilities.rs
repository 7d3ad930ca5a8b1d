//! The facilities registry over HTTP: search it, and what staff recorded over the shipped list.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::domain::facility::{self, Facility, Registry};
use crate::domain::geo::Point;
use crate::domain::staff::Role;
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

#[derive(Debug, Deserialize)]
pub struct FacilityQuery {
    #[serde(default)]
    q: String,
    /// `lat,lon`: nearest first.
    near: Option<String>,
    limit: Option<usize>,
}

/// A facility as the API shows it: with its field office's name and the consulate whose
/// district it lies in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityView {
    #[serde(flatten)]
    pub facility: Facility,
    pub field_office_name: String,
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km: Option<f64>,
    /// County, consular district, field office, federal district, circuit, custodian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<crate::domain::jurisdiction::Card>,
}

pub(super) async fn registry(state: &AppState) -> Result<Registry, ApiError> {
    let mut r = Registry::new();
    for f in state.store.recorded_facilities().await? {
        r.record(f);
    }
    Ok(r)
}

pub(super) fn view(state: &AppState, f: &Facility, km: Option<f64>) -> FacilityView {
    let card = crate::domain::jurisdiction::Jurisdictions::current()
        .held_card(&f.held(), &state.consulates);
    FacilityView {
        facility: f.clone(),
        field_office_name: facility::field_office_name(&f.field_office).to_string(),
        // The district table's consulate, the nearest where it has no row.
        district: card.consulate.clone(),
        km,
        jurisdiction: Some(card),
    }
}

fn parse_near(near: Option<&str>) -> Result<Option<Point>, ApiError> {
    let Some(v) = near else { return Ok(None) };
    let parsed = v
        .split_once(',')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some((lat, lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
            Ok(Some(Point { lat, lon }))
        }
        _ => Err(ApiError::Malformed(
            "near must be lat,lon in decimal degrees, like 34.05,-118.24".into(),
        )),
    }
}

/// `GET /v1/facilities?q=&near=lat,lon&limit=`: search the registry.
pub async fn search_facilities(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> Result<Json<Vec<FacilityView>>, ApiError> {
    if staff.0.role == Role::Admin {
        return Err(ApiError::Forbidden(
            "admins manage staff; they see no case work",
        ));
    }
    let near = parse_near(q.near.as_deref())?;
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    let r = registry(&state).await?;
    let found = r.search(&q.q, near, limit);
    Ok(Json(
        found
            .into_iter()
            .map(|f| view(&state, f.facility, f.km))
            .collect(),
    ))
}

/// `GET /v1/facilities/recorded`: what staff added or corrected (the console lays it over the
/// shipped list it carries).
pub async fn recorded_facilities(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<Facility>>, ApiError> {
    if staff.0.role == Role::Admin {
        return Err(ApiError::Forbidden(
            "admins manage staff; they see no case work",
        ));
    }
    Ok(Json(state.store.recorded_facilities().await?))
}
