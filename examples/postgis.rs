//! The audit from PostgreSQL/PostGIS and back: reads the tables `parcels`, `enterprises` and
//! `parks`, audits them, and writes `audit_parcels`, `audit_enterprises`, `audit_parks`,
//! `audit_rejected` and `audit_summary` in one transaction, replacing an earlier run's tables.
//!
//! ```text
//! cargo run --release --example postgis -- --db postgresql://user@localhost/zone
//! DATABASE_URL=postgresql://user@localhost/zone cargo run --release --example postgis -- \
//!     --config thresholds.toml --parcels-table zd --enterprises-table qy --parks-table yq
//! ```
//!
//! Each table's geometry is its first `geometry` column, in any SRID that PostGIS records as
//! an EPSG code (read with `ST_SRID`; one SRID per table), fetched as WKB and decoded with the
//! `wkb` crate. Every other column is an attribute, named as in the config's `[fields]`: each
//! row becomes a typed record (`Records`) with those fields, read by the crate as a file's
//! record is. See docs/postgis.md.
//!
//! Exit codes: 0 success; 1 a database error, bad input (a table's SRID that is no EPSG code,
//! geometries in two SRIDs, a bad record with --strict), or a run that audited no parcel or
//! whose input is wrong as a whole without --allow-suspect (the tables are then written);
//! 2 usage.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use geo_traits::to_geo::ToGeoGeometry;
use indicatif::{ProgressBar, ProgressStyle};
use land_efficiency::geo::{self, Geometry};
use land_efficiency::{AreaMethod, Audit, AuditReport, Config, Crs, Inputs, OutputCrs};
use land_efficiency::{Enterprise, Layer, ParkResult, Rejection};
use land_efficiency::{EnterpriseInput, FieldValue, ParcelInput, ParkInput, Records};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Transaction};
use serde_json::Value;

/// Audit industrial land per mu (亩均) from PostGIS tables, writing the results back as tables.
#[derive(Parser, Debug)]
#[command(
    name = "postgis",
    version,
    after_help = "EXAMPLES:\n  postgis --db postgresql://me@localhost/zone\n      \
audit the tables parcels, enterprises and parks into audit_parcels, audit_enterprises, \
audit_parks, audit_rejected and audit_summary\n\n\
EXIT CODES:\n  0  success\n  1  a database error or bad input; no parcel audited, or an input \
wrong as a whole without --allow-suspect (the tables are then written)\n  2  usage"
)]
struct Args {
    /// PostgreSQL connection string (URL or key=value), e.g. --db postgresql://me@localhost/zone.
    /// Default: the DATABASE_URL environment variable.
    #[arg(long, value_name = "URL")]
    db: Option<String>,

    /// Thresholds and field mapping (TOML, as for the audit example), e.g. --config
    /// thresholds.toml. Default: the built-in defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    /// The parcels table (宗地), optionally schema-qualified.
    #[arg(long, value_name = "TABLE", default_value = "parcels")]
    parcels_table: String,

    /// The enterprises table. Default: `enterprises`, left out when there is none.
    #[arg(long, value_name = "TABLE")]
    enterprises_table: Option<String>,

    /// The parks table (园区). Default: `parks`, left out when there is none.
    #[arg(long, value_name = "TABLE")]
    parks_table: Option<String>,

    /// Prefix of the tables written: audit_parcels, audit_enterprises, audit_parks,
    /// audit_rejected, audit_summary.
    #[arg(long, value_name = "PREFIX", default_value = "audit_")]
    prefix: String,

    /// CRS of every table, overriding their SRIDs, e.g. --crs EPSG:4549.
    #[arg(long, value_name = "CRS")]
    crs: Option<String>,

    /// Area method, overriding [area] method.
    #[arg(long, value_name = "METHOD", value_parser = ["auto", "geodesic", "planar", "recorded"])]
    area: Option<String>,

    /// Stop at the first bad record instead of rejecting it into audit_rejected.
    #[arg(long)]
    strict: bool,

    /// Write and accept an audit whose input is wrong as a whole ([checks] allow_suspect).
    #[arg(long)]
    allow_suspect: bool,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    /// A database error, bad input, or an audit that is no answer.
    Input(String),
}

impl From<land_efficiency::Error> for Failure {
    fn from(e: land_efficiency::Error) -> Self {
        match e {
            land_efficiency::Error::Usage(m) => Failure::Usage(m),
            other => Failure::Input(other.to_string()),
        }
    }
}

