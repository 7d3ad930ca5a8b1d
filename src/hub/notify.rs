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

use std::net::{IpAddr, SocketAddr};
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

/// Retries stop this long after the message was queued.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(72);
/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Messages sent per pass.
const BATCH: usize = 32;

#[derive(Clone)]
pub struct NotifySettings {
    /// None: relatives are not messaged (no gateway configured).
    pub url: Option<String>,
    pub secret: Vec<u8>,
    pub allow_private_targets: bool,
    /// The first retry's wait; each next one doubles (up to [`MAX_DELAY`]).
    pub retry_base: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            url: None,
            secret: Vec::new(),
            allow_private_targets: false,
            retry_base: Duration::from_secs(10),
        }
    }
}

impl NotifySettings {
    pub fn enabled(&self) -> bool {
        self.url.is_some()
    }

    /// From `[notify]`: a URL needs a `whsec_` secret, or messages could be forged.
    pub fn from_config(c: &crate::config::NotifyConfig) -> Result<NotifySettings, String> {
        if c.webhook_url.trim().is_empty() {
            return Ok(NotifySettings::default());
        }
        let url = reqwest::Url::parse(c.webhook_url.trim())
            .map_err(|e| format!("notify.webhook_url: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("notify.webhook_url: must be http or https".into());
        }
        Ok(NotifySettings {
            url: Some(url.to_string()),
            secret: parse_secret(&c.webhook_secret)?,
            allow_private_targets: c.allow_private_targets,
            ..NotifySettings::default()
        })
    }
}

/// `whsec_<base64>` → the key bytes.
pub fn parse_secret(text: &str) -> Result<Vec<u8>, String> {
    let b64 = text.trim().strip_prefix("whsec_").ok_or(
        "notify.webhook_secret: must start with whsec_ followed by base64 (at least 24 bytes)",
    )?;
    let key = B64
        .decode(b64)
        .map_err(|e| format!("notify.webhook_secret: not base64: {e}"))?;
    if key.len() < 24 {
        return Err("notify.webhook_secret: the key must be at least 24 bytes".into());
    }
    Ok(key)
}

/// A fresh `whsec_` secret (for the demo and for operators setting one up).
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill(&mut key);
    format!("whsec_{}", B64.encode(key))
}

/// The `webhook-signature` value for a message.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// multicast, documentation or unspecified; IPv4-mapped IPv6 judged as its IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Resolves names and keeps only public addresses, so that a name pointing inside (or a DNS
/// answer changed after a check) cannot be used to reach internal services.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves only to private addresses; refused").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

pub fn client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT);
    if allow_private {
        builder.build()
    } else {
        builder.dns_resolver(PublicOnly).build()
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

/// Refuses a URL whose host is a literal private address (names are checked at resolution).
fn literal_host_refused(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (!is_public(ip)).then(|| format!("refused: {ip} is not a public address"))
}

/// An error with its chain of causes: reqwest's own message hides why a connect failed (such as
/// the resolver's refusal of a private address).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sends one message and says what came of it.
async fn attempt(
    http: &reqwest::Client,
    settings: &NotifySettings,
    url: &str,
    d: &DueDelivery,
    now: DateTime<Utc>,
) -> Attempt {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            return Attempt::Failed {
                error: format!("bad webhook URL: {e}"),
            };
        }
    };
    if !settings.allow_private_targets
        && let Some(error) = literal_host_refused(&parsed)
    {
        return Attempt::Failed { error };
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
    let error = match result {
        Ok(res) if res.status().is_success() => return Attempt::Delivered,
        // The gateway says this endpoint is gone for good.
        Ok(res) if res.status() == reqwest::StatusCode::GONE => {
            return Attempt::Failed {
                error: "the gateway answered 410 Gone".into(),
            };
        }
        Ok(res) => format!("the gateway answered {}", res.status()),
        Err(e) if e.is_connect() || e.is_timeout() => {
            format!("cannot reach the gateway: {}", with_causes(&e))
        }
        Err(e) => format!("send failed: {}", with_causes(&e)),
    };
    if error.contains("private addresses") {
        return Attempt::Failed { error };
    }
    if now - d.created_at >= GIVE_UP_AFTER {
        return Attempt::Failed {
            error: format!("gave up after 72 h; last: {error}"),
        };
    }
    let wait = retry_delay(d.attempts + 1, settings.retry_base);
    Attempt::Retry {
        next_at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
        error,
    }
}

/// One pass: sends what is due now. Returns how many messages were attempted.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> usize {
    let Some(url) = state.notify.url.clone() else {
        return 0;
    };
    let now = state.now();
    let due = match state.store.due_deliveries(now, BATCH).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read due deliveries");
            return 0;
        }
    };
    for d in &due {
        let outcome = attempt(http, &state.notify, &url, d, state.now()).await;
        // Ids only: payloads carry phone numbers.
        match &outcome {
            Attempt::Delivered => tracing::info!(delivery = d.id, "relative message delivered"),
            Attempt::Retry { error, .. } => {
                tracing::warn!(delivery = d.id, %error, "relative message will be retried")
            }
            Attempt::Failed { error } => {
                tracing::warn!(delivery = d.id, %error, "relative message failed")
            }
        }
        if let Err(e) = state
            .store
            .record_delivery(d.id, outcome, state.now())
            .await
        {
            tracing::error!(delivery = d.id, error = %e, "cannot record a delivery");
        }
    }
    due.len()
}

/// The worker: sends what is due, then sleeps until the next message is due (at most a second,
/// so new messages go out promptly).
pub async fn run(state: AppState) {
    let http = match client(state.notify.allow_private_targets) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; relatives will not be messaged");
            return;
        }
    };
    loop {
        let sent = deliver_due(&state, &http).await;
        if sent > 0 {
            continue;
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Escalation timer: every few seconds, escalate what is due by the hub's clock.
pub async fn run_escalations(state: AppState) {
    loop {
        if let Err(e) = state
            .store
            .escalate(state.now(), state.rules, Arc::clone(&state.consulates))
            .await
        {
            tracing::error!(error = %e, "escalation pass failed");
        }
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
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

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
