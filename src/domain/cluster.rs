//! Clusters: many alerts close together in a short time, the shape of a raid. "9 alertas a
//! menos de 2 km en 10 min" says more at 3 a.m. than nine rows do. Pure: cases and a time in,
//! clusters out, biggest first.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::case::{Case, CaseStatus};
use super::geo::{Point, distance_km};

/// Alerts within this distance of one another's seed count together.
pub const RADIUS_KM: f64 = 2.0;
/// Only alerts received this recently.
pub const WINDOW_MINUTES: i64 = 10;
/// Fewer than this is not a cluster.
pub const MIN_ALERTS: usize = 3;
/// The most alerts one pass groups: the newest of the window. Memory is linear in them and time
/// about linear times the alerts within 2 km of each; past it, the oldest of a wave are left
/// to the incidents they already joined.
pub const MAX_CONSIDERED: usize = 5_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The mean of its alerts' positions.
    pub center: Point,
    /// Case ids, oldest first.
    pub ids: Vec<u64>,
}

/// Grid cells a little larger than the radius at every US latitude (a degree of longitude is
/// 111 km × cos(latitude), 71 km at 50° N), so neighbours are always in the 3 × 3 cells around.
const CELL_LAT: f64 = RADIUS_KM / 111.0;
const CELL_LON: f64 = RADIUS_KM / 71.0;

fn cell(p: Point) -> (i64, i64) {
    (
        (p.lat / CELL_LAT).floor() as i64,
        (p.lon / CELL_LON).floor() as i64,
    )
}

/// Open, placed alerts received in the last [`WINDOW_MINUTES`], grouped greedily: the alert with
/// the most unclaimed neighbours within [`RADIUS_KM`] seeds a cluster of them, until no seed has
/// [`MIN_ALERTS`]. The grid keeps it near linear in the number of recent alerts.
pub fn find<'a>(cases: impl IntoIterator<Item = &'a Case>, now: DateTime<Utc>) -> Vec<Cluster> {
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let mut recent: Vec<(DateTime<Utc>, u64, Point)> = cases
        .into_iter()
        .filter(|c| c.status != CaseStatus::Closed && c.located() && c.received_at >= since)
        .map(|c| (c.received_at, c.id, c.location.point()))
        .collect();
    recent.sort_by_key(|(at, id, _)| (*at, *id));
    // A raid wave can bring tens of thousands of alerts into one window: the newest
    // MAX_CONSIDERED are grouped, so a pass costs what that many cost, whatever the wave.
    if recent.len() > MAX_CONSIDERED {
        recent.drain(..recent.len() - MAX_CONSIDERED);
    }
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, (_, _, p)) in recent.iter().enumerate() {
        grid.entry(cell(*p)).or_default().push(i);
    }
    // Each alert's neighbours are found again when needed, never kept: a list per alert is
    // quadratic in a dense raid (30,000 alerts in one place held gigabytes).
    let near = |i: usize| {
        let p = recent[i].2;
        let (r, c) = cell(p);
        let grid = &grid;
        let recent = &recent;
        (-1..=1)
            .flat_map(move |dr| (-1..=1).map(move |dc| (r + dr, c + dc)))
            .flat_map(move |k| grid.get(&k).map_or(&[][..], |v| v.as_slice()))
            .copied()
            .filter(move |&j| distance_km(p, recent[j].2) <= RADIUS_KM)
    };
    // Unclaimed neighbours of each alert (itself included), kept up to date as clusters claim.
    let mut unclaimed: Vec<usize> = (0..recent.len()).map(|i| near(i).count()).collect();
    let mut claimed = vec![false; recent.len()];
    let mut out = Vec::new();
    loop {
        let best = (0..recent.len())
            .filter(|&i| !claimed[i])
            .max_by_key(|&i| (unclaimed[i], std::cmp::Reverse(i)));
        let Some(seed) = best.filter(|&i| unclaimed[i] >= MIN_ALERTS) else {
            break;
        };
        let mut members: Vec<usize> = near(seed).filter(|&j| !claimed[j]).collect();
        members.sort_unstable();
        for &j in &members {
            claimed[j] = true;
        }
        for &m in &members {
            for j in near(m) {
                unclaimed[j] -= 1;
            }
        }
        let n = members.len() as f64;
        let center = Point {
            lat: members.iter().map(|&j| recent[j].2.lat).sum::<f64>() / n,
            lon: members.iter().map(|&j| recent[j].2.lon).sum::<f64>() / n,
        };
        out.push(Cluster {
            center,
            ids: members.iter().map(|&j| recent[j].1).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use proptest::prelude::*;

    fn at(id: u64, lat: f64, lon: f64, minutes_ago: i64, now: DateTime<Utc>) -> Case {
        let mut c = Case::open(&raised(id, id, AlertKind::Imminent, vec![])).unwrap();
        c.location.lat = lat;
        c.location.lon = lon;
        c.received_at = now - Duration::minutes(minutes_ago);
        c
    }

    fn now() -> DateTime<Utc> {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn nine_presses_around_one_corner_are_one_cluster_and_strays_are_not() {
        let now = now();
        let mut cases: Vec<Case> = (0..9)
            .map(|i| {
                let d = i as f64 * 0.002; // about 200 m apart
                at(1000 + i, 34.0522 + d, -118.2437 - d, i as i64, now)
            })
            .collect();
        cases.push(at(2001, 34.20, -118.60, 1, now)); // 35 km away
        cases.push(at(2002, 34.0525, -118.2440, 25, now)); // the same corner, too long ago
        let found = find(&cases, now);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].ids.len(), 9);
        assert!(!found[0].ids.contains(&2001) && !found[0].ids.contains(&2002));
    }

    #[test]
    fn two_alerts_are_not_a_cluster_and_closed_ones_do_not_count() {
        let now = now();
        let mut cases = vec![
            at(1, 40.7128, -74.0060, 1, now),
            at(2, 40.7130, -74.0062, 2, now),
            at(3, 40.7131, -74.0063, 3, now),
        ];
        cases[2].status = CaseStatus::Closed;
        assert!(find(&cases, now).is_empty());
    }

    proptest! {
        /// Every member is within the radius of the cluster's seed region and no alert is in
        /// two clusters, whatever the positions.
        #[test]
        fn members_are_near_and_never_counted_twice(
            points in prop::collection::vec((34.0f64..34.1, -118.3f64..-118.2, 0i64..15), 0..60)
        ) {
            let now = now();
            let cases: Vec<Case> = points
                .iter()
                .enumerate()
                .map(|(i, (lat, lon, ago))| at(i as u64 + 1, *lat, *lon, *ago, now))
                .collect();
            let found = find(&cases, now);
            let mut seen = std::collections::HashSet::new();
            for c in &found {
                prop_assert!(c.ids.len() >= MIN_ALERTS);
                for id in &c.ids {
                    prop_assert!(seen.insert(*id), "{id} twice");
                    let case = &cases[*id as usize - 1];
                    prop_assert!(case.received_at >= now - Duration::minutes(WINDOW_MINUTES));
                    // Within the radius of the seed, so within twice it of any other member.
                    for other in &c.ids {
                        let o = &cases[*other as usize - 1];
                        prop_assert!(distance_km(case.location.point(), o.location.point()) <= 2.0 * RADIUS_KM + 1e-9);
                    }
                }
            }
        }
    }
}
