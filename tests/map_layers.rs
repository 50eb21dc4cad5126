//! The map layers in other formats (issue 22): `--format geojson,fgb,parquet` writes
//! FlatGeobuf and GeoParquet holding the GeoJSON's features, and GeoParquet is read as input.
//! FlatGeobuf is read back here with the flatgeobuf crate's reader and GeoParquet with the
//! parquet crate's; `scripts/check_outputs.py` reads both with GDAL, GeoPandas and DuckDB.

mod common;

use std::path::Path;

use common::fixtures;
use land_efficiency::{
    Audit, AuditReport, Config, Format, Inputs, Source, WriteOptions, write_all,
};
use serde_json::Value;

/// The zone fixture, its layers given by `layer`.
fn zone(layer: &dyn Fn(&str) -> Source) -> AuditReport {
    let config = Config::from_path(fixtures().join("zone/thresholds.toml")).unwrap();
    Audit::new(config)
        .run(&Inputs {
            parcels: layer("parcels"),
            enterprises: Some(layer("enterprises")),
            parks: Some(layer("parks")),
        })
        .unwrap()
}

fn geojson_zone() -> AuditReport {
    zone(&|name| Source::path(fixtures().join(format!("zone/{name}.geojson"))))
}

/// The features of a GeoJSON file: (properties, geometry).
fn features(path: &Path) -> Vec<(serde_json::Map<String, Value>, Value)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (v["features"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["properties"].as_object().unwrap().clone(),
                f["geometry"].clone(),
            )
        })
        .collect()
}

