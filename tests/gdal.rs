//! The `gdal` feature: File Geodatabases written here by GDAL's own `ogr2ogr` (OpenFileGDB
//! driver) from the bundled zone and from small GeoJSON files, then read by the crate through
//! OGR. The audit of a geodatabase must say what the audit of the GeoJSON it was made from
//! says; records are named by layer, index and FID; Chinese names come through.
#![cfg(feature = "gdal")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use land_efficiency::{
    Audit, Config, Crs, CrsSource, Error, Inputs, ReadOptions, Source, read_enterprises,
    read_parcels,
};
use serde_json::Value;

/// Runs `ogr2ogr -f OpenFileGDB` with `args` (GDAL's command-line tool, gdal-bin).
fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(["-f", "OpenFileGDB"])
        .args(args)
        .output()
        .expect("ogr2ogr (Debian's gdal-bin) must be installed to test the gdal feature");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Converts `src` into the File Geodatabase `gdb` as its layer `layer`.
fn ogr2ogr_layer(gdb: &Path, src: &Path, layer: &str) {
    ogr2ogr(&[gdb.to_str().unwrap(), src.to_str().unwrap(), "-nln", layer]);
}

/// Writes the zone's three layers (`suffix` "" for lon/lat, "_4549" for the plane) into one
/// geodatabase `zone.gdb` in `dir`, as layers `parcels`, `enterprises`, `parks`.
///
/// A geodatabase keeps coordinates as integers on a grid (by default 1e-9° from -400°, which
/// moves a coordinate by ~1e-14°). On the grid of 1e-9° from 0 the zone's coordinates (9
/// decimals) are kept as the very numbers the GeoJSON holds, so the two audits can be compared
/// byte for byte; `exact` false keeps GDAL's default grid.
fn zone_gdb(dir: &Path, suffix: &str, exact: bool) -> PathBuf {
    let gdb = dir.join(format!(
        "zone{suffix}{}.gdb",
        if exact { "" } else { "_grid" }
    ));
    let zone = common::fixtures().join("zone");
    for (i, layer) in ["parcels", "enterprises", "parks"].into_iter().enumerate() {
        let src = zone.join(format!("{layer}{suffix}.geojson"));
        let mut args = vec![gdb.to_str().unwrap(), src.to_str().unwrap(), "-nln", layer];
        if i > 0 {
            args.insert(0, "-update");
        }
        if exact {
            args.extend([
                "-lco",
                "XORIGIN=0",
                "-lco",
                "YORIGIN=0",
                "-lco",
                "XYSCALE=1e9",
            ]);
        }
        if layer != "enterprises" {
            // Polygons and MultiPolygons in one layer, as a geodatabase holds them.
            args.extend(["-nlt", "MULTIPOLYGON"]);
        }
        ogr2ogr(&args);
    }
    gdb
}

fn layer(gdb: &Path, name: &str) -> Source {
    Source::path(format!("{}|layername={name}", gdb.display()))
}

/// The summary of an audit, as JSON, without the input files' names.
fn summary(parcels: Source, enterprises: Source, parks: Source) -> Value {
    let report = Audit::new(Config::default())
        .run(&Inputs {
            parcels,
            enterprises: Some(enterprises),
            parks: Some(parks),
        })
        .unwrap();
    let mut v = serde_json::to_value(&report.summary).unwrap();
    for layer in ["parcels", "enterprises", "parks"] {
        let file = v["crs"][layer].as_object_mut().unwrap().remove("file");
        assert!(file.is_some(), "{layer}");
    }
    v
}

