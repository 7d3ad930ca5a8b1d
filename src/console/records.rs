//! The console's plain records: what several of its parts share (pending actions, drafts, the
//! shift tab's panel, tabs and sort orders). Data only, importing nothing else of the console, so
//! behaviour modules import these and never each other for a type.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{Conflict, FieldProblem};
use crate::domain::case::Case;
use crate::domain::command::{CaseCommand, Refusal, Request, Verb};
use crate::domain::event::EventKind;
use crate::domain::staff::Role;

/// An action as `update` produces it: no key yet (keys are random, and update is pure).
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub case_id: u64,
    /// The case version the operator saw when deciding.
    pub version: u64,
    pub request: CaseCommand,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PendingState {
    Waiting,
    /// The hub refused it; kept until the operator dismisses it.
    Refused {
        status: u16,
        /// The hub's machine-readable code (`case_changed`, `invalid_field`, ...).
        #[serde(default)]
        error: String,
        /// The hub's own words, kept for the record; people read the codes through `i18n`.
        message: String,
        case: Option<Box<Case>>,
        #[serde(default)]
        reason: Option<Conflict>,
        #[serde(default)]
        field: Option<FieldProblem>,
        /// What happened since that changes the action's meaning, by whom.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        changed: Option<Box<crate::domain::command::ChangedBy>>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub key: String,
    /// 0 for protection work (no case).
    pub case_id: u64,
    pub version: u64,
    pub request: Request,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub state: PendingState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    Urgency,
    Proximity,
    Age,
    /// Nearest deadline or hearing first: the lawyer's order.
    Deadline,
}

impl SortMode {
    pub fn next(self) -> SortMode {
        match self {
            SortMode::Urgency => SortMode::Proximity,
            SortMode::Proximity => SortMode::Age,
            SortMode::Age => SortMode::Deadline,
            SortMode::Deadline => SortMode::Urgency,
        }
    }
}

/// The views, one per kind of work. Which ones a console shows depends on the token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The duty officer's live queue.
    Queue,
    /// A lawyer's own cases.
    MyCases,
    /// The supervisor's backlog.
    Backlog,
    /// The shift: what the next shift inherits, the incidents, the figures.
    Shift,
}

pub fn tabs(role: Option<Role>) -> &'static [Tab] {
    match role {
        Some(Role::Lawyer) => &[Tab::MyCases],
        Some(Role::Supervisor) => &[Tab::Backlog, Tab::Queue, Tab::Shift],
        Some(Role::Officer) => &[Tab::Queue, Tab::Shift],
        _ => &[Tab::Queue],
    }
}

/// The shift tab's contents, as the hub last gave them (loaded on entering the tab). What the
/// caller may not see is left empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShiftPanel {
    pub handover: Option<crate::domain::handover::Handover>,
    pub incidents: Vec<crate::domain::incident::IncidentView>,
    /// Visits still to be made in the next 30 days (and overdue ones), soonest first.
    pub plans: Vec<crate::domain::visit::PlannedVisit>,
    /// The consulate's roster (a national supervisor has none of their own).
    pub duty: Option<crate::domain::roster::DutyView>,
    /// The appointments the consulate watches in the next 24 hours (its officers and
    /// supervisors only; empty for everyone else).
    pub appointments: Vec<crate::domain::appointment::Appointment>,
    /// The figures of the last 30 days, for supervisors.
    pub figures: Option<(
        chrono::NaiveDate,
        chrono::NaiveDate,
        crate::domain::figures::Figures,
    )>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDraft {
    /// 0 for a call being taken (no case yet).
    pub case_id: u64,
    pub verb: Verb,
    /// Protection work (case 0): which task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<crate::domain::work::WorkVerb>,
    /// The picker's choice (a checkpoint code, an outcome, a consulate id), if one was made.
    #[serde(default)]
    pub chosen: Option<String>,
    /// (field name, text as typed), in the form's order.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
    pub saved_at: DateTime<Utc>,
}

