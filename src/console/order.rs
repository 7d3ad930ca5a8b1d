//! The queue's display order, kept sorted incrementally.
//!
//! A full sort of 100,000 open cases per drained batch of events took tens of milliseconds. A
//! case's sort key changes only when an event touches it or when time alone moves its tier (the
//! SLA, the silence limit: `urgency::next_change`), so the index re-keys just those cases: the
//! ones the batch touched and the ones whose instant has come. A change of sort or filter
//! rebuilds it whole, once, on a keypress.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::records::SortMode;
use crate::domain::case::Case;
use crate::domain::deadline;
use crate::domain::urgency::{self, Rank, Rules, Tier};

/// Where a case sorts under the current mode: duress cases first whatever the mode (they are
/// pinned above the list), then the mode's own lead, then the urgency rank (which ends in the
/// case id, so no two keys are equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    not_duress: bool,
    lead: (i64, i64),
    rank: Rank,
}

/// What needs someone now, over the cases in the list: kept as the index changes, so the header
/// never counts by walking every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub unattended: usize,
    pub critical: usize,
    pub duress: usize,
}

impl Tally {
    fn count(&mut self, rank: &Rank, sign: isize) {
        let add = |n: &mut usize, yes: bool| {
            if yes {
                *n = n.saturating_add_signed(sign);
            }
        };
        add(&mut self.unattended, rank.unattended());
        add(&mut self.critical, rank.tier() == Tier::Critical);
        add(&mut self.duress, rank.duress());
    }
}

#[derive(Debug, Default)]
pub struct SortedIndex {
    sorted: BTreeSet<Key>,
    keys: HashMap<u64, Key>,
    /// When each indexed case's key will change with time alone.
    wakeups: BTreeSet<(DateTime<Utc>, u64)>,
    wakeup_of: HashMap<u64, DateTime<Utc>>,
    tally: Tally,
    /// Unattended cases by arrival, for the oldest wait.
    unattended: BTreeSet<(i64, u64)>,
}

impl SortedIndex {
    pub fn clear(&mut self) {
        *self = SortedIndex::default();
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Case ids in display order, with their tiers.
    pub fn rows(&self) -> impl Iterator<Item = (u64, Tier)> + '_ {
        self.sorted.iter().map(|k| (k.rank.id(), k.rank.tier()))
    }

    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// When the oldest unattended alert arrived.
    pub fn oldest_unattended(&self) -> Option<DateTime<Utc>> {
        self.unattended
            .first()
            .and_then(|(micros, _)| DateTime::from_timestamp_micros(*micros))
    }

    /// Takes the case out of the index (it left the view, or is about to be re-keyed).
    pub fn remove(&mut self, id: u64) {
        if let Some(key) = self.keys.remove(&id) {
            self.sorted.remove(&key);
            self.tally.count(&key.rank, -1);
            self.unattended.remove(&(key.rank.waiting_since(), id));
        }
        if let Some(at) = self.wakeup_of.remove(&id) {
            self.wakeups.remove(&(at, id));
        }
    }

    /// Puts the case in at its current key, replacing any older one.
    pub fn upsert(
        &mut self,
        case: &Case,
        now: DateTime<Utc>,
        rules: Rules,
        sort: SortMode,
        consulates: &[crate::domain::consulate::Consulate],
    ) {
        self.remove(case.id);
        let zone = crate::domain::consulate::zone_of(consulates, &case.consulate);
        let (key, wake) = key_of(case, now, rules, sort, zone);
        self.sorted.insert(key);
        self.keys.insert(case.id, key);
        self.tally.count(&key.rank, 1);
        if key.rank.unattended() {
            self.unattended.insert((key.rank.waiting_since(), case.id));
        }
        if let Some(at) = wake {
            self.wakeups.insert((at, case.id));
            self.wakeup_of.insert(case.id, at);
        }
    }

    /// The cases whose key time has changed by `now`, taken off the wake-up list.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(&(at, id)) = self.wakeups.first() {
            if at > now {
                break;
            }
            self.wakeups.pop_first();
            self.wakeup_of.remove(&id);
            due.push(id);
        }
        due
    }
}

