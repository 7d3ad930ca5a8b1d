//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::store::Store;
use crate::domain::consulate::Consulate;

/// The hub's clock, injectable so that tests never sleep.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

#[derive(Debug, Clone)]
pub struct StreamSettings {
    pub keepalive: Duration,
    /// A client further behind than this many events is told to resync from a snapshot instead
    /// of replaying.
    pub replay_window: u64,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            keepalive: Duration::from_secs(15),
            replay_window: 100_000,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub consulates: Arc<Vec<Consulate>>,
    pub stream: StreamSettings,
    pub clock: Clock,
    /// Cancelled when the hub shuts down, so that open streams end and shutdown completes.
    pub shutdown: CancellationToken,
    /// Escalation times (config `[urgency]`).
    pub rules: crate::domain::urgency::Rules,
    pub notify: super::notify::settings::NotifySettings,
    pub devices: Arc<super::devices::DeviceCache>,
    pub enroll: EnrollSettings,
    pub auth: AuthSettings,
    /// Roster changes and clock ticks for open streams (see `hub::roster`).
    pub roster: tokio::sync::broadcast::Sender<super::news::RosterNews>,
    pub limits: Arc<super::limits::Limits>,
    pub server: super::server::ServerSettings,
    /// Phone writes wait (503) while the writer is further behind than this (zero: never).
    pub max_ingest_lag: Duration,
    /// `[retention] closed_case_days`; 0 never erases.
    pub retention_days: u32,
    /// `[watch]`: how long after a watched appointment's expected end its alert is raised.
    pub watch_grace: chrono::Duration,
}

/// How long credentials last.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Days a staff token works after it was issued (0: forever).
    pub staff_token_days: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            staff_token_days: 90,
        }
    }
}

/// `[enroll]`.
#[derive(Debug, Clone)]
pub struct EnrollSettings {
    /// A code goes to the phone before it gets a token. Off only in closed test deployments.
    pub verify_phone: bool,
}

impl Default for EnrollSettings {
    fn default() -> Self {
        EnrollSettings { verify_phone: true }
    }
}

impl AppState {
    pub fn new(store: Store, consulates: Vec<Consulate>) -> AppState {
        AppState {
            store,
            consulates: Arc::new(consulates),
            stream: StreamSettings::default(),
            clock: system_clock(),
            shutdown: CancellationToken::new(),
            rules: crate::domain::urgency::Rules::with_sla(chrono::Duration::minutes(5)),
            notify: super::notify::settings::NotifySettings::default(),
            devices: Arc::default(),
            enroll: EnrollSettings::default(),
            auth: AuthSettings::default(),
            roster: super::news::channel(),
            limits: Arc::new(super::limits::Limits::from_config(
                &crate::config::Config::defaults().limits,
            )),
            server: super::server::ServerSettings::default(),
            max_ingest_lag: Duration::from_millis(500),
            retention_days: 0,
            watch_grace: chrono::Duration::minutes(60),
        }
    }

    /// Whether a phone's write may join the queue: not while the writer is behind by more than
    /// `max_ingest_lag` with writes still waiting (an empty queue is never behind).
    pub fn admit(&self) -> Result<(), super::error::ApiError> {
        let behind = !self.max_ingest_lag.is_zero()
            && self.store.queue_depth() > 0
            && self.store.lag() > self.max_ingest_lag;
        if behind {
            Err(super::error::ApiError::Overloaded)
        } else {
            Ok(())
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
