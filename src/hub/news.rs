//! What the roster watcher (`roster.rs`) tells every open stream: plain news, over one broadcast.

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterNews {
    /// Something changed for this staff member: their streams end.
    Changed(i64),
    /// The hub's clock now, for streams to compare with their token's expiry.
    Tick(DateTime<Utc>),
}

pub fn channel() -> broadcast::Sender<RosterNews> {
    broadcast::channel(1024).0
}
