//! Coordinates as Chinese parcel data really come (docs/crs.md).

mod common;

use common::{fixtures, rel};
use land_efficiency::gcj02::{bd09_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02};
use land_efficiency::{AreaMethod, OutputCrs};
use land_efficiency::{Audit, AuditReport, Config, Crs, Error, Inputs, Source};
use serde_json::Value;

fn zone(stem: &str) -> String {
    std::fs::read_to_string(fixtures().join("zone").join(format!("{stem}.geojson"))).unwrap()
}

fn run_with(
    config: Config,
    parcels: String,
    enterprises: Option<String>,
) -> land_efficiency::Result<AuditReport> {
    Audit::new(config).run(&Inputs {
        parcels: Source::geojson("parcels.geojson", parcels),
        enterprises: enterprises.map(|t| Source::geojson("enterprises.geojson", t)),
        parks: None,
    })
}

/// Rewrites every coordinate of a FeatureCollection, dropping its crs member.
fn map_coords(text: &str, f: &dyn Fn(f64, f64) -> (f64, f64)) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    v.as_object_mut().unwrap().remove("crs");
    fn walk(c: &mut Value, f: &dyn Fn(f64, f64) -> (f64, f64)) {
        let arr = c.as_array_mut().unwrap();
        if arr[0].is_number() {
            let (x, y) = f(arr[0].as_f64().unwrap(), arr[1].as_f64().unwrap());
            arr[0] = x.into();
            arr[1] = y.into();
        } else {
            for x in arr {
                walk(x, f);
            }
        }
    }
    for feat in v["features"].as_array_mut().unwrap() {
        walk(&mut feat["geometry"]["coordinates"], f);
    }
    v.to_string()
}

fn lonlat_reference() -> AuditReport {
    run_with(
        Config::default(),
        zone("parcels"),
        Some(zone("enterprises")),
    )
    .unwrap()
}

#[test]
fn projected_coordinates_without_a_crs_are_an_error_that_suggests_the_zone() {
    let plain = map_coords(&zone("parcels_4549"), &|x, y| (x, y));
    match run_with(Config::default(), plain, None) {
        Err(Error::UnknownCrs { file, message }) => {
            assert_eq!(file.to_str(), Some("parcels.geojson"));
            assert!(message.contains("cannot be lon/lat"), "{message}");
            assert!(message.contains("EPSG:4549"), "{message}");
        }
        other => panic!("{:?}", other.map(|r| r.summary.parcels)),
    }
    let prefixed = map_coords(&zone("parcels_4549"), &|x, y| (x + 40_000_000.0, y));
    match run_with(Config::default(), prefixed, None) {
        Err(Error::UnknownCrs { message, .. }) => {
            assert!(message.contains("zone prefix 40"), "{message}");
            assert!(message.contains("EPSG:4528"), "{message}");
        }
        other => panic!("{:?}", other.map(|r| r.summary.parcels)),
    }
}

#[test]
fn an_explicit_crs_overrides_and_a_zone_prefixed_plane_gives_the_same_areas() {
    let declared = run_with(
        Config::default(),
        zone("parcels_4549"),
        Some(zone("enterprises_4549")),
    )
    .unwrap();
    let plain = map_coords(&zone("parcels_4549"), &|x, y| (x, y));
    let mut config = Config::from_toml("[crs]\ninput = \"urn:ogc:def:crs:EPSG::4549\"").unwrap();
    let explicit = run_with(config.clone(), plain, Some(zone("enterprises_4549"))).unwrap();
    let prefixed = map_coords(&zone("parcels_4549"), &|x, y| (x + 40_000_000.0, y));
    let ents = map_coords(&zone("enterprises_4549"), &|x, y| (x + 40_000_000.0, y));
    config.crs.input = Some("EPSG:4528".into());
    let zoned = run_with(config, prefixed, Some(ents)).unwrap();
    assert_eq!(declared.summary.crs.parcels.crs, "EPSG:4549");
    for r in [&explicit, &zoned] {
        assert_eq!(
            r.summary.low_efficiency_count,
            declared.summary.low_efficiency_count
        );
        assert_eq!(r.parcel_count(), declared.parcel_count());
        for (a, b) in r.parcels().zip(declared.parcels()) {
            assert!(rel(a.area_m2(), b.area_m2()) < 1e-12, "{}", a.parcel_id());
            assert_eq!(a.reasons(), b.reasons());
            let (ca, cb) = (
                a.geometry().0[0].exterior().0[0],
                b.geometry().0[0].exterior().0[0],
            );
            assert!((ca.x - cb.x).abs() < 1e-9 && (ca.y - cb.y).abs() < 1e-9);
        }
    }
}

