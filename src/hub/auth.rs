//! Bearer tokens: random, shown once, stored only as a SHA-256 hash.
//!
//! SHA-256 without a salt is enough here because tokens carry 256 bits of randomness: there is
//! nothing to guess, so a slow password hash would only slow every request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use super::devices::DeviceCache;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::staff::{Scope, StaffInfo};

pub const DEVICE_PREFIX: &str = "gdv_";
pub const STAFF_PREFIX: &str = "gds_";

pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "missing Authorization: Bearer <token> header",
        ))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ))?;
    let plausible = !token.is_empty()
        && token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !plausible {
        return Err(ApiError::Unauthorized("the token is not well formed"));
    }
    Ok(token)
}

/// Where the request came from (put on every request by the hub's accept loop).
pub fn client_ip(parts: &Parts) -> std::net::IpAddr {
    parts
        .extensions
        .get::<super::server::ClientAddr>()
        .map(|a| a.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// A wrong token: counted against the address and logged without the token. An address past
/// its allowance is answered 429 instead of 401, so guessing earns nothing but waiting. A right
/// token is never held back, whatever else comes from its address: phones behind one carrier's
/// NAT share an address with whoever is guessing.
fn wrong_token(state: &AppState, parts: &Parts, kind: &'static str) -> ApiError {
    let ip = client_ip(parts);
    if let Some(wait) = state.limits.auth_blocked(ip) {
        return ApiError::TooMany(wait, "failed_auth_per_address_per_minute");
    }
    state.limits.failed_auth(ip);
    tracing::warn!(%ip, kind, "authentication failed");
    ApiError::Unauthorized(match kind {
        "device" => "unknown device token",
        _ => "unknown, disabled or expired staff token",
    })
}

/// A phone, authenticated by its device token.
#[derive(Debug, Clone, Copy)]
pub struct Device {
    pub registrant_id: i64,
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if token.starts_with(STAFF_PREFIX) {
            return Err(ApiError::Forbidden("staff tokens cannot act as a phone"));
        }
        let hash = hash_token(token);
        if let Some(registrant_id) = state.devices.get(&hash) {
            return Ok(Device { registrant_id });
        }
        let epoch = state.devices.epoch();
        match state.store.device_by_token(hash.clone()).await? {
            Some(registrant_id) => {
                state.devices.insert(hash, registrant_id, epoch);
                Ok(Device { registrant_id })
            }
            None => Err(wrong_token(state, parts, "device")),
        }
    }
}

/// A staff member, authenticated by their staff token.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffInfo);

impl Staff {
    pub fn scope(&self) -> Scope {
        Scope::for_staff(self.0.id, self.0.role, self.0.consulate.as_deref())
    }

    /// This person as the record names them.
    pub fn actor(&self) -> crate::domain::event::Actor {
        crate::domain::event::Actor::Staff {
            id: self.0.id,
            name: self.0.name.clone(),
            role: self.0.role,
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if token.starts_with(DEVICE_PREFIX) {
            return Err(ApiError::Forbidden("device tokens cannot read cases"));
        }
        let found = state
            .store
            .staff_by_token(hash_token(token), state.now(), state.auth.staff_token_days)
            .await?;
        match found {
            Some(info) => Ok(Staff(info)),
            None => Err(wrong_token(state, parts, "staff")),
        }
    }
}

/// Anyone with a valid token of either kind.
#[derive(Debug, Clone)]
pub enum Caller {
    Device(Device),
    Staff(Staff),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if token.starts_with(STAFF_PREFIX) {
            Staff::from_request_parts(parts, state)
                .await
                .map(Caller::Staff)
        } else {
            Device::from_request_parts(parts, state)
                .await
                .map(Caller::Device)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hash_differently() {
        let a = new_token(DEVICE_PREFIX);
        let b = new_token(DEVICE_PREFIX);
        assert_ne!(a, b);
        assert_eq!(a.len(), DEVICE_PREFIX.len() + 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
