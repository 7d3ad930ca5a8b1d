//! The durable outbox of messages to relatives. Rows are written in the same transaction as the
//! event that calls for them, sent later by the hub's delivery worker (`hub::notify`), and each
//! change a person should see (delivered, failed, first trouble) is appended to the case's log.

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::writer::sortable_time;
use super::{Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::event::{
    Actor, DeliveryFailure, DeliveryState, EventBody, NoticeAbout, RelativeNotified,
};

/// A message due to be sent.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub webhook_id: String,
    pub payload: String,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Delivered,
    /// Try again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        failure: DeliveryFailure,
    },
    /// Stop: the gateway said the target is gone (410), or retries ran out, or it is refused.
    Failed {
        failure: DeliveryFailure,
    },
}

fn about_str(about: NoticeAbout) -> &'static str {
    match about {
        NoticeAbout::Alert => "alert",
        NoticeAbout::Cancel => "cancel",
    }
}

/// The body a gateway receives. Thin on purpose: no coordinates, no name of the person, nothing
/// that would harm them if a relative's phone were seized; the gateway composes the text from the
/// type and language.
fn payload(
    case: &Case,
    relative: usize,
    about: NoticeAbout,
    consulate: &str,
    now: DateTime<Utc>,
) -> String {
    let to = case
        .registrant
        .relatives
        .get(relative)
        .map(|r| r.phone.clone())
        .unwrap_or_default();
    json!({
        "type": match about {
            // The gateway words a missed appointment its own way ("no ha salido de su cita").
            NoticeAbout::Alert
                if case.kind == crate::domain::alert::AlertKind::AppointmentMissed =>
            {
                "appointment.missed"
            }
            NoticeAbout::Alert => "alert.raised",
            NoticeAbout::Cancel => "alert.cancelled",
        },
        "timestamp": now.to_rfc3339(),
        "data": {
            "to": to,
            "language": case.registrant.language,
            "case": case.id,
            "consulate": consulate,
        },
    })
    .to_string()
}

/// Queues one message per relative on file, in the caller's transaction.
pub fn queue(
    ctx: &WriteCtx<'_>,
    case: &Case,
    about: NoticeAbout,
    consulate_label: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // The payload names a relative's number: sealed under the case's key, like the case.
    let key: Option<i64> = ctx
        .query_row(
            "SELECT key_id FROM cases WHERE id = ?1",
            [case.id as i64],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    for relative in 0..case.registrant.relatives.len() {
        let payload = payload(case, relative, about, consulate_label, now);
        let payload = match key {
            Some(key) => ctx.vault().seal(key, &payload)?,
            None => payload,
        };
        let id: i64 = ctx.query_row(
            "INSERT INTO deliveries (webhook_id, case_id, relative, about, payload, state,
                                     attempts, created_at, next_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6) RETURNING id",
            params![
                format!("msg_{}", Uuid::new_v4().simple()),
                case.id as i64,
                relative as i64,
                about_str(about),
                payload,
                sortable_time(now),
            ],
            |r| r.get(0),
        )?;
        ctx.reseal(&super::rows::DELIVERIES, id)?;
    }
    Ok(case.registrant.relatives.len())
}

/// How long a claimed message is this hub's to send: longer than an attempt can take.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad time {s}: {e}")))
}

