//! The hub's memory of device tokens already looked up (a plain cache, owned by the state).

/// Device tokens already seen: token hash → registrant. Every press authenticates, and a read
/// transaction on a blocking thread per press was a large share of its cost. The hub is the only
/// writer of registrants, so it keeps this exact: a token rotation (an enrollment replayed with
/// its Idempotency-Key) evicts the registrant's old entries before the new token is returned.
#[derive(Debug, Default)]
pub struct DeviceCache {
    map: std::sync::RwLock<std::collections::HashMap<String, i64>>,
    /// Counts forgets: a look-up that began before one must not put its answer back in.
    epoch: std::sync::atomic::AtomicU64,
}

/// Entries kept before the cache starts over (about 100 MB at most).
const DEVICE_CACHE_MAX: usize = 1_000_000;

impl DeviceCache {
    pub(crate) fn get(&self, hash: &str) -> Option<i64> {
        self.map.read().ok()?.get(hash).copied()
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Remembers a token read from the database, unless a forget happened since `epoch` was
    /// taken (the token may be the one revoked).
    pub(crate) fn insert(&self, hash: String, registrant: i64, epoch: u64) {
        if let Ok(mut map) = self.map.write() {
            if self.epoch() != epoch {
                return;
            }
            if map.len() >= DEVICE_CACHE_MAX {
                map.clear();
            }
            map.insert(hash, registrant);
        }
    }

    /// Forgets every token of a registrant (their token was rotated).
    pub fn forget(&self, registrant: i64) {
        if let Ok(mut map) = self.map.write() {
            self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            map.retain(|_, r| *r != registrant);
        }
    }
}
