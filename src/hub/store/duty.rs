//! The duty roster: shifts a supervisor sets and takes off, and who is on duty at a moment (for
//! escalations, which name them).

use super::{Store, StoreError, WriteCtx};
use crate::domain::roster::Shift;
use chrono::{DateTime, Utc};

/// Staff on duty at `consulate` at `at`, by the roster.
pub(super) fn on_duty(
    ctx: &WriteCtx<'_>,
    consulate: &str,
    tz: chrono_tz::Tz,
    at: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let rows = ctx.conn().query_map(
        "SELECT body FROM duty WHERE consulate = ?1 AND removed = 0",
        [consulate],
        |r| r.get::<String>(0),
    )?;
    let shifts = rows
        .iter()
        .map(|b| serde_json::from_str(b))
        .collect::<Result<Vec<Shift>, _>>()?;
    Ok(crate::domain::roster::on_duty(&shifts, tz, at)
        .into_iter()
        .map(|p| p.0)
        .collect())
}

impl Store {
    /// The officers and supervisors of a consulate who can be put on its roster (id, name).
    pub async fn rostered_staff(
        &self,
        consulate: String,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        self.read(move |tx| {
            Ok(tx.query_map(
                "SELECT id, name FROM staff WHERE disabled = 0 AND consulate = ?1
                    AND role IN ('officer', 'supervisor') ORDER BY name, id",
                [consulate],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
            )?)
        })
        .await
    }

    /// A consulate's roster (every consulate's for `None`), with each shift's id.
    pub async fn shifts(&self, consulate: Option<String>) -> Result<Vec<(u64, Shift)>, StoreError> {
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT id, body FROM duty WHERE removed = 0
                    AND (CAST(?1 AS TEXT) IS NULL OR consulate = ?1) ORDER BY id",
                [consulate],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
            )?;
            rows.into_iter()
                .map(|(id, b)| Ok((id as u64, serde_json::from_str(&b)?)))
                .collect()
        })
        .await
    }
}
