//! The crate's one error type, and where an error happened.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The input layer a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Cadastral parcels (宗地).
    Parcels,
    /// Enterprises (企业) with their annual figures.
    Enterprises,
    /// Parks (园区).
    Parks,
    /// The evaluation's adjustments table (加分/减分 items and forced classes).
    Adjustments,
    /// The negative-list table (负面清单: 淘汰类 industry, safety or environmental orders).
    NegativeList,
}

impl Layer {
    /// The layer's name as written in `rejected.csv`: `parcels`, `enterprises` or `parks`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Parcels => "parcels",
            Layer::Enterprises => "enterprises",
            Layer::Parks => "parks",
            Layer::Adjustments => "adjustments",
            Layer::NegativeList => "negative_list",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a record sits: file, layer, 0-based feature (or CSV row) index, and its id if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureContext {
    /// The file the record was read from (or a label such as `<memory>`).
    pub file: Arc<PathBuf>,
    /// The layer being read.
    pub layer: Layer,
    /// 0-based index of the feature in the file's `features` array (or of the CSV data row).
    pub index: usize,
    /// The record's id (`parcel_id`, `enterprise_id`, `park_id` or the GeoJSON `id`), if read.
    pub id: Option<String>,
    /// For a CSV row, its line in the file (the header is line 1; a quoted field over several
    /// lines counts them all), where a spreadsheet user looks for it; for a feature of a
    /// GeoPackage's table, its `fid`; `None` for another feature.
    pub line: Option<std::num::NonZeroU32>,
    /// For a feature read through GDAL (`gdal` feature), its feature id (FID) in the source,
    /// which GDAL and QGIS show (when it is one of `u32`, as any but a vast layer's are);
    /// `None` for any other record.
    pub fid: Option<u32>,
}

/// What follows a file's name to name a layer inside it, as QGIS writes a layer's source
/// (`qy.xlsx|layername=2024`). A spreadsheet's rows are named so, `line` then being the
/// sheet's row as Excel numbers it.
pub(crate) const LAYER_NAME: &str = "|layername=";

impl FeatureContext {
    /// A context for the record at `index` of `layer` in `file`, id not yet known.
    pub fn new(file: Arc<PathBuf>, layer: Layer, index: usize) -> Self {
        FeatureContext {
            file,
            layer,
            index,
            id: None,
            line: None,
            fid: None,
        }
    }

    /// Where a table's row stands, as a spreadsheet user looks for it: `line 5` in a CSV,
    /// `sheet "2024", row 5` in a spreadsheet's sheet (a file named `qy.xlsx|layername=2024`);
    /// `fid 4` for a feature of a GeoPackage's table or read through GDAL, or a row of a
    /// GeoPackage's attribute table; `None` for any other feature.
    pub fn position(&self) -> Option<String> {
        if let Some(fid) = self.fid {
            return Some(format!("fid {fid}"));
        }
        let line = self.line?;
        if self.in_geopackage() {
            return Some(format!("fid {line}"));
        }
        let sheet = (self.file.to_str()).and_then(|f| f.rsplit_once(LAYER_NAME));
        Some(match sheet {
            Some((_, sheet)) => format!("sheet {sheet:?}, row {line}"),
            None => format!("line {line}"),
        })
    }

    /// True for a record of a GeoPackage's table (a file named `zd.gpkg|layername=ZD`), whose
    /// `line` is its `fid`.
    fn in_geopackage(&self) -> bool {
        (self.file.to_str())
            .and_then(|f| f.rsplit_once(LAYER_NAME))
            .is_some_and(|(file, _)| {
                let n = file.len();
                n >= 5
                    && file.is_char_boundary(n - 5)
                    && file[n - 5..].eq_ignore_ascii_case(".gpkg")
            })
    }

    /// What a record of its file is called: a CSV "row" or a GeoJSON "feature" (a
    /// GeoPackage's too).
    pub(crate) fn noun(&self) -> &'static str {
        if self.line.is_some() && !self.in_geopackage() {
            "row"
        } else {
            "feature"
        }
    }
}

