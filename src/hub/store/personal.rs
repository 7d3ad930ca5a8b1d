//! A row's two halves, for cases and events alike: the record as erasure leaves it, in the
//! clear (what lists, counts and routing read), and what erasure takes out of it, sealed under
//! the person's key ([`erasure::Personal`], [`erasure::EventPersonal`]). Only that part is
//! sealed: the clear half carries no copy of the personal data beside it, and a write seals
//! what is personal instead of the whole record. Rows written before this sealed the whole
//! record; they open as they did.

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::vault::{Opened, Vault};
use crate::domain::case::Case;
use crate::domain::erasure::{self, EventPersonal, Personal};
use crate::domain::event::Event;

/// What a case's sealed part opens to. Named, so that it is never taken for a whole case (whose
/// first field is its id).
#[derive(Serialize, Deserialize)]
struct Part {
    personal: Personal,
}

/// How an opened part begins, as `serde_json` writes [`Part`].
const PART: &str = "{\"personal\":";

/// What an event's sealed part opens to; named as [`Part`] is (a whole event begins with its
/// `seq`).
#[derive(Serialize, Deserialize)]
struct EventPart {
    event_personal: EventPersonal,
}

const EVENT_PART: &str = "{\"event_personal\":";

/// The row's clear state and its sealed part, for a case whose person's key is `key`.
pub(super) fn seal_case(
    vault: &Vault,
    key: i64,
    case: &Case,
) -> Result<(String, String), StoreError> {
    let (clear, personal) = erasure::split(case.clone());
    let state = serde_json::to_string(&clear)?;
    let part = serde_json::to_string(&Part { personal })?;
    Ok((state, vault.seal(key, &part)?))
}

/// The case a row holds: whole while its key lives, as erasure left it after.
pub(super) fn open_case(
    vault: &Vault,
    state: &str,
    sealed: Option<&str>,
) -> Result<Case, StoreError> {
    match sealed.map(|s| vault.unseal(s)).transpose()? {
        Some(Opened::Clear(opened)) => {
            if opened.starts_with(PART) {
                whole_case(serde_json::from_str(state)?, &opened)
            } else {
                Ok(serde_json::from_str(&opened)?)
            }
        }
        Some(Opened::Erased) | None => Ok(serde_json::from_str(state)?),
    }
}

/// [`open_case`] from a row whose column `at` is the clear state and `at + 1` the sealed part.
pub(super) fn case_at(
    vault: &Vault,
    row: &super::db::Row<'_>,
    at: usize,
) -> Result<Case, StoreError> {
    let sealed: Option<String> = row.get(at + 1)?;
    open_case(vault, &row.get::<String>(at)?, sealed.as_deref())
}

/// The whole case from its clear half, already read, and its sealed part, opened.
pub(super) fn whole_case(clear: Case, opened: &str) -> Result<Case, StoreError> {
    if !opened.starts_with(PART) {
        // A row from before: the whole case was sealed.
        return Ok(serde_json::from_str(opened)?);
    }
    let part: Part = serde_json::from_str(opened)?;
    Ok(erasure::join(clear, part.personal))
}

/// An event's clear body and its sealed part, for an event whose person's key is `key`; `None`
/// when the event carries nothing personal (it is stored once, in the clear).
pub(super) fn seal_event(
    vault: &Vault,
    key: i64,
    event: &Event,
) -> Result<Option<(String, String)>, StoreError> {
    let Some((clear, event_personal)) = erasure::split_event(event) else {
        return Ok(None);
    };
    let body = serde_json::to_string(&clear)?;
    let part = serde_json::to_string(&EventPart { event_personal })?;
    Ok(Some((body, vault.seal(key, &part)?)))
}

/// An event row opened: its JSON (whole while its key lives, as erasure left it after) and, when
/// opening had to read it whole, the event itself, so that a caller does not read it again.
pub(super) fn open_event(
    vault: &Vault,
    body: String,
    sealed: Option<&str>,
) -> Result<(String, Option<Event>), StoreError> {
    match sealed.map(|s| vault.unseal(s)).transpose()? {
        Some(Opened::Clear(opened)) if opened.starts_with(EVENT_PART) => {
            let part: EventPart = serde_json::from_str(&opened)?;
            let event = erasure::join_event(serde_json::from_str(&body)?, part.event_personal);
            Ok((serde_json::to_string(&event)?, Some(event)))
        }
        // A row from before: the whole event was sealed.
        Some(Opened::Clear(whole)) => Ok((whole, None)),
        Some(Opened::Erased) | None => Ok((body, None)),
    }
}

