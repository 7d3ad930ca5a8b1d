//! Great-circle distance.

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
