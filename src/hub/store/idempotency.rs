//! Staff writes once per key: an `Idempotency-Key` already used by its author gets the first
//! answer back (never a second effect), and one reused for a different request is refused. The
//! staff member is read as they are now, inside the write, so nobody acts as who they were.

use serde::Serialize;

use super::db::{OptionalExtension, params};
use super::{StoreError, WriteCtx};
use crate::domain::staff::{Role, StaffInfo};
use chrono::{DateTime, Utc};

/// The staff member as they are now, inside the write: one disabled or moved to another
/// consulate since their request was authenticated acts as they are, not as they were.
pub(super) fn fresh_staff(ctx: &WriteCtx<'_>, who: &StaffInfo) -> Result<StaffInfo, StoreError> {
    let row: Option<(String, Option<String>, bool)> = ctx
        .query_row(
            "SELECT role, consulate, disabled FROM staff WHERE id = ?1",
            [who.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((role, consulate, false)) => Ok(StaffInfo {
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?,
            consulate,
            ..who.clone()
        }),
        _ => Err(StoreError::Forbidden("this staff member is disabled")),
    }
}

/// Looks up an earlier answer to this author's key. A key reused for a different request is
/// refused rather than answered with something unrelated.
pub(super) fn previous_answer<T: serde::de::DeserializeOwned>(
    ctx: &WriteCtx<'_>,
    staff_id: i64,
    key: &str,
    fingerprint: &str,
) -> Result<Option<T>, StoreError> {
    let row: Option<(String, String)> = ctx
        .query_row(
            "SELECT fingerprint, response FROM staff_requests WHERE staff_id = ?1 AND key = ?2",
            params![staff_id, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((f, _)) if f != fingerprint => Err(StoreError::Invalid(
            "this Idempotency-Key was already used for a different request; use a new key".into(),
        )),
        Some((_, response)) => Ok(Some(serde_json::from_str(&response)?)),
    }
}

pub(super) fn remember_answer<T: Serialize>(
    ctx: &WriteCtx<'_>,
    staff_id: i64,
    key: &str,
    fingerprint: &str,
    answer: &T,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    ctx.execute(
        "INSERT INTO staff_requests (staff_id, key, fingerprint, response, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            staff_id,
            key,
            fingerprint,
            serde_json::to_string(answer)?,
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}
