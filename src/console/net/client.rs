//! A small typed REST client over reqwest.

use std::time::Duration;

use eventsource_stream::{Event as SseMessage, Eventsource};
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::api::{ActionResponse, CasesResponse, ErrorBody, LawyerInfo, Me};
use crate::domain::case::Case;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot reach the hub: {0}")]
    Unreachable(String),
    #[error("the hub answered {status}: {message}")]
    Refused {
        status: u16,
        /// The machine-readable code.
        error: String,
        message: String,
        /// With a 409 `case_changed`: the case as it now stands, and what stood in the way.
        case: Option<Box<Case>>,
        reason: Option<crate::api::Conflict>,
        /// With a 422 `invalid_field`: which field, and its problem's code.
        field: Option<crate::api::FieldProblem>,
        /// With a 409 `case_changed`: what happened since that changes the action's meaning.
        changed: Option<Box<crate::domain::command::ChangedBy>>,
    },
    #[error("the hub sent something unreadable: {0}")]
    Garbled(String),
}

impl NetError {
    /// Worth sending again later: the hub was unreachable or failing, not refusing.
    pub fn is_transient(&self) -> bool {
        match self {
            NetError::Unreachable(_) | NetError::Garbled(_) => true,
            NetError::Refused { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        }
    }

    /// The hub itself is down or failing (unreachable, 5xx, timed out, cut off mid-answer), so
    /// another hub may serve: everything worth retrying but a 429, which a working hub sends to
    /// say "slower", and which the next hub would have to say too.
    pub fn warrants_failover(&self) -> bool {
        self.is_transient() && !matches!(self, NetError::Refused { status: 429, .. })
    }

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

/// A case as read for a record, with where the read was logged and the seal of its last event.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub case: Case,
    /// The `seq` of the read's own record.
    pub read: u64,
    /// The case's last event and its link, hex.
    pub seq: u64,
    pub link: String,
}

#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// How this console names itself to the hub (`user@host`), for the record of who read what.
fn console_name() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "console".into());
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host = host.trim();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}

/// Whether the console may talk to `url`: HTTPS anywhere, plain HTTP only to this machine. A
/// staff token and people's data must never cross a network in clear.
pub fn url_policy(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "refusing plain http:// to {}: use https:// for a hub on another machine",
                    parsed.host_str().unwrap_or("?")
                ))
            }
        }
        other => Err(format!(
            "{url}: the hub's URL must be https:// (not {other}://)"
        )),
    }
}

/// A query value with what a URL would read otherwise escaped (consulate ids are plain words;
/// a time's `+` and `:` are not).
fn query_value(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// A client for talking to a hub at `base` with a token. A plain `http://` hub is on this machine
/// (`url_policy`): a proxy from the environment (`HTTP_PROXY`, `ALL_PROXY`) is never used for
/// it, since the proxy would read every request, token and case in clear. Through `https://`
/// a proxy only tunnels what it cannot read, and a network may need one to get out.
pub fn for_hub(base: &str) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    if proxy_may_carry(base) {
        builder
    } else {
        builder.no_proxy()
    }
}

/// Whether a proxy from the environment may carry requests to `base`: only encrypted ones.
pub fn proxy_may_carry(base: &str) -> bool {
    reqwest::Url::parse(base).is_ok_and(|u| u.scheme() == "https")
}

