//! Enrollment: a phone proves it holds its number before it gets a device token. A code goes to
//! the number through the notification gateway; only its salted hash is kept. One number has at
//! most one active device: a verified re-enrollment replaces the old one, whose token stops
//! working, and the number is told.

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::writer::sortable_time;
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::event::{Actor, DeviceChange, DeviceChanged, EventBody};
use crate::domain::registrant::Profile;

/// A code is good this long.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Wrong codes that void an enrollment.
pub const MAX_WRONG_CODES: u32 = 5;

/// An enrollment waiting for its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEnrollment {
    /// Random: a sequential id would let anyone void others' enrollments with wrong codes.
    pub handle: String,
    pub expires_at: DateTime<Utc>,
}

/// What a code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The device is enrolled; `replaced` is the device of the same number it replaced.
    Enrolled {
        registrant_id: i64,
        replaced: Option<i64>,
    },
    Wrong {
        tries_left: u32,
    },
    /// Expired, voided by wrong codes, or already used: enroll again.
    Void,
    /// A wrong code after the number's day of guesses was spent: this enrollment is void, and
    /// the number takes no more guesses until then.
    NumberGuessedOut {
        wait_seconds: u64,
    },
}

fn code_hash(salt: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{code}").as_bytes()))
}

/// Queues a message to the phone itself (its code, or word that its device was replaced).
/// The payload is sealed under the person's key: it names their number.
fn queue_to_phone(
    ctx: &WriteCtx<'_>,
    key: i64,
    about: &str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let payload = ctx.vault().seal(key, &payload.to_string())?;
    let id: i64 = ctx.query_row(
        "INSERT INTO deliveries (webhook_id, case_id, relative, about, payload, state, attempts,
                                 created_at, next_at)
         VALUES (?1, NULL, NULL, ?2, ?3, 'pending', 0, ?4, ?4) RETURNING id",
        params![
            format!("msg_{}", Uuid::new_v4().simple()),
            about,
            payload,
            sortable_time(now)
        ],
        |r| r.get(0),
    )?;
    ctx.reseal(&super::rows::DELIVERIES, id)
}

