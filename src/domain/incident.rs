//! Raids as incidents: alerts clustered in place and time (the cluster rule of
//! [`super::cluster`]) or grouped by a supervisor become one incident, with its cases, its place
//! and time span, the consulates involved and running counts. Case work stays per person; an
//! incident only groups. Pure: the incident and its cases in, figures out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::case::{Case, CaseStatus};
use super::checkpoint::{CheckpointCode, CloseOutcome};
use super::cluster::Cluster;
use super::event::IncidentChange;
use super::geo::Point;

/// Most cases a supervisor may group by hand in one request.
pub const MAX_CASES: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: u64,
    /// Given by a supervisor; empty until then.
    pub name: String,
    pub by_rule: bool,
    pub opened_at: DateTime<Utc>,
    /// Case ids, in the order they joined.
    pub cases: Vec<u64>,
}

impl Incident {
    /// The incident a change makes of it (`None` before it was opened).
    pub fn apply(
        current: Option<Incident>,
        id: u64,
        change: &IncidentChange,
        at: DateTime<Utc>,
    ) -> Option<Incident> {
        match (current, change) {
            (
                None,
                IncidentChange::Opened {
                    cases,
                    name,
                    by_rule,
                },
            ) => Some(Incident {
                id,
                name: name.clone(),
                by_rule: *by_rule,
                opened_at: at,
                cases: cases.clone(),
            }),
            (Some(mut i), IncidentChange::Named { name }) => {
                i.name = name.clone();
                Some(i)
            }
            (Some(mut i), IncidentChange::CasesAdded { cases }) => {
                for c in cases {
                    if !i.cases.contains(c) {
                        i.cases.push(*c);
                    }
                }
                Some(i)
            }
            (other, _) => other,
        }
    }
}

/// An incident's running figures, from its cases as they stand now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub alerts: usize,
    /// People confirmed or reported detained.
    pub detained: usize,
    pub released: usize,
    pub with_lawyer: usize,
    pub open: usize,
    /// Consulates with a case in it, each once, in order of first case.
    pub consulates: Vec<String>,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    /// The mean of its placed alerts' positions.
    pub center: Option<(f64, f64)>,
}

fn has(case: &Case, code: CheckpointCode) -> bool {
    case.checkpoints.iter().any(|c| c.code == code)
}

pub fn detained(case: &Case) -> bool {
    case.kind == super::alert::AlertKind::Detained || has(case, CheckpointCode::DetentionConfirmed)
}

pub fn released(case: &Case) -> bool {
    has(case, CheckpointCode::Released)
        || case.closed.as_ref().is_some_and(|c| {
            matches!(
                c.outcome,
                CloseOutcome::ReleasedOnBond | CloseOutcome::ReleasedOnRecognizance
            )
        })
}

pub fn with_lawyer(case: &Case) -> bool {
    case.assigned_lawyer.is_some() || has(case, CheckpointCode::RepresentativeAssigned)
}

pub fn tally<'a>(cases: impl IntoIterator<Item = &'a Case>) -> Tally {
    let mut t = Tally {
        alerts: 0,
        detained: 0,
        released: 0,
        with_lawyer: 0,
        open: 0,
        consulates: Vec::new(),
        first_at: None,
        last_at: None,
        center: None,
    };
    let (mut lat, mut lon, mut placed) = (0.0, 0.0, 0usize);
    for c in cases {
        t.alerts += 1;
        t.detained += usize::from(detained(c));
        t.released += usize::from(released(c));
        t.with_lawyer += usize::from(with_lawyer(c));
        t.open += usize::from(c.status != CaseStatus::Closed);
        if !t.consulates.contains(&c.consulate) {
            t.consulates.push(c.consulate.clone());
        }
        t.first_at = Some(t.first_at.map_or(c.pressed_at, |f| f.min(c.pressed_at)));
        t.last_at = Some(t.last_at.map_or(c.pressed_at, |l| l.max(c.pressed_at)));
        if c.located() {
            let p: Point = c.location.point();
            lat += p.lat;
            lon += p.lon;
            placed += 1;
        }
    }
    if placed > 0 {
        t.center = Some((lat / placed as f64, lon / placed as f64));
    }
    t
}

/// An incident with its running figures, as the hub shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    pub tally: Tally,
}

