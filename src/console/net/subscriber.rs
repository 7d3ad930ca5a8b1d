//! Follows the hub: snapshot, then the stream from the snapshot's `seq`; on any break, waits a
//! jittered backoff and resumes from the last `seq` it forwarded. It forwards each event at most
//! once and in order, and the model ignores any `seq` it has already applied, so a reconnect can
//! neither lose nor double an event.

use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::{HubClient, NetError};
use crate::console::action::{Action, Connection};
use crate::domain::event::Event;

/// Three missed keep-alives (sent every 15 s) mean the connection is dead even if TCP says not.
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Full jitter: a random wait up to the exponential bound, so that a hub restart is not met by
/// every console at the same instant.
pub fn backoff(attempt: u32) -> Duration {
    let bound = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_MAX);
    let ms = bound.as_millis().max(1) as u64;
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
}

pub async fn run(client: HubClient, inbox: mpsc::Sender<Action>, stop: CancellationToken) {
    let mut position: Option<u64> = None;
    let mut attempt: u32 = 0;
    let send = |a: Action| {
        let inbox = inbox.clone();
        async move { inbox.send(a).await.is_ok() }
    };
    while !stop.is_cancelled() {
        let error = match follow(&client, &mut position, &mut attempt, &inbox, &stop).await {
            Ok(()) => "the hub closed the stream".to_string(),
            Err(e) => {
                if e.is_auth() {
                    if !send(Action::Connection(Connection::Refused(e.to_string()))).await {
                        return;
                    }
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(BACKOFF_MAX) => {}
                    }
                    continue;
                }
                e.to_string()
            }
        };
        if stop.is_cancelled() {
            return;
        }
        attempt = attempt.saturating_add(1);
        if !send(Action::Connection(Connection::Reconnecting {
            attempt,
            error,
        }))
        .await
        {
            return;
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff(attempt)) => {}
        }
    }
}

/// One connection's life. Returns when the stream ends or breaks.
async fn follow(
    client: &HubClient,
    position: &mut Option<u64>,
    attempt: &mut u32,
    inbox: &mpsc::Sender<Action>,
    stop: &CancellationToken,
) -> Result<(), NetError> {
    let since = match *position {
        Some(p) => p,
        None => {
            let _ = inbox.send(Action::Connection(Connection::Connecting)).await;
            let me = client.me().await?;
            // Open cases, and those closed in the last day (the "closed today" view).
            let day = chrono::Utc::now() - chrono::Duration::hours(24);
            let snapshot = client.cases(Some(day)).await?;
            let seq = snapshot.seq;
            if inbox.send(Action::Snapshot { me, snapshot }).await.is_err() {
                return Ok(());
            }
            *position = Some(seq);
            seq
        }
    };
    let mut stream = Box::pin(client.events(since).await?);
    *attempt = 0;
    let _ = inbox.send(Action::Connection(Connection::Live)).await;
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            n = tokio::time::timeout(SILENCE_LIMIT, stream.next()) => n,
        };
        let message = match next {
            Err(_) => {
                return Err(NetError::Unreachable(
                    "no data or keep-alive for 45 s".into(),
                ));
            }
            Ok(None) => return Ok(()),
            Ok(Some(m)) => m?,
        };
        if message.event == "resync" {
            // Our position is not replayable: start again from a snapshot.
            *position = None;
            return Ok(());
        }
        match serde_json::from_str::<Event>(&message.data) {
            Ok(event) => {
                *position = Some(event.seq);
                if inbox.send(Action::HubEvent(Box::new(event))).await.is_err() {
                    return Ok(());
                }
            }
            Err(e) => {
                // A newer hub may send kinds this console does not know; skip, but move on.
                tracing::warn!(id = %message.id, error = %e, "skipping an unreadable event");
                if let Ok(seq) = message.id.parse() {
                    *position = Some(seq);
                }
            }
        }
    }
}
