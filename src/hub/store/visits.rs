//! Visit rounds: visits planned ahead, visits logged (carrying a plan out when they name one),
//! and the open cases placed at a facility for the matching. Each write is one writer job on
//! the helpers in `protection.rs`.

use super::db::params;
use super::{Store, StoreError};
use crate::domain::case::Case;
use crate::domain::visit::{PlannedVisit, Visit};
use chrono::NaiveDate;

impl Store {
    /// Planned visits still to be made, of one consulate or all, up to `until` (those whose day
    /// has passed included: a visit planned and not logged is something to see), soonest first.
    pub async fn planned_visits(
        &self,
        consulate: Option<String>,
        until: NaiveDate,
    ) -> Result<Vec<PlannedVisit>, StoreError> {
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM visit_plans
                  WHERE status = 'planned' AND planned_on <= ?2
                    AND (CAST(?1 AS TEXT) IS NULL OR consulate = ?1)
                  ORDER BY planned_on, id LIMIT 500",
                params![consulate, until.to_string()],
                |r| r.get::<String>(0),
            )?;
            rows.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
        })
        .await
    }

    /// Visits, newest first: at one facility, or of one consulate, or all; at most `limit`.
    pub async fn visits(
        &self,
        facility: Option<String>,
        consulate: Option<String>,
        limit: usize,
    ) -> Result<Vec<Visit>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM visits
                  WHERE (CAST(?1 AS TEXT) IS NULL OR facility = ?1)
                    AND (CAST(?2 AS TEXT) IS NULL OR consulate = ?2)
                  ORDER BY visited_on DESC, id DESC LIMIT ?3",
                params![facility, consulate, limit as i64],
                |r| r.get::<String>(0),
            )?;
            rows.iter()
                .map(|b| {
                    let mut visit: Visit = serde_json::from_str(b)?;
                    super::visit_seal::open(&vault, &mut visit)?;
                    Ok(visit)
                })
                .collect()
        })
        .await
    }

    /// The open cases placed at a facility, whole (their A-numbers are sealed with them).
    pub async fn placed_at(&self, facility: String) -> Result<Vec<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let mut out = Vec::new();
            tx.query_each(
                "SELECT c.state, c.sealed FROM placements p JOIN cases c ON c.id = p.case_id
                  WHERE p.facility = ?1 AND c.status <> 'closed' ORDER BY c.id",
                [facility.as_str()],
                |row| -> Result<(), StoreError> {
                    out.push(super::personal::case_at(&vault, row, 0)?);
                    Ok(())
                },
            )?;
            Ok(out)
        })
        .await
    }
}
