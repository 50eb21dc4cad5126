//! Streaming readers for the three layers: GeoJSON parcels, enterprises (GeoJSON points or
//! CSV) and parks, validating every record as it is read.
//!
//! A reader never holds a file whole: the scanner hands out one feature's bytes at a time, a
//! batch of features is parsed in parallel, and each record is either kept or rejected with
//! its reason. The legacy `crs` member and a top-level `bbox` are seen wherever they stand.
//! Once a layer is read, its CRS is resolved (explicit > file > lon/lat when every coordinate
//! can be one), planar areas are taken in the input plane, and geometries are reprojected to
//! WGS84 lon/lat and oriented (exterior rings counter-clockwise).
//!
//! In lenient mode (the default) a bad record is listed in [`Loaded::rejected`] and reading
//! goes on; in strict mode the first bad record stops the read with its error. A malformed file
//! (truncated, not JSON, not a FeatureCollection) always stops it.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use geo::{Area, BoundingRect, Coord, MultiPolygon, Point, Rect};
use rayon::prelude::*;
use serde_json::value::RawValue;

use crate::config::{Config, Fields};
use crate::crs::{Backend, Crs, CrsInfo, CrsSource, ToWgs84};
use crate::dates::Date;
use crate::error::{self, Error, FeatureContext, Layer, Result, Suspicion, Warning, abbreviate};
use crate::parcel::{
    Commitments, Enterprise, Enterprises, GradingValues, LandFacts, NegativeFlag, Parcel, Parcels,
    Park, Parks, Place, Status,
};
use crate::shapes::Shapes;
use crate::source_text::{InputText, Span, text_hash};

pub(crate) mod adjust;
pub(crate) mod csv;
pub(crate) mod feature;
pub(crate) mod fids;
pub(crate) mod gpkg;
pub(crate) mod header;
pub(crate) mod kind;
pub(crate) mod made;
pub(crate) mod negative;
pub(crate) mod ogr;
#[cfg(feature = "parquet")]
pub(crate) mod parquet;
pub(crate) mod previous;
pub(crate) mod scan;
pub(crate) mod sheet;
pub(crate) mod shp;
pub(crate) mod typed;
pub(crate) mod valid;
pub(crate) mod wkb;
pub(crate) mod zipped;

use feature::{Accept, Geom, Members, Props, RawFeature, RawGeometry};
use scan::Scanner;

/// Where a layer comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file: `.csv` is read as CSV (enterprises only), `.xlsx`/`.xls`/`.ods` as a
    /// spreadsheet (enterprises only; its first sheet, or the one named as QGIS names it:
    /// `qy.xlsx|layername=2024`), `.shp` as a Shapefile (with its `.dbf`, `.prj` and
    /// `.cpg`), a `.zip` as the Shapefile in it (`zd.zip|layername=ZD` when it holds
    /// several), a `.gpkg` as a GeoPackage's feature table (`zd.gpkg|layername=ZD` when it
    /// holds several), anything else as GeoJSON; a spreadsheet, a zip or a GeoPackage is told
    /// by its first bytes too. With the `gdal` feature, a File Geodatabase (`.gdb` folder,
    /// `.gdb.zip`) and the other formats GDAL reads (`.kml`, `.tab`, `.mif`, `.gml`, ...; a
    /// folder) are read through OGR (`dc.gdb|layername=DCDYTB` for one of several layers). A
    /// `.dbf` alone, or a geodatabase without the feature, is an [`Error::InputFormat`] saying
    /// what to give.
    Path(PathBuf),
    /// GeoJSON held in memory, with a label used in messages.
    GeoJson {
        /// Shown where a file name would be.
        label: String,
        /// The FeatureCollection's bytes (UTF-8 JSON).
        data: Arc<[u8]>,
    },
    /// CSV held in memory (enterprises only), with a label used in messages.
    Csv {
        /// Shown where a file name would be.
        label: String,
        /// The CSV's bytes (UTF-8, or GB18030 as Excel saves GBK; a header row first).
        data: Arc<[u8]>,
    },
    /// A spreadsheet held in memory (`.xlsx`, `.xls` or `.ods`, told by its first bytes;
    /// enterprises only), with a label used in messages (`qy.xlsx|layername=2024` names a
    /// sheet).
    Spreadsheet {
        /// Shown where a file name would be; a sheet named after `|layername=`.
        label: String,
        /// The workbook's bytes.
        data: Arc<[u8]>,
    },
    /// A zipped Shapefile held in memory, with a label used in messages
    /// (`zd.zip|layername=ZD` names one of several).
    ZippedShapefile {
        /// Shown where a file name would be; a Shapefile named after `|layername=`.
        label: String,
        /// The zip's bytes.
        data: Arc<[u8]>,
    },
    /// A GeoPackage held in memory, with a label used in messages (`zd.gpkg|layername=ZD`
    /// names one of several tables).
    GeoPackage {
        /// Shown where a file name would be; a table named after `|layername=`.
        label: String,
        /// The SQLite database's bytes.
        data: Arc<[u8]>,
    },
    /// GeoParquet held in memory (read by a build with the `parquet` feature), with a label
    /// used in messages.
    GeoParquet {
        /// Shown where a file name would be.
        label: String,
        /// The Parquet file's bytes.
        data: Arc<[u8]>,
    },
    /// A source GDAL reads, held in memory (`gdal` feature): a zipped File Geodatabase
    /// (`dc.gdb.zip|layername=DCDYTB`), a KML, ..., with a label used in messages whose
    /// extension tells GDAL what it is.
    Gdal {
        /// Shown where a file name would be; a layer named after `|layername=`.
        label: String,
        /// The source's bytes.
        data: Arc<[u8]>,
    },
    /// Records built in memory ([`Records`](typed::Records)), read as a file of the layer
    /// holding them would be.
    Built(typed::BuiltLayer),
}

impl<T> From<typed::Records<T>> for Source
where
    typed::BuiltLayer: From<typed::Records<T>>,
{
    fn from(records: typed::Records<T>) -> Source {
        Source::Built(records.into())
    }
}

impl Source {
    /// A file.
    pub fn path(path: impl Into<PathBuf>) -> Source {
        Source::Path(path.into())
    }