/// Makes `profile` the active device of its number under `token_hash`. The number's previous
/// device, if any, is revoked (its token stops matching), the number is told, and the change is
/// logged. The person keeps the key of their previous device (the same number, the same
/// person: their open case is sealed under it); a new person takes `key`, their enrollment's.
fn activate(
    ctx: &mut WriteCtx<'_>,
    profile: &Profile,
    key: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(i64, Option<i64>), StoreError> {
    let blind = ctx.vault().blind(&profile.phone);
    let previous: Option<(i64, Option<i64>)> = ctx
        .query_row(
            "SELECT id, key_id FROM registrants WHERE phone = ?1 AND revoked = 0",
            [&blind],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let key = previous.and_then(|(_, k)| k).unwrap_or(key);
    let previous = previous.map(|(id, _)| id);
    if let Some(old) = previous {
        revoke(ctx, old)?;
    }
    let id: i64 = ctx.query_row(
        "INSERT INTO registrants (token_hash, created_at, profile, phone, key_id)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![
            token_hash,
            now.to_rfc3339(),
            ctx.vault().seal(key, &serde_json::to_string(profile)?)?,
            blind,
            key
        ],
        |r| r.get(0),
    )?;
    if let Some(old) = previous {
        // The same number, the same person with a new phone: their open case stays theirs, so
        // the next press joins it instead of opening a second one.
        ctx.execute(
            "UPDATE registrants SET open_case_id =
                 (SELECT open_case_id FROM registrants WHERE id = ?1) WHERE id = ?2",
            params![old, id],
        )?;
        let body = EventBody::DeviceChanged(DeviceChanged {
            registrant_id: old,
            change: DeviceChange::Replaced { by: id },
        });
        ctx.append_uncased(Actor::Phone, now, body)?;
        queue_to_phone(
            ctx,
            key,
            "device_replaced",
            json!({
                "type": "device.replaced",
                "timestamp": now.to_rfc3339(),
                "data": { "to": profile.phone, "language": profile.language },
            }),
            now,
        )?;
    }
    ctx.reseal(&super::rows::REGISTRANTS, id)?;
    Ok((id, previous))
}

/// Stops a device's token from matching: the hash is replaced by one no token has.
pub(super) fn revoke(ctx: &WriteCtx<'_>, registrant: i64) -> Result<(), StoreError> {
    ctx.execute(
        "UPDATE registrants SET revoked = 1, token_hash = ?1 WHERE id = ?2",
        params![format!("revoked:{}", Uuid::new_v4().simple()), registrant],
    )?;
    ctx.reseal(&super::rows::REGISTRANTS, registrant)
}

/// One number's enrollments over the last day.
struct NumberDay {
    /// Codes texted to the number, from anywhere.
    codes: u32,
    /// ... and from the network starting this enrollment.
    codes_from_here: u32,
    wrong_tries: u32,
    oldest: Option<DateTime<Utc>>,
}

impl NumberDay {
    /// Seconds until the oldest of the day's enrollments stops counting.
    fn wait(&self, now: DateTime<Utc>) -> u64 {
        self.oldest
            .map(|o| (o + Duration::days(1) - now).num_seconds())
            .unwrap_or(86_400)
            .max(1) as u64
    }
}

/// Enrollments that sent a code to a number since a time (unverified test enrollments send none).
const NUMBER_DAY: &str = "SELECT COUNT(*),
                                 CAST(COALESCE(SUM(CASE WHEN network = ?3 THEN 1 ELSE 0 END), 0)
                                      AS BIGINT),
                                 CAST(COALESCE(SUM(wrong_tries), 0) AS BIGINT), MIN(created_at)
                            FROM enrollments
                           WHERE phone = ?1 AND created_at > ?2 AND code_hash != ''";

fn number_day(
    ctx: &WriteCtx<'_>,
    phone: &str,
    network: &str,
    now: DateTime<Utc>,
) -> Result<NumberDay, StoreError> {
    let since = (now - Duration::days(1)).to_rfc3339();
    let (codes, codes_from_here, wrong_tries, oldest): (u32, u32, u32, Option<String>) = ctx
        .query_row(NUMBER_DAY, params![phone, since, network], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let oldest = oldest
        .and_then(|o| DateTime::parse_from_rfc3339(&o).ok())
        .map(|o| o.with_timezone(&Utc));
    Ok(NumberDay {
        codes,
        codes_from_here,
        wrong_tries,
        oldest,
    })
}

/// The day's codes for one number that one network may spend: a third, so that a stranger
/// starting enrollments for someone else's number from one place leaves its owner two thirds.
pub fn codes_one_network_may_send(codes_per_day: u32) -> u32 {
    codes_per_day.div_ceil(3).max(1)
}

impl Store {
    /// Starts an enrollment and sends its code to the phone. The same `Idempotency-Key` with the
    /// same profile answers with the same enrollment (and sends nothing new); a completed one is
    /// never answered again, so a replayed key cannot mint a token.
    pub async fn start_enrollment(
        &self,
        profile: Profile,
        code: String,
        key: Option<String>,
        per_number_per_day: u32,
        network: String,
        now: DateTime<Utc>,
    ) -> Result<Outcome<PendingEnrollment>, StoreError> {
        self.write(move |ctx| {
            let json = serde_json::to_string(&profile)?;
            if let Some(key) = &key {
                let seen: Option<(String, String, String, String)> = ctx
                    .query_row(
                        "SELECT handle, profile, state, expires_at FROM enrollments
                          WHERE enroll_key = ?1",
                        [key],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if let Some((handle, stored, state, expires)) = seen {
                    let stored = match ctx.vault().unseal(&stored)? {
                        super::vault::Opened::Clear(stored) => stored,
                        super::vault::Opened::Erased => String::new(),
                    };
                    if stored != json {
                        return Err(StoreError::Conflict(
                            "this Idempotency-Key was used for a different enrollment".into(),
                        ));
                    }
                    if state != "pending" {
                        return Err(StoreError::Conflict(
                            "this enrollment is finished; enroll again with a new key".into(),
                        ));
                    }
                    let expires_at = DateTime::parse_from_rfc3339(&expires)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    return Ok(Outcome {
                        value: PendingEnrollment { handle, expires_at },
                        replayed: true,
                    });
                }
            }
            let blind = ctx.vault().blind(&profile.phone);
            let network = ctx.vault().blind(&network);
            if per_number_per_day > 0 {
                // Codes texted to a number are bounded (each is a message to someone's phone),
                // and one network may spend only its share of them: a stranger starting
                // enrollments for the number leaves its owner codes to receive. Wrong guesses are
                // counted apart, when a code is tried, and never refuse a start.
                let day = number_day(ctx, &blind, &network, now)?;
                let budget = per_number_per_day * MAX_WRONG_CODES;
                if day.codes >= budget || day.codes_from_here >= codes_one_network_may_send(budget)
                {
                    return Err(StoreError::Limited(
                        "enrollments_per_number_per_day",
                        day.wait(now),
                    ));
                }
            }
            let salt = Uuid::new_v4().simple().to_string();
            let handle = Uuid::new_v4().simple().to_string();
            let expires_at = now + CODE_TTL;
            let person = ctx.vault().new_key()?;
            let enrollment: i64 = ctx.query_row(
                "INSERT INTO enrollments (handle, enroll_key, phone, profile, code_salt, code_hash,
                                          expires_at, state, created_at, key_id, network)
                 VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?9, ?10) RETURNING id",
                params![
                    key,
                    blind,
                    ctx.vault().seal(person, &json)?,
                    salt,
                    code_hash(&salt, &code),
                    expires_at.to_rfc3339(),
                    now.to_rfc3339(),
                    handle,
                    person,
                    network
                ],
                |r| r.get::<i64>(0),
            )?;
            ctx.reseal(&super::rows::ENROLLMENTS, enrollment)?;
            queue_to_phone(
                ctx,
                person,
                "verify_phone",
                json!({
                    "type": "phone.verify",
                    "timestamp": now.to_rfc3339(),
                    "data": { "to": profile.phone, "language": profile.language, "code": code },
                }),
                now,
            )?;
            Ok(Outcome {
                value: PendingEnrollment { handle, expires_at },
                replayed: false,
            })
        })
        .await
    }

    /// Checks a code. Wrong tries are counted (and committed); the fifth voids the enrollment.
    pub async fn verify_enrollment(
        &self,
        handle: String,
        code: String,
        token_hash: String,
        per_number_per_day: u32,
        now: DateTime<Utc>,
    ) -> Result<Verification, StoreError> {
        self.write(move |ctx| {
            type Row = (
                i64,
                String,
                String,
                String,
                String,
                String,
                i64,
                String,
                i64,
            );
            let row: Option<Row> = ctx
                .query_row(
                    "SELECT id, profile, code_salt, code_hash, expires_at, state, wrong_tries,
                            phone, key_id
                       FROM enrollments WHERE handle = ?1",
                    [&handle],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ))
                    },
                )
                .optional()?;
            let (id, profile, salt, hash, expires, state, wrong, phone, person) =
                row.ok_or(StoreError::NotFound)?;
            let void = |ctx: &WriteCtx<'_>| -> Result<(), StoreError> {
                ctx.execute("UPDATE enrollments SET state = 'void' WHERE id = ?1", [id])?;
                ctx.reseal(&super::rows::ENROLLMENTS, id)
            };
            let expired = DateTime::parse_from_rfc3339(&expires)
                .map(|t| t.with_timezone(&Utc) <= now)
                .unwrap_or(true);
            if state != "pending" || expired {
                void(ctx)?;
                return Ok(Verification::Void);
            }
            if code_hash(&salt, code.trim()) != hash {
                // Several enrollments open at once for one number share its day's guesses
                // (otherwise each would bring five more). Past them, a wrong code voids the
                // enrollment it was tried on: guessing stays bounded by the codes a number can
                // be sent, and the owner's right code, on their own enrollment, is still taken.
                if per_number_per_day > 0 {
                    let day = number_day(ctx, &phone, "", now)?;
                    if day.wrong_tries >= per_number_per_day * MAX_WRONG_CODES {
                        ctx.execute(
                            "UPDATE enrollments SET wrong_tries = wrong_tries + 1 WHERE id = ?1",
                            [id],
                        )?;
                        void(ctx)?;
                        return Ok(Verification::NumberGuessedOut {
                            wait_seconds: day.wait(now),
                        });
                    }
                }
                let wrong = u32::try_from(wrong).unwrap_or(u32::MAX).saturating_add(1);
                ctx.execute(
                    "UPDATE enrollments SET wrong_tries = ?1 WHERE id = ?2",
                    params![wrong, id],
                )?;
                ctx.reseal(&super::rows::ENROLLMENTS, id)?;
                if wrong >= MAX_WRONG_CODES {
                    void(ctx)?;
                    return Ok(Verification::Void);
                }
                return Ok(Verification::Wrong {
                    tries_left: MAX_WRONG_CODES - wrong,
                });
            }
            let Some(profile) = ctx.vault().unseal_json::<Profile>(&profile)? else {
                void(ctx)?;
                return Ok(Verification::Void);
            };
            let (registrant_id, replaced) = activate(ctx, &profile, person, &token_hash, now)?;
            ctx.execute(
                "UPDATE enrollments SET state = 'verified', registrant_id = ?1 WHERE id = ?2",
                params![registrant_id, id],
            )?;
            ctx.reseal(&super::rows::ENROLLMENTS, id)?;
            Ok(Verification::Enrolled {
                registrant_id,
                replaced,
            })
        })
        .await
    }

    /// Enrolls without a code, for closed test deployments (`[enroll] verify_phone = false`):
    /// the number's previous device is still replaced. A key seen before is refused rather than
    /// answered with a second token.
    pub async fn enroll_unverified(
        &self,
        profile: Profile,
        token_hash: String,
        key: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(i64, Option<i64>), StoreError> {
        self.write(move |ctx| {
            if let Some(key) = &key {
                let seen: Option<i64> = ctx
                    .query_row(
                        "SELECT id FROM enrollments WHERE enroll_key = ?1",
                        [key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if seen.is_some() {
                    return Err(StoreError::Conflict(
                        "this enrollment is finished; enroll again with a new key".into(),
                    ));
                }
            }
            let person = ctx.vault().new_key()?;
            let (id, replaced) = activate(ctx, &profile, person, &token_hash, now)?;
            let enrollment: i64 = ctx.query_row(
                "INSERT INTO enrollments (handle, enroll_key, phone, profile, code_salt, code_hash,
                                          expires_at, state, registrant_id, created_at, key_id)
                 VALUES (?6, ?1, ?2, ?3, '', '', ?4, 'verified', ?5, ?4, ?7) RETURNING id",
                params![
                    key,
                    ctx.vault().blind(&profile.phone),
                    ctx.vault()
                        .seal(person, &serde_json::to_string(&profile)?)?,
                    now.to_rfc3339(),
                    id,
                    Uuid::new_v4().simple().to_string(),
                    person
                ],
                |r| r.get::<i64>(0),
            )?;
            ctx.reseal(&super::rows::ENROLLMENTS, enrollment)?;
            Ok((id, replaced))
        })
        .await
    }

    /// Revokes a device (an administrator's decision): its token stops working at once.
    pub async fn revoke_device(
        &self,
        registrant: i64,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(move |ctx| {
            let active: Option<i64> = ctx
                .query_row(
                    "SELECT revoked FROM registrants WHERE id = ?1",
                    [registrant],
                    |r| r.get(0),
                )
                .optional()?;
            match active {
                None => Err(StoreError::NotFound),
                Some(1) => Ok(false),
                Some(_) => {
                    revoke(ctx, registrant)?;
                    let body = EventBody::DeviceChanged(DeviceChanged {
                        registrant_id: registrant,
                        change: DeviceChange::Revoked,
                    });
                    ctx.append_uncased(actor, now, body)?;
                    Ok(true)
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numbers_day_is_counted_through_the_index_not_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::db::Conn::Lite(
            super::super::schema::open_writer(&dir.path().join("h.db")).unwrap(),
        );
        let plan: Vec<String> = conn
            .query_map(
                &format!("EXPLAIN QUERY PLAN {NUMBER_DAY}"),
                params!["+13105550100", "2026-11-21T00:00:00Z", "net"],
                |r| r.get::<String>(3),
            )
            .unwrap();
        let plan = plan.join("; ");
        assert!(plan.contains("enrollments_by_phone"), "{plan}");
    }
}
