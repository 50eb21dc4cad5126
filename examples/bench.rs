//! The scale benchmark: generates a zone of any size, audits it, and prints per-stage times and
//! peak memory; or measures the serde_json parse-and-write floor on the same files.
//!
//! ```text
//! cargo run --release --example bench -- --n 1000000                 # generate (if needed) and audit
//! cargo run --release --example bench -- --n 1000000 --floor         # serde_json parse + write only
//! cargo run --release --example bench -- --n 1000000 --bound         # the floor under the audit
//! cargo run --release --example bench -- --data DIR                  # audit existing gen.py data
//! ```
//!
//! `--data DIR` takes a folder written by the peer data generator (gen.py). The generator here
//! lays parcels out like gen.py (rows of parcels between 20 m roads, log-normal sizes around
//! 25 mu, 5% with a hole, 4% two-part MultiPolygons, 5% L-shaped, 80% occupied by 1–3
//! enterprises, parks over bands of rows) in EPSG:4549 around 120.1°E 30.3°N, and writes lon/lat
//! GeoJSON. It is not byte-identical to gen.py (a different random generator), but
//! has the same shape and sizes. Peak memory is the process's high-water mark (VmHWM), so run one
//! measurement per process.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use land_efficiency::{Audit, Config, Crs, Inputs, Source};
use land_efficiency::{InputTexts, WriteOptions, write_all_with_text};

