//! Watched appointments: what a phone scheduled, its "out" and its cancel, the pass that raises
//! an alert for an appointment nobody came out of, and the consulate's list of what is coming.
//! The place and what the person said are sealed under the person's key; the row is sealed too.
//!
//! Exactly once: the pass reads what is due, then, inside the write, moves each row from
//! `watched` to `missed` with a conditional update. Hubs sharing a PostgreSQL database write one
//! at a time, so a second hub finds the row moved and raises nothing; the alert also carries the
//! id fixed when the appointment was made, which the alerts table takes only once.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::alerts::{Outcome, device_alive, raise_in};
use super::appointment_rows::{COLUMNS, Row, link, open, own_row, row, set_state};
use super::db::{OptionalExtension, params};
use super::writer::sortable_time;
use super::{Store, StoreError, WriteCtx, deliveries};
use crate::api::AlertResponse;
use crate::domain::alert::{AlertKind, AlertRequest, CancelReason};
use crate::domain::appointment::{
    Appointment, AppointmentOut, AppointmentState, Linked, MAX_PER_DAY, MAX_WAITING,
};
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, AlertCancelled, AlertRepeated, Encoded, EventBody, NoticeAbout};

/// Most appointments a pass raises; more continue on the next pass.
const BATCH: i64 = 200;

/// The phone's request, checked, with where it routes.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub appointment: Appointment,
    /// The phone's `Idempotency-Key`, and the request it came with.
    pub key: String,
    pub fingerprint: String,
}

/// The alert a missed appointment (or an "out" under duress) raises: at the appointment's place,
/// with the id fixed when it was made.
fn alert_for(a: &Appointment, alert_id: &str, kind: AlertKind, at: DateTime<Utc>) -> AlertRequest {
    AlertRequest {
        id: Uuid::parse_str(alert_id).unwrap_or_else(|_| Uuid::new_v4()),
        lat: a.place.lat,
        lon: a.place.lon,
        // A building: where the person went in, not a phone's fix.
        accuracy_m: 100.0,
        pressed_at: at,
        kind,
    }
}

#[allow(clippy::too_many_arguments)]
fn raise_for(
    ctx: &mut WriteCtx<'_>,
    row: &Row,
    a: &Appointment,
    kind: AlertKind,
    at: DateTime<Utc>,
    consulates: &[Consulate],
    now: DateTime<Utc>,
    actor: Actor,
) -> Result<Outcome<AlertResponse>, StoreError> {
    let req = alert_for(a, &row.alert_id, kind, at);
    let repeat = Encoded::new(EventBody::AlertRepeated(AlertRepeated {
        alert_id: req.id,
        kind: req.kind,
        location: req.location(),
        pressed_at: req.pressed_at,
        count: 1,
        intake: None,
        registrant: None,
    }))?;
    // Relatives are told below, in the appointment's own words, or not at all (duress).
    raise_in(
        ctx,
        row.registrant_id,
        &req,
        repeat,
        consulates,
        false,
        None,
        now,
        actor,
        None,
    )
}

impl Store {
    /// Schedules a watched appointment for the phone's owner. The same key again answers as the
    /// first time; a key reused for another request is refused.
    pub async fn schedule_appointment(
        &self,
        registrant_id: i64,
        new: NewAppointment,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Appointment>, StoreError> {
        self.write(move |ctx| {
            device_alive(ctx, registrant_id)?;
            let earlier: Option<(String, Row)> = ctx
                .query_row(
                    // The row's columns first, as `row` reads them; the fingerprint after.
                    &format!(
                        "SELECT {COLUMNS}, fingerprint FROM appointments
                          WHERE registrant_id = ?1 AND request_key = ?2"
                    ),
                    params![registrant_id, new.key],
                    |r| Ok((r.get(6)?, row(r)?)),
                )
                .optional()?;
            if let Some((fingerprint, r)) = earlier {
                if fingerprint != new.fingerprint {
                    return Err(StoreError::Invalid(
                        "this Idempotency-Key was already used for a different appointment; \
                         use a new key"
                            .into(),
                    ));
                }
                let a = open(ctx.vault(), &r)?.ok_or(StoreError::NotFound)?;
                return Ok(Outcome {
                    value: a,
                    replayed: true,
                });
            }
            let waiting: i64 = ctx.query_row(
                "SELECT COUNT(*) FROM appointments WHERE registrant_id = ?1 AND state = 'watched'",
                [registrant_id],
                |r| r.get(0),
            )?;
            if waiting as usize >= MAX_WAITING {
                return Err(StoreError::Conflict(format!(
                    "this phone already has {MAX_WAITING} appointments watched; cancel one or \
                     wait until one is over"
                )));
            }
            let today: i64 = ctx.query_row(
                "SELECT COUNT(*) FROM appointments WHERE registrant_id = ?1 AND created_at >= ?2",
                params![registrant_id, sortable_time(now - Duration::days(1))],
                |r| r.get(0),
            )?;
            if today as usize >= MAX_PER_DAY {
                return Err(StoreError::Limited("appointments_per_device_per_day", 3600));
            }
            let key_id: i64 = ctx.query_row(
                "SELECT key_id FROM registrants WHERE id = ?1",
                [registrant_id],
                |r| r.get(0),
            )?;
            let mut a = new.appointment;
            a.state = AppointmentState::Watched;
            a.case_id = None;
            let ends_at = a.due_at(Duration::zero());
            let sealed = ctx.vault().seal(key_id, &serde_json::to_string(&a)?)?;
            let id: i64 = ctx.query_row(
                "INSERT INTO appointments (registrant_id, request_key, fingerprint, consulate, kind,
                                           starts_at, ends_at, state, facility, alert_id, body,
                                           key_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'watched', ?8, ?9, ?10, ?11, ?12)
                 RETURNING id",
                params![
                    registrant_id,
                    new.key,
                    new.fingerprint,
                    a.consulate,
                    a.kind.as_str(),
                    sortable_time(a.starts_at),
                    sortable_time(ends_at),
                    a.place.facility.clone().unwrap_or_default(),
                    Uuid::new_v4().to_string(),
                    sealed,
                    key_id,
                    sortable_time(now)
                ],
                |r| r.get(0),
            )?;
            ctx.reseal(&super::rows::APPOINTMENTS, id)?;
            a.id = id as u64;
            Ok(Outcome {
                value: a,
                replayed: false,
            })
        })
        .await
    }

