//! What an input path is: its format, told by its first bytes and its extension, and the
//! layer named inside it with QGIS's syntax (`qy.xlsx|layername=2024`,
//! `zd.zip|layername=ZD`, `zd.gpkg|layername=ZD`, `dc.gdb|layername=DCDYTB` with the `gdal`
//! feature). A format not read gets an
//! [`Error::InputFormat`] saying what to give instead.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, LAYER_NAME, Layer, Result};

/// What a path's name and first bytes say its format is, as an input layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// GeoJSON (and anything not named otherwise).
    GeoJson,
    /// CSV (`.csv`, enterprises).
    Csv,
    /// A Shapefile's `.shp`.
    Shapefile,
    /// A zip holding a Shapefile's parts.
    ZippedShapefile,
    /// A spreadsheet (enterprises, or any table read as CSV is).
    Spreadsheet(Book),
    /// A vector source read through GDAL's OGR (`gdal` feature): a File Geodatabase (`.gdb`
    /// folder or `.gdb.zip`), KML, MapInfo, GML, ... Never the kind of a path without the
    /// feature, where such a path gets a hint naming it instead.
    Ogr,
    /// A GeoPackage (SQLite): one of its feature tables.
    GeoPackage,
    /// GeoParquet (`.parquet`, the `parquet` feature).
    GeoParquet,
}

/// The spreadsheet formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Book {
    /// Office Open XML (`.xlsx`, `.xlsm`): a zip.
    Xlsx,
    /// Excel 97–2003 (`.xls`): an OLE2 compound file.
    Xls,
    /// OpenDocument (`.ods`): a zip.
    Ods,
}

impl Kind {
    /// True for the kinds read as a table of rows (CSV, a spreadsheet's sheet).
    pub(crate) fn is_table(self) -> bool {
        matches!(self, Kind::Csv | Kind::Spreadsheet(_))
    }

    /// True for the kinds that hold several layers, one named by `|layername=`.
    fn has_layers(self) -> bool {
        matches!(
            self,
            Kind::ZippedShapefile | Kind::Spreadsheet(_) | Kind::GeoPackage | Kind::Ogr
        )
    }
}

/// `path` split into the file and the layer named in it (`qy.xlsx|layername=2024` is
/// `qy.xlsx` and `2024`). A path that is a file as it stands is taken whole, `|` and all.
///
/// ```text
/// qy.xlsx|layername=2024  → (qy.xlsx, Some("2024"))
/// zd.zip                  → (zd.zip, None)
/// ```
pub(crate) fn split_layer(path: &Path) -> (&Path, Option<&str>) {
    let Some(text) = path.to_str() else {
        return (path, None);
    };
    match text.rfind(LAYER_NAME) {
        Some(at) if !path.exists() => {
            (Path::new(&text[..at]), Some(&text[at + LAYER_NAME.len()..]))
        }
        _ => (path, None),
    }
}

/// The OLE2 compound file magic, which an `.xls` starts with.
const OLE2: [u8; 4] = [0xD0, 0xCF, 0x11, 0xE0];

/// Parquet's magic, which a Parquet file starts (and ends) with.
const PARQUET: [u8; 4] = *b"PAR1";

/// A zip's local file header magic, which an `.xlsx`, an `.ods` and a `.zip` start with.
const ZIP: [u8; 4] = *b"PK\x03\x04";

/// An SQLite database's first bytes (of `SQLite format 3\0`), which a GeoPackage starts with.
const SQLITE: [u8; 4] = *b"SQLi";

/// The kind of input `path` is (a layer named in it with `|layername=` allowed only for a
/// spreadsheet, a zip or a GeoPackage), or an error saying what to give instead: a
/// `.dbf`/`.shx` alone, a geodatabase, a file its extension misnames.
pub(crate) fn kind_of(path: &Path) -> Result<Kind> {
    let (file, layer) = split_layer(path);
    let kind = kind_of_file(file)?;
    if let Some(name) = layer
        && !kind.has_layers()
    {
        return Err(Error::InputFormat {
            file: path.to_path_buf(),
            message: format!(
                "|layername={name} names a layer inside a spreadsheet, a zip or a GeoPackage, \
                 but {} holds a single layer: give the file alone",
                file.display()
            ),
        });
    }
    Ok(kind)
}