#[test]
fn the_zone_from_a_geodatabase_audits_as_from_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let zone = common::fixtures().join("zone");
    for suffix in ["", "_4549"] {
        let gdb = zone_gdb(dir.path(), suffix, true);
        let geojson = |l: &str| Source::path(zone.join(format!("{l}{suffix}.geojson")));
        let mut from_gdb = summary(
            layer(&gdb, "parcels"),
            layer(&gdb, "enterprises"),
            layer(&gdb, "parks"),
        );
        let from_geojson = summary(geojson("parcels"), geojson("enterprises"), geojson("parks"));
        if suffix.is_empty() {
            // The one difference: a geodatabase declares its CRS, where a lon/lat GeoJSON
            // (RFC 7946) declares none and it is inferred.
            for l in ["parcels", "enterprises", "parks"] {
                assert_eq!(from_gdb["crs"][l]["source"], "file");
                assert_eq!(from_geojson["crs"][l]["source"], "inferred");
                from_gdb["crs"][l]["source"] = "inferred".into();
            }
        }
        assert_eq!(from_gdb, from_geojson, "suffix {suffix:?}");
        // The figures are the zone's (fixtures/README.md), not an empty audit twice.
        let parcels = &from_gdb["parcels"];
        assert_eq!(parcels["read"], 40, "{parcels}");
    }
    // On GDAL's default grid the coordinates move by ~1e-14°: the figures, by as little.
    let gdb = zone_gdb(dir.path(), "", false);
    let grid = summary(
        layer(&gdb, "parcels"),
        layer(&gdb, "enterprises"),
        layer(&gdb, "parks"),
    );
    let geojson = |l: &str| Source::path(zone.join(format!("{l}.geojson")));
    let exact = summary(geojson("parcels"), geojson("enterprises"), geojson("parks"));
    for key in ["total_area_mu", "low_efficiency_area_mu"] {
        let (a, b) = (grid[key].as_f64().unwrap(), exact[key].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-9 * b, "{key}: {a} against {b}");
    }
    assert_eq!(grid["low_efficiency_count"], exact["low_efficiency_count"]);
}

#[test]
fn the_layers_crs_comes_from_its_spatial_reference_and_chinese_names_come_through() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = zone_gdb(dir.path(), "_4549", true);
    let loaded = read_parcels(
        &layer(&gdb, "parcels"),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.crs, Crs::Epsg(4549));
    assert_eq!(loaded.crs_source, CrsSource::File);
    assert_eq!(
        loaded.file,
        PathBuf::from(format!("{}|layername=parcels", gdb.display()))
    );
    let p = loaded.records.iter().find(|p| p.id() == "P01-01").unwrap();
    // Exactly 100 m × 100 m in the plane (fixtures/README.md).
    assert_eq!(p.planar_area_m2(), Some(10_000.0));
    let props: Value = serde_json::from_str(p.properties().unwrap()).unwrap();
    assert_eq!(props["宗地坐落"], "苏州工业园区P01-01号地块", "{props}");
    let firms = read_enterprises(
        &layer(&gdb, "enterprises"),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(firms.records.len(), 48);
}

