//! The cluster rule applied to incidents: every few seconds the hub looks at the alerts of the
//! last minutes, and clusters of them (`domain::cluster`, the console's rule) open an incident
//! or join the one they belong to. Off the ingest path: a press never waits for it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::state::AppState;
use super::store::{Store, StoreError};
use crate::domain::cluster;

/// How often the rule runs.
const EVERY: Duration = Duration::from_secs(10);

pub async fn run(state: AppState) {
    loop {
        let started = std::time::Instant::now();
        if let Err(e) = pass(&state.store, state.now()).await {
            tracing::error!(error = %e, "incident pass failed");
        }
        crate::hub::metrics::pass("raids", started.elapsed().as_secs_f64());
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}

/// One pass at `now`; the number of incident changes made.
pub async fn pass(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let since = now - chrono::Duration::minutes(cluster::WINDOW_MINUTES);
    let recent = store.recent_open(since).await?;
    let clusters = cluster::find(&recent, now);
    if clusters.is_empty() {
        return Ok(0);
    }
    store.incidents_from_clusters(clusters, now).await
}