impl fmt::Display for FeatureContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.file.display(), self.noun(), self.index)?;
        if let Some(position) = self.position() {
            write!(f, " ({position})")?;
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id:?})")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong, each with the place it went wrong.
///
/// Data errors carry a [`FeatureContext`] (file, layer, 0-based feature index, id) and, where a
/// property is at fault, its name with what was expected and what was found.
/// [`Error::feature`] gives the context without matching every variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read, written or renamed.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done: "cannot open", "cannot write", ...
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed JSON (truncated, binary, a syntax error).
    #[error("{}: malformed JSON at byte {byte}{}: {message}", file.display(), in_feature(*feature))]
    MalformedJson {
        /// The file.
        file: PathBuf,
        /// 0-based byte offset where the problem was found.
        byte: u64,
        /// The feature being read, if inside the `features` array.
        feature: Option<usize>,
        /// What the parser saw.
        message: String,
    },
    /// Well-formed JSON that is not a GeoJSON FeatureCollection.
    #[error("{}: not a GeoJSON FeatureCollection: {found}", file.display())]
    NotFeatureCollection {
        /// The file.
        file: PathBuf,
        /// What the top level holds instead.
        found: String,
    },
    /// A feature's `type` is not "Feature", or it is not an object.
    #[error("{ctx}: not a GeoJSON Feature: {found}")]
    NotAFeature {
        /// Where.
        ctx: FeatureContext,
        /// What was found.
        found: String,
    },
    /// A feature has no geometry, or `"geometry": null`.
    #[error("{ctx}: geometry is missing or null")]
    NullGeometry {
        /// Where.
        ctx: FeatureContext,
    },
    /// The geometry type is not one this layer takes.
    #[error("{ctx}: geometry: expected {expected}, found {found}")]
    GeometryType {
        /// Where.
        ctx: FeatureContext,
        /// The types this layer takes.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// The `coordinates` member is missing or not nested as the geometry type requires.
    #[error("{ctx}: geometry coordinates: expected {expected}, found {found}")]
    BadCoordinates {
        /// Where.
        ctx: FeatureContext,
        /// The nesting expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A position with fewer than two numbers, such as `[1]`.
    #[error("{ctx}: geometry: a position needs at least 2 numbers, found {found}")]
    PositionTooShort {
        /// Where.
        ctx: FeatureContext,
        /// How many numbers the position had.
        found: usize,
    },
    /// A ring whose last position differs from its first.
    #[error("{ctx}: geometry: ring {ring} is not closed (first and last positions differ)")]
    RingNotClosed {
        /// Where.
        ctx: FeatureContext,
        /// 0-based ring number within the geometry (exterior rings and holes counted in order).
        ring: usize,
    },
    /// A ring with fewer than 4 positions.
    #[error("{ctx}: geometry: ring {ring} has {found} positions, a closed ring needs at least 4")]
    RingTooShort {
        /// Where.
        ctx: FeatureContext,
        /// 0-based ring number within the geometry.
        ring: usize,
        /// How many positions it had.
        found: usize,
    },
    /// A polygon with no rings, or a MultiPolygon with no polygons.
    #[error("{ctx}: geometry is empty")]
    EmptyGeometry {
        /// Where.
        ctx: FeatureContext,
    },
    /// A coordinate outside what the layer's CRS allows (for lon/lat: |lon| ≤ 180, |lat| ≤ 90).
    #[error("{ctx}: coordinate ({x}, {y}) is outside {expected}")]
    CoordinateOutOfRange {
        /// Where.
        ctx: FeatureContext,
        /// The first coordinate (longitude or easting).
        x: f64,
        /// The second coordinate (latitude or northing).
        y: f64,
        /// The range allowed.
        expected: &'static str,
        /// Where the position was read from: `geometry`, or the CSV's longitude and latitude
        /// columns (`lon/lat`).
        property: Box<str>,
    },
    /// A ring with an edge across the antimeridian (longitude ±180°): the crate would take the
    /// parcel for one spanning the globe the other way round.
    #[error(
        "{ctx}: geometry crosses the antimeridian (180°) between {from:?} and {to:?} (WGS84 lon/lat), \
         which is not supported: split the polygon at 180°, as RFC 7946 §3.1.9 asks"
    )]
    CrossesAntimeridian {
        /// Where.
        ctx: FeatureContext,
        /// The edge's first position, lon/lat.
        from: [f64; 2],
        /// The edge's second position, lon/lat.
        to: [f64; 2],
    },
    /// A polygon whose area is zero (or not finite).
    #[error("{ctx}: geometry has zero area")]
    ZeroArea {
        /// Where.
        ctx: FeatureContext,
    },
    /// A geometry that is not valid in the OGC sense (self-intersection, hole outside its shell, ...).
    #[error("{ctx}: invalid geometry: {problem}")]
    InvalidGeometry {
        /// Where.
        ctx: FeatureContext,
        /// The problem, as geo's `Validation` describes it.
        problem: String,
    },
    /// The same id on two records of one layer.
    #[error("{ctx}: duplicate {property} {:?}, first seen at {} {first_index}", ctx.id.as_deref().unwrap_or(""), ctx.noun())]
    DuplicateId {
        /// Where the second one is.
        ctx: FeatureContext,
        /// The id property.
        property: String,
        /// 0-based index of the first record with this id.
        first_index: usize,
    },
    /// A required property is absent or null.
    #[error("{ctx}: property {property:?} is missing")]
    MissingProperty {
        /// Where.
        ctx: FeatureContext,
        /// The property.
        property: String,
    },
    /// A property that must be a number holds something else, such as the string `"12万"`.
    #[error("{ctx}: property {property:?}: expected {expected}, found {found}")]
    NotANumber {
        /// Where.
        ctx: FeatureContext,
        /// The property.
        property: String,
        /// What was expected, with its unit.
        expected: &'static str,
        /// What was found, as written in the file.
        found: String,
    },
    /// A number that must not be negative is.
    #[error("{ctx}: property {property:?}: expected a number ≥ 0, found {found}")]
    NegativeValue {
        /// Where.
        ctx: FeatureContext,
        /// The property.
        property: String,
        /// The value found.
        found: f64,
    },
    /// A property holds a value outside its allowed set (a `status` of "old", ...).
    #[error("{ctx}: property {property:?}: expected {expected}, found {found}")]
    InvalidValue {
        /// Where.
        ctx: FeatureContext,
        /// The property.
        property: String,
        /// What is allowed.
        expected: String,
        /// What was found.
        found: String,
    },
    /// An id column holding a long all-digit code as Excel shows it once it took the code for
    /// a number (`9.13401E+17`): its last digits are lost, so it names no record for sure.
    #[error(
        "{ctx}: property {property:?}: {found:?} is an id Excel turned into a number (its last \
         digits are lost): in Excel, format the column as Text, type or paste the codes again, \
         and export the file again"
    )]
    IdMangled {
        /// Where.
        ctx: FeatureContext,
        /// The id column.
        property: String,
        /// The id as found.
        found: String,
    },
    /// A CSV row that cannot be read as a record: its number of fields differs from the
    /// header's. (Text that is not UTF-8 and an unclosed quote are [`Error::Csv`]: they stop
    /// the file.)
    #[error("{ctx}: {problem}")]
    BadRow {
        /// Where (the index counts data rows from 0, after the header).
        ctx: FeatureContext,
        /// The column at fault, when one is.
        property: Option<String>,
        /// What is wrong, with the row's line in the file.
        problem: String,
    },
    /// The coordinates cannot be lon/lat and no CRS says what they are.
    #[error("{}: {message}", file.display())]
    UnknownCrs {
        /// The file.
        file: PathBuf,
        /// What was seen and what to do about it.
        message: String,
    },
    /// A CRS that cannot be used (unsupported code, unparsable name, failed transform).
    #[error("{}: CRS {crs}: {message}", file.display())]
    Crs {
        /// The file (or `<config>`).
        file: PathBuf,
        /// The CRS as given.
        crs: String,
        /// What went wrong.
        message: String,
    },
    /// A CRS name this build does not understand ([`Crs::parse`](crate::Crs::parse)): none of
    /// `EPSG:N`, `urn:ogc:def:crs:EPSG::N`, `CRS84`, `GCJ-02`, `BD-09` or a `+proj=` string, or
    /// WKT or PROJJSON without the `proj` feature.
    #[error(
        "not a CRS this build understands: {name:?} (expected EPSG:N, urn:ogc:def:crs:EPSG::N, CRS84, GCJ-02 or BD-09; \
         a +proj= string; WKT and PROJJSON need the `proj` feature)"
    )]
    #[non_exhaustive]
    CrsName {
        /// The name as given, trimmed.
        name: String,
    },
    /// A CRS the backend cannot transform to WGS84, or a coordinate it could not transform
    /// ([`Crs::to_wgs84`](crate::crs::Crs::to_wgs84), [`ToWgs84::coord`](crate::crs::ToWgs84::coord)).
    #[error("CRS {crs}: {message}")]
    #[non_exhaustive]
    CrsUnusable {
        /// The CRS.
        crs: String,
        /// What went wrong (for one coordinate, beginning with the coordinate).
        message: String,
    },
    /// A coordinate could not be transformed to WGS84.
    #[error("{ctx}: cannot reproject ({x}, {y}) from {crs}: {message}")]
    Reproject {
        /// Where.
        ctx: FeatureContext,
        /// The source CRS.
        crs: Box<str>,
        /// The first coordinate.
        x: f64,
        /// The second coordinate.
        y: f64,
        /// What went wrong.
        message: Box<str>,
        /// Where the position was read from: `geometry`, or the CSV's longitude and latitude
        /// columns (`lon/lat`).
        property: Box<str>,
    },
    /// A configuration file that cannot be read or is not valid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong and where (TOML line and column when known).
        message: String,
    },
    /// A CSV file that cannot be parsed.
    #[error("{}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the row.
        message: String,
    },
    /// A Shapefile that cannot be read as one: not a `.shp`, a `.dbf` header damaged, a
    /// truncated `.shp`, a record longer than the file, a `.dbf` with fewer or more records
    /// than the `.shp`. It stops the read (the records after it cannot be trusted to line up).
    #[error("{}: {}{message}", file.display(), record.map(|r| format!("record {r}: ")).unwrap_or_default())]
    Shapefile {
        /// The part at fault (`.shp` or `.dbf`).
        file: PathBuf,
        /// 0-based record index (as a feature's), when one record is at fault.
        record: Option<usize>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A GeoPackage that cannot be read as one: not SQLite, damaged, no `gpkg_contents`, no
    /// table of the name given, several and none named, a table without geometry. It stops
    /// the read.
    #[error("{}: {}{message}", file.display(), record.map(|r| format!("feature {r}: ")).unwrap_or_default())]
    GeoPackage {
        /// The file, or its table (`zd.gpkg|layername=ZD`).
        file: PathBuf,
        /// 0-based record index (in `fid` order), when one record is at fault.
        record: Option<usize>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A spreadsheet (`.xlsx`, `.xls`, `.ods`) that cannot be read: damaged, too large, no
    /// sheet of the name given. It stops the read.
    #[error("{}: {message}", file.display())]
    Spreadsheet {
        /// The file.
        file: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A source read through GDAL (`gdal` feature) that cannot be: it holds no vector layer or
    /// several and none named, or GDAL stops before its last feature. (One GDAL cannot open at
    /// all is an [`Error::InputFormat`].)
    /// It stops the read.
    #[error("{}: {}{message}", file.display(), feature.map(|r| format!("feature {r}: ")).unwrap_or_default())]
    Gdal {
        /// The source, with its layer (`dc.gdb|layername=DCDYTB`) once one is chosen.
        file: PathBuf,
        /// 0-based index of the feature at fault, when one is.
        feature: Option<usize>,
        /// What GDAL said and what to do.
        message: String,
    },
    /// An input of a format not read as that layer (a `.dbf` alone, a spreadsheet given as
    /// parcels, a `.gdb`), or a `.shp` without its `.dbf`: the message says what to give.
    #[error("{}: {message}", file.display())]
    InputFormat {
        /// The file given.
        file: PathBuf,
        /// What it is and what to give instead.
        message: String,
    },
    /// An output path that is also an input: the run would overwrite its own data.
    #[error("{}: output would overwrite the input {}", output.display(), input.display())]
    OutputIsInput {
        /// The output path.
        output: PathBuf,
        /// The input it equals.
        input: PathBuf,
    },
    /// An input whose text the outputs copy (parcels' properties and enterprises' names are
    /// left in their file and read back when written) changed since it was read.
    #[error("{}: {message}", file.display())]
    InputChanged {
        /// The input file.
        file: PathBuf,
        /// What differs.
        message: String,
    },
    /// The run was asked for something inconsistent (missing layer, bad option).
    #[error("{0}")]
    Usage(String),
    /// Another run is writing the output folder (it holds the folder's lock).
    #[error(
        "{}: another audit is writing this folder (it holds {}); wait for it to finish, or \
         give another --out",
        dir.display(),
        lock.display()
    )]
    OutputLocked {
        /// The output folder.
        dir: PathBuf,
        /// The lock file the other run holds.
        lock: PathBuf,
    },
    /// A file read whole is larger than such a file may be: most likely the wrong file.
    #[error(
        "{}: {}; check that it is the right file",
        file.display(),
        match size {
            Some(size) => format!("{size} bytes, more than the {} {what} may hold", bytes_text(*limit)),
            None => format!("goes on past the {} {what} may hold (a device or a pipe)", bytes_text(*limit)),
        }
    )]
    InputTooLarge {
        /// The file.
        file: PathBuf,
        /// Its size in bytes; `None` for one with no size (a device or a pipe) that went on past
        /// the bound.
        size: Option<u64>,
        /// The most bytes read from such a file.
        limit: u64,
        /// What the file is: "a configuration file", "a previous audit's table".
        what: &'static str,
    },
}

