//! Limits that shed abuse and never a real alert (`[limits]`, each `0` to turn it off). Rates
//! are GCRA token buckets from `governor`, keyed by client address; a refusal says how long to
//! wait (429 with `Retry-After`). Presses are never refused: a phone pressing again and again is
//! coalesced into its open case instead (see the store). A surge of enrollments or presses from
//! one network is told to supervisors once per minute.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitsConfig;

/// How long to wait before trying again, for `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one.
    pub fn seconds(self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

fn per_minute(n: u32) -> Option<Quota> {
    NonZeroU32::new(n).map(Quota::per_minute)
}

fn per_second(n: u32) -> Option<Quota> {
    NonZeroU32::new(n).map(Quota::per_second)
}

fn keyed(q: Option<Quota>) -> Option<DefaultKeyedRateLimiter<IpAddr>> {
    q.map(RateLimiter::keyed)
}

fn wait_of(
    clock: &DefaultClock,
    not_until: governor::NotUntil<governor::clock::QuantaInstant>,
) -> RetryAfter {
    RetryAfter(not_until.wait_time_from(clock.now()))
}

/// The network an address belongs to for surge counting: a /24 for IPv4, a /48 for IPv6 (what
/// one site or one carrier's customer usually has).
pub fn network_of(ip: IpAddr) -> String {
    let bits = if ip.to_canonical().is_ipv4() { 24 } else { 48 };
    format!("{}/{bits}", network_key(ip))
}

/// The network `ip` belongs to, as a key: its first address.
fn network_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & 0xffff_ff00).into()),
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 80) - 1)).into()),
    }
}

/// One network's share of a global allowance: a quarter, so that at least four networks are
/// needed to spend it all (and the people of every other network are not refused meanwhile).
pub fn network_share(global: u32) -> u32 {
    if global == 0 { 0 } else { global.div_ceil(4) }
}

/// What the surge counter says about one more request from a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surge {
    pub network: String,
    pub count: u32,
}

#[derive(Default)]
struct Window {
    started: Option<Instant>,
    count: u32,
    told: bool,
}

pub struct Limits {
    clock: DefaultClock,
    enroll_per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    enroll_global: Option<DefaultDirectRateLimiter>,
    /// A network's share of the global allowance, so that one /24 or /48 (which holds many
    /// addresses, each under its own limit) cannot spend all of it.
    enroll_per_network: Option<DefaultKeyedRateLimiter<IpAddr>>,
    failed_auth: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses that used up their wrong-token allowance, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    streams_per_token: u32,
    open_streams: Arc<Mutex<HashMap<i64, u32>>>,
    pub press_coalesce: Duration,
    pub press_coalesce_after: u32,
    surge_threshold: u32,
    surges: Mutex<HashMap<(String, &'static str), Window>>,
    lookups: Option<DefaultKeyedRateLimiter<i64>>,
    case_reads: Option<DefaultKeyedRateLimiter<i64>>,
    reports: Option<DefaultKeyedRateLimiter<i64>>,
    locations: Option<DefaultKeyedRateLimiter<i64>>,
    /// Enrollments of one number per day (counted in the database: it must survive restarts).
    pub enrollments_per_number_per_day: u32,
}

/// The key an address is limited by: itself for IPv4, its /64 for IPv6 (one subscriber gets a
/// whole /64, and rotating within it must not reset a limit). An IPv4 client on a dual-stack
/// listener arrives as `::ffff:a.b.c.d`: it is read as the IPv4 address it is, not as one of a
/// single /64 that every IPv4 client would share.
pub fn key_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    }
}

