//! One error type for every handler, rendered as `{ "error": code, "message": text }`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::store::StoreError;
use crate::api::{ErrorBody, FieldProblem};
use crate::domain::case::Case;
use crate::domain::command::Refusal;
use crate::domain::validate::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    ForbiddenMessage(String),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(&'static str),
    #[error("this endpoint does not take that method; see docs/api.md")]
    MethodNotAllowed,
    /// A limit of `[limits]` (named) refused it; try again after the wait.
    #[error("too many requests ({limit}); retry after {secs} s", limit = .1, secs = .0.seconds())]
    TooMany(crate::hub::limits::RetryAfter, &'static str),
    /// The domain's decision said no.
    #[error("{0}")]
    Refused(Refusal, Option<Box<Case>>),
    #[error("{0}")]
    PreconditionRequired(&'static str),
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body did not arrive whole within the hub's `body_timeout`.
    #[error("the request body took too long to arrive; send it again at once")]
    TooSlow,
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    #[error("the service is temporarily unable to store data; retry with the same id")]
    Unavailable(#[source] StoreError),
    /// The writer is too far behind: what is accepted must stay fast, so new writes wait.
    #[error("the hub is catching up; retry with the same id in a second")]
    Overloaded,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) | ApiError::ForbiddenMessage(_) => {
                (StatusCode::FORBIDDEN, "forbidden")
            }
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::TooMany(..) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Refused(r, _) => {
                let status = match r {
                    Refusal::RoleMayNot(_) | Refusal::NotYours(_) | Refusal::AcceptFirst => {
                        StatusCode::FORBIDDEN
                    }
                    Refusal::NotVisible => StatusCode::NOT_FOUND,
                    Refusal::Conflict(_) | Refusal::Changed(_) => StatusCode::CONFLICT,
                    Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, r.code())
            }
            ApiError::PreconditionRequired(_) => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition_required")
            }
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::TooSlow => (StatusCode::REQUEST_TIMEOUT, "body_too_slow"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            ApiError::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::Refused(r, None)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("no such record"),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Refused { refusal, case } => ApiError::Refused(refusal, case),
            StoreError::Invalid(m) => ApiError::Unprocessable(m),
            StoreError::Field(f) => ApiError::Invalid(f),
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::DeviceRevoked(_) => ApiError::Unauthorized("unknown device token"),
            StoreError::Limited(limit, secs) => ApiError::TooMany(
                crate::hub::limits::RetryAfter(std::time::Duration::from_secs(secs)),
                limit,
            ),
            other => ApiError::Unavailable(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            // Only server faults are logged; the source names the database failure, never a body.
            let source = match &self {
                ApiError::Unavailable(e) => e.to_string(),
                _ => String::new(),
            };
            tracing::error!(code, %source, "request failed");
        }
        let message = self.to_string();
        let retry_after = match &self {
            ApiError::TooMany(wait, limit) => {
                crate::hub::metrics::refused(limit);
                Some(wait.seconds())
            }
            ApiError::Overloaded => {
                crate::hub::metrics::overloaded();
                Some(1)
            }
            _ => None,
        };
        let changed = match &self {
            ApiError::Refused(Refusal::Changed(by), _) => Some(by.clone()),
            _ => None,
        };
        let (case, reason, field) = match self {
            ApiError::Refused(Refusal::Conflict(c), case) => (case, Some(c), None),
            // Older clients read `reason`: a change since is what they called stale.
            ApiError::Refused(Refusal::Changed(_), case) => {
                (case, Some(crate::domain::command::Conflict::Stale), None)
            }
            ApiError::Refused(Refusal::Invalid(e), _) | ApiError::Invalid(e) => {
                (None, None, Some(FieldProblem::from(e)))
            }
            _ => (None, None, None),
        };
        let body = ErrorBody {
            error: code.to_string(),
            message,
            case,
            reason,
            field,
            changed,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}