/// `4 MiB`, `1 GiB`: a bound as people read it.
fn bytes_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

fn in_feature(feature: Option<usize>) -> String {
    match feature {
        Some(i) => format!(" (in feature {i})"),
        None => String::new(),
    }
}

/// The context of a data error, by reference as the error is taken (`&` or `&mut`).
macro_rules! feature_of {
    ($error:expr) => {{
        use Error::*;
        match $error {
            NotAFeature { ctx, .. }
            | NullGeometry { ctx }
            | GeometryType { ctx, .. }
            | BadCoordinates { ctx, .. }
            | PositionTooShort { ctx, .. }
            | RingNotClosed { ctx, .. }
            | RingTooShort { ctx, .. }
            | EmptyGeometry { ctx }
            | CoordinateOutOfRange { ctx, .. }
            | CrossesAntimeridian { ctx, .. }
            | ZeroArea { ctx }
            | InvalidGeometry { ctx, .. }
            | DuplicateId { ctx, .. }
            | MissingProperty { ctx, .. }
            | NotANumber { ctx, .. }
            | NegativeValue { ctx, .. }
            | InvalidValue { ctx, .. }
            | IdMangled { ctx, .. }
            | BadRow { ctx, .. }
            | Reproject { ctx, .. } => Some(ctx),
            _ => None,
        }
    }};
}