impl Limits {
    pub fn from_config(c: &LimitsConfig) -> Limits {
        Limits {
            clock: DefaultClock::default(),
            enroll_per_address: keyed(per_minute(c.enroll_per_address_per_minute)),
            enroll_global: per_second(c.enroll_global_per_second).map(RateLimiter::direct),
            enroll_per_network: per_second(network_share(c.enroll_global_per_second))
                .map(RateLimiter::keyed),
            failed_auth: keyed(per_minute(c.failed_auth_per_address_per_minute)),
            blocked: Mutex::default(),
            streams_per_token: c.streams_per_token,
            open_streams: Arc::default(),
            press_coalesce: Duration::from_secs(u64::from(c.press_coalesce_seconds)),
            press_coalesce_after: c.press_coalesce_after.max(1),
            surge_threshold: c.surge_per_network_per_minute,
            surges: Mutex::default(),
            lookups: per_minute(c.lookups_per_staff_per_minute).map(RateLimiter::keyed),
            case_reads: per_minute(c.case_reads_per_staff_per_minute).map(RateLimiter::keyed),
            reports: per_minute(c.reports_per_staff_per_minute).map(RateLimiter::keyed),
            locations: per_minute(c.locations_per_device_per_minute).map(RateLimiter::keyed),
            enrollments_per_number_per_day: c.enrollments_per_number_per_day,
        }
    }

    /// One position update from device `registrant`.
    pub fn location(&self, registrant: i64) -> Result<(), (RetryAfter, &'static str)> {
        match &self.locations {
            Some(l) => l
                .check_key(&registrant)
                .map_err(|n| (wait_of(&self.clock, n), "locations_per_device_per_minute")),
            None => Ok(()),
        }
    }

