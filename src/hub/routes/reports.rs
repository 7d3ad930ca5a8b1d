//! What the next shift inherits (the handover) and the headquarters figures, over HTTP.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

use std::collections::BTreeMap;

use super::lists::{at_or_now, consulate_of, zone};
use crate::domain::roster::Shift;
use crate::domain::staff::Scope;
use crate::domain::{backlog, handover};
use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::extract::ApiQuery;
use crate::hub::state::AppState;
use crate::hub::store::{CaseList, Opening};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverQuery {
    consulate: Option<String>,
    /// When (default now).
    at: Option<chrono::DateTime<chrono::Utc>>,
    /// Every line of every list; by default each list but duress keeps its first
    /// [`handover::KEPT`] and says how many it holds in all.
    #[serde(default)]
    all: bool,
}

/// Cases read per batch when a report walks a consulate: one read each, so a report holds one
/// batch and its tally, never the consulate's cases at once.
pub(crate) const BATCH: usize = 1_000;

/// `GET /v1/handover?consulate=&at=&all=`: what the next shift inherits.
pub async fn handover(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<HandoverQuery>,
) -> Result<Json<handover::Handover>, ApiError> {
    let consulate = consulate_of(&staff, q.consulate)?
        .ok_or_else(|| ApiError::Malformed("name the consulate: ?consulate=<id>".into()))?;
    let at = at_or_now(&state, q.at)?;
    state
        .limits
        .report(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let shifts: Vec<Shift> = state
        .store
        .shifts(Some(consulate.clone()))
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let keep = (!q.all).then_some(handover::KEPT);
    // A recent transfer's alarm, from the hub's tables and its facility registry.
    let registry = super::facilities::registry(&state).await?;
    let consulates = state.consulates.clone();
    let today = at.with_timezone(&zone(&state, &consulate)).date_naive();
    let alarm_of: handover::AlarmOf = Box::new(move |case| {
        crate::domain::jurisdiction::Jurisdictions::current()
            .case_card(
                case,
                &|code| registry.held(code),
                &consulates,
                crate::domain::jurisdiction::rules::Rules::builtin(),
                today,
            )
            .alarm
    });
    let mut fold = handover::Fold::new(&consulate, zone(&state, &consulate), &shifts, at, keep)
        .with_alarms(alarm_of);
    let mut after = 0;
    loop {
        let (_, cases) = state
            .store
            .cases_page(
                Scope::Consulate(consulate.clone()),
                CaseList {
                    consulate: None,
                    status: None,
                    closed_since: None,
                    after,
                    limit: BATCH,
                },
                Opening::ClearUnless(handover::Fold::needs_whole),
            )
            .await?;
        for case in &cases {
            fold.add(case);
        }
        match cases.last() {
            Some(last) if cases.len() == BATCH => after = last.id,
            _ => break,
        }
    }
    let mut h = fold.finish();
    // Names only for the lines kept: the walk read no one's.
    let mut names = BTreeMap::new();
    for id in h.case_ids() {
        if let Some(case) = state.store.case(id).await? {
            names.insert(id, case.registrant.name);
        }
    }
    h.name_with(&names);
    Ok(Json(h))
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
    state
        .limits
        .report(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacklogQuery {
    consent: Option<crate::domain::triage::Consent>,
    intent: Option<crate::domain::triage::Intent>,
    category: Option<crate::domain::triage::Category>,
    /// Minutes after which an unacknowledged alert is overdue (the hub's own by default).
    sla_minutes: Option<u32>,
}

/// `GET /v1/reports/backlog`: the backlog of what the caller sees, counted on the hub as it
/// walks their cases a batch at a time (closed ones too), so neither side holds the cases.
pub async fn backlog(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<BacklogQuery>,
) -> Result<Json<backlog::Backlog>, ApiError> {
    let scope = staff.scope();
    if scope == Scope::Nothing {
        return Err(ApiError::Forbidden("this role does not see cases"));
    }
    state
        .limits
        .report(staff.0.id)
        .map_err(|(wait, limit)| ApiError::TooMany(wait, limit))?;
    let sla = match q.sla_minutes {
        Some(m) if !(1..=10_080).contains(&m) => {
            return Err(ApiError::Unprocessable(
                "sla_minutes must be from 1 to 10080 (a week)".into(),
            ));
        }
        Some(m) => chrono::Duration::minutes(i64::from(m)),
        None => state.rules.sla,
    };
    let filter = backlog::TriageFilter {
        consent: q.consent,
        intent: q.intent,
        category: q.category,
    };
    // Officers and supervisors see the roster; anyone else gets the figures without it.
    let lawyers = if crate::domain::staff::may_see_roster(staff.0.role) {
        state.store.lawyers().await?
    } else {
        Vec::new()
    };
    let mut tally = backlog::Tally::new(state.now(), sla, filter, &state.consulates);
    let mut after = 0;
    loop {
        let (_, cases) = state
            .store
            .cases_page(
                scope.clone(),
                CaseList {
                    consulate: None,
                    status: None,
                    closed_since: Some(chrono::DateTime::UNIX_EPOCH),
                    after,
                    limit: BATCH,
                },
                Opening::ClearUnless(backlog::Tally::needs_whole),
            )
            .await?;
        for case in &cases {
            tally.add(case);
        }
        match cases.last() {
            Some(last) if cases.len() == BATCH => after = last.id,
            _ => break,
        }
    }
    Ok(Json(tally.finish(&lawyers)))
}
