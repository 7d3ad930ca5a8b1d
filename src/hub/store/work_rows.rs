//! The protection tables' rows to and from SQL: what `domain::work::project` folds an event into
//! is written here, in the event's transaction, and read back for the next event's fold and for
//! `guardia verify`'s (`refold.rs`). Each write is sealed (`rows.rs`).

use super::db::{Conn, OptionalExtension, params};
use super::rows;
use super::{StoreError, WriteCtx};
use crate::domain::event::Event;
use crate::domain::work::{Row, RowKey};

/// The key a sealed visit's own secrets are under (`gv1:<key>:…`), for retention to destroy.
fn visit_key(visit: &crate::domain::visit::Visit) -> Option<i64> {
    visit
        .sealed
        .as_deref()?
        .strip_prefix("gv1:")?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// Writes one folded row (and its seal).
pub(super) fn save(
    ctx: &WriteCtx<'_>,
    event: &Event,
    key: &RowKey,
    row: &Row,
) -> Result<(), StoreError> {
    match (key, row) {
        (RowKey::Facility(code), Row::Facility(f)) => {
            ctx.execute(
                "INSERT INTO facilities (code, body, seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO UPDATE SET body = excluded.body, seq = excluded.seq",
                params![code, serde_json::to_string(f)?, event.seq as i64],
            )?;
            ctx.reseal(&rows::FACILITIES, code.as_str())
        }
        (RowKey::Visit(id), Row::Visit(v)) => {
            ctx.execute(
                "INSERT INTO visits (id, facility, consulate, visited_on, body, key_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    *id as i64,
                    v.facility,
                    v.consulate,
                    v.visited_on.to_string(),
                    serde_json::to_string(v)?,
                    visit_key(v)
                ],
            )?;
            ctx.reseal(&rows::VISITS, *id as i64)
        }
        (RowKey::Plan(id), Row::Plan(p)) => {
            ctx.execute(
                "INSERT INTO visit_plans (id, facility, consulate, planned_on, status, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET planned_on = excluded.planned_on,
                     status = excluded.status, body = excluded.body",
                params![
                    *id as i64,
                    p.facility,
                    p.consulate,
                    p.planned_on.to_string(),
                    p.status.as_str(),
                    serde_json::to_string(p)?
                ],
            )?;
            ctx.reseal(&rows::VISIT_PLANS, *id as i64)
        }
        (RowKey::Shift(id), Row::Shift { shift, removed }) => {
            ctx.execute(
                "INSERT INTO duty (id, consulate, body, removed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET consulate = excluded.consulate,
                     body = excluded.body, removed = excluded.removed",
                params![
                    *id as i64,
                    shift.consulate,
                    serde_json::to_string(shift)?,
                    *removed
                ],
            )?;
            ctx.reseal(&rows::DUTY, *id as i64)
        }
        (RowKey::Incident(id), Row::Incident(i)) => {
            ctx.execute(
                "INSERT INTO incidents (id, body, last_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, last_at = excluded.last_at",
                params![
                    *id as i64,
                    serde_json::to_string(i)?,
                    super::writer::sortable_time(event.at)
                ],
            )?;
            ctx.reseal(&rows::INCIDENTS, *id as i64)
        }
        (RowKey::Member(case), Row::Member { incident }) => {
            // Sealed in the insert: two integers are stored exactly as given, so the seal need
            // not be read back (a raid adds thousands of these in one write; on PostgreSQL the
            // read and the second update were two round trips each).
            let (case, incident) = (*case as i64, *incident as i64);
            let mac = ctx.row_mac(
                &rows::INCIDENT_CASES,
                &[super::db::Owned::Int(case), super::db::Owned::Int(incident)],
            );
            ctx.execute(
                "INSERT INTO incident_cases (case_id, incident_id, mac) VALUES (?1, ?2, ?3)
                 ON CONFLICT (case_id) DO NOTHING",
                params![case, incident, &mac[..]],
            )?;
            Ok(())
        }
        _ => Err(StoreError::Corrupt(format!(
            "a row of the wrong kind for {key:?}"
        ))),
    }
}

fn parsed<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(body)?)
}

