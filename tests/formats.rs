//! Every format, same summary (issue 22): the fixture zone written by GeoPandas/pyogrio (GDAL)
//! into each input format the crate reads (`fixtures/zone/make_formats.py`) audits to the
//! same `summary.json` as the GeoJSON, byte for byte apart from what is said of the inputs:
//!
//! - the `file` of each layer under `crs` (the input's name), always;
//! - `warning_count`, by one for each Shapefile layer: its reader always says which encoding
//!   its `.dbf` was read in (checked here, word for word), and for the spreadsheet by one, the
//!   title row passed over above its header.
//!
//! The in-memory sources (`Source::geopackage`, `Source::zipped_shapefile`,
//! `Source::spreadsheet`) give the same as their files. FileGDB is the `gdal` feature's: its
//! combination goes in [`combinations`] (a `fixtures/zone/formats/zone.gdb` written by the same
//! script).

use std::path::{Path, PathBuf};

use land_efficiency::{Audit, Config, Inputs, Source, Warning};

const ZONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/zone");

fn zone(name: &str) -> PathBuf {
    Path::new(ZONE).join(name)
}

fn formats(name: &str) -> PathBuf {
    Path::new(ZONE).join("formats").join(name)
}

/// The dBASE field names are cut at 10 bytes: `enterprise_id` is `enterprise` in the
/// Shapefiles GDAL writes.
fn shapefile_config() -> Config {
    Config::from_toml("[fields.enterprises]\nenterprise_id = \"enterprise\"\n").unwrap()
}

/// An audit's `summary.json` as written, each input's `file` replaced by `<input>`, with the
/// run's warnings.
fn summary(inputs: &Inputs, config: &Config) -> (String, Vec<Warning>) {
    let report = Audit::new(config.clone()).run(inputs).unwrap();
    let out = tempfile::tempdir().unwrap();
    land_efficiency::write_all(&report, out.path(), &Default::default()).unwrap();
    let text = std::fs::read_to_string(out.path().join("summary.json")).unwrap();
    let mut files = 0;
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| match line.find("\"file\": \"") {
            Some(at) => {
                files += 1;
                let comma = if line.ends_with(',') { "," } else { "" };
                format!("{}\"file\": \"<input>\"{comma}", &line[..at])
            }
            None => line.to_string(),
        })
        .collect();
    assert_eq!(files, 3, "one file per layer under crs:\n{text}");
    (lines.join("\n"), report.warnings().to_vec())
}

