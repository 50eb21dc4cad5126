//! GeoPackage input: tables written here with SQL and blobs laid out byte by byte (the
//! GeoPackage binary header, then WKB, as the standard gives them; independent of the
//! reader's `wkb` crate), and the fixture zone as GDAL writes it. Damaged and hostile files
//! stop with a clear error or reject the record, naming it by index and `fid`; never a panic.

mod common;

use std::path::{Path, PathBuf};

use land_efficiency::{
    Config, Crs, CrsSource, Error, ReadOptions, Source, read_enterprises, read_parcels,
};
use rusqlite::Connection;

/// CGCS2000 3-degree Gauss-Krüger CM 120E as ArcGIS writes it (EPSG:4549 without its code).
const PRJ_4549: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

/// WKB (little-endian) of a square of `side` m at (x, y).
fn square_wkb(x: f64, y: f64, side: f64) -> Vec<u8> {
    let mut w = vec![1u8];
    w.extend_from_slice(&3u32.to_le_bytes()); // Polygon
    w.extend_from_slice(&1u32.to_le_bytes()); // one ring
    w.extend_from_slice(&5u32.to_le_bytes()); // of five points
    for (px, py) in [(0., 0.), (side, 0.), (side, side), (0., side), (0., 0.)] {
        w.extend_from_slice(&(x + px).to_le_bytes());
        w.extend_from_slice(&(y + py).to_le_bytes());
    }
    w
}

/// A GeoPackage geometry: `GP`, version 0, `flags` (bit 0 little-endian, bits 1-3 the
/// envelope, bit 4 empty), `srs_id`, an envelope of the size the flags say, then `wkb`.
fn gp(flags: u8, srs_id: i32, wkb: &[u8]) -> Vec<u8> {
    let mut b = vec![b'G', b'P', 0, flags];
    b.extend_from_slice(&srs_id.to_le_bytes());
    let envelope = match (flags >> 1) & 7 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        _ => 8,
    };
    for _ in 0..envelope {
        b.extend_from_slice(&0f64.to_le_bytes());
    }
    b.extend_from_slice(wkb);
    b
}

/// A row of a feature table: fid, geometry blob, parcel_id, 宗地坐落, floor_area.
type Row = (
    i64,
    Option<Vec<u8>>,
    &'static str,
    Option<&'static str>,
    Option<f64>,
);

/// Writes a GeoPackage at `path` with the feature tables given (each `(name, rows)`), all
/// in `srs_id` 4549 described by `(organization, code, definition)`, and an attribute table
/// `QY`.
fn write_gpkg(path: &Path, tables: &[(&str, Vec<Row>)], srs: (&str, i64, &str)) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA application_id = 1196444487;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE,
           min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT, m TINYINT);
         CREATE TABLE QY (fid INTEGER PRIMARY KEY, enterprise_id TEXT, \"企业名称\" TEXT,
           parcel_id TEXT, tax REAL, investment REAL, output REAL, floor_area REAL);
         INSERT INTO QY VALUES (11, '0101', '甲公司', '0012', 30.5, 300, 500, 12000);
         INSERT INTO QY VALUES (12, '0102', '乙公司', '0013', 'n/a', 300, 500, NULL);
         INSERT INTO gpkg_contents (table_name, data_type) VALUES ('QY', 'attributes');",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('zone', 4549, ?1, ?2, ?3, '')",
        rusqlite::params![srs.0, srs.1, srs.2],
    )
    .unwrap();
    for (name, rows) in tables {
        conn.execute_batch(&format!(
            "CREATE TABLE \"{name}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON,
               parcel_id TEXT, \"宗地坐落\" TEXT, floor_area REAL, storeys INTEGER);
             INSERT INTO gpkg_contents (table_name, data_type, srs_id)
               VALUES ('{name}', 'features', 4549);
             INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'geom', 'POLYGON', 4549, 0, 0);"
        ))
        .unwrap();
        for (fid, geom, id, place, floor) in rows {
            conn.execute(
                &format!("INSERT INTO \"{name}\" VALUES (?1, ?2, ?3, ?4, ?5, 3)"),
                rusqlite::params![fid, geom, id, place, floor],
            )
            .unwrap();
        }
    }
}