/// A database error with what was being done, and each cause (the client's own message is
/// only its kind: "error connecting to server").
fn db(doing: &str) -> impl Fn(postgres::Error) -> Failure + '_ {
    move |e| {
        let mut message = format!("{doing}: {e}");
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            if !message.ends_with(&c.to_string()) {
                message += &format!(": {c}");
            }
            cause = c.source();
        }
        Failure::Input(message)
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let (audit, crs_option) = audit_from_args(args)?;
    let url = (args.db.clone())
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| Failure::Usage("give --db URL or set DATABASE_URL".into()))?;
    let verbose = !args.quiet;
    let bar = (verbose && std::io::stderr().is_terminal()).then(spinner);
    let say = |what: &str| {
        if let Some(bar) = &bar {
            bar.set_message(what.to_string());
        }
    };
    let started = Instant::now();
    say("connect");
    let mut client = Client::connect(&url, NoTls).map_err(db("connecting to the database"))?;
    say("read tables");
    let overridden = args.crs.is_some();
    let parcels = fetch_table(&mut client, &args.parcels_table, overridden, true)?;
    let enterprises = optional_table(&mut client, &args.enterprises_table, "enterprises", args)?;
    let parks = optional_table(&mut client, &args.parks_table, "parks", args)?;
    let read = started.elapsed();
    say("audit");
    let inputs = inputs_from_rows(
        &audit,
        crs_option.as_ref(),
        &parcels,
        enterprises.as_ref(),
        parks.as_ref(),
    )
    .map_err(Failure::Input)?;
    let report = audit.run(&inputs)?;
    let audited = started.elapsed() - read;
    say("write tables");
    let tables = output_tables(&report).map_err(Failure::Input)?;
    write_back(&mut client, &args.prefix, &tables)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if verbose {
        print_summary(&report, &args.prefix, &tables);
        println!(
            "done in {:.2} s (read {:.2}, audit {:.2}, write {:.2})",
            started.elapsed().as_secs_f64(),
            read.as_secs_f64(),
            audited.as_secs_f64(),
            (started.elapsed() - read - audited).as_secs_f64()
        );
    }
    not_an_answer(&report, &args.prefix, verbose)
}

/// The audit the options ask for (the config, --area, --crs, --strict and --allow-suspect),
/// and the CRS --crs names.
fn audit_from_args(args: &Args) -> Result<(Audit, Option<Crs>), Failure> {
    let mut config = match &args.config {
        Some(p) => Config::from_path(p)?,
        None => Config::default(),
    };
    config.checks.allow_suspect |= args.allow_suspect;
    if let Some(method) = &args.area {
        config.area.method = match method.as_str() {
            "geodesic" => AreaMethod::Geodesic,
            "planar" => AreaMethod::Planar,
            "recorded" => AreaMethod::Recorded,
            _ => AreaMethod::Auto,
        };
    }
    let crs = match &args.crs {
        Some(name) => Some(
            Crs::parse(name)
                .and_then(|c| c.to_wgs84().map(|_| c))
                .map_err(|e| Failure::Usage(format!("--crs: {e}")))?,
        ),
        None => None,
    };
    Ok((Audit::new(config).strict(args.strict).crs(crs.clone()), crs))
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

// ---------------------------------------------------------------- reading the tables

/// One input table as fetched: each row's attributes and geometry, and the CRS of its SRID.
struct Table {
    /// The table's name as PostgreSQL prints it (schema-qualified and quoted as needed).
    name: String,
    /// `EPSG:N` for the geometries' SRID; `None` for SRID 0, no geometry, or --crs.
    crs: Option<String>,
    rows: Vec<Row>,
}

/// One row: its attribute columns as the text of a JSON object (as PostgreSQL writes it, so
/// that a 20-digit numeric code keeps its digits), its geometry as WKB (`None` when null).
struct Row {
    properties: String,
    wkb: Option<Vec<u8>>,
    /// PostGIS's name of the geometry's type (`Polygon`, `Tin`), with no WKB for a type other
    /// than the seven of simple features.
    kind: Option<String>,
}

/// The enterprises or parks table: the one named, or the default name when it exists.
fn optional_table(
    client: &mut Client,
    named: &Option<String>,
    default: &str,
    args: &Args,
) -> Result<Option<Table>, Failure> {
    let name = named.as_deref().unwrap_or(default);
    if named.is_none() && !table_exists(client, name)? {
        if !args.quiet {
            eprintln!("note: no table {default}: auditing without {default}");
        }
        return Ok(None);
    }
    fetch_table(client, name, args.crs.is_some(), default == "parks").map(Some)
}

fn table_exists(client: &mut Client, name: &str) -> Result<bool, Failure> {
    let row = (client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&name]))
        .map_err(db(&format!("looking up table {name}")))?;
    Ok(row.get(0))
}

