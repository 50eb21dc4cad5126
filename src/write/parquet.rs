//! GeoParquet 1.1 output (`--format parquet`, the `parquet` feature): `parcels.parquet` and
//! `parks.parquet`, the features of `parcels.geojson` and `parks.geojson` with the same
//! properties, a `geometry` column of WKB and the `geo` file metadata (version 1.1.0,
//! primary column, encoding, geometry types, bbox, CRS as PROJJSON).
//!
//! The CRS: GeoParquet reads a column with no `crs` as OGC:CRS84 (WGS84 lon/lat). WGS84
//! output writes that CRS all the same, as PROJJSON, so that a reader that does not apply the
//! default, or a person looking at the metadata, sees it; GCJ-02 output, which no registry
//! names, writes `"crs": null`, GeoParquet's "unknown".

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::config::OutputCrs;
use crate::results::AuditReport;
use crate::shapes::ShapeRef;
use crate::source_text::InputText;

use super::table::{Kind, ParcelTable, Value, park_fields, park_values};

/// OGC:CRS84 as PROJJSON (PROJ 9's `projinfo OGC:CRS84 -o PROJJSON`).
const CRS84: &str = r#"{"$schema":"https://proj.org/schemas/v0.7/projjson.schema.json","type":"GeographicCRS","name":"WGS 84 (CRS84)","datum_ensemble":{"name":"World Geodetic System 1984 ensemble","members":[{"name":"World Geodetic System 1984 (Transit)","id":{"authority":"EPSG","code":1166}},{"name":"World Geodetic System 1984 (G730)","id":{"authority":"EPSG","code":1152}},{"name":"World Geodetic System 1984 (G873)","id":{"authority":"EPSG","code":1153}},{"name":"World Geodetic System 1984 (G1150)","id":{"authority":"EPSG","code":1154}},{"name":"World Geodetic System 1984 (G1674)","id":{"authority":"EPSG","code":1155}},{"name":"World Geodetic System 1984 (G1762)","id":{"authority":"EPSG","code":1156}},{"name":"World Geodetic System 1984 (G2139)","id":{"authority":"EPSG","code":1309}},{"name":"World Geodetic System 1984 (G2296)","id":{"authority":"EPSG","code":1383}}],"ellipsoid":{"name":"WGS 84","semi_major_axis":6378137,"inverse_flattening":298.257223563},"accuracy":"2.0","id":{"authority":"EPSG","code":6326}},"coordinate_system":{"subtype":"ellipsoidal","axis":[{"name":"Geodetic longitude","abbreviation":"Lon","direction":"east","unit":"degree"},{"name":"Geodetic latitude","abbreviation":"Lat","direction":"north","unit":"degree"}]},"scope":"Not known.","area":"World.","bbox":{"south_latitude":-90,"west_longitude":-180,"north_latitude":90,"east_longitude":180},"id":{"authority":"OGC","code":"CRS84"}}"#;

/// Rows per row group (and per batch built).
const ROW_GROUP: usize = 65_536;

fn parquet_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("GeoParquet: {e}"))
}

/// A column being built.
enum Builder {
    Text(StringBuilder),
    Float(Float64Builder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    List(ListBuilder<StringBuilder>),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text | Kind::Json => Builder::Text(StringBuilder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::List => Builder::List(ListBuilder::new(StringBuilder::new())),
        }
    }

    /// Appends `v`; a value not of the column's type (none is made) as null.
    fn push(&mut self, v: &Value<'_>) {
        match (self, v) {
            (Builder::Text(b), Value::Text(s)) => b.append_value(s),
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Float(b), Value::Float(x)) => b.append_value(*x),
            (Builder::Float(b), _) => b.append_null(),
            (Builder::Int(b), Value::Int(x)) => b.append_value(*x),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::List(b), Value::List(items)) => {
                for s in items {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            (Builder::List(b), _) => b.append(false),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
        }
    }
}

/// A table being written: its columns' builders, the geometry's, and what the `geo`
/// metadata says of the geometries seen.
struct Table<'a> {
    names: Vec<Cow<'a, str>>,
    columns: Vec<Builder>,
    geometry: BinaryBuilder,
    bbox: [f64; 4],
    polygon: bool,
    multi: bool,
    crs: OutputCrs,
    scratch: Vec<u8>,
}

