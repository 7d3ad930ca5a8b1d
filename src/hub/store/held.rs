//! A sealed row read inside the writer's transaction and changed later in the same job: one
//! statement that sets the column and the seal together, where the general way
//! ([`super::rows::change_and_reseal`]) updates, reads the row back and seals it in a second
//! update. On PostgreSQL each of those is a round trip taken while every hub waits its turn.

use super::StoreError;
use super::db::{Owned, ToValue};
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

    /// The value of `column`, if `table` has it.
    pub fn get(&self, table: &Table, column: &str) -> Option<&Owned> {
        let i = table.columns.iter().position(|c| *c == column)?;
        self.values.get(i)
    }
}

/// Sets `column` of a [`Held`] row to `value` and seals the row, in one statement. It applies
/// only where the row's seal held when it was read and the row still carries that seal (nothing
/// changed it since); otherwise it changes nothing and returns false, and the caller takes the
/// longer way ([`super::rows::change_and_reseal`]), which reads the row as it stands.
pub(super) fn change_held(
    ctx: &super::writer::WriteCtx<'_>,
    table: &Table,
    held: &Held,
    column: &str,
    value: Owned,
) -> Result<bool, StoreError> {
    let Some(i) = table.columns.iter().position(|c| *c == column) else {
        return Ok(false);
    };
    let Some(old) = held.mac.as_deref() else {
        return Ok(false);
    };
    let keys = ctx.keys;
    if keys.row_mac(table, &held.values)[..] != *old {
        return Ok(false);
    }
    let mut values = held.values.clone();
    values[i] = value;
    let mac = keys.row_mac(table, &values);
    let update = format!(
        "UPDATE {} SET {column} = ?1, mac = ?2 WHERE {} = ?3 AND mac = ?4",
        table.name, table.key
    );
    let values = &[
        values[i].to_value(),
        mac[..].to_value(),
        values[0].to_value(),
        old.to_value(),
    ][..];
    if ctx.conn.engine() == super::db::Engine::Postgres {
        // Sent with the job's next message, so its row count cannot be read: a row that no
        // longer carries the seal it was read with makes it fail by a division by zero, which
        // fails the job (nothing but the writer changes this table, under the same lock, so
        // it does not happen unless the row was edited by hand).
        ctx.write_later(
            &format!("WITH changed AS ({update} RETURNING 1) SELECT 1 / COUNT(*) FROM changed"),
            values,
        )?;
        return Ok(true);
    }
    let n = ctx.conn.execute(&update, values)?;
    Ok(n == 1)
}