/// A GeoJSON file in `dir` of the given features (text), for ogr2ogr to convert.
fn geojson_file(dir: &Path, name: &str, features: &[String]) -> PathBuf {
    let path = dir.join(format!("{name}.geojson"));
    let text = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
        features.join(",")
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A square parcel feature near 120.6°E 31.3°N (`side` in degrees), with `props` (JSON).
fn parcel(x: f64, props: &str) -> String {
    let (y, s) = (31.3, 0.001);
    format!(
        r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
        x + s,
        x + s,
        y + s,
        y + s
    )
}

#[test]
fn a_bad_geometry_is_rejected_naming_its_layer_index_and_fid() {
    let dir = tempfile::tempdir().unwrap();
    let bowtie = r#"{"type":"Feature","properties":{"parcel_id":"Z3","floor_area":100},"geometry":{"type":"Polygon","coordinates":[[[120.60,31.30],[120.61,31.31],[120.61,31.30],[120.60,31.31],[120.60,31.30]]]}}"#;
    let src = geojson_file(
        dir.path(),
        "zd",
        &[
            parcel(120.60, r#"{"parcel_id":"Z1","floor_area":100}"#),
            parcel(120.62, r#"{"parcel_id":"Z2","floor_area":100}"#),
            bowtie.to_string(),
            parcel(120.64, r#"{"parcel_id":"Z4","floor_area":100}"#),
        ],
    );
    let gdb = dir.path().join("dc.gdb");
    ogr2ogr_layer(&gdb, &src, "DCDYTB");
    // One layer: no name needed.
    let loaded = read_parcels(
        &Source::path(&gdb),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.read, 4);
    let ids: Vec<&str> = loaded.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["Z1", "Z2", "Z4"]);
    let [e] = &loaded.rejected[..] else {
        panic!("{:?}", loaded.rejected)
    };
    assert_eq!(e.code(), "invalid_geometry", "{e}");
    let ctx = e.feature().unwrap();
    assert_eq!((ctx.index, ctx.fid), (2, Some(3)));
    let text = e.to_string();
    let at = format!("{}|layername=DCDYTB: feature 2 (fid 3)", gdb.display());
    assert!(text.starts_with(&at), "{text}");
    // Strict: the same error stops the read.
    let strict = ReadOptions {
        strict: true,
        ..ReadOptions::default()
    };
    let e = read_parcels(&Source::path(&gdb), &Config::default(), &strict).unwrap_err();
    assert_eq!(e.feature().map(|c| (c.index, c.fid)), Some((2, Some(3))));
}

#[test]
fn several_layers_need_a_name_and_a_wrong_name_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = zone_gdb(dir.path(), "", true);
    let e = read_parcels(
        &Source::path(&gdb),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Gdal { .. }), "{e:?}");
    assert!(text.contains("holds 3 layers"), "{text}");
    for name in ["parcels", "enterprises", "parks", "|layername="] {
        assert!(text.contains(name), "{name}: {text}");
    }
    let e = read_parcels(
        &layer(&gdb, "DCQTB"),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("no layer named \"DCQTB\"") && text.contains("parcels, enterprises, parks"),
        "{text}"
    );
    // A geodatabase's names are taken whatever their case.
    let ok = read_parcels(
        &layer(&gdb, "PARCELS"),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(ok.records.len(), 40 - ok.rejected.len());
}

#[test]
fn fields_come_as_numbers_text_and_dates_and_a_chinese_layer_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = geojson_file(
        dir.path(),
        "zd",
        &[
            parcel(
                120.60,
                r#"{"parcel_id":"0012","floor_area":1500.5,"层数":3,"批准日期":"2024-05-01","备注":null}"#,
            ),
            parcel(
                120.62,
                r#"{"parcel_id":"0013","floor_area":-5,"层数":4,"批准日期":"2023-01-02","备注":"无"}"#,
            ),
        ],
    );
    let gdb = dir.path().join("zd.gdb");
    ogr2ogr_layer(&gdb, &src, "宗地");
    let loaded = read_parcels(
        &layer(&gdb, "宗地"),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    let p = loaded.records.get(0);
    assert_eq!(p.id(), "0012");
    let props: Value = serde_json::from_str(p.properties().unwrap()).unwrap();
    assert_eq!(props["floor_area"], 1500.5, "{props}");
    assert_eq!(props["层数"], 3, "{props}");
    // A NULL field is absent, not null.
    assert!(props.get("备注").is_none(), "{props}");
    let date = props["批准日期"].as_str().unwrap();
    assert!(date.starts_with("2024"), "{props}");
    // A negative floor area: rejected naming the field, as from GeoJSON.
    let [e] = &loaded.rejected[..] else {
        panic!("{:?}", loaded.rejected)
    };
    assert_eq!(e.code(), "negative_value", "{e}");
    let text = e.to_string();
    assert!(text.contains("宗地: feature 1 (fid 2)"), "{text}");
    assert!(text.contains("floor_area"), "{text}");
}

/// `gdb` zipped into `zipped`, its files under `zone.gdb/`.
fn zip_gdb(gdb: &Path, zipped: &Path) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(zipped).unwrap());
    for entry in std::fs::read_dir(gdb).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("zone.gdb/{}", path.file_name().unwrap().to_str().unwrap());
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &std::fs::read(&path).unwrap()).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn a_zipped_geodatabase_is_read_as_the_folder_is() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = zone_gdb(dir.path(), "", true);
    let zipped = dir.path().join("zone.gdb.zip");
    zip_gdb(&gdb, &zipped);
    let from_zip = summary(
        layer(&zipped, "parcels"),
        layer(&zipped, "enterprises"),
        layer(&zipped, "parks"),
    );
    let from_folder = summary(
        layer(&gdb, "parcels"),
        layer(&gdb, "enterprises"),
        layer(&gdb, "parks"),
    );
    assert_eq!(from_zip, from_folder);
    assert_eq!(from_zip["parcels"]["evaluated"], 40);
}

