//! Seals on the tables beside the log: every row that decides who may act (staff, phones),
//! who is told (relatives, queued messages) or what the hub serves as fact (visits, plans,
//! shifts, incidents, placements, facilities) carries an HMAC of all its columns under a key
//! derived from the key file. With the database file alone one can still edit such a row, but
//! no longer make it pass: the hub checks the tables that grant access before it serves, and
//! `guardia verify` checks them all, naming the table and the row.
//!
//! The MAC is made from the row as stored, read back inside the writer's transaction right after
//! the hub changed it (`WriteCtx::reseal`), so a partial `UPDATE` can never leave a stale seal
//! and every engine seals exactly the values it stores. A row copied from elsewhere fails (the
//! table and key are inside the MAC); an older version of a row put back passes its MAC, so the
//! tables whose rows change over time are also checked against the log (`verify.rs`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::StoreError;
use super::chain::{Keys, Link};
use super::db::{Conn, Owned, ToValue, params};

/// A sealed table: its name, its key column and the columns the MAC covers, in order.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub columns: &'static [&'static str],
}

pub(crate) const STAFF: Table = Table {
    name: "staff",
    key: "id",
    columns: &[
        "id",
        "name",
        "role",
        "consulate",
        "token_hash",
        "created_at",
        "serves",
        "languages",
        "capacity",
        "disabled",
        "token_issued_at",
    ],
};

pub(crate) const REGISTRANTS: Table = Table {
    name: "registrants",
    key: "id",
    columns: &[
        "id",
        "token_hash",
        "enroll_key",
        "created_at",
        "profile",
        "phone",
        "revoked",
        "open_case_id",
        "key_id",
    ],
};

pub(crate) const ENROLLMENTS: Table = Table {
    name: "enrollments",
    key: "id",
    columns: &[
        "id",
        "handle",
        "enroll_key",
        "phone",
        "profile",
        "code_salt",
        "code_hash",
        "expires_at",
        "wrong_tries",
        "state",
        "registrant_id",
        "created_at",
        "key_id",
    ],
};

pub(crate) const DELIVERIES: Table = Table {
    name: "deliveries",
    key: "id",
    columns: &[
        "id",
        "webhook_id",
        "case_id",
        "relative",
        "about",
        "payload",
        "state",
        "attempts",
        "created_at",
        "next_at",
        "last_error",
    ],
};

pub(crate) const VISITS: Table = Table {
    name: "visits",
    key: "id",
    columns: &[
        "id",
        "facility",
        "consulate",
        "visited_on",
        "body",
        "key_id",
    ],
};

pub(crate) const VISIT_PLANS: Table = Table {
    name: "visit_plans",
    key: "id",
    columns: &[
        "id",
        "facility",
        "consulate",
        "planned_on",
        "status",
        "body",
    ],
};

pub(crate) const DUTY: Table = Table {
    name: "duty",
    key: "id",
    columns: &["id", "consulate", "body", "removed"],
};

pub(crate) const INCIDENTS: Table = Table {
    name: "incidents",
    key: "id",
    columns: &["id", "body", "last_at"],
};

pub(crate) const INCIDENT_CASES: Table = Table {
    name: "incident_cases",
    key: "case_id",
    columns: &["case_id", "incident_id"],
};

pub(crate) const PLACEMENTS: Table = Table {
    name: "placements",
    key: "case_id",
    columns: &["case_id", "facility", "seq"],
};

pub(crate) const FACILITIES: Table = Table {
    name: "facilities",
    key: "code",
    columns: &["code", "body", "seq"],
};

pub(crate) const APPOINTMENTS: Table = Table {
    name: "appointments",
    key: "id",
    columns: &[
        "id",
        "registrant_id",
        "request_key",
        "fingerprint",
        "consulate",
        "kind",
        "starts_at",
        "ends_at",
        "state",
        "facility",
        "alert_id",
        "case_id",
        "body",
        "key_id",
        "created_at",
    ],
};

pub(crate) const SEARCHES: Table = Table {
    name: "searches",
    key: "case_id",
    columns: &["case_id", "consulate", "since", "escalated"],
};

/// Every sealed table (the case rows have their own MAC, `chain.rs`).
pub(crate) const SEALED: &[&Table] = &[
    &STAFF,
    &REGISTRANTS,
    &ENROLLMENTS,
    &DELIVERIES,
    &VISITS,
    &VISIT_PLANS,
    &DUTY,
    &INCIDENTS,
    &INCIDENT_CASES,
    &PLACEMENTS,
    &FACILITIES,
    &APPOINTMENTS,
    &SEARCHES,
];

/// Those that grant access, checked whole before a hub serves.
pub(crate) const GRANTING: &[&Table] = &[&STAFF, &REGISTRANTS];