/// [`open_event`] as an event.
pub(super) fn event(
    vault: &Vault,
    body: String,
    sealed: Option<&str>,
) -> Result<Event, StoreError> {
    match open_event(vault, body, sealed)? {
        (_, Some(event)) => Ok(event),
        (json, None) => Ok(serde_json::from_str(&json)?),
    }
}

/// [`event`] from a row whose column `at` is the clear body and `at + 1` the sealed part.
pub(super) fn event_at(
    vault: &Vault,
    row: &super::db::Row<'_>,
    at: usize,
) -> Result<Event, StoreError> {
    let sealed: Option<String> = row.get(at + 1)?;
    event(vault, row.get(at)?, sealed.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use crate::hub::store::chain::Keys;

    fn vault(dir: &std::path::Path) -> Vault {
        Vault::load(&dir.join("k.keys"), &Keys::from_secret(&[7; 32]), true).unwrap()
    }

    #[test]
    fn a_row_seals_only_the_personal_part_and_opens_whole_until_the_key_is_destroyed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = vault(dir.path());
        let key = vault.new_key().unwrap();
        let case = Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
        let name = case.registrant.name.clone();
        assert!(!name.is_empty());

        let (state, sealed) = seal_case(&vault, key, &case).unwrap();
        assert!(
            !state.contains(&name),
            "the clear half names no one: {state}"
        );
        let Opened::Clear(part) = vault.unseal(&sealed).unwrap() else {
            panic!("the key lives")
        };
        assert!(part.starts_with(PART) && part.contains(&name), "{part}");
        assert!(
            !part.contains(&case.consulate),
            "only the personal part: {part}"
        );
        assert_eq!(open_case(&vault, &state, Some(&sealed)).unwrap(), case);

        // A row written before: the whole case sealed beside its clear half.
        let old = vault
            .seal(key, &serde_json::to_string(&case).unwrap())
            .unwrap();
        assert_eq!(open_case(&vault, &state, Some(&old)).unwrap(), case);

        vault.destroy(&[key]).unwrap();
        let erased = open_case(&vault, &state, Some(&sealed)).unwrap();
        assert_eq!(erased, erasure::case(case));
        assert!(erased.registrant.name.is_empty());
    }

    #[test]
    fn an_event_row_seals_only_its_personal_part_and_opens_whole_until_the_key_is_destroyed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = vault(dir.path());
        let key = vault.new_key().unwrap();
        let event = raised(1, 1001, AlertKind::Detained, vec![]);
        let whole = serde_json::to_string(&event).unwrap();
        let crate::domain::event::EventBody::AlertRaised(raised_body) = &event.body else {
            unreachable!()
        };
        let name = raised_body.registrant.name.clone();

        let (body, sealed) = seal_event(&vault, key, &event).unwrap().unwrap();
        assert!(!body.contains(&name), "the clear body names no one: {body}");
        let Opened::Clear(part) = vault.unseal(&sealed).unwrap() else {
            panic!("the key lives")
        };
        assert!(
            part.starts_with(EVENT_PART) && part.contains(&name),
            "{part}"
        );
        assert!(
            !part.contains(&event.consulate),
            "only the personal part: {part}"
        );
        let (json, read) = open_event(&vault, body.clone(), Some(&sealed)).unwrap();
        assert_eq!(json, whole, "the same bytes as the event written");
        assert_eq!(read, Some(event.clone()));

        // A row written before: the whole event sealed beside its clear body.
        let old = vault.seal(key, &whole).unwrap();
        assert_eq!(
            open_event(&vault, body.clone(), Some(&old)).unwrap().0,
            whole
        );

        vault.destroy(&[key]).unwrap();
        assert_eq!(
            self::event(&vault, body, Some(&sealed)).unwrap(),
            erasure::event(&event).unwrap()
        );
    }
}
