//! Simulated phones: enroll synthetic registrants and press the button over real HTTP, with
//! quiet spells, raid-like bursts and some cancellations. Every name is plainly fictional.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub mod appointments;
pub mod gateway;
pub mod press;
pub mod progress;

pub use press::Retry;
pub use progress::{Progress, Stats};

use crate::api::{AlertResponse, EnrollResponse, EnrollmentPending, VerifyRequest};
use crate::domain::alert::{AlertKind, AlertRequest, CancelReason, CancelRequest};
use crate::domain::registrant::{Flag, Profile, Relative};

/// Women's and men's first names: a profile's flags and words follow its person (a pregnancy
/// only for a woman), so the demo never shows what a reader knows cannot be.
const WOMEN: &[&str] = &[
    "Ana", "María", "Rosa", "Carmen", "Lucía", "Elena", "Sofía", "Teresa", "Marta", "Paola",
];
const MEN: &[&str] = &[
    "Luis", "José", "Juan", "Miguel", "Pedro", "Jorge", "Raúl", "Diego", "Andrés", "Iván",
];
const LAST: &[&str] = &[
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Morales",
    "Reyes",
    "Jiménez",
    "Ruiz",
    "Ortiz",
    "Vázquez",
];
/// US metro areas with large Mexican communities (city centres).
const METROS: &[(f64, f64)] = &[
    (34.05, -118.24),
    (32.72, -117.16),
    (41.88, -87.63),
    (29.76, -95.37),
    (32.78, -96.80),
    (33.45, -112.07),
    (40.71, -74.01),
    (33.75, -84.39),
    (39.74, -104.99),
    (47.61, -122.33),
    (25.76, -80.19),
    (29.42, -98.49),
    (38.58, -121.49),
    (36.17, -115.14),
    (35.78, -78.64),
];

pub struct Phone {
    pub token: String,
}

fn fictional_profile(rng: &mut impl Rng) -> Profile {
    let woman = rng.random_bool(0.5);
    let (names, fictional) = if woman {
        (WOMEN, "Ficticia")
    } else {
        (MEN, "Ficticio")
    };
    let first = names.choose(rng).copied().unwrap_or("Ana");
    let last = LAST.choose(rng).copied().unwrap_or("García");
    // A relative is someone else: never the person's own first name.
    let others: Vec<&str> = WOMEN
        .iter()
        .chain(MEN)
        .copied()
        .filter(|n| *n != first)
        .collect();
    let relative = others.choose(rng).copied().unwrap_or("Luis");
    let relative_fictional = if WOMEN.contains(&relative) {
        "Ficticia"
    } else {
        "Ficticio"
    };
    let mut flags = Vec::new();
    for flag in Flag::ALL {
        if (woman || flag != Flag::Pregnancy) && rng.random_bool(0.08) {
            flags.push(flag);
        }
    }
    let year = rng.random_range(1950..2006);
    Profile {
        name: format!("{first} {fictional} {last}"),
        date_of_birth: NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), 15),
        consular_id: format!("DEMO{:06}", rng.random_range(0..1_000_000)),
        phone: format!("+1555{:07}", rng.random_range(0..10_000_000)),
        language: if rng.random_bool(0.1) { "mix" } else { "es" }.into(),
        flags,
        relatives: vec![Relative {
            name: format!("{relative} {relative_fictional} {last}"),
            relation: "familiar".into(),
            phone: format!("+1555{:07}", rng.random_range(0..10_000_000)),
        }],
        erased: false,
    }
}

/// Waiting out the hub's enrollment limits: up to ten minutes per phone.
const ENROLL_RETRY: press::Retry = press::Retry {
    first_wait: Duration::from_secs(1),
    max_wait: Duration::from_secs(30),
    give_up_after: Duration::from_secs(600),
    attempt_timeout: Duration::from_secs(20),
};