impl HubClient {
    pub fn new(base: &str, token: &str) -> Result<HubClient, NetError> {
        url_policy(base).map_err(NetError::Unreachable)?;
        // Every read of a case is recorded with the console it came from.
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(name) = reqwest::header::HeaderValue::from_str(&console_name()) {
            headers.insert("guardia-console", name);
        }
        let http = for_hub(base)
            .connect_timeout(Duration::from_secs(5))
            .default_headers(headers)
            .build()
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        Ok(HubClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    /// Sends a request with the token and reads a JSON answer, or the hub's error.
    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, NetError> {
        let res = req
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        check(res)
            .await?
            .json()
            .await
            .map_err(|e| NetError::Garbled(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, NetError> {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(Duration::from_secs(60));
        self.call(req).await
    }

    pub async fn me(&self) -> Result<Me, NetError> {
        self.get("/v1/me").await
    }

    /// Every case the token sees that is open, and those closed since `closed_since`, page by
    /// page. The `seq` is the first page's: streaming from it replays whatever changed while
    /// the later pages were read, and folding skips what a case already holds.
    pub async fn cases(
        &self,
        closed_since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<CasesResponse, NetError> {
        let closed = closed_since
            .map(|t| format!("&closed_since={}", t.format("%Y-%m-%dT%H:%M:%SZ")))
            .unwrap_or_default();
        let mut all: Option<CasesResponse> = None;
        let mut after = 0;
        loop {
            let page: CasesResponse = self
                .get(&format!("/v1/cases?after={after}{closed}"))
                .await?;
            let next = page.next_after;
            match &mut all {
                None => all = Some(page),
                Some(all) => all.cases.extend(page.cases),
            }
            match next {
                Some(n) if n > after => after = n,
                _ => break,
            }
        }
        let mut all = all.expect("one page at least");
        all.next_after = None;
        Ok(all)
    }

    pub async fn case(&self, id: u64) -> Result<Case, NetError> {
        self.get(&format!("/v1/cases/{id}")).await
    }

    /// The case's jurisdiction card, rules and transfer alarm (`GET /v1/cases/{id}/jurisdiction`).
    pub async fn case_card(
        &self,
        id: u64,
    ) -> Result<crate::domain::jurisdiction::CaseCard, NetError> {
        self.get(&format!("/v1/cases/{id}/jurisdiction")).await
    }

    /// A case read whole for a record: `purpose` says why (recorded with the read), `as_of`
    /// asks for the case as it stood after that event. Answers with the seal the hub sent.
    pub async fn case_sealed(
        &self,
        id: u64,
        purpose: crate::domain::event::ReadPurpose,
        as_of: Option<u64>,
    ) -> Result<Sealed, NetError> {
        let purpose = serde_json::to_value(purpose)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let as_of = as_of.map(|s| format!("&as_of={s}")).unwrap_or_default();
        let res = self
            .http
            .get(format!(
                "{}/v1/cases/{id}?purpose={purpose}{as_of}",
                self.base
            ))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        let res = check(res).await?;
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
                .unwrap_or_default()
        };
        let read: u64 = header("guardia-read").parse().unwrap_or(0);
        let seal = header("guardia-seal");
        let (seq, link) = seal.split_once(' ').unwrap_or(("0", ""));
        let seq = seq.parse().unwrap_or(0);
        let link = link.to_string();
        let case = res
            .json()
            .await
            .map_err(|e| NetError::Garbled(e.to_string()))?;
        Ok(Sealed {
            case,
            read,
            seq,
            link,
        })
    }

    /// Who read case `id` (up to `upto`), or `None` when this role may not see it.
    pub async fn access(
        &self,
        id: u64,
        upto: Option<u64>,
    ) -> Result<Option<Vec<crate::api::AccessEntry>>, NetError> {
        let upto = upto.map(|u| format!("?upto={u}")).unwrap_or_default();
        match self.get(&format!("/v1/cases/{id}/access{upto}")).await {
            Ok(list) => Ok(Some(list)),
            Err(NetError::Refused { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The cases in scope a search means, looked for in what rows do not carry (phone numbers,
    /// matrículas).
    pub async fn find(&self, query: &str) -> Result<Vec<u64>, NetError> {
        let mut url = reqwest::Url::parse(&format!("{}/v1/cases/find", self.base))
            .map_err(|e| NetError::Unreachable(e.to_string()))?;
        url.query_pairs_mut().append_pair("q", query);
        let found: crate::api::Found = self
            .call(self.http.get(url).timeout(Duration::from_secs(20)))
            .await?;
        Ok(found.cases)
    }

    pub async fn lawyers(&self) -> Result<Vec<LawyerInfo>, NetError> {
        self.get("/v1/lawyers").await
    }

    /// Enrolled people with this number. `phone` is already normalised (`+` and digits), so
    /// only the `+` needs escaping in the query.
    pub async fn candidates(&self, phone: &str) -> Result<Vec<crate::api::Candidate>, NetError> {
        let query = phone.replace('+', "%2B");
        self.get(&format!("/v1/intake/candidates?phone={query}"))
            .await
    }

    /// The figures of a period (`GET /v1/reports/figures`), for one consulate or all.
    pub async fn figures(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        consulate: Option<&str>,
    ) -> Result<crate::domain::figures::Figures, NetError> {
        let mut path = format!("/v1/reports/figures?from={from}&to={to}");
        if let Some(c) = consulate {
            path.push_str(&format!("&consulate={}", query_value(c)));
        }
        self.get(&path).await
    }

    /// The shift tab: the handover; for supervisors the incidents of the last week and the
    /// figures of the last 30 days. What this token may not read stays empty.
    pub async fn shift_panel(&self) -> crate::console::records::ShiftPanel {
        let to = chrono::Utc::now().date_naive();
        let from = to - chrono::Duration::days(29);
        crate::console::records::ShiftPanel {
            handover: self.handover(None, None, false).await.ok(),
            incidents: self.get("/v1/incidents").await.unwrap_or_default(),
            plans: self
                .get("/v1/visits/plans?days=30")
                .await
                .unwrap_or_default(),
            duty: self.get("/v1/duty").await.ok(),
            appointments: self
                .get("/v1/appointments/watched?hours=24")
                .await
                .unwrap_or_default(),
            figures: self
                .figures(from, to, None)
                .await
                .ok()
                .map(|f| (from, to, f)),
        }
    }

    /// What the next shift inherits (`GET /v1/handover`).
    pub async fn handover(
        &self,
        consulate: Option<&str>,
        at: Option<chrono::DateTime<chrono::Utc>>,
        all: bool,
    ) -> Result<crate::domain::handover::Handover, NetError> {
        let mut query = Vec::new();
        if all {
            query.push("all=true".to_string());
        }
        if let Some(c) = consulate {
            query.push(format!("consulate={}", query_value(c)));
        }
        if let Some(at) = at {
            query.push(format!("at={}", query_value(&at.to_rfc3339())));
        }
        self.get(&format!("/v1/handover?{}", query.join("&"))).await
    }

    /// The backlog of what the token sees, counted on the hub (`GET /v1/reports/backlog`).
    pub async fn backlog(
        &self,
        sla: chrono::Duration,
        filter: crate::domain::backlog::TriageFilter,
    ) -> Result<crate::domain::backlog::Backlog, NetError> {
        let mut query = vec![format!(
            "sla_minutes={}",
            sla.num_minutes().clamp(1, 10_080)
        )];
        if let Some(c) = filter.consent {
            query.push(format!("consent={}", c.as_str()));
        }
        if let Some(i) = filter.intent {
            query.push(format!("intent={}", i.as_str()));
        }
        if let Some(c) = filter.category {
            query.push(format!("category={}", c.as_str()));
        }
        self.get(&format!("/v1/reports/backlog?{}", query.join("&")))
            .await
    }

    /// Facilities staff added or corrected (`GET /v1/facilities/recorded`).
    pub async fn recorded_facilities(
        &self,
    ) -> Result<Vec<crate::domain::facility::Facility>, NetError> {
        self.get("/v1/facilities/recorded").await
    }

    pub async fn consulates(&self) -> Result<Vec<crate::domain::consulate::Consulate>, NetError> {
        self.get("/v1/consulates").await
    }

    /// Sends one case action with its idempotency key and the version it was decided on.
    pub async fn act(
        &self,
        path: &str,
        key: &str,
        version: u64,
        body: &serde_json::Value,
    ) -> Result<ActionResponse, NetError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Idempotency-Key", key)
            .header("If-Match", format!("\"{version}\""))
            .json(body)
            .timeout(Duration::from_secs(20));
        self.call(req).await
    }

    /// Sends protection work (no case, no `If-Match`); the hub answers with what it recorded.
    pub async fn record(
        &self,
        path: &str,
        key: &str,
        body: &serde_json::Value,
    ) -> Result<crate::api::Recorded, NetError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Idempotency-Key", key)
            .json(body)
            .timeout(Duration::from_secs(20));
        self.call(req).await
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
    let body = res.json::<ErrorBody>().await.unwrap_or_else(|_| ErrorBody {
        error: String::new(),
        message: "no details".into(),
        case: None,
        reason: None,
        field: None,
        changed: None,
    });
    Err(NetError::Refused {
        status,
        error: body.error,
        message: body.message,
        case: body.case,
        reason: body.reason,
        field: body.field,
        changed: body.changed.map(Box::new),
    })
}

#[cfg(test)]
mod tests {
    use super::url_policy;

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(url_policy("http://127.0.0.1:8750").is_ok());
        assert!(url_policy("http://localhost:8750").is_ok());
        assert!(url_policy("http://[::1]:8750").is_ok());
        assert!(url_policy("https://hub.example.org").is_ok());
        assert!(url_policy("http://hub.example.org").is_err());
        assert!(url_policy("http://10.0.0.5:8750").is_err());
        assert!(url_policy("ftp://127.0.0.1").is_err());
    }
}