fn read(
    source: &Source,
) -> land_efficiency::Result<land_efficiency::Loaded<land_efficiency::Parcels>> {
    read_parcels(source, &Config::default(), &ReadOptions::default())
}

/// The table `ZD` of the examples: two good parcels (fids 1 and 2), then fid 7, whose blob is
/// raw WKB with no GeoPackage header, fid 8 whose ring declares 4 billion points, fid 9 with
/// the empty-geometry flag, fid 10 with no geometry.
fn zd_rows() -> Vec<Row> {
    let (x, y) = (500_000.0, 3_300_000.0);
    let mut huge = square_wkb(x, y, 10.0);
    huge[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
    vec![
        (
            1,
            Some(gp(0x01, 4549, &square_wkb(x, y, 100.0))),
            "0012",
            Some("工业园区甲路1号"),
            Some(15_000.0),
        ),
        // With a 32-byte envelope (flags 0b0011).
        (
            2,
            Some(gp(0x03, 4549, &square_wkb(x + 1000.0, y, 200.0))),
            "0013",
            None,
            None,
        ),
        (7, Some(square_wkb(x, y, 10.0)), "0014", None, None),
        (8, Some(gp(0x01, 4549, &huge)), "0015", None, None),
        (9, Some(gp(0x11, 4549, &[])), "0016", None, None),
        (10, None, "0017", None, None),
    ]
}

fn zd(dir: &Path) -> PathBuf {
    let path = dir.join("zd.gpkg");
    write_gpkg(&path, &[("ZD", zd_rows())], ("EPSG", 4549, "undefined"));
    path
}

#[test]
fn a_table_reads_with_its_crs_chinese_columns_and_bad_rows_named_by_fid() {
    let dir = tempfile::tempdir().unwrap();
    let path = zd(dir.path());
    let loaded = read(&Source::path(&path)).unwrap();
    assert_eq!(loaded.crs, Crs::Epsg(4549));
    assert_eq!(loaded.crs_source, CrsSource::File);
    assert_eq!(loaded.read, 6);
    let ids: Vec<&str> = loaded.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["0012", "0013"]);
    let first = loaded.records.get(0);
    // 100 m × 100 m in the plane: 10 000 m², 15 mu.
    assert_eq!(first.planar_area_m2(), Some(10_000.0));
    assert_eq!(loaded.records.get(1).planar_area_m2(), Some(40_000.0));
    assert_eq!(first.floor_area_m2(), Some(15_000.0));
    // NULL is absent.
    assert_eq!(loaded.records.get(1).floor_area_m2(), None);
    let props = first.properties().unwrap_or_default();
    assert!(
        props.contains("\"宗地坐落\":\"工业园区甲路1号\""),
        "{props}"
    );
    assert!(props.contains("\"storeys\":3"), "{props}");
    // Placed where EPSG:4549 puts x = 500 000: on the central meridian, 120°E.
    let lon = first.geometry().0[0].exterior().0[0].x;
    assert!((lon - 120.0).abs() < 1e-9, "{lon}");

    let rejected: Vec<String> = loaded.rejected.iter().map(|e| e.to_string()).collect();
    assert_eq!(rejected.len(), 4, "{rejected:#?}");
    let name = format!("{}|layername=ZD", path.display());
    assert!(
        rejected[0].starts_with(&format!(
            "{name}: feature 2 (fid 7) (id \"0014\"): geometry:"
        )) && rejected[0].contains("not with \"GP\""),
        "{}",
        rejected[0]
    );
    assert!(
        rejected[1].contains("feature 3 (fid 8)") && rejected[1].contains("WKB cannot be read"),
        "{}",
        rejected[1]
    );
    let codes: Vec<&str> = loaded.rejected.iter().map(Error::code).collect();
    assert_eq!(
        codes,
        [
            "geometry_type",
            "geometry_type",
            "null_geometry",
            "null_geometry"
        ]
    );
    assert!(
        rejected[3].contains("feature 5 (fid 10)"),
        "{}",
        rejected[3]
    );
    // The ledger's reason says where a user finds the row.
    let r = land_efficiency::Rejection::from_error(&loaded.rejected[2]);
    assert!(r.reason.starts_with("fid 9: "), "{}", r.reason);

    // Strict: the first bad record stops the read, named the same way.
    let strict = ReadOptions {
        strict: true,
        ..Default::default()
    };
    let e = read_parcels(&Source::path(&path), &Config::default(), &strict).unwrap_err();
    assert!(e.to_string().contains("feature 2 (fid 7)"), "{e}");

    // The same bytes in memory read the same.
    let memory = read(&Source::geopackage(
        "zd.gpkg",
        std::fs::read(&path).unwrap(),
    ))
    .unwrap();
    let ids: Vec<&str> = memory.records.iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["0012", "0013"]);
    assert!(
        memory.rejected[0]
            .to_string()
            .starts_with("zd.gpkg|layername=ZD: feature 2 (fid 7)"),
        "{}",
        memory.rejected[0]
    );
    // A label not named .gpkg still names its records by fid (a feature, not a sheet's "row").
    let unnamed = read(&Source::geopackage("upload", std::fs::read(&path).unwrap())).unwrap();
    let e = unnamed.rejected[0].to_string();
    assert!(
        e.starts_with("upload|layername=ZD: feature 2 (fid 7) (id \"0014\")"),
        "{e}"
    );
}