impl Table {
    /// The columns and the MAC, each prefixed by `alias.`, for a read that joins the table.
    pub fn columns_from(&self, alias: &str) -> String {
        self.columns
            .iter()
            .chain(std::iter::once(&"mac"))
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn select(&self) -> String {
        format!(
            "SELECT {}, mac FROM {} WHERE {} = ?1",
            self.columns.join(", "),
            self.name,
            self.key
        )
    }

    fn select_all(&self) -> String {
        format!(
            "SELECT {}, mac FROM {} ORDER BY {}",
            self.columns.join(", "),
            self.name,
            self.key
        )
    }

    fn update(&self) -> String {
        format!("UPDATE {} SET mac = ?2 WHERE {} = ?1", self.name, self.key)
    }
}

/// One value, tagged and length-prefixed so that no two rows encode alike.
fn feed(m: &mut Hmac<Sha256>, value: &Owned) {
    match value {
        Owned::Null => m.update(&[0]),
        Owned::Int(i) => {
            m.update(&[1]);
            m.update(&i.to_be_bytes());
        }
        Owned::Real(r) => {
            m.update(&[2]);
            m.update(&r.to_bits().to_be_bytes());
        }
        Owned::Text(t) => {
            m.update(&[3]);
            m.update(&(t.len() as u64).to_be_bytes());
            m.update(t.as_bytes());
        }
        Owned::Blob(b) => {
            m.update(&[4]);
            m.update(&(b.len() as u64).to_be_bytes());
            m.update(b);
        }
    }
}

impl Keys {
    /// The MAC of a row of `table` whose columns hold `values` (in [`Table::columns`] order).
    pub(crate) fn row_mac(&self, table: &Table, values: &[Owned]) -> Link {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.rows).expect("any key length");
        m.update(&(table.name.len() as u64).to_be_bytes());
        m.update(table.name.as_bytes());
        for v in values {
            feed(&mut m, v);
        }
        m.finalize().into_bytes().into()
    }
}

/// A row's values and its stored MAC.
fn read_row(r: &super::db::Row<'_>, n: usize) -> super::db::Result<(Vec<Owned>, Option<Vec<u8>>)> {
    read_row_at(r, 0, n)
}

/// [`read_row`] from column `start` of a wider result.
pub(super) fn read_row_at(
    r: &super::db::Row<'_>,
    start: usize,
    n: usize,
) -> super::db::Result<(Vec<Owned>, Option<Vec<u8>>)> {
    let values = (start..start + n)
        .map(|i| r.get::<Owned>(i))
        .collect::<Result<_, _>>()?;
    let mac: Option<Vec<u8>> = r.get(start + n)?;
    Ok((values, mac))
}

/// Seals the row of `table` whose key is `key`, as it now stands (nothing when it is gone).
pub(super) fn reseal(
    conn: &Conn,
    keys: &Keys,
    table: &Table,
    key: &dyn ToValue,
) -> Result<(), StoreError> {
    use super::db::OptionalExtension;
    let n = table.columns.len();
    let row = conn
        .query_row(&table.select(), &[key.to_value()][..], |r| read_row(r, n))
        .optional()?;
    if let Some((values, _)) = row {
        let mac = keys.row_mac(table, &values);
        conn.execute(&table.update(), &[key.to_value(), mac[..].to_value()][..])?;
    }
    Ok(())
}

/// Runs `update` (an `UPDATE` of one row of `table`, without `RETURNING`) and seals the row as
/// it returns it: one round trip fewer than the update and [`reseal`]'s read. Returns how many
/// rows changed (0 or 1).
pub(super) fn change_and_reseal<P: super::db::Params>(
    conn: &Conn,
    keys: &Keys,
    table: &Table,
    update: &str,
    params: P,
) -> Result<usize, StoreError> {
    let n = table.columns.len();
    let sql = format!("{update} RETURNING {}, mac", table.columns.join(", "));
    let rows = conn.query_map(&sql, params, |r| read_row(r, n))?;
    for (values, _) in &rows {
        let mac = keys.row_mac(table, values);
        conn.execute(
            &table.update(),
            &[values[0].to_value(), mac[..].to_value()][..],
        )?;
    }
    Ok(rows.len())
}

/// A row whose seal does not hold: the table, and the row's key as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsealed {
    pub table: &'static str,
    pub key: String,
    pub missing: bool,
}

impl std::fmt::Display for Unsealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if self.missing {
            "has no seal"
        } else {
            "does not match its seal"
        };
        write!(
            f,
            "{} row {}: {how} (written by something other than the hub)",
            self.table, self.key
        )
    }
}

fn key_text(v: &Owned) -> String {
    match v {
        Owned::Int(i) => i.to_string(),
        Owned::Text(t) => t.clone(),
        other => format!("{other:?}"),
    }
}