#[test]
fn a_declared_zone_the_coordinates_contradict_is_an_error_naming_theirs() {
    // Eastings with the zone prefix 39 (CM 117°E) given as zone 40: read so, the zone would
    // land at 109.76°E, every firm unmatched and every parcel idle.
    let zone39 = |stem: &str| map_coords(&zone(stem), &|x, y| (x + 39_000_000.0, y));
    let mut config = Config::default();
    config.crs.input = Some("EPSG:4528".into());
    let err = run_with(
        config.clone(),
        zone39("parcels_4549"),
        Some(zone39("enterprises_4549")),
    )
    .map(|_| ())
    .expect_err("zone 39 read as zone 40");
    let message = err.to_string();
    assert!(matches!(err, Error::Crs { .. }), "{err:?}");
    assert!(
        message.starts_with("parcels.geojson: CRS EPSG:4528"),
        "{message}"
    );
    assert!(message.contains("zone prefix 39"), "{message}");
    assert!(message.contains("EPSG:4527"), "{message}");
    // Eastings with no prefix given as a prefixed zone: the prefix-free code of that zone.
    let plain = map_coords(&zone("parcels_4549"), &|x, y| (x, y));
    let message = run_with(config.clone(), plain.clone(), None)
        .map(|_| ())
        .expect_err("no prefix read as zone 40")
        .to_string();
    assert!(message.contains("carry no zone prefix"), "{message}");
    assert!(message.contains("EPSG:4549"), "{message}");
    // A prefixed plane given as the prefix-free zone, declared in the file this time.
    let prefixed = zone39("parcels_4549").replacen(
        "{",
        r#"{"crs":{"type":"name","properties":{"name":"EPSG:4549"}},"#,
        1,
    );
    let message = run_with(Config::default(), prefixed, None)
        .map(|_| ())
        .expect_err("prefix 39 read as EPSG:4549")
        .to_string();
    assert!(message.contains("zone prefix 39"), "{message}");
    // The right zone still reads.
    config.crs.input = Some("EPSG:4549".into());
    assert!(run_with(config, plain, None).is_ok());
}

#[test]
fn a_projected_crs_on_lonlat_coordinates_is_refused() {
    let text = zone("parcels").replacen(
        "{",
        r#"{"crs":{"type":"name","properties":{"name":"EPSG:4549"}},"#,
        1,
    );
    match run_with(Config::default(), text, None) {
        Err(Error::Crs { message, .. }) => {
            assert!(message.contains("looks like lon/lat"), "{message}")
        }
        other => panic!("{:?}", other.map(|r| r.summary.parcels)),
    }
}

