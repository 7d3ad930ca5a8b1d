//! The watched appointments' rows as the store reads and writes them, and the link of an
//! appointment to a case: shared by the appointments' own writes and by a press (which links
//! the appointment it falls during), so that neither imports the other.

use chrono::{DateTime, Duration, Utc};

use super::db::{OptionalExtension, params};
use super::writer::sortable_time;
use super::{StoreError, WriteCtx};
use crate::domain::appointment::{Appointment, AppointmentLinked, AppointmentState, Linked};
use crate::domain::event::{Actor, EventBody};

/// A row read back: the columns in the clear and the sealed body opened.
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) registrant_id: i64,
    pub(super) state: AppointmentState,
    pub(super) alert_id: String,
    pub(super) case_id: Option<i64>,
    pub(super) body: String,
}

pub(super) const COLUMNS: &str = "id, registrant_id, state, alert_id, case_id, body";

pub(super) fn row(r: &super::db::Row<'_>) -> Result<Row, super::db::Error> {
    Ok(Row {
        id: r.get(0)?,
        registrant_id: r.get(1)?,
        state: {
            let s: String = r.get(2)?;
            AppointmentState::parse(&s).unwrap_or(AppointmentState::Cancelled)
        },
        alert_id: r.get(3)?,
        case_id: r.get(4)?,
        body: r.get(5)?,
    })
}

/// The appointment as stored, its state and case from the clear columns (the seal holds both
/// together). `None` once the person's key is destroyed.
pub(super) fn open(
    vault: &super::vault::Vault,
    row: &Row,
) -> Result<Option<Appointment>, StoreError> {
    let Some(mut a) = vault.unseal_json::<Appointment>(&row.body)? else {
        return Ok(None);
    };
    a.id = row.id as u64;
    a.state = row.state;
    a.case_id = row.case_id.map(|c| c as u64);
    Ok(Some(a))
}

pub(super) fn own_row(ctx: &WriteCtx<'_>, registrant_id: i64, id: u64) -> Result<Row, StoreError> {
    ctx.query_row(
        &format!("SELECT {COLUMNS} FROM appointments WHERE id = ?1 AND registrant_id = ?2"),
        params![id as i64, registrant_id],
        row,
    )
    .optional()?
    .ok_or(StoreError::NotFound)
}

pub(super) fn set_state(
    ctx: &WriteCtx<'_>,
    id: i64,
    state: AppointmentState,
    case_id: Option<u64>,
) -> Result<(), StoreError> {
    ctx.execute(
        "UPDATE appointments SET state = ?2, case_id = COALESCE(?3, case_id) WHERE id = ?1",
        params![id, state.as_str(), case_id.map(|c| c as i64)],
    )?;
    ctx.reseal(&super::rows::APPOINTMENTS, id)
}

pub(super) fn link(
    ctx: &mut WriteCtx<'_>,
    case_id: u64,
    a: &Appointment,
    why: Linked,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<crate::domain::case::Case, StoreError> {
    let case = ctx.case(case_id)?.ok_or(StoreError::NotFound)?;
    let body = EventBody::AppointmentLinked(AppointmentLinked {
        appointment: a.on_case(),
        why,
    });
    let (_, case) = ctx.append(case.id, &case.consulate, actor, now, None, body)?;
    Ok(case)
}

/// A press of the person's own button during a watched appointment: the appointment goes on the
/// case, and the timer no longer raises its own alert for it.
pub(super) fn link_press(
    ctx: &mut WriteCtx<'_>,
    registrant_id: i64,
    case_id: u64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Started (or about to) and not yet over by a day: the grace is the hub's setting, and a
    // press a few hours late still belongs with the appointment.
    let rows: Vec<Row> = ctx.conn().query_map(
        &format!(
            "SELECT {COLUMNS} FROM appointments
              WHERE registrant_id = ?1 AND state = 'watched' AND starts_at <= ?2 AND ends_at >= ?3"
        ),
        params![
            registrant_id,
            sortable_time(now + Duration::minutes(crate::domain::appointment::EARLY_MINUTES)),
            sortable_time(now - Duration::hours(12)),
        ],
        row,
    )?;
    let Some(r) = rows.into_iter().next() else {
        return Ok(());
    };
    let Some(a) = open(ctx.vault(), &r)? else {
        return Ok(());
    };
    link(ctx, case_id, &a, Linked::Pressed, Actor::Phone, now)?;
    set_state(ctx, r.id, AppointmentState::Pressed, Some(case_id))
}