impl Error {
    /// The record the error is about, for data errors.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::path::PathBuf;
    /// use land_efficiency::{Error, FeatureContext, Layer};
    /// let ctx = FeatureContext::new(Arc::new(PathBuf::from("parcels.geojson")), Layer::Parcels, 3);
    /// let err = Error::NullGeometry { ctx };
    /// assert_eq!(err.feature().map(|c| c.index), Some(3));
    /// ```
    pub fn feature(&self) -> Option<&FeatureContext> {
        feature_of!(self)
    }

    /// The record the error is about, to change: a built layer's records have no line.
    pub(crate) fn feature_mut(&mut self) -> Option<&mut FeatureContext> {
        feature_of!(self)
    }

    /// The property at fault, when one is.
    pub fn property(&self) -> Option<&str> {
        use Error::*;
        match self {
            DuplicateId { property, .. }
            | MissingProperty { property, .. }
            | NotANumber { property, .. }
            | NegativeValue { property, .. }
            | InvalidValue { property, .. }
            | IdMangled { property, .. } => Some(property),
            CoordinateOutOfRange { property, .. } | Reproject { property, .. } => Some(property),
            BadRow { property, .. } => property.as_deref(),
            NullGeometry { .. }
            | GeometryType { .. }
            | BadCoordinates { .. }
            | PositionTooShort { .. }
            | RingNotClosed { .. }
            | RingTooShort { .. }
            | EmptyGeometry { .. }
            | CrossesAntimeridian { .. }
            | ZeroArea { .. }
            | InvalidGeometry { .. } => Some("geometry"),
            _ => None,
        }
    }

