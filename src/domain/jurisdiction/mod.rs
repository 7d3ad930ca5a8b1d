//! Where a person is decides what their lawyer can do: from a point (an alert, a facility, a
//! place a caller names) to its county, and from the county to the consulate whose district
//! (circunscripción) holds it, the ICE field office, the federal judicial district and the
//! circuit. Pure: the tables are data (`tables`), read once at start; the rules that follow
//! from a card are dated rows with their sources (`rules`).

pub mod counties;
pub mod languages;
pub mod rules;
pub mod tables;

use serde::{Deserialize, Serialize};

use self::counties::{Counties, CountyRef};
use self::tables::{Circuit, District, Sourced, Tables, Texts};
use super::consulate::Consulate;
use super::geo::Point;

/// Everything a place's jurisdiction says, each part with the row it came from. A part the
/// tables do not hold is `None`, never a guess, except the consulate: with no district row the
/// nearest serves, and `consulate_verified` is false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub county: Option<CountyRef>,
    /// The point lay in no county's simplified lines: the nearest county, this far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county_nearest_km: Option<f64>,
    /// The consulate whose district holds the county (or the nearest, unverified).
    pub consulate: Option<String>,
    /// The consulate is the district table's, with its source; false: the nearest, because
    /// the table has no row for this county or its state.
    pub consulate_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consulate_source: Option<tables::Source>,
    pub field_office: Option<Sourced<String>>,
    pub district: Option<Sourced<District>>,
    pub circuit: Option<Sourced<Circuit>>,
    /// The immigration court, when a case or facility names it (no table maps it yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immigration_court: Option<String>,
    /// Who holds the person (the facility): the respondent of a habeas petition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<String>,
}

/// The counties and the tables, as loaded at start.
pub struct Jurisdictions {
    pub counties: &'static Counties,
    pub tables: Tables,
}

/// How a place's consulate was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutedBy {
    /// The consular district table holds the county (or its state).
    District,
    /// No row: the nearest consulate, as before districts were known.
    Nearest,
}

/// The tables an operator gave at start (`[jurisdiction] dir`), if any.
static INSTALLED: std::sync::OnceLock<Jurisdictions> = std::sync::OnceLock::new();

impl Jurisdictions {
    /// Makes `j` the tables every route and card uses from now on: called once at start,
    /// before the hub serves. A second call is refused (the first tables stay).
    pub fn install(j: Jurisdictions) -> Result<(), String> {
        INSTALLED
            .set(j)
            .map_err(|_| "the jurisdiction tables were already loaded".to_string())
    }

    /// The operator's tables when installed, else the shipped ones.
    pub fn current() -> &'static Jurisdictions {
        INSTALLED.get().unwrap_or_else(Jurisdictions::builtin)
    }

    /// The shipped tables, read once.
    pub fn builtin() -> &'static Jurisdictions {
        static J: std::sync::OnceLock<Jurisdictions> = std::sync::OnceLock::new();
        J.get_or_init(|| {
            Jurisdictions::from_texts(&Texts::builtin()).expect("the shipped tables read")
        })
    }

    pub fn from_texts(texts: &Texts) -> Result<Jurisdictions, String> {
        let counties = Counties::builtin();
        Ok(Jurisdictions {
            counties,
            tables: Tables::parse(texts, counties)?,
        })
    }

    /// The consulate whose district holds the county (`None` when the table has no row for
    /// it or its state, or names a consulate this hub does not run).
    fn district_row<'a>(
        &'a self,
        county: Option<&CountyRef>,
        consulates: &[Consulate],
    ) -> Option<&'a Sourced<String>> {
        county
            .and_then(|c| self.tables.consular.get(c))
            .filter(|r| consulates.iter().any(|k| k.id == r.value))
    }

    /// The card of a point, the consulate among `consulates`.
    pub fn card(&self, at: Point, consulates: &[Consulate]) -> Card {
        let found = self.counties.find(at.lat, at.lon);
        let county = found.as_ref().map(|f| f.county.clone());
        let (consulate, verified, source) = match self.district_row(county.as_ref(), consulates) {
            Some(r) => (Some(r.value.clone()), true, Some(r.source.clone())),
            None => (
                super::consulate::nearest(consulates, at).map(|(c, _)| c.id.clone()),
                false,
                None,
            ),
        };
        Card {
            county_nearest_km: found.as_ref().and_then(|f| f.nearest_km),
            field_office: county
                .as_ref()
                .and_then(|c| self.tables.field_offices.get(c).cloned()),
            district: county
                .as_ref()
                .and_then(|c| self.tables.districts.get(c).cloned()),
            circuit: county
                .as_ref()
                .and_then(|c| self.tables.circuits.get(&c.state).cloned()),
            county,
            consulate,
            consulate_verified: verified,
            consulate_source: source,
            immigration_court: None,
            custodian: None,
        }
    }

    /// The consulate an alert or a call at `at` goes to, how far it is, and whether the
    /// district table chose it: the district's where the table holds the county, else the
    /// nearest.
    pub fn route<'a>(
        &self,
        at: Point,
        consulates: &'a [Consulate],
    ) -> Option<(&'a Consulate, f64, RoutedBy)> {
        let county = self.counties.find(at.lat, at.lon).map(|f| f.county);
        match self.district_row(county, consulates) {
            Some(row) => {
                let c = consulates.iter().find(|c| c.id == row.value)?;
                Some((
                    c,
                    super::geo::distance_km(at, c.point()),
                    RoutedBy::District,
                ))
            }
            None => {
                super::consulate::nearest(consulates, at).map(|(c, km)| (c, km, RoutedBy::Nearest))
            }
        }
    }
}