/// What the status line tells the operator: data, put in their language when drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Sending {
        case_id: u64,
        kind: EventKind,
    },
    /// Protection work on its way to the outbox.
    SendingWork(crate::domain::work::WorkVerb),
    /// The rule book said no to protection work, here, before anything was sent.
    WorkRefused {
        task: crate::domain::work::WorkVerb,
        refusal: Refusal,
    },
    NotPermitted,
    NoCaseSelected,
    /// The rule book said no, here, before anything was sent.
    Refused {
        case_id: u64,
        refusal: Refusal,
    },
    Command(CommandError),
    CaseNotVisible(u64),
    LawyersNotLoaded,
    LawyerAmbiguous(usize),
    /// Asking the hub who is enrolled with an intake caller's number.
    LookingUpCaller,
    /// Asking before acknowledging `n` cases at once; `duress` unattended cases under duress are
    /// left out (a person acknowledges those one by one).
    ConfirmBulk {
        n: usize,
        duress: usize,
    },
    /// A bulk acknowledge left as `n` commands; `duress` cases stay unattended.
    BulkSent {
        n: usize,
        duress: usize,
    },
    /// The view has no unattended case this person may acknowledge in bulk (`duress` are
    /// unattended but only one by one).
    NothingToAcknowledge {
        duress: usize,
    },
    /// `q` with this many actions still to be sent.
    QuitWithWaiting(usize),
    /// Ctrl-C in a form with text typed: the text is kept as a draft, and the next `q` quits.
    QuitDraftKept,
    /// `z` with no cluster of alerts to narrow to.
    NoClusters,
    /// A question answered no: nothing was sent.
    NothingDone,
    /// Words on the `:` line that fit this many checkpoints: the picker shows them.
    ChooseAmong(usize, String),
    /// `:redada N` for a raid the shift tab has not listed (it is asked for again).
    RaidUnknown(u64),
    /// Esc left a form with text in it: kept as a draft.
    DraftKept,
    /// A form opened with the draft left in it before.
    DraftRestored,
    /// Ctrl-D threw a draft away.
    DraftDiscarded,
    /// The refused action has no form to reopen (acknowledge, accept): it can only be dismissed.
    NothingToEdit,
    /// Many enrollments (or presses) from one network in a minute.
    Surge {
        enrollments: bool,
        network: String,
        count: u32,
    },
}

/// What the list is narrowed to besides its view and search: one cluster of alerts (`z`), or
/// one raid's cases (`:redada N`), as they were when chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Focus {
    Cluster(crate::domain::cluster::Cluster),
    Raid { id: u64, ids: Vec<u64> },
}

impl Focus {
    pub fn ids(&self) -> &[u64] {
        match self {
            Focus::Cluster(c) => &c.ids,
            Focus::Raid { ids, .. } => ids,
        }
    }
}

/// Why the `:` line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    Empty,
    UnknownVerb(String),
    /// The case number is missing or not a number.
    CaseNumber,
    /// Something required after the case number is missing (`what` names it).
    Missing(&'static str),
    UnknownOutcome(String),
    UnknownCheckpoint(String),
    /// A triage word that is none of the field's values (`what` names the field).
    UnknownChoice(&'static str, String),
}

/// What an operator's key asks for: one vocabulary the keymap dispatches and the help lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    NextSort,
    OpenFilter,
    ApplyFilter,
    ClearFilter,
    ToggleHelp,
    CloseHelp,
    Quit,
    Tab(u8),
    NextTab,
    /// Enter on a list: drill into the case.
    Open,
    /// Begin a case command: the domain's own vocabulary, not a copy of it.
    Start(Verb),
    CommandLine,
    /// The backlog: next consent to filter by (all, accepted, declined, unknown).
    CycleConsent,
    ShowRefusals,
    DetailDown,
    DetailUp,
    Choose,
    Cancel,
    NextField,
    PrevField,
    Send,
    Yes,
    Back,
    Run,
    Dismiss,
    /// The next quick view (all open, unattended, mine, closed today).
    NextView,
    /// Acknowledge every unattended case the view shows, after one confirmation.
    BulkAcknowledge,
    /// Throw away what was typed in this form (Esc keeps it as a draft).
    DiscardDraft,
    /// Esc in a form: close it, keeping what was typed as a draft.
    KeepDraft,
    /// The map in the detail's place, or back.
    ToggleMap,
    /// The list narrowed to the next cluster of alerts, then to none.
    NextCluster,
    /// Reopen a refused action's form with what was typed, to fix and send again.
    EditRefused,
    /// Send a refused action again on the case as it now stands, having read what changed.
    SendAnyway,
    /// The menu of protection work: visits, raids, the duty roster.
    StartWork,
    /// Esc in the open case: back to the list.
    CloseCase,
}

/// What is open over the list when no form is: the mode follows from it and the form
/// (`Model::mode`), so the two can never disagree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Overlay {
    #[default]
    None,
    /// Typing a search.
    Filter,
    Help,
    /// The `:` command line.
    Command,
    /// Reviewing actions the hub refused.
    Refusals,
    /// Asked to confirm acknowledging every unattended case in the view.
    Bulk,
}
