//! Simulated appointments: phones tell the hub of tomorrow's ICE check-ins at the hold rooms
//! nearest a point, and a few of them "went in" an hour ago and never say they came out, so the
//! hub raises those alerts once its grace has passed (the demo's grace is two minutes).

use chrono::{Duration, DurationRound, Utc};
use rand::Rng;
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

/// The ICE offices where people check in (hold rooms and staging sites) nearest `near`.
fn offices(near: Point, how_many: usize) -> Vec<String> {
    let registry = Registry::new();
    let mut found: Vec<(f64, String)> = registry
        .iter()
        .filter(|f| matches!(f.kind.as_str(), "HOLD" | "STAGING"))
        .map(|f| (distance_km(near, f.point()), f.code.clone()))
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.into_iter().take(how_many).map(|(_, c)| c).collect()
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
    let places = offices(
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
    for n in 0..count {
        let (body, misses) = {
            let mut rng = rand::rng();
            let misses = n < missed;
            let place = places.choose(&mut rng).cloned().unwrap_or_default();
            // Missed ones: in an hour ago for a minute's business. The rest: on the half hour,
            // over the next day, mostly an hour.
            let (starts_at, minutes) = if misses {
                (now - Duration::minutes(59), 1)
            } else {
                let at = now + Duration::minutes(rng.random_range(90..22 * 60));
                (
                    at.duration_trunc(Duration::minutes(30)).unwrap_or(at),
                    *[30, 60, 60, 90].choose(&mut rng).unwrap_or(&60),
                )
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