impl<'a> Table<'a> {
    fn new(fields: impl Iterator<Item = (Cow<'a, str>, Kind)>, crs: OutputCrs) -> Table<'a> {
        let (names, columns) = fields.map(|(n, k)| (n, Builder::new(k))).unzip();
        Table {
            names,
            columns,
            geometry: BinaryBuilder::new(),
            bbox: [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            polygon: false,
            multi: false,
            crs,
            scratch: Vec::new(),
        }
    }

    fn push(&mut self, values: &[Value<'_>], shape: &ShapeRef<'_>, multi: bool) {
        for (b, v) in self.columns.iter_mut().zip(values) {
            b.push(v);
        }
        self.scratch.clear();
        wkb(&mut self.scratch, shape, multi, self.crs);
        self.geometry.append_value(&self.scratch);
    }

    /// Notes a geometry's type and extent for the `geo` metadata.
    fn note(&mut self, shape: &ShapeRef<'_>, multi: bool) {
        if !multi && shape.polygons().len() == 1 {
            self.polygon = true;
        } else {
            self.multi = true;
        }
        for p in shape.polygons() {
            for c in p.exterior() {
                let c = super::geojson::output_coord(*c, self.crs);
                self.bbox[0] = self.bbox[0].min(c.x);
                self.bbox[1] = self.bbox[1].min(c.y);
                self.bbox[2] = self.bbox[2].max(c.x);
                self.bbox[3] = self.bbox[3].max(c.y);
            }
        }
    }

    fn batch(&mut self) -> io::Result<RecordBatch> {
        let mut fields = Vec::new();
        let mut arrays = Vec::new();
        for (name, b) in self.names.iter().zip(&mut self.columns) {
            let a = b.finish();
            fields.push(Field::new(name.as_ref(), a.data_type().clone(), true));
            arrays.push(a);
        }
        let g: ArrayRef = Arc::new(self.geometry.finish());
        fields.push(Field::new("geometry", g.data_type().clone(), true));
        arrays.push(g);
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(parquet_error)
    }

    /// The `geo` file metadata, with the geometry types and bbox of every row pushed.
    fn geo(&self) -> String {
        let bbox = self.bbox;
        let mut types = Vec::new();
        if self.polygon {
            types.push("\"Polygon\"");
        }
        if self.multi {
            types.push("\"MultiPolygon\"");
        }
        let bbox = if bbox[0].is_finite() {
            format!("[{},{},{},{}]", bbox[0], bbox[1], bbox[2], bbox[3])
        } else {
            "[]".to_string()
        };
        let crs = match self.crs {
            OutputCrs::Wgs84 => CRS84,
            OutputCrs::Gcj02 => "null",
        };
        format!(
            r#"{{"version":"1.1.0","primary_column":"geometry","columns":{{"geometry":{{"encoding":"WKB","geometry_types":[{}],"bbox":{bbox},"crs":{crs}}}}}}}"#,
            types.join(",")
        )
    }
}

/// A writer of a table's batches, with its `geo` metadata in the file's key-value metadata
/// and in the Arrow schema stored in the file (which pyarrow, so GeoPandas, reads instead):
/// the geometry types and bbox are found before the first batch is written.
fn writer<'w>(
    w: &'w mut (dyn Write + Send),
    first: &RecordBatch,
    geo: String,
) -> io::Result<Writer<'w>> {
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("geo".to_string(), geo.clone());
    let schema = Arc::new(first.schema().as_ref().clone().with_metadata(metadata));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let mut arrow =
        ArrowWriter::try_new(w, Arc::clone(&schema), Some(props)).map_err(parquet_error)?;
    // The file's own key-value metadata, where GeoParquet puts it (the Arrow schema's is
    // stored apart, under ARROW:schema).
    arrow.append_key_value_metadata(parquet::file::metadata::KeyValue::new("geo".into(), geo));
    Ok(Writer { arrow, schema })
}

/// A file being written, and its schema.
struct Writer<'w> {
    arrow: ArrowWriter<&'w mut (dyn Write + Send)>,
    schema: arrow_schema::SchemaRef,
}

/// Writes `batch` (its schema the writer's, but for the metadata).
fn write_batch(writer: &mut Writer<'_>, batch: RecordBatch) -> io::Result<()> {
    let batch = (batch.with_schema(Arc::clone(&writer.schema))).map_err(parquet_error)?;
    writer.arrow.write(&batch).map_err(parquet_error)
}

/// Writes `parcels.parquet`: the parcels of `parcels.geojson`, properties read back from
/// `text` where they were left. Written a row group at a time.
pub(super) fn parcels(
    report: &AuditReport,
    text: Option<&InputText>,
    w: &mut (dyn Write + Send),
    crs: OutputCrs,
) -> io::Result<()> {
    let table = ParcelTable::new(report, text)?;
    let fields = (table.fields.iter()).map(|f| (Cow::Borrowed(f.name.as_str()), f.kind));
    let mut out = Table::new(fields, crs);
    let n = report.parcel_count();
    for row in 0..n {
        let record = report.parcel(row).record();
        out.note(&record.shape(), record.is_multi());
    }
    let geo = out.geo();
    let fill = |out: &mut Table, start: usize| {
        table.rows(start..(start + ROW_GROUP).min(n), &mut |p, values| {
            let record = p.record();
            out.push(values, &record.shape(), record.is_multi());
            Ok(())
        })?;
        out.batch()
    };
    let first = fill(&mut out, 0)?;
    let mut writer = writer(w, &first, geo)?;
    write_batch(&mut writer, first)?;
    for start in (ROW_GROUP..n).step_by(ROW_GROUP) {
        let batch = fill(&mut out, start)?;
        write_batch(&mut writer, batch)?;
    }
    writer.arrow.close().map(|_| ()).map_err(parquet_error)
}

/// Writes `parks.parquet`: the parks of `parks.geojson`.
pub(super) fn parks(
    report: &AuditReport,
    w: &mut (dyn Write + Send),
    crs: OutputCrs,
) -> io::Result<()> {
    let fields = park_fields(report)
        .into_iter()
        .map(|(n, k)| (Cow::Borrowed(n), k));
    let mut out = Table::new(fields, crs);
    let cap = report.summary.max_low_efficiency_ratio;
    let shapes = report.park_table.shapes();
    for k in &report.parks {
        let (shape, multi) = (shapes.get(k.row), shapes.is_multi(k.row));
        out.note(&shape, multi);
        out.push(&park_values(k, cap), &shape, multi);
    }
    let batch = out.batch()?;
    let mut writer = writer(w, &batch, out.geo())?;
    write_batch(&mut writer, batch)?;
    writer.arrow.close().map(|_| ()).map_err(parquet_error)
}

/// A shape as ISO WKB (little-endian): a Polygon when it came as one, else a MultiPolygon,
/// each coordinate as written in `crs`.
pub(crate) fn wkb(
    out: &mut Vec<u8>,
    shape: &crate::shapes::ShapeRef<'_>,
    multi: bool,
    crs: crate::config::OutputCrs,
) {
    let count = |out: &mut Vec<u8>, n: usize| {
        out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    };
    let polygon = |out: &mut Vec<u8>, p: crate::shapes::PolygonRef<'_>| {
        out.push(1);
        out.extend_from_slice(&3u32.to_le_bytes());
        let exterior = p.exterior();
        let holes: Vec<_> = p.interiors().collect();
        count(out, 1 + holes.len());
        for ring in std::iter::once(exterior).chain(holes) {
            count(out, ring.len());
            for c in ring {
                let c = super::geojson::output_coord(*c, crs);
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    };
    let polygons = shape.polygons();
    if !multi && polygons.len() == 1 {
        for p in polygons {
            polygon(out, p);
        }
    } else {
        out.push(1);
        out.extend_from_slice(&6u32.to_le_bytes());
        count(out, polygons.len());
        for p in polygons {
            polygon(out, p);
        }
    }
}
