//! The role model in one table: who makes whom, whose token goes where, who reads and does what.
//! Every cell is drawn from the permission table (`command::permission`) and the rules below, so
//! the copy in docs/architecture.md is checked against it by a test rather than kept by hand.

use super::command::{
    Relation, Verb, may_read, may_read_figures, may_read_work, permitted, permitted_work,
};
use super::staff::{Role, may_read_metrics, may_see_roster};
use super::work::WorkVerb;

/// A kind of staff member: a role, and for supervisors whether they have a consulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Officer,
    Lawyer,
    ConsulateSupervisor,
    NationalSupervisor,
    Admin,
}

impl Kind {
    pub const ALL: &[Kind] = &[
        Kind::Officer,
        Kind::Lawyer,
        Kind::ConsulateSupervisor,
        Kind::NationalSupervisor,
        Kind::Admin,
    ];

    pub fn of(role: Role, consulate: Option<&str>) -> Kind {
        match (role, consulate) {
            (Role::Officer, _) => Kind::Officer,
            (Role::Lawyer, _) => Kind::Lawyer,
            (Role::Supervisor, Some(_)) => Kind::ConsulateSupervisor,
            (Role::Supervisor, None) => Kind::NationalSupervisor,
            (Role::Admin, _) => Kind::Admin,
        }
    }

    pub fn role(self) -> Role {
        match self {
            Kind::Officer => Role::Officer,
            Kind::Lawyer => Role::Lawyer,
            Kind::ConsulateSupervisor | Kind::NationalSupervisor => Role::Supervisor,
            Kind::Admin => Role::Admin,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Officer => "Duty officer (of a consulate)",
            Kind::Lawyer => "Lawyer",
            Kind::ConsulateSupervisor => "Supervisor of a consulate",
            Kind::NationalSupervisor => "National supervisor",
            Kind::Admin => "Admin",
        }
    }

    /// The relations `permission::relation` can give this kind of staff member to a case (a
    /// test walks cases in every standing to check it).
    pub fn relations(self) -> &'static [Relation] {
        use Relation as R;
        match self {
            Kind::Officer | Kind::ConsulateSupervisor => &[
                R::OwnConsulate,
                R::Offered,
                R::CallTaker,
                R::TransferredAway,
                R::Unrelated,
            ],
            Kind::Lawyer => &[R::AssignedLawyer, R::FormerLawyer, R::Unrelated],
            Kind::NationalSupervisor => &[R::National],
            Kind::Admin => &[R::Unrelated],
        }
    }

    /// The relations to a consulate's protection work it can have.
    fn work_relations(self) -> &'static [Relation] {
        match self {
            Kind::Officer | Kind::ConsulateSupervisor => &[Relation::OwnConsulate],
            Kind::NationalSupervisor => &[Relation::National],
            Kind::Lawyer | Kind::Admin => &[Relation::Unrelated],
        }
    }
}

/// Whether this kind of staff member reads some case.
pub fn reads_cases(kind: Kind) -> bool {
    kind.relations().iter().any(|r| may_read(*r))
}

/// Whether an admin may add this kind of staff member through the API. Never one who reads
/// cases (an admin token could otherwise mint officers for every consulate, a national view),
/// nor another admin: those are made from the server's shell (`guardia admin staff add`), by
/// someone who holds it. As the roles stand, that is every kind.
pub fn made_through_api(kind: Kind) -> bool {
    !reads_cases(kind) && kind != Kind::Admin
}

/// Whether an admin may withdraw this kind's token through the API. A new token is never
/// returned through the API (it would be another person's, to use): it is issued from the
/// server's shell (`guardia admin staff rotate`). National supervisors' and admins' tokens are
/// changed only there: withdrawing one could lock out those who oversee the admin.
pub fn token_withdrawn_through_api(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Officer | Kind::Lawyer | Kind::ConsulateSupervisor
    )
}

fn reading(kind: Kind) -> String {
    let said: Vec<&str> = kind
        .relations()
        .iter()
        .filter(|r| may_read(**r))
        .map(|r| match r {
            Relation::OwnConsulate => "with their consulate",
            Relation::Offered => "offered to their consulate",
            Relation::AssignedLawyer => "assigned to them",
            Relation::National => "every case",
            _ => "?",
        })
        .collect();
    if said.is_empty() {
        "none".into()
    } else {
        said.join("; ")
    }
}

