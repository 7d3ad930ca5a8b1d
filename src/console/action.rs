//! Everything that can happen to the console: what the operator asked for and what the world
//! reported. Every task only sends these into the one inbox.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::api::{CasesResponse, Me};
use crate::domain::event::Event;

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Live,
    /// Lost; retrying. `attempt` counts from 1.
    Reconnecting {
        attempt: u32,
        error: String,
    },
    /// The hub refused the token; retrying will not help until it changes.
    Refused(String),
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize,
    Tick(DateTime<Utc>),
    /// A fresh snapshot: replaces every case (first load and after a resync).
    Snapshot {
        me: Me,
        snapshot: CasesResponse,
    },
    HubEvent(Box<Event>),
    Connection(Connection),
}

/// Effects `update` asks for; the executor performs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Bell,
    Quit,
}
