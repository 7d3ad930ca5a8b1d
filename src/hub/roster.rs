//! Who may still hold an open stream. A staff member disabled, given a new token or another role
//! (by the admin API in this process, or by `guardia admin` on the database from another) must
//! hear nothing more, and a token past its expiry neither. One task reads the log's roster
//! changes every couple of seconds and tells every stream; each stream ends when the news is
//! about its own staff member, or when its token's time is up.

use std::time::Duration;

pub use super::news::{RosterNews, channel};
use super::state::AppState;
use super::store::AccessChange;

/// How often the log is read for roster changes: streams end within this (the bound is
/// five seconds).
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Reads roster changes after the log's head at start, for as long as the hub runs.
pub async fn watch(state: AppState) {
    let mut after = match state.store.head_seq().await {
        Ok(seq) => seq,
        Err(e) => {
            tracing::error!(error = %e, "roster watcher cannot start; streams end only on expiry");
            0
        }
    };
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(CHECK_EVERY) => {}
        }
        match state.store.access_changes_after(after).await {
            Ok(changes) => {
                for (seq, change) in changes {
                    after = after.max(seq);
                    match change {
                        AccessChange::Staff(id) => {
                            let _ = state.roster.send(RosterNews::Changed(id));
                        }
                        // A device revoked from the server's shell: its cached token goes too.
                        AccessChange::Device(id) => state.devices.forget(id),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read roster changes"),
        }
        let _ = state.roster.send(RosterNews::Tick(state.now()));
    }
}