impl Store {
    /// Messages whose next attempt is due at `now`, oldest first, each claimed for this hub:
    /// its next attempt moves [`LEASE`] ahead inside the write, so another hub on the same
    /// database does not send it too. The attempt's outcome sets the real next time; a hub that
    /// dies mid-send leaves the message to whichever hub looks after the lease.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        // Most looks find nothing: they cost a read, not a write.
        let any: bool = self
            .read(move |tx| {
                Ok(tx.exists(
                    "SELECT 1 FROM deliveries WHERE state = 'pending' AND next_at <= ?1",
                    [sortable_time(now)],
                )?)
            })
            .await?;
        if !any {
            return Ok(Vec::new());
        }
        self.write(move |ctx| {
            let rows = ctx.conn().query_map(
                "SELECT id, webhook_id, payload, attempts, created_at FROM deliveries
                 WHERE state = 'pending' AND next_at <= ?1 ORDER BY next_at LIMIT ?2",
                params![sortable_time(now), limit as i64],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<String>(1)?,
                        r.get::<String>(2)?,
                        r.get::<i64>(3)?,
                        r.get::<String>(4)?,
                    ))
                },
            )?;
            let lease = sortable_time(now + LEASE);
            let mut out = Vec::new();
            for (id, webhook_id, payload, attempts, created) in rows {
                ctx.execute(
                    "UPDATE deliveries SET next_at = ?2 WHERE id = ?1",
                    params![id, lease],
                )?;
                ctx.reseal(&super::rows::DELIVERIES, id)?;
                // A message whose person was erased is not sent (retention fails it).
                let super::vault::Opened::Clear(payload) = ctx.vault().unseal(&payload)? else {
                    continue;
                };
                out.push(DueDelivery {
                    id,
                    webhook_id,
                    payload,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    created_at: parse_time(&created)?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// When the earliest pending message is due, if any: the worker sleeps until then.
    pub async fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|tx| {
            let next: Option<String> = tx
                .query_row(
                    "SELECT MIN(next_at) FROM deliveries WHERE state = 'pending'",
                    (),
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            next.map(|n| parse_time(&n)).transpose()
        })
        .await
    }

    /// Records an attempt. The case's log hears of it when the state changes, and of the first
    /// trouble, so the console shows "pending (reason)" without an event per retry.
    pub async fn record_delivery(
        &self,
        id: i64,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |ctx| {
            let (case_id, relative, about, attempts): (Option<i64>, Option<i64>, String, i64) = ctx
                .query_row(
                    "SELECT case_id, relative, about, attempts FROM deliveries WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?
                .ok_or(StoreError::NotFound)?;
            let attempts = attempts + 1;
            let (state, next_at, failure, tell) = match &attempt {
                Attempt::Delivered => ("delivered", now, None, true),
                Attempt::Retry { next_at, failure } => {
                    ("pending", *next_at, Some(failure.clone()), attempts == 1)
                }
                Attempt::Failed { failure } => ("failed", now, Some(failure.clone()), true),
            };
            // A class and a host: what an operator needs, and nothing a URL's query could leak.
            let error = failure
                .as_ref()
                .map(|f| format!("{} {}", f.class.as_str(), f.host));
            ctx.execute(
                "UPDATE deliveries SET state = ?1, attempts = ?2, next_at = ?3, last_error = ?4
                 WHERE id = ?5",
                params![state, attempts, sortable_time(next_at), error, id],
            )?;
            if state != "pending" {
                // A finished message's payload has done its work (or never will): a number and,
                // for a verification, its code are not kept.
                ctx.execute("UPDATE deliveries SET payload = '' WHERE id = ?1", [id])?;
            }
            ctx.reseal(&super::rows::DELIVERIES, id)?;
            // Messages to a phone about itself belong to no case's record.
            let (Some(case_id), Some(relative)) = (case_id, relative) else {
                return Ok(());
            };
            if tell && let Some(case) = ctx.case(case_id as u64)? {
                let body = EventBody::RelativeNotified(RelativeNotified {
                    relative: relative as usize,
                    about: if about == "cancel" {
                        NoticeAbout::Cancel
                    } else {
                        NoticeAbout::Alert
                    },
                    state: match attempt {
                        Attempt::Delivered => DeliveryState::Delivered,
                        Attempt::Retry { .. } => DeliveryState::Pending,
                        Attempt::Failed { .. } => DeliveryState::Failed,
                    },
                    reason: None,
                    failure,
                });
                ctx.append(case.id, &case.consulate, Actor::Hub, now, None, body)?;
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;

    /// The gateway words each message from its type: a missed appointment is its own, and no
    /// payload carries a name or a position.
    #[test]
    fn a_missed_appointments_message_has_its_own_type_and_names_no_one() {
        let now = Utc::now();
        let kind = |k| {
            let case = Case::open(&raised(1, 9, k, vec![])).unwrap();
            let body: serde_json::Value =
                serde_json::from_str(&payload(&case, 0, NoticeAbout::Alert, "Los Ángeles", now))
                    .unwrap();
            assert!(body["data"].get("name").is_none() && body["data"].get("lat").is_none());
            body["type"].as_str().unwrap().to_string()
        };
        assert_eq!(kind(AlertKind::AppointmentMissed), "appointment.missed");
        assert_eq!(kind(AlertKind::Detained), "alert.raised");
    }
}
