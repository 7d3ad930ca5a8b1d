//! The console's cost per event and per frame with 1k, 10k and 100k open cases.

use chrono::{Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardia::console::action::Action;
use guardia::console::model::Model;
use guardia::console::update::update;
use guardia::domain::alert::{AlertKind, Location};
use guardia::domain::case::Case;
use guardia::domain::event::{Actor, AlertRaised, AlertRepeated, Event, EventBody};
use guardia::domain::registrant::Profile;
use guardia::i18n::Lang;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn raised(seq: u64) -> Event {
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::seconds(seq as i64);
    Event {
        seq,
        at,
        case_id: 1000 + seq,
        consulate: "los-angeles".into(),
        actor: Actor::Phone,
        against_version: None,
        body: EventBody::AlertRaised(AlertRaised {
            alert_id: Uuid::from_u128(u128::from(seq)),
            registrant_id: seq as i64,
            registrant: Profile {
                name: format!("Persona Ficticia {seq}"),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 1),
                consular_id: "MX1".into(),
                phone: "+13105550100".into(),
                language: "es".into(),
                flags: vec![],
                relatives: vec![],
                erased: false,
            },
            kind: if seq % 3 == 0 {
                AlertKind::Detained
            } else {
                AlertKind::Imminent
            },
            location: Location {
                lat: 34.0,
                lon: -118.2,
                accuracy_m: 10.0,
            },
            pressed_at: at,
            distance_km: (seq % 997) as f64 / 10.0,
            intake: None,
        }),
    }
}

fn model(n: u64) -> Model {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap();
    let mut m = Model::new(Lang::Es, false, Duration::minutes(5), now);
    for seq in 1..=n {
        let e = raised(seq);
        m.cases.insert(e.case_id, Case::open(&e).unwrap());
    }
    m.last_seq = n;
    m.list.stale = true;
    m.refresh_order();
    m
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("console");
    group.sample_size(20);
    for n in [1_000u64, 10_000, 100_000] {
        let mut m = model(n);
        let mut next = n;
        // One event arriving (a repeat press on an existing case, so the queue keeps its size):
        // update, then the re-sort the next frame does.
        group.bench_with_input(BenchmarkId::new("apply_event_and_resort", n), &n, |b, _| {
            b.iter(|| {
                next += 1;
                let mut e = raised(next);
                e.case_id = 1000 + 1 + next % n;
                let EventBody::AlertRaised(r) = e.body else {
                    unreachable!()
                };
                e.body = EventBody::AlertRepeated(AlertRepeated {
                    alert_id: r.alert_id,
                    kind: r.kind,
                    location: r.location,
                    pressed_at: r.pressed_at,
                    count: 1,
                    intake: None,
                    registrant: None,
                });
                update(&mut m, Action::HubEvent(Box::new(e)));
                m.refresh_order();
            })
        });
        let mut m = model(n);
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        group.bench_with_input(BenchmarkId::new("render_frame", n), &n, |b, _| {
            b.iter(|| {
                guardia::console::app::draw(&mut terminal, &mut m).unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
