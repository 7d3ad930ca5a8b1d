//! PostgreSQL through the blocking `postgres` client.
//!
//! That client runs its own small runtime and blocks on it, which tokio forbids on a thread
//! that drives async tasks. The store only uses connections on its own threads (the writer,
//! `spawn_blocking` readers, the listener), and [`PgConn`] is dropped on a thread of its own, so
//! a `Store` can be dropped anywhere.

use std::collections::HashMap;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use super::{Error, Owned, Value};

/// A client and the statements it has prepared, by the SQL they were written in.
pub struct PgConn {
    client: Option<Client>,
    cache: HashMap<String, Statement>,
}

/// Opens a connection. Runs on a thread of its own, so it may be called from anywhere.
pub fn connect(url: &str) -> Result<PgConn, Error> {
    let url = url.to_string();
    let client = std::thread::spawn(move || Client::connect(&url, NoTls))
        .join()
        .map_err(|_| Error::Type(0, "the connecting thread panicked".into()))??;
    Ok(PgConn {
        client: Some(client),
        cache: HashMap::new(),
    })
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            // Closing blocks on the client's runtime: never on the caller's async thread.
            let _ = std::thread::Builder::new()
                .name("guardia-pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

impl PgConn {
    pub fn client(&mut self) -> &mut Client {
        self.client.as_mut().expect("the client lives until drop")
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let translated = translate(sql);
        let stmt = self.client().prepare(&translated)?;
        // Statements built at run time (a filter's SQL) are few; the cache stays small.
        self.cache.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    fn args<'v>(values: &'v [Value<'v>]) -> Vec<&'v (dyn ToSql + Sync)> {
        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
    }

    pub fn execute(&mut self, sql: &str, values: &[Value<'_>]) -> Result<usize, Error> {
        let stmt = self.statement(sql)?;
        Ok(self.client().execute(&stmt, &Self::args(values))? as usize)
    }

    pub fn query(&mut self, sql: &str, values: &[Value<'_>]) -> Result<Vec<postgres::Row>, Error> {
        let stmt = self.statement(sql)?;
        Ok(self.client().query(&stmt, &Self::args(values))?)
    }

    pub fn query_opt(
        &mut self,
        sql: &str,
        values: &[Value<'_>],
    ) -> Result<Option<postgres::Row>, Error> {
        let stmt = self.statement(sql)?;
        // Not `query_opt`, which refuses more than one row: the first is what is asked for.
        Ok(self
            .client()
            .query(&stmt, &Self::args(values))?
            .into_iter()
            .next())
    }

    pub fn batch(&mut self, sql: &str) -> Result<(), Error> {
        Ok(self.client().batch_execute(sql)?)
    }
}

/// The server's message and code, never its detail: a unique violation's detail repeats the
/// row's values, and errors reach logs.
pub(super) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

pub(super) fn owned(r: &postgres::Row, i: usize) -> Result<Owned, Error> {
    Ok(r.try_get::<_, Owned>(i)?)
}

/// Rewrites the shared SQL for PostgreSQL: `?N` (and bare `?`) placeholders become `$N`, and
/// `json_extract(col, '$.a.b')` becomes `(col::jsonb #>> '{a,b}')`, text as PostgreSQL returns
/// it (callers cast where they compare numbers). Quoted text is left alone.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut bare = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' {
            let end = sql[i + 1..].find('\'').map_or(sql.len(), |e| i + 1 + e + 1);
            out.push_str(&sql[i..end]);
            i = end;
        } else if c == b'?' {
            let digits = sql[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                bare += 1;
                out.push_str(&format!("${bare}"));
            } else {
                out.push('$');
                out.push_str(&sql[i + 1..i + 1 + digits]);
            }
            i += 1 + digits;
        } else if sql[i..].starts_with("json_extract(")
            && let Some((replaced, used)) = json_path(&sql[i..])
        {
            out.push_str(&replaced);
            i += used;
        } else {
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// `json_extract(col, '$.a.b')` at the start of `s`: its PostgreSQL form and its length.
fn json_path(s: &str) -> Option<(String, usize)> {
    let open = "json_extract(".len();
    let close = s.find(')')?;
    let (column, path) = s[open..close].split_once(',')?;
    let path = path.trim().strip_prefix("'$.")?.strip_suffix('\'')?;
    let keys = path.split('.').collect::<Vec<_>>().join(",");
    Some((
        format!("({}::jsonb #>> '{{{keys}}}')", column.trim()),
        close + 1,
    ))
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // Lenient in the way SQLite is: the store's integers fill booleans and narrower columns,
        // and text fills whatever a parameter's context made of it.
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                _ => i.to_string().as_str().to_sql(ty, out),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (r as f32).to_sql(ty, out),
                _ => r.to_string().as_str().to_sql(ty, out),
            },
            Value::Text(t) => match *ty {
                Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
                Type::BYTEA => t.as_bytes().to_sql(ty, out),
                _ => t.to_sql(ty, out),
            },
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Owned {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Owned::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Owned::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Owned::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Owned::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Owned::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Owned::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Owned::Blob(raw.to_vec()),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                Owned::Text(String::from_sql(ty, raw)?)
            }
            ref other => {
                return Err(format!("a column of type {other} (cast it in the SQL)").into());
            }
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Owned::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_and_json_paths_are_rewritten_outside_quotes() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $1"
        );
        assert_eq!(
            translate("SELECT json_extract(e.body, '$.body.case_id') FROM events e"),
            "SELECT (e.body::jsonb #>> '{body,case_id}') FROM events e"
        );
        assert_eq!(translate("SELECT 'é' || ?12"), "SELECT 'é' || $12");
    }
}
