//! Known places and what they must resolve to, checked against the law and the courts' own
//! lists (28 U.S.C. §§ 84, 124, 90; 28 U.S.C. § 41), and routing at a district line.

use super::*;
use crate::domain::consulate::parse_csv;

fn consulates() -> Vec<Consulate> {
    parse_csv(crate::config::BUILTIN_CONSULATES).unwrap()
}

fn at(lat: f64, lon: f64) -> Point {
    Point { lat, lon }
}

struct Fact {
    place: &'static str,
    point: Point,
    fips: &'static str,
    district: &'static str,
    circuit: &'static str,
    field_office: &'static str,
}

fn facts() -> Vec<Fact> {
    vec![
        Fact {
            place: "Adelanto ICE Processing Center, San Bernardino County",
            point: at(34.55924, -117.44151),
            fips: "06071",
            district: "cacd",
            circuit: "9",
            field_office: "Los Angeles",
        },
        Fact {
            place: "Karnes County Residential Center, Karnes City, Texas",
            point: at(28.8814, -97.90787),
            fips: "48255",
            district: "txwd",
            circuit: "5",
            field_office: "San Antonio",
        },
        Fact {
            place: "Stewart Detention Center, Lumpkin, Stewart County, Georgia",
            point: at(32.03656, -84.77137),
            fips: "13259",
            district: "gamd",
            circuit: "11",
            field_office: "Atlanta",
        },
        Fact {
            place: "Otay Mesa Detention Center, San Diego County",
            point: at(32.57502, -116.91476),
            fips: "06073",
            district: "casd",
            circuit: "9",
            field_office: "San Diego",
        },
    ]
}

#[test]
fn known_places_resolve_to_their_county_district_circuit_and_field_office() {
    let j = Jurisdictions::builtin();
    assert!(j.tables.unmatched.is_empty(), "{:?}", j.tables.unmatched);
    for f in facts() {
        let card = j.card(f.point, &consulates());
        let county = card.county.as_ref().expect(f.place);
        assert_eq!(county.fips, f.fips, "{}", f.place);
        assert_eq!(
            card.district.as_ref().map(|d| d.value.code.as_str()),
            Some(f.district),
            "{}",
            f.place
        );
        assert_eq!(
            card.circuit.as_ref().map(|c| c.value.id.as_str()),
            Some(f.circuit),
            "{}",
            f.place
        );
        assert_eq!(
            card.field_office.as_ref().map(|o| o.value.as_str()),
            Some(f.field_office),
            "{}",
            f.place
        );
    }
}

#[test]
fn the_cards_words_name_the_district_and_circuit_in_both_languages() {
    let card = Jurisdictions::builtin().card(at(34.55924, -117.44151), &consulates());
    let d = card.district.unwrap().value;
    let c = card.circuit.unwrap().value;
    assert_eq!(d.name_en, "Central District of California");
    assert_eq!(d.name_es, "Distrito Central de California");
    assert_eq!(c.name_en, "Ninth Circuit");
    assert_eq!(c.name_es, "Noveno Circuito");
}

#[test]
fn an_alert_near_a_district_line_goes_to_the_districts_consulate_not_the_nearest() {
    let list = consulates();
    let j = Jurisdictions::builtin();
    // Corona, in Riverside County: Santa Ana's consulate is nearer, but Riverside County is
    // San Bernardino's district.
    let corona = at(33.8753, -117.5664);
    let nearest = crate::domain::consulate::nearest(&list, corona).unwrap().0;
    assert_eq!(nearest.id, "santa-ana");
    let (c, km, by) = j.route(corona, &list).unwrap();
    assert_eq!(c.id, "san-bernardino");
    assert_eq!(by, RoutedBy::District);
    assert!(km > 0.0);
    // Across the line in Orange County the table has no row: the nearest serves, unverified.
    let yorba_linda = at(33.8886, -117.8131);
    let (c, _, by) = j.route(yorba_linda, &list).unwrap();
    assert_eq!(c.id, "santa-ana");
    assert_eq!(by, RoutedBy::Nearest);
    let card = j.card(yorba_linda, &list);
    assert_eq!(card.county.unwrap().name, "Orange");
    assert!(!card.consulate_verified);
}

