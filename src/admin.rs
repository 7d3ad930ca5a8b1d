//! `guardia admin`: staff management straight on the database file.

use chrono::Utc;

use crate::domain::staff::Role;
use crate::domain::validate;
use crate::hub::auth::{STAFF_PREFIX, hash_token, new_token};
use crate::hub::store::Store;

/// Adds a staff member and returns their token, which is shown once and never stored.
pub async fn add_staff(
    store: &Store,
    consulates: &[crate::domain::consulate::Consulate],
    name: &str,
    role: Role,
    consulate: Option<String>,
) -> Result<(i64, String), String> {
    let name = validate::text("name", name, validate::MAX_NAME_CHARS).map_err(|e| e.to_string())?;
    if let Some(c) = &consulate
        && !consulates.iter().any(|k| &k.id == c)
    {
        return Err(format!(
            "unknown consulate `{c}`; see config/consulates.csv"
        ));
    }
    if role == Role::Officer && consulate.is_none() {
        return Err("an officer needs --consulate".into());
    }
    let token = new_token(STAFF_PREFIX);
    let id = store
        .add_staff(name, role, consulate, hash_token(&token), Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    Ok((id, token))
}
