//! The tables that turn a county into its jurisdictions, each a file in `config/jurisdiction/`
//! with a source on every row: consular districts and ICE field-office areas (a row for a
//! whole state, a county row overriding it), federal judicial districts (28 U.S.C. §§ 81–131,
//! by county where a state has several) and circuits (28 U.S.C. § 41, by state). An operator
//! may replace any file with their own (`[jurisdiction] dir`); what a card shows says which
//! row it came from and how old it is.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::counties::{Counties, CountyRef};

/// Where a row says it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// A citation or a URL.
    pub cite: String,
    /// When the row was true, as the source dates it (`AAAA-MM-DD` or `AAAA-MM`), if it does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub as_of: String,
}

/// A value with the row it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// A federal judicial district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// The courts' own short code (`cacd`, `txwd`).
    pub code: String,
    pub name_en: String,
    pub name_es: String,
}

/// A court of appeals circuit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Circuit {
    /// `1`–`11`, or `DC`.
    pub id: String,
    pub name_en: String,
    pub name_es: String,
}

/// A table by place: a row for a state, county rows overriding it.
pub struct ByPlace<T> {
    states: HashMap<String, Sourced<T>>,
    counties: HashMap<String, Sourced<T>>,
}

impl<T> Default for ByPlace<T> {
    fn default() -> Self {
        ByPlace {
            states: HashMap::new(),
            counties: HashMap::new(),
        }
    }
}

impl<T> ByPlace<T> {
    pub fn get(&self, county: &CountyRef) -> Option<&Sourced<T>> {
        self.counties
            .get(&county.fips)
            .or_else(|| self.states.get(&county.state))
    }

    fn put(&mut self, state: &str, county: Option<&CountyRef>, row: Sourced<T>) {
        match county {
            Some(c) => self.counties.insert(c.fips.clone(), row),
            None => self.states.insert(state.to_string(), row),
        };
    }

    pub fn rows(&self) -> usize {
        self.states.len() + self.counties.len()
    }
}

/// The files' text, the shipped ones unless an operator's directory holds its own.
pub struct Texts {
    pub states: String,
    pub consular: String,
    pub field_offices: String,
    pub districts: String,
    pub circuits: String,
}

const STATES: &str = include_str!("../../../config/jurisdiction/states.csv");
const CONSULAR: &str = include_str!("../../../config/jurisdiction/consular_districts.csv");
const FIELD_OFFICES: &str = include_str!("../../../config/jurisdiction/ice_field_office_areas.csv");
const DISTRICTS: &str = include_str!("../../../config/jurisdiction/federal_districts.csv");
const CIRCUITS: &str = include_str!("../../../config/jurisdiction/circuits.csv");

impl Texts {
    pub fn builtin() -> Texts {
        Texts {
            states: STATES.into(),
            consular: CONSULAR.into(),
            field_offices: FIELD_OFFICES.into(),
            districts: DISTRICTS.into(),
            circuits: CIRCUITS.into(),
        }
    }

    /// The shipped files, each replaced by the operator's file of the same name in `dir`.
    pub fn in_dir(dir: &Path) -> Result<Texts, String> {
        let mut t = Texts::builtin();
        for (name, text) in [
            ("states.csv", &mut t.states),
            ("consular_districts.csv", &mut t.consular),
            ("ice_field_office_areas.csv", &mut t.field_offices),
            ("federal_districts.csv", &mut t.districts),
            ("circuits.csv", &mut t.circuits),
        ] {
            let path = dir.join(name);
            if path.exists() {
                *text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        Ok(t)
    }
}

pub struct Tables {
    pub consular: ByPlace<String>,
    pub field_offices: ByPlace<String>,
    pub districts: ByPlace<District>,
    pub circuits: HashMap<String, Sourced<Circuit>>,
    /// Rows naming a county no boundary file holds: shown to the operator at start, never
    /// silently dropped.
    pub unmatched: Vec<String>,
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

fn rows(text: &str, file: &str) -> Result<Vec<HashMap<String, String>>, String> {
    let mut r = reader(text);
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("{file}: {e}"))?
        .iter()
        .map(unquoted)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.map_err(|e| format!("{file}: {e}"))?;
            Ok(headers
                .iter()
                .cloned()
                .zip(rec.iter().map(unquoted))
                .collect())
        })
        .collect()
}