/// The kind of the file `path` (no layer name in it).
fn kind_of_file(path: &Path) -> Result<Kind> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let hint = |message: String| {
        Err(Error::InputFormat {
            file: path.to_path_buf(),
            message,
        })
    };
    let magic = first_bytes(path);
    if magic == Some(OLE2) {
        return Ok(Kind::Spreadsheet(Book::Xls));
    }
    if is_ogr(path, &ext) {
        return ogr_or_hint(path);
    }
    if magic == Some(SQLITE) {
        return Ok(Kind::GeoPackage);
    }
    if magic == Some(PARQUET) || ext == "parquet" || ext == "geoparquet" {
        return geoparquet(path);
    }
    if magic == Some(ZIP) {
        return Ok(match ext.as_str() {
            "xlsx" | "xlsm" => Kind::Spreadsheet(Book::Xlsx),
            "ods" => Kind::Spreadsheet(Book::Ods),
            "zip" => Kind::ZippedShapefile,
            _ => zip_kind(path),
        });
    }
    match ext.as_str() {
        "csv" => Ok(Kind::Csv),
        "shp" => Ok(Kind::Shapefile),
        "dbf" | "shx" | "prj" | "cpg" => hint(format!(
            "a Shapefile's .{ext} is one of its parts: give the .shp (with its .dbf, .shx and \
             .prj beside it, same name)"
        )),
        // Named a spreadsheet, but neither an OLE2 file nor a zip: often the HTML or
        // tab-separated text a web system exports under `.xls`.
        "xlsx" | "xls" | "xlsm" | "ods" if path.is_file() => hint(format!(
            "named .{ext} but not a spreadsheet (it starts with neither the bytes of an .xls \
             nor those of a zip, as .xlsx and .ods do): web systems often export HTML or \
             tab-separated text under .xls; open it in Excel and save it as .xlsx, or as CSV \
             (UTF-8)"
        )),
        "xlsx" | "xlsm" => Ok(Kind::Spreadsheet(Book::Xlsx)),
        "xls" => Ok(Kind::Spreadsheet(Book::Xls)),
        "ods" => Ok(Kind::Spreadsheet(Book::Ods)),
        "xlsb" => hint(
            "an Excel binary workbook (.xlsb) is not read: save it as .xlsx (or CSV UTF-8)".into(),
        ),
        "gpkg" => Ok(Kind::GeoPackage),
        "zip" => Ok(Kind::ZippedShapefile),
        _ => {
            // A directory (a .gdb given with a trailing slash) or a file of another name.
            if path.is_dir() && cfg!(feature = "gdal") {
                // GDAL opens folders of some formats (a geodatabase named otherwise, a
                // folder of MapInfo tables), and says so when it cannot.
                return Ok(Kind::Ogr);
            }
            if path.is_dir() {
                return hint(
                    "a folder, not a file: give the layer's .shp or .geojson inside it; a File \
                     Geodatabase (.gdb) folder must first be exported to a Shapefile or GeoJSON"
                        .into(),
                );
            }
            Ok(Kind::GeoJson)
        }
    }
}

/// Extensions of the vector formats read through GDAL (`gdal` feature), lower case.
const OGR_EXTENSIONS: [&str; 9] = [
    "gdb", "kml", "kmz", "tab", "mif", "gml", "gpx", "dxf", "sqlite",
];

/// True for a path GDAL is to read: a File Geodatabase (`.gdb`, a folder, or a `.gdb.zip`),
/// or a file of another format GDAL reads.
fn is_ogr(path: &Path, ext: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    OGR_EXTENSIONS.contains(&ext) || name.ends_with(".gdb.zip")
}

/// [`Kind::Ogr`] with the `gdal` feature; without it, the hint naming it.
pub(crate) fn ogr_or_hint(path: &Path) -> Result<Kind> {
    if cfg!(feature = "gdal") {
        return Ok(Kind::Ogr);
    }
    let what = if path.to_string_lossy().to_ascii_lowercase().contains(".gdb") {
        "a File Geodatabase"
    } else {
        "this format"
    };
    Err(Error::InputFormat {
        file: path.to_path_buf(),
        message: format!(
            "{what} is read through GDAL, with the `gdal` feature: build with `cargo build \
             --features gdal` (GDAL installed: Debian's libgdal-dev and pkg-config), or export \
             the layer to a Shapefile or GeoJSON (ogr2ogr -f GeoJSON out.geojson in.gdb LAYER, \
             or QGIS Export)"
        ),
    })
}

