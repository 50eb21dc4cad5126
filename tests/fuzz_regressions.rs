//! Replays the fuzz seeds and every input kept in `fuzz/regressions/<target>/` through the same
//! code the fuzz targets of `fuzz/fuzz_targets` drive, with what they assert: nothing panics
//! (or hangs), and every record read is accounted for. `fuzz/README.md` lists each regression
//! with the commit whose bug it reproduced.
//!
//! A regression that is not replayed protects nothing: the folder must exist and hold inputs,
//! each under a folder named for its target, each listed in the README.

use std::path::{Path, PathBuf};
use std::time::Duration;

use land_efficiency::{Audit, AuditReport, Config, Inputs, Source};

/// The fuzz targets, as named in `fuzz/fuzz_targets` and `fuzz/regressions`.
const TARGETS: [&str; 5] = [
    "parcels",
    "enterprises",
    "enterprises_csv",
    "parks",
    "config",
];

// The fixed layers the targets audit the fuzzed one with, word for word as in their sources
// (`the_fixed_layers_are_the_fuzz_targets_own` checks that).
/// `parcels.rs`: the enterprise beside the fuzzed parcels.
const PARCELS_ENTERPRISES: &str = "enterprise_id,tax,investment,output,floor_area,lon,lat\nE1,300,3000,4500,10000,120.0005,30.0005\n";
/// `parcels.rs`: the park around them.
const PARCELS_PARKS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"park_id":"K"},"geometry":{"type":"Polygon","coordinates":[[[119,29],[121,29],[121,31],[119,31],[119,29]]]}}]}"#;
/// `enterprises.rs`, `enterprises_csv.rs` and `parks.rs`: the one parcel.
const PARCEL: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;
/// `config.rs`: the one parcel, with an industry and a status for the rules to match.
const CONFIG_PARCEL: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P","industry":"2614","status":"new"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;

/// How long one input may take (a debug build, on a shared machine): longer is a hang.
const LIMIT: Duration = Duration::from_secs(120);

/// Every record of every layer read is evaluated or rejected (docs/outputs.md): the fuzz
/// targets' assertion, for all three layers of any audit that finished.
fn assert_accounted(r: &AuditReport) {
    let s = &r.summary;
    assert_eq!(
        s.parcels.read,
        s.parcels.evaluated + s.parcels.rejected,
        "parcels: {:?}",
        s.parcels
    );
    assert_eq!(r.parcel_count(), s.parcels.evaluated);
    let e = &s.enterprises;
    // An ambiguous enterprise is one of the unmatched (read = joined + unmatched + rejected).
    assert_eq!(
        e.read,
        e.joined + e.unmatched + e.rejected,
        "enterprises: {e:?}"
    );
    assert!(e.ambiguous <= e.unmatched, "enterprises: {e:?}");
    let k = &s.park_features;
    assert_eq!(k.read, k.evaluated + k.rejected, "parks: {k:?}");
}

/// What the fuzz target `target` does with `data`, and what it asserts.
fn replay(target: &str, data: &[u8]) {
    let run = |inputs: Inputs, config: Config, strict: bool| {
        Audit::new(config).strict(strict).run(&inputs)
    };
    match target {
        "parcels" => {
            for strict in [false, true] {
                let inputs = Inputs {
                    parcels: Source::geojson("fuzz.geojson", data),
                    enterprises: Some(Source::csv("e.csv", PARCELS_ENTERPRISES)),
                    parks: Some(Source::geojson("k.geojson", PARCELS_PARKS)),
                };
                if let Ok(r) = run(inputs, Config::default(), strict) {
                    assert_accounted(&r);
                    let mut out = Vec::new();
                    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default())
                        .unwrap();
                    land_efficiency::write_parks_geojson(&r, &mut out, Default::default()).unwrap();
                }
            }
        }
        "enterprises" | "enterprises_csv" => {
            let enterprises = if target == "enterprises" {
                Source::geojson("fuzz.geojson", data)
            } else {
                Source::csv("fuzz.csv", data)
            };
            let inputs = Inputs {
                parcels: Source::geojson("p.geojson", PARCEL),
                enterprises: Some(enterprises),
                parks: None,
            };
            if let Ok(r) = run(inputs, Config::default(), false) {
                assert_accounted(&r);
            }
        }
        "parks" => {
            let inputs = Inputs {
                parcels: Source::geojson("p.geojson", PARCEL),
                enterprises: None,
                parks: Some(Source::geojson("fuzz.geojson", data)),
            };
            if let Ok(r) = run(inputs, Config::default(), false) {
                assert_accounted(&r);
            }
        }
        "config" => {
            // The target gives up on bytes that are not UTF-8.
            let Ok(text) = std::str::from_utf8(data) else {
                return;
            };
            if let Ok(config) = Config::from_toml(text) {
                let inputs = Inputs {
                    parcels: Source::geojson("p.geojson", CONFIG_PARCEL),
                    enterprises: None,
                    parks: None,
                };
                if let Ok(r) = run(inputs, config, false) {
                    assert_accounted(&r);
                }
            }
        }
        other => panic!("unknown fuzz target {other:?}"),
    }
}

