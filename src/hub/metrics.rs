//! The hub's metrics, in the Prometheus text format (the `prometheus` crate): what an operator
//! watches in a raid. Counters live in one registry for the process.

use std::sync::LazyLock;

use prometheus::{Encoder, IntCounterVec, Opts, Registry, TextEncoder};

struct Metrics {
    registry: Registry,
    refusals: IntCounterVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let refusals = IntCounterVec::new(
        Opts::new(
            "guardia_rate_limit_refusals_total",
            "Requests refused by a limit, by limit",
        ),
        &["limit"],
    )
    .expect("a valid metric");
    registry
        .register(Box::new(refusals.clone()))
        .expect("registered once");
    Metrics { registry, refusals }
});

/// A request refused by the limit named (as in `[limits]`).
pub fn refused(limit: &str) {
    METRICS.refusals.with_label_values(&[limit]).inc();
}

/// How many times `limit` refused, since the process started.
pub fn refusals(limit: &str) -> u64 {
    METRICS.refusals.with_label_values(&[limit]).get()
}

/// Everything, in the text exposition format.
pub fn render() -> String {
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&METRICS.registry.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}
