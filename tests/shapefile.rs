//! Shapefile input: written here by the `shapefile`/`dbase` crates' writers (an implementation
//! independent of the reader), then read by the crate: encodings, the `.prj`, ids kept as
//! text, and damaged files that must stop with the record named, never panic or hang.

use std::path::{Path, PathBuf};

use land_efficiency::{
    Config, Crs, CrsSource, Error, ReadOptions, Source, read_enterprises, read_parcels,
};
use shapefile::dbase::{self, FieldName, FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing};

/// CGCS2000 3-degree Gauss-Krüger, central meridian 120°E, no zone prefix (EPSG:4549), as
/// ArcGIS writes it.
const PRJ_4549: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

fn name(s: &str) -> FieldName {
    FieldName::try_from(s).unwrap()
}

/// A square of `side` m at (x, y), clockwise as the Shapefile spec wants an exterior.
fn square(x: f64, y: f64, side: f64) -> Polygon {
    Polygon::new(PolygonRing::Outer(vec![
        Point::new(x, y),
        Point::new(x, y + side),
        Point::new(x + side, y + side),
        Point::new(x + side, y),
        Point::new(x, y),
    ]))
}

/// Writes `zd.shp` (+ .shx, .dbf in GBK with LDID 0x7A as the dbase crate marks it, .prj EPSG:4549) in `dir`: parcels
/// `0012` (100 m × 100 m), `0013` (200 m × 100 m) and a third whose floor area is text.
fn write_parcels(dir: &Path) -> PathBuf {
    let shp = dir.join("zd.shp");
    let table =
        TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::GBK))
            .add_character_field(name("parcel_id"), 10)
            // (The dbase writer writes field names as UTF-8, not in the table's encoding: ArcGIS's
            // GBK names are checked on real files in scripts/check_external.py.)
            .add_character_field(name("NAME"), 20)
            .add_numeric_field(name("floor_area"), 12, 2)
            .add_character_field(name("land_use"), 10);
    let mut w = shapefile::Writer::from_path(&shp, table).unwrap();
    let rows = [
        ("0012", "甲地块", Some(15000.0), 0.0, 100.0),
        ("0013", "乙地块", Some(40000.0), 1000.0, 200.0),
        ("0014", "丙地块", None, 3000.0, 100.0),
    ];
    for (id, label, floor, dx, w_m) in rows {
        let mut r = Record::default();
        r.insert("parcel_id".into(), FieldValue::Character(Some(id.into())));
        r.insert("NAME".into(), FieldValue::Character(Some(label.into())));
        r.insert("floor_area".into(), FieldValue::Numeric(floor));
        r.insert(
            "land_use".into(),
            FieldValue::Character(Some("工业".into())),
        );
        let (x, y) = (500_000.0 + dx, 3_300_000.0);
        let poly = Polygon::new(PolygonRing::Outer(vec![
            Point::new(x, y),
            Point::new(x, y + 100.0),
            Point::new(x + w_m, y + 100.0),
            Point::new(x + w_m, y),
            Point::new(x, y),
        ]));
        w.write_shape_and_record(&poly, &r).unwrap();
    }
    drop(w);
    std::fs::write(dir.join("zd.prj"), PRJ_4549).unwrap();
    shp
}

fn options() -> ReadOptions {
    ReadOptions::default()
}