    /// GeoJSON in memory (text or bytes).
    pub fn geojson(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::GeoJson {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// A FeatureCollection of the `geojson` crate, read as a file holding it is. A `crs`
    /// given is written as the collection's legacy `crs` member (replacing one it has), so
    /// it is the layer's CRS as a file's declared one is; without it, the collection's own
    /// member if any, else lon/lat.
    pub fn feature_collection(
        label: impl Into<String>,
        collection: &geojson::FeatureCollection,
        crs: Option<&Crs>,
    ) -> Source {
        let mut collection = collection.clone();
        if let Some(crs) = crs {
            let member =
                serde_json::json!({"type": "name", "properties": {"name": crs.full_name()}});
            (collection
                .foreign_members
                .get_or_insert_with(Default::default))
            .insert("crs".to_string(), member);
        }
        Source::geojson(label, collection.to_string())
    }

    /// CSV in memory (text or bytes).
    pub fn csv(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::Csv {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// A spreadsheet in memory (`.xlsx`, `.xls` or `.ods`, told by its first bytes):
    /// enterprises, as a file of it is read. `label` names it in messages; a sheet other than
    /// the first is named after it as QGIS names a layer (`qy.xlsx|layername=2024`).
    pub fn spreadsheet(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::Spreadsheet {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// A zipped Shapefile in memory, read as a `.zip` file of it is. `label` names it in
    /// messages; one of several Shapefiles is named after it (`zd.zip|layername=ZD`).
    pub fn zipped_shapefile(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::ZippedShapefile {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// A GeoPackage in memory, read as a `.gpkg` file of it is (SQLite is handed a copy of
    /// the bytes). `label` names it in messages; one of several tables is named after it
    /// (`zd.gpkg|layername=ZD`).
    pub fn geopackage(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::GeoPackage {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// GeoParquet in memory, read as a `.parquet` file of it is, by a build with the `parquet`
    /// feature (without it, reading it is an [`Error::InputFormat`] saying so). `label` names
    /// it in messages.
    pub fn geoparquet(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::GeoParquet {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// A source GDAL reads, in memory (`gdal` feature; without it, reading it is an
    /// [`Error::InputFormat`] naming the feature): a zipped File Geodatabase, a KML, ..., read
    /// as a file of it is, through GDAL's `/vsimem/` (a copy of the bytes, under a name of its
    /// own for each read, unlinked once read). `label` names it in messages and tells GDAL
    /// what it is by its extension (`dc.gdb.zip`, `zd.kml`); one of several layers is named
    /// after it (`dc.gdb.zip|layername=DCDYTB`).
    pub fn gdal(label: impl Into<String>, data: impl AsRef<[u8]>) -> Source {
        Source::Gdal {
            label: label.into(),
            data: Arc::from(data.as_ref()),
        }
    }

    /// The label of an in-memory workbook, zip or GeoPackage, split from the layer named in
    /// it.
    fn labelled(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Source::Spreadsheet { label, .. }
            | Source::ZippedShapefile { label, .. }
            | Source::GeoPackage { label, .. }
            | Source::Gdal { label, .. } => Some(match label.rfind(error::LAYER_NAME) {
                Some(at) => (&label[..at], Some(&label[at + error::LAYER_NAME.len()..])),
                None => (label.as_str(), None),
            }),
            _ => None,
        }
    }

    /// The bytes of an in-memory source.
    fn bytes(&self) -> Option<&Arc<[u8]>> {
        match self {
            Source::GeoJson { data, .. }
            | Source::Csv { data, .. }
            | Source::Spreadsheet { data, .. }
            | Source::ZippedShapefile { data, .. }
            | Source::GeoPackage { data, .. }
            | Source::GeoParquet { data, .. }
            | Source::Gdal { data, .. } => Some(data),
            Source::Path(_) | Source::Built(_) => None,
        }
    }

    /// The file read, for a source that is one (not in-memory text): the path without a
    /// layer named in it (`|layername=`).
    pub fn file(&self) -> Option<&Path> {
        match self {
            Source::Path(p) => Some(kind::split_layer(p).0),
            _ => None,
        }
    }

    /// The path or label shown in messages (a layer named in the path left off: messages
    /// name the sheet or the Shapefile in the zip).
    pub fn name(&self) -> PathBuf {
        match self {
            Source::Path(p) => kind::split_layer(p).0.to_path_buf(),
            Source::GeoJson { label, .. }
            | Source::Csv { label, .. }
            | Source::GeoParquet { label, .. } => PathBuf::from(label),
            Source::Built(b) => PathBuf::from(b.label()),
            _ => PathBuf::from(self.labelled().map_or("", |(l, _)| l)),
        }
    }

    /// The layer named in the path (`qy.xlsx|layername=2024`), if one is.
    fn layer_name(&self) -> Option<&str> {
        match self {
            Source::Path(p) => kind::split_layer(p).1,
            _ => self.labelled().and_then(|(_, layer)| layer),
        }
    }

    /// What the source is read as; for a path, by its first bytes and its extension.
    fn kind(&self) -> Result<kind::Kind> {
        match self {
            Source::Path(p) => kind::kind_of(p),
            Source::Csv { .. } => Ok(kind::Kind::Csv),
            Source::Spreadsheet { data, .. } => Ok(kind::Kind::Spreadsheet(kind::book_of(data))),
            Source::ZippedShapefile { .. } => Ok(kind::Kind::ZippedShapefile),
            Source::GeoPackage { .. } => Ok(kind::Kind::GeoPackage),
            Source::GeoParquet { label, .. } => kind::geoparquet(Path::new(label)),
            Source::Gdal { .. } => kind::ogr_or_hint(&self.name()),
            Source::GeoJson { .. } | Source::Built(_) => Ok(kind::Kind::GeoJson),
        }
    }

    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        match self {
            Source::Path(p) => {
                let p = kind::split_layer(p).0;
                let f = File::open(p).map_err(|e| Error::io(p, "cannot open", e))?;
                Ok(Box::new(f))
            }
            Source::GeoJson { data, .. } | Source::Csv { data, .. } => Ok(Box::new(&data[..])),
            // Read through the text `built_text` makes of it, never opened as it is.
            Source::Built(b) => Err(Error::Usage(format!("{}: not a text", b.label()))),
            // Read by their own readers, never as text.
            _ => Err(Error::Usage(format!(
                "{}: not a text",
                self.name().display()
            ))),
        }
    }

    /// Size in bytes, when known (for progress): a folder's (a File Geodatabase's) is the sum
    /// of its files'.
    pub fn len(&self) -> Option<u64> {
        match self {
            Source::Path(p) => ogr::source_len(kind::split_layer(p).0),
            Source::Built(_) => None,
            _ => self.bytes().map(|d| d.len() as u64),
        }
    }

    /// True for an empty in-memory text.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

/// Called with the bytes read so far, as each batch of features is parsed.
pub type ByteProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// How to read.
#[derive(Clone, Default)]
pub struct ReadOptions {
    /// Stop at the first bad record instead of rejecting it and going on.
    pub strict: bool,
    /// The CRS of the input, overriding what the file declares.
    pub crs: Option<Crs>,
    /// Told the bytes read so far, batch by batch.
    pub progress: Option<ByteProgress>,
    /// Leave parcels' `properties` and enterprises' names read from a GeoJSON file in the
    /// file instead of holding them in memory as text (a million parcels' properties are
    /// hundreds of megabytes): the file is kept open in [`Loaded::text`], and the writers read
    /// them back from it ([`write_all_with_text`](crate::write::write_all_with_text)), which
    /// fails with [`Error::InputChanged`] if the file has been changed in place meanwhile.
    /// Off by default: every text is held, and the tables read no file.
    pub leave_text: bool,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("strict", &self.strict)
            .field("crs", &self.crs)
            .field("progress", &self.progress.is_some())
            .field("leave_text", &self.leave_text)
            .finish()
    }
}

/// A layer as read: the good records (as a column table), every rejected one, and what was
/// learnt of the file.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The file (or label).
    pub file: PathBuf,
    /// Records that passed validation, in file order.
    pub records: T,
    /// Record errors, in file order: each names the feature and why it was rejected.
    pub rejected: Vec<Error>,
    /// Notes on records kept, in file order: things worth a look that did not stop them
    /// (a parcel whose rings touch so as to cut its interior into pieces).
    pub warnings: Vec<Warning>,
    /// Records read: `records.len() + rejected.len()`.
    pub read: usize,
    /// The CRS the coordinates were in.
    pub crs: Crs,
    /// Where the CRS came from.
    pub crs_source: CrsSource,
    /// The file's top-level `bbox`, if it has one (in the file's CRS).
    pub bbox: Option<Vec<f64>>,
    /// The input file the records' text was left in, with [`ReadOptions::leave_text`] (and
    /// only when some was): hand it to the writers to read the text back.
    pub text: Option<InputText>,
    /// What was found wrong with the layer as a whole (a mapped column absent from its
    /// header), which makes the audit [suspect](crate::error::Suspicion).
    pub suspicions: Vec<Suspicion>,
}

/// A record in its file's coordinates, before the CRS is known.
struct Draft<T> {
    record: T,
    /// Bounding box of its coordinates in the file's CRS.
    bounds: Option<Rect<f64>>,
    /// Where the text to be left in the file lies in the feature's bytes: a parcel's
    /// `properties` object, an enterprise's name string.
    left: Option<Range<usize>>,
    /// Something worth a look that does not stop the record (rare).
    note: Option<Warning>,
}

/// Where a record's text left in the input is: the span there (offset, length), or the text
/// when the feature's bytes were not the file's own.
enum Left<'a> {
    None,
    At(Span),
    Text(&'a str),
}

/// What the coordinates say about the CRS: how many records fit lon/lat, and the easting range
/// of those that do not.
#[derive(Debug, Clone, Copy)]
struct Evidence {
    lonlat: usize,
    other: usize,
    x_min: f64,
    x_max: f64,
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence {
            lonlat: 0,
            other: 0,
            x_min: f64::INFINITY,
            x_max: f64::NEG_INFINITY,
        }
    }
}

fn fits_lonlat(r: &Rect<f64>) -> bool {
    r.min().x >= -180.0 && r.max().x <= 180.0 && r.min().y >= -90.0 && r.max().y <= 90.0
}

impl Evidence {
    fn add(&mut self, bounds: Option<Rect<f64>>) {
        let Some(r) = bounds else { return };
        if fits_lonlat(&r) {
            self.lonlat += 1;
        } else {
            self.other += 1;
            self.x_min = self.x_min.min(r.min().x);
            self.x_max = self.x_max.max(r.max().x);
        }
    }
}

/// What scanning a file gave, besides the records.
struct Scan {
    file: PathBuf,
    rejected: Vec<Error>,
    warnings: Vec<Warning>,
    read: usize,
    crs_member: Option<Vec<u8>>,
    bbox: Option<Vec<f64>>,
    evidence: Evidence,
    /// For a CSV, the line of each record kept, in order (for errors found at the end, such as
    /// a repeated id); empty for GeoJSON.
    lines: Vec<Option<std::num::NonZeroU32>>,
    /// For a GeoPackage's table or a source read through GDAL, each feature's FID, set on the
    /// errors that name one.
    fids: Option<Arc<fids::Fids>>,
    /// For a source read through GDAL, the features whose arcs were made into vertices.
    curved: Option<Arc<std::sync::Mutex<Vec<usize>>>>,
    /// For a source read through GDAL, GDAL's own messages.
    said: Option<Arc<ogr::Caught>>,
    /// What was found wrong with the file as a whole (a mapped CSV column not in its header).
    suspicions: Vec<Suspicion>,
}

impl Scan {
    fn new(file: PathBuf) -> Self {
        Scan {
            file,
            rejected: Vec::new(),
            warnings: Vec::new(),
            read: 0,
            crs_member: None,
            bbox: None,
            evidence: Evidence::default(),
            lines: Vec::new(),
            suspicions: Vec::new(),
            fids: None,
            curved: None,
            said: None,
        }
    }

    /// Takes one parsed record: good ones go to `sink` (with where their properties were left,
    /// by `left`), bad ones are kept (or stop the read).
    fn take<'a, T>(
        &mut self,
        result: Result<Draft<T>>,
        strict: bool,
        left: impl FnOnce(Range<usize>) -> Left<'a>,
        sink: &mut dyn FnMut(T, Left<'a>),
    ) -> Result<()> {
        self.read += 1;
        match result {
            Ok(d) => {
                self.evidence.add(d.bounds);
                self.warnings.extend(d.note);
                let left = d.left.map_or(Left::None, left);
                sink(d.record, left);
                Ok(())
            }
            Err(e) if e.is_record_error() && !strict => {
                self.rejected.push(e);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// How much the scanner gathers before a batch is parsed: a batch ends past this many bytes
/// or at this many features. 2 MiB against 8 MiB read the 1M bench's inputs ~0.09 s faster
/// (four alternating pairs) with 18 MiB less memory: the parsed records are still in cache
/// when they are sunk.
const BATCH_BYTES: usize = 2 << 20;
const BATCH_FEATURES: usize = 4_096;

/// Makes a record of a layer of one feature's members, split from its `bytes` (a GeoJSON
/// feature's; a GeoParquet row's properties' text): the ranges it marks are of those bytes.
type ParseFn<'a, T> = dyn Fn(Members<'_>, &[u8], FeatureContext) -> Result<Draft<T>> + Sync + 'a;

/// Opens the GeoPackage table `source` names (a file, or bytes in memory).
fn open_geopackage(source: &Source) -> Result<gpkg::Opened> {
    match source {
        Source::GeoPackage { label, data } => {
            gpkg::open_bytes(Path::new(label), data, source.layer_name())
        }
        _ => {
            let path = source.file().unwrap_or(Path::new(""));
            gpkg::open(path, source.layer_name())
        }
    }
}

/// Opens the Shapefile `source` names (`kind`: a `.shp`, or a zip of it as a file at `path`
/// or bytes in memory).
fn open_shapefile(source: &Source, kind: kind::Kind, path: Option<&Path>) -> Result<shp::Opened> {
    match (path, source) {
        (Some(path), _) if kind == kind::Kind::Shapefile => shp::open(path),
        (Some(path), _) => zipped::open(path, source.layer_name()),
        (None, Source::ZippedShapefile { data, .. }) => {
            zipped::open_bytes(&source.name(), data, source.layer_name())
        }
        _ => Err(Error::Usage(format!(
            "{}: not a Shapefile",
            source.name().display()
        ))),
    }
}

/// Reads the GeoParquet `source` names (a file, or bytes in memory) into records, as
/// [`scan_geojson`] does a GeoJSON's.
#[cfg(feature = "parquet")]
fn scan_geoparquet<T: Send>(
    source: &Source,
    layer: Layer,
    options: &ReadOptions,
    parse: &ParseFn<T>,
    sink: &mut dyn for<'b> FnMut(T, Left<'b>),
) -> Result<Scan> {
    let opened = match (source.file(), source) {
        (Some(path), _) => parquet::open(path)?,
        (None, Source::GeoParquet { data, .. }) => parquet::open_bytes(&source.name(), data)?,
        _ => {
            let name = source.name();
            return Err(Error::Usage(format!("{}: not GeoParquet", name.display())));
        }
    };
    parquet::scan(opened, layer, options, parse, sink)
}

/// Scans a GeoJSON FeatureCollection, parses its features in parallel batches, and hands the
/// good records to `sink` in file order. With `leave`, the text a record marks to be left in
/// the file comes as a span (the file can be read again); else as text to hold.
fn scan_geojson<T: Send>(
    source: &Source,
    layer: Layer,
    options: &ReadOptions,
    leave: bool,
    parse: &ParseFn<T>,
    sink: &mut dyn for<'b> FnMut(T, Left<'b>),
) -> Result<Scan> {
    let kind = source.kind()?;
    #[cfg(feature = "parquet")]
    if kind == kind::Kind::GeoParquet {
        return scan_geoparquet(source, layer, options, parse, sink);
    }
    let mut scan = Scan::new(source.name());
    // The copy of an in-memory source GDAL reads, alive while its text is.
    let mut held = Vec::new();
    // A made text is no measure of its source's bytes: its progress is what it has read, as a
    // share of the size the caller knows (a Shapefile's, its .shp's bytes).
    let mut made_progress: Option<ByteProgress> = None;
    let mut seen = None;
    let input: Box<dyn Read + Send + '_> = match (kind, source.file()) {
        (kind::Kind::Spreadsheet(_), _) => return Err(kind::no_geometry(&source.name(), layer)),
        (kind::Kind::GeoPackage, _) => {
            let opened = open_geopackage(source)?;
            scan.file = opened.name;
            scan.fids = Some(opened.fids);
            scan.warnings
                .extend(opened.notes.into_iter().map(layer_note(layer)));
            made_progress =
                made::told(options.progress.as_ref(), opened.text.share(), source.len());
            Box::new(opened.text)
        }
        (kind::Kind::Shapefile | kind::Kind::ZippedShapefile, path) => {
            let opened = open_shapefile(source, kind, path)?;
            scan.warnings
                .extend(opened.notes.into_iter().map(layer_note(layer)));
            made_progress =
                made::told(options.progress.as_ref(), opened.text.share(), source.len());
            seen = Some((Arc::clone(&opened.seen), opened.text.dbf().to_path_buf()));
            Box::new(opened.text)
        }
        (kind::Kind::Ogr, Some(path)) => {
            let (text, share) = open_ogr(path, source.layer_name(), layer, &mut scan)?;
            made_progress = made::told(options.progress.as_ref(), &share, source.len());
            text
        }
        (kind::Kind::Ogr, None) => {
            let data = source.bytes().map_or(&[][..], |d| &d[..]);
            let opened = ogr::open_bytes(&source.name(), data, &mut held, source.layer_name())?;
            let (text, share) = take_ogr(opened, layer, &mut scan);
            made_progress = made::told(options.progress.as_ref(), &share, source.len());
            text
        }
        _ => source.open()?,
    };
    let reading = Reading {
        file: Arc::new(scan.file.clone()),
        layer,
        accept: match layer {
            Layer::Enterprises => Accept::Point,
            _ => Accept::Polygons,
        },
        leave,
        strict: options.strict,
        progress: made_progress.as_ref().or(options.progress.as_ref()),
        parse,
    };
    // The scanner stops early only after sending an error, which the loop returned. A
    // Shapefile's own error (a truncated record) comes through the scanner as a read error.
    let fids = scan.fids.clone();
    let members = scan_in_batches(input, &reading, &mut scan, sink)
        .map_err(shp::take_error)
        .map_err(|mut e| {
            if let Some(fids) = &fids {
                fids.mark(&mut e);
            }
            e
        })?
        .unwrap_or_default();
    finish_ogr(&mut scan, layer);
    if let Some((seen, dbf)) = seen {
        scan.warnings
            .extend(seen.deleted_note(&dbf).map(layer_note(layer)));
    }
    scan.crs_member = members.get("crs").map(<[u8]>::to_vec);
    scan.bbox = members
        .get("bbox")
        .and_then(|raw| serde_json::from_slice::<Vec<f64>>(raw).ok());
    Ok(scan)
}

/// Opens a source read through GDAL: see [`take_ogr`].
fn open_ogr(
    path: &Path,
    name: Option<&str>,
    layer: Layer,
    scan: &mut Scan,
) -> Result<(Box<dyn Read + Send + 'static>, Arc<made::Share>)> {
    Ok(take_ogr(ogr::open(path, name)?, layer, scan))
}

/// Takes a source opened through GDAL: its notes, its name with its layer (as QGIS names it),
/// its FIDs, curved features and GDAL's messages go to `scan`; returns its features' text and
/// how far it is read.
fn take_ogr<'a>(
    opened: ogr::Opened<'a>,
    layer: Layer,
    scan: &mut Scan,
) -> (Box<dyn Read + Send + 'a>, Arc<made::Share>) {
    scan.warnings
        .extend(opened.notes.into_iter().map(layer_note(layer)));
    scan.file = opened.name;
    scan.fids = Some(opened.fids);
    scan.curved = Some(opened.curved);
    scan.said = Some(opened.said);
    (opened.text, opened.share)
}

/// Once a source that numbers its features is read (a GeoPackage's table, a source read
/// through GDAL): each rejection's FID, the note of curved features.
fn finish_ogr(scan: &mut Scan, layer: Layer) {
    if let Some(fids) = &scan.fids {
        for e in &mut scan.rejected {
            fids.mark(e);
        }
    }
    if let Some(curved) = &scan.curved {
        scan.warnings
            .extend(ogr::curved_note(&scan.file, curved).map(layer_note(layer)));
    }
    if let Some(said) = &scan.said {
        scan.warnings
            .extend(said.notes(&scan.file).into_iter().map(layer_note(layer)));
    }
}

/// Reads `input` through the batch pipeline into `scan` and `sink`: the scanner (one thread:
/// reading and finding each feature's bytes) fills one batch while another is parsed (both
/// cores) and a third sunk; the three go round. Returns the file's top-level members, or
/// `None` when the scanner stopped early.
fn scan_in_batches<T: Send>(
    input: Box<dyn Read + Send + '_>,
    reading: &Reading<'_, T>,
    scan: &mut Scan,
    sink: &mut dyn for<'b> FnMut(T, Left<'b>),
) -> Result<Option<scan::Members>> {
    let (batches, received) = sync_channel::<Result<Batch>>(0);
    let (spent, reuse) = channel::<Batch>();
    for _ in 0..3 {
        // Allocated here, not in the scanner thread, so the buffers come from the same heap
        // arena as the rest of the read.
        let _ = spent.send(Batch::new());
    }
    // Set when the reader stops early (an error of its own): the scanner checks it between
    // features rather than filling a whole batch no one will read. (A scanner blocked in a
    // read from a pipe still waits for that read.)
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stop = &stop;
        // Made here, like the batches, so that the buffers come from this thread's heap.
        let scanner = Scanner::new(input, &reading.file);
        let scanner = scope.spawn(move || scan_batches(scanner, &reuse, &batches, stop));
        // `received` and `spent` are dropped when `consume` returns, which stops the scanner
        // if it is still going.
        let consumed = reading.consume(received, spent, scan, sink);
        if consumed.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Joined, not left to the scope: the thread has then wholly exited (its thread-local
        // storage freed) before the caller goes on.
        let members = scanner
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        consumed.map(|()| members)
    })
}

/// The scanner thread: fills each batch handed back (`reuse`) with features' bytes and sends
/// it on (`batches`). Returns the file's top-level members once the last batch is sent;
/// `None` after sending an error (the features before it first), or when the reader has
/// stopped (`stop`, or a channel closed).
fn scan_batches<R: Read>(
    mut scanner: Scanner<R>,
    reuse: &Receiver<Batch>,
    batches: &SyncSender<Result<Batch>>,
    stop: &AtomicBool,
) -> Option<scan::Members> {
    loop {
        // No batch back: the reader has stopped (an error of its own).
        let Ok(mut batch) = reuse.recv() else {
            return None;
        };
        let filled = fill_batch(&mut scanner, &mut batch, stop);
        batch.offset = scanner.offset_read();
        match filled {
            Filled::Stopped => return None,
            Filled::Failed(e) => {
                // The features before the error first: in strict mode a bad record among
                // them is the error to report.
                if !batch.spans.is_empty() {
                    batch.last = false;
                    if batches.send(Ok(batch)).is_err() {
                        return None;
                    }
                }
                let _ = batches.send(Err(e));
                return None;
            }
            Filled::Full | Filled::End => {
                let last = matches!(filled, Filled::End);
                batch.last = last;
                if batches.send(Ok(batch)).is_err() {
                    return None;
                }
                if last {
                    return Some(scanner.into_members());
                }
            }
        }
    }
}

/// How filling a batch ended.
enum Filled {
    /// It holds [`BATCH_BYTES`] or [`BATCH_FEATURES`]: more may follow.
    Full,
    /// The collection ended: the batch is the last.
    End,
    /// The reader has stopped: the batch is not wanted.
    Stopped,
    /// The scanner failed after the features the batch holds.
    Failed(Error),
}

/// Empties `batch` and fills it with the next features' bytes, up to [`BATCH_BYTES`] or
/// [`BATCH_FEATURES`]; looks at `stop` between features.
fn fill_batch<R: Read>(scanner: &mut Scanner<R>, batch: &mut Batch, stop: &AtomicBool) -> Filled {
    batch.buf.clear();
    batch.spans.clear();
    while batch.buf.len() < BATCH_BYTES && batch.spans.len() < BATCH_FEATURES {
        if stop.load(Ordering::Relaxed) {
            return Filled::Stopped;
        }
        match scanner.next_feature(&mut batch.buf) {
            Ok(Some(span)) => batch.spans.push(span),
            Ok(None) => return Filled::End,
            Err(e) => return Filled::Failed(e),
        }
    }
    Filled::Full
}

/// What every batch of a GeoJSON layer is parsed and sunk with.
struct Reading<'a, T> {
    /// The file (or label), shared by every record's context.
    file: Arc<PathBuf>,
    layer: Layer,
    /// The geometry types the layer takes.
    accept: Accept,
    /// The text a record marks is left in the file (handed on as a span) rather than held.
    leave: bool,
    /// The first bad record stops the read.
    strict: bool,
    /// Told the bytes read so far, batch by batch.
    progress: Option<&'a ByteProgress>,
    parse: &'a ParseFn<'a, T>,
}

impl<T: Send> Reading<'_, T> {
    /// Takes the scanner's batches (`received`) until the last or an error, as [`overlap`]
    /// does; each batch sunk goes back to the scanner (`spent`).
    fn consume(
        &self,
        received: Receiver<Result<Batch>>,
        spent: Sender<Batch>,
        scan: &mut Scan,
        sink: &mut dyn for<'b> FnMut(T, Left<'b>),
    ) -> Result<()> {
        let parse = |batch: &Batch| self.parse_batch(batch);
        overlap(
            &received,
            |b: &Batch| b.last,
            parse,
            |batch, results| {
                let sunk = self.sink_batch(&batch, results, scan, sink);
                let _ = spent.send(batch);
                sunk
            },
        )
    }

    /// Parses a batch on the pool, each record with the hash of the text it leaves in the file
    /// (hashed here, in parallel, rather than in the sink).
    fn parse_batch(&self, batch: &Batch) -> Parsed<T> {
        batch
            .spans
            .par_iter()
            .map(|span| self.parse_feature(&batch.buf[span.start..span.end], span))
            .collect()
    }

    /// Parses one feature's `bytes`: the record, with a syntax error's byte counted from the
    /// start of the file, and the hash of the text it leaves in the file (0 for none).
    fn parse_feature(&self, bytes: &[u8], span: &scan::FeatureSpan) -> (Result<Draft<T>>, u32) {
        let ctx = FeatureContext::new(self.file.clone(), self.layer, span.index);
        let parsed = members(bytes, self.accept, &ctx).and_then(|m| (self.parse)(m, bytes, ctx));
        let hash = match &parsed {
            Ok(Draft { left: Some(r), .. }) if self.leave && span.verbatim => {
                bytes.get(r.clone()).map_or(0, text_hash)
            }
            _ => 0,
        };
        (parsed.map_err(|e| in_file(e, span.byte)), hash)
    }

    /// Hands a parsed batch's records to `scan` (the good ones on to `sink`), in file order,
    /// and tells the progress how far the file is read.
    fn sink_batch(
        &self,
        batch: &Batch,
        results: Parsed<T>,
        scan: &mut Scan,
        sink: &mut dyn for<'b> FnMut(T, Left<'b>),
    ) -> Result<()> {
        let buf = &batch.buf;
        for ((result, hash), span) in results.into_iter().zip(&batch.spans) {
            let bytes = &buf[span.start..span.end];
            let verbatim = span.verbatim && self.leave;
            let left = |r: Range<usize>| left_in(bytes, r, span.byte, verbatim, hash);
            scan.take(result, self.strict, left, sink)?;
        }
        if let Some(progress) = self.progress {
            progress(batch.offset);
        }
        Ok(())
    }
}

/// Takes batches from `received` until the last (`last`) or an error: batch k is handed to
/// `sink` on this thread, with what `parse` made of it, while batch k + 1 is parsed on the pool
/// (the sink is serial, and the pool would otherwise wait for it). An error received is
/// returned after the batches before it.
fn overlap<B: Send + Sync, P: Send>(
    received: &Receiver<Result<B>>,
    last: impl Fn(&B) -> bool,
    parse: impl Fn(&B) -> P + Sync,
    mut sink: impl FnMut(B, P) -> Result<()>,
) -> Result<()> {
    let mut pending: Option<(B, P)> = None;
    loop {
        let ended = pending.as_ref().is_some_and(|(b, _)| last(b));
        let (next, failed) = next_batch(received, ended);
        let mut parsed = None;
        let sunk = rayon::in_place_scope(|scope| {
            if let Some(batch) = &next {
                scope.spawn(|_| parsed = Some(parse(batch)));
            }
            match pending.take() {
                Some((batch, results)) => sink(batch, results),
                None => Ok(()),
            }
        });
        sunk?;
        if let Some(e) = failed {
            return Err(e);
        }
        match (next, parsed) {
            (Some(batch), Some(results)) => pending = Some((batch, results)),
            _ => return Ok(()),
        }
    }
}

/// The scanner's next batch, unless the last one has been taken (`ended`): the batch, or the
/// scanner's error; neither when the scanner has stopped (its error, if any, sent already).
fn next_batch<B>(received: &Receiver<Result<B>>, ended: bool) -> (Option<B>, Option<Error>) {
    match (!ended).then(|| received.recv().ok()).flatten() {
        Some(Ok(batch)) => (Some(batch), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    }
}

/// A feature's error with a syntax error's byte offset moved from the feature's first byte to
/// the file's: `feature_byte` is where the feature starts in the file.
fn in_file(e: Error, feature_byte: u64) -> Error {
    match e {
        Error::MalformedJson {
            file,
            byte,
            feature,
            message,
        } => Error::MalformedJson {
            file,
            byte: feature_byte + byte,
            feature,
            message,
        },
        other => other,
    }
}

/// Where the text a record marks (range `r` of its feature's `bytes`) is left: a span of the
/// file when the bytes are the file's own (`verbatim`; `feature_byte` is where they start in
/// the file, `hash` the text's hash), else the text itself; none when `r` is out of the bytes,
/// or the text is not UTF-8.
fn left_in(
    bytes: &[u8],
    r: Range<usize>,
    feature_byte: u64,
    verbatim: bool,
    hash: u32,
) -> Left<'_> {
    match (verbatim, bytes.get(r.clone())) {
        (true, Some(b)) => match u32::try_from(r.len()) {
            Ok(len) if len != u32::MAX => Left::At(Span {
                offset: feature_byte + r.start as u64,
                len,
                hash,
            }),
            _ => std::str::from_utf8(b).map_or(Left::None, Left::Text),
        },
        (false, Some(b)) => std::str::from_utf8(b).map_or(Left::None, Left::Text),
        (_, None) => Left::None,
    }
}

/// A batch's records as parsed, each with the hash of the text it leaves in the file.
type Parsed<T> = Vec<(Result<Draft<T>>, u32)>;

/// A batch of features' bytes from the scanner, and where it had read to.
struct Batch {
    buf: Vec<u8>,
    spans: Vec<scan::FeatureSpan>,
    offset: u64,
    last: bool,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            buf: Vec::with_capacity(BATCH_BYTES + (1 << 16)),
            spans: Vec::with_capacity(BATCH_FEATURES),
            offset: 0,
            last: false,
        }
    }
}

