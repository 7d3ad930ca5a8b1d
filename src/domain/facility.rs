//! Places ICE has held people (config/ice_facilities.csv): the registry a detainee is placed in
//! and followed across, and the map's layer. Compiled by the University of Washington Center for
//! Human Rights (UWCHR) from ICE lists obtained under FOIA by the National Immigrant Justice
//! Center (NIJC), November 2017; coordinates geocoded by UWCHR. Facilities opened since are
//! missing, so staff add and correct them ([`Registry::record`], from `facility_recorded`
//! events): the shipped list is the base and what staff recorded lies over it, by code.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::consulate::Consulate;
use super::geo::{Point, distance_km};
use super::validate::{FieldCode, FieldError, err};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// ICE's detention-location code.
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub field_office: String,
    /// IGSA, USMS IGA, HOLD, BOP, HOSPITAL, JUVENILE, SPC, CDF, FAMILY, ...
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

impl Facility {
    pub fn point(&self) -> Point {
        Point {
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// "ADELANTO ICE PROCESSING CENTER · ADELANTO, CA".
    pub fn label(&self) -> String {
        format!("{} · {}, {}", self.name, self.city, self.state)
    }

    /// The facility as a place people are held, for a jurisdiction card.
    pub fn held(&self) -> super::jurisdiction::Held {
        super::jurisdiction::Held {
            code: self.code.clone(),
            label: self.label(),
            at: self.point(),
        }
    }
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

/// ICE's field offices (areas of responsibility): code and name.
pub const FIELD_OFFICES: &str = include_str!("../../config/field_offices.csv");

/// The shipped list, parsed once per process.
static SHIPPED: LazyLock<Vec<Facility>> = LazyLock::new(|| parse_csv(BUILTIN).unwrap_or_default());

static OFFICES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    FIELD_OFFICES
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(c, n)| (c.trim().to_string(), n.trim().to_string()))
        .collect()
});

/// A field office's name ("Los Angeles" for `LOS`); unknown codes show as themselves.
pub fn field_office_name(code: &str) -> &str {
    OFFICES
        .iter()
        .find(|(c, _)| c == code)
        .map_or(code, |(_, n)| n.as_str())
}

/// The registry: the shipped list with what staff recorded over it.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Staff additions and corrections, by code.
    recorded: HashMap<String, Facility>,
}

/// A match of a search, with its distance from the point searched near.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    pub facility: &'a Facility,
    pub km: Option<f64>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a facility or, for a code already known, replaces what is known of it.
    pub fn record(&mut self, facility: Facility) {
        self.recorded.insert(facility.code.clone(), facility);
    }

    pub fn get(&self, code: &str) -> Option<&Facility> {
        let code = code.trim();
        self.recorded
            .get(code)
            .or_else(|| SHIPPED.iter().find(|f| f.code.eq_ignore_ascii_case(code)))
    }

    /// The registry's facility of `code` as a place people are held (for a case's card).
    pub fn held(&self, code: &str) -> Option<super::jurisdiction::Held> {
        self.get(code).map(Facility::held)
    }

    /// Every facility, each code once (a recorded one instead of the shipped one).
    pub fn iter(&self) -> impl Iterator<Item = &Facility> {
        SHIPPED
            .iter()
            .filter(|f| !self.recorded.contains_key(&f.code))
            .chain(self.recorded.values())
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Facilities whose name, city or code holds every word of `query` (accents and case
    /// ignored; an empty query matches all), nearest to `near` first (else by name), at most
    /// `limit`.
    pub fn search(&self, query: &str, near: Option<Point>, limit: usize) -> Vec<Found<'_>> {
        let words: Vec<String> = super::search::fold(query)
            .split_whitespace()
            .map(String::from)
            .collect();
        let mut found: Vec<Found<'_>> = self
            .iter()
            .filter(|f| {
                let hay = super::search::fold(&format!(
                    "{} {} {} {} {}",
                    f.name, f.city, f.state, f.code, f.field_office
                ));
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .map(|f| Found {
                facility: f,
                km: near.map(|p| distance_km(p, f.point())),
            })
            .collect();
        found.sort_by(|a, b| match (a.km, b.km) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => a.facility.name.cmp(&b.facility.name),
        });
        found.truncate(limit);
        found
    }
}

/// The consulate whose district a facility lies in, as alerts are routed: the district table's
/// where it holds the facility's county, else the nearest.
pub fn district<'a>(facility: &Facility, consulates: &'a [Consulate]) -> Option<&'a Consulate> {
    super::jurisdiction::Jurisdictions::current()
        .route(facility.point(), consulates)
        .map(|(c, _, _)| c)
}

/// The registry's facility the case's person was last placed in, if it was one of the
/// registry's (placed by code).
pub fn held_in<'a>(
    case: &crate::domain::case::Case,
    registry: &'a Registry,
) -> Option<&'a Facility> {
    crate::domain::deadline::placement(case)?
        .fields
        .get("facility_code")
        .and_then(|code| registry.get(code))
}

/// What staff send to add or correct a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityRequest {
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub field_office: String,
    #[serde(default)]
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

