//! A case row's two halves: the case as erasure leaves it, in the clear (what lists, counts and
//! routing read), and what erasure takes out of it, sealed under the person's key
//! ([`erasure::Personal`]). Only that part is sealed: the case is encoded once, its clear half
//! with no copy of the personal data beside it, and a write seals a few hundred bytes instead of
//! the whole case. Rows written before this sealed the whole case; they open as they did.

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::vault::{Opened, Vault};
use crate::domain::case::Case;
use crate::domain::erasure::{self, Personal};

/// What a sealed part opens to. Named, so that it is never taken for a whole case (whose first
/// field is its id).
#[derive(Serialize, Deserialize)]
struct Part {
    personal: Personal,
}

/// How an opened part begins, as `serde_json` writes [`Part`].
const PART: &str = "{\"personal\":";

/// The row's clear state and its sealed part, for a case whose person's key is `key`.
pub(super) fn seal(vault: &Vault, key: i64, case: &Case) -> Result<(String, String), StoreError> {
    let (clear, personal) = erasure::split(case.clone());
    let state = serde_json::to_string(&clear)?;
    let part = serde_json::to_string(&Part { personal })?;
    Ok((state, vault.seal(key, &part)?))
}

/// The case a row holds: whole while its key lives, as erasure left it after.
pub(super) fn open(vault: &Vault, state: &str, sealed: Option<&str>) -> Result<Case, StoreError> {
    match sealed.map(|s| vault.unseal(s)).transpose()? {
        Some(Opened::Clear(opened)) => {
            if opened.starts_with(PART) {
                whole(serde_json::from_str(state)?, &opened)
            } else {
                Ok(serde_json::from_str(&opened)?)
            }
        }
        Some(Opened::Erased) | None => Ok(serde_json::from_str(state)?),
    }
}

/// The whole case from its clear half, already read, and its sealed part, opened.
pub(super) fn whole(clear: Case, opened: &str) -> Result<Case, StoreError> {
    if !opened.starts_with(PART) {
        // A row from before: the whole case was sealed.
        return Ok(serde_json::from_str(opened)?);
    }
    let part: Part = serde_json::from_str(opened)?;
    Ok(erasure::join(clear, part.personal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use crate::hub::store::chain::Keys;

    #[test]
    fn a_row_seals_only_the_personal_part_and_opens_whole_until_the_key_is_destroyed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::load(
            &dir.path().join("k.keys"),
            &Keys::from_secret(&[7; 32]),
            true,
        )
        .unwrap();
        let key = vault.new_key().unwrap();
        let case = Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
        let name = case.registrant.name.clone();
        assert!(!name.is_empty());

        let (state, sealed) = seal(&vault, key, &case).unwrap();
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
        assert_eq!(open(&vault, &state, Some(&sealed)).unwrap(), case);

        // A row written before: the whole case sealed beside its clear half.
        let old = vault
            .seal(key, &serde_json::to_string(&case).unwrap())
            .unwrap();
        assert_eq!(open(&vault, &state, Some(&old)).unwrap(), case);

        vault.destroy(&[key]).unwrap();
        let erased = open(&vault, &state, Some(&sealed)).unwrap();
        assert_eq!(erased, erasure::case(case));
        assert!(erased.registrant.name.is_empty());
    }
}
