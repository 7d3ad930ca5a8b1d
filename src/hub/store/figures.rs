//! The headquarters figures: the log folded over a period, decoding only what it can touch.

use super::db::params;
use super::{Store, StoreError};
use crate::domain::event::{Event, EventBody};

impl Store {
    /// The figures of a period, folded from the log in order. Only what the period can touch is
    /// decoded: the uncased events of the period (visits, incidents), and every event of the
    /// cases that have one in the period or are in one of its incidents (from their alert on,
    /// for the times measured from it). Finding those cases reads the rows' `at` and `kind`
    /// without decoding them.
    pub async fn figures(
        &self,
        period: crate::domain::figures::Period,
    ) -> Result<crate::domain::figures::Figures, StoreError> {
        const KINDS: &str = "('alert_raised', 'case_acknowledged', 'lawyer_assigned',
            'checkpoint_logged', 'case_closed', 'triage_recorded', 'visit_logged',
            'incident_recorded', 'transfer_accepted')";
        let vault = self.vault.clone();
        self.read(move |tx| {
            // `at` is RFC 3339 in UTC: its first ten characters are the day the period counts.
            let from = period.from.to_string();
            let until = (period.to + chrono::Duration::days(1)).to_string();
            let decode = |row: &super::db::Row<'_>| -> Result<Event, StoreError> {
                super::personal::event_at(&vault, row, 1)
            };
            let mut events: Vec<(i64, Event)> = Vec::new();
            tx.query_each(
                &format!(
                    "SELECT seq, body, sealed FROM events
                      WHERE case_id = 0 AND at >= ?1 AND at < ?2 AND kind IN {KINDS}"
                ),
                [from.as_str(), until.as_str()],
                |row| -> Result<(), StoreError> {
                    events.push((row.get(0)?, decode(row)?));
                    Ok(())
                },
            )?;
            let mut cases: std::collections::BTreeSet<i64> = tx
                .query_map(
                    &format!(
                        "SELECT DISTINCT case_id FROM events
                          WHERE case_id <> 0 AND at >= ?1 AND at < ?2 AND kind IN {KINDS}"
                    ),
                    [from.as_str(), until.as_str()],
                    |r| r.get::<i64>(0),
                )?
                .into_iter()
                .collect();
            for (_, e) in &events {
                if let EventBody::IncidentRecorded(i) = &e.body {
                    match &i.change {
                        crate::domain::event::IncidentChange::Opened { cases: c, .. }
                        | crate::domain::event::IncidentChange::CasesAdded { cases: c } => {
                            cases.extend(c.iter().map(|id| *id as i64));
                        }
                        _ => {}
                    }
                }
            }
            // A few hundred cases a statement: one round trip each on PostgreSQL, not one a
            // case. The ids are integers read from the log, written into the SQL as numbers.
            let ids: Vec<i64> = cases.into_iter().collect();
            for chunk in ids.chunks(500) {
                let list = chunk
                    .iter()
                    .map(|id| id.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                tx.query_each(
                    &format!(
                        "SELECT seq, body, sealed FROM events
                          WHERE case_id IN ({list}) AND kind IN {KINDS}"
                    ),
                    (),
                    |row| -> Result<(), StoreError> {
                        events.push((row.get(0)?, decode(row)?));
                        Ok(())
                    },
                )?;
            }
            events.sort_by_key(|(seq, _)| *seq);
            let appointments = appointment_counts(tx, &period)?;
            let mut folder = crate::domain::figures::Folder::new(period);
            for (_, e) in &events {
                folder.event(e);
            }
            let mut figures = folder.finish();
            figures.appointments = appointments;
            Ok(figures)
        })
        .await
    }
}

/// Watched appointments that started in the period, by place (a registry code, or none) and
/// kind, from the columns kept in the clear: nothing sealed is opened for a count.
fn appointment_counts(
    tx: &super::db::Conn,
    period: &crate::domain::figures::Period,
) -> Result<Vec<crate::domain::figures::AppointmentCount>, StoreError> {
    use crate::domain::appointment::AppointmentKind;
    let from = period.from.to_string();
    let until = (period.to + chrono::Duration::days(1)).to_string();
    let rows: Vec<(String, String, i64, i64)> = tx.query_map(
        "SELECT facility, kind, COUNT(*),
                SUM(CASE WHEN state = 'missed' THEN 1 ELSE 0 END)
           FROM appointments
          WHERE starts_at >= ?1 AND starts_at < ?2 AND state <> 'cancelled'
            AND (?3 = '' OR consulate = ?3)
          GROUP BY facility, kind ORDER BY facility, kind",
        params![from, until, period.consulate.clone().unwrap_or_default()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(place, kind, watched, missed)| {
            let kind =
                serde_json::from_value::<AppointmentKind>(serde_json::Value::String(kind)).ok()?;
            Some(crate::domain::figures::AppointmentCount {
                place,
                kind,
                watched: watched as u64,
                missed: missed as u64,
            })
        })
        .collect())
}
