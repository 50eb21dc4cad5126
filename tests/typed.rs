//! The typed route: layers built in memory from geo geometry ([`Records`]) are audited as the
//! files holding them are. The fixture zone's EPSG:4549 files are read here with serde_json
//! alone, not through the crate's readers, and built into records.

mod common;

use common::fixtures;
use land_efficiency::geo::{Coord, LineString, MultiPolygon, Point, Polygon, polygon};
use land_efficiency::{
    Audit, AuditReport, Config, Crs, EnterpriseInput, Error, FieldValue, Inputs, Lang, ParcelInput,
    ParkInput, Records, Source,
};
use serde_json::Value;

fn gk() -> Crs {
    Crs::parse("EPSG:4549").unwrap()
}

fn features_in(dir: &std::path::Path, name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

fn ring(v: &Value) -> LineString<f64> {
    let coords = v.as_array().unwrap().iter().map(|c| Coord {
        x: c[0].as_f64().unwrap(),
        y: c[1].as_f64().unwrap(),
    });
    LineString::from_iter(coords)
}

fn polygon_of(rings: &Value) -> Polygon<f64> {
    let rings = rings.as_array().unwrap();
    Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
}

/// A Polygon or MultiPolygon of a GeoJSON geometry, read by hand.
fn shape(geometry: &Value) -> MultiPolygon<f64> {
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str().unwrap() {
        "Polygon" => MultiPolygon(vec![polygon_of(coordinates)]),
        "MultiPolygon" => MultiPolygon(
            coordinates
                .as_array()
                .unwrap()
                .iter()
                .map(polygon_of)
                .collect(),
        ),
        other => panic!("{other}"),
    }
}

/// A feature's properties but `id_name`, as fields.
fn fields(f: &Value, id_name: &str) -> Vec<(String, FieldValue)> {
    let props = f["properties"].as_object().unwrap();
    props
        .iter()
        .filter(|(k, _)| *k != id_name)
        .map(|(k, v)| {
            let value = match v {
                Value::Number(n) => FieldValue::Number(n.as_f64().unwrap()),
                Value::String(s) => FieldValue::Text(s.clone()),
                Value::Bool(b) => FieldValue::Bool(*b),
                _ => FieldValue::Null,
            };
            (k.clone(), value)
        })
        .collect()
}

fn id(f: &Value, name: &str) -> String {
    f["properties"][name].as_str().unwrap().to_string()
}

/// The fixture zone's three EPSG:4549 layers, built as records.
fn zone_records() -> Inputs {
    records_of(&fixtures().join("zone"))
}

/// The three EPSG:4549 layers of a folder (`*_4549.geojson`), built as records.
fn records_of(dir: &std::path::Path) -> Inputs {
    let features = |name: &str| features_in(dir, name);
    let mut parcels = Records::parcels(gk());
    for f in features("parcels_4549.geojson") {
        let p = ParcelInput::new(id(&f, "parcel_id"), shape(&f["geometry"]));
        parcels.push(p.fields(fields(&f, "parcel_id")));
    }
    let mut firms = Records::enterprises(gk());
    for f in features("enterprises_4549.geojson") {
        let c = &f["geometry"]["coordinates"];
        let at = Point::new(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        let e = EnterpriseInput::new(id(&f, "enterprise_id")).at(at);
        firms.push(e.fields(fields(&f, "enterprise_id")));
    }
    let parks = Records::parks(gk()).label("parks table");
    let parks = features("parks_4549.geojson")
        .iter()
        .fold(parks, |parks, f| {
            let k = ParkInput::new(id(f, "park_id"), shape(&f["geometry"]));
            parks.with(k.fields(fields(f, "park_id")))
        });
    Inputs {
        parcels: parcels.into(),
        enterprises: Some(firms.into()),
        parks: Some(parks.into()),
    }
}

fn zone_files() -> Inputs {
    files_of(&fixtures().join("zone"))
}

fn files_of(zone: &std::path::Path) -> Inputs {
    Inputs {
        parcels: Source::path(zone.join("parcels_4549.geojson")),
        enterprises: Some(Source::path(zone.join("enterprises_4549.geojson"))),
        parks: Some(Source::path(zone.join("parks_4549.geojson"))),
    }
}

/// The summary's JSON without what names the inputs (`crs`: file names and where each CRS
/// came from).
fn summary_json(report: &AuditReport) -> Value {
    let mut v = serde_json::to_value(&report.summary).unwrap();
    v.as_object_mut().unwrap().remove("crs");
    v
}

#[test]
fn built_zone_gives_the_file_route_summary() {
    let audit = Audit::new(Config::default());
    let typed = audit.run(&zone_records()).unwrap();
    let files = audit.run(&zone_files()).unwrap();
    assert_eq!(summary_json(&typed), summary_json(&files));
    // fixtures/README.md: the planar figures of the zone, worked out by shapely and GeoPandas.
    let s = &typed.summary;
    assert_eq!((s.parcels.read, s.parcels.evaluated), (40, 40));
    assert_eq!((s.enterprises.read, s.enterprises.joined), (48, 48));
    assert!(
        (s.total_area_mu - 1788.33).abs() < 1e-6,
        "{}",
        s.total_area_mu
    );
    assert!((s.low_efficiency_area_mu - 834.6).abs() < 1e-6);
    assert_eq!((s.low_efficiency_count, s.idle_count), (19, 6));
    assert_eq!(s.area_methods.get("planar"), Some(&40));
    assert_eq!(typed.summary.crs.parcels.crs, "EPSG:4549");
    for (a, b) in typed.parcels().zip(files.parcels()) {
        assert_eq!(a.parcel_id(), b.parcel_id());
        assert_eq!(a.area_m2(), b.area_m2());
        assert_eq!(a.low_efficiency(), b.low_efficiency());
        assert_eq!(a.park_id(), b.park_id());
    }
    // P01-01 is exactly 100 m × 100 m in the plane: 15 mu.
    let p = typed.parcel_by_id("P01-01").unwrap();
    assert!((p.area_mu() - 15.0).abs() < 1e-9);
    assert_eq!(p.area_method().as_str(), "planar");
}

#[test]
fn geojson_crate_collection_reads_as_the_file() {
    let zone = fixtures().join("zone");
    let read = |name: &str| -> land_efficiency::geojson::FeatureCollection {
        std::fs::read_to_string(zone.join(name))
            .unwrap()
            .parse()
            .unwrap()
    };
    // The collection's own `crs` foreign member is kept; naming the CRS replaces it.
    let inputs = Inputs {
        parcels: Source::feature_collection("parcels", &read("parcels_4549.geojson"), None),
        enterprises: Some(Source::feature_collection(
            "enterprises",
            &read("enterprises_4549.geojson"),
            Some(&gk()),
        )),
        parks: Some(Source::feature_collection(
            "parks",
            &read("parks_4549.geojson"),
            None,
        )),
    };
    let audit = Audit::new(Config::default());
    let typed = audit.run(&inputs).unwrap();
    let files = audit.run(&zone_files()).unwrap();
    assert_eq!(summary_json(&typed), summary_json(&files));
}

fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
    polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)]
}

