//! Who may do what: one table, role × verb × relation to the case.

use super::Verb;
use crate::domain::case::Case;
use crate::domain::staff::{Role, StaffInfo};
use crate::domain::work::WorkVerb;

/// How the person asking stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The case is with their consulate.
    OwnConsulate,
    /// A pending transfer or an escalation offers the case to their consulate.
    Offered,
    /// The case was with their consulate and has been handed to another.
    TransferredAway,
    /// The lawyer assigned to the case.
    AssignedLawyer,
    /// A lawyer the case has been reassigned away from.
    FormerLawyer,
    /// A supervisor with no consulate: the whole network.
    National,
    /// Took a call that made or joined the case, which went to another consulate: they may add
    /// what the caller says next, and read nothing of it.
    CallTaker,
    /// None of the above.
    Unrelated,
}

impl Relation {
    pub const ALL: &[Relation] = &[
        Relation::OwnConsulate,
        Relation::Offered,
        Relation::TransferredAway,
        Relation::AssignedLawyer,
        Relation::FormerLawyer,
        Relation::National,
        Relation::CallTaker,
        Relation::Unrelated,
    ];
}

/// How `who` stands to `case` now.
pub fn relation(case: &Case, who: &StaffInfo) -> Relation {
    match (who.role, who.consulate.as_deref()) {
        (Role::Admin, _) => Relation::Unrelated,
        (Role::Supervisor, None) => Relation::National,
        (Role::Lawyer, _) => {
            if case.assigned_lawyer == Some(who.id) {
                Relation::AssignedLawyer
            } else if case.former_lawyers.contains(&who.id) {
                Relation::FormerLawyer
            } else {
                Relation::Unrelated
            }
        }
        (Role::Officer | Role::Supervisor, Some(mine)) => {
            if case.consulate == mine {
                Relation::OwnConsulate
            } else if case.also_consulate() == Some(mine) {
                Relation::Offered
            } else if case.call_takers.contains(&who.id) {
                // Before "handed away": a caller still on the line is heard whatever became
                // of the case.
                Relation::CallTaker
            } else if case.former_consulates.iter().any(|c| c == mine) {
                Relation::TransferredAway
            } else {
                Relation::Unrelated
            }
        }
        (Role::Officer, None) if case.call_takers.contains(&who.id) => Relation::CallTaker,
        (Role::Officer, None) => Relation::Unrelated,
    }
}

/// Whether a relation lets one read the case (its detail, its events from now on).
pub fn may_read(relation: Relation) -> bool {
    matches!(
        relation,
        Relation::OwnConsulate | Relation::Offered | Relation::AssignedLawyer | Relation::National
    )
}

/// Whether a relation lets one see who read the case: its own consulate (officers and
/// supervisors) and national supervisors, who answer for it. Not lawyers, not a consulate it
/// is merely offered to.
pub fn may_see_access(relation: Relation) -> bool {
    matches!(relation, Relation::OwnConsulate | Relation::National)
}

/// The permission table. `Intake` makes a case rather than acting on one: its row is read with
/// the relation the caller would have to the case it makes (`OwnConsulate`, or `National`).
pub fn permitted(role: Role, verb: Verb, relation: Relation) -> bool {
    use Relation as R;
    use Verb as V;
    let role_allows = match role {
        Role::Admin => false,
        Role::Supervisor => true,
        Role::Officer => verb != V::Reopen,
        Role::Lawyer => matches!(verb, V::Checkpoint | V::Note),
    };
    let relation_allows = match relation {
        // Handing a case over is the receiving side's to accept or refuse, never the sender's.
        R::OwnConsulate => !matches!(verb, V::AcceptTransfer | V::DeclineTransfer),
        R::Offered => matches!(verb, V::AcceptTransfer | V::DeclineTransfer),
        R::AssignedLawyer => matches!(verb, V::Checkpoint | V::Note),
        R::National => true,
        // What the caller says next, and nothing else.
        R::CallTaker => verb == V::Intake,
        R::TransferredAway | R::FormerLawyer | R::Unrelated => false,
    };
    role_allows && relation_allows
}

/// Whether `role` may use `verb` on some case: the keys and the `?` help offer only these.
pub fn role_may(role: Role, verb: Verb) -> bool {
    Relation::ALL.iter().any(|r| permitted(role, verb, *r))
}

/// How `who` stands to protection work for `consulate` (a plan, a visit, an incident's cases, a
/// shift): their own consulate's, the whole network's (a national supervisor), or another's.
pub fn work_relation(consulate: &str, who: &StaffInfo) -> Relation {
    match (who.role, who.consulate.as_deref()) {
        (Role::Supervisor, None) => Relation::National,
        (Role::Officer | Role::Supervisor, Some(mine)) if mine == consulate => {
            Relation::OwnConsulate
        }
        _ => Relation::Unrelated,
    }
}

/// The permission table's rows for protection work: role × work verb × relation to the
/// consulate the work is for. Officers keep the registry and their consulate's visits;
/// supervisors also group and name raids and keep the roster; lawyers and admins do none of it.
pub fn permitted_work(role: Role, verb: WorkVerb, relation: Relation) -> bool {
    use WorkVerb as W;
    let role_allows = match role {
        Role::Supervisor => true,
        // Raids and the roster are a supervisor's; the registry and visits, every officer's.
        Role::Officer => !matches!(
            verb,
            W::OpenIncident | W::NameIncident | W::AddToIncident | W::SetShift | W::RemoveShift
        ),
        Role::Lawyer | Role::Admin => false,
    };
    let relation_allows = matches!(relation, Relation::OwnConsulate | Relation::National);
    role_allows && relation_allows
}

/// Whether `role` may do protection work `verb` at all: the `p` menu offers only these.
pub fn role_may_work(role: Role, verb: WorkVerb) -> bool {
    Relation::ALL.iter().any(|r| permitted_work(role, verb, *r))
}

/// Who reads the consulates' protection lists (visits, plans, raids, the roster, the handover):
/// officers and supervisors, their own consulate's; national supervisors, any.
pub fn may_read_work(role: Role, relation: Relation) -> bool {
    matches!(role, Role::Officer | Role::Supervisor)
        && matches!(relation, Relation::OwnConsulate | Relation::National)
}

/// Who reads the headquarters figures: supervisors (a consulate's, their own; national, all).
pub fn may_read_figures(role: Role) -> bool {
    role == Role::Supervisor
}
