//! Call-center intake in one writer job: the idempotency look-up, the match to an enrolled
//! registrant, and the new case (or the repeat on their open case), atomically.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::alerts::{open_case_of, registrant};
use super::idempotency::{previous_answer, remember_answer};
use super::{Outcome, Store, StoreError};
use crate::domain::alert::Location;
use crate::domain::command::{IntakePlan, Refusal, decide_call_more, decide_intake};
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, AlertRaised, AlertRepeated, EventBody};
use crate::domain::geo::Point;
use crate::domain::intake::{Intake, IntakeOutcome, ValidIntake, identity_view};
use crate::domain::registrant::Profile;
use crate::domain::staff::StaffInfo;
use crate::domain::validate::{FieldCode, FieldError};

pub use crate::domain::intake::Candidate;

/// Whether the registrant's device is the active one for their number.
fn active(ctx: &super::WriteCtx<'_>, id: i64) -> bool {
    ctx.query_row(
        "SELECT revoked = 0 FROM registrants WHERE id = ?1",
        [id],
        |r| r.get::<bool>(0),
    )
    .unwrap_or(false)
}

fn refused_field(field: &str, message: &str) -> StoreError {
    StoreError::Refused {
        refusal: Refusal::Invalid(FieldError::new(field, FieldCode::UnknownValue, message)),
        case: None,
    }
}

/// Where a new case goes: the consulate whose district holds the person's place (the nearest
/// where the table has no row), or, when nobody knows where they
/// are, the officer's own.
fn route(
    consulates: &[Consulate],
    located: Option<Point>,
    whereabouts: &Whereabouts,
) -> Result<(Consulate, f64, Location), StoreError> {
    match (located, whereabouts) {
        (Some(p), _) => {
            let (c, km, _) = crate::domain::jurisdiction::Jurisdictions::current()
                .route(p, consulates)
                .ok_or_else(|| StoreError::Setup("no consulates are configured".into()))?;
            let loc = Location {
                lat: p.lat,
                lon: p.lon,
                accuracy_m: 0.0,
            };
            Ok((c.clone(), km, loc))
        }
        (None, Whereabouts::Unknown { consulate }) => {
            let c = consulates
                .iter()
                .find(|c| &c.id == consulate)
                .cloned()
                .ok_or_else(|| StoreError::Setup(format!("unknown consulate {consulate}")))?;
            // Not where the person is: a placeholder the console shows as unknown.
            let loc = Location {
                lat: c.lat,
                lon: c.lon,
                accuracy_m: 0.0,
            };
            Ok((c, 0.0, loc))
        }
        (None, Whereabouts::Located(p, _)) => route(consulates, Some(*p), whereabouts),
    }
}

/// Where the caller said they are, after the gazetteer.
#[derive(Debug, Clone)]
pub enum Whereabouts {
    /// Coordinates given, or a place the gazetteer matched (with its label).
    Located(Point, Option<String>),
    /// Neither: the case stays with this consulate.
    Unknown { consulate: String },
}

#[derive(Debug, Clone)]
pub struct IntakeJob {
    pub staff: StaffInfo,
    pub key: String,
    pub fingerprint: String,
    pub request: ValidIntake,
    pub whereabouts: Whereabouts,
}

