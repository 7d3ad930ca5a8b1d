//! The raid rule's memory, counted: the hub groups a raid wave every ten seconds (and each
//! console does the same for its screen), so grouping must not hold more than a few bytes per
//! alert, however many alerts crowd one place. Every allocation of this test's own thread is
//! counted by a global allocator (this binary's only test, so nothing else is counted).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chrono::{Duration, Utc};
use guardia::domain::alert::{AlertKind, Location};
use guardia::domain::case::Case;
use guardia::domain::cluster;
use guardia::domain::event::{Actor, AlertRaised, Event, EventBody};
use guardia::domain::registrant::Profile;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// An alert `i` metres-ish from a street corner in Los Angeles, `seconds` ago.
fn alert(i: u64, now: chrono::DateTime<Utc>) -> Case {
    let at = now - Duration::seconds((i % 500) as i64);
    let wobble = (i % 97) as f64 * 0.000_01;
    let event = Event {
        seq: i,
        at,
        case_id: i,
        consulate: "los-angeles".into(),
        actor: Actor::Phone,
        against_version: None,
        body: EventBody::AlertRaised(AlertRaised {
            alert_id: uuid::Uuid::from_u128(u128::from(i)),
            registrant_id: i as i64,
            registrant: Profile {
                name: "Persona Ficticia".into(),
                date_of_birth: None,
                consular_id: String::new(),
                phone: String::new(),
                language: "es".into(),
                flags: vec![],
                relatives: vec![],
                erased: false,
            },
            kind: AlertKind::Detained,
            location: Location {
                lat: 34.0522 + wobble,
                lon: -118.2437 - wobble,
                accuracy_m: 10.0,
            },
            pressed_at: at,
            distance_km: 1.0,
            intake: None,
        }),
    };
    Case::open(&event).unwrap()
}

#[test]
fn a_dense_raid_wave_is_grouped_in_memory_linear_in_its_alerts() {
    let now = Utc::now();
    // Past the most one pass groups: the pass must cost what MAX_CONSIDERED cost.
    let n = cluster::MAX_CONSIDERED as u64 + 1_000;
    let cases: Vec<Case> = (1..=n).map(|i| alert(i, now)).collect();
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let clusters = cluster::find(&cases, now);
    let peak = PEAK.with(Cell::get) - before;
    // One place: one cluster, of the newest MAX_CONSIDERED.
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].ids.len(), cluster::MAX_CONSIDERED);
    assert!(clusters[0].ids.contains(&n), "the newest are grouped");
    let per_alert = peak / cluster::MAX_CONSIDERED as isize;
    eprintln!("grouping {n} alerts in one place: peak {peak} bytes, {per_alert} per alert");
    // A neighbour list per alert held 8 bytes per pair: 200 MB here, and gigabytes in a real
    // wave. Linear memory is some tens of bytes per alert.
    assert!(per_alert < 512, "{per_alert} bytes per alert");
}