struct Args {
    n: usize,
    seed: u64,
    data: Option<PathBuf>,
    out: PathBuf,
    floor: bool,
    bound: bool,
    hold_text: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        n: 100_000,
        seed: 1,
        data: None,
        out: PathBuf::from("target/bench"),
        floor: false,
        bound: false,
        hold_text: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--n" => args.n = value()?.parse().map_err(|e| format!("--n: {e}"))?,
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--data" => args.data = Some(PathBuf::from(value()?)),
            "--out" => args.out = PathBuf::from(value()?),
            "--floor" => args.floor = true,
            "--bound" => args.bound = true,
            "--hold-text" => args.hold_text = true,
            "--help" | "-h" => {
                println!(
                    "bench [--n N] [--seed S] [--data DIR] [--out DIR] [--floor | --bound] [--hold-text]\n  --n      parcels to generate (default 100000)\n  --data   audit gen.py-style data in DIR instead of generating\n  --out    where generated data and outputs go (default target/bench)\n  --floor  only parse the inputs and write outputs with serde_json\n  --bound  time the floor under the audit's CPU (after an audit with the same --out)\n  --hold-text  hold parcels' properties and enterprises' names in memory (not read back)"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.floor && args.bound {
        return Err("--floor and --bound are two different measurements: give one".into());
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => {
            let dir = args.out.join(format!("data-n{}-s{}", args.n, args.seed));
            if !dir.join("parks.geojson").exists() {
                let t = Instant::now();
                let stats = generate(&dir, args.n, args.seed)?;
                eprintln!(
                    "generated {} parcels, {} enterprises, {} parks in {:.1} s → {}",
                    stats.0,
                    stats.1,
                    stats.2,
                    t.elapsed().as_secs_f64(),
                    dir.display()
                );
            }
            dir
        }
    };
    let out = args.out.join("out");
    let bytes: u64 = ["parcels", "enterprises", "parks"]
        .iter()
        .filter_map(|s| std::fs::metadata(data.join(format!("{s}.geojson"))).ok())
        .map(|m| m.len())
        .sum();
    if args.floor {
        let t = Instant::now();
        floor::run(&data, &out)?;
        println!(
            "floor (serde_json parse + write): {:.3} s, {:.1} MB in, peak RSS {} MiB",
            t.elapsed().as_secs_f64(),
            bytes as f64 / 1e6,
            peak_rss_mib()
        );
        return Ok(());
    }
    if args.bound {
        return bound::run(&data, &out);
    }
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let inputs = Inputs {
        parcels: Source::path(data.join("parcels.geojson")),
        enterprises: Some(Source::path(data.join("enterprises.geojson"))),
        parks: Some(Source::path(data.join("parks.geojson"))),
    };
    let t0 = Instant::now();
    let audit = Audit::new(Config::default()).on_progress(move |stage, what, bytes| {
        if bytes.is_none() && std::env::var_os("BENCH_TRACE").is_some() {
            eprintln!(
                "[{:7.3} s] {stage:?} {what}: RSS {} MiB",
                t0.elapsed().as_secs_f64(),
                rss_mib("VmRSS:")
            );
        }
    });
    let (mut report, texts) = if args.hold_text {
        (audit.run(&inputs)?, InputTexts::default())
    } else {
        audit.run_leaving_text(&inputs)?
    };
    let tw = Instant::now();
    write_all_with_text(&report, &texts, &out, &WriteOptions::default())?;
    report.times.write = tw.elapsed();
    let total = t.elapsed().as_secs_f64();
    // CPU of the audit and the write (not of generating the data).
    let cpu = match (cpu0, cpu_seconds()) {
        (Some((u0, s0)), Some((u1, s1))) => {
            format!(", CPU {:.2} s user + {:.2} s system", u1 - u0, s1 - s0)
        }
        _ => String::new(),
    };
    let s = &report.summary;
    let tm = &report.times;
    println!(
        "parcels {} enterprises {} parks {} ({:.1} MB in): total area {:.4} mu, {} low-efficiency, {} outside parks",
        s.parcels.read,
        s.enterprises.read,
        s.park_features.read,
        bytes as f64 / 1e6,
        s.total_area_mu,
        s.low_efficiency_count,
        s.outside_parks_count
    );
    println!(
        "stage seconds: read {:.3} index {:.3} join {:.3} evaluate {:.3} write {:.3} | total {:.3} s, {:.2} µs/parcel, peak RSS {} MiB{cpu}",
        tm.read.as_secs_f64(),
        tm.index.as_secs_f64(),
        tm.join.as_secs_f64(),
        tm.evaluate.as_secs_f64(),
        tm.write.as_secs_f64(),
        total,
        total / s.parcels.read.max(1) as f64 * 1e6,
        peak_rss_mib()
    );
    Ok(())
}

/// CPU time the process has used so far, user and system, in seconds, from /proc/self/stat
/// (whose clock ticks are USER_HZ, 100 a second on Linux); `None` where /proc is not there.
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime: fields 14 and 15 of the line, 11 and 12 after the name.
    Some((ticks(11)? / 100.0, ticks(12)? / 100.0))
}

/// The process's peak resident set (VmHWM), MiB; 0 where /proc is not there.
fn peak_rss_mib() -> u64 {
    rss_mib("VmHWM:")
}

/// A memory figure of /proc/self/status (`VmHWM:` peak, `VmRSS:` now), MiB.
fn rss_mib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// SplitMix64: a small, well-known generator, enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn gauss(&mut self) -> f64 {
        let u1 = self.uniform(f64::MIN_POSITIVE, 1.0);
        let u2 = self.uniform(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// Writes parcels, enterprises and parks like gen.py's; returns the counts.
fn generate(
    dir: &Path,
    n: usize,
    seed: u64,
) -> Result<(usize, usize, usize), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let to_ll = Crs::Epsg(4549).to_wgs84()?;
    let ll = |x: f64, y: f64| -> Result<(f64, f64), land_efficiency::Error> {
        let c = to_ll.coord(geo::Coord { x, y })?;
        Ok((c.x, c.y))
    };
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(1));
    let open = |name: &str| -> std::io::Result<BufWriter<std::fs::File>> {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(name))?);
        writeln!(
            w,
            "{{\"type\":\"FeatureCollection\",\"name\":\"{}\",\"features\":[",
            name.trim_end_matches(".geojson")
        )?;
        Ok(w)
    };
    let mut parcels = open("parcels.geojson")?;
    let mut ents = open("enterprises.geojson")?;
    let ring = |pts: &[(f64, f64)]| -> Result<String, land_efficiency::Error> {
        let mut s = String::from("[");
        for (i, p) in pts.iter().chain(std::iter::once(&pts[0])).enumerate() {
            let (lon, lat) = ll(p.0, p.1)?;
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("[{lon:.9},{lat:.9}]"));
        }
        s.push(']');
        Ok(s)
    };
    let (center_e, center_n) = (509_619.477, 3_353_374.126);
    let row_len = (n as f64 * 38_000.0).sqrt();
    let (x0, y0) = (center_e - row_len / 2.0, center_n - row_len / 2.0);
    let (mut pid, mut eid) = (0usize, 0usize);
    let mut rows: Vec<(f64, f64, Vec<f64>)> = Vec::new();
    let mut y = y0;
    while pid < n {
        let h = [120.0, 150.0, 180.0, 220.0, 260.0, 300.0][(rng.next_u64() % 6) as usize];
        let (ylo, yhi) = (y, y + h);
        let mut gaps = vec![x0 - 5.0];
        let mut x = x0;
        while x < x0 + row_len && pid < n {
            let mu = (25f64.ln() + 0.75 * rng.gauss()).exp().clamp(5.0, 200.0);
            let area = mu * M2_PER_MU;
            let setback = rng.uniform(0.0, 10.0);
            let dmax = h - 20.0 - setback;
            let mut d = (area * rng.uniform(0.6, 1.6))
                .sqrt()
                .clamp(40.0, dmax.max(40.0));
            let mut w = area / d;
            if w < 25.0 {
                w = 25.0;
                d = area / w;
            }
            let (px0, px1) = (x, x + w);
            let py0 = ylo + 10.0 + rng.uniform(0.0, setback);
            let py1 = py0 + d;
            let j = |rng: &mut Rng| rng.uniform(-2.0, 2.0);
            let corner = |cx: f64, cy: f64, rng: &mut Rng| (cx + j(rng), cy + j(rng));
            pid += 1;
            let r = rng.uniform(0.0, 1.0);
            let (gtype, coords) = if r < 0.05 && w > 60.0 && d > 60.0 {
                let frac = rng.uniform(0.08, 0.18);
                let (hw, hd) = (w * frac.sqrt(), d * frac.sqrt());
                let hx = rng.uniform(px0 + 12.0, px1 - 12.0 - hw);
                let hy = rng.uniform(py0 + 12.0, py1 - 12.0 - hd);
                let outer = [
                    corner(px0, py0, &mut rng),
                    corner(px1, py0, &mut rng),
                    corner(px1, py1, &mut rng),
                    corner(px0, py1, &mut rng),
                ];
                let hole = [(hx, hy), (hx, hy + hd), (hx + hw, hy + hd), (hx + hw, hy)];
                ("Polygon", format!("[{},{}]", ring(&outer)?, ring(&hole)?))
            } else if r < 0.09 && w > 80.0 {
                let cx = px0 + w * rng.uniform(0.35, 0.65);
                let a = [
                    corner(px0, py0, &mut rng),
                    corner(cx - 4.0, py0, &mut rng),
                    corner(cx - 4.0, py1, &mut rng),
                    corner(px0, py1, &mut rng),
                ];
                let b = [
                    corner(cx + 4.0, py0, &mut rng),
                    corner(px1, py0, &mut rng),
                    corner(px1, py1, &mut rng),
                    corner(cx + 4.0, py1, &mut rng),
                ];
                ("MultiPolygon", format!("[[{}],[{}]]", ring(&a)?, ring(&b)?))
            } else if r < 0.14 && w > 50.0 && d > 50.0 {
                let (nw, nd) = (w * rng.uniform(0.3, 0.6), d * rng.uniform(0.3, 0.6));
                let l = [
                    corner(px0, py0, &mut rng),
                    corner(px1, py0, &mut rng),
                    (px1 + j(&mut rng), py1 - nd),
                    (px1 - nw, py1 - nd),
                    (px1 - nw, py1 + j(&mut rng)),
                    corner(px0, py1, &mut rng),
                ];
                ("Polygon", format!("[{}]", ring(&l)?))
            } else {
                let q = [
                    corner(px0, py0, &mut rng),
                    corner(px1, py0, &mut rng),
                    corner(px1, py1, &mut rng),
                    corner(px0, py1, &mut rng),
                ];
                ("Polygon", format!("[{}]", ring(&q)?))
            };
            if pid > 1 {
                parcels.write_all(b",\n")?;
            }
            write!(
                parcels,
                "{{\"type\":\"Feature\",\"properties\":{{\"parcel_id\":\"P{pid:07}\",\"land_use\":\"M1\",\"industry\":\"{}\"}},\"geometry\":{{\"type\":\"{gtype}\",\"coordinates\":{coords}}}}}",
                13 + rng.next_u64() % 31
            )?;
            if rng.uniform(0.0, 1.0) >= 0.2 {
                let k = 1
                    + usize::from(rng.uniform(0.0, 1.0) >= 0.6)
                    + usize::from(rng.uniform(0.0, 1.0) >= 0.75);
                let z = 0.55 * rng.gauss();
                for _ in 0..k {
                    eid += 1;
                    let share = 1.0 / k as f64;
                    // Points in the south-west quarter, clear of holes, notches and the internal road.
                    let ex = rng.uniform(px0 + 4.0, px0 + 4.0 + (w * 0.3 - 4.0).max(1.0));
                    let ey = rng.uniform(py0 + 4.0, py0 + 4.0 + (d * 0.3 - 4.0).max(1.0));
                    let (lon, lat) = ll(ex, ey)?;
                    if eid > 1 {
                        ents.write_all(b",\n")?;
                    }
                    write!(
                        ents,
                        "{{\"type\":\"Feature\",\"properties\":{{\"enterprise_id\":\"E{eid:08}\",\"name\":\"杭州示例{}有限公司\",\"tax\":{:.2},\"investment\":{:.2},\"output\":{:.2},\"floor_area\":{:.1}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.9},{lat:.9}]}}}}",
                        eid % 97,
                        48.0 * (0.7 * z + 0.4 * rng.gauss()).exp() * mu * share,
                        420.0 * (0.5 * z + 0.3 * rng.gauss()).exp() * mu * share,
                        720.0 * (0.6 * z + 0.3 * rng.gauss()).exp() * mu * share,
                        1.6 * (0.25 * z + 0.2 * rng.gauss()).exp() * area * share
                    )?;
                }
            }
            let gap = rng.uniform(10.0, 30.0);
            gaps.push(px1 + gap / 2.0);
            x = px1 + gap;
        }
        rows.push((ylo, yhi, gaps));
        y = yhi;
    }
    for w in [&mut parcels, &mut ents] {
        w.write_all(b"\n]}\n")?;
        w.flush()?;
    }
    // Parks: a grid of blocks of rows, edges on gap mid-lines.
    let p = (n / 2000).max(3);
    let pc = ((p as f64).sqrt().round() as usize).max(1);
    let pr = p.div_ceil(pc);
    let mut parks = open("parks.geojson")?;
    let mut park_no = 0;
    for bi in 0..pr {
        let (r0, r1) = (
            bi * rows.len() / pr + 1,
            ((bi + 1) * rows.len() / pr).saturating_sub(1),
        );
        if r1 < r0 {
            continue;
        }
        for ci in 0..pc {
            if park_no >= p {
                break;
            }
            let cell = row_len / pc as f64;
            let (tx0, tx1) = (
                x0 + ci as f64 * cell + 300f64.min(0.05 * cell),
                x0 + (ci + 1) as f64 * cell - 300f64.min(0.05 * cell),
            );
            let near = |g: &[f64], t: f64| {
                g.iter()
                    .copied()
                    .min_by(|a, b| (a - t).abs().total_cmp(&(b - t).abs()))
                    .unwrap_or(t)
            };
            let (mut right, mut left) = (Vec::new(), Vec::new());
            let mut ok = true;
            for (ylo, yhi, g) in &rows[r0..=r1] {
                let (a, b) = (near(g, tx0), near(g, tx1));
                if b <= a {
                    ok = false;
                    break;
                }
                right.extend([(b, *ylo), (b, *yhi)]);
                left.extend([(a, *ylo), (a, *yhi)]);
            }
            if !ok {
                continue;
            }
            let mut pts: Vec<(f64, f64)> = right;
            for pair in left.chunks(2).rev() {
                pts.extend([pair[1], pair[0]]);
            }
            pts.dedup();
            park_no += 1;
            if park_no > 1 {
                parks.write_all(b",\n")?;
            }
            write!(
                parks,
                "{{\"type\":\"Feature\",\"properties\":{{\"park_id\":\"K{park_no:03}\",\"name\":\"示例第{park_no}工业园区\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{}]}}}}",
                ring(&pts)?
            )?;
        }
    }
    parks.write_all(b"\n]}\n")?;
    parks.flush()?;
    Ok((pid, eid, park_no))
}