    /// Forgets limiter state nobody has used lately, so memory stays bounded whatever the
    /// number of addresses seen.
    pub fn housekeeping(&self) {
        for l in [
            &self.enroll_per_address,
            &self.enroll_per_network,
            &self.failed_auth,
        ]
        .into_iter()
        .flatten()
        {
            l.retain_recent();
            l.shrink_to_fit();
        }
        for l in [
            &self.lookups,
            &self.case_reads,
            &self.reports,
            &self.locations,
        ]
        .into_iter()
        .flatten()
        {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Ok(mut blocked) = self.blocked.lock() {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
    }

    /// One look-up of who has a phone number, by staff member `id`.
    pub fn lookup(&self, id: i64) -> Result<(), (RetryAfter, &'static str)> {
        match &self.lookups {
            Some(l) => l
                .check_key(&id)
                .map_err(|n| (wait_of(&self.clock, n), "lookups_per_staff_per_minute")),
            None => Ok(()),
        }
    }

    /// One case read whole (and recorded) by staff member `id`.
    pub fn case_read(&self, id: i64) -> Result<(), (RetryAfter, &'static str)> {
        match &self.case_reads {
            Some(l) => l
                .check_key(&id)
                .map_err(|n| (wait_of(&self.clock, n), "case_reads_per_staff_per_minute")),
            None => Ok(()),
        }
    }

    /// One report that walks a scope (handover, backlog, figures) by staff member `id`.
    pub fn report(&self, id: i64) -> Result<(), (RetryAfter, &'static str)> {
        match &self.reports {
            Some(l) => l
                .check_key(&id)
                .map_err(|n| (wait_of(&self.clock, n), "reports_per_staff_per_minute")),
            None => Ok(()),
        }
    }

    /// No limit at all (tests of other things, benchmarks of the hub itself).
    pub fn off() -> Limits {
        Limits::from_config(&LimitsConfig {
            enroll_per_address_per_minute: 0,
            enroll_global_per_second: 0,
            failed_auth_per_address_per_minute: 0,
            streams_per_token: 0,
            connections_per_address: 0,
            press_coalesce_seconds: 0,
            press_coalesce_after: 0,
            surge_per_network_per_minute: 0,
            lookups_per_staff_per_minute: 0,
            case_reads_per_staff_per_minute: 0,
            reports_per_staff_per_minute: 0,
            enrollments_per_number_per_day: 0,
            locations_per_device_per_minute: 0,
        })
    }

    /// The press-coalescing rule, if on.
    pub fn coalesce(&self) -> Option<crate::hub::store::Coalesce> {
        (!self.press_coalesce.is_zero()).then(|| crate::hub::store::Coalesce {
            window: chrono::Duration::from_std(self.press_coalesce)
                .unwrap_or(chrono::Duration::seconds(10)),
            after: self.press_coalesce_after,
        })
    }

    /// One enrollment from `ip`: from this address, from its network, and from everywhere
    /// together.
    pub fn enroll(&self, ip: IpAddr) -> Result<(), (RetryAfter, &'static str)> {
        if let Some(l) = &self.enroll_per_address {
            l.check_key(&key_of(ip))
                .map_err(|n| (wait_of(&self.clock, n), "enroll_per_address_per_minute"))?;
        }
        if let Some(l) = &self.enroll_per_network {
            l.check_key(&network_key(ip))
                .map_err(|n| (wait_of(&self.clock, n), "enroll_global_per_second"))?;
        }
        if let Some(l) = &self.enroll_global {
            l.check()
                .map_err(|n| (wait_of(&self.clock, n), "enroll_global_per_second"))?;
        }
        Ok(())
    }

    /// Whether `ip` is waiting out its wrong-token allowance.
    pub fn auth_blocked(&self, ip: IpAddr) -> Option<RetryAfter> {
        let ip = key_of(ip);
        let mut blocked = self.blocked.lock().ok()?;
        let until = *blocked.get(&ip)?;
        let now = Instant::now();
        if until <= now {
            blocked.remove(&ip);
            return None;
        }
        Some(RetryAfter(until - now))
    }

    /// A wrong token from `ip`. Past the allowance, the address waits.
    pub fn failed_auth(&self, ip: IpAddr) {
        let Some(l) = &self.failed_auth else {
            return;
        };
        let ip = key_of(ip);
        if let Err(n) = l.check_key(&ip) {
            let wait = wait_of(&self.clock, n).0;
            if let Ok(mut blocked) = self.blocked.lock() {
                // Bounded: a flood from many addresses must not grow this without end.
                if blocked.len() > 100_000 {
                    let now = Instant::now();
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(ip, Instant::now() + wait);
            }
        }
    }

    /// Opens a stream for staff member `id`, if they have room for one more.
    pub fn open_stream(&self, id: i64) -> Option<StreamSlot> {
        let mut open = self.open_streams.lock().ok()?;
        let n = open.entry(id).or_default();
        if self.streams_per_token > 0 && *n >= self.streams_per_token {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            open: self.open_streams.clone(),
            id,
        })
    }

    /// Counts one enrollment or press from `ip`'s network; answers with the surge the first time
    /// in a minute the network passes the threshold.
    pub fn surge(&self, ip: IpAddr, what: &'static str) -> Option<Surge> {
        if self.surge_threshold == 0 {
            return None;
        }
        let network = network_of(ip);
        let mut surges = self.surges.lock().ok()?;
        if surges.len() > 100_000 {
            surges.clear();
        }
        let w = surges.entry((network.clone(), what)).or_default();
        let now = Instant::now();
        if w.started.is_none_or(|s| now - s >= Duration::from_secs(60)) {
            *w = Window {
                started: Some(now),
                count: 0,
                told: false,
            };
        }
        w.count += 1;
        if w.count >= self.surge_threshold && !w.told {
            w.told = true;
            return Some(Surge {
                network,
                count: w.count,
            });
        }
        None
    }
}

/// One open event stream, counted until it ends.
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<i64, u32>>>,
    id: i64,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.id)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> LimitsConfig {
        LimitsConfig {
            enroll_per_address_per_minute: 2,
            enroll_global_per_second: 100,
            failed_auth_per_address_per_minute: 3,
            streams_per_token: 2,
            connections_per_address: 0,
            press_coalesce_seconds: 10,
            press_coalesce_after: 3,
            surge_per_network_per_minute: 3,
            lookups_per_staff_per_minute: 2,
            case_reads_per_staff_per_minute: 2,
            reports_per_staff_per_minute: 2,
            enrollments_per_number_per_day: 3,
            locations_per_device_per_minute: 2,
        }
    }