/// Splits a feature's bytes into members; a syntax error is a malformed file.
fn split<'a>(bytes: &'a [u8], ctx: &FeatureContext) -> Result<RawFeature<'a>> {
    serde_json::from_slice::<RawFeature>(bytes)
        .map_err(|e| {
            if e.is_data() {
                Error::NotAFeature {
                    ctx: ctx.clone(),
                    found: abbreviate(&e.to_string()),
                }
            } else {
                let byte = scan::byte_of_line_col(bytes, e.line(), e.column());
                Error::MalformedJson {
                    file: ctx.file.to_path_buf(),
                    byte: byte as u64,
                    feature: Some(ctx.index),
                    message: e.to_string(),
                }
            }
        })
        .and_then(|raw| match raw.kind.as_deref() {
            None | Some("Feature") => Ok(raw),
            Some(other) => Err(Error::NotAFeature {
                ctx: ctx.clone(),
                found: format!("\"type\": {other:?}"),
            }),
        })
}

/// The record id: the configured property, else the GeoJSON `id`.
fn record_id(
    props: &Props,
    key: &str,
    raw: &Members,
    ctx: &FeatureContext,
    missing: crate::config::MissingId,
) -> Result<Option<String>> {
    if let Some(id) = props.text(key, ctx)? {
        return Ok(Some(id));
    }
    Ok(raw
        .id
        .and_then(feature::raw_text)
        .or_else(|| missing.fallback(ctx.index)))
}