/// Reads every row of a table: its attributes as JSON (`to_jsonb`), its first geometry
/// column's SRID and WKB (2D). With `crs_given` the SRIDs are not looked up. A table with no
/// geometry column is an error when it `needs_geometry` (parcels, parks); enterprises can be
/// joined by a parcel_id column instead.
fn fetch_table(
    client: &mut Client,
    name: &str,
    crs_given: bool,
    needs_geometry: bool,
) -> Result<Table, Failure> {
    let doing = format!("reading table {name}");
    let regclass: Option<String> = (client.query_one("SELECT to_regclass($1)::text", &[&name]))
        .map_err(db(&doing))?
        .get(0);
    let table = regclass.ok_or_else(|| Failure::Input(format!("there is no table {name}")))?;
    let columns = client
        .query(
            "SELECT a.attname, t.typname = 'geometry' FROM pg_attribute a \
             JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&table],
        )
        .map_err(db(&doing))?;
    let geometry = (columns.iter())
        .find(|c| c.get::<_, bool>(1))
        .map(|c| ident(c.get(0)));
    if geometry.is_none() && needs_geometry {
        return Err(Failure::Input(format!(
            "table {table} has no geometry column (PostGIS type geometry)"
        )));
    }
    let attributes: Vec<String> = (columns.iter())
        .filter(|c| !c.get::<_, bool>(1))
        .map(|c| format!("t.{}", ident(c.get(0))))
        .collect();
    // WKB of the seven simple-feature types only: the wkb crate reads a curve, a triangle or
    // a TIN as another type (a TRIANGLE as a Point), so those go by their name, to be rejected.
    let g = geometry.map_or("NULL::geometry".into(), |g| format!("t.{g}"));
    let sql = format!(
        "SELECT (SELECT to_jsonb(p)::text FROM (SELECT {}) p), ST_SRID({g}), \
         CASE WHEN ST_GeometryType({g}) IN ('ST_Point', 'ST_MultiPoint', 'ST_LineString', \
         'ST_MultiLineString', 'ST_Polygon', 'ST_MultiPolygon', 'ST_GeometryCollection') \
         THEN ST_AsBinary(ST_Force2D({g})) END, substr(ST_GeometryType({g}), 4) \
         FROM {table} t",
        attributes.join(", ")
    );
    let mut rows = Vec::new();
    let mut srids = BTreeSet::new();
    for row in client.query(&sql, &[]).map_err(db(&doing))? {
        srids.extend(row.get::<_, Option<i32>>(1));
        rows.push(Row {
            properties: (row.get::<_, Option<String>>(0)).unwrap_or_else(|| "{}".into()),
            wkb: row.get(2),
            kind: row.get(3),
        });
    }
    let crs = match crs_given {
        true => None,
        false => srid_crs(client, &table, &srids)?,
    };
    Ok(Table {
        name: table,
        crs,
        rows,
    })
}

/// `EPSG:N` for a table's one SRID (`None` for SRID 0, unknown: the audit then takes lon/lat
/// coordinates as WGS84, or the config's `[crs]`). `srids` are those of its rows.
fn srid_crs(
    client: &mut Client,
    table: &str,
    srids: &BTreeSet<i32>,
) -> Result<Option<String>, Failure> {
    let mut each = srids.iter();
    let Some(&srid) = each.next() else {
        return Ok(None);
    };
    if let Some(other) = each.next() {
        return Err(Failure::Input(format!(
            "table {table} has geometries in SRID {srid} and SRID {other}: one SRID per table \
             (make a view with ST_Transform, or give --crs)"
        )));
    }
    if srid == 0 {
        return Ok(None);
    }
    let row = (client.query_opt(
        "SELECT auth_name, auth_srid FROM spatial_ref_sys WHERE srid = $1",
        &[&srid],
    ))
    .map_err(db(&format!("looking up SRID {srid} of table {table}")))?;
    match row.map(|r| (r.get::<_, Option<String>>(0), r.get::<_, Option<i32>>(1))) {
        Some((Some(auth), Some(code))) if auth.eq_ignore_ascii_case("EPSG") => {
            Ok(Some(format!("EPSG:{code}")))
        }
        _ => Err(Failure::Input(format!(
            "table {table}: SRID {srid} is no EPSG code in spatial_ref_sys; give the CRS with \
             --crs"
        ))),
    }
}

/// A quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

// ---------------------------------------------------------------- rows to the audit's inputs

