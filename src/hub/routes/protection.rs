//! The protection work over HTTP: the facilities registry, visit rounds, incidents, the duty
//! roster, the shift handover and the headquarters figures. Thin: roles and scope here, checks
//! of what is sent in `domain`, the write in the store.
//!
//! Who: every staff member but admins reads the registry; officers and supervisors add to it,
//! log visits and read their consulate's visits, roster and handover; supervisors name and group
//! incidents, set the roster and read the figures. Lawyers see none of the consulates' lists.
//! A consulate's staff see their consulate's; national supervisors see all, or one by
//! `?consulate=`.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::facility::{self, Facility, Registry};
use crate::domain::geo::Point;
use crate::domain::handover;
use crate::domain::incident::{self, IncidentView};
use crate::domain::roster::{DutyView, Shift};
use crate::domain::staff::{Role, Scope};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;

/// The consulate a request is about: a consulate's staff get their own (asking for another is
/// refused); national supervisors get what they ask for (`None`: all).
pub(super) fn consulate_of(
    staff: &Staff,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    let me = &staff.0;
    if !matches!(me.role, Role::Officer | Role::Supervisor) {
        return Err(ApiError::Forbidden(
            "only consular officers and supervisors see the consulates' protection lists",
        ));
    }
    match (&me.consulate, asked) {
        (Some(own), Some(a)) if *own != a => Err(ApiError::Forbidden(
            "you see your own consulate's lists only",
        )),
        (Some(own), _) => Ok(Some(own.clone())),
        (None, asked) => Ok(asked),
    }
}

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
}

pub(super) async fn registry(state: &AppState) -> Result<Registry, ApiError> {
    let mut r = Registry::new();
    for f in state.store.recorded_facilities().await? {
        r.record(f);
    }
    Ok(r)
}

pub(super) fn view(state: &AppState, f: &Facility, km: Option<f64>) -> FacilityView {
    FacilityView {
        facility: f.clone(),
        field_office_name: facility::field_office_name(&f.field_office).to_string(),
        district: facility::district(f, &state.consulates).map(|c| c.id.clone()),
        km,
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

#[derive(Debug, Deserialize)]
pub struct ConsulateQuery {
    pub consulate: Option<String>,
    /// For the handover: when (default now).
    pub at: Option<DateTime<Utc>>,
}

/// A query's `at`, within the years the hub takes, or now.
fn at_or_now(state: &AppState, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, ApiError> {
    match at {
        Some(t) => Ok(crate::domain::time::time_in_range("at", t)?),
        None => Ok(state.now()),
    }
}

#[derive(Debug, Deserialize)]
pub struct SinceQuery {
    /// Incidents with activity since (default: the last 7 days).
    since: Option<DateTime<Utc>>,
}

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
        .map(|(incident, cases)| IncidentView {
            tally: incident::tally(&cases),
            incident,
        })
        .collect();
    Ok(Json(out))
}

fn zone(state: &AppState, consulate: &str) -> chrono_tz::Tz {
    state
        .consulates
        .iter()
        .find(|c| c.id == consulate)
        .map_or(chrono_tz::UTC, |c| c.zone())
}

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
    if staff.0.role != Role::Supervisor {
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
