//! What people type into the protection forms, read into values: case numbers as shown on
//! screen, people interviewed (a case or an A-number), weekdays in either language.

use crate::domain::command::Refusal;
use crate::domain::validate::{FieldCode, FieldError};
use crate::domain::visit::Interview;

fn bad(name: &str, code: FieldCode) -> Refusal {
    Refusal::Invalid(FieldError::new(name, code, ""))
}

/// Words separated by commas, semicolons, spaces or lines.
pub(super) fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
}

/// Case numbers as shown on screen: `#12, 15 18`.
pub fn parse_cases(name: &str, text: &str) -> Result<Vec<u64>, Refusal> {
    let mut out = Vec::new();
    for t in tokens(text) {
        let id: u64 = t
            .trim_start_matches('#')
            .parse()
            .map_err(|_| bad(name, FieldCode::InvalidFormat))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// People interviewed: `#12` (a case) or an A-number (8 or 9 digits, `A` optional).
pub(super) fn interviews(text: &str) -> Vec<Interview> {
    tokens(text)
        .map(|t| {
            let case = t
                .strip_prefix('#')
                .or((t.len() < 8).then_some(t))
                .and_then(|n| n.parse().ok());
            Interview {
                case_id: case,
                a_number: case.is_none().then(|| t.to_string()),
                note: String::new(),
                sealed: None,
            }
        })
        .collect()
}

/// Weekdays as people write them: `lun-vie`, `mon tue`, `1-5`, `sáb dom`.
pub(super) fn weekdays(text: &str) -> Result<Vec<u8>, Refusal> {
    const NAMES: [&[&str]; 7] = [
        &["lun", "mon", "1"],
        &["mar", "tue", "2"],
        &["mie", "wed", "3"],
        &["jue", "thu", "4"],
        &["vie", "fri", "5"],
        &["sab", "sat", "6"],
        &["dom", "sun", "7"],
    ];
    let day = |t: &str| -> Option<u8> {
        let t = crate::i18n::fold(t);
        let short: String = t.chars().take(3).collect();
        NAMES
            .iter()
            .position(|names| names.contains(&short.as_str()))
            .map(|i| i as u8 + 1)
    };
    let mut out = Vec::new();
    for t in tokens(text) {
        let (a, b) = t.split_once('-').unwrap_or((t, t));
        let (Some(a), Some(b)) = (day(a), day(b)) else {
            return Err(bad("weekdays", FieldCode::InvalidFormat));
        };
        let mut d = a;
        // A range may wrap the week: vie-lun is Friday to Monday.
        loop {
            if !out.contains(&d) {
                out.push(d);
            }
            if d == b {
                break;
            }
            d = d % 7 + 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_are_read_as_people_write_them() {
        assert_eq!(weekdays("lun-vie").unwrap(), vec![1, 2, 3, 4, 5]);
        assert_eq!(weekdays("Sáb, dom").unwrap(), vec![6, 7]);
        assert_eq!(weekdays("fri-mon").unwrap(), vec![5, 6, 7, 1]);
        assert_eq!(weekdays("1 3 5").unwrap(), vec![1, 3, 5]);
        assert!(weekdays("lunes-viernes").is_ok());
        assert!(weekdays("someday").is_err());
    }

    #[test]
    fn interviews_are_cases_or_a_numbers() {
        let got = interviews("#12, 15 A123456789 012345678");
        let cases: Vec<Option<u64>> = got.iter().map(|i| i.case_id).collect();
        assert_eq!(cases, vec![Some(12), Some(15), None, None]);
        assert_eq!(got[2].a_number.as_deref(), Some("A123456789"));
        assert_eq!(parse_cases("cases", "#4, 5 5").unwrap(), vec![4, 5]);
        assert!(parse_cases("cases", "4, cinco").is_err());
    }
}
