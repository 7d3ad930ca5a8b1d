//! One small SQL interface over the two engines: embedded SQLite (rusqlite) and PostgreSQL (the
//! blocking `postgres` client). The store writes its SQL once, in the subset both engines
//! share, with SQLite's `?N` placeholders and `json_extract`; `pg.rs` rewrites those two for
//! PostgreSQL when a statement is first prepared, and caches the result.
//!
//! Values cross the boundary as a handful of plain types (integers, reals, text, bytes), and
//! conversions are lenient in the direction each engine needs (PostgreSQL's `EXISTS` is a
//! boolean where SQLite's is an integer; a JSON path reads as text there), so store code never
//! asks which engine it runs on except where the engines really differ (locks, maintenance).

mod lite;
mod pg;
mod value;

use std::cell::RefCell;

pub use pg::{PgConn, connect as pg_connect};
pub use value::{FromValue, Owned, Params, ToValue, Value};

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    #[error("no row")]
    NoRows,
    #[error("column {0}: {1}")]
    Type(usize, String),
}

impl Error {
    /// A uniqueness constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(..).optional()`, as in rusqlite.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) | Err(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// One result row.
pub enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let owned = match self {
            Row::Lite(r) => lite::owned(r, i)?,
            Row::Pg(r) => pg::owned(r, i)?,
        };
        T::from_owned(owned).map_err(|why| Error::Type(i, why))
    }
}

/// A connection to either engine. Methods take `&self` (as rusqlite's do); the PostgreSQL
/// client, which needs `&mut`, sits in a `RefCell`: a connection is only ever used by the one
/// thread that holds it.
pub enum Conn {
    Lite(rusqlite::Connection),
    // Boxed: a client with its statement cache is large, and connections move between threads.
    Pg(Box<RefCell<PgConn>>),
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Lite(_) => Engine::Sqlite,
            Conn::Pg(_) => Engine::Postgres,
        }
    }

    /// Whether the connection is gone for good (PostgreSQL's server closed it: a restart, a
    /// failover, a network cut); its holder must open another.
    pub fn is_broken(&self) -> bool {
        match self {
            Conn::Lite(_) => false,
            Conn::Pg(c) => c.try_borrow_mut().is_ok_and(|mut c| c.client().is_closed()),
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, backups, checkpoints).
    pub fn lite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Lite(c) => Some(c),
            Conn::Pg(_) => None,
        }
    }

    /// Runs one statement, prepared once for the connection's life: the writer runs the same
    /// few statements thousands of times a second, and parsing their SQL each time was a tenth
    /// of its work in a raid.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values();
        match self {
            Conn::Lite(c) => Ok(c.prepare_cached(sql)?.execute(lite::params(&values))?),
            Conn::Pg(c) => c.borrow_mut().execute(sql, &values),
        }
    }

    /// Statements without parameters, several at once (transaction control, migrations).
    pub fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => c.borrow_mut().batch(sql),
        }
    }

    /// PostgreSQL only: several statements without parameters in one round trip, and the rows
    /// they return as text (the writer's transaction control, folded with its neighbours).
    pub fn pg_simple(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        match self {
            Conn::Lite(_) => Err(Error::Type(0, "a PostgreSQL-only call on SQLite".into())),
            Conn::Pg(c) => c.borrow_mut().simple(sql),
        }
    }

    /// PostgreSQL only: `sql` with `params` written into it, to travel with others in one
    /// message ([`Self::pg_simple`]).
    pub fn pg_inline<P: Params>(&self, sql: &str, params: P) -> Result<String> {
        match self {
            Conn::Lite(_) => Err(Error::Type(0, "a PostgreSQL-only call on SQLite".into())),
            Conn::Pg(c) => c.borrow_mut().inline(sql, &params.values()),
        }
    }

    /// The first row; `Error::NoRows` when there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let values = params.values();
        match self {
            Conn::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(lite::params(&values))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(Error::NoRows),
                }
            }
            Conn::Pg(c) => {
                let row = c.borrow_mut().query_opt(sql, &values)?;
                match row {
                    Some(r) => f(&Row::Pg(&r)),
                    None => Err(Error::NoRows),
                }
            }
        }
    }

    /// Every row, mapped.
    pub fn query_map<T, P, F>(&self, sql: &str, params: P, mut f: F) -> Result<Vec<T>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mut out = Vec::new();
        self.query_each(sql, params, |r| -> Result<()> {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Every row, one at a time. SQLite streams them; PostgreSQL's are read first, so `f` may
    /// use the connection again (verify rewrites rows as it reads them). `f` may fail with the
    /// caller's own error.
    pub fn query_each<P, F, E>(&self, sql: &str, params: P, mut f: F) -> Result<(), E>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<(), E>,
        E: From<Error>,
    {
        self.query_while(sql, params, |r| f(r).map(|()| true))
    }

    /// [`Self::query_each`] until `f` returns `false`.
    pub fn query_while<P, F, E>(&self, sql: &str, params: P, mut f: F) -> Result<(), E>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<bool, E>,
        E: From<Error>,
    {
        let values = params.values();
        match self {
            Conn::Lite(c) => {
                let mut stmt = c.prepare_cached(sql).map_err(Error::from)?;
                let mut rows = stmt.query(lite::params(&values)).map_err(Error::from)?;
                while let Some(r) = rows.next().map_err(Error::from)? {
                    if !f(&Row::Lite(r))? {
                        break;
                    }
                }
                Ok(())
            }
            Conn::Pg(c) => {
                let rows = c.borrow_mut().query(sql, &values)?;
                for r in &rows {
                    if !f(&Row::Pg(r))? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// Runs `f` in a transaction of its own, committed when `f` succeeds.
    pub fn in_transaction<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&Conn) -> Result<R, E>,
        E: From<Error>,
    {
        self.batch("BEGIN")?;
        match f(self) {
            Ok(r) => {
                self.batch("COMMIT")?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Runs `f` in a read-only transaction that sees one state throughout (SQLite's WAL
    /// snapshot; PostgreSQL's repeatable read).
    pub fn read_transaction<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&Conn) -> Result<R, E>,
        E: From<Error>,
    {
        self.batch(match self.engine() {
            Engine::Sqlite => "BEGIN",
            Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })?;
        let result = f(self);
        // Nothing was written: ending it either way is the same, and a failed read must not
        // leave the connection inside a transaction for its next user.
        self.batch("ROLLBACK")?;
        result
    }

    /// Whether the statement returns a row.
    pub fn exists<P: Params>(&self, sql: &str, params: P) -> Result<bool> {
        self.query_row(sql, params, |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
    }
}

/// `params![a, b, c]`: the statement's values, in order.
#[macro_export]
macro_rules! db_params {
    ($($x:expr),* $(,)?) => {
        &[$($crate::hub::store::db::ToValue::to_value(&$x)),*][..]
    };
}
pub use crate::db_params as params;