#[test]
fn a_county_row_overrides_its_states_row() {
    let j = Jurisdictions::builtin();
    // Upstate New York is Buffalo's field office; New York City is New York's.
    let albany = j.card(at(42.6526, -73.7562), &consulates());
    let manhattan = j.card(at(40.7831, -73.9712), &consulates());
    assert_eq!(albany.field_office.unwrap().value, "Buffalo");
    assert_eq!(manhattan.field_office.unwrap().value, "New York City");
}

#[test]
fn a_point_off_the_coast_takes_the_nearest_county_and_one_at_sea_none() {
    let j = Jurisdictions::builtin();
    // The end of the Santa Monica pier, past the simplified coastline.
    let pier = j.counties.find(34.0083, -118.4988).unwrap();
    assert_eq!(pier.county.fips, "06037");
    // Far out in the Pacific: no county, and no card claims one.
    assert!(j.counties.find(30.0, -130.0).is_none());
    let card = j.card(at(30.0, -130.0), &consulates());
    assert!(card.county.is_none() && card.district.is_none() && !card.consulate_verified);
}

#[test]
fn an_operators_table_replaces_the_shipped_one() {
    let mut texts = Texts::builtin();
    texts.consular =
        "consulate,state,county,source_url,as_of,note\nsanta-ana,CA,Riverside,memo 7,2026-12-01,\n"
            .into();
    let j = Jurisdictions::from_texts(&texts).unwrap();
    let list = consulates();
    let (c, _, by) = j.route(at(33.8753, -117.5664), &list).unwrap();
    assert_eq!((c.id.as_str(), by), ("santa-ana", RoutedBy::District));
    let card = j.card(at(33.8753, -117.5664), &consulates());
    assert_eq!(card.consulate_source.unwrap().as_of, "2026-12-01");
}

pub(crate) mod moves {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::Case;
    use crate::domain::case::tests::{checkpoint, raised};
    use crate::domain::checkpoint::CheckpointCode as C;
    use crate::domain::facility::Registry;
    use crate::domain::jurisdiction::rules::{Changed, Cost, Rules};

    fn today() -> chrono::NaiveDate {
        "2026-12-06".parse().unwrap()
    }

    /// Case `id`, held at Adelanto after entering without inspection, with habeas pending
    /// there: the console's tests open the same case.
    pub(crate) fn held_at_adelanto_with_habeas_pending(id: u64) -> Case {
        let mut case = Case::open(&raised(1, id, AlertKind::Detained, vec![])).unwrap();
        let steps: [(C, &[(&str, &str)]); 3] = [
            (
                C::FacilityLocated,
                &[("facility", "Adelanto"), ("facility_code", "ADLNTCA")],
            ),
            (
                C::BondIneligible,
                &[
                    ("basis", "entry_without_inspection"),
                    ("authority", "Matter of Yajure Hurtado, 29 I&N Dec. 216"),
                ],
            ),
            (
                C::HabeasFiled,
                &[("court", "C.D. Cal."), ("filed_on", "2026-11-20")],
            ),
        ];
        for (i, (code, fields)) in steps.into_iter().enumerate() {
            case.apply(&checkpoint(2 + i as u64, id, code, fields))
                .unwrap();
        }
        case
    }

    /// The same case after its move to Karnes, Texas.
    pub(crate) fn moved_to_karnes(id: u64) -> Case {
        let mut case = held_at_adelanto_with_habeas_pending(id);
        case.apply(&checkpoint(
            5,
            id,
            C::FacilityTransfer,
            &[("facility", "Karnes"), ("facility_code", "KRNRCTX")],
        ))
        .unwrap();
        case
    }

