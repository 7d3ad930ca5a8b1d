//! Messages to relatives through a webhook, the way SMS and messaging gateways are integrated,
//! following the Standard Webhooks conventions: `webhook-id` (stable across retries),
//! `webhook-timestamp`, and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
//! keyed with the `whsec_` secret.
//!
//! The worker reads what is due from the database, so nothing is held only in memory: a restart
//! picks up where it left off. Retries back off exponentially with jitter until 72 h have passed
//! since the message was queued; a 410 stops them at once. Outbound requests refuse private,
//! loopback and link-local addresses (unless configured otherwise), checked after DNS resolution,
//! and follow no redirects, so a webhook URL cannot be turned against the hub's own network.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use super::state::AppState;
use super::store::{Attempt, DueDelivery};
use crate::domain::event::{DeliveryFailure, FailureClass};

pub mod guard;
pub mod settings;

pub use guard::is_public;
pub use settings::{NotifySettings, new_secret, parse_secret};

/// Retries stop this long after the message was queued.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(72);
/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Messages sent per pass.
const BATCH: usize = 32;

/// The `webhook-signature` value for a message.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// The webhook client: no redirects, no proxy from the environment (an `HTTP_PROXY` set on the
/// machine would otherwise receive every family's message), and, unless private targets are
/// allowed, a resolver that only returns public addresses.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(REQUEST_TIMEOUT);
    if allow_private {
        builder.build()
    } else {
        builder.dns_resolver(guard::PublicOnly).build()
    }
}

/// The wait before attempt `n + 1` (after `n` failures): doubling from `base`, capped, with
/// "equal jitter" (half fixed, half random) so that retries after an outage spread out.
pub fn retry_delay(failures: u32, base: Duration) -> Duration {
    let bound = base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
        .min(MAX_DELAY);
    let half = bound / 2;
    half + Duration::from_millis(rand::rng().random_range(0..=half.as_millis().max(1) as u64))
}

/// The host a failure is recorded against: never the URL's path or query, where gateways keep
/// their API keys.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default()
}

/// What kind of failure a send error was, looking through its causes (reqwest's own message
/// hides, say, the guard's refusal inside a connect error).
fn classify(e: &reqwest::Error) -> FailureClass {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(cause) = source {
        if cause.is::<guard::Blocked>() {
            return FailureClass::BlockedAddress;
        }
        if cause.is::<rustls::Error>() {
            return FailureClass::Tls;
        }
        source = cause.source();
    }
    if e.is_timeout() {
        FailureClass::Timeout
    } else if e.is_connect() {
        FailureClass::Refused
    } else {
        FailureClass::Other
    }
}

/// Sends one message and says what came of it.
async fn attempt(
    http: &reqwest::Client,
    settings: &NotifySettings,
    url: &str,
    d: &DueDelivery,
    now: DateTime<Utc>,
) -> Attempt {
    let failure = |class| DeliveryFailure {
        class,
        host: host_of(url),
    };
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Attempt::Failed {
            failure: failure(FailureClass::BadUrl),
        };
    };
    if !settings.allow_private_targets && guard::literal_host_refused(&parsed) {
        return Attempt::Failed {
            failure: failure(FailureClass::BlockedAddress),
        };
    }
    let timestamp = now.timestamp();
    let result = http
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", &d.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            sign(&settings.secret, &d.webhook_id, timestamp, &d.payload),
        )
        .body(d.payload.clone())
        .send()
        .await;
    let class = match result {
        Ok(res) if res.status().is_success() => return Attempt::Delivered,
        // The gateway says this endpoint is gone for good.
        Ok(res) if res.status() == reqwest::StatusCode::GONE => {
            return Attempt::Failed {
                failure: failure(FailureClass::Gone),
            };
        }
        Ok(res) if res.status().is_server_error() => FailureClass::Http5xx,
        Ok(_) => FailureClass::Http4xx,
        Err(e) => classify(&e),
    };
    if class == FailureClass::BlockedAddress {
        return Attempt::Failed {
            failure: failure(class),
        };
    }
    if now - d.created_at >= GIVE_UP_AFTER {
        return Attempt::Failed {
            failure: failure(FailureClass::Expired),
        };
    }
    let wait = retry_delay(d.attempts + 1, settings.retry_base);
    Attempt::Retry {
        next_at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
        failure: failure(class),
    }
}

