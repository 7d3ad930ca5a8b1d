//! How the hub reaches the relatives' gateway (`[notify]`): plain settings, read once at start.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng;

#[derive(Clone)]
pub struct NotifySettings {
    /// None: relatives are not messaged (no gateway configured).
    pub url: Option<String>,
    pub secret: Vec<u8>,
    pub allow_private_targets: bool,
    /// The first retry's wait; each next one doubles (up to `notify::MAX_DELAY`).
    pub retry_base: Duration,
    /// Messages sent to the gateway at once.
    pub per_host: usize,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            url: None,
            secret: Vec::new(),
            allow_private_targets: false,
            retry_base: Duration::from_secs(10),
            per_host: 8,
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
            per_host: c.per_host_concurrency.max(1) as usize,
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
