//! What the consulates' protection lists share over HTTP: whose list a request is about (one rule,
//! from the domain's permission table), the queries that name a consulate and a moment, and a
//! consulate's time zone. The lists themselves are by resource: `facilities.rs`, `visits.rs`,
//! `incidents.rs`, `duty.rs`, `reports.rs`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::hub::auth::Staff;
use crate::hub::error::ApiError;
use crate::hub::state::AppState;

/// The consulate a request is about: a consulate's staff get their own (asking for another is
/// refused); national supervisors get what they ask for (`None`: all). Who may read which list
/// is the domain's permission table (`may_read_work`), not a rule of this file.
pub(super) fn consulate_of(
    staff: &Staff,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    use crate::domain::command::{Relation, may_read_work, work_relation};
    let me = &staff.0;
    let target = asked.clone().or_else(|| me.consulate.clone());
    let relation = target
        .as_deref()
        .map_or(Relation::National, |c| work_relation(c, me));
    if !may_read_work(me.role, Relation::National)
        && !may_read_work(me.role, Relation::OwnConsulate)
    {
        return Err(ApiError::Forbidden(
            "only consular officers and supervisors see the consulates' protection lists",
        ));
    }
    if !may_read_work(me.role, relation) {
        return Err(ApiError::Forbidden(
            "you see your own consulate's lists only",
        ));
    }
    Ok(target)
}

#[derive(Debug, Deserialize)]
pub struct ConsulateQuery {
    pub consulate: Option<String>,
    /// When (default now): the roster's moment.
    pub at: Option<DateTime<Utc>>,
}

/// A query's `at`, within the years the hub takes, or now.
pub(super) fn at_or_now(
    state: &AppState,
    at: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, ApiError> {
    match at {
        Some(t) => Ok(crate::domain::time::time_in_range("at", t)?),
        None => Ok(state.now()),
    }
}

#[derive(Debug, Deserialize)]
pub struct SinceQuery {
    /// Incidents with activity since (default: the last 7 days).
    pub since: Option<DateTime<Utc>>,
}

pub(super) fn zone(state: &AppState, consulate: &str) -> chrono_tz::Tz {
    state
        .consulates
        .iter()
        .find(|c| c.id == consulate)
        .map_or(chrono_tz::UTC, |c| c.zone())
}