    #[test]
    fn enrollments_are_limited_per_address_and_zero_turns_a_limit_off() {
        let l = Limits::from_config(&config());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(l.enroll(a).is_ok() && l.enroll(a).is_ok());
        let (wait, which) = l.enroll(a).unwrap_err();
        assert_eq!(which, "enroll_per_address_per_minute");
        assert!(wait.seconds() >= 1);
        assert!(l.enroll(b).is_ok(), "another address is not held back");
        let off = Limits::off();
        for _ in 0..100 {
            assert!(off.enroll(a).is_ok());
        }
    }

    #[test]
    fn one_network_cannot_spend_the_whole_enrollment_allowance() {
        let mut c = config();
        c.enroll_per_address_per_minute = 1_000;
        c.enroll_global_per_second = 8;
        let l = Limits::from_config(&c);
        // One /48, a new /64 for every try: each address is under its own limit.
        let from_48 = |i: u16| format!("2001:db8:7:{i:x}::1").parse::<IpAddr>().unwrap();
        let mut taken = 0;
        for i in 0..8 {
            if l.enroll(from_48(i)).is_ok() {
                taken += 1;
            }
        }
        assert_eq!(taken, 2, "a quarter of the allowance");
        // The rest is there for everyone else.
        assert!(l.enroll("2001:db8:8::1".parse().unwrap()).is_ok());
        assert!(l.enroll("198.51.100.7".parse().unwrap()).is_ok());
        assert_eq!(network_share(0), 0);
        assert_eq!(network_share(1), 1);
    }

    #[test]
    fn wrong_tokens_block_the_address_after_the_allowance() {
        let l = Limits::from_config(&config());
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.auth_blocked(a).is_none());
            l.failed_auth(a);
        }
        l.failed_auth(a);
        assert!(l.auth_blocked(a).is_some());
        // The same /64 is the same subscriber: rotating addresses within it does not help.
        assert!(l.auth_blocked("2001:db8::2".parse().unwrap()).is_some());
        assert!(l.auth_blocked("2001:db8:0:1::2".parse().unwrap()).is_none());
    }

    #[test]
    fn streams_per_token_are_counted_and_released() {
        let l = Limits::from_config(&config());
        let one = l.open_stream(7).unwrap();
        let _two = l.open_stream(7).unwrap();
        assert!(l.open_stream(7).is_none());
        assert!(l.open_stream(8).is_some());
        drop(one);
        assert!(l.open_stream(7).is_some());
    }

    #[test]
    fn a_surge_is_told_once_per_network_and_window() {
        let l = Limits::from_config(&config());
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let neighbour: IpAddr = "203.0.113.99".parse().unwrap();
        assert_eq!(l.surge(ip, "enroll"), None);
        assert_eq!(l.surge(neighbour, "enroll"), None);
        let s = l.surge(ip, "enroll").unwrap();
        assert_eq!(s.network, "203.0.113.0/24");
        assert_eq!(l.surge(ip, "enroll"), None, "told once");
        assert_eq!(
            network_of("2001:db8:1:2::9".parse().unwrap()),
            "2001:db8:1::/48"
        );
    }

    #[test]
    fn case_reads_are_limited_per_staff_member() {
        let l = Limits::from_config(&config());
        assert!(l.case_read(7).is_ok() && l.case_read(7).is_ok());
        let (_, limit) = l.case_read(7).unwrap_err();
        assert_eq!(limit, "case_reads_per_staff_per_minute");
        assert!(
            l.case_read(8).is_ok(),
            "another person's reads are their own"
        );
        assert!(Limits::off().case_read(7).is_ok());
    }

    #[test]
    fn reports_are_limited_per_staff_member() {
        let l = Limits::from_config(&config());
        assert!(l.report(7).is_ok() && l.report(7).is_ok());
        let (_, limit) = l.report(7).unwrap_err();
        assert_eq!(limit, "reports_per_staff_per_minute");
        assert!(
            l.report(8).is_ok(),
            "another person's reports are their own"
        );
        assert!(Limits::off().report(7).is_ok());
    }
}