/// The audit's inputs from the fetched rows, as typed records ([`Records`]): each row a
/// record whose geometry is its WKB decoded and whose fields are its columns, in the CRS of
/// the table. The crate writes them out as a file of the layer and reads that, so every record
/// is checked, rejected or reprojected exactly as a file's.
fn inputs_from_rows(
    audit: &Audit,
    crs_option: Option<&Crs>,
    parcels: &Table,
    enterprises: Option<&Table>,
    parks: Option<&Table>,
) -> Result<Inputs, String> {
    let config = audit.config();
    let fields = &config.fields;
    let crs = |table: &Table, layer: &Option<String>| -> Result<Crs, String> {
        layer_crs(crs_option, layer, &config.crs.input, table)
    };
    let parcels = {
        let mut records = Records::parcels(crs(parcels, &config.crs.parcels)?).label(&parcels.name);
        for (i, row) in parcels.rows.iter().enumerate() {
            let (id, values) = row_fields(row, &fields.parcel_id, parcels, i)?;
            let record = match shape(row, parcels, i)? {
                Shape::Geometry(g) => ParcelInput::new(id, g),
                Shape::None => ParcelInput::without_geometry(id),
            };
            records.push(record.fields(values));
        }
        records.into()
    };
    let enterprises = match enterprises {
        None => None,
        Some(table) => {
            let key = &fields.enterprises.enterprise_id;
            let by_parcel = &fields.enterprises.parcel_id;
            let mut records =
                Records::enterprises(crs(table, &config.crs.enterprises)?).label(&table.name);
            for (i, row) in table.rows.iter().enumerate() {
                let (id, mut values) = row_fields(row, key, table, i)?;
                let record = match shape(row, table, i)? {
                    Shape::Geometry(Geometry::Point(p)) => EnterpriseInput::new(id).at(p),
                    Shape::None => EnterpriseInput::new(id),
                    // A firm stands at a point: with any other geometry (a polygon, a
                    // triangle) it is given no place at all, its parcel id left out too, so
                    // that it is rejected with its id (missing_property) rather than joined.
                    Shape::Geometry(_) => {
                        values.retain(|(name, _)| name != by_parcel);
                        EnterpriseInput::new(id)
                    }
                };
                records.push(record.fields(values));
            }
            Some(records.into())
        }
    };
    let parks = match parks {
        None => None,
        Some(table) => {
            let mut records = Records::parks(crs(table, &config.crs.parks)?).label(&table.name);
            for (i, row) in table.rows.iter().enumerate() {
                let (id, values) = row_fields(row, &fields.parks.park_id, table, i)?;
                let record = match shape(row, table, i)? {
                    Shape::Geometry(g) => ParkInput::new(id, g),
                    Shape::None => ParkInput::without_geometry(id),
                };
                records.push(record.fields(values));
            }
            Some(records.into())
        }
    };
    Ok(Inputs {
        parcels,
        enterprises,
        parks,
    })
}

/// A layer's CRS: --crs, else the config's `[crs]` for the layer or for every input (which
/// override a file's declared CRS, and so the table's SRID), else the table's SRID, else (SRID
/// 0, no geometry) WGS84 lon/lat.
fn layer_crs(
    given: Option<&Crs>,
    layer: &Option<String>,
    input: &Option<String>,
    table: &Table,
) -> Result<Crs, String> {
    if let Some(crs) = given {
        return Ok(crs.clone());
    }
    let name = (layer.as_deref())
        .or(input.as_deref())
        .or(table.crs.as_deref())
        .unwrap_or("EPSG:4326");
    Crs::parse(name).map_err(|e| format!("table {}: CRS {name}: {e}", table.name))
}

/// What a row's geometry gives a record.
enum Shape {
    Geometry(Geometry),
    /// NULL, or an empty point (geo has none).
    None,
}

/// A row's geometry: its WKB decoded; for a type of no simple feature (a curve, a triangle,
/// a TIN), which has no `geo` form, an empty GeometryCollection, which the reader rejects for
/// its type (`geometry_type`) as it would the feature of a file.
fn shape(row: &Row, table: &Table, i: usize) -> Result<Shape, String> {
    match (row.wkb.as_deref(), &row.kind) {
        (Some(wkb), _) => Ok(geometry_from_wkb(wkb)
            .map_err(|e| format!("table {}, row {i}: {e}", table.name))?
            .map_or(Shape::None, Shape::Geometry)),
        (None, Some(_)) => Ok(Shape::Geometry(Geometry::GeometryCollection(
            geo::GeometryCollection(Vec::new()),
        ))),
        (None, None) => Ok(Shape::None),
    }
}

/// A row's id (the column `[fields]` names as the layer's id; empty when NULL or missing)
/// and its other columns as fields: JSON null, booleans, numbers and text as [`FieldValue`]s.
/// A number is kept as its text where a float would lose digits (a 20-digit numeric code),
/// and an object or array as its JSON text.
fn row_fields(
    row: &Row,
    id_name: &str,
    table: &Table,
    i: usize,
) -> Result<(String, Vec<(String, FieldValue)>), String> {
    let columns: Vec<(String, &serde_json::value::RawValue)> =
        (serde_json::from_str::<HashMap<String, &serde_json::value::RawValue>>(&row.properties))
            .map_err(|e| format!("table {}, row {i}: the row as JSON: {e}", table.name))?
            .into_iter()
            .collect();
    let mut id = String::new();
    let mut values = Vec::with_capacity(columns.len());
    for (name, raw) in columns {
        let value = field_value(raw.get());
        if name == id_name {
            id = match value {
                FieldValue::Text(t) => t,
                FieldValue::Number(_) | FieldValue::Bool(_) => raw.get().to_string(),
                FieldValue::Null => String::new(),
            };
        } else {
            values.push((name, value));
        }
    }
    values.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((id, values))
}