/// A case's card and what its last move cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCard {
    /// Where the person is held (the registry's facility they were last placed in), or where
    /// the alert came from when no placement names one.
    pub card: Card,
    /// The card is of a facility (`true`) or of the alert's place.
    pub held: bool,
    /// The bond rule binding the card's circuit for the person's entry category, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond: Option<rules::Rule>,
    /// Where habeas is filed, and on whose authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub habeas: Option<rules::Rule>,
    /// The custody clocks after a final order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_order: Vec<rules::Due>,
    /// The last transfer's alarm, when it moved the person across a line that matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<rules::Alarm>,
    /// The court's code of the language the person needs an interpreter in (`MIX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
}

/// The language the case's latest INTERPRETER_NEEDED checkpoint names (the court's code).
pub fn interpreter(case: &super::case::Case) -> Option<&str> {
    case.checkpoints
        .iter()
        .rev()
        .find(|c| c.code == super::checkpoint::CheckpointCode::InterpreterNeeded)?
        .fields
        .get("language")
        .map(String::as_str)
}

/// A place a person was held in, as the facility registry knows it (the registry names it by
/// code; `facility::Registry::held` makes these).
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub code: String,
    /// "ADELANTO ICE PROCESSING CENTER · ADELANTO, CA": the custodian a habeas names.
    pub label: String,
    pub at: Point,
}

impl Jurisdictions {
    /// The card of a place where people are held: its point's, the place as the custodian.
    pub fn held_card(&self, held: &Held, consulates: &[Consulate]) -> Card {
        Card {
            custodian: Some(held.label.clone()),
            ..self.card(held.at, consulates)
        }
    }

    /// The case's card, rules and alarm, from its placements (`held` finds a placement's
    /// facility by its code).
    pub fn case_card(
        &self,
        case: &super::case::Case,
        held: &dyn Fn(&str) -> Option<Held>,
        consulates: &[Consulate],
        rules: &rules::Rules,
        today: chrono::NaiveDate,
    ) -> CaseCard {
        use super::checkpoint::CheckpointCode as C;
        let placed: Vec<Held> = case
            .checkpoints
            .iter()
            .filter(|c| matches!(c.code, C::FacilityLocated | C::FacilityTransfer))
            .filter_map(|c| held(c.fields.get("facility_code")?))
            .collect();
        let (card, is_held) = match placed.last() {
            Some(h) => (self.held_card(h, consulates), true),
            None => (self.card(case.location.point(), consulates), false),
        };
        let circuit = card.circuit.as_ref().map_or("", |c| c.value.id.as_str());
        let alarm = match placed.as_slice() {
            [.., before, after] if before.code != after.code => {
                rules.transfer_alarm(case, &self.held_card(before, consulates), &card)
            }
            _ => None,
        };
        CaseCard {
            bond: rules::entry_of(case)
                .and_then(|who| rules.binding("bond", circuit, who))
                .cloned(),
            habeas: is_held
                .then(|| rules.binding("habeas_venue", circuit, "*").cloned())
                .flatten(),
            post_order: rules.post_order(case, today),
            alarm,
            interpreter: interpreter(case).map(str::to_string),
            card,
            held: is_held,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
