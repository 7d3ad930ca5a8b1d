//! Finding a case the way a caller describes it: "Beltrán" typed as `beltran`, a phone number as
//! `(213) 555-0199` or `2135550199`, part of a matrícula, a case number, a town, a lawyer.
//!
//! Text is compared folded (lower case, accents removed, so `coacción` finds `COACCION`), and a
//! needle with enough digits is also compared by its digits alone against phone numbers, so the
//! way a number is punctuated never matters.

use unicode_normalization::UnicodeNormalization;

use super::case::Case;
use super::sanitize::{Lines, sanitize};

/// Fewer digits than this in a needle are a case number or part of one, not a phone number.
const PHONE_DIGITS: usize = 4;

/// Lower case without accents or other combining marks: what a hurried search compares.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A search as typed, folded once rather than once per case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needle {
    text: String,
    /// The needle's digits, when it reads as (part of) a phone number.
    digits: Option<String>,
}

impl Needle {
    pub fn new(typed: &str) -> Needle {
        let text = fold(typed.trim());
        let d = digits(&text);
        // `(213) 555-0199`, `+1 213 555 0199`: digits and phone punctuation only.
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        Needle {
            digits: (phone_like && d.len() >= PHONE_DIGITS).then_some(d),
            text,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether the needle may be a phone number or a matrícula, which queue rows do not carry
    /// (`domain::privacy`): the console then asks the hub to look in the cases themselves.
    pub fn asks_hub(&self) -> bool {
        let digits = self.text.chars().filter(char::is_ascii_digit).count();
        let letters = self.text.chars().any(char::is_alphabetic);
        self.digits.is_some() || (letters && digits >= 4)
    }

    /// Whether a label shown for a case (an urgency reason, say) contains every word of the
    /// needle.
    pub fn in_label(&self, label: &str) -> bool {
        let label = fold(label);
        !self.text.is_empty() && self.text.split_whitespace().all(|w| label.contains(w))
    }

    /// Whether this case is one the caller could mean. `lawyer` and `consulate` are the names
    /// shown for the case (the case holds ids).
    pub fn finds(&self, case: &Case, consulate: &str) -> bool {
        if let Some(d) = &self.digits {
            let phones = [&case.registrant.phone]
                .into_iter()
                .chain(case.registrant.relatives.iter().map(|r| &r.phone));
            if phones.into_iter().any(|p| digits(p).contains(d.as_str())) {
                return true;
            }
        }
        // Every word somewhere: "ivan gonzalez" finds Iván Ramírez González, "beltran adelanto"
        // Beltrán's case at Adelanto.
        let words: Vec<&str> = self.text.split_whitespace().collect();
        !words.is_empty() && words.iter().all(|word| self.word_in(case, consulate, word))
    }

    fn word_in(&self, case: &Case, consulate: &str, text: &str) -> bool {
        let has = |field: &str| fold(&sanitize(field, Lines::One)).contains(text);
        case.id.to_string().contains(text)
            || has(&case.registrant.name)
            || has(&case.registrant.consular_id)
            || has(&case.consulate)
            || has(consulate)
            || case.assigned_lawyer_name.as_deref().is_some_and(has)
            || case.intake.as_ref().is_some_and(|i| {
                i.place.as_deref().is_some_and(has) || i.matched_place.as_deref().is_some_and(has)
            })
            || case
                .checkpoints
                .iter()
                .filter_map(|c| c.fields.get("facility"))
                .any(|f| has(f))
    }
}

/// Digits of a whole phone number a caller would give: ten (a US number) or more.
const WHOLE_NUMBER: usize = 10;

impl Needle {
    /// Whether this needle names the person of `case` by what rows do not carry: their whole
    /// phone number (with or without the country code), their whole matrícula, or — when the
    /// reader may see them — a relative's whole number. Never part of a number: a search must
    /// not become a way to read, digit by digit, a number the reader is not shown.
    pub fn names_person(&self, case: &Case, relatives: bool) -> bool {
        let p = &case.registrant;
        let whole = |number: &str| {
            let n = digits(number);
            self.digits.as_deref().is_some_and(|d| {
                !n.is_empty() && (n == d || (d.len() >= WHOLE_NUMBER && n.ends_with(d)))
            })
        };
        let id = fold(p.consular_id.trim());
        whole(&p.phone)
            || (relatives && p.relatives.iter().any(|r| whole(&r.phone)))
            || (!id.is_empty() && id == self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;

    fn case() -> Case {
        let mut c = Case::open(&raised(1, 1002, AlertKind::Detained, vec![])).unwrap();
        c.registrant.name = "José Beltrán Núñez".into();
        c.registrant.phone = "+12135550199".into();
        c.registrant.consular_id = "MX-LA-778812".into();
        c.assigned_lawyer_name = Some("Ana Peña".into());
        c
    }

    #[test]
    fn names_are_found_without_accents_or_case() {
        let c = case();
        for typed in ["beltran", "BELTRÁN", "nunez", "jose", "peña", "pena"] {
            assert!(Needle::new(typed).finds(&c, "Los Ángeles"), "{typed}");
        }
        assert!(!Needle::new("garcia").finds(&c, "Los Ángeles"));
        // Each word, wherever it is: two names, a name and the consulate, in any order.
        for typed in ["jose nunez", "Núñez José", "beltran los angeles"] {
            assert!(Needle::new(typed).finds(&c, "Los Ángeles"), "{typed}");
        }
        assert!(!Needle::new("jose garcia").finds(&c, "Los Ángeles"));
    }

    #[test]
    fn phone_numbers_are_found_however_they_are_written() {
        let c = case();
        for typed in [
            "2135550199",
            "(213) 555-0199",
            "213 555 0199",
            "+1 213-555-0199",
            "0199",
        ] {
            assert!(Needle::new(typed).finds(&c, ""), "{typed}");
        }
        assert!(!Needle::new("(213) 555-0198").finds(&c, ""));
    }

    #[test]
    fn case_numbers_matriculas_and_places_are_found() {
        let c = case();
        assert!(Needle::new("1002").finds(&c, ""));
        assert!(Needle::new("778812").finds(&c, ""));
        assert!(Needle::new("mx-la").finds(&c, ""));
        assert!(Needle::new("los angeles").finds(&c, "Los Ángeles, CA"));
    }

    #[test]
    fn folding_removes_marks_and_keeps_letters() {
        assert_eq!(fold("COACCIÓN Ñandú Über"), "coaccion nandu uber");
    }
}