/// A feature's members in one pass when it is ordinary, else through the two-pass reader.
fn members<'a>(bytes: &'a [u8], accept: Accept, ctx: &FeatureContext) -> Result<Members<'a>> {
    // serde reads a struct from an array too: `[]` would pass for a feature with no members.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Error::NotAFeature {
            ctx: ctx.clone(),
            found: format!("an array, {}", abbreviate(&String::from_utf8_lossy(bytes))),
        });
    }
    match Members::fast(bytes, accept) {
        Some(m) => Ok(m),
        None => split(bytes, ctx).map(Members::raw),
    }
}

/// Checks a polygonal shape: valid in geo's `Validation` sense (geo's verdict, found in
/// O(n log n) by [`valid::validation`]), non-zero area. Returns its
/// planar area in the file's coordinates (m² in a metre-based projected CRS), and a note when
/// its rings touch so as to cut its interior into pieces, which `Validation` accepts (see
/// [`crate::topology`]). A shape [`valid::clearly_valid`] proves valid has its holes apart from
/// everything: no such touches, so the test runs only on the rare others.
pub(crate) fn check_shape(
    shape: &MultiPolygon<f64>,
    ctx: &FeatureContext,
) -> Result<(f64, Option<String>)> {
    let mut note = None;
    if !valid::clearly_valid(shape) {
        if let Err(problem) = valid::validation(shape) {
            return Err(Error::InvalidGeometry {
                ctx: ctx.clone(),
                problem: with_crossing(shape, &problem),
            });
        }
        note = interior_cut_note(shape);
    }
    let area = shape.unsigned_area();
    if !(area.is_finite() && area > 0.0) {
        return Err(Error::ZeroArea { ctx: ctx.clone() });
    }
    Ok((area, note))
}

/// geo's reason a shape is invalid; for a ring that crosses itself, with where (in the file's
/// coordinates), which geo does not say: a ring of hundreds of vertices is otherwise hard to
/// mend.
fn with_crossing(
    shape: &MultiPolygon<f64>,
    problem: &geo::algorithm::validation::InvalidMultiPolygon,
) -> String {
    use geo::algorithm::validation::{
        GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole,
    };
    let text = problem.to_string();
    let InvalidMultiPolygon::InvalidPolygon(
        GeometryIndex(part),
        InvalidPolygon::SelfIntersection(role),
    ) = problem
    else {
        return text;
    };
    let ring = shape.0.get(*part).and_then(|p| match role {
        RingRole::Exterior => Some(p.exterior()),
        RingRole::Interior(i) => p.interiors().get(*i),
    });
    match ring.and_then(valid::first_crossing) {
        Some(c) => format!("{text}, at ({}, {})", c.x, c.y),
        None => text,
    }
}

