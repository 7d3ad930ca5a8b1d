//! The few value types the store's SQL uses, borrowed going in and owned coming out.

/// A parameter, borrowed from the caller for the statement's length.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A column read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Owned {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_values!(i64, i32, u32, u16, u8, usize);

impl ToValue for u64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Int(*self as i64)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Owned {
    fn to_value(&self) -> Value<'_> {
        match self {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Real(r) => Value::Real(*r),
            Owned::Text(t) => Value::Text(t),
            Owned::Blob(b) => Value::Blob(b),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

/// What a statement's parameters can be given as: `params![..]`, `[]` or an array of one type.
pub trait Params {
    fn values(&self) -> Vec<Value<'_>>;
}

impl Params for &[Value<'_>] {
    fn values(&self) -> Vec<Value<'_>> {
        self.to_vec()
    }
}

impl Params for () {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

pub trait FromValue: Sized {
    fn from_owned(v: Owned) -> Result<Self, String>;
}

impl FromValue for Owned {
    fn from_owned(v: Owned) -> Result<Self, String> {
        Ok(v)
    }
}

impl FromValue for i64 {
    fn from_owned(v: Owned) -> Result<Self, String> {
        match v {
            Owned::Int(i) => Ok(i),
            // A JSON path reads as text on PostgreSQL.
            Owned::Text(t) => match t.as_str() {
                "true" => Ok(1),
                "false" => Ok(0),
                _ => t.parse().map_err(|_| format!("{t:?} is not an integer")),
            },
            other => Err(format!("{other:?} is not an integer")),
        }
    }
}

macro_rules! narrower_ints {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_owned(v: Owned) -> Result<Self, String> {
                let i = i64::from_owned(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} is out of range"))
            }
        }
    )*};
}
narrower_ints!(u64, i32, u32, u16, u8, usize);

impl FromValue for bool {
    fn from_owned(v: Owned) -> Result<Self, String> {
        i64::from_owned(v).map(|i| i != 0)
    }
}

impl FromValue for f64 {
    fn from_owned(v: Owned) -> Result<Self, String> {
        match v {
            Owned::Real(r) => Ok(r),
            Owned::Int(i) => Ok(i as f64),
            Owned::Text(t) => t.parse().map_err(|_| format!("{t:?} is not a number")),
            other => Err(format!("{other:?} is not a number")),
        }
    }
}

impl FromValue for String {
    fn from_owned(v: Owned) -> Result<Self, String> {
        match v {
            Owned::Text(t) => Ok(t),
            Owned::Int(i) => Ok(i.to_string()),
            Owned::Real(r) => Ok(r.to_string()),
            Owned::Blob(b) => String::from_utf8(b).map_err(|e| e.to_string()),
            Owned::Null => Err("NULL is not text".into()),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_owned(v: Owned) -> Result<Self, String> {
        match v {
            Owned::Blob(b) => Ok(b),
            Owned::Text(t) => Ok(t.into_bytes()),
            other => Err(format!("{other:?} is not bytes")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_owned(v: Owned) -> Result<Self, String> {
        match v {
            Owned::Null => Ok(None),
            v => T::from_owned(v).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_accept_what_each_engine_returns() {
        assert_eq!(i64::from_owned(Owned::Text("42".into())), Ok(42));
        assert_eq!(bool::from_owned(Owned::Int(1)), Ok(true));
        assert_eq!(bool::from_owned(Owned::Text("false".into())), Ok(false));
        assert_eq!(Option::<i64>::from_owned(Owned::Null), Ok(None));
        assert!(i64::from_owned(Owned::Text("x".into())).is_err());
        assert!(u64::from_owned(Owned::Int(-1)).is_err());
        assert!(String::from_owned(Owned::Null).is_err());
    }
}
