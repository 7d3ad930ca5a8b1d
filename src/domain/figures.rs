//! The figures headquarters publishes, for a period and optionally one consulate, folded from
//! the log: people assisted (consent accepted), alerts, raids and the people detained in them,
//! visits, lawyers' advisories, released, removed, deaths in custody, diplomatic notes, and
//! three median times. Pure: events in, figures out; the hub feeds it the log in order.
//!
//! What counts when: a checkpoint on the day it happened, anything else on the day the hub
//! recorded it; days are UTC and both ends of the period are included. A case counts for the
//! consulate that had it when the thing happened. An advisory is a case given to a lawyer.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::alert::AlertKind;
use super::checkpoint::{CheckpointCode as C, CloseOutcome};
use super::event::{Event, EventBody, IncidentChange};
use super::triage::Consent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub consulate: Option<String>,
}

impl Period {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        let day = at.date_naive();
        self.from <= day && day <= self.to
    }

    fn ours(&self, consulate: &str) -> bool {
        self.consulate.as_deref().is_none_or(|c| c == consulate)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub people_assisted: u64,
    pub alerts: u64,
    pub raids: u64,
    pub detained_in_raids: u64,
    pub visits: u64,
    pub advisories: u64,
    pub released: u64,
    pub removed: u64,
    pub deaths_in_custody: u64,
    pub diplomatic_notes: u64,
    /// Searches for people not located begun in the period.
    #[serde(default)]
    pub not_located: u64,
    /// Press to acknowledged, in minutes.
    pub median_ack_minutes: Option<f64>,
    /// Detention confirmed to consular notification received, in hours.
    pub median_notification_hours: Option<f64>,
    /// Detention confirmed to a lawyer assigned, in hours.
    pub median_lawyer_hours: Option<f64>,
    /// For people not located: alert to located (placed, released or removed), in hours.
    #[serde(default)]
    pub median_located_hours: Option<f64>,
    /// Cases that needed an interpreter, by the court's language code (`MIX`), counted once
    /// per case and language.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub interpreters: std::collections::BTreeMap<String, u64>,
    /// Watched appointments that started in the period, by place and kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appointments: Vec<AppointmentCount>,
}

/// Watched appointments of one place and kind: how many, and how many nobody came out of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentCount {
    /// The facility's code in the registry; empty for places the person named (those stay
    /// sealed under their key: the figures never open them).
    pub place: String,
    pub kind: super::appointment::AppointmentKind,
    pub watched: u64,
    pub missed: u64,
}

impl Figures {
    /// Each figure as printed, in the order of `i18n::work::FIGURES`: counts as they are,
    /// medians with one decimal, "—" for a median of nothing.
    pub fn printed(&self) -> Vec<String> {
        let counts = [
            self.people_assisted,
            self.alerts,
            self.raids,
            self.detained_in_raids,
            self.visits,
            self.advisories,
            self.released,
            self.removed,
            self.deaths_in_custody,
            self.diplomatic_notes,
            self.not_located,
        ];
        let medians = [
            self.median_ack_minutes,
            self.median_notification_hours,
            self.median_lawyer_hours,
            self.median_located_hours,
        ];
        counts
            .iter()
            .map(|n| n.to_string())
            .chain(
                medians
                    .iter()
                    .map(|m| m.map_or("—".to_string(), |v| format!("{v:.1}"))),
            )
            .collect()
    }
}

#[derive(Debug, Default)]
struct CaseFacts {
    consulate: String,
    person: i64,
    pressed_at: Option<DateTime<Utc>>,
    detained: bool,
    detained_at: Option<DateTime<Utc>>,
    lawyer_at: Option<DateTime<Utc>>,
    acknowledged: bool,
    notified: bool,
    lawyer_sampled: bool,
    /// When a search for the person began, until they were located.
    missing: bool,
    located_sampled: bool,
}