/// `text` with its `warning_count` less `by`.
fn less_warnings(text: &str, by: usize) -> String {
    let key = "\"warning_count\": ";
    let at = text.find(key).unwrap() + key.len();
    let end = at + text[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let n: usize = text[at..end].parse().unwrap();
    assert!(n >= by, "warning_count {n}, expected at least {by}");
    format!("{}{}{}", &text[..at], n - by, &text[end..])
}

fn inputs(parcels: Source, enterprises: Source, parks: Source) -> Inputs {
    Inputs {
        parcels,
        enterprises: Some(enterprises),
        parks: Some(parks),
    }
}

fn paths(parcels: PathBuf, enterprises: PathBuf, parks: PathBuf) -> Inputs {
    inputs(
        Source::path(parcels),
        Source::path(enterprises),
        Source::path(parks),
    )
}

/// The three layers of one folder of Shapefiles.
fn shapefiles(folder: &str) -> Inputs {
    let p = |n: &str| formats(&format!("{folder}/{n}"));
    paths(p("parcels.shp"), p("enterprises.shp"), p("parks.shp"))
}

fn in_gpkg(layer: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}|layername={layer}",
        formats("zone.gpkg").display()
    ))
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// The GeoJSON audit (EPSG:4549 layers) every combination of projected layers is held to.
fn baseline() -> String {
    let geojson = paths(
        zone("parcels_4549.geojson"),
        zone("enterprises_4549.geojson"),
        zone("parks_4549.geojson"),
    );
    let (text, warnings) = summary(&geojson, &Config::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    // The audit found what fixtures/README.md says (not an empty run matching another).
    assert!(
        text.contains("\"read\": 40,\n    \"evaluated\": 40,")
            && text.contains("\"low_efficiency_count\": 19,"),
        "{text}"
    );
    text
}

/// Each combination: its name, its inputs, its config, and how many warnings it adds.
fn combinations() -> Vec<(&'static str, Inputs, Config, usize)> {
    let zipped = |n: &str| formats(&format!("zip/{n}.zip"));
    let memory_zip = |n: &str| Source::zipped_shapefile(format!("{n}.zip"), bytes(&zipped(n)));
    let gpkg = bytes(&formats("zone.gpkg"));
    let memory_gpkg = |n: &str| Source::geopackage(format!("zone.gpkg|layername={n}"), &gpkg);
    vec![
        (
            "Shapefile, GBK, .cpg",
            shapefiles("shp_cpg"),
            shapefile_config(),
            3,
        ),
        (
            "Shapefile, GBK, no .cpg",
            shapefiles("shp_nocpg"),
            shapefile_config(),
            3,
        ),
        (
            "zipped Shapefile",
            paths(zipped("parcels"), zipped("enterprises"), zipped("parks")),
            shapefile_config(),
            3,
        ),
        (
            "zipped Shapefile in memory",
            inputs(
                memory_zip("parcels"),
                memory_zip("enterprises"),
                memory_zip("parks"),
            ),
            shapefile_config(),
            3,
        ),
        (
            "GeoPackage",
            paths(in_gpkg("parcels"), in_gpkg("enterprises"), in_gpkg("parks")),
            Config::default(),
            0,
        ),
        (
            "GeoPackage in memory",
            inputs(
                memory_gpkg("parcels"),
                memory_gpkg("enterprises"),
                memory_gpkg("parks"),
            ),
            Config::default(),
            0,
        ),
    ]
}

#[test]
fn every_format_audits_to_the_geojson_summary() {
    let expected = baseline();
    for (name, inputs, config, added) in combinations() {
        let (text, warnings) = summary(&inputs, &config);
        assert_eq!(warnings.len(), added, "{name}: {warnings:?}");
        for w in &warnings {
            assert!(
                w.message.contains(".cpg says (GBK)")
                    || w.message
                        .contains(".dbf: text read as GBK (GB18030): no .cpg, no LDID"),
                "{name}: {}",
                w.message
            );
        }
        assert_eq!(less_warnings(&text, added), expected, "{name}");
    }
}

#[test]
fn enterprises_from_a_spreadsheet_audit_as_their_geojson() {
    // The sheet holds the lon/lat enterprises (enterprises.geojson) as lon and lat columns.
    let geojson = paths(
        zone("parcels_4549.geojson"),
        zone("enterprises.geojson"),
        zone("parks_4549.geojson"),
    );
    let (expected, none) = summary(&geojson, &Config::default());
    assert!(none.is_empty(), "{none:?}");
    let xlsx = formats("enterprises.xlsx");
    for (name, enterprises) in [
        ("xlsx", Source::path(&xlsx)),
        (
            "xlsx in memory",
            Source::spreadsheet("qy.xlsx", bytes(&xlsx)),
        ),
    ] {
        let inputs = inputs(
            Source::path(zone("parcels_4549.geojson")),
            enterprises,
            Source::path(zone("parks_4549.geojson")),
        );
        let (text, warnings) = summary(&inputs, &Config::default());
        assert_eq!(warnings.len(), 1, "{name}: {warnings:?}");
        assert!(
            warnings[0].message.contains("2024年度企业亩均效益评价数据"),
            "{name}: the title row passed over: {}",
            warnings[0].message
        );
        assert_eq!(less_warnings(&text, 1), expected, "{name}");
    }
}

/// Progress through a layer whose text the crate makes (a Shapefile's, a GeoPackage's table's)
/// is told in bytes of the source, as a GeoJSON's is: never past its length, and its length at
/// the end. (A zipped Shapefile's is the zip's, not the larger `.shp` unzipped; a GeoPackage's
/// the file's, or its bytes' in memory.)
#[test]
fn progress_ends_at_the_sources_length_in_every_format() {
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let (zip, gpkg) = (formats("zip/parcels.zip"), formats("zone.gpkg"));
    let (zip_bytes, gpkg_bytes) = (bytes(&zip), bytes(&gpkg));
    let (geojson, shp) = (zone("parcels_4549.geojson"), formats("shp_cpg/parcels.shp"));
    let sources = [
        (Source::path(&geojson), size(&geojson)),
        (Source::path(&shp), size(&shp)),
        (Source::path(&zip), size(&zip)),
        (
            Source::zipped_shapefile("parcels.zip", &zip_bytes),
            zip_bytes.len() as u64,
        ),
        (Source::path(in_gpkg("parcels")), size(&gpkg)),
        (
            Source::geopackage("zone.gpkg|layername=parcels", &gpkg_bytes),
            gpkg_bytes.len() as u64,
        ),
    ];
    for (source, len) in sources {
        let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = std::sync::Arc::clone(&told);
        let options = land_efficiency::ReadOptions {
            progress: Some(std::sync::Arc::new(move |d| keep.lock().unwrap().push(d))),
            ..Default::default()
        };
        let read = land_efficiency::read_parcels(&source, &shapefile_config(), &options).unwrap();
        let name = source.name();
        assert_eq!(read.read, 40, "{}", name.display());
        let told = told.lock().unwrap();
        assert!(
            told.iter().all(|&d| d <= len),
            "{}: {told:?} past {len}",
            name.display()
        );
        assert_eq!(told.last(), Some(&len), "{}: {told:?}", name.display());
    }
}

/// Without the `gdal` feature a source GDAL would read, held in memory, is refused as its file
/// is, naming the feature.
#[cfg(not(feature = "gdal"))]
#[test]
fn a_gdal_source_in_memory_without_the_feature_names_it() {
    use land_efficiency::{ReadOptions, read_parcels};
    let source = Source::gdal("dc.gdb.zip|layername=DCDYTB", b"PK\x03\x04".as_slice());
    let e = read_parcels(&source, &Config::default(), &ReadOptions::default()).unwrap_err();
    let text = e.to_string();
    assert_eq!(e.code(), "input_format", "{text}");
    assert!(
        text.starts_with(
            "dc.gdb.zip: a File Geodatabase is read through GDAL, with the `gdal` \
                          feature: build with `cargo build --features gdal`"
        ),
        "{text}"
    );
}
