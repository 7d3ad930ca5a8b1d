//! The one vocabulary of staff commands on a case, the one permission table, and the one decision.
//!
//! Every staff command is a variant of [`CaseCommand`]. The keymap, the forms, the `:` line, the
//! console's outbox, the hub's routes and its store all carry that type; none keeps its own list
//! of verbs. [`decide`] takes the case as it is, the command and who asks, and answers with the
//! events to append or a typed [`Refusal`]. The hub calls it inside its write transaction; the
//! console calls it for an early "no". Who may do what is [`permitted`]: role × verb × relation.
//!
//! Adding a verb: a variant here and in [`Verb`], a row in [`permitted`], an arm in [`decide`],
//! the event it appends (`event.rs`, folded in `case`), a form and its strings in the console.

mod conflict;
mod decide;
mod permission;

pub use conflict::{in_the_way, stands_in_way};
pub use decide::{Facts, IntakePlan, decide, decide_call_more, decide_intake, precheck};
pub use permission::{
    Relation, may_read, may_read_figures, may_read_work, may_see_access, permitted, permitted_work,
    relation, role_may, role_may_work, work_relation,
};

use crate::domain::work::{WorkCommand, WorkVerb};

use serde::{Deserialize, Serialize};

use super::checkpoint::{CheckpointRequest, CloseOutcome};
use super::intake::IntakeRequest;
use super::triage::Triage;
use super::validate::FieldError;

/// The name of a command, without its body: what the permission table and the keymap speak of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Verb {
    Acknowledge,
    Assign,
    Checkpoint,
    Note,
    Close,
    Reopen,
    Transfer,
    AcceptTransfer,
    DeclineTransfer,
    Triage,
    /// A call taken at the call center: makes a case (or joins one) rather than acting on one.
    Intake,
}

impl Verb {
    pub const ALL: &[Verb] = <Verb as strum::VariantArray>::VARIANTS;

    /// The last segment of `POST /v1/cases/{id}/<segment>` (intake has its own route).
    pub fn segment(self) -> &'static str {
        match self {
            Verb::Acknowledge => "ack",
            Verb::Assign => "assign",
            Verb::Checkpoint => "checkpoints",
            Verb::Note => "notes",
            Verb::Close => "close",
            Verb::Reopen => "reopen",
            Verb::Transfer => "transfer",
            Verb::AcceptTransfer => "accept_transfer",
            Verb::DeclineTransfer => "decline_transfer",
            Verb::Triage => "triage",
            Verb::Intake => "intake",
        }
    }

    pub fn from_segment(s: &str) -> Option<Verb> {
        Verb::ALL
            .iter()
            .copied()
            .find(|v| v.segment() == s && *v != Verb::Intake)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The event a carried-out command appends.
    pub fn appends(self) -> crate::domain::event::EventKind {
        use crate::domain::event::EventKind as K;
        match self {
            Verb::Acknowledge => K::CaseAcknowledged,
            Verb::Assign => K::LawyerAssigned,
            Verb::Checkpoint => K::CheckpointLogged,
            Verb::Note => K::NoteAdded,
            Verb::Close => K::CaseClosed,
            Verb::Reopen => K::CaseReopened,
            Verb::Transfer => K::TransferRequested,
            Verb::AcceptTransfer => K::TransferAccepted,
            Verb::DeclineTransfer => K::TransferDeclined,
            Verb::Triage => K::TriageRecorded,
            Verb::Intake => K::AlertRaised,
        }
    }

    /// Whether the command has a body (the others take none, or `{}`).
    pub fn has_body(self) -> bool {
        !matches!(self, Verb::Acknowledge | Verb::AcceptTransfer)
    }
}

/// `assign`: the lawyer to take the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub lawyer_id: i64,
}

/// `notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub text: String,
}

/// `close`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub outcome: CloseOutcome,
    pub note: String,
}

/// `reopen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: String,
}

/// `transfer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_consulate: String,
    pub reason: String,
}

/// `decline_transfer`: the offered consulate says no, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    pub reason: String,
}

/// Every staff command, with what it carries. Serialized as `{"verb": ..., "body": ...}` in the
/// console's outbox file; on the wire the verb is the route and the body the request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verb", content = "body", rename_all = "snake_case")]
pub enum CaseCommand {
    // `ack` is how outbox files written before the vocabulary spelled it.
    #[serde(alias = "ack")]
    Acknowledge,
    Assign(AssignRequest),
    Checkpoint(CheckpointRequest),
    Note(NoteRequest),
    Close(CloseRequest),
    Reopen(ReopenRequest),
    Transfer(TransferRequest),
    AcceptTransfer,
    DeclineTransfer(DeclineRequest),
    Triage(Triage),
    Intake(IntakeRequest),
}