/// Folds events, in log order, into the figures of a period.
#[derive(Debug)]
pub struct Folder {
    period: Period,
    cases: HashMap<u64, CaseFacts>,
    /// Incidents opened in the period, with their cases.
    incidents: HashMap<u64, Vec<u64>>,
    assisted: HashSet<i64>,
    released: HashSet<u64>,
    removed: HashSet<u64>,
    deaths: HashSet<u64>,
    interpreters: HashSet<(String, u64)>,
    out: Figures,
    ack: Vec<f64>,
    notification: Vec<f64>,
    lawyer: Vec<f64>,
    located: Vec<f64>,
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 3600.0
}

pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

impl Folder {
    pub fn new(period: Period) -> Folder {
        Folder {
            period,
            cases: HashMap::new(),
            incidents: HashMap::new(),
            assisted: HashSet::new(),
            released: HashSet::new(),
            removed: HashSet::new(),
            deaths: HashSet::new(),
            interpreters: HashSet::new(),
            out: Figures::default(),
            ack: Vec::new(),
            notification: Vec::new(),
            lawyer: Vec::new(),
            located: Vec::new(),
        }
    }

    pub fn event(&mut self, e: &Event) {
        let p = &self.period;
        let in_period = p.covers(e.at);
        let ours = p.ours(&e.consulate);
        match &e.body {
            EventBody::AlertRaised(r) => {
                self.cases.insert(
                    e.case_id,
                    CaseFacts {
                        consulate: e.consulate.clone(),
                        person: if r.registrant_id > 0 {
                            r.registrant_id
                        } else {
                            -(e.case_id as i64)
                        },
                        pressed_at: Some(r.pressed_at),
                        detained: r.kind == AlertKind::Detained,
                        ..CaseFacts::default()
                    },
                );
                if in_period && ours {
                    self.out.alerts += 1;
                }
            }
            EventBody::VisitLogged(v) if in_period && p.ours(&v.visit.consulate) => {
                self.out.visits += 1;
            }
            EventBody::IncidentRecorded(i) => match &i.change {
                IncidentChange::Opened { cases, .. } if in_period => {
                    self.incidents.insert(i.incident_id, cases.clone());
                }
                IncidentChange::CasesAdded { cases } => {
                    if let Some(list) = self.incidents.get_mut(&i.incident_id) {
                        list.extend(cases);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        if e.case_id == 0 {
            return;
        }
        let Some(case) = self.cases.get_mut(&e.case_id) else {
            return;
        };
        case.consulate = e.consulate.clone();
        match &e.body {
            EventBody::TriageRecorded(t) if t.consent == Consent::Accepted && in_period && ours => {
                self.assisted.insert(case.person);
            }
            EventBody::CaseAcknowledged if !case.acknowledged => {
                case.acknowledged = true;
                if let (true, true, Some(pressed)) = (in_period, ours, case.pressed_at) {
                    self.ack.push(hours(pressed, e.at) * 60.0);
                }
            }
            EventBody::LawyerAssigned(_) => {
                if in_period && ours {
                    self.out.advisories += 1;
                }
                if case.lawyer_at.is_none() {
                    case.lawyer_at = Some(e.at);
                    if let (true, true, Some(d), false) =
                        (in_period, ours, case.detained_at, case.lawyer_sampled)
                    {
                        case.lawyer_sampled = true;
                        self.lawyer.push(hours(d, e.at));
                    }
                }
            }
            EventBody::CaseClosed(c) if in_period && ours => match c.outcome {
                CloseOutcome::ReleasedOnBond | CloseOutcome::ReleasedOnRecognizance => {
                    self.released.insert(e.case_id);
                }
                CloseOutcome::Removed => {
                    self.removed.insert(e.case_id);
                }
                _ => {}
            },
            EventBody::CheckpointLogged(c) => {
                let happened = self.period.covers(c.happened_at) && ours;
                let field = |k: &str| c.fields.get(k).map(String::as_str);
                // Alert to located, once per person searched for, as the case fold ends a search.
                let located = matches!(
                    c.code,
                    C::FacilityLocated | C::FacilityTransfer | C::Released | C::Removed
                );
                if c.code == C::NotLocated && !case.missing && !case.located_sampled {
                    case.missing = true;
                    if happened {
                        self.out.not_located += 1;
                    }
                } else if located && case.missing {
                    case.missing = false;
                    case.located_sampled = true;
                    if let (true, Some(pressed)) = (happened, case.pressed_at) {
                        self.located.push(hours(pressed, c.happened_at));
                    }
                }
                match c.code {
                    C::DetentionConfirmed => {
                        case.detained = true;
                        if case.detained_at.is_none() {
                            case.detained_at = Some(c.happened_at);
                            // A lawyer already on the case: they were there when it counted.
                            if let (true, Some(_), false) =
                                (happened, case.lawyer_at, case.lawyer_sampled)
                            {
                                case.lawyer_sampled = true;
                                self.lawyer.push(0.0);
                            }
                        }
                    }
                    C::ConsularNotification if !case.notified => {
                        case.notified = true;
                        if let (true, Some(d)) = (happened, case.detained_at) {
                            self.notification.push(hours(d, c.happened_at));
                        }
                    }
                    C::Released if happened => {
                        self.released.insert(e.case_id);
                    }
                    C::Removed if happened => {
                        self.removed.insert(e.case_id);
                    }
                    C::InterpreterNeeded if happened => {
                        if let Some(code) = field("language") {
                            self.interpreters.insert((code.to_string(), e.case_id));
                        }
                    }
                    C::HarmInCustody if happened && field("harm") == Some("death") => {
                        self.deaths.insert(e.case_id);
                    }
                    C::ChecklistStep
                        if happened && field("step") == Some("diplomatic_note_sent") =>
                    {
                        self.out.diplomatic_notes += 1;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    pub fn finish(self) -> Figures {
        let mut out = self.out;
        for (code, _) in &self.interpreters {
            *out.interpreters.entry(code.clone()).or_default() += 1;
        }
        let p = &self.period;
        for cases in self.incidents.values() {
            let ours: Vec<&CaseFacts> = cases
                .iter()
                .filter_map(|id| self.cases.get(id))
                .filter(|c| p.ours(&c.consulate))
                .collect();
            if ours.is_empty() {
                continue;
            }
            out.raids += 1;
            out.detained_in_raids += ours.iter().filter(|c| c.detained).count() as u64;
        }
        out.people_assisted = self.assisted.len() as u64;
        out.released = self.released.len() as u64;
        out.removed = self.removed.len() as u64;
        out.deaths_in_custody = self.deaths.len() as u64;
        out.median_ack_minutes = median(self.ack);
        out.median_notification_hours = median(self.notification);
        out.median_lawyer_hours = median(self.lawyer);
        out.median_located_hours = median(self.located);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::tests::{checkpoint, raised, staff_event};

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn a_period_counts_what_happened_in_it_for_its_consulate() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let mut f = Folder::new(Period {
            from: day(22),
            to: day(22),
            consulate: Some("los-angeles".into()),
        });
        f.event(&raised(1, 9, AlertKind::Detained, vec![]));
        f.event(&staff_event(2, 9, EventBody::CaseAcknowledged));
        f.event(&checkpoint(
            3,
            9,
            C::DetentionConfirmed,
            &[("agency", "ice_ero")],
        ));
        f.event(&checkpoint(4, 9, C::Removed, &[]));
        f.event(&checkpoint(5, 9, C::HarmInCustody, &[("harm", "injury")]));
        let out = f.finish();
        assert_eq!(out.alerts, 1);
        assert_eq!(out.removed, 1);
        assert_eq!(out.deaths_in_custody, 0, "an injury is not a death");
        assert!(out.median_ack_minutes.is_some());
        let mut other = Folder::new(Period {
            from: day(22),
            to: day(22),
            consulate: Some("chicago".into()),
        });
        other.event(&raised(1, 9, AlertKind::Detained, vec![]));
        assert_eq!(other.finish().alerts, 0);
    }
}