fn warnings_text(w: &[land_efficiency::Warning]) -> String {
    w.iter()
        .map(|w| w.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_gbk_shapefile_reads_with_its_prj_ids_as_text_and_chinese_names() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let loaded = read_parcels(&Source::path(&shp), &Config::default(), &options()).unwrap();
    assert_eq!(loaded.crs, Crs::Epsg(4549));
    assert_eq!(loaded.crs_source, CrsSource::File);
    assert!(loaded.rejected.is_empty(), "{:?}", loaded.rejected);
    let ids: Vec<&str> = loaded.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["0012", "0013", "0014"]);
    // Planar area in the input plane: 100 m × 100 m is 10 000 m² = 15 mu.
    let first = loaded.records.get(0);
    assert_eq!(first.planar_area_m2(), Some(10_000.0));
    assert_eq!(loaded.records.get(1).planar_area_m2(), Some(20_000.0));
    assert_eq!(first.floor_area_m2(), Some(15_000.0));
    assert_eq!(loaded.records.get(2).floor_area_m2(), None);
    let props = first.properties().unwrap_or_default();
    assert!(props.contains("\"NAME\":\"甲地块\""), "{props}");
    assert!(props.contains("\"land_use\":\"工业\""), "{props}");
    // Placed where EPSG:4549 puts x = 500 000: on the central meridian, 120°E.
    let lon = first.geometry().0[0].exterior().0[0].x;
    assert!((lon - 120.0).abs() < 1e-9, "{lon}");
    let w = warnings_text(&loaded.warnings);
    assert!(
        w.contains("zd.dbf: text read as its LDID byte 0x7A says (CP936/GBK)"),
        "{w}"
    );
}

/// Patches byte `at` of `path`.
fn patch(path: &Path, at: usize, bytes: &[u8]) {
    let mut b = std::fs::read(path).unwrap();
    b[at..at + bytes.len()].copy_from_slice(bytes);
    std::fs::write(path, b).unwrap();
}

#[test]
fn the_encoding_comes_from_the_cpg_then_the_ldid_then_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let dbf = dir.path().join("zd.dbf");
    let read = || read_parcels(&Source::path(&shp), &Config::default(), &options()).unwrap();
    let name_of = |l: &land_efficiency::Loaded<land_efficiency::Parcels>| {
        l.records
            .get(0)
            .properties()
            .unwrap_or_default()
            .to_string()
    };
    // No marker at all: the bytes are not UTF-8, so GBK, as the CSV reader decides.
    patch(&dbf, 29, &[0]);
    let l = read();
    assert!(name_of(&l).contains("甲地块"));
    let w = warnings_text(&l.warnings);
    assert!(w.contains("as GBK (GB18030): no .cpg, no LDID byte"), "{w}");
    // An LDID that says CP437 but a .cpg that says 936: the .cpg wins.
    patch(&dbf, 29, &[0x01]);
    std::fs::write(dir.path().join("zd.cpg"), "936\n").unwrap();
    let l = read();
    assert!(name_of(&l).contains("甲地块"));
    assert!(warnings_text(&l.warnings).contains("as its zd.cpg says (936)"));
    // A .cpg that names UTF-8 over GBK bytes: its word is taken, and the text shows it
    // (replacement characters), which is what the warning lets a user see.
    std::fs::write(dir.path().join("zd.cpg"), "UTF-8").unwrap();
    let l = read();
    assert!(!name_of(&l).contains("甲地块"));
    assert!(warnings_text(&l.warnings).contains("as its zd.cpg says (UTF-8)"));
}

fn file_error(shp: &Path) -> Error {
    read_parcels(&Source::path(shp), &Config::default(), &options())
        .map(|_| ())
        .unwrap_err()
}

#[test]
fn a_prj_or_cpg_past_a_megabyte_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    for part in ["prj", "cpg"] {
        let sidecar = shp.with_extension(part);
        let keep = std::fs::read(&sidecar).ok();
        // A sparse file: 2 MiB of nothing, read whole it would be a line of text no one wrote.
        std::fs::File::create(&sidecar)
            .unwrap()
            .set_len(2 << 20)
            .unwrap();
        let e = file_error(&shp);
        assert!(matches!(e, Error::InputTooLarge { .. }), "{e:?}");
        assert!(e.to_string().contains(&format!("zd.{part}")), "{e}");
        match keep {
            Some(bytes) => std::fs::write(&sidecar, bytes).unwrap(),
            None => std::fs::remove_file(&sidecar).unwrap(),
        }
    }
}