    /// The phone's own appointments, soonest first: those still watched and the last week's.
    pub async fn appointments_of(
        &self,
        registrant_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Appointment>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |conn| {
            let rows: Vec<Row> = conn.query_map(
                &format!(
                    "SELECT {COLUMNS} FROM appointments
                      WHERE registrant_id = ?1 AND (state = 'watched' OR starts_at >= ?2)
                      ORDER BY starts_at, id"
                ),
                params![registrant_id, sortable_time(now - Duration::days(7))],
                row,
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.extend(open(&vault, r)?);
            }
            Ok(out)
        })
        .await
    }

    /// "I'm out, all well". Before the time is up it ends the watch. After an alert was raised
    /// it closes nothing: the case records that the person said so, for an officer to weigh.
    /// Under duress (`duress`) the phone is answered exactly as for a real "out", and a case is
    /// raised (or the open one marked) as a duress cancel does.
    pub async fn appointment_out(
        &self,
        registrant_id: i64,
        id: u64,
        duress: bool,
        consulates: std::sync::Arc<Vec<Consulate>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Appointment>, StoreError> {
        self.write(move |ctx| {
            device_alive(ctx, registrant_id)?;
            let r = own_row(ctx, registrant_id, id)?;
            let mut a = open(ctx.vault(), &r)?.ok_or(StoreError::NotFound)?;
            // What the phone is shown: "out", whatever happened behind it.
            let shown = |mut a: Appointment, replayed| {
                a.state = AppointmentState::Out;
                a.case_id = None;
                Ok(Outcome { value: a, replayed })
            };
            match r.state {
                AppointmentState::Cancelled => Err(StoreError::Conflict(
                    "this appointment was cancelled; there is nothing to come out of".into(),
                )),
                AppointmentState::Out if !duress || r.case_id.is_some() => shown(a, true),
                AppointmentState::Watched | AppointmentState::Out => {
                    if duress {
                        let raised = raise_for(
                            ctx,
                            &r,
                            &a,
                            AlertKind::Imminent,
                            now,
                            &consulates,
                            now,
                            Actor::Phone,
                        )?;
                        let case_id = raised.value.case_id;
                        link(ctx, case_id, &a, Linked::Duress, Actor::Phone, now)?;
                        mark_duress(ctx, case_id, raised.value.alert_id, now)?;
                        set_state(ctx, r.id, AppointmentState::Out, Some(case_id))?;
                    } else {
                        set_state(ctx, r.id, AppointmentState::Out, None)?;
                    }
                    a.state = AppointmentState::Out;
                    shown(a, false)
                }
                AppointmentState::Missed | AppointmentState::Pressed => {
                    let case_id = r.case_id.ok_or_else(|| {
                        StoreError::Corrupt(format!("appointment {} has no case", r.id))
                    })? as u64;
                    let case = ctx.case(case_id)?.ok_or(StoreError::NotFound)?;
                    let said = case
                        .appointment
                        .as_ref()
                        .is_some_and(|x| x.id == id && x.out_at.is_some());
                    if said && (!duress || case.duress_at.is_some()) {
                        return shown(a, true);
                    }
                    if !said {
                        let body = EventBody::AppointmentOut(AppointmentOut { appointment_id: id });
                        ctx.append(case.id, &case.consulate, Actor::Phone, now, None, body)?;
                    }
                    if duress {
                        mark_duress(ctx, case_id, case.alert_id, now)?;
                    }
                    shown(a, false)
                }
            }
        })
        .await
    }

    /// Cancels a watched appointment. Once its alert is raised, the alert is what to cancel.
    pub async fn cancel_appointment(
        &self,
        registrant_id: i64,
        id: u64,
    ) -> Result<Outcome<Appointment>, StoreError> {
        self.write(move |ctx| {
            device_alive(ctx, registrant_id)?;
            let r = own_row(ctx, registrant_id, id)?;
            let mut a = open(ctx.vault(), &r)?.ok_or(StoreError::NotFound)?;
            match r.state {
                AppointmentState::Watched => {
                    set_state(ctx, r.id, AppointmentState::Cancelled, None)?;
                    a.state = AppointmentState::Cancelled;
                    Ok(Outcome {
                        value: a,
                        replayed: false,
                    })
                }
                AppointmentState::Cancelled => Ok(Outcome {
                    value: a,
                    replayed: true,
                }),
                AppointmentState::Out => Err(StoreError::Conflict(
                    "you already said you came out of this appointment".into(),
                )),
                AppointmentState::Missed | AppointmentState::Pressed => {
                    Err(StoreError::Conflict(format!(
                        "an alert was already raised for this appointment; to say you are \
                         safe, cancel the alert (POST /v1/alerts/{}/cancel)",
                        r.alert_id
                    )))
                }
            }
        })
        .await
    }

    /// Raises an alert for every watched appointment whose time, expected length and `grace`
    /// have passed with no "out", at the appointment's place. Returns how many were raised.
    pub async fn watch_appointments(
        &self,
        now: DateTime<Utc>,
        grace: Duration,
        consulates: std::sync::Arc<Vec<Consulate>>,
        notify: bool,
    ) -> Result<usize, StoreError> {
        let cutoff = sortable_time(now - grace);
        // A read first: most passes find nothing due, and a write would cost a commit.
        let probe = cutoff.clone();
        let any = self
            .read(move |conn| {
                Ok(conn.exists(
                    "SELECT 1 FROM appointments WHERE state = 'watched' AND ends_at <= ?1 LIMIT 1",
                    [probe],
                )?)
            })
            .await?;
        if !any {
            return Ok(0);
        }
        self.write(move |ctx| {
            let due: Vec<Row> = ctx.conn().query_map(
                &format!(
                    "SELECT {COLUMNS} FROM appointments
                      WHERE state = 'watched' AND ends_at <= ?1 ORDER BY ends_at, id LIMIT ?2"
                ),
                params![cutoff, BATCH],
                row,
            )?;
            let mut raised = 0;
            for r in due {
                // Exactly once: only the write that moves the row raises its alert.
                let moved = ctx.execute(
                    "UPDATE appointments SET state = 'missed' WHERE id = ?1 AND state = 'watched'",
                    [r.id],
                )?;
                if moved == 0 {
                    continue;
                }
                let Some(a) = open(ctx.vault(), &r)? else {
                    // The person was erased: nobody is left to look for.
                    set_state(ctx, r.id, AppointmentState::Cancelled, None)?;
                    continue;
                };
                // Raised now, by the hub: nobody pressed anything.
                let outcome = raise_for(
                    ctx,
                    &r,
                    &a,
                    AlertKind::AppointmentMissed,
                    now,
                    &consulates,
                    now,
                    Actor::Hub,
                )?;
                let case_id = outcome.value.case_id;
                let case = link(ctx, case_id, &a, Linked::Missed, Actor::Hub, now)?;
                if notify {
                    deliveries::queue(
                        ctx,
                        &case,
                        NoticeAbout::Alert,
                        &outcome.value.consulate_name,
                        now,
                    )?;
                }
                set_state(ctx, r.id, AppointmentState::Missed, Some(case_id))?;
                raised += 1;
            }
            Ok(raised)
        })
        .await
    }

    /// The appointments `consulate` watches starting in `[from, to)`, soonest first, opened:
    /// what an officer plans observers and lawyers by.
    pub async fn appointments_watched(
        &self,
        consulate: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |conn| {
            let (from, to) = (sortable_time(from), sortable_time(to));
            let rows: Vec<Row> = conn.query_map(
                &format!(
                    "SELECT {COLUMNS} FROM appointments
                      WHERE consulate = ?1 AND starts_at >= ?2 AND starts_at < ?3
                        AND state <> 'cancelled'
                      ORDER BY starts_at, id"
                ),
                params![consulate, from, to],
                row,
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.extend(open(&vault, r)?);
            }
            Ok(out)
        })
        .await
    }
}

/// Marks the case as a duress cancel does: the phone was answered normally, the case stays open
/// at the top of every console, and relatives are not told "all is well".
fn mark_duress(
    ctx: &mut WriteCtx<'_>,
    case_id: u64,
    alert_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let case = ctx.case(case_id)?.ok_or(StoreError::NotFound)?;
    if case.duress_at.is_some() {
        return Ok(());
    }
    let body = EventBody::AlertCancelled(AlertCancelled {
        alert_id,
        reason: CancelReason::Safe,
        duress: true,
    });
    ctx.append(case.id, &case.consulate, Actor::Phone, now, None, body)?;
    Ok(())
}
