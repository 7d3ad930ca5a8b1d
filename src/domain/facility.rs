//! Places ICE has held people (config/ice_facilities.csv), for the map: where a detained person
//! may have been taken. Compiled by the University of Washington Center for Human Rights
//! (UWCHR) from ICE lists obtained under FOIA by the National Immigrant Justice Center (NIJC),
//! November 2017; coordinates geocoded by UWCHR. Facilities opened since are missing.

use serde::Deserialize;

use super::geo::Point;

#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// ICE's detention-location code.
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub field_office: String,
    /// IGSA, USMS IGA, HOLD, BOP, HOSPITAL, JUVENILE, SPC, CDF, FAMILY, ...
    pub kind: String,
    pub point: Point,
}

#[derive(Deserialize)]
struct Row {
    code: String,
    name: String,
    city: String,
    state: String,
    field_office: String,
    #[serde(rename = "type")]
    kind: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// Where the list comes from, to be shown wherever the places are.
pub const CREDIT: &str = "ICE facilities: UWCHR and NIJC (2017)";

/// The shipped list.
pub const BUILTIN: &str = include_str!("../../config/ice_facilities.csv");

/// Parses the CSV; rows without coordinates (none in the shipped list) are left out, since the
/// map is all they are for.
pub fn parse_csv(text: &str) -> Result<Vec<Facility>, String> {
    let mut out = Vec::new();
    for (i, row) in csv::Reader::from_reader(text.as_bytes())
        .deserialize::<Row>()
        .enumerate()
    {
        let row = row.map_err(|e| format!("line {}: {e}", i + 2))?;
        let (Some(lat), Some(lon)) = (row.lat, row.lon) else {
            continue;
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("line {}: coordinates out of range", i + 2));
        }
        out.push(Facility {
            code: row.code,
            name: row.name,
            city: row.city,
            state: row.state,
            field_office: row.field_office,
            kind: row.kind,
            point: Point { lat, lon },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_every_place_with_its_coordinates() {
        let list = parse_csv(BUILTIN).unwrap();
        assert_eq!(list.len(), 1_516);
        let adelanto = list
            .iter()
            .find(|f| f.name.contains("ADELANTO"))
            .expect("Adelanto is on the list");
        assert_eq!(adelanto.state, "CA");
        assert!((adelanto.point.lat - 34.55).abs() < 0.2, "{adelanto:?}");
    }
}
