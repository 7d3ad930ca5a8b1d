//! Live events, grouped by who may see them.
//!
//! Streams are grouped into audiences (a scope, and whether it hears of surges). The writer hands
//! each committed event to [`Fanout::publish`], which works out from the event alone which
//! audiences it concerns (the consulates and lawyers it names, the national view) and sends it
//! once to each of those. So an event is filtered once per audience, not once per stream, and a
//! stream is only a receiver on its audience's broadcast: no task, no channel of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::Published;
use crate::domain::event::EventKind;
use crate::domain::staff::Scope;

/// Events held for the national view's streams, which see everything; a stream that falls
/// further behind is cut off and replays from its last id.
const NATIONAL_CAPACITY: usize = 8192;
/// A consulate's share of a raid is a fraction of the whole.
const CONSULATE_CAPACITY: usize = 2048;
/// A lawyer's cases move slowly; a small buffer keeps hundreds of idle lawyers cheap.
const LAWYER_CAPACITY: usize = 256;

/// The streams that receive the same events.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Audience {
    pub scope: Scope,
    /// Supervisors also hear of surges, which concern no case.
    pub surges: bool,
}

impl Audience {
    fn capacity(&self) -> usize {
        match self.scope {
            Scope::All => NATIONAL_CAPACITY,
            Scope::Consulate(_) => CONSULATE_CAPACITY,
            Scope::AssignedTo(_) | Scope::Nothing => LAWYER_CAPACITY,
        }
    }

    /// The one rule of who hears an event, live or replayed (`Store::events_after`).
    pub fn hears(&self, event: &Published) -> bool {
        (self.surges && event.kind == EventKind::SurgeDetected) || event.visible_to(&self.scope)
    }
}

pub struct Fanout {
    /// Every event, for in-process consumers that see all (benchmarks).
    all: broadcast::Sender<Arc<Published>>,
    audiences: Mutex<HashMap<Audience, broadcast::Sender<Arc<Published>>>>,
    /// On PostgreSQL, the last event published: a replay reads no further, since the log may
    /// hold events another hub has committed but not yet seen on disk (its listener publishes
    /// only what is). `None` on SQLite, whose commits are on disk when they return.
    published: Option<AtomicU64>,
}

impl Fanout {
    pub fn new(all_capacity: usize) -> Fanout {
        let (all, _) = broadcast::channel(all_capacity);
        Fanout {
            all,
            audiences: Mutex::new(HashMap::new()),
            published: None,
        }
    }

    /// The fan-out of a hub whose listener publishes the log from `from` on (PostgreSQL).
    pub fn following(all_capacity: usize, from: u64) -> Fanout {
        Fanout {
            published: Some(AtomicU64::new(from)),
            ..Fanout::new(all_capacity)
        }
    }

    /// How far a replay may read: the last event published on PostgreSQL, the whole log on
    /// SQLite. A stream subscribes before it replays, so what lies beyond reaches it live.
    pub fn replay_bound(&self) -> u64 {
        self.published
            .as_ref()
            .map_or(u64::MAX, |p| p.load(Ordering::Acquire))
    }

    pub fn subscribe_all(&self) -> broadcast::Receiver<Arc<Published>> {
        self.all.subscribe()
    }

    /// A receiver of every event this audience may see, from now on.
    pub fn subscribe(&self, audience: Audience) -> broadcast::Receiver<Arc<Published>> {
        let mut map = self.audiences.lock().unwrap_or_else(|e| e.into_inner());
        // Audiences whose last stream ended: drop their buffers now rather than keep one per
        // staff member who ever connected.
        map.retain(|_, sender| sender.receiver_count() > 0);
        let capacity = audience.capacity();
        map.entry(audience)
            .or_insert_with(|| broadcast::channel(capacity).0)
            .subscribe()
    }

    /// Sends a committed event to every audience it concerns, once each.
    pub fn publish(&self, event: Arc<Published>) {
        // The replay's bound moves first: a stream that subscribes after the send below reads
        // the event in its replay, one that subscribed before gets it live (or both, and drops
        // the second). Moved after the send, a stream subscribing between the two would get it
        // neither way.
        if let Some(published) = &self.published {
            published.fetch_max(event.seq, Ordering::Release);
        }
        let map = self.audiences.lock().unwrap_or_else(|e| e.into_inner());
        if event.consulate.is_empty() {
            // About no case: only surges are heard, by supervisors; they are rare, so a pass
            // over the audiences costs nothing that matters.
            if event.kind == EventKind::SurgeDetected {
                for (audience, sender) in map.iter() {
                    if audience.surges {
                        let _ = sender.send(event.clone());
                    }
                }
            }
        } else {
            for scope in concerned(&event) {
                for surges in [false, true] {
                    let audience = Audience {
                        scope: scope.clone(),
                        surges,
                    };
                    if let Some(sender) = map.get(&audience)
                        && audience.hears(&event)
                    {
                        let _ = sender.send(event.clone());
                    }
                }
            }
        }
        drop(map);
        let _ = self.all.send(event);
    }
}