/// Two good parcels, then a bow tie and one with no geometry; a good firm, one with a negative
/// tax and one with no place.
fn with_bad_records() -> Inputs {
    let (x, y) = (500_000.0, 3_320_000.0);
    let bow_tie = polygon![(x: x, y: y + 500.0), (x: x + 100.0, y: y + 600.0), (x: x + 100.0, y: y + 500.0), (x: x, y: y + 600.0)];
    let parcels = Records::parcels(gk())
        .with(ParcelInput::new("A", square(x, y, 100.0)).field("floor_area", 15_000.0))
        .with(ParcelInput::new("B", square(x + 200.0, y, 100.0)))
        .with(ParcelInput::new("BOW", bow_tie))
        .with(ParcelInput::without_geometry("NONE"));
    let firms = Records::enterprises(gk())
        .with(
            EnterpriseInput::new("E1")
                .at(Point::new(x + 50.0, y + 50.0))
                .fields([("tax", 300.0), ("investment", 3000.0), ("output", 4500.0)]),
        )
        .with(
            EnterpriseInput::new("E2")
                .at(Point::new(x + 250.0, y + 50.0))
                .field("tax", -50.0)
                .field("investment", 1.0)
                .field("output", 1.0),
        )
        .with(EnterpriseInput::new("E3").fields([
            ("tax", 1.0),
            ("investment", 1.0),
            ("output", 1.0),
        ]));
    Inputs {
        parcels: parcels.into(),
        enterprises: Some(firms.into()),
        parks: None,
    }
}

