//! The consulates, loaded as data from `config/consulates.csv`.

use serde::{Deserialize, Serialize};

use super::geo::Point;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consulate {
    /// Stable slug used on the wire and in tokens (`los-angeles`).
    pub id: String,
    pub city: String,
    pub state: String,
    pub lat: f64,
    pub lon: f64,
    /// Its IANA time zone (`America/Los_Angeles`): hearings and deadlines are shown, and typed,
    /// in the consulate's local time. Empty from a hub that predates it (then UTC).
    #[serde(default)]
    pub tz: String,
}

/// The time zone of consulate `id` in `consulates`: where the people whose cases it has are.
/// UTC when the list does not name it: UTC's midnight comes before every US one, so a deadline
/// on a day can then only read early, never late.
pub fn zone_of(consulates: &[Consulate], id: &str) -> chrono_tz::Tz {
    consulates
        .iter()
        .find(|c| c.id == id)
        .map_or(chrono_tz::UTC, Consulate::zone)
}

impl Consulate {
    /// The consulate's zone; UTC when the list names none (or one this build does not know).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.tz.parse().unwrap_or(chrono_tz::UTC)
    }

    pub fn point(&self) -> Point {
        Point {
            lat: self.lat,
            lon: self.lon,
        }
    }

    pub fn label(&self) -> String {
        format!("{}, {}", self.city, self.state)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConsulateListError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("the consulate list is empty")]
    Empty,
    #[error("consulate id `{0}` appears twice")]
    Duplicate(String),
}

#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    city: String,
    state: String,
    lat: f64,
    lon: f64,
    #[serde(default)]
    tz: String,
    #[allow(dead_code)]
    notes: Option<String>,
}

/// Parses the CSV text (header `id,city,state,lat,lon,tz,notes`; `tz` may be left out). Parsing is pure so that the same
/// rules apply to the shipped file and to tests.
pub fn parse_csv(text: &str) -> Result<Vec<Consulate>, ConsulateListError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out: Vec<Consulate> = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| ConsulateListError::Line {
            line,
            message: e.to_string(),
        })?;
        let valid_id = !row.id.is_empty()
            && row
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit());
        if !valid_id {
            return Err(ConsulateListError::Line {
                line,
                message: format!("id `{}` must be lowercase letters, digits and -", row.id),
            });
        }
        if !(-90.0..=90.0).contains(&row.lat) || !(-180.0..=180.0).contains(&row.lon) {
            return Err(ConsulateListError::Line {
                line,
                message: "coordinates out of range".into(),
            });
        }
        if !row.tz.is_empty() && row.tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConsulateListError::Line {
                line,
                message: format!("time zone `{}` is not an IANA zone name", row.tz),
            });
        }
        if out.iter().any(|c| c.id == row.id) {
            return Err(ConsulateListError::Duplicate(row.id));
        }
        out.push(Consulate {
            id: row.id,
            city: row.city,
            state: row.state,
            lat: row.lat,
            lon: row.lon,
            tz: row.tz,
        });
    }
    if out.is_empty() {
        return Err(ConsulateListError::Empty);
    }
    Ok(out)
}

/// The consulates ordered from nearest to farthest, with their distances. Ties break on the id so
/// that routing is deterministic.
pub fn by_distance(consulates: &[Consulate], from: super::geo::Point) -> Vec<(&Consulate, f64)> {
    let mut all: Vec<_> = consulates
        .iter()
        .map(|c| (c, super::geo::distance_km(from, c.point())))
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.id.cmp(&b.0.id)));
    all
}

/// The nearest consulate and its distance, or `None` if there are no consulates.
pub fn nearest(consulates: &[Consulate], from: super::geo::Point) -> Option<(&Consulate, f64)> {
    by_distance(consulates, from).into_iter().next()
}

#[cfg(test)]
mod tests {
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
    fn nearest_picks_the_closest_and_breaks_ties_by_id() {
        let list = vec![c("b", 0.0, 1.0), c("a", 0.0, -1.0), c("far", 50.0, 50.0)];
        let (best, d) = nearest(&list, crate::domain::geo::Point { lat: 0.0, lon: 0.0 }).unwrap();
        assert_eq!(best.id, "a");
        assert!((d - 111.2).abs() < 0.5);
    }

    use super::*;

    #[test]
    fn shipped_list_has_53_consulates() {
        let list = parse_csv(include_str!("../../config/consulates.csv")).unwrap();
        assert_eq!(list.len(), 53);
        assert!(list.iter().any(|c| c.id == "los-angeles"));
        let la = list.iter().find(|c| c.id == "los-angeles").unwrap();
        assert_eq!(la.zone(), chrono_tz::America::Los_Angeles);
        assert!(
            list.iter().all(|c| c.zone() != chrono_tz::UTC),
            "every consulate has its zone"
        );
    }

    #[test]
    fn a_misspelt_zone_is_refused_with_its_line() {
        let err = parse_csv("id,city,state,lat,lon,tz,notes\nx,X,CA,34,-118,America/Los_Angles,\n")
            .unwrap_err();
        assert!(err.to_string().contains("America/Los_Angles"), "{err}");
    }

    #[test]
    fn bad_row_names_its_line() {
        let err = parse_csv("id,city,state,lat,lon,notes\nx,X,CA,100,0,\n").unwrap_err();
        assert!(err.to_string().starts_with("line 2"), "{err}");
    }
}