/// The field-office file writes `"a", "b"`: a quote after the comma's space is text to the CSV
/// reader, so it is taken off here.
fn unquoted(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
        .to_string()
}

fn field<'a>(row: &'a HashMap<String, String>, name: &str) -> &'a str {
    row.get(name).map_or("", String::as_str)
}

impl Tables {
    pub fn parse(t: &Texts, counties: &Counties) -> Result<Tables, String> {
        let state_of: HashMap<String, String> = rows(&t.states, "states.csv")?
            .into_iter()
            .map(|r| (field(&r, "name").to_string(), field(&r, "code").to_string()))
            .collect();
        let mut unmatched = Vec::new();
        let county = |state: &str,
                      name: &str,
                      file: &str,
                      unmatched: &mut Vec<String>|
         -> Option<Option<CountyRef>> {
            if name.is_empty() {
                return Some(None);
            }
            match counties.by_name(state, name) {
                Some(c) => Some(Some(c.clone())),
                None => {
                    unmatched.push(format!("{file}: {name}, {state}"));
                    None
                }
            }
        };
        let mut consular = ByPlace::default();
        for r in rows(&t.consular, "consular_districts.csv")? {
            let state = field(&r, "state");
            if let Some(c) = county(
                state,
                field(&r, "county"),
                "consular_districts.csv",
                &mut unmatched,
            ) {
                let source = Source {
                    cite: field(&r, "source_url").to_string(),
                    as_of: field(&r, "as_of").to_string(),
                };
                let value = field(&r, "consulate").to_string();
                consular.put(state, c.as_ref(), Sourced { value, source });
            }
        }
        let mut field_offices = ByPlace::default();
        for r in rows(&t.field_offices, "ice_field_office_areas.csv")? {
            let Some(state) = state_of.get(field(&r, "state_name")) else {
                unmatched.push(format!(
                    "ice_field_office_areas.csv: state {}",
                    field(&r, "state_name")
                ));
                continue;
            };
            if let Some(c) = county(
                state,
                field(&r, "county_name"),
                "ice_field_office_areas.csv",
                &mut unmatched,
            ) {
                let source = Source {
                    cite: "Deportation Data Project, ice-offices (CC0)".into(),
                    as_of: "2026-04".into(),
                };
                let value = field(&r, "office_name").to_string();
                field_offices.put(state, c.as_ref(), Sourced { value, source });
            }
        }
        let mut districts = ByPlace::default();
        for r in rows(&t.districts, "federal_districts.csv")? {
            let state = field(&r, "state");
            let fips = field(&r, "county_fips");
            let c = if fips.is_empty() {
                None
            } else {
                match counties.by_fips(fips) {
                    Some(c) => Some(c.clone()),
                    None => {
                        unmatched.push(format!("federal_districts.csv: {fips}"));
                        continue;
                    }
                }
            };
            let value = District {
                code: field(&r, "district_code").to_string(),
                name_en: field(&r, "district_name_en").to_string(),
                name_es: field(&r, "district_name_es").to_string(),
            };
            let source = Source {
                cite: field(&r, "source").to_string(),
                as_of: field(&r, "as_of").to_string(),
            };
            districts.put(state, c.as_ref(), Sourced { value, source });
        }
        let mut circuits = HashMap::new();
        for r in rows(&t.circuits, "circuits.csv")? {
            circuits.insert(
                field(&r, "state").to_string(),
                Sourced {
                    value: Circuit {
                        id: field(&r, "circuit").to_string(),
                        name_en: field(&r, "name_en").to_string(),
                        name_es: field(&r, "name_es").to_string(),
                    },
                    source: Source {
                        cite: field(&r, "source").to_string(),
                        as_of: field(&r, "as_of").to_string(),
                    },
                },
            );
        }
        Ok(Tables {
            consular,
            field_offices,
            districts,
            circuits,
            unmatched,
        })
    }
}
