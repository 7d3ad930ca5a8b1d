//! Simulated appointments: phones tell the hub of tomorrow's ICE check-ins at the ICE offices in
//! the consular district of a point, at the hours offices call people in, and a few of them went
//! in a minute ago and never say they came out, so the hub raises those alerts once its grace has
//! passed (the demo's grace is two minutes).

use chrono::{Duration, NaiveTime, Utc};
use rand::seq::IndexedRandom;
use serde_json::json;
use uuid::Uuid;

use super::Phone;
use crate::domain::facility::Registry;
use crate::domain::geo::{Point, distance_km};

/// What a person might tell beforehand, for the officer who goes looking.
const NOTES: &[&str] = &[
    "Llevo mi pasaporte y la carta de mi abogada.",
    "Voy con mi hermano; él espera afuera.",
    "Es mi tercera cita; la última vez me pusieron grillete.",
    "",
    "Mi abogado no puede acompañarme esta vez.",
];

/// How many were scheduled, and how many of them will be missed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scheduled {
    pub watched: usize,
    pub missed: usize,
}

/// The hours check-ins are called for, local time: several people at the same hour, as offices
/// schedule them.
const SLOTS: &[(u32, u32)] = &[(8, 0), (8, 0), (9, 0), (10, 30), (13, 0)];

/// The ICE offices where people check in (hold rooms and staging sites) nearest `near` within
/// the consular district that holds it (its consulate watches them), and that consulate's zone.
fn offices(near: Point, how_many: usize) -> (Vec<String>, chrono_tz::Tz) {
    let consulates =
        crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES).unwrap_or_default();
    let j = crate::domain::jurisdiction::Jurisdictions::current();
    let home = j.route(near, &consulates).map(|(c, _, _)| c.clone());
    let registry = Registry::new();
    let mut found: Vec<(f64, String)> = registry
        .iter()
        .filter(|f| matches!(f.kind.as_str(), "HOLD" | "STAGING"))
        .filter(|f| {
            home.as_ref().is_none_or(|h| {
                j.route(f.point(), &consulates)
                    .is_some_and(|(c, _, _)| c.id == h.id)
            })
        })
        .map(|f| (distance_km(near, f.point()), f.code.clone()))
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    let zone = home.map_or(chrono_tz::UTC, |h| h.zone());
    (
        found.into_iter().take(how_many).map(|(_, c)| c).collect(),
        zone,
    )
}

/// Schedules `count` appointments over the next day at the offices nearest `near`, spread over
/// `phones`; `missed` of them began an hour ago and will never hear "out".
pub async fn schedule(
    http: &reqwest::Client,
    hub: &str,
    phones: &[Phone],
    near: (f64, f64),
    count: usize,
    missed: usize,
) -> Result<Scheduled, String> {
    let (places, zone) = offices(
        Point {
            lat: near.0,
            lon: near.1,
        },
        3,
    );
    if places.is_empty() || phones.is_empty() {
        return Ok(Scheduled::default());
    }
    let mut done = Scheduled::default();
    let now = Utc::now();
    let tomorrow = now.with_timezone(&zone).date_naive() + Duration::days(1);
    for n in 0..count {
        let (body, misses) = {
            let mut rng = rand::rng();
            let misses = n < missed;
            let place = places.choose(&mut rng).cloned().unwrap_or_default();
            // Missed ones: went in a minute ago for a minute's business, so they are due once
            // the hub's grace has passed. The rest: tomorrow at the offices' hours.
            let (starts_at, minutes) = if misses {
                (now - Duration::minutes(1), 1)
            } else {
                let (h, m) = *SLOTS.choose(&mut rng).unwrap_or(&(9, 0));
                let local = tomorrow.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default());
                let at = local
                    .and_local_timezone(zone)
                    .earliest()
                    .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc));
                (at, *[30, 60, 60, 90].choose(&mut rng).unwrap_or(&60))
            };
            let body = json!({
                "kind": "ice_check_in",
                "starts_at": starts_at,
                "place": {"facility": place},
                "expected_minutes": minutes,
                "note": NOTES.choose(&mut rng).copied().unwrap_or(""),
            });
            (body, misses)
        };
        let phone = &phones[n % phones.len()];
        let res = http
            .post(format!("{hub}/v1/appointments"))
            .bearer_auth(&phone.token)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        match res.status().as_u16() {
            201 => {
                done.watched += 1;
                done.missed += usize::from(misses);
            }
            // A phone with its share already waiting: the next phone takes the next one.
            409 => {}
            s => return Err(format!("appointment refused: {s}")),
        }
    }
    Ok(done)
}