/// The scopes an event names: the national view, the consulates and the lawyers it touches
/// (now or just before). Duplicates removed, so no audience gets it twice.
fn concerned(event: &Published) -> Vec<Scope> {
    let mut scopes = vec![Scope::All];
    for consulate in [
        Some(&event.consulate),
        event.also_consulate.as_ref(),
        event.previous_consulate.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        let scope = Scope::Consulate(consulate.clone());
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    for lawyer in [event.lawyer, event.previous_lawyer].into_iter().flatten() {
        let scope = Scope::AssignedTo(lawyer);
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, consulate: &str, lawyer: Option<i64>) -> Arc<Published> {
        Arc::new(Published {
            seq,
            consulate: consulate.into(),
            lawyer,
            previous_lawyer: None,
            also_consulate: None,
            previous_consulate: None,
            kind: EventKind::AlertRaised,
            frame: bytes::Bytes::from(format!("id: {seq}\n\n")),
            outside: None,
            national: None,
        })
    }

    fn audience(scope: Scope, surges: bool) -> Audience {
        Audience { scope, surges }
    }

    fn seqs(rx: &mut broadcast::Receiver<Arc<Published>>) -> Vec<u64> {
        std::iter::from_fn(|| rx.try_recv().ok().map(|e| e.seq)).collect()
    }

    #[test]
    fn each_audience_gets_what_it_may_see_and_nothing_else() {
        let fanout = Fanout::new(16);
        let mut la = fanout.subscribe(audience(Scope::Consulate("los-angeles".into()), false));
        let mut la_sup = fanout.subscribe(audience(Scope::Consulate("los-angeles".into()), true));
        let mut sd = fanout.subscribe(audience(Scope::Consulate("san-diego".into()), false));
        let mut lawyer = fanout.subscribe(audience(Scope::AssignedTo(7), false));
        let mut national = fanout.subscribe(audience(Scope::All, true));
        fanout.publish(event(1, "los-angeles", None));
        fanout.publish(event(2, "san-diego", Some(7)));
        let mut moved = (*event(3, "san-diego", None)).clone();
        moved.previous_consulate = Some("los-angeles".into());
        moved.previous_lawyer = Some(7);
        fanout.publish(Arc::new(moved));
        let mut surge = (*event(4, "", None)).clone();
        surge.kind = EventKind::SurgeDetected;
        fanout.publish(Arc::new(surge));
        let mut roster = (*event(5, "", None)).clone();
        roster.kind = EventKind::StaffChanged;
        fanout.publish(Arc::new(roster));

        assert_eq!(seqs(&mut la), vec![1, 3]);
        assert_eq!(seqs(&mut la_sup), vec![1, 3, 4]);
        assert_eq!(seqs(&mut sd), vec![2, 3]);
        assert_eq!(seqs(&mut lawyer), vec![2, 3]);
        assert_eq!(seqs(&mut national), vec![1, 2, 3, 4]);
    }

    #[test]
    fn an_event_naming_a_consulate_twice_reaches_it_once() {
        let fanout = Fanout::new(16);
        let mut la = fanout.subscribe(audience(Scope::Consulate("los-angeles".into()), false));
        let mut twice = (*event(1, "los-angeles", None)).clone();
        twice.also_consulate = Some("los-angeles".into());
        twice.previous_consulate = Some("los-angeles".into());
        fanout.publish(Arc::new(twice));
        assert_eq!(seqs(&mut la), vec![1]);
    }

    #[test]
    fn audiences_without_streams_are_dropped() {
        let fanout = Fanout::new(16);
        drop(fanout.subscribe(audience(Scope::AssignedTo(1), false)));
        let _kept = fanout.subscribe(audience(Scope::AssignedTo(2), false));
        let map = fanout.audiences.lock().unwrap();
        assert_eq!(map.len(), 1);
        assert!(map.contains_key(&audience(Scope::AssignedTo(2), false)));
    }
}