/// Every row of `table` whose seal does not hold, in key order.
pub(super) fn check(conn: &Conn, keys: &Keys, table: &Table) -> Result<Vec<Unsealed>, StoreError> {
    let n = table.columns.len();
    let mut bad = Vec::new();
    conn.query_each(&table.select_all(), (), |r| -> Result<(), StoreError> {
        let (values, mac) = read_row(r, n)?;
        let expected = keys.row_mac(table, &values);
        if mac.as_deref() != Some(&expected[..]) {
            bad.push(Unsealed {
                table: table.name,
                key: key_text(&values[0]),
                missing: mac.is_none(),
            });
        }
        Ok(())
    })?;
    Ok(bad)
}

/// Seals every row of every sealed table once: when this version first opens a database written
/// before rows had seals (the migration leaves `row_seals_pending` behind for it), or when the
/// start makes the key file (`fresh_key`: a database from before the seal, whose rows no key
/// vouches for yet). From then on a row without a seal is one the hub did not write.
pub(super) fn seal_once(conn: &Conn, keys: &Keys, fresh_key: bool) -> Result<u64, StoreError> {
    let pending = conn.exists("SELECT 1 FROM row_seals_pending", ())?;
    if !pending && !fresh_key {
        return Ok(0);
    }
    conn.in_transaction(|tx| {
        let mut sealed = 0;
        for table in SEALED {
            let n = table.columns.len();
            let rows: Vec<Vec<Owned>> = tx.query_map(&table.select_all(), (), |r| {
                read_row(r, n).map(|(values, _)| values)
            })?;
            for values in rows {
                let mac = keys.row_mac(table, &values);
                tx.execute(&table.update(), params![values[0], &mac[..]])?;
                sealed += 1;
            }
        }
        tx.execute("DELETE FROM row_seals_pending", ())?;
        Ok(sealed)
    })
}

/// Every row of `tables` whose seal does not hold, then every disagreement with the log, in
/// words naming the table and the row.
pub(super) fn findings(
    conn: &Conn,
    keys: &Keys,
    tables: &[&Table],
) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for table in tables {
        found.extend(check(conn, keys, table)?.iter().map(Unsealed::to_string));
    }
    found.extend(check_against_log(conn)?);
    Ok(found)
}