    /// A short stable code for the kind of error, as written in `rejected.csv`
    /// (`null_geometry`, `not_a_number`, ...).
    pub fn code(&self) -> &'static str {
        use Error::*;
        match self {
            Io { .. } => "io",
            MalformedJson { .. } => "malformed_json",
            NotFeatureCollection { .. } => "not_feature_collection",
            NotAFeature { .. } => "not_a_feature",
            NullGeometry { .. } => "null_geometry",
            GeometryType { .. } => "geometry_type",
            BadCoordinates { .. } => "bad_coordinates",
            PositionTooShort { .. } => "position_too_short",
            RingNotClosed { .. } => "ring_not_closed",
            RingTooShort { .. } => "ring_too_short",
            EmptyGeometry { .. } => "empty_geometry",
            CoordinateOutOfRange { .. } => "coordinate_out_of_range",
            CrossesAntimeridian { .. } => "crosses_antimeridian",
            ZeroArea { .. } => "zero_area",
            InvalidGeometry { .. } => "invalid_geometry",
            DuplicateId { .. } => "duplicate_id",
            MissingProperty { .. } => "missing_property",
            NotANumber { .. } => "not_a_number",
            NegativeValue { .. } => "negative_value",
            InvalidValue { .. } => "invalid_value",
            IdMangled { .. } => "id_mangled",
            BadRow { .. } => "bad_row",
            UnknownCrs { .. } => "unknown_crs",
            Crs { .. } => "crs",
            CrsName { .. } => "crs_name",
            CrsUnusable { .. } => "crs_unusable",
            Reproject { .. } => "reproject",
            Config { .. } => "config",
            Csv { .. } => "csv",
            Shapefile { .. } => "shapefile",
            Gdal { .. } => "gdal",
            GeoPackage { .. } => "geopackage",
            Spreadsheet { .. } => "spreadsheet",
            InputFormat { .. } => "input_format",
            OutputIsInput { .. } => "output_is_input",
            InputChanged { .. } => "input_changed",
            Usage(_) => "usage",
            OutputLocked { .. } => "output_locked",
            InputTooLarge { .. } => "input_too_large",
        }
    }

    /// True for errors about one record (a lenient run rejects the record and goes on);
    /// false for errors about a whole file or the run (the run stops).
    pub fn is_record_error(&self) -> bool {
        self.feature().is_some()
    }

    pub(crate) fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// A record that was not evaluated, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The layer.
    pub layer: Layer,
    /// 0-based feature (or CSV row) index.
    pub index: usize,
    /// The record's id, if it was read.
    pub id: Option<String>,
    /// A short stable code: [`Error::code`], or `unmatched` / `ambiguous` for enterprises.
    pub code: &'static str,
    /// The property at fault, if one is.
    pub property: Option<String>,
    /// The explanation.
    pub reason: String,
}

