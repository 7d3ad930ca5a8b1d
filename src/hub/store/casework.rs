//! Staff actions on a case, and the staff roster. Each action is one writer job: the
//! idempotency look-up, the version check, the rule check and the append happen atomically, so
//! two officers acting at once get exactly one success.

use std::sync::Arc;

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::idempotency::{fresh_staff, previous_answer, remember_answer};
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::command::{Applied, CaseCommand, Facts, Refusal, decide};
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, Event};
use crate::domain::staff::{LawyerInfo, Role, StaffInfo};

#[derive(Debug, Clone)]
pub struct StaffAction {
    pub staff: StaffInfo,
    /// The author's `Idempotency-Key`.
    pub key: String,
    /// A digest of the request, to catch a key reused for something else.
    pub fingerprint: String,
    pub case_id: u64,
    /// The `If-Match` version.
    pub expected_version: u64,
    pub command: CaseCommand,
}

/// The roster name of lawyer `id`, if there is one (and they are not disabled).
fn lawyer_name(ctx: &WriteCtx<'_>, id: i64) -> Result<Option<String>, StoreError> {
    Ok(ctx
        .query_row(
            "SELECT name FROM staff WHERE id = ?1 AND role = 'lawyer' AND disabled = 0",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

impl Store {
    /// Applies one staff command: the first answer again for a repeated key; otherwise the
    /// domain's decision on the case as it stands, inside this write, so that two officers
    /// acting at once get exactly one success.
    pub async fn act(
        &self,
        action: StaffAction,
        consulates: Arc<Vec<Consulate>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Applied>, StoreError> {
        self.write(move |ctx| {
            let a = action;
            if let Some(previous) = previous_answer(ctx, a.staff.id, &a.key, &a.fingerprint)? {
                return Ok(Outcome {
                    value: previous,
                    replayed: true,
                });
            }
            let staff = fresh_staff(ctx, &a.staff)?;
            let case = ctx.case(a.case_id)?.ok_or(StoreError::NotFound)?;
            let lawyer = match &a.command {
                CaseCommand::Assign(r) => lawyer_name(ctx, r.lawyer_id)?,
                _ => None,
            };
            let facility = match &a.command {
                CaseCommand::Checkpoint(r) => match r.fields.get("facility_code") {
                    Some(code) => super::facilities::facility(ctx, code)?,
                    None => None,
                },
                _ => None,
            };
            let since = since(ctx, &case, a.expected_version)?;
            let facts = Facts {
                now,
                consulates: &consulates,
                lawyer_name: lawyer.as_deref(),
                facility: facility.as_ref(),
                since: since.as_deref(),
            };
            let bodies = match decide(&case, &a.command, &staff, a.expected_version, &facts) {
                Ok(bodies) => bodies,
                Err(refusal) => return Err(refused(refusal, case)),
            };
            let actor = Actor::Staff {
                id: staff.id,
                name: staff.name.clone(),
                role: staff.role,
            };
            let mut answer = Applied {
                case_id: case.id,
                seq: case.last_seq,
                version: case.version,
            };
            for body in bodies {
                let (event, after) = ctx.append(
                    case.id,
                    &case.consulate,
                    actor.clone(),
                    now,
                    Some(a.expected_version),
                    body,
                )?;
                answer.seq = event.seq;
                answer.version = after.version;
            }
            remember_answer(ctx, a.staff.id, &a.key, &a.fingerprint, &answer, now)?;
            Ok(Outcome {
                value: answer,
                replayed: false,
            })
        })
        .await
    }

    /// The lawyers' roster with each one's open cases.
    pub async fn lawyers(&self) -> Result<Vec<LawyerInfo>, StoreError> {
        self.read(|tx| {
            let rows = tx.query_map(
                "SELECT s.id, s.name, s.serves, s.languages, s.capacity,
                        (SELECT COUNT(*) FROM cases c
                          WHERE c.lawyer_id = s.id AND c.status <> 'closed')
                   FROM staff s WHERE s.role = ?1 AND s.disabled = 0 ORDER BY s.name, s.id",
                [Role::Lawyer.as_str()],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<String>(1)?,
                        r.get::<String>(2)?,
                        r.get::<String>(3)?,
                        r.get::<i64>(4)?,
                        r.get::<i64>(5)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, serves, languages, capacity, open) = row;
                out.push(LawyerInfo {
                    id,
                    name,
                    serves: serde_json::from_str(&serves)?,
                    languages: serde_json::from_str(&languages)?,
                    capacity: u32::try_from(capacity).unwrap_or(0),
                    open_cases: u32::try_from(open).unwrap_or(0),
                });
            }
            Ok(out)
        })
        .await
    }
}

/// Versions behind the case an action may be and still be weighed against what happened since,
/// rather than refused outright: a form open for a long raid is a few dozen behind at most.
const MAX_GAP: u64 = 256;

/// What happened to the case after version `seen`, oldest first: the events that moved its
/// version (a relative's message and a position do not). `None` when `seen` is the case's own
/// version, ahead of it, or too far behind to weigh.
fn since(ctx: &WriteCtx<'_>, case: &Case, seen: u64) -> Result<Option<Vec<Event>>, StoreError> {
    if seen >= case.version || case.version - seen > MAX_GAP {
        return Ok(None);
    }
    let gap = case.version - seen;
    let mut events = Vec::with_capacity(gap as usize);
    ctx.conn().query_each(
        "SELECT body, sealed FROM events
          WHERE case_id = ?1 AND kind NOT IN ('relative_notified', 'location_updated')
          ORDER BY seq DESC LIMIT ?2",
        params![case.id as i64, gap as i64],
        |r| -> Result<(), StoreError> {
            events.push(super::personal::event_at(ctx.vault(), r, 0)?);
            Ok(())
        },
    )?;
    if events.len() as u64 != gap {
        // A record whose versions do not count its events (written before versions did):
        // nothing to weigh with, so the older version is refused as before.
        return Ok(None);
    }
    events.reverse();
    Ok(Some(events))
}

fn refused(refusal: Refusal, case: Case) -> StoreError {
    // Not-visible refusals carry no case: its existence is not told.
    let case = (refusal != Refusal::NotVisible).then(|| Box::new(case));
    StoreError::Refused { refusal, case }
}