/// `Source::gdal`: the zone's geodatabase zipped and held in memory audits as its file does,
/// its label naming it.
#[test]
fn a_zipped_geodatabase_in_memory_audits_as_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = zone_gdb(dir.path(), "_4549", true);
    let zipped = dir.path().join("zone.gdb.zip");
    zip_gdb(&gdb, &zipped);
    let bytes = std::fs::read(&zipped).unwrap();
    let memory = |l: &str| Source::gdal(format!("upload/zone.gdb.zip|layername={l}"), &bytes);
    let from_memory = summary(memory("parcels"), memory("enterprises"), memory("parks"));
    let from_file = summary(
        layer(&zipped, "parcels"),
        layer(&zipped, "enterprises"),
        layer(&zipped, "parks"),
    );
    assert_eq!(from_memory, from_file);
    let zone = common::fixtures().join("zone");
    let geojson = |l: &str| Source::path(zone.join(format!("{l}_4549.geojson")));
    let from_geojson = summary(geojson("parcels"), geojson("enterprises"), geojson("parks"));
    assert_eq!(from_memory, from_geojson);
    assert_eq!(from_memory["parcels"]["evaluated"], 40);
    assert_eq!(from_memory["low_efficiency_count"], 19);
    // Records are named by the label, never by GDAL's /vsimem/ file.
    let bad = Source::gdal("upload/zone.gdb.zip|layername=ZD", &bytes);
    let e = read_parcels(&bad, &Config::default(), &ReadOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("upload/zone.gdb.zip: ") && text.contains("no layer named \"ZD\""),
        "{text}"
    );
    let junk = Source::gdal("dc.gdb.zip", b"not a zip at all".as_slice());
    let e = read_parcels(&junk, &Config::default(), &ReadOptions::default()).unwrap_err();
    let text = e.to_string();
    assert_eq!(e.code(), "input_format", "{text}");
    assert!(
        text.starts_with("dc.gdb.zip: GDAL cannot open it")
            && text.contains("labelled with its extension")
            && !text.contains("/vsimem/"),
        "{text}"
    );
}

/// A KML of two parcels, the first ring left open when `open`: GDAL's KML driver warns of it
/// ("Non closed ring detected").
fn kml(open: bool) -> String {
    let ring = |x: f64| {
        let x1 = x + 0.001;
        let last = if open {
            String::new()
        } else {
            format!(" {x},30")
        };
        format!("{x},30 {x1},30 {x1},30.001 {x},30.001{last}")
    };
    let placemark = |id: &str, x: f64| {
        format!(
            "<Placemark><name>{id}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>\
             {}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>",
            ring(x)
        )
    };
    format!(
        "<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>{}{}\
         </Document></kml>",
        placemark("P1", 120.0),
        placemark("P2", 120.01).replace(" 120.01,30.001<", " 120.01,30.001 120.01,30<")
    )
}

/// GDAL's own warnings while a source is read are the layer's warnings, naming the source and
/// its layer, and only that read's, whichever thread GDAL says them on: three audits at once
/// (a KML file GDAL warns of, the same in memory, and one it does not warn of), four times
/// over.
#[test]
fn gdals_warnings_are_the_warnings_of_the_layer_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zd.kml");
    std::fs::write(&file, kml(true)).unwrap();
    let mut config = Config::default();
    config.fields.parcel_id = "Name".into();
    let audit = |parcels: Source| {
        let inputs = Inputs {
            parcels,
            enterprises: None,
            parks: None,
        };
        Audit::new(config.clone()).run(&inputs).unwrap()
    };
    let said = |report: &land_efficiency::AuditReport| -> Vec<String> {
        (report.warnings().iter())
            .map(|w| w.message.clone())
            .filter(|m| m.contains("GDAL said"))
            .collect()
    };
    let open_ring = "GDAL said Warning 1: Non closed ring detected";
    std::thread::scope(|s| {
        for _ in 0..4 {
            let path = s.spawn(|| audit(Source::path(&file)));
            let memory = s.spawn(|| audit(Source::gdal("up/mem.kml", kml(true))));
            let quiet = s.spawn(|| audit(Source::gdal("ok.kml", kml(false))));
            let [path, memory, quiet] = [path, memory, quiet].map(|h| h.join().unwrap());
            // The parcels are read all the same (an open ring is rejected, as from GeoJSON).
            assert_eq!(quiet.summary().parcels.evaluated, 2);
            assert_eq!(path.summary().parcels.evaluated, 1);
            let name = format!("{}|layername=zd: {open_ring}", file.display());
            let w = said(&path);
            assert!(w.len() == 1 && w[0].starts_with(&name), "{w:?}");
            let w = said(&memory);
            let name = format!("up/mem.kml|layername=mem: {open_ring}");
            assert!(w.len() == 1 && w[0].starts_with(&name), "{w:?}");
            assert_eq!(said(&quiet), Vec::<String>::new());
        }
    });
}