/// Checks a facility sent by staff: a code of 3 to 12 letters and digits, a name, a city, a
/// two-letter state, a known field office, and coordinates in or near the United States.
pub fn validate(req: &FacilityRequest) -> Result<Facility, FieldError> {
    use super::validate::text;
    let code = req.code.trim().to_ascii_uppercase();
    if !(3..=12).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(err(
            "code",
            FieldCode::InvalidFormat,
            "must be 3 to 12 letters and digits (ICE's detention-location code, or one of your own)",
        ));
    }
    let state = req.state.trim().to_ascii_uppercase();
    if state.len() != 2 || !state.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(err(
            "state",
            FieldCode::InvalidFormat,
            "must be the two-letter postal code, like CA",
        ));
    }
    let office = req.field_office.trim().to_ascii_uppercase();
    if !OFFICES.iter().any(|(c, _)| *c == office) {
        let codes: Vec<&str> = OFFICES.iter().map(|(c, _)| c.as_str()).collect();
        return Err(err(
            "field_office",
            FieldCode::UnknownValue,
            format!("must be one of ICE's field offices: {}", codes.join(", ")),
        ));
    }
    // The United States with Alaska, Hawaii, Puerto Rico and Guam: a typo in a sign is refused.
    let lon_ok = (-180.0..=-60.0).contains(&req.lon) || (140.0..=150.0).contains(&req.lon);
    if !(10.0..=72.0).contains(&req.lat) || !lon_ok {
        return Err(err(
            "lat",
            FieldCode::OutOfRange,
            "the coordinates are not in the United States; check the signs (west is negative)",
        ));
    }
    let kind = req.kind.trim();
    Ok(Facility {
        code,
        name: text("name", &req.name, 120)?,
        city: text("city", &req.city, 80)?,
        state,
        field_office: office,
        kind: if kind.is_empty() {
            String::new()
        } else {
            text("kind", kind, 40)?
        },
        lat: req.lat,
        lon: req.lon,
    })
}

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
            lat,
            lon,
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
        assert!((adelanto.lat - 34.55).abs() < 0.2, "{adelanto:?}");
    }

    fn request(code: &str) -> FacilityRequest {
        FacilityRequest {
            code: code.into(),
            name: "California City Detention Facility".into(),
            city: "California City".into(),
            state: "ca".into(),
            field_office: "sfr".into(),
            kind: "CDF".into(),
            lat: 35.13,
            lon: -117.99,
        }
    }

    #[test]
    fn search_finds_by_name_city_or_code_nearest_first() {
        let r = Registry::new();
        let near_la = Point {
            lat: 34.05,
            lon: -118.24,
        };
        let found = r.search("adelanto", Some(near_la), 5);
        assert!(found[0].facility.name.contains("ADELANTO"), "{found:?}");
        let by_city = r.search("los angeles", Some(near_la), 50);
        assert!(by_city.len() > 3);
        assert!(
            by_city.windows(2).all(|w| w[0].km <= w[1].km),
            "nearest first"
        );
        let code = &r.iter().next().unwrap().code;
        assert_eq!(&r.search(code, None, 5)[0].facility.code, code);
        assert!(r.search("zzzz nowhere", None, 5).is_empty());
    }

    #[test]
    fn staff_add_new_places_and_correct_old_ones() {
        let mut r = Registry::new();
        let before = r.len();
        let added = validate(&request("CACITYCA")).unwrap();
        assert_eq!(added.state, "CA");
        assert_eq!(added.field_office, "SFR");
        r.record(added);
        assert_eq!(r.len(), before + 1);
        assert_eq!(r.get("CACITYCA").unwrap().city, "California City");
        // A correction replaces the shipped row, and the count stays.
        let old = r.iter().next().unwrap().clone();
        let mut fix = request(&old.code);
        fix.name = "RENAMED".into();
        r.record(validate(&fix).unwrap());
        assert_eq!(r.len(), before + 1);
        assert_eq!(r.get(&old.code).unwrap().name, "RENAMED");
        assert_eq!(r.search("renamed", None, 5).len(), 1);
    }

    #[test]
    fn bad_facilities_name_their_field() {
        let field = |f: fn(&mut FacilityRequest)| {
            let mut req = request("ABC123");
            f(&mut req);
            validate(&req).unwrap_err().field
        };
        assert_eq!(field(|r| r.code = "A B".into()), "code");
        assert_eq!(field(|r| r.state = "Cal".into()), "state");
        assert_eq!(field(|r| r.field_office = "XYZ".into()), "field_office");
        assert_eq!(field(|r| r.lon = 117.99), "lat");
        assert_eq!(field(|r| r.name = "  ".into()), "name");
    }

    #[test]
    fn a_facility_lies_in_the_district_of_its_nearest_consulate() {
        let consulates =
            crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES).unwrap();
        let r = Registry::new();
        let adelanto = r.search("adelanto", None, 1)[0].facility;
        assert_eq!(
            district(adelanto, &consulates).unwrap().id,
            "san-bernardino"
        );
        assert_eq!(field_office_name("LOS"), "Los Angeles");
    }
}