impl Rejection {
    /// True for an enterprise listed because it joined no parcel (`unmatched`, `ambiguous`):
    /// a record read and kept, not one rejected as invalid.
    pub fn is_join_miss(&self) -> bool {
        matches!(self.code, "unmatched" | "ambiguous")
    }

    /// The rejection an error describes.
    pub fn from_error(e: &Error) -> Rejection {
        let message = e.to_string();
        match e.feature() {
            Some(ctx) => {
                let prefix = format!("{ctx}: ");
                Rejection {
                    layer: ctx.layer,
                    index: ctx.index,
                    id: ctx.id.clone(),
                    code: e.code(),
                    property: e.property().map(str::to_string),
                    reason: {
                        let reason = message.strip_prefix(&prefix).unwrap_or(&message);
                        // A CSV row's line, where a spreadsheet user looks (the index counts
                        // data rows from 0).
                        match ctx.position() {
                            Some(position) => format!("{position}: {reason}"),
                            None => reason.to_string(),
                        }
                    },
                }
            }
            None => Rejection {
                layer: Layer::Parcels,
                index: usize::MAX,
                id: None,
                code: e.code(),
                property: None,
                reason: message,
            },
        }
    }

    pub(crate) fn of(
        layer: Layer,
        index: usize,
        id: &str,
        code: &'static str,
        property: Option<&str>,
        reason: &str,
    ) -> Self {
        Rejection {
            layer,
            index,
            id: Some(id.to_string()),
            code,
            property: property.map(str::to_string),
            reason: reason.to_string(),
        }
    }
}

