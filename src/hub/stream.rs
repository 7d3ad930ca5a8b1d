//! `GET /v1/events`: the event log as server-sent events, resumable by `seq`.
//!
//! Order of work per subscriber, which is what makes "nothing falls between" true:
//! 1. subscribe to the live broadcast;
//! 2. replay the log after the client's position, page by page;
//! 3. forward live events, skipping any `seq` already sent by the replay.
//!
//! A subscriber whose broadcast buffer overflows, or who stops reading, is disconnected rather
//! than skipped: on reconnect it replays from its last id and loses nothing.
//!
//! A stream is a receiver on its audience's broadcast (see `store::fanout`) read directly by the
//! response body: the per-stream cost is that receiver, a page of replay and the connection.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use std::collections::VecDeque;

use tokio::sync::broadcast;

use super::auth::Staff;
use super::error::ApiError;
use super::roster::RosterNews;
use super::state::AppState;
use super::store::Published;
use super::store::fanout::Audience;
use crate::api::Resync;
use crate::domain::staff::Scope;

const PAGE: usize = 1000;
/// A comment line: keeps proxies and the client's silence detector from closing an idle stream.
const KEEPALIVE: Bytes = Bytes::from_static(b":\n\n");

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
    let who_role = staff.0.role;
    let audience = Audience {
        scope: scope.clone(),
        // Supervisors hear of surges (events about no case).
        surges: who_role == crate::domain::staff::Role::Supervisor,
    };
    let live = state.store.subscribe_audience(audience.clone());
    let head = state.store.head_seq().await?;
    let resync = match since {
        Some(s) if s > head => Some("ahead"),
        Some(s) if head - s > state.stream.replay_window => Some("too_old"),
        _ => None,
    };
    let body = if let Some(reason) = resync {
        let body = serde_json::to_string(&Resync {
            head,
            reason: reason.into(),
        })
        .unwrap_or_default();
        Body::from(format!("event: resync\ndata: {body}\n\n"))
    } else {
        // Subscribed before anything is read, like the log: no change can fall in between.
        let roster = state.roster.subscribe();
        let mut keepalive = tokio::time::interval(state.stream.keepalive);
        keepalive.reset();
        let feed = Feed {
            who: Who {
                id: staff.0.id,
                expires: staff.0.token_expires_at,
                roster,
                _slot: slot,
                _gauge: OpenGauge::new(who_role.as_str()),
            },
            state,
            audience,
            position: since.unwrap_or(head),
            replaying: true,
            page: VecDeque::new(),
            live,
            keepalive,
        };
        // The response body reads the shared broadcast itself: no task or channel per stream.
        Body::from_stream(futures_util::stream::unfold(feed, |mut feed| async move {
            feed.next_frame()
                .await
                .map(|frame| (Ok::<_, Infallible>(frame), feed))
        }))
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response())
}

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

/// Who a stream was opened for, and what would end their right to it.
struct Who {
    id: i64,
    expires: Option<chrono::DateTime<chrono::Utc>>,
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

/// One stream's state, polled only when the connection can take another frame: a client that
/// stops reading holds no queue of its own, only its place in the shared broadcast (and is cut
/// off when it falls out of it, or by the connection's idle timeout).
struct Feed {
    state: AppState,
    who: Who,
    audience: Audience,
    /// The last `seq` sent (or the client's position).
    position: u64,
    replaying: bool,
    page: VecDeque<Bytes>,
    live: broadcast::Receiver<Arc<Published>>,
    keepalive: tokio::time::Interval,
}

impl Feed {
    /// The next frame to send, or None to end the stream.
    async fn next_frame(&mut self) -> Option<Bytes> {
        if self.state.shutdown.is_cancelled() {
            return None;
        }
        if let Some(frame) = self.page.pop_front() {
            return Some(frame);
        }
        if self.replaying {
            match self.replay_page().await {
                Some(true) => return self.page.pop_front(),
                Some(false) => self.replaying = false,
                None => return None,
            }
        }
        loop {
            let received = tokio::select! {
                // A revoked token ends the stream before anything else is sent on it.
                biased;
                _ = self.state.shutdown.cancelled() => return None,
                news = self.who.roster.recv() => {
                    if self.who.ended_by(news) {
                        tracing::info!(staff = self.who.id, "stream ended: the token was changed or expired");
                        return None;
                    }
                    continue;
                }
                r = self.live.recv() => r,
                _ = self.keepalive.tick() => return Some(KEEPALIVE),
            };
            match received {
                Ok(event) => {
                    // Already sent by the replay.
                    if event.seq <= self.position {
                        continue;
                    }
                    self.position = event.seq;
                    // The fan-out sent it to this audience because the audience hears it; the
                    // check stays so that no route can bypass the rule.
                    if self.audience.hears(&event) {
                        self.keepalive.reset();
                        return Some(event.frame_for_scope(&self.audience.scope).clone());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "subscriber fell behind; disconnecting it to replay");
                    return None;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Loads the next page of the log after `position` into `page`: Some(true) when there was
    /// one, Some(false) at the head, None on a read error (the client reconnects and replays).
    async fn replay_page(&mut self) -> Option<bool> {
        // A page can be all invisible events (the position still moves): read on until one
        // has something to send, or the head.
        while self.page.is_empty() {
            let page = self
                .state
                .store
                .events_after(self.position, self.audience.clone(), PAGE)
                .await;
            let (events, last) = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "replay failed; closing the stream");
                    return None;
                }
            };
            if last == self.position {
                return Some(false);
            }
            self.position = last;
            let scope = &self.audience.scope;
            self.page = events
                .iter()
                .map(|e| e.frame_for_scope(scope).clone())
                .collect();
        }
        Some(true)
    }
}
