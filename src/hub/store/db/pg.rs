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
    /// Statements prepared by name for `EXECUTE` in a message of several ([`inline`]): the
    /// name each was given, by the SQL it was written in.
    named: HashMap<String, String>,
    /// Names are never reused: a name forgotten here may still exist on the server.
    names_given: u64,
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
        named: HashMap::new(),
        names_given: 0,
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
        let done = self.client().batch_execute(sql);
        self.forget_if_unprepared(&done);
        Ok(done?)
    }

    /// A named statement the server does not know (whatever the reason): prepared again when
    /// next asked for, under a new name.
    fn forget_if_unprepared<T>(&mut self, done: &Result<T, postgres::Error>) {
        if let Err(e) = done
            && e.code() == Some(&postgres::error::SqlState::INVALID_SQL_STATEMENT_NAME)
        {
            self.named.clear();
        }
    }

    /// `sql` with `values` as a statement of its own for a message of several: `EXECUTE` of a
    /// statement prepared by name the first time it is asked for (a round trip then, once per
    /// connection). PostgreSQL parses and plans it once, not on every write, as it does a
    /// parameter statement; the values are literals, typed by the statement's parameters.
    pub fn inline(&mut self, sql: &str, values: &[Value<'_>]) -> Result<String, Error> {
        let name = match self.named.get(sql) {
            Some(name) => name.clone(),
            None => {
                self.names_given += 1;
                let name = format!("guardia_w{}", self.names_given);
                self.client()
                    .batch_execute(&format!("PREPARE {name} AS {}", translate(sql)))?;
                self.named.insert(sql.to_string(), name.clone());
                name
            }
        };
        Ok(if values.is_empty() {
            format!("EXECUTE {name}")
        } else {
            format!("EXECUTE {name}({})", literals(values)?)
        })
    }

    /// Several statements in one message (the simple protocol, one round trip), and the rows
    /// they return as text. Each statement still takes its own snapshot under read committed.
    pub fn simple(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, Error> {
        let messages = self.client().simple_query(sql);
        self.forget_if_unprepared(&messages);
        let messages = messages?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => Some(
                    (0..r.len())
                        .map(|i| r.get(i).map(String::from))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .collect())
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

/// Values as a list of literals for `EXECUTE` (the simple protocol has no parameters). Every
/// value is a quoted literal, which PostgreSQL types by the statement's parameter as it does a
/// bound one; text is an escape string, so a quote or a backslash in it stays data whatever
/// `standard_conforming_strings` says; bytes are hex. Text with a NUL is refused (PostgreSQL's
/// text cannot hold one, and it would end the message).
fn literals(values: &[Value<'_>]) -> Result<String, Error> {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        literal(&mut out, v).map_err(|why| Error::Type(i + 1, why))?;
    }
    Ok(out)
}

fn literal(out: &mut String, value: &Value<'_>) -> Result<(), String> {
    use std::fmt::Write;
    match *value {
        Value::Null => out.push_str("NULL"),
        Value::Int(i) => {
            let _ = write!(out, "'{i}'");
        }
        Value::Real(r) if r.is_nan() => out.push_str("'NaN'"),
        Value::Real(r) if r.is_infinite() => {
            out.push_str(if r > 0.0 { "'Infinity'" } else { "'-Infinity'" })
        }
        Value::Real(r) => {
            let _ = write!(out, "'{r:?}'");
        }
        Value::Text(t) => {
            if t.contains('\0') {
                return Err("text with a NUL character".into());
            }
            out.push_str("E'");
            for ch in t.chars() {
                match ch {
                    '\'' => out.push_str("''"),
                    '\\' => out.push_str("\\\\"),
                    _ => out.push(ch),
                }
            }
            out.push('\'');
        }
        Value::Blob(b) => {
            out.push_str("decode('");
            out.push_str(&hex::encode(b));
            out.push_str("', 'hex')");
        }
    }
    Ok(())
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
    use super::{Value, literals, translate};

    #[test]
    fn values_are_written_as_literals_that_stay_data() {
        let sql = literals(&[
            Value::Int(-7),
            Value::Text("it's a \\'); DROP TABLE t; --"),
            Value::Null,
            Value::Blob(&[0, 0xff]),
            Value::Real(0.1),
        ])
        .unwrap();
        assert_eq!(
            sql,
            "'-7', E'it''s a \\\\''); DROP TABLE t; --', NULL, decode('00ff', 'hex'), '0.1'"
        );
        assert!(literals(&[Value::Text("a\0b")]).is_err());
    }

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
