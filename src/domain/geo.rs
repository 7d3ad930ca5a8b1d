//! Great-circle distance and routing to the nearest consulate.

use super::consulate::Consulate;

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the globe in decimal degrees (WGS 84, as phones report it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// Haversine distance. Accurate to well under 0.5 % for our purpose (ranking consulates), and
/// numerically stable for the short distances that matter most.
pub fn distance_km(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The consulates ordered from nearest to farthest, with their distances. Ties break on the id so
/// that routing is deterministic.
pub fn by_distance(consulates: &[Consulate], from: Point) -> Vec<(&Consulate, f64)> {
    let mut all: Vec<_> = consulates
        .iter()
        .map(|c| (c, distance_km(from, c.point())))
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.id.cmp(&b.0.id)));
    all
}

/// The nearest consulate and its distance, or `None` if there are no consulates.
pub fn nearest(consulates: &[Consulate], from: Point) -> Option<(&Consulate, f64)> {
    by_distance(consulates, from).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(id: &str, lat: f64, lon: f64) -> Consulate {
        Consulate {
            id: id.into(),
            city: id.into(),
            state: "XX".into(),
            lat,
            lon,
            tz: String::new(),
        }
    }

    #[test]
    fn los_angeles_to_san_diego_is_about_179_km() {
        let d = distance_km(
            Point {
                lat: 34.0522,
                lon: -118.2437,
            },
            Point {
                lat: 32.7157,
                lon: -117.1611,
            },
        );
        assert!((d - 179.4).abs() < 2.0, "{d}");
    }

    #[test]
    fn nearest_picks_the_closest_and_breaks_ties_by_id() {
        let list = vec![c("b", 0.0, 1.0), c("a", 0.0, -1.0), c("far", 50.0, 50.0)];
        let (best, d) = nearest(&list, Point { lat: 0.0, lon: 0.0 }).unwrap();
        assert_eq!(best.id, "a");
        assert!((d - 111.2).abs() < 0.5);
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_bounded(
            a in -90.0f64..=90.0, b in -180.0f64..=180.0, c in -90.0f64..=90.0, d in -180.0f64..=180.0
        ) {
            let p = Point { lat: a, lon: b };
            let q = Point { lat: c, lon: d };
            let x = distance_km(p, q);
            prop_assert!((x - distance_km(q, p)).abs() < 1e-6);
            prop_assert!((0.0..=20_016.0).contains(&x));
        }
    }
}