/// `--crs` (`[crs] input`) is for every layer: lon/lat enterprises beside projected parcels are
/// refused under it, as under a declared CRS, rather than read as metres near the origin; the
/// layer's own `[crs] enterprises` mends it.
#[test]
fn an_explicit_projected_crs_on_lonlat_coordinates_is_refused() {
    let mut config = Config::default();
    config.crs.input = Some("EPSG:4549".into());
    let parcels = map_coords(&zone("parcels_4549"), &|x, y| (x, y));
    match run_with(config.clone(), parcels.clone(), Some(zone("enterprises"))) {
        Err(Error::Crs { file, message, .. }) => {
            assert!(file.ends_with("enterprises.geojson"), "{}", file.display());
            assert!(
                message.contains("every coordinate looks like lon/lat;")
                    && message.contains("[crs] parcels, enterprises or parks")
                    && !message.contains("inf"),
                "{message}"
            )
        }
        other => panic!("{:?}", other.map(|r| r.summary.enterprises)),
    }
    config.crs.enterprises = Some("EPSG:4326".into());
    let r = run_with(config.clone(), parcels.clone(), Some(zone("enterprises"))).unwrap();
    let reference = lonlat_reference();
    assert_eq!(r.summary.enterprises, reference.summary.enterprises);
    assert!(r.summary.enterprises.joined > 0);
    // As the README puts it: --crs (the builder's CRS) for every input, and the layer's own
    // key for the one in another CRS. The layer's key was overridden by --crs.
    config.crs.input = None;
    let r = Audit::new(config)
        .crs(Some(land_efficiency::Crs::parse("EPSG:4549").unwrap()))
        .run(&Inputs {
            parcels: Source::geojson("parcels.geojson", parcels),
            enterprises: Some(Source::geojson("enterprises.geojson", zone("enterprises"))),
            parks: None,
        })
        .unwrap();
    assert_eq!(r.summary.enterprises, reference.summary.enterprises);
}

#[test]
fn area_methods_are_reported_per_parcel() {
    let reference = lonlat_reference();
    assert!(
        reference
            .parcels()
            .all(|p| p.area_method().as_str() == "geodesic")
    );
    // Geodesic on projected input reprojects first: the same areas as from lon/lat.
    let mut config = Config::default();
    config.area.method = AreaMethod::Geodesic;
    let geodesic = run_with(config, zone("parcels_4549"), None).unwrap();
    // The lon/lat fixture is rounded to 1e-9° (0.1 mm), which moves a 1 ha parcel's area by
    // up to ~2e-6; the totals agree closer.
    assert_eq!(geodesic.parcel_count(), reference.parcel_count());
    for (a, b) in geodesic.parcels().zip(reference.parcels()) {
        assert_eq!(a.area_method().as_str(), "geodesic");
        assert!(
            rel(a.area_m2(), b.area_m2()) < 5e-6,
            "{}: {} vs {}",
            a.parcel_id(),
            a.area_m2(),
            b.area_m2()
        );
    }
    assert!(
        rel(
            geodesic.summary.total_area_mu,
            reference.summary.total_area_mu
        ) < 1e-6
    );
    // Planar area of lon/lat input would be square degrees: refused.
    let mut config = Config::default();
    config.area.method = AreaMethod::Planar;
    assert!(matches!(
        run_with(config, zone("parcels"), None),
        Err(Error::Usage(_))
    ));
}

#[test]
fn recorded_areas_warn_when_they_disagree_and_reject_when_missing_or_zero() {
    let square = |id: &str, x: f64, land: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"parcel_id":"{id}"{land}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3300000],[{x1},3300000],[{x1},3300100],[{x},3300100],[{x},3300000]]]}}}}"#,
            x1 = x + 100.0
        )
    };
    let text = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4549"}}}},"features":[{},{},{},{}]}}"#,
        square("SAME", 500_000.0, r#","ZDMJ":15"#),
        square("OFF", 500_200.0, r#","ZDMJ":18"#),
        square("NONE", 500_400.0, ""),
        square("ZERO", 500_600.0, r#","ZDMJ":0"#)
    );
    let config = Config::from_toml(
        "[fields]\nland_area = \"ZDMJ\"\n[area]\nmethod = \"recorded\"\nrecorded_unit = \"mu\"\nrecorded_tolerance = 0.05",
    )
    .unwrap();
    let r = run_with(config, text, None).unwrap();
    assert_eq!(r.parcel_count(), 2);
    assert_eq!(r.parcel(0).area_m2(), 10_000.0);
    assert_eq!(r.parcel(1).area_mu(), 18.0);
    assert!(r.parcels().all(|p| p.area_method().as_str() == "recorded"));
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].id.as_deref(), Some("OFF"));
    assert!(
        r.warnings[0].message.contains("20.00%"),
        "{}",
        r.warnings[0].message
    );
    // Both rejections name the recorded-area property, not the geometry.
    let rejected: Vec<_> = r
        .rejected
        .iter()
        .map(|x| (x.id.as_deref(), x.code, x.property.as_deref()))
        .collect();
    assert_eq!(
        rejected,
        [
            (Some("NONE"), "missing_property", Some("ZDMJ")),
            (Some("ZERO"), "invalid_value", Some("ZDMJ"))
        ]
    );
    assert_eq!(r.summary.parcels.read, 4);
}

