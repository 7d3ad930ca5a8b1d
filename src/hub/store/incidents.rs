//! Raids as incidents: opened by the cluster rule (the hub's timer) or by a supervisor grouping
//! cases by hand, named, joined by more cases. Each change is an event with its projection row
//! written in the same transaction; a case belongs to one incident at most.

use super::db::OptionalExtension;
use super::writer::opened;
use super::{Store, StoreError};
use crate::domain::case::Case;
use crate::domain::incident::Incident;
use chrono::{DateTime, Utc};

impl Store {
    /// Incidents with activity since `since`, newest first, with their cases whole.
    pub async fn incidents(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Incident, Vec<Case>)>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM incidents WHERE last_at >= ?1 ORDER BY id DESC LIMIT 200",
                [super::writer::sortable_time(since)],
                |r| r.get::<String>(0),
            )?;
            let mut out = Vec::new();
            for body in rows {
                let incident: Incident = serde_json::from_str(&body)?;
                let mut cases = Vec::new();
                for id in &incident.cases {
                    let row: Option<(String, Option<String>)> = tx
                        .query_row(
                            "SELECT state, sealed FROM cases WHERE id = ?1",
                            [*id as i64],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    if let Some((state, sealed)) = row {
                        cases.push(serde_json::from_str(&opened(&vault, state, sealed)?)?);
                    }
                }
                out.push((incident, cases));
            }
            Ok(out)
        })
        .await
    }
}