/// A case's key under `sort`, and when time alone will change it.
fn key_of(
    case: &Case,
    now: DateTime<Utc>,
    rules: Rules,
    sort: SortMode,
    zone: chrono_tz::Tz,
) -> (Key, Option<DateTime<Utc>>) {
    let tier: Tier = urgency::assess(case, now, rules).tier;
    let mut wake = urgency::next_change(case, now, rules);
    let lead = match sort {
        SortMode::Urgency => (0, 0),
        SortMode::Proximity => (
            case.known_distance()
                .map_or(i64::MAX, urgency::sortable_distance),
            0,
        ),
        SortMode::Age => (case.pressed_at.timestamp_micros(), case.id as i64),
        SortMode::Deadline => match deadline::next(case, now, zone) {
            Some(d) => {
                // A hearing leaves the list once it has begun; look again just after.
                if d.due >= now {
                    let after = d.due + chrono::Duration::microseconds(1);
                    wake = Some(wake.map_or(after, |w| w.min(after)));
                }
                (0, d.due.timestamp_micros())
            }
            // Cases without a deadline go last.
            None => (1, 0),
        },
    };
    (
        Key {
            not_duress: case.duress_at.is_none(),
            lead,
            rank: urgency::rank(case, tier),
        },
        wake,
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;
    use crate::console::model::Model;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::CaseStatus;
    use crate::domain::case::tests::raised;
    use crate::i18n::Lang;

    #[derive(Debug, Clone)]
    enum Op {
        Raise {
            detained: bool,
            km: u16,
            late_s: u16,
        },
        Ack(usize),
        Duress(usize),
        Close(usize),
        Press(usize),
        Wait {
            seconds: u16,
        },
        Sort,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (any::<bool>(), 0u16..50, 0u16..600)
                .prop_map(|(detained, km, late_s)| Op::Raise { detained, km, late_s }),
            1 => (0usize..40).prop_map(Op::Ack),
            1 => (0usize..40).prop_map(Op::Duress),
            1 => (0usize..40).prop_map(Op::Close),
            1 => (0usize..40).prop_map(Op::Press),
            2 => (0u16..900).prop_map(|seconds| Op::Wait { seconds }),
            1 => Just(Op::Sort),
        ]
    }

    /// What a full sort of every case would give: the order the index must keep.
    fn full_sort(m: &Model) -> Vec<u64> {
        let mut keyed: Vec<(Key, u64)> = m
            .cases
            .values()
            .filter(|c| c.status != CaseStatus::Closed)
            .map(|c| {
                let zone = m.zone_of(&c.consulate);
                (key_of(c, m.now, m.rules, m.list.sort, zone).0, c.id)
            })
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, id)| id).collect()
    }

    proptest! {
        /// Events and the passing of time, refreshed incrementally batch after batch, give the
        /// same order as sorting everything from scratch.
        #[test]
        fn the_incremental_order_is_the_full_sort(batches in prop::collection::vec(prop::collection::vec(op(), 1..8), 1..12)) {
            let start = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
            let mut m = Model::new(Lang::Es, true, Duration::minutes(5), start);
            let mut next = 1u64;
            for batch in batches {
                for op in batch {
                    let ids: Vec<u64> = { let mut v: Vec<u64> = m.cases.keys().copied().collect(); v.sort(); v };
                    let pick = |i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
                    match op {
                        Op::Raise { detained, km, late_s } => {
                            let kind = if detained { AlertKind::Detained } else { AlertKind::Imminent };
                            let mut c = Case::open(&raised(next, next, kind, vec![])).unwrap();
                            c.received_at = m.now - Duration::seconds(i64::from(late_s));
                            c.distance_km = f64::from(km);
                            m.cases.insert(c.id, c);
                            m.list.touched.insert(next);
                            next += 1;
                        }
                        Op::Ack(i) | Op::Duress(i) | Op::Close(i) | Op::Press(i) => {
                            let Some(id) = pick(i) else { continue };
                            let now = m.now;
                            let c = m.cases.get_mut(&id).unwrap();
                            match op {
                                Op::Ack(_) => c.acknowledged_at = Some(now),
                                Op::Duress(_) => c.duress_at = Some(now),
                                Op::Close(_) => c.status = CaseStatus::Closed,
                                _ => c.presses += 1,
                            }
                            m.list.touched.insert(id);
                        }
                        Op::Wait { seconds } => m.now += Duration::seconds(i64::from(seconds)),
                        Op::Sort => {
                            m.list.sort = m.list.sort.next();
                            m.list.stale = true;
                        }
                    }
                }
                m.refresh_order();
                prop_assert_eq!(&m.list.order, &full_sort(&m));
            }
        }
    }

    #[test]
    fn the_sla_passing_alone_moves_a_case_up() {
        let start = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let mut m = Model::new(Lang::Es, true, Duration::minutes(5), start);
        // A newer detention (high) and an older imminent alert (elevated), both unattended.
        let mut imminent = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        imminent.received_at = start;
        let mut detained = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        detained.received_at = start + Duration::minutes(2);
        m.cases.insert(1, imminent);
        m.cases.insert(2, detained);
        m.list.stale = true;
        m.now = start + Duration::minutes(3);
        m.refresh_order();
        assert_eq!(m.list.order, vec![2, 1], "high before elevated");
        // No event: only the clock moves past the imminent alert's SLA, making it critical.
        m.now = start + Duration::minutes(5) + Duration::seconds(1);
        m.refresh_order();
        assert_eq!(m.list.order, vec![1, 2], "the overdue alert first");
        assert!(m.list.index.due(m.now).is_empty(), "its wake-up was taken");
    }
}