#[test]
fn bad_records_are_rejected_with_index_and_id_and_the_rest_audited() {
    let report = Audit::new(Config::default())
        .run(&with_bad_records())
        .unwrap();
    let rejected: Vec<(&str, usize, Option<&str>, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.layer.as_str(), r.index, r.id.as_deref(), r.code))
        .collect();
    assert_eq!(
        rejected,
        [
            ("parcels", 2, Some("BOW"), "invalid_geometry"),
            ("parcels", 3, Some("NONE"), "null_geometry"),
            ("enterprises", 1, Some("E2"), "negative_value"),
            ("enterprises", 2, Some("E3"), "missing_property"),
        ]
    );
    let s = &report.summary;
    assert_eq!(
        (s.parcels.read, s.parcels.evaluated, s.parcels.rejected),
        (4, 2, 2)
    );
    assert_eq!((s.enterprises.read, s.enterprises.joined), (3, 1));
    // A: 300 万元 over exactly 15 mu is 20 万元/亩; B holds no firm (E2 was rejected, though it
    // stood on B, so B is not judged idle: its tenants are incomplete).
    let a = report.parcel_by_id("A").unwrap();
    assert!((a.tax_per_mu() - 20.0).abs() < 1e-9);
    assert!(!a.low_efficiency());
    // The same CSV rule as a file: a firm with no point and no parcel id is missing its place.
    let e3 = &report.rejected[3];
    assert_eq!(e3.property.as_deref(), Some("lon/lat or parcel_id"));
    // Built records are no file's lines: the reason names no line.
    let e2 = &report.rejected()[2];
    assert_eq!(
        e2.reason,
        "property \"tax\": expected a number ≥ 0, found -50"
    );
    // Each code in words, from the table report.html uses.
    assert_eq!(e2.label(Lang::Zh), "属性为负数");
    assert_eq!(
        report.rejected()[0].label(Lang::En),
        "self-intersecting or invalid shape"
    );
}

#[test]
fn strict_stops_at_the_first_bad_record_naming_it() {
    let err = Audit::new(Config::default())
        .strict(true)
        .run(&with_bad_records())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidGeometry { .. }), "{err}");
    let ctx = err.feature().unwrap();
    assert_eq!((ctx.index, ctx.id.as_deref()), (2, Some("BOW")));
    assert!(err.to_string().contains("BOW"), "{err}");
}

#[test]
fn projected_records_get_planar_areas_lonlat_records_geodesic() {
    let report = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Records::parcels(gk())
                .with(ParcelInput::new("A", square(500_000.0, 3_320_000.0, 100.0)))
                .into(),
            enterprises: None,
            parks: None,
        })
        .unwrap();
    let a = report.parcel(0);
    assert_eq!(a.area_m2(), 10_000.0);
    assert_eq!(a.area_method().as_str(), "planar");
    assert_eq!(report.summary.crs.parcels.crs, "EPSG:4549");
    // The same square's corner in lon/lat, 0.001° a side at 30°N: geodesic, as for a file
    // (about 96.5 m × 110.9 m).
    let report = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Records::parcels(Crs::LonLat)
                .with(ParcelInput::new("L", square(120.0, 30.0, 0.001)))
                .into(),
            enterprises: None,
            parks: None,
        })
        .unwrap();
    let l = report.parcel(0);
    assert_eq!(l.area_method().as_str(), "geodesic");
    assert!((l.area_m2() - 10_700.0).abs() < 50.0, "{}", l.area_m2());
}

#[test]
fn a_layer_given_as_another_is_refused() {
    let err = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Records::parks(gk())
                .with(ParkInput::new("K1", square(500_000.0, 3_320_000.0, 100.0)))
                .into(),
            enterprises: None,
            parks: None,
        })
        .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    assert!(err.to_string().contains("parks"), "{err}");
}