/// What to say of the first polygon of `shape` whose rings touch in a loop.
fn interior_cut_note(shape: &MultiPolygon<f64>) -> Option<String> {
    shape.0.iter().enumerate().find_map(|(part, polygon)| {
        if polygon.interiors().is_empty() {
            return None;
        }
        let rings: Vec<&[Coord<f64>]> = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(|r| r.0.as_slice())
            .collect();
        let cut = crate::topology::interior_cut(&rings)?;
        let names: Vec<String> = cut
            .rings
            .iter()
            .map(|&r| match r {
                0 => "the exterior ring".to_string(),
                hole => format!("interior ring at index {}", hole - 1),
            })
            .collect();
        let points: Vec<String> = cut
            .points
            .iter()
            .map(|c| format!("({}, {})", c.x, c.y))
            .collect();
        // Numbered from 0, as geo's validation messages number them.
        let part = if shape.0.len() > 1 {
            format!("polygon at index {part}: ")
        } else {
            String::new()
        };
        Some(format!(
            "{part}{} touch in a loop at {} points, {}: the interior is in more than one piece, \
             which OGC simple features call invalid (GEOS and QGIS: \"Interior is disconnected\"); \
             the area is that of all the pieces",
            join_and(&names),
            cut.points.len(),
            join_and(&points)
        ))
    })
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A checked polygonal shape as read: the shape, whether it came as a MultiPolygon, its
/// bounds and its planar area, all in the file's coordinates, and a note for the warnings.
struct Polygons {
    shape: MultiPolygon<f64>,
    multi: bool,
    bounds: Option<Rect<f64>>,
    planar_area: f64,
    note: Option<String>,
}

fn polygons(geometry: Geom, ctx: &FeatureContext) -> Result<Polygons> {
    match geometry.resolve(Accept::Polygons, ctx)? {
        RawGeometry::Polygons { shape, multi } => {
            let bounds = shape.bounding_rect();
            check_finite(bounds, ctx)?;
            let (planar_area, note) = check_shape(&shape, ctx)?;
            Ok(Polygons {
                shape,
                multi,
                bounds,
                planar_area,
                note,
            })
        }
        RawGeometry::Point(_) => Err(Error::GeometryType {
            ctx: ctx.clone(),
            expected: "Polygon or MultiPolygon",
            found: "Point".into(),
        }),
    }
}

fn check_finite(bounds: Option<Rect<f64>>, ctx: &FeatureContext) -> Result<()> {
    if let Some(r) = bounds {
        for c in [r.min(), r.max()] {
            if !(c.x.is_finite() && c.y.is_finite()) {
                return Err(Error::CoordinateOutOfRange {
                    ctx: ctx.clone(),
                    x: c.x,
                    y: c.y,
                    expected: "finite numbers",
                    property: "geometry".into(),
                });
            }
        }
    }
    Ok(())
}

fn parse_parcel(
    raw: Members,
    bytes: &[u8],
    mut ctx: FeatureContext,
    fields: &Fields,
) -> Result<Draft<Parcel>> {
    let props = Props::parse(raw.properties, &ctx)?;
    let id = record_id(&props, &fields.parcel_id, &raw, &ctx, fields.missing_id)?;
    ctx.id = id.clone();
    let id = id.ok_or_else(|| Error::MissingProperty {
        ctx: ctx.clone(),
        property: fields.parcel_id.clone(),
    })?;
    let status = parcel_status(&props, fields, &ctx)?;
    let floor_area_m2 = props.non_negative(&fields.floor_area, "a floor area in m²", &ctx)?;
    let recorded_area_m2 = props.non_negative(&fields.land_area, "a land area", &ctx)?;
    let commitments = commitments(&props, fields, &ctx)?;
    let land = land_facts(&props, fields, &ctx)?;
    let industry = props.text(&fields.industry, &ctx)?;
    let land_use = props.text(&fields.land_use, &ctx)?;
    let shape = polygons(raw.geometry, &ctx)?;
    Ok(Draft {
        record: Parcel {
            index: ctx.index,
            id,
            geometry: shape.shape,
            multi: shape.multi,
            // Kept only if the CRS turns out to be projected (it is known once all is read).
            planar_area_m2: Some(shape.planar_area),
            industry,
            land_use,
            status,
            floor_area_m2,
            recorded_area_m2,
            commitments,
            land,
            properties: None,
            feature_id: raw.id.map(RawValue::to_owned),
        },
        bounds: shape.bounds,
        left: raw.properties.and_then(|r| within(bytes, r.get(), '{')),
        note: note_of(shape.note, &ctx),
    })
}

/// A parcel's `status`: new or existing as the configured values say (case and surrounding
/// white space aside); existing when absent.
fn parcel_status(props: &Props, fields: &Fields, ctx: &FeatureContext) -> Result<Status> {
    let is_one_of =
        |values: &[String], s: &str| values.iter().any(|v| v.eq_ignore_ascii_case(s.trim()));
    match props.text(&fields.status, ctx)? {
        None => Ok(Status::Existing),
        Some(s) if is_one_of(&fields.status_new, &s) => Ok(Status::New),
        Some(s) if is_one_of(&fields.status_existing, &s) => Ok(Status::Existing),
        Some(s) => Err(Error::InvalidValue {
            ctx: ctx.clone(),
            property: fields.status.clone(),
            expected: format!(
                "one of {:?} (new) or {:?} (existing)",
                fields.status_new, fields.status_existing
            ),
            found: format!("{s:?}"),
        }),
    }
}

/// A parcel's contract commitments: investment, tax and output per mu in 万元/亩, and the
/// plot ratio; each `None` when absent.
fn commitments(props: &Props, fields: &Fields, ctx: &FeatureContext) -> Result<Commitments> {
    let num = |key: &str, expected| props.non_negative(key, expected, ctx);
    Ok(Commitments {
        investment_per_mu: num(&fields.contract_investment_per_mu, "a number in 万元/亩")?,
        tax_per_mu: num(&fields.contract_tax_per_mu, "a number in 万元/亩")?,
        output_per_mu: num(&fields.contract_output_per_mu, "a number in 万元/亩")?,
        plot_ratio: num(&fields.contract_plot_ratio, "a plot ratio")?,
    })
}

/// A parcel's land facts: the dates of the land tests, its footprint, building density and
/// green-space ratio, and its negative-list flags; each absent when not given. A value that is
/// not a date, a figure ≥ 0, a fraction in [0, 1] or a known flag rejects the parcel.
fn land_facts(props: &Props, fields: &Fields, ctx: &FeatureContext) -> Result<LandFacts> {
    let invalid = |key: &str, expected: &str, found: String| Error::InvalidValue {
        ctx: ctx.clone(),
        property: key.to_string(),
        expected: expected.to_string(),
        found,
    };
    let date = |key: &str| -> Result<Option<Date>> {
        match props.text(key, ctx)? {
            None => Ok(None),
            Some(t) => Date::parse(&t).map(Some).ok_or_else(|| {
                invalid(
                    key,
                    "a date: YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or an Excel date serial",
                    format!("{t:?}"),
                )
            }),
        }
    };
    let fraction = |key: &str| -> Result<Option<f64>> {
        match props.non_negative(key, "a fraction in [0, 1]", ctx)? {
            Some(v) if v > 1.0 => Err(invalid(
                key,
                "a fraction in [0, 1] (35% is written 0.35)",
                format!("{v}"),
            )),
            v => Ok(v),
        }
    };
    let mut land = LandFacts {
        contract_start: date(&fields.contract_start_date)?,
        actual_start: date(&fields.actual_start_date)?,
        completion: date(&fields.completion_date)?,
        stopped_since: date(&fields.stopped_since)?,
        last_tax: date(&fields.last_tax_date)?,
        footprint_m2: props.non_negative(&fields.footprint_area, "a footprint area in m²", ctx)?,
        building_density: fraction(&fields.building_density)?,
        green_ratio: fraction(&fields.green_ratio)?,
        negative: [false; 3],
    };
    if let Some(text) = props.text(&fields.negative_list, ctx)? {
        let words = text
            .split([';', ',', '、', '；', '，'])
            .filter(|w| !w.trim().is_empty());
        for word in words {
            let flag = NegativeFlag::parse(word).ok_or_else(|| {
                invalid(
                    &fields.negative_list,
                    "eliminated_industry, safety_order or environment_order (淘汰类, 安全, 环保)",
                    format!("{:?}", word.trim()),
                )
            })?;
            land.flag(flag);
        }
    }
    Ok(land)
}

/// A note on the record `ctx` names, as a warning.
fn note_of(note: Option<String>, ctx: &FeatureContext) -> Option<Warning> {
    note.map(|message| Warning {
        layer: ctx.layer,
        index: ctx.index,
        id: ctx.id.clone(),
        message,
    })
}

/// Where `part` (a JSON value borrowed from `bytes` that opens with `open`) lies in `bytes`.
fn within(bytes: &[u8], part: &str, open: char) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(bytes.as_ptr() as usize)?;
    let range = start..start + part.len();
    (part.starts_with(open) && bytes.get(range.clone()) == Some(part.as_bytes())).then_some(range)
}

fn parse_park(
    raw: Members,
    _bytes: &[u8],
    mut ctx: FeatureContext,
    fields: &Fields,
) -> Result<Draft<Park>> {
    let props = Props::parse(raw.properties, &ctx)?;
    let id = record_id(&props, &fields.parks.park_id, &raw, &ctx, fields.missing_id)?;
    ctx.id = id.clone();
    let id = id.ok_or_else(|| Error::MissingProperty {
        ctx: ctx.clone(),
        property: fields.parks.park_id.clone(),
    })?;
    let name = props.text(&fields.parks.name, &ctx)?;
    let shape = polygons(raw.geometry, &ctx)?;
    Ok(Draft {
        record: Park {
            index: ctx.index,
            id,
            name,
            geometry: shape.shape,
            multi: shape.multi,
        },
        bounds: shape.bounds,
        left: None,
        note: note_of(shape.note, &ctx),
    })
}

/// A record's properties, from GeoJSON or a CSV row.
pub(crate) trait RecordFields {
    /// A text value: strings as they are, numbers as written; `None` when absent or empty.
    fn text(&self, key: &str, ctx: &FeatureContext) -> Result<Option<String>>;
    /// The value as written, for number and yes/no parsing (a JSON string keeps its quotes:
    /// the parsers decode it).
    fn token(&self, key: &str) -> Option<&str>;
    /// How a token is read as a figure ≥ 0: a CSV cell's text as it is; GeoJSON's override
    /// reads a string holding a number too.
    fn number_parser(&self) -> NumberParser {
        feature::parse_non_negative
    }
}

/// Reads a token (`key`'s value) as a figure ≥ 0, naming what was expected in its error.
type NumberParser = fn(&str, &str, &'static str, &FeatureContext) -> Result<f64>;

impl RecordFields for Props<'_> {
    fn text(&self, key: &str, ctx: &FeatureContext) -> Result<Option<String>> {
        Props::text(self, key, ctx)
    }
    fn token(&self, key: &str) -> Option<&str> {
        self.get(key).map(RawValue::get)
    }
    fn number_parser(&self) -> NumberParser {
        feature::parse_json_number
    }
}

/// An enterprise as read, with what could not be read of the values used only in grading.
pub(crate) struct Firm {
    pub(crate) record: Enterprise,
    /// Values used only in grading that could not be read (left absent, the firm kept), and
    /// what was found: the firm is not graded on them; `None` when every value was read.
    pub(crate) ungraded: Option<(GradingValues, String)>,
}

/// A firm's id (its own, else the fallback the layer gives it) and its parcel key, each
/// refused when Excel turned it into a number (`9.13401E+17`); `ctx` takes the id.
fn firm_ids(
    rec: &dyn RecordFields,
    ctx: &mut FeatureContext,
    fields: &Fields,
    fallback_id: Option<String>,
) -> Result<(String, Option<String>)> {
    let f = &fields.enterprises;
    let id = rec
        .text(&f.enterprise_id, ctx)?
        .or(fallback_id)
        .or_else(|| fields.missing_id.fallback(ctx.index));
    ctx.id = id.clone();
    let ctx = &*ctx;
    let id = id.ok_or_else(|| Error::MissingProperty {
        ctx: ctx.clone(),
        property: f.enterprise_id.clone(),
    })?;
    let key = |name: &str, value: Option<String>| match value {
        Some(v) if feature::mangled_id(&v) => Err(Error::IdMangled {
            ctx: ctx.clone(),
            property: name.to_string(),
            found: v,
        }),
        v => Ok(v),
    };
    let id = key(&f.enterprise_id, Some(id))?.unwrap_or_default();
    let parcel_id = key(&f.parcel_id, rec.text(&f.parcel_id, ctx)?)?;
    Ok((id, parcel_id))
}

