//! The protection work's tables folded again from the log, for `guardia verify`, through the same
//! `domain::work::project` the writer folds each event with: facilities recorded, visits, plans,
//! duty shifts, incidents and which incident each case is in. A row's seal (`rows.rs`) stops an
//! edit; this also finds a row deleted, one no event made, and an older copy of a row put back
//! with its older, valid seal.

use std::collections::BTreeMap;

use super::StoreError;
use super::db::Conn;
use crate::domain::event::Event;
use crate::domain::work::{Row, RowKey, project};

/// What the log says each protection table holds.
#[derive(Default)]
pub(super) struct Refold {
    rows: BTreeMap<RowKey, Row>,
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
        let written = project(event, &|key| self.rows.get(key).cloned());
        self.rows.extend(written);
    }

    /// Every row that differs from the fold, is missing from its table, or was made by no
    /// event, in words naming the table and the row.
    pub fn compare(&self, conn: &Conn) -> Result<Vec<String>, StoreError> {
        let stored = super::work_rows::load_all(conn)?;
        let mut found = Vec::new();
        for (key, want) in &self.rows {
            match stored.get(key) {
                None => found.push(format!(
                    "{}: the log made it, and it is missing from the table",
                    name(key)
                )),
                Some(have) if !same(want, have.as_ref()) => found.push(format!(
                    "{}: differs from its events folded again (edited, or an older copy of \
                     the row)",
                    name(key)
                )),
                Some(_) => {}
            }
        }
        for key in stored.keys().filter(|k| !self.rows.contains_key(k)) {
            found.push(format!("{}: no event in the log made it", name(key)));
        }
        Ok(found)
    }
}

/// A row compared with its fold. A visit in outline: one logged before visits were sealed is in
/// the clear in the log and sealed in the table, and what is sealed is checked by its seal.
fn same(want: &Row, have: Option<&Row>) -> bool {
    match (want, have) {
        (Row::Visit(w), Some(Row::Visit(h))) => w.outline() == h.outline(),
        (w, Some(h)) => w == h,
        (_, None) => false,
    }
}

/// `table row key`, as the other findings name rows.
fn name(key: &RowKey) -> String {
    match key {
        RowKey::Facility(code) => format!("facilities row {code}"),
        RowKey::Visit(id) => format!("visits row {id}"),
        RowKey::Plan(id) => format!("visit_plans row {id}"),
        RowKey::Shift(id) => format!("duty row {id}"),
        RowKey::Incident(id) => format!("incidents row {id}"),
        RowKey::Member(case) => format!("incident_cases row {case}"),
    }
}