#[test]
fn gcj02_and_bd09_input_is_converted_to_wgs84() {
    let reference = lonlat_reference();
    for (name, f) in [
        ("GCJ-02", wgs84_to_gcj02 as fn(f64, f64) -> (f64, f64)),
        ("BD-09", wgs84_to_bd09 as fn(f64, f64) -> (f64, f64)),
    ] {
        let parcels = map_coords(&zone("parcels"), &|x, y| f(x, y));
        let ents = map_coords(&zone("enterprises"), &|x, y| f(x, y));
        let mut config = Config::default();
        config.crs.input = Some(name.into());
        let r = run_with(config, parcels, Some(ents)).unwrap();
        assert_eq!(r.summary.crs.parcels.crs, name);
        assert_eq!(r.parcel_count(), reference.parcel_count(), "{name}");
        for (a, b) in r.parcels().zip(reference.parcels()) {
            assert!(
                rel(a.area_m2(), b.area_m2()) < 1e-7,
                "{name} {}",
                a.parcel_id()
            );
            assert_eq!(a.reasons(), b.reasons());
            let (ca, cb) = (
                a.geometry().0[0].exterior().0[0],
                b.geometry().0[0].exterior().0[0],
            );
            assert!(
                (ca.x - cb.x).abs() < 1e-9 && (ca.y - cb.y).abs() < 1e-9,
                "{name}: {ca:?} vs {cb:?}"
            );
        }
    }
    let (x, y) = wgs84_to_bd09(120.6, 31.3);
    let (bx, by) = bd09_to_wgs84(x, y);
    assert!((bx - 120.6).abs() < 1e-9 && (by - 31.3).abs() < 1e-9);
}

