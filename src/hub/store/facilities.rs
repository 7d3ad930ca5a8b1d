//! The facilities registry as stored: what staff recorded over the shipped list (written by the
//! protection work's fold, `work_rows.rs`).

use super::db::OptionalExtension;
use super::{Store, StoreError, WriteCtx};
use crate::domain::facility::{Facility, Registry};

/// A facility by code: what staff recorded, else the shipped list.
pub(super) fn facility(ctx: &WriteCtx<'_>, code: &str) -> Result<Option<Facility>, StoreError> {
    let code = code.trim().to_ascii_uppercase();
    let row: Option<String> = ctx
        .query_row(
            "SELECT body FROM facilities WHERE code = ?1",
            [code.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match row {
        Some(body) => Ok(Some(serde_json::from_str(&body)?)),
        None => Ok(Registry::new().get(&code).cloned()),
    }
}

impl Store {
    /// What staff recorded over the shipped list.
    pub async fn recorded_facilities(&self) -> Result<Vec<Facility>, StoreError> {
        self.read(|tx| {
            let rows = tx.query_map("SELECT body FROM facilities ORDER BY code", (), |r| {
                r.get::<String>(0)
            })?;
            rows.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
        })
        .await
    }
}
