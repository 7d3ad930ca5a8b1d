//! One press as a phone sends it: tried again, with the same alert id, while the hub is down,
//! failing or asks to wait. The id is the hub's idempotency key, so a press the hub stored but
//! whose answer was lost is answered again, never stored twice; and a hub restart loses nothing.

use std::time::Duration;

use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

use super::progress::Stats;
use crate::api::AlertResponse;
use crate::domain::alert::AlertRequest;

/// How presses that did not get through are tried again.
#[derive(Debug, Clone)]
pub struct Retry {
    /// The wait after the first failure; it doubles after each further one.
    pub first_wait: Duration,
    /// The longest wait between attempts (unless the hub's `Retry-After` asks for longer).
    pub max_wait: Duration,
    /// A press not accepted this long after its first attempt is given up.
    pub give_up_after: Duration,
    /// One attempt that has had no answer in this long is abandoned and tried again.
    pub attempt_timeout: Duration,
}

impl Default for Retry {
    /// Long enough to ride out a hub restart; short waits so the hub's return is noticed soon.
    fn default() -> Retry {
        Retry {
            first_wait: Duration::from_millis(250),
            max_wait: Duration::from_secs(5),
            give_up_after: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(10),
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt {
    Accepted(AlertResponse),
    /// The hub said no for good (a wrong token, a malformed press): trying again cannot help.
    Refused(String),
    /// The hub was unreachable, failing or busy; `retry_after` is what it asked to wait.
    Failed {
        why: String,
        retry_after: Option<Duration>,
    },
}

/// Whether an answer with this status is worth trying again: the hub's faults (5xx), and its
/// "not now" (429, 408). Any other 4xx is final.
pub fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// `Retry-After` in seconds, as the hub sends it. The HTTP-date form is not used by the hub and
/// falls back to the usual backoff.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// How long to wait before attempt `failures + 1`, or `None` to give up because that wait would
/// end past `retry.give_up_after` (counted from the first attempt, `elapsed` ago). The hub's
/// `Retry-After` wins over the doubling backoff when it gives one.
pub fn next_wait(
    retry: &Retry,
    failures: u32,
    elapsed: Duration,
    asked: Option<Duration>,
) -> Option<Duration> {
    let doubled = retry
        .first_wait
        .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)));
    let wait = asked.unwrap_or(doubled.min(retry.max_wait));
    (elapsed.saturating_add(wait) <= retry.give_up_after).then_some(wait)
}

/// One attempt at `POST /v1/alerts`.
pub async fn attempt(
    http: &reqwest::Client,
    hub: &str,
    token: &str,
    request: &AlertRequest,
    timeout: Duration,
) -> Attempt {
    let sent = http
        .post(format!("{hub}/v1/alerts"))
        .bearer_auth(token)
        .timeout(timeout)
        .json(request)
        .send()
        .await;
    let res = match sent {
        Ok(res) => res,
        Err(e) => {
            return Attempt::Failed {
                why: network_problem(&e),
                retry_after: None,
            };
        }
    };
    let status = res.status();
    if status.is_success() {
        // An answer cut off half-way is tried again: the same id gets the same answer.
        return match res.json().await {
            Ok(answer) => Attempt::Accepted(answer),
            Err(e) => Attempt::Failed {
                why: format!("unreadable answer ({})", network_problem(&e)),
                retry_after: None,
            },
        };
    }
    if is_retryable(status) {
        return Attempt::Failed {
            why: status.to_string(),
            retry_after: retry_after(res.headers()),
        };
    }
    Attempt::Refused(format!("refused: {status}"))
}

/// A short name for a network failure: reqwest's own text carries the whole URL.
fn network_problem(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "cannot connect".into()
    } else if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_decode() {
        "malformed answer".into()
    } else {
        "connection failed".into()
    }
}

/// Presses until the hub accepts or refuses, the retry window closes, or `stop` is cancelled
/// (then it ends at once, as not accepted); every attempt carries the same `request`, so the
/// same alert id. Counts into `stats`.
pub async fn press(
    http: &reqwest::Client,
    hub: &str,
    token: &str,
    request: &AlertRequest,
    retry: &Retry,
    stats: &Stats,
    stop: &CancellationToken,
) -> Result<AlertResponse, String> {
    let started = tokio::time::Instant::now();
    let mut failures = 0u32;
    // Counted as retrying from its first failure until it is settled either way.
    let mut retrying = None;
    loop {
        let outcome = tokio::select! {
            _ = stop.cancelled() => return Err("stopped before the hub answered".into()),
            outcome = attempt(http, hub, token, request, retry.attempt_timeout) => outcome,
        };
        let (why, asked) = match outcome {
            Attempt::Accepted(answer) => return Ok(answer),
            Attempt::Refused(why) => return Err(why),
            Attempt::Failed { why, retry_after } => (why, retry_after),
        };
        failures += 1;
        stats.note_problem(&why);
        let Some(wait) = next_wait(retry, failures, started.elapsed(), asked) else {
            return Err(format!("{why}; gave up after {failures} attempts"));
        };
        tracing::debug!(alert = %request.id, failures, ?wait, %why, "press to be tried again");
        retrying.get_or_insert_with(|| stats.retrying());
        tokio::select! {
            _ = stop.cancelled() => return Err(format!("{why}; stopped before trying again")),
            _ = tokio::time::sleep(wait) => {}
        }
        stats.count_retry();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry() -> Retry {
        Retry {
            first_wait: Duration::from_millis(100),
            max_wait: Duration::from_secs(1),
            give_up_after: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let r = retry();
        let waits: Vec<u128> = (1..=6)
            .map(|n| next_wait(&r, n, Duration::ZERO, None).unwrap().as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        // Many failures do not overflow.
        assert_eq!(
            next_wait(&r, u32::MAX, Duration::ZERO, None),
            Some(r.max_wait)
        );
    }

    #[test]
    fn the_hubs_retry_after_is_honoured_even_past_the_ceiling() {
        let r = retry();
        let asked = Some(Duration::from_secs(3));
        assert_eq!(next_wait(&r, 1, Duration::ZERO, asked), asked);
        assert_eq!(
            next_wait(&r, 1, Duration::ZERO, Some(Duration::ZERO)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn a_wait_ending_past_the_window_gives_up() {
        let r = retry();
        assert_eq!(next_wait(&r, 3, Duration::from_millis(9_700), None), None);
        assert!(next_wait(&r, 3, Duration::from_millis(9_600), None).is_some());
        assert_eq!(
            next_wait(&r, 1, Duration::ZERO, Some(Duration::from_secs(11))),
            None
        );
    }

    #[test]
    fn only_the_hubs_faults_and_not_now_are_tried_again() {
        for s in [500, 502, 503, 504, 429, 408] {
            assert!(is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 413, 415, 422] {
            assert!(!is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_ignores_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, " 7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }
}
