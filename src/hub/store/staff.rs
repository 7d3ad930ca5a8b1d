//! The staff roster. Every change to it (added, role changed, disabled, enabled, token rotated)
//! is also an event in the log, with its actor, in the same transaction.

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::idempotency::{previous_answer, remember_answer};
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::event::{Actor, StaffChange, StaffChanged};
use crate::domain::staff::NewStaff;

/// Who asked for a staff change made through the API: their id, key and request digest.
pub type StaffIdempotency = (i64, String, String);

fn record(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    staff_id: i64,
    change: StaffChange,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Every change to a member comes through here, after its row was written: the row is
    // sealed as it now stands, with the event that says why.
    ctx.reseal(&super::rows::STAFF, staff_id)?;
    let body = crate::domain::event::EventBody::StaffChanged(StaffChanged { staff_id, change });
    ctx.append_uncased(actor.clone(), now, body).map(|_| ())
}

/// Who a staff member is now: role, consulate, disabled.
fn current(
    ctx: &WriteCtx<'_>,
    id: i64,
) -> Result<(crate::domain::staff::Role, Option<String>, bool), StoreError> {
    let (role, consulate, disabled): (String, Option<String>, bool) = ctx
        .query_row(
            "SELECT role, consulate, disabled FROM staff WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let role = crate::domain::staff::Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?;
    Ok((role, consulate, disabled))
}

/// Admins and national supervisors are changed only on the server: through the API, a rotated
/// token would be the caller's to use, and a disabled one could lock out those who oversee.
/// Checked inside the write, so a promotion in between cannot slip past.
fn guard_privileged(ctx: &WriteCtx<'_>, id: i64, from_api: bool) -> Result<(), StoreError> {
    use crate::domain::roles::{Kind, token_withdrawn_through_api};
    let (role, consulate, _) = current(ctx, id)?;
    if from_api && !token_withdrawn_through_api(Kind::of(role, consulate.as_deref())) {
        return Err(StoreError::Forbidden(
            "admins and national supervisors are managed on the server: guardia admin staff",
        ));
    }
    Ok(())
}

impl Store {
    /// Adds a staff member under a token hash; returns the new id. With an `Idempotency-Key`
    /// already used by the same author for the same request, the same member gets the new token
    /// hash instead (the first token may never have been seen), and that is logged as a rotation.
    pub async fn add_staff(
        &self,
        new: NewStaff,
        token_hash: String,
        actor: Actor,
        idempotency: Option<StaffIdempotency>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<i64>, StoreError> {
        self.write(move |ctx| {
            if let Some((author, key, fingerprint)) = &idempotency
                && let Some(id) = previous_answer::<i64>(ctx, *author, key, fingerprint)?
            {
                // A replay issues a new token only to the member as they were added: one
                // promoted or disabled since is not the caller's to hand a token for.
                let (role, consulate, disabled) = current(ctx, id)?;
                if disabled || role != new.role || consulate != new.consulate {
                    return Err(StoreError::Conflict(
                        "this member has changed since; rotate their token on the server".into(),
                    ));
                }
                ctx.execute(
                    "UPDATE staff SET token_hash = ?1, token_issued_at = ?2 WHERE id = ?3",
                    params![token_hash, now.to_rfc3339(), id],
                )?;
                record(ctx, &actor, id, StaffChange::TokenRotated, now)?;
                return Ok(Outcome {
                    value: id,
                    replayed: true,
                });
            }
            let id: i64 = ctx.query_row(
                "INSERT INTO staff (name, role, consulate, token_hash, created_at, serves,
                                    languages, capacity, token_issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?5) RETURNING id",
                params![
                    new.name,
                    new.role.as_str(),
                    new.consulate,
                    token_hash,
                    now.to_rfc3339(),
                    serde_json::to_string(&new.serves)?,
                    serde_json::to_string(&new.languages)?,
                    new.capacity
                ],
                |r| r.get(0),
            )?;
            let added = StaffChange::Added {
                name: new.name.clone(),
                role: new.role,
                consulate: new.consulate.clone(),
            };
            record(ctx, &actor, id, added, now)?;
            if let Some((author, key, fingerprint)) = &idempotency {
                remember_answer(ctx, *author, key, fingerprint, &id, now)?;
            }
            Ok(Outcome {
                value: id,
                replayed: false,
            })
        })
        .await
    }

    /// Disables or enables a staff member. A disabled member's token is refused from the next
    /// request on. Changing nothing writes nothing.
    pub async fn set_staff_disabled(
        &self,
        id: i64,
        disabled: bool,
        actor: Actor,
        from_api: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(move |ctx| {
            guard_privileged(ctx, id, from_api)?;
            let current: Option<bool> = ctx
                .query_row("SELECT disabled FROM staff WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            match current {
                None => Err(StoreError::NotFound),
                Some(c) if c == disabled => Ok(false),
                Some(_) => {
                    ctx.execute(
                        "UPDATE staff SET disabled = ?1 WHERE id = ?2",
                        params![disabled, id],
                    )?;
                    let change = if disabled {
                        StaffChange::Disabled
                    } else {
                        StaffChange::Enabled
                    };
                    record(ctx, &actor, id, change, now)?;
                    Ok(true)
                }
            }
        })
        .await
    }

    /// Gives a staff member a new token hash; the old token stops working.
    pub async fn rotate_staff_token(
        &self,
        id: i64,
        token_hash: String,
        actor: Actor,
        from_api: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |ctx| {
            guard_privileged(ctx, id, from_api)?;
            ctx.execute(
                "UPDATE staff SET token_hash = ?1, token_issued_at = ?2 WHERE id = ?3",
                params![token_hash, now.to_rfc3339(), id],
            )?;
            record(ctx, &actor, id, StaffChange::TokenRotated, now)
        })
        .await
    }

    /// Logs a surge from one network (for the supervisors' consoles and the record).
    pub async fn record_surge(
        &self,
        surge: crate::domain::event::SurgeDetected,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |ctx| {
            let body = crate::domain::event::EventBody::SurgeDetected(surge);
            ctx.append_uncased(Actor::Hub, now, body).map(|_| ())
        })
        .await
    }

    /// A member's role and consulate.
    pub async fn staff_role(
        &self,
        id: i64,
    ) -> Result<(crate::domain::staff::Role, Option<String>), StoreError> {
        self.read(move |tx| {
            let (role, consulate): (String, Option<String>) = tx
                .query_row(
                    "SELECT role, consulate FROM staff WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(StoreError::NotFound)?;
            let role = crate::domain::staff::Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?;
            Ok((role, consulate))
        })
        .await
    }

    /// Brings a lawyer's roster row to what a new import says (validated by the caller).
    /// Returns whether anything changed; changing nothing writes nothing.
    pub async fn update_roster(
        &self,
        id: i64,
        serves: Vec<String>,
        languages: Vec<String>,
        capacity: u32,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(move |ctx| {
            let (role, _, _) = current(ctx, id)?;
            if role != crate::domain::staff::Role::Lawyer {
                return Err(StoreError::Conflict(format!(
                    "staff id {id} is not a lawyer"
                )));
            }
            let (serves_now, languages_now, capacity_now): (String, String, i64) = ctx.query_row(
                "SELECT serves, languages, capacity FROM staff WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let serves_json = serde_json::to_string(&serves)?;
            let languages_json = serde_json::to_string(&languages)?;
            if serves_json == serves_now
                && languages_json == languages_now
                && i64::from(capacity) == capacity_now
            {
                return Ok(false);
            }
            ctx.execute(
                "UPDATE staff SET serves = ?1, languages = ?2, capacity = ?3 WHERE id = ?4",
                params![serves_json, languages_json, capacity, id],
            )?;
            let change = StaffChange::RosterChanged {
                serves,
                languages,
                capacity,
            };
            record(ctx, &actor, id, change, now)?;
            Ok(true)
        })
        .await
    }

    /// Changes a member's role and consulate (validated by the caller).
    pub async fn change_staff_role(
        &self,
        id: i64,
        role: crate::domain::staff::Role,
        consulate: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |ctx| {
            current(ctx, id)?;
            ctx.execute(
                "UPDATE staff SET role = ?1, consulate = ?2 WHERE id = ?3",
                params![role.as_str(), consulate, id],
            )?;
            record(
                ctx,
                &actor,
                id,
                StaffChange::RoleChanged { role, consulate },
                now,
            )
        })
        .await
    }
}