mod floor {
    //! The floor: parse the three inputs into typed structs with serde_json and write outputs
    //! of the same shape (the parcels GeoJSON with its figures added, and the two CSV tables),
    //! doing no geometry at all.

    use std::collections::BTreeMap;
    use std::io::{BufReader, BufWriter, Write};
    use std::path::Path;

    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    #[derive(Deserialize, Serialize)]
    #[serde(untagged)]
    enum Coords {
        Point(Vec<f64>),
        Polygon(Vec<Vec<Vec<f64>>>),
        Multi(Vec<Vec<Vec<Vec<f64>>>>),
    }

    #[derive(Deserialize, Serialize)]
    struct Geometry {
        #[serde(rename = "type")]
        kind: String,
        coordinates: Coords,
    }

    #[derive(Deserialize, Serialize)]
    struct Feature {
        #[serde(rename = "type")]
        kind: String,
        properties: BTreeMap<String, Value>,
        geometry: Geometry,
    }

    #[derive(Deserialize)]
    struct Collection {
        features: Vec<Feature>,
    }

    fn read(path: &Path) -> Result<Collection, Box<dyn std::error::Error>> {
        Ok(serde_json::from_reader(BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(path)?,
        ))?)
    }

    pub(super) fn run(data: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
        std::fs::create_dir_all(out)?;
        let mut parcels = read(&data.join("parcels.geojson"))?;
        let enterprises = read(&data.join("enterprises.geojson"))?;
        let parks = read(&data.join("parks.geojson"))?;
        // The same number of output properties per parcel as the audit writes.
        let mut w = BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(out.join("floor-parcels.geojson"))?,
        );
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, f) in parcels.features.iter_mut().enumerate() {
            for (k, v) in [
                ("area_m2", 12345.678901234),
                ("area_mu", 18.518518518),
                ("tax", 123.45),
                ("investment", 1234.5),
                ("output", 2345.6),
                ("floor_area", 23456.7),
                ("tax_per_mu", 6.666666666),
                ("investment_per_mu", 66.66666666),
                ("output_per_mu", 126.66666666),
                ("plot_ratio", 1.23456789),
                ("fill-opacity", 0.6),
                ("stroke-width", 0.5),
            ] {
                f.properties.insert(k.into(), Value::from(v));
            }
            f.properties
                .insert("reasons".into(), Value::from(vec!["tax"]));
            f.properties.insert(
                "title".into(),
                Value::from("P0000000: low-efficiency (tax)"),
            );
            if i > 0 {
                w.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut w, f)?;
        }
        w.write_all(b"\n]}\n")?;
        w.flush()?;
        let mut c = BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(out.join("floor-tables.csv"))?,
        );
        for f in parcels
            .features
            .iter()
            .chain(&enterprises.features)
            .chain(&parks.features)
        {
            serde_json::to_writer(&mut c, &f.properties)?;
            c.write_all(b"\n")?;
        }
        c.flush()?;
        Ok(())
    }
}