#[test]
fn the_crs_comes_from_its_wkt_when_no_epsg_code_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zd.gpkg");
    write_gpkg(
        &path,
        &[("ZD", zd_rows()[..2].to_vec())],
        ("NONE", 100_000, PRJ_4549),
    );
    let loaded = read(&Source::path(&path)).unwrap();
    assert_eq!(loaded.crs, Crs::Epsg(4549));
    assert_eq!(loaded.records.get(0).planar_area_m2(), Some(10_000.0));
    // A definition the crate does not read is said, and the layer read as one with no CRS.
    let albers = PRJ_4549.replace("Gauss_Kruger", "Albers");
    let path = dir.path().join("albers.gpkg");
    write_gpkg(
        &path,
        &[("ZD", zd_rows()[..2].to_vec())],
        ("NONE", 100_000, &albers),
    );
    let e = read(&Source::path(&path)).unwrap_err();
    assert!(e.to_string().contains("zone"), "{e}");
}

#[test]
fn several_tables_are_read_by_the_one_named_as_qgis_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.gpkg");
    let rows = zd_rows()[..2].to_vec();
    write_gpkg(
        &path,
        &[("ZD", rows.clone()), ("宗地2024", rows)],
        ("EPSG", 4549, ""),
    );
    let e = read(&Source::path(&path)).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::GeoPackage { .. }), "{e:?}");
    assert!(
        m.contains("holds 2 layers with geometry (\"ZD\" (features), \"宗地2024\" (features))")
            && m.contains("two.gpkg|layername=NAME"),
        "{m}"
    );
    let named = format!("{}|layername=宗地2024", path.display());
    let loaded = read(&Source::path(&named)).unwrap();
    assert_eq!(loaded.records.len(), 2);
    assert_eq!(loaded.file, PathBuf::from(&named));
    let e = read(&Source::path(format!("{}|layername=YQ", path.display()))).unwrap_err();
    assert!(
        e.to_string().contains("no layer named \"YQ\"")
            && e.to_string().contains("\"QY\" (attributes)"),
        "{e}"
    );
    // A table with no geometry is refused saying what to give.
    let e = read(&Source::path(format!("{}|layername=QY", path.display()))).unwrap_err();
    assert!(e.to_string().contains("table without geometry"), "{e}");
}

#[test]
fn hostile_files_are_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let file_error = |path: &Path| read(&Source::path(path)).unwrap_err();
    // Not SQLite at all.
    let text = dir.path().join("text.gpkg");
    std::fs::write(&text, "{\"type\":\"FeatureCollection\",\"features\":[]}").unwrap();
    let e = file_error(&text);
    assert!(
        matches!(e, Error::GeoPackage { .. }) && e.to_string().contains("not an SQLite database"),
        "{e}"
    );
    // SQLite, but no GeoPackage.
    let plain = dir.path().join("plain.gpkg");
    Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (a INTEGER)")
        .unwrap();
    let e = file_error(&plain);
    assert!(e.to_string().contains("no gpkg_contents table"), "{e}");
    // The fixture zone cut short at every 4 KiB page: an error (or the rows before the cut),
    // never a panic or a hang.
    let whole = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/zone/formats/zone.gpkg"
    ))
    .unwrap();
    let cut = dir.path().join("cut.gpkg");
    let mut errors = 0;
    for end in (0..whole.len()).step_by(4096).skip(1) {
        std::fs::write(&cut, &whole[..end]).unwrap();
        let named = format!("{}|layername=parcels", cut.display());
        match read(&Source::path(&named)) {
            Err(Error::GeoPackage { .. }) => errors += 1,
            Err(other) => panic!("cut at {end}: {other}"),
            Ok(loaded) => assert!(loaded.read <= 40),
        }
        // The same bytes from memory.
        let memory = Source::geopackage("cut.gpkg|layername=parcels", &whole[..end]);
        assert!(matches!(
            read(&memory),
            Err(Error::GeoPackage { .. }) | Ok(_)
        ));
    }
    assert!(errors > 0);
}

