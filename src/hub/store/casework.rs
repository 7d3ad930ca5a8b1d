//! Staff actions on a case, and the staff roster. Each action is one writer job: the
//! idempotency look-up, the version check, the rule check and the append happen atomically, so
//! two officers acting at once get exactly one success.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::checkpoint::{CloseOutcome, ValidCheckpoint};
use crate::domain::event::{
    Actor, CaseClosed, CaseReopened, CheckpointLogged, EventBody, EventKind, LawyerAssigned,
    NoteAdded, TransferAccepted, TransferRequested,
};
use crate::domain::staff::{LawyerInfo, NewStaff, Role, Scope, StaffInfo};

/// What the staff member asked for, validated.
#[derive(Debug, Clone)]
pub enum ActionBody {
    Acknowledge,
    Assign {
        lawyer_id: i64,
    },
    Checkpoint(ValidCheckpoint),
    Note(String),
    Close {
        outcome: CloseOutcome,
        note: String,
    },
    Reopen {
        reason: String,
    },
    Transfer {
        to_consulate: String,
        reason: String,
    },
    AcceptTransfer,
}

impl ActionBody {
    pub fn kind(&self) -> EventKind {
        match self {
            ActionBody::Acknowledge => EventKind::CaseAcknowledged,
            ActionBody::Assign { .. } => EventKind::LawyerAssigned,
            ActionBody::Checkpoint(_) => EventKind::CheckpointLogged,
            ActionBody::Note(_) => EventKind::NoteAdded,
            ActionBody::Close { .. } => EventKind::CaseClosed,
            ActionBody::Reopen { .. } => EventKind::CaseReopened,
            ActionBody::Transfer { .. } => EventKind::TransferRequested,
            ActionBody::AcceptTransfer => EventKind::TransferAccepted,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StaffAction {
    pub staff: StaffInfo,
    pub scope: Scope,
    /// The author's `Idempotency-Key`.
    pub key: String,
    /// A digest of the request, to catch a key reused for something else.
    pub fingerprint: String,
    pub case_id: u64,
    /// The `If-Match` version.
    pub expected_version: u64,
    pub body: ActionBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub case_id: u64,
    /// Log position of the event the action appended.
    pub seq: u64,
    /// The case version after the action: the next `If-Match`. (Absent from an intake's answer,
    /// which the console's outbox reads with this same shape.)
    #[serde(default)]
    pub version: u64,
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
        .conn()
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
    ctx.conn().execute(
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

fn lawyer_name(ctx: &WriteCtx<'_>, id: i64) -> Result<String, StoreError> {
    ctx.conn()
        .query_row(
            "SELECT name FROM staff WHERE id = ?1 AND role = 'lawyer'",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid(format!("lawyer_id: no lawyer has id {id}")))
}

impl Store {
    /// Applies one staff action. Answers, in this order: the first answer again for a repeated
    /// key; not found for a case outside the author's scope; stale (with the case) for a wrong
    /// version; refused (with the case) when the case's state does not allow it.
    pub async fn act(
        &self,
        action: StaffAction,
        now: DateTime<Utc>,
    ) -> Result<Outcome<ActionResponse>, StoreError> {
        self.write(move |ctx| {
            let a = action;
            if let Some(previous) = previous_answer(ctx, a.staff.id, &a.key, &a.fingerprint)? {
                return Ok(Outcome {
                    value: previous,
                    replayed: true,
                });
            }
            let case = ctx.case(a.case_id)?.ok_or(StoreError::NotFound)?;
            if !a
                .scope
                .allows(&case.consulate, case.also_consulate(), case.assigned_lawyer)
            {
                return Err(StoreError::NotFound);
            }
            if case.version != a.expected_version {
                return Err(stale(
                    format!(
                        "the case is at version {}, not {}: someone acted on it first",
                        case.version, a.expected_version
                    ),
                    case,
                ));
            }
            if let Err(refusal) = case.permits(a.body.kind()) {
                return Err(stale(refusal.to_string(), case));
            }
            let body = match a.body {
                ActionBody::Acknowledge => EventBody::CaseAcknowledged,
                ActionBody::Assign { lawyer_id } => {
                    if case.assigned_lawyer == Some(lawyer_id) {
                        return Err(stale(
                            "the case is already assigned to this lawyer".into(),
                            case,
                        ));
                    }
                    EventBody::LawyerAssigned(LawyerAssigned {
                        lawyer_id,
                        lawyer_name: lawyer_name(ctx, lawyer_id)?,
                        previous: case.assigned_lawyer,
                    })
                }
                ActionBody::Checkpoint(c) => EventBody::CheckpointLogged(CheckpointLogged {
                    code: c.code,
                    happened_at: c.at,
                    fields: c.fields,
                    note: c.note,
                }),
                ActionBody::Note(text) => EventBody::NoteAdded(NoteAdded { text }),
                ActionBody::Close { outcome, note } => {
                    EventBody::CaseClosed(CaseClosed { outcome, note })
                }
                ActionBody::Reopen { reason } => EventBody::CaseReopened(CaseReopened { reason }),
                ActionBody::Transfer {
                    to_consulate,
                    reason,
                } => {
                    if to_consulate == case.consulate {
                        return Err(StoreError::Invalid(
                            "to_consulate: the case is already with this consulate".into(),
                        ));
                    }
                    EventBody::TransferRequested(TransferRequested {
                        to_consulate,
                        reason,
                    })
                }
                ActionBody::AcceptTransfer => {
                    let to = case.also_consulate().unwrap_or_default().to_string();
                    // Only the receiving consulate (or a national supervisor) takes a case over.
                    if a.staff.consulate.as_ref().is_some_and(|mine| *mine != to) {
                        return Err(stale(
                            "only the receiving consulate may accept this case".into(),
                            case,
                        ));
                    }
                    EventBody::TransferAccepted(TransferAccepted {
                        from_consulate: case.consulate.clone(),
                        to_consulate: to,
                    })
                }
            };
            let actor = Actor::Staff {
                id: a.staff.id,
                name: a.staff.name.clone(),
                role: a.staff.role,
            };
            let (event, after) = ctx.append(
                case.id,
                &case.consulate,
                actor,
                now,
                Some(a.expected_version),
                body,
            )?;
            let answer = ActionResponse {
                case_id: case.id,
                seq: event.seq,
                version: after.version,
            };
            remember_answer(ctx, a.staff.id, &a.key, &a.fingerprint, &answer, now)?;
            Ok(Outcome {
                value: answer,
                replayed: false,
            })
        })
        .await
    }

    /// Adds a staff member under a token hash; returns the new id. With an `Idempotency-Key`
    /// already used by `author` for the same request, the same member gets the new token hash
    /// instead (the first token may never have been seen).
    pub async fn add_staff(
        &self,
        new: NewStaff,
        token_hash: String,
        idempotency: Option<(i64, String, String)>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<i64>, StoreError> {
        self.write(move |ctx| {
            if let Some((author, key, fingerprint)) = &idempotency
                && let Some(id) = previous_answer::<i64>(ctx, *author, key, fingerprint)?
            {
                ctx.conn().execute(
                    "UPDATE staff SET token_hash = ?1 WHERE id = ?2",
                    params![token_hash, id],
                )?;
                return Ok(Outcome {
                    value: id,
                    replayed: true,
                });
            }
            ctx.conn().execute(
                "INSERT INTO staff (name, role, consulate, token_hash, created_at, serves,
                                    languages, capacity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
            )?;
            let id = ctx.conn().last_insert_rowid();
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

    /// The lawyers' roster with each one's open cases.
    pub async fn lawyers(&self) -> Result<Vec<LawyerInfo>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT s.id, s.name, s.serves, s.languages, s.capacity,
                        (SELECT COUNT(*) FROM cases c
                          WHERE c.lawyer_id = s.id AND c.status <> 'closed')
                   FROM staff s WHERE s.role = ?1 ORDER BY s.name, s.id",
            )?;
            let rows = stmt.query_map([Role::Lawyer.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, serves, languages, capacity, open) = row?;
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

fn stale(message: String, case: Case) -> StoreError {
    StoreError::Stale {
        message,
        case: Box::new(case),
    }
}
