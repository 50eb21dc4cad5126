//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use land_efficiency::{Audit, AuditReport, Config, Inputs, Source};

/// The compiled example, which `cargo test` builds beside the test binaries.
pub fn example(name: &str) -> Command {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let exe: PathBuf = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(exe.exists(), "{} not built", exe.display());
    Command::new(exe)
}

/// Every entry of `dir`, by name, with its bytes (empty for a folder): an output folder's set.
pub fn contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().into_string().unwrap(), bytes)
        })
        .collect()
}

/// The bundled fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Relative difference.
pub fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(a.abs())
    }
}

/// A FeatureCollection of the given feature texts.
pub fn collection(features: &[String]) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
        features.join(",")
    )
}

/// The legacy `crs` member of a FeatureCollection in EPSG:4549 (CGCS2000 Gauss-Krüger CM
/// 120°E), as QGIS and GDAL write it.
pub const CRS_4549: &str = r#""crs":{"type":"name","properties":{"name":"EPSG:4549"}},"#;

/// A FeatureCollection of `features` declared in EPSG:4549.
pub fn projected(features: &[String]) -> String {
    collection(features).replacen('{', &format!("{{{CRS_4549}"), 1)
}

/// A square parcel feature in EPSG:4549-like metres or lon/lat degrees.
pub fn square(id: &str, x: f64, y: f64, side: f64, extra: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"{extra}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
        x1 = x + side,
        y1 = y + side
    )
}

/// An enterprise point feature.
pub fn enterprise(
    id: &str,
    x: f64,
    y: f64,
    tax: f64,
    investment: f64,
    output: f64,
    extra: &str,
) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"enterprise_id":"{id}","tax":{tax},"investment":{investment},"output":{output}{extra}}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
    )
}

/// Runs an audit on in-memory layers.
pub fn run(
    config: Config,
    parcels: String,
    enterprises: Option<String>,
    parks: Option<String>,
) -> AuditReport {
    try_run(config, parcels, enterprises, parks).expect("audit")
}

/// Runs an audit on in-memory layers, returning its result.
pub fn try_run(
    config: Config,
    parcels: String,
    enterprises: Option<String>,
    parks: Option<String>,
) -> land_efficiency::Result<AuditReport> {
    Audit::new(config).run(&Inputs {
        parcels: Source::geojson("parcels.geojson", parcels),
        enterprises: enterprises.map(|t| Source::geojson("enterprises.geojson", t)),
        parks: parks.map(|t| Source::geojson("parks.geojson", t)),
    })
}

/// Runs `f` on a thread and returns its result, failing with `what` if it takes longer than
/// `secs` seconds: a test of something that could hang fails instead.
pub fn within<T: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The receiver may have given up waiting: nothing to do then.
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{what} did not finish within {secs} s"))
}

/// Makes a FIFO at `path` and writes `text` into it from a thread, which returns whether the
/// reader took all of it.
#[cfg(unix)]
pub fn fifo_with(path: &Path, text: String) -> std::thread::JoinHandle<std::io::Result<()>> {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.expect("mkfifo").success());
    let path = path.to_path_buf();
    std::thread::spawn(move || std::fs::write(path, text))
}

/// Read options whose progress keeps every value it is told, in order.
pub fn recording_progress() -> (
    land_efficiency::ReadOptions,
    std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
) {
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = std::sync::Arc::clone(&told);
    let options = land_efficiency::ReadOptions {
        progress: Some(std::sync::Arc::new(move |done| {
            keep.lock().unwrap().push(done)
        })),
        ..Default::default()
    };
    (options, told)
}

/// Progress told against a source of `len` bytes rises (never falling), never passes `len`,
/// tells a share of it before the end, and reaches it at the end.
pub fn assert_progress_runs_up_to(told: &[u64], len: u64) {
    assert!(len > 0);
    assert!(told.windows(2).all(|w| w[0] <= w[1]), "{told:?}");
    assert!(told.iter().all(|&d| d <= len), "{told:?} past {len}");
    assert!(
        told.iter().any(|&d| d > 0 && d < len),
        "{told:?}: nothing between 0 and {len}"
    );
    assert_eq!(told.last(), Some(&len), "{told:?}");
}
