//! A stand-in for an SMS gateway on loopback, for the demo and the simulator: it checks each
//! message's signature, keeps the verification codes sent to phones (so simulated phones can
//! type them, as a person would read them off a message), and logs what arrives (type and id
//! only). The demo's refuses its first message (503), to show a retry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::hub::notify;

/// Verification codes by phone number, as they arrive.
#[derive(Default)]
pub struct CodeBook {
    codes: Mutex<HashMap<String, String>>,
    arrived: Notify,
}

impl CodeBook {
    fn put(&self, phone: String, code: String) {
        if let Ok(mut codes) = self.codes.lock() {
            codes.insert(phone, code);
        }
        self.arrived.notify_waiters();
    }

    /// The code sent to `phone`, waiting up to `wait` for it; taken, so it is typed once.
    pub async fn take(&self, phone: &str, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let arrived = self.arrived.notified();
            if let Some(code) = self.codes.lock().ok()?.remove(phone) {
                return Some(code);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }
}

/// Starts the gateway on `bind` (`127.0.0.1:0` for any free port); returns its URL and the book
/// its codes go to.
pub async fn start(
    bind: &str,
    secret: Vec<u8>,
    refuse_first: bool,
    stop: CancellationToken,
) -> Result<(String, Arc<CodeBook>), String> {
    let seen = Arc::new(AtomicU64::new(0));
    let book = Arc::new(CodeBook::default());
    let codes = book.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (seen, secret, codes) = (seen.clone(), secret.clone(), codes.clone());
            async move {
                let header = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                let (id, ts) = (header("webhook-id"), header("webhook-timestamp"));
                let expected = notify::sign(&secret, &id, ts.parse().unwrap_or(0), &body);
                if header("webhook-signature") != expected {
                    tracing::warn!(%id, "gateway: bad signature");
                    return StatusCode::UNAUTHORIZED;
                }
                if refuse_first && seen.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::info!(%id, "gateway: refusing the first message to show a retry");
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let message: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let kind = message["type"].as_str().unwrap_or_default();
                if kind == "phone.verify"
                    && let (Some(to), Some(code)) = (
                        message["data"]["to"].as_str(),
                        message["data"]["code"].as_str(),
                    )
                {
                    codes.put(to.to_string(), code.to_string());
                }
                tracing::info!(%id, %kind, "gateway: message accepted");
                StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("gateway bind {bind}: {e}"))?;
    let url = format!(
        "http://{}/sms",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    Ok((url, book))
}