/// The figures of an enterprise from either property source. A value that cannot be read
/// rejects the firm when the audit needs it (its id, tax, investment, output, parcel key or
/// industry); one used only in grading (value added, energy, emissions, R&D, electricity,
/// employees, floor area, above scale, exempt) is left absent instead, the firm kept with a
/// note (`Draft::note`) and not graded: its tax still counts on its parcel, and it is not
/// scored on a hole. An id Excel turned into a number (`9.13401E+17`) rejects the firm: it
/// names no firm, and no parcel, for sure.
pub(crate) fn enterprise_from(
    rec: &dyn RecordFields,
    ctx: &mut FeatureContext,
    fields: &Fields,
    fallback_id: Option<String>,
) -> Result<(Firm, Option<Warning>)> {
    let (id, parcel_id) = firm_ids(rec, ctx, fields, fallback_id)?;
    let f = &fields.enterprises;
    let ctx = &*ctx;
    let num = |key: &str, expected: &'static str| -> Result<Option<f64>> {
        match rec.token(key) {
            None => Ok(None),
            Some(t) => (rec.number_parser())(t, key, expected, ctx).map(Some),
        }
    };
    let required = |key: &str| -> Result<f64> {
        num(key, "a number in 万元")?.ok_or_else(|| Error::MissingProperty {
            ctx: ctx.clone(),
            property: key.to_string(),
        })
    };
    let flag = |key: &str| -> Result<Option<bool>> {
        match rec.token(key) {
            None => Ok(None),
            Some(t) => feature::parse_flag(t)
                .map(Some)
                .ok_or_else(|| Error::InvalidValue {
                    ctx: ctx.clone(),
                    property: key.to_string(),
                    expected: "true or false (also 1/0, \"是\"/\"否\")".into(),
                    found: abbreviate(t),
                }),
        }
    };
    let (tax, investment, output) = (
        required(&f.tax)?,
        required(&f.investment)?,
        required(&f.output)?,
    );
    let name = rec.text(&f.name, ctx)?;
    let industry = rec.text(&f.industry, ctx)?;
    let unit = rec.text(&f.unit, ctx)?;
    // The land tests read it: a value that is no area rejects the firm, as its tax would.
    let footprint_m2 = num(&f.footprint_area, "a footprint area in m²")?;
    // Used only in grading: a value that cannot be read is left absent, and noted.
    let mut unread: Vec<Error> = Vec::new();
    let mut values = GradingValues::NONE;
    let mut graded = |value: Result<Option<f64>>, which: GradingValues| {
        value.unwrap_or_else(|e| {
            unread.push(e);
            values = values.with(which);
            None
        })
    };
    use GradingValues as V;
    let value_added = graded(num(&f.value_added, "a number in 万元"), V::VALUE_ADDED);
    let energy_tce = graded(num(&f.energy, "a number in tce"), V::ENERGY);
    let emissions_t = graded(num(&f.emissions, "a number in tonnes"), V::EMISSIONS);
    let rd_spend = graded(num(&f.rd_spend, "a number in 万元"), V::RD_SPEND);
    let electricity_10k_kwh = graded(num(&f.electricity, "a number in 万kWh"), V::ELECTRICITY);
    let employees = graded(num(&f.employees, "a number of people"), V::EMPLOYEES);
    let floor_area_m2 = graded(num(&f.floor_area, "a floor area in m²"), V::FLOOR_AREA);
    let start_year = graded(num(&f.start_year, "a year (2021)"), V::START_YEAR);
    let mut graded_flag = |value: Result<Option<bool>>, which: GradingValues| {
        value.unwrap_or_else(|e| {
            unread.push(e);
            values = values.with(which);
            None
        })
    };
    let above_scale = graded_flag(flag(&f.above_scale), V::ABOVE_SCALE);
    let exempt = graded_flag(flag(&f.exempt), V::EXEMPT);
    let record = Enterprise {
        index: ctx.index,
        id,
        name,
        tax,
        investment,
        output,
        value_added,
        energy_tce,
        emissions_t,
        rd_spend,
        electricity_10k_kwh,
        employees,
        floor_area_m2,
        footprint_m2,
        above_scale,
        industry,
        unit,
        start_year,
        exempt: exempt.unwrap_or(false),
        location: None,
        parcel_id,
    };
    let (found, note) = ungraded_note(&unread, ctx);
    let ungraded = found.map(|found| (values, found));
    Ok((Firm { record, ungraded }, note))
}

/// Why a firm with `unread` values used only in grading is not graded, and the warning that
/// names each (file, line or feature, column, what was found); neither when all were read.
fn ungraded_note(unread: &[Error], ctx: &FeatureContext) -> (Option<String>, Option<Warning>) {
    if unread.is_empty() {
        return (None, None);
    }
    let prefix = format!("{ctx}: ");
    let what: Vec<String> = unread
        .iter()
        .map(|e| {
            let text = e.to_string();
            text.strip_prefix(&prefix).unwrap_or(&text).to_string()
        })
        .collect();
    let at = ctx
        .position()
        .map_or(String::new(), |position| format!("{position}, "));
    let reason = format!(
        "a value used in grading could not be read ({at}{}): not graded rather than scored \
         without it",
        what.join("; ")
    );
    let message = format!(
        "{ctx}: {}: left out (absent). The firm stays in the audit, its tax, investment and \
         output counted on its parcel, but an evaluation that uses the value does not grade \
         it; correct the value and run again",
        what.join("; ")
    );
    let warning = Warning {
        layer: ctx.layer,
        index: ctx.index,
        id: ctx.id.clone(),
        message,
    };
    (Some(reason), Some(warning))
}

/// Keeps where a rejected record stood (see [`Place`]); called rarely, from any thread.
type Places = std::sync::Mutex<Vec<(usize, Place)>>;

fn keep_place(places: &Places, index: usize, place: Option<Place>) {
    if let Some(place) = place {
        places
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((index, place));
    }
}

fn parse_enterprise(
    raw: Members,
    bytes: &[u8],
    mut ctx: FeatureContext,
    fields: &Fields,
    places: &Places,
) -> Result<Draft<Firm>> {
    let props = Props::parse(raw.properties, &ctx)?;
    let fallback_id = raw.id.and_then(feature::raw_text);
    let (mut firm, note) = match enterprise_from(&props, &mut ctx, fields, fallback_id) {
        Ok(read) => read,
        Err(error) => {
            // A bad property rejects the record, but the firm still stands where it says: its
            // parcel must not pass for one with no tenant.
            let place = place_of_rejected(&props, raw.geometry, fields, &ctx);
            keep_place(places, ctx.index, place);
            return Err(error);
        }
    };
    let e = &mut firm.record;
    let name_at = props
        .get(&fields.enterprises.name)
        .and_then(|raw| within(bytes, raw.get(), '"'));
    let mut bounds = None;
    if !(raw.geometry.is_null() && e.parcel_id.is_some()) {
        match enterprise_point(raw.geometry, &ctx) {
            Ok(p) => {
                bounds = Some(Rect::new(p.0, p.0));
                e.location = Some(p);
            }
            Err(error) => {
                // A bad point with a parcel id: the firm still stands on that parcel.
                keep_place(places, ctx.index, e.parcel_id.take().map(Place::Key));
                return Err(error);
            }
        }
    }
    Ok(Draft {
        record: firm,
        bounds,
        left: name_at,
        note,
    })
}

/// Where an enterprise rejected for a bad property still stands: its parcel key if it has a
/// readable one, else its point if that is finite (in the file's coordinates).
fn place_of_rejected(
    props: &Props,
    geometry: Geom,
    fields: &Fields,
    ctx: &FeatureContext,
) -> Option<Place> {
    let key = props
        .text(&fields.enterprises.parcel_id, ctx)
        .ok()
        .flatten();
    match key {
        Some(key) => Some(Place::Key(key)),
        None => match geometry.resolve(Accept::Point, ctx) {
            Ok(RawGeometry::Point(p)) if p.x().is_finite() && p.y().is_finite() => {
                Some(Place::Point(p.0))
            }
            _ => None,
        },
    }
}

/// An enterprise's point, checked finite, in the file's coordinates.
fn enterprise_point(geometry: Geom, ctx: &FeatureContext) -> Result<Point<f64>> {
    geometry.resolve(Accept::Point, ctx).and_then(|g| match g {
        RawGeometry::Point(p) => {
            check_finite(Some(Rect::new(p.0, p.0)), ctx)?;
            Ok(p)
        }
        RawGeometry::Polygons { .. } => unreachable_polygon(ctx).map(|()| Point::new(0.0, 0.0)),
    })
}

fn unreachable_polygon(ctx: &FeatureContext) -> Result<()> {
    Err(Error::GeometryType {
        ctx: ctx.clone(),
        expected: "Point",
        found: "Polygon".into(),
    })
}

/// Decides a layer's CRS once every coordinate has been seen.
fn resolve_crs(scan: &Scan, explicit: Option<&Crs>) -> Result<(Crs, CrsSource)> {
    let ev = &scan.evidence;
    if let Some(crs) = explicit {
        // As for a declared CRS below: metres would be read as degrees' worth of metres, every
        // parcel a few square millimetres near the projection's origin.
        if !crs.is_geographic() && ev.other == 0 && ev.lonlat > 0 {
            return Err(Error::Crs {
                file: scan.file.clone(),
                crs: crs.to_string(),
                message: "the CRS given for this file is projected, but every coordinate looks like lon/lat; \
                          if this layer is lon/lat, give it its own CRS in the config \
                          ([crs] parcels, enterprises or parks = \"EPSG:4326\") instead of --crs for every input"
                    .into(),
            });
        }
        zone_check(scan, crs)?;
        return Ok((crs.clone(), CrsSource::Explicit));
    }
    if let Some(raw) = &scan.crs_member {
        let declared = Crs::from_geojson_member(raw).map_err(|message| Error::Crs {
            file: scan.file.clone(),
            crs: abbreviate(&String::from_utf8_lossy(raw)),
            message,
        })?;
        if let Some(crs) = declared {
            if !crs.is_geographic() && ev.other == 0 && ev.lonlat > 0 {
                return Err(Error::Crs {
                    file: scan.file.clone(),
                    crs: crs.to_string(),
                    message: "the file declares a projected CRS but every coordinate looks like lon/lat; \
                              set the CRS explicitly (for example --crs EPSG:4326) if that is what they are"
                        .into(),
                });
            }
            zone_check(scan, &crs)?;
            return Ok((crs, CrsSource::File));
        }
    }
    if ev.other > ev.lonlat {
        return Err(Error::UnknownCrs {
            file: scan.file.clone(),
            message: format!(
                "coordinates cannot be lon/lat (x from {:.1} to {:.1}) and no CRS is declared; {}. \
                 Declare it with a \"crs\" member or set it explicitly (--crs EPSG:N, or [crs] input in the config)",
                ev.x_min,
                ev.x_max,
                crate::crs::suggest_zone(ev.x_min, ev.x_max)
            ),
        });
    }
    Ok((Crs::LonLat, CrsSource::Inferred))
}

/// A projected CRS whose zone the coordinates' zone prefix contradicts is an error: read in
/// it, every record would land in another zone, and be unmatched or idle without a word.
fn zone_check(scan: &Scan, crs: &Crs) -> Result<()> {
    let ev = &scan.evidence;
    if ev.other == 0 {
        return Ok(());
    }
    match crate::crs::zone_disagreement(crs, ev.x_min, ev.x_max) {
        Some(message) => Err(Error::Crs {
            file: scan.file.clone(),
            crs: crs.to_string(),
            message,
        }),
        None => Ok(()),
    }
}