impl IncidentView {
    /// The incident as a reader who may see only some of its cases gets it: the counts are the
    /// whole raid's (how many, how many detained: nothing personal, and what a consulate needs
    /// to know it is not alone), but the case numbers are only those they may open and the centre
    /// is of their own cases' positions, rounded to 0.01° (about a kilometre), as positions are
    /// outside the owning consulate. A centre drawn from another consulate's cases would give
    /// back where a person is whose case answers 404 to this reader.
    pub fn for_reader(
        mut incident: Incident,
        cases: &[Case],
        visible: impl Fn(&Case) -> bool,
    ) -> IncidentView {
        let mut tally = tally(cases);
        let own: Vec<&Case> = cases.iter().filter(|c| visible(c)).collect();
        tally.center = self::tally(own.iter().copied())
            .center
            .map(|(lat, lon)| ((lat * 100.0).round() / 100.0, (lon * 100.0).round() / 100.0));
        incident.cases.retain(|id| own.iter().any(|c| c.id == *id));
        IncidentView { incident, tally }
    }
}

/// What the cluster rule asks of the incidents: for each cluster, open an incident when none
/// of its cases is in one, else add its other cases to the incident (the oldest, when its
/// cases are in several) that holds some. `member_of` says which incident a case is in.
pub fn from_clusters(
    clusters: &[Cluster],
    member_of: impl Fn(u64) -> Option<u64>,
) -> Vec<(Option<u64>, IncidentChange)> {
    let mut out = Vec::new();
    for cluster in clusters {
        let holding = cluster.ids.iter().filter_map(|id| member_of(*id)).min();
        let loose: Vec<u64> = cluster
            .ids
            .iter()
            .copied()
            .filter(|id| member_of(*id).is_none())
            .collect();
        match holding {
            None => out.push((
                None,
                IncidentChange::Opened {
                    cases: loose,
                    name: String::new(),
                    by_rule: true,
                },
            )),
            Some(id) if !loose.is_empty() => {
                out.push((Some(id), IncidentChange::CasesAdded { cases: loose }))
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{checkpoint, raised};

    #[test]
    fn a_reader_gets_the_raids_counts_but_only_their_own_cases_and_a_rounded_centre() {
        let mut mine = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        mine.location.lat = 34.052_234_56;
        mine.location.lon = -118.243_685_12;
        let mut theirs = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        theirs.consulate = "santa-ana".into();
        theirs.location.lat = 33.745_571_23;
        theirs.location.lon = -117.867_833_91;
        let incident = Incident {
            id: 1,
            name: String::new(),
            by_rule: true,
            opened_at: mine.pressed_at,
            cases: vec![1, 2],
        };
        let view =
            IncidentView::for_reader(incident, &[mine, theirs], |c| c.consulate == "los-angeles");
        assert_eq!(view.tally.alerts, 2, "the whole raid is counted");
        assert_eq!(
            view.incident.cases,
            [1],
            "another consulate's case number is not given"
        );
        assert_eq!(
            view.tally.center,
            Some((34.05, -118.24)),
            "the centre is of the reader's own cases, to about a kilometre"
        );
    }

    fn cluster(ids: &[u64]) -> Cluster {
        Cluster {
            center: Point {
                lat: 34.0,
                lon: -118.2,
            },
            ids: ids.to_vec(),
        }
    }

    #[test]
    fn a_new_cluster_opens_an_incident_and_a_growing_one_joins_it() {
        let none = from_clusters(&[cluster(&[1, 2, 3])], |_| None);
        assert_eq!(
            none,
            vec![(
                None,
                IncidentChange::Opened {
                    cases: vec![1, 2, 3],
                    name: String::new(),
                    by_rule: true
                }
            )]
        );
        let member = |id: u64| (id <= 3).then_some(7);
        let grown = from_clusters(&[cluster(&[1, 2, 3, 4])], member);
        assert_eq!(
            grown,
            vec![(Some(7), IncidentChange::CasesAdded { cases: vec![4] })]
        );
        assert!(from_clusters(&[cluster(&[1, 2, 3])], member).is_empty());
    }

    #[test]
    fn the_tally_counts_each_case_by_where_it_stands() {
        let mut a = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
        let b = Case::open(&raised(2, 2, AlertKind::Detained, vec![])).unwrap();
        let mut c = Case::open(&raised(3, 3, AlertKind::Imminent, vec![])).unwrap();
        a.apply(&checkpoint(
            4,
            1,
            CheckpointCode::DetentionConfirmed,
            &[("agency", "ice_ero")],
        ))
        .unwrap();
        a.apply(&checkpoint(
            5,
            1,
            CheckpointCode::Released,
            &[("release_type", "bond")],
        ))
        .unwrap();
        c.apply(&checkpoint(
            6,
            3,
            CheckpointCode::RepresentativeAssigned,
            &[],
        ))
        .unwrap();
        let t = tally([&a, &b, &c]);
        assert_eq!(
            (t.alerts, t.detained, t.released, t.with_lawyer),
            (3, 2, 1, 1)
        );
        assert_eq!(t.consulates, vec!["los-angeles".to_string()]);
        assert!(t.center.is_some());
    }
}
