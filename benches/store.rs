//! The store's ingest path (one commit per alert, and many alerts grouped into one commit) and
//! the fan-out of a committed event to subscribers.

use std::sync::Arc;

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardia::domain::alert::{AlertKind, AlertRequest};
use guardia::domain::consulate::{Consulate, parse_csv};
use guardia::domain::registrant::Profile;
use guardia::hub::store::Store;
use uuid::Uuid;

fn profile(i: usize) -> Profile {
    Profile {
        name: format!("Persona Ficticia {i}"),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 1),
        consular_id: "MX1".into(),
        // One device per number: each phone its own.
        phone: format!("+1310{i:07}"),
        language: "es".into(),
        flags: vec![],
        relatives: vec![],
        erased: false,
    }
}

fn alert() -> AlertRequest {
    AlertRequest {
        id: Uuid::new_v4(),
        lat: 34.05,
        lon: -118.25,
        accuracy_m: 10.0,
        pressed_at: Utc::now(),
        kind: AlertKind::Detained,
    }
}

async fn setup(phones: usize) -> (tempfile::TempDir, Store, Vec<i64>, Arc<Vec<Consulate>>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("b.db")).unwrap();
    let mut ids = Vec::new();
    for chunk in (0..phones).collect::<Vec<_>>().chunks(512) {
        let all = chunk
            .iter()
            .map(|i| store.enroll_unverified(profile(*i), format!("hash{i}"), None, Utc::now()));
        for o in futures_util::future::join_all(all).await {
            ids.push(o.unwrap().0);
        }
    }
    let consulates = Arc::new(parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap());
    (dir, store, ids, consulates)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Each press from its own phone, so each opens a new case (a phone pressing again would
    // join its open case, whose record grows with every press).
    let (_dir, store, ids, consulates) = rt.block_on(setup(30_000));
    let mut group = c.benchmark_group("store");
    group
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    let mut i = 0usize;
    let mut next = move || {
        i += 1;
        ids[i % ids.len()]
    };
    group.bench_function("ingest_one_commit_each", |b| {
        b.iter(|| {
            let id = next();
            rt.block_on(store.raise_alert(id, alert(), consulates.clone(), false, None, Utc::now()))
                .unwrap()
        })
    });
    group.bench_function("ingest_256_grouped", |b| {
        b.iter(|| {
            let batch: Vec<i64> = (0..256).map(|_| next()).collect();
            rt.block_on(async {
                let all = batch.iter().map(|id| {
                    store.raise_alert(*id, alert(), consulates.clone(), false, None, Utc::now())
                });
                for r in futures_util::future::join_all(all).await {
                    r.unwrap();
                }
            })
        })
    });
    for n in [10usize, 100, 1000] {
        let mut receivers: Vec<_> = (0..n).map(|_| store.subscribe()).collect();
        group.bench_with_input(BenchmarkId::new("fan_out_one_event", n), &n, |b, _| {
            b.iter(|| {
                let id = next();
                rt.block_on(async {
                    store
                        .raise_alert(id, alert(), consulates.clone(), false, None, Utc::now())
                        .await
                        .unwrap();
                    for r in receivers.iter_mut() {
                        r.recv().await.unwrap();
                    }
                })
            })
        });
    }
    group.finish();
}

/// The cost of one more event on a case that already has 10, 1,000 or 100,000: a phone pressing
/// again and again (coalescing off, so every press is an event). It must be flat: the stored
/// projection is bounded and the timeline is read from the log only when someone opens the case.
fn append(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("append_to_a_case");
    group
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    for n in [10usize, 1_000, 100_000] {
        let (_dir, store, ids, consulates) = rt.block_on(setup(1));
        let phone = ids[0];
        rt.block_on(async {
            for chunk in (0..n).collect::<Vec<_>>().chunks(512) {
                let all = chunk.iter().map(|_| {
                    store.raise_alert(phone, alert(), consulates.clone(), false, None, Utc::now())
                });
                for r in futures_util::future::join_all(all).await {
                    r.unwrap();
                }
            }
        });
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                rt.block_on(store.raise_alert(
                    phone,
                    alert(),
                    consulates.clone(),
                    false,
                    None,
                    Utc::now(),
                ))
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, append);
criterion_main!(benches);
