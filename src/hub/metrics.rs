//! The hub's metrics, in the Prometheus text format (the `prometheus` crate): what an operator
//! watches in a raid. One registry for the process; `GET /metrics` (staff token) renders it.

use std::sync::LazyLock;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

struct Metrics {
    registry: Registry,
    refusals: IntCounterVec,
    requests: IntCounterVec,
    commit_latency: Histogram,
    batch_size: Histogram,
    queue_depth: IntGauge,
    ingest_lag: prometheus::Gauge,
    streams: IntGaugeVec,
    published: IntCounter,
    deliveries: IntCounterVec,
    overloaded: IntCounter,
    request_latency: HistogramVec,
    passes: HistogramVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: T) -> T {
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let r = Registry::new();
    let buckets = vec![
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
    ];
    Metrics {
        refusals: register(
            &r,
            IntCounterVec::new(
                Opts::new(
                    "guardia_rate_limit_refusals_total",
                    "Requests refused by a limit, by limit",
                ),
                &["limit"],
            )
            .expect("valid"),
        ),
        requests: register(
            &r,
            IntCounterVec::new(
                Opts::new("guardia_requests_total", "Requests by route and status"),
                &["route", "status"],
            )
            .expect("valid"),
        ),
        request_latency: register(
            &r,
            HistogramVec::new(
                HistogramOpts::new(
                    "guardia_request_seconds",
                    "Time to answer a request, by route",
                )
                .buckets(buckets.clone()),
                &["route"],
            )
            .expect("valid"),
        ),
        commit_latency: register(
            &r,
            Histogram::with_opts(
                HistogramOpts::new(
                    "guardia_write_to_commit_seconds",
                    "From a write reaching the writer's queue to its commit",
                )
                .buckets(buckets),
            )
            .expect("valid"),
        ),
        batch_size: register(
            &r,
            Histogram::with_opts(
                HistogramOpts::new("guardia_commit_batch_size", "Writes committed together")
                    .buckets(vec![
                        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
                    ]),
            )
            .expect("valid"),
        ),
        queue_depth: register(
            &r,
            IntGauge::new(
                "guardia_ingest_queue_depth",
                "Writes waiting for the writer",
            )
            .expect("valid"),
        ),
        ingest_lag: register(
            &r,
            prometheus::Gauge::new(
                "guardia_ingest_lag_seconds",
                "How long the last batch's first write waited for the writer",
            )
            .expect("valid"),
        ),
        streams: register(
            &r,
            IntGaugeVec::new(
                Opts::new("guardia_open_streams", "Event streams open, by role"),
                &["role"],
            )
            .expect("valid"),
        ),
        published: register(
            &r,
            IntCounter::new(
                "guardia_events_published_total",
                "Events committed and published",
            )
            .expect("valid"),
        ),
        deliveries: register(
            &r,
            IntCounterVec::new(
                Opts::new(
                    "guardia_webhook_deliveries_total",
                    "Webhook attempts by outcome (delivered, retry, failed)",
                ),
                &["outcome"],
            )
            .expect("valid"),
        ),
        overloaded: register(
            &r,
            IntCounter::new(
                "guardia_overload_refusals_total",
                "Writes refused with 503 because the writer was too far behind",
            )
            .expect("valid"),
        ),
        passes: register(
            &r,
            HistogramVec::new(
                HistogramOpts::new(
                    "guardia_background_pass_seconds",
                    "How long each of the hub's own passes took, by pass",
                )
                .buckets(vec![0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0]),
                &["pass"],
            )
            .expect("valid"),
        ),
        registry: r,
    }
});

/// One run of a background pass (`escalation`, `raids`) and how long it took: what an operator
/// watches to see that a pass costs what it touches, not what the hub holds.
pub fn pass(name: &str, seconds: f64) {
    METRICS.passes.with_label_values(&[name]).observe(seconds);
}

/// A request refused by the limit named (as in `[limits]`).
pub fn refused(limit: &str) {
    METRICS.refusals.with_label_values(&[limit]).inc();
}

/// How many times `limit` refused, since the process started.
pub fn refusals(limit: &str) -> u64 {
    METRICS.refusals.with_label_values(&[limit]).get()
}

pub fn request(route: &str, status: u16, seconds: f64) {
    METRICS
        .requests
        .with_label_values(&[route, &status.to_string()])
        .inc();
    METRICS
        .request_latency
        .with_label_values(&[route])
        .observe(seconds);
}

pub fn committed(batch: usize, waits: impl Iterator<Item = f64>) {
    METRICS.batch_size.observe(batch as f64);
    for w in waits {
        METRICS.commit_latency.observe(w);
    }
}

pub fn queue(depth: usize, lag_seconds: f64) {
    METRICS.queue_depth.set(depth as i64);
    METRICS.ingest_lag.set(lag_seconds);
}

pub fn published(n: usize) {
    METRICS.published.inc_by(n as u64);
}

pub fn stream_opened(role: &str) {
    METRICS.streams.with_label_values(&[role]).inc();
}

pub fn stream_closed(role: &str) {
    METRICS.streams.with_label_values(&[role]).dec();
}

pub fn delivery(outcome: &str) {
    METRICS.deliveries.with_label_values(&[outcome]).inc();
}

pub fn overloaded() {
    METRICS.overloaded.inc();
}

/// Everything, in the text exposition format.
pub fn render() -> String {
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&METRICS.registry.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