/// Published GCJ-02 / BD-09 pairs from public implementations, independent of the crate's own
/// formulas (which the round trips above only check against themselves):
/// - eviltransform (github.com/googollee/eviltransform, `python/test.py`, the same three in
///   `go/transform_test.go` and `javascript/test.js`): WGS84 → GCJ-02, as (lat, lon);
/// - coordtransform (github.com/wandergis/coordtransform, `test/app.js`): WGS84 → GCJ-02 and
///   GCJ-02 → BD-09 of (116.404, 39.915), as (lon, lat);
/// - pyxis (github.com/Glatzel/pyxis, `python/tests/test_crypto.py`): GCJ-02 → BD-09, as
///   (lon, lat). (Its WGS84 → GCJ-02 pair uses the WGS84 semi-major axis in the GCJ formula, a
///   variant 1e-7° off the Krasovsky one that the others and this crate use: not used here.)
///
/// The forward formulas agree with these to 1e-14°; 1e-9° (0.1 mm) is a margin for rounding
/// that still tells the Krasovsky axis from the WGS84 one (1e-7° apart) or any other constant.
/// Each published output is also taken back through the crate's inverse, which must land on the
/// published input: the inverses iterate to 1e-10°. The libraries' own closed-form inverses
/// are approximations (off by up to 5e-7°), so their inverse outputs are not compared.
#[test]
fn gcj02_and_bd09_agree_with_published_reference_points() {
    use land_efficiency::gcj02::{bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84};
    const TOL: f64 = 1e-9;
    let near = |what: &str, got: (f64, f64), want: (f64, f64)| {
        assert!(
            (got.0 - want.0).abs() < TOL && (got.1 - want.1).abs() < TOL,
            "{what}: {got:?} vs {want:?}, off by ({:e}, {:e})",
            got.0 - want.0,
            got.1 - want.1
        );
    };
    // (WGS84 lon, lat) → (GCJ-02 lon, lat).
    let wgs_to_gcj = [
        // eviltransform: Shanghai, Shenzhen, Beijing.
        (
            (121.5272106, 31.1774276),
            (121.531541859215, 31.17530398364597),
        ),
        (
            (113.912316, 22.543847),
            (113.9171764808363, 22.540796131694766),
        ),
        (
            (116.377817, 39.911954),
            (116.38404722455657, 39.91334545536069),
        ),
        // coordtransform.
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ];
    for (wgs, gcj) in wgs_to_gcj {
        near("WGS84 → GCJ-02", wgs84_to_gcj02(wgs.0, wgs.1), gcj);
        near("GCJ-02 → WGS84", gcj02_to_wgs84(gcj.0, gcj.1), wgs);
    }
    // (GCJ-02 lon, lat) → (BD-09 lon, lat).
    let gcj_to_bd = [
        // coordtransform.
        ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),
        // pyxis.
        (
            (121.09626935575027, 30.608604331756705),
            (121.10271732371203, 30.61484572185035),
        ),
    ];
    for (gcj, bd) in gcj_to_bd {
        near("GCJ-02 → BD-09", gcj02_to_bd09(gcj.0, gcj.1), bd);
        near("BD-09 → GCJ-02", bd09_to_gcj02(bd.0, bd.1), gcj);
    }
    // WGS84 → BD-09 is GCJ-02 → BD-09 after WGS84 → GCJ-02: coordtransform's published GCJ-02
    // of (116.404, 39.915), taken on to BD-09 by the step checked just above.
    let bd = gcj02_to_bd09(116.41024449916938, 39.91640428150164);
    near("WGS84 → BD-09", wgs84_to_bd09(116.404, 39.915), bd);
    near(
        "BD-09 → WGS84",
        bd09_to_wgs84(bd.0, bd.1),
        (116.404, 39.915),
    );
}

#[test]
fn output_can_be_written_in_gcj02() {
    let r = lonlat_reference();
    let dir = tempfile::tempdir().unwrap();
    let wgs = dir.path().join("wgs");
    let gcj = dir.path().join("gcj");
    land_efficiency::write_all(&r, &wgs, &Default::default()).unwrap();
    let options = land_efficiency::WriteOptions {
        crs: OutputCrs::Gcj02,
        ..Default::default()
    };
    land_efficiency::write_all(&r, &gcj, &options).unwrap();
    let read = |p: &std::path::Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p.join("parcels.geojson")).unwrap()).unwrap()
    };
    let (a, b) = (read(&wgs), read(&gcj));
    let pa = &a["features"][0]["geometry"]["coordinates"][0][0];
    let pb = &b["features"][0]["geometry"]["coordinates"][0][0];
    let (gx, gy) = wgs84_to_gcj02(pa[0].as_f64().unwrap(), pa[1].as_f64().unwrap());
    assert!((gx - pb[0].as_f64().unwrap()).abs() <= 1.5e-7);
    assert!((gy - pb[1].as_f64().unwrap()).abs() <= 1.5e-7);
    assert!((gx - pa[0].as_f64().unwrap()).abs() > 1e-3); // really shifted
}

#[test]
fn web_mercator_input_gets_geodesic_areas_under_auto() {
    // EPSG:3857 metres near 120.6E 31.3N: planar area there is ~1/cos²(31.3°) = 1.37× too large.
    let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[
      {"type":"Feature","properties":{"parcel_id":"W"},"geometry":{"type":"Polygon","coordinates":[[[13425000,3672000],[13425100,3672000],[13425100,3672100],[13425000,3672100],[13425000,3672000]]]}}]}"#;
    let r = run_with(Config::default(), text.to_string(), None).unwrap();
    let p = &r.parcel(0);
    assert_eq!(p.area_method().as_str(), "geodesic");
    // Karney's area of the four corners taken back to lon/lat on the sphere of radius
    // 6378137 m (lon = x/R, lat = atan(sinh(y/R)); pyproj's EPSG:3857 → EPSG:4326 gives the
    // same corners to the last bit), by geographiclib 2.1's `Geodesic.WGS84.Polygon()`:
    // 7278.073887884617 m². (The 1/cos² rule of thumb, 7301 m², is 0.3% off: it ignores the
    // ellipsoid.)
    assert!(
        rel(p.area_m2(), 7_278.073_887_884_617) < 1e-9,
        "{}",
        p.area_m2()
    );
}