impl Store {
    /// Enrolled people with this phone number, newest first, as candidates for the officer to
    /// confirm. A person whose open case is outside `who`'s scope is shown without an id.
    pub async fn intake_candidates(
        &self,
        phone: String,
        who: StaffInfo,
        consulates: Arc<Vec<Consulate>>,
    ) -> Result<Vec<Candidate>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let rows: Vec<(i64, String)> = tx.query_map(
                "SELECT id, profile FROM registrants
                 WHERE phone = ?1 AND revoked = 0 ORDER BY id DESC LIMIT 10",
                [vault.blind(&phone)],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let mut out = Vec::new();
            for (id, sealed) in rows {
                let Some(profile) = vault.unseal_json::<Profile>(&sealed)? else {
                    continue;
                };
                let open = super::alerts::open_case_in(tx, id)?;
                let elsewhere = open
                    .filter(|case| decide_intake(&who, Some(case)).is_err())
                    .map(|case| {
                        consulates
                            .iter()
                            .find(|c| c.id == case.consulate)
                            .map(|c| c.label())
                            .unwrap_or(case.consulate)
                    });
                out.push(Candidate::of(id, &profile, elsewhere));
            }
            Ok(out)
        })
        .await
    }

    pub async fn intake(
        &self,
        job: IntakeJob,
        consulates: Arc<Vec<Consulate>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<IntakeOutcome>, StoreError> {
        self.write(move |ctx| {
            let j = job;
            if let Some(previous) = previous_answer(ctx, j.staff.id, &j.key, &j.fingerprint)? {
                return Ok(Outcome {
                    value: previous,
                    replayed: true,
                });
            }
            let staff = super::idempotency::fresh_staff(ctx, &j.staff)?;
            let r = &j.request;
            // The person the officer confirmed: their number must be the caller's, so a
            // confirmation cannot be used to pull someone else's profile into a case.
            let confirmed = match r.confirmed {
                None => None,
                Some(id) => {
                    let profile = registrant(ctx, id)?
                        .filter(|p| p.phone == r.phone && active(ctx, id))
                        .ok_or_else(|| {
                            refused_field(
                                "registrant_id",
                                "is not an enrolled person with this phone number",
                            )
                        })?;
                    Some((id, profile))
                }
            };
            // Refused without the case: it may be another consulate's, and is not named back.
            let hidden = |refusal| StoreError::Refused {
                refusal,
                case: None,
            };
            let (plan, open) = match r.continues {
                // The same caller saying more: the earlier call's case, wherever it went. A
                // case that does not exist reads as one that is not this person's to reach.
                Some(id) => {
                    let case = ctx.case(id)?.ok_or_else(|| hidden(Refusal::NotVisible))?;
                    (decide_call_more(&staff, &case).map_err(hidden)?, Some(case))
                }
                None => {
                    let open = match &confirmed {
                        Some((id, _)) => open_case_of(ctx, *id)?,
                        None => None,
                    };
                    (decide_intake(&staff, open.as_ref()).map_err(hidden)?, open)
                }
            };
            let (located, matched_place) = match &j.whereabouts {
                Whereabouts::Located(p, label) => (Some(*p), label.clone()),
                Whereabouts::Unknown { .. } => (None, None),
            };
            let intake = Intake {
                description: r.description.clone(),
                place: r.place.clone(),
                matched_place: matched_place.clone(),
                located: located.is_some(),
                // A call that continues a case is about the person the case is about.
                registrant_matched: confirmed.is_some()
                    || (r.continues.is_some()
                        && open.as_ref().is_some_and(|c| c.registrant_id != 0)),
                identity_only: false,
            };
            let actor = Actor::Staff {
                id: staff.id,
                name: staff.name.clone(),
                role: staff.role,
            };
            let answer = match (plan, open) {
                (IntakePlan::Join(_), Some(case)) => {
                    // Their case is open in this scope: the call joins it, as a press would.
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
                        count: 1,
                        intake: Some(intake),
                        registrant: None,
                    });
                    let (event, _) =
                        ctx.append(case.id, &case.consulate, actor, now, None, body)?;
                    IntakeOutcome {
                        case_id: case.id,
                        consulate: case.consulate.clone(),
                        seq: event.seq,
                        registrant_id: r.confirmed,
                        matched_place,
                    }
                }
                _ => {
                    let (consulate, distance_km, location) =
                        route(&consulates, located, &j.whereabouts)?;
                    // A match confirms only who they are: the case holds their identity until
                    // their own phone presses (see `Intake::identity_only`).
                    let intake = Intake {
                        identity_only: confirmed.is_some(),
                        ..intake
                    };
                    let (registrant_id, registrant) = match &confirmed {
                        Some((id, profile)) => (*id, identity_view(profile, &r.language)),
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
                                erased: false,
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
                    // Relatives are told when the person's own phone confirms, not on a call:
                    // anyone who knows a number could make one.
                    let (event, _) = ctx.append(case_id, &consulate.id, actor, now, None, body)?;
                    IntakeOutcome {
                        case_id,
                        consulate: consulate.id.clone(),
                        seq: event.seq,
                        registrant_id: r.confirmed,
                        matched_place,
                    }
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
