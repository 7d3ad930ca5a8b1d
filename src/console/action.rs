//! Everything that can happen to the console: what the operator asked for and what the world
//! reported. Every task only sends these into the one inbox.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::records::{Draft, Pending};
use crate::api::{CasesResponse, LawyerInfo, Me};
use crate::domain::case::Case;
use crate::domain::event::{Event, EventKind};

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Live,
    /// Lost; retrying. `attempt` counts from 1.
    Reconnecting {
        attempt: u32,
        error: String,
    },
    /// The hub refused the token; retrying will not help until it changes.
    Refused(String),
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize,
    Tick(DateTime<Utc>),
    /// A fresh snapshot: replaces every case (first load and after a resync).
    Snapshot {
        me: Me,
        snapshot: CasesResponse,
    },
    HubEvent(Box<Event>),
    Connection(Connection),
    /// The stream is open on hub `index` (from 0) of the `count` the console was given.
    Hub {
        index: usize,
        count: usize,
    },
    /// The outbox's state: actions not yet accepted, and refusals not yet dismissed.
    Outbox {
        /// The cases with actions saved and not yet accepted.
        waiting: Vec<u64>,
        refused: Vec<Pending>,
    },
    Notice(Notice),
    Lawyers(Vec<LawyerInfo>),
    Consulates(Vec<crate::domain::consulate::Consulate>),
    /// The shift tab's contents, loaded.
    ShiftLoaded(Box<crate::console::records::ShiftPanel>),
    /// Facilities staff added or corrected, laid over the shipped list.
    Facilities(Vec<crate::domain::facility::Facility>),
    /// A case fetched on its own (newly assigned to this lawyer, say).
    CaseLoaded(Box<Case>),
    /// A case's jurisdiction card, read with the case.
    CardLoaded(u64, Box<crate::domain::jurisdiction::CaseCard>),
    /// Fetching that case failed; the next snapshot will bring it.
    CaseUnavailable(u64),
    /// The cases the hub found for a search (by phone or matrícula, which rows do not carry).
    Found {
        query: String,
        ids: Vec<u64>,
    },
    /// Enrolled people with an intake caller's number (`None`: the hub could not be asked).
    Candidates(Option<Vec<crate::api::Candidate>>),
}

/// What happened to an action the operator took, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Applied {
        case_id: u64,
        kind: EventKind,
        /// For an intake: the consulate the case went to.
        consulate: Option<String>,
    },
    /// An intake the hub routed to another consulate (the one nearest the person): it will not
    /// be in this list, so the officer is told where it is.
    RoutedElsewhere {
        case_id: u64,
        consulate: String,
    },
    /// An intake that became a case here.
    CallTaken {
        case_id: u64,
    },
    /// The hub is unreachable; the action is saved and will be sent.
    Held {
        case_id: u64,
        kind: EventKind,
    },
    Refused {
        case_id: u64,
        kind: EventKind,
    },
    /// The console moved to another hub (`number` counts from 1), the last one having failed.
    OnHub {
        number: usize,
        of: usize,
    },
    /// The outbox file could not be written: the action was not taken.
    NotSaved {
        case_id: u64,
        kind: EventKind,
        error: String,
    },
    /// Protection work (no case): what became of it, said by its task.
    Work {
        task: crate::domain::work::WorkVerb,
        state: WorkState,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkState {
    Done,
    /// Done, leaving these cases where they were: another raid holds them.
    Skipped(Vec<u64>),
    /// Offline: saved, will be sent.
    Held,
    /// The hub said no (`!` shows why).
    Refused,
    /// The outbox could not be written: nothing was done.
    NotSaved(String),
}

/// Effects `update` asks for; the executor performs them.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Bell,
    /// Three strokes: someone cancelled under duress.
    DuressBell,
    Quit,
    /// Save to the outbox, then send.
    Submit(Draft),
    /// Protection work (a visit, an incident, the roster): saved to the outbox, then sent.
    Record(crate::domain::work::WorkCommand),
    FlushOutbox,
    Dismiss(String),
    FetchLawyers,
    FetchConsulates,
    FetchFacilities,
    /// Load the shift tab: the handover, and for supervisors the incidents and figures.
    FetchShift,
    FetchCase(u64),
    /// Ask the hub which cases a search means (a phone number, a matrícula).
    FindOnHub(String),
    /// Who is enrolled with this (normalised) phone number, for an intake.
    FetchCandidates(String),
    /// Write the drafts list (the whole of it) beside the outbox.
    SaveDrafts(Vec<crate::console::records::FormDraft>),
}
