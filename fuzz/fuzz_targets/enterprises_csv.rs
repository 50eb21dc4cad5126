//! Any bytes as a CSV enterprises layer, joined to a fixed parcel.
#![no_main]

use land_efficiency::{Audit, Config, Inputs, Source};
use libfuzzer_sys::fuzz_target;

const PARCELS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;

fuzz_target!(|data: &[u8]| {
    let inputs = Inputs {
        parcels: Source::geojson("p.geojson", PARCELS),
        enterprises: Some(Source::csv("fuzz.csv", data)),
        parks: None,
    };
    if let Ok(report) = Audit::new(Config::default()).run(&inputs) {
        let s = &report.summary.enterprises;
        assert_eq!(s.read, s.joined + s.unmatched + s.rejected);
    }
});
