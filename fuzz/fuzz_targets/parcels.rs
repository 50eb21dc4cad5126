//! Any bytes as the parcels layer: read, audit with a fixed enterprise and park, write every
//! output to memory. Nothing may panic; every feature read is evaluated or rejected.
#![no_main]

use land_efficiency::{Audit, Config, Inputs, Source};
use libfuzzer_sys::fuzz_target;

const ENTERPRISES: &str = "enterprise_id,tax,investment,output,floor_area,lon,lat\nE1,300,3000,4500,10000,120.0005,30.0005\n";
const PARKS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"park_id":"K"},"geometry":{"type":"Polygon","coordinates":[[[119,29],[121,29],[121,31],[119,31],[119,29]]]}}]}"#;

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let inputs = Inputs {
            parcels: Source::geojson("fuzz.geojson", data),
            enterprises: Some(Source::csv("e.csv", ENTERPRISES)),
            parks: Some(Source::geojson("k.geojson", PARKS)),
        };
        if let Ok(report) = Audit::new(Config::default()).strict(strict).run(&inputs) {
            let s = &report.summary;
            assert_eq!(s.parcels.read, s.parcels.evaluated + s.parcels.rejected);
            let mut out = Vec::new();
            land_efficiency::write_parcels_geojson(&report, &mut out, Default::default()).unwrap();
            land_efficiency::write_parks_geojson(&report, &mut out, Default::default()).unwrap();
        }
    }
});
