//! A small typed REST client over reqwest.

use std::time::Duration;

use eventsource_stream::{Event as SseMessage, Eventsource};
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::api::{CasesResponse, ErrorBody, Me};

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot reach the hub: {0}")]
    Unreachable(String),
    #[error("the hub answered {status}: {message}")]
    Refused { status: u16, message: String },
    #[error("the hub sent something unreadable: {0}")]
    Garbled(String),
}

impl NetError {
    /// 401 and 403 will not fix themselves by retrying.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            NetError::Refused {
                status: 401 | 403,
                ..
            }
        )
    }
}

#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl HubClient {
    pub fn new(base: &str, token: &str) -> Result<HubClient, NetError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        Ok(HubClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, NetError> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        check(res)
            .await?
            .json()
            .await
            .map_err(|e| NetError::Garbled(e.to_string()))
    }

    pub async fn me(&self) -> Result<Me, NetError> {
        self.get("/v1/me").await
    }

    pub async fn cases(&self) -> Result<CasesResponse, NetError> {
        self.get("/v1/cases").await
    }

    /// Opens the event stream after `since`. The stream ends when the connection does.
    pub async fn events(
        &self,
        since: u64,
    ) -> Result<impl Stream<Item = Result<SseMessage, NetError>> + use<>, NetError> {
        let res = self
            .http
            .get(format!("{}/v1/events", self.base))
            .bearer_auth(&self.token)
            .header("Last-Event-ID", since.to_string())
            .header("Accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        let res = check(res).await?;
        Ok(res
            .bytes_stream()
            .eventsource()
            .map(|r| r.map_err(|e| NetError::Unreachable(e.to_string()))))
    }
}

async fn check(res: reqwest::Response) -> Result<reqwest::Response, NetError> {
    if res.status().is_success() {
        return Ok(res);
    }
    let status = res.status().as_u16();
    let message = match res.json::<ErrorBody>().await {
        Ok(body) => body.message,
        Err(_) => "no details".into(),
    };
    Err(NetError::Refused { status, message })
}
