//! What the simulator has done so far: counted as it goes, shown as one short line, so that
//! whoever runs `guardia simulate` against a hub sees it working, or sees why it is not.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
pub struct Stats {
    /// Presses begun, each with its own alert id.
    pub sent: AtomicU64,
    /// Presses the hub accepted, after however many attempts.
    pub accepted: AtomicU64,
    /// Presses that failed at least once and are not settled yet.
    pub retrying: AtomicU64,
    /// Attempts after the first, over all presses.
    pub retries: AtomicU64,
    /// Presses given up: refused by the hub, or not accepted within the retry window.
    pub failed: AtomicU64,
    pub cancelled: AtomicU64,
    pub moved: AtomicU64,
    /// Why the latest failed attempt failed (a short phrase, never a URL or token).
    last_problem: Mutex<Option<String>>,
}

/// Holds one press in the `retrying` count until it is dropped, whichever way the press ends.
pub struct Retrying<'a>(&'a AtomicU64);

impl Drop for Retrying<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    pub fn retrying(&self) -> Retrying<'_> {
        self.retrying.fetch_add(1, Ordering::Relaxed);
        Retrying(&self.retrying)
    }

    pub fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn note_problem(&self, why: &str) {
        if let Ok(mut last) = self.last_problem.lock() {
            *last = Some(why.to_string());
        }
    }

    pub fn snapshot(&self) -> Progress {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        Progress {
            sent: get(&self.sent),
            accepted: get(&self.accepted),
            retrying: get(&self.retrying),
            retries: get(&self.retries),
            failed: get(&self.failed),
            cancelled: get(&self.cancelled),
            last_problem: self.last_problem.lock().ok().and_then(|p| p.clone()),
        }
    }
}

/// The counts at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub sent: u64,
    pub accepted: u64,
    pub retrying: u64,
    pub retries: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub last_problem: Option<String>,
}

impl Progress {
    /// One line: `sent 40/100 · accepted 37 · retrying 3 (cannot connect) · failed 0 ·
    /// cancelled 2`. The reason shows while presses are waiting, so a hub that is down says so.
    pub fn line(&self, total: Option<u64>) -> String {
        let sent = match total {
            Some(n) => format!("{}/{n}", self.sent),
            None => self.sent.to_string(),
        };
        let why = match (&self.last_problem, self.retrying) {
            (Some(why), 1..) => format!(" ({why})"),
            _ => String::new(),
        };
        format!(
            "sent {sent} · accepted {} · retrying {}{why} · failed {} · cancelled {}",
            self.accepted, self.retrying, self.failed, self.cancelled
        )
    }
}

/// Writes a progress line to standard error every `every` until `stop` is cancelled.
pub async fn report(stats: &Stats, total: Option<u64>, every: Duration, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate and there is nothing to say yet.
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => eprintln!("{}", stats.snapshot().line(total)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_every_outcome_and_says_why_presses_wait() {
        let stats = Stats::default();
        stats.sent.store(40, Ordering::Relaxed);
        stats.accepted.store(35, Ordering::Relaxed);
        stats.failed.store(1, Ordering::Relaxed);
        stats.cancelled.store(2, Ordering::Relaxed);
        stats.note_problem("cannot connect");
        let (a, b) = (stats.retrying(), stats.retrying());
        assert_eq!(
            stats.snapshot().line(Some(100)),
            "sent 40/100 · accepted 35 · retrying 2 (cannot connect) · failed 1 · cancelled 2"
        );
        drop((a, b));
        // Nothing waiting: the old reason is not shown as if it were current.
        assert_eq!(
            stats.snapshot().line(None),
            "sent 40 · accepted 35 · retrying 0 · failed 1 · cancelled 2"
        );
    }
}
