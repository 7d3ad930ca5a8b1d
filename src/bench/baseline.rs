//! The machine's own limits, measured in the same run and on the same disk as the hub: raw
//! SQLite durable commits (one row per commit, and batched), a bare HTTP server's rate for a
//! trivial POST, and the hub's own closed-loop maximum with the same client, so that the hub's
//! figures can be read as ratios rather than absolutes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// Durable commits per second, one small row each (WAL, synchronous=FULL).
    pub sqlite_commits_per_second: f64,
    /// Rows per second committed 512 to a transaction.
    pub sqlite_batched_rows_per_second: f64,
    /// Requests per second a bare axum server answers for a trivial JSON POST.
    pub bare_http_posts_per_second: f64,
    /// Alerts per second the hub makes durable with the same client, closed loop.
    pub hub_alerts_per_second: f64,
    pub concurrency: usize,
}

fn sqlite(dir: &std::path::Path, batch: usize, for_how_long: Duration) -> Result<f64, String> {
    let conn = Connection::open(dir.join(format!("raw-{batch}.db"))).map_err(|e| e.to_string())?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )
    .map_err(|e| e.to_string())?;
    let body = "x".repeat(600); // about an alert event's size
    let begin = Instant::now();
    let mut rows = 0u64;
    while begin.elapsed() < for_how_long {
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        for _ in 0..batch {
            conn.execute("INSERT INTO t (body) VALUES (?1)", params![body])
                .map_err(|e| e.to_string())?;
        }
        conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        rows += batch as u64;
    }
    Ok(rows as f64 / begin.elapsed().as_secs_f64())
}

/// Closed loop: `concurrency` clients each send the next request as soon as the last is answered.
async fn closed_loop<F, Fut>(concurrency: usize, for_how_long: Duration, one: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let one = Arc::new(one);
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (done, one) = (done.clone(), one.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while begin.elapsed() < for_how_long {
                if one(i).await {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                i += concurrency;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    done.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64()
}

async fn bare_http(concurrency: usize, for_how_long: Duration) -> Result<f64, String> {
    let app = axum::Router::new().route(
        "/echo",
        axum::routing::post(|body: axum::Json<serde_json::Value>| async move {
            (axum::http::StatusCode::CREATED, body)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}/echo",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await;
    });
    let http = reqwest::Client::new();
    let rate = closed_loop(concurrency, for_how_long, move |_| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.post(&url)
                .json(&serde_json::json!({"lat": 34.05, "lon": -118.25}))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    stop.cancel();
    Ok(rate)
}

async fn hub_max(concurrency: usize, for_how_long: Duration) -> Result<f64, String> {
    let stop = CancellationToken::new();
    let (url, _token, _dir) = super::local_hub(stop.clone()).await?;
    let http = reqwest::Client::new();
    let phones = Arc::new(super::enroll(&http, &url, concurrency * 4).await?);
    let rate = closed_loop(concurrency, for_how_long, move |i| {
        let (http, url, phone) = (http.clone(), url.clone(), phones[i % phones.len()].clone());
        async move {
            let body = serde_json::json!({
                "id": uuid::Uuid::new_v4(),
                "lat": 34.05, "lon": -118.25, "accuracy_m": 10.0,
                "pressed_at": chrono::Utc::now().to_rfc3339(),
                "kind": "detained",
            });
            http.post(format!("{url}/v1/alerts"))
                .bearer_auth(phone)
                .json(&body)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    stop.cancel();
    Ok(rate)
}

pub async fn run(concurrency: usize, seconds: f64) -> Result<Baseline, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let span = Duration::from_secs_f64(seconds);
    let path = dir.path().to_path_buf();
    let single = tokio::task::spawn_blocking({
        let p = path.clone();
        move || sqlite(&p, 1, span)
    })
    .await
    .map_err(|e| e.to_string())??;
    let batched = tokio::task::spawn_blocking(move || sqlite(&path, 512, span))
        .await
        .map_err(|e| e.to_string())??;
    let http = bare_http(concurrency, span).await?;
    let hub = hub_max(concurrency, span).await?;
    Ok(Baseline {
        sqlite_commits_per_second: single,
        sqlite_batched_rows_per_second: batched,
        bare_http_posts_per_second: http,
        hub_alerts_per_second: hub,
        concurrency,
    })
}

pub fn print(b: &Baseline) {
    println!(
        "machine limits (same disk, same run), {} concurrent clients:",
        b.concurrency
    );
    println!(
        "  SQLite durable commits/s, 1 row each     {:>10.0}",
        b.sqlite_commits_per_second
    );
    println!(
        "  SQLite rows/s, 512 per commit            {:>10.0}",
        b.sqlite_batched_rows_per_second
    );
    println!(
        "  bare HTTP server, trivial POST/s         {:>10.0}",
        b.bare_http_posts_per_second
    );
    println!(
        "  hub, durable alerts/s (closed loop)      {:>10.0}   = {:.0}x single commits, {:.0}% of bare HTTP",
        b.hub_alerts_per_second,
        b.hub_alerts_per_second / b.sqlite_commits_per_second.max(1.0),
        100.0 * b.hub_alerts_per_second / b.bare_http_posts_per_second.max(1.0)
    );
}