/// A JSON value's text as a field's value.
fn field_value(raw: &str) -> FieldValue {
    match raw {
        "null" => FieldValue::Null,
        "true" => FieldValue::Bool(true),
        "false" => FieldValue::Bool(false),
        _ if raw.starts_with('"') => serde_json::from_str::<String>(raw)
            .map_or_else(|_| FieldValue::Text(raw.to_string()), FieldValue::Text),
        _ if raw.starts_with(['[', '{']) => FieldValue::Text(raw.to_string()),
        _ => {
            let digits = raw.trim_start_matches('-');
            let long_integer = digits.len() > 15 && digits.bytes().all(|b| b.is_ascii_digit());
            match raw.parse::<f64>() {
                Ok(v) if !long_integer => FieldValue::Number(v),
                _ => FieldValue::Text(raw.to_string()),
            }
        }
    }
}

/// A geometry from WKB; `None` for an empty point (geo has none).
fn geometry_from_wkb(wkb: &[u8]) -> Result<Option<Geometry>, String> {
    let read = wkb::reader::read_wkb(wkb).map_err(|e| format!("WKB: {e}"))?;
    Ok(read.try_to_geometry())
}

/// A geometry as a GeoJSON geometry object (RFC 7946 structure, coordinates as they are).
fn geojson_geometry(g: &Geometry) -> Value {
    let (kind, coordinates) = match g {
        Geometry::Point(p) => ("Point", position(p.0)),
        Geometry::MultiPoint(m) => ("MultiPoint", m.iter().map(|p| position(p.0)).collect()),
        Geometry::LineString(l) => ("LineString", line(l)),
        Geometry::MultiLineString(m) => ("MultiLineString", m.iter().map(line).collect()),
        Geometry::Polygon(p) => ("Polygon", rings(p)),
        Geometry::MultiPolygon(m) => ("MultiPolygon", m.iter().map(rings).collect()),
        Geometry::GeometryCollection(c) => {
            let members: Vec<Value> = c.iter().map(geojson_geometry).collect();
            return serde_json::json!({"type": "GeometryCollection", "geometries": members});
        }
        Geometry::Line(l) => (
            "LineString",
            Value::from(vec![position(l.start), position(l.end)]),
        ),
        Geometry::Rect(r) => ("Polygon", rings(&r.to_polygon())),
        Geometry::Triangle(t) => ("Polygon", rings(&t.to_polygon())),
    };
    serde_json::json!({"type": kind, "coordinates": coordinates})
}

fn position(c: geo::Coord) -> Value {
    Value::from(vec![c.x, c.y])
}

fn line(l: &geo::LineString) -> Value {
    l.coords().map(|&c| position(c)).collect()
}

fn rings(p: &geo::Polygon) -> Value {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(line)
        .collect()
}

// ---------------------------------------------------------------- the report as tables

/// The SQL type of an output column, from the JSON values of the report's serde form.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Text,
    TextArray,
    Json,
}

/// Columns that can be null in every row of an audit, and their type then: the types of the
/// others are read from their values.
const WHEN_NULL: &[(&str, Kind)] = &[
    ("floor_area", Kind::Float),
    ("plot_ratio", Kind::Float),
    ("previous_low_efficiency", Kind::Bool),
    ("value_added", Kind::Float),
    ("energy_tce", Kind::Float),
    ("emissions_t", Kind::Float),
    ("rd_spend", Kind::Float),
    ("electricity_10k_kwh", Kind::Float),
    ("employees", Kind::Float),
    ("floor_area_m2", Kind::Float),
    ("above_scale", Kind::Bool),
    ("land_m2", Kind::Float),
    ("evaluation", Kind::Json),
    ("properties", Kind::Json),
    ("low_efficiency_ratio", Kind::Float),
    ("low_efficiency_count_share", Kind::Float),
];

impl Kind {
    fn of(v: &Value) -> Kind {
        match v {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(n) if n.is_i64() => Kind::Int,
            Value::Number(_) => Kind::Float,
            Value::String(_) => Kind::Text,
            Value::Array(a) if a.iter().all(|v| v.is_string() || v.is_null()) => Kind::TextArray,
            Value::Array(_) | Value::Object(_) => Kind::Json,
        }
    }

