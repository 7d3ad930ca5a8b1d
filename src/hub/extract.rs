//! A JSON body extractor whose every failure has the API's error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Bodies larger than this get 413 (the wire contract fixes it).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body means `T::default()`.
pub struct OptionalJson<T>(pub T);

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    // A declared length over the limit is refused at once, not after waiting for the body.
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::TooLarge(MAX_BODY_BYTES));
    }
    if let Some(ct) = req.headers().get(CONTENT_TYPE) {
        let ok = ct
            .to_str()
            .map(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            })
            .unwrap_or(false);
        if !ok {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as Content-Type: application/json",
            ));
        }
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if super::deadline::is_too_slow(&rejection) {
            ApiError::TooSlow
        } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(MAX_BODY_BYTES)
        } else {
            ApiError::Malformed(format!("the request body could not be read: {rejection}"))
        }
    })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    use crate::domain::validate::{JsonError, from_json};
    from_json(bytes).map_err(|e| match e {
        JsonError::Field(f) => ApiError::Invalid(f),
        JsonError::Syntax(_) => ApiError::Malformed(e.to_string()),
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        parse(&bytes).map(ApiJson)
    }
}

/// The body's bytes as sent (checked to be JSON by type, bounded in size), for a handler that
/// parses them itself into the type the route decides.
pub struct RawJson(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        body_bytes(req, state).await.map(RawJson)
    }
}

/// Parses bytes the way every body is parsed (same errors as [`ApiJson`]).
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse(bytes)
}

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse(&bytes).map(OptionalJson)
    }
}

/// A query string read into `T`, with the API's error shape: a parameter that does not read is a
/// 422 naming it (`at`, `from`), never a bare 400 in the framework's words.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        use crate::domain::validate::{FieldCode, err};
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let why = e.inner().to_string();
                if field.is_empty() || field == "." {
                    ApiError::Malformed(format!("the query string could not be read: {why}"))
                } else {
                    ApiError::Invalid(err(
                        field,
                        FieldCode::InvalidFormat,
                        format!("could not be read ({why})"),
                    ))
                }
            })
    }
}