/// What the log says a staff member is now, as far as it says.
#[derive(Default)]
struct StaffByLog {
    /// Role and consulate, once an `added` or `role_changed` said them.
    role: Option<(crate::domain::staff::Role, Option<String>)>,
    /// Once a `disabled` or `enabled` said it.
    disabled: Option<bool>,
    /// When the newest token was issued (added or rotated).
    token_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Checks the tables that grant access against the log: a staff member's role, scope and
/// disabled flag are what their `staff_changed` events last said, and their token is no older
/// than the last one issued; a device the log says was replaced or revoked is revoked. These
/// rows change over time, so an older copy of one (with its older, valid seal) put back would
/// pass its MAC: this is what finds it. Returns what does not agree, in words.
pub(super) fn check_against_log(conn: &Conn) -> Result<Vec<String>, StoreError> {
    use crate::domain::event::{DeviceChange, Event, EventBody, StaffChange};
    use std::collections::{BTreeMap, BTreeSet};
    let mut staff: BTreeMap<i64, StaffByLog> = BTreeMap::new();
    let mut revoked: BTreeSet<i64> = BTreeSet::new();
    conn.query_each(
        "SELECT body FROM events WHERE kind IN ('staff_changed', 'device_changed') ORDER BY seq",
        (),
        |r| -> Result<(), StoreError> {
            let body: String = r.get(0)?;
            let event: Event = serde_json::from_str(&body)?;
            match event.body {
                EventBody::StaffChanged(c) => {
                    let entry = staff.entry(c.staff_id).or_default();
                    match c.change {
                        StaffChange::Added {
                            role, consulate, ..
                        } => {
                            entry.role = Some((role, consulate));
                            entry.disabled = Some(false);
                            entry.token_at = Some(event.at);
                        }
                        StaffChange::RoleChanged { role, consulate } => {
                            entry.role = Some((role, consulate));
                        }
                        StaffChange::Disabled => entry.disabled = Some(true),
                        StaffChange::Enabled => entry.disabled = Some(false),
                        StaffChange::TokenRotated => entry.token_at = Some(event.at),
                        // Not a column this check guards (who may act, and as what).
                        StaffChange::RosterChanged { .. } => {}
                    }
                }
                EventBody::DeviceChanged(d) => {
                    if matches!(
                        d.change,
                        DeviceChange::Replaced { .. } | DeviceChange::Revoked
                    ) {
                        revoked.insert(d.registrant_id);
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    let mut found = Vec::new();
    conn.query_each(
        "SELECT id, role, consulate, disabled, token_issued_at FROM staff ORDER BY id",
        (),
        |r| -> Result<(), StoreError> {
            let id: i64 = r.get(0)?;
            let Some(logged) = staff.get(&id) else {
                // A member from before staff changes were logged: the seal alone vouches.
                return Ok(());
            };
            let role: String = r.get(1)?;
            let consulate: Option<String> = r.get(2)?;
            let disabled: bool = r.get(3)?;
            let issued: String = r.get(4)?;
            let differs = |what: &str| format!("staff row {id}: the {what} is not what the log last said (an older copy of the row?)");
            if let Some((want_role, want_consulate)) = &logged.role
                && (want_role.as_str() != role || *want_consulate != consulate)
            {
                found.push(differs("role or consulate"));
            }
            if logged.disabled.is_some_and(|d| d != disabled) {
                found.push(differs("disabled flag"));
            }
            // Members from before token times were kept got the migration's time, later than
            // their `added`: only a token older than the last one issued is wrong.
            let issued = chrono::DateTime::parse_from_rfc3339(&issued).ok();
            if let Some(at) = logged.token_at
                && issued.is_none_or(|t| t < at)
            {
                found.push(differs("token"));
            }
            Ok(())
        },
    )?;
    found.extend(searches_against_cases(conn)?);
    for id in revoked {
        let live = conn.exists(
            "SELECT 1 FROM registrants WHERE id = ?1 AND revoked = 0",
            [id],
        )?;
        if live {
            found.push(format!(
                "registrants row {id}: the log says this device was replaced or revoked, and \
                 the row lets it act"
            ));
        }
    }
    Ok(found)
}

/// The open searches against the cases they belong to (whose rows the chain and the fold vouch
/// for): a row deleted would silence a search's escalations, an older one put back would change
/// what the pass finds due.
fn searches_against_cases(conn: &Conn) -> Result<Vec<String>, StoreError> {
    use std::collections::BTreeMap;
    let mut want: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    conn.query_each(
        "SELECT id, state FROM cases WHERE state LIKE '%\"search\"%'",
        (),
        |r| -> Result<(), StoreError> {
            let state: String = r.get(1)?;
            let case: crate::domain::case::Case = serde_json::from_str(&state)?;
            if let Some(s) = case.search {
                // Milliseconds: what the writer keeps of a time.
                want.insert(
                    r.get(0)?,
                    (s.since.timestamp_millis(), i64::from(s.escalated)),
                );
            }
            Ok(())
        },
    )?;
    let mut found = Vec::new();
    conn.query_each(
        "SELECT case_id, since, escalated FROM searches ORDER BY case_id",
        (),
        |r| -> Result<(), StoreError> {
            let id: i64 = r.get(0)?;
            // The writer stores `since` as a sortable RFC 3339 time: read back as a time, so
            // this check needs nothing of the writer's.
            let since: String = r.get(1)?;
            let since = chrono::DateTime::parse_from_rfc3339(&since)
                .map(|t| t.timestamp_millis())
                .ok();
            let row = since.map(|t| (t, r.get::<i64>(2).unwrap_or(-1)));
            match want.remove(&id) {
                Some(w) if Some(w) == row => {}
                Some(_) => found.push(format!(
                    "searches row {id}: not what the case's search says (an older copy?)"
                )),
                None => found.push(format!(
                    "searches row {id}: the case has no open search (a row put back?)"
                )),
            }
            Ok(())
        },
    )?;
    for id in want.keys() {
        found.push(format!(
            "searches: case {id}'s open search has no row (deleted? its escalations would stop)"
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_mac_moves_with_every_value_the_table_and_the_key() {
        let keys = Keys::from_secret(&[5; 32]);
        let row = vec![Owned::Int(7), Owned::Text("officer".into()), Owned::Null];
        let base = keys.row_mac(&STAFF, &row);
        let mut changed = row.clone();
        changed[1] = Owned::Text("supervisor".into());
        assert_ne!(base, keys.row_mac(&STAFF, &changed));
        let mut filled = row.clone();
        filled[2] = Owned::Text(String::new());
        assert_ne!(base, keys.row_mac(&STAFF, &filled), "NULL differs from ''");
        assert_ne!(base, keys.row_mac(&DUTY, &row), "another table");
        assert_ne!(base, Keys::from_secret(&[6; 32]).row_mac(&STAFF, &row));
        let shifted = vec![
            Owned::Int(7),
            Owned::Text("office".into()),
            Owned::Text("r".into()),
        ];
        assert_ne!(base, keys.row_mac(&STAFF, &shifted), "length-prefixed");
    }
}