/// A warning about `layer` as a whole.
fn layer_note(layer: Layer) -> impl Fn(String) -> Warning {
    move |message| Warning {
        layer,
        index: Warning::NO_RECORD,
        id: None,
        message,
    }
}

pub(crate) fn context(file: &Path, layer: Layer, index: usize, id: &str) -> FeatureContext {
    FeatureContext {
        file: Arc::new(file.to_path_buf()),
        layer,
        index,
        id: Some(id.to_string()),
        line: None,
        fid: None,
    }
}

/// Why a record failed once its CRS was known.
enum Late {
    OutOfRange(Coord<f64>),
    Reproject(Coord<f64>, String),
    /// An edge, in WGS84, spanning more than 180° of longitude.
    Antimeridian(Coord<f64>, Coord<f64>),
}

impl Late {
    /// `position` names where the coordinates were read from (`geometry`, or a CSV's columns).
    fn into_error(self, ctx: FeatureContext, crs: &Crs, position: &str) -> Error {
        match self {
            Late::OutOfRange(c) => Error::CoordinateOutOfRange {
                ctx,
                x: c.x,
                y: c.y,
                expected: "lon/lat (|lon| ≤ 180, |lat| ≤ 90)",
                property: position.into(),
            },
            Late::Reproject(c, message) => Error::Reproject {
                ctx,
                crs: crs.to_string().into(),
                x: c.x,
                y: c.y,
                message: message.into(),
                property: position.into(),
            },
            Late::Antimeridian(a, b) => Error::CrossesAntimeridian {
                ctx,
                from: [a.x, a.y],
                to: [b.x, b.y],
            },
        }
    }
}

pub(crate) fn in_lonlat_range(c: Coord<f64>) -> bool {
    c.x.abs() <= 180.0 && c.y.abs() <= 90.0
}

/// Range-checks (lon/lat input), reprojects to WGS84 and orients a layer's shapes in place.
/// Returns the rows that failed.
fn finish_shapes(shapes: &mut Shapes, crs: &Crs, to_wgs84: &ToWgs84) -> Vec<(usize, Late)> {
    let mut failed: Vec<(usize, Late)> = Vec::new();
    if crs.is_geographic() {
        failed = (0..shapes.len())
            .into_par_iter()
            .filter_map(|i| {
                shapes
                    .get(i)
                    .find_coord(|c| !in_lonlat_range(c))
                    .map(|c| (i, Late::OutOfRange(c)))
            })
            .collect();
    }
    if !to_wgs84.is_identity() {
        let skip = rows_of(&failed, shapes.len());
        let errors = shapes.try_map_coords(|c| {
            if !in_lonlat_range(c) && crs.is_geographic() {
                return Ok(c);
            }
            to_wgs84.apply(c).map_err(|e| (c, e))
        });
        failed.extend(
            errors
                .into_iter()
                .filter(|(i, _)| !skip[*i])
                .map(|(i, (c, e))| (i, Late::Reproject(c, e))),
        );
    }
    // Orienting by the planar area in lon/lat would turn a ring across 180° the wrong way
    // round, and its geodesic area would be that of the rest of the globe.
    let skip = rows_of(&failed, shapes.len());
    let across: Vec<(usize, Late)> = (0..shapes.len())
        .into_par_iter()
        .filter(|&i| !skip[i])
        .filter_map(|i| {
            let (a, b) = antimeridian_edge(&shapes.get(i))?;
            Some((i, Late::Antimeridian(a, b)))
        })
        .collect();
    failed.extend(across);
    shapes.orient();
    failed.sort_by_key(|(i, _)| *i);
    failed
}

/// True when `bytes` start with a UTF-16 byte order mark (Windows "Unicode" text, Excel's
/// "Unicode Text"): a file neither reader can read, to be named as such.
pub(crate) fn utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// The first edge of a lon/lat shape that spans more than 180° of longitude: one across the
/// antimeridian, which RFC 7946 asks to be split there (measured as it stands, the shape
/// would be the rest of the globe).
pub(crate) fn antimeridian_edge(
    shape: &crate::shapes::ShapeRef<'_>,
) -> Option<(Coord<f64>, Coord<f64>)> {
    shape.polygons().find_map(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .find_map(|ring| ring.windows(2).find(|w| (w[1].x - w[0].x).abs() > 180.0))
            .map(|w| (w[0], w[1]))
    })
}

/// Which of `len` rows failed late (a flag a row).
fn rows_of(failed: &[(usize, Late)], len: usize) -> Vec<bool> {
    let mut rows = vec![false; len];
    for (row, _) in failed {
        rows[*row] = true;
    }
    rows
}

/// Rows whose id was already seen, with the row that first had it; `ids(row)` gives a row's
/// id, and only rows where `counted(row)` are looked at. Sorts 64-bit hashes instead of keeping
/// a map of every id (a third of the memory), and compares the strings wherever hashes meet.
fn duplicates<'a>(
    len: usize,
    ids: impl Fn(usize) -> &'a str + Sync,
    counted: impl Fn(usize) -> bool + Sync,
) -> Vec<(usize, usize)> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut keyed: Vec<(u64, usize)> = (0..len)
        .into_par_iter()
        .filter(|&row| counted(row))
        .map(|row| (hasher.hash_one(ids(row)), row))
        .collect();
    keyed.par_sort_unstable();
    let mut dup = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        for (k, &(_, row)) in group.iter().enumerate() {
            if let Some(&(_, first)) = group[..k].iter().find(|&&(_, r)| ids(r) == ids(row)) {
                dup.push((row, first));
            }
        }
    }
    dup.sort_unstable();
    dup
}

/// Turns late failures and duplicate ids (`errors`, by row) into rejections, sorted by feature
/// index, and returns which of the `len` rows to keep; with `strict`, the first is the error.
fn reject_rows(
    rejected: &mut Vec<Error>,
    strict: bool,
    len: usize,
    errors: Vec<(usize, Error)>,
) -> Result<Option<Vec<bool>>> {
    if errors.is_empty() {
        return Ok(None);
    }
    let mut keep = vec![true; len];
    let mut errors = errors;
    errors.sort_by_key(|(row, _)| *row);
    if strict {
        return Err(errors.swap_remove(0).1);
    }
    for (row, e) in errors {
        if keep[row] {
            keep[row] = false;
            rejected.push(e);
        }
    }
    rejected.sort_by_key(|e| e.feature().map_or(usize::MAX, |c| c.index));
    Ok(Some(keep))
}

fn crs_error(file: &Path, crs: &Crs) -> impl FnOnce(String) -> Error {
    let file = file.to_path_buf();
    let crs = crs.to_string();
    move |message| Error::Crs { file, crs, message }
}

/// What text left in `source` is read back from, when it is to be left there (asked for, and
/// a source that can be read twice).
fn backing(source: &Source, options: &ReadOptions) -> Result<Option<InputText>> {
    Ok(match source {
        _ if !options.leave_text => None,
        // None for a pipe or a device, which cannot be read again: the text is held.
        // A Shapefile's, a GeoPackage's or a GeoParquet file's features are made as it is read,
        // not in a file: the text is held. So are those of a source read through GDAL.
        Source::Path(_)
            if matches!(
                source.kind()?,
                kind::Kind::Shapefile
                    | kind::Kind::ZippedShapefile
                    | kind::Kind::GeoPackage
                    | kind::Kind::GeoParquet
                    | kind::Kind::Ogr
            ) =>
        {
            None
        }
        Source::Path(path) => {
            InputText::open(path).map_err(|e| Error::io(path, "cannot open", e))?
        }
        // Bytes in memory are the caller's to drop: hold the text rather than keep them alive.
        _ => None,
    })
}

/// A built layer as the text a file of `layer` would hold, with read options whose CRS is the
/// layer's own; `None` for any other source.
fn built_text(
    source: &Source,
    layer: Layer,
    fields: &Fields,
    options: &ReadOptions,
) -> Result<Option<(Source, ReadOptions)>> {
    let Source::Built(built) = source else {
        return Ok(None);
    };
    let text = built.text(layer, fields)?;
    let text = match layer {
        Layer::Enterprises | Layer::Adjustments | Layer::NegativeList => {
            Source::csv(built.label(), text)
        }
        Layer::Parcels | Layer::Parks => Source::geojson(built.label(), text),
    };
    let options = ReadOptions {
        crs: Some(built.crs().clone()),
        ..options.clone()
    };
    Ok(Some((text, options)))
}

/// Reads the parcels layer into a column table.
///
/// # Errors
/// A file error (cannot open, malformed, not a FeatureCollection, unknown CRS) stops the read;
/// record errors are returned in [`Loaded::rejected`], or stop it when `options.strict`.
pub fn read_parcels(
    source: &Source,
    config: &Config,
    options: &ReadOptions,
) -> Result<Loaded<Parcels>> {
    if let Some((text, options)) = built_text(source, Layer::Parcels, &config.fields, options)? {
        return read_parcels(&text, config, &options);
    }
    let fields = &config.fields;
    let unit = config.area.recorded_unit;
    let mut table = Parcels::new();
    let text = backing(source, options)?;
    let leave = text.is_some();
    let scan = scan_geojson(
        source,
        Layer::Parcels,
        options,
        leave,
        &|raw, bytes, ctx| {
            let mut d = parse_parcel(raw, bytes, ctx, fields)?;
            d.record.recorded_area_m2 = d.record.recorded_area_m2.map(|a| unit.to_m2(a));
            Ok(d)
        },
        &mut |p: Parcel, left| match left {
            Left::At(span) => table.push_read(&p, Some(span), None),
            Left::Text(text) => table.push_read(&p, None, Some(text)),
            Left::None => table.push_read(&p, None, None),
        },
    )?;
    let text = text.filter(|_| table.text_left_in_input());
    table.properties.left_in = text.as_ref().map(|t| t.path().to_path_buf());
    let (crs, crs_source) = resolve_crs(&scan, options.crs.as_ref())?;
    let to_wgs84 = crs
        .transformer(Backend::default_for_build())
        .map_err(crs_error(&scan.file, &crs))?;
    if crs.is_geographic() {
        // Shoelace areas in degrees mean nothing: drop the ones the parse kept.
        table.planar_area.clear();
    }
    let late = finish_shapes(&mut table.shapes, &crs, &to_wgs84);
    let loaded = conclude(
        scan,
        table,
        Layer::Parcels,
        (crs, crs_source),
        late,
        (&fields.parcel_id, "geometry"),
        options.strict,
    )?;
    Ok(Loaded { text, ..loaded })
}

