//! The same load against NATS JetStream, for the side-by-side comparison in
//! docs/performance.md (`guardia bench --nats URL`, built with `--features peer-nats`).
//!
//! What maps to what:
//! - a press is a JetStream publish of the very bytes a phone posts to the hub, to a stream with
//!   file storage, with `Nats-Msg-Id` = the press id (JetStream's dedupe window plays the part of
//!   our idempotency key); one subject per phone, `alerts.<phone>`;
//! - POST → ack is publish → PubAck. The server must be started with
//!   `jetstream { sync_interval: always }` (scripts/perf.sh writes that config) so that a PubAck,
//!   like our 201 after a `synchronous=FULL` commit, means the message is on disk;
//! - each subscriber is an ordered push consumer on a connection of its own (as each console has
//!   its own HTTP stream), delivering only messages published after it started; POST → delivery
//!   is publish start → message received, per message and subscriber, as for the hub.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use async_nats::jetstream::{self, consumer, message::PublishMessage, stream};
use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{Arrivals, BenchOptions, BenchReport, DRAIN, open_loop, reports, wait_ready};

/// The stream every bench run publishes to. Kept between runs, as the hub keeps its log: a
/// second point runs against a store that already holds the first's messages.
const STREAM: &str = "GUARDIA_BENCH";

/// Consumers created at once: each is a JetStream API request, and a thousand at the same time
/// would time out waiting for the server rather than measure anything.
const CREATING_AT_ONCE: usize = 32;

/// A client of the server at `url`, or of a cluster's nodes listed comma-separated (the client
/// picks one at random, so subscribers spread over the nodes as consoles over hubs).
async fn connect(url: &str) -> Result<async_nats::Client, String> {
    let servers = url
        .split(',')
        .map(|u| u.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a NATS URL: {url}: {e}"))?;
    async_nats::ConnectOptions::new()
        // The benchmark's own name in the server's connection list.
        .name("guardia-bench")
        .connect(servers)
        .await
        .map_err(|e| format!("cannot reach NATS at {url}: {e}"))
}

/// The stream, made if missing; refuses one that would not make acknowledgements durable.
async fn stream(js: &jetstream::Context, replicas: usize) -> Result<(), String> {
    let s = js
        .get_or_create_stream(stream::Config {
            name: STREAM.into(),
            subjects: vec!["alerts.>".into()],
            storage: stream::StorageType::File,
            // One copy, as the hub has one database file; three on a three-node cluster, as
            // three hubs share one PostgreSQL.
            num_replicas: replicas,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot create the JetStream stream: {e}"))?;
    if s.cached_info().config.storage != stream::StorageType::File {
        return Err(format!(
            "stream {STREAM} exists with memory storage; delete it"
        ));
    }
    Ok(())
}

/// An ordered push consumer on a connection of its own, delivering from now on.
async fn ordered(url: &str) -> Result<consumer::push::Ordered, String> {
    let client = connect(url).await?;
    let js = jetstream::new(client.clone());
    let s = js.get_stream(STREAM).await.map_err(|e| e.to_string())?;
    let c = s
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: client.new_inbox(),
            // Like a console opening its stream without Last-Event-ID: from now on.
            deliver_policy: consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    c.messages().await.map_err(|e| e.to_string())
}

/// One console's worth, recording (stream sequence, arrival) for each message.
async fn subscribe(
    url: String,
    stop: CancellationToken,
    ready: Arc<AtomicU64>,
    creating: Arc<Semaphore>,
) -> Arrivals {
    let mut out = Vec::new();
    let mut tries = 0;
    let mut messages = loop {
        let made = {
            let _permit = creating.acquire().await;
            ordered(&url).await
        };
        match made {
            Ok(m) => break m,
            // The server's API may be busy (removing a previous run's consumers, say): a
            // console would try again too.
            Err(e) if tries < 5 => {
                tries += 1;
                tracing::debug!(error = %e, "JetStream subscriber, trying again");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => {
                eprintln!("a JetStream subscriber could not start: {e}");
                return out;
            }
        }
    };
    ready.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return out,
            next = messages.next() => match next {
                Some(Ok(m)) => {
                    let at = Instant::now();
                    if let Ok(info) = m.info() {
                        out.push((info.stream_sequence, at));
                    }
                }
                // An ordered consumer recreates itself after a gap; an error it cannot recover
                // from ends this subscriber, and its missing deliveries show in the report.
                Some(Err(_)) => continue,
                None => return out,
            }
        }
    }
}

/// Removes every consumer of the stream. A console's stream ends on the hub when it hangs up;
/// an ephemeral JetStream consumer lingers for its inactivity threshold (30 s for ordered
/// ones), and a thousand of them expiring at once during the next point would be measured as
/// that point's latency.
async fn remove_consumers(js: &jetstream::Context) -> Result<(), String> {
    let s = js.get_stream(STREAM).await.map_err(|e| e.to_string())?;
    let names: Vec<String> = s
        .consumer_names()
        .filter_map(|n| async move { n.ok() })
        .collect()
        .await;
    futures_util::stream::iter(names)
        .for_each_concurrent(CREATING_AT_ONCE, |name| {
            let s = s.clone();
            async move {
                let _ = s.delete_consumer(&name).await;
            }
        })
        .await;
    Ok(())
}

pub async fn run(options: BenchOptions, url: &str) -> Result<Vec<BenchReport>, String> {
    let client = connect(url).await?;
    let js = jetstream::new(client);
    stream(&js, options.nats_replicas).await?;
    remove_consumers(&js).await?;

    let ready = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let creating = Arc::new(Semaphore::new(CREATING_AT_ONCE));
    let subs: Vec<_> = (0..options.subscribers)
        .map(|_| {
            tokio::spawn(subscribe(
                url.to_string(),
                stop.clone(),
                ready.clone(),
                creating.clone(),
            ))
        })
        .collect();
    wait_ready(&ready, options.subscribers).await;
    let listening = ready.load(Ordering::Relaxed);
    if listening < options.subscribers as u64 {
        eprintln!(
            "only {listening} of {} JetStream subscribers started",
            options.subscribers
        );
    }

    let phones = options.phones.max(1) as u64;
    let mut runs = Vec::with_capacity(options.runs.max(1));
    for _ in 0..options.runs.max(1) {
        let g = open_loop(options.rate, options.duration, |p| {
            let js = js.clone();
            let subject = format!("alerts.{}", p.n % phones);
            let message = PublishMessage::build()
                .payload(p.body)
                .message_id(p.id.to_string());
            async move {
                // Two waits, as for the hub's request and its answer: the publish handed to the
                // connection, then the PubAck after the server's fsync.
                let ack = js.send_publish(subject, message).await.ok()?.await.ok()?;
                (!ack.duplicate).then_some(ack.sequence)
            }
        })
        .await;
        runs.push(g);
    }
    tokio::time::sleep(DRAIN).await;
    stop.cancel();
    let mut arrivals = Vec::with_capacity(subs.len());
    for s in subs {
        arrivals.push(s.await.unwrap_or_default());
    }
    remove_consumers(&js).await?;
    Ok(reports("nats", options.subscribers, runs, arrivals))
}