/// The rings of a GeoJSON Polygon or MultiPolygon, flattened, as (x, y) pairs.
fn rings(geometry: &Value) -> Vec<Vec<(f64, f64)>> {
    let polygons = match geometry["type"].as_str() {
        Some("Polygon") => vec![geometry["coordinates"].clone()],
        _ => geometry["coordinates"].as_array().unwrap().clone(),
    };
    (polygons.iter().flat_map(|p| p.as_array().unwrap().clone()))
        .map(|ring| {
            (ring.as_array().unwrap().iter())
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

/// Asserts a value read back equals the GeoJSON's: numbers within an ulp, as serde_json's
/// default parser (which read the GeoJSON here) may be one off; `scripts/check_outputs.py`
/// compares them exactly.
/// An object (a park's parcels by reason) comes back as its JSON text.
fn same(got: &Value, expected: &Value, what: &str) {
    match (got, expected) {
        (Value::String(text), Value::Object(_)) => {
            let parsed: Value = serde_json::from_str(text).unwrap();
            assert_eq!(&parsed, expected, "{what}");
        }
        _ => match (got.as_f64(), expected.as_f64()) {
            (Some(a), Some(b)) => {
                assert!((a - b).abs() <= b.abs() * f64::EPSILON, "{what}: {a} {b}")
            }
            _ => assert_eq!(got, expected, "{what}"),
        },
    }
}

fn write(report: &AuditReport, out: &Path, formats: &[Format]) {
    let options = WriteOptions {
        formats: formats.to_vec(),
        ..WriteOptions::default()
    };
    write_all(report, out, &options).unwrap();
}

#[test]
fn format_lists_are_read_and_unknown_ones_refused() {
    assert_eq!(
        Format::parse_list("fgb, geojson,fgb").unwrap(),
        [Format::FlatGeobuf, Format::GeoJson]
    );
    let e = Format::parse_list("geojson,kml").unwrap_err();
    assert!(e.to_string().contains("\"kml\""), "{e}");
    let parquet = Format::parse_list("parquet");
    assert_eq!(parquet.is_ok(), cfg!(feature = "parquet"), "{parquet:?}");
}

/// Only the formats asked for are written; a later run in other formats leaves no layer of
/// the earlier one behind.
#[test]
fn the_layers_written_are_those_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = geojson_zone();
    write(&report, &out, &[Format::GeoJson, Format::FlatGeobuf]);
    for f in [
        "parcels.geojson",
        "parks.geojson",
        "parcels.fgb",
        "parks.fgb",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    write(&report, &out, &[Format::FlatGeobuf]);
    assert!(out.join("parcels.fgb").is_file() && out.join("summary.json").is_file());
    assert!(!out.join("parcels.geojson").exists() && !out.join("parks.geojson").exists());
}

/// parcels.fgb, read by the flatgeobuf crate's reader, holds parcels.geojson's features: every
/// property equal, lists as JSON text, the same rings; parks.fgb likewise.
#[test]
fn flatgeobuf_holds_the_geojson_features() {
    use flatgeobuf::FgbReader;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write(
        &geojson_zone(),
        &out,
        &[Format::GeoJson, Format::FlatGeobuf],
    );
    for (layer, key) in [("parcels", "parcel_id"), ("parks", "park_id")] {
        let expected = features(&out.join(format!("{layer}.geojson")));
        let file = std::fs::File::open(out.join(format!("{layer}.fgb"))).unwrap();
        let reader = FgbReader::open(std::io::BufReader::new(file)).unwrap();
        assert!(reader.header().index_node_size() > 0, "a spatial index");
        assert_eq!(reader.header().crs().map(|c| c.code()), Some(4326));
        let mut fgb = reader.select_all().unwrap();
        let mut text = Vec::new();
        fgb.process_features(&mut geozero::geojson::GeoJsonWriter::new(&mut text))
            .unwrap();
        let collection: Value = serde_json::from_slice(&text).unwrap();
        let mut seen = std::collections::HashMap::new();
        for feature in collection["features"].as_array().unwrap() {
            let props = feature["properties"].clone();
            let id = props[key].as_str().unwrap().to_string();
            seen.insert(id, (props, feature["geometry"].clone()));
        }
        assert_eq!(seen.len(), expected.len());
        for (props, geometry) in &expected {
            let (got, got_geometry) = &seen[props[key].as_str().unwrap()];
            for (k, v) in props {
                let g = &got[k];
                let g = match (v, g) {
                    (Value::Array(_), Value::String(s)) => serde_json::from_str(s).unwrap(),
                    _ => g.clone(),
                };
                same(&g, v, &format!("{layer} {}: {k}", props[key]));
            }
            assert_eq!(rings(got_geometry), rings(geometry), "{}", props[key]);
        }
    }
}

/// A build without the `parquet` feature says so of GeoParquet in memory, as of a file.
#[cfg(not(feature = "parquet"))]
#[test]
fn geoparquet_in_memory_needs_the_feature() {
    let source = Source::geoparquet("zd.parquet", b"PAR1");
    let e = land_efficiency::read_parcels(&source, &Config::default(), &Default::default())
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(
        text.contains("zd.parquet") && text.contains("`parquet` feature"),
        "{text}"
    );
}

/// `[output] formats` in the config file chooses the map layers' formats when `--format` is
/// not given; `--format` overrides it.
#[test]
fn the_config_alone_writes_flatgeobuf_and_format_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let zone = fixtures().join("zone");
    let thresholds = std::fs::read_to_string(zone.join("thresholds.toml")).unwrap();
    let config = dir.path().join("fgb.toml");
    std::fs::write(
        &config,
        format!("{thresholds}\n[output]\nformats = [\"fgb\"]\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = |format: Option<&str>| {
        let mut command = common::example("audit");
        command.arg("--quiet").arg("--config").arg(&config);
        command.arg("--out").arg(&out);
        for layer in ["parcels", "enterprises", "parks"] {
            command.arg(format!("--{layer}"));
            command.arg(zone.join(format!("{layer}.geojson")));
        }
        if let Some(list) = format {
            command.args(["--format", list]);
        }
        let done = command.output().unwrap();
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    };
    run(None);
    assert!(!out.join("parcels.geojson").exists() && !out.join("parks.geojson").exists());
    let file = std::fs::File::open(out.join("parcels.fgb")).unwrap();
    let reader = flatgeobuf::FgbReader::open(std::io::BufReader::new(file)).unwrap();
    assert_eq!(reader.header().features_count(), 40);
    assert!(out.join("parks.fgb").is_file());
    run(Some("geojson"));
    assert_eq!(features(&out.join("parcels.geojson")).len(), 40);
    assert!(!out.join("parcels.fgb").exists());
}

#[cfg(feature = "parquet")]
mod parquet_files {
    use super::*;
    use std::sync::Arc;

    use geo::polygon;

    /// An audit of `parcels` alone, with the default configuration.
    fn parcels_alone(parcels: Source) -> land_efficiency::Result<AuditReport> {
        Audit::new(Config::default()).run(&Inputs {
            parcels,
            enterprises: None,
            parks: None,
        })
    }

    use arrow_array::cast::AsArray;
    use arrow_array::{Array, ArrayRef, BinaryArray, Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::metadata::KeyValue;

    /// A value of an Arrow column as JSON.
    fn json(a: &dyn Array, row: usize) -> Value {
        if a.is_null(row) {
            return Value::Null;
        }
        match a.data_type() {
            DataType::Utf8 => Value::from(a.as_string::<i32>().value(row)),
            DataType::Float64 => Value::from(
                a.as_primitive::<arrow_array::types::Float64Type>()
                    .value(row),
            ),
            DataType::Int64 => {
                Value::from(a.as_primitive::<arrow_array::types::Int64Type>().value(row))
            }
            DataType::Boolean => Value::from(a.as_boolean().value(row)),
            DataType::List(_) => {
                let list = a.as_list::<i32>().value(row);
                let s = list.as_string::<i32>();
                Value::from(
                    (0..s.len())
                        .map(|i| s.value(i).to_string())
                        .collect::<Vec<_>>(),
                )
            }
            t => panic!("column of type {t}"),
        }
    }

    /// parcels.parquet, read by the parquet crate's reader, holds parcels.geojson's features
    /// (every property, typed; the geometry as WKB with the same rings), with GeoParquet 1.1's
    /// `geo` metadata; parks.parquet likewise.
    #[test]
    fn geoparquet_holds_the_geojson_features() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write(
            &geojson_zone(),
            &out,
            &[Format::GeoJson, Format::GeoParquet],
        );
        for (layer, key) in [("parcels", "parcel_id"), ("parks", "park_id")] {
            let expected = features(&out.join(format!("{layer}.geojson")));
            let file = std::fs::File::open(out.join(format!("{layer}.parquet"))).unwrap();
            let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
            let kv = builder
                .metadata()
                .file_metadata()
                .key_value_metadata()
                .unwrap();
            let geo = kv.iter().find(|k| k.key == "geo").unwrap();
            let geo: Value = serde_json::from_str(geo.value.as_deref().unwrap()).unwrap();
            assert_eq!(geo["version"], "1.1.0");
            assert_eq!(geo["primary_column"], "geometry");
            let column = &geo["columns"]["geometry"];
            assert_eq!(column["encoding"], "WKB");
            assert_eq!(column["crs"]["id"]["code"], "CRS84");
            assert_eq!(column["bbox"].as_array().unwrap().len(), 4);
            let mut rows = Vec::new();
            for batch in builder.build().unwrap() {
                let batch = batch.unwrap();
                let schema = batch.schema();
                for r in 0..batch.num_rows() {
                    let mut props = serde_json::Map::new();
                    let mut geometry = Vec::new();
                    for (f, a) in schema.fields().iter().zip(batch.columns()) {
                        if f.name() == "geometry" {
                            geometry = a.as_binary::<i32>().value(r).to_vec();
                        } else {
                            props.insert(f.name().clone(), json(a.as_ref(), r));
                        }
                    }
                    rows.push((props, geometry));
                }
            }
            assert_eq!(rows.len(), expected.len());
            for ((got, wkb_bytes), (props, geometry)) in rows.iter().zip(&expected) {
                for (k, v) in props {
                    same(&got[k], v, &format!("{layer} {}: {k}", props[key]));
                }
                let g = wkb::reader::read_wkb(wkb_bytes).unwrap();
                let g: geo::Geometry = geo_traits::to_geo::ToGeoGeometry::to_geometry(&g);
                let as_json: Value = serde_json::to_value(geojson::Geometry::from(&g)).unwrap();
                assert_eq!(rings(&as_json), rings(geometry), "{}", props[key]);
            }
        }
    }

    /// A GeoJSON layer as GeoParquet, as GeoPandas writes it: texts and numbers typed, WKB,
    /// the CRS as PROJJSON with its id (none: no `crs`, OGC:CRS84).
    fn to_geoparquet(geojson: &Path, parquet: &Path, epsg: Option<u32>) {
        let expected = features(geojson);
        let mut keys: Vec<String> = Vec::new();
        for (props, _) in &expected {
            for k in props.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for k in &keys {
            let values: Vec<&Value> = expected.iter().map(|(p, _)| &p[k]).collect();
            if values.iter().all(|v| v.is_number() || v.is_null()) {
                fields.push(Field::new(k, DataType::Float64, true));
                arrays.push(Arc::new(Float64Array::from(
                    values.iter().map(|v| v.as_f64()).collect::<Vec<_>>(),
                )));
            } else {
                fields.push(Field::new(k, DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from(
                    values.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
                )));
            }
        }
        let wkbs: Vec<Vec<u8>> = (expected.iter())
            .map(|(_, g)| {
                let g: geojson::Geometry = serde_json::from_value(g.clone()).unwrap();
                let g: geo::Geometry = g.try_into().unwrap();
                let mut out = Vec::new();
                wkb::writer::write_geometry(&mut out, &g, &Default::default()).unwrap();
                out
            })
            .collect();
        fields.push(Field::new("geometry", DataType::Binary, true));
        arrays.push(Arc::new(BinaryArray::from_iter_values(wkbs.iter())));
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let crs = match epsg {
            Some(code) => format!(
                r#","crs":{{"type":"ProjectedCRS","name":"EPSG {code}","id":{{"authority":"EPSG","code":{code}}}}}"#
            ),
            None => String::new(),
        };
        let geo = format!(
            r#"{{"version":"1.0.0","primary_column":"geometry","columns":{{"geometry":{{"encoding":"WKB","geometry_types":[]{crs}}}}}}}"#
        );
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(parquet).unwrap(), schema, None).unwrap();
        w.append_key_value_metadata(KeyValue::new("geo".into(), geo));
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// The zone fixture given as GeoParquet (lon/lat with no `crs`, and EPSG:4549 named by its
    /// PROJJSON id) audits to the GeoJSON's figures: parcels.csv byte for byte.
    #[test]
    fn the_zone_as_geoparquet_audits_as_the_geojson() {
        let dir = tempfile::tempdir().unwrap();
        let csv = |report: &AuditReport, name: &str| {
            let out = dir.path().join(name);
            write(report, &out, &[Format::GeoJson]);
            std::fs::read(out.join("parcels.csv")).unwrap()
        };
        let expected = csv(&geojson_zone(), "geojson");
        for (suffix, epsg) in [("", None), ("_4549", Some(4549))] {
            for name in ["parcels", "enterprises", "parks"] {
                let from = fixtures().join(format!("zone/{name}{suffix}.geojson"));
                to_geoparquet(
                    &from,
                    &dir.path().join(format!("{name}{suffix}.parquet")),
                    epsg,
                );
            }
            let report =
                zone(&|name| Source::path(dir.path().join(format!("{name}{suffix}.parquet"))));
            assert_eq!(
                report.summary.parcels.evaluated,
                report.summary.parcels.read
            );
            if suffix.is_empty() {
                assert_eq!(csv(&report, "parquet"), expected);
                // The same bytes held in memory: the same audit.
                let in_memory = zone(&|name| {
                    let bytes = std::fs::read(dir.path().join(format!("{name}.parquet")));
                    Source::geoparquet(format!("{name}.parquet"), bytes.unwrap())
                });
                assert_eq!(csv(&in_memory, "in_memory"), expected);
                assert_eq!(in_memory.summary.crs.parcels.file, "parcels.parquet");
            } else {
                let projected = zone(&|name| {
                    Source::path(fixtures().join(format!("zone/{name}{suffix}.geojson")))
                });
                assert_eq!(
                    csv(&report, "parquet_4549"),
                    csv(&projected, "geojson_4549")
                );
                assert_eq!(report.summary.crs.parcels.crs, "EPSG:4549");
            }
        }
    }

    /// Progress through a GeoParquet file is told in its bytes, as for a GeoJSON: the rows read
    /// as a share of its size, rising to its length at the end and never past it (its rows'
    /// text is many times its compressed bytes).
    #[test]
    fn progress_runs_up_to_the_file_length() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parcels.parquet");
        to_geoparquet(&fixtures().join("zone/parcels.geojson"), &path, None);
        let len = std::fs::metadata(&path).unwrap().len();
        let (last, most) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (l, m) = (Arc::clone(&last), Arc::clone(&most));
        let options = land_efficiency::ReadOptions {
            progress: Some(Arc::new(move |done| {
                l.store(done, Ordering::Relaxed);
                m.fetch_max(done, Ordering::Relaxed);
            })),
            ..Default::default()
        };
        let read =
            land_efficiency::read_parcels(&Source::path(&path), &Config::default(), &options)
                .unwrap();
        assert_eq!(read.read, 40);
        assert_eq!(last.load(Ordering::Relaxed), len);
        assert_eq!(most.load(Ordering::Relaxed), len);
    }

    /// A row without geometry is rejected, named by its row; damaged WKB stops the read,
    /// naming the file and the row.
    /// Little-endian WKB of a Polygon (code 3) or LineString (code 2) made of `rings`, written
    /// by hand so that a ring can be left open.
    fn wkb_by_hand(code: u32, rings: &[&[(f64, f64)]]) -> Vec<u8> {
        let mut out = vec![1];
        out.extend(code.to_le_bytes());
        if code == 3 {
            out.extend((rings.len() as u32).to_le_bytes());
        }
        for ring in rings {
            out.extend((ring.len() as u32).to_le_bytes());
            for (x, y) in *ring {
                out.extend(x.to_le_bytes());
                out.extend(y.to_le_bytes());
            }
        }
        out
    }

    /// A GeoParquet of parcels P1 (a good square) and P2 (`second`), with no `crs`.
    fn two_rows(path: &Path, second: &[u8]) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("parcel_id", DataType::Utf8, true),
            Field::new("geometry", DataType::Binary, true),
        ]));
        let square = [
            (120.0, 30.0),
            (120.001, 30.0),
            (120.001, 30.001),
            (120.0, 30.0),
        ];
        let first = wkb_by_hand(3, &[&square]);
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["P1", "P2"])),
                Arc::new(BinaryArray::from(vec![first.as_slice(), second])),
            ],
        )
        .unwrap();
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
        let geo = r#"{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":[]}}}"#;
        w.append_key_value_metadata(KeyValue::new("geo".into(), geo.to_string()));
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// Each kind of bad geometry, given as WKB in a GeoParquet row, is rejected for the reason
    /// (code, words) the same feature written as GeoJSON by hand is: the direct read of WKB and
    /// the GeoJSON reader say the same.
    #[test]
    fn bad_geometries_are_rejected_as_their_geojson_is() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = ((120.0, 30.0), (120.001, 30.0), (120.001, 30.001));
        let bowtie = [a, (120.001, 30.001), b, (120.0, 30.001), a];
        let cases: Vec<(&str, Vec<u8>, String)> = vec![
            (
                "open ring",
                wkb_by_hand(3, &[&[a, b, c, (120.0, 30.001)]]),
                "{\"type\":\"Polygon\",\"coordinates\":[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001]]]}".into(),
            ),
            (
                "short ring",
                wkb_by_hand(3, &[&[a, b, a]]),
                "{\"type\":\"Polygon\",\"coordinates\":[[[120.0,30.0],[120.001,30.0],[120.0,30.0]]]}".into(),
            ),
            (
                "no rings",
                wkb_by_hand(3, &[]),
                "{\"type\":\"Polygon\",\"coordinates\":[]}".into(),
            ),
            (
                "line",
                wkb_by_hand(2, &[&[a, b]]),
                "{\"type\":\"LineString\",\"coordinates\":[[120.0,30.0],[120.001,30.0]]}".into(),
            ),
            (
                "bow tie",
                wkb_by_hand(3, &[&bowtie]),
                "{\"type\":\"Polygon\",\"coordinates\":[[[120.0,30.0],[120.001,30.001],[120.001,30.0],[120.0,30.001],[120.0,30.0]]]}".into(),
            ),
            (
                "point",
                {
                    let mut p = vec![1, 1, 0, 0, 0];
                    p.extend(120.0f64.to_le_bytes());
                    p.extend(30.0f64.to_le_bytes());
                    p
                },
                "{\"type\":\"Point\",\"coordinates\":[120.0,30.0]}".into(),
            ),
        ];
        for (what, wkb, geojson) in cases {
            let parquet = dir.path().join("p.parquet");
            two_rows(&parquet, &wkb);
            let text = format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[\
                 {{\"type\":\"Feature\",\"properties\":{{\"parcel_id\":\"P1\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.0]]]}}}},\
                 {{\"type\":\"Feature\",\"properties\":{{\"parcel_id\":\"P2\"}},\"geometry\":{geojson}}}]}}"
            );
            let from_parquet = parcels_alone(Source::path(&parquet)).unwrap();
            let from_geojson = parcels_alone(Source::geojson("p.parquet", text)).unwrap();
            let reject = |r: &AuditReport| {
                assert_eq!(r.summary.parcels.read, 2, "{what}");
                assert_eq!(r.rejected.len(), 1, "{what}: {:?}", r.rejected);
                let x = &r.rejected[0];
                (x.index, x.id.clone(), x.code, x.reason.clone())
            };
            assert_eq!(reject(&from_parquet), reject(&from_geojson), "{what}");
        }
    }

    /// A GeoParquet file damaged anywhere (bytes cut off, bytes overwritten) is an error or a
    /// read, never a panic or a hang.
    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("zone.parquet");
        to_geoparquet(&fixtures().join("zone/parcels.geojson"), &whole, None);
        let bytes = std::fs::read(&whole).unwrap();
        let read = |data: Vec<u8>| {
            let source = Source::geoparquet("zone.parquet", data);
            let options = land_efficiency::ReadOptions::default();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                land_efficiency::read_parcels(&source, &Config::default(), &options).map(|r| r.read)
            }))
        };
        assert_eq!(read(bytes.clone()).unwrap().unwrap(), 40);
        let mut errors = 0;
        for at in (0..bytes.len()).step_by(97) {
            let cut = read(bytes[..at].to_vec()).expect("a cut file panicked");
            if let Err(e) = &cut {
                // The label names the bytes in memory, as a path names a file.
                assert!(e.to_string().contains("zone.parquet"), "{e}");
            }
            errors += usize::from(cut.is_err());
            let mut scrambled = bytes.clone();
            for b in &mut scrambled[at..(at + 16).min(bytes.len())] {
                *b ^= 0x5A;
            }
            let outcome = read(scrambled);
            assert!(
                outcome.is_ok(),
                "bytes {at}..{} overwritten: a panic",
                at + 16
            );
        }
        assert!(errors > 0);
    }

    #[test]
    fn bad_rows_are_named_by_row() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new("parcel_id", DataType::Utf8, true),
            Field::new("geometry", DataType::Binary, true),
        ]));
        let square = {
            let p = polygon![(x: 120.0, y: 30.0), (x: 120.001, y: 30.0), (x: 120.001, y: 30.001), (x: 120.0, y: 30.0)];
            let mut out = Vec::new();
            wkb::writer::write_geometry(&mut out, &p, &Default::default()).unwrap();
            out
        };
        let file = |name: &str, second: Option<&[u8]>| {
            let path = dir.path().join(name);
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(vec!["P1", "P2"])),
                    Arc::new(BinaryArray::from(vec![Some(square.as_slice()), second])),
                ],
            )
            .unwrap();
            let mut w =
                ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None)
                    .unwrap();
            let geo = r#"{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":[]}}}"#;
            w.append_key_value_metadata(KeyValue::new("geo".into(), geo.to_string()));
            w.write(&batch).unwrap();
            w.close().unwrap();
            path
        };
        let null = file("null.parquet", None);
        let report = parcels_alone(Source::path(&null)).unwrap();
        assert_eq!(report.summary.parcels.read, 2);
        let rejected = &report.rejected[0];
        assert_eq!((rejected.index, rejected.id.as_deref()), (1, Some("P2")));
        // Damaged WKB rejects its row (as in a GeoPackage), naming the file, the row and why;
        // the other row is audited.
        let damaged = file("damaged.parquet", Some(&[1, 3, 0, 0, 0, 9]));
        let report = parcels_alone(Source::path(&damaged)).unwrap();
        assert_eq!(report.summary.parcels.evaluated, 1);
        let rejected = &report.rejected[0];
        assert_eq!((rejected.index, rejected.id.as_deref()), (1, Some("P2")));
        assert!(
            rejected.reason.contains("WKB that cannot be read"),
            "{}",
            rejected.reason
        );
        let strict = Audit::new(Config::default()).strict(true);
        let e = (strict.run(&Inputs {
            parcels: Source::path(&damaged),
            enterprises: None,
            parks: None,
        }))
        .unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("damaged.parquet") && message.contains("feature 1"),
            "{message}"
        );
        // A Parquet file without GeoParquet's metadata says what is missing.
        let plain = dir.path().join("plain.parquet");
        let w = ArrowWriter::try_new(std::fs::File::create(&plain).unwrap(), schema.clone(), None)
            .unwrap();
        w.close().unwrap();
        let e = parcels_alone(Source::path(&plain)).unwrap_err();
        assert!(e.to_string().contains("`geo` metadata"), "{e}");
    }
}
