//! The enrolled app user and the people they chose to be told.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Circumstances that make a detention more harmful or due process more fragile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    MinorsInCare,
    MedicalCondition,
    Pregnancy,
    #[serde(rename = "over_65")]
    Over65,
    Disability,
    /// Includes speakers of Indigenous languages (Mixteco, Zapoteco, Náhuatl, ...), who are at
    /// particular risk of signing documents they could not read.
    NeedsInterpreter,
}

impl Flag {
    pub const ALL: [Flag; 6] = [
        Flag::MinorsInCare,
        Flag::MedicalCondition,
        Flag::Pregnancy,
        Flag::Over65,
        Flag::Disability,
        Flag::NeedsInterpreter,
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relative {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// What a phone sends on enrollment, and what an alert carries to the consulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    /// Required on enrollment; unknown for a caller taken in by phone who is not enrolled.
    pub date_of_birth: Option<NaiveDate>,
    pub consular_id: String,
    pub phone: String,
    /// ISO 639 code of the language the person prefers: `es`, `en`, or an Indigenous language
    /// such as `mix` (Mixteco) or `zap` (Zapoteco).
    pub language: String,
    #[serde(default)]
    pub flags: Vec<Flag>,
    #[serde(default)]
    pub relatives: Vec<Relative>,
    /// Set by the hub when the person's key was destroyed under the retention policy: what
    /// remains is the form [`crate::domain::erasure::profile`] leaves. Never taken from a phone:
    /// validation builds a profile afresh.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

impl Profile {
    /// Age in whole years on `on`, when the date of birth is known.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        self.date_of_birth.and_then(|d| on.years_since(d))
    }

    /// The flags with `over_65` added when the date of birth says so, so a registrant who enrolled
    /// at 64 is not under-prioritised years later.
    pub fn effective_flags(&self, on: NaiveDate) -> Vec<Flag> {
        let mut flags = self.flags.clone();
        if self.age_on(on).is_some_and(|a| a >= 65) && !flags.contains(&Flag::Over65) {
            flags.push(Flag::Over65);
        }
        flags.sort();
        flags.dedup();
        flags
    }
}
