//! The protection work's tables folded again from the log, for `guardia verify`: facilities
//! recorded, visits, plans, duty shifts, incidents and which incident each case is in. Each row
//! is a projection of events, so the log alone says what every row must hold. A row's seal
//! (`rows.rs`) stops an edit; this also finds a row deleted, and an older copy of a row put back
//! with its older, valid seal.

use std::collections::BTreeMap;

use super::StoreError;
use super::db::Conn;
use crate::domain::event::{DutyChange, Event, EventBody, PlanChange};
use crate::domain::facility::Facility;
use crate::domain::incident::Incident;
use crate::domain::roster::Shift;
use crate::domain::visit::{PlanStatus, PlannedVisit, Visit};

/// What the log says each protection table holds.
#[derive(Default)]
pub(super) struct Refold {
    facilities: BTreeMap<String, Facility>,
    visits: BTreeMap<u64, Visit>,
    plans: BTreeMap<u64, PlannedVisit>,
    /// A shift and whether it was removed.
    duty: BTreeMap<u64, (Shift, bool)>,
    incidents: BTreeMap<u64, Incident>,
    /// case → the incident it joined first (a case is in one incident at most).
    members: BTreeMap<u64, u64>,
}

impl Refold {
    /// Whether events of `kind` change these tables (the others need not be parsed).
    pub fn concerns(kind: &str) -> bool {
        matches!(
            kind,
            "facility_recorded"
                | "visit_logged"
                | "visit_plan_recorded"
                | "duty_recorded"
                | "incident_recorded"
        )
    }

    /// Folds one event in, in log order.
    pub fn add(&mut self, event: &Event) {
        match &event.body {
            EventBody::FacilityRecorded(f) => {
                self.facilities
                    .insert(f.facility.code.clone(), f.facility.clone());
            }
            EventBody::VisitLogged(v) => {
                if let Some(plan) = v.visit.plan_id.and_then(|id| self.plans.get_mut(&id)) {
                    plan.status = PlanStatus::Done {
                        visit_id: v.visit.id,
                    };
                }
                self.visits.insert(v.visit.id, v.visit.clone());
            }
            EventBody::VisitPlanRecorded(p) => match &p.change {
                PlanChange::Planned { plan } => {
                    self.plans.insert(p.plan_id, plan.clone());
                }
                PlanChange::Cancelled => {
                    if let Some(plan) = self.plans.get_mut(&p.plan_id) {
                        plan.status = PlanStatus::Cancelled;
                    }
                }
            },
            EventBody::DutyRecorded(d) => match &d.change {
                DutyChange::Set { shift } => {
                    self.duty.insert(d.shift_id, (shift.clone(), false));
                }
                DutyChange::Removed => {
                    if let Some(entry) = self.duty.get_mut(&d.shift_id) {
                        entry.1 = true;
                    }
                }
            },
            EventBody::IncidentRecorded(i) => {
                let current = self.incidents.remove(&i.incident_id);
                if let Some(next) = Incident::apply(current, i.incident_id, &i.change, event.at) {
                    self.incidents.insert(i.incident_id, next);
                }
                if let crate::domain::event::IncidentChange::Opened { cases, .. }
                | crate::domain::event::IncidentChange::CasesAdded { cases } = &i.change
                {
                    for case in cases {
                        self.members.entry(*case).or_insert(i.incident_id);
                    }
                }
            }
            _ => {}
        }
    }

    /// Every row that differs from the fold, is missing from its table, or was made by no
    /// event, in words naming the table and the row.
    pub fn compare(&self, conn: &Conn) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        let facilities = rows(conn, "SELECT code, body FROM facilities", |r| {
            Ok((
                r.get::<String>(0)?,
                parsed::<Facility>(&r.get::<String>(1)?),
            ))
        })?;
        differences("facilities", &self.facilities, &facilities, &mut found);
        // Compared in outline: a visit logged before visits were sealed is in the clear in the
        // log and sealed in the table, and what is sealed is checked by its seal.
        let visits = rows(conn, "SELECT id, body FROM visits", |r| {
            let body = parsed::<Visit>(&r.get::<String>(1)?);
            Ok((r.get::<u64>(0)?, body.map(|v| v.outline())))
        })?;
        let logged: BTreeMap<u64, Visit> = self
            .visits
            .iter()
            .map(|(id, v)| (*id, v.outline()))
            .collect();
        differences("visits", &logged, &visits, &mut found);
        let plans = rows(conn, "SELECT id, body, status FROM visit_plans", |r| {
            let plan = parsed::<PlannedVisit>(&r.get::<String>(1)?);
            let status: String = r.get(2)?;
            // The status column is what lists select on: it must say what the body says.
            Ok((
                r.get::<u64>(0)?,
                plan.filter(|p| p.status.as_str() == status),
            ))
        })?;
        differences("visit_plans", &self.plans, &plans, &mut found);
        let duty = rows(conn, "SELECT id, body, removed FROM duty", |r| {
            let shift = parsed::<Shift>(&r.get::<String>(1)?);
            let removed: bool = r.get(2)?;
            Ok((r.get::<u64>(0)?, shift.map(|s| (s, removed))))
        })?;
        differences("duty", &self.duty, &duty, &mut found);
        let incidents = rows(conn, "SELECT id, body FROM incidents", |r| {
            Ok((r.get::<u64>(0)?, parsed::<Incident>(&r.get::<String>(1)?)))
        })?;
        differences("incidents", &self.incidents, &incidents, &mut found);
        let members = rows(
            conn,
            "SELECT case_id, incident_id FROM incident_cases",
            |r| Ok((r.get::<u64>(0)?, Some(r.get::<u64>(1)?))),
        )?;
        differences("incident_cases", &self.members, &members, &mut found);
        Ok(found)
    }
}

fn parsed<T: serde::de::DeserializeOwned>(body: &str) -> Option<T> {
    serde_json::from_str(body).ok()
}

/// A table's rows by key; `None` for a row whose body does not read.
fn rows<K: Ord, V>(
    conn: &Conn,
    sql: &str,
    mut f: impl FnMut(&super::db::Row<'_>) -> Result<(K, Option<V>), StoreError>,
) -> Result<BTreeMap<K, Option<V>>, StoreError> {
    let mut out = BTreeMap::new();
    conn.query_each(sql, (), |r| -> Result<(), StoreError> {
        let (k, v) = f(r)?;
        out.insert(k, v);
        Ok(())
    })?;
    Ok(out)
}

fn differences<K: Ord + std::fmt::Display, V: PartialEq>(
    table: &str,
    want: &BTreeMap<K, V>,
    have: &BTreeMap<K, Option<V>>,
    found: &mut Vec<String>,
) {
    for (key, value) in want {
        match have.get(key) {
            None => found.push(format!(
                "{table} row {key}: the log made it, and it is missing from the table"
            )),
            Some(row) if row.as_ref() != Some(value) => found.push(format!(
                "{table} row {key}: differs from its events folded again (edited, or an older \
                 copy of the row)"
            )),
            Some(_) => {}
        }
    }
    for key in have.keys().filter(|k| !want.contains_key(k)) {
        found.push(format!("{table} row {key}: no event in the log made it"));
    }
}
