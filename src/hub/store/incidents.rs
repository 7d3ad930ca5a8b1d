//! Raids as incidents: opened by the cluster rule (the hub's timer) or by a supervisor grouping
//! cases by hand, named, joined by more cases. Each change is an event with its projection row
//! written in the same transaction; a case belongs to one incident at most.

use super::db::{OptionalExtension, params};
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
                        cases.push(super::personal::open_case(
                            &vault,
                            &state,
                            sealed.as_deref(),
                        )?);
                    }
                }
                out.push((incident, cases));
            }
            Ok(out)
        })
        .await
    }
}

impl Store {
    /// Open cases received since `since` (the cluster rule's window), whole: the newest
    /// [`cluster::MAX_CONSIDERED`] of them at most, so a raid wave of any size costs a pass what
    /// that many cost (read through the `received_at` index, newest first).
    pub async fn recent_open(&self, since: DateTime<Utc>) -> Result<Vec<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let mut out = Vec::new();
            tx.query_each(
                "SELECT state, sealed FROM cases
                  WHERE received_at >= ?1 AND status <> 'closed'
                  ORDER BY received_at DESC LIMIT ?2",
                params![
                    super::writer::sortable_time(since),
                    crate::domain::cluster::MAX_CONSIDERED as i64
                ],
                |row| -> Result<(), StoreError> {
                    out.push(super::personal::case_at(&vault, row, 0)?);
                    Ok(())
                },
            )?;
            out.sort_by_key(|c: &Case| c.id);
            Ok(out)
        })
        .await
    }
}
