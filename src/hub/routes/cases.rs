use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::api::{AccessEntry, CasesResponse, Found, Me};
use crate::domain::case::{Case, CaseStatus};
use crate::domain::command::{may_read, may_see_access, relation};
use crate::domain::event::ReadPurpose;
use crate::domain::privacy::{self, Reader};
use crate::domain::search::Needle;
use crate::domain::staff::Scope;
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;
use crate::hub::store::CaseList;
use crate::hub::store::access::console_name;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    consulate: Option<String>,
    status: Option<CaseStatus>,
    /// Closed cases are left out unless asked for: by `status=closed`, or closed since this
    /// time (RFC 3339).
    closed_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The page after this case id.
    #[serde(default)]
    after: u64,
    /// Cases per page: at most [`MAX_PAGE`], [`PAGE`] by default.
    limit: Option<usize>,
}

/// Cases per page by default, and at most. A consulate in a raid holds a few hundred open
/// cases: one page; the whole network's history is thousands, in pages.
const PAGE: usize = 500;
const MAX_PAGE: usize = 2_000;

/// `GET /v1/cases`: the cases the caller may see, and the `seq` to stream from.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<CasesQuery>,
) -> Result<Json<CasesResponse>, ApiError> {
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
    // The log's positions and case ids are SQLite integers: larger values name nothing.
    if query.after > i64::MAX as u64 {
        return Err(ApiError::Unprocessable("after is past any case id".into()));
    }
    let limit = query.limit.unwrap_or(PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::Unprocessable(format!(
            "limit must be from 1 to {MAX_PAGE}"
        )));
    }
    let list = CaseList {
        consulate: query.consulate,
        status: query.status,
        closed_since: query
            .closed_since
            .map(|t| crate::domain::time::time_in_range("closed_since", t))
            .transpose()?,
        after: query.after,
        limit,
    };
    let (seq, cases) = state.store.snapshot(scope.clone(), list).await?;
    // A queue row's worth of each case: the rest comes with `GET /v1/cases/{id}`, recorded.
    let cases: Vec<Case> = cases
        .into_iter()
        .map(|c| {
            let reader = Reader::of(&scope, &c.consulate);
            privacy::case_for(c, reader)
        })
        .collect();
    let next_after = (cases.len() >= limit)
        .then(|| cases.last().map(|c| c.id))
        .flatten();
    Ok(Json(CasesResponse {
        seq,
        cases,
        next_after,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Why it is read: `view` (the default), `export` or `verify`; recorded with the read.
    #[serde(default)]
    purpose: Option<ReadPurpose>,
    /// The case as it stood after this event (checking an export made then).
    #[serde(default)]
    as_of: Option<u64>,
}

/// The console or tool a request says it comes from (`Guardia-Console`), cleaned.
fn console_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("guardia-console")
        .and_then(|v| v.to_str().ok())
        .and_then(console_name)
}

/// The case `id` if `staff` may read it now (404 otherwise, not 403, so that case numbers
/// outside one's scope reveal nothing). Checked on the stored projection: an outsider costs a
/// row, not a fold.
async fn readable(state: &AppState, staff: &Staff, id: u64) -> Result<Case, ApiError> {
    state
        .store
        .case(id)
        .await?
        .filter(|c| may_read(relation(c, &staff.0)))
        .ok_or(ApiError::NotFound("no such case in your scope"))
}

/// `GET /v1/cases/{id}`: one case whole, its personal data included, for whoever may read it.
/// The read is recorded in the log before the answer is sent; the answer says where
/// (`Guardia-Read`) and carries the seal of the case's last event (`Guardia-Seal: seq link`),
/// which an export prints so it can be checked later.
pub async fn one(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<CaseQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let id = super::casework::case_id(&id)?;
    if query.as_of.is_some_and(|s| s > i64::MAX as u64) {
        return Err(ApiError::Unprocessable("as_of is past any seq".into()));
    }
    let stored = readable(&state, &staff, id).await?;
    state
        .limits
        .case_read(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let mut case: Case = state
        .store
        .case_whole(id, query.as_of)
        .await?
        .ok_or(ApiError::NotFound("no such case in your scope"))?;
    // Decisions are checked against the stored version: answer with that one (a case from
    // before versions skipped deliveries counted them, and its fold would not match).
    if case.last_seq == stored.last_seq {
        case.version = stored.version;
    }
    let case = privacy::opened_by(case, Reader::of(&staff.scope(), &stored.consulate));
    let purpose = query.purpose.unwrap_or(ReadPurpose::View);
    let read = state
        .store
        .record_read(
            staff.actor(),
            id,
            purpose,
            console_of(&headers),
            state.now(),
        )
        .await?;
    let link = state
        .store
        .link_at(case.last_seq)
        .await?
        .unwrap_or_default();
    let seal = format!("{} {}", case.last_seq, hex::encode(link));
    let headers = [
        (
            HeaderName::from_static("guardia-read"),
            HeaderValue::from(read),
        ),
        (
            HeaderName::from_static("guardia-seal"),
            HeaderValue::from_str(&seal).unwrap_or(HeaderValue::from_static("")),
        ),
    ];
    // The ETag is the version to send back as If-Match.
    Ok((super::casework::etag(case.version), headers, Json(case)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessQuery {
    /// Only the reads recorded up to this `seq` (an export's list, checked later).
    #[serde(default)]
    upto: Option<u64>,
}

/// `GET /v1/cases/{id}/access`: who read the case, when, from which console. For the case's
/// own consulate and national supervisors; a lawyer may read the case, not this list.
pub async fn access(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    let id = super::casework::case_id(&id)?;
    if query.upto.is_some_and(|s| s > i64::MAX as u64) {
        return Err(ApiError::Unprocessable("upto is past any seq".into()));
    }
    let case = readable(&state, &staff, id).await?;
    if !may_see_access(relation(&case, &staff.0)) {
        return Err(ApiError::Forbidden(
            "only the case's consulate and national supervisors see who read it",
        ));
    }
    Ok(Json(state.store.case_access(id, query.upto).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindQuery {
    q: String,
}

/// `GET /v1/cases/find?q=`: the cases in the caller's scope whose person a whole phone number or
/// matrícula names (a relative calling with it): what queue rows do not carry. Names, places and
/// the rest are in the rows, and the console searches those itself.
/// Answers ids only, and is limited like the intake look-up: a stolen token must not walk
/// the registry by phone number.
pub async fn find(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<FindQuery>,
) -> Result<Json<Found>, ApiError> {
    let needle = Needle::new(&query.q);
    if needle.is_empty() || query.q.chars().count() > 64 {
        return Err(ApiError::Unprocessable(
            "q must be 1 to 64 characters".into(),
        ));
    }
    let scope = staff.scope();
    match scope {
        Scope::Nothing => return Err(ApiError::Forbidden("this role does not see cases")),
        // Their rows carry initials: a search by name or number would say whose case it is
        // without the read being recorded. They open a case to see its person.
        Scope::All => {
            return Err(ApiError::Forbidden(
                "national supervisors find a case by its number, then open it",
            ));
        }
        _ => {}
    }
    state
        .limits
        .lookup(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    // Open cases and those closed in the last day, as the console holds them.
    let list = CaseList {
        consulate: None,
        status: None,
        closed_since: Some(state.now() - chrono::Duration::hours(24)),
        after: 0,
        limit: usize::MAX,
    };
    let (_, cases) = state.store.snapshot(scope.clone(), list).await?;
    // Only what the reader would see on opening the case: a lawyer does not search the
    // relatives' numbers the consulate keeps.
    let found: Vec<u64> = cases
        .iter()
        .filter(|c| {
            let owner = Reader::of(&scope, &c.consulate) == Reader::Owner;
            needle.names_person(c, owner)
        })
        .map(|c| c.id)
        .collect();
    // Who searched and how many were found: never what was typed.
    tracing::info!(staff = staff.0.id, found = found.len(), "cases searched");
    Ok(Json(Found { cases: found }))
}

/// `GET /v1/me`: who this token belongs to, for the console's header.
pub async fn me(staff: Staff) -> Json<Me> {
    Json(staff.0)
}

/// `GET /v1/cases/{id}/jurisdiction`: where the person is held and what follows from it — the
/// card (county, consular district, field office, federal district, circuit, custodian), the
/// bond and habeas rules binding there, the custody clocks after a final order and the last
/// transfer's alarm. For whoever may read the case; the read is recorded, as opening it is.
pub async fn jurisdiction(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<crate::domain::jurisdiction::CaseCard>, ApiError> {
    let id = super::casework::case_id(&id)?;
    let case = readable(&state, &staff, id).await?;
    state
        .limits
        .case_read(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let registry = super::facilities::registry(&state).await?;
    let zone = crate::domain::consulate::zone_of(&state.consulates, &case.consulate);
    let today = state.now().with_timezone(&zone).date_naive();
    let card = crate::domain::jurisdiction::Jurisdictions::current().case_card(
        &case,
        &|code| registry.held(code),
        &state.consulates,
        crate::domain::jurisdiction::rules::Rules::builtin(),
        today,
    );
    state
        .store
        .record_read(
            staff.actor(),
            id,
            ReadPurpose::View,
            console_of(&headers),
            state.now(),
        )
        .await?;
    Ok(Json(card))
}