    fn and(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Null, k) | (k, Kind::Null) => k,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            _ => Kind::Json,
        }
    }

    fn sql(self) -> Type {
        match self {
            Kind::Bool => Type::BOOL,
            Kind::Int => Type::INT8,
            Kind::Float => Type::FLOAT8,
            Kind::Null | Kind::Text => Type::TEXT,
            Kind::TextArray => Type::TEXT_ARRAY,
            Kind::Json => Type::JSONB,
        }
    }

    /// A value for the binary COPY, as this kind's SQL type.
    fn cell(self, v: &Value) -> Box<dyn ToSql + Sync> {
        match self {
            Kind::Bool => Box::new(v.as_bool()),
            Kind::Int => Box::new(v.as_i64()),
            Kind::Float => Box::new(v.as_f64()),
            Kind::Null | Kind::Text => Box::new(v.as_str().map(str::to_string)),
            Kind::TextArray => Box::new(v.as_array().map(|a| {
                (a.iter())
                    .map(|s| s.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })),
            Kind::Json => Box::new((!v.is_null()).then(|| v.clone())),
        }
    }
}

/// A table to write: typed columns, and a geometry (GeoJSON, WGS84) per row when it has one.
struct OutTable {
    name: &'static str,
    columns: Vec<(String, Kind)>,
    rows: Vec<Vec<Value>>,
    geometry: Option<Vec<Option<String>>>,
    /// The geometry column's type: `MultiPolygon` (a Polygon is made one) or `Point`.
    geometry_type: &'static str,
}

impl OutTable {
    /// A table of the rows (each a JSON object's members in order): the columns are the
    /// members' names in first-seen order, each typed by its values. With no row, the
    /// columns are those of `empty`, a record of the table's kind.
    fn new(
        name: &'static str,
        objects: Vec<Vec<(String, Value)>>,
        empty: impl FnOnce() -> Result<Vec<(String, Value)>, String>,
    ) -> Result<OutTable, String> {
        let template = match objects.is_empty() {
            true => vec![empty()?],
            false => Vec::new(),
        };
        let mut columns: Vec<(String, Kind)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for object in objects.iter().chain(&template) {
            for (key, value) in object {
                match position.get(key) {
                    Some(&i) => columns[i].1 = columns[i].1.and(Kind::of(value)),
                    None => {
                        position.insert(key.clone(), columns.len());
                        columns.push((key.clone(), Kind::of(value)));
                    }
                }
            }
        }
        for (key, kind) in columns.iter_mut().filter(|(_, k)| *k == Kind::Null) {
            *kind = (WHEN_NULL.iter().find(|(k, _)| k == key)).map_or(Kind::Text, |&(_, k)| k);
        }
        let rows = (objects.into_iter())
            .map(|object| {
                let mut row = vec![Value::Null; columns.len()];
                for (key, value) in object {
                    row[position[&key]] = value;
                }
                row
            })
            .collect();
        Ok(OutTable {
            name,
            columns,
            rows,
            geometry: None,
            geometry_type: "MultiPolygon",
        })
    }
}

/// The names of a JSON object's members in the order they were written (`serde_json::Map`
/// sorts them).
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Keys, A::Error> {
                let mut names = Vec::new();
                while let Some((name, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                    names.push(name);
                }
                Ok(Keys(names))
            }
        }
        d.deserialize_map(Names)
    }
}

/// The members of `value`'s serde form, in the order it writes them. The values come from
/// `serde_json::to_value`, never from text read back: serde_json's parser (without
/// `float_roundtrip`) can be one unit in the last place off, and a figure must be the audit's.
fn members(value: &impl serde::Serialize) -> Result<Vec<(String, Value)>, String> {
    Order::default().members(value)
}

/// The order of a serde form's members, read once from the first value's text: every value of
/// one struct writes the same members in the same order.
#[derive(Default)]
struct Order(Option<Vec<String>>);

impl Order {
    fn members(&mut self, value: &impl serde::Serialize) -> Result<Vec<(String, Value)>, String> {
        let Value::Object(mut map) = serde_json::to_value(value).map_err(|e| e.to_string())? else {
            return Err("a record's serde form is not a JSON object".into());
        };
        if self.0.is_none() {
            let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
            let Keys(order) = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            self.0 = Some(order);
        }
        let order = self.0.as_deref().unwrap_or_default();
        let mut members: Vec<(String, Value)> = (order.iter())
            .filter_map(|k| map.remove(k).map(|v| (k.clone(), v)))
            .collect();
        members.extend(map);
        Ok(members)
    }
}

/// Removes the member `key` and returns its value.
fn take(members: &mut Vec<(String, Value)>, key: &str) -> Value {
    match members.iter().position(|(k, _)| k == key) {
        Some(i) => members.remove(i).1,
        None => Value::Null,
    }
}

