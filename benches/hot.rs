//! Criterion benches of the hot parts: parse, area, index build, point-in-parcel join, write.
//!
//! ```text
//! cargo bench --bench hot
//! ```
//! The data: a 100 × 100 grid of 10 000 jittered parcels near 120°E 30°N, one enterprise in
//! each; the same shape as `examples/bench.rs` produces, small enough for repeated runs.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::Coord;
use land_efficiency::ParcelIndex;
use land_efficiency::geodesic_area_of;
use land_efficiency::write_parcels_geojson;
use land_efficiency::{Audit, Config, Inputs, Source};
use land_efficiency::{ReadOptions, read_parcels};

const N: usize = 100;

/// Parcels and enterprises as GeoJSON text.
fn data() -> (String, String) {
    let mut parcels = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut ents = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for i in 0..N {
        for j in 0..N {
            let (x, y) = (120.0 + i as f64 * 0.002, 30.0 + j as f64 * 0.002);
            let k = (i * N + j) as f64;
            let w = 0.0015 + (k % 7.0) * 0.00002;
            if i + j > 0 {
                parcels.push(',');
                ents.push(',');
            }
            parcels.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"parcel_id\":\"P{i:03}{j:03}\",\"industry\":\"26\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x:.9},{y:.9}],[{:.9},{:.9}],[{:.9},{:.9}],[{:.9},{:.9}],[{x:.9},{y:.9}]]]}}}}",
                x + w,
                y + 0.00001,
                x + w,
                y + 0.0016,
                x - 0.00001,
                y + 0.0015
            ));
            ents.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"enterprise_id\":\"E{i:03}{j:03}\",\"tax\":{},\"investment\":3000,\"output\":4500,\"floor_area\":12000}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.9},{:.9}]}}}}",
                100.0 + k % 400.0,
                x + 0.0005,
                y + 0.0005
            ));
        }
    }
    parcels.push_str("]}");
    ents.push_str("]}");
    (parcels, ents)
}

fn hot(c: &mut Criterion) {
    let (parcels, ents) = data();
    let config = Config::default();
    let source = Source::geojson("parcels.geojson", &parcels);
    let loaded = read_parcels(&source, &config, &ReadOptions::default()).unwrap();
    let shapes = loaded.records.shapes();
    let points: Vec<Coord<f64>> = (0..N * N)
        .map(|k| Coord {
            x: 120.0 + (k / N) as f64 * 0.002 + 0.0005,
            y: 30.0 + (k % N) as f64 * 0.002 + 0.0005,
        })
        .collect();

    let mut g = c.benchmark_group("hot");
    g.throughput(Throughput::Elements((N * N) as u64));
    g.sample_size(20);
    g.bench_function("parse 10k parcels", |b| {
        b.iter(|| read_parcels(black_box(&source), &config, &ReadOptions::default()).unwrap())
    });
    g.bench_function("geodesic area 10k", |b| {
        b.iter(|| {
            (0..shapes.len())
                .map(|i| geodesic_area_of(&shapes.get(i)))
                .sum::<f64>()
        })
    });
    g.bench_function("index build 10k", |b| {
        b.iter(|| ParcelIndex::new(black_box(shapes)).len())
    });
    let index = ParcelIndex::new(shapes);
    g.bench_function("point-in-parcel join 10k", |b| {
        b.iter(|| {
            points
                .iter()
                .filter(|p| index.locate(**p) != land_efficiency::Hit::None)
                .count()
        })
    });
    let report = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::geojson("parcels.geojson", &parcels),
            enterprises: Some(Source::geojson("enterprises.geojson", &ents)),
            parks: None,
        })
        .unwrap();
    g.bench_function("write parcels.geojson 10k", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(8 << 20);
            write_parcels_geojson(&report, &mut out, Default::default()).unwrap();
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, hot);
criterion_main!(benches);