#[test]
fn a_truncated_shp_stops_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let bytes = std::fs::read(&shp).unwrap();
    // Cut in the middle of the last record (the header still declares the whole length).
    std::fs::write(&shp, &bytes[..bytes.len() - 30]).unwrap();
    let e = file_error(&shp);
    let Error::Shapefile {
        record, ref file, ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(record, Some(2));
    assert!(file.ends_with("zd.shp"));
    let m = e.to_string();
    assert!(
        m.contains("record 2: the record declares") && m.contains("truncated"),
        "{m}"
    );
    // Cut inside the 100-byte header: not a Shapefile.
    std::fs::write(&shp, &bytes[..60]).unwrap();
    let m = file_error(&shp).to_string();
    assert!(m.contains("shorter than a .shp header"), "{m}");
}

#[test]
fn a_huge_declared_record_length_is_an_error_not_an_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    // The first record's content length (big-endian 16-bit words) at byte 104.
    patch(&shp, 104, &i32::MAX.to_be_bytes());
    let e = file_error(&shp);
    assert!(
        matches!(
            e,
            Error::Shapefile {
                record: Some(0),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("declares 4294967294 bytes"), "{e}");
    // A part count past the record: the shape is cut short, named.
    let shp2 = write_parcels(dir.path());
    patch(&shp2, 108 + 36, &1_000_000_i32.to_le_bytes());
    let e = file_error(&shp2);
    assert!(
        matches!(
            e,
            Error::Shapefile {
                record: Some(0),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("1000000 parts"), "{e}");
}

#[test]
fn a_dbf_with_fewer_or_more_records_than_the_shp_stops_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let dbf = dir.path().join("zd.dbf");
    let bytes = std::fs::read(&dbf).unwrap();
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    // Two records only, declared and there.
    let mut fewer = bytes[..header_len + 2 * record_len].to_vec();
    fewer[4..8].copy_from_slice(&2u32.to_le_bytes());
    std::fs::write(&dbf, &fewer).unwrap();
    let e = file_error(&shp);
    let Error::Shapefile {
        record, ref file, ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(record, Some(2));
    assert!(file.ends_with("zd.dbf"), "{file:?}");
    assert!(
        e.to_string()
            .contains("the .dbf has 2 records but the .shp has more"),
        "{e}"
    );
    // Three declared, two there (a copy cut short): the same.
    fewer[4..8].copy_from_slice(&3u32.to_le_bytes());
    std::fs::write(&dbf, &fewer).unwrap();
    assert!(matches!(
        file_error(&shp),
        Error::Shapefile {
            record: Some(2),
            ..
        }
    ));
    // Four declared and there, three shapes.
    let mut more = bytes.clone();
    more.truncate(header_len + 3 * record_len);
    more.extend_from_slice(&bytes[header_len..header_len + record_len]);
    more[4..8].copy_from_slice(&4u32.to_le_bytes());
    std::fs::write(&dbf, &more).unwrap();
    let e = file_error(&shp);
    assert!(
        e.to_string()
            .contains("the .dbf has 4 records, the .shp only 3"),
        "{e}"
    );
}

#[test]
fn bad_records_are_rejected_with_their_index_and_column_as_in_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("zd.shp");
    let table = TableWriterBuilder::new()
        .add_character_field(name("parcel_id"), 10)
        .add_character_field(name("floor_area"), 10);
    let mut w = shapefile::Writer::from_path(&shp, table).unwrap();
    for (id, floor) in [("A", "100"), ("B", "12万"), ("A", "5")] {
        let mut r = Record::default();
        r.insert("parcel_id".into(), FieldValue::Character(Some(id.into())));
        r.insert(
            "floor_area".into(),
            FieldValue::Character(Some(floor.into())),
        );
        w.write_shape_and_record(&square(120.0, 30.0, 0.001), &r)
            .unwrap();
    }
    drop(w);
    let l = read_parcels(&Source::path(&shp), &Config::default(), &options()).unwrap();
    // No .prj, lon/lat coordinates: inferred, as for GeoJSON.
    assert_eq!(
        (l.crs.clone(), l.crs_source),
        (Crs::LonLat, CrsSource::Inferred)
    );
    assert_eq!(l.records.len(), 1);
    let got: Vec<(usize, &str, Option<&str>)> = l
        .rejected
        .iter()
        .map(|e| {
            let ctx = e.feature().unwrap();
            (ctx.index, e.code(), e.property())
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "not_a_number", Some("floor_area")),
            (2, "duplicate_id", Some("parcel_id"))
        ]
    );
    let m = l.rejected[0].to_string();
    assert!(
        m.starts_with(&format!("{}: feature 1", shp.display())),
        "{m}"
    );
    // Strict: the first bad record stops the read, named the same.
    let strict = ReadOptions {
        strict: true,
        ..ReadOptions::default()
    };
    let e = read_parcels(&Source::path(&shp), &Config::default(), &strict)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.feature().map(|c| c.index), Some(1));
}