#[test]
fn crs_names_parse() {
    assert_eq!(Crs::parse("EPSG:2379").unwrap(), Crs::Epsg(2379));
    assert_eq!(
        Crs::parse("urn:ogc:def:crs:EPSG::32650").unwrap(),
        Crs::Epsg(32650)
    );
    assert!(Crs::Epsg(4610).is_geographic());
    assert!(!Crs::Epsg(2379).is_geographic());
    assert!(!Crs::Epsg(3857).planar_area_is_meaningful());
}

#[test]
fn xian_1980_beijing_1954_and_utm_planes_invert_the_projection() {
    // Forward with proj4rs on each CRS's own ellipsoid, back through the crate: the wiring
    // (radians, axis order, no datum shift for the Chinese datums) must close to well under a
    // millimetre. Beijing 1954 uses Krassowsky; Xi'an 1980 the IAG 1975 ellipsoid.
    let cases = [
        (
            2379u32,
            "+proj=tmerc +lat_0=0 +lon_0=102 +k=1 +x_0=500000 +y_0=0 +a=6378140 +b=6356755.288157528 +units=m",
            "+proj=longlat +a=6378140 +b=6356755.288157528",
            102.3f64,
            30.1f64,
        ),
        (
            2349,
            "+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=25500000 +y_0=0 +a=6378140 +b=6356755.288157528 +units=m",
            "+proj=longlat +a=6378140 +b=6356755.288157528",
            75.2,
            39.5,
        ),
        (
            2401,
            "+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=25500000 +y_0=0 +ellps=krass +units=m",
            "+proj=longlat +ellps=krass",
            75.4,
            38.0,
        ),
        (
            2442,
            "+proj=tmerc +lat_0=0 +lon_0=135 +k=1 +x_0=500000 +y_0=0 +ellps=krass +units=m",
            "+proj=longlat +ellps=krass",
            134.5,
            47.2,
        ),
        (
            32650,
            "+proj=utm +zone=50 +datum=WGS84 +units=m",
            "+proj=longlat +datum=WGS84",
            117.5,
            31.0,
        ),
    ];
    for (code, plane, geographic, lon, lat) in cases {
        let plane = proj4rs::Proj::from_proj_string(plane).unwrap();
        let geographic = proj4rs::Proj::from_proj_string(geographic).unwrap();
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&geographic, &plane, &mut p).unwrap();
        let back = Crs::Epsg(code)
            .to_wgs84_with(land_efficiency::Backend::Proj4rs)
            .unwrap();
        let c = back.coord(geo::Coord { x: p.0, y: p.1 }).unwrap();
        assert!(
            (c.x - lon).abs() < 1e-8 && (c.y - lat).abs() < 1e-8,
            "EPSG:{code}: {c:?}"
        );
    }
}

/// Where each firm went: `(id, join, parcel or candidates)`.
fn joins_of(r: &AuditReport) -> Vec<(String, String, String)> {
    r.enterprises()
        .map(|e| {
            let to = match e.parcel_id() {
                Some(p) => p.to_string(),
                None => e.candidates().join(";"),
            };
            (e.id().to_string(), e.join().as_str().to_string(), to)
        })
        .collect()
}

