//! Replays the fuzz seeds and every crash input kept in `fuzz/regressions/` through the same
//! code the fuzz targets drive: nothing may panic, and every record read is accounted for.
//! Regression files are named `<target>-<what>`, the target being one of `fuzz/fuzz_targets`.

mod common;

use std::path::Path;

use land_efficiency::{Audit, Config, Inputs, Source};

const PARCEL: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P","industry":"2614","status":"new"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;

fn replay(target: &str, data: &[u8]) {
    let run = |inputs: Inputs, config: Config, strict: bool| {
        Audit::new(config).strict(strict).run(&inputs)
    };
    match target {
        "parcels" => {
            for strict in [false, true] {
                let inputs = Inputs {
                    parcels: Source::geojson("fuzz.geojson", data),
                    enterprises: Some(Source::csv(
                        "e.csv",
                        "enterprise_id,tax,investment,output,lon,lat\nE1,1,1,1,120.0005,30.0005\n",
                    )),
                    parks: Some(Source::geojson("k.geojson", PARCEL)),
                };
                if let Ok(r) = run(inputs, Config::default(), strict) {
                    assert_eq!(
                        r.summary.parcels.read,
                        r.summary.parcels.evaluated + r.summary.parcels.rejected
                    );
                    let mut out = Vec::new();
                    land_efficiency::write_parcels_geojson(&r, &mut out, Default::default())
                        .unwrap();
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
                let s = &r.summary.enterprises;
                assert_eq!(s.read, s.joined + s.unmatched + s.rejected);
                assert!(s.ambiguous <= s.unmatched);
            }
        }
        "parks" => {
            let inputs = Inputs {
                parcels: Source::geojson("p.geojson", PARCEL),
                enterprises: None,
                parks: Some(Source::geojson("fuzz.geojson", data)),
            };
            if let Ok(r) = run(inputs, Config::default(), false) {
                let s = &r.summary.park_features;
                assert_eq!(s.read, s.evaluated + s.rejected);
            }
        }
        "config" => {
            if let Ok(config) = Config::from_toml(&String::from_utf8_lossy(data)) {
                let inputs = Inputs {
                    parcels: Source::geojson("p.geojson", PARCEL),
                    enterprises: None,
                    parks: None,
                };
                let _ = run(inputs, config, false);
            }
        }
        other => panic!("unknown fuzz target {other:?}"),
    }
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn seeds_and_regressions_do_not_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (dir, targets) in [
        ("seeds/geojson", &["parcels", "enterprises", "parks"][..]),
        ("seeds/csv", &["enterprises_csv"][..]),
        ("seeds/toml", &["config"][..]),
    ] {
        for path in files(&fuzz.join(dir)) {
            let data = std::fs::read(&path).unwrap();
            for t in targets {
                replay(t, &data);
                replayed += 1;
            }
        }
    }
    for path in files(&fuzz.join("regressions")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((target, _)) = name.split_once('-') else {
            continue;
        };
        replay(target, &std::fs::read(&path).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 10, "only {replayed} inputs replayed");
}