#[test]
fn point_shapefiles_are_enterprises() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("qy.shp");
    let table = TableWriterBuilder::new()
        .add_character_field(name("ent_id"), 10)
        .add_numeric_field(name("tax"), 10, 1)
        .add_numeric_field(name("investment"), 10, 1)
        .add_numeric_field(name("output"), 10, 1);
    let mut w = shapefile::Writer::from_path(&shp, table).unwrap();
    let mut r = Record::default();
    r.insert("ent_id".into(), FieldValue::Character(Some("007".into())));
    r.insert("tax".into(), FieldValue::Numeric(Some(12.5)));
    r.insert("investment".into(), FieldValue::Numeric(Some(100.0)));
    r.insert("output".into(), FieldValue::Numeric(Some(300.0)));
    w.write_shape_and_record(&Point::new(120.5, 30.5), &r)
        .unwrap();
    drop(w);
    let mut config = Config::default();
    // dBASE names are at most 10 bytes: `enterprise_id` must be mapped.
    config.fields.enterprises.enterprise_id = "ent_id".into();
    let l = read_enterprises(&Source::path(&shp), &config, &options()).unwrap();
    assert!(l.rejected.is_empty(), "{:?}", l.rejected);
    assert_eq!(l.records.id(0), "007");
    assert_eq!(
        l.records.location(0).map(|c| (c.x, c.y)),
        Some((120.5, 30.5))
    );
    assert_eq!(l.records.money(0)[0], 12.5);
}

#[test]
fn wrong_formats_say_what_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let hint = |p: PathBuf| {
        let e = read_parcels(&Source::path(&p), &Config::default(), &options())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.code(), "input_format", "{e}");
        e.to_string()
    };
    let dbf_alone = dir.path().join("zd.dbf");
    assert!(hint(dbf_alone).contains("give the .shp"));
    let xlsx = dir.path().join("qy.xlsx");
    std::fs::write(&xlsx, b"PK\x03\x04").unwrap();
    assert!(hint(xlsx).contains("a spreadsheet holds no geometry"));
    let gdb = dir.path().join("dc.gdb");
    std::fs::create_dir(&gdb).unwrap();
    assert!(hint(gdb).contains("File Geodatabase"));
    std::fs::remove_file(dir.path().join("zd.dbf")).unwrap();
    let m = hint(shp);
    assert!(m.contains("no zd.dbf beside it"), "{m}");
    // A GeoJSON named .shp is not taken for one.
    let fake = dir.path().join("fake.shp");
    std::fs::write(&fake, b"{\"type\":\"FeatureCollection\",\"features\":[]}").unwrap();
    std::fs::write(dir.path().join("fake.dbf"), [3u8; 40]).unwrap();
    let e = file_error(&fake);
    assert!(e.to_string().contains("not a Shapefile"), "{e}");
}