/// Replays `path` as `target` on a thread of its own: `Err` with why when it panicked or did
/// not finish within [`LIMIT`].
fn replay_file(target: &'static str, path: &Path) -> Result<(), String> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| replay(target, &data));
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("{}: panicked: {message}", path.display()))
        }
        Err(_) => Err(format!(
            "{}: did not finish within {} s",
            path.display(),
            LIMIT.as_secs()
        )),
    }
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; a folder that cannot be read fails the test.
fn files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut v: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

/// `fuzz/regressions/<target>/<file>` for every kept input, as (target, path). Anything else
/// there (a file outside a target's folder, a folder no target has, a nested folder) would be
/// skipped by a replay that looks only where inputs belong: it fails instead.
fn regressions() -> Vec<(&'static str, PathBuf)> {
    let root = fuzz_dir().join("regressions");
    assert!(
        root.is_dir(),
        "{} is missing: the crash inputs found so far must be kept there",
        root.display()
    );
    let mut kept = Vec::new();
    for dir in files(&root) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let target = TARGETS.iter().find(|t| **t == name).unwrap_or_else(|| {
            panic!(
                "{}: not a fuzz target's folder ({TARGETS:?}); it would never be replayed",
                dir.display()
            )
        });
        assert!(dir.is_dir(), "{} is not a folder", dir.display());
        for path in files(&dir) {
            assert!(path.is_file(), "{}: not a file", path.display());
            kept.push((*target, path));
        }
    }
    kept
}

#[test]
fn seeds_and_regressions_do_not_panic_and_account_for_every_record() {
    let fuzz = fuzz_dir();
    let mut failures = Vec::new();
    let mut seeds = 0;
    for (dir, targets) in [
        ("seeds/geojson", &["parcels", "enterprises", "parks"][..]),
        ("seeds/csv", &["enterprises_csv"][..]),
        ("seeds/toml", &["config"][..]),
    ] {
        for path in files(&fuzz.join(dir)) {
            for &target in targets {
                failures.extend(replay_file(target, &path).err());
                seeds += 1;
            }
        }
    }
    let kept = regressions();
    for (target, path) in &kept {
        failures.extend(replay_file(target, path).err());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Counted apart: the seeds alone must not make up for regressions that were not replayed.
    assert!(seeds >= 7, "only {seeds} seed replays");
    assert!(
        !kept.is_empty(),
        "fuzz/regressions holds no input: nothing found so far is replayed"
    );
    for target in TARGETS {
        assert!(
            kept.iter().any(|(t, _)| *t == target),
            "no regression kept for the {target} target"
        );
    }
}

/// Each kept input is listed in `fuzz/README.md` (with the commit whose bug it reproduced).
#[test]
fn every_regression_is_listed_in_the_fuzz_readme() {
    let readme = std::fs::read_to_string(fuzz_dir().join("README.md")).unwrap();
    for (target, path) in regressions() {
        let name = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
        assert!(
            readme.lines().any(|l| l.contains(&format!("`{name}`"))),
            "fuzz/README.md does not list `{name}`"
        );
    }
}

/// The replay audits the fuzzed layer beside the same fixed layers as the targets, and there
/// is a target for each folder of regressions.
#[test]
fn the_fixed_layers_are_the_fuzz_targets_own() {
    let source = |t: &str| {
        std::fs::read_to_string(fuzz_dir().join("fuzz_targets").join(format!("{t}.rs"))).unwrap()
    };
    for (target, fixed) in [
        ("parcels", &[PARCELS_ENTERPRISES, PARCELS_PARKS][..]),
        ("enterprises", &[PARCEL][..]),
        ("enterprises_csv", &[PARCEL][..]),
        ("parks", &[PARCEL][..]),
        ("config", &[CONFIG_PARCEL][..]),
    ] {
        let text = source(target);
        for layer in fixed {
            // The CSV is written with `\n` escapes in the target's source.
            let escaped = layer.replace('\n', "\\n");
            assert!(
                text.contains(layer) || text.contains(&escaped),
                "fuzz/fuzz_targets/{target}.rs does not audit with {layer:?}"
            );
        }
    }
    let mut names: Vec<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut targets = TARGETS.map(String::from).to_vec();
    targets.sort();
    assert_eq!(names, targets);
}