    #[test]
    fn moving_a_detainee_from_adelanto_to_karnes_raises_what_was_lost() {
        let j = Jurisdictions::builtin();
        let (registry, list, rules) = (Registry::default(), consulates(), Rules::builtin());
        let mut case = held_at_adelanto_with_habeas_pending(9);
        let before = j.case_card(&case, &|c| registry.held(c), &list, rules, today());
        assert!(before.held && before.alarm.is_none());
        assert!(
            before.bond.is_none(),
            "no binding rule in the Ninth Circuit's row"
        );
        assert_eq!(before.habeas.unwrap().holds, "district_of_confinement");
        assert!(before.card.custodian.unwrap().contains("ADELANTO"));
        case.apply(&checkpoint(
            5,
            9,
            C::FacilityTransfer,
            &[("facility", "Karnes"), ("facility_code", "KRNRCTX")],
        ))
        .unwrap();
        let after = j.case_card(&case, &|c| registry.held(c), &list, rules, today());
        let alarm = after.alarm.expect("a move across circuits raises an alarm");
        assert!(alarm.changed.iter().any(|c| matches!(c,
            Changed::Circuit { from, to } if from.code == "9" && to.es == "Quinto Circuito")));
        assert!(alarm.changed.iter().any(|c| matches!(c,
            Changed::District { from, to } if from.code == "cacd" && to.code == "txwd")));
        assert!(alarm.costs.iter().any(|c| matches!(c,
            Cost::BondRouteLost { rule, circuit } if rule.citation.contains("Buenrostro-Mendez") && circuit.en == "Fifth Circuit")));
        assert!(alarm.costs.iter().any(|c| matches!(c,
            Cost::HabeasRefile { from, to, .. } if from.code == "cacd" && to.code == "txwd")));
        assert_eq!(after.bond.unwrap().holds, "no_bond_hearing");
    }

    #[test]
    fn a_move_within_a_district_raises_nothing_and_one_without_habeas_costs_no_refiling() {
        let j = Jurisdictions::builtin();
        let (registry, list, rules) = (Registry::default(), consulates(), Rules::builtin());
        let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
        case.apply(&checkpoint(
            2,
            9,
            C::FacilityLocated,
            &[("facility", "Karnes"), ("facility_code", "KARNETX")],
        ))
        .unwrap();
        case.apply(&checkpoint(
            3,
            9,
            C::FacilityTransfer,
            &[("facility", "Karnes"), ("facility_code", "KRNRCTX")],
        ))
        .unwrap();
        assert!(
            j.case_card(&case, &|c| registry.held(c), &list, rules, today())
                .alarm
                .is_none()
        );
    }

    #[test]
    fn the_post_order_clocks_count_from_the_final_order() {
        let rules = Rules::builtin();
        let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
        case.apply(&checkpoint(
            2,
            9,
            C::RemovalOrder,
            &[("decided_on", "2026-10-01")],
        ))
        .unwrap();
        // Not appealed: final when the 30 days to appeal run out.
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(rules.final_order(&case), Some(day("2026-10-31")));
        // Not final yet the day before the window closes: no custody clock runs.
        assert!(rules.post_order(&case, day("2026-10-30")).is_empty());
        let due: Vec<(String, chrono::NaiveDate)> = rules
            .post_order(&case, day("2026-12-01"))
            .into_iter()
            .map(|d| (d.clock.clock, d.on))
            .collect();
        assert!(due.contains(&("removal_period_ends".into(), day("2027-01-29"))));
        assert!(due.contains(&("custody_review".into(), day("2027-01-29"))));
        assert!(due.contains(&("presumptive_limit".into(), day("2027-04-29"))));
        // An order made in absentia is final at once.
        let mut absent = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
        absent
            .apply(&checkpoint(
                2,
                9,
                C::RemovalOrder,
                &[("decided_on", "2026-10-01"), ("in_absentia", "yes")],
            ))
            .unwrap();
        assert_eq!(rules.final_order(&absent), Some(day("2026-10-01")));
        // Appealed to the Board: no clock until the Board decides.
        case.apply(&checkpoint(
            3,
            9,
            C::AppealFiled,
            &[("forum", "board"), ("received_on", "2026-10-20")],
        ))
        .unwrap();
        assert!(rules.post_order(&case, day("2026-12-01")).is_empty());
    }

    #[test]
    fn every_rule_row_has_a_date_and_a_citation() {
        let rules = Rules::builtin();
        assert!(!rules.rules.is_empty() && !rules.clocks.is_empty());
        for r in &rules.rules {
            assert!(
                !r.citation.is_empty() && r.source_url.starts_with("https://"),
                "{r:?}"
            );
        }
        for c in &rules.clocks {
            assert!(
                !c.citation.is_empty() && c.source_url.starts_with("https://"),
                "{c:?}"
            );
        }
    }
}
