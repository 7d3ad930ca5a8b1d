//! Triage: what the national wants and what kind of matter it is. Consular protection is given
//! only when the national asks for it or accepts it, so consent is recorded on every case, and a
//! case closed with consent declined is counted apart in every report.

use serde::{Deserialize, Serialize};

/// What the three triage fields share, for code that handles any of them (the CLI's parser).
pub trait Choice: Sized + Copy + Send + Sync + 'static {
    fn from_code(s: &str) -> Option<Self>;
    fn codes() -> impl Iterator<Item = &'static str>;
}

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $( $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( #[serde(rename = $wire)] $variant, )*
        }

        impl Choice for $name {
            fn from_code(s: &str) -> Option<Self> {
                Self::parse(s)
            }

            fn codes() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|v| v.as_str())
            }
        }

        impl $name {
            pub const ALL: &[$name] = &[$( $name::$variant, )*];

            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire, )* }
            }

            /// The wire code, in any case, with `-` or `_`.
            pub fn parse(s: &str) -> Option<$name> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                match wanted.as_str() { $( $wire => Some($name::$variant), )* _ => None }
            }
        }
    };
}

choice! {
    /// Whether the national asked for or accepted consular protection.
    Consent { Accepted = "accepted", Declined = "declined", Unknown = "unknown" }
}

choice! {
    /// What the national wants to do about removal.
    Intent { Contest = "contest", VoluntaryReturn = "voluntary_return", Undecided = "undecided" }
}

choice! {
    /// The kind of matter, as the ministry's protection figures classify it.
    Category {
        Migratory = "migratory",
        Criminal = "criminal",
        Civil = "civil",
        Labor = "labor",
        Administrative = "administrative",
        HumanRights = "human_rights",
    }
}

/// `POST /v1/cases/{id}/triage`, and the case's current triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    pub consent: Consent,
    pub intent: Intent,
    pub category: Category,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_parse_loosely() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert_eq!(
            Intent::parse("Voluntary-Return"),
            Some(Intent::VoluntaryReturn)
        );
        assert_eq!(Consent::parse("maybe"), None);
    }
}