/// Sends one due message and records what came of it.
async fn send_one(state: AppState, http: reqwest::Client, url: String, d: DueDelivery) {
    let outcome = attempt(&http, &state.notify, &url, &d, state.now()).await;
    crate::hub::metrics::delivery(match &outcome {
        Attempt::Delivered => "delivered",
        Attempt::Retry { .. } => "retry",
        Attempt::Failed { .. } => "failed",
    });
    // Ids and classes only: payloads carry phone numbers, URLs carry keys.
    match &outcome {
        Attempt::Delivered => tracing::info!(delivery = d.id, "message delivered"),
        Attempt::Retry { failure, .. } => tracing::warn!(
            delivery = d.id,
            class = failure.class.as_str(),
            host = %failure.host,
            "message will be retried"
        ),
        Attempt::Failed { failure } => tracing::warn!(
            delivery = d.id,
            class = failure.class.as_str(),
            host = %failure.host,
            "message failed"
        ),
    }
    if let Err(e) = state
        .store
        .record_delivery(d.id, outcome, state.now())
        .await
    {
        tracing::error!(delivery = d.id, error = %e, "cannot record a delivery");
    }
}

/// The worker: sends what is due, several at a time, at most `per_host` at once to the gateway,
/// so one family's slow message delays no other's. What is due is read from the database, so a
/// restart loses nothing; a message being sent is not picked up twice.
pub async fn run(state: AppState) {
    let http = match client(state.notify.allow_private_targets) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; relatives will not be messaged");
            return;
        }
    };
    let Some(url) = state.notify.url.clone() else {
        return;
    };
    // One gateway URL, so one host: its limit is the worker's concurrency.
    let per_host = Arc::new(tokio::sync::Semaphore::new(state.notify.per_host.max(1)));
    let mut in_flight: std::collections::HashSet<i64> = Default::default();
    let mut tasks: tokio::task::JoinSet<i64> = tokio::task::JoinSet::new();
    loop {
        // Only as many as can be sent now are claimed: a claimed message is this hub's until
        // its lease runs out, and one claimed but left waiting would wait that long.
        let room = per_host.available_permits().min(BATCH);
        let due = match room {
            0 => Vec::new(),
            room => match state.store.due_deliveries(state.now(), room).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read due deliveries");
                    Vec::new()
                }
            },
        };
        for d in due {
            if in_flight.contains(&d.id) {
                continue;
            }
            let Ok(permit) = per_host.clone().try_acquire_owned() else {
                break;
            };
            in_flight.insert(d.id);
            let (state, http, url) = (state.clone(), http.clone(), url.clone());
            tasks.spawn(async move {
                let id = d.id;
                send_one(state, http, url, d).await;
                drop(permit);
                id
            });
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
}

/// Escalation timer: every few seconds, escalate what is due by the hub's clock.
pub async fn run_escalations(state: AppState) {
    loop {
        let started = std::time::Instant::now();
        if let Err(e) = state
            .store
            .escalate(state.now(), state.rules, Arc::clone(&state.consulates))
            .await
        {
            tracing::error!(error = %e, "escalation pass failed");
        }
        if let Err(e) = state.store.escalate_searches(state.now()).await {
            tracing::error!(error = %e, "search escalation pass failed");
        }
        crate::hub::metrics::pass("escalation", started.elapsed().as_secs_f64());
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_are_capped_and_jittered_within_bounds() {
        let base = Duration::from_secs(10);
        for n in 1..30 {
            let d = retry_delay(n, base);
            let bound = base.saturating_mul(1 << (n - 1).min(20)).min(MAX_DELAY);
            assert!(d >= bound / 2 && d <= bound, "{n}: {d:?}");
        }
        // Retrying only stops after 72 h, so the schedule covers at least that long.
        assert!(GIVE_UP_AFTER >= chrono::Duration::hours(72));
    }

    #[test]
    fn secrets_must_be_whsec_base64_of_enough_bytes() {
        assert!(parse_secret(&new_secret()).is_ok());
        assert!(parse_secret("plain").is_err());
        assert!(parse_secret("whsec_c2hvcnQ=").is_err());
    }
}