/// Enrolls one phone the way the app does: the profile, then, when the hub verifies numbers,
/// the code that reached the phone (read from the stand-in gateway's `codes`).
pub async fn enroll_one(
    http: &reqwest::Client,
    hub: &str,
    profile: &Profile,
    codes: Option<&gateway::CodeBook>,
) -> Result<Phone, String> {
    // One key for every attempt: a retried enrollment is the same enrollment.
    let key = Uuid::new_v4().to_string();
    let started = std::time::Instant::now();
    let mut failures = 0u32;
    let res = loop {
        let res = http
            .post(format!("{hub}/v1/enroll"))
            .header("Idempotency-Key", &key)
            .json(profile)
            .send()
            .await
            .map_err(|e| format!("enroll: {e}"))?;
        let busy = matches!(
            res.status(),
            reqwest::StatusCode::TOO_MANY_REQUESTS | reqwest::StatusCode::SERVICE_UNAVAILABLE
        );
        if !busy {
            break res;
        }
        // The hub's enrollment limits (a few per address per minute by default) say when to
        // come back; a real phone would wait too.
        failures += 1;
        let wait = press::next_wait(
            &ENROLL_RETRY,
            failures,
            started.elapsed(),
            press::retry_after(res.headers()),
        )
        .ok_or_else(|| format!("enroll refused: {} (gave up waiting)", res.status()))?;
        tokio::time::sleep(wait).await;
    };
    let status = res.status();
    if status == reqwest::StatusCode::CREATED {
        let body: EnrollResponse = res.json().await.map_err(|e| e.to_string())?;
        return Ok(Phone {
            token: body.device_token,
        });
    }
    if status != reqwest::StatusCode::ACCEPTED {
        return Err(format!("enroll refused: {status}"));
    }
    let pending: EnrollmentPending = res.json().await.map_err(|e| e.to_string())?;
    let codes = codes.ok_or(
        "the hub verifies phone numbers: run the simulator with --gateway-listen and point the \
         hub's [notify] webhook_url at it",
    )?;
    let code = codes
        .take(&profile.phone, Duration::from_secs(30))
        .await
        .ok_or("no verification code reached the gateway within 30 s (is the webhook secret the same on both sides?)")?;
    let res = http
        .post(format!("{hub}/v1/enroll/{}/verify", pending.enrollment_id))
        .json(&VerifyRequest { code })
        .send()
        .await
        .map_err(|e| format!("verify: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("verification refused: {}", res.status()));
    }
    let body: EnrollResponse = res.json().await.map_err(|e| e.to_string())?;
    Ok(Phone {
        token: body.device_token,
    })
}

/// Enrolls `count` fictional registrants, a few at a time.
pub async fn enroll(
    http: &reqwest::Client,
    hub: &str,
    count: usize,
    codes: Option<Arc<gateway::CodeBook>>,
) -> Result<Vec<Phone>, String> {
    use futures_util::{StreamExt, TryStreamExt};
    let profiles: Vec<Profile> = (0..count)
        .map(|_| fictional_profile(&mut rand::rng()))
        .collect();
    // The first failure stops it: a wrong secret or a refusing hub will not get better.
    futures_util::stream::iter(profiles)
        .map(|p| {
            let codes = codes.clone();
            async move { enroll_one(http, hub, &p, codes.as_deref()).await }
        })
        .buffer_unordered(8)
        .try_collect()
        .await
}

pub struct Plan {
    /// Average presses per second.
    pub rate: f64,
    /// Stop after this many presses (None: until stopped).
    pub count: Option<u64>,
    /// Presses placed near this point this share of the time (the demo's own consulate).
    pub focus: Option<((f64, f64), f64)>,
    /// How far from its centre a press may be, in degrees of latitude (longitude a little
    /// wider): 0.25 spreads a city's presses over about 55 km; a raid's are closer.
    pub spread: f64,
    /// How a press that did not get through is tried again.
    pub retry: Retry,
}

/// Presses until `plan.count` presses are settled (accepted, or given up) or `stop` is
/// cancelled, counting into `stats` as it goes (read them meanwhile for progress).
///
/// Each press runs on its own, as on separate phones: one being retried while the hub is down
/// does not hold back the next, and the plan's pace goes on.
pub async fn run(
    http: reqwest::Client,
    hub: String,
    phones: Vec<Phone>,
    plan: Plan,
    stats: Arc<Stats>,
    stop: CancellationToken,
) {
    if phones.is_empty() {
        return;
    }
    let mut presses = tokio::task::JoinSet::new();
    let mut phase_left = Duration::ZERO;
    let mut multiplier = 1.0;
    let mut raid_centre = METROS[0];
    // Where each phone first pressed: its later presses come from there (a person does not
    // cross the country between two presses).
    let mut placed: std::collections::HashMap<usize, (f64, f64)> = Default::default();
    // A short opening burst so the first alerts show within seconds.
    let mut opening = 5u32;
    loop {
        // Settled presses are reaped as it goes, so a run without end does not hold them all.
        while presses.try_join_next().is_some() {}
        if plan
            .count
            .is_some_and(|n| stats.sent.load(Ordering::Relaxed) >= n)
        {
            break;
        }
        let (wait, request, token, cancel_after) = {
            let mut rng = rand::rng();
            if phase_left.is_zero() {
                phase_left = Duration::from_secs(rng.random_range(10..40));
                multiplier = *[0.2, 1.0, 1.0, 4.0].choose(&mut rng).unwrap_or(&1.0);
                raid_centre = *METROS.choose(&mut rng).unwrap_or(&METROS[0]);
                if let Some((point, share)) = plan.focus
                    && rng.random_bool(share)
                {
                    raid_centre = point;
                }
            }
            let rate = (plan.rate * multiplier).max(0.01);
            let wait = if opening > 0 {
                opening -= 1;
                Duration::from_millis(300)
            } else {
                Duration::from_secs_f64((-rng.random::<f64>().max(1e-9).ln() / rate).min(30.0))
            };
            phase_left = phase_left.saturating_sub(wait);
            let centre = match plan.focus {
                Some((point, share)) if multiplier < 4.0 && rng.random_bool(share) => point,
                _ if multiplier >= 4.0 => raid_centre,
                _ => *METROS.choose(&mut rng).unwrap_or(&METROS[0]),
            };
            let phone = rng.random_range(0..phones.len());
            let fresh = (
                centre.0 + rng.random_range(-plan.spread..plan.spread),
                centre.1 + rng.random_range(-plan.spread * 1.2..plan.spread * 1.2),
            );
            let (lat, lon) = *placed.entry(phone).or_insert(fresh);
            let request = AlertRequest {
                id: Uuid::new_v4(),
                // A few hundred metres around where the phone was.
                lat: lat + rng.random_range(-0.003..0.003),
                lon: lon + rng.random_range(-0.003..0.003),
                accuracy_m: rng.random_range(5.0..120.0),
                pressed_at: Utc::now(),
                kind: if rng.random_bool(0.3) {
                    AlertKind::Detained
                } else {
                    AlertKind::Imminent
                },
            };
            let token = phones[phone].token.clone();
            // Some cancels come with the duress PIN: the phone cannot tell them apart.
            let cancel_after = rng.random_bool(0.1).then(|| {
                (
                    Duration::from_secs(rng.random_range(5..60)),
                    rng.random_bool(0.15),
                )
            });
            (wait, request, token, cancel_after)
        };
        let moves = rand::rng().random_bool(0.25);
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
        let request = AlertRequest {
            pressed_at: Utc::now(),
            ..request
        };
        stats.sent.fetch_add(1, Ordering::Relaxed);
        let one = OnePress {
            http: http.clone(),
            hub: hub.clone(),
            token,
            retry: plan.retry.clone(),
            stats: stats.clone(),
            stop: stop.clone(),
        };
        presses.spawn(one.run(request, moves, cancel_after));
    }
    // The plan is done, but presses still being retried are waited for: none is dropped. Each
    // press ends by itself once `stop` is cancelled, counted as failed, so the counts add up.
    while presses.join_next().await.is_some() {}
}

/// One phone's press and what follows it: moving, cancelling.
struct OnePress {
    http: reqwest::Client,
    hub: String,
    token: String,
    retry: Retry,
    stats: Arc<Stats>,
    stop: CancellationToken,
}

impl OnePress {
    async fn run(self, request: AlertRequest, moves: bool, cancel_after: Option<(Duration, bool)>) {
        let OnePress {
            http,
            hub,
            token,
            retry,
            stats,
            stop,
        } = self;
        let answer = match press::press(&http, &hub, &token, &request, &retry, &stats, &stop).await
        {
            Ok(answer) => answer,
            Err(e) => {
                stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(alert = %request.id, error = %e, "simulated press failed");
                return;
            }
        };
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        if moves {
            // Someone being driven away: a few later fixes along a line.
            let (http, hub, stats, stop, token) = (
                http.clone(),
                hub.clone(),
                stats.clone(),
                stop.clone(),
                token.clone(),
            );
            let answer = answer.clone();
            let (mut lat, mut lon) = (request.lat, request.lon);
            tokio::spawn(async move {
                for _ in 0..3 {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(8)) => {}
                    }
                    lat += 0.01;
                    lon -= 0.012;
                    if move_to(&http, &hub, &token, &answer, lat, lon).await {
                        stats.moved.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        if let Some((after, duress)) = cancel_after {
            tokio::spawn(async move {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep(after) => {
                        if cancel(&http, &hub, &token, &answer, duress).await {
                            stats.cancelled.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    }
}

/// Sends a later position for an alert.
pub async fn move_to(
    http: &reqwest::Client,
    hub: &str,
    token: &str,
    answer: &AlertResponse,
    lat: f64,
    lon: f64,
) -> bool {
    http.post(format!("{hub}/v1/alerts/{}/location", answer.alert_id))
        .bearer_auth(token)
        .json(&crate::domain::alert::LocationRequest {
            lat,
            lon,
            accuracy_m: 20.0,
            at: Utc::now(),
        })
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

pub async fn cancel(
    http: &reqwest::Client,
    hub: &str,
    token: &str,
    answer: &AlertResponse,
    duress: bool,
) -> bool {
    http.post(format!("{hub}/v1/alerts/{}/cancel", answer.alert_id))
        .bearer_auth(token)
        .json(&CancelRequest {
            reason: CancelReason::Safe,
            duress,
        })
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

#[cfg(test)]
mod people_tests {
    use super::*;

    #[test]
    fn the_demos_people_are_consistent() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let p = fictional_profile(&mut rng);
            let first = p.name.split(' ').next().unwrap();
            if p.flags.contains(&Flag::Pregnancy) {
                assert!(WOMEN.contains(&first), "{}", p.name);
            }
            let kin = p.relatives[0].name.split(' ').next().unwrap();
            assert_ne!(first, kin, "{} is their own relative", p.name);
            assert_eq!(
                p.name.contains("Ficticia"),
                WOMEN.contains(&first),
                "{}",
                p.name
            );
        }
    }
}
