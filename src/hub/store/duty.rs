//! The duty roster: shifts a supervisor sets and takes off, and who is on duty at a moment (for
//! escalations, which name them).

use super::db::{OptionalExtension, params};
use super::protection::{Idem, Recorded, actor, mine, next_id};
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::event::{DutyChange, DutyRecorded, EventBody};
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
    /// Sets a shift on a consulate's roster (`shift_id` 0 for a new one) or takes it off.
    pub async fn record_duty(
        &self,
        idem: Idem,
        shift_id: u64,
        shift: Option<Shift>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.record_once(idem, now, move |ctx, staff| {
            let id = if shift_id == 0 {
                next_id(ctx, "duty")?
            } else {
                shift_id
            };
            let existing: Option<String> = ctx
                .query_row(
                    "SELECT consulate FROM duty WHERE id = ?1 AND removed = 0",
                    [id as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let mine = |c: &str| mine(staff, c);
            if shift_id != 0 && !existing.as_deref().is_some_and(mine) {
                return Err(StoreError::NotFound);
            }
            let mut shift = shift;
            let change = match &mut shift {
                Some(s) => {
                    if !mine(&s.consulate) {
                        return Err(StoreError::Forbidden(
                            "a supervisor sets the roster of their own consulate",
                        ));
                    }
                    let name: Option<String> = ctx
                        .query_row(
                            "SELECT name FROM staff WHERE id = ?1 AND disabled = 0
                               AND role IN ('officer', 'supervisor')
                               AND (consulate = ?2 OR consulate IS NULL)",
                            params![s.staff_id, s.consulate],
                            |r| r.get(0),
                        )
                        .optional()?;
                    s.name = name.ok_or_else(|| {
                        StoreError::Field(crate::domain::validate::err(
                            "staff_id",
                            crate::domain::validate::FieldCode::UnknownValue,
                            format!("no officer or supervisor {} at this consulate", s.staff_id),
                        ))
                    })?;
                    DutyChange::Set { shift: s.clone() }
                }
                None => DutyChange::Removed,
            };
            let seq = ctx.append_uncased(
                actor(staff),
                now,
                EventBody::DutyRecorded(DutyRecorded {
                    shift_id: id,
                    change,
                }),
            )?;
            match shift {
                Some(s) => ctx.execute(
                    "INSERT INTO duty (id, consulate, body, removed) VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT (id) DO UPDATE SET consulate = excluded.consulate,
                         body = excluded.body, removed = 0",
                    params![id as i64, s.consulate, serde_json::to_string(&s)?],
                )?,
                None => ctx.execute("UPDATE duty SET removed = 1 WHERE id = ?1", [id as i64])?,
            };
            ctx.reseal(&super::rows::DUTY, id as i64)?;
            Ok(Recorded { id, seq })
        })
        .await
    }

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
