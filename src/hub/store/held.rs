//! A sealed row read inside the writer's transaction and changed later in the same job: one
//! statement that sets the column and the seal together, where the general way
//! ([`super::rows::change_and_reseal`]) updates, reads the row back and seals it in a second
//! update. On PostgreSQL each of those is a round trip taken while every hub waits its turn.

use super::chain::Keys;
use super::db::Owned;
use super::rows::{Table, read_row_at};

/// A sealed row read inside the writer's transaction, kept so that a change to it later in the
/// same job is one statement, not an update, a read back and a second update.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub values: Vec<Owned>,
    pub mac: Option<Vec<u8>>,
}

impl Held {
    /// The columns of `table` (and its MAC) from column `start` of `r`: select them with
    /// [`Table::columns_from`].
    pub fn read(r: &super::db::Row<'_>, table: &Table, start: usize) -> super::db::Result<Held> {
        let (values, mac) = read_row_at(r, start, table.columns.len())?;
        Ok(Held { values, mac })
    }

    /// Whether this is the row of `table` whose key is the integer `key`.
    pub fn is_row_of(&self, table: &Table, key: i64) -> bool {
        self.get(table, table.key) == Some(&Owned::Int(key))
    }

    /// The value of `column`, if `table` has it.
    pub fn get(&self, table: &Table, column: &str) -> Option<&Owned> {
        let i = table.columns.iter().position(|c| *c == column)?;
        self.values.get(i)
    }
}

/// The one statement that sets `column` of a [`Held`] row to `value` and seals the row, and
/// its values. `None` where the row's seal did not hold when it was read: the caller takes the
/// longer way ([`super::rows::change_and_reseal`]), which reads the row as it stands. The
/// statement applies only while the row still carries the seal it was read with.
pub(super) fn change(
    keys: &Keys,
    table: &Table,
    held: &Held,
    column: &str,
    value: Owned,
) -> Option<(String, Vec<Owned>)> {
    let i = table.columns.iter().position(|c| *c == column)?;
    let old = held.mac.as_deref()?;
    if keys.row_mac(table, &held.values)[..] != *old {
        return None;
    }
    let mut values = held.values.clone();
    values[i] = value;
    let mac = keys.row_mac(table, &values);
    let update = format!(
        "UPDATE {} SET {column} = ?1, mac = ?2 WHERE {} = ?3 AND mac = ?4",
        table.name, table.key
    );
    Some((
        update,
        vec![
            values[i].clone(),
            Owned::Blob(mac.to_vec()),
            values[0].clone(),
            Owned::Blob(old.to_vec()),
        ],
    ))
}