/// Two 100 m parcels sharing the edge x = 500 100 in EPSG:4549, and firms on that edge, at its
/// shared corner, 1 cm and 1 m off it, and on the parcels' outer edge. The EPSG:4549 file and
/// the same data in lon/lat (as a GIS exports it, to 8 decimals: 1 mm) join every firm alike:
/// a point on the edge two parcels share is ambiguous in every CRS. (In EPSG:4549 the firm on
/// the edge was joined to one parcel silently: reprojected to WGS84, it and the edge's ends are
/// no longer exactly on one line.)
#[test]
fn a_point_on_a_shared_edge_is_ambiguous_in_every_crs_alike() {
    use common::{collection, enterprise, projected, square};
    let (x0, y0) = (500_000.0, 3_350_000.0);
    let parcels = [
        square("P", x0, y0, 100.0, ""),
        square("Q", x0 + 100.0, y0, 100.0, ""),
    ];
    let firms = [
        ("on_edge", x0 + 100.0, y0 + 50.0),
        ("on_edge_low", x0 + 100.0, y0 + 12.345_678),
        ("corner", x0 + 100.0, y0 + 100.0),
        ("1cm_in_P", x0 + 99.99, y0 + 50.0),
        ("1m_in_Q", x0 + 101.0, y0 + 50.0),
        ("outer_edge_P", x0, y0 + 50.0),
    ];
    let ents: Vec<String> = (firms.iter())
        .map(|(id, x, y)| enterprise(id, *x, *y, 10.0, 10.0, 10.0, ""))
        .collect();
    let run = |parcels: String, ents: String| {
        run_with(Config::default(), parcels, Some(ents)).expect("audit")
    };
    let planar = run(projected(&parcels), projected(&ents));
    let want: Vec<(String, String, String)> = [
        ("on_edge", "ambiguous", "P;Q"),
        ("on_edge_low", "ambiguous", "P;Q"),
        ("corner", "ambiguous", "P;Q"),
        ("1cm_in_P", "by_location", "P"),
        ("1m_in_Q", "by_location", "Q"),
        ("outer_edge_P", "by_location", "P"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(joins_of(&planar), want, "EPSG:4549");
    let why = &planar
        .rejected
        .iter()
        .find(|r| r.id.as_deref() == Some("on_edge"));
    assert!(
        why.is_some_and(|r| r.reason
            == "the point lies in 2 parcels, or on a boundary they share (within 5 mm): P, Q; \
                move it into one of them, or give it a parcel_id"),
        "{why:?}"
    );
    // The same data in lon/lat, by the crate's own reprojection, in full and to 8 decimals.
    let to_wgs84 = Crs::from_epsg(4549).to_wgs84().unwrap();
    for decimals in [None, Some(8)] {
        let lonlat = |text: String| {
            map_coords(&text, &|x, y| {
                let c = to_wgs84.coord(geo::coord! { x: x, y: y }).unwrap();
                match decimals {
                    None => (c.x, c.y),
                    Some(d) => {
                        let k = 10f64.powi(d);
                        ((c.x * k).round() / k, (c.y * k).round() / k)
                    }
                }
            })
        };
        let r = run(lonlat(projected(&parcels)), lonlat(projected(&ents)));
        assert_eq!(joins_of(&r), want, "lon/lat to {decimals:?} decimals");
    }
    // And in lon/lat from the start: squares sharing the meridian 120.001°E.
    let d = 0.001;
    let parcels = [
        square("P", 120.0, 30.0, d, ""),
        square("Q", 120.0 + d, 30.0, d, ""),
    ];
    let ents = [
        enterprise("on_edge", 120.0 + d, 30.0 + d / 2.0, 10.0, 10.0, 10.0, ""),
        enterprise(
            "in_P",
            120.0 + d / 2.0,
            30.0 + d / 2.0,
            10.0,
            10.0,
            10.0,
            "",
        ),
    ];
    let r = run(collection(&parcels), collection(&ents));
    assert_eq!(
        joins_of(&r)[..2]
            .iter()
            .map(|(_, j, to)| format!("{j} {to}"))
            .collect::<Vec<_>>(),
        ["ambiguous P;Q", "by_location P"]
    );
}
