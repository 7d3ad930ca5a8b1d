//! `guardia bench`: load a hub the way a raid would, and report what an operator sizes a
//! deployment by — durable alerts per second, POST → 201 latency, POST → event at every
//! subscriber, and memory — beside the machine's own limits (`--baseline`).
//!
//! Open loop: presses are sent at the asked rate whatever the hub's answers, so a slow hub shows
//! as latency and a lower durable rate instead of quietly lowering the load.
//!
//! The same generator, payload and percentile code drive NATS JetStream (`--nats URL`, built
//! with `--features peer-nats`, see [`nats`]) so that the two can be compared point by point.

pub mod baseline;
#[cfg(feature = "peer-nats")]
pub mod nats;
pub mod slow;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::api::{AlertResponse, EnrollResponse};
use crate::domain::staff::{NewStaff, Role};
use crate::hub::auth::{STAFF_PREFIX, hash_token, new_token};
use crate::hub::store::Store;
use crate::hub::{AppState, serve};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// A running hub; None starts one in this process on a temporary database.
    pub hub: Option<String>,
    /// Staff token (national supervisor) for the subscribers when `hub` is given.
    pub token: Option<String>,
    pub rate: f64,
    pub duration: Duration,
    pub subscribers: usize,
    /// Distinct phones pressing (a phone pressing again joins its open case, still one event).
    pub phones: usize,
    /// Runs of `duration` back to back on the same phones, subscribers and hub (a raid that
    /// goes on): one report each.
    pub runs: usize,
    /// Copies of the JetStream stream, for the NATS comparison (3 for a three-node cluster).
    pub nats_replicas: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