/// Reads the parks layer into a column table.
///
/// # Errors
/// As [`read_parcels`].
pub fn read_parks(
    source: &Source,
    config: &Config,
    options: &ReadOptions,
) -> Result<Loaded<Parks>> {
    if let Some((text, options)) = built_text(source, Layer::Parks, &config.fields, options)? {
        return read_parks(&text, config, &options);
    }
    let fields = &config.fields;
    let mut table = Parks::new();
    let scan = scan_geojson(
        source,
        Layer::Parks,
        options,
        false,
        &|raw, bytes, ctx| parse_park(raw, bytes, ctx, fields),
        &mut |p: Park, _| table.push(&p),
    )?;
    let (crs, crs_source) = resolve_crs(&scan, options.crs.as_ref())?;
    let to_wgs84 = crs
        .transformer(Backend::default_for_build())
        .map_err(crs_error(&scan.file, &crs))?;
    let late = finish_shapes(&mut table.shapes, &crs, &to_wgs84);
    conclude(
        scan,
        table,
        Layer::Parks,
        (crs, crs_source),
        late,
        (&fields.parks.park_id, "geometry"),
        options.strict,
    )
}

/// Reads the enterprises layer into a column table: GeoJSON points, or CSV with `lon`/`lat`
/// columns (either may instead carry a `parcel_id`).
///
/// # Errors
/// As [`read_parcels`].
pub fn read_enterprises(
    source: &Source,
    config: &Config,
    options: &ReadOptions,
) -> Result<Loaded<Enterprises>> {
    if let Some((text, options)) = built_text(source, Layer::Enterprises, &config.fields, options)?
    {
        // The built text's header is its first line, whatever `header_row` says of files.
        let mut config = config.clone();
        config.fields.enterprises.header_row = Some(1);
        // Its records are not lines of a file a person opens: no `line` in their errors.
        let unlined = |mut e: Error| {
            if let Some(ctx) = e.feature_mut() {
                ctx.line = None;
            }
            e
        };
        let mut loaded = read_enterprises(&text, &config, &options).map_err(unlined)?;
        loaded.rejected = loaded.rejected.into_iter().map(unlined).collect();
        return Ok(loaded);
    }
    let fields = &config.fields;
    let mut table = Enterprises::new();
    let places = Places::default();
    let (scan, text) = scan_enterprises(source, fields, options, &mut table, &places)?;
    // A table's rows (CSV, a sheet, a GeoPackage's attribute table) have their lines.
    let position = if source.kind()?.is_table() || !scan.lines.is_empty() {
        format!("{}/{}", fields.enterprises.lon, fields.enterprises.lat)
    } else {
        "geometry".to_string()
    };
    let text = text.filter(|_| table.text_left_in_input());
    table.names.left_in = text.as_ref().map(|t| t.path().to_path_buf());
    let (crs, crs_source) = resolve_crs(&scan, options.crs.as_ref())?;
    let to_wgs84 = crs
        .transformer(Backend::default_for_build())
        .map_err(crs_error(&scan.file, &crs))?;
    let late = locations_to_wgs84(&mut table, &crs, &to_wgs84);
    let places = places
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    table.rejected_places = places_to_wgs84(places, &crs, &to_wgs84);
    let loaded = conclude(
        scan,
        table,
        Layer::Enterprises,
        (crs, crs_source),
        late,
        (&fields.enterprises.enterprise_id, &position),
        options.strict,
    )?;
    Ok(Loaded { text, ..loaded })
}

/// Scans the enterprises' file, CSV or GeoJSON, into `table`; where a rejected record stood
/// goes to `places`. Returns the scan and, when names were left in a GeoJSON file, the file.
fn scan_enterprises(
    source: &Source,
    fields: &Fields,
    options: &ReadOptions,
    table: &mut Enterprises,
    places: &Places,
) -> Result<(Scan, Option<InputText>)> {
    let kind = source.kind()?;
    if kind == kind::Kind::GeoPackage {
        let mut sink = |firm: Firm| {
            table.push(&firm.record);
            table.set_ungraded(firm.ungraded);
        };
        let file = (source.file()).map_or_else(|| source.name(), Path::to_path_buf);
        let (layer, strict) = (source.layer_name(), options.strict);
        let attributes = (file.as_path(), source.bytes());
        if let Some(scan) =
            gpkg::scan_attributes(attributes, layer, fields, strict, places, &mut sink)?
        {
            return Ok((scan, None));
        }
    }
    if kind.is_table() {
        let mut sink = |firm: Firm| {
            table.push(&firm.record);
            table.set_ungraded(firm.ungraded);
        };
        let file = (source.file()).map_or_else(|| source.name(), Path::to_path_buf);
        let scan = match kind {
            kind::Kind::Spreadsheet(book) => sheet::scan_sheet(
                (&file, source.bytes()),
                book,
                source.layer_name(),
                fields,
                options.strict,
                places,
                &mut sink,
            )?,
            _ => csv::scan_csv(source, fields, options.strict, places, &mut sink)?,
        };
        return Ok((scan, None));
    }
    let text = backing(source, options)?;
    let leave = text.is_some();
    let scan = scan_geojson(
        source,
        Layer::Enterprises,
        options,
        leave,
        &|raw, bytes, ctx| parse_enterprise(raw, bytes, ctx, fields, places),
        &mut |firm: Firm, left| {
            match left {
                Left::At(span) => table.push_read(&firm.record, Some(span)),
                Left::Text(_) | Left::None => table.push(&firm.record),
            }
            table.set_ungraded(firm.ungraded);
        },
    )?;
    Ok((scan, text))
}

/// Range-checks (lon/lat input) and reprojects the enterprises' points to WGS84 in place.
/// Returns the rows that failed.
fn locations_to_wgs84(
    table: &mut Enterprises,
    crs: &Crs,
    to_wgs84: &ToWgs84,
) -> Vec<(usize, Late)> {
    let geographic = crs.is_geographic();
    let moved: Vec<(usize, std::result::Result<Coord<f64>, Late>)> = (0..table.len())
        .into_par_iter()
        .filter_map(|row| {
            let c = table.location(row)?;
            if geographic && !in_lonlat_range(c) {
                return Some((row, Err(Late::OutOfRange(c))));
            }
            if to_wgs84.is_identity() {
                return None;
            }
            Some((row, to_wgs84.apply(c).map_err(|e| Late::Reproject(c, e))))
        })
        .collect();
    let mut late = Vec::new();
    for (row, outcome) in moved {
        match outcome {
            Ok(c) => table.set_location(row, c),
            Err(l) => late.push((row, l)),
        }
    }
    late
}

/// Rejected records' places with their points in WGS84 too; one that cannot be (out of the
/// lon/lat range, or failing to reproject) is not placed.
fn places_to_wgs84(
    mut places: Vec<(usize, Place)>,
    crs: &Crs,
    to_wgs84: &ToWgs84,
) -> Vec<(usize, Place)> {
    let geographic = crs.is_geographic();
    places.retain_mut(|(_, place)| match place {
        Place::Key(_) => true,
        Place::Point(c) => {
            if geographic && !in_lonlat_range(*c) {
                return false;
            }
            match to_wgs84.apply(*c) {
                Ok(moved) => {
                    *c = moved;
                    true
                }
                Err(_) => false,
            }
        }
    });
    places
}

/// A layer's column table, as the end of reading needs it.
trait Table {
    fn len(&self) -> usize;
    fn feature_index(&self, row: usize) -> usize;
    fn id(&self, row: usize) -> &str;
    fn retain(&mut self, keep: &[bool]);
    fn shrink_to_fit(&mut self);
    /// Marks every row as checked by the reader.
    fn set_validated(&mut self);
    /// Notes a row rejected once read (a repeated id, a position out of range); `located`
    /// when its position is in WGS84. Only enterprises keep anything of it.
    fn note_rejected(&mut self, _row: usize, _located: bool) {}
}

macro_rules! table {
    ($t:ty $(, $extra:item)*) => {
        impl Table for $t {
            fn len(&self) -> usize {
                <$t>::len(self)
            }
            fn feature_index(&self, row: usize) -> usize {
                self.index[row] as usize
            }
            fn id(&self, row: usize) -> &str {
                self.ids.get(row)
            }
            fn retain(&mut self, keep: &[bool]) {
                <$t>::retain(self, keep)
            }
            fn shrink_to_fit(&mut self) {
                <$t>::shrink_to_fit(self)
            }
            fn set_validated(&mut self) {
                self.validated = true;
            }
            $($extra)*
        }
    };
}

table!(Parcels);
table!(Parks);
table!(
    Enterprises,
    // Where a row rejected once read stands, as for one rejected while parsing.
    fn note_rejected(&mut self, row: usize, located: bool) {
        let place = match (self.parcel_key(row), self.location(row)) {
            (Some(key), _) => Place::Key(key.to_string()),
            (None, Some(c)) if located => Place::Point(c),
            _ => return,
        };
        self.rejected_places.push((self.index[row] as usize, place));
    }
);

/// The end of reading a layer: rows that failed once the CRS was known and rows whose id was
/// seen before become rejections, in feature order; the table drops them and its spare capacity.
/// `properties` names the id's property and where the coordinates were read from.
fn conclude<T: Table + Sync>(
    scan: Scan,
    mut table: T,
    layer: Layer,
    (crs, crs_source): (Crs, CrsSource),
    late: Vec<(usize, Late)>,
    (id_property, position): (&str, &str),
    strict: bool,
) -> Result<Loaded<T>> {
    let ctx = |row: usize| {
        let index = table.feature_index(row);
        FeatureContext {
            line: scan.lines.get(row).copied().flatten(),
            fid: scan.fids.as_ref().and_then(|f| f.of(index)),
            ..context(&scan.file, layer, index, table.id(row))
        }
    };
    // A row rejected here is not the first of its id: a later good copy is then kept, as it
    // would be had the first been rejected while parsing.
    let failed_late = rows_of(&late, table.len());
    let mut errors: Vec<(usize, Error)> = late
        .into_iter()
        .map(|(row, l)| (row, l.into_error(ctx(row), &crs, position)))
        .collect();
    errors.extend(
        duplicates(table.len(), |row| table.id(row), |row| !failed_late[row])
            .into_iter()
            .map(|(row, first)| {
                (
                    row,
                    Error::DuplicateId {
                        ctx: ctx(row),
                        property: id_property.to_string(),
                        first_index: table.feature_index(first),
                    },
                )
            }),
    );
    for (row, _) in &errors {
        table.note_rejected(*row, !failed_late[*row]);
    }
    let mut rejected = scan.rejected;
    if let Some(keep) = reject_rows(&mut rejected, strict, table.len(), errors)? {
        table.retain(&keep);
    }
    table.shrink_to_fit();
    table.set_validated();
    // Only for records kept: one rejected once the CRS was known has its rejection.
    let mut warnings = scan.warnings;
    if !warnings.is_empty() {
        let gone: HashSet<usize> = rejected
            .iter()
            .filter_map(|e| e.feature().map(|ctx| ctx.index))
            .collect();
        warnings.retain(|w| !gone.contains(&w.index));
    }
    Ok(Loaded {
        file: scan.file,
        records: table,
        rejected,
        warnings,
        read: scan.read,
        crs,
        crs_source,
        bbox: scan.bbox,
        text: None,
        suspicions: scan.suspicions,
    })
}

impl<T> Loaded<T> {
    /// The layer's CRS as resolved, for the summary.
    pub(crate) fn crs_info(&self) -> CrsInfo {
        CrsInfo {
            file: self.file.display().to_string(),
            crs: self.crs.to_string(),
            source: self.crs_source,
        }
    }
}
