//! One record at scale: times the audit of a layer whose size is in one record, not in many.
//!
//! ```text
//! cargo run --release --example bench_one_record                       # all three, full size
//! cargo run --release --example bench_one_record -- --vertices 100000 --holes 10000 --copies 300
//! cargo run --release --example bench_one_record -- --only holes
//! ```
//!
//! - `vertices`: one park-sized parcel whose exterior is a star-shaped simple ring of N vertices
//!   (default 10^6; real park boundaries reach 10^5);
//! - `holes`: one parcel, a square with a grid of N small square holes (default 10^5);
//! - `copies`: N parcels with the very same geometry, stacked (default 3,000).
//!
//! Each layer is built in memory as GeoJSON (WGS84 lon/lat around 120°E 30°N), audited through
//! the public API with one park around it all (so that each parcel's interior point is found), and its outputs written to a temporary folder. The figures are the audit's
//! stage times, the writing time and the size of `overlaps.csv`. Times only: no figure here is
//! asserted anywhere.

use std::fmt::Write as _;
use std::time::Instant;

use land_efficiency::{Audit, Config, Inputs, Source, WriteOptions, write_all};

struct Args {
    vertices: usize,
    holes: usize,
    copies: usize,
    only: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        vertices: 1_000_000,
        holes: 100_000,
        copies: 3_000,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        let mut number = |name: &str| -> Result<usize, String> {
            value()?.parse().map_err(|e| format!("{name}: {e}"))
        };
        match a.as_str() {
            "--vertices" => args.vertices = number("--vertices")?,
            "--holes" => args.holes = number("--holes")?,
            "--copies" => args.copies = number("--copies")?,
            "--only" => args.only = Some(value()?),
            "--help" | "-h" => {
                println!(
                    "bench_one_record [--vertices N] [--holes N] [--copies N] [--only vertices|holes|copies]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(only) = &args.only
        && !["vertices", "holes", "copies"].contains(&only.as_str())
    {
        return Err(format!(
            "--only takes vertices, holes or copies, not {only}"
        ));
    }
    Ok(args)
}

/// Degrees per metre, roughly, at 30°N: enough for shapes of the right size.
const DEG: f64 = 1.0 / 100_000.0;
const X0: f64 = 120.0;
const Y0: f64 = 30.0;

fn ring_json(out: &mut String, ring: &[(f64, f64)]) {
    out.push('[');
    for (k, (x, y)) in ring.iter().chain(ring.first()).enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{x},{y}]");
    }
    out.push(']');
}

fn feature(out: &mut String, id: &str, rings: &[Vec<(f64, f64)>]) {
    let _ = write!(
        out,
        r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":["#
    );
    for (k, ring) in rings.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        ring_json(out, ring);
    }
    out.push_str("]}}");
}

fn collection(features: impl FnOnce(&mut String)) -> String {
    let mut out = String::from(r#"{"type":"FeatureCollection","features":["#);
    features(&mut out);
    out.push_str("]}");
    out
}

/// A star-shaped ring of `n` vertices, 2 km across, its radius wavering by a tenth: simple,
/// as every ray from the centre meets it once.
fn star(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            let r = 1000.0 * DEG * (1.0 + 0.1 * (37.0 * t).sin());
            (X0 + r * t.cos(), Y0 + r * t.sin())
        })
        .collect()
}

fn square(x: f64, y: f64, side: f64) -> Vec<(f64, f64)> {
    vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
}

/// A square with a grid of about `n` square holes, each 4 m a side on a 10 m pitch.
fn holed(n: usize) -> Vec<Vec<(f64, f64)>> {
    let per_row = (n as f64).sqrt().ceil() as usize;
    let pitch = 10.0 * DEG;
    let side = pitch * (per_row as f64 + 1.0);
    let mut rings = vec![square(X0, Y0, side)];
    for k in 0..n {
        let (i, j) = (k % per_row, k / per_row);
        let x = X0 + pitch * (i as f64 + 1.0) - 2.0 * DEG;
        let y = Y0 + pitch * (j as f64 + 1.0) - 2.0 * DEG;
        rings.push(square(x, y, 4.0 * DEG));
    }
    rings
}

fn audit(name: &str, parcels: String) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = parcels.len();
    let started = Instant::now();
    let park = square(X0 - 0.1, Y0 - 0.1, 0.2);
    let park = collection(|out| {
        feature(out, "park", &[park]);
    })
    .replace("parcel_id", "park_id");
    let report = Audit::new(Config::default()).run(&Inputs {
        parcels: Source::geojson(name, parcels),
        enterprises: None,
        parks: Some(Source::geojson("park", park)),
    })?;
    let audited = started.elapsed();
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    write_all(&report, dir.path(), &WriteOptions::default())?;
    let written = started.elapsed();
    let overlaps = std::fs::metadata(dir.path().join("overlaps.csv"))?.len();
    let t = &report.times;
    println!(
        "{name}: {:.1} MB of GeoJSON; audit {:.2} s (read {:.2}, index {:.2}, join {:.2}, evaluate {:.2}); write {:.2} s",
        bytes as f64 / 1e6,
        audited.as_secs_f64(),
        t.read.as_secs_f64(),
        t.index.as_secs_f64(),
        t.join.as_secs_f64(),
        t.evaluate.as_secs_f64(),
        written.as_secs_f64(),
    );
    println!(
        "  evaluated {} (in parks {}), rejected {}, warnings {}, overlap_count {}, overlaps.csv {} bytes",
        report.summary.parcels.evaluated,
        report.summary.parcels.evaluated - report.summary.outside_parks_count,
        report.summary.parcels.rejected,
        report.summary.warning_count,
        report.summary.overlap_count,
        overlaps
    );
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let wanted = |what: &str| args.only.as_deref().is_none_or(|o| o == what);
    let mut runs: Vec<(String, String)> = Vec::new();
    if wanted("vertices") {
        let ring = star(args.vertices);
        let text = collection(|out| feature(out, "park", &[ring]));
        runs.push((format!("one ring of {} vertices", args.vertices), text));
    }
    if wanted("holes") {
        let rings = holed(args.holes);
        let text = collection(|out| feature(out, "holed", &rings));
        runs.push((format!("one polygon with {} holes", args.holes), text));
    }
    if wanted("copies") {
        let ring = square(X0, Y0, 100.0 * DEG);
        let text = collection(|out| {
            for k in 0..args.copies {
                if k > 0 {
                    out.push(',');
                }
                feature(out, &format!("P{k}"), std::slice::from_ref(&ring));
            }
        });
        runs.push((
            format!("{} stacked copies of one parcel", args.copies),
            text,
        ));
    }
    for (name, text) in runs {
        if let Err(e) = audit(&name, text) {
            eprintln!("error: {name}: {e}");
            std::process::exit(1);
        }
    }
}