fn acting(kind: Kind) -> String {
    let verbs: Vec<&str> = Verb::ALL
        .iter()
        .filter(|v| {
            kind.relations()
                .iter()
                .any(|r| permitted(kind.role(), **v, *r))
        })
        .map(|v| v.segment())
        .collect();
    if verbs.is_empty() {
        "none".into()
    } else {
        verbs.join(", ")
    }
}

fn working(kind: Kind) -> String {
    let reads = kind
        .work_relations()
        .iter()
        .any(|r| may_read_work(kind.role(), *r));
    let verbs: Vec<&str> = WorkVerb::ALL
        .iter()
        .filter(|v| {
            kind.work_relations()
                .iter()
                .any(|r| permitted_work(kind.role(), **v, *r))
        })
        .map(|v| v.as_str())
        .collect();
    match (reads, verbs.is_empty()) {
        (false, true) => "none".into(),
        (true, true) => "reads".into(),
        (_, false) => format!("reads; {}", verbs.join(", ")),
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The role model as a Markdown table, as docs/architecture.md carries it.
pub fn table() -> String {
    let mut out = String::from(
        "| Staff member | Added through the API | Token withdrawn through the API | \
         Reads cases | Acts on cases | Protection work (their consulate's; national: all) | \
         Figures | Lawyers' roster | Hub metrics |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for kind in Kind::ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            kind.label(),
            yes(made_through_api(*kind)),
            yes(token_withdrawn_through_api(*kind)),
            reading(*kind),
            acting(*kind),
            working(*kind),
            yes(may_read_figures(kind.role())),
            yes(may_see_roster(kind.role())),
            yes(may_read_metrics(kind.role())),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::Case;
    use crate::domain::case::tests::raised;
    use crate::domain::command::relation;
    use crate::domain::staff::StaffInfo;

    /// A case in every standing a staff member (id 7, of "mine") can have to it.
    fn cases() -> Vec<Case> {
        let base = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
        let with = |f: &dyn Fn(&mut Case)| {
            let mut c = base.clone();
            f(&mut c);
            c
        };
        vec![
            with(&|c| c.consulate = "mine".into()),
            with(&|c| c.offered_to = Some("mine".into())),
            with(&|c| c.call_takers = vec![7]),
            with(&|c| c.former_consulates = vec!["mine".into()]),
            with(&|c| c.assigned_lawyer = Some(7)),
            with(&|c| c.former_lawyers = vec![7]),
            base.clone(),
        ]
    }

    #[test]
    fn each_kind_has_exactly_the_relations_it_is_said_to_have() {
        for kind in Kind::ALL {
            let who = StaffInfo {
                id: 7,
                name: "X".into(),
                role: kind.role(),
                consulate: match kind {
                    Kind::NationalSupervisor | Kind::Lawyer | Kind::Admin => None,
                    _ => Some("mine".into()),
                },
                token_expires_at: None,
            };
            let mut seen: Vec<Relation> = cases().iter().map(|c| relation(c, &who)).collect();
            seen.sort_by_key(|r| format!("{r:?}"));
            seen.dedup();
            let mut said = kind.relations().to_vec();
            said.sort_by_key(|r| format!("{r:?}"));
            assert_eq!(seen, said, "{kind:?}");
        }
    }

    #[test]
    fn no_one_who_reads_cases_is_made_through_the_api() {
        for kind in Kind::ALL {
            assert!(!(made_through_api(*kind) && reads_cases(*kind)), "{kind:?}");
        }
        assert!(!made_through_api(Kind::Admin));
        assert!(!reads_cases(Kind::Admin));
    }

    #[test]
    fn the_architecture_document_carries_this_table() {
        let doc = include_str!("../../docs/architecture.md");
        let start = doc
            .find("<!-- roles:begin -->\n")
            .expect("docs/architecture.md has the role table's markers");
        let body = &doc[start + "<!-- roles:begin -->\n".len()..];
        let end = body.find("<!-- roles:end -->").expect("end marker");
        assert_eq!(
            &body[..end],
            table(),
            "docs/architecture.md's role table is not the permission table's: paste \
             guardia::domain::roles::table() between the markers"
        );
    }
}