mod bound {
    //! A floor under the audit's CPU time, with the libraries it uses: the parts of its work
    //! that no faster code of its own could skip, each timed alone on one thread. Reading the
    //! inputs' bytes and merely tokenising them (serde_json into `IgnoredAny`), Karney's
    //! geodesic area of every ring (geographiclib-rs; lon/lat parcels only, projected ones get
    //! planar areas), and handing the kernel as many bytes as the audit's outputs hold (zeros,
    //! 1 MiB at a time, into a new file; the cheapest of three). Parsing numbers, formatting
    //! the outputs' figures, indexing and joining are left out, so the true floor is higher.

    use std::io::{Read, Write};
    use std::path::Path;

    use land_efficiency::Config;
    use land_efficiency::{ReadOptions, Source, read_parcels};

    /// CPU seconds (user + system) used while `f` runs.
    fn cpu<T>(f: impl FnOnce() -> T) -> (T, f64) {
        let total = || super::cpu_seconds().map_or(0.0, |(u, s)| u + s);
        let start = total();
        let value = f();
        (value, total() - start)
    }

    pub(super) fn run(data: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
        let outputs: u64 = std::fs::read_dir(out)
            .map(|dir| {
                dir.filter_map(|e| e.ok()?.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        if outputs == 0 {
            return Err(format!(
                "no outputs in {}: run the audit with this --out first (their size is what the \
                 floor writes)",
                out.display()
            )
            .into());
        }

        let mut parts: Vec<(String, f64)> = Vec::new();
        let mut bytes = Vec::new();
        let (mut read_s, mut token_s) = (0.0, 0.0);
        for layer in ["parcels", "enterprises", "parks"] {
            bytes.clear();
            let path = data.join(format!("{layer}.geojson"));
            let (got, s) = cpu(|| std::fs::File::open(&path)?.read_to_end(&mut bytes));
            got.map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            read_s += s;
            let (parsed, s) = cpu(|| serde_json::from_slice::<serde::de::IgnoredAny>(&bytes));
            parsed.map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
            token_s += s;
        }
        parts.push(("read the inputs' bytes".into(), read_s));
        parts.push(("tokenise them (serde_json, IgnoredAny)".into(), token_s));

        let loaded = read_parcels(
            &Source::path(data.join("parcels.geojson")),
            &Config::default(),
            &ReadOptions::default(),
        )?;
        let geographic = loaded.crs.is_geographic();
        let parcels = loaded.records;
        let edges: usize = parcels.iter().map(|p| p.shape().edge_count()).sum();
        // The audit's default area method: geodesic for lon/lat, planar (nearly free) else.
        if geographic {
            let (area, s) = cpu(|| {
                parcels
                    .iter()
                    .map(|p| land_efficiency::geodesic_area_of(&p.shape()))
                    .sum::<f64>()
            });
            parts.push((
                format!(
                    "Karney's area of {} parcels ({edges} edges, {:.0} ns an edge; {:.4} mu)",
                    parcels.len(),
                    s * 1e9 / edges.max(1) as f64,
                    land_efficiency::units::m2_to_mu(area)
                ),
                s,
            ));
        } else {
            println!("   projected parcels: planar areas, not counted");
        }
        drop(parcels);

        // The kernel's cost of new pages varies from run to run on a VM (see the README):
        // three writes, each file removed before the next, and the cheapest kept.
        let scratch = out.with_extension("bound-scratch");
        let zeros = vec![0u8; 1 << 20];
        let mut s = f64::INFINITY;
        for _ in 0..3 {
            let (written, took) = cpu(|| -> std::io::Result<()> {
                let mut file = std::fs::File::create(&scratch)?;
                let mut left = outputs;
                while left > 0 {
                    let n = left.min(zeros.len() as u64) as usize;
                    file.write_all(&zeros[..n])?;
                    left -= n as u64;
                }
                Ok(())
            });
            std::fs::remove_file(&scratch)?;
            written?;
            s = s.min(took);
        }
        parts.push((
            format!("write {:.1} MB (the outputs' size)", outputs as f64 / 1e6),
            s,
        ));

        let total: f64 = parts.iter().map(|(_, s)| s).sum();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for (what, s) in &parts {
            println!("{s:7.2} s CPU  {what}");
        }
        println!(
            "{total:7.2} s CPU in all: at least {:.2} s of wall time on {cores} cores",
            total / cores as f64
        );
        Ok(())
    }
}