impl Percentiles {
    pub fn of(mut micros: Vec<u64>) -> Percentiles {
        micros.sort_unstable();
        let at = |q: f64| {
            if micros.is_empty() {
                return 0.0;
            }
            let i = ((micros.len() as f64 - 1.0) * q).round() as usize;
            micros[i] as f64 / 1000.0
        };
        Percentiles {
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: at(1.0),
            samples: micros.len(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// What was measured: "hub" or "nats".
    pub target: &'static str,
    pub rate_asked: f64,
    pub seconds: f64,
    pub subscribers: usize,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    pub durable_per_second: f64,
    pub post_to_201: Percentiles,
    pub post_to_subscriber: Percentiles,
    /// Events that every subscriber received (should equal `acknowledged`).
    pub delivered_to_all: u64,
    /// Resident memory of this process at the end (the in-process hub and the load generator
    /// together), MiB.
    pub rss_mib: f64,
}

/// This process's resident memory, from /proc (Linux); 0 elsewhere.
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A hub in this process on a temporary database, with a national supervisor's token.
pub async fn local_hub(
    stop: CancellationToken,
) -> Result<(String, String, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = Store::open(&dir.path().join("bench.db")).map_err(|e| e.to_string())?;
    let token = new_token(STAFF_PREFIX);
    store
        .add_staff(
            NewStaff {
                name: "Bench".into(),
                role: Role::Supervisor,
                consulate: None,
                serves: vec![],
                languages: vec![],
                capacity: 0,
            },
            hash_token(&token),
            crate::domain::event::Actor::Operator,
            None,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let consulates = crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES)
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let mut state = AppState::new(store, consulates);
    // The bench measures pressing, not enrolling: its phones enroll as in a closed deployment.
    state.enroll.verify_phone = false;
    // It measures the hub at full speed from one address.
    state.limits = Arc::new(crate::hub::limits::Limits::off());
    tokio::spawn(async move {
        let _ = serve(listener, state, async move { stop.cancelled().await }).await;
    });
    Ok((url, token, dir))
}

fn client(connections: usize) -> reqwest::Client {
    // A loopback hub, tokens in clear: never through a proxy from the environment.
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

async fn enroll(http: &reqwest::Client, url: &str, n: usize) -> Result<Vec<String>, String> {
    let mut tokens = Vec::with_capacity(n);
    let sem = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (http, url, sem) = (http.clone(), url.to_string(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await;
            let profile = serde_json::json!({
                "name": format!("Persona Ficticia {i}"),
                "date_of_birth": "1990-01-01",
                "consular_id": format!("BENCH{i:06}"),
                "phone": format!("+1555{:07}", i % 10_000_000),
                "language": "es",
            });
            let res = http
                .post(format!("{url}/v1/enroll"))
                .json(&profile)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            // A hub of its own process must let the bench enroll: anything but 201 means it
            // wants a code texted to the phone, or one of its enrollment limits is on.
            if res.status() != reqwest::StatusCode::CREATED {
                return Err(format!(
                    "enrollment answered {}: the hub needs [enroll] verify_phone = false and \
                     [limits] enroll_per_address_per_minute = enroll_global_per_second = 0",
                    res.status()
                ));
            }
            res.json::<EnrollResponse>()
                .await
                .map(|r| r.device_token)
                .map_err(|e| e.to_string())
        }));
    }
    for t in tasks {
        tokens.push(t.await.map_err(|e| e.to_string())??);
    }
    Ok(tokens)
}

/// Per subscriber: (seq, arrival) for each event received.
pub type Arrivals = Vec<(u64, Instant)>;

async fn subscribe(
    http: reqwest::Client,
    url: String,
    token: String,
    stop: CancellationToken,
    ready: Arc<AtomicU64>,
) -> Arrivals {
    let res = http
        .get(format!("{url}/v1/events"))
        .bearer_auth(&token)
        .header("Accept", "text/event-stream")
        .send()
        .await;
    let mut out = Vec::new();
    let Ok(res) = res else {
        return out;
    };
    ready.fetch_add(1, Ordering::Relaxed);
    let mut stream = eventsource_stream::Eventsource::eventsource(res.bytes_stream());
    loop {
        tokio::select! {
            _ = stop.cancelled() => return out,
            next = stream.next() => match next {
                Some(Ok(m)) => {
                    if let Ok(seq) = m.id.parse() {
                        out.push((seq, Instant::now()));
                    }
                }
                _ => return out,
            }
        }
    }
}

/// One press as the generator made it: its index, its id (the idempotency key) and the JSON a
/// phone posts, the same bytes for every target.
pub struct Press {
    pub n: u64,
    pub id: Uuid,
    pub body: bytes::Bytes,
}

/// Where press `n` comes from: three in ten from one metro area (a raid's share, around
/// downtown Los Angeles), the rest spread over the consulates' cities, so that a filled hub holds
/// cases across the network as it would after a wave.
fn spot(n: u64) -> (f64, f64) {
    use std::sync::OnceLock;
    static CITIES: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    let cities = CITIES.get_or_init(|| {
        crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES)
            .map(|cs| cs.iter().map(|c| (c.lat, c.lon)).collect())
            .unwrap_or_default()
    });
    // A few hundred metres of jitter, from the press's number.
    let jitter = |k: u64| ((n.wrapping_mul(k) % 1000) as f64 / 1000.0 - 0.5) * 0.01;
    if n % 10 < 3 || cities.is_empty() {
        (34.05 + jitter(7), -118.25 + jitter(13))
    } else {
        let (lat, lon) = cities[(n as usize / 10) % cities.len()];
        (lat + jitter(7), lon + jitter(13))
    }
}

fn press(n: u64) -> Press {
    let id = Uuid::new_v4();
    let (lat, lon) = spot(n);
    let body = serde_json::json!({
        "id": id,
        "lat": lat, "lon": lon, "accuracy_m": 10.0,
        "pressed_at": chrono::Utc::now().to_rfc3339(),
        "kind": "detained",
    });
    Press {
        n,
        id,
        body: serde_json::to_vec(&body).unwrap_or_default().into(),
    }
}

/// What one open-loop run produced, before the subscribers are read.
pub struct Generated {
    rate: f64,
    seconds: f64,
    sent: u64,
    failed: u64,
    /// Sequence number the target gave each durable press → when its send began.
    started: HashMap<u64, Instant>,
    /// Send → durable acknowledgement, µs.
    to_ack: Vec<u64>,
}

/// Sends presses at `rate` for `duration` whatever the answers; `send` makes one press durable
/// and answers its sequence number in the target's log (None: refused or failed). Timing starts
/// when the press is handed to `send`, after its body is built, for every target alike.
pub async fn open_loop<F, Fut>(rate: f64, duration: Duration, send: F) -> Generated
where
    F: Fn(Press) -> Fut,
    Fut: std::future::Future<Output = Option<u64>> + Send + 'static,
{
    let mut sent: u64 = 0;
    let failed = Arc::new(AtomicU64::new(0));
    let started: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let to_ack: Arc<Mutex<Vec<u64>>> = Arc::default();
    let in_flight = Arc::new(Semaphore::new(4096));
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let begin = Instant::now();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    let mut n: u64 = 0;
    while begin.elapsed() < duration {
        ticker.tick().await;
        // A press the generator cannot even start (4,096 already waiting on the target) counts
        // as sent and failed: it was asked for, and not made durable.
        sent += 1;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            failed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let one = press(n);
        n += 1;
        let (failed, started, to_ack) = (failed.clone(), started.clone(), to_ack.clone());
        let t0 = Instant::now();
        let answer = send(one);
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            match answer.await {
                Some(seq) => {
                    to_ack
                        .lock()
                        .map(|mut v| v.push(t0.elapsed().as_micros() as u64))
                        .ok();
                    started.lock().map(|mut m| m.insert(seq, t0)).ok();
                }
                None => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    Generated {
        rate,
        seconds: begin.elapsed().as_secs_f64(),
        sent,
        failed: failed.load(Ordering::Relaxed),
        started: take(&started),
        to_ack: take(&to_ack),
    }
}

/// The contents of a mutex, even one a panicking task left poisoned.
fn take<T: Default>(m: &Mutex<T>) -> T {
    std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner()))
}

/// One report per run, from what each subscriber received over all of them: an arrival belongs
/// to the run whose press got its sequence number (sequence numbers never repeat in a log).
pub fn reports(
    target: &'static str,
    subscribers: usize,
    runs: Vec<Generated>,
    arrivals: Vec<Arrivals>,
) -> Vec<BenchReport> {
    let rss = rss_mib();
    runs.into_iter()
        .map(|g| {
            let mut latencies = Vec::new();
            let mut seen_by: HashMap<u64, usize> = HashMap::new();
            for sub in &arrivals {
                for (seq, at) in sub {
                    if let Some(t0) = g.started.get(seq) {
                        latencies.push(at.saturating_duration_since(*t0).as_micros() as u64);
                        *seen_by.entry(*seq).or_default() += 1;
                    }
                }
            }
            let delivered_to_all = seen_by.values().filter(|n| **n == subscribers).count() as u64;
            let acknowledged = g.started.len() as u64;
            BenchReport {
                target,
                rate_asked: g.rate,
                seconds: g.seconds,
                subscribers,
                sent: g.sent,
                acknowledged,
                failed: g.failed,
                durable_per_second: acknowledged as f64 / g.seconds,
                post_to_201: Percentiles::of(g.to_ack),
                post_to_subscriber: Percentiles::of(latencies),
                delivered_to_all: if subscribers == 0 {
                    0
                } else {
                    delivered_to_all
                },
                rss_mib: rss,
            }
        })
        .collect()
}

/// Waits until `ready` subscribers are listening (at most a minute), then a second more: a
/// server that has just taken a thousand subscriptions may still be settling them, and that is
/// not what the load measures.
pub async fn wait_ready(ready: &AtomicU64, subscribers: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < subscribers as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if subscribers > 0 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Time for the last events to reach every subscriber after the last acknowledgement.
pub const DRAIN: Duration = Duration::from_millis(500);

pub async fn run(options: BenchOptions) -> Result<Vec<BenchReport>, String> {
    let stop = CancellationToken::new();
    // Several hubs (comma-separated) share one database: presses and subscribers are spread
    // over them in turn, as a load balancer would.
    let (urls, token, _dir) = match &options.hub {
        Some(u) => (
            u.split(',')
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty())
                .collect::<Vec<_>>(),
            options
                .token
                .clone()
                .ok_or("--hub needs a national supervisor's token (GUARDIA_TOKEN)")?,
            None,
        ),
        None => {
            let (u, t, d) = local_hub(stop.clone()).await?;
            (vec![u], t, Some(d))
        }
    };
    let url = urls.first().cloned().ok_or("--hub names no hub")?;
    let http = client(512);
    let phones = Arc::new(enroll(&http, &url, options.phones.max(1)).await?);

    let ready = Arc::new(AtomicU64::new(0));
    let sub_stop = CancellationToken::new();
    let mut subs = Vec::with_capacity(options.subscribers);
    // One client for every subscriber (each stream still gets its own connection): a client per
    // subscriber would cost the generator far more memory than the hub it measures.
    let streams = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    for i in 0..options.subscribers {
        subs.push(tokio::spawn(subscribe(
            streams.clone(),
            urls[i % urls.len()].clone(),
            token.clone(),
            sub_stop.clone(),
            ready.clone(),
        )));
    }
    wait_ready(&ready, options.subscribers).await;

    let mut runs = Vec::with_capacity(options.runs.max(1));
    for _ in 0..options.runs.max(1) {
        let g = open_loop(options.rate, options.duration, |p| {
            let phone = phones[(p.n as usize) % phones.len()].clone();
            let url = &urls[(p.n as usize) % urls.len()];
            let request = http
                .post(format!("{url}/v1/alerts"))
                .bearer_auth(phone)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(p.body);
            async move {
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        r.json::<AlertResponse>().await.ok().map(|a| a.seq)
                    }
                    _ => None,
                }
            }
        })
        .await;
        runs.push(g);
    }
    tokio::time::sleep(DRAIN).await;
    sub_stop.cancel();
    let mut arrivals = Vec::with_capacity(subs.len());
    for s in subs {
        arrivals.push(s.await.unwrap_or_default());
    }
    stop.cancel();
    Ok(reports("hub", options.subscribers, runs, arrivals))
}

