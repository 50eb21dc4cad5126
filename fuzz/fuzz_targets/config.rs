//! Any bytes as the TOML configuration; a config that parses must also drive an audit.
#![no_main]

use land_efficiency::{Audit, Config, Inputs, Source};
use libfuzzer_sys::fuzz_target;

const PARCELS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parcel_id":"P","industry":"2614","status":"new"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.001,30],[120.001,30.001],[120,30.001],[120,30]]]}}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_toml(text) {
        let inputs = Inputs {
            parcels: Source::geojson("p.geojson", PARCELS),
            enterprises: None,
            parks: None,
        };
        let _ = Audit::new(config).run(&inputs);
    }
});
