//! Follows the hub: snapshot, then the stream from the snapshot's `seq`; on any break, waits a
//! jittered backoff and resumes from the last `seq` it forwarded, on the next hub of the list when
//! the break says the hub is down (see [`super::hubs`]). It forwards each event at most once and
//! in order, and the model ignores any `seq` it has already applied, so a reconnect, to the same
//! hub or another, can neither lose nor double an event.

use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::client::{HubClient, NetError};
use super::hubs::{Hubs, backoff_round};
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

/// How a connection ended without an error of its own.
enum Ended {
    /// The hub closed the stream: it is shutting down, or dropped us as a lagging reader.
    Closed,
    /// Our position is not replayable on this hub: start again from a snapshot, on this hub.
    Resync,
    /// Another task saw the current hub fail and the console moved on: follow it there.
    Moved,
    /// The console is stopping, or nobody reads the inbox any more.
    Stopped,
}

/// Follows the current hub of `hubs` until `stop`. The position is the console's, not a hub's:
/// whichever hub it reconnects to, it resumes after the last `seq` it forwarded.
pub async fn run(hubs: impl Into<Hubs>, inbox: mpsc::Sender<Action>, stop: CancellationToken) {
    let hubs = hubs.into();
    let mut position: Option<u64> = None;
    let mut failures: u32 = 0;
    let mut current = hubs.watch();
    let send = |a: Action| {
        let inbox = inbox.clone();
        async move { inbox.send(a).await.is_ok() }
    };
    while !stop.is_cancelled() {
        let index = *current.borrow_and_update();
        let (client, at) = (hubs.client(index), (index, hubs.len()));
        let ended = follow(
            &client,
            at,
            &mut current,
            &mut position,
            &mut failures,
            &inbox,
            &stop,
        )
        .await;
        let (error, hub_failed) = match ended {
            Ok(Ended::Stopped) => return,
            // The hub we go to has not failed us: no failure counted, no wait.
            Ok(Ended::Moved) => continue,
            Ok(Ended::Resync) => ("the hub asked for a fresh snapshot".to_string(), false),
            Ok(Ended::Closed) => ("the hub closed the stream".to_string(), true),
            Err(e) if e.is_auth() => {
                // The same token goes to every hub: another would refuse it too.
                if !send(Action::Connection(Connection::Refused(e.to_string()))).await {
                    return;
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(BACKOFF_MAX) => {}
                }
                continue;
            }
            Err(e) => (e.to_string(), e.warrants_failover()),
        };
        if stop.is_cancelled() {
            return;
        }
        if hub_failed {
            let next = hubs.failed(index);
            if next != index {
                tracing::warn!(from = index + 1, to = next + 1, %error, "moving to the next hub");
            }
        }
        failures = failures.saturating_add(1);
        if !send(Action::Connection(Connection::Reconnecting {
            attempt: failures,
            error,
        }))
        .await
        {
            return;
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff(backoff_round(failures, hubs.len()))) => {}
        }
    }
}

/// One connection's life, to hub `at.0` of `at.1`. Returns when the stream ends or breaks, or
/// when `current` says the console has moved to another hub.
async fn follow(
    client: &HubClient,
    at: (usize, usize),
    current: &mut watch::Receiver<usize>,
    position: &mut Option<u64>,
    failures: &mut u32,
    inbox: &mpsc::Sender<Action>,
    stop: &CancellationToken,
) -> Result<Ended, NetError> {
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
                return Ok(Ended::Stopped);
            }
            *position = Some(seq);
            seq
        }
    };
    let mut stream = Box::pin(client.events(since).await?);
    *failures = 0;
    let (index, count) = at;
    let _ = inbox.send(Action::Hub { index, count }).await;
    let _ = inbox.send(Action::Connection(Connection::Live)).await;
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return Ok(Ended::Stopped),
            Ok(()) = current.changed() => {
                if *current.borrow_and_update() != index {
                    return Ok(Ended::Moved);
                }
                continue;
            }
            n = tokio::time::timeout(SILENCE_LIMIT, stream.next()) => n,
        };
        let message = match next {
            Err(_) => {
                return Err(NetError::Unreachable(
                    "no data or keep-alive for 45 s".into(),
                ));
            }
            Ok(None) => return Ok(Ended::Closed),
            Ok(Some(m)) => m?,
        };
        if message.event == "resync" {
            // Our position is not replayable: start again from a snapshot.
            *position = None;
            return Ok(Ended::Resync);
        }
        match serde_json::from_str::<Event>(&message.data) {
            Ok(event) => {
                *position = Some(event.seq);
                if inbox.send(Action::HubEvent(Box::new(event))).await.is_err() {
                    return Ok(Ended::Stopped);
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