/// A geodatabase whose parcels' table is cut short: GDAL stops early, and the error says
/// what GDAL said.
#[test]
fn a_read_gdal_stops_gives_gdals_message() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = dir.path().join("cut.gdb");
    let zone = common::fixtures().join("zone");
    let parcels = zone.join("parcels_4549.geojson");
    ogr2ogr(&[
        gdb.to_str().unwrap(),
        parcels.to_str().unwrap(),
        "-nln",
        "ZD",
        "-nlt",
        "MULTIPOLYGON",
    ]);
    // The table written last (the highest number) holds the parcels: cut it in half.
    let table = (std::fs::read_dir(&gdb).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "gdbtable"))
        .max()
        .unwrap();
    let bytes = std::fs::read(&table).unwrap();
    std::fs::write(&table, &bytes[..bytes.len() / 2]).unwrap();
    let e = read_parcels(
        &Source::path(&gdb),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(
            e,
            Error::Gdal {
                feature: Some(_),
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("GDAL stopped after") && text.contains("(GDAL said: ERROR 1: "),
        "{text}"
    );
}

#[test]
fn a_curved_parcel_is_read_with_its_arcs_made_into_vertices_as_gdal_makes_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("arcs.csv");
    // A1: a half disc of radius 50 m (an arc, then the diameter); A2: a 100 m square.
    std::fs::write(
        &csv,
        "WKT,parcel_id,floor_area\n\
         \"CURVEPOLYGON(COMPOUNDCURVE(CIRCULARSTRING(500000 3300000,500050 3300050,500100 3300000),(500100 3300000,500000 3300000)))\",A1,100\n\
         \"POLYGON((600000 3300000,600000 3300100,600100 3300100,600100 3300000,600000 3300000))\",A2,100\n",
    )
    .unwrap();
    let write = |gdb: &Path, linear: bool| {
        let mut args = vec![
            gdb.to_str().unwrap(),
            csv.to_str().unwrap(),
            "-a_srs",
            "EPSG:4549",
            "-nln",
            "ZD",
            "-oo",
            "GEOM_POSSIBLE_NAMES=WKT",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
            "-nlt",
        ];
        // GDAL's own linearisation, to compare with.
        if linear {
            args.extend(["MULTIPOLYGON", "-nlt", "CONVERT_TO_LINEAR"]);
        } else {
            args.push("MULTISURFACE");
        }
        ogr2ogr(&args);
    };
    let (curved, linear) = (dir.path().join("arcs.gdb"), dir.path().join("linear.gdb"));
    write(&curved, false);
    write(&linear, true);
    let read = |gdb: &Path| {
        read_parcels(
            &Source::path(gdb),
            &Config::default(),
            &ReadOptions::default(),
        )
        .unwrap()
    };
    let (ours, gdals) = (read(&curved), read(&linear));
    assert!(ours.rejected.is_empty(), "{:?}", ours.rejected);
    let ids: Vec<&str> = ours.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["A1", "A2"]);
    assert_eq!(ours.records.get(1).planar_area_m2(), Some(10_000.0));
    let area = ours.records.get(0).planar_area_m2().unwrap();
    let by_gdal = gdals.records.get(0).planar_area_m2().unwrap();
    let half_disc = std::f64::consts::PI * 50.0 * 50.0 / 2.0;
    assert!(
        (area - by_gdal).abs() < 1e-3 * by_gdal,
        "{area} against GDAL's {by_gdal}"
    );
    assert!(area < half_disc && area > 0.999 * half_disc, "{area}");
    let notes: Vec<&str> = ours.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("curved geometry") && n.contains("(feature 0)")),
        "{notes:?}"
    );
    assert!(gdals.warnings.iter().all(|w| !w.message.contains("curved")));
}