/// Zips the files of `dir` named `names` into `zip`, each under `folder/`, deflated.
fn zip_into(zip: &Path, dir: &Path, folder: &str, names: &[&str]) {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::fs::File::create(zip).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for name in names {
        w.start_file(format!("{folder}{name}"), deflated).unwrap();
        w.write_all(&std::fs::read(dir.join(name)).unwrap())
            .unwrap();
    }
    w.finish().unwrap();
}

/// The audit of `parcels` alone, its summary as JSON but for the parcels' file name.
fn summary_of(parcels: &Path) -> serde_json::Value {
    let report = land_efficiency::Audit::new(Config::default())
        .run(&land_efficiency::Inputs {
            parcels: Source::path(parcels),
            enterprises: None,
            parks: None,
        })
        .unwrap();
    let mut v = serde_json::to_value(&report.summary).unwrap();
    let file = v["crs"]["parcels"].as_object_mut().unwrap().remove("file");
    assert!(file.is_some());
    v
}

#[test]
fn a_zipped_shapefile_audits_as_the_shapefile_does() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_parcels(dir.path());
    let parts = ["zd.shp", "zd.shx", "zd.dbf", "zd.prj"];
    let zip = dir.path().join("zd.zip");
    // In a folder, as a zip of the layer's folder is.
    zip_into(&zip, dir.path(), "zd/", &parts);
    let from_zip = read_parcels(&Source::path(&zip), &Config::default(), &options()).unwrap();
    let ids: Vec<&str> = from_zip.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["0012", "0013", "0014"]);
    assert_eq!(from_zip.crs, Crs::Epsg(4549));
    assert_eq!(from_zip.records.get(1).planar_area_m2(), Some(20_000.0));
    let w = warnings_text(&from_zip.warnings);
    assert!(
        w.contains("zd.zip/zd/zd.dbf: text read as its LDID byte 0x7A"),
        "{w}"
    );
    assert_eq!(summary_of(&zip), summary_of(&shp));
}

#[test]
fn a_zip_of_several_shapefiles_is_read_by_the_one_named() {
    let dir = tempfile::tempdir().unwrap();
    write_parcels(dir.path());
    for ext in ["shp", "shx", "dbf", "prj"] {
        std::fs::copy(
            dir.path().join(format!("zd.{ext}")),
            dir.path().join(format!("zd2.{ext}")),
        )
        .unwrap();
    }
    let zip = dir.path().join("two.zip");
    let names = ["zd.shp", "zd.dbf", "zd2.shp", "zd2.dbf", "zd2.prj"];
    zip_into(&zip, dir.path(), "", &names);
    let e = file_error(&zip);
    let m = e.to_string();
    assert!(m.contains("holds 2 Shapefiles (\"zd\", \"zd2\")"), "{m}");
    assert!(m.contains("zd.zip|layername=NAME"), "{m}");
    let named = PathBuf::from(format!("{}|layername=zd2", zip.display()));
    let loaded = read_parcels(&Source::path(&named), &Config::default(), &options()).unwrap();
    assert_eq!(loaded.records.len(), 3);
    // zd2 has its .prj in the zip, zd none: the CRS says which was read.
    assert_eq!(loaded.crs, Crs::Epsg(4549));
    let missing = PathBuf::from(format!("{}|layername=zd3", zip.display()));
    let e = read_parcels(&Source::path(&missing), &Config::default(), &options())
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("no Shapefile named \"zd3\""), "{e}");
    // A .shp without its .dbf in the zip is told as beside a file.
    let lone = dir.path().join("lone.zip");
    zip_into(&lone, dir.path(), "", &["zd.shp"]);
    let e = read_parcels(&Source::path(&lone), &Config::default(), &options())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.code(), "input_format");
    assert!(e.to_string().contains("no zd.dbf beside it"), "{e}");
}
