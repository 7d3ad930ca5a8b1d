//! Staff roles and what each may see.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Duty officer of one consulate.
    Officer,
    Lawyer,
    /// Of one consulate, or national when no consulate is set.
    Supervisor,
    /// Manages staff; sees no cases.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Lawyer => "lawyer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "officer" => Some(Role::Officer),
            "lawyer" => Some(Role::Lawyer),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The cases a staff member may see, decided once from the token and applied by every read path
/// (snapshot and stream) so that they cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Consulate(String),
    /// Cases assigned to this lawyer (assignments arrive with case work).
    AssignedTo(i64),
    Nothing,
}

impl Scope {
    pub fn for_staff(id: i64, role: Role, consulate: Option<&str>) -> Scope {
        match (role, consulate) {
            (Role::Officer, Some(c)) | (Role::Supervisor, Some(c)) => Scope::Consulate(c.into()),
            (Role::Officer, None) => Scope::Nothing,
            (Role::Supervisor, None) => Scope::All,
            (Role::Lawyer, _) => Scope::AssignedTo(id),
            (Role::Admin, _) => Scope::Nothing,
        }
    }

    /// Whether a case of `consulate` (assigned to `lawyer`, if any) is visible.
    pub fn allows(&self, consulate: &str, lawyer: Option<i64>) -> bool {
        match self {
            Scope::All => true,
            Scope::Consulate(c) => c == consulate,
            Scope::AssignedTo(id) => lawyer == Some(*id),
            Scope::Nothing => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub consulate: Option<String>,
}