/// The report as the tables written: parcels, enterprises, parks, rejected, summary.
fn output_tables(report: &AuditReport) -> Result<Vec<OutTable>, String> {
    Ok(vec![
        parcel_table(report)?,
        enterprise_table(report)?,
        park_table(report)?,
        OutTable::new(
            "rejected",
            (report.rejected.iter())
                .map(members)
                .collect::<Result<_, _>>()?,
            || {
                members(&Rejection {
                    layer: Layer::Parcels,
                    index: 0,
                    id: None,
                    code: "",
                    property: None,
                    reason: String::new(),
                })
            },
        )?,
        OutTable::new(
            "summary",
            vec![vec![(
                "summary".into(),
                serde_json::to_value(&report.summary).map_err(|e| e.to_string())?,
            )]],
            || Ok(Vec::new()),
        )?,
    ])
}

/// Every column of parcels.csv (a parcel's serde form), `unjudged`, the input `properties`
/// (the row's attributes) and the WGS84 geometry.
fn parcel_table(report: &AuditReport) -> Result<OutTable, String> {
    let mut objects = Vec::with_capacity(report.parcel_count());
    let mut geometry = Vec::with_capacity(report.parcel_count());
    let mut order = Order::default();
    for parcel in report.parcels() {
        let mut m = order.members(&parcel)?;
        geometry.push(Some(take(&mut m, "geometry").to_string()));
        objects.push(m);
    }
    // A table of no parcel has no column but its geometry: the audit is then no answer.
    let mut table = OutTable::new("parcels", objects, || Ok(Vec::new()))?;
    table.geometry = Some(geometry);
    Ok(table)
}

/// An enterprise's record as read, its join and (when graded) its evaluation, and its point.
fn enterprise_table(report: &AuditReport) -> Result<OutTable, String> {
    let mut objects = Vec::with_capacity(report.enterprise_count());
    let mut geometry = Vec::with_capacity(report.enterprise_count());
    let (mut order, mut record_order) = (Order::default(), Order::default());
    for e in report.enterprises() {
        let mut m = order.members(&e)?;
        take(&mut m, "enterprise");
        let record = e.enterprise();
        objects.push(
            record_order
                .members(&record)?
                .into_iter()
                .chain(m)
                .collect(),
        );
        geometry.push((record.location).map(|p| geojson_geometry(&Geometry::Point(p)).to_string()));
    }
    let mut table = OutTable::new("enterprises", objects, || {
        // The members of an enterprise's serde form after its record, as it writes them.
        let join = [
            ("join", Value::from("")),
            ("joined_parcel_id", Value::from("")),
            ("candidates", Value::Array(Vec::new())),
            ("land_m2", Value::from(0.0)),
            ("evaluation", Value::Object(Default::default())),
            ("class_history", Value::Array(Vec::new())),
        ]
        .map(|(k, v)| (k.to_string(), v));
        Ok(members(&Enterprise::default())?
            .into_iter()
            .chain(join)
            .collect())
    })?;
    table.geometry = Some(geometry);
    table.geometry_type = "Point";
    Ok(table)
}

