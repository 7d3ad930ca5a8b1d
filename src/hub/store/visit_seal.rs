//! What a visit round says of people, sealed at rest: each interview's A-number and note under
//! the person's own key (the key of the case it names, or of the open case placed at the
//! facility under that A-number), the roster, conditions and complaints under a key of the
//! visit's own. Retention then erases an interview with its person, and the rest of the visit
//! once the visit is older than the period (`retention.rs`), while the visit stays on the record:
//! who went where, when, and whose cases they saw.

use std::collections::HashMap;

use super::db::{Conn, OptionalExtension, params};
use super::vault::{Opened, Vault};
use super::{StoreError, WriteCtx};
use crate::domain::visit::{InterviewSecret, Visit, VisitSecret};

/// The key of case `id`'s person, while it lives.
fn case_key(conn: &Conn, vault: &Vault, id: u64) -> Result<Option<i64>, StoreError> {
    let key: Option<i64> = conn
        .query_row("SELECT key_id FROM cases WHERE id = ?1", [id as i64], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    match key {
        Some(k) if vault.holds(k)? => Ok(Some(k)),
        _ => Ok(None),
    }
}

/// A-number → key, for the open cases placed at `facility` (read only when an interview names
/// an A-number and no case).
fn placed_keys(
    conn: &Conn,
    vault: &Vault,
    facility: &str,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut out = HashMap::new();
    conn.query_each(
        "SELECT c.state, c.sealed, c.key_id FROM placements p JOIN cases c ON c.id = p.case_id
          WHERE p.facility = ?1 AND c.status <> 'closed'",
        [facility],
        |row| -> Result<(), StoreError> {
            let Some(key) = row.get::<Option<i64>>(2)? else {
                return Ok(());
            };
            let case = super::personal::case_at(vault, row, 0)?;
            if let Some(a) = case.a_number() {
                out.insert(a.to_string(), key);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Seals `visit` in place (its facility already resolved) and returns the visit's own key.
pub(super) fn seal(ctx: &WriteCtx<'_>, visit: &mut Visit) -> Result<i64, StoreError> {
    seal_with(ctx.conn(), ctx.vault(), visit)
}

fn seal_with(conn: &Conn, vault: &Vault, visit: &mut Visit) -> Result<i64, StoreError> {
    let own = vault.new_key()?;
    let by_a_number = if visit
        .interviewed
        .iter()
        .any(|i| i.case_id.is_none() && i.a_number.is_some())
    {
        placed_keys(conn, vault, &visit.facility)?
    } else {
        HashMap::new()
    };
    for interview in &mut visit.interviewed {
        let person = match interview.case_id {
            Some(id) => case_key(conn, vault, id)?,
            None => interview
                .a_number
                .as_ref()
                .and_then(|a| by_a_number.get(a).copied()),
        };
        let secret = interview.take_secret();
        interview.sealed =
            Some(vault.seal(person.unwrap_or(own), &serde_json::to_string(&secret)?)?);
    }
    let secret = visit.take_secret();
    visit.sealed = Some(vault.seal(own, &serde_json::to_string(&secret)?)?);
    Ok(own)
}

/// Opens a stored visit for a reader: what can no longer be opened (its key destroyed) stays
/// blank, and the visit says so (`withheld`).
pub(super) fn open(vault: &Vault, visit: &mut Visit) -> Result<(), StoreError> {
    if let Some(sealed) = visit.sealed.take() {
        match vault.unseal(&sealed)? {
            Opened::Clear(json) => visit.restore(serde_json::from_str::<VisitSecret>(&json)?),
            Opened::Erased => visit.withheld = true,
        }
    }
    for interview in &mut visit.interviewed {
        if let Some(sealed) = interview.sealed.take() {
            match vault.unseal(&sealed)? {
                Opened::Clear(json) => {
                    interview.restore(serde_json::from_str::<InterviewSecret>(&json)?)
                }
                Opened::Erased => visit.withheld = true,
            }
        }
    }
    Ok(())
}

/// Seals the visits logged before visits were sealed, once (with the other rows' seals, by the
/// start that finds `row_seals_pending`). Their events stay as written: the log is append-only.
pub(super) fn seal_old_rows(conn: &Conn, vault: &Vault) -> Result<usize, StoreError> {
    if !conn.exists("SELECT 1 FROM row_seals_pending", ())? {
        return Ok(0);
    }
    conn.in_transaction(|tx| {
        let rows: Vec<(i64, String)> = tx.query_map(
            "SELECT id, body FROM visits WHERE key_id IS NULL",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (id, body) in &rows {
            let mut visit: Visit = serde_json::from_str(body)?;
            let key = seal_with(tx, vault, &mut visit)?;
            tx.execute(
                "UPDATE visits SET body = ?2, key_id = ?3 WHERE id = ?1",
                params![id, serde_json::to_string(&visit)?, key],
            )?;
        }
        Ok(rows.len())
    })
}