/// Something worth a look that did not stop a record from being evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The layer.
    pub layer: Layer,
    /// 0-based feature index; [`Warning::NO_RECORD`] for a warning about the run or a layer
    /// as a whole (a previous audit covering few of the parcels, a rule naming a park no park
    /// has, an evaluation indicator no enterprise of a group has), written empty in
    /// `warnings.csv` and `null` in JSON.
    #[serde(serialize_with = "index_or_null")]
    pub index: usize,
    /// The record's id.
    pub id: Option<String>,
    /// What was seen.
    pub message: String,
}

impl Warning {
    /// The `index` of a warning about no one record.
    pub const NO_RECORD: usize = usize::MAX;
}

fn index_or_null<S: serde::Serializer>(index: &usize, s: S) -> Result<S::Ok, S::Error> {
    if *index == Warning::NO_RECORD {
        s.serialize_none()
    } else {
        s.serialize_u64(*index as u64)
    }
}

/// Something about a layer as a whole that makes the audit's answer untrustworthy: a mapped
/// column absent from its header, most of its records rejected or unmatched, coordinates that
/// put it apart from the parcels. Each is listed in `summary.json` (`suspicions`); the example
/// binary exits 1 when there is one, unless it was accepted knowingly (`--allow-suspect`,
/// `[checks] allow_suspect`). A library caller decides the same way from
/// [`Summary::refused`](crate::results::Summary::refused).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspicion {
    /// The layer found wrong.
    pub layer: Layer,
    /// What was found, stable for scripts: `column_absent`, `mostly_rejected`,
    /// `mostly_unmatched`, `layers_apart`, `points_offset`.
    pub code: &'static str,
    /// What was found and what to do, in words, naming the file and the column.
    pub message: String,
}

/// What an audit's stages note as they go: records not evaluated, and warnings. Each stage
/// appends in record order; [`Notes::finish`] puts them in the order the outputs list them.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    pub(crate) rejected: Vec<Rejection>,
    pub(crate) warnings: Vec<Warning>,
}

impl Notes {
    /// Rejections by layer and record; warnings about a record rejected after it was read
    /// dropped (they go with it), then the per-record warnings and `layer_notes` by layer and
    /// record, after `run_notes` about the run as a whole.
    pub(crate) fn finish(
        mut self,
        mut layer_notes: Vec<Warning>,
        run_notes: Vec<Warning>,
    ) -> (Vec<Rejection>, Vec<Warning>) {
        self.rejected.sort_by_key(|r| (r.layer, r.index));
        if !self.warnings.is_empty() {
            let gone: std::collections::HashSet<(Layer, usize)> = (self.rejected.iter())
                .filter(|r| !r.is_join_miss())
                .map(|r| (r.layer, r.index))
                .collect();
            self.warnings
                .retain(|w| !gone.contains(&(w.layer, w.index)));
        }
        self.warnings.append(&mut layer_notes);
        self.warnings.sort_by_key(|w| (w.layer, w.index));
        self.warnings.splice(0..0, run_notes);
        (self.rejected, self.warnings)
    }

    /// Records of `layer` rejected as invalid (not the enterprises that joined no parcel).
    pub(crate) fn rejected_in(&self, layer: Layer) -> usize {
        (self.rejected.iter())
            .filter(|r| r.layer == layer && !r.is_join_miss())
            .count()
    }
}

/// Keeps a found value short enough for one line of an error message.
pub(crate) fn abbreviate(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}
