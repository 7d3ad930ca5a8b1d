//! The jurisdiction look-up on the alert's path: a point to its county (a one-degree grid of
//! bounding boxes, then an even-odd ray test over the county's rings), and to the consulate
//! whose district holds it, against the nearest-consulate rule it replaced. The writer does
//! this once per new case.

use criterion::{Criterion, criterion_group, criterion_main};
use guardia::domain::consulate::{nearest, parse_csv};
use guardia::domain::geo::Point;
use guardia::domain::jurisdiction::Jurisdictions;

/// Points across the lower 48, the same every run.
fn points(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| Point {
            lat: 26.0 + ((i * 7919) % 2200) as f64 / 100.0,
            lon: -123.0 + ((i * 104_729) % 5400) as f64 / 100.0,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let j = Jurisdictions::builtin();
    let consulates = parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap();
    let pts = points(1_000);
    let mut g = c.benchmark_group("jurisdiction");
    g.bench_function("county of 1,000 points", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|p| j.counties.find(p.lat, p.lon).is_some())
                .count()
        })
    });
    g.bench_function("route 1,000 points by district", |b| {
        b.iter(|| pts.iter().filter_map(|p| j.route(*p, &consulates)).count())
    });
    g.bench_function("route 1,000 points to the nearest (before)", |b| {
        b.iter(|| pts.iter().filter_map(|p| nearest(&consulates, *p)).count())
    });
    g.bench_function("card of 1,000 points", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|p| j.card(**p, &consulates).district.is_some())
                .count()
        })
    });
    g.finish();
    c.bench_function("load the shipped tables (start)", |b| {
        b.iter(|| {
            guardia::domain::jurisdiction::counties::Counties::parse(
                guardia::domain::jurisdiction::counties::BUILTIN,
            )
            .unwrap()
            .len()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
