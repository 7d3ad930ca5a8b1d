//! The head file, kept off the writer's critical path.
//!
//! A power-safe write of the head costs two syncs (the file, then its folder). Made by the writer
//! after every commit, they would add to every press's wait in a raid. So the writer only hands
//! the newest head to this recorder, which writes it on a thread of its own; while it writes,
//! newer heads replace each other, so a burst of commits costs one write, not one each. The head
//! may therefore lag the log by the commits of one write, which the check at start accepts (a
//! head behind the log is one a crash can leave); it can never lead the log, since a head is
//! handed over only after its commit returned.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use super::chain::{self, Head, Keys};

#[derive(Default)]
struct Slot {
    /// The newest head handed over and not yet written.
    waiting: Option<Head>,
    /// The last head on disk.
    written: u64,
    /// Set when the writer has stopped: write what is waiting, then end.
    closed: bool,
}

/// Hands heads to the thread that writes them.
#[derive(Clone)]
pub(super) struct HeadRecorder {
    slot: Arc<(Mutex<Slot>, Condvar)>,
}

impl HeadRecorder {
    /// Starts the thread that writes heads to `path`, signed with `keys`.
    pub fn start(path: PathBuf, keys: Keys, written: u64) -> std::io::Result<HeadRecorder> {
        let slot = Arc::new((
            Mutex::new(Slot {
                written,
                ..Slot::default()
            }),
            Condvar::new(),
        ));
        let shared = slot.clone();
        std::thread::Builder::new()
            .name("guardia-head".into())
            .spawn(move || record_heads(&shared, &path, &keys))?;
        Ok(HeadRecorder { slot })
    }

    /// The log has reached `head` (its commit returned).
    pub fn reached(&self, head: Head) {
        let (lock, wake) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            let newer = slot
                .waiting
                .map_or(head.seq > slot.written, |w| head.seq > w.seq);
            if newer {
                slot.waiting = Some(head);
                wake.notify_all();
            }
        }
    }

    /// Waits until every head handed over is on disk (a command about to exit), for a few
    /// seconds at most: a disk that refuses leaves the head behind the log, which is safe.
    pub fn flush(&self) {
        let (lock, wake) = &*self.slot;
        let Ok(mut slot) = lock.lock() else {
            return;
        };
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while slot.waiting.is_some() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match wake.wait_timeout(slot, left) {
                Ok((s, _)) => slot = s,
                Err(_) => return,
            }
        }
    }

    /// The writer has stopped: the thread writes what is left and ends.
    pub fn close(&self) {
        let (lock, wake) = &*self.slot;
        if let Ok(mut slot) = lock.lock() {
            slot.closed = true;
            wake.notify_all();
        }
    }
}

/// Held by every handle of a store: when the last goes (a `guardia admin` command ending, a hub
/// shutting down), the newest head is on disk before the process can exit.
pub(super) struct FlushOnDrop(pub HeadRecorder);

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// Least time between two writes of the head. Each write syncs twice on the disk the log
/// commits to; written after every batch in a raid they lengthened the commits' own syncs. The
/// head then lags the log by at most this much (plus one write), which only narrows for that
/// moment what a removal from the log's end could hide.
const SPACING: std::time::Duration = std::time::Duration::from_millis(200);

fn record_heads(shared: &(Mutex<Slot>, Condvar), path: &std::path::Path, keys: &Keys) {
    let (lock, wake) = shared;
    let mut last_write: Option<std::time::Instant> = None;
    loop {
        // Closing (a command about to exit) writes at once; otherwise wait out the spacing.
        if let Some(at) = last_write {
            let closing = lock.lock().map(|s| s.closed).unwrap_or(true);
            let left = SPACING.saturating_sub(at.elapsed());
            if !closing && !left.is_zero() {
                std::thread::sleep(left);
            }
        }
        let head = {
            let Ok(mut slot) = lock.lock() else { return };
            loop {
                if let Some(head) = slot.waiting {
                    break head;
                }
                if slot.closed {
                    return;
                }
                slot = match wake.wait(slot) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
        };
        let result = chain::write_head(path, keys, head);
        last_write = Some(std::time::Instant::now());
        let Ok(mut slot) = lock.lock() else { return };
        match result {
            Ok(()) => {
                slot.written = head.seq;
                if slot.waiting.is_some_and(|w| w.seq <= head.seq) {
                    slot.waiting = None;
                }
                wake.notify_all();
            }
            Err(e) => {
                // The disk refused (full, gone): the head stays behind the log, which is safe;
                // try again shortly rather than spin.
                tracing::error!(error = %e, "cannot record the log's head");
                drop(slot);
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_head_is_written_and_flush_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.head");
        let keys = Keys::from_secret(&[3; 32]);
        let recorder = HeadRecorder::start(path.clone(), keys.clone(), 0).unwrap();
        for seq in 1..=200u64 {
            recorder.reached(Head {
                seq,
                link: [seq as u8; 32],
            });
        }
        // An older head handed over late never replaces a newer one.
        recorder.reached(Head {
            seq: 7,
            link: [7; 32],
        });
        recorder.flush();
        let head = chain::read_head(&path, &keys).unwrap().unwrap();
        assert_eq!(head.seq, 200);
        assert_eq!(head.link, [200; 32]);
        recorder.close();
    }
}