/// Saves memberships of cases in incidents, a few hundred rows a statement, each sealed in the
/// insert (two integers stored as given). A case already in an incident stays in it.
pub(super) fn save_members(ctx: &WriteCtx<'_>, members: &[(u64, u64)]) -> Result<(), StoreError> {
    use super::db::{Owned, ToValue};
    for chunk in members.chunks(300) {
        let rows: Vec<(i64, i64, Vec<u8>)> = chunk
            .iter()
            .map(|(case, incident)| {
                let (case, incident) = (*case as i64, *incident as i64);
                let mac = ctx.row_mac(
                    &rows::INCIDENT_CASES,
                    &[Owned::Int(case), Owned::Int(incident)],
                );
                (case, incident, mac)
            })
            .collect();
        let places = (0..rows.len())
            .map(|i| format!("(?{}, ?{}, ?{})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let values: Vec<super::db::Value<'_>> = rows
            .iter()
            .flat_map(|(c, i, m)| [c.to_value(), i.to_value(), m.to_value()])
            .collect();
        ctx.execute(
            &format!(
                "INSERT INTO incident_cases (case_id, incident_id, mac) VALUES {places}
                 ON CONFLICT (case_id) DO NOTHING"
            ),
            &values[..],
        )?;
    }
    Ok(())
}

/// The incident each of `cases` belongs to, if any, a few hundred a statement: a raid's pass and
/// its write ask this of thousands of cases, and on PostgreSQL one statement a case held the
/// writer for half a second. The ids are integers, written into the SQL as numbers.
pub(super) fn members(
    conn: &Conn,
    cases: impl IntoIterator<Item = u64>,
) -> Result<std::collections::HashMap<u64, Option<u64>>, StoreError> {
    let ids: Vec<u64> = cases.into_iter().collect();
    let mut out: std::collections::HashMap<u64, Option<u64>> =
        ids.iter().map(|id| (*id, None)).collect();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let found: Vec<(i64, i64)> = conn.query_map(
            &format!("SELECT case_id, incident_id FROM incident_cases WHERE case_id IN ({list})"),
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (case, incident) in found {
            out.insert(case as u64, Some(incident as u64));
        }
    }
    Ok(out)
}

/// One row as stored, read into what the fold speaks of.
pub(super) fn load(conn: &Conn, key: &RowKey) -> Result<Option<Row>, StoreError> {
    let text = |sql: &str, k: super::db::Value<'_>| -> Result<Option<String>, StoreError> {
        Ok(conn
            .query_row(sql, &[k][..], |r| r.get::<String>(0))
            .optional()?)
    };
    use super::db::ToValue;
    Ok(match key {
        RowKey::Facility(code) => text(
            "SELECT body FROM facilities WHERE code = ?1",
            code.to_value(),
        )?
        .map(|b| parsed(&b).map(Row::Facility))
        .transpose()?,
        RowKey::Visit(id) => text(
            "SELECT body FROM visits WHERE id = ?1",
            (*id as i64).to_value(),
        )?
        .map(|b| parsed(&b).map(Row::Visit))
        .transpose()?,
        RowKey::Plan(id) => text(
            "SELECT body FROM visit_plans WHERE id = ?1",
            (*id as i64).to_value(),
        )?
        .map(|b| parsed(&b).map(Row::Plan))
        .transpose()?,
        RowKey::Shift(id) => conn
            .query_row(
                "SELECT body, removed FROM duty WHERE id = ?1",
                [*id as i64],
                |r| Ok((r.get::<String>(0)?, r.get::<bool>(1)?)),
            )
            .optional()?
            .map(|(b, removed)| parsed(&b).map(|shift| Row::Shift { shift, removed }))
            .transpose()?,
        RowKey::Incident(id) => text(
            "SELECT body FROM incidents WHERE id = ?1",
            (*id as i64).to_value(),
        )?
        .map(|b| parsed(&b).map(Row::Incident))
        .transpose()?,
        RowKey::Member(case) => conn
            .query_row(
                "SELECT incident_id FROM incident_cases WHERE case_id = ?1",
                [*case as i64],
                |r| r.get::<i64>(0),
            )
            .optional()?
            .map(|incident| Row::Member {
                incident: incident as u64,
            }),
    })
}

/// Reads one stored row into its key and what it holds (`None`: a body that does not read).
type ReadRow<'a> = &'a dyn Fn(&super::db::Row<'_>) -> Result<(RowKey, Option<Row>), StoreError>;

/// Every row of the protection tables, as stored: what `guardia verify` compares with its fold.
pub(super) fn load_all(
    conn: &Conn,
) -> Result<std::collections::BTreeMap<RowKey, Option<Row>>, StoreError> {
    let mut out = std::collections::BTreeMap::new();
    let mut each = |sql: &str, read: ReadRow<'_>| -> Result<(), StoreError> {
        conn.query_each(sql, (), |r| -> Result<(), StoreError> {
            let (k, v) = read(r)?;
            out.insert(k, v);
            Ok(())
        })
    };
    let body = |r: &super::db::Row<'_>| -> Result<String, StoreError> { Ok(r.get::<String>(1)?) };
    each("SELECT code, body FROM facilities", &|r| {
        Ok((
            RowKey::Facility(r.get(0)?),
            parsed(&body(r)?).ok().map(Row::Facility),
        ))
    })?;
    each("SELECT id, body FROM visits", &|r| {
        Ok((
            RowKey::Visit(r.get(0)?),
            parsed(&body(r)?).ok().map(Row::Visit),
        ))
    })?;
    each("SELECT id, body, status FROM visit_plans", &|r| {
        let plan: Option<crate::domain::visit::PlannedVisit> = parsed(&body(r)?).ok();
        let status: String = r.get(2)?;
        // The status column is what lists select on: it must say what the body says.
        let plan = plan.filter(|p| p.status.as_str() == status);
        Ok((RowKey::Plan(r.get(0)?), plan.map(Row::Plan)))
    })?;
    each("SELECT id, body, removed FROM duty", &|r| {
        let removed: bool = r.get(2)?;
        let shift = parsed(&body(r)?).ok();
        Ok((
            RowKey::Shift(r.get(0)?),
            shift.map(|shift| Row::Shift { shift, removed }),
        ))
    })?;
    each("SELECT id, body FROM incidents", &|r| {
        Ok((
            RowKey::Incident(r.get(0)?),
            parsed(&body(r)?).ok().map(Row::Incident),
        ))
    })?;
    each("SELECT case_id, incident_id FROM incident_cases", &|r| {
        let incident: i64 = r.get(1)?;
        Ok((
            RowKey::Member(r.get(0)?),
            Some(Row::Member {
                incident: incident as u64,
            }),
        ))
    })?;
    Ok(out)
}