#[test]
fn a_number_that_is_not_finite_is_rejected_not_dropped() {
    let report = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Records::parcels(gk())
                .with(ParcelInput::new("A", square(500_000.0, 3_320_000.0, 100.0)))
                .into(),
            enterprises: Some(
                Records::enterprises(gk())
                    .with(
                        EnterpriseInput::new("E1")
                            .at(Point::new(500_050.0, 3_320_050.0))
                            .fields([("tax", f64::NAN), ("investment", 1.0), ("output", 1.0)]),
                    )
                    .into(),
            ),
            parks: None,
        })
        .unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].code, "not_a_number");
    assert_eq!(report.rejected[0].property.as_deref(), Some("tax"));
}

#[test]
fn inputs_and_reports_cross_threads() {
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<Inputs>();
    send::<Config>();
    shared::<AuditReport>();
    shared::<Records<ParcelInput>>();
}

#[test]
fn fields_go_by_the_names_the_config_maps() {
    // A zone whose tables call the id 宗地编号 and the tax 税收.
    let config = Config::from_toml(
        "[fields]\nparcel_id = \"宗地编号\"\n[fields.enterprises]\nenterprise_id = \"统一社会信用代码\"\ntax = \"税收\"\n",
    )
    .unwrap();
    let (x, y) = (500_000.0, 3_320_000.0);
    let inputs = Inputs {
        parcels: Records::parcels(gk())
            .with(ParcelInput::new("A", square(x, y, 100.0)))
            .with(ParcelInput::new("A", square(x + 200.0, y, 100.0)))
            .into(),
        enterprises: Some(
            Records::enterprises(gk())
                .with(
                    EnterpriseInput::new("E1")
                        .at(Point::new(x + 50.0, y + 50.0))
                        .fields([("税收", 450.0), ("investment", 3000.0), ("output", 4500.0)]),
                )
                .into(),
        ),
        parks: None,
    };
    let report = Audit::new(config).run(&inputs).unwrap();
    // The second "A" is a repeated id, as in a file.
    assert_eq!(report.rejected().len(), 1);
    let r = &report.rejected()[0];
    assert_eq!(
        (r.index, r.id.as_deref(), r.code),
        (1, Some("A"), "duplicate_id")
    );
    let a = report.parcel_by_id("A").unwrap();
    assert!((a.tax_per_mu() - 30.0).abs() < 1e-9, "{}", a.tax_per_mu());
    assert_eq!(report.enterprise(0).id(), "E1");
}

/// The peer data set (`gen.py --n 10000 --seed 1 --projected`, in the folder named by
/// `LAND_EFFICIENCY_PEER_DIR`; skipped without it): built as records, it gives the file
/// route's summary, and the figures of GeoPandas' `expected_10k.json` when
/// `LAND_EFFICIENCY_PEER_EXPECTED` names it.
#[test]
fn peer_set_built_gives_the_file_route_and_the_oracle() {
    let Some(dir) = std::env::var_os("LAND_EFFICIENCY_PEER_DIR") else {
        eprintln!("LAND_EFFICIENCY_PEER_DIR not set: skipped");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let audit = Audit::new(Config::default());
    let typed = audit.run(&records_of(&dir)).unwrap();
    let files = audit.run(&files_of(&dir)).unwrap();
    assert_eq!(summary_json(&typed), summary_json(&files));
    let s = typed.summary();
    assert_eq!(s.parcels.rejected + s.enterprises.rejected, 0);
    let Some(expected) = std::env::var_os("LAND_EFFICIENCY_PEER_EXPECTED") else {
        return;
    };
    let oracle: Value = serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    let want = &oracle["results"]["planar_from_4549_file"];
    let close = |a: f64, b: &Value| common::rel(a, b.as_f64().unwrap()) < 1e-9;
    assert!(
        close(s.total_area_mu, &want["total_area_mu"]),
        "{}",
        s.total_area_mu
    );
    assert!(close(s.low_efficiency_area_mu, &want["low_area_mu"]));
    assert_eq!(
        s.low_efficiency_count as u64,
        want["n_low"].as_u64().unwrap()
    );
    assert_eq!(s.idle_count as u64, oracle["n_idle"].as_u64().unwrap());
    assert_eq!(
        s.enterprises.joined as u64,
        oracle["n_enterprises_joined"].as_u64().unwrap()
    );
}