/// Built without `--features peer-nats`: say how to get the comparison.
#[cfg(not(feature = "peer-nats"))]
pub async fn run_nats(_options: BenchOptions, _url: &str) -> Result<Vec<BenchReport>, String> {
    Err("this guardia was built without NATS: cargo build --release --features peer-nats".into())
}

#[cfg(feature = "peer-nats")]
pub use nats::run as run_nats;

pub fn print(r: &BenchReport) {
    println!(
        "{}: rate asked {:.0}/s for {:.1} s, {} subscribers",
        r.target, r.rate_asked, r.seconds, r.subscribers
    );
    println!(
        "  durable alerts/s     {:>10.0}   ({} of {} acknowledged, {} failed)",
        r.durable_per_second, r.acknowledged, r.sent, r.failed
    );
    println!(
        "  POST → ack (201)     p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        r.post_to_201.p50_ms, r.post_to_201.p99_ms, r.post_to_201.max_ms
    );
    if r.subscribers > 0 {
        println!(
            "  POST → subscriber    p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({} of {} events reached all)",
            r.post_to_subscriber.p50_ms,
            r.post_to_subscriber.p99_ms,
            r.post_to_subscriber.max_ms,
            r.delivered_to_all,
            r.acknowledged
        );
    }
    println!("  memory (this process) {:>8.1} MiB", r.rss_mib);
}