impl CaseCommand {
    pub fn verb(&self) -> Verb {
        match self {
            CaseCommand::Acknowledge => Verb::Acknowledge,
            CaseCommand::Assign(_) => Verb::Assign,
            CaseCommand::Checkpoint(_) => Verb::Checkpoint,
            CaseCommand::Note(_) => Verb::Note,
            CaseCommand::Close(_) => Verb::Close,
            CaseCommand::Reopen(_) => Verb::Reopen,
            CaseCommand::Transfer(_) => Verb::Transfer,
            CaseCommand::AcceptTransfer => Verb::AcceptTransfer,
            CaseCommand::DeclineTransfer(_) => Verb::DeclineTransfer,
            CaseCommand::Triage(_) => Verb::Triage,
            CaseCommand::Intake(_) => Verb::Intake,
        }
    }

    /// The request path for this command on `case_id`.
    pub fn path(&self, case_id: u64) -> String {
        match self.verb() {
            Verb::Intake => "/v1/intake".into(),
            verb => format!("/v1/cases/{case_id}/{}", verb.segment()),
        }
    }

    /// The request body as the wire carries it.
    pub fn body(&self) -> serde_json::Value {
        let value = match self {
            CaseCommand::Acknowledge | CaseCommand::AcceptTransfer => {
                Ok(serde_json::Value::Object(Default::default()))
            }
            CaseCommand::Assign(r) => serde_json::to_value(r),
            CaseCommand::Checkpoint(r) => serde_json::to_value(r),
            CaseCommand::Note(r) => serde_json::to_value(r),
            CaseCommand::Close(r) => serde_json::to_value(r),
            CaseCommand::Reopen(r) => serde_json::to_value(r),
            CaseCommand::Transfer(r) => serde_json::to_value(r),
            CaseCommand::DeclineTransfer(r) => serde_json::to_value(r),
            CaseCommand::Triage(r) => serde_json::to_value(r),
            CaseCommand::Intake(r) => serde_json::to_value(r),
        };
        value.unwrap_or_default()
    }

    /// Reads a wire body as sent for `verb`, straight into its type (so a key given twice is an
    /// error, not the last one silently winning). Body-less verbs take `{}` or nothing.
    pub fn from_wire_bytes(verb: Verb, bytes: &[u8]) -> Result<CaseCommand, WireError> {
        fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
            crate::domain::validate::from_json(bytes).map_err(|e| match e {
                crate::domain::validate::JsonError::Field(f) => WireError::Field(f),
                other => WireError::DoesNotFit(other.to_string()),
            })
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return CaseCommand::from_wire(verb, serde_json::Value::Null);
        }
        if !verb.has_body() {
            let value: serde_json::Value = parse(bytes)?;
            return CaseCommand::from_wire(verb, value);
        }
        match verb {
            Verb::Assign => parse(bytes).map(CaseCommand::Assign),
            Verb::Checkpoint => parse(bytes).map(CaseCommand::Checkpoint),
            Verb::Note => parse(bytes).map(CaseCommand::Note),
            Verb::Close => parse(bytes).map(CaseCommand::Close),
            Verb::Reopen => parse(bytes).map(CaseCommand::Reopen),
            Verb::Transfer => parse(bytes).map(CaseCommand::Transfer),
            Verb::DeclineTransfer => parse(bytes).map(CaseCommand::DeclineTransfer),
            Verb::Triage => parse(bytes).map(CaseCommand::Triage),
            Verb::Intake => parse(bytes).map(CaseCommand::Intake),
            Verb::Acknowledge | Verb::AcceptTransfer => unreachable!("handled above"),
        }
    }

    /// Reads a wire body for `verb`. Body-less verbs take an empty object (or nothing).
    pub fn from_wire(verb: Verb, body: serde_json::Value) -> Result<CaseCommand, WireError> {
        use serde_json::from_value as parse;
        let empty = match &body {
            serde_json::Value::Null => true,
            serde_json::Value::Object(m) => m.is_empty(),
            _ => false,
        };
        if !verb.has_body() {
            return match (empty, verb) {
                (false, _) => Err(WireError::UnexpectedBody(verb)),
                (true, Verb::Acknowledge) => Ok(CaseCommand::Acknowledge),
                (true, _) => Ok(CaseCommand::AcceptTransfer),
            };
        }
        let parsed = match verb {
            Verb::Assign => parse(body).map(CaseCommand::Assign),
            Verb::Checkpoint => parse(body).map(CaseCommand::Checkpoint),
            Verb::Note => parse(body).map(CaseCommand::Note),
            Verb::Close => parse(body).map(CaseCommand::Close),
            Verb::Reopen => parse(body).map(CaseCommand::Reopen),
            Verb::Transfer => parse(body).map(CaseCommand::Transfer),
            Verb::DeclineTransfer => parse(body).map(CaseCommand::DeclineTransfer),
            Verb::Triage => parse(body).map(CaseCommand::Triage),
            Verb::Intake => parse(body).map(CaseCommand::Intake),
            Verb::Acknowledge | Verb::AcceptTransfer => unreachable!("handled above"),
        };
        parsed.map_err(|e| WireError::DoesNotFit(e.to_string()))
    }
}

