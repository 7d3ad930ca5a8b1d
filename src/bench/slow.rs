//! Slow clients: `guardia bench --hub URL --slow N` opens N connections that each start a
//! request body and then send one byte a second, the way a slow-body attack holds a server's
//! connections. It says how many the hub kept and how many it cut, and `scripts/perf.sh slow`
//! reads the hub process's memory beside it: the bytes one held connection costs.

use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, Serialize)]
pub struct SlowReport {
    /// Connections opened.
    pub opened: usize,
    /// Still open when the time was up.
    pub held: usize,
    /// Closed by the hub before then (a connection cap, a deadline).
    pub cut: usize,
    pub seconds: f64,
}

/// The `host:port` of an `http://` URL (slow clients speak plain HTTP to a loopback hub).
fn address_of(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--slow needs an http:// hub URL (a loopback hub, TLS is not spoken here)")?;
    Ok(rest.split('/').next().unwrap_or(rest).to_string())
}

/// One slow client: headers at once, then the body a byte a second until `until`. True when
/// the hub was still holding it at the end.
async fn one(address: String, until: tokio::time::Instant) -> bool {
    let Ok(mut tcp) = tokio::net::TcpStream::connect(&address).await else {
        return false;
    };
    let head = "POST /v1/enroll HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n\
                Content-Length: 4096\r\n\r\n{";
    if tcp.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let mut buf = [0u8; 1024];
    loop {
        let tick = tokio::time::Instant::now() + Duration::from_secs(1);
        tokio::select! {
            read = tcp.read(&mut buf) => {
                // An answer (408, 429) or the close: either way the hub let go.
                let _ = read;
                return false;
            }
            _ = tokio::time::sleep_until(tick.min(until)) => {}
        }
        if tokio::time::Instant::now() >= until {
            return true;
        }
        if tcp.write_all(b" ").await.is_err() {
            return false;
        }
    }
}

/// Opens `n` slow clients against `url` and keeps them trickling for `duration`.
pub async fn run(url: &str, n: usize, duration: Duration) -> Result<SlowReport, String> {
    let address = address_of(url)?;
    let until = tokio::time::Instant::now() + duration;
    let tasks: Vec<_> = (0..n)
        .map(|_| tokio::spawn(one(address.clone(), until)))
        .collect();
    let mut held = 0;
    for t in tasks {
        if t.await.unwrap_or(false) {
            held += 1;
        }
    }
    Ok(SlowReport {
        opened: n,
        held,
        cut: n - held,
        seconds: duration.as_secs_f64(),
    })
}
