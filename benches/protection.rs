//! The protection work's background and report costs, beside a raid: the incident pass the hub
//! runs every 10 s (the cluster rule over the last 10 minutes' open alerts) and the figures
//! report for the last 30 days, each with 2,000 and 20,000 older cases in the log: neither
//! should grow with them.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardia::domain::alert::{AlertKind, AlertRequest};
use guardia::domain::consulate::{Consulate, parse_csv};
use guardia::domain::figures::Period;
use guardia::domain::registrant::Profile;
use guardia::hub::store::Store;
use uuid::Uuid;

fn profile(i: usize) -> Profile {
    Profile {
        name: format!("Persona Ficticia {i}"),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 1),
        consular_id: "MX1".into(),
        phone: format!("+1310{i:07}"),
        language: "es".into(),
        flags: vec![],
        relatives: vec![],
        erased: false,
    }
}

/// A press near downtown Los Angeles: `spread` degrees of jitter around it.
fn alert(i: usize, at: DateTime<Utc>, spread: f64) -> AlertRequest {
    let wobble = |k: usize| ((i * k) % 100) as f64 / 100.0 - 0.5;
    AlertRequest {
        id: Uuid::new_v4(),
        lat: 34.05 + wobble(7) * spread,
        lon: -118.25 + wobble(13) * spread,
        accuracy_m: 10.0,
        pressed_at: at,
        kind: AlertKind::Detained,
    }
}

/// `history` cases over the year before the last 40 days (outside the report's 30), then a
/// raid: 200 presses in the last 10 minutes within a kilometre.
async fn seed(history: usize, now: DateTime<Utc>) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).unwrap();
    let consulates: Arc<Vec<Consulate>> =
        Arc::new(parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap());
    let total = history + 200;
    let indices: Vec<usize> = (0..total).collect();
    for chunk in indices.chunks(512) {
        let enrolled = chunk
            .iter()
            .map(|i| store.enroll_unverified(profile(*i), format!("hash{i}"), None, now));
        let ids: Vec<i64> = futures_util::future::join_all(enrolled)
            .await
            .into_iter()
            .map(|o| o.unwrap().0)
            .collect();
        let raised = chunk.iter().zip(ids).map(|(i, id)| {
            let at = if *i < history {
                now - Duration::days(40)
                    - Duration::minutes(365 * 24 * 60 * (*i as i64) / history as i64)
            } else {
                now - Duration::seconds(3 * (total - i) as i64)
            };
            let spread = if *i < history { 1.0 } else { 0.01 };
            store.raise_alert(
                id,
                alert(*i, at, spread),
                consulates.clone(),
                false,
                None,
                at,
            )
        });
        for r in futures_util::future::join_all(raised).await {
            r.unwrap();
        }
    }
    (dir, store)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("protection");
    group
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    for history in [2_000usize, 20_000] {
        let now = Utc::now();
        let (_dir, store) = rt.block_on(seed(history, now));
        // The raid's incident opened; each pass after finds it as it was.
        let made = rt
            .block_on(guardia::hub::incidents::pass(&store, now))
            .unwrap();
        assert!(made > 0, "the raid makes an incident");
        group.bench_with_input(
            BenchmarkId::new("incident_pass", history),
            &history,
            |b, _| {
                b.iter(|| {
                    rt.block_on(guardia::hub::incidents::pass(&store, now))
                        .unwrap()
                })
            },
        );
        let today = now.date_naive();
        let period = Period {
            from: today - Duration::days(29),
            to: today,
            consulate: None,
        };
        group.bench_with_input(
            BenchmarkId::new("figures_30_days", history),
            &history,
            |b, _| b.iter(|| rt.block_on(store.figures(period.clone())).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
