//! Call-center intake in one writer job: the idempotency look-up, the match to an enrolled
//! registrant, and the new case (or the repeat on their open case), atomically.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::casework::{previous_answer, remember_answer};
use super::commands::open_case_of;
use super::{Outcome, Store, StoreError, deliveries};
use crate::domain::alert::Location;
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, AlertRaised, AlertRepeated, EventBody, NoticeAbout};
use crate::domain::geo::{self, Point};
use crate::domain::intake::{Intake, ValidIntake};
use crate::domain::registrant::Profile;
use crate::domain::staff::StaffInfo;

/// Where the caller said they are, after the gazetteer.
#[derive(Debug, Clone)]
pub enum Whereabouts {
    /// Coordinates given, or a place the gazetteer matched (with its label).
    Located(Point, Option<String>),
    /// Neither: the case stays with this consulate.
    Unknown { consulate: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeResponse {
    pub case_id: u64,
    pub consulate: String,
    pub seq: u64,
    /// The enrolled registrant the caller was matched to, if any.
    pub registrant_id: Option<i64>,
    pub matched_place: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IntakeJob {
    pub staff: StaffInfo,
    pub key: String,
    pub fingerprint: String,
    pub request: ValidIntake,
    pub whereabouts: Whereabouts,
    pub notify: bool,
}

impl Store {
    pub async fn intake(
        &self,
        job: IntakeJob,
        consulates: Arc<Vec<Consulate>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<IntakeResponse>, StoreError> {
        self.write(move |ctx| {
            let j = job;
            if let Some(previous) = previous_answer(ctx, j.staff.id, &j.key, &j.fingerprint)? {
                return Ok(Outcome {
                    value: previous,
                    replayed: true,
                });
            }
            let r = &j.request;
            // The newest enrollment with this number: phones change hands less than people
            // re-enroll.
            let matched: Option<(i64, String)> = ctx
                .conn()
                .query_row(
                    "SELECT id, profile FROM registrants
                     WHERE json_extract(profile, '$.phone') = ?1 ORDER BY id DESC LIMIT 1",
                    [&r.phone],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let matched = matched
                .map(|(id, p)| serde_json::from_str::<Profile>(&p).map(|p| (id, p)))
                .transpose()?;
            let (located, matched_place) = match &j.whereabouts {
                Whereabouts::Located(p, label) => (Some(*p), label.clone()),
                Whereabouts::Unknown { .. } => (None, None),
            };
            let intake = Intake {
                description: r.description.clone(),
                place: r.place.clone(),
                matched_place: matched_place.clone(),
                located: located.is_some(),
                registrant_matched: matched.is_some(),
            };
            let actor = Actor::Staff {
                id: j.staff.id,
                name: j.staff.name.clone(),
                role: j.staff.role,
            };
            let open = match &matched {
                Some((id, _)) => open_case_of(ctx, *id)?,
                None => None,
            };
            let answer = if let Some(case) = open {
                // Already an open case for this person: the call joins it, as a press would.
                let location = located
                    .map(|p| Location {
                        lat: p.lat,
                        lon: p.lon,
                        accuracy_m: 0.0,
                    })
                    .unwrap_or(case.location);
                let body = EventBody::AlertRepeated(AlertRepeated {
                    alert_id: Uuid::new_v4(),
                    kind: r.kind,
                    location,
                    pressed_at: now,
                });
                let (event, _) = ctx.append(case.id, &case.consulate, actor, now, None, body)?;
                IntakeResponse {
                    case_id: case.id,
                    consulate: case.consulate.clone(),
                    seq: event.seq,
                    registrant_id: matched.as_ref().map(|(id, _)| *id),
                    matched_place,
                }
            } else {
                let (consulate, distance_km, location) = match (located, &j.whereabouts) {
                    (Some(p), _) => {
                        let (c, km) = geo::nearest(&consulates, p).ok_or_else(|| {
                            StoreError::Setup("no consulates are configured".into())
                        })?;
                        let loc = Location {
                            lat: p.lat,
                            lon: p.lon,
                            accuracy_m: 0.0,
                        };
                        (c.clone(), km, loc)
                    }
                    (None, Whereabouts::Unknown { consulate }) => {
                        let c = consulates
                            .iter()
                            .find(|c| &c.id == consulate)
                            .cloned()
                            .ok_or_else(|| StoreError::Invalid("unknown consulate".into()))?;
                        // Not where the person is: a placeholder the console shows as unknown.
                        let loc = Location {
                            lat: c.lat,
                            lon: c.lon,
                            accuracy_m: 0.0,
                        };
                        (c, 0.0, loc)
                    }
                    (None, Whereabouts::Located(..)) => unreachable!("located has a point"),
                };
                let (registrant_id, registrant) = match &matched {
                    Some((id, profile)) => (*id, profile.clone()),
                    None => (
                        0,
                        Profile {
                            name: r.name.clone(),
                            date_of_birth: None,
                            consular_id: String::new(),
                            phone: r.phone.clone(),
                            language: r.language.clone(),
                            flags: Vec::new(),
                            relatives: Vec::new(),
                        },
                    ),
                };
                let case_id = ctx.next_case_id()?;
                let body = EventBody::AlertRaised(AlertRaised {
                    alert_id: Uuid::new_v4(),
                    registrant_id,
                    registrant,
                    kind: r.kind,
                    location,
                    pressed_at: now,
                    distance_km,
                    intake: Some(intake),
                });
                let (event, case) = ctx.append(case_id, &consulate.id, actor, now, None, body)?;
                if j.notify && matched.is_some() {
                    deliveries::queue(ctx, &case, NoticeAbout::Alert, &consulate.label(), now)?;
                }
                IntakeResponse {
                    case_id,
                    consulate: consulate.id.clone(),
                    seq: event.seq,
                    registrant_id: matched.as_ref().map(|(id, _)| *id),
                    matched_place,
                }
            };
            remember_answer(ctx, j.staff.id, &j.key, &j.fingerprint, &answer, now)?;
            Ok(Outcome {
                value: answer,
                replayed: false,
            })
        })
        .await
    }
}
