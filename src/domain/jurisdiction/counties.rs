//! From a point to its US county: the Census county boundaries (`config/jurisdiction/
//! counties.tsv`, public domain, simplified by the `us-atlas` package) held as rings of points,
//! found through a one-degree grid of bounding boxes and an even-odd ray test. The lines are
//! simplified to about 100–300 m, so a point within a kilometre of a county line may land in
//! the neighbour, and one on a pier or a bay in none: then the nearest county within
//! [`NEAR_KM`] is taken and the answer says it was.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The shipped boundaries.
pub const BUILTIN: &str = include_str!("../../../config/jurisdiction/counties.tsv");

/// How far outside every county a point may be and still take the nearest (a pier, a beach, a
/// bay the simplified lines cut off).
pub const NEAR_KM: f64 = 5.0;

/// A county as a card names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyRef {
    /// The five-digit FIPS code (state and county).
    pub fips: String,
    pub name: String,
    /// The USPS state code.
    pub state: String,
}

struct County {
    at: CountyRef,
    /// Rings of `(lon, lat)`; the even-odd rule over all of them at once needs no hole case.
    rings: Vec<Vec<(f32, f32)>>,
    /// `(min lon, min lat, max lon, max lat)`.
    bbox: (f32, f32, f32, f32),
}

/// Where a point fell.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    pub county: &'a CountyRef,
    /// Inside no county's simplified lines: the nearest within [`NEAR_KM`].
    pub nearest_km: Option<f64>,
}

pub struct Counties {
    list: Vec<County>,
    /// One-degree cells (floor of lon, floor of lat) → the counties whose box touches them.
    grid: HashMap<(i16, i16), Vec<u32>>,
}

fn cell(lon: f32, lat: f32) -> (i16, i16) {
    (lon.floor() as i16, lat.floor() as i16)
}

impl Counties {
    pub fn builtin() -> &'static Counties {
        static C: std::sync::OnceLock<Counties> = std::sync::OnceLock::new();
        C.get_or_init(|| Counties::parse(BUILTIN).expect("the shipped county boundaries read"))
    }

    pub fn parse(text: &str) -> Result<Counties, String> {
        let mut list = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let bad = |what: &str| format!("counties line {}: {what}", n + 1);
            let mut fields = line.split('\t');
            let (Some(fips), Some(name), Some(state), Some(geometry)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("four tab-separated fields expected"));
            };
            let mut rings = Vec::new();
            for polygon in geometry.split('|') {
                for ring in polygon.split(';') {
                    let points = ring
                        .split(',')
                        .map(|p| {
                            let (lon, lat) = p.split_once(' ')?;
                            Some((lon.parse().ok()?, lat.parse().ok()?))
                        })
                        .collect::<Option<Vec<(f32, f32)>>>()
                        .ok_or_else(|| bad("a point is not `lon lat`"))?;
                    // The simplification leaves a few tiny places (Falls Church, Virginia) as
                    // a line: kept, so a point beside them still finds them as the nearest.
                    if !points.is_empty() {
                        rings.push(points);
                    }
                }
            }
            let mut bbox = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for &(x, y) in rings.iter().flatten() {
                bbox = (bbox.0.min(x), bbox.1.min(y), bbox.2.max(x), bbox.3.max(y));
            }
            if rings.is_empty() {
                return Err(bad("no ring"));
            }
            list.push(County {
                at: CountyRef {
                    fips: fips.to_string(),
                    name: name.to_string(),
                    state: state.to_string(),
                },
                rings,
                bbox,
            });
        }
        let mut grid: HashMap<(i16, i16), Vec<u32>> = HashMap::new();
        for (i, c) in list.iter().enumerate() {
            let (x0, y0) = cell(c.bbox.0, c.bbox.1);
            let (x1, y1) = cell(c.bbox.2, c.bbox.3);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    grid.entry((x, y)).or_default().push(i as u32);
                }
            }
        }
        Ok(Counties { list, grid })
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The county by its FIPS code.
    pub fn by_fips(&self, fips: &str) -> Option<&CountyRef> {
        self.list.iter().map(|c| &c.at).find(|c| c.fips == fips)
    }

    /// The county by state and name, as other tables name it ("San Bernardino", "Doña Ana";
    /// "County" and "Parish" left off, case and accents as written).
    pub fn by_name(&self, state: &str, name: &str) -> Option<&CountyRef> {
        let want = simple(name);
        self.list
            .iter()
            .map(|c| &c.at)
            .find(|c| c.state == state && simple(&c.name) == want)
    }

    /// The county holding `(lat, lon)`, or the nearest within [`NEAR_KM`].
    pub fn find(&self, lat: f64, lon: f64) -> Option<Found<'_>> {
        let (x, y) = (lon as f32, lat as f32);
        let candidates = self.grid.get(&cell(x, y))?;
        if let Some(&i) = candidates.iter().find(|&&i| {
            let c = &self.list[i as usize];
            x >= c.bbox.0 && x <= c.bbox.2 && y >= c.bbox.1 && y <= c.bbox.3 && inside(c, x, y)
        }) {
            return Some(Found {
                county: &self.list[i as usize].at,
                nearest_km: None,
            });
        }
        let here = super::super::geo::Point { lat, lon };
        candidates
            .iter()
            .map(|&i| {
                let c = &self.list[i as usize];
                let km = c
                    .rings
                    .iter()
                    .flatten()
                    .map(|&(lon, lat)| {
                        super::super::geo::distance_km(
                            here,
                            super::super::geo::Point {
                                lat: f64::from(lat),
                                lon: f64::from(lon),
                            },
                        )
                    })
                    .fold(f64::MAX, f64::min);
                (km, &c.at)
            })
            .filter(|(km, _)| *km <= NEAR_KM)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(km, county)| Found {
                county,
                nearest_km: Some(km),
            })
    }
}

/// Names compared without "County", case or dots ("St. Louis" = "St Louis").
pub fn simple(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let bare = lower
        .strip_suffix(" county")
        .or_else(|| lower.strip_suffix(" parish"))
        .unwrap_or(&lower);
    bare.replace('.', "")
}

/// The even-odd rule over every ring of the county.
fn inside(c: &County, x: f32, y: f32) -> bool {
    let mut odd = false;
    for ring in &c.rings {
        let mut j = ring.len() - 1;
        for i in 0..ring.len() {
            let (xi, yi) = ring[i];
            let (xj, yj) = ring[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                odd = !odd;
            }
            j = i;
        }
    }
    odd
}