/// Each park's figures (as in summary.json) and its geometry (as in parks.geojson).
fn park_table(report: &AuditReport) -> Result<OutTable, String> {
    let mut geojson = Vec::new();
    land_efficiency::write_parks_geojson(report, &mut geojson, OutputCrs::Wgs84)
        .map_err(|e| e.to_string())?;
    // Each geometry's text as written: a figure read back through serde_json could move.
    #[derive(serde::Deserialize)]
    struct Feature {
        geometry: Box<serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Collection {
        features: Vec<Feature>,
    }
    let collection: Collection = serde_json::from_slice(&geojson).map_err(|e| e.to_string())?;
    let objects = (report.parks.iter())
        .map(members)
        .collect::<Result<_, _>>()?;
    let mut table = OutTable::new("parks", objects, || {
        members(&ParkResult {
            row: 0,
            index: 0,
            park_id: String::new(),
            name: None,
            parcel_count: 0,
            area_mu: 0.0,
            low_efficiency_area_mu: 0.0,
            unjudged_count: 0,
            unjudged_area_mu: 0.0,
            low_efficiency_count: 0,
            low_efficiency_ratio: None,
            low_efficiency_count_share: None,
            idle_count: 0,
            over_cap: false,
            rollup: Default::default(),
            rank_tax_per_mu: None,
            trend: Default::default(),
        })
    })?;
    table.geometry = Some(
        (collection.features.into_iter())
            .map(|f| Some(f.geometry.get().to_string()))
            .collect(),
    );
    Ok(table)
}

// ---------------------------------------------------------------- writing back

/// Writes every table in one transaction, each replacing the table of that name: a reader
/// sees the earlier run's tables or this run's, never a mix.
fn write_back(client: &mut Client, prefix: &str, tables: &[OutTable]) -> Result<(), Failure> {
    let doing = "writing the audit's tables";
    let mut tx = client.transaction().map_err(db(doing))?;
    for table in tables {
        write_table(&mut tx, prefix, table)
            .map_err(|e| Failure::Input(format!("writing table {prefix}{}: {e}", table.name)))?;
    }
    tx.commit().map_err(db(doing))
}

fn write_table(tx: &mut Transaction, prefix: &str, t: &OutTable) -> Result<(), postgres::Error> {
    let name = ident(&format!("{prefix}{}", t.name));
    let mut columns: Vec<String> = (t.columns.iter())
        .map(|(c, k)| format!("{} {}", ident(c), k.sql().name()))
        .collect();
    if t.geometry.is_some() {
        columns.push("geom text".into());
    }
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} ({})",
        columns.join(", ")
    ))?;
    let mut types: Vec<Type> = t.columns.iter().map(|(_, k)| k.sql()).collect();
    let geometry = t.geometry.as_deref().unwrap_or(&[]);
    if t.geometry.is_some() {
        types.push(Type::TEXT);
    }
    let copy = tx.copy_in(&format!("COPY {name} FROM STDIN (FORMAT binary)"))?;
    let mut writer = BinaryCopyInWriter::new(copy, &types);
    for (i, row) in t.rows.iter().enumerate() {
        let mut cells: Vec<Box<dyn ToSql + Sync>> = (t.columns.iter().zip(row))
            .map(|((_, kind), v)| kind.cell(v))
            .collect();
        if t.geometry.is_some() {
            cells.push(Box::new(geometry.get(i).cloned().flatten()));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = cells.iter().map(|c| c.as_ref()).collect();
        writer.write(&refs)?;
    }
    writer.finish()?;
    if t.geometry.is_some() {
        tx.batch_execute(&format!(
            "ALTER TABLE {name} ALTER COLUMN geom TYPE geometry({kind}, 4326) \
             USING ST_SetSRID({multi}(ST_GeomFromGeoJSON(geom)), 4326)",
            kind = t.geometry_type,
            multi = if t.geometry_type == "MultiPolygon" {
                "ST_Multi"
            } else {
                ""
            }
        ))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- what is printed

fn print_summary(report: &AuditReport, prefix: &str, tables: &[OutTable]) {
    let s = &report.summary;
    println!(
        "parcels:     {} read, {} evaluated, {} rejected",
        s.parcels.read, s.parcels.evaluated, s.parcels.rejected
    );
    println!(
        "enterprises: {} read, {} joined, {} unmatched ({} in several parcels), {} rejected",
        s.enterprises.read,
        s.enterprises.joined,
        s.enterprises.unmatched,
        s.enterprises.ambiguous,
        s.enterprises.rejected
    );
    println!(
        "parks:       {} read, {} evaluated, {} rejected",
        s.park_features.read, s.park_features.evaluated, s.park_features.rejected
    );
    println!(
        "area {:.4} mu; low-efficiency {} parcels, {:.4} mu ({}); idle {}; outside parks {}",
        s.total_area_mu,
        s.low_efficiency_count,
        s.low_efficiency_area_mu,
        s.low_efficiency_ratio
            .map_or("-".into(), |r| format!("{:.2}%", r * 100.0)),
        s.idle_count,
        s.outside_parks_count
    );
    let written: Vec<String> = (tables.iter())
        .map(|t| format!("{prefix}{} ({} rows)", t.name, t.rows.len()))
        .collect();
    println!("wrote {}", written.join(", "));
}

/// An error when no parcel was evaluated, or the input is wrong as a whole and not accepted:
/// the tables are written, but they are no answer, which a script must not take for success.
fn not_an_answer(report: &AuditReport, prefix: &str, verbose: bool) -> Result<(), Failure> {
    let s = &report.summary;
    if s.parcels.evaluated == 0 {
        return Err(Failure::Input(format!(
            "no parcel was audited: {} read, all rejected ({prefix}rejected lists each and why)",
            s.parcels.read
        )));
    }
    if s.refused() {
        let list: Vec<String> = (s.suspicions.iter())
            .map(|x| format!("  - {} ({}): {}", x.layer, x.code, x.message))
            .collect();
        return Err(Failure::Input(format!(
            "the input is wrong as a whole, so these figures are not an answer:\n{}\nThe \
             tables are written ({prefix}summary lists these). Correct the input, or if you \
             have looked and accept it, run again with --allow-suspect",
            list.join("\n")
        )));
    }
    for x in s.suspicions.iter().filter(|_| verbose) {
        eprintln!(
            "warning: accepted with --allow-suspect: {} ({}): {}",
            x.layer, x.code, x.message
        );
    }
    Ok(())
}
