//! SQLite through rusqlite.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::{Error, Owned, Value};

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(r) => ValueRef::Real(r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

pub(super) fn params<'v>(values: &'v [Value<'v>]) -> rusqlite::ParamsFromIter<&'v [Value<'v>]> {
    rusqlite::params_from_iter(values)
}

pub(super) fn owned(r: &rusqlite::Row<'_>, i: usize) -> Result<Owned, Error> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => Owned::Null,
        ValueRef::Integer(i) => Owned::Int(i),
        ValueRef::Real(f) => Owned::Real(f),
        ValueRef::Text(t) => Owned::Text(
            std::str::from_utf8(t)
                .map_err(|e| Error::Type(i, e.to_string()))?
                .to_string(),
        ),
        ValueRef::Blob(b) => Owned::Blob(b.to_vec()),
    })
}
