//! Checklists the console walks an officer through when a minor is in custody or a person died
//! or was hurt in custody. A list opens with its checkpoint (`MINOR_IN_CUSTODY`,
//! `HARM_IN_CUSTODY`); each step is closed by a `CHECKLIST_STEP` checkpoint naming it, so the
//! record of who did each step and when is the log, like everything else. Pure: derived from the
//! case alone.

use super::case::Case;
use super::checkpoint::CheckpointCode;

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    Minor,
    Death,
    Injury,
    /// A person no one can find (`NOT_LOCATED`), until they are (`domain::locate`).
    Search,
}

/// Steps after a death in custody, in the order they are done.
pub const DEATH: &[&str] = &[
    "next_of_kin_notified",
    "official_cause_requested",
    "official_cause_received",
    "remains_repatriation",
    "investigation_requested",
    "diplomatic_note_sent",
];

/// Steps after an injury in custody.
pub const INJURY: &[&str] = &[
    "next_of_kin_notified",
    "medical_report_requested",
    "investigation_requested",
    "diplomatic_note_sent",
];

/// Steps for a minor in custody. An unaccompanied Mexican child must be screened within 48 hours
/// and, unless returned, handed to the Office of Refugee Resettlement within 72 (8 U.S.C. 1232);
/// DIF receives children who are returned.
pub const MINOR: &[&str] = &[
    "guardian_notified",
    "screening_confirmed",
    "orr_placement_confirmed",
    "lawyer_confirmed",
    "dif_notified",
];

/// Every step code, for the `step` field's choices: kept with the checkpoint's fields, which
/// every checkpoint's checks read, so that the fields need not know the lists.
pub use super::checkpoint::CHECKLIST_STEPS as ALL_STEPS;

impl ListKind {
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            ListKind::Minor => MINOR,
            ListKind::Death => DEATH,
            ListKind::Injury => INJURY,
            ListKind::Search => super::locate::STEPS,
        }
    }
}

/// A list as it stands on a case: each step with whether it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub kind: ListKind,
    /// The checkpoint that opened it.
    pub from_seq: u64,
    pub steps: Vec<(&'static str, bool)>,
}

impl Checklist {
    /// The first step not yet done: what the console offers next.
    pub fn next_step(&self) -> Option<&'static str> {
        self.steps.iter().find(|(_, done)| !done).map(|(s, _)| *s)
    }

    pub fn done(&self) -> usize {
        self.steps.iter().filter(|(_, d)| *d).count()
    }
}

/// The case's open lists, in the order they were opened. A death logged after an injury opens
/// the death list too (a step done for the injury, like telling next of kin, counts for both:
/// a step is done once for the case).
pub fn lists(case: &Case) -> Vec<Checklist> {
    let done: Vec<&str> = case
        .checkpoints
        .iter()
        .filter(|c| c.code == CheckpointCode::ChecklistStep)
        .filter_map(|c| c.fields.get("step").map(String::as_str))
        .collect();
    let mut out: Vec<Checklist> = Vec::new();
    for c in &case.checkpoints {
        let kind = match c.code {
            CheckpointCode::MinorInCustody => ListKind::Minor,
            CheckpointCode::HarmInCustody => match c.fields.get("harm").map(String::as_str) {
                Some("death") => ListKind::Death,
                _ => ListKind::Injury,
            },
            // Open only while the search is: a placement, a release or a closing ends it.
            CheckpointCode::NotLocated if case.search.is_some() => ListKind::Search,
            _ => continue,
        };
        if out.iter().any(|l| l.kind == kind) {
            continue;
        }
        out.push(Checklist {
            kind,
            from_seq: c.seq,
            steps: kind
                .steps()
                .iter()
                .map(|s| (*s, done.contains(s)))
                .collect(),
        });
    }
    out
}

/// Whether the step belongs to any of the case's open lists (the console offers only these).
pub fn offered(case: &Case) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for l in lists(case) {
        for (s, done) in l.steps {
            if !done && !out.contains(&s) {
                out.push(s);
            }
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
    fn every_step_of_every_list_is_a_choice_of_the_step_field() {
        for kind in [
            ListKind::Minor,
            ListKind::Death,
            ListKind::Injury,
            ListKind::Search,
        ] {
            for s in kind.steps() {
                assert!(ALL_STEPS.contains(s), "{s}");
            }
        }
    }

    #[test]
    fn a_death_opens_its_list_and_steps_close_in_any_order() {
        let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
        assert!(lists(&case).is_empty());
        case.apply(&checkpoint(
            2,
            9,
            CheckpointCode::HarmInCustody,
            &[("harm", "death"), ("occurred_on", "2026-11-20")],
        ))
        .unwrap();
        let l = &lists(&case)[0];
        assert_eq!(l.kind, ListKind::Death);
        assert_eq!(l.next_step(), Some("next_of_kin_notified"));
        case.apply(&checkpoint(
            3,
            9,
            CheckpointCode::ChecklistStep,
            &[("step", "official_cause_requested")],
        ))
        .unwrap();
        case.apply(&checkpoint(
            4,
            9,
            CheckpointCode::ChecklistStep,
            &[("step", "next_of_kin_notified")],
        ))
        .unwrap();
        let l = &lists(&case)[0];
        assert_eq!(l.done(), 2);
        assert_eq!(l.next_step(), Some("official_cause_received"));
        assert!(!offered(&case).contains(&"next_of_kin_notified"));
        assert!(offered(&case).contains(&"diplomatic_note_sent"));
    }

    #[test]
    fn a_minor_has_its_own_list() {
        let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
        case.apply(&checkpoint(
            2,
            9,
            CheckpointCode::MinorInCustody,
            &[("accompanied", "unaccompanied")],
        ))
        .unwrap();
        let l = lists(&case);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].kind, ListKind::Minor);
        assert_eq!(l[0].next_step(), Some("guardian_notified"));
    }
}
