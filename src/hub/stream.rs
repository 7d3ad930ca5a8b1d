//! `GET /v1/events`: the event log as server-sent events, resumable by `seq`.
//!
//! Order of work per subscriber, which is what makes "nothing falls between" true:
//! 1. subscribe to the live broadcast;
//! 2. replay the log after the client's position, page by page;
//! 3. forward live events, skipping any `seq` already sent by the replay.
//!
//! A subscriber whose broadcast buffer overflows, or who stops reading, is disconnected rather
//! than skipped: on reconnect it replays from its last id and loses nothing.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::auth::Staff;
use super::error::ApiError;
use super::roster::RosterNews;
use super::state::AppState;
use super::store::Published;
use crate::api::Resync;
use crate::domain::staff::Scope;

const PAGE: usize = 1000;
/// Frames buffered between the producer and the HTTP body.
const OUTBOX: usize = 256;
/// A comment line: keeps proxies and the client's silence detector from closing an idle stream.
const KEEPALIVE: Bytes = Bytes::from_static(b":\n\n");
/// A client that accepts nothing for this long is cut off so it cannot pin memory.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    since: Option<String>,
}

fn parse_position(text: &str, what: &str) -> Result<u64, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::Malformed(format!("{what} must be a non-negative event seq")))
}

pub async fn events(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    query: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Malformed(format!("bad query: {e}")))?;
    let scope = staff.scope();
    if scope == Scope::Nothing {
        return Err(ApiError::Forbidden("this role does not see cases"));
    }
    // A console needs one stream (and a few while reconnecting); thousands from one token are
    // an attack on the hub's memory.
    let slot = state
        .limits
        .open_stream(staff.0.id)
        .ok_or(ApiError::TooMany(
            crate::hub::limits::RetryAfter(Duration::from_secs(5)),
            "streams_per_token",
        ))?;
    let header = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::Malformed("Last-Event-ID must be ASCII".into()))
                .and_then(|s| parse_position(s, "Last-Event-ID"))
        })
        .transpose()?;
    let since = match (header, query.since.as_deref()) {
        (Some(h), _) => Some(h),
        (None, Some(q)) => Some(parse_position(q, "since")?),
        (None, None) => None,
    };

    // Subscribe before reading anything, so that no commit can fall between replay and live.
    let live = state.store.subscribe();
    let head = state.store.head_seq().await?;
    let (tx, rx) = mpsc::channel(OUTBOX);
    let resync = match since {
        Some(s) if s > head => Some("ahead"),
        Some(s) if head - s > state.stream.replay_window => Some("too_old"),
        _ => None,
    };
    if let Some(reason) = resync {
        let body = serde_json::to_string(&Resync {
            head,
            reason: reason.into(),
        })
        .unwrap_or_default();
        let _ = tx.try_send(Bytes::from(format!("event: resync\ndata: {body}\n\n")));
    } else {
        let position = since.unwrap_or(head);
        // Subscribed before anything is read, like the log: no change can fall in between.
        let roster = state.roster.subscribe();
        let who = Who {
            id: staff.0.id,
            expires: staff.0.token_expires_at,
            supervisor: staff.0.role == crate::domain::staff::Role::Supervisor,
            roster,
            _slot: slot,
            _gauge: OpenGauge::new(staff.0.role.as_str()),
        };
        tokio::spawn(produce(state.clone(), who, scope, position, live, tx));
    }
    let stream = ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Sends one frame; false when the client is gone or too slow.
async fn send(tx: &mpsc::Sender<Bytes>, frame: Bytes) -> bool {
    tx.send_timeout(frame, SEND_TIMEOUT).await.is_ok()
}

/// Who a stream was opened for, and what would end their right to it.
/// Counts a stream as open, by role, until it is dropped.
struct OpenGauge(&'static str);

impl OpenGauge {
    fn new(role: &'static str) -> OpenGauge {
        crate::hub::metrics::stream_opened(role);
        OpenGauge(role)
    }
}

impl Drop for OpenGauge {
    fn drop(&mut self) {
        crate::hub::metrics::stream_closed(self.0);
    }
}

struct Who {
    id: i64,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    /// Supervisors hear of surges (events about no case).
    supervisor: bool,
    roster: broadcast::Receiver<RosterNews>,
    /// Counted against the token's streams until the stream ends.
    _slot: crate::hub::limits::StreamSlot,
    _gauge: OpenGauge,
}

impl Who {
    /// Whether this news ends the stream: a change to this staff member, their token's expiry,
    /// or news missed (lagging behind it, we cannot know).
    fn ended_by(&self, news: Result<RosterNews, broadcast::error::RecvError>) -> bool {
        match news {
            Ok(RosterNews::Changed(id)) => id == self.id,
            Ok(RosterNews::Tick(now)) => self.expires.is_some_and(|e| now >= e),
            Err(_) => true,
        }
    }
}

async fn produce(
    state: AppState,
    mut who: Who,
    scope: Scope,
    mut position: u64,
    mut live: broadcast::Receiver<Arc<Published>>,
    tx: mpsc::Sender<Bytes>,
) {
    // Replay.
    loop {
        let page = state
            .store
            .events_after(position, scope.clone(), PAGE)
            .await;
        let (events, last) = match page {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "replay failed; closing the stream");
                return;
            }
        };
        if last == position {
            break;
        }
        for event in &events {
            if state.shutdown.is_cancelled() || !send(&tx, event.frame.clone()).await {
                return;
            }
        }
        position = last;
    }
    // Live.
    let mut keepalive = tokio::time::interval(state.stream.keepalive);
    keepalive.reset();
    loop {
        let received = tokio::select! {
            _ = state.shutdown.cancelled() => return,
            // The client went away: free its slot now, not at the next keep-alive.
            _ = tx.closed() => return,
            news = who.roster.recv() => {
                if who.ended_by(news) {
                    tracing::info!(staff = who.id, "stream ended: the token was changed or expired");
                    return;
                }
                continue;
            }
            _ = keepalive.tick() => {
                if !send(&tx, KEEPALIVE).await {
                    return;
                }
                continue;
            }
            r = live.recv() => r,
        };
        match received {
            Ok(event) => {
                if event.seq <= position {
                    continue;
                }
                position = event.seq;
                let surge =
                    who.supervisor && event.kind == crate::domain::event::EventKind::SurgeDetected;
                if (surge || event.visible_to(&scope)) && !send(&tx, event.frame.clone()).await {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "subscriber fell behind; disconnecting it to replay");
                return;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