#[test]
fn an_attribute_table_is_read_as_the_enterprises_rows() {
    let dir = tempfile::tempdir().unwrap();
    // Only the attribute table QY: the enterprises need no layer name.
    let path = dir.path().join("qy.gpkg");
    write_gpkg(&path, &[], ("EPSG", 4549, ""));
    let loaded = read_enterprises(
        &Source::path(&path),
        &Config::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.read, 2);
    assert_eq!(loaded.records.len(), 1);
    let firm = loaded.records.get(0);
    assert_eq!(firm.id, "0101");
    assert_eq!(firm.parcel_id.as_deref(), Some("0012"));
    assert_eq!((firm.tax, firm.floor_area_m2), (30.5, Some(12_000.0)));
    let e = loaded.rejected[0].to_string();
    assert!(
        e.starts_with(&format!(
            "{}|layername=QY: feature 1 (fid 12) (id \"0102\"): property \"tax\"",
            path.display()
        )),
        "{e}"
    );
    // Parcels need a feature table: none there, said with the tables there are.
    let e = read(&Source::path(&path)).unwrap_err();
    assert!(
        e.to_string().contains("holds no feature table")
            && e.to_string().contains("\"QY\" (attributes)"),
        "{e}"
    );
}

/// A GeoPackage at `path` whose table `ZD` holds `n` squares side by side; their `fid` from
/// 1001 by twos, or (`fid` false) no integer key at all.
fn many_squares(path: &Path, n: usize, fid: bool) {
    write_gpkg(path, &[], ("EPSG", 4549, "undefined"));
    let mut conn = Connection::open(path).unwrap();
    let key = if fid { "INTEGER" } else { "TEXT" };
    conn.execute_batch(&format!(
        "CREATE TABLE ZD (fid {key} PRIMARY KEY, geom POLYGON, parcel_id TEXT);
         INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('ZD', 'features', 4549);
         INSERT INTO gpkg_geometry_columns VALUES ('ZD', 'geom', 'POLYGON', 4549, 0, 0);"
    ))
    .unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..n {
        let geom = gp(
            0x01,
            4549,
            &square_wkb(500_000.0 + 200.0 * i as f64, 3_300_000.0, 100.0),
        );
        let key: rusqlite::types::Value = if fid {
            (1001 + 2 * i as i64).into()
        } else {
            format!("k{i}").into()
        };
        tx.execute(
            "INSERT INTO ZD VALUES (?1, ?2, ?3)",
            rusqlite::params![key, geom, format!("P{i}")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// Progress through a GeoPackage is told in its bytes, as a GeoJSON's is: the rows read as a
/// share of the file's size (by `fid`, else counted), rising to its length at the end and never
/// past it, from a file and from its bytes in memory.
#[test]
fn progress_runs_up_to_the_file_length() {
    let dir = tempfile::tempdir().unwrap();
    for fid in [true, false] {
        let path = dir.path().join(format!("many_{fid}.gpkg"));
        // Enough rows for several of the pipeline's batches (4096 features each).
        many_squares(&path, 20_000, fid);
        let len = std::fs::metadata(&path).unwrap().len();
        let memory = Source::geopackage("many.gpkg", std::fs::read(&path).unwrap());
        for source in [Source::path(&path), memory] {
            assert_eq!(source.len(), Some(len));
            let (options, told) = common::recording_progress();
            let read = read_parcels(&source, &Config::default(), &options).unwrap();
            assert_eq!((read.read, read.records.len()), (20_000, 20_000));
            common::assert_progress_runs_up_to(&told.lock().unwrap(), len);
        }
    }
}