/// Anything staff send through the console's outbox: a command on a case, or protection work.
/// Untagged: each kind keeps its own tag (`verb` or `task`), so outbox files written before
/// protection work existed read as they did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Request {
    Case(CaseCommand),
    Work(WorkCommand),
}

impl Request {
    /// The event it appends once carried out.
    pub fn appends(&self) -> crate::domain::event::EventKind {
        match self {
            Request::Case(c) => c.verb().appends(),
            Request::Work(w) => w.verb().appends(),
        }
    }

    pub fn path(&self, case_id: u64) -> String {
        match self {
            Request::Case(c) => c.path(case_id),
            Request::Work(w) => w.path(),
        }
    }

    pub fn body(&self) -> serde_json::Value {
        match self {
            Request::Case(c) => c.body(),
            Request::Work(w) => w.body(),
        }
    }
}

/// Any staff act the permission table speaks of: a verb on a case, or a protection write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Act {
    Case(Verb),
    Work(WorkVerb),
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Case(v) => v.as_str(),
            Act::Work(w) => w.as_str(),
        }
    }
}

impl From<Verb> for Act {
    fn from(v: Verb) -> Act {
        Act::Case(v)
    }
}

/// What a carried-out command did: the case, the log position of its (last) event, and the case
/// version after it (the next `If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub case_id: u64,
    pub seq: u64,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("{} takes no body fields", .0.as_str())]
    UnexpectedBody(Verb),
    #[error("the JSON does not fit: {0}")]
    DoesNotFit(String),
    /// A field that does not fit, named with a code.
    #[error("{0}")]
    Field(FieldError),
}

/// Why a command was not carried out. Each has a stable code; people read it through `i18n`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The role may never do this, whatever the case.
    #[error("your role may not {}", .0.as_str())]
    RoleMayNot(Act),
    /// The case (or the plan, incident, shift) is not in the caller's scope: answered as if it
    /// did not exist.
    #[error("nothing with this id in your scope")]
    NotVisible,
    /// The case is offered to the caller's consulate: it may read it and accept or decline it,
    /// nothing else until it accepts.
    #[error("the case is offered to your consulate; accept it before acting on it")]
    AcceptFirst,
    /// The role may do this, but not to a case it stands to as it does (an origin consulate
    /// accepting its own transfer, a lawyer acting on a case that is not theirs to act on).
    #[error("your relation to this does not allow you to {}", .0.as_str())]
    NotYours(Act),
    /// The case, as it now stands, does not allow it.
    #[error("{0}")]
    Conflict(Conflict),
    /// Something that happened after the version acted on changes what the command means
    /// (`conflict.rs`): who did what, for the person to decide again.
    #[error("the case changed since you saw it ({}); look again before acting", .0.kind.as_str())]
    Changed(ChangedBy),
    #[error("{0}")]
    Invalid(#[from] FieldError),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::RoleMayNot(_) | Refusal::NotYours(_) => "forbidden",
            Refusal::NotVisible => "not_found",
            Refusal::AcceptFirst => "accept_first",
            Refusal::Conflict(c) => c.code(),
            Refusal::Changed(_) => "case_changed",
            Refusal::Invalid(_) => "invalid_field",
        }
    }
}

/// What changed a case in the way of a command: the event's kind, who, and where in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedBy {
    pub kind: crate::domain::event::EventKind,
    pub actor: crate::domain::event::Actor,
    pub seq: u64,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl ChangedBy {
    pub fn of(event: &crate::domain::event::Event) -> ChangedBy {
        ChangedBy {
            kind: event.body.kind(),
            actor: event.actor.clone(),
            seq: event.seq,
            at: event.at,
        }
    }
}

/// A command that does not fit the case as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    #[error("someone acted on the case first: it is at another version")]
    Stale,
    #[error("the case is closed; a supervisor may reopen it")]
    Closed,
    #[error("the case is not closed, so there is nothing to reopen")]
    NotClosed,
    #[error("the case is already acknowledged")]
    AlreadyAcknowledged,
    #[error("the case is already assigned to this lawyer")]
    AlreadyAssigned,
    #[error("no transfer or offer is pending for this case")]
    NoTransfer,
    #[error("the case is already with this consulate")]
    AlreadyHere,
    #[error("this person has an open case with another consulate; call that consulate")]
    OpenElsewhere,
    /// Protection work: a planned visit already carried out or cancelled.
    #[error("this visit was already carried out or cancelled")]
    PlanNotOpen,
}

impl Conflict {
    /// The wire code: a case that moved on, or protection work that did.
    pub fn code(self) -> &'static str {
        match self {
            Conflict::PlanNotOpen => "conflict",
            _ => "case_changed",
        }
    }
}

#[cfg(test)]
mod tests;
