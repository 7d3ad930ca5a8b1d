//! The writes the hub accepts. Each runs as one job in the writer, so its checks and its changes
//! are atomic, and its caller hears back only after the commit.

use std::sync::Arc;

use super::db::{Conn, OptionalExtension, params};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::deliveries;
use super::{Store, StoreError, WriteCtx};
use crate::api::{AlertResponse, CancelResponse};
use crate::domain::alert::{AlertKind, AlertRequest, CancelRequest, LocationRequest};
use crate::domain::case::CaseStatus;
use crate::domain::consulate::Consulate;
use crate::domain::event::{
    Actor, AlertCancelled, AlertRaised, AlertRepeated, Encoded, EventBody, LocationUpdated,
    NoticeAbout,
};
use crate::domain::geo;
use crate::domain::registrant::Profile;

/// Presses coalesce into the open case past `after` within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Coalesce {
    pub window: chrono::Duration,
    pub after: u32,
}

/// Whether presses are already waiting to be written for this case (then a new one joins them,
/// so the count stays in order).
fn pending_coalesced(ctx: &WriteCtx<'_>, case_id: u64) -> Result<bool, StoreError> {
    Ok(ctx
        .query_row(
            "SELECT 1 FROM coalesced_presses WHERE case_id = ?1",
            [case_id as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn coalesce_press(
    ctx: &WriteCtx<'_>,
    case_id: u64,
    req: &AlertRequest,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let kind = serde_json::to_value(req.kind)?;
    ctx.execute(
        "INSERT INTO coalesced_presses (case_id, count, alert_id, kind, location, pressed_at,
                                        first_at)
         VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (case_id) DO UPDATE SET count = coalesced_presses.count + 1,
             alert_id = excluded.alert_id,
             -- a press that says detained outranks one that says imminent
             kind = CASE WHEN excluded.kind = 'detained' THEN 'detained'
                         ELSE coalesced_presses.kind END,
             location = excluded.location, pressed_at = excluded.pressed_at",
        params![
            case_id as i64,
            req.id.to_string(),
            kind.as_str().unwrap_or("imminent"),
            serde_json::to_string(&req.location())?,
            req.pressed_at.to_rfc3339(),
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

impl Store {
    /// Writes the presses coalesced at least `window` ago as one event per case.
    pub async fn flush_coalesced(
        &self,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<usize, StoreError> {
        // Read first: an idle hub must not open a write (and an fsync) every second.
        let cutoff = (now - window).to_rfc3339();
        let any = self
            .read(move |tx| {
                Ok(tx
                    .query_row(
                        "SELECT 1 FROM coalesced_presses WHERE first_at <= ?1 LIMIT 1",
                        [cutoff],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some())
            })
            .await?;
        if !any {
            return Ok(0);
        }
        self.write(move |ctx| {
            type Row = (i64, i64, String, String, String, String);
            let due: Vec<Row> = {
                ctx.conn().query_map(
                    "SELECT case_id, count, alert_id, kind, location, pressed_at
                       FROM coalesced_presses WHERE first_at <= ?1",
                    [(now - window).to_rfc3339()],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )?
            };
            for (case_id, count, alert_id, kind, location, pressed_at) in &due {
                ctx.execute(
                    "DELETE FROM coalesced_presses WHERE case_id = ?1",
                    [case_id],
                )?;
                let Some(case) = ctx.case(*case_id as u64)? else {
                    continue;
                };
                let body = EventBody::AlertRepeated(AlertRepeated {
                    alert_id: Uuid::parse_str(alert_id)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    kind: serde_json::from_value(serde_json::Value::String(kind.clone()))?,
                    location: serde_json::from_str(location)?,
                    pressed_at: DateTime::parse_from_rfc3339(pressed_at)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    count: u32::try_from(*count).unwrap_or(u32::MAX),
                    intake: None,
                    registrant: None,
                });
                // A closed case still records them: the person pressed while it was open.
                ctx.append(case.id, &case.consulate, Actor::Phone, now, None, body)?;
            }
            Ok(due.len())
        })
        .await
    }
}

/// The result of a write that may have been a retry.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    pub value: T,
    /// True when the same request had already been accepted: nothing new was written.
    pub replayed: bool,
}

/// A registrant's profile, if they exist and were not erased.
pub(super) fn registrant(ctx: &WriteCtx<'_>, id: i64) -> Result<Option<Profile>, StoreError> {
    let sealed: Option<String> = match ctx.known_registrant(id) {
        // A press read the row already, in this transaction.
        Some(held) => match held.get(&super::rows::REGISTRANTS, "profile") {
            Some(crate::hub::store::db::Owned::Text(t)) => Some(t.clone()),
            _ => None,
        },
        None => ctx
            .query_row("SELECT profile FROM registrants WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?,
    };
    Ok(sealed
        .map(|s| ctx.vault().unseal_json(&s))
        .transpose()?
        .flatten())
}

impl Store {
    /// Opens a case for a press, routed to the consulate whose district holds the place. The alert id makes it
    /// idempotent: the same id from the same phone returns the first answer.
    pub async fn raise_alert(
        &self,
        registrant_id: i64,
        req: AlertRequest,
        consulates: Arc<Vec<Consulate>>,
        notify: bool,
        coalesce: Option<Coalesce>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<AlertResponse>, StoreError> {
        // The body a repeated press makes is the request's alone: encoded here, not on the
        // writer thread every press waits for.
        let location = req.location();
        let repeat = Encoded::new(EventBody::AlertRepeated(AlertRepeated {
            alert_id: req.id,
            kind: req.kind,
            location,
            pressed_at: req.pressed_at,
            count: 1,
            intake: None,
            registrant: None,
        }))?;
        self.write(move |ctx| {
            let known = press_row(ctx, registrant_id, req.id)?;
            let watched = known.watched;
            let outcome = raise_in(
                ctx,
                registrant_id,
                &req,
                repeat,
                &consulates,
                notify,
                coalesce,
                now,
                Actor::Phone,
                Some(known),
            )?;
            if watched && !outcome.replayed {
                super::appointment_rows::link_press(
                    ctx,
                    registrant_id,
                    outcome.value.case_id,
                    now,
                )?;
            }
            Ok(outcome)
        })
        .await
    }

    /// Marks the phone's own alert cancelled. Cancelling twice answers as the first time did.
    pub async fn cancel_alert(
        &self,
        registrant_id: i64,
        alert_id: Uuid,
        request: CancelRequest,
        consulates: Arc<Vec<Consulate>>,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Result<Outcome<CancelResponse>, StoreError> {
        self.write(move |ctx| {
            let case = own_case(ctx, alert_id, registrant_id)?;
            let case_id = case.id;
            // Under duress the case stays open, so "already cancelled" means either mark: the
            // answer must be the same whichever PIN was used.
            if case.cancelled.is_some() || case.duress_at.is_some() {
                return Ok(Outcome {
                    value: CancelResponse {
                        alert_id,
                        case_id,
                        status: "cancelled".into(),
                        seq: cancel_seq(&case).unwrap_or(case.last_seq),
                    },
                    replayed: true,
                });
            }
            let body = EventBody::AlertCancelled(AlertCancelled {
                alert_id,
                reason: request.reason,
                duress: request.duress,
            });
            let (event, after) =
                ctx.append(case_id, &case.consulate, Actor::Phone, now, None, body)?;
            // Relatives hear of a real cancel; under duress they are not told "all is well".
            if notify && !request.duress {
                let label = consulates
                    .iter()
                    .find(|c| c.id == after.consulate)
                    .map(|c| c.label())
                    .unwrap_or_default();
                deliveries::queue(ctx, &after, NoticeAbout::Cancel, &label, now)?;
            }
            Ok(Outcome {
                value: CancelResponse {
                    alert_id,
                    case_id,
                    status: "cancelled".into(),
                    seq: event.seq,
                },
                replayed: false,
            })
        })
        .await
    }
}

impl Store {
    /// Adds a later position to the phone's own alert's case. The same fix again (same time and
    /// place) answers as the first time did.
    pub async fn update_location(
        &self,
        registrant_id: i64,
        alert_id: Uuid,
        request: LocationRequest,
        now: DateTime<Utc>,
    ) -> Result<Outcome<crate::api::LocationResponse>, StoreError> {
        self.write(move |ctx| {
            let case = own_case(ctx, alert_id, registrant_id)?;
            let case_id = case.id;
            let location = request.location();
            let answer = |seq| crate::api::LocationResponse { case_id, seq };
            if case
                .trail
                .iter()
                .any(|f| f.at == request.at && f.location == location)
            {
                return Ok(Outcome {
                    value: answer(case.last_seq),
                    replayed: true,
                });
            }
            if case.status == CaseStatus::Closed {
                return Err(StoreError::Conflict(
                    "this alert's case is closed; press the button again if you need help".into(),
                ));
            }
            let body = EventBody::LocationUpdated(LocationUpdated {
                alert_id,
                location,
                fixed_at: request.at,
            });
            let (event, _) = ctx.append(case_id, &case.consulate, Actor::Phone, now, None, body)?;
            Ok(Outcome {
                value: answer(event.seq),
                replayed: false,
            })
        })
        .await
    }
}

/// Opens a case for a press (or raises it on an open one): the whole of a press's write, for
/// the phone's own press and for an alert the hub raises for a person (a missed appointment,
/// `actor` the hub). The alert id makes it idempotent.
#[allow(clippy::too_many_arguments)]
pub(super) fn raise_in(
    ctx: &mut WriteCtx<'_>,
    registrant_id: i64,
    req: &AlertRequest,
    repeat: Encoded,
    consulates: &[Consulate],
    notify: bool,
    coalesce: Option<Coalesce>,
    now: DateTime<Utc>,
    actor: Actor,
    known: Option<Known>,
) -> Result<Outcome<AlertResponse>, StoreError> {
    let location = req.location();
    let (previous, open) = match known {
        Some(k) => (
            earlier_answer(k.previous, registrant_id)?,
            open_case_with(ctx, k.open_case_id)?,
        ),
        None => (
            previous_alert(ctx, req.id, registrant_id)?,
            open_case_of(ctx, registrant_id)?,
        ),
    };
    if let Some(previous) = previous {
        return Ok(Outcome {
            value: previous.1,
            replayed: true,
        });
    }
    if let Some(case) = open {
        // Pressed again while their case is open: the same case, not a new one.
        let consulate = consulates.iter().find(|c| c.id == case.consulate);
        let distance_km = consulate
            .map(|c| geo::distance_km(c.point(), location.point()))
            .unwrap_or(case.distance_km);
        // Never held back: a press after a cancel (it reopens the alert) or one that now
        // says "detained".
        let news = case.status == CaseStatus::Cancelled
            || req.kind == AlertKind::AppointmentMissed
            || (req.kind == AlertKind::Detained && case.kind != AlertKind::Detained);
        let again = !news
            && coalesce.is_some_and(|c| {
                case.presses_within(now, c.window) >= c.after as usize
                    || pending_coalesced(ctx, case.id).unwrap_or(false)
            });
        // The person's own phone on a case a call made for them: the match is
        // confirmed, their registration fills the case in, and their relatives are told
        // now (a call alone tells no one).
        let confirms = case.registrant_id == registrant_id
            && case.intake.as_ref().is_some_and(|i| i.identity_only);
        let seq = if confirms {
            let profile = registrant(ctx, registrant_id)?.ok_or(StoreError::NotFound)?;
            let body = EventBody::AlertRepeated(AlertRepeated {
                alert_id: req.id,
                kind: req.kind,
                location,
                pressed_at: req.pressed_at,
                count: 1,
                intake: None,
                registrant: Some(profile),
            });
            let (event, case) =
                ctx.append(case.id, &case.consulate, actor.clone(), now, None, body)?;
            if notify {
                let label = consulate.map(|c| c.label()).unwrap_or_default();
                deliveries::queue(ctx, &case, NoticeAbout::Alert, &label, now)?;
            }
            event.seq
        } else if again {
            // Again and again within the window: a count and the latest position,
            // kept durably, and one event for them all when the window has passed.
            coalesce_press(ctx, case.id, req, now)?;
            case.last_seq
        } else {
            let (event, _) =
                ctx.append_encoded(case.id, &case.consulate, actor.clone(), now, None, repeat)?;
            event.seq
        };
        let response = AlertResponse {
            alert_id: req.id,
            case_id: case.id,
            consulate: case.consulate.clone(),
            consulate_name: consulate.map(|c| c.label()).unwrap_or_default(),
            distance_km,
            seq,
        };
        remember_alert(ctx, req.id, registrant_id, &response)?;
        return Ok(Outcome {
            value: response,
            replayed: false,
        });
    }
    // Read only when a case opens: a repeated press carries no profile.
    let registrant = registrant(ctx, registrant_id)?.ok_or(StoreError::NotFound)?;
    // The consulate whose district holds the place; the nearest where the table has
    // no row (the case's jurisdiction card says which).
    let (consulate, distance_km, _) = crate::domain::jurisdiction::Jurisdictions::current()
        .route(location.point(), consulates)
        .ok_or_else(|| StoreError::Setup("no consulates are configured".into()))?;
    let case_id = ctx.next_case_id()?;
    let body = EventBody::AlertRaised(AlertRaised {
        alert_id: req.id,
        registrant_id,
        registrant,
        kind: req.kind,
        location,
        pressed_at: req.pressed_at,
        distance_km,
        intake: None,
    });
    let (event, case) = ctx.append(case_id, &consulate.id, actor, now, None, body)?;
    if notify {
        deliveries::queue(ctx, &case, NoticeAbout::Alert, &consulate.label(), now)?;
    }
    let response = AlertResponse {
        alert_id: req.id,
        case_id,
        consulate: consulate.id.clone(),
        consulate_name: consulate.label(),
        distance_km,
        seq: event.seq,
    };
    remember_alert(ctx, req.id, registrant_id, &response)?;
    Ok(Outcome {
        value: response,
        replayed: false,
    })
}

/// The case of one of this phone's own alerts. Someone else's alert is "not found": a phone
/// learns nothing about other people.
fn own_case(
    ctx: &mut WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
) -> Result<crate::domain::case::Case, StoreError> {
    device_alive(ctx, registrant_id)?;
    let (case_id, _) = previous_alert(ctx, alert_id, registrant_id)
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::NotFound,
            other => other,
        })?
        .ok_or(StoreError::NotFound)?;
    ctx.case(case_id)?.ok_or(StoreError::NotFound)
}

/// Refuses a device revoked since its token was last looked up: checked inside the write, so a
/// device replaced, revoked or erased by any process (another hub, `guardia admin`, retention)
/// stops acting at once, whatever a hub's cache of tokens still says.
pub(super) fn device_alive(ctx: &WriteCtx<'_>, registrant_id: i64) -> Result<(), StoreError> {
    let revoked: Option<bool> = ctx
        .query_row(
            "SELECT revoked FROM registrants WHERE id = ?1",
            [registrant_id],
            |r| r.get(0),
        )
        .optional()?;
    match revoked {
        Some(false) => Ok(()),
        _ => Err(StoreError::DeviceRevoked(registrant_id)),
    }
}

/// What a press's write needs to know before it decides, read in one statement (one round trip
/// on PostgreSQL instead of four): the device is alive, the case it has open, whether an
/// appointment is watched, and any earlier answer to this alert id.
pub(super) struct Known {
    open_case_id: Option<i64>,
    watched: bool,
    /// The registrant and case of an earlier press with this alert id, and the answer it got.
    previous: Option<(i64, i64, String)>,
}

fn press_row(
    ctx: &mut WriteCtx<'_>,
    registrant_id: i64,
    alert_id: Uuid,
) -> Result<Known, StoreError> {
    type Row = (
        bool,
        Option<i64>,
        bool,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        super::held::Held,
    );
    // The registrant's whole row comes too: a press that opens a case takes the profile and
    // the key from it and sets the open case in one statement (`WriteCtx::known`). Written
    // once: every press runs it.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT r.revoked, r.open_case_id,
                    EXISTS (SELECT 1 FROM appointments
                             WHERE registrant_id = ?1 AND state = 'watched'),
                    a.registrant_id, a.case_id, a.response, c.last_seq, c.key_id, {}
               FROM registrants r LEFT JOIN alerts a ON a.alert_id = ?2
               LEFT JOIN cases c ON c.id = r.open_case_id
              WHERE r.id = ?1",
            super::rows::REGISTRANTS.columns_from("r")
        )
    });
    let row: Option<Row> = ctx
        .query_row(&SQL, params![registrant_id, alert_id.to_string()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                super::held::Held::read(r, &super::rows::REGISTRANTS, 8)?,
            ))
        })
        .optional()?;
    match row {
        Some((false, open_case_id, watched, owner, case, response, last_seq, key, held)) => {
            ctx.known = Some(held);
            ctx.known_case = open_case_id
                .zip(last_seq)
                .map(|(id, last)| (id as u64, last as u64, key));
            Ok(Known {
                open_case_id,
                watched,
                previous: match (owner, case, response) {
                    (Some(o), Some(c), Some(r)) => Some((o, c, r)),
                    _ => None,
                },
            })
        }
        _ => Err(StoreError::DeviceRevoked(registrant_id)),
    }
}

/// The registrant's case that is not closed, if any: a new press attaches to it.
pub(super) fn open_case_of(
    ctx: &mut WriteCtx<'_>,
    registrant_id: i64,
) -> Result<Option<crate::domain::case::Case>, StoreError> {
    // The id from the column, the case through the writer's cache: a press on a busy case
    // parses nothing.
    let id: Option<i64> = ctx
        .query_row(
            "SELECT open_case_id FROM registrants WHERE id = ?1",
            [registrant_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    open_case_with(ctx, id)
}

/// The case `open_case_id` names, unless it is closed.
fn open_case_with(
    ctx: &mut WriteCtx<'_>,
    id: Option<i64>,
) -> Result<Option<crate::domain::case::Case>, StoreError> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(ctx
        .case(id as u64)?
        .filter(|c| c.status != CaseStatus::Closed))
}

/// [`open_case_of`] on any connection (the readers' too). The case in its clear (erased) form:
/// enough for where it is and how it stands, which is all its callers ask.
pub(super) fn open_case_in(
    conn: &Conn,
    registrant_id: i64,
) -> Result<Option<crate::domain::case::Case>, StoreError> {
    let state: Option<String> = conn
        .query_row(
            "SELECT c.state FROM registrants r JOIN cases c ON c.id = r.open_case_id
              WHERE r.id = ?1",
            [registrant_id],
            |r| r.get(0),
        )
        .optional()?;
    let case: Option<crate::domain::case::Case> =
        state.map(|s| serde_json::from_str(&s)).transpose()?;
    Ok(case.filter(|c| c.status != CaseStatus::Closed))
}

fn remember_alert(
    ctx: &WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
    response: &AlertResponse,
) -> Result<(), StoreError> {
    ctx.write_later(
        "INSERT INTO alerts (alert_id, registrant_id, case_id, response) VALUES (?1, ?2, ?3, ?4)",
        params![
            alert_id.to_string(),
            registrant_id,
            response.case_id as i64,
            serde_json::to_string(response)?
        ],
    )?;
    Ok(())
}

/// The case and first answer for an alert id this registrant already sent. The same id from a
/// different registrant is a conflict, never a look into someone else's case.
fn previous_alert(
    ctx: &WriteCtx<'_>,
    alert_id: Uuid,
    registrant_id: i64,
) -> Result<Option<(u64, AlertResponse)>, StoreError> {
    let row: Option<(i64, i64, String)> = ctx
        .query_row(
            "SELECT registrant_id, case_id, response FROM alerts WHERE alert_id = ?1",
            [alert_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    earlier_answer(row, registrant_id)
}

/// An earlier press's row read back: its answer if it was this registrant's; the same id from
/// another registrant is a conflict, never a look into someone else's case.
fn earlier_answer(
    row: Option<(i64, i64, String)>,
    registrant_id: i64,
) -> Result<Option<(u64, AlertResponse)>, StoreError> {
    match row {
        None => Ok(None),
        Some((owner, _, _)) if owner != registrant_id => Err(StoreError::Conflict(
            "this alert id is already in use; generate a new UUID".into(),
        )),
        Some((_, case_id, response)) => {
            Ok(Some((case_id as u64, serde_json::from_str(&response)?)))
        }
    }
}

fn cancel_seq(case: &crate::domain::case::Case) -> Option<u64> {
    case.cancel_seq
}
