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
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{idempotency_key, replay_header};
use crate::domain::facility::{self, Facility, FacilityRequest, Registry};
use crate::domain::geo::Point;
use crate::domain::handover;
use crate::domain::incident::{self, IncidentView};
use crate::domain::roster::{DutyView, Shift, ShiftRequest};
use crate::domain::staff::{Role, Scope};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::{ApiQuery, RawJson, parse_body};
use crate::hub::state::AppState;
use crate::hub::store::{Idem, IncidentWrite, Recorded};

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

fn supervisor(staff: &Staff) -> Result<(), ApiError> {
    if staff.0.role != Role::Supervisor {
        return Err(ApiError::Forbidden("only supervisors may do this"));
    }
    Ok(())
}

/// The idempotency of a write: the key (required) and the body's digest.
pub(super) fn idem(staff: &Staff, headers: &HeaderMap, body: &[u8]) -> Result<Idem, ApiError> {
    let key = idempotency_key(headers)?.ok_or_else(|| {
        ApiError::Malformed("send an Idempotency-Key header (a fresh UUID per request)".into())
    })?;
    Ok(Idem {
        staff: staff.0.clone(),
        key,
        fingerprint: hex::encode(Sha256::digest(body)),
    })
}

pub(super) fn created(outcome: crate::hub::store::Outcome<Recorded>) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        replay_header(outcome.replayed),
        Json(outcome.value),
    )
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

/// `POST /v1/facilities`: add a facility or correct one (same code).
pub async fn record_facility(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawJson(body): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    if !matches!(staff.0.role, Role::Officer | Role::Supervisor) {
        return Err(ApiError::Forbidden(
            "consular officers and supervisors keep the facilities registry",
        ));
    }
    let req: FacilityRequest = parse_body(&body)?;
    let f = facility::validate(&req)?;
    let idem = idem(&staff, &headers, &body)?;
    let outcome = state.store.record_facility(idem, f, state.now()).await?;
    Ok(created(outcome))
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    #[serde(default)]
    cases: Vec<u64>,
    #[serde(default)]
    name: String,
}

fn incident_name(name: &str) -> Result<String, ApiError> {
    if name.trim().is_empty() {
        return Ok(String::new());
    }
    Ok(crate::domain::validate::text("name", name, 120)?)
}

/// `POST /v1/incidents`: group cases by hand into a new incident; `{id}/name` names one;
/// `{id}/cases` adds cases to one.
pub async fn open_incident(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawJson(body): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    supervisor(&staff)?;
    let req: IncidentRequest = parse_body(&body)?;
    if req.cases.is_empty() || req.cases.len() > incident::MAX_CASES {
        return Err(crate::domain::validate::err(
            "cases",
            crate::domain::validate::FieldCode::Required,
            format!("must list 1 to {} cases", incident::MAX_CASES),
        )
        .into());
    }
    let write = IncidentWrite::Open {
        cases: req.cases,
        name: incident_name(&req.name)?,
    };
    let idem = idem(&staff, &headers, &body)?;
    Ok(created(
        state
            .store
            .record_incident(idem, write, state.now())
            .await?,
    ))
}

pub async fn change_incident(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((id, what)): Path<(u64, String)>,
    RawJson(body): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    supervisor(&staff)?;
    let req: IncidentRequest = parse_body(&body)?;
    let write = match what.as_str() {
        "name" => IncidentWrite::Name {
            id,
            name: crate::domain::validate::text("name", &req.name, 120)?,
        },
        "cases" if !req.cases.is_empty() && req.cases.len() <= incident::MAX_CASES => {
            IncidentWrite::Add {
                id,
                cases: req.cases,
            }
        }
        "cases" => {
            return Err(ApiError::Malformed(format!(
                "cases must list 1 to {} cases",
                incident::MAX_CASES
            )));
        }
        _ => return Err(ApiError::NotFound("no such endpoint; see docs/api.md")),
    };
    let idem = idem(&staff, &headers, &body)?;
    Ok(created(
        state
            .store
            .record_incident(idem, write, state.now())
            .await?,
    ))
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyRequest {
    #[serde(default)]
    consulate: Option<String>,
    #[serde(flatten)]
    shift: ShiftRequest,
}

/// `POST /v1/duty`: a supervisor sets a shift (a rotation or an override).
pub async fn set_duty(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    RawJson(body): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    supervisor(&staff)?;
    let req: DutyRequest = parse_body(&body)?;
    let consulate = consulate_of(&staff, req.consulate.clone())?
        .ok_or_else(|| ApiError::Malformed("name the consulate".into()))?;
    if !state.consulates.iter().any(|c| c.id == consulate) {
        return Err(ApiError::Malformed(
            "no such consulate; see GET /v1/consulates".into(),
        ));
    }
    let when = crate::domain::roster::validate(&req.shift)?;
    let shift = Shift {
        consulate,
        staff_id: req.shift.staff_id,
        name: String::new(),
        when,
    };
    let idem = idem(&staff, &headers, &body)?;
    let outcome = state
        .store
        .record_duty(idem, 0, Some(shift), state.now())
        .await?;
    Ok(created(outcome))
}

/// `POST /v1/duty/{id}/remove`.
pub async fn remove_duty(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<u64>,
    RawJson(body): RawJson,
) -> Result<impl IntoResponse, ApiError> {
    supervisor(&staff)?;
    if id == 0 {
        // 0 means "a new shift" to the store: there is none to remove.
        return Err(ApiError::NotFound("no shift with this id on your roster"));
    }
    let idem = idem(&staff, &headers, &body)?;
    Ok(created(
        state.store.record_duty(idem, id, None, state.now()).await?,
    ))
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
    supervisor(&staff)?;
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