/// The first four bytes of a regular file, if it has them.
fn first_bytes(path: &Path) -> Option<[u8; 4]> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut magic)
        .ok()?;
    Some(magic)
}

/// The spreadsheet format of a workbook's bytes: `.xls` by its OLE2 magic, else a zip's
/// parts (an `.ods` holds `content.xml` and no `xl/workbook.xml`), else `.xlsx`.
pub(crate) fn book_of(data: &[u8]) -> Book {
    if data.starts_with(&OLE2) {
        return Book::Xls;
    }
    let names: Vec<String> = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map(|z| {
            z.file_names()
                .filter_map(|n| n.ok().map(|n| n.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let ods = names.iter().any(|n| n == "content.xml");
    if ods && !names.iter().any(|n| n == "xl/workbook.xml") {
        Book::Ods
    } else {
        Book::Xlsx
    }
}

/// What a zip misnamed (not `.xlsx`, `.ods` or `.zip`) holds: a workbook, by its parts'
/// names, else Shapefiles.
fn zip_kind(path: &Path) -> Kind {
    let names: Vec<String> = std::fs::File::open(path)
        .ok()
        .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok())
        .map(|z| {
            z.file_names()
                .filter_map(|n| n.ok().map(|n| n.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    if names.iter().any(|n| n == "xl/workbook.xml") {
        Kind::Spreadsheet(Book::Xlsx)
    } else if names.iter().any(|n| n == "content.xml") {
        Kind::Spreadsheet(Book::Ods)
    } else {
        Kind::ZippedShapefile
    }
}

/// The error for a spreadsheet given as a layer of geometries (parcels or parks).
/// GeoParquet, when this build reads it (the `parquet` feature); else an error saying how to.
pub(crate) fn geoparquet(file: &Path) -> Result<Kind> {
    if !cfg!(feature = "parquet") {
        return Err(Error::InputFormat {
            file: file.to_path_buf(),
            message: "a (Geo)Parquet file is read only by a build with the `parquet` feature \
                      (cargo build --features parquet); else convert it to GeoJSON (ogr2ogr -f \
                      GeoJSON out.geojson in.parquet)"
                .into(),
        });
    }
    Ok(Kind::GeoParquet)
}

pub(crate) fn no_geometry(file: &Path, layer: Layer) -> Error {
    let what = match layer {
        Layer::Parks => "parks",
        _ => "parcels",
    };
    Error::InputFormat {
        file: file.to_path_buf(),
        message: format!(
            "a spreadsheet holds no geometry, and {what} need their polygons: give the layer as \
             GeoJSON, a Shapefile (.shp, or a .zip of one) or a GeoPackage. A spreadsheet of figures is read \
             as the enterprises (--enterprises), placed by lon/lat or parcel_id columns"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_name_is_split_off_a_path_that_is_no_file() {
        let (file, layer) = split_layer(Path::new("no/such/qy.xlsx|layername=2024"));
        assert_eq!(file, Path::new("no/such/qy.xlsx"));
        assert_eq!(layer, Some("2024"));
        assert_eq!(
            split_layer(Path::new("zd.zip")),
            (Path::new("zd.zip"), None)
        );
        // A layer name on a single-layer file is refused, naming the file.
        let e = kind_of(Path::new("no/such/zd.geojson|layername=ZD")).unwrap_err();
        assert!(e.to_string().contains("single layer"), "{e}");
        // A GeoPackage holds several, named as QGIS names them.
        assert_eq!(
            kind_of(Path::new("no/such/zd.gpkg|layername=ZD")).unwrap(),
            Kind::GeoPackage
        );
    }

    #[test]
    fn formats_not_read_say_what_to_give() {
        for (name, says) in [
            #[cfg(not(feature = "gdal"))]
            (
                "x.gdb",
                "File Geodatabase is read through GDAL, with the `gdal` feature",
            ),
            #[cfg(not(feature = "gdal"))]
            ("x.kml", "--features gdal"),
            ("x.dbf", "give the .shp"),
            ("x.xlsb", "save it as .xlsx"),
        ] {
            let e = kind_of(Path::new(name)).unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
    }
}
