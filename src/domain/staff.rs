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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// Whether a case is visible (its current consulate, lawyer and second consulate).
    pub fn allows(&self, consulate: &str, also: Option<&str>, lawyer: Option<i64>) -> bool {
        self.sees(&Visibility {
            consulate,
            also,
            lawyer,
            ..Visibility::default()
        })
    }
}

/// What decides who sees a case or an event: its consulate, the consulate that also sees it (a
/// pending transfer or an escalation offer), its lawyer; and for an event, the consulate and
/// lawyer it moved the case away from, so that they hear of the move.
#[derive(Debug, Clone, Copy, Default)]
pub struct Visibility<'a> {
    pub consulate: &'a str,
    pub also: Option<&'a str>,
    pub lawyer: Option<i64>,
    pub previous_consulate: Option<&'a str>,
    pub previous_lawyer: Option<i64>,
}

impl Scope {
    pub fn sees(&self, v: &Visibility<'_>) -> bool {
        match self {
            Scope::All => true,
            Scope::Consulate(c) => {
                c == v.consulate || v.also == Some(c.as_str()) || v.previous_consulate == Some(c)
            }
            Scope::AssignedTo(id) => v.lawyer == Some(*id) || v.previous_lawyer == Some(*id),
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
    /// When this token stops working (the console warns a week before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Who may read the hub's metrics (`GET /metrics`): those who answer for its running, supervisors
/// and admins. Request counts by route and status say when a consulate is busy and how a raid
/// goes: nothing an officer or a lawyer needs, and something a stolen token should not learn.
pub fn may_read_metrics(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Admin)
}

/// Who may read the lawyers' roster: those who assign, and those who manage staff.
pub fn may_see_roster(role: Role) -> bool {
    matches!(role, Role::Officer | Role::Supervisor | Role::Admin)
}

/// A staff member to add. Lawyers carry the roster fields; others leave them empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub consulate: Option<String>,
    /// Consulates a lawyer serves.
    #[serde(default)]
    pub serves: Vec<String>,
    /// Languages a lawyer works in (ISO 639 codes).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Open cases a lawyer can carry.
    #[serde(default)]
    pub capacity: u32,
}

pub const MAX_CAPACITY: u32 = 500;

impl NewStaff {
    /// Checks names, consulates and codes; returns the normalised record.
    pub fn validate(
        mut self,
        consulate_ids: &[&str],
    ) -> Result<NewStaff, super::validate::FieldError> {
        use super::validate::{FieldCode, MAX_NAME_CHARS, err, text};
        let bad = |field: &str, message: String| err(field, FieldCode::UnknownValue, message);
        self.name = text("name", &self.name, MAX_NAME_CHARS)?;
        if let Some(c) = &self.consulate
            && !consulate_ids.contains(&c.as_str())
        {
            return Err(bad(
                "consulate",
                "is not a known consulate id; see GET /v1/consulates".into(),
            ));
        }
        if self.role == Role::Officer && self.consulate.is_none() {
            return Err(err(
                "consulate",
                FieldCode::Required,
                "is required for an officer",
            ));
        }
        for (i, c) in self.serves.iter().enumerate() {
            if !consulate_ids.contains(&c.as_str()) {
                return Err(bad(
                    &format!("serves[{i}]"),
                    "is not a known consulate id".into(),
                ));
            }
        }
        self.languages = self
            .languages
            .iter()
            .map(|l| l.trim().to_ascii_lowercase())
            .collect();
        for (i, l) in self.languages.iter().enumerate() {
            let ok = (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase());
            if !ok {
                return Err(err(
                    format!("languages[{i}]"),
                    FieldCode::InvalidFormat,
                    "must be a 2- or 3-letter ISO 639 code",
                ));
            }
        }
        if self.role == Role::Lawyer {
            if self.serves.is_empty() {
                return Err(err(
                    "serves",
                    FieldCode::Required,
                    "a lawyer must serve at least one consulate",
                ));
            }
            if self.capacity == 0 || self.capacity > MAX_CAPACITY {
                return Err(err(
                    "capacity",
                    FieldCode::OutOfRange,
                    format!("must be between 1 and {MAX_CAPACITY}"),
                ));
            }
        } else if !self.serves.is_empty() || self.capacity != 0 {
            return Err(bad(
                "serves",
                "only lawyers serve consulates or carry a capacity".into(),
            ));
        }
        Ok(self)
    }
}

/// A lawyer on the roster with their current load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LawyerInfo {
    pub id: i64,
    pub name: String,
    pub serves: Vec<String>,
    pub languages: Vec<String>,
    pub capacity: u32,
    /// Cases assigned to them that are not closed.
    pub open_cases: u32,
}

/// How well a lawyer fits a case, best first: serves the consulate, speaks the language, has room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fit {
    pub serves: bool,
    pub speaks: bool,
    pub has_room: bool,
}

impl LawyerInfo {
    pub fn fit(&self, consulate: &str, language: &str) -> Fit {
        Fit {
            serves: self.serves.iter().any(|c| c == consulate),
            speaks: self.languages.iter().any(|l| l == language),
            has_room: self.open_cases < self.capacity,
        }
    }
}

/// Orders lawyers for the assign picker: best fit first, then the most room, then by name.
pub fn rank_lawyers(lawyers: &mut [LawyerInfo], consulate: &str, language: &str) {
    lawyers.sort_by(|a, b| {
        b.fit(consulate, language)
            .cmp(&a.fit(consulate, language))
            .then_with(|| {
                let room = |l: &LawyerInfo| i64::from(l.capacity) - i64::from(l.open_cases);
                room(b).cmp(&room(a))
            })
            .then_with(|| a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picker_puts_the_fitting_lawyer_with_room_first() {
        let l = |id, serves: &str, lang: &str, cap, open| LawyerInfo {
            id,
            name: format!("L{id}"),
            serves: vec![serves.into()],
            languages: vec![lang.into()],
            capacity: cap,
            open_cases: open,
        };
        let mut list = vec![
            l(1, "chicago", "es", 10, 0),
            l(2, "los-angeles", "en", 10, 0),
            l(3, "los-angeles", "es", 5, 5),
            l(4, "los-angeles", "es", 10, 2),
        ];
        rank_lawyers(&mut list, "los-angeles", "es");
        let ids: Vec<i64> = list.iter().map(|l| l.id).collect();
        assert_eq!(ids, vec![4, 3, 2, 1]);
    }
}