/// The Shanghai districts (a GBK `.dbf` marked by its LDID byte, no `.cpg`; in
/// `$LAND_EFFICIENCY_SHARED/data/external`, skipped without it): GDAL's reading of the
/// Shapefile, written into a geodatabase, gives the crate's own Shapefile reader's names,
/// ids and areas.
#[test]
fn gdal_reads_the_shanghai_gbk_shapefile_as_the_crate_does() {
    let Some(shared) = std::env::var_os("LAND_EFFICIENCY_SHARED") else {
        eprintln!("LAND_EFFICIENCY_SHARED not set: skipped");
        return;
    };
    let shp = PathBuf::from(shared)
        .join("data/external/cn-shanghai-districts-gbk")
        .join("区县界_area.shp");
    let dir = tempfile::tempdir().unwrap();
    let gdb = dir.path().join("sh.gdb");
    ogr2ogr_layer(&gdb, &shp, "区县界");
    let mut config = Config::default();
    config.fields.parcel_id = "ADMINCODE".into();
    let read = |parcels: Source| {
        let loaded = read_parcels(&parcels, &config, &ReadOptions::default()).unwrap();
        assert!(loaded.rejected.is_empty(), "{:?}", loaded.rejected);
        let mut area_m2 = 0.0;
        let names: Vec<(String, String)> = loaded
            .records
            .iter()
            .map(|p| {
                area_m2 += geo::GeodesicArea::geodesic_area_unsigned(&p.geometry());
                let props: Value = serde_json::from_str(p.properties().unwrap()).unwrap();
                (
                    p.id().to_string(),
                    props["NAME"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (names, area_m2)
    };
    let (native, native_m2) = read(Source::path(&shp));
    let (by_gdal, gdal_m2) = read(Source::path(&gdb));
    assert!(native.len() > 10, "{native:?}");
    assert!(native.iter().any(|(_, n)| n == "杨浦区"), "{native:?}");
    assert_eq!(native, by_gdal);
    // The geodatabase's grid moves each coordinate by ~1e-14°.
    assert!(
        (native_m2 - gdal_m2).abs() <= 1e-9 * native_m2,
        "{native_m2} against {gdal_m2}"
    );
}

#[test]
fn a_folder_gdal_cannot_open_is_a_wrong_format_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let gdb = dir.path().join("dc.gdb");
    std::fs::create_dir(&gdb).unwrap();
    let e = read_parcels(
        &Source::path(&gdb),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "input_format", "{e}");
    let text = e.to_string();
    assert!(
        text.contains("GDAL cannot open it") && text.contains("recognises no vector format"),
        "{text}"
    );
}

/// Progress through a File Geodatabase is told in its bytes, the sum of its folder's files (a
/// folder's own size says nothing of them): the features read as a share of the layer's count,
/// rising to the folder's size at the end and never past it.
#[test]
fn progress_runs_up_to_the_geodatabases_size() {
    let dir = tempfile::tempdir().unwrap();
    // Enough features for several of the pipeline's batches (4096 features each).
    let features: Vec<String> = (0..20_000)
        .map(|i| {
            let props = format!(r#"{{"parcel_id":"P{i}","floor_area":100}}"#);
            parcel(120.0 + 0.002 * f64::from(i), &props)
        })
        .collect();
    let src = geojson_file(dir.path(), "zd", &features);
    let gdb = dir.path().join("dc.gdb");
    ogr2ogr_layer(&gdb, &src, "DCDYTB");
    let files = std::fs::read_dir(&gdb)
        .unwrap()
        .map(|f| f.unwrap().metadata().unwrap());
    let len: u64 = files.map(|m| m.len()).sum();
    let source = layer(&gdb, "DCDYTB");
    assert_eq!(source.len(), Some(len));
    let (options, told) = common::recording_progress();
    let read = read_parcels(&source, &Config::default(), &options).unwrap();
    assert_eq!((read.read, read.records.len()), (20_000, 20_000));
    common::assert_progress_runs_up_to(&told.lock().unwrap(), len);
}
