//! The demo's stand-in for an SMS gateway: a local webhook receiver, so relatives' deliveries are
//! real HTTP, signed and checked. It refuses the first message it gets (503) so the demo shows a
//! retry, and logs what arrives (type and id only) to the demo log.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, StatusCode};
use tokio_util::sync::CancellationToken;

use crate::hub::notify;

/// Starts the receiver on 127.0.0.1; returns its URL.
pub async fn start(secret: Vec<u8>, stop: CancellationToken) -> Result<String, String> {
    let seen = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (seen, secret) = (seen.clone(), secret.clone());
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
                    tracing::warn!(%id, "demo gateway: bad signature");
                    return StatusCode::UNAUTHORIZED;
                }
                if seen.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::info!(%id, "demo gateway: refusing the first message to show a retry");
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let kind = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["type"].as_str().map(String::from))
                    .unwrap_or_default();
                tracing::info!(%id, %kind, "demo gateway: message accepted");
                StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("demo gateway bind: {e}"))?;
    let url = format!(
        "http://{}/sms",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    Ok(url)
}
